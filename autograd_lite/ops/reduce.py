"""Reductions: sum, mean, prod, max, min, var over axes; logsumexp, softmax, log_softmax.

``axis`` may be None (all axes), an int or a tuple of ints; ``keepdims=True`` keeps
the reduced axes with size 1. PyTorch's spellings ``dim=`` and ``keepdim=`` are
accepted too.

The backward of a reduction "un-reduces" the gradient: it is reshaped to the
keepdims shape and broadcast back over the reduced axes (``_spread``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_lite import return_types
from autograd_lite.errors import ShapeError, fmt_shape
from autograd_lite.function import Function
from autograd_lite.ops.elementary import exp, sqrt
from autograd_lite.ops.selection import maximum, minimum, where
from autograd_lite.tensor import Tensor, _make, as_array

__all__ = [
    "amax",
    "amin",
    "argmax",
    "argmin",
    "cumprod",
    "cumsum",
    "log_softmax",
    "logsumexp",
    "max",
    "mean",
    "min",
    "prod",
    "softmax",
    "std",
    "sum",
    "var",
]


Axis = int | tuple[int, ...] | None


def normalize_axes(axis: Axis, ndim: int, where: str, shape: tuple = ()) -> tuple[int, ...]:
    """``axis`` as a sorted tuple of non-negative ints (all axes for None)."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = []
    for ax in axes:
        if not isinstance(ax, (int, np.integer)) or isinstance(ax, bool):
            raise TypeError(f"{where}: axis must be an int or a tuple of ints, got {axis!r}")
        if not -ndim <= ax < ndim and not (ndim == 0 and ax in (0, -1)):
            raise ShapeError(
                f"{where}: axis {ax} is out of range for a tensor of shape {fmt_shape(shape)} "
                f"(axis must be in [{-ndim}, {ndim - 1}])"
            )
        out.append(int(ax) % ndim if ndim else 0)
    if len(set(out)) != len(out):
        raise ShapeError(f"{where}: axis {axis!r} repeats an axis")
    return tuple(sorted(out)) if ndim else ()


def _resolve(axis, dim, keepdims, keepdim):
    # PyTorch users write dim=/keepdim=, NumPy users axis=/keepdims=: take either.
    return (dim if axis is None else axis), bool(keepdims or keepdim)


def _count(shape: tuple, axis: Axis, where: str) -> int:
    """How many elements a reduction of ``shape`` over ``axis`` takes together."""
    return int(np.prod([shape[i] for i in normalize_axes(axis, len(shape), where, shape)]))


def _kept_shape(shape: tuple, axes: tuple) -> tuple:
    return tuple(1 if i in axes else s for i, s in enumerate(shape))


def _reduced_shape(shape: tuple, axes: tuple) -> tuple:
    return tuple(s for i, s in enumerate(shape) if i not in axes)


def _spread(g: Tensor, shape: tuple, axes: tuple, keepdims: bool) -> Tensor:
    """Broadcast a reduction's gradient back over the reduced axes."""
    if not keepdims:
        g = g.reshape(_kept_shape(shape, axes))
    return g.expand(shape)


class Sum(Function):
    """Σ a over axes.  Every input element gets the gradient of the sum it fed."""

    def forward(self, a, *, axis, keepdims):
        self.axes = normalize_axes(axis, a.ndim, "sum", a.shape)
        self.in_shape, self.keepdims = a.shape, keepdims
        return np.add.reduce(a, axis=self.axes, keepdims=keepdims)  # np.sum, minus a wrapper

    def backward(self, g):
        return _spread(g, self.in_shape, self.axes, self.keepdims)

    def jvp(self, ta):
        return sum(ta, self.axes, self.keepdims)


