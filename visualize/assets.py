"""The HTML, CSS and JavaScript of the interactive pages, read from package data files.

The step-through player (``steps.*``) and the explorer (``explorer.*``) are written as
ordinary files in ``visualize/static/`` (so they are edited, linted and read as what they
are) and shipped as package data (``pyproject.toml``: ``[tool.setuptools.package-data]``).
A template's ``$name`` placeholders are filled with :class:`string.Template`; the scripts
and styles are inserted as they are.
"""

from __future__ import annotations

import html
from functools import cache
from importlib import resources
from string import Template


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
