"""Ops at hand-checked points: exact values and gradients, ties, stability, dtypes, shapes.

The cs231n circuits, the documented tie rules (max/min/maximum share a tie's gradient
equally), repeated and boolean indices, the numerically stable ops at extreme inputs,
the dtype rules (float32 stays float32, Python scalars never upcast) and output shapes.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import autograd_lite as al


def leaf(values, dtype=np.float64):
    return al.tensor(np.asarray(values, dtype=dtype), requires_grad=True)


@pytest.fixture
def no_warnings():
    """Turn NumPy's overflow / invalid-value / divide-by-zero warnings into errors."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            yield


# -- the cs231n circuits ---------------------------------------------------------------


def test_cs231n_add_mul_circuit():
    x, y, z = leaf(-2.0), leaf(5.0), leaf(-4.0)
    q = x + y
    f = q * z
    f.backward()
    assert f.item() == -12.0
    assert (x.grad.item(), y.grad.item(), z.grad.item()) == (-4.0, -4.0, 3.0)


def test_cs231n_add_mul_circuit_float32_default():
    x = al.tensor(-2.0, requires_grad=True)
    y = al.tensor(5.0, requires_grad=True)
    z = al.tensor(-4.0, requires_grad=True)
    f = (x + y) * z
    f.backward()
    assert f.dtype == np.float32 and x.grad.dtype == np.float32
    assert [x.grad.item(), y.grad.item(), z.grad.item()] == [-4.0, -4.0, 3.0]


SIGMOID_NEURON_DW = [-0.19661193, -0.39322387, 0.19661193]
SIGMOID_NEURON_DX = [0.39322387, -0.58983580]


def test_cs231n_sigmoid_neuron_built_from_primitives():
    w = leaf([2.0, -3.0, -3.0])
    x = leaf([-1.0, -2.0])
    dot = w[0] * x[0] + w[1] * x[1] + w[2]
    f = 1.0 / (1.0 + al.exp(-dot))
    f.backward()
    assert f.item() == pytest.approx(0.7310585786)
    np.testing.assert_allclose(w.grad, SIGMOID_NEURON_DW, rtol=1e-7)
    np.testing.assert_allclose(x.grad, SIGMOID_NEURON_DX, rtol=1e-7)
    np.testing.assert_allclose(w.grad, [-0.196, -0.393, 0.196], atol=1e-3)
    np.testing.assert_allclose(x.grad, [0.393, -0.590], atol=1e-3)


def test_cs231n_sigmoid_neuron_with_sigmoid_op():
    w = leaf([2.0, -3.0])
    b = leaf(-3.0)
    x = leaf([-1.0, -2.0])
    f = al.sigmoid(w @ x + b)
    f.backward()
    np.testing.assert_allclose([*w.grad.tolist(), b.grad.item()], SIGMOID_NEURON_DW, rtol=1e-7)
    np.testing.assert_allclose(x.grad, SIGMOID_NEURON_DX, rtol=1e-7)


# -- hand derivatives of single ops ------------------------------------------------------

