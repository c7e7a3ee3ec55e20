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


# ---- one-line errors, --factory, the bound address (issue 13) ---------------------------------------


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr  # no traceback, no usage block
    assert lines[0].startswith("apptheory dev: ")
    return lines[0]


def test_no_argument_says_what_to_give() -> None:
    line = one_line_error(run("dev"))
    assert "nothing to run" in line
    assert "module:attr" in line
    assert "--cmd COMMAND" in line
    assert "not both" not in line


def test_a_missing_module_is_one_line() -> None:
    line = one_line_error(run("dev", "nosuchmodule:app"))
    assert "no module named 'nosuchmodule'" in line


@pytest.mark.parametrize("port", ["99999", "-1"])
def test_a_port_out_of_range_is_one_line(port: str) -> None:
    line = one_line_error(run("dev", "examples/chat/python/app.py:app", "--port", port))
    assert f"--port {port} is not a TCP port" in line


def test_a_missing_attribute_lists_the_apps_in_the_module() -> None:
    line = one_line_error(run("dev", "examples/chat/python/app.py:chat"))
    assert "has no 'chat'" in line
    assert "Apps in it: app" in line


def test_a_factory_without_factory_flag_is_refused_with_a_hint() -> None:
    line = one_line_error(run("dev", "examples/chat/python/app.py:create_app"))
    assert "neither an App nor a Lambda handler" in line
    assert "--factory" in line


def test_an_attribute_that_is_not_callable_is_refused() -> None:
    line = one_line_error(run("dev", "examples/chat/python/app.py:MAX_TEXT"))
    assert "neither an App nor a Lambda handler" in line


def write_module(tmp_path: Path, source: str) -> str:
    path = tmp_path / "factory_mod.py"
    path.write_text(source, encoding="utf-8")
    return str(path)


def test_load_app_factory_calls_it_and_returns_the_apps_handler(tmp_path: Path) -> None:
    from apptheory.dev.cli import load_app

    path = write_module(
        tmp_path,
        "from apptheory import App\n"
        "calls = []\n"
        "def create_app():\n"
        "    calls.append(1)\n"
        "    app = App()\n"
        "    app.websocket('$connect', lambda ctx: None)\n"
        "    return app\n"
        "def not_an_app():\n"
        "    return {'statusCode': 200}\n"
        "def needs_args(rooms):\n"
        "    return App()\n"
        "def handler(event, context):\n"
        "    return {'statusCode': 200}\n",
    )
    handler, routes = load_app(f"{path}:create_app", factory=True)
    assert routes == frozenset({"$connect"})
    assert callable(handler)
    _, routes2 = load_app(path, factory=True)  # default attribute with --factory: create_app
    assert routes2 == frozenset({"$connect"})
    plain, none = load_app(f"{path}:handler")
    assert none is None
    assert plain({}, None) == {"statusCode": 200}

    from apptheory.dev.cli import LoadError

    with pytest.raises(LoadError, match=r"returned a dict, not an App"):
        load_app(f"{path}:not_an_app", factory=True)
    with pytest.raises(LoadError, match="cannot be called with no arguments"):
        load_app(f"{path}:needs_args", factory=True)
    with pytest.raises(LoadError, match="not a function that returns an App"):
        load_app(f"{path}:calls", factory=True)


def test_factory_flag_serves_the_app_it_returns() -> None:
    process, banner = start(
        [sys.executable, "-m", "apptheory", "dev", "examples/chat/python/app.py:create_app", "--factory", "--port", "0"]
    )
    try:
        assert re.search(r"routes\s+\$connect, \$default, \$disconnect", banner), banner
    finally:
        code, err = interrupt(process)
    assert code == 0, err


def test_a_port_in_use_is_one_line() -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run("dev", "examples/chat/python/app.py:app", "--port", str(port))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert f"port {port} on 127.0.0.1 is already in use" in lines[0]


def test_a_non_loopback_host_is_announced_before_listening_with_the_bound_address() -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "apptheory",
            "dev",
            "examples/chat/python/app.py:app",
            "--host",
            "0.0.0.0",
            "--port",
            "0",
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line or line.startswith("Ctrl-C to stop"):
                break
            lines.append(line)
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=30)
    text = "".join(lines)
    warning = next(i for i, line in enumerate(lines) if "is not loopback" in line)
    listening = next(i for i, line in enumerate(lines) if "listening on" in line)
    assert warning < listening, text
    assert "management API" in lines[warning]
    assert re.search(r"listening on http://0\.0\.0\.0:\d+ ", lines[listening]), text
