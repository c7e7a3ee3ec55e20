"""Handler contexts: the general Context and its WebSocket view."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from apptheory.canonical import REPLACE_SURROGATES, encode_json
from apptheory_generated import constants
from apptheory_generated.context import JsonValue, WebSocketFields
from apptheory_generated.errors import ConfigurationError, GoneError, ManagementError, Messages, check_connection_id
from apptheory_generated.streamer import ConnectionInfo, ManagementClient, check_payload_size

if TYPE_CHECKING:
    from apptheory.app import App
    from apptheory.lifecycle import ConnectionMetadata
    from apptheory_generated.store import ConnectionStore

DEFAULT_BROADCAST_CONCURRENCY = 8


class BroadcastResult:
    """Outcome of a fan-out: ids sent to, ids that were gone, and ids whose send failed otherwise."""

    __slots__ = ("failed", "gone", "sent")

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.gone: list[str] = []
        self.failed: dict[str, ManagementError] = {}

    def __repr__(self) -> str:
        return f"BroadcastResult(sent={self.sent!r}, gone={self.gone!r}, failed={sorted(self.failed)!r})"


def _as_bytes(data: bytes | bytearray | memoryview | str) -> bytes:
    if type(data) is bytes:
        return data
    if isinstance(data, str):
        return data.encode("utf-8", REPLACE_SURROGATES)
    if isinstance(data, bytes | bytearray | memoryview):
        return bytes(data)
    raise TypeError(f"data must be bytes or str, got {type(data).__name__}")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):  # 1e400: beyond a double, as JavaScript's JSON.parse would make it Infinity
        raise ValueError("number out of range")
    return value


# One shared decoder: json.loads with options builds a new decoder per call.
_JSON_DECODER = json.JSONDecoder(parse_constant=_reject_constant, parse_float=_finite_float)

MAX_JSON_NESTING = 128
"""Deepest nesting of arrays/objects a JSON body may have (`[]` is 1), the same in every language."""
# An integer literal overflows a double only with 309+ digits: only then is the value walked.
_LONG_DIGITS = re.compile(r"[0-9]{309}")


def _deeper_than(value: JsonValue, limit: int) -> bool:
    stack: list[tuple[JsonValue, int]] = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            node = list(node.values())
        elif not isinstance(node, list):
            continue
        if depth + 1 > limit:
            return True
        stack.extend((item, depth + 1) for item in node)
    return False


def _overflows(value: JsonValue) -> bool:
    """True when an integer is beyond a double's range (Python keeps it exactly; JavaScript cannot)."""
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
        elif type(node) is int:
            try:
                float(node)
            except OverflowError:
                return True
    return False


