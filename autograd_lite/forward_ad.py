"""Forward-mode AD: every value carries its tangent along (dual numbers).

Reverse mode (``backward()``) runs the program, then walks it backwards from one output:
one pass gives the gradient of one output with respect to every input. Forward mode
carries, next to each value v, its tangent v̇ = dv/dt, the derivative along one direction
the inputs move in: one pass gives the derivative of every output along one input
direction, the Jacobian-vector product J·v (Baydin et al., "Automatic Differentiation in
Machine Learning: a Survey", 2018, Table 2). PyTorch's vocabulary::

    with forward_ad.dual_level():
        x = forward_ad.make_dual(x0, v)      # x0 with the tangent v attached
        y = f(x)                             # every op also computes its output's tangent
        y0, y_dot = forward_ad.unpack_dual(y)  # y_dot = J_f(x0) @ v

How it works:

* Each op states its tangent rule, ``jvp``, next to its forward and backward (Mul:
  ``ta * b + a * tb``), written with Tensor ops: so a tangent computation is recorded like
  any other when it should be differentiated again (reverse over forward).
* When an op runs while a dual level is open, ``function.py`` hands its output to
  :func:`push_tangents`, which looks up the inputs' tangents, calls the rule and files the
  output's tangent. An input without a tangent (a constant, a weight) gets a
  :class:`ZeroTangent`: a zero that products and sums skip, so each rule is the plain
  formula and costs nothing for the inputs that are not moving.
* Tangents live in a table per level: ``id(tensor) -> (weak reference, tangent)``. Tensors
  get no new field, so ops pay nothing for forward mode when no level is open (one check of
  the module global ``open_levels``), and a tensor's entry goes when the tensor goes: a
  forward pass holds no tape, and its memory does not grow with the length of the program.
* Levels nest (``jacfwd(jacfwd(f))``): each level has its own table, and a level's rule runs
  with that level and the ones inside it hidden, so the rule's own ops carry the tangents of
  the outer levels only. Tangents of different levels never mix (no "perturbation
  confusion": d/dx [x · d/dy (x + y)] is 1, not 2).
* Backward passes see dual numbers too: ``grad()`` of a function of dual tensors gives dual
  gradients (forward over reverse: Hessian-vector products, ``func.hessian``).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple

import numpy as np

from autograd_lite.anomaly import user_frame
from autograd_lite.errors import AutogradError, ShapeError, fmt_shape
from autograd_lite.grad_mode import per_thread
from autograd_lite.tensor import Tensor, _make, as_array

__all__ = [
    "UnpackedDualTensor",
    "ZeroTangent",
    "dual_level",
    "enter_dual_level",
    "exit_dual_level",
    "is_active",
    "is_zero",
    "make_dual",
    "tangent",
    "unpack_dual",
    "zero_tangent",
]

# How many dual levels are open, in all threads together: the one check every op makes
# (function.py). Which levels are open is kept per thread (below).
open_levels = 0
_count_lock = threading.Lock()


class _Ref(weakref.ref):
    """A weak reference to a tensor that remembers the tensor's id (its key in a level's
    table), so the entry can be dropped when the tensor dies."""

    __slots__ = ("key",)

    def __new__(cls, obj: Tensor, callback: Any, key: int) -> _Ref:
        self = super().__new__(cls, obj, callback)
        self.key = key
        return self

    def __init__(self, obj: Tensor, callback: Any, key: int) -> None:
        super().__init__(obj, callback)


class _Level:
    """One dual level: the tangents of the tensors that have one at this level."""

    __slots__ = ("forget", "index", "tangents")

    def __init__(self, index: int) -> None:
        self.index = index
        tangents: dict[int, tuple[_Ref, Tensor]] = {}
        self.tangents = tangents

        def forget(ref: _Ref) -> None:  # the tensor is gone: so is its tangent
            entry = tangents.get(ref.key)
            if entry is not None and entry[0] is ref:
                del tangents[ref.key]

        self.forget = forget

    def set(self, t: Tensor, tangent: Tensor) -> None:
        self.tangents[id(t)] = (_Ref(t, self.forget, id(t)), tangent)

    def get(self, t: Any) -> Tensor | None:
        entry = self.tangents.get(id(t))
        return None if entry is None else entry[1]


class _PerThread(threading.local):
    def __init__(self) -> None:  # runs in each thread that looks, so each starts fresh
        self.levels: list[_Level] = []  # open levels, outermost first
        # The levels whose tangents ops carry now: all open ones, except while a level's
        # jvp rule runs (then only those outside it).
        self.visible: tuple[_Level, ...] = ()


_thread = _PerThread()


# -- levels ----------------------------------------------------------------------------


def enter_dual_level() -> int:
    """Open a new dual level (inside the open ones) and return its index (0 for the first).

    Examples
    --------
    >>> import autograd_lite.forward_ad as fwAD
    >>> level = fwAD.enter_dual_level()
    >>> fwAD.is_active()
    True
    >>> fwAD.exit_dual_level(level=level)
    >>> fwAD.is_active()
    False
    """
    global open_levels
    levels = _thread.levels
    level = _Level(len(levels))
    levels.append(level)
    _thread.visible = tuple(levels)
    with _count_lock:
        open_levels += 1
    return level.index


def exit_dual_level(*, level: int | None = None) -> None:
    """Close the innermost dual level (``level``, if given, must be it): every tangent of
    that level is dropped.

    Examples
    --------
    >>> import autograd_lite.forward_ad as fwAD
    >>> level = fwAD.enter_dual_level()
    >>> x = fwAD.make_dual(al.tensor(1.0), al.tensor(1.0))
    >>> fwAD.exit_dual_level()
    >>> fwAD.tangent(x) is None
    True
    """
    global open_levels
    levels = _thread.levels
    if not levels:
        raise AutogradError("exit_dual_level: no dual level is open")
    if level is not None and level != levels[-1].index:
        raise AutogradError(
            f"exit_dual_level: level {level} is not the innermost open level "
            f"({levels[-1].index}); close levels in the reverse order they were opened"
        )
    closed = levels.pop()
    closed.tangents.clear()
    _thread.visible = tuple(levels)
    with _count_lock:
        open_levels -= 1


class dual_level:
    """``with dual_level():`` opens a dual level for the block (see :func:`make_dual`);
    tangents made inside are dropped at its end. ``as`` gives the level's index.

    Examples
    --------
    The derivative of x³ at 2, by forward mode:

    >>> import autograd_lite.forward_ad as fwAD
    >>> with fwAD.dual_level():
    ...     x = fwAD.make_dual(al.tensor(2.0), al.tensor(1.0))
    ...     y = x ** 3
    ...     fwAD.unpack_dual(y).tangent
    tensor(12.)
    """

    def __enter__(self) -> int:
        return enter_dual_level()

    def __exit__(self, *exc: object) -> None:
        exit_dual_level()


def is_active() -> bool:
    """True when ops in this thread carry tangents now (a dual level is open and visible).

    Ops whose backward keeps a fast path on arrays take the Tensor-op path then, so that
    their gradients carry tangents too (forward over reverse).

    Examples
    --------
    >>> import autograd_lite.forward_ad as fwAD
    >>> fwAD.is_active()
    False
    >>> with fwAD.dual_level():
    ...     fwAD.is_active()
    True
    """
    return bool(open_levels) and bool(_thread.visible)


def _level(level: int | None, where: str) -> _Level:
    levels = _thread.levels
    if not levels:
        raise AutogradError(
            f"{where}: no dual level is open; use it inside `with forward_ad.dual_level():`"
        )
    if level is None:
        return levels[-1]
    if isinstance(level, bool) or not isinstance(level, int) or not 0 <= level < len(levels):
        raise AutogradError(
            f"{where}: level {level!r} is not open (open levels: 0..{len(levels) - 1})"
        )
    return levels[level]


@contextmanager
def _hidden(level: _Level) -> Iterator[None]:
    """Ops inside carry no tangents of ``level`` (the others as usual)."""
    visible = _thread.visible
    _thread.visible = tuple(lv for lv in visible if lv is not level)
    try:
        yield
    finally:
        _thread.visible = visible


# -- dual tensors ------------------------------------------------------------------------


def make_dual(tensor: Tensor, tangent: Any, *, level: int | None = None) -> Tensor:
    """A dual tensor: ``tensor``'s value with ``tangent`` attached at ``level`` (the
    innermost open level by default).

    The result is a new tensor sharing ``tensor``'s data (``tensor`` itself stays as it
    was); ops on it carry the tangent along. Gradients flow from it back to ``tensor``
    (it is a view of it), and its tangent keeps the graph ``tangent`` has.
    ``tangent`` must have ``tensor``'s shape; it is converted to ``tensor``'s dtype.

    Shape: that of ``tensor``.

    Examples
    --------
    >>> import autograd_lite.forward_ad as fwAD
    >>> with fwAD.dual_level():
    ...     x = fwAD.make_dual(al.tensor([0.0, 1.0]), al.tensor([1.0, 1.0]))
    ...     fwAD.unpack_dual(x.exp()).tangent  # d exp(x)/dx · 1
    tensor([1.    , 2.7183])
    """
    where = "make_dual"
    lv = _level(level, where)
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{where}: expected a Tensor, got {type(tensor).__name__}")
    if tensor.data.dtype.kind != "f":
        raise TypeError(
            f"{where}: only floating-point tensors can carry a tangent, got dtype "
            f"{tensor.data.dtype}"
        )
    if not isinstance(tangent, Tensor):
        tangent = Tensor(as_array(tangent, where=where))
    if tangent.data.shape != tensor.data.shape:
        raise ShapeError(
            f"{where}: the tangent has shape {fmt_shape(tangent.shape)} but the tensor has "
            f"shape {fmt_shape(tensor.shape)}; they must be equal"
        )
    if tangent.data.dtype != tensor.data.dtype:
        tangent = tangent.astype(tensor.data.dtype)  # (an op: the tangent keeps its graph)
    with _hidden(lv):
        # An identity op: the new tensor is tensor's view in the graph, and carries
        # tensor's tangents of the other levels.
        dual = tensor.reshape(tensor.data.shape)
    lv.set(dual, tangent)
    return dual


class UnpackedDualTensor(NamedTuple):
    """What :func:`unpack_dual` returns: the value and its tangent (None if it has none).

    Examples
    --------
    >>> import autograd_lite.forward_ad as fwAD
    >>> with fwAD.dual_level():
    ...     y = fwAD.make_dual(al.tensor(2.0), al.tensor(1.0)) ** 2
    ...     primal, tangent = fwAD.unpack_dual(y)
    >>> primal, tangent
    (tensor(4.), tensor(4.))
    """

    primal: Tensor
    tangent: Tensor | None


def unpack_dual(tensor: Tensor, *, level: int | None = None) -> UnpackedDualTensor:
    """``(primal, tangent)`` of a tensor at ``level`` (the innermost open level by default).

    ``primal`` is a view of the tensor without that level's tangent; ``tangent`` is None
    when the tensor has none (or no level is open).

    Examples
    --------
    >>> import autograd_lite.forward_ad as fwAD
    >>> with fwAD.dual_level():
    ...     x = fwAD.make_dual(al.tensor(0.0), al.tensor(1.0))
    ...     fwAD.unpack_dual(al.sin(x))
    UnpackedDualTensor(primal=tensor(0.), tangent=tensor(1.))
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"unpack_dual: expected a Tensor, got {type(tensor).__name__}")
    if not _thread.levels and level is None:
        return UnpackedDualTensor(tensor, None)
    lv = _level(level, "unpack_dual")
    t = tangent(tensor, level=lv.index)
    if t is None:
        return UnpackedDualTensor(tensor, None)
    with _hidden(lv):
        primal = tensor.reshape(tensor.data.shape)
    return UnpackedDualTensor(primal, t)


