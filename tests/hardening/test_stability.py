"""Numerical stability of the nn losses, activations and layers at extreme inputs: finite
results (or the true infinity), gradients equal to their analytic limits, in float32 and
float64, without NumPy overflow / invalid / divide-by-zero warnings.

The engine's own ops at extremes (sigmoid(±1000), log_softmax([1000, 0]), logsumexp of large
values, softmax with a -inf entry) are in tests/autograd_lite/test_ops_values.py; these
tests go through nn's losses and modules and look at the gradients.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import autograd_lite as al
import nn
from nn import loss as L

DTYPES = [np.float32, np.float64]
INF = np.inf
# softplus(-100) = log(1 + e^-100) = e^-100 to double precision: the loss of a confident,
# correct logit of 100 (representable in float32 as a subnormal)
SOFTPLUS_M100 = math.exp(-100)


@pytest.fixture(autouse=True)
def no_warnings():
    """NumPy's overflow / invalid-value / divide-by-zero warnings are errors here."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            yield


def leaf(values, dtype):
    return al.tensor(np.asarray(values, dtype=dtype), requires_grad=True)


def tol(dtype):
    return {"rtol": 1e-6 if dtype == np.float32 else 1e-12, "atol": 1e-30}


# -- BCEWithLogits at ±100 ----------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
def test_bce_with_logits_at_plus_minus_100(dtype):
    x = leaf([100.0, 100.0, -100.0, -100.0], dtype)
    y = [1.0, 0.0, 1.0, 0.0]
    loss = L.binary_cross_entropy_with_logits(x, y, reduction="none")
    assert loss.dtype == dtype
    np.testing.assert_allclose(loss.data, [SOFTPLUS_M100, 100, 100, SOFTPLUS_M100], **tol(dtype))
    loss.sum().backward()
    # d/dx = σ(x) - y: -σ(-100), 1, -1, σ(-100)
    np.testing.assert_allclose(
        x.grad.data, [-SOFTPLUS_M100, 1.0, -1.0, SOFTPLUS_M100], **tol(dtype)
    )
    assert x.grad.dtype == dtype


