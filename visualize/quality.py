"""Measure a rendered graph picture: is every text readable and on its own wire?

``find_defects(svg)`` reads SVG written by Graphviz and returns a list of
:class:`Defect` (empty when the picture passes). It checks what a reader of a lecture
slide trips over:

* ``overlap``: two texts overlap (``edge text on node text`` when one is a wire's label
  and the other a node's);
* ``edge text on a node``: a wire's label lies over a node's shape;
* ``ambiguous label``: a wire's label (all its lines, as one block) is not clearly (by
  ``LABEL_MARGIN_PT``) nearer to its own wire than to every other wire (a label drawn as a
  node on its wire, which the wire enters and leaves, is at distance 0 from it);
* ``wire through text``: a wire passes through a text, its own label's too (e.g. through a
  leading minus sign, so "-0.48" reads "0.48"); a node's text only when the wire does not
  end at that node;
* ``text on a cluster border``: a text straddles the visible outline of a module's box;
* ``clipped``: a text reaches outside the picture;
* ``aspect``: the picture is more than ``max_aspect`` times wider than high (or higher
  than wide), when ``max_aspect`` is given;
* ``small text``: a text is smaller than ``min_font_pt`` at the picture's natural size;
* ``small caption``: fitted to a 16:9 slide, a caption (the graph's own label: a title,
  a note, a legend; a line added under the picture) is under ``min_caption_pt`` (12 pt);
* ``small on a slide``: fitted to a 16:9 slide (13.33 x 7.5 in, enlarged at most 2x),
  the smallest text is under ``min_slide_pt`` (8 pt);
* ``connector order``: a wrapped picture's lettered connectors do not read A, B, C ...
  along the starts of its rows (or columns), or a wire continues in an earlier row;
* ``fork sum``: a leaf used several times draws a total that its wires' shares (each
  wire's gradient, as drawn) do not add up to (gradients add at forks).
  :func:`totals_against_grads` checks the drawn totals against the leaves' ``.grad``.

How text boxes are estimated. SVG gives each text's anchor point (``x``, baseline ``y``),
``font-size`` and ``text-anchor`` but not its extent, which depends on the font the viewer
picks. We take the widths of Helvetica (Liberation Sans and Arial share them, and
Graphviz sizes labels with them), rounded *up* to the next 0.05 em, and 1 em for any
character outside ASCII; the box spans 0.8 em above the baseline and 0.2 em below. So a
box is never narrower than the text a browser draws with those fonts: an overlap that is
reported may be a near miss, but one that is not reported is not there.

Distances from a text to a wire are measured from the text's box to the wire's path
(its Bézier curves and arrowhead, sampled at least every point).
"""

from __future__ import annotations

import itertools
import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

import numpy as np

SVG_NS = "{http://www.w3.org/2000/svg}"

# Helvetica advance widths in 1/1000 em for printable ASCII, from space (32) to ~ (126).
_HELVETICA = (
    [278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278]
    + [556] * 10
    + [278, 278, 584, 584, 584, 556, 1015]
    + [667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833]
    + [722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611]
    + [278, 278, 278, 469, 556, 333]
    + [556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833]
    + [556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500]
    + [334, 260, 334, 584]
)
# Rounded up to 0.05 em: the estimate errs on the wide side.
_CHAR_EM = [math.ceil(w / 50) / 20 for w in _HELVETICA]
ASCENT_EM = 0.8
DESCENT_EM = 0.2

DEFAULT_MAX_ASPECT = 4.0
# A label must be this much (points) nearer its own wire than any other: a wire a hair
# farther away reads as an underline of the label, not as a different wire.
LABEL_MARGIN_PT = 4.0
DEFAULT_MIN_FONT_PT = 10.0
# The slide a picture is fitted to (13.33 x 7.5 in, 16:9), the most it is enlarged to fill
# it, and the smallest text a slide may show then.
SLIDE_PT = (13.33 * 72, 7.5 * 72)
SLIDE_MAX_ZOOM = 2.0
DEFAULT_MIN_SLIDE_PT = 8.0
# A caption (the graph's own label: a title, a note, a legend; the line added under a
# picture past a slide) is at least this big on that slide: a teacher reads it first.
CAPTION_MIN_SLIDE_PT = 12.0
# visualize.dot gives these classes to a wire's label node (the wire enters and leaves its
# box) and to the lettered connectors of a wrapped picture.
WIRE_LABEL_CLASS = "wirelabel"
# A wire that comes this close (points) to a label node's text on both sides runs through
# it; any other wire must then keep LABEL_MARGIN_PT away from the text.
THROUGH_PT = 8.0
# Boxes closer than this (in points) still count as apart: Graphviz rounds to 0.01.
_TOLERANCE = 0.05


