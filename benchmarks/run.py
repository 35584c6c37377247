"""Benchmark autograd-lite against PyTorch (CPU) and NumPy's matmul limit.

Usage::

    python benchmarks/run.py [--threads N] [--json out.json] [--quick] [--rounds R]
                             [--workloads op_overhead,mlp_step,...]
                             [--settle SECONDS] [--retries R] [--timeout SECONDS]

Every (round, workload, engine) runs in a fresh subprocess (``benchmarks/workloads.py``),
so no engine warms the caches, the allocator or the thread pools of another, and peak
memory is measured per process. Engines are interleaved round by round (round 1:
autograd-lite then PyTorch; round 2: PyTorch then autograd-lite; ...), so slow drift of a
shared machine hits both alike. Both engines get the same thread count: the OMP / OpenBLAS
/ MKL thread variables of the worker's environment and ``torch.set_num_threads``. Other
variables (OPENBLAS_CORETYPE, OPENBLAS_L2_SIZE, ...) are passed through unchanged.

The table shows each engine's median over rounds and the median over rounds of the
per-round ratio autograd-lite / PyTorch, next to its target. ``--quick`` (the CI smoke
test) runs one round with fewer steps and a 100,000-op deep_chain: its numbers are
indicative only. The exit status is 1 only if a workload failed with an error; a slow
machine, a missed target or a missing engine (PyTorch, micrograd, nn not yet written)
never fails the run.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

# Only constants and names from workloads: the parent process stays light (no NumPy,
# no torch), so it does not compete with the workers for memory or cores.
from workloads import (  # noqa: E402
    AL,
    DEEP_CHAIN_FULL,
    DEEP_CHAIN_QUICK,
    MICROGRAD,
    MLP_LARGE_BATCH,
    MLP_LARGE_SIZES,
    NESTED_STEPS,
    NESTED_STEPS_QUICK,
    NUMPY,
    TORCH,
    VECTOR_SIZES,
    WORKLOADS,
    mlp_flops,
)

THREAD_VARS = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)
BENCHMARKS = [
    "op_overhead",
    "scalar_chain",
    "vector_chain",
    "mlp_step",
    "mlp_step_large",
    "conv_step",
    "deep_chain",
    "memory",
    "nested_ad",
]
# Workloads whose every round is long and whose result hardly varies: fewer rounds.
MAX_ROUNDS = {"deep_chain": 3, "memory": 2}
# Ratio targets autograd-lite / PyTorch (issue "benchmarks", item 2).
RATIO_TARGETS = {
    "op_overhead": 0.5,
    "scalar_chain": 0.5,
    "mlp_step": 1.0,
    "mlp_step_large": 1.2,
    "conv_step": 2.0,
    "memory": 1.5,
    "vector_chain": 1.2,
    "nested_ad": 2.0,
}
NESTED_GROWTH_TARGET = 1.5  # nested_ad: ms per step at the long loop / at the short one
MICROGRAD_TARGET = 2.0  # scalar_chain: within 2x of micrograd
MATMUL_FRACTION_TARGET = 0.85  # mlp_step_large: >= 85% of NumPy's matmul GFLOP/s
DEEP_CHAIN_LIMIT_MB = 2048.0
FLAT_TOLERANCE_MB = 8.0
# A job during which other processes used more cores than this is noisy: with N threads
# on N cores, BLAS / OpenMP threads then wait for each other, and a step can take 100x
# longer. Such a job is run again (--retries), after waiting for a quiet moment (--settle).
QUIET_CORES = 0.5  # RSS growth from step 10 to step 100 still counted as flat


class Results:
    """Per (workload, engine): the result dict of each round, or why there is none."""

    def __init__(self) -> None:
        self.rounds: dict[tuple[str, str], list[dict | None]] = {}
        self.status: dict[tuple[str, str], str] = {}  # "ok", "unavailable (..)", "error (..)"

    def add(self, workload: str, engine: str, result: dict | None, status: str) -> None:
        key = (workload, engine)
        self.rounds.setdefault(key, []).append(result)
        if status != "ok" or key not in self.status:
            self.status[key] = status

    def ok(self, workload: str, engine: str) -> bool:
        return self.status.get((workload, engine)) == "ok"

    def values(self, workload: str, engine: str, key: str | None = None) -> list[float | None]:
        """The per-round value (or ``extra[key]``), None for rounds without a result."""
        out: list[float | None] = []
        for r in self.rounds.get((workload, engine), []):
            if r is None:
                out.append(None)
            else:
                out.append(r["value"] if key is None else r["extra"].get(key))
        return out

    def median(self, workload: str, engine: str, key: str | None = None) -> float | None:
        vals = [v for v in self.values(workload, engine, key) if v is not None]
        return statistics.median(vals) if vals else None

    def ratio(self, workload: str, num: str, den: str, key: str | None = None) -> float | None:
        """Median over rounds of the per-round ratio num / den (rounds where both ran)."""
        pairs = zip(self.values(workload, num, key), self.values(workload, den, key))
        ratios = [a / b for a, b in pairs if a is not None and b]
        return statistics.median(ratios) if ratios else None


def worker_env(threads: int) -> dict[str, str]:
    """The environment of every worker: same thread count, the repo on PYTHONPATH."""
    env = dict(os.environ)
    for var in THREAD_VARS:
        env[var] = str(threads)
    path = env.get("PYTHONPATH")
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + path if path else "")
    return env


def run_worker(
    workload: str, engine: str, args: argparse.Namespace, env: dict[str, str]
) -> tuple[dict | None, str]:
    """Run one workload on one engine in a fresh process: (result, status)."""
    cmd = [sys.executable, str(HERE / "workloads.py"), workload, engine]
    cmd += ["--threads", str(args.threads)] + (["--quick"] if args.quick else [])
    busy0, own0, t0 = cpu_busy_seconds(), children_cpu_seconds(), time.perf_counter()
    try:
        proc = subprocess.run(
            cmd, env=env, capture_output=True, text=True, timeout=args.timeout, cwd=ROOT
        )
    except subprocess.TimeoutExpired:
        return None, f"error (timed out after {args.timeout:.0f} s)"
    wall = time.perf_counter() - t0
    others = None
    if busy0 is not None:
        # CPU time the whole machine spent, less our worker's: other processes' load.
        own = children_cpu_seconds() - own0
        others = max(cpu_busy_seconds() - busy0 - own, 0.0) / wall
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        sys.stderr.write(proc.stderr)
        return None, f"error (exit {proc.returncode}: {tail[:120]})"
    try:
        result = json.loads(lines[-1])
    except json.JSONDecodeError:
        return None, f"error (the worker's last line is not JSON: {lines[-1][:80]!r})"
    if result["status"] == "unavailable":
        return None, f"unavailable ({result['reason']})"
    result["others_cores"] = others
    return result, "ok"


def measure(
    workload: str,
    engine: str,
    args: argparse.Namespace,
    env: dict[str, str],
    start: float,
    r: int,
) -> tuple[dict | None, str]:
    """``run_worker`` on a quiet machine if we can: wait up to ``--settle`` seconds for
    other processes to go below ``QUIET_CORES``, and run again (up to ``--retries``
    times) when they used more during the job. Keeps the quietest attempt."""
    best: tuple[dict | None, str] | None = None
    for attempt in range(args.retries + 1):
        wait_for_quiet(args.settle)
        result, status = run_worker(workload, engine, args, env)
        others = result.get("others_cores") if result else None
        shown = fmt(result["value"]) if result else status
        if others is not None:
            shown += f"  (other processes: {others:.1f} cores)"
        print(
            f"[{time.perf_counter() - start:6.1f} s] round {r + 1}/{args.rounds} "
            f"{workload:<15} {engine:<13} {shown}" + (f"  retry {attempt}" if attempt else ""),
            file=sys.stderr,
            flush=True,
        )
        if result is None:
            return result, status
        if best is None or (others or 0.0) < (best[0].get("others_cores") or 0.0):
            best = (result, status)
        if others is None or others <= QUIET_CORES:
            break
    return best


def wait_for_quiet(max_wait: float) -> float | None:
    """Sleep (up to ``max_wait`` s) until other processes use under ``QUIET_CORES`` cores;
    return the last reading (None where /proc/stat is missing)."""
    deadline = time.perf_counter() + max_wait
    while True:
        b0 = cpu_busy_seconds()
        if b0 is None or max_wait <= 0:
            return None
        time.sleep(0.5)
        others = (cpu_busy_seconds() - b0) / 0.5
        if others < QUIET_CORES or time.perf_counter() > deadline:
            return others


def cpu_busy_seconds() -> float | None:
    """CPU seconds all processes have used since boot (Linux /proc/stat), else None."""
    try:
        with open("/proc/stat") as f:
            fields = [int(v) for v in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds() -> float:
    """User + system CPU seconds of our finished workers."""
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def machine_info(args: argparse.Namespace, env: dict[str, str]) -> dict[str, Any]:
    """Date, CPU, versions, BLAS and the thread / OpenBLAS variables in force."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    info: dict[str, Any] = {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu,
        "logical_cpus": os.cpu_count(),
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "threads": args.threads,
        "load_start": _load(),
        "openblas_env": {k: v for k, v in os.environ.items() if k.startswith("OPENBLAS_")},
    }
    for engine in (NUMPY, TORCH):
        result, status = run_worker("info", engine, args, env)
        info[engine] = result["extra"] if result else {"status": status}
    return info


