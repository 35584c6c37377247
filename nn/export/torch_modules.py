"""PyTorch modules for the nn layers that torch.nn does not have (imports torch).

Imported by ``to_torch`` only when it is called, so ``import nn`` never imports torch. The
classes live at module level so that a converted model pickles (``torch.save``,
``torch.multiprocessing.spawn``).
"""

from __future__ import annotations

import torch


class Maxout(torch.nn.Module):
    """The max of k linear functions, as ``nn.Maxout``: x (..., in) -> (..., out).

    One ``Linear(in_features, out_features · num_pieces)`` (child "linear", so the state_dict
    keys are nn's); output unit j takes the max of pieces j·k .. j·k + k - 1. ``amax`` shares
    the gradient among tied pieces equally, as nn's ``max`` does.
    """

    def __init__(
        self, in_features: int, out_features: int, num_pieces: int, device=None, dtype=None
    ) -> None:
        super().__init__()
        self.out_features, self.num_pieces = out_features, num_pieces
        self.linear = torch.nn.Linear(
            in_features, out_features * num_pieces, device=device, dtype=dtype
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z = self.linear(x)
        return z.reshape(*x.shape[:-1], self.out_features, self.num_pieces).amax(dim=-1)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.linear.in_features}, out_features={self.out_features}, "
            f"num_pieces={self.num_pieces}"
        )
