"""Every differentiable op against central differences, on hypothesis-drawn inputs (float64).

First derivatives: ``assert_grad_matches_numeric`` (gradcheck) on random shapes, with
broadcasting for binary ops, values kept away from kinks and inside each op's domain.
Second derivatives: ``gradgradcheck`` for the smooth ops (their backward is built from
Tensor ops, so it must be differentiable itself).
"""

from __future__ import annotations

import operator

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from op_strategies import einsum_cases, numpy_index, tensordot_cases, value_for, with_zeros

import autograd_lite as al
from autograd_lite.testing import (
    arrays_for_grad,
    assert_grad_matches_numeric,
    broadcastable_shapes,
    shapes,
)

# -- strategies ---------------------------------------------------------------------------


def small(**kw):
    """float64 arrays of a random small shape (<= 3 dims, sides <= 4)."""
    return arrays_for_grad(shape=shapes(), **kw)


def distinct(shape, lo: int = -300, hi: int = 300, offset: float = 0.0):
    """Arrays whose values are pairwise >= 0.01 apart (no ties: max/min/sort kinks).

    Values are k/100 + offset for distinct integers k, so two arrays drawn with offsets
    0 and 0.005 never tie with each other either."""
    return hnp.arrays(np.int64, shape, elements=st.integers(lo, hi), unique=True).map(
        lambda a: a / 100.0 + offset
    )


def grid(shape, offset: float = 0.0):
    """Values on the grid k/10 + offset (|k| <= 30): two grids with different offsets never tie."""
    return hnp.arrays(np.int64, shape, elements=st.integers(-30, 30)).map(
        lambda a: a / 10.0 + offset
    )


@st.composite
def axis_for(draw, ndim: int, allow_tuple: bool = True, allow_none: bool = True):
    """None, an int (possibly negative) or a tuple of distinct axes (possibly negative)."""
    options = []
    if allow_none:
        options.append(st.none())
    if ndim == 0:
        options.append(st.sampled_from([0, -1]))
    else:
        options.append(st.integers(-ndim, ndim - 1))
        if allow_tuple:
            options.append(
                st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True).flatmap(
                    lambda axes: st.tuples(*[st.sampled_from([a, a - ndim]) for a in axes])
                )
            )
    return draw(st.one_of(options))


def reduced_count(shape, axis) -> int:
    if axis is None:
        return int(np.prod(shape))
    axes = (axis,) if isinstance(axis, int) else axis
    return int(np.prod([shape[a] for a in axes])) if shape else 1


# -- unary elementwise ops: the op table's rows are checked in test_op_table.py; here the
# operators with a Python scalar, methods, and variants -----------------------------------

AWAY_FROM_ZERO = dict(kinks=(0.0,), gap=0.5)
POSITIVE = dict(min_value=0.1, max_value=3.0)

UNARY = [
    ("clip_max_only", lambda x: al.clip(x, max=-0.5), dict(kinks=(-0.5,))),
    ("pow_2.0", lambda x: x**2.0, {}),
    ("pow_0.5", lambda x: x**0.5, POSITIVE),
    ("pow_neg_1.5", lambda x: x**-1.5, POSITIVE),
    ("rpow_2.0", lambda x: 2.0**x, {}),
    ("rpow_int_3", lambda x: 3**x, {}),
    ("pow_scalar_base_fn", lambda x: al.pow(0.5, x), {}),
    ("op_add_scalar", lambda x: x + 1.5, {}),
    ("op_radd_scalar", lambda x: 1.5 + x, {}),
    ("op_sub_scalar", lambda x: x - 2, {}),
    ("op_rsub_scalar", lambda x: 2 - x, {}),
    ("op_mul_scalar", lambda x: x * 2.5, {}),
    ("op_rmul_scalar", lambda x: -3 * x, {}),
    ("op_div_scalar", lambda x: x / 3, {}),
    ("op_rdiv_scalar", lambda x: 2.0 / x, AWAY_FROM_ZERO),
    ("op_neg", operator.neg, {}),
    ("op_pos", lambda x: +x * 1.0, {}),
    ("op_abs", abs, {}),
    ("method_exp_tanh", lambda x: x.tanh().exp(), {}),
    ("x_times_x", lambda x: x * x, {}),
    ("x_div_x_plus", lambda x: x / (x * x + 1.0), {}),
]


@pytest.mark.parametrize(("name", "fn", "kw"), UNARY, ids=[u[0] for u in UNARY])
@given(data=st.data())
def test_unary_gradcheck(name, fn, kw, data):
    x = data.draw(small(**kw), label="x")
    assert_grad_matches_numeric(fn, x)


