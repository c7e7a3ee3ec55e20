"""The App: route registration, middleware and Lambda dispatch for API Gateway WebSocket events."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar, overload

from apptheory import derive
from apptheory.context import Context, WebSocketContext
from apptheory.response import error_response, proxy_for
from apptheory_generated.context import EventError
from apptheory_generated.errors import APP_ERROR_STATUS, AppError, ConfigurationError, Messages
from apptheory_generated.streamer import ManagementClient

if TYPE_CHECKING:
    from apptheory_generated.store import ConnectionStore

Handler = Callable[[Context], object]
Middleware = Callable[[Handler], Handler]
ClientFactory = Callable[[str, str | None], ManagementClient]
H = TypeVar("H", bound=Handler)

LOGGER_NAME = "apptheory"


class UnknownEventError(ValueError):
    """The Lambda event is not one this app handles (not an API Gateway WebSocket event)."""


def is_websocket_event(event: object) -> bool:
    """A WebSocket event has a string requestContext.connectionId and a requestContext.routeKey."""
    if type(event) is not dict and not isinstance(event, Mapping):
        return False
    request_context = event.get("requestContext")
    return (
        (type(request_context) is dict or isinstance(request_context, Mapping))
        and isinstance(request_context.get("connectionId"), str)
        and "routeKey" in request_context
    )


def _default_client_factory(endpoint: str, region: str | None) -> ManagementClient:
    from apptheory.streamer import new_client

    return new_client(endpoint, region)


class App:
    """An AppTheory application; `handle` is the Lambda entry point."""

    def __init__(
        self,
        *,
        websocket_support: bool = False,
        websocket_client_factory: ClientFactory | None = None,
        management_endpoint: str | None = None,
        default_handler: Handler | None = None,
        connection_store: ConnectionStore | None = None,
        auto_connections: bool = False,
    ) -> None:
        if websocket_client_factory is not None and not callable(websocket_client_factory):
            raise TypeError(
                "websocket_client_factory must be callable as f(endpoint, region) -> ManagementClient, "
                f"got {type(websocket_client_factory).__name__}"
            )
        if default_handler is not None and not callable(default_handler):
            raise TypeError(f"default_handler must be callable as h(ctx), got {type(default_handler).__name__}")
        if auto_connections and connection_store is None:
            raise ValueError("auto_connections=True needs a connection_store (e.g. DynamoDBConnectionStore())")
        self.connection_store = connection_store
        # Saves after a 2xx $connect, deletes before $disconnect (Lift's EnableAutoConnectionManagement).
        self._auto_connections = auto_connections
        # A default handler, like a route, only makes sense for WebSocket events: it turns support on.
        self._websocket_support = websocket_support or default_handler is not None
        self._client_factory = websocket_client_factory or _default_client_factory
        self.management_endpoint = management_endpoint
        self._default_handler = default_handler
        self._routes: dict[str, Handler] = {}
        self._middleware: list[Middleware] = []
        self._chains: dict[Handler, Handler] = {}
        self._clients: dict[tuple[str, str | None], ManagementClient] = {}
        self._endpoints: dict[tuple[str, ...], tuple[str, str]] = {}
        self._environment: dict[str, str] | None = None  # read on first use: refresh_environment()
        self._clients_lock = threading.Lock()

    # ---- registration ---------------------------------------------------------------------

    @overload
    def websocket(self, route_key: str) -> Callable[[H], H]: ...

    @overload
    def websocket(self, route_key: str, handler: H) -> H: ...

    def websocket(self, route_key: str, handler: H | None = None) -> H | Callable[[H], H]:
        """Register a handler for a route key; usable directly or as a decorator. Enables WebSocket support."""
        if not isinstance(route_key, str) or not route_key.strip():
            raise ValueError("route key must be a non-empty string such as '$connect', '$default' or 'sendMessage'")

        def register(h: H) -> H:
            if not callable(h):
                raise TypeError(f"handler for route {route_key!r} must be callable")
            if route_key in self._routes:
                raise ValueError(f"route {route_key!r} is already registered")
            self._routes[route_key] = h
            self._websocket_support = True
            return h

        return register if handler is None else register(handler)

    def use(self, middleware: Middleware) -> None:
        """Add middleware `mw(next_handler) -> handler`; the first registered runs outermost."""
        if not callable(middleware):
            raise TypeError("middleware must be callable: mw(next_handler) -> handler")
        self._middleware.append(middleware)
        self._chains.clear()

    def set_default_handler(self, handler: Handler | None) -> None:
        """Handler for route keys with no exact registration (tried before `$default`)."""
        self._default_handler = handler
        if handler is not None:
            self._websocket_support = True
        self._chains.clear()

    @property
    def websocket_support(self) -> bool:
        return self._websocket_support

    # ---- management clients ---------------------------------------------------------------

    def management_client(self, endpoint: str, region: str | None) -> ManagementClient:
        """The one client for this endpoint and region, created on first use and reused."""
        key = (endpoint, region)
        client = self._clients.get(key)
        if client is None:
            with self._clients_lock:
                client = self._clients.get(key)
                if client is None:
                    client = self._client_factory(endpoint, region)
                    self._clients[key] = client
        return client

    def refresh_environment(self) -> None:
        """Re-read the environment variables the endpoint and region come from (read once, on first use).

        Lambda's environment never changes within a process, so the runtime reads APPTHEORY_WS_MANAGEMENT_ENDPOINT,
        AWS_REGION and AWS_DEFAULT_REGION once; a test that changes them between events calls this.
        """
        self._environment = None
        self._endpoints.clear()

    def resolve_endpoint(self, domain_name: str, stage: str, api_id: str, path: str) -> tuple[str, str]:
        """(management endpoint, region) for an event's fields, memoized per distinct input."""
        key = (domain_name, stage, api_id, path)
        resolved = self._endpoints.get(key)
        if resolved is None:
            env = self._environment
            if env is None:
                env = self._environment = {
                    name: os.environ.get(name, "") for name in (derive.ENDPOINT_ENV, "AWS_REGION", "AWS_DEFAULT_REGION")
                }
            endpoint = derive.management_endpoint(
                override=self.management_endpoint or "",
                domain_name=domain_name,
                stage=stage,
                api_id=api_id,
                path=path,
                env=env,
            )
            resolved = (endpoint, derive.region(domain_name=domain_name, env=env))
            if len(self._endpoints) < 1024:  # bounded: a warm container sees few distinct APIs
                self._endpoints[key] = resolved
        return resolved

    # ---- dispatch -------------------------------------------------------------------------

    def _route(self, route_key: str) -> Handler | None:
        return self._routes.get(route_key) or self._default_handler or self._routes.get("$default")

    def _chain(self, handler: Handler) -> Handler:
        chain = self._chains.get(handler)
        if chain is None:
            chain = handler
            for middleware in reversed(self._middleware):
                chain = middleware(chain)
            self._chains[handler] = chain
        return chain

    def handle(self, event: Any, lambda_context: Any = None) -> dict[str, Any]:
        """Lambda entry point: dispatch one API Gateway WebSocket event and return the proxy response."""
        if not is_websocket_event(event):
            raise UnknownEventError(
                "unknown event: expected an API Gateway WebSocket event "
                "(requestContext.connectionId string and requestContext.routeKey)"
            )
        if not self._websocket_support:
            raise UnknownEventError(
                "WebSocket event received but WebSocket support is off: use App(websocket_support=True) "
                "or register a route with app.websocket(...)"
            )
        request_id = _request_id(event, lambda_context)
        try:
            websocket = WebSocketContext(self, event, request_id)
        except EventError as err:
            message = getattr(Messages, err.message_name.upper())
            return _app_error_response(message.error(str(err) if err.problem else ""), request_id)
        ctx = Context(event, lambda_context, request_id, websocket)
        handler = self._route(websocket.route_key)
        try:
            if self._auto_connections:
                return self._managed(handler, ctx, websocket)
            if handler is None:
                raise Messages.ROUTE_NOT_FOUND.error()
            chain = handler if not self._middleware else self._chain(handler)
            return proxy_for(chain(ctx))
        except AppError as err:
            return _app_error_response(err, request_id)
        except Exception as err:
            _log_failure(err, request_id, websocket)
            return _app_error_response(Messages.INTERNAL.error(), request_id)

    __call__ = handle

    def _managed(self, handler: Handler | None, ctx: Context, websocket: WebSocketContext) -> dict[str, Any]:
        """Dispatch with the connection store kept in step: save after a 2xx $connect, delete before $disconnect
        (also when no handler matches $disconnect)."""
        from apptheory import lifecycle
        from apptheory_generated.constants import ROUTE_CONNECT, ROUTE_DISCONNECT

        store = self.connection_store
        assert store is not None  # checked in __init__
        route_key = websocket.route_key
        if route_key == ROUTE_DISCONNECT:
            try:
                store.delete(websocket.connection_id)
            except Exception as err:  # the client is gone either way: the handler still runs
                lifecycle.log_store_failure(err, "delete", websocket)
        if handler is None:
            raise Messages.ROUTE_NOT_FOUND.error()
        chain = handler if not self._middleware else self._chain(handler)
        response = proxy_for(chain(ctx))
        if route_key == ROUTE_CONNECT and 200 <= response["statusCode"] < 300:
            try:
                store.save(lifecycle.connection_from_event(websocket))
            except Exception as err:  # an unsaved connection must not be accepted: reject the handshake
                lifecycle.log_store_failure(err, "save", websocket)
                return _app_error_response(Messages.INTERNAL.error(), websocket.request_id)
        return response


def _request_id(event: Mapping[str, Any], lambda_context: Any) -> str:
    rid = event["requestContext"].get("requestId")
    if isinstance(rid, str) and rid.strip():
        return rid.strip()
    rid = getattr(lambda_context, "aws_request_id", None)
    if isinstance(rid, str) and rid.strip():
        return rid.strip()
    import uuid

    return uuid.uuid4().hex


def _app_error_response(err: AppError, request_id: str) -> dict[str, Any]:
    status = err.status if err.status in range(400, 600) else APP_ERROR_STATUS["app.internal"]
    return error_response(err.code, err.message, status, request_id)


def _log_failure(err: Exception, request_id: str, websocket: WebSocketContext) -> None:
    """One structured line per unhandled error: ids and the error type, never bodies or headers."""
    import json
    import logging

    line = {
        "level": "error",
        "message": "unhandled error in WebSocket handler",
        "request_id": request_id,
        "connection_id": websocket.connection_id,
        "route_key": websocket.route_key,
        "error_type": type(err).__name__,
    }
    if isinstance(err, ConfigurationError):  # our own text (what to install or set), never request data
        line["error"] = str(err)
    logging.getLogger(LOGGER_NAME).error(json.dumps(line, sort_keys=True))
