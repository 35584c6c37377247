"""draw_graph: which nodes and wires are drawn, and what they say."""

from __future__ import annotations

import re

import numpy as np
import pytest
from vis_helpers import (
    dot_edge_attrs,
    dot_edges,
    dot_nodes,
    needs_dot,
    parse_svg,
    svg_colored_texts,
    svg_count,
    wire_grad,
    wire_value,
)

import autograd_lite as al
import nn
from visualize import GraphView, draw_graph
from visualize.graph import build_model, format_array, format_number


def wire(source, tail_name, head=None):
    """Attributes of the edge leaving node ``tail_name``."""
    matches = [a for t, h, a in dot_edge_attrs(source) if t == tail_name and head in (None, h)]
    assert len(matches) == 1, matches
    return matches[0]


def key_of(source, text):
    """The DOT id of the node whose label starts with ``text``."""
    starts = (f'[label="{text}\\n', f'[label="{text}"', f"[label={text} ")
    for line in source.splitlines():
        line = line.strip()
        if any(start in line for start in starts):
            return line.split(" ", 1)[0]
    raise AssertionError(f"no node labelled {text!r} in\n{source}")


def value_and_grad(attrs):
    return wire_value(attrs), wire_grad(attrs)


def test_cs231n_structure_and_numbers(cs231n):
    f = cs231n[0]
    src = draw_graph(f).source
    # x, y, z, the two ops and the output: 6 nodes; 5 wires.
    assert len(dot_nodes(src)) == 6
    assert len(dot_edges(src)) == 5
    kx, ky, kz = key_of(src, "x"), key_of(src, "y"), key_of(src, "z")
    assert value_and_grad(wire(src, kx)) == ("-2", "-4")
    assert value_and_grad(wire(src, ky)) == ("5", "-4")
    assert value_and_grad(wire(src, kz)) == ("-4", "3")
    # q = x + y flows into * with value 3 and gradient z = -4; f = -12 with gradient 1.
    plus = next(h for t, h, _ in dot_edge_attrs(src) if t == kx)
    assert value_and_grad(wire(src, plus)) == ("3", "-4")
    assert value_and_grad(wire(src, "op0", "out")) == ("-12", "1")
    for _, _, attrs in dot_edge_attrs(src):
        # One laid-out label per wire (space reserved), value line then gradient line;
        # never a head label, which Graphviz places without reserving room.
        assert attrs["label"].count("\\n") == 1
        assert attrs["fontcolor"] == "darkgreen"
        assert "paint_vg" in attrs["class"].split()
        assert "headlabel" not in attrs and "xlabel" not in attrs


@pytest.mark.parametrize("renderer", ["wasm", pytest.param("dot", marks=needs_dot)])
def test_cs231n_svg_shows_values_green_and_gradients_red(cs231n, renderer):
    f, *_ = cs231n
    svg = draw_graph(f, renderer=renderer).svg()
    parse_svg(svg)
    assert svg_count(svg, "node") == 6
    assert svg_count(svg, "edge") == 5
    colored = svg_colored_texts(svg)
    green = [t for t, c in colored if c == "darkgreen"]
    red = [t for t, c in colored if c == "red"]
    assert sorted(green) == sorted(["-2", "5", "-4", "3", "-12"])
    # df/dx = df/dy = df/dq = -4, df/dz = 3, df/df = 1
    assert sorted(red) == sorted(["-4", "-4", "-4", "3", "1"])


def test_before_backward_shows_values_only():
    x = al.tensor(-2.0, requires_grad=True, name="x")
    f = (x + 5.0) * -4.0
    src = draw_graph(f).source
    labels = [a.get("label") for _, _, a in dot_edge_attrs(src)]
    assert "-2" in labels and "-12" in labels
    assert all(wire_grad(a) is None for _, _, a in dot_edge_attrs(src))
    f.backward(retain_graph=True)
    assert value_and_grad(wire(draw_graph(f).source, key_of(src, "x"))) == ("-2", "-4")


