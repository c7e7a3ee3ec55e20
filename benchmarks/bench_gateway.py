"""Load through the local gateway: many WebSocket clients, the chat example, and a broadcast fan-out.

    python benchmarks/bench_gateway.py [--clients 200] [--messages 50] [--senders 10] [--fanout 10]
                                       [--target python|runtime-api] [--timeout 600]

Starts `apptheory dev` on a free loopback port with the chat example (in-process, or `--target
runtime-api` for the same app behind the Lambda Runtime API), then:

- echo: every client joins its own room and says `--messages` messages; each message goes client ->
  gateway -> `say` handler -> boto3 PostToConnection -> gateway -> client;
- fan-out: every client joins one room; `--senders` of them say `--fanout` messages each, so every
  client should receive senders x fanout messages (a broadcast of N clients per message).

Prints messages/s for each phase, echo round-trip latency, and the count of messages lost (expected
minus received), which must be 0: the script exits 1 otherwise. Timing is printed, never asserted.
Everything is bounded: connections, phases and the whole run have deadlines; loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from websockets.asyncio.client import ClientConnection, connect

ROOT = Path(__file__).resolve().parent.parent
CHAT = "examples/chat/python/app.py"
CONNECT_CONCURRENCY = 50


@dataclass
class PhaseResult:
    name: str
    expected: int
    received: int
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)

    @property
    def lost(self) -> int:
        return self.expected - self.received

    @property
    def rate(self) -> float:
        return self.received / self.seconds if self.seconds > 0 else 0.0


@dataclass
class LoadResult:
    clients: int
    connect_seconds: float
    phases: list[PhaseResult]

    @property
    def lost(self) -> int:
        return sum(p.lost for p in self.phases)


async def _open_clients(ws_url: str, rooms: list[str], deadline: float) -> list[ClientConnection]:
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

    async def one(room: str) -> ClientConnection:
        async with gate:
            return await connect(
                f"{ws_url}?token=bench&room={room}",
                open_timeout=max(1.0, deadline - time.monotonic()),
                ping_interval=None,
                max_queue=None,
            )

    return list(await asyncio.gather(*(one(room) for room in rooms)))


async def _collect(ws: ClientConnection, count: int, deadline: float, on_message: object = None) -> int:
    received = 0
    while received < count:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        try:
            raw = await asyncio.wait_for(ws.recv(), remaining)
        except (TimeoutError, Exception):
            break
        message = json.loads(raw)
        if message.get("type") == "message":
            received += 1
            if callable(on_message):
                on_message(message)
    return received


async def run_load(
    ws_url: str,
    *,
    clients: int,
    messages: int,
    senders: int,
    fanout: int,
    phase_timeout: float = 120.0,
) -> LoadResult:
    """The two phases against a running gateway; returns what was expected and received."""
    run_id = uuid.uuid4().hex[:6]
    phases: list[PhaseResult] = []

    # ---- echo: one room per client ----
    started = time.monotonic()
    echo_clients = await _open_clients(ws_url, [f"b{run_id}-{i}" for i in range(clients)], started + phase_timeout)
    connect_seconds = time.monotonic() - started
    sent_at: dict[str, float] = {}
    latencies: list[float] = []

    def on_echo(message: dict[str, str]) -> None:
        at = sent_at.pop(message["text"], None)
        if at is not None:
            latencies.append((time.monotonic() - at) * 1000)

    async def echo_client(index: int, ws: ClientConnection, deadline: float) -> int:
        receiver = asyncio.ensure_future(_collect(ws, messages, deadline, on_echo))
        for n in range(messages):
            text = f"{index}:{n}"
            sent_at[text] = time.monotonic()
            await ws.send(json.dumps({"action": "say", "text": text}))
        return await receiver

    started = time.monotonic()
    deadline = started + phase_timeout
    received = await asyncio.gather(*(echo_client(i, ws, deadline) for i, ws in enumerate(echo_clients)))
    phases.append(PhaseResult("echo", clients * messages, sum(received), time.monotonic() - started, latencies))
    await asyncio.gather(*(ws.close() for ws in echo_clients))

    # ---- fan-out: everyone in one room ----
    room = f"fan{run_id}"
    fan_clients = await _open_clients(ws_url, [room] * clients, time.monotonic() + phase_timeout)
    expected_each = min(senders, clients) * fanout
    started = time.monotonic()
    deadline = started + phase_timeout
    receivers = [asyncio.ensure_future(_collect(ws, expected_each, deadline)) for ws in fan_clients]

    async def sender(ws: ClientConnection, index: int) -> None:
        for n in range(fanout):
            await ws.send(json.dumps({"action": "say", "text": f"s{index}:{n}"}))

    await asyncio.gather(*(sender(ws, i) for i, ws in enumerate(fan_clients[:senders])))
    received = await asyncio.gather(*receivers)
    phases.append(PhaseResult("fan-out", expected_each * clients, sum(received), time.monotonic() - started))
    await asyncio.gather(*(ws.close() for ws in fan_clients))
    return LoadResult(clients, connect_seconds, phases)


def report(result: LoadResult, header: str) -> str:
    lines = [header, f"  connect  {result.clients} clients in {result.connect_seconds:.2f} s"]
    for phase in result.phases:
        line = (
            f"  {phase.name:<8} {phase.received}/{phase.expected} messages received in {phase.seconds:.2f} s: "
            f"{phase.rate:,.0f} messages/s, lost {phase.lost}"
        )
        if phase.latencies_ms:
            lat = sorted(phase.latencies_ms)
            p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
            median = statistics.median(lat)
            line += f", round trip (queueing included: all sent at once) p50 {median:.0f} ms / p99 {p99:.0f} ms"
        lines.append(line)
    lines.append(f"lost: {result.lost} (must be 0)")
    return "\n".join(lines)


def start_gateway(target: str, extra: list[str] | None = None) -> tuple[subprocess.Popen[str], str]:
    if target == "python":
        app_args = [f"{CHAT}:app"]
    else:
        child = [sys.executable, "tests/e2e/lambda_child.py", f"{CHAT}:handler"]
        app_args = ["--cmd", " ".join(child), "--routes", "$connect,$disconnect,$default,say"]
    env = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "AWS_ACCESS_KEY_ID": "AKIDBENCH",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "CONNECTIONS_TABLE": "",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "apptheory", "dev", "--port", "0", "--log", "off", *app_args, *(extra or [])],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        match = re.search(r"WebSocket\s+(ws://127\.0\.0\.1:\d+/local)", line)
        if match:
            return process, match.group(1)
        if not line and process.poll() is not None:
            break
    process.kill()
    raise SystemExit("apptheory dev did not start")


def stop_gateway(process: subprocess.Popen[str]) -> int:
    process.send_signal(signal.SIGINT)
    try:
        return process.wait(60)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait(10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--messages", type=int, default=50, help="messages per client in the echo phase")
    parser.add_argument("--senders", type=int, default=10, help="clients that say something in the fan-out phase")
    parser.add_argument("--fanout", type=int, default=10, help="messages per sender in the fan-out phase")
    parser.add_argument("--target", choices=("python", "runtime-api"), default="python")
    parser.add_argument("--timeout", type=float, default=600.0, help="deadline per phase, seconds")
    parser.add_argument("--threads", type=int, help="handler threads of the in-process gateway (its --threads)")
    args = parser.parse_args()
    extra = ["--threads", str(args.threads)] if args.threads and args.target == "python" else []
    process, ws_url = start_gateway(args.target, extra)
    try:
        result = asyncio.run(
            asyncio.wait_for(
                run_load(
                    ws_url,
                    clients=args.clients,
                    messages=args.messages,
                    senders=args.senders,
                    fanout=args.fanout,
                    phase_timeout=args.timeout,
                ),
                args.timeout * 3,
            )
        )
    finally:
        code = stop_gateway(process)
    header = (
        f"gateway benchmark ({args.target}, python {sys.version.split()[0]}, {os.cpu_count()} cpus): "
        f"{args.clients} clients x {args.messages} messages, fan-out {args.senders} senders x {args.fanout} "
        f"messages to {args.clients} clients"
    )
    print(report(result, header))
    print(f"gateway exit status after Ctrl-C: {code}")
    return 0 if result.lost == 0 and code == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
