"""How the gateway runs handlers: in this process (a Python app) or through the Lambda Runtime API."""

from __future__ import annotations

import asyncio
import base64
import os
import time
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

FUNCTION_NAME = "apptheory-dev"
ACCOUNT_ID = "000000000000"


class InvokeError(Exception):
    """The integration failed: the handler raised, crashed, or timed out (API Gateway answers 500)."""

    def __init__(self, kind: str, error_type: str = "") -> None:
        super().__init__(f"{kind}: {error_type}" if error_type else kind)
        self.kind = kind
        self.error_type = error_type


@dataclass(slots=True)
class InvokeResult:
    """A handler's proxy response, normalized: status, lower-cased headers, body bytes."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


def normalize_result(value: object) -> InvokeResult:
    """API Gateway's reading of a Lambda result: a proxy dict, or anything else as a bare 200."""
    if not isinstance(value, Mapping) or "statusCode" not in value:
        return InvokeResult()
    status = value.get("statusCode")
    if isinstance(status, str) and status.isdigit():
        status = int(status)
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        raise InvokeError("malformed response", "statusCode")
    headers: dict[str, str] = {}
    for key, values in (value.get("multiValueHeaders") or {}).items():
        if isinstance(values, list) and values:
            headers[str(key).lower()] = ",".join(str(v) for v in values)
    for key, item in (value.get("headers") or {}).items():
        headers[str(key).lower()] = str(item)
    raw_body = value.get("body")
    body = b""
    if isinstance(raw_body, str):
        if value.get("isBase64Encoded") is True:
            try:
                body = base64.b64decode(raw_body, validate=True)
            except ValueError:
                raise InvokeError("malformed response", "body") from None
        else:
            body = raw_body.encode("utf-8")
    return InvokeResult(status, headers, body)


class Invoker(Protocol):
    """Runs one event through the app. `routes` is the set of route keys the API defines (None: any)."""

    @property
    def routes(self) -> frozenset[str] | None: ...

    async def start(self, env: Mapping[str, str]) -> None: ...

    async def invoke(self, event: dict[str, Any]) -> InvokeResult: ...

    async def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class LambdaContext:
    """The Lambda context object an in-process handler receives (the fields Python handlers read)."""

    aws_request_id: str
    deadline_ms: int
    function_name: str = FUNCTION_NAME
    function_version: str = "$LATEST"
    invoked_function_arn: str = f"arn:aws:lambda:us-east-1:{ACCOUNT_ID}:function:{FUNCTION_NAME}"
    memory_limit_in_mb: str = "128"
    log_group_name: str = f"/aws/lambda/{FUNCTION_NAME}"
    log_stream_name: str = "local"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self.deadline_ms - time.time_ns() // 1_000_000)


def app_routes(target: object) -> frozenset[str] | None:
    """The route keys an AppTheory App registered (its default handler counts as `$default`).

    Reads the App's registration table without adding API to the runtime; None when `target` is not an App.
    """
    app = getattr(target, "__self__", target)  # `app.handle` is as good as `app`
    routes = getattr(app, "_routes", None)
    if not isinstance(routes, dict) or not hasattr(app, "handle"):
        return None
    keys = {k for k in routes if isinstance(k, str)}
    if getattr(app, "_default_handler", None) is not None:
        keys.add("$default")
    return frozenset(keys)


class InProcessInvoker:
    """Calls a Python handler `(event, context)` in a worker thread, so a handler's synchronous
    management call back into this gateway never blocks the event loop."""

    def __init__(
        self,
        handler: Callable[[dict[str, Any], Any], object],
        *,
        routes: frozenset[str] | None = None,
        timeout: float = 29.0,
        threads: int = 16,
    ) -> None:
        self._handler = handler
        self._routes = routes
        self._timeout = timeout
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="apptheory-dev-handler")
        self._saved_env: dict[str, str | None] = {}

    @property
    def routes(self) -> frozenset[str] | None:
        return self._routes

    async def start(self, env: Mapping[str, str]) -> None:
        """Point the in-process app at the gateway (restored by `close`)."""
        for key, value in env.items():
            self._saved_env.setdefault(key, os.environ.get(key))
            os.environ[key] = value

    async def invoke(self, event: dict[str, Any]) -> InvokeResult:
        context = LambdaContext(str(uuid.uuid4()), time.time_ns() // 1_000_000 + int(self._timeout * 1000))
        loop = asyncio.get_running_loop()
        try:
            future = loop.run_in_executor(self._pool, self._handler, event, context)
        except RuntimeError:  # the pool is shut down: the gateway is stopping
            raise InvokeError("shutting down") from None
        try:
            value = await asyncio.wait_for(asyncio.shield(future), self._timeout)
        except TimeoutError:
            raise InvokeError("timeout") from None  # the thread runs on; its result is dropped, as Lambda's is
        except Exception as err:
            raise InvokeError("handler error", type(err).__name__) from err
        return normalize_result(value)

    async def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved_env.clear()
