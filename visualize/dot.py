"""A GraphModel -> DOT: nodes inside their module clusters, then one labelled wire per input.

Every text owns its space: a wire's value, tangent and gradient are one multi-line edge
``label`` (Graphviz reserves room for it in the layout), coloured line by line (see
visualize.paint). Long pictures are wrapped into rows (see visualize.layout). When tangents
are drawn, the title carries a legend naming the colours.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from autograd_lite.errors import fmt_shape
from autograd_lite.function import FreedTensor
from autograd_lite.inplace import Snapshot
from visualize.labels import (
    MAX_TEXT,
    clean_text,
    dot_label,
    format_array,
    format_brief,
    format_norm,
    summary_tip,
    titled,
)
from visualize.layout import equal_row_starts, row_of_rank
from visualize.model import (
    GraphModel,
    LeafItem,
    NumberItem,
    OpItem,
    call_share,
    common_scope,
    inputs_of,
    lone_op_text,
    lone_ops,
    module_title,
    op_text,
    operand_role,
    parameter_path,
)
from visualize.paint import (
    GRAD,
    HIGHLIGHT_COLOR,
    NEW_GRAD,
    PENDING,
    PLAIN,
    TANGENT,
    VALUE,
    Line,
    painted_label,
)
from visualize.quality import text_width_em

if TYPE_CHECKING:
    import graphviz

# One font name, not a list: Graphviz sizes text by it (the WebAssembly build has metrics
# for Arial/Helvetica, Times and Courier only, and reads a list as Times). Arial has the
# same widths as Helvetica and Liberation Sans; visualize.paint adds fallbacks in the SVG.
FONT = "Arial"
NODE_FONT_PT = 11
CLUSTER_FONT_PT = 14  # (Graphviz's default: module titles)
EDGE_FONT_PT = 10
# A leaf whose users lie more than this many ranks apart is drawn once beside each user.
MAX_LEAF_SPREAD = 3
# A wire's label is a small borderless node on the wire (the wire enters and leaves its
# box): Graphviz reserves its room, keeps other wires out of it, and it cannot be read as
# another wire's. Its margin (inches) is the gap between the text and any wire.
WIRE_LABEL_CLASS = "wirelabel"
WIRE_LABEL_STYLE = {
    "shape": "box",
    "style": "solid",
    "color": "none",
    "penwidth": "0",
    "width": "0",
    "height": "0",
    "fontsize": str(EDGE_FONT_PT),
}
# Room (inches) around a label's text: little where its own wire enters and leaves (so
# the wire reads as passing through it), more on the sides other wires pass by (so none
# runs nearer to it than its own). Its own wire comes in along the reading direction.
# Along (LR), at least LABEL_MARGIN_PT (visualize.quality's, 4 pt) and a point: another wire
# may graze the box's end (measured in 1 of 40 random LR pictures at 0.05 in). TB keeps 0.05
# (no such graze measured; more would make tall pictures taller on a slide).
LABEL_PAD_ALONG, LABEL_PAD_ACROSS = 0.07, 0.09
LABEL_PAD_ALONG_TB = 0.05

# Module boxes darken with depth (outermost first).
MODULE_TINTS = ("#f5f7fa", "#e9edf3", "#dde3eb", "#d1d9e3")

NODE_STYLE = {
    "input": {"shape": "box", "style": "rounded,filled", "fillcolor": "#dbeafe"},
    "param": {"shape": "box", "style": "filled,bold", "fillcolor": "#fde68a"},
    "const": {"shape": "box", "style": "rounded,dashed,filled", "fillcolor": "#f3f4f6"},
    "number": {"shape": "plain", "fontcolor": "#374151"},
    "op": {"shape": "ellipse", "style": "filled", "fillcolor": "white"},
    "output": {
        "shape": "box",
        "style": "rounded,filled",
        "fillcolor": "#dcfce7",
        "peripheries": "2",
    },
    "module": {"shape": "component", "style": "filled", "fillcolor": "#ede9fe"},
    "note": {"shape": "note", "style": "filled", "fillcolor": "#fee2e2"},
}


@dataclass
class DrawOptions:
    """What to write on the picture and how to shape it (see :func:`draw_graph`)."""

    show_values: bool = True
    show_grads: bool = True
    show_shapes: bool = True
    rankdir: str = "LR"
    collapse_modules: bool = False
    title: str | None = None
    size: str | None = None
    ratio: str | None = None
    max_aspect: float | str | None = None  # "slide": visualize.fit sets ``rows`` by it
    rows: int = 1  # cut the ops into this many rows (LR) or columns (TB)
    # The row of each op's node, (key, row) pairs: visualize.fit cuts a first drawing into
    # rows of about equal measured length. (): the ranks cut into ``rows`` runs of equal count.
    row_of: tuple[tuple[str, int], ...] = ()
    spacing: float = 1.0  # room between nodes and between ranks, times the usual
    titles_below: bool = False  # module titles at the bottom of their boxes (draw_graph may
    # choose it when a wire crosses a title at the top)
    show_tangents: bool = True  # forward mode: each wire's tangent, when it has one
    collapsed: tuple[str, ...] = ()  # modules visualize.fit collapsed to fit a slide


@dataclass
class Frame:
    """Which gradients a step-through frame shows. A wire's gradient once the op it feeds
    has run its backward (``ran``: ids of those ops; the output's seed from the start); a
    tensor's whole gradient (a collapsed module's parameters) once it is complete
    (``known``, tensor ids). The op ``active`` (None: no op) that just ran, and what it
    sent or completed (``new`` tensors), are drawn in orange."""

    known: set[int]
    new: set[int]
    active: OpItem | None = None
    ran: set[int] = field(default_factory=set)


def tensor_title(t: Any, default: str) -> str:
    """The tensor's name (made safe), else ``default``."""
    name = getattr(t, "name", None)
    return clean_text(name) if name else default


