"""Tests for nn.init: PyTorch's formulas for gains, fans and the init schemes."""

import math

import numpy as np
import pytest

import autograd_lite as al
import nn
from nn import init


@pytest.mark.parametrize(
    ("name", "param", "expected"),
    [
        ("linear", None, 1.0),
        ("conv2d", None, 1.0),
        ("sigmoid", None, 1.0),
        ("tanh", None, 5 / 3),
        ("relu", None, math.sqrt(2)),
        ("leaky_relu", None, math.sqrt(2 / (1 + 0.01**2))),
        ("leaky_relu", 0.2, math.sqrt(2 / 1.04)),
        ("leaky_relu", 0, math.sqrt(2)),
        ("selu", None, 0.75),
    ],
)
def test_calculate_gain(name, param, expected):
    assert init.calculate_gain(name, param) == pytest.approx(expected)


def test_calculate_gain_matches_torch():
    torch = pytest.importorskip("torch")
    for name in ["linear", "tanh", "relu", "leaky_relu", "sigmoid", "selu"]:
        assert init.calculate_gain(name) == pytest.approx(torch.nn.init.calculate_gain(name))


def test_unknown_nonlinearity_and_bad_mode_are_value_errors():
    with pytest.raises(ValueError, match="unsupported nonlinearity 'swish'"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match="mode must be 'fan_in' or 'fan_out'"):
        init.kaiming_normal_(al.zeros(3, 4), mode="fan_avg")
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(al.zeros(5))


def test_fans_count_the_kernel():
    assert init._calculate_fan_in_and_fan_out(al.zeros(10, 20)) == (20, 10)
    assert init._calculate_fan_in_and_fan_out(al.zeros(16, 8, 3, 3)) == (8 * 9, 16 * 9)


def test_fill_functions_work_in_place_and_return_the_tensor():
    p = nn.Parameter(al.zeros(3, 4))
    assert init.ones_(p) is p and np.all(p.data == 1)
    assert init.zeros_(p) is p and np.all(p.data == 0)
    assert init.constant_(p, 0.5) is p and np.all(p.data == 0.5)
    assert p.dtype == np.float32 and p.grad_fn is None and p.requires_grad
    init.uniform_(p, -2.0, -1.0)
    assert np.all((p.data >= -2.0) & (p.data < -1.0))


def _sample(fn, shape, **kwargs):
    t = al.zeros(*shape, dtype=np.float64)
    fn(t, **kwargs)
    return t.data


@pytest.mark.parametrize(
    ("fn", "kwargs", "expected_std"),
    [
        # shape (200, 300): fan_in 300, fan_out 200
        (init.kaiming_normal_, {"nonlinearity": "relu"}, math.sqrt(2 / 300)),
        (init.kaiming_normal_, {"mode": "fan_out", "nonlinearity": "relu"}, math.sqrt(2 / 200)),
        (init.kaiming_uniform_, {"nonlinearity": "relu"}, math.sqrt(2 / 300)),
        (init.xavier_normal_, {}, math.sqrt(2 / 500)),
        (init.xavier_uniform_, {"gain": 2.0}, 2 * math.sqrt(2 / 500)),
        (init.normal_, {"mean": 0.0, "std": 0.3}, 0.3),
    ],
)
def test_init_statistics(fn, kwargs, expected_std):
    w = _sample(fn, (200, 300), **kwargs)
    assert abs(w.mean()) < 0.05 * expected_std + 1e-3
    assert w.std() == pytest.approx(expected_std, rel=0.03)


def test_uniform_bounds():
    bound = math.sqrt(2) * math.sqrt(3 / 300)
    w = _sample(init.kaiming_uniform_, (200, 300), nonlinearity="relu")
    assert w.max() <= bound and w.min() >= -bound and w.max() > 0.98 * bound
    w = _sample(init.xavier_uniform_, (200, 300))
    assert np.abs(w).max() <= math.sqrt(6 / 500)


def test_default_layer_init_is_pytorchs():
    layer = nn.Linear(400, 50)
    bound = 1 / math.sqrt(400)
    for p in (layer.weight, layer.bias):
        assert np.abs(p.data).max() <= bound
    assert layer.weight.data.std() == pytest.approx(bound / math.sqrt(3), rel=0.05)
    conv = nn.Conv2d(8, 16, 3)
    bound = 1 / math.sqrt(8 * 9)
    assert np.abs(conv.weight.data).max() <= bound and np.abs(conv.bias.data).max() <= bound
    assert conv.weight.data.std() == pytest.approx(bound / math.sqrt(3), rel=0.1)


def test_manual_seed_makes_init_reproducible():
    al.manual_seed(123)
    a = nn.Linear(5, 5).weight.data.copy()
    w = init.kaiming_normal_(al.zeros(5, 5)).data.copy()
    al.manual_seed(123)
    assert np.array_equal(nn.Linear(5, 5).weight.data, a)
    assert np.array_equal(init.kaiming_normal_(al.zeros(5, 5)).data, w)
