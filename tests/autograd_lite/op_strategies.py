"""Hypothesis strategies shared by the gradient checks and the PyTorch differential tests:
the ops of issue 13 (prod, einsum, tensordot, x[index] = v) and the axes of a reduction."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

import autograd_lite as al
from autograd_lite.testing import arrays_for_grad, shapes


@st.composite
def with_zeros(draw, shape):
    """Values in [-2, 2], at least 0.1 from 0 except up to two that are exactly 0 (prod's
    special case; out / x, its usual gradient, is inexact for x near 0, as PyTorch's)."""
    x = draw(arrays_for_grad(shape=shape, min_value=-2.0, max_value=2.0, gap=0.1))
    if x.size:
        for i in draw(st.lists(st.integers(0, x.size - 1), max_size=2)):
            x.flat[i] = 0.0
    return x


@st.composite
def einsum_cases(draw):
    """A random einsum: 1-3 operands, letters from a small alphabet (so they repeat across
    and within operands: contractions, diagonals), explicit or implicit output, sometimes
    ``...`` with broadcasting axes of size 1. Returns (subscripts, shapes)."""
    letters = "ijkl"
    size = {c: draw(st.integers(1, 3), label=f"size_{c}") for c in letters}
    n_ops = draw(st.integers(1, 3), label="operands")
    use_ellipsis = draw(st.booleans(), label="ellipsis")
    batch = draw(shapes(min_dims=0, max_dims=2, max_side=3), label="batch")
    terms, shapes_ = [], []
    for _ in range(n_ops):
        term = "".join(draw(st.lists(st.sampled_from(letters), max_size=3), label="term"))
        shape = tuple(size[c] for c in term)
        if use_ellipsis and draw(st.booleans(), label="has_ellipsis"):
            k = draw(st.integers(0, len(batch)), label="batch_dims")
            own = tuple(b if draw(st.booleans()) else 1 for b in batch[len(batch) - k :])
            term, shape = "..." + term, own + shape
        terms.append(term)
        shapes_.append(shape)
    used = sorted(set("".join(terms).replace(".", "")))
    if draw(st.booleans(), label="implicit"):
        return ",".join(terms), shapes_
    out = "".join(draw(st.permutations(used), label="out")[: draw(st.integers(0, len(used)))])
    if any("..." in t for t in terms):
        out = "..." + out
    return ",".join(terms) + "->" + out, shapes_


@st.composite
def tensordot_cases(draw):
    sa = draw(shapes(min_dims=0, max_dims=3, min_side=1, max_side=3), label="sa")
    n = draw(st.integers(0, len(sa)), label="n")
    pairs_a = draw(st.permutations(range(len(sa))), label="pairs_a")[:n]
    free_b = draw(shapes(min_dims=0, max_dims=2, min_side=1, max_side=3), label="free_b")
    # b's axes: the contracted ones (in a random place among its free ones)
    b_axes = [("c", i) for i in range(n)] + [("f", i) for i in range(len(free_b))]
    b_axes = draw(st.permutations(b_axes), label="b_order")
    sb = tuple(sa[pairs_a[i]] if kind == "c" else free_b[i] for kind, i in b_axes)
    pairs_b = [b_axes.index(("c", i)) for i in range(n)]
    axes = (
        n
        if pairs_a == list(range(len(sa) - n, len(sa))) and pairs_b == list(range(n))
        else (
            pairs_a,
            pairs_b,
        )
    )
    return sa, sb, axes


@st.composite
def value_for(draw, target_shape):
    """A value shape that broadcasts to ``target_shape`` (leading axes dropped, some axes 1,
    or an extra leading 1, which NumPy's assignment accepts)."""
    shape = list(target_shape[draw(st.integers(0, len(target_shape)), label="drop") :])
    shape = [1 if draw(st.booleans(), label="one") else s for s in shape]
    if target_shape and draw(st.booleans(), label="extra_one"):
        shape = [1, *shape]
    return tuple(shape)


def numpy_index(index):
    """The index as NumPy takes it (as the tensor's __getitem__ and __setitem__ convert it)."""
    if isinstance(index, al.Tensor):
        return index.data
    if isinstance(index, list):
        return np.asarray(index) if index else np.zeros(0, dtype=np.intp)
    return index


@st.composite
def axis_for(draw, ndim: int, allow_tuple: bool = True, allow_none: bool = True):
    """None, an int (possibly negative) or a tuple of distinct axes (possibly negative)."""
    options = []
    if allow_none:
        options.append(st.none())
    if ndim == 0:
        options.append(st.sampled_from([0, -1]))
    else:
        options.append(st.integers(-ndim, ndim - 1))
        if allow_tuple:
            options.append(
                st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True).flatmap(
                    lambda axes: st.tuples(*[st.sampled_from([a, a - ndim]) for a in axes])
                )
            )
    return draw(st.one_of(options))


def reduced_count(shape, axis) -> int:
    """How many elements a reduction over ``axis`` combines into each result."""
    if axis is None:
        return int(np.prod(shape))
    axes = (axis,) if isinstance(axis, int) else axis
    return int(np.prod([shape[a] for a in axes])) if shape else 1