def text_width_em(text: str) -> float:
    """Estimated width of ``text`` in em (see the module docstring)."""
    total = 0.0
    for ch in text:
        code = ord(ch)
        if code == 0xA0:  # Graphviz writes runs of spaces as no-break spaces
            code = 32
        total += _CHAR_EM[code - 32] if 32 <= code <= 126 else 1.0
    return total


@dataclass(frozen=True)
class Box:
    """An axis-aligned rectangle in the picture's coordinates (y grows downwards)."""

    x0: float
    y0: float
    x1: float
    y1: float

    def overlaps(self, other: Box, tolerance: float = _TOLERANCE) -> bool:
        return (
            min(self.x1, other.x1) - max(self.x0, other.x0) > tolerance
            and min(self.y1, other.y1) - max(self.y0, other.y0) > tolerance
        )

    def distance_to(self, px: float, py: float) -> float:
        """Distance from the point (px, py) to the rectangle (0 inside)."""
        dx = max(self.x0 - px, 0.0, px - self.x1)
        dy = max(self.y0 - py, 0.0, py - self.y1)
        return math.hypot(dx, dy)


@dataclass
class Text:
    """One ``<text>`` element: its string, estimated box, size and the group it belongs to."""

    text: str
    box: Box
    font_size: float
    owner: str  # "node", "edge", "cluster", "caption" (visualize.paint.fit_captions) or "graph"
    owner_id: str
    fill: str = ""  # its colour as written ("red": a gradient), "" when not given


@dataclass
class Shape:
    """A node's outline: a rectangle, or an ellipse (``ellipse`` set to (cx, cy, rx, ry))."""

    box: Box
    owner_id: str
    ellipse: tuple[float, float, float, float] | None = None

    def overlaps(self, box: Box) -> bool:
        if not self.box.overlaps(box):
            return False
        if self.ellipse is None:
            return True
        cx, cy, rx, ry = self.ellipse
        # The point of the box nearest the centre, in the ellipse's unit circle.
        nx = (min(max(cx, box.x0), box.x1) - cx) / rx
        ny = (min(max(cy, box.y0), box.y1) - cy) / ry
        return nx * nx + ny * ny < 1.0 - 1e-6


class Wire:
    """An edge's path and arrowhead, sampled at least every point (an (n, 2) array)."""

    def __init__(self, points: list[tuple[float, float]] | np.ndarray) -> None:
        self.points = np.asarray(points, dtype=float).reshape(-1, 2)
        lo, hi = self.points.min(axis=0), self.points.max(axis=0)
        self.box = Box(lo[0], lo[1], hi[0], hi[1])

    def distance(self, box: Box) -> float:
        """Distance from ``box`` to the wire (0 when they touch); off by half a point at most."""
        x, y = self.points[:, 0], self.points[:, 1]
        dx = np.maximum(np.maximum(box.x0 - x, 0.0), x - box.x1)
        dy = np.maximum(np.maximum(box.y0 - y, 0.0), y - box.y1)
        return float(np.sqrt((dx * dx + dy * dy).min()))


def _box_gap(a: Box, b: Box) -> float:
    """Distance between two boxes (0 when they overlap): a lower bound for what they hold."""
    dx = max(a.x0 - b.x1, 0.0, b.x0 - a.x1)
    dy = max(a.y0 - b.y1, 0.0, b.y0 - a.y1)
    return math.hypot(dx, dy)


@dataclass
class Picture:
    """What :func:`read_svg` found: texts, node outlines, wires (as point lists), size."""

    width_pt: float
    height_pt: float
    scale: float  # picture points per coordinate unit (Graphviz's `size` shrinks it)
    canvas: Box
    texts: list[Text] = field(default_factory=list)
    shapes: list[Shape] = field(default_factory=list)
    wires: dict[str, Wire] = field(default_factory=dict)
    clusters: list[tuple[str, Box]] = field(default_factory=list)  # (id, outline's box)
    titles: dict[str, str] = field(default_factory=dict)  # group id -> <title>: "a", "a->b"
    classes: dict[str, set[str]] = field(default_factory=dict)  # group id -> its classes
    _wire_boxes: tuple[list[str], np.ndarray] | None = field(default=None, repr=False)

    def wires_near(self, box: Box, reach: float = 0.0) -> list[tuple[str, Wire]]:
        """The wires whose bounding boxes come within ``reach`` points of ``box`` (touching
        it when 0), in drawing order: the only ones that can pass through or near it."""
        if self._wire_boxes is None or len(self._wire_boxes[0]) != len(self.wires):
            ids = list(self.wires)
            boxes = [(w.box.x0, w.box.y0, w.box.x1, w.box.y1) for w in self.wires.values()]
            self._wire_boxes = ids, np.asarray(boxes, dtype=float).reshape(-1, 4)
        ids, b = self._wire_boxes
        dx = np.maximum(np.maximum(box.x0 - b[:, 2], 0.0), b[:, 0] - box.x1)
        dy = np.maximum(np.maximum(box.y0 - b[:, 3], 0.0), b[:, 1] - box.y1)
        near = np.hypot(dx, dy) <= reach if reach > 0 else (dx == 0) & (dy == 0)
        return [(ids[i], self.wires[ids[i]]) for i in np.flatnonzero(near)]


