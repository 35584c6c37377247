"""Text on the pictures: numbers and arrays written short, user text made safe for DOT.

``format_number`` and ``format_array`` decide what a value looks like (4 significant
digits; small arrays in full, larger ones as shape, mean, min and max). ``format_brief``
is the short form a wire carries on a slide, in 3 significant digits: a small array in full
(``[[2.46, 0, 1.39, 0]]``), a large one as its shape and one statistic (``(64, 10) mean
0.0123`` for a value, ``grad norm 0.31`` for a gradient); the full summary goes in the
wire's tooltip and the explorer. ``dot_label``
turns lines of user text into a DOT label that Graphviz draws as exactly those characters;
``html_lines`` does the same for Graphviz's HTML-like labels (used only where the system
``dot`` draws PNG or PDF).
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np

from autograd_lite.errors import fmt_shape

# Arrays with at most this many elements are printed in full; larger ones are summarized.
SMALL_ARRAY = 6
# A wire's label writes a small array in full only when its 4-digit form (the tooltip's)
# takes at most this many lines of at most this many characters (else as its shape and one
# statistic, like a large one). It is then drawn in 3 digits, narrower.
BRIEF_LINES, BRIEF_CHARS = 2, 32
# User text longer than this is cut, so one long name cannot swamp the picture.
MAX_TEXT = 48


def clean_text(text: Any, limit: int = MAX_TEXT) -> str:
    """User text as one printable line: control characters become spaces, long text is cut."""
    text = "".join(ch if ch.isprintable() else " " for ch in str(text))
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def dot_label(*lines: str) -> str:
    """Lines of plain text -> one DOT label string with every special character neutralized.

    Backslashes are doubled (so ``\\N`` or ``\\l`` in a name stay text), ``&`` becomes
    ``&amp;`` (Graphviz reads entities such as ``&lt;`` in every label), lines are joined
    with DOT's own ``\\n`` line break, and the result is marked "not HTML" so that a name
    like ``<b>x</b>`` is not read as an HTML-like label. Quotes are escaped by the
    ``graphviz`` package when it writes the attribute.
    """
    import graphviz  # imported on first use: `import visualize` stays light

    escaped = [
        graphviz.escape(clean_text(line, limit=10 * MAX_TEXT).replace("&", "&amp;"))
        for line in lines
    ]
    return graphviz.nohtml("\\n".join(escaped))


def html_lines(lines: list[tuple[str, str | None]]) -> str:
    """Lines of text, each with a colour (or None), as one HTML-like DOT label ``<...>``.

    Every ``&``, ``<`` and ``>`` of the text becomes an entity, so the text cannot close
    the label or open a tag; runs of spaces stay (Graphviz would collapse them).
    """
    parts = []
    for text, color in lines:
        body = html.escape(clean_text(text, limit=10 * MAX_TEXT), quote=False)
        body = body.replace("  ", " &#160;")
        parts.append(f'<font color="{color}">{body}</font>' if color else body)
    return "<" + "<br/>".join(parts) + ">"


def format_number(x: Any) -> str:
    """One number, short: 4 significant digits for floats (``-12``, ``0.1235``, ``1e-05``)."""
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    x = float(x)
    return f"{x + 0.0:.4g}"  # + 0.0 turns -0.0 into 0.0: "-0" only puzzles a learner


def as_array(value: Any) -> np.ndarray:
    """A Tensor's array, or ``value`` as an array."""
    if hasattr(value, "grad_fn") and hasattr(value, "data"):
        value = value.data
    return np.asarray(value)


