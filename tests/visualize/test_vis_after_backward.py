"""Drawing after a plain ``backward()``: the engine keeps the graph's skeleton (which node
used which tensor, small values and gradients), never the big saved arrays."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest
from vis_helpers import svg_texts

import autograd_lite as al
from autograd_lite.function import KEEP_AFTER_BACKWARD, FreedTensor
from visualize import backward_steps, draw_graph


def circuit():
    x = al.tensor(-2.0, dtype="float64", requires_grad=True, name="x")
    y = al.tensor(5.0, dtype="float64", requires_grad=True, name="y")
    z = al.tensor(-4.0, dtype="float64", requires_grad=True, name="z")
    return (x + y) * z, (x, y, z)


def test_the_readme_tour_draws_after_a_plain_backward():
    f, _ = circuit()
    f.backward()
    after = svg_texts(draw_graph(f, renderer="wasm").svg())
    g, _ = circuit()
    g.backward(retain_graph=True)
    retained = svg_texts(draw_graph(g, renderer="wasm").svg())
    # The same picture: x + y = 3 on its wire, every gradient (-4, -4, 3, seed 1).
    assert after == retained
    assert "3" in after and after.count("-4") >= 3 and "-12" in after


def test_a_fork_after_a_plain_backward_shows_both_shares_and_the_total():
    x = al.tensor(3.0, dtype="float64", requires_grad=True, name="x")
    y = al.tensor(2.0, dtype="float64", requires_grad=True, name="y")
    f = x * y + x
    f.backward()
    texts = svg_texts(draw_graph(f, renderer="wasm").svg())
    assert "grad 3" in texts  # x.grad = y + 1: the sum of the shares 2 and 1
    assert "2" in texts and "1" in texts


def test_backward_frees_big_intermediate_arrays_and_keeps_small_ones():
    x = al.tensor(np.ones(10_000), requires_grad=True, name="x")
    h = al.exp(x)
    small = (h * 2.0).sum() * 3.0  # a scalar: kept
    big_ref = weakref.ref(h.data)
    node = small.grad_fn
    del h
    small.backward()
    gc.collect()
    assert big_ref() is None  # the (10000,) intermediate is gone
    _, grad, sent = node.kept()
    assert float(grad.data) == 1.0 and float(sent[0].data) == 3.0  # scalars are kept
    # Walked again, the (10000,) wires are stand-ins without values.
    texts = svg_texts(draw_graph(small, renderer="wasm").svg())
    assert "freed by backward()" in texts
    assert any("(10000,)" in t for t in texts)


def test_stand_ins_keep_shape_dtype_and_producer_but_no_memory():
    x = al.tensor(np.ones((50, 20), dtype=np.float32), requires_grad=True)
    h = x * 2.0
    y = h.sum()
    producer = h.grad_fn
    y.backward()
    (stand_in,), _, (share,) = y.grad_fn.kept()
    assert isinstance(stand_in, FreedTensor)
    assert stand_in.shape == (50, 20) and stand_in.dtype == np.float32
    assert stand_in._node is producer and stand_in.tensor() is h
    assert stand_in.data.strides == (0, 0)  # a broadcast placeholder: no memory
    assert share is None  # a (50, 20) gradient is not kept either
    assert x.data.size > KEEP_AFTER_BACKWARD


def test_a_second_backward_still_raises_the_freed_graph_error():
    f, _ = circuit()
    f.backward()
    with pytest.raises(al.AutogradError, match=r"freed by backward\(\).*retain_graph=True"):
        f.backward()


def test_leaves_that_require_grad_are_kept_and_data_is_not():
    w = al.tensor(np.ones((30, 30)), requires_grad=True, name="w")
    data = al.tensor(np.ones((30, 30)), name="data")
    data_ref = weakref.ref(data)
    y = (w * data).sum()
    del data
    y.backward()
    gc.collect()
    assert data_ref() is None
    (product,), _, _ = y.grad_fn.kept()  # w * data (1000 elements): a stand-in
    kept_w, kept_data = product._node.kept()[0]
    assert kept_w is w and isinstance(kept_data, FreedTensor)


def test_backward_steps_after_a_plain_backward():
    f, _ = circuit()
    f.backward()
    steps = backward_steps(f, renderer="wasm")
    assert len(steps) == 3
    assert "sent gradient to x (-4) and y (-4)" in steps[2].caption


def test_backward_steps_after_a_plain_backward_of_a_big_graph_says_what_to_do():
    x = al.tensor(np.ones(1000), requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(ValueError, match=r"backward_steps: backward\(\) freed .*retain_graph=True"):
        backward_steps(y)