@dataclass(frozen=True)
class Defect:
    """One problem found on a picture: its ``kind`` (see the module docstring) and details."""

    kind: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.detail}"


_NUMBER = re.compile(r"-?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|-?\.\d+(?:[eE][-+]?\d+)?")


def _numbers(text: str) -> list[float]:
    return [float(n) for n in _NUMBER.findall(text)]


def _points(text: str) -> list[tuple[float, float]]:
    nums = _numbers(text)
    return list(zip(nums[0::2], nums[1::2]))


def _bezier_points(d: str, steps: int = 12) -> list[tuple[float, float]]:
    """Points along a Graphviz path ``M p0 C p1 p2 p3 p4 p5 p6 ...`` (cubic pieces)."""
    pts = _points(d)
    if len(pts) < 4:
        return pts[:1]
    ctrl = np.asarray(pts[: 1 + 3 * ((len(pts) - 1) // 3)], dtype=float)
    p0, p1, p2, p3 = ctrl[0:-1:3], ctrl[1::3], ctrl[2::3], ctrl[3::3]  # (pieces, 2) each
    t = (np.arange(1, steps + 1) / steps)[None, :, None]
    u = 1 - t
    curve = (
        u**3 * p0[:, None] + 3 * u * u * t * p1[:, None] + 3 * u * t * t * p2[:, None]
    ) + t**3 * p3[:, None]
    return [pts[0], *map(tuple, curve.reshape(-1, 2).tolist())]


def _text_box(el: ET.Element, text: str) -> tuple[Box, float]:
    x, y = float(el.get("x", 0)), float(el.get("y", 0))
    size = float(el.get("font-size", 14))
    width = text_width_em(text) * size
    anchor = el.get("text-anchor", "start")
    x0 = x - width / 2 if anchor == "middle" else x - width if anchor == "end" else x
    return Box(x0, y - ASCENT_EM * size, x0 + width, y + DESCENT_EM * size), size


def _length_pt(value: str | None) -> float:
    """An SVG length such as "164pt" or "120px" in points."""
    if not value:
        return 0.0
    number = _numbers(value)
    unit = value.strip()[-2:]
    factor = {"px": 0.75, "in": 72.0, "cm": 72 / 2.54, "mm": 72 / 25.4}.get(unit, 1.0)
    return number[0] * factor if number else 0.0


def read_svg(svg: str) -> Picture:
    """Parse Graphviz SVG into a :class:`Picture` (coordinates as in the graph group)."""
    root = ET.fromstring(svg.encode("utf-8"))
    width_pt, height_pt = _length_pt(root.get("width")), _length_pt(root.get("height"))
    graph = next(g for g in root.iter(f"{SVG_NS}g") if "graph" in (g.get("class") or "").split())
    transform = graph.get("transform", "")
    scale_match = re.search(r"scale\(([^)]*)\)", transform)
    scale = _numbers(scale_match[1])[0] if scale_match else 1.0
    view = _numbers(root.get("viewBox", ""))
    # viewBox units -> points: the same unless the picture was rescaled (Graphviz rounds
    # the width to whole points, so a difference under a point is rounding).
    if len(view) == 4 and view[2] > 0 and abs(width_pt - view[2]) > 1:
        scale *= width_pt / view[2]
    background = graph.find(f"{SVG_NS}polygon")
    if background is not None:
        xs, ys = zip(*_points(background.get("points", "")))
        canvas = Box(min(xs), min(ys), max(xs), max(ys))
    else:
        canvas = Box(-math.inf, -math.inf, math.inf, math.inf)
    picture = Picture(width_pt, height_pt, scale, canvas)

    def walk(el: ET.Element, owner: str, owner_id: str) -> None:
        for child in el:
            tag = child.tag.removeprefix(SVG_NS)
            if tag == "g":
                classes = (child.get("class") or "").split()
                kind = next(
                    (c for c in classes if c in ("node", "edge", "cluster", "caption")), None
                )
                if kind is not None:
                    group_id = child.get("id") or f"{kind}{len(picture.texts)}"
                    picture.classes[group_id] = set(classes)
                    walk(child, kind, group_id)
                else:
                    walk(child, owner, owner_id)
            elif tag == "a":
                walk(child, owner, owner_id)
            elif tag == "title" and owner in ("node", "edge"):
                picture.titles[owner_id] = child.text or ""
            elif tag == "text":
                text = "".join(child.itertext())
                if text.strip():
                    box, size = _text_box(child, text)
                    fill = child.get("fill") or ""
                    picture.texts.append(Text(text, box, size, owner, owner_id, fill))
            elif owner == "edge" and tag in ("path", "polygon", "polyline"):
                if tag == "path":
                    pts = _bezier_points(child.get("d", ""))
                else:
                    pts = _points(child.get("points", ""))
                paths.setdefault(owner_id, []).append(_densify(pts))
            elif owner == "node" and tag in ("polygon", "path", "ellipse", "polyline"):
                picture.shapes.append(_shape(child, tag, owner_id))
            elif owner == "cluster" and tag in ("polygon", "path"):
                # Only a visible outline can cut a text (a tinted box without one cannot).
                stroke = child.get("stroke", "black")
                if stroke not in ("none", "transparent", child.get("fill")):
                    picture.clusters.append((owner_id, _shape(child, tag, owner_id).box))

    paths: dict[str, list[np.ndarray]] = {}
    walk(graph, "graph", "graph")
    # A caption added under the picture (visualize.paint.fit_captions) is written outside
    # the graph's group, in the SVG's own units: back to the graph's (v = s * (g + t)).
    shift = re.search(r"translate\(([^)]*)\)", transform)
    tx, ty = [*_numbers(shift[1]), 0.0, 0.0][:2] if shift else (0.0, 0.0)
    s = _numbers(scale_match[1])[0] if scale_match else 1.0
    for child in root:
        if child.tag == f"{SVG_NS}text" and "".join(child.itertext()).strip():
            text = "".join(child.itertext())
            box, size = _text_box(child, text)
            box = Box(box.x0 / s - tx, box.y0 / s - ty, box.x1 / s - tx, box.y1 / s - ty)
            picture.texts.append(Text(text, box, size / s, "caption", "caption"))
    for wire_id, pieces in paths.items():
        points = np.concatenate(pieces)
        if len(points):
            picture.wires[wire_id] = Wire(points)
    # A node's text lies inside its outline: Graphviz sized the outline to the text with the
    # font's own widths, which the estimate (rounded up) may exceed by a few points. Clipped
    # to the outline, a wire grazing the outside of a long label's box is not counted as
    # crossing its text.
    outline = {s.owner_id: s.box for s in picture.shapes if s.ellipse is None}
    for t in picture.texts:
        frame = outline.get(t.owner_id) if t.owner == "node" else None
        if frame is not None and (t.box.x0 < frame.x0 or t.box.x1 > frame.x1):
            t.box = Box(max(t.box.x0, frame.x0), t.box.y0, min(t.box.x1, frame.x1), t.box.y1)
    return picture


def _shape(el: ET.Element, tag: str, owner_id: str) -> Shape:
    if tag == "ellipse":
        cx, cy = float(el.get("cx", 0)), float(el.get("cy", 0))
        rx, ry = float(el.get("rx", 0)), float(el.get("ry", 0))
        return Shape(Box(cx - rx, cy - ry, cx + rx, cy + ry), owner_id, (cx, cy, rx, ry))
    pts = _bezier_points(el.get("d", "")) if tag == "path" else _points(el.get("points", ""))
    xs, ys = zip(*pts) if pts else ((0.0,), (0.0,))
    return Shape(Box(min(xs), min(ys), max(xs), max(ys)), owner_id)


def _densify(points: list[tuple[float, float]], step: float = 1.0) -> np.ndarray:
    """The polyline through ``points`` sampled at least every ``step`` points ((n, 2))."""
    p = np.asarray(points, dtype=float).reshape(-1, 2)
    if len(p) < 2:
        return p
    a, b = p[:-1], p[1:]
    counts = np.maximum(1, np.ceil(np.hypot(*(b - a).T) / step)).astype(int)
    piece = np.repeat(np.arange(len(a)), counts)
    starts = np.cumsum(counts) - counts
    t = (np.arange(counts.sum()) - starts[piece] + 1) / counts[piece]
    return np.concatenate([p[:1], a[piece] + (b - a)[piece] * t[:, None]])


def _union(boxes: list[Box]) -> Box:
    return Box(
        min(b.x0 for b in boxes),
        min(b.y0 for b in boxes),
        max(b.x1 for b in boxes),
        max(b.y1 for b in boxes),
    )


def _ends_at(pic: Picture, wire_id: str, t: Text) -> bool:
    """Is ``t`` the text of a node at either end of the wire ``wire_id``? (A wire label's
    node does not count: the wire enters and leaves its box, never its text.)"""
    if t.owner != "node" or WIRE_LABEL_CLASS in pic.classes.get(t.owner_id, ()):
        return False
    ends = re.split(r"->|--", pic.titles.get(wire_id, ""))
    return pic.titles.get(t.owner_id) in {end.split(":")[0] for end in ends}


def _describe(t: Text) -> str:
    return f"{t.owner} text {t.text!r}"


def slide_zoom(width_pt: float, height_pt: float) -> float:
    """How much a picture of this size is scaled to fit a 16:9 slide (at most 2x)."""
    if width_pt <= 0 or height_pt <= 0:
        return SLIDE_MAX_ZOOM
    return min(SLIDE_PT[0] / width_pt, SLIDE_PT[1] / height_pt, SLIDE_MAX_ZOOM)


def smallest_on_slide(pic: Picture) -> float:
    """The smallest text of the picture, in points, once fitted to a 16:9 slide
    (13.33 x 7.5 in, enlarged at most 2x); inf for a picture without text."""
    if not pic.texts:
        return math.inf
    smallest = min(t.font_size for t in pic.texts) * pic.scale
    return smallest * slide_zoom(pic.width_pt, pic.height_pt)


def smallest_caption_on_slide(pic: Picture) -> float:
    """The smallest caption (the graph's own label lines: a title, a note, a legend; a
    line added under the picture) in points once the picture is fitted to a 16:9 slide;
    inf for a picture without one."""
    sizes = [t.font_size for t in pic.texts if t.owner == "caption"]
    if not sizes:
        return math.inf
    return min(sizes) * pic.scale * slide_zoom(pic.width_pt, pic.height_pt)


def find_defects(
    svg: str,
    max_aspect: float | None = None,
    min_font_pt: float = DEFAULT_MIN_FONT_PT,
    min_slide_pt: float | None = None,
    min_caption_pt: float | None = CAPTION_MIN_SLIDE_PT,
) -> list[Defect]:
    """Everything wrong with the picture ``svg`` (see the module docstring); [] if none.

    ``min_slide_pt`` is the smallest text wanted once the picture is fitted to a slide
    (``DEFAULT_MIN_SLIDE_PT``, 8, for a picture meant for a slide; None: not checked, as
    for a picture past a slide, drawn for the interactive view); ``max_aspect`` (None: not
    checked) the longest side over the other; ``min_caption_pt`` the smallest caption on
    that slide (a picture past a slide too: its caption says how to see all of it).
    """
    pic = read_svg(svg)
    return [
        *([] if min_caption_pt is None else _small_caption(pic, min_caption_pt)),
        *_overlaps(pic),
        *_texts_on_nodes_wires_and_borders(pic),
        *_ambiguous_labels(pic),
        *_clipped_or_small(pic, min_font_pt),
        *([] if max_aspect is None else _aspect(pic, max_aspect)),
        *([] if min_slide_pt is None else _small_on_slide(pic, min_slide_pt)),
        *_connector_order(pic),
        *_fork_sums(pic),
    ]


def _small_on_slide(pic: Picture, min_slide_pt: float) -> list[Defect]:
    smallest = smallest_on_slide(pic)
    if smallest >= min_slide_pt - 1e-6:
        return []
    return [
        Defect(
            "small on a slide",
            f"{pic.width_pt:.0f} x {pic.height_pt:.0f} pt fitted to a 13.33 x 7.5 in slide "
            f"shows text at {smallest:.1f} pt (at least {min_slide_pt:g} pt wanted)",
        )
    ]


def _small_caption(pic: Picture, min_caption_pt: float) -> list[Defect]:
    smallest = smallest_caption_on_slide(pic)
    if smallest >= min_caption_pt - 1e-6:
        return []
    return [
        Defect(
            "small caption",
            f"{pic.width_pt:.0f} x {pic.height_pt:.0f} pt fitted to a 13.33 x 7.5 in slide "
            f"shows its caption at {smallest:.1f} pt (at least {min_caption_pt:g} pt wanted)",
        )
    ]


_CONNECTOR_TITLE = re.compile(r"wrap\d+_(to|from)")


def _letters_value(letters: str) -> int:
    value = 0
    for ch in letters:
        value = value * 26 + (ord(ch) - 64)
    return value


def connector_orders(pic: Picture) -> dict[str, list[str]]:
    """The letters of a wrapped picture's connectors in reading order, for each end: "from"
    (where wires come back, at the starts of rows) and "to" (where they leave). Rows (LR)
    read left to right, columns (TB) top to bottom, one after the other; visualize.dot
    writes each connector's row and the direction in its class ("row2 alongx")."""
    ends: dict[str, list[tuple[tuple, str]]] = {}
    for t in pic.texts:
        end = _CONNECTOR_TITLE.fullmatch(pic.titles.get(t.owner_id, ""))
        if t.owner != "node" or end is None or not t.text.isalpha():
            continue
        classes = pic.classes.get(t.owner_id, set())
        row = next((int(c[3:]) for c in classes if re.fullmatch(r"row\d+", c)), 0)
        # The text's middle, to Graphviz's 0.01 pt: connectors stacked at a row's start
        # share it exactly (no float noise from the estimated widths of their letters).
        cx, cy = round((t.box.x0 + t.box.x1) / 2, 2), round((t.box.y0 + t.box.y1) / 2, 2)
        key = (row, cx, cy) if "alongy" not in classes else (row, cy, cx)
        ends.setdefault(end[1], []).append((key, t.text))
    return {side: [letter for _, letter in sorted(found)] for side, found in ends.items()}


def _connector_order(pic: Picture) -> list[Defect]:
    """The connectors at the starts of rows must read A, B, C ... in reading order (the
    reader who reaches a letter at the end of a row looks for it at the next row's start).
    """
    letters = connector_orders(pic).get("from", [])
    found = [
        Defect("connector order", f"connector {a} comes before {b} at the rows' starts")
        for a, b in itertools.pairwise(letters)
        if _letters_value(a) > _letters_value(b)
    ]
    # And a wire continues in a later row, never an earlier one (the reader would go back).
    rows: dict[str, dict[str, int]] = {}
    for owner_id, title in pic.titles.items():
        end = re.fullmatch(r"(wrap\d+)_(to|from)", title)
        row = next((c for c in pic.classes.get(owner_id, ()) if re.fullmatch(r"row\d+", c)), None)
        if end is not None and row is not None:
            rows.setdefault(end[1], {})[end[2]] = int(row[3:])
    for pair, ends in sorted(rows.items()):
        if ends.get("from", 1 << 30) < ends.get("to", -1):
            found.append(
                Defect(
                    "connector order",
                    f"{pair} leaves row {ends['to']} and comes back in row {ends['from']}",
                )
            )
    return found


def _overlaps(pic: Picture) -> list[Defect]:
    defects = []
    texts = sorted(pic.texts, key=lambda t: t.box.x0)  # a sweep from left to right
    for i, a in enumerate(texts):
        for b in texts[i + 1 :]:
            if b.box.x0 >= a.box.x1:
                break
            if a.box.overlaps(b.box):
                kinds = {a.owner, b.owner}
                kind = "edge text on node text" if kinds == {"edge", "node"} else "overlap"
                defects.append(Defect(kind, f"{_describe(a)} and {_describe(b)}"))
    return defects


def titles_crossed(svg: str) -> int:
    """How many module titles (cluster texts) of ``svg`` a wire passes through."""
    return len(titles_crossed_by(read_svg(svg)))


def titles_crossed_by(pic: Picture) -> set[str]:
    """The ids of the clusters whose title (text) a wire of ``pic`` passes through."""
    crossed = set()
    for t in pic.texts:
        if t.owner == "cluster":
            inner = Box(t.box.x0 + 0.5, t.box.y0 + 0.5, t.box.x1 - 0.5, t.box.y1 - 0.5)
            if any(w.distance(inner) == 0.0 for _, w in pic.wires_near(inner)):
                crossed.add(t.owner_id)
    return crossed


def _texts_on_nodes_wires_and_borders(pic: Picture) -> list[Defect]:
    defects = []
    for t in pic.texts:
        if t.owner == "edge":
            for shape in pic.shapes:
                if shape.overlaps(t.box):
                    defects.append(
                        Defect("edge text on a node", f"{_describe(t)} on {shape.owner_id}")
                    )
        # A wire grazing a text is fine; one through it (half a point inside) is not. A wire
        # may start at its own node's text (a plain node is only text).
        inner = Box(t.box.x0 + 0.5, t.box.y0 + 0.5, t.box.x1 - 0.5, t.box.y1 - 0.5)
        for wire_id, wire in pic.wires_near(inner):
            if not _ends_at(pic, wire_id, t) and wire.distance(inner) == 0.0:
                defects.append(Defect("wire through text", f"{wire_id} through {_describe(t)}"))
        for cluster_id, frame in pic.clusters:
            inside = (
                frame.x0 <= inner.x0
                and inner.x1 <= frame.x1
                and frame.y0 <= inner.y0
                and inner.y1 <= frame.y1
            )
            if frame.overlaps(inner) and not inside:
                defects.append(
                    Defect("text on a cluster border", f"{_describe(t)} on {cluster_id}")
                )
    return defects


def _ambiguous_labels(pic: Picture) -> list[Defect]:
    defects = []
    labels: dict[str, list[Text]] = {}
    for t in pic.texts:
        if t.owner == "edge" or WIRE_LABEL_CLASS in pic.classes.get(t.owner_id, ()):
            labels.setdefault(t.owner_id, []).append(t)
    # A label node's own wires are the two halves that enter and leave it.
    halves: dict[str, list[str]] = {}
    for wire_id in pic.wires:
        for end in re.split(r"->|--", pic.titles.get(wire_id, "")):
            halves.setdefault(end.split(":")[0], []).append(wire_id)
    for wire_id, lines in labels.items():
        if lines[0].owner == "edge":
            own_ids = [wire_id] if wire_id in pic.wires else []
        else:
            own_ids = halves.get(pic.titles.get(wire_id, ""), [])
        if not own_ids:
            continue
        block = _union([t.box for t in lines])
        mine = min(pic.wires[i].distance(block) for i in own_ids)
        if lines[0].owner == "node" and len(own_ids) >= 2 and mine <= THROUGH_PT:
            # The wire enters the label's box and leaves it: it runs through the label.
            mine = 0.0
        for other_id, wire in pic.wires_near(block, mine + LABEL_MARGIN_PT):
            if other_id in own_ids or _box_gap(block, wire.box) >= mine + LABEL_MARGIN_PT:
                continue
            other = wire.distance(block)
            if other < mine + LABEL_MARGIN_PT:
                text = " / ".join(t.text for t in lines)
                defects.append(
                    Defect(
                        "ambiguous label",
                        f"label {text!r} of {wire_id} is {other:.1f} pt from {other_id} "
                        f"but {mine:.1f} pt from its own wire",
                    )
                )
                break
    return defects


def _clipped_or_small(pic: Picture, min_font_pt: float) -> list[Defect]:
    defects = []
    c = pic.canvas
    for t in pic.texts:
        b = t.box
        if b.x0 < c.x0 - 1 or b.y0 < c.y0 - 1 or b.x1 > c.x1 + 1 or b.y1 > c.y1 + 1:
            defects.append(Defect("clipped", f"{_describe(t)} reaches outside the picture"))
        if t.font_size * pic.scale < min_font_pt - 1e-6:
            defects.append(
                Defect(
                    "small text",
                    f"{_describe(t)} is {t.font_size * pic.scale:.1f} pt "
                    f"(at least {min_font_pt:g} pt wanted)",
                )
            )
    return defects


def _aspect(pic: Picture, max_aspect: float) -> list[Defect]:
    if pic.width_pt <= 0 or pic.height_pt <= 0:
        return []
    aspect = max(pic.width_pt / pic.height_pt, pic.height_pt / pic.width_pt)
    if aspect <= max_aspect:
        return []
    return [
        Defect(
            "aspect",
            f"{pic.width_pt:.0f} x {pic.height_pt:.0f} pt is {aspect:.1f}:1 "
            f"(at most {max_aspect:g}:1 wanted)",
        )
    ]


# ---------------------------------------------------------------------------------------
# Gradients add at forks: the arithmetic a picture shows
# ---------------------------------------------------------------------------------------

# The colour of a gradient's text (visualize.paint.GRAD_COLOR; quality reads SVG only).
GRAD_FILL = "red"
# A drawn number is rounded to 3 significant digits (a scalar to 4): off by at most this
# much of its size. A sum of drawn numbers may be off by the sum of theirs.
DRAWN_ROUNDING = 5.1e-3
_LEAF_NODE = re.compile(r"(t\d+)(?:_\d+)?")
_TOTAL_PREFIX = re.compile(r"^(?:total )?grad ")


def _grad_text(texts: list[Text]) -> str | None:
    """The gradient a node or label draws: its red lines in reading order, joined (None
    when it draws none)."""
    red = sorted((t for t in texts if t.fill == GRAD_FILL), key=lambda t: (t.box.y0, t.box.x0))
    return " ".join(t.text for t in red) or None


def _drawn_grad(text: str) -> tuple[str, np.ndarray]:
    """("norm", [n]) for ``grad norm 0.31`` (a summary), else ("full", the numbers)."""
    text = _TOTAL_PREFIX.sub("", text.strip())
    if text.startswith("norm "):
        return "norm", np.array([float(x) for x in _NUMBER.findall(text)[:1]])
    return "full", np.array([float(x) for x in _NUMBER.findall(text)])


def leaf_totals(pic: Picture) -> dict[str, tuple[str, list[str]]]:
    """Leaf key -> (its drawn total, the drawn shares on its wires), for every leaf that
    draws a total (``grad ...`` on a leaf with several wires, ``total grad ...`` on each
    copy of a leaf drawn beside each user). A share is None-free: a leaf with a wire that
    draws no gradient is left out (nothing to add up)."""
    texts: dict[str, list[Text]] = {}
    for t in pic.texts:
        texts.setdefault(t.owner_id, []).append(t)
    group_of = {title: gid for gid, title in pic.titles.items()}
    found: dict[str, tuple[str, list[str]]] = {}
    incomplete = set()
    for gid, title in pic.titles.items():
        leaf = _LEAF_NODE.fullmatch(title)
        if leaf is None or "->" in title or WIRE_LABEL_CLASS in pic.classes.get(gid, ()):
            continue
        node_texts = texts.get(gid, [])
        total = _grad_text(node_texts)
        if total is None or not _TOTAL_PREFIX.match(total):
            continue
        shares = []
        for wire_id, wire_title in pic.titles.items():
            tail, _, head = wire_title.partition("->")
            if tail != title or not head:
                continue
            # The label is a node on the wire, or the wire's own label.
            label = texts.get(group_of.get(head, ""), []) if head.startswith("w") else []
            share = _grad_text(label) or _grad_text(texts.get(wire_id, []))
            if share is None:
                incomplete.add(leaf[1])
            else:
                shares.append(share)
        old = found.get(leaf[1], (total, []))
        found[leaf[1]] = (old[0], old[1] + shares)
    return {k: v for k, v in found.items() if k not in incomplete and v[1]}


def _fork_sums(pic: Picture) -> list[Defect]:
    """``fork sum``: the shares a leaf's wires draw do not add up to the total it draws
    (elementwise when every one is drawn in full; a norm is at most the sum of the shares'
    norms, when any is a summary)."""
    defects = []
    for key, (total_text, share_texts) in sorted(leaf_totals(pic).items()):
        kind, total = _drawn_grad(total_text)
        shares = [_drawn_grad(s) for s in share_texts]
        if kind == "full" and all(k == "full" and len(v) == len(total) for k, v in shares):
            values = np.array([v for _, v in shares])
            slack = DRAWN_ROUNDING * (np.abs(values).sum(axis=0) + np.abs(total)) + 1e-12
            ok = bool(np.all(np.abs(values.sum(axis=0) - total) <= slack))
        else:
            norms = [float(np.sqrt(np.sum(v * v))) if k == "full" else v[0] for k, v in shares]
            norm = float(np.sqrt(np.sum(total * total))) if kind == "full" else total[0]
            ok = norm <= (1 + DRAWN_ROUNDING) * (sum(norms) + 1e-12)
        if not ok:
            defects.append(
                Defect("fork sum", f"{key}: the shares {share_texts} do not add to {total_text!r}")
            )
    return defects


def totals_against_grads(svg: str, grads: dict[str, np.ndarray]) -> list[Defect]:
    """``wrong total``: a leaf's drawn total is not its gradient (``grads``: leaf key, as
    visualize.model names leaves, -> its ``.grad``), to the drawn rounding."""
    defects = []
    for key, (total_text, _) in sorted(leaf_totals(read_svg(svg)).items()):
        grad = grads.get(key)
        if grad is None:
            continue
        g = np.asarray(grad, dtype=np.float64)
        kind, drawn = _drawn_grad(total_text)
        want = np.array([np.sqrt(np.sum(g * g))]) if kind == "norm" else g.ravel()
        if drawn.shape != want.shape or not np.all(
            np.abs(drawn - want) <= DRAWN_ROUNDING * np.abs(want) + 1e-12
        ):
            defects.append(Defect("wrong total", f"{key}: drawn {total_text!r}, .grad {want}"))
    return defects
