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

from visualize.labels import dot_label, html_lines
from visualize.layout import place_titles
from visualize.quality import text_width_em

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
