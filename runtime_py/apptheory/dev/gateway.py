"""The local gateway: API Gateway WebSockets, its management API and a page, on one loopback port.

One asyncio process. Every TCP connection starts as HTTP/1.1 (`apptheory.dev.http`, parsed by h11):
a WebSocket upgrade from an allowed Origin is handed to websockets' Sans-I/O `ServerProtocol`
(handshake, framing, limits, closing handshake), anything else is the management API
(`/@connections/{id}`, `/{stage}/@connections/{id}`, SigV4-signed requests without a browser Origin
only) or the page at `/`. Handlers run through an `Invoker` (in-process thread or Runtime API child).

Sends never wait for a client: a management POST (or a handler's reply) is queued on the
connection's transport and answered at once. Each connection's queue (bytes the OS has not taken
yet) is bounded by `send_queue_bytes`; a send over the bound closes that connection with 1008
"send queue full" (and answers 410), so one client that does not read never slows the others.

Per connection, messages are dispatched one at a time in arrival order, so what a sender sends is
handled (and broadcast) in order; `$disconnect` is the last event of a connection. Bodies are never
logged: log lines carry route keys, ids, status codes, close codes and timings only.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import logging
import os
import time
import uuid
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from websockets.datastructures import Headers
from websockets.frames import Frame, Opcode
from websockets.http11 import Request as WsRequest
from websockets.http11 import Response as WsResponse
from websockets.protocol import State
from websockets.server import ServerProtocol

from apptheory.dev import events as ev
from apptheory.dev import http as h
from apptheory.dev.invoke import InvokeError, Invoker, InvokeResult
from apptheory_generated import constants

log = logging.getLogger("apptheory.dev")
_ws_log = logging.getLogger("apptheory.dev.websockets")
_ws_log.setLevel(logging.WARNING)  # websockets logs every open/close at INFO

LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
HTTP_BODY_BYTES = 6 * 1024 * 1024  # request bodies past this are refused with 413 before they are read
INBOX_HIGH_WATER = 64
KEEP_ALIVE_SECONDS = 120.0
HEADER_SECONDS = 10.0
BODY_SECONDS = 30.0
SEND_QUEUE_BYTES = 1024 * 1024
SHUTDOWN_SECONDS = 10.0

# Close codes and reasons the gateway uses (the client sees them; $disconnect reports them).
CLOSE_GOING_AWAY = (1001, "Going away")
CLOSE_DELETED = (1000, "")
# 1008 (policy violation): the client broke the gateway's policy of reading what it is sent. 1009 is
# for messages too big to process, 1011/1013 would blame the server; RFC 6455 names 1008 the generic choice.
CLOSE_QUEUE_FULL = (1008, "send queue full")
NO_STATUS_REASON = "Client-side close frame status not set"
SIGV4_PREFIX = "AWS4-HMAC-SHA256 "


@dataclass(slots=True)
class GatewayConfig:
    host: str = "127.0.0.1"
    port: int = 8747
    stage: str = "local"
    api_id: str = "local"
    region: str = "us-east-1"
    route_selection_expression: str = ev.DEFAULT_ROUTE_SELECTION
    idle_timeout: float = float(constants.IDLE_SECONDS)
    max_duration: float = float(constants.CONNECTION_SECONDS)
    frame_bytes: int = constants.FRAME_BYTES
    message_bytes: int = constants.MESSAGE_BYTES
    close_timeout: float = 2.0
    page: str | None = None  # HTML served at / (default: a generic console)
    page_file: str | None = None  # or a file, read on every request so edits show on reload
    route_responses: bool = False
    log_format: str = "text"  # text | json | off
    allow_origins: tuple[str, ...] = ()  # WebSocket Origins accepted besides loopback ones; "*" for any
    send_queue_bytes: int = SEND_QUEUE_BYTES  # per connection: queued bytes the OS has not taken yet
    keep_alive_timeout: float = KEEP_ALIVE_SECONDS  # an idle HTTP connection is closed after this
    header_timeout: float = HEADER_SECONDS  # a request head must arrive within this of its first byte (else 408)
    body_timeout: float = BODY_SECONDS  # a request body must arrive within this of its head (else 408)
    http_body_bytes: int = HTTP_BODY_BYTES

    @property
    def loopback_only(self) -> bool:
        return self.host in LOOPBACK_NAMES


@dataclass(slots=True)
class InvocationRecord:
    """One handler invocation as the gateway saw it (what the log line says)."""

    route_key: str
    event_type: str
    connection_id: str
    request_id: str
    status: int | None
    error: str | None
    ms: float
    disconnect_status_code: int | None = None
    disconnect_reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "event": "invoke",
            "routeKey": self.route_key,
            "eventType": self.event_type,
            "connectionId": self.connection_id,
            "requestId": self.request_id,
            "status": self.status,
            "ms": round(self.ms, 2),
        }
        if self.error is not None:
            out["error"] = self.error
        if self.disconnect_status_code is not None:
            out["disconnectStatusCode"] = self.disconnect_status_code
            out["disconnectReason"] = self.disconnect_reason
        return out


class SendQueueFull(Exception):
    """A message would take a connection's send queue over its bound: the connection is being closed."""

    def __init__(self, queued: int) -> None:
        super().__init__(f"send queue full ({queued} bytes queued)")
        self.queued = queued


