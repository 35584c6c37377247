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
    """Set the dtype that Python floats become: ``np.float32`` (default) or ``np.float64``."""
    global _default_dtype
    try:
        d = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"set_default_dtype: {dtype!r} is not a dtype") from None
    if d.kind != "f":
        raise TypeError(f"set_default_dtype: expected a floating dtype, got {d}")
    _default_dtype = d


def get_default_dtype() -> np.dtype:
    """The dtype Python floats become (float32 unless changed)."""
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
        what = "strings" if arr.dtype.kind in "US" else f"dtype {arr.dtype}"
        raise TypeError(f"{where}: data must be numbers (bool, int or float), got {what}")
    if dtype is not None:
        arr = arr.astype(np.dtype(dtype), copy=False)
    elif from_python and arr.dtype.kind == "f" and arr.dtype != _default_dtype:
        arr = arr.astype(_default_dtype)
    return arr


class Tensor:
    """An n-dimensional array that can record the ops applied to it.

    ``Tensor(data, requires_grad=False, dtype=None, name=None)`` shares memory with
    ``data`` when it is already an ndarray of the right dtype; ``tensor(...)`` copies.

    Attributes:
        data: the ``numpy.ndarray`` holding the values.
        grad: the gradient accumulated by ``backward()`` (a Tensor), or None. Only leaves
            keep one, unless ``retain_grad()`` was called (reading it on a non-leaf warns).
        requires_grad: whether ops on this tensor are recorded.
        grad_fn: the node (a ``Function``) that produced this tensor; None for leaves.
        name: an optional label, shown by ``repr`` and by the graph drawings.
        _version: how many times the tensor was changed in place (PyTorch's name; a
            property, the counts are kept by autograd_lite/inplace.py).

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
        (once per tensor), because None there is usually a mistake."""
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
        """Set ``requires_grad`` in place and return self. Only float tensors can require grad."""
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
        """True for tensors not produced by a recorded op (inputs, parameters, constants)."""
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
        """Keep this non-leaf tensor's gradient in ``.grad`` after backward (leaves always do)."""
        if self._node is None:
            return
        if not self._requires_grad:
            raise AutogradError("retain_grad: this tensor does not require grad")
        _RETAINING[self] = True
        self._node._retained = weakref.ref(self)

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> _HookHandle:
        """Call ``hook(grad)`` when this tensor's gradient is computed; a returned tensor
        replaces the gradient. Returns a handle whose ``remove()`` unregisters the hook."""
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
        docstring), so it never reaches the other."""
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
        """The shape (PyTorch's ``size()``), or the length of dimension ``dim``."""
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
        """The value of a one-element tensor as a Python number."""
        if self.data.size != 1:
            raise ValueError(
                f"item: only one-element tensors can be converted to a Python number, "
                f"this one has shape {fmt_shape(self.shape)}"
            )
        return self.data.item()

    def numpy(self) -> np.ndarray:
        """The underlying ndarray (shared, not copied: writing into it changes the tensor
        behind the version counter's back)."""
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
    if isinstance(b_data, (list, tuple)):
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
    """A new tensor holding a copy of ``data`` (number, nested list, ndarray or Tensor)."""
    arr = as_array(data, dtype, where="tensor")
    t = Tensor(np.array(arr, copy=True), name=name)
    if requires_grad:
        t.requires_grad_(True)
    return t


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
    """A tensor of zeros: ``zeros(2, 3)`` or ``zeros((2, 3))``."""
    return _filled(0, _shape_arg(shape, "zeros"), dtype, requires_grad, "zeros")


def ones(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones: ``ones(2, 3)`` or ``ones((2, 3))``."""
    return _filled(1, _shape_arg(shape, "ones"), dtype, requires_grad, "ones")


def full(
    shape: Sequence[int], fill_value: float, dtype: Any = None, requires_grad: bool = False
) -> Tensor:
    """A tensor of ``shape`` filled with ``fill_value``."""
    shape = _shape_arg((shape,) if isinstance(shape, int) else (tuple(shape),), "full")
    return _filled(fill_value, shape, dtype, requires_grad, "full")


def zeros_like(t: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros with the shape (and, unless given, the dtype) of ``t``."""
    arr = as_array(t, where="zeros_like")
    return _filled(0, arr.shape, dtype or arr.dtype, requires_grad, "zeros_like")


def ones_like(t: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones with the shape (and, unless given, the dtype) of ``t``."""
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
    """The identity matrix, (n, m) with ones on the diagonal."""
    for name, v in (("n", n), ("m", m)):
        if v is not None and (isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0):
            raise ValueError(f"eye: {name} must be a non-negative int, got {v!r}")
    t = Tensor(np.eye(n, m, dtype=dtype or _default_dtype))
    return t.requires_grad_(True) if requires_grad else t


# One generator for rand/randn, reseeded by manual_seed, so results are reproducible.
_rng = np.random.default_rng()


def manual_seed(seed: int) -> None:
    """Seed the generator behind ``rand`` and ``randn`` (and nn's initializers)."""
    global _rng
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"manual_seed: seed must be an int, got {seed!r}")
    _rng = np.random.default_rng(seed)


def default_generator() -> np.random.Generator:
    """The generator seeded by ``manual_seed`` (for nn.init, dropout, data shuffling)."""
    return _rng


def rand(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Uniform samples from [0, 1)."""
    dtype = np.dtype(dtype or _default_dtype)
    t = Tensor(_rng.random(_shape_arg(shape, "rand")).astype(dtype, copy=False))
    return t.requires_grad_(True) if requires_grad else t


def randn(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples (mean 0, standard deviation 1)."""
    dtype = np.dtype(dtype or _default_dtype)
    if dtype.kind != "f":
        raise TypeError(f"randn: dtype must be floating, got {dtype}")
    t = Tensor(_rng.standard_normal(_shape_arg(shape, "randn")).astype(dtype, copy=False))
    return t.requires_grad_(True) if requires_grad else t
