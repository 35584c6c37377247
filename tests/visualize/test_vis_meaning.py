"""The meaning a teacher draws: operand order, the index of [], module types and paths,
parameters named by path wherever used, a leaf's total at forks, each call's share."""

from __future__ import annotations

import gc
import re

import numpy as np
import pytest
from test_vis_calls import rnn_loss
from vis_helpers import needs_dot, svg_texts

import autograd_lite as al
import nn
from visualize import draw_graph
from visualize.labels import format_index


def texts(view, renderer="wasm"):
    # (Graphviz writes two spaces as a no-break space and a space.)
    return [t.replace("\xa0", " ") for t in svg_texts(view.svg(renderer))]


def softmax_shift():
    scores = al.tensor(np.array([[1.0, 2.0, 3.0], [0.0, 5.0, 1.0]]), requires_grad=True)
    scores.name = "scores"
    top = scores.amax(axis=1, keepdims=True)  # (max(dim) is PyTorch's (values, indices))
    top.name = "max"
    loss = (scores - top).exp().sum()
    loss.backward()
    return loss


@pytest.mark.parametrize("rankdir", ["LR", "TB"])
@pytest.mark.parametrize("renderer", ["wasm", pytest.param("dot", marks=needs_dot)])
def test_scores_minus_max_says_which_operand_is_which(rankdir, renderer):
    got = texts(draw_graph(softmax_shift(), rankdir=rankdir), renderer)
    assert "a − b" in got  # the op node
    # max is b, on its own wire; the shape leads the value's line top to bottom.
    if rankdir == "LR":
        assert "b: max = shape (2, 1)" in got and "a: shape (2, 3)" in got
    else:
        assert "b: max = (2, 1) [[3], [5]]" in got and "a: (2, 3) [[1, 2, 3], [0, 5, 1]]" in got


@pytest.mark.parametrize(
    ("build", "formula", "roles"),
    [
        (lambda a, b: a / b, "a ÷ b", ["a: 6", "b: 3"]),
        (lambda a, b: a**b, "a ** b", ["a: 6", "b: 3"]),
        (lambda a, b: b - a, "a − b", ["a: 3", "b: 6"]),
    ],
)
def test_non_commutative_ops_name_their_operands(build, formula, roles):
    a = al.tensor(6.0, dtype="float64", requires_grad=True, name="p")
    b = al.tensor(3.0, dtype="float64", requires_grad=True, name="q")
    got = texts(draw_graph(build(a, b)))
    assert formula in got
    assert all(role in got for role in roles)


def test_a_number_operand_says_its_role_and_commutative_ops_say_none():
    x = al.tensor(np.ones((2, 2)), requires_grad=True, name="x")
    got = texts(draw_graph((x @ x) ** 2.0 + x * 3.0))
    assert "a @ b" in got and "a ** b" in got and "b: 2" in got
    assert "+" in got and "*" in got and "3" in got and "b: 3" not in got


def test_where_names_its_condition():
    x = al.tensor(np.array([1.0, -2.0]), requires_grad=True, name="x")
    got = texts(draw_graph(al.where(np.array([True, False]), x, x * 2.0).sum()))
    assert "where(cond, a, b)" in got and "cond: shape (2,)" in got


@pytest.mark.parametrize(
    ("index", "text"),
    [
        ((slice(None), slice(0, 8)), "[:, 0:8]"),
        ((np.arange(4), np.array([2, 0, 1, 1])), "[arange(4), idx(4,)]"),
        ((Ellipsis, None), "[..., None]"),
        (np.array([[True, False]] * 4), "[mask]"),
        ((1, slice(None, None, 2)), "[1, ::2]"),
        ([0, 2], "[[0, 2]]"),
    ],
)
def test_index_text(index, text):
    assert format_index(index) == text


def test_getitem_nodes_show_their_index_escaped():
    x = al.tensor(np.arange(32.0).reshape(4, 8), requires_grad=True, name="x")
    y = np.array([1, 0, 3, 2])
    picked = x[np.arange(4), y].sum() + x[:, 0:2].sum() + x[x > 3].sum()
    view = draw_graph(picked)
    got = texts(view)
    assert "[arange(4), idx(4,)]" in got and "[:, 0:2]" in got and "[mask]" in got


