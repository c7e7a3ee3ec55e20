"""`apptheory dev`: run a WebSocket app on the local gateway (in-process Python app, or `--cmd` child)."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import importlib.util
import logging
import os
import shlex
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from apptheory.dev.gateway import LOOPBACK_NAMES, SEND_QUEUE_BYTES, Gateway, GatewayConfig, normalize_origin
from apptheory.dev.invoke import InProcessInvoker, Invoker, app_routes
from apptheory.dev.runtime_api import RuntimeApiInvoker, StartError
from apptheory_generated import constants

DEFAULT_PORT = 8747

DESCRIPTION = """\
Run an API Gateway WebSocket app on a local gateway: real WebSocket clients connect to
ws://127.0.0.1:PORT/STAGE, handlers get real-shaped $connect / MESSAGE / $disconnect events, and the
management API (POST/GET/DELETE /@connections/{id}) answers as AWS does on the same port, so the real
SDKs (boto3, aws-sdk-go-v2, @aws-sdk/client-apigatewaymanagementapi) work with endpoint_url set.
Handlers get APPTHEORY_WS_MANAGEMENT_ENDPOINT pointing at the gateway. Binds to loopback only.
Browser pages may connect from loopback origins only (--allow-origin adds more); the management API
takes SigV4-signed requests without an Origin header (what SDKs send). See docs/gateway.md.
"""

EPILOG = """\
examples:
  apptheory dev examples/chat/python/app.py:app
  apptheory dev mypkg.handlers:app --port 0
  apptheory dev --cmd ./bin/chat                       # a Go binary built with aws-lambda-go
  apptheory dev --cmd "node dist/index.js" --routes say,join
"""


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="apptheory dev",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "app", nargs="?", help="Python app: module:attr or path/to/file.py[:attr] (attr: an App or a handler)"
    )
    p.add_argument("--cmd", help="run the handler as a child process speaking the Lambda Runtime API")
    p.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default 127.0.0.1; loopback only unless changed)"
    )
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0 picks a free one)")
    p.add_argument("--stage", default="local", help="stage name: ws://HOST:PORT/STAGE (default local)")
    p.add_argument("--api-id", default="local", help="requestContext.apiId (default local)")
    p.add_argument("--region", default="us-east-1", help="AWS_REGION for handlers when unset (default us-east-1)")
    p.add_argument(
        "--route-selection-expression",
        default="$request.body.action",
        help="route selection expression (default $request.body.action)",
    )
    p.add_argument(
        "--routes", help="comma-separated route keys the API defines (default: the App's, or any with --cmd)"
    )
    p.add_argument(
        "--route-responses", action="store_true", help="send MESSAGE handlers' response bodies back (two-way routes)"
    )
    p.add_argument("--idle-timeout", type=float, default=float(constants.IDLE_SECONDS), help="seconds (default 600)")
    p.add_argument(
        "--max-duration", type=float, default=float(constants.CONNECTION_SECONDS), help="seconds (default 7200)"
    )
    p.add_argument("--timeout", type=float, default=29.0, help="integration timeout in seconds (default 29)")
    p.add_argument(
        "--allow-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="also accept WebSocket handshakes from this browser Origin, e.g. https://app.example.com "
        "(repeatable; loopback origins are always accepted; '*' accepts any, 'null' file:// pages)",
    )
    p.add_argument(
        "--send-queue-bytes",
        type=int,
        default=SEND_QUEUE_BYTES,
        help=f"per connection: bytes queued for a client that does not read before it is closed with 1008 "
        f"(default {SEND_QUEUE_BYTES})",
    )
    p.add_argument("--page", help="HTML file to serve at / (default: a generic WebSocket console)")
    p.add_argument("--hint-query", default="", help="query string for the printed connect examples, e.g. token=dev")
    p.add_argument("--workers", type=int, default=1, help="--cmd: child processes (Lambda sandboxes), default 1")
    p.add_argument("--runtime-port", type=int, default=0, help="--cmd: first Runtime API port (default: free ports)")
    p.add_argument("--handler", default="handler", help="--cmd: _HANDLER value for the child (default handler)")
    p.add_argument("--threads", type=int, default=16, help="in-process: handler threads (default 16)")
    p.add_argument("--log", choices=("text", "json", "off"), default="text", help="invocation log format (stderr)")
    p.add_argument("--verbose", action="store_true", help="also log management API calls (never bodies)")
    return p


def load_app(spec: str) -> tuple[Callable[[dict[str, Any], Any], object], frozenset[str] | None]:
    """Import `module:attr` or `path/to/file.py[:attr]`; return the handler and the App's route keys."""
    target_spec, _, attr = spec.partition(":")
    if target_spec.endswith(".py") or os.sep in target_spec or "/" in target_spec:
        path = Path(target_spec).resolve()
        if path.is_dir():
            path = path / "app.py"
        if not path.is_file():
            raise SystemExit(f"apptheory dev: no such file: {target_spec}")
        sys.path.insert(0, str(path.parent))  # sibling modules import as they do on Lambda
        module_spec = importlib.util.spec_from_file_location(path.stem, path)
        if module_spec is None or module_spec.loader is None:
            raise SystemExit(f"apptheory dev: cannot import {path}")
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[path.stem] = module
        module_spec.loader.exec_module(module)
    else:
        if "" not in sys.path and os.getcwd() not in sys.path:
            sys.path.insert(0, os.getcwd())
        module = importlib.import_module(target_spec)
    names = [attr] if attr else ["app", "handler"]
    for name in names:
        target = getattr(module, name, None)
        if target is not None:
            break
    else:
        raise SystemExit(f"apptheory dev: {module.__name__} has no {' or '.join(names)}")
    routes = app_routes(target)
    handler = getattr(target, "handle", None) if routes is not None and not hasattr(target, "__self__") else target
    if not callable(handler):
        raise SystemExit(f"apptheory dev: {spec} is not an App or a handler function")
    return handler, routes


