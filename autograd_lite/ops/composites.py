"""PyTorch's names for products, norms and copies, built from the primitives: dot, mm, bmm,
norm, clone.

Each is a few lines over ``matmul``, ``sum``, ``abs`` ...: the gradient comes from the ops it
is made of, except the 2-norm, a Function of its own (``Norm``) so that its gradient at the
zero vector is 0 (PyTorch's subgradient) instead of 0/0.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograd_lite.errors import ShapeError, fmt_shape
from autograd_lite.function import Function
from autograd_lite.ops.elementary import abs
from autograd_lite.ops.linalg import matmul
from autograd_lite.ops.reduce import Axis, _kept_shape, _spread, amax, amin, normalize_axes, sum
from autograd_lite.ops.selection import where
from autograd_lite.tensor import Tensor, as_array

__all__ = ["bmm", "clone", "dot", "mm", "norm"]


def _ndim(x: Any, where: str) -> int:
    return x.ndim if isinstance(x, Tensor) else as_array(x, where=where).ndim


def dot(a: Any, b: Any) -> Tensor:
    """The dot product. 1-D · 1-D: the inner product Σ a_i·b_i, a 0-d tensor (``torch.dot``).
    As NumPy's ``dot`` (cs231n's ``h.dot(W2)``): 2-D · 2-D is the matrix product, 2-D · 1-D the
    matrix-vector product, a 0-d operand multiplies. PyTorch's ``dot`` takes only 1-D tensors,
    so where both libraries answer they agree; above 2-D, where NumPy's ``dot`` is not
    ``matmul``, it is refused with the names to use instead.

    Shapes: (n,) · (n,) -> (); (n, k) · (k, m) -> (n, m); (n, k) · (k,) -> (n,).

    Examples
    --------
    >>> al.dot(al.tensor([1.0, 2.0, 3.0]), al.tensor([4.0, 5.0, 6.0]))
    tensor(32.)
    """
    na, nb = _ndim(a, "dot"), _ndim(b, "dot")
    if na == 0 or nb == 0:
        return a * b
    if na > 2 or nb > 2:
        raise ShapeError(
            f"dot: operands of {na} and {nb} dimensions; dot takes 1-D or 2-D operands "
            f"(use matmul for batches of matrices, tensordot or einsum for other contractions)"
        )
    return matmul(a, b)


def mm(a: Any, b: Any) -> Tensor:
    """The matrix product of two matrices: (n, k) @ (k, m) -> (n, m), ``torch.mm``.

    Examples
    --------
    >>> al.mm(al.ones(2, 3), al.ones(3, 4)).shape
    (2, 4)
    """
    _check_ndim("mm", (a, b), 2, "2-D matrices (use matmul to broadcast)")
    return matmul(a, b)


def bmm(a: Any, b: Any) -> Tensor:
    """Batched matrix product: (B, n, k) @ (B, k, m) -> (B, n, m), ``torch.bmm``.

    Examples
    --------
    >>> al.bmm(al.ones(5, 2, 3), al.ones(5, 3, 4)).shape
    (5, 2, 4)
    """
    _check_ndim("bmm", (a, b), 3, "3-D batches of matrices (use matmul to broadcast)")
    sa, sb = np.shape(a.data if isinstance(a, Tensor) else a), np.shape(b)
    if sa[0] != sb[0]:
        raise ShapeError(
            f"bmm: batch sizes differ: {fmt_shape(sa)} and {fmt_shape(sb)} (bmm does not "
            f"broadcast; matmul does)"
        )
    return matmul(a, b)


def _check_ndim(where: str, operands: tuple, ndim: int, what: str) -> None:
    shapes = [
        np.shape(x.data if isinstance(x, Tensor) else as_array(x, where=where)) for x in operands
    ]
    if any(len(s) != ndim for s in shapes):
        raise ShapeError(
            f"{where}: expects {what}, got shapes {' and '.join(fmt_shape(s) for s in shapes)}"
        )


class Clone(Function):
    """A copy of a (``x.clone()``).  d/da = 1: the gradient passes through."""

    def forward(self, a):
        return np.array(a, copy=True)

    def backward(self, g):
        return g

    def jvp(self, ta):
        return ta


def clone(a: Tensor) -> Tensor:
    """A copy of ``a`` with its own memory, in the graph (the gradient passes back).

    Shape: the same as ``a``.

    Examples
    --------
    >>> x = al.tensor([1.0, 2.0], requires_grad=True)
    >>> y = al.clone(x)
    >>> y
    tensor([1., 2.], grad_fn=<Clone>)
    >>> y.data is x.data
    False
    """
    return Clone.apply(a)


class Norm(Function):
    """‖a‖₂ = √(Σ a²) over axes.  d/da = a / ‖a‖ (0 where ‖a‖ = 0, PyTorch's subgradient)."""

    def forward(self, a, *, axis, keepdims):
        self.axes = normalize_axes(axis, a.ndim, "norm", a.shape)
        self.in_shape, self.keepdims = a.shape, keepdims
        return np.sqrt(np.add.reduce(a * a, axis=self.axes, keepdims=keepdims))

    def backward(self, g):
        return _spread(g, self.in_shape, self.axes, self.keepdims) * self._unit()

    def jvp(self, ta):
        return sum(ta * self._unit(), self.axes, self.keepdims)

    def _unit(self) -> Tensor:
        """a / ‖a‖ on the kept shape, 0 where the norm is 0."""
        (a,) = self.inputs
        n = self.output.reshape(_kept_shape(self.in_shape, self.axes))
        return where(n.data > 0, a / where(n.data > 0, n, 1.0), 0.0)


def norm(
    a: Tensor, p: Any = "fro", dim: Axis = None, keepdim: bool = False, dtype: Any = None
) -> Tensor:
    """The p-norm of ``a`` over ``dim`` (all elements by default), ``torch.norm``:
    ``p=2`` or ``"fro"`` √(Σ a²); ``p=1`` ``Σ|a|``; ``p=inf`` ``max|a|``; ``p=-inf`` ``min|a|``;
    another
    number ``(Σ|a|^p)^(1/p)``. Shape: ``a``'s without ``dim`` (kept as 1 with ``keepdim``).

    Examples
    --------
    >>> x = al.tensor([[3.0, 4.0], [0.0, 0.0]])
    >>> al.norm(x)
    tensor(5.)
    >>> al.norm(x, p=1, dim=1)
    tensor([7., 0.])
    """
    if dtype is not None:
        a = (a if isinstance(a, Tensor) else Tensor(as_array(a, where="norm"))).astype(dtype)
    if p in ("fro", 2, 2.0):
        return Norm.apply(a, axis=dim, keepdims=keepdim)
    if isinstance(p, (str, bool)) or not isinstance(p, (int, float)):
        raise ValueError(f"norm: p must be a number, inf or 'fro', got {p!r}")
    if p == 1:
        return sum(abs(a), dim, keepdim)
    if p == math.inf:
        return amax(abs(a), dim, keepdim)
    if p == -math.inf:
        return amin(abs(a), dim, keepdim)
    if p == 0:
        return sum(abs(a) != 0, dim, keepdim).astype(
            a.dtype if isinstance(a, Tensor) and a.dtype.kind == "f" else np.float32
        )
    return sum(abs(a) ** p, dim, keepdim) ** (1.0 / p)
