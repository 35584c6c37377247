"""Convolution and pooling on NCHW images, each a fused primitive (one node per call).

All of them look at the (padded) input through *windows*: window (i, j) is the
kh x kw patch whose top-left corner is at (s·i, s·j). Two NumPy tricks keep them free
of Python loops over pixels, channels and the batch:

- **im2col** (convolution). ``np.lib.stride_tricks.as_strided`` gives a view of every
  window without copying; reshaping it to columns (N, C·kh·kw, H'·W') makes the one copy,
  and the convolution becomes one matrix product with the weights (F, C·kh·kw).
- **one strided slice per kernel offset** (pooling, and the way gradients go back to
  the image). ``x[:, :, u::s, v::s]`` (cut to H' x W') holds element (u, v) of every
  window, so a loop over the kh·kw offsets (9 for a 3x3 kernel) touches every window at
  once. Gradients flowing back into the image are added offset by offset in the same
  way — overlapping windows simply add up, without ``np.add.at``.

Every backward here is itself made of these Functions (convolution's gradients are
convolutions, max pooling's gradient is a scatter whose gradient is a gather), so
second derivatives (``create_graph=True``) work too.

Output size of every op: H' = (H + 2·padding - kh) // stride + 1 (and likewise W').
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

from autograd_lite.errors import ShapeError, fmt_shape
from autograd_lite.forward_ad import is_zero
from autograd_lite.function import Function
from autograd_lite.tensor import Tensor

__all__ = [
    "avg_pool2d",
    "conv2d",
    "max_pool2d",
]


Pair = tuple[int, int]


IntOrPair = int | tuple[int, int]


def pair(value: IntOrPair, what: str, where: str, minimum: int = 1) -> Pair:
    """``3`` -> ``(3, 3)``; ``(3, 2)`` stays; anything else (or < ``minimum``): ValueError."""
    vals = (value, value) if isinstance(value, (int, np.integer)) else tuple(value)
    if len(vals) != 2 or any(
        isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < minimum for v in vals
    ):
        raise ValueError(
            f"{where}: {what} must be an int >= {minimum} or a pair of them, got {value!r}"
        )
    return int(vals[0]), int(vals[1])


def output_size(x_shape: tuple, kernel: Pair, stride: Pair, padding: Pair, where: str) -> Pair:
    """(H', W') for an NCHW input; ShapeError if it is not 4-D or the kernel does not fit."""
    if len(x_shape) != 4:
        raise ShapeError(
            f"{where}: expected a 4-D input (N, C, H, W), got shape {fmt_shape(x_shape)}"
        )
    h, w = x_shape[2] + 2 * padding[0], x_shape[3] + 2 * padding[1]
    if kernel[0] > h or kernel[1] > w:
        raise ShapeError(
            f"{where}: kernel {kernel[0]}x{kernel[1]} is larger than the padded input "
            f"{h}x{w} (input shape {fmt_shape(x_shape)}, padding {padding[0]}x{padding[1]})"
        )
    return (h - kernel[0]) // stride[0] + 1, (w - kernel[1]) // stride[1] + 1


def _pad(x: np.ndarray, padding: Pair, value: float = 0.0) -> np.ndarray:
    ph, pw = padding
    if ph == 0 and pw == 0:
        return x
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=value)


def _offsets(
    xp: np.ndarray, kernel: Pair, stride: Pair, out: Pair
) -> Iterator[tuple[int, np.ndarray]]:
    """For each kernel offset (u, v), number t = u·kw + v, the view ``xp[:, :, u + s·i, v + s·j]``
    over all windows (i, j): shape (N, C, H', W'). Views, not copies; writable if xp is."""
    (kh, kw), (sh, sw), (ho, wo) = kernel, stride, out
    for u in range(kh):
        for v in range(kw):
            yield (
                u * kw + v,
                xp[:, :, u : u + sh * (ho - 1) + 1 : sh, v : v + sw * (wo - 1) + 1 : sw],
            )


def _im2col(x: np.ndarray, kernel: Pair, stride: Pair, padding: Pair, out: Pair) -> np.ndarray:
    """Every window as a column: (N, C, H, W) -> (N, C·kh·kw, H'·W') (one copy)."""
    xp = _pad(x, padding)
    n, c = xp.shape[:2]
    sn, sc, s_h, s_w = xp.strides
    windows = as_strided(  # (N, C, kh, kw, H', W'), a read-only view
        xp,
        shape=(n, c, *kernel, *out),
        strides=(sn, sc, s_h, s_w, s_h * stride[0], s_w * stride[1]),
        writeable=False,
    )
    return windows.reshape(n, c * kernel[0] * kernel[1], out[0] * out[1])


def _col2im(
    parts: np.ndarray, x_shape: tuple, kernel: Pair, stride: Pair, padding: Pair, out: Pair
) -> np.ndarray:
    """The adjoint of ``_im2col``: add every window entry back to the pixel it came from.

    parts: (kh·kw, N, C, H', W'), ``parts[u·kw + v]`` holding entry (u, v) of every window
    -> (N, C, H, W). Overlapping windows add up: one strided add per kernel offset. When the
    windows tile the padded image exactly (stride == kernel) no pixel is shared, and each
    offset's slice is simply assigned.
    """
    n, c, h, w = x_shape
    (ph, pw), hp, wp = padding, h + 2 * padding[0], w + 2 * padding[1]
    if stride == kernel and (hp, wp) == (out[0] * kernel[0], out[1] * kernel[1]):
        gxp = np.empty((n, c, hp, wp), dtype=parts.dtype)
        for t, view in _offsets(gxp, kernel, stride, out):
            view[...] = parts[t]
    else:
        gxp = np.zeros((n, c, hp, wp), dtype=parts.dtype)
        for t, view in _offsets(gxp, kernel, stride, out):
            view += parts[t]
    return gxp[:, :, ph : ph + h, pw : pw + w] if ph or pw else gxp


def _cols_to_parts(cols: np.ndarray, c: int, kernel: Pair, out: Pair) -> np.ndarray:
    """im2col layout (N, C·kh·kw, H'·W') -> (kh·kw, N, C, H', W'), a view (no copy)."""
    return cols.reshape(cols.shape[0], c, kernel[0] * kernel[1], *out).transpose(2, 0, 1, 3, 4)


class Conv2dFunction(Function):
    """2-D convolution (cross-correlation, as in every deep-learning library).

    x: (N, C, H, W), w: (F, C, kh, kw), b: (F,) -> y: (N, F, H', W')

        y[n, f, i, j] = b[f] + Σ_{c,u,v} x_pad[n, c, s·i + u, s·j + v] · w[f, c, u, v]

    Forward: im2col, then one matmul (F, C·kh·kw) @ (N, C·kh·kw, H'·W').
    dL/dx = conv_transpose(G, w)  — each output gradient spread back over its window
    dL/dw = Σ_n G @ colsᵀ          — each window weighted by its output gradient
    dL/db = Σ_{n,i,j} G
    """

    label = "conv2d"

    def forward(self, x, w, b=None, *, stride, padding):
        self.geometry = geometry = _conv_geometry(x.shape, w.shape, b, stride, padding)
        kernel, out = geometry["kernel"], geometry["out"]
        self.cols = _im2col(x, kernel, stride, padding, out)  # reused by dL/dw
        y = np.matmul(w.reshape(w.shape[0], -1), self.cols)  # (N, F, H'·W')
        if b is not None:
            y += b[:, None]
        return y.reshape(x.shape[0], w.shape[0], *out)

    def backward(self, g):
        x, w = self.inputs[0], self.inputs[1]
        need = self.needs_input_grad
        gx = Conv2dInputGrad.apply(g, w, x_shape=x.shape, **self.geometry) if need[0] else None
        gw = Conv2dWeightGrad.apply(x, g, cols=self.cols, **self.geometry) if need[1] else None
        if len(self.inputs) == 2:
            return gx, gw
        return gx, gw, (g.sum(axis=(0, 2, 3)) if need[2] else None)

    def jvp(self, tx, tw, tb=None):
        x, w = self.inputs[0], self.inputs[1]
        s, p = self.geometry["stride"], self.geometry["padding"]
        ty = _product_rule(Conv2dFunction, x, w, tx, tw, stride=s, padding=p)
        return ty if tb is None else ty + tb.reshape(-1, 1, 1)  # ḃ for every pixel


def conv2d(
    x: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: IntOrPair = 1,
    padding: IntOrPair = 0,
) -> Tensor:
    """2-D convolution: x (N, C, H, W), weight (F, C, kh, kw), bias (F,) -> (N, F, H', W'),
    H' = (H + 2·padding - kh) // stride + 1.

    Parameters
    ----------
    x : Tensor of shape (N, C, H, W)
        A batch of images with C channels.
    weight : Tensor of shape (F, C, kh, kw)
        F kernels, each across all C input channels.
    bias : Tensor of shape (F,), optional
        One bias per output channel.
    stride, padding : int or (int, int)
        The step between kernel positions; the zeros added on each side of H and W.

    Returns
    -------
    Tensor of shape (N, F, H', W')
        H' = (H + 2·padding - kh) // stride + 1, W' likewise.

    Notes
    -----
    out[n, f, i, j] = bias[f] + Σ_c Σ_u Σ_v x[n, c, i·stride + u, j·stride + v] · weight[f, c, u, v]
    (over the padded x): PyTorch's cross-correlation. Computed as one matmul over im2col
    columns; the backward is two matmuls and a col2im.

    Examples
    --------
    >>> x = al.ones(1, 1, 4, 4)
    >>> w = al.ones(2, 1, 3, 3)
    >>> y = al.conv2d(x, w, stride=1, padding=1)
    >>> y.shape
    (1, 2, 4, 4)
    >>> y[0, 0]
    tensor([[4., 6., 6., 4.],
            [6., 9., 9., 6.],
            [6., 9., 9., 6.],
            [4., 6., 6., 4.]])
    """
    stride = pair(stride, "stride", "conv2d")
    padding = pair(padding, "padding", "conv2d", minimum=0)
    if bias is None:
        return Conv2dFunction.apply(x, weight, stride=stride, padding=padding)
    return Conv2dFunction.apply(x, weight, bias, stride=stride, padding=padding)


class Conv2dInputGrad(Function):
    """dL/dx of a convolution (a "transposed convolution"): G: (N, F, H', W'), w -> (N, C, H, W).

        dx = col2im(wᵀ @ G)   (C·kh·kw, F) @ (N, F, H'·W'), then every entry back to its pixel

    It is linear in G and in w; its own gradients, for an upstream H: (N, C, H, W):
    dL/dG = conv2d(H, w),  dL/dw = Σ_n G ⋆ H (Conv2dWeightGrad).
    """

    label = "conv2d_input_grad"

    def forward(self, g, w, *, x_shape, kernel, stride, padding, out):
        self.geometry = dict(kernel=kernel, stride=stride, padding=padding, out=out)
        self.x_shape = x_shape
        n, f = g.shape[:2]
        cols = np.matmul(w.reshape(f, -1).T, g.reshape(n, f, -1))  # (N, C·kh·kw, H'·W')
        parts = _cols_to_parts(cols, x_shape[1], kernel, out)
        return _col2im(parts, x_shape, kernel, stride, padding, out)

    def backward(self, h):
        g, w = self.inputs
        need = self.needs_input_grad
        geometry = self.geometry
        dg = None
        if need[0]:
            dg = Conv2dFunction.apply(h, w, stride=geometry["stride"], padding=geometry["padding"])
        dw = Conv2dWeightGrad.apply(h, g, **geometry) if need[1] else None
        return dg, dw

    def jvp(self, tg, tw):
        g, w = self.inputs
        return _product_rule(Conv2dInputGrad, g, w, tg, tw, x_shape=self.x_shape, **self.geometry)


class Conv2dWeightGrad(Function):
    """dL/dw of a convolution: x: (N, C, H, W), G: (N, F, H', W') -> (F, C, kh, kw).

        dw = Σ_n G[n] @ cols[n]ᵀ   (F, H'·W') @ (H'·W', C·kh·kw), summed over the batch

    ``cols`` (the forward's im2col of x) is reused when given. Linear in x and in G;
    for an upstream H: (F, C, kh, kw): dL/dx = conv_transpose(G, H), dL/dG = conv2d(x, H).
    """

    label = "conv2d_weight_grad"

    def forward(self, x, g, *, kernel, stride, padding, out, cols=None):
        self.geometry = dict(kernel=kernel, stride=stride, padding=padding, out=out)
        if cols is None:
            cols = _im2col(x, kernel, stride, padding, out)
        n, f = g.shape[:2]
        # A batched matmul, then the sum over the batch: faster than one tensordot, which
        # would first copy G and cols into (F, N·H'·W') and (N·H'·W', C·kh·kw).
        gw = np.matmul(g.reshape(n, f, -1), cols.transpose(0, 2, 1)).sum(axis=0)
        return gw.reshape(f, x.shape[1], *kernel)

    def backward(self, h):
        x, g = self.inputs
        need = self.needs_input_grad
        geometry = self.geometry
        dx = Conv2dInputGrad.apply(g, h, x_shape=x.shape, **geometry) if need[0] else None
        dg = None
        if need[1]:
            dg = Conv2dFunction.apply(x, h, stride=geometry["stride"], padding=geometry["padding"])
        return dx, dg

    def jvp(self, tx, tg):
        x, g = self.inputs
        return _product_rule(Conv2dWeightGrad, x, g, tx, tg, **self.geometry)


def _product_rule(op: type[Function], a: Any, b: Any, ta: Any, tb: Any, **params: Any) -> Any:
    """The tangent of ``op(a, b)`` for an op linear in each input (a convolution and its
    gradients): op(ȧ, b) + op(a, ḃ), leaving out the term of an input that does not move."""
    if is_zero(tb):  # (both zero, e.g. only a bias moves: a zero of the right shape)
        return op.apply(ta, b, **params)
    if is_zero(ta):
        return op.apply(a, tb, **params)
    return op.apply(ta, b, **params) + op.apply(a, tb, **params)


def _conv_geometry(x_shape: tuple, w_shape: tuple, b: Any, stride: Pair, padding: Pair) -> dict:
    if len(w_shape) != 4:
        raise ShapeError(
            f"conv2d: weight must be 4-D (out_channels, in_channels, kh, kw), got shape "
            f"{fmt_shape(w_shape)}"
        )
    kernel = (int(w_shape[2]), int(w_shape[3]))
    out = output_size(x_shape, kernel, stride, padding, "conv2d")
    if x_shape[1] != w_shape[1]:
        raise ShapeError(
            f"conv2d: input of shape {fmt_shape(x_shape)} has {x_shape[1]} channels but the "
            f"weight of shape {fmt_shape(w_shape)} expects {w_shape[1]} (its second dimension)"
        )
    if b is not None and np.shape(b) != (w_shape[0],):
        raise ShapeError(
            f"conv2d: bias of shape {fmt_shape(np.shape(b))} does not fit weight of shape "
            f"{fmt_shape(w_shape)}: it must be ({w_shape[0]},), one per output channel"
        )
    return dict(kernel=kernel, stride=stride, padding=padding, out=out)


class MaxPool2dFunction(Function):
    """Max pooling: the largest value of each window, channel by channel.

    x: (N, C, H, W) -> y: (N, C, H', W')

        y[n, c, i, j] = max_{u,v} x_pad[n, c, s·i + u, s·j + v]

    Padding counts as -inf, so it is never the maximum. The whole gradient of a window goes
    to its maximum — the first one in row-major order if several tie, as in PyTorch (after
    a ReLU, whole windows of zeros tie). dL/dx = G scattered to those positions.
    """

    label = "max_pool2d"

    def forward(self, x, *, kernel, stride, padding):
        out = output_size(x.shape, kernel, stride, padding, "max_pool2d")
        self.geometry = dict(kernel=kernel, stride=stride, padding=padding, out=out)
        # A running maximum over the kernel offsets: kh·kw fast passes over strided views.
        y = None
        for _, view in _offsets(_pad(x, padding, -np.inf), kernel, stride, out):
            y = view.copy() if y is None else np.maximum(y, view, out=y)
        return y

    def backward(self, g):
        x_shape = self.inputs[0].shape
        return MaxPool2dScatter.apply(g, masks=self._masks(), x_shape=x_shape, **self.geometry)

    def jvp(self, tx):
        return MaxPool2dGather.apply(tx, masks=self._masks(), **self.geometry)  # ẋ at the maxima

    def _masks(self) -> np.ndarray:
        """Where each window's maximum is, (kh·kw, N, C, H', W'), one True per window: found
        only when a derivative asks, so inference never pays for it."""
        x, geometry, y = self.inputs[0].data, self.geometry, self.output.data
        kernel, stride, out = geometry["kernel"], geometry["stride"], geometry["out"]
        masks = np.empty((kernel[0] * kernel[1], *y.shape), dtype=bool)
        found = np.zeros(y.shape, dtype=bool)
        for t, view in _offsets(_pad(x, geometry["padding"], -np.inf), kernel, stride, out):
            # is the maximum and none was found before (for bools, a > b is a and not b)
            np.greater(view == y, found, out=masks[t])
            found |= masks[t]
        return masks


def max_pool2d(
    x: Tensor, kernel_size: IntOrPair, stride: IntOrPair | None = None, padding: IntOrPair = 0
) -> Tensor:
    """Max over each kh x kw window: (N, C, H, W) -> (N, C, H', W'); stride defaults to the
    kernel size (non-overlapping windows).

    Notes
    -----
    The gradient goes to the largest element of each window.

    Examples
    --------
    >>> x = al.arange(16.0).reshape(1, 1, 4, 4)
    >>> al.max_pool2d(x, 2)
    tensor([[[[ 5.,  7.],
              [13., 15.]]]])
    """
    return MaxPool2dFunction.apply(x, **pool_args(kernel_size, stride, padding, "max_pool2d"))


class MaxPool2dScatter(Function):
    """dL/dx of max pooling: G: (N, C, H', W') -> (N, C, H, W), each G[n, c, i, j] put at the
    maximum of window (i, j) (``masks``: (kh·kw, N, C, H', W'), one True per window), zero
    elsewhere. Linear in G; its gradient gathers (MaxPool2dGather)."""

    label = "max_pool2d_backward"

    def forward(self, g, *, masks, x_shape, kernel, stride, padding, out):
        self.saved = dict(masks=masks, kernel=kernel, stride=stride, padding=padding, out=out)
        self.x_shape = x_shape
        return _col2im(masks * g, x_shape, kernel, stride, padding, out)

    def backward(self, h):
        return MaxPool2dGather.apply(h, **self.saved)

    def jvp(self, tg):
        return MaxPool2dScatter.apply(tg, x_shape=self.x_shape, **self.saved)  # linear in G


class MaxPool2dGather(Function):
    """Each window's value at its maximum's position: H: (N, C, H, W) -> (N, C, H', W') —
    max pooling with the positions fixed (linear in H). Its gradient scatters."""

    label = "max_pool2d_gather"

    def forward(self, h, *, masks, kernel, stride, padding, out):
        self.saved = dict(
            masks=masks, x_shape=h.shape, kernel=kernel, stride=stride, padding=padding, out=out
        )
        y = np.zeros(masks.shape[1:], dtype=h.dtype)
        for t, view in _offsets(_pad(h, padding), kernel, stride, out):
            y += view * masks[t]
        return y

    def backward(self, g):
        return MaxPool2dScatter.apply(g, **self.saved)

    def jvp(self, th):
        saved = {k: v for k, v in self.saved.items() if k != "x_shape"}
        return MaxPool2dGather.apply(th, **saved)  # linear in H


class AvgPool2dFunction(Function):
    """Average pooling: the mean of each window (padding counts as zeros and is included in
    the count, PyTorch's default ``count_include_pad=True``).

    x: (N, C, H, W) -> y: (N, C, H', W')

        y[n, c, i, j] = 1/(kh·kw) Σ_{u,v} x_pad[n, c, s·i + u, s·j + v]

    dL/dx: every pixel of window (i, j) receives G[n, c, i, j] / (kh·kw) (AvgPool2dBackward).
    """

    label = "avg_pool2d"

    def forward(self, x, *, kernel, stride, padding):
        out = output_size(x.shape, kernel, stride, padding, "avg_pool2d")
        self.geometry = dict(kernel=kernel, stride=stride, padding=padding, out=out)
        y = None
        for _, view in _offsets(_pad(x, padding), kernel, stride, out):
            y = view.copy() if y is None else np.add(y, view, out=y)
        y *= y.dtype.type(1.0 / (kernel[0] * kernel[1]))
        return y

    def backward(self, g):
        return AvgPool2dBackward.apply(g, x_shape=self.inputs[0].shape, **self.geometry)

    def jvp(self, tx):
        geometry = {k: v for k, v in self.geometry.items() if k != "out"}
        return AvgPool2dFunction.apply(tx, **geometry)  # linear: the mean of the tangents


def avg_pool2d(
    x: Tensor, kernel_size: IntOrPair, stride: IntOrPair | None = None, padding: IntOrPair = 0
) -> Tensor:
    """Mean over each kh x kw window: (N, C, H, W) -> (N, C, H', W'); stride defaults to the
    kernel size.

    Examples
    --------
    >>> x = al.arange(16.0).reshape(1, 1, 4, 4)
    >>> al.avg_pool2d(x, 2)
    tensor([[[[ 2.5,  4.5],
              [10.5, 12.5]]]])
    """
    return AvgPool2dFunction.apply(x, **pool_args(kernel_size, stride, padding, "avg_pool2d"))


class AvgPool2dBackward(Function):
    """dL/dx of average pooling: G: (N, C, H', W') -> (N, C, H, W), G / (kh·kw) spread over
    each window (overlaps add up). Linear; its gradient is average pooling again."""

    label = "avg_pool2d_backward"

    def forward(self, g, *, x_shape, kernel, stride, padding, out):
        self.geometry = dict(kernel=kernel, stride=stride, padding=padding)
        self.x_shape, self.out = x_shape, out
        k = kernel[0] * kernel[1]
        share = g * g.dtype.type(1.0 / k)
        parts = np.broadcast_to(share, (k, *share.shape))  # every offset gets the same share
        return _col2im(parts, x_shape, kernel, stride, padding, out)

    def backward(self, h):
        return AvgPool2dFunction.apply(h, **self.geometry)

    def jvp(self, tg):
        return AvgPool2dBackward.apply(tg, x_shape=self.x_shape, out=self.out, **self.geometry)


def pool_args(
    kernel_size: IntOrPair, stride: IntOrPair | None, padding: IntOrPair, where: str
) -> dict:
    """The checked (kernel, stride, padding) pairs of a pooling op (stride defaults to kernel)."""
    kernel = pair(kernel_size, "kernel_size", where)
    stride = kernel if stride is None else pair(stride, "stride", where)
    padding = pair(padding, "padding", where, minimum=0)
    if padding[0] > kernel[0] // 2 or padding[1] > kernel[1] // 2:
        # Beyond half a kernel, a window could hold nothing but padding.
        raise ValueError(
            f"{where}: padding {padding} must be at most half the kernel size {kernel}"
        )
    return dict(kernel=kernel, stride=stride, padding=padding)
