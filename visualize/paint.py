"""Colour each line of a label: values green, tangents blue, gradients red, new gradients orange.

Graphviz colours a whole label with one ``fontcolor``, and the in-process WebAssembly
Graphviz has no HTML-like labels (the only per-line colouring Graphviz has). So a label
whose lines need different colours is written as ordinary lines plus a class naming each
line's colour, e.g. ``class="paint_vvg"`` (two value lines, then a gradient line), and
:func:`paint_svg` colours the lines in the SVG afterwards: Graphviz writes every label
line as its own ``<text>``, in order, inside the element's ``<g>``, and copies the class
onto that ``<g>``. Both renderers lay out exactly the same text.

PNG and PDF are drawn by the system ``dot`` straight from DOT, with no SVG to colour; for
them the same lines are written as an HTML-like label with one ``<font>`` per line
(:func:`painted_label` with ``html=True``).
"""

from __future__ import annotations

import html
import re

from visualize.labels import clean_text, dot_label, html_lines
from visualize.layout import place_titles
from visualize.quality import (
    ASCENT_EM,
    CAPTION_MIN_SLIDE_PT,
    DESCENT_EM,
    slide_zoom,
    text_width_em,
)

VALUE_COLOR = "darkgreen"
TANGENT_COLOR = "blue"
GRAD_COLOR = "red"
HIGHLIGHT_COLOR = "darkorange"

PENDING_COLOR = "#9ca3af"  # light grey: a gradient the step-through has not reached yet

# One letter per line of a painted label; "k" keeps the element's own colour. A pending
# line "p" is laid out with its real text (it takes its final room, so a step-through's
# frames share one layout) but drawn as a grey blank to fill in, "_____", as wide as the
# text it stands for (see blank).
VALUE, TANGENT, GRAD, NEW_GRAD, PLAIN, PENDING = "v", "t", "g", "n", "k", "p"
COLORS = {
    VALUE: VALUE_COLOR,
    TANGENT: TANGENT_COLOR,
    GRAD: GRAD_COLOR,
    NEW_GRAD: HIGHLIGHT_COLOR,
    PLAIN: None,
    PENDING: PENDING_COLOR,
}
PAINT_PREFIX = "paint_"

Line = tuple[str, str]  # (text, kind letter)


def blank(text: str) -> str:
    """A fill-in blank no wider than ``text`` (widths as visualize.quality estimates them)."""
    return "_" * max(2, int(text_width_em(text) / text_width_em("_")))


def painted_label(lines: list[Line], html: bool = False) -> dict[str, str]:
    """DOT attributes that draw ``lines`` (text, kind) each in its kind's colour.

    Plain form: ``label`` (lines escaped by :func:`~visualize.labels.dot_label`),
    ``fontcolor`` of the first line's kind (unless plain), and ``class="paint_..."`` when the kinds
    differ, for :func:`paint_svg`. HTML form (``html=True``): one HTML-like ``label``.
    """
    kinds = "".join(kind for _, kind in lines)
    if html:  # (drawn as it is, no SVG to rewrite)
        shown = [(blank(text) if kind == PENDING else text, COLORS[kind]) for text, kind in lines]
        return {"label": html_lines(shown)}
    attrs = {"label": dot_label(*(text for text, _ in lines))}
    if kinds and COLORS[kinds[0]] is not None:
        attrs["fontcolor"] = COLORS[kinds[0]]
    if len(set(kinds)) > 1:
        attrs["class"] = PAINT_PREFIX + kinds
    return attrs


_TAG = re.compile(r"<g\b[^>]*>|</g>|<text\b[^>]*>")
_TEXT_END = "</text>"
_CLASS = re.compile(r'\bclass="([^"]*)"')
_FILL = re.compile(r'\sfill="[^"]*"')


FONT_FALLBACK = ('font-family="Arial"', 'font-family="Arial,Helvetica,sans-serif"')


_CONNECTOR = re.compile(
    r'(<g id="[^"]*" class="node connector (row\d+) (along[xy])">\s*'
    r"<title>(wrap\d+)_(to|from)</title>)(.*?)(</text>)",
    re.S,
)
_ANCHOR = re.compile(r'<text\b[^>]*\bx="([-0-9.]+)" y="([-0-9.]+)"[^>]*>([A-Z]+)$', re.S)


