"""Tests for nn.loss: hand-computed values, errors, gradchecks, and equality with PyTorch."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_lite as al
import nn
from autograd_lite import ShapeError
from autograd_lite.testing import arrays_for_grad
from nn import loss as L


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def t64(a, requires_grad=True):
    return al.tensor(np.asarray(a, dtype=np.float64), requires_grad=requires_grad)


# ------------------------------------------------------------------ values by hand


def test_mse_and_l1_by_hand():
    x, y = t64([1.0, 2.0, 3.0]), [1.0, 0.0, 5.0]
    assert L.mse_loss(x, y).item() == pytest.approx(8 / 3)
    assert L.mse_loss(x, y, reduction="sum").item() == pytest.approx(8.0)
    np.testing.assert_allclose(L.mse_loss(x, y, reduction="none").data, [0, 4, 4])
    assert L.l1_loss(x, y).item() == pytest.approx(4 / 3)
    np.testing.assert_allclose(L.l1_loss(x, y, reduction="none").data, [0, 2, 2])
    L.mse_loss(x, y).backward()
    np.testing.assert_allclose(x.grad.data, [0, 4 / 3, -4 / 3])  # 2(x - y)/N


def test_bce_by_hand_and_clamped_log():
    p = t64([0.5, 0.9])
    assert L.binary_cross_entropy(p, [1.0, 0.0]).item() == pytest.approx(
        -(math.log(0.5) + math.log(0.1)) / 2
    )
    # log(0) is clamped to -100, as in PyTorch: a finite loss, no warning
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        assert L.binary_cross_entropy(t64([0.0]), [1.0]).item() == pytest.approx(100.0)
        assert L.binary_cross_entropy(t64([1.0]), [0.0]).item() == pytest.approx(100.0)


def test_bce_with_logits_is_stable():
    x = t64([0.0, 1000.0, -1000.0, 1000.0])
    y = [1.0, 0.0, 0.0, 1.0]
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        losses = L.binary_cross_entropy_with_logits(x, y, reduction="none")
    np.testing.assert_allclose(losses.data, [math.log(2), 1000.0, 0.0, 0.0], atol=1e-12)
    losses.sum().backward()
    np.testing.assert_allclose(x.grad.data, [-0.5, 1.0, 0.0, 0.0], atol=1e-12)  # σ(x) - y


def test_bce_with_logits_pos_weight_by_hand():
    # y = 1: pos_weight * softplus(-x);  y = 0: softplus(x)
    x = t64([0.3, -0.2])
    got = L.binary_cross_entropy_with_logits(x, [1.0, 0.0], pos_weight=[3.0, 3.0], reduction="none")
    np.testing.assert_allclose(
        got.data, [3 * math.log1p(math.exp(-0.3)), math.log1p(math.exp(-0.2))]
    )


def test_cross_entropy_by_hand():
    x = t64([[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]])
    loss = L.cross_entropy(x, [2, 0])
    expected = ((math.log(math.exp(1) + math.exp(2) + math.exp(3)) - 3) + math.log(3)) / 2
    assert loss.item() == pytest.approx(expected)
    loss.backward()
    p = np.exp(x.data) / np.exp(x.data).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(x.grad.data, (p - np.eye(3)[[2, 0]]) / 2)  # (softmax - onehot)/N


def test_cross_entropy_is_one_fused_node_and_stable():
    x = t64([[1000.0, 0.0], [-1000.0, 1000.0]])
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        loss = L.cross_entropy(x, [1, 1], reduction="none")
    np.testing.assert_allclose(loss.data, [1000.0, 0.0])
    assert type(loss.grad_fn).__name__ == "SoftmaxCrossEntropy"
    assert all(not isinstance(i, al.Tensor) or i is x for i in loss.grad_fn.inputs)


def test_nll_by_hand_equals_cross_entropy_of_log_softmax():
    logp = t64([[-0.1, -2.0], [-1.5, -0.3]])
    assert L.nll_loss(logp, [1, 0]).item() == pytest.approx((2.0 + 1.5) / 2)
    x = np.random.default_rng(0).standard_normal((4, 5))
    y = [0, 4, 2, 2]
    a = L.nll_loss(al.log_softmax(t64(x), axis=1), y).item()
    assert a == pytest.approx(L.cross_entropy(t64(x), y).item())


def test_multiclass_svm_loss_cs231n_example():
    scores = t64([[3.2, 5.1, -1.7]])
    assert L.multiclass_svm_loss(scores, [0]).item() == pytest.approx(2.9)
    # the full cs231n example: a cat, a car and a frog image; losses 2.9, 0, 12.9
    scores = t64([[3.2, 5.1, -1.7], [1.3, 4.9, 2.0], [2.2, 2.5, -3.1]])
    losses = L.multiclass_svm_loss(scores, [0, 1, 2], reduction="none")
    np.testing.assert_allclose(losses.data, [2.9, 0.0, 12.9], atol=1e-12)
    assert nn.MulticlassSVMLoss()(scores, [0, 1, 2]).item() == pytest.approx(15.8 / 3)
    # one example of shape (C,) with a target of shape ()
    assert L.multiclass_svm_loss(t64([3.2, 5.1, -1.7]), 0).item() == pytest.approx(2.9)


def test_multiclass_svm_gradient_counts_violating_classes():
    s = t64([[3.2, 5.1, -1.7]])
    L.multiclass_svm_loss(s, [0]).backward()
    np.testing.assert_allclose(s.grad.data, [[-1.0, 1.0, 0.0]])  # one margin violated


def test_multi_margin_divides_by_classes():
    s = t64([[3.2, 5.1, -1.7]])
    assert L.multi_margin_loss(s, [0]).item() == pytest.approx(2.9 / 3)
    assert L.multi_margin_loss(s, [0], p=2).item() == pytest.approx(2.9**2 / 3)


def test_reduction_none_shapes():
    x = t64(np.zeros((4, 3)))
    y = np.array([0, 1, 2, 0])
    assert L.cross_entropy(x, y, reduction="none").shape == (4,)
    assert L.nll_loss(x, y, reduction="none").shape == (4,)
    assert L.multi_margin_loss(x, y, reduction="none").shape == (4,)
    assert L.multiclass_svm_loss(x, y, reduction="none").shape == (4,)
    assert L.cross_entropy(t64(np.zeros(3)), 1, reduction="none").shape == ()
    spatial = L.cross_entropy(
        t64(np.zeros((2, 3, 4, 5))), np.zeros((2, 4, 5), int), reduction="none"
    )
    assert spatial.shape == (2, 4, 5)
    assert L.mse_loss(x, np.ones((4, 3)), reduction="none").shape == (4, 3)


def test_float64_targets_keep_a_float32_loss():
    x = al.randn(4, requires_grad=True)
    assert L.mse_loss(x, np.zeros(4)).dtype == np.float32
    assert L.binary_cross_entropy_with_logits(x, al.tensor(np.ones(4))).dtype == np.float32


def test_float32_stays_float32():
    x = al.randn(5, 3, requires_grad=True)
    for loss in (
        L.cross_entropy(x, [0, 1, 2, 0, 1]),
        L.nll_loss(x, [0, 1, 2, 0, 1]),
        L.mse_loss(x, np.ones((5, 3), np.float32)),
        L.binary_cross_entropy_with_logits(x, np.ones((5, 3), np.float32)),
        L.binary_cross_entropy(al.sigmoid(x), np.ones((5, 3), np.int64)),
        L.multiclass_svm_loss(x, [0, 1, 2, 0, 1]),
    ):
        assert loss.dtype == np.float32
        x.grad = None
        loss.backward()
        assert x.grad.dtype == np.float32


# ------------------------------------------------------------------ ignore_index, weights


def test_ignore_index_contributes_nothing():
    x = t64(np.random.default_rng(1).standard_normal((4, 3)))
    y = np.array([0, -100, 2, 1])
    loss = L.cross_entropy(x, y)
    expected = L.cross_entropy(t64(x.data[[0, 2, 3]]), y[[0, 2, 3]]).item()
    assert loss.item() == pytest.approx(expected)  # mean over the 3 kept examples
    loss.backward()
    np.testing.assert_array_equal(x.grad.data[1], 0.0)
    assert L.cross_entropy(x, [0, 5, 2, 1], ignore_index=5).item() == pytest.approx(expected)


def test_weighted_mean_divides_by_the_weights_of_the_targets():
    x = t64(np.random.default_rng(2).standard_normal((3, 2)))
    w = np.array([1.0, 3.0])
    y = np.array([0, 1, 1])
    per = L.cross_entropy(x, y, reduction="none").data
    got = L.cross_entropy(x, y, weight=w).item()
    assert got == pytest.approx((per[0] * 1 + per[1] * 3 + per[2] * 3) / 7)


# ------------------------------------------------------------------ errors


def test_float_targets_are_refused_for_class_losses():
    x = t64(np.zeros((2, 3)))
    for fn, name in [(L.cross_entropy, "cross_entropy"), (L.nll_loss, "nll_loss")]:
        with pytest.raises(TypeError, match=f"{name}.*float32"):
            fn(x, np.array([0.0, 1.0], dtype=np.float32))


def test_out_of_range_targets_are_named():
    x = t64(np.zeros((3, 3)))
    with pytest.raises(ValueError, match=r"cross_entropy.*\[0, 2\].*3, 7"):
        L.cross_entropy(x, [3, 0, 7])
    with pytest.raises(ValueError, match=r"nll_loss.*-1"):
        L.nll_loss(x, [0, -1, 1])
    with pytest.raises(ValueError, match="multiclass_svm_loss"):
        L.multiclass_svm_loss(x, [0, 1, 3])
    with pytest.raises(ValueError, match="multi_margin_loss"):
        L.multi_margin_loss(x, [0, 1, -100])


def test_class_target_shape_mismatch():
    with pytest.raises(ShapeError, match=r"cross_entropy.*\(4, 3\).*\(4,\).*\(4, 1\)"):
        L.cross_entropy(t64(np.zeros((4, 3))), np.zeros((4, 1), int))
    with pytest.raises(ShapeError, match=r"weight.*\(3,\)"):
        L.cross_entropy(t64(np.zeros((4, 3))), np.zeros(4, int), weight=[1.0, 2.0])


@pytest.mark.parametrize(
    "fn",
    [L.mse_loss, L.l1_loss, L.binary_cross_entropy, L.binary_cross_entropy_with_logits],
)
def test_regression_shapes_must_match_exactly(fn):
    x = t64(np.full((4, 1), 0.5))
    with pytest.raises(ShapeError, match=rf"{fn.__name__}.*\(4, 1\).*\(4,\)"):
        fn(x, np.full(4, 0.5))


def test_bad_options():
    x = t64(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="reduction"):
        L.mse_loss(x, np.zeros((2, 3)), reduction="avg")
    with pytest.raises(ValueError, match="reduction"):
        nn.CrossEntropyLoss(reduction="Mean")
    with pytest.raises(ValueError, match="label_smoothing"):
        L.cross_entropy(x, [0, 1], label_smoothing=1.5)
    with pytest.raises(ValueError, match="p must be 1 or 2"):
        nn.MultiMarginLoss(p=3)
    with pytest.raises(ValueError, match=r"binary_cross_entropy.*\[0, 1\]"):
        L.binary_cross_entropy(t64([1.5, 0.5]), [1.0, 0.0])
    with pytest.raises(TypeError, match="floating-point"):
        L.cross_entropy(al.tensor([[1, 2]]), [0])


# ------------------------------------------------------------------ modules


def test_modules_call_their_functions():
    rng = np.random.default_rng(3)
    x = t64(rng.standard_normal((4, 3)))
    y = np.array([0, 2, 1, 1])
    w = np.array([1.0, 2.0, 0.5])
    pairs = [
        (
            nn.CrossEntropyLoss(weight=w, label_smoothing=0.1),
            L.cross_entropy(x, y, w, label_smoothing=0.1),
        ),
        (nn.NLLLoss(reduction="sum"), L.nll_loss(x, y, reduction="sum")),
        (nn.MultiMarginLoss(p=2, margin=0.5), L.multi_margin_loss(x, y, p=2, margin=0.5)),
        (nn.MulticlassSVMLoss(delta=2.0), L.multiclass_svm_loss(x, y, delta=2.0)),
    ]
    for module, expected in pairs:
        assert module(x, y).item() == pytest.approx(expected.item())
    target = rng.random((4, 3))
    assert nn.MSELoss()(x, target).item() == pytest.approx(L.mse_loss(x, target).item())
    assert nn.L1Loss()(x, target).item() == pytest.approx(L.l1_loss(x, target).item())
    pw = np.array([2.0, 1.0, 0.5])
    assert nn.BCEWithLogitsLoss(pos_weight=pw)(x, target).item() == pytest.approx(
        L.binary_cross_entropy_with_logits(x, target, pos_weight=pw).item()
    )
    p = al.sigmoid(x)
    assert nn.BCELoss(weight=w)(p, target).item() == pytest.approx(
        L.binary_cross_entropy(p, target, w).item()
    )


def test_loss_module_weight_is_a_buffer():
    loss = nn.CrossEntropyLoss(weight=[1.0, 2.0])
    assert isinstance(loss, nn.module.Module)
    assert list(loss.state_dict()) == ["weight"]
    assert "CrossEntropyLoss" in repr(loss)
    assert list(nn.MSELoss().state_dict()) == []


# ------------------------------------------------------------------ gradcheck (float64)


def _class_targets(n, c, seed=0):
    return np.random.default_rng(seed).integers(0, c, n)


@given(arrays_for_grad(shape=(4, 3)), st.sampled_from(["mean", "sum", "none"]))
def test_gradcheck_cross_entropy(x, reduction):
    y = np.array([0, 2, -100, 1])
    w = np.array([0.5, 2.0, 1.0])
    for kwargs in ({}, {"weight": w}, {"label_smoothing": 0.2, "weight": w}):
        assert al.gradcheck(
            lambda t, kw=kwargs: L.cross_entropy(t, y, reduction=reduction, **kw), [t64(x)]
        )


@given(arrays_for_grad(shape=(5, 4)), st.sampled_from(["mean", "sum", "none"]))
def test_plain_cross_entropy_matches_the_general_path(x, reduction):
    # No weight, smoothing or ignored target takes a shorter path in forward; weight=ones
    # takes the general one. Same loss, same gradient, and it passes gradcheck.
    y = np.array([0, 3, 1, 1, 2])
    plain, general = t64(x), t64(x)
    a = L.cross_entropy(plain, y, reduction=reduction)
    b = L.cross_entropy(general, y, reduction=reduction, weight=np.ones(4))
    np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12, atol=1e-12)
    a.sum().backward()
    b.sum().backward()
    np.testing.assert_allclose(plain.grad.numpy(), general.grad.numpy(), rtol=1e-12, atol=1e-12)
    assert al.gradcheck(lambda t: L.cross_entropy(t, y, reduction=reduction), [t64(x)])


def test_gradgradcheck_cross_entropy():
    # create_graph=True recomputes softmax as an op: second derivatives work
    x = t64(np.random.default_rng(0).standard_normal((3, 4)))
    assert al.gradgradcheck(lambda t: L.cross_entropy(t, [0, 3, 1], label_smoothing=0.1), [x])


@given(arrays_for_grad(shape=(2, 3, 2)), st.sampled_from(["mean", "sum", "none"]))
def test_gradcheck_nll_and_spatial_cross_entropy(x, reduction):
    y = np.array([[0, 2], [1, 1]])
    w = np.array([0.5, 2.0, 1.0])
    assert al.gradcheck(lambda t: L.nll_loss(t, y, weight=w, reduction=reduction), [t64(x)])
    assert al.gradcheck(lambda t: L.cross_entropy(t, y, weight=w, reduction=reduction), [t64(x)])


@given(arrays_for_grad(shape=(3, 4)), arrays_for_grad(shape=(3, 4), min_value=0, max_value=1))
def test_gradcheck_regression_and_bce_with_logits(x, y):
    assert al.gradcheck(L.mse_loss, [t64(x), t64(y)])
    if np.abs(x - y).min() > 1e-3:  # |x - y| has a kink at x == y
        assert al.gradcheck(L.l1_loss, [t64(x), t64(y)])
    pw = t64(np.array([0.5, 1.0, 2.0, 3.0]))
    assert al.gradcheck(lambda a, b: L.binary_cross_entropy_with_logits(a, b), [t64(x), t64(y)])
    assert al.gradcheck(
        lambda a, b, p: L.binary_cross_entropy_with_logits(a, b, reduction="none", pos_weight=p),
        [t64(x), t64(y), pw],
    )


@given(
    arrays_for_grad(shape=(3, 4), min_value=0.05, max_value=0.95, kinks=()),
    arrays_for_grad(shape=(3, 4), min_value=0, max_value=1, kinks=()),
)
def test_gradcheck_bce(p, y):
    w = np.array([1.0, 2.0, 0.5, 1.0])
    assert al.gradcheck(lambda a, b: L.binary_cross_entropy(a, b, weight=w), [t64(p), t64(y)])


@given(arrays_for_grad(shape=(4, 3)))
def test_gradcheck_hinge_losses(x):
    y = np.array([0, 2, 1, 1])
    # keep away from the hinge's kink (a margin of exactly 0)
    rows = np.arange(4)
    margins = x - x[rows, y][:, None] + 1.0
    margins[rows, y] = 1.0
    if np.abs(margins).min() < 1e-3:
        return
    assert al.gradcheck(lambda t: L.multiclass_svm_loss(t, y), [t64(x)])
    for p in (1, 2):
        assert al.gradcheck(
            lambda t, p=p: L.multi_margin_loss(t, y, p=p, weight=[1.0, 2.0, 0.5]), [t64(x)]
        )


# ------------------------------------------------------------------ equal to PyTorch


def _compare(torch, ours_fn, torch_fn, *arrays, grads=(0,), rtol=1e-9):
    """Our loss and the input gradients against PyTorch's, in float64."""
    ours_in = [t64(a, requires_grad=i in grads) for i, a in enumerate(arrays)]
    theirs_in = [torch.tensor(a, requires_grad=i in grads) for i, a in enumerate(arrays)]
    ours, theirs = ours_fn(*ours_in), torch_fn(*theirs_in)
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-10, atol=1e-12)
    v = np.random.default_rng(9).standard_normal(ours.shape)
    ours.backward(al.tensor(v))
    theirs.backward(torch.tensor(v))
    for i in grads:
        np.testing.assert_allclose(
            ours_in[i].grad.data, theirs_in[i].grad.numpy(), rtol=rtol, atol=1e-12
        )