HAND = [
    # (name, fn, x, expected value, expected gradient of value.sum())
    ("exp", al.exp, [0.0, 1.0], [1.0, math.e], [1.0, math.e]),
    ("log", al.log, [1.0, 4.0], [0.0, math.log(4)], [1.0, 0.25]),
    ("sqrt", al.sqrt, [4.0, 9.0], [2.0, 3.0], [0.25, 1 / 6]),
    ("abs", al.abs, [-2.0, 0.0, 3.0], [2.0, 0.0, 3.0], [-1.0, 0.0, 1.0]),  # 0 at 0, like torch
    ("relu", al.relu, [-2.0, 0.0, 3.0], [0.0, 0.0, 3.0], [0.0, 0.0, 1.0]),  # 0 at 0
    ("leaky_relu", al.leaky_relu, [-2.0, 3.0], [-0.02, 3.0], [0.01, 1.0]),
    (
        "leaky_relu_0.2",
        lambda x: al.leaky_relu(x, 0.2),
        [-2.0, 3.0],
        [-0.4, 3.0],
        [0.2, 1.0],
    ),
    ("elu", al.elu, [-1.0, 2.0], [math.exp(-1) - 1, 2.0], [math.exp(-1), 1.0]),
    (
        "elu_alpha2",
        lambda x: al.elu(x, alpha=2.0),
        [-1.0, 2.0],
        [2 * (math.exp(-1) - 1), 2.0],
        [2 * math.exp(-1), 1.0],
    ),
    ("tanh", al.tanh, [0.0], [0.0], [1.0]),
    ("sigmoid", al.sigmoid, [0.0], [0.5], [0.25]),
    ("sin", al.sin, [0.0, math.pi / 2], [0.0, 1.0], [1.0, 0.0]),
    ("cos", al.cos, [0.0, math.pi / 2], [1.0, 0.0], [0.0, -1.0]),
    ("neg", al.neg, [1.0, -2.0], [-1.0, 2.0], [-1.0, -1.0]),
    ("pow3", lambda x: x**3, [2.0, -1.0], [8.0, -1.0], [12.0, 3.0]),
    ("pow_half", lambda x: x**0.5, [4.0], [2.0], [0.25]),
    ("rpow", lambda x: 2.0**x, [3.0], [8.0], [8 * math.log(2)]),
    ("rpow_zero_base", lambda x: 0.0**x, [2.0], [0.0], [0.0]),  # 0^b ln 0 taken as 0
    ("rdiv", lambda x: 1.0 / x, [2.0], [0.5], [-0.25]),
    ("rsub", lambda x: 1.0 - x, [2.0], [-1.0], [-1.0]),
    # clip: the gradient is 1 inside, bounds included (as torch.clamp), 0 outside
    (
        "clip",
        lambda x: al.clip(x, -1.0, 1.0),
        [-2.0, -1.0, 0.5, 1.0, 2.0],
        [-1.0, -1.0, 0.5, 1.0, 1.0],
        [0.0, 1.0, 1.0, 1.0, 0.0],
    ),
    ("mean", al.mean, [1.0, 2.0, 6.0], 3.0, [1 / 3] * 3),
    ("sum", al.sum, [1.0, 2.0, 6.0], 9.0, [1.0] * 3),
    ("var", al.var, [1.0, 2.0, 3.0, 4.0], 5 / 3, [-1.0, -1 / 3, 1 / 3, 1.0]),
    (
        "var_population",
        lambda x: al.var(x, correction=0),
        [1.0, 2.0, 3.0, 4.0],
        1.25,
        [-0.75, -0.25, 0.25, 0.75],
    ),
    ("std", al.std, [1.0, 3.0], math.sqrt(2), [-1 / math.sqrt(2), 1 / math.sqrt(2)]),
    ("logsumexp", al.logsumexp, [0.0, 0.0], math.log(2), [0.5, 0.5]),
    ("softmax", lambda x: al.softmax(x)[0], [0.0, 0.0], 0.5, [0.25, -0.25]),
    ("log_softmax", lambda x: al.log_softmax(x)[0], [0.0, 0.0], -math.log(2), [0.5, -0.5]),
]


@pytest.mark.parametrize(("name", "fn", "x", "value", "grad"), HAND, ids=[h[0] for h in HAND])
def test_hand_values_and_gradients(name, fn, x, value, grad):
    t = leaf(x)
    y = fn(t)
    np.testing.assert_allclose(y.data, value, rtol=1e-12, atol=1e-15)
    y.sum().backward()
    np.testing.assert_allclose(t.grad.data, grad, rtol=1e-12, atol=1e-15)


def test_relu_of_minus_infinity_is_zero():
    """relu(-inf) = max(-inf, 0) = 0 (PyTorch agrees), not -inf * 0 = nan."""
    x = leaf([-np.inf, -1.0, 2.0, np.inf])
    y = al.relu(x)
    np.testing.assert_array_equal(y.data, [0.0, 0.0, 2.0, np.inf])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0, 1.0, 1.0])


def test_relu_of_negative_gives_positive_zero():
    """relu(-3) is +0.0 as in PyTorch (a -0.0 would print as ``-0.`` in a lesson)."""
    y = al.relu(al.tensor([-3.0, 0.0]))
    np.testing.assert_array_equal(y.data, [0.0, 0.0])
    assert not np.signbit(y.data).any(), f"relu gave {y.data!r}"


def test_pow_tensor_exponent_hand():
    a, b = leaf([2.0, 3.0]), leaf([3.0, 2.0])
    y = a**b
    np.testing.assert_allclose(y.data, [8.0, 9.0])
    y.sum().backward()
    np.testing.assert_allclose(a.grad, [3 * 4.0, 2 * 3.0])  # b a^(b-1)
    np.testing.assert_allclose(b.grad, [8 * math.log(2), 9 * math.log(3)])  # a^b ln a


def test_pow_zero_exponent_has_zero_gradient_at_zero():
    """x ** 0 is the constant 1: its derivative is 0 everywhere, x = 0 included (PyTorch
    too), not 0 * 0^(-1) = 0 * inf = nan."""
    x = leaf([0.0, 2.0])
    with np.errstate(divide="ignore", invalid="ignore"):
        (x**0).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0])
    a, b = leaf([0.0, 3.0]), leaf([0.0, 0.0])
    with np.errstate(divide="ignore", invalid="ignore"):
        y = a**b
        np.testing.assert_array_equal(y.data, [1.0, 1.0])
        y.sum().backward()
    np.testing.assert_array_equal(a.grad, [0.0, 0.0])
    np.testing.assert_allclose(b.grad, [0.0, math.log(3)])


