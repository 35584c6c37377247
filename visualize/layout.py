"""The picture's shape: the options that size it, and which row each op of a wrapped
picture goes to.

How many rows (LR) or columns (TB) a picture needs is decided by visualize.fit (legible on
a slide); visualize.dot draws the rows.
"""

from __future__ import annotations

import math
import re
from typing import Any

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


def row_of_rank(rank: int, top: int, rows: int) -> int:
    """The row of an op at ``rank`` (1 .. ``top``) when the ranks are cut into ``rows`` rows
    of (nearly) equal counts."""
    return (rank - 1) * rows // max(top, 1)
