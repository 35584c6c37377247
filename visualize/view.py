"""GraphView: a drawn graph's DOT, rendered (visualize.render) and painted (visualize.paint)
on first use, then kept; saved by extension; shown inline in Jupyter."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from visualize.model import GraphModel
from visualize.paint import paint_svg
from visualize.render import render, render_svg, write_atomic


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
        self._svg: dict[str | None, str] = {}

    def svg(self, renderer: str | None = None) -> str:
        """The picture as SVG text (rendered once per renderer, then cached)."""
        renderer = renderer if renderer is not None else self.renderer
        if renderer not in self._svg:
            self._svg[renderer] = paint_svg(render_svg(self.source, renderer))
        return self._svg[renderer]

    def save(self, path: str | os.PathLike, renderer: str | None = None) -> Path:
        """Write the picture to ``path``; the extension picks the format.

        ``.svg`` (works everywhere), ``.dot``/``.gv`` (the DOT text), ``.png``/``.pdf``
        (need the system Graphviz program ``dot``). The file is written atomically.
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