@given(x=small())
def test_astype_roundtrip_gradient(x):
    """float64 -> float32 -> float64: the gradient is converted back at each cast (a
    numerical check through float32 would only be accurate to ~1e-3, so check exactly)."""
    t = al.tensor(x, requires_grad=True)
    y = (t.astype(np.float32) * 2.0).astype(np.float64)
    assert y.dtype == np.float64
    (y * al.tensor(np.full(x.shape, 3.0))).sum().backward()
    assert t.grad.dtype == np.float64
    np.testing.assert_array_equal(t.grad, np.full(x.shape, 6.0))


# -- binary broadcasting ops ------------------------------------------------------------

BINARY = [
    ("op_add", operator.add, {}, {}),
    ("op_sub", operator.sub, {}, {}),
    ("op_mul", operator.mul, {}, {}),
    ("op_truediv", operator.truediv, {}, AWAY_FROM_ZERO),
    ("op_pow", operator.pow, POSITIVE, {}),
    ("method_add", lambda a, b: a.add(b), {}, {}),
    ("method_mul", lambda a, b: a.mul(b), {}, {}),
    ("method_div", lambda a, b: a.div(b), {}, AWAY_FROM_ZERO),
    ("method_sub", lambda a, b: a.sub(b), {}, {}),
    ("method_pow", lambda a, b: a.pow(b), POSITIVE, {}),
    ("a_used_twice", lambda a, b: a * b + a, {}, {}),
]


@pytest.mark.parametrize(("name", "fn", "ka", "kb"), BINARY, ids=[b[0] for b in BINARY])
@given(data=st.data())
def test_binary_broadcasting_gradcheck(name, fn, ka, kb, data):
    sa, sb = data.draw(broadcastable_shapes(), label="shapes")
    a = data.draw(arrays_for_grad(shape=sa, **ka), label="a")
    b = data.draw(arrays_for_grad(shape=sb, **kb), label="b")
    assert_grad_matches_numeric(fn, a, b)


@pytest.mark.parametrize("fn", [al.add, al.mul, al.div, al.pow, al.sub], ids=lambda f: f.__name__)
@given(data=st.data())
def test_binary_with_constant_operand(fn, data):
    """One operand a constant (a tensor without grad, or an ndarray): only the other is checked."""
    sa, sb = data.draw(broadcastable_shapes(), label="shapes")
    a = data.draw(arrays_for_grad(shape=sa, **POSITIVE), label="a")
    b = data.draw(arrays_for_grad(shape=sb, **AWAY_FROM_ZERO), label="b")
    assert_grad_matches_numeric(lambda x: fn(x, al.Tensor(b)), a)
    assert_grad_matches_numeric(lambda y: fn(al.Tensor(a), y), b)
    assert_grad_matches_numeric(lambda x: fn(x, b), a)  # a plain ndarray constant


@given(data=st.data())
def test_pow_with_ndarray_base_gradcheck(data):
    """``pow(ndarray, tensor)``: the base is a constant array, the exponent gets d/db = a^b ln a."""
    sa, sb = data.draw(broadcastable_shapes(), label="shapes")
    a = data.draw(arrays_for_grad(shape=sa, **POSITIVE), label="a")
    b = data.draw(arrays_for_grad(shape=sb), label="b")
    assert_grad_matches_numeric(lambda y: al.pow(a, y), b)
    assert_grad_matches_numeric(lambda y: a**y, b)  # ndarray ** Tensor: Tensor.__rpow__


@pytest.mark.parametrize(
    ("name", "fn"),
    [("maximum", al.maximum), ("minimum", al.minimum), ("method_maximum", al.Tensor.maximum)],
)
@given(data=st.data())
def test_maximum_minimum_gradcheck(name, fn, data):
    sa, sb = data.draw(broadcastable_shapes(), label="shapes")
    # different grids: a and b never tie, so no element sits on the kink
    a = data.draw(grid(sa), label="a")
    b = data.draw(grid(sb, offset=0.05), label="b")
    assert_grad_matches_numeric(fn, a, b)


@given(data=st.data())
def test_where_gradcheck(data):
    sc, sa, sb = data.draw(broadcastable_shapes(num_shapes=3), label="shapes")
    cond = data.draw(hnp.arrays(np.bool_, sc), label="cond")
    a = data.draw(arrays_for_grad(shape=sa), label="a")
    b = data.draw(arrays_for_grad(shape=sb), label="b")
    assert_grad_matches_numeric(lambda x, y: al.where(cond, x, y), a, b)
    assert_grad_matches_numeric(lambda x, y: x.where(al.Tensor(cond), y), a, b)
    assert_grad_matches_numeric(lambda x: al.where(cond, x, 0.0), a)


# -- matmul and linear -----------------------------------------------------------------


