"""The backward pass: order the graph, run each node's backward once, sum gradients.

All the bookkeeping lives here, so an op only states its derivative:

1. **Order.** Nodes are visited in reverse topological order (every consumer of a
   tensor before its producer). Every node is numbered when it is created, and a
   node is always created after the nodes it consumes, so "newest first" is such an
   order: a heap of the nodes that have received a gradient gives the next one. No
   recursion, so a chain of a million ops works. (``topological_order`` lists the
   same order up front, for tools that want the whole list: the step-through drawing.)
2. **Accumulate.** A tensor used twice receives two gradients; they are summed before
   its producer's backward runs, so each node's backward is called exactly once.
3. **Unbroadcast.** If an input was broadcast in forward, its gradient has the
   broadcast shape; the engine sums it back to the input's shape (the only place that
   logic exists).
4. **Free.** Without ``retain_graph`` each node drops its inputs and saved arrays as
   soon as its backward has run, so memory returns while the pass goes on.
5. **Versions.** A node recorded before some in-place change has its inputs checked: one
   changed since is routed as it was and raises the version error if the node's backward
   reads it (``inplace.backward_checked``).
"""

from __future__ import annotations

from collections.abc import Sequence
from heapq import heappop, heappush
from typing import Any

import numpy as np

from autograd_lite import forward_ad, inplace
from autograd_lite.errors import AutogradError, ShapeError, fmt_shape, freed_graph_error
from autograd_lite.function import Function
from autograd_lite.grad_mode import per_thread
from autograd_lite.inplace import recorded_inputs
from autograd_lite.tensor import Tensor, _make, as_array


