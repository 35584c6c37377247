"""Tensor: a NumPy array plus what autograd needs to know about it.

A ``Tensor`` wraps one ``numpy.ndarray`` (``.data``). When it ``requires_grad``, every
op on it is recorded as a node of a graph (``.grad_fn``, a ``Function``), and
``backward()`` walks that graph backwards with the chain rule, leaving each leaf's
gradient in ``.grad``.

Dtype rules (NumPy 2's): Python floats and nested lists of floats become the default
dtype (float32, see ``set_default_dtype``); a float64 array stays float64; Python
scalars in an op never upcast a tensor (``x * 2.0`` keeps x's dtype). Integer and bool
tensors exist (labels, masks, indices) but cannot require grad.

Every tensor has a version counter, ``_version``: 0 when made, one up for each in-place
change (``+=``, ``x[i] = v``, ``add_``, ...), so that backward can tell when a value it saved
has changed since. The counts are kept by ``autograd_lite/inplace.py``, not in the tensor:
most tensors never change, and a field would cost every op a store.

This file is the bottom of the engine floor: it imports no op and not the engine, because
they are all built on the Tensor class. The members that need them -- the Python
operators (``x * y``, ``x += y``, ``x[i] = v``), the op methods (``x.exp()``,
``x.sum(axis=1)``), NumPy's hooks (``np.exp(x)``) and ``backward()`` -- are defs in
``autograd_lite/tensor_methods.py``, one floor up, copied onto Tensor when ``autograd_lite``
is imported. Type checkers and IDEs see them in ``tensor.pyi``, the stub generated from this
file, tensor_methods.py and the op table (``python tests/test_tensor_stub.py``).
"""

from __future__ import annotations

import warnings
import weakref
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from autograd_lite.errors import AutogradError, ShapeError, fmt_shape

_default_dtype = np.dtype(np.float32)
_NUMERIC_KINDS = "biuf"


def set_default_dtype(dtype: Any) -> None:
    """Set the dtype that Python floats become: ``np.float32`` (default) or ``np.float64``.

    Examples
    --------
    >>> al.set_default_dtype(np.float64)
    >>> al.tensor([1.0]).dtype
    dtype('float64')
    >>> al.set_default_dtype(np.float32)
    >>> al.tensor([1.0]).dtype
    dtype('float32')
    """
    global _default_dtype
    try:
        d = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"set_default_dtype: {dtype!r} is not a dtype") from None
    if d.kind != "f":
        raise TypeError(f"set_default_dtype: expected a floating dtype, got {d}")
    _default_dtype = d


def get_default_dtype() -> np.dtype:
    """The dtype Python floats become (float32 unless changed).

    Examples
    --------
    >>> al.get_default_dtype()
    dtype('float32')
    """
    return _default_dtype


def as_array(data: Any, dtype: Any = None, where: str = "tensor") -> np.ndarray:
    """Turn user data (scalar, nested list, ndarray, Tensor) into a numeric ndarray.

    Python floats become the default dtype; arrays keep theirs; ``dtype`` overrides.
    Raises ``TypeError`` for non-numeric data and ``ValueError`` for ragged lists,
    naming ``where`` (the function or op that was called).
    """
    from_python = False
    if isinstance(data, Tensor):
        arr = data.data
    elif isinstance(data, np.ndarray):
        arr = data
    elif isinstance(data, tuple) and getattr(data, "_fields", None) == ("values", "indices"):
        name = type(data).__name__
        raise TypeError(
            f"{where}: got the ({name}) values and indices that {name}(dim) returns, not a "
            f"tensor; use its .values (or .indices), e.g. `x.{name}(1).values`"
        )
    elif isinstance(data, (bool, int, float, np.generic, list, tuple)):
        from_python = not isinstance(data, np.generic)
        try:
            arr = np.asarray(data)
        except (ValueError, TypeError) as exc:
            raise ValueError(
                f"{where}: nested lists must be rectangular (every row the same length); "
                f"got a ragged list ({exc})"
            ) from None
    else:
        raise TypeError(
            f"{where}: expected a number, a (nested) list of numbers, a numpy array or a "
            f"Tensor, got {type(data).__name__}"
        )
    if arr.dtype.kind not in _NUMERIC_KINDS:
        raise _not_numbers(arr.dtype, where)
    if dtype is not None:
        arr = arr.astype(np.dtype(dtype), copy=False)
    elif from_python and arr.dtype.kind == "f" and arr.dtype != _default_dtype:
        arr = arr.astype(_default_dtype)
    return arr


