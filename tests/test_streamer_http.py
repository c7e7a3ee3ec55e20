"""new_client's real boto3 client against a local HTTP server that answers as the management API does.

The server (stdlib http.server on 127.0.0.1, port 0, in a thread) serves `POST|GET|DELETE
/{stage}/@connections/{id}` (the id URL-encoded by the SDK), keeps connection state (unknown or
deleted ids are 410 GoneException, as AWS answers), and can be told to fail every request with an AWS
REST-JSON error: `x-amzn-ErrorType` header, `x-amzn-RequestId`, body `{"message": "..."}`.
It records every request (method, raw path, headers, body), so retries are counted on the wire.
Nothing in the SDK is patched: the standard retryer sleeps its real backoff.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import struct
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

import pytest
from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError, ReadTimeoutError

from apptheory.streamer import new_client
from apptheory_generated import constants
from apptheory_generated.errors import (
    DeadlineExceededError,
    ForbiddenError,
    GoneError,
    InvalidConnectionError,
    MalformedResponseError,
    ManagementError,
    NetworkError,
    PayloadTooLargeError,
    ServerError,
    ThrottledError,
)
from apptheory_generated.streamer import Boto3ManagementClient, ConnectionInfo

MAX_ATTEMPTS = constants.MANAGEMENT_MAX_ATTEMPTS
CID = "L0SM9cOFvHcCIhw="
CID_IN_PATH = "L0SM9cOFvHcCIhw%3D"

# --- the fake management API -------------------------------------------------------------------------

_ROUTE = re.compile(r"^/(?P<stage>[^?]+)/@connections/(?P<id>[^/?]+)$")
_ERROR_SUFFIX = ":http://internal.amazon.com/coral/com.amazonaws.apigateway.management/"


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Failure:
    status: int
    error_type: str | None
    message: str
    suffixed: bool = False


@dataclass
class Connection:
    connected_at: str = "2026-11-26T06:40:38.012Z"
    last_active_at: str = "2026-11-26T06:41:02.500Z"
    source_ip: str = "203.0.113.7"
    user_agent: str = "Mozilla/5.0 (X11; Linux x86_64)"
    received: list[bytes] = field(default_factory=list)


class ManagementApiServer:
    """A local stand-in for https://{api}.execute-api.{region}.amazonaws.com."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: list[Recorded] = []
        self.request_ids: list[str] = []
        self.connections: dict[str, Connection] = {}
        self.failure: Failure | None = None
        self.get_body: bytes | None = None  # answer GET with 200 and exactly these bytes
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                owner._serve(self)

            do_GET = do_POST = do_DELETE = _serve

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.01}, name="mgmt-api", daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    def endpoint(self, stage: str = "dev") -> str:
        return f"http://127.0.0.1:{self.port}/{stage}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def fail(self, status: int, error_type: str | None, message: str = "", *, suffixed: bool = False) -> None:
        """Answer every request with this error from now on."""
        self.failure = Failure(status, error_type, message or f"{error_type} from the fake", suffixed)

    def _serve(self, req: BaseHTTPRequestHandler) -> None:
        length = int(req.headers.get("Content-Length") or 0)
        body = req.rfile.read(length) if length else b""
        request_id = str(uuid.uuid4())
        with self._lock:
            self.requests.append(Recorded(req.command, req.path, dict(req.headers.items()), body))
            self.request_ids.append(request_id)
            failure = self.failure
        if failure is not None:
            self._error(req, request_id, failure)
            return
        match = _ROUTE.match(req.path)
        if match is None:
            self._error(req, request_id, Failure(403, "ForbiddenException", "Forbidden"))
            return
        cid = unquote(match["id"])
        with self._lock:
            conn = self.connections.get(cid)
            if conn is not None and req.command == "DELETE":
                del self.connections[cid]
            if conn is not None and req.command == "POST":
                conn.received.append(body)
        if conn is None:
            self._error(req, request_id, Failure(410, "GoneException", f"connection {cid} is gone"))
        elif req.command == "GET" and self.get_body is not None:
            self._send(req, 200, request_id, self.get_body, {"Content-Type": "application/json"})
        elif req.command == "GET":
            doc = {
                "connectedAt": conn.connected_at,
                "identity": {"sourceIp": conn.source_ip, "userAgent": conn.user_agent},
                "lastActiveAt": conn.last_active_at,
            }
            self._send(req, 200, request_id, json.dumps(doc).encode(), {"Content-Type": "application/json"})
        elif req.command == "DELETE":
            self._send(req, 204, request_id, b"", {})
        else:
            self._send(req, 200, request_id, b"", {})

    def _error(self, req: BaseHTTPRequestHandler, request_id: str, failure: Failure) -> None:
        headers = {"Content-Type": "application/json"}
        if failure.error_type is not None:
            headers["x-amzn-ErrorType"] = failure.error_type + (_ERROR_SUFFIX if failure.suffixed else "")
        body = json.dumps({"message": failure.message}).encode()
        self._send(req, failure.status, request_id, body, headers)

    @staticmethod
    def _send(req: BaseHTTPRequestHandler, status: int, request_id: str, body: bytes, headers: dict[str, str]) -> None:
        req.send_response(status)
        req.send_header("x-amzn-RequestId", request_id)
        for name, value in headers.items():
            req.send_header(name, value)
        req.send_header("Content-Length", str(len(body)))
        req.end_headers()
        if body:
            req.wfile.write(body)


