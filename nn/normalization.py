"""Batch normalization (Ioffe & Szegedy 2015): normalize each channel over the batch.

While training, each channel c is normalized with the statistics of the current batch,

    x̂ = (x - mean_c) / √(var_c + eps),    y = weight_c · x̂ + bias_c

and running estimates are kept for evaluation (PyTorch's rule):

    running_mean = (1 - momentum) · running_mean + momentum · mean_c
    running_var  = (1 - momentum) · running_var  + momentum · var_c · n / (n - 1)   (unbiased)

In eval mode the running estimates replace the batch statistics, so one example's output
no longer depends on the rest of its batch. ``momentum=None`` averages all batches seen
equally (a cumulative average).
"""

from __future__ import annotations

import numpy as np

import autograd_lite
from autograd_lite import ShapeError, Tensor
from nn.functional import batch_norm
from nn.layer_utils import check_size, input_shape
from nn.module import Module, Parameter


class _BatchNorm(Module):
    _expected_dims: tuple[int, ...] = ()
    _layout: str = ""

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        self.num_features = check_size(num_features, "num_features", name)
        if not eps > 0:
            raise ValueError(f"{name}: eps must be positive, got {eps!r}")
        if momentum is not None and not 0.0 <= momentum <= 1.0:
            raise ValueError(f"{name}: momentum must be in [0, 1] or None, got {momentum!r}")
        self.eps, self.momentum = eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        dtype = autograd_lite.get_default_dtype()
        if affine:
            self.weight = Parameter(np.ones(num_features, dtype=dtype))
            self.bias = Parameter(np.zeros(num_features, dtype=dtype))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", Tensor(np.zeros(num_features, dtype=dtype)))
            self.register_buffer("running_var", Tensor(np.ones(num_features, dtype=dtype)))
            self.register_buffer("num_batches_tracked", Tensor(np.array(0, dtype=np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, no batches seen."""
        if self.track_running_stats:
            for buffer, value in [
                (self.running_mean, 0),
                (self.running_var, 1),
                (self.num_batches_tracked, 0),
            ]:
                buffer.data[...] = value
                autograd_lite.increment_version(buffer)  # in place: a recorded graph sees it

    def forward(self, x: Tensor) -> Tensor:
        where = f"{type(self).__name__}({self.extra_repr()})"
        shape = input_shape(x, where)
        if len(shape) not in self._expected_dims or shape[1] != self.num_features:
            problem = (
                f"has {shape[1]} features (dimension 1), expected {self.num_features}"
                if len(shape) in self._expected_dims
                else f"has {len(shape)} dimension(s), expected {self._layout}"
            )
            raise ShapeError(f"{where}: input of shape {shape} {problem}")
        momentum = self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.data += 1
            if momentum is None:  # a cumulative average of all batches so far
                momentum = 1.0 / float(self.num_batches_tracked.data)
        # Without running statistics, the batch's own are used in eval mode too (as PyTorch).
        return batch_norm(
            x,
            self.running_mean,
            self.running_var,
            self.weight,
            self.bias,
            training=self.training or not self.track_running_stats,
            momentum=0.0 if momentum is None else momentum,
            eps=self.eps,
        )

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(_BatchNorm):
    """Batch normalization of (N, C) features or (N, C, L) sequences, per channel C
    (statistics over N, and L).

    Shape: input (N, C) or (N, C, L), output the same shape; weight, bias, running_mean and
    running_var are (C,).

    Parameters
    ----------
    num_features : int
        C, the number of channels (features).
    eps : float
        Added to the variance before the square root.
    momentum : float or None
        The weight of each batch in the running averages (None: a plain cumulative average).
    affine : bool
        Learn a per-channel scale (weight, starting at 1) and shift (bias, starting at 0).
    track_running_stats : bool
        Keep running averages for eval mode (otherwise batch statistics are used in both modes).

    Notes
    -----
    y = (x - mean) / √(var + eps) · weight + bias, per channel: the batch's statistics in
    training mode, the running averages (updated while training) in eval mode.

    Examples
    --------
    >>> bn = nn.BatchNorm1d(2)
    >>> x = al.tensor([[1.0, 10.0], [3.0, 30.0]])
    >>> bn(x)
    tensor([[-1., -1.],
            [ 1.,  1.]], grad_fn=<Add>)
    >>> bn.running_mean
    tensor([0.2, 2. ])
    """

    _expected_dims = (2, 3)
    _layout = "(N, C) or (N, C, L)"


class BatchNorm2d(_BatchNorm):
    """Batch normalization of (N, C, H, W) images, per channel C (statistics over N, H, W).

    Shape: input (N, C, H, W), output the same shape; the parameters and running
    statistics are (C,).

    Examples
    --------
    >>> bn = nn.BatchNorm2d(3)
    >>> y = bn(al.randn(4, 3, 5, 5))
    >>> y.shape
    (4, 3, 5, 5)
    >>> bool(abs(y.mean()) < 1e-5)
    True
    """

    _expected_dims = (4,)
    _layout = "(N, C, H, W)"
