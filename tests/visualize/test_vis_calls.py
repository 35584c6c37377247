"""A module called more than once (an RNN cell at every step, a shared block): each call is
drawn as its own box, its parameters beside each call, rows in order."""

from __future__ import annotations

import numpy as np
import pytest
from vis_helpers import SVG_NS, needs_dot, parse_svg, svg_texts

import autograd_lite as al
import nn
from visualize import draw_graph
from visualize.graph import build_model
from visualize.quality import find_defects, titles_crossed


class RNN(nn.Module):
    """h_t = tanh(ih(x_t) + hh(h_{t-1})), then a linear read-out of the last h."""

    def __init__(self) -> None:
        super().__init__()
        self.ih = nn.Linear(3, 4)
        self.hh = nn.Linear(4, 4)
        self.out = nn.Linear(4, 2)

    def forward(self, xs):
        h = al.tensor(np.zeros((1, 4)), name="h0")
        for x in xs:
            h = (self.ih(x) + self.hh(h)).tanh()
        return self.out(h)


def rnn_loss(steps=3, seed=0):
    rng = np.random.default_rng(seed)
    al.manual_seed(seed)
    xs = [al.tensor(rng.normal(size=(1, 3)), name=f"x{t}") for t in range(steps)]
    loss = nn.functional.cross_entropy(RNN()(xs), np.array([1]))
    loss.name = "loss"
    loss.backward(retain_graph=True)
    return loss


def shared_block_loss(seed=0):
    """The same residual block applied four times: h = h + block(h)."""
    rng = np.random.default_rng(seed)
    al.manual_seed(seed)
    block = nn.Sequential(nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 16))
    h = al.tensor(rng.normal(size=(8, 16)), name="x")
    for _ in range(4):
        h = h + block(h)
    loss = (h * h).mean()
    loss.name = "loss"
    loss.backward(retain_graph=True)
    return loss


def test_each_call_is_its_own_box_numbered_in_the_order_it_ran():
    model = build_model(rnn_loss())
    clusters = {}
    for op in model.ops:
        if op.scope == ("RNN", "ih"):
            (x,) = [s.tensor.name for s, c in model.edges if c is op and s.tensor.name[0] == "x"]
            clusters[x] = op.cluster
    assert clusters == {
        "x0": ("RNN", "ih"),
        "x1": ("RNN", "ih (call 2)"),
        "x2": ("RNN", "ih (call 3)"),
    }
    # The module path itself is unchanged (names, captions and export read it).
    assert {op.scope for op in model.ops if op.label == "linear"} == {
        ("RNN", "ih"),
        ("RNN", "hh"),
        ("RNN", "out"),
    }


def test_a_module_called_once_keeps_one_box_even_with_separate_branches():
    class TwoHeads(nn.Module):
        def forward(self, x):
            return x.exp(), x.tanh()  # two ops joined only by their shared input

    x = al.tensor(np.ones(3), requires_grad=True, name="x")
    a, b = TwoHeads()(x)
    model = build_model((a + b).sum())
    assert {op.cluster for op in model.ops if op.label in ("exp", "tanh")} == {("TwoHeads",)}
    source = draw_graph(rnn_loss(steps=1), renderer="wasm").source
    assert "(call" not in source


def test_shared_parameters_are_drawn_beside_each_call():
    texts = svg_texts(draw_graph(rnn_loss(), collapse_modules=False, renderer="wasm").svg())
    # One copy per call, each named by its module path (not by the call).
    assert texts.count("ih.weight") == 3
    assert texts.count("hh.bias") == 3
    assert texts.count("out.weight") == 1
    assert not any("(call" in t and "weight" in t for t in texts)


def test_collapsed_calls_list_their_parameters_and_the_loop_keeps_its_ops():
    source = draw_graph(rnn_loss(), collapse_modules=True, renderer="wasm").source
    # Each call's node is titled with the module's type and name, then its parameters.
    for name in ("ih", "ih (call 2)", "ih (call 3)", "hh (call 3)", "out"):
        assert f'label="Linear  {name}\\nweight' in source
    # The RNN's own + and tanh of each step stay op nodes inside its box, in order.
    assert source.count('tooltip="Add in RNN"') == 3
    assert source.count('tooltip="TanhFunction in RNN"') == 3


def _text_y(svg, text):
    return [float(t.get("y")) for t in parse_svg(svg).iter(f"{SVG_NS}text") if t.text == text]


def test_wrapped_rows_are_stacked_in_order():
    svg = draw_graph(rnn_loss(steps=4), collapse_modules=False, renderer="wasm").svg()
    assert "A" in svg_texts(svg)  # wrapped: a lettered connector joins the rows
    # Row 1 (the first step) on top, the loss in the last row below it.
    assert max(_text_y(svg, "x0")) < min(_text_y(svg, "loss"))


# Drawn with one box per module, these pictures had 22 to 45 defects each (wires across
# the picture through other labels; the collapsed RNN a 6.9:1 strip). Wrapped into TB
# columns, a wire into a narrow box crossed its title; each box of a wrapped TB picture is
# now titled at the end fewer wires cross (visualize.dot): none is left.


@pytest.mark.parametrize("renderer", ["wasm", pytest.param("dot", marks=needs_dot)])
@pytest.mark.parametrize("collapse", [False, True])
@pytest.mark.parametrize("rankdir", ["LR", "TB"])
@pytest.mark.parametrize("build", [shared_block_loss, rnn_loss])
def test_repeated_calls_pass_the_picture_quality_checks(build, rankdir, collapse, renderer):
    view = draw_graph(build(), renderer=renderer, rankdir=rankdir, collapse_modules=collapse)
    assert find_defects(view.svg()) == []


def test_titles_go_below_when_wires_would_cross_them():
    # conv-bn-relu-pool twice (LR), drawn whole and fitted (collapsed: past a slide):
    # draw_graph measures whether wires cross module titles at the top of their boxes and
    # moves them to the bottom if so. Either way, no title is crossed.
    from corpus import conv_bn_relu_pool_twice

    view = draw_graph(conv_bn_relu_pool_twice(), renderer="wasm")
    assert view.collapsed and titles_crossed(view.svg()) == 0
    # The shared block, TB: its wires enter each call's box from above; measured, the
    # titles are either clear of them or moved to the bottom: nothing is crossed there.
    view = draw_graph(shared_block_loss(), renderer="wasm", rankdir="TB", max_aspect=None)
    assert find_defects(view.svg()) == []
    # A picture drawn whole without such a crossing keeps its titles on top.
    whole = draw_graph(rnn_loss(), renderer="wasm", rankdir="TB", max_aspect=None)
    assert "labelloc=b" not in whole.source
    # Wrapped into columns, a box that more wires enter than leave (the RNN, fed by the
    # connectors at its column's top) is titled at its bottom; none is crossed.
    wrapped = draw_graph(rnn_loss(), renderer="wasm", rankdir="TB")
    assert "wrap0_from" in wrapped.source and "labelloc=b" in wrapped.source
    assert titles_crossed(wrapped.svg()) == 0
