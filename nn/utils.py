"""Gradient clipping: keep one bad batch from throwing the parameters far away.

Call between ``loss.backward()`` and ``optimizer.step()``::

    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    optimizer.step()

Both functions change the gradients in place (the trailing ``_``, PyTorch's convention).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from autograd_lite import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _grads(parameters: Tensor | Iterable[Tensor]) -> list[np.ndarray]:
    """The gradient arrays of the parameters that have one."""
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad.data for p in parameters if p.grad is not None]


def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
) -> Tensor:
    """Scale all gradients together so that their total norm is at most ``max_norm``.

    The total norm treats every gradient as one long vector:
    ``‖g‖ = (Σ_p Σ_i |g_pi|^q)^(1/q)`` for ``norm_type`` q (``inf``: the largest ``|g_pi|``).
    If ‖g‖ > max_norm, every gradient is multiplied by max_norm / (‖g‖ + 1e-6), which keeps
    the direction of the update and shortens it.

    Returns the total norm before clipping, as a 0-d Tensor (as PyTorch), handy to log.

    Examples
    --------
    >>> w = al.tensor([3.0, 4.0], requires_grad=True)
    >>> (w * w).sum().backward()
    >>> w.grad
    tensor([6., 8.])
    >>> nn.utils.clip_grad_norm_([w], max_norm=1.0)
    tensor(10.)
    >>> w.grad
    tensor([0.6, 0.8])
    """
    grads = _grads(parameters)
    if not grads:
        return Tensor(np.asarray(0.0))
    q = float(norm_type)
    if q == np.inf:
        total = max(float(np.max(np.abs(g))) if g.size else 0.0 for g in grads)
    else:
        # norm of the per-parameter norms = norm of everything, without concatenating
        norms = [np.linalg.norm(g.reshape(-1), ord=q) for g in grads]
        total = float(np.linalg.norm(np.asarray(norms), ord=q))
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"clip_grad_norm_: the total norm of order {norm_type} of the gradients is "
            f"{total}, so they cannot be clipped; pass error_if_nonfinite=False to scale anyway"
        )
    coef = max_norm / (total + 1e-6)
    if coef < 1.0:
        for g in grads:
            g *= coef
    return Tensor(np.asarray(total, dtype=grads[0].dtype))


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float) -> None:
    """Clip every gradient element to [-clip_value, clip_value], in place.

    Examples
    --------
    >>> w = al.tensor([3.0, -4.0], requires_grad=True)
    >>> (w * w).sum().backward()
    >>> nn.utils.clip_grad_value_([w], 1.0)
    >>> w.grad
    tensor([ 1., -1.])
    """
    if clip_value < 0:
        raise ValueError(f"clip_grad_value_: clip_value must be >= 0, got {clip_value!r}")
    for g in _grads(parameters):
        np.clip(g, -clip_value, clip_value, out=g)
