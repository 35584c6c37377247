"""In-place changes and version counters: ``x += y``, ``x[i] = v``, ``x.add_(y)``, ``x.zero_()``.

PyTorch's semantics, on this engine's graph. The engine sends each gradient to the producer
of the input tensor *at backward time* (``x._node``), and an op's backward may read the
values of its inputs or of its output. An in-place change of ``x`` alters both, so:

1. **Versions.** Every tensor has ``_version`` (0 when made); each in-place change adds one
   and is stamped with a number from the counter that numbers the nodes
   (``function._sequence``): ``x`` changed after node N was recorded exactly when a stamp of
   x is above ``N._sequence_nr``, and the version N saw is x's version minus its changes
   since. So recording a node costs nothing more, and backward checks a node only if some
   tensor changed after it was recorded (``last_change``): one comparison per node.
2. **The change** (``update``). Refused on a leaf that requires grad while grad mode is on
   (its gradient would be for a value that is gone). Otherwise it is recorded like the op it
   is -- ``x += y`` is ``Add``, ``x[i] = v`` is ``SetItem`` -- when grad mode is on and ``x``
   or an operand requires grad, so there is no new derivative to write. The array is changed
   in place when nothing else refers to it (``_alone``) and the op's derivative does not need
   the old values of ``x`` (``x *= w`` with ``w`` requiring grad does); else ``x`` gets a new
   array and the old one is left as it was (copy-on-write).
3. **Rebase.** A recorded change makes a new node whose first input stands for ``x`` as it
   was: a *snapshot* with x's old producer and requires_grad (and a placeholder array: the
   values are gone). ``x`` then takes the new node (``x._node``) and keeps the
   snapshot in ``SNAPSHOTS[x]`` under the stamp of the change, so nodes that used the old
   ``x`` still send its gradient to the old producer.
4. **Backward.** For a node whose input changed since it was recorded, the gradient goes to
   the input as it was (its snapshot), and the node's backward sees a stand-in
   (``_Changed``) whose ``.data`` raises the version error naming the op, the tensor and both
   versions: the error comes exactly when a backward reads changed values (Mul does, Add does
   not), as in PyTorch. An op that saved its *output* (exp, tanh, sigmoid ...) loses it when
   that array is changed in place: ``Function.output`` raises the same error.

Writes into an array taken from a tensor (``x.data[...] = 0``, ``x.numpy()``) are not seen;
``increment_version(x)`` tells the engine about them (the optimizers call it).
"""

from __future__ import annotations

import sys
from bisect import bisect_right
from typing import Any

import numpy as np

from autograd_lite import forward_ad, function
from autograd_lite.errors import AutogradError, ShapeError, fmt_shape, version_error
from autograd_lite.function import FreedTensor, Function, _constant, _new, _record, stand_in
from autograd_lite.grad_mode import per_thread
from autograd_lite.tensor import Tensor, TensorMap, _make, shared_with_numpy

__all__ = ["increment_version"]

# The stamp of the latest in-place change of any tensor: a node recorded after it has seen
# every tensor as it is (0: nothing was ever changed).
last_change = 0
# tensor -> its in-place changes (_Changes), for the tensors that were changed
CHANGES = TensorMap()
KEEP_STAMPS = 64


class _Changes:
    """A tensor's in-place changes: how many (its version) and the stamps of the last
    KEEP_STAMPS of them (enough to name the version a node saw, in messages; whether the
    tensor changed after a node was recorded needs only the last one)."""

    __slots__ = ("stamps", "version")

    def __init__(self) -> None:
        self.version = 0
        self.stamps: list[int] = []


def version(t: Tensor) -> int:
    """How many times ``t`` was changed in place (``Tensor._version``)."""
    changes = CHANGES.get(t)
    return 0 if changes is None else changes.version


class _Snapshots:
    """A tensor's snapshots: the one taken before each recorded change, and the change's
    stamp (both in the order of the changes, so stamps ascend: ``as_it_was`` bisects)."""

    __slots__ = ("stamps", "tensors")

    def __init__(self) -> None:
        self.stamps: list[int] = []
        self.tensors: list[Snapshot] = []


# tensor -> its _Snapshots, kept as long as the tensor lives (nodes that used an old version
# send its gradient there)
SNAPSHOTS = TensorMap()


