"""Tests for autograd_lite.ops.conv: conv2d, max_pool2d, avg_pool2d as fused primitives."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_lite as al
from autograd_lite import ShapeError
from autograd_lite.ops.conv import avg_pool2d, conv2d, max_pool2d
from autograd_lite.testing import arrays_for_grad, assert_grad_matches_numeric


@st.composite
def conv_cases(draw):
    """Small (x, w, b, stride, padding) with a kernel that fits the padded input."""
    n, c, f = draw(st.integers(1, 2)), draw(st.integers(1, 2)), draw(st.integers(1, 2))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    stride, padding = draw(st.integers(1, 3)), draw(st.integers(0, 2))
    h = draw(st.integers(max(1, kh - 2 * padding), 5))
    w = draw(st.integers(max(1, kw - 2 * padding), 5))
    x = draw(arrays_for_grad(shape=(n, c, h, w)))
    weight = draw(arrays_for_grad(shape=(f, c, kh, kw)))
    bias = draw(arrays_for_grad(shape=(f,)))
    return x, weight, bias, stride, padding


@st.composite
def pool_cases(draw, distinct=False):
    """Small (x, kernel, stride, padding) for pooling (padding at most half the kernel)."""
    k = draw(st.integers(1, 3))
    stride, padding = draw(st.integers(1, 3)), draw(st.integers(0, k // 2))
    h, w = draw(st.integers(k, 5)), draw(st.integers(k, 5))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 2)), h, w)
    if distinct:  # max pooling has a kink where two values of a window tie: keep them apart
        order = draw(st.permutations(range(int(np.prod(shape)))))
        x = (np.array(order, dtype=np.float64).reshape(shape) - len(order) / 2) * 0.1
    else:
        x = draw(arrays_for_grad(shape=shape))
    return x, k, stride, padding


def _out_size(size, k, s, p):
    return (size + 2 * p - k) // s + 1


@given(conv_cases())
def test_conv2d_gradcheck(case):
    x, w, b, s, p = case
    assert_grad_matches_numeric(lambda x, w, b: conv2d(x, w, b, stride=s, padding=p), x, w, b)


@given(conv_cases())
def test_conv2d_output_shape_and_bias_free_form(case):
    x, w, _, s, p = case
    y = conv2d(al.tensor(x), al.tensor(w), stride=s, padding=p)
    n, _, h, wd = x.shape
    f, _, kh, kw = w.shape
    assert y.shape == (n, f, _out_size(h, kh, s, p), _out_size(wd, kw, s, p))


@given(pool_cases(distinct=True))
def test_max_pool2d_gradcheck(case):
    x, k, s, p = case
    assert_grad_matches_numeric(lambda x: max_pool2d(x, k, s, p), x)


@given(pool_cases())
def test_avg_pool2d_gradcheck(case):
    x, k, s, p = case
    assert_grad_matches_numeric(lambda x: avg_pool2d(x, k, s, p), x)


@pytest.mark.parametrize(("stride", "padding"), [(1, 0), (2, 1), (3, 1)])
def test_conv2d_second_derivatives(stride, padding):
    rng = np.random.default_rng(0)
    x = al.tensor(rng.standard_normal((2, 2, 5, 4)), requires_grad=True)
    w = al.tensor(rng.standard_normal((3, 2, 3, 2)), requires_grad=True)
    b = al.tensor(rng.standard_normal(3), requires_grad=True)
    assert al.gradgradcheck(lambda x, w, b: conv2d(x, w, b, stride, padding), [x, w, b])


@pytest.mark.parametrize("op", [max_pool2d, avg_pool2d])
@pytest.mark.parametrize(("k", "stride", "padding"), [(2, 2, 0), (3, 2, 1), (2, 1, 1)])
def test_pool_second_derivatives(op, k, stride, padding):
    x = al.tensor(np.random.default_rng(1).permutation(50).reshape(1, 2, 5, 5) / 7.0)
    assert al.gradgradcheck(lambda x: op(x, k, stride, padding), [x.requires_grad_()])


def test_float32_in_float32_out_and_no_graph_under_no_grad():
    x = al.randn(2, 3, 6, 6, requires_grad=True)
    w = al.randn(4, 3, 3, 3, requires_grad=True)
    for y in (conv2d(x, w, padding=1), max_pool2d(x, 2), avg_pool2d(x, 3, 1, 1)):
        assert y.dtype == np.float32 and y.grad_fn is not None
    y = conv2d(x, w)
    y.sum().backward()
    assert x.grad.dtype == np.float32 and w.grad.dtype == np.float32
    with al.no_grad():
        assert conv2d(x, w).grad_fn is None and max_pool2d(x, 2).grad_fn is None


def test_max_pool_ties_send_the_gradient_to_the_first_maximum():
    x = al.tensor(np.zeros((1, 1, 2, 2)), requires_grad=True)  # one window, all equal
    max_pool2d(x, 2).sum().backward()
    assert x.grad.tolist() == [[[[1.0, 0.0], [0.0, 0.0]]]]


def test_overlapping_windows_add_their_gradients():
    x = al.ones(1, 1, 3, 3, requires_grad=True)
    avg_pool2d(x, 2, stride=1).sum().backward()  # the centre pixel is in all 4 windows
    assert x.grad.tolist()[0][0] == [[0.25, 0.5, 0.25], [0.5, 1.0, 0.5], [0.25, 0.5, 0.25]]


def test_bad_input_errors_name_the_op_and_shapes():
    x, w = al.randn(2, 3, 5, 5), al.randn(4, 2, 3, 3)
    with pytest.raises(ShapeError, match=r"conv2d: input of shape \(2, 3, 5, 5\) has 3 channels"):
        conv2d(x, w)
    with pytest.raises(ShapeError, match=r"kernel 7x7 is larger than the padded input 7x7|7x7"):
        conv2d(al.randn(1, 2, 5, 5), al.randn(1, 2, 7, 7), padding=0)
    with pytest.raises(ShapeError, match="4-D input"):
        conv2d(al.randn(3, 5, 5), w)
    with pytest.raises(ShapeError, match="bias of shape"):
        conv2d(al.randn(1, 2, 5, 5), w, al.randn(3))
    with pytest.raises(ValueError, match="stride must be an int >= 1"):
        conv2d(al.randn(1, 2, 5, 5), w, stride=0)
    with pytest.raises(ValueError, match=r"padding .* at most half the kernel"):
        max_pool2d(al.randn(1, 1, 4, 4), 2, padding=2)
    with pytest.raises(ShapeError, match=r"max_pool2d: kernel 3x3 is larger than the padded"):
        max_pool2d(al.randn(1, 1, 2, 2), 3)


# -- against PyTorch --------------------------------------------------------------------

CONV_CASES = [
    # (N, C, H, W, F, kh, kw, stride, padding)
    (2, 3, 7, 6, 4, 3, 3, 1, 1),
    (2, 2, 8, 9, 3, 2, 2, 2, 0),
    (1, 2, 9, 7, 2, 3, 1, 2, 1),
    (3, 1, 5, 5, 2, 5, 5, 1, 0),
    (2, 2, 7, 8, 3, 3, 3, 3, 2),
]


@pytest.mark.parametrize("case", CONV_CASES)
def test_conv2d_matches_torch(case):
    torch = pytest.importorskip("torch")
    n, c, h, w, f, kh, kw, s, p = case
    rng = np.random.default_rng(0)
    x, wt, b = rng.standard_normal((n, c, h, w)), rng.standard_normal((f, c, kh, kw)), rng.random(f)
    ours = [al.tensor(a, requires_grad=True) for a in (x, wt, b)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, wt, b)]
    y = conv2d(*ours, stride=s, padding=p)
    ty = torch.nn.functional.conv2d(*theirs, stride=s, padding=p)
    g = rng.standard_normal(y.shape)
    y.backward(g)
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(y.data, ty.detach().numpy(), atol=1e-12)
    for a, ta in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.data, ta.grad.numpy(), atol=1e-12)


@pytest.mark.parametrize("name", ["max_pool2d", "avg_pool2d"])
@pytest.mark.parametrize(("k", "s", "p"), [(2, 2, 0), (3, 2, 1), (2, 1, 0), (3, 3, 1), (2, 3, 1)])
def test_pooling_matches_torch(name, k, s, p):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    # After a ReLU: many ties at zero, where PyTorch picks the first maximum.
    x = np.maximum(rng.standard_normal((2, 3, 7, 8)), 0).astype(np.float32)
    ours = al.tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    y = {"max_pool2d": max_pool2d, "avg_pool2d": avg_pool2d}[name](ours, k, s, p)
    ty = getattr(torch.nn.functional, name)(theirs, k, s, p)
    g = rng.standard_normal(y.shape).astype(np.float32)
    y.backward(g)
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(y.data, ty.detach().numpy(), atol=1e-6)
    np.testing.assert_allclose(ours.grad.data, theirs.grad.numpy(), atol=1e-6)
