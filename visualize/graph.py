"""Draw the computational graph behind a tensor, with values and gradients on the wires.

The picture follows the cs231n backprop figures:

* **op nodes** (ellipses) show the operation: ``+``, ``*``, ``matmul``, ``relu`` ...
* **tensor nodes** (boxes) are the graph's leaves and its output. They show the tensor's
  name (if any), shape and dtype. Parameters (``nn.Parameter``), inputs that require grad
  and data (no grad) are coloured apart; a Python number such as the 2 in ``x * 2`` is
  plain text. A leaf used at places far apart is drawn once beside each use.
* every **wire** (edge) carries the tensor flowing along it: its forward value in green
  above the wire, and, once ``backward`` has run, its gradient in red at the arrow head.
  A tensor used twice has two wires, both showing the same value and the *total* gradient.
* ops recorded inside ``autograd_lite.name_scope`` (which ``nn.Module`` uses) are grouped
  in labelled clusters, one per module; ``collapse_modules=True`` draws each module as a
  single node instead.

Values are printed in full for scalars and small arrays; larger arrays are summarized by
shape, mean, min and max.

All user text (tensor names, module names) is escaped before it reaches DOT, and the DOT
itself is assembled by the ``graphviz`` package, which quotes every attribute. So a name
like ``"]; evil [label=<b>x</b>`` is drawn as those characters and nothing else.
"""

from __future__ import annotations

import os
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from autograd_lite.errors import fmt_shape, freed_graph_error
from visualize.render import render, render_svg, write_atomic

if TYPE_CHECKING:
    import graphviz

VALUE_COLOR = "darkgreen"
GRAD_COLOR = "red"
HIGHLIGHT_COLOR = "darkorange"
FONT = "Helvetica,Arial,sans-serif"

# Arrays with at most this many elements are printed in full; larger ones are summarized.
SMALL_ARRAY = 6
# A leaf whose users lie more than this many ranks apart is drawn once beside each user.
MAX_LEAF_SPREAD = 3
# User text longer than this is cut, so one long name cannot swamp the picture.
MAX_TEXT = 48

_NODE_STYLE = {
    "input": {"shape": "box", "style": "rounded,filled", "fillcolor": "#dbeafe"},
    "param": {"shape": "box", "style": "filled,bold", "fillcolor": "#fde68a"},
    "const": {"shape": "box", "style": "rounded,dashed,filled", "fillcolor": "#f3f4f6"},
    "number": {"shape": "plain", "fontcolor": "#374151"},
    "op": {"shape": "ellipse", "style": "filled", "fillcolor": "#e5e7eb"},
    "output": {
        "shape": "box",
        "style": "rounded,filled",
        "fillcolor": "#dcfce7",
        "peripheries": "2",
    },
    "module": {"shape": "component", "style": "filled", "fillcolor": "#ede9fe"},
    "note": {"shape": "note", "style": "filled", "fillcolor": "#fee2e2"},
}


# ---------------------------------------------------------------------------------------
# Text: formatting numbers and escaping user text for DOT
# ---------------------------------------------------------------------------------------


def clean_text(text: Any, limit: int = MAX_TEXT) -> str:
    """User text as one printable line: control characters become spaces, long text is cut."""
    text = "".join(ch if ch.isprintable() else " " for ch in str(text))
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def dot_label(*lines: str) -> str:
    """Lines of plain text -> one DOT label string with every special character neutralized.

    Backslashes are doubled (so ``\\N`` or ``\\l`` in a name stay text), ``&`` becomes
    ``&amp;`` (Graphviz reads entities such as ``&lt;`` in every label), lines are joined
    with DOT's own ``\\n`` line break, and the result is marked "not HTML" so that a name
    like ``<b>x</b>`` is not read as an HTML-like label. Quotes are escaped by the
    ``graphviz`` package when it writes the attribute.
    """
    import graphviz  # imported on first use: `import visualize` stays light

    escaped = [
        graphviz.escape(clean_text(line, limit=10 * MAX_TEXT).replace("&", "&amp;"))
        for line in lines
    ]
    return graphviz.nohtml("\\n".join(escaped))


def format_number(x: Any) -> str:
    """One number, short: 4 significant digits for floats (``-12``, ``0.1235``, ``1e-05``)."""
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    x = float(x)
    return f"{x + 0.0:.4g}"  # + 0.0 turns -0.0 into 0.0: "-0" only puzzles a learner


