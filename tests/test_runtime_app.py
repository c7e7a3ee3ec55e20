"""App: routing, registration, dispatch of handler results and errors, request ids, middleware, Response checks."""

from __future__ import annotations

import base64
import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from apptheory import App, AppError, Context, Response, UnknownEventError, is_websocket_event
from apptheory.testkit import FakeManagementClient, LambdaContext, websocket_event

EVENTS = Path(__file__).parent / "events"
JSON_CT = "application/json; charset=utf-8"
PROXY_KEYS = {"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"}


def load_event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8"))


def envelope(response: dict[str, Any]) -> dict[str, Any]:
    assert set(response) == PROXY_KEYS
    assert response["headers"] == {"content-type": JSON_CT}
    assert response["multiValueHeaders"] == {"content-type": [JSON_CT]}
    assert response["isBase64Encoded"] is False
    body = json.loads(response["body"])
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "request_id"}
    return body["error"]


def new_app(**kwargs: Any) -> App:
    kwargs.setdefault("websocket_client_factory", FakeManagementClient(connections=["conn-1"]).client_factory)
    return App(**kwargs)


# ---- routing -----------------------------------------------------------------------------------


def _tagging(tag: str):
    def handler(ctx: Context) -> dict[str, str]:
        return {"handled_by": tag, "route": ctx.as_websocket().route_key}

    return handler


def handled_by(app: App, route_key: str) -> str:
    response = app.handle(websocket_event(route_key, request_id="req-1"))
    assert response["statusCode"] == 200, response
    return json.loads(response["body"])["handled_by"]


def test_exact_route_wins_over_default_handler_and_dollar_default() -> None:
    app = new_app(default_handler=_tagging("default-handler"))
    app.websocket("sendMessage", _tagging("exact"))
    app.websocket("$default", _tagging("$default"))
    assert handled_by(app, "sendMessage") == "exact"


def test_default_handler_is_tried_before_dollar_default() -> None:
    app = new_app(default_handler=_tagging("default-handler"))
    app.websocket("$default", _tagging("$default"))
    assert handled_by(app, "unknownAction") == "default-handler"


def test_a_default_handler_alone_enables_websocket_support() -> None:
    assert handled_by(new_app(default_handler=_tagging("ctor")), "anything") == "ctor"
    app = new_app()
    assert not app.websocket_support
    app.set_default_handler(_tagging("set"))
    assert app.websocket_support
    assert handled_by(app, "anything") == "set"


def test_set_default_handler_takes_effect_after_a_first_dispatch() -> None:
    app = new_app()
    app.websocket("$default", _tagging("$default"))
    assert handled_by(app, "other") == "$default"
    app.set_default_handler(_tagging("late-default"))
    assert handled_by(app, "other") == "late-default"
    app.set_default_handler(None)
    assert handled_by(app, "other") == "$default"


def test_dollar_default_catches_unregistered_keys() -> None:
    app = new_app()
    app.websocket("$default", _tagging("$default"))
    app.websocket("$connect", _tagging("connect"))
    assert handled_by(app, "chat") == "$default"
    assert handled_by(app, "$connect") == "connect"


def test_no_matching_route_is_a_404_envelope() -> None:
    app = new_app()
    app.websocket("$connect", _tagging("connect"))
    response = app.handle(websocket_event("sendMessage", request_id="req-404"))
    assert response["statusCode"] == 404
    assert envelope(response) == {"code": "app.not_found", "message": "route not found", "request_id": "req-404"}


def test_websocket_support_without_routes_answers_404() -> None:
    app = new_app(websocket_support=True)
    response = app.handle(websocket_event("$connect", request_id="r"))
    assert response["statusCode"] == 404
    assert envelope(response)["code"] == "app.not_found"


# ---- registration ------------------------------------------------------------------------------


