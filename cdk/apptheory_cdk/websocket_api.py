"""`WebSocketApi`: an API Gateway WebSocket API wired to Lambda handlers, done right.

What it builds (see README "Deploy" for the IAM in plain words):

- the API (route selection expression configurable) and one route per route key, each integrated with
  its handler; one `AWS::ApiGatewayV2::Integration` per distinct handler, shared by its routes;
- exactly one `lambda:InvokeFunction` permission per route, for `apigateway.amazonaws.com`, with the exact
  source ARN `arn:{partition}:execute-api:{region}:{account}:{apiId}/{stage}/{routeKey}` and the source
  account `{account}`, so a shared handler is invocable for every route (not only for `$connect`) and
  only by that route of this API's stage; a `$connect` authorizer gets one, for
  `…:{apiId}/authorizers/{authorizerId}`, with the same source account;
- `execute-api:ManageConnections` for each distinct route handler on
  `arn:{partition}:execute-api:{region}:{account}:{apiId}/{stage}/*/@connections/*` and nothing wider;
- the stage (auto-deploy), optional throttling and access logging;
- optional `$connect` Lambda REQUEST authorizer, connections table and custom domain;
- outputs: the `wss://` URL and the management endpoint, which every route handler also receives in
  `APPTHEORY_WS_MANAGEMENT_ENDPOINT` (the variable the AppTheory runtimes read).

The management endpoint and the invoke permissions' source ARNs are built from the API id, the stack's
region, account and URL suffix and the stage *name* (a plain string), never from the stage resource: a
handler that referenced the stage would depend on it, and the stage already depends (through routes
and integrations) on the handler. The permissions depend on the API and the function only.

Route keys are refused when the construct is built unless they can appear literally in that source
ARN: Lambda compares `SourceArn` with `StringLike` (so `*` and `?` would be wildcards), `/` separates
the ARN's API id, stage and route key, and `${` starts an IAM policy variable.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import aws_cdk as cdk
import jsii
from aws_cdk import aws_apigateway as apigw_v1
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_route53_targets as route53_targets
from constructs import Construct

MANAGEMENT_ENDPOINT_ENV = "APPTHEORY_WS_MANAGEMENT_ENDPOINT"
"""The environment variable every AppTheory runtime reads the management endpoint from."""

CONNECTIONS_TABLE_ENV = "CONNECTIONS_TABLE"
"""The environment variable that carries the connections table name to the route handlers."""

CONNECTIONS_TABLE_ACTIONS = (
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
)
"""Item reads and writes on the connections table (and its indexes): no Scan, no table management,
no streams. Transactions need no action of their own: each item in one needs its action above."""

PREDEFINED_ROUTES = ("$connect", "$disconnect", "$default")
DEFAULT_ROUTE_SELECTION_EXPRESSION = "$request.body.action"
DEFAULT_STAGE_NAME = "dev"

# API Gateway stage names: letters, digits, hyphens and underscores, at most 128 characters.
_STAGE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
ROUTE_KEY_MAX_LENGTH = 128
"""The longest custom route key the construct accepts (API Gateway documents no larger bound for route keys)."""
ROUTE_KEY_RULE = (
    f"a custom route key is 1-{ROUTE_KEY_MAX_LENGTH} printable ASCII characters without whitespace, "
    "'*', '?', '/' or '${', and only $connect, $disconnect, $default may start with '$'"
)
"""What `WebSocketApiPropsError` messages for a refused route key say is allowed."""

# Characters a route key may not contain, and why (each is part of the refusal message).
_ROUTE_KEY_FORBIDDEN = (
    ("*", "'*' is a wildcard in the invoke permission's SourceArn (Lambda matches it with StringLike)"),
    ("?", "'?' is a wildcard in the invoke permission's SourceArn (Lambda matches it with StringLike)"),
    ("/", "'/' separates the API id, stage and route key in the invoke permission's SourceArn"),
    ("${", "'${' starts an IAM policy variable in the invoke permission's SourceArn"),
)

ACCESS_LOG_FIELDS: Mapping[str, str] = {
    "requestId": "$context.requestId",
    "requestTime": "$context.requestTimeEpoch",
    "routeKey": "$context.routeKey",
    "eventType": "$context.eventType",
    "connectionId": "$context.connectionId",
    "status": "$context.status",
    "integrationLatency": "$context.integrationLatency",
    "sourceIp": "$context.identity.sourceIp",
    "error": "$context.error.message",
}
"""The default access log line: one JSON object per request (request id, route key, connection id,
status, latency, source ip, and what helps read them)."""

DEFAULT_ACCESS_LOG_FORMAT = json.dumps(dict(ACCESS_LOG_FIELDS), separators=(",", ":"))


class WebSocketApiPropsError(ValueError):
    """Invalid `WebSocketApi` properties; raised while the app is built, before anything is synthesized."""


@dataclass(frozen=True)
class AccessLogOptions:
    """Stage access logging to CloudWatch Logs.

    API Gateway writes WebSocket access logs only once the region's API Gateway account settings hold a
    CloudWatch Logs role ARN (set once per account and region; this construct does not change it).
    """

    log_group: logs.ILogGroup | None = None
    """Where to write; a new log group is created when omitted."""
    retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH
    """Retention of the created log group (ignored with `log_group`)."""
    removal_policy: cdk.RemovalPolicy = cdk.RemovalPolicy.DESTROY
    """Removal policy of the created log group (ignored with `log_group`)."""
    format: str = DEFAULT_ACCESS_LOG_FORMAT
    """The access log format; must contain `$context.requestId`."""


@dataclass(frozen=True)
class ConnectAuthorizerOptions:
    """A Lambda REQUEST authorizer on `$connect` (the only WebSocket route that takes an authorizer)."""

    handler: lambda_.IFunction
    identity_source: Sequence[str] = ("route.request.querystring.token",)
    """Where the identity comes from, e.g. `route.request.querystring.token` or `route.request.header.Auth`.
    A handshake that lacks any of them is refused with 401 before the authorizer runs."""
    authorizer_name: str | None = None


@dataclass(frozen=True)
class ConnectionsTableIndex:
    """A global secondary index of the connections table (string keys, all attributes projected)."""

    index_name: str
    partition_key: str
    sort_key: str | None = None


@dataclass(frozen=True)
class ConnectionsTableOptions:
    """A DynamoDB table for connection state, created by the construct: on-demand, TTL, point-in-time recovery.

    Keys are strings. The handlers that get the table may read and write items in it and query its indexes.
    """

    partition_key: str = "pk"
    sort_key: str | None = "sk"
    time_to_live_attribute: str = "ttl"
    global_secondary_indexes: Sequence[ConnectionsTableIndex] = ()
    removal_policy: cdk.RemovalPolicy = cdk.RemovalPolicy.RETAIN
    table_name: str | None = None


@dataclass(frozen=True)
class CustomDomainOptions:
    """Map the stage on a custom domain (a regional API Gateway domain name with an ACM certificate)."""

    domain_name: str
    certificate: acm.ICertificate
    mapping_key: str | None = None
    """Optional base path (`wss://{domain}/{mapping_key}`); the stage is mapped at the root when omitted."""
    hosted_zone: route53.IHostedZone | None = None
    """When given, an alias A record for `domain_name` pointing at the API Gateway domain is created in it."""


class WebSocketApi(Construct):
    """An API Gateway WebSocket API whose routes are Lambda handlers (see the module docstring).

    Handlers: `handler` serves `$connect`, `$disconnect`, `$default` and every key in `routes`;
    `route_handlers` maps route keys to their own handler (it wins over `handler` for those keys, and
    may add custom keys). Without `handler`, only the keys in `route_handlers` exist.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        handler: lambda_.Function | None = None,
        route_handlers: Mapping[str, lambda_.Function] | None = None,
        routes: Sequence[str] = (),
        route_selection_expression: str = DEFAULT_ROUTE_SELECTION_EXPRESSION,
        api_name: str | None = None,
        description: str | None = None,
        stage_name: str = DEFAULT_STAGE_NAME,
        throttle: apigwv2.ThrottleSettings | None = None,
        access_log: AccessLogOptions | None = None,
        connect_authorizer: ConnectAuthorizerOptions | None = None,
        connections_table: ConnectionsTableOptions | None = None,
        existing_connections_table: dynamodb.ITable | None = None,
        connections_table_route_keys: Sequence[str] | None = None,
        custom_domain: CustomDomainOptions | None = None,
    ) -> None:
        route_map = _route_map(construct_id, handler, route_handlers, routes)
        _check_stage_name(construct_id, stage_name)
        if not route_selection_expression.strip():
            raise _error(construct_id, "route_selection_expression must not be empty")
        if connections_table is not None and existing_connections_table is not None:
            raise _error(
                construct_id,
                "the connections table is given twice: pass either connections_table (options for a table this "
                "construct creates) or existing_connections_table (a table you own), not both",
            )
        table_keys = _table_route_keys(construct_id, route_map, connections_table_route_keys)
        has_table = connections_table is not None or existing_connections_table is not None
        if connections_table_route_keys is not None and not has_table:
            raise _error(construct_id, "connections_table_route_keys is set but there is no connections table")
        if connections_table is not None:
            _check_table_options(construct_id, connections_table)
        if connect_authorizer is not None and "$connect" not in route_map:
            raise _error(construct_id, "connect_authorizer needs a $connect route (give handler or a $connect handler)")
        if connect_authorizer is not None and not list(connect_authorizer.identity_source):
            raise _error(construct_id, "connect_authorizer.identity_source must name at least one source")
        if access_log is not None and "$context.requestId" not in access_log.format:
            raise _error(construct_id, "access_log.format must contain $context.requestId")
        if custom_domain is not None and not custom_domain.domain_name.strip():
            raise _error(construct_id, "custom_domain.domain_name must not be empty")

        super().__init__(scope, construct_id)
        stack = cdk.Stack.of(self)
        self.stage_name = stage_name

        # ---- API and routes -------------------------------------------------------------------------
        self.api = apigwv2.WebSocketApi(
            self,
            "Api",
            # The L2 default name is the construct id ("Api"); a stack-unique name reads better in the console.
            api_name=api_name or cdk.Names.unique_id(self),
            description=description,
            route_selection_expression=route_selection_expression,
        )
        self._integrations: dict[str, _LambdaProxyIntegration] = {}
        self.route_handlers: dict[str, lambda_.Function] = {}
        self.routes: dict[str, apigwv2.WebSocketRoute] = {}
        self.invoke_permissions: dict[str, lambda_.CfnPermission] = {}
        self.authorizer: apigwv2.WebSocketAuthorizer | None = None
        self.authorizer_permission: lambda_.CfnPermission | None = None
        self._route_authorizer: _ConnectRouteAuthorizer | None = None
        if connect_authorizer is not None:
            # Same scope and id as CDK's WebSocketLambdaAuthorizer would use, so logical ids are unchanged;
            # built here so that its invoke permission is ours (exact source ARN and source account).
            self.authorizer = apigwv2.WebSocketAuthorizer(
                self.api,
                "ConnectAuthorizer",
                web_socket_api=self.api,
                type=apigwv2.WebSocketAuthorizerType.LAMBDA,
                identity_source=list(connect_authorizer.identity_source),
                authorizer_name=connect_authorizer.authorizer_name or "ConnectAuthorizer",
                authorizer_uri=_lambda_invocation_uri(stack, connect_authorizer.handler),
            )
            # API Gateway invokes a Lambda authorizer as `{apiId}/authorizers/{authorizerId}` (no stage, no
            # route), see https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html
            # and the REST equivalent; the authorizer id is a Ref, never a wildcard.
            self.authorizer_permission = _invoke_permission(
                connect_authorizer.handler,
                scope=self.api,
                permission_id=f"{cdk.Names.node_unique_id(self.authorizer.node)}-Permission",
                source_arn=stack.format_arn(
                    service="execute-api",
                    resource=self.api.api_id,
                    resource_name=f"authorizers/{self.authorizer.authorizer_id}",
                ),
            )
            self._route_authorizer = _ConnectRouteAuthorizer(self.authorizer.authorizer_id)
        for route_key, route_handler in route_map.items():
            self._add_route(route_key, route_handler)

        # ---- stage --------------------------------------------------------------------------------
        self.access_log_group: logs.ILogGroup | None = None
        access_log_settings: apigwv2.IAccessLogSettings | None = None
        if access_log is not None:
            self.access_log_group = access_log.log_group or logs.LogGroup(
                self,
                "AccessLogs",
                retention=access_log.retention,
                removal_policy=access_log.removal_policy,
            )
            access_log_settings = _AccessLogSettings(
                apigwv2.LogGroupLogDestination(self.access_log_group),
                apigw_v1.AccessLogFormat.custom(access_log.format),
            )
        self.domain_name: apigwv2.DomainName | None = None
        domain_mapping: apigwv2.DomainMappingOptions | None = None
        if custom_domain is not None:
            self.domain_name = apigwv2.DomainName(
                self,
                "DomainName",
                domain_name=custom_domain.domain_name,
                certificate=custom_domain.certificate,
            )
            domain_mapping = apigwv2.DomainMappingOptions(
                domain_name=self.domain_name, mapping_key=custom_domain.mapping_key
            )
        self.stage = apigwv2.WebSocketStage(
            self,
            "Stage",
            web_socket_api=self.api,
            stage_name=stage_name,
            auto_deploy=True,
            throttle=throttle,
            access_log_settings=access_log_settings,
            domain_mapping=domain_mapping,
        )
        if custom_domain is not None and custom_domain.hosted_zone is not None and self.domain_name is not None:
            route53.ARecord(
                self,
                "DomainAlias",
                zone=custom_domain.hosted_zone,
                record_name=custom_domain.domain_name,
                target=route53.RecordTarget.from_alias(
                    route53_targets.ApiGatewayv2DomainProperties(
                        self.domain_name.regional_domain_name, self.domain_name.regional_hosted_zone_id
                    )
                ),
            )

        # ---- endpoints --------------------------------------------------------------------------------
        # From tokens that do not involve the stage resource (see the module docstring: no cycle).
        self.management_endpoint = (
            f"https://{self.api.api_id}.execute-api.{stack.region}.{stack.url_suffix}/{stage_name}"
        )
        self.url = f"wss://{self.api.api_id}.execute-api.{stack.region}.{stack.url_suffix}/{stage_name}"
        self.custom_domain_url: str | None = None
        if custom_domain is not None:
            suffix = f"/{custom_domain.mapping_key}" if custom_domain.mapping_key else ""
            self.custom_domain_url = f"wss://{custom_domain.domain_name}{suffix}"

        # ---- connections table ----------------------------------------------------------------------
        self.connections_table: dynamodb.ITable | None = existing_connections_table
        if connections_table is not None:
            self.connections_table = table = dynamodb.Table(
                self,
                "ConnectionsTable",
                table_name=connections_table.table_name,
                partition_key=dynamodb.Attribute(
                    name=connections_table.partition_key, type=dynamodb.AttributeType.STRING
                ),
                sort_key=(
                    dynamodb.Attribute(name=connections_table.sort_key, type=dynamodb.AttributeType.STRING)
                    if connections_table.sort_key
                    else None
                ),
                billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
                time_to_live_attribute=connections_table.time_to_live_attribute,
                point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                    point_in_time_recovery_enabled=True
                ),
                removal_policy=connections_table.removal_policy,
            )
            for index in connections_table.global_secondary_indexes:
                table.add_global_secondary_index(
                    index_name=index.index_name,
                    partition_key=dynamodb.Attribute(name=index.partition_key, type=dynamodb.AttributeType.STRING),
                    sort_key=(
                        dynamodb.Attribute(name=index.sort_key, type=dynamodb.AttributeType.STRING)
                        if index.sort_key
                        else None
                    ),
                    projection_type=dynamodb.ProjectionType.ALL,
                )

        # ---- what each distinct route handler gets ----------------------------------------------------
        distinct: dict[str, lambda_.Function] = {}
        for route_handler in self.route_handlers.values():
            distinct.setdefault(route_handler.node.path, route_handler)
        table_handlers = {self.route_handlers[key].node.path for key in table_keys}
        for path, route_handler in distinct.items():
            # Scoped to this API and stage: `{apiId}/{stage}/*/@connections/*` (POST, GET, DELETE).
            self.stage.grant_management_api_access(route_handler)
            route_handler.add_environment(MANAGEMENT_ENDPOINT_ENV, self.management_endpoint)
            if self.connections_table is not None and path in table_handlers:
                self.connections_table.grant(route_handler, *CONNECTIONS_TABLE_ACTIONS)
                route_handler.add_environment(CONNECTIONS_TABLE_ENV, self.connections_table.table_name)

        # ---- outputs --------------------------------------------------------------------------------
        cdk.CfnOutput(self, "WebSocketUrl", value=self.url, description="wss:// URL clients connect to")
        cdk.CfnOutput(
            self,
            "ManagementEndpoint",
            value=self.management_endpoint,
            description=f"management API endpoint (also in {MANAGEMENT_ENDPOINT_ENV} on every route handler)",
        )
        if self.custom_domain_url is not None and self.domain_name is not None:
            cdk.CfnOutput(self, "CustomDomainUrl", value=self.custom_domain_url, description="wss:// custom domain URL")
            cdk.CfnOutput(
                self,
                "CustomDomainTarget",
                value=self.domain_name.regional_domain_name,
                description="DNS target (CNAME or alias) for the custom domain",
            )
        if self.connections_table is not None:
            cdk.CfnOutput(self, "ConnectionsTableName", value=self.connections_table.table_name)

    def _add_route(self, route_key: str, route_handler: lambda_.Function) -> None:
        path = route_handler.node.path
        integration = self._integrations.get(path)
        if integration is None:
            # One integration object per handler: CDK then creates one Integration resource for it, shared
            # by the handler's routes. It adds no permission; each route gets its own below.
            integration = _LambdaProxyIntegration(f"Integration{len(self._integrations)}", route_handler)
            self._integrations[path] = integration
        authorizer = self._route_authorizer if route_key == "$connect" else None
        route = self.api.add_route(route_key, integration=integration, authorizer=authorizer)
        self.routes[route_key] = route
        self.route_handlers[route_key] = route_handler
        # The exact ARN API Gateway invokes a WebSocket route's integration with:
        # `arn:{partition}:execute-api:{region}:{account}:{apiId}/{stageName}/{routeKey}`, the WebSocket route
        # ARN format of https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-control-access-iam.html
        # (the authorizer's `methodArn` has the same shape: `…/{stageName}/$connect`, see
        # https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-api-lambda-auth.html).
        # The stage is its *name*, a plain string: no reference to the stage resource, so no cycle.
        # `_route_key_problem` has refused any key that would not be matched literally here.
        self.invoke_permissions[route_key] = _invoke_permission(
            route_handler,
            scope=route,
            permission_id=f"{integration.integration_id}-Permission",  # the id CDK's own Lambda integration used
            source_arn=cdk.Stack.of(self).format_arn(
                service="execute-api",
                resource=self.api.api_id,
                resource_name=f"{self.stage_name}/{route_key}",
            ),
        )


