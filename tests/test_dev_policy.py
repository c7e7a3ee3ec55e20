"""The gateway's policies against hostile pages and bad clients: Origin, management API auth, slow readers.

Deadlines here are hang guards only (generous, never a performance assertion).
"""

from __future__ import annotations

import asyncio
import http.client
import json
import socket
from collections.abc import Coroutine
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from apptheory import App, GoneError
from apptheory.dev.gateway import CLOSE_QUEUE_FULL
from apptheory.dev.testing import GatewayThread
from apptheory.streamer import new_client

HANG_GUARD = 60.0
SIGNED = (
    "AWS4-HMAC-SHA256 Credential=AKIDLOCAL/20260101/us-east-1/execute-api/aws4_request, "
    "SignedHeaders=host, Signature=00"
)


def arun(coro: Coroutine[Any, Any, Any], timeout: float = HANG_GUARD) -> Any:
    return asyncio.run(asyncio.wait_for(coro, timeout))


def quiet_app() -> App:
    app = App(websocket_support=True)
    for key in ("$connect", "$disconnect", "$default"):
        app.websocket(key, lambda ctx: None)
    return app


def raw_http(port: int, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None) -> Any:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=HANG_GUARD)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


async def handshake_status(url: str, origin: str | None) -> int:
    headers = {"Origin": origin} if origin is not None else {}
    try:
        async with connect(url, additional_headers=headers):
            return 101
    except InvalidStatus as err:
        return err.response.status_code


# ---- Origin ----------------------------------------------------------------------------------------


def test_browser_origins_are_accepted_from_loopback_pages_only() -> None:
    with GatewayThread(quiet_app()) as gw:
        port = gw.port
        accepted = [
            None,  # SDKs and CLI clients send no Origin
            f"http://127.0.0.1:{port}",  # the gateway's own page
            f"http://localhost:{port}",
            "http://localhost:5173",  # a front-end dev server on this machine
            "https://127.0.0.1",
            "http://[::1]:3000",
            "HTTP://LOCALHOST:8080",
        ]
        refused = [
            "http://evil.example",
            "https://evil.example:443",
            "http://localhost.evil.example",
            "http://127.0.0.1.evil.example",
            "null",  # file:// pages and sandboxed iframes
            "file://",
            "ws://127.0.0.1",
            "not an origin",
        ]
        statuses = {origin: arun(handshake_status(gw.ws_url, origin)) for origin in accepted + refused}
        assert statuses == {**dict.fromkeys(accepted, 101), **dict.fromkeys(refused, 403)}
        connects = gw.invocations("$connect")
        assert len(connects) == len(accepted)  # a refused handshake never reaches $connect


def test_allow_origin_adds_origins_and_the_refusal_says_how() -> None:
    with GatewayThread(quiet_app(), allow_origins=("https://app.example.com", "null")) as gw:
        assert arun(handshake_status(gw.ws_url, "https://app.example.com")) == 101
        assert arun(handshake_status(gw.ws_url, "https://APP.example.com:443")) == 101
        assert arun(handshake_status(gw.ws_url, "null")) == 101
        assert arun(handshake_status(gw.ws_url, "http://app.example.com")) == 403  # the scheme is part of it

        async def refusal() -> Any:
            with pytest.raises(InvalidStatus) as info:
                async with connect(gw.ws_url, additional_headers={"Origin": "https://evil.example"}):
                    pass
            return info.value.response

        response = arun(refusal())
        assert response.status_code == 403
        assert "--allow-origin" in json.loads(bytes(response.body))["message"]
    with GatewayThread(quiet_app(), allow_origins=("*",)) as gw:
        assert arun(handshake_status(gw.ws_url, "https://anything.example")) == 101


# ---- management API auth ---------------------------------------------------------------------------


