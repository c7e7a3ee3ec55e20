"""CDK app: the chat example deployed three times, with Python, Go and TypeScript handlers.

Stacks (each one WebSocket API with its own stage, connections table and handler):

- ``AppTheoryChatPython``: Python 3.13, arm64; the asset (``examples/chat/python/*.py`` plus the
  ``apptheory`` runtime and ``apptheory_generated`` packages) is assembled here, on every synth.
- ``AppTheoryChatGo``: ``provided.al2023``, arm64, from ``<build>/go/bootstrap`` (``scripts/cdk-synth``
  builds it with ``GOOS=linux GOARCH=arm64 go build``).
- ``AppTheoryChatTs``: Node.js 20, arm64, from ``<build>/ts/index.js`` (one bundled file, built by
  ``scripts/cdk-synth``).

A Go or TS stack whose build output is missing is skipped with a message on stderr. ``<build>`` is
``examples/chat/cdk/build`` unless ``APPTHEORY_CHAT_BUILD_DIR`` says otherwise.

Context (``-c key=value`` with the CDK CLI; environment ``APPTHEORY_CHAT_<KEY>`` with ``python app.py``):
``stage`` (default ``dev``), ``accessLogs`` (``true`` to turn on stage access logging: the region's
API Gateway account settings must then hold a CloudWatch Logs role ARN).

Synthesis needs no AWS account and no network: ``scripts/cdk-synth`` (or ``python app.py``) writes
the templates to ``examples/chat/cdk/cdk.out``.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from apptheory_cdk import (
    AccessLogOptions,
    ConnectionsTableIndex,
    ConnectionsTableOptions,
    WebSocketApi,
    WebSocketApiPropsError,
)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
DEFAULT_BUILD_DIR = HERE / "build"
CHAT_ROUTES = ("say",)
ROOM_INDEX = "room-index"


@dataclass(frozen=True)
class Flavour:
    """One language's deployment of the chat handler."""

    stack_id: str
    language: str
    runtime: lambda_.Runtime
    handler: str
    asset_dir: Path


class ChatStack(cdk.Stack):
    """One chat deployment: a handler for every route, the WebSocket API, its stage and its table."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        flavour: Flavour,
        stage_name: str = "dev",
        access_logs: bool = False,
    ) -> None:
        super().__init__(scope, construct_id, description=f"AppTheory chat example ({flavour.language})")
        log_group = logs.LogGroup(
            self,
            "HandlerLogs",
            retention=logs.RetentionDays.ONE_WEEK,
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        self.handler = lambda_.Function(
            self,
            "Handler",
            description=f"AppTheory chat ({flavour.language})",
            runtime=flavour.runtime,
            architecture=lambda_.Architecture.ARM_64,
            handler=flavour.handler,
            code=lambda_.Code.from_asset(str(flavour.asset_dir)),
            memory_size=256,
            timeout=cdk.Duration.seconds(10),
            log_group=log_group,
        )
        self.chat = WebSocketApi(
            self,
            "Chat",
            handler=self.handler,
            routes=CHAT_ROUTES,
            api_name=f"apptheory-chat-{flavour.language}",
            description=f"AppTheory chat example ({flavour.language})",
            stage_name=stage_name,
            throttle=apigwv2.ThrottleSettings(rate_limit=50, burst_limit=100),
            access_log=AccessLogOptions() if access_logs else None,
            # The layout examples/chat/python/chat_rooms.py (and the Go and TS chats) use: one item per
            # connection, {connectionId, room}, and an index by room to broadcast. An example: the table
            # goes away with the stack (the construct's default is RETAIN).
            connections_table=ConnectionsTableOptions(
                partition_key="connectionId",
                sort_key=None,
                global_secondary_indexes=[ConnectionsTableIndex(ROOM_INDEX, partition_key="room")],
                removal_policy=cdk.RemovalPolicy.DESTROY,
            ),
        )
        self.handler.add_environment("ROOM_INDEX", ROOM_INDEX)


def python_asset(dest: Path) -> Path:
    """Assemble the Python Lambda asset in `dest`: the chat modules and the two runtime packages."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".mypy_cache")
    shutil.copytree(ROOT / "runtime_py" / "apptheory", dest / "apptheory", ignore=ignore)
    shutil.copytree(ROOT / "generated" / "python" / "apptheory_generated", dest / "apptheory_generated", ignore=ignore)
    for module in sorted((ROOT / "examples" / "chat" / "python").glob("*.py")):
        shutil.copy2(module, dest / module.name)
    return dest


def flavours(build_dir: Path) -> tuple[list[Flavour], list[str]]:
    """The deployable flavours and, for each skipped one, why."""
    found = [
        Flavour(
            "AppTheoryChatPython",
            "python",
            lambda_.Runtime.PYTHON_3_13,
            "app.handler",
            python_asset(build_dir / "python"),
        )
    ]
    skipped: list[str] = []
    go_dir = build_dir / "go"
    if (go_dir / "bootstrap").is_file():
        found.append(Flavour("AppTheoryChatGo", "go", lambda_.Runtime.PROVIDED_AL2023, "bootstrap", go_dir))
    else:
        skipped.append(f"AppTheoryChatGo: no {go_dir / 'bootstrap'} (built by scripts/cdk-synth)")
    ts_dir = build_dir / "ts"
    if (ts_dir / "index.js").is_file():
        found.append(Flavour("AppTheoryChatTs", "ts", lambda_.Runtime.NODEJS_20_X, "index.handler", ts_dir))
    else:
        skipped.append(f"AppTheoryChatTs: no {ts_dir / 'index.js'} (built by scripts/cdk-synth)")
    return found, skipped


def _setting(app: cdk.App, key: str, default: str) -> str:
    value = app.node.try_get_context(key)
    if value is None:
        value = os.environ.get(f"APPTHEORY_CHAT_{key.upper()}", default)
    return str(value)


def build_app(*, build_dir: Path | None = None, outdir: str | None = None) -> tuple[cdk.App, list[str]]:
    """The CDK app with every flavour whose build output exists, and the skipped flavours' reasons."""
    if outdir is None and not os.environ.get("CDK_OUTDIR"):
        outdir = str(HERE / "cdk.out")  # run as `python app.py`: write where the CDK CLI would
    app = cdk.App(outdir=outdir) if outdir is not None else cdk.App()
    chosen_dir = build_dir or Path(os.environ.get("APPTHEORY_CHAT_BUILD_DIR") or DEFAULT_BUILD_DIR)
    stage_name = _setting(app, "stage", "dev")
    access_logs = _setting(app, "accessLogs", "false").lower() in {"1", "true", "yes"}
    found, skipped = flavours(chosen_dir)
    for flavour in found:
        ChatStack(app, flavour.stack_id, flavour=flavour, stage_name=stage_name, access_logs=access_logs)
    return app, skipped


def main() -> None:
    try:
        app, skipped = build_app()
    except WebSocketApiPropsError as err:
        raise SystemExit(f"error: {err}") from None
    for reason in skipped:
        print(f"skipped {reason}", file=sys.stderr)
    assembly = app.synth()
    for stack in assembly.stacks:
        print(f"synthesized {stack.stack_name}: {Path(assembly.directory) / stack.template_file}", file=sys.stderr)


if __name__ == "__main__":
    main()
