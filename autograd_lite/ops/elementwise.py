"""Elementwise ops: each output element depends on the matching input elements only.

Binary ops broadcast their inputs as NumPy does; their backward returns gradients
of the broadcast shape and the engine sums them back (see ``engine.unbroadcast``).
Each op's derivative is one or two lines, written with Tensor ops so that it can
itself be differentiated. The ops that have an in-place form (``x += y``, ``x.add_(y)``,
``x.clamp_(0, 1)``) also have ``forward_``, which writes the result into its first argument
(``autograd_lite/inplace.py`` decides when it may).

The forwards call NumPy's ufuncs with ``out=...`` (``np.multiply(a, b, out=...)`` is
``a * b``): on 0-d arrays NumPy otherwise returns a NumPy scalar, which the engine
would have to turn back into an array (an eighth of a scalar op's time).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograd_lite.forward_ad import is_zero
from autograd_lite.function import Function, apply_binary, apply_unary
from autograd_lite.tensor import Tensor

__all__ = [
    "abs",
    "add",
    "clamp",
    "clip",
    "cos",
    "div",
    "elu",
    "erf",
    "exp",
    "gelu",
    "leaky_relu",
    "log",
    "maximum",
    "minimum",
    "mul",
    "neg",
    "pow",
    "relu",
    "sigmoid",
    "sin",
    "sqrt",
    "sub",
    "tanh",
    "where",
]

_ZEROS: dict[np.dtype, np.ndarray] = {}


def _zero(dtype: np.dtype) -> np.ndarray:
    """A read-only 0-d zero of ``dtype``: NumPy compares with it about twice as fast as
    with the Python number 0 (which it converts on every call)."""
    zero = _ZEROS.get(dtype)
    if zero is None:
        zero = _ZEROS[dtype] = np.zeros((), dtype)
        zero.flags.writeable = False
    return zero


# -- arithmetic ----------------------------------------------------------------------


class Add(Function):
    """a + b.  d/da = 1, d/db = 1."""

    label = "+"

    def forward(self, a, b):
        return np.add(a, b, out=...)

    def forward_(self, a, b):  # a += b
        return np.add(a, b, out=a)

    def backward(self, g):
        return g, g

    def jvp(self, ta, tb):
        return ta + tb


class Sub(Function):
    """a - b.  d/da = 1, d/db = -1."""

    label = "-"

    def forward(self, a, b):
        return np.subtract(a, b, out=...)

    def forward_(self, a, b):  # a -= b
        return np.subtract(a, b, out=a)

    def backward(self, g):
        # A constant b (the 2.0 in x - 2.0) needs no gradient: skip its negation.
        return g, (-g if isinstance(self.inputs[1], Tensor) else None)

    def jvp(self, ta, tb):
        return ta - tb


class Mul(Function):
    """a * b.  d/da = b, d/db = a (each input's gradient is scaled by the other input)."""

    label = "*"

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


class Div(Function):
    """a / b.  d/da = 1/b, d/db = -a/b²."""

    label = "/"

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


class Neg(Function):
    """-a.  d/da = -1."""

    label = "neg"

    def forward(self, a):
        return np.negative(a, out=...)

    def backward(self, g):
        return -g

    def jvp(self, ta):
        return -ta


class Pow(Function):
    """a ** b.  d/da = b·a^(b-1),  d/db = a^b·ln(a) (taken as 0 where a == 0)."""

    label = "**"

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


# -- exp, log and friends -------------------------------------------------------------


class Exp(Function):
    """exp(a).  d/da = exp(a), the output itself."""

    def forward(self, a):
        return np.exp(a, out=...)

    def forward_(self, a):  # x.exp_()
        return np.exp(a, out=a)

    def backward(self, g):
        return g * self.output

    def jvp(self, ta):
        return ta * self.output


class Log(Function):
    """ln(a).  d/da = 1/a."""

    def forward(self, a):
        return np.log(a, out=...)

    def backward(self, g):
        (a,) = self.inputs
        return g / a

    def jvp(self, ta):
        return ta / self.inputs[0]


class Sqrt(Function):
    """√a.  d/da = 1 / (2√a)."""

    def forward(self, a):
        return np.sqrt(a, out=...)

    def backward(self, g):
        return g / (self.output * 2.0)

    def jvp(self, ta):
        return ta / (self.output * 2.0)


class Abs(Function):
    """|a|.  d/da = sign(a) (0 at a == 0, as in PyTorch)."""

    def forward(self, a):
        self.sign = np.sign(a)
        return np.abs(a)

    def backward(self, g):
        return g * self.sign

    def jvp(self, ta):
        return ta * self.sign


class Sin(Function):
    """sin(a).  d/da = cos(a)."""

    def forward(self, a):
        return np.sin(a, out=...)

    def backward(self, g):
        return g * cos(self.inputs[0])

    def jvp(self, ta):
        return ta * cos(self.inputs[0])


class Cos(Function):
    """cos(a).  d/da = -sin(a)."""

    def forward(self, a):
        return np.cos(a, out=...)

    def backward(self, g):
        return -(g * sin(self.inputs[0]))

    def jvp(self, ta):
        return -(ta * sin(self.inputs[0]))


# -- activations ----------------------------------------------------------------------


class TanhFunction(Function):
    """tanh(a).  d/da = 1 - tanh²(a)."""

    label = "tanh"

    def forward(self, a):
        return np.tanh(a, out=...)

    def backward(self, g):
        y = self.output
        return g * (1.0 - y * y)

    def jvp(self, ta):
        y = self.output
        return ta * (1.0 - y * y)


class SigmoidFunction(Function):
    """σ(a) = 1 / (1 + e^-a).  d/da = σ(a)(1 - σ(a)).

    Computed from e^-|a| so that no exponent overflows: σ(-1000) is 0, not a warning.
    """

    label = "sigmoid"

    def forward(self, a):
        e = np.exp(-np.abs(a))
        return np.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(e.dtype, copy=False)

    def backward(self, g):
        y = self.output
        return g * y * (1.0 - y)

    def jvp(self, ta):
        y = self.output
        return ta * y * (1.0 - y)


class ReLUFunction(Function):
    """max(a, 0).  d/da = 1 where a > 0, else 0."""

    label = "relu"

    def forward(self, a):
        return np.maximum(a, _zero(a.dtype), out=...)  # not a * (a > 0): NaN at -inf

    def backward(self, g):
        x = self.inputs[0].data
        return g * np.greater(x, _zero(x.dtype), out=...)  # a mask array, even 0-d

    def jvp(self, ta):
        return self.backward(ta)  # elementwise: the same mask either way


class LeakyReLUFunction(Function):
    """a where a > 0, else slope·a.  d/da = 1 or slope."""

    label = "leaky_relu"

    def forward(self, a, *, negative_slope=0.01):
        self.scale = np.where(a > 0, 1.0, negative_slope).astype(a.dtype, copy=False)
        return a * self.scale

    def backward(self, g):
        return g * self.scale

    def jvp(self, ta):
        return ta * self.scale


class ELUFunction(Function):
    """a where a > 0, else α(e^a - 1).  d/da = 1, or elu(a) + α."""

    label = "elu"

    def forward(self, a, *, alpha=1.0):
        self.alpha, self.positive = alpha, a > 0
        return np.where(self.positive, a, alpha * np.expm1(np.minimum(a, 0))).astype(a.dtype)

    def backward(self, g):
        return where(self.positive, g, g * (self.output + self.alpha))

    def jvp(self, ta):
        return where(self.positive, ta, ta * (self.output + self.alpha))


class Erf(Function):
    """erf(a) = 2/√π ∫₀ᵃ e^(-t²) dt, the error function.  d/da = 2/√π · e^(-a²)."""

    def forward(self, a):
        return _erf(a)

    def backward(self, g):
        (a,) = self.inputs
        return g * exp(-(a * a)) * (2.0 / math.sqrt(math.pi))

    def jvp(self, ta):
        (a,) = self.inputs
        return ta * exp(-(a * a)) * (2.0 / math.sqrt(math.pi))


class GELUFunction(Function):
    """GELU(a) = a · Φ(a), Φ(a) = ½(1 + erf(a/√2)) the standard normal CDF (fused: one node).

    d/da = Φ(a) + a · φ(a),  φ(a) = e^(-a²/2) / √(2π) the normal density.
    """

    label = "gelu"

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


# The error function, which NumPy does not have (computed in float64):
# |x| < 2: its Taylor series 2/√π Σ (-1)^n x^(2n+1) / (n! (2n+1)), 34 terms (error < 1e-15).
# |x| >= 2: 1 - erfc(|x|) with the Chebyshev fit of Numerical Recipes (erfcc), relative
# error < 1.2e-7 in erfc, so absolute error < 6e-10 in erf.
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


# -- comparisons that pass gradients ------------------------------------------------


class Maximum(Function):
    """max(a, b) elementwise.  The gradient goes to the larger input; ties split it 50/50."""

    def forward(self, a, b):
        out = np.maximum(a, b)
        self.share_a = ((a > b) + 0.5 * (a == b)).astype(out.dtype, copy=False)
        return out

    def backward(self, g):
        return g * self.share_a, g * (1.0 - self.share_a)

    def jvp(self, ta, tb):
        return ta * self.share_a + tb * (1.0 - self.share_a)


class Minimum(Function):
    """min(a, b) elementwise.  The gradient goes to the smaller input; ties split it 50/50."""

    def forward(self, a, b):
        out = np.minimum(a, b)
        self.share_a = ((a < b) + 0.5 * (a == b)).astype(out.dtype, copy=False)
        return out

    def backward(self, g):
        return g * self.share_a, g * (1.0 - self.share_a)

    def jvp(self, ta, tb):
        return ta * self.share_a + tb * (1.0 - self.share_a)


class Clip(Function):
    """a limited to [min, max].  d/da = 1 inside the range (ends included), 0 outside."""

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


# -- the functional API -----------------------------------------------------------


def _check_number(value: Any, where: str, what: str) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{where}: {what} must be a number, got {type(value).__name__} {value!r}")


def add(a: Any, b: Any) -> Tensor:
    """a + b, broadcasting."""
    return apply_binary(Add, a, b)


def sub(a: Any, b: Any) -> Tensor:
    """a - b, broadcasting."""
    return apply_binary(Sub, a, b)


def mul(a: Any, b: Any) -> Tensor:
    """a * b elementwise, broadcasting."""
    return apply_binary(Mul, a, b)


def div(a: Any, b: Any) -> Tensor:
    """a / b elementwise (true division), broadcasting."""
    return apply_binary(Div, a, b)


def neg(a: Any) -> Tensor:
    """-a."""
    return apply_unary(Neg, a)


def pow(a: Any, b: Any) -> Tensor:
    """a ** b; the exponent may be a number or a tensor."""
    return apply_binary(Pow, a, b)


def exp(a: Any) -> Tensor:
    """e ** a."""
    return apply_unary(Exp, a)


def log(a: Any) -> Tensor:
    """Natural logarithm."""
    return apply_unary(Log, a)


def sqrt(a: Any) -> Tensor:
    """Square root."""
    return apply_unary(Sqrt, a)


def abs(a: Any) -> Tensor:
    """|a|."""
    return apply_unary(Abs, a)


def sin(a: Any) -> Tensor:
    return apply_unary(Sin, a)


def cos(a: Any) -> Tensor:
    return apply_unary(Cos, a)


def tanh(a: Any) -> Tensor:
    """Hyperbolic tangent, in (-1, 1)."""
    return apply_unary(TanhFunction, a)


def sigmoid(a: Any) -> Tensor:
    """1 / (1 + e^-a), in (0, 1); stable for large |a|."""
    return apply_unary(SigmoidFunction, a)


def relu(a: Any) -> Tensor:
    """max(a, 0)."""
    return apply_unary(ReLUFunction, a)


def leaky_relu(a: Any, negative_slope: float = 0.01) -> Tensor:
    """a for a > 0, negative_slope * a otherwise."""
    _check_number(negative_slope, "leaky_relu", "negative_slope")
    return LeakyReLUFunction.apply(a, negative_slope=negative_slope)


def elu(a: Any, alpha: float = 1.0) -> Tensor:
    """a for a > 0, alpha * (e^a - 1) otherwise."""
    _check_number(alpha, "elu", "alpha")
    return ELUFunction.apply(a, alpha=alpha)


def erf(a: Any) -> Tensor:
    """The error function 2/√π ∫₀ᵃ e^(-t²) dt (absolute error < 1e-9)."""
    return apply_unary(Erf, a)


def gelu(a: Any, approximate: str = "none") -> Tensor:
    """Gaussian error linear unit a · Φ(a) (PyTorch's default, exact erf form).

    ``approximate="tanh"``: ½a(1 + tanh(√(2/π)(a + 0.044715a³))), as in GPT-2.
    """
    if approximate == "none":
        return apply_unary(GELUFunction, a)
    if approximate == "tanh":
        inner = (a + 0.044715 * (a * a * a)) * math.sqrt(2.0 / math.pi)
        return 0.5 * a * (1.0 + tanh(inner))
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


def maximum(a: Any, b: Any) -> Tensor:
    """Elementwise max of two tensors (ties share the gradient equally)."""
    return Maximum.apply(a, b)


def minimum(a: Any, b: Any) -> Tensor:
    """Elementwise min of two tensors (ties share the gradient equally)."""
    return Minimum.apply(a, b)


def clip(a: Any, min: float | None = None, max: float | None = None) -> Tensor:
    """Limit values to [min, max] (PyTorch's clamp); either bound may be None."""
    if min is None and max is None:
        raise ValueError("clip: at least one of min and max must be given")
    return Clip.apply(a, min=min, max=max)


clamp = clip  # PyTorch's name


def where(condition: Any, a: Any, b: Any) -> Tensor:
    """Elementwise ``a if condition else b``; the condition gets no gradient."""
    cond = condition.data if isinstance(condition, Tensor) else np.asarray(condition)
    if cond.dtype != np.bool_:
        cond = cond.astype(bool)
    return Where.apply(cond, a, b)