class WebSocketContext(WebSocketFields):
    """The WebSocket view of a request: typed event fields, body helpers and management calls."""

    __slots__ = ("_app", "_endpoint")

    def __init__(self, app: App, event: Mapping[str, Any], request_id: str) -> None:
        self._load_event(event)
        self._app = app
        self.request_id = request_id
        self._endpoint: tuple[str, str] | None = None

    def _resolve(self) -> tuple[str, str]:
        if self._endpoint is None:
            self._endpoint = self._app.resolve_endpoint(self.domain_name, self.stage, self.api_id, self.path)
        return self._endpoint

    @property
    def management_endpoint(self) -> str:
        """URL of the management API for this connection ("" when it cannot be known)."""
        return self._resolve()[0]

    @property
    def region(self) -> str:
        """AWS region of the API ("" when unknown)."""
        return self._resolve()[1]

    # ---- event kind (Lift's IsConnectEvent / IsDisconnectEvent / IsMessageEvent) ------------

    def is_connect_event(self) -> bool:
        """True for the $connect event (eventType CONNECT)."""
        return self.event_type == constants.EVENT_TYPE_CONNECT

    def is_disconnect_event(self) -> bool:
        """True for the $disconnect event (eventType DISCONNECT)."""
        return self.event_type == constants.EVENT_TYPE_DISCONNECT

    def is_message_event(self) -> bool:
        """True for a message on any other route (eventType MESSAGE)."""
        return self.event_type == constants.EVENT_TYPE_MESSAGE

    # ---- body ------------------------------------------------------------------------------

    def text(self) -> str:
        """The body as UTF-8 text; a body that is not UTF-8 answers 400 app.bad_request."""
        try:
            return self.body.decode("utf-8")
        except UnicodeDecodeError:
            raise Messages.INVALID_UTF8.error() from None

    def json(self) -> JsonValue:
        """The body parsed as JSON (no content-type needed); invalid JSON answers 400 app.bad_request."""
        try:
            # Strict JSON as in Go and TS: UTF-8 only, no NaN/Infinity, deep nesting is a 400 not a 500.
            text = self.body.decode("utf-8")
            if text.startswith("\ufeff"):
                raise ValueError("byte order mark")
            value = _JSON_DECODER.decode(text)
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise Messages.INVALID_JSON.error() from None
        # Only a long text can nest deeper than the limit or hold a 309-digit integer: short ones skip the walks.
        if len(text) > 2 * MAX_JSON_NESTING and (
            (text.count("[") + text.count("{") > MAX_JSON_NESTING and _deeper_than(value, MAX_JSON_NESTING))
            or (_LONG_DIGITS.search(text) is not None and _overflows(value))
        ):
            raise Messages.INVALID_JSON.error()
        return value

    # ---- management API --------------------------------------------------------------------

    def _client(self) -> ManagementClient:
        endpoint, region = self._resolve()
        if not endpoint:
            raise ConfigurationError(
                "no management endpoint: the event has no domainName; pass App(management_endpoint=...) "
                "or set APPTHEORY_WS_MANAGEMENT_ENDPOINT"
            )
        return self._app.management_client(endpoint, region or None)

    def send_message(self, data: bytes | str, connection_id: str | None = None) -> None:
        """Send bytes (or UTF-8 text) to a connection, the caller by default."""
        target = self.connection_id if connection_id is None else connection_id
        payload = _as_bytes(data)
        check_connection_id("post_to_connection", target)
        check_payload_size("post_to_connection", target, payload, constants.MESSAGE_BYTES)
        self._client().post_to_connection(target, payload)

    def send_json_message(self, value: Any, connection_id: str | None = None) -> None:
        """Send a value as canonical JSON (RFC 8785: the same bytes in every language)."""
        self.send_message(encode_json(value), connection_id)

    def get_connection(self, connection_id: str | None = None) -> ConnectionInfo:
        """Describe a connection, the caller by default."""
        return self._client().get_connection(self.connection_id if connection_id is None else connection_id)

    def disconnect(self, connection_id: str | None = None) -> None:
        """Close a connection, the caller by default; one that is already gone counts as closed."""
        self._client().delete_connection(self.connection_id if connection_id is None else connection_id)

    def broadcast_json(self, connection_ids: Iterable[str], value: Any) -> BroadcastResult:
        """Broadcast a value as canonical JSON (Lift's BroadcastJSONMessage)."""
        return self.broadcast(connection_ids, encode_json(value))

    def connection_metadata(self, connection_id: str | None = None) -> ConnectionMetadata:
        """What the management API knows about a connection, the caller by default (Lift's GetConnectionMetadata)."""
        from apptheory.lifecycle import connection_metadata

        return connection_metadata(self, connection_id)

    def _store(self) -> ConnectionStore:
        store = self._app.connection_store
        if store is None:
            raise ConfigurationError("no connection store: pass App(connection_store=...)")
        return store

    def send_to_user(self, user_id: str, value: Any) -> BroadcastResult:
        """Send JSON to every live connection of a user (from the store); gone ones are deleted from the store."""
        from apptheory.lifecycle import send_to_listed

        store = self._store()
        return send_to_listed(self, store, store.list_by_user, user_id, value)

    def send_to_tenant(self, tenant_id: str, value: Any) -> BroadcastResult:
        """Send JSON to every live connection of a tenant (from the store); gone ones are deleted from the store."""
        from apptheory.lifecycle import send_to_listed

        store = self._store()
        return send_to_listed(self, store, store.list_by_tenant, tenant_id, value)

    def broadcast(
        self,
        connection_ids: Iterable[str],
        data: bytes | str,
        *,
        max_concurrency: int = DEFAULT_BROADCAST_CONCURRENCY,
    ) -> BroadcastResult:
        """Send one payload to many connections with bounded concurrency; never raises for one bad target."""
        if max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        targets = list(dict.fromkeys(connection_ids))
        payload = _as_bytes(data)
        result = BroadcastResult()
        if not targets:
            return result
        check_payload_size("post_to_connection", targets[0], payload, constants.MESSAGE_BYTES)
        client = self._client()

        def send(target: str) -> ManagementError | None:
            try:
                client.post_to_connection(target, payload)
            except ManagementError as err:
                return err
            return None

        workers = min(max_concurrency, len(targets))
        if workers == 1:
            outcomes = [send(t) for t in targets]
        else:
            from concurrent.futures import ThreadPoolExecutor  # only fan-outs pay for the import

            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="apptheory-broadcast") as pool:
                outcomes = list(pool.map(send, targets))
        for target, error in zip(targets, outcomes, strict=True):
            if error is None:
                result.sent.append(target)
            elif isinstance(error, GoneError):
                result.gone.append(target)
            else:
                result.failed[target] = error
        return result


class Context:
    """What every handler receives; `as_websocket()` gives the WebSocket view (as in Lift)."""

    __slots__ = ("_values", "_websocket", "event", "lambda_context", "request_id")

    def __init__(
        self, event: Mapping[str, Any], lambda_context: Any, request_id: str, websocket: WebSocketContext | None
    ) -> None:
        self.event = event
        self.lambda_context = lambda_context
        self.request_id = request_id
        self._websocket = websocket
        self._values: dict[str, Any] = {}

    def as_websocket(self) -> WebSocketContext:
        """The WebSocket context; raises TypeError when the request is not a WebSocket event."""
        if self._websocket is None:
            raise TypeError("this request is not a WebSocket event")
        return self._websocket

    def set(self, key: str, value: Any) -> None:
        """Store a value for later middleware or the handler."""
        self._values[key] = value

    def get(self, key: str, default: Any = None) -> Any:
        return self._values.get(key, default)
