"""`apptheory dev`: run a WebSocket app on the local gateway (in-process Python app, or `--cmd` child)."""

from __future__ import annotations

import argparse
import asyncio
import errno
import importlib
import importlib.util
import inspect
import logging
import os
import shlex
import signal
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any, NoReturn

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
  apptheory dev examples/chat/python/app.py:create_app --factory
  apptheory dev --cmd ./bin/chat                       # a Go binary built with aws-lambda-go
  apptheory dev --cmd "node dist/index.js" --routes say,join
"""


class _Parser(argparse.ArgumentParser):
    """Argument errors are one line (the usage is in --help)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"apptheory dev: {message} (see apptheory dev --help)\n")


USAGE = "apptheory dev [options] (module:attr | path/to/file.py[:attr] | --cmd COMMAND)"


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="apptheory dev",
        usage=USAGE,
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "app", nargs="?", help="Python app: module:attr or path/to/file.py[:attr] (attr: an App or a handler)"
    )
    p.add_argument(
        "--factory",
        action="store_true",
        help="the attribute is a zero-argument function that returns the App (default attribute create_app)",
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


class LoadError(Exception):
    """The app spec cannot be loaded: reported as one line (`apptheory dev: ...`), exit 2."""


def _import_target(target_spec: str) -> ModuleType:
    if target_spec.endswith(".py") or os.sep in target_spec or "/" in target_spec:
        path = Path(target_spec).resolve()
        if path.is_dir():
            path = path / "app.py"
        if not path.is_file():
            raise LoadError(f"no such file: {target_spec}")
        sys.path.insert(0, str(path.parent))  # sibling modules import as they do on Lambda
        module_spec = importlib.util.spec_from_file_location(path.stem, path)
        if module_spec is None or module_spec.loader is None:
            raise LoadError(f"cannot import {path}")
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[path.stem] = module
        module_spec.loader.exec_module(module)
        return module
    if not target_spec or not all(part.isidentifier() for part in target_spec.split(".")):
        raise LoadError(f"{target_spec!r} is not a module name: give module:attr or path/to/file.py[:attr]")
    if "" not in sys.path and os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        return importlib.import_module(target_spec)
    except ModuleNotFoundError as err:
        # Only the target itself (or its package) being absent is ours to explain; a missing import inside
        # the app's own code keeps its traceback.
        if err.name is None or not (target_spec == err.name or target_spec.startswith(err.name + ".")):
            raise
        raise LoadError(
            f"no module named {err.name!r} (from {Path.cwd()}); give module:attr importable from here, "
            "or path/to/file.py[:attr]"
        ) from None


def _is_app(value: object) -> bool:
    return not hasattr(value, "__self__") and app_routes(value) is not None


def _app_candidates(module: ModuleType) -> list[str]:
    return sorted(name for name, value in vars(module).items() if not name.startswith("__") and _is_app(value))


def _takes_event_and_context(value: object) -> bool:
    try:
        inspect.signature(value).bind(None, None)  # type: ignore[arg-type]
    except TypeError:
        return False
    except ValueError:  # no signature (a builtin or C callable): trust it
        return True
    return True


def _takes_no_arguments(value: object) -> bool:
    try:
        inspect.signature(value).bind()  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return True


def load_app(
    spec: str, *, factory: bool = False
) -> tuple[Callable[[dict[str, Any], Any], object], frozenset[str] | None]:
    """Import `module:attr` or `path/to/file.py[:attr]`; return the handler and the App's route keys.

    The attribute is an App, its `handle`, or a Lambda handler `(event, context)`; with `factory`, a
    zero-argument callable returning an App (as uvicorn's --factory). Anything else is a LoadError.
    """
    target_spec, _, attr = spec.partition(":")
    module = _import_target(target_spec)
    names = [attr] if attr else (["create_app"] if factory else ["app", "handler"])
    for name in names:
        target = getattr(module, name, None)
        if target is not None:
            break
    else:
        candidates = _app_candidates(module)
        found = f"Apps in it: {', '.join(candidates)}" if candidates else "it defines no App"
        raise LoadError(f"module {module.__name__!r} has no {' or '.join(repr(n) for n in names)} ({found})")
    label = f"{module.__name__}:{name}"
    if factory:
        if not callable(target) or _is_app(target):
            raise LoadError(f"--factory: {label} is {_describe(target)}, not a function that returns an App")
        if not _takes_no_arguments(target):
            raise LoadError(f"--factory: {label} cannot be called with no arguments")
        made = target()
        if not _is_app(made):
            raise LoadError(f"--factory: {label}() returned {_describe(made)}, not an App")
        target, label = made, f"{label}()"
    routes = app_routes(target)
    if routes is not None:
        handler = target if hasattr(target, "__self__") else getattr(target, "handle", None)
        if callable(handler):
            return handler, routes
    # A Lambda handler needs (event, context); a function callable with no arguments (create_app()) is not one.
    if not callable(target) or not _takes_event_and_context(target) or _takes_no_arguments(target):
        hint = ""
        if callable(target) and _takes_no_arguments(target):
            hint = f"; if it returns an App, add --factory (apptheory dev {spec} --factory)"
        candidates = [c for c in _app_candidates(module) if c != name]
        if candidates:
            hint += f"; Apps in the module: {', '.join(candidates)}"
        raise LoadError(
            f"{label} is {_describe(target)}, neither an App nor a Lambda handler taking (event, context){hint}"
        )
    return target, None


def _describe(value: object) -> str:
    if inspect.isfunction(value) or inspect.ismethod(value):
        return "a function"
    if isinstance(value, type):
        return f"the class {value.__name__}"
    article = "an" if type(value).__name__[:1].lower() in "aeiou" else "a"
    return f"{article} {type(value).__name__}"


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
        f'apptheory dev: listening on {", ".join(gateway.bound_urls)} (stage "{gateway.config.stage}")',
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


def _start_failure(err: OSError | StartError, args: argparse.Namespace) -> str:
    if isinstance(err, StartError):
        return str(err)
    if err.errno == errno.EADDRINUSE:
        return (
            f"port {args.port} on {args.host} is already in use (another apptheory dev?): "
            "stop it, or pick another with --port N (--port 0: any free port)"
        )
    if err.errno == errno.EADDRNOTAVAIL or isinstance(err, socket.gaierror):
        return f"cannot listen on {args.host}:{args.port}: {err.strerror or err} (check --host)"
    return f"cannot listen on {args.host}:{args.port}: {err.strerror or err}"


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
        try:
            handler, app_route_keys = load_app(args.app, factory=args.factory)
        except LoadError as err:
            print(f"apptheory dev: {err}", file=sys.stderr)
            return 2
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
        print(f"apptheory dev: {_start_failure(err, args)}", file=sys.stderr)
        return 1
    if not config.loopback_only:
        print(
            f"apptheory dev: WARNING: --host {args.host} is not loopback: anyone who can reach this machine can "
            "open WebSockets (any Host header), load the page and call the management API, which checks no "
            "signatures; use it only on a trusted network",
            file=sys.stderr,
            flush=True,
        )
    print(_banner(gateway, invoker, args), flush=True)
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
    if not args.app and not args.cmd:
        parser.error("nothing to run: give a Python app (module:attr or path/to/file.py[:attr]) or --cmd COMMAND")
    if args.app and args.cmd:
        parser.error("give a Python app or --cmd COMMAND, not both")
    if args.factory and args.cmd:
        parser.error("--factory applies to a Python app, not to --cmd")
    for name in ("port", "runtime_port"):
        if not 0 <= getattr(args, name) <= 65535:
            flag = "--" + name.replace("_", "-")
            parser.error(f"{flag} {getattr(args, name)} is not a TCP port: give 0-65535 (0: any free port)")
    if args.idle_timeout <= 0 or args.max_duration <= 0 or args.timeout <= 0:
        parser.error("--idle-timeout, --max-duration and --timeout must be positive")
    for origin in args.allow_origin:
        if origin != "*" and normalize_origin(origin) is None:
            parser.error(f"--allow-origin {origin!r}: give an origin like https://app.example.com, 'null' or '*'")
    if args.send_queue_bytes < constants.MESSAGE_BYTES:
        parser.error(f"--send-queue-bytes must be at least {constants.MESSAGE_BYTES} (one message at the limit)")
    _configure_logging(args)
    return asyncio.run(_run(args))
