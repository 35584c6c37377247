"""The picture's shape: the options that size it, and which row each op of a wrapped
picture goes to.

How many rows (LR) or columns (TB) a picture needs is decided by visualize.fit (legible on
a slide); visualize.dot draws the rows.
"""

from __future__ import annotations

import bisect
import math
import re
from typing import Any

from visualize.quality import Box, read_svg, titles_crossed_by

# max_aspect="slide" (the default): shape the picture by legibility on a 16:9 slide (see
# visualize.fit), not by an aspect ratio. WRAP_ASPECT is the default's older name.
SLIDE = "slide"
WRAP_ASPECT = SLIDE
RATIOS = ("fill", "compress", "expand", "auto")


def _is_number(x: Any) -> bool:
    return not isinstance(x, bool) and isinstance(x, (int, float)) and math.isfinite(x)


def check_size(size: Any) -> str | None:
    """``size`` for draw_graph: None, (width, height) or "width,height" in inches (an
    optional "!" lets Graphviz scale up too) -> Graphviz's ``size`` string."""
    if size is None:
        return None
    text = size if isinstance(size, str) else None
    if text is None:
        try:
            width, height = size
            text = f"{float(width):g},{float(height):g}"
        except (TypeError, ValueError):
            text = None
    m = re.fullmatch(r"\s*([0-9.]+)\s*,\s*([0-9.]+)\s*(!?)\s*", text or "")
    ok = m is not None
    if ok:
        try:
            ok = all(math.isfinite(float(v)) and float(v) > 0 for v in m.group(1, 2))
        except ValueError:
            ok = False
    if not ok:
        raise ValueError(
            f"draw_graph: size must be (width, height) or 'width,height' in inches, both "
            f"positive, e.g. (13.3, 7.5) for a 16:9 slide; got {size!r}"
        )
    return f"{float(m[1]):g},{float(m[2]):g}{m[3]}"


def check_ratio(ratio: Any) -> str | None:
    """``ratio`` for draw_graph: None, a positive number or one of RATIOS."""
    if ratio is None:
        return None
    if isinstance(ratio, str) and ratio in RATIOS:
        return ratio
    if _is_number(ratio) and ratio > 0:
        return f"{float(ratio):g}"
    raise ValueError(
        f"draw_graph: ratio must be a positive number (height / width) or one of "
        f"{', '.join(map(repr, RATIOS))}; got {ratio!r}"
    )


def check_max_aspect(max_aspect: Any) -> float | str | None:
    """``max_aspect`` for draw_graph: "slide", None (never reshape) or a number >= 1."""
    if max_aspect is None or max_aspect == SLIDE:
        return max_aspect
    if _is_number(max_aspect) and max_aspect >= 1:
        return float(max_aspect)
    raise ValueError(
        f"draw_graph: max_aspect must be a number >= 1, 'slide' (fit a slide) or None (draw "
        f"as it comes); got {max_aspect!r}"
    )


# ---------------------------------------------------------------------------------------
# Wrapping: rows of a long picture
# ---------------------------------------------------------------------------------------

# Graphviz leaves about this much (points) between two rows or columns of a wrapped picture.
ROW_GAP = 40.0


def picture_size(svg: str, across: bool = True) -> tuple[float, float]:
    """(length, breadth) in points of Graphviz SVG: (width, height) when the picture reads
    across (LR, RL), else (height, width)."""
    m = re.search(r'<svg width="([0-9.]+)pt" height="([0-9.]+)pt"', svg)
    if m is None:
        raise ValueError("picture_size: no <svg width=... height=...> in points")
    width, height = float(m[1]), float(m[2])
    return (width, height) if across else (height, width)


def equal_row_starts(top: int, rows: int) -> tuple[int, ...]:
    """The first rank of each row after the first when the ranks 1 .. ``top`` are cut into
    ``rows`` runs of (nearly) equal count."""
    return tuple(1 + math.ceil(k * max(top, 1) / rows) for k in range(1, rows))


def row_of_rank(rank: int, starts: tuple[int, ...]) -> int:
    """The row of an op at ``rank`` when rows 2, 3, ... start at the ranks ``starts``."""
    return bisect.bisect_right(starts, rank)


# ---------------------------------------------------------------------------------------
# Module titles, once laid out: out of the wires' way
# ---------------------------------------------------------------------------------------

# Graphviz reserves a band at the top (or bottom) of a module's box for its title but routes
# wires through that band: a wire entering the box from the title's side runs through the
# title. After layout the title is moved along its band to the nearest stretch no wire,
# text or node comes within this many points of (it stays inside its box).
TITLE_CLEARANCE_PT = 3.0
# How far (points) a moved title stays from its box's rounded ends.
TITLE_INSET_PT = 8.0