@st.composite
def matmul_shapes(draw):
    m, k, n = (draw(st.integers(1, 4)) for _ in range(3))
    kind = draw(st.sampled_from(["1d@1d", "1d@2d", "2d@1d", "2d@2d", "batched", "1d@nd", "nd@1d"]))
    if kind == "1d@1d":
        return (k,), (k,)
    if kind == "1d@2d":
        return (k,), (k, n)
    if kind == "2d@1d":
        return (m, k), (k,)
    if kind == "2d@2d":
        return (m, k), (k, n)
    if kind == "1d@nd":
        batch = draw(shapes(min_dims=1, max_dims=2, max_side=3))
        return (k,), (*batch, k, n)
    if kind == "nd@1d":
        batch = draw(shapes(min_dims=1, max_dims=2, max_side=3))
        return (*batch, m, k), (k,)
    ba, bb = draw(broadcastable_shapes(min_dims=0, max_dims=2, max_side=3))
    assume(ba or bb)
    return (*ba, m, k), (*bb, k, n)


@pytest.mark.parametrize("fn", [al.matmul, operator.matmul], ids=["matmul", "op_matmul"])
@given(data=st.data())
def test_matmul_gradcheck(fn, data):
    sa, sb = data.draw(matmul_shapes(), label="shapes")
    a = data.draw(arrays_for_grad(shape=sa), label="a")
    b = data.draw(arrays_for_grad(shape=sb), label="b")
    out = fn(al.Tensor(a), al.Tensor(b))
    assert out.shape == np.matmul(a, b).shape
    assert_grad_matches_numeric(fn, a, b)


@given(data=st.data())
def test_linear_gradcheck(data):
    batch = data.draw(shapes(min_dims=0, max_dims=2, max_side=3), label="batch")
    n_in, n_out = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4))
    x = data.draw(arrays_for_grad(shape=(*batch, n_in)), label="x")
    w = data.draw(arrays_for_grad(shape=(n_out, n_in)), label="w")
    b = data.draw(arrays_for_grad(shape=(n_out,)), label="b")
    assert_grad_matches_numeric(al.linear, x, w, b)
    assert_grad_matches_numeric(al.linear, x, w)
    assert_grad_matches_numeric(lambda w_, b_: al.linear(al.Tensor(x), w_, b_), w, b)


# -- reductions ---------------------------------------------------------------------------

REDUCTIONS = [
    ("sum", al.sum),
    ("mean", al.mean),
    ("logsumexp", al.logsumexp),
    ("max", al.max),
    ("min", al.min),
    ("method_sum", al.Tensor.sum),
    ("method_max", al.Tensor.max),
]


@pytest.mark.parametrize(("name", "fn"), REDUCTIONS, ids=[r[0] for r in REDUCTIONS])
@given(data=st.data())
def test_reduction_gradcheck(name, fn, data):
    shape = data.draw(shapes(), label="shape")
    axis = data.draw(axis_for(len(shape)), label="axis")
    keepdims = data.draw(st.booleans(), label="keepdims")
    if name in ("max", "min", "method_max"):
        x = data.draw(distinct(shape), label="x")  # ties are kinks
    else:
        x = data.draw(arrays_for_grad(shape=shape), label="x")
    out = fn(al.Tensor(x), axis, keepdims)
    np_axis = None if x.ndim == 0 else axis  # NumPy has no axis 0 on a 0-d array
    ref = {"mean": np.mean, "max": np.max, "min": np.min, "method_max": np.max}.get(name, np.sum)
    if name == "logsumexp":
        ref_out = np.log(np.sum(np.exp(x), axis=np_axis, keepdims=keepdims))
    else:
        ref_out = ref(x, axis=np_axis, keepdims=keepdims)
    np.testing.assert_allclose(out.data, ref_out, rtol=1e-12)
    assert out.shape == np.shape(ref_out)
    assert_grad_matches_numeric(lambda t: fn(t, axis, keepdims), x)


@pytest.mark.parametrize("name", ["var", "std"])
@given(data=st.data())
def test_var_std_gradcheck(name, data):
    shape = data.draw(shapes(), label="shape")
    axis = data.draw(axis_for(len(shape)), label="axis")
    keepdims = data.draw(st.booleans(), label="keepdims")
    correction = data.draw(st.sampled_from([0, 1]), label="correction")
    assume(reduced_count(shape, axis) > max(correction, 1 if name == "std" else 0))
    fn = getattr(al, name)
    x = data.draw(distinct(shape), label="x")  # distinct: std stays away from its kink at 0
    out = fn(al.Tensor(x), axis, correction, keepdims)
    np_axis = None if x.ndim == 0 else axis
    expected = getattr(np, name)(x, axis=np_axis, ddof=correction, keepdims=keepdims)
    np.testing.assert_allclose(out.data, expected, rtol=1e-10, atol=1e-12)
    assert_grad_matches_numeric(lambda t: fn(t, axis, correction, keepdims), x)
    # PyTorch's spellings dim= / keepdim= mean the same
    assert_grad_matches_numeric(
        lambda t: fn(t, dim=axis, correction=correction, keepdim=keepdims), x
    )


