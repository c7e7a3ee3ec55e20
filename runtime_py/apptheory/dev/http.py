"""HTTP/1.1 for the gateway and the Runtime API server: h11 parses and frames, this module adds limits and deadlines.

h11 (a sans-I/O HTTP/1.1 implementation) reads request heads and bodies (Content-Length or chunked)
and writes responses; it pairs with websockets' sans-I/O `ServerProtocol`, which takes over a
connection after an upgrade request. On top of h11 this module refuses what h11 lets through but
these servers must not serve: a target that is not a path, versions other than HTTP/1.0 and 1.1,
Content-Length together with Transfer-Encoding (request smuggling), chunked HTTP/1.0, heads over
16 KiB or 100 headers, bodies over the caller's limit, and clients that send too slowly.

Every refusal is an `HttpError` with a 4xx status: the server answers it with `Connection: close`
and closes the connection (`HttpConnection.close`, which drains what the client is still sending
for a moment so that the answer is not lost to a TCP reset).
"""

from __future__ import annotations

import asyncio
import http
import json
from dataclasses import dataclass, field
from email.utils import formatdate
from urllib.parse import unquote

import h11

MAX_HEAD_BYTES = 16 * 1024
MAX_HEADERS = 100
READ_BYTES = 64 * 1024
LINGER_SECONDS = 1.0  # after an error answer: how long to drain the client's input before closing
LINGER_BYTES = 1024 * 1024


