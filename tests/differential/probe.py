"""The Python probe of the differential harness: one raw event per stdin line -> one canonical JSON line.

Behaviour (identical in tests/differential/go and tests/differential/ts; see docs/testing.md):
a fresh strict fake and app per event, the probe handler as the app's default handler, and the output
line {"response": <proxy response>, "calls": [...]} encoded by the runtime's own canonical encoder.
"""

from __future__ import annotations

import base64
import json
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from apptheory import App, AppError, Context, ManagementError, encode_json
from apptheory_generated.context import FIELD_ATTRIBUTES
from apptheory_generated.fake import FakeManagementClient


@dataclass(frozen=True)
class _LambdaContext:
    aws_request_id: str


def _value(value: object) -> Any:
    """The conversions every probe applies: timestamps ISO-8601 UTC with milliseconds, bytes base64."""
    if isinstance(value, datetime):
        moment = value.astimezone(UTC)
        return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}Z"
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value


def probe(ctx: Context) -> object:
    ws = ctx.as_websocket()
    out: dict[str, Any] = {name: _value(getattr(ws, attr)) for name, attr in FIELD_ATTRIBUTES.items()}
    out["management_endpoint"] = ws.management_endpoint
    out["region"] = ws.region
    try:
        out["text"] = ws.text()
    except AppError as err:
        out["text"] = {"error": err.message}
    try:
        out["json"] = ws.json()
    except AppError as err:
        out["json"] = {"error": err.message}
    try:
        ws.send_json_message(out)
    except ManagementError as err:
        out["send_json_error"] = type(err).__name__
    try:
        ws.send_message(ws.body)
    except ManagementError as err:
        out["send_error"] = type(err).__name__
    return out


def run_one(index: int, line: str) -> bytes:
    event = json.loads(line)
    fake = FakeManagementClient()
    request_context = event.get("requestContext") if isinstance(event, dict) else None
    if isinstance(request_context, dict):
        own = request_context.get("connectionId")
        if isinstance(own, str) and own:
            state = "connecting" if request_context.get("eventType") == "CONNECT" else "connected"
            fake.add_connection(own, state=state)
    fake.add_connection("peer-1")
    app = App(websocket_support=True, websocket_client_factory=fake.client_factory, default_handler=probe)
    try:
        response = app.handle(event, _LambdaContext(f"lambda-{index}"))
    except Exception:
        return encode_json({"raised": True})
    calls = [
        {
            "op": call.op,
            "endpoint": call.endpoint,
            "connection_id": call.connection_id,
            "data": None if call.data is None else base64.b64encode(call.data).decode("ascii"),
        }
        for call in fake.calls
    ]
    return encode_json({"response": response, "calls": calls})


def main() -> int:
    out = sys.stdout.buffer
    for index, line in enumerate(sys.stdin):
        out.write(run_one(index, line) + b"\n")
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
