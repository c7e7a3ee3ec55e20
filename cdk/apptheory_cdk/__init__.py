"""AppTheory CDK constructs: deploy AppTheory WebSocket apps on API Gateway and Lambda."""

from apptheory_cdk.websocket_api import (
    ACCESS_LOG_FIELDS,
    CONNECTIONS_TABLE_ACTIONS,
    CONNECTIONS_TABLE_ENV,
    DEFAULT_ACCESS_LOG_FORMAT,
    DEFAULT_ROUTE_SELECTION_EXPRESSION,
    DEFAULT_STAGE_NAME,
    MANAGEMENT_ENDPOINT_ENV,
    PREDEFINED_ROUTES,
    AccessLogOptions,
    ConnectAuthorizerOptions,
    ConnectionsTableIndex,
    ConnectionsTableOptions,
    CustomDomainOptions,
    WebSocketApi,
    WebSocketApiPropsError,
)

__all__ = [
    "ACCESS_LOG_FIELDS",
    "CONNECTIONS_TABLE_ACTIONS",
    "CONNECTIONS_TABLE_ENV",
    "DEFAULT_ACCESS_LOG_FORMAT",
    "DEFAULT_ROUTE_SELECTION_EXPRESSION",
    "DEFAULT_STAGE_NAME",
    "MANAGEMENT_ENDPOINT_ENV",
    "PREDEFINED_ROUTES",
    "AccessLogOptions",
    "ConnectAuthorizerOptions",
    "ConnectionsTableIndex",
    "ConnectionsTableOptions",
    "CustomDomainOptions",
    "WebSocketApi",
    "WebSocketApiPropsError",
]
