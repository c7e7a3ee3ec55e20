"""The local gateway behind `apptheory dev` (API Gateway WebSockets, its management API, the Lambda Runtime API).

Imported only by that command: `import apptheory` never loads this package, `websockets` or `h11`
(install it with the `local` extra: `pip install 'apptheory[local]'`).
"""

from __future__ import annotations


def main(argv: list[str] | None = None) -> int:
    """`apptheory dev ...`."""
    try:
        import h11  # noqa: F401
        import websockets  # noqa: F401
    except ImportError as err:
        import sys

        print(
            f"apptheory dev needs the {err.name} library: pip install 'apptheory[local]'",
            file=sys.stderr,
        )
        return 2
    from apptheory.dev.cli import main as cli_main

    return cli_main(argv)
