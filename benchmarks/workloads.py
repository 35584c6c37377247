"""The benchmark workloads, and the worker that runs one of them in its own process.

``benchmarks/run.py`` starts this file once per (round, workload, engine)::

    python benchmarks/workloads.py WORKLOAD ENGINE --threads N [--quick]

The worker sets up the engine, runs the workload (warm-up steps first, never timed)
and prints one JSON line on stdout, the last line it prints:

    {"status": "ok", "value": 12.3, "extra": {...}}        the measurement
    {"status": "unavailable", "reason": "..."}             the engine side cannot be set up
                                                           (torch or nn not installed yet)

Any other failure is a real error: a traceback on stderr and a non-zero exit.

Engines: ``autograd-lite`` (``autograd_lite`` + ``nn``), ``torch`` (PyTorch, CPU),
``micrograd`` (Karpathy's scalar engine, for ``scalar_chain`` only) and ``numpy``
(the matmul throughput reference, ``matmul_limit`` only).

The workloads are written once against PyTorch's names (``nn.Linear``, ``opt.zero_grad()``,
``loss.backward()`` ...), so the same function body drives both engines.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

AL, TORCH, MICROGRAD, NUMPY = "autograd-lite", "torch", "micrograd", "numpy"

# Layer sizes and batch sizes of the training workloads (issue: benchmarks).
MLP_SIZES = (784, 256, 128, 10)
MLP_BATCH = 128
MLP_LARGE_SIZES = (784, 1024, 1024, 10)
MLP_LARGE_BATCH = 1024
CONV_BATCH = 32
CHAIN_OPS = 10  # ops in one chain of op_overhead / scalar_chain (see chain10)
DEEP_CHAIN_FULL = 1_000_000
DEEP_CHAIN_QUICK = 100_000
VECTOR_SIZES = (100_000, 1_000_000)  # vector_chain: 800 KB and 8 MB float64 arrays


@dataclass(frozen=True)
class Config:
    """How much work one worker does (``--quick`` shrinks everything)."""

    quick: bool
    threads: int

    def pick(self, full: Any, quick: Any) -> Any:
        return quick if self.quick else full


class Unavailable(Exception):
    """The engine side of a workload cannot be set up (a missing package or name)."""


def mlp_flops(sizes: tuple[int, ...], batch: int) -> float:
    """FLOPs of one training step of an MLP: forward 2·B·Σ(in·out), backward twice that.

    (The backward count includes dL/dx of the first layer, which neither engine needs;
    the NumPy reference in ``matmul_limit`` does the same nine matmuls, so the
    fraction of its throughput compares like with like.)
    """
    forward = 2.0 * batch * sum(a * b for a, b in itertools.pairwise(sizes))
    return 3.0 * forward


# -- memory --------------------------------------------------------------------------


def rss_mb() -> float:
    """Resident set size of this process now, in MB (Linux /proc; else the peak)."""
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError):
        return peak_rss_mb()


def peak_rss_mb() -> float:
    """Peak resident set size (``ru_maxrss``) in MB: KB on Linux, bytes on macOS."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


def memory_baseline() -> float:
    """Reset the peak RSS where the OS allows it (Linux ``clear_refs``), return RSS now.

    ``peak_rss_mb() - baseline`` is then the memory the workload added on top of the
    imports and the data. Without the reset (other systems), an import that briefly
    used more than the workload would hide the workload's peak.
    """
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass
    return rss_mb()


# -- engines -------------------------------------------------------------------------


@dataclass
class Engine:
    """What a workload needs from an engine, under PyTorch's names.

    ``nn`` is ``nn`` or ``torch.nn``, ``optim`` is ``nn.optim`` or ``torch.optim``;
    ``leaf(array)`` makes a tensor that requires grad, ``input(array)`` one that does
    not (it shares the array where the engine can).
    """

    name: str
    leaf: Callable[[Any], Any]
    input: Callable[[Any], Any]
    nn: Any = None
    optim: Any = None


