"""Cold-start import cost of `apptheory` (and `apptheory.testkit`), measured in fresh interpreters.

    python benchmarks/bench_import.py [--runs N]

Each sample is a new `python -c ...` process that times the import with perf_counter_ns and then
reports whether boto3 / botocore were loaded. The baseline is the same process doing `import json`
(what any Lambda handler pays anyway). Whole-process wall times (start to exit) are shown too, vs a
bare interpreter. Medians over N runs; target: `import apptheory` <= 15 ms, boto3 not imported.
A `-X importtime` breakdown shows the heaviest modules apptheory pulls in.
Prints figures only; never asserts on timing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

TARGET_MS = 15.0

# Runs in the child: time the import first (nothing else imported yet), then inspect sys.modules.
PROBE = (
    "import time, sys\n"
    "t = time.perf_counter_ns()\n"
    "import {module}\n"
    "d = time.perf_counter_ns() - t\n"
    "print(d, int('boto3' in sys.modules), int('botocore' in sys.modules), len(sys.modules))\n"
)

SUBJECTS = (
    ("json (baseline)", "json"),
    ("apptheory", "apptheory"),
    ("apptheory.testkit", "apptheory.testkit"),
)


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONSTARTUP", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # let the warm-up run cache bytecode, as a deployed package has
    return env


def probe(module: str, env: dict[str, str]) -> tuple[float, bool, bool, int]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(module=module)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout.split()
    return int(out[0]) / 1e6, out[1] == "1", out[2] == "1", int(out[3])


def process_wall(code: str, env: dict[str, str]) -> float:
    start = time.perf_counter_ns()
    subprocess.run([sys.executable, "-c", code], env=env, check=True)
    return (time.perf_counter_ns() - start) / 1e6


def importtime_top(module: str, env: dict[str, str], top: int) -> list[tuple[int, int, str]]:
    """(cumulative µs, self µs, name) of the heaviest modules that `import module` itself loaded.

    -X importtime prints children before their parent, indented two spaces per level; the subtree of
    the top-level import is every line after the previous top-level line (site's imports are skipped).
    """
    err = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stderr
    rows: list[tuple[int, int, str]] = []
    for line in err.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, cumulative_us, raw_name = line[len("import time:") :].split("|")
        name = raw_name.rstrip().removeprefix(" ")
        if not name.startswith(" ") and name != module:
            rows = []  # another top-level import (e.g. from site) ends: drop its subtree
            continue
        rows.append((int(cumulative_us), int(self_us), name.strip()))
        if name == module:
            break
    rows.sort(reverse=True)
    return rows[:top]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="fresh interpreters per figure (default 15)")
    args = parser.parse_args()
    env = child_env()

    # Warm the bytecode cache and the OS page cache so the first sample is not an outlier.
    for _, module in SUBJECTS:
        probe(module, env)

    print(f"python {sys.version.split()[0]} ({sys.executable}), {args.runs} fresh interpreters per figure")
    medians: dict[str, float] = {}
    boto_seen: dict[str, bool] = {}
    module_counts: dict[str, int] = {}
    samples: dict[str, list[float]] = {label: [] for label, _ in SUBJECTS}
    for _ in range(args.runs):  # interleaved so background load hits every subject alike
        for label, module in SUBJECTS:
            ms, boto3, botocore, count = probe(module, env)
            samples[label].append(ms)
            boto_seen[label] = boto_seen.get(label, False) or boto3 or botocore
            module_counts[label] = count
    for label, module in SUBJECTS:
        medians[label] = statistics.median(samples[label])
        print(
            f"  import {module:<18} median {medians[label]:6.2f} ms  (min {min(samples[label]):6.2f}, "
            f"max {max(samples[label]):6.2f})  sys.modules {module_counts[label]:4d}  "
            f"boto3/botocore {'YES' if boto_seen[label] else 'no'}"
        )

    walls: dict[str, list[float]] = {"bare interpreter": [], "import json": [], "import apptheory": []}
    codes = {"bare interpreter": "pass", "import json": "import json", "import apptheory": "import apptheory"}
    for _ in range(args.runs):
        for label, code in codes.items():
            walls[label].append(process_wall(code, env))
    print("  whole process (start to exit), median:")
    for label, values in walls.items():
        print(f"    {label:<18} {statistics.median(values):6.1f} ms")

    for _, module in SUBJECTS[1:]:
        print(f"  heaviest modules loaded by `import {module}` (-X importtime; cumulative / self µs):")
        for cumulative, own, name in importtime_top(module, env, 10):
            print(f"    {cumulative:7d} {own:7d}  {name}")

    app_ms = medians["apptheory"]
    testkit_ms = medians["apptheory.testkit"]
    base_ms = medians["json (baseline)"]
    boto = boto_seen["apptheory"]
    verdict = "meets target" if app_ms <= TARGET_MS and not boto else "MISSES target"
    print(
        f"import: apptheory {app_ms:.2f} ms, apptheory.testkit {testkit_ms:.2f} ms, baseline (json) {base_ms:.2f} ms, "
        f"boto3/botocore loaded: {'YES' if boto else 'no'} (target <= {TARGET_MS:g} ms, no boto3) -> {verdict}"
    )
    if boto_seen["apptheory.testkit"]:
        print("note: `import apptheory.testkit` loads boto3/botocore")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
