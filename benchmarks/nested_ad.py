"""Two nested-AD programs, written once for autograd-lite and for PyTorch (``torch.func``).

Both differentiate through a loop whose every step takes a derivative itself, the shape of
a Newton step or a meta-learning loop. With n steps the work is O(n); an engine whose inner
gradient walks the whole history behind its input makes it O(n²) (issue 24).

- ``particle``: Euler steps of a particle whose acceleration is minus the gradient of a
  potential (the inner ``grad``), and the outer ``grad`` of where the particle ends with
  respect to a parameter ``w`` of the potential: reverse over reverse, the nested-AD test
  of Pearlmutter and Siskind (a charge at (10, 10 - w) and one at (10, 0); the particle
  starts at (0, 8) moving right).
- ``newton``: damped Newton steps x <- x - ½ H⁻¹ ∇f on f(x; θ), with ``hessian`` (forward
  over reverse) and ``grad`` inside, and the outer ``grad`` of where x ends with respect to
  θ: reverse over forward over reverse. The 2x2 solve is Cramer's rule (no solve op needed).

``Lib`` holds the few names that differ between the libraries; ``make_lib(engine)`` gives
it for ``"autograd-lite"`` or ``"torch"``. Everything is float64.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

DT = 0.1  # Euler time step
NEWTON_DAMPING = 0.5


@dataclass(frozen=True)
class Lib:
    """The names the programs need from an engine."""

    tensor: Callable[[Any], Any]  # float64 tensor from a list or number
    grad: Callable  # torch.func.grad
    hessian: Callable  # torch.func.hessian
    stack: Callable  # stack(list of tensors)
    sqrt: Callable


def make_lib(engine: str) -> Lib:
    """The names for ``"autograd-lite"`` or ``"torch"`` (ImportError if not installed)."""
    if engine == "torch":
        import torch
        import torch.func

        return Lib(
            lambda v: torch.tensor(v, dtype=torch.float64),
            torch.func.grad,
            torch.func.hessian,
            torch.stack,
            torch.sqrt,
        )
    import numpy as np

    import autograd_lite as al
    from autograd_lite import func

    return Lib(
        lambda v: al.tensor(np.asarray(v, np.float64)),
        func.grad,
        func.hessian,
        al.stack,
        al.sqrt,
    )


# -- the particle: reverse over reverse --------------------------------------------------


def particle_end(lib: Lib, w: Any, steps: int) -> Any:
    """Where the particle is after ``steps`` Euler steps, as a number: x₀ + x₁ (a scalar
    that depends on w). w: a 0-d tensor."""
    moved, fixed = lib.tensor([10.0, 10.0]), lib.tensor([10.0, 0.0])
    down = lib.tensor([0.0, -1.0])

    def potential(x: Any, w: Any) -> Any:
        """p(x) = 1/|x - c₁(w)| + 1/|x - c₂|: two repelling charges."""
        d1, d2 = x - (moved + w * down), x - fixed
        return 1.0 / lib.sqrt((d1 * d1).sum()) + 1.0 / lib.sqrt((d2 * d2).sum())

    force = lib.grad(potential)  # ∇ₓp: the inner gradient
    x, v = lib.tensor([0.0, 8.0]), lib.tensor([0.75, 0.0])
    for _ in range(steps):
        a = -force(x, w)
        v = v + DT * a
        x = x + DT * v
    return x.sum()


def particle_grad(lib: Lib, w: Any, steps: int) -> Any:
    """d(particle_end)/dw: the outer gradient of the inner ones."""
    return lib.grad(lambda w: particle_end(lib, w, steps))(w)


# -- Newton: reverse over (forward over reverse) ---------------------------------------


def newton_end(lib: Lib, theta: Any, steps: int) -> Any:
    """Where damped Newton steps on f(x; θ) end after ``steps`` steps, summed. θ: 0-d.

    f(x; θ) = (x₀ - θ)⁴/4 + (x₁ + θx₀)² + ½|x|²: convex, so H is positive definite."""

    def f(x: Any, theta: Any) -> Any:
        a, b = x[0] - theta, x[1] + theta * x[0]
        return a**4 / 4 + b * b + 0.5 * (x * x).sum()

    gradient, hess = lib.grad(f), lib.hessian(f)
    x = lib.tensor([1.5, -1.0])
    for _ in range(steps):
        g, h = gradient(x, theta), hess(x, theta)
        det = h[0, 0] * h[1, 1] - h[0, 1] * h[1, 0]
        step = lib.stack([h[1, 1] * g[0] - h[0, 1] * g[1], h[0, 0] * g[1] - h[1, 0] * g[0]])
        x = x - NEWTON_DAMPING * step / det
    return x.sum()


def newton_grad(lib: Lib, theta: Any, steps: int) -> Any:
    """d(newton_end)/dθ."""
    return lib.grad(lambda t: newton_end(lib, t, steps))(theta)