def format_array(value: Any, show_shape: bool = True) -> list[str]:
    """A value as lines of text: in full when small, else ``shape``, ``mean``, ``min``, ``max``.

    ``value`` is a Tensor, an ndarray or a number. Scalars print as one number;
    ``show_shape=False`` leaves out the shape line (a gradient under its value's shape).
    """
    a = as_array(value)
    if a.size == 1:
        return [format_number(a.reshape(()).item())]
    if a.size <= SMALL_ARRAY and a.ndim <= 2:
        text = np.array2string(a, separator=", ", formatter={"float_kind": format_number})
        lines = [line.strip() for line in text.splitlines()]
        return [f"shape {fmt_shape(a.shape)}", *lines] if show_shape else lines
    if a.size == 0:
        return [f"shape {fmt_shape(a.shape)} (empty)"]
    af = a.astype(np.float64)
    with np.errstate(all="ignore"):
        stats = f"mean {format_number(af.mean())}"
        stats += f"  min {format_number(af.min())}  max {format_number(af.max())}"
    return [f"shape {fmt_shape(a.shape)}", stats] if show_shape else [stats]


def format_brief(
    value: Any, show_shape: bool = True, stat: str = "mean", shape_inline: bool = False
) -> list[str]:
    """A value as a wire's label, short enough for a slide.

    Scalars print as :func:`format_array` does (4 significant digits: a learner checks
    them by hand). A small array (at most ``SMALL_ARRAY`` elements) that prints with 4
    significant digits in at most ``BRIEF_LINES`` lines of at most ``BRIEF_CHARS``
    characters is written in full, in 3 significant digits, under its shape (``shape (1,
    4)``), or, when ``shape_inline`` (where lines cost more than width), after it on the
    first line (``(1, 4) [[2.46, 0, 1.39, 0]]``, as a summary reads) with its rows on one
    line while they fit (a column: ``[[0.5], [0], [1]]``), or without the shape when
    ``show_shape`` is False. Any other array is one line: its shape and one statistic,
    ``stat`` "mean" (a value or tangent: ``(64, 10) mean 0.0123``) or "norm" (a gradient,
    whose size is what a learner watches: ``grad norm 0.31``, the L2 norm, as a collapsed
    module's parameters say it), in 3 significant digits.
    """
    a = as_array(value)
    if a.size == 0 or a.size == 1:
        return format_array(a, show_shape=show_shape)
    if a.size <= SMALL_ARRAY and a.ndim <= 2:
        # In full only while it stays small: a column (6, 1) of long numbers would be six
        # lines. (Decided on the 4-digit form, so 3 digits write out the same arrays.)
        exact = _written_out(a, format_number, shape_inline)
        if len(exact) <= BRIEF_LINES and max(map(len, exact)) <= BRIEF_CHARS:
            full = _written_out(a, _short, shape_inline)
            return with_shape(a.shape, full, shape_inline) if show_shape else full
    shape = f"{fmt_shape(a.shape)} " if show_shape else ""
    af = a.astype(np.float64)
    with np.errstate(all="ignore"):
        if stat == "norm":
            return [f"{shape}grad norm {_short(np.sqrt(np.sum(af * af)))}"]
        return [f"{shape}mean {_short(af.mean())}"]


def _written_out(a: np.ndarray, number: Any, join: bool) -> list[str]:
    """A small array, each float written by ``number``: a line per row, or (``join``) one
    line while its rows fit in ``BRIEF_CHARS`` together (``[[0.5], [0], [1]]``)."""
    text = np.array2string(a, separator=", ", formatter={"float_kind": number})
    lines = [line.strip() for line in text.splitlines()]
    joined = " ".join(lines)
    return [joined] if join and len(joined) <= BRIEF_CHARS else lines


def with_shape(shape: tuple[int, ...], lines: list[str], inline: bool) -> list[str]:
    """``lines`` with the array's shape: on a line of its own above them (``shape (1, 4)``),
    or, ``inline``, leading the first (``(1, 4) [[2.46, 0, 1.39, 0]]``)."""
    if inline and lines:
        return [f"{fmt_shape(shape)} {lines[0]}", *lines[1:]]
    return [f"shape {fmt_shape(shape)}", *lines]


