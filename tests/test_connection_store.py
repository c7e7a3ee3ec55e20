"""The connection store: one behaviour suite run against moto's DynamoDB server and the in-memory store,
then what only DynamoDB has (layout, TTL, error mapping) and the strict fake."""

from __future__ import annotations

import inspect
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from apptheory.connections import (
    LIFETIME,
    Connection,
    ConnectionStore,
    ConnectionStoreError,
    DynamoDBConnectionStore,
    FakeConnectionStore,
    InMemoryConnectionStore,
    Principal,
    StoreCall,
    StoreTableNotFoundError,
    StoreThrottledError,
    StoreUnavailableError,
    create_table,
)

T0 = datetime(2026, 11, 30, 12, 0, 0, 123456, tzinfo=UTC)


def _new_table(endpoint: str) -> DynamoDBConnectionStore:
    name = f"connections-{uuid.uuid4().hex[:12]}"
    create_table(name, region="us-east-1", endpoint_url=endpoint)
    return DynamoDBConnectionStore(name, region="us-east-1", endpoint_url=endpoint)


@pytest.fixture(params=["memory", "dynamodb"])
def store(request: pytest.FixtureRequest) -> Iterator[ConnectionStore]:
    if request.param == "memory":
        yield InMemoryConnectionStore()
    else:
        yield _new_table(request.getfixturevalue("dynamodb_endpoint"))


def conn(cid: str, user: str = "", tenant: str = "", created: datetime | None = T0, **kw: Any) -> Connection:
    expires = kw.pop("expires_at", datetime.now(UTC) + timedelta(hours=1))
    return Connection(id=cid, user_id=user, tenant_id=tenant, created_at=created, expires_at=expires, **kw)


# --- the shared suite ------------------------------------------------------------------------------


def test_save_then_get_round_trips_every_field(store: ConnectionStore) -> None:
    principal = Principal(
        subject="u-1", scopes=("chat:read", "chat:write"), claims={"iss": "dev", "n": 3, "x": [1, None]}
    )
    expires = datetime(2099, 1, 1, 0, 0, 0, 900000, tzinfo=UTC)
    store.save(conn("c1", "u-1", "t-1", metadata={"room": "lobby", "é": "ü"}, principal=principal, expires_at=expires))
    got = store.get("c1")
    assert got == Connection(
        id="c1",
        user_id="u-1",
        tenant_id="t-1",
        created_at=datetime(2026, 11, 30, 12, 0, 0, 123000, tzinfo=UTC),  # kept to the millisecond
        expires_at=datetime(2099, 1, 1, tzinfo=UTC),  # kept to the second (the TTL attribute)
        metadata={"room": "lobby", "é": "ü"},
        principal=principal,
    )


def test_save_fills_created_at_and_expires_at_from_the_lifetime(store: ConnectionStore) -> None:
    before = datetime.now(UTC) - timedelta(seconds=1)
    store.save(Connection(id="c1"))
    got = store.get("c1")
    assert got is not None
    assert got.created_at is not None
    assert got.expires_at is not None
    assert before <= got.created_at <= datetime.now(UTC)
    assert timedelta(hours=2) == LIFETIME
    assert got.created_at + LIFETIME - timedelta(seconds=1) <= got.expires_at <= got.created_at + LIFETIME
    assert (got.user_id, got.tenant_id, got.metadata, got.principal) == ("", "", {}, None)


def test_get_of_an_absent_id_is_none_not_an_error(store: ConnectionStore) -> None:
    assert store.get("nope") is None


def test_saving_the_same_id_twice_replaces_it_and_counts_it_once(store: ConnectionStore) -> None:
    store.save(conn("c1", "u-1", metadata={"v": "1"}))
    store.save(conn("c1", "u-2", metadata={"v": "2"}))
    assert store.count_active() == 1
    got = store.get("c1")
    assert got is not None
    assert (got.user_id, got.metadata) == ("u-2", {"v": "2"})
    assert store.list_by_user("u-1") == []
    assert [c.id for c in store.list_by_user("u-2")] == ["c1"]


def test_deleting_twice_uncounts_once_and_an_absent_delete_is_a_no_op(store: ConnectionStore) -> None:
    store.delete("never-saved")
    assert store.count_active() == 0
    store.save(conn("c1"))
    store.save(conn("c2"))
    assert store.count_active() == 2
    store.delete("c1")
    store.delete("c1")
    assert store.count_active() == 1
    assert store.get("c1") is None
    store.delete("c2")
    store.delete("c2")
    assert store.count_active() == 0
    store.save(conn("c1"))  # saved again after a delete: counted again
    assert store.count_active() == 1