def test_pow_ndarray_base_gradient():
    """A constant ndarray base: d(a^b)/db = a^b ln a, elementwise."""
    b = leaf([1.0, 2.0])
    y = al.pow(np.array([2.0, 3.0]), b)
    y.sum().backward()
    np.testing.assert_allclose(b.grad, [2 * math.log(2), 9 * math.log(3)])


def test_matmul_hand():
    a = leaf([[1.0, 2.0], [3.0, 4.0]])
    b = leaf([[5.0, 6.0], [7.0, 8.0]])
    y = a @ b
    np.testing.assert_array_equal(y.data, [[19.0, 22.0], [43.0, 50.0]])
    y.sum().backward()
    np.testing.assert_array_equal(a.grad, [[11.0, 15.0], [11.0, 15.0]])  # G @ B^T
    np.testing.assert_array_equal(b.grad, [[4.0, 4.0], [6.0, 6.0]])  # A^T @ G


def test_matmul_vector_vector_is_dot():
    a, b = leaf([1.0, 2.0, 3.0]), leaf([4.0, 5.0, 6.0])
    y = a @ b
    assert y.shape == () and y.item() == 32.0
    y.backward()
    np.testing.assert_array_equal(a.grad, [4.0, 5.0, 6.0])
    np.testing.assert_array_equal(b.grad, [1.0, 2.0, 3.0])


def test_linear_hand():
    x = leaf([[1.0, 2.0]])
    w = leaf([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    b = leaf([0.5, -0.5, 0.0])
    y = al.linear(x, w, b)
    np.testing.assert_array_equal(y.data, [[1.5, 1.5, 3.0]])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [[2.0, 2.0]])
    np.testing.assert_array_equal(w.grad, [[1.0, 2.0]] * 3)
    np.testing.assert_array_equal(b.grad, [1.0, 1.0, 1.0])


# -- ties: max/min share the gradient equally (documented behaviour) ----------------------


def test_max_tie_shares_gradient():
    x = leaf([1.0, 3.0, 3.0])
    y = x.max()
    assert y.item() == 3.0
    y.backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.5, 0.5])


def test_min_tie_shares_gradient():
    x = leaf([2.0, -1.0, 5.0, -1.0, -1.0])
    al.min(x).backward()
    np.testing.assert_allclose(x.grad, [0.0, 1 / 3, 0.0, 1 / 3, 1 / 3])


def test_max_along_axis_ties_per_row():
    x = leaf([[1.0, 4.0, 4.0], [7.0, 2.0, 3.0]])
    y = x.max(axis=1)
    np.testing.assert_array_equal(y.data, [4.0, 7.0])
    (y * al.tensor([1.0, 10.0], dtype=np.float64)).sum().backward()
    np.testing.assert_array_equal(x.grad, [[0.0, 0.5, 0.5], [10.0, 0.0, 0.0]])


def test_max_gradient_sums_to_upstream():
    x = leaf(np.ones((2, 3)))
    al.max(x, axis=(0, 1), keepdims=True).sum().backward()
    np.testing.assert_allclose(x.grad, np.full((2, 3), 1 / 6))


@pytest.mark.parametrize("fn", [al.maximum, al.minimum], ids=["maximum", "minimum"])
def test_maximum_minimum_tie_gives_half_each(fn):
    a, b = leaf([2.0, 1.0, 5.0]), leaf([2.0, 3.0, 4.0])
    fn(a, b).sum().backward()
    if fn is al.maximum:
        np.testing.assert_array_equal(a.grad, [0.5, 0.0, 1.0])
        np.testing.assert_array_equal(b.grad, [0.5, 1.0, 0.0])
    else:
        np.testing.assert_array_equal(a.grad, [0.5, 1.0, 0.0])
        np.testing.assert_array_equal(b.grad, [0.5, 0.0, 1.0])


def test_maximum_with_broadcast_scalar_tensor():
    a = leaf([-1.0, 0.0, 2.0])
    b = leaf(0.0)
    al.maximum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad, [0.0, 0.5, 1.0])
    assert b.grad.shape == () and b.grad.item() == 1.5


# -- indexing ---------------------------------------------------------------------------------


def test_repeated_indices_accumulate():
    x = leaf([1.0, 2.0, 3.0])
    y = x[[0, 0, 1]]
    np.testing.assert_array_equal(y.data, [1.0, 1.0, 2.0])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 1.0, 0.0])