def summary_tip(parts: list[tuple[str, Any]]) -> str | None:
    """The full summary of the arrays a wire's short label abbreviates, for its tooltip:
    ``value shape (9, 8) mean 0.0039  min -0.811  max 0.897; grad mean ...`` (None when
    every part is drawn in full)."""
    brief = [format_brief(v) for _, v in parts]
    if all(lines == format_array(v) for lines, (_, v) in zip(brief, parts)):
        return None
    return "; ".join(f"{name} " + "  ".join(format_array(v)) for name, v in parts)


def titled(lines: list[str], title: str) -> list[str]:
    """``lines`` with ``title`` before the first: ``total grad 0.5``; a norm line reads
    ``total grad norm 0.31`` (not ``total grad grad norm``)."""
    if not lines:
        return lines
    first = lines[0]
    word = title.split()[-1]
    if first.startswith(word + " "):
        first = first[len(word) + 1 :]
    return [f"{title} {first}", *lines[1:]]


def _short(x: float) -> str:
    """3 significant digits: ``0.0123``, ``-1.5e-09``, ``1.23e+03`` -> ``1230``."""
    x = float(x) + 0.0
    if np.isfinite(x) and 1e-4 <= abs(x) < 1e5:
        return f"{x:.3g}" if abs(x) < 1000 else str(round(x))
    return f"{x:.3g}"


def format_norm(value: Any) -> str:
    """``"grad norm 0.1234"``: the L2 (Frobenius) norm of a gradient, for one-line summaries."""
    a = as_array(value).astype(np.float64)
    with np.errstate(all="ignore"):
        return f"grad norm {format_number(np.sqrt(np.sum(a * a)))}"


def format_index(index: Any, tensors: Any = None) -> str:
    """An index as the code wrote it, short: ``[:, 0:8]``, ``[arange(4), y]``,
    ``[..., None]``, ``[mask]`` (a boolean array), ``[2]``. A part that was a named tensor
    reads as its name (``y``): ``tensors`` is what the op kept of them, its
    ``options["index_tensors"]`` (see ``autograd_lite.ops.shape.index_options``). Small
    integer arrays are written out (``[0, 2]``); larger ones say their shape
    (``idx(100,)``), or ``arange(n)``."""
    parts = index if isinstance(index, tuple) else (index,)
    held = tuple(tensors) if tensors else ()
    held += (None,) * (len(parts) - len(held))
    return clean_text("[" + ", ".join(_index_part(p, h) for p, h in zip(parts, held)) + "]")


def _index_part(p: Any, held: Any = None) -> str:
    if p is Ellipsis:
        return "..."
    if p is None:
        return "None"
    if isinstance(p, slice):
        start = "" if p.start is None else str(p.start)
        stop = "" if p.stop is None else str(p.stop)
        step = "" if p.step is None else f":{p.step}"
        return f"{start}:{stop}{step}"
    if isinstance(p, (bool, np.bool_)):
        return str(bool(p))
    if isinstance(p, (int, np.integer)):
        return str(int(p))
    a = np.asarray(p)
    name = _index_name(p, held)
    if name:
        return name
    if a.dtype == np.bool_:
        return "mask"
    if a.ndim == 1 and a.size > 1 and a.strides != (0,) and np.array_equal(a, np.arange(a.size)):
        return f"arange({a.size})"
    if a.size <= 3 and a.ndim <= 1:
        return "[" + ", ".join(str(int(v)) for v in a.reshape(-1)) + "]"
    return f"idx{fmt_shape(a.shape)}"


def _index_name(p: Any, held: Any) -> str:
    """The name of the tensor an index array came from (``x[arange(4), y]``: the op keeps
    ``y``'s array, and ``held``, what indexing kept of ``y``: a weak reference and its name
    then). Its name now while it lives and still holds that array (``y.name = "y"`` after
    the forward pass names it too), else its name when it was used; "" for none."""
    if not held:
        return ""
    ref, name_then = held
    tensor = ref()
    if tensor is not None and tensor.data is p:
        return clean_text(tensor.name or "")
    return clean_text(name_then or "")
