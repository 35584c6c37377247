"""Shape ops: they move or select elements without changing values.

Their backward moves the gradient back to where each element came from: reshape it
back, permute it back, scatter it back into the positions an index selected
(repeated positions add up), cut it into the pieces that were concatenated.

Like NumPy's, the results of reshape, permute, expand and basic indexing (``x[0]``,
``x[:, 1:]``) are views: they share memory with their input. An in-place change of either
gives the changed tensor its own copy first (``autograd_lite/inplace.py``), so ``y = x[0];
y += 1`` leaves ``x`` alone, while ``x[0] += 1`` (``SetItem``) changes ``x``.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd_lite.errors import ShapeError, fmt_shape
from autograd_lite.function import Function
from autograd_lite.ops.reduce import normalize_axes
from autograd_lite.tensor import Tensor

__all__ = [
    "cat",
    "concatenate",
    "expand",
    "flatten",
    "getitem",
    "pad",
    "permute",
    "reshape",
    "squeeze",
    "stack",
    "transpose",
    "unsqueeze",
]


def _shape_args(shape: tuple, where: str) -> tuple:
    # x.reshape(2, 3) and x.reshape((2, 3)) both work, as in PyTorch.
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    if not all(isinstance(s, (int, np.integer)) and not isinstance(s, bool) for s in shape):
        raise TypeError(f"{where}: sizes must be integers, got {shape!r}")
    return tuple(int(s) for s in shape)


class Reshape(Function):
    """a viewed with a new shape (same elements, same order).  The gradient is reshaped back."""

    def forward(self, a, *, shape):
        self.in_shape = a.shape
        try:
            return a.reshape(shape)
        except ValueError:
            raise ShapeError(
                f"reshape: cannot reshape a tensor of shape {fmt_shape(a.shape)} ({a.size} "
                f"elements) into {fmt_shape(shape)}"
            ) from None

    def backward(self, g):
        return g.reshape(self.in_shape)

    def jvp(self, ta):
        return ta.reshape(self.output.shape)


def reshape(a: Tensor, *shape: Any) -> Tensor:
    """The same elements in a new shape; one size may be -1 (inferred).

    Shape: the new ``shape``, with as many elements as ``a``. The gradient is reshaped back.

    Examples
    --------
    >>> x = al.arange(6)
    >>> al.reshape(x, 2, 3)
    tensor([[0, 1, 2],
            [3, 4, 5]])
    >>> x.reshape(-1, 2).shape
    (3, 2)
    """
    return Reshape.apply(a, shape=_shape_args(shape, "reshape"))


class Permute(Function):
    """a with its axes reordered (``dims[i]`` is the input axis that becomes axis i).
    The gradient is permuted by the inverse order."""

    def forward(self, a, *, dims):
        if sorted(dims) != list(range(a.ndim)):
            raise ShapeError(
                f"permute: dims {tuple(dims)} must be a reordering of 0..{a.ndim - 1} for a "
                f"tensor of shape {fmt_shape(a.shape)}"
            )
        inverse = [0] * len(dims)
        for i, d in enumerate(dims):
            inverse[d] = i  # axis d of the input is axis i of the output
        self.dims, self.inverse = tuple(dims), tuple(inverse)
        return a.transpose(dims)

    def backward(self, g):
        return g.permute(self.inverse)

    def jvp(self, ta):
        return ta.permute(self.dims)


def permute(a: Tensor, *dims: Any) -> Tensor:
    """Reorder the axes: ``permute(x, 0, 2, 1)`` or ``permute(x, (0, 2, 1))``.

    Shape: ``a``'s sizes in the order ``dims``. The gradient is permuted back.

    Examples
    --------
    >>> x = al.zeros(2, 3, 4)
    >>> al.permute(x, 2, 0, 1).shape
    (4, 2, 3)
    """
    arr = a.data if isinstance(a, Tensor) else np.asarray(a)
    dims = _shape_args(dims, "permute")
    dims = tuple(d % arr.ndim if -arr.ndim <= d < arr.ndim else d for d in dims)
    return Permute.apply(a, dims=dims)


def transpose(a: Tensor, dim0: int | None = None, dim1: int | None = None) -> Tensor:
    """Swap two axes (PyTorch's ``transpose(x, dim0, dim1)``); with no axes given, reverse
    them all (``x.T``).

    Shape: ``a``'s with sizes ``dim0`` and ``dim1`` swapped.

    Examples
    --------
    >>> x = al.tensor([[1, 2, 3], [4, 5, 6]])
    >>> al.transpose(x, 0, 1)
    tensor([[1, 4],
            [2, 5],
            [3, 6]])
    """
    shape = a.data.shape if isinstance(a, Tensor) else np.shape(a)
    ndim = len(shape)
    order = list(range(ndim))
    if dim0 is None and dim1 is None:
        order.reverse()
    else:
        i, j = (
            normalize_axes(dim0, ndim, "transpose", shape),
            normalize_axes(dim1, ndim, "transpose", shape),
        )
        order[i[0]], order[j[0]] = order[j[0]], order[i[0]]
    return Permute.apply(a, dims=tuple(order))


class Expand(Function):
    """a broadcast to a larger shape (a read-only view, no copy).

    The backward returns the gradient as it is: the engine sums it back over the
    broadcast axes, as it does for every broadcasting op.
    """

    def forward(self, a, *, shape):
        try:
            return np.broadcast_to(a, shape)
        except ValueError:
            raise ShapeError(
                f"expand: cannot expand shape {fmt_shape(a.shape)} to {fmt_shape(shape)} "
                "(only axes of size 1 can grow, and new axes go in front)"
            ) from None

    def backward(self, g):
        return g

    def jvp(self, ta):
        return ta.expand(self.output.shape)


def expand(a: Tensor, *shape: Any) -> Tensor:
    """Broadcast to ``shape`` without copying; -1 keeps a size (as in PyTorch).

    Shape: ``shape`` (``a`` broadcast to it). The gradient is summed back to ``a``'s shape.

    Examples
    --------
    >>> x = al.tensor([[1.0], [2.0]])
    >>> al.expand(x, 2, 3)
    tensor([[1., 1., 1.],
            [2., 2., 2.]])
    """
    shape = _shape_args(shape, "expand")
    in_shape = np.shape(a.data if isinstance(a, Tensor) else a)
    offset = len(shape) - len(in_shape)
    shape = tuple(
        in_shape[i - offset] if s == -1 and i >= offset else s for i, s in enumerate(shape)
    )
    return Expand.apply(a, shape=shape)


def _is_advanced(index: Any) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    return any(isinstance(p, (np.ndarray, list)) for p in parts)


class GetItem(Function):
    """a[index] for basic (ints, slices, None, ...) and advanced (int arrays, bool masks)
    indexing.  The gradient is scattered back: positions picked twice add up."""

    label = "[]"

    # (index_tensors: see index_options; kept for drawings, forward has no use for it.)
    def forward(self, a, *, index, index_tensors=None):
        self.in_shape, self.index = a.shape, index
        try:
            return a[index]
        except IndexError as exc:
            raise IndexError(f"index: {exc} (tensor of shape {fmt_shape(a.shape)})") from None

    def backward(self, g):
        return IndexBackward.apply(g, shape=self.in_shape, index=self.index)

    def jvp(self, ta):
        return GetItem.apply(ta, index=self.index)


def getitem(a: Tensor, index: Any) -> Tensor:
    """``a[index]``: basic and advanced (integer array, boolean mask) indexing.

    Shape: as NumPy's indexing gives. The gradient goes to the elements taken (summed
    where an index repeats).

    Examples
    --------
    >>> x = al.tensor([10.0, 20.0, 30.0], requires_grad=True)
    >>> y = al.getitem(x, [0, 2, 2])
    >>> y
    tensor([10., 30., 30.], grad_fn=<GetItem>)
    >>> y.sum().backward()
    >>> x.grad
    tensor([1., 0., 2.])
    """
    if isinstance(index, (Tensor, tuple)):  # (may hold tensors: see index_options)
        return GetItem.apply(a, **index_options(index))
    return GetItem.apply(a, index=_index_array(index) if isinstance(index, list) else index)


class SetItem(Function):
    """a with a[index] = v (``x[index] = v``, also ``fill_``, ``zero_``, ``copy_``): basic,
    advanced and boolean indices, v broadcast to the shape of a[index].

    d/da = g with g[index] = 0 (those positions were overwritten);
    d/dv = g[index], summed back to v's shape. When an integer index repeats a position,
    NumPy keeps the last value written there: only that element of v gets the gradient.
    """

    label = "[]="

    def forward(self, a, v, *, index, index_tensors=None):
        return self.forward_(a.copy(), v, index=index)

    def forward_(self, a, v, *, index, index_tensors=None):  # a[index] = v, into a
        self.index, self.shape = index, a.shape
        try:
            a[index] = v
        except IndexError as exc:
            raise IndexError(f"index: {exc} (tensor of shape {fmt_shape(a.shape)})") from None
        except (ValueError, TypeError) as exc:
            raise ShapeError(
                f"[]=: a value of shape {fmt_shape(np.shape(v))} cannot be put into x[index] "
                f"of shape {fmt_shape(np.empty(a.shape, dtype=bool)[index].shape)} (x of shape "
                f"{fmt_shape(a.shape)}): {exc}"
            ) from None
        return a

    def backward(self, g):
        need_a, need_v = self.needs_input_grad
        ga = SetItem.apply(g, 0.0, index=self.index) if need_a else None
        gv = None
        if need_v:
            gv = g[self.index]
            written = _last_writes(self.shape, self.index)
            if written is not None:
                gv = gv * written
            v_ndim = self.inputs[1].ndim
            if v_ndim > gv.ndim:  # NumPy lets v have extra leading axes of size 1
                gv = gv.reshape((1,) * (v_ndim - gv.ndim) + gv.shape)
        return ga, gv

    def jvp(self, ta, tv):
        return SetItem.apply(ta, tv, index=self.index)  # the tangent written where v went


def _last_writes(shape: tuple, index: Any) -> np.ndarray | None:
    """For ``x[index] = v`` with an integer index that may repeat a position: True where
    the element of (broadcast) v is the one that stayed (NumPy writes in order, the last
    one wins). None when no position repeats."""
    parts = index if isinstance(index, tuple) else (index,)
    if not any(isinstance(p, np.ndarray) and p.dtype.kind in "iu" and p.size > 1 for p in parts):
        return None
    scratch = np.empty(shape, dtype=np.intp)  # only the positions written are read back
    order = np.arange(scratch[index].size).reshape(scratch[index].shape)
    scratch[index] = order
    written = scratch[index] == order
    return None if written.all() else written


class IndexBackward(Function):
    """The scatter-add behind ``GetItem``'s backward: zeros of ``shape`` with ``g``
    added at ``index``.  Its own gradient is ``gg[index]`` (for second derivatives)."""

    def forward(self, g, *, shape, index):
        self.shape, self.index = shape, index
        out = np.zeros(shape, dtype=g.dtype)
        if _is_advanced(index):
            np.add.at(out, index, g)  # an index may repeat: add, don't overwrite
        else:
            out[index] = g  # basic indexing never repeats a position
        return out

    def backward(self, gg):
        return GetItem.apply(gg, index=self.index)

    def jvp(self, tg):
        return IndexBackward.apply(tg, shape=self.shape, index=self.index)


class Concatenate(Function):
    """Tensors joined along an existing axis.  The gradient is cut back into pieces."""

    label = "cat"

    def forward(self, *arrays, axis):
        if not arrays:
            raise ValueError("concatenate: needs at least one tensor")
        (self.axis,) = normalize_axes(axis, np.ndim(arrays[0]), "concatenate", np.shape(arrays[0]))
        self.sizes = [np.shape(a)[self.axis] for a in arrays]
        return np.concatenate(arrays, axis=self.axis)

    def backward(self, g):
        ends = np.cumsum(self.sizes)
        lead = (slice(None),) * self.axis
        return tuple(g[(*lead, slice(end - n, end))] for n, end in zip(self.sizes, ends))

    def jvp(self, *tangents):
        return Concatenate.apply(*tangents, axis=self.axis)


def concatenate(tensors: Sequence[Tensor], axis: int = 0, *, dim: int | None = None) -> Tensor:
    """Join tensors along an existing axis (``torch.cat``).

    Shape: the inputs' shapes, which must agree except along ``axis``, where the sizes add.

    Examples
    --------
    >>> a, b = al.ones(2, 2), al.zeros(1, 2)
    >>> al.concatenate([a, b]).shape
    (3, 2)
    """
    return Concatenate.apply(*tensors, axis=axis if dim is None else dim)


class Stack(Function):
    """Tensors of one shape joined along a new axis.  The gradient is split along it."""

    def forward(self, *arrays, axis):
        if not arrays:
            raise ValueError("stack: needs at least one tensor")
        ndim = np.ndim(arrays[0]) + 1
        (self.axis,) = normalize_axes(axis, ndim, "stack", np.shape(arrays[0]))
        shapes = {np.shape(a) for a in arrays}
        if len(shapes) > 1:
            raise ShapeError(
                "stack: all tensors must have the same shape, got "
                + ", ".join(fmt_shape(np.shape(a)) for a in arrays)
            )
        self.count = len(arrays)
        return np.stack(arrays, axis=self.axis)

    def backward(self, g):
        lead = (slice(None),) * self.axis
        return tuple(g[(*lead, i)] for i in range(self.count))

    def jvp(self, *tangents):
        return Stack.apply(*tangents, axis=self.axis)


def stack(tensors: Sequence[Tensor], axis: int = 0, *, dim: int | None = None) -> Tensor:
    """Join tensors of the same shape along a new axis.

    Shape: a new axis of size ``len(tensors)`` at ``axis``, then the common shape.

    Examples
    --------
    >>> a, b = al.tensor([1, 2]), al.tensor([3, 4])
    >>> al.stack([a, b])
    tensor([[1, 2],
            [3, 4]])
    >>> al.stack([a, b], dim=1).shape
    (2, 2)
    """
    return Stack.apply(*tensors, axis=axis if dim is None else dim)


class Pad(Function):
    """a with a border of ``value`` (constant padding).  The gradient is the interior."""

    def forward(self, a, *, widths, value):
        self.widths = widths
        self.interior = tuple(slice(lo, lo + n) for (lo, _), n in zip(widths, a.shape))
        return np.pad(a, widths, constant_values=value)

    def backward(self, g):
        return g[self.interior]

    def jvp(self, ta):
        return Pad.apply(ta, widths=self.widths, value=0.0)  # the border does not move


def pad(a: Tensor, pad: Sequence[Any], value: float = 0.0) -> Tensor:
    """Constant padding.

    ``pad`` is either PyTorch's flat form, pairs for the *last* axes first —
    ``pad(x, (1, 1))`` pads the last axis by one on each side, ``(1, 1, 2, 2)`` also the
    one before it by two — or NumPy's form, one ``(before, after)`` pair per axis.

    Shape: each padded axis grows by ``before + after``.

    Examples
    --------
    >>> x = al.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> al.pad(x, (1, 1))
    tensor([[0., 1., 2., 0.],
            [0., 3., 4., 0.]])
    """
    shape = np.shape(a.data if isinstance(a, Tensor) else a)
    pad = list(pad)
    if pad and all(isinstance(p, (tuple, list)) for p in pad):  # NumPy's form
        widths = [tuple(int(v) for v in p) for p in pad]
        if len(widths) != len(shape) or any(len(w) != 2 for w in widths):
            raise ShapeError(
                f"pad: need one (before, after) pair per axis of shape {fmt_shape(shape)}, "
                f"got {pad}"
            )
    else:
        if len(pad) % 2 or len(pad) // 2 > len(shape):
            raise ShapeError(
                f"pad: {tuple(pad)} must hold (before, after) pairs for at most "
                f"{len(shape)} axes (shape {fmt_shape(shape)})"
            )
        widths = [(0, 0)] * len(shape)
        for k in range(len(pad) // 2):
            widths[len(shape) - 1 - k] = (int(pad[2 * k]), int(pad[2 * k + 1]))
    if any(lo < 0 or hi < 0 for lo, hi in widths):
        raise ValueError(f"pad: widths must be non-negative, got {tuple(pad)}")
    return Pad.apply(a, widths=tuple(widths), value=value)


def squeeze(a: Tensor, axis: int | Sequence[int] | None = None, *, dim: Any = None) -> Tensor:
    """Remove axes of size 1 (all of them, or those in ``axis``).

    Shape: ``a``'s without the size-1 axes removed.

    Examples
    --------
    >>> al.squeeze(al.zeros(2, 1, 3, 1)).shape
    (2, 3)
    >>> al.squeeze(al.zeros(2, 1, 3, 1), dim=1).shape
    (2, 3, 1)
    """
    axis = dim if axis is None else axis
    shape = np.shape(a.data if isinstance(a, Tensor) else a)
    axes = normalize_axes(axis, len(shape), "squeeze", shape)
    if axis is not None:
        # PyTorch leaves an axis alone if its size isn't 1; so do we.
        axes = tuple(i for i in axes if shape[i] == 1)
    new = tuple(s for i, s in enumerate(shape) if not (i in axes and s == 1))
    return reshape(a, new)


def unsqueeze(a: Tensor, axis: int | None = None, *, dim: int | None = None) -> Tensor:
    """Insert an axis of size 1 at position ``axis`` (negative counts from the end).

    Shape: ``a``'s with a 1 inserted at ``axis``.

    Examples
    --------
    >>> x = al.tensor([1.0, 2.0, 3.0])
    >>> al.unsqueeze(x, 0).shape
    (1, 3)
    >>> x.unsqueeze(-1).shape
    (3, 1)
    """
    axis = dim if axis is None else axis
    shape = list(np.shape(a.data if isinstance(a, Tensor) else a))
    (pos,) = normalize_axes(axis, len(shape) + 1, "unsqueeze", tuple(shape))
    shape.insert(pos, 1)
    return reshape(a, tuple(shape))


def flatten(a: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge axes ``start_dim..end_dim`` (inclusive) into one, as ``torch.flatten``.

    Shape: ``a``'s with axes ``start_dim`` to ``end_dim`` replaced by their product.

    Examples
    --------
    >>> x = al.zeros(2, 3, 4, 5)
    >>> al.flatten(x).shape
    (120,)
    >>> al.flatten(x, start_dim=1).shape
    (2, 60)
    """
    shape = np.shape(a.data if isinstance(a, Tensor) else a)
    if len(shape) == 0:
        return reshape(a, (1,))
    (start,) = normalize_axes(start_dim, len(shape), "flatten", shape)
    (end,) = normalize_axes(end_dim, len(shape), "flatten", shape)
    if start > end:
        raise ShapeError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    merged = int(np.prod(shape[start : end + 1]))
    return reshape(a, (*shape[:start], merged, *shape[end + 1 :]))


