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
3. otherwise in the rows (at most ``MAX_ROWS`` unless more make them ``MORE_ROWS_GAIN``
   times larger) that make its labels largest, if they make them at least
   ``WORTH_WRAPPING`` times larger and no smaller than ``UNREADABLE_PT``, else as drawn
   (``GraphView.fits_slide`` is then False: such a graph is for the explorer, panned and
   zoomed, not for a slide).

A picture that fits as drawn but has a wire through a module's title (a wire entering the
box from above, where the title is) is drawn once more with titles at the bottom of their
boxes. So Graphviz runs at most twice per drawing. The second drawing's size is estimated
from the first, not measured again:

- Where to cut (:class:`RowCutter`): the op nodes in the order the first drawing places
  them, cut into runs of about equal measured length (a dynamic programme over the places
  no module box spans, each cut's connectors weighed), so rows read in order and every
  wire runs forward. The rows of equal rank counts are the other candidate.
- How large (:func:`rows_drawn`): the rows' nodes (ops, wire labels, leaves and their
  copies, connectors) ranked again as Graphviz will rank them, each as large as measured
  on the first drawing. Graphviz ranks the rows side by side, so the picture is as long
  as the longest node of each rank, summed; a row is as broad as its broadest rank. Scaled
  by how the first drawing compares with the same estimate of itself, it is within 5% of
  the drawn picture for 90% of the corpus' rows (dot, 2-5 rows).
