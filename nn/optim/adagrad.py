"""Adagrad: a learning rate per parameter element, shrinking with its gradients' history."""

from __future__ import annotations

from typing import Any

import numpy as np

from nn.optim.optimizer import Optimizer, ParamsT, hyperparameters


class Adagrad(Optimizer):
    """Adagrad (Duchi et al., 2011): divide each step by the root of the sum of all past
    squared gradients, element by element.

    With learning rate η, decay δ, weight decay λ, for each parameter θ with gradient g at
    step t = 1, 2, ... (PyTorch's update)::

        g ← g + λθ
        η_t = η / (1 + (t - 1)·δ)
        s ← s + g²                              (s starts at initial_accumulator_value)
        θ ← θ - η_t · g / (√s + ε)

    Elements with large past gradients take small steps, rarely-updated ones large steps;
    since s only grows, the steps shrink over time (RMSprop and Adam fix that).

    Parameters
    ----------
    params : iterable of Tensor or of dict
        The parameters (``model.parameters()``) or a list of param groups.
    lr : float
        The learning rate η.
    lr_decay : float
        δ: the learning rate at step t is η / (1 + (t - 1)·δ).
    weight_decay : float
        λ, the L2 penalty folded into the gradient.
    initial_accumulator_value : float
        The starting value of the sum of squares s.
    eps : float
        Added to √s so no step divides by zero.

    Examples
    --------
    The first step is ``lr`` (g / √(g²)); later ones shrink as s grows:

    >>> w = al.tensor([1.0], requires_grad=True)
    >>> opt = nn.optim.Adagrad([w], lr=0.1)
    >>> for _ in range(2):
    ...     opt.zero_grad()
    ...     (w * w).sum().backward()
    ...     opt.step()
    ...     print(w)
    tensor([0.9], requires_grad=True)
    tensor([0.8331], requires_grad=True)
    """

    non_negative = (*Optimizer.non_negative, "lr_decay", "initial_accumulator_value")

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
    ) -> None:
        super().__init__(params, hyperparameters(locals()))

    def _update(
        self, p: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        if not state:
            state["step"] = 0
            state["sum"] = np.full_like(p, group["initial_accumulator_value"])
        state["step"] += 1
        grad = self._weight_decayed(p, grad, group)
        lr_t = float(group["lr"]) / (1.0 + (state["step"] - 1) * float(group["lr_decay"]))
        s = state["sum"]
        s += grad * grad
        p -= lr_t * grad / (np.sqrt(s) + float(group["eps"]))