def _load() -> str:
    """The 1-minute load average (how busy the shared machine is), '?' where unknown."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except (AttributeError, OSError):
        return "?"


def header(info: dict[str, Any], args: argparse.Namespace) -> list[str]:
    numpy_info, torch_info = info[NUMPY], info[TORCH]
    blas = "; ".join(numpy_info.get("blas", [])) or numpy_info.get("status", "?")
    if "torch" in torch_info:
        torch_line = (
            f"torch {torch_info['torch']} ({torch_info['torch_threads']} threads"
            f"{', MKL' if torch_info.get('torch_mkl') else ''})"
        )
    else:
        torch_line = f"torch {torch_info.get('status', '?')}"
    ob_env = info["openblas_env"]
    rounds = ", ".join(
        f"{w} {min(args.rounds, MAX_ROUNDS.get(w, args.rounds))}" for w in MAX_ROUNDS
    )
    lines = [
        f"autograd-lite benchmarks, {info['date']}" + ("  [QUICK MODE]" if args.quick else ""),
        f"machine: {info['cpu']}, {info['logical_cpus']} logical CPUs, {info['system']}, "
        f"Python {info['python']}",
        f"threads: {args.threads} for both engines ({', '.join(THREAD_VARS[:3])}, "
        "torch.set_num_threads)",
        f"numpy {numpy_info.get('numpy', '?')}, BLAS: {blas}; {torch_line}",
        "OpenBLAS variables (left as they are, for both engines): "
        + (", ".join(f"{k}={v}" for k, v in sorted(ob_env.items())) or "none set"),
        f"rounds: {args.rounds} ({rounds}), engines interleaved; each cell the median over "
        "rounds, each ratio the median of per-round ratios",
    ]
    if args.quick:
        lines.append(
            "QUICK MODE: 1 round, few steps, deep_chain of "
            f"{DEEP_CHAIN_QUICK:,} ops, memory over 11 steps: a smoke test, not a measurement"
        )
    return lines


# -- the table ---------------------------------------------------------------------------


def fmt(value: float | None, digits: int = 3) -> str:
    """A number with ``digits`` significant figures, without scientific notation."""
    if value is None:
        return "-"
    if value == 0:
        return "0"
    magnitude = len(str(int(abs(value)))) if abs(value) >= 1 else 0
    return f"{value:.{max(digits - magnitude, 0)}f}"


def times(ratio: float | None) -> str:
    """A ratio as '0.45x' ('-' when there is none)."""
    return f"{fmt(ratio)}x" if ratio is not None else "-"


def cell(res: Results, workload: str, engine: str, text: str | None) -> str:
    """An engine's cell: the formatted value, else why there is none."""
    status = res.status.get((workload, engine))
    if status is None:
        return "not run"
    if status != "ok":
        return status
    return text if text is not None else "-"