def tangent(tensor: Tensor, *, level: int | None = None) -> Tensor | None:
    """Just the tangent of ``unpack_dual`` (None when there is none): for tools that read
    tangents, such as the drawings.

    Examples
    --------
    >>> import autograd_lite.forward_ad as fwAD
    >>> with fwAD.dual_level():
    ...     x = fwAD.make_dual(al.tensor(3.0), al.tensor(1.0))
    ...     fwAD.tangent(x * x)
    tensor(6.)
    """
    if not _thread.levels:
        return None
    t = _level(level, "tangent").get(tensor)
    if isinstance(t, ZeroTangent):
        return _make(np.zeros(t.data.shape, t.data.dtype))
    return t


# -- the step every op takes while a level is open --------------------------------------


def push_tangents(fn: Any, out: Tensor, inputs: tuple) -> None:
    """Give ``out`` (the output of the op ``fn`` on ``inputs``) its tangent at each visible
    level where some input has one: ``fn.jvp(*tangents)``.

    Called by the apply paths of function.py only while dual levels are open. Levels are
    done outermost first: an inner level's rule may use the output (``fn.output``), whose
    outer tangents must be known by then. Each rule runs with its own level and the inner
    ones hidden, so its ops carry the outer levels' tangents only.
    """
    visible = _thread.visible
    pushed = None
    for depth, level in enumerate(visible):
        table = level.tangents
        # (An id in a table is a live tensor's, so a constant's id never finds an entry.)
        entries = [table.get(id(x)) for x in inputs]
        if not any(entries):
            continue
        if out.data.dtype.kind != "f":  # integer outputs have no tangent
            return
        tangents = [
            _zero_for(x, out) if entry is None else entry[1] for x, entry in zip(inputs, entries)
        ]
        _thread.visible = visible[:depth]
        fn._result = out
        try:
            t_out = fn.jvp(*tangents)
        finally:
            del fn._result
            _thread.visible = visible
        t_out = _fit(t_out, out, fn)
        if per_thread.state.anomaly:
            _check_tangent(fn, t_out, depth)
        level.set(out, t_out)
        if pushed is None:
            pushed = []
        pushed.append((level, t_out))
    if pushed and out._node is fn:
        # A recorded node keeps its output's tangents: its backward may use the output
        # (exp: g * output), which must then carry them (forward over reverse).
        fn._tangents = tuple(pushed)


