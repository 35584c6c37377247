"""Dropout: randomly zero units while training, a regularizer (cs231n, Srivastava et al.)."""

from __future__ import annotations

from autograd_lite import Tensor
from nn.functional import check_dropout_p, dropout
from nn.module import Module


class Dropout(Module):
    """Zero each element with probability p while training and scale the rest by 1/(1 - p)
    ("inverted dropout": the expected output equals the input, so eval needs no change).
    In eval mode (``model.eval()``) it is the identity. Any shape.

    Parameters
    ----------
    p : float
        The probability of zeroing an element, in [0, 1).

    Examples
    --------
    >>> drop = nn.Dropout(p=0.5)
    >>> y = drop(al.ones(2, 4))
    >>> sorted(set(y.data.ravel().tolist()))  # each element 0 or 1 / (1 - p)
    [0.0, 2.0]
    >>> drop.eval()(al.ones(2, 4))
    tensor([[1., 1., 1., 1.],
            [1., 1., 1., 1.]])
    """

    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        self.p = check_dropout_p(p, "Dropout")

    def forward(self, x: Tensor) -> Tensor:
        return dropout(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}"
