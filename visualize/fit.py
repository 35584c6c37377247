"""Fit a drawing to a slide: the shape rule is legibility, not an aspect ratio.

Fitted to a 16:9 slide (13.33 x 7.5 in, enlarged at most 2x), every label must be at least
8 pt. :func:`fit_view` draws the graph once as it is; a picture that meets the rule is kept
as drawn, however long or tall. One that does not is drawn once more, shaped from the first
drawing's measured size:

1. cut into rows (LR) or columns (TB) joined by lettered connectors, breaking at module
   boundaries: the fewest (up to ``MOST_ROWS``) that meet the rule;
2. otherwise, or when that takes more than ``MAX_ROWS``, when the graph has modules and
   collapsing them makes it fit (or its labels ``WORTH_WRAPPING`` times larger than rows
   would), each module's call drawn as one node, in rows if still needed (the caption
   says how many were collapsed, GraphView adds how to see every op, ``view.explore()``;
   ``GraphView.collapsed`` names them);
3. otherwise in the rows (at most ``MAX_ROWS`` unless more make them much larger) that
   make its labels largest, if they make
   them at least ``WORTH_WRAPPING`` times larger, else as drawn (``GraphView.fits_slide``
   is then False: such a graph is for the explorer, panned and zoomed, not for a slide).

A picture that fits as drawn but has a wire through a module's title (a wire entering the
box from above, where the title is) is drawn once more with titles at the bottom of their
boxes. So Graphviz runs at most twice per drawing. The second drawing's size is estimated
from the first, not measured again. Rows are measured on it: the ops go to rows as
visualize.dot will draw them (``row_plan``), a row is as long as its ops' stretch of the
first drawing (from the end of what precedes its first op to its last op's output label)
plus its connectors, and as broad as the broadest rank in that stretch (a rank's nodes
side by side, with Graphviz's gaps). Not the first drawing's whole breadth: a long chain
laid out whole wanders across the page, a row of it does not. A collapsed picture's size
is estimated from its depth (``COLLAPSED_SLACK``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from visualize.dot import EDGE_FONT_PT, DrawOptions, collapsed_modules, drawn_depth, row_plan
from visualize.layout import ROW_GAP, picture_size
from visualize.model import GraphModel
from visualize.quality import DEFAULT_MIN_SLIDE_PT, Box, read_svg, slide_zoom, titles_crossed
from visualize.render import RenderError

# make_view(model, opts, renderer, fits_slide=None) -> GraphView: one drawing, as
# visualize.graph makes it (passed in: graph imports this module, not the other way).
MakeView = Callable[..., Any]

# The estimate of a wrapped picture's size is rough; aim this much above the rule.
TARGET_PT = DEFAULT_MIN_SLIDE_PT * 1.1
# Wrapping into more rows than this reads as a puzzle: collapse modules first if there are.
MAX_ROWS = 3
# Never more rows than this: past it a picture is for the explorer, not a slide (each
# row's stretch is measured on the first drawing, so more rows cost only estimates).
MOST_ROWS = 6
# Rows that do not make a picture fit are still drawn if they make its labels this much
# larger on a slide.
WORTH_WRAPPING = 1.3
# A row of a wrapped picture is at least this many ops deep.
MIN_ROW_OPS = 2
# Room a row's connectors add to its length (points).
CONNECTOR_PT = 80.0
# A collapsed picture comes out about this much longer than its share of the first
# drawing's depth (measured: the estimate without it was 20-25% optimistic).
COLLAPSED_SLACK = 1.25
# Rows come out unequal (they are cut by op counts, not lengths): the longest is about
# this much longer than the average.
ROW_SLACK = 1.08
# A rank's breadth: its nodes' breadths plus this gap each (points), times RANK_SPREAD
# (Graphviz spreads a rank wider than packed, to straighten wires).
NODE_GAP_PT = 18.0
RANK_SPREAD = 1.0


def model_has_modules(model: GraphModel) -> bool:
    return any(op.cluster for op in model.ops)


Extent = tuple[float, float, float, float]


def _node_extents(svg: str, rankdir: str) -> dict[str, Extent]:
    """Node name -> (start, end) along the reading direction (from where it starts: the
    left in LR, the right in RL) and (start, end) across it, of every node (its outline
    and texts) of a Graphviz SVG."""
    across = rankdir in ("LR", "RL")
    back = -1.0 if rankdir in ("RL", "BT") else 1.0
    pic = read_svg(svg)
    boxes: dict[str, list[Box]] = {}
    for shape in pic.shapes:
        boxes.setdefault(shape.owner_id, []).append(shape.box)
    for t in pic.texts:
        if t.owner == "node":
            boxes.setdefault(t.owner_id, []).append(t.box)
    out = {}
    for owner, group in boxes.items():
        x0, y0 = min(b.x0 for b in group), min(b.y0 for b in group)
        x1, y1 = max(b.x1 for b in group), max(b.y1 for b in group)
        a0, a1, c0, c1 = (x0, x1, y0, y1) if across else (y0, y1, x0, x1)
        a0, a1 = sorted((back * a0, back * a1))
        out[pic.titles.get(owner, owner)] = (a0, a1, c0, c1)
    return out


def row_stretches(
    extents: dict[str, Extent], plan: dict[str, int], rows: int
) -> list[tuple[float, float]]:
    """Where each of ``rows`` rows lies along the first (unwrapped) drawing: from the end
    of what comes before its first op (its input wires' labels, its leaves) to the end of
    its last op's output label. ``plan`` maps op nodes to rows (visualize.dot.row_plan)."""
    spans: list[list[float]] = [[math.inf, -math.inf] for _ in range(rows)]
    ends = sorted(e[1] for e in extents.values())
    first, last = min(e[0] for e in extents.values()), ends[-1]
    for key, row in plan.items():
        if key in extents and 0 <= row < rows:
            a, b = extents[key][:2]
            spans[row] = [min(spans[row][0], a), max(spans[row][1], b)]
    out = []
    for k, (lo, hi) in enumerate(spans):
        if lo > hi:  # (an empty row)
            out.append((0.0, 0.0))
            continue
        start = first if k == 0 else max([e for e in ends if e < lo - 1], default=first)
        out.append((start, last if k == rows - 1 else hi))
    # A row's output wire and its label run on to the next row's start.
    for k in range(rows - 1):
        if out[k + 1][1] > out[k + 1][0]:
            out[k] = (out[k][0], max(out[k][1], out[k + 1][0]))
    return out


def row_breadths(extents: list[Extent], stretches: list[tuple[float, float]]) -> list[float]:
    """Estimated breadth of each row: a row (a stretch of the first drawing's length) is
    as broad as its broadest rank (the nodes whose centres line up across the reading
    direction), laid side by side."""
    rows = len(stretches)
    breadth = [0.0] * rows
    ranks: dict[tuple[int, int], list[float]] = {}
    for a, b, c, d in extents:
        centre = (a + b) / 2
        row = next(
            (k for k, (lo, hi) in enumerate(stretches) if lo <= centre <= hi),
            min(range(rows), key=lambda k: abs(centre - sum(stretches[k]) / 2)),
        )
        ranks.setdefault((row, round(centre / 4)), []).append(d - c)
    for (row, _), sizes in ranks.items():
        breadth[row] = max(breadth[row], RANK_SPREAD * (sum(sizes) + NODE_GAP_PT * len(sizes)))
    return breadth


def slide_pt(length: float, breadth: float, across: bool) -> float:
    """The smallest label's size on a slide for a picture of this (length, breadth)."""
    width, height = (length, breadth) if across else (breadth, length)
    return EDGE_FONT_PT * slide_zoom(width, height)


def wrapped_pt(length: float, breadths: list[float], across: bool) -> float:
    """Estimated smallest label on a slide of a picture ``length`` long cut into rows of
    these breadths (see the module docstring)."""
    rows = len(breadths)
    row_length = length / rows * ROW_SLACK + CONNECTOR_PT if rows > 1 else length
    return slide_pt(row_length, sum(breadths) + (rows - 1) * ROW_GAP, across)


def best_rows(size_of: Callable[[int], float], max_rows: int) -> tuple[int, float]:
    """(rows, estimated label size): the fewest rows that meet TARGET_PT; else the count
    that makes the labels largest, if that meets the rule; else the count up to MAX_ROWS
    that makes them largest (a picture past a slide is for the explorer: more rows would
    mostly add connectors), or more if they make the labels WORTH_WRAPPING times larger
    still. ``size_of(n)`` estimates the label size with n rows."""
    counts = range(1, max(max_rows, 1) + 1)
    sizes = {n: size_of(n) for n in counts}
    fitting = [n for n in counts if sizes[n] >= TARGET_PT]
    if fitting:
        return fitting[0], sizes[fitting[0]]
    largest = max(counts, key=lambda n: sizes[n])
    if sizes[largest] >= DEFAULT_MIN_SLIDE_PT:  # (fits, by a thinner margin)
        return largest, sizes[largest]
    rows = max(counts[:MAX_ROWS], key=lambda n: sizes[n])
    more = max(counts, key=lambda n: sizes[n])
    if sizes[more] >= WORTH_WRAPPING * sizes[rows]:  # (a long chain: rows help all the way)
        rows = more
    return rows, sizes[rows]


def fit_view(
    model: GraphModel,
    opts: DrawOptions,
    renderer: str | None,
    make_view: MakeView,
    collapse: bool = False,
) -> tuple[DrawOptions, Any]:
    """The view of ``model`` fitted to a slide (see the module docstring), and the options
    that drew it (a step-through draws every frame with them, one layout for all).
    ``make_view(model, opts, renderer, fits_slide)`` makes one drawing (visualize.graph's).
    ``collapse`` True may collapse modules (draw_graph's ``collapse_modules=None``);
    False never does (a step-through's frames keep every op).

    Not reshaped: truncated graphs (connectors would exceed ``max_nodes``), pictures whose
    shape the caller fixed (``size``, ``ratio``, ``max_aspect=None``), and pictures
    Graphviz cannot draw here (``.svg()`` then reports why).
    """
    view = make_view(model, opts, renderer)
    if opts.max_aspect is None or opts.ratio or opts.size or model.root_op is None:
        return opts, view
    try:
        length, breadth = picture_size(view.svg(), across := opts.rankdir in ("LR", "RL"))
    except RenderError:
        return opts, view
    too_long = isinstance(opts.max_aspect, float) and length > opts.max_aspect * breadth
    view.fits_slide = slide_pt(length, breadth, across) >= DEFAULT_MIN_SLIDE_PT
    # A wire through a module's title (one entering the box from above, where the title
    # is): titles at the bottom of their boxes in the drawing to come, if there is one.
    crossed = bool(model_has_modules(model)) and titles_crossed(view.svg()) > 0
    if model.truncated:
        return opts, view
    if view.fits_slide and not too_long:
        if not crossed or opts.titles_below:
            return opts, view
        below = replace(opts, titles_below=True)
        return below, make_view(model, below, renderer, fits_slide=True)
    # Each row at least MIN_ROW_OPS ops deep: a graph of a few ops cut into rows is a
    # puzzle, not a picture.
    depth = drawn_depth(model, opts.collapse_modules)
    named = _node_extents(view.svg(), opts.rankdir)
    extents = list(named.values())

    def rows_pt(rows: int) -> float:
        """The label size on a slide of ``rows`` rows, measured on the first drawing: the
        longest row's stretch of it (plus connectors), the rows' breadths stacked."""
        if rows == 1:
            return slide_pt(length, breadth, across)
        plan = row_plan(model, replace(opts, rows=rows))
        stretches = row_stretches(named, plan, rows)
        longest = max(hi - lo for lo, hi in stretches) + CONNECTOR_PT
        breadths = row_breadths(extents, stretches)
        return slide_pt(longest, sum(breadths) + (rows - 1) * ROW_GAP, across)

    rows, size = best_rows(rows_pt, min(max(depth // MIN_ROW_OPS, 1), MOST_ROWS))
    if too_long and rows == 1 and depth >= 4:
        rows = 2
    # Rows that neither make it fit nor make its labels much larger are not worth their
    # connectors: such a picture is for panning and zooming (the explorer), drawn whole.
    worth = (
        size >= TARGET_PT or too_long or size >= WORTH_WRAPPING * slide_pt(length, breadth, across)
    )
    shaped = replace(opts, rows=rows if worth else 1, titles_below=opts.titles_below or crossed)
    if (size < TARGET_PT or rows > MAX_ROWS) and collapse and not opts.collapse_modules:
        modules = collapsed_modules(model)
        if modules:
            # Collapsed, the picture is about as much shorter as it is shallower.
            depth_collapsed = drawn_depth(model, True)
            # (A module's node, listing its parameters and their gradient norms, is
            # broader than an op: COLLAPSED_SLACK, measured on the teaching corpus.)
            length_collapsed = COLLAPSED_SLACK * length * depth_collapsed / max(depth, 1)
            broadest = max(row_breadths(extents, [(0.0, length)])[0], 1.0)
            rows_c, size_c = best_rows(
                lambda n: wrapped_pt(length_collapsed, [min(breadth, broadest)] * n, across),
                max(depth_collapsed // MIN_ROW_OPS, 1),
            )
            # Collapsing hides the ops: only when it makes the picture fit, or its labels
            # much larger than rows alone would.
            if size_c >= TARGET_PT or size_c >= WORTH_WRAPPING * size:
                names = tuple(".".join(path) for path in modules)
                whole_c = wrapped_pt(length_collapsed, [min(breadth, broadest)], across)
                if size_c < TARGET_PT and size_c < WORTH_WRAPPING * whole_c:
                    rows_c = 1  # (rows would not make it much more legible: keep it whole)
                shaped = replace(shaped, collapse_modules=True, rows=rows_c, collapsed=names)
    if shaped == opts:  # nothing to change: keep the first drawing
        return opts, view
    view = make_view(model, shaped, renderer)
    try:
        length, breadth = picture_size(view.svg(), across)
    except RenderError:
        return shaped, view
    view.fits_slide = slide_pt(length, breadth, across) >= DEFAULT_MIN_SLIDE_PT
    return shaped, view
