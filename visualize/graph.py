"""Draw the computational graph behind a tensor, with values and gradients on the wires.

The picture follows the cs231n backprop figures:

* **op nodes** (ellipses) show the operation: ``+``, ``*``, ``matmul``, ``relu`` ...
* **tensor nodes** (boxes) are the graph's leaves and its output. They show the tensor's
  name (set it with ``name=``: ``al.tensor(2.0, requires_grad=True, name="x")``, or
  ``loss.name = "loss"``), its shape unless it is a scalar, and its dtype unless it is
  the default one. A parameter is named by its module path, as ``named_parameters()``
  spells it (``0.weight``); any other unnamed leaf says "input".
  Parameters (``nn.Parameter``), inputs that require grad and data (no grad) are
  coloured apart; a Python number such as the 2 in ``x * 2`` is plain text. A leaf used at
  places far apart is drawn once beside each use.
* every **wire** (edge) carries the tensor flowing along it: its forward value in green
  and, once ``backward`` has run, the gradient that went back along it in red beneath it,
  as one label that Graphviz lays out with room of its own. A tensor used twice has two
  wires, each with its own share of the gradient (what the op it feeds sent back); a
  leaf's node then shows their sum, its gradient: gradients add at forks, as in cs231n.
* **forward mode**: drawn inside a dual level (``autograd_lite.forward_ad``), each wire
  whose tensor has a tangent shows it in blue between its value and its gradient, and a
  legend under the title names the colours. (Record the graph to draw it: the inputs must
  require grad.)
* ops recorded inside ``autograd_lite.name_scope`` (which ``nn.Module`` uses) are grouped
  in labelled clusters, one per module and call ("ih (call 2)" for an RNN cell's second
  step); ``collapse_modules=True`` draws each module's call as a single node instead,
  listing its parameters with the norm of each one's gradient.
* pictures keep a slide's shape: a graph too long for its breadth is wrapped into rows
  (``rankdir="LR"``) or columns (``"TB"``); see ``max_aspect``.

Values are printed in full for scalars and small arrays; larger arrays are summarized by
shape, mean, min and max.

All user text (tensor names, module names) is escaped before it reaches DOT, and the DOT
itself is assembled by the ``graphviz`` package, which quotes every attribute. So a name
like ``"]; evil [label=<b>x</b>`` is drawn as those characters and nothing else. (PNG and
PDF, drawn by the system ``dot`` from HTML-like labels, get the same text as entities.)

Every picture is measured as it is drawn (visualize.quality reads the SVG): a long one is
wrapped, a crowded one is drawn again with more room; docs/gallery/ shows the results.

The work is split by stage: visualize.model walks the graph, visualize.dot writes DOT
(with visualize.labels for text and visualize.layout for the picture's shape),
visualize.render runs Graphviz and visualize.paint colours the labels' lines.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any

from visualize.dot import DrawOptions, Frame, drawn_depth, to_dot
from visualize.labels import clean_text, dot_label, format_array, format_number
from visualize.layout import (
    ROW_GAP,
    WRAP_ASPECT,
    check_max_aspect,
    check_ratio,
    check_size,
    choose_rows,
    picture_size,
)
from visualize.model import GraphModel, LeafItem, NumberItem, OpItem, build_model
from visualize.paint import GRAD_COLOR, HIGHLIGHT_COLOR, TANGENT_COLOR, VALUE_COLOR, paint_svg
from visualize.quality import DEFAULT_MAX_ASPECT, DEFAULT_MIN_FONT_PT, find_defects
from visualize.render import RenderError, render, render_svg, write_atomic

# Pictures with at most this many nodes are measured for defects and redrawn roomier if
# needed (the measurement grows with the square of the texts; a big picture would wait).
CHECK_NODES = 300
# A flat sum of at least this many terms (x1 + x2 + ... + x300) is drawn as one node.
MERGE_SUMS = 24
# The spacings tried, in turn, while a measured picture still has defects.
ROOMIER = (1.4, 1.8, 2.4)
# What _fit tries, in order, on a picture with defects: more room, then module titles at
# the bottom of their boxes (a wire entering a box from above crosses a title at the top).
CANDIDATES = [
    *({"spacing": s} for s in ROOMIER),
    {"titles_below": True},
    *({"spacing": s, "titles_below": True} for s in ROOMIER[:2]),
]

__all__ = [
    "GRAD_COLOR",
    "HIGHLIGHT_COLOR",
    "TANGENT_COLOR",
    "VALUE_COLOR",
    "DrawOptions",
    "Frame",
    "GraphModel",
    "GraphView",
    "LeafItem",
    "NumberItem",
    "OpItem",
    "build_model",
    "clean_text",
    "dot_label",
    "draw_graph",
    "fit_view",
    "format_array",
    "format_number",
    "to_dot",
]


# ---------------------------------------------------------------------------------------
# The result object
# ---------------------------------------------------------------------------------------


class GraphView:
    """A drawn graph: ``.source`` (DOT text), ``.svg()``, ``.save(path)``; shows in Jupyter.

    ``renderer`` ("auto", "dot", "wasm" or None) picks who draws it; see visualize.render.
    The SVG is coloured line by line after rendering (visualize.paint). ``print_source``
    is the same graph with HTML-like labels, which the system ``dot`` uses for PNG and PDF
    (there is no SVG to colour); without it, PNG/PDF labels keep one colour each.
    """

    def __init__(
        self,
        source: str,
        renderer: str | None = None,
        model: GraphModel | None = None,
        print_source: str | None = None,
    ):
        self.source = source
        self.renderer = renderer
        self.model = model
        self.print_source = print_source
        self._svg: dict[str | None, str] = {}

    def svg(self, renderer: str | None = None) -> str:
        """The picture as SVG text (rendered once per renderer, then cached)."""
        renderer = renderer if renderer is not None else self.renderer
        if renderer not in self._svg:
            self._svg[renderer] = paint_svg(render_svg(self.source, renderer))
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
            source = self.print_source or self.source
            data = render(source, ext[1:], renderer if renderer is not None else self.renderer)
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
    max_aspect: float | None = WRAP_ASPECT,
    size: str | tuple[float, float] | None = None,
    ratio: str | float | None = None,
    show_tangents: bool = True,
) -> GraphView:
    """Draw the graph that produced ``root`` (a Tensor); returns a :class:`GraphView`.

    Works before backward (values only) and after ``root.backward()`` (values and
    gradients: a plain backward keeps those of at most 256 elements, big ones read "freed
    by backward()"; ``backward(retain_graph=True)`` keeps all). Name tensors to see their
    names on the picture:
    ``al.tensor(..., name="x")`` or ``loss.name = "loss"``.

    Args:
        root: the tensor whose history is drawn, usually the loss.
        show_values: write each wire's forward value (green).
        show_grads: write on each wire the gradient that went back along it (red), when
            known; a leaf used more than once shows their sum on its node.
        show_shapes: write shapes (and dtypes other than the default) on tensor nodes.
        rankdir: layout direction, "LR" (left to right), "TB", "RL" or "BT".
        collapse_modules: draw each innermost module (name scope) as one node, with its
            parameters' gradient norms; a module called several times (an RNN cell) gets
            one node, and one box when not collapsed, per call: "ih (call 2)".
        max_nodes: draw at most this many nodes; a note says what was left out.
        renderer: "auto", "dot" or "wasm" for ``.svg()`` and ``.save()``; None reads the
            environment variable AUTOGRAD_LITE_RENDERER.
        title: an optional caption drawn above the graph.
        max_aspect: a graph longer than this many times its breadth is wrapped into rows
            (LR) or columns (TB) shaped for a 16:9 slide; None never wraps.
        size: the largest picture, in inches: ``(13.3, 7.5)`` or ``"13.3,7.5"`` (Graphviz's
            ``size``; a bigger picture is scaled down, text too). None: natural size.
        ratio: Graphviz's ``ratio``: a height/width number, or "fill", "compress",
            "expand" or "auto". None: Graphviz's default.
        show_tangents: forward mode: write each wire's tangent (blue) when the graph is
            drawn inside a dual level and its tensors have tangents there
            (``autograd_lite.forward_ad``); a legend then names the colours.
    """
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"draw_graph: rankdir must be 'LR', 'TB', 'RL' or 'BT', got {rankdir!r}")
    model = build_model(root, max_nodes, where="draw_graph", merge_sums=MERGE_SUMS)
    opts = DrawOptions(
        show_values,
        show_grads,
        show_shapes,
        rankdir,
        collapse_modules,
        title,
        size=check_size(size),
        ratio=check_ratio(ratio),
        max_aspect=check_max_aspect(max_aspect),
        show_tangents=show_tangents,
    )
    return fit_view(model, opts, renderer)[1]


def _view(model: GraphModel, opts: DrawOptions, renderer: str | None) -> GraphView:
    print_source = to_dot(model, opts, html=True).source
    return GraphView(to_dot(model, opts).source, renderer, model, print_source)


def fit_view(
    model: GraphModel, opts: DrawOptions, renderer: str | None
) -> tuple[DrawOptions, GraphView]:
    """The view, measured and reshaped until it reads well (see :func:`_fit`), and the
    options that drew it (the step-through draws every frame with them: one layout).

    Truncated graphs are not reshaped (wrapping adds connector nodes, which would exceed
    ``max_nodes``), nor pictures whose shape the caller fixed with ``ratio``. If Graphviz
    cannot run here, the picture stays as drawn and ``.svg()`` reports why.
    """
    view = _view(model, opts, renderer)
    if opts.max_aspect is None or opts.ratio or model.truncated or model.root_op is None:
        return opts, view
    try:
        return _fit(model, opts, renderer, view)
    except RenderError:
        return opts, view


def _fit(
    model: GraphModel, opts: DrawOptions, renderer: str | None, view: GraphView
) -> tuple[DrawOptions, GraphView]:
    """Measure the picture (Graphviz lays it out; visualize.quality reads the SVG), then:

    1. if it is longer than ``max_aspect`` times its breadth, cut it into the number of
       rows (LR) or columns (TB) that brings it nearest a 16:9 slide; measure again and
       add rows while it is still too long;
    2. if a label is then still crowded (visualize.quality finds defects), draw it again
       with more room between nodes and ranks, or with module titles at the bottom of
       their boxes (CANDIDATES), and keep the picture with fewest defects.
       Only for pictures of at most CHECK_NODES nodes: measuring costs time.
    """
    across = opts.rankdir in ("LR", "RL")
    length, breadth = picture_size(view.svg(), across)
    # Each row at least two ops deep: a long picture of a short chain is wide for other
    # reasons (long names, a title) that cutting would not cure.
    max_rows = drawn_depth(model, opts.collapse_modules) // 2
    rows = choose_rows(length, breadth, opts.max_aspect, opts.rankdir, max_rows)
    for _ in range(4):
        if rows == 1 or rows > max_rows:
            break
        opts = replace(opts, rows=rows)
        view = _view(model, opts, renderer)
        length, breadth = picture_size(view.svg(), across)
        if length <= opts.max_aspect * breadth:
            break
        # Still too long. A chain laid out whole may wander across its breadth, so measure
        # again on this picture: all its rows end to end, each row as broad as it is here.
        row_breadth = max(breadth - ROW_GAP * (rows - 1), 1.0) / rows
        again = choose_rows(length * rows, row_breadth, opts.max_aspect, opts.rankdir, max_rows)
        rows = max(rows + 1, again)
    if len(model.ops) + len(model.leaves) + len(model.numbers) > CHECK_NODES:
        return opts, view

    def defects(candidate: GraphView) -> int:
        # (A `size` the caller chose may shrink the text on purpose: not a defect here.)
        return len(
            find_defects(
                candidate.svg(),
                max_aspect=max(opts.max_aspect, DEFAULT_MAX_ASPECT),
                min_font_pt=0.0 if opts.size else DEFAULT_MIN_FONT_PT,
            )
        )

    best, fewest = (opts, view), defects(view)
    for changed in CANDIDATES:
        if fewest == 0:
            break
        other = replace(opts, **changed)
        candidate = _view(model, other, renderer)
        found = defects(candidate)
        if found < fewest:
            best, fewest = (other, candidate), found
    return best
