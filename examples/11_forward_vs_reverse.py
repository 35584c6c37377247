"""Forward mode and reverse mode: the two ways to run the chain rule, and when each wins.

What this teaches
  * The example of Baydin et al., "Automatic Differentiation in Machine Learning: a Survey"
    (JMLR 2018), Tables 2 and 3: f(x1, x2) = ln(x1) + x1*x2 - sin(x2) at (2, 5).
    Forward mode carries a tangent next to every value (dual numbers): one pass seeded on
    x1 gives df/dx1 = 5.5, and df/dx2 needs a second pass. Reverse mode runs forward once
    and backward once and gets both: df/dx1 = 5.5, df/dx2 = 1.716. Both traces are printed
    as the survey prints them, and the forward pass is drawn (values green, tangents blue).
  * The cost of a Jacobian of f: R^n -> R^m. jacfwd pushes one tangent per input (n forward
    passes), jacrev pulls one gradient per output (m backward passes): reverse mode wins
    when n >> m (a loss of a million weights: one backward pass), forward mode when n << m.
    Both are timed on a small network while n and m grow, and plotted: the crossover.
  * Newton's method with the Hessian, computed as jacfwd(jacrev(f)): forward mode over
    reverse mode, as torch.func.hessian does. On Rosenbrock's banana valley it reaches
    the minimum in a handful of steps where gradient descent crawls.

Run it
  python examples/11_forward_vs_reverse.py --out out/11_forward_vs_reverse
"""

from __future__ import annotations

import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # draw to files, no window
import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np

import autograd_lite as al
import visualize
from autograd_lite import forward_ad, func

from _common import parse_args, savefig

# -- 1. the survey's example, both ways --------------------------------------------------------


def f_survey(x1, x2):
    return al.log(x1) + x1 * x2 - al.sin(x2)


def variable(value: float, tangent: float, name: str) -> al.Tensor:
    """An input as a dual number (value, tangent). It requires grad only so that the graph
    is recorded: to be drawn now, and to run backward on later."""
    x = forward_ad.make_dual(al.tensor(value), al.tensor(tangent)).requires_grad_()
    x.name = name
    return x


def survey(out: Path) -> None:
    print("1. f(x1, x2) = ln(x1) + x1*x2 - sin(x2) at (x1, x2) = (2, 5)  (Baydin et al. 2018)")
    print(
        "\n   Forward mode (Table 2): each value carries its tangent d/dx1; seed x1' = 1, x2' = 0"
    )
    with forward_ad.dual_level():
        x1, x2 = variable(2.0, 1.0, "x1"), variable(5.0, 0.0, "x2")
        f = f_survey(x1, x2)
        f.name = "f"
        steps = visualize.trace_steps(f)
        picture = visualize.draw_graph(
            f, title="ln(x1) + x1*x2 - sin(x2), forward mode: tangents d/dx1", show_grads=False
        )
        df_dx1 = forward_ad.unpack_dual(f).tangent.item()
    print(indent(visualize.trace_table(steps, ("value", "tangent"), seed="x1")))
    print(f"   one forward pass: f = {f.item():.3f}, df/dx1 = {df_dx1:.3f}")
    # Forward mode gives one input's derivative per pass: a second pass, seeded on x2.
    with forward_ad.dual_level():
        f2 = f_survey(
            forward_ad.make_dual(al.tensor(2.0), al.tensor(0.0)),
            forward_ad.make_dual(al.tensor(5.0), al.tensor(1.0)),
        )
        df_dx2_forward = forward_ad.unpack_dual(f2).tangent.item()
    print(f"   a second pass, seeded x1' = 0, x2' = 1: df/dx2 = {df_dx2_forward:.3f}")
    print(f"wrote {picture.save(out / 'forward_trace.svg')}")

    print("\n   Reverse mode (Table 3): one backward pass gives every adjoint d f/d v")
    f.backward(retain_graph=True)  # the graph recorded above (its tangents are gone)
    steps = visualize.trace_steps(f)
    print(indent(visualize.trace_table(steps, ("value", "adjoint"))))
    print(f"   one backward pass: df/dx1 = {x1.grad.item():.3f}, df/dx2 = {x2.grad.item():.3f}")
    reverse = visualize.draw_graph(f, title="ln(x1) + x1*x2 - sin(x2), reverse mode")
    print(f"wrote {reverse.save(out / 'reverse_trace.svg')}")


def indent(text: str) -> str:
    return "\n".join("   " + line for line in text.splitlines())


# -- 2. the cost of a Jacobian: n inputs, m outputs ------------------------------------------


def network(n: int, m: int, rng: np.random.Generator, hidden: int = 32):
    """f: R^n -> R^m, x -> W2 tanh(W1 x): a small two-layer network."""
    w1 = al.tensor(rng.normal(size=(hidden, n)) / np.sqrt(n))
    w2 = al.tensor(rng.normal(size=(m, hidden)) / np.sqrt(hidden))
    return lambda x: w2 @ al.tanh(w1 @ x)