def run_backward(
    roots: Sequence[Tensor],
    root_grads: Sequence[Any],
    *,
    retain_graph: bool,
    create_graph: bool,
    inputs: Sequence[Tensor] | None = None,
    allow_unused: bool = False,
    leaves_made_after: int = 0,
) -> tuple[Tensor | None, ...] | None:
    """Backpropagate from ``roots``.

    Without ``inputs``: accumulate into each leaf's ``.grad`` (``Tensor.backward``).
    With ``inputs``: return d(roots)/d(inputs) and leave ``.grad`` alone (``grad()``).
    Then the walk visits only nodes that can lead to an input (``_earliest``):
    ``leaves_made_after`` is a creation number taken before the leaf inputs were made
    (``func`` makes a fresh one per call), 0 when unknown.
    """
    node_grads: dict[Function, Tensor] = {}
    leaf_grads: dict[int, list] = {}  # id(leaf) -> [leaf, gradient]
    # Nodes that have received a gradient wait in a heap, newest first: a node is
    # always created after the nodes of its inputs, so the newest waiting node has
    # received every gradient it will get (all its consumers are done).
    waiting: list[tuple[int, Function]] = []
    # Record the backward pass only for create_graph. (A try/finally, not the
    # set_grad_enabled context manager: this runs once per backward() call.)
    state = per_thread.state
    grad_mode_before, state.grad_enabled = state.grad_enabled, create_graph
    # Arrays that must not become a leaf's .grad as they are (copied if they would):
    # the caller's own gradient arrays, and arrays already given to another leaf.
    seen: set[int] = set()
    try:
        seeds = []
        for root, g in zip(roots, root_grads):
            seed = _seed_grad(root, g)
            if g is not None:
                seen.add(id(seed.data))
            seeds.append(seed)
        wanted = wanted_leaves = None
        oldest = 0  # nodes created before this one cannot lead to an input: never visited
        if inputs is not None:
            wanted = {id(t._node): None for t in inputs if t._node is not None}
            wanted_leaves = {id(t) for t in inputs if t._node is None}
            oldest = _earliest(inputs, leaves_made_after)
        anomaly = state.anomaly
        keep_node_grads = retain_graph and not create_graph and wanted is None
        watch = keep_node_grads or wanted is not None

        # The roots' gradients are handed out first, as if by a node above them all; then
        # each node, newest first, runs its backward and hands out its inputs' gradients.
        node, receivers, grads, grad = None, roots, seeds, None
        visited = 0  # nodes visited, counted for grad() only (backward()'s loop stays lean)
        while True:
            for x, gx in zip(receivers, grads):
                if gx is None or not isinstance(x, Tensor) or not x._requires_grad:
                    continue
                if (
                    anomaly
                    or not isinstance(gx, Tensor)
                    or gx.data.shape != x.data.shape
                    or (gx.data.dtype is not x.data.dtype and gx.data.dtype != x.data.dtype)
                ):
                    gx = _fit(gx, x, node, receivers)
                # Add gx to what x's producer has received; the first gradient puts a node
                # in line. (Written out, not a call: this is the hottest loop of backward.)
                producer = x._node
                if producer is None:
                    if wanted_leaves is not None and id(x) not in wanted_leaves:
                        continue  # grad(): a leaf that is not an input
                    entry = leaf_grads.get(id(x))
                    if entry is None:
                        leaf_grads[id(x)] = [x, gx]
                    else:
                        entry[1] = _sum(entry[1], gx, create_graph)
                elif producer in node_grads:
                    node_grads[producer] = _sum(node_grads[producer], gx, create_graph)
                elif oldest and producer._sequence_nr < oldest:
                    continue  # grad(): made before every input, so it cannot lead to one
                else:
                    node_grads[producer] = gx
                    heappush(waiting, (-producer._sequence_nr, producer))
            if node is not None and not retain_graph:
                # The skeleton stays for drawings (Function.release); not under
                # create_graph, whose recorded gradients could point back at the node.
                if create_graph:
                    node.release()
                else:
                    node.release(receivers, grad, grads)
            if not waiting:
                break

            node = heappop(waiting)[1]
            grad = node_grads.pop(node)
            receivers = node.inputs
            if receivers is None:
                raise freed_graph_error(type(node).__name__)
            if watch or node._hooks or node._retained is not None:
                grad = _visit(node, grad, wanted, keep_node_grads)
                if wanted is not None:  # grad() (where watch is always on)
                    visited += 1
                    if node._sequence_nr == oldest:
                        # The oldest input's producer. Its own inputs are older still, so
                        # nothing it would send back is wanted: it is not run.
                        grads = (None,) * len(receivers)
                        continue
            if node._sequence_nr < inplace.last_change:  # a tensor changed in place since
                receivers, grads = inplace.backward_checked(node, grad)
            else:
                grads = node.backward(grad)
            if type(grads) is not tuple:
                grads = (grads,)
            if len(grads) != len(receivers):
                _wrong_count(node, grads)

        if inputs is not None:
            state.nodes_visited = visited
            return _collect(inputs, wanted, leaf_grads, allow_unused)
        for leaf, g in leaf_grads.values():
            if leaf._hooks:
                g = _run_hooks(leaf._hooks, g)
            if leaf._grad is None:
                leaf._grad = g if create_graph else _owned(g, seen)
            else:
                # Out of place: leaf.grad may be shared with the caller.
                leaf._grad = _sum(leaf._grad, g, create_graph)
    finally:
        state.grad_enabled = grad_mode_before
    return None


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Tensor | None, ...]:
    """d(outputs)/d(inputs), returned as a tuple; ``.grad`` attributes are not touched.

    ``grad_outputs`` weights each output (defaults to 1 for one-element outputs).
    With ``create_graph=True`` the results are themselves differentiable, which is how
    second derivatives are taken: ``grad(grad(y, x, create_graph=True)[0], x)``.

    Parameters
    ----------
    outputs : Tensor or sequence of Tensor
        What to differentiate (one-element tensors unless ``grad_outputs`` is given).
    inputs : Tensor or sequence of Tensor
        With respect to what.
    grad_outputs : Tensor or sequence, optional
        The vector of the vector-Jacobian product; the shapes of ``outputs``.
    retain_graph, create_graph : bool
        Keep the graph for another pass; record the backward pass itself.
    allow_unused : bool
        Give None for an input the outputs do not depend on (otherwise an error).

    Returns
    -------
    tuple of Tensor
        One gradient per input, of that input's shape.

    Examples
    --------
    >>> x = al.tensor(3.0, requires_grad=True)
    >>> y = x ** 3
    >>> (dy,) = al.grad(y, x, create_graph=True)
    >>> dy
    tensor(27., grad_fn=<Mul>)
    >>> al.grad(dy, x)
    (tensor(18.),)
    """
    outputs = (outputs,) if isinstance(outputs, Tensor) else tuple(outputs)
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    if grad_outputs is None or isinstance(grad_outputs, Tensor):
        grad_outputs = (grad_outputs,) * len(outputs)
    elif len(grad_outputs) != len(outputs):
        raise ValueError(f"grad: {len(grad_outputs)} grad_outputs given for {len(outputs)} outputs")
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor) or not t.requires_grad:
            raise AutogradError(f"grad: input {i} is not a tensor that requires grad")
    if retain_graph is None:
        retain_graph = create_graph
    return run_backward(
        outputs,
        grad_outputs,
        retain_graph=retain_graph,
        create_graph=create_graph,
        inputs=inputs,
        allow_unused=allow_unused,
    )