def test_repeated_indices_accumulate_weighted_2d():
    x = leaf(np.zeros((2, 3)))
    y = x[[1, 1, 0], [2, 2, 0]]
    (y * al.tensor([1.0, 2.0, 4.0], dtype=np.float64)).sum().backward()
    np.testing.assert_array_equal(x.grad, [[4.0, 0.0, 0.0], [0.0, 0.0, 3.0]])


def test_repeated_indices_with_tensor_index():
    x = leaf([1.0, 2.0, 3.0])
    x[al.tensor([2, 2, 2, 0])].sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0, 0.0, 3.0])


def test_boolean_mask_gradient():
    x = leaf([[1.0, -2.0], [-3.0, 4.0]])
    mask = x > 0
    assert mask.dtype == np.bool_
    y = x[mask]
    np.testing.assert_array_equal(y.data, [1.0, 4.0])
    (y * al.tensor([10.0, 20.0], dtype=np.float64)).sum().backward()
    np.testing.assert_array_equal(x.grad, [[10.0, 0.0], [0.0, 20.0]])


def test_boolean_mask_on_first_axis_and_list_mask():
    x = leaf(np.arange(6.0).reshape(3, 2))
    x[[True, False, True]].sum().backward()
    np.testing.assert_array_equal(x.grad, [[1.0, 1.0], [0.0, 0.0], [1.0, 1.0]])


def test_basic_indexing_shapes_and_gradient():
    x = leaf(np.arange(24.0).reshape(2, 3, 4))
    assert x[0].shape == (3, 4)
    assert x[..., 1].shape == (2, 3)
    assert x[None].shape == (1, 2, 3, 4)
    assert x[:, None, ::2].shape == (2, 1, 2, 4)
    assert x[-1, 1:, ::-2].shape == (2, 2)
    x[-1, 1:, ::-2].sum().backward()
    expected = np.zeros((2, 3, 4))
    expected[-1, 1:, ::-2] = 1.0
    np.testing.assert_array_equal(x.grad, expected)


def test_empty_index_list_selects_nothing():
    """``x[[]]`` is an empty selection (NumPy and PyTorch), not a float index error."""
    x = leaf(np.arange(6.0).reshape(2, 3))
    y = x[[]]
    assert y.shape == (0, 3)
    (y.sum() + x.sum()).backward()
    np.testing.assert_array_equal(x.grad, np.ones((2, 3)))


def test_empty_selection_gives_zero_gradient():
    x = leaf([1.0, 2.0])
    y = x[1:1]
    assert y.shape == (0,)
    (y.sum() + x.sum()).backward()
    np.testing.assert_array_equal(x.grad, [1.0, 1.0])


# -- numerical stability ------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_extremes_are_exact_and_finite(dtype, no_warnings):
    x = leaf([1000.0, -1000.0], dtype=dtype)
    y = al.sigmoid(x)
    assert y.dtype == dtype
    np.testing.assert_array_equal(y.data, [1.0, 0.0])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0])
    assert x.grad.dtype == dtype


def test_sigmoid_symmetry():
    x = np.linspace(-30, 30, 13)
    y = al.sigmoid(al.tensor(x)).data
    np.testing.assert_allclose(y + al.sigmoid(al.tensor(-x)).data, 1.0, rtol=1e-15)
    np.testing.assert_allclose(y, 1 / (1 + np.exp(-x)), rtol=1e-14)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_log_softmax_large_inputs(dtype, no_warnings):
    x = leaf([1000.0, 0.0], dtype=dtype)
    y = al.log_softmax(x)
    assert np.isfinite(y.data).all()
    np.testing.assert_allclose(y.data, [0.0, -1000.0])
    y[1].backward()
    assert np.isfinite(x.grad.data).all()
    np.testing.assert_allclose(x.grad, [-1.0, 1.0])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_logsumexp_of_large_values(dtype, no_warnings):
    x = leaf([[1000.0, 1000.0], [-1000.0, -1000.0]], dtype=dtype)
    y = al.logsumexp(x, axis=1)
    np.testing.assert_allclose(y.data, [1000 + math.log(2), -1000 + math.log(2)], rtol=1e-6)
    y.sum().backward()
    # exp(a - logsumexp(a)) at |a| = 1000 keeps only ~5 digits in float32 (so does torch)
    np.testing.assert_allclose(
        x.grad, np.full((2, 2), 0.5), rtol=1e-4 if dtype == np.float32 else 1e-12
    )
    z = al.logsumexp(al.tensor([1e4, 0.0], dtype=dtype))
    assert z.item() == 1e4


def test_softmax_large_and_stable(no_warnings):
    y = al.softmax(al.tensor([1000.0, 1000.0, -1000.0], dtype=np.float64))
    np.testing.assert_array_equal(y.data, [0.5, 0.5, 0.0])