@pytest.mark.parametrize("dtype", DTYPES)
def test_bce_with_logits_module_with_pos_weight_at_extremes(dtype):
    x = leaf([[100.0, -100.0], [-100.0, 100.0]], dtype)
    y = np.array([[1.0, 1.0], [0.0, 0.0]], dtype=dtype)
    w = 3.0
    loss = nn.BCEWithLogitsLoss(pos_weight=al.tensor(np.full(2, w, dtype=dtype)))(x, y)
    # y=1: w·softplus(-x) -> w·e^-100, w·100;  y=0: softplus(x) -> e^-100, 100; mean of 4
    expected = (w * SOFTPLUS_M100 + w * 100 + SOFTPLUS_M100 + 100) / 4
    assert loss.item() == pytest.approx(expected, rel=1e-6)
    loss.backward()
    # y=1: -w·σ(-x);  y=0: σ(x); each / 4
    expected_grad = np.array([[-w * SOFTPLUS_M100, -w], [SOFTPLUS_M100, 1.0]]) / 4
    np.testing.assert_allclose(x.grad.data, expected_grad, **tol(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
def test_bce_with_logits_at_plus_minus_1e4_float32_range(dtype):
    """Beyond exp's float32 range (e^88): still finite, and exactly |x| for wrong signs."""
    x = leaf([1e4, -1e4], dtype)
    loss = L.binary_cross_entropy_with_logits(x, [0.0, 1.0], reduction="sum")
    assert loss.item() == 2e4
    loss.backward()
    np.testing.assert_array_equal(x.grad.data, [1.0, -1.0])


# -- BCE on probabilities that are exactly 0 or 1 -----------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
def test_bce_at_probabilities_zero_and_one_is_clamped_and_finite(dtype):
    p = leaf([0.0, 1.0, 0.0, 1.0], dtype)
    y = [1.0, 0.0, 0.0, 1.0]
    loss = L.binary_cross_entropy(p, y, reduction="none")
    # log is clamped at -100 (PyTorch's convention): wrong and certain costs 100, right costs 0
    np.testing.assert_array_equal(loss.data, [100.0, 100.0, 0.0, 0.0])
    loss.sum().backward()
    g = p.grad.data
    assert np.isfinite(g).all()
    # d/dp = (p - y) / (p (1 - p)), its denominator clamped to 1e-12 (PyTorch): -1e12, +1e12;
    # where the prediction is right the gradient is 0, not NaN
    np.testing.assert_allclose(g[:2], [-1e12, 1e12], rtol=1e-6)
    np.testing.assert_array_equal(g[2:], [0.0, 0.0])


# -- cross-entropy when a class has probability 0 --------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
def test_cross_entropy_with_a_zero_probability_class(dtype):
    """A -inf logit (probability 0) for a class that is not the target: finite loss, and
    that class gets exactly zero gradient."""
    x = leaf([[-INF, 0.0, 1.0], [2.0, -INF, 2.0]], dtype)
    loss = L.cross_entropy(x, [2, 0])
    p_row0 = np.array([0.0, 1 / (1 + math.e), math.e / (1 + math.e)])
    expected = (-math.log(p_row0[2]) + math.log(2)) / 2
    assert loss.item() == pytest.approx(expected, rel=1e-6)
    loss.backward()
    expected_grad = np.array([p_row0 - [0, 0, 1], [0.5 - 1, 0.0, 0.5]]) / 2
    np.testing.assert_allclose(x.grad.data, expected_grad, rtol=1e-6, atol=1e-7)
    assert x.grad.data[0, 0] == 0.0 and x.grad.data[1, 1] == 0.0


@pytest.mark.parametrize("dtype", DTYPES)
def test_cross_entropy_when_every_other_class_has_probability_zero(dtype):
    x = leaf([[-INF, 5.0, -INF]], dtype)
    loss = nn.CrossEntropyLoss()(x, [1])
    assert loss.item() == 0.0
    loss.backward()
    np.testing.assert_array_equal(x.grad.data, [[0.0, 0.0, 0.0]])


@pytest.mark.parametrize("dtype", DTYPES)
def test_cross_entropy_when_the_target_has_probability_zero_is_inf_not_nan(dtype):
    x = leaf([[-INF, 0.0, 0.0]], dtype)
    with np.errstate(divide="ignore"):  # log(0) = -inf is the honest answer here
        loss = L.cross_entropy(x, [0], reduction="none")
    assert loss.data[0] == INF
    loss.sum().backward()
    # softmax - onehot: the limit of the gradient as the target's logit goes to -inf
    np.testing.assert_allclose(x.grad.data, [[-1.0, 0.5, 0.5]], rtol=1e-7)


@pytest.mark.parametrize("dtype", DTYPES)
def test_weighted_cross_entropy_with_a_zero_probability_class(dtype):
    x = leaf([[-INF, 5.0, 1.0], [0.0, -INF, 0.0]], dtype)
    weight = al.tensor(np.array([1.0, 2.0, 3.0], dtype=dtype))
    loss = L.cross_entropy(x, [1, 2], weight=weight)
    l0 = math.log(math.exp(5) + math.exp(1)) - 5
    expected = (2 * l0 + 3 * math.log(2)) / (2 + 3)
    assert loss.item() == pytest.approx(expected, rel=1e-6)
    loss.backward()
    assert np.isfinite(x.grad.data).all()
    assert x.grad.data[0, 0] == 0.0 and x.grad.data[1, 1] == 0.0
    np.testing.assert_allclose(x.grad.data.sum(axis=1), [0.0, 0.0], atol=1e-7)


@pytest.mark.parametrize("dtype", DTYPES)
def test_cross_entropy_of_huge_logits(dtype):
    x = leaf([[1e4, 0.0, -1e4], [-1e4, -1e4, 1e4]], dtype)
    loss = L.cross_entropy(x, [1, 2], reduction="none")
    np.testing.assert_array_equal(loss.data, [1e4, 0.0])
    loss.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[1.0, -1.0, 0.0], [0.0, 0.0, 0.0]])


@pytest.mark.parametrize("dtype", DTYPES)
def test_nll_of_log_softmax_with_zero_probability_classes(dtype):
    x = leaf([[-INF, 5.0, -INF], [1000.0, 0.0, -INF]], dtype)
    loss = nn.NLLLoss()(nn.LogSoftmax(dim=1)(x), [1, 0])
    assert loss.item() == 0.0
    loss.backward()
    np.testing.assert_array_equal(x.grad.data, np.zeros((2, 3)))


# -- softmax modules with all but one entry -inf ------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_module_with_all_but_one_entry_minus_inf(dtype):
    x = leaf([[-INF, 5.0, -INF], [-INF, -INF, -1e4]], dtype)
    y = nn.Softmax(dim=1)(x)
    np.testing.assert_array_equal(y.data, [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    (y * al.tensor(np.array([[1.0, 2.0, 3.0]], dtype=dtype))).sum().backward()
    # y ⊙ (g - Σ g y) is zero everywhere when y is one-hot
    np.testing.assert_array_equal(x.grad.data, np.zeros((2, 3)))


@pytest.mark.parametrize("dtype", DTYPES)
def test_log_softmax_module_with_all_but_one_entry_minus_inf(dtype):
    x = leaf([[-INF, 5.0, -INF]], dtype)
    y = nn.LogSoftmax(dim=1)(x)
    np.testing.assert_array_equal(y.data, [[-INF, 0.0, -INF]])
    y[:, 1].sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[0.0, 0.0, 0.0]])


# -- activations at ±1000 ---------------------------------------------------------------------

