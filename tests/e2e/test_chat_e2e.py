"""The chat example end to end, on the real `apptheory dev` CLI, with real WebSocket clients.

One scenario, run against every implementation in TARGETS (adding a language is one entry):

1. a connect without `token` is rejected with 401;
2. three clients in one room each say 5 messages concurrently: everyone receives all 15 exactly
   once, each sender's messages in the order sent;
3. a client closes (1000, "bye"): `$disconnect` arrives with that code and reason, the management API
   answers 410 GoneException for it (boto3 and raw HTTP), and the room keeps working without it;
4. Ctrl-C: the gateway closes the others with 1001 (their `$disconnect` arrives), exits 0, frees
   its port, and reaps its child processes.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import shlex
import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from harness import ROOT, DevServer, pid_alive
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from apptheory import GoneError
from apptheory.streamer import new_client

CHAT_ROUTES = "$connect,$disconnect,$default,say"
MESSAGES_PER_CLIENT = 5
RECEIVE_TIMEOUT = 30.0


@dataclass(frozen=True)
class Target:
    """One implementation of the chat example: how to get the `apptheory dev` arguments that run it."""

    name: str
    args: Callable[[Path], list[str]]
    requires: str | None = None  # a path under the repo that must exist (the example is not there yet: skip)
    tool: str | None = None  # an executable that must be on PATH


def _go_args(tmp: Path) -> list[str]:
    binary = tmp / "chat"
    subprocess.run(  # an unmodified aws-lambda-go binary
        ["go", "build", "-o", str(binary), "."], cwd=ROOT / "examples/chat/go", check=True, timeout=600
    )
    return ["--cmd", str(binary), "--routes", CHAT_ROUTES]


def _newest(*paths: Path) -> float:
    """The newest modification time among files (folders: every file under them); 0 when none exist."""
    times = [0.0]
    for path in paths:
        files = [f for f in path.rglob("*") if f.is_file()] if path.is_dir() else [path]
        times.extend(f.stat().st_mtime for f in files if f.exists())
    return max(times)


def _ts_args(tmp: Path) -> list[str]:
    """The TS chat: dist/local.mjs (the Runtime API loop) loading dist/chat.mjs (the Lambda bundle).

    Builds what is missing or older than its sources, else reuses it: the generated package
    (`npm ci`, `npm run build` in generated/ts), then the chat (`npm ci`, `npm run build`).
    """
    if shutil.which("npm") is None:
        pytest.fail("npm is required for the ts chat example")
    package, chat = ROOT / "generated/ts", ROOT / "examples/chat/ts"

    def npm(cwd: Path, *args: str) -> None:
        subprocess.run(["npm", *args], cwd=cwd, check=True, timeout=600)

    for folder in (package, chat):
        installed = folder / "node_modules" / ".package-lock.json"
        if not installed.exists() or installed.stat().st_mtime < _newest(folder / "package-lock.json"):
            npm(folder, "ci", "--no-audit", "--no-fund")
    compiled = package / "dist" / "src" / "runtime-api.js"
    if not compiled.exists() or compiled.stat().st_mtime < _newest(package / "src", package / "package.json"):
        npm(package, "run", "build")
    bundles = [chat / "dist" / "chat.mjs", chat / "dist" / "local.mjs"]
    sources = (chat / "src", chat / "build.mjs", chat / "package-lock.json", package / "dist" / "src")
    if not all(b.exists() for b in bundles) or min(b.stat().st_mtime for b in bundles) < _newest(*sources):
        npm(chat, "run", "build")
    return ["--cmd", "node examples/chat/ts/dist/local.mjs", "--routes", CHAT_ROUTES]


TARGETS = [
    Target("python", lambda tmp: ["examples/chat/python/app.py:app"]),
    Target(
        "python-runtime-api",
        lambda tmp: [
            "--cmd",
            shlex.join([sys.executable, "tests/e2e/lambda_child.py", "examples/chat/python/app.py:handler"]),
            "--routes",
            CHAT_ROUTES,
        ],
    ),
    Target("go", _go_args, tool="go"),  # examples/chat/go is in the repository: never skipped, fails without go
    Target("ts", _ts_args, tool="node"),  # examples/chat/ts is in the repository: never skipped, fails without node
]


async def receive_messages(ws: ClientConnection, count: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    while len(out) < count:
        message = json.loads(await asyncio.wait_for(ws.recv(), RECEIVE_TIMEOUT))
        if message.get("type") == "message":
            out.append(message)
    return out


def management_status(port: int, connection_id: str) -> tuple[int, str | None]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        # The gateway takes SigV4-shaped requests only (the signature itself is not checked).
        signed = {"Authorization": "AWS4-HMAC-SHA256 Credential=AKIDTEST/20260101/us-east-1/execute-api/aws4_request"}
        conn.request("POST", f"/local/@connections/{connection_id}", body=b"hello?", headers=signed)
        response = conn.getresponse()
        response.read()
        return response.status, response.getheader("x-amzn-ErrorType")
    finally:
        conn.close()


@pytest.mark.parametrize("target", TARGETS, ids=[t.name for t in TARGETS])
def test_chat_end_to_end(target: Target, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if target.requires and not (ROOT / target.requires).exists():
        pytest.skip(f"{target.requires} is not in the repository yet")
    if target.tool and shutil.which(target.tool) is None:
        pytest.fail(f"{target.tool} is required for the {target.name} chat example")
    for key, value in (
        ("AWS_ACCESS_KEY_ID", "AKIDTEST"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
        ("AWS_REGION", "us-east-1"),
    ):
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("CONNECTIONS_TABLE", raising=False)

    server = DevServer(target.args(tmp_path), env={"CONNECTIONS_TABLE": ""})
    with server:
        room = f"e2e-{uuid.uuid4().hex[:8]}"
        url = f"{server.ws_url}?token=e2e-token&room={room}"

        async def scenario() -> dict[str, Any]:
            # 1. no token: the handshake is rejected with $connect's status
            with pytest.raises(InvalidStatus) as rejected:
                async with connect(f"{server.ws_url}?room={room}"):
                    pass
            assert rejected.value.response.status_code == 401

            # 2. three clients chat
            names = ("alice", "bob", "carol")
            clients = [await connect(url) for _ in names]
            try:

                async def say_all(ws: ClientConnection, name: str) -> None:
                    for i in range(MESSAGES_PER_CLIENT):
                        await ws.send(json.dumps({"action": "say", "text": f"{name}-{i}"}))

                receivers = [
                    asyncio.ensure_future(receive_messages(ws, MESSAGES_PER_CLIENT * len(names))) for ws in clients
                ]
                await asyncio.gather(*(say_all(ws, name) for ws, name in zip(clients, names, strict=True)))
                received = await asyncio.gather(*receivers)
                ids: dict[str, str] = {}
                for got in received:
                    texts = [m["text"] for m in got]
                    assert len(texts) == len(set(texts)) == MESSAGES_PER_CLIENT * len(names), texts  # exactly once
                    for name in names:
                        mine = [m for m in got if m["text"].startswith(f"{name}-")]
                        assert [m["text"] for m in mine] == [f"{name}-{i}" for i in range(MESSAGES_PER_CLIENT)]
                        assert len({m["from"] for m in mine}) == 1
                        assert {m["room"] for m in mine} == {room}
                        ids.setdefault(name, mine[0]["from"])
                        assert ids[name] == mine[0]["from"]
                assert len(set(ids.values())) == 3

                # 3. alice leaves: $disconnect with her code and reason, then she is gone (410)
                await clients[0].close(1000, "bye")
                record = await asyncio.to_thread(server.wait_for_invocation, "$disconnect", ids["alice"])
                assert (record["disconnectStatusCode"], record["disconnectReason"]) == (1000, "bye")
                assert record["status"] == 200
                status, error_type = await asyncio.to_thread(management_status, server.port, ids["alice"])
                assert (status, error_type) == (410, "GoneException")
                client = new_client(server.management_endpoint)
                with pytest.raises(GoneError) as gone:
                    await asyncio.to_thread(client.post_to_connection, ids["alice"], b"are you there?")
                assert gone.value.status == 410

                # ... and the room still works for the others
                await clients[1].send(json.dumps({"action": "say", "text": "after alice left"}))
                for ws in clients[1:]:
                    (message,) = await receive_messages(ws, 1)
                    assert (message["text"], message["from"]) == ("after alice left", ids["bob"])
                info = await asyncio.to_thread(client.get_connection, ids["carol"])
                assert info.source_ip == "127.0.0.1"

                # 4. Ctrl-C while bob and carol are connected: they see 1001, the process exits 0, port freed
                pids.extend(server.worker_pids())
                await asyncio.to_thread(server.stop)
                for ws in clients[1:]:
                    with pytest.raises(ConnectionClosed) as closed:
                        await asyncio.wait_for(ws.recv(), 10)
                    assert closed.value.rcvd is not None
                    assert closed.value.rcvd.code == 1001
                return ids
            finally:
                for ws in clients:
                    await ws.close()

        pids: list[int] = []
        ids = asyncio.run(asyncio.wait_for(scenario(), 180))
    for name in ("bob", "carol"):
        (record,) = server.invocations("$disconnect", ids[name])
        assert (record["disconnectStatusCode"], record["disconnectReason"]) == (1001, "Going away")
    for pid in pids:
        assert not pid_alive(pid), f"child {pid} still running"
    assert all(r.get("error") is None for r in server.logs() if r.get("event") == "invoke")
    assert "stopped" in "\n".join(server.stderr)
