"""Boto3ManagementClient on the real boto3 client, with botocore's Stubber in front of the network.

The Stubber checks the parameters the generated client passes against the expected ones, and boto3
validates them against the apigatewaymanagementapi service model before the Stubber answers; stubbed
responses are validated against the model's output shapes.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, StubAssertionError
from botocore.stub import Stubber

from apptheory_generated import constants
from apptheory_generated.errors import (
    ForbiddenError,
    GoneError,
    InvalidConnectionError,
    ManagementError,
    PayloadTooLargeError,
    ServerError,
    ThrottledError,
)
from apptheory_generated.streamer import Boto3ManagementClient, ConnectionInfo

ENDPOINT = "https://abc123.execute-api.us-east-1.amazonaws.com/dev"
CONNECTION_ID = "L0SM9cOFvHcCIhw="
OPERATIONS = ("post_to_connection", "get_connection", "delete_connection")


@pytest.fixture(autouse=True)
def _dummy_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    for name in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_RETRY_MODE", "AWS_MAX_ATTEMPTS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/aws-config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws-credentials")


@pytest.fixture
def client() -> Boto3ManagementClient:
    return Boto3ManagementClient(ENDPOINT, "us-east-1")


@pytest.fixture
def stubber(client: Boto3ManagementClient) -> Iterator[Stubber]:
    with Stubber(client.sdk_client) as stub:
        yield stub
        stub.assert_no_pending_responses()


def _call(client: Boto3ManagementClient, operation: str, connection_id: str = CONNECTION_ID) -> Any:
    if operation == "post_to_connection":
        return client.post_to_connection(connection_id, b"hello")
    return getattr(client, operation)(connection_id)


def _expected_params(operation: str, connection_id: str = CONNECTION_ID) -> dict[str, Any]:
    if operation == "post_to_connection":
        return {"ConnectionId": connection_id, "Data": b"hello"}
    return {"ConnectionId": connection_id}


# --- the client boto3 builds ------------------------------------------------------------------------


def test_sdk_client_targets_the_endpoint_and_region(client: Boto3ManagementClient) -> None:
    sdk = client.sdk_client
    assert client.endpoint == ENDPOINT
    assert sdk.meta.service_model.service_name == "apigatewaymanagementapi"
    assert sdk.meta.endpoint_url == ENDPOINT
    assert sdk.meta.region_name == "us-east-1"


def test_sdk_client_uses_standard_retries_with_the_idl_attempt_count(client: Boto3ManagementClient) -> None:
    # botocore normalises the retry config to `total_max_attempts` (first try included), which is what
    # the IDL's max_attempts means ("Total attempts per management call (first try included)").
    retries = client.sdk_client.meta.config.retries
    assert retries["mode"] == constants.MANAGEMENT_RETRY_MODE == "standard"
    assert retries["total_max_attempts"] == constants.MANAGEMENT_MAX_ATTEMPTS


def test_injected_sdk_client_is_used_as_is() -> None:
    sdk = boto3.client(
        "apigatewaymanagementapi",
        endpoint_url=ENDPOINT,
        region_name="us-east-1",
        config=Config(retries={"mode": "standard", "total_max_attempts": 1}),
    )
    client = Boto3ManagementClient(ENDPOINT, "us-east-1", sdk_client=sdk)
    assert client.sdk_client is sdk
    with Stubber(sdk) as stub:
        stub.add_response("post_to_connection", {}, {"ConnectionId": "abc=", "Data": b"\x00\xff"})
        stub.add_response("delete_connection", {}, {"ConnectionId": "abc="})
        client.post_to_connection("abc=", b"\x00\xff")
        client.delete_connection("abc=")
        stub.assert_no_pending_responses()


# --- successful calls: parameters and output ---------------------------------------------------------


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param(b'{"hello":"world"}', id="json"),
        pytest.param(b"", id="empty"),
        pytest.param(b"\xff\xfe\x00\x80 not utf-8 \xc3\x28", id="non-utf8"),
        pytest.param(bytes(range(256)) * (constants.MESSAGE_BYTES // 256), id="exact-limit"),
    ],
)
def test_post_to_connection_passes_connection_id_and_data(
    client: Boto3ManagementClient, stubber: Stubber, payload: bytes
) -> None:
    stubber.add_response("post_to_connection", {}, {"ConnectionId": CONNECTION_ID, "Data": payload})
    client.post_to_connection(CONNECTION_ID, payload)


def test_exact_limit_payload_is_the_idl_limit() -> None:
    assert constants.MESSAGE_BYTES == 128 * 1024 == 131072


def test_stubber_expected_params_are_really_checked(client: Boto3ManagementClient, stubber: Stubber) -> None:
    # Guards the tests above against passing vacuously: a wrong Data is noticed. The Stubber's assertion
    # error is not a network failure, so the generated client lets it through untouched.
    stubber.add_response("post_to_connection", {}, {"ConnectionId": CONNECTION_ID, "Data": b"other"})
    with pytest.raises(StubAssertionError):
        client.post_to_connection(CONNECTION_ID, b"hello")
    # the rejected call did not consume the queued response; the matching call does
    client.post_to_connection(CONNECTION_ID, b"other")


def test_get_connection_builds_connection_info(client: Boto3ManagementClient, stubber: Stubber) -> None:
    connected = datetime(2026, 11, 26, 6, 40, 38, 12000, tzinfo=UTC)
    active = datetime(2026, 11, 26, 8, 41, 0, tzinfo=timezone(timedelta(hours=2)))
    stubber.add_response(
        "get_connection",
        {
            "ConnectedAt": connected,
            "LastActiveAt": active,
            "Identity": {"SourceIp": "203.0.113.7", "UserAgent": "Mozilla/5.0 (X11)"},
        },
        {"ConnectionId": CONNECTION_ID},
    )
    info = client.get_connection(CONNECTION_ID)
    assert isinstance(info, ConnectionInfo)
    assert info == ConnectionInfo(
        connected_at=connected,
        last_active_at=active,
        source_ip="203.0.113.7",
        user_agent="Mozilla/5.0 (X11)",
    )
    assert info.connected_at is not None
    assert info.last_active_at is not None
    assert info.connected_at.tzinfo is not None
    assert info.last_active_at.tzinfo is not None
    assert info.last_active_at - info.connected_at == timedelta(minutes=0, seconds=21, microseconds=988000)


def test_get_connection_treats_naive_sdk_timestamps_as_utc(client: Boto3ManagementClient, stubber: Stubber) -> None:
    stubber.add_response(
        "get_connection",
        {
            "ConnectedAt": datetime(2026, 11, 26, 6, 40, 38),
            "LastActiveAt": datetime(2026, 11, 26, 6, 45, 0),
            "Identity": {"SourceIp": "198.51.100.1", "UserAgent": "ua"},
        },
        {"ConnectionId": CONNECTION_ID},
    )
    info = client.get_connection(CONNECTION_ID)
    assert info.connected_at == datetime(2026, 11, 26, 6, 40, 38, tzinfo=UTC)
    assert info.last_active_at == datetime(2026, 11, 26, 6, 45, 0, tzinfo=UTC)
    assert info.connected_at is not None
    assert info.connected_at.utcoffset() == timedelta(0)


def test_get_connection_with_nothing_known(client: Boto3ManagementClient, stubber: Stubber) -> None:
    # Every output member is optional in the service model.
    stubber.add_response("get_connection", {}, {"ConnectionId": CONNECTION_ID})
    assert client.get_connection(CONNECTION_ID) == ConnectionInfo(
        connected_at=None, last_active_at=None, source_ip="", user_agent=""
    )


def test_delete_connection_passes_connection_id(client: Boto3ManagementClient, stubber: Stubber) -> None:
    stubber.add_response("delete_connection", {}, {"ConnectionId": CONNECTION_ID})
    client.delete_connection(CONNECTION_ID)


# --- errors ------------------------------------------------------------------------------------------


def test_gone_delete_is_success(client: Boto3ManagementClient, stubber: Stubber) -> None:
    stubber.add_client_error(
        "delete_connection",
        service_error_code="GoneException",
        http_status_code=410,
        expected_params={"ConnectionId": CONNECTION_ID},
    )
    assert client.delete_connection(CONNECTION_ID) is None
    stubber.assert_no_pending_responses()


@pytest.mark.parametrize("operation", OPERATIONS)
def test_blank_connection_id_never_reaches_the_sdk(
    client: Boto3ManagementClient, stubber: Stubber, operation: str
) -> None:
    with pytest.raises(InvalidConnectionError, match="connection id is empty"):
        _call(client, operation, " ")
    stubber.assert_no_pending_responses()  # nothing queued was consumed, and the Stubber saw no call


ERROR_CASES = [
    # (AWS code, HTTP status, typed error class, retryable)
    ("GoneException", 410, GoneError, False),
    ("ForbiddenException", 403, ForbiddenError, False),
    ("PayloadTooLargeException", 413, PayloadTooLargeError, False),
    ("LimitExceededException", 429, ThrottledError, True),
    ("InternalServerErrorException", 500, ServerError, True),
    ("ServiceUnavailable", 503, ServerError, True),
    ("BadGateway", 502, ServerError, True),
    ("BadRequestException", 400, ManagementError, False),
    ("NotFoundException", 404, ManagementError, False),
]


@pytest.mark.parametrize(
    ("operation", "aws_code", "status", "error_cls", "retryable"),
    # a Gone delete is success: test_gone_delete_is_success
    [
        (op, *case)
        for case in ERROR_CASES
        for op in OPERATIONS
        if not (op == "delete_connection" and case[2] is GoneError)
    ],
)
def test_client_error_becomes_typed_error(
    client: Boto3ManagementClient,
    stubber: Stubber,
    operation: str,
    aws_code: str,
    status: int,
    error_cls: type[ManagementError],
    retryable: bool,
) -> None:
    stubber.add_client_error(
        operation,
        service_error_code=aws_code,
        service_message=f"{aws_code} from the stub",
        http_status_code=status,
        expected_params=_expected_params(operation),
        response_meta={"RequestId": "req-123"},
    )
    with pytest.raises(ManagementError) as info:
        _call(client, operation)
    err = info.value
    assert type(err) is error_cls
    assert err.operation == operation
    assert err.connection_id == CONNECTION_ID
    assert err.status == status
    assert err.aws_code == aws_code
    assert err.retryable is retryable
    cause: Any = err.cause
    assert isinstance(cause, ClientError)
    assert cause.response["Error"]["Code"] == aws_code
    assert cause.response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert cause.response["ResponseMetadata"]["RequestId"] == "req-123"
    assert cause.operation_name == "".join(part.title() for part in operation.split("_"))
    assert err.__cause__ is cause
    text = str(err)
    assert operation in text
    assert CONNECTION_ID in text
    assert aws_code in text
    assert f"{aws_code} from the stub" in text


def test_aws_code_wins_over_status(client: Boto3ManagementClient, stubber: Stubber) -> None:
    # A GoneException is a GoneError whatever status it arrived with.
    stubber.add_client_error(
        "post_to_connection",
        service_error_code="GoneException",
        http_status_code=400,
        expected_params=_expected_params("post_to_connection"),
    )
    with pytest.raises(GoneError) as info:
        client.post_to_connection(CONNECTION_ID, b"hello")
    assert info.value.status == 400
    assert info.value.aws_code == "GoneException"


def test_status_maps_when_the_code_is_unknown(client: Boto3ManagementClient, stubber: Stubber) -> None:
    stubber.add_client_error(
        "get_connection",
        service_error_code="SomethingNew",
        http_status_code=410,
        expected_params=_expected_params("get_connection"),
    )
    with pytest.raises(GoneError) as info:
        client.get_connection(CONNECTION_ID)
    assert info.value.status == 410
    assert info.value.aws_code == "SomethingNew"
    assert info.value.retryable is False


# --- local size check --------------------------------------------------------------------------------


def test_oversize_payload_fails_before_any_call(client: Boto3ManagementClient, stubber: Stubber) -> None:
    calls: list[str] = []

    def record(**kwargs: Any) -> None:
        calls.append(kwargs["model"].name)

    client.sdk_client.meta.events.register("before-call", record)
    client.sdk_client.meta.events.register("before-parameter-build", record)

    payload = b"x" * (constants.MESSAGE_BYTES + 1)
    assert len(payload) == 131073
    # Nothing is queued: had the SDK been called, the Stubber would have failed the call with
    # UnStubbedResponseError, surfacing as a status-0 ManagementError, not a 413 with no cause.
    with pytest.raises(PayloadTooLargeError) as info:
        client.post_to_connection(CONNECTION_ID, payload)
    err = info.value
    assert err.operation == "post_to_connection"
    assert err.connection_id == CONNECTION_ID
    assert err.status == 413
    assert err.aws_code == "PayloadTooLargeException"
    assert err.retryable is False
    assert err.cause is None
    assert err.__cause__ is None
    assert "131073" in str(err)
    assert "131072" in str(err)
    assert calls == []
    stubber.assert_no_pending_responses()