def tensor_detail(t: Any) -> str | None:
    """Shape (unless a scalar) and dtype (unless the default one): ``"(16, 2)"``,
    ``"(16,) int64"``, ``"float64"``; None when there is nothing to say."""
    import autograd_lite

    parts = [fmt_shape(t.shape)] if np.ndim(t.data) > 0 else []
    dtype = np.dtype(t.dtype)
    if dtype != np.dtype(autograd_lite.get_default_dtype()):
        parts.append(dtype.name)
    return " ".join(parts) or None


def _wire_kind(consumers: list[OpItem], frame: Frame | None) -> str:
    """How a wire's gradient is drawn in ``frame``: known once every op it feeds (one, or
    several for a merged wire) has run its backward; new when the last of them just ran.
    (The output's wire feeds no op: its seed is known from step 0, new at step 0.)"""
    if frame is None:
        return GRAD
    if not all(id(c) in frame.ran for c in consumers):
        return PENDING
    just_ran = any(c is frame.active for c in consumers)
    seed = not consumers and frame.active is None
    return NEW_GRAD if just_ran or seed else GRAD


def _grad_kind(tensor: Any, frame: Frame | None) -> str:
    """How ``tensor``'s gradient is drawn in ``frame``: GRAD, NEW_GRAD, or PENDING (a grey
    blank) while it is not known yet. (Pending lines are laid out with their final text:
    every frame of a step-through then has the same layout, and nothing jumps from one
    step to the next.)"""
    if frame is None:
        return GRAD
    if id(tensor) not in frame.known:
        return PENDING
    return NEW_GRAD if id(tensor) in frame.new else GRAD


def wire_lines(
    tensor: Any,
    grad: Any,
    opts: DrawOptions,
    grad_kind: str,
    intermediate: bool,
    tangent: Any = None,
) -> list[Line]:
    """A wire's label: its value (green lines), its tangent (blue, forward mode), then the
    gradient that went back along it, drawn as ``grad_kind`` (red; in a step-through frame
    orange when new, a grey blank while not known)."""
    lines: list[Line] = []
    if opts.show_values:
        if isinstance(tensor, FreedTensor):  # overwritten in place, or freed by backward()
            shape = [f"shape {fmt_shape(tensor.shape)}"] if opts.show_shapes and tensor.ndim else []
            gone = "changed in place" if isinstance(tensor, Snapshot) else "freed by backward()"
            value = [*shape, gone]
        else:
            value = format_brief(tensor, show_shape=opts.show_shapes)
        name = getattr(tensor, "name", None)
        if intermediate and name:  # leaves and the output show their name on their node
            value[0] = f"{clean_text(name)} = {value[0]}"
        lines += [(text, VALUE) for text in value]
    # The shape is the value's; a tangent or gradient repeats it only without the value.
    show_shape = opts.show_shapes and not opts.show_values
    if opts.show_tangents and tangent is not None:
        lines += [(text, TANGENT) for text in format_brief(tangent, show_shape=show_shape)]
    if opts.show_grads and grad is not None:
        lines += [
            (text, grad_kind) for text in format_brief(grad, show_shape=show_shape, stat="norm")
        ]
    return lines


def wire_tip(tensor: Any, grad: Any, opts: DrawOptions, tangent: Any = None) -> str | None:
    """The full summary (shape, mean, min, max) of what a wire's short label abbreviates,
    for its tooltip (hover in a browser); None when the label says it all."""
    parts = []
    if opts.show_values and not isinstance(tensor, FreedTensor):
        parts.append(("value", tensor))
    if opts.show_tangents and tangent is not None:
        parts.append(("tangent", tangent))
    if opts.show_grads and grad is not None:
        parts.append(("grad", grad))
    return summary_tip(parts)


def with_role(lines: list[Line], role: str | None) -> list[Line]:
    """A wire's (or number's) lines, the first one saying which operand it is: ``b: 3``."""
    if role is None:
        return lines
    if not lines:
        return [(role, PLAIN)]
    (text, kind), *rest = lines
    return [(f"{role}: {text}", kind), *rest]


@dataclass(frozen=True)
class _Row:
    """The outermost cluster of a wrapped picture's row (invisible: it only keeps the row
    together, so Graphviz can stack the rows in order)."""

    index: int


