"""Optimizers: SGD, momentum, Nesterov, AdaGrad, RMSProp and Adam, side by side.

What this teaches (cs231n, "Parameter updates")
  * Every optimizer reads the same gradient; they differ in how they turn it into a step.
    Momentum accumulates a velocity (speed along consistent directions, damped zig-zags);
    Nesterov evaluates it one step ahead; AdaGrad and RMSProp divide each parameter's step
    by the size of its recent gradients (per-parameter learning rates); Adam does both.
  * On one problem (a 2-layer net on the spiral, same initial weights for all) the loss
    curves show the difference in one figure.
  * On 2-D surfaces you can see the paths: a long narrow valley (plain SGD zig-zags across
    and crawls along it) and a saddle point (plain SGD barely escapes, adaptive methods do).

Run it
  python examples/07_optimizers.py --out out/07_optimizers
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # draw to files, no window
import matplotlib.pyplot as plt
import numpy as np

import autograd_lite as al
import nn

from _common import parse_args, savefig

# name -> (class, its settings besides the learning rate)
OPTIMIZERS = {
    "SGD": (nn.optim.SGD, {}),
    "momentum": (nn.optim.SGD, {"momentum": 0.9}),
    "Nesterov": (nn.optim.SGD, {"momentum": 0.9, "nesterov": True}),
    "AdaGrad": (nn.optim.Adagrad, {}),
    "RMSProp": (nn.optim.RMSprop, {}),
    "Adam": (nn.optim.Adam, {}),
}
# Each method has its own range of good learning rates (part of the lesson):
# the adaptive ones take steps of about lr whatever the gradient's size. On the spiral
# SGD gets momentum's lr: momentum 0.9 then moves about lr / (1 - 0.9) = 10x farther.
LEARNING_RATES = {
    "spiral": {
        "SGD": 0.1,
        "momentum": 0.1,
        "Nesterov": 0.1,
        "AdaGrad": 0.5,
        "RMSProp": 0.01,
        "Adam": 0.02,
    },
    "valley": {
        "SGD": 0.45,
        "momentum": 0.05,
        "Nesterov": 0.05,
        "AdaGrad": 1.0,
        "RMSProp": 0.1,
        "Adam": 0.3,
    },
    "saddle": {
        "SGD": 0.05,
        "momentum": 0.05,
        "Nesterov": 0.05,
        "AdaGrad": 0.3,
        "RMSProp": 0.03,
        "Adam": 0.1,
    },
}


def make_optimizer(name: str, params, problem: str):
    cls, settings = OPTIMIZERS[name]
    return cls(params, lr=LEARNING_RATES[problem][name], **settings)


def loss_curves(out: Path, epochs: int, seed: int) -> None:
    X, y = nn.datasets.spiral(seed=seed)
    al.manual_seed(seed)
    model = nn.Sequential(nn.Linear(2, 100), nn.ReLU(), nn.Linear(100, 3))
    start = {k: v.numpy().copy() for k, v in model.state_dict().items()}  # shared init

    print(f"1. spiral, 2-100-3 ReLU net, {epochs} epochs of mini-batches of 60, same start")
    print(f"   {'optimizer':10s} {'final loss':>10s} {'accuracy':>9s}")
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for name in OPTIMIZERS:
        model.load_state_dict(start)
        loader = nn.data.DataLoader(X, y, batch_size=60, shuffle=True, seed=seed)
        history = nn.fit(
            model,
            nn.CrossEntropyLoss(),
            make_optimizer(name, model.parameters(), "spiral"),
            loader,
            epochs=epochs,
        )
        acc = history.train_metrics["accuracy"][-1]
        print(f"   {name:10s} {history.train_loss[-1]:10.4f} {acc:9.3f}")
        ax.plot(range(1, epochs + 1), history.train_loss, label=name)
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss")
    ax.set_title("one problem, six optimizers")
    ax.grid(alpha=0.3)
    ax.legend()
    path = out / "loss_curves.png"
    savefig(fig, path)


def valley(p):
    """A long narrow valley: 40 times steeper across (y) than along (x)."""
    return 0.05 * p[0] ** 2 + 2.0 * p[1] ** 2


def saddle(p):
    """A saddle point at (0, 0): up along x, down along y (flattening out further away)."""
    return p[0] ** 2 - al.tanh(p[1]) ** 2 * 2.0


def trajectory(name: str, problem: str, f, start, steps: int) -> np.ndarray:
    """The path an optimizer takes on the surface f, from start."""
    p = al.tensor(start, dtype="float64", requires_grad=True)  # both coordinates, one tensor
    opt = make_optimizer(name, [p], problem)
    path = [p.numpy().copy()]
    for _ in range(steps):
        opt.zero_grad()
        f(p).backward()
        opt.step()
        path.append(p.numpy().copy())
    return np.array(path)


def surfaces(out: Path, steps: int) -> None:
    problems = [
        ("valley", valley, [-9.0, 1.5], (-10, 2, -2, 2), "a long narrow valley"),
        ("saddle", saddle, [-1.0, 1e-6], (-1.2, 1.2, -1.2, 2.2), "a saddle point at (0, 0)"),
    ]
    print(f"\n2. paths on 2-D surfaces, {steps} steps each: f at the end (the lower the better)")
    print(f"   {'optimizer':10s} {'valley':>8s} {'saddle':>8s}")
    paths = {}
    for problem, f, start, *_ in problems:
        for name in OPTIMIZERS:
            paths[problem, name] = trajectory(name, problem, f, start, steps)
    for name in OPTIMIZERS:
        with al.no_grad():
            ends = [f(al.tensor(paths[problem, name][-1])).item() for problem, f, *_ in problems]
        print(f"   {name:10s} {ends[0]:8.3f} {ends[1]:8.3f}")

    fig, axes = plt.subplots(1, 2, figsize=(13, 4.8))
    for ax, (problem, f, start, (x0, x1, y0, y1), title) in zip(axes, problems):
        gx, gy = np.meshgrid(np.linspace(x0, x1, 200), np.linspace(y0, y1, 200))
        with al.no_grad():
            gz = f([al.tensor(gx), al.tensor(gy)]).numpy()
        ax.contour(gx, gy, gz, levels=30, cmap="gray", linewidths=0.6)
        for name in OPTIMIZERS:
            path = paths[problem, name]
            ax.plot(path[:, 0], path[:, 1], ".-", ms=3, lw=1, label=name)
        ax.plot(*start, "k*", ms=12)
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_title(f"{title} (start at the star)")
    axes[0].legend(fontsize=8, loc="lower right")
    path = out / "trajectories.png"
    savefig(fig, path)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(__doc__, __file__, argv)
    args.out.mkdir(parents=True, exist_ok=True)
    loss_curves(args.out, epochs=20 if args.fast else 150, seed=args.seed)
    surfaces(args.out, steps=40 if args.fast else 80)


if __name__ == "__main__":
    main()
