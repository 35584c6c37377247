"""What a drawing shows: the ops, leaves and wires behind a tensor, within a budget.

:func:`build_model` walks the graph with the engine's own walk,
``autograd_lite.engine.topological_order`` (the order ``backward()`` runs the ops, output
first), so a drawing, a step-through and backward itself agree on what the graph is. At
most ``max_nodes`` nodes are kept, nearest the output first; the rest is only counted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from autograd_lite import forward_ad
from autograd_lite.engine import graph_inputs, input_gradients, topological_order
from autograd_lite.function import KEEP_AFTER_BACKWARD, FreedTensor
from visualize.labels import clean_text, format_index, format_number


def is_tensor(x: Any) -> bool:
    # Duck typing keeps this module independent of the Tensor class's import path.
    return hasattr(x, "grad_fn") and hasattr(x, "data")


def _parameter_class() -> type | None:
    """``nn.Parameter`` if nn can be imported (it is optional for drawing), else None."""
    try:
        import nn
    except Exception:  # nn missing or broken: fall back to "leaf that requires grad"
        return None
    return getattr(nn, "Parameter", None)


def op_label(node: Any) -> str:
    """The short name drawn on an op node: its ``label`` ("+", "matmul"), else the class
    name in lower case ("exp" for Exp)."""
    return str(getattr(node, "label", None) or type(node).__name__.lower())


# Ops whose inputs are not interchangeable: the op node shows the formula and each input's
# wire (or number) says which operand it is, so ``scores - max`` cannot be misread.
OPERANDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "Sub": ("a − b", ("a", "b")),
    "Div": ("a ÷ b", ("a", "b")),
    "Pow": ("a ** b", ("a", "b")),
    "MatMul": ("a @ b", ("a", "b")),
    "Where": ("where(cond, a, b)", ("cond", "a", "b")),
}


def op_text(node: Any) -> str:
    """What an op's node says: the formula of a non-commutative op (``a − b``), the index
    of ``[]`` (``[:, 0:8]``), clip's bounds, else its label."""
    kind = type(node).__name__
    if kind in OPERANDS:
        return OPERANDS[kind][0]
    if isinstance(node, SumChain):
        return node.text()
    options = getattr(node, "options", None) or {}
    if kind in ("GetItem", "SetItem") and "index" in options:
        index = format_index(options["index"], options.get("index_tensors"))
        return index + (" =" if kind == "SetItem" else "")
    if kind == "Clip":
        bounds = [
            f"{k}={format_number(options[k])}" for k in ("min", "max") if options.get(k) is not None
        ]
        return f"clip({', '.join(bounds)})"
    return op_label(node)


def operand_role(node: Any, slot: int) -> str | None:
    """Which operand input ``slot`` of ``node`` is ("a", "b", "cond"), for the ops whose
    operands are not interchangeable; None for the others."""
    roles = OPERANDS.get(type(node).__name__)
    return roles[1][slot] if roles and slot < len(roles[1]) else None


@dataclass(eq=False)
class OpItem:
    """One recorded op (a ``Function`` node) and the tensor it produced."""

    node: Any
    tensor: Any
    key: str
    # The box it is drawn in: its scope, with "(call k)" on a module called more than once
    # (see _separate_calls). build_model sets it.
    cluster: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return op_label(self.node)

    @property
    def scope(self) -> tuple[str, ...]:
        """The module path it was recorded in (``node.scope``), e.g. ("Sequential", "0")."""
        return tuple(str(s) for s in (getattr(self.node, "scope", None) or ()))

    @property
    def grad(self) -> Any:
        # The node keeps its output's gradient after backward(retain_graph=True), and after
        # a plain backward() when it is small (Function.release); a tensor that called
        # retain_grad() keeps it too.
        grad = getattr(self.node, "grad", None)
        if grad is None:
            kept = self.node.kept() if hasattr(self.node, "kept") else None
            grad = kept[1] if kept is not None else None
        if grad is None and getattr(self.tensor, "retains_grad", False):
            grad = self.tensor.grad
        return grad

    @property
    def tangent(self) -> Any:
        return tangent_of(self.tensor)


