"""Differential harness: the same events through the Python, Go and TypeScript probes, compared byte for byte.

    .venv/bin/python -m tests.differential.harness --seed 1 --count 2000       # what CI runs
    .venv/bin/python -m tests.differential.harness --seed 7 --count 100000     # a long local run

Each language runs as one long-lived probe process per batch of events (JSON lines in, JSON lines out).
Exit status 1 on any difference, a probe that crashed or answered the wrong number of lines; the first
few differences are printed with the event that caused them. See docs/testing.md.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.differential.events import event_lines

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
MANAGED_ENV = ("AWS_REGION", "AWS_DEFAULT_REGION", "APPTHEORY_WS_MANAGEMENT_ENDPOINT")
# Each batch runs under one of these environments, in turn, so the endpoint/region fallbacks are compared too.
ENVIRONMENTS: list[dict[str, str]] = [
    {},
    {"AWS_REGION": "eu-central-1"},
    {"AWS_DEFAULT_REGION": "ap-south-1", "APPTHEORY_WS_MANAGEMENT_ENDPOINT": "https://override.example.com/live/"},
]


@dataclass(frozen=True)
class Probe:
    lang: str
    command: list[str]


def build_probes(langs: Sequence[str], workdir: Path) -> list[Probe]:
    probes = []
    for lang in langs:
        if lang == "py":
            probes.append(Probe("py", [sys.executable, "-m", "tests.differential.probe"]))
        elif lang == "go":
            binary = workdir / "probe-go"
            subprocess.run(["go", "build", "-o", str(binary), "."], cwd=HERE / "go", check=True)
            probes.append(Probe("go", [str(binary)]))
        elif lang == "ts":
            dist = ROOT / "generated" / "ts" / "dist"
            if not dist.is_dir():
                raise SystemExit(f"{dist} is missing: build the TS package first (cd generated/ts && npm test)")
            probes.append(Probe("ts", ["node", str(HERE / "ts" / "probe.mjs")]))
        else:
            raise SystemExit(f"unknown language {lang!r}; known: py, go, ts")
    return probes


def run_probe(probe: Probe, lines: list[str], env_overrides: dict[str, str]) -> tuple[list[bytes], str]:
    env = {k: v for k, v in os.environ.items() if k not in MANAGED_ENV} | env_overrides
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    result = subprocess.run(
        probe.command,
        input="".join(line + "\n" for line in lines).encode("ascii"),
        capture_output=True,
        cwd=ROOT,
        env=env,
        timeout=1800,
        check=False,
    )
    out = result.stdout.split(b"\n")
    if out and out[-1] == b"":
        out.pop()
    problem = ""
    if result.returncode != 0 or len(out) != len(lines):
        tail = result.stderr.decode("utf-8", "replace")[-2000:]
        problem = f"{probe.lang} probe exit {result.returncode}, {len(out)} lines for {len(lines)} events\n{tail}"
    return out, problem


def _readable(line: bytes) -> Any:
    """An output line for people: the body and each call's data decoded where they are JSON or text."""
    try:
        value = json.loads(line)
    except ValueError:
        return line.decode("utf-8", "replace")
    for call in value.get("calls", []):
        data = call.get("data")
        if isinstance(data, str):
            raw = base64.b64decode(data)
            with contextlib.suppress(UnicodeDecodeError):
                call["data"] = raw.decode("utf-8")
    return value


def _first_difference(a: bytes, b: bytes) -> int:
    for index, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return index
    return min(len(a), len(b))


def _status(line: bytes) -> str:
    try:
        value = json.loads(line)
    except ValueError:
        return "unparsable"
    if value.get("raised"):
        return "raised"
    return str(value.get("response", {}).get("statusCode"))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--langs", default="py,go,ts")
    parser.add_argument("--batch", type=int, default=5000, help="events per probe process (at most)")
    parser.add_argument("--show", type=int, default=3, help="differences to print in full")
    args = parser.parse_args(argv)
    langs = [lang.strip() for lang in args.langs.split(",") if lang.strip()]
    if len(langs) < 2:
        parser.error("--langs needs at least two languages to compare")
    if args.count < 1 or args.batch < 1:
        parser.error("--count and --batch must be positive")

    started = time.monotonic()
    events = event_lines(args.seed, args.count)
    batch = min(args.batch, max(1, -(-len(events) // len(ENVIRONMENTS))))
    workdir = Path(tempfile.mkdtemp(prefix="apptheory-diff-"))
    try:
        probes = build_probes(langs, workdir)
        differences: list[tuple[int, dict[str, bytes]]] = []
        by_kind: Counter[str] = Counter()
        statuses: Counter[str] = Counter()
        seconds: Counter[str] = Counter()
        for number, start in enumerate(range(0, len(events), batch)):
            chunk = events[start : start + batch]
            env = ENVIRONMENTS[number % len(ENVIRONMENTS)]
            outputs: dict[str, list[bytes]] = {}
            for probe in probes:
                began = time.monotonic()
                out, problem = run_probe(probe, [line for _, line in chunk], env)
                seconds[probe.lang] += time.monotonic() - began
                if problem:
                    print(f"FAIL: {problem}", file=sys.stderr)
                    return 1
                outputs[probe.lang] = out
            for offset, (kind, _) in enumerate(chunk):
                row = {lang: outputs[lang][offset] for lang in langs}
                statuses[_status(row[langs[0]])] += 1
                if len(set(row.values())) > 1:
                    differences.append((start + offset, row))
                    by_kind[kind.split("+")[0]] += 1
        elapsed = time.monotonic() - started
        timing = ", ".join(f"{lang} {seconds[lang]:.1f}s" for lang in langs)
        status_text = ", ".join(f"{status}: {n}" for status, n in sorted(statuses.items()))
        print(
            f"differential: seed {args.seed}, {len(events)} events, {'/'.join(langs)} ({timing}; {elapsed:.1f}s in all)"
        )
        print(f"  outcomes ({langs[0]}): {status_text}")
        if not differences:
            print(f"  {len(events)} identical, 0 differed")
            return 0
        print(
            f"  {len(events) - len(differences)} identical, {len(differences)} differed; by first variation: "
            + ", ".join(f"{k} {n}" for k, n in by_kind.most_common())
        )
        for index, row in differences[: args.show]:
            kind, line = events[index]
            print(f"\n--- event {index} ({kind}):\n{line}")
            reference = row[langs[0]]
            for lang in langs:
                where = (
                    "" if lang == langs[0] else f" (first byte difference at {_first_difference(reference, row[lang])})"
                )
                print(f"  {lang}{where}: {json.dumps(_readable(row[lang]), ensure_ascii=True)}")
        return 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
