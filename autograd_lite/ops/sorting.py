"""Ordering ops, PyTorch's: sort, argsort, topk, unique, gather, and gather's inverse,
scatter and scatter_add.

``sort`` and ``topk`` return ``(values, indices)`` named tuples (``autograd_lite.return_types``),
as ``max(dim)`` does. Their values are taken from the input by indexing (``take_along``), so
the gradient goes back to exactly the elements chosen: no Function of their own, the indexing
op (GetItem) records them. The indices are int64 tensors with no gradient.

``scatter`` puts values where the same kind of index says (the assignment op, SetItem) and
``scatter_add`` adds them there (the scatter-add behind indexing's backward, IndexBackward):
the gradients are those ops'.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_lite import return_types
from autograd_lite.errors import ShapeError, fmt_shape
from autograd_lite.ops.reduce import normalize_axes, take_along
from autograd_lite.ops.shape import IndexBackward, SetItem
from autograd_lite.tensor import Tensor, _make, as_array

__all__ = ["argsort", "gather", "scatter", "scatter_add", "sort", "topk", "unique"]


def _as_tensor(a: Any, where: str) -> Tensor:
    return a if isinstance(a, Tensor) else Tensor(as_array(a, where=where))


def _order(arr: np.ndarray, axis: int, descending: bool) -> np.ndarray:
    """Indices sorting ``arr`` along ``axis``; ties keep their order (stable) both ways."""
    if descending:
        # Stable descending: sort the reversed axis ascending, then map indices back and
        # reverse, so equal elements keep their original order (what stable=True promises).
        n = arr.shape[axis]
        flipped = np.argsort(np.flip(arr, axis), axis=axis, kind="stable")
        return np.flip(n - 1 - flipped, axis)
    return np.argsort(arr, axis=axis, kind="stable")


def _axis(a: Tensor, dim: int, where: str) -> int | None:
    if a.ndim == 0:
        normalize_axes(dim, 0, where, a.shape)
        return None
    (axis,) = normalize_axes(dim, a.ndim, where, a.shape)
    return axis


def sort(a: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Any:
    """``(values, indices)`` with ``values`` the elements of ``a`` sorted along ``dim``
    (ascending unless ``descending``) and ``a`` gathered at ``indices`` equal to ``values``.
    Shapes: both as ``a``. Always stable here (``stable`` is accepted for PyTorch's
    signature).

    Examples
    --------
    >>> values, indices = al.sort(al.tensor([3.0, 1.0, 2.0]))
    >>> values
    tensor([1., 2., 3.])
    >>> indices
    tensor([1, 2, 0])
    """
    a = _as_tensor(a, "sort")
    axis = _axis(a, dim, "sort")
    if axis is None:
        return return_types.sort(a.reshape(()), _make(np.zeros((), np.int64)))
    idx = _order(a.data, axis, descending)
    return return_types.sort(take_along(a, idx, axis), _make(idx.astype(np.int64, copy=False)))


def argsort(a: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
    """The indices that sort ``a`` along ``dim`` (``sort(a, dim).indices``); int64.

    Shape: the same as ``a``.

    Examples
    --------
    >>> al.argsort(al.tensor([3.0, 1.0, 2.0]), descending=True)
    tensor([0, 2, 1])
    """
    a = _as_tensor(a, "argsort")
    axis = _axis(a, dim, "argsort")
    if axis is None:
        return _make(np.zeros((), np.int64))
    return _make(_order(a.data, axis, descending).astype(np.int64, copy=False))


def topk(a: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> Any:
    """The ``k`` largest (or, with ``largest=False``, smallest) elements along ``dim``:
    ``(values, indices)``, shapes as ``a`` with ``k`` along ``dim``, largest first.

    Examples
    --------
    >>> al.topk(al.tensor([1.0, 5.0, 3.0, 4.0]), 2)
    autograd_lite.return_types.topk(
    values=tensor([5., 4.]),
    indices=tensor([1, 3]))
    """
    a = _as_tensor(a, "topk")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise TypeError(f"topk: k must be an int, got {type(k).__name__} {k!r}")
    axis = _axis(a, dim, "topk")
    n = 1 if axis is None else a.shape[axis]
    if not 0 <= k <= n:
        raise ShapeError(
            f"topk: k={k} is out of range for dim {dim} of size {n} (shape {fmt_shape(a.shape)})"
        )
    if axis is None:
        return return_types.topk(a.reshape(()), _make(np.zeros((), np.int64)))
    idx = np.take(_order(a.data, axis, descending=largest), np.arange(k), axis=axis)
    return return_types.topk(take_along(a, idx, axis), _make(idx.astype(np.int64, copy=False)))


def _index_along(a: Tensor, dim: int, index: Any, where: str) -> tuple[int, np.ndarray]:
    """``dim`` as an axis and ``index`` as an integer array, checked as PyTorch's gather and
    scatter check them: as many dimensions as ``a``, no larger than ``a`` on the other axes,
    values in [0, size along dim). Errors name ``where`` and the shapes."""
    idx = index.data if isinstance(index, Tensor) else np.asarray(index)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{where}: index must be an integer tensor, got dtype {idx.dtype}")
    if idx.ndim != a.ndim:
        raise ShapeError(
            f"{where}: index {fmt_shape(idx.shape)} must have as many dimensions as the input "
            f"{fmt_shape(a.shape)}"
        )
    (axis,) = normalize_axes(dim, a.ndim, where, a.shape)
    for d, (n, m) in enumerate(zip(idx.shape, a.shape)):
        if d != axis and n > m:
            raise ShapeError(
                f"{where}: index {fmt_shape(idx.shape)} is larger than the input "
                f"{fmt_shape(a.shape)} in dimension {d}"
            )
    if idx.size and not (idx.min() >= 0 and idx.max() < a.shape[axis]):
        raise IndexError(
            f"{where}: index values must be in [0, {a.shape[axis]}) along dim {dim} (input "
            f"{fmt_shape(a.shape)}), got {idx.min()}..{idx.max()}"
        )
    return axis, idx


def gather(a: Tensor, dim: int, index: Any) -> Tensor:
    """``out[i][j] = a[index[i][j]][j]`` for ``dim=0`` (``a[i][index[i][j]]`` for ``dim=1``):
    PyTorch's ``gather``, with ``index`` an int tensor of ``a``'s number of dimensions whose
    sizes fit ``a``'s on the other axes. The gradient goes back to the elements taken.

    Shape: that of ``index``.

    Examples
    --------
    >>> scores = al.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    >>> al.gather(scores, 1, al.tensor([[2], [0]]))
    tensor([[3.],
            [4.]])
    """
    a = _as_tensor(a, "gather")
    axis, idx = _index_along(a, dim, index, "gather")
    sizes = [n if d != axis else a.shape[axis] for d, n in enumerate(idx.shape)]
    trimmed = a[tuple(slice(0, n) for n in sizes)] if tuple(sizes) != a.shape else a
    return take_along(trimmed, idx, axis)


def scatter_args(
    a: Tensor, dim: int, index: Any, src: Any, where: str, value_ok: bool = True
) -> tuple[tuple, Any]:
    """For ``scatter`` and ``scatter_add`` (and their in-place forms): the NumPy index that
    puts ``src[i][j]`` at ``a[index[i][j]][j]`` (dim 0), and the values to put there (``src``
    cut to ``index``'s shape, or a number). Checks PyTorch's rules, naming ``where``."""
    axis, idx = _index_along(a, dim, index, where)
    coords = list(np.ix_(*[np.arange(n) for n in idx.shape]))  # open grids, one per axis
    coords[axis] = idx
    if isinstance(src, (Tensor, np.ndarray, list)):
        src = _as_tensor(src, where)
        if src.ndim != a.ndim or any(n > m for n, m in zip(idx.shape, src.shape)):
            raise ShapeError(
                f"{where}: src {fmt_shape(src.shape)} must have the input's number of "
                f"dimensions and be at least as large as index {fmt_shape(idx.shape)} in each"
            )
        if src.dtype != a.dtype:
            raise TypeError(
                f"{where}: src has dtype {src.dtype} but the input has {a.dtype} (PyTorch "
                "requires them equal); convert one with .to(dtype)"
            )
        if src.shape != idx.shape:
            src = src[tuple(slice(0, n) for n in idx.shape)]
    elif not value_ok or isinstance(src, bool) or not isinstance(src, (int, float, np.number)):
        raise TypeError(
            f"{where}: src must be a tensor{' or a number' if value_ok else ''}, got "
            f"{type(src).__name__}"
        )
    return tuple(coords), src


def scatter(
    a: Tensor, dim: int, index: Any, src: Any = None, *, value: Any = None, reduce: Any = None
) -> Tensor:
    """A copy of ``a`` with ``src``'s values written where ``index`` says: for ``dim=0``
    ``out[index[i][j]][j] = src[i][j]`` (``dim=1``: ``out[i][index[i][j]] = src[i][j]``), the
    inverse of ``gather`` (PyTorch's ``scatter``). ``src`` is a tensor of ``a``'s dtype at
    least as large as ``index``, or a number (also as ``value=``). Shapes: ``index`` has
    ``a``'s number of dimensions and fits ``a`` on the other axes. Gradients: ``a`` gets
    ``g`` with the written positions zeroed, ``src`` gets ``g`` gathered at ``index``.
    Where ``index`` names a position twice, the last value written stays (PyTorch leaves it
    undefined).

    Shape: that of ``a``.

    Examples
    --------
    >>> al.scatter(al.zeros(2, 3), 1, al.tensor([[2], [0]]), al.tensor([[5.0], [7.0]]))
    tensor([[0., 0., 5.],
            [7., 0., 0.]])
    """
    if reduce is not None:
        raise NotImplementedError(
            f"scatter: reduce={reduce!r} is not supported; use scatter_add for 'add'"
        )
    a = _as_tensor(a, "scatter")
    coords, values = scatter_args(a, dim, index, value if src is None else src, "scatter")
    return SetItem.apply(a, values, index=coords)


def scatter_add(a: Tensor, dim: int, index: Any, src: Any) -> Tensor:
    """A copy of ``a`` with ``src``'s values added where ``index`` says: for ``dim=0``
    ``out[index[i][j]][j] += src[i][j]``, each repeated position adding up (PyTorch's
    ``scatter_add``). Shapes and rules as ``scatter``, with ``src`` a tensor. Gradients:
    ``a`` gets ``g``, ``src`` gets ``g`` gathered at ``index``.

    Shape: that of ``a``.

    Examples
    --------
    >>> al.scatter_add(al.zeros(3), 0, al.tensor([0, 2, 0]), al.tensor([1.0, 2.0, 3.0]))
    tensor([4., 0., 2.])
    """
    a = _as_tensor(a, "scatter_add")
    coords, values = scatter_args(a, dim, index, src, "scatter_add", value_ok=False)
    return a + IndexBackward.apply(values, shape=a.shape, index=coords)


def unique(
    a: Tensor,
    sorted: bool = True,
    return_inverse: bool = False,
    return_counts: bool = False,
    dim: int | None = None,
) -> Any:
    """The distinct values of ``a`` (flattened), sorted; with ``return_inverse`` and
    ``return_counts`` also the index of each element's value and each value's count, as
    PyTorch (a tuple then). No gradient. ``dim`` is not supported (refused).

    Shape: (K,) for K distinct values; the inverse has ``a``'s shape, the counts (K,).

    Examples
    --------
    >>> al.unique(al.tensor([3, 1, 3, 2, 1]))
    tensor([1, 2, 3])
    >>> values, counts = al.unique(al.tensor([3, 1, 3]), return_counts=True)
    >>> counts
    tensor([1, 2])
    """
    if dim is not None:
        raise NotImplementedError("unique: dim= is not supported; use unique(x) on values")
    arr = as_array(a, where="unique")
    values, inverse, counts = np.unique(arr, return_inverse=True, return_counts=True)
    out: list[Tensor] = [_make(values)]
    if return_inverse:
        out.append(_make(inverse.reshape(arr.shape).astype(np.int64)))
    if return_counts:
        out.append(_make(counts.astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)