def copy_tangents(src: Tensor, dst: Tensor) -> None:
    """``dst`` takes ``src``'s tangents at every level ops see now (and drops its own where
    ``src`` has none): an in-place change makes ``dst`` what ``src`` computed (inplace.py)."""
    for level in _thread.visible:
        tangent = level.get(src)
        if tangent is None:
            level.tangents.pop(id(dst), None)
        else:
            if tangent.data.dtype != dst.data.dtype:  # (x += y stores y's result in x's dtype)
                tangent = tangent.astype(dst.data.dtype)
            level.set(dst, tangent)


def attach(t: Tensor, tangents: tuple) -> None:
    """Give ``t`` the tangents ``(level, tangent)`` of the levels still open."""
    levels = _thread.levels
    for level, tangent in tangents:
        if level.index < len(levels) and levels[level.index] is level:
            level.set(t, tangent)


def _zero_for(x: Any, out: Tensor) -> ZeroTangent:
    """The tangent of an input that has none: a zero of its shape (and of its dtype when it
    is a float tensor, else of the output's)."""
    dtype = x.data.dtype if isinstance(x, Tensor) and x.data.dtype.kind == "f" else None
    return zero_tangent(np.shape(x.data if isinstance(x, Tensor) else x), dtype or out.dtype)


def _check_tangent(fn: Any, t: Tensor, depth: int) -> None:
    """detect_anomaly: a tangent with NaN or Inf names the op's jvp and where it was made
    (its forward was finite: the forward check runs first)."""
    if isinstance(t, ZeroTangent) or t.data.dtype.kind != "f" or np.isfinite(t.data).all():
        return
    where = getattr(fn, "_created_at", None) or user_frame()
    raise AutogradError(
        f"detect_anomaly: {type(fn).__name__}.jvp produced NaN or Inf in the tangent of its "
        f"output (dual level {depth}); the op was created at {where}"
    )