class _Scopes:
    """Nested clusters: one per module path (inside one per row when the picture is
    wrapped), filled with node statements, emitted at the end."""

    def __init__(
        self,
        reverse_rows: bool,
        title: Any = None,
        bare: Any = (),
        pad_titles: bool = False,
        **cluster_attrs: str,
    ) -> None:
        self.reverse_rows = reverse_rows
        self.pad_titles = pad_titles  # (see title_label)
        self.bare = set(bare)  # module paths drawn without a box
        self.title = title or (lambda path: clean_text(path[-1]))  # a module path's title
        self.cluster_attrs = cluster_attrs
        self.title_end: dict[tuple, str] = {}  # module path -> its labelloc ("t" or "b")
        self.children: dict[tuple, list[tuple]] = {(): []}
        self.nodes: dict[tuple, list[tuple[str, dict[str, str]]]] = {(): []}

    def add(self, scope: tuple, key: str, attrs: dict[str, str]) -> None:
        for depth in range(1, len(scope) + 1):
            path = scope[:depth]
            if path not in self.nodes:
                self.nodes[path] = []
                self.children[path] = []
                self.children[path[:-1]].append(path)
        self.nodes[scope].append((key, attrs))

    def emit(self, graph: graphviz.Digraph) -> None:
        counter = 0

        def fill(g: graphviz.Digraph, path: tuple) -> None:
            nonlocal counter
            for key, attrs in self.nodes[path]:
                g.node(key, **attrs)
            children = self.children[path]
            if path == () and children and isinstance(children[0][0], _Row):
                # Rows in their order (nodes are placed as met, not row by row).
                children = sorted(children, key=lambda row: row[0].index)
            if path == () and self.reverse_rows:
                children = children[::-1]
            for child in children:
                counter += 1
                with g.subgraph(name=f"cluster_{counter}") as sub:
                    modules = [p for p in child if not isinstance(p, _Row)]
                    if isinstance(child[-1], _Row):
                        sub.attr(label="", peripheries="0", margin="0")
                    elif tuple(modules) in self.bare:  # (a lone op's: titled on its node)
                        sub.attr(label="", peripheries="0")
                    else:
                        # A tinted box without an outline: Graphviz draws a module's box
                        # around its nodes only, so a wire's label may stick out of it,
                        # and a line through the label would cut it.
                        tint = MODULE_TINTS[min(len(modules), len(MODULE_TINTS)) - 1]
                        title = self.title(tuple(modules))
                        sub.attr(
                            label=title_label(title, self.pad_titles),
                            tooltip=dot_label(clean_text(".".join(modules), limit=4 * MAX_TEXT)),
                            style="rounded,filled",
                            peripheries="1",  # (a row's cluster around it has none)
                            color=tint,
                            fillcolor=tint,
                            fontcolor="#374151",
                            **self.cluster_attrs,
                        )
                        if self.title_end:  # (each box its own: a box inherits its parent's)
                            sub.attr(labelloc=self.title_end.get(tuple(modules), "t"))
                    fill(sub, child)

        fill(graph, ())


# The room (points) to keep between a module's title and a wire entering its box beside it.
TITLE_ROOM_PT = 24.0


def title_label(title: str, pad: bool) -> str:
    """A module box's title as a DOT label. ``pad`` (top-to-bottom pictures, titles at the
    top right): led by spaces as wide as the title and TITLE_ROOM_PT, so the box is at least
    twice as wide as its title. The wire that enters the box from above, at its first
    node's middle, then passes left of the title, not through it (a box only as wide as its
    title has no room beside such a wire). visualize.layout.place_titles drops the spaces
    from the SVG. (The one way a TB box is kept wide for its title: widening the wires'
    labels inside it too made TB pictures larger and their labels up to a third smaller on a
    slide, with no title crossed fewer on the corpus.)"""
    if not pad:
        return dot_label(title)
    room = text_width_em(title) * CLUSTER_FONT_PT + TITLE_ROOM_PT
    return dot_label(" " * math.ceil(room / (text_width_em(" ") * CLUSTER_FONT_PT)) + title)


@dataclass
class _Module:
    """A collapsed module: its ops, and the parameters used only inside it."""

    key: str
    ops: list[OpItem]
    params: list[LeafItem] = field(default_factory=list)


def endpoint_ranks(model: GraphModel, module_of: dict[int, str]) -> dict[str, int]:
    """Depth of each drawn op node (key -> 1, 2, ...): at least one more than its deepest
    input op, and one less than its nearest user if that is later. ``module_of`` maps
    id(op) to its collapsed module's key, if any (a module is one node)."""
    rank: dict[str, int] = {}
    users: dict[str, set[str]] = {}
    sources = inputs_of(model)
    for op in model.ops:  # in forward order: inputs first
        head = module_of.get(id(op), op.key)
        rank.setdefault(head, 1)
        for source in sources.get(id(op), []):
            tail = module_of.get(id(source), getattr(source, "key", None))
            if isinstance(source, OpItem) and head != tail:
                rank[head] = max(rank[head], rank[tail] + 1)
                users.setdefault(tail, set()).add(head)
    # Then each op as late as its users allow, as Graphviz draws it: an op fed by leaves
    # only (an RNN's input projection at step t) sits beside its user, not in rank 1.
    for op in reversed(model.ops):
        key = module_of.get(id(op), op.key)
        if key in users:
            rank[key] = max(rank[key], min(rank[user] for user in users[key]) - 1)
    return rank


def _one_module(ops: list[OpItem]) -> bool:
    """All ``ops`` recorded by one module (in one or several calls of it)."""
    return len({op.scope for op in ops}) == 1


def collapsed_modules(model: GraphModel) -> dict[tuple[str, ...], _Module]:
    """collapse_modules: the ops of each innermost module (each call of it), to be drawn as
    one node. A module with modules inside (a model, an RNN cell's loop) stays a box: its
    own ops (the + of a residual connection, an RNN's tanh at each step) keep their nodes
    between its modules' nodes, so the picture keeps its order."""
    outer = {op.cluster[:depth] for op in model.ops for depth in range(len(op.cluster))}
    modules: dict[tuple[str, ...], _Module] = {}
    for op in model.ops:
        if op.cluster and op.cluster not in outer:
            modules.setdefault(op.cluster, _Module(f"m{len(modules)}", [])).ops.append(op)
    return modules


def collapsed_note(paths: tuple[str, ...]) -> str:
    """The caption of a picture whose modules were collapsed to fit a slide (GraphView's
    ``collapsed`` names them)."""
    n = len(paths)
    return f"{n} module{'s' if n > 1 else ''} collapsed to fit a slide"


def drawn_depth(model: GraphModel, collapse_modules: bool) -> int:
    """How many op nodes deep the picture is (modules count once when collapsed)."""
    modules = collapsed_modules(model) if collapse_modules else {}
    module_of = {id(op): m.key for m in modules.values() for op in m.ops}
    return max(endpoint_ranks(model, module_of).values(), default=0)