def test_softmax_with_minus_infinity_entries():
    x = leaf([[-np.inf, 0.0, 0.0], [1.0, -np.inf, 1.0]])
    y = al.softmax(x, axis=-1)
    np.testing.assert_array_equal(y.data, [[0.0, 0.5, 0.5], [0.5, 0.0, 0.5]])
    (y * al.tensor([[1.0, 2.0, 3.0]], dtype=np.float64)).sum().backward()
    assert np.isfinite(x.grad.data).all()
    np.testing.assert_allclose(x.grad, [[0.0, -0.25, 0.25], [-0.5, 0.0, 0.5]])


def test_log_softmax_and_logsumexp_with_minus_infinity_entries():
    x = leaf([-np.inf, 0.0, 0.0])
    y = al.log_softmax(x)
    np.testing.assert_allclose(y.data, [-np.inf, -math.log(2), -math.log(2)])
    y[1:].sum().backward()
    np.testing.assert_allclose(x.grad, [0.0, 0.0, 0.0], atol=1e-15)
    z = leaf([-np.inf, 0.0])
    out = al.logsumexp(z)
    assert out.item() == 0.0
    out.backward()
    np.testing.assert_array_equal(z.grad, [0.0, 1.0])


def test_softmax_rows_sum_to_one():
    x = al.tensor(np.random.default_rng(0).standard_normal((4, 5)) * 10)
    np.testing.assert_allclose(al.softmax(x, axis=1).data.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(al.softmax(x, axis=0).data.sum(axis=0), 1.0, rtol=1e-12)
    np.testing.assert_allclose(
        np.exp(al.log_softmax(x, dim=1).data), al.softmax(x, dim=1).data, rtol=1e-12
    )


def test_softmax_of_zero_dim_tensor_is_one():
    """PyTorch: softmax of a 0-d tensor (dim 0 or -1) is 1; log_softmax is 0."""
    x = leaf(3.0)
    y = al.softmax(x)
    assert y.shape == () and y.item() == 1.0
    assert al.log_softmax(x).item() == 0.0


# -- dtype rules ---------------------------------------------------------------------------------

# Every op with Python scalars mixed in: the tensor's dtype must survive.
DTYPE_OPS = [
    ("add", lambda x: x + 1.0),
    ("radd", lambda x: 1 + x),
    ("sub", lambda x: x - 2.0),
    ("rsub", lambda x: 2.0 - x),
    ("mul", lambda x: x * 2.0),
    ("rmul", lambda x: 2 * x),
    ("div", lambda x: x / 3),
    ("rdiv", lambda x: 3.0 / x),
    ("pow", lambda x: x**2.0),
    ("pow_int", lambda x: x**2),
    ("rpow", lambda x: 2.0**x),
    ("np_float64_scalar", lambda x: np.float64(2.0) * x),
    ("np_float64_scalar_right", lambda x: x - np.float64(0.5)),
    ("neg", lambda x: -x),
    ("exp", al.exp),
    ("log", lambda x: al.log(al.abs(x) + 1.0)),
    ("sqrt", lambda x: al.sqrt(al.abs(x) + 1.0)),
    ("abs", al.abs),
    ("sin", al.sin),
    ("cos", al.cos),
    ("tanh", al.tanh),
    ("sigmoid", al.sigmoid),
    ("relu", al.relu),
    ("leaky_relu", al.leaky_relu),
    ("elu", al.elu),
    ("maximum_scalar", lambda x: al.maximum(x, 0.5)),
    ("minimum_scalar", lambda x: al.minimum(x, 0.5)),
    ("clip", lambda x: al.clip(x, -0.5, 0.5)),
    ("where_scalar", lambda x: al.where(x.data > 0, x, 0.0)),
    ("where_scalar_first", lambda x: al.where(x.data > 0, 1.0, x)),
    ("sum", lambda x: x.sum(axis=0)),
    ("mean", lambda x: x.mean()),
    ("max", lambda x: x.max(axis=1)),
    ("min", lambda x: x.min()),
    ("var", lambda x: x.var(axis=1)),
    ("std", lambda x: x.std()),
    ("logsumexp", lambda x: al.logsumexp(x, axis=1)),
    ("softmax", al.softmax),
    ("log_softmax", al.log_softmax),
    ("reshape", lambda x: x.reshape(-1)),
    ("transpose", lambda x: x.T),
    ("permute", lambda x: x.permute(1, 0)),
    ("expand", lambda x: x.expand(2, 2, 3)),
    ("squeeze", lambda x: x[None].squeeze(0)),
    ("unsqueeze", lambda x: x.unsqueeze(1)),
    ("flatten", al.flatten),
    ("concatenate", lambda x: al.concatenate([x, x * 2.0])),
    ("stack", lambda x: al.stack([x, x])),
    ("pad", lambda x: al.pad(x, (1, 1), value=2.0)),
    ("getitem", lambda x: x[[0, 0]]),
    ("mask", lambda x: x[x > 0]),
    ("matmul", lambda x: x @ x.T),
    ("linear", lambda x: al.linear(x, x, x[0, :2])),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize(("name", "fn"), DTYPE_OPS, ids=[d[0] for d in DTYPE_OPS])
def test_dtype_is_preserved(name, fn, dtype):
    x = leaf([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]], dtype=dtype)
    y = fn(x)
    assert y.dtype == dtype, f"{name}: {dtype.__name__} input gave {y.dtype}"
    y.sum().backward()
    assert x.grad.dtype == dtype, f"{name}: gradient has dtype {x.grad.dtype}"
    assert x.grad.shape == x.shape


def test_python_floats_become_float32_by_default():
    assert al.tensor(1.5).dtype == np.float32
    assert al.tensor([1.0, 2.0]).dtype == np.float32
    assert al.tensor(np.array([1.0])).dtype == np.float64
    assert (al.tensor([1.0]) + al.tensor([1.0], dtype=np.float64)).dtype == np.float64


def test_gradient_dtype_matches_input_when_mixing_dtypes():
    a = leaf([1.0, 2.0], dtype=np.float32)
    b = leaf([3.0, 4.0], dtype=np.float64)
    y = a * b
    assert y.dtype == np.float64
    y.sum().backward()
    assert a.grad.dtype == np.float32 and b.grad.dtype == np.float64
    np.testing.assert_array_equal(a.grad, [3.0, 4.0])


@pytest.mark.parametrize(
    ("name", "op"),
    [
        ("add", lambda a, t: a + t),
        ("sub", lambda a, t: a - t),
        ("mul", lambda a, t: a * t),
        ("truediv", lambda a, t: a / t),
        ("pow", lambda a, t: a**t),
        ("matmul", lambda a, t: a @ t),
    ],
)
def test_ndarray_on_the_left_defers_to_tensor(name, op):
    """``ndarray <op> Tensor`` must give a Tensor in the graph, not a NumPy object array."""
    a = np.array([[0.5, 1.0], [2.0, 3.0]])
    t = leaf([[1.0, 2.0], [3.0, 4.0]])
    y = op(a, t)
    assert isinstance(y, al.Tensor) and y.requires_grad
    expected = op(a, t.data)
    np.testing.assert_allclose(y.data, expected)
    y.sum().backward()
    eps = 1e-6
    numeric = np.zeros((2, 2))
    for i in np.ndindex(2, 2):
        d = np.zeros((2, 2))
        d[i] = eps
        numeric[i] = (op(a, t.data + d).sum() - op(a, t.data - d).sum()) / (2 * eps)
    np.testing.assert_allclose(t.grad, numeric, rtol=1e-6)


def test_integer_tensors_cannot_require_grad():
    with pytest.raises(TypeError):
        al.tensor([1, 2], requires_grad=True)
    assert al.tensor([1, 2]).dtype == np.int64


# -- output shapes ---------------------------------------------------------------------------------

SHAPES = [
    ("sum_all", lambda x: x.sum(), ()),
    ("sum_keep_all", lambda x: x.sum(keepdims=True), (1, 1, 1)),
    ("sum_axis1", lambda x: x.sum(axis=1), (2, 4)),
    ("sum_axis_neg", lambda x: x.sum(axis=-1, keepdims=True), (2, 3, 1)),
    ("sum_tuple", lambda x: x.sum(axis=(0, 2)), (3,)),
    ("sum_tuple_neg_keep", lambda x: x.sum(axis=(-1, 0), keepdims=True), (1, 3, 1)),
    ("sum_dim_keepdim", lambda x: x.sum(dim=1, keepdim=True), (2, 1, 4)),
    ("mean_keep", lambda x: x.mean(axis=(1,), keepdims=True), (2, 1, 4)),
    ("max_axis", lambda x: x.max(axis=0), (3, 4)),
    ("min_keep", lambda x: x.min(axis=2, keepdims=True), (2, 3, 1)),
    ("var_axis", lambda x: x.var(axis=-1), (2, 3)),
    ("std_keep", lambda x: x.std(axis=(0, 1), keepdims=True), (1, 1, 4)),
    ("logsumexp", lambda x: al.logsumexp(x, axis=1), (2, 4)),
    ("logsumexp_keep", lambda x: al.logsumexp(x, axis=1, keepdims=True), (2, 1, 4)),
    ("softmax", lambda x: al.softmax(x, axis=1), (2, 3, 4)),
    ("argmax", lambda x: al.argmax(x), ()),
    ("argmax_axis", lambda x: al.argmax(x, axis=1), (2, 4)),
    ("argmax_keep", lambda x: al.argmax(x, axis=-1, keepdims=True), (2, 3, 1)),
    ("flatten", lambda x: x.flatten(), (24,)),
    ("flatten_1", lambda x: x.flatten(1), (2, 12)),
    ("flatten_0_1", lambda x: al.flatten(x, 0, 1), (6, 4)),
    ("unsqueeze_neg", lambda x: x.unsqueeze(-1), (2, 3, 4, 1)),
    ("unsqueeze_0", lambda x: x.unsqueeze(0), (1, 2, 3, 4)),
    ("squeeze_non1", lambda x: x.squeeze(0), (2, 3, 4)),
    ("transpose", lambda x: x.transpose(0, 2), (4, 3, 2)),
    ("T", lambda x: x.T, (4, 3, 2)),
    ("permute", lambda x: x.permute(2, 0, 1), (4, 2, 3)),
    ("expand", lambda x: x[:, :1].expand(5, 2, 3, 4), (5, 2, 3, 4)),
    ("pad", lambda x: al.pad(x, (1, 2)), (2, 3, 7)),
    ("pad_two_axes", lambda x: al.pad(x, (1, 2, 0, 1)), (2, 4, 7)),
    ("cat", lambda x: al.cat([x, x], dim=1), (2, 6, 4)),
    ("stack", lambda x: al.stack([x, x], axis=-1), (2, 3, 4, 2)),
    ("matmul_batched", lambda x: x @ x.transpose(-1, -2), (2, 3, 3)),
    ("matmul_vec", lambda x: x @ al.ones(4, dtype=np.float64), (2, 3)),
]


@pytest.mark.parametrize(("name", "fn", "shape"), SHAPES, ids=[s[0] for s in SHAPES])
def test_output_shapes(name, fn, shape):
    x = leaf(np.arange(24.0).reshape(2, 3, 4) % 7)
    y = fn(x)
    assert y.shape == shape
    if y.dtype.kind == "f":
        y.sum().backward()
        assert x.grad.shape == x.shape


def test_matmul_batch_broadcast_gradient_shapes():
    a = leaf(np.ones((2, 1, 3, 4)))
    b = leaf(np.ones((5, 4, 2)))
    y = a @ b
    assert y.shape == (2, 5, 3, 2)
    y.sum().backward()
    assert a.grad.shape == (2, 1, 3, 4) and b.grad.shape == (5, 4, 2)
    np.testing.assert_array_equal(a.grad, np.full((2, 1, 3, 4), 10.0))  # 5 batches x 2 cols
    np.testing.assert_array_equal(b.grad, np.full((5, 4, 2), 6.0))  # 2 batches x 3 rows


# -- argmax and comparisons ---------------------------------------------------------------------


def test_argmax_values():
    x = leaf([[1.0, 5.0, 2.0], [7.0, 0.0, 7.0]])
    am = al.argmax(x)
    assert am.dtype == np.int64 and am.item() == 3
    assert not am.requires_grad
    np.testing.assert_array_equal(al.argmax(x, axis=1).data, [1, 0])  # first maximum wins
    np.testing.assert_array_equal(x.argmax(dim=0).data, [1, 0, 1])
    np.testing.assert_array_equal(al.argmax(x, axis=-1, keepdims=True).data, [[1], [0]])


@pytest.mark.parametrize(
    ("op", "expected"),
    [
        (lambda a, b: a < b, [True, False, False]),
        (lambda a, b: a <= b, [True, True, False]),
        (lambda a, b: a > b, [False, False, True]),
        (lambda a, b: a >= b, [False, True, True]),
        (lambda a, b: a == b, [False, True, False]),
        (lambda a, b: a != b, [True, False, True]),
    ],
    ids=["lt", "le", "gt", "ge", "eq", "ne"],
)
def test_comparisons_return_bool_tensors_without_grad(op, expected):
    a = leaf([1.0, 2.0, 3.0])
    for b in (leaf([2.0, 2.0, 2.0]), 2.0, np.array([2.0, 2.0, 2.0])):
        r = op(a, b)
        assert isinstance(r, al.Tensor)
        assert r.dtype == np.bool_
        assert not r.requires_grad and r.grad_fn is None
        np.testing.assert_array_equal(r.data, expected)


def test_comparison_result_can_mask_and_where():
    x = leaf([-1.0, 2.0, -3.0])
    y = al.where(x > 0, x, x * 0.1)
    y.sum().backward()
    np.testing.assert_allclose(x.grad, [0.1, 1.0, 0.1])


# -- values of shape ops ------------------------------------------------------------------------


def test_pad_values_torch_convention():
    x = al.tensor([[1.0, 2.0], [3.0, 4.0]])
    y = al.pad(x, (1, 0), value=9.0)
    np.testing.assert_array_equal(y.data, [[9.0, 1.0, 2.0], [9.0, 3.0, 4.0]])
    z = al.pad(x, (0, 1, 1, 0))
    np.testing.assert_array_equal(z.data, [[0.0, 0.0, 0.0], [1.0, 2.0, 0.0], [3.0, 4.0, 0.0]])


def test_concatenate_and_stack_gradients_route_back():
    a, b = leaf([1.0, 2.0]), leaf([3.0])
    y = al.concatenate([a, b])
    (y * al.tensor([1.0, 2.0, 3.0], dtype=np.float64)).sum().backward()
    np.testing.assert_array_equal(a.grad, [1.0, 2.0])
    np.testing.assert_array_equal(b.grad, [3.0])
    c, d = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    s = al.stack([c, d], axis=1)
    np.testing.assert_array_equal(s.data, [[1.0, 3.0], [2.0, 4.0]])
    (s * al.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=np.float64)).sum().backward()
    np.testing.assert_array_equal(c.grad, [1.0, 3.0])
    np.testing.assert_array_equal(d.grad, [2.0, 4.0])