def reading_key(row: int, along_x: bool, x: float, y: float) -> tuple[int, float, float]:
    """Where a connector comes in reading order: by row (LR rows, TB columns), then along
    the row, then across it (y grows downwards in Graphviz's SVG)."""
    return (row, x, y) if along_x else (row, y, x)


def order_connectors(svg: str) -> str:
    """Letter a wrapped picture's connectors in reading order.

    Each pair of connectors (where a wire leaves a row, where it comes back in the next)
    shares a letter. Graphviz decides where they go, so the letters are handed out after
    layout, in the order the reader meets the pairs' second ends along the rows (the row,
    then left to right in LR, top to bottom in TB). visualize.dot writes each connector's
    row and the reading direction in its class. The letters are the same set, only given
    to other pairs, so every connector keeps its size."""
    found = list(_CONNECTOR.finditer(svg))
    ends: dict[str, dict[str, tuple]] = {}
    for m in found:
        anchor = _ANCHOR.search(m[6])
        if anchor is not None:
            x, y, letter = float(anchor[1]), float(anchor[2]), anchor[3]
            key = reading_key(int(m[2][3:]), m[3] == "alongx", x, y)
            ends.setdefault(m[4], {})[m[5]] = (key, letter)
    pairs = {name: e for name, e in ends.items() if len(e) == 2}
    if len(pairs) < 2:
        return svg
    order = sorted(pairs, key=lambda name: pairs[name]["from"][0])
    letters = sorted((e["from"][1] for e in pairs.values()), key=lambda t: (len(t), t))
    new = dict(zip(order, letters))
    out, last = [], 0
    for m in found:
        if m[4] not in new:
            continue
        old, letter = pairs[m[4]]["from"][1], new[m[4]]
        body = re.sub(rf"the other {old}\b", f"the other {letter}", m[6])
        body = body[: body.rfind(">") + 1] + letter
        out += [svg[last : m.start(6)], body]
        last = m.end(6)
    out.append(svg[last:])
    return "".join(out)


def paint_svg(svg: str) -> str:
    """Colour the lines of every ``paint_...`` labelled element in Graphviz SVG.

    Groups nest (a node with a tooltip wraps its texts in ``<g><a>``), so a stack of open
    groups finds the element each ``<text>`` belongs to: the innermost group with a class
    (Graphviz gives one to the graph, each cluster, node and edge; not to a tooltip's
    wrapper). If that element is painted, the k-th text inside it gets the colour of the
    k-th letter (a pending line becomes a grey blank, see PENDING). So the graph's own label
    (a title, a legend) can be painted too, without touching the texts of its nodes.
    """
    svg = svg.replace(*FONT_FALLBACK)  # (text cannot contain it: its quotes are escaped)
    if "wrap1_from" in svg:  # (two or more pairs of connectors)
        svg = order_connectors(svg)
    svg = place_titles(svg)  # (module titles out of the wires' way)
    if PAINT_PREFIX not in svg:
        return svg
    out: list[str] = []
    stack: list[list] = []  # per open <g>: [has a class, kinds or None, texts seen]
    last = 0
    for m in _TAG.finditer(svg):
        tag = m.group()
        if tag == "</g>":
            if stack:
                stack.pop()
            continue
        if tag.startswith("<g"):
            cls = _CLASS.search(tag)
            kinds = next(
                (
                    c[len(PAINT_PREFIX) :]
                    for c in (cls[1].split() if cls else ())
                    if c.startswith(PAINT_PREFIX)
                ),
                None,
            )
            stack.append([cls is not None, kinds, 0])
            continue
        owner = next((entry for entry in reversed(stack) if entry[0]), None)
        if owner is None or owner[1] is None:
            continue
        _, kinds, index = owner
        owner[2] += 1
        kind = kinds[index] if index < len(kinds) else PLAIN
        if kind == PENDING:
            end = svg.index(_TEXT_END, m.end())
            text = html.unescape(svg[m.end() : end])
            out.append(svg[last : m.start()])
            out.append(_FILL.sub("", tag)[:-1] + f' fill="{PENDING_COLOR}">{blank(text)}')
            last = end
            continue
        color = COLORS.get(kind)
        if color is None:
            continue
        out.append(svg[last : m.start()])
        out.append(_FILL.sub("", tag)[:-1] + f' fill="{color}">')
        last = m.end()
    out.append(svg[last:])
    return "".join(out)


