"""A matplotlib Figure that Jupyter displays by itself.

The plots of visualize.plots are drawn on the Agg canvas, never through pyplot, so
IPython's figure display (which pyplot's inline backend sets up) never hears of them and a
notebook would print ``<Figure size 840x340 with 2 Axes>``. ``InlineFigure`` answers
IPython's ``_repr_png_`` itself: the figure shows inline with no ``%matplotlib`` magic.
Everything else (``.savefig``, ``.axes``) is matplotlib's Figure unchanged.
"""

from __future__ import annotations

import io

from matplotlib.figure import Figure

# A notebook shows the figure at this many pixels per inch; it is drawn at twice that so
# it stays sharp on high-density screens.
NOTEBOOK_DPI = 100


class InlineFigure(Figure):
    """A matplotlib Figure that Jupyter displays as a PNG, without pyplot."""

    def _repr_png_(self) -> tuple[bytes, dict[str, int]]:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", dpi=2 * NOTEBOOK_DPI)
        width, height = self.get_size_inches() * NOTEBOOK_DPI
        return buffer.getvalue(), {"width": round(width), "height": round(height)}
