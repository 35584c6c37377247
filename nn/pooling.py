"""Pooling layers: the max or the mean of each window, channel by channel."""

from __future__ import annotations

from autograd_lite import Tensor, avg_pool2d, max_pool2d
from autograd_lite.ops.conv import IntOrPair, output_size, pool_args
from nn.layer_utils import input_shape
from nn.module import Module


class _Pool2d(Module):
    def __init__(
        self, kernel_size: IntOrPair, stride: IntOrPair | None = None, padding: IntOrPair = 0
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding
        # Check the sizes now rather than at the first forward.
        self._args = pool_args(kernel_size, stride, padding, type(self).__name__)

    def _check_input(self, x: Tensor) -> None:
        where = f"{type(self).__name__}({self.extra_repr()})"
        shape = input_shape(x, where)
        output_size(shape, self._args["kernel"], self._args["stride"], self._args["padding"], where)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxPool2d(_Pool2d):
    """Max over each kernel_size window: (N, C, H, W) -> (N, C, H', W'); stride defaults to
    kernel_size (non-overlapping windows). The gradient goes to each window's maximum.

    Parameters
    ----------
    kernel_size : int or (int, int)
        The window's height and width (kh, kw).
    stride : int or (int, int), optional
        The step between windows; the kernel size by default (windows do not overlap).
    padding : int or (int, int)
        Added on each side of H and W, as -inf (so never the maximum).

    Examples
    --------
    >>> pool = nn.MaxPool2d(2)
    >>> pool(al.arange(16.0).reshape(1, 1, 4, 4))
    tensor([[[[ 5.,  7.],
              [13., 15.]]]])
    """

    def forward(self, x: Tensor) -> Tensor:
        self._check_input(x)
        return max_pool2d(x, self.kernel_size, self.stride, self.padding)


class AvgPool2d(_Pool2d):
    """Mean over each kernel_size window: (N, C, H, W) -> (N, C, H', W'); padding counts as
    zeros in the mean. The gradient is shared equally by each window's elements.

    Parameters
    ----------
    kernel_size : int or (int, int)
        The window's height and width (kh, kw).
    stride : int or (int, int), optional
        The step between windows; the kernel size by default (windows do not overlap).
    padding : int or (int, int)
        Zeros added on each side of H and W (counted in the mean).

    Examples
    --------
    >>> nn.AvgPool2d(2)(al.ones(8, 3, 32, 32)).shape
    (8, 3, 16, 16)
    """

    def forward(self, x: Tensor) -> Tensor:
        self._check_input(x)
        return avg_pool2d(x, self.kernel_size, self.stride, self.padding)
