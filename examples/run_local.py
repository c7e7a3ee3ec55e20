"""Run every sample event in examples/events/ through the echo app, with a fake management API.

    python examples/run_local.py

No AWS account or network: the app is built with `create_app(client_factory=fake.client_factory)`,
so every management call lands in `apptheory.testkit.FakeManagementClient`, which records it and
behaves like AWS (unknown/gone connections raise GoneError, oversize payloads fail, ...).
For each event this prints the route key, the Lambda proxy response and the management calls made.
Exits 1 when a response is malformed (a proxy-response key missing or of the wrong type).
"""

from __future__ import annotations

import base64
import importlib.util
import json
import logging
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from apptheory.testkit import FakeManagementClient, LambdaContext

HERE = Path(__file__).resolve().parent
EVENTS_DIR = HERE / "events"

# Lambda always sets AWS_REGION; with it, a custom-domain event's management endpoint resolves to the
# execute-api URL of the API (apiId + region), which is always valid for management calls.
DEFAULT_REGION = "eu-west-1"

PROXY_KEYS: dict[str, type | tuple[type, ...]] = {
    "statusCode": int,
    "headers": dict,
    "multiValueHeaders": dict,
    "body": str,
    "isBase64Encoded": bool,
}


def load_echo_app() -> ModuleType:
    """Import examples/echo_app.py by path (examples/ is not a package)."""
    spec = importlib.util.spec_from_file_location("echo_app", HERE / "echo_app.py")
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {HERE / 'echo_app.py'}")
    module = importlib.util.module_from_spec(spec)
    sys.modules["echo_app"] = module
    spec.loader.exec_module(module)
    return module


def problems_with(response: Any) -> list[str]:
    """What makes `response` an invalid Lambda proxy response (empty when it is fine)."""
    if not isinstance(response, dict):
        return [f"response is {type(response).__name__}, not a dict"]
    found = []
    for key, kind in PROXY_KEYS.items():
        if key not in response:
            found.append(f"missing key {key!r}")
        elif not isinstance(response[key], kind) or (kind is int and isinstance(response[key], bool)):
            found.append(f"{key!r} is {type(response[key]).__name__}")
    if response.get("isBase64Encoded") is True and isinstance(response.get("body"), str):
        try:
            base64.b64decode(response["body"], validate=True)
        except ValueError:
            found.append("body is not valid base64 although isBase64Encoded is true")
    return found


def show_data(data: bytes | None) -> str:
    if data is None:
        return "-"
    try:
        return f"text {data.decode('utf-8')!r}"
    except UnicodeDecodeError:
        return f"base64 {base64.b64encode(data).decode('ascii')}"


def connection_ids(events: list[dict[str, Any]]) -> list[str]:
    """Every connection the sample events mention: callers and sendMessage recipients."""
    ids: set[str] = set()
    for event in events:
        ids.add(event["requestContext"]["connectionId"])
        try:
            body = json.loads(event.get("body") or "null") if not event.get("isBase64Encoded") else None
        except ValueError:
            body = None
        if isinstance(body, dict) and isinstance(body.get("to"), str):
            ids.add(body["to"])
    return sorted(ids)


def main() -> int:
    os.environ.setdefault("AWS_REGION", DEFAULT_REGION)
    logging.basicConfig(level=logging.INFO, format="    log %(name)s: %(message)s", stream=sys.stdout)

    paths = sorted(EVENTS_DIR.glob("*.json"))
    if not paths:
        print(f"no events in {EVENTS_DIR}", file=sys.stderr)
        return 1
    events = [json.loads(p.read_text(encoding="utf-8")) for p in paths]

    fake = FakeManagementClient()
    for connection_id in connection_ids(events):
        fake.add_connection(connection_id)
    echo_app = load_echo_app()
    app = echo_app.create_app(client_factory=fake.client_factory)

    events_dir = EVENTS_DIR.relative_to(HERE.parent)
    print(f"echo app: {len(paths)} events from {events_dir}/, AWS_REGION={os.environ['AWS_REGION']}")
    print(f"fake management API knows connections: {', '.join(connection_ids(events))}")
    malformed = 0
    for index, (path, event) in enumerate(zip(paths, events, strict=True), start=1):
        print()
        print(f"[{index}] {path.name}  route={event['requestContext']['routeKey']}")
        fake.reset_calls()
        response = app.handle(event, LambdaContext(aws_request_id=f"local-{index:04d}"))
        problems = problems_with(response)
        if problems:
            malformed += 1
            print(f"    MALFORMED response: {'; '.join(problems)}")
            print(f"    {response!r}")
            continue
        print(f"    status  {response['statusCode']}")
        print(f"    headers {json.dumps(response['headers'], sort_keys=True)}")
        print(f"    multi   {json.dumps(response['multiValueHeaders'], sort_keys=True)}")
        body = response["body"]
        print(f"    body    {'(base64) ' if response['isBase64Encoded'] else ''}{body if body else '(empty)'}")
        calls = fake.calls
        if not calls:
            print("    calls   (none)")
        for call in calls:
            print(f"    call    {call.op} {call.endpoint} {call.connection_id} {show_data(call.data)}")

    print()
    if malformed:
        print(f"FAILED: {malformed} malformed response(s)")
        return 1
    print(f"ok: {len(paths)} events, every response well-formed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
