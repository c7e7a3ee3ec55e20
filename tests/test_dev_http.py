"""Malformed HTTP against the gateway and the Runtime API server: each gets its exact 4xx, then the socket closes.

Every case is sent on a raw socket; the test reads until the server closes the connection (EOF or a
reset after the answer). Socket timeouts are hang guards only. Nothing may reach asyncio's or the
gateway's error log (an unhandled exception would).
"""

from __future__ import annotations

import logging
import re
import select
import socket
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from apptheory.dev.runtime_api import RuntimeApiInvoker
from apptheory.dev.testing import GatewayThread

HANG_GUARD = 15.0
BODY_LIMIT = 64 * 1024  # the test gateway's http_body_bytes
RUNTIME_BODY_LIMIT = 6 * 1024 * 1024  # Lambda's response limit, the Runtime API server's body limit
SHORT = 0.5  # header/body deadlines of the servers under test


@dataclass(frozen=True)
class Case:
    id: str
    data: bytes
    status: int
    half_close: bool = False  # shut down the client's sending side after the data
    drip: bytes = b""  # then send these bytes one at a time until the server answers
    gateway_only: bool = False


def req(head: str, body: bytes = b"") -> bytes:
    return head.replace("\n", "\r\n").encode("utf-8") + b"\r\n\r\n" + body


POST = "POST /2018-06-01/runtime/init/error HTTP/1.1\nHost: 127.0.0.1"  # a path both servers answer
CHUNKED = POST + "\nTransfer-Encoding: chunked"
GOOD_UPGRADE = (
    "GET /local HTTP/1.1\nHost: 127.0.0.1\nUpgrade: websocket\nConnection: Upgrade\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\nSec-WebSocket-Version: 13"
)


