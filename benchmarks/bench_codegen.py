"""Wall time of `apptheory generate` and `apptheory check` on the real project, in-process and as a CLI.

    python benchmarks/bench_codegen.py [--runs N]
    python benchmarks/bench_codegen.py --fields N [--profile]   # scaling: the real IDL plus N context fields

In-process (after one untimed warm-up that pays the one-off imports of jinja2 and black):
- baseline: `loader.load_file` (read + parse the YAML IDL only);
- load: `render.load_api` (IDL + validation + contract-fixture list);
- generate: load_api + render + `writer.write` into a temporary copy of generated/ (never the real one);
- check: load_api + render + `writer.check` against the real generated/ (read-only).
CLI (a fresh process each run, what a developer or CI sees):
- baseline: `python -c "import apptheory_codegen.cli"`;
- `apptheory generate --root <temporary copy of the project inputs>` and `apptheory check` on the
  real root (read-only).
Medians over N runs; target: generate and check <= 0.5 s each. Prints figures; never asserts on timing.

--fields N adds N synthetic context fields (all eight types, one shared container) to a copy of the real
IDL and prints load, validate and render time per field, rendering with a cold formatter cache (black
runs: what a changed IDL costs) and a warm one (the same IDL again); --profile adds the top cProfile
costs of the cold run. Target: <= 0.5 ms per field at 4,000 fields.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from apptheory_codegen import loader, render, validate, writer

ROOT = Path(__file__).resolve().parent.parent
TARGET_S = 0.5
TARGET_MS_PER_FIELD = 0.5
FIELD_KINDS = ("string", "int", "bool", "bytes", "timestamp", "string_map", "multi_map", "json")
CLI = Path(sys.executable).with_name("apptheory")
# What `generate --root` needs in a copy of the project (templates are found next to the package).
INPUT_DIRS = ("idl", "contract-tests", "generated")
COPY_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".mypy_cache", ".pytest_cache", ".ruff_cache")


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter_ns()
        fn()
        samples.append((time.perf_counter_ns() - start) / 1e9)
    return samples


def copy_inputs(dest: Path) -> None:
    for name in INPUT_DIRS:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=COPY_IGNORE)


def run_cli(args: list[str]) -> int:
    return subprocess.run(args, capture_output=True, text=True, check=False).returncode


def line(label: str, samples: list[float], target: float | None = None) -> str:
    med = statistics.median(samples)
    low, high = min(samples) * 1000, max(samples) * 1000
    text = f"  {label:<44} median {med * 1000:7.1f} ms  (min {low:7.1f}, max {high:7.1f})"
    if target is not None:
        text += "  ok" if med <= target else f"  OVER {target:g} s"
    return text


def synthetic_idl(fields: int) -> str:
    """The real IDL with `fields` extra context fields inserted at the top of context.fields."""
    text = (ROOT / render.IDL_RELATIVE).read_text(encoding="utf-8")
    extra = "".join(
        f"    - name: synthetic_field_{i}\n      type: {FIELD_KINDS[i % len(FIELD_KINDS)]}\n"
        f"      from: requestContext.synthetic.value{i}\n      events: [MESSAGE]\n"
        f"      doc: Synthetic field number {i} for the scaling benchmark.\n"
        for i in range(fields)
    )
    at = text.index("  fields:\n", text.index("\ncontext:\n")) + len("  fields:\n")
    return text[:at] + extra + text[at:]


def bench_fields(fields: int, profile: bool) -> int:
    text = synthetic_idl(fields)
    fixtures = render.load_fixtures(ROOT)
    render.render(render.load_api(ROOT))  # one-off imports (jinja2, black) outside the figures
    with tempfile.TemporaryDirectory(prefix="apptheory-bench-cache-") as cache:
        os.environ["XDG_CACHE_HOME"] = cache  # cold: black formats every Python file of this IDL
        profiler = cProfile.Profile() if profile else None
        figures: dict[str, float] = {}
        start = time.perf_counter()
        if profiler:
            profiler.enable()
        doc = loader.load_yaml(text, render.IDL_RELATIVE)
        figures["load (YAML + bounds)"] = time.perf_counter() - start
        mark = time.perf_counter()
        api = validate.build(doc, render.IDL_RELATIVE, fixtures)
        figures["validate + IR"] = time.perf_counter() - mark
        mark = time.perf_counter()
        files = render.render(api)
        figures["render, cold formatter cache"] = time.perf_counter() - mark
        if profiler:
            profiler.disable()
        cold_total = time.perf_counter() - start
        mark = time.perf_counter()
        render.render(validate.build(loader.load_yaml(text, render.IDL_RELATIVE), render.IDL_RELATIVE, fixtures))
        warm_total = time.perf_counter() - mark
    print(f"{fields} synthetic context fields ({len(text)} bytes of IDL, {len(files)} files)")
    for label, seconds in figures.items():
        print(f"  {label:<32} {seconds * 1000:9.1f} ms  {seconds * 1000 / fields:7.3f} ms/field")
    for label, seconds in (("total, cold cache", cold_total), ("total, warm cache", warm_total)):
        verdict = "ok" if seconds * 1000 / fields <= TARGET_MS_PER_FIELD else f"OVER {TARGET_MS_PER_FIELD} ms/field"
        print(f"  {label:<32} {seconds * 1000:9.1f} ms  {seconds * 1000 / fields:7.3f} ms/field  {verdict}")
    if profiler:
        print("top costs of the cold run (cumulative):")
        pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative").print_stats(15)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs per figure (default 7)")
    parser.add_argument("--fields", type=int, default=0, help="scaling mode: add N synthetic context fields")
    parser.add_argument("--profile", action="store_true", help="with --fields: print the top cProfile costs")
    args = parser.parse_args()
    if args.fields > 0:
        return bench_fields(args.fields, args.profile)
    runs = args.runs
    out_real = ROOT / render.OUT_RELATIVE
    idl_path = ROOT / render.IDL_RELATIVE

    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="apptheory-bench-") as tmp_name:
        tmp = Path(tmp_name)
        out_copy = tmp / "out"
        shutil.copytree(out_real, out_copy, ignore=COPY_IGNORE)
        cli_root = tmp / "root"
        copy_inputs(cli_root)

        # Warm-up: first render imports jinja2 and black (a one-off cost, reported separately).
        start = time.perf_counter_ns()
        files = render.render(render.load_api(ROOT))
        first = (time.perf_counter_ns() - start) / 1e9
        writer.write(out_copy, files)
        drift = writer.check(out_real, files)

        print(
            f"python {sys.version.split()[0]}, project {ROOT}, {len(files)} generated files, "
            f"real generated/ {'up to date' if not drift else f'DRIFTED ({len(drift)} files)'}, {runs} runs per figure"
        )
        print(f"  first in-process render (imports jinja2 + black): {first * 1000:.1f} ms")
        print("in-process:")
        baseline = timed(lambda: loader.load_file(idl_path, render.IDL_RELATIVE), runs)
        print(line("baseline: load IDL YAML only", baseline))
        print(line("load_api (IDL + validate + fixtures)", timed(lambda: render.load_api(ROOT), runs)))
        api = render.load_api(ROOT)
        print(line("render only (jinja2 + black, api preloaded)", timed(lambda: render.render(api), runs)))

        def generate() -> None:
            writer.write(out_copy, render.render(render.load_api(ROOT)))

        def check() -> None:
            writer.check(out_real, render.render(render.load_api(ROOT)))

        gen = timed(generate, runs)
        chk = timed(check, runs)
        print(line("generate (render + write to a temp copy)", gen, TARGET_S))
        print(line("check (render + compare with generated/)", chk, TARGET_S))
        results["generate in-process"] = statistics.median(gen)
        results["check in-process"] = statistics.median(chk)

        print("CLI (fresh process each run):")
        cli_base = timed(lambda: run_cli([sys.executable, "-c", "import apptheory_codegen.cli"]), runs)
        print(line("baseline: python -c 'import apptheory_codegen.cli'", cli_base))
        codes: list[int] = []
        cli_gen = timed(lambda: codes.append(run_cli([str(CLI), "generate", "--root", str(cli_root)])), runs)
        cli_chk = timed(lambda: codes.append(run_cli([str(CLI), "check", "--root", str(ROOT)])), runs)
        print(line("apptheory generate --root <temp copy>", cli_gen, TARGET_S))
        print(line("apptheory check (real root, read-only)", cli_chk, TARGET_S))
        results["generate CLI"] = statistics.median(cli_gen)
        results["check CLI"] = statistics.median(cli_chk)
        if any(codes):
            print(f"  note: CLI exit codes {sorted(set(codes))} (check exits 1 when generated/ has drifted)")

    worst = max(results.values())
    verdict = "meets target" if worst <= TARGET_S else "MISSES target"
    figures = ", ".join(f"{k} {v:.3f} s" for k, v in results.items())
    print(
        f"codegen: {figures}; baseline load IDL {statistics.median(baseline):.3f} s "
        f"(target <= {TARGET_S} s each) -> {verdict}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