# A cluster's group: Graphviz writes every cluster's (its outline and title) before the
# nodes, each closed at once, and a comment before each node, edge and cluster.
_CLUSTER_GROUP = re.compile(
    r'<g id="(clust\d+)" class="cluster">((?:(?!<!--|<g id="clust).)*)', re.S
)
_OUTLINE = re.compile(r'<(?:path|polygon)\b[^>]*\b(?:d|points)="([^"]*)"')
_TEXT_X = re.compile(r'(<text\b[^>]*\bx=")([-0-9.]+)(")')


def _free_spot(
    lo: float, hi: float, width: float, start: float, blocked: list[tuple[float, float]]
) -> float | None:
    """The left end nearest ``start`` of a stretch ``width`` long inside [lo, hi] that
    misses every ``blocked`` interval; None when there is none."""
    if hi - lo < width:
        return None
    edges = sorted(blocked)
    gaps, left = [], lo
    for a, b in edges:
        if a > left:
            gaps.append((left, min(a, hi)))
        left = max(left, b)
    gaps.append((left, hi))
    best = None
    for a, b in gaps:
        if b - a < width:
            continue
        x = min(max(start, a), b - width)
        if best is None or abs(x - start) < abs(best - start):
            best = x
    return best


_TEXT = re.compile(r'(<text\b[^>]*\bx=")([-0-9.]+)("[^>]*>)((?: |&#160;)*)([^<]*</text>)')
_ANCHOR_SHIFT = {"start": 1.0, "middle": 0.5, "end": 0.0}
# Arial's space (and no-break space), in em: what Graphviz and a browser draw it as.
SPACE_EM = 0.278


def _drop_title_padding(body: str) -> str:
    """A cluster's SVG with the spaces that lead its title (visualize.dot.title_label)
    dropped, and the title's anchor moved so the rest stays where it was drawn."""

    def drop(m: re.Match) -> str:
        if not m[4]:
            return m[0]
        n = m[4].count(" ") + m[4].count("&#160;")
        size = re.search(r'font-size="([0-9.]+)"', m[1] + m[3])
        anchor = re.search(r'text-anchor="(\w+)"', m[1] + m[3])
        shift = _ANCHOR_SHIFT.get(anchor[1] if anchor else "start", 1.0)
        x = float(m[2]) + shift * n * SPACE_EM * float(size[1] if size else 14)
        return f"{m[1]}{x:.2f}{m[3]}{m[5]}"

    return _TEXT.sub(drop, body)


def place_titles(svg: str) -> str:
    """Graphviz SVG with each module title's leading spaces dropped (see
    visualize.dot.title_label), and each title that a wire passes through moved along its
    title band to the nearest free stretch (see TITLE_CLEARANCE_PT). A title with no free
    stretch in its band stays where it is (visualize.quality counts it)."""
    if not any("<text" in m[2] for m in _CLUSTER_GROUP.finditer(svg)):
        return svg  # (no titled module: nothing to measure)
    svg = _CLUSTER_GROUP.sub(
        lambda m: f'<g id="{m[1]}" class="cluster">{_drop_title_padding(m[2])}', svg
    )
    pic = read_svg(svg)
    crossed = titles_crossed_by(pic)
    if not crossed:
        return svg
    outlines: dict[str, Box] = {}
    for m in _CLUSTER_GROUP.finditer(svg):
        outline = _OUTLINE.search(m[2])
        if m[1] in crossed and outline is not None:
            nums = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", outline[1])]
            xs, ys = nums[0::2], nums[1::2]
            outlines[m[1]] = Box(min(xs), min(ys), max(xs), max(ys))
    shifts: dict[str, float] = {}
    c = TITLE_CLEARANCE_PT
    for cluster_id, frame in outlines.items():
        mine = [t.box for t in pic.texts if t.owner_id == cluster_id]
        x0, width = min(b.x0 for b in mine), max(b.x1 for b in mine) - min(b.x0 for b in mine)
        y0, y1 = min(b.y0 for b in mine) - c, max(b.y1 for b in mine) + c
        blocked = []
        for wire in pic.wires.values():
            if wire.box.y1 < y0 or wire.box.y0 > y1:
                continue
            x, y = wire.points[:, 0], wire.points[:, 1]
            for px in x[(y >= y0) & (y <= y1)]:
                blocked.append((px - c, px + c))
        others = [t.box for t in pic.texts if t.owner_id != cluster_id]
        for box in others + [s.box for s in pic.shapes]:
            if box.y1 >= y0 and box.y0 <= y1:
                blocked.append((box.x0 - c, box.x1 + c))
        spot = _free_spot(frame.x0 + TITLE_INSET_PT, frame.x1 - TITLE_INSET_PT, width, x0, blocked)
        if spot is not None and abs(spot - x0) > 0.01:
            shifts[cluster_id] = spot - x0

    def shift(m: re.Match) -> str:
        dx = shifts.get(m[1])
        if dx is None:
            return m[0]
        body = _TEXT_X.sub(lambda t: f"{t[1]}{float(t[2]) + dx:.2f}{t[3]}", m[2])
        return f'<g id="{m[1]}" class="cluster">{body}'

    return _CLUSTER_GROUP.sub(shift, svg)
