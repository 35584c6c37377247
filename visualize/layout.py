"""The picture's shape: the options that size it, and how many rows a long graph needs.

A picture longer than ``max_aspect`` times its breadth is cut into rows (LR) or columns
(TB) of about equal depth, as many as bring it nearest a 16:9 slide. The counts are
worked out from the measured picture (see visualize.graph); visualize.dot draws the rows.
"""

from __future__ import annotations

import math
import re
from typing import Any

# draw_graph wraps a picture longer than this many times its breadth (the quality bar, 4:1,
# leaves room for the two renderers to differ).
WRAP_ASPECT = 3.0
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


def check_max_aspect(max_aspect: Any) -> float | None:
    """``max_aspect`` for draw_graph: None (never wrap) or a number >= 1."""
    if max_aspect is None:
        return None
    if _is_number(max_aspect) and max_aspect >= 1:
        return float(max_aspect)
    raise ValueError(
        f"draw_graph: max_aspect must be a number >= 1 (or None to never wrap); got {max_aspect!r}"
    )


# ---------------------------------------------------------------------------------------
# Wrapping: how many rows make a long picture fit a slide
# ---------------------------------------------------------------------------------------

SLIDE_ASPECT = 16 / 9
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


def wrapped_aspect(length: float, breadth: float, rows: int) -> float:
    """Estimated length / breadth of a picture (measured unwrapped: ``length`` along the
    reading direction, ``breadth`` across) cut into ``rows`` rows of equal length."""
    return (length / rows) / (rows * breadth + (rows - 1) * ROW_GAP)


def choose_rows(
    length: float, breadth: float, max_aspect: float, rankdir: str, max_rows: int
) -> int:
    """How many rows (LR) or columns (TB) to cut a picture into: 1 when its length is at
    most ``max_aspect`` times its breadth; otherwise the count that brings the picture
    nearest a 16:9 slide (wide for LR rows; for TB columns, a picture as wide as it can be
    while its columns stay long) without going past ``max_aspect``. At most ``max_rows``
    (a row of fewer than two ops would not read as a row)."""
    if length <= max_aspect * breadth or max_rows < 2:
        return 1
    # Rows stacked down a wide slide aim at 16:9; columns side by side at 9:16 (long side
    # still along the columns), i.e. the picture turned to fill the slide's width.
    goal = SLIDE_ASPECT if rankdir in ("LR", "RL") else 1 / SLIDE_ASPECT
    counts = range(2, max_rows + 1)
    fits = [n for n in counts if wrapped_aspect(length, breadth, n) <= max_aspect]
    return min(
        fits or [max_rows], key=lambda n: abs(math.log(wrapped_aspect(length, breadth, n) / goal))
    )


def row_of_rank(rank: int, top: int, rows: int) -> int:
    """The row of an op at ``rank`` (1 .. ``top``) when the ranks are cut into ``rows`` rows
    of (nearly) equal counts."""
    return (rank - 1) * rows // max(top, 1)
