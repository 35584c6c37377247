"""The op table's samples as the tests use them: hypothesis strategies for a sample's inputs,
test ids, and the torch function a row names. The gradcheck, jvp, values and PyTorch tests
all read their per-op cases from here, so a new table row is checked by all of them."""

from __future__ import annotations

import importlib
from collections.abc import Callable

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograd_lite.ops.table import OPS, Domain, OpInfo, Sample
from autograd_lite.testing import arrays_for_grad, broadcastable_shapes, shapes

# (id, row, sample) for every sample of every row
SAMPLES = [
    (f"{row.name}[{s.label}]" if s.label else row.name, row, s) for row in OPS for s in row.samples
]
# the elementwise ones (any shape) with one and with two tensor inputs, and the rest
UNARY = [c for c in SAMPLES if c[2].shapes is None and c[2].n_inputs == 1]
BINARY = [c for c in SAMPLES if c[2].shapes is None and c[2].n_inputs == 2]
FIXED = [c for c in SAMPLES if c[2].shapes is not None]
SMOOTH = [c for c in SAMPLES if c[2].smooth]


def params(cases: list) -> list:
    """``cases`` for ``pytest.mark.parametrize``, each with its name as its test id."""
    import pytest

    return [pytest.param(*c, id=c[0]) for c in cases]


def values(domain: Domain, shape) -> st.SearchStrategy[np.ndarray]:
    """float64 arrays of ``shape`` (a tuple or a strategy) with values from ``domain``."""
    if domain.distinct:  # k/100 for distinct integers k: no two values closer than 0.01
        lo, hi = int(domain.low * 100), int(domain.high * 100)
        return hnp.arrays(np.int64, shape, elements=st.integers(lo, hi), unique=True).map(
            lambda a: a / 100.0
        )
    return arrays_for_grad(
        shape=shape,
        min_value=domain.low,
        max_value=domain.high,
        kinks=domain.kinks,
        gap=domain.gap,
    ).map(domain.fit)


def draw_inputs(data, sample: Sample, max_dims: int = 3, max_side: int = 4) -> list[np.ndarray]:
    """The sample's inputs: at its fixed shapes, or (elementwise) a random shape, two inputs
    broadcasting against each other."""
    n = sample.n_inputs
    if sample.shapes is not None:
        sizes = sample.shapes
    elif n == 1:
        sizes = [data.draw(shapes(max_dims=max_dims, max_side=max_side), label="shape")]
    else:
        sizes = data.draw(
            broadcastable_shapes(max_dims=max_dims, max_side=max_side), label="shapes"
        )
    return [data.draw(values(sample.domain(i), sizes[i]), label=f"x{i}") for i in range(n)]


def applied(row: OpInfo, sample: Sample) -> Callable:
    """``f(*tensors)``: the row's function called as the sample says."""
    return lambda *tensors: sample.call(row.function, list(tensors))


def torch_function(row: OpInfo) -> Callable:
    """The torch function a row names (``"torch.nn.functional.gelu"``); torch must be there."""
    module, _, name = row.torch.rpartition(".")
    return getattr(importlib.import_module(module), name)