def test_duplicate_registration_is_an_error_naming_the_route() -> None:
    app = new_app()
    first = _tagging("first")
    app.websocket("sendMessage", first)
    with pytest.raises(ValueError, match=r"'sendMessage'.*already registered"):
        app.websocket("sendMessage", _tagging("second"))
    with pytest.raises(ValueError, match="'sendMessage'"):

        @app.websocket("sendMessage")
        def again(ctx: Context) -> None:
            return None

    # The first registration still handles the route.
    assert handled_by(app, "sendMessage") == "first"


def test_decorator_registration_returns_the_function() -> None:
    app = new_app()

    @app.websocket("$connect")
    def on_connect(ctx: Context) -> dict[str, str]:
        return {"handled_by": "decorated"}

    assert callable(on_connect)
    assert on_connect.__name__ == "on_connect"
    assert on_connect(None) == {"handled_by": "decorated"}  # type: ignore[arg-type]
    assert handled_by(app, "$connect") == "decorated"


def test_direct_registration_returns_the_handler() -> None:
    app = new_app()
    handler = _tagging("direct")
    assert app.websocket("$disconnect", handler) is handler
    assert handled_by(app, "$disconnect") == "direct"


@pytest.mark.parametrize("bad_key", ["", "   ", None, 5])
def test_route_key_must_be_a_non_empty_string(bad_key: Any) -> None:
    app = new_app()
    with pytest.raises(ValueError, match="route key"):
        app.websocket(bad_key, _tagging("x"))


def test_handler_must_be_callable() -> None:
    app = new_app()
    with pytest.raises(TypeError, match="'\\$connect'"):
        app.websocket("$connect", "not a function")  # type: ignore[call-overload]


def test_registering_a_route_enables_websocket_support() -> None:
    app = App(websocket_client_factory=FakeManagementClient().client_factory)
    assert app.websocket_support is False
    app.websocket("$connect", _tagging("connect"))
    assert app.websocket_support is True
    assert handled_by(app, "$connect") == "connect"


def test_app_without_websocket_support_rejects_websocket_events() -> None:
    app = App()
    with pytest.raises(UnknownEventError, match="WebSocket support is off"):
        app.handle(load_event("message-default"))


HTTP_API_EVENT: dict[str, Any] = {
    "version": "2.0",
    "routeKey": "GET /items",
    "rawPath": "/items",
    "rawQueryString": "",
    "headers": {"host": "abc.execute-api.us-east-1.amazonaws.com"},
    "requestContext": {
        "accountId": "123456789012",
        "apiId": "abc",
        "domainName": "abc.execute-api.us-east-1.amazonaws.com",
        "http": {"method": "GET", "path": "/items", "protocol": "HTTP/1.1", "sourceIp": "203.0.113.1"},
        "requestId": "req-http",
        "routeKey": "GET /items",
        "stage": "$default",
        "timeEpoch": 1795675238431,
    },
    "isBase64Encoded": False,
}
S3_EVENT: dict[str, Any] = {
    "Records": [
        {
            "eventVersion": "2.1",
            "eventSource": "aws:s3",
            "eventName": "ObjectCreated:Put",
            "s3": {"bucket": {"name": "b"}, "object": {"key": "k", "size": 1}},
        }
    ]
}
NOT_OURS = {
    "http-api": HTTP_API_EVENT,
    "s3": S3_EVENT,
    "none": None,
    "list": [load_event("message-default")],
    "string": json.dumps(load_event("message-default")),
    "empty-dict": {},
    "request-context-not-mapping": {"requestContext": "x"},
    "connection-id-not-string": {"requestContext": {"connectionId": 123, "routeKey": "$default"}},
    "no-route-key": {"requestContext": {"connectionId": "conn-1"}},
}


@pytest.mark.parametrize("name", sorted(NOT_OURS))
def test_non_websocket_events_raise_unknown_event_error(name: str) -> None:
    event = NOT_OURS[name]
    app = new_app()
    app.websocket("$default", _tagging("$default"))
    assert is_websocket_event(event) is False
    with pytest.raises(UnknownEventError, match=r"unknown event: expected an API Gateway WebSocket event"):
        app.handle(event)


def test_unknown_event_error_is_a_value_error() -> None:
    assert issubclass(UnknownEventError, ValueError)