def sum(
    a: Tensor,
    axis: Axis = None,
    keepdims: bool = False,
    *,
    dim: Axis = None,
    keepdim: bool = False,
) -> Tensor:
    """Sum over ``axis`` (all axes by default).

    Parameters
    ----------
    a : Tensor
        Input of any shape.
    axis, dim : int or tuple of int, optional
        The axes to reduce (``dim`` is PyTorch's name); None reduces all of them.
    keepdims, keepdim : bool
        Keep each reduced axis with size 1, so the result broadcasts against ``a``.

    Returns
    -------
    Tensor
        ``a``'s shape without the reduced axes (a 0-d tensor when all are reduced).

    Notes
    -----
    The gradient copies the incoming one to every element reduced (d/da_i = 1).

    Examples
    --------
    >>> x = al.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    >>> al.sum(x)
    tensor(21., grad_fn=<Sum>)
    >>> al.sum(x, axis=0)
    tensor([5., 7., 9.], grad_fn=<Sum>)
    >>> x.sum(dim=1, keepdim=True).shape
    (2, 1)
    """
    axis, keepdims = _resolve(axis, dim, keepdims, keepdim)
    return Sum.apply(a, axis=axis, keepdims=keepdims)


class CumSum(Function):
    """Running sums along an axis: out_i = Σ_{j≤i} a_j (``reverse``: Σ_{j≥i} a_j).
    Shape kept.  d/da_j of Σ_i g_i·out_i = Σ_{i≥j} g_i: g's running sum from the other end."""

    label = "cumsum"

    def forward(self, a, *, axis, reverse=False):
        self.axis, self.reverse = axis, reverse
        if reverse:
            return np.flip(np.cumsum(np.flip(a, axis), axis=axis), axis).copy()
        return np.cumsum(a, axis=axis)

    def backward(self, g):
        return CumSum.apply(g, axis=self.axis, reverse=not self.reverse)

    def jvp(self, ta):
        return CumSum.apply(ta, axis=self.axis, reverse=self.reverse)


