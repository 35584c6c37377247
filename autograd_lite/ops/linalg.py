"""Matrix products: matmul (1-D, 2-D, batched) and the fused affine map of a dense layer.

For C = A @ B with A: (m, k), B: (k, n) and upstream gradient G = dL/dC: (m, n):

    dL/dA = G @ Bᵀ   (m, n) @ (n, k) -> (m, k)
    dL/dB = Aᵀ @ G   (k, m) @ (m, n) -> (k, n)

— the only shapes that fit, which is a good way to remember them (cs231n).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_lite.errors import ShapeError, fmt_shape
from autograd_lite.function import Function
from autograd_lite.tensor import Tensor

__all__ = [
    "linear",
    "matmul",
]


class MatMul(Function):
    """a @ b with NumPy's rules: 1-D operands are vectors, leading axes are batch axes
    (broadcast)."""

    label = "matmul"

    def forward(self, a, b):
        sa, sb = np.shape(a), np.shape(b)
        if len(sa) == 0 or len(sb) == 0:
            raise ShapeError(
                f"matmul: {fmt_shape(sa)} @ {fmt_shape(sb)}: both operands need at least one "
                "dimension (use * for a scalar)"
            )
        k_a, k_b = sa[-1], (sb[0] if len(sb) == 1 else sb[-2])
        if k_a != k_b:
            raise ShapeError(
                f"matmul: {fmt_shape(sa)} @ {fmt_shape(sb)}: inner dimensions {k_a} and {k_b} "
                "differ"
            )
        return np.matmul(a, b)

    def backward(self, g):
        a, b = self.inputs
        need_a, need_b = self.needs_input_grad
        # Treat vectors as matrices: a (k,) as (1, k), b (k,) as (k, 1), and give the
        # gradient back the axes matmul removed for them.
        a_vec, b_vec = np.ndim(a) == 1, np.ndim(b) == 1
        a2 = a.reshape(1, -1) if a_vec else a
        b2 = b.reshape(-1, 1) if b_vec else b
        if a_vec and b_vec:
            g = g.reshape(1, 1)
        elif a_vec:
            g = g.unsqueeze(-2)
        elif b_vec:
            g = g.unsqueeze(-1)
        ga = g @ _mT(b2) if need_a else None  # (..., m, k); the engine sums batch axes
        gb = _mT(a2) @ g if need_b else None
        if gb is not None and b_vec:
            gb = gb.squeeze(-1)
        return ga, gb

    def jvp(self, ta, tb):
        a, b = self.inputs
        return ta @ b + a @ tb  # the product rule


def _mT(x: Any) -> Any:
    """Swap the last two axes (the matrix transpose of each matrix in a batch)."""
    if isinstance(x, Tensor):
        return x.transpose(-2, -1)
    return np.swapaxes(x, -2, -1)


class LinearFunction(Function):
    """y = x @ Wᵀ + b, the op behind ``nn.Linear`` (fused: one node, one matmul each way).

    x: (..., in), W: (out, in), b: (out,) -> y: (..., out)
    dL/dx = G @ W,  dL/dW = Gᵀ @ x (summed over the batch),  dL/db = Σ_batch G
    """

    label = "linear"

    def forward(self, x, w, b=None):
        if np.ndim(w) != 2 or np.ndim(x) == 0 or x.shape[-1] != w.shape[1]:
            raise ShapeError(
                f"linear: input of shape {fmt_shape(np.shape(x))} does not fit weight of shape "
                f"{fmt_shape(np.shape(w))}: the input's last dimension must equal the weight's "
                "in_features (its second dimension)"
            )
        out = x @ w.T
        if b is not None:
            out += b  # in place: out is a fresh array
        return out

    def backward(self, g):
        x, w = self.inputs[0], self.inputs[1]
        need = self.needs_input_grad
        n_out, n_in = w.shape
        if g.ndim == 2:
            g2, x2 = g, x
        else:  # (..., out): every leading axis is part of the batch
            g2, x2 = g.reshape(-1, n_out), x.reshape(-1, n_in)
        gx = g @ w if need[0] else None
        gw = g2.T @ x2 if need[1] else None
        if len(self.inputs) == 2:
            return gx, gw
        return gx, gw, (g2.sum(axis=0) if need[2] else None)

    def jvp(self, tx, tw, tb=None):
        x, w = self.inputs[0], self.inputs[1]
        ty = tx @ w.T + x @ tw.T  # the product rule (a weight without tangent: no term)
        return ty if tb is None else ty + tb


def matmul(a: Any, b: Any) -> Tensor:
    """Matrix product ``a @ b`` (vectors, matrices, and batches of matrices)."""
    return MatMul.apply(a, b)


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``x @ weight.T + bias``: x (..., in), weight (out, in), bias (out,) -> (..., out)."""
    if bias is None:
        return LinearFunction.apply(x, weight)
    return LinearFunction.apply(x, weight, bias)
