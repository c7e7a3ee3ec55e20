"""App(connection_store=..., auto_connections=True) and the store-backed WebSocket context helpers."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from apptheory import App, ConfigurationError, Context
from apptheory.connections import Connection, FakeConnectionStore, InMemoryConnectionStore, Principal, StoreCall
from apptheory.testkit import FakeManagementClient, LambdaContext, websocket_event

AUTH = {"principalId": "u-1", "tenantId": "t-1", "scopes": "chat:read chat:write", "token": "SECRET-TOKEN"}
INTERNAL = {"error": {"code": "app.internal", "message": "internal error", "request_id": "req-1"}}


def managed_app(store: Any, **kw: Any) -> tuple[App, FakeManagementClient]:
    fake = FakeManagementClient()
    app = App(connection_store=store, auto_connections=True, websocket_client_factory=fake.client_factory, **kw)
    return app, fake


def handle(app: App, route: str, **kw: Any) -> dict[str, Any]:
    kw.setdefault("request_id", "req-1")
    return app.handle(websocket_event(route, **kw), LambdaContext())


def test_auto_connections_needs_a_store() -> None:
    with pytest.raises(ValueError) as caught:
        App(auto_connections=True)
    assert str(caught.value) == "auto_connections=True needs a connection_store (e.g. DynamoDBConnectionStore())"


def test_a_successful_connect_saves_the_connection_with_the_authorizer_identity() -> None:
    store = FakeConnectionStore()
    app, _ = managed_app(store)
    seen: list[int] = []

    @app.websocket("$connect")
    def connect(ctx: Context) -> None:
        seen.append(store.count_active())  # saved only after the handler

    before = datetime.now(UTC) - timedelta(seconds=1)
    assert handle(app, "$connect", connection_id="c1", authorizer=AUTH)["statusCode"] == 200
    assert seen == [0]
    (record,) = store.records()
    assert (record.id, record.user_id, record.tenant_id, record.metadata) == ("c1", "u-1", "t-1", {})
    assert record.principal == Principal(subject="u-1", scopes=("chat:read", "chat:write"))
    assert record.created_at is not None
    assert before <= record.created_at <= datetime.now(UTC)
    assert record.expires_at == record.created_at.replace(microsecond=0) + timedelta(hours=2)


def test_connect_without_an_authorizer_saves_an_anonymous_connection() -> None:
    store = InMemoryConnectionStore()
    app, _ = managed_app(store)
    app.websocket("$connect", lambda ctx: None)
    handle(app, "$connect", connection_id="c1")
    record = store.get("c1")
    assert record is not None
    assert (record.user_id, record.tenant_id, record.principal) == ("", "", None)


@pytest.mark.parametrize(
    ("handler", "status"),
    [
        pytest.param("unauthorized", 401, id="app-error"),
        pytest.param("boom", 500, id="exception"),
        pytest.param("missing", 404, id="no-connect-route"),
    ],
)
def test_a_rejected_connect_saves_nothing(handler: str, status: int) -> None:
    from apptheory import AppError

    store = FakeConnectionStore()
    app, _ = managed_app(store)
    if handler == "unauthorized":

        @app.websocket("$connect")
        def deny(ctx: Context) -> None:
            raise AppError("app.unauthorized", "no token")

    elif handler == "boom":

        @app.websocket("$connect")
        def boom(ctx: Context) -> None:
            raise RuntimeError("boom")

    else:
        app.websocket("$disconnect", lambda ctx: None)
    assert handle(app, "$connect", connection_id="c1", authorizer=AUTH)["statusCode"] == status
    assert store.calls == []


def test_a_store_failure_on_connect_answers_500_and_logs_no_secrets(caplog: pytest.LogCaptureFixture) -> None:
    store = FakeConnectionStore()
    store.fail("save", "StoreUnavailableError")
    app, _ = managed_app(store)
    app.websocket("$connect", lambda ctx: {"hello": "SECRET-BODY"})
    with caplog.at_level(logging.ERROR, logger="apptheory"):
        response = handle(app, "$connect", connection_id="c1", authorizer=AUTH, headers={"Authorization": "Bearer X"})
    assert response["statusCode"] == 500
    assert json.loads(response["body"]) == INTERNAL
    (line,) = [r.getMessage() for r in caplog.records]
    assert json.loads(line) == {
        "level": "error",
        "message": "connection store save failed",
        "request_id": "req-1",
        "connection_id": "c1",
        "route_key": "$connect",
        "error_type": "StoreUnavailableError",
    }
    assert store.records() == []


def test_disconnect_deletes_before_the_handler_runs() -> None:
    store = FakeConnectionStore([Connection(id="c1", user_id="u-1")])
    app, _ = managed_app(store)
    seen: list[object] = []

    @app.websocket("$disconnect")
    def disconnect(ctx: Context) -> str:
        seen.append(store.get("c1"))
        return "bye"

    response = handle(app, "$disconnect", connection_id="c1")
    assert (response["statusCode"], response["body"]) == (200, "bye")
    assert seen == [None]
    assert [c.op for c in store.calls] == ["delete", "get"]
    assert store.count_active() == 0


def test_disconnect_without_a_handler_still_deletes() -> None:
    store = FakeConnectionStore([Connection(id="c1")])
    app, _ = managed_app(store)
    app.websocket("$connect", lambda ctx: None)
    assert handle(app, "$disconnect", connection_id="c1")["statusCode"] == 404
    assert (store.calls, store.count_active()) == ([StoreCall("delete", ("c1",))], 0)


def test_a_store_failure_on_disconnect_is_logged_and_the_handler_still_runs(caplog: pytest.LogCaptureFixture) -> None:
    store = FakeConnectionStore([Connection(id="c1")])
    store.fail("delete", "StoreThrottledError")
    app, _ = managed_app(store)
    app.websocket("$disconnect", lambda ctx: "bye")
    with caplog.at_level(logging.ERROR, logger="apptheory"):
        response = handle(app, "$disconnect", connection_id="c1")
    assert (response["statusCode"], response["body"]) == (200, "bye")
    assert [json.loads(r.getMessage())["error_type"] for r in caplog.records] == ["StoreThrottledError"]


def test_messages_do_not_touch_the_store_and_auto_off_saves_nothing() -> None:
    store = FakeConnectionStore()
    app, _ = managed_app(store)
    app.websocket("$default", lambda ctx: "ok")
    handle(app, "$default", connection_id="c1", body="hi")
    assert store.calls == []
    manual = App(connection_store=store)
    manual.websocket("$connect", lambda ctx: None)
    handle(manual, "$connect", connection_id="c1")
    assert store.calls == []


@pytest.mark.parametrize(
    ("route", "expected"),
    [("$connect", [True, False, False]), ("$disconnect", [False, True, False]), ("sendMessage", [False, False, True])],
)
def test_event_kind_helpers(route: str, expected: list[bool]) -> None:
    app = App()

    @app.websocket(route)
    def h(ctx: Context) -> list[bool]:
        ws = ctx.as_websocket()
        return [ws.is_connect_event(), ws.is_disconnect_event(), ws.is_message_event()]

    assert json.loads(handle(app, route)["body"]) == expected


def test_broadcast_json_sends_canonical_json() -> None:
    fake = FakeManagementClient(connections=["a", "b"])
    app = App(websocket_client_factory=fake.client_factory)

    @app.websocket("$default")
    def h(ctx: Context) -> dict[str, Any]:
        result = ctx.as_websocket().broadcast_json(["a", "b", "zz"], {"z": 1.0, "a": "é"})
        return {"sent": result.sent, "gone": result.gone}

    assert json.loads(handle(app, "$default")["body"]) == {"sent": ["a", "b"], "gone": ["zz"]}
    assert fake.sent_to("a") == fake.sent_to("b") == ['{"a":"é","z":1}'.encode()]


def test_send_to_user_and_tenant_resolve_through_the_store_and_delete_gone_connections() -> None:
    store = FakeConnectionStore(
        [
            Connection(id="c1", user_id="u-1", tenant_id="t-1"),
            Connection(id="c2", user_id="u-1", tenant_id="t-2"),
            Connection(id="c3", user_id="u-1", tenant_id="t-1"),  # gone at API Gateway
            Connection(id="c4", user_id="u-2", tenant_id="t-1"),
        ]
    )
    fake = FakeManagementClient(connections=["c1", "c2", "c4"])
    app = App(connection_store=store, websocket_client_factory=fake.client_factory)
    results: dict[str, Any] = {}

    @app.websocket("$default")
    def h(ctx: Context) -> None:
        ws = ctx.as_websocket()
        results["user"] = ws.send_to_user("u-1", {"to": "user"})
        results["tenant"] = ws.send_to_tenant("t-1", {"to": "tenant"})

    assert handle(app, "$default")["statusCode"] == 200
    assert (sorted(results["user"].sent), results["user"].gone) == (["c1", "c2"], ["c3"])
    assert (sorted(results["tenant"].sent), results["tenant"].gone) == (["c1", "c4"], [])
    assert [r.id for r in store.records()] == ["c1", "c2", "c4"]  # c3 removed
    assert fake.sent_to("c1") == [b'{"to":"user"}', b'{"to":"tenant"}']
    assert fake.sent_to("c4") == [b'{"to":"tenant"}']


def test_send_to_user_without_a_store_is_a_configuration_error() -> None:
    from apptheory.context import WebSocketContext

    # outside dispatch, so the exception reaches the test (dispatch would answer 500)
    ws = WebSocketContext(App(), websocket_event("$default"), "req-1")
    with pytest.raises(ConfigurationError) as caught:
        ws.send_to_user("u-1", {})
    assert str(caught.value) == "no connection store: pass App(connection_store=...)"
    with pytest.raises(ConfigurationError):
        ws.send_to_tenant("t-1", {})


def test_connection_metadata_from_the_management_api_and_when_gone() -> None:
    connected = datetime.now(UTC) - timedelta(minutes=5)
    active = datetime.now(UTC) - timedelta(minutes=1)
    fake = FakeManagementClient()
    fake.add_connection("c1", connected_at=connected, last_active_at=active, source_ip="198.51.100.7", user_agent="ua")
    app = App(websocket_client_factory=fake.client_factory)
    found: list[Any] = []

    @app.websocket("$default")
    def h(ctx: Context) -> None:
        ws = ctx.as_websocket()
        found.append(ws.connection_metadata())
        found.append(ws.connection_metadata("gone-1"))

    handle(app, "$default", connection_id="c1")
    live, gone = found
    assert (live.connection_id, live.source_ip, live.user_agent, live.is_active) == ("c1", "198.51.100.7", "ua", True)
    assert (live.connected_at, live.last_active_at) == (connected, active)
    assert timedelta(minutes=5) <= live.age < timedelta(minutes=6)
    assert timedelta(minutes=1) <= live.idle < timedelta(minutes=2)
    assert (gone.connection_id, gone.is_active, gone.last_active_at, gone.idle) == ("gone-1", False, None, None)
