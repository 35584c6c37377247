"""Run every tutorial (docs/tutorials/NN-name.md, MyST markdown notebooks) in quick mode.

The tutorials are the project's examples (examples/README.md says why there are no
scripts). The docs build executes them in full; here each runs in a Jupyter kernel, as a
learner would run it, with ``AUTOGRAD_LITE_TUTORIAL_FAST=1`` (fewer epochs and examples;
the asserts on published numbers run either way). A cell that raises fails the test. Each
tutorial must also show a picture inline (an image, SVG or HTML output) and check
something with ``assert``. Tutorials that need an optional extra skip cleanly without it.
"""

from __future__ import annotations

import importlib.util
import os
import re
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
TUTORIALS_DIR = ROOT / "docs" / "tutorials"
TUTORIALS = sorted(TUTORIALS_DIR.glob("[0-9][0-9]-*.md"))
TIMEOUT = 120  # seconds per cell; a whole quick run takes a few seconds
PICTURES = ("image/png", "image/svg+xml", "text/html")
# The modules a tutorial needs beyond the core (the extras: digits, torch, export).
NEEDS = {
    "04-make-your-own-network": ["sklearn"],
    "07-convnet-digits": ["sklearn"],
    "09-pytorch-and-onnx": ["sklearn", "torch", "onnx", "onnxruntime", "safetensors"],
}
# Published numbers, as the tutorial prints them (its own asserts check them too).
PRINTED = {
    "01-backprop-by-hand": ["df/dx = -4, df/dy = -4, df/dz = 3", "dx = [ 0.39 -0.59]"],
    "06-svm-and-softmax": ["SVM losses     [ 2.9  0.  12.9]  mean 5.27"],
    "08-higher-order-and-forward-mode": [
        "one forward pass: f = 11.652, df/dx1 = 5.500",
        "second pass: df/dx2 = 1.716",
        "one backward pass: df/dx1 = 5.500, df/dx2 = 1.716",
    ],
}
CELL_START = re.compile(r"^```\{code-cell\}")
OPTION = re.compile(r"^:[\w-]+:")


def code_cells(text: str) -> list[str]:
    """The sources of a MyST notebook's code cells, in order (options such as ``:tags:``
    removed). The format is small enough to read here, so the tests need no myst-nb."""
    cells: list[str] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        if not CELL_START.match(lines[i]):
            i += 1
            continue
        i += 1
        body: list[str] = []
        while i < len(lines) and lines[i].rstrip() != "```":
            body.append(lines[i])
            i += 1
        if i == len(lines):
            raise ValueError(f"a code cell is not closed: {body[:1]}")
        while body and OPTION.match(body[0]):
            body.pop(0)
        cells.append("\n".join(body).strip("\n"))
        i += 1
    return cells


def test_nine_tutorials_with_front_matter() -> None:
    assert [t.name[:2] for t in TUTORIALS] == [f"{n:02d}" for n in range(1, 10)], TUTORIALS
    for path in TUTORIALS:
        text = path.read_text(encoding="utf-8")
        assert text.startswith("---\njupytext:"), f"{path.name}: no jupytext front matter"
        assert "format_name: myst" in text and "name: python3" in text, path.name
        assert code_cells(text), f"{path.name}: no code cells"
        assert any("assert " in cell for cell in code_cells(text)), f"{path.name}: no assert"
    index = (TUTORIALS_DIR / "index.md").read_text(encoding="utf-8")
    for path in TUTORIALS:  # every tutorial in the landing page's table and toctree
        assert f"({path.name})" in index and f"\n{path.stem}\n" in index, path.name


def test_examples_folder_points_to_the_tutorials() -> None:
    """No second copy of the examples: examples/ holds only its README, which names every
    tutorial."""
    assert sorted(p.name for p in (ROOT / "examples").iterdir()) == ["README.md"]
    readme = (ROOT / "examples" / "README.md").read_text(encoding="utf-8")
    for path in TUTORIALS:
        assert f"docs/tutorials/{path.name}" in readme, path.name


def test_reader_agrees_with_myst_nb() -> None:
    """``code_cells`` reads the notebooks as myst-nb (which builds the site) does."""
    read = pytest.importorskip("myst_nb.core.read").read_myst_markdown_notebook
    for path in TUTORIALS:
        text = path.read_text(encoding="utf-8")
        nb = read(text)
        theirs = [c.source.strip("\n") for c in nb.cells if c.cell_type == "code"]
        assert code_cells(text) == theirs, path.name


def _outputs(nb: Any) -> list[dict]:
    return [out for cell in nb.cells for out in cell.get("outputs", [])]


def _text(outputs: list[dict]) -> str:
    parts = []
    for out in outputs:
        if out.get("output_type") == "stream":
            parts.append(out.get("text", ""))
        elif "text/plain" in out.get("data", {}):
            parts.append(out["data"]["text/plain"])
    return "\n".join(parts)


@pytest.mark.parametrize("path", TUTORIALS, ids=[t.stem for t in TUTORIALS])
def test_tutorial_runs_in_quick_mode(
    path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    for module in NEEDS.get(path.stem, []):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{path.stem} needs {module}: an optional extra")
    # The kernel inherits this environment: the quick mode, and the project on its path.
    monkeypatch.setenv("AUTOGRAD_LITE_TUTORIAL_FAST", "1")
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    )
    monkeypatch.delenv("MPLBACKEND", raising=False)  # the kernel's inline backend draws
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(src) for src in code_cells(path.read_text("utf-8"))],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}},
    )
    client = nbclient.NotebookClient(
        nb, timeout=TIMEOUT, kernel_name="python3", resources={"metadata": {"path": tmp_path}}
    )
    client.execute()  # raises CellExecutionError, naming the cell, if any cell fails

    outputs = _outputs(nb)
    assert not [o for o in outputs if o.get("output_type") == "error"]
    pictures = [o for o in outputs if any(kind in o.get("data", {}) for kind in PICTURES)]
    assert pictures, f"{path.name} shows no picture inline"
    text = _text(outputs)
    for expected in PRINTED.get(path.stem, []):
        assert expected in text, f"{path.name} did not print {expected!r}:\n{text}"