class _LambdaProxyIntegration(apigwv2.WebSocketRouteIntegration):
    """An `AWS_PROXY` Lambda integration that, unlike CDK's `WebSocketLambdaIntegration`, adds no permission:
    that one allows `…:{apiId}/*{routeKey}` (any stage, and the route key only as a suffix)."""

    def __init__(self, integration_id: str, handler: lambda_.IFunction) -> None:
        super().__init__(integration_id)
        self.integration_id = integration_id
        self._handler = handler

    def bind(self, *, route: apigwv2.IWebSocketRoute, scope: Construct) -> apigwv2.WebSocketRouteIntegrationConfig:
        return apigwv2.WebSocketRouteIntegrationConfig(
            type=apigwv2.WebSocketIntegrationType.AWS_PROXY,
            uri=_lambda_invocation_uri(cdk.Stack.of(route), self._handler),
        )


@jsii.implements(apigwv2.IWebSocketRouteAuthorizer)
class _ConnectRouteAuthorizer:
    """Attaches the construct's own `WebSocketAuthorizer` (and nothing else) to the `$connect` route."""

    def __init__(self, authorizer_id: str) -> None:
        self._authorizer_id = authorizer_id

    def bind(self, *, route: apigwv2.IWebSocketRoute, scope: Construct) -> apigwv2.WebSocketRouteAuthorizerConfig:
        return apigwv2.WebSocketRouteAuthorizerConfig(authorization_type="CUSTOM", authorizer_id=self._authorizer_id)


