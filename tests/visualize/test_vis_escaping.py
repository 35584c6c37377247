"""User text (tensor and module names) is drawn as text: it cannot change the graph's
structure or put markup into the SVG, on either render path."""

from __future__ import annotations

import pytest
from vis_helpers import SVG_NS, dot_edges, dot_nodes, needs_dot, parse_svg, svg_count, svg_texts

import autograd_lite as al
from visualize import draw_graph
from visualize.graph import dot_label

EVIL = [
    '"]; evil [label=<b>x</b>',
    "<script>alert(1)</script>",
    "<<b>html</b>>",
    "back\\slash \\N \\G \\l end\\",
    'quote " and \\" mixed',
    "} digraph { injected",
    "&amp; &lt; entity",
]


def build(names, scope_name):
    x = al.tensor(-2.0, dtype="float64", requires_grad=True, name=names[0])
    y = al.tensor(5.0, dtype="float64", requires_grad=True, name=names[1])
    z = al.tensor(-4.0, dtype="float64", requires_grad=True, name=names[2])
    with al.name_scope(scope_name):
        f = (x + y) * z
    f.name = names[3]
    f.backward(retain_graph=True)
    return f


@pytest.mark.parametrize("renderer", ["wasm", pytest.param("dot", marks=needs_dot)])
@pytest.mark.parametrize("evil", EVIL)
def test_names_are_text_not_structure_or_markup(evil, renderer):
    f = build([evil, evil + "y", "z" + evil, evil], scope_name=evil)
    view = draw_graph(f, renderer=renderer, title=evil)
    # The structure is that of (x + y) * z, whatever the names say.
    assert len(dot_nodes(view.source)) == 6
    assert len(dot_edges(view.source)) == 5
    svg = view.svg()
    root = parse_svg(svg)  # still well-formed XML
    assert svg_count(svg, "node") == 6
    assert svg_count(svg, "edge") == 5
    assert svg_count(svg, "cluster") == 1
    # No element came from the names: only Graphviz's usual vocabulary.
    tags = {el.tag.removeprefix(SVG_NS) for el in root.iter()}
    assert tags <= {"svg", "g", "title", "text", "polygon", "path", "ellipse", "a", "polyline"}
    # And the names are drawn exactly as given.
    texts = svg_texts(svg)
    assert evil in texts  # x's name (and the output's)
    assert evil + "y" in texts
    assert "z" + evil in texts
    assert texts.count(evil) >= 3  # x, output, cluster label (and the title)


def test_control_characters_and_long_names_are_tamed():
    label = dot_label("line1\nline2\x00\t")
    assert label == "line1 line2  "
    x = al.tensor(1.0, requires_grad=True, name="x" * 500)
    with al.name_scope("m" * 500):
        f = x * 2.0
    svg = draw_graph(f).svg(renderer="wasm")
    texts = svg_texts(svg)
    assert "x" * 47 + "…" in texts
    assert "m" * 47 + "…" in texts
    assert max(len(t) for t in texts) == 48


def test_dot_label_is_never_html():
    label = dot_label("<b>bold</b>")
    source = draw_graph(al.tensor(1.0, name="<b>bold</b>")).source
    assert 'label="<b>bold</b>' in source  # quoted, so Graphviz reads text, not HTML
    assert "label=<" not in source
    assert label == "<b>bold</b>"