def over_limit_chunked(limit: int) -> bytes:
    chunk = b"x" * 65536
    body = b"".join(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n" for _ in range(limit // len(chunk) + 1))
    return req(CHUNKED, body + b"0\r\n\r\n")


CASES = [
    # request line
    Case("no-target-no-version", b"GET\r\n\r\n", 400),
    Case("extra-token", req("GET / HTTP/1.1 extra\nHost: 127.0.0.1"), 400),
    Case("double-space", req("GET  / HTTP/1.1\nHost: 127.0.0.1"), 400),
    Case("version-9.9", req("GET / HTTP/9.9\nHost: 127.0.0.1"), 400),
    Case("version-2.0", req("GET / HTTP/2.0\nHost: 127.0.0.1"), 400),
    Case("not-http", req("GET / HTTX/1.1\nHost: 127.0.0.1"), 400),
    Case("bad-method-token", req("G@T / HTTP/1.1\nHost: 127.0.0.1"), 400),
    Case("asterisk-target", req("GET * HTTP/1.1\nHost: 127.0.0.1"), 400),
    Case("absolute-target", req("GET http://127.0.0.1/ HTTP/1.1\nHost: 127.0.0.1"), 400),
    Case("nul-in-target", req("GET /\x00 HTTP/1.1\nHost: 127.0.0.1"), 400),
    Case("utf8-in-target", req("GET /é HTTP/1.1\nHost: 127.0.0.1"), 400),
    Case("tls-client-hello", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(64), 400, half_close=True),
    Case("blank-lines-only", b"\r\n\r\n", 400),
    Case("request-line-20k", req("GET /" + "a" * 20_000 + " HTTP/1.1\nHost: 127.0.0.1"), 431),
    # headers
    Case("no-host", req("GET / HTTP/1.1"), 400),
    Case("two-hosts", req("GET / HTTP/1.1\nHost: 127.0.0.1\nHost: 127.0.0.1"), 400),
    Case("header-without-colon", req("GET / HTTP/1.1\nHost: 127.0.0.1\nnocolon"), 400),
    Case("space-before-colon", req("GET / HTTP/1.1\nHost : 127.0.0.1"), 400),
    Case("bad-header-name", req("GET / HTTP/1.1\nHost: 127.0.0.1\nX(y): 1"), 400),
    Case("nul-in-header-value", req("GET / HTTP/1.1\nHost: 127.0.0.1\nX: a\x00b"), 400),
    Case("cr-in-header-value", req("GET / HTTP/1.1\nHost: 127.0.0.1\nX: a\rb"), 400),
    Case("one-20k-header", req("GET / HTTP/1.1\nHost: 127.0.0.1\nX: " + "a" * 20_000), 431),
    Case("150-headers", req("GET / HTTP/1.1\nHost: 127.0.0.1" + "".join(f"\nX-{i}: v" for i in range(150))), 431),
    Case(
        "head-over-16k-in-pieces",
        req("GET / HTTP/1.1\nHost: 127.0.0.1" + "".join(f"\nX-{i}: {'v' * 200}" for i in range(90))),
        431,
    ),
    Case("non-loopback-host", req("GET / HTTP/1.1\nHost: evil.example"), 403, gateway_only=True),
    # body framing
    Case("content-length-superscript-two", req(POST + "\nContent-Length: ²"), 400),
    Case("content-length-arabic-indic-digit", req(POST + "\nContent-Length: ٣", b"abc"), 400),
    Case("content-length-negative", req(POST + "\nContent-Length: -1"), 400),
    Case("content-length-plus", req(POST + "\nContent-Length: +1", b"x"), 400),
    Case("content-length-exponent", req(POST + "\nContent-Length: 1e3"), 400),
    Case("content-length-hex", req(POST + "\nContent-Length: 0x10"), 400),
    Case("content-length-list", req(POST + "\nContent-Length: 1, 2", b"xy"), 400),
    Case("content-length-twice", req(POST + "\nContent-Length: 1\nContent-Length: 2", b"xy"), 400),
    Case("content-length-26-digits", req(POST + "\nContent-Length: 99999999999999999999999999"), 400),
    Case("content-length-over-limit", req(POST + f"\nContent-Length: {RUNTIME_BODY_LIMIT + 1}"), 413),
    Case(
        "expect-continue-over-limit",
        req(POST + f"\nExpect: 100-continue\nContent-Length: {RUNTIME_BODY_LIMIT + 1}"),
        413,
    ),
    Case("length-and-chunked", req(CHUNKED + "\nContent-Length: 3", b"0\r\n\r\n"), 400),
    Case("transfer-encoding-gzip", req(POST + "\nTransfer-Encoding: gzip", b"x"), 400),
    Case("transfer-encoding-chunked-twice", req(POST + "\nTransfer-Encoding: chunked, chunked"), 400),
    Case("transfer-encoding-two-headers", req(CHUNKED + "\nTransfer-Encoding: chunked"), 400),
    Case("chunked-http-1.0", req(CHUNKED.replace("HTTP/1.1", "HTTP/1.0"), b"0\r\n\r\n"), 400),
    Case("chunk-size-minus-one", req(CHUNKED, b"-1\r\nabc\r\n0\r\n\r\n"), 400),
    Case("chunk-size-not-hex", req(CHUNKED, b"zz\r\nabc\r\n0\r\n\r\n"), 400),
    Case("chunk-size-superscript", req(CHUNKED, "²\r\nab\r\n0\r\n\r\n".encode()), 400),
    Case("chunk-size-21-digits", req(CHUNKED, b"1" * 21 + b"\r\n"), 400),
    Case("chunk-longer-than-size", req(CHUNKED, b"3\r\nabcdef\r\n0\r\n\r\n"), 400),
    Case("content-length-body-cut-short", req(POST + "\nContent-Length: 10", b"abc"), 400, half_close=True),
    Case("chunked-body-cut-short", req(CHUNKED, b"5\r\nab"), 400, half_close=True),
    Case("head-cut-short", b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Partial: ", 400, half_close=True),
    # slow clients (the servers under test have SHORT deadlines)
    Case("slowloris-partial-head", b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ", 408),
    Case("slowloris-drip-fed-head", b"GET / HTTP/1.1\r\n", 408, drip=b"X-Drip: " + b"a" * 200),
    Case("slow-body", req(POST + "\nContent-Length: 100", b"only a part"), 408),
    # WebSocket handshakes refused before any handler runs
    Case("upgrade-with-body", req(GOOD_UPGRADE + "\nContent-Length: 5", b"hello"), 400, gateway_only=True),
    Case("upgrade-without-key", req(GOOD_UPGRADE.replace("Sec-WebSocket-Key", "X-Key")), 400, gateway_only=True),
    Case("upgrade-version-8", req(GOOD_UPGRADE.replace("Version: 13", "Version: 8")), 400, gateway_only=True),
    Case("upgrade-foreign-origin", req(GOOD_UPGRADE + "\nOrigin: http://evil.example"), 403, gateway_only=True),
    Case("upgrade-null-origin", req(GOOD_UPGRADE + "\nOrigin: null"), 403, gateway_only=True),
    Case("upgrade-garbage-origin", req(GOOD_UPGRADE + "\nOrigin: :://\x7f"), 403, gateway_only=True),
    Case(
        "upgrade-loopback-lookalike-origin",
        req(GOOD_UPGRADE + "\nOrigin: http://127.0.0.1.evil.example"),
        403,
        gateway_only=True,
    ),
    Case("upgrade-wrong-stage", req(GOOD_UPGRADE.replace("/local", "/prod")), 403, gateway_only=True),
]


class ErrorLog(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(scope="module")
def error_log() -> Iterator[ErrorLog]:
    handler = ErrorLog()
    loggers = [logging.getLogger("asyncio"), logging.getLogger("apptheory.dev")]
    for logger in loggers:
        logger.addHandler(handler)
    yield handler
    for logger in loggers:
        logger.removeHandler(handler)


@pytest.fixture(scope="module")
def gateway() -> Iterator[GatewayThread]:
    with GatewayThread(
        lambda event, context: {"statusCode": 200},
        header_timeout=SHORT,
        body_timeout=SHORT,
        http_body_bytes=BODY_LIMIT,
    ) as gw:
        yield gw


@pytest.fixture(scope="module")
def runtime_port() -> Iterator[int]:
    invoker = RuntimeApiInvoker(
        [sys.executable, "-c", "import time; time.sleep(120)"],
        routes=frozenset({"$default"}),
        timeout=SHORT,
        header_timeout=SHORT,
    )
    with GatewayThread(invoker):
        yield invoker.runtime_ports[0]


def exchange(port: int, case: Case) -> tuple[bytes, bool]:
    """Send a case; the bytes received and whether the server closed the connection."""
    received = b""
    with socket.create_connection(("127.0.0.1", port), timeout=HANG_GUARD) as sock:
        try:
            sock.sendall(case.data)
            if case.half_close:
                sock.shutdown(socket.SHUT_WR)
            for i in range(len(case.drip)):
                if select.select([sock], [], [], 0.05)[0]:
                    break
                sock.sendall(case.drip[i : i + 1])
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed while we were still sending: read the answer
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                return received, True
            if not chunk:
                return received, True
            received += chunk


def status_of(received: bytes) -> int | None:
    if not received.startswith(b"HTTP/1.1 "):
        return None
    return int(received.split(b" ", 2)[1])


def run_case(port: int, case: Case, limit: int, error_log: ErrorLog) -> None:
    data = case.data
    if case.id.endswith("over-limit") and limit != RUNTIME_BODY_LIMIT:
        data = data.replace(str(RUNTIME_BODY_LIMIT + 1).encode(), str(limit + 1).encode())
    received, closed = exchange(port, Case(case.id, data, case.status, case.half_close, case.drip))
    assert status_of(received) == case.status, received[:300]
    assert closed
    assert b"\r\nconnection: close\r\n" in received.lower()
    assert not error_log.records, [r.getMessage() for r in error_log.records]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_malformed_request_to_the_gateway(gateway: GatewayThread, error_log: ErrorLog, case: Case) -> None:
    run_case(gateway.port, case, BODY_LIMIT, error_log)


RUNTIME_CASES = [c for c in CASES if not c.gateway_only]


@pytest.mark.parametrize("case", RUNTIME_CASES, ids=[c.id for c in RUNTIME_CASES])
def test_malformed_request_to_the_runtime_api(runtime_port: int, error_log: ErrorLog, case: Case) -> None:
    run_case(runtime_port, case, RUNTIME_BODY_LIMIT, error_log)


@pytest.mark.parametrize(("port_of", "limit"), [("gateway", BODY_LIMIT), ("runtime", RUNTIME_BODY_LIMIT)])
def test_a_chunked_body_over_the_limit_is_413(
    gateway: GatewayThread, runtime_port: int, error_log: ErrorLog, port_of: str, limit: int
) -> None:
    port = gateway.port if port_of == "gateway" else runtime_port
    run_case(port, Case("chunked-over-limit", over_limit_chunked(limit), 413), limit, error_log)


def test_the_gateway_still_serves_after_hostile_clients(gateway: GatewayThread) -> None:
    """Keep-alive, pipelining and a chunked body with 100-continue still work on one connection."""
    body = b"5\r\nhello\r\n0\r\n\r\n"
    pipelined = (
        req("GET /favicon.ico HTTP/1.1\nHost: 127.0.0.1")
        + req("POST /nothing HTTP/1.1\nHost: 127.0.0.1\nExpect: 100-continue\nTransfer-Encoding: chunked", body)
        + req("GET /local HTTP/1.1\nHost: localhost\nConnection: close")
    )
    received, closed = exchange(gateway.port, Case("ok", pipelined, 0))
    statuses = [int(m) for m in re.findall(rb"HTTP/1\.1 (\d{3}) ", received)]
    assert statuses == [204, 100, 404, 426]
    assert closed


def test_an_idle_connection_is_closed_quietly() -> None:
    with GatewayThread(lambda event, context: None, keep_alive_timeout=0.3) as gw:
        started = time.monotonic()
        with socket.create_connection(("127.0.0.1", gw.port), timeout=HANG_GUARD) as sock:
            assert sock.recv(1024) == b""  # closed without an answer: no request was started
        assert time.monotonic() - started < HANG_GUARD
