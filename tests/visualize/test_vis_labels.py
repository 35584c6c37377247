"""What the v2 pictures say and how they are shaped: labels that own their space and keep
their colours, quiet leaves, module paths, gradient norms on collapsed modules, frames that
light up new gradients, wrapped long graphs, and the size options."""

from __future__ import annotations

import re

import numpy as np
import pytest
from vis_helpers import (
    dot_edge_attrs,
    dot_nodes,
    needs_dot,
    parse_svg,
    svg_colored_texts,
    svg_texts,
    wire_grad,
    wire_value,
)

import autograd_lite as al
import nn
from autograd_lite.engine import topological_order
from visualize import backward_steps, draw_graph
from visualize.dot import DrawOptions, Frame, to_dot
from visualize.gallery import mlp, neuron
from visualize.graph import GraphView, build_model
from visualize.labels import format_brief, summary_tip
from visualize.paint import paint_svg
from visualize.quality import connector_orders, find_defects, read_svg, smallest_on_slide


def node_label(source, key):
    """The label of node ``key`` in DOT source, unquoted (escapes kept)."""
    m = re.search(rf'^\s*{key} \[label=("(?:[^"\\]|\\.)*"|\S+)', source, flags=re.M)
    assert m, key
    return m[1].strip('"')


def leaf_labels(source):
    return sorted(node_label(source, key) for key in dot_nodes(source) if key.startswith("t"))


# -- quiet leaves ----------------------------------------------------------------------


def test_scalar_leaves_show_only_their_name():
    x = al.tensor(-2.0, requires_grad=True, name="x")
    b = al.tensor(3.0, requires_grad=True)  # unnamed
    f = x * b
    f.name = "f"
    src = draw_graph(f).source
    assert leaf_labels(src) == ["input", "x"]  # no "() float32"
    assert node_label(src, "out") == "f"
    assert "float32" not in src and "()" not in src


def test_dtype_only_when_not_the_default():
    x64 = al.tensor([1.0, 2.0], dtype="float64", requires_grad=True, name="x")
    assert leaf_labels(draw_graph((x64 * 2.0).sum()).source) == ["x\\n(2,) float64"]
    x32 = al.tensor([1.0, 2.0], requires_grad=True, name="x")
    assert leaf_labels(draw_graph((x32 * 2.0).sum()).source) == ["x\\n(2,)"]
    al.set_default_dtype("float64")
    try:
        assert leaf_labels(draw_graph((x64 * 2.0).sum()).source) == ["x\\n(2,)"]
        assert leaf_labels(draw_graph((x32 * 2.0).sum()).source) == ["x\\n(2,) float32"]
    finally:
        al.set_default_dtype("float32")


def test_parameters_take_their_module_path_and_data_says_input():
    al.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    loss = model(al.randn(4, 2)).sum()
    src = draw_graph(loss).source
    names = dict(model.named_parameters())
    labels = leaf_labels(src)
    for name in names:
        assert any(label.startswith(f"{name}\\n") for label in labels), (name, labels)
    assert sorted(label.split("\\n")[0] for label in labels) == sorted([*names, "input"])
    # nn itself still names the parameter after its attribute: drawing changed nothing.
    assert model[0].weight.name == "weight"


def test_named_parameters_keep_a_dotted_name():
    w = nn.Parameter(np.ones(2, dtype="float32"))
    w.name = "encoder.w"
    with al.name_scope("Net"), al.name_scope("block"):
        f = (w * 2.0).sum()
    assert leaf_labels(draw_graph(f).source) == ["encoder.w\\n(2,)"]


# -- labels that own their space, painted line by line -----------------------------------


def mlp_wire(src, value_start):
    return next(
        a for _, _, a in dot_edge_attrs(src) if (wire_value(a) or "").startswith(value_start)
    )


@pytest.mark.parametrize("renderer", ["wasm", pytest.param("dot", marks=needs_dot)])
def test_array_wires_paint_value_lines_green_and_gradient_lines_red(renderer):
    view = draw_graph(mlp(), renderer=renderer)
    attrs = mlp_wire(view.source, "shape (3,)")  # the last layer's bias: 3 numbers in full
    value, grad = wire_value(attrs).split("\\n"), wire_grad(attrs).split("\\n")
    assert value[0] == "shape (3,)" and len(grad) == 1  # the shape is not repeated
    colored = svg_colored_texts(view.svg())
    assert (value[1], "darkgreen") in colored
    assert (grad[0], "red") in colored
    # Each label is one block: every line of it is a <text> of its label node on the wire.
    edge_texts = [
        [t.text for t in g.iter("{http://www.w3.org/2000/svg}text")]
        for g in parse_svg(view.svg()).iter("{http://www.w3.org/2000/svg}g")
        if "wirelabel" in (g.get("class") or "")
    ]
    assert [value[0], value[1], grad[0]] in edge_texts