def update(
    t: Tensor,
    what: str,
    op: type[Function],
    operands: tuple = (),
    params: dict | None = None,
    needs_old: bool = False,
) -> Tensor:
    """Change ``t`` in place into ``op(t, *operands, **params)`` and return ``t``.

    ``what`` names the change in messages (``"+="``, ``"add_"``); ``needs_old`` says that the
    op's derivative reads t's old values (then the old array must survive: copy-on-write).
    ``op.forward_`` (if the op has one) computes the result into its first argument.
    """
    state = per_thread.state
    if state.grad_enabled and t._requires_grad and t._node is None:
        raise AutogradError(
            f"{what}: cannot change a leaf tensor that requires grad in place while gradients "
            "are recorded (backward needs the value it had). Update parameters inside "
            "`with al.no_grad():` (as optimizers do), or compute a new tensor (x = x + 1)."
        )
    params = params or {}
    record = state.grad_enabled and (
        t._requires_grad or any(isinstance(o, Tensor) and o._requires_grad for o in operands)
    )
    if record and t.data.dtype.kind != "f":
        raise TypeError(
            f"{what}: a {t.data.dtype} tensor cannot hold a value that requires grad (only "
            "floating-point tensors can); convert it with .float() first"
        )
    # Written in place when nothing else needs the old array; under forward mode always out
    # of place, so the op's jvp rule gives the new value its tangent (see _copy_on_write).
    in_place = hasattr(op, "forward_") and not (record and needs_old)
    # An array shared with NumPy code (x.numpy(), from_numpy) is written into, as PyTorch
    # does: the NumPy side sees the change instead of keeping a copy-on-write original.
    if in_place and not forward_ad.open_levels and (_alone(t) or _shared(t.data)):
        _change_array(t, what, op, operands, params, record, state)
    else:
        _copy_on_write(t, what, op, operands, params, record, needs_old)
    return t


def _change_array(t, what, op, operands, params, record, state) -> None:
    """The change written into t's own array (nothing else refers to it)."""
    arrays = [
        o.data if isinstance(o, Tensor) else _constant(o, (t, *operands), op) for o in operands
    ]
    fn = _new(op)
    try:
        fn.forward_(t.data, *arrays, **params)
    except (ValueError, TypeError) as exc:
        raise _explain(what, exc, t, arrays) from None
    old = None
    if record:
        old = snapshot(t)
        if params:  # (as apply keeps them: a drawing writes x[i] = v's index from them)
            fn.options = params
        _record(fn, t.data, (old, *(old if o is t else o for o in operands)), state)
    # The producer of this array (if it kept it as its output) no longer has its output.
    node = t._node
    if node is not None and node._out is t.data:
        node._out = None
        node._output_changed = (version(t), version(t) + 1, describe(t))
    stamp = _bump(t)
    if record:
        _rebase(t, fn, old, stamp)


def _copy_on_write(t, what, op, operands, params, record, needs_old) -> None:
    """The change made out of place: t gets a new array, the old one stays as it was."""
    before = _make(t.data, t._requires_grad, t._node)  # t as it is, values included
    before.name = t.name
    if forward_ad.open_levels:
        forward_ad.copy_tangents(t, before)  # t's tangent goes into the op's jvp rule
    new = op.apply(before, *(before if o is t else o for o in operands), **params)
    if new.data.shape != t.data.shape:
        raise ShapeError(
            f"{what}: the result has shape {fmt_shape(new.data.shape)}, but an in-place op "
            f"cannot change the shape {fmt_shape(t.data.shape)} of the tensor it changes "
            "(the other operand must broadcast to it)"
        )
    data = new.data
    if data.dtype != t.data.dtype:
        if not np.can_cast(data.dtype, t.data.dtype, "same_kind"):
            raise TypeError(
                f"{what}: the result has dtype {data.dtype}, which cannot be stored in place in "
                f"a tensor of dtype {t.data.dtype} (NumPy's same_kind rule); use an out-of-place "
                "op instead"
            )
        data = data.astype(t.data.dtype)
    old = snapshot(t) if record else None
    t.data = data
    if forward_ad.open_levels:
        forward_ad.copy_tangents(new, t)  # and the new value's tangent becomes t's
    stamp = _bump(t)
    if record:
        fn = new._node
        if not needs_old:  # keep only the wiring of the old t, not its values
            fn.inputs = tuple(old if x is before else x for x in fn.inputs)
        _rebase(t, fn, old, stamp)


