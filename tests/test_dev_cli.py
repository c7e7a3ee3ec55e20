"""`apptheory dev` as a command: help, argument errors, import cost, Ctrl-C, scripts/dev-chat."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "apptheory", *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )


def test_help_lists_dev_and_generate_check_are_unchanged() -> None:
    top = run("--help")
    assert top.returncode == 0
    assert "dev" in top.stdout
    assert "generate" in top.stdout
    assert "check" in top.stdout
    dev = run("dev", "--help")
    assert dev.returncode == 0
    assert "--cmd" in dev.stdout
    assert "--idle-timeout" in dev.stdout
    assert run("check", "--help").returncode == 0  # generate/check parse as before (drift is not this test's business)


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["examples/chat/python/app.py:app", "--cmd", "true"],
        ["examples/chat/python/app.py", "--timeout", "0"],
        ["examples/chat/python/app.py", "--allow-origin", "evil.example"],
        ["examples/chat/python/app.py", "--allow-origin", "https://app.example.com/path"],
        ["examples/chat/python/app.py", "--send-queue-bytes", "1000"],
    ],
)
def test_bad_arguments_exit_2(args: list[str]) -> None:
    result = run("dev", *args)
    assert result.returncode == 2
    assert "apptheory dev" in result.stderr


def test_missing_app_file_is_a_clear_error() -> None:
    result = run("dev", "nope/missing.py:app", "--port", "0")
    assert result.returncode != 0
    assert "no such file" in result.stderr


def test_missing_command_is_a_clear_error() -> None:
    result = run("dev", "--cmd", "/nonexistent/handler-binary", "--port", "0")
    assert result.returncode == 1
    assert "cannot start '/nonexistent/handler-binary'" in result.stderr


def test_importing_the_runtime_does_not_load_the_gateway() -> None:
    probe = (
        "import sys, apptheory, apptheory.testkit, apptheory_codegen.cli\n"
        "print(sorted(m for m in sys.modules if m.startswith(('websockets', 'apptheory.dev'))))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "[]"


def start(args: list[str], env: dict[str, str] | None = None) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        args,
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    banner = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        banner.append(line)
        if line.startswith("Ctrl-C to stop"):
            return process, "".join(banner)
    process.kill()
    raise AssertionError("no banner:\n" + "".join(banner) + (process.stderr.read() if process.stderr else ""))


def running(pid: int) -> bool:
    """Alive and not a zombie (an orphan's zombie is reaped by init, which may take a moment)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "State:\tZ" not in status


def interrupt(process: subprocess.Popen[str]) -> tuple[int, str]:
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=30)
    return process.returncode, err


def test_dev_chat_script_prints_how_to_connect_and_stops_on_ctrl_c() -> None:
    process, banner = start([str(ROOT / "scripts/dev-chat"), "--port", "0"])
    try:
        match = re.search(r"page\s+(http://127\.0\.0\.1:(\d+)/\?token=dev&room=lobby)", banner)
        assert match, banner
        assert re.search(
            r"try\s+\S*python\S* -m websockets 'ws://127\.0\.0\.1:\d+/local\?token=dev&room=lobby'", banner
        )
        assert '{"action":"say","text":"hello"}' in banner
        with urllib.request.urlopen(match.group(1), timeout=10) as response:
            page = response.read().decode()
        assert "AppTheory chat" in page
        assert f"ws://127.0.0.1:{match.group(2)}/local" in page
    finally:
        code, err = interrupt(process)
    assert code == 0, err
    assert "stopped" in err


def test_cmd_children_are_reaped_on_ctrl_c(tmp_path: Path) -> None:
    child = tmp_path / "child.py"
    # A child that ignores SIGTERM and spawns a grandchild: the whole process group must still go.
    child.write_text(
        "import signal, subprocess, sys, time\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "g = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\n"
        "print('grandchild', g.pid, flush=True)\n"
        "time.sleep(600)\n",
        encoding="utf-8",
    )
    process, _banner = start(
        [sys.executable, "-m", "apptheory", "dev", "--port", "0", "--log", "json", "--cmd", f"{sys.executable} {child}"]
    )
    assert process.stdout is not None
    grandchild = None
    deadline = time.monotonic() + 30
    while grandchild is None and time.monotonic() < deadline:
        found = re.match(r"grandchild (\d+)", process.stdout.readline())
        grandchild = int(found.group(1)) if found else None
    assert grandchild is not None
    code, err = interrupt(process)
    assert code == 0, err
    worker = int(re.search(r"started worker 0: pid (\d+)", err).group(1))  # type: ignore[union-attr]
    deadline = time.monotonic() + 10
    while any(running(pid) for pid in (worker, grandchild)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not running(worker)
    assert not running(grandchild)
    for line in err.splitlines():
        if line.startswith("{"):
            json.loads(line)  # the JSON log is one record per line


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_logs_never_carry_bodies_or_tokens(log_format: str) -> None:
    import asyncio

    from websockets.asyncio.client import connect

    process, banner = start(
        [
            sys.executable,
            "-m",
            "apptheory",
            "dev",
            "examples/chat/python/app.py:app",
            "--port",
            "0",
            "--verbose",
            "--log",
            log_format,
        ],
        env={"CONNECTIONS_TABLE": ""},
    )
    try:
        ws_url = re.search(r"WebSocket\s+(ws://\S+)", banner).group(1)  # type: ignore[union-attr]

        async def chat() -> None:
            async with connect(f"{ws_url}?token=SECRET-TOKEN-1&room=logs") as ws:
                await ws.send(json.dumps({"action": "say", "text": "SECRET-BODY-2"}))
                await asyncio.wait_for(ws.recv(), 10)
                await ws.send("SECRET-BODY-3 not json")
                await asyncio.wait_for(ws.recv(), 10)
                await ws.send(b"SECRET-BODY-4")
                await asyncio.wait_for(ws.recv(), 10)

        asyncio.run(asyncio.wait_for(chat(), 30))
    finally:
        code, err = interrupt(process)
    assert code == 0, err
    assert "say" in err  # the invocations are logged...
    assert "management" in err or "POST" in err  # ...and so are management calls with --verbose
    assert "SECRET" not in err  # ...but never bodies or query strings
    assert "SECRET" not in banner