def to_dot(
    model: GraphModel, opts: DrawOptions, frame: Frame | None = None, html: bool = False
) -> graphviz.Digraph:
    """Describe ``model`` in DOT (a ``graphviz.Digraph``), as visualize.graph explains.

    ``frame`` (a step-through's) limits and highlights the gradients drawn. ``html=True``
    writes multi-coloured labels as HTML-like labels, for the system ``dot``'s PNG/PDF.
    """
    return _DotWriter(model, opts, frame, html).write()


class _DotWriter:
    """Turns a GraphModel into DOT: nodes (inside their module clusters), then wires."""

    def __init__(
        self, model: GraphModel, opts: DrawOptions, frame: Frame | None, html: bool
    ) -> None:
        import graphviz

        self.model, self.opts, self.frame, self.html = model, opts, frame, html
        across = opts.rankdir in ("LR", "RL")
        # Room between ranks and between nodes of a rank. A wire spans two ranks (its
        # label is a node between them), so ranks are half as far apart as a labelled
        # edge's would be. (LR: 0.02 in less since label nodes keep LABEL_PAD_ALONG of 0.07
        # in: the room moved into the label's box, where no other wire may pass.)
        ranksep, nodesep = (0.12, 0.2) if across else (0.12, 0.25)
        graph_attr = {
            "rankdir": opts.rankdir,
            "fontname": FONT,
            "ranksep": f"{ranksep * opts.spacing:.2g}",
            "nodesep": f"{nodesep * opts.spacing:.2g}",
            "pad": "0.15",
        }
        if opts.size:
            graph_attr["size"] = opts.size
        if opts.ratio:
            graph_attr["ratio"] = opts.ratio
        self.g = graphviz.Digraph("autograd", graph_attr=graph_attr)
        self.g.attr("node", fontname=FONT, fontsize=str(NODE_FONT_PT))
        self.g.attr("edge", fontname=FONT, fontsize=str(EDGE_FONT_PT), arrowsize="0.7")
        # Forward mode: some wire carries a tangent, so a legend names the three colours.
        self.tangents = opts.show_tangents and (
            model.root_tangent is not None
            or any(item.tangent is not None for item in (*model.ops, *model.leaves))
        )
        self.graph_class: str | None = None
        self.title()
        # Cluster titles away from the wires that enter the cluster (measured: LR enters
        # from the left, at mid height; TB from above, in the middle).
        # Graphviz places the rows of a wrapped picture (separate components, each inside
        # its own invisible cluster) in the order their nodes appear: side by side from
        # left to right in TB and BT, but from the bottom up in LR and RL (measured), so these
        # declare the last row first.
        self.lone = {} if opts.collapse_modules else lone_ops(model)
        self.scopes = _Scopes(
            reverse_rows=opts.rankdir in ("LR", "RL"),
            title=lambda path: module_title(model, path),
            bare=self.lone.values(),
            pad_titles=opts.rankdir in ("TB", "BT"),
            labeljust="r" if opts.rankdir in ("TB", "RL") else "l",
            **({"labelloc": "b"} if opts.titles_below else {}),
        )
        # collapse_modules: every op with a scope joins one node per module path.
        self.modules = collapsed_modules(model) if opts.collapse_modules else {}
        self.module_of = {id(op): m.key for m in self.modules.values() for op in m.ops}
        self.module_by_key = {m.key: m for m in self.modules.values()}
        self.hidden: set[int] = set()  # ids of items whose node and wires are not drawn
        # Parameters used only inside one collapsed module (or its calls) are listed on
        # its node (each call's) instead.
        for leaf in model.leaves:
            homes = {self.module_of.get(id(c)) for c in leaf.consumers}
            if leaf.kind == "param" and None not in homes and _one_module(leaf.consumers):
                for home in sorted(homes):
                    self.module_by_key[home].params.append(leaf)
                self.hidden.add(id(leaf))
        self.scope_of: dict[str, tuple] = {}  # node key -> the module path it is drawn in
        self.copies: dict[tuple[int, str], str] = {}  # (id(leaf), user's key) -> copy's key
        self.row = self.plan_rows()  # endpoint key -> row, {} when the picture is not cut
        self.wraps = 0  # pairs of lettered connectors drawn so far
        self.labels = 0  # wire label nodes drawn so far
        self.leaf_edges: dict[int, list[tuple[int, OpItem, Any]]] | None = None
        self.edges: list[tuple[str, str, dict[str, str]]] = []

    def box(self, op: OpItem) -> tuple[str, ...]:
        """The module box ``op``'s node goes in (a lone op's is drawn bare)."""
        return op.cluster

    def endpoint(self, item: Any) -> str:
        return self.module_of.get(id(item), item.key)

    def place(self, scope: tuple[str, ...], key: str, attrs: dict[str, str], near: str) -> None:
        """Declare a node in its module's cluster, in the row of the endpoint ``near``."""
        row = self.row.get(near)
        self.scope_of[key] = scope
        self.scopes.add(scope if row is None else (_Row(row), *scope), key, attrs)

    def label(self, lines: list[Line]) -> dict[str, str]:
        return painted_label(lines, self.html)

    def title(self) -> None:
        """The caption above the picture, and the legend when tangents are drawn."""
        lines: list[Line] = [(self.opts.title, PLAIN)] if self.opts.title else []
        if self.opts.collapsed:
            lines.append((collapsed_note(self.opts.collapsed), PLAIN))
        if self.tangents:
            if self.opts.show_values:
                lines.append(("green: value", VALUE))
            lines.append(("blue: tangent (forward mode)", TANGENT))
            if self.opts.show_grads and any(i.grad is not None for i in self.model.ops):
                lines.append(("red: gradient (reverse mode)", GRAD))
        if not lines:
            return
        attrs = self.label(lines)
        attrs.pop("fontcolor", None)  # (clusters would inherit it: the lines are painted)
        # The class that paints the lines goes last (write()): a cluster copies the graph's
        # attributes set before it, and its own title must not be painted as a legend.
        self.graph_class = attrs.pop("class", None)
        self.g.attr(**attrs, labelloc="t", fontsize="14")

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
            self.wires()  # (may add connector nodes, so before the nodes are written)
        self.scopes.title_end = self.title_ends()
        self.scopes.emit(self.g)
        for tail, head, attrs in self.edges:
            self.g.edge(tail, head, **attrs)
        if self.graph_class:
            self.g.attr(**{"class": self.graph_class})
        return self.g

    # -- what each node and wire says --------------------------------------------------

    def tensor_lines(self, t: Any, title: str) -> list[Line]:
        detail = tensor_detail(t) if self.opts.show_shapes else None
        return [(title, PLAIN)] + ([(detail, PLAIN)] if detail else [])

    def leaf_lines(self, leaf: LeafItem) -> list[Line]:
        if leaf.kind == "param":
            title = parameter_path(leaf)
        else:
            title = tensor_title(leaf.tensor, "input")  # (data or not: the style tells)
        return self.tensor_lines(leaf.tensor, title)

    def module_lines(self, scope: tuple[str, ...], module: _Module) -> list[Line]:
        """A collapsed module: its type and name (else its path and its ops), and each
        parameter it owns with the norm of its gradient (red), so the picture shows where
        the gradient goes: for a module called several times, this call's share."""
        if scope in self.model.module_types:
            lines: list[Line] = [(module_title(self.model, scope), PLAIN)]
        else:
            op_labels = list(dict.fromkeys(op.label for op in module.ops))
            ops_line = ", ".join(op_labels[:4]) + (" …" if len(op_labels) > 4 else "")
            lines = [(clean_text(".".join(scope)), PLAIN), (ops_line, PLAIN)]
        for leaf in module.params:
            title = tensor_title(leaf.tensor, "parameter")
            shape = f" {fmt_shape(leaf.tensor.shape)}" if self.opts.show_shapes else ""
            lines.append((f"{title}{shape}", PLAIN))
            if self.opts.show_grads and leaf.grad is not None:
                lines.append(
                    (self.param_grad_text(leaf, module), _grad_kind(leaf.tensor, self.frame))
                )
        return lines

    def param_grad_text(self, leaf: LeafItem, module: _Module) -> str:
        """``grad norm 0.377``; in a module called several times, this call's share and the
        total: ``grad norm 0.328 (all calls 0.377)``."""
        calls = sum(leaf in m.params for m in self.modules.values())
        share = call_share(self.model, leaf, module.ops) if calls > 1 else None
        if share is None:
            return format_norm(leaf.grad)
        return f"{format_norm(share)} (all calls {format_norm(leaf.grad).split()[-1]})"

    def number_lines(self, number: NumberItem) -> list[str]:
        value = number.value
        if isinstance(value, (int, float, np.number, np.bool_, np.ndarray)):
            lines = format_array(value, show_shape=self.opts.show_shapes)
        else:
            lines = [clean_text(repr(value))]
        role = operand_role(number.consumer.node, number.slot)
        return [text for text, _ in with_role([(t, PLAIN) for t in lines], role)]

    def source_lines(self, wire: _Wire) -> list[Line]:
        """The label of a wire leaving ``wire.source`` (an op's output or a leaf). Names of
        intermediate tensors go on their wire; leaves and the output show theirs on their
        node."""
        source = wire.source
        named = isinstance(source, OpItem) and not wire.into_output
        kind = _wire_kind(wire.consumers, self.frame)
        lines = wire_lines(source.tensor, wire.grad, self.opts, kind, named, source.tangent)
        return with_role(lines, wire.roles[0] if len(wire.roles) == 1 else None)

    # -- the picture's shape -------------------------------------------------------------

    def plan_rows(self) -> dict[str, int]:
        """Which row (LR) or column (TB) each op's node goes to (see :func:`plan_rows`)."""
        return plan_rows(self.model, self.opts, self.modules)

    # -- nodes -----------------------------------------------------------------------------

    def lone_leaf(self) -> None:
        # No wire to write on, so the node says it all.
        root, opts = self.model.root, self.opts
        lines = self.tensor_lines(root, tensor_title(root, "tensor"))
        if opts.show_values:
            lines += [("value", PLAIN)] + [(t, VALUE) for t in format_array(root, False)]
        tangent = self.model.root_tangent
        if opts.show_tangents and tangent is not None:
            lines += [("tangent", PLAIN)] + [(t, TANGENT) for t in format_array(tangent, False)]
        if opts.show_grads and root.grad is not None:
            lines += [("grad", PLAIN)] + [(t, GRAD) for t in format_array(root.grad, False)]
        self.scopes.add((), "t0", {**self.label(lines), **NODE_STYLE["input"]})

    def leaf_nodes(self) -> None:
        rank = endpoint_ranks(self.model, self.module_of)
        for leaf in self.model.leaves:
            if id(leaf) in self.hidden:
                continue
            lines = self.leaf_lines(leaf)
            ranks = [rank[self.endpoint(c)] for c in leaf.consumers]
            rows = {self.row.get(self.endpoint(c)) for c in leaf.consumers}
            # (Used by several calls of one module: more boxes than module paths.)
            calls = len({c.cluster for c in leaf.consumers}) > len(
                {c.scope for c in leaf.consumers}
            )
            if max(ranks) - min(ranks) > MAX_LEAF_SPREAD or len(rows) > 1 or calls:
                # Users far apart (in different rows, or calls): a copy of the leaf beside
                # each user. One node with wires across the whole picture would cost
                # Graphviz minutes and the reader clarity. Each copy shows the leaf's
                # whole gradient too (its wire carries this use's share).
                if self.opts.show_grads and leaf.grad is not None and len(leaf.consumers) > 1:
                    kind = _grad_kind(leaf.tensor, self.frame)
                    sums = format_brief(leaf.grad, show_shape=False, stat="norm")
                    lines = lines + [(text, kind) for text in titled(sums, "total grad")]
                attrs = {**self.label(lines), **NODE_STYLE[leaf.kind]}
                for consumer in leaf.consumers:
                    end = self.endpoint(consumer)
                    if (id(leaf), end) not in self.copies:
                        key = f"{leaf.key}_{len(self.copies)}"
                        self.copies[(id(leaf), end)] = key
                        scope = consumer.cluster if leaf.kind == "param" else ()
                        self.place(scope, key, attrs, near=end)
                continue
            # A leaf with several wires: each carries its own share of the gradient, and
            # the node shows their sum, the leaf's gradient ("gradients add at forks").
            total = self.fork_total(leaf)
            if total is not None:
                kind = _grad_kind(leaf.tensor, self.frame)
                sums = format_brief(total, show_shape=False, stat="norm")
                lines += [(text, kind) for text in titled(sums, "grad")]
            attrs = {**self.label(lines), **NODE_STYLE[leaf.kind]}
            # Data and inputs stay outside; a parameter goes where all its users are.
            scope = ()
            if leaf.kind == "param":
                scope = common_scope([c.cluster for c in leaf.consumers])
            self.place(scope, leaf.key, attrs, near=self.endpoint(leaf.consumers[0]))

    def fork_total(self, leaf: LeafItem) -> Any:
        """The sum of the gradients on ``leaf``'s wires when it has more than one drawn
        wire (None otherwise, or without gradients). Wires into one collapsed module are
        drawn as one."""
        if not self.opts.show_grads:
            return None
        if self.leaf_edges is None:  # id(leaf) -> (edge index, op, gradient), built once
            self.leaf_edges = {}
            edges = zip(self.model.edges, self.model.wire_grads())
            for k, ((source, consumer), g) in enumerate(edges):
                if isinstance(source, LeafItem):
                    self.leaf_edges.setdefault(id(source), []).append((k, consumer, g))
        grads, drawn = [], set()
        for k, consumer, g in self.leaf_edges.get(id(leaf), []):
            head = self.endpoint(consumer)
            drawn.add(head if head in self.module_by_key else k)
            grads.append(g)
        if len(drawn) < 2:
            return None
        if any(g is None for g in grads):  # (a share too big to keep after backward())
            return None if leaf.grad is None else leaf.grad.data
        return sum(grads[1:], grads[0])

    def module_nodes(self) -> None:
        active = self.frame.active if self.frame is not None else None
        for scope, module in self.modules.items():
            attrs = {**self.label(self.module_lines(scope, module)), **NODE_STYLE["module"]}
            if any(op is active for op in module.ops):
                attrs.update(color=HIGHLIGHT_COLOR, penwidth="3")
            self.place(scope[:-1], module.key, attrs, near=module.key)

    def op_nodes(self) -> None:
        active = self.frame.active if self.frame is not None else None
        for op in self.model.ops:
            if id(op) in self.module_of:
                continue
            where = f" in {'.'.join(op.scope)}" if op.scope else ""
            box = self.lone.get(id(op))  # a module of one op: drawn as that op, titled
            text = lone_op_text(self.model, op) if box else op_text(op.node).split("\n")
            attrs = {
                "label": dot_label(*text),
                "tooltip": dot_label(type(op.node).__name__ + where),
                **NODE_STYLE["op"],
            }
            if op is active:
                attrs.update(color=HIGHLIGHT_COLOR, penwidth="3", fillcolor="#fed7aa")
            self.place(self.box(op), op.key, attrs, near=op.key)

    def number_nodes(self) -> None:
        for number in self.model.numbers:
            if id(number.consumer) in self.module_of:
                self.hidden.add(id(number))
                continue
            attrs = {"label": dot_label(*self.number_lines(number)), **NODE_STYLE["number"]}
            self.place(self.box(number.consumer), number.key, attrs, near=number.consumer.key)

    def output_node(self) -> None:
        root = self.model.root
        lines = self.tensor_lines(root, tensor_title(root, "output"))
        self.place((), "out", {**self.label(lines), **NODE_STYLE["output"]}, near="out")

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
        self.scopes.add((), "omitted", {"label": dot_label(*lines), **NODE_STYLE["note"]})

    # -- wires -----------------------------------------------------------------------------

    def labelled_edge(self, wire: _Wire, tail: str, head: str, near: str) -> None:
        """The edge ``tail -> head`` carrying ``wire``'s label: two edges through a label
        node between them, placed in the module box both ends share, in the row of
        ``near``. (No label to write: one plain edge.)"""
        lines = self.source_lines(wire)
        style: dict[str, str] = {}
        if self.frame is not None and any(kind == NEW_GRAD for _, kind in lines):
            style = {"color": HIGHLIGHT_COLOR, "penwidth": "3"}
        if not lines:
            self.edges.append((tail, head, style))
            return
        key = f"w{self.labels}"
        self.labels += 1
        attrs = {**self.label(lines), **WIRE_LABEL_STYLE}
        tip = wire_tip(wire.source.tensor, wire.grad, self.opts, wire.source.tangent)
        if tip:  # (the short label on the picture; the whole summary on hover)
            attrs["tooltip"] = dot_label(tip)
        # At least as wide as the widest estimate of its text (visualize.quality's, which
        # errs wide), so the wires that enter and leave the box stay off every glyph.
        widest = max(text_width_em(text) for text, _ in lines) * EDGE_FONT_PT / 72
        across = self.opts.rankdir in ("LR", "RL")
        pad_x, pad_y = (
            (LABEL_PAD_ALONG, LABEL_PAD_ACROSS)
            if across
            else (LABEL_PAD_ACROSS, LABEL_PAD_ALONG_TB)
        )
        scope = common_scope([self.scope_of.get(tail, ()), self.scope_of.get(head, ())])
        attrs["width"] = f"{widest + 2 * pad_x:.2f}"
        attrs["margin"] = f"{pad_x:.2f},{pad_y:.2f}"
        attrs["class"] = " ".join(filter(None, (WIRE_LABEL_CLASS, attrs.get("class"))))
        self.place(scope, key, attrs, near=near)
        self.edges.append((tail, key, {"arrowhead": "none", **style}))
        self.edges.append((key, head, style))

    def title_ends(self) -> dict[tuple, str]:
        """A wrapped top-to-bottom picture: each module box's title at the end of the box
        fewer wires cross (Graphviz routes the wires through the band it keeps for the
        title). Wires from outside the box enter it at one end (the top in TB), wires to
        outside leave at the other; a box that more wires enter than leave (a column that
        starts with connectors feeding one op) is titled at the other end. Ties, pictures
        drawn whole (visualize.fit redraws those with ``titles_below`` when a wire crosses
        a title: Graphviz runs at most twice) and left-to-right pictures keep one end for
        every box."""
        if self.opts.rankdir not in ("TB", "BT") or self.opts.titles_below or not self.row:
            return {}
        entering: dict[tuple, int] = {}
        leaving: dict[tuple, int] = {}
        for tail, head, _ in self.edges:
            a = self.scope_of.get(tail.split(":")[0], ())
            b = self.scope_of.get(head.split(":")[0], ())
            shared = len(common_scope([a, b]))
            for k in range(shared + 1, len(b) + 1):
                entering[b[:k]] = entering.get(b[:k], 0) + 1
            for k in range(shared + 1, len(a) + 1):
                leaving[a[:k]] = leaving.get(a[:k], 0) + 1
        # (labelloc "t" is Graphviz's default: where wires enter in TB, leave in BT)
        top_in = self.opts.rankdir == "TB"
        ends = {}
        for path in set(entering) | set(leaving):
            top, bottom = entering.get(path, 0), leaving.get(path, 0)
            if not top_in:
                top, bottom = bottom, top
            ends[path] = "b" if bottom < top else "t"
        return ends

    def wire(self, wire: _Wire) -> None:
        """One wire, or, when it crosses from one row to the next, two halves joined by a
        pair of lettered connectors: the value and gradient ride on the first half (shared
        by every wire from the same source into that row)."""
        source, tail = wire.source, wire.tail
        if isinstance(source, NumberItem):
            for head in wire.heads:
                self.edges.append((tail, head, {"style": "dashed", "color": "#9ca3af"}))
            return
        row = self.row.get(wire.heads[0])
        if row is None or self.row.get(tail, row) == row:
            self.labelled_edge(wire, tail, wire.heads[0], near=wire.heads[0])
            return
        letter = _connector_name(self.wraps)
        start, end = f"wrap{self.wraps}_from", f"wrap{self.wraps}_to"
        self.wraps += 1
        shape = CONNECTOR_SHAPE[self.opts.rankdir]
        # The class says the connector's row and which way the rows read, so that the
        # letters can be handed out in reading order once laid out (visualize.paint).
        along = "alongx" if self.opts.rankdir in ("LR", "RL") else "alongy"
        for key, near, tip in ((end, tail, "continues"), (start, wire.heads[0], "continued")):
            attrs = {"label": letter, "tooltip": f"{tip} at the other {letter}", **shape}
            attrs["class"] = f"connector row{self.row.get(near, 0)} {along}"
            self.place((), key, attrs, near=near)
        self.labelled_edge(wire, tail, end, near=tail)
        for head in dict.fromkeys(wire.heads):
            self.edges.append((start, head, {}))

    def wires(self) -> None:
        """One wire per input slot (``x * x`` has two), each with the gradient that went
        back along it. Wires that are drawn as one add their gradients: with collapsed
        modules, parallel wires carrying one tensor into a module; in a wrapped picture,
        the first half (before the connector) of the wires from one source into a row."""
        model = self.model
        grads = model.wire_grads() if self.opts.show_grads else [None] * len(model.edges)
        module_keys = set(self.module_by_key)
        drawn: dict[tuple, _Wire] = {}
        # (Forward order, so the connectors are lettered A, B, ... down the rows.)
        for k in reversed(range(len(model.edges))):
            source, consumer = model.edges[k]
            head = self.endpoint(consumer)
            tail = self.copies.get((id(source), head)) or self.endpoint(source)
            if tail == head or id(source) in self.hidden:
                continue
            row = self.row.get(head)
            if isinstance(source, NumberItem):
                key: tuple = ("number", k)
            elif row is not None and self.row.get(tail, row) != row:
                key = ("row", id(source), row)
            elif head in module_keys or tail in module_keys:
                key = ("module", tail, head, id(source))
            else:
                key = ("wire", k)
            wire = drawn.setdefault(key, _Wire(source, tail))
            wire.add(head, consumer, grads[k])
            if head == consumer.key:  # (an op of its own, not inside a collapsed module)
                wire.roles.append(operand_role(consumer.node, model.slots[k]))
        for wire in drawn.values():
            self.wire(wire)
        root_op = model.root_op
        out = _Wire(root_op, self.endpoint(root_op), into_output=True)
        out.heads.append("out")
        out.grad = root_op.grad
        self.wire(out)
        for op in model.cut:
            attrs = {"style": "dashed", "color": "#b91c1c", "arrowhead": "none"}
            self.edges.append(("omitted", self.endpoint(op), attrs))