ACTIVATION_LIMITS = [
    # module, f(1000), f(-1000), f'(1000), f'(-1000)
    (lambda: nn.Sigmoid(), 1.0, 0.0, 0.0, 0.0),
    (lambda: nn.Tanh(), 1.0, -1.0, 0.0, 0.0),
    (lambda: nn.ELU(), 1000.0, -1.0, 1.0, 0.0),
    (lambda: nn.GELU(), 1000.0, 0.0, 1.0, 0.0),
    (lambda: nn.GELU(approximate="tanh"), 1000.0, 0.0, 1.0, 0.0),
    (lambda: nn.LeakyReLU(0.1), 1000.0, -100.0, 1.0, 0.1),
    (lambda: nn.ReLU(), 1000.0, 0.0, 1.0, 0.0),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    ("make", "f_hi", "f_lo", "d_hi", "d_lo"),
    ACTIVATION_LIMITS,
    ids=["sigmoid", "tanh", "elu", "gelu", "gelu_tanh", "leaky_relu", "relu"],
)
def test_activation_modules_at_plus_minus_1000(make, f_hi, f_lo, d_hi, d_lo, dtype):
    x = leaf([1000.0, -1000.0], dtype)
    y = make()(x)
    assert y.dtype == dtype
    np.testing.assert_allclose(y.data, [f_hi, f_lo], rtol=1e-6, atol=0)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, [d_hi, d_lo], rtol=1e-6, atol=0)


# -- layers and optimizers at degenerate inputs ------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
def test_batchnorm_on_a_constant_batch(dtype):
    """Zero variance: x̂ = 0/sqrt(0 + eps) = 0, so the output is beta; the gradient is the
    analytic one, γ/sqrt(eps) · (g - mean(g)) (the x̂ terms vanish), finite."""
    bn = nn.BatchNorm1d(2).to(dtype)
    bn.weight.data[...] = [2.0, 0.5]
    bn.bias.data[...] = [0.25, -1.0]
    x = leaf([[3.0, 1.0], [3.0, 1.0], [3.0, 1.0]], dtype)
    y = bn(x)
    np.testing.assert_allclose(y.data, np.tile([0.25, -1.0], (3, 1)), rtol=1e-6)
    g = np.array([[1.0, 2.0], [3.0, 5.0], [0.0, 1.0]], dtype=dtype)
    (y * al.tensor(g)).sum().backward()
    expected = np.array([2.0, 0.5]) / math.sqrt(bn.eps) * (g - g.mean(axis=0))
    np.testing.assert_allclose(x.grad.data, expected, rtol=1e-4)
    # the running variance moved toward 0, the running mean toward the constant
    assert np.all(bn.running_var.data < 1.0) and np.all(np.isfinite(bn.running_mean.data))


@pytest.mark.parametrize("dtype", DTYPES)
def test_multiclass_svm_and_multi_margin_with_huge_scores(dtype):
    x = leaf([[1e30, -1e30, 0.0], [-1e30, 1e30, 0.0]], dtype)
    loss = L.multiclass_svm_loss(x, [0, 0], reduction="none")
    # row 0: the target wins by far, no hinge is active; row 1: margin 1 + 2e30 and 1 + 1e30
    assert loss.data[0] == 0.0
    assert loss.data[1] == pytest.approx(3e30, rel=1e-6)
    loss.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[0.0, 0.0, 0.0], [-2.0, 1.0, 1.0]])


OPTIMIZERS = {
    "sgd_momentum_nesterov": lambda p: nn.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True),
    "adagrad": lambda p: nn.optim.Adagrad(p, lr=0.1),
    "rmsprop": lambda p: nn.optim.RMSprop(p, lr=0.1),
    "adam": lambda p: nn.optim.Adam(p, lr=0.1),
    "adam_amsgrad": lambda p: nn.optim.Adam(p, lr=0.1, amsgrad=True),
    "adamw": lambda p: nn.optim.AdamW(p, lr=0.1, weight_decay=0.0),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_optimizers_with_zero_gradients_stay_put(name, dtype):
    """Zero gradients (a dead ReLU, a saturated sigmoid): the adaptive denominators are 0,
    eps keeps the update at exactly 0 rather than 0/0 = NaN."""
    w = nn.Parameter(np.array([1.0, -2.0], dtype=dtype))
    opt = OPTIMIZERS[name]([w])
    for _ in range(3):
        opt.zero_grad()
        w.grad = al.tensor(np.zeros(2, dtype=dtype))
        opt.step()
    np.testing.assert_array_equal(w.data, [1.0, -2.0])
    assert w.dtype == dtype


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["adagrad", "rmsprop", "adam", "adam_amsgrad"])
def test_adaptive_optimizers_with_tiny_gradients_take_bounded_steps(name, dtype):
    """g = 1e-30: g² underflows to 0 in float32 (and is 1e-60 in float64); the step must
    stay finite and no larger than a normal step (lr / (1 - β) at most)."""
    w = nn.Parameter(np.array([1.0], dtype=dtype))
    opt = OPTIMIZERS[name]([w])
    w.grad = al.tensor(np.array([1e-30], dtype=dtype))
    opt.step()
    assert np.isfinite(w.data).all()
    assert abs(w.data[0] - 1.0) <= 1.0
