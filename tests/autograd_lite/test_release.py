"""``Function.release``: what a node keeps after a plain backward() (its skeleton, for
drawings), on its quick paths (an elementwise op checks only its output's size) and its
general one (``_skeleton``), and the placeholders of the big inputs it frees."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from table_cases import SAMPLES, applied, draw_inputs, params

import autograd_lite as al
from autograd_lite import function
from autograd_lite.engine import topological_order
from autograd_lite.function import KEEP_AFTER_BACKWARD, FreedTensor, placeholder
from autograd_lite.ops.table import OPS

ELEMENTWISE = [c for c in SAMPLES if c[1].function_class and c[1].function_class.elementwise]


def test_the_elementwise_flag_matches_the_op_table():
    # The flag promises what a row's samples say by taking any shape: the output has the
    # broadcast shape of the inputs. A new elementwise op gets it by one line in its class.
    for row in OPS:
        if row.function_class is None or not row.samples:
            continue
        any_shape = all(s.shapes is None for s in row.samples)
        assert row.function_class.elementwise == any_shape, (
            f"{row.function_class.__name__}.elementwise should be {any_shape}: its table "
            f"samples {'take any shape' if any_shape else 'have fixed shapes'}"
        )
    assert len({c[1].name for c in ELEMENTWISE}) >= 20


def test_the_elementwise_flag_is_not_inherited():
    class Halve(al.ops.arithmetic.Mul):  # a subclass may compute something else
        def forward(self, a, b):
            return (a * b).sum(keepdims=True)

    class Twice(al.ops.arithmetic.Mul):
        elementwise = True

    assert al.ops.arithmetic.Mul.elementwise and Twice.elementwise
    assert not Halve.elementwise


@pytest.mark.parametrize(("name", "row", "sample"), params(ELEMENTWISE))
@settings(max_examples=10)
@given(data=st.data())
def test_an_elementwise_node_keeps_what_the_general_rule_keeps(name, row, sample, data):
    # Keep at most 8 elements, so that the drawn shapes (up to 4x4x4, broadcasting) fall on
    # both sides of the limit; the inputs are made by an op, so the general rule would free
    # a big one (leaves that require grad are always kept).
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(function, "KEEP_AFTER_BACKWARD", 8)
        check_kept(name, row, sample, data)


def check_kept(name, row, sample, data):
    arrays = draw_inputs(data, sample)
    xs = [al.tensor(a, requires_grad=True) * 1.0 for a in arrays]
    y = applied(row, sample)(*xs)
    # Every elementwise node of the call (gelu's tanh form is built of several).
    nodes = [n for n in topological_order([y.grad_fn]) if n.elementwise]
    assert len(nodes) > len(xs)  # (the x * 1.0 are elementwise too)
    before = {}
    for node in nodes:
        # What the flag promises: nothing bigger than the output, the gradients sent too.
        out = node._out
        with al.no_grad():
            sent = node.backward(al.Tensor(np.ones_like(out)))
        sent = sent if isinstance(sent, tuple) else (sent,)
        for x in (*node.inputs, *sent):
            size = x.data.size if isinstance(x, al.Tensor) else np.size(x)
            assert size <= out.size, (name, type(node).__name__, np.shape(x), out.shape)
        # What the general rule frees: an input of more than 8 elements, unless it is a
        # leaf that requires grad.
        big = any(
            isinstance(x, al.Tensor) and x.data.size > 8 and not (x.is_leaf and x.requires_grad)
            for x in node.inputs
        )
        before[node] = (out.size > 8, big)
    y.backward(al.ones_like(y))
    for node in nodes:
        inputs, grad, sent = node.kept()
        # Run through the general rule again, nothing changes (it already was, or it would
        # have kept the same: the quick path keeps nothing the rule drops, and the reverse).
        again = function._skeleton(inputs, grad, sent)
        assert all(a is b for a, b in zip(again[0], inputs))
        assert again[1] is grad
        assert all(a is b for a, b in zip(again[2], sent))
        big_output, big_input = before[node]
        assert (grad is None) == big_output
        assert any(isinstance(x, FreedTensor) for x in inputs) == big_input


def test_a_node_with_an_empty_output_still_frees_its_big_input():
    # (1, 300) + (0, 300) is (0, 300): an empty output says nothing of the inputs' sizes.
    a = al.tensor(np.ones((1, 300)), requires_grad=True) * 2.0
    b = al.tensor(np.ones((0, 300)), requires_grad=True)
    y = a + b
    node = y.grad_fn
    y.backward(al.zeros((0, 300), dtype="float64"))
    inputs, _, _ = node.kept()
    assert isinstance(inputs[0], FreedTensor) and inputs[0].shape == (1, 300)
    assert inputs[1] is b  # a leaf that requires grad is kept as it is


def test_small_nodes_keep_their_values_and_constants_on_the_quick_path():
    x = al.tensor(np.arange(4.0), requires_grad=True)
    h = x * 0.5  # a constant input: no gradient for it
    y = (h**2 + 1.0).relu()
    nodes = [y.grad_fn, y.grad_fn.inputs[0].grad_fn, h.grad_fn]
    y.backward(al.ones_like(y))
    for node in nodes:
        inputs, grad, sent = node.kept()
        assert grad.shape == (4,)
        assert all(not isinstance(x, FreedTensor) for x in inputs)
    inputs, grad, sent = h.grad_fn.kept()
    assert inputs[0] is x and inputs[1] == 0.5 and sent[1] is None
    np.testing.assert_array_equal(sent[0].data, x.grad.data)  # its only share


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "int64", "bool"])
@pytest.mark.parametrize("shape", [(), (3,), (0, 4), (2, 300)])
def test_placeholder_is_a_read_only_array_without_memory(dtype, shape):
    p = placeholder(shape, np.dtype(dtype))
    assert p.shape == shape and p.dtype == np.dtype(dtype)
    assert not p.flags.writeable
    assert all(s == 0 for s in p.strides)  # one element, repeated
    if p.size:
        fill = p.flat[0]
        assert np.isnan(fill) if p.dtype.kind == "f" else fill == 0
        with pytest.raises(ValueError, match="read-only"):
            p[(0,) * p.ndim] = 1


def test_a_freed_input_stands_in_with_its_shape_dtype_producer_and_name():
    x = al.tensor(np.ones((3, 200), dtype=np.float32), requires_grad=True)
    h = (x * 2.0).exp()
    h.name = "h"
    loss = h.sum()
    node = loss.grad_fn
    loss.backward()
    (s,), _, _ = node.kept()
    assert isinstance(s, FreedTensor) and s.name == "h"
    assert s.shape == (3, 200) and s.dtype == np.float32 and s.grad_fn is h.grad_fn
    assert s.tensor() is h and np.isnan(s.data).all()
    assert s.data.size > KEEP_AFTER_BACKWARD
