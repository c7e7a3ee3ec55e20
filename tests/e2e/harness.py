"""Run the real `apptheory dev` CLI as a subprocess for end-to-end tests (bounded in time, loopback only)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0
LISTENING = re.compile(r"listening on (http://127\.0\.0\.1:(\d+))")


class DevServer:
    """`apptheory dev ARGS --port 0 --log json`; stdout/stderr collected; SIGINT on exit."""

    def __init__(self, args: Sequence[str], *, env: dict[str, str] | None = None, cwd: Path = ROOT) -> None:
        self.args = list(args)
        self.env = {**os.environ, **(env or {}), "PYTHONUNBUFFERED": "1"}
        self.cwd = cwd
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self._changed = threading.Condition()
        self.process: subprocess.Popen[str] | None = None
        self.port = 0
        self.returncode: int | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/local"

    @property
    def management_endpoint(self) -> str:
        return f"{self.base_url}/local"

    def __enter__(self) -> DevServer:
        command = [sys.executable, "-m", "apptheory", "dev", "--port", "0", "--log", "json", *self.args]
        self.process = subprocess.Popen(
            command,
            cwd=self.cwd,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        for stream, sink in ((self.process.stdout, self.stdout), (self.process.stderr, self.stderr)):
            threading.Thread(target=self._pump, args=(stream, sink), daemon=True).start()
        match = self.wait_until(lambda: next(filter(None, map(LISTENING.search, self.stdout)), None), START_TIMEOUT)
        if match is None:
            self.stop(check=False)
            raise AssertionError(f"apptheory dev did not start:\n{self.output()}")
        self.port = int(match.group(2))
        return self

    def __exit__(self, *exc: object) -> None:
        if self.returncode is None:
            self.stop(check=exc[0] is None)

    def _pump(self, stream: Any, sink: list[str]) -> None:
        for line in stream:
            with self._changed:
                sink.append(line.rstrip("\n"))
                self._changed.notify_all()

    def wait_until(self, probe: Callable[[], Any], timeout: float) -> Any:
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                value = probe()
                if value:
                    return value
                remaining = deadline - time.monotonic()
                if remaining <= 0 or (self.process is not None and self.process.poll() is not None and not value):
                    return probe()
                self._changed.wait(min(remaining, 0.2))

    def logs(self) -> list[dict[str, Any]]:
        """The gateway's JSON log records (invocations etc.) so far."""
        records = []
        for line in list(self.stderr):
            if line.startswith("{"):
                with contextlib.suppress(ValueError):
                    records.append(json.loads(line))
        return records

    def invocations(self, route_key: str, connection_id: str | None = None) -> list[dict[str, Any]]:
        return [
            r
            for r in self.logs()
            if r.get("event") == "invoke"
            and r.get("routeKey") == route_key
            and (connection_id is None or r.get("connectionId") == connection_id)
        ]

    def wait_for_invocation(
        self, route_key: str, connection_id: str | None = None, timeout: float = 15
    ) -> dict[str, Any]:
        found = self.wait_until(lambda: self.invocations(route_key, connection_id), timeout)
        if not found:
            raise AssertionError(f"no {route_key} invocation for {connection_id}:\n{self.output()}")
        return dict(found[0])

    def worker_pids(self) -> list[int]:
        return [int(m.group(1)) for line in self.stderr if (m := re.search(r"started worker \d+: pid (\d+)", line))]

    def output(self) -> str:
        return "--- stdout\n" + "\n".join(self.stdout) + "\n--- stderr\n" + "\n".join(self.stderr[-200:])

    def stop(self, *, check: bool = True) -> int:
        """Ctrl-C (SIGINT) and wait: the exit status must be 0 and the port free."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
                if check:
                    raise AssertionError(f"apptheory dev did not stop on SIGINT:\n{self.output()}") from None
        self.returncode = self.process.returncode
        time.sleep(0.1)  # let the pump threads drain the pipes
        if check:
            assert self.returncode == 0, f"exit status {self.returncode}\n{self.output()}"
            assert port_is_free(self.port), f"port {self.port} still listening"
        return self.returncode


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