def nodes_visited() -> int:
    """How many nodes the last ``grad()`` of this thread visited (also called by the
    ``func`` transforms; not counted by ``backward()``, which visits every node it reaches):
    the walk's length, for tests that check what it skips (``grad()`` visits only what can
    lead to its inputs)."""
    return per_thread.state.nodes_visited


def input_gradients(node: Function) -> tuple[Tensor | None, ...]:
    """The gradient ``node`` sent back along each of its input wires in the last backward
    pass, one per input (None where an input gets none): its backward run again on the
    gradient it kept (``node.grad``, kept by ``backward(retain_graph=True)``), each result
    unbroadcast to its input's shape, as backward hands them out.

    For drawings: a tensor used twice receives two of these, and its ``.grad`` is their sum
    ("gradients add at forks"). Nothing is recorded and nothing is accumulated.
    """
    kept = node.kept() if node.inputs is None else None
    if kept is not None:  # freed by a plain backward(): the shares it kept (small ones)
        receivers, _, sent = kept
        return tuple(
            None if g is None or not isinstance(x, Tensor) else unbroadcast(g, x.shape, node, i)
            for i, (x, g) in enumerate(zip(receivers, sent))
        )
    grad = getattr(node, "grad", None)
    if grad is None:
        raise AutogradError(
            f"input_gradients: {type(node).__name__} kept no gradient: run "
            "backward(retain_graph=True) first"
        )
    if node.inputs is None:
        raise freed_graph_error(type(node).__name__)
    state = per_thread.state
    grad_mode_before, state.grad_enabled = state.grad_enabled, False
    try:
        receivers, grads = inplace.backward_checked(node, grad)
        if type(grads) is not tuple:
            grads = (grads,)
        if len(grads) != len(receivers):
            _wrong_count(node, grads)
        return tuple(
            _fit(g, x, node, receivers)
            if g is not None and isinstance(x, Tensor) and x._requires_grad
            else None
            for x, g in zip(receivers, grads)
        )
    finally:
        state.grad_enabled = grad_mode_before


def unbroadcast(g: Tensor, shape: tuple[int, ...], node: Any = None, i: int = 0) -> Tensor:
    """Sum ``g`` back to ``shape``: the gradient of broadcasting ``shape`` up to ``g.shape``.

    Broadcasting copies along new leading axes and along axes of size 1, so their
    gradients add up: sum over those axes.
    """
    extra = g.ndim - len(shape)
    if extra < 0 or any(s not in (1, gs) for s, gs in zip(shape, g.shape[extra:])):
        who = f"{type(node).__name__}.backward" if node is not None else "unbroadcast"
        raise ShapeError(
            f"{who}: gradient of shape {fmt_shape(g.shape)} for input {i} of shape "
            f"{fmt_shape(shape)}: it must have the input's shape (or one it broadcasts to)"
        )
    axes = tuple(range(extra)) + tuple(
        extra + k for k, s in enumerate(shape) if s == 1 and g.shape[extra + k] != 1
    )
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g.reshape(shape) if g.shape != shape else g