# ---------------------------------------------------------------------------------------
# Captions: the picture's title and notes above it, the explore hint under it
# ---------------------------------------------------------------------------------------

# A caption is never smaller than this at the picture's own size (points).
CAPTION_FONT_PT = 14.0
CAPTION_COLOR = "#4b5563"

_HEAD = re.compile(
    r'<svg\b[^>]*?width="([\d.]+)pt"[^>]*?height="([\d.]+)pt"[^>]*?'
    r'viewBox="([-\d.]+) ([-\d.]+) ([\d.]+) ([\d.]+)"'
)
# The graph's group, its background and the graph's own label lines (Graphviz writes them
# first, before any cluster, node or edge).
_GRAPH = re.compile(
    r'<g id="graph0" class="graph" transform="scale\(([-\d.]+)[^)]*\) rotate\(0\) '
    r'translate\(([-\d.]+) ([-\d.]+)\)">\s*<title>[^<]*</title>\s*'
    r'(<polygon\b[^>]*?points=")([^"]*)("[^>]*>)((?:\s*<text\b[^>]*>[^<]*</text>)*)'
)
_LINE = re.compile(r"<text\b[^>]*>[^<]*</text>")
_ATTR = re.compile(r'\b(x|y|font-size|text-anchor)="([^"]*)"')


def _line_box(x: float, y: float, size: float, anchor: str, text: str) -> tuple:
    width = text_width_em(html.unescape(text)) * size
    x0 = x - width / 2 if anchor == "middle" else x - width if anchor == "end" else x
    return (x0, y - ASCENT_EM * size, x0 + width, y + DESCENT_EM * size)


