"""The local gateway (`apptheory dev`) with real WebSocket clients, in-process apps and the real boto3."""

from __future__ import annotations

import asyncio
import base64
import http.client
import json
import re
import socket
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from apptheory import App, AppError, GoneError, PayloadTooLargeError
from apptheory.dev.testing import GatewayThread
from apptheory.streamer import new_client

EVENTS = Path(__file__).resolve().parent / "events"
ID_PATTERN = re.compile(r"^[A-Za-z0-9]{15}=$")


def arun(coro: Coroutine[Any, Any, Any], timeout: float = 30.0) -> Any:
    return asyncio.run(asyncio.wait_for(coro, timeout))


def real(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text(encoding="utf-8"))


def recording_app(**routes: Any) -> tuple[App, list[dict[str, Any]]]:
    """An app that records every event; `$default` answers 200 unless a route is given."""
    seen: list[dict[str, Any]] = []
    app = App(websocket_support=True)

    def record(ctx: Any) -> None:
        seen.append(ctx.event)

    for key in ("$connect", "$disconnect", "$default"):
        app.websocket(key, routes.pop(key.lstrip("$"), record))
    for key, handler in routes.items():
        app.websocket(key, handler)
    return app, seen


async def recv_json(ws: ClientConnection, timeout: float = 5.0) -> Any:
    return json.loads(await asyncio.wait_for(ws.recv(), timeout))


# What an AWS SDK sends (the gateway checks the scheme, not the signature).
SIGNED = {
    "Authorization": "AWS4-HMAC-SHA256 Credential=AKIDLOCAL/20260101/us-east-1/execute-api/aws4_request, "
    "SignedHeaders=host;x-amz-date, Signature=0000"
}


