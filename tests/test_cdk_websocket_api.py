"""`apptheory_cdk.WebSocketApi`: synthesized templates checked value by value, and linted by cfn-lint.

Each distinct stack is synthesized once per module (jsii start-up and synthesis are the slow part):

- `shared`: one handler for `$connect`, `$disconnect`, `$default`, `say` and `typing`, a `$connect`
  authorizer, a created connections table, access logging, throttling and a custom domain;
- `per_route`: a handler per route (one of them serving two routes), an existing table granted to two
  of the routes only, a custom route selection expression and stage name;
- `mixed`: a shared `handler` for most routes and `route_handlers` for `$default` and `join` (one
  handler serving a predefined and a custom route), stage `prod`;
- `minimal`: `handler=` and nothing else (every default).

Every `lambda:InvokeFunction` permission is pinned exactly: SourceArn (as CDK's Fn::Join) is
`arn:{partition}:execute-api:{region}:{account}:{apiId}/{stage}/{routeKey}` for a route and
`…:{apiId}/authorizers/{authorizerId}` for the authorizer, and SourceAccount is the stack's account.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20,21")

import aws_cdk as cdk
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_route53 as route53
from aws_cdk.assertions import Match, Template
from cfnlint.api import lint

from apptheory_cdk import (
    DEFAULT_ACCESS_LOG_FORMAT,
    MANAGEMENT_ENDPOINT_ENV,
    ROUTE_KEY_RULE,
    AccessLogOptions,
    ConnectAuthorizerOptions,
    ConnectionsTableIndex,
    ConnectionsTableOptions,
    CustomDomainOptions,
    WebSocketApi,
    WebSocketApiPropsError,
)

PARTITION = {"Ref": "AWS::Partition"}
REGION = {"Ref": "AWS::Region"}
ACCOUNT = {"Ref": "AWS::AccountId"}
URL_SUFFIX = {"Ref": "AWS::URLSuffix"}
CERT_ARN = "arn:aws:acm:us-east-1:111111111111:certificate/00000000-0000-0000-0000-000000000000"
DYNAMODB_RW = [
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
]


def execute_api_arn(api: str, *suffix: Any) -> dict[str, Any]:
    """The Fn::Join CDK emits for arn:{partition}:execute-api:{region}:{account}:{api}{suffix...}."""
    return {"Fn::Join": ["", ["arn:", PARTITION, ":execute-api:", REGION, ":", ACCOUNT, ":", {"Ref": api}, *suffix]]}


def endpoint(scheme: str, api: str, stage: str) -> dict[str, Any]:
    return {"Fn::Join": ["", [f"{scheme}://", {"Ref": api}, ".execute-api.", REGION, ".", URL_SUFFIX, f"/{stage}"]]}


@dataclass
class Synth:
    stack: cdk.Stack
    template: Template
    api: WebSocketApi
    functions: dict[str, lambda_.Function]

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        return self.template.to_json()["Resources"]  # type: ignore[no-any-return]

    def of_type(self, kind: str) -> dict[str, dict[str, Any]]:
        return {key: value for key, value in self.resources.items() if value["Type"] == kind}

    def logical_id(self, construct: Any) -> str:
        return str(self.stack.get_logical_id(construct.node.default_child))

    @property
    def api_id(self) -> str:
        (key,) = self.of_type("AWS::ApiGatewayV2::Api")
        return key


def _function(stack: cdk.Stack, name: str, asset: Path) -> lambda_.Function:
    return lambda_.Function(
        stack,
        name,
        runtime=lambda_.Runtime.PYTHON_3_13,
        architecture=lambda_.Architecture.ARM_64,
        handler="app.handler",
        code=lambda_.Code.from_asset(str(asset)),
    )


@pytest.fixture(scope="module")
def asset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("asset")
    (path / "app.py").write_text("def handler(event, context):\n    return {'statusCode': 200}\n")
    return path


@pytest.fixture(scope="module")
def shared(asset: Path) -> Synth:
    app = cdk.App()
    stack = cdk.Stack(app, "Shared")
    handler = _function(stack, "Handler", asset)
    auth = _function(stack, "Auth", asset)
    zone = route53.HostedZone.from_hosted_zone_attributes(
        stack, "Zone", hosted_zone_id="Z0123", zone_name="example.com"
    )
    api = WebSocketApi(
        stack,
        "Chat",
        handler=handler,
        routes=["say", "typing"],
        connect_authorizer=ConnectAuthorizerOptions(
            handler=auth, identity_source=["route.request.querystring.token", "route.request.header.Origin"]
        ),
        connections_table=ConnectionsTableOptions(
            time_to_live_attribute="expiresAt",
            global_secondary_indexes=[ConnectionsTableIndex("by-room", partition_key="room", sort_key="pk")],
        ),
        access_log=AccessLogOptions(),
        throttle=apigwv2.ThrottleSettings(rate_limit=100, burst_limit=50),
        custom_domain=CustomDomainOptions(
            domain_name="ws.example.com",
            certificate=acm.Certificate.from_certificate_arn(stack, "Cert", CERT_ARN),
            mapping_key="chat",
            hosted_zone=zone,
        ),
    )
    return Synth(stack, Template.from_stack(stack), api, {"handler": handler, "auth": auth})


@pytest.fixture(scope="module")
def per_route(asset: Path) -> Synth:
    app = cdk.App()
    stack = cdk.Stack(app, "PerRoute")
    fns = {name: _function(stack, name, asset) for name in ("Connect", "Disconnect", "Default", "Say")}
    table = dynamodb.Table.from_table_name(stack, "Existing", "existing-connections")
    api = WebSocketApi(
        stack,
        "Chat",
        route_handlers={
            "$connect": fns["Connect"],
            "$disconnect": fns["Disconnect"],
            "$default": fns["Default"],
            "say": fns["Say"],
            "shout": fns["Say"],
        },
        route_selection_expression="$request.body.type",
        stage_name="prod_v2",
        existing_connections_table=table,
        connections_table_route_keys=["$connect", "$disconnect"],
    )
    return Synth(stack, Template.from_stack(stack), api, fns)


@pytest.fixture(scope="module")
def mixed(asset: Path) -> Synth:
    app = cdk.App()
    stack = cdk.Stack(app, "Mixed")
    fns = {name: _function(stack, name, asset) for name in ("Shared", "Special")}
    api = WebSocketApi(
        stack,
        "Chat",
        handler=fns["Shared"],
        routes=["say"],
        route_handlers={"$default": fns["Special"], "join": fns["Special"]},
        stage_name="prod",
    )
    return Synth(stack, Template.from_stack(stack), api, fns)


@pytest.fixture(scope="module")
def minimal(asset: Path) -> Synth:
    app = cdk.App()
    stack = cdk.Stack(app, "Minimal")
    handler = _function(stack, "Handler", asset)
    api = WebSocketApi(stack, "Ws", handler=handler)
    return Synth(stack, Template.from_stack(stack), api, {"handler": handler})


SYNTHS = ["shared", "per_route", "mixed", "minimal"]


# ---- counts -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "counts"),
    [
        (
            "shared",
            {
                "AWS::ApiGatewayV2::Api": 1,
                "AWS::ApiGatewayV2::Route": 5,
                "AWS::ApiGatewayV2::Integration": 1,  # one per distinct handler, shared by its routes
                "AWS::ApiGatewayV2::Stage": 1,
                "AWS::ApiGatewayV2::Authorizer": 1,
                "AWS::ApiGatewayV2::DomainName": 1,
                "AWS::ApiGatewayV2::ApiMapping": 1,
                "AWS::ApiGatewayV2::Deployment": 0,  # auto-deploy
                "AWS::Lambda::Permission": 6,  # 5 routes + the authorizer
                "AWS::DynamoDB::Table": 1,
                "AWS::Logs::LogGroup": 1,
                "AWS::Route53::RecordSet": 1,
                "AWS::IAM::Policy": 1,  # the route handler's; the authorizer gets none
            },
        ),
        (
            "per_route",
            {
                "AWS::ApiGatewayV2::Route": 5,
                "AWS::ApiGatewayV2::Integration": 4,
                "AWS::Lambda::Permission": 5,
                "AWS::ApiGatewayV2::Authorizer": 0,
                "AWS::DynamoDB::Table": 0,
                "AWS::IAM::Policy": 4,
            },
        ),
        (
            "mixed",
            {
                "AWS::ApiGatewayV2::Route": 5,
                "AWS::ApiGatewayV2::Integration": 2,
                "AWS::Lambda::Permission": 5,
                "AWS::ApiGatewayV2::Authorizer": 0,
                "AWS::IAM::Policy": 2,
            },
        ),
        (
            "minimal",
            {
                "AWS::ApiGatewayV2::Route": 3,
                "AWS::ApiGatewayV2::Integration": 1,
                "AWS::Lambda::Permission": 3,
                "AWS::ApiGatewayV2::Authorizer": 0,
                "AWS::ApiGatewayV2::DomainName": 0,
                "AWS::DynamoDB::Table": 0,
                "AWS::Logs::LogGroup": 0,
                "AWS::IAM::Policy": 1,
            },
        ),
    ],
)
def test_resource_counts(request: pytest.FixtureRequest, name: str, counts: dict[str, int]) -> None:
    synth: Synth = request.getfixturevalue(name)
    for kind, count in counts.items():
        synth.template.resource_count_is(kind, count)


# ---- routes and invoke permissions --------------------------------------------------------------------


def _routes(synth: Synth) -> dict[str, dict[str, Any]]:
    return {r["Properties"]["RouteKey"]: r["Properties"] for r in synth.of_type("AWS::ApiGatewayV2::Route").values()}


def _permissions(synth: Synth) -> list[dict[str, Any]]:
    """Every AWS::Lambda::Permission, as Properties."""
    return [resource["Properties"] for resource in synth.of_type("AWS::Lambda::Permission").values()]


def _stage_name(synth: Synth) -> str:
    (stage,) = synth.of_type("AWS::ApiGatewayV2::Stage").values()
    return str(stage["Properties"]["StageName"])


def route_permission(synth: Synth, function_name: str, stage: str, route_key: str) -> dict[str, Any]:
    """The exact Properties of the permission that lets route `route_key` of `stage` invoke the function."""
    return {
        "Action": "lambda:InvokeFunction",
        "FunctionName": {"Fn::GetAtt": [synth.logical_id(synth.functions[function_name]), "Arn"]},
        "Principal": "apigateway.amazonaws.com",
        "SourceAccount": ACCOUNT,
        "SourceArn": {
            "Fn::Join": [
                "",
                [
                    "arn:",
                    PARTITION,
                    ":execute-api:",
                    REGION,
                    ":",
                    ACCOUNT,
                    ":",
                    {"Ref": synth.api_id},
                    f"/{stage}/{route_key}",
                ],
            ]
        },
    }


ROUTE_PERMISSIONS = [
    ("shared", "dev", dict.fromkeys(("$connect", "$disconnect", "$default", "say", "typing"), "handler")),
    (
        "per_route",
        "prod_v2",
        {"$connect": "Connect", "$disconnect": "Disconnect", "$default": "Default", "say": "Say", "shout": "Say"},
    ),
    (
        "mixed",
        "prod",
        {"$connect": "Shared", "$disconnect": "Shared", "say": "Shared", "$default": "Special", "join": "Special"},
    ),
    ("minimal", "dev", dict.fromkeys(("$connect", "$disconnect", "$default"), "handler")),
]


@pytest.mark.parametrize(("name", "stage", "expected"), ROUTE_PERMISSIONS, ids=[n for n, _, _ in ROUTE_PERMISSIONS])
def test_one_exact_invoke_permission_per_route(
    request: pytest.FixtureRequest, name: str, stage: str, expected: dict[str, str]
) -> None:
    synth: Synth = request.getfixturevalue(name)
    assert _stage_name(synth) == stage
    for route_key, function_name in expected.items():
        exact = route_permission(synth, function_name, stage, route_key)
        found = synth.template.find_resources("AWS::Lambda::Permission", {"Properties": Match.object_equals(exact)})
        assert len(found) == 1, route_key
        # The construct exposes the same resource.
        (logical_id,) = found
        assert synth.stack.get_logical_id(synth.api.invoke_permissions[route_key]) == logical_id
    # ...and no other route permission: every permission is one of these (or the authorizer's).
    authorizer_fn = synth.functions.get("auth")
    authorizer_arn = {"Fn::GetAtt": [synth.logical_id(authorizer_fn), "Arn"]} if authorizer_fn else None
    routes = [p for p in _permissions(synth) if p["FunctionName"] != authorizer_arn]
    assert sorted(json.dumps(p, sort_keys=True) for p in routes) == sorted(
        json.dumps(route_permission(synth, fn, stage, key), sort_keys=True) for key, fn in expected.items()
    )
    assert sorted(synth.api.invoke_permissions) == sorted(expected)


@pytest.mark.parametrize("name", SYNTHS)
def test_no_permission_has_a_wildcard_or_lacks_the_source_account(request: pytest.FixtureRequest, name: str) -> None:
    synth: Synth = request.getfixturevalue(name)
    (stage_id,) = synth.of_type("AWS::ApiGatewayV2::Stage")
    for permission in _permissions(synth):
        assert permission["SourceAccount"] == ACCOUNT
        literals = [part for part in permission["SourceArn"]["Fn::Join"][1] if isinstance(part, str)]
        assert not any(char in part for part in literals for char in "*?"), permission["SourceArn"]
        # Built from the stage *name*: no permission references the stage resource (no cycle).
        assert stage_id not in json.dumps(permission)


def test_routes_target_the_integration_of_their_handler(per_route: Synth) -> None:
    routes = _routes(per_route)
    assert sorted(routes) == ["$connect", "$default", "$disconnect", "say", "shout"]
    integrations = per_route.of_type("AWS::ApiGatewayV2::Integration")
    by_function = {}
    for key, resource in integrations.items():
        uri = resource["Properties"]["IntegrationUri"]["Fn::Join"][1]
        (get_att,) = [part for part in uri if isinstance(part, dict) and "Fn::GetAtt" in part]
        by_function[get_att["Fn::GetAtt"][0]] = key
        assert resource["Properties"]["IntegrationType"] == "AWS_PROXY"
    for route_key, fn in {"$connect": "Connect", "say": "Say", "shout": "Say"}.items():
        integration = by_function[per_route.logical_id(per_route.functions[fn])]
        assert routes[route_key]["Target"] == {"Fn::Join": ["", ["integrations/", {"Ref": integration}]]}


def test_route_selection_expression(shared: Synth, per_route: Synth) -> None:
    (api,) = shared.of_type("AWS::ApiGatewayV2::Api").values()
    assert api["Properties"]["RouteSelectionExpression"] == "$request.body.action"
    assert api["Properties"]["ProtocolType"] == "WEBSOCKET"
    (api,) = per_route.of_type("AWS::ApiGatewayV2::Api").values()
    assert api["Properties"]["RouteSelectionExpression"] == "$request.body.type"


# ---- ManageConnections -----------------------------------------------------------------------------


def _statements(synth: Synth, function_name: str) -> list[dict[str, Any]]:
    role = synth.logical_id(synth.functions[function_name].role)
    statements = []
    for policy in synth.of_type("AWS::IAM::Policy").values():
        if {"Ref": role} in policy["Properties"]["Roles"]:
            statements.extend(policy["Properties"]["PolicyDocument"]["Statement"])
    return statements


@pytest.mark.parametrize(
    ("name", "handlers", "stage"),
    [
        ("shared", ["handler"], "dev"),
        ("per_route", ["Connect", "Disconnect", "Default", "Say"], "prod_v2"),
        ("minimal", ["handler"], "dev"),
    ],
)
def test_manage_connections_is_scoped_to_this_api_and_stage(
    request: pytest.FixtureRequest, name: str, handlers: list[str], stage: str
) -> None:
    synth: Synth = request.getfixturevalue(name)
    for function_name in handlers:
        manage = [s for s in _statements(synth, function_name) if s["Action"] == "execute-api:ManageConnections"]
        assert manage == [
            {
                "Action": "execute-api:ManageConnections",
                "Effect": "Allow",
                "Resource": execute_api_arn(synth.api_id, f"/{stage}/*/@connections/*"),
            }
        ], function_name


def test_no_statement_is_wider_than_its_resource(shared: Synth, per_route: Synth, mixed: Synth, minimal: Synth) -> None:
    for synth in (shared, per_route, mixed, minimal):
        for policy in synth.of_type("AWS::IAM::Policy").values():
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
                assert statement["Resource"] != "*"
                assert "execute-api:*" not in json.dumps(statement)


def test_authorizer_gets_no_route_privileges(shared: Synth) -> None:
    assert _statements(shared, "auth") == []
    auth = shared.resources[shared.logical_id(shared.functions["auth"])]
    assert "Environment" not in auth["Properties"]


# ---- environment -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "handler", "stage", "table_env"),
    [
        ("shared", "handler", "dev", "created"),
        ("per_route", "Connect", "prod_v2", "existing"),
        ("per_route", "Say", "prod_v2", None),
        ("minimal", "handler", "dev", None),
    ],
)
def test_handlers_get_the_management_endpoint_and_table(
    request: pytest.FixtureRequest, name: str, handler: str, stage: str, table_env: str | None
) -> None:
    synth: Synth = request.getfixturevalue(name)
    variables = synth.resources[synth.logical_id(synth.functions[handler])]["Properties"]["Environment"]["Variables"]
    expected: dict[str, Any] = {MANAGEMENT_ENDPOINT_ENV: endpoint("https", synth.api_id, stage)}
    if table_env == "created":
        (table,) = synth.of_type("AWS::DynamoDB::Table")
        expected["CONNECTIONS_TABLE"] = {"Ref": table}
    elif table_env == "existing":
        expected["CONNECTIONS_TABLE"] = "existing-connections"
    assert variables == expected
    assert synth.stack.resolve(synth.api.management_endpoint) == endpoint("https", synth.api_id, stage)


# ---- stage -----------------------------------------------------------------------------------------------


def test_stage_settings(shared: Synth, minimal: Synth) -> None:
    (stage,) = shared.of_type("AWS::ApiGatewayV2::Stage").values()
    (log_group,) = shared.of_type("AWS::Logs::LogGroup")
    assert stage["Properties"] == {
        "ApiId": {"Ref": shared.api_id},
        "StageName": "dev",
        "AutoDeploy": True,
        "DefaultRouteSettings": {"ThrottlingBurstLimit": 50, "ThrottlingRateLimit": 100},
        "AccessLogSettings": {
            "DestinationArn": {"Fn::GetAtt": [log_group, "Arn"]},
            "Format": DEFAULT_ACCESS_LOG_FORMAT,
        },
    }
    fields = json.loads(DEFAULT_ACCESS_LOG_FORMAT)
    for variable in (
        "$context.requestId",
        "$context.routeKey",
        "$context.connectionId",
        "$context.status",
        "$context.integrationLatency",
        "$context.identity.sourceIp",
    ):
        assert variable in fields.values()
    assert shared.resources[log_group]["Properties"] == {"RetentionInDays": 30}
    (stage,) = minimal.of_type("AWS::ApiGatewayV2::Stage").values()
    assert stage["Properties"] == {"ApiId": {"Ref": minimal.api_id}, "StageName": "dev", "AutoDeploy": True}


# ---- authorizer ------------------------------------------------------------------------------------------


def test_connect_authorizer_wiring(shared: Synth) -> None:
    ((authorizer_id, authorizer),) = shared.of_type("AWS::ApiGatewayV2::Authorizer").items()
    auth_fn = shared.logical_id(shared.functions["auth"])
    assert authorizer["Properties"] == {
        "ApiId": {"Ref": shared.api_id},
        "AuthorizerType": "REQUEST",
        "AuthorizerUri": {
            "Fn::Join": [
                "",
                [
                    "arn:",
                    PARTITION,
                    ":apigateway:",
                    REGION,
                    ":lambda:path/2015-03-31/functions/",
                    {"Fn::GetAtt": [auth_fn, "Arn"]},
                    "/invocations",
                ],
            ]
        },
        "IdentitySource": ["route.request.querystring.token", "route.request.header.Origin"],
        "Name": "ConnectAuthorizer",
    }
    routes = _routes(shared)
    assert routes["$connect"]["AuthorizationType"] == "CUSTOM"
    assert routes["$connect"]["AuthorizerId"] == {"Ref": authorizer_id}
    for key in ("$disconnect", "$default", "say", "typing"):
        assert routes[key]["AuthorizationType"] == "NONE"
        assert "AuthorizerId" not in routes[key]
    authorizer_permissions = [
        p["Properties"]
        for p in shared.of_type("AWS::Lambda::Permission").values()
        if p["Properties"]["FunctionName"] == {"Fn::GetAtt": [auth_fn, "Arn"]}
    ]
    assert authorizer_permissions == [
        {
            "Action": "lambda:InvokeFunction",
            "FunctionName": {"Fn::GetAtt": [auth_fn, "Arn"]},
            "Principal": "apigateway.amazonaws.com",
            "SourceAccount": ACCOUNT,
            "SourceArn": execute_api_arn(shared.api_id, "/authorizers/", {"Ref": authorizer_id}),
        }
    ]
    assert shared.api.authorizer is not None
    assert shared.api.authorizer_permission is not None
    assert shared.stack.resolve(shared.api.authorizer.authorizer_id) == {"Ref": authorizer_id}
    exact = authorizer_permissions[0]
    found = shared.template.find_resources("AWS::Lambda::Permission", {"Properties": Match.object_equals(exact)})
    assert list(found) == [shared.stack.get_logical_id(shared.api.authorizer_permission)]


# ---- table -----------------------------------------------------------------------------------------------


def test_connections_table_settings_and_grants(shared: Synth) -> None:
    ((table_id, table),) = shared.of_type("AWS::DynamoDB::Table").items()
    assert table["Properties"] == {
        "AttributeDefinitions": [
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
            {"AttributeName": "room", "AttributeType": "S"},
        ],
        "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": "by-room",
                "KeySchema": [
                    {"AttributeName": "room", "KeyType": "HASH"},
                    {"AttributeName": "pk", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
        "TimeToLiveSpecification": {"AttributeName": "expiresAt", "Enabled": True},
    }
    assert table["DeletionPolicy"] == "Retain"
    assert _statements(shared, "handler")[1:] == [
        {
            "Action": DYNAMODB_RW,
            "Effect": "Allow",
            "Resource": [
                {"Fn::GetAtt": [table_id, "Arn"]},
                {"Fn::Join": ["", [{"Fn::GetAtt": [table_id, "Arn"]}, "/index/*"]]},
            ],
        }
    ]


def test_existing_table_is_granted_only_to_the_listed_routes(per_route: Synth) -> None:
    table_arn = {
        "Fn::Join": ["", ["arn:", PARTITION, ":dynamodb:", REGION, ":", ACCOUNT, ":table/existing-connections"]]
    }
    for name in ("Connect", "Disconnect"):
        assert _statements(per_route, name)[1:] == [{"Action": DYNAMODB_RW, "Effect": "Allow", "Resource": [table_arn]}]
    for name in ("Default", "Say"):
        assert [s["Action"] for s in _statements(per_route, name)] == ["execute-api:ManageConnections"]


# ---- custom domain and outputs --------------------------------------------------------------------------


def test_custom_domain(shared: Synth) -> None:
    ((domain_id, domain),) = shared.of_type("AWS::ApiGatewayV2::DomainName").items()
    assert domain["Properties"] == {
        "DomainName": "ws.example.com",
        "DomainNameConfigurations": [{"CertificateArn": CERT_ARN, "EndpointType": "REGIONAL"}],
    }
    (mapping,) = shared.of_type("AWS::ApiGatewayV2::ApiMapping").values()
    assert mapping["Properties"] == {
        "ApiId": {"Ref": shared.api_id},
        "ApiMappingKey": "chat",
        "DomainName": {"Ref": domain_id},
        "Stage": "dev",
    }
    (record,) = shared.of_type("AWS::Route53::RecordSet").values()
    assert record["Properties"] == {
        "AliasTarget": {
            "DNSName": {"Fn::GetAtt": [domain_id, "RegionalDomainName"]},
            "HostedZoneId": {"Fn::GetAtt": [domain_id, "RegionalHostedZoneId"]},
        },
        "HostedZoneId": "Z0123",
        "Name": "ws.example.com.",
        "Type": "A",
    }


def _outputs(synth: Synth) -> dict[str, Any]:
    """The template's output values, by the output's construct id; no other output exists."""
    outputs = synth.template.to_json().get("Outputs", {})
    by_id = {
        child.node.id: synth.stack.get_logical_id(child)
        for child in synth.api.node.children
        if isinstance(child, cdk.CfnOutput)
    }
    assert sorted(by_id.values()) == sorted(outputs)
    return {construct_id: outputs[logical_id]["Value"] for construct_id, logical_id in by_id.items()}


def test_outputs(shared: Synth, per_route: Synth, minimal: Synth) -> None:
    (table_id,) = shared.of_type("AWS::DynamoDB::Table")
    (domain_id,) = shared.of_type("AWS::ApiGatewayV2::DomainName")
    assert _outputs(shared) == {
        "WebSocketUrl": endpoint("wss", shared.api_id, "dev"),
        "ManagementEndpoint": endpoint("https", shared.api_id, "dev"),
        "CustomDomainUrl": "wss://ws.example.com/chat",
        "CustomDomainTarget": {"Fn::GetAtt": [domain_id, "RegionalDomainName"]},
        "ConnectionsTableName": {"Ref": table_id},
    }
    assert _outputs(per_route) == {
        "WebSocketUrl": endpoint("wss", per_route.api_id, "prod_v2"),
        "ManagementEndpoint": endpoint("https", per_route.api_id, "prod_v2"),
        "ConnectionsTableName": "existing-connections",
    }
    assert _outputs(minimal) == {
        "WebSocketUrl": endpoint("wss", minimal.api_id, "dev"),
        "ManagementEndpoint": endpoint("https", minimal.api_id, "dev"),
    }


# ---- cfn-lint and cycles ---------------------------------------------------------------------------------


def lint_errors(template: dict[str, Any]) -> list[str]:
    """cfn-lint errors (E*) for a template, as 'RULE: message' strings; warnings are not errors."""
    return [f"{m.rule.id}: {m.message}" for m in lint(json.dumps(template)) if m.rule.id.startswith("E")]


@pytest.mark.parametrize("name", SYNTHS)
def test_cfn_lint_reports_no_error(request: pytest.FixtureRequest, name: str) -> None:
    synth: Synth = request.getfixturevalue(name)
    assert lint_errors(synth.template.to_json()) == []


def test_cfn_lint_would_catch_the_stage_cycle(shared: Synth) -> None:
    """The check above is not vacuous: a handler that references the stage makes E3004 fire."""
    template = json.loads(json.dumps(shared.template.to_json()))
    handler = shared.logical_id(shared.functions["handler"])
    (stage,) = shared.of_type("AWS::ApiGatewayV2::Stage")
    template["Resources"][handler]["Properties"]["Environment"]["Variables"][MANAGEMENT_ENDPOINT_ENV] = {
        "Fn::Join": ["", ["https://example/", {"Ref": stage}]]
    }
    template["Resources"][stage]["DependsOn"] = sorted(shared.of_type("AWS::ApiGatewayV2::Route"))
    assert any(error.startswith("E3004") for error in lint_errors(template))


# ---- invalid props -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def scratch(asset: Path) -> tuple[cdk.Stack, lambda_.Function]:
    stack = cdk.Stack(cdk.App(), "Scratch")
    return stack, _function(stack, "Fn", asset)


INVALID: list[tuple[str, dict[str, Any], str]] = [
    ("no handler", {}, r"no handler: pass handler .* or route_handlers"),
    ("empty route_handlers", {"route_handlers": {}}, r"no handler"),
    (
        "table twice",
        {"handler": "fn", "connections_table": "opts", "existing_connections_table": "table"},
        r"the connections table is given twice",
    ),
    ("empty stage", {"handler": "fn", "stage_name": ""}, r"stage_name must not be empty"),
    ("blank stage", {"handler": "fn", "stage_name": "  "}, r"stage_name must not be empty"),
    ("bad stage", {"handler": "fn", "stage_name": "dev/1"}, r"invalid stage_name 'dev/1'"),
    ("duplicate key", {"handler": "fn", "routes": ["say", "say"]}, r"route keys given twice"),
    ("routes as str", {"handler": "fn", "routes": "say"}, r"routes must be a sequence"),
    ("routes without handler", {"route_handlers": {"$default": "fn"}, "routes": ["say"]}, r"need handler"),
    (
        "authorizer without $connect",
        {"route_handlers": {"$default": "fn"}, "connect_authorizer": "auth"},
        r"connect_authorizer needs a \$connect route",
    ),
    (
        "table keys without table",
        {"handler": "fn", "connections_table_route_keys": ["$connect"]},
        r"there is no connections table",
    ),
    (
        "unknown table key",
        {"handler": "fn", "connections_table": "opts", "connections_table_route_keys": ["nope"]},
        r"unknown routes: \['nope'\]",
    ),
    (
        "empty selection expression",
        {"handler": "fn", "route_selection_expression": " "},
        r"route_selection_expression must not be empty",
    ),
    ("log format without request id", {"handler": "fn", "access_log": "bad_format"}, r"must contain \$context"),
]


@pytest.mark.parametrize(("case", "props", "message"), INVALID, ids=[case for case, _, _ in INVALID])
def test_invalid_props_fail_with_a_clear_message(
    scratch: tuple[cdk.Stack, lambda_.Function], case: str, props: dict[str, Any], message: str
) -> None:
    stack, fn = scratch
    values = {
        "fn": fn,
        "opts": ConnectionsTableOptions(),
        "table": dynamodb.Table.from_table_name(stack, f"T{abs(hash(case))}", "t"),
        "auth": ConnectAuthorizerOptions(handler=fn),
        "bad_format": AccessLogOptions(format='{"route":"$context.routeKey"}'),
    }

    def resolve(value: Any) -> Any:
        if isinstance(value, str) and value in values:
            return values[value]
        if isinstance(value, dict):
            return {k: resolve(v) for k, v in value.items()}
        return value

    construct_id = f"Bad{abs(hash(case))}"
    with pytest.raises(WebSocketApiPropsError, match=message) as info:
        WebSocketApi(stack, construct_id, **{key: resolve(value) for key, value in props.items()})
    assert str(info.value).startswith(f"WebSocketApi '{construct_id}': ")
    assert stack.node.try_find_child(construct_id) is None  # nothing half-built is left in the tree


def test_route_handlers_override_the_shared_handler(scratch: tuple[cdk.Stack, lambda_.Function], asset: Path) -> None:
    from apptheory_cdk.websocket_api import _route_map

    stack, fn = scratch
    other = _function(stack, "Other", asset)
    routes = _route_map("X", fn, {"$connect": other, "join": other}, ["say"])
    assert list(routes) == ["$connect", "$disconnect", "$default", "say", "join"]
    assert [routes[key] is other for key in routes] == [True, False, False, False, True]


# ---- route keys that cannot appear literally in an exact source ARN are refused ---------------------------

WILDCARD = "is a wildcard in the invoke permission's SourceArn (Lambda matches it with StringLike)"
BAD_KEYS: list[tuple[str, object, str]] = [
    ("star", "*", f"invalid route key '*': '*' {WILDCARD}"),
    ("trailing star", "a*", f"invalid route key 'a*': '*' {WILDCARD}"),
    ("question mark", "x?y", f"invalid route key 'x?y': '?' {WILDCARD}"),
    (
        "slash",
        "a/b",
        "invalid route key 'a/b': '/' separates the API id, stage and route key in the invoke permission's SourceArn",
    ),
    (
        "policy variable",
        "${aws:username}",
        "invalid route key '${aws:username}': '${' starts an IAM policy variable in the invoke permission's SourceArn",
    ),
    ("space", "say hi", "invalid route key 'say hi': it contains whitespace"),
    ("tab", "say\thi", "invalid route key 'say\\thi': it contains whitespace"),
    ("newline", "say\n", "invalid route key 'say\\n': it contains whitespace"),
    ("no-break space", "say\u00a0hi", "invalid route key 'say\\xa0hi': it contains whitespace"),
    ("empty", "", "invalid route key '': it is empty"),
    ("too long", "k" * 129, f"invalid route key {'k' * 40!r}...: it is 129 characters long, more than 128"),
    ("non-ascii", "caf\u00e9", "invalid route key 'caf\u00e9': '\u00e9' is not printable ASCII"),
    ("control", "a\x00b", "invalid route key 'a\\x00b': '\\x00' is not printable ASCII"),
    ("reserved", "$join", "invalid route key '$join': '$' starts only the predefined route keys"),
    ("not a string", 5, "invalid route key 5: a route key is a string, not int"),
]


@pytest.mark.parametrize("via", ["routes", "route_handlers"])
@pytest.mark.parametrize(("case", "key", "message"), BAD_KEYS, ids=[case for case, _, _ in BAD_KEYS])
def test_route_keys_that_are_not_literal_in_an_arn_are_refused(
    scratch: tuple[cdk.Stack, lambda_.Function], via: str, case: str, key: object, message: str
) -> None:
    stack, fn = scratch
    construct_id = f"Key{abs(hash((via, case)))}"
    props: dict[str, Any] = {"handler": fn, "routes": [key]} if via == "routes" else {"route_handlers": {key: fn}}
    expected = f"WebSocketApi {construct_id!r}: {message}; {ROUTE_KEY_RULE}"
    with pytest.raises(WebSocketApiPropsError, match=re.escape(expected)) as info:
        WebSocketApi(stack, construct_id, **props)
    assert str(info.value) == expected
    assert stack.node.try_find_child(construct_id) is None


def test_the_route_key_rule_says_what_is_allowed() -> None:
    assert ROUTE_KEY_RULE == (
        "a custom route key is 1-128 printable ASCII characters without whitespace, '*', '?', '/' or '${', "
        "and only $connect, $disconnect, $default may start with '$'"
    )


GOOD_KEYS = ["$connect", "$disconnect", "$default", "k" * 128, "say", "a.b", "x-y_z", "{json}", "a$b", "!~"]


@pytest.mark.parametrize("key", GOOD_KEYS)
def test_literal_route_keys_are_accepted(key: str) -> None:
    from apptheory_cdk.websocket_api import _route_key_problem

    assert _route_key_problem(key) is None


def test_explicit_account_and_imported_authorizer_function(asset: Path) -> None:
    """SourceAccount is the stack's account as written; an imported authorizer function still gets its
    permission (CDK's `add_permission` would silently skip it when it cannot compare accounts)."""
    stack = cdk.Stack(cdk.App(), "Pinned", env=cdk.Environment(account="123456789012", region="eu-west-1"))
    handler = _function(stack, "Handler", asset)
    auth_arn = "arn:aws:lambda:eu-west-1:123456789012:function:auth"
    auth = lambda_.Function.from_function_arn(stack, "Auth", auth_arn)
    WebSocketApi(stack, "Ws", handler=handler, connect_authorizer=ConnectAuthorizerOptions(handler=auth))
    template = Template.from_stack(stack)
    (api_id,) = template.find_resources("AWS::ApiGatewayV2::Api")
    (authorizer_id,) = template.find_resources("AWS::ApiGatewayV2::Authorizer")
    prefix = ["arn:", PARTITION, ":execute-api:eu-west-1:123456789012:", {"Ref": api_id}]
    found = template.find_resources(
        "AWS::Lambda::Permission",
        {
            "Properties": Match.object_equals(
                {
                    "Action": "lambda:InvokeFunction",
                    "FunctionName": auth_arn,
                    "Principal": "apigateway.amazonaws.com",
                    "SourceAccount": "123456789012",
                    "SourceArn": {"Fn::Join": ["", [*prefix, "/authorizers/", {"Ref": authorizer_id}]]},
                }
            )
        },
    )
    assert len(found) == 1
    handler_id = stack.get_logical_id(handler.node.default_child)
    for route_key in ("$connect", "$disconnect", "$default"):
        template.has_resource_properties(
            "AWS::Lambda::Permission",
            Match.object_equals(
                {
                    "Action": "lambda:InvokeFunction",
                    "FunctionName": {"Fn::GetAtt": [handler_id, "Arn"]},
                    "Principal": "apigateway.amazonaws.com",
                    "SourceAccount": "123456789012",
                    "SourceArn": {"Fn::Join": ["", [*prefix, f"/dev/{route_key}"]]},
                }
            ),
        )
    template.resource_count_is("AWS::Lambda::Permission", 4)
    assert lint_errors(template.to_json()) == []
