"""The Go and TS quickstarts run under `apptheory dev --cmd` with no extra flags, built outside the repository.

TS: generated/ts is copied as a fresh clone has it (no node_modules, no dist), packed with `npm pack`
(its prepack builds dist/), and installed as a tarball into a scratch project holding
examples/quickstart/ts: the way README's Install section tells a newcomer to depend on it.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
QUICKSTART = ROOT / "examples" / "quickstart"


def sh(args: list[str], cwd: Path, timeout: float = 600) -> None:
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"


def echo_under_dev(command: str, cwd: Path) -> str:
    """Start `apptheory dev --cmd COMMAND`, connect, send one frame, read the echo, close; return the log."""
    from websockets.asyncio.client import connect

    process = subprocess.Popen(
        [sys.executable, "-m", "apptheory", "dev", "--port", "0", "--cmd", command],
        cwd=cwd,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    url = None
    try:
        for line in process.stdout:
            found = re.search(r"WebSocket\s+(ws://\S+)", line)
            url = found.group(1) if found else url
            if line.startswith("Ctrl-C to stop"):
                break
        assert url, "no banner"

        async def talk() -> str:
            async with connect(url) as ws:
                await ws.send('{"hi":1}')
                return str(await asyncio.wait_for(ws.recv(), 20))

        reply = asyncio.run(asyncio.wait_for(talk(), 60))
        assert '"hi":1' in reply
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    return err


def assert_lifecycle_ok(log: str) -> None:
    assert re.search(r"\$connect\s+\S+\s+200", log), log
    assert re.search(r"\$default\s+\S+\s+200", log), log
    assert re.search(r"\$disconnect\s+\S+\s+200", log), log


@pytest.mark.skipif(shutil.which("go") is None, reason="needs Go")
def test_go_quickstart_under_dev_cmd(tmp_path: Path) -> None:
    binary = tmp_path / "quickstart"
    sh(["go", "build", "-o", str(binary), "."], cwd=QUICKSTART / "go")
    assert_lifecycle_ok(echo_under_dev(str(binary), tmp_path))


@pytest.mark.skipif(shutil.which("npm") is None, reason="needs Node.js and npm")
def test_ts_quickstart_from_the_packed_tarball_under_dev_cmd(tmp_path: Path) -> None:
    package = tmp_path / "package"
    shutil.copytree(ROOT / "generated" / "ts", package, ignore=shutil.ignore_patterns("node_modules", "dist"))
    npm = ["npm", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"]
    sh([*npm, "ci"], cwd=package)
    sh([*npm, "pack", "--pack-destination", str(tmp_path)], cwd=package)
    (tarball,) = tmp_path.glob("apptheory-websocket-*.tgz")
    scratch = tmp_path / "scratch"
    shutil.copytree(QUICKSTART / "ts", scratch, ignore=shutil.ignore_patterns("node_modules", "dist"))
    sh([*npm, "install", str(tarball), "typescript@5.9.3", "@types/node@20.19.43"], cwd=scratch)
    sh(["npx", "--no-install", "tsc", "-p", "."], cwd=scratch)
    assert_lifecycle_ok(echo_under_dev("node dist/local.js", scratch))