@dataclass(eq=False)
class LeafItem:
    """A leaf tensor (input, parameter or constant tensor)."""

    tensor: Any
    key: str
    kind: str  # "input" | "param" | "const"
    consumers: list[OpItem] = field(default_factory=list)

    @property
    def grad(self) -> Any:
        return getattr(self.tensor, "grad", None)

    @property
    def tangent(self) -> Any:
        return tangent_of(self.tensor)


def tangent_of(t: Any) -> Any:
    """Forward mode: the tensor's tangent at the innermost open dual level (None if it has
    none, or no level is open), as ``forward_ad.unpack_dual`` would give it."""
    return forward_ad.tangent(t)


@dataclass(eq=False)
class NumberItem:
    """A constant input of an op that is not a Tensor: the 2.0 in ``x * 2.0``, or an array."""

    value: Any
    key: str
    consumer: OpItem
    slot: int = 0  # the input slot of the consumer it feeds


@dataclass
class GraphModel:
    """The part of the graph that will be drawn, plus a count of what was left out.

    ``ops`` are in forward order (inputs before the ops using them); ``edges`` are
    (source item, consuming op) pairs, one per input slot of each op; ``cut`` holds ops
    that have inputs beyond the drawing budget.
    """

    root: Any
    ops: list[OpItem] = field(default_factory=list)
    leaves: list[LeafItem] = field(default_factory=list)
    numbers: list[NumberItem] = field(default_factory=list)
    edges: list[tuple[Any, OpItem]] = field(default_factory=list)
    slots: list[int] = field(default_factory=list)  # edges[k] feeds input slots[k] of its op
    cut: list[OpItem] = field(default_factory=list)
    omitted_ops: Counter = field(default_factory=Counter)
    omitted_leaves: int = 0
    root_op: OpItem | None = None
    max_nodes: int = 500
    # cluster path -> the type of the module that recorded it ("Linear"), when known
    module_types: dict[tuple[str, ...], str] = field(default_factory=dict)
    _wire_grads: list[Any] | None = field(default=None, repr=False)

    @property
    def truncated(self) -> bool:
        return bool(self.omitted_ops) or self.omitted_leaves > 0

    @property
    def root_tangent(self) -> Any:
        return tangent_of(self.root)

    def wire_grads(self) -> list[Any]:
        """The gradient that went back along each wire (``edges[k]``) in the last backward
        pass, None where none did (no backward yet, or an input that needs none). A tensor
        used by two ops gets two, and its gradient is their sum. Read from the engine
        (``engine.input_gradients``); an op whose backward cannot run twice (a custom op
        that frees what it saved) gives its inputs' whole gradients instead."""
        if self._wire_grads is None:
            per_op: dict[int, tuple] = {}
            for op in self.ops:
                if op.grad is None:
                    continue
                try:
                    # (The same arithmetic as the backward pass, which has said any
                    # floating-point trouble already: not warned about twice.)
                    with np.errstate(all="ignore"):
                        node = op.node
                        sent = node.shares() if isinstance(node, SumChain) else None
                        per_op[id(op)] = sent if sent is not None else input_gradients(node)
                except Exception:  # a drawing must not fail on a custom op
                    per_op[id(op)] = ()
            self._wire_grads = []
            for (source, consumer), slot in zip(self.edges, self.slots):
                sent = per_op.get(id(consumer))
                if sent is None:
                    grad = None
                elif slot < len(sent):
                    grad = sent[slot]
                else:  # (the fallback)
                    grad = getattr(source, "grad", None)
                if grad is None and isinstance(source, LeafItem) and len(source.consumers) == 1:
                    # (A share too big for a freed graph to keep: one wire carries it all.)
                    grad = source.grad
                self._wire_grads.append(None if grad is None else np.asarray(grad.data))
        return self._wire_grads


