"""nn.functional: the layers as plain functions (``import nn.functional as F``).

A module such as ``nn.Conv2d`` owns its weights and calls ``F.conv2d(x, self.weight, ...)``;
use the functions directly when you hold the weights yourself. Shapes and argument names
follow ``torch.nn.functional``.

Most of these are the engine's ops (``autograd_lite``: conv2d, the pooling ops, gelu, the
losses...), exported here under the same names; defined here are the thin wrappers that
give an op PyTorch's functional signature (``softmax(x, dim)``), dropout and batch
normalization.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

import autograd_lite
from autograd_lite import (
    ShapeError,
    Tensor,
    avg_pool2d,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    conv2d,
    cross_entropy,
    erf,
    gelu,
    l1_loss,
    max_pool2d,
    mse_loss,
    multi_margin_loss,
    multiclass_svm_loss,
    nll_loss,
)

__all__ = [
    "avg_pool2d",
    "batch_norm",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "conv2d",
    "cross_entropy",
    "dropout",
    "elu",
    "erf",
    "flatten",
    "gelu",
    "l1_loss",
    "leaky_relu",
    "linear",
    "log_softmax",
    "max_pool2d",
    "mse_loss",
    "multi_margin_loss",
    "multiclass_svm_loss",
    "nll_loss",
    "one_hot",
    "pad",
    "relu",
    "sigmoid",
    "softmax",
    "tanh",
]


# -- activations ---------------------------------------------------------------------------


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """Class indices ``(...)`` -> one-hot rows ``(..., num_classes)``, int64, as PyTorch's
    ``one_hot`` (``num_classes=-1``: one more than the largest index). No gradient; use
    ``.float()`` to mix it with float tensors.

    Examples
    --------
    >>> nn.functional.one_hot(al.tensor([0, 2, 1]), num_classes=3)
    tensor([[1, 0, 0],
            [0, 0, 1],
            [0, 1, 0]])
    """
    idx = tensor.data if isinstance(tensor, Tensor) else np.asarray(tensor)
    if idx.dtype.kind not in "iu":
        raise TypeError(
            f"one_hot: expects integer class indices (an int64 tensor), got dtype {idx.dtype}"
        )
    if idx.size and idx.min() < 0:
        raise ValueError(f"one_hot: class indices must be non-negative, got {idx.min()}")
    if num_classes == -1:
        num_classes = int(idx.max()) + 1 if idx.size else 0
    if idx.size and idx.max() >= num_classes:
        raise ValueError(
            f"one_hot: class index {idx.max()} is out of range for num_classes={num_classes}"
        )
    return Tensor((idx[..., None] == np.arange(num_classes)).astype(np.int64))


def relu(x: Tensor) -> Tensor:
    """max(x, 0), elementwise.

    Shape: input (*), any shape; output the same shape.

    Examples
    --------
    >>> m = nn.functional.relu
    >>> m(al.tensor([-1.0, 2.0]))
    tensor([0., 2.])
    """
    return autograd_lite.relu(x)


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """x where x > 0, else negative_slope · x.

    Shape: input (*), any shape; output the same shape.

    Examples
    --------
    >>> m = nn.functional.leaky_relu
    >>> m(al.tensor([-2.0, 3.0]))
    tensor([-0.02,  3.  ])
    """
    return autograd_lite.leaky_relu(x, negative_slope)


def sigmoid(x: Tensor) -> Tensor:
    """1 / (1 + e^-x).

    Shape: input (*), any shape; output the same shape.

    Examples
    --------
    >>> m = nn.functional.sigmoid
    >>> m(al.tensor([0.0]))
    tensor([0.5])
    """
    return autograd_lite.sigmoid(x)


def tanh(x: Tensor) -> Tensor:
    """Hyperbolic tangent.

    Shape: input (*), any shape; output the same shape.

    Examples
    --------
    >>> m = nn.functional.tanh
    >>> m(al.tensor([0.0]))
    tensor([0.])
    """
    return autograd_lite.tanh(x)


def elu(x: Tensor, alpha: float = 1.0) -> Tensor:
    """x where x > 0, else alpha · (e^x - 1).

    Shape: input (*), any shape; output the same shape.

    Examples
    --------
    >>> m = nn.functional.elu
    >>> m(al.tensor([-1.0, 2.0]))
    tensor([-0.6321,  2.    ])
    """
    return autograd_lite.elu(x, alpha)


def softmax(x: Tensor, dim: int = -1) -> Tensor:
    """e^x / Σ e^x along ``dim``.

    Shape: input (*), any shape; output the same shape.

    Examples
    --------
    >>> m = nn.functional.softmax
    >>> m(al.tensor([1.0, 1.0]))
    tensor([0.5, 0.5])
    """
    return autograd_lite.softmax(x, dim)


def log_softmax(x: Tensor, dim: int = -1) -> Tensor:
    """log softmax(x) along ``dim``, computed stably.

    Shape: input (*), any shape; output the same shape.

    Examples
    --------
    >>> m = nn.functional.log_softmax
    >>> m(al.tensor([1.0, 2.0, 3.0]))
    tensor([-2.4076, -1.4076, -0.4076])
    """
    return autograd_lite.log_softmax(x, dim)


# -- layers ---------------------------------------------------------------------------------


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """x @ weight.T + bias: x (..., in), weight (out, in), bias (out,) -> (..., out).

    Examples
    --------
    >>> nn.functional.linear(al.ones(4, 3), al.ones(2, 3), al.tensor([0.0, 1.0]))[0]
    tensor([3., 4.])
    """
    return autograd_lite.linear(x, weight, bias)


def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dimensions start_dim..end_dim into one (``torch.flatten``).

    Examples
    --------
    >>> nn.functional.flatten(al.zeros(2, 3, 4), start_dim=1).shape
    (2, 12)
    """
    return autograd_lite.flatten(x, start_dim, end_dim)


def pad(x: Tensor, pad: Sequence[int], mode: str = "constant", value: float = 0.0) -> Tensor:
    """Constant padding; ``pad`` = (left, right, top, bottom, ...) for the last axes first.

    Examples
    --------
    >>> nn.functional.pad(al.ones(1, 2, 2), (1, 1, 0, 0)).shape
    (1, 2, 4)
    """
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

    Shape: output the same as ``x``.

    Examples
    --------
    >>> y = nn.functional.dropout(al.ones(1000), p=0.2)
    >>> round(float((y == 0).float().mean()), 1)
    0.2
    >>> nn.functional.dropout(al.ones(3), p=0.2, training=False)
    tensor([1., 1., 1.])
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
    over every axis but 1, and the running statistics are updated in place::

        running = (1 - momentum) · running + momentum · batch statistic

    (the unbiased variance for ``running_var``, as PyTorch). Otherwise the running
    statistics are used. Then y = x̂ · weight + bias, per channel.

    The backward comes from the composite: mean, variance and division are all recorded.

    Examples
    --------
    >>> x = al.tensor([[1.0, 10.0], [3.0, 30.0]])
    >>> nn.functional.batch_norm(x, None, None, training=True)
    tensor([[-1., -1.],
            [ 1.,  1.]])
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
            # ... but counted, so a graph recorded in eval mode refuses the new values
            autograd_lite.increment_version(running_mean)
            autograd_lite.increment_version(running_var)
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
