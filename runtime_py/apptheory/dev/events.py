"""API Gateway WebSocket events as the real service shapes them (see tests/events/ for real samples)."""

from __future__ import annotations

import base64
import json
import secrets
import string
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

_ID_ALPHABET = string.ascii_letters + string.digits
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

DEFAULT_ROUTE_SELECTION = "$request.body.action"


def new_id() -> str:
    """An id shaped like API Gateway's connection and request ids: 15 base64 characters and "="."""
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(15)) + "="


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def request_time(epoch_ms: int) -> str:
    """`26/Nov/2026:06:40:38 +0000`, as in requestContext.requestTime (locale-independent)."""
    t = time.gmtime(epoch_ms / 1000)
    return f"{t.tm_mday:02d}/{_MONTHS[t.tm_mon - 1]}/{t.tm_year}:{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} +0000"


def iso_time(epoch_ms: int) -> str:
    """ISO 8601 UTC with milliseconds, as the management API's GET returns it."""
    t = time.gmtime(epoch_ms / 1000)
    return (
        f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}T{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}"
        f".{epoch_ms % 1000:03d}Z"
    )


def trace_id(epoch_ms: int) -> str:
    return f"Root=1-{epoch_ms // 1000:08x}-{secrets.token_hex(12)}"


@dataclass(frozen=True, slots=True)
class ApiInfo:
    """What every event of this gateway carries: stage, API id and the domain clients connect to."""

    stage: str
    api_id: str
    domain_name: str
    port: int


@dataclass(slots=True)
class ConnectionInfo:
    """The per-connection facts that go into every event of a connection."""

    connection_id: str
    connected_at_ms: int
    source_ip: str
    user_agent: str


def _request_context(
    api: ApiInfo, conn: ConnectionInfo, route_key: str, event_type: str, request_id: str
) -> dict[str, Any]:
    at = now_ms()
    return {
        "routeKey": route_key,
        "eventType": event_type,
        "extendedRequestId": request_id,
        "requestTime": request_time(at),
        "messageDirection": "IN",
        "stage": api.stage,
        "connectedAt": conn.connected_at_ms,
        "requestTimeEpoch": at,
        "identity": {"sourceIp": conn.source_ip, "userAgent": conn.user_agent},
        "requestId": request_id,
        "domainName": api.domain_name,
        "connectionId": conn.connection_id,
        "apiId": api.api_id,
    }


def _single_and_multi(pairs: Iterable[tuple[str, str]]) -> tuple[dict[str, str], dict[str, list[str]]]:
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for key, value in pairs:
        single[key] = value  # the last value wins, as API Gateway does
        multi.setdefault(key, []).append(value)
    return single, multi


def connect_event(api: ApiInfo, conn: ConnectionInfo, headers: Iterable[tuple[str, str]], query: str) -> dict[str, Any]:
    request_id = new_id()
    at = now_ms()
    forwarded = [
        ("X-Amzn-Trace-Id", trace_id(at)),
        ("X-Forwarded-For", conn.source_ip),
        ("X-Forwarded-Port", str(api.port)),
        ("X-Forwarded-Proto", "http"),
    ]
    names = {k.lower() for k, _ in forwarded}
    all_headers = [(k, v) for k, v in headers if k.lower() not in names] + forwarded
    single, multi = _single_and_multi(all_headers)
    event: dict[str, Any] = {"headers": single, "multiValueHeaders": multi}
    if query:
        q_single, q_multi = _single_and_multi(parse_qsl(query, keep_blank_values=True))
        if q_single:
            event["queryStringParameters"] = q_single
            event["multiValueQueryStringParameters"] = q_multi
    event["requestContext"] = _request_context(api, conn, "$connect", "CONNECT", request_id)
    event["isBase64Encoded"] = False
    return event


def message_event(api: ApiInfo, conn: ConnectionInfo, route_key: str, data: bytes, is_text: bool) -> dict[str, Any]:
    context = _request_context(api, conn, route_key, "MESSAGE", new_id())
    context["messageId"] = new_id()
    if is_text:
        return {"requestContext": context, "body": data.decode("utf-8"), "isBase64Encoded": False}
    return {"requestContext": context, "body": base64.b64encode(data).decode("ascii"), "isBase64Encoded": True}


def disconnect_event(api: ApiInfo, conn: ConnectionInfo, host: str, code: int, reason: str) -> dict[str, Any]:
    # Real $disconnect events carry these four headers, three of them empty.
    single, multi = _single_and_multi([("Host", host), ("x-api-key", ""), ("X-Forwarded-For", ""), ("x-restapi", "")])
    context = _request_context(api, conn, "$disconnect", "DISCONNECT", new_id())
    context["disconnectStatusCode"] = code
    context["disconnectReason"] = reason
    return {"headers": single, "multiValueHeaders": multi, "requestContext": context, "isBase64Encoded": False}


class RouteSelector:
    """Evaluates a route selection expression (`$request.body.action`, `${request.body.a.b}` templates)
    against a frame and picks among the defined route keys, falling back to `$default`."""

    def __init__(self, expression: str = DEFAULT_ROUTE_SELECTION, routes: Iterable[str] | None = None) -> None:
        self.expression = expression
        self._parts = _parse_expression(expression)
        self.routes = None if routes is None else frozenset(routes)

    def select(self, data: bytes, is_text: bool) -> str:
        if not is_text:
            return "$default"
        try:
            body = json.loads(data)
        except ValueError:
            return "$default"
        pieces: list[str] = []
        for literal, path in self._parts:
            if path is None:
                pieces.append(literal)
                continue
            value = _lookup(body, path)
            if isinstance(value, bool) or value is None or isinstance(value, dict | list):
                return "$default"
            pieces.append(str(value))
        key = "".join(pieces)
        if not key or key in ("$connect", "$disconnect"):
            return "$default"
        if self.routes is not None and key not in self.routes:
            return "$default"
        return key


def _parse_expression(expression: str) -> list[tuple[str, tuple[str, ...] | None]]:
    expr = expression.strip()
    prefix = "request.body."
    if expr.startswith("$request.body."):
        return [("", tuple(expr[len("$request.body.") :].split(".")))]
    parts: list[tuple[str, tuple[str, ...] | None]] = []
    rest = expr
    while rest:
        start = rest.find("${")
        if start < 0:
            parts.append((rest, None))
            break
        if start:
            parts.append((rest[:start], None))
        end = rest.find("}", start)
        inner = rest[start + 2 : end] if end > 0 else ""
        if not inner.startswith(prefix) or not inner[len(prefix) :]:
            raise ValueError(f"unsupported route selection expression {expression!r}: use $request.body.<path>")
        parts.append(("", tuple(inner[len(prefix) :].split("."))))
        rest = rest[end + 1 :]
    if not any(path is not None for _, path in parts):
        raise ValueError(f"unsupported route selection expression {expression!r}: use $request.body.<path>")
    return parts


def _lookup(body: object, path: tuple[str, ...]) -> object:
    node = body
    for key in path:
        if not isinstance(node, Mapping) or key not in node:
            return None
        node = node[key]
    return node