@dataclass
class _Wire:
    """A drawn wire: from ``tail`` (the source's node) to ``heads`` (one, or several sharing
    a connector), carrying the sum of the gradients its edges sent back."""

    source: Any
    tail: str
    into_output: bool = False
    heads: list[str] = field(default_factory=list)
    consumers: list[OpItem] = field(default_factory=list)
    grad: Any = None
    roles: list[str | None] = field(default_factory=list)  # which operand it is, for - / ** @

    def add(self, head: str, consumer: OpItem, grad: Any) -> None:
        self.heads.append(head)
        self.consumers.append(consumer)
        if grad is not None:
            self.grad = grad if self.grad is None else self.grad + grad


# Connectors point along the reading direction: an arrow in LR, a "house" pointing down in TB.
CONNECTOR_SHAPE = {
    rankdir: {"shape": shape, "style": "filled", "fillcolor": "#fef3c7"}
    for rankdir, shape in (("LR", "rarrow"), ("RL", "larrow"), ("TB", "invhouse"), ("BT", "house"))
}


def _connector_name(i: int) -> str:
    """A, B, ..., Z, AA, AB, ...: the letter pairing the two ends of a wrapped wire."""
    name = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        name = chr(65 + r) + name
    return name


@dataclass
class RowRanks:
    """What cutting a picture into rows works on: each drawn op node's rank (key -> 1, 2,
    ...; a collapsed module's node is one), the module boxes a row keeps whole (each a list
    of node keys, outer boxes first) and the op-to-op wires (tail key, head key)."""

    rank: dict[str, int]
    boxes: list[list[str]]
    wires: list[tuple[str, str]]
    root: str  # the key of the node drawing the output's op
    depth: dict[str, int] = field(default_factory=dict)  # key -> module boxes around it


