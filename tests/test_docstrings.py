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

import functools
import importlib
import inspect
import io
import re
import types
from collections.abc import Iterator
from typing import Any

import pytest

import autograd_lite
import nn
import visualize
from autograd_lite.ops import table

# the public subpackages of nn whose names the API reference lists (each with its __all__)
# the engine's public submodules the API reference lists besides the top namespace
ENGINE_SUBMODULES = ("autograd_lite.func", "autograd_lite.forward_ad", "autograd_lite.testing")
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
        importlib.import_module(m) for m in ENGINE_SUBMODULES + NN_SUBMODULES
    ]
    for module in modules:
        for name in _public(module):
            obj = getattr(module, name)
            if isinstance(obj, types.ModuleType) or not callable(obj):
                continue  # subpackages are listed above; constants (dtypes) are not documented
            if id(obj) in seen:
                continue  # an alias (clamp is clip) or a re-export (nn.functional.relu)
            seen.add(id(obj))
            yield f"{module.__name__}.{name}", obj


def _public(module: types.ModuleType) -> list[str]:
    """``__all__``, or (autograd_lite.testing has none) the public names defined there."""
    if hasattr(module, "__all__"):
        return list(module.__all__)
    return [
        name
        for name, obj in vars(module).items()
        if not name.startswith("_") and getattr(obj, "__module__", None) == module.__name__
    ]


def public_members(cls: type) -> Iterator[tuple[str, object]]:
    """The public methods and properties a class defines itself (or gets from a base of this
    project): what the API reference's class pages (``:members:``) render."""
    for name in dir(cls):
        if name.startswith("_"):
            continue
        obj = inspect.getattr_static(cls, name)
        obj = getattr(obj, "__func__", obj)  # classmethod, staticmethod
        if isinstance(obj, property):
            obj = obj.fget
        if not callable(obj) or not getattr(obj, "__doc__", None):
            continue
        if getattr(obj, "__module__", "").split(".")[0] in ("autograd_lite", "nn", "visualize"):
            yield f"{cls.__qualname__}.{name}", obj


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


@functools.cache
def _rst() -> tuple[Any, Any]:
    """A reStructuredText parser and its settings, made once (docutils' option parsing is
    the slow part of publishing), with Sphinx's roles standing in as literals."""
    from docutils import nodes
    from docutils.frontend import get_default_settings
    from docutils.parsers.rst import Parser, roles

    def literal(name, rawtext, text, lineno, inliner, options=None, content=None):
        return [nodes.literal(rawtext, text)], []

    for role in ("obj", "func", "class", "meth", "attr", "mod", "data", "exc", "ref", "doc"):
        roles.register_local_role(role, literal)
    from docutils.readers.standalone import Reader

    settings = get_default_settings(Parser, Reader)
    settings.report_level, settings.halt_level = 2, 5
    return Parser(), settings


def render_warnings(obj: object) -> str:
    """The docutils warnings of ``obj``'s docstring as numpydoc renders it for Sphinx."""
    from docutils.core import publish_doctree
    from numpydoc.docscrape_sphinx import get_doc_object

    parser, settings = _rst()
    text = str(get_doc_object(obj, config={"use_plots": False, "show_class_members": False}))
    stream = io.StringIO()
    settings.warning_stream = stream
    publish_doctree(text, parser=parser, settings=settings)  # with the standalone transforms
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


# each member once (Tensor.exp is autograd_lite.exp; Parameter inherits Tensor's)
MEMBERS = sorted(
    {id(m): (q, m) for _, c in NAMES if inspect.isclass(c) for q, m in public_members(c)}.values()
)


@pytest.mark.parametrize("qualname,obj", MEMBERS, ids=[n for n, _ in MEMBERS])
def test_member_docstring_renders_without_warnings(qualname: str, obj: object) -> None:
    """The class pages render their members' docstrings too (with warnings as errors)."""
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
