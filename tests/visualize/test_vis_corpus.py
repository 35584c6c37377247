"""Pictures measured on graphs nobody tuned the layout to: the teaching corpus
(tests/visualize/corpus.py) and random programs, on both renderers and both layouts.

Every picture passes visualize.quality.find_defects: no overlapping text, no text crossed
by a wire (its own label's included), every label nearest its own wire, connectors in
reading order, and every label at least 8 pt on a 16:9 slide -- except a picture that
draw_graph itself reports as past a slide (``fits_slide`` False: for the interactive
view). Graphviz runs at most twice per drawing.

The default profile draws a quarter of the corpus with one renderer and a few programs;
``HYPOTHESIS_PROFILE=ci`` draws all of the corpus and more programs, on both renderers.
"""

from __future__ import annotations

import os
import shutil

import pytest
from corpus import CORPUS, programs
from hypothesis import HealthCheck, given, settings

import visualize.render as render_module
from visualize.graph import draw_graph
from visualize.quality import find_defects, read_svg, smallest_on_slide

CI = os.environ.get("HYPOTHESIS_PROFILE") == "ci"
RENDERERS = ["wasm", "dot"] if shutil.which("dot") else ["wasm"]
if not CI:
    RENDERERS = RENDERERS[-1:]  # (the system dot when there is one)
CASES = CORPUS if CI else CORPUS[::4]


class GraphvizRuns:
    """Counts Graphviz runs (both renderers) while installed."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        for name in ("_render_with_system_dot", "_render_with_wasm"):
            original = getattr(render_module, name)
            monkeypatch.setattr(render_module, name, self.wrap(original))

    def wrap(self, fn):
        def counted(*args):
            self.count += 1
            return fn(*args)

        return counted


def check_drawing(root, renderer: str, rankdir: str, runs: GraphvizRuns, **options) -> dict:
    """Draw, measure; return what failed (empty when the picture passes)."""
    runs.count = 0
    view = draw_graph(root, rankdir=rankdir, renderer=renderer, **options)
    svg = view.svg()
    problems = {}
    if runs.count > 2:
        problems["graphviz runs"] = runs.count
    smallest = smallest_on_slide(read_svg(svg))
    if view.fits_slide is not (smallest >= 8.0 - 1e-6):
        problems["fits_slide"] = (view.fits_slide, round(smallest, 2))
    # The slide rule holds unless draw_graph says the picture is past a slide.
    found = find_defects(svg, min_slide_pt=8.0 if view.fits_slide else None)
    if found:
        problems["defects"] = [str(d) for d in found]
    if view.collapsed and "collapsed to fit a slide" not in svg:
        problems["caption"] = "collapsed modules without saying so"
    return problems


@pytest.fixture(scope="module")
def built():
    return [(case.name, case.build(), case.options) for case in CASES]


@pytest.mark.parametrize("renderer", RENDERERS)
def test_every_corpus_picture_passes(built, renderer, monkeypatch):
    runs = GraphvizRuns(monkeypatch)
    failures = {}
    for name, root, options in built:
        for rankdir in ("LR", "TB"):
            problems = check_drawing(root, renderer, rankdir, runs, **options)
            if problems:
                failures[f"{name}_{rankdir}"] = problems
    assert failures == {}


def test_small_scalar_graphs_fit_a_slide_unwrapped(monkeypatch):
    """The cs231n circuits of a dozen scalar ops fit a slide at 8 pt as drawn, LR: no
    connectors, no rows (the old 3:1 rule wrapped the staged f(x, y) into 4 rows)."""
    runs = GraphvizRuns(monkeypatch)
    for case in CORPUS:
        if case.name not in ("staged_fxy", "sigmoid_neuron", "max_gate", "cli_expression_shared"):
            continue
        root = case.build()
        runs.count = 0
        view = draw_graph(root, renderer=RENDERERS[-1])
        svg = view.svg()
        assert view.fits_slide and "wrap0_to" not in view.source, case.name
        assert smallest_on_slide(read_svg(svg)) >= 8.0, case.name
        assert runs.count == 1, case.name  # measured once, kept as drawn


def test_a_net_past_a_slide_is_collapsed_and_says_so():
    """conv-bn-relu-pool twice has 35 ops: past a slide drawn whole, so its modules are
    collapsed and the picture and the view say which."""
    case = next(c for c in CORPUS if c.name == "conv_bn_relu_pool_twice")
    view = draw_graph(case.build(), renderer=RENDERERS[-1])
    assert "Sequential.0" in view.collapsed and len(view.collapsed) >= 8
    assert f"{len(view.collapsed)} modules collapsed to fit a slide" in view.svg()


LAYOUTS = [(r, d) for r in RENDERERS for d in ("LR", "TB")]


# One test per (renderer, layout), one drawing per program: in CI 20 programs each (about
# 2 s a drawing, far inside pytest's 300 s a test, and the layouts run on both cores).
@pytest.mark.parametrize(("renderer", "rankdir"), LAYOUTS)
@settings(
    max_examples=20 if CI else 2,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(root=programs())
def test_random_programs_pass(root, renderer, rankdir, monkeypatch):
    problems = check_drawing(root, renderer, rankdir, GraphvizRuns(monkeypatch))
    assert problems == {}