@dataclass(eq=False)
class WsConnection:
    """A client connection: its Sans-I/O protocol, stream, inbox and lifetime bookkeeping."""

    info: ev.ConnectionInfo
    host: str
    protocol: ServerProtocol
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    opened_at: float
    state: str = "connecting"  # connecting | open | gone
    last_inbound: float = 0.0
    last_active_ms: int = 0
    server_close: tuple[int, str] | None = None
    close_deadline: float | None = None
    inbox: asyncio.Queue[tuple[bytes, bool] | None] = field(default_factory=asyncio.Queue)
    inbox_space: asyncio.Event = field(default_factory=asyncio.Event)
    fragments: list[bytes] = field(default_factory=list)
    fragment_text: bool = False

    @property
    def connection_id(self) -> str:
        return self.info.connection_id

    def flush(self) -> None:
        for chunk in self.protocol.data_to_send():
            if chunk:
                self.writer.write(chunk)
            else:  # the protocol asks to close the TCP connection
                self.writer.close()

    @property
    def queued_bytes(self) -> int:
        """Bytes written for this client that the OS has not taken yet (its send queue)."""
        transport = self.writer.transport
        return 0 if transport.is_closing() else transport.get_write_buffer_size()

    def send(self, data: bytes, frame_bytes: int, queue_bytes: int, close_timeout: float) -> None:
        """Queue a message as one or more frames (text when it is UTF-8, else binary), without waiting.

        Over the send queue's bound the message is dropped, the connection closed with 1008 and
        SendQueueFull raised.
        """
        queued = self.queued_bytes
        if queued + len(data) > queue_bytes:
            self.start_close(*CLOSE_QUEUE_FULL, close_timeout)
            raise SendQueueFull(queued)
        try:
            data.decode("utf-8")
            text = True
        except UnicodeDecodeError:
            text = False
        chunks = [data[i : i + frame_bytes] for i in range(0, len(data), frame_bytes)] or [b""]
        last = len(chunks) - 1
        for i, chunk in enumerate(chunks):
            if i == 0:
                if text:
                    self.protocol.send_text(chunk, fin=i == last)
                else:
                    self.protocol.send_binary(chunk, fin=i == last)
            else:
                self.protocol.send_continuation(chunk, fin=i == last)
        self.last_active_ms = ev.now_ms()
        self.flush()

    def start_close(self, code: int, reason: str, close_timeout: float) -> None:
        if self.protocol.state is State.OPEN:
            self.server_close = (code, reason)
            self.protocol.send_close(code, reason)
            self.flush()
            loop = asyncio.get_running_loop()
            self.close_deadline = loop.time() + close_timeout
            # The read loop may be waiting on a client that sends nothing (one that does not read
            # either): end the connection at the deadline from here, which wakes that loop.
            loop.call_later(close_timeout, self._abort_unless_closed)

    def _abort_unless_closed(self) -> None:
        if self.protocol.state is not State.CLOSED:
            self.writer.transport.abort()

    def disconnect_status(self) -> tuple[int, str]:
        """The close code and reason `$disconnect` reports."""
        p = self.protocol
        if self.server_close is not None:
            return self.server_close
        if p.close_rcvd is not None and (p.close_rcvd_then_sent or p.close_sent is None):
            code, reason = p.close_rcvd.code, p.close_rcvd.reason
            return (code, reason) if code != 1005 else (1005, NO_STATUS_REASON)
        if p.close_sent is not None:  # the protocol failed the connection (1009 too big, 1002, 1007)
            return p.close_sent.code, p.close_sent.reason
        return 1006, "Going away"


