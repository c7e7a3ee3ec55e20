"""The chat example on AppTheory (Python). Lambda entry point: `app.handler`.

Protocol (the Go and TS versions implement the same one; tests/e2e checks all three):

- connect to `wss://.../{stage}?token=T&room=R`: `token` is required (non-empty) else the handshake
  is rejected with 401; `room` defaults to `lobby` (1-64 of A-Z a-z 0-9 _ - ., else 400).
- send `{"action":"say","text":"..."}` (text: a non-empty string, at most 4000 characters): every
  connection in the sender's room, the sender included, receives
  `{"from":"<sender connection id>","room":"<room>","text":"...","type":"message"}` (compact JSON,
  sorted keys). Connections found gone while broadcasting are removed from the room.
- any other frame (`$default`): the sender receives `{"message":"...","type":"error"}`.
- `$disconnect` removes the connection from its room.

Rooms live in memory, or in DynamoDB when `CONNECTIONS_TABLE` is set (see chat_rooms.py).

Run it locally: `scripts/dev-chat` (or `apptheory dev examples/chat/python/app.py:app`).
"""

from __future__ import annotations

import re

from chat_rooms import Rooms, rooms_from_env

from apptheory import App, AppError, AppErrorCode, ClientFactory, Context
from apptheory.context import encode_json

DEFAULT_ROOM = "lobby"
MAX_TEXT = 4000
ROOM_PATTERN = re.compile(r"[A-Za-z0-9_.-]{1,64}")


def create_app(rooms: Rooms | None = None, client_factory: ClientFactory | None = None) -> App:
    """Build the chat app; tests pass their own rooms store and management client factory."""
    app = App(websocket_support=True, websocket_client_factory=client_factory)
    store: list[Rooms] = [rooms] if rooms is not None else []

    def get_rooms() -> Rooms:
        if not store:
            store.append(rooms_from_env())  # created on first use, reused on warm invocations
        return store[0]

    @app.websocket("$connect")
    def connect(ctx: Context) -> None:
        ws = ctx.as_websocket()
        if not ws.query.get("token", "").strip():
            raise AppError(AppErrorCode.UNAUTHORIZED, "a token query parameter is required")
        room = ws.query.get("room", "").strip() or DEFAULT_ROOM
        if not ROOM_PATTERN.fullmatch(room):
            raise AppError(AppErrorCode.BAD_REQUEST, "room must be 1-64 of A-Z a-z 0-9 _ - .")
        get_rooms().join(ws.connection_id, room)

    @app.websocket("say")
    def say(ctx: Context) -> dict[str, object]:
        ws = ctx.as_websocket()
        body = ws.json()
        text = body.get("text") if isinstance(body, dict) else None
        if not isinstance(text, str) or not text or len(text) > MAX_TEXT:
            raise AppError(AppErrorCode.BAD_REQUEST, f'expected {{"action":"say","text":"1-{MAX_TEXT} characters"}}')
        rooms = get_rooms()
        room = rooms.room_of(ws.connection_id)
        if room is None:
            raise AppError(AppErrorCode.CONFLICT, "this connection is not in a room; reconnect")
        payload = encode_json({"type": "message", "room": room, "from": ws.connection_id, "text": text})
        result = ws.broadcast(rooms.members(room), payload)
        for gone in result.gone:
            rooms.leave(gone)
        return {"sent": len(result.sent), "gone": len(result.gone), "failed": len(result.failed)}

    @app.websocket("$default")
    def default(ctx: Context) -> None:
        ctx.as_websocket().send_json_message(
            {"type": "error", "message": 'unknown message; send {"action":"say","text":"..."}'}
        )

    @app.websocket("$disconnect")
    def disconnect(ctx: Context) -> None:
        get_rooms().leave(ctx.as_websocket().connection_id)

    return app


app = create_app()
handler = app.handle
