"""A small, bounded version of benchmarks/bench_gateway.py: nothing may be lost under concurrency."""

from __future__ import annotations

import asyncio
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from apptheory.dev.testing import GatewayThread

ROOT = Path(__file__).resolve().parent.parent


def load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def test_concurrent_clients_and_fan_out_lose_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONNECTIONS_TABLE", raising=False)
    monkeypatch.syspath_prepend(str(ROOT / "examples/chat/python"))
    bench = load(ROOT / "benchmarks/bench_gateway.py", "bench_gateway")
    chat = load(ROOT / "examples/chat/python/app.py", "chat_app_for_load")
    with GatewayThread(chat.create_app()) as gw:
        result = asyncio.run(
            asyncio.wait_for(
                bench.run_load(gw.ws_url, clients=25, messages=8, senders=3, fanout=4, phase_timeout=60), 180
            )
        )
    print(bench.report(result, "load test"))
    assert [(p.name, p.expected) for p in result.phases] == [("echo", 200), ("fan-out", 300)]
    assert result.lost == 0
