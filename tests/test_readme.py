"""The README's quickstart code runs as written: the handler module and its unit test."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

README = Path(__file__).resolve().parent.parent / "README.md"


def _python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_quickstart_handler_and_unit_test_run() -> None:
    handler_src, test_src = _python_blocks()[:2]
    namespace: dict[str, Any] = {}
    exec(compile(handler_src, "README:app.py", "exec"), namespace)
    exec(compile(test_src, "README:test_app.py", "exec"), namespace)
    namespace["test_echo"]()

    from apptheory.testkit import websocket_event

    app = namespace["app"]
    denied = app.handle(websocket_event("$connect", connection_id="conn-9"))
    assert denied["statusCode"] == 401
    accepted = app.handle(websocket_event("$connect", connection_id="conn-9", query={"token": "t"}))
    assert accepted["statusCode"] == 200