class HttpError(Exception):
    """A request the server answers with `status` and closes the connection after."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(slots=True)
class Request:
    method: str
    target: str
    version: str  # "HTTP/1.1" or "HTTP/1.0"
    headers: list[tuple[str, str]]  # as sent (names keep their case), values latin-1 decoded

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    @property
    def query(self) -> str:
        parts = self.target.split("?", 1)
        return parts[1] if len(parts) == 2 else ""

    @property
    def raw_head(self) -> bytes:
        """The head re-serialized from what h11 parsed (what websockets' handshake parser reads)."""
        lines = [f"{self.method} {self.target} {self.version}", *(f"{k}: {v}" for k, v in self.headers)]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def segments(self) -> list[str]:
        """The path's segments, percent-decoded one by one (so an encoded "/" stays inside its segment)."""
        return [unquote(s) for s in self.path.split("/")[1:]]

    def header(self, name: str) -> str | None:
        """The last value of a header (case-insensitive), or None."""
        lower = name.lower()
        found = None
        for key, value in self.headers:
            if key.lower() == lower:
                found = value
        return found

    def header_values(self, name: str) -> list[str]:
        lower = name.lower()
        return [value for key, value in self.headers if key.lower() == lower]

    def has_token(self, name: str, token: str) -> bool:
        """Whether a comma-separated header (Connection, Upgrade) contains `token`."""
        return any(part.strip().lower() == token for value in self.header_values(name) for part in value.split(","))

    @property
    def has_body(self) -> bool:
        lengths = self.header_values("content-length")
        return bool(self.header_values("transfer-encoding")) or any(v.strip() not in ("", "0") for v in lengths)

    @property
    def is_websocket_upgrade(self) -> bool:
        return self.method == "GET" and self.has_token("upgrade", "websocket")


@dataclass(slots=True)
class Response:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    close: bool = False


def json_response(status: int, value: object, headers: list[tuple[str, str]] | None = None) -> Response:
    body = json.dumps(value, separators=(",", ":")).encode("utf-8")
    return Response(status, body, [("Content-Type", "application/json"), *(headers or [])])


def text_response(status: int, text: str, content_type: str = "text/plain; charset=utf-8") -> Response:
    return Response(status, text.encode("utf-8"), [("Content-Type", content_type)])


def _reason(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


class HttpConnection:
    """One server-side HTTP/1.1 connection: requests in (with limits and deadlines), responses out.

    Deadlines (seconds, None for none): `idle_timeout` waits for the first byte of the next request
    (then the connection closes quietly); a head must be complete `header_timeout` after its first
    byte arrived and a body `body_timeout` after its head, else 408.
    """

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        idle_timeout: float | None,
        header_timeout: float | None,
        body_timeout: float | None,
    ) -> None:
        self.reader = reader
        self.writer = writer
        self.idle_timeout = idle_timeout
        self.header_timeout = header_timeout
        self.body_timeout = body_timeout
        self._h11 = h11.Connection(h11.SERVER, max_incomplete_event_size=MAX_HEAD_BYTES)
        self._loop = asyncio.get_running_loop()

    # ---- reading -------------------------------------------------------------------------------

    def _next_event(self) -> object:
        try:
            return self._h11.next_event()
        except h11.RemoteProtocolError as err:
            status = err.error_status_hint
            # h11 hints 501 for a Transfer-Encoding other than one "chunked": for this server that is malformed.
            raise HttpError(status if 400 <= status < 500 else 400, str(err)) from None

    async def _read(self, deadline: float | None) -> bytes | None:
        """Bytes from the client (b"" at EOF), or None when `deadline` passed first."""
        timeout = None if deadline is None else max(0.0, deadline - self._loop.time())
        try:
            return await asyncio.wait_for(self.reader.read(READ_BYTES), timeout)
        except TimeoutError:
            return None
        except (ConnectionError, OSError):
            return b""

    async def next_request(self) -> Request | None:
        """The next request's head; None when the client closed or stayed idle between requests."""
        now = self._loop.time()
        deadline = None if self.idle_timeout is None else now + self.idle_timeout
        started = False
        while True:
            event = self._next_event()
            if isinstance(event, h11.Request):
                return _checked(event)
            if isinstance(event, h11.ConnectionClosed):
                return None
            if event is not h11.NEED_DATA:  # pragma: no cover - h11 yields nothing else before a request
                raise HttpError(400, "unexpected data before the request")
            data = await self._read(deadline)
            if data is None:
                if not started:
                    return None
                raise HttpError(408, f"the request head was not complete within {self.header_timeout:g} s")
            if data and not started:
                started = True
                deadline = None if self.header_timeout is None else self._loop.time() + self.header_timeout
            self._h11.receive_data(data)

    async def read_body(self, request: Request, limit: int) -> bytes:
        """The request body; over `limit` bytes is HttpError(413), a body that comes too slowly 408."""
        for value in request.header_values("content-length"):
            for part in value.split(","):
                digits = part.strip()
                if digits.isascii() and digits.isdigit() and int(digits) > limit:
                    raise HttpError(413, f"a body of {digits} bytes is over the limit of {limit}")
        if self._h11.they_are_waiting_for_100_continue:
            self.writer.write(
                self._h11.send(h11.InformationalResponse(status_code=100, headers=[], reason=b"Continue")) or b""
            )
        deadline = None if self.body_timeout is None else self._loop.time() + self.body_timeout
        chunks: list[bytes] = []
        total = 0
        while True:
            event = self._next_event()
            if isinstance(event, h11.Data):
                total += len(event.data)
                if total > limit:
                    raise HttpError(413, f"the body is over the limit of {limit} bytes")
                chunks.append(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage):
                return b"".join(chunks)
            elif event is h11.NEED_DATA:
                data = await self._read(deadline)
                if data is None:
                    raise HttpError(408, f"the request body was not complete within {self.body_timeout:g} s")
                self._h11.receive_data(data)
            else:  # pragma: no cover - h11 yields Data/EndOfMessage/NEED_DATA inside a body
                raise HttpError(400, "unexpected event in the request body")

    def take_over(self) -> bytes:
        """After an upgrade request's (empty) body: the bytes the client sent after its head."""
        self._next_event()  # PAUSED: h11 stops parsing at a protocol switch
        data, _closed = self._h11.trailing_data
        return bytes(data)

    # ---- writing -------------------------------------------------------------------------------

    async def send(self, response: Response) -> bool:
        """Write a response; whether the connection can carry another request."""
        headers = [("Date", formatdate(usegmt=True)), *response.headers]
        names = {k.lower() for k, _ in headers}
        if response.status not in (204, 304) and "content-length" not in names:
            headers.append(("Content-Length", str(len(response.body))))
        if response.close:
            headers.append(("Connection", "close"))
        reason = _reason(response.status).encode("latin-1")
        try:
            data = self._h11.send(h11.Response(status_code=response.status, headers=headers, reason=reason)) or b""
            if response.body and response.status not in (204, 304):
                data += self._h11.send(h11.Data(data=response.body)) or b""
            data += self._h11.send(h11.EndOfMessage()) or b""
        except h11.LocalProtocolError:  # no request to answer (h11 is in an error state): write it plainly
            data = _plain_response(response.status, reason, headers, response.body)
            self.writer.write(data)
            await self.writer.drain()
            return False
        self.writer.write(data)
        await self.writer.drain()
        if self._h11.our_state is h11.DONE and self._h11.their_state is h11.DONE:
            self._h11.start_next_cycle()
            return True
        return False

    async def send_error(self, response: Response) -> None:
        """Answer a refused request (`response` carries the server's error shape) and close."""
        response.close = True
        if self._h11.our_state not in (h11.IDLE, h11.SEND_RESPONSE):  # pragma: no cover - mid-response
            return
        await self.send(response)
        await self.close()

    async def close(self) -> None:
        """Half-close, then drain the client's input briefly so that the answer is not lost to a reset."""
        if self.writer.is_closing():
            return
        try:
            if self.writer.can_write_eof():
                self.writer.write_eof()
            deadline = self._loop.time() + LINGER_SECONDS
            drained = 0
            while drained < LINGER_BYTES:
                data = await self._read(deadline)
                if not data:
                    break
                drained += len(data)
        except (ConnectionError, OSError):
            pass
        finally:
            self.writer.close()


def _checked(event: h11.Request) -> Request:
    """The request h11 parsed, with the rules h11 leaves to the server."""
    version = event.http_version.decode("ascii")
    if version not in ("1.1", "1.0"):
        raise HttpError(400, f"HTTP/{version} is not supported (HTTP/1.1 and HTTP/1.0 are)")
    target = event.target.decode("ascii")
    if not target.startswith("/"):
        raise HttpError(400, "the request target must be a path starting with /")
    raw = list(event.headers.raw_items())
    if len(raw) > MAX_HEADERS:
        raise HttpError(431, f"more than {MAX_HEADERS} headers")
    size = len(event.method) + len(event.target) + 12 + sum(len(k) + len(v) + 4 for k, v in raw)
    if size > MAX_HEAD_BYTES:
        raise HttpError(431, f"the request head is over {MAX_HEAD_BYTES} bytes")
    headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in raw]
    names = {k.lower() for k, _ in headers}
    if "transfer-encoding" in names and "content-length" in names:
        raise HttpError(400, "Content-Length and Transfer-Encoding together")
    if "transfer-encoding" in names and version == "1.0":
        raise HttpError(400, "Transfer-Encoding in an HTTP/1.0 request")
    return Request(event.method.decode("ascii"), target, f"HTTP/{version}", headers)


def _plain_response(status: int, reason: bytes, headers: list[tuple[str, str]], body: bytes) -> bytes:
    lines = [f"HTTP/1.1 {status} {reason.decode('latin-1')}", *(f"{k}: {v}" for k, v in headers)]
    if not any(k.lower() == "connection" for k, _ in headers):
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