def test_an_index_tensor_is_named_by_its_name():
    # cs231n's softmax loss: probs[arange(N), y] with the labels y a named tensor; the op
    # keeps y's array, and indexing keeps what names it (options["index_tensors"]).
    x = al.tensor(np.arange(32.0).reshape(4, 8), requires_grad=True, name="x")
    y = al.tensor(np.array([1, 0, 3, 2]), name="y")
    evil = al.tensor(np.array([0, 1, 1, 0]), name="<b>rows</b>")
    picked = x[al.arange(4), y].sum() + x[evil, 0:2].sum()
    got = texts(draw_graph(picked, renderer="wasm"))
    assert "[arange(4), y]" in got and "[<b>rows</b>, 0:2]" in got  # (as text)
    unnamed = al.tensor(np.array([1, 0, 3, 2]))
    assert format_index((np.arange(4), unnamed.data)) == "[arange(4), idx(4,)]"
    # A bare array says what it is; with what indexing kept of y, y's name.
    assert format_index((np.arange(4), y.data)) == "[arange(4), idx(4,)]"
    node = x[al.arange(4), y]._node
    assert format_index(node.options["index"], node.options["index_tensors"]) == "[arange(4), y]"


def softmax_picked(named_after: bool = False):
    """-log(probs[arange(4), y]).sum() with y made and used inside (it dies on return)."""
    x = al.tensor(np.arange(32.0).reshape(4, 8) / 10, requires_grad=True, name="x")
    y = al.tensor(np.array([1, 0, 3, 2]), name=None if named_after else "y")
    loss = -al.log(x.softmax(1)[al.arange(4), y]).sum()
    if named_after:
        y.name = "labels"
    return loss, y


def test_an_index_tensor_is_named_after_it_is_gone_and_when_named_late():
    # y made inside a loss function: gone when the picture is drawn, its name kept.
    loss, _ = softmax_picked()
    gc.collect()
    assert "[arange(4), y]" in texts(draw_graph(loss))
    # Named after the forward pass, while it lives: read when drawn, as a leaf's name is.
    loss, y = softmax_picked(named_after=True)
    assert y.name == "labels" and "[arange(4), labels]" in texts(draw_graph(loss))
    # After a plain backward() (the graph freed), too.
    loss.backward()
    assert "[arange(4), labels]" in texts(draw_graph(loss))
    # x[i] = v with a named index: "[i] =".
    x = al.tensor(np.zeros(5), requires_grad=True, name="x")
    i = al.tensor(np.array([0, 3]), name="i")
    z = x * 1.0
    z[i] = al.tensor(np.array([1.0, 2.0]), requires_grad=True, name="v")
    assert "[i] =" in texts(draw_graph(z.sum()))


def bn_net():
    al.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Dropout(0.5))
    model.train()
    x = al.tensor(np.random.default_rng(0).normal(size=(5, 3)), name="x")
    loss = model(x).sum()
    loss.backward()
    return loss


def test_module_boxes_are_titled_with_type_and_name():
    got = texts(draw_graph(bn_net()))
    assert "Linear  0" in got and "BatchNorm1d  1" in got
    assert "ReLU  2" in got  # a one-op module: its node, titled
    assert any(t == "Dropout  3" for t in got)
    assert not any(t.startswith("Sequential.1") for t in got)


def test_collapsed_modules_are_titled_with_type_and_name():
    got = texts(draw_graph(bn_net(), collapse_modules=True))
    assert "BatchNorm1d  1" in got and "Dropout  3" in got
    assert not any("sum, /" in t for t in got)  # no list of ops instead of a type


def test_parameters_keep_their_path_when_used_outside_their_module():
    al.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    x = al.tensor(np.ones((4, 2)), name="x")
    l2 = (model[0].weight ** 2).sum() + (model[2].weight ** 2).sum()
    loss = model(x).sum() + 0.1 * l2
    loss.backward()
    got = texts(draw_graph(loss))
    assert "0.weight" in got and "2.weight" in got
    assert "weight" not in got