def format_array(value: Any, show_shape: bool = True) -> list[str]:
    """A value as lines of text: in full when small, else ``shape``, ``mean``, ``min``, ``max``.

    ``value`` is a Tensor, an ndarray or a number. Scalars print as one number.
    """
    a = _as_array(value)
    if a.size == 1:
        return [format_number(a.reshape(()).item())]
    if a.size <= SMALL_ARRAY and a.ndim <= 2:
        text = np.array2string(a, separator=", ", formatter={"float_kind": format_number})
        lines = [line.strip() for line in text.splitlines()]
        return [f"shape {fmt_shape(a.shape)}", *lines] if show_shape else lines
    if a.size == 0:
        return [f"shape {fmt_shape(a.shape)} (empty)"]
    af = a.astype(np.float64)
    with np.errstate(all="ignore"):
        stats = f"mean {format_number(af.mean())}"
        stats += f"  min {format_number(af.min())}  max {format_number(af.max())}"
    return [f"shape {fmt_shape(a.shape)}", stats]


def _as_array(value: Any) -> np.ndarray:
    if _is_tensor(value):
        value = value.data
    return np.asarray(value)


# ---------------------------------------------------------------------------------------
# Walking the graph
# ---------------------------------------------------------------------------------------


def _is_tensor(x: Any) -> bool:
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


@dataclass(eq=False)
class OpItem:
    """One recorded op (a ``Function`` node) and the tensor it produced."""

    node: Any
    tensor: Any
    key: str

    @property
    def label(self) -> str:
        return op_label(self.node)

    @property
    def scope(self) -> tuple[str, ...]:
        return tuple(str(s) for s in (getattr(self.node, "scope", None) or ()))

    @property
    def grad(self) -> Any:
        # The node keeps its output's gradient after backward(retain_graph=True); a tensor
        # that called retain_grad() keeps it too.
        grad = getattr(self.node, "grad", None)
        return grad if grad is not None else getattr(self.tensor, "grad", None)


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


@dataclass(eq=False)
class NumberItem:
    """A constant input of an op that is not a Tensor: the 2.0 in ``x * 2.0``, or an array."""

    value: Any
    key: str
    consumer: OpItem


@dataclass
class GraphModel:
    """The part of the graph that will be drawn, plus a count of what was left out.

    ``edges`` are (source item, consuming op) pairs, one per input slot of each op.
    ``cut`` holds ops that have inputs beyond the drawing budget.
    """

    root: Any
    ops: list[OpItem] = field(default_factory=list)
    leaves: list[LeafItem] = field(default_factory=list)
    numbers: list[NumberItem] = field(default_factory=list)
    edges: list[tuple[Any, OpItem]] = field(default_factory=list)
    cut: list[OpItem] = field(default_factory=list)
    omitted_ops: Counter = field(default_factory=Counter)
    omitted_leaves: int = 0
    root_op: OpItem | None = None
    max_nodes: int = 500

    @property
    def truncated(self) -> bool:
        return bool(self.omitted_ops) or self.omitted_leaves > 0


def build_model(root: Any, max_nodes: int = 500, where: str = "draw_graph") -> GraphModel:
    """Walk the graph from ``root`` breadth first (nearest the output first).

    At most ``max_nodes`` nodes (ops, leaves, numbers and the output) are kept; the rest is
    only counted. Raises AutogradError when backward() has freed the graph.
    """
    if not _is_tensor(root):
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

    ops[id(root.grad_fn)] = visit_op(root.grad_fn, root)
    queue: deque[Any] = deque([root.grad_fn])
    # An iterative walk: a chain of a million ops must not hit the recursion limit.
    while queue:
        node = queue.popleft()
        inputs = node.inputs
        if inputs is None:
            raise freed_graph_error(op_label(node), where)
        consumer = ops[id(node)]
        was_cut = False
        for x in inputs:
            if _is_tensor(x) and x.grad_fn is not None:
                if id(x.grad_fn) not in ops:
                    ops[id(x.grad_fn)] = visit_op(x.grad_fn, x)
                    queue.append(x.grad_fn)
                source = ops[id(x.grad_fn)]
            elif _is_tensor(x):
                if id(x) not in leaves:
                    leaves[id(x)] = visit_leaf(x)
                source = leaves[id(x)]
                if source is not None and consumer is not None:
                    source.consumers.append(consumer)
            else:
                source = None
                if consumer is not None and budget > 0:
                    budget -= 1
                    source = NumberItem(x, f"n{len(model.numbers)}", consumer)
                    model.numbers.append(source)
            if consumer is None:
                continue
            if source is None:
                was_cut = True
            else:
                model.edges.append((source, consumer))
        if was_cut:
            model.cut.append(consumer)
    model.root_op = ops[id(root.grad_fn)]
    _sort_forward(model)
    return model


