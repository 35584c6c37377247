"""What several layers share: checking their sizes and inputs; their weights and biases."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import autograd_lite
from autograd_lite import Tensor
from nn import init
from nn.module import Module, Parameter


def check_size(value: Any, what: str, where: str) -> int:
    """A layer size as an int, or ValueError if it is not a positive integer."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{where}: {what} must be a positive integer, got {value!r}")
    return int(value)


def input_shape(x: Any, where: str) -> tuple[int, ...]:
    """The shape of a layer's input; TypeError unless it holds floating-point numbers
    (an integer tensor would silently become float64 in the matmul)."""
    data = x.data if isinstance(x, Tensor) else np.asarray(x)
    if data.dtype.kind != "f":
        raise TypeError(
            f"{where}: input has dtype {data.dtype}, but layers compute in floating point; "
            "convert it first (x.float())"
        )
    return tuple(data.shape)


def default_init_(weight: Parameter, bias: Parameter | None) -> None:
    """PyTorch's default for Linear and Conv2d: weight ~ U(-1/√fan_in, 1/√fan_in) (that is
    kaiming_uniform_ with a=√5), bias ~ U(-1/√fan_in, 1/√fan_in)."""
    init.kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        fan_in, _ = init._calculate_fan_in_and_fan_out(weight)
        bound = 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0
        init.uniform_(bias, -bound, bound)


def add_weight_and_bias(module: Module, weight_shape: tuple[int, ...], bias: bool) -> None:
    """Give ``module`` a ``weight`` of ``weight_shape`` and a ``bias`` with one entry per
    output (``weight_shape[0]``; None without bias), in the default dtype, initialized
    as PyTorch initializes Linear and Conv2d (``default_init_``)."""
    dtype = autograd_lite.get_default_dtype()
    module.weight = Parameter(np.empty(weight_shape, dtype=dtype))
    if bias:
        module.bias = Parameter(np.empty(weight_shape[0], dtype=dtype))
    else:
        module.register_parameter("bias", None)
    default_init_(module.weight, module.bias)