def test_a_fork_shows_the_shares_and_the_total():
    x = al.tensor(3.0, dtype="float64", requires_grad=True, name="x")
    y = al.tensor(2.0, dtype="float64", requires_grad=True, name="y")
    f = x * y + x
    f.backward()
    got = texts(draw_graph(f))
    assert "grad 3" in got  # 2 (through *) + 1 (through +)


def test_a_leaf_drawn_once_per_call_shows_its_total_on_each_copy():
    # The RNN's weights are drawn beside each call: every copy shows the whole gradient.
    loss = rnn_loss()
    got = texts(draw_graph(loss))
    totals = [t for t in got if t.startswith("total grad")]
    assert len(totals) >= 6  # ih and hh weights and biases, beside each of three calls


def test_a_collapsed_call_shows_its_own_share():
    loss = rnn_loss()
    got = texts(draw_graph(loss, collapse_modules=True))
    shares = [t for t in got if t.startswith("grad norm") and "all calls" in t]
    # ih.weight, ih.bias, hh.weight, hh.bias in each of three calls (hh's first call
    # multiplies h0 = 0, so its weight's share is 0).
    assert len(shares) == 12
    per_call = {t.split(" (all")[0] for t in shares}
    assert len(per_call) > 4  # the calls' shares differ
    assert "grad norm 0 (all calls" in " ".join(shares)


# -- item 7: the command line -------------------------------------------------------------


def flat_sum(n):
    terms = [
        al.tensor(i / 100, dtype="float64", requires_grad=True, name=f"x{i}") for i in range(n)
    ]
    total = terms[0]
    for t in terms[1:-1]:
        total = total + t
    total = total - terms[-1]
    return total, terms


def test_a_flat_sum_of_300_terms_is_one_node():
    total, _ = flat_sum(300)
    total.backward()
    view = draw_graph(total)
    got = texts(view)
    assert "sum of 300 terms" in got and "x0 + x1 + … - x299" in got
    assert not any(t == "x17" for t in got)  # the terms are named in the node
    assert view.model is not None and len(view.model.ops) == 1 and not view.model.truncated
    svg = view.svg("wasm")
    width, height = (
        float(v) for v in re.search(r'width="([\d.]+)pt" height="([\d.]+)pt"', svg).groups()
    )
    assert width < 600 and height < 300  # not a 16082 x 588 pt strip


def test_a_short_sum_and_a_sum_of_expressions_keep_their_ops():
    total, _ = flat_sum(5)
    assert texts(draw_graph(total)).count("+") == 3
    x = al.tensor(2.0, dtype="float64", requires_grad=True, name="x")
    total = x * 1.0
    for k in range(2, 40):
        total = total + x * float(k)  # x is shared: it keeps its node, each * its own
    total.backward()
    view = draw_graph(total)
    got = texts(view)
    assert "sum of 39 terms" in got and got.count("*") == 39
    assert "grad 780" in got  # x's total: 1 + 2 + ... + 39, its 39 shares on the wires


def test_cli_max_steps(tmp_path, monkeypatch, capsys):
    from visualize.cli import main

    monkeypatch.chdir(tmp_path)
    expr = " + ".join(f"x{i}" for i in range(30))
    values = [f"x{i}={i}" for i in range(30)]
    assert main(["graph", expr, *values, "--steps", "s.html", "--max-steps", "20"]) == 1
    assert "raise --max-steps" in capsys.readouterr().err
    assert main(["graph", expr, *values, "--steps", "s.html", "--max-steps", "40"]) == 0
    assert "29 backward steps" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["graph", "x + y", "x=1", "y=2", "--max-steps", "0"])


def test_module_types_and_indices_are_escaped():
    evil = '"]; evil [label=<b>x</b>'
    x = al.tensor(np.ones((2, 3)), requires_grad=True, name="x")
    with al.name_scope("net", kind=evil), al.name_scope("0", kind=evil):
        y = (x[:, 0:2] * 2.0).sum() + (x - 1.0).sum()
    y.backward()
    view = draw_graph(y)
    got = texts(view)
    # Drawn as the characters they are (the SVG parses; no node or edge was injected).
    assert f"{evil}  0" in got and "[:, 0:2]" in got and "b: 1" in got
    assert not any(t == "x</b>" or t == "evil" for t in got)