- A collapsed picture's size is estimated from its depth (``COLLAPSED_SLACK``).
"""

from __future__ import annotations

import bisect
import html
import itertools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from visualize.dot import (
    EDGE_FONT_PT,
    DrawOptions,
    RowRanks,
    collapsed_modules,
    drawn_depth,
    plan_rows,
    row_ranks,
)
from visualize.layout import ROW_GAP, picture_size
from visualize.model import GraphModel
from visualize.quality import (
    ASCENT_EM,
    DEFAULT_MIN_SLIDE_PT,
    DESCENT_EM,
    slide_zoom,
    text_width_em,
    titles_crossed,
)
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
# Rows that leave the labels smaller than this (points) on a slide are not drawn: such a
# picture (a long RNN unrolled, a random program of a hundred ops) is for the explorer,
# and dozens of connectors would not make it readable.
UNREADABLE_PT = 4.0
# More rows than MAX_ROWS for a picture past a slide only if its labels come out this much
# larger.
MORE_ROWS_GAIN = 1.15
# A row of a wrapped picture is at least this many ops deep.
MIN_ROW_OPS = 2
# Room a row's connectors add to its length (points).
CONNECTOR_PT = 80.0
# A collapsed picture comes out about this much longer than its share of the first
# drawing's depth (measured: the estimate without it was 20-25% optimistic).
COLLAPSED_SLACK = 1.25
# A collapsed picture's rows come out unequal (they are cut by rank counts): the longest is
# about this much longer than the average.
ROW_SLACK = 1.08
# The rows' estimated length is scaled by what the first drawing measured over its own
# estimate, up to this much.
MAX_STRETCH = 1.3
# A wire crossing into a row is weighed as this much more length (points): of two cuts
# about as good, the one with fewer connectors.
CROSS_PT = 12.0
# Graphviz's room between two ranks of a drawing (points): visualize.dot's ranksep.
RANKSEP_PT = 9.0
# A module box makes the row it is in this much broader (points): its margins and title.
BOX_ACROSS_PT = 26.0
# A connector's size (points) along the reading direction and across it.
CONNECTOR_ALONG_PT = 45.0
CONNECTOR_ACROSS_PT = 27.0
# Op nodes whose centres are this close (points) along the reading direction are in one
# Graphviz rank of the first drawing.
STEP_PT = 2.0
# A rank's breadth: its nodes' breadths plus this gap each (points), times RANK_SPREAD
# (Graphviz spreads a rank wider than packed, to straighten wires).
NODE_GAP_PT = 18.0
RANK_SPREAD = 1.0


def model_has_modules(model: GraphModel) -> bool:
    return any(op.cluster for op in model.ops)


Extent = tuple[float, float, float, float]


_ITEM = re.compile(r"<!-- ")
_NODE_TITLE = re.compile(r'<g id="node\d+" class="node[^"]*">\s*<title>([^<]*)</title>')
_ELLIPSE = re.compile(
    r'<ellipse\b[^>]*?cx="([-0-9.]+)" cy="([-0-9.]+)" rx="([-0-9.]+)" ry="([-0-9.]+)"'
)
_POINTS = re.compile(r'<(?:polygon|polyline|path)\b[^>]*?\b(?:points|d)="([^"]*)"')
_TEXT = re.compile(r"<text\b([^>]*)>([^<]*)</text>")
_ATTR = re.compile(r'([a-z-]+)="([^"]*)"')
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e-?\d+)?")


def _node_extents(svg: str, rankdir: str) -> dict[str, Extent]:
    """Node name -> (start, end) along the reading direction (from where it starts: the
    left in LR, the right in RL) and (start, end) across it, of every node (its outline
    and texts) of a Graphviz SVG. (Read with a few patterns, not visualize.quality's
    parser: only the nodes' outlines are needed, and this runs on every drawing past a
    slide.)"""
    across = rankdir in ("LR", "RL")
    back = -1.0 if rankdir in ("RL", "BT") else 1.0
    out = {}
    for item in _ITEM.split(svg):
        title = _NODE_TITLE.search(item)
        if title is None:
            continue
        xs: list[float] = []
        ys: list[float] = []
        for cx, cy, rx, ry in _ELLIPSE.findall(item):
            xs += [float(cx) - float(rx), float(cx) + float(rx)]
            ys += [float(cy) - float(ry), float(cy) + float(ry)]
        for points in _POINTS.findall(item):
            numbers = [float(v) for v in _NUMBER.findall(points)]
            xs += numbers[0::2]
            ys += numbers[1::2]
        for attrs, text in _TEXT.findall(item):
            a = dict(_ATTR.findall(attrs))
            x, y, size = float(a.get("x", 0)), float(a.get("y", 0)), float(a.get("font-size", 14))
            width = text_width_em(html.unescape(text)) * size
            anchor = a.get("text-anchor", "start")
            x0 = x - width / 2 if anchor == "middle" else x - width if anchor == "end" else x
            xs += [x0, x0 + width]
            ys += [y - ASCENT_EM * size, y + DESCENT_EM * size]
        if not xs:
            continue
        x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
        a0, a1, c0, c1 = (x0, x1, y0, y1) if across else (y0, y1, x0, x1)
        a0, a1 = sorted((back * a0, back * a1))
        out[html.unescape(title[1])] = (a0, a1, c0, c1)
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


@dataclass
class RowCut:
    """Rows (LR) or columns (TB) cut from a first drawing: the row of each op's node
    (DrawOptions.row_of), where each row lies along that drawing, and the estimated
    smallest label on a slide."""

    plan: dict[str, int]
    stretches: list[tuple[float, float]]
    pt: float


class RowCutter:
    """Cuts a first (unwrapped) drawing into rows of about equal measured length.

    The op nodes are put in the order the first drawing places them along its reading
    direction (nodes whose centres line up make one step: a Graphviz rank), and rows are
    runs of that order. A wire's head is always further along than its tail, so every wire
    runs forward. A cut goes where no module box kept whole (visualize.dot.row_ranks) has
    ops on both sides, so rows break at module boundaries. A row begins, along the first
    drawing, where the last node wholly before its ops ends, and runs on to where the next
    row begins (or to its last op, if that is further). The cuts make the longest row,
    counting its connectors (``CONNECTOR_PT`` at each cut end, ``CROSS_PT`` a wire crossing
    into it), as short as can be: a dynamic programme over the cuts, no DOT written, no
    Graphviz run.
    """

    def __init__(
        self, named: dict[str, Extent], ranks: RowRanks, across: bool, source: str = ""
    ) -> None:
        self.across = across
        self.named, self.edges, self.depth = named, _dot_edges(source), ranks.depth
        self.extents = list(named.values())
        self.first = min(e[0] for e in self.extents)
        self.last = max(e[1] for e in self.extents)
        # Each op node's step along the first drawing (1, 2, ...).
        centre = {k: (named[k][0] + named[k][1]) / 2 for k in ranks.rank if k in named}
        step: dict[str, int] = {}
        previous, top = -math.inf, 0
        for key in sorted(centre, key=centre.__getitem__):
            top += centre[key] > previous + STEP_PT
            step[key] = top
            previous = centre[key]
        inputs: dict[str, list[str]] = {}
        for tail, head in ranks.wires:
            inputs.setdefault(head, []).append(tail)
        for key in sorted(ranks.rank, key=ranks.rank.__getitem__):  # (not drawn: after inputs)
            if key not in step:
                step[key] = max((step.get(t, 1) for t in inputs.get(key, [])), default=1)
        self.step = step
        top = max(step.values(), default=1)
        self.top = top
        lo = np.full(top + 2, np.inf)
        hi = np.full(top + 2, -np.inf)
        for key, r in step.items():
            if key in named:
                lo[r] = min(lo[r], named[key][0])
                hi[r] = max(hi[r], named[key][1])
        # A cut before rank b: legal unless a box kept whole has ranks on both sides.
        spanned = np.zeros(top + 2, dtype=int)
        for keys in ranks.boxes:
            rs = [step[k] for k in keys]
            spanned[min(rs) + 1] += 1
            spanned[max(rs) + 1] -= 1
        spanned = np.cumsum(spanned)
        # Wires crossing a cut before rank b: each op output used at b or later, made
        # before b (one connector pair per source, however many users).
        reach: dict[str, int] = {}
        for tail, head in ranks.wires:
            if tail != head:
                reach[tail] = max(reach.get(tail, 0), step[head])
        crossing = np.zeros(top + 2, dtype=int)
        for tail, far in reach.items():
            crossing[step[tail] + 1] += 1
            crossing[far + 1] -= 1
        crossing = np.cumsum(crossing)
        ends = np.sort([e[1] for e in self.extents])
        # Suffix minimum of where the ranks from b on start: a row from b begins after the
        # last node ending before that.
        suffix = np.minimum.accumulate(lo[::-1])[::-1]
        self.bounds = [1] + [b for b in range(2, top + 1) if spanned[b] == 0] + [top + 1]
        self.top = top
        starts = []
        for b in self.bounds:
            if b == 1:
                starts.append(self.first)
            elif b == top + 1:
                starts.append(self.last)
            else:
                i = int(np.searchsorted(ends, suffix[b] - 1)) - 1
                starts.append(float(ends[i]) if i >= 0 else self.first)
        self.at = np.array(starts)
        self.crossing = np.array([crossing[b] for b in self.bounds], dtype=float)
        # Cost of a row from bound i to bound j (i < j): its length (to the next row's
        # start or its last op, whichever is further) and its connectors.
        n = len(self.bounds)
        prefix_hi = hi.copy()
        cost = np.full((n, n), np.inf)
        length = np.full((n, n), np.inf)
        for i in range(n - 1):
            b0 = self.bounds[i]
            run = np.maximum.accumulate(prefix_hi[b0 : top + 1])  # max hi of ranks b0 .. r
            for j in range(i + 1, n):
                b1 = self.bounds[j]
                if b1 - b0 < MIN_ROW_OPS and not (i == 0 and j == n - 1):
                    continue
                end = max(self.at[j], run[b1 - 1 - b0]) if j < n - 1 else self.last
                length[i, j] = end - self.at[i]
                cut_ends = (i > 0) + (j < n - 1)
                cost[i, j] = length[i, j] + cut_ends * CONNECTOR_PT / 2
                if i > 0:
                    cost[i, j] += CROSS_PT * self.crossing[i]
        self.length, self.cost = length, cost
        # How much longer Graphviz drew the whole than rows_drawn estimates it (module
        # boxes' margins and titles along it, mostly): the rows are drawn alike.
        whole, _ = rows_drawn(self.edges, named, dict.fromkeys(step, 0), 1)
        measured = self.last - self.first
        self.stretch = min(max(measured / whole, 1.0), MAX_STRETCH) if whole > 0 else 1.0

    def cut(self, rows: int) -> RowCut | None:
        """The best cut into ``rows`` rows; None when there are too few places to cut."""
        n = len(self.bounds)
        if rows == 1:
            return self.measure(dict.fromkeys(self.step, 0), 1, [(self.first, self.last)])
        if rows > n - 1:
            return None
        # best[k][j]: the least longest row cost of k rows ending at bound j.
        best = np.full((rows + 1, n), np.inf)
        came = np.zeros((rows + 1, n), dtype=int)
        best[0, 0] = 0.0
        for k in range(1, rows + 1):
            worst = np.maximum(best[k - 1][:, None], self.cost)  # (from i, to j)
            came[k] = np.argmin(worst, axis=0)
            best[k] = worst[came[k], np.arange(n)]
        if not np.isfinite(best[rows, n - 1]):
            return None
        path = [n - 1]
        for k in range(rows, 0, -1):
            path.append(int(came[k, path[-1]]))
        path.reverse()
        pairs = list(itertools.pairwise(path))
        stretches = [(float(self.at[i]), float(self.at[i] + self.length[i, j])) for i, j in pairs]
        starts = [self.bounds[i] for i in path[1:-1]]
        plan = {key: bisect.bisect_right(starts, r) for key, r in self.step.items()}
        return self.measure(plan, rows, stretches)

    def measure(
        self, plan: dict[str, int], rows: int, stretches: list[tuple[float, float]] | None = None
    ) -> RowCut:
        """The RowCut of ``plan`` (op node -> row), its label size estimated (rows_drawn,
        its length scaled as the first drawing's measured length is to its estimate)."""
        length, breadths = rows_drawn(self.edges, self.named, plan, rows, self.depth)
        gaps = (len(breadths) - 1) * ROW_GAP
        pt = slide_pt(self.stretch * length, sum(breadths) + gaps, self.across)
        return RowCut(plan, stretches or [], pt)


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
    mostly add connectors), or more if they make the labels MORE_ROWS_GAIN times larger
    still. ``size_of(n)`` estimates the label size with n rows."""
    counts = range(1, max(max_rows, 1) + 1)
    sizes: dict[int, float] = {}
    for n in counts:  # (in order, so that no more are estimated than needed)
        sizes[n] = size_of(n)
        if sizes[n] >= TARGET_PT:
            return n, sizes[n]
    largest = max(counts, key=lambda n: sizes[n])
    if sizes[largest] >= DEFAULT_MIN_SLIDE_PT:  # (fits, by a thinner margin)
        return largest, sizes[largest]
    rows = max(counts[:MAX_ROWS], key=lambda n: sizes[n])
    more = max(counts, key=lambda n: sizes[n])
    if sizes[more] >= MORE_ROWS_GAIN * sizes[rows]:  # (a long chain: rows help all the way)
        rows = more
    return rows, sizes[rows]


_EDGE = re.compile(r'^\s*"?(\w+)"?\s*->\s*"?(\w+)"?', re.M)


def _dot_edges(source: str) -> list[tuple[str, str]]:
    """The (tail, head) node names of each edge of a DOT ``source``."""
    return _EDGE.findall(source)


def rows_drawn(
    edges: list[tuple[str, str]],
    named: dict[str, Extent],
    plan: dict[str, int],
    rows: int,
    depth: dict[str, int] | None = None,
) -> tuple[float, list[float]]:
    """Estimated length of the picture cut by ``plan`` (op node -> row), and the breadth of
    each row, from the first drawing's DOT ``edges`` and measured ``named`` extents: the
    rows' nodes ranked again as Graphviz will (a node one rank past its latest input in
    its row), the picture as long as its ranks' longest nodes side by side (with
    RANKSEP_PT between: the rows share their ranks), a row as broad as its broadest rank
    (its nodes stacked, NODE_GAP_PT between), and ``BOX_ACROSS_PT`` broader for each module
    box around its ops (``depth``: op node -> how many).

    Each node goes where visualize.dot draws it: an op where ``plan`` says; a wire's label
    in its source op's row (it rides on the wire's first half), or, for a leaf's wire, in
    its user's row, with the leaf (a copy in each row that uses it); a wire into a later
    row adds a connector at the end of the label's row and one before its user."""
    into: dict[str, list[str]] = {}
    for tail, head in edges:
        into.setdefault(head, []).append(tail)
    # (node, row) -> its inputs in that row, as (node, row) pairs; "name>" and "name<" are
    # the connectors of the wire whose label is "name".
    inputs: dict[tuple[str, int], list[tuple[str, int]]] = {}
    for head, row in plan.items():
        for tail in into.get(head, []):
            feeders = into.get(tail, [])
            source = feeders[0] if feeders else None
            if source in plan and plan[source] < row:
                # A wire from an earlier row: its label ends that row, then a connector.
                inputs.setdefault((f"{tail}>", plan[source]), [(tail, plan[source])])
                inputs.setdefault((tail, plan[source]), [(source, plan[source])])
                inputs.setdefault((head, row), []).append((f"{tail}<", row))
                continue
            inputs.setdefault((head, row), []).append((tail, row))
            chain = [(f, row) for f in feeders if f not in plan or plan[f] == row]
            inputs.setdefault((tail, row), []).extend(chain)
    if "out" in named:
        for tail in into.get("out", []):
            row = max((plan.get(f, 0) for f in into.get(tail, [])), default=0)
            inputs.setdefault(("out", row), []).append((tail, row))
            inputs.setdefault((tail, row), []).extend((f, row) for f in into.get(tail, []))
    rank: dict[tuple[str, int], int] = {}

    def rank_of(node: tuple[str, int]) -> int:
        stack = [node]
        while stack:
            top = stack[-1]
            if top in rank:
                stack.pop()
                continue
            waiting = [i for i in inputs.get(top, []) if i not in rank and i != top]
            if waiting:
                stack.extend(waiting)
                continue
            rank[top] = 1 + max((rank[i] for i in inputs.get(top, [])), default=-1)
            stack.pop()
        return rank[node]

    nodes = set(inputs) | {i for ins in inputs.values() for i in ins}
    for node in nodes:
        rank_of(node)
    # Then each node as late as its users allow, as Graphviz places a leaf and its wire's
    # label: just before their user, not stacked at the row's start.
    users: dict[tuple[str, int], list[tuple[str, int]]] = {}
    for node, ins in inputs.items():
        for i in ins:
            users.setdefault(i, []).append(node)
    for node in sorted(nodes, key=rank.__getitem__, reverse=True):
        if users.get(node):
            rank[node] = max(rank[node], min(rank[u] for u in users[node]) - 1)
    along: dict[tuple[int, int], float] = {}
    across: dict[tuple[int, int], float] = {}
    counts: dict[tuple[int, int], int] = {}
    for node in nodes:
        name, row = node
        r = rank[node]
        if name.endswith((">", "<")):
            size_along, size_across = CONNECTOR_ALONG_PT, CONNECTOR_ACROSS_PT
        elif name in named:
            a0, a1, c0, c1 = named[name]
            size_along, size_across = a1 - a0, c1 - c0
        else:
            continue
        along[(row, r)] = max(along.get((row, r), 0.0), size_along)
        across[(row, r)] = across.get((row, r), 0.0) + size_across
        counts[(row, r)] = counts.get((row, r), 0) + 1
    # Graphviz ranks the rows (separate components) side by side: rank r of every row
    # is in one band across the picture, as long as the longest node of them.
    band: dict[int, float] = {}
    for (_, r), size in along.items():
        band[r] = max(band.get(r, 0.0), size)
    length = sum(size + RANKSEP_PT for size in band.values())
    breadths = [0.0] * rows
    for key, size in across.items():
        if 0 <= key[0] < rows:
            breadth = size + NODE_GAP_PT * (counts[key] - 1)
            breadths[key[0]] = max(breadths[key[0]], breadth)
    if depth:
        boxes = [0] * rows
        for key, row in plan.items():
            if 0 <= row < rows:
                boxes[row] = max(boxes[row], depth.get(key, 0))
        breadths = [b + BOX_ACROSS_PT * n for b, n in zip(breadths, boxes, strict=True)]
    return length, breadths


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

    modules = collapsed_modules(model) if opts.collapse_modules else {}
    ranks = row_ranks(model, modules)
    cutter = RowCutter(named, ranks, across, view.source)
    cuts: dict[int, RowCut] = {}

    def rows_pt(rows: int) -> float:
        """The label size on a slide of ``rows`` rows, measured on the first drawing: the
        longest row's stretch of it (plus connectors), the rows' breadths stacked."""
        if rows == 1:
            return slide_pt(length, breadth, across)
        # Rows of equal measured length, or of equal rank counts (a module box whole in
        # the row where it starts): whichever the estimate finds more legible.
        even = plan_rows(model, replace(opts, rows=rows, row_of=()), ranks=ranks)
        found = [c for c in [cutter.cut(rows)] if c is not None]
        if not found or any(found[0].plan.get(k) != r for k, r in even.items() if k != "out"):
            found.append(cutter.measure(even, rows))
        cuts[rows] = max(found, key=lambda c: c.pt)
        return cuts[rows].pt

    rows, size = best_rows(rows_pt, min(max(depth // MIN_ROW_OPS, 1), MOST_ROWS))
    if too_long and rows == 1 and depth >= 4:
        rows = 2
    # Rows that neither make it fit nor make its labels much larger are not worth their
    # connectors, nor rows that leave them too small to read all the same: such a picture
    # is for panning and zooming (the explorer), drawn whole.
    whole = slide_pt(length, breadth, across)
    worth = (
        size >= TARGET_PT or too_long or (size >= WORTH_WRAPPING * whole and size >= UNREADABLE_PT)
    )
    rows = rows if worth else 1
    row_of = tuple(sorted(cuts[rows].plan.items())) if rows in cuts else ()
    shaped = replace(opts, rows=rows, row_of=row_of, titles_below=opts.titles_below or crossed)
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
                shaped = replace(
                    shaped, collapse_modules=True, rows=rows_c, row_of=(), collapsed=names
                )
    if shaped == opts:  # nothing to change: keep the first drawing
        return opts, view
    view = make_view(model, shaped, renderer)
    try:
        length, breadth = picture_size(view.svg(), across)
    except RenderError:
        return shaped, view
    view.fits_slide = slide_pt(length, breadth, across) >= DEFAULT_MIN_SLIDE_PT
    return shaped, view
