"""Per-event cost of the runtime's dispatch vs a hand-written handler doing the same work.

    python benchmarks/bench_dispatch.py [--events N] [--rounds R] [--profile]

Both sides get the same realistic `$default` event and the same FakeManagementClient:

- runtime: `App.handle` -> handler reads connection_id / route_key / request_id and the JSON body,
  `send_json_message({"echo": body, "from": connection_id})`, returns a dict (JSON 200 response).
- baseline: a plain function on the raw event dict doing the same work directly (json.loads, the
  https://{domainName}/{stage} endpoint, compact sorted JSON, post_to_connection, the proxy dict).

Reports the median per-event µs over several rounds and the ratio runtime/baseline (target <= 1.5).
Prints figures only; never asserts on timing. `--profile` adds a cProfile of the runtime side.
"""

from __future__ import annotations

import argparse
import copy
import gc
import json
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from apptheory import App, Context
from apptheory.testkit import FakeManagementClient, LambdaContext

TARGET_RATIO = 1.5
JSON_CONTENT_TYPE = "application/json; charset=utf-8"

# A copy of a real `$default` text frame (see examples/events/message-default.json).
EVENT: dict[str, Any] = {
    "requestContext": {
        "routeKey": "$default",
        "eventType": "MESSAGE",
        "extendedRequestId": "Yk3xQF1sjoEFT7w=",
        "requestTime": "26/Nov/2026:06:40:38 +0000",
        "messageDirection": "IN",
        "stage": "prod",
        "connectedAt": 1795675238012,
        "requestTimeEpoch": 1795675238431,
        "identity": {
            "sourceIp": "203.0.113.24",
            "userAgent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0 Safari/537.36",
        },
        "requestId": "Yk3xQF1sjoEFT7w=",
        "domainName": "a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com",
        "connectionId": "Yk3xPdTrDoECJbQ=",
        "apiId": "a1b2c3d4e5",
        "messageId": "Yk3zB2xdjoECF9g=",
    },
    "body": '{"action":"chat","room":"lobby","text":"hello, world"}',
    "isBase64Encoded": False,
}
CONNECTION_ID = EVENT["requestContext"]["connectionId"]


def build_runtime(fake: FakeManagementClient) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    app = App(websocket_support=True, websocket_client_factory=fake.client_factory)

    @app.websocket("$default")
    def echo(ctx: Context) -> dict[str, Any]:
        ws = ctx.as_websocket()
        connection_id = ws.connection_id
        body = ws.json()
        ws.send_json_message({"echo": body, "from": connection_id})
        return {"ok": True, "route": ws.route_key, "request_id": ws.request_id}

    return app.handle


def build_baseline(fake: FakeManagementClient) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    clients: dict[str, FakeManagementClient] = {}  # one client per endpoint, like the runtime

    def handle(event: dict[str, Any], lambda_context: Any) -> dict[str, Any]:
        rc = event["requestContext"]
        connection_id = rc["connectionId"]
        route_key = rc["routeKey"]
        request_id = rc["requestId"]
        body = json.loads(event["body"])
        endpoint = f"https://{rc['domainName']}/{rc['stage']}"
        client = clients.get(endpoint)
        if client is None:
            client = clients[endpoint] = fake.for_endpoint(endpoint)
        data = json.dumps(
            {"echo": body, "from": connection_id}, separators=(",", ":"), sort_keys=True, ensure_ascii=False
        ).encode("utf-8")
        client.post_to_connection(connection_id, data)
        out = json.dumps({"ok": True, "route": route_key, "request_id": request_id}, separators=(",", ":"))
        return {
            "statusCode": 200,
            "headers": {"content-type": JSON_CONTENT_TYPE},
            "multiValueHeaders": {"content-type": [JSON_CONTENT_TYPE]},
            "body": out,
            "isBase64Encoded": False,
        }

    return handle


def time_round(fn: Callable[[dict[str, Any], Any], dict[str, Any]], n: int, lambda_context: Any) -> float:
    """µs per event over n calls."""
    event = EVENT
    start = time.perf_counter_ns()
    for _ in range(n):
        fn(event, lambda_context)
    return (time.perf_counter_ns() - start) / n / 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000, help="events per round (default 20000)")
    parser.add_argument("--rounds", type=int, default=9, help="timed rounds per side (default 9)")
    parser.add_argument("--profile", action="store_true", help="also print a cProfile of the runtime side")
    args = parser.parse_args()

    fake = FakeManagementClient(connections=[CONNECTION_ID])
    lambda_context = LambdaContext(aws_request_id="bench-0000")
    runtime = build_runtime(fake)
    baseline = build_baseline(fake)

    # Same work, same output: responses and management calls must match before timing means anything.
    fake.reset_calls()
    runtime_response = runtime(copy.deepcopy(EVENT), lambda_context)
    runtime_calls = fake.calls
    fake.reset_calls()
    baseline_response = baseline(copy.deepcopy(EVENT), lambda_context)
    baseline_calls = fake.calls
    fake.reset_calls()
    same = runtime_response == baseline_response and runtime_calls == baseline_calls
    if not same:
        print("warning: runtime and baseline differ; the comparison is not like for like", file=sys.stderr)
        print(f"  runtime:  {runtime_response} {runtime_calls}", file=sys.stderr)
        print(f"  baseline: {baseline_response} {baseline_calls}", file=sys.stderr)

    # Warm-up (caches, client creation, allocator), then interleaved rounds so drift hits both sides.
    for fn in (runtime, baseline):
        time_round(fn, max(args.events // 10, 100), lambda_context)
        fake.reset_calls()
    runtime_us: list[float] = []
    baseline_us: list[float] = []
    for _ in range(args.rounds):
        for fn, results in ((runtime, runtime_us), (baseline, baseline_us)):
            gc.collect()
            results.append(time_round(fn, args.events, lambda_context))
            fake.reset_calls()  # recorded calls would otherwise grow without bound

    rt = statistics.median(runtime_us)
    bl = statistics.median(baseline_us)
    ratio = rt / bl
    print(
        f"python {sys.version.split()[0]}, {args.rounds} rounds x {args.events} events, "
        f"outputs identical: {'yes' if same else 'NO'}"
    )
    print(f"  runtime  rounds (µs/event): {' '.join(f'{v:.2f}' for v in runtime_us)}")
    print(f"  baseline rounds (µs/event): {' '.join(f'{v:.2f}' for v in baseline_us)}")
    # Background load only ever adds time: the best rounds are the least disturbed pair.
    print(
        f"  best rounds: runtime {min(runtime_us):.2f}, baseline {min(baseline_us):.2f}, "
        f"ratio {min(runtime_us) / min(baseline_us):.2f}"
    )
    verdict = "meets target" if ratio <= TARGET_RATIO else "MISSES target"
    print(
        f"dispatch: runtime {rt:.2f} µs/event, baseline {bl:.2f} µs/event, "
        f"ratio {ratio:.2f} (target <= {TARGET_RATIO}) -> {verdict}"
    )

    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        time_round(runtime, args.events, lambda_context)
        profiler.disable()
        fake.reset_calls()
        print(f"\ncProfile of the runtime side ({args.events} events), by own time:")
        pstats.Stats(profiler, stream=sys.stdout).strip_dirs().sort_stats("tottime").print_stats(25)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