def build_model(
    root: Any, max_nodes: int = 500, where: str = "draw_graph", merge_sums: int | None = None
) -> GraphModel:
    """Walk the graph from ``root`` in the order backward runs it (nearest the output first).

    At most ``max_nodes`` nodes (ops, leaves, numbers and the output) are kept; the rest is
    only counted. Raises AutogradError when backward() has freed the graph.
    ``merge_sums``: a flat chain of at least this many ``+``/``-`` terms
    (``x1 + x2 + ... + x300``) becomes one op, "sum of 300 terms" (see SumChain).
    """
    if not is_tensor(root):
        raise TypeError(f"{where}: expected a Tensor, got {type(root).__name__}")
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 2:
        raise ValueError(f"{where}: max_nodes must be an int >= 2, got {max_nodes!r}")
    model = GraphModel(root, max_nodes=max_nodes)
    if root.grad_fn is None:
        return model

    param_cls = _parameter_class()
    budget = max_nodes - 1  # the output node is always drawn
    ops: dict[int, OpItem | None] = {}  # id(node) -> item, None when over budget
    leaves: dict[int, LeafItem | None] = {}

    def visit_op(node: Any, tensor: Any) -> OpItem | None:
        nonlocal budget
        if budget <= 0:
            model.omitted_ops[op_label(node)] += 1
            return None
        budget -= 1
        item = OpItem(node, tensor, f"op{len(model.ops)}")
        model.ops.append(item)
        return item

    def visit_leaf(t: Any) -> LeafItem | None:
        nonlocal budget
        if budget <= 0:
            model.omitted_leaves += 1
            return None
        budget -= 1
        if param_cls is not None:
            kind = "param" if isinstance(t, param_cls) else "input"
        else:
            kind = "param"  # without nn, a leaf that requires grad is taken as a parameter
        if not getattr(t, "requires_grad", False):
            kind = "const"
        item = LeafItem(t, f"t{len(model.leaves)}", kind)
        model.leaves.append(item)
        return item

    order = topological_order([root.grad_fn], where=where, freed=True)
    chains, inside = sum_chains(order, root, merge_sums) if merge_sums else ({}, set())
    if id(root.grad_fn) in chains:
        ops[id(root.grad_fn)] = visit_op(chains[id(root.grad_fn)], root)
    else:
        ops[id(root.grad_fn)] = visit_op(root.grad_fn, root)
    # Every consumer comes before its producers in this order, so an op's item (or its
    # omission) is decided by the time the walk reaches it. After a plain backward() the
    # walk reads the skeleton it kept (autograd_lite.Function.release).
    for node in order:
        if id(node) in inside:  # (drawn as part of a merged sum)
            continue
        consumer = ops[id(node)]
        was_cut = False
        chain = chains.get(id(node))
        inputs = chain.inputs if chain is not None else graph_inputs(node)
        for slot, x in enumerate(inputs):  # as the node saw them
            x = alive(x)
            if chain is not None and slot in chain.absorbed:
                continue
            if is_tensor(x) and x.grad_fn is not None:
                if id(x.grad_fn) not in ops:
                    producer = chains.get(id(x.grad_fn), x.grad_fn)
                    ops[id(x.grad_fn)] = visit_op(producer, x)
                source = ops[id(x.grad_fn)]
            elif is_tensor(x):
                if id(x) not in leaves:
                    leaves[id(x)] = visit_leaf(x)
                source = leaves[id(x)]
                if source is not None and consumer is not None:
                    source.consumers.append(consumer)
            else:
                source = None
                if consumer is not None and budget > 0:
                    budget -= 1
                    source = NumberItem(x, f"n{len(model.numbers)}", consumer, slot)
                    model.numbers.append(source)
            if consumer is None:
                continue
            if source is None:
                was_cut = True
            else:
                model.edges.append((source, consumer))
                model.slots.append(slot)
        if was_cut:
            model.cut.append(consumer)
    model.root_op = ops[id(root.grad_fn)]
    _sort_forward(model)
    _separate_calls(model)
    for op in model.ops:
        for depth, name in enumerate(getattr(op.node, "scope", None) or (), start=1):
            kind = getattr(name, "kind", None)  # nn.Module names its scope with its type
            if kind:
                model.module_types[op.cluster[:depth]] = str(kind)
    return model