def best_time(jacobian, f, x: al.Tensor, repeats: int) -> float:
    """The fastest of ``repeats`` runs of ``jacobian(f)(x)``, in seconds (the fastest is
    the least disturbed by other work on the machine)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        jacobian(f)(x)
        times.append(time.perf_counter() - start)
    return min(times)


def jacobian_cost(out: Path, sizes: list[int], rng: np.random.Generator, repeats: int) -> None:
    small = 4
    print("\n2. The Jacobian of f: R^n -> R^m (a 2-layer network), by jacfwd and jacrev")
    print("   jacfwd: n forward passes, one per input;  jacrev: m backward passes, one per output")
    print(f"   {'n':>5} {'m':>5}  {'jacfwd ms':>10} {'jacrev ms':>10}  faster")
    results = {"n >> m": [], "n << m": []}
    for case in results:
        for size in sizes:
            n, m = (size, small) if case == "n >> m" else (small, size)
            f = network(n, m, rng)
            x = al.tensor(rng.normal(size=n))
            by_fwd, by_rev = func.jacfwd(f)(x), func.jacrev(f)(x)
            assert by_fwd.shape == by_rev.shape == (m, n)
            np.testing.assert_allclose(by_fwd, by_rev, rtol=1e-10, atol=1e-12)  # the same J
            t_fwd = best_time(func.jacfwd, f, x, repeats)
            t_rev = best_time(func.jacrev, f, x, repeats)
            results[case].append((size, t_fwd, t_rev))
            faster = "forward" if t_fwd < t_rev else "reverse"
            print(f"   {n:5d} {m:5d}  {1e3 * t_fwd:10.2f} {1e3 * t_rev:10.2f}  {faster}")

    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    for ax, (case, rows) in zip(axes, results.items()):
        size, t_fwd, t_rev = (np.array(c) for c in zip(*rows))
        ax.loglog(size, 1e3 * t_fwd, "o-", color="tab:blue", label="jacfwd (forward mode)")
        ax.loglog(size, 1e3 * t_rev, "s-", color="tab:red", label="jacrev (reverse mode)")
        grows = "n" if case == "n >> m" else "m"
        ax.set_xlabel(f"{grows} ({'inputs' if grows == 'n' else 'outputs'}); the other is {small}")
        ax.set_title(f"{case}: {'reverse' if case == 'n >> m' else 'forward'} mode wins")
        ax.grid(alpha=0.3, which="both")
    axes[0].set_ylabel("time for the whole Jacobian (ms)")
    axes[0].yaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
    axes[0].yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    axes[0].legend()
    fig.suptitle("Jacobian of f: R^n -> R^m: n forward passes or m backward passes")
    savefig(fig, out / "jacobian_cost.png")


# -- 3. Newton's method with the Hessian -------------------------------------------------------


def rosenbrock(p):
    """(1 - x)^2 + 100 (y - x^2)^2: a curved valley with its minimum at (1, 1)."""
    x, y = p[0], p[1]
    return (1.0 - x) ** 2 + 100.0 * (y - x**2) ** 2


def newton(out: Path, gd_steps: int) -> None:
    print("\n3. Newton's method on Rosenbrock's valley, from (-1.2, 1): x <- x - H^-1 grad f")
    print("   H = func.hessian(f) = jacfwd(jacrev(f)): forward mode over reverse mode")
    gradient, hessian = func.grad(rosenbrock), func.hessian(rosenbrock)
    p = al.tensor([-1.2, 1.0])
    path = [p.numpy().copy()]
    print(f"   {'step':>4}  {'x':>9} {'y':>9}  {'f':>10}  {'|grad f|':>9}")
    for step in range(1, 20):
        g, H = gradient(p).numpy(), hessian(p).numpy()
        p = al.tensor(p.numpy() - np.linalg.solve(H, g))  # jump to the local quadratic's minimum
        path.append(p.numpy().copy())
        size = np.abs(gradient(p).numpy()).max()
        print(
            f"   {step:4d}  {p.numpy()[0]:9.6f} {p.numpy()[1]:9.6f}  "
            f"{rosenbrock(p).item():10.3e}  {size:9.2e}"
        )
        if size < 1e-10:
            break
    newton_steps = len(path) - 1
    x, y = p.numpy()
    print(f"   Newton: ({x:.6f}, {y:.6f}) after {newton_steps} steps")

    q = al.tensor([-1.2, 1.0])
    gd_path = [q.numpy().copy()]
    for _ in range(gd_steps):
        q = al.tensor(q.numpy() - 1e-3 * gradient(q).numpy())
        gd_path.append(q.numpy().copy())
    print(
        f"   gradient descent (lr 0.001), {gd_steps} steps: ({q.numpy()[0]:.4f}, "
        f"{q.numpy()[1]:.4f}), f = {rosenbrock(q).item():.3e}"
    )

    xs, ys = np.meshgrid(np.linspace(-1.6, 1.6, 300), np.linspace(-3.5, 2.0, 400))
    zs = (1 - xs) ** 2 + 100 * (ys - xs**2) ** 2
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    ax.contour(xs, ys, np.log10(zs + 1e-3), levels=20, cmap="Greys", linewidths=0.7)
    newton_path, gd_path = np.array(path), np.array(gd_path)
    ax.plot(*gd_path.T, "-", color="tab:orange", label=f"gradient descent ({gd_steps} steps)")
    ax.plot(*newton_path.T, "o-", color="tab:blue", label=f"Newton ({newton_steps} steps)")
    ax.plot([1], [1], "*", color="black", ms=12, label="minimum (1, 1)")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_title("Newton's method with func.hessian on Rosenbrock's valley")
    ax.legend(loc="lower left")
    savefig(fig, out / "newton.png")


def main(argv: list[str] | None = None) -> None:
    args = parse_args(__doc__, __file__, argv)
    args.out.mkdir(parents=True, exist_ok=True)
    al.set_default_dtype(np.float64)  # the survey's numbers to the last digit
    rng = np.random.default_rng(args.seed)
    survey(args.out)
    sizes = [2, 8, 32, 128] if args.fast else [2, 8, 32, 128, 512]
    jacobian_cost(args.out, sizes, rng, repeats=2 if args.fast else 5)
    newton(args.out, gd_steps=500 if args.fast else 5000)


if __name__ == "__main__":
    main()
