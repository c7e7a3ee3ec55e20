"""Malformed WebSocket-shaped events never crash `app.handle`: a well-formed 400 naming the bad path, or 200."""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from apptheory import App, Context
from apptheory.testkit import FakeManagementClient, LambdaContext

EVENTS = Path(__file__).parent / "events"
PROXY_TYPES = {"statusCode": int, "headers": dict, "multiValueHeaders": dict, "body": str, "isBase64Encoded": bool}
REQUEST_ID = "Yk3xQF1sjoEFT7w="


def load_event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8"))


def rc(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(event: dict[str, Any]) -> None:
        event["requestContext"][key] = value

    return mutate


def top(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(event: dict[str, Any]) -> None:
        event[key] = value

    return mutate


def identity(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(event: dict[str, Any]) -> None:
        event["requestContext"]["identity"][key] = value

    return mutate


def both(*mutations: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    def mutate(event: dict[str, Any]) -> None:
        for m in mutations:
            m(event)

    return mutate


def invalid(path: str, problem: str) -> str:
    return f"invalid event: {path} {problem}"


# (base event, mutation, expected 400 message or None when the event is still acceptable)
CASES: dict[str, tuple[str, Callable[[dict[str, Any]], None], str | None]] = {
    # requestContext.routeKey
    "routeKey-number": ("message-default", rc("routeKey", 5), invalid("requestContext.routeKey", "must be a string")),
    "routeKey-list": (
        "message-default",
        rc("routeKey", ["$default"]),
        invalid("requestContext.routeKey", "must be a string"),
    ),
    "routeKey-dict": (
        "connect",
        rc("routeKey", {"k": "$connect"}),
        invalid("requestContext.routeKey", "must be a string"),
    ),
    "routeKey-bool": ("message-default", rc("routeKey", True), invalid("requestContext.routeKey", "must be a string")),
    "routeKey-null": ("message-default", rc("routeKey", None), invalid("requestContext.routeKey", "must not be empty")),
    "routeKey-empty": ("message-default", rc("routeKey", ""), invalid("requestContext.routeKey", "must not be empty")),
    "routeKey-blank": (
        "message-default",
        rc("routeKey", " \t "),
        invalid("requestContext.routeKey", "must not be empty"),
    ),
    # requestContext.connectionId (a string, so the event is ours)
    "connectionId-empty": (
        "message-default",
        rc("connectionId", ""),
        invalid("requestContext.connectionId", "must not be empty"),
    ),
    "connectionId-blank": (
        "disconnect",
        rc("connectionId", "   "),
        invalid("requestContext.connectionId", "must not be empty"),
    ),
    # requestContext.identity
    "identity-string": (
        "message-default",
        rc("identity", "203.0.113.24"),
        invalid("requestContext.identity", "must be a mapping"),
    ),
    "identity-list": (
        "connect",
        rc("identity", ["203.0.113.24"]),
        invalid("requestContext.identity", "must be a mapping"),
    ),
    "identity-number": ("message-default", rc("identity", 7), invalid("requestContext.identity", "must be a mapping")),
    "sourceIp-number": (
        "message-default",
        identity("sourceIp", 203),
        invalid("requestContext.identity.sourceIp", "must be a string"),
    ),
    "userAgent-dict": (
        "connect",
        identity("userAgent", {"ua": "x"}),
        invalid("requestContext.identity.userAgent", "must be a string"),
    ),
    # other requestContext strings
    "stage-number": ("message-default", rc("stage", 1), invalid("requestContext.stage", "must be a string")),
    "stage-list": ("connect", rc("stage", ["prod"]), invalid("requestContext.stage", "must be a string")),
    "domainName-number": (
        "message-default",
        rc("domainName", 42),
        invalid("requestContext.domainName", "must be a string"),
    ),
    "apiId-bool": ("message-default", rc("apiId", False), invalid("requestContext.apiId", "must be a string")),
    "eventType-dict": ("message-default", rc("eventType", {}), invalid("requestContext.eventType", "must be a string")),
    "messageId-number": (
        "message-action",
        rc("messageId", 17),
        invalid("requestContext.messageId", "must be a string"),
    ),
    "disconnectReason-number": (
        "disconnect",
        rc("disconnectReason", 1001),
        invalid("requestContext.disconnectReason", "must be a string"),
    ),
    # headers
    "headers-list": ("connect", top("headers", [["Host", "x"]]), invalid("headers", "must be a mapping of strings")),
    "headers-string": ("connect", top("headers", "Host: x"), invalid("headers", "must be a mapping of strings")),
    "header-value-number": (
        "connect",
        lambda e: e["headers"].update({"X-Forwarded-Port": 443}),
        invalid("headers", "must be a mapping of strings"),
    ),
    "header-value-null": (
        "disconnect",
        lambda e: e["headers"].update({"x-api-key": None}),
        invalid("headers", "must be a mapping of strings"),
    ),
    "header-value-list": (
        "connect",
        lambda e: e["headers"].update({"Origin": ["a", "b"]}),
        invalid("headers", "must be a mapping of strings"),
    ),
    "multiValueHeaders-values-strings": (
        "connect",
        lambda e: e["multiValueHeaders"].update({"Host": "x"}),
        invalid("multiValueHeaders", "must be a mapping of string lists"),
    ),
    "multiValueHeaders-items-numbers": (
        "connect",
        lambda e: e["multiValueHeaders"].update({"X-Forwarded-Port": [443]}),
        invalid("multiValueHeaders", "must be a mapping of string lists"),
    ),
    "multiValueHeaders-list": (
        "disconnect",
        top("multiValueHeaders", [["Host", ["x"]]]),
        invalid("multiValueHeaders", "must be a mapping of string lists"),
    ),
    "multiValueHeaders-tuple-value": (
        "connect",
        lambda e: e["multiValueHeaders"].update({"Host": ("x",)}),
        invalid("multiValueHeaders", "must be a mapping of string lists"),
    ),
    # query
    "query-string": (
        "connect",
        top("queryStringParameters", "token=abc&room=lobby"),
        invalid("queryStringParameters", "must be a mapping of strings"),
    ),
    "query-list": (
        "connect",
        top("queryStringParameters", [("token", "abc")]),
        invalid("queryStringParameters", "must be a mapping of strings"),
    ),
    "query-value-number": (
        "connect",
        lambda e: e["queryStringParameters"].update({"page": 2}),
        invalid("queryStringParameters", "must be a mapping of strings"),
    ),
    "multiValueQuery-values-strings": (
        "connect",
        lambda e: e["multiValueQueryStringParameters"].update({"room": "lobby"}),
        invalid("multiValueQueryStringParameters", "must be a mapping of string lists"),
    ),
    # timestamps
    "connectedAt-string": (
        "message-default",
        rc("connectedAt", "1795675238012"),
        invalid("requestContext.connectedAt", "must be epoch milliseconds"),
    ),
    "connectedAt-true": (
        "message-default",
        rc("connectedAt", True),
        invalid("requestContext.connectedAt", "must be epoch milliseconds"),
    ),
    "connectedAt-false": (
        "connect",
        rc("connectedAt", False),
        invalid("requestContext.connectedAt", "must be epoch milliseconds"),
    ),
    "connectedAt-huge-float": (
        "message-default",
        rc("connectedAt", 1e300),
        invalid("requestContext.connectedAt", "must be epoch milliseconds"),
    ),
    "connectedAt-huge-int": (
        "disconnect",
        rc("connectedAt", 10**40),
        invalid("requestContext.connectedAt", "must be epoch milliseconds"),
    ),
    "connectedAt-int-beyond-float": (
        "disconnect",
        rc("connectedAt", 10**400),
        invalid("requestContext.connectedAt", "must be epoch milliseconds"),
    ),
    "connectedAt-negative": (
        "message-default",
        rc("connectedAt", -1),
        invalid("requestContext.connectedAt", "must be epoch milliseconds"),
    ),
    "connectedAt-fraction": (
        "message-default",
        rc("connectedAt", 1795675238012.5),
        invalid("requestContext.connectedAt", "must be epoch milliseconds"),
    ),
    "connectedAt-after-9999": (
        "message-default",
        rc("connectedAt", 253402300800000),
        invalid("requestContext.connectedAt", "must be epoch milliseconds"),
    ),
    "requestTimeEpoch-year-1": (
        "message-default",
        rc("requestTimeEpoch", -62135596800000),
        invalid("requestContext.requestTimeEpoch", "must be epoch milliseconds"),
    ),
    "connectedAt-nan": (
        "message-default",
        rc("connectedAt", float("nan")),
        invalid("requestContext.connectedAt", "must be epoch milliseconds"),
    ),
    "connectedAt-infinity": (
        "message-default",
        rc("connectedAt", float("inf")),
        invalid("requestContext.connectedAt", "must be epoch milliseconds"),
    ),
    "connectedAt-minus-infinity": (
        "connect",
        rc("connectedAt", float("-inf")),
        invalid("requestContext.connectedAt", "must be epoch milliseconds"),
    ),
    "connectedAt-dict": (
        "message-default",
        rc("connectedAt", {"ms": 1}),
        invalid("requestContext.connectedAt", "must be epoch milliseconds"),
    ),
    "requestTimeEpoch-string": (
        "message-default",
        rc("requestTimeEpoch", "26/Nov/2026:06:40:38 +0000"),
        invalid("requestContext.requestTimeEpoch", "must be epoch milliseconds"),
    ),
    "requestTimeEpoch-huge-negative": (
        "message-default",
        rc("requestTimeEpoch", -(10**30)),
        invalid("requestContext.requestTimeEpoch", "must be epoch milliseconds"),
    ),
    # isBase64Encoded / body
    "isBase64Encoded-string": (
        "message-default",
        top("isBase64Encoded", "true"),
        invalid("isBase64Encoded", "must be a boolean"),
    ),
    "isBase64Encoded-string-false": (
        "message-binary",
        top("isBase64Encoded", "false"),
        invalid("isBase64Encoded", "must be a boolean"),
    ),
    "isBase64Encoded-int": (
        "message-binary",
        top("isBase64Encoded", 1),
        invalid("isBase64Encoded", "must be a boolean"),
    ),
    "isBase64Encoded-string-no-body": (
        "connect",
        top("isBase64Encoded", "false"),
        invalid("isBase64Encoded", "must be a boolean"),
    ),
    "body-number": ("message-default", top("body", 42), invalid("body", "must be a string")),
    "body-dict": ("message-default", top("body", {"action": "chat"}), invalid("body", "must be a string")),
    "body-list-binary": ("message-binary", top("body", [0, 1, 2]), invalid("body", "must be a string")),
    "body-invalid-base64": ("message-binary", top("body", "not base64!"), "invalid base64"),
    "body-base64-bad-padding": ("message-binary", top("body", "AAECAwQ"), "invalid base64"),
    "body-base64-with-newline": ("message-binary", top("body", "AAEC\nAwQF"), "invalid base64"),
    "body-base64-non-ascii": ("message-binary", top("body", "AAEC\u00e9AwQ="), "invalid base64"),
    # disconnect status code
    "disconnectStatusCode-string": (
        "disconnect",
        rc("disconnectStatusCode", "1001"),
        invalid("requestContext.disconnectStatusCode", "must be an integer"),
    ),
    "disconnectStatusCode-fraction": (
        "disconnect",
        rc("disconnectStatusCode", 1001.5),
        invalid("requestContext.disconnectStatusCode", "must be an integer"),
    ),
    "disconnectStatusCode-beyond-2**53": (
        "disconnect",
        rc("disconnectStatusCode", 2**53),
        invalid("requestContext.disconnectStatusCode", "must be an integer"),
    ),
    "disconnectStatusCode-float-beyond-2**53": (
        "disconnect",
        rc("disconnectStatusCode", -(2.0**53)),
        invalid("requestContext.disconnectStatusCode", "must be an integer"),
    ),
    "disconnectStatusCode-beyond-int64": (
        "disconnect",
        rc("disconnectStatusCode", 2**63),
        invalid("requestContext.disconnectStatusCode", "must be an integer"),
    ),
    "disconnectStatusCode-bool": (
        "disconnect",
        rc("disconnectStatusCode", True),
        invalid("requestContext.disconnectStatusCode", "must be an integer"),
    ),
    # path and request id
    "path-number": ("message-custom-domain", top("path", 1), invalid("path", "must be a string")),
    "requestId-number": (
        "message-default",
        rc("requestId", 12345),
        invalid("requestContext.requestId", "must be a string"),
    ),
    # acceptable oddities: the runtime must answer 200 and the handler must run
    "authorizer-list": ("message-default", rc("authorizer", [1, "two", {"three": 3}]), None),
    "authorizer-string": ("connect", rc("authorizer", "allow"), None),
    "authorizer-number": ("message-default", rc("authorizer", 7), None),
    "authorizer-nested": (
        "connect-authorizer",
        rc("authorizer", {"claims": {"groups": ["a", {"b": None}]}, "n": 1.5}),
        None,
    ),
    "identity-null": ("message-default", rc("identity", None), None),
    "headers-null": ("connect", top("headers", None), None),
    "query-null": ("connect", top("queryStringParameters", None), None),
    "body-null": ("message-default", top("body", None), None),
    "body-empty-base64": ("message-binary", top("body", ""), None),
    "unknown-extra-fields": ("message-default", both(top("extra", {"x": [1]}), rc("newField", object())), None),
    "requestTime-string-ignored": ("message-default", rc("requestTime", 123), None),
}


@pytest.fixture
def app_and_calls() -> tuple[App, list[str]]:
    calls: list[str] = []
    app = App(websocket_support=True, websocket_client_factory=FakeManagementClient().client_factory)

    def handler(ctx: Context) -> dict[str, Any]:
        ws = ctx.as_websocket()
        calls.append(ws.route_key)
        return {"ok": True, "authorizer": ws.authorizer}

    app.set_default_handler(handler)
    return app, calls


def assert_proxy_shape(response: Any) -> None:
    assert isinstance(response, dict)
    assert set(response) == set(PROXY_TYPES)
    for key, kind in PROXY_TYPES.items():
        assert type(response[key]) is kind, (key, response[key])
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in response["headers"].items())
    assert all(
        isinstance(k, str) and isinstance(v, list) and all(isinstance(i, str) for i in v)
        for k, v in response["multiValueHeaders"].items()
    )


def test_there_are_at_least_35_malformed_cases() -> None:
    assert sum(1 for _, _, expected in CASES.values() if expected is not None) >= 35


@pytest.mark.parametrize("name", list(CASES))
def test_malformed_event_answers_a_well_formed_response(name: str, app_and_calls: tuple[App, list[str]]) -> None:
    app, calls = app_and_calls
    base, mutate, expected = CASES[name]
    event = load_event(base)
    mutate(event)
    original = copy.deepcopy(event) if name != "unknown-extra-fields" else None

    response = app.handle(event, LambdaContext(aws_request_id="lambda-fallback"))

    assert_proxy_shape(response)
    if original is not None:
        assert event == original or name.endswith("nan")  # the runtime never mutates the event
    body = json.loads(response["body"])
    if expected is None:
        assert response["statusCode"] == 200, body
        assert calls == [event["requestContext"]["routeKey"]]
        assert body["authorizer"] == event["requestContext"].get("authorizer")
        return
    assert response["statusCode"] == 400
    assert response["headers"] == {"content-type": "application/json; charset=utf-8"}
    assert response["isBase64Encoded"] is False
    assert body["error"]["code"] == "app.bad_request"
    assert body["error"]["message"] == expected
    if name == "requestId-number":
        # A non-string requestId is not used: the Lambda request id answers instead.
        assert body["error"]["request_id"] == "lambda-fallback"
    else:
        assert body["error"]["request_id"] == REQUEST_ID
    assert calls == []  # the handler never saw the malformed event


@pytest.mark.parametrize("name", [n for n, (_, _, e) in CASES.items() if e is not None])
def test_malformed_event_does_not_run_middleware_or_log_errors(name: str, caplog: pytest.LogCaptureFixture) -> None:
    ran: list[str] = []
    app = App(websocket_client_factory=FakeManagementClient().client_factory)
    app.use(lambda nxt: lambda ctx: ran.append("mw") or nxt(ctx))
    app.websocket("$default", lambda ctx: None)
    base, mutate, _ = CASES[name]
    event = load_event(base)
    mutate(event)
    caplog.set_level(logging.DEBUG)
    assert app.handle(event)["statusCode"] == 400
    assert ran == []
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


# ---- logging of unhandled errors ---------------------------------------------------------------

BODY_TEXT = "my secret diary entry 7d1f"
AUTH_VALUE = "Bearer eyJhbGciOiJIUzI1NiJ9.c2VjcmV0.sig-zq9"
QUERY_TOKEN = "tok-5e3a9c-query-secret"


def secret_event() -> dict[str, Any]:
    event = load_event("connect")
    event["headers"]["Authorization"] = AUTH_VALUE
    event["multiValueHeaders"]["Authorization"] = [AUTH_VALUE]
    event["queryStringParameters"]["token"] = QUERY_TOKEN
    event["multiValueQueryStringParameters"]["token"] = [QUERY_TOKEN]
    event["body"] = BODY_TEXT
    return event


def test_handler_error_is_logged_once_as_json_without_secrets(caplog: pytest.LogCaptureFixture) -> None:
    app = App(websocket_client_factory=FakeManagementClient().client_factory)

    @app.websocket("$connect")
    def connect(ctx: Context) -> None:
        ws = ctx.as_websocket()
        # An exception whose message carries every secret of the request.
        raise RuntimeError(f"failed for {ws.text()} {ws.headers['authorization']} {ws.query['token']}")

    caplog.set_level(logging.DEBUG)
    response = app.handle(secret_event(), LambdaContext())

    assert_proxy_shape(response)
    assert response["statusCode"] == 500
    assert json.loads(response["body"]) == {
        "error": {"code": "app.internal", "message": "internal error", "request_id": REQUEST_ID}
    }
    ours = [r for r in caplog.records if r.name == "apptheory" or r.name.startswith("apptheory.")]
    assert len(ours) == 1
    record = ours[0]
    assert record.levelno == logging.ERROR
    message = record.getMessage()
    assert "\n" not in message
    line = json.loads(message)
    assert line["request_id"] == REQUEST_ID
    assert line["connection_id"] == "Yk3xPdTrDoECJbQ="
    assert line["route_key"] == "$connect"
    assert line["error_type"] == "RuntimeError"
    assert record.exc_info is None  # a traceback would carry the exception message

    for r in caplog.records:
        rendered = r.getMessage() + (r.exc_text or "") + repr(r.args) + repr(getattr(r, "__dict__", {}))
        for secret in (BODY_TEXT, AUTH_VALUE, "c2VjcmV0", QUERY_TOKEN):
            assert secret not in rendered, (secret, r.name)
    assert all(s not in caplog.text for s in (BODY_TEXT, AUTH_VALUE, QUERY_TOKEN))
    assert all(s not in response["body"] for s in (BODY_TEXT, AUTH_VALUE, QUERY_TOKEN))


def test_each_failed_invocation_logs_exactly_one_line(caplog: pytest.LogCaptureFixture) -> None:
    app = App(websocket_client_factory=FakeManagementClient().client_factory)
    app.websocket("$default", lambda ctx: {}["missing"])
    caplog.set_level(logging.DEBUG, logger="apptheory")
    event = load_event("message-default")
    for _ in range(3):
        assert app.handle(copy.deepcopy(event))["statusCode"] == 500
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "apptheory"]
    assert [line["error_type"] for line in lines] == ["KeyError"] * 3
    assert all(BODY_TEXT not in json.dumps(line) for line in lines)
    assert all(line["route_key"] == "$default" for line in lines)


def test_app_errors_and_bad_events_are_not_logged_as_failures(caplog: pytest.LogCaptureFixture) -> None:
    from apptheory import AppError

    app = App(websocket_client_factory=FakeManagementClient().client_factory)

    @app.websocket("$default")
    def refuse(ctx: Context) -> None:
        raise AppError("app.forbidden", "no")

    caplog.set_level(logging.DEBUG, logger="apptheory")
    assert app.handle(load_event("message-default"))["statusCode"] == 403
    event = load_event("message-default")
    event["body"] = 5
    assert app.handle(event)["statusCode"] == 400
    assert [r for r in caplog.records if r.name == "apptheory"] == []
