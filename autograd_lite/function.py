"""Function: one differentiable op — its forward on arrays and its backward on tensors.

This is the cs231n "gate". Subclass it, write two methods, and the engine does the
rest (recording the graph, ordering the backward pass, summing gradients, undoing
broadcasting)::

    class Square(Function):
        '''y = x ** 2;  dy/dx = 2x'''

        def forward(self, x):            # x: numpy array
            return x * x

        def backward(self, grad):        # grad: Tensor, dL/dy
            (x,) = self.inputs           # the input Tensors
            return grad * 2 * x          # dL/dx, written with Tensor ops

    y = Square.apply(x)

``backward`` uses Tensor ops, so the backward pass is itself differentiable:
under ``backward(create_graph=True)`` it is recorded and can be differentiated again;
under a plain ``backward()`` it runs in no-grad mode and records nothing.

Keyword arguments of ``apply`` (an axis, a slope) go to ``forward`` as they are;
positional arguments are the inputs: Tensors, or constants (Python numbers, arrays)
that get no gradient. ``forward`` may keep what ``backward`` needs on ``self``;
``self.output`` is the output as a Tensor, for ops whose derivative uses it.
"""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import numpy as np

from autograd_lite import forward_ad
from autograd_lite.anomaly import LIBRARY_DIRS, user_frame  # noqa: F401 - LIBRARY_DIRS lived here
from autograd_lite.errors import AutogradError, ShapeError, fmt_shape, version_error
from autograd_lite.grad_mode import GradState, per_thread
from autograd_lite.tensor import Tensor, _make, as_array
from autograd_lite.tensor import get_default_dtype as default_dtype

# Inputs that forward receives as they are (exact types: an IntEnum, or np.float64 --
# a float subclass that would upcast float32 -- goes through _constant), and ndarrays of
# these dtype kinds (bool, int, uint, float): what _constant returns unchanged, tested
# inline on the apply paths so that a Python number or a float array costs no call.
_CONSTANT_TYPES = frozenset({float, int, bool})
_NUMERIC_KINDS = "biuf"
# Recorded nodes are numbered in creation order; backward runs the newest first.
# (itertools.count is atomic under the GIL, so threads never get the same number.)
_sequence = itertools.count(1)
_new = object.__new__  # a node without running __init__ (Function has none; twice as fast)
_F64 = np.dtype(np.float64)  # (NumPy's built-in dtypes are singletons: compared with `is`)
# After a plain backward(), a node keeps for drawings the input tensors and gradients of at
# most this many elements (a teaching graph keeps them all); bigger ones are freed.
KEEP_AFTER_BACKWARD = 256


