"""Weight initialization: why the scale of the first weights decides whether a deep net learns.

What this teaches (the cs231n experiment)
  * Push a batch of random inputs through 10 layers (tanh, then ReLU) and look at each
    layer's activations. With weights ~ 0.01 * N(0, 1) the activations shrink layer after
    layer towards 0 (and so do the gradients); with 1.0 * N(0, 1) tanh units saturate at
    -1 and +1, where their slope is 0; Xavier (std 1/sqrt(fan_in)) keeps tanh activations
    spread out; ReLU zeroes half its inputs and needs He (std sqrt(2/fan_in)).
  * Zero initialization is worse than small: every hidden unit computes the same thing,
    receives the same gradient and makes the same update, so they stay identical forever
    (the symmetry is never broken). A constant other than 0 has the same problem.

Run it
  python examples/06_initialization.py --out out/06_initialization
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

INITS = {
    "zeros": lambda w: nn.init.zeros_(w),
    "small random (0.01)": lambda w: nn.init.normal_(w, 0.0, 0.01),
    "large random (1.0)": lambda w: nn.init.normal_(w, 0.0, 1.0),
    "Xavier": lambda w: nn.init.xavier_normal_(w),
    "He": lambda w: nn.init.kaiming_normal_(w, nonlinearity="relu"),
}


def deep_net(width: int, depth: int, activation, init) -> nn.Sequential:
    """depth x [Linear(width, width) -> activation], weights from ``init``, biases 0."""
    layers = []
    for _ in range(depth):
        linear = nn.Linear(width, width)
        init(linear.weight)
        nn.init.zeros_(linear.bias)
        layers += [linear, activation()]
    return nn.Sequential(*layers)


def layer_stats(model: nn.Sequential, X: al.Tensor):
    """Each activation layer's output, and the gradient reaching the first layer's weights."""
    outputs, h = [], X
    for layer in model:
        h = layer(h)
        if not isinstance(layer, nn.Linear):
            outputs.append(h.numpy().ravel())
    # Send a random unit-size gradient down from the top, as a loss would, and see how
    # much of it reaches the first layer.
    h.backward(al.randn(*h.shape))
    first = next(iter(model))
    return outputs, float(np.abs(first.weight.grad.numpy()).mean())


def activation_experiment(out: Path, width: int, depth: int, n: int) -> None:
    X = al.randn(n, width)  # unit-variance random inputs, as in the cs231n notes
    shown = (1, (depth + 1) // 2, depth)  # the layers the printed table shows
    print(f"1. {depth} layers of {width} units, {n} random inputs: activation std per layer")
    print(
        f"   {'':5s} {'init':20s}"
        + "".join(f"{f'layer {k}':>10s}" for k in shown)
        + "   mean |dL/dW1|"
    )
    stds = {}
    for act_name, act in (("tanh", nn.Tanh), ("ReLU", nn.ReLU)):
        fig, axes = plt.subplots(
            len(INITS), depth, figsize=(1.6 * depth, 1.5 * len(INITS)), sharey="row"
        )
        for row, (init_name, init) in enumerate(INITS.items()):
            al.manual_seed(row)
            outputs, grad = layer_stats(deep_net(width, depth, act, init), X)
            stds[act_name, init_name] = [a.std() for a in outputs]
            s = stds[act_name, init_name]
            print(
                f"   {act_name:5s} {init_name:20s}"
                + "".join(f"{s[k - 1]:10.2e}" for k in shown)
                + f"   {grad:.2e}"
            )
            # One x range per row (layer 1's), so shrinking or growing shows across it.
            # ReLU outputs are exactly 0 for half the units: histogram the positive ones.
            if act_name == "tanh":
                lo, hi = -1.0, 1.0
            else:
                lo, hi = 0.0, 3.0 * float(outputs[0].std()) or 1.0  # or 1.0: all zeros
            for k, (ax, a) in enumerate(zip(axes[row], outputs)):
                ax.hist(a if act_name == "tanh" else a[a > 0], bins=30, range=(lo, hi))
                ax.text(
                    0.97, 0.9, f"std {a.std():.1g}", transform=ax.transAxes, ha="right", fontsize=6
                )
                ax.set_yticks([])
                ax.tick_params(labelsize=6)
                if row == 0:
                    ax.set_title(f"layer {k + 1}", fontsize=8)
            axes[row, 0].set_ylabel(init_name, fontsize=8)
        fig.suptitle(f"{act_name} network: activations of each layer, per initialization")
        fig.subplots_adjust(left=0.06, right=0.99, bottom=0.06, top=0.88, wspace=0.1, hspace=0.5)
        path = out / f"activations_{act_name.lower()}.png"
        savefig(fig, path, dpi=100, bbox_inches=None)

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    for ax, act_name in zip(axes, ("tanh", "ReLU")):
        for init_name in INITS:
            s = np.maximum(stds[act_name, init_name], 1e-30)  # zeros: log scale needs > 0
            ax.semilogy(range(1, depth + 1), s, "o-", label=init_name)
        ax.set_title(f"{act_name}: standard deviation of activations")
        ax.set_xlabel("layer")
        ax.set_ylim(bottom=1e-12)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    path = out / "activation_std.png"
    savefig(fig, path)


def symmetry_experiment(out: Path, epochs: int, seed: int) -> None:
    X, y = nn.datasets.spiral(seed=seed)
    print("\n2. symmetry: a 2-16-3 tanh network trained on the spiral")
    print(f"   {'init':20s} {'accuracy':>8s}   max difference between hidden units' weights")
    inits = {
        "zeros": INITS["zeros"],
        "constant 0.3": lambda w: nn.init.constant_(w, 0.3),
        "small random (0.01)": INITS["small random (0.01)"],
        "Xavier": INITS["Xavier"],
    }
    fig, axes = plt.subplots(len(inits), 1, figsize=(7, 1.5 * len(inits)))
    for ax, (name, init) in zip(axes, inits.items()):
        al.manual_seed(seed)
        model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 3))
        for layer in (model[0], model[2]):
            init(layer.weight)
            nn.init.zeros_(layer.bias)
        loader = nn.data.DataLoader(X, y, batch_size=len(X))
        opt = nn.optim.SGD(model.parameters(), lr=1.0, momentum=0.9)
        history = nn.fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=epochs)
        W1 = model[0].weight.numpy()  # (16, 2): one row per hidden unit
        spread = np.abs(W1 - W1[0]).max()  # 0 means every hidden unit is the same unit
        acc = history.train_metrics["accuracy"][-1]
        print(f"   {name:20s} {acc:8.3f}   {spread:.3g}")
        top = np.abs(W1).max() + 1e-9
        ax.imshow(W1.T, cmap="RdBu_r", vmin=-top, vmax=top)  # a column per hidden unit
        ax.set_title(f"{name} (accuracy {acc:.2f})", fontsize=9)
        ax.set_yticks([0, 1], ["from x1", "from x2"], fontsize=8)
        ax.set_xticks(range(16))
        ax.tick_params(labelsize=7)
    axes[-1].set_xlabel("hidden unit")
    fig.suptitle("first-layer weights after training: identical columns = identical units")
    fig.tight_layout()
    path = out / "symmetry.png"
    savefig(fig, path, bbox_inches=None)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(__doc__, __file__, argv)
    args.out.mkdir(parents=True, exist_ok=True)
    al.manual_seed(args.seed)
    if args.fast:
        activation_experiment(args.out, width=100, depth=5, n=200)
    else:
        activation_experiment(args.out, width=500, depth=10, n=1000)
    symmetry_experiment(args.out, epochs=60 if args.fast else 300, seed=args.seed)


if __name__ == "__main__":
    main()