def _inputs_of(model: GraphModel) -> dict[int, list[Any]]:
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
    sources = _inputs_of(model)
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


# ---------------------------------------------------------------------------------------
# Model -> DOT
# ---------------------------------------------------------------------------------------


@dataclass
class DrawOptions:
    """What to write on the picture (the keyword arguments of :func:`draw_graph`)."""

    show_values: bool = True
    show_grads: bool = True
    show_shapes: bool = True
    rankdir: str = "LR"
    collapse_modules: bool = False
    title: str | None = None


@dataclass
class Frame:
    """Which gradients a step-through frame shows: ``known`` tensors (by id) get their
    gradient drawn, ``new`` ones and the op ``active`` are highlighted."""

    known: set[int]
    new: set[int]
    active: OpItem | None


def _tensor_title(t: Any, default: str) -> str:
    name = getattr(t, "name", None)
    return clean_text(name) if name else default


def _tensor_lines(t: Any, default: str, opts: DrawOptions) -> list[str]:
    lines = [_tensor_title(t, default)]
    if opts.show_shapes:
        lines.append(f"{fmt_shape(t.shape)} {np.dtype(t.dtype).name}")
    return lines


def _wire_attrs(
    tensor: Any, grad: Any, opts: DrawOptions, frame: Frame | None, intermediate: bool
) -> dict[str, str]:
    """Edge attributes: value (green label) and gradient (red head label) of one tensor."""
    attrs: dict[str, str] = {}
    if opts.show_values:
        lines = format_array(tensor, show_shape=opts.show_shapes)
        name = getattr(tensor, "name", None)
        if intermediate and name:  # leaves and the output show their name on their node
            lines[0] = f"{clean_text(name)} = {lines[0]}"
        attrs["label"] = dot_label(*lines)
        attrs["fontcolor"] = VALUE_COLOR
    shows_grad = frame is None or id(tensor) in frame.known
    if opts.show_grads and grad is not None and shows_grad:
        lines = format_array(grad, show_shape=False)
        attrs["headlabel"] = dot_label(*lines)
        attrs["labelfontcolor"] = GRAD_COLOR
        # Below the wire, before the arrow head (the angle is measured at the head). The
        # distance (in units of 10 points) grows with the text, so wide labels clear the node.
        width = max(len(line) for line in lines)
        attrs["labeldistance"] = f"{max(2.5, 0.3 * width + 1):.1f}"
        attrs["labelangle"] = "25"
    if frame is not None and id(tensor) in frame.new:
        attrs["color"] = HIGHLIGHT_COLOR
        attrs["penwidth"] = "3"
    return attrs


class _Scopes:
    """Nested clusters: one per module path, filled with node statements, emitted at the end."""

    def __init__(self) -> None:
        self.children: dict[tuple[str, ...], list[tuple[str, ...]]] = {(): []}
        self.nodes: dict[tuple[str, ...], list[tuple[str, dict[str, str]]]] = {(): []}

    def add(self, scope: tuple[str, ...], key: str, attrs: dict[str, str]) -> None:
        for depth in range(1, len(scope) + 1):
            path = scope[:depth]
            if path not in self.nodes:
                self.nodes[path] = []
                self.children[path] = []
                self.children[path[:-1]].append(path)
        self.nodes[scope].append((key, attrs))

    def emit(self, graph: graphviz.Digraph) -> None:
        counter = 0

        def fill(g: graphviz.Digraph, path: tuple[str, ...]) -> None:
            nonlocal counter
            for key, attrs in self.nodes[path]:
                g.node(key, **attrs)
            for child in self.children[path]:
                counter += 1
                with g.subgraph(name=f"cluster_{counter}") as sub:
                    sub.attr(
                        label=dot_label(clean_text(child[-1])),
                        tooltip=dot_label(clean_text(".".join(child), limit=4 * MAX_TEXT)),
                        style="rounded,dashed",
                        color="#6b7280",
                        fontcolor="#374151",
                    )
                    fill(sub, child)

        fill(graph, ())