def _lambda_invocation_uri(stack: cdk.Stack, handler: lambda_.IFunction) -> str:
    """`arn:{partition}:apigateway:{region}:lambda:path/2015-03-31/functions/{functionArn}/invocations`."""
    return stack.format_arn(
        service="apigateway",
        account="lambda",
        resource="path/2015-03-31/functions",
        resource_name=f"{handler.function_arn}/invocations",
    )


def _invoke_permission(
    handler: lambda_.IFunction, *, scope: Construct, permission_id: str, source_arn: str
) -> lambda_.CfnPermission:
    """`lambda:InvokeFunction` for API Gateway from exactly `source_arn`, owned by this stack's account.

    A `CfnPermission` rather than `handler.add_permission`: that one silently adds nothing for an imported
    function whose account CDK cannot compare with the stack's, which would leave the route unable to call it.
    """
    return lambda_.CfnPermission(
        scope,
        permission_id,
        action="lambda:InvokeFunction",
        function_name=handler.function_arn,
        principal="apigateway.amazonaws.com",
        source_arn=source_arn,
        source_account=cdk.Stack.of(scope).account,
    )


@jsii.implements(apigwv2.IAccessLogSettings)
class _AccessLogSettings:
    """`IAccessLogSettings` implemented in Python (the L2 stage takes an interface, not a struct)."""

    def __init__(self, destination: apigwv2.IAccessLogDestination, log_format: apigw_v1.AccessLogFormat) -> None:
        self._destination = destination
        self._format = log_format

    @property
    def destination(self) -> apigwv2.IAccessLogDestination:
        return self._destination

    @property
    def format(self) -> apigw_v1.AccessLogFormat:
        return self._format