def topological_order(
    roots: Sequence[Function], where: str = "backward", freed: bool = False
) -> list[Function]:
    """The nodes reachable from ``roots`` in the order ``backward()`` runs them.

    That order is "newest first" (see the module docstring): every consumer comes before
    its producers. A walk with an explicit stack (no recursion) finds the nodes; sorting
    by creation number gives the engine's order exactly. (A node whose consumers all
    return None for it receives no gradient, and backward skips it.)
    Raises the freed-graph error, naming ``where``, if backward() already freed a node;
    with ``freed=True`` (drawings) it walks the skeleton a plain backward() kept instead
    (``graph_inputs``).
    """
    seen: dict[int, Function] = {}
    stack = list(roots)
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen[id(node)] = node
        if node.inputs is None and not (freed and node.kept() is not None):
            raise freed_graph_error(type(node).__name__, where)
        for x in graph_inputs(node):
            if isinstance(x, Tensor) and x._node is not None and id(x._node) not in seen:
                stack.append(x._node)
    return sorted(seen.values(), key=_newest_first)


def _earliest(inputs: Sequence[Tensor], leaves_made_after: int) -> int:
    """The creation number of the oldest node that can lead to one of ``inputs``: a node
    is created after the nodes it consumes, so one made before an input's producer (or
    before a leaf input) cannot reach it. 0 (walk everything) if a leaf input's age is
    unknown: a user's leaf may have been made before any node. (PyTorch's ``min_topo_nr``.)
    """
    oldest = None
    for t in inputs:
        number = t._node._sequence_nr if t._node is not None else leaves_made_after
        if number <= 0:
            return 0
        oldest = number if oldest is None else min(oldest, number)
    return oldest or 0


def graph_inputs(node: Function) -> tuple:
    """The node's inputs as it saw them (``recorded_inputs``), or, once a plain backward()
    freed it, as it kept them (``Function.release``: big tensors as ``FreedTensor``s)."""
    if node.inputs is None:
        kept = node.kept()
        if kept is not None:
            return recorded_inputs(node, kept[0])
    return recorded_inputs(node)


def _newest_first(node: Function) -> int:
    return -node._sequence_nr


def _seed_grad(root: Tensor, g: Any) -> Tensor:
    """The gradient backward starts from: 1 for a scalar, else the one the user gave."""
    if not isinstance(root, Tensor):
        raise TypeError(f"backward: expected a Tensor, got {type(root).__name__}")
    if not root._requires_grad:
        raise AutogradError(
            "backward: this tensor does not require grad and has no grad_fn, so there is "
            "nothing to differentiate (did you forget requires_grad=True on an input, or "
            "compute it under no_grad()?)"
        )
    data = root.data
    if g is None:
        if data.size != 1:
            raise AutogradError(
                f"backward: a gradient can be created implicitly only for a one-element "
                f"output, this one has shape {fmt_shape(data.shape)}; pass "
                f"grad= with that shape (e.g. y.backward(ones_like(y))) or reduce it first "
                "(y.sum().backward())"
            )
        # (np.array: a third of np.ones_like's time, which counts for micrograd-style
        # scalar graphs that call backward() after a few ops.)
        return _make(np.array(1, data.dtype) if data.ndim == 0 else np.ones_like(data))
    arr = g.data if isinstance(g, Tensor) else as_array(g, dtype=data.dtype, where="backward")
    if arr.shape != data.shape:
        raise ShapeError(
            f"backward: grad has shape {fmt_shape(arr.shape)} but the tensor has shape "
            f"{fmt_shape(data.shape)}; they must be equal"
        )
    if arr.dtype != data.dtype:
        arr = arr.astype(data.dtype)
    # The caller's tensor itself if it fits: under create_graph it may be part of a graph
    # (gradgradcheck differentiates with respect to it).
    return g if isinstance(g, Tensor) and g.data is arr else _make(arr)


