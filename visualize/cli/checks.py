"""``autograd-lite gradcheck``: every built-in differentiable op and layer, checked numerically.

For each case we build small float64 inputs (values kept away from kinks such as 0 for
relu/abs), compute the output ``y``, and compare the gradient of ``sum(y * v)`` for a
fixed random ``v`` computed two ways:

* analytic: ``backward`` (what the engine does),
* numerical: central differences, ``autograd_lite.numerical_grad``.

An element passes when ``|analytic - numeric| <= atol + rtol * |numeric|`` (the rule of
``autograd_lite.gradcheck``). The table reports each case's largest relative error
``|a - n| / max(|a|, |n|)``, the cs231n measure (about 1e-7 or less is healthy; above
1e-2 is a bug). Elements whose gradients are both below ``atol`` are compared as zero,
so rounding noise around 0 does not look like a large relative error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograd_lite.ops.table import OPS, OpInfo, Sample

ATOL = 1e-5
RTOL = 1e-3


@dataclass
class CheckResult:
    """One row of the table."""

    name: str
    max_rel_error: float  # nan when the check could not run
    passed: bool
    note: str = ""


# build(rng) -> (f, tensors): f() computes the output from tensors, the leaves whose
# gradients are checked (numerical differentiation perturbs them in place).
Builder = Callable[[np.random.Generator], tuple[Callable[[], Any], list[Any]]]


@dataclass
class Case:
    """One op or layer to check: its table name and how to build it."""

    name: str
    build: Builder


def _leaf(a: np.ndarray) -> Any:
    import autograd_lite as al

    return al.tensor(np.asarray(a, dtype=np.float64), requires_grad=True)


def _away_from_zero(rng: np.random.Generator, *shape: int) -> np.ndarray:
    """Values in +-[0.5, 1.5]: far from the kinks of relu, abs, sqrt and log at 0."""
    return rng.uniform(0.5, 1.5, shape) * rng.choice([-1.0, 1.0], shape)


def _sample(row: OpInfo, sample: Sample) -> Builder:
    """A case from an op table sample: its inputs drawn from their domains (elementwise ops
    on (3, 4); a second input broadcast from (4,))."""

    def build(rng: np.random.Generator) -> tuple[Callable[[], Any], list[Any]]:
        n = sample.n_inputs
        sizes = sample.shapes or ((3, 4), (4,), (3, 4))[:n]
        tensors = [_leaf(sample.domain(i).draw(rng, sizes[i])) for i in range(n)]
        return (lambda: sample.call(row.function, tensors)), tensors

    return build


def op_cases() -> list[Case]:
    """The engine's differentiable ops: every sample of every row of the op table."""
    return [
        Case(f"{row.name} ({sample.label})" if sample.label else row.name, _sample(row, sample))
        for row in OPS
        for sample in row.samples
    ]


@contextmanager
def float64_default() -> Iterator[None]:
    """Inside, Python floats and new parameters are float64 (numerical gradients and the
    calculator need it); the previous default dtype comes back after."""
    import autograd_lite as al

    old = al.get_default_dtype()
    al.set_default_dtype(np.float64)
    try:
        yield
    finally:
        al.set_default_dtype(old)


def _layer(make: Callable[[Any], Any], x_shape: tuple, positive: bool = False) -> Builder:
    """A layer checked for its input and every parameter."""

    def build(rng: np.random.Generator) -> tuple[Callable[[], Any], list[Any]]:
        import nn

        layer = make(nn)
        x0 = _away_from_zero(rng, *x_shape)
        x = _leaf(np.abs(x0) if positive else x0)
        params = list(layer.parameters()) if hasattr(layer, "parameters") else []
        for p in params:
            p.data = p.data.astype(np.float64)
        return (lambda: layer(x)), [x, *params]

    return build


def _dropout(rng: np.random.Generator) -> tuple[Callable[[], Any], list[Any]]:
    import autograd_lite as al
    import nn

    layer = nn.Dropout(0.5)
    x = _leaf(_away_from_zero(rng, 4, 5))

    def f() -> Any:
        al.manual_seed(0)  # the same mask on every call, so differences see one function
        return layer(x)

    return f, [x]


def _loss(
    make: Callable[[Any], Any], target: Callable[[np.random.Generator], Any], kind: str
) -> Builder:
    """A loss checked for its prediction input: ``loss(pred, target)``."""

    def build(rng: np.random.Generator) -> tuple[Callable[[], Any], list[Any]]:
        import autograd_lite as al
        import nn

        loss_fn = make(nn)
        raw = rng.normal(size=(6, 4))
        if kind == "probabilities":  # BCELoss wants values in (0, 1)
            raw = rng.uniform(0.1, 0.9, size=(6, 4))
        elif kind == "log_probabilities":  # NLLLoss wants log-probabilities
            raw = raw - np.log(np.exp(raw).sum(axis=1, keepdims=True))
        pred = _leaf(raw)
        t = target(rng)
        t = al.tensor(t) if isinstance(t, np.ndarray) else t
        return (lambda: loss_fn(pred, t)), [pred]

    return build


def _class_targets(rng: np.random.Generator) -> np.ndarray:
    return rng.integers(0, 4, size=6).astype(np.int64)