def row_ranks(model: GraphModel, modules: dict[tuple[str, ...], _Module]) -> RowRanks:
    """The RowRanks of ``model`` drawn with these collapsed ``modules`` ({} for none)."""
    module_of = {id(op): m.key for m in modules.values() for op in m.ops}
    rank = endpoint_ranks(model, module_of)
    # Rows break at module boundaries: a module's box (each call's) stays whole, unless it
    # is most of the picture (the model itself). With the boxes inside it, outer boxes
    # first: a residual block's own + must not go back to the row where the block starts
    # while its second layer stays in the next (its wire would run back a row).
    boxes: dict[tuple[str, ...], list[str]] = {}
    box_of_module = {m.key: scope[:-1] for scope, m in modules.items()}
    nesting: dict[str, int] = {}
    for op in model.ops:
        key = module_of.get(id(op), op.key)
        box = box_of_module.get(key, op.cluster)
        nesting[key] = len(box)
        for depth in range(1, len(box) + 1):
            boxes.setdefault(box[:depth], []).append(key)
    whole = [
        keys
        for _, keys in sorted(boxes.items(), key=lambda item: len(item[0]))
        if len(keys) <= len(model.ops) // 2
    ]
    wires = [
        (module_of.get(id(source), source.key), module_of.get(id(consumer), consumer.key))
        for source, consumer in model.edges
        if isinstance(source, OpItem)
    ]
    root = model.root_op
    root_key = module_of.get(id(root), root.key) if root else ""
    return RowRanks(rank, whole, wires, root_key, nesting)


