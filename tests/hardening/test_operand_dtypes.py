"""Operand dtypes at the op boundary (issue 22): arrays of Python objects, complex numbers,
strings, raw bytes (void), dates and time spans are refused with the op named, by the one rule
that converts constants (``function._constant`` and ``tensor.as_array``), the same way for
``x * arr``, ``np.multiply(x, arr)``, an in-place op and ``al.tensor(arr)``. Before, ``x *
np.array([...], dtype=object)`` gave an object tensor with a grad_fn (and a Tensor inside the
array lost its gradient), and ``x + np.array([1j])`` a complex one, though ``x + 1j`` was
refused."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_lite as al

BAD = {
    "object": np.array([1.0, 2.0], dtype=object),
    "tensor inside object": np.array([al.tensor(1.0, requires_grad=True), 2.0], dtype=object),
    "complex": np.array([1j, 2.0]),
    "complex scalar": np.complex64(1j),
    "string": np.array(["a", "b"]),
    "bytes": np.array([b"a", b"b"]),
    "void": np.zeros(2, dtype="V4"),
    "structured": np.zeros(2, dtype=[("a", "f4")]),
    "datetime": np.array(["2020-01-01", "2021-01-01"], dtype="datetime64[D]"),
    "timedelta": np.array([1, 2], dtype="timedelta64[s]"),
}


def _x():
    return al.tensor([1.0, 2.0], requires_grad=True)


def _inplace_add(x, arr):
    y = x * 1.0
    y += arr


def _setitem(x, arr):
    y = x * 1.0
    y[...] = arr


ENTRY_POINTS = {
    "mul": lambda x, arr: x * arr,
    "mul (reflected)": lambda x, arr: arr * x,
    "np.multiply": lambda x, arr: np.multiply(x, arr),
    "add": lambda x, arr: x + arr,
    "np.add": lambda x, arr: np.add(arr, x),
    "sub": lambda x, arr: x - arr,
    "div": lambda x, arr: arr / x,
    "pow": lambda x, arr: x**arr,
    "maximum": lambda x, arr: al.maximum(x, arr),
    "where": lambda x, arr: al.where(arr, x, x),
    "cat": lambda x, arr: al.concatenate([x, arr]),
    "add_ (in place)": _inplace_add,
    "[]= (in place)": _setitem,
    "tensor": lambda x, arr: al.tensor(arr),
    "Tensor": lambda x, arr: al.Tensor(arr),
}

NAMES = {  # the op each entry point must name
    "mul (reflected)": "mul",
    "np.multiply": "mul",
    "np.add": "add",
    "cat": "cat|concatenate",
    "add_ (in place)": "add",
    "[]= (in place)": r"setitem|\[\]=",
}


@pytest.mark.parametrize("kind", sorted(BAD))
@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
def test_non_numeric_operands_are_refused_naming_the_op(entry, kind):
    arr = BAD[kind]
    op = NAMES.get(entry, entry.split(" ")[0])
    with pytest.raises(TypeError, match=rf"^({op}): .*(numbers|bool, int or float)") as info:
        ENTRY_POINTS[entry](_x(), arr)
    dtype = np.asarray(arr).dtype
    assert str(dtype) in str(info.value) or "strings" in str(info.value)


def test_a_tensor_inside_an_object_array_is_pointed_to_stack():
    with pytest.raises(TypeError, match=r"al\.stack"):
        _x() * BAD["tensor inside object"]


@pytest.mark.parametrize(
    "arr",
    [
        np.array([2.0, 3.0]),
        np.array([2.0, 3.0], dtype=np.float32),
        np.array([2, 3]),
        np.array([True, False]),
        np.array([2, 3], dtype=np.uint8),
        np.float64(2.0),
        np.int32(3),
        2.0,
        3,
    ],
)
def test_numeric_operands_still_work_and_keep_their_gradients(arr):
    x = _x()
    y = (x * arr + np.multiply(arr, x)).sum()
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.broadcast_to(np.asarray(arr, float), (2,)))
    assert x.grad.dtype == np.float32