def test_where_values_and_gradients():
    a, b = leaf([1.0, 2.0, 3.0]), leaf(10.0)
    y = al.where([True, False, True], a, b)
    np.testing.assert_array_equal(y.data, [1.0, 10.0, 3.0])
    y.sum().backward()
    np.testing.assert_array_equal(a.grad, [1.0, 0.0, 1.0])
    assert b.grad.shape == () and b.grad.item() == 1.0


# -- Function classes named like an nn layer end in "Function"; what users see is unchanged --

RENAMED = {
    # class name: (drawn label, name in messages, repr's grad_fn)
    "TanhFunction": ("tanh", "tanh", "Tanh"),
    "SigmoidFunction": ("sigmoid", "sigmoid", "Sigmoid"),
    "ReLUFunction": ("relu", "relu", "ReLU"),
    "LeakyReLUFunction": ("leaky_relu", "leakyrelu", "LeakyReLU"),
    "ELUFunction": ("elu", "elu", "ELU"),
    "SoftmaxFunction": ("softmax", "softmax", "Softmax"),
    "LogSoftmaxFunction": ("log_softmax", "logsoftmax", "LogSoftmax"),
    "LinearFunction": ("linear", "linear", "Linear"),
    "Conv2dFunction": ("conv2d", "conv2d", "Conv2d"),
    "MaxPool2dFunction": ("max_pool2d", "maxpool2d", "MaxPool2d"),
    "AvgPool2dFunction": ("avg_pool2d", "avgpool2d", "AvgPool2d"),
}


