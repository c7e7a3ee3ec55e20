"""new_client against moto's apigatewaymanagementapi backend (moto 5.2.5, `mock_aws`).

What moto models (moto/apigatewaymanagementapi/models.py + responses.py):
- connections live in a `defaultdict(Connection)` per account and region (the region is the one the
  request was signed for): PostToConnection and GetConnection on an unknown id *create* it, so moto
  never answers GoneException; DeleteConnection pops the id and ignores unknown ids;
- posted data is appended to `Connection.data`;
- GetConnection answers sourceIp "192.168.0.1", userAgent "Moto Mocks", connectedAt = creation time and
  lastActiveAt = now, both as epoch seconds (JSON numbers);
- the id is taken from the raw request path and never URL-decoded, so an id ending with "=" is stored
  under its encoded form ("...%3D"); get/delete encode it the same way, so round trips stay consistent.
Error mapping and retries are covered against a real HTTP server in test_streamer_http.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from moto import mock_aws
from moto.apigatewaymanagementapi.models import apigatewaymanagementapi_backends
from moto.core.models import DEFAULT_ACCOUNT_ID

from apptheory.streamer import new_client
from apptheory_generated import constants
from apptheory_generated.errors import PayloadTooLargeError
from apptheory_generated.streamer import Boto3ManagementClient, ConnectionInfo

ENDPOINT = "https://abc123.execute-api.us-east-1.amazonaws.com/dev"


@pytest.fixture(autouse=True)
def _dummy_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    # A different env region: the execute-api host's region must win (docs/runtime.md "Management endpoint and region").
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/aws-config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws-credentials")


@pytest.fixture
def client() -> Iterator[Boto3ManagementClient]:
    with mock_aws():
        yield new_client(ENDPOINT)


def _connections() -> dict[str, Any]:
    return apigatewaymanagementapi_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].connections


def test_new_client_derives_region_from_the_execute_api_host(client: Boto3ManagementClient) -> None:
    assert isinstance(client, Boto3ManagementClient)
    assert client.endpoint == ENDPOINT
    assert client.sdk_client.meta.region_name == "us-east-1"
    assert client.sdk_client.meta.endpoint_url == ENDPOINT


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param(b'{"type":"hello"}', id="json"),
        pytest.param(b"\xff\xfe\x00\x80\xc3\x28", id="non-utf8"),
        pytest.param(bytes(range(256)) * (constants.MESSAGE_BYTES // 256), id="exact-limit"),
    ],
)
def test_post_to_connection_delivers_bytes(client: Boto3ManagementClient, payload: bytes) -> None:
    client.post_to_connection("conn1", payload)
    connections = _connections()
    assert set(connections) == {"conn1"}
    assert connections["conn1"].data == payload
    # nothing landed in the env region
    assert not apigatewaymanagementapi_backends[DEFAULT_ACCOUNT_ID]["eu-west-1"].connections


def test_posts_accumulate_per_connection(client: Boto3ManagementClient) -> None:
    client.post_to_connection("conn1", b"one,")
    client.post_to_connection("conn2", b"other")
    client.post_to_connection("conn1", b"two")
    connections = _connections()
    assert connections["conn1"].data == b"one,two"
    assert connections["conn2"].data == b"other"


def test_ids_ending_with_equals_round_trip(client: Boto3ManagementClient) -> None:
    cid = "L0SM9cOFvHcCIhw="
    client.post_to_connection(cid, b"hi")
    # moto keeps the id as it appeared in the (URL-encoded) request path
    assert set(_connections()) == {"L0SM9cOFvHcCIhw%3D"}
    info = client.get_connection(cid)
    assert info.user_agent == "Moto Mocks"
    assert set(_connections()) == {"L0SM9cOFvHcCIhw%3D"}  # the get found the same connection
    client.delete_connection(cid)
    assert set(_connections()) == set()


def test_get_connection_returns_typed_info(client: Boto3ManagementClient) -> None:
    before = datetime.now(UTC) - timedelta(seconds=1)
    client.post_to_connection("conn1", b"x")
    info = client.get_connection("conn1")
    after = datetime.now(UTC) + timedelta(seconds=1)

    assert isinstance(info, ConnectionInfo)
    assert info.source_ip == "192.168.0.1"
    assert info.user_agent == "Moto Mocks"
    assert info.connected_at is not None
    assert info.last_active_at is not None
    assert info.connected_at.tzinfo is not None
    assert info.last_active_at.tzinfo is not None
    assert before <= info.connected_at <= info.last_active_at <= after


def test_get_connection_of_unknown_id_creates_it_in_moto(client: Boto3ManagementClient) -> None:
    # moto cannot model GoneException: its backend is a defaultdict.
    assert "never-seen" not in _connections()
    info = client.get_connection("never-seen")
    assert info.source_ip == "192.168.0.1"
    assert "never-seen" in _connections()
    assert _connections()["never-seen"].data == b""


def test_delete_connection_removes_it(client: Boto3ManagementClient) -> None:
    client.post_to_connection("conn1", b"x")
    client.post_to_connection("conn2", b"y")
    client.delete_connection("conn1")
    assert set(_connections()) == {"conn2"}
    # a later post starts a fresh connection with no data from before
    client.post_to_connection("conn1", b"z")
    assert _connections()["conn1"].data == b"z"


def test_delete_of_unknown_id_is_a_no_op_in_moto(client: Boto3ManagementClient) -> None:
    client.delete_connection("never-seen")
    assert set(_connections()) == set()


def test_oversize_payload_never_reaches_moto(client: Boto3ManagementClient) -> None:
    with pytest.raises(PayloadTooLargeError) as info:
        client.post_to_connection("conn1", b"x" * (constants.MESSAGE_BYTES + 1))
    assert info.value.status == 413
    assert info.value.cause is None
    assert set(_connections()) == set()
