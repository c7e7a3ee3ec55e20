"""`apptheory dev --cmd`: the Lambda Runtime API, served on loopback to handler processes in any language.

Each worker is one child process (one Lambda sandbox) with its own Runtime API port, so an invocation
is always owned by a known process: when it exits or times out, its invocation fails and it is
restarted. Invocations wait in one queue; a child takes the next with `GET .../invocation/next`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import os
import signal
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from apptheory.dev import http as h
from apptheory.dev.invoke import ACCOUNT_ID, FUNCTION_NAME, InvokeError, InvokeResult, normalize_result

API_PREFIX = "/2018-06-01/runtime/"
MAX_RESPONSE_BYTES = 6 * 1024 * 1024  # Lambda's synchronous response limit
KILL_GRACE_SECONDS = 2.0
# A request head must arrive within this of its first byte (408 otherwise). There is no idle limit
# between requests (a child waits as long as its handler runs) and a body gets the invocation timeout.
HEADER_SECONDS = 10.0
log = logging.getLogger("apptheory.dev")


class StartError(RuntimeError):
    """The handler command could not be started (not found, not executable)."""


@dataclass(eq=False)
class Invocation:
    request_id: str
    event: dict[str, Any]
    deadline_ms: int
    future: asyncio.Future[InvokeResult]
    worker: Worker | None = None


@dataclass(eq=False)
class Worker:
    index: int
    server: asyncio.Server | None = None
    port: int = 0
    process: asyncio.subprocess.Process | None = None
    current: Invocation | None = None
    restarts: int = 0
    connections: set[asyncio.Task[None]] = field(default_factory=set)


class RuntimeApiInvoker:
    """Runs handlers in child processes that speak the Lambda Runtime API."""

    def __init__(
        self,
        command: Sequence[str],
        *,
        workers: int = 1,
        timeout: float = 29.0,
        routes: frozenset[str] | None = None,
        host: str = "127.0.0.1",
        runtime_port: int = 0,
        handler_name: str = "handler",
        cwd: str | None = None,
        region: str = "us-east-1",
        header_timeout: float = HEADER_SECONDS,
    ) -> None:
        if not command:
            raise ValueError("--cmd needs a command")
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self._command = list(command)
        self._timeout = timeout
        self._routes = routes
        self._host = host
        self._first_port = runtime_port
        self._handler_name = handler_name
        self._cwd = cwd
        self._region = region
        self._header_timeout = header_timeout
        self._queue: asyncio.Queue[Invocation] = asyncio.Queue()
        self._pending: dict[str, Invocation] = {}
        self._workers = [Worker(i) for i in range(workers)]
        self._env: dict[str, str] = {}
        self._closing = False
        self._monitors: set[asyncio.Task[None]] = set()

    @property
    def routes(self) -> frozenset[str] | None:
        return self._routes

    @property
    def runtime_ports(self) -> list[int]:
        return [w.port for w in self._workers]

    @property
    def pids(self) -> list[int]:
        return [w.process.pid for w in self._workers if w.process is not None]

    # ---- lifecycle ---------------------------------------------------------------------------

    async def start(self, env: Mapping[str, str]) -> None:
        self._env = dict(env)
        for worker in self._workers:
            port = self._first_port + worker.index if self._first_port else 0
            worker.server = await asyncio.start_server(functools.partial(self._serve, worker), self._host, port)
            worker.port = worker.server.sockets[0].getsockname()[1]
        try:
            for worker in self._workers:
                await self._spawn(worker)
        except StartError:
            await self.close()
            raise

    def _child_env(self, worker: Worker) -> dict[str, str]:
        env = dict(os.environ)
        env.update(self._env)
        env.update(
            {
                "AWS_LAMBDA_RUNTIME_API": f"{self._host}:{worker.port}",
                "AWS_LAMBDA_FUNCTION_NAME": FUNCTION_NAME,
                "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
                "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{FUNCTION_NAME}",
                "AWS_LAMBDA_LOG_STREAM_NAME": f"local/worker-{worker.index}",
                "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
                "AWS_EXECUTION_ENV": "AWS_Lambda_apptheory_dev",
                "_HANDLER": self._handler_name,
                "LAMBDA_TASK_ROOT": self._cwd or os.getcwd(),
                "TZ": ":UTC",
            }
        )
        env.setdefault("AWS_REGION", self._region)
        env.setdefault("AWS_DEFAULT_REGION", env["AWS_REGION"])
        return env

    async def _spawn(self, worker: Worker) -> None:
        try:
            worker.process = await asyncio.create_subprocess_exec(
                *self._command,
                env=self._child_env(worker),
                cwd=self._cwd,
                stdin=asyncio.subprocess.DEVNULL,
                start_new_session=True,  # its own process group: the whole tree is stopped on shutdown
            )
        except OSError as err:
            raise StartError(f"cannot start {self._command[0]!r}: {err.strerror or err}") from err
        log.info(
            "started worker %d: pid %d, AWS_LAMBDA_RUNTIME_API=%s:%d",
            worker.index,
            worker.process.pid,
            self._host,
            worker.port,
        )
        task = asyncio.create_task(self._monitor(worker, worker.process))
        self._monitors.add(task)
        task.add_done_callback(self._monitors.discard)

    async def _monitor(self, worker: Worker, process: asyncio.subprocess.Process) -> None:
        code = await process.wait()
        if worker.process is process:
            worker.process = None
        self._fail_current(worker, "process exited")
        if self._closing:
            return
        worker.restarts += 1
        delay = min(5.0, 0.25 * 2 ** min(worker.restarts, 5))
        log.warning("worker %d (pid %d) exited with %s; restarting in %.2fs", worker.index, process.pid, code, delay)
        await asyncio.sleep(delay)
        if not self._closing and worker.process is None:
            await self._spawn(worker)

    def _fail_current(self, worker: Worker, kind: str) -> None:
        inv = worker.current
        worker.current = None
        if inv is not None:
            self._pending.pop(inv.request_id, None)
            if not inv.future.done():
                inv.future.set_exception(InvokeError(kind))

    async def close(self) -> None:
        self._closing = True
        for worker in self._workers:
            if worker.server is not None:
                worker.server.close()
        await asyncio.gather(*(self._stop_process(w) for w in self._workers))
        for worker in self._workers:
            for task in list(worker.connections):
                task.cancel()
            if worker.connections:
                await asyncio.wait(worker.connections, timeout=2)
            if worker.server is not None:
                await worker.server.wait_closed()
        for task in list(self._monitors):
            task.cancel()
        if self._monitors:
            await asyncio.wait(self._monitors, timeout=2)
        for inv in list(self._pending.values()):
            if not inv.future.done():
                inv.future.set_exception(InvokeError("shutting down"))
        self._pending.clear()

    async def _stop_process(self, worker: Worker) -> None:
        process = worker.process
        if process is None or process.returncode is not None:
            return
        _signal_group(process.pid, signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), KILL_GRACE_SECONDS)
        except TimeoutError:
            _signal_group(process.pid, signal.SIGKILL)
            await process.wait()
        # Whatever else the child left in its group (e.g. the binary under `go run`) goes too.
        _signal_group(process.pid, signal.SIGKILL)

    # ---- invoking ----------------------------------------------------------------------------

    async def invoke(self, event: dict[str, Any]) -> InvokeResult:
        if self._closing:
            raise InvokeError("shutting down")
        loop = asyncio.get_running_loop()
        inv = Invocation(
            str(uuid.uuid4()), event, time.time_ns() // 1_000_000 + int(self._timeout * 1000), loop.create_future()
        )
        self._pending[inv.request_id] = inv
        self._queue.put_nowait(inv)
        try:
            return await asyncio.wait_for(asyncio.shield(inv.future), self._timeout)
        except TimeoutError:
            self._pending.pop(inv.request_id, None)
            if not inv.future.done():
                inv.future.cancel()
            worker = inv.worker
            if worker is not None and worker.current is inv and worker.process is not None:
                log.warning("invocation timed out after %ss: stopping worker %d", self._timeout, worker.index)
                worker.current = None
                _signal_group(worker.process.pid, signal.SIGKILL)  # as Lambda ends a timed-out sandbox
            raise InvokeError("timeout") from None

    async def _next_invocation(self, worker: Worker, reader: asyncio.StreamReader) -> Invocation | None:
        """Wait for an invocation, or for the child to hang up (None)."""
        while True:
            get = asyncio.ensure_future(self._queue.get())
            hangup = asyncio.ensure_future(reader.read(1))
            done, _ = await asyncio.wait({get, hangup}, return_when=asyncio.FIRST_COMPLETED)
            if hangup in done:  # EOF (the child is gone) or bytes it should not send while waiting
                if get in done:
                    self._requeue(get.result())
                else:
                    get.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        self._requeue(await get)
                return None
            hangup.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await hangup
            inv = get.result()
            if inv.future.done():  # timed out while queued
                continue
            return inv

    def _requeue(self, inv: Invocation) -> None:
        if not inv.future.done():
            self._queue.put_nowait(inv)

    # ---- the Runtime API ---------------------------------------------------------------------

    async def _serve(self, worker: Worker, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        worker.connections.add(task)
        conn = h.HttpConnection(
            reader, writer, idle_timeout=None, header_timeout=self._header_timeout, body_timeout=self._timeout
        )
        try:
            while True:
                request = await conn.next_request()
                if request is None:
                    return
                body = await conn.read_body(request, MAX_RESPONSE_BYTES)
                response = await self._route(worker, request, body, reader)
                if response is None or not await conn.send(response):
                    return
        except h.HttpError as err:
            with contextlib.suppress(ConnectionError):
                await conn.send_error(
                    h.json_response(err.status, {"errorMessage": err.message, "errorType": "InvalidRequest"})
                )
        except (ConnectionError, asyncio.CancelledError):
            pass
        except Exception:  # a bug must not leave a traceback on asyncio's loop: log it, drop the connection
            log.exception("internal error while serving the Runtime API")
        finally:
            worker.connections.discard(task)
            writer.close()

    async def _route(
        self, worker: Worker, request: h.Request, body: bytes, reader: asyncio.StreamReader
    ) -> h.Response | None:
        path = request.path
        if not path.startswith(API_PREFIX):
            return h.json_response(404, {"errorMessage": "not found", "errorType": "InvalidRequest"})
        rest = path[len(API_PREFIX) :].split("/")
        if request.method == "GET" and rest == ["invocation", "next"]:
            if worker.current is not None:  # asking for the next one completes the current invocation
                self._fail_current(worker, "no response")
            inv = await self._next_invocation(worker, reader)
            if inv is None:
                return None
            inv.worker = worker
            worker.current = inv
            worker.restarts = 0
            payload = json.dumps(inv.event, separators=(",", ":")).encode("utf-8")
            return h.Response(
                200,
                payload,
                [
                    ("Content-Type", "application/json"),
                    ("Lambda-Runtime-Aws-Request-Id", inv.request_id),
                    ("Lambda-Runtime-Deadline-Ms", str(inv.deadline_ms)),
                    (
                        "Lambda-Runtime-Invoked-Function-Arn",
                        f"arn:aws:lambda:{self._region}:{ACCOUNT_ID}:function:{FUNCTION_NAME}",
                    ),
                    (
                        "Lambda-Runtime-Trace-Id",
                        f"Root=1-{inv.deadline_ms // 1000:08x}-{uuid.uuid4().hex[:24]};Sampled=0",
                    ),
                ],
            )
        if request.method == "POST" and rest == ["init", "error"]:
            log.error("worker %d reported an init error (%s)", worker.index, _error_type(request, body))
            return h.json_response(202, {"status": "OK"})
        if request.method == "POST" and len(rest) == 3 and rest[0] == "invocation" and rest[2] in ("response", "error"):
            inv = self._pending.get(rest[1])
            if inv is None or inv.worker is not worker:
                return h.json_response(
                    400, {"errorMessage": "unknown or finished request id", "errorType": "InvalidRequestID"}
                )
            self._pending.pop(inv.request_id, None)
            if worker.current is inv:
                worker.current = None
            if not inv.future.done():
                if rest[2] == "error":
                    inv.future.set_exception(InvokeError("handler error", _error_type(request, body)))
                else:
                    inv.future.set_result(_parse_result(body))
            return h.json_response(202, {"status": "OK"})
        return h.json_response(404, {"errorMessage": "not found", "errorType": "InvalidRequest"})


def _parse_result(body: bytes) -> InvokeResult:
    try:
        value = json.loads(body) if body.strip() else None
    except ValueError:
        return InvokeResult()  # a non-JSON result is not a proxy response: a bare 200
    try:
        return normalize_result(value)
    except InvokeError as err:
        result = InvokeResult(502)
        result.headers["x-apptheory-dev-error"] = str(err)
        return result


def _error_type(request: h.Request, body: bytes) -> str:
    header = request.header("lambda-runtime-function-error-type")
    if header:
        return header
    try:
        value = json.loads(body)
    except ValueError:
        return "Unknown"
    error_type = value.get("errorType") if isinstance(value, dict) else None
    return error_type if isinstance(error_type, str) else "Unknown"


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)