def test_renamed_functions_keep_their_label_message_name_and_repr():
    from autograd_lite import ops

    for cls_name, (label, name, shown) in RENAMED.items():
        cls = next(getattr(m, cls_name) for m in vars(ops).values() if hasattr(m, cls_name))
        assert (cls.label, cls.name()) == (label, name), cls_name
        assert cls.__name__.removesuffix("Function") == shown  # what repr shows
    y = al.tensor([1.0, -1.0], requires_grad=True).tanh()
    assert repr(y).endswith("grad_fn=<Tanh>)")


def test_linear_errors_name_linear_not_the_class():
    # The Function behind al.linear was called Affine, and its messages said "affine:".
    x, w = al.tensor(np.ones((2, 3))), al.tensor(np.ones((4, 3)))
    with pytest.raises(al.ShapeError, match=r"^linear: shapes .*cannot be broadcast"):
        al.linear(x, w, al.tensor(np.ones(5)))
    with pytest.raises(TypeError, match=r"^linear: "):
        al.linear(x, w, "bias")
    assert repr(al.linear(x, w.requires_grad_())).endswith("grad_fn=<Linear>)")


def test_sub_backward_negates_only_for_a_tensor_subtrahend(monkeypatch):
    from autograd_lite.ops.arithmetic import Neg

    negations = []
    forward = Neg.forward
    monkeypatch.setattr(Neg, "forward", lambda self, a: negations.append(1) or forward(self, a))
    x = al.tensor([1.0, 2.0], requires_grad=True)
    (x - 2.0).sum().backward()  # 2.0 gets no gradient, so no -g is built for it
    assert negations == [] and x.grad.tolist() == [1.0, 1.0]
    x.grad = None
    (2.0 - x).sum().backward()  # x is b here: its gradient is -g
    assert negations == [1] and x.grad.tolist() == [-1.0, -1.0]