def load_engine(name: str, cfg: Config, need_nn: bool = False) -> Engine:
    """Import an engine (raising ``Unavailable`` with the reason if it is missing)."""
    if name == AL:
        try:
            import autograd_lite as al
        except ImportError as exc:
            raise Unavailable(f"autograd_lite not importable: {exc}") from None
        engine = Engine(
            AL,
            leaf=lambda a: al.tensor(a, requires_grad=True),
            input=lambda a: al.Tensor(a),
        )
        if need_nn:
            try:
                import nn

                engine.nn, engine.optim = nn, nn.optim
            except (ImportError, AttributeError) as exc:
                raise Unavailable(f"nn not ready: {exc}") from None
        return engine
    if name == TORCH:
        try:
            import torch
        except ImportError:
            raise Unavailable("PyTorch not installed") from None
        torch.set_num_threads(cfg.threads)
        return Engine(
            TORCH,
            leaf=lambda a: torch.tensor(a, requires_grad=True),
            input=torch.from_numpy,
            nn=torch.nn,
            optim=torch.optim,
        )
    if name == MICROGRAD:
        try:
            from micrograd.engine import Value
        except ImportError:
            raise Unavailable("micrograd not installed: pip install micrograd") from None
        return Engine(MICROGRAD, leaf=lambda a: Value(float(a)), input=float)
    raise ValueError(f"unknown engine {name!r}")


def build(engine: Engine, make: Callable[[Any], Any]) -> Any:
    """Call ``make(engine.nn)``, turning a missing layer name into ``Unavailable``."""
    try:
        return make(engine.nn)
    except (AttributeError, ImportError) as exc:
        raise Unavailable(f"nn not ready: {exc}") from None


# -- op overhead: short chains of elementwise ops ----------------------------------


def chain10(a: Any, b: Any) -> Any:
    """Ten elementwise ops on two inputs, using only what every engine has
    (micrograd's ``Value`` has +, *, ** and relu). Values stay in about [0.5, 6]."""
    y = a * b
    y = y + a
    y = y * b
    y = y.relu()
    y = y + 1.0
    y = y * a
    y = y**2
    y = y + b
    y = y * 0.5
    return y.relu()


def chain_workload(
    engine_name: str,
    cfg: Config,
    shape: tuple[int, ...],
    dtype: str = "float32",
    counts: tuple[int, int, int] | None = None,
) -> dict:
    """Forward + backward of ``chain10``; the value is µs per op (time / 10 ops).

    Each iteration clears the leaves' gradients (so no accumulation op is timed),
    builds the chain and backpropagates through it. Value: the median over blocks of
    iterations of (block time / (iterations x 10)). ``counts``: (warm-up iterations,
    iterations per block, blocks), by default those of the small chains.
    """
    import numpy as np

    warmup, per_block, n_blocks = counts or (
        cfg.pick(300, 100),
        cfg.pick(200, 100),
        cfg.pick(15, 5),
    )
    engine = load_engine(engine_name, cfg)
    rng = np.random.default_rng(0)
    a_np, b_np = (rng.uniform(0.5, 1.0, size=shape).astype(dtype) for _ in range(2))
    if engine.name == MICROGRAD:
        if shape != ():
            raise Unavailable("micrograd has scalars only")
        a, b = engine.leaf(a_np), engine.leaf(b_np)
        seed = None
        zero = 0.0
    else:
        a, b = engine.leaf(a_np), engine.leaf(b_np)
        # A (4,) output needs an explicit seed gradient; a 0-d one defaults to 1.
        seed = None if shape == () else engine.input(np.ones(shape, dtype))
        zero = None

    def iteration() -> None:
        a.grad = zero
        b.grad = zero
        y = chain10(a, b)
        if seed is None:
            y.backward()
        else:
            y.backward(seed)

    for _ in range(warmup):
        iteration()
    blocks = []
    for _ in range(n_blocks):
        t0 = time.perf_counter()
        for _ in range(per_block):
            iteration()
        blocks.append((time.perf_counter() - t0) / (per_block * CHAIN_OPS) * 1e6)
    grad = float(np.asarray(a.grad if engine.name == MICROGRAD else a.grad.detach()).sum())
    if not np.isfinite(grad):
        raise RuntimeError(f"chain gradient is not finite: {grad}")
    return {"value": statistics.median(blocks), "extra": {"blocks": len(blocks)}}


def op_overhead(engine_name: str, cfg: Config) -> dict:
    """10 elementwise ops on (4,) float32 tensors, forward + backward: µs per op."""
    return chain_workload(engine_name, cfg, (4,))


def scalar_chain(engine_name: str, cfg: Config) -> dict:
    """The same chain on 0-d tensors (micrograd's use): µs per op."""
    return chain_workload(engine_name, cfg, ())