# ---- handler results ---------------------------------------------------------------------------


def run(result: Any, route_key: str = "$default") -> dict[str, Any]:
    app = new_app()
    app.websocket(route_key, lambda ctx: result)
    response = app.handle(websocket_event(route_key, request_id="req-r"))
    assert set(response) == PROXY_KEYS
    return response


def test_response_result_is_used_as_is() -> None:
    response = run(Response(status=201, body="made", headers={"X-Thing": ["a", "b"], "Content-Type": "text/x"}))
    assert response == {
        "statusCode": 201,
        "headers": {"x-thing": "b", "content-type": "text/x"},
        "multiValueHeaders": {"x-thing": ["a", "b"], "content-type": ["text/x"]},
        "body": "made",
        "isBase64Encoded": False,
    }


def test_dict_result_is_json_200() -> None:
    response = run({"b": 1, "a": "é"})
    assert response["statusCode"] == 200
    assert response["headers"] == {"content-type": JSON_CT}
    assert response["multiValueHeaders"] == {"content-type": [JSON_CT]}
    assert json.loads(response["body"]) == {"b": 1, "a": "é"}
    assert "é" in response["body"]  # UTF-8, not \u escapes
    assert response["isBase64Encoded"] is False


def test_list_result_is_json_200() -> None:
    response = run([1, "two", None])
    assert response["statusCode"] == 200
    assert response["headers"]["content-type"] == JSON_CT
    assert json.loads(response["body"]) == [1, "two", None]


def test_str_result_is_text_200() -> None:
    response = run("héllo")
    assert response["statusCode"] == 200
    assert response["headers"] == {"content-type": "text/plain; charset=utf-8"}
    assert response["body"] == "héllo"
    assert response["isBase64Encoded"] is False


@pytest.mark.parametrize("payload", [b"\x00\x01\xfe\xff", bytearray(b"\x80abc"), memoryview(b"\xff\x00")])
def test_bytes_result_is_base64(payload: Any) -> None:
    response = run(payload)
    assert response["statusCode"] == 200
    assert response["isBase64Encoded"] is True
    assert response["headers"] == {"content-type": "application/octet-stream"}
    assert base64.b64decode(response["body"], validate=True) == bytes(payload)


def test_none_result_is_empty_200() -> None:
    response = run(None)
    assert response == {
        "statusCode": 200,
        "headers": {},
        "multiValueHeaders": {},
        "body": "",
        "isBase64Encoded": False,
    }


@pytest.mark.parametrize("result", [42, 3.5, True, object(), {1, 2}, ("a", "b")], ids=repr)
def test_unsupported_result_type_is_500(result: Any) -> None:
    response = run(result)
    assert response["statusCode"] == 500
    assert envelope(response) == {"code": "app.internal", "message": "internal error", "request_id": "req-r"}


def test_non_finite_json_result_is_500_not_invalid_json() -> None:
    response = run({"x": float("nan")})
    assert response["statusCode"] == 500
    assert "NaN" not in response["body"]
    assert envelope(response)["code"] == "app.internal"


def test_unserialisable_dict_result_is_500() -> None:
    response = run({"when": object()})
    assert response["statusCode"] == 500
    assert envelope(response)["message"] == "internal error"


# ---- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("app.bad_request", 400),
        ("app.unauthorized", 401),
        ("app.forbidden", 403),
        ("app.not_found", 404),
        ("app.conflict", 409),
        ("app.too_large", 413),
        ("app.rate_limited", 429),
        ("app.internal", 500),
        ("app.unavailable", 503),
    ],
)
def test_app_error_answers_envelope_with_its_status(code: str, status: int) -> None:
    app = new_app()

    @app.websocket("$default")
    def fail(ctx: Context) -> None:
        raise AppError(code, f"message for {code}")

    response = app.handle(websocket_event(request_id="req-e"))
    assert response["statusCode"] == status
    assert envelope(response) == {"code": code, "message": f"message for {code}", "request_id": "req-e"}


