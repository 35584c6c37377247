"""Tensor members PyTorch users reach for: devices (``x.device``, ``x.to("cpu")``, ``x.cpu()``),
conversions (``x.int()``, ``x.bool()``, ``x.type(...)``, ``x.to(dtype)``), copies
(``x.clone()``, ``x.contiguous()``), transposes (``x.t()``, ``x.mT``), masked ops, the
products and norms (``x.dot``, ``x.mm``, ``x.bmm``, ``x.norm``), ordering (``x.sort``,
``x.topk``, ``x.argsort``, ``x.unique``, ``x.gather``), ``x.exp_()``, ``x.scatter_`` and
``x.scatter_add_``, and ``__index__``.

Like ``tensor_methods.TensorMethods``, one class whose members ``attach()`` copies onto
Tensor when ``autograd_lite`` is imported; kept apart so that each file says what it holds.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_lite import inplace
from autograd_lite.device import CPU, device, is_device
from autograd_lite.ops import reduce, selection, shape, sorting
from autograd_lite.ops.arithmetic import Add
from autograd_lite.ops.composites import Clone
from autograd_lite.ops.elementary import Exp
from autograd_lite.ops.shape import IndexBackward, SetItem
from autograd_lite.tensor import Tensor, full, ones, zeros
from autograd_lite.tensor import tensor as copy_of

# x.type() names, as PyTorch's legacy tensor types (code compares against these strings).
_TYPE_NAMES = {
    np.dtype(np.float32): "torch.FloatTensor",
    np.dtype(np.float64): "torch.DoubleTensor",
    np.dtype(np.float16): "torch.HalfTensor",
    np.dtype(np.int64): "torch.LongTensor",
    np.dtype(np.int32): "torch.IntTensor",
    np.dtype(np.int16): "torch.ShortTensor",
    np.dtype(np.int8): "torch.CharTensor",
    np.dtype(np.uint8): "torch.ByteTensor",
    np.dtype(np.bool_): "torch.BoolTensor",
}
_TYPE_DTYPES = {name: dtype for dtype, name in _TYPE_NAMES.items()}


class TorchMethods:
    """The PyTorch-named Tensor members (copied onto Tensor by ``attach``)."""

    __slots__ = ()

    # -- devices: the CPU only ------------------------------------------------------------

    @property
    def device(self: Tensor) -> device:
        """Where the numbers live: always ``device(type='cpu')``."""
        return CPU

    @property
    def is_cuda(self: Tensor) -> bool:
        return False

    def cpu(self: Tensor) -> Tensor:
        """This tensor (it is on the CPU already)."""
        return self

    def cuda(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        """Refused: there is no GPU here (``device("cuda")`` says why)."""
        device("cuda")  # raises the one message about devices
        return self  # pragma: no cover

    def to(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        """PyTorch's ``to``: ``x.to(dtype)``, ``x.to("cpu")``, ``x.to(device, dtype)``,
        ``x.to(other)`` (other's dtype), ``x.to(dtype=..., device=...)``. The CPU is the
        only device: any other is refused. A float-to-float change is differentiable.

        Examples
        --------
        >>> x = al.tensor([1.0, 2.0])
        >>> x.to(al.float64).dtype, x.to("cpu") is x
        (dtype('float64'), True)
        """
        dtype, dev = kwargs.pop("dtype", None), kwargs.pop("device", None)
        kwargs.pop("non_blocking", None)
        copy = kwargs.pop("copy", False)
        if kwargs:
            raise TypeError(f"to: unexpected keyword arguments {sorted(kwargs)}")
        for arg in args:
            if isinstance(arg, Tensor):
                dtype = arg.dtype
            elif is_device(arg):
                dev = arg
            elif arg is not None:
                dtype = arg
        if dev is not None:
            device(dev)  # "cuda" and friends are refused here
        if dtype is None:
            return Clone.apply(self) if copy else self
        try:
            dtype = np.dtype(dtype)
        except TypeError:
            raise TypeError(
                f"to: {dtype!r} is neither a dtype (al.float32, al.long, ...) nor a device ('cpu')"
            ) from None
        out = self.astype(dtype)
        return Clone.apply(out) if copy and out is self else out

    # -- conversions --------------------------------------------------------------------------

    def int(self: Tensor) -> Tensor:
        """Converted to int32 (PyTorch's ``int``)."""
        return self.astype(np.int32)

    def bool(self: Tensor) -> Tensor:
        """Converted to bool (nonzero is True)."""
        return self.astype(np.bool_)

    def half(self: Tensor) -> Tensor:
        """Converted to float16."""
        return self.astype(np.float16)

    def type(self: Tensor, dtype: Any = None) -> Any:
        """Without an argument, the type's name as PyTorch writes it (``"torch.FloatTensor"``);
        with a dtype (or such a name), the tensor converted to it."""
        if dtype is None:
            return _TYPE_NAMES.get(self.dtype, f"autograd_lite.Tensor[{self.dtype}]")
        if isinstance(dtype, str) and dtype in _TYPE_DTYPES:
            dtype = _TYPE_DTYPES[dtype]
        return self.astype(dtype)

    def type_as(self: Tensor, other: Tensor) -> Tensor:
        """Converted to ``other``'s dtype."""
        return self.astype(other.dtype)

    def __index__(self: Tensor) -> int:
        """The value of a one-element integer tensor, for ``classes[label]`` and ``range(n)``."""
        if self.data.dtype.kind not in "iub" or self.data.size != 1:
            raise TypeError(
                f"only integer tensors of a single element can be converted to an index, this "
                f"one has dtype {self.dtype} and shape {tuple(self.shape)}"
            )
        return int(self.data.item())

    # -- copies and views -------------------------------------------------------------------

    def contiguous(self: Tensor) -> Tensor:
        """This tensor (arrays are laid out by NumPy; ops accept any layout)."""
        return self

    def t(self: Tensor) -> Tensor:
        """The transpose of a matrix (0-d and 1-D tensors come back as they are).

        Examples
        --------
        >>> al.tensor([[1, 2, 3]]).t()
        tensor([[1],
                [2],
                [3]])
        """
        if self.ndim > 2:
            raise ValueError(
                f"t: expects a tensor of at most 2 dimensions, got shape {tuple(self.shape)}; "
                "use transpose(dim0, dim1) or .mT"
            )
        return self if self.ndim < 2 else shape.transpose(self, 0, 1)

    @property
    def mT(self: Tensor) -> Tensor:
        """The last two axes swapped (a batch of matrices transposed).

        Examples
        --------
        >>> al.zeros(5, 2, 3).mT.shape
        (5, 3, 2)
        """
        if self.ndim < 2:
            raise ValueError(f"mT: needs at least 2 dimensions, got shape {tuple(self.shape)}")
        return shape.transpose(self, -2, -1)

    # -- new tensors like this one (its dtype unless given) ---------------------------------

    def new_ones(
        self: Tensor, *size: Any, dtype: Any = None, requires_grad: bool = False
    ) -> Tensor:
        """Ones of ``size``, in this tensor's dtype unless given."""
        return ones(*size, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_zeros(
        self: Tensor, *size: Any, dtype: Any = None, requires_grad: bool = False
    ) -> Tensor:
        """Zeros of ``size``, in this tensor's dtype unless given."""
        return zeros(*size, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_full(
        self: Tensor, size: Any, fill_value: Any, dtype: Any = None, requires_grad: bool = False
    ) -> Tensor:
        """``fill_value`` everywhere, in this tensor's dtype unless given."""
        return full(size, fill_value, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_tensor(
        self: Tensor, data: Any, dtype: Any = None, requires_grad: bool = False
    ) -> Tensor:
        """A copy of ``data``, in this tensor's dtype unless given."""
        return copy_of(data, dtype=dtype or self.dtype, requires_grad=requires_grad)

    # -- comparisons by name (x.eq(y) is x == y: bool tensors, no gradient) ----------------

    def eq(self: Tensor, other: Any) -> Tensor:
        return self == other

    def ne(self: Tensor, other: Any) -> Tensor:
        return self != other

    def lt(self: Tensor, other: Any) -> Tensor:
        return self < other

    def le(self: Tensor, other: Any) -> Tensor:
        return self <= other

    def gt(self: Tensor, other: Any) -> Tensor:
        return self > other

    def ge(self: Tensor, other: Any) -> Tensor:
        return self >= other

    # -- selections made by indexing (so the gradient goes back to what was selected) ---------

    def masked_select(self: Tensor, mask: Any) -> Tensor:
        """The elements where ``mask`` (broadcast to this shape) is True, as a 1-D tensor.

        Examples
        --------
        >>> x = al.tensor([1.0, -2.0, 3.0])
        >>> x.masked_select(x > 0)
        tensor([1., 3.])
        """
        m = np.broadcast_to(_bool_mask(mask, "masked_select"), self.shape)
        return self[m]

    def index_select(self: Tensor, dim: int, index: Any) -> Tensor:
        """The slices at ``index`` (a 1-D int tensor) along ``dim``.

        Examples
        --------
        >>> x = al.tensor([[1, 2], [3, 4], [5, 6]])
        >>> x.index_select(0, al.tensor([2, 0]))
        tensor([[5, 6],
                [1, 2]])
        """
        idx = index.data if isinstance(index, Tensor) else np.asarray(index)
        if idx.ndim != 1 or idx.dtype.kind not in "iu":
            raise TypeError("index_select: index must be a 1-D integer tensor")
        (axis,) = reduce.normalize_axes(dim, self.ndim, "index_select", self.shape)
        return self[(slice(None),) * axis + (idx,)]

    def repeat(self: Tensor, *sizes: Any) -> Tensor:
        """This tensor tiled ``sizes`` times along each dimension (PyTorch's ``repeat``, NumPy's
        ``tile``); leading extra sizes add dimensions.

        Examples
        --------
        >>> al.tensor([1, 2]).repeat(2, 2)
        tensor([[1, 2, 1, 2],
                [1, 2, 1, 2]])
        """
        if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
            sizes = tuple(sizes[0])
        if len(sizes) < self.ndim:
            raise ValueError(
                f"repeat: {len(sizes)} sizes for a tensor of {self.ndim} dimensions (need at "
                "least one per dimension)"
            )
        x = self.reshape((1,) * (len(sizes) - self.ndim) + tuple(self.shape))
        grids = np.ix_(*[np.tile(np.arange(n), r) for n, r in zip(x.shape, sizes)])
        return x[grids]

    def chunk(self: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
        """``chunks`` pieces along ``dim`` (the last may be smaller), as PyTorch's ``chunk``.

        Examples
        --------
        >>> [c.tolist() for c in al.arange(5).chunk(2)]
        [[0, 1, 2], [3, 4]]
        """
        n = self.shape[dim]
        size = -(-n // chunks)
        return self.split(size, dim)

    def split(self: Tensor, split_size: Any, dim: int = 0) -> tuple[Tensor, ...]:
        """Pieces of ``split_size`` along ``dim`` (or of the sizes in a list).

        Examples
        --------
        >>> [s.shape for s in al.zeros(5, 2).split([1, 4])]
        [(1, 2), (4, 2)]
        """
        (axis,) = reduce.normalize_axes(dim, self.ndim, "split", self.shape)
        n = self.shape[axis]
        sizes = [split_size] * (-(-n // split_size)) if isinstance(split_size, int) else split_size
        if sum(sizes) < n or (not isinstance(split_size, int) and sum(sizes) != n):
            raise ValueError(f"split: sizes {list(sizes)} do not add up to {n} along dim {dim}")
        pieces, start = [], 0
        for size in sizes:
            stop = min(start + size, n)
            pieces.append(self[(slice(None),) * axis + (slice(start, stop),)])
            start = stop
        return tuple(pieces)

    def nonzero(self: Tensor) -> Tensor:
        """The indices of the nonzero elements, one row each: (count, ndim), int64.

        Examples
        --------
        >>> al.tensor([[0, 1], [2, 0]]).nonzero()
        tensor([[0, 1],
                [1, 0]])
        """
        return Tensor(np.argwhere(self.data).astype(np.int64))

    # -- masked ops ---------------------------------------------------------------------

    def masked_fill(self: Tensor, mask: Any, value: Any) -> Tensor:
        """``value`` where ``mask`` is True, ``self`` elsewhere (``mask`` broadcasts).

        Examples
        --------
        >>> scores = al.tensor([[1.0, 2.0], [3.0, 4.0]])
        >>> scores.masked_fill(al.tensor([[False, True], [False, False]]), float("-inf"))
        tensor([[  1., -inf],
                [  3.,   4.]])
        """
        m = _bool_mask(mask, "masked_fill")
        out = selection.where(m, _as_value(value, self), self)
        return out if out.dtype == self.dtype else out.astype(self.dtype)  # self's dtype kept

    def masked_fill_(self: Tensor, mask: Any, value: Any) -> Tensor:
        """``masked_fill`` in place."""
        m = np.broadcast_to(_bool_mask(mask, "masked_fill_"), self.shape)
        return inplace.update(self, "masked_fill_", SetItem, (value,), {"index": m})

    def scatter_(
        self: Tensor,
        dim: int,
        index: Any,
        src: Any = None,
        *,
        value: Any = None,
        reduce: Any = None,
    ) -> Tensor:
        """``scatter`` in place: ``src``'s values (or a number) written where ``index`` says."""
        if reduce is not None:
            raise NotImplementedError(
                f"scatter_: reduce={reduce!r} is not supported; use scatter_add_ for 'add'"
            )
        where = value if src is None else src
        coords, values = sorting.scatter_args(self, dim, index, where, "scatter_")
        return inplace.update(self, "scatter_", SetItem, (values,), {"index": coords})

    def scatter_add_(self: Tensor, dim: int, index: Any, src: Any) -> Tensor:
        """``scatter_add`` in place: ``src``'s values added where ``index`` says."""
        coords, values = sorting.scatter_args(self, dim, index, src, "scatter_add_", False)
        spread = IndexBackward.apply(values, shape=self.shape, index=coords)
        return inplace.update(self, "scatter_add_", Add, (spread,))

    def exp_(self: Tensor) -> Tensor:
        """``self = exp(self)``, in place."""
        return inplace.update(self, "exp_", Exp)


def _bool_mask(mask: Any, where: str) -> np.ndarray:
    m = mask.data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_:
        raise TypeError(f"{where}: mask must be a bool tensor (e.g. x > 0), got dtype {m.dtype}")
    return m


def _as_value(value: Any, like: Tensor) -> Any:
    if isinstance(value, Tensor):
        if value.data.size != 1:
            raise ValueError(
                f"masked_fill: value must be a number or a one-element tensor, got shape "
                f"{tuple(value.shape)}"
            )
        return value.reshape(())
    return value


def attach() -> None:
    """Give Tensor every member of TorchMethods (once, when autograd_lite is imported)."""
    for name, member in vars(TorchMethods).items():
        if callable(member) or isinstance(member, property):
            setattr(Tensor, name, member)