def _wrong_count(node: Function, grads: tuple) -> None:
    raise AutogradError(
        f"{type(node).__name__}.backward returned {len(grads)} gradient(s) "
        f"for {len(node.inputs)} input(s)"
    )


def _visit(node: Function, grad: Tensor, wanted: dict | None, keep_node_grads: bool) -> Tensor:
    """What happens to a node's gradient before its backward: hooks, retain_grad, grad()."""
    if node._hooks:
        grad = _run_hooks(node._hooks, grad)
    if node._retained is not None:
        _retain(node, grad)
    if wanted is not None and id(node) in wanted:
        wanted[id(node)] = grad
    if keep_node_grads:
        # Kept for drawing (visualize). Not under create_graph: the gradient's graph can
        # point back at this node, which would make a reference cycle.
        node.grad = grad if node.grad is None else _sum(node.grad, grad, False)
    return grad


def _run_hooks(hooks: list, grad: Tensor) -> Tensor:
    """Call each hook on the gradient in turn; a hook that returns a tensor replaces it."""
    for hook in hooks:
        new = hook(grad)
        if new is not None:
            grad = new
    return grad


def _fit(gx: Any, x: Tensor, node: Function | None, inputs: Sequence[Any]) -> Tensor:
    """The gradient for input ``x`` (of ``node``; a root when node is None) as a Tensor of
    x's shape and dtype (checked under detect_anomaly)."""
    i = next(k for k, y in enumerate(inputs) if y is x)  # for messages (not ==: elementwise)
    if not isinstance(gx, Tensor):
        gx = _make(np.asarray(gx))
    if gx.data.shape != x.data.shape:
        gx = unbroadcast(gx, x.data.shape, node, i)
    if gx.data.dtype != x.data.dtype:
        gx = gx.astype(x.data.dtype)
    if per_thread.state.anomaly:
        _check_backward(node, i, gx)
    return gx


def _sum(a: Tensor, b: Tensor, create_graph: bool) -> Tensor:
    """Two gradients of one tensor added up: recorded under create_graph (so the sum can be
    differentiated) and with the Add op while gradients may carry tangents (forward over
    reverse), else on the arrays, outside the graph (cheaper than the Add op)."""
    if create_graph or forward_ad.open_levels:
        return a + b
    return _make(np.add(a.data, b.data, out=...))  # out=...: an array even for 0-d operands


def _owned(g: Tensor, seen: set[int]) -> Tensor:
    """``g`` if its array is ours alone, else a copy (so in-place updates of one
    ``.grad``, e.g. by gradient clipping, never change another)."""
    arr = g.data
    if id(arr) in seen or arr.base is not None or not arr.flags.writeable:
        arr = arr.copy()
    seen.add(id(arr))
    return _make(arr)


def _retain(node: Function, grad: Tensor) -> None:
    t = node._retained()
    if t is not None:
        t._grad = grad if t._grad is None else t._grad + grad


def _collect(
    inputs: Sequence[Tensor], wanted: dict, leaf_grads: dict, allow_unused: bool
) -> tuple[Tensor | None, ...]:
    result = []
    for i, t in enumerate(inputs):
        if t._node is not None:
            g = wanted.get(id(t._node))
        else:
            entry = leaf_grads.get(id(t))
            g = entry[1] if entry is not None else None
            if g is not None and t._hooks:
                g = _run_hooks(t._hooks, g)
        if g is None and not allow_unused:
            raise AutogradError(
                f"grad: input {i} was not used to compute the outputs; pass "
                "allow_unused=True to get None for it"
            )
        result.append(g)
    return tuple(result)


def _check_backward(node: Function | None, i: int, g: Tensor) -> None:
    if g.data.dtype.kind == "f" and not np.isfinite(g.data).all():
        if node is None:
            raise AutogradError(
                f"detect_anomaly: the gradient given to backward() for output {i} has NaN or Inf"
            )
        where = node._created_at or "<created outside detect_anomaly()>"
        raise AutogradError(
            f"detect_anomaly: {type(node).__name__}.backward produced NaN or Inf in the "
            f"gradient of input {i}; the op was created at {where}"
        )