def vector_chain(engine_name: str, cfg: Config) -> dict:
    """The same chain on float64 vectors of 100,000 elements (800 KB per temporary) and of
    1,000,000 (8 MB): µs per op at 10⁵ (value) and at 10⁶ (extra ``us_per_op_1e6``).

    Mid-size arrays, between the small chains and the training steps: every op makes and
    drops temporaries of this size, so what the allocator does with them shows here (an
    mmap and 196 page faults per 800 KB array under a fixed mmap threshold, issue 24).
    """
    small = chain_workload(
        engine_name, cfg, (VECTOR_SIZES[0],), "float64", cfg.pick((10, 10, 7), (2, 5, 2))
    )
    large = chain_workload(
        engine_name, cfg, (VECTOR_SIZES[1],), "float64", cfg.pick((3, 3, 5), (1, 2, 1))
    )
    return {"value": small["value"], "extra": {"us_per_op_1e6": large["value"]}}


# -- training steps -------------------------------------------------------------------


def make_mlp(nn: Any, sizes: tuple[int, ...]) -> Any:
    """Linear-ReLU-...-Linear with the given layer widths."""
    layers: list[Any] = []
    for i, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
        if i:
            layers.append(nn.ReLU())
        layers.append(nn.Linear(n_in, n_out))
    return nn.Sequential(*layers)


def make_convnet(nn: Any) -> Any:
    """Conv(1→8)-ReLU-Pool-Conv(8→16)-ReLU-Pool-Flatten-Linear(784→10), for 1x28x28."""
    return nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(16 * 7 * 7, 10),
    )


def train_step(model: Any, loss_fn: Any, opt: Any, x: Any, y: Any) -> Any:
    """One SGD step, written with PyTorch's names (the same code for both engines)."""
    opt.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    opt.step()
    return loss


def setup_training(engine_name: str, cfg: Config, make_model: Callable, x_shape: tuple) -> tuple:
    """Engine, model, loss, optimizer and one batch of random data (seeded, float32)."""
    import numpy as np

    engine = load_engine(engine_name, cfg, need_nn=True)
    model = build(engine, make_model)
    loss_fn = build(engine, lambda nn: nn.CrossEntropyLoss())
    opt = build(engine, lambda nn: engine.optim.SGD(model.parameters(), lr=0.01))
    rng = np.random.default_rng(0)
    x = engine.input(rng.standard_normal(x_shape, dtype=np.float32))
    y = engine.input(rng.integers(0, 10, size=x_shape[0]).astype(np.int64))
    return engine, model, loss_fn, opt, x, y


def time_steps(step: Callable[[], Any], warmup: int, steps: int) -> tuple[list[float], Any]:
    """Run ``warmup`` untimed steps, then time ``steps`` steps one by one (seconds)."""
    for _ in range(warmup):
        step()
    times, out = [], None
    for _ in range(steps):
        t0 = time.perf_counter()
        out = step()
        times.append(time.perf_counter() - t0)
    return times, out


def training_workload(
    engine_name: str, cfg: Config, make_model: Callable, x_shape: tuple, warmup: int, steps: int
) -> dict:
    """Milliseconds per training step (forward, backward, update): median over steps."""
    _, model, loss_fn, opt, x, y = setup_training(engine_name, cfg, make_model, x_shape)
    times, loss = time_steps(lambda: train_step(model, loss_fn, opt, x, y), warmup, steps)
    final = float(loss.item())
    if final != final:  # NaN: the step is broken, the timing meaningless
        raise RuntimeError("training loss is NaN")
    return {
        "value": statistics.median(times) * 1e3,
        "extra": {"steps": steps, "final_loss": final, "min_ms": min(times) * 1e3},
    }


def mlp_workload(
    engine_name: str, cfg: Config, sizes: tuple[int, ...], batch: int, warmup: int, steps: int
) -> dict:
    """An MLP of the given layer widths (``make_mlp``) trained on batches of ``batch``
    random inputs: ms per step (``training_workload``)."""
    return training_workload(
        engine_name, cfg, lambda nn: make_mlp(nn, sizes), (batch, sizes[0]), warmup, steps
    )


def mlp_step(engine_name: str, cfg: Config) -> dict:
    """MLP 784-256-128-10, ReLU, cross-entropy, SGD, batch 128: ms per step."""
    return mlp_workload(engine_name, cfg, MLP_SIZES, MLP_BATCH, cfg.pick(5, 3), cfg.pick(30, 5))


def mlp_step_large(engine_name: str, cfg: Config) -> dict:
    """MLP 784-1024-1024-10, batch 1024: ms per step (and GFLOP/s achieved)."""
    result = mlp_workload(
        engine_name, cfg, MLP_LARGE_SIZES, MLP_LARGE_BATCH, cfg.pick(3, 1), cfg.pick(10, 2)
    )
    flops = mlp_flops(MLP_LARGE_SIZES, MLP_LARGE_BATCH)
    result["extra"]["gflops"] = flops / (result["value"] / 1e3) / 1e9
    return result


