"""Linear (fully connected) layer, plus the shape-only layers Identity and Flatten."""

from __future__ import annotations

from typing import Any

import autograd_lite
from autograd_lite import ShapeError, Tensor
from nn.layer_utils import add_weight_and_bias, check_size, input_shape
from nn.module import Module


class Linear(Module):
    """y = x @ weight.T + bias: x (..., in_features) -> (..., out_features).

    weight: (out_features, in_features) — the course's W[l]: (n[l], n[l-1]); bias: (out_features,).
    One fused op (``autograd_lite.linear``), so the graph has one node per layer.

    Parameters
    ----------
    in_features, out_features : int
        The sizes of each input and output sample.
    bias : bool
        Learn an additive bias (default True).

    Notes
    -----
    Both weight and bias start uniform in (-1/√in_features, 1/√in_features) (PyTorch's
    default; ``nn.init`` has the others). Shape: input (..., in_features), output
    (..., out_features).

    Examples
    --------
    >>> layer = nn.Linear(3, 2)
    >>> layer.weight.shape, layer.bias.shape
    ((2, 3), (2,))
    >>> layer(al.ones(4, 3)).shape
    (4, 2)
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True) -> None:
        super().__init__()
        self.in_features = check_size(in_features, "in_features", "Linear")
        self.out_features = check_size(out_features, "out_features", "Linear")
        add_weight_and_bias(self, (out_features, in_features), bias)

    def forward(self, x: Tensor) -> Tensor:
        data = x.data if isinstance(x, Tensor) else None
        if (
            data is None
            or data.dtype.kind != "f"
            or not data.ndim
            or data.shape[-1] != self.in_features
        ):
            self._check_input(x)  # the message names the layer and the shapes
        return autograd_lite.linear(x, self.weight, self.bias)

    def _check_input(self, x: Any) -> None:
        where = f"Linear({self.extra_repr()})"
        shape = input_shape(x, where)
        if len(shape) == 0 or shape[-1] != self.in_features:
            got = shape[-1] if shape else 0
            raise ShapeError(
                f"{where}: input of shape {shape} has {got} "
                f"features (last dimension), expected {self.in_features}"
            )

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )


class Identity(Module):
    """Returns its input unchanged (a placeholder, e.g. to remove a layer from a model).

    Shape: output the same as the input.

    Examples
    --------
    >>> nn.Identity()(al.tensor([1.0, 2.0]))
    tensor([1., 2.])
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, x: Any) -> Any:
        return x


class Flatten(Module):
    """Merge dimensions start_dim..end_dim: (N, C, H, W) -> (N, C·H·W) by default, keeping
    the batch dimension (``start_dim=1``).

    Shape: (N, ...) -> (N, product of the rest) by default.

    Examples
    --------
    >>> nn.Flatten()(al.zeros(8, 3, 4, 4)).shape
    (8, 48)
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x: Tensor) -> Tensor:
        return autograd_lite.flatten(x, self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
