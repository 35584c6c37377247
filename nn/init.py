"""Weight initialization, with PyTorch's names and formulas.

Each function fills a tensor **in place** (outside the graph) and returns it::

    nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
    nn.init.zeros_(layer.bias)

Why it matters (cs231n): with weights too small the activations shrink layer after layer
and the gradients vanish; too large and they explode. The schemes below pick the
variance that keeps the activations' variance about constant through the layers:

- Xavier/Glorot (tanh, sigmoid, linear):  Var(w) = gain² · 2 / (fan_in + fan_out)
- Kaiming/He (ReLU family):               Var(w) = gain² / fan      (fan = fan_in by default)

with ``gain = calculate_gain(nonlinearity)`` (√2 for ReLU: it zeroes half its inputs).
A uniform distribution on [-b, b] has variance b²/3, hence the √3 in the uniform bounds.

Fans: for a Linear weight (out, in), fan_in = in and fan_out = out; for a Conv2d weight
(F, C, kh, kw) each output sees C·kh·kw inputs: fan_in = C·kh·kw, fan_out = F·kh·kw.

Randomness comes from ``autograd_lite.default_generator()``, so ``autograd_lite.manual_seed``
makes initialization reproducible.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import autograd_lite
from autograd_lite import Tensor

__all__ = [
    "calculate_gain",
    "constant_",
    "kaiming_normal_",
    "kaiming_uniform_",
    "normal_",
    "ones_",
    "uniform_",
    "xavier_normal_",
    "xavier_uniform_",
    "zeros_",
]


def _fill(tensor: Tensor, values: Any, where: str) -> Tensor:
    """Write ``values`` into ``tensor`` in place (no graph), keeping its dtype."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{where}: expected a Tensor, got {type(tensor).__name__}")
    with autograd_lite.no_grad():
        tensor.data[...] = values
    autograd_lite.increment_version(tensor)  # an in-place change, as PyTorch counts it
    return tensor


def zeros_(tensor: Tensor) -> Tensor:
    """Fill with 0.

    Examples
    --------
    >>> nn.init.zeros_(al.ones(3))
    tensor([0., 0., 0.])
    """
    return _fill(tensor, 0, "zeros_")


def ones_(tensor: Tensor) -> Tensor:
    """Fill with 1.

    Examples
    --------
    >>> nn.init.ones_(al.empty(3))
    tensor([1., 1., 1.])
    """
    return _fill(tensor, 1, "ones_")


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with ``val``.

    Shape: any; ``tensor`` is changed in place and returned.

    Examples
    --------
    >>> nn.init.constant_(al.empty(2, 2), 0.5)
    tensor([[0.5, 0.5],
            [0.5, 0.5]])
    """
    return _fill(tensor, val, "constant_")


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0) -> Tensor:
    """Fill with samples from the uniform distribution on [a, b).

    Examples
    --------
    >>> w = nn.init.uniform_(al.empty(1000), -1.0, 1.0)
    >>> bool(w.min() >= -1.0), bool(w.max() < 1.0)
    (True, True)
    """
    if not a <= b:
        raise ValueError(f"uniform_: need a <= b, got a={a}, b={b}")
    return _fill(tensor, autograd_lite.default_generator().uniform(a, b, tensor.shape), "uniform_")


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0) -> Tensor:
    """Fill with samples from the normal distribution N(mean, std²).

    Examples
    --------
    >>> w = nn.init.normal_(al.empty(1000), mean=0.0, std=0.1)
    >>> round(float(w.std()), 1)
    0.1
    """
    if std < 0:
        raise ValueError(f"normal_: std must be non-negative, got {std}")
    return _fill(
        tensor, autograd_lite.default_generator().normal(mean, std, tensor.shape), "normal_"
    )


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The factor by which a nonlinearity changes the standard deviation, as PyTorch:

    linear, conv*, sigmoid: 1;  tanh: 5/3;  relu: √2;  leaky_relu: √(2 / (1 + slope²))
    (slope ``param``, default 0.01);  selu: 3/4.

    Examples
    --------
    >>> nn.init.calculate_gain("relu")
    1.4142135623730951
    >>> nn.init.calculate_gain("tanh")
    1.6666666666666667
    """
    linear_fns = {
        "linear",
        "conv1d",
        "conv2d",
        "conv3d",
        "conv_transpose1d",
        "conv_transpose2d",
        "conv_transpose3d",
        "sigmoid",
    }
    if nonlinearity in linear_fns:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = param
        else:
            raise ValueError(f"calculate_gain: negative_slope {param!r} is not a number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(
        f"calculate_gain: unsupported nonlinearity {nonlinearity!r} (choose from "
        f"{', '.join(sorted([*linear_fns, 'tanh', 'relu', 'leaky_relu', 'selu']))})"
    )


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """(fan_in, fan_out): inputs and outputs per unit, counting the kernel's positions."""
    shape = tensor.shape
    if len(shape) < 2:
        raise ValueError(
            f"fan in and fan out cannot be computed for a tensor with fewer than 2 "
            f"dimensions (shape {tuple(shape)})"
        )
    receptive_field = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    return shape[1] * receptive_field, shape[0] * receptive_field


def _fan(tensor: Tensor, mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def xavier_uniform_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """Glorot uniform: U(-b, b) with b = gain · √(6 / (fan_in + fan_out)).

    Examples
    --------
    >>> w = nn.init.xavier_uniform_(al.empty(300, 200))
    >>> bool(abs(w).max() <= (6 / 500) ** 0.5)
    True
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound)


def xavier_normal_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """Glorot normal: N(0, std²) with std = gain · √(2 / (fan_in + fan_out)).

    Examples
    --------
    >>> w = nn.init.xavier_normal_(al.empty(300, 200))
    >>> round(float(w.std()), 3), round((2 / 500) ** 0.5, 3)
    (0.063, 0.063)
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)))


def kaiming_uniform_(
    tensor: Tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu"
) -> Tensor:
    """He uniform: U(-b, b) with b = gain · √(3 / fan), gain = calculate_gain(nonlinearity, a).

    ``a`` is the negative slope of a leaky ReLU (0 gives a ReLU's √2 gain).
    ``a=√5`` is what Linear and Conv2d use by default: b = 1/√fan_in.

    Examples
    --------
    >>> w = nn.init.kaiming_uniform_(al.empty(100, 50), nonlinearity="relu")
    >>> bound = (2 ** 0.5) * (3 / 50) ** 0.5
    >>> bool(abs(w).max() <= bound)
    True
    """
    gain = calculate_gain(nonlinearity, a)
    bound = gain * math.sqrt(3.0 / _fan(tensor, mode))
    return uniform_(tensor, -bound, bound)


def kaiming_normal_(
    tensor: Tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu"
) -> Tensor:
    """He normal: N(0, std²) with std = gain / √fan (√(2 / fan_in) for a ReLU network).

    Notes
    -----
    For a weight of shape (out, in) (Linear) fan_in = in; for (out, in, kh, kw) (Conv2d)
    fan_in = in · kh · kw and fan_out = out · kh · kw.

    Examples
    --------
    >>> w = nn.init.kaiming_normal_(al.empty(256, 512), nonlinearity="relu")
    >>> round(float(w.std()), 3), round((2 / 512) ** 0.5, 3)
    (0.063, 0.062)
    """
    gain = calculate_gain(nonlinearity, a)
    return normal_(tensor, 0.0, gain / math.sqrt(_fan(tensor, mode)))