def _not_numbers(dtype: np.dtype, where: str) -> TypeError:
    """The one refusal of non-numeric data, for tensor() and every op's operands."""
    what = {
        "U": f"strings ({dtype})",
        "S": f"bytes ({dtype})",
        "c": f"complex numbers ({dtype}): autograd-lite has no complex tensors",
        "O": (
            f"Python objects ({dtype}): an array of objects would hide what it holds, and a "
            "tensor inside one would lose its gradient (join tensors with al.stack or "
            "al.concatenate)"
        ),
    }.get(dtype.kind, f"dtype {dtype}")
    return TypeError(f"{where}: data must be numbers (bool, int or float), got {what}")


class Tensor:
    """An n-dimensional array that can record the ops applied to it.

    ``Tensor(data, requires_grad=False, dtype=None, name=None)`` shares memory with
    ``data`` when it is already an ndarray of the right dtype; ``tensor(...)`` copies.
    Its ops are the functions of ``autograd_lite`` as methods (``x.exp()`` is ``al.exp(x)``,
    ``x @ w`` is ``al.matmul(x, w)``); each one's page gives its shapes and formula.

    In-place changes follow PyTorch: ``x += y``, ``x[i] = v``, ``x.add_(y)``, ``x.zero_()``
    ... are recorded like any op (gradients reach ``y`` and ``v``, and the old ``x``), but
    not on a leaf that requires grad outside ``no_grad()``. If backward later needs a value
    that was changed in place after it was saved, it raises an error naming the op and both
    versions instead of computing a wrong gradient.

    Memory: an in-place op writes into the tensor's own array when nothing else refers to
    that array; when something does -- a view of it (the results of ``x[0]``, ``x.T``,
    ``x.reshape`` ... share memory with ``x``, as in NumPy), ``detach()``, ``.numpy()``, the
    array given to ``Tensor(array)`` -- the tensor first gets its own copy (copy-on-write),
    so the change never reaches them, and changing them never reaches the tensor. So
    ``y = x[0]; y += 1`` leaves ``x`` alone, and ``x[0] += 1`` changes ``x`` (Python runs it as
    ``t = x[0]; t += 1; x[0] = t``). What the counter cannot see: writes into an array you
    took from a tensor (``x.data[...] = 0``, ``x.numpy() += 1``, ``np.asarray(x)``): they
    change the values behind the graph's back, as PyTorch's ``.data`` does.

    Attributes
    ----------
    data : numpy.ndarray
        The values; ``shape`` and ``dtype`` are its shape and dtype.
    grad : Tensor or None
        The gradient accumulated by ``backward()``, of the tensor's shape. Only leaves keep
        one, unless ``retain_grad()`` was called (reading it on a non-leaf warns).
    requires_grad : bool
        Whether ops on this tensor are recorded.
    grad_fn : Function or None
        The node that produced this tensor; None for leaves.
    name : str or None
        An optional label, shown by ``repr`` and by the graph drawings.

    Notes
    -----
    ``x._version`` counts how many times the tensor was changed in place (PyTorch's name;
    a property, the counts are kept by autograd_lite/inplace.py).

    Examples
    --------
    >>> x = al.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> x.shape, x.dtype
    ((2, 2), dtype('float32'))
    >>> y = (x.exp() * 2).sum()
    >>> y
    tensor(169.582, grad_fn=<Sum>)
    >>> y.backward()
    >>> x.grad
    tensor([[  5.4366,  14.7781],
            [ 40.1711, 109.1963]])
    >>> x.grad.shape == x.shape
    True
    """

    # No per-instance __dict__: a tensor is created by every op, so it must be small
    # and fast to build. __weakref__ lets retain_grad() point back without a cycle.
    __slots__ = (
        "__weakref__",
        "_grad",
        "_hooks",
        "_node",
        "_requires_grad",
        "data",
        "name",
    )
    data: np.ndarray
    name: str | None

    # Make ``ndarray + Tensor`` call Tensor.__radd__ instead of NumPy converting us.
    __array_priority__ = 1000
    # Comparisons return tensors, so hash by identity (as PyTorch does).
    __hash__ = object.__hash__

    def __init__(
        self,
        data: Any,
        requires_grad: bool = False,
        dtype: Any = None,
        name: str | None = None,
    ) -> None:
        _make(as_array(data, dtype, where="Tensor"), into=self)
        self.name = name
        if requires_grad:
            self.requires_grad_(True)

    # -- autograd state -------------------------------------------------------

    @property
    def grad(self) -> Tensor | None:
        """d(loss)/d(self) after ``backward()``: kept for leaves, and for non-leaves only
        after ``retain_grad()``. Reading it on a non-leaf that does not retain it warns
        (once per tensor), because None there is usually a mistake.

        Examples
        --------
        >>> w = al.tensor([1.0, 2.0], requires_grad=True)
        >>> (w * w).sum().backward()
        >>> w.grad
        tensor([2., 4.])
        >>> (w * w).sum().backward()  # gradients add up until zeroed
        >>> w.grad
        tensor([4., 8.])
        """
        grad = self._grad
        if grad is None and self._node is not None and self not in _WARNED:
            if self not in _RETAINING:
                warnings.warn(_non_leaf_grad_message(self._node), UserWarning, stacklevel=2)
            _WARNED[self] = True
        return grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        self._grad = value

    @property
    def requires_grad(self) -> bool:
        """Whether ops on this tensor are recorded for backward."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        self.requires_grad_(flag)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place and return self. Only float tensors can require grad.

        Examples
        --------
        >>> x = al.tensor([1.0, 2.0]).requires_grad_()
        >>> x.requires_grad
        True
        """
        if requires_grad and self.data.dtype.kind != "f":
            raise TypeError(
                f"requires_grad: only floating-point tensors can require gradients, "
                f"this tensor has dtype {self.data.dtype} (convert it with .float() first)"
            )
        if not requires_grad and self._node is not None:
            raise AutogradError(
                "requires_grad: cannot turn off requires_grad on a non-leaf tensor; "
                "use .detach() to get a tensor outside the graph"
            )
        self._requires_grad = bool(requires_grad)
        return self

    @property
    def is_leaf(self) -> bool:
        """True for tensors not produced by a recorded op (inputs, parameters, constants).

        Examples
        --------
        >>> x = al.tensor([1.0], requires_grad=True)
        >>> x.is_leaf, (x * 2).is_leaf
        (True, False)
        """
        return self._node is None

    @property
    def grad_fn(self) -> Any:
        """The ``Function`` node that produced this tensor, or None for a leaf."""
        return self._node

    @property
    def retains_grad(self) -> bool:
        """True for a non-leaf tensor whose gradient backward keeps (``retain_grad()``)."""
        return self._node is not None and self in _RETAINING

    def retain_grad(self) -> None:
        """Keep this non-leaf tensor's gradient in ``.grad`` after backward (leaves always do).

        Examples
        --------
        >>> x = al.tensor([1.0, 2.0], requires_grad=True)
        >>> h = x * 3
        >>> h.retain_grad()
        >>> (h * h).sum().backward()
        >>> h.grad
        tensor([ 6., 12.])
        """
        if self._node is None:
            return
        if not self._requires_grad:
            raise AutogradError("retain_grad: this tensor does not require grad")
        _RETAINING[self] = True
        self._node._retained = weakref.ref(self)

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> _HookHandle:
        """Call ``hook(grad)`` when this tensor's gradient is computed; a returned tensor
        replaces the gradient. Returns a handle whose ``remove()`` unregisters the hook.

        Examples
        --------
        >>> x = al.tensor([1.0, 2.0], requires_grad=True)
        >>> handle = x.register_hook(lambda g: g * 10)
        >>> x.sum().backward()
        >>> x.grad
        tensor([10., 10.])
        >>> handle.remove()
        """
        if not callable(hook):
            raise TypeError(f"register_hook: hook must be callable, got {type(hook).__name__}")
        if not self._requires_grad:
            raise AutogradError(
                "register_hook: cannot register a hook on a tensor that does not require grad"
            )
        if self._node is None:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
        else:
            if self._node._hooks is None:
                self._node._hooks = []
            hooks = self._node._hooks
        hooks.append(hook)
        return _HookHandle(hooks, hook)

    def detach(self) -> Tensor:
        """A tensor sharing this one's data, outside the graph (requires_grad=False).

        An in-place change of either one gives it its own copy first (see the class
        docstring), so it never reaches the other.

        Examples
        --------
        >>> x = al.tensor([1.0, 2.0], requires_grad=True)
        >>> y = (x * 2).detach()
        >>> y, y.requires_grad
        (tensor([2., 4.]), False)
        """
        return _make(self.data)

    # -- array facts and conversions --------------------------------------------

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    def size(self, dim: int | None = None) -> tuple[int, ...] | int:
        """The shape (PyTorch's ``size()``), or the length of dimension ``dim``.

        Examples
        --------
        >>> x = al.zeros(2, 3)
        >>> x.size(), x.size(1)
        ((2, 3), 3)
        """
        if dim is None:
            return self.data.shape
        return self.data.shape[_norm_axis(dim, self.data.ndim, "size")]

    def numel(self) -> int:
        """Number of elements."""
        return self.data.size

    def dim(self) -> int:
        """Number of dimensions (PyTorch's name for ndim)."""
        return self.data.ndim

    def item(self) -> float | int | bool:
        """The value of a one-element tensor as a Python number.

        Examples
        --------
        >>> loss = al.tensor([1.0, 2.0]).mean()
        >>> loss.item()
        1.5
        """
        if self.data.size != 1:
            raise ValueError(
                f"item: only one-element tensors can be converted to a Python number, "
                f"this one has shape {fmt_shape(self.shape)}"
            )
        return self.data.item()

    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The underlying ndarray, shared as in PyTorch: writing into it changes the tensor
        (behind the version counter's back), and in-place ops on the tensor (``add_``,
        ``+=``, an optimizer's step) change it. ``force=True`` gives a copy.

        Examples
        --------
        >>> x = al.tensor([1.0, 2.0])
        >>> x.numpy()
        array([1., 2.], dtype=float32)
        """
        if force:
            return self.data.copy()
        share_with_numpy(self.data)
        return self.data

    def tolist(self) -> Any:
        return self.data.tolist()

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        """The values for NumPy: ``np.asarray(x)``, ``plt.plot(x)``, ``np.allclose(x.grad, e)``.

        The data itself, outside the graph (no gradient flows through what NumPy computes
        from it). NumPy functions called on a tensor (``np.exp(x)``) do not come here:
        they run the engine's ops (``__array_ufunc__`` / ``__array_function__``).
        """
        if dtype is not None and np.dtype(dtype) != self.data.dtype:
            return self.data.astype(dtype)
        return self.data.copy() if copy else self.data

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self.data)

    def __pos__(self) -> Tensor:
        return self

    def __iter__(self) -> Iterator[Tensor]:
        if self.data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(len(self.data)))

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise ValueError(
                f"the truth value of a tensor of shape {fmt_shape(self.shape)} is ambiguous; "
                "use .any() or .all()"
            )
        return bool(self.data)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def any(self) -> Tensor:
        return _make(np.asarray(self.data.any()))

    def all(self) -> Tensor:
        return _make(np.asarray(self.data.all()))

    def __repr__(self) -> str:
        body = np.array2string(
            self.data, separator=", ", prefix="tensor(", precision=4, threshold=200
        )
        extras = []
        if (self.data.dtype.kind == "f" and self.data.dtype != _default_dtype) or (
            self.data.dtype.kind in "ui" and self.data.dtype != np.int64
        ):
            extras.append(f"dtype={self.data.dtype}")
        if self._node is not None:
            # (Function classes named like an nn layer end in "Function": ReLUFunction
            # is drawn and shown as the op it is, ReLU)
            extras.append(f"grad_fn=<{type(self._node).__name__.removesuffix('Function')}>")
        elif self._requires_grad:
            extras.append("requires_grad=True")
        if self.name is not None:
            extras.append(f"name={self.name!r}")
        return "tensor(" + body + "".join(", " + e for e in extras) + ")"

    # -- comparisons: bool tensors, outside the graph ---------------------------

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return _compare(np.equal, self, other, "==")

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return _compare(np.not_equal, self, other, "!=")

    def __lt__(self, other: Any) -> Tensor:
        return _compare(np.less, self, other, "<")

    def __le__(self, other: Any) -> Tensor:
        return _compare(np.less_equal, self, other, "<=")

    def __gt__(self, other: Any) -> Tensor:
        return _compare(np.greater, self, other, ">")

    def __ge__(self, other: Any) -> Tensor:
        return _compare(np.greater_equal, self, other, ">=")


class _HookHandle:
    """Returned by ``register_hook``; ``remove()`` unregisters the hook."""

    def __init__(self, hooks: list, hook: Callable) -> None:
        self._hooks, self._hook = hooks, hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


_new = object.__new__  # an instance without running __init__ (see _make)


def _make(
    data: Any, requires_grad: bool = False, node: Any = None, into: Tensor | None = None
) -> Tensor:
    """A Tensor around an array that is already right: no checks, no copy.

    The one place a Tensor's fields are set: every op output, gradient and detached
    tensor is made here, and ``Tensor(...)`` comes here (``into=self``) once it has
    converted the user's data. (``node`` is the op that made it, when recorded.)
    """
    if type(data) is not np.ndarray:
        data = np.asarray(data)  # NumPy returns scalars for some 0-d results
    t = _new(Tensor) if into is None else into
    t.data = data
    t._grad = t._hooks = t.name = None
    t._requires_grad = requires_grad
    t._node = node
    return t


class TensorMap:
    """State that few tensors need, kept here rather than in a slot of every tensor (a slot
    costs every op a store): a mapping from tensors, by identity, that does not keep them
    alive. (A WeakKeyDictionary cannot hold tensors: it compares keys with ==, elementwise.)"""

    def __init__(self) -> None:
        self._items: dict[int, tuple[weakref.ref, Any]] = {}

    def get(self, t: Tensor, default: Any = None) -> Any:
        item = self._items.get(id(t))
        return item[1] if item is not None and item[0]() is t else default

    def __setitem__(self, t: Tensor, value: Any) -> None:
        key = id(t)  # (the callback runs while t is freed, before its id can be reused)
        self._items[key] = (weakref.ref(t, lambda _: self._items.pop(key, None)), value)

    def __contains__(self, t: Tensor) -> bool:
        return self.get(t, _ABSENT) is not _ABSENT


_ABSENT = object()
_RETAINING = TensorMap()  # non-leaves that called retain_grad() (-> True)
_WARNED = TensorMap()  # non-leaves whose .grad was read (-> True): the warning comes once


def _non_leaf_grad_message(node: Any) -> str:
    return (
        f".grad of a tensor that is not a leaf ({node.name()} computed it): backward() keeps "
        "gradients only for leaves, so it is None. Call .retain_grad() on the tensor before "
        "backward() to keep its gradient. If it is a parameter that you updated with "
        "`W = W - lr * W.grad`, that made W a new tensor computed from the old one (no longer "
        "a leaf): update it in place instead, `with al.no_grad(): W -= lr * W.grad`."
    )


def _norm_axis(axis: int, ndim: int, where: str) -> int:
    if not -ndim <= axis < max(ndim, 1):
        raise ShapeError(
            f"{where}: axis {axis} is out of range for a tensor with {ndim} dimension(s)"
        )
    return axis % ndim if ndim else 0


def _unwrap_index(index: Any) -> Any:
    """Replace Tensors inside an index by their arrays (x[t], x[mask], x[i, t])."""
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(i.data if isinstance(i, Tensor) else i for i in index)
    return index


def _compare(ufunc: np.ufunc, a: Tensor, b: Any, symbol: str) -> Tensor:
    b_data = b.data if isinstance(b, Tensor) else b
    if isinstance(b_data, (list, tuple, np.ndarray, np.generic)):
        b_data = as_array(b_data, where=symbol)
    try:
        return _make(np.asarray(ufunc(a.data, b_data)))
    except ValueError:
        raise ShapeError(
            f"{symbol}: shapes {fmt_shape(a.shape)} and {fmt_shape(np.shape(b_data))} "
            "cannot be broadcast together"
        ) from None


# -- creation functions ----------------------------------------------------------


def tensor(
    data: Any, dtype: Any = None, requires_grad: bool = False, name: str | None = None
) -> Tensor:
    """A new tensor holding a copy of ``data`` (number, nested list, ndarray or Tensor).

    Parameters
    ----------
    data : number, nested list, ndarray or Tensor
        The values (copied).
    dtype : dtype, optional
        Python floats become the default dtype (float32), ints int64, bools bool.
    requires_grad : bool
        Record the ops applied to it, so ``backward()`` fills its ``.grad``.
    name : str, optional
        A label shown by ``repr`` and the graph drawings.

    Returns
    -------
    Tensor
        The shape of ``data``.

    Examples
    --------
    >>> al.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    tensor([[1., 2.],
            [3., 4.]], requires_grad=True)
    >>> al.tensor(3)
    tensor(3)
    """
    arr = as_array(data, dtype, where="tensor")
    t = Tensor(np.array(arr, copy=True), name=name)
    if requires_grad:
        t.requires_grad_(True)
    return t


def as_tensor(data: Any, dtype: Any = None) -> Tensor:
    """A tensor sharing ``data``'s memory when it is an ndarray (or Tensor) of the right dtype,
    else a new one (PyTorch's ``as_tensor``).

    Examples
    --------
    >>> a = np.zeros(3, dtype=np.float32)
    >>> t = al.as_tensor(a)
    >>> t.data is a
    True
    """
    if isinstance(data, Tensor) and (dtype is None or np.dtype(dtype) == data.dtype):
        return data
    return Tensor(data, dtype=dtype)


def _shape_arg(shape: Sequence[Any], where: str) -> tuple[int, ...]:
    # Accept zeros(2, 3) and zeros((2, 3)) as PyTorch does.
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    for s in shape:
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 0:
            raise ValueError(f"{where}: shape must be non-negative integers, got {tuple(shape)}")
    return tuple(int(s) for s in shape)


def _filled(fill: Any, shape: tuple, dtype: Any, requires_grad: bool, where: str) -> Tensor:
    dtype = _default_dtype if dtype is None else np.dtype(dtype)
    if isinstance(fill, (str, bytes)) or (not np.isscalar(fill) and np.ndim(fill) != 0):
        raise TypeError(f"{where}: fill_value must be a number, got {fill!r}")
    t = Tensor(np.full(shape, fill, dtype=dtype))
    return t.requires_grad_(True) if requires_grad else t


def zeros(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros: ``zeros(2, 3)`` or ``zeros((2, 3))``.

    Shape: ``shape``.

    Examples
    --------
    >>> al.zeros(2, 3)
    tensor([[0., 0., 0.],
            [0., 0., 0.]])
    """
    return _filled(0, _shape_arg(shape, "zeros"), dtype, requires_grad, "zeros")


def ones(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones: ``ones(2, 3)`` or ``ones((2, 3))``.

    Shape: ``shape``.

    Examples
    --------
    >>> al.ones(2, 3)
    tensor([[1., 1., 1.],
            [1., 1., 1.]])
    """
    return _filled(1, _shape_arg(shape, "ones"), dtype, requires_grad, "ones")


def full(
    shape: Sequence[int], fill_value: float, dtype: Any = None, requires_grad: bool = False
) -> Tensor:
    """A tensor of ``shape`` filled with ``fill_value``. Without ``dtype``, the dtype follows
    the value, as in PyTorch: a bool gives bool, an int int64, a float the default dtype.

    Shape: ``shape``.

    Examples
    --------
    >>> al.full((2, 2), 7.0)
    tensor([[7., 7.],
            [7., 7.]])
    """
    shape = _shape_arg((shape,) if isinstance(shape, int) else (tuple(shape),), "full")
    if dtype is None:
        dtype = _scalar_dtype(fill_value)
    return _filled(fill_value, shape, dtype, requires_grad, "full")


def full_like(t: Any, fill_value: float, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """``fill_value`` everywhere, with the shape (and, unless given, the dtype) of ``t``.

    Shape: that of ``t``.

    Examples
    --------
    >>> al.full_like(al.zeros(3), 0.5)
    tensor([0.5, 0.5, 0.5])
    """
    arr = as_array(t, where="full_like")
    return _filled(fill_value, arr.shape, dtype or arr.dtype, requires_grad, "full_like")


def _scalar_dtype(value: Any) -> np.dtype | None:
    """PyTorch's dtype for a Python number: bool, int64, or the default float dtype."""
    if isinstance(value, (bool, np.bool_)):
        return np.dtype(np.bool_)
    if isinstance(value, (int, np.integer)):
        return np.dtype(np.int64)
    return None  # floats (and bad values, refused by _filled): the default dtype


def empty(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """PyTorch's ``empty``: here a tensor of zeros (NumPy's uninitialised memory would make
    results depend on what was there before).

    Shape: ``shape``.

    Examples
    --------
    >>> al.empty(2, 3).shape
    (2, 3)
    """
    return _filled(0, _shape_arg(shape, "empty"), dtype, requires_grad, "empty")


def empty_like(t: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros with the shape (and dtype) of ``t`` (see ``empty``).

    Shape: that of ``t``.

    Examples
    --------
    >>> al.empty_like(al.ones(2, 2))
    tensor([[0., 0.],
            [0., 0.]])
    """
    return zeros_like(t, dtype=dtype, requires_grad=requires_grad)


def linspace(
    start: float, end: float, steps: int, dtype: Any = None, requires_grad: bool = False
) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end``, both included (default
    dtype unless ``dtype``).

    Shape: (steps,).

    Examples
    --------
    >>> al.linspace(0.0, 1.0, 5)
    tensor([0.  , 0.25, 0.5 , 0.75, 1.  ])
    """
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"linspace: steps must be a non-negative int, got {steps!r}")
    dtype = np.dtype(dtype or _default_dtype)
    t = Tensor(np.linspace(float(start), float(end), int(steps)).astype(dtype, copy=False))
    return t.requires_grad_(True) if requires_grad else t


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing ``array``'s memory, as PyTorch's ``from_numpy``: writes into either
    one show in the other, in-place ops on the tensor included (see ``share_with_numpy``).

    Examples
    --------
    >>> a = np.array([1.0, 2.0])
    >>> t = al.from_numpy(a)
    >>> a[0] = 5.0
    >>> t
    tensor([5., 2.], dtype=float64)
    """
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(array).__name__}")
    t = Tensor(as_array(array, where="from_numpy"))
    share_with_numpy(t.data)
    return t


# Arrays handed to NumPy code by ``numpy()`` or taken by ``from_numpy`` (id -> weak reference):
# an in-place op on a tensor holding one writes into it, so the NumPy side sees the change,
# as in PyTorch (copy-on-write, autograd_lite/inplace.py, would keep it unchanged).
_SHARED: dict[int, weakref.ref] = {}


def share_with_numpy(arr: np.ndarray) -> None:
    """Mark ``arr`` as shared with NumPy code: in-place ops write into it."""
    key = id(arr)
    _SHARED[key] = weakref.ref(arr, lambda _: _SHARED.pop(key, None))


def shared_with_numpy(arr: np.ndarray) -> bool:
    """Whether ``arr`` (or the array it is a view of) was shared by ``numpy()``/``from_numpy``."""
    for a in (arr, arr.base):
        if a is not None and (ref := _SHARED.get(id(a))) is not None and ref() is a:
            return True
    return False


def zeros_like(t: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros with the shape (and, unless given, the dtype) of ``t``.

    Shape: that of ``t``.

    Examples
    --------
    >>> al.zeros_like(al.ones(3))
    tensor([0., 0., 0.])
    """
    arr = as_array(t, where="zeros_like")
    return _filled(0, arr.shape, dtype or arr.dtype, requires_grad, "zeros_like")


def ones_like(t: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones with the shape (and, unless given, the dtype) of ``t``.

    Shape: that of ``t``.

    Examples
    --------
    >>> al.ones_like(al.zeros(2, dtype=np.int64))
    tensor([1, 1])
    """
    arr = as_array(t, where="ones_like")
    return _filled(1, arr.shape, dtype or arr.dtype, requires_grad, "ones_like")


def arange(
    start: float,
    end: float | None = None,
    step: float = 1,
    dtype: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Values from ``start`` to ``end`` (exclusive) by ``step``; ``arange(n)`` is 0..n-1.

    Integer arguments give an int64 tensor, as in PyTorch; any float gives the default dtype.

    Shape: (ceil((end - start) / step),).

    Examples
    --------
    >>> al.arange(4)
    tensor([0, 1, 2, 3])
    >>> al.arange(0.0, 1.0, 0.25)
    tensor([0.  , 0.25, 0.5 , 0.75])
    """
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError("arange: step must not be zero")
    all_int = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
    if dtype is None:
        dtype = np.int64 if all_int else _default_dtype
    t = Tensor(np.arange(start, end, step, dtype=np.dtype(dtype)))
    return t.requires_grad_(True) if requires_grad else t


def eye(n: int, m: int | None = None, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """The identity matrix, (n, m) with ones on the diagonal.

    Shape: (n, m), m = n by default.

    Examples
    --------
    >>> al.eye(2)
    tensor([[1., 0.],
            [0., 1.]])
    """
    for name, v in (("n", n), ("m", m)):
        if v is not None and (isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0):
            raise ValueError(f"eye: {name} must be a non-negative int, got {v!r}")
    t = Tensor(np.eye(n, m, dtype=dtype or _default_dtype))
    return t.requires_grad_(True) if requires_grad else t


# One generator for rand/randn, reseeded by manual_seed, so results are reproducible.
_rng = np.random.default_rng()


def manual_seed(seed: int) -> None:
    """Seed the generator behind ``rand`` and ``randn`` (and nn's initializers).

    Examples
    --------
    >>> al.manual_seed(0)
    >>> a = al.randn(3)
    >>> al.manual_seed(0)
    >>> al.equal(a, al.randn(3))
    True
    """
    global _rng
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"manual_seed: seed must be an int, got {seed!r}")
    _rng = np.random.default_rng(seed)


class Generator:
    """PyTorch's ``Generator``, for ``generator=`` arguments (``random_split``, ``DataLoader``,
    samplers): ``al.Generator().manual_seed(42)``. Wraps a NumPy generator, ``.rng``.

    Examples
    --------
    >>> g = al.Generator().manual_seed(42)
    >>> a = g.rng.random(2)
    >>> b = al.Generator().manual_seed(42).rng.random(2)
    >>> bool((a == b).all())
    True
    """

    def __init__(self, device: Any = "cpu") -> None:
        self.rng = np.random.default_rng()
        self._seed: int | None = None

    def manual_seed(self, seed: int) -> Generator:
        """Reseed, and return self (so ``Generator().manual_seed(0)`` is one expression)."""
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise TypeError(f"Generator.manual_seed: seed must be an int, got {seed!r}")
        self.rng, self._seed = np.random.default_rng(seed), int(seed)
        return self

    def initial_seed(self) -> int | None:
        return self._seed


def default_generator() -> np.random.Generator:
    """The generator seeded by ``manual_seed`` (for nn.init, dropout, data shuffling).

    Examples
    --------
    >>> al.manual_seed(0)
    >>> a = al.default_generator().random()
    >>> al.manual_seed(0)
    >>> a == al.default_generator().random()
    True
    """
    return _rng


def rand(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Uniform samples from [0, 1).

    Shape: ``shape``.

    Examples
    --------
    >>> al.manual_seed(0)
    >>> x = al.rand(2, 3)
    >>> x.shape, bool(x.min() >= 0), bool(x.max() < 1)
    ((2, 3), True, True)
    """
    dtype = np.dtype(dtype or _default_dtype)
    t = Tensor(_rng.random(_shape_arg(shape, "rand")).astype(dtype, copy=False))
    return t.requires_grad_(True) if requires_grad else t


def randn(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples (mean 0, standard deviation 1).

    Shape: ``shape``.

    Examples
    --------
    >>> al.manual_seed(0)
    >>> al.randn(2, 3)
    tensor([[ 0.1257, -0.1321,  0.6404],
            [ 0.1049, -0.5357,  0.3616]])
    """
    dtype = np.dtype(dtype or _default_dtype)
    if dtype.kind != "f":
        raise TypeError(f"randn: dtype must be floating, got {dtype}")
    t = Tensor(_rng.standard_normal(_shape_arg(shape, "randn")).astype(dtype, copy=False))
    return t.requires_grad_(True) if requires_grad else t


def rand_like(t: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Uniform samples from [0, 1) with the shape (and, unless given, the dtype) of ``t``.

    Shape: that of ``t``.

    Examples
    --------
    >>> al.rand_like(al.zeros(4, 2)).shape
    (4, 2)
    """
    arr = as_array(t, where="rand_like")
    return rand(*arr.shape, dtype=dtype or arr.dtype, requires_grad=requires_grad)


def randn_like(t: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples with the shape (and, unless given, the dtype) of ``t``.

    Shape: that of ``t``.

    Examples
    --------
    >>> al.randn_like(al.zeros(3, 2)).shape
    (3, 2)
    """
    arr = as_array(t, where="randn_like")
    return randn(*arr.shape, dtype=dtype or arr.dtype, requires_grad=requires_grad)


def randint(*args: Any, size: Any = None, dtype: Any = None) -> Tensor:
    """Random integers in [low, high): ``randint(high, size)`` or ``randint(low, high, size)``
    (PyTorch's signature; ``size`` a tuple). int64 unless ``dtype``.

    Shape: ``size``.

    Examples
    --------
    >>> al.manual_seed(0)
    >>> x = al.randint(0, 10, (5,))
    >>> x.dtype, bool(x.min() >= 0), bool(x.max() < 10)
    (dtype('int64'), True, True)
    """
    if size is not None:
        args = (*args, size)
    if len(args) == 2:
        low, (high, shape) = 0, args
    elif len(args) == 3:
        low, high, shape = args
    else:
        raise TypeError("randint: call randint(high, size) or randint(low, high, size)")
    for name, v in (("low", low), ("high", high)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise TypeError(f"randint: {name} must be an int, got {v!r}")
    if high <= low:
        raise ValueError(f"randint: high ({high}) must be above low ({low})")
    shape = _shape_arg(
        (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape), "randint"
    )
    return Tensor(_rng.integers(low, high, size=shape).astype(np.dtype(dtype or np.int64)))


def allclose(
    a: Any, b: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> bool:
    """Whether ``|a - b| <= atol + rtol·|b|`` everywhere (``torch.allclose``): a Python bool.

    Examples
    --------
    >>> al.allclose(al.tensor([1.0, 2.0]), al.tensor([1.0, 2.0 + 1e-7]))
    True
    """
    return bool(
        np.allclose(
            as_array(a, where="allclose"),
            as_array(b, where="allclose"),
            rtol=rtol,
            atol=atol,
            equal_nan=equal_nan,
        )
    )


def equal(a: Any, b: Any) -> bool:
    """Whether ``a`` and ``b`` have the same shape and elements (``torch.equal``).

    Examples
    --------
    >>> al.equal(al.tensor([1, 2]), al.tensor([1, 2]))
    True
    >>> al.equal(al.tensor([1, 2]), al.tensor([[1, 2]]))
    False
    """
    x, y = as_array(a, where="equal"), as_array(b, where="equal")
    return x.shape == y.shape and bool((x == y).all())


def is_tensor(x: Any) -> bool:
    """Whether ``x`` is a Tensor.

    Examples
    --------
    >>> al.is_tensor(al.zeros(1)), al.is_tensor(np.zeros(1))
    (True, False)
    """
    return isinstance(x, Tensor)


def numel(x: Tensor) -> int:
    """The number of elements of ``x``.

    Examples
    --------
    >>> al.numel(al.zeros(2, 3, 4))
    24
    """
    return as_array(x, where="numel").size
