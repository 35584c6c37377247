"""Tests for the Conv2d, MaxPool2d and AvgPool2d layers (the ops: tests/autograd_lite)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_lite as al
import nn
from autograd_lite import ShapeError
from autograd_lite.testing import arrays_for_grad, assert_grad_matches_numeric


def test_conv2d_layer_shapes_params_and_repr():
    conv = nn.Conv2d(3, 8, 3, stride=2, padding=1)
    assert conv.weight.shape == (8, 3, 3, 3) and conv.bias.shape == (8,)
    assert conv.kernel_size == (3, 3) and conv.stride == (2, 2) and conv.padding == (1, 1)
    assert conv(al.randn(2, 3, 9, 7)).shape == (2, 8, 5, 4)
    assert repr(conv) == "Conv2d(3, 8, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1))"
    rect = nn.Conv2d(1, 2, (3, 1), bias=False)
    assert rect.bias is None and rect(al.randn(1, 1, 5, 5)).shape == (1, 2, 3, 5)
    assert repr(rect) == "Conv2d(1, 2, kernel_size=(3, 1), stride=(1, 1), bias=False)"


@given(
    x=arrays_for_grad(shape=(2, 2, 5, 4)),
    stride=st.integers(1, 2),
    padding=st.integers(0, 1),
)
def test_conv2d_layer_gradcheck(x, stride, padding):
    conv = nn.Conv2d(2, 3, 3, stride=stride, padding=padding).double()
    assert_grad_matches_numeric(
        lambda x, w, b: nn.functional.conv2d(x, w, b, stride, padding), x, conv.weight, conv.bias
    )


@given(x=arrays_for_grad(shape=(1, 2, 5, 5)))
def test_pool_layers_gradcheck(x):
    assert_grad_matches_numeric(nn.AvgPool2d(3, stride=2, padding=1), x)
    distinct = np.random.default_rng(0).permutation(x.size).reshape(x.shape) * 0.1  # no ties
    assert_grad_matches_numeric(nn.MaxPool2d(2, stride=1), distinct)


def test_conv2d_layer_errors_name_the_layer():
    conv = nn.Conv2d(3, 8, 3)
    with pytest.raises(
        ShapeError, match=r"Conv2d\(3, 8, .*\): input of shape \(2, 4, 9, 9\) has 4 c"
    ):
        conv(al.randn(2, 4, 9, 9))
    with pytest.raises(ShapeError, match=r"is not 4-D; expected \(N, 3, H, W\)"):
        conv(al.randn(3, 9, 9))
    with pytest.raises(
        ShapeError, match=r"Conv2d\(.*\): kernel 3x3 is larger than the padded input"
    ):
        conv(al.randn(1, 3, 2, 5))
    with pytest.raises(TypeError, match=r"Conv2d\(.*\): input has dtype bool"):
        conv(al.ones(1, 3, 5, 5) > 0)
    with pytest.raises(ValueError, match="in_channels must be a positive integer"):
        nn.Conv2d(0, 8, 3)
    with pytest.raises(ValueError, match="kernel_size must be an int >= 1"):
        nn.Conv2d(1, 8, 0)
    with pytest.raises(ValueError, match="padding must be an int >= 0"):
        nn.Conv2d(1, 8, 3, padding=-1)


def test_pool_layer_errors_and_repr():
    pool = nn.MaxPool2d(2)
    assert repr(pool) == "MaxPool2d(kernel_size=2, stride=2, padding=0)"
    assert pool(al.randn(1, 1, 5, 5)).shape == (1, 1, 2, 2)
    with pytest.raises(ShapeError, match=r"MaxPool2d\(kernel_size=2.*\): expected a 4-D input"):
        pool(al.randn(5, 5))
    with pytest.raises(ShapeError, match=r"AvgPool2d.*kernel 3x3 is larger than the padded input"):
        nn.AvgPool2d(3)(al.randn(1, 1, 2, 2))
    with pytest.raises(ValueError, match="at most half the kernel size"):
        nn.AvgPool2d(2, padding=2)
    with pytest.raises(ValueError, match="stride must be an int >= 1"):
        nn.MaxPool2d(2, stride=0)


def test_conv_net_matches_torch_with_the_same_weights():
    torch = pytest.importorskip("torch")

    def build(lib):
        return lib.Sequential(
            lib.Conv2d(2, 4, 3, padding=1),
            lib.ReLU(),
            lib.MaxPool2d(2),
            lib.Conv2d(4, 6, 3, stride=2, padding=1),
            lib.ReLU(),
            lib.AvgPool2d(2, stride=1),
            lib.Flatten(),
            lib.Linear(6, 3),
        )

    ours, theirs = build(nn), build(torch.nn)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((5, 2, 8, 8)).astype(np.float32)
    a, ta = al.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, ty = ours(a), theirs(ta)
    np.testing.assert_allclose(y.data, ty.detach().numpy(), atol=1e-5)
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    np.testing.assert_allclose(a.grad.data, ta.grad.numpy(), atol=1e-5)
    for (name, p), tp in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.data, tp.grad.numpy(), atol=1e-4, err_msg=name)


def test_conv_net_float64_end_to_end_gradcheck():
    model = nn.Sequential(
        nn.Conv2d(1, 2, 3, padding=1), nn.Tanh(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(8, 2)
    ).double()
    x = al.tensor(np.random.default_rng(3).standard_normal((2, 1, 4, 4)))
    y = model(x.requires_grad_())
    y.sum().backward()
    assert x.grad.shape == x.shape and all(p.grad is not None for p in model.parameters())
    assert_grad_matches_numeric(model, x.data)
