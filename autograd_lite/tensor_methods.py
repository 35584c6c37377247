"""Tensor's operators, op methods, in-place ops, NumPy hooks and ``backward()``: what
``x * y``, ``x.exp()``, ``x += y``, ``x[i] = v``, ``np.exp(x)`` and ``loss.backward()`` run.

``tensor.py`` is the bottom of the engine floor: ``function.py``, the ops and the engine
are all built on the Tensor class, so Tensor cannot import them. This module sits above
all of them and holds every Tensor member that needs them, as a def in one class,
``TensorMethods``; ``attach()`` copies them onto Tensor (``autograd_lite/__init__.py``
calls it once, at import). Type checkers and IDEs see them as Tensor's own: Tensor
derives from TensorMethods for them (see the top of tensor.py).

The op methods (``x.exp()``, ``x.sum(1)``, ``x[i]``) are not here: each op table row
(``ops/table.py``) names its methods, and ``attach()`` sets the op function itself as each
one, so ``x.exp()`` calls ``autograd_lite.exp`` with ``self`` as its first argument, with no
wrapper in between (a call less per op).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_lite import engine, inplace, numpy_dispatch
from autograd_lite.function import apply_binary
from autograd_lite.ops import shape
from autograd_lite.ops.arithmetic import Add, Div, Mul, Pow, Sub
from autograd_lite.ops.linalg import MatMul
from autograd_lite.ops.selection import Cast, Clip, where
from autograd_lite.ops.shape import SetItem
from autograd_lite.ops.table import OPS
from autograd_lite.tensor import Tensor, _make


class TensorMethods:
    """Every Tensor member that needs the ops or the engine (copied onto Tensor)."""

    __slots__ = ()

    def backward(
        self: Tensor,
        grad: Any = None,
        retain_graph: bool = False,
        create_graph: bool = False,
        *,
        gradient: Any = None,
    ) -> None:
        """Backpropagate from this tensor: accumulate d(self)/d(leaf) into each leaf's ``.grad``.

        Parameters
        ----------
        grad
            d(loss)/d(self), same shape as self. Optional for a single-element tensor
            (it defaults to 1).
        retain_graph
            keep the graph (its saved values, and each node's gradient in
            ``node.grad``) so backward can run through it again or it can be drawn.
        create_graph
            record the backward pass itself, so the gradients can be
            differentiated again (higher-order derivatives). Implies retain_graph.
        gradient
            PyTorch's name for ``grad`` (``Q.backward(gradient=external_grad)``).

        Examples
        --------
        >>> x = al.tensor([1.0, 2.0], requires_grad=True)
        >>> y = (x * x).sum()
        >>> y.backward()
        >>> x.grad
        tensor([2., 4.])

        A non-scalar output needs the gradient of what it feeds, of its shape:

        >>> x.grad = None
        >>> (x * 3).backward(al.tensor([1.0, 0.5]))
        >>> x.grad
        tensor([3. , 1.5])
        """
        if gradient is not None:
            grad = gradient
        engine.run_backward(
            (self,), (grad,), retain_graph=retain_graph or create_graph, create_graph=create_graph
        )

    # -- Python operators: x + y runs Add on (x, y); 2 - x (reflected) runs Sub on (2, x) --

    def __add__(self, other: Any) -> Tensor:
        return apply_binary(Add, self, other)

    def __radd__(self, other: Any) -> Tensor:
        return apply_binary(Add, other, self)

    def __sub__(self, other: Any) -> Tensor:
        return apply_binary(Sub, self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return apply_binary(Sub, other, self)

    def __mul__(self, other: Any) -> Tensor:
        return apply_binary(Mul, self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return apply_binary(Mul, other, self)

    def __truediv__(self, other: Any) -> Tensor:
        return apply_binary(Div, self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return apply_binary(Div, other, self)

    def __pow__(self, other: Any) -> Tensor:
        return apply_binary(Pow, self, other)

    def __rpow__(self, other: Any) -> Tensor:
        return apply_binary(Pow, other, self)

    def __matmul__(self, other: Any) -> Tensor:
        return apply_binary(MatMul, self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return apply_binary(MatMul, other, self)

    # -- in-place ops: recorded like the ops they are, with version counters (inplace.py) --

    @property
    def _version(self: Tensor) -> int:
        """How many times this tensor was changed in place (PyTorch's name): backward refuses
        a value saved at an older version. 0 for most tensors."""
        return inplace.version(self)

    def __setitem__(self: Tensor, index: Any, value: Any) -> None:
        """``x[index] = value``: basic, advanced and boolean indices, ``value`` broadcast to the
        shape of ``x[index]``. Recorded (SetItem): the gradient reaches ``value`` at ``index``
        and the old ``x`` everywhere else.

        Views and copies: ``x[0]``, ``x[:, 1:]``, ``x.T`` and ``x.reshape(...)`` share memory
        with ``x`` as NumPy's views do, but an in-place change of such a view gives it its own
        copy first, so ``y = x[0]; y += 1`` leaves ``x`` alone (NumPy would change it). To
        change part of ``x``, index ``x`` itself: ``x[0] += 1`` and ``x[0] = v`` change ``x``,
        as NumPy users expect (Python runs ``x[0] += 1`` as ``t = x[0]; t += 1; x[0] = t``).
        """
        inplace.update(self, "[]=", SetItem, (value,), shape.index_options(index))

    def __iadd__(self: Tensor, other: Any) -> Tensor:
        return inplace.update(self, "+=", Add, (other,))

    def __isub__(self: Tensor, other: Any) -> Tensor:
        return inplace.update(self, "-=", Sub, (other,))

    def __imul__(self: Tensor, other: Any) -> Tensor:
        # d(x·y)/dy is the old x: when y requires grad, the old values must survive.
        return inplace.update(self, "*=", Mul, (other,), needs_old=_requires_grad(other))

    def __itruediv__(self: Tensor, other: Any) -> Tensor:
        return inplace.update(self, "/=", Div, (other,), needs_old=_requires_grad(other))

    def __ipow__(self: Tensor, other: Any) -> Tensor:
        return inplace.update(self, "**=", Pow, (other,), needs_old=True)

    def __imatmul__(self: Tensor, other: Any) -> Tensor:
        return inplace.update(self, "@=", MatMul, (other,), needs_old=True)

    def add_(self: Tensor, other: Any, *, alpha: float = 1) -> Tensor:
        """``self += alpha * other``, in place (PyTorch's ``add_``).

        Examples
        --------
        >>> x = al.tensor([1.0, 2.0])
        >>> x.add_(al.tensor([10.0, 10.0]), alpha=0.5)
        tensor([6., 7.])
        """
        return inplace.update(self, "add_", Add, (_scaled(other, alpha),))

    def sub_(self: Tensor, other: Any, *, alpha: float = 1) -> Tensor:
        """``self -= alpha * other``, in place."""
        return inplace.update(self, "sub_", Sub, (_scaled(other, alpha),))

    def mul_(self: Tensor, other: Any) -> Tensor:
        """``self *= other``, in place."""
        return inplace.update(self, "mul_", Mul, (other,), needs_old=_requires_grad(other))

    def div_(self: Tensor, other: Any) -> Tensor:
        """``self /= other``, in place."""
        return inplace.update(self, "div_", Div, (other,), needs_old=_requires_grad(other))

    def clamp_(self: Tensor, min: float | None = None, max: float | None = None) -> Tensor:
        """Limit the values to [min, max], in place (either bound may be None)."""
        if min is None and max is None:
            raise ValueError("clamp_: at least one of min and max must be given")
        return inplace.update(self, "clamp_", Clip, (), {"min": min, "max": max})

    clip_ = clamp_

    def fill_(self: Tensor, value: Any) -> Tensor:
        """Set every element to ``value`` (a number or a one-element tensor), in place.

        Examples
        --------
        >>> al.zeros(3).fill_(7.0)
        tensor([7., 7., 7.])
        """
        if np.ndim(value.data if isinstance(value, Tensor) else value) != 0:
            raise ValueError(f"fill_: value must be a number or a 0-d tensor, got {value!r}")
        return inplace.update(self, "fill_", SetItem, (value,), {"index": Ellipsis})

    def zero_(self: Tensor) -> Tensor:
        """Set every element to zero, in place.

        Examples
        --------
        >>> al.tensor([1.0, 2.0]).zero_()
        tensor([0., 0.])
        """
        return inplace.update(self, "zero_", SetItem, (0,), {"index": Ellipsis})

    def copy_(self: Tensor, src: Any) -> Tensor:
        """Copy ``src`` (broadcast to this tensor's shape) into this tensor, in place; the
        gradient reaches ``src``.

        Examples
        --------
        >>> x = al.zeros(2, 2)
        >>> x.copy_(al.tensor([1.0, 2.0]))
        tensor([[1., 2.],
                [1., 2.]])
        """
        return inplace.update(self, "copy_", SetItem, (src,), {"index": Ellipsis})

    # -- NumPy functions on tensors: np.exp(x) is x.exp() (numpy_dispatch.py) --------------

    __array_ufunc__ = numpy_dispatch.array_ufunc
    __array_function__ = numpy_dispatch.array_function

    # -- op methods with their own argument order -----------------------------------------

    def where(self: Tensor, condition: Any, other: Any) -> Tensor:
        """``self`` where ``condition`` holds, else ``other`` (PyTorch's ``x.where(c, y)``)."""
        return where(condition, self, other)

    @property
    def T(self: Tensor) -> Tensor:
        """The tensor with its axes reversed.

        Examples
        --------
        >>> al.zeros(2, 3, 4).T.shape
        (4, 3, 2)
        """
        return shape.transpose(self)

    # -- dtype conversions ------------------------------------------------------------------

    def astype(self: Tensor, dtype: Any) -> Tensor:
        """This tensor converted to ``dtype`` (differentiable between float dtypes).

        Examples
        --------
        >>> al.tensor([1.5, 2.5]).astype(np.int64)
        tensor([1, 2])
        """
        dtype = np.dtype(dtype)
        if dtype == self.data.dtype:
            return self
        if self._requires_grad and dtype.kind != "f":
            return _make(self.data.astype(dtype))  # an integer copy has no gradient
        return Cast.apply(self, dtype=dtype)

    def float(self: Tensor) -> Tensor:
        """Converted to float32."""
        return self.astype(np.float32)

    def double(self: Tensor) -> Tensor:
        """Converted to float64."""
        return self.astype(np.float64)

    def long(self: Tensor) -> Tensor:
        """Converted to int64."""
        return self.astype(np.int64)


def _requires_grad(x: Any) -> bool:
    return isinstance(x, Tensor) and x._requires_grad


def _scaled(other: Any, alpha: float) -> Any:
    return other if alpha == 1 else other * alpha


def attach() -> None:
    """Give Tensor every member of TensorMethods, and each op table row's methods (the op
    function itself: ``x.exp()`` is ``exp(x)``), once, when autograd_lite is imported."""
    for name, member in vars(TensorMethods).items():
        if callable(member) or isinstance(member, property):
            setattr(Tensor, name, member)
    for row in OPS:
        for name in row.methods:
            setattr(Tensor, name, row.function)