def test_app_error_with_custom_code_and_status() -> None:
    app = new_app()

    @app.websocket("$default")
    def fail(ctx: Context) -> None:
        raise AppError("chat.room_full", "room is full", status=409)

    response = app.handle(websocket_event(request_id="req-c"))
    assert response["statusCode"] == 409
    assert envelope(response) == {"code": "chat.room_full", "message": "room is full", "request_id": "req-c"}


def test_app_error_unknown_code_without_status_fails_at_construction() -> None:
    with pytest.raises(ValueError, match=r"unknown app error code 'chat\.room_full'"):
        AppError("chat.room_full", "room is full")


@pytest.mark.parametrize("status", [200, 399, 600, 302])
def test_app_error_status_outside_4xx_5xx_fails_at_construction(status: int) -> None:
    with pytest.raises(ValueError, match="400-599"):
        AppError("app.custom", "x", status=status)


def test_other_exception_is_500_without_leaking_its_message() -> None:
    app = new_app()
    secret = "db password is hunter2"

    @app.websocket("$default")
    def fail(ctx: Context) -> None:
        raise KeyError(secret)

    response = app.handle(websocket_event(request_id="req-x"))
    assert response["statusCode"] == 500
    assert envelope(response) == {"code": "app.internal", "message": "internal error", "request_id": "req-x"}
    assert "hunter2" not in json.dumps(response)
    assert "KeyError" not in json.dumps(response)


def test_base_exceptions_are_not_swallowed() -> None:
    app = new_app()

    @app.websocket("$default")
    def stop(ctx: Context) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        app.handle(websocket_event())


# ---- request id --------------------------------------------------------------------------------


def _echo_request_ids(app: App) -> None:
    @app.websocket("$default")
    def echo(ctx: Context) -> dict[str, str]:
        return {"ctx": ctx.request_id, "ws": ctx.as_websocket().request_id}


def test_request_id_from_request_context() -> None:
    app = new_app()
    _echo_request_ids(app)
    event = load_event("message-default")
    response = app.handle(event, LambdaContext(aws_request_id="lambda-id"))
    assert json.loads(response["body"]) == {"ctx": "Yk3xQF1sjoEFT7w=", "ws": "Yk3xQF1sjoEFT7w="}


@pytest.mark.parametrize("missing", ["absent", "", "   ", None])
def test_request_id_falls_back_to_lambda_context(missing: Any) -> None:
    app = new_app()
    _echo_request_ids(app)
    event = load_event("message-default")
    if missing == "absent":
        del event["requestContext"]["requestId"]
    else:
        event["requestContext"]["requestId"] = missing
    response = app.handle(event, LambdaContext(aws_request_id="c0ffee00-1111-4222-8333-444455556666"))
    expected = "c0ffee00-1111-4222-8333-444455556666"
    assert json.loads(response["body"]) == {"ctx": expected, "ws": expected}


def test_request_id_fallback_is_used_in_error_envelopes() -> None:
    app = new_app(websocket_support=True)
    event = load_event("message-default")
    del event["requestContext"]["requestId"]
    response = app.handle(event, LambdaContext(aws_request_id="lambda-req-9"))
    assert envelope(response)["request_id"] == "lambda-req-9"


@pytest.mark.parametrize("lambda_context", [None, object(), LambdaContext(aws_request_id=""), {"aws_request_id": "x"}])
def test_request_id_is_generated_when_nothing_else_is_available(lambda_context: Any) -> None:
    app = new_app()
    _echo_request_ids(app)
    event = load_event("message-default")
    del event["requestContext"]["requestId"]
    first = json.loads(app.handle(event, lambda_context)["body"])
    second = json.loads(app.handle(copy.deepcopy(event), lambda_context)["body"])
    assert re.fullmatch(r"[0-9a-f]{32}", first["ctx"])
    assert first["ws"] == first["ctx"]
    assert second["ctx"] != first["ctx"]


# ---- middleware --------------------------------------------------------------------------------


