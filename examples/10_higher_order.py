"""Second derivatives: differentiate the backward pass itself.

What this teaches
  * ``al.grad(y, x, create_graph=True)`` records the backward pass as a new graph, so
    its result can be differentiated again: f'' (and f''', ...) come for free.
  * Newton's method in 1-D, x <- x - f'(x) / f''(x), against gradient descent on the same
    function: quadratic convergence near the minimum, in a handful of steps.
  * A Hessian-vector product H v = d/dw (grad f(w) . v) without ever forming H (two
    backward passes, the cost of a gradient), and the full Hessian built from n of them,
    checked against finite differences of the gradient and with gradgradcheck.
  * tanh and its first four derivatives, each one the autograd derivative of the last.

Run it
  python examples/10_higher_order.py --out out/10_higher_order
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # draw to files, no window
import matplotlib.pyplot as plt
import numpy as np

import autograd_lite as al

from _common import parse_args, savefig


def f(x):
    """f(x) = x^4 / 4 - x^2 + x / 2 + 1: minima at x = -1.52 and 1.27, a maximum at 0.25."""
    return x**4 / 4 - x**2 + x / 2 + 1


def derivatives(x_value: float) -> tuple[float, float, float]:
    """f(x), f'(x) and f''(x) by autograd."""
    x = al.tensor(x_value, dtype="float64", requires_grad=True)
    y = f(x)
    (dy,) = al.grad(y, x, create_graph=True)  # dy is a tensor with its own graph...
    (d2y,) = al.grad(dy, x)  # ...so it can be differentiated again
    return y.item(), dy.item(), d2y.item()


def newton_vs_gradient_descent(out: Path) -> None:
    print("1. minimize f(x) = x^4/4 - x^2 + x/2 + 1 from x = 2")
    print("   step   Newton x          |f'(x)|      gradient descent x (lr 0.05)  |f'(x)|")
    x_newton, x_gd = 2.0, 2.0
    path_newton, path_gd = [x_newton], [x_gd]
    for step in range(1, 9):
        _, d1, d2 = derivatives(x_newton)
        x_newton -= d1 / d2  # Newton: jump to the minimum of the local parabola
        _, g, _ = derivatives(x_gd)
        x_gd -= 0.05 * g  # gradient descent: a small step downhill
        path_newton.append(x_newton)
        path_gd.append(x_gd)
        print(
            f"   {step:4d}   {x_newton:.12f}  {abs(derivatives(x_newton)[1]):9.2e}    "
            f"{x_gd:.12f}               {abs(derivatives(x_gd)[1]):9.2e}"
        )

    # Newton finds where f' = 0, which may be a maximum: start it near the hump.
    x_hump = 0.6
    path_hump = [x_hump]
    for _ in range(8):
        _, d1, d2 = derivatives(x_hump)
        x_hump -= d1 / d2
        path_hump.append(x_hump)
    d2 = derivatives(x_hump)[2]
    print(f"   Newton from x = 0.6 converges to x = {x_hump:.6f}, where f'' = {d2:.3f} < 0:")
    print("   a maximum! Newton looks for f' = 0; only f'' > 0 makes that a minimum.")

    xs = np.linspace(-2.2, 2.2, 400)
    fig, ax = plt.subplots(figsize=(6.5, 4))
    ax.plot(xs, f(xs), color="gray", label="f(x)")
    runs = (
        (path_newton, "o-", "Newton"),
        (path_gd, "s--", "gradient descent"),
        (path_hump, "^:", "Newton from 0.6"),
    )
    for path, style, name in runs:
        ys = [f(x) for x in path]
        ax.plot(path, ys, style, ms=5, label=f"{name} ({len(path) - 1} steps)")
    ax.set_xlabel("x")
    ax.set_title("Newton's method uses f'' to choose its step")
    ax.legend()
    ax.grid(alpha=0.3)
    savefig(fig, out / "newton.png")


def loss(w):
    """A smooth loss of w (n,) for the Hessian demo: logistic loss on fixed data + w^4."""
    rng = np.random.default_rng(0)
    X = al.tensor(rng.normal(size=(20, w.shape[0])))
    y = al.tensor(rng.integers(0, 2, size=20).astype(np.float64))
    p = al.sigmoid(X @ w)
    return -(y * al.log(p) + (1 - y) * al.log(1 - p)).mean() + 0.1 * (w**4).sum()


