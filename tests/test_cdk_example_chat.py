"""The chat example's CDK app: three flavours synthesized offline, linted, and its Python asset run.

The Go and TS build outputs are stand-ins made in a temporary folder (no `go` or `node` runs here);
`scripts/cdk-synth` builds the real ones.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20,21")

import aws_cdk as cdk
from aws_cdk.assertions import Template
from cfnlint.api import lint

from apptheory.testkit import websocket_event
from apptheory_cdk import DEFAULT_ACCESS_LOG_FORMAT

ROOT = Path(__file__).resolve().parent.parent
CDK_APP = ROOT / "examples" / "chat" / "cdk" / "app.py"
CHAT_DIR = ROOT / "examples" / "chat" / "python"


def _load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def cdk_example() -> ModuleType:
    return _load(CDK_APP, "chat_cdk_app")


# ---- the CDK app -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def full(cdk_example: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> tuple[cdk.App, list[str], Path]:
    build = tmp_path_factory.mktemp("build")
    (build / "go").mkdir()
    (build / "go" / "bootstrap").write_bytes(b"\x7fELF stand-in")
    (build / "ts").mkdir()
    (build / "ts" / "index.js").write_text("exports.handler = async () => ({ statusCode: 200 });\n")
    app, skipped = cdk_example.build_app(build_dir=build, outdir=str(tmp_path_factory.mktemp("cdk.out")))
    return app, skipped, build


@pytest.fixture(scope="module")
def templates(full: tuple[cdk.App, list[str], Path]) -> dict[str, dict[str, Any]]:
    app, _, _ = full
    assembly = app.synth()
    return {stack.stack_name: stack.template for stack in assembly.stacks}


FLAVOURS = {
    "AppTheoryChatPython": ("python3.13", "app.handler"),
    "AppTheoryChatGo": ("provided.al2023", "bootstrap"),
    "AppTheoryChatTs": ("nodejs20.x", "index.handler"),
}


def _of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {key: value for key, value in template["Resources"].items() if value["Type"] == kind}


def test_three_stacks_nothing_skipped(full: tuple[cdk.App, list[str], Path], templates: dict[str, Any]) -> None:
    _, skipped, _ = full
    assert skipped == []
    assert sorted(templates) == sorted(FLAVOURS)


@pytest.mark.parametrize("stack_name", sorted(FLAVOURS))
def test_each_flavour(templates: dict[str, dict[str, Any]], stack_name: str) -> None:
    template = templates[stack_name]
    runtime, handler = FLAVOURS[stack_name]
    (function,) = _of_type(template, "AWS::Lambda::Function").values()
    props = function["Properties"]
    assert props["Runtime"] == runtime
    assert props["Handler"] == handler
    assert props["Architectures"] == ["arm64"]
    variables = props["Environment"]["Variables"]
    assert sorted(variables) == ["APPTHEORY_WS_MANAGEMENT_ENDPOINT", "CONNECTIONS_TABLE", "ROOM_INDEX"]
    assert variables["ROOM_INDEX"] == "room-index"
    routes = sorted(r["Properties"]["RouteKey"] for r in _of_type(template, "AWS::ApiGatewayV2::Route").values())
    assert routes == ["$connect", "$default", "$disconnect", "say"]
    (api_id,) = _of_type(template, "AWS::ApiGatewayV2::Api")
    (function_id,) = _of_type(template, "AWS::Lambda::Function")
    account = {"Ref": "AWS::AccountId"}
    expected = [
        {
            "Action": "lambda:InvokeFunction",
            "FunctionName": {"Fn::GetAtt": [function_id, "Arn"]},
            "Principal": "apigateway.amazonaws.com",
            "SourceAccount": account,
            "SourceArn": {
                "Fn::Join": [
                    "",
                    [
                        "arn:",
                        {"Ref": "AWS::Partition"},
                        ":execute-api:",
                        {"Ref": "AWS::Region"},
                        ":",
                        account,
                        ":",
                        {"Ref": api_id},
                        f"/dev/{route_key}",  # exactly this stage and route: no wildcard
                    ],
                ]
            },
        }
        for route_key in routes
    ]
    permissions = [p["Properties"] for p in _of_type(template, "AWS::Lambda::Permission").values()]
    key = lambda value: json.dumps(value, sort_keys=True)  # noqa: E731
    assert sorted(permissions, key=key) == sorted(expected, key=key)
    (table,) = _of_type(template, "AWS::DynamoDB::Table").values()
    assert table["Properties"]["BillingMode"] == "PAY_PER_REQUEST"
    assert table["Properties"]["TimeToLiveSpecification"] == {"AttributeName": "ttl", "Enabled": True}
    assert table["Properties"]["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert table["Properties"]["KeySchema"] == [{"AttributeName": "connectionId", "KeyType": "HASH"}]
    assert table["Properties"]["GlobalSecondaryIndexes"] == [
        {
            "IndexName": "room-index",
            "KeySchema": [{"AttributeName": "room", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "ALL"},
        }
    ]
    assert table["DeletionPolicy"] == "Delete"  # the example tears down cleanly
    (stage,) = _of_type(template, "AWS::ApiGatewayV2::Stage").values()
    assert stage["Properties"]["StageName"] == "dev"
    assert stage["Properties"]["AutoDeploy"] is True
    assert "AccessLogSettings" not in stage["Properties"]
    assert sorted(key[:-8] for key in template["Outputs"]) == [
        "ChatConnectionsTableName",
        "ChatManagementEndpoint",
        "ChatWebSocketUrl",
    ]
    errors = [f"{m.rule.id}: {m.message}" for m in lint(json.dumps(template)) if m.rule.id.startswith("E")]
    assert errors == []


def test_python_asset_holds_the_handler_and_the_runtime(full: tuple[cdk.App, list[str], Path]) -> None:
    _, _, build = full
    asset = build / "python"
    for module in CHAT_DIR.glob("*.py"):
        assert (asset / module.name).read_bytes() == module.read_bytes()
    assert (asset / "app.py").is_file()
    assert (asset / "apptheory" / "__init__.py").is_file()
    assert (asset / "apptheory_generated" / "__init__.py").is_file()
    assert not list(asset.rglob("__pycache__"))


def test_missing_builds_are_skipped_with_a_reason(cdk_example: ModuleType, tmp_path: Path) -> None:
    app, skipped = cdk_example.build_app(build_dir=tmp_path, outdir=str(tmp_path / "out"))
    assert [child.node.id for child in app.node.children if isinstance(child, cdk.Stack)] == ["AppTheoryChatPython"]
    assert len(skipped) == 2
    assert skipped[0].startswith("AppTheoryChatGo: no ")
    assert "bootstrap" in skipped[0]
    assert skipped[1].startswith("AppTheoryChatTs: no ")
    assert "index.js" in skipped[1]


def test_stage_and_access_logs_from_the_environment(
    cdk_example: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("APPTHEORY_CHAT_STAGE", "prod")
    monkeypatch.setenv("APPTHEORY_CHAT_ACCESSLOGS", "true")
    app, _ = cdk_example.build_app(build_dir=tmp_path, outdir=str(tmp_path / "out"))
    (stack,) = [child for child in app.node.children if isinstance(child, cdk.Stack)]
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::ApiGatewayV2::Stage", {"StageName": "prod", "AccessLogSettings": {"Format": DEFAULT_ACCESS_LOG_FORMAT}}
    )
    template.resource_count_is("AWS::Logs::LogGroup", 2)  # the handler's and the access log


# ---- the Python asset runs on its own, against the table the stack defines ----------------------------


def test_python_asset_is_self_contained(full: tuple[cdk.App, list[str], Path]) -> None:
    """Only the asset and the standard library (`-S`: no site-packages), as in Lambda minus boto3."""
    _, _, build = full
    script = (
        "import json, sys\nimport app\nevent = json.loads(sys.argv[1])\nprint(json.dumps(app.handler(event, None)))\n"
    )
    event = websocket_event("$connect", connection_id="c-1", query={"token": "t", "room": "kitchen"})
    env = {"PATH": os.environ.get("PATH", ""), "AWS_REGION": "us-east-1"}
    done = subprocess.run(
        [sys.executable, "-S", "-c", script, json.dumps(event)],
        cwd=build / "python",
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["statusCode"] == 200


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(key, value)


def test_chat_rooms_work_on_the_synthesized_table(
    full: tuple[cdk.App, list[str], Path], templates: dict[str, dict[str, Any]], aws_env: None
) -> None:
    """Create the stack's table (key schema and index as synthesized) in moto; the chat's store uses it."""
    import boto3
    from moto import mock_aws

    _, _, build = full
    (table,) = _of_type(templates["AppTheoryChatPython"], "AWS::DynamoDB::Table").values()
    props = table["Properties"]
    (function,) = _of_type(templates["AppTheoryChatPython"], "AWS::Lambda::Function").values()
    index = function["Properties"]["Environment"]["Variables"]["ROOM_INDEX"]
    rooms_module = _load(build / "python" / "chat_rooms.py", "chat_rooms_asset")
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName="chat",
            KeySchema=props["KeySchema"],
            AttributeDefinitions=props["AttributeDefinitions"],
            GlobalSecondaryIndexes=props["GlobalSecondaryIndexes"],
            BillingMode=props["BillingMode"],
        )
        rooms = rooms_module.DynamoRooms("chat", index=index, client=client)
        rooms.join("a", "kitchen")
        rooms.join("b", "kitchen")
        rooms.join("c", "lobby")
        assert rooms.room_of("a") == "kitchen"
        assert sorted(rooms.members("kitchen")) == ["a", "b"]
        assert rooms.leave("a") == "kitchen"
        assert rooms.members("kitchen") == ["b"]


def test_invalid_settings_stop_the_synth_with_a_clear_message(
    cdk_example: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("APPTHEORY_CHAT_BUILD_DIR", str(tmp_path / "build"))
    monkeypatch.setenv("CDK_OUTDIR", str(tmp_path / "out"))
    monkeypatch.setenv("APPTHEORY_CHAT_STAGE", "dev prod")
    with pytest.raises(SystemExit) as info:
        cdk_example.main()
    assert str(info.value) == (
        "error: WebSocketApi 'Chat': invalid stage_name 'dev prod': 1-128 letters, digits, hyphens or underscores"
    )
    assert not (tmp_path / "out").exists()
