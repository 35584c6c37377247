"""The docstrings' examples run: doctest over every module of autograd_lite, nn and visualize.

One test per module, so a failure names the module. The examples assume the names a reader
has after ``import numpy as np``, ``import autograd_lite as al``, ``import nn`` and
``import visualize`` (the API reference says so); each module's doctests also see the
module's own globals. NumPy's print options are fixed (to NumPy's defaults) and the random
generators seeded before each docstring's examples, so outputs are stable. Examples run in
a temporary directory (those that save a file write it there).
"""

from __future__ import annotations

import doctest
import importlib
import importlib.util
import pkgutil
from pathlib import Path

import numpy as np
import pytest

import autograd_lite
import nn
import visualize

# modules whose examples need an optional extra: skipped cleanly where it is absent
NEEDS = {"nn.export.pytorch": ("torch",), "nn.export.onnx_export": ("onnx",)}
FLAGS = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS
# NumPy's own defaults, set explicitly: the examples show what a reader's session prints
# (a test elsewhere may have changed the options in this process)
NUMPY_DEFAULTS = dict(
    precision=8,
    threshold=1000,
    edgeitems=3,
    linewidth=75,
    suppress=False,
    nanstr="nan",
    infstr="inf",
    sign="-",
    formatter=None,
    floatmode="maxprec",
    legacy=False,
)


def _modules() -> list[str]:
    names = []
    for package in (autograd_lite, nn, visualize):
        names.append(package.__name__)
        prefix = package.__name__ + "."
        for info in pkgutil.walk_packages(package.__path__, prefix):
            if info.name.rsplit(".", 1)[-1] == "__main__":
                continue  # running it would start the command line
            names.append(info.name)
    # only modules with examples: importing the others costs time (nn.export's torch
    # modules import PyTorch) and runs nothing
    return sorted(n for n in names if ">>>" in _source(n))


def _source(name: str) -> str:
    spec = importlib.util.find_spec(name)
    return Path(spec.origin).read_text(encoding="utf-8") if spec and spec.origin else ""


MODULES = _modules()


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name: str, tmp_path, monkeypatch) -> None:
    for package in NEEDS.get(name, ()):
        pytest.importorskip(package)
    try:
        module = importlib.import_module(name)
    except ImportError as e:  # an optional extra (torch, onnx) the module needs at import
        pytest.skip(f"{name} needs an optional package: {e}")
    monkeypatch.chdir(tmp_path)  # examples that save a file write it here
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    globs = {"np": np, "al": autograd_lite, "nn": nn, "visualize": visualize}
    saved = np.get_printoptions()
    np.set_printoptions(**NUMPY_DEFAULTS)
    try:
        for test in finder.find(module, name, globs={**vars(module), **globs}):
            autograd_lite.manual_seed(0)
            np.random.seed(0)
            runner.run(test)
    finally:
        np.set_printoptions(**saved)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{name}: {result.failed} of {result.attempted} examples failed"


def test_modules_found() -> None:
    assert "autograd_lite.ops.elementary" in MODULES
    assert "nn.optim.lr_scheduler" in MODULES
    assert "visualize.graph" in MODULES
