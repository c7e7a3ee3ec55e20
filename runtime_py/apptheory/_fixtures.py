"""Interpreter of the shared contract fixtures (`contract-tests/fixtures/*.json`).

A fixture describes an app declaratively (route -> list of actions), the state of the strict fake
management API, one raw API Gateway WebSocket event and the expected outcome. `run_fixture` builds
the app, handles the event and returns the outcome in canonical form, ready to compare with the
fixture's `expect` (see `contract-tests/README.md` for the format; the other languages' generated
runners implement the same rules).
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from apptheory.app import App, Handler, Middleware
from apptheory.context import BroadcastResult, Context, WebSocketContext
from apptheory.response import Response, from_result
from apptheory_generated.context import FIELD_ATTRIBUTES
from apptheory_generated.errors import AppError, ManagementError
from apptheory_generated.fake import FakeManagementClient, RecordedCall
from apptheory_generated.streamer import ConnectionInfo

__all__ = ["FixtureError", "FixtureOutcome", "canonical_call", "canonical_response", "run_fixture"]

MANAGED_ENV: Final = ("AWS_REGION", "AWS_DEFAULT_REGION", "APPTHEORY_WS_MANAGEMENT_ENDPOINT")
"""Variables unset for every run unless the fixture's app.env sets them."""

FAKE_ENDPOINT: Final = "https://fake.invalid"

PLACEHOLDER: Final = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)\}")
"""The placeholder shape; a string that is exactly this must name a known placeholder."""

# {ws.<field>} placeholders: every IDL context field except the raw body (see body.*), plus derived values.
WS_FIELDS: Final = {name: attr for name, attr in FIELD_ATTRIBUTES.items() if name != "body"} | {
    "management_endpoint": "management_endpoint",
    "region": "region",
}
BODY_FIELDS: Final = frozenset({"text", "json", "base64", "length", "sha256"})
CONNECTION_FIELDS: Final = frozenset({"connected_at", "last_active_at", "source_ip", "user_agent"})
BROADCAST_FIELDS: Final = frozenset({"sent", "gone", "failed"})
ERROR_FIELDS: Final = frozenset({"type", "status", "aws_code", "retryable", "operation", "connection_id"})

RESPOND_ACTIONS: Final = frozenset({"respond_json", "respond_text", "respond_base64", "respond_none", "respond"})
MANAGEMENT_ACTIONS: Final = frozenset(
    {"send_json", "send_json_to", "send", "get_connection", "delete_connection", "broadcast"}
)
OTHER_ACTIONS: Final = frozenset({"capture_errors", "parse_json", "raise_app_error", "raise_error"})


class FixtureError(ValueError):
    """The fixture itself is malformed (unknown action, bad placeholder, wrong argument type...)."""


@dataclass(frozen=True)
class FixtureOutcome:
    """What running a fixture produced, in the canonical form of the fixture's `expect`."""

    response: dict[str, Any]
    calls: list[dict[str, Any]]


@dataclass(frozen=True)
class _LambdaContext:
    aws_request_id: str


@dataclass
class _Run:
    """State shared by the handlers of one fixture run."""

    fake: FakeManagementClient
    broadcasts: list[tuple[int, int, list[str]]] = field(default_factory=list)
    """(first call index, end call index, connection ids) of each broadcast, to order its calls."""


@dataclass
class _HandlerState:
    """State of one handler invocation."""

    capture: bool = False
    error: ManagementError | None = None
    connection: ConnectionInfo | None = None
    broadcast: BroadcastResult | None = None
    broadcast_ids: list[str] = field(default_factory=list)


# ---- canonical forms ------------------------------------------------------------------------------


def canonical_response(proxy: Mapping[str, Any]) -> dict[str, Any]:
    """The proxy response as the fixture states it: the runtime's own values and body bytes, unconverted.

    Raises FixtureError when the proxy's single-value `headers` map is not the last value of each
    `multiValueHeaders` list (an invariant of every runtime's proxy response).
    """
    multi = proxy.get("multiValueHeaders")
    single = proxy.get("headers")
    if not isinstance(multi, dict) or not isinstance(single, dict):
        raise FixtureError(f"proxy response needs headers and multiValueHeaders maps, got {proxy!r}")
    expected_single = {name: values[-1] for name, values in multi.items() if values}
    if single != expected_single:
        raise FixtureError(f"proxy headers {single!r} are not the last of each multiValueHeaders list {multi!r}")
    return {
        "status": proxy.get("statusCode"),
        "headers": multi,
        "body": proxy.get("body"),
        "is_base64": proxy.get("isBase64Encoded"),
    }


