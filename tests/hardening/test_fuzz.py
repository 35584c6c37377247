"""Fuzzing with hypothesis: random programs of 2-6 ops on random broadcastable shapes, and
random small MLPs and conv nets, whose analytic gradients must equal central differences.
The programs' steps include NumPy functions called on tensors (np.exp(t), np.sum(t, axis)...)
and in-place changes (y += w, y *= w, y[index] = w, y[index] += w, clamp_, copy_ ...); and
changing a tensor that backward needs is refused, for each kind of saved tensor.

(tests/autograd_lite/test_torch_differential.py runs random chains against PyTorch; these
check against numerical gradients, with a wider op table: shape ops, indexing, reductions
with axes, broadcasting binary ops with fresh inputs.)

Values come from a NumPy generator seeded by hypothesis rather than from hypothesis floats:
hypothesis favours 0.0 and repeated values, which put relu/abs/max exactly on their kinks,
where a central difference is meaningless. Hypothesis still chooses (and shrinks) the
program, the shapes, the axes and the seed.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import autograd_lite as al
import nn
from autograd_lite.testing import broadcastable_shapes, shapes

# ---------------------------------------------------------------------------------------
# Random op programs
#
# A program is built step by step on a concrete float64 value, so every step can look at
# the current shape (to pick a valid axis) and values (to stay off kinks and out of
# overflow). Each step records a function of (current tensor, extra inputs) -> tensor;
# the program is then replayed inside gradcheck on the perturbed inputs.

KINK_GAP = 1e-3  # a central difference with eps=1e-6 never crosses a kink this far away


@dataclass
class Program:
    rng: np.random.Generator
    inputs: list[np.ndarray]  # inputs[0] is the starting value, the rest are fresh operands
    steps: list[tuple[str, Callable[..., al.Tensor]]] = field(default_factory=list)

    def new_input(self, shape: tuple[int, ...], low: float = -2.0, high: float = 2.0) -> int:
        self.inputs.append(self.rng.uniform(low, high, size=shape))
        return len(self.inputs) - 1

    def run(self, *tensors: al.Tensor) -> al.Tensor:
        x = tensors[0]
        for _, step in self.steps:
            x = step(x, tensors)
        return x

    def describe(self) -> str:
        shapes_ = [a.shape for a in self.inputs]
        return f"inputs {shapes_}: " + " -> ".join(name for name, _ in self.steps)


def _axis(data: st.DataObject, ndim: int) -> int:
    return data.draw(st.integers(-ndim, ndim - 1), label="axis")


def _away_from_kink(x: np.ndarray, at: float = 0.0) -> bool:
    return bool(np.all(np.abs(x - at) > KINK_GAP))


def _distinct_extreme(x: np.ndarray, axis: int | None, largest: bool) -> bool:
    """True when the max (min) along ``axis`` is unique by a margin (no near-ties)."""
    v = x if largest else -x
    if axis is None:
        v = v.reshape(1, -1)
        axis = 1
    if v.shape[axis] < 2:
        return True
    top2 = -np.sort(-v, axis=axis).take([0, 1], axis=axis)
    return bool(np.all(np.abs(np.diff(top2, axis=axis)) > KINK_GAP))


# Each op: (name, applicable(x), draw(data, prog, x) -> step function). Steps take the
# current tensor and the tuple of all program inputs.


def _unary(name: str, fn: Callable, ok: Callable[[np.ndarray], bool] = lambda x: True):
    def draw(data, prog, x):
        return lambda t, inputs: fn(t)

    return name, ok, draw


def _binary(name: str, fn: Callable, low: float = -2.0, high: float = 2.0, sign: bool = False):
    """x (op) fresh input, with a shape that broadcasts against x's (either may grow)."""

    def draw(data, prog, x):
        other = data.draw(
            st.lists(st.sampled_from([1, None]), min_size=x.ndim, max_size=x.ndim), label="bshape"
        )
        shape = tuple(x.shape[i] if s is None else 1 for i, s in enumerate(other))
        extra = data.draw(st.lists(st.integers(1, 3), max_size=max(0, 3 - x.ndim)), label="lead")
        shape = (*extra, *shape)
        k = prog.new_input(shape, low, high)
        if sign:  # magnitudes in [low, high] with random signs (a divisor away from zero)
            prog.inputs[k] *= prog.rng.choice([-1.0, 1.0], size=shape)
        swap = data.draw(st.booleans(), label="swap") and name not in ("div", "pow")
        if swap:
            return lambda t, inputs: fn(inputs[k], t)
        return lambda t, inputs: fn(t, inputs[k])

    return name, (lambda x: True), draw