class Function:
    """Base class of every differentiable op (a node of the graph once recorded).

    A subclass writes ``forward`` on NumPy arrays and ``backward`` (and, for forward mode,
    ``jvp``) with Tensor ops, so that the backward pass is differentiable again; ``apply``
    runs forward and records the node when an input requires grad.

    Attributes
    ----------
    inputs : tuple
        The inputs (Tensors and constants); None once backward freed it.
    scope : tuple of str
        The name-scope path active when it was recorded (module names).
    grad : Tensor or None
        The gradient of the output, kept by ``backward(retain_graph=True)``.
    options : Mapping
        The keyword options ``apply`` gave forward (``axis=1``, ``negative_slope``), for
        tools that read a graph (nn.export); empty when there were none.

    Notes
    -----
    Once a plain ``backward()`` has freed it, ``inputs`` is None and ``kept()`` gives what
    a drawing needs (see ``release``).

    Examples
    --------
    Your own op, y = x², with its derivative 2x beside it:

    >>> class Square(al.Function):
    ...     def forward(self, x):            # x: a NumPy array
    ...         return x * x
    ...     def backward(self, grad):        # grad: dL/dy, a Tensor
    ...         (x,) = self.inputs
    ...         return grad * 2 * x
    >>> x = al.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> y = Square.apply(x)
    >>> y.sum().backward()
    >>> x.grad
    tensor([2., 4., 6.])
    >>> al.gradcheck(Square.apply, [al.tensor([0.5, -1.5], dtype=np.float64, requires_grad=True)])
    True
    """

    # Every op creates a node, so the attributes every recorded node has are slots
    # (set by apply; no per-node dict unless an op keeps something of its own on self,
    # which __dict__ allows). The rarer ones are class attributes: their defaults.
    __slots__ = ("__dict__", "_freed", "_out", "_sequence_nr", "inputs", "scope")
    label: str = ""  # short name for drawings ("+", "matmul"); class name in lower case if unset
    grad: Tensor | None = None
    _hooks: list | None = None
    _retained: Any = None
    _created_at: str | None = None
    options: Mapping[str, Any] = MappingProxyType({})
    # True for an op whose output dtype is its option (Cast): exempt from torch_float.
    makes_dtype: bool = False
    # True for an elementwise op (its table row's samples take any shape): its output has
    # the broadcast shape of its inputs, and backward sends gradients of that shape, so no
    # input or gradient is bigger than the output (``release`` checks only the output).
    # Not inherited: a subclass of an elementwise op states it again.
    elementwise: bool = False
    # Forward mode (forward_ad.py): the output while a jvp rule runs, and the output's
    # tangents, (level, tangent) pairs, kept by a recorded node for its backward.
    _result: Tensor | None = None
    _tangents: tuple | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.__dict__.get("label"):
            cls.label = cls.__name__.lower()
        if "elementwise" not in cls.__dict__:  # (a subclass may change forward: it says so)
            cls.elementwise = False

    def forward(self, *arrays: Any, **params: Any) -> np.ndarray:
        """Compute the output from NumPy arrays (and constants)."""
        raise NotImplementedError(f"{type(self).__name__} must implement forward()")

    def backward(self, grad: Tensor) -> Tensor | tuple[Tensor | None, ...] | None:
        """Given dL/d(output), return dL/d(input) for each input (None where not needed)."""
        raise NotImplementedError(f"{type(self).__name__} must implement backward()")

    def jvp(self, *tangents: Tensor) -> Tensor:
        """Forward mode: given each input's tangent (its derivative along the direction the
        inputs move; a zero for an input without one), return the output's tangent -- the
        Jacobian times the tangents, written with Tensor ops (see forward_ad.py)."""
        raise AutogradError(
            f"{self.name()}: this op has no forward-mode rule, so a tangent cannot pass "
            f"through it (write {type(self).__name__}.jvp next to its backward, or use "
            "reverse mode: backward(), grad(), func.jacrev)"
        )

    @classmethod
    def apply(cls, *inputs: Any, **params: Any) -> Tensor:
        """Run forward on the inputs' arrays; record a node if any input requires grad."""
        record = False
        arrays = []
        for x in inputs:
            if isinstance(x, Tensor):
                arrays.append(x.data)
                if x._requires_grad:
                    record = True
            elif type(x) in _CONSTANT_TYPES or (
                type(x) is np.ndarray and x.dtype.kind in _NUMERIC_KINDS
            ):
                arrays.append(x)  # Python scalars stay "weak": x * 2.0 keeps x's dtype
            else:
                # A NumPy scalar, a list, or bad input: convert every constant by the one
                # rule, so that forward and the node both see what backward will use.
                converted = [
                    y if isinstance(y, Tensor) else _constant(y, inputs, cls) for y in inputs
                ]
                return cls.apply(*converted, **params)
        fn = _new(cls)
        try:
            out = fn.forward(*arrays, **params)
        except (ValueError, TypeError) as exc:
            raise fn._explain(exc, arrays) from None
        if out.dtype is _F64 and not cls.makes_dtype:
            out = torch_float(out, arrays)
        if forward_ad.open_levels:  # forward mode is on somewhere: tangents may come along
            if params:
                fn.options = params
            return _with_tangents(fn, out, inputs, record)
        if record and (state := per_thread.state).grad_enabled:
            if params:
                fn.options = params
            return _record(fn, out, inputs, state)
        return _make(out)

    # -- what backward may use ----------------------------------------------------

    @property
    def output(self) -> Tensor:
        """The op's output as a Tensor of this graph (for derivatives that use it, e.g. exp).

        Raises the version error if the output was changed in place since (its array is
        then no longer the node's: inplace.py drops it)."""
        result = self._result  # (in a jvp rule: the output itself)
        if result is None:
            if self._out is None:
                saved, now, tensor = self.__dict__.get("_output_changed", (0, 1, "a tensor"))
                raise version_error(self.name(), "output", tensor, saved, now)
            result = _make(self._out, True, self)
            if self._tangents is not None:  # its tangents too, for forward over reverse
                forward_ad.attach(result, self._tangents)
        return result

    @property
    def needs_input_grad(self) -> tuple[bool, ...]:
        """For each input, whether a gradient is wanted (lets backward skip work)."""
        # (A list, not a generator: tuple(generator) churns CPython's tuple free lists.)
        return tuple([isinstance(x, Tensor) and x._requires_grad for x in self.inputs or ()])

    @classmethod
    def name(cls) -> str:
        """The op's name in messages, that of its public function: the class name in lower
        case, without the suffix of Functions named like an nn layer (Mul -> 'mul',
        LinearFunction -> 'linear')."""
        return cls.__name__.removesuffix("Function").lower()

    def release(self, inputs: tuple | None = None, grad: Any = None, sent: tuple = ()) -> None:
        """Drop the inputs and saved arrays (called by backward unless retain_graph).

        As PyTorch keeps a freed graph's nodes, this keeps the graph's skeleton for
        drawings, from what backward had at hand: ``inputs`` as recorded, the output's
        ``grad``, the gradient ``sent`` to each input. Small tensors and gradients (at most
        KEEP_AFTER_BACKWARD elements) and leaves that require grad are kept as they are; a
        bigger input becomes a ``FreedTensor`` (shape, dtype, producer, no values) and a
        bigger gradient None. ``kept()`` reads them back; ``options`` stay.
        """
        self.inputs = self._out = None
        saved = self.__dict__
        if saved:  # what the op kept on self, and hooks
            options = saved.get("options")
            saved.clear()
            if options is not None:
                self.options = _without_big_arrays(options)
        if inputs is None:
            return
        # The common cases first, for speed (this runs for every node of every backward).
        # (A gradient of 0 elements says nothing of its input's size: the general rule.)
        if 0 < grad.data.size <= KEEP_AFTER_BACKWARD:
            if self.elementwise:  # nothing bigger than the output: keep all as it is
                self._freed = (inputs, grad, sent)
                return
            # Every gradient a small Tensor: then so is every input (each one's gradient
            # is at least its size).
            for g in sent:
                if type(g) is not Tensor or g.data.size > KEEP_AFTER_BACKWARD:
                    break
            else:
                self._freed = (inputs, grad, sent)
                return
        self._freed = _skeleton(inputs, grad, sent)

    def kept(self) -> tuple[tuple, Tensor | None, tuple] | None:
        """After a plain backward(): (inputs, output's gradient, gradient sent to each
        input) as ``release`` kept them (see there); None while the graph is whole, or
        when it was freed without them (under create_graph)."""
        return getattr(self, "_freed", None)

    # -- errors --------------------------------------------------------------------

    def _explain(self, exc: Exception, arrays: list) -> Exception:
        """Turn a NumPy error from forward into one that names the op and the shapes."""
        if isinstance(exc, ShapeError) or str(exc).startswith(self.name() + ":"):
            return exc  # already explained by the op itself
        shapes = " and ".join(fmt_shape(np.shape(a)) for a in arrays)
        msg = str(exc)
        if isinstance(exc, TypeError):
            kinds = ", ".join(
                str(a.dtype) if isinstance(a, np.ndarray) else type(a).__name__ for a in arrays
            )
            return TypeError(f"{self.name()}: cannot apply to inputs of type {kinds}: {msg}")
        if "broadcast" in msg:
            return ShapeError(
                f"{self.name()}: shapes {shapes} cannot be broadcast together (compared from "
                "the last dimension, each pair of sizes must be equal or one of them 1)"
            )
        return ShapeError(f"{self.name()}: input shape(s) {shapes}: {msg}")

    def _check_forward(self, out: np.ndarray) -> None:
        self._created_at = user_frame()
        if out.dtype.kind == "f" and not np.isfinite(out).all():
            raise AutogradError(
                f"detect_anomaly: {self.name()} produced NaN or Inf in forward, "
                f"at {self._created_at}"
            )


