"""gradcheck, gradgradcheck, numerical_grad and the autograd_lite.testing helpers."""

import numpy as np
import pytest
from hypothesis import given

import autograd_lite as al
from autograd_lite import Function, GradcheckError
from autograd_lite.testing import (
    arrays_for_grad,
    assert_grad_matches_numeric,
    broadcastable_shapes,
    shapes,
)


class Square(Function):
    """y = x²; a correct custom op."""

    def forward(self, x):
        return x * x

    def backward(self, g):
        (x,) = self.inputs
        return g * 2 * x


class WrongSquare(Square):
    """y = x², with a deliberately wrong derivative (3x instead of 2x)."""

    def backward(self, g):
        (x,) = self.inputs
        return g * 3 * x


class NaNSquare(Square):
    """y = x², whose derivative comes out NaN (a NaN must not pass as "close")."""

    def backward(self, g):
        return g * float("nan")


def test_gradcheck_fails_on_a_nan_gradient():
    x = al.tensor([1.0, 2.0], dtype="float64", requires_grad=True)
    with pytest.raises(GradcheckError, match="analytic nan"):
        al.gradcheck(NaNSquare.apply, (x,))


def test_numerical_grad_of_known_function():
    x = al.tensor([1.0, -2.0, 0.5], dtype="float64", requires_grad=True)
    (g,) = al.numerical_grad(lambda t: (t**3).sum(), x)
    assert np.allclose(g, 3 * x.numpy() ** 2, rtol=1e-6)


def test_gradcheck_passes_for_a_correct_op():
    x = al.tensor([1.0, -2.0, 0.5], dtype="float64", requires_grad=True)
    assert al.gradcheck(Square.apply, (x,))
    assert al.gradgradcheck(Square.apply, (x,))


def test_gradcheck_report_names_input_element_values_and_relative_error():
    x = al.tensor([1.0, 2.0], dtype="float64", requires_grad=True)
    y = al.tensor(3.0, dtype="float64", requires_grad=True)
    with pytest.raises(GradcheckError) as info:
        al.gradcheck(lambda a, b: WrongSquare.apply(a) * b, (x, y))
    message = str(info.value)
    assert "input 0" in message and "shape (2,)" in message
    assert "element (" in message
    assert "analytic" in message and "numeric" in message
    # |3x - 2x| / 3x = 1/3 for every element
    assert "relative error 0.333" in message
    assert not al.gradcheck(lambda a, b: WrongSquare.apply(a) * b, (x, y), raise_exception=False)


def test_gradcheck_works_in_float64_even_for_float32_inputs():
    x = al.tensor([0.3, 0.7], requires_grad=True)  # float32
    assert al.gradcheck(al.sigmoid, (x,))
    assert x.grad is None  # the user's tensor is left alone


def test_gradcheck_refuses_when_nothing_requires_grad():
    with pytest.raises(ValueError, match="no input requires grad"):
        al.gradcheck(al.exp, (al.tensor([1.0]),))


def test_gradgradcheck_catches_a_wrong_second_derivative():
    class BadSecond(Function):
        """y = x³ whose backward uses a detached x: first derivative right, second wrong."""

        def forward(self, x):
            return x**3

        def backward(self, g):
            (x,) = self.inputs
            return g * 3 * x.detach() ** 2

    x = al.tensor([0.5, 1.5], dtype="float64", requires_grad=True)
    assert al.gradcheck(BadSecond.apply, (x,))
    with pytest.raises(GradcheckError):
        al.gradgradcheck(BadSecond.apply, (x,))


@given(arrays_for_grad(shape=(3, 2)))
def test_two_line_custom_op_test(x):
    assert_grad_matches_numeric(Square.apply, x)


@given(arrays_for_grad(shape=(4,)))
def test_assert_grad_matches_numeric_raises_assertion_for_a_wrong_op(x):
    with pytest.raises(AssertionError, match="relative error"):
        assert_grad_matches_numeric(WrongSquare.apply, x)


@given(arrays_for_grad(shape=shapes(max_dims=2), kinks=(0.0, 1.0), gap=0.05, distinct=True))
def test_arrays_for_grad_keeps_away_from_kinks_and_ties(x):
    assert x.dtype == np.float64
    assert np.all(np.abs(x) >= 0.05) and np.all(np.abs(x - 1.0) >= 0.05)
    flat = np.sort(x, axis=None)
    assert flat.size < 2 or np.min(np.diff(flat)) >= 0.05


@given(broadcastable_shapes(num_shapes=2))
def test_broadcastable_shapes_broadcast(pair):
    a, b = pair
    np.broadcast_shapes(a, b)  # raises if they don't