def _op_ranks(model: GraphModel) -> dict[int, int]:
    """Each drawn op's depth: 1 + the deepest op among its inputs (ops fed by leaves only: 1).

    ``model.ops`` is in forward order, so every op's inputs are ranked before it.
    """
    sources = _inputs_of(model)
    rank: dict[int, int] = {}
    for op in model.ops:
        rank[id(op)] = 1 + max(
            (rank.get(id(s), 0) for s in sources.get(id(op), []) if isinstance(s, OpItem)),
            default=0,
        )
    return rank


def _common_scope(scopes: list[tuple[str, ...]]) -> tuple[str, ...]:
    if not scopes:
        return ()
    first = scopes[0]
    n = len(first)
    for s in scopes[1:]:
        n = min(n, len(s))
        while n and s[:n] != first[:n]:
            n -= 1
    return first[:n]


def to_dot(model: GraphModel, opts: DrawOptions, frame: Frame | None = None) -> graphviz.Digraph:
    """Describe ``model`` in DOT (a ``graphviz.Digraph``), as the module docstring explains."""
    return _DotWriter(model, opts, frame).write()


class _DotWriter:
    """Turns a GraphModel into DOT: nodes (inside their module clusters), then wires."""

    def __init__(self, model: GraphModel, opts: DrawOptions, frame: Frame | None) -> None:
        import graphviz

        self.model, self.opts, self.frame = model, opts, frame
        self.g = graphviz.Digraph(
            "autograd",
            graph_attr={
                "rankdir": opts.rankdir,
                "fontname": FONT,
                "ranksep": "0.7",
                "nodesep": "0.4",
            },
        )
        self.g.attr("node", fontname=FONT, fontsize="11")
        self.g.attr("edge", fontname=FONT, fontsize="10", arrowsize="0.7")
        if opts.title:
            self.g.attr(label=dot_label(opts.title), labelloc="t", fontsize="14")
        self.scopes = _Scopes()
        # collapse_modules: every op with a scope joins one node per module path.
        self.modules: dict[tuple[str, ...], list[OpItem]] = {}
        if opts.collapse_modules:
            for op in model.ops:
                if op.scope:
                    self.modules.setdefault(op.scope, []).append(op)
        self.module_key = {scope: f"m{i}" for i, scope in enumerate(self.modules)}
        self.module_of = {
            id(op): self.module_key[scope] for scope, ops in self.modules.items() for op in ops
        }
        # Parameters used only inside one collapsed module are listed on its node instead.
        self.folded: dict[str, list[LeafItem]] = {}
        self.hidden: set[int] = set()  # ids of items whose node and wires are not drawn
        self.copies: dict[tuple[int, str], str] = {}  # (id(leaf), user's key) -> copy's key

    def endpoint(self, item: Any) -> str:
        return self.module_of.get(id(item), item.key)

    def write(self) -> graphviz.Digraph:
        if self.model.root_op is None:
            self.lone_leaf()
        else:
            self.leaf_nodes()
            self.module_nodes()
            self.op_nodes()
            self.number_nodes()
            self.output_node()
            self.note_node()
        self.scopes.emit(self.g)
        if self.model.root_op is not None:
            self.wires()
        return self.g

    def lone_leaf(self) -> None:
        # No wire to write on, so the node says it all.
        root, opts = self.model.root, self.opts
        lines = _tensor_lines(root, "tensor", opts)
        if opts.show_values:
            lines += ["value", *format_array(root, show_shape=False)]
        if opts.show_grads and root.grad is not None:
            lines += ["grad", *format_array(root.grad, show_shape=False)]
        self.scopes.add((), "t0", {"label": dot_label(*lines), **_NODE_STYLE["input"]})

    def leaf_nodes(self) -> None:
        defaults = {"param": "parameter", "const": "data", "input": "input"}
        rank = _op_ranks(self.model)
        for leaf in self.model.leaves:
            home = {self.module_of.get(id(c)) for c in leaf.consumers}
            if leaf.kind == "param" and len(home) == 1 and None not in home:
                self.folded.setdefault(home.pop(), []).append(leaf)
                self.hidden.add(id(leaf))
                continue
            label = _tensor_lines(leaf.tensor, defaults[leaf.kind], self.opts)
            attrs = {"label": dot_label(*label), **_NODE_STYLE[leaf.kind]}
            ranks = [rank[id(c)] for c in leaf.consumers]
            if max(ranks) - min(ranks) > MAX_LEAF_SPREAD:
                # Users far apart: a copy of the leaf beside each user. One node with wires
                # across the whole picture would cost Graphviz minutes and the reader clarity.
                for consumer in leaf.consumers:
                    end = self.endpoint(consumer)
                    if (id(leaf), end) not in self.copies:
                        key = f"{leaf.key}_{len(self.copies)}"
                        self.copies[(id(leaf), end)] = key
                        scope = consumer.scope if leaf.kind == "param" else ()
                        self.scopes.add(scope, key, attrs)
                continue
            # Data and inputs stay outside; a parameter goes where all its users are.
            scope = ()
            if leaf.kind == "param":
                scope = _common_scope([c.scope for c in leaf.consumers])
            self.scopes.add(scope, leaf.key, attrs)

    def module_nodes(self) -> None:
        active = self.frame.active if self.frame is not None else None
        for scope, members in self.modules.items():
            key = self.module_key[scope]
            op_labels = list(dict.fromkeys(op.label for op in members))
            ops_line = ", ".join(op_labels[:4]) + (" …" if len(op_labels) > 4 else "")
            lines = [".".join(scope), ops_line]
            for leaf in self.folded.get(key, []):
                shape = f" {fmt_shape(leaf.tensor.shape)}" if self.opts.show_shapes else ""
                lines.append(f"{_tensor_title(leaf.tensor, 'parameter')}{shape}")
            attrs = {"label": dot_label(*lines), **_NODE_STYLE["module"]}
            if any(op is active for op in members):
                attrs.update(color=HIGHLIGHT_COLOR, penwidth="3")
            self.scopes.add(scope[:-1], key, attrs)

    def op_nodes(self) -> None:
        active = self.frame.active if self.frame is not None else None
        for op in self.model.ops:
            if id(op) in self.module_of:
                continue
            where = f" in {'.'.join(op.scope)}" if op.scope else ""
            attrs = {
                "label": dot_label(op.label),
                "tooltip": dot_label(type(op.node).__name__ + where),
                **_NODE_STYLE["op"],
            }
            if op is active:
                attrs.update(color=HIGHLIGHT_COLOR, penwidth="3", fillcolor="#fed7aa")
            self.scopes.add(op.scope, op.key, attrs)

    def number_nodes(self) -> None:
        for number in self.model.numbers:
            if id(number.consumer) in self.module_of:
                self.hidden.add(id(number))
                continue
            value = number.value
            if isinstance(value, (int, float, np.number, np.bool_, np.ndarray)):
                lines = format_array(value, show_shape=self.opts.show_shapes)
            else:
                lines = [clean_text(repr(value))]
            attrs = {"label": dot_label(*lines), **_NODE_STYLE["number"]}
            self.scopes.add(number.consumer.scope, number.key, attrs)

    def output_node(self) -> None:
        lines = _tensor_lines(self.model.root, "output", self.opts)
        self.scopes.add((), "out", {"label": dot_label(*lines), **_NODE_STYLE["output"]})

    def note_node(self) -> None:
        model = self.model
        if not model.truncated:
            return
        lines = [
            f"{sum(model.omitted_ops.values())} more ops and {model.omitted_leaves} more "
            f"leaf tensors not drawn (max_nodes={model.max_nodes})"
        ]
        if model.omitted_ops:
            left = ", ".join(f"{n} {label}" for label, n in model.omitted_ops.most_common(6))
            lines.append(f"ops left out: {left}" + (", …" if len(model.omitted_ops) > 6 else ""))
        self.scopes.add((), "omitted", {"label": dot_label(*lines), **_NODE_STYLE["note"]})

    def wires(self) -> None:
        """One wire per input slot (``x * x`` has two). With collapsed modules, wires inside a
        module vanish and parallel wires carrying one tensor into a module merge."""
        module_keys = set(self.module_key.values())
        merged: set[tuple[str, str, int]] = set()
        for source, consumer in self.model.edges:
            head = self.endpoint(consumer)
            tail = self.copies.get((id(source), head)) or self.endpoint(source)
            if tail == head or id(source) in self.hidden:
                continue
            if head in module_keys or tail in module_keys:
                if (tail, head, id(source)) in merged:
                    continue
                merged.add((tail, head, id(source)))
            if isinstance(source, NumberItem):
                self.g.edge(tail, head, style="dashed", color="#9ca3af")
            else:
                intermediate = isinstance(source, OpItem)
                attrs = _wire_attrs(source.tensor, source.grad, self.opts, self.frame, intermediate)
                self.g.edge(tail, head, **attrs)
        root_op = self.model.root_op
        attrs = _wire_attrs(self.model.root, root_op.grad, self.opts, self.frame, False)
        self.g.edge(self.endpoint(root_op), "out", **attrs)
        for op in self.model.cut:
            self.g.edge(
                "omitted", self.endpoint(op), style="dashed", color="#b91c1c", arrowhead="none"
            )


