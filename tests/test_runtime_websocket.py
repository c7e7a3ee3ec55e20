"""WebSocketContext: fields from realistic events, body helpers, endpoint/region, management calls, broadcast."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from apptheory import (
    App,
    BroadcastResult,
    ConfigurationError,
    ConnectionInfo,
    Context,
    ForbiddenError,
    GoneError,
    PayloadTooLargeError,
    ServerError,
    WebSocketContext,
)
from apptheory.testkit import FakeManagementClient, RecordedCall, websocket_event

EVENTS = Path(__file__).parent / "events"
PROJECT_PYTHONPATH = os.pathsep.join(
    str(Path(__file__).resolve().parent.parent / p) for p in ("runtime_py", "generated/python")
)
EXEC_HOST = "a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com"
EXEC_ENDPOINT = f"https://{EXEC_HOST}/prod"
CONN = "Yk3xPdTrDoECJbQ="
UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
CONNECTED_AT = datetime(2026, 11, 26, 6, 40, 38, 12000, tzinfo=UTC)
REQUEST_TIME = datetime(2026, 11, 26, 6, 40, 38, 431000, tzinfo=UTC)
ENV_VARS = ("AWS_REGION", "AWS_DEFAULT_REGION", "APPTHEORY_WS_MANAGEMENT_ENDPOINT")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)


def load_event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8"))


def capture(event: dict[str, Any], app: App | None = None) -> WebSocketContext:
    """Handle `event` with a handler that keeps the WebSocket context, and return it."""
    app = app or App(websocket_client_factory=FakeManagementClient().client_factory)
    seen: list[WebSocketContext] = []
    route = event["requestContext"]["routeKey"]
    if route not in app._routes:
        app.websocket(route, lambda ctx: seen.append(ctx.as_websocket()))
    response = app.handle(event)
    assert response["statusCode"] == 200, response
    assert len(seen) == 1
    return seen[0]


def body_of(response: dict[str, Any]) -> Any:
    return json.loads(response["body"])


# ---- fields from realistic events --------------------------------------------------------------

FIELDS = (
    "connection_id",
    "route_key",
    "event_type",
    "domain_name",
    "stage",
    "request_id",
    "api_id",
    "message_id",
    "connected_at",
    "request_time",
    "source_ip",
    "user_agent",
    "headers",
    "multi_value_headers",
    "query",
    "multi_value_query",
    "authorizer",
    "path",
    "body",
    "is_base64",
    "disconnect_status_code",
    "disconnect_reason",
    "management_endpoint",
    "region",
)

COMMON: dict[str, Any] = {
    "connection_id": CONN,
    "event_type": "MESSAGE",
    "domain_name": EXEC_HOST,
    "stage": "prod",
    "request_id": "Yk3xQF1sjoEFT7w=",
    "api_id": "a1b2c3d4e5",
    "message_id": "",
    "connected_at": CONNECTED_AT,
    "request_time": REQUEST_TIME,
    "source_ip": "203.0.113.24",
    "user_agent": UA,
    "headers": {},
    "multi_value_headers": {},
    "query": {},
    "multi_value_query": {},
    "authorizer": None,
    "path": "",
    "body": b"",
    "is_base64": False,
    "disconnect_status_code": 0,
    "disconnect_reason": "",
    "management_endpoint": EXEC_ENDPOINT,
    "region": "eu-west-1",
}

CONNECT_HEADERS = {
    "host": EXEC_HOST,
    "origin": "https://app.example.com",
    "sec-websocket-extensions": "permessage-deflate; client_max_window_bits",
    "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
    "sec-websocket-version": "13",
    "user-agent": UA,
    "x-amzn-trace-id": "Root=1-6745e0e6-1a2b3c4d5e6f708192a3b4c5",
    "x-forwarded-for": "203.0.113.24",
    "x-forwarded-port": "443",
    "x-forwarded-proto": "https",
}

EXPECTED: dict[str, dict[str, Any]] = {
    "connect": {
        **COMMON,
        "route_key": "$connect",
        "event_type": "CONNECT",
        "headers": CONNECT_HEADERS,
        "multi_value_headers": {k: [v] for k, v in CONNECT_HEADERS.items()},
        "query": {"token": "eyJhbGciOiJIUzI1NiJ9.e30.sig", "room": "lobby"},
        "multi_value_query": {"token": ["eyJhbGciOiJIUzI1NiJ9.e30.sig"], "room": ["lobby"]},
    },
    "connect-authorizer": {
        **COMMON,
        "connection_id": "Yk3yAbCdDoECKlM=",
        "route_key": "$connect",
        "event_type": "CONNECT",
        "headers": {**CONNECT_HEADERS, "authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig"},
        "multi_value_headers": {
            **{k: [v] for k, v in CONNECT_HEADERS.items()},
            "authorization": ["Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig"],
        },
        "authorizer": {
            "principalId": "user-8841",
            "integrationLatency": 37,
            "tenantId": "tenant-42",
            "scopes": "chat:read chat:write",
        },
    },
    "disconnect": {
        **COMMON,
        "route_key": "$disconnect",
        "event_type": "DISCONNECT",
        "headers": {"host": EXEC_HOST, "x-api-key": "", "x-forwarded-for": "", "x-restapi": ""},
        "multi_value_headers": {"host": [EXEC_HOST], "x-api-key": [""], "x-forwarded-for": [""], "x-restapi": [""]},
        "disconnect_status_code": 1001,
        "disconnect_reason": "Going away",
    },
    "message-default": {
        **COMMON,
        "route_key": "$default",
        "message_id": "Yk3zB2xdjoECF9g=",
        "body": b'{"action":"chat","room":"lobby","text":"hello, world"}',
    },
    "message-action": {
        **COMMON,
        "route_key": "sendMessage",
        "message_id": "Yk3zC9pRjoECGaA=",
        "body": b'{"action":"sendMessage","to":"Yk3yAbCdDoECKlM=","text":"ping"}',
    },
    "message-binary": {
        **COMMON,
        "route_key": "$default",
        "message_id": "Yk3zD4kWjoECHbB=",
        "body": bytes(range(256)),
        "is_base64": True,
    },
    "message-custom-domain": {
        **COMMON,
        "route_key": "$default",
        "domain_name": "ws.example.com",
        "message_id": "Yk3zE1aQjoECIcC=",
        "body": b'{"action":"chat","text":"via custom domain"}',
        # No region known (env cleared) and no path: the custom domain itself.
        "management_endpoint": "https://ws.example.com",
        "region": "",
    },
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_field_from_realistic_events(name: str) -> None:
    ws = capture(load_event(name))
    actual = {field: getattr(ws, field) for field in FIELDS}
    assert actual == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_timestamps_are_tz_aware_utc(name: str) -> None:
    ws = capture(load_event(name))
    for value in (ws.connected_at, ws.request_time):
        assert isinstance(value, datetime)
        assert value.tzinfo is not None
        assert value.utcoffset() == timedelta(0)
    assert ws.connected_at is not None
    assert int(ws.connected_at.timestamp() * 1000) == 1795675238012


def test_integral_and_missing_timestamps() -> None:
    event = load_event("message-default")
    event["requestContext"]["connectedAt"] = 1500.0  # JavaScript cannot tell 1500.0 from 1500: neither can we
    del event["requestContext"]["requestTimeEpoch"]
    ws = capture(event)
    assert ws.connected_at == datetime(1970, 1, 1, 0, 0, 1, 500000, tzinfo=UTC)
    assert ws.request_time is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, datetime(1970, 1, 1, tzinfo=UTC)),
        (253402300799999, datetime(9999, 12, 31, 23, 59, 59, 999000, tzinfo=UTC)),
        (8590000000001, datetime(2242, 3, 17, 7, 6, 40, 1000, tzinfo=UTC)),  # `date -u -d @8590000000`
    ],
)
def test_timestamps_are_exact_to_the_millisecond(value: int, expected: datetime) -> None:
    event = load_event("message-default")
    event["requestContext"]["connectedAt"] = value
    assert capture(event).connected_at == expected


@pytest.mark.parametrize(("value", "expected"), [(1000.0, 1000), (2**53 - 1, 2**53 - 1), (-(2**53) + 1, -(2**53) + 1)])
def test_integral_disconnect_codes(value: float, expected: int) -> None:
    event = load_event("disconnect")
    event["requestContext"]["disconnectStatusCode"] = value
    code = capture(event).disconnect_status_code
    assert (code, type(code)) == (expected, int)


def test_header_names_are_lower_cased_and_values_kept() -> None:
    event = websocket_event(
        "$connect", headers={"X-Custom-Header": "MiXeD Value", "AUTHORIZATION": "Bearer T"}, request_id="r"
    )
    event["multiValueHeaders"] = {"X-Multi": ["One", "Two"], "x-multi": ["three"]}
    ws = capture(event)
    assert ws.headers["x-custom-header"] == "MiXeD Value"
    assert ws.headers["authorization"] == "Bearer T"
    assert all(name == name.lower() for name in ws.headers)
    assert "X-Custom-Header" not in ws.headers
    # Spellings that differ only in case merge into one lower-cased entry with every value.
    assert ws.multi_value_headers == {"x-multi": ["One", "Two", "three"]}


def test_query_keys_keep_their_case() -> None:
    ws = capture(websocket_event("$connect", query={"Token": "abc"}))
    assert ws.query == {"Token": "abc"}


def test_trimmed_fields() -> None:
    event = load_event("message-default")
    event["requestContext"]["stage"] = "  prod  "
    event["requestContext"]["connectionId"] = f" {CONN}\n"
    ws = capture(event)
    assert ws.stage == "prod"
    assert ws.connection_id == CONN
    assert ws.management_endpoint == EXEC_ENDPOINT


# ---- body --------------------------------------------------------------------------------------


def body_app(action: Callable[[WebSocketContext], Any]) -> App:
    app = App(websocket_client_factory=FakeManagementClient().client_factory)
    app.websocket("$default", lambda ctx: action(ctx.as_websocket()))
    return app


def binary_event(payload: str) -> dict[str, Any]:
    event = load_event("message-binary")
    event["body"] = payload
    return event


@pytest.mark.parametrize(
    "payload",
    ["AAE", "AA==AA==", "A@==", "AA E", "AAE=\n", "-_8=", "AA=A", "A===", "!!!!", "====", "\u00e9\u00e9=="],
    ids=repr,
)
def test_invalid_base64_body_is_400_before_the_handler_runs(payload: str) -> None:
    called: list[int] = []
    app = body_app(lambda ws: called.append(1))
    response = app.handle(binary_event(payload))
    assert response["statusCode"] == 400
    assert body_of(response) == {
        "error": {"code": "app.bad_request", "message": "invalid base64", "request_id": "Yk3xQF1sjoEFT7w="}
    }
    assert called == []


def test_valid_base64_bodies_decode() -> None:
    assert capture(binary_event("")).body == b""
    assert capture(binary_event("aGk=")).body == b"hi"
    assert capture(binary_event("+/8=")).body == b"\xfb\xff"


def test_text_body_is_not_base64_decoded() -> None:
    event = load_event("message-default")
    event["body"] = "aGk="
    assert capture(event).body == b"aGk="


def test_text_and_json_on_a_text_frame() -> None:
    app = body_app(lambda ws: {"text": ws.text(), "json": ws.json()})
    body = body_of(app.handle(load_event("message-default")))
    assert body["text"] == '{"action":"chat","room":"lobby","text":"hello, world"}'
    assert body["json"] == {"action": "chat", "room": "lobby", "text": "hello, world"}


def test_json_on_a_binary_frame_holding_utf8_json_needs_no_content_type() -> None:
    app = body_app(lambda ws: {"json": ws.json(), "text": ws.text()})
    body = body_of(app.handle(binary_event(base64.b64encode('{"é":[1,2]}'.encode()).decode())))
    assert body == {"json": {"é": [1, 2]}, "text": '{"é":[1,2]}'}


def test_text_of_non_utf8_is_400_invalid_utf8() -> None:
    app = body_app(lambda ws: ws.text())
    response = app.handle(load_event("message-binary"))
    assert response["statusCode"] == 400
    assert body_of(response)["error"] == {
        "code": "app.bad_request",
        "message": "invalid utf-8",
        "request_id": "Yk3xQF1sjoEFT7w=",
    }


def test_a_lone_surrogate_in_a_text_body_is_u_fffd() -> None:
    event = load_event("message-default")
    event["body"] = "a\ud800b\udfff"
    app = body_app(lambda ws: {"text": ws.text(), "bytes": ws.body.hex()})
    response = app.handle(event)
    assert response["statusCode"] == 200
    assert response["body"] == '{"bytes":"61efbfbd62efbfbd","text":"a\ufffdb\ufffd"}'


@pytest.mark.parametrize(
    "text_body",
    ["{not json", "", "{'a': 1}", '{"a":1', "NaN", "[Infinity]", "-Infinity", "\ufeff{}", "[" * 100_000],
    ids=lambda s: repr(s[:12]),
)
def test_json_of_invalid_json_is_400_invalid_json(text_body: str) -> None:
    event = load_event("message-default")
    event["body"] = text_body
    app = body_app(lambda ws: {"parsed": ws.json()})
    response = app.handle(event)
    assert response["statusCode"] == 400
    assert body_of(response)["error"] == {
        "code": "app.bad_request",
        "message": "invalid json",
        "request_id": "Yk3xQF1sjoEFT7w=",
    }


@pytest.mark.parametrize(
    "payload", [bytes(range(256)), "{}".encode("utf-16"), b'{"a":"\xff"}'], ids=["binary", "utf16", "latin1"]
)
def test_json_of_non_utf8_bytes_is_400_invalid_json(payload: bytes) -> None:
    app = body_app(lambda ws: {"parsed": ws.json()})
    response = app.handle(binary_event(base64.b64encode(payload).decode()))
    assert response["statusCode"] == 400
    assert body_of(response)["error"]["message"] == "invalid json"


def test_handler_may_catch_body_errors() -> None:
    from apptheory import AppError

    def action(ws: WebSocketContext) -> dict[str, str]:
        try:
            ws.json()
        except AppError as err:
            return {"caught": err.code, "status": str(err.status)}
        return {"caught": "nothing"}

    event = load_event("message-default")
    event["body"] = "nope"
    assert body_of(body_app(action).handle(event)) == {"caught": "app.bad_request", "status": "400"}


# ---- management endpoint and region ------------------------------------------------------------


def custom_domain_event(path: str | None = None, api_id: str | None = "a1b2c3d4e5") -> dict[str, Any]:
    event = load_event("message-custom-domain")
    if path is not None:
        event["path"] = path
    if api_id is None:
        del event["requestContext"]["apiId"]
    else:
        event["requestContext"]["apiId"] = api_id
    return event


def test_execute_api_host_gives_endpoint_and_region_even_with_env_region(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    ws = capture(load_event("message-default"))
    assert ws.management_endpoint == EXEC_ENDPOINT
    assert ws.region == "eu-west-1"


def test_execute_api_host_without_stage() -> None:
    event = load_event("message-default")
    del event["requestContext"]["stage"]
    assert capture(event).management_endpoint == f"https://{EXEC_HOST}"


def test_app_override_wins_over_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APPTHEORY_WS_MANAGEMENT_ENDPOINT", "https://from-env.example.com/env")
    app = App(
        management_endpoint="https://override.example.com/stage/",
        websocket_client_factory=FakeManagementClient().client_factory,
    )
    ws = capture(load_event("message-default"), app)
    assert ws.management_endpoint == "https://override.example.com/stage"
    assert ws.region == "eu-west-1"  # region still comes from the event's host


def test_env_override_wins_over_the_event(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APPTHEORY_WS_MANAGEMENT_ENDPOINT", "  http://localhost:3001/  ")
    assert capture(load_event("message-default")).management_endpoint == "http://localhost:3001"
    assert capture(custom_domain_event()).management_endpoint == "http://localhost:3001"


def test_blank_env_override_is_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APPTHEORY_WS_MANAGEMENT_ENDPOINT", "   ")
    assert capture(load_event("message-default")).management_endpoint == EXEC_ENDPOINT


def test_custom_domain_with_api_id_and_aws_region(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "ap-southeast-2")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    ws = capture(custom_domain_event(path="/chat"))
    assert ws.management_endpoint == "https://a1b2c3d4e5.execute-api.ap-southeast-2.amazonaws.com/prod"
    assert ws.region == "ap-southeast-2"


def test_custom_domain_with_api_id_and_aws_default_region(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-west-2")
    ws = capture(custom_domain_event())
    assert ws.management_endpoint == "https://a1b2c3d4e5.execute-api.us-west-2.amazonaws.com/prod"
    assert ws.region == "us-west-2"


def test_blank_aws_region_falls_through_to_default_region(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "  ")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    assert capture(custom_domain_event()).region == "eu-central-1"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (None, "https://ws.example.com"),
        ("", "https://ws.example.com"),
        ("/", "https://ws.example.com"),
        ("/chat", "https://ws.example.com/chat"),
        ("/chat/v1/", "https://ws.example.com/chat/v1"),
    ],
)
def test_custom_domain_without_region_uses_domain_and_base_path(path: str | None, expected: str) -> None:
    ws = capture(custom_domain_event(path=path))
    assert ws.management_endpoint == expected
    assert ws.region == ""


def test_custom_domain_with_region_but_no_api_id(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    ws = capture(custom_domain_event(path="/v2", api_id=None))
    assert ws.management_endpoint == "https://ws.example.com/v2"
    assert ws.region == "eu-west-1"


def test_no_domain_means_no_endpoint_and_sending_is_a_configuration_error() -> None:
    event = load_event("message-default")
    del event["requestContext"]["domainName"]
    errors: list[BaseException] = []

    def action(ws: WebSocketContext) -> dict[str, str]:
        try:
            ws.send_message("x")
        except ConfigurationError as err:
            errors.append(err)
        return {"endpoint": ws.management_endpoint, "region": ws.region}

    assert body_of(body_app(action).handle(event)) == {"endpoint": "", "region": ""}
    assert len(errors) == 1
    assert "APPTHEORY_WS_MANAGEMENT_ENDPOINT" in str(errors[0])


def test_factory_receives_the_derived_endpoint_and_region(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "sa-east-1")
    fake = FakeManagementClient(connections=[CONN])
    args: list[tuple[str, str | None]] = []

    def factory(endpoint: str, region: str | None) -> FakeManagementClient:
        args.append((endpoint, region))
        return fake.for_endpoint(endpoint)

    app = App(websocket_client_factory=factory)
    app.websocket("$default", lambda ctx: ctx.as_websocket().send_message("hi"))
    app.handle(custom_domain_event())
    app.handle(load_event("message-default"))
    assert args == [
        ("https://a1b2c3d4e5.execute-api.sa-east-1.amazonaws.com/prod", "sa-east-1"),
        (EXEC_ENDPOINT, "eu-west-1"),
    ]

    no_region: list[tuple[str, str | None]] = []
    app2 = App(websocket_client_factory=lambda e, r: no_region.append((e, r)) or fake.for_endpoint(e))
    app2.websocket("$default", lambda ctx: ctx.as_websocket().send_message("hi"))
    monkeypatch.delenv("AWS_REGION")
    app2.handle(custom_domain_event())
    assert no_region == [("https://ws.example.com", None)]


# ---- sending -----------------------------------------------------------------------------------


def sending_app(fake: FakeManagementClient, action: Callable[[WebSocketContext], Any], route: str = "$default") -> App:
    app = App(websocket_client_factory=fake.client_factory)
    app.websocket(route, lambda ctx: action(ctx.as_websocket()))
    return app


def test_send_message_str_and_bytes() -> None:
    fake = FakeManagementClient(connections=[CONN, "other"])

    def action(ws: WebSocketContext) -> None:
        ws.send_message("héllo")
        ws.send_message(b"\x00\xff")
        ws.send_message(bytearray(b"ba"), "other")
        ws.send_message(memoryview(b"mv"), connection_id="other")

    response = sending_app(fake, action).handle(load_event("message-default"))
    assert response["statusCode"] == 200
    fake.assert_calls(
        [
            RecordedCall("post_to_connection", EXEC_ENDPOINT, CONN, "héllo".encode()),
            RecordedCall("post_to_connection", EXEC_ENDPOINT, CONN, b"\x00\xff"),
            RecordedCall("post_to_connection", EXEC_ENDPOINT, "other", b"ba"),
            RecordedCall("post_to_connection", EXEC_ENDPOINT, "other", b"mv"),
        ]
    )
    assert all(type(call.data) is bytes for call in fake.calls)


@pytest.mark.parametrize("bad", [None, 5, {"a": 1}, ["x"]], ids=repr)
def test_send_message_rejects_non_bytes_non_str(bad: Any) -> None:
    fake = FakeManagementClient(connections=[CONN])
    errors: list[BaseException] = []

    def action(ws: WebSocketContext) -> None:
        try:
            ws.send_message(bad)
        except TypeError as err:
            errors.append(err)

    sending_app(fake, action).handle(load_event("message-default"))
    assert len(errors) == 1
    assert fake.calls == []


def test_send_json_message_exact_bytes() -> None:
    fake = FakeManagementClient(connections=[CONN])

    def action(ws: WebSocketContext) -> None:
        ws.send_json_message({"b": 1, "a": "é"})
        ws.send_json_message({"z": {"y": [1, 2.5, None, True]}, "<": "</script>"})

    sending_app(fake, action).handle(load_event("message-default"))
    assert fake.sent_to(CONN) == [
        '{"a":"é","b":1}'.encode(),
        b'{"<":"</script>","z":{"y":[1,2.5,null,true]}}',
    ]
    assert fake.sent_to(CONN)[0] == b'{"a":"\xc3\xa9","b":1}'


def test_lone_surrogates_are_sent_as_replacement_characters() -> None:
    fake = FakeManagementClient(connections=[CONN])

    def action(ws: WebSocketContext) -> None:
        ws.send_json_message({"t": "a\ud800b"})  # what json.loads gives for a "\ud800" escape
        ws.send_message("x\udc00")

    response = sending_app(fake, action).handle(load_event("message-default"))
    assert response["statusCode"] == 200
    assert fake.sent_to(CONN) == [b'{"t":"a\xef\xbf\xbdb"}', b"x\xef\xbf\xbd"]


def test_send_json_message_rejects_nan_without_a_call() -> None:
    fake = FakeManagementClient(connections=[CONN])
    app = sending_app(fake, lambda ws: ws.send_json_message({"x": float("nan")}))
    assert app.handle(load_event("message-default"))["statusCode"] == 500
    assert fake.calls == []


def counting_factory(fake: FakeManagementClient) -> tuple[Callable[[str, str | None], Any], list[str]]:
    created: list[str] = []

    def factory(endpoint: str, region: str | None) -> FakeManagementClient:
        created.append(endpoint)
        return fake.for_endpoint(endpoint)

    return factory, created


@pytest.mark.parametrize(
    "send",
    [
        lambda ws: ws.send_message(b"x" * 131073),
        lambda ws: ws.send_message("x" * 131073),
        lambda ws: ws.send_message("é" * 65537),  # 65,537 characters but 131,074 bytes
        lambda ws: ws.send_json_message("x" * 131071),  # quotes make it 131,073 bytes
        lambda ws: ws.broadcast([CONN, "other"], b"x" * 131073),
    ],
    ids=["bytes", "str", "utf8-counted-in-bytes", "json", "broadcast"],
)
def test_oversize_fails_locally_before_any_call(send: Callable[[WebSocketContext], Any]) -> None:
    fake = FakeManagementClient(connections=[CONN, "other"])
    factory, created = counting_factory(fake)
    errors: list[PayloadTooLargeError] = []

    app = App(websocket_client_factory=factory)

    @app.websocket("$default")
    def handler(ctx: Context) -> None:
        try:
            send(ctx.as_websocket())
        except PayloadTooLargeError as err:
            errors.append(err)

    app.handle(load_event("message-default"))
    assert len(errors) == 1
    assert errors[0].status == 413
    assert errors[0].aws_code == "PayloadTooLargeException"
    assert errors[0].operation == "post_to_connection"
    assert fake.calls == []
    assert created == []  # not even a client was needed


def test_exactly_the_limit_is_sent() -> None:
    fake = FakeManagementClient(connections=[CONN])
    app = sending_app(fake, lambda ws: ws.send_message(b"y" * 131072))
    assert app.handle(load_event("message-default"))["statusCode"] == 200
    assert [len(d) for d in fake.sent_to(CONN)] == [131072]


def test_send_during_connect_is_gone() -> None:
    fake = FakeManagementClient()
    fake.add_connection(CONN, state="connecting")
    caught: list[GoneError] = []

    def action(ws: WebSocketContext) -> None:
        try:
            ws.send_message("welcome")
        except GoneError as err:
            caught.append(err)

    event = load_event("connect")
    assert sending_app(fake, action, "$connect").handle(event)["statusCode"] == 200
    assert len(caught) == 1
    assert caught[0].connection_id == CONN
    assert caught[0].status == 410
    assert caught[0].aws_code == "GoneException"
    # The attempt is recorded; the connection is still connecting, and becomes usable once connected.
    assert fake.calls == [RecordedCall("post_to_connection", EXEC_ENDPOINT, CONN, b"welcome")]
    assert fake.state_of(CONN) == "connecting"
    fake.set_state(CONN, "connected")
    app = sending_app(fake, lambda ws: ws.send_message("now"))
    assert app.handle(load_event("message-default"))["statusCode"] == 200
    assert fake.sent_to(CONN)[-1] == b"now"


def test_unhandled_gone_error_is_500() -> None:
    fake = FakeManagementClient()  # knows no connection
    app = sending_app(fake, lambda ws: ws.send_message("x"))
    response = app.handle(load_event("message-default"))
    assert response["statusCode"] == 500
    assert body_of(response)["error"]["message"] == "internal error"


def test_get_connection_returns_typed_info() -> None:
    fake = FakeManagementClient()
    opened = datetime(2026, 11, 26, 6, 40, 38, tzinfo=UTC)
    fake.add_connection(CONN, connected_at=opened, source_ip="203.0.113.24", user_agent="ua/1")
    fake.add_connection("peer", connected_at=opened, last_active_at=opened + timedelta(seconds=5))
    infos: list[ConnectionInfo] = []

    def action(ws: WebSocketContext) -> None:
        infos.append(ws.get_connection())
        infos.append(ws.get_connection("peer"))

    sending_app(fake, action).handle(load_event("message-default"))
    assert infos == [
        ConnectionInfo(connected_at=opened, last_active_at=opened, source_ip="203.0.113.24", user_agent="ua/1"),
        ConnectionInfo(connected_at=opened, last_active_at=opened + timedelta(seconds=5), source_ip="", user_agent=""),
    ]
    assert all(isinstance(info, ConnectionInfo) for info in infos)
    fake.assert_calls(
        [
            RecordedCall("get_connection", EXEC_ENDPOINT, CONN),
            RecordedCall("get_connection", EXEC_ENDPOINT, "peer"),
        ]
    )


def test_get_connection_of_gone_connection_raises_gone() -> None:
    fake = FakeManagementClient()
    fake.add_connection("old", state="gone")
    app = sending_app(fake, lambda ws: ws.get_connection("old"))
    assert app.handle(load_event("message-default"))["statusCode"] == 500
    assert fake.calls == [RecordedCall("get_connection", EXEC_ENDPOINT, "old")]


def test_disconnect_closes_the_connection() -> None:
    fake = FakeManagementClient(connections=[CONN, "peer"])
    after: list[str] = []

    def action(ws: WebSocketContext) -> None:
        ws.disconnect("peer")
        try:
            ws.send_message("still there?", "peer")
        except GoneError:
            after.append("gone")
        ws.disconnect()

    assert sending_app(fake, action).handle(load_event("message-default"))["statusCode"] == 200
    assert after == ["gone"]
    assert fake.state_of("peer") == "gone"
    assert fake.state_of(CONN) == "gone"
    assert [(c.op, c.connection_id) for c in fake.calls] == [
        ("delete_connection", "peer"),
        ("post_to_connection", "peer"),
        ("delete_connection", CONN),
    ]


# ---- broadcast ---------------------------------------------------------------------------------


def test_broadcast_reports_sent_gone_failed_in_input_order_and_dedupes() -> None:
    fake = FakeManagementClient(connections=["c1", "c2", "c3", "fail1", "throttled"])
    fake.add_connection("old", state="gone")
    fake.fail("post_to_connection", "ForbiddenException", connection_id="fail1", sticky=True)
    fake.fail("post_to_connection", "LimitExceededException", connection_id="throttled")
    results: list[BroadcastResult] = []
    ids = ["c3", "old", "c1", "fail1", "c3", "unknown", "throttled", "c2", "c1"]

    def action(ws: WebSocketContext) -> None:
        results.append(ws.broadcast(ids, "news", max_concurrency=4))

    assert sending_app(fake, action).handle(load_event("message-default"))["statusCode"] == 200
    (result,) = results
    assert result.sent == ["c3", "c1", "c2"]
    assert result.gone == ["old", "unknown"]
    assert list(result.failed) == ["fail1", "throttled"]
    assert isinstance(result.failed["fail1"], ForbiddenError)
    assert result.failed["fail1"].retryable is False
    assert result.failed["throttled"].retryable is True
    posts = [c.connection_id for c in fake.calls]
    assert sorted(posts) == sorted(set(ids))  # each distinct id once
    assert all(c.data == b"news" for c in fake.calls)


def test_broadcast_result_order_is_input_order_not_completion_order() -> None:
    order = ["a", "b", "c", "d", "e", "f"]

    class SlowFirst:
        endpoint = EXEC_ENDPOINT

        def post_to_connection(self, connection_id: str, data: bytes) -> None:
            time.sleep(0.02 * (len(order) - order.index(connection_id)))
            if connection_id in ("b", "e"):
                raise GoneError(
                    "x", operation="post_to_connection", connection_id=connection_id, status=410, aws_code=""
                )

        def get_connection(self, connection_id: str) -> ConnectionInfo:
            raise AssertionError

        def delete_connection(self, connection_id: str) -> None:
            raise AssertionError

    results: list[BroadcastResult] = []
    app = App(websocket_client_factory=lambda e, r: SlowFirst())
    app.websocket("$default", lambda ctx: results.append(ctx.as_websocket().broadcast(order, b"x", max_concurrency=6)))
    app.handle(load_event("message-default"))
    assert results[0].sent == ["a", "c", "d", "f"]
    assert results[0].gone == ["b", "e"]
    assert results[0].failed == {}


class InFlightClient:
    """A client whose posts wait until `target` are in flight (or a timeout), recording the maximum."""

    def __init__(self, target: int) -> None:
        self.endpoint = EXEC_ENDPOINT
        self.target = target
        self.in_flight = 0
        self.max_in_flight = 0
        self.posted: list[str] = []
        self.cond = threading.Condition()

    def post_to_connection(self, connection_id: str, data: bytes) -> None:
        with self.cond:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            self.cond.notify_all()
            self.cond.wait_for(lambda: self.in_flight >= self.target, timeout=0.3)
        time.sleep(0.005)
        with self.cond:
            self.in_flight -= 1
            self.posted.append(connection_id)
            if connection_id.endswith("-boom"):
                raise ServerError(
                    "boom", operation="post_to_connection", connection_id=connection_id, status=500, aws_code=""
                )

    def get_connection(self, connection_id: str) -> ConnectionInfo:
        raise AssertionError("not used")

    def delete_connection(self, connection_id: str) -> None:
        raise AssertionError("not used")


@pytest.mark.parametrize("max_concurrency", [2, 3, 5])
def test_broadcast_concurrency_is_really_bounded(max_concurrency: int) -> None:
    client = InFlightClient(target=max_concurrency + 1)  # try to overshoot: waits for one more than allowed
    ids = [f"c{i}" for i in range(14)] + ["x-boom"]
    results: list[BroadcastResult] = []
    app = App(websocket_client_factory=lambda e, r: client)  # type: ignore[arg-type, return-value]
    app.websocket(
        "$default",
        lambda ctx: results.append(ctx.as_websocket().broadcast(ids, b"m", max_concurrency=max_concurrency)),
    )
    app.handle(load_event("message-default"))
    assert 1 < client.max_in_flight <= max_concurrency
    assert client.max_in_flight == max_concurrency
    assert sorted(client.posted) == sorted(ids)
    assert results[0].sent == ids[:-1]
    assert list(results[0].failed) == ["x-boom"]
    assert isinstance(results[0].failed["x-boom"], ServerError)


def test_broadcast_with_concurrency_one_is_sequential() -> None:
    client = InFlightClient(target=2)
    app = App(websocket_client_factory=lambda e, r: client)  # type: ignore[arg-type, return-value]
    app.websocket("$default", lambda ctx: ctx.as_websocket().broadcast(["a", "b", "c"], b"m", max_concurrency=1))
    app.handle(load_event("message-default"))
    assert client.max_in_flight == 1
    assert client.posted == ["a", "b", "c"]


def test_broadcast_edge_cases() -> None:
    fake = FakeManagementClient(connections=["a"])
    factory, created = counting_factory(fake)
    out: dict[str, Any] = {}

    def handler(ctx: Context) -> None:
        ws = ctx.as_websocket()
        out["empty"] = ws.broadcast([], b"x")
        try:
            ws.broadcast(["a"], b"x", max_concurrency=0)
        except ValueError as err:
            out["zero"] = str(err)
        out["generator"] = ws.broadcast((i for i in ["a", "a"]), "hé")

    app = App(websocket_client_factory=factory)
    app.websocket("$default", handler)
    app.handle(load_event("message-default"))
    assert isinstance(out["empty"], BroadcastResult)
    assert (out["empty"].sent, out["empty"].gone, out["empty"].failed) == ([], [], {})
    assert "max_concurrency" in out["zero"]
    assert (out["generator"].sent, out["generator"].gone, out["generator"].failed) == (["a"], [], {})
    assert fake.calls == [RecordedCall("post_to_connection", EXEC_ENDPOINT, "a", "hé".encode())]
    assert created == [EXEC_ENDPOINT]


# ---- client reuse ------------------------------------------------------------------------------


def test_one_client_per_endpoint_reused_across_invocations() -> None:
    fake = FakeManagementClient(connections=[CONN, "Yk3yAbCdDoECKlM="])
    factory, created = counting_factory(fake)
    app = App(websocket_client_factory=factory)
    app.websocket("$default", lambda ctx: ctx.as_websocket().send_message("hi"))
    app.websocket("sendMessage", lambda ctx: ctx.as_websocket().send_json_message({"n": 1}))
    app.websocket("$connect", lambda ctx: None)  # does not send: must not create a client

    app.handle(load_event("connect"))
    assert created == []
    for name in ("message-default", "message-action", "message-binary"):
        assert app.handle(load_event(name))["statusCode"] == 200
    assert created == [EXEC_ENDPOINT]
    assert len(fake.calls) == 3
    assert {c.endpoint for c in fake.calls} == {EXEC_ENDPOINT}

    other = load_event("message-default")
    other["requestContext"]["domainName"] = "zzz9876543.execute-api.us-east-2.amazonaws.com"
    other_endpoint = "https://zzz9876543.execute-api.us-east-2.amazonaws.com/prod"
    app.handle(other)
    app.handle(load_event("message-default"))
    app.handle(other)
    assert created == [EXEC_ENDPOINT, other_endpoint]
    assert [c.endpoint for c in fake.calls[3:]] == [other_endpoint, EXEC_ENDPOINT, other_endpoint]


def test_client_creation_is_once_under_concurrent_invocations() -> None:
    fake = FakeManagementClient(connections=[CONN])
    created: list[str] = []

    def slow_factory(endpoint: str, region: str | None) -> FakeManagementClient:
        created.append(endpoint)
        time.sleep(0.05)
        return fake.for_endpoint(endpoint)

    app = App(websocket_client_factory=slow_factory)
    app.websocket("$default", lambda ctx: ctx.as_websocket().send_message("x"))
    barrier = threading.Barrier(8)
    statuses: list[int] = []

    def invoke() -> None:
        barrier.wait()
        statuses.append(app.handle(load_event("message-default"))["statusCode"])

    threads = [threading.Thread(target=invoke) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [200] * 8
    assert created == [EXEC_ENDPOINT]
    assert len(fake.calls) == 8


# ---- boto3 stays unloaded ----------------------------------------------------------------------


def run_python(code: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if k not in ENV_VARS and not k.startswith("AWS_PROFILE")}
    full_env["PYTHONPATH"] = PROJECT_PYTHONPATH
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=tmp_path,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_handling_events_with_a_fake_never_imports_boto3(tmp_path: Path) -> None:
    code = f"""
        import json, sys
        import apptheory
        assert "boto3" not in sys.modules and "botocore" not in sys.modules, "import apptheory loaded boto3"
        from apptheory.testkit import FakeManagementClient
        fake = FakeManagementClient(connections=["{CONN}", "b"])
        app = apptheory.App(websocket_client_factory=fake.client_factory)

        @app.websocket("$default")
        def handler(ctx):
            ws = ctx.as_websocket()
            ws.send_json_message(ws.json())
            ws.get_connection()
            result = ws.broadcast(["{CONN}", "b", "gone"], b"x")
            return {{"sent": result.sent, "gone": result.gone}}

        event = json.load(open({str(EVENTS / "message-default.json")!r}))
        response = app.handle(event)
        assert response["statusCode"] == 200, response
        assert json.loads(response["body"]) == {{"sent": ["{CONN}", "b"], "gone": ["gone"]}}
        assert len(fake.calls) == 5, fake.calls
        loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("boto3", "botocore", "s3transfer"))
        print(json.dumps(loaded))
    """
    proc = run_python(code, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == []


def test_default_factory_loads_boto3_only_on_first_send_and_talks_to_the_endpoint(tmp_path: Path) -> None:
    code = f"""
        import json, sys
        from urllib.parse import quote
        import apptheory
        from apptheory_generated.streamer import Boto3ManagementClient

        app = apptheory.App()
        sends = []

        @app.websocket("$connect")
        def connect(ctx):
            return None

        @app.websocket("$default")
        def default(ctx):
            ws = ctx.as_websocket()
            ws.send_message(ws.body)
            sends.append(ws.connection_id)

        response = app.handle(json.load(open({str(EVENTS / "connect.json")!r})))
        assert response["statusCode"] == 200, response
        before = "boto3" in sys.modules or "botocore" in sys.modules

        from moto import mock_aws
        from moto.apigatewaymanagementapi.models import apigatewaymanagementapi_backends

        with mock_aws():
            response = app.handle(json.load(open({str(EVENTS / "message-default.json")!r})))
            assert response["statusCode"] == 200, response
            response = app.handle(json.load(open({str(EVENTS / "message-action.json")!r})))
            assert response["statusCode"] == 200, response
            backend = apigatewaymanagementapi_backends["123456789012"]["eu-west-1"]
            # moto keys connections by the id as it appears in the URL path (percent-encoded).
            received = backend.connections[quote("{CONN}", safe="")].data.decode()
        (client,) = app._clients.values()
        print(json.dumps({{
            "before": before,
            "after": "boto3" in sys.modules,
            "received": received,
            "sends": sends,
            "client_type": type(client).__name__,
            "is_boto3_client": isinstance(client, Boto3ManagementClient),
            "endpoint": client.endpoint,
            "sdk_endpoint": client.sdk_client.meta.endpoint_url,
            "region": client.sdk_client.meta.region_name,
            "retry_mode": client.sdk_client.meta.config.retries["mode"],
            "keys": [list(k) for k in app._clients],
        }}))
    """
    proc = run_python(
        code,
        tmp_path,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_SESSION_TOKEN="testing",
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out == {
        "before": False,
        "after": True,
        "received": '{"action":"chat","room":"lobby","text":"hello, world"}'
        '{"action":"sendMessage","to":"Yk3yAbCdDoECKlM=","text":"ping"}',
        "sends": [CONN, CONN],
        "client_type": "Boto3ManagementClient",
        "is_boto3_client": True,
        "endpoint": EXEC_ENDPOINT,
        "sdk_endpoint": EXEC_ENDPOINT,
        "region": "eu-west-1",
        "retry_mode": "standard",
        "keys": [[EXEC_ENDPOINT, "eu-west-1"]],
    }


@pytest.fixture
def dummy_aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.mark.usefixtures("dummy_aws_credentials")
def test_new_client_endpoint_and_region_from_execute_api_host() -> None:
    from apptheory.streamer import Boto3ManagementClient, new_client

    client = new_client("https://abc123.execute-api.us-west-2.amazonaws.com/dev/")
    assert isinstance(client, Boto3ManagementClient)
    assert client.endpoint == "https://abc123.execute-api.us-west-2.amazonaws.com/dev"
    assert client.sdk_client.meta.endpoint_url == "https://abc123.execute-api.us-west-2.amazonaws.com/dev"
    assert client.sdk_client.meta.region_name == "us-west-2"
    assert client.sdk_client.meta.service_model.service_name == "apigatewaymanagementapi"
    assert client.sdk_client.meta.config.retries["mode"] == "standard"


@pytest.mark.usefixtures("dummy_aws_credentials")
def test_new_client_region_for_custom_domains(monkeypatch: pytest.MonkeyPatch) -> None:
    from apptheory.streamer import new_client

    monkeypatch.setenv("AWS_DEFAULT_REGION", "ca-central-1")
    assert new_client("https://ws.example.com/chat").sdk_client.meta.region_name == "ca-central-1"
    monkeypatch.setenv("AWS_REGION", "eu-north-1")
    assert new_client("https://ws.example.com/chat").sdk_client.meta.region_name == "eu-north-1"
    explicit = new_client("https://ws.example.com/chat", "af-south-1")
    assert explicit.sdk_client.meta.region_name == "af-south-1"
    assert explicit.sdk_client.meta.endpoint_url == "https://ws.example.com/chat"


@pytest.mark.parametrize("bad", ["ws.example.com", "ftp://ws.example.com", "https://", "", "wss://x.example.com"])
def test_new_client_rejects_non_http_endpoints(bad: str) -> None:
    from apptheory.streamer import new_client

    with pytest.raises(ValueError, match="http"):
        new_client(bad)


@pytest.mark.parametrize(
    ("text_body", "status"),
    [
        ("[" * 128 + "]" * 128, 200),
        ("[" * 129 + "]" * 129, 400),
        ('{"a":' * 128 + "1" + "}" * 128, 200),
        ('{"a":' * 128 + "[]" + "}" * 128, 400),
        ("1.7976931348623157e308", 200),
        ("1e400", 400),
        ("[-2e308]", 400),
        ('{"n":' + "1" + "0" * 400 + "}", 400),
        ("1" + "0" * 308, 200),
        ("1e-400", 200),
        ('"1e400"', 200),
    ],
    ids=lambda v: repr(v)[:24] if isinstance(v, str) else str(v),
)
def test_json_nesting_and_number_range(text_body: str, status: int) -> None:
    app = body_app(lambda ws: {"depth_ok": ws.json() is not None})
    event = load_event("message-default")
    event["body"] = text_body
    response = app.handle(event)
    assert response["statusCode"] == status
    if status == 400:
        assert body_of(response)["error"]["message"] == "invalid json"