def met(value: float | None, target: float, at_most: bool = True) -> str:
    if value is None:
        return "n/a"
    return "yes" if (value <= target if at_most else value >= target) else "NO"


def build_rows(res: Results, args: argparse.Namespace) -> list[list[str]]:
    """Table rows: workload, metric, the three engines, ratio, target, met."""
    rows: list[list[str]] = []

    def engines_row(workload: str, metric: str, key: str | None = None, digits: int = 3):
        return [
            workload,
            metric,
            *(
                cell(res, workload, e, fmt(res.median(workload, e, key), digits))
                if e in WORKLOADS[workload][1]
                else ""
                for e in (AL, TORCH, MICROGRAD)
            ),
        ]

    def ratio_row(workload: str, metric: str, key: str | None = None) -> list[str]:
        ratio = res.ratio(workload, AL, TORCH, key)
        target = RATIO_TARGETS[workload]
        return [
            *engines_row(workload, metric, key),
            times(ratio),
            f"<= {target}x",
            met(ratio, target),
        ]

    for workload in args.workloads:
        if workload in ("op_overhead", "scalar_chain"):
            rows.append(ratio_row(workload, "µs per op, fwd+bwd"))
        if workload == "scalar_chain":
            ratio = res.ratio(workload, AL, MICROGRAD)
            rows.append(
                [
                    workload,
                    "vs micrograd (al / micrograd)",
                    "",
                    "",
                    cell(res, workload, MICROGRAD, "(above)"),
                    times(ratio),
                    f"<= {MICROGRAD_TARGET}x",
                    met(ratio, MICROGRAD_TARGET),
                ]
            )
        if workload == "vector_chain":
            for n, key in zip(VECTOR_SIZES, (None, "us_per_op_1e6")):
                rows.append(ratio_row(workload, f"µs per op, fwd+bwd, {n:,} float64", key))
        if workload == "nested_ad":
            rows.extend(nested_rows(res, args, ratio_row))
        if workload in ("mlp_step", "mlp_step_large", "conv_step"):
            rows.append(ratio_row(workload, "ms per step"))
        if workload == "mlp_step_large":
            rows.append(matmul_row(res))
        if workload == "deep_chain":
            n = DEEP_CHAIN_QUICK if args.quick else DEEP_CHAIN_FULL
            label = f"{n:,} ops" + (" (QUICK)" if args.quick else "")
            done = res.ok(workload, AL)
            rows.append(
                [
                    *engines_row(workload, f"s backward, {label}"),
                    times(res.ratio(workload, AL, TORCH)),
                    "completes",
                    "yes" if done else "NO",
                ]
            )
            rows.append(
                [
                    *engines_row(workload, "s forward (building it)", "forward_s"),
                    times(res.ratio(workload, AL, TORCH, "forward_s")),
                    "",
                    "",
                ]
            )
            peak = res.median(workload, AL, "peak_mb")
            rows.append(
                [
                    *engines_row(workload, "peak RSS MB", "peak_mb", digits=4),
                    times(res.ratio(workload, AL, TORCH, "peak_mb")),
                    f"< {DEEP_CHAIN_LIMIT_MB:.0f} MB",
                    met(peak, DEEP_CHAIN_LIMIT_MB),
                ]
            )
        if workload == "memory":
            steps = 11 if args.quick else 100
            rows.append(ratio_row(workload, f"peak RSS MB over {steps} steps"))
            rows.append(flat_row(res, steps))
    return rows