def canonical_call(call: RecordedCall) -> dict[str, Any]:
    """The canonical form of one recorded management call."""
    out: dict[str, Any] = {"op": call.op, "endpoint": call.endpoint, "connection_id": call.connection_id}
    if call.op == "post_to_connection":
        data = call.data or b""
        try:
            out["data"] = {"encoding": "utf8", "value": data.decode("utf-8")}
        except UnicodeDecodeError:
            out["data"] = {"encoding": "base64", "value": base64.b64encode(data).decode("ascii")}
    return out


# ---- running ----------------------------------------------------------------------------------------


def run_fixture(fixture: Mapping[str, Any]) -> FixtureOutcome:
    """Build the fixture's app, handle its event against the strict fake, return the canonical outcome."""
    app_spec = _mapping(fixture.get("app", {}), "app")
    env = {str(k): _string(v, f"app.env.{k}") for k, v in _mapping(app_spec.get("env", {}), "app.env").items()}
    event = copy.deepcopy(_mapping(fixture.get("event"), "event"))
    with _environment(env):
        fake = FakeManagementClient(endpoint=FAKE_ENDPOINT)
        _seed(fake, _mapping(fixture.get("management", {}), "management"), event)
        run = _Run(fake)
        app = _build_app(app_spec, run)
        lambda_spec = fixture.get("lambda_context")
        lambda_context = None
        if lambda_spec is not None:
            request_id = _mapping(lambda_spec, "lambda_context").get("aws_request_id")
            lambda_context = _LambdaContext(_string(request_id, "lambda_context.aws_request_id"))
        proxy = app.handle(event, lambda_context)
        calls = [canonical_call(call) for call in _ordered_calls(fake.calls, run.broadcasts)]
    return FixtureOutcome(response=canonical_response(proxy), calls=calls)


@contextmanager
def _environment(env: Mapping[str, str]) -> Iterator[None]:
    names = set(MANAGED_ENV) | set(env)
    saved = {name: os.environ.get(name) for name in names}
    try:
        for name in MANAGED_ENV:
            os.environ.pop(name, None)
        os.environ.update(env)
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _epoch_ms(value: object, where: str) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise FixtureError(f"{where} must be epoch milliseconds (integer)")
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=value)


def _seed(fake: FakeManagementClient, management: Mapping[str, Any], event: Mapping[str, Any]) -> None:
    listed: set[str] = set()
    for index, entry in enumerate(_sequence(management.get("connections", []), "management.connections")):
        where = f"management.connections[{index}]"
        if isinstance(entry, str):
            fake.add_connection(entry)
            listed.add(entry)
            continue
        spec = _mapping(entry, where)
        connection_id = _string(spec.get("id"), f"{where}.id")
        fake.add_connection(
            connection_id,
            state=spec.get("state", "connected"),
            connected_at=_epoch_ms(spec.get("connected_at"), f"{where}.connected_at"),
            last_active_at=_epoch_ms(spec.get("last_active_at"), f"{where}.last_active_at"),
            source_ip=_string(spec.get("source_ip", ""), f"{where}.source_ip"),
            user_agent=_string(spec.get("user_agent", ""), f"{where}.user_agent"),
        )
        listed.add(connection_id)
    request_context = event.get("requestContext")
    if isinstance(request_context, Mapping) and request_context.get("eventType") == "CONNECT":
        own = request_context.get("connectionId")
        if isinstance(own, str) and own and own not in listed:
            fake.add_connection(own, state="connecting")
    for index, entry in enumerate(_sequence(management.get("fail", []), "management.fail")):
        where = f"management.fail[{index}]"
        spec = _mapping(entry, where)
        status = spec.get("status")
        if status is not None and (isinstance(status, bool) or not isinstance(status, int)):
            raise FixtureError(f"{where}.status must be an integer")
        scope = spec.get("connection_id")
        fake.fail(
            _string(spec.get("op"), f"{where}.op"),
            _string(spec.get("aws_code"), f"{where}.aws_code"),
            status=status,
            connection_id=None if scope is None else _string(scope, f"{where}.connection_id"),
            sticky=spec.get("sticky", False) is True,
        )


def _build_app(spec: Mapping[str, Any], run: _Run) -> App:
    support = spec.get("websocket_support", True)
    if not isinstance(support, bool):
        raise FixtureError("app.websocket_support must be a boolean")
    endpoint = spec.get("management_endpoint")
    default_actions = spec.get("default_handler")
    app = App(
        websocket_support=support,
        websocket_client_factory=run.fake.client_factory,
        management_endpoint=None if endpoint is None else _string(endpoint, "app.management_endpoint"),
        default_handler=None
        if default_actions is None
        else _make_handler(_sequence(default_actions, "app.default_handler"), run, "app.default_handler"),
    )
    for index, entry in enumerate(_sequence(spec.get("middleware", []), "app.middleware")):
        name, arg = _single_key(entry, f"app.middleware[{index}]")
        if name != "append_header":
            raise FixtureError(f"app.middleware[{index}]: unknown middleware {name!r}")
        header = _mapping(arg, f"app.middleware[{index}].append_header")
        app.use(
            _append_header(
                _string(header.get("name"), f"app.middleware[{index}].append_header.name"),
                _string(header.get("value"), f"app.middleware[{index}].append_header.value"),
            )
        )
    for route_key, actions in _mapping(spec.get("routes", {}), "app.routes").items():
        where = f"app.routes[{route_key!r}]"
        app.websocket(str(route_key), _make_handler(_sequence(actions, where), run, where))
    return app