def _fit(t: Any, out: Tensor, fn: Any) -> Tensor:
    """A rule's result as a tangent of ``out``: broadcast to its shape, in its dtype."""
    if not isinstance(t, Tensor):
        raise AutogradError(
            f"{type(fn).__name__}.jvp returned {type(t).__name__}; it must return the output's "
            "tangent as a Tensor"
        )
    if t.data.shape != out.data.shape:
        try:
            fits = np.broadcast_shapes(t.data.shape, out.data.shape) == out.data.shape
        except ValueError:
            fits = False
        if not fits:
            raise ShapeError(
                f"{type(fn).__name__}.jvp: tangent of shape {fmt_shape(t.shape)} for an output "
                f"of shape {fmt_shape(out.shape)}: it must have the output's shape (or one "
                "that broadcasts to it)"
            )
        t = t.expand(out.data.shape)
    if t.data.dtype != out.data.dtype:
        t = t.astype(out.data.dtype)
    return t


# -- symbolic zeros --------------------------------------------------------------------------

_ZERO_DATA: dict[tuple, np.ndarray] = {}
_new = object.__new__


def zero_tangent(shape: tuple[int, ...], dtype: Any) -> ZeroTangent:
    """A :class:`ZeroTangent` of ``shape`` and ``dtype``.

    Examples
    --------
    >>> import autograd_lite.forward_ad as fwAD
    >>> fwAD.zero_tangent((2, 2), np.float64).shape
    (2, 2)
    """
    key = (tuple(shape), np.dtype(dtype))
    data = _ZERO_DATA.get(key)
    if data is None:
        # A read-only view of one zero: no memory, whatever the shape.
        data = np.broadcast_to(np.zeros((), key[1]), key[0])
        if len(_ZERO_DATA) < 512:
            _ZERO_DATA[key] = data
    return _make(data, into=_new(ZeroTangent))  # type: ignore[return-value]


