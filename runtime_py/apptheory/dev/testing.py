"""Run the local gateway in a background thread, for tests that use real clients (sync or async).

    from apptheory.dev.testing import GatewayThread

    with GatewayThread(app, idle_timeout=5) as gw:       # an App, a handler function, or an Invoker
        ...  # connect to gw.ws_url; new_client(gw.management_endpoint); gw.invocations(...)

The gateway gets its own event loop in its own thread (as if it were another process), so a test's
own asyncio loop or blocking boto3 calls never stall it. Leaving the block closes every connection
(their `$disconnect` events run) and frees the port.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import Any

from apptheory.dev.gateway import Gateway, GatewayConfig, InvocationRecord
from apptheory.dev.invoke import InProcessInvoker, Invoker, app_routes

START_TIMEOUT = 15.0
STOP_TIMEOUT = 30.0


class GatewayThread:
    def __init__(
        self,
        target: Any,
        *,
        routes: frozenset[str] | None = None,
        timeout: float = 29.0,
        **config: Any,
    ) -> None:
        if hasattr(target, "invoke") and hasattr(target, "start") and hasattr(target, "close"):
            invoker: Invoker = target
        else:
            keys = routes if routes is not None else app_routes(target)
            handler = getattr(target, "handle", target) if app_routes(target) is not None else target
            invoker = InProcessInvoker(handler, routes=keys, timeout=timeout)
        config.setdefault("port", 0)
        config.setdefault("log_format", "off")
        self.gateway = Gateway(invoker, GatewayConfig(**config))
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._stop: asyncio.Event | None = None

    # ---- addresses ----------------------------------------------------------------------------

    @property
    def port(self) -> int:
        return self.gateway.port

    @property
    def ws_url(self) -> str:
        return self.gateway.ws_url

    @property
    def base_url(self) -> str:
        return self.gateway.base_url

    @property
    def management_endpoint(self) -> str:
        return self.gateway.management_endpoint

    # ---- lifecycle ----------------------------------------------------------------------------

    def __enter__(self) -> GatewayThread:
        self._thread = threading.Thread(target=self._run, name="apptheory-dev-gateway", daemon=True)
        self._thread.start()
        if not self._ready.wait(START_TIMEOUT):
            raise TimeoutError("the gateway did not start")
        if self._error is not None:
            raise self._error
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
            self._thread.join(STOP_TIMEOUT)
            if self._thread.is_alive():
                raise TimeoutError("the gateway did not stop")
            self._thread = None

    def _run(self) -> None:
        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            self._stop = asyncio.Event()
            try:
                await self.gateway.start()
            except BaseException as err:
                self._error = err
                self._ready.set()
                return
            self._ready.set()
            try:
                await self._stop.wait()
            finally:
                await self.gateway.close()

        asyncio.run(main())

    def call(self, fn: Callable[[], Any]) -> Any:
        """Run `fn()` on the gateway's loop and return its result (inspect state safely)."""
        assert self._loop is not None
        result: list[Any] = []
        done = threading.Event()

        def run() -> None:
            try:
                result.append(fn())
            finally:
                done.set()

        self._loop.call_soon_threadsafe(run)
        if not done.wait(10):
            raise TimeoutError("the gateway loop did not answer")
        return result[0] if result else None

    # ---- what happened ------------------------------------------------------------------------

    def invocations(self, route_key: str | None = None, connection_id: str | None = None) -> list[InvocationRecord]:
        records = list(self.gateway.invocations)
        return [
            r
            for r in records
            if (route_key is None or r.route_key == route_key)
            and (connection_id is None or r.connection_id == connection_id)
        ]

    def wait_for_invocation(
        self, route_key: str, connection_id: str | None = None, timeout: float = 10.0
    ) -> InvocationRecord:
        """The first invocation of `route_key` (for `connection_id`), waiting up to `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.invocations(route_key, connection_id)
            if found:
                return found[0]
            if time.monotonic() > deadline:
                raise TimeoutError(f"no {route_key} invocation for {connection_id or 'any connection'}")
            time.sleep(0.02)