class FreedTensor(Tensor):
    """A tensor as a graph remembers it without its values: its producer, requires_grad,
    name, shape and dtype, and a weak reference to the tensor itself (``tensor()``: the
    values while someone still holds it). Its data is a read-only placeholder (NaN for
    floats) of the right shape. Made by ``release`` for inputs too big to keep past a
    plain backward(); ``inplace.Snapshot`` is one too (a version an in-place op changed)."""

    __slots__ = ("_ref",)

    def tensor(self) -> Tensor | None:
        """The tensor this stands for, if it is still alive (None for a snapshot)."""
        ref = getattr(self, "_ref", None)
        return ref() if ref is not None else None


def stand_in(t: Tensor, cls: type[FreedTensor] = FreedTensor) -> Any:
    """``t`` without its values, as a ``cls`` (see FreedTensor)."""
    data = t.data
    s = _make(placeholder(data.shape, data.dtype), t._requires_grad, t._node, into=_new(cls))
    s.name = t.name
    return s


_PLACEHOLDERS: dict[tuple, np.ndarray] = {}  # (shape, dtype) -> placeholder(shape, dtype)


def placeholder(shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """A read-only array of ``shape`` and ``dtype`` without memory of its own: one NaN (0
    for other kinds than float) repeated by zero strides. Made once per shape and dtype (a
    backward pass needs one for every big input it frees, mostly of the same few shapes);
    its buffer is immutable, so no one can make it writeable and change the others."""
    key = (shape, dtype)
    p = _PLACEHOLDERS.get(key)
    if p is None:
        if len(_PLACEHOLDERS) >= 1024:  # (varying shapes: start again rather than grow)
            _PLACEHOLDERS.clear()
        if dtype.hasobject or dtype.itemsize == 0:  # (no tensor has these)
            return np.broadcast_to(np.zeros((), dtype), shape)
        fill = np.array(np.nan if dtype.kind == "f" else 0, dtype).tobytes()
        p = _PLACEHOLDERS[key] = np.ndarray(shape, dtype, fill, 0, (0,) * len(shape))
    return p


def _skeleton(inputs: tuple, grad: Any, sent: tuple) -> tuple:
    """(inputs, grad, sent) without the big arrays (see ``Function.release``)."""
    small = KEEP_AFTER_BACKWARD
    for x in inputs:
        if isinstance(x, Tensor):
            if x.data.size > small and (x._node is not None or not x._requires_grad):
                inputs = tuple(map(_without_values, inputs))
                break
        elif isinstance(x, np.ndarray) and x.size > small:
            inputs = tuple(map(_without_values, inputs))
            break
    if grad is not None and _size(grad) > small:
        grad = None
    for g in sent:
        if g is not None and _size(g) > small:
            # (A list made into a tuple: a third of the time of a generator's.)
            sent = tuple([None if g is None or _size(g) > small else g for g in sent])
            break
    return inputs, grad, sent


def _size(g: Any) -> int:
    # (A custom op's backward may return arrays.)
    return g.data.size if isinstance(g, Tensor) else np.size(g)


def _without_values(x: Any) -> Any:
    """An input of a freed node: kept if small or a leaf that requires grad, else a
    stand-in without its values."""
    if type(x) is Tensor:  # (the usual case first: an op's output)
        if x.data.size <= KEEP_AFTER_BACKWARD or (x._node is None and x._requires_grad):
            return x
        s = stand_in(x)
        s._ref = weakref.ref(x)
        return s
    if isinstance(x, np.ndarray):
        return x if x.size <= KEEP_AFTER_BACKWARD else np.broadcast_to(x.flat[0], x.shape)
    if (
        not isinstance(x, Tensor)
        or isinstance(x, FreedTensor)
        or x.data.size <= KEEP_AFTER_BACKWARD
        or (x._node is None and x._requires_grad)
    ):
        return x
    s = stand_in(x)
    s._ref = weakref.ref(x)
    return s


def _without_big_arrays(options: Mapping[str, Any]) -> Mapping[str, Any]:
    """A freed node's options: a big array (a boolean mask index) becomes a placeholder of
    its shape and dtype (drawings only say what kind of index it was)."""
    if not any(isinstance(v, (np.ndarray, tuple)) for v in options.values()):
        return options
    return {k: _small_option(v) for k, v in options.items()}


def _small_option(v: Any) -> Any:
    if isinstance(v, np.ndarray) and v.size > KEEP_AFTER_BACKWARD:
        return np.broadcast_to(np.zeros((), v.dtype), v.shape)
    if type(v) is tuple:
        return tuple(map(_small_option, v))
    return v


def _constant(x: Any, inputs: tuple, op: type[Function]) -> Any:
    """A non-Tensor input as forward receives it: the one rule of every apply path.

    - ``float``, ``int``, ``bool`` and ndarrays of numbers: as they are (Python scalars are
      "weak": ``x * 2.0`` keeps x's dtype);
    - ndarrays of anything else (Python objects, complex numbers, strings, bytes, dates): a
      ``TypeError`` naming the op (``as_array``), whichever way the op was called (``x * a``,
      ``np.multiply(x, a)``, ``x += a``), as ``al.tensor(a)`` refuses them;
    - NumPy scalars (what ops on 0-d arrays return): a number becomes a Python number, so
      ``np.float64(2)`` does not upcast a float32 tensor; a bool becomes a 0-d bool array
      (it cannot change the result's dtype, and NumPy is twice as fast with it: the mask
      in ``g * (x > 0)`` on 0-d tensors);
    - subclasses of int and float (``IntEnum``...): the plain number;
    - lists and tuples: an array, integers taking the float dtype of the op's tensor
      inputs (``[1, 2] * x`` keeps x's float32);
    - anything else: a ``TypeError`` naming the op (``as_array``).
    """
    if type(x) in _CONSTANT_TYPES:
        return x
    if type(x) is np.ndarray:
        return x if x.dtype.kind in _NUMERIC_KINDS else as_array(x, where=op.name())
    if isinstance(x, np.generic) and x.dtype.kind in "biuf":
        return np.asarray(x) if x.dtype.kind == "b" else x.item()
    if isinstance(x, (int, float)):
        return float(x) if isinstance(x, float) else int(x)
    arr = as_array(x, where=op.name())
    if arr.dtype.kind in "biu":
        for t in inputs:
            if isinstance(t, Tensor) and t.data.dtype.kind == "f":
                return arr.astype(t.data.dtype)
    return arr


def torch_float(out: np.ndarray, arrays: Any) -> np.ndarray:
    """``out`` (float64, as NumPy computed it) in the dtype PyTorch gives the op.

    NumPy makes float64 from integers: ``arange(10) / 10``, ``tensor([1, 2]) * 2.5``,
    ``exp(int tensor)``, ``float32 ** int64``. PyTorch's rule (ARCHITECTURE.md, "Dtypes"): the
    result is the widest float dtype among the float tensor inputs -- those with dimensions
    first, a 0-d tensor decides only when no tensor with dimensions is a float -- and the
    default dtype (float32) when no input is a float tensor. Python numbers never upcast.
    Called only when ``out`` is float64 (one comparison on every other op).
    """
    for a in arrays:  # the usual float64 case first: a float64 input with dimensions
        if type(a) is np.ndarray and a.dtype is _F64 and a.ndim:
            return out
    floats = [a for a in arrays if isinstance(a, np.ndarray) and a.dtype.kind == "f"]
    if floats:
        ranked = [a for a in floats if a.ndim] or floats
        if any(a.dtype is _F64 for a in ranked):
            return out
        return out.astype(np.result_type(*ranked))
    target = default_dtype()
    return out if target == out.dtype else out.astype(target)


def apply_unary(cls: type[Function], a: Any) -> Tensor:
    """``cls.apply(a)`` for one tensor input and no options: ``x.relu()``, ``x.exp()``, ``-g``.

    The same steps as ``apply`` for the commonest case (a quarter of the time).
    """
    if not isinstance(a, Tensor):
        return cls.apply(a)
    fn = _new(cls)
    try:
        out = fn.forward(a.data)
    except (ValueError, TypeError) as exc:
        raise fn._explain(exc, [a.data]) from None
    if out.dtype is _F64 and a.data.dtype is not _F64:
        out = torch_float(out, (a.data,))
    if forward_ad.open_levels:
        return _with_tangents(fn, out, (a,), a._requires_grad)
    if a._requires_grad and (state := per_thread.state).grad_enabled:
        return _record(fn, out, (a,), state)
    return _make(out)


def apply_binary(cls: type[Function], a: Any, b: Any) -> Tensor:
    """``cls.apply(a, b)`` for two inputs and no options: the path of ``x + y``, ``g * w``.

    The same steps as ``apply``, unrolled for two inputs (a third faster than the
    general loop, and the operators run it for every op of a backward pass too).
    """
    if isinstance(a, Tensor):
        a_data, record = a.data, a._requires_grad
    else:
        ready = type(a) in _CONSTANT_TYPES or (
            type(a) is np.ndarray and a.dtype.kind in _NUMERIC_KINDS
        )
        a = a_data = a if ready else _constant(a, (a, b), cls)
        record = False
    if isinstance(b, Tensor):
        b_data = b.data
        record = record or b._requires_grad
    else:
        ready = type(b) in _CONSTANT_TYPES or (
            type(b) is np.ndarray and b.dtype.kind in _NUMERIC_KINDS
        )
        b = b_data = b if ready else _constant(b, (a, b), cls)
    fn = _new(cls)
    try:
        out = fn.forward(a_data, b_data)
    except (ValueError, TypeError) as exc:
        raise fn._explain(exc, [a_data, b_data]) from None
    if out.dtype is _F64:  # NumPy made float64: right only if a float64 tensor came in
        out = torch_float(out, (a_data, b_data))
    if forward_ad.open_levels:
        return _with_tangents(fn, out, (a, b), record)
    if record and (state := per_thread.state).grad_enabled:
        return _record(fn, out, (a, b), state)
    return _make(out)


def _record(fn: Function, out: Any, inputs: tuple, state: GradState) -> Tensor:
    """The output of ``fn`` when the graph is recorded (grad mode is on and an input
    requires grad): ``fn`` becomes its node, keeping its inputs, its output array, its
    creation number and the name scope. (Not recording, the apply paths return
    ``_make(out)``: a call less on every op of a backward pass.)"""
    t = _make(out, True, fn)
    fn.inputs = inputs
    fn._out = t.data
    fn._sequence_nr = next(_sequence)
    fn.scope = state.scope
    if state.anomaly:
        fn._check_forward(t.data)
    return t


def _with_tangents(fn: Function, out: Any, inputs: tuple, record: bool) -> Tensor:
    """The output of ``fn`` while a dual level is open (in any thread): made, and recorded,
    as always; then given its tangents by the op's jvp rule (forward_ad.push_tangents)."""
    state = per_thread.state
    if record and state.grad_enabled:
        t = _record(fn, out, inputs, state)
    else:
        t = _make(out)
        fn.inputs = inputs  # (a jvp rule reads its inputs there, as backward does)
    forward_ad.push_tangents(fn, t, inputs)
    return t
