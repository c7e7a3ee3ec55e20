"""The `apptheory` command (console script and `python -m apptheory`).

It lives with the runtime so a base install can run it: `generate`, `check` and `docs` import the
generator (the `codegen` extra) and `dev` the local gateway (the `local` extra) only when they run. A
command whose extra is missing fails with one line naming the extra to install (exit 2).
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from collections.abc import Sequence

# The third-party modules each extra brings (checked before a command imports anything of its own).
EXTRA_MODULES: dict[str, tuple[str, ...]] = {
    "codegen": ("jinja2", "yaml", "jsonschema", "black"),
    "local": ("websockets", "h11"),
}
COMMAND_EXTRA = {"generate": "codegen", "check": "codegen", "docs": "codegen", "dev": "local"}


def missing_extra_message(command: str, extra: str) -> str:
    """The one line a command prints when its extra is not installed."""
    return f'apptheory {command} needs the {extra} extra: pip install "apptheory[{extra}]"'


def _missing(extra: str) -> str | None:
    for name in EXTRA_MODULES[extra]:
        try:
            if importlib.util.find_spec(name) is None:
                return name
        except (ImportError, ValueError):
            return name
    return None


def _require(command: str) -> bool:
    extra = COMMAND_EXTRA[command]
    if _missing(extra) is None:
        return True
    print(missing_extra_message(command, extra), file=sys.stderr)
    return False


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser (help and unknown commands; each command parses its own arguments)."""
    parser = argparse.ArgumentParser(
        prog="apptheory",
        description="AppTheory WebSockets: the code generator and the local gateway",
        epilog="generate, check and docs need the codegen extra, dev the local extra: "
        'pip install "apptheory[codegen,local]"',
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="{generate,check,docs,dev}")
    sub.add_parser("generate", help="regenerate generated/ from the IDL (writes only changed files)", add_help=False)
    sub.add_parser("check", help="fail if generated/ differs from what the IDL produces", add_help=False)
    sub.add_parser("docs", help="write docs/idl-reference.md from the IDL's JSON Schema", add_help=False)
    sub.add_parser("dev", help="run a WebSocket app on the local gateway (see `apptheory dev --help`)", add_help=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    command = args[0] if args else ""
    if command == "dev":
        if not _require(command):
            return 2
        from apptheory.dev.cli import main as dev_main

        return dev_main(args[1:])
    if command in ("generate", "check", "docs"):
        if not _require(command):
            return 2
        try:
            from apptheory_codegen.cli import main as codegen_main
        except ModuleNotFoundError as err:  # a dependency of the extra's dependencies
            print(f"{missing_extra_message(command, 'codegen')} ({err.name} is missing)", file=sys.stderr)
            return 2
        return codegen_main(args)
    build_parser().parse_args(args)  # --help, or a usage error (exit 2)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
