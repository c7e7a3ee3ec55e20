"""A small HTTP/1.1 layer on asyncio streams, enough for the management API, the page and the Lambda Runtime API.

The gateway needs request bodies (the management API's POST, the Runtime API's responses, possibly
chunked) on the same port as WebSocket upgrades, which websockets' own HTTP parser refuses; so the
gateway reads the request head here and hands upgrades to websockets' Sans-I/O protocol.
"""

from __future__ import annotations

import asyncio
import http
import json
from dataclasses import dataclass, field
from email.utils import formatdate
from urllib.parse import unquote

MAX_HEAD_BYTES = 16 * 1024
MAX_HEADERS = 100


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
    version: str
    headers: list[tuple[str, str]]
    raw_head: bytes
    body: bytes = b""

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    @property
    def query(self) -> str:
        parts = self.target.split("?", 1)
        return parts[1] if len(parts) == 2 else ""

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
    def keep_alive(self) -> bool:
        if self.version == "HTTP/1.0":
            return self.has_token("connection", "keep-alive")
        return not self.has_token("connection", "close")

    @property
    def is_websocket_upgrade(self) -> bool:
        return self.method == "GET" and self.has_token("upgrade", "websocket")


@dataclass(slots=True)
class Response:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    close: bool = False

    def encode(self, keep_alive: bool) -> bytes:
        try:
            reason = http.HTTPStatus(self.status).phrase
        except ValueError:
            reason = "Unknown"
        lines = [f"HTTP/1.1 {self.status} {reason}", f"Date: {formatdate(usegmt=True)}"]
        names = {k.lower() for k, _ in self.headers}
        lines.extend(f"{k}: {v}" for k, v in self.headers)
        if self.status != 204 and "content-length" not in names:
            lines.append(f"Content-Length: {len(self.body)}")
        lines.append("Connection: keep-alive" if keep_alive and not self.close else "Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        return head + (b"" if self.status == 204 else self.body)


def json_response(status: int, value: object, headers: list[tuple[str, str]] | None = None) -> Response:
    body = json.dumps(value, separators=(",", ":")).encode("utf-8")
    return Response(status, body, [("Content-Type", "application/json"), *(headers or [])])


def text_response(status: int, text: str, content_type: str = "text/plain; charset=utf-8") -> Response:
    return Response(status, text.encode("utf-8"), [("Content-Type", content_type)])


async def read_head(reader: asyncio.StreamReader) -> bytes | None:
    """The raw request head through the blank line; None on a clean EOF before any byte."""
    try:
        return await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as err:
        if not err.partial.strip():
            return None
        raise HttpError(400, "incomplete request head") from None
    except asyncio.LimitOverrunError:
        raise HttpError(431, "request head too large") from None


def parse_head(raw: bytes) -> Request:
    try:
        text = raw.decode("latin-1")
    except UnicodeDecodeError:  # pragma: no cover - latin-1 decodes every byte
        raise HttpError(400, "bad request head") from None
    lines = text.split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[0].isalpha() or parts[2] not in ("HTTP/1.1", "HTTP/1.0"):
        raise HttpError(400, "bad request line")
    method, target, version = parts
    if not target.startswith("/"):
        raise HttpError(400, "bad request target")
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        if not line:
            continue
        if line[0] in " \t" or ":" not in line:
            raise HttpError(400, "bad header line")
        name, value = line.split(":", 1)
        if not name or name.strip() != name:
            raise HttpError(400, "bad header name")
        headers.append((name, value.strip()))
        if len(headers) > MAX_HEADERS:
            raise HttpError(431, "too many headers")
    return Request(method, target, version, headers, raw)


async def read_body(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: Request, limit: int) -> bytes:
    """The request body (Content-Length or chunked); over `limit` bytes raises HttpError(413)."""
    if request.has_token("expect", "100-continue"):
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
    if request.header("transfer-encoding") is not None:
        if not request.has_token("transfer-encoding", "chunked"):
            raise HttpError(501, "unsupported transfer encoding")
        return await _read_chunked(reader, limit)
    lengths = set(request.header_values("content-length"))
    if not lengths:
        return b""
    if len(lengths) != 1 or not next(iter(lengths)).isdigit():
        raise HttpError(400, "bad content-length")
    length = int(next(iter(lengths)))
    if length > limit:
        raise HttpError(413, f"body of {length} bytes is over the limit of {limit}")
    try:
        return await reader.readexactly(length)
    except asyncio.IncompleteReadError:
        raise HttpError(400, "incomplete body") from None


async def _read_chunked(reader: asyncio.StreamReader, limit: int) -> bytes:
    chunks: list[bytes] = []
    total = 0
    try:
        while True:
            line = await reader.readuntil(b"\r\n")
            size_text = line.split(b";", 1)[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                raise HttpError(400, "bad chunk size") from None
            if size == 0:
                while (await reader.readuntil(b"\r\n")) != b"\r\n":  # trailers: read and ignore
                    pass
                return b"".join(chunks)
            total += size
            if total > limit:
                raise HttpError(413, f"body is over the limit of {limit} bytes")
            chunks.append(await reader.readexactly(size))
            if await reader.readexactly(2) != b"\r\n":
                raise HttpError(400, "bad chunk terminator")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
        raise HttpError(400, "bad chunked body") from None
