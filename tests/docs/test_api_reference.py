"""The API reference (docs/api/*.rst) lists every public name: each module's ``__all__``
(autograd_lite, its func / forward_ad / testing, nn and its subpackages, visualize) must
appear in an ``api-group`` (or a ``.. data::`` entry) under that module. Reads the sources,
so it runs without building the site."""

from __future__ import annotations

import importlib
import re
import types
from pathlib import Path

import pytest

API = Path(__file__).resolve().parents[2] / "docs" / "api"

# Every module whose public names are the API (their __all__; testing has none, so its
# public functions). Submodules listed in a package's __all__ are covered by their own entry.
MODULES = [
    "autograd_lite",
    "autograd_lite.func",
    "autograd_lite.forward_ad",
    "autograd_lite.testing",
    "nn",
    "nn.functional",
    "nn.init",
    "nn.optim",
    "nn.optim.lr_scheduler",
    "nn.data",
    "nn.datasets",
    "nn.export",
    "nn.utils",
    "visualize",
]


def public_names(module_name: str) -> set[str]:
    module = importlib.import_module(module_name)
    names = getattr(module, "__all__", None)
    if names is None:
        names = [
            n
            for n, obj in vars(module).items()
            if not n.startswith("_") and getattr(obj, "__module__", None) == module_name
        ]
    return {n for n in names if not isinstance(getattr(module, n), types.ModuleType)}


def documented() -> dict[str, set[str]]:
    """module -> names listed in the reference pages (api-group bodies and data entries)."""
    found: dict[str, set[str]] = {}
    for page in sorted(API.glob("*.rst")):
        module = None
        lines = page.read_text(encoding="utf-8").splitlines()
        i = 0
        while i < len(lines):
            line = lines[i]
            if m := re.match(r"\.\. (?:current)?module:: (\S+)", line):
                module = m[1]
            elif re.match(r"\.\. (api-group|data)::", line):
                assert module, f"{page.name}:{i + 1}: no module set before this directive"
                names = found.setdefault(module, set())
                first = line.split("::", 1)[1].strip()
                if first:
                    names.add(first)
                i += 1
                # The body: indented lines, up to the first blank line after a name list.
                while i < len(lines) and (not lines[i].strip() or lines[i].startswith(" ")):
                    text = lines[i].strip()
                    if text and re.fullmatch(r"[A-Za-z_]\w*", text):
                        names.add(text)
                    elif text and not text.startswith(":"):
                        break  # prose (a data entry's description) ends the names
                    i += 1
                continue
            i += 1
    return found


@pytest.mark.parametrize("module_name", MODULES)
def test_every_public_name_is_in_the_reference(module_name):
    listed = documented().get(module_name, set())
    missing = public_names(module_name) - listed
    assert not missing, f"docs/api/*.rst lacks {module_name}: {sorted(missing)}"
    unknown = listed - public_names(module_name)
    assert not unknown, f"docs/api/*.rst lists names {module_name} does not export: {unknown}"


def test_every_reference_page_is_in_the_toctree():
    index = (API / "index.rst").read_text(encoding="utf-8")
    for page in API.glob("*.rst"):
        if page.stem != "index":
            assert re.search(rf"^   {page.stem}$", index, re.M), f"{page.name} not in api/index"