def cumsum(a: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """The running sums of ``a`` along ``dim`` (PyTorch's ``cumsum``).

    Same shape as ``a``, with ``out[..., i] = a[..., 0] + ... + a[..., i]``. Integer and
    bool inputs give int64, as in PyTorch; ``dtype`` converts the input first.

    Shape: that of ``a``. The gradient of ``out.sum()`` with respect to ``a[k]`` counts the
    sums that contain it (``n - k`` along a length-``n`` axis).

    Examples
    --------
    >>> x = al.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    >>> al.cumsum(x, 0)
    tensor([ 1.,  3.,  6., 10.], grad_fn=<CumSum>)
    >>> al.cumsum(x, 0).sum().backward()
    >>> x.grad
    tensor([4., 3., 2., 1.])
    """
    return _running(CumSum, a, dim, dtype, "cumsum")


class CumProd(Function):
    """Running products along an axis: out_i = Π_{j≤i} a_j.  Shape kept.
    d out_i/d a_k = Π_{j≤i, j≠k} a_j for k ≤ i (0 for k > i): out_i / a_k where no element of
    the slice is 0, so the gradient is (Σ_{i≥k} g_i·out_i) / a_k; with zeros, the products of
    the others are taken directly (O(n²) per slice, as prod's)."""

    label = "cumprod"

    def forward(self, a, *, axis):
        self.axis = axis
        return np.cumprod(a, axis=axis)

    def backward(self, g):
        (a,) = self.inputs
        if not (a.data == 0).any():
            return CumSum.apply(g * self.output, axis=self.axis, reverse=True) / a
        partials, perm = self._partials(a)  # (..., k, i)
        grad = (partials * g.permute(*perm).unsqueeze(-2)).sum(-1)  # Σ_i g_i ∂out_i/∂a_k
        return grad.permute(*np.argsort(perm).tolist())

    def jvp(self, ta):
        (a,) = self.inputs
        if not (a.data == 0).any():
            return self.output * CumSum.apply(ta / a, axis=self.axis)
        partials, perm = self._partials(a)
        tangent = (partials * ta.permute(*perm).unsqueeze(-1)).sum(-2)  # Σ_k ∂out_i/∂a_k ta_k
        return tangent.permute(*np.argsort(perm).tolist())

    def _partials(self, a: Tensor) -> tuple[Tensor, list[int]]:
        """∂out_i/∂a_k for every slice, the axis moved last: (..., k, i), and the order of
        axes that moved it. Row k is the running product of the slice with a_k set to 1,
        kept where k ≤ i."""
        n = a.shape[self.axis]
        perm = [d for d in range(a.ndim) if d != self.axis] + [self.axis]
        copies = where(np.eye(n, dtype=bool), 1.0, a.permute(*perm).unsqueeze(-2))
        running = CumProd.apply(copies, axis=copies.ndim - 1)
        return where(np.triu(np.ones((n, n), dtype=bool)), running, 0.0), perm


def cumprod(a: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """The running products of ``a`` along ``dim`` (PyTorch's ``cumprod``).

    Same shape as ``a``, with ``out[..., i] = a[..., 0] · ... · a[..., i]``. Integer and
    bool inputs give int64, as in PyTorch; ``dtype`` converts the input first. Zeros are
    fine for the gradient.

    Shape: that of ``a``.

    Examples
    --------
    >>> al.cumprod(al.tensor([1.0, 2.0, 3.0, 4.0]), 0)
    tensor([ 1.,  2.,  6., 24.])
    """
    return _running(CumProd, a, dim, dtype, "cumprod")


def _running(op: type[Function], a: Any, dim: int, dtype: Any, where: str) -> Tensor:
    """cumsum and cumprod: ``op`` applied along the one axis ``dim`` (a 0-d tensor as 1-D)."""
    a = a if isinstance(a, Tensor) else Tensor(as_array(a, where=where))
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{where}: dim must be an int (one axis), got {dim!r}")
    if dtype is not None:
        a = a.astype(dtype)
    if a.ndim == 0:
        normalize_axes(dim, 1, where, a.shape)
        return op.apply(a.reshape(1), axis=0).reshape(())
    (axis,) = normalize_axes(dim, a.ndim, where, a.shape)
    return op.apply(a, axis=axis)


class Prod(Function):
    """Π a over axes.  d/da_i = Π_{j≠i} a_j, the product of the others: out / a_i where
    a_i ≠ 0; where a slice holds zeros, only its zeros can have a nonzero gradient, and the
    product of the others is taken directly (as PyTorch does)."""

    def forward(self, a, *, axis, keepdims):
        self.axes = normalize_axes(axis, a.ndim, "prod", a.shape)
        self.in_shape, self.keepdims = a.shape, keepdims
        return np.multiply.reduce(a, axis=self.axes, keepdims=keepdims)

    def backward(self, g):
        return _spread(g, self.in_shape, self.axes, self.keepdims) * self._others()

    def jvp(self, ta):
        return sum(ta * self._others(), self.axes, self.keepdims)

    def _others(self) -> Tensor:
        """d(out)/da: for each element, the product of the others in its slice."""
        (a,) = self.inputs
        if not (a.data == 0).any():
            return self.output.reshape(_kept_shape(self.in_shape, self.axes)) / a
        return _product_of_others(a, self.axes)


def prod(
    a: Tensor,
    axis: Axis = None,
    keepdims: bool = False,
    *,
    dim: Axis = None,
    keepdim: bool = False,
) -> Tensor:
    """Product over ``axis`` (all axes by default); zeros are handled exactly.

    Parameters
    ----------
    a : Tensor
        Input of any shape.
    axis, dim : int or tuple of int, optional
        The axes to reduce (``dim`` is PyTorch's name); None reduces all of them.
    keepdims, keepdim : bool
        Keep each reduced axis with size 1, so the result broadcasts against ``a``.

    Returns
    -------
    Tensor
        ``a``'s shape without the reduced axes (a 0-d tensor when all are reduced).

    Notes
    -----
    d/da_i = the product of the other elements.

    Examples
    --------
    >>> x = al.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    >>> y = al.prod(x, axis=1)
    >>> y
    tensor([  6., 120.], grad_fn=<Prod>)
    >>> y.sum().backward()
    >>> x.grad
    tensor([[ 6.,  3.,  2.],
            [30., 24., 20.]])
    """
    axis, keepdims = _resolve(axis, dim, keepdims, keepdim)
    return Prod.apply(a, axis=axis, keepdims=keepdims)


def _product_of_others(a: Tensor, axes: tuple) -> Tensor:
    """For each element of ``a``, the product of the other elements of its slice over
    ``axes`` (no division, so zeros are fine): the slice is laid out n times, element i
    replaced by 1 in copy i, and each copy multiplied out. O(n²) per slice: only for slices
    that hold a zero."""
    shape = a.shape
    kept = [i for i in range(len(shape)) if i not in axes]
    n = int(np.prod([shape[i] for i in axes]))
    rows = a.permute(*kept, *axes).reshape(-1, 1, n)  # (M, 1, n): one slice per row
    copies = where(np.eye(n, dtype=bool), 1.0, rows)  # (M, n, n): copy i has a_i = 1
    others = copies.prod(axis=2)  # (M, n)
    moved = [shape[i] for i in kept] + [shape[i] for i in axes]
    inverse = np.argsort(kept + list(axes))
    return others.reshape(moved).permute(*inverse.tolist())


class Max(Function):
    """max of a over axes.  The gradient goes to the maximal element(s); ties share it
    equally (as PyTorch's ``amax``), so the gradient always sums to the incoming one."""

    reduce = staticmethod(np.max)

    def forward(self, a, *, axis, keepdims):
        self.axes = normalize_axes(axis, a.ndim, self.name(), a.shape)
        self.keepdims = keepdims
        if a.size == 0:
            raise ShapeError(f"{self.name()}: cannot reduce an empty tensor of shape {a.shape}")
        return self.reduce(a, axis=self.axes, keepdims=keepdims)

    def backward(self, g):
        a = self.inputs[0].data
        return _spread(g, a.shape, self.axes, self.keepdims) * self._share()

    def jvp(self, ta):
        return sum(ta * self._share(), self.axes, self.keepdims)  # ties: their mean moves

    def _share(self) -> np.ndarray:
        """Each element's share of the extreme: 1/k for each of k tied extremes, else 0."""
        a = self.inputs[0].data
        extreme = self.output.data.reshape(_kept_shape(a.shape, self.axes))
        is_extreme = a == extreme
        return (is_extreme / is_extreme.sum(axis=self.axes, keepdims=True)).astype(a.dtype)


def amax(
    a: Tensor,
    axis: Axis = None,
    keepdims: bool = False,
    *,
    dim: Axis = None,
    keepdim: bool = False,
) -> Tensor:
    """Largest value over ``axis`` (one axis, several, or all by default), as a tensor; ties
    share the gradient equally (PyTorch's ``amax``, NumPy's ``np.max``).

    Parameters
    ----------
    a : Tensor
        Input of any shape.
    axis, dim : int or tuple of int, optional
        The axes to reduce (``dim`` is PyTorch's name); None reduces all of them.
    keepdims, keepdim : bool
        Keep each reduced axis with size 1, so the result broadcasts against ``a``.

    Returns
    -------
    Tensor
        ``a``'s shape without the reduced axes (a 0-d tensor when all are reduced).

    Notes
    -----
    The gradient goes to the largest element(s); ties share it equally.

    Examples
    --------
    >>> x = al.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    >>> al.amax(x, axis=1)
    tensor([3., 6.], grad_fn=<Max>)
    """
    axis, keepdims = _resolve(axis, dim, keepdims, keepdim)
    return Max.apply(a, axis=axis, keepdims=keepdims)


def max(
    a: Tensor,
    axis: Any = None,
    keepdims: bool = False,
    *,
    dim: Any = None,
    keepdim: bool = False,
) -> Any:
    """PyTorch's three ``max``: ``max(x)`` the largest value (a 0-d tensor; ties share the
    gradient); ``max(x, dim)`` a named tuple ``(values, indices)`` along ``dim`` (the
    gradient goes to the element at ``indices``, as in PyTorch); ``max(x, other)`` with a
    tensor ``other`` is ``maximum(x, other)``. For several axes at once use ``amax``.

    Shape: ``max(x)`` is 0-d; ``max(x, dim)`` gives values and indices of ``x``'s shape
    without ``dim`` (kept as 1 with ``keepdim``); ``max(x, other)`` the broadcast shape.

    Examples
    --------
    >>> x = al.tensor([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]])
    >>> al.max(x)
    tensor(6.)
    >>> values, indices = al.max(x, 1)
    >>> values
    tensor([5., 6.])
    >>> indices
    tensor([1, 2])
    """
    return _extreme(a, dim if axis is None else axis, keepdims or keepdim, "max")


class Min(Max):
    """min of a over axes (ties share the gradient equally, like ``Max``)."""

    reduce = staticmethod(np.min)


def amin(
    a: Tensor,
    axis: Axis = None,
    keepdims: bool = False,
    *,
    dim: Axis = None,
    keepdim: bool = False,
) -> Tensor:
    """Smallest value over ``axis`` (one, several or all axes), as a tensor; ties share the
    gradient equally (PyTorch's ``amin``, NumPy's ``np.min``).

    Parameters
    ----------
    a : Tensor
        Input of any shape.
    axis, dim : int or tuple of int, optional
        The axes to reduce (``dim`` is PyTorch's name); None reduces all of them.
    keepdims, keepdim : bool
        Keep each reduced axis with size 1, so the result broadcasts against ``a``.

    Returns
    -------
    Tensor
        ``a``'s shape without the reduced axes (a 0-d tensor when all are reduced).

    Notes
    -----
    The gradient goes to the smallest element(s); ties share it equally.

    Examples
    --------
    >>> x = al.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    >>> al.amin(x, axis=0)
    tensor([1., 2., 3.], grad_fn=<Min>)
    """
    axis, keepdims = _resolve(axis, dim, keepdims, keepdim)
    return Min.apply(a, axis=axis, keepdims=keepdims)


def min(
    a: Tensor,
    axis: Any = None,
    keepdims: bool = False,
    *,
    dim: Any = None,
    keepdim: bool = False,
) -> Any:
    """PyTorch's three ``min``: ``min(x)``, ``min(x, dim)`` -> ``(values, indices)``, and
    ``min(x, other)``, which is ``minimum(x, other)`` (see ``max``).

    Shape: as in ``max``.

    Examples
    --------
    >>> x = al.tensor([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]])
    >>> al.min(x)
    tensor(1.)
    >>> al.min(x, dim=0).indices
    tensor([0, 1, 0])
    """
    return _extreme(a, dim if axis is None else axis, keepdims or keepdim, "min")


def _extreme(a: Any, dim: Any, keepdim: bool, name: str) -> Any:
    if isinstance(dim, Tensor):  # torch.max(a, b): the elementwise maximum
        if keepdim:
            raise TypeError(f"{name}: keepdim is for max(x, dim), not max(x, other)")
        return (maximum if name == "max" else minimum)(a, dim)
    if dim is None:
        return (Max if name == "max" else Min).apply(a, axis=None, keepdims=keepdim)
    if isinstance(dim, (tuple, list)):
        raise TypeError(
            f"{name}: dim must be one int ({name}(x, dim) returns (values, indices) as in "
            f"PyTorch); for the {name}imum over several axes use a{name}(x, dim={tuple(dim)!r})"
        )
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
        raise TypeError(
            f"{name}: the second argument must be an int dim or a tensor, got "
            f"{type(dim).__name__}; for the elementwise {name}imum with an array use "
            f"al.{name}imum(x, other)"
        )
    a = a if isinstance(a, Tensor) else Tensor(as_array(a, where=name))
    arr = a.data
    if arr.size == 0:
        raise ShapeError(f"{name}: cannot reduce an empty tensor of shape {fmt_shape(arr.shape)}")
    result = getattr(return_types, name)
    if arr.ndim == 0:
        normalize_axes(dim, 0, name, arr.shape)  # dim 0 or -1 only
        return result(a.reshape(()), _make(np.zeros((), np.int64)))
    (axis,) = normalize_axes(dim, arr.ndim, name, arr.shape)
    pick = np.argmax if name == "max" else np.argmin
    idx = pick(arr, axis=axis, keepdims=True)  # the first extreme, as PyTorch (NaN wins)
    values = take_along(a, idx, axis)
    if not keepdim:
        values, idx = values.squeeze(axis), idx.squeeze(axis)
    return result(values, _make(idx.astype(np.int64, copy=False)))


def take_along(a: Tensor, idx: np.ndarray, axis: int) -> Tensor:
    """``a``'s elements at ``idx`` along ``axis`` (``np.take_along_axis``, ``torch.gather``):
    ``out[i, j] = a[idx[i, j], j]`` for axis 0. Differentiable: an indexing (GetItem), so the
    gradient goes back to exactly the elements taken."""
    index = list(np.ix_(*[np.arange(n) for n in idx.shape]))  # open grids, one per axis
    index[axis] = idx
    return a[tuple(index)]


class LogSumExp(Function):
    """log Σ exp(a) over axes, computed as m + log Σ exp(a - m) with m = max a, so
    nothing overflows.  d/da = exp(a - logsumexp(a)) = softmax(a)."""

    label = "logsumexp"

    def forward(self, a, *, axis, keepdims):
        self.axes = normalize_axes(axis, a.ndim, "logsumexp", a.shape)
        self.keepdims = keepdims
        m = np.max(a, axis=self.axes, keepdims=True)
        m = np.where(np.isfinite(m), m, 0)  # a row of all -inf gives -inf, not NaN
        out = np.log(np.sum(np.exp(a - m), axis=self.axes, keepdims=True)) + m
        return out if keepdims else out.reshape(_reduced_shape(a.shape, self.axes))

    def backward(self, g):
        (a,) = self.inputs
        return _spread(g, a.shape, self.axes, self.keepdims) * self._softmax()

    def jvp(self, ta):
        return sum(ta * self._softmax(), self.axes, self.keepdims)

    def _softmax(self) -> Tensor:
        """d logsumexp(a)/da = exp(a - logsumexp(a)) = softmax(a) over the axes."""
        (a,) = self.inputs
        return exp(a - self.output.reshape(_kept_shape(a.shape, self.axes)))


def logsumexp(
    a: Tensor,
    axis: Axis = None,
    keepdims: bool = False,
    *,
    dim: Axis = None,
    keepdim: bool = False,
) -> Tensor:
    """log(Σ exp(a)) over ``axis``, without overflow.

    Parameters
    ----------
    a : Tensor
        Input of any shape.
    axis, dim : int or tuple of int, optional
        The axes to reduce (``dim`` is PyTorch's name); None reduces all of them.
    keepdims, keepdim : bool
        Keep each reduced axis with size 1, so the result broadcasts against ``a``.

    Returns
    -------
    Tensor
        ``a``'s shape without the reduced axes (a 0-d tensor when all are reduced).

    Notes
    -----
    logsumexp(a) = m + log Σ exp(a - m), m the maximum, so no exp overflows.
    Its gradient is softmax(a).

    Examples
    --------
    >>> x = al.tensor([1.0, 2.0, 3.0])
    >>> al.logsumexp(x)
    tensor(3.4076)
    >>> al.logsumexp(al.tensor([1000.0, 1000.0]))
    tensor(1000.6932)
    """
    axis, keepdims = _resolve(axis, dim, keepdims, keepdim)
    return LogSumExp.apply(a, axis=axis, keepdims=keepdims)


class SoftmaxFunction(Function):
    """softmax(a) = exp(a) / Σ exp(a) along one axis (stable: the max is subtracted first).

    d/da: y ⊙ (g - Σ g⊙y), with y the output.
    """

    label = "softmax"

    def forward(self, a, *, axis):
        # A 0-d tensor is its own (one-element) axis: reduce over "all" of it.
        (self.axis,) = normalize_axes(axis, a.ndim, "softmax", a.shape) if a.ndim else (None,)
        e = np.exp(a - np.max(a, axis=self.axis, keepdims=True))
        return e / np.sum(e, axis=self.axis, keepdims=True)

    def backward(self, g):
        y = self.output
        return y * (g - (g * y).sum(axis=self.axis, keepdims=True))

    def jvp(self, ta):
        return self.backward(ta)  # the Jacobian diag(y) - y yᵀ is symmetric: J v = Jᵀ v


def softmax(a: Tensor, axis: int = -1, *, dim: int | None = None) -> Tensor:
    """exp(a) / Σ exp(a) along ``axis`` (the last by default): probabilities summing to 1.

    Parameters
    ----------
    a : Tensor
        Scores (logits) of any shape.
    axis, dim : int
        The axis that sums to 1 (the last by default).

    Returns
    -------
    Tensor
        Same shape as ``a``.

    Notes
    -----
    softmax(a)_i = exp(a_i - m) / Σ_j exp(a_j - m), with m the maximum (the same value, no
    overflow). The gradient: ``dL/da = s * (g - Σ g s)`` with s the output and g the incoming
    gradient.

    Examples
    --------
    >>> p = al.softmax(al.tensor([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]]), dim=1)
    >>> p
    tensor([[0.09  , 0.2447, 0.6652],
            [0.3333, 0.3333, 0.3333]])
    >>> p.sum(dim=1)
    tensor([1., 1.])
    """
    return SoftmaxFunction.apply(a, axis=axis if dim is None else dim)


class LogSoftmaxFunction(Function):
    """log softmax(a) = a - logsumexp(a) along one axis (stable).

    d/da: g - softmax(a) · Σ g.
    """

    label = "log_softmax"

    def forward(self, a, *, axis):
        # A 0-d tensor is its own (one-element) axis: reduce over "all" of it.
        (self.axis,) = normalize_axes(axis, a.ndim, "log_softmax", a.shape) if a.ndim else (None,)
        shifted = a - np.max(a, axis=self.axis, keepdims=True)
        return shifted - np.log(np.sum(np.exp(shifted), axis=self.axis, keepdims=True))

    def backward(self, g):
        return g - exp(self.output) * g.sum(axis=self.axis, keepdims=True)

    def jvp(self, ta):
        return ta - (exp(self.output) * ta).sum(axis=self.axis, keepdims=True)


def log_softmax(a: Tensor, axis: int = -1, *, dim: int | None = None) -> Tensor:
    """log(softmax(a)) along ``axis``, computed stably (never log of 0 for finite a).

    Parameters
    ----------
    a : Tensor
        Scores (logits) of any shape.
    axis, dim : int
        The axis normalized (the last by default).

    Returns
    -------
    Tensor
        Same shape as ``a``: log-probabilities, ``a - logsumexp(a, axis, keepdims=True)``.

    Examples
    --------
    >>> al.log_softmax(al.tensor([1.0, 2.0, 3.0]))
    tensor([-2.4076, -1.4076, -0.4076])
    """
    return LogSoftmaxFunction.apply(a, axis=axis if dim is None else dim)


def mean(
    a: Tensor,
    axis: Axis = None,
    keepdims: bool = False,
    *,
    dim: Axis = None,
    keepdim: bool = False,
) -> Tensor:
    """Mean over ``axis``: the sum divided by the number of elements reduced.

    Parameters
    ----------
    a : Tensor
        Input of any shape.
    axis, dim : int or tuple of int, optional
        The axes to reduce (``dim`` is PyTorch's name); None reduces all of them.
    keepdims, keepdim : bool
        Keep each reduced axis with size 1, so the result broadcasts against ``a``.

    Returns
    -------
    Tensor
        ``a``'s shape without the reduced axes (a 0-d tensor when all are reduced).

    Notes
    -----
    mean(a) = Σ a_i / n over the n elements reduced; d/da_i = 1 / n.

    Examples
    --------
    >>> x = al.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    >>> al.mean(x)
    tensor(3.5, grad_fn=<Div>)
    >>> x.mean(dim=0)
    tensor([2.5, 3.5, 4.5], grad_fn=<Div>)
    """
    axis, keepdims = _resolve(axis, dim, keepdims, keepdim)
    total = sum(a, axis, keepdims)
    return total / _count(np.shape(a.data if isinstance(a, Tensor) else a), axis, "mean")


def var(
    a: Tensor,
    axis: Axis = None,
    correction: int = 1,
    keepdims: bool = False,
    *,
    dim: Axis = None,
    keepdim: bool = False,
) -> Tensor:
    """Variance Σ(a - mean)² / (n - correction); ``correction=1`` (the default, as in
    PyTorch) is the unbiased estimate, ``correction=0`` the population variance.

    Parameters
    ----------
    a : Tensor
        Input of any shape.
    axis, dim : int or tuple of int, optional
        The axes to reduce (``dim`` is PyTorch's name); None reduces all of them.
    correction : int
        Subtracted from n in the divisor (1: unbiased, 0: population).
    keepdims, keepdim : bool
        Keep each reduced axis with size 1, so the result broadcasts against ``a``.

    Returns
    -------
    Tensor
        ``a``'s shape without the reduced axes (a 0-d tensor when all are reduced).

    Examples
    --------
    >>> x = al.tensor([1.0, 2.0, 3.0, 4.0])
    >>> al.var(x)
    tensor(1.6667)
    >>> al.var(x, correction=0)
    tensor(1.25)
    """
    axis, keepdims = _resolve(axis, dim, keepdims, keepdim)
    centered = a - mean(a, axis, keepdims=True)
    n = _count(centered.shape, axis, "var")
    return sum(centered * centered, axis, keepdims) / (n - correction)


def std(
    a: Tensor,
    axis: Axis = None,
    correction: int = 1,
    keepdims: bool = False,
    *,
    dim: Axis = None,
    keepdim: bool = False,
) -> Tensor:
    """Standard deviation: the square root of ``var``.

    Shape: ``a``'s without the reduced axes, as ``var``; std = √var.

    Examples
    --------
    >>> al.std(al.tensor([1.0, 2.0, 3.0, 4.0]))
    tensor(1.291)
    """
    return sqrt(var(a, axis, correction, keepdims, dim=dim, keepdim=keepdim))


def argmax(
    a: Tensor,
    axis: int | None = None,
    keepdims: bool = False,
    *,
    dim: int | None = None,
    keepdim: bool = False,
) -> Tensor:
    """Index of the largest value (over the flattened tensor when axis is None); int64,
    not differentiable.

    Shape: ``a``'s without ``axis`` (0-d for the flattened tensor).

    Examples
    --------
    >>> x = al.tensor([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]])
    >>> al.argmax(x)
    tensor(5)
    >>> al.argmax(x, dim=1)
    tensor([1, 2])
    """
    return _arg(a, *_resolve(axis, dim, keepdims, keepdim), np.argmax, "argmax")


def argmin(
    a: Tensor,
    axis: int | None = None,
    keepdims: bool = False,
    *,
    dim: int | None = None,
    keepdim: bool = False,
) -> Tensor:
    """Index of the smallest value (over the flattened tensor when axis is None); int64.

    Shape: ``a``'s without ``axis`` (0-d for the flattened tensor).

    Examples
    --------
    >>> al.argmin(al.tensor([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]]), dim=1)
    tensor([0, 1])
    """
    return _arg(a, *_resolve(axis, dim, keepdims, keepdim), np.argmin, "argmin")


def _arg(a: Any, axis: int | None, keepdims: bool, pick: Any, where: str) -> Tensor:
    arr = a.data if isinstance(a, Tensor) else np.asarray(a)
    if axis is not None:
        (axis,) = normalize_axes(axis, arr.ndim, where, arr.shape)
    if arr.size == 0:
        raise ShapeError(
            f"{where}: cannot take the {where} of an empty tensor of shape {arr.shape}"
        )
    return _make(np.asarray(pick(arr, axis=axis, keepdims=keepdims), dtype=np.int64))