def test_after_backward_with_create_graph_and_no_retain_says_retain_graph():
    # (A plain backward() keeps a skeleton for drawings; this one keeps nothing.)
    x = al.tensor(2.0, requires_grad=True)
    f = x * x + x
    al.grad(f, x, create_graph=True, retain_graph=False)
    with pytest.raises(al.AutogradError, match=r"draw_graph: .*backward\(retain_graph=True\)"):
        draw_graph(f)


def test_same_tensor_twice_gives_two_wires():
    x = al.tensor(3.0, requires_grad=True, name="x")
    f = x * x
    f.backward(retain_graph=True)
    src = draw_graph(f).source
    kx = key_of(src, "x")
    into_mul = [a for t, h, a in dot_edge_attrs(src) if t == kx]
    assert len(into_mul) == 2
    # Each wire carries what * sent back along it (the other factor, 3); x's node shows
    # their sum, x.grad = 2x = 6: gradients add at forks.
    assert [wire_grad(a) for a in into_mul] == ["3", "3"]
    assert re.search(rf'{kx} \[label="x\\ngrad 6"', src)


def test_in_place_changes_are_drawn_as_recorded():
    # y += x and y[0] = 5 are ops of their own; a use of y before a change is wired to the
    # version it used, whose values are gone ("changed in place"), with its own gradient.
    x = al.tensor([1.0, 2.0], requires_grad=True, name="x")
    y = x * 2
    z = y * 3
    y += x
    y[0] = 5.0
    f = y + z
    f.backward(al.ones(2), retain_graph=True)
    src = draw_graph(f).source
    assert "tooltip=SetItem" in src and 'label="[0] ="' in src  # (its index, as x[0] = v)
    changed = [
        (t, a) for t, _, a in dot_edge_attrs(src) if "changed in place" in a.get("label", "")
    ]
    assert [wire_value(a) for _, a in changed] == ["shape (2,)\\nchanged in place"] * 3
    # Each wire its own share: y (first version) sends [3, 3] to z = y * 3 and [0, 1] to
    # y += x (y[0] was overwritten after); the second version sends [0, 1] to y[0] = 5.
    assert sorted(wire_grad(a) for _, a in changed) == ["[0, 1]", "[0, 1]", "[3, 3]"]
    # the old versions come from x * 2 (twice: used by z and by +=) and from y += x
    x_users = {h for t, h in dot_edges(src) if t == key_of(src, "x")}
    assert {t for t, _ in changed} == x_users


def test_constants_and_kinds_are_styled_apart():
    x = al.tensor([1.0, 2.0], requires_grad=True, name="x")
    data = al.tensor([3.0, 4.0], name="data")  # no grad: a constant tensor
    f = (x * data * 2.0).sum()
    src = draw_graph(f).source
    data_line = next(line for line in src.splitlines() if 'label="data' in line)
    x_line = next(line for line in src.splitlines() if 'label="x' in line)
    assert "dashed" in data_line
    assert "dashed" not in x_line
    # The Python number 2.0 is a plain node with a dashed wire and no gradient.
    number_line = next(line for line in src.splitlines() if "shape=plain" in line)
    assert "label=2 " in number_line
    number_key = number_line.strip().split(" ")[0]
    assert wire(src, number_key)["style"] == "dashed"