def nested_rows(res: Results, args: argparse.Namespace, ratio_row: Any) -> list[list[str]]:
    """Per program: ms per step at the long loop against PyTorch, and how the time per
    step grows from the short loop to the long one (1 when linear; 8 at 160 / 20 when
    quadratic)."""
    rows = []
    steps = NESTED_STEPS_QUICK if args.quick else NESTED_STEPS
    for program, what in (("particle", "grad of grad"), ("newton", "grad of hessian")):
        short, long = steps[program]
        rows.append(
            ratio_row("nested_ad", f"{program} ({what}): ms/step, {long} steps", f"{program}_long")
        )
        growth = [
            cell(res, "nested_ad", e, fmt(res.median("nested_ad", e, f"{program}_growth")))
            for e in (AL, TORCH)
        ]
        al_growth = res.median("nested_ad", AL, f"{program}_growth")
        rows.append(
            [
                "nested_ad",
                f"{program}: ms/step at {long} / at {short} steps",
                *growth,
                "",
                times(al_growth),
                f"<= {NESTED_GROWTH_TARGET}x",
                met(al_growth, NESTED_GROWTH_TARGET),
            ]
        )
    return rows


def matmul_row(res: Results) -> list[str]:
    """mlp_step_large's GFLOP/s as a fraction of NumPy's matmul GFLOP/s, same shapes."""
    limit = res.median("matmul_limit", NUMPY)
    flops = mlp_flops(MLP_LARGE_SIZES, MLP_LARGE_BATCH)
    cells, fraction = [], None
    for engine in (AL, TORCH):
        ms = res.median("mlp_step_large", engine)
        if ms is None or limit is None:
            cells.append(cell(res, "mlp_step_large", engine, None))
            continue
        gflops = flops / (ms / 1e3) / 1e9
        cells.append(f"{fmt(gflops)} GFLOP/s = {gflops / limit:.0%}")
        if engine == AL:
            fraction = gflops / limit
    return [
        "mlp_step_large",
        f"% of NumPy matmul ({fmt(limit)} GFLOP/s)",
        *cells,
        "",
        f"{fraction:.0%}" if fraction is not None else "-",
        f">= {MATMUL_FRACTION_TARGET:.0%}",
        met(fraction, MATMUL_FRACTION_TARGET, at_most=False),
    ]