def _error(construct_id: str, message: str) -> WebSocketApiPropsError:
    return WebSocketApiPropsError(f"WebSocketApi {construct_id!r}: {message}")


def _route_map(
    construct_id: str,
    handler: lambda_.Function | None,
    route_handlers: Mapping[str, lambda_.Function] | None,
    routes: Sequence[str],
) -> dict[str, lambda_.Function]:
    """Route key → handler, validated; predefined keys first, then custom keys in the order given."""
    per_route = dict(route_handlers or {})
    if handler is None and not per_route:
        raise _error(
            construct_id,
            "no handler: pass handler (one function for every route) or route_handlers "
            "(e.g. {'$connect': ..., '$disconnect': ..., '$default': ...})",
        )
    if isinstance(routes, str):
        raise _error(construct_id, "routes must be a sequence of route keys, not a string")
    if routes and handler is None:
        raise _error(construct_id, f"routes {list(routes)!r} need handler; or give them in route_handlers")
    for key in [*routes, *per_route]:
        problem = _route_key_problem(key)
        if problem is not None:
            raise _error(construct_id, f"invalid route key {_show_key(key)}: {problem}; {ROUTE_KEY_RULE}")
    duplicates = sorted({key for key in routes if list(routes).count(key) > 1})
    if duplicates:
        raise _error(construct_id, f"route keys given twice in routes: {duplicates!r}")
    for key, value in per_route.items():
        if not isinstance(value, lambda_.Function):
            raise _error(construct_id, f"route_handlers[{key!r}] must be an aws_lambda.Function")
    if handler is not None and not isinstance(handler, lambda_.Function):
        raise _error(construct_id, "handler must be an aws_lambda.Function")
    result: dict[str, lambda_.Function] = {}
    for key in PREDEFINED_ROUTES:
        chosen = per_route.get(key, handler)
        if chosen is not None:
            result[key] = chosen
    for key in [*routes, *per_route]:
        if key not in result:
            chosen = per_route.get(key, handler)
            assert chosen is not None
            result[key] = chosen
    return result