# --- fixtures ----------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _dummy_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    for name in (
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_RETRY_MODE",
        "AWS_MAX_ATTEMPTS",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "http_proxy",
        "https_proxy",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/aws-config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws-credentials")


@pytest.fixture
def server() -> Iterator[ManagementApiServer]:
    srv = ManagementApiServer()
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def client(server: ManagementApiServer) -> Boto3ManagementClient:
    return new_client(server.endpoint("dev"), "us-east-1")


def _call(client: Boto3ManagementClient, operation: str, connection_id: str = CID) -> Any:
    if operation == "post_to_connection":
        return client.post_to_connection(connection_id, b"hello")
    return getattr(client, operation)(connection_id)


_METHODS = {"post_to_connection": "POST", "get_connection": "GET", "delete_connection": "DELETE"}


def _sdk_request(req: Recorded) -> dict[str, str]:
    """The SDK's `amz-sdk-request: [ttl=...; ]attempt=N; max=M` header, as a dict."""
    return dict(part.strip().split("=", 1) for part in req.headers["amz-sdk-request"].split(";"))


# --- success paths -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param(b'{"type":"hello","n":1}', id="json"),
        pytest.param(b"\xff\xfe\x00\x80 not utf-8 \xc3\x28\r\n", id="non-utf8"),
        pytest.param(bytes(range(256)) * (constants.MESSAGE_BYTES // 256), id="exact-limit-131072"),
    ],
)
def test_posted_payload_arrives_byte_exact(
    server: ManagementApiServer, client: Boto3ManagementClient, payload: bytes
) -> None:
    server.connections[CID] = Connection()
    client.post_to_connection(CID, payload)
    assert server.connections[CID].received == [payload]
    [req] = server.requests
    assert req.method == "POST"
    assert req.path == f"/dev/@connections/{CID_IN_PATH}"
    assert req.body == payload
    assert int(req.headers["Content-Length"]) == len(payload)
    # signed with SigV4 for execute-api in the client's region
    assert "/us-east-1/execute-api/aws4_request" in req.headers["Authorization"]


def test_exact_limit_is_128_kib() -> None:
    assert constants.MESSAGE_BYTES == 131072 == 128 * 1024