def module_title(model: GraphModel, path: tuple[str, ...]) -> str:
    """A module box's title: its type and its name, ``BatchNorm1d  bn1`` (the name alone for
    a plain ``name_scope``, the type alone for the model itself)."""
    name = clean_text(path[-1])
    kind = model.module_types.get(path)
    if not kind or name.split(" (call ")[0] == kind:  # the model itself: named by its type
        return name
    return f"{clean_text(kind)}  {name}"


def lone_ops(model: GraphModel) -> dict[int, tuple[str, ...]]:
    """id(op) -> its box, for each op that is all a module's box would hold (a ReLU, a
    Dropout, a Flatten): no other op, no module inside, no parameter. Such an op is drawn
    as one node titled like the box (``ReLU  1``), in its parent's box: a box around one
    node only adds a title for wires to cross."""
    count: dict[tuple[str, ...], int] = {}
    for op in model.ops:
        for depth in range(1, len(op.cluster) + 1):
            count[op.cluster[:depth]] = count.get(op.cluster[:depth], 0) + 1
    with_params = {id(c) for leaf in model.leaves if leaf.kind == "param" for c in leaf.consumers}
    return {
        id(op): op.cluster
        for op in model.ops
        if op.cluster in model.module_types and count[op.cluster] == 1 and id(op) not in with_params
    }


def lone_op_text(model: GraphModel, op: OpItem) -> list[str]:
    """A lone op's node (see lone_ops): its module's title, then the op when its name does
    not say it already (``Dropout  2`` over ``*``; ``ReLU  1`` alone)."""
    title = module_title(model, op.cluster)
    text = op_text(op.node)
    kind = model.module_types.get(op.cluster, "")
    same = text.replace("_", "").lower() == kind.replace("_", "").lower()
    return [title] if same else [title, text]


def parameter_path(leaf: LeafItem) -> str:
    """A parameter's module path, as ``named_parameters()`` of the model spells it
    (``0.weight``), wherever it is used: the deepest module that used it (an L2 term
    outside the model does not rename it), below the outermost one (the model), then its
    name (``register_parameter`` names it after its attribute)."""
    name = getattr(leaf.tensor, "name", None) or "parameter"
    if "." in name:  # already a path
        return clean_text(name)
    scopes = [c.scope for c in leaf.consumers]
    deepest = max(map(len, scopes), default=0)
    # (Used by two modules, a tied weight: the path they share.)
    scope = common_scope([s for s in scopes if len(s) == deepest])
    return clean_text(".".join([*scope[1:], name]))


def common_scope(scopes: list[tuple[str, ...]]) -> tuple[str, ...]:
    """The longest path that starts every one of ``scopes`` (() for none)."""
    if not scopes:
        return ()
    first = scopes[0]
    n = len(first)
    for s in scopes[1:]:
        n = min(n, len(s))
        while n and s[:n] != first[:n]:
            n -= 1
    return first[:n]


def call_share(model: GraphModel, leaf: LeafItem, ops: list[OpItem]) -> Any:
    """The part of ``leaf``'s gradient that came back from ``ops`` (one call of a module):
    the sum of the gradients on its wires into them; None if one is not known."""
    members = {id(op) for op in ops}
    shares = [
        g
        for (source, consumer), g in zip(model.edges, model.wire_grads())
        if source is leaf and id(consumer) in members
    ]
    if not shares or any(g is None for g in shares):
        return None
    return sum(shares[1:], shares[0])


def lost_to_backward(model: GraphModel) -> list[str]:
    """What a plain backward() freed that a drawing would show: the ops (by label) of a
    freed graph whose output or gradient shares were too big to keep
    (``autograd_lite.function.KEEP_AFTER_BACKWARD``). Empty for a whole graph."""
    lost = []
    for op in model.ops:
        kept = op.node.kept() if op.node.inputs is None else None
        if kept is None:
            continue
        inputs, grad, sent = kept
        dropped = any(
            g is None and getattr(x, "requires_grad", False) and x.data.size > KEEP_AFTER_BACKWARD
            for x, g in zip(inputs, sent)
        )
        if (grad is None and np.size(op.tensor.data) > KEEP_AFTER_BACKWARD) or dropped:
            lost.append(op.label)
    return lost