# -- labels that take little room ---------------------------------------------------------


def test_small_arrays_on_a_wire_take_three_digits_and_their_rows_share_a_line():
    v = np.array([[2.4591, 0.0, 1.3889, 0.0]])
    assert format_brief(v) == ["shape (1, 4)", "[[2.46, 0, 1.39, 0]]"]
    assert format_brief(v, shape_inline=True) == ["(1, 4) [[2.46, 0, 1.39, 0]]"]
    assert format_brief(v, show_shape=False) == ["[[2.46, 0, 1.39, 0]]"]
    # Top to bottom, a column is one line, every value kept (a line per row made it a
    # summary); left to right, where width is dear, a line per row.
    column = np.array([[0.5], [0.0], [1.0], [-2.0]])
    assert format_brief(column, shape_inline=True) == ["(4, 1) [[0.5], [0], [1], [-2]]"]
    assert format_brief(column) == ["(4, 1) mean -0.125"]
    rows = np.array([[-0.0745, 0.1622, 0.8472], [-0.718, -1.28, -0.1]])
    assert format_brief(rows, show_shape=False) == [
        "[[-0.0745, 0.162, 0.847],",
        "[-0.718, -1.28, -0.1]]",
    ]
    # Written out or not is decided on the 4-digit form (32 characters a line), so every
    # array written out before still is: four of these fit, five make a summary (the
    # tooltip has them all).
    assert format_brief(np.array([[-0.25] * 4]), show_shape=False) == [
        "[[-0.25, -0.25, -0.25, -0.25]]"
    ]
    four = np.array([-1.0851, 0.12321, -1.4421, 0.48941])
    assert format_brief(four, show_shape=False) == ["[-1.09, 0.123, -1.44, 0.489]"]
    five = np.append(four, -0.5)
    assert format_brief(five, stat="norm") == ["(5,) grad norm 1.94"]
    assert "[-1.085, 0.1232, -1.442, 0.4894, -0.5]" in summary_tip([("grad", five)])
    # A scalar keeps 4 digits: a learner checks it by hand.
    assert format_brief(np.float32(-0.48052)) == ["-0.4805"]


def wire_label_texts(svg):
    """The lines of each wire's label as drawn (one list per label node)."""
    return [
        [t.text for t in g.iter("{http://www.w3.org/2000/svg}text")]
        for g in parse_svg(svg).iter("{http://www.w3.org/2000/svg}g")
        if "wirelabel" in (g.get("class") or "")
    ]


@pytest.mark.parametrize("renderer", ["wasm", pytest.param("dot", marks=needs_dot)])
def test_top_to_bottom_a_small_arrays_shape_leads_its_value_line(renderer):
    """Left to right, lines are cheap (breadth) and characters dear (length): the shape
    has a line of its own. Top to bottom it is the other way round: one line fewer, the
    same values and gradient."""
    x = al.tensor([[2.4591, -1.0, 1.3889, 0.5]], requires_grad=True, name="x")
    f = (al.relu(x) * 3.0).sum()
    f.backward(retain_graph=True)
    across = wire_label_texts(draw_graph(f, renderer=renderer).svg())
    down = wire_label_texts(draw_graph(f, rankdir="TB", renderer=renderer).svg())
    value, grad = "[[2.46, 0, 1.39, 0.5]]", "[[3, 3, 3, 3]]"
    assert ["shape (1, 4)", value, grad] in across
    assert [f"(1, 4) {value}", grad] in down


def test_collapsed_modules_show_gradient_norms_in_red():
    view = draw_graph(mlp(), collapse_modules=True, renderer="wasm")
    modules = "\n".join(line for line in view.source.splitlines() if "shape=component" in line)
    model_grads = re.findall(r"grad norm ([-\d.e]+)", modules)
    assert len(model_grads) == 4  # weight and bias of both Linear layers
    colored = svg_colored_texts(view.svg())
    red = [t for t, c in colored if c == "red" and t.startswith("grad norm")]
    assert set(model_grads) <= {t.split()[-1] for t in red}
    # Module titles (type and name) and parameter lines keep the node's own (black) text.
    assert ("weight (16, 2)", None) in colored and ("Linear \xa00", None) in colored


def test_collapsed_gradient_norm_is_the_l2_norm():
    w = nn.Parameter(np.array([[3.0, 0.0], [0.0, 4.0]], dtype="float32"))
    w.name = "weight"
    x = al.tensor(np.eye(2, dtype="float32"))
    with al.name_scope("Net"), al.name_scope("0"):
        out = (x @ w).sum()
    out.backward(retain_graph=True)  # d out / d w = x^T 1 = all ones: norm 2
    src = draw_graph(out, collapse_modules=True).source
    assert "weight (2, 2)\\ngrad norm 2" in src


