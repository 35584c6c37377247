"""nn.functional: the layers as plain functions (``import nn.functional as F``).

A module such as ``nn.Conv2d`` owns its weights and calls ``F.conv2d(x, self.weight, ...)``;
use the functions directly when you hold the weights yourself. Shapes and argument names
follow ``torch.nn.functional``.

Most of these are the engine's ops (``autograd_lite``); defined here are GELU (with the
error function it needs, which NumPy lacks), dropout and batch normalization.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

import autograd_lite
from autograd_lite import Function, ShapeError, Tensor
from autograd_lite.ops.conv import avg_pool2d, conv2d, max_pool2d

__all__ = [
    "avg_pool2d",
    "batch_norm",
    "conv2d",
    "dropout",
    "elu",
    "erf",
    "flatten",
    "gelu",
    "leaky_relu",
    "linear",
    "log_softmax",
    "max_pool2d",
    "pad",
    "relu",
    "sigmoid",
    "softmax",
    "tanh",
]


# -- activations ---------------------------------------------------------------------------


def relu(x: Tensor) -> Tensor:
    """max(x, 0), elementwise."""
    return autograd_lite.relu(x)


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """x where x > 0, else negative_slope · x."""
    return autograd_lite.leaky_relu(x, negative_slope)


def sigmoid(x: Tensor) -> Tensor:
    """1 / (1 + e^-x)."""
    return autograd_lite.sigmoid(x)


def tanh(x: Tensor) -> Tensor:
    """Hyperbolic tangent."""
    return autograd_lite.tanh(x)


def elu(x: Tensor, alpha: float = 1.0) -> Tensor:
    """x where x > 0, else alpha · (e^x - 1)."""
    return autograd_lite.elu(x, alpha)


def softmax(x: Tensor, dim: int = -1) -> Tensor:
    """e^x / Σ e^x along ``dim``."""
    return autograd_lite.softmax(x, dim)


def log_softmax(x: Tensor, dim: int = -1) -> Tensor:
    """log softmax(x) along ``dim``, computed stably."""
    return autograd_lite.log_softmax(x, dim)


# The error function erf(x) = 2/√π ∫₀ˣ e^(-t²) dt, which NumPy does not have.
# |x| < 2: its Taylor series 2/√π Σ (-1)^n x^(2n+1) / (n! (2n+1)), 34 terms (error < 1e-15).
# |x| >= 2: 1 - erfc(|x|) with the Chebyshev fit of Numerical Recipes (erfcc), relative
# error < 1.2e-7 in erfc, so absolute error < 6e-10 in erf. Computed in float64.
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


class Erf(Function):
    """erf(x).  d/dx = 2/√π · e^(-x²)."""

    def forward(self, x):
        return _erf(x)

    def backward(self, g):
        (x,) = self.inputs
        return g * autograd_lite.exp(-(x * x)) * (2.0 / math.sqrt(math.pi))


def erf(x: Tensor) -> Tensor:
    """The error function (absolute error < 1e-9; see ``_erf``)."""
    return Erf.apply(x)


class GELU(Function):
    """GELU(x) = x · Φ(x), Φ(x) = ½(1 + erf(x/√2)) the standard normal CDF (fused: one node).

    d/dx = Φ(x) + x · φ(x),  φ(x) = e^(-x²/2) / √(2π) the normal density.
    """

    label = "gelu"

    def forward(self, x):
        return x * (0.5 * (1.0 + _erf(x * (1.0 / math.sqrt(2.0)))))

    def backward(self, g):
        (x,) = self.inputs
        cdf = 0.5 * (1.0 + erf(x * (1.0 / math.sqrt(2.0))))
        pdf = autograd_lite.exp(-0.5 * (x * x)) * (1.0 / math.sqrt(2.0 * math.pi))
        return g * (cdf + x * pdf)


def gelu(x: Tensor, approximate: str = "none") -> Tensor:
    """Gaussian error linear unit x · Φ(x) (PyTorch's default, exact erf form).

    ``approximate="tanh"``: ½x(1 + tanh(√(2/π)(x + 0.044715x³))), as in GPT-2.
    """
    if approximate == "none":
        return GELU.apply(x)
    if approximate == "tanh":
        inner = (x + 0.044715 * (x * x * x)) * math.sqrt(2.0 / math.pi)
        return 0.5 * x * (1.0 + autograd_lite.tanh(inner))
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


# -- layers ---------------------------------------------------------------------------------


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """x @ weight.T + bias: x (..., in), weight (out, in), bias (out,) -> (..., out)."""
    return autograd_lite.linear(x, weight, bias)


def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dimensions start_dim..end_dim into one (``torch.flatten``)."""
    return autograd_lite.flatten(x, start_dim, end_dim)


def pad(x: Tensor, pad: Sequence[int], mode: str = "constant", value: float = 0.0) -> Tensor:
    """Constant padding; ``pad`` = (left, right, top, bottom, ...) for the last axes first."""
    if mode != "constant":
        raise ValueError(f"pad: only mode='constant' is supported, got {mode!r}")
    return autograd_lite.pad(x, pad, value)


def check_dropout_p(p: float, where: str) -> float:
    """p as a float, or ValueError when it is not a probability in [0, 1)."""
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0.0 <= p < 1.0:
        raise ValueError(
            f"{where}: dropout probability p must be in [0, 1) (the fraction of units "
            f"zeroed; 1 would zero everything), got {p!r}"
        )
    return float(p)


def dropout(x: Tensor, p: float = 0.5, training: bool = True) -> Tensor:
    """Inverted dropout: zero each element with probability p and scale the survivors by
    1/(1 - p), so the expected value is unchanged and evaluation needs no rescaling.
    Identity when ``training`` is False. Randomness: ``autograd_lite.default_generator()``.
    """
    p = check_dropout_p(p, "dropout")
    if not training or p == 0.0:
        return x
    data = x.data if isinstance(x, Tensor) else np.asarray(x)
    keep = autograd_lite.default_generator().random(data.shape) >= p
    mask = keep.astype(data.dtype) * data.dtype.type(1.0 / (1.0 - p))
    return x * mask  # the mask is a constant: d/dx = mask


def batch_norm(
    x: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Batch normalization over the channel axis 1 of x: (N, C), (N, C, L) or (N, C, H, W).

    Training: each channel is normalized with the mean and (biased) variance of the batch,
    over every axis but 1, and the running statistics are updated in place:
        running = (1 - momentum) · running + momentum · batch statistic
    (the unbiased variance for ``running_var``, as PyTorch). Otherwise the running
    statistics are used. Then y = x̂ · weight + bias, per channel.

    The backward comes from the composite: mean, variance and division are all recorded.
    """
    shape = x.shape
    if len(shape) < 2:
        raise ShapeError(f"batch_norm: expected an input (N, C, ...), got shape {tuple(shape)}")
    c = shape[1]
    axes = (0, *range(2, len(shape)))
    bshape = (1, c) + (1,) * (len(shape) - 2)  # broadcasts a (C,) vector over x
    if training:
        n = x.data.size // c
        if n <= 1:
            raise ValueError(
                f"batch_norm: need more than 1 value per channel when training, got input "
                f"of shape {tuple(shape)} (use a batch of 2 or more, or eval())"
            )
        mean = x.mean(axis=axes, keepdims=True)
        centered = x - mean
        var = (centered * centered).mean(axis=axes, keepdims=True)
        x_hat = centered / autograd_lite.sqrt(var + eps)
        if running_mean is not None and running_var is not None:
            # In place, outside the graph: buffers are state, not part of the computation.
            running_mean.data *= 1.0 - momentum
            running_mean.data += momentum * mean.data.reshape(c)
            running_var.data *= 1.0 - momentum
            running_var.data += momentum * var.data.reshape(c) * (n / (n - 1))
    else:
        if running_mean is None or running_var is None:
            raise ValueError(
                "batch_norm: running_mean and running_var are needed when not training"
            )
        mean_a = running_mean.data.reshape(bshape).astype(x.dtype, copy=False)
        inv_std = 1.0 / np.sqrt(running_var.data.reshape(bshape).astype(x.dtype) + eps)
        x_hat = (x - mean_a) * inv_std.astype(x.dtype, copy=False)
    if weight is not None:
        x_hat = x_hat * weight.reshape(bshape)
    if bias is not None:
        x_hat = x_hat + bias.reshape(bshape)
    return x_hat


# Losses live in nn/loss.py (next to their modules) and are re-exported here, so that
# F.cross_entropy(logits, y) works as in PyTorch.
from nn.loss import (  # noqa: E402, F401 - re-exported
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    l1_loss,
    mse_loss,
    multi_margin_loss,
    multiclass_svm_loss,
    nll_loss,
)
