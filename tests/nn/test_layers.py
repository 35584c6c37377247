"""Tests for Linear, Identity, Flatten, Dropout and BatchNorm1d/2d."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_lite as al
import nn
import nn.functional as F
from autograd_lite import ShapeError
from autograd_lite.testing import arrays_for_grad, assert_grad_matches_numeric


def _torch_copy(ours, theirs):
    """Give a torch module the same parameters and buffers as ours."""
    torch = pytest.importorskip("torch")
    with torch.no_grad():
        for (name, t), tt in zip(ours.state_dict().items(), theirs.state_dict().values()):
            assert tuple(tt.shape) == t.shape, name
            tt.copy_(torch.tensor(t.data))


# -- Linear -----------------------------------------------------------------------------


@given(arrays_for_grad(shape=st.sampled_from([(4, 3), (2, 5, 3), (3,)])))
def test_linear_gradcheck(x):
    layer = nn.Linear(3, 2).double()
    assert_grad_matches_numeric(lambda x, w, b: F.linear(x, w, b), x, layer.weight, layer.bias)
    assert layer(al.tensor(x)).shape == (*x.shape[:-1], 2)


def test_linear_shapes_and_no_bias():
    layer = nn.Linear(4, 3, bias=False)
    assert layer.weight.shape == (3, 4) and layer.bias is None
    assert [n for n, _ in layer.named_parameters()] == ["weight"]
    assert layer(al.randn(8, 4)).shape == (8, 3)
    assert repr(layer) == "Linear(in_features=4, out_features=3, bias=False)"
    assert layer(al.randn(8, 4)).grad_fn.label == "linear"  # one fused node


def test_linear_errors_name_the_layer_and_shapes():
    layer = nn.Linear(4, 3)
    msg = r"Linear\(in_features=4, out_features=3, bias=True\): input of shape \(8, 5\) has 5"
    with pytest.raises(ShapeError, match=msg + r" features \(last dimension\), expected 4"):
        layer(al.randn(8, 5))
    with pytest.raises(TypeError, match=r"Linear\(.*\): input has dtype int64"):
        layer(al.tensor([[1, 2, 3, 4]]))
    with pytest.raises(ValueError, match="in_features must be a positive integer, got 0"):
        nn.Linear(0, 3)
    with pytest.raises(ValueError, match=r"out_features must be a positive integer, got 2\.5"):
        nn.Linear(3, 2.5)


def test_linear_matches_torch():
    torch = pytest.importorskip("torch")
    ours, theirs = nn.Linear(5, 3), torch.nn.Linear(5, 3)
    _torch_copy(ours, theirs)
    x = np.random.default_rng(0).standard_normal((4, 5)).astype(np.float32)
    a, ta = al.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ours(a).sum().backward()
    theirs(ta).sum().backward()
    np.testing.assert_allclose(a.grad.data, ta.grad.numpy(), rtol=1e-6)
    np.testing.assert_allclose(ours.weight.grad.data, theirs.weight.grad.numpy(), rtol=1e-6)


def test_flatten_and_identity():
    x = al.randn(2, 3, 4, 5)
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0, 1)(x).shape == (6, 4, 5)
    assert F.flatten(x).shape == (120,)
    assert nn.Identity(54, unused="ok")(x) is x
    assert repr(nn.Flatten()) == "Flatten(start_dim=1, end_dim=-1)"
    p = F.pad(x, (1, 1, 2, 0))
    assert p.shape == (2, 3, 6, 7)
    with pytest.raises(ValueError, match="only mode='constant'"):
        F.pad(x, (1, 1), mode="reflect")


# -- Dropout ----------------------------------------------------------------------------


def test_dropout_statistics_and_scaling():
    al.manual_seed(0)
    drop = nn.Dropout(p=0.3)
    x = al.ones(200, 500)
    y = drop(x)
    kept = y.data != 0
    assert kept.mean() == pytest.approx(0.7, abs=0.01)
    np.testing.assert_allclose(y.data[kept], 1 / 0.7, rtol=1e-6)  # inverted dropout
    assert y.data.mean() == pytest.approx(1.0, abs=0.02)
    assert y.dtype == np.float32


def test_dropout_gradient_uses_the_same_mask():
    x = al.randn(10, 10, requires_grad=True)
    y = F.dropout(x, 0.5, training=True)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, (y.data != 0) * 2.0)


def test_dropout_eval_is_identity_and_seed_reproducible():
    drop = nn.Dropout(0.5)
    x = al.randn(4, 4)
    assert drop.eval()(x) is x
    assert F.dropout(x, 0.5, training=False) is x
    drop.train()
    al.manual_seed(7)
    a = drop(x).data
    al.manual_seed(7)
    assert np.array_equal(drop(x).data, a)


@given(arrays_for_grad(shape=(3, 4)))
def test_dropout_and_flatten_gradcheck(x):
    def dropped(x):
        al.manual_seed(0)  # the same mask at every evaluation of the numerical gradient
        return F.dropout(x, 0.3)

    assert_grad_matches_numeric(dropped, x)
    assert_grad_matches_numeric(nn.Flatten(0), x)


@pytest.mark.parametrize("p", [-0.1, 1.0, 1.5, "0.5"])
def test_dropout_bad_p(p):
    with pytest.raises(ValueError, match=r"p must be in \[0, 1\)"):
        nn.Dropout(p)
    with pytest.raises(ValueError, match=r"p must be in \[0, 1\)"):
        F.dropout(al.ones(2), p)


# -- BatchNorm --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cls", "shape"),
    [("BatchNorm1d", (6, 3)), ("BatchNorm1d", (4, 3, 5)), ("BatchNorm2d", (4, 3, 5, 2))],
)
def test_batchnorm_matches_torch_train_and_eval(cls, shape):
    torch = pytest.importorskip("torch")
    ours, theirs = getattr(nn, cls)(3, momentum=0.2), getattr(torch.nn, cls)(3, momentum=0.2)
    rng = np.random.default_rng(0)
    with al.no_grad():
        ours.weight.data[...] = rng.random(3) + 0.5
        ours.bias.data[...] = rng.standard_normal(3)
    _torch_copy(ours, theirs)
    for step in range(3):
        x = (rng.standard_normal(shape) * 2 + step).astype(np.float32)
        g = rng.standard_normal(shape).astype(np.float32)
        a, ta = al.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        y, ty = ours(a), theirs(ta)
        y.backward(g)
        ty.backward(torch.tensor(g))
        np.testing.assert_allclose(y.data, ty.detach().numpy(), atol=1e-5)
        np.testing.assert_allclose(a.grad.data, ta.grad.numpy(), atol=1e-4)
    for (name, t), tt in zip(ours.state_dict().items(), theirs.state_dict().values()):
        np.testing.assert_allclose(t.data, tt.numpy(), rtol=1e-5, err_msg=name)
    np.testing.assert_allclose(ours.weight.grad.data, theirs.weight.grad.numpy(), rtol=1e-4)
    np.testing.assert_allclose(ours.bias.grad.data, theirs.bias.grad.numpy(), rtol=1e-4)
    assert int(ours.num_batches_tracked.item()) == 3
    ours.eval(), theirs.eval()
    x = rng.standard_normal(shape).astype(np.float32)
    np.testing.assert_allclose(
        ours(al.tensor(x)).data, theirs(torch.tensor(x)).detach().numpy(), atol=1e-5
    )


def test_batchnorm_momentum_none_is_a_cumulative_average():
    bn = nn.BatchNorm1d(2, momentum=None)
    batches = [np.random.default_rng(i).standard_normal((5, 2)) for i in range(3)]
    for b in batches:
        bn(al.tensor(b.astype(np.float32)))
    np.testing.assert_allclose(
        bn.running_mean.data, np.mean([b.mean(0) for b in batches], axis=0), rtol=1e-5
    )


@given(arrays_for_grad(shape=st.sampled_from([(4, 3), (3, 3, 2), (2, 3, 2, 2)])))
def test_batchnorm_gradcheck_train_and_eval(x):
    bn = (nn.BatchNorm1d(3) if x.ndim < 4 else nn.BatchNorm2d(3)).double()
    with al.no_grad():
        bn.weight.data[...] = [0.5, 1.5, -1.0]
        bn.running_var.data[...] = [0.5, 2.0, 1.0]

    def fn(x, w, b):
        return F.batch_norm(x, None, None, w, b, training=True)

    assert_grad_matches_numeric(fn, x, bn.weight, bn.bias)
    bn.eval()
    assert_grad_matches_numeric(bn, x)


def test_batchnorm_without_running_stats_or_affine():
    bn = nn.BatchNorm2d(2, affine=False, track_running_stats=False)
    assert list(bn.state_dict()) == [] and bn.num_parameters() == 0
    x = al.randn(3, 2, 4, 4)
    y = bn.eval()(x)  # no running stats: the batch's own, even in eval
    np.testing.assert_allclose(y.data.mean(axis=(0, 2, 3)), 0, atol=1e-5)
    np.testing.assert_allclose(y.data.var(axis=(0, 2, 3)), 1, atol=1e-3)


def test_batchnorm_errors():
    bn = nn.BatchNorm1d(4)
    with pytest.raises(ShapeError, match=r"BatchNorm1d\(4, .*\): input of shape \(8, 5\) has 5 fe"):
        bn(al.randn(8, 5))
    with pytest.raises(ShapeError, match=r"has 4 dimension\(s\), expected \(N, C\) or \(N, C, L\)"):
        bn(al.randn(2, 4, 3, 3))
    with pytest.raises(ShapeError, match=r"BatchNorm2d.*expected \(N, C, H, W\)"):
        nn.BatchNorm2d(4)(al.randn(2, 4))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        bn(al.randn(1, 4))
    with pytest.raises(ValueError, match="num_features must be a positive integer"):
        nn.BatchNorm2d(0)
    with pytest.raises(ValueError, match="momentum must be in"):
        nn.BatchNorm1d(3, momentum=2.0)
