"""Where the chat keeps who is in which room: in memory (local runs) or DynamoDB (deployed).

`rooms_from_env()` picks DynamoDB when `CONNECTIONS_TABLE` is set, else memory. The table has the
partition key `connectionId` (string) and a global secondary index (`ROOM_INDEX`, default
`room-index`) whose partition key is `room` (string); items are `{connectionId, room}`.
The boto3 client is created on first use (boto3 is not imported before then).
"""

from __future__ import annotations

import os
import threading
from typing import Any, Protocol

DEFAULT_ROOM_INDEX = "room-index"


class Rooms(Protocol):
    """Connection → room membership."""

    def join(self, connection_id: str, room: str) -> None: ...

    def leave(self, connection_id: str) -> str | None:
        """Remove a connection; returns the room it was in (None when unknown)."""
        ...

    def room_of(self, connection_id: str) -> str | None: ...

    def members(self, room: str) -> list[str]: ...


class MemoryRooms:
    """Rooms in this process (the local gateway runs handlers in threads: guarded by a lock)."""

    def __init__(self) -> None:
        self._room_of: dict[str, str] = {}
        self._members: dict[str, dict[str, None]] = {}  # insertion-ordered sets
        self._lock = threading.Lock()

    def join(self, connection_id: str, room: str) -> None:
        with self._lock:
            self._leave(connection_id)
            self._room_of[connection_id] = room
            self._members.setdefault(room, {})[connection_id] = None

    def leave(self, connection_id: str) -> str | None:
        with self._lock:
            return self._leave(connection_id)

    def _leave(self, connection_id: str) -> str | None:
        room = self._room_of.pop(connection_id, None)
        if room is not None:
            members = self._members.get(room, {})
            members.pop(connection_id, None)
            if not members:
                self._members.pop(room, None)
        return room

    def room_of(self, connection_id: str) -> str | None:
        with self._lock:
            return self._room_of.get(connection_id)

    def members(self, room: str) -> list[str]:
        with self._lock:
            return list(self._members.get(room, {}))


class DynamoRooms:
    """Rooms in a DynamoDB table (see the module docstring for its keys)."""

    def __init__(self, table: str, *, index: str = DEFAULT_ROOM_INDEX, client: Any = None) -> None:
        self.table = table
        self.index = index
        self._client = client
        self._lock = threading.Lock()

    @property
    def client(self) -> Any:
        if self._client is None:
            with self._lock:
                if self._client is None:
                    import boto3  # first use only: cold starts that never touch rooms don't pay for it

                    self._client = boto3.client("dynamodb")
        return self._client

    def join(self, connection_id: str, room: str) -> None:
        self.client.put_item(TableName=self.table, Item={"connectionId": {"S": connection_id}, "room": {"S": room}})

    def leave(self, connection_id: str) -> str | None:
        out = self.client.delete_item(
            TableName=self.table, Key={"connectionId": {"S": connection_id}}, ReturnValues="ALL_OLD"
        )
        room = out.get("Attributes", {}).get("room", {}).get("S")
        return room if isinstance(room, str) else None

    def room_of(self, connection_id: str) -> str | None:
        out = self.client.get_item(
            TableName=self.table, Key={"connectionId": {"S": connection_id}}, ConsistentRead=True
        )
        room = out.get("Item", {}).get("room", {}).get("S")
        return room if isinstance(room, str) else None

    def members(self, room: str) -> list[str]:
        ids: list[str] = []
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": self.index,
            "KeyConditionExpression": "#room = :room",
            "ExpressionAttributeNames": {"#room": "room"},
            "ExpressionAttributeValues": {":room": {"S": room}},
            "ProjectionExpression": "connectionId",
        }
        while True:
            page = self.client.query(**kwargs)
            ids.extend(item["connectionId"]["S"] for item in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return ids
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def rooms_from_env() -> Rooms:
    """DynamoDB when CONNECTIONS_TABLE is set (ROOM_INDEX names the GSI), else memory."""
    table = os.environ.get("CONNECTIONS_TABLE", "").strip()
    if table:
        return DynamoRooms(table, index=os.environ.get("ROOM_INDEX", "").strip() or DEFAULT_ROOM_INDEX)
    return MemoryRooms()