def test_middleware_first_registered_is_outermost() -> None:
    app = new_app()
    order: list[str] = []

    def make(name: str):
        def middleware(next_handler):
            def wrapped(ctx: Context) -> Any:
                order.append(f"{name}:before")
                result = next_handler(ctx)
                order.append(f"{name}:after")
                return result

            return wrapped

        return middleware

    app.use(make("a"))
    app.use(make("b"))

    @app.websocket("$default")
    def handler(ctx: Context) -> str:
        order.append("handler")
        return "ok"

    assert app.handle(websocket_event())["body"] == "ok"
    assert order == ["a:before", "b:before", "handler", "b:after", "a:after"]


def test_middleware_can_short_circuit() -> None:
    app = new_app()
    called: list[str] = []

    def deny(next_handler):
        def wrapped(ctx: Context) -> Any:
            if ctx.as_websocket().query.get("token") != "good":
                raise AppError("app.unauthorized", "missing token")
            return next_handler(ctx)

        return wrapped

    app.use(deny)

    @app.websocket("$connect")
    def connect(ctx: Context) -> None:
        called.append("connect")

    denied = app.handle(websocket_event("$connect", query={"token": "bad"}, request_id="r1"))
    assert denied["statusCode"] == 401
    assert envelope(denied)["message"] == "missing token"
    assert called == []
    allowed = app.handle(websocket_event("$connect", query={"token": "good"}))
    assert allowed["statusCode"] == 200
    assert called == ["connect"]


def test_middleware_can_answer_without_calling_the_handler() -> None:
    app = new_app()
    app.use(lambda next_handler: lambda ctx: {"short": True})
    called: list[int] = []
    app.websocket("$default", lambda ctx: called.append(1))
    response = app.handle(websocket_event())
    assert json.loads(response["body"]) == {"short": True}
    assert called == []


def test_middleware_sees_handler_exceptions() -> None:
    app = new_app()
    seen: list[str] = []

    def observe(next_handler):
        def wrapped(ctx: Context) -> Any:
            try:
                return next_handler(ctx)
            except Exception as err:
                seen.append(type(err).__name__)
                raise

        return wrapped

    def recover(next_handler):
        def wrapped(ctx: Context) -> Any:
            try:
                return next_handler(ctx)
            except ZeroDivisionError:
                return Response.json({"recovered": True}, status=202)

        return wrapped

    app.use(observe)

    @app.websocket("$default")
    def boom(ctx: Context) -> None:
        raise RuntimeError("x")

    assert app.handle(websocket_event())["statusCode"] == 500
    assert seen == ["RuntimeError"]

    app2 = new_app()
    app2.use(recover)
    app2.websocket("$default", lambda ctx: 1 / 0)
    response = app2.handle(websocket_event())
    assert response["statusCode"] == 202
    assert json.loads(response["body"]) == {"recovered": True}


def test_middleware_added_after_first_dispatch_applies() -> None:
    app = new_app()
    app.websocket("$default", lambda ctx: ctx.get("tag", "none"))
    assert app.handle(websocket_event())["body"] == "none"

    def tag(next_handler):
        def wrapped(ctx: Context) -> Any:
            ctx.set("tag", "tagged")
            return next_handler(ctx)

        return wrapped

    app.use(tag)
    assert app.handle(websocket_event())["body"] == "tagged"


def test_middleware_must_be_callable() -> None:
    with pytest.raises(TypeError, match="middleware must be callable"):
        new_app().use("nope")  # type: ignore[arg-type]


def test_ctx_set_and_get() -> None:
    app = new_app()

    def auth(next_handler):
        def wrapped(ctx: Context) -> Any:
            ctx.set("user", {"id": "u-1"})
            ctx.set("user_count", 0)
            return next_handler(ctx)

        return wrapped

    app.use(auth)

    @app.websocket("$default")
    def handler(ctx: Context) -> dict[str, Any]:
        return {
            "user": ctx.get("user"),
            "count": ctx.get("user_count", 99),  # a falsy stored value is returned, not the default
            "missing": ctx.get("missing"),
            "defaulted": ctx.get("missing", "dflt"),
        }

    body = json.loads(app.handle(websocket_event())["body"])
    assert body == {"user": {"id": "u-1"}, "count": 0, "missing": None, "defaulted": "dflt"}


