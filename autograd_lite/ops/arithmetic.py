"""Arithmetic: +, -, *, /, unary - and **, each Function beside the function that applies it.

Binary ops broadcast their inputs as NumPy does; their backward returns gradients of the
broadcast shape and the engine sums them back (see ``engine.unbroadcast``). Each derivative is
one or two lines, written with Tensor ops so that it can itself be differentiated. The ops
that have an in-place form (``x += y``, ``x.add_(y)``) also have ``forward_``, which writes the
result into its first argument (``autograd_lite/inplace.py`` decides when it may).

The forwards call NumPy's ufuncs with ``out=...`` (``np.multiply(a, b, out=...)`` is
``a * b``): on 0-d arrays NumPy otherwise returns a NumPy scalar, which the engine would have
to turn back into an array (an eighth of a scalar op's time).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_lite.forward_ad import is_zero
from autograd_lite.function import Function, apply_binary, apply_unary
from autograd_lite.ops.elementary import log
from autograd_lite.ops.selection import where
from autograd_lite.tensor import Tensor

__all__ = ["add", "div", "mul", "neg", "pow", "sub"]


class Add(Function):
    """a + b.  d/da = 1, d/db = 1."""

    label = "+"
    elementwise = True

    def forward(self, a, b):
        return np.add(a, b, out=...)

    def forward_(self, a, b):  # a += b
        return np.add(a, b, out=a)

    def backward(self, g):
        return g, g

    def jvp(self, ta, tb):
        return ta + tb


def add(a: Any, b: Any) -> Tensor:
    """a + b, broadcasting.

    Shape: ``a`` and ``b`` broadcast together (NumPy's rules); the result has the
    broadcast shape.

    Notes
    -----
    d(a + b)/da = 1 and d(a + b)/db = 1. A gradient is summed back over the axes broadcasting added.
    Also written ``a + b``.

    Examples
    --------
    >>> a = al.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> b = al.tensor([10.0, 20.0, 30.0])
    >>> al.add(a, b)
    tensor([11., 22., 33.], grad_fn=<Add>)
    """
    return apply_binary(Add, a, b)


class Sub(Function):
    """a - b.  d/da = 1, d/db = -1."""

    label = "-"
    elementwise = True

    def forward(self, a, b):
        return np.subtract(a, b, out=...)

    def forward_(self, a, b):  # a -= b
        return np.subtract(a, b, out=a)

    def backward(self, g):
        # A constant b (the 2.0 in x - 2.0) needs no gradient: skip its negation.
        return g, (-g if isinstance(self.inputs[1], Tensor) else None)

    def jvp(self, ta, tb):
        return ta - tb


def sub(a: Any, b: Any) -> Tensor:
    """a - b, broadcasting.

    Shape: ``a`` and ``b`` broadcast together (NumPy's rules); the result has the
    broadcast shape.

    Notes
    -----
    d(a - b)/da = 1 and d(a - b)/db = -1. A gradient is summed back over the axes broadcasting
    added.
    Also written ``a - b``.

    Examples
    --------
    >>> a = al.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> b = al.tensor(2.0)
    >>> al.sub(a, b)
    tensor([-1.,  0.,  1.], grad_fn=<Sub>)
    """
    return apply_binary(Sub, a, b)


class Mul(Function):
    """a * b.  d/da = b, d/db = a (each input's gradient is scaled by the other input)."""

    label = "*"
    elementwise = True

    def forward(self, a, b):
        return np.multiply(a, b, out=...)

    def forward_(self, a, b):  # a *= b
        return np.multiply(a, b, out=a)

    def backward(self, g):
        a, b = self.inputs
        # A factor that needs no gradient (the 2.0 in x * 2.0) is skipped: no product for it.
        ga = g * b if isinstance(a, Tensor) and a._requires_grad else None
        gb = g * a if isinstance(b, Tensor) and b._requires_grad else None
        return ga, gb

    def jvp(self, ta, tb):
        a, b = self.inputs
        return ta * b + a * tb  # the product rule


def mul(a: Any, b: Any) -> Tensor:
    """a * b elementwise, broadcasting.

    Shape: ``a`` and ``b`` broadcast together (NumPy's rules); the result has the
    broadcast shape.

    Notes
    -----
    ``d(a * b)/da = b`` and ``d(a * b)/db = a``: each input's gradient is the other input. A
    gradient is summed back over the axes broadcasting added.
    Also written ``a * b``.

    Examples
    --------
    >>> a = al.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> b = al.tensor([[1.0], [2.0]])
    >>> al.mul(a, b)
    tensor([[1., 2., 3.],
            [2., 4., 6.]], grad_fn=<Mul>)
    """
    return apply_binary(Mul, a, b)


class Div(Function):
    """a / b.  d/da = 1/b, d/db = -a/b²."""

    label = "/"
    elementwise = True

    def forward(self, a, b):
        return np.divide(a, b, out=...)

    def forward_(self, a, b):  # a /= b
        return np.divide(a, b, out=a)

    def backward(self, g):
        a, b = self.inputs
        ga = g / b
        need_b = isinstance(b, Tensor) and b._requires_grad  # x / 2.0: none for 2.0
        return ga, (-ga * a / b if need_b else None)

    def jvp(self, ta, tb):
        b = self.inputs[1]
        return (ta - self.output * tb) / b  # ta/b - a·tb/b², with a/b the output


def div(a: Any, b: Any) -> Tensor:
    """a / b elementwise (true division), broadcasting.

    Shape: ``a`` and ``b`` broadcast together (NumPy's rules); the result has the
    broadcast shape.

    Notes
    -----
    d(a / b)/da = 1 / b and d(a / b)/db = -a / b², the quotient rule. A gradient is summed back over
    the axes broadcasting added.
    Also written ``a / b``.

    Examples
    --------
    >>> a = al.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> b = al.tensor([2.0, 4.0, 6.0])
    >>> al.div(a, b)
    tensor([0.5, 0.5, 0.5], grad_fn=<Div>)
    """
    return apply_binary(Div, a, b)


class Neg(Function):
    """-a.  d/da = -1."""

    label = "neg"
    elementwise = True

    def forward(self, a):
        return np.negative(a, out=...)

    def backward(self, g):
        return -g

    def jvp(self, ta):
        return -ta


def neg(a: Any) -> Tensor:
    """-a.

    Elementwise: the output has the shape of ``a``; d(-a)/da = -1.

    Examples
    --------
    >>> al.neg(al.tensor([1.0, -2.0]))
    tensor([-1.,  2.])
    """
    return apply_unary(Neg, a)


class Pow(Function):
    """a ** b.  d/da = b·a^(b-1),  d/db = a^b·ln(a) (taken as 0 where a == 0)."""

    label = "**"
    elementwise = True

    def forward(self, a, b):
        return np.power(a, b, out=...)

    def backward(self, g):
        a, b = self.inputs
        if type(b) in (int, float) and b == 2:
            return g * (a * 2.0), None  # x ** 2, the usual case: 2x (two products, not three)
        need_a, need_b = self.needs_input_grad
        ga = g * self._d_base() if need_a else None
        gb = g * self._d_exponent() if need_b else None
        return ga, gb

    def jvp(self, ta, tb):
        a, b = self.inputs
        if type(b) in (int, float) and b == 2:
            return ta * (a * 2.0)
        # A side that does not move (the 3 in x ** 3, the 2 in 2 ** x) adds no term: skip
        # its derivative (ln a of a negative base would only warn).
        if is_zero(tb):
            return ta * self._d_base()
        if is_zero(ta):
            return tb * self._d_exponent()
        return ta * self._d_base() + tb * self._d_exponent()

    def _d_base(self):
        """d(a^b)/da = b·a^(b-1).

        b·a^(b-1) is 0·inf at a == 0 when b == 0, but a^0 is constant: the derivative is 0
        (as PyTorch says). Any base gives 0 there, so use 1 and no inf appears, not even in
        second derivatives."""
        a, b = self.inputs
        if type(b) in (int, float):  # the usual x ** 2: only b == 0 needs care
            base = where(a.data == 0, 1.0, a) if b == 0 else a
        else:
            zero_power = np.equal(b.data if isinstance(b, Tensor) else b, 0) & (
                np.asarray(a.data if isinstance(a, Tensor) else a) == 0
            )
            base = where(zero_power, 1.0, a) if zero_power.any() else a
        return b * base ** (b - 1)

    def _d_exponent(self):
        """d(a^b)/db = a^b·ln(a). ln(a) is -inf at a == 0, where a^b is 0: PyTorch takes
        the product as 0."""
        a = self.inputs[0]
        if isinstance(a, Tensor):
            return self.output * log(where(a.data == 0, 1.0, a))
        return self.output * np.log(np.where(np.equal(a, 0), 1.0, a))  # a constant base


def pow(a: Any, b: Any) -> Tensor:
    """a ** b; the exponent may be a number or a tensor.

    Shape: ``a`` and ``b`` broadcast together, as in ``mul``.

    Notes
    -----
    d(a ** b)/da = b · a ** (b - 1) and d(a ** b)/db = a ** b · ln(a)
    (the second only when ``b`` is a tensor that requires grad).

    Examples
    --------
    >>> x = al.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> y = al.pow(x, 2)
    >>> y
    tensor([1., 4., 9.], grad_fn=<Pow>)
    >>> y.sum().backward()
    >>> x.grad
    tensor([2., 4., 6.])
    """
    return apply_binary(Pow, a, b)