@pytest.mark.parametrize(
    ("name", "fn"),
    [
        ("softmax", al.softmax),
        ("log_softmax", al.log_softmax),
        ("softmax_dim_kw", lambda x, a: al.softmax(x, dim=a)),
        ("log_softmax_method", lambda x, a: x.log_softmax(a)),
    ],
)
@given(data=st.data())
def test_softmax_family_gradcheck(name, fn, data):
    shape = data.draw(shapes(min_dims=1), label="shape")
    axis = data.draw(st.integers(-len(shape), len(shape) - 1), label="axis")
    x = data.draw(arrays_for_grad(shape=shape, min_value=-5, max_value=5), label="x")
    assert_grad_matches_numeric(lambda t: fn(t, axis), x)


# -- shape ops -----------------------------------------------------------------------------


@given(data=st.data())
def test_reshape_gradcheck(data):
    x = data.draw(small(), label="x")
    n = x.size
    divisors = [d for d in range(1, n + 1) if n % d == 0]
    d = data.draw(st.sampled_from(divisors), label="d")
    target = data.draw(st.sampled_from([(n,), (d, n // d), (n // d, -1), (-1, 1, d), ()]))
    assume(target != () or n == 1)
    assert_grad_matches_numeric(lambda t: al.reshape(t, target), x)
    assert_grad_matches_numeric(lambda t: t.reshape(*target), x)
    assert_grad_matches_numeric(lambda t: t.view(target), x)


@given(data=st.data())
def test_permute_transpose_gradcheck(data):
    shape = data.draw(shapes(min_dims=1), label="shape")
    x = data.draw(arrays_for_grad(shape=shape), label="x")
    nd = len(shape)
    perm = data.draw(st.permutations(range(nd)), label="perm")
    perm = tuple(p - nd if data.draw(st.booleans()) else p for p in perm)  # negative dims too
    d0, d1 = data.draw(st.integers(-nd, nd - 1)), data.draw(st.integers(-nd, nd - 1))
    assert al.permute(al.Tensor(x), perm).shape == np.transpose(x, [p % nd for p in perm]).shape
    assert_grad_matches_numeric(lambda t: al.permute(t, perm), x)
    assert_grad_matches_numeric(lambda t: t.permute(*perm), x)
    assert_grad_matches_numeric(lambda t: al.transpose(t, d0, d1), x)
    assert_grad_matches_numeric(lambda t: t.transpose(d0, d1), x)
    assert_grad_matches_numeric(lambda t: t.T, x)


@given(data=st.data())
def test_expand_gradcheck(data):
    shape = data.draw(shapes(max_side=3), label="shape")
    target = tuple(data.draw(st.integers(1, 3)) if s == 1 else s for s in shape)
    lead = data.draw(shapes(min_dims=0, max_dims=1, max_side=3), label="lead")
    target = (*lead, *target)
    x = data.draw(arrays_for_grad(shape=shape), label="x")
    assert al.expand(al.Tensor(x), target).shape == target
    assert_grad_matches_numeric(lambda t: al.expand(t, target), x)
    assert_grad_matches_numeric(lambda t: t.expand(*target), x)
    if shape:  # -1 keeps a size
        keep = (*lead, *([-1] * len(shape)))
        assert_grad_matches_numeric(lambda t: t.expand(keep) * 1.0, x)


@given(data=st.data())
def test_squeeze_unsqueeze_flatten_gradcheck(data):
    shape = data.draw(shapes(max_side=2), label="shape")  # many axes of size 1
    x = data.draw(arrays_for_grad(shape=shape), label="x")
    nd = len(shape)
    assert_grad_matches_numeric(al.squeeze, x)
    if nd:
        ax = data.draw(st.integers(-nd, nd - 1), label="squeeze_axis")
        expected = np.squeeze(x, ax).shape if shape[ax] == 1 else shape
        assert al.squeeze(al.Tensor(x), ax).shape == expected
        assert_grad_matches_numeric(lambda t: t.squeeze(ax), x)
        start = data.draw(st.integers(-nd, nd - 1), label="start")
        end = data.draw(st.integers(start % nd, nd - 1), label="end")
        assert_grad_matches_numeric(lambda t: al.flatten(t, start, end), x)
    assert_grad_matches_numeric(al.flatten, x)
    uax = data.draw(st.integers(-nd - 1, nd), label="unsqueeze_axis")
    assert al.unsqueeze(al.Tensor(x), uax).shape == np.expand_dims(x, uax).shape
    assert_grad_matches_numeric(lambda t: al.unsqueeze(t, uax), x)
    assert_grad_matches_numeric(lambda t: t.unsqueeze(dim=uax), x)


@pytest.mark.parametrize("join", ["concatenate", "cat", "stack"])
@given(data=st.data())
def test_concatenate_stack_gradcheck(join, data):
    shape = data.draw(shapes(min_dims=1), label="shape")
    nd = len(shape)
    count = data.draw(st.integers(1, 3), label="count")
    if join == "stack":
        axis = data.draw(st.integers(-nd - 1, nd), label="axis")
        xs = [data.draw(arrays_for_grad(shape=shape)) for _ in range(count)]
        expected = np.stack(xs, axis=axis).shape
    else:
        axis = data.draw(st.integers(-nd, nd - 1), label="axis")
        xs = []
        for _ in range(count):
            s = list(shape)
            s[axis] = data.draw(st.integers(1, 3))
            xs.append(data.draw(arrays_for_grad(shape=tuple(s))))
        expected = np.concatenate(xs, axis=axis).shape
    fn = getattr(al, join)
    assert fn([al.Tensor(x) for x in xs], axis).shape == expected
    assert_grad_matches_numeric(lambda *ts: fn(list(ts), axis), *xs)
    assert_grad_matches_numeric(lambda *ts: fn(ts, dim=axis), *xs)
    # a constant among the joined tensors
    assert_grad_matches_numeric(lambda t: fn([t, al.Tensor(xs[0])], axis), xs[0])


@given(data=st.data())
def test_pad_gradcheck(data):
    shape = data.draw(shapes(min_dims=1), label="shape")
    npairs = data.draw(st.integers(1, len(shape)), label="npairs")
    widths = tuple(data.draw(st.integers(0, 2)) for _ in range(2 * npairs))
    value = data.draw(st.sampled_from([0.0, 1.5]), label="value")
    x = data.draw(arrays_for_grad(shape=shape), label="x")
    out = al.pad(al.Tensor(x), widths, value=value)
    np_widths = [(0, 0)] * len(shape)
    for k in range(npairs):
        np_widths[len(shape) - 1 - k] = (widths[2 * k], widths[2 * k + 1])
    np.testing.assert_array_equal(out.data, np.pad(x, np_widths, constant_values=value))
    assert_grad_matches_numeric(lambda t: al.pad(t, widths, value=value), x)
    assert_grad_matches_numeric(lambda t: al.pad(t, np_widths), x)  # NumPy's pair form


@st.composite
def index_for(draw, shape):
    """An index of one kind for an array of ``shape`` (ndim >= 1)."""
    n0 = shape[0]
    nd = len(shape)
    kind = draw(
        st.sampled_from(
            [
                "int",
                "slice",
                "ellipsis",
                "none",
                "int_array_repeats",
                "nested_int_list",
                "bool_mask_full",
                "bool_mask_first",
                "array_and_slice",
                "two_arrays",
                "tensor_index",
            ]
        )
    )
    ints = st.integers(-n0, n0 - 1)
    if kind == "int":
        return draw(ints)
    if kind == "slice":
        start = draw(st.one_of(st.none(), st.integers(-n0, n0)))
        stop = draw(st.one_of(st.none(), st.integers(-n0, n0)))
        step = draw(st.sampled_from([None, 1, 2, -1, -2]))
        return slice(start, stop, step)
    if kind == "ellipsis":
        last = shape[-1]
        return (Ellipsis, draw(st.integers(-last, last - 1)))
    if kind == "none":
        return (None, slice(None), Ellipsis, None)
    if kind == "int_array_repeats":
        return draw(st.lists(ints, min_size=1, max_size=6))  # a list; repeats likely
    if kind == "nested_int_list":
        return np.array(draw(st.lists(st.lists(ints, min_size=2, max_size=2), min_size=1)))
    if kind == "bool_mask_full":
        return draw(hnp.arrays(np.bool_, shape))
    if kind == "bool_mask_first":
        return draw(hnp.arrays(np.bool_, (n0,))).tolist()
    if kind == "array_and_slice" and nd >= 2:
        return (slice(None), np.array(draw(st.lists(st.integers(0, shape[1] - 1), min_size=1))))
    if kind == "two_arrays" and nd >= 2:
        k = draw(st.integers(1, 5))
        rows = draw(st.lists(ints, min_size=k, max_size=k))
        cols = draw(st.lists(st.integers(0, shape[1] - 1), min_size=k, max_size=k))
        return (np.array(rows), np.array(cols))
    return al.tensor(np.array(draw(st.lists(ints, min_size=1, max_size=5))))


@given(data=st.data())
def test_getitem_gradcheck(data):
    shape = data.draw(shapes(min_dims=1), label="shape")
    x = data.draw(arrays_for_grad(shape=shape), label="x")
    index = data.draw(index_for(shape), label="index")
    np_index = index.data if isinstance(index, al.Tensor) else index
    if isinstance(np_index, list):
        np_index = np.asarray(np_index)
    out = al.Tensor(x)[index]
    np.testing.assert_array_equal(out.data, x[np_index])
    assert_grad_matches_numeric(lambda t: t[index], x)
    # the gradient of x[index].sum() counts how often each element was picked
    t = al.tensor(x, requires_grad=True)
    t[index].sum().backward()
    counts = np.zeros(shape)
    parts = np_index if isinstance(np_index, tuple) else (np_index,)
    if any(isinstance(p, np.ndarray) for p in parts):
        np.add.at(counts, np_index, 1.0)
    else:  # basic indexing picks each element at most once
        counts[np_index] += 1.0
    np.testing.assert_array_equal(t.grad.data, counts)


def test_getitem_repeated_indices_gradcheck_fixed():
    x = np.arange(1.0, 13.0).reshape(3, 4)
    assert_grad_matches_numeric(lambda t: t[[0, 0, 2, 0]] * 2.0, x)
    assert_grad_matches_numeric(lambda t: t[[1, 1], [3, 3]], x)
    assert_grad_matches_numeric(lambda t: t[:, [0, 0, 0]], x)
    assert_grad_matches_numeric(lambda t: t[x > 5.5], x)
    assert_grad_matches_numeric(lambda t: t[..., 1:3][None], x)


# -- second derivatives (smooth ops) ---------------------------------------------------------


def assert_gradgrad(fn, *arrays):
    inputs = [al.Tensor(np.asarray(a, dtype=np.float64), requires_grad=True) for a in arrays]
    assert al.gradgradcheck(fn, inputs)


GRADGRAD_UNARY = [
    ("pow_neg_0.5", lambda x: x**-0.5, POSITIVE),
    ("rpow", lambda x: 2.0**x, {}),
    ("rdiv", lambda x: 1.0 / x, AWAY_FROM_ZERO),
    ("square_via_mul", lambda x: x * x, {}),
    ("sum", lambda x: (x * x).sum(), {}),
    ("sum_axis", lambda x: (x * x).sum(axis=-1, keepdims=True), {}),
    ("reshape", lambda x: (x.reshape(-1) ** 2).reshape(x.shape[::-1]), {}),
    ("permute", lambda x: x.T.sin(), {}),
    ("getitem_repeat", lambda x: x[[0, 0, -1]] ** 2, {}),
    ("getitem_slice", lambda x: x[..., ::2].exp(), {}),
    ("expand", lambda x: al.expand(x, (2, *x.shape)).tanh(), {}),
    ("concatenate", lambda x: al.concatenate([x * x, x.exp()], axis=0), {}),
    ("stack", lambda x: al.stack([x * x, x.sin()], axis=-1), {}),
    ("where", lambda x: al.where(x.data > 0, x * x, x.exp()), {}),
    ("relu_times_x", lambda x: al.relu(x) * x, {}),
    ("abs_times_x", lambda x: al.abs(x) * x, {}),
    ("max_times", lambda x: al.max(x * x, axis=0), dict(kinks=(0.0,), gap=0.05)),
]


@pytest.mark.parametrize(("name", "fn", "kw"), GRADGRAD_UNARY, ids=[u[0] for u in GRADGRAD_UNARY])
@given(data=st.data())
def test_unary_gradgradcheck(name, fn, kw, data):
    shape = data.draw(shapes(min_dims=1, max_dims=2, max_side=3), label="shape")
    if name == "max_times":
        x = data.draw(distinct(shape, lo=5, hi=300), label="x")  # x*x has no ties for x > 0
    else:
        x = data.draw(arrays_for_grad(shape=shape, **kw), label="x")
    assert_gradgrad(fn, x)


# (Binary ops to second order, and the table's other ops: test_op_table.py.)


def test_pow_second_derivatives_at_zero_exponent():
    """At b == 0 (a != 0) the mixed derivative d²(a^b)/da db = a^(b-1)(1 + b ln a) is 1/a:
    a special case for b == 0 in the first derivative must not hide it."""
    assert_gradgrad(al.pow, np.array([0.5, 2.0, 3.0]), np.array([0.0, 0.0, 1.0]))
    assert_gradgrad(lambda b: al.pow(2.0, b), np.array([0.0, 1.0]))
    assert_gradgrad(lambda a: a**0.0 + a**1.0, np.array([0.5, 2.0]))


@given(data=st.data())
def test_matmul_linear_gradgradcheck(data):
    sa, sb = data.draw(matmul_shapes(), label="shapes")
    a = data.draw(arrays_for_grad(shape=sa), label="a")
    b = data.draw(arrays_for_grad(shape=sb), label="b")
    assert_gradgrad(al.matmul, a, b)
    n_in, n_out = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3))
    x = data.draw(arrays_for_grad(shape=(2, n_in)), label="x")
    w = data.draw(arrays_for_grad(shape=(n_out, n_in)), label="w")
    bias = data.draw(arrays_for_grad(shape=(n_out,)), label="bias")
    assert_gradgrad(al.linear, x, w, bias)
    assert_gradgrad(lambda x_, w_, b_: al.linear(x_, w_, b_).tanh(), x, w, bias)


# -- prod, einsum, tensordot, x[index] = v, in-place ops (issue 13) -------------------------


@given(data=st.data())
def test_prod_gradcheck(data):
    """A product is a polynomial, so central differences are exact enough everywhere, also
    at the zeros where the gradient is the product of the others, not out / x."""
    shape = data.draw(shapes(), label="shape")
    axis = data.draw(axis_for(len(shape)), label="axis")
    keepdims = data.draw(st.booleans(), label="keepdims")
    x = data.draw(with_zeros(shape), label="x")
    out = al.prod(al.Tensor(x), axis, keepdims)
    np_axis = None if x.ndim == 0 else axis
    np.testing.assert_allclose(out.data, np.prod(x, axis=np_axis, keepdims=keepdims), rtol=1e-12)
    assert_grad_matches_numeric(lambda t: al.prod(t, axis, keepdims), x)
    assert_grad_matches_numeric(lambda t: t.prod(dim=axis, keepdim=keepdims), x)


@given(data=st.data())
def test_prod_gradgradcheck(data):
    shape = data.draw(shapes(min_dims=1, max_dims=2, max_side=3), label="shape")
    axis = data.draw(axis_for(len(shape), allow_tuple=False), label="axis")
    x = data.draw(with_zeros(shape), label="x")
    assert_gradgrad(lambda t: al.prod(t, axis), x)


@given(data=st.data())
def test_einsum_gradcheck(data):
    subscripts, shapes_ = data.draw(einsum_cases(), label="case")
    arrays = [data.draw(arrays_for_grad(shape=s), label="operand") for s in shapes_]
    out = al.einsum(subscripts, *(al.Tensor(a) for a in arrays))
    np.testing.assert_allclose(out.data, np.einsum(subscripts, *arrays), rtol=1e-12, atol=1e-12)
    assert_grad_matches_numeric(lambda *ts: al.einsum(subscripts, *ts), *arrays)


@settings(max_examples=max(5, settings().max_examples // 3))
@given(data=st.data())
def test_einsum_gradgradcheck(data):
    subscripts, shapes_ = data.draw(einsum_cases(), label="case")
    arrays = [data.draw(arrays_for_grad(shape=s), label="operand") for s in shapes_]
    assert_gradgrad(lambda *ts: al.einsum(subscripts, *ts).tanh(), *arrays)


def test_einsum_forms_and_bad_subscripts():
    a, b = np.arange(6.0).reshape(2, 3), np.arange(12.0).reshape(3, 4)
    ta, tb = al.tensor(a, requires_grad=True), al.tensor(b, requires_grad=True)
    expected = np.einsum("ij,jk->ik", a, b)
    np.testing.assert_array_equal(al.einsum("ij,jk->ik", ta, tb).data, expected)
    np.testing.assert_array_equal(al.einsum("ij,jk", [ta, tb]).data, expected)  # torch's list
    np.testing.assert_array_equal(al.einsum(ta, [0, 1], tb, [1, 2], [0, 2]).data, expected)
    np.testing.assert_array_equal(al.einsum(ta, [0, 1], tb, [1, 2]).data, expected)
    assert al.einsum("ii", al.tensor(np.eye(3) * 2)).item() == 6.0  # the trace
    with pytest.raises(al.ShapeError, match=r"einsum: operand 1 of shape \(3, 4\).*'j'"):
        al.einsum("ij,j->i", ta, tb)
    with pytest.raises(ValueError, match="einsum: subscripts 'ij,jk' name 2 operand"):
        al.einsum("ij,jk", ta)
    with pytest.raises(ValueError, match="einsum: invalid"):
        al.einsum("i$->i", ta)
    with pytest.raises(al.ShapeError, match="einsum"):
        al.einsum("ij,ij->ij", ta, tb)  # sizes of j (and i) differ


@given(data=st.data())
def test_tensordot_gradcheck(data):
    sa, sb, axes = data.draw(tensordot_cases(), label="case")
    a = data.draw(arrays_for_grad(shape=sa), label="a")
    b = data.draw(arrays_for_grad(shape=sb), label="b")
    out = al.tensordot(al.Tensor(a), al.Tensor(b), axes)
    np.testing.assert_allclose(out.data, np.tensordot(a, b, axes), rtol=1e-12, atol=1e-12)
    assert_grad_matches_numeric(lambda x, y: al.tensordot(x, y, axes), a, b)


@given(data=st.data())
def test_setitem_gradcheck(data):
    """``y[index] = v`` on a non-leaf y (x * 1.0): the gradient reaches v at index (only the
    last write of a repeated position) and x everywhere else. Checked for basic, advanced
    and boolean indices, with v broadcast."""
    shape = data.draw(shapes(min_dims=1), label="shape")
    x = data.draw(arrays_for_grad(shape=shape), label="x")
    index = data.draw(index_for(shape), label="index")
    np_index = numpy_index(index)
    v = data.draw(arrays_for_grad(shape=data.draw(value_for(x[np_index].shape))), label="v")

    def put(t, value):
        y = t * 1.0
        y[index] = value
        return y

    expected = x.copy()
    try:
        expected[np_index] = v
    except (ValueError, TypeError):  # NumPy refuses this value shape: so must we, clearly
        with pytest.raises(al.ShapeError, match=r"\[\]=: a value of shape"):
            put(al.Tensor(x), al.Tensor(v))
        return
    np.testing.assert_array_equal(put(al.Tensor(x), al.Tensor(v)).data, expected)
    assert_grad_matches_numeric(put, x, v)


@given(data=st.data())
def test_setitem_gradgradcheck(data):
    shape = data.draw(shapes(min_dims=1, max_dims=2, max_side=3), label="shape")
    x = data.draw(arrays_for_grad(shape=shape), label="x")
    index = data.draw(index_for(shape), label="index")
    v = data.draw(arrays_for_grad(shape=x[numpy_index(index)].shape), label="v")

    def put(t, value):
        y = t.sin()  # (sin's derivative reads its input, not its output, which changes)
        y[index] = value * value
        return y * y

    assert_gradgrad(put, x, v)


INPLACE = [
    # (name, change y in place with operand b; forward values are checked against NumPy)
    ("iadd", lambda y, b: y.__iadd__(b), {}),
    ("isub", lambda y, b: y.__isub__(b), {}),
    ("imul", lambda y, b: y.__imul__(b), {}),
    ("itruediv", lambda y, b: y.__itruediv__(b), AWAY_FROM_ZERO),
    ("ipow", lambda y, b: y.__ipow__(b), POSITIVE),
    ("add_alpha", lambda y, b: y.add_(b, alpha=2.0), {}),
    ("sub_alpha", lambda y, b: y.sub_(b, alpha=0.5), {}),
    ("mul_", lambda y, b: y.mul_(b), {}),
    ("div_", lambda y, b: y.div_(b), AWAY_FROM_ZERO),
    ("copy_", lambda y, b: y.copy_(b), {}),
]


@pytest.mark.parametrize(("name", "change", "kb"), INPLACE, ids=[c[0] for c in INPLACE])
@given(data=st.data())
def test_inplace_ops_gradcheck(name, change, kb, data):
    """In-place ops on a non-leaf (recorded, rebased) against central differences, also when
    the operand broadcasts and when the old value is used again afterwards."""
    sa, sb = data.draw(broadcastable_shapes(), label="shapes")
    sa = np.broadcast_shapes(sa, sb)  # the changed tensor keeps its shape: it must be the big one
    a = data.draw(arrays_for_grad(shape=sa, **(POSITIVE if name == "ipow" else {})), label="a")
    b = data.draw(arrays_for_grad(shape=sb, **kb), label="b")

    def f(x, w):
        y = x * 1.5
        before = y * 2.0 + x  # uses y at version 0 (not its values): its gradient reaches x
        out = change(y, w)
        assert out is y and y._version == 1
        return y * before

    assert_grad_matches_numeric(f, a, b)
    assert_gradgrad(f, a, b)


@given(data=st.data())
def test_clamp_fill_zero_inplace_gradcheck(data):
    shape = data.draw(shapes(), label="shape")
    x = data.draw(arrays_for_grad(shape=shape, kinks=(-0.5, 0.5)), label="x")
    v = data.draw(arrays_for_grad(shape=()), label="v")

    def f(t, value):
        y = t * 1.0
        y.clamp_(-0.5, 0.5)
        z = t * 2.0
        z.fill_(value)
        w = t * 3.0
        w.zero_()
        return y + z * t + w

    assert_grad_matches_numeric(f, x, v)
