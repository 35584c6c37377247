"""The forward-mode cases: every op (and the fused nn layers) as a function of float64 arrays,
with inputs drawn by hypothesis and, where PyTorch has the op, the same function in torch.

Each case is ``(name, ours, theirs, draw)``: ``draw(data)`` returns the input arrays (the
ones that get tangents; options and constants live in the functions), ``ours(*tensors)``
and ``theirs(*torch_tensors)`` compute the same output (``theirs`` is None without a torch
counterpart). Used by test_forward_ad.py (finite differences, torch.func.jvp, coverage).
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from table_cases import SAMPLES, applied, draw_inputs, torch_function

import autograd_lite as al
import nn
from autograd_lite.ops import conv, shape
from autograd_lite.testing import arrays_for_grad, shapes

try:
    import torch
    import torch.nn.functional as F
except ImportError:  # the torch half of each case is skipped
    torch = F = None

POS = dict(min_value=0.2, max_value=3.0)
AWAY = dict(kinks=(0.0,), gap=0.3)


def one(shape_strategy=None, **kw):
    """draw(data) -> (one array of a random small shape)."""

    def draw(data):
        shp = data.draw(shape_strategy if shape_strategy is not None else shapes(), label="shape")
        return (data.draw(arrays_for_grad(shape=shp, **kw), label="x"),)

    return draw


def distinct(shp_strategy=None, offset=0.0):
    """Arrays with values k/100 + offset, pairwise distinct (no ties: max, pooling)."""

    def draw(data):
        shp = data.draw(shp_strategy if shp_strategy is not None else shapes(), label="shape")
        ints = hnp.arrays(np.int64, shp, elements=st.integers(-300, 300), unique=True)
        return (data.draw(ints, label="x") / 100.0 + offset,)

    return draw


def fixed(*shapes_, **kw):
    """draw(data) -> arrays of the given shapes."""

    def draw(data):
        return tuple(
            data.draw(arrays_for_grad(shape=s, **kw), label=f"x{i}") for i, s in enumerate(shapes_)
        )

    return draw


def _table_torch(row, sample):
    fn = torch_function(row)
    return lambda *ts: sample.call(fn, list(ts), convert=torch.as_tensor)


def t(name):
    """A torch function by name (None without torch)."""
    if torch is None:
        return None
    obj = torch
    for part in name.split("."):
        obj = getattr(obj, part)
    return obj


def _torch(fn):
    return None if torch is None else fn


ZEROS = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 0.0]])  # a slice with one zero, one with two


def _setitem_inplace(a, v):
    """Works on our tensors and torch's alike: in-place ops on a tensor made inside."""
    y = a * 2.0
    y[0] = v * v
    y += a
    return y


MASK = np.array([[True, False, True], [False, False, True]])
LABELS = np.array([0, 2, 1, 2])
CE_WEIGHT = np.array([0.5, 2.0, 1.0])


def _pool_masks():
    """Masks of a max pool (kernel 2, stride 1, padding 1) of a (1, 2, 3, 3) image."""
    x = al.tensor(np.arange(18.0).reshape(1, 2, 3, 3) % 7, requires_grad=True)
    y = al.max_pool2d(x, 2, 1, 1)
    return y.grad_fn._masks(), y.grad_fn.geometry


POOL_MASKS, POOL_GEOMETRY = _pool_masks()


def apart():
    """Input in [1, 3] and target in [-3, 0.5]: their difference stays off l1's kink."""

    def draw(data):
        x = data.draw(arrays_for_grad(shape=(2, 3), min_value=1.0, max_value=3.0), label="x")
        y = data.draw(arrays_for_grad(shape=(2, 3), min_value=-3.0, max_value=0.5), label="y")
        return x, y

    return draw


def _layer(module):
    """A layer with float64 parameters (held fixed: only its input moves)."""
    for p in module.parameters():
        p.data = p.data.astype(np.float64)
    return module


al.manual_seed(0)
LINEAR = _layer(nn.Linear(3, 2))
CONV = _layer(nn.Conv2d(2, 3, 3, padding=1))


def _batch_norm(training):
    def ours(x, w, b):
        rm, rv = al.tensor(np.zeros(3)), al.tensor(np.ones(3) * 1.5)
        return nn.functional.batch_norm(x, rm, rv, w, b, training=training)

    def theirs(x, w, b):
        rm, rv = torch.zeros(3, dtype=x.dtype), torch.ones(3, dtype=x.dtype) * 1.5
        return F.batch_norm(x, rm, rv, w, b, training=training)

    return ours, _torch(theirs)