class Gateway:
    """API Gateway WebSockets on loopback. `async with Gateway(invoker, config) as gw:`."""

    def __init__(self, invoker: Invoker, config: GatewayConfig | None = None) -> None:
        self.invoker = invoker
        self.config = config or GatewayConfig()
        self.selector = ev.RouteSelector(self.config.route_selection_expression, invoker.routes)
        self.connections: dict[str, WsConnection] = {}
        self.invocations: deque[InvocationRecord] = deque(maxlen=10_000)
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._ws_tasks: set[asyncio.Task[Any]] = set()
        self._closing = False
        self.port = 0

    # ---- addresses -----------------------------------------------------------------------------

    @property
    def _url_host(self) -> str:
        host = self.config.host
        if host in ("", "0.0.0.0", "::"):  # noqa: S104 - only for printing a reachable address
            host = "127.0.0.1"
        return f"[{host}]" if ":" in host else host

    @property
    def base_url(self) -> str:
        return f"http://{self._url_host}:{self.port}"

    @property
    def bound_urls(self) -> list[str]:
        """http:// URLs of the addresses actually bound (e.g. http://0.0.0.0:8747 for --host 0.0.0.0)."""
        urls = []
        for sock in self._server.sockets if self._server is not None else ():
            host, port = sock.getsockname()[:2]
            url = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
            if url not in urls:
                urls.append(url)
        return urls or [self.base_url]

    @property
    def ws_url(self) -> str:
        return f"ws://{self._url_host}:{self.port}/{self.config.stage}"

    @property
    def management_endpoint(self) -> str:
        return f"{self.base_url}/{self.config.stage}"

    def lambda_env(self) -> dict[str, str]:
        """What a handler needs to reach this gateway with no configuration (set for in-process apps and children)."""
        env = {"APPTHEORY_WS_MANAGEMENT_ENDPOINT": self.management_endpoint}
        if not os.environ.get("AWS_REGION"):
            env["AWS_REGION"] = self.config.region
        if not os.environ.get("AWS_DEFAULT_REGION"):
            env["AWS_DEFAULT_REGION"] = os.environ.get("AWS_REGION") or self.config.region
        if not os.environ.get("AWS_ACCESS_KEY_ID") and not os.environ.get("AWS_PROFILE"):
            # Dummy credentials: SDKs sign requests, the local management API does not check signatures.
            env.update(
                {
                    "AWS_ACCESS_KEY_ID": "AKIDLOCALAPPTHEORY",
                    "AWS_SECRET_ACCESS_KEY": "apptheory-dev-local-secret",
                    "AWS_SESSION_TOKEN": "apptheory-dev-local-session",
                }
            )
        return env

    # ---- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> Gateway:
        self._server = await asyncio.start_server(self._accept, self.config.host, self.config.port)
        self.port = self._server.sockets[0].getsockname()[1]
        try:
            await self.invoker.start(self.lambda_env())
        except BaseException:
            self._server.close()
            await self._server.wait_closed()
            raise
        return self

    async def close(self) -> None:
        """Close every connection (1001, `$disconnect` for each), stop the invoker, free the port."""
        if self._closing:
            return
        self._closing = True
        if self._server is not None:
            self._server.close()
        for conn in list(self.connections.values()):
            if conn.state == "open":
                conn.start_close(*CLOSE_GOING_AWAY, self.config.close_timeout)
        if self._ws_tasks:
            await asyncio.wait(self._ws_tasks, timeout=SHUTDOWN_SECONDS)
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=SHUTDOWN_SECONDS)
        await self.invoker.close()
        if self._server is not None:
            await self._server.wait_closed()

    async def __aenter__(self) -> Gateway:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # ---- logging -------------------------------------------------------------------------------

    def _emit(self, record: dict[str, Any], level: int = logging.INFO) -> None:
        if self.config.log_format == "off" or not log.isEnabledFor(level):
            return
        if self.config.log_format == "json":
            log.log(level, json.dumps(record, sort_keys=True))
            return
        if record.get("event") == "invoke":
            outcome = str(record["status"]) if record.get("error") is None else f"error ({record['error']})"
            extra = ""
            if "disconnectStatusCode" in record:
                extra = f"  close {record['disconnectStatusCode']} {record.get('disconnectReason') or ''}".rstrip()
            log.log(
                level,
                f"{record['routeKey']:<14} {record['connectionId']}  {outcome:>5}  {record['ms']:7.1f} ms{extra}",
            )
        else:
            log.log(level, " ".join(f"{k}={v}" for k, v in record.items() if k != "event") or record["event"])

    async def _invoke(
        self, conn: WsConnection, event: dict[str, Any], disconnect: tuple[int, str] | None = None
    ) -> InvokeResult | None:
        context = event["requestContext"]
        started = time.perf_counter()
        result: InvokeResult | None = None
        error: str | None = None
        try:
            result = await self.invoker.invoke(event)
        except InvokeError as err:
            error = str(err)
        record = InvocationRecord(
            route_key=context["routeKey"],
            event_type=context["eventType"],
            connection_id=conn.connection_id,
            request_id=context["requestId"],
            status=result.status if result is not None else None,
            error=error,
            ms=(time.perf_counter() - started) * 1000,
            disconnect_status_code=disconnect[0] if disconnect else None,
            disconnect_reason=disconnect[1] if disconnect else None,
        )
        self.invocations.append(record)
        self._emit(record.as_dict(), logging.INFO if error is None else logging.WARNING)
        return result

    def _defines(self, route_key: str) -> bool:
        routes = self.invoker.routes
        return routes is None or route_key in routes

    # ---- connections ---------------------------------------------------------------------------

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await self._serve_http(reader, writer)
        except (ConnectionError, asyncio.CancelledError, TimeoutError):
            pass
        except Exception:  # a bug must not leave a traceback on asyncio's loop: log it, drop the connection
            log.exception("internal error while serving a connection")
        finally:
            self._tasks.discard(task)
            writer.close()

    def _host_allowed(self, request: h.Request) -> bool:
        if not self.config.loopback_only:
            return True
        host = (request.header("host") or "").strip().lower()
        if host.startswith("["):
            name = host.split("]", 1)[0] + "]"
        else:
            name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
        return name in LOOPBACK_NAMES

    def origin_allowed(self, origin: str, host: str | None) -> bool:
        """Whether a WebSocket handshake's Origin may connect: loopback pages, this gateway's page, --allow-origin."""
        if "*" in self.config.allow_origins:
            return True
        normal = normalize_origin(origin)
        if normal is None:
            return False
        if normal in {normalize_origin(o) for o in self.config.allow_origins}:
            return True
        if host and normal == normalize_origin(f"http://{host}"):  # the page this gateway serves at /
            return True
        return _is_loopback_origin(normal)

    async def _serve_http(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        cfg = self.config
        conn = h.HttpConnection(
            reader,
            writer,
            idle_timeout=cfg.keep_alive_timeout,
            header_timeout=cfg.header_timeout,
            body_timeout=cfg.body_timeout,
        )
        while True:
            try:
                request = await conn.next_request()
                if request is None:
                    return
                if not self._host_allowed(request):
                    raise h.HttpError(403, "Host must be a loopback name (DNS rebinding protection)")
                if request.is_websocket_upgrade:
                    self._check_handshake(request)
                    await conn.read_body(request, 0)
                    leftover = conn.take_over()
                    task = asyncio.current_task()
                    assert task is not None
                    self._tasks.discard(task)  # WebSocket connections shut down through close(), not cancel
                    self._ws_tasks.add(task)
                    try:
                        await self._websocket(reader, writer, request, leftover)
                    finally:
                        self._ws_tasks.discard(task)
                    return
                body = await conn.read_body(request, cfg.http_body_bytes)
                response = await self._http(request, body)
            except h.HttpError as err:
                await conn.send_error(h.json_response(err.status, {"message": err.message}))
                return
            if not await conn.send(response):
                return

    def _check_handshake(self, request: h.Request) -> None:
        """Refuse (HttpError) a WebSocket handshake before any handler sees it."""
        if request.segments() not in ([""], [self.config.stage], [self.config.stage, ""]):
            raise h.HttpError(403, "Forbidden")
        if request.has_body:
            raise h.HttpError(400, "a WebSocket handshake has no body")
        origin = request.header("origin")
        if origin is not None and not self.origin_allowed(origin, request.header("host")):
            self._emit({"event": "refused", "reason": "origin not allowed", "origin": origin[:200]}, logging.WARNING)
            raise h.HttpError(
                403,
                f"Origin {origin[:200]!r} is not allowed: loopback pages are; "
                "start apptheory dev with --allow-origin ORIGIN to allow another",
            )

    # ---- plain HTTP: management API and page ---------------------------------------------------

    async def _http(self, request: h.Request, body: bytes) -> h.Response:
        segments = request.segments()
        if len(segments) == 2 and segments[0] == "@connections":
            return self._refuse_unsigned(request) or await self._management(request, body, segments[1])
        if len(segments) == 3 and segments[1] == "@connections":
            refusal = self._refuse_unsigned(request)
            if refusal is not None:
                return refusal
            if segments[0] != self.config.stage:
                return _aws_error(403, "ForbiddenException", "Forbidden")
            return await self._management(request, body, segments[2])
        if request.method == "GET" and request.path in ("/", "/index.html"):
            return self._page()
        if request.method == "GET" and request.path == "/favicon.ico":
            return h.Response(204)
        if request.method == "GET" and segments in ([self.config.stage], [self.config.stage, ""]):
            return h.text_response(
                426, f"This is a WebSocket endpoint: connect with a WebSocket client to {self.ws_url}\n"
            )
        return h.json_response(404, {"message": "Not Found"})

    def _refuse_unsigned(self, request: h.Request) -> h.Response | None:
        """The management API takes what AWS SDKs send: a SigV4 Authorization header and no browser Origin.

        The signature is not verified (SDKs sign with whatever credentials they have); the rule keeps
        web pages out: a page cannot send Authorization cross-origin without a CORS preflight, which
        this API refuses, and every browser request that could change state carries Origin.
        """
        authorization = request.header("authorization") or ""
        if not authorization.startswith(SIGV4_PREFIX):
            return _aws_error(403, "MissingAuthenticationTokenException", "Missing Authentication Token")
        if request.header("origin") is not None:
            return _aws_error(
                403,
                "AccessDeniedException",
                "User: anonymous is not authorized to perform: execute-api:ManageConnections "
                "(the local gateway refuses management requests from browsers: they carry an Origin header)",
            )
        return None

    def _page(self) -> h.Response:
        from apptheory.dev.page import DEFAULT_PAGE

        html = self.config.page or DEFAULT_PAGE
        if self.config.page_file:
            try:
                with open(self.config.page_file, encoding="utf-8") as f:
                    html = f.read()
            except OSError as err:
                return h.text_response(500, f"cannot read the page file: {err.strerror}\n")
        page = html.replace("__APPTHEORY_WS_URL__", self.ws_url)
        return h.Response(
            200,
            page.encode("utf-8"),
            [("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-store")],
        )

    async def _management(self, request: h.Request, body: bytes, connection_id: str) -> h.Response:
        method = request.method
        if method not in ("POST", "GET", "DELETE"):
            return _aws_error(403, "MissingAuthenticationTokenException", "Missing Authentication Token")
        if method == "POST" and len(body) > self.config.message_bytes:
            response = _aws_error(413, "PayloadTooLargeException", "Message too long")
        else:
            conn = self.connections.get(connection_id)
            if conn is None or conn.state != "open" or conn.protocol.state is not State.OPEN:
                # Unknown, closed, or still in $connect: API Gateway answers 410 for each.
                response = _aws_error(410, "GoneException", f"connection {connection_id} is gone")
            elif method == "POST":
                response = self._post(conn, body)
            elif method == "GET":
                response = h.json_response(
                    200,
                    {
                        "connectedAt": ev.iso_time(conn.info.connected_at_ms),
                        "identity": {"sourceIp": conn.info.source_ip, "userAgent": conn.info.user_agent},
                        "lastActiveAt": ev.iso_time(conn.last_active_ms),
                    },
                    [("x-amzn-RequestId", str(uuid.uuid4()))],
                )
            else:
                conn.start_close(*CLOSE_DELETED, self.config.close_timeout)
                response = h.Response(204, headers=[("x-amzn-RequestId", str(uuid.uuid4()))])
        if log.isEnabledFor(logging.DEBUG):
            self._emit(
                {
                    "event": "management",
                    "method": method,
                    "connectionId": connection_id,
                    "status": response.status,
                    "bytes": len(body),
                },
                logging.DEBUG,
            )
        return response

    def _post(self, conn: WsConnection, body: bytes) -> h.Response:
        """Queue the message for the client and answer at once (never waits for the client to read)."""
        try:
            self._send(conn, body)
        except SendQueueFull:
            return _aws_error(410, "GoneException", f"connection {conn.connection_id} is gone (send queue full)")
        except Exception:  # the protocol left OPEN between the check and the send
            return _aws_error(410, "GoneException", f"connection {conn.connection_id} is gone")
        return h.Response(200, headers=[("x-amzn-RequestId", str(uuid.uuid4()))])

    def _send(self, conn: WsConnection, data: bytes) -> None:
        try:
            conn.send(data, self.config.frame_bytes, self.config.send_queue_bytes, self.config.close_timeout)
        except SendQueueFull as err:
            self._emit(
                {
                    "event": "close",
                    "connectionId": conn.connection_id,
                    "code": CLOSE_QUEUE_FULL[0],
                    "reason": CLOSE_QUEUE_FULL[1],
                    "queuedBytes": err.queued,
                },
                logging.WARNING,
            )
            raise

    # ---- WebSocket -----------------------------------------------------------------------------

    async def _websocket(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: h.Request, leftover: bytes
    ) -> None:
        loop = asyncio.get_running_loop()
        protocol = ServerProtocol(max_size=(self.config.message_bytes, self.config.frame_bytes), logger=_ws_log)
        protocol.receive_data(request.raw_head + leftover)
        handshake = [e for e in protocol.events_received() if isinstance(e, WsRequest)]
        if not handshake:
            for chunk in protocol.data_to_send():
                writer.write(chunk)
            await writer.drain()
            return
        accept = protocol.accept(handshake[0])
        if accept.status_code != 101 or self._closing:
            protocol.send_response(accept if not self._closing else _ws_response(503, b"Server is shutting down\n", {}))
            for chunk in protocol.data_to_send():
                writer.write(chunk)
            await writer.drain()
            return

        peer = writer.get_extra_info("peername")
        source_ip = peer[0] if isinstance(peer, tuple) and peer else "127.0.0.1"
        host = request.header("host") or f"{self._url_host}:{self.port}"
        info = ev.ConnectionInfo(ev.new_id(), ev.now_ms(), source_ip, request.header("user-agent") or "")
        conn = WsConnection(info, host, protocol, reader, writer, loop.time(), last_active_ms=info.connected_at_ms)
        self.connections[conn.connection_id] = conn
        api = ev.ApiInfo(self.config.stage, self.config.api_id, host, self.port)
        try:
            if not await self._connect(conn, api, request, accept):
                return
            conn.state = "open"
            conn.last_inbound = loop.time()
            dispatcher = asyncio.create_task(self._dispatch(conn, api))
            try:
                await self._read_frames(conn)
            finally:
                conn.state = "gone"
                conn.inbox.put_nowait(None)
                conn.inbox_space.set()
                await dispatcher
            code, reason = conn.disconnect_status()
            if self._defines("$disconnect"):
                await self._invoke(conn, ev.disconnect_event(api, conn.info, host, code, reason), (code, reason))
            else:
                self._emit({"event": "close", "connectionId": conn.connection_id, "code": code})
        finally:
            conn.state = "gone"
            self.connections.pop(conn.connection_id, None)
            writer.close()

    async def _connect(self, conn: WsConnection, api: ev.ApiInfo, request: h.Request, accept: WsResponse) -> bool:
        """Run `$connect`; send 101 on 2xx, else reject the handshake with the handler's status."""
        if self._defines("$connect"):
            event = ev.connect_event(api, conn.info, request.headers, request.query)
            result = await self._invoke(conn, event)
            if result is None:
                result = InvokeResult(
                    500, {"content-type": "application/json"}, b'{"message": "Internal server error"}'
                )
        else:
            result = InvokeResult()
        if self._closing:
            result = InvokeResult(503, {}, b"Server is shutting down\n")
        if 200 <= result.status < 300:
            subprotocol = result.headers.get("sec-websocket-protocol")
            if subprotocol:
                accept.headers["Sec-WebSocket-Protocol"] = subprotocol
            conn.protocol.send_response(accept)
            conn.flush()
            return True
        conn.protocol.send_response(_ws_response(result.status, result.body, result.headers))
        conn.flush()
        with contextlib.suppress(ConnectionError):
            await conn.writer.drain()
        return False

    async def _read_frames(self, conn: WsConnection) -> None:
        loop = asyncio.get_running_loop()
        protocol = conn.protocol
        while protocol.state is not State.CLOSED:
            now = loop.time()
            if conn.close_deadline is not None and now >= conn.close_deadline:
                conn.writer.transport.abort()  # the client never finished the closing handshake
                return
            if protocol.state is not State.OPEN and conn.close_deadline is None:
                conn.close_deadline = now + self.config.close_timeout  # closing: wait for the client's EOF, bounded
            expired = (
                now >= conn.opened_at + self.config.max_duration or now >= conn.last_inbound + self.config.idle_timeout
            )
            if expired and protocol.state is State.OPEN:
                conn.start_close(*CLOSE_GOING_AWAY, self.config.close_timeout)
                continue
            deadline = min(conn.opened_at + self.config.max_duration, conn.last_inbound + self.config.idle_timeout)
            if conn.close_deadline is not None:
                deadline = conn.close_deadline
            try:
                data = await asyncio.wait_for(conn.reader.read(65536), max(0.0, deadline - now))
            except TimeoutError:
                continue
            except (ConnectionError, OSError):
                data = b""
            if data:
                protocol.receive_data(data)
            else:
                protocol.receive_eof()
            for event in protocol.events_received():
                if isinstance(event, Frame):
                    self._on_frame(conn, event)
            conn.flush()
            if not data:
                return
            if conn.inbox.qsize() >= INBOX_HIGH_WATER:  # back-pressure: stop reading while handlers catch up
                conn.inbox_space.clear()
                await conn.inbox_space.wait()

    def _on_frame(self, conn: WsConnection, frame: Frame) -> None:
        conn.last_inbound = asyncio.get_running_loop().time()
        if frame.opcode in (Opcode.TEXT, Opcode.BINARY):
            conn.fragments = [bytes(frame.data)]
            conn.fragment_text = frame.opcode is Opcode.TEXT
        elif frame.opcode is Opcode.CONT:
            conn.fragments.append(bytes(frame.data))
        else:
            return
        if not frame.fin:
            return
        data = b"".join(conn.fragments)
        conn.fragments = []
        if conn.fragment_text:
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                conn.protocol.fail(1007, "invalid UTF-8 in a text message")
                return
        conn.last_active_ms = ev.now_ms()
        conn.inbox.put_nowait((data, conn.fragment_text))

    async def _dispatch(self, conn: WsConnection, api: ev.ApiInfo) -> None:
        while True:
            item = await conn.inbox.get()
            if conn.inbox.qsize() < INBOX_HIGH_WATER // 2:
                conn.inbox_space.set()
            if item is None:
                return
            data, is_text = item
            route_key = self.selector.select(data, is_text)
            if not self._defines(route_key):
                self._reply(
                    conn, {"message": "Forbidden", "connectionId": conn.connection_id, "requestId": ev.new_id()}
                )
                continue
            event = ev.message_event(api, conn.info, route_key, data, is_text)
            result = await self._invoke(conn, event)
            if result is None:
                request_id = event["requestContext"]["requestId"]
                self._reply(
                    conn,
                    {"message": "Internal server error", "connectionId": conn.connection_id, "requestId": request_id},
                )
            elif self.config.route_responses and result.body:
                self._send_if_open(conn, result.body)

    def _reply(self, conn: WsConnection, message: dict[str, str]) -> None:
        self._send_if_open(conn, json.dumps(message, separators=(",", ":")).encode("utf-8"))

    def _send_if_open(self, conn: WsConnection, data: bytes) -> None:
        if conn.state == "open" and conn.protocol.state is State.OPEN:
            with contextlib.suppress(Exception):
                self._send(conn, data)


def normalize_origin(origin: str) -> str | None:
    """`scheme://host[:port]`, lower-cased, default port dropped; "null" as is; None when it is not an origin."""
    value = origin.strip().lower().rstrip("/")
    if value == "null":
        return value
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path or parts.query or parts.username:
        return None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    if port is None or port == {"http": 80, "https": 443}[parts.scheme]:
        return f"{parts.scheme}://{host}"
    return f"{parts.scheme}://{host}:{port}"


def _is_loopback_origin(normal: str) -> bool:
    host = urlsplit(normal).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _aws_error(status: int, error_type: str, message: str) -> h.Response:
    return h.json_response(
        status, {"message": message}, [("x-amzn-ErrorType", error_type), ("x-amzn-RequestId", str(uuid.uuid4()))]
    )


def _ws_response(status: int, body: bytes, headers: Mapping[str, str]) -> WsResponse:
    import http

    try:
        reason = http.HTTPStatus(status).phrase
    except ValueError:
        reason = "Error"
    content_type = headers.get("content-type") or ("text/plain; charset=utf-8" if body else None)
    out = Headers()
    out["Connection"] = "close"
    out["Content-Length"] = str(len(body))
    if content_type:
        out["Content-Type"] = content_type
    return WsResponse(status, reason, out, body)
