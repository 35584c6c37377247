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
  in a small label box on the wire (the wire enters and leaves it), so no other wire
  crosses it or runs nearer to it. A tensor used twice has two
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
* pictures are made for a slide: fitted to 16:9, every label is at least 8 pt. A graph
  that fits as drawn is kept as drawn; a bigger one is wrapped into rows (``rankdir="LR"``)
  or columns (``"TB"``), or has its modules collapsed (the picture says which); see
  visualize.fit and ``max_aspect``.
* past a slide (or with modules collapsed to fit one), the picture says under it how to see
  all of it: ``view.explore()`` opens the same graph in the interactive explorer
  (visualize.explore), every op and module, panned, zoomed and searched.

Values are printed in full for scalars and small arrays; larger arrays are summarized by
shape, mean, min and max.

All user text (tensor names, module names) is escaped before it reaches DOT, and the DOT
itself is assembled by the ``graphviz`` package, which quotes every attribute. So a name
like ``"]; evil [label=<b>x</b>`` is drawn as those characters and nothing else. (PNG and
PDF, drawn by the system ``dot`` from HTML-like labels, get the same text as entities.)

Every picture is measured as it is drawn; docs/gallery/ shows the results, and
tests/visualize/test_vis_corpus.py measures a teaching corpus and random programs with
visualize.quality.

The work is split by stage (the spine is draw_graph, below): visualize.model walks the
graph, visualize.dot writes DOT (with visualize.labels for text and visualize.layout for
the options), visualize.fit fits it to a slide, visualize.render runs Graphviz,
visualize.paint colours the labels' lines.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from visualize import fit
from visualize.assets import Page
from visualize.dot import DrawOptions, Frame, to_dot
from visualize.labels import clean_text, dot_label, format_array, format_number
from visualize.layout import SLIDE, check_max_aspect, check_ratio, check_size
from visualize.model import GraphModel, LeafItem, NumberItem, OpItem, build_model
from visualize.paint import (
    GRAD_COLOR,
    HIGHLIGHT_COLOR,
    TANGENT_COLOR,
    VALUE_COLOR,
    fit_captions,
    paint_svg,
)
from visualize.render import render, render_svg, write_atomic

# A flat sum of at least this many terms (x1 + x2 + ... + x300) is drawn as one node.
MERGE_SUMS = 24
# What a picture past a slide (or with modules collapsed to fit one) says under it.
EXPLORE_HINT = "To see all of it: view.explore() (pan, zoom, open modules, search)"
# The explorer keeps at least this many nodes (draw_graph's max_nodes if larger).
EXPLORE_NODES = 5000

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
# The spine: model -> DOT -> rendered (and measured, fitted to a slide) -> painted
# ---------------------------------------------------------------------------------------


class GraphView:
    """A drawn graph: ``.source`` (DOT text), ``.svg()``, ``.save(path)``; shows in Jupyter.

    ``renderer`` ("auto", "dot", "wasm" or None) picks who draws it; see visualize.render.
    The SVG is coloured line by line after rendering (visualize.paint). ``print_source``
    is the same graph with HTML-like labels, which the system ``dot`` uses for PNG and PDF
    (there is no SVG to colour); without it, PNG/PDF labels keep one colour each.

    What fitting it to a slide did (see visualize.fit): ``collapsed`` names the modules
    drawn as one node each to fit (empty when none was), and ``fits_slide`` says whether
    every label is at least 8 pt once the picture is fitted to a 16:9 slide (None when not
    measured: Graphviz could not run, or the caller fixed the size).

    Such a picture (collapsed, or past a slide) says under it how to see all of it:
    ``explore_hint`` (the CLI sets its own), and :meth:`explore` gives the interactive
    explorer of the same graph (pan, zoom, modules opened by click, search, the backward
    pass step by step).

    Examples
    --------
    >>> x = al.tensor(2.0, requires_grad=True, name="x")
    >>> y = x * x + x.sin()
    >>> y.name = "y"
    >>> view = visualize.draw_graph(y)
    >>> isinstance(view, visualize.GraphView), "sin" in view.source
    (True, True)
    >>> svg = view.svg()
    >>> svg.lstrip().startswith("<")
    True
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
        self.collapsed: tuple[str, ...] = ()
        self.fits_slide: bool | None = None
        self.title: str | None = None
        self.explore_hint = EXPLORE_HINT
        self._svg: dict[str | None, str] = {}

    def svg(self, renderer: str | None = None) -> str:
        """The picture as SVG text (rendered once per renderer, then cached); with the
        explore hint under it when it is collapsed or past a slide.

        Examples
        --------
        >>> view = visualize.draw_graph(al.tensor(2.0, requires_grad=True) * 3)
        >>> view.svg().lstrip().startswith("<")
        True
        """
        renderer = renderer if renderer is not None else self.renderer
        if renderer not in self._svg:
            self._svg[renderer] = paint_svg(render_svg(self.source, renderer))
        hinted = (self.collapsed or self.fits_slide is False) and self.explore_hint
        # (Captions sized for a slide: the title and notes above, the hint under it.)
        return fit_captions(self._svg[renderer], self.explore_hint if hinted else None)

    def explore(self, max_nodes: int | None = None, title: str | None = None) -> Page:
        """The interactive explorer (a :class:`visualize.Explorer`, see
        :func:`visualize.explore`) of the same graph, with the same title: every op and
        module, opened by click. ``max_nodes``: by default the larger of draw_graph's
        ``max_nodes`` and 5000."""
        # (Imported here: visualize.explore imports visualize.steps, which imports this.)
        from visualize.explore import explore

        if self.model is None:
            raise ValueError("GraphView.explore: this view was made from DOT text, not a graph")
        if max_nodes is None:
            max_nodes = max(self.model.max_nodes, EXPLORE_NODES)
        return explore(self.model.root, max_nodes=max_nodes, title=title or self.title)

    def save(self, path: str | os.PathLike, renderer: str | None = None) -> Path:
        """Write the picture to ``path``; the extension picks the format.

        ``.svg`` (works everywhere), ``.dot``/``.gv`` (the DOT text), ``.png``/``.pdf``
        (need the system Graphviz program ``dot``). The file is written atomically.

        Examples
        --------
        >>> view = visualize.draw_graph(al.tensor(2.0, requires_grad=True) * 3)
        >>> view.save("product.svg")
        PosixPath('product.svg')
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