cat = concatenate


def _index_array(index: list) -> np.ndarray:
    # An empty list selects nothing; np.asarray([]) would be a float array, not an index.
    return np.asarray(index) if index else np.zeros(0, dtype=np.intp)


def index_options(index: Any) -> dict[str, Any]:
    """The options an indexing op (GetItem, SetItem) is applied with: ``index`` as NumPy
    takes it (see ``index_arg``), and, when the index holds tensors (cs231n's
    ``probs[arange(N), y]``), ``index_tensors``: for each part of the index, None or
    ``(weak reference to the tensor, its name then)``. The op keeps only the tensors' arrays;
    this lets a drawing name a part after its tensor (``[arange(4), y]``), by its name now
    if it is still alive, else by its name when it was used. (Weak: the array is kept by the
    index already, and a big mask is not kept past backward for a name.)"""
    if isinstance(index, Tensor):
        return {"index": index.data, "index_tensors": ((weakref.ref(index), index.name),)}
    if isinstance(index, tuple):
        tensors = None
        parts = list(index)
        for k, part in enumerate(parts):
            if isinstance(part, Tensor):
                if tensors is None:
                    tensors = [None] * len(parts)
                tensors[k] = (weakref.ref(part), part.name)
                parts[k] = part.data
            elif isinstance(part, list):
                parts[k] = _index_array(part)
        if tensors is None:
            return {"index": tuple(parts)}
        return {"index": tuple(parts), "index_tensors": tuple(tensors)}
    if isinstance(index, list):
        return {"index": _index_array(index)}
    return {"index": index}


def index_arg(index: Any) -> Any:
    """An index as NumPy takes it: tensors replaced by their arrays, lists by int arrays."""
    return index_options(index)["index"]