REDUCTIONS = ["mean", "sum", "none"]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("smoothing", [0.0, 0.25])
@pytest.mark.parametrize("shape", [(6, 4), (3, 4, 2, 3), (4,)])
def test_cross_entropy_equals_torch(torch, reduction, weighted, smoothing, shape):
    rng = np.random.default_rng(hash((reduction, weighted, smoothing, shape)) % 2**32)
    x = rng.standard_normal(shape) * 3
    tshape = () if len(shape) == 1 else (shape[0], *shape[2:])
    y = rng.integers(0, 4, tshape)
    if y.ndim:
        y.reshape(-1)[1] = -100  # one ignored target
    w = rng.random(4) + 0.1 if weighted else None
    tw = torch.tensor(w) if weighted else None
    F = torch.nn.functional
    _compare(
        torch,
        lambda a: L.cross_entropy(a, y, w, reduction=reduction, label_smoothing=smoothing),
        lambda a: F.cross_entropy(
            a, torch.tensor(y), tw, reduction=reduction, label_smoothing=smoothing
        ),
        x,
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("shape", [(6, 4), (3, 4, 5)])
def test_nll_equals_torch(torch, reduction, weighted, shape):
    rng = np.random.default_rng(1)
    x = rng.standard_normal(shape)
    y = rng.integers(0, 4, (shape[0], *shape[2:]))
    y.reshape(-1)[0] = -100
    w = rng.random(4) + 0.1 if weighted else None
    tw = torch.tensor(w) if weighted else None
    _compare(
        torch,
        lambda a: L.nll_loss(a, y, w, reduction=reduction),
        lambda a: torch.nn.functional.nll_loss(a, torch.tensor(y), tw, reduction=reduction),
        x,
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p", [1, 2])
@pytest.mark.parametrize("weighted", [False, True])
def test_multi_margin_equals_torch(torch, reduction, p, weighted):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((7, 5))
    y = rng.integers(0, 5, 7)
    w = rng.random(5) + 0.1 if weighted else None
    tw = torch.tensor(w) if weighted else None
    _compare(
        torch,
        lambda a: L.multi_margin_loss(a, y, p=p, margin=0.8, weight=w, reduction=reduction),
        lambda a: torch.nn.functional.multi_margin_loss(
            a, torch.tensor(y), p=p, margin=0.8, weight=tw, reduction=reduction
        ),
        x,
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_regression_losses_equal_torch(torch, reduction):
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((5, 3)), rng.standard_normal((5, 3))
    F = torch.nn.functional
    _compare(
        torch,
        lambda a, b: L.mse_loss(a, b, reduction),
        lambda a, b: F.mse_loss(a, b, reduction=reduction),
        x,
        y,
        grads=(0, 1),
    )
    _compare(
        torch,
        lambda a, b: L.l1_loss(a, b, reduction),
        lambda a, b: F.l1_loss(a, b, reduction=reduction),
        x,
        y,
        grads=(0, 1),
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("pos_weighted", [False, True])
def test_bce_losses_equal_torch(torch, reduction, weighted, pos_weighted):
    rng = np.random.default_rng(4)
    x, y = rng.standard_normal((6, 3)) * 4, rng.random((6, 3))
    w = rng.random(3) + 0.1 if weighted else None
    pw = rng.random(3) * 3 if pos_weighted else None
    tw = torch.tensor(w) if weighted else None
    tpw = torch.tensor(pw) if pos_weighted else None
    F = torch.nn.functional
    _compare(
        torch,
        lambda a, b: L.binary_cross_entropy_with_logits(a, b, w, reduction, pos_weight=pw),
        lambda a, b: F.binary_cross_entropy_with_logits(
            a, b, tw, reduction=reduction, pos_weight=tpw
        ),
        x,
        y,
        grads=(0, 1),
    )
    p = 1 / (1 + np.exp(-x))
    bce = (
        lambda a, b: L.binary_cross_entropy(a, b, w, reduction),
        lambda a, b: F.binary_cross_entropy(a, b, tw, reduction=reduction),
    )
    _compare(torch, *bce, p, y, grads=(0, 1))
    # p = 0 and 1: the logs are clamped at -100 and the input gradients are ~1e12, so
    # they are rounded apart. (PyTorch's target gradient is ±inf there; ours is the
    # derivative of the clamped loss, ±100, so it is left out.)
    p[0, 0], p[1, 1] = 0.0, 1.0
    _compare(torch, *bce, p, y, grads=(0,), rtol=1e-7)


def test_loss_modules_name_themselves_for_bad_weights():
    with pytest.raises(TypeError, match=r"^CrossEntropyLoss: expected a number"):
        nn.CrossEntropyLoss(weight="abc")
    with pytest.raises(ValueError, match=r"^BCELoss: nested lists must be rectangular"):
        nn.BCELoss(weight=[[1.0, 2.0], [3.0]])
    with pytest.raises(ValueError, match=r"^MultiMarginLoss: p must be 1 or 2"):
        nn.MultiMarginLoss(p=3)