@pytest.mark.parametrize(
    ("stage", "connection_id", "raw_path"),
    [
        ("dev", "L0SM9cOFvHcCIhw=", "/dev/@connections/L0SM9cOFvHcCIhw%3D"),
        ("prod", "Rz/a+b==", "/prod/@connections/Rz%2Fa%2Bb%3D%3D"),
        ("v1/live", "plainId123", "/v1/live/@connections/plainId123"),
    ],
)
@pytest.mark.parametrize("operation", list(_METHODS))
def test_request_path_holds_stage_and_encoded_id(
    server: ManagementApiServer, operation: str, stage: str, connection_id: str, raw_path: str
) -> None:
    server.connections[connection_id] = Connection()
    client = new_client(server.endpoint(stage), "us-east-1")
    _call(client, operation, connection_id)
    [req] = server.requests
    assert req.method == _METHODS[operation]
    assert req.path == raw_path
    assert unquote(req.path.rsplit("/", 1)[1]) == connection_id


def test_sdk_announces_the_idl_attempt_count(server: ManagementApiServer, client: Boto3ManagementClient) -> None:
    server.connections[CID] = Connection()
    client.post_to_connection(CID, b"x")
    [req] = server.requests
    assert _sdk_request(req) == {"attempt": "1", "max": str(MAX_ATTEMPTS)}


def test_trailing_slash_on_the_endpoint_is_ignored(server: ManagementApiServer) -> None:
    server.connections[CID] = Connection()
    client = new_client(server.endpoint("dev") + "/", "us-east-1")
    client.delete_connection(CID)
    assert [r.path for r in server.requests] == [f"/dev/@connections/{CID_IN_PATH}"]


def test_get_connection_parses_timestamps_and_identity(
    server: ManagementApiServer, client: Boto3ManagementClient
) -> None:
    server.connections[CID] = Connection(
        connected_at="2026-11-26T06:40:38.012Z",
        last_active_at="2026-11-26T06:41:02.500Z",
        source_ip="198.51.100.23",
        user_agent="Mozilla/5.0 (Macintosh) Safari/605.1.15",
    )
    info = client.get_connection(CID)
    assert info == ConnectionInfo(
        connected_at=datetime(2026, 11, 26, 6, 40, 38, 12000, tzinfo=UTC),
        last_active_at=datetime(2026, 11, 26, 6, 41, 2, 500000, tzinfo=UTC),
        source_ip="198.51.100.23",
        user_agent="Mozilla/5.0 (Macintosh) Safari/605.1.15",
    )
    assert info.connected_at is not None
    assert info.last_active_at is not None
    assert info.connected_at.tzinfo is not None
    assert info.connected_at.utcoffset() == timedelta(0)
    assert info.last_active_at.utcoffset() == timedelta(0)
    [req] = server.requests
    assert (req.method, req.path, req.body) == ("GET", f"/dev/@connections/{CID_IN_PATH}", b"")


def test_delete_then_the_connection_is_gone(server: ManagementApiServer, client: Boto3ManagementClient) -> None:
    server.connections[CID] = Connection()
    client.delete_connection(CID)
    assert CID not in server.connections
    with pytest.raises(GoneError) as info:
        client.post_to_connection(CID, b"late")
    assert info.value.status == 410
    assert [r.method for r in server.requests] == ["DELETE", "POST"]


def test_unknown_connection_is_gone_except_for_delete(
    server: ManagementApiServer, client: Boto3ManagementClient
) -> None:
    for operation in ("post_to_connection", "get_connection"):
        with pytest.raises(GoneError) as info:
            _call(client, operation, "nobody=")
        assert info.value.operation == operation
        assert info.value.connection_id == "nobody="
        assert "connection nobody= is gone" in str(info.value)
    # closing a connection that is already gone succeeds: the goal holds (as Lift's streamer does)
    assert client.delete_connection("nobody=") is None
    # 410 is never retried
    assert [r.method for r in server.requests] == ["POST", "GET", "DELETE"]