def plan_rows(
    model: GraphModel,
    opts: DrawOptions,
    modules: dict[tuple[str, ...], _Module] | None = None,
    ranks: RowRanks | None = None,
) -> dict[str, int]:
    """Which row (LR) or column (TB) each drawn op's node goes to when ``opts.rows`` > 1
    (``"out"`` too: the output's); {} for one row. Where ``opts.row_of`` says (an op it
    does not name goes to the row of its latest input), else the ranks cut into runs of
    equal count; a module's box (each call's) then goes whole to the row where it starts.
    ``modules``: the collapsed modules (computed from ``opts`` when None); ``ranks``:
    row_ranks' answer, if known."""
    if opts.rows <= 1 or model.root_op is None:
        return {}
    if ranks is None:
        if modules is None:
            modules = collapsed_modules(model) if opts.collapse_modules else {}
        ranks = row_ranks(model, modules)
    if opts.row_of:
        row = dict(opts.row_of)
        inputs: dict[str, list[str]] = {}
        for tail, head in ranks.wires:
            inputs.setdefault(head, []).append(tail)
        for key in sorted(ranks.rank, key=ranks.rank.__getitem__):
            if key not in row:
                row[key] = max((row.get(t, 0) for t in inputs.get(key, [])), default=0)
    else:
        starts = equal_row_starts(max(ranks.rank.values()), opts.rows)
        row = {key: row_of_rank(r, starts) for key, r in ranks.rank.items()}
    for keys in ranks.boxes:
        first = min(row[key] for key in keys)
        for key in keys:
            row[key] = first
    row["out"] = row[ranks.root]
    return row


def row_plan(model: GraphModel, opts: DrawOptions) -> dict[str, int]:
    """Which row (LR) or column (TB) each drawn op's node goes to when drawn with ``opts``
    (``opts.rows`` rows; {} for one): visualize.fit measures the rows on a first drawing.
    Computed from the model alone, without writing DOT."""
    return plan_rows(model, opts)
