"""PyTorch's dtype names, as NumPy dtypes: ``al.float32``, ``al.long``, ``al.bool`` ...

A tensor's ``dtype`` is a ``numpy.dtype``; these names compare equal to it
(``x.dtype == al.float32``) and are accepted wherever a dtype is (``al.zeros(3,
dtype=al.long)``, ``x.to(al.float64)``). ``al.float`` is float32 and ``al.double`` float64,
as in PyTorch (not NumPy's ``float``, which is float64).
"""

from __future__ import annotations

import numpy as np

float16 = half = np.dtype(np.float16)
float32 = float = np.dtype(np.float32)
float64 = double = np.dtype(np.float64)
uint8 = np.dtype(np.uint8)
int8 = np.dtype(np.int8)
int16 = short = np.dtype(np.int16)
int32 = int = np.dtype(np.int32)
int64 = long = np.dtype(np.int64)
bool = np.dtype(np.bool_)

# The names `from autograd_lite import *` gives: not float, int and bool, which would hide
# Python's own in the importing module.
__all__ = [
    "double",
    "float16",
    "float32",
    "float64",
    "half",
    "int8",
    "int16",
    "int32",
    "int64",
    "long",
    "short",
    "uint8",
]
