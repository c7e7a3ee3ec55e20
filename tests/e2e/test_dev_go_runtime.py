"""Go, unmodified: an aws-lambda-go binary under `apptheory dev --cmd`, using aws-sdk-go-v2 against the gateway."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from harness import ROOT, pid_alive
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from apptheory.dev.runtime_api import RuntimeApiInvoker
from apptheory.dev.testing import GatewayThread

GO_ECHO = ROOT / "tests" / "e2e" / "go_echo"


@pytest.fixture(scope="module")
def go_binary(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("go") is None:
        pytest.skip("the Go toolchain is not installed")
    binary = tmp_path_factory.mktemp("go") / "echo"
    subprocess.run(
        ["go", "build", "-mod=readonly", "-o", str(binary), "."],
        cwd=GO_ECHO,
        check=True,
        timeout=600,
        env={**os.environ, "CGO_ENABLED": "0"},
    )
    return binary


def test_aws_lambda_go_binary_and_aws_sdk_go_v2_against_the_gateway(go_binary: Path) -> None:
    invoker = RuntimeApiInvoker([str(go_binary)], timeout=10)
    with GatewayThread(invoker, route_responses=True) as gw:
        pid = invoker.pids[0]

        async def scenario() -> tuple[int, bytes, str, dict[str, object], int | None]:
            with pytest.raises(InvalidStatus) as rejected:
                async with connect(gw.ws_url):
                    pass
            async with connect(gw.ws_url + "?token=go") as ws:
                await ws.send('{"action":"hello","n":1}')
                via_sdk = str(await asyncio.wait_for(ws.recv(), 20))  # PostToConnection from the handler
                reply = json.loads(await asyncio.wait_for(ws.recv(), 20))  # the route response
                await ws.send("delete-me")  # DeleteConnection from the handler: the client sees the close
                with pytest.raises(ConnectionClosed) as closed:
                    await asyncio.wait_for(ws.recv(), 20)
            response = rejected.value.response
            code = closed.value.rcvd.code if closed.value.rcvd else None
            return response.status_code, bytes(response.body), via_sdk, reply, code

        status, body, via_sdk, reply, close_code = asyncio.run(asyncio.wait_for(scenario(), 60))
        assert (status, body) == (401, b"a token query parameter is required")
        connect_record = gw.invocations("$connect")[-1]
        assert connect_record.status == 200  # the handler saw GoneException when it sent during $connect
        assert via_sdk == 'sdk:{"action":"hello","n":1}'
        assert reply == {
            "route": "hello",  # no --routes: any action value is a route key
            "eventType": "MESSAGE",
            "connectionId": connect_record.connection_id,
            "stage": "local",
            "body": '{"action":"hello","n":1}',
            "requestId": reply["requestId"],
            "deadline": True,
            "sourceIp": "127.0.0.1",
            "connectedAt": True,
        }
        assert reply["requestId"]  # the Runtime API's Lambda-Runtime-Aws-Request-Id reached the handler
        assert close_code == 1000
        record = gw.wait_for_invocation("$disconnect")
        assert record.status == 200
        assert record.disconnect_status_code == 1000
    assert not pid_alive(pid)