def _append_header(name: str, value: str) -> Middleware:
    def middleware(next_handler: Handler) -> Handler:
        def handler(ctx: Context) -> object:
            response = from_result(next_handler(ctx))
            headers: dict[str, list[str]] = {}
            for key, values in response.headers.items():
                items = [values] if isinstance(values, str) else list(values)
                headers.setdefault(key.lower(), []).extend(items)
            headers.setdefault(name.lower(), []).append(value)
            return Response(status=response.status, body=response.body, headers=headers)

        return handler

    return middleware


def _ordered_calls(calls: list[RecordedCall], broadcasts: list[tuple[int, int, list[str]]]) -> list[RecordedCall]:
    """Calls in order, except that each broadcast's calls follow the order of its connection ids."""
    ordered = list(calls)
    for start, end, ids in broadcasts:
        rank = {connection_id: index for index, connection_id in reversed(list(enumerate(ids)))}
        ordered[start:end] = sorted(ordered[start:end], key=lambda call: rank.get(call.connection_id, len(ids)))
    return ordered


# ---- handlers ---------------------------------------------------------------------------------------


def _make_handler(actions: Sequence[Any], run: _Run, where: str) -> Handler:
    steps = [_single_key(action, f"{where}[{index}]") for index, action in enumerate(actions)]
    for index, (name, _) in enumerate(steps):
        if name not in RESPOND_ACTIONS | MANAGEMENT_ACTIONS | OTHER_ACTIONS:
            raise FixtureError(f"{where}[{index}]: unknown action {name!r}")

    def handler(ctx: Context) -> object:
        ws = ctx.as_websocket()
        state = _HandlerState()
        for index, (name, arg) in enumerate(steps):
            step = f"{where}[{index}].{name}"
            if name in RESPOND_ACTIONS:
                return _respond(name, arg, ws, state, step)
            if name in MANAGEMENT_ACTIONS:
                try:
                    _manage(name, arg, ws, state, run, step)
                except ManagementError as err:
                    if not state.capture:
                        raise
                    state.error = err
            elif name == "capture_errors":
                state.capture = True
            elif name == "parse_json":
                ws.json()
            elif name == "raise_app_error":
                spec = _mapping(arg, step)
                code = _string(spec.get("code"), f"{step}.code")
                raise AppError(code, _string(_substitute(spec.get("message"), ws, state), f"{step}.message"))
            elif name == "raise_error":
                raise RuntimeError(_string(arg, step))
        return None

    return handler


def _respond(name: str, arg: Any, ws: WebSocketContext, state: _HandlerState, where: str) -> object:
    if name == "respond_json":
        return _substitute(arg, ws, state)
    if name == "respond_text":
        return _string(_substitute(arg, ws, state), where)
    if name == "respond_base64":
        return _b64decode(_string(_substitute(arg, ws, state), where), where)
    if name == "respond_none":
        return None
    spec = _mapping(arg, where)
    status = spec.get("status")
    if isinstance(status, bool) or not isinstance(status, int):
        raise FixtureError(f"{where}.status must be an integer")
    headers = {
        str(key): _string(_substitute(value, ws, state), f"{where}.headers.{key}")
        for key, value in _mapping(spec.get("headers", {}), f"{where}.headers").items()
    }
    body = _string(_substitute(spec.get("body", ""), ws, state), f"{where}.body")
    return Response(status=status, headers=headers, body=body)


def _payload(spec: Mapping[str, Any], ws: WebSocketContext, state: _HandlerState, where: str) -> bytes:
    if ("utf8" in spec) == ("base64" in spec):
        raise FixtureError(f"{where} needs exactly one of utf8 or base64")
    if "utf8" in spec:
        data = _string(_substitute(spec["utf8"], ws, state), f"{where}.utf8").encode("utf-8")
    else:
        data = _b64decode(_string(_substitute(spec["base64"], ws, state), f"{where}.base64"), f"{where}.base64")
    repeat = spec.get("repeat", 1)
    if isinstance(repeat, bool) or not isinstance(repeat, int) or repeat < 1:
        raise FixtureError(f"{where}.repeat must be a positive integer")
    return data * repeat