class SumChain:
    """A flat chain of ``+`` and ``-`` (``x1 + x2 - x3 + ...``, left to right), drawn as one
    op: "sum of n terms", with the terms' names. ``inputs`` are the terms; a leaf used by
    nothing else is absorbed into the node (``absorbed``: their slots) instead of getting a
    node and a wire of its own. Each term's gradient is what its op sent back."""

    label = "sum"
    options: Mapping[str, Any] = MappingProxyType({})

    def __init__(self, top: Any, terms: list[tuple[Any, Any, int, str]]) -> None:
        self.top = top
        self.terms = terms  # (term, the op it fed, its slot there, "+" or "-")
        self.inputs = tuple(t for t, _, _, _ in terms)
        self.scope = getattr(top, "scope", ())
        self._sequence_nr = getattr(top, "_sequence_nr", 0)
        self.absorbed: set[int] = set()

    @property
    def grad(self) -> Any:
        grad = getattr(self.top, "grad", None)
        kept = self.top.kept() if self.top.inputs is None else None
        return kept[1] if grad is None and kept is not None else grad

    def kept(self) -> None:
        return None

    def shares(self) -> tuple:
        """The gradient each term received (as engine.input_gradients gives it)."""
        sent: dict[int, tuple] = {}
        for _, op, _, _ in self.terms:
            if id(op) not in sent:
                sent[id(op)] = input_gradients(op)
        return tuple(sent[id(op)][slot] for _, op, slot, _ in self.terms)

    def text(self) -> str:
        """``sum of 300 terms``, then the terms: ``x1 + x2 + … + x300``."""
        names = [
            (sign, getattr(t, "name", None) or ("…" if is_tensor(t) else format_number(t)))
            for t, _, _, sign in self.terms
        ]
        shown = names if len(names) <= 4 else [*names[:2], ("+", "…"), names[-1]]
        formula = " ".join(f"{sign} {name}" for sign, name in shown).removeprefix("+ ")
        return f"sum of {len(self.terms)} terms\n{clean_text(formula)}"


def sum_chains(order: list, root: Any, min_terms: int) -> tuple[dict[int, SumChain], set[int]]:
    """The flat ``+``/``-`` chains of at least ``min_terms`` terms among the nodes
    ``order`` (consumers first): id(top node) -> its SumChain, and the ids of the other
    nodes of each chain. A link continues a chain when its output is unnamed and used
    once, as the left operand of the next link."""
    uses: dict[int, list[tuple[Any, int, Any]]] = {}  # id(producer or leaf) -> users
    for node in order:
        for slot, x in enumerate(graph_inputs(node)):
            if is_tensor(x):
                key = id(x.grad_fn) if x.grad_fn is not None else id(x)
                uses.setdefault(key, []).append((node, slot, x))

    def link(node: Any) -> bool:
        return type(node).__name__ in ("Add", "Sub")

    def continues(node: Any) -> bool:
        users = uses.get(id(node), [])
        if len(users) != 1:
            return False
        user, slot, tensor = users[0]
        return link(user) and slot == 0 and not getattr(tensor, "name", None)

    chains: dict[int, SumChain] = {}
    inside: set[int] = set()
    for top in order:
        if not link(top) or continues(top):
            continue
        spine = [top]
        while True:
            left = graph_inputs(spine[-1])[0]
            below = getattr(left, "grad_fn", None)
            if below is None or not link(below) or not continues(below):
                break
            spine.append(below)
        spine.reverse()  # bottom first: the terms in the order they were written
        bottom_inputs = graph_inputs(spine[0])
        terms = [(bottom_inputs[0], spine[0], 0, "+")]
        for op in spine:
            sign = "-" if type(op).__name__ == "Sub" else "+"
            terms.append((graph_inputs(op)[1], op, 1, sign))
        if len(terms) < min_terms:
            continue
        chain = SumChain(top, terms)
        for k, (term, _, _, _) in enumerate(terms):
            own = is_tensor(term) and term.grad_fn is None and len(uses.get(id(term), [])) == 1
            if own or not is_tensor(term):
                chain.absorbed.add(k)
        chains[id(top)] = chain
        inside.update(id(op) for op in spine[:-1])
    return chains, inside


