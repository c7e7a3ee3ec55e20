"""The chat page in headless Chromium (Debian's `chromium`; CI installs it with scripts/install-chromium).

Drives the browser over the DevTools protocol with the websockets library: the page served by
`apptheory dev` joins a room, sends a message that a Python client and the page itself receive, and
shows a message the Python client sends. Loopback only; every wait is bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest
from harness import DevServer
from websockets.asyncio.client import ClientConnection, connect

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--remote-debugging-address=127.0.0.1",
    "--remote-debugging-port=0",
]
STEP_TIMEOUT = 20.0


def find_chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.fail("chromium is not installed: run scripts/install-chromium (Debian's chromium package)")
    return found


class DevTools:
    """A minimal Chrome DevTools Protocol client for one page target."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.ids = itertools.count(1)

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        call_id = next(self.ids)
        await self.ws.send(json.dumps({"id": call_id, "method": method, "params": params}))
        while True:
            message = json.loads(await asyncio.wait_for(self.ws.recv(), STEP_TIMEOUT))
            if message.get("id") == call_id:
                if "error" in message:
                    raise AssertionError(f"{method}: {message['error']}")
                result: dict[str, Any] = message.get("result", {})
                return result

    async def evaluate(self, expression: str) -> Any:
        result = await self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise AssertionError(f"page error: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def wait_for(self, expression: str, timeout: float = STEP_TIMEOUT) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            value = await self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {expression}")
            await asyncio.sleep(0.1)


def start_chromium(profile: Path) -> tuple[subprocess.Popen[bytes], int]:
    process = subprocess.Popen(
        [find_chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own group: the renderer/GPU helpers are stopped with it
    )
    assert process.stderr is not None
    deadline = time.monotonic() + 60
    lines = []
    while time.monotonic() < deadline:
        line = process.stderr.readline().decode(errors="replace")
        if not line and process.poll() is not None:
            break
        lines.append(line)
        match = re.search(r"DevTools listening on ws://127\.0\.0\.1:(\d+)/", line)
        if match:
            return process, int(match.group(1))
    stop_chromium(process)
    raise AssertionError("chromium did not start:\n" + "".join(lines[-30:]))


def stop_chromium(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        pass
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(10)


def test_chat_page_round_trip_in_headless_chromium(tmp_path: Path) -> None:
    room = f"web-{uuid.uuid4().hex[:6]}"
    with DevServer(["examples/chat/python/app.py:app", "--page", "examples/chat/web/index.html"]) as server:
        browser, devtools_port = start_chromium(tmp_path / "profile")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{devtools_port}/json/list", timeout=10) as response:
                targets = json.loads(response.read())
            page_ws = next(t["webSocketDebuggerUrl"] for t in targets if t.get("type") == "page")

            async def scenario() -> None:
                async with connect(page_ws, max_size=None) as cdp_ws:
                    page = DevTools(cdp_ws)
                    await page.call("Page.enable")
                    await page.call("Page.navigate", url=f"{server.base_url}/?room={room}&token=web&autojoin=1")
                    await page.wait_for("document.body && document.body.dataset.state === 'connected'")

                    async with connect(f"{server.ws_url}?token=py&room={room}") as python_client:
                        await page.evaluate(
                            "document.getElementById('text').value = 'hello from chromium';"
                            "document.getElementById('send').click(); true"
                        )
                        while True:  # the Python client in the same room receives the browser's message
                            message = json.loads(await asyncio.wait_for(python_client.recv(), STEP_TIMEOUT))
                            if message.get("type") == "message":
                                break
                        assert message["text"] == "hello from chromium"
                        assert message["room"] == room
                        texts = "[...document.querySelectorAll('#messages li.message .text')].map(e => e.textContent)"
                        await page.wait_for(f"{texts}.includes('hello from chromium')")  # and the page got it back

                        await python_client.send(json.dumps({"action": "say", "text": "hello from python"}))
                        await page.wait_for(f"{texts}.includes('hello from python')")
                        shown = await page.evaluate(texts)
                        assert shown == ["hello from chromium", "hello from python"]
                        shot = await page.call("Page.captureScreenshot", format="png")
                        (tmp_path / "chat.png").write_bytes(__import__("base64").b64decode(shot["data"]))

            asyncio.run(asyncio.wait_for(scenario(), 120))
        finally:
            stop_chromium(browser)
    says = server.invocations("say")
    assert len(says) == 2
    assert all(r["status"] == 200 for r in says)