def _configure_logging(args: argparse.Namespace) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        logging.Formatter("%(message)s" if args.log == "json" else "%(asctime)s %(message)s", "%H:%M:%S")
    )
    logger = logging.getLogger("apptheory.dev")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if args.verbose else logging.INFO)
    logger.propagate = False
    # Handlers' boto3 calls to the gateway can outnumber urllib3's pool: that is expected locally.
    logging.getLogger("urllib3.connectionpool").setLevel(logging.ERROR)
    logging.getLogger("botocore").setLevel(logging.WARNING)
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s", datefmt="%H:%M:%S")


def _python_hint() -> str:
    exe = Path(sys.executable)
    try:
        return str(exe.relative_to(Path.cwd()))
    except ValueError:
        return "python"


def _banner(gateway: Gateway, invoker: Invoker, args: argparse.Namespace) -> str:
    query = f"?{args.hint_query}" if args.hint_query else ""
    lines = [
        f'apptheory dev: listening on {gateway.base_url} (stage "{gateway.config.stage}")',
        f"  WebSocket    {gateway.ws_url}{query}",
        f"  page         {gateway.base_url}/{query}",
        f"  management   {gateway.management_endpoint}  (handlers get APPTHEORY_WS_MANAGEMENT_ENDPOINT)",
    ]
    if isinstance(invoker, RuntimeApiInvoker):
        ports = ", ".join(f"{args.host}:{p}" for p in invoker.runtime_ports)
        lines.append(f"  runtime API  {ports}  (children get AWS_LAMBDA_RUNTIME_API)")
    routes = invoker.routes
    lines.append(f"  routes       {', '.join(sorted(routes)) if routes is not None else '(any: --routes not given)'}")
    lines.append(f"  try          {_python_hint()} -m websockets '{gateway.ws_url}{query}'")
    lines.append("Ctrl-C to stop.")
    return "\n".join(lines)


async def _run(args: argparse.Namespace) -> int:
    routes = frozenset(r.strip() for r in args.routes.split(",") if r.strip()) if args.routes else None
    invoker: Invoker
    if args.cmd:
        invoker = RuntimeApiInvoker(
            shlex.split(args.cmd),
            workers=args.workers,
            timeout=args.timeout,
            routes=routes,
            host=args.host if args.host in LOOPBACK_NAMES else "127.0.0.1",
            runtime_port=args.runtime_port,
            handler_name=args.handler,
            region=args.region,
        )
    else:
        handler, app_route_keys = load_app(args.app)
        invoker = InProcessInvoker(handler, routes=routes or app_route_keys, timeout=args.timeout, threads=args.threads)
    if args.page and not Path(args.page).is_file():
        print(f"apptheory dev: no such page file: {args.page}", file=sys.stderr)
        return 2
    config = GatewayConfig(
        host=args.host,
        port=args.port,
        stage=args.stage,
        api_id=args.api_id,
        region=args.region,
        route_selection_expression=args.route_selection_expression,
        idle_timeout=args.idle_timeout,
        max_duration=args.max_duration,
        page_file=str(Path(args.page).resolve()) if args.page else None,
        route_responses=args.route_responses,
        log_format=args.log,
        allow_origins=tuple(args.allow_origin),
        send_queue_bytes=args.send_queue_bytes,
    )
    gateway = Gateway(invoker, config)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()

    def on_signal() -> None:
        if stop.is_set():
            print("apptheory dev: still shutting down (bounded; children are being stopped)", file=sys.stderr)
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):  # before anything starts: Ctrl-C during start-up is clean too
        loop.add_signal_handler(sig, on_signal)
    try:
        await gateway.start()
    except (OSError, StartError) as err:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        reason = str(err) if isinstance(err, StartError) else f"cannot listen: {err.strerror or err}"
        print(f"apptheory dev: {reason}", file=sys.stderr)
        return 1
    print(_banner(gateway, invoker, args), flush=True)
    if not config.loopback_only:
        print(
            f"apptheory dev: WARNING: bound to {args.host}, not loopback: others on the network can connect",
            file=sys.stderr,
        )
    try:
        await stop.wait()
        print("apptheory dev: shutting down", file=sys.stderr, flush=True)
    finally:
        await gateway.close()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
    print("apptheory dev: stopped", file=sys.stderr, flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if bool(args.app) == bool(args.cmd):
        parser.error("give a Python app (module:attr or file.py:attr) or --cmd COMMAND, not both")
    if args.idle_timeout <= 0 or args.max_duration <= 0 or args.timeout <= 0:
        parser.error("--idle-timeout, --max-duration and --timeout must be positive")
    for origin in args.allow_origin:
        if origin != "*" and normalize_origin(origin) is None:
            parser.error(f"--allow-origin {origin!r}: give an origin like https://app.example.com, 'null' or '*'")
    if args.send_queue_bytes < constants.MESSAGE_BYTES:
        parser.error(f"--send-queue-bytes must be at least {constants.MESSAGE_BYTES} (one message at the limit)")
    _configure_logging(args)
    return asyncio.run(_run(args))
