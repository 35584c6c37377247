"""What indexing records: the index as NumPy takes it (``options["index"]``) and, for the
parts that were tensors, a weak reference and their name then (``options["index_tensors"]``),
which drawings read to write ``[arange(4), y]``."""

from __future__ import annotations

import gc
import weakref

import numpy as np

import autograd_lite as al
from autograd_lite.ops.shape import index_arg, index_options


def test_tensor_parts_are_kept_weakly_with_their_names():
    x = al.tensor(np.arange(12.0).reshape(4, 3), requires_grad=True)
    y = al.tensor(np.array([2, 0, 1, 1]), name="y")
    rows = al.arange(4)
    node = x[rows, y]._node
    index, held = node.options["index"], node.options["index_tensors"]
    assert index[0] is rows.data and index[1] is y.data  # the arrays, as NumPy takes them
    assert held[0][0]() is rows and held[0][1] is None
    assert held[1][0]() is y and held[1][1] == "y"
    # Weak: indexing does not keep the tensor alive (its array is kept by the index).
    ref = weakref.ref(y)
    del y, held
    gc.collect()
    assert ref() is None and node.options["index_tensors"][1][1] == "y"
    # One tensor as the whole index.
    mask = x > 3.0
    node = x[mask]._node
    assert node.options["index"] is mask.data and node.options["index_tensors"][0][0]() is mask


def test_indexes_without_tensors_record_only_the_index():
    x = al.tensor(np.arange(12.0).reshape(4, 3), requires_grad=True)
    for index in (0, (slice(None), 1), np.array([0, 2]), (np.arange(2), [1, 2]), Ellipsis):
        options = x[index]._node.options
        assert set(options) == {"index"}
    assert x[[0, 2]]._node.options["index"].tolist() == [0, 2]  # a list: an int array
    empty = index_options([])  # selects nothing (np.asarray([]) would be a float array)
    assert set(empty) == {"index"} and empty["index"].dtype == np.intp
    assert index_arg((1, [0])) == (1, np.array([0]))


def test_x_index_equals_v_in_place_keeps_its_index_too():
    x = al.tensor(np.zeros(5), requires_grad=True)
    z = x * 1.0
    i = al.tensor(np.array([0, 3]), name="i")
    z[i] = al.tensor(np.array([1.0, 2.0]), requires_grad=True)
    options = z._node.options
    assert options["index"] is i.data and options["index_tensors"][0][1] == "i"
    z.sum().backward()
    assert x.grad.tolist() == [0.0, 1.0, 1.0, 0.0, 1.0]