def fit_captions(svg: str, hint: str | None = None) -> str:
    """Graphviz SVG with its captions readable on a slide: the graph's own label lines
    (a title, the "collapsed to fit a slide" note, the legend; Graphviz draws them at 14
    pt of the picture, whatever its size) and ``hint``, a line added under the picture
    (escaped here), each at least CAPTION_MIN_SLIDE_PT once the picture is fitted to a
    16:9 slide (visualize.quality.slide_zoom) and never under CAPTION_FONT_PT at its own
    size. A tall, narrow picture is shrunk a lot on a slide: its captions are enlarged to
    match (and the picture widened when a caption is wider than it); the background grows
    under them. The SVG comes back unchanged if nothing needs it or its frame cannot be
    read."""
    head, graph = _HEAD.search(svg), _GRAPH.search(svg)
    end = svg.rfind("</svg>")
    if head is None or graph is None or end < 0:
        return svg
    width_pt, height_pt = float(head[1]), float(head[2])
    vx, vy, vw, vh = (float(v) for v in head.group(3, 4, 5, 6))
    scale, tx, ty = (float(v) for v in graph.group(1, 2, 3))
    if min(width_pt, height_pt, vw, vh, scale) <= 0:
        return svg
    k = scale * width_pt / vw  # points per graph unit
    corners = [float(v) for v in re.findall(r"-?[\d.]+", graph[5])]
    cx0, cy0, cx1, cy1 = (
        min(corners[0::2]),
        min(corners[1::2]),
        max(corners[0::2]),
        max(corners[1::2]),
    )
    lines = []  # the graph's label lines: [x, y, size, anchor, text, match]
    for m in _LINE.finditer(graph[7]):
        attrs = dict(_ATTR.findall(m[0][: m[0].index(">")]))
        text = m[0][m[0].index(">") + 1 : -len("</text>")]
        size = float(attrs.get("font-size", 14))
        lines.append(
            (
                float(attrs.get("x", 0)),
                float(attrs.get("y", 0)),
                size,
                attrs.get("text-anchor", "start"),
                text,
                m,
            )
        )
    hint = clean_text(hint, 200) if hint else ""
    target = CAPTION_MIN_SLIDE_PT * 1.005  # (the frame is written to 0.01 pt)
    zoom = slide_zoom(width_pt, height_pt)
    if not hint and all(size * k * zoom >= target for _, _, size, *_ in lines):
        return _mark_captions(svg, graph) if lines else svg
    for _ in range(20):  # (each round the picture grows a little less: it converges)
        least = target / (zoom * k)  # (graph units)
        sizes = [max(size, least) for _, _, size, *_ in lines]
        # The last line's bottom stays where Graphviz put it; the lines above go up.
        placed: list[tuple] = []
        for i in reversed(range(len(lines))):
            x, y, size, anchor, text, _ = lines[i]
            if placed:  # (as far above the line below as before, or 1.2 em if more)
                gap = max(lines[i + 1][1] - y, 1.2 * max(sizes[i], placed[-1][2]))
                y = placed[-1][1] - gap
            else:
                y -= DESCENT_EM * (sizes[i] - size)
            placed.append((x, y, sizes[i], anchor, text))
        placed.reverse()
        boxes = [_line_box(*line) for line in placed]
        hint_line = None
        if hint:
            size = max(CAPTION_FONT_PT / k, least)
            hint_line = (cx0 + 8 / k, cy1 + 1.1 * size, size, "start", hint)
            boxes.append(_line_box(*hint_line))
            boxes.append((cx0, cy1, cx0, hint_line[1] + 0.5 * size))
        pad = 4 / k
        nx0 = min([cx0] + [b[0] - pad for b in boxes])
        ny0 = min([cy0] + [b[1] - pad for b in boxes])
        nx1 = max([cx1] + [b[2] + pad for b in boxes])
        ny1 = max([cy1] + [b[3] for b in boxes])
        new_w = width_pt + (nx1 - nx0 - (cx1 - cx0)) * k
        new_h = height_pt + (ny1 - ny0 - (cy1 - cy0)) * k
        new_zoom = slide_zoom(new_w, new_h)
        if new_zoom >= zoom - 1e-9:
            break
        zoom = new_zoom
    # Write it: the frame, the background, the label lines, the hint.
    sx0, sy0 = vx + scale * (nx0 - cx0), vy + scale * (ny0 - cy0)
    sw, sh = vw + scale * (nx1 - nx0 - (cx1 - cx0)), vh + scale * (ny1 - ny0 - (cy1 - cy0))
    new_head = re.sub(r'width="[\d.]+pt"', f'width="{new_w:.2f}pt"', head[0], count=1)
    new_head = re.sub(r'height="[\d.]+pt"', f'height="{new_h:.2f}pt"', new_head, count=1)
    new_head = re.sub(
        r'viewBox="[^"]*"', f'viewBox="{sx0:.2f} {sy0:.2f} {sw:.2f} {sh:.2f}"', new_head, count=1
    )
    corner = [f"{x:.2f},{y:.2f}" for x, y in ((nx0, ny1), (nx0, ny0), (nx1, ny0), (nx1, ny1))]
    background = " ".join([*corner, corner[0]])
    label = graph[7]
    for (_, _, size, _, _, m), (_, new_y, new, _, _) in zip(reversed(lines), reversed(placed)):
        if new != size:
            text = re.sub(r'\by="[^"]*"', f'y="{new_y:.2f}"', m[0], count=1)
            text = re.sub(r'font-size="[^"]*"', f'font-size="{new:.2f}"', text, count=1)
            label = label[: m.start()] + text + label[m.end() :]
    label = f'<g class="caption">{label}</g>' if lines else label
    out = (
        svg[: head.start()]
        + new_head
        + svg[head.end() : graph.start(5)]
        + background
        + graph[6]
        + label
        + svg[graph.end() : end]
    )
    if hint_line is not None:
        x, y, size, _, text = hint_line
        out += (
            f'<text class="explore-hint" x="{scale * (x + tx):.2f}" y="{scale * (y + ty):.2f}" '
            f'font-family="Helvetica,Arial,sans-serif" font-size="{size * scale:.2f}" '
            f'fill="{CAPTION_COLOR}">{html.escape(text)}</text>\n'
        )
    return out + svg[end:]


def _mark_captions(svg: str, graph: re.Match) -> str:
    """``svg`` with the graph's label lines in a group of class "caption" (so
    visualize.quality tells them from other text)."""
    return f'{svg[: graph.start(7)]}<g class="caption">{graph[7]}</g>{svg[graph.end(7) :]}'
