"""Test helpers for apps built on AppTheory: the strict fake, event builders and the fixture runner."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from apptheory._fixtures import FixtureOutcome, canonical_response, run_fixture
from apptheory_generated.constants import ROUTE_EVENT_TYPES
from apptheory_generated.fake import FakeManagementClient, RecordedCall

DEFAULT_DOMAIN = "abc123defg.execute-api.us-east-1.amazonaws.com"


@dataclass(frozen=True, slots=True)
class LambdaContext:
    """The part of the Lambda context object the runtime reads."""

    aws_request_id: str = "00000000-0000-4000-8000-000000000000"
    function_name: str = "apptheory-test"


def websocket_event(
    route_key: str = "$default",
    *,
    connection_id: str = "conn-1",
    body: str | bytes | Mapping[str, Any] | list[Any] | None = None,
    event_type: str | None = None,
    domain_name: str = DEFAULT_DOMAIN,
    stage: str = "dev",
    api_id: str = "abc123defg",
    request_id: str | None = None,
    headers: Mapping[str, str] | None = None,
    query: Mapping[str, str] | None = None,
    authorizer: Mapping[str, Any] | None = None,
    source_ip: str = "203.0.113.10",
    user_agent: str = "apptheory-testkit",
    connected_at_ms: int = 1795675238012,
    request_time_ms: int = 1795675238431,
    disconnect_status_code: int | None = None,
    disconnect_reason: str | None = None,
) -> dict[str, Any]:
    """An API Gateway WebSocket event shaped like the real ones (see the README's event notes).

    `body`: str is sent as text, bytes as a binary (base64) frame, a dict/list as compact JSON.
    """
    kind = event_type or ROUTE_EVENT_TYPES.get(route_key, "MESSAGE")
    request_context: dict[str, Any] = {
        "routeKey": route_key,
        "eventType": kind,
        "extendedRequestId": request_id or uuid.uuid4().hex,
        "messageDirection": "IN",
        "stage": stage,
        "connectedAt": connected_at_ms,
        "requestTimeEpoch": request_time_ms,
        "identity": {"sourceIp": source_ip, "userAgent": user_agent},
        "requestId": request_id or uuid.uuid4().hex,
        "domainName": domain_name,
        "connectionId": connection_id,
        "apiId": api_id,
    }
    if kind == "MESSAGE":
        request_context["messageId"] = uuid.uuid4().hex[:16]
    if authorizer is not None:
        request_context["authorizer"] = dict(authorizer)
    if disconnect_status_code is not None:
        request_context["disconnectStatusCode"] = disconnect_status_code
    if disconnect_reason is not None:
        request_context["disconnectReason"] = disconnect_reason
    event: dict[str, Any] = {"requestContext": request_context, "isBase64Encoded": False}
    if kind in ("CONNECT", "DISCONNECT"):
        all_headers = {"Host": domain_name, "User-Agent": user_agent, **(headers or {})}
        event["headers"] = all_headers
        event["multiValueHeaders"] = {k: [v] for k, v in all_headers.items()}
    if query:
        event["queryStringParameters"] = dict(query)
        event["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()}
    if isinstance(body, bytes):
        event["body"] = base64.b64encode(body).decode("ascii")
        event["isBase64Encoded"] = True
    elif isinstance(body, str):
        event["body"] = body
    elif body is not None:
        event["body"] = json.dumps(body, separators=(",", ":"))
    return event


__all__ = [
    "FakeManagementClient",
    "FixtureOutcome",
    "LambdaContext",
    "RecordedCall",
    "canonical_response",
    "run_fixture",
    "websocket_event",
]