def flat_row(res: Results, steps: int) -> list[str]:
    """RSS after step 10 and after the last step: equal when memory is flat."""
    cells, growth_al = [], None
    for engine in (AL, TORCH):
        at10 = res.median("memory", engine, "rss_step10_mb")
        last = res.median("memory", engine, "rss_last_mb")
        text = None if at10 is None or last is None else f"{fmt(at10)} -> {fmt(last)}"
        cells.append(cell(res, "memory", engine, text))
        if engine == AL and text is not None:
            growth_al = last - at10
    peak = res.median("memory", AL) or 0.0
    tolerance = max(FLAT_TOLERANCE_MB, 0.05 * peak)
    return [
        "memory",
        f"RSS MB after step 10 -> {steps}",
        *cells,
        "",
        f"+{fmt(growth_al)} MB" if growth_al is not None else "-",
        f"flat (<= +{fmt(tolerance)} MB)",
        met(growth_al, tolerance),
    ]


def noise_line(res: Results, jobs: list[str]) -> str:
    """How many cores other processes used during each workload's jobs (median)."""
    parts = []
    for workload in jobs:
        loads = [
            r["others_cores"]
            for (w, _), rounds in res.rounds.items()
            if w == workload
            for r in rounds
            if r is not None and r.get("others_cores") is not None
        ]
        if loads:
            parts.append(f"{workload} {statistics.median(loads):.1f}")
    if not parts:
        return "Other processes' CPU use: unknown (no /proc/stat)."
    return (
        "Cores used by other processes during the jobs (median per workload; 0 on a quiet "
        "machine): " + ", ".join(parts)
    )


