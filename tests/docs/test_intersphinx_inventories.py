"""docs/_inv/*.inv, the offline stand-ins for numpy.org's and pytorch.org's objects.inv, are
what docs/_inv/make_inventories.py writes, and Sphinx reads them: each name with its role and
its address on the real site."""

from __future__ import annotations

import importlib.util
import io
from pathlib import Path

import pytest

INV = Path(__file__).resolve().parents[2] / "docs" / "_inv"


def make_inventories():
    spec = importlib.util.spec_from_file_location("make_inventories", INV / "make_inventories.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("file", "table", "base"),
    [
        ("numpy.inv", "NUMPY", "https://numpy.org/doc/stable/"),
        ("torch.inv", "TORCH", "https://docs.pytorch.org/docs/stable/"),
    ],
)
def test_inventory_is_current_and_readable(file, table, base):
    inventory = pytest.importorskip("sphinx.util.inventory")
    script = make_inventories()
    entries = getattr(script, table)
    data = (INV / file).read_bytes()
    project, version = (line.split(": ", 1)[1] for line in data.decode("latin-1").split("\n")[1:3])
    assert data == script.inventory(project, version, entries), "rerun make_inventories.py"
    loaded = inventory.InventoryFile.load(io.BytesIO(data), base, lambda a, b: a + b)
    for name, (role, page) in entries.items():
        item = loaded[role][name]
        assert item.uri == base + page.replace("$", name), (name, item.uri)