def test_small_arrays_in_full_large_ones_summarized():
    assert format_array(np.array([1.0, -2.5, 3.0])) == ["shape (3,)", "[1, -2.5, 3]"]
    big = np.arange(100, dtype=np.float64).reshape(10, 10)
    assert format_array(big) == ["shape (10, 10)", "mean 49.5  min 0  max 99"]
    assert format_number(-0.0) == "0"
    assert format_number(np.float32(0.123456)) == "0.1235"

    w = al.tensor(big, requires_grad=True, name="W")
    f = (w * 2.0).sum()
    f.backward(retain_graph=True)
    src = draw_graph(f).source
    attrs = wire(src, key_of(src, "W"))
    # On the wire, short enough for a slide: the shape and the mean; the gradient's L2 norm
    # (every element is 2: sqrt(100 * 4) = 20), its shape not repeated.
    assert wire_value(attrs) == "(10, 10) mean 49.5"
    assert wire_grad(attrs) == "grad norm 20"
    # The whole summary is the label's tooltip (hover).
    tips = [line for line in src.splitlines() if 'label="(10, 10) mean 49.5' in line]
    assert len(tips) == 1
    assert 'tooltip="value shape (10, 10)  mean 49.5  min 0  max 99; grad shape' in tips[0]
    assert format_array(big, show_shape=False) == ["mean 49.5  min 0  max 99"]


def test_show_flags_remove_text():
    x = al.tensor(np.ones((2, 2)), requires_grad=True, name="x")
    f = (x * 3.0).sum()
    f.backward(retain_graph=True)
    plain = draw_graph(f, show_values=False, show_grads=False, show_shapes=False).source
    assert "fontcolor=darkgreen" not in plain
    assert all("label" not in a for _, _, a in dot_edge_attrs(plain))
    assert "float" not in plain and "(2, 2)" not in plain
    full = draw_graph(f).source
    assert "x\\n(2, 2) float64" in full  # float64 is not the default dtype: it is shown
    grads_only = draw_graph(f, show_values=False).source
    x_wire = wire(grads_only, key_of(grads_only, "x"))
    assert (wire_value(x_wire), wire_grad(x_wire)) == (None, "shape (2, 2)\\n[[3, 3],\\n[3, 3]]")


def two_scoped_layers(x_requires_grad: bool) -> al.Tensor:
    """relu(x @ w) recorded in scope model.0, then (h * 2).sum() in model.1."""
    x = al.tensor(np.ones((1, 3)), requires_grad=x_requires_grad, name="x")
    w = nn.Parameter(np.ones((3, 2)))
    w.name = "weight"
    with al.name_scope("model"):
        with al.name_scope("0"):
            h = al.relu(x @ w)
        with al.name_scope("1"):
            return (h * 2.0).sum()


def test_name_scopes_become_nested_clusters():
    out = two_scoped_layers(x_requires_grad=True)
    src = draw_graph(out).source
    assert src.count("subgraph cluster_") == 3  # model, model.0, model.1
    assert "label=model " in src and "label=0 " in src and "label=1 " in src
    # The parameter used only in model.0 sits inside that cluster; the data does not.
    lines = src.splitlines()
    # An nn parameter is named by its module path below the model, as named_parameters()
    # spells it.
    weight_line = next(i for i, line in enumerate(lines) if 'label="0.weight' in line)
    cluster0_line = next(i for i, line in enumerate(lines) if "label=0 " in line)
    assert weight_line > cluster0_line
    assert lines[weight_line].startswith("\t\t\t")  # nested two clusters deep


def test_collapse_modules_draws_one_node_per_module():
    out = two_scoped_layers(x_requires_grad=False)
    out.backward(retain_graph=True)
    src = draw_graph(out, collapse_modules=True).source
    modules = [line for line in src.splitlines() if "shape=component" in line]
    assert len(modules) == 2
    # The module lists its parameter with the norm of its gradient (red): d out/d w is
    # 2 * x^T (every entry 2), so the norm is sqrt(6 * 4).
    assert 'label="model.0\\nmatmul, relu\\nweight (3, 2)\\ngrad norm 4.899"' in modules[0]
    assert "class=paint_kkkg" in modules[0]
    assert "model.1" in modules[1]
    # x, two modules, output; wires x -> model.0 -> model.1 -> output.
    assert len(dot_nodes(src)) == 4
    assert len(dot_edges(src)) == 3