# ---------------------------------------------------------------------------------------
# The result object
# ---------------------------------------------------------------------------------------


class GraphView:
    """A drawn graph: ``.source`` (DOT text), ``.svg()``, ``.save(path)``; shows in Jupyter.

    ``renderer`` ("auto", "dot", "wasm" or None) picks who draws it; see visualize.render.
    """

    def __init__(self, source: str, renderer: str | None = None, model: GraphModel | None = None):
        self.source = source
        self.renderer = renderer
        self.model = model
        self._svg: dict[str | None, str] = {}

    def svg(self, renderer: str | None = None) -> str:
        """The picture as SVG text (rendered once per renderer, then cached)."""
        renderer = renderer if renderer is not None else self.renderer
        if renderer not in self._svg:
            self._svg[renderer] = render_svg(self.source, renderer)
        return self._svg[renderer]

    def save(self, path: str | os.PathLike, renderer: str | None = None) -> Path:
        """Write the picture to ``path``; the extension picks the format.

        ``.svg`` (works everywhere), ``.dot``/``.gv`` (the DOT text), ``.png``/``.pdf``
        (need the system Graphviz program ``dot``). The file is written atomically.
        """
        path = Path(path)
        ext = path.suffix.lower()
        if ext == ".svg":
            data: bytes | str = self.svg(renderer)
        elif ext in (".dot", ".gv"):
            data = self.source
        elif ext in (".png", ".pdf"):
            data = render(self.source, ext[1:], renderer if renderer is not None else self.renderer)
        else:
            raise ValueError(
                f"GraphView.save: cannot tell the format from {path.name!r}; "
                "use a name ending in .svg, .dot, .gv, .png or .pdf"
            )
        return write_atomic(path, data)

    def _repr_svg_(self) -> str:
        return self.svg()

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        return {"image/svg+xml": self.svg(), "text/plain": repr(self)}

    def __repr__(self) -> str:
        if self.model is None:
            return "GraphView()"
        m = self.model
        extra = ", truncated" if m.truncated else ""
        return f"GraphView(ops={len(m.ops)}, leaves={len(m.leaves)}{extra})"


