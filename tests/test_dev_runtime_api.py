"""`apptheory dev --cmd`: handlers in child processes speaking the Lambda Runtime API."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
import threading
import time
import urllib.request
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from apptheory.dev.runtime_api import RuntimeApiInvoker
from apptheory.dev.testing import GatewayThread

CHILD = Path(__file__).resolve().parent / "e2e" / "lambda_child.py"
ROUTES = frozenset({"$connect", "$disconnect", "$default"})

HANDLER_SOURCE = """
import json, os, time
from apptheory import App

app = App(websocket_support=True)

@app.websocket("$connect")
def on_connect(ctx):
    return None

@app.websocket("$disconnect")
def on_disconnect(ctx):
    return None

@app.websocket("$default")
def on_default(ctx):
    ws = ctx.as_websocket()
    text = ws.text()
    if text == "crash":
        os._exit(3)
    if text == "sleep":
        time.sleep(10)
    if text == "env":
        keys = ["AWS_LAMBDA_RUNTIME_API", "APPTHEORY_WS_MANAGEMENT_ENDPOINT", "_HANDLER", "AWS_REGION",
                "AWS_LAMBDA_FUNCTION_NAME", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]
        ws.send_json_message({k: os.environ.get(k, "") for k in keys})
        return None
    ws.send_message(f"echo:{text}:{os.getpid()}")

def handler(event, context):
    if event.get("body") == "raise":
        raise RuntimeError("a Lambda error, not an app error")
    return app.handle(event, context)