@needs_dot
def test_png_and_pdf_keep_the_colours_through_html_labels(tmp_path):
    x = al.tensor(-2.0, requires_grad=True, name="<b>x</b> & co")
    f = x * 3.0
    f.backward(retain_graph=True)
    view = draw_graph(f)
    assert '<font color="darkgreen">-2</font><br/><font color="red">3</font>' in (view.print_source)
    assert "&lt;b&gt;x&lt;/b&gt; &amp; co" in view.print_source  # text, not markup
    # The system dot reads the HTML-like labels: the picture has both colours.
    from visualize.render import render_svg

    colored = svg_colored_texts(render_svg(view.print_source, "dot"))
    assert ("-2", "darkgreen") in colored and ("3", "red") in colored
    assert ("<b>x</b> & co", None) in colored or ("<b>x</b> & co", "black") in colored
    assert view.save(tmp_path / "f.png").read_bytes().startswith(b"\x89PNG")


def test_paint_svg_leaves_other_svg_alone():
    svg = '<svg><g class="node"><text fill="black">a</text></g></svg>'
    assert paint_svg(svg) == svg
    painted = paint_svg(
        '<svg><g class="edge paint_vgn"><g><a><text>1</text></a></g><text fill="x">2</text>'
        "<text>3</text><text>4</text></g><text>5</text></svg>"
    )
    fills = re.findall(r'<text( fill="\w+")?>(\d)', painted)
    assert fills == [
        (' fill="darkgreen"', "1"),
        (' fill="red"', "2"),
        (' fill="darkorange"', "3"),
        ("", "4"),
        ("", "5"),
    ]


# -- step-through frames -------------------------------------------------------------------


def test_frames_draw_new_gradients_orange_and_unknown_ones_not_at_all(cs231n):
    f, _, _, z = cs231n
    model = build_model(f)
    q = f.grad_fn.inputs[0]
    opts = DrawOptions()
    # Step 0: only the seed gradient 1 on the output, new.
    step0 = GraphView(to_dot(model, opts, Frame({id(f)}, {id(f)}, None)).source, "wasm", model)
    colored = svg_colored_texts(step0.svg())
    assert [t for t, c in colored if c in ("red", "darkorange")] == ["1"]
    assert ("1", "darkorange") in colored
    # After *: q's -4 and z's 3 are new (orange), the seed is old (red), x and y unknown.
    known = {id(f), id(q), id(z)}
    mul = next(op for op in model.ops if op.label == "*")
    frame = Frame(known, {id(q), id(z)}, mul, ran={id(mul)})
    step1 = GraphView(to_dot(model, opts, frame).source, "wasm")
    colored = svg_colored_texts(step1.svg())
    grads = sorted((t, c) for t, c in colored if c in ("red", "darkorange"))
    assert grads == [("-4", "darkorange"), ("1", "red"), ("3", "darkorange")]
    assert re.search(r'op\d+ \[label="\*".*color=darkorange', step1.source)


# -- the walk, and pictures shaped for a slide ---------------------------------------------


def test_build_model_walks_the_engines_order():
    x = al.tensor(0.5, requires_grad=True, name="x")
    c = al.exp(x) + x * 2.0
    model = build_model(c)
    nodes = topological_order([c.grad_fn])
    assert {id(op.node) for op in model.ops} == {id(n) for n in nodes}
    # model.ops is in forward order: the reverse of the engine's (newest first) order is one.
    position = {id(n): k for k, n in enumerate(nodes)}
    assert position[id(model.ops[-1].node)] == 0


def chain(n):
    x = al.tensor(0.5, requires_grad=True, name="x")
    h = x
    for _ in range(n):
        h = al.tanh(h * 1.5)
    h.name = "h"
    h.backward(retain_graph=True)
    return h