def draw_graph(
    root: Any,
    show_values: bool = True,
    show_grads: bool = True,
    show_shapes: bool = True,
    rankdir: str = "LR",
    collapse_modules: bool = False,
    max_nodes: int = 500,
    renderer: str | None = None,
    title: str | None = None,
) -> GraphView:
    """Draw the graph that produced ``root`` (a Tensor); returns a :class:`GraphView`.

    Works before backward (values only) and after ``root.backward(retain_graph=True)``
    (values and gradients). After a plain ``backward()`` the graph is gone and this raises
    ``autograd_lite.AutogradError``.

    Args:
        root: the tensor whose history is drawn, usually the loss.
        show_values: write each wire's forward value (green).
        show_grads: write each wire's gradient (red), when known.
        show_shapes: write shapes and dtypes on tensor nodes.
        rankdir: layout direction, "LR" (left to right), "TB", "RL" or "BT".
        collapse_modules: draw each module (name scope) as one node.
        max_nodes: draw at most this many nodes; a note says what was left out.
        renderer: "auto", "dot" or "wasm" for ``.svg()`` and ``.save()``; None reads the
            environment variable AUTOGRAD_LITE_RENDERER.
        title: an optional caption drawn above the graph.
    """
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"draw_graph: rankdir must be 'LR', 'TB', 'RL' or 'BT', got {rankdir!r}")
    model = build_model(root, max_nodes, where="draw_graph")
    opts = DrawOptions(show_values, show_grads, show_shapes, rankdir, collapse_modules, title)
    return GraphView(to_dot(model, opts).source, renderer, model)