def _route_key_problem(key: object) -> str | None:
    """Why `key` cannot be a route key (it must appear literally in an exact IAM source ARN), or None."""
    if not isinstance(key, str):
        return f"a route key is a string, not {type(key).__name__}"
    if key in PREDEFINED_ROUTES:
        return None
    if not key:
        return "it is empty"
    if len(key) > ROUTE_KEY_MAX_LENGTH:
        return f"it is {len(key)} characters long, more than {ROUTE_KEY_MAX_LENGTH}"
    if any(char.isspace() for char in key):
        return "it contains whitespace"
    for forbidden, why in _ROUTE_KEY_FORBIDDEN:
        if forbidden in key:
            return why
    unprintable = next((char for char in key if not "!" <= char <= "~"), None)
    if unprintable is not None:
        return f"{unprintable!r} is not printable ASCII"
    if key.startswith("$"):
        return "'$' starts only the predefined route keys"
    return None


def _show_key(key: object) -> str:
    """The key for a message: in full, or its first 40 characters when longer than that."""
    if isinstance(key, str) and len(key) > 40:
        return f"{key[:40]!r}..."
    return repr(key)


def _check_stage_name(construct_id: str, stage_name: str) -> None:
    if not isinstance(stage_name, str) or not stage_name.strip():
        raise _error(construct_id, "stage_name must not be empty")
    if cdk.Token.is_unresolved(stage_name):
        raise _error(construct_id, "stage_name must be a plain string, not a token (it is part of IAM ARNs)")
    if not _STAGE_NAME.match(stage_name):
        raise _error(
            construct_id,
            f"invalid stage_name {stage_name!r}: 1-128 letters, digits, hyphens or underscores",
        )


def _table_route_keys(
    construct_id: str, route_map: Mapping[str, lambda_.Function], keys: Sequence[str] | None
) -> list[str]:
    """The route keys whose handlers get the table (every route by default)."""
    if keys is None:
        return list(route_map)
    if isinstance(keys, str):
        raise _error(construct_id, "connections_table_route_keys must be a sequence of route keys, not a string")
    unknown = [key for key in keys if key not in route_map]
    if unknown:
        raise _error(construct_id, f"connections_table_route_keys names unknown routes: {unknown!r}")
    return list(keys)


def _check_table_options(construct_id: str, options: ConnectionsTableOptions) -> None:
    if not options.partition_key.strip():
        raise _error(construct_id, "connections_table.partition_key must not be empty")
    if not options.time_to_live_attribute.strip():
        raise _error(construct_id, "connections_table.time_to_live_attribute must not be empty")
    names = [index.index_name for index in options.global_secondary_indexes]
    if len(set(names)) != len(names):
        raise _error(construct_id, f"connections_table.global_secondary_indexes repeats a name: {names!r}")
    for index in options.global_secondary_indexes:
        if not index.index_name.strip() or not index.partition_key.strip():
            raise _error(construct_id, "a connections table index needs an index_name and a partition_key")
