"""NumPy functions called on tensors (issue 13): np.exp(x), np.sum(x), np.dot(x, w) ... run the
engine's ops and stay in the graph; anything else is refused by name; np.asarray(x) still
gives the values. Ends with a cs231n two-layer net written once with np.* calls."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_lite as al
from autograd_lite.testing import arrays_for_grad, assert_grad_matches_numeric

POS = dict(min_value=0.2, max_value=3.0)
AWAY = dict(kinks=(0.0,), gap=0.3)
DISTINCT = "distinct"  # values 0.25 apart: no ties for max and min


def values_for(shape, kw):
    if kw == DISTINCT:
        n = int(np.prod(shape))
        return st.permutations(range(n)).map(lambda p: (np.array(p) - n / 2).reshape(shape) / 4)
    return arrays_for_grad(shape=shape, **kw)


# (name, the NumPy call, the shapes of its inputs, value options per input)
CALLS = [
    ("add", np.add, [(2, 3), (3,)], [{}, {}]),
    ("subtract", np.subtract, [(3,), (2, 3)], [{}, {}]),
    ("multiply", np.multiply, [(2, 3), (2, 1)], [{}, {}]),
    ("divide", np.divide, [(2, 3), (3,)], [{}, AWAY]),
    ("true_divide_operator", lambda a, b: a / b, [(2, 3), (3,)], [{}, AWAY]),
    ("power", np.power, [(2, 3), (2, 3)], [POS, {}]),
    ("negative", np.negative, [(4,)], [{}]),
    ("square", np.square, [(4,)], [{}]),
    ("exp", np.exp, [(2, 3)], [{}]),
    ("log", np.log, [(2, 3)], [POS]),
    ("sqrt", np.sqrt, [(2, 3)], [POS]),
    ("abs", np.abs, [(2, 3)], [AWAY]),
    ("tanh", np.tanh, [(2, 3)], [{}]),
    ("sin", np.sin, [(2, 3)], [{}]),
    ("cos", np.cos, [(2, 3)], [{}]),
    ("maximum_relu", lambda h: np.maximum(0, h), [(3, 4)], [AWAY]),
    ("maximum", np.maximum, [(3, 4), (4,)], [{}, dict(kinks=(), min_value=5.0, max_value=6.0)]),
    ("minimum", np.minimum, [(3, 4), (3, 1)], [{}, dict(kinks=(), min_value=5.0, max_value=6.0)]),
    ("clip", lambda a: np.clip(a, -0.5, 0.5), [(3, 4)], [dict(kinks=(-0.5, 0.5))]),
    ("clip_keywords", lambda a: np.clip(a, min=-0.5), [(3, 4)], [dict(kinks=(-0.5,))]),
    ("sum", lambda a: np.sum(a, axis=1), [(3, 4)], [{}]),
    ("sum_all", np.sum, [(3, 4)], [{}]),
    ("mean", lambda a: np.mean(a, axis=0, keepdims=True), [(3, 4)], [{}]),
    ("max", lambda a: np.max(a, axis=1), [(3, 4)], [DISTINCT]),
    ("amin", lambda a: np.amin(a), [(3, 4)], [DISTINCT]),
    ("prod", lambda a: np.prod(a, axis=-1), [(3, 4)], [{}]),
    ("var", lambda a: np.var(a, axis=1, ddof=1), [(3, 4)], [{}]),
    ("std", lambda a: np.std(a), [(3, 4)], [DISTINCT]),
    ("add_reduce", lambda a: np.add.reduce(a, axis=1), [(3, 4)], [{}]),
    ("dot_matrices", np.dot, [(2, 3), (3, 4)], [{}, {}]),
    ("dot_vectors", np.dot, [(3,), (3,)], [{}, {}]),
    ("dot_nd", np.dot, [(2, 2, 3), (4, 3, 2)], [{}, {}]),
    ("dot_scalar", lambda a: np.dot(a, 2.0), [(3,)], [{}]),
    ("matmul", np.matmul, [(2, 2, 3), (3, 4)], [{}, {}]),
    ("matmul_operator", lambda a, b: a @ b, [(2, 3), (3,)], [{}, {}]),
    ("outer", np.outer, [(3,), (2,)], [{}, {}]),
    (
        "tensordot",
        lambda a, b: np.tensordot(a, b, axes=([0, 2], [1, 0])),
        [(2, 3, 4), (4, 2)],
        [{}, {}],
    ),
    ("einsum", lambda a, b: np.einsum("bij,jk->bik", a, b), [(2, 2, 3), (3, 4)], [{}, {}]),
    ("einsum_trace", lambda a: np.einsum("ii", a), [(3, 3)], [{}]),
    ("trace", np.trace, [(3, 3)], [{}]),
    ("where", lambda a, b: np.where(a > 0, a, b), [(3, 4), (4,)], [AWAY, {}]),
    ("concatenate", lambda a, b: np.concatenate([a, b, a], axis=1), [(2, 3), (2, 1)], [{}, {}]),
    ("concatenate_flat", lambda a, b: np.concatenate((a, b), axis=None), [(2, 3), (4,)], [{}, {}]),
    ("stack", lambda a, b: np.stack([a, b], axis=-1), [(2, 3), (2, 3)], [{}, {}]),
    ("reshape", lambda a: np.reshape(a, (3, 2)), [(2, 3)], [{}]),
    ("reshape_keyword", lambda a: np.reshape(a, shape=(-1,)), [(2, 3)], [{}]),
    ("transpose", np.transpose, [(2, 3, 4)], [{}]),
    ("transpose_axes", lambda a: np.transpose(a, (1, 2, 0)), [(2, 3, 4)], [{}]),
    ("swapaxes", lambda a: np.swapaxes(a, 0, 2), [(2, 3, 4)], [{}]),
    ("expand_dims", lambda a: np.expand_dims(a, (0, 2)), [(2, 3)], [{}]),
    ("squeeze", lambda a: np.squeeze(a, axis=1), [(2, 1, 3)], [{}]),
    ("broadcast_to", lambda a: np.broadcast_to(a, (4, 2, 3)), [(2, 3)], [{}]),
    ("pad", lambda a: np.pad(a, ((1, 0), (2, 1))), [(2, 3)], [{}]),
    ("pad_value", lambda a: np.pad(a, 1, mode="constant", constant_values=2.0), [(2, 3)], [{}]),
    ("ndarray_first", lambda a: np.full(a.shape, 2.0) * a - np.ones(a.shape[-1]), [(2, 3)], [{}]),
]


@pytest.mark.parametrize(("name", "call", "shapes", "kws"), CALLS, ids=[c[0] for c in CALLS])
@given(data=st.data())
def test_numpy_calls_on_tensors_are_recorded_ops(name, call, shapes, kws, data):
    arrays = [
        data.draw(values_for(s, kw), label=f"input{i}")
        for i, (s, kw) in enumerate(zip(shapes, kws))
    ]
    tensors = [al.tensor(a, requires_grad=True) for a in arrays]
    out = call(*tensors)
    assert isinstance(out, al.Tensor) and out.grad_fn is not None
    expected = call(*arrays)  # the same call on ndarrays: NumPy's own answer
    assert out.shape == np.shape(expected) and out.dtype == np.float64
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-12)
    assert_grad_matches_numeric(call, *arrays)


def test_numpy_calls_are_the_tensor_ops():
    x = al.tensor([0.5, 1.0], requires_grad=True)
    assert type(np.exp(x).grad_fn) is type(x.exp().grad_fn)
    assert type(np.sum(x).grad_fn) is type(x.sum().grad_fn)
    assert type(np.maximum(0, x).grad_fn).__name__ == "Maximum"
    # dtypes follow the engine's rules: a NumPy scalar does not upcast float32
    f32 = al.ones(2, requires_grad=True)
    assert (np.float64(2.0) * f32).dtype == np.float32
    assert np.exp(f32).dtype == np.float32
    assert np.sum(f32, dtype=np.float64).dtype == np.float64


# -- what only looks at the values, and what is refused --------------------------------------


def test_functions_that_only_look_get_the_values():
    x = al.tensor([[1.0, np.nan], [3.0, 4.0]], requires_grad=True)
    assert np.shape(x) == (2, 2) and np.ndim(x) == 2 and np.size(x) == 4 and np.size(x, 1) == 2
    assert np.allclose(x, x, equal_nan=True) and not np.array_equal(x, x)
    assert np.isnan(x).tolist() == [[False, True], [False, False]]  # a bool tensor, as x != x
    assert isinstance(np.isnan(x), al.Tensor) and not np.isnan(x).requires_grad
    assert np.argsort(np.array([3.0, 1.0])).tolist() == [1, 0]
    assert np.count_nonzero(x > 2) == 2
    assert np.argmax(al.tensor([1.0, 5.0, 2.0])).item() == 1
    z = np.zeros_like(x)
    assert isinstance(z, al.Tensor) and z.shape == (2, 2) and not z.requires_grad


def test_asarray_gives_the_values_for_plotting_and_printing():
    x = al.tensor([1.0, 2.0], requires_grad=True)
    assert np.asarray(x) is x.data  # the data itself (as .numpy()), outside the graph
    copy = np.array(x)
    assert copy is not x.data and copy.tolist() == [1.0, 2.0]
    assert np.asarray(x, dtype=np.float32).dtype == np.float32


UNSUPPORTED = [
    ("np.cumsum", lambda x: np.cumsum(x), "x.detach().numpy()"),
    ("np.sort", lambda x: np.sort(x), "x.detach().numpy()"),
    ("np.median", lambda x: np.median(x), "x.detach().numpy()"),
    ("np.diff", lambda x: np.diff(x), "x.detach().numpy()"),
    ("np.log1p", lambda x: np.log1p(x), "al.log(1 + x)"),
    ("np.expm1", lambda x: np.expm1(x), "al.exp(x) - 1"),
    ("np.arctan", lambda x: np.arctan(x), "x.detach().numpy()"),
    ("np.floor", lambda x: np.floor(x), "x.detach().numpy()"),
    ("np.linalg.norm", lambda x: np.linalg.norm(x), "al.sqrt((x * x).sum())"),
    ("np.add.accumulate", lambda x: np.add.accumulate(x), "x.detach().numpy()"),
    ("np.multiply.outer", lambda x: np.multiply.outer(x, x), "x.detach().numpy()"),
    ("np.vstack", lambda x: np.vstack([x, x]), "al.concatenate"),
    ("np.pad(mode='edge')", lambda x: np.pad(x, 1, mode="edge"), "al.pad"),
]


@pytest.mark.parametrize(
    ("name", "call", "alternative"), UNSUPPORTED, ids=[u[0] for u in UNSUPPORTED]
)
def test_unsupported_numpy_functions_are_refused_by_name(name, call, alternative):
    for x in (al.tensor([1.0, 2.0, 3.0], requires_grad=True), al.tensor([1.0, 2.0, 3.0])):
        with pytest.raises(TypeError) as info:
            call(x)
        msg = str(info.value)
        assert msg.startswith(name) and "out of the graph" in msg and alternative in msg


def test_out_arguments_pointing_at_tensors_are_refused():
    x = al.tensor([1.0, 2.0], requires_grad=True)
    y = al.zeros(2)
    with pytest.raises(TypeError, match=r"np\.add\(\.\.\., out=<tensor>\): NumPy cannot write"):
        np.add(x, 1.0, out=y)
    with pytest.raises(TypeError, match=r"np\.sum\(\.\.\., out=\.\.\.\): not supported"):
        np.sum(x, out=np.zeros(()))
    with pytest.raises(TypeError, match=r"np\.exp\(\.\.\., out=<ndarray>\) with a tensor that"):
        np.exp(x, out=np.zeros(2))
    with pytest.raises(TypeError, match="out of the graph"):
        values = np.zeros(2)
        values += x  # would drop x's graph
    with pytest.raises(TypeError, match=r"np\.sum: option\(s\) where not supported"):
        np.sum(x, where=[True, False])
    values = np.ones(2)
    values += al.tensor([1.0, 2.0])  # nothing requires grad: NumPy may write its array
    assert values.tolist() == [2.0, 3.0]


# -- a cs231n two-layer net, written once with np.* calls ------------------------------------


def two_layer_net_loss(X, y, W1, b1, W2, b2, reg):
    """cs231n's TwoLayerNet.loss as a student writes it: a ReLU layer, scores, softmax loss
    and L2 regularization, all np.* calls; ``loss += ...`` changes the loss in place."""
    N = X.shape[0]
    hidden = np.maximum(0, np.dot(X, W1) + b1)
    scores = np.dot(hidden, W2) + b2
    scores = scores - np.max(scores, axis=1, keepdims=True)
    probs = np.exp(scores) / np.sum(np.exp(scores), axis=1, keepdims=True)
    loss = -np.sum(np.log(probs[np.arange(N), y])) / N
    loss += reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
    return loss


def two_layer_net_loss_torch(torch, X, y, W1, b1, W2, b2, reg):
    N = X.shape[0]
    hidden = torch.relu(X @ W1 + b1)
    scores = hidden @ W2 + b2
    probs = torch.softmax(scores, dim=1)
    loss = -torch.log(probs[torch.arange(N), y]).sum() / N
    return loss + reg * ((W1 * W1).sum() + (W2 * W2).sum())


def test_cs231n_two_layer_net_written_with_numpy_calls():
    rng = np.random.default_rng(231)
    N, D, H, C, reg = 5, 4, 6, 3, 0.05
    X = rng.normal(size=(N, D))
    y = rng.integers(0, C, size=N)
    params = [
        rng.normal(scale=s, size=shape)
        for s, shape in ((0.5, (D, H)), (0.1, (H,)), (0.5, (H, C)), (0.1, (C,)))
    ]
    # the same function on ndarrays (NumPy's values) and on tensors (recorded)
    expected = two_layer_net_loss(X, y, *params, reg)
    assert isinstance(expected, float)
    tensors = [al.tensor(p, requires_grad=True) for p in params]
    loss = two_layer_net_loss(X, y, *tensors, reg)
    assert isinstance(loss, al.Tensor) and loss._version == 1  # loss += ... was in place
    np.testing.assert_allclose(loss.item(), expected, rtol=1e-12)
    loss.backward()
    # gradients against central differences of the ndarray version ...
    numeric = al.numerical_grad(lambda *ps: two_layer_net_loss(X, y, *ps, reg), tensors)
    for t, n in zip(tensors, numeric):
        np.testing.assert_allclose(t.grad.data, n, rtol=1e-6, atol=1e-8)
    # ... and against PyTorch
    torch = pytest.importorskip("torch")
    theirs = [torch.tensor(p, requires_grad=True) for p in params]
    t_loss = two_layer_net_loss_torch(torch, torch.tensor(X), torch.tensor(y), *theirs, reg)
    t_loss.backward()
    np.testing.assert_allclose(loss.item(), t_loss.item(), rtol=1e-12)
    for ours, t in zip(tensors, theirs):
        np.testing.assert_allclose(ours.grad.data, t.grad.numpy(), rtol=1e-10, atol=1e-12)
