"""Stochastic gradient descent, with momentum, Nesterov momentum and weight decay."""

from __future__ import annotations

from typing import Any

import numpy as np

from nn.optim.optimizer import Optimizer, ParamsT, hyperparameters


class SGD(Optimizer):
    """Gradient descent: step against the gradient, optionally with momentum.

    With learning rate η, momentum μ, dampening τ and weight decay λ, for each parameter θ
    with gradient g (PyTorch's update, step t = 1, 2, ...)::

        g ← g + λθ                                  (weight decay: L2 penalty λ/2·‖θ‖²)
        if μ ≠ 0:
            b ← g                  at t = 1
            b ← μ·b + (1 - τ)·g    after            (a running sum of past gradients)
            g ← g + μ·b  if nesterov  else  b       (Nesterov: look one step ahead)
        θ ← θ - η·g

    Momentum lets steps build up speed along directions where gradients agree and damps
    zig-zags where they don't (μ = 0.9 is the usual choice).

    Parameters
    ----------
    params
        the parameters (e.g. ``model.parameters()``) or a list of param groups.
    lr
        learning rate η (>= 0).
    momentum
        μ in [0, 1).
    dampening
        τ, how much of the new gradient is left out of the buffer.
    weight_decay
        λ (>= 0).
    nesterov
        Nesterov momentum (needs momentum > 0 and dampening 0).

    Examples
    --------
    Minimize (w - 3)² from w = 0:

    >>> w = al.tensor([0.0], requires_grad=True)
    >>> opt = nn.optim.SGD([w], lr=0.1, momentum=0.9)
    >>> for _ in range(100):
    ...     opt.zero_grad()
    ...     loss = ((w - 3.0) ** 2).sum()
    ...     loss.backward()
    ...     opt.step()
    >>> w
    tensor([3.0086], requires_grad=True)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        super().__init__(params, hyperparameters(locals()))

    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        super()._check_hyperparameters(group)
        momentum = group["momentum"]
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f"SGD: momentum must be in [0, 1), got momentum={momentum!r}")
        if group["nesterov"] and (momentum <= 0 or group["dampening"] != 0):
            raise ValueError(
                f"SGD: nesterov=True needs momentum > 0 and dampening = 0, got "
                f"momentum={momentum!r}, dampening={group['dampening']!r}"
            )

    def _update(
        self, p: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        lr, momentum = float(group["lr"]), float(group["momentum"])
        grad = self._weight_decayed(p, grad, group)
        if momentum:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = grad.copy()
            else:
                buf *= momentum
                buf += (1.0 - float(group["dampening"])) * grad
            grad = grad + momentum * buf if group["nesterov"] else buf
        p -= lr * grad