@pytest.mark.parametrize("connection_id", ["", "   ", "\t\r\n", "\u3000\u2028\x85"])
def test_blank_connection_id_fails_before_any_request(
    server: ManagementApiServer, client: Boto3ManagementClient, connection_id: str
) -> None:
    for operation in _METHODS:
        with pytest.raises(InvalidConnectionError, match=f"^{operation} .*: connection id is empty$") as info:
            _call(client, operation, connection_id)
        assert (info.value.operation, info.value.connection_id, info.value.status) == (operation, connection_id, 0)
    assert server.requests == []


# --- errors ------------------------------------------------------------------------------------------

# (operation, status, x-amzn-ErrorType, error class, retryable, requests the server sees)
ERROR_CASES = [
    *[
        pytest.param(op, 410, "GoneException", GoneError, False, 1, suffixed, id=f"{op}-410{'-suffixed' * suffixed}")
        for op in ("post_to_connection", "get_connection")  # delete: test_unknown_connection_is_gone_except_for_delete
        for suffixed in (False, True)
    ],
    *[pytest.param(op, 403, "ForbiddenException", ForbiddenError, False, 1, False, id=f"{op}-403") for op in _METHODS],
    pytest.param(
        "post_to_connection", 413, "PayloadTooLargeException", PayloadTooLargeError, False, 1, True, id="post-413"
    ),
    *[
        pytest.param(op, 500, "InternalServerErrorException", ServerError, True, MAX_ATTEMPTS, suffixed, id=f"{op}-500")
        for op, suffixed in zip(_METHODS, (False, True, False), strict=True)
    ],
    # Throttling backs off for real (1 s scale), so one operation is enough here; test_streamer_stubber
    # maps LimitExceededException for every operation.
    pytest.param(
        "post_to_connection", 429, "LimitExceededException", ThrottledError, True, MAX_ATTEMPTS, True, id="post-429"
    ),
]


@pytest.mark.parametrize(
    ("operation", "status", "error_type", "error_cls", "retryable", "attempts", "suffixed"), ERROR_CASES
)
def test_aws_error_becomes_typed_error(
    server: ManagementApiServer,
    client: Boto3ManagementClient,
    operation: str,
    status: int,
    error_type: str,
    error_cls: type[ManagementError],
    retryable: bool,
    attempts: int,
    suffixed: bool,
) -> None:
    server.connections[CID] = Connection()
    server.fail(status, error_type, f"{error_type}: as AWS says it", suffixed=suffixed)

    with pytest.raises(ManagementError) as info:
        _call(client, operation)
    err = info.value
    assert type(err) is error_cls
    assert err.operation == operation
    assert err.connection_id == CID
    assert err.status == status
    assert err.aws_code == error_type  # the ":http://internal.amazon.com/..." suffix is not part of the code
    assert err.retryable is retryable
    cause: Any = err.cause
    assert isinstance(cause, ClientError)
    meta = cause.response["ResponseMetadata"]
    assert meta["HTTPStatusCode"] == status
    assert meta["RequestId"] == server.request_ids[-1]
    assert cause.response["Error"]["Message"] == f"{error_type}: as AWS says it"
    assert err.__cause__ is cause
    assert f"{error_type}: as AWS says it" in str(err)

    # Retryable errors are retried by the SDK's standard retryer up to the IDL's total attempt count;
    # the others are sent exactly once.
    assert len(server.requests) == attempts
    assert meta["RetryAttempts"] == attempts - 1
    assert all(r.method == _METHODS[operation] for r in server.requests)
    assert all(r.path == f"/dev/@connections/{CID_IN_PATH}" for r in server.requests)
    assert [_sdk_request(r)["attempt"] for r in server.requests] == [str(n) for n in range(1, attempts + 1)]
    if operation == "post_to_connection":
        assert {r.body for r in server.requests} == {b"hello"}


def test_server_side_413_for_a_payload_under_the_local_limit(
    server: ManagementApiServer, client: Boto3ManagementClient
) -> None:
    server.connections[CID] = Connection()
    server.fail(413, "PayloadTooLargeException", "Message too long")
    payload = b"x" * constants.MESSAGE_BYTES
    with pytest.raises(PayloadTooLargeError) as info:
        client.post_to_connection(CID, payload)
    assert info.value.status == 413
    assert isinstance(info.value.cause, ClientError)
    assert [r.body for r in server.requests] == [payload]