def test_ctx_values_do_not_leak_between_invocations() -> None:
    app = new_app()

    @app.websocket("$default")
    def handler(ctx: Context) -> dict[str, Any]:
        before = ctx.get("seen")
        ctx.set("seen", True)
        return {"before": before}

    assert json.loads(app.handle(websocket_event())["body"]) == {"before": None}
    assert json.loads(app.handle(websocket_event())["body"]) == {"before": None}


def test_context_exposes_event_and_lambda_context() -> None:
    app = new_app()
    seen: dict[str, Any] = {}
    event = load_event("message-default")
    lambda_context = LambdaContext(aws_request_id="lc")

    @app.websocket("$default")
    def handler(ctx: Context) -> None:
        seen["event"] = ctx.event
        seen["lambda_context"] = ctx.lambda_context

    app(event, lambda_context)  # App is callable as the Lambda handler
    assert seen["event"] is event
    assert seen["lambda_context"] is lambda_context


# ---- Response validation -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {"x-evil": "a\r\nSet-Cookie: session=stolen"},
        {"x-evil": "a\nb"},
        {"x-evil": "a\rb"},
        {"x-evil": ["ok", "b\r\nc"]},
        {"bad name": "v"},
        {"bad:name": "v"},
        {"bad\r\nname": "v"},
        {"": "v"},
        {"x-num": 5},
        {"x-list": ["ok", 5]},
    ],
    ids=repr,
)
def test_invalid_response_headers_answer_500_not_a_malformed_response(headers: dict[str, Any]) -> None:
    response = run(Response(200, "fine", headers))
    assert response["statusCode"] == 500
    assert envelope(response)["code"] == "app.internal"
    assert "stolen" not in json.dumps(response)


@pytest.mark.parametrize("status", [99, 600, True, "200", 200.0])
def test_invalid_response_status_answers_500(status: Any) -> None:
    response = run(Response(status, "x"))
    assert response["statusCode"] == 500
    assert envelope(response)["code"] == "app.internal"


def test_invalid_response_body_answers_500() -> None:
    response = run(Response(200, {"not": "a body"}))  # type: ignore[arg-type]
    assert response["statusCode"] == 500


def test_response_helpers() -> None:
    assert Response.json({"a": 1}, status=201, headers={"x-a": "1"}).to_proxy() == {
        "statusCode": 201,
        "headers": {"content-type": JSON_CT, "x-a": "1"},
        "multiValueHeaders": {"content-type": [JSON_CT], "x-a": ["1"]},
        "body": '{"a":1}',
        "isBase64Encoded": False,
    }
    text = Response.text("hi", headers={"Content-Type": "text/html"}).to_proxy()
    # The same header name in two spellings merges; the last value wins in the single-value map.
    assert text["multiValueHeaders"] == {"content-type": ["text/plain; charset=utf-8", "text/html"]}
    assert text["headers"] == {"content-type": "text/html"}


def test_environment_is_read_once_and_refresh_environment_rereads_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from apptheory.testkit import FakeManagementClient, websocket_event

    fake = FakeManagementClient(connections=["c1"])
    app = App(websocket_client_factory=fake.client_factory)
    app.websocket("$default", lambda ctx: {"endpoint": ctx.as_websocket().management_endpoint})
    event = websocket_event("$default", connection_id="c1")
    monkeypatch.setenv("APPTHEORY_WS_MANAGEMENT_ENDPOINT", "https://first.example.com/a")
    assert app.handle(event)["body"] == '{"endpoint":"https://first.example.com/a"}'
    monkeypatch.setenv("APPTHEORY_WS_MANAGEMENT_ENDPOINT", "https://second.example.com/b")
    assert app.handle(event)["body"] == '{"endpoint":"https://first.example.com/a"}'  # read once per process
    app.refresh_environment()
    assert app.handle(event)["body"] == '{"endpoint":"https://second.example.com/b"}'
