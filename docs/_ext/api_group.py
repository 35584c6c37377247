"""The ``api-group`` directive: a table of names, then each name's documentation, on the
same page.

    .. currentmodule:: nn
    .. api-group::

       Linear
       relu

is an ``autosummary`` table (one line each: the name and its docstring's first line) followed
by ``autoclass`` / ``autofunction`` / ``autoexception`` / ``autodata`` for every name. Why not
autosummary's ``:toctree:`` (a page per name): with about 300 pages furo's navigation tree
costs a second per page to build, 4 minutes in all; one page per module builds in seconds and
reads as a chapter. tests/docs/test_api_reference.py reads these directives to check that
every public name is in the reference.
"""

from __future__ import annotations

import importlib
import inspect

from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective
from sphinx.util.parsing import nested_parse_to_nodes


def _kind(obj: object) -> str:
    if inspect.isclass(obj):
        return "exception" if issubclass(obj, BaseException) else "class"
    return "function" if callable(obj) else "data"


class ApiGroup(SphinxDirective):
    has_content = True

    def run(self) -> list:
        module_name = self.env.ref_context.get("py:module")
        if not module_name:
            raise self.error("api-group: set the module first (.. currentmodule:: NAME)")
        module = importlib.import_module(module_name)
        names = [line.strip() for line in self.content if line.strip()]
        lines = [".. autosummary::", ""] + [f"   {name}" for name in names] + [""]
        for name in names:
            if not hasattr(module, name):
                raise self.error(f"api-group: {module_name} has no name {name!r}")
            obj = getattr(module, name)
            kind = _kind(obj)
            lines.append(f".. auto{kind}:: {name}")
            if kind in ("class", "exception"):
                lines.append("   :members:")
                if obj.__bases__ != (object,):  # "Bases: object" says nothing
                    lines.append("   :show-inheritance:")
            lines.append("")
        source = self.get_source_info()[0]
        content = StringList(lines, source=source)
        return nested_parse_to_nodes(self.state, content, allow_section_headings=False)


def setup(app: Sphinx) -> dict:
    app.add_directive("api-group", ApiGroup)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