def test_oversize_payload_is_never_sent(server: ManagementApiServer, client: Boto3ManagementClient) -> None:
    server.connections[CID] = Connection()
    with pytest.raises(PayloadTooLargeError) as info:
        client.post_to_connection(CID, b"x" * (constants.MESSAGE_BYTES + 1))
    assert info.value.status == 413
    assert info.value.aws_code == "PayloadTooLargeException"
    assert info.value.cause is None
    assert server.requests == []
    assert server.connections[CID].received == []


@pytest.mark.parametrize(
    ("status", "error_cls", "retryable", "attempts"),
    [
        pytest.param(410, GoneError, False, 1, id="410"),
        pytest.param(403, ForbiddenError, False, 1, id="403"),
        pytest.param(503, ServerError, True, MAX_ATTEMPTS, id="503"),
        pytest.param(502, ServerError, True, MAX_ATTEMPTS, id="502"),
        pytest.param(400, ManagementError, False, 1, id="400"),
    ],
)
def test_errors_without_an_error_type_map_by_status(
    server: ManagementApiServer,
    client: Boto3ManagementClient,
    status: int,
    error_cls: type[ManagementError],
    retryable: bool,
    attempts: int,
) -> None:
    # e.g. a proxy or load balancer answering instead of the service
    server.fail(status, None, "upstream trouble")
    with pytest.raises(ManagementError) as info:
        client.get_connection(CID)
    err = info.value
    assert type(err) is error_cls
    assert err.status == status
    assert err.retryable is retryable
    assert isinstance(err.cause, ClientError)
    assert len(server.requests) == attempts


def test_connection_refused_is_a_network_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # nothing listens on `port` now
    client = new_client(f"http://127.0.0.1:{port}/dev", "us-east-1")
    with pytest.raises(ManagementError) as info:
        client.delete_connection(CID)
    err = info.value
    assert type(err) is NetworkError
    assert err.operation == "delete_connection"
    assert err.connection_id == CID
    assert err.status == 0
    assert err.aws_code == ""
    assert err.retryable is True
    assert isinstance(err.cause, EndpointConnectionError)
    assert err.__cause__ is err.cause


# --- hostile endpoints: the call ends with a typed error within its deadline ---------------------------

# Short timeouts keep these tests fast; test_idl_deadline_against_a_silent_server runs the IDL's own.
CONNECT_MS, READ_MS, DEADLINE_MS = 300, 500, 1500
# A hang guard, not a performance claim: generous for a loaded CI machine.
MARGIN_S = 3.0


class HostileServer:
    """A TCP server on 127.0.0.1 that reads each request's head, then misbehaves in one way.

    silent: never answers; drip: answers 200 with a 1 MB Content-Length and one body byte every
    100 ms (never idle long enough for a read timeout); drip-head: sends the status line's bytes one
    every 100 ms; reset: closes with SO_LINGER 0, so the client sees a TCP RST.
    """

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.accepted = 0
        self._stop = threading.Event()
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self._sock.settimeout(0.05)
        self._conns: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, name=f"hostile-{mode}", daemon=True)
        self._thread.start()

    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self._sock.getsockname()[1]}/dev"

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted += 1
            self._conns.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(5)
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                head += chunk
            if self.mode == "reset":
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                conn.close()
                return
            if self.mode == "drip":
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n")
                data = b"{" + b" " * 999_999
            elif self.mode == "drip-head":
                data = b"HTTP/1.1 200 OK\r\n" + b"X-Slow: " + b"a" * 1000
            else:
                data = b""
            for byte in data:
                if self._stop.wait(0.1):
                    return
                conn.sendall(bytes([byte]))
            self._stop.wait()
        except OSError:
            pass

    def stop(self) -> None:
        self._stop.set()
        self._sock.close()
        for conn in self._conns:
            with contextlib.suppress(OSError):
                conn.close()
        self._thread.join(timeout=5)