@pytest.mark.parametrize("rankdir", ["LR", "TB", "RL", "BT"])
def test_a_long_chain_wraps_into_rows_with_lettered_connectors(rankdir):
    h = chain(12)
    unwrapped = draw_graph(h, rankdir=rankdir, max_aspect=None, renderer="wasm")
    pic = read_svg(unwrapped.svg())
    assert smallest_on_slide(pic) < 8  # drawn whole, too small on a slide
    view = draw_graph(h, rankdir=rankdir, renderer="wasm")
    assert find_defects(view.svg()) == [] and view.fits_slide  # wrapped, it fits
    src = view.source
    assert "wrap0_to" in src and "wrap0_from" in src
    letters = sorted(re.findall(r"wrap\d+_to \[label=(\w+)", src))
    assert len(letters) >= 2 and letters == ["A", "B", "C", "D", "E"][: len(letters)]
    # Rows read in order: the connectors at the rows' starts read A, B, ... (the letters
    # are handed out once laid out), A's row above B's (LR, RL), left of it (TB, BT).
    pic_wrapped = read_svg(view.svg())
    assert connector_orders(pic_wrapped)["from"] == letters
    where = {pic_wrapped.titles[s.owner_id]: (s.box, s.owner_id) for s in pic_wrapped.shapes}
    text_of = {t.owner_id: t.text for t in pic_wrapped.texts}
    starts = sorted((text_of[i], box) for title, (box, i) in where.items() if "_from" in title)
    (_, a), (_, b) = starts[:2]
    assert (a.y0 < b.y0) if rankdir in ("LR", "RL") else (a.x0 < b.x0)
    # The value and gradient ride on the wire into the connector; the continuation is bare.
    into = [a for t, h_, a in dot_edge_attrs(src) if h_ == "wrap0_to"]
    out_of = [a for t, h_, a in dot_edge_attrs(src) if t == "wrap0_from"]
    assert len(into) == 1 and wire_value(into[0]) and wire_grad(into[0])
    assert out_of == [{}]
    # Same graph, same numbers: only the shape changed.
    texts = sorted(t.text for t in read_svg(view.svg()).texts if t.owner == "node")
    letters_drawn = [t.text for t in pic_wrapped.texts if "wrap" in pic_wrapped.titles[t.owner_id]]
    assert sorted(texts) == sorted([t.text for t in pic.texts if t.owner == "node"] + letters_drawn)


def test_short_graphs_and_truncated_ones_are_not_wrapped(cs231n):
    assert "wrap0" not in draw_graph(cs231n[0], max_aspect=1.0).source
    long = chain(40)
    view = draw_graph(long, max_nodes=30)
    assert view.model.truncated and "wrap0" not in view.source
    assert len(dot_nodes(view.source)) <= 31


def test_size_and_ratio_reach_graphviz():
    h = chain(3)
    src = draw_graph(h, size=(13.3, 7.5), ratio="compress").source
    assert 'size="13.3,7.5"' in src and "ratio=compress" in src
    assert 'size="4,3!"' in draw_graph(h, size="4, 3!").source
    assert "ratio=0.5625" in draw_graph(h, ratio=9 / 16).source
    # A size smaller than the picture scales it, text too: the quality check says so.
    small = draw_graph(h, size=(2, 1), renderer="wasm").svg()
    assert "small text" in {d.kind for d in find_defects(small)}


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"size": (0, 3)}, r"size must be \(width, height\)"),
        ({"size": "big"}, r"size must be .* got 'big'"),
        ({"size": (1, 2, 3)}, "size must be"),
        ({"ratio": -1}, "ratio must be a positive number"),
        ({"ratio": "square"}, r"ratio must be .*'fill', 'compress'"),
        ({"max_aspect": 0.5}, "max_aspect must be a number >= 1"),
        ({"max_aspect": True}, "max_aspect must be"),
    ],
)
def test_bad_shape_options_are_refused_clearly(cs231n, kwargs, message):
    with pytest.raises(ValueError, match=f"draw_graph: {message}"):
        draw_graph(cs231n[0], **kwargs)


def test_every_frame_of_a_step_through_has_the_same_layout():
    # A gradient not known yet takes its room in the label but is not drawn, so nothing
    # moves from one step to the next.
    steps = backward_steps(neuron(), renderer="wasm")

    def layout(step):
        pic = read_svg(step.svg())
        return {pic.titles[shape.owner_id]: shape.box for shape in pic.shapes}

    first = layout(steps[0])
    assert len(steps) == 9 and all(layout(step) == first for step in steps)
    assert "-0.1966" not in svg_texts(steps[0].svg())  # dL/dw0: not known at step 0
    assert "-0.1966" in svg_texts(steps[-1].svg())
    assert "-0.1966" in steps[0].view.source  # (laid out all along)


def test_a_ninety_op_chain_is_past_a_slide_but_wrapped_larger():
    # Laid out whole, a long chain wanders across its breadth: the rows are estimated from
    # its ranks, not its breadth. 90 ops do not fit a slide at 8 pt; rows make the labels
    # larger, and the view says it is past a slide (for the interactive view).
    whole = smallest_on_slide(read_svg(draw_graph(chain(45), max_aspect=None).svg("wasm")))
    view = draw_graph(chain(45), renderer="wasm")
    assert find_defects(view.svg()) == []
    assert [d.kind for d in find_defects(view.svg(), min_slide_pt=8)] == ["small on a slide"]
    assert view.fits_slide is False
    assert smallest_on_slide(read_svg(view.svg())) > 1.5 * whole
    assert len(re.findall(r"^\s*wrap\d+_to \[", view.source, flags=re.M)) >= 4
