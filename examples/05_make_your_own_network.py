"""The network of "Make Your Own Neural Network" (Tariq Rashid), on scikit-learn's digits.

What this teaches
  * The book's recipe, step by step: a 3-layer network (inputs, one hidden layer, outputs),
    sigmoid everywhere, no biases, weights drawn from N(0, 1/sqrt(incoming links));
    inputs scaled to 0.01..1.0 (a zero input would switch its weights' learning off),
    targets 0.01 / 0.99 (a sigmoid never reaches 0 or 1), squared error, and plain SGD
    with one example at a time.
  * The book derives the weight update by hand,
        W_ho += lr * (e_o * o * (1 - o)) @ h.T,    e_h = W_ho.T @ e_o, ...
    autograd computes exactly that from the squared error; the script checks it once.
  * The learning rate and the number of epochs are choices: a sweep, printed as a table
    and plotted, shows too small is slow and too large overshoots.

Needs the digits extra:  pip install "autograd-lite[digits]"
Run it
  python examples/05_make_your_own_network.py --out out/05_make_your_own_network
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # draw to files, no window
import matplotlib.pyplot as plt
import numpy as np

import autograd_lite as al
import nn

from _common import parse_args, savefig


class NeuralNetwork:
    """The book's class: three layers of nodes, two weight matrices, train() and query().

    Examples are column vectors, as in the book: inputs (i, 1), W_ih (h, i), W_ho (o, h).
    """

    def __init__(self, inodes: int, hnodes: int, onodes: int, lr: float, seed: int) -> None:
        rng = np.random.default_rng(seed)
        # std = 1 / sqrt(number of links coming into a node)
        self.W_ih = al.tensor(rng.normal(0, inodes**-0.5, (hnodes, inodes)), requires_grad=True)
        self.W_ho = al.tensor(rng.normal(0, hnodes**-0.5, (onodes, hnodes)), requires_grad=True)
        self.lr = lr

    def query(self, inputs: al.Tensor) -> al.Tensor:
        """inputs (i, m) -> outputs (o, m): m examples at once, one per column."""
        hidden = al.sigmoid(self.W_ih @ inputs)
        return al.sigmoid(self.W_ho @ hidden)

    def loss(self, inputs: al.Tensor, targets: al.Tensor) -> al.Tensor:
        """Squared error, halved so that its gradient is the book's error (o - t)."""
        return 0.5 * ((self.query(inputs) - targets) ** 2).sum()

    def train(self, inputs: al.Tensor, targets: al.Tensor) -> None:
        """One SGD step on one example: W -= lr * dE/dW for both weight matrices."""
        self.W_ih.grad = self.W_ho.grad = None
        self.loss(inputs, targets).backward()
        with al.no_grad():  # the update is not part of the model: do not record it
            self.W_ih -= self.lr * self.W_ih.grad
            self.W_ho -= self.lr * self.W_ho.grad


def book_update_check(net: NeuralNetwork, x: np.ndarray, t: np.ndarray) -> float:
    """The book's hand-derived gradient for W_ho against autograd's; returns the difference."""
    h = 1 / (1 + np.exp(-net.W_ih.numpy() @ x))
    o = 1 / (1 + np.exp(-net.W_ho.numpy() @ h))
    output_errors = t - o
    book_step = (output_errors * o * (1 - o)) @ h.T  # the book's "+= lr * ..." term
    net.W_ho.grad = None
    net.loss(al.tensor(x), al.tensor(t)).backward()
    return float(np.abs(book_step - (-net.W_ho.grad.numpy())).max())  # step = -gradient


def main(argv: list[str] | None = None) -> None:
    args = parse_args(__doc__, __file__, argv)
    try:
        X, y = nn.datasets.digits()
    except ImportError:
        print("skipped: install autograd-lite[digits] (scikit-learn) to run this example")
        return
    args.out.mkdir(parents=True, exist_ok=True)
    al.set_default_dtype(np.float64)

    # Scale inputs from 0..1 to 0.01..1.0, and one-hot targets to 0.01 / 0.99.
    X = X.astype(np.float64) * 0.99 + 0.01
    T = np.full((len(y), 10), 0.01)
    T[np.arange(len(y)), y] = 0.99
    order = np.random.default_rng(args.seed).permutation(len(y))  # shuffle, then 3/4 to train
    train_idx, test_idx = order[: 3 * len(y) // 4], order[3 * len(y) // 4 :]
    if args.fast:
        train_idx = train_idx[:200]
    X_test = al.tensor(X[test_idx].T)  # (64, m_test): examples as columns
    print(f"digits: {len(train_idx)} training and {len(test_idx)} test examples, 64 pixels")

    net = NeuralNetwork(64, 100, 10, lr=0.1, seed=args.seed)
    x0, t0 = X[train_idx[0]].reshape(-1, 1), T[train_idx[0]].reshape(-1, 1)
    print(
        f"book's hand-derived update vs autograd: max difference "
        f"{book_update_check(net, x0, t0):.1e}\n"
    )

    lrs = [0.1, 0.3] if args.fast else [0.05, 0.1, 0.3, 1.0, 3.0, 10.0]
    max_epochs = 2 if args.fast else 5
    table = np.zeros((len(lrs), max_epochs))
    for i, lr in enumerate(lrs):
        net = NeuralNetwork(64, 100, 10, lr=lr, seed=args.seed)
        for epoch in range(max_epochs):
            for k in train_idx:  # one example at a time, as in the book
                net.train(al.tensor(X[k].reshape(-1, 1)), al.tensor(T[k].reshape(-1, 1)))
            with al.no_grad():
                predicted = net.query(X_test).numpy().argmax(axis=0)
            table[i, epoch] = (predicted == y[test_idx]).mean()

    print("test accuracy (rows: learning rate, columns: epochs)")
    print("   lr   " + "".join(f"{e:>8d}" for e in range(1, max_epochs + 1)))
    for lr, row in zip(lrs, table):
        print(f"  {lr:5.2f} " + "".join(f"{a:8.3f}" for a in row))
    best = np.unravel_index(table.argmax(), table.shape)
    print(f"best: {table[best]:.3f} with lr {lrs[best[0]]} after {best[1] + 1} epoch(s)")

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    epochs = np.arange(1, max_epochs + 1)
    for lr, row in zip(lrs, table):
        left.plot(epochs, row, "o-", label=f"lr {lr}")
    left.set_xlabel("epochs")
    left.set_ylabel("test accuracy")
    left.set_xticks(epochs)
    left.grid(alpha=0.3)
    left.legend()
    left.set_title("accuracy after each epoch")
    image = right.imshow(table, cmap="viridis", aspect="auto")
    right.set_xticks(range(max_epochs), epochs)
    right.set_yticks(range(len(lrs)), lrs)
    right.set_xlabel("epochs")
    right.set_ylabel("learning rate")
    for (r, c), a in np.ndenumerate(table):
        right.text(c, r, f"{a:.2f}", ha="center", va="center", color="w", fontsize=8)
    fig.colorbar(image, ax=right)
    right.set_title("learning rate x epochs")
    path = args.out / "lr_epochs_sweep.png"
    savefig(fig, path)


if __name__ == "__main__":
    main()