@pytest.fixture
def hostile(request: pytest.FixtureRequest) -> Iterator[HostileServer]:
    srv = HostileServer(request.param)
    try:
        yield srv
    finally:
        srv.stop()


def _short(endpoint: str) -> Boto3ManagementClient:
    return Boto3ManagementClient(
        endpoint, "us-east-1", connect_timeout_ms=CONNECT_MS, read_timeout_ms=READ_MS, call_deadline_ms=DEADLINE_MS
    )


def _timed(client: Boto3ManagementClient, operation: str) -> tuple[ManagementError, float]:
    start = time.monotonic()
    with pytest.raises(ManagementError) as info:
        _call(client, operation)
    return info.value, time.monotonic() - start


@pytest.mark.parametrize("hostile", ["silent", "drip", "drip-head"], indirect=True)
@pytest.mark.parametrize("operation", list(_METHODS))
def test_a_server_that_never_finishes_ends_in_deadline_exceeded(hostile: HostileServer, operation: str) -> None:
    err, elapsed = _timed(_short(hostile.endpoint()), operation)
    assert type(err) is DeadlineExceededError
    assert isinstance(err, NetworkError)
    assert (err.operation, err.connection_id, err.status, err.aws_code) == (operation, CID, 0, "")
    assert err.retryable is True
    assert err.cause is not None
    assert err.__cause__ is err.cause
    assert elapsed < DEADLINE_MS / 1000 + MARGIN_S, elapsed
    assert hostile.accepted >= 1


def test_idl_deadline_against_a_silent_server() -> None:
    # The IDL's own timeouts: well under API Gateway's 29 s, where botocore's defaults took 180 s.
    assert constants.MANAGEMENT_CONNECT_TIMEOUT_MS <= constants.MANAGEMENT_CALL_DEADLINE_MS < 29_000
    assert constants.MANAGEMENT_READ_TIMEOUT_MS <= constants.MANAGEMENT_CALL_DEADLINE_MS
    srv = HostileServer("silent")
    try:
        client = new_client(srv.endpoint(), "us-east-1")
        config = client.sdk_client.meta.config
        assert config.connect_timeout == constants.MANAGEMENT_CONNECT_TIMEOUT_MS / 1000
        assert config.read_timeout == constants.MANAGEMENT_READ_TIMEOUT_MS / 1000
        err, elapsed = _timed(client, "post_to_connection")
    finally:
        srv.stop()
    assert type(err) is DeadlineExceededError
    assert elapsed < constants.MANAGEMENT_CALL_DEADLINE_MS / 1000 + MARGIN_S, elapsed


def test_read_timeout_alone_is_a_deadline_exceeded_error() -> None:
    # Every attempt times out before the deadline: the SDK's own ReadTimeoutError is the cause.
    srv = HostileServer("silent")
    try:
        client = Boto3ManagementClient(
            srv.endpoint(), "us-east-1", connect_timeout_ms=200, read_timeout_ms=200, call_deadline_ms=20_000
        )
        err, elapsed = _timed(client, "get_connection")
    finally:
        srv.stop()
    assert type(err) is DeadlineExceededError
    assert isinstance(err.cause, ReadTimeoutError)
    assert elapsed < 20 + MARGIN_S


@pytest.mark.parametrize("hostile", ["reset"], indirect=True)
@pytest.mark.parametrize("operation", list(_METHODS))
def test_a_reset_connection_is_a_network_error_after_the_sdk_retries(hostile: HostileServer, operation: str) -> None:
    err, elapsed = _timed(_short(hostile.endpoint()), operation)
    assert isinstance(err, NetworkError)
    if type(err) is NetworkError:  # the SDK's backoff can reach the deadline first on a slow machine
        assert isinstance(err.cause, ConnectionClosedError)
        assert hostile.accepted == MAX_ATTEMPTS
    assert (err.operation, err.connection_id, err.status, err.retryable) == (operation, CID, 0, True)
    assert elapsed < DEADLINE_MS / 1000 + MARGIN_S, elapsed


