"""DataArray: the ndarray behind a parameter and a gradient, with PyTorch's in-place methods.

PyTorch's ``p.data`` is a tensor sharing ``p``'s memory, outside the graph, and the old
tutorials update weights through it: the 60-minute blitz's
``f.data.sub_(f.grad.data * learning_rate)``, ``w.grad.data.zero_()``,
``target.data.copy_(source.data)``. Here ``.data`` is the NumPy array (ARCHITECTURE.md:
a Tensor wraps one ``numpy.ndarray``), so ``p.data -= lr * p.grad`` and ``p.data[...] = 0``
keep working as NumPy code; for the arrays those habits reach -- an ``nn.Parameter``'s
``.data`` and a gradient's ``.data`` (``x.grad``) -- the array is a ``DataArray``, an
ndarray that also has ``add_``, ``sub_``, ``mul_``, ``div_``, ``zero_``, ``fill_``,
``copy_`` and ``clamp_``. Each writes into the array's own memory and returns it, as
PyTorch's ``.data`` does: no graph, no version change.

Results of NumPy computations on a DataArray are plain ndarrays (``__array_wrap__``), so
the ops that read a parameter's array pay one Python call and make nothing new; views
(``p.data[0]``, ``p.data.T``) stay DataArrays, so ``p.data[0].zero_()`` writes into ``p``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_lite.errors import ShapeError, fmt_shape


class DataArray(np.ndarray):
    """An ndarray with PyTorch's in-place methods (``x.data.sub_(y)``): see the module."""

    def __array_wrap__(self, obj: Any, context: Any = None, return_scalar: bool = False) -> Any:
        # What NumPy computes from the array is a plain array (or scalar): only .data and
        # its views carry the methods.
        if return_scalar:
            return obj[()]
        return obj if type(obj) is np.ndarray else np.asarray(obj)

    def __repr__(self) -> str:
        return repr(self.view(np.ndarray))

    def _write(self, name: str, ufunc: Any, other: Any) -> DataArray:
        value = np.asarray(other)
        try:
            ufunc(self, value, out=self, casting="same_kind")
        except ValueError:
            raise ShapeError(
                f".data.{name}: the value's shape {fmt_shape(value.shape)} does not broadcast "
                f"to the array's shape {fmt_shape(self.shape)}"
            ) from None
        except TypeError as exc:  # NumPy's UFuncTypeError: float written into an int array
            raise TypeError(
                f".data.{name}: cannot write {value.dtype} values into a {self.dtype} array "
                f"in place ({exc})"
            ) from None
        return self

    def add_(self, other: Any, *, alpha: float = 1) -> DataArray:
        """``self += alpha * other``, in place (PyTorch's ``add_``)."""
        return self._write("add_", np.add, other if alpha == 1 else alpha * np.asarray(other))

    def sub_(self, other: Any, *, alpha: float = 1) -> DataArray:
        """``self -= alpha * other``, in place (the blitz's manual SGD step)."""
        return self._write("sub_", np.subtract, other if alpha == 1 else alpha * np.asarray(other))

    def mul_(self, other: Any) -> DataArray:
        """``self *= other``, in place."""
        return self._write("mul_", np.multiply, other)

    def div_(self, other: Any) -> DataArray:
        """``self /= other``, in place."""
        return self._write("div_", np.true_divide, other)

    def copy_(self, src: Any) -> DataArray:
        """``src``'s values (broadcast to this shape) written into this array."""
        value = np.asarray(src)
        try:
            np.copyto(self, value, casting="unsafe")  # PyTorch's copy_ converts any dtype
        except ValueError:
            raise ShapeError(
                f".data.copy_: the source's shape {fmt_shape(value.shape)} does not broadcast "
                f"to the array's shape {fmt_shape(self.shape)}"
            ) from None
        return self

    def fill_(self, value: Any) -> DataArray:
        """Every element set to ``value``, in place."""
        if np.ndim(value) != 0:
            raise ValueError(f".data.fill_: value must be a number, got shape {np.shape(value)}")
        self.fill(np.asarray(value).item())
        return self

    def zero_(self) -> DataArray:
        """Every element set to 0, in place (``w.grad.data.zero_()``)."""
        self.fill(0)
        return self

    def clamp_(self, min: Any = None, max: Any = None) -> DataArray:
        """Values limited to [min, max], in place."""
        if min is None and max is None:
            raise ValueError(".data.clamp_: give min, max or both")
        np.clip(self, min, max, out=self)
        return self


def as_data_array(arr: np.ndarray) -> DataArray:
    """``arr`` as a DataArray, sharing its memory (``arr`` itself when it is one)."""
    return arr if type(arr) is DataArray else arr.view(DataArray)
