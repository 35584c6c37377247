"""Check analytic gradients against numerical ones (central differences), in float64.

The numerical derivative of f at x, for a small step h:

    df/dx ≈ (f(x + h) - f(x - h)) / 2h          (error O(h²))

``gradcheck`` compares it with what ``backward`` computes, element by element, and on a
mismatch says which input, which element, both values and the relative error
``|a - n| / max(|a|, |n|)`` (the cs231n measure: below 1e-7 is great, above 1e-2 is a bug).

A function with a non-scalar output is reduced to the scalar ``Σ f(x) ⊙ v`` with a fixed
random ``v``: checking that scalar's gradient checks the vector-Jacobian product the
backward pass computes, at the cost of one backward instead of one per output element.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from autograd_lite.engine import grad
from autograd_lite.errors import GradcheckError, fmt_shape
from autograd_lite.grad_mode import enable_grad, no_grad
from autograd_lite.tensor import Tensor


def _as_inputs(inputs: Any) -> tuple:
    return (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)


def _float64_copies(inputs: tuple) -> tuple:
    """Fresh float64 leaves (same requires_grad), so the check never touches the user's tensors."""
    out = []
    for x in inputs:
        if isinstance(x, Tensor) and x.dtype.kind == "f":
            out.append(Tensor(x.data.astype(np.float64), requires_grad=x.requires_grad))
        else:
            out.append(x)
    return tuple(out)


def _scalar_output(fn: Callable, inputs: tuple, v: np.ndarray | None) -> tuple[Tensor, Any]:
    out = fn(*inputs)
    if not isinstance(out, Tensor):
        raise TypeError(f"gradcheck: fn must return a Tensor, got {type(out).__name__}")
    if v is None:
        v = np.random.default_rng(0).standard_normal(out.shape) if out.data.size > 1 else 1.0
    return out, v


def numerical_grad(
    fn: Callable[..., Tensor],
    inputs: Any,
    eps: float = 1e-6,
    grad_output: Any = None,
) -> tuple[np.ndarray | None, ...]:
    """Central-difference gradient of ``Σ fn(*inputs) ⊙ grad_output`` (grad_output defaults
    to ones) for every input that requires grad; None for the others.

    Returns
    -------
    tuple of ndarray or None
        One array per input, of that input's shape.

    Examples
    --------
    >>> x = al.tensor([1.0, 2.0], dtype=np.float64, requires_grad=True)
    >>> (g,) = al.numerical_grad(lambda t: (t * t).sum(), [x])
    >>> np.round(g, 6)
    array([2., 4.])
    """
    inputs = _as_inputs(inputs)
    with no_grad():
        v = 1.0 if grad_output is None else np.asarray(grad_output, dtype=np.float64)

        def f() -> float:
            return float(np.sum(fn(*inputs).data.astype(np.float64) * v))

        result = []
        for x in inputs:
            if not (isinstance(x, Tensor) and x.requires_grad):
                result.append(None)
                continue
            g = np.zeros(x.shape, dtype=np.float64)
            flat = x.data.reshape(-1)  # a view: perturbing it perturbs x
            for k in range(flat.size):
                orig = flat[k]
                flat[k] = orig + eps
                f_plus = f()
                flat[k] = orig - eps
                f_minus = f()
                flat[k] = orig
                g.reshape(-1)[k] = (f_plus - f_minus) / (2 * eps)
            result.append(g)
    return tuple(result)


def gradcheck(
    fn: Callable[..., Tensor],
    inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """True if ``fn``'s analytic gradients match numerical ones for every input that
    requires grad; otherwise raise ``GradcheckError`` (or return False).

    Inputs are copied to float64 first. An element fails when
    ``|analytic - numeric| > atol + rtol * |numeric|``.

    Examples
    --------
    >>> x = al.tensor([0.5, 1.5], dtype=np.float64, requires_grad=True)
    >>> al.gradcheck(lambda t: (t.sin() * t).sum(), [x])
    True
    """
    inputs = _float64_copies(_as_inputs(inputs))
    checked = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input requires grad, so there is nothing to check")
    out, v = _scalar_output(fn, inputs, None)
    if out.dtype != np.float64:
        raise GradcheckError(
            f"gradcheck: fn returned {out.dtype} for float64 inputs; gradients can only be "
            "checked in float64 (does fn convert its inputs?)"
        )
    if out.requires_grad:
        weights = Tensor(np.broadcast_to(np.asarray(v, dtype=np.float64), out.shape).copy())
        analytic = grad(out, [inputs[i] for i in checked], grad_outputs=weights, allow_unused=True)
    else:  # out does not depend on any input: every gradient is zero
        analytic = (None,) * len(checked)
    numeric = numerical_grad(fn, inputs, eps=eps, grad_output=v)

    for i, a in zip(checked, analytic):
        n = numeric[i]
        a = np.zeros_like(n) if a is None else a.data.astype(np.float64)
        bad = ~(np.abs(a - n) <= atol + rtol * np.abs(n))  # (NaN on either side is bad too)
        if bad.any():
            if not raise_exception:
                return False
            raise GradcheckError(_report(i, inputs[i].shape, a, n, bad))
    return True


def _report(i: int, shape: tuple, a: np.ndarray, n: np.ndarray, bad: np.ndarray) -> str:
    rel = np.abs(a - n) / np.maximum(np.maximum(np.abs(a), np.abs(n)), 1e-300)
    worst = np.unravel_index(int(np.argmax(np.where(bad, rel, -1.0))), a.shape)
    element = tuple(int(k) for k in worst)
    return (
        f"gradcheck: gradient of input {i} (shape {fmt_shape(shape)}) does not match the "
        f"numerical gradient at {int(bad.sum())} of {a.size} element(s); worst at element "
        f"{element}: analytic {a[worst]:.8g}, numeric {n[worst]:.8g}, relative error "
        f"{rel[worst]:.3g}"
    )


def gradgradcheck(
    fn: Callable[..., Tensor],
    inputs: Any,
    grad_outputs: Any = None,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Check second derivatives: ``gradcheck`` of the first derivatives (computed with
    ``create_graph=True``) with respect to the inputs and the output gradient ``v``.

    Examples
    --------
    >>> x = al.tensor([0.5, 1.5], dtype=np.float64, requires_grad=True)
    >>> al.gradgradcheck(al.tanh, [x])
    True
    """
    inputs = _float64_copies(_as_inputs(inputs))
    diff = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not diff:
        raise ValueError("gradgradcheck: no input requires grad, so there is nothing to check")
    with no_grad():
        out_shape = fn(*inputs).shape
    rng = np.random.default_rng(1)
    if grad_outputs is None:
        v = Tensor(rng.standard_normal(out_shape), requires_grad=True)
    else:
        v = Tensor(np.asarray(grad_outputs, dtype=np.float64), requires_grad=True)
    # Project the first derivatives on fixed random directions: one scalar to check.
    directions = [rng.standard_normal(inputs[i].shape) for i in diff]
    n = len(inputs)

    def first_derivatives(*args: Any) -> Tensor:
        xs, v_ = args[:n], args[n]
        with enable_grad():  # numerical_grad calls this under no_grad
            gs = grad(
                fn(*xs),
                [xs[i] for i in diff],
                grad_outputs=v_,
                create_graph=True,
                allow_unused=True,
            )
        total = Tensor(np.zeros((), dtype=np.float64))
        for g, d in zip(gs, directions):
            if g is not None:
                total = total + (g * d).sum()
        return total

    return gradcheck(
        first_derivatives,
        (*inputs, v),
        eps=eps,
        atol=atol,
        rtol=rtol,
        raise_exception=raise_exception,
    )
