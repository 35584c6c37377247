"""exp, log, sqrt, abs, sin, cos, sinh, erf: the elementary functions, each Function beside its
function. Elementwise: each output element depends on the matching input element only.

Each derivative is written with Tensor ops (so it can be differentiated again), and each
``jvp`` (the tangent rule of forward mode) beside it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograd_lite.function import Function, apply_unary
from autograd_lite.tensor import Tensor

__all__ = ["abs", "cos", "erf", "exp", "log", "sin", "sinh", "sqrt"]


class Exp(Function):
    """exp(a).  d/da = exp(a), the output itself."""

    elementwise = True

    def forward(self, a):
        return np.exp(a, out=...)

    def forward_(self, a):  # x.exp_()
        return np.exp(a, out=a)

    def backward(self, g):
        return g * self.output

    def jvp(self, ta):
        return ta * self.output


def exp(a: Any) -> Tensor:
    """e ** a.

    Elementwise: the output has the shape of ``a``.

    Notes
    -----
    exp(a) = e ** a; the derivative is exp(a) itself: backward reuses the output.

    Examples
    --------
    >>> x = al.tensor([0.0, 1.0, 2.0], requires_grad=True)
    >>> al.exp(x)
    tensor([1.    , 2.7183, 7.3891], grad_fn=<Exp>)
    """
    return apply_unary(Exp, a)


class Log(Function):
    """ln(a).  d/da = 1/a."""

    elementwise = True

    def forward(self, a):
        return np.log(a, out=...)

    def backward(self, g):
        (a,) = self.inputs
        return g / a

    def jvp(self, ta):
        return ta / self.inputs[0]


def log(a: Any) -> Tensor:
    """Natural logarithm.

    Elementwise: the output has the shape of ``a``.

    Notes
    -----
    ln(a), for a > 0; the derivative is 1 / a.

    Examples
    --------
    >>> x = al.tensor([1.0, 2.0, 4.0], requires_grad=True)
    >>> y = al.log(x)
    >>> y
    tensor([0.    , 0.6931, 1.3863], grad_fn=<Log>)
    >>> y.sum().backward()
    >>> x.grad
    tensor([1.  , 0.5 , 0.25])
    """
    return apply_unary(Log, a)


class Sqrt(Function):
    """√a.  d/da = 1 / (2√a)."""

    elementwise = True

    def forward(self, a):
        return np.sqrt(a, out=...)

    def backward(self, g):
        return g / (self.output * 2.0)

    def jvp(self, ta):
        return ta / (self.output * 2.0)


def sqrt(a: Any) -> Tensor:
    """Square root.

    Elementwise: the output has the shape of ``a``.

    Notes
    -----
    √a, for a ≥ 0; the derivative is 1 / (2√a).

    Examples
    --------
    >>> x = al.tensor([1.0, 4.0, 9.0], requires_grad=True)
    >>> y = al.sqrt(x)
    >>> y
    tensor([1., 2., 3.], grad_fn=<Sqrt>)
    >>> y.sum().backward()
    >>> x.grad
    tensor([0.5   , 0.25  , 0.1667])
    """
    return apply_unary(Sqrt, a)


class Abs(Function):
    """|a|.  d/da = sign(a) (0 at a == 0, as in PyTorch)."""

    elementwise = True

    def forward(self, a):
        self.sign = np.sign(a)
        return np.abs(a)

    def backward(self, g):
        return g * self.sign

    def jvp(self, ta):
        return ta * self.sign


def abs(a: Any) -> Tensor:
    """The absolute value ``|a|``.

    Elementwise: the output has the shape of ``a``.

    Notes
    -----
    The absolute value; the derivative is sign(a), 0 at a = 0 as in PyTorch.

    Examples
    --------
    >>> x = al.tensor([-2.0, 0.0, 3.0], requires_grad=True)
    >>> y = al.abs(x)
    >>> y
    tensor([2., 0., 3.], grad_fn=<Abs>)
    >>> y.sum().backward()
    >>> x.grad
    tensor([-1.,  0.,  1.])
    """
    return apply_unary(Abs, a)


class Sin(Function):
    """sin(a).  d/da = cos(a)."""

    elementwise = True

    def forward(self, a):
        return np.sin(a, out=...)

    def backward(self, g):
        return g * cos(self.inputs[0])

    def jvp(self, ta):
        return ta * cos(self.inputs[0])


def sin(a: Any) -> Tensor:
    """Sine, elementwise.

    Elementwise: the output has the shape of ``a``.

    Notes
    -----
    sin(a), a in radians; the derivative is cos(a).

    Examples
    --------
    >>> x = al.tensor([0.0, 1.5708], requires_grad=True)
    >>> y = al.sin(x)
    >>> y
    tensor([0., 1.], grad_fn=<Sin>)
    >>> y.sum().backward()
    >>> x.grad
    tensor([ 1.00e+00, -3.62e-06])
    """
    return apply_unary(Sin, a)


class Cos(Function):
    """cos(a).  d/da = -sin(a)."""

    elementwise = True

    def forward(self, a):
        return np.cos(a, out=...)

    def backward(self, g):
        return -(g * sin(self.inputs[0]))

    def jvp(self, ta):
        return -(ta * sin(self.inputs[0]))


def cos(a: Any) -> Tensor:
    """Cosine, elementwise.

    Elementwise: the output has the shape of ``a``.

    Notes
    -----
    cos(a), a in radians; the derivative is -sin(a).

    Examples
    --------
    >>> x = al.tensor([0.0, 1.5708], requires_grad=True)
    >>> y = al.cos(x)
    >>> y
    tensor([ 1.00e+00, -3.62e-06], grad_fn=<Cos>)
    >>> y.sum().backward()
    >>> x.grad
    tensor([-0., -1.])
    """
    return apply_unary(Cos, a)


class Sinh(Function):
    """sinh(a) = (e^a - e^-a) / 2.  d/da = cosh(a) = √(1 + sinh²(a)), from the output."""

    elementwise = True

    def forward(self, a):
        return np.sinh(a, out=...)

    def backward(self, g):
        y = self.output
        return g * sqrt(1.0 + y * y)

    def jvp(self, ta):
        y = self.output
        return ta * sqrt(1.0 + y * y)


def sinh(a: Any) -> Tensor:
    """Hyperbolic sine.

    Elementwise: the output has the shape of ``a``.

    Notes
    -----
    sinh(a) = (e ** a - e ** -a) / 2; the derivative is cosh(a).

    Examples
    --------
    >>> x = al.tensor([0.0, 1.0], requires_grad=True)
    >>> al.sinh(x)
    tensor([0.    , 1.1752], grad_fn=<Sinh>)
    """
    return apply_unary(Sinh, a)


class Erf(Function):
    """erf(a) = 2/√π ∫₀ᵃ e^(-t²) dt, the error function.  d/da = 2/√π · e^(-a²)."""

    elementwise = True

    def forward(self, a):
        return _erf(a)

    def backward(self, g):
        (a,) = self.inputs
        return g * exp(-(a * a)) * (2.0 / math.sqrt(math.pi))

    def jvp(self, ta):
        (a,) = self.inputs
        return ta * exp(-(a * a)) * (2.0 / math.sqrt(math.pi))


def erf(a: Any) -> Tensor:
    """The error function 2/√π ∫₀ᵃ e^(-t²) dt (absolute error < 1e-9).

    Elementwise: the output has the shape of ``a``.

    Notes
    -----
    erf(a) = 2/√π ∫₀ᵃ exp(-t²) dt; the derivative is 2/√π · exp(-a²).

    Examples
    --------
    >>> x = al.tensor([0.0, 0.5, 2.0], requires_grad=True)
    >>> al.erf(x)
    tensor([0.    , 0.5205, 0.9953], grad_fn=<Erf>)
    """
    return apply_unary(Erf, a)


# The error function, which NumPy does not have (computed in float64):

_ERF_TAYLOR = [(-1) ** n / (math.factorial(n) * (2 * n + 1)) for n in range(34)]
_ERFC_CHEB = [
    -1.26551223,
    1.00002368,
    0.37409196,
    0.09678418,
    -0.18628806,
    0.27886807,
    -1.13520398,
    1.48851587,
    -0.82215223,
    0.17087277,
]


def _erf(x: np.ndarray) -> np.ndarray:
    """erf of an array (float64 inside, the input's float dtype out)."""
    x64 = np.asarray(x, dtype=np.float64)
    out = np.empty_like(x64)
    small = np.abs(x64) < 2.0
    xs = x64[small]
    z, acc = xs * xs, np.zeros_like(xs)
    for c in reversed(_ERF_TAYLOR):  # Horner in z = x²
        acc = acc * z + c
    out[small] = (2.0 / math.sqrt(math.pi)) * xs * acc
    a = np.abs(x64[~small])
    t = 1.0 / (1.0 + 0.5 * a)
    poly = np.zeros_like(a)
    for c in reversed(_ERFC_CHEB):
        poly = poly * t + c
    out[~small] = np.sign(x64[~small]) * (1.0 - t * np.exp(-a * a + poly))
    return out.astype(x.dtype if np.asarray(x).dtype.kind == "f" else np.float64, copy=False)