@pytest.mark.timeout(120)
def test_big_graph_is_summarized():
    x = al.tensor(1.0, requires_grad=True, name="x")
    y = x
    for _ in range(3000):
        y = y * 1.0001 + 0.0
    view = draw_graph(y, max_nodes=40)
    nodes = dot_nodes(view.source)
    assert len(nodes) <= 41  # max_nodes plus the note
    note = next(line for line in view.source.splitlines() if "shape=note" in line)
    assert "max_nodes=40" in note
    assert "more ops and 1 more leaf tensors not drawn" in note
    assert view.model.truncated
    # The note is joined to where the graph was cut.
    assert any(t == "omitted" for t, _ in dot_edges(view.source))
    parse_svg(view.svg(renderer="wasm"))


def test_lone_leaf_and_bad_arguments():
    x = al.tensor(4.0, requires_grad=True, name="x")
    src = draw_graph(x).source
    assert len(dot_nodes(src)) == 1 and "value\\n4" in src
    with pytest.raises(TypeError, match="draw_graph: expected a Tensor, got list"):
        draw_graph([1, 2])
    with pytest.raises(ValueError, match="draw_graph: rankdir"):
        draw_graph(x, rankdir="UP")
    with pytest.raises(ValueError, match="draw_graph: max_nodes"):
        draw_graph(x, max_nodes=1)


def test_graphview_save_by_extension(cs231n, tmp_path):
    f, *_ = cs231n
    view = draw_graph(f, renderer="wasm")
    svg_path = view.save(tmp_path / "g.svg")
    assert svg_count(svg_path.read_text(), "node") == 6
    assert view.save(tmp_path / "g.dot").read_text() == view.source
    with pytest.raises(ValueError, match=r"GraphView\.save: cannot tell the format from 'g\.jpg'"):
        view.save(tmp_path / "g.jpg")
    assert not (tmp_path / "g.jpg").exists()
    bundle = view._repr_mimebundle_()
    assert bundle["image/svg+xml"] == view._repr_svg_() == view.svg()
    assert isinstance(view, GraphView) and "ops=2" in repr(view)


@needs_dot
def test_graphview_save_png_and_pdf(cs231n, tmp_path):
    f, *_ = cs231n
    view = draw_graph(f)
    assert view.save(tmp_path / "g.png").read_bytes().startswith(b"\x89PNG")
    assert view.save(tmp_path / "g.pdf").read_bytes().startswith(b"%PDF")


def test_leaf_used_far_apart_is_drawn_beside_each_user():
    # w is used at the first and the last of 12 steps: one node with a wire across the whole
    # picture would make the layout slow, so each use gets its own copy of w.
    w = al.tensor(0.5, requires_grad=True, name="w")
    x = al.tensor(1.0, requires_grad=True, name="x")
    h = x * w
    for _ in range(10):
        h = al.tanh(h)
    f = h * w
    f.backward(retain_graph=True)
    src = draw_graph(f).source
    w_nodes = [line for line in src.splitlines() if '[label="w\\ntotal grad ' in line]
    assert len(w_nodes) == 2
    # Each copy shows w's whole gradient too: gradients add at forks.
    total = format_number(w.grad.item())
    assert all(f"total grad {total}" in line for line in w_nodes)
    # Each copy feeds one multiplication and carries w's value and what that use sent
    # back; the two add up to w.grad.
    w_keys = [line.split()[0] for line in w_nodes]
    wires = [a for t, _, a in dot_edge_attrs(src) if t in w_keys]
    assert len(wires) == 2
    assert {wire_value(a) for a in wires} == {"0.5"}
    shares = [float(wire_grad(a)) for a in wires]
    assert shares[0] != shares[1]
    assert sum(shares) == pytest.approx(float(w.grad.item()), abs=2e-4)
    # Users close together share one node (x * x: one x).
    y = al.tensor(3.0, requires_grad=True, name="y")
    g = al.exp(y) * y
    assert draw_graph(g).source.count("[label=y ") == 1


