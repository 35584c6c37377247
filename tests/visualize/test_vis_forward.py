"""Forward mode drawn: each wire's tangent in blue under its value, a legend naming the
colours, the same picture-quality checks as reverse mode, and the survey's trace table."""

from __future__ import annotations

import numpy as np
import pytest
from vis_helpers import needs_dot, parse_svg

import autograd_lite as al
from autograd_lite.forward_ad import dual_level, make_dual
from visualize import draw_graph
from visualize.gallery import survey_forward
from visualize.paint import TANGENT_COLOR, paint_svg
from visualize.quality import find_defects
from visualize.trace import trace_number, trace_steps, trace_table

SVG_NS = "{http://www.w3.org/2000/svg}"


def texts_by_colour(svg: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for t in parse_svg(svg).iter(f"{SVG_NS}text"):
        found.setdefault(t.get("fill") or "", []).append(t.text or "")
    return found


def wire_texts(svg: str) -> dict[str, list[tuple[str, str]]]:
    """edge id -> its label's lines, (text, fill)."""
    wires = {}
    for g in parse_svg(svg).iter(f"{SVG_NS}g"):
        if "edge" in (g.get("class") or "").split():
            wires[g.get("id")] = [(t.text, t.get("fill")) for t in g.iter(f"{SVG_NS}text")]
    return wires


@pytest.mark.parametrize("renderer", ["wasm", pytest.param("dot", marks=needs_dot)])
@pytest.mark.parametrize("rankdir", ["LR", "TB"])
def test_survey_forward_picture(renderer, rankdir):
    with dual_level():
        f = survey_forward()
        svg = draw_graph(f, rankdir=rankdir, renderer=renderer, show_grads=False).svg()
    assert find_defects(svg) == []
    blue = texts_by_colour(svg)[TANGENT_COLOR]
    # the tangent trace of Table 2: x1' = 1, x2' = 0, v1' = 0.5, v2' = 5, v3' = 0, f' = 5.5
    assert sorted(blue) == sorted(
        ["1", "1", "0", "0", "0.5", "5", "0", "5.5", "5.5", "blue: tangent (forward mode)"]
    )
    # every wire: its value (green) then its tangent (blue), nothing else
    for lines in wire_texts(svg).values():
        assert [fill for _, fill in lines] == ["darkgreen", TANGENT_COLOR]
    assert "green: value" in texts_by_colour(svg)["darkgreen"]


def test_values_tangents_and_gradients_together_and_the_legend():
    with dual_level():
        f = survey_forward()
        f.backward(retain_graph=True)
        view = draw_graph(f, title="survey")
        svg = view.svg()
        assert 'font color="blue"' in view.print_source  # PNG/PDF: the same colours
    assert find_defects(svg) == []
    for lines in wire_texts(svg).values():
        assert [fill for _, fill in lines] == ["darkgreen", TANGENT_COLOR, "red"]
    legend = [t.text for t in parse_svg(svg).iter(f"{SVG_NS}text")][:4]
    assert legend == [
        "survey",
        "green: value",
        "blue: tangent (forward mode)",
        "red: gradient (reverse mode)",
    ]
    by_colour = texts_by_colour(svg)
    # x1 feeds ln and *: its wires carry 1/x1 = 0.5 and x2 = 5, its node the sum df/dx1.
    assert {"0.5", "5", "grad 5.5"} <= set(by_colour["red"])
    # x2 feeds * and sin: x1 = 2 and -cos x2 = -0.2837, the sum df/dx2 = 1.716.
    assert {"2", "-0.2837", "grad 1.716"} <= set(by_colour["red"])


def test_no_tangents_no_legend():
    x = al.tensor(2.0, requires_grad=True, name="x")
    outside = draw_graph(al.exp(x) * 3.0).svg()
    with dual_level():
        inside = draw_graph(al.exp(x) * 3.0).svg()  # a level, but x has no tangent
        d = make_dual(al.tensor(2.0), al.tensor(1.0)).requires_grad_()
        hidden = draw_graph(al.exp(d), show_tangents=False).svg()
    for svg in (outside, inside, hidden):
        assert TANGENT_COLOR not in texts_by_colour(svg)
        assert "blue: tangent (forward mode)" not in svg


def test_a_lone_dual_leaf_shows_its_tangent():
    with dual_level():
        d = make_dual(al.tensor([1.0, 2.0]), al.tensor([3.0, 4.0]))
        svg = draw_graph(d).svg()
    assert "[3, 4]" in texts_by_colour(svg)[TANGENT_COLOR]


def test_painting_the_legend_leaves_node_texts_alone():
    svg = (
        '<svg><g id="graph0" class="graph paint_kvt"><text>title</text><text>v</text>'
        '<text>t</text><g id="node1" class="node"><g id="a_node1"><a><text>x</text></a></g>'
        '</g><g id="edge1" class="edge paint_vt"><g id="a_e"><a><text>2</text></a></g>'
        "<text>1</text></g></g></svg>"
    )
    painted = {t.text: t.get("fill") for t in parse_svg(paint_svg(svg)).iter("text")}
    assert painted == {
        "title": None,  # "k": the graph's own colour
        "v": "darkgreen",
        "t": "blue",
        "x": None,  # a node's text: the node is not painted
        "2": "darkgreen",
        "1": "blue",
    }


def test_trace_tables_are_the_surveys():
    """Baydin et al. 2018, Table 2 (forward) and Table 3 (reverse), on one evaluation."""
    with dual_level():
        f = survey_forward()
        f.backward(retain_graph=True)
        steps = trace_steps(f)
    rows = {s.definition or s.name: (s.value, s.tangent, s.adjoint) for s in steps}
    np.testing.assert_allclose(rows["x1"], (2, 1, 5.5))
    np.testing.assert_allclose(rows["x2"], (5, 0, 1.716), atol=5e-4)
    np.testing.assert_allclose(rows["log(x1)"], (np.log(2), 0.5, 1), rtol=1e-6)
    np.testing.assert_allclose(rows["x1 * x2"], (10, 5, 1))
    np.testing.assert_allclose(rows["sin(x2)"], (np.sin(5), 0, -1), rtol=1e-6)
    last = steps[-1]
    assert trace_number(last.value) == "11.652" and trace_number(last.tangent) == "5.5"
    table = trace_table(steps, ("value", "tangent", "adjoint"))
    assert "tangent dv/dx1" in table.splitlines()[0]
    assert any(line.split()[-3:] == ["11.652", "5.5", "1"] for line in table.splitlines())


@pytest.mark.parametrize(
    "x, text", [(11.65213, "11.652"), (5.5, "5.5"), (10.0, "10"), (-0.0, "0"), (1.5e-5, "1.5e-05")]
)
def test_trace_numbers_read_like_the_surveys(x, text):
    assert trace_number(x) == text


def test_module_titles_are_not_painted_as_a_legend():
    """Clusters copy the graph's attributes: the legend's painting must stay on the title."""
    import nn

    al.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    with dual_level():
        x = make_dual(al.tensor(np.ones((4, 2))), al.tensor(np.ones((4, 2)))).requires_grad_()
        svg = draw_graph(model(x).sum(), title="a model").svg()
    for g in parse_svg(svg).iter(f"{SVG_NS}g"):
        if "cluster" in (g.get("class") or "").split():
            assert "paint_" not in g.get("class")
            fills = [t.get("fill") for t in g.iter(f"{SVG_NS}text")]
            assert fills in ([], ["#374151"])  # (a wrapped picture's rows have no title)
    assert "blue: tangent (forward mode)" in texts_by_colour(svg)[TANGENT_COLOR]
