"""Ops that choose between values: maximum, minimum, clip (clamp), where; and the dtype
conversion behind ``x.astype``. Each Function beside its function.

The gradient goes to the value that was chosen: to the larger input of ``maximum`` (shared
50/50 on a tie), to the input inside ``clip``'s range, to the branch ``where`` took.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_lite.function import Function
from autograd_lite.tensor import Tensor, as_array

__all__ = ["clamp", "clip", "maximum", "minimum", "where"]


class Maximum(Function):
    """max(a, b) elementwise.  The gradient goes to the larger input; ties split it 50/50."""

    elementwise = True

    def forward(self, a, b):
        out = np.maximum(a, b)
        self.share_a = ((a > b) + 0.5 * (a == b)).astype(out.dtype, copy=False)
        return out

    def backward(self, g):
        return g * self.share_a, g * (1.0 - self.share_a)

    def jvp(self, ta, tb):
        return ta * self.share_a + tb * (1.0 - self.share_a)


def maximum(a: Any, b: Any) -> Tensor:
    """Elementwise max of two tensors (ties share the gradient equally).

    Shape: ``a`` and ``b`` broadcast together; the result has the broadcast shape.

    Notes
    -----
    The gradient goes to the larger input (d/da = 1 where a > b); where a == b each gets half.

    Examples
    --------
    >>> a = al.tensor([1.0, 5.0, 3.0], requires_grad=True)
    >>> y = al.maximum(a, al.tensor([2.0, 2.0, 3.0]))
    >>> y
    tensor([2., 5., 3.], grad_fn=<Maximum>)
    >>> y.sum().backward()
    >>> a.grad
    tensor([0. , 1. , 0.5])
    """
    return Maximum.apply(a, b)


class Minimum(Function):
    """min(a, b) elementwise.  The gradient goes to the smaller input; ties split it 50/50."""

    elementwise = True

    def forward(self, a, b):
        out = np.minimum(a, b)
        self.share_a = ((a < b) + 0.5 * (a == b)).astype(out.dtype, copy=False)
        return out

    def backward(self, g):
        return g * self.share_a, g * (1.0 - self.share_a)

    def jvp(self, ta, tb):
        return ta * self.share_a + tb * (1.0 - self.share_a)


def minimum(a: Any, b: Any) -> Tensor:
    """Elementwise min of two tensors (ties share the gradient equally).

    Shape: ``a`` and ``b`` broadcast together; the result has the broadcast shape.

    Examples
    --------
    >>> al.minimum(al.tensor([1.0, 5.0]), al.tensor([2.0, 2.0]))
    tensor([1., 2.])
    """
    return Minimum.apply(a, b)


class Clip(Function):
    """a limited to [min, max].  d/da = 1 inside the range (ends included), 0 outside."""

    elementwise = True

    def forward(self, a, *, min=None, max=None):
        self.inside = _inside(a, min, max)
        return np.clip(a, min, max)

    def forward_(self, a, *, min=None, max=None):  # a.clamp_(min, max)
        self.inside = _inside(a, min, max)
        return np.clip(a, min, max, out=a)

    def backward(self, g):
        return g * self.inside

    def jvp(self, ta):
        return ta * self.inside


def clip(a: Any, min: float | None = None, max: float | None = None) -> Tensor:
    """Limit values to [min, max] (PyTorch's clamp); either bound may be None.

    Elementwise: the output has the shape of ``a``. The gradient is 1 inside [min, max] and
    0 where a value was clipped.

    Examples
    --------
    >>> x = al.tensor([-2.0, 0.5, 3.0], requires_grad=True)
    >>> y = al.clip(x, -1.0, 1.0)
    >>> y
    tensor([-1. ,  0.5,  1. ], grad_fn=<Clip>)
    >>> y.sum().backward()
    >>> x.grad
    tensor([0., 1., 0.])
    """
    if min is None and max is None:
        raise ValueError("clip: at least one of min and max must be given")
    return Clip.apply(a, min=min, max=max)


clamp = clip  # PyTorch's name


def _inside(a: np.ndarray, low: Any, high: Any) -> np.ndarray:
    """Where low <= a <= high (a bound may be None)."""
    inside = np.ones(a.shape, dtype=bool)
    if low is not None:
        inside &= a >= low
    if high is not None:
        inside &= a <= high
    return inside


class Where(Function):
    """condition ? a : b elementwise.  The gradient goes to the input that was chosen."""

    def forward(self, condition, a, b):
        self.condition = condition
        return np.where(condition, a, b)

    def backward(self, g):
        return None, Where.apply(self.condition, g, 0.0), Where.apply(self.condition, 0.0, g)

    def jvp(self, _, ta, tb):  # (the condition's tangent: none)
        return Where.apply(self.condition, ta, tb)


def where(condition: Any, a: Any, b: Any) -> Tensor:
    """Elementwise ``a if condition else b``; the condition gets no gradient.

    Shape: ``condition``, ``a`` and ``b`` broadcast together. The gradient of ``a`` is the
    incoming one where ``condition`` holds (0 elsewhere), that of ``b`` the rest.

    Examples
    --------
    >>> x = al.tensor([-1.0, 2.0, -3.0])
    >>> al.where(x > 0, x, al.zeros(3))
    tensor([0., 2., 0.])
    """
    cond = condition.data if isinstance(condition, Tensor) else as_array(condition, where="where")
    if cond.dtype != np.bool_:
        cond = cond.astype(bool)
    return Where.apply(cond, a, b)


class Cast(Function):
    """a converted to another dtype.  The gradient is converted back."""

    label = "astype"
    makes_dtype = True  # its output dtype is the one asked for (see function.torch_float)

    def forward(self, a, *, dtype):
        self.in_dtype, self.out_dtype = a.dtype, dtype
        return a.astype(dtype)

    def backward(self, g):
        return g.astype(self.in_dtype)

    def jvp(self, ta):
        return ta.astype(self.out_dtype)