def _manage(name: str, arg: Any, ws: WebSocketContext, state: _HandlerState, run: _Run, where: str) -> None:
    if name == "send_json":
        ws.send_json_message(_substitute(arg, ws, state))
    elif name == "send_json_to":
        spec = _mapping(arg, where)
        target = _string(_substitute(spec.get("connection_id"), ws, state), f"{where}.connection_id")
        if "value" not in spec:
            raise FixtureError(f"{where} needs a value")
        ws.send_json_message(_substitute(spec["value"], ws, state), connection_id=target)
    elif name == "send":
        spec = _mapping(arg, where)
        raw_target = spec.get("connection_id")
        send_to = None if raw_target is None else _string(_substitute(raw_target, ws, state), f"{where}.connection_id")
        ws.send_message(_payload(spec, ws, state, where), connection_id=send_to)
    elif name == "get_connection":
        state.connection = ws.get_connection(_string(_substitute(arg, ws, state), where))
    elif name == "delete_connection":
        ws.disconnect(_string(_substitute(arg, ws, state), where))
    else:  # broadcast
        spec = _mapping(arg, where)
        ids = [
            _string(_substitute(item, ws, state), f"{where}.connection_ids[{index}]")
            for index, item in enumerate(_sequence(spec.get("connection_ids"), f"{where}.connection_ids"))
        ]
        data = _payload(spec, ws, state, where)
        start = len(run.fake.calls)
        state.broadcast = ws.broadcast(ids, data)
        state.broadcast_ids = ids
        run.broadcasts.append((start, len(run.fake.calls), ids))


# ---- placeholders -----------------------------------------------------------------------------------


def _substitute(value: Any, ws: WebSocketContext, state: _HandlerState) -> Any:
    """Replace every string that is exactly {namespace.name}, at any depth (map keys excepted)."""
    if isinstance(value, str):
        match = PLACEHOLDER.fullmatch(value)
        return _resolve(match.group(1), match.group(2), ws, state) if match else value
    if isinstance(value, list):
        return [_substitute(item, ws, state) for item in value]
    if isinstance(value, dict):
        return {key: _substitute(item, ws, state) for key, item in value.items()}
    return value


def _resolve(namespace: str, name: str, ws: WebSocketContext, state: _HandlerState) -> Any:
    label = f"{{{namespace}.{name}}}"
    if namespace == "ws" and name in WS_FIELDS:
        return _render(getattr(ws, WS_FIELDS[name]))
    if namespace == "body" and name in BODY_FIELDS:
        if name == "text":
            return ws.text()
        if name == "json":
            return ws.json()
        if name == "base64":
            return base64.b64encode(ws.body).decode("ascii")
        if name == "length":
            return len(ws.body)
        return hashlib.sha256(ws.body).hexdigest()
    if namespace == "connection" and name in CONNECTION_FIELDS:
        if state.connection is None:
            raise FixtureError(f"{label} used before any get_connection action")
        return _render(getattr(state.connection, name))
    if namespace == "broadcast" and name in BROADCAST_FIELDS:
        if state.broadcast is None:
            raise FixtureError(f"{label} used before any broadcast action")
        chosen: Sequence[str] | Mapping[str, ManagementError] = getattr(state.broadcast, name)
        return [connection_id for connection_id in dict.fromkeys(state.broadcast_ids) if connection_id in chosen]
    if namespace == "error" and name in ERROR_FIELDS:
        if state.error is None:
            return None
        if name == "type":
            return type(state.error).__name__
        return _render(getattr(state.error, name))
    raise FixtureError(f"unknown placeholder {label}")


def _render(value: object) -> Any:
    """A runtime value for a placeholder: the value itself, except the conversions the fixture format defines
    identically for every language: a timestamp -> ISO-8601 UTC with milliseconds, bytes -> base64."""
    if isinstance(value, datetime):
        moment = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}Z"
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


# ---- argument helpers ---------------------------------------------------------------------------------


def _single_key(value: object, where: str) -> tuple[str, Any]:
    if not isinstance(value, Mapping) or len(value) != 1:
        raise FixtureError(f"{where} must be an object with exactly one key")
    ((name, arg),) = value.items()
    return str(name), arg


def _mapping(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise FixtureError(f"{where} must be an object")
    return value


def _sequence(value: object, where: str) -> Sequence[Any]:
    if not isinstance(value, list):
        raise FixtureError(f"{where} must be an array")
    return value


def _string(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise FixtureError(f"{where} must be a string, got {type(value).__name__}")
    return value


def _b64decode(text: str, where: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise FixtureError(f"{where} is not valid base64") from None