def table(rows: list[list[str]]) -> list[str]:
    """A Markdown table (pastes into the README as it is)."""
    head = ["workload", "metric", "autograd-lite", "PyTorch", "micrograd", "ratio", "target", "met"]
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"

    return [line(head), "|" + "|".join("-" * (w + 2) for w in widths) + "|"] + [
        line(r) for r in rows
    ]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--threads", type=int, default=2, help="threads for both engines")
    parser.add_argument("--json", metavar="PATH", help="also write all results as JSON")
    parser.add_argument("--quick", action="store_true", help="smoke test: 1 round, few steps")
    parser.add_argument("--rounds", type=int, help="rounds (default 5, 1 with --quick)")
    parser.add_argument(
        "--workloads",
        default=",".join(BENCHMARKS),
        help="comma-separated subset of: " + ", ".join(BENCHMARKS),
    )
    parser.add_argument("--timeout", type=float, help="seconds per worker (default 1200/180)")
    parser.add_argument(
        "--settle",
        type=float,
        default=0.0,
        help="seconds to wait for a quiet machine before each job (default 0)",
    )
    parser.add_argument(
        "--retries",
        type=int,
        default=0,
        help="re-runs of a job disturbed by other processes (default 0)",
    )
    args = parser.parse_args(argv)
    args.workloads = [w.strip() for w in args.workloads.split(",") if w.strip()]
    unknown = sorted(set(args.workloads) - set(BENCHMARKS))
    if unknown:
        parser.error(f"unknown workload(s): {', '.join(unknown)}")
    if args.rounds is None:
        args.rounds = 1 if args.quick else 5
    if args.timeout is None:
        args.timeout = 180.0 if args.quick else 1200.0
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    env = worker_env(args.threads)
    start = time.perf_counter()
    info = machine_info(args, env)
    res = Results()
    jobs = list(args.workloads)
    if "mlp_step_large" in jobs:
        jobs.append("matmul_limit")
    for r in range(args.rounds):
        for workload in jobs:
            if r >= MAX_ROUNDS.get(workload, args.rounds):
                continue
            engines = WORKLOADS[workload][1]
            for engine in engines if r % 2 == 0 else engines[::-1]:
                status = res.status.get((workload, engine), "ok")
                if status.startswith("unavailable"):
                    continue  # no point asking again every round
                result, status = measure(workload, engine, args, env, start, r)
                res.add(workload, engine, result, status)
    rows = build_rows(res, args)
    out = [*header(info, args), "", *table(rows)]
    out.append("")
    out.append(
        "Memory is RSS (resident set size) above a baseline taken after imports and data: "
        "NumPy reports to tracemalloc but PyTorch does not, so only RSS compares both."
    )
    out.append(
        "% of NumPy matmul: FLOPs of a step (forward 2·B·Σ in·out, backward twice that) / "
        "step time, against NumPy doing the same nine matmuls."
    )
    out.append(noise_line(res, jobs))
    elapsed = time.perf_counter() - start
    info["load_end"] = _load()
    out.append(
        f"total time {elapsed:.0f} s; 1-minute load average {info['load_start']} at the start, "
        f"{info['load_end']} at the end ({info['logical_cpus']} logical CPUs: a load above the "
        "thread count means other processes competed for the cores)"
    )
    print("\n".join(out))
    errors = [f"{w} {e}: {s}" for (w, e), s in res.status.items() if s.startswith("error")]
    if args.json:
        payload = {
            "machine": info,
            "args": {k: v for k, v in vars(args).items()},
            "rows": rows,
            "rounds": {f"{w}/{e}": v for (w, e), v in res.rounds.items()},
            "status": {f"{w}/{e}": s for (w, e), s in res.status.items()},
            "elapsed_s": elapsed,
        }
        Path(args.json).write_text(json.dumps(payload, indent=1))
    if errors:
        print("\nerrors:\n  " + "\n  ".join(errors), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
