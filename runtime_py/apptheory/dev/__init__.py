"""The local gateway behind `apptheory dev` (API Gateway WebSockets, its management API, the Lambda Runtime API).

Imported only by that command: `import apptheory` never loads this package, `websockets` or `h11`
(install it with the `local` extra: `pip install 'apptheory[local]'`).
"""

from __future__ import annotations


def main(argv: list[str] | None = None) -> int:
    """`apptheory dev ...`."""
    from apptheory.cli import main as apptheory_main  # checks the `local` extra first

    return apptheory_main(["dev", *(argv or [])])