def hvp(w: al.Tensor, v: al.Tensor) -> al.Tensor:
    """H v = d/dw (grad f(w) . v): the Hessian never exists as a matrix."""
    (g,) = al.grad(loss(w), w, create_graph=True)
    (hv,) = al.grad((g * v).sum(), w)
    return hv


def hessian_vector_products(out: Path, n: int, rng: np.random.Generator) -> None:
    print(f"\n2. Hessian-vector products of a loss of {n} weights")
    w = al.tensor(rng.normal(size=n), requires_grad=True)
    v = al.tensor(rng.normal(size=n))
    hv = hvp(w, v)

    # The full Hessian, one column per unit vector e_i: H e_i = column i.
    H = np.stack([hvp(w, al.tensor(np.eye(n)[i])).numpy() for i in range(n)], axis=1)

    # Check 1: finite differences of the gradient, (g(w + h v) - g(w - h v)) / 2h = H v.
    def gradient(w_array: np.ndarray) -> np.ndarray:
        wt = al.tensor(w_array, requires_grad=True)
        return al.grad(loss(wt), wt)[0].numpy()

    h = 1e-5
    fd = (gradient(w.numpy() + h * v.numpy()) - gradient(w.numpy() - h * v.numpy())) / (2 * h)
    print(f"   |Hv - finite differences|  = {np.abs(hv.numpy() - fd).max():.2e}")
    print(f"   |Hv - H @ v|               = {np.abs(hv.numpy() - H @ v.numpy()).max():.2e}")
    print(f"   H is symmetric             : {np.allclose(H, H.T)}")
    eig = np.linalg.eigvalsh(H)
    shape = "a bowl: positive definite" if eig.min() > 0 else "a saddle: indefinite"
    print(f"   eigenvalues of H in [{eig.min():.3f}, {eig.max():.3f}] ({shape})")
    # Check 2: gradgradcheck checks every second derivative numerically.
    ok = al.gradgradcheck(loss, (al.tensor(w.numpy(), requires_grad=True),))
    print(f"   gradgradcheck(loss)        : {ok}")

    fig, ax = plt.subplots(figsize=(4.5, 4))
    im = ax.imshow(H, cmap="RdBu_r", vmin=-np.abs(H).max(), vmax=np.abs(H).max())
    fig.colorbar(im, ax=ax)
    ax.set_title(f"Hessian built from {n} Hessian-vector products")
    savefig(fig, out / "hessian.png")


def tanh_derivatives(out: Path) -> None:
    print("\n3. tanh and its derivatives, each the autograd derivative of the previous one")
    x = al.tensor(np.linspace(-4, 4, 321), requires_grad=True)
    ys = [al.tanh(x)]
    for _ in range(4):
        # Summing works because the function is elementwise: d(sum y)/dx_i = dy_i/dx_i.
        (d,) = al.grad(ys[-1].sum(), x, create_graph=True)
        ys.append(d)
    i = int(np.argmin(np.abs(x.numpy() - 0.5)))
    x_i = x.numpy()[i]
    t = np.tanh(x_i)
    exact = [t, 1 - t**2, -2 * t * (1 - t**2)]  # tanh' = 1 - tanh^2, tanh'' = -2 tanh tanh'
    got = "  ".join(f"d{k} = {y.numpy()[i]:+.4f}" for k, y in enumerate(ys))
    print(f"   at x = {x_i:.3f}: {got}")
    print("   by hand       : " + "  ".join(f"d{k} = {v:+.4f}" for k, v in enumerate(exact)))
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for k, y in enumerate(ys):
        ax.plot(x.numpy(), y.numpy(), label="tanh" + "'" * k if k < 4 else "tanh''''")
    ax.set_title("tanh and four derivatives, by autograd")
    ax.legend()
    ax.grid(alpha=0.3)
    savefig(fig, out / "tanh_derivatives.png")


def main(argv: list[str] | None = None) -> None:
    args = parse_args(__doc__, __file__, argv)
    args.out.mkdir(parents=True, exist_ok=True)
    al.set_default_dtype(np.float64)  # second derivatives want float64 precision
    rng = np.random.default_rng(args.seed)
    newton_vs_gradient_descent(args.out)
    hessian_vector_products(args.out, n=4 if args.fast else 8, rng=rng)
    tanh_derivatives(args.out)


if __name__ == "__main__":
    main()