def test_an_unresolvable_host_is_a_network_error() -> None:
    err, elapsed = _timed(_short("http://management.invalid/dev"), "get_connection")
    assert isinstance(err, NetworkError)
    assert (err.status, err.retryable) == (0, True)
    assert elapsed < DEADLINE_MS / 1000 + MARGIN_S, elapsed


MALFORMED_BODIES = [
    pytest.param(b"\xff\xfe{}", "body is not UTF-8", id="not-utf8"),
    pytest.param(
        b'{"connectedAt": "2026-11-26T06:40:38.012Z", "identity": {"sourceIp": "203.0',
        "body is not JSON",
        id="truncated",
    ),
    pytest.param(b"", "body is not JSON", id="empty"),
    pytest.param(b"<html>Bad gateway</html>", "body is not JSON", id="html"),
    pytest.param(b'{"connectedAt": NaN}', "body is not JSON", id="nan"),
    pytest.param(b"[]", "body is not a JSON object", id="array"),
    pytest.param(b'"text"', "body is not a JSON object", id="string"),
    pytest.param(b'{"connectedAt": true}', "connectedAt is not a timestamp", id="boolean"),
    pytest.param(b'{"connectedAt": 1e300}', "connectedAt is not a timestamp", id="epoch-out-of-range"),
    pytest.param(b'{"connectedAt": "yesterday"}', "connectedAt is not a timestamp", id="not-a-date"),
    pytest.param(b'{"lastActiveAt": "2026-13-01T00:00:00Z"}', "lastActiveAt is not a timestamp", id="month-13"),
    pytest.param(b'{"identity": "203.0.113.7"}', "identity is not an object", id="identity-string"),
    pytest.param(b'{"identity": {"sourceIp": 7}}', "identity.sourceIp is not a string", id="ip-number"),
    pytest.param(b'{"identity": {"userAgent": ["x"]}}', "identity.userAgent is not a string", id="ua-list"),
]


@pytest.mark.parametrize(("body", "problem"), MALFORMED_BODIES)
def test_a_malformed_get_connection_body_is_a_typed_error(
    server: ManagementApiServer, client: Boto3ManagementClient, body: bytes, problem: str
) -> None:
    server.connections[CID] = Connection()
    server.get_body = body
    with pytest.raises(ManagementError) as info:
        client.get_connection(CID)
    err = info.value
    assert type(err) is MalformedResponseError
    assert (err.operation, err.connection_id, err.status, err.aws_code) == ("get_connection", CID, 200, "")
    assert err.retryable is False
    assert str(err).endswith(f"malformed response: {problem}"), str(err)
    assert err.cause is not None
    assert err.__cause__ is err.cause
    assert len(server.requests) == 1  # never retried


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"{}", id="empty-object"),
        pytest.param(b'{"connectedAt": null, "identity": null, "extra": [1, {"x": 2}]}', id="nulls-and-unknown"),
        pytest.param(b'{"connectedAt": "2026-11-26T07:40:38.012345678+01:00"}', id="offset-nanoseconds"),
    ],
)
def test_a_well_formed_body_with_absent_members_parses(
    server: ManagementApiServer, client: Boto3ManagementClient, body: bytes
) -> None:
    server.connections[CID] = Connection()
    server.get_body = body
    info = client.get_connection(CID)
    assert info.source_ip == info.user_agent == ""


def test_bodies_of_operations_without_output_are_not_checked(
    server: ManagementApiServer, client: Boto3ManagementClient
) -> None:
    server.connections[CID] = Connection()
    server.get_body = b"\xff not json"
    client.post_to_connection(CID, b"x")  # 200 with an empty body, as AWS answers