def raw_http(port: int, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None) -> Any:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def shape(value: Any) -> Any:
    """Key structure and value types, for comparing events with the real samples."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(v) for v in value[:1]]
    return type(value).__name__


# ---- event shapes ------------------------------------------------------------------------------


def test_connect_message_disconnect_events_are_shaped_like_real_ones() -> None:
    app, seen = recording_app()
    with GatewayThread(app, allow_origins=("https://app.example.com",)) as gw:

        async def scenario() -> str:
            url = gw.ws_url + "?token=t&room=lobby&tag=a&tag=b"
            async with connect(url, additional_headers={"Origin": "https://app.example.com"}) as ws:
                await ws.send('{"action":"sendMessage","text":"ping"}')
                await ws.send(bytes(range(256)))
                while len(seen) < 3:
                    await asyncio.sleep(0.01)
                await ws.close(4001, "done here")
            return ""

        arun(scenario())
        gw.wait_for_invocation("$disconnect")
    connect_event, text_event, binary_event, disconnect_event = seen

    expected_connect = real("connect.json")
    assert set(connect_event) == set(expected_connect)
    assert shape(connect_event["requestContext"]) == shape(expected_connect["requestContext"])
    rc = connect_event["requestContext"]
    assert ID_PATTERN.match(rc["connectionId"])
    assert ID_PATTERN.match(rc["requestId"])
    assert rc["extendedRequestId"] == rc["requestId"]
    assert (rc["routeKey"], rc["eventType"], rc["stage"], rc["apiId"]) == ("$connect", "CONNECT", "local", "local")
    assert rc["domainName"] == f"127.0.0.1:{gw.port}"
    assert rc["identity"]["sourceIp"] == "127.0.0.1"
    assert rc["identity"]["userAgent"].startswith("Python/")
    assert re.match(r"^\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d \+0000$", rc["requestTime"])
    assert abs(rc["connectedAt"] - time.time() * 1000) < 60_000
    assert rc["requestTimeEpoch"] >= rc["connectedAt"]
    headers = connect_event["headers"]
    assert headers["Origin"] == "https://app.example.com"
    assert headers["Host"] == f"127.0.0.1:{gw.port}"
    assert headers["X-Forwarded-For"] == "127.0.0.1"
    assert headers["X-Forwarded-Proto"] == "http"
    assert headers["X-Amzn-Trace-Id"].startswith("Root=1-")
    assert {"Sec-WebSocket-Key", "Sec-WebSocket-Version", "User-Agent"} <= set(headers)
    assert connect_event["multiValueHeaders"]["Origin"] == ["https://app.example.com"]
    assert connect_event["queryStringParameters"] == {"token": "t", "room": "lobby", "tag": "b"}
    assert connect_event["multiValueQueryStringParameters"]["tag"] == ["a", "b"]

    expected_message = real("message-action.json")
    assert set(text_event) == set(expected_message)
    assert shape(text_event["requestContext"]) == shape(expected_message["requestContext"])
    assert text_event["requestContext"]["connectionId"] == rc["connectionId"]
    assert text_event["requestContext"]["connectedAt"] == rc["connectedAt"]
    assert ID_PATTERN.match(text_event["requestContext"]["messageId"])
    assert text_event["requestContext"]["routeKey"] == "$default"  # "sendMessage" is not a route of this app
    assert (text_event["body"], text_event["isBase64Encoded"]) == ('{"action":"sendMessage","text":"ping"}', False)

    assert shape(binary_event) == shape(real("message-binary.json"))
    assert binary_event["isBase64Encoded"] is True
    assert base64.b64decode(binary_event["body"]) == bytes(range(256))

    expected_disconnect = real("disconnect.json")
    assert set(disconnect_event) == set(expected_disconnect)
    assert shape(disconnect_event["requestContext"]) == shape(expected_disconnect["requestContext"])
    assert disconnect_event["headers"] == {
        "Host": f"127.0.0.1:{gw.port}",
        "x-api-key": "",
        "X-Forwarded-For": "",
        "x-restapi": "",
    }
    drc = disconnect_event["requestContext"]
    assert (drc["disconnectStatusCode"], drc["disconnectReason"]) == (4001, "done here")
    assert (drc["routeKey"], drc["eventType"]) == ("$disconnect", "DISCONNECT")


def test_the_runtime_parses_gateway_events_and_derives_the_gateway_endpoint() -> None:
    fields: list[dict[str, Any]] = []

    def default(ctx: Any) -> None:
        ws = ctx.as_websocket()
        fields.append(
            {
                "endpoint": ws.management_endpoint,
                "stage": ws.stage,
                "source_ip": ws.source_ip,
                "body": ws.json(),
                "region": ws.region,
            }
        )

    app, _ = recording_app(default=default)
    with GatewayThread(app) as gw:

        async def scenario() -> None:
            async with connect(gw.ws_url) as ws:
                await ws.send('{"n": 1}')
                while not fields:
                    await asyncio.sleep(0.01)

        arun(scenario())
        assert fields == [
            {
                "endpoint": gw.management_endpoint,
                "stage": "local",
                "source_ip": "127.0.0.1",
                "body": {"n": 1},
                "region": fields[0]["region"],
            }
        ]
        assert fields[0]["region"]  # AWS_REGION is set for handlers when the shell has none


# ---- routing -----------------------------------------------------------------------------------


def test_route_selection_picks_defined_keys_and_falls_back_to_default() -> None:
    routed: list[str] = []

    def remember(ctx: Any) -> None:
        routed.append(ctx.as_websocket().route_key)

    app, _ = recording_app(default=remember, echo=remember)
    with GatewayThread(app) as gw:

        async def scenario() -> None:
            async with connect(gw.ws_url) as ws:
                for frame in (
                    '{"action":"echo"}',
                    '{"action":"nope"}',
                    "not json",
                    '{"action": 7}',
                    '{"other":"echo"}',
                    b'{"action":"echo"}',
                ):
                    await ws.send(frame)
                while len(routed) < 6:
                    await asyncio.sleep(0.01)

        arun(scenario())
    assert routed == ["echo", "$default", "$default", "$default", "$default", "$default"]


def test_custom_route_selection_expression() -> None:
    routed: list[str] = []

    def remember(ctx: Any) -> None:
        routed.append(ctx.as_websocket().route_key)

    app, _ = recording_app(default=remember, **{"chat.send": remember})
    with GatewayThread(app, route_selection_expression="${request.body.kind}.${request.body.op}") as gw:

        async def scenario() -> None:
            async with connect(gw.ws_url) as ws:
                await ws.send('{"kind":"chat","op":"send"}')
                await ws.send('{"kind":"chat"}')
                while len(routed) < 2:
                    await asyncio.sleep(0.01)

        arun(scenario())
    assert routed == ["chat.send", "$default"]


def test_unknown_route_without_default_gets_forbidden_message() -> None:
    app = App(websocket_support=True)
    app.websocket("known", lambda ctx: None)
    with GatewayThread(app) as gw:

        async def scenario() -> Any:
            async with connect(gw.ws_url) as ws:  # no $connect route: accepted without an invocation
                await ws.send('{"action":"unknown"}')
                return await recv_json(ws)

        reply = arun(scenario())
        assert reply["message"] == "Forbidden"
        assert ID_PATTERN.match(reply["connectionId"])
        assert gw.invocations() == []


def test_handler_failure_sends_internal_server_error_to_the_client() -> None:
    def boom(event: Any, context: Any) -> Any:
        if event["requestContext"]["eventType"] == "MESSAGE":
            raise RuntimeError("secret detail")
        return {"statusCode": 200}

    with GatewayThread(boom) as gw:

        async def scenario() -> Any:
            async with connect(gw.ws_url) as ws:
                await ws.send("hello")
                return await recv_json(ws)

        reply = arun(scenario())
        assert reply["message"] == "Internal server error"
        assert set(reply) == {"message", "connectionId", "requestId"}
        assert gw.invocations("$default")[0].error == "handler error: RuntimeError"


def test_route_responses_send_the_handler_body_back() -> None:
    app, _ = recording_app(default=lambda ctx: {"echo": ctx.as_websocket().text()})
    with GatewayThread(app, route_responses=True) as gw:

        async def scenario() -> Any:
            async with connect(gw.ws_url) as ws:
                await ws.send("hi")
                return await recv_json(ws)

        assert arun(scenario()) == {"echo": "hi"}


# ---- $connect ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("connect_handler", "status"),
    [
        (lambda ctx: (_ for _ in ()).throw(AppError("app.unauthorized", "no token")), 401),
        (lambda ctx: (_ for _ in ()).throw(AppError("app.rate_limited", "slow down")), 429),
    ],
)
def test_non_2xx_connect_rejects_the_handshake_with_that_status(connect_handler: Any, status: int) -> None:
    app, _seen = recording_app(connect=connect_handler)
    with GatewayThread(app) as gw:

        async def scenario() -> InvalidStatus:
            with pytest.raises(InvalidStatus) as info:
                async with connect(gw.ws_url):
                    pass
            return info.value

        err = arun(scenario())
        assert err.response.status_code == status
        assert json.loads(bytes(err.response.body))["error"]["code"].startswith("app.")
        time.sleep(0.1)
        assert gw.invocations("$disconnect") == []  # a rejected connection never gets $disconnect


def test_connect_handler_crash_is_500_and_raw_dict_status_is_used() -> None:
    def handler(event: Any, context: Any) -> Any:
        query = event.get("queryStringParameters") or {}
        if query.get("mode") == "crash":
            raise ValueError("boom")
        if query.get("mode") == "teapot":
            return {"statusCode": 418, "body": "short and stout"}
        return {"statusCode": 200}

    with GatewayThread(handler) as gw:

        async def status_of(mode: str) -> int:
            try:
                async with connect(f"{gw.ws_url}?mode={mode}"):
                    return 101
            except InvalidStatus as err:
                return err.response.status_code

        assert arun(status_of("crash")) == 500
        assert arun(status_of("teapot")) == 418
        assert arun(status_of("ok")) == 101


def test_send_during_connect_is_gone_and_sends_afterwards_reach_the_client() -> None:
    errors: list[str] = []

    def on_connect(ctx: Any) -> None:
        try:
            ctx.as_websocket().send_message("too early")
        except GoneError as err:
            errors.append(f"{type(err).__name__} {err.status}")

    def on_default(ctx: Any) -> None:
        ws = ctx.as_websocket()
        ws.send_json_message({"you": ws.connection_id})  # no endpoint configured: the gateway set the env

    app, _ = recording_app(connect=on_connect, default=on_default)
    with GatewayThread(app) as gw:

        async def scenario() -> Any:
            async with connect(gw.ws_url) as ws:
                await ws.send("hi")
                return await recv_json(ws)

        reply = arun(scenario())
        assert errors == ["GoneError 410"]
        assert ID_PATTERN.match(reply["you"])


def test_subprotocol_from_connect_response_is_negotiated() -> None:
    def on_connect(event: Any, context: Any) -> Any:
        return {"statusCode": 200, "headers": {"Sec-WebSocket-Protocol": "chat.v1"}}

    with GatewayThread(on_connect) as gw:

        async def scenario() -> str | None:
            async with connect(gw.ws_url, subprotocols=["chat.v1"]) as ws:  # type: ignore[list-item]
                return ws.subprotocol

        assert arun(scenario()) == "chat.v1"


def test_wrong_path_is_forbidden_and_root_path_is_accepted() -> None:
    app, _ = recording_app()
    with GatewayThread(app) as gw:

        async def status_of(url: str) -> int:
            try:
                async with connect(url):
                    return 101
            except InvalidStatus as err:
                return err.response.status_code

        assert arun(status_of(f"ws://127.0.0.1:{gw.port}/")) == 101
        assert arun(status_of(f"ws://127.0.0.1:{gw.port}/prod")) == 403


# ---- management API ------------------------------------------------------------------------------


def test_boto3_post_get_delete_against_the_gateway() -> None:
    app, _ = recording_app()
    with GatewayThread(app) as gw:
        client = new_client(gw.management_endpoint)

        async def scenario() -> dict[str, Any]:
            async with connect(gw.ws_url, user_agent_header="chat-test/1.0") as ws:
                connection_id = gw.wait_for_invocation("$connect").connection_id
                await asyncio.to_thread(client.post_to_connection, connection_id, b"hello \xe2\x9c\x93")
                text = await asyncio.wait_for(ws.recv(), 5)
                await asyncio.to_thread(client.post_to_connection, connection_id, b"\xff\x00binary")
                binary = await asyncio.wait_for(ws.recv(), 5)
                big = ("x" * 100_000).encode()
                await asyncio.to_thread(client.post_to_connection, connection_id, big)
                big_back = await asyncio.wait_for(ws.recv(), 5)
                info = await asyncio.to_thread(client.get_connection, connection_id)
                await asyncio.to_thread(client.delete_connection, connection_id)
                with pytest.raises(ConnectionClosed) as closed:
                    await asyncio.wait_for(ws.recv(), 5)
                return {
                    "id": connection_id,
                    "text": text,
                    "binary": binary,
                    "big": big_back == big.decode(),
                    "info": info,
                    "close": closed.value.rcvd.code if closed.value.rcvd else None,
                }

        out = arun(scenario())
        assert out["text"] == "hello ✓"
        assert out["binary"] == b"\xff\x00binary"
        assert out["big"] is True
        info = out["info"]
        assert info.source_ip == "127.0.0.1"
        assert info.user_agent == "chat-test/1.0"
        assert info.connected_at is not None
        assert info.last_active_at is not None
        assert info.last_active_at >= info.connected_at
        assert out["close"] == 1000
        record = gw.wait_for_invocation("$disconnect", out["id"])
        assert record.disconnect_status_code == 1000

        with pytest.raises(GoneError) as gone:
            client.post_to_connection(out["id"], b"after close")
        assert gone.value.status == 410
        assert gone.value.aws_code == "GoneException"
        with pytest.raises(GoneError):
            client.get_connection("NoSuchConnect1=")
        client.delete_connection("NoSuchConnect1=")  # the gateway answers 410; closing a gone connection succeeds
        client.delete_connection(out["id"])  # and closing twice is fine
        with pytest.raises(PayloadTooLargeError):  # the runtime refuses locally, before any call
            client.post_to_connection(out["id"], b"x" * 131_073)


def test_management_http_answers_like_aws() -> None:
    app, _ = recording_app()
    with GatewayThread(app) as gw:

        async def scenario() -> list[Any]:
            async with connect(gw.ws_url):
                cid = gw.wait_for_invocation("$connect").connection_id
                results = []
                for method, path, body in (
                    ("POST", f"/local/@connections/{cid}", b"x" * 131_072),
                    ("POST", f"/@connections/{cid.replace('=', '%3D')}", b"ok"),
                    ("POST", f"/local/%40connections/{cid}", b"ok"),
                    ("POST", f"/local/@connections/{cid}", b"x" * 131_073),
                    ("POST", "/local/@connections/NoSuchConnect1=", b"x"),
                    ("POST", f"/prod/@connections/{cid}", b"x"),
                    ("PUT", f"/local/@connections/{cid}", b"x"),
                    ("GET", f"/local/@connections/{cid}", b""),
                ):
                    results.append(await asyncio.to_thread(raw_http, gw.port, method, path, body, SIGNED))
                return results

        ok_max, ok_bare, ok_encoded, too_big, unknown, wrong_stage, bad_method, got = arun(scenario())
        assert ok_max[0] == ok_bare[0] == ok_encoded[0] == 200
        assert too_big[0] == 413
        assert too_big[1]["x-amzn-ErrorType"] == "PayloadTooLargeException"
        assert unknown[0] == 410
        assert unknown[1]["x-amzn-ErrorType"] == "GoneException"
        assert set(json.loads(unknown[2])) == {"message"}
        assert unknown[1]["Content-Type"] == "application/json"
        assert wrong_stage[0] == 403
        assert wrong_stage[1]["x-amzn-ErrorType"] == "ForbiddenException"
        assert bad_method[0] == 403
        assert got[0] == 200
        body = json.loads(got[2])
        assert set(body) == {"connectedAt", "identity", "lastActiveAt"}
        assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", body["connectedAt"])
        assert set(body["identity"]) == {"sourceIp", "userAgent"}


def test_post_while_connect_is_running_is_410() -> None:
    gate: dict[str, Any] = {}

    def on_connect(ctx: Any) -> None:
        gate["id"] = ctx.as_websocket().connection_id
        time.sleep(0.6)

    app, _ = recording_app(connect=on_connect)
    with GatewayThread(app) as gw:

        async def scenario() -> int:
            task = asyncio.ensure_future(connect(gw.ws_url).__aenter__())
            while "id" not in gate:
                await asyncio.sleep(0.01)
            status, headers, _ = await asyncio.to_thread(
                raw_http, gw.port, "POST", f"/local/@connections/{gate['id']}", b"x", SIGNED
            )
            ws = await task
            await ws.close()
            assert headers["x-amzn-ErrorType"] == "GoneException"
            return int(status)

        assert arun(scenario()) == 410


def test_non_loopback_host_header_is_refused_and_page_is_served() -> None:
    app, _ = recording_app()
    with GatewayThread(app, page="<html><body>chat at __APPTHEORY_WS_URL__</body></html>") as gw:
        status, _, _ = raw_http(gw.port, "GET", "/", headers={"Host": "evil.example.com"})
        assert status == 403
        status, headers, body = raw_http(gw.port, "GET", "/")
        assert status == 200
        assert headers["Content-Type"].startswith("text/html")
        assert body.decode() == f"<html><body>chat at {gw.ws_url}</body></html>"
        status, _, _ = raw_http(gw.port, "GET", "/local")
        assert status == 426
        status, _, _ = raw_http(gw.port, "GET", "/nothing-here")
        assert status == 404
    with GatewayThread(app) as gw:
        status, _, body = raw_http(gw.port, "GET", "/", headers={"Host": f"localhost:{gw.port}"})
        assert status == 200
        assert gw.ws_url.encode() in body
        assert b"WebSocket" in body


# ---- limits and closing ---------------------------------------------------------------------------


def test_frame_over_32_kib_closes_with_1009_and_fragmented_messages_are_allowed() -> None:
    sizes: list[int] = []
    app, _ = recording_app(default=lambda ctx: sizes.append(len(ctx.as_websocket().body)))
    with GatewayThread(app) as gw:

        async def scenario() -> tuple[int | None, int | None]:
            async with connect(gw.ws_url, max_size=None) as ws:
                await ws.send("a" * 32_768)  # exactly one full frame: fine
                await ws.send(["b" * 20_000, "c" * 20_000, "d" * 20_000])  # 60 KB in three frames: fine
                while len(sizes) < 2:
                    await asyncio.sleep(0.01)
            async with connect(gw.ws_url, max_size=None) as ws:
                await ws.send("e" * 32_769)
                with pytest.raises(ConnectionClosed) as too_big_frame:
                    await asyncio.wait_for(ws.recv(), 5)
            async with connect(gw.ws_url, max_size=None) as ws:
                await ws.send(["f" * 30_000] * 5)  # 150 KB message in frames under 32 KiB
                with pytest.raises(ConnectionClosed) as too_big_message:
                    await asyncio.wait_for(ws.recv(), 5)
            rcvd1, rcvd2 = too_big_frame.value.rcvd, too_big_message.value.rcvd
            return (rcvd1.code if rcvd1 else None), (rcvd2.code if rcvd2 else None)

        assert arun(scenario()) == (1009, 1009)
        assert sizes == [32_768, 60_000]
        deadline = time.monotonic() + 5
        while len(gw.invocations("$disconnect")) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        codes = sorted(r.disconnect_status_code or 0 for r in gw.invocations("$disconnect"))
        assert codes == [1000, 1009, 1009]


def test_idle_timeout_closes_with_1001_and_activity_keeps_the_connection() -> None:
    app, _ = recording_app()
    with GatewayThread(app, idle_timeout=0.6) as gw:

        async def scenario() -> tuple[int | None, float]:
            async with connect(gw.ws_url, ping_interval=None) as active:
                for _ in range(6):  # 1.2 s of activity, every 0.2 s
                    await active.send("tick")
                    await asyncio.sleep(0.2)
                assert active.state.name == "OPEN"
            started = time.monotonic()
            async with connect(gw.ws_url, ping_interval=None) as idle:
                with pytest.raises(ConnectionClosed) as closed:
                    await asyncio.wait_for(idle.recv(), 5)
            rcvd = closed.value.rcvd
            return (rcvd.code if rcvd else None), time.monotonic() - started

        code, elapsed = arun(scenario())
        assert code == 1001
        assert 0.5 <= elapsed < 3
        record = gw.wait_for_invocation("$disconnect", gw.invocations("$connect")[-1].connection_id)
        assert (record.disconnect_status_code, record.disconnect_reason) == (1001, "Going away")


def test_max_duration_closes_even_an_active_connection() -> None:
    app, _ = recording_app()
    with GatewayThread(app, max_duration=0.8, idle_timeout=60) as gw:

        async def scenario() -> tuple[int | None, float]:
            started = time.monotonic()
            async with connect(gw.ws_url, ping_interval=None) as ws:

                async def keep_busy() -> None:
                    for _ in range(50):
                        await ws.send("tick")
                        await asyncio.sleep(0.1)

                with pytest.raises(ConnectionClosed) as closed:
                    await keep_busy()
            rcvd = closed.value.rcvd
            return (rcvd.code if rcvd else None), time.monotonic() - started

        code, elapsed = arun(scenario())
        assert code == 1001
        assert 0.7 <= elapsed < 3


def test_abrupt_disconnect_is_1006_and_shutdown_closes_with_1001() -> None:
    app, _ = recording_app()
    gw = GatewayThread(app)
    with gw:

        async def drop() -> None:
            ws = await connect(gw.ws_url)
            ws.transport.abort()

        arun(drop())
        dropped = gw.wait_for_invocation("$disconnect")
        assert dropped.disconnect_status_code == 1006

        async def stay() -> tuple[int | None, str | None]:
            async with connect(gw.ws_url) as ws:
                await asyncio.to_thread(gw.stop)
                with pytest.raises(ConnectionClosed) as closed:
                    await asyncio.wait_for(ws.recv(), 5)
            rcvd = closed.value.rcvd
            return (rcvd.code, rcvd.reason) if rcvd else (None, None)

        assert arun(stay()) == (1001, "Going away")
    records = [r for r in gw.invocations("$disconnect") if r is not dropped]
    assert [(r.disconnect_status_code, r.disconnect_reason) for r in records] == [(1001, "Going away")]
    with socket.socket() as probe:  # nothing listens on the port any more (TIME_WAIT aside, as for any server)
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", gw.port))


def test_messages_from_one_connection_are_handled_in_order() -> None:
    def echo(ctx: Any) -> None:
        ws = ctx.as_websocket()
        ws.send_message(ws.body)

    app, _ = recording_app(default=echo)
    with GatewayThread(app) as gw:

        async def scenario() -> list[str]:
            async with connect(gw.ws_url) as ws:
                for i in range(40):
                    await ws.send(f"m{i}")
                return [await asyncio.wait_for(ws.recv(), 5) for _ in range(40)]  # type: ignore[misc]

        assert arun(scenario()) == [f"m{i}" for i in range(40)]
