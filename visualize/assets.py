"""The HTML, CSS and JavaScript of the interactive pages, read from package data files.

The step-through player (``steps.*``) and the explorer (``explorer.*``) are written as
ordinary files in ``visualize/static/`` (so they are edited, linted and read as what they
are) and shipped as package data (``pyproject.toml``: ``[tool.setuptools.package-data]``).
A template's ``$name`` placeholders are filled with :class:`string.Template`; the scripts
and styles are inserted as they are.
"""

from __future__ import annotations

import html
import os
from functools import cache
from importlib import resources
from pathlib import Path
from string import Template

from visualize.render import write_atomic


@cache
def asset(name: str) -> str:
    """The text of ``visualize/static/<name>`` (read once)."""
    return resources.files("visualize").joinpath("static", name).read_text(encoding="utf-8")


def fill(name: str, **values: str) -> str:
    """The template ``name`` with its ``$placeholders`` replaced by ``values`` (all needed)."""
    return Template(asset(name)).substitute(values)


def page(title: str, body: str) -> str:
    """A whole self-contained HTML page (no network: a Content-Security-Policy allows only
    inline scripts and styles) titled ``title`` (plain text) around ``body`` (HTML)."""
    return fill("page.html", title=html.escape(title), body=body)


def save_page(path: str | os.PathLike, text: str, what: str) -> Path:
    """Write the page ``text`` to ``path`` (must end in .html or .htm), atomically;
    ``what`` names the page in the error ("BackwardSteps.save: the step-through")."""
    path = Path(path)
    if path.suffix.lower() not in (".html", ".htm"):
        raise ValueError(f"{what} is an HTML page; name the file *.html, got {path.name!r}")
    return write_atomic(path, text)


class Page:
    """What the step-through and the explorer share: a self-contained page that shows
    itself inline in Jupyter (``_repr_html_``) and saves as one HTML file. A subclass sets
    ``title`` and ``what`` (named in errors) and writes ``_element(page)``: its element with
    style, data and script (``page=True`` when it is the whole page's body)."""

    title: str
    what: str = "the page"

    def _element(self, page: bool) -> str:
        raise NotImplementedError

    def to_html(self) -> str:
        """The whole page as one HTML document."""
        return page(self.title, self._element(page=True))

    def save(self, path: str | os.PathLike) -> Path:
        """Write the page to ``path`` (must end in .html or .htm), atomically."""
        return save_page(path, self.to_html(), f"{type(self).__name__}.save: {self.what}")

    def _repr_html_(self) -> str:
        # The element itself, not a whole page: notebooks insert it into the output cell.
        return self._element(page=False)
