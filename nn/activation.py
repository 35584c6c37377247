"""Activation functions as modules (``nn.ReLU()``), for use in ``nn.Sequential``.

Each one calls the function of the same name in ``nn.functional``. Elementwise ones keep
the input's shape; Softmax and LogSoftmax normalize along ``dim``.
"""

from __future__ import annotations

from autograd_lite import ShapeError, Tensor
from nn import functional as F
from nn.layer_utils import check_size
from nn.linear import Linear
from nn.module import Module


class ReLU(Module):
    """max(x, 0). ``inplace`` is accepted for PyTorch compatibility and ignored.

    Shape: input (*), any shape; output the same shape.

    Examples
    --------
    >>> m = nn.ReLU()
    >>> m(al.tensor([-1.0, 0.0, 2.0]))
    tensor([0., 0., 2.])
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()

    def forward(self, x: Tensor) -> Tensor:
        return F.relu(x)


class LeakyReLU(Module):
    """x where x > 0, else negative_slope · x (a small gradient for negative inputs).

    Shape: input (*), any shape; output the same shape.

    Examples
    --------
    >>> m = nn.LeakyReLU(0.1)
    >>> m(al.tensor([-2.0, 3.0]))
    tensor([-0.2,  3. ])
    """

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x: Tensor) -> Tensor:
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class Sigmoid(Module):
    """1 / (1 + e^-x), in (0, 1).

    Shape: input (*), any shape; output the same shape.

    Examples
    --------
    >>> m = nn.Sigmoid()
    >>> m(al.tensor([-2.0, 0.0, 2.0]))
    tensor([0.1192, 0.5   , 0.8808])
    """

    def forward(self, x: Tensor) -> Tensor:
        return F.sigmoid(x)


class Tanh(Module):
    """tanh(x), in (-1, 1).

    Shape: input (*), any shape; output the same shape.

    Examples
    --------
    >>> m = nn.Tanh()
    >>> m(al.tensor([-1.0, 0.0, 1.0]))
    tensor([-0.7616,  0.    ,  0.7616])
    """

    def forward(self, x: Tensor) -> Tensor:
        return F.tanh(x)


class ELU(Module):
    """x where x > 0, else alpha · (e^x - 1).

    Shape: input (*), any shape; output the same shape.

    Examples
    --------
    >>> m = nn.ELU()
    >>> m(al.tensor([-1.0, 2.0]))
    tensor([-0.6321,  2.    ])
    """

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = alpha

    def forward(self, x: Tensor) -> Tensor:
        return F.elu(x, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class GELU(Module):
    """x · Φ(x), Φ the standard normal CDF (exact, via erf); ``approximate="tanh"`` uses
    the tanh approximation.

    Shape: input (*), any shape; output the same shape.

    Examples
    --------
    >>> m = nn.GELU()
    >>> m(al.tensor([-1.0, 0.0, 1.0]))
    tensor([-0.1587,  0.    ,  0.8413])
    """

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, x: Tensor) -> Tensor:
        return F.gelu(x, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class _AlongDim(Module):
    """What Softmax and LogSoftmax share: the one setting ``dim``, the axis they normalize."""

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmax(_AlongDim):
    """e^x / Σ e^x along ``dim``: each slice becomes probabilities summing to 1.

    Shape: input (*), any shape; output the same shape.

    Examples
    --------
    >>> m = nn.Softmax(dim=1)
    >>> m(al.tensor([[1.0, 2.0, 3.0]]))
    tensor([[0.09  , 0.2447, 0.6652]])
    """

    def forward(self, x: Tensor) -> Tensor:
        return F.softmax(x, self.dim)


class LogSoftmax(_AlongDim):
    """log softmax(x) along ``dim`` (stable; pair it with NLLLoss).

    Shape: input (*), any shape; output the same shape.

    Examples
    --------
    >>> m = nn.LogSoftmax(dim=1)
    >>> m(al.tensor([[1.0, 2.0, 3.0]]))
    tensor([[-2.4076, -1.4076, -0.4076]])
    """

    def forward(self, x: Tensor) -> Tensor:
        return F.log_softmax(x, self.dim)


class Maxout(Module):
    """Maxout (Goodfellow et al. 2013; cs231n): the max of k linear functions,

        y_j = max_k (x @ W_kᵀ + b_k)_j,   x (..., in_features) -> (..., out_features)

    One ``Linear(in_features, out_features · num_pieces)`` (child "linear") computes all
    pieces; output unit j takes the max of its pieces j·k .. j·k + k - 1.
    ReLU is the special case max(x·w + b, 0).

    Shape: input (..., in_features), output (..., out_features); the parameters are the
    child ``linear``'s weight (out_features · num_pieces, in_features) and bias.

    Examples
    --------
    >>> m = nn.Maxout(4, 3, num_pieces=2)
    >>> m(al.ones(5, 4)).shape
    (5, 3)
    >>> m.linear.weight.shape
    (6, 4)
    """

    def __init__(self, in_features: int, out_features: int, num_pieces: int) -> None:
        super().__init__()
        self.out_features = check_size(out_features, "out_features", "Maxout")
        self.num_pieces = check_size(num_pieces, "num_pieces", "Maxout")
        self.linear = Linear(in_features, out_features * num_pieces)

    def forward(self, x: Tensor) -> Tensor:
        if x.shape[-1:] != (self.linear.in_features,):
            raise ShapeError(
                f"Maxout({self.extra_repr()}): input of shape {tuple(x.shape)} has "
                f"{x.shape[-1] if x.shape else 0} features, expected {self.linear.in_features}"
            )
        z = self.linear(x)  # (..., out · k)
        return z.reshape(*x.shape[:-1], self.out_features, self.num_pieces).amax(axis=-1)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.linear.in_features}, out_features={self.out_features}, "
            f"num_pieces={self.num_pieces}"
        )
