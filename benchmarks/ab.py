"""Interleaved A/B timing of two (or more) source trees on small engine workloads.

On a shared machine a benchmark run's ratios move by several per cent from one minute to
the next, more than the change being measured. This script compares trees *interleaved*:
it starts one fresh process per (alternation, tree, case), in the order A, B, A, B, ...,
each importing its tree through ``PYTHONPATH``, so that both sides see the same load.
Each process warms up, times ``--blocks`` blocks of iterations and reports its fastest
block, in wall time and in the process's CPU time (which the other processes on the machine
disturb less: they take cores away, which stops the clock of CPU time but not of wall time).
The summary gives, per side, the fastest and the median of those per-process values, and
the ratio of the medians to the first tree's (below 1 is faster). BLAS runs one thread::

    python benchmarks/ab.py --tree main=/path/to/main --tree new=. \\
        --cases chain100,tiny_op,linear_sgd --alternations 12

A tree given as ``NAME=`` (no path) does not import autograd_lite at all: with the NumPy
cases (``np_add``, ``np_exp``) it checks that ``import autograd_lite`` slows no NumPy op::

    python benchmarks/ab.py --tree numpy= --tree imported=. --cases np_add,np_exp

Cases (times are µs per iteration):

- ``chain100``: 100 ops on two 0-d float32 tensors (``*``, ``+``, relu, ``* 0.5``,
  ``+ 1.0``, repeated), then ``backward()``.
- ``tiny_op``: one ``a * b`` on 0-d tensors, then ``backward()``.
- ``linear_sgd``: ``Linear(2, 100)``-ReLU-``Linear(100, 3)``, cross-entropy on a batch of
  16, ``zero_grad``, ``backward``, ``SGD.step``.
- ``np_add``, ``np_exp``: ``np.add(x, y)`` / ``np.exp(x)`` on float64 arrays of 16 elements.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

HERE = os.path.abspath(__file__)


# -- the cases (run inside the worker process) -----------------------------------------


def _case_chain100() -> Callable[[], None]:
    import numpy as np

    import autograd_lite as al

    a = al.tensor(np.float32(0.7), requires_grad=True)
    b = al.tensor(np.float32(0.9), requires_grad=True)

    def run() -> None:
        a.grad = b.grad = None
        y = a
        for _ in range(20):
            y = y * b
            y = y + a
            y = y.relu()
            y = y * 0.5
            y = y + 1.0
        y.backward()

    return run


def _case_tiny_op() -> Callable[[], None]:
    import numpy as np

    import autograd_lite as al

    a = al.tensor(np.float32(0.7), requires_grad=True)
    b = al.tensor(np.float32(0.9), requires_grad=True)

    def run() -> None:
        a.grad = b.grad = None
        (a * b).backward()

    return run


def _case_linear_sgd() -> Callable[[], None]:
    import numpy as np

    import autograd_lite as al
    import nn

    al.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 100), nn.ReLU(), nn.Linear(100, 3))
    loss_fn = nn.CrossEntropyLoss()
    opt = nn.optim.SGD(model.parameters(), lr=0.01)
    rng = np.random.default_rng(0)
    x = al.tensor(rng.standard_normal((16, 2)).astype(np.float32))
    y = al.tensor(rng.integers(0, 3, size=16))

    def run() -> None:
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()

    return run


def _numpy_case(name: str) -> Callable[[], Callable[[], None]]:
    def setup() -> Callable[[], None]:
        import numpy as np

        if os.environ.get("AB_IMPORT") == "1":
            import autograd_lite  # noqa: F401 - the import is what is measured

        x = np.linspace(0.1, 1.0, 16)
        y = np.linspace(1.0, 2.0, 16)
        op = np.add if name == "np_add" else np.exp
        args = (x, y) if name == "np_add" else (x,)

        def run() -> None:
            for _ in range(100):  # (an op alone is shorter than the loop around it)
                op(*args)

        return run

    return setup


CASES: dict[str, tuple[Callable[[], Callable[[], None]], int]] = {
    # name: (setup returning the iteration, iterations per block)
    "chain100": (_case_chain100, 50),
    "tiny_op": (_case_tiny_op, 2000),
    "linear_sgd": (_case_linear_sgd, 200),
    "np_add": (_numpy_case("np_add"), 2000),
    "np_exp": (_numpy_case("np_exp"), 2000),
}
PER_CALL = {"np_add": 100, "np_exp": 100}  # operations per iteration of a NumPy case


def worker(case: str, blocks: int) -> None:
    """Time ``case`` in this process: print the fastest block's µs per iteration, in wall
    time and in CPU time: {"wall": ..., "cpu": ...}."""
    setup, per_block = CASES[case]
    run = setup()
    for _ in range(per_block // 2 + 10):  # warm-up
        run()
    wall = cpu = float("inf")
    scale = 1e6 / per_block / PER_CALL.get(case, 1)
    for _ in range(blocks):
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(per_block):
            run()
        wall = min(wall, (time.perf_counter() - t0) * scale)
        cpu = min(cpu, (time.process_time() - c0) * scale)
    print(json.dumps({"wall": wall, "cpu": cpu}))


# -- the driver ------------------------------------------------------------------------


def run_one(path: str, case: str, blocks: int) -> dict[str, float]:
    """One fresh process of ``case`` with ``path`` on PYTHONPATH (none: no autograd_lite)."""
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    for threads in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[threads] = "1"
    env["AB_IMPORT"] = "0"
    if path:
        env["PYTHONPATH"] = os.path.abspath(path)
        env["AB_IMPORT"] = "1"
    out = subprocess.run(
        [sys.executable, HERE, "--worker", case, "--blocks", str(blocks)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd="/",  # (not a tree's root: the import must come from PYTHONPATH)
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tree", action="append", default=[], help="NAME=PATH (2 or more)")
    parser.add_argument("--cases", default="chain100,tiny_op,linear_sgd")
    parser.add_argument("--alternations", type=int, default=12)
    parser.add_argument("--blocks", type=int, default=7, help="timed blocks per process")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.blocks)
        return
    trees = [t.split("=", 1) for t in args.tree]
    if len(trees) < 2 or any(len(t) != 2 for t in trees):
        parser.error("give two or more --tree NAME=PATH")
    cases = args.cases.split(",")
    for case in cases:
        if case not in CASES:
            parser.error(f"unknown case {case!r}; the cases: {', '.join(CASES)}")
    times: dict[tuple[str, str], list[dict[str, float]]] = {}
    loads = []
    for i in range(args.alternations):
        order = trees if i % 2 == 0 else trees[::-1]  # (who goes first alternates too)
        for case in cases:
            for name, path in order:
                times.setdefault((case, name), []).append(run_one(path, case, args.blocks))
        loads.append(os.getloadavg()[0])
    print(
        f"{args.alternations} alternations, {args.blocks} blocks per process; load average "
        f"(1 min) during the run: {min(loads):.1f} to {max(loads):.1f}"
    )
    print("µs per iteration: fastest and median over processes of each one's fastest block")
    header = f"{'case':<12}{'tree':<10}"
    for clock in ("wall", "cpu"):
        header += f"{clock + ' fastest':>14}{'median':>10}{'ratio':>7}"
    print(header)
    for case in cases:
        for name, _ in trees:
            line = f"{case:<12}{name:<10}"
            for clock in ("wall", "cpu"):
                ts = [t[clock] for t in times[(case, name)]]
                first = statistics.median(t[clock] for t in times[(case, trees[0][0])])
                med = statistics.median(ts)
                line += f"{min(ts):>14.3f}{med:>10.3f}{med / first:>7.3f}"
            print(line)


if __name__ == "__main__":
    main()
