"""AppTheory: API Gateway WebSocket apps on Lambda (Python runtime).

Import cost matters on cold starts: only the standard library and the generated bindings load here;
boto3 loads on the first real management call.
"""

from apptheory.app import App, ClientFactory, Handler, Middleware, UnknownEventError, is_websocket_event
from apptheory.canonical import encode_json
from apptheory.context import BroadcastResult, Context, WebSocketContext
from apptheory.response import Response
from apptheory_generated import (
    APP_ERROR_STATUS,
    AppError,
    AppErrorCode,
    ConnectionInfo,
    EventError,
    ForbiddenError,
    GoneError,
    InvalidConnectionError,
    ManagementClient,
    ManagementError,
    PayloadTooLargeError,
    ServerError,
    ThrottledError,
)
from apptheory_generated.constants import (
    EVENT_TYPE_CONNECT,
    EVENT_TYPE_DISCONNECT,
    EVENT_TYPE_MESSAGE,
    FRAME_BYTES,
    MESSAGE_BYTES,
    ROUTE_CONNECT,
    ROUTE_DEFAULT,
    ROUTE_DISCONNECT,
)
from apptheory_generated.errors import ConfigurationError

__all__ = [
    "APP_ERROR_STATUS",
    "EVENT_TYPE_CONNECT",
    "EVENT_TYPE_DISCONNECT",
    "EVENT_TYPE_MESSAGE",
    "FRAME_BYTES",
    "MESSAGE_BYTES",
    "ROUTE_CONNECT",
    "ROUTE_DEFAULT",
    "ROUTE_DISCONNECT",
    "App",
    "AppError",
    "AppErrorCode",
    "BroadcastResult",
    "ClientFactory",
    "ConfigurationError",
    "ConnectionInfo",
    "Context",
    "EventError",
    "ForbiddenError",
    "GoneError",
    "InvalidConnectionError",
    "Handler",
    "ManagementClient",
    "ManagementError",
    "Middleware",
    "PayloadTooLargeError",
    "Response",
    "ServerError",
    "ThrottledError",
    "UnknownEventError",
    "WebSocketContext",
    "encode_json",
    "is_websocket_event",
]
