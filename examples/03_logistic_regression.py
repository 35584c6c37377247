"""Logistic regression is a one-layer network: one Linear unit and a sigmoid.

What this teaches
  * The model p(y = 1 | x) = sigmoid(w . x + b) is nn.Linear(2, 1) followed by a sigmoid;
    BCEWithLogitsLoss puts the sigmoid inside the loss, where it is numerically safe.
  * Its decision boundary is the straight line w . x + b = 0, so it separates two blobs,
    does fairly on moons, and fails on XOR (chance level): one layer draws one line.
  * Adding a feature x1 * x2 makes XOR linearly separable in the new space: what the hidden
    layers of a deeper network learn to do by themselves.
  * nn.fit runs the usual loop (forward, loss, zero_grad, backward, step) and keeps a History.

Run it
  python examples/03_logistic_regression.py --out out/03_logistic_regression
"""

from __future__ import annotations

import numpy as np

import autograd_lite as al
import nn
import visualize

from _common import parse_args


def with_product(X: al.Tensor) -> al.Tensor:
    """(N, 2) -> (N, 3): the two coordinates and their product x1 * x2."""
    return al.concatenate([X, X[:, 0:1] * X[:, 1:2]], axis=1)


def train(model, X: np.ndarray, y: np.ndarray, epochs: int, seed: int) -> nn.History:
    # BCEWithLogitsLoss wants targets shaped like the output (N, 1), as floats.
    targets = y.reshape(-1, 1).astype(np.float32)
    loader = nn.data.DataLoader(X, targets, batch_size=32, shuffle=True, seed=seed)
    optimizer = nn.optim.SGD(model.parameters(), lr=0.5)
    return nn.fit(model, nn.BCEWithLogitsLoss(), optimizer, loader, epochs=epochs)


def accuracy(model, X: np.ndarray, y: np.ndarray) -> float:
    """Fraction classified right: class 1 where the logit w . x + b is positive."""
    with al.no_grad():  # evaluating only: record no graph
        logits = model(al.tensor(X)).numpy()[:, 0]
    return float(((logits > 0) == y).mean())


def main(argv: list[str] | None = None) -> None:
    args = parse_args(__doc__, __file__, argv)
    args.out.mkdir(parents=True, exist_ok=True)
    al.manual_seed(args.seed)
    epochs = 15 if args.fast else 60

    problems = {
        "blobs": nn.datasets.blobs(n=200, centers=[[-1.5, -1.0], [1.5, 1.0]], seed=args.seed),
        "moons": nn.datasets.moons(n=200, noise=0.15, seed=args.seed),
        "xor": nn.datasets.xor(n=200, noise=0.15, seed=args.seed),
    }
    print(f"logistic regression, {epochs} epochs of SGD (lr 0.5, batches of 32)\n")
    print(f"   {'data':16s} {'accuracy':>8s}   boundary w1*x1 + w2*x2 + b = 0")
    for name, (X, y) in problems.items():
        model = nn.Linear(2, 1)  # the whole model: w (1, 2) and b (1,)
        history = train(model, X, y, epochs, args.seed)
        acc = accuracy(model, X, y)
        (w1, w2), b = model.weight.numpy()[0], model.bias.item()
        print(f"   {name:16s} {acc:8.3f}   {w1:+.2f}*x1 {w2:+.2f}*x2 {b:+.2f} = 0")
        path = args.out / f"boundary_{name}.png"
        visualize.plot_decision_boundary(
            model, X, y, path=path, title=f"logistic regression on {name} (accuracy {acc:.2f})"
        )
        print(f"wrote {path}")
        if name == "blobs":
            path = args.out / "history_blobs.png"
            visualize.plot_history(history, path=path, title="logistic regression on blobs")
            print(f"wrote {path}")

    # XOR again, with the product feature: now one straight line (a plane in 3-D) suffices.
    X, y = problems["xor"]
    layer = nn.Linear(3, 1)
    train(layer, with_product(al.tensor(X)).numpy(), y, epochs, args.seed)
    acc = accuracy(lambda X: layer(with_product(X)), X, y)
    print(f"   {'xor + x1*x2':16s} {acc:8.3f}   (a line in the space (x1, x2, x1*x2))")
    path = args.out / "boundary_xor_product.png"
    visualize.plot_decision_boundary(
        lambda X: layer(with_product(X)),
        X,
        y,
        path=path,
        title=f"xor with the feature x1*x2 (accuracy {acc:.2f})",
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
