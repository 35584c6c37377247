"""Activations: tanh, sigmoid, relu, leaky_relu, elu, gelu, each Function beside its function.

Elementwise, and each fused into one node (one Function) where the formula would otherwise
take several: a learner reads each one's forward, backward and jvp on one screen.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograd_lite.function import Function, apply_unary
from autograd_lite.ops.elementary import _erf, erf, exp
from autograd_lite.ops.selection import where
from autograd_lite.tensor import Tensor

__all__ = ["elu", "gelu", "leaky_relu", "relu", "sigmoid", "tanh"]

_ZEROS: dict[np.dtype, np.ndarray] = {}


def _zero(dtype: np.dtype) -> np.ndarray:
    """A read-only 0-d zero of ``dtype``: NumPy compares with it about twice as fast as
    with the Python number 0 (which it converts on every call)."""
    zero = _ZEROS.get(dtype)
    if zero is None:
        zero = _ZEROS[dtype] = np.zeros((), dtype)
        zero.flags.writeable = False
    return zero


def _check_number(value: Any, where: str, what: str) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{where}: {what} must be a number, got {type(value).__name__} {value!r}")


class TanhFunction(Function):
    """tanh(a).  d/da = 1 - tanh²(a)."""

    label = "tanh"
    elementwise = True

    def forward(self, a):
        return np.tanh(a, out=...)

    def backward(self, g):
        y = self.output
        return g * (1.0 - y * y)

    def jvp(self, ta):
        y = self.output
        return ta * (1.0 - y * y)


def tanh(a: Any) -> Tensor:
    """Hyperbolic tangent, in (-1, 1).

    Elementwise: the output has the shape of ``a``.

    Notes
    -----
    tanh(a) = (e ** a - e ** -a) / (e ** a + e ** -a); the derivative is 1 - tanh²(a), from the
    output.

    Examples
    --------
    >>> x = al.tensor([-1.0, 0.0, 1.0], requires_grad=True)
    >>> y = al.tanh(x)
    >>> y
    tensor([-0.7616,  0.    ,  0.7616], grad_fn=<Tanh>)
    >>> y.sum().backward()
    >>> x.grad
    tensor([0.42, 1.  , 0.42])
    """
    return apply_unary(TanhFunction, a)


class SigmoidFunction(Function):
    """σ(a) = 1 / (1 + e^-a).  d/da = σ(a)(1 - σ(a)).

    Computed from e^-|a| so that no exponent overflows: σ(-1000) is 0, not a warning.
    """

    label = "sigmoid"
    elementwise = True

    def forward(self, a):
        e = np.exp(-np.abs(a))
        return np.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(e.dtype, copy=False)

    def backward(self, g):
        y = self.output
        return g * y * (1.0 - y)

    def jvp(self, ta):
        y = self.output
        return ta * y * (1.0 - y)


def sigmoid(a: Any) -> Tensor:
    """1 / (1 + e^-a), in (0, 1); stable for large ``|a|``.

    Elementwise: the output has the shape of ``a``.

    Notes
    -----
    σ(a) = 1 / (1 + e ** -a); the derivative is σ(a)(1 - σ(a)), from the output.

    Examples
    --------
    >>> x = al.tensor([-2.0, 0.0, 2.0], requires_grad=True)
    >>> y = al.sigmoid(x)
    >>> y
    tensor([0.1192, 0.5   , 0.8808], grad_fn=<Sigmoid>)
    >>> y.sum().backward()
    >>> x.grad
    tensor([0.105, 0.25 , 0.105])
    """
    return apply_unary(SigmoidFunction, a)


class ReLUFunction(Function):
    """max(a, 0).  d/da = 1 where a > 0, else 0."""

    label = "relu"
    elementwise = True

    def forward(self, a):
        return np.maximum(a, _zero(a.dtype), out=...)  # not a * (a > 0): NaN at -inf

    def backward(self, g):
        x = self.inputs[0].data
        return g * np.greater(x, _zero(x.dtype), out=...)  # a mask array, even 0-d

    def jvp(self, ta):
        return self.backward(ta)  # elementwise: the same mask either way


def relu(a: Any) -> Tensor:
    """max(a, 0).

    Elementwise: the output has the shape of ``a``.

    Notes
    -----
    relu(a) = max(a, 0); the derivative is 1 where a > 0 and 0 elsewhere (0 at a = 0, as in
    PyTorch).

    Examples
    --------
    >>> x = al.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    >>> y = al.relu(x)
    >>> y
    tensor([0., 0., 2.], grad_fn=<ReLU>)
    >>> y.sum().backward()
    >>> x.grad
    tensor([0., 0., 1.])
    """
    return apply_unary(ReLUFunction, a)


class LeakyReLUFunction(Function):
    """a where a > 0, else slope·a.  d/da = 1 or slope."""

    label = "leaky_relu"
    elementwise = True

    def forward(self, a, *, negative_slope=0.01):
        self.scale = np.where(a > 0, 1.0, negative_slope).astype(a.dtype, copy=False)
        return a * self.scale

    def backward(self, g):
        return g * self.scale

    def jvp(self, ta):
        return ta * self.scale


def leaky_relu(a: Any, negative_slope: float = 0.01) -> Tensor:
    """a for a > 0, negative_slope * a otherwise.

    Elementwise: the output has the shape of ``a``.

    Parameters
    ----------
    a : Tensor or array_like
        Input of any shape.
    negative_slope : float
        The slope for a ≤ 0 (0.01 by default, as in PyTorch).

    Returns
    -------
    Tensor
        Same shape as ``a``.

    Notes
    -----
    leaky_relu(a) = a if a > 0 else negative_slope · a; the derivative is 1 or negative_slope.

    Examples
    --------
    >>> x = al.tensor([-2.0, 3.0], requires_grad=True)
    >>> al.leaky_relu(x, 0.1)
    tensor([-0.2,  3. ], grad_fn=<LeakyReLU>)
    """
    _check_number(negative_slope, "leaky_relu", "negative_slope")
    return LeakyReLUFunction.apply(a, negative_slope=negative_slope)


class ELUFunction(Function):
    """a where a > 0, else α(e^a - 1).  d/da = 1, or elu(a) + α."""

    label = "elu"
    elementwise = True

    def forward(self, a, *, alpha=1.0):
        self.alpha, self.positive = alpha, a > 0
        return np.where(self.positive, a, alpha * np.expm1(np.minimum(a, 0))).astype(a.dtype)

    def backward(self, g):
        return where(self.positive, g, g * (self.output + self.alpha))

    def jvp(self, ta):
        return where(self.positive, ta, ta * (self.output + self.alpha))


def elu(a: Any, alpha: float = 1.0) -> Tensor:
    """a for a > 0, alpha * (e^a - 1) otherwise.

    Elementwise: the output has the shape of ``a``.

    Parameters
    ----------
    a : Tensor or array_like
        Input of any shape.
    alpha : float
        ELU tends to -alpha as a goes to -∞ (1.0 by default).

    Returns
    -------
    Tensor
        Same shape as ``a``.

    Notes
    -----
    elu(a) = a if a > 0 else alpha · (e ** a - 1); the derivative is 1 for a > 0, alpha · e ** a
    otherwise.

    Examples
    --------
    >>> x = al.tensor([-1.0, 2.0], requires_grad=True)
    >>> al.elu(x)
    tensor([-0.6321,  2.    ], grad_fn=<ELU>)
    """
    _check_number(alpha, "elu", "alpha")
    return ELUFunction.apply(a, alpha=alpha)


class GELUFunction(Function):
    """GELU(a) = a · Φ(a), Φ(a) = ½(1 + erf(a/√2)) the standard normal CDF (fused: one node).

    d/da = Φ(a) + a · φ(a),  φ(a) = e^(-a²/2) / √(2π) the normal density.
    """

    label = "gelu"
    elementwise = True

    def forward(self, a):
        return a * (0.5 * (1.0 + _erf(a * (1.0 / math.sqrt(2.0)))))

    def backward(self, g):
        return g * self._slope()

    def jvp(self, ta):
        return ta * self._slope()

    def _slope(self):
        """dGELU/da = Φ(a) + a·φ(a)."""
        (a,) = self.inputs
        cdf = 0.5 * (1.0 + erf(a * (1.0 / math.sqrt(2.0))))
        pdf = exp(-0.5 * (a * a)) * (1.0 / math.sqrt(2.0 * math.pi))
        return cdf + a * pdf


def gelu(a: Any, approximate: str = "none") -> Tensor:
    """Gaussian error linear unit a · Φ(a) (PyTorch's default, exact erf form).

    ``approximate="tanh"``: ½a(1 + tanh(√(2/π)(a + 0.044715a³))), as in GPT-2.

    Elementwise: the output has the shape of ``a``.

    Parameters
    ----------
    a : Tensor or array_like
        Input of any shape.
    approximate : {'none', 'tanh'}
        The exact erf form, or the tanh approximation.

    Returns
    -------
    Tensor
        Same shape as ``a``.

    Notes
    -----
    gelu(a) = a · Φ(a), Φ the standard normal CDF; the derivative is Φ(a) + a · φ(a).

    Examples
    --------
    >>> x = al.tensor([-1.0, 0.0, 1.0], requires_grad=True)
    >>> al.gelu(x)
    tensor([-0.1587,  0.    ,  0.8413], grad_fn=<GELU>)
    >>> al.gelu(x, approximate='tanh')
    tensor([-0.1588,  0.    ,  0.8412], grad_fn=<Mul>)
    """
    if approximate == "none":
        return apply_unary(GELUFunction, a)
    if approximate == "tanh":
        inner = (a + 0.044715 * (a * a * a)) * math.sqrt(2.0 / math.pi)
        return 0.5 * a * (1.0 + tanh(inner))
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
