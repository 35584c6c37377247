"""Tests for the activation modules, nn.functional's activations, erf and Maxout."""

import math

import numpy as np
import pytest
from hypothesis import given

import autograd_lite as al
import nn
import nn.functional as F
from autograd_lite import ShapeError
from autograd_lite.testing import arrays_for_grad, assert_grad_matches_numeric, shapes

ACTIVATIONS = [
    nn.ReLU(),
    nn.LeakyReLU(0.1),
    nn.Sigmoid(),
    nn.Tanh(),
    nn.ELU(0.7),
    nn.GELU(),
    nn.GELU(approximate="tanh"),
    nn.Softmax(dim=-1),
    nn.LogSoftmax(dim=0),
]


@pytest.mark.parametrize("module", ACTIVATIONS, ids=repr)
@given(x=arrays_for_grad(shape=shapes(min_dims=1, max_dims=3)))
def test_activation_gradcheck(module, x):
    assert_grad_matches_numeric(module, x)


@pytest.mark.parametrize("module", ACTIVATIONS, ids=repr)
def test_activation_keeps_shape_and_float32(module):
    x = al.randn(3, 4)
    y = module(x)
    assert y.shape == (3, 4) and y.dtype == np.float32


@pytest.mark.parametrize("module", [nn.GELU(), nn.Sigmoid(), nn.Tanh(), nn.ELU()], ids=repr)
def test_second_derivatives(module):
    x = al.tensor(np.linspace(-2.5, 2.5, 6), requires_grad=True)  # not 0: ELU's kink
    assert al.gradgradcheck(module, [x])


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        ("relu", "relu"),
        ("leaky_relu", "leaky_relu"),
        ("sigmoid", "sigmoid"),
        ("tanh", "tanh"),
        ("elu", "elu"),
        ("gelu", "gelu"),
        ("gelu_tanh", "gelu_tanh"),
        ("softmax", "softmax"),
        ("log_softmax", "log_softmax"),
    ],
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_matches_torch(ours, theirs, dtype):
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    fns = {
        "relu": (F.relu, tf.relu),
        "leaky_relu": (lambda x: F.leaky_relu(x, 0.2), lambda x: tf.leaky_relu(x, 0.2)),
        "sigmoid": (F.sigmoid, torch.sigmoid),
        "tanh": (F.tanh, torch.tanh),
        "elu": (lambda x: F.elu(x, 1.3), lambda x: tf.elu(x, 1.3)),
        "gelu": (F.gelu, tf.gelu),
        "gelu_tanh": (lambda x: F.gelu(x, "tanh"), lambda x: tf.gelu(x, approximate="tanh")),
        "softmax": (lambda x: F.softmax(x, 1), lambda x: tf.softmax(x, 1)),
        "log_softmax": (lambda x: F.log_softmax(x, 0), lambda x: tf.log_softmax(x, 0)),
    }
    ours_fn, theirs_fn = fns[ours][0], fns[theirs][1]
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((6, 50)) * 3).astype(dtype)
    g = rng.standard_normal((6, 50)).astype(dtype)
    a, ta = al.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, ty = ours_fn(a), theirs_fn(ta)
    y.backward(g)
    ty.backward(torch.tensor(g))
    # float32: composites (gelu tanh) round differently from torch's fused kernels.
    tol = 1e-5 if dtype == np.float32 else 1e-9
    assert y.dtype == dtype
    np.testing.assert_allclose(y.data, ty.detach().numpy(), atol=tol, rtol=tol)
    np.testing.assert_allclose(a.grad.data, ta.grad.numpy(), atol=tol, rtol=tol)


def test_erf_accuracy():
    x = np.linspace(-6, 6, 4001)
    expected = np.array([math.erf(v) for v in x])
    assert np.abs(F.erf(al.tensor(x)).data - expected).max() < 1e-9
    assert F.erf(al.tensor(x.astype(np.float32))).dtype == np.float32


@given(arrays_for_grad(shape=shapes(min_dims=1, max_dims=2)))
def test_erf_gradcheck(x):
    assert_grad_matches_numeric(F.erf, x)


def test_gelu_bad_approximate():
    with pytest.raises(ValueError, match="approximate must be 'none' or 'tanh'"):
        nn.GELU(approximate="fast")
    with pytest.raises(ValueError, match="approximate"):
        F.gelu(al.randn(2), approximate="erf")


def test_reprs():
    assert repr(nn.ReLU()) == "ReLU()"
    assert repr(nn.LeakyReLU()) == "LeakyReLU(negative_slope=0.01)"
    assert repr(nn.ELU()) == "ELU(alpha=1.0)"
    assert repr(nn.Softmax(dim=1)) == "Softmax(dim=1)"
    assert repr(nn.GELU()) == "GELU(approximate='none')"


def test_maxout_is_max_over_pieces():
    m = nn.Maxout(4, 3, num_pieces=2)
    x = al.randn(5, 4)
    y = m(x)
    assert y.shape == (5, 3)
    z = x.data @ m.linear.weight.data.T + m.linear.bias.data  # (5, 6): unit j owns 2j, 2j+1
    np.testing.assert_allclose(y.data, z.reshape(5, 3, 2).max(axis=-1), rtol=1e-6)
    assert [n for n, _ in m.named_parameters()] == ["linear.weight", "linear.bias"]
    with pytest.raises(ShapeError, match=r"Maxout\(.*\): input of shape \(5, 3\) has 3 features"):
        m(al.randn(5, 3))
    with pytest.raises(ValueError, match="num_pieces must be a positive integer"):
        nn.Maxout(4, 3, 0)


@given(arrays_for_grad(shape=(3, 4)))
def test_maxout_gradcheck(x):
    m = nn.Maxout(4, 2, num_pieces=3).double()
    assert_grad_matches_numeric(m, x)
