"""Shared fixtures for the visualize tests (helpers for reading SVG are in vis_helpers.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# Run from a checkout without `pip install -e .`, the folder tests/visualize would be found as
# a namespace package "visualize"; the repository root must come first on the path.
ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import autograd_lite as al  # noqa: E402


@pytest.fixture
def cs231n():
    """f = (x + y) * z at x=-2, y=5, z=-4, after backward(retain_graph=True).

    Returns (f, x, y, z). The known answers: f = -12, q = x + y = 3,
    df/dx = df/dy = z = -4, df/dz = q = 3.
    """
    x = al.tensor(-2.0, dtype="float64", requires_grad=True, name="x")
    y = al.tensor(5.0, dtype="float64", requires_grad=True, name="y")
    z = al.tensor(-4.0, dtype="float64", requires_grad=True, name="z")
    f = (x + y) * z
    f.backward(retain_graph=True)
    return f, x, y, z