def _maximum_like(name: str, fn: Callable):
    def draw(data, prog, x):
        k = prog.new_input(x.shape)
        # stay off the tie a == b
        gap = prog.inputs[k] - x
        prog.inputs[k] = np.where(np.abs(gap) < 0.05, x + 0.1, prog.inputs[k])
        return lambda t, inputs: fn(t, inputs[k])

    return name, (lambda x: True), draw


def _reduction(name: str, fn: Callable, ok: Callable = lambda x, axis: True):
    def applicable(x):
        return x.ndim >= 1

    def draw(data, prog, x):
        axis = data.draw(st.one_of(st.none(), st.integers(-x.ndim, x.ndim - 1)), label="axis")
        keepdims = data.draw(st.booleans(), label="keepdims")
        if not ok(x, axis):
            return None
        return lambda t, inputs: fn(t, axis=axis, keepdims=keepdims)

    return name, applicable, draw


def _softmax_like(name: str, fn: Callable):
    def draw(data, prog, x):
        axis = _axis(data, x.ndim)
        return lambda t, inputs: fn(t, axis=axis)

    return name, (lambda x: x.ndim >= 1), draw


def _draw_reshape(data, prog, x):
    n = x.size
    divisors = [d for d in range(1, n + 1) if n % d == 0]
    first = data.draw(st.sampled_from(divisors), label="rows")
    shape = (first, -1) if data.draw(st.booleans(), label="infer") else (first, n // first)
    return lambda t, inputs: al.reshape(t, shape)


def _draw_permute(data, prog, x):
    dims = tuple(data.draw(st.permutations(range(x.ndim)), label="dims"))
    return lambda t, inputs: al.permute(t, dims)


def _draw_expand(data, prog, x):
    lead = data.draw(st.integers(1, 3), label="lead")
    shape = (lead, *x.shape)
    return lambda t, inputs: al.expand(al.unsqueeze(t, 0), shape)


def _draw_unsqueeze_squeeze(data, prog, x):
    axis = data.draw(st.integers(-(x.ndim + 1), x.ndim), label="axis")
    return lambda t, inputs: al.squeeze(al.unsqueeze(t, axis) * 1.5, axis)


def _draw_pad(data, prog, x):
    before, after = data.draw(st.integers(0, 2), label="before"), data.draw(st.integers(0, 2))
    value = data.draw(st.sampled_from([0.0, 1.0]), label="value")
    return lambda t, inputs: al.pad(t, (before, after), value=value)


def _draw_concatenate(data, prog, x):
    axis = _axis(data, x.ndim)
    shape = list(x.shape)
    shape[axis] = data.draw(st.integers(1, 3), label="size")
    k = prog.new_input(tuple(shape))
    first = data.draw(st.booleans(), label="first")
    if first:
        return lambda t, inputs: al.concatenate([t, inputs[k]], axis=axis)
    return lambda t, inputs: al.concatenate([inputs[k], t, t], axis=axis)


def _draw_stack(data, prog, x):
    axis = data.draw(st.integers(-(x.ndim + 1), x.ndim), label="axis")
    k = prog.new_input(x.shape)
    return lambda t, inputs: al.stack([t, inputs[k] * t], axis=axis)


def _draw_basic_index(data, prog, x):
    index = _basic_index(data, x)
    return lambda t, inputs: t[index] * 1.0


def _basic_index(data, x) -> tuple:
    index = []
    for size in x.shape:
        kind = data.draw(st.sampled_from(["all", "int", "slice", "step"]), label="index")
        if kind == "int":
            index.append(data.draw(st.integers(-size, size - 1)))
        elif kind == "slice":
            lo = data.draw(st.integers(0, size - 1))
            index.append(slice(lo, data.draw(st.integers(lo + 1, size))))
        elif kind == "step":
            index.append(slice(None, None, data.draw(st.sampled_from([-1, 2]))))
        else:
            index.append(slice(None))
    return tuple(index)


def _draw_integer_index(data, prog, x):
    # repeated indices: their gradients must add up
    idx = np.array(
        data.draw(st.lists(st.integers(-x.shape[0], x.shape[0] - 1), min_size=1, max_size=5)),
        dtype=np.int64,
    )
    return lambda t, inputs: t[idx]


def _draw_boolean_mask(data, prog, x):
    mask = prog.rng.random(x.shape) < 0.6
    return lambda t, inputs: t[mask] if mask.any() else t.sum()


def _draw_matmul(data, prog, x):
    # (..., n) @ (n, m): a fresh matrix on the right, or (m, k) @ x on the left for 2-D x
    m = data.draw(st.integers(1, 3), label="m")
    if x.ndim >= 2 and data.draw(st.booleans(), label="left"):
        k = prog.new_input((m, x.shape[-2]))
        return lambda t, inputs: inputs[k] @ t
    k = prog.new_input((x.shape[-1], m))
    return lambda t, inputs: t @ inputs[k]


# -- in-place steps: they change a copy y = t * 1.0, whose old version stays in use (old), so
# the gradient must flow through both the change and the version before it.


def _operand_shape(data, shape: tuple) -> tuple:
    """A shape that broadcasts to ``shape`` (an in-place op cannot grow the tensor it changes)."""
    shape = shape[data.draw(st.integers(0, len(shape)), label="drop") :]
    return tuple(1 if data.draw(st.booleans(), label="one") else s for s in shape)


def _inplace(*kinds: str) -> Callable:
    return lambda data, prog, x: _draw_inplace(data, prog, x, kinds)


def _draw_inplace(data, prog, x, kinds):
    kind = data.draw(st.sampled_from(kinds), label="inplace")
    shape = _operand_shape(data, x.shape)
    if kind in ("/=", "div_"):  # a divisor away from zero
        k = prog.new_input(shape, 0.5, 2.0)
        prog.inputs[k] *= prog.rng.choice([-1.0, 1.0], size=shape)
    else:
        k = prog.new_input(shape, -1.5, 1.5)
    change = {
        "+=": lambda y, w: y.__iadd__(w),
        "-=": lambda y, w: y.__isub__(w),
        "*=": lambda y, w: y.__imul__(w),
        "/=": lambda y, w: y.__itruediv__(w),
        "**=": lambda y, w: y.__ipow__(w),
        "add_": lambda y, w: y.add_(w, alpha=0.5),
        "sub_": lambda y, w: y.sub_(w),
        "mul_": lambda y, w: y.mul_(w),
        "div_": lambda y, w: y.div_(w),
        "copy_": lambda y, w: y.copy_(w),
    }[kind]

    def step(t, inputs):
        y = al.abs(t) + 0.5 if kind == "**=" else t * 1.0  # (a positive base for **=)
        old = y * 0.5  # uses y at version 0
        change(y, inputs[k])
        return y + old

    return step


def _draw_clamp_(data, prog, x):
    low, high = -0.5, 0.5
    if not (_away_from_kink(x, low) and _away_from_kink(x, high)):
        return None

    def step(t, inputs):
        y = t * 1.0
        y.clamp_(low, high)
        return y

    return step


def _draw_setitem(data, prog, x):
    """y[index] = w, y[index] += w or y[index] *= w: basic, integer-array (repeats likely:
    the last write wins) and boolean-mask indices, w broadcast."""
    kind = data.draw(st.sampled_from(["basic", "ints", "mask"]), label="index_kind")
    if kind == "basic":
        index = _basic_index(data, x)
    elif kind == "ints":
        index = np.array(
            data.draw(st.lists(st.integers(-x.shape[0], x.shape[0] - 1), min_size=1, max_size=4)),
            dtype=np.int64,
        )
    else:
        index = prog.rng.random(x.shape) < 0.5
    target = x[index].shape
    shape = _operand_shape(data, target) if kind != "mask" else target
    k = prog.new_input(shape, -1.5, 1.5)
    how = data.draw(st.sampled_from(["=", "+=", "*="]), label="setitem")

    def step(t, inputs):
        y = t * 1.0
        old = y * 0.5
        if how == "=":
            y[index] = inputs[k]
        elif how == "+=":
            y[index] += inputs[k]
        else:
            y[index] *= inputs[k]
        return y + old

    return step


# -- NumPy functions called on tensors: the engine's ops underneath


def _draw_np_dot(data, prog, x):
    m = data.draw(st.integers(1, 3), label="m")
    k = prog.new_input((x.shape[-1], m))
    if data.draw(st.booleans(), label="einsum"):
        return lambda t, inputs: np.einsum("...i,ij->...j", t, inputs[k])
    return lambda t, inputs: np.dot(t, inputs[k])


def _draw_np_concatenate(data, prog, x):
    axis = _axis(data, x.ndim)
    k = prog.new_input(x.shape)
    return lambda t, inputs: np.concatenate([t, np.tanh(inputs[k] * t)], axis=axis)


def _draw_np_where(data, prog, x):
    cond = prog.rng.random(x.shape) < 0.5
    k = prog.new_input(x.shape)
    return lambda t, inputs: np.where(cond, t, np.multiply(inputs[k], t))


def _draw_np_shape(data, prog, x):
    axis = data.draw(st.integers(-(x.ndim + 1), x.ndim), label="axis")
    return lambda t, inputs: np.squeeze(np.expand_dims(np.transpose(t), axis), axis)


OPS: list[tuple[str, Callable, Callable]] = [
    _unary("neg", lambda t: -t),
    _unary("exp", al.exp, ok=lambda x: x.max(initial=-np.inf) < 4),
    _unary("log", al.log, ok=lambda x: x.min(initial=np.inf) > 0.05),
    _unary("sqrt", al.sqrt, ok=lambda x: x.min(initial=np.inf) > 0.05),
    _unary("log_abs", lambda t: al.log(al.abs(t)), ok=lambda x: np.all(np.abs(x) > 0.05)),
    _unary("square", lambda t: t**2),
    _unary("cube", lambda t: al.pow(t, 3)),
    _unary("rsqrt_abs", lambda t: al.abs(t) ** -0.5, ok=lambda x: np.all(np.abs(x) > 0.05)),
    _unary("sin", al.sin),
    _unary("cos", al.cos),
    _unary("tanh", al.tanh),
    _unary("sigmoid", al.sigmoid),
    _unary("abs", al.abs, ok=_away_from_kink),
    _unary("relu", al.relu, ok=_away_from_kink),
    _unary("leaky_relu", lambda t: al.leaky_relu(t, 0.1), ok=_away_from_kink),
    _unary("elu", al.elu, ok=_away_from_kink),
    _unary(
        "clip",
        lambda t: al.clip(t, -0.5, 0.5),
        ok=lambda x: _away_from_kink(x, -0.5) and _away_from_kink(x, 0.5),
    ),
    _binary("add", lambda a, b: a + b),
    _binary("sub", lambda a, b: a - b),
    _binary("mul", lambda a, b: a * b),
    _binary("div", lambda a, b: a / b, low=0.5, high=2.0, sign=True),
    _binary("pow", lambda a, b: al.pow(al.abs(a) + 0.5, b), low=-1.5, high=1.5),
    _maximum_like("maximum", al.maximum),
    _maximum_like("minimum", al.minimum),
    ("where", lambda x: True, lambda data, prog, x: _draw_where(prog, x)),
    _reduction("sum", al.sum),
    _reduction("mean", al.mean),
    _reduction("max", al.amax, ok=lambda x, axis: _distinct_extreme(x, axis, True)),
    _reduction("min", al.amin, ok=lambda x, axis: _distinct_extreme(x, axis, False)),
    _reduction("logsumexp", al.logsumexp),
    _reduction("var", al.var, ok=lambda x, axis: (x.size if axis is None else x.shape[axis]) >= 2),
    _reduction(
        "std",
        al.std,
        ok=lambda x, axis: (
            (x.size if axis is None else x.shape[axis]) >= 2 and np.all(np.var(x, axis=axis) > 1e-2)
        ),
    ),
    _softmax_like("softmax", al.softmax),
    _softmax_like("log_softmax", al.log_softmax),
    ("reshape", lambda x: x.size >= 1, _draw_reshape),
    ("flatten", lambda x: x.ndim >= 1, lambda data, prog, x: lambda t, inputs: al.flatten(t)),
    ("permute", lambda x: x.ndim >= 2, _draw_permute),
    ("transpose", lambda x: x.ndim >= 2, lambda data, prog, x: lambda t, inputs: t.T),
    ("expand", lambda x: x.ndim <= 3, _draw_expand),
    ("unsqueeze_squeeze", lambda x: True, _draw_unsqueeze_squeeze),
    ("pad", lambda x: x.ndim >= 1, _draw_pad),
    ("concatenate", lambda x: x.ndim >= 1, _draw_concatenate),
    ("stack", lambda x: x.ndim <= 3, _draw_stack),
    ("basic_index", lambda x: x.ndim >= 1, _draw_basic_index),
    ("integer_index", lambda x: x.ndim >= 1, _draw_integer_index),
    ("boolean_mask", lambda x: x.ndim >= 1, _draw_boolean_mask),
    ("matmul", lambda x: x.ndim >= 1, _draw_matmul),
    ("inplace_add", lambda x: True, _inplace("+=", "-=", "add_", "sub_", "copy_")),
    ("inplace_mul", lambda x: True, _inplace("*=", "/=", "mul_", "div_", "**=")),
    ("clamp_", lambda x: True, _draw_clamp_),
    ("setitem", lambda x: x.ndim >= 1, _draw_setitem),
    _unary("np.exp", np.exp, ok=lambda x: x.max(initial=-np.inf) < 4),
    _unary("np.tanh", np.tanh),
    _unary("np.relu", lambda t: np.maximum(0, t), ok=_away_from_kink),
    _unary("np.sqrt_square", lambda t: np.sqrt(np.square(t) + 1.0)),
    _binary("np.multiply", np.multiply),
    _binary("np.subtract", np.subtract),
    _reduction("np.sum", np.sum),
    _reduction("np.mean", np.mean),
    _reduction("np.max", np.max, ok=lambda x, axis: _distinct_extreme(x, axis, True)),
    _reduction("np.prod", np.prod, ok=lambda x, axis: np.all(np.abs(x) < 3)),
    ("np.dot", lambda x: x.ndim >= 1, _draw_np_dot),
    ("np.concatenate", lambda x: x.ndim >= 1, _draw_np_concatenate),
    ("np.where", lambda x: True, _draw_np_where),
    ("np.shape_ops", lambda x: x.ndim <= 3, _draw_np_shape),
]


def _draw_where(prog: Program, x: np.ndarray):
    cond = prog.rng.random(x.shape) < 0.5
    k = prog.new_input(x.shape)
    return lambda t, inputs: al.where(cond, t, inputs[k] * t)


MAX_ELEMENTS = 200  # keeps the numerical gradient (two forwards per element) quick
MAX_NDIM = 4


def _evaluate(prog: Program) -> np.ndarray:
    with al.no_grad():
        return prog.run(*(al.tensor(a) for a in prog.inputs)).data


class _Drawer:
    """Lets the op builders call ``data.draw`` inside a composite strategy."""

    def __init__(self, draw: Any) -> None:
        self.draw = draw


@st.composite
def programs(draw: Any, min_ops: int = 2, max_ops: int = 6) -> Program:
    data = _Drawer(draw)
    seed = draw(st.integers(0, 2**32 - 1), label="seed")
    shape = draw(shapes(min_dims=0, max_dims=3, min_side=1, max_side=4), label="shape")
    prog = Program(np.random.default_rng(seed), [])
    prog.new_input(shape)
    n_ops = draw(st.integers(min_ops, max_ops), label="n_ops")
    offset = seed % len(OPS)  # hypothesis favours small indices: rotate the table per seed
    attempts = 0
    while len(prog.steps) < n_ops and attempts < 50:
        attempts += 1
        x = _evaluate(prog)
        index = draw(st.integers(0, len(OPS) - 1), label="op")
        name, applicable, make = OPS[(index + offset) % len(OPS)]
        if not applicable(x):
            continue
        n_inputs = len(prog.inputs)
        step = make(data, prog, x)
        if step is None:
            del prog.inputs[n_inputs:]
            continue
        prog.steps.append((name, step))
        with np.errstate(all="ignore"):
            y = _evaluate(prog)
        if (
            not np.all(np.isfinite(y))
            or np.abs(y).max(initial=0) > 1e4
            or y.size > MAX_ELEMENTS
            or y.ndim > MAX_NDIM
        ):
            prog.steps.pop()  # out of range or too large: choose another op
            del prog.inputs[n_inputs:]
    assume(len(prog.steps) >= min_ops)
    return prog


@given(programs())
def test_random_op_programs_match_numerical_gradients(prog):
    inputs = [al.tensor(a, requires_grad=True) for a in prog.inputs]
    try:
        al.gradcheck(prog.run, inputs)
    except al.GradcheckError as exc:
        raise AssertionError(f"{prog.describe()}\n{exc}") from None


@settings(max_examples=10)
@given(programs(min_ops=2, max_ops=4))
def test_random_op_programs_match_numerical_second_derivatives(prog):
    inputs = [al.tensor(a, requires_grad=True) for a in prog.inputs]
    try:
        al.gradgradcheck(prog.run, inputs, atol=1e-4, rtol=1e-3)
    except al.GradcheckError as exc:
        raise AssertionError(f"{prog.describe()}\n{exc}") from None


# Changing a tensor that a node saved for backward, in place, after the node was recorded:
# backward must refuse (never compute with the changed values), for each kind of saved tensor.

# ops whose backward reads an input: (name, op(a, b), where the gradient of b reads a)
INPUT_SAVERS = [
    ("mul", lambda a, b: a * b),
    ("div", lambda a, b: b / a),
    ("matmul", al.matmul),
    ("pow", lambda a, b: a**b),
    ("einsum", lambda a, b: al.einsum("i,i->", a, b)),
    ("np.dot", np.dot),
]
# ops whose backward reads their output
OUTPUT_SAVERS = [
    ("exp", al.exp),
    ("tanh", al.tanh),
    ("sigmoid", al.sigmoid),
    ("sqrt", lambda a: al.sqrt(al.abs(a) + 1.0)),
    ("softmax", lambda a: al.softmax(a, axis=0)),
    ("prod", lambda a: al.prod(a.reshape(1, -1), axis=1)),
]
CHANGES = [
    ("+=", lambda y: y.__iadd__(1.0)),
    ("*=", lambda y: y.__imul__(2.0)),
    ("[0] =", lambda y: y.__setitem__(0, 5.0)),
    ("[mask] +=", lambda y: y.__setitem__(y.data > 0, y[y.data > 0] + 1.0)),
    ("zero_", lambda y: y.zero_()),
    ("clamp_", lambda y: y.clamp_(-0.1, 0.1)),
    ("copy_", lambda y: y.copy_(al.ones(y.shape, dtype=y.dtype))),
    ("increment_version", al.increment_version),
]


@given(
    st.sampled_from(["leaf input", "non-leaf input", "output"]),
    st.integers(0, 2**32 - 1),
    st.data(),
)
def test_changed_saved_tensors_are_refused(kind, seed, data):
    rng = np.random.default_rng(seed)
    n = data.draw(st.integers(1, 4), label="n")
    a = al.tensor(rng.uniform(0.5, 1.5, size=n), requires_grad=True, name="a")
    b = al.tensor(rng.uniform(0.5, 1.5, size=n), requires_grad=True, name="b")
    change_name, change = data.draw(st.sampled_from(CHANGES), label="change")
    if kind == "output":
        op_name, op = data.draw(st.sampled_from(OUTPUT_SAVERS), label="op")
        saved = op(a)
        out = saved.sum()
        what = "its output"
    else:
        op_name, op = data.draw(st.sampled_from(INPUT_SAVERS), label="op")
        saved = a if kind == "leaf input" else a * 1.0
        out = op(saved, b).sum()
        what = "its input"
    if kind == "leaf input":
        with al.no_grad():  # (a leaf that requires grad may change only there)
            change(saved)
    else:
        change(saved)
    with pytest.raises(al.AutogradError) as info:
        out.backward()
    msg = str(info.value)
    assert f"needs {what}" in msg and "changed in place" in msg, (op_name, change_name, msg)
    assert "saved version 0" in msg and "now at version 1" in msg


@given(broadcastable_shapes(num_shapes=3, max_dims=3), st.integers(0, 2**32 - 1))
def test_broadcasting_three_way_gradients(shapes3, seed):
    """a * b + c / (|a| + 1) over three mutually broadcastable shapes: every gradient is
    summed back to its own input's shape."""
    rng = np.random.default_rng(seed)
    inputs = [al.tensor(rng.uniform(-2, 2, size=s), requires_grad=True) for s in shapes3]

    def f(a, b, c):
        return a * b + c / (al.abs(a) + 1.0) - al.sigmoid(b * c)

    al.gradcheck(f, inputs)
    out = f(*inputs)
    out.sum().backward()
    for t_, s in zip(inputs, shapes3):
        assert t_.grad.shape == s


# ---------------------------------------------------------------------------------------
# Random small networks: every parameter's gradient against central differences


@contextlib.contextmanager
def substituted(model: nn.Module, tensors: list[al.Tensor]) -> Iterator[None]:
    """Run ``model`` with ``tensors`` in place of its parameters (gradcheck perturbs its own
    float64 copies, so the forward must read them), then put the parameters back."""
    slots = [
        (module, name)
        for _, module in model.named_modules()
        for name, p in module._parameters.items()
        if p is not None
    ]
    saved = [module._parameters[name] for module, name in slots]
    for (module, name), t_ in zip(slots, tensors):
        module._parameters[name] = t_
    try:
        yield
    finally:
        for (module, name), p in zip(slots, saved):
            module._parameters[name] = p


def check_model(model: nn.Module, x: np.ndarray) -> None:
    model.double()
    params = list(model.parameters())
    assert params and all(p.dtype == np.float64 for p in params)
    x_t = al.tensor(x, requires_grad=True)

    def f(x_in, *ps):
        with substituted(model, list(ps)):
            return model(x_in)

    try:
        al.gradcheck(f, [x_t, *params], atol=1e-5, rtol=1e-3)
    except al.GradcheckError as exc:
        raise AssertionError(f"{model}\n{exc}") from None
    # the real parameters (not the substitutes) get float64 gradients of the right shape
    model.zero_grad()
    model(al.tensor(x)).sum().backward()
    for p in model.parameters():
        assert p.grad is not None and p.grad.shape == p.shape and p.grad.dtype == np.float64


ACTIVATIONS = {
    "tanh": lambda: nn.Tanh(),
    "sigmoid": lambda: nn.Sigmoid(),
    "elu": lambda: nn.ELU(),
    "gelu": lambda: nn.GELU(),
    "relu": lambda: nn.ReLU(),
    "leaky_relu": lambda: nn.LeakyReLU(0.1),
}


@st.composite
def mlps(draw: Any) -> tuple[nn.Module, np.ndarray]:
    seed = draw(st.integers(0, 2**32 - 1), label="seed")
    al.manual_seed(seed)
    widths = draw(st.lists(st.integers(1, 5), min_size=2, max_size=4), label="widths")
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(itertools.pairwise(widths)):
        layers.append(nn.Linear(n_in, n_out, bias=draw(st.booleans(), label="bias")))
        if i < len(widths) - 2:
            if draw(st.booleans(), label="batchnorm"):
                layers.append(nn.BatchNorm1d(n_out))
            layers.append(ACTIVATIONS[draw(st.sampled_from(sorted(ACTIVATIONS)))]())
    model = nn.Sequential(*layers)
    _set_mode(model, draw(st.booleans(), label="train"), np.random.default_rng(seed))
    batch = draw(st.integers(2, 4), label="batch")
    return model, np.random.default_rng(seed + 1).standard_normal((batch, widths[0]))


def _set_mode(model: nn.Module, train: bool, rng: np.random.Generator) -> None:
    """train (batch statistics) or eval (running statistics, made non-trivial)."""
    model.train(train)
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            m.running_mean.data = rng.normal(size=m.running_mean.shape).astype(np.float32)
            m.running_var.data = rng.uniform(0.5, 2.0, size=m.running_var.shape).astype(np.float32)
            m.weight.data = rng.uniform(0.5, 1.5, size=m.weight.shape).astype(np.float32)
            m.bias.data = rng.normal(size=m.bias.shape).astype(np.float32)


@given(mlps())
def test_random_mlps_pass_gradcheck(case):
    model, x = case
    check_model(model, x)


@st.composite
def convnets(draw: Any) -> tuple[nn.Module, np.ndarray]:
    seed = draw(st.integers(0, 2**32 - 1), label="seed")
    al.manual_seed(seed)
    c_in = draw(st.integers(1, 2), label="c_in")
    size = draw(st.integers(4, 6), label="size")
    c_mid = draw(st.integers(1, 3), label="c_mid")
    k = draw(st.integers(1, 3), label="kernel")
    stride = draw(st.integers(1, 2), label="stride")
    padding = draw(st.integers(0, 1), label="padding")
    layers: list[nn.Module] = [
        nn.Conv2d(c_in, c_mid, k, stride=stride, padding=padding, bias=draw(st.booleans()))
    ]
    side = (size + 2 * padding - k) // stride + 1
    if draw(st.booleans(), label="batchnorm"):
        layers.append(nn.BatchNorm2d(c_mid))
    layers.append(ACTIVATIONS[draw(st.sampled_from(sorted(ACTIVATIONS)))]())
    pool = draw(st.sampled_from(["none", "max", "avg"]), label="pool")
    if pool != "none" and side >= 2:
        layers.append(nn.MaxPool2d(2) if pool == "max" else nn.AvgPool2d(2))
        side //= 2
    n_classes = draw(st.integers(1, 3), label="classes")
    layers += [nn.Flatten(), nn.Linear(c_mid * side * side, n_classes)]
    model = nn.Sequential(*layers)
    _set_mode(model, draw(st.booleans(), label="train"), np.random.default_rng(seed))
    batch = draw(st.integers(1, 2), label="batch")
    if model.training and any(isinstance(m, nn.BatchNorm2d) for m in model.modules()):
        batch = 2  # training batch norm needs more than one value per channel
    x = np.random.default_rng(seed + 1).standard_normal((batch, c_in, size, size))
    return model, x


@settings(max_examples=max(5, settings().max_examples // 2))
@given(convnets())
def test_random_convnets_pass_gradcheck(case):
    model, x = case
    check_model(model, x)


@pytest.mark.parametrize("train", [False, True])
def test_fixed_convnet_with_every_layer_kind(train):
    """One deterministic net with every layer kind, so the property above is never vacuous."""
    al.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 2, 3, padding=1),
        nn.BatchNorm2d(2),
        nn.Tanh(),
        nn.MaxPool2d(2),
        nn.Conv2d(2, 2, 2),
        nn.AvgPool2d(1),
        nn.Flatten(),
        nn.Linear(2, 3),
        nn.BatchNorm1d(3),
        nn.ELU(),
        nn.Linear(3, 2),
    )
    _set_mode(model, train, np.random.default_rng(1))
    check_model(model, np.random.default_rng(2).standard_normal((3, 1, 4, 4)))