def test_list_by_user_and_tenant_are_oldest_first_and_exact(store: ConnectionStore) -> None:
    store.save(conn("c3", "u-1", "t-1", created=T0 + timedelta(seconds=3)))
    store.save(conn("c1", "u-1", "t-2", created=T0 + timedelta(seconds=1)))
    store.save(conn("c2", "u-2", "t-1", created=T0 + timedelta(seconds=2)))
    store.save(conn("c4", "", "", created=T0))  # anonymous: in no index
    store.save(conn("c5", "u-10", "t-10", created=T0))  # a longer id sharing a prefix is another user
    assert [c.id for c in store.list_by_user("u-1")] == ["c1", "c3"]
    assert [c.id for c in store.list_by_user("u-2")] == ["c2"]
    assert [c.id for c in store.list_by_tenant("t-1")] == ["c2", "c3"]
    assert [c.id for c in store.list_by_tenant("t-2")] == ["c1"]
    assert store.list_by_user("") == []
    assert store.list_by_tenant("") == []
    assert store.list_by_user("nobody") == []


def test_expired_records_are_left_out_of_reads_but_stay_counted_until_deleted(store: ConnectionStore) -> None:
    store.save(conn("old", "u-1", "t-1", expires_at=datetime.now(UTC) - timedelta(seconds=5)))
    store.save(conn("new", "u-1", "t-1"))
    assert store.get("old") is None
    assert [c.id for c in store.list_by_user("u-1")] == ["new"]
    assert [c.id for c in store.list_by_tenant("t-1")] == ["new"]
    assert store.count_active() == 2
    store.delete("old")
    assert store.count_active() == 1


@pytest.mark.parametrize("bad", ["", "  ", None, 7])
def test_an_invalid_id_is_a_value_error_before_any_call(store: ConnectionStore, bad: Any) -> None:
    with pytest.raises(ValueError, match=r"^get: connection id must be a non-empty string, got "):
        store.get(bad)
    with pytest.raises(ValueError, match=r"^delete: connection id must be a non-empty string, got "):
        store.delete(bad)


# --- DynamoDB only ---------------------------------------------------------------------------------


def test_table_layout_keys_indexes_ttl_and_counter_item(dynamodb_endpoint: str) -> None:
    store = _new_table(dynamodb_endpoint)
    client = store.sdk_client
    store.save(conn("c1", "u-1", "t-1", expires_at=datetime(2099, 1, 1, tzinfo=UTC)))
    table = client.describe_table(TableName=store.table_name)["Table"]
    assert {k["AttributeName"]: k["KeyType"] for k in table["KeySchema"]} == {"pk": "HASH", "sk": "RANGE"}
    indexes = {
        ix["IndexName"]: [(k["AttributeName"], k["KeyType"]) for k in ix["KeySchema"]]
        for ix in table["GlobalSecondaryIndexes"]
    }
    assert indexes == {
        "user-index": [("user_id", "HASH"), ("created_at", "RANGE")],
        "tenant-index": [("tenant_id", "HASH"), ("created_at", "RANGE")],
    }
    ttl = client.describe_time_to_live(TableName=store.table_name)["TimeToLiveDescription"]
    assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", "expires_at")
    items = {(i["pk"]["S"], i["sk"]["S"]): i for i in client.scan(TableName=store.table_name)["Items"]}
    assert set(items) == {("CONN#c1", "META"), ("COUNTER#connections", "ACTIVE")}
    record = items[("CONN#c1", "META")]
    assert record["connection_id"] == {"S": "c1"}
    assert record["expires_at"] == {"N": str(int(datetime(2099, 1, 1, tzinfo=UTC).timestamp()))}
    assert record["created_at"] == {"N": str(int(T0.timestamp() * 1000))}
    assert "metadata" not in record
    assert "principal" not in record
    assert items[("COUNTER#connections", "ACTIVE")]["active_count"] == {"N": "1"}