def test_management_api_refuses_what_no_sdk_sends_and_pages_cannot_deliver() -> None:
    with GatewayThread(quiet_app()) as gw:
        client = new_client(gw.management_endpoint)

        async def scenario() -> tuple[list[Any], Any]:
            async with connect(gw.ws_url, additional_headers={"Origin": gw.base_url}) as ws:
                cid = gw.wait_for_invocation("$connect").connection_id
                attempts = [
                    # a page's cross-origin "simple" POST: text/plain, no Authorization (no preflight needed)
                    (
                        "POST",
                        f"/local/@connections/{cid}",
                        {"Origin": "http://evil.example", "Content-Type": "text/plain"},
                    ),
                    ("POST", f"/@connections/{cid}", {"Content-Type": "text/plain"}),
                    ("POST", f"/local/@connections/{cid}", {"Authorization": "Bearer token"}),
                    ("POST", f"/local/@connections/{cid}", {"Authorization": "aws4-hmac-sha256 x"}),
                    ("GET", f"/local/@connections/{cid}", {}),
                    ("DELETE", f"/local/@connections/{cid}", {}),
                    (
                        "OPTIONS",
                        f"/local/@connections/{cid}",
                        {
                            "Origin": "http://evil.example",
                            "Access-Control-Request-Method": "POST",
                            "Access-Control-Request-Headers": "authorization",
                        },
                    ),
                    # signed, but from a browser (Origin): what a page on an allowed origin would send
                    ("POST", f"/local/@connections/{cid}", {"Authorization": SIGNED, "Origin": gw.base_url}),
                    ("DELETE", f"/local/@connections/{cid}", {"Authorization": SIGNED, "Origin": "http://localhost"}),
                ]
                results = [
                    await asyncio.to_thread(raw_http, gw.port, method, path, b"injected", headers)
                    for method, path, headers in attempts
                ]
                # Only now does a real SDK call deliver: it must be the first message the client sees.
                await asyncio.to_thread(client.post_to_connection, cid, b"from the sdk")
                first = await asyncio.wait_for(ws.recv(), HANG_GUARD)
                return results, first

        results, first = arun(scenario())
        assert first == "from the sdk"  # nothing before it was delivered, and the DELETEs closed nothing
        missing = results[0]
        for status, headers, body in results[:7]:
            assert status == 403
            assert headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
            assert json.loads(body) == {"message": "Missing Authentication Token"}
            assert not any(k.lower().startswith("access-control-") for k in headers)
        for status, headers, body in results[7:]:
            assert status == 403
            assert headers["x-amzn-ErrorType"] == "AccessDeniedException"
            assert set(json.loads(body)) == {"message"}
        assert missing[1]["Content-Type"] == "application/json"


# ---- slow readers ----------------------------------------------------------------------------------


def test_a_client_that_never_reads_is_closed_with_1008_and_never_slows_the_others() -> None:
    queue_bytes = 256 * 1024
    message = b"m" * (100 * 1024)
    with GatewayThread(quiet_app(), send_queue_bytes=queue_bytes, close_timeout=0.5) as gw:
        client = new_client(gw.management_endpoint)

        async def post(cid: str, data: bytes) -> str:
            try:
                await asyncio.wait_for(asyncio.to_thread(client.post_to_connection, cid, data), HANG_GUARD)
            except GoneError:
                return "gone"
            return "ok"

        async def scenario() -> dict[str, Any]:
            # The slow client: a tiny receive buffer, and websockets stops reading once one frame waits.
            sock = socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.connect(("127.0.0.1", gw.port))
            slow = await connect(gw.ws_url, sock=sock, max_queue=1, max_size=None)
            slow_id = gw.wait_for_invocation("$connect").connection_id
            async with connect(gw.ws_url, max_size=None) as fast:
                fast_id = next(r.connection_id for r in gw.invocations("$connect") if r.connection_id != slow_id)
                outcomes: list[str] = []
                for i in range(1000):  # bounded: the queue is full long before (kernel buffers are a few MiB)
                    outcomes.append(await post(slow_id, message))
                    # Every message to the other client is answered and arrives, interleaved with the slow one.
                    assert await post(fast_id, f"fast {i}".encode()) == "ok"
                    assert await asyncio.wait_for(fast.recv(), HANG_GUARD) == f"fast {i}"
                    if outcomes[-1] == "gone":
                        break
                later = [await post(slow_id, b"after") for _ in range(3)]
                record = await asyncio.to_thread(gw.wait_for_invocation, "$disconnect", slow_id, HANG_GUARD)
                assert await post(fast_id, b"still here") == "ok"
                assert await asyncio.wait_for(fast.recv(), HANG_GUARD) == "still here"

            async def drain_slow() -> None:
                while True:
                    await asyncio.wait_for(slow.recv(), HANG_GUARD)

            with pytest.raises(ConnectionClosed):  # the slow client's connection is gone too
                await drain_slow()
            return {"outcomes": outcomes, "later": later, "record": record}

        out = arun(scenario(), HANG_GUARD * 4)
        outcomes = out["outcomes"]
        assert outcomes[-1] == "gone"
        assert set(outcomes[:-1]) == {"ok"}
        assert len(outcomes) > queue_bytes // len(message)  # the queue held what fits
        assert out["later"] == ["gone"] * 3
        record = out["record"]
        assert (
            (record.disconnect_status_code, record.disconnect_reason) == CLOSE_QUEUE_FULL == (1008, "send queue full")
        )