# (name, ours, theirs, draw)
CASES = [
    # -- elementwise: the op table's rows (TABLE_CASES, below), and these variants
    ("pow_3", lambda x: x**3, _torch(lambda x: x**3), one()),
    ("pow_2", lambda x: x**2, _torch(lambda x: x**2), one()),
    ("pow_0.5", lambda x: x**0.5, _torch(lambda x: x**0.5), one(**POS)),
    ("rpow", lambda x: 2.0**x, _torch(lambda x: 2.0**x), one()),
    ("rdiv", lambda x: 1.5 / x, _torch(lambda x: 1.5 / x), one(**POS)),
    (
        "scalar_ops",
        lambda x: (x * 2.5 - 1.0) / 3.0 + 4.0,
        _torch(lambda x: (x * 2.5 - 1.0) / 3.0 + 4.0),
        one(),
    ),
    (
        "mul_constant",
        lambda a: a * np.arange(3.0),
        _torch(lambda a: a * torch.arange(3.0, dtype=a.dtype)),
        fixed((2, 3)),
    ),
    (
        "pow_constant_base",
        lambda b: al.pow(np.array([0.5, 2.0, 3.0]), b),
        _torch(lambda b: torch.pow(torch.tensor([0.5, 2.0, 3.0], dtype=b.dtype), b)),
        fixed((3,)),
    ),
    (
        "astype_roundtrip",
        lambda x: x.astype(np.float32).astype(np.float64) * 1.0,
        _torch(lambda x: x.float().double()),
        fixed((3,)),
    ),
    # -- reductions
    (
        "sum_axis",
        lambda x: x.sum(axis=1, keepdims=True),
        _torch(lambda x: x.sum(1, keepdim=True)),
        fixed((2, 3, 2)),
    ),
    ("sum_all", al.sum, t("sum"), one()),
    (
        "prod_with_zeros",  # a slice holding a zero takes the product of the others directly
        lambda x: (x * ZEROS).prod(axis=0, keepdims=True),
        _torch(lambda x: (x * torch.tensor(ZEROS)).prod(0, keepdim=True)),
        fixed((3, 2)),
    ),
    # -- shape ops
    (
        "squeeze_unsqueeze_flatten",
        lambda x: x.squeeze(1).unsqueeze(0).flatten(),
        _torch(lambda x: x.squeeze(1).unsqueeze(0).flatten()),
        fixed((2, 1, 3)),
    ),
    (
        "getitem_basic",
        lambda x: x[1:, ::-2, None],
        _torch(lambda x: x[1:].flip(1)[:, ::2, None]),
        fixed((3, 4)),
    ),
    (
        "getitem_repeats",
        lambda x: x[[0, 2, 0, 1]],
        _torch(lambda x: x[[0, 2, 0, 1]]),
        fixed((3, 2)),
    ),
    ("getitem_mask", lambda x: x[MASK], _torch(lambda x: x[torch.tensor(MASK)]), fixed((2, 3))),
    (
        "setitem",
        lambda a, v: shape.SetItem.apply(a, v, index=(slice(1, None), 0)),
        _torch(lambda a, v: a.index_put((torch.tensor([1, 2]), torch.tensor([0, 0])), v)),
        fixed((3, 2), (2,)),
    ),
    (
        "setitem_mask_broadcast",
        lambda a, v: shape.SetItem.apply(a, v, index=MASK),
        _torch(lambda a, v: a.masked_scatter(torch.tensor(MASK), v.expand(3))),
        fixed((2, 3), (1,)),
    ),
    (
        "setitem_inplace",  # x[i] = v and += on a tensor that is not an input (inplace.py)
        lambda a, v: _setitem_inplace(a, v),
        _torch(lambda a, v: _setitem_inplace(a, v)),
        fixed((2, 3), (3,)),
    ),
    (
        "index_backward",
        lambda g: shape.IndexBackward.apply(g, shape=(3, 2), index=np.array([0, 2, 0])),
        _torch(lambda g: torch.zeros(3, 2, dtype=g.dtype).index_add(0, torch.tensor([0, 2, 0]), g)),
        fixed((3, 2)),
    ),
    # -- linear algebra
    ("matmul_vectors", al.matmul, t("matmul"), fixed((3,), (3,))),
    ("matmul_batched", al.matmul, t("matmul"), fixed((2, 1, 2, 3), (3, 3, 2))),
    ("matmul_matrix_vector", al.matmul, t("matmul"), fixed((2, 2, 3), (3,))),
    (
        "einsum_matmul",
        lambda a, b: al.einsum("ij,jk->ik", a, b),
        _torch(lambda a, b: torch.einsum("ij,jk->ik", a, b)),
        fixed((2, 3), (3, 4)),
    ),
    (
        "einsum_three_operands_diagonal",
        lambda a, b, c: al.einsum("ii,ij,j->i", a, b, c),
        _torch(lambda a, b, c: torch.einsum("ii,ij,j->i", a, b, c)),
        fixed((3, 3), (3, 2), (2,)),
    ),
    (
        "einsum_ellipsis_and_a_constant",
        lambda a: al.einsum("...j,jk->...k", a, np.arange(6.0).reshape(3, 2)),
        _torch(
            lambda a: torch.einsum(
                "...j,jk->...k", a, torch.arange(6.0, dtype=a.dtype).reshape(3, 2)
            )
        ),
        fixed((2, 2, 3)),
    ),
    ("linear_no_bias", al.linear, _torch(F.linear if F else None), fixed((4, 3), (2, 3))),
    ("nn_linear_layer", LINEAR, None, fixed((4, 3))),
    ("nn_conv2d_layer", CONV, None, fixed((1, 2, 4, 4))),
    # -- convolution and pooling
    (
        "conv2d_no_bias",
        lambda x, w: al.conv2d(x, w),
        _torch(lambda x, w: F.conv2d(x, w)),
        fixed((1, 1, 4, 4), (2, 1, 2, 2)),
    ),
    (
        "conv2d_input_grad",
        lambda g, w: conv.Conv2dInputGrad.apply(
            g, w, x_shape=(1, 2, 4, 4), kernel=(3, 3), stride=(1, 1), padding=(1, 1), out=(4, 4)
        ),
        _torch(lambda g, w: torch.nn.grad.conv2d_input((1, 2, 4, 4), w, g, padding=1)),
        fixed((1, 3, 4, 4), (3, 2, 3, 3)),
    ),
    (
        "conv2d_weight_grad",
        lambda x, g: conv.Conv2dWeightGrad.apply(
            x, g, kernel=(2, 2), stride=(2, 2), padding=(0, 0), out=(2, 2)
        ),
        _torch(lambda x, g: torch.nn.grad.conv2d_weight(x, (3, 2, 2, 2), g, stride=2)),
        fixed((2, 2, 4, 4), (2, 3, 2, 2)),
    ),
    (
        "max_pool2d_scatter",
        lambda g: conv.MaxPool2dScatter.apply(
            g, masks=POOL_MASKS, x_shape=(1, 2, 3, 3), **POOL_GEOMETRY
        ),
        None,
        fixed((1, 2, 4, 4)),
    ),
    (
        "max_pool2d_gather",
        lambda h: conv.MaxPool2dGather.apply(h, masks=POOL_MASKS, **POOL_GEOMETRY),
        None,
        fixed((1, 2, 3, 3)),
    ),
    (
        "avg_pool2d_backward",
        lambda g: conv.AvgPool2dBackward.apply(
            g, x_shape=(1, 1, 4, 4), kernel=(2, 2), stride=(1, 1), padding=(0, 0), out=(3, 3)
        ),
        None,
        fixed((1, 1, 3, 3)),
    ),
    # -- losses
    (
        "cross_entropy_options",
        lambda x: al.cross_entropy(
            x, LABELS, weight=CE_WEIGHT, ignore_index=1, label_smoothing=0.1
        ),
        _torch(
            lambda x: F.cross_entropy(
                x,
                torch.tensor(LABELS),
                weight=torch.tensor(CE_WEIGHT),
                ignore_index=1,
                label_smoothing=0.1,
            )
        ),
        fixed((4, 3)),
    ),
    (
        "cross_entropy_none",
        lambda x: al.cross_entropy(x, LABELS[:2, None].repeat(2, 1), reduction="none"),
        _torch(
            lambda x: F.cross_entropy(
                x, torch.tensor(LABELS[:2, None].repeat(2, 1)), reduction="none"
            )
        ),
        fixed((2, 3, 2)),
    ),
    (
        "nll_loss_weighted",
        lambda x: al.nll_loss(x, LABELS, weight=CE_WEIGHT),
        _torch(lambda x: F.nll_loss(x, torch.tensor(LABELS), weight=torch.tensor(CE_WEIGHT))),
        fixed((4, 3)),
    ),
    (
        "bce",
        al.binary_cross_entropy,
        _torch(F.binary_cross_entropy if F else None),
        fixed((2, 3), (2, 3), min_value=0.1, max_value=0.9),
    ),
    (
        "bce_with_logits",
        al.binary_cross_entropy_with_logits,
        _torch(F.binary_cross_entropy_with_logits if F else None),
        fixed((2, 3), (2, 3)),
    ),
    (
        "bce_with_logits_pos_weight",
        lambda x, y, pw: al.binary_cross_entropy_with_logits(x, y, pos_weight=pw, reduction="none"),
        _torch(
            lambda x, y, pw: F.binary_cross_entropy_with_logits(
                x, y, pos_weight=pw, reduction="none"
            )
        ),
        fixed((2, 3), (2, 3), (3,), min_value=0.2, max_value=2.0),
    ),
    # -- nn's batch norm (made of primitives)
    ("batch_norm_training", *_batch_norm(True), fixed((4, 3, 2), (3,), (3,))),
    ("batch_norm_eval", *_batch_norm(False), fixed((4, 3), (3,), (3,))),
]

# Every sample of the op table, with its torch op (but where torch has no forward-mode rule).
NO_TORCH_JVP = {"multi_margin_loss"}  # torch 2.13: "forward AD ... not been implemented yet"
TABLE_CASES = [
    (
        name,
        applied(row, sample),
        None
        if torch is None or row.torch is None or name in NO_TORCH_JVP
        else _table_torch(row, sample),
        lambda data, sample=sample: tuple(draw_inputs(data, sample)),
    )
    for name, row, sample in SAMPLES
]
CASES = TABLE_CASES + CASES
