"""RMSprop: divide each step by a running average of the squared gradients."""

from __future__ import annotations

from typing import Any

import numpy as np

from nn.optim.optimizer import Optimizer, ParamsT, hyperparameters


class RMSprop(Optimizer):
    """RMSprop (Hinton's lecture 6e): Adagrad with a *leaky* sum, so steps don't die out.

    With learning rate η, smoothing α, weight decay λ, momentum μ, for each parameter θ
    with gradient g (PyTorch's update)::

        g ← g + λθ
        v ← α·v + (1 - α)·g²                    (running mean of g², starts at 0)
        if centered:
            m ← α·m + (1 - α)·g                 (running mean of g)
            d = √(v - m²) + ε                   (an estimate of g's standard deviation)
        else:
            d = √v + ε
        if μ > 0:  b ← μ·b + g / d;  θ ← θ - η·b
        else:      θ ← θ - η·g / d

    Parameters
    ----------
    params : iterable of Tensor or of dict
        The parameters (``model.parameters()``) or a list of param groups.
    lr : float
        The learning rate η.
    alpha : float
        α, the smoothing of the running mean of g².
    eps : float
        Added to the denominator so no step divides by zero.
    weight_decay : float
        λ, the L2 penalty folded into the gradient.
    momentum : float
        μ: with μ > 0, the scaled steps are accumulated in a momentum buffer.
    centered : bool
        Divide by an estimate of g's standard deviation instead of its root mean square.

    Examples
    --------
    The first step divides by √((1 - α)·g²) = 0.1·``|g|``, so it is 10·lr:

    >>> w = al.tensor([1.0], requires_grad=True)
    >>> opt = nn.optim.RMSprop([w], lr=0.01)
    >>> (w * w).sum().backward()
    >>> opt.step()
    >>> w
    tensor([0.9], requires_grad=True)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
    ) -> None:
        super().__init__(params, hyperparameters(locals()))

    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        super()._check_hyperparameters(group)
        if not 0.0 <= group["alpha"] <= 1.0:
            raise ValueError(f"RMSprop: alpha must be in [0, 1], got alpha={group['alpha']!r}")
        if not 0.0 <= group["momentum"] < 1.0:
            raise ValueError(
                f"RMSprop: momentum must be in [0, 1), got momentum={group['momentum']!r}"
            )

    def _update(
        self, p: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        alpha, momentum = float(group["alpha"]), float(group["momentum"])
        if not state:
            state["step"] = 0
            state["square_avg"] = np.zeros_like(p)
            if momentum > 0:
                state["momentum_buffer"] = np.zeros_like(p)
            if group["centered"]:
                state["grad_avg"] = np.zeros_like(p)
        state["step"] += 1
        grad = self._weight_decayed(p, grad, group)
        v = state["square_avg"]
        v *= alpha
        v += (1.0 - alpha) * grad * grad
        if group["centered"]:
            m = state["grad_avg"]
            m += (1.0 - alpha) * (grad - m)  # = α·m + (1 - α)·g, as PyTorch's lerp
            denom = np.sqrt(v - m * m)
        else:
            denom = np.sqrt(v)
        denom += float(group["eps"])
        lr = float(group["lr"])
        if momentum > 0:
            buf = state["momentum_buffer"]
            buf *= momentum
            buf += grad / denom
            p -= lr * buf
        else:
            p -= lr * grad / denom
