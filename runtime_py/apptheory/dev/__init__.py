"""The local gateway behind `apptheory dev` (API Gateway WebSockets, its management API, the Lambda Runtime API).

Imported only by that command: `import apptheory` never loads this package or `websockets`
(install it with the `local` extra: `pip install 'apptheory[local]'`).
"""

from __future__ import annotations


def main(argv: list[str] | None = None) -> int:
    """`apptheory dev ...`."""
    try:
        import websockets  # noqa: F401
    except ImportError:
        import sys

        print(
            "apptheory dev needs the websockets library: pip install 'apptheory[local]'",
            file=sys.stderr,
        )
        return 2
    from apptheory.dev.cli import main as cli_main

    return cli_main(argv)
