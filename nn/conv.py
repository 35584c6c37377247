"""2-D convolution layer (NCHW images)."""

from __future__ import annotations

from autograd_lite import ShapeError, Tensor, conv2d
from autograd_lite.ops.conv import IntOrPair, output_size, pair
from nn.layer_utils import add_weight_and_bias, check_size, input_shape
from nn.module import Module


class Conv2d(Module):
    """2-D convolution: x (N, C_in, H, W) -> (N, C_out, H', W'), H' = (H + 2p - kh) // s + 1.

    weight: (out_channels, in_channels, kh, kw), bias: (out_channels,). Each output channel
    slides its kernel over all input channels::

        y[n, f, i, j] = bias[f] + Σ_{c,u,v} x_pad[n, c, s·i + u, s·j + v] · weight[f, c, u, v]

    One fused op (``autograd_lite.conv2d``, the Function ``Conv2dFunction``: im2col and
    one matmul).

    Shape: input (N, C_in, H, W), output (N, C_out, H', W') with
    H' = (H + 2·padding - kh) // stride + 1 (W' likewise).

    Parameters
    ----------
    in_channels, out_channels : int
        C_in and C_out: the channels of the input and of the output (one kernel each).
    kernel_size : int or (int, int)
        The kernel's height and width (kh, kw).
    stride : int or (int, int)
        The step between kernel positions.
    padding : int or (int, int)
        Zeros added on each side of H and W (``padding=(k - 1) // 2`` keeps the size for odd k).
    bias : bool
        Learn one bias per output channel.

    Examples
    --------
    >>> conv = nn.Conv2d(1, 8, kernel_size=3, padding=1)
    >>> conv.weight.shape, conv.bias.shape
    ((8, 1, 3, 3), (8,))
    >>> conv(al.ones(2, 1, 28, 28)).shape
    (2, 8, 28, 28)
    >>> nn.Conv2d(3, 4, 5, stride=2)(al.ones(1, 3, 32, 32)).shape
    (1, 4, 14, 14)
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: IntOrPair,
        stride: IntOrPair = 1,
        padding: IntOrPair = 0,
        bias: bool = True,
    ) -> None:
        super().__init__()
        self.in_channels = check_size(in_channels, "in_channels", "Conv2d")
        self.out_channels = check_size(out_channels, "out_channels", "Conv2d")
        self.kernel_size = pair(kernel_size, "kernel_size", "Conv2d")
        self.stride = pair(stride, "stride", "Conv2d")
        self.padding = pair(padding, "padding", "Conv2d", minimum=0)
        add_weight_and_bias(self, (out_channels, in_channels, *self.kernel_size), bias)

    def forward(self, x: Tensor) -> Tensor:
        where = f"Conv2d({self.extra_repr()})"
        shape = input_shape(x, where)
        if len(shape) != 4 or shape[1] != self.in_channels:
            raise ShapeError(
                f"{where}: input of shape {shape} "
                + (
                    f"has {shape[1]} channels, expected {self.in_channels}"
                    if len(shape) == 4
                    else f"is not 4-D; expected (N, {self.in_channels}, H, W)"
                )
            )
        output_size(shape, self.kernel_size, self.stride, self.padding, where)
        return conv2d(x, self.weight, self.bias, self.stride, self.padding)

    def extra_repr(self) -> str:
        s = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}"
        )
        if self.padding != (0, 0):
            s += f", padding={self.padding}"
        if self.bias is None:
            s += ", bias=False"
        return s