def is_zero(t: Any) -> bool:
    """True for a :class:`ZeroTangent` (a rule may skip a costly term with it).

    Examples
    --------
    >>> import autograd_lite.forward_ad as fwAD
    >>> fwAD.is_zero(fwAD.zero_tangent((3,), np.float32)), fwAD.is_zero(al.zeros(3))
    (True, False)
    """
    return isinstance(t, ZeroTangent)


class ZeroTangent(Tensor):
    """The tangent of an input that has none: zeros, known to be zeros.

    It is a real Tensor (of zeros, stored as a read-only view of one zero), so anything
    may use it; but products with it are a ZeroTangent again and sums skip it, without
    computing anything. So a rule is written as the plain formula (Mul: ``ta * b + a * tb``)
    and costs nothing for the inputs that are not moving (the weights, when the input is
    perturbed). Python tries a subclass's reflected operator first, so ``a * tb`` with a
    Tensor ``a`` also reaches ``tb.__rmul__``.

    Examples
    --------
    >>> import autograd_lite.forward_ad as fwAD
    >>> z = fwAD.zero_tangent((2,), np.float32)
    >>> z, fwAD.is_zero(z * al.tensor([1.0, 2.0]))
    (tensor([0., 0.]), True)
    """

    __slots__ = ()

    def _like(self, shape: tuple[int, ...], other: Any = None) -> ZeroTangent:
        dtype = self.data.dtype
        if other is not None and type(other) not in (float, int):  # (Python numbers: weak)
            other = other.data if isinstance(other, Tensor) else other
            if getattr(other, "dtype", None) != dtype:
                dtype = np.result_type(self.data, other)
        return zero_tangent(shape, dtype)

    def __mul__(self, other: Any) -> Tensor:
        return self._like(_broadcast(self.data.shape, np.shape(_data(other))), other)

    __rmul__ = __mul__
    __truediv__ = __mul__  # 0 / b is 0 (b / 0 is not: __rtruediv__ stays the real one)

    def __matmul__(self, other: Any) -> Tensor:
        shape = _matmul_shape(self.data.shape, np.shape(_data(other)))
        if shape is None:  # not a valid product: the real op says why
            return Tensor.__matmul__(self, other)
        return self._like(shape, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        shape = _matmul_shape(np.shape(_data(other)), self.data.shape)
        if shape is None:
            return Tensor.__rmatmul__(self, other)
        return self._like(shape, other)

    def __add__(self, other: Any) -> Tensor:
        if not isinstance(other, Tensor):
            return Tensor.__add__(self, other)
        if isinstance(other, ZeroTangent):
            return self._like(_broadcast(self.data.shape, other.data.shape), other)
        return _widen(other, self)

    __radd__ = __add__

    def __sub__(self, other: Any) -> Tensor:
        if not isinstance(other, Tensor):
            return Tensor.__sub__(self, other)
        return self + (-other)

    def __rsub__(self, other: Any) -> Tensor:
        if not isinstance(other, Tensor):
            return Tensor.__rsub__(self, other)
        return self + other

    def __neg__(self) -> Tensor:
        return self

    @property
    def T(self) -> Tensor:
        return self.transpose()


def _zero_view(name: str) -> Any:
    """ZeroTangent's version of a shape op: the op's result shape, still a ZeroTangent."""

    def method(self: ZeroTangent, *args: Any, **kwargs: Any) -> Tensor:
        real = getattr(Tensor, name)
        result = real(self, *args, **kwargs)  # on a view of one zero: cheap
        return zero_tangent(result.data.shape, result.data.dtype)

    method.__name__ = name
    return method


for _name in (
    "reshape",
    "expand",
    "permute",
    "transpose",
    "squeeze",
    "unsqueeze",
    "flatten",
    "sum",
    "astype",
    "__getitem__",
):
    setattr(ZeroTangent, _name, _zero_view(_name))


def _data(x: Any) -> Any:
    return x.data if isinstance(x, Tensor) else x


def _broadcast(sa: tuple, sb: tuple) -> tuple:
    return sa if sa == sb else np.broadcast_shapes(sa, sb)


def _widen(t: Tensor, zero: ZeroTangent) -> Tensor:
    """``t + zero``: t itself, broadcast to the shape (and promoted to the dtype) of the sum."""
    if t.data.shape == zero.data.shape and t.data.dtype == zero.data.dtype:
        return t
    shape = _broadcast(t.data.shape, zero.data.shape)
    dtype = np.result_type(t.data, zero.data)
    if t.data.dtype != dtype:
        t = t.astype(dtype)
    return t if t.data.shape == shape else t.expand(shape)


def _matmul_shape(sa: tuple, sb: tuple) -> tuple | None:
    """The shape of ``a @ b`` by NumPy's rules, or None if they do not multiply."""
    if not sa or not sb:
        return None
    a = sa if len(sa) > 1 else (1, *sa)
    b = sb if len(sb) > 1 else (*sb, 1)
    if a[-1] != b[-2]:
        return None
    try:
        batch = np.broadcast_shapes(a[:-2], b[:-2])
    except ValueError:
        return None
    shape = (*batch, a[-2], b[-1])
    if len(sa) == 1:
        shape = shape[:-2] + shape[-1:]
    if len(sb) == 1:
        shape = shape[:-1]
    return shape
