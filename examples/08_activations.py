"""Activation functions, their derivatives, and the vanishing gradient of the sigmoid.

What this teaches (cs231n, "Commonly used activation functions")
  * sigmoid, tanh, ReLU, Leaky ReLU and ELU next to their derivatives, each derivative
    computed by autograd (x.grad after f(x).sum().backward(), which for an elementwise f
    is f'(x) at every point).
  * The sigmoid's derivative is at most 1/4 and nearly 0 when it saturates; backprop
    multiplies one such factor per layer, so in a deep sigmoid network the gradient
    reaching the first layers is orders of magnitude smaller than at the last
    (the vanishing gradient). tanh (slope up to 1) suffers less; ReLU (slope 1 where
    active) passes gradients through unchanged.
  * Measured layer by layer: each Linear layer's mean |dL/dW| after one backward pass
    (every network starts from the initialization suited to its activation: Xavier for
    sigmoid and tanh, He for ReLU), and what that does to training.

Run it
  python examples/08_activations.py --out out/08_activations
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

ACTIVATIONS = {
    "sigmoid": (al.sigmoid, nn.Sigmoid),
    "tanh": (al.tanh, nn.Tanh),
    "ReLU": (al.relu, nn.ReLU),
    "Leaky ReLU": (lambda x: al.leaky_relu(x, 0.1), lambda: nn.LeakyReLU(0.1)),
    "ELU": (al.elu, nn.ELU),
}


def plot_activations(out: Path) -> None:
    print("1. activations and their autograd derivatives at x = -2, 0.5, 3")
    fig, axes = plt.subplots(1, len(ACTIVATIONS), figsize=(3.2 * len(ACTIVATIONS), 3.2))
    for ax, (name, (f, _)) in zip(axes, ACTIVATIONS.items()):
        x = al.tensor(np.linspace(-4, 4, 401), dtype="float64", requires_grad=True)
        y = f(x)
        y.sum().backward()  # elementwise f: x.grad[i] = f'(x[i])
        ax.plot(x.numpy(), y.numpy(), label=name)
        ax.plot(x.numpy(), x.grad.numpy(), "--", label="derivative")
        ax.axhline(0, color="gray", lw=0.6)
        ax.axvline(0, color="gray", lw=0.6)
        ax.set_ylim(-1.5, 3)
        ax.set_title(name)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="upper left")
        # Print f' at a few points (index of x = -2, 0.5, 3 on the grid).
        at = [int(np.argmin(np.abs(x.numpy() - v))) for v in (-2, 0.5, 3)]
        values = "  ".join(f"{x.grad.numpy()[i]:.3f}" for i in at)
        print(f"   {name:10s} f' = {values}   (largest slope {x.grad.numpy().max():.3f})")
    fig.tight_layout()
    path = out / "activations.png"
    savefig(fig, path, bbox_inches=None)


def deep_net(name: str, depth: int, width: int) -> nn.Sequential:
    """depth Linear layers with the activation ``name`` between them, well initialized."""
    sizes = [2] + [width] * (depth - 1) + [3]
    layers = []
    for i in range(depth):
        linear = nn.Linear(sizes[i], sizes[i + 1])
        if name == "ReLU":
            nn.init.kaiming_normal_(linear.weight, nonlinearity="relu")
        else:
            nn.init.xavier_normal_(linear.weight, gain=nn.init.calculate_gain(name.lower()))
        nn.init.zeros_(linear.bias)
        layers.append(linear)
        if i < depth - 1:
            layers.append(ACTIVATIONS[name][1]())
    return nn.Sequential(*layers)


def vanishing_gradients(out: Path, depth: int, epochs: int, seed: int) -> None:
    X, y = nn.datasets.spiral(seed=seed)
    names = ["sigmoid", "tanh", "ReLU"]
    print(f"\n2. a {depth}-layer network (width 50) on the spiral: mean |dL/dW| of each layer")
    grads, histories = {}, {}
    for name in names:
        al.manual_seed(seed)  # same initial weights for every activation
        model = deep_net(name, depth, 50)
        loss = nn.CrossEntropyLoss()(model(al.tensor(X)), y)
        loss.backward()
        linears = [m for m in model if isinstance(m, nn.Linear)]
        grads[name] = [float(np.abs(m.weight.grad.numpy()).mean()) for m in linears]
        # ...and what it does to learning: the same training for each.
        loader = nn.data.DataLoader(X, y, batch_size=50, shuffle=True, seed=seed)
        optimizer = nn.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        histories[name] = nn.fit(model, nn.CrossEntropyLoss(), optimizer, loader, epochs=epochs)

    print("   layer " + "".join(f"{n:>11s}" for n in names))
    for layer in range(depth):
        print(f"   {layer + 1:5d} " + "".join(f"{grads[n][layer]:11.2e}" for n in names))
    for n in names:
        ratio = grads[n][-1] / grads[n][0]
        acc = histories[n].train_metrics["accuracy"][-1]
        print(
            f"   {n:8s}: last layer / first layer = {ratio:8.1e};  accuracy after "
            f"{epochs} epochs {acc:.2f}"
        )

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    for n in names:
        left.semilogy(range(1, depth + 1), grads[n], "o-", label=n)
        right.plot(range(1, epochs + 1), histories[n].train_loss, label=n)
    left.set_xlabel("layer (1 = next to the input)")
    left.set_ylabel("mean |dL/dW|")
    left.set_title("gradient size per layer, at initialization")
    right.set_xlabel("epoch")
    right.set_ylabel("training loss")
    right.set_title("training the same deep network")
    for ax in (left, right):
        ax.grid(alpha=0.3)
        ax.legend()
    path = out / "vanishing_gradient.png"
    savefig(fig, path)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(__doc__, __file__, argv)
    args.out.mkdir(parents=True, exist_ok=True)
    plot_activations(args.out)
    vanishing_gradients(args.out, depth=10, epochs=5 if args.fast else 40, seed=args.seed)


if __name__ == "__main__":
    main()
