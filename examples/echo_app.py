"""A small echo app on AppTheory WebSockets.

Routes:

- ``$connect``: the handshake must carry a ``token`` query parameter (``wss://host/stage?token=...``),
  else the connection is refused with 401 ``app.unauthorized``. Token verification belongs in a
  ``$connect`` authorizer or here; this example only requires its presence.
- ``$disconnect``: logs the connection id and close code (never headers, tokens or bodies).
- ``$default``: parses the frame as JSON, sends it back to the caller and answers ``{"ok": true}``.
- ``sendMessage``: ``{"action": "sendMessage", "to": "<connection id>", "text": "..."}`` sends ``text``
  to the connection ``to``; a recipient that is gone answers 404 ``app.not_found``.

Lambda entry point: ``echo_app.handler``. ``create_app(client_factory=...)`` is the hook tests and
``run_local.py`` use to swap the boto3-backed management client for ``apptheory.testkit``'s fake.
"""

from __future__ import annotations

import json
import logging

from apptheory import App, AppError, AppErrorCode, ClientFactory, Context, GoneError

logger = logging.getLogger("echo_app")


def on_connect(ctx: Context) -> None:
    ws = ctx.as_websocket()
    if not ws.query.get("token", "").strip():
        raise AppError(AppErrorCode.UNAUTHORIZED, "a token query parameter is required")
    return None  # 200 with an empty body: API Gateway accepts the connection


def on_disconnect(ctx: Context) -> None:
    ws = ctx.as_websocket()
    # Ids and the close code only: headers, query strings (tokens) and bodies are never logged.
    logger.info(
        json.dumps(
            {
                "event": "disconnect",
                "connection_id": ws.connection_id,
                "request_id": ws.request_id,
                "status_code": ws.disconnect_status_code,
            },
            sort_keys=True,
        )
    )
    return None


def on_default(ctx: Context) -> dict[str, bool]:
    ws = ctx.as_websocket()
    message = ws.json()  # invalid JSON (e.g. a binary frame) answers 400 app.bad_request
    ws.send_json_message(message)
    return {"ok": True}


def on_send_message(ctx: Context) -> dict[str, object]:
    ws = ctx.as_websocket()
    body = ws.json()
    to = body.get("to") if isinstance(body, dict) else None
    text = body.get("text") if isinstance(body, dict) else None
    if not isinstance(to, str) or not to.strip() or not isinstance(text, str):
        raise AppError(AppErrorCode.BAD_REQUEST, 'expected {"to": "<connection id>", "text": "..."}')
    try:
        ws.send_message(text, connection_id=to.strip())
    except GoneError:
        raise AppError(AppErrorCode.NOT_FOUND, "recipient is gone") from None
    return {"ok": True, "to": to.strip()}


def create_app(client_factory: ClientFactory | None = None) -> App:
    """Build the app; `client_factory` replaces the boto3-backed management client (tests, local runs)."""
    app = App(websocket_support=True, websocket_client_factory=client_factory)
    app.websocket("$connect", on_connect)
    app.websocket("$disconnect", on_disconnect)
    app.websocket("$default", on_default)
    app.websocket("sendMessage", on_send_message)
    return app


app = create_app()
handler = app.handle
