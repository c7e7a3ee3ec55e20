"""Automatic connection management (Lift's EnableAutoConnectionManagement) and the store-backed context helpers.

Imported only when an app has a connection store: apps without one never pay for it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from apptheory_generated.store import Connection, ConnectionStore, Principal

if TYPE_CHECKING:
    from apptheory.context import BroadcastResult, WebSocketContext

LOGGER_NAME = "apptheory"


def connection_from_event(websocket: WebSocketContext) -> Connection:
    """The record saved after a successful $connect: user and tenant from the authorizer context, when present.

    `requestContext.authorizer.principalId` is the user id (and the principal's subject), `tenantId` the tenant,
    `scopes` (space-separated, as authorizer context values are strings) the principal's scopes.
    """
    authorizer = websocket.authorizer if isinstance(websocket.authorizer, Mapping) else {}
    user_id = _text(authorizer.get("principalId"))
    principal = None
    if user_id:
        principal = Principal(subject=user_id, scopes=tuple(_text(authorizer.get("scopes")).split()))
    return Connection(
        id=websocket.connection_id,
        user_id=user_id,
        tenant_id=_text(authorizer.get("tenantId")),
        created_at=datetime.now(UTC),
        principal=principal,
    )


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def log_store_failure(err: Exception, action: str, websocket: WebSocketContext) -> None:
    """One structured line: ids, the action and the error type (never bodies, headers or tokens)."""
    logging.getLogger(LOGGER_NAME).error(
        json.dumps(
            {
                "level": "error",
                "message": f"connection store {action} failed",
                "request_id": websocket.request_id,
                "connection_id": websocket.connection_id,
                "route_key": websocket.route_key,
                "error_type": type(err).__name__,
            },
            sort_keys=True,
        )
    )


def send_to_listed(
    websocket: WebSocketContext,
    store: ConnectionStore,
    list_connections: Callable[[str], list[Connection]],
    key: str,
    value: Any,
) -> BroadcastResult:
    """Send JSON to every listed connection; connections found gone are deleted from the store."""
    ids = [c.id for c in list_connections(key)]
    result = websocket.broadcast_json(ids, value)
    for connection_id in result.gone:
        try:
            store.delete(connection_id)
        except Exception as err:  # the send happened; a failed clean-up is logged, not raised
            log_store_failure(err, "delete of a gone connection", websocket)
    return result


@dataclass(frozen=True, slots=True)
class ConnectionMetadata:
    """What is known about a connection (Lift's GetConnectionMetadata)."""

    connection_id: str
    source_ip: str
    user_agent: str
    connected_at: datetime | None
    last_active_at: datetime | None
    age: timedelta | None
    """Time since connected_at."""
    idle: timedelta | None
    """Time since last_active_at."""
    is_active: bool
    """False when the management API says the connection is gone."""


def connection_metadata(websocket: WebSocketContext, connection_id: str | None = None) -> ConnectionMetadata:
    """Metadata from the management API (GetConnection); a gone connection is inactive, not an error."""
    from apptheory_generated.errors import GoneError

    target = websocket.connection_id if connection_id is None else connection_id
    now = datetime.now(UTC)
    try:
        info = websocket.get_connection(target)
    except GoneError:
        own = target == websocket.connection_id
        connected = websocket.connected_at if own else None
        return ConnectionMetadata(
            target,
            websocket.source_ip if own else "",
            websocket.user_agent if own else "",
            connected,
            None,
            now - connected if connected else None,
            None,
            False,
        )
    return ConnectionMetadata(
        target,
        info.source_ip,
        info.user_agent,
        info.connected_at,
        info.last_active_at,
        now - info.connected_at if info.connected_at else None,
        now - info.last_active_at if info.last_active_at else None,
        True,
    )
