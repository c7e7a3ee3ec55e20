"""The Python chat example (examples/chat/python): handlers with the strict fake, rooms in memory and DynamoDB."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
from moto import mock_aws

from apptheory.testkit import FakeManagementClient, websocket_event

CHAT_DIR = Path(__file__).resolve().parent.parent / "examples" / "chat" / "python"


def load(name: str, as_name: str) -> ModuleType:
    if str(CHAT_DIR) not in sys.path:
        sys.path.insert(0, str(CHAT_DIR))
    spec = importlib.util.spec_from_file_location(as_name, CHAT_DIR / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[as_name] = module
    spec.loader.exec_module(module)
    return module


rooms_mod = load("chat_rooms", "chat_rooms")  # the name app.py imports it by
chat = load("app", "chat_example_app")


def say(text: Any) -> str:
    return json.dumps({"action": "say", "text": text})


@pytest.fixture
def setup() -> tuple[Any, FakeManagementClient, Any]:
    fake = FakeManagementClient()
    rooms = rooms_mod.MemoryRooms()
    return chat.create_app(rooms=rooms, client_factory=fake.client_factory), fake, rooms


def join(app: Any, fake: FakeManagementClient, cid: str, room: str | None = "r1") -> dict[str, Any]:
    query = {"token": "t"} if room is None else {"token": "t", "room": room}
    response: dict[str, Any] = app.handle(websocket_event("$connect", connection_id=cid, query=query))
    fake.add_connection(cid)
    return response


def test_connect_needs_a_token_and_a_valid_room(setup: Any) -> None:
    app, fake, rooms = setup
    assert app.handle(websocket_event("$connect", connection_id="c0"))["statusCode"] == 401
    assert app.handle(websocket_event("$connect", connection_id="c0", query={"token": " "}))["statusCode"] == 401
    bad = app.handle(websocket_event("$connect", connection_id="c0", query={"token": "t", "room": "a b"}))
    assert bad["statusCode"] == 400
    assert join(app, fake, "c1", room=None)["statusCode"] == 200
    assert rooms.room_of("c1") == "lobby"


def test_say_broadcasts_to_the_room_only_and_prunes_gone_members(setup: Any) -> None:
    app, fake, rooms = setup
    for cid, room in (("a", "r1"), ("b", "r1"), ("c", "r2"), ("gone", "r1")):
        join(app, fake, cid, room)
    fake.set_state("gone", "gone")
    response = app.handle(websocket_event("say", connection_id="a", body=say("hi")))
    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == {"sent": 2, "gone": 1, "failed": 0}
    expected = b'{"from":"a","room":"r1","text":"hi","type":"message"}'
    assert fake.sent_to("a") == [expected]
    assert fake.sent_to("b") == [expected]
    assert fake.sent_to("c") == []
    assert rooms.members("r1") == ["a", "b"]


@pytest.mark.parametrize("text", ["", 5, None, "x" * 4001])
def test_say_rejects_bad_text(setup: Any, text: Any) -> None:
    app, fake, _ = setup
    join(app, fake, "a")
    assert app.handle(websocket_event("say", connection_id="a", body=say(text)))["statusCode"] == 400
    assert fake.calls == []


def test_say_from_a_connection_outside_any_room_is_a_conflict(setup: Any) -> None:
    app, _, _ = setup
    assert app.handle(websocket_event("say", connection_id="stranger", body=say("hi")))["statusCode"] == 409


def test_default_tells_the_sender_and_disconnect_leaves(setup: Any) -> None:
    app, fake, rooms = setup
    join(app, fake, "a")
    assert app.handle(websocket_event("$default", connection_id="a", body="hello?"))["statusCode"] == 200
    (reply,) = fake.sent_to("a")
    assert json.loads(reply)["type"] == "error"
    app.handle(websocket_event("$disconnect", connection_id="a", disconnect_status_code=1001))
    assert rooms.room_of("a") is None
    assert rooms.members("r1") == []


@pytest.fixture
def dynamo_table(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    for key, value in (("AWS_ACCESS_KEY_ID", "x"), ("AWS_SECRET_ACCESS_KEY", "y"), ("AWS_DEFAULT_REGION", "eu-west-1")):
        monkeypatch.setenv(key, value)
    with mock_aws():
        boto3.client("dynamodb").create_table(
            TableName="chat-connections",
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[
                {"AttributeName": "connectionId", "AttributeType": "S"},
                {"AttributeName": "room", "AttributeType": "S"},
            ],
            KeySchema=[{"AttributeName": "connectionId", "KeyType": "HASH"}],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": "room-index",
                    "KeySchema": [{"AttributeName": "room", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "KEYS_ONLY"},
                }
            ],
        )
        yield "chat-connections"


def test_dynamo_rooms_behave_like_memory_rooms(dynamo_table: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONNECTIONS_TABLE", dynamo_table)
    rooms = rooms_mod.rooms_from_env()
    assert isinstance(rooms, rooms_mod.DynamoRooms)
    assert rooms._client is None  # boto3 client created lazily
    for cid, room in (("a", "r1"), ("b", "r1"), ("c", "r2")):
        rooms.join(cid, room)
    assert sorted(rooms.members("r1")) == ["a", "b"]
    assert rooms.room_of("c") == "r2"
    assert rooms.leave("a") == "r1"
    assert rooms.leave("a") is None
    assert rooms.members("r1") == ["b"]
    rooms.join("b", "r2")  # moving rooms replaces the item
    assert sorted(rooms.members("r2")) == ["b", "c"]


def test_chat_app_on_dynamodb(dynamo_table: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONNECTIONS_TABLE", dynamo_table)
    fake = FakeManagementClient()
    app = chat.create_app(client_factory=fake.client_factory)  # rooms from the environment, on first use
    for cid in ("a", "b"):
        join(app, fake, cid)
    app.handle(websocket_event("say", connection_id="b", body=say("via dynamo")))
    assert len(fake.sent_to("a")) == len(fake.sent_to("b")) == 1
    app.handle(websocket_event("$disconnect", connection_id="a"))
    assert rooms_mod.rooms_from_env().members("r1") == ["b"]


def test_memory_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONNECTIONS_TABLE", raising=False)
    assert isinstance(rooms_mod.rooms_from_env(), rooms_mod.MemoryRooms)