def _explain(what: str, exc: Exception, t: Tensor, arrays: list) -> Exception:
    """A NumPy error from an in-place forward, in the words of the change."""
    if isinstance(exc, ShapeError):
        return exc  # already explained by the op (SetItem)
    shapes = " and ".join(fmt_shape(np.shape(a)) for a in arrays)
    if isinstance(exc, TypeError):
        kinds = ", ".join(str(np.asarray(a).dtype) for a in arrays)
        return TypeError(
            f"{what}: cannot store the result for {kinds} in place in a tensor of dtype "
            f"{t.data.dtype} (NumPy's same_kind rule); use an out-of-place op instead ({exc})"
        )
    return ShapeError(
        f"{what}: a tensor of shape {fmt_shape(t.data.shape)} cannot be changed in place with "
        f"an operand of shape {shapes}: the result must keep the tensor's shape (the operand "
        "must broadcast to it)"
    )


# -- what a change does to the tensor ---------------------------------------------------


class Snapshot(FreedTensor):
    """A tensor as it was before an in-place change (``snapshot``): its producer,
    requires_grad, name, shape and dtype. Its values are not kept (they are
    overwritten, or no longer the tensor's): its data is a read-only placeholder (NaN for
    floats), which drawings show as "changed in place"."""

    __slots__ = ()


def snapshot(t: Tensor) -> Snapshot:
    """``t`` as the graph knows it now, kept for after a change (see ``Snapshot``)."""
    return stand_in(t, Snapshot)


def _rebase(t: Tensor, node: Function, old: Snapshot, stamp: int) -> None:
    """``t`` is now the output of ``node`` (the change stamped ``stamp``); ``old`` is t
    before it."""
    retained = old._node._retained if old._node is not None else None
    if retained is not None and retained() is t:  # retain_grad() follows the tensor
        old._node._retained = None
        node._retained = retained
    t._node = node
    t._requires_grad = True
    snapshots = SNAPSHOTS.get(t)
    if snapshots is None:
        snapshots = SNAPSHOTS[t] = _Snapshots()
    snapshots.stamps.append(stamp)
    snapshots.tensors.append(old)


def _bump(t: Tensor) -> int:
    """One more version of ``t``; returns the change's stamp."""
    global last_change
    stamp = last_change = next(function._sequence)
    changes = CHANGES.get(t)
    if changes is None:
        changes = CHANGES[t] = _Changes()
    changes.version += 1
    changes.stamps.append(stamp)
    if len(changes.stamps) > KEEP_STAMPS:
        del changes.stamps[0]
    return stamp


