"""Every public name has a numpydoc docstring with an example (issue 23, the API reference).

The API reference (docs/, autosummary + numpydoc) is generated from these docstrings, and
tests/test_doctests.py runs their examples. This test lists every public name -- the
``__all__`` of ``autograd_lite``, ``nn`` (and its public subpackages: ``nn.data``,
``nn.optim``, ...) and ``visualize`` -- and checks that each function and class has:

* a docstring with an ``Examples`` section holding at least one ``>>>`` line;
* for an op (a row of the op table) or a layer (an ``nn.Module`` subclass): a word on
  shapes (the docstring says ``shape``, as in "Shape" or "of shape (N, C)");
* reStructuredText that renders without warnings once numpydoc has read it (docutils,
  Sphinx's roles stood in for): the site is built with warnings as errors, and ``|a|`` or a
  lone backtick in a docstring would stop it.

Run it as a script to print the count: ``python tests/test_docstrings.py``.
"""

from __future__ import annotations

import inspect
import re
import sys
import types
from collections.abc import Iterator

import pytest

import autograd_lite
import nn
import visualize
from autograd_lite.ops import table

# the public subpackages of nn whose names the API reference lists (each with its __all__)
NN_SUBMODULES = (
    "nn.data",
    "nn.datasets",
    "nn.export",
    "nn.functional",
    "nn.init",
    "nn.optim",
    "nn.optim.lr_scheduler",
    "nn.utils",
)

EXAMPLES = re.compile(r"^\s*Examples\n\s*-{8}\n", re.MULTILINE)


def public_names() -> Iterator[tuple[str, object]]:
    """Yield (qualified name, object) for every public function and class, once each."""
    seen: set[int] = set()
    modules = [autograd_lite, nn, visualize] + [
        sys.modules[m] if m in sys.modules else __import__(m, fromlist=["_"]) for m in NN_SUBMODULES
    ]
    for module in modules:
        for name in module.__all__:
            obj = getattr(module, name)
            if isinstance(obj, types.ModuleType) or not callable(obj):
                continue  # subpackages are listed above; constants (dtypes) are not documented
            if id(obj) in seen:
                continue  # an alias (clamp is clip) or a re-export (nn.functional.relu)
            seen.add(id(obj))
            yield f"{module.__name__}.{name}", obj


def _is_shaped(obj: object) -> bool:
    """Ops and layers: their docstring must give shapes."""
    ops = {id(row.function) for row in table.OPS}
    return id(obj) in ops or (inspect.isclass(obj) and issubclass(obj, nn.Module))


def problems(obj: object) -> list[str]:
    """What the docstring of ``obj`` lacks (an empty list: nothing)."""
    doc = (
        obj.__doc__
        if "__doc__" in getattr(obj, "__dict__", {}) or not inspect.isclass(obj)
        else None
    )
    if not doc:
        return ["no docstring"]
    doc = inspect.cleandoc(doc)
    out = []
    if not EXAMPLES.search(doc) or ">>>" not in doc:
        out.append("no Examples section with >>> lines")
    if _is_shaped(obj) and "shape" not in doc.lower():
        out.append("no shapes")
    return out


def render_warnings(obj: object) -> str:
    """The docutils warnings of ``obj``'s docstring as numpydoc renders it for Sphinx."""
    import io

    import docutils.core
    from docutils import nodes
    from docutils.parsers.rst import roles
    from numpydoc.docscrape_sphinx import get_doc_object

    def literal(name, rawtext, text, lineno, inliner, options=None, content=None):
        return [nodes.literal(rawtext, text)], []

    for role in ("obj", "func", "class", "meth", "attr", "mod", "data", "exc", "ref", "doc"):
        roles.register_local_role(role, literal)
    text = str(get_doc_object(obj, config={"use_plots": False, "show_class_members": False}))
    stream = io.StringIO()
    settings = {"report_level": 2, "halt_level": 5, "warning_stream": stream}
    docutils.core.publish_doctree(text, settings_overrides=settings)
    return stream.getvalue()


NAMES = list(public_names())


@pytest.mark.parametrize("qualname,obj", NAMES, ids=[n for n, _ in NAMES])
def test_public_name_has_docstring_with_example(qualname: str, obj: object) -> None:
    assert problems(obj) == [], f"{qualname}: {', '.join(problems(obj))}"


@pytest.mark.parametrize("qualname,obj", NAMES, ids=[n for n, _ in NAMES])
def test_docstring_renders_without_warnings(qualname: str, obj: object) -> None:
    pytest.importorskip("numpydoc")
    pytest.importorskip("docutils")
    assert render_warnings(obj) == "", qualname


def test_inventory_covers_the_three_packages() -> None:
    packages = {q.split(".")[0] for q, _ in NAMES}
    assert packages == {"autograd_lite", "nn", "visualize"}
    assert len(NAMES) > 200


if __name__ == "__main__":
    bad = [(q, problems(o)) for q, o in NAMES if problems(o)]
    for q, p in bad:
        print(f"{q}: {', '.join(p)}")
    print(f"{len(NAMES) - len(bad)} of {len(NAMES)} public names have a docstring with an example")