"""


def arun(coro: Coroutine[Any, Any, Any], timeout: float = 60.0) -> Any:
    return asyncio.run(asyncio.wait_for(coro, timeout))


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def handler_file(tmp_path: Path) -> Path:
    path = tmp_path / "child_app.py"
    path.write_text(HANDLER_SOURCE, encoding="utf-8")
    return path


def child_invoker(handler_file: Path, **kwargs: Any) -> RuntimeApiInvoker:
    return RuntimeApiInvoker([sys.executable, str(CHILD), f"{handler_file}:handler"], routes=ROUTES, **kwargs)


def test_child_handles_events_reaches_the_gateway_and_is_reaped(handler_file: Path) -> None:
    invoker = child_invoker(handler_file)
    with GatewayThread(invoker) as gw:
        pids = list(invoker.pids)
        ports = list(invoker.runtime_ports)

        async def scenario() -> tuple[str, dict[str, str]]:
            async with connect(gw.ws_url) as ws:
                await ws.send("hello")
                echo = await asyncio.wait_for(ws.recv(), 20)
                await ws.send("env")
                env = json.loads(await asyncio.wait_for(ws.recv(), 20))
            return str(echo), env

        echo, env = arun(scenario())
        assert echo == f"echo:hello:{pids[0]}"
        assert env["AWS_LAMBDA_RUNTIME_API"] == f"127.0.0.1:{ports[0]}"
        assert env["APPTHEORY_WS_MANAGEMENT_ENDPOINT"] == gw.management_endpoint
        assert env["_HANDLER"] == "handler"
        assert env["AWS_LAMBDA_FUNCTION_NAME"] == "apptheory-dev"
        assert env["AWS_REGION"]
        assert env["AWS_ACCESS_KEY_ID"]
        assert env["AWS_SECRET_ACCESS_KEY"]
        record = gw.wait_for_invocation("$disconnect")
        assert record.disconnect_status_code == 1000
        assert record.error is None
    assert not alive(pids[0])
    assert not listening(ports[0])


def test_lambda_error_crash_and_timeout_fail_the_invocation_and_the_child_comes_back(handler_file: Path) -> None:
    invoker = child_invoker(handler_file, timeout=5.0)  # generous: restarts happen in between
    with GatewayThread(invoker) as gw:
        first_pid = invoker.pids[0]

        async def scenario() -> list[Any]:
            replies: list[Any] = []
            async with connect(gw.ws_url) as ws:
                for text in ("raise", "crash", "again", "sleep", "after"):
                    await ws.send(text)
                    replies.append(await asyncio.wait_for(ws.recv(), 30))
            return replies

        raised, crashed, again, slept, after = arun(scenario())
        for reply in (raised, crashed, slept):
            assert json.loads(reply)["message"] == "Internal server error"
        assert again.startswith("echo:again:")
        assert after.startswith("echo:after:")
        pid_again = int(again.rsplit(":", 1)[1])
        pid_after = int(after.rsplit(":", 1)[1])
        assert pid_again != first_pid  # restarted after the crash
        assert pid_after != pid_again  # killed on timeout, restarted
        errors = [r.error for r in gw.invocations("$default") if r.error]
        assert errors == ["handler error: Unhandled.RuntimeError", "process exited", "timeout"]


def test_init_error_fails_invocations_within_the_timeout(tmp_path: Path) -> None:
    broken = tmp_path / "broken.py"
    broken.write_text("raise ImportError('missing dependency')\n", encoding="utf-8")
    invoker = RuntimeApiInvoker([sys.executable, str(CHILD), f"{broken}:handler"], routes=ROUTES, timeout=1.0)
    with GatewayThread(invoker) as gw:

        async def scenario() -> int:
            try:
                async with connect(gw.ws_url):
                    return 101
            except InvalidStatus as err:
                return err.response.status_code

        started = time.monotonic()
        assert arun(scenario()) == 500
        assert time.monotonic() - started < 5


def test_runtime_api_protocol_as_a_runtime_sees_it() -> None:
    """The test plays the runtime: GET next, headers, a chunked POST response, unknown ids."""
    invoker = RuntimeApiInvoker(
        [sys.executable, "-c", "import time; time.sleep(60)"], routes=frozenset({"$connect"}), timeout=10
    )
    with GatewayThread(invoker) as gw:
        api = f"http://127.0.0.1:{invoker.runtime_ports[0]}/2018-06-01/runtime"
        outcome: dict[str, Any] = {}

        def client() -> None:
            async def go() -> None:
                try:
                    async with connect(gw.ws_url + "?token=1"):
                        outcome["status"] = 101
                except InvalidStatus as err:
                    outcome["status"] = err.response.status_code

            arun(go(), 20)

        thread = threading.Thread(target=client)
        thread.start()
        with urllib.request.urlopen(f"{api}/invocation/next", timeout=10) as response:
            headers = response.headers
            event = json.loads(response.read())
        request_id = headers["Lambda-Runtime-Aws-Request-Id"]
        assert event["requestContext"]["routeKey"] == "$connect"
        assert event["queryStringParameters"] == {"token": "1"}
        assert int(headers["Lambda-Runtime-Deadline-Ms"]) > time.time() * 1000
        assert headers["Lambda-Runtime-Invoked-Function-Arn"].startswith("arn:aws:lambda:")
        assert headers["Lambda-Runtime-Trace-Id"].startswith("Root=1-")

        with pytest.raises(urllib.error.HTTPError) as unknown:
            urllib.request.urlopen(
                urllib.request.Request(f"{api}/invocation/not-a-request/response", data=b"{}", method="POST"),
                timeout=10,
            )
        assert unknown.value.code == 400

        # A chunked response body, as aws-lambda-go sends for streamed responses.
        body = json.dumps({"statusCode": 403, "body": "no"}).encode()
        raw = (
            (
                f"POST /2018-06-01/runtime/invocation/{request_id}/response HTTP/1.1\r\n"
                f"Host: 127.0.0.1\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n"
            ).encode()
            + f"{len(body[:10]):x}\r\n".encode()
            + body[:10]
            + b"\r\n"
        )
        raw += f"{len(body[10:]):x}\r\n".encode() + body[10:] + b"\r\n0\r\n\r\n"
        with socket.create_connection(("127.0.0.1", invoker.runtime_ports[0]), timeout=10) as sock:
            sock.sendall(raw)
            assert sock.recv(4096).startswith(b"HTTP/1.1 202 ")
        thread.join(20)
        assert outcome["status"] == 403
