"""Adam and AdamW: momentum plus a per-element step size from the squared gradients."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from nn.optim.optimizer import Optimizer, ParamsT, hyperparameters


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015): momentum (a running mean m of the gradients) divided by the
    root of a running mean v of their squares, both corrected for starting at zero.

    With learning rate η, β₁, β₂, weight decay λ, for each parameter θ with gradient g at
    step t = 1, 2, ... (PyTorch's update)::

        g ← g + λθ                          (Adam: L2 penalty in the gradient; see AdamW)
        m ← β₁·m + (1 - β₁)·g               (first moment, starts at 0)
        v ← β₂·v + (1 - β₂)·g²              (second moment, starts at 0)
        m̂ = m / (1 - β₁ᵗ),  v̂ = v / (1 - β₂ᵗ)   (bias correction: early m, v are too small)
        v̂ ← max(v̂_max, v̂)  if amsgrad     (the largest v so far: steps never grow back)
        θ ← θ - η·m̂ / (√v̂ + ε)

    Each element's step is about η in size whatever the gradient's scale, which is why
    Adam's default η = 0.001 works for most problems.

    Parameters
    ----------
    params : iterable of Tensor or of dict
        The parameters (``model.parameters()``) or a list of param groups.
    lr : float
        The learning rate η.
    betas : (float, float)
        β₁ and β₂, the decay rates of the first and second moments.
    eps : float
        Added to √v̂ so no step divides by zero.
    weight_decay : float, optional
        λ, the L2 penalty folded into the gradient (0 by default).
    amsgrad : bool
        Use the largest v̂ so far (AMSGrad).

    Examples
    --------
    The first step is about ``lr`` whatever the gradient's scale (``m̂ / √v̂ = g / |g|``):

    >>> w = al.tensor([1.0], requires_grad=True)
    >>> opt = nn.optim.Adam([w], lr=0.1)
    >>> (1000 * w * w).sum().backward()  # gradient 2000
    >>> opt.step()
    >>> w
    tensor([0.9], requires_grad=True)
    """

    decoupled = False  # AdamW sets this: weight decay on θ itself, not through g
    default_weight_decay = 0.0  # λ when none is given (AdamW: 0.01, as PyTorch)

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float | None = None,
        amsgrad: bool = False,
    ) -> None:
        """``weight_decay`` None is the class's ``default_weight_decay``: 0 for Adam, 0.01
        for AdamW (PyTorch's defaults)."""
        if weight_decay is None:
            weight_decay = self.default_weight_decay
        betas = tuple(betas)
        super().__init__(params, hyperparameters(locals()))

    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        super()._check_hyperparameters(group)
        name = type(self).__name__
        betas = group["betas"]
        if len(betas) != 2:
            raise ValueError(f"{name}: betas must be a pair (beta1, beta2), got {betas!r}")
        for i, beta in enumerate(betas):
            if not 0.0 <= beta < 1.0:
                raise ValueError(
                    f"{name}: betas[{i}] must be in [0, 1), got betas={tuple(betas)!r}"
                )

    def _update(
        self, p: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(p)
            state["exp_avg_sq"] = np.zeros_like(p)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = np.zeros_like(p)
        state["step"] += 1
        t = state["step"]
        lr, eps = float(group["lr"]), float(group["eps"])
        beta1, beta2 = (float(b) for b in group["betas"])
        if not self.decoupled:
            grad = self._weight_decayed(p, grad, group)
        elif group["weight_decay"]:
            p *= 1.0 - lr * float(group["weight_decay"])  # AdamW: shrink θ directly
        m, v = state["exp_avg"], state["exp_avg_sq"]
        m += (1.0 - beta1) * (grad - m)  # = β₁·m + (1 - β₁)·g, as PyTorch's lerp
        v *= beta2
        v += (1.0 - beta2) * grad * grad
        if group["amsgrad"]:
            np.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
            v = state["max_exp_avg_sq"]
        # m̂ / (√v̂ + ε) with the corrections folded into two scalars (PyTorch's order)
        step_size = lr / (1.0 - beta1**t)
        denom = np.sqrt(v) / math.sqrt(1.0 - beta2**t)
        denom += eps
        p -= step_size * m / denom


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019)::

        θ ← θ - η·λ·θ                       (decay θ directly, before the Adam step)
        θ ← θ - η·m̂ / (√v̂ + ε)             (m, v from the raw gradient g)

    In Adam, the L2 term λθ passes through the division by √v̂, so weights with large
    gradients are barely decayed; AdamW decays every weight at the same rate. Default
    λ = 0.01.

    Parameters
    ----------
    params : iterable of Tensor or of dict
        The parameters (``model.parameters()``) or a list of param groups.
    lr : float
        The learning rate η.
    betas : (float, float)
        β₁ and β₂, the decay rates of the first and second moments.
    eps : float
        Added to √v̂ so no step divides by zero.
    weight_decay : float, optional
        λ, the decoupled decay (0.01 by default).
    amsgrad : bool
        Use the largest v̂ so far (AMSGrad).

    Examples
    --------
    One step: first the decay θ - η·λ·θ = 1 - 0.1·0.01·1, then Adam's step of about η:

    >>> w = al.tensor([1.0], requires_grad=True)
    >>> opt = nn.optim.AdamW([w], lr=0.1, weight_decay=0.01)
    >>> (w * w).sum().backward()
    >>> opt.step()
    >>> w
    tensor([0.899], requires_grad=True)
    """

    decoupled = True
    default_weight_decay = 1e-2