def add_hint(svg: str, hint: str) -> str:
    """``svg`` with one more line of text under the picture (``hint``, escaped), readable
    once the picture is fitted to a slide, whatever its shape (visualize.paint.fit_captions).
    The SVG comes back unchanged if its size cannot be read."""
    return fit_captions(svg, hint)


def make_view(
    model: GraphModel, opts: DrawOptions, renderer: str | None, fits_slide: bool | None = None
) -> GraphView:
    """One drawing of ``model`` with ``opts``: its DOT (visualize.dot), and the same with
    HTML-like labels, from which the system ``dot`` draws PNG and PDF. GraphView.svg()
    renders it (visualize.render) and paints it (visualize.paint) when first asked."""
    print_source = to_dot(model, opts, html=True).source
    view = GraphView(to_dot(model, opts).source, renderer, model, print_source)
    view.fits_slide = fits_slide
    view.collapsed = opts.collapsed
    view.title = opts.title
    return view


def fit_view(
    model: GraphModel, opts: DrawOptions, renderer: str | None, collapse: bool = False
) -> tuple[DrawOptions, GraphView]:
    """The view fitted to a slide and the options that drew it (see visualize.fit; the
    step-through draws every frame with them)."""
    return fit.fit_view(model, opts, renderer, make_view, collapse)


def draw_graph(
    root: Any,
    show_values: bool = True,
    show_grads: bool = True,
    show_shapes: bool = True,
    rankdir: str = "LR",
    collapse_modules: bool | None = None,
    max_nodes: int = 500,
    renderer: str | None = None,
    title: str | None = None,
    max_aspect: float | str | None = SLIDE,
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

    Parameters
    ----------
    root
        the tensor whose history is drawn, usually the loss.
    show_values
        write each wire's forward value (green).
    show_grads
        write on each wire the gradient that went back along it (red), when
        known; a leaf used more than once shows their sum on its node.
    show_shapes
        write shapes (and dtypes other than the default) on tensor nodes.
    rankdir
        layout direction, "LR" (left to right), "TB", "RL" or "BT".
    collapse_modules
        draw each innermost module (name scope) as one node, with its
        parameters' gradient norms; a module called several times (an RNN cell) gets
        one node, and one box when not collapsed, per call: "ih (call 2)". None (the
        default): only when that makes a picture past a slide fit (or much more
        legible); the picture then says so and ``GraphView.collapsed`` names them.
    max_nodes
        draw at most this many nodes; a note says what was left out.
    renderer
        "auto", "dot" or "wasm" for ``.svg()`` and ``.save()``; None reads the
        environment variable AUTOGRAD_LITE_RENDERER.
    title
        an optional caption drawn above the graph.
    max_aspect
        "slide" (the default): fit the picture to a 16:9 slide, every label
        at least 8 pt (wrapped into rows or columns, or modules collapsed, only when it
        does not fit as drawn; see visualize.fit). A number also wraps a picture
        longer than that many times its breadth. None: draw as it comes.
    size
        the largest picture, in inches: ``(13.3, 7.5)`` or ``"13.3,7.5"`` (Graphviz's
        ``size``; a bigger picture is scaled down, text too). None: natural size.
    ratio
        Graphviz's ``ratio``: a height/width number, or "fill", "compress",
        "expand" or "auto". None: Graphviz's default.
    show_tangents
        forward mode: write each wire's tangent (blue) when the graph is
        drawn inside a dual level and its tensors have tangents there
        (``autograd_lite.forward_ad``); a legend then names the colours.

    Returns
    -------
    GraphView
        The drawing: ``.source`` (DOT), ``.svg()``, ``.save(path)``; it shows itself in Jupyter.

    Examples
    --------
    >>> x = al.tensor(2.0, requires_grad=True, name="x")
    >>> y = x * x + x.sin()
    >>> y.name = "y"
    >>> y.backward(retain_graph=True)
    >>> view = visualize.draw_graph(y, title="y = x² + sin x")
    >>> view.source.startswith("digraph")
    True
    >>> view.save("graph.svg")
    PosixPath('graph.svg')
    """
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"draw_graph: rankdir must be 'LR', 'TB', 'RL' or 'BT', got {rankdir!r}")
    # The spine: 1. the model (what is drawn: ops, leaves, wires, modules) ...
    model = build_model(root, max_nodes, where="draw_graph", merge_sums=MERGE_SUMS)
    opts = DrawOptions(
        show_values,
        show_grads,
        show_shapes,
        rankdir,
        bool(collapse_modules),
        title,
        size=check_size(size),
        ratio=check_ratio(ratio),
        max_aspect=check_max_aspect(max_aspect),
        show_tangents=show_tangents,
    )
    # ... 2. DOT, 3. rendered and measured, drawn again if it does not fit a slide
    # (make_view, as often as visualize.fit asks: at most twice), 4. painted in svg().
    return fit_view(model, opts, renderer, collapse=collapse_modules is None)[1]
