"""`apptheory generate`, `check` and `docs` (the `apptheory` command, `apptheory.cli`, imports this only for them)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from apptheory_codegen import docs, render, writer
from apptheory_codegen.errors import GenerateError, IdlError


def find_root(start: Path) -> Path | None:
    """The nearest directory at or above `start` holding idl/apptheory.yaml."""
    for candidate in (start, *start.parents):
        if (candidate / render.IDL_RELATIVE).is_file():
            return candidate
    return None


def _resolve_root(arg: str | None) -> Path:
    if arg is not None:
        root = Path(arg).resolve()
        if not (root / render.IDL_RELATIVE).is_file():
            raise GenerateError(f"{root} has no {render.IDL_RELATIVE}")
        return root
    found = find_root(Path.cwd().resolve())
    if found is None:
        raise GenerateError(f"no {render.IDL_RELATIVE} in {Path.cwd()} or above; pass --root DIR")
    return found


def _render(root: Path) -> dict[str, str]:
    return render.render(render.load_api(root))


def cmd_generate(root: Path) -> int:
    files = _render(root)
    written, removed = writer.write(root / render.OUT_RELATIVE, files)
    for rel in written:
        print(f"wrote {render.OUT_RELATIVE}/{rel}")
    for rel in removed:
        print(f"removed {render.OUT_RELATIVE}/{rel}")
    print(f"{len(files)} files generated, {len(written)} changed, {len(removed)} removed")
    return 0


def cmd_check(root: Path) -> int:
    drift = writer.check(root / render.OUT_RELATIVE, _render(root))
    if not drift:
        print(f"{render.OUT_RELATIVE}/ is up to date")
        return 0
    for item in drift:
        print(f"{item.kind}: {render.OUT_RELATIVE}/{item.path}", file=sys.stderr)
        if item.diff:
            print(item.diff, file=sys.stderr, end="")
    print(
        f"{len(drift)} generated file(s) out of date; run `apptheory generate` and commit the result",
        file=sys.stderr,
    )
    return 1


def main(argv: list[str] | None = None) -> int:
    args_list = sys.argv[1:] if argv is None else argv
    if args_list[:1] == ["dev"]:
        # The local gateway lives with the runtime (`apptheory.cli`), which checks the `local` extra.
        from apptheory.cli import main as apptheory_main

        return apptheory_main(args_list)
    parser = argparse.ArgumentParser(prog="apptheory", description="AppTheory WebSocket code generator")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, help_text in (
        ("generate", "regenerate generated/ from the IDL (writes only changed files)"),
        ("check", "fail if generated/ differs from what the IDL produces"),
    ):
        cmd = sub.add_parser(name, help=help_text)
        cmd.add_argument("--root", help="project root (default: nearest directory with idl/apptheory.yaml)")
    docs_cmd = sub.add_parser("docs", help="write docs/idl-reference.md from the IDL's JSON Schema")
    docs_cmd.add_argument("--check", action="store_true", help="fail if docs/idl-reference.md is out of date")
    docs_cmd.add_argument("--root", help="project root (default: nearest directory with idl/apptheory.yaml)")
    sub.add_parser("dev", help="run a WebSocket app on the local gateway (see `apptheory dev --help`)", add_help=False)
    args = parser.parse_args(argv)
    try:
        root = _resolve_root(args.root)
        if args.command == "docs":
            return docs.check(root) if args.check else docs.generate(root)
        return cmd_generate(root) if args.command == "generate" else cmd_check(root)
    except IdlError as err:
        print(err, file=sys.stderr)
        return 2
    except GenerateError as err:
        print(f"apptheory: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
