"""Nested reverse mode: right answers, and an inner gradient whose walk does not grow with
the history behind its inputs (issue 24).

The programs are the benchmark's (``benchmarks/nested_ad.py``): a particle integrated by
Euler steps whose acceleration is an inner gradient, differentiated by an outer one, and
damped Newton steps with ``func.hessian`` inside an outer ``grad``. The walk is measured in
nodes (``engine.nodes_visited``, and the backward calls of a counting op), never in time.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

import autograd_lite as al
from autograd_lite import Function, engine, func

_PATH = Path(__file__).resolve().parents[2] / "benchmarks" / "nested_ad.py"
_spec = importlib.util.spec_from_file_location("nested_ad_programs", _PATH)
programs = sys.modules[_spec.name] = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(programs)


# -- the same gradients as PyTorch ------------------------------------------------------


@pytest.mark.parametrize(
    ("program", "start", "steps"),
    [
        ("particle", 0.0, 1),  # reverse over reverse
        ("particle", 0.7, 7),
        ("newton", 0.3, 1),  # reverse over (forward over reverse)
        ("newton", -0.2, 3),
    ],
)
def test_nested_gradients_match_torch(program, start, steps):
    pytest.importorskip("torch")
    ours, theirs = programs.make_lib("autograd-lite"), programs.make_lib("torch")
    end, gradient = getattr(programs, f"{program}_end"), getattr(programs, f"{program}_grad")
    value = end(ours, ours.tensor(start), steps)
    assert float(value) == pytest.approx(float(end(theirs, theirs.tensor(start), steps)))
    g = gradient(ours, ours.tensor(start), steps)
    expected = gradient(theirs, theirs.tensor(start), steps)
    assert float(g) != 0.0  # the outer gradient reaches the parameter through the inner ones
    assert float(g) == pytest.approx(float(expected), rel=1e-9, abs=1e-15)


def test_particle_grad_of_grad_matches_central_differences():
    """Without torch too: the outer gradient against (f(w + h) - f(w - h)) / 2h."""
    lib = programs.make_lib("autograd-lite")
    w, h, steps = 0.4, 1e-4, 6
    g = float(programs.particle_grad(lib, lib.tensor(w), steps))
    up = float(programs.particle_end(lib, lib.tensor(w + h), steps))
    down = float(programs.particle_end(lib, lib.tensor(w - h), steps))
    assert g == pytest.approx((up - down) / (2 * h), rel=1e-4)


# -- the walk of an inner gradient -------------------------------------------------------


class CountedScale(Function):
    """y = 1.01 x, counting how often its backward runs (once per visit of its node)."""

    calls = 0

    def forward(self, x):
        return x * 1.01

    def backward(self, grad):
        CountedScale.calls += 1
        return grad * 1.01


def _history(x, steps):
    """``x`` after ``steps`` recorded ops (the history an inner gradient must not walk)."""
    for _ in range(steps):
        x = CountedScale.apply(x) + 0.001
    return x


def _potential(x, w):
    d = x - w
    return 1.0 / al.sqrt((d * d).sum() + 1.0)


@pytest.mark.parametrize("transform", ["func.grad", "grad"])
def test_inner_grad_walk_does_not_grow_with_history(transform):
    visited, counted = [], []
    for steps in (1, 10, 100):
        w = al.tensor(np.array(0.3), requires_grad=True)
        x = _history(al.tensor(np.array([1.0, 2.0])) * w, steps)
        CountedScale.calls = 0
        if transform == "func.grad":
            g = func.grad(_potential)(x, w)
        else:
            g = al.grad(_potential(x, w), x, create_graph=True)[0]
        visited.append(engine.nodes_visited())
        counted.append(CountedScale.calls)
        assert g.requires_grad  # still differentiable: the outer gradient goes on through x
        # ... and the outer walk does go through the whole history, once
        (gw,) = al.grad(g.sum(), w)
        assert CountedScale.calls == steps
        assert np.isfinite(gw.item())
    assert counted == [0, 0, 0]
    assert visited[0] == visited[1] == visited[2] > 0


def test_inner_grad_with_a_fresh_input_skips_what_f_closes_over():
    """func.grad of an argument that is not part of a graph, with f using a tensor of a
    long history: the walk covers what f recorded, not that history."""
    visited = []
    for steps in (1, 50):
        w = al.tensor(np.array(0.5), requires_grad=True)
        c = _history(al.tensor(np.array([1.0, -1.0])) * w, steps)
        CountedScale.calls = 0
        g = func.grad(lambda x, c=c: _potential(x, c))(al.tensor(np.array([0.2, 0.1])))
        visited.append(engine.nodes_visited())
        assert CountedScale.calls == 0
        assert g.requires_grad  # it depends on w through c
        (gw,) = al.grad(g.sum(), w)
        assert CountedScale.calls == steps
        assert gw.item() != 0.0
    assert visited[0] == visited[1]


def test_pruned_gradient_equals_the_one_from_a_fresh_leaf():
    w = al.tensor(np.array([0.3, -0.4]), requires_grad=True)
    x = _history(w * 2.0, 20)
    y = (x.sin() * x).sum()
    (g,) = al.grad(y, x)
    fresh = x.detach().requires_grad_()
    (expected,) = al.grad((fresh.sin() * fresh).sum(), fresh)
    np.testing.assert_array_equal(g.data, expected.data)


def test_backward_still_visits_every_node():
    x = al.tensor(np.array(1.0), requires_grad=True)
    y = _history(x * 1.0, 30)
    CountedScale.calls = 0
    y.backward()
    assert CountedScale.calls == 30
    assert x.grad.item() == pytest.approx(1.01**30)


def test_grad_visits_each_node_between_output_and_input_once():
    x = al.tensor(np.array(1.0), requires_grad=True)
    start = _history(x, 10) * 1.0  # a non-leaf input with a history of 20 nodes
    y = _history(start, 5)  # 10 nodes after it
    (g,) = al.grad(y, start)
    assert engine.nodes_visited() == 11  # those 10, and start's producer (not run)
    assert g.item() == pytest.approx(1.01**5)


def test_grad_of_a_user_leaf_walks_what_reaches_it():
    """A user's leaf has no creation number: the walk is not pruned, and is still right."""
    x = al.tensor(np.array(2.0), requires_grad=True)
    old = _history(x, 5)
    y = old * x
    (g,) = al.grad(y, x)
    assert g.item() == pytest.approx(2 * 2.0 * 1.01**5 + 0.001 * sum(1.01**k for k in range(5)))