@pytest.mark.timeout(300)
def test_many_shared_leaves_lay_out():
    rng = np.random.default_rng(0)
    xs = [al.tensor(rng.normal(size=3), requires_grad=True, name=f"x{i}") for i in range(50)]
    h = xs[0]
    for i in range(600):
        h = al.tanh(h * xs[i % 50] + xs[(i * 7) % 50])
    loss = h.sum()
    loss.backward(retain_graph=True)
    # took minutes before leaves were copied (the timeout mark guards that, not an assert)
    svg = draw_graph(loss).svg(renderer="wasm")
    assert svg_count(svg, "node") > 500


def test_gradients_add_at_forks():
    """cs231n: a tensor used twice sends a gradient back along each wire, and its gradient
    is their sum. f = x*y + x at x=3, y=-2: the wire into * carries y = -2, the wire
    into + carries 1, and x shows df/dx = -1."""
    x = al.tensor(3.0, requires_grad=True, name="x")
    y = al.tensor(-2.0, requires_grad=True, name="y")
    f = x * y + x
    f.backward(retain_graph=True)
    src = draw_graph(f).source
    kx, ky = key_of(src, "x"), key_of(src, "y")
    (mul,) = [line.split()[0] for line in src.splitlines() if "tooltip=Mul" in line]
    shares = {head == mul: wire_grad(a) for tail, head, a in dot_edge_attrs(src) if tail == kx}
    assert shares == {True: "-2", False: "1"}
    assert re.search(rf'{kx} \[label="x\\ngrad -1"', src)
    # y has one wire: its gradient is on the wire (x = 3), not repeated on its node.
    assert [wire_grad(a) for t, _, a in dot_edge_attrs(src) if t == ky] == ["3"]
    assert re.search(rf"{ky} \[label=y ", src)


def _numbers(text):
    return np.array([float(v) for v in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", text)])


def test_collapsed_module_wires_carry_the_sum_of_what_they_merge():
    lin = nn.Linear(2, 2)
    x = al.tensor([[1.0, -1.0]], requires_grad=True, name="x")
    f = (lin(x) * x).sum()  # x feeds the Linear and the *
    f.backward(retain_graph=True)
    src = draw_graph(f, collapse_modules=True).source
    kx = key_of(src, "x")
    wires = [a for t, _, a in dot_edge_attrs(src) if t == kx]
    assert len(wires) == 2
    shares = [_numbers(wire_grad(a)) for a in wires]
    # (Each share is drawn to 3 significant digits.)
    np.testing.assert_allclose(shares[0] + shares[1], x.grad.numpy().ravel(), atol=1e-2)


def test_wire_gradients_add_up_to_each_leafs_gradient_for_every_op_and_layer():
    """engine.input_gradients on every built-in op and layer (the gradcheck table): the
    shares drawn on a leaf's wires sum to the leaf's .grad."""
    from visualize.cli.checks import float64_default, layer_cases, op_cases

    checked = 0
    with float64_default():
        for case in op_cases() + layer_cases():
            rng = np.random.default_rng(0)
            f, leaves = case.build(rng)
            y = f()
            if y.grad_fn is None:  # nn.Identity: the output is the input, no wire
                continue
            (y * al.tensor(rng.normal(size=y.shape))).sum().backward(retain_graph=True)
            model = build_model(y, max_nodes=5000)
            totals: dict[int, np.ndarray] = {}
            for (source, _), g in zip(model.edges, model.wire_grads()):
                if g is not None and getattr(source, "kind", None) is not None:  # a leaf
                    totals[id(source.tensor)] = totals.get(id(source.tensor), 0) + g
            for leaf in leaves:
                if leaf.grad is not None:
                    np.testing.assert_allclose(
                        totals[id(leaf)], leaf.grad.numpy(), atol=1e-10, err_msg=case.name
                    )
                    checked += 1
    assert checked >= 80
