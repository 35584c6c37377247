"""Learning-rate schedules: change each param group's ``lr`` as the epochs go by.

Call ``scheduler.step()`` once per epoch, after the epoch's ``optimizer.step()`` calls::

    opt = nn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    sched = nn.optim.lr_scheduler.StepLR(opt, step_size=30, gamma=0.1)
    for epoch in range(100):
        train_one_epoch(...)          # many opt.step()
        sched.step()                  # lr: 0.1 for epochs 0-29, 0.01 for 30-59, ...

Each schedule is a formula of the epoch count t (``last_epoch``) and the learning rate each
group started with (``base_lrs``), so its values are PyTorch's.
"""

from __future__ import annotations

import math
from typing import Any

from nn.optim.optimizer import Optimizer

__all__ = ["CosineAnnealingLR", "ExponentialLR", "LRScheduler", "StepLR"]


class LRScheduler:
    """Base class: subclasses give ``lr_at(base_lr, t)``, the learning rate at epoch t.

    Creating a scheduler records each group's starting lr (as ``group["initial_lr"]``) and
    sets epoch 0 (``last_epoch = 0``); each ``step()`` moves to the next epoch and writes
    the new rates into the optimizer's param groups.

    Examples
    --------
    >>> opt = nn.optim.SGD([al.zeros(1, requires_grad=True)], lr=1.0)
    >>> sched = nn.optim.lr_scheduler.StepLR(opt, step_size=2)
    >>> rates = []
    >>> for epoch in range(5):
    ...     rates.append(round(opt.param_groups[0]["lr"], 4))
    ...     sched.step()
    >>> rates
    [1.0, 1.0, 0.1, 0.1, 0.01]
    """

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"{type(self).__name__}: expected an optimizer, got {type(optimizer).__name__}"
            )
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        elif any("initial_lr" not in g for g in optimizer.param_groups):
            raise KeyError(
                f"{type(self).__name__}: resuming at last_epoch={last_epoch} needs "
                "'initial_lr' in every param group (load the optimizer's state_dict first)"
            )
        self.base_lrs: list[float] = [g["initial_lr"] for g in optimizer.param_groups]
        self.last_epoch = last_epoch
        self.step()

    def lr_at(self, base_lr: float, t: int) -> float:
        """The learning rate at epoch ``t`` for a group that started at ``base_lr``."""
        raise NotImplementedError(f"{type(self).__name__} must implement lr_at()")

    def get_lr(self) -> list[float]:
        """The learning rate of every param group at the current epoch."""
        return [self.lr_at(base, self.last_epoch) for base in self.base_lrs]

    def step(self) -> None:
        """Advance one epoch and set the param groups' learning rates."""
        self.last_epoch += 1
        lrs = self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = lr
        self._last_lr = lrs

    def get_last_lr(self) -> list[float]:
        """The learning rates set by the last ``step()`` (one per param group)."""
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        """Everything but the optimizer (save that with its own ``state_dict``)."""
        return {k: v for k, v in vars(self).items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        vars(self).update(state_dict)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(last_epoch={self.last_epoch}, last_lr={self._last_lr})"


class StepLR(LRScheduler):
    """Multiply the learning rate by γ every ``step_size`` epochs:

    lr_t = base_lr · γ^⌊t / step_size⌋

    Examples
    --------
    >>> opt = nn.optim.SGD([al.zeros(1, requires_grad=True)], lr=1.0)
    >>> sched = nn.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    >>> for epoch in range(4):
    ...     sched.step()
    >>> opt.param_groups[0]["lr"]
    0.25
    """

    def __init__(
        self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1
    ) -> None:
        if step_size < 1:
            raise ValueError(f"StepLR: step_size must be a positive int, got {step_size!r}")
        self.step_size = int(step_size)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr: float, t: int) -> float:
        return base_lr * self.gamma ** (t // self.step_size)


class ExponentialLR(LRScheduler):
    """Multiply the learning rate by γ every epoch:

    lr_t = base_lr · γ^t

    Examples
    --------
    >>> opt = nn.optim.SGD([al.zeros(1, requires_grad=True)], lr=1.0)
    >>> sched = nn.optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
    >>> sched.step(); sched.step()
    >>> opt.param_groups[0]["lr"]
    0.25
    """

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr: float, t: int) -> float:
        return base_lr * self.gamma**t


class CosineAnnealingLR(LRScheduler):
    """Follow half a cosine from base_lr down to ``eta_min`` over ``T_max`` epochs
    (Loshchilov & Hutter's SGDR, without restarts):

        lr_t = η_min + (base_lr - η_min) · (1 + cos(π·t / T_max)) / 2

    Past T_max the cosine goes on, back up to base_lr at t = 2·T_max (as in PyTorch).

    Examples
    --------
    >>> opt = nn.optim.SGD([al.zeros(1, requires_grad=True)], lr=1.0)
    >>> sched = nn.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=4)
    >>> rates = []
    >>> for epoch in range(5):
    ...     rates.append(round(opt.param_groups[0]["lr"], 4))
    ...     sched.step()
    >>> rates
    [1.0, 0.8536, 0.5, 0.1464, 0.0]
    """

    def __init__(
        self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1
    ) -> None:
        if T_max < 1:
            raise ValueError(f"CosineAnnealingLR: T_max must be a positive int, got {T_max!r}")
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr: float, t: int) -> float:
        cosine = (1.0 + math.cos(math.pi * t / self.T_max)) / 2.0
        return self.eta_min + (base_lr - self.eta_min) * cosine