def _float_targets(rng: np.random.Generator) -> np.ndarray:
    return rng.normal(size=(6, 4))


def _binary_targets(rng: np.random.Generator) -> np.ndarray:
    return rng.integers(0, 2, size=(6, 4)).astype(np.float64)


def layer_cases() -> list[Case]:
    """nn's layers and losses (PyTorch's names); empty when nn cannot be imported."""
    try:
        import nn  # noqa: F401 - only checking that it is there
    except Exception:
        return []
    return [
        Case("nn.Linear", _layer(lambda nn: nn.Linear(3, 4), (5, 3))),
        Case("nn.Conv2d", _layer(lambda nn: nn.Conv2d(2, 3, 3, stride=1, padding=1), (2, 2, 5, 5))),
        Case("nn.MaxPool2d", _layer(lambda nn: nn.MaxPool2d(2), (1, 2, 4, 4))),
        Case("nn.AvgPool2d", _layer(lambda nn: nn.AvgPool2d(2), (1, 2, 4, 4))),
        Case("nn.BatchNorm1d", _layer(lambda nn: nn.BatchNorm1d(3), (6, 3))),
        Case("nn.BatchNorm2d", _layer(lambda nn: nn.BatchNorm2d(2), (3, 2, 3, 3))),
        Case("nn.Flatten", _layer(lambda nn: nn.Flatten(), (2, 3, 2))),
        Case("nn.Identity", _layer(lambda nn: nn.Identity(), (3, 4))),
        Case("nn.Dropout", _dropout),
        Case("nn.Maxout", _layer(lambda nn: nn.Maxout(4, 2, 3), (5, 4))),
        Case("nn.ReLU", _layer(lambda nn: nn.ReLU(), (3, 4))),
        Case("nn.LeakyReLU", _layer(lambda nn: nn.LeakyReLU(0.1), (3, 4))),
        Case("nn.Sigmoid", _layer(lambda nn: nn.Sigmoid(), (3, 4))),
        Case("nn.Tanh", _layer(lambda nn: nn.Tanh(), (3, 4))),
        Case("nn.ELU", _layer(lambda nn: nn.ELU(), (3, 4))),
        Case("nn.GELU", _layer(lambda nn: nn.GELU(), (3, 4))),
        Case("nn.Softmax", _layer(lambda nn: nn.Softmax(dim=1), (3, 4))),
        Case("nn.LogSoftmax", _layer(lambda nn: nn.LogSoftmax(dim=1), (3, 4))),
        Case("nn.MSELoss", _loss(lambda nn: nn.MSELoss(), _float_targets, "any")),
        Case("nn.L1Loss", _loss(lambda nn: nn.L1Loss(), _float_targets, "any")),
        Case("nn.BCELoss", _loss(lambda nn: nn.BCELoss(), _binary_targets, "probabilities")),
        Case(
            "nn.BCEWithLogitsLoss",
            _loss(lambda nn: nn.BCEWithLogitsLoss(), _binary_targets, "any"),
        ),
        Case("nn.CrossEntropyLoss", _loss(lambda nn: nn.CrossEntropyLoss(), _class_targets, "any")),
        Case("nn.NLLLoss", _loss(lambda nn: nn.NLLLoss(), _class_targets, "log_probabilities")),
        Case("nn.MultiMarginLoss", _loss(lambda nn: nn.MultiMarginLoss(), _class_targets, "any")),
        Case(
            "nn.MulticlassSVMLoss",
            _loss(lambda nn: nn.MulticlassSVMLoss(), _class_targets, "any"),
        ),
    ]


def check(case: Case, seed: int = 0) -> CheckResult:
    """Run one case: compare backward's gradients with central differences."""
    import autograd_lite as al

    rng = np.random.default_rng(seed)
    try:
        with float64_default():
            f, tensors = case.build(rng)
            out = f()
            v = np.random.default_rng(seed + 1).standard_normal(out.shape)
            for t in tensors:
                t.grad = None
            (out * al.tensor(v)).sum().backward()
            analytic = [
                np.zeros(t.shape) if t.grad is None else np.asarray(t.grad.data, dtype=np.float64)
                for t in tensors
            ]
            # numerical_grad perturbs each tensor in place and calls f: our f ignores its
            # arguments and reads the (perturbed) tensors it closed over.
            numeric = al.numerical_grad(lambda *_: f(), tensors, grad_output=v)
    except Exception as exc:  # a case that cannot even run is a failure worth a row
        return CheckResult(case.name, float("nan"), False, f"{type(exc).__name__}: {exc}")
    worst, passed = 0.0, True
    for a, n in zip(analytic, numeric):
        diff = np.abs(a - n)
        passed = passed and bool(np.all(diff <= ATOL + RTOL * np.abs(n)))
        scale = np.maximum(np.maximum(np.abs(a), np.abs(n)), ATOL)
        worst = max(worst, float(np.max(diff / scale, initial=0.0)))
    return CheckResult(case.name, worst, passed)


def run_all(include_layers: bool = True) -> list[CheckResult]:
    """Check every op (and layer, when nn is importable); the worst errors first."""
    cases = op_cases() + (layer_cases() if include_layers else [])
    results = [check(case) for case in cases]
    return sorted(results, key=lambda r: (r.passed, -np.nan_to_num(r.max_rel_error, nan=np.inf)))