def increment_version(tensor: Tensor) -> None:
    """Count a change of ``tensor``'s values that the engine did not see, made through its
    array (``t.data``, ``t.numpy()``): backward will refuse values of it saved before, as
    after any in-place op. (PyTorch: ``torch.autograd.graph.increment_version``; the
    optimizers call it after each step.)

    Examples
    --------
    >>> x = al.tensor([1.0, 2.0])
    >>> v = x._version
    >>> x.data[0] = 5.0
    >>> al.increment_version(x)
    >>> x._version - v
    1
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"increment_version: expected a Tensor, got {type(tensor).__name__}")
    node = tensor._node
    if node is not None and node._out is tensor.data:
        node._out = None
        node._output_changed = (version(tensor), version(tensor) + 1, describe(tensor))
    _bump(tensor)


def describe(t: Tensor) -> str:
    """How messages name a tensor: "tensor 'w' of shape (3,), float32"."""
    name = f" {t.name!r}" if t.name else ""
    return f"tensor{name} of shape {fmt_shape(t.shape)}, {t.dtype}"


# -- is the array t's alone? ------------------------------------------------------------


def _extra_references(t: Tensor) -> int:
    """How many references to t's array exist besides t's own and its producer's saved
    output: views of it (``x[0]``, ``x.T``), tensors sharing it (``detach()``), arrays taken
    from it (``.numpy()``), the array given to ``Tensor(array)``, ops that kept it."""
    arr = t.data
    node = t._node
    count = sys.getrefcount(arr) - (node is not None and node._out is arr)
    return count - _BASELINE


# Calibrated on a tensor that surely has no other reference (the count includes this
# function's own names, which differ between Python versions).
_BASELINE = 0
_BASELINE = _extra_references(_make(np.empty(1)))


def _shared(arr: np.ndarray) -> bool:
    return arr.flags.writeable and shared_with_numpy(arr)


def _alone(t: Tensor) -> bool:
    """Whether t's array can be changed in place without changing anything else: it is no
    view of another array (a view shares memory with it), writable, and nothing else
    refers to it."""
    if t.data.base is not None or not t.data.flags.writeable:
        return False
    return _extra_references(t) <= 0


# -- backward through changed tensors -----------------------------------------------------


class _Changed(Tensor):
    """Stand-in, during a node's backward, for an input changed in place after the node
    saved it: its shape, dtype and requires_grad are there, its values raise the version
    error (so ops whose derivative needs no values, like Add's, still work)."""

    __slots__ = ("_error", "_shape_dtype")

    @property  # type: ignore[override]
    def data(self) -> np.ndarray:
        node, i, x = self._error
        raise version_error(
            node.name(), f"input {i}", describe(x), _version_at(x, node), version(x)
        )

    @property
    def shape(self) -> tuple[int, ...]:
        return self._shape_dtype[0]

    @property
    def ndim(self) -> int:
        return len(self._shape_dtype[0])

    @property
    def dtype(self) -> np.dtype:
        return self._shape_dtype[1]

    def __repr__(self) -> str:
        return f"<changed in place: {describe(self._error[2])}>"


def _changed(x: Tensor, routed: Tensor, node: Function, i: int) -> _Changed:
    c = _new(_Changed)
    c._grad = c._hooks = c.name = None
    c._node, c._requires_grad = routed._node, routed._requires_grad
    c._shape_dtype = (x.data.shape, x.data.dtype)
    # What the version error will name, made into words only if it is raised (a node
    # routed through a changed input whose backward does not read it never needs them).
    c._error = (node, i, x)
    return c


def _changed_since(x: Any, node: Function) -> bool:
    """Whether tensor input ``x`` was changed in place after ``node`` was recorded."""
    if not isinstance(x, Tensor):
        return False
    changes = CHANGES.get(x)
    return changes is not None and changes.stamps[-1] > node._sequence_nr


def _version_at(x: Tensor, node: Function) -> int | str:
    """The version of ``x`` when ``node`` was recorded (its changes since are undone)."""
    changes = CHANGES.get(x)
    since = sum(1 for stamp in changes.stamps if stamp > node._sequence_nr)
    if since == len(changes.stamps) == KEEP_STAMPS:  # older stamps are forgotten: a bound
        return f"{changes.version - since} or older"
    return changes.version - since


def as_it_was(x: Tensor, node: Function) -> Tensor:
    """``x`` as ``node`` saw it: the snapshot taken at the first recorded change since (that
    is where its gradient goes), else ``x`` itself (changes made without recording keep the
    producer)."""
    snapshots = SNAPSHOTS.get(x)
    if snapshots is not None:
        # (bisected, not scanned: a tensor changed n times, each version read, would make
        # backward O(n²))
        first_later = bisect_right(snapshots.stamps, node._sequence_nr)
        if first_later < len(snapshots.stamps):
            return snapshots.tensors[first_later]
    return x


def recorded_inputs(node: Function, inputs: tuple | None = None) -> tuple:
    """The node's inputs as they were when it was recorded (for walking the graph);
    ``inputs``: those a freed node kept instead of ``node.inputs``."""
    if inputs is None:
        inputs = node.inputs
    if inputs is None or node._sequence_nr > last_change:
        return inputs
    return tuple(as_it_was(x, node) if _changed_since(x, node) else x for x in inputs)


def backward_checked(node: Function, grad: Tensor) -> tuple[tuple, Any]:
    """Run ``node.backward(grad)`` for a node recorded before some in-place change: returns
    the tensors the gradients go to (the inputs as recorded) and the gradients. An input
    changed since is given to backward as a ``_Changed`` stand-in."""
    inputs = node.inputs
    changed = [i for i, x in enumerate(inputs) if _changed_since(x, node)]
    if not changed:
        return inputs, node.backward(grad)
    receivers, view = list(inputs), list(inputs)
    for i in changed:
        receivers[i] = as_it_was(inputs[i], node)
        view[i] = _changed(inputs[i], receivers[i], node, i)
    node.inputs = tuple(view)
    try:
        grads = node.backward(grad)
    finally:
        node.inputs = inputs
    return tuple(receivers), grads