def test_a_missing_table_is_a_typed_error(dynamodb_endpoint: str) -> None:
    store = DynamoDBConnectionStore("no-such-table", region="us-east-1", endpoint_url=dynamodb_endpoint)
    with pytest.raises(StoreTableNotFoundError) as caught:
        store.get("c1")
    err = caught.value
    assert (err.operation, err.code, err.retryable) == ("get", "ResourceNotFoundException", False)
    assert isinstance(err, ConnectionStoreError)
    assert err.cause is not None
    with pytest.raises(StoreTableNotFoundError):
        store.save(conn("c1"))
    with pytest.raises(StoreTableNotFoundError):
        store.count_active()


def test_an_unreachable_store_is_the_retryable_network_error() -> None:
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    store = DynamoDBConnectionStore("t", region="us-east-1", endpoint_url=f"http://127.0.0.1:{port}")
    with pytest.raises(StoreUnavailableError) as caught:
        store.count_active()
    assert (caught.value.operation, caught.value.retryable) == ("count_active", True)
    assert str(caught.value).startswith("count_active: EndpointConnectionError: ")


def test_the_table_name_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APPTHEORY_CONNECTIONS_TABLE", "from-env")
    assert DynamoDBConnectionStore().table_name == "from-env"
    monkeypatch.delenv("APPTHEORY_CONNECTIONS_TABLE")
    with pytest.raises(ValueError, match=r"^no connections table: pass table_name or set APPTHEORY_CONNECTIONS_TABLE$"):
        DynamoDBConnectionStore()


def test_boto3_loads_on_the_first_call_not_on_import_or_construction() -> None:
    code = (
        "import sys, apptheory, apptheory.connections as c\n"
        "c.DynamoDBConnectionStore('t', region='us-east-1')\n"
        "print('boto3' in sys.modules, 'botocore' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


# --- the strict fake -------------------------------------------------------------------------------

OPS = ("save", "get", "delete", "list_by_user", "list_by_tenant", "count_active")


@pytest.mark.parametrize("op", OPS)
def test_every_store_has_the_protocol_signature(op: str) -> None:
    expected = inspect.signature(getattr(ConnectionStore, op))
    for cls in (InMemoryConnectionStore, DynamoDBConnectionStore, FakeConnectionStore):
        assert inspect.signature(getattr(cls, op)) == expected, cls.__name__


def test_fake_records_calls_and_behaves_like_the_in_memory_store() -> None:
    fake = FakeConnectionStore([conn("c1", "u-1")])
    fake.save(conn("c2", "u-1"))
    assert [c.id for c in fake.list_by_user("u-1")] == ["c1", "c2"]
    assert fake.get("zz") is None
    fake.delete("c1")
    assert fake.count_active() == 1
    assert fake.calls == [
        StoreCall("save", (conn("c2", "u-1", expires_at=fake.calls[0].args[0].expires_at),)),
        StoreCall("list_by_user", ("u-1",)),
        StoreCall("get", ("zz",)),
        StoreCall("delete", ("c1",)),
        StoreCall("count_active", ()),
    ]
    assert [r.id for r in fake.records()] == ["c2"]


def test_fake_injects_a_declared_error_once_or_sticky() -> None:
    fake = FakeConnectionStore()
    fake.fail("save", "StoreThrottledError")
    with pytest.raises(StoreThrottledError, match=r"^save: injected by FakeConnectionStore$") as caught:
        fake.save(conn("c1"))
    assert caught.value.retryable is True
    fake.save(conn("c1"))  # once: the next call succeeds
    fake.fail("get", "StoreUnavailableError", sticky=True)
    for _ in range(2):
        with pytest.raises(StoreUnavailableError):
            fake.get("c1")
    assert fake.count_active() == 1  # other operations are unaffected
    fake.clear_failures()
    assert fake.get("c1") is not None
    assert [c.op for c in fake.calls] == ["save", "save", "get", "get", "count_active", "get"]


def test_fake_refuses_undeclared_errors_and_unknown_operations() -> None:
    fake = FakeConnectionStore()
    with pytest.raises(ValueError) as caught:
        fake.fail("save", "GoneError")
    assert str(caught.value) == (
        "save does not declare 'GoneError'; it declares: "
        "StoreThrottledError, StoreUnavailableError, StoreTableNotFoundError"
    )
    with pytest.raises(ValueError) as caught:
        fake.fail("put", "StoreThrottledError")
    assert str(caught.value) == (
        "unknown store operation 'put'; known: save, get, delete, list_by_user, list_by_tenant, count_active"
    )
    with pytest.raises(TypeError):
        fake.save(conn("c1"), overwrite=True)  # type: ignore[call-arg]