def alive(x: Any) -> Any:
    """The tensor a freed graph's stand-in (FreedTensor) stands for, while it is still
    alive and unchanged (so its values can be drawn); else ``x`` itself."""
    if type(x) is FreedTensor:
        t = x.tensor()
        if t is not None and t._node is x._node:
            return t
    return x


def inputs_of(model: GraphModel) -> dict[int, list[Any]]:
    """id(op) -> the drawn items feeding it, in argument order."""
    sources: dict[int, list[Any]] = {}
    for source, consumer in model.edges:
        sources.setdefault(id(consumer), []).append(source)
    return sources


def _sort_forward(model: GraphModel) -> None:
    """Order items as the forward pass met them (inputs first, in argument order).

    Graphviz places nodes of one rank in the order they are declared, so this puts
    ``x`` above ``y`` in ``(x + y) * z``. An iterative depth-first post-order.
    """
    sources = inputs_of(model)
    position: dict[int, int] = {}
    stack: list[tuple[Any, bool]] = [(model.root_op, False)]
    while stack:
        item, expanded = stack.pop()
        if expanded:
            position.setdefault(id(item), len(position))
            continue
        if id(item) in position:
            continue
        stack.append((item, True))
        for source in reversed(sources.get(id(item), [])):
            if id(source) not in position:
                stack.append((source, False))
    last = len(position)
    for items in (model.ops, model.leaves, model.numbers):
        items.sort(key=lambda it: position.get(id(it), last))


def _separate_calls(model: GraphModel) -> None:
    """Give each call of a module its own box: set every op's ``cluster``.

    A module called several times (an RNN cell at every time step, a block shared by two
    branches) records all its calls under one scope; drawn as one box, the calls would be
    pulled together and their wires would cross the picture. So, level by level down the
    module path, the ops under one path are split into calls: groups joined by a wire
    between two of them or by a shared input that is not a parameter (the branches of one
    call read the same input; two calls share only the weights). The first call keeps the
    module's name, the k-th is named "name (call k)".
    """
    for op in model.ops:
        op.cluster = op.scope
    deepest = max((len(op.scope) for op in model.ops), default=0)
    sources = inputs_of(model)
    for depth in range(1, deepest + 1):
        groups: dict[tuple[str, ...], list[OpItem]] = {}
        for op in model.ops:
            if len(op.cluster) >= depth:
                groups.setdefault(op.cluster[:depth], []).append(op)
        for path, members in groups.items():
            # Calls numbered in the order they ran (node creation), not the drawing order.
            calls = sorted(_connected(members, sources), key=_first_created)
            for k, call in enumerate(calls[1:], start=2):
                renamed = (*path[:-1], f"{path[-1]} (call {k})")
                for op in call:
                    op.cluster = renamed + op.cluster[depth:]


def _first_created(call: list[OpItem]) -> int:
    return min(getattr(op.node, "_sequence_nr", 0) for op in call)


def _connected(members: list[OpItem], sources: dict[int, list[Any]]) -> list[list[OpItem]]:
    """``members`` (in forward order) grouped by wires among them and by shared inputs
    other than parameters; groups in the order of their first op."""
    parent = {id(op): id(op) for op in members}

    def find(key: int) -> int:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    shared: dict[int, int] = {}  # id(input item) -> id(first member reading it)
    for op in members:
        for source in sources.get(id(op), []):
            if isinstance(source, OpItem) and id(source) in parent:
                parent[find(id(op))] = find(id(source))
            elif not isinstance(source, NumberItem) and getattr(source, "kind", "") != "param":
                first = shared.setdefault(id(source), id(op))
                parent[find(id(op))] = find(first)
    calls: dict[int, list[OpItem]] = {}
    for op in members:
        calls.setdefault(find(id(op)), []).append(op)
    return list(calls.values())