def conv_step(engine_name: str, cfg: Config) -> dict:
    """The small convnet on a batch of 32 1x28x28 images: ms per step."""
    return training_workload(
        engine_name,
        cfg,
        make_convnet,
        (CONV_BATCH, 1, 28, 28),
        warmup=cfg.pick(3, 2),
        steps=cfg.pick(20, 5),
    )


# -- memory ---------------------------------------------------------------------------


def deep_chain(engine_name: str, cfg: Config) -> dict:
    """Backward through a chain of 1,000,000 elementwise ops (100,000 with --quick).

    The chain alternates ``y * 1.0`` and ``y + 1e-6`` on a 0-d float32 tensor. Value:
    seconds of backward; extra: seconds to build the chain (forward) and the peak RSS
    above the baseline taken after the imports.
    """
    import numpy as np

    engine = load_engine(engine_name, cfg)
    n = cfg.pick(DEEP_CHAIN_FULL, DEEP_CHAIN_QUICK)
    x = engine.leaf(np.array(1.0, dtype=np.float32))
    baseline = memory_baseline()
    t0 = time.perf_counter()
    y = x
    for _i in range(n // 2):
        y = y * 1.0
        y = y + 1e-6
    t1 = time.perf_counter()
    y.backward()
    t2 = time.perf_counter()
    grad = float(np.asarray(x.grad.detach()))
    if abs(grad - 1.0) > 1e-3:
        raise RuntimeError(f"deep_chain: d(y)/d(x) should be 1, got {grad}")
    peak = peak_rss_mb() - baseline
    return {"value": t2 - t1, "extra": {"ops": n, "forward_s": t1 - t0, "peak_mb": peak}}


def memory(engine_name: str, cfg: Config) -> dict:
    """Peak RSS over 100 steps of mlp_step_large (11 with --quick), above the baseline
    taken after imports, data, model and optimizer; and the RSS after step 10 and after
    the last step, which should be equal (memory flat across steps).

    RSS, not tracemalloc: NumPy reports its allocations to tracemalloc but PyTorch does
    not, so only RSS compares the two engines.
    """
    _, model, loss_fn, opt, x, y = setup_training(
        engine_name,
        cfg,
        lambda nn: make_mlp(nn, MLP_LARGE_SIZES),
        (MLP_LARGE_BATCH, MLP_LARGE_SIZES[0]),
    )
    steps = cfg.pick(100, 11)
    baseline = memory_baseline()
    rss_at_10 = None
    for i in range(1, steps + 1):
        train_step(model, loss_fn, opt, x, y)
        if i == 10:
            rss_at_10 = rss_mb() - baseline
    rss_last = rss_mb() - baseline
    return {
        "value": peak_rss_mb() - baseline,
        "extra": {"steps": steps, "rss_step10_mb": rss_at_10, "rss_last_mb": rss_last},
    }


# -- nested reverse mode -----------------------------------------------------------------

# Steps (n, then 2n or more) of the two nested-AD programs; quick: fewer.
NESTED_STEPS = {"particle": (20, 160), "newton": (10, 20)}
NESTED_STEPS_QUICK = {"particle": (10, 40), "newton": (3, 6)}


def nested_ad(engine_name: str, cfg: Config) -> dict:
    """The outer gradient of a loop of inner gradients (``benchmarks/nested_ad.py``), at a
    short and a long loop: ms per step of each. Value: the particle's (reverse over reverse)
    ms per step at the long loop. Extra: ``{program}_short`` / ``_long`` ms per step and
    ``{program}_growth`` = long / short (1 when the work is linear in the steps, 8 at
    160 / 20 when it is quadratic), for ``particle`` and ``newton`` (``func.hessian``
    inside an outer ``grad``). Each: the fastest of a few runs (one with --quick).
    """
    import nested_ad as programs

    load_engine(engine_name, cfg)  # (the thread count for torch; Unavailable if missing)
    lib = programs.make_lib(engine_name)
    steps = cfg.pick(NESTED_STEPS, NESTED_STEPS_QUICK)
    runs = {"particle": (programs.particle_grad, 0.1), "newton": (programs.newton_grad, 0.3)}
    extra: dict[str, Any] = {"steps": steps}
    for program, (gradient, start) in runs.items():
        gradient(lib, lib.tensor(start), 2)  # warm-up
        per_step = []
        for n in steps[program]:
            best = float("inf")
            for _ in range(cfg.pick(3, 1)):
                t0 = time.perf_counter()
                g = gradient(lib, lib.tensor(start), n)
                best = min(best, time.perf_counter() - t0)
            if not float(g) == float(g):  # NaN: the program is broken, the timing meaningless
                raise RuntimeError(f"nested_ad: the {program} gradient at {n} steps is NaN")
            per_step.append(best / n * 1e3)
        extra[f"{program}_short"], extra[f"{program}_long"] = per_step
        extra[f"{program}_growth"] = per_step[1] / per_step[0]
    return {"value": extra["particle_long"], "extra": extra}


# -- the physical limit ----------------------------------------------------------------


def matmul_limit(engine_name: str, cfg: Config) -> dict:
    """NumPy float32 matmul GFLOP/s on the nine matmuls of an mlp_step_large step.

    Forward x @ Wᵀ for the three layers, backward Gᵀ @ x (weight gradient) and G @ W
    (input gradient) for each: exactly the FLOPs ``mlp_flops`` counts, with the same
    transposed-view layouts the engine uses. Median over repetitions.
    """
    if engine_name != NUMPY:
        raise Unavailable("matmul_limit is measured with NumPy only")
    import numpy as np

    rng = np.random.default_rng(0)
    sizes, batch = MLP_LARGE_SIZES, MLP_LARGE_BATCH
    weights = [
        rng.standard_normal((n_out, n_in), dtype=np.float32)
        for n_in, n_out in itertools.pairwise(sizes)
    ]
    acts = [rng.standard_normal((batch, n), dtype=np.float32) for n in sizes]

    def one_step() -> None:
        for w, a in zip(weights, acts):  # forward
            a @ w.T
        for w, a, g in zip(weights, acts, acts[1:]):  # backward
            g.T @ a
            g @ w

    times, _ = time_steps(one_step, warmup=cfg.pick(2, 1), steps=cfg.pick(10, 3))
    gflops = mlp_flops(sizes, batch) / statistics.median(times) / 1e9
    return {"value": gflops, "extra": {"ms": statistics.median(times) * 1e3}}


# -- machine facts ------------------------------------------------------------------------


def info(engine_name: str, cfg: Config) -> dict:
    """Versions, BLAS and thread facts of an engine, as the workers see them."""
    facts: dict[str, Any] = {}
    if engine_name == NUMPY:
        import numpy as np

        facts["numpy"] = np.__version__
        try:
            from threadpoolctl import threadpool_info

            facts["blas"] = [
                f"{p.get('internal_api')} {p.get('version')} ({p.get('architecture')}, "
                f"{p.get('num_threads')} threads, {p.get('threading_layer')})"
                for p in threadpool_info()
            ]
        except ImportError:
            blas = np.show_config(mode="dicts").get("Build Dependencies", {}).get("blas", {})
            facts["blas"] = [f"{blas.get('name')} {blas.get('version')} (threadpoolctl absent)"]
    elif engine_name == TORCH:
        load_engine(TORCH, cfg)
        import torch

        facts["torch"] = torch.__version__
        facts["torch_threads"] = torch.get_num_threads()
        facts["torch_mkl"] = bool(torch.backends.mkl.is_available())
    else:
        raise Unavailable(f"no info for {engine_name}")
    return {"value": 0.0, "extra": facts}


# name -> (function, engines it runs on)
WORKLOADS: dict[str, tuple[Callable[[str, Config], dict], tuple[str, ...]]] = {
    "op_overhead": (op_overhead, (AL, TORCH)),
    "scalar_chain": (scalar_chain, (AL, TORCH, MICROGRAD)),
    "vector_chain": (vector_chain, (AL, TORCH)),
    "mlp_step": (mlp_step, (AL, TORCH)),
    "mlp_step_large": (mlp_step_large, (AL, TORCH)),
    "conv_step": (conv_step, (AL, TORCH)),
    "deep_chain": (deep_chain, (AL, TORCH)),
    "memory": (memory, (AL, TORCH)),
    "nested_ad": (nested_ad, (AL, TORCH)),
    "matmul_limit": (matmul_limit, (NUMPY,)),
    "info": (info, (NUMPY, TORCH)),
}


def main(argv: list[str] | None = None) -> int:
    """Worker entry point: run one workload on one engine, print one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workload", choices=sorted(WORKLOADS))
    parser.add_argument("engine", choices=[AL, TORCH, MICROGRAD, NUMPY])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    cfg = Config(quick=args.quick, threads=args.threads)
    fn, _ = WORKLOADS[args.workload]
    try:
        result = {"status": "ok", **fn(args.engine, cfg)}
    except Unavailable as exc:
        result = {"status": "unavailable", "reason": str(exc)}
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
