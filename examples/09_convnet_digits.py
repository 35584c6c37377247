"""A small convolutional network on scikit-learn's 8x8 digits, and what its filters learned.

What this teaches
  * A convnet layer by layer: Conv2d slides small filters over the image (weights shared
    across positions), ReLU, MaxPool2d halves the resolution; the shapes are printed as a
    batch flows through, (N, C, H, W) at every step.
  * Far fewer weights than a fully connected net for the same job, and >= 0.97 accuracy on
    held-out digits after a few seconds of training with Adam.
  * The first layer's 3x3 filters drawn as images (edge and stroke detectors), the feature
    maps they produce on one digit, and the training curves.

Needs the digits extra:  pip install "autograd-lite[digits]"
Run it
  python examples/09_convnet_digits.py --out out/09_convnet_digits
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # draw to files, no window
import matplotlib.pyplot as plt
import numpy as np

import autograd_lite as al
import nn
import visualize

from _common import parse_args, savefig


def convnet() -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(1, 16, kernel_size=3, padding=1),  # (N, 1, 8, 8) -> (N, 16, 8, 8)
        nn.ReLU(),
        nn.MaxPool2d(2),  # -> (N, 16, 4, 4)
        nn.Conv2d(16, 32, kernel_size=3, padding=1),  # -> (N, 32, 4, 4)
        nn.ReLU(),
        nn.MaxPool2d(2),  # -> (N, 32, 2, 2)
        nn.Flatten(),  # -> (N, 128)
        nn.Linear(32 * 2 * 2, 10),  # -> (N, 10) class scores
    )


def main(argv: list[str] | None = None) -> None:
    args = parse_args(__doc__, __file__, argv)
    try:
        X, y = nn.datasets.digits(flatten=False)  # X: (1797, 1, 8, 8) in [0, 1]
    except ImportError:
        print("skipped: install autograd-lite[digits] (scikit-learn) to run this example")
        return
    args.out.mkdir(parents=True, exist_ok=True)
    al.manual_seed(args.seed)
    split = nn.data.train_val_test_split(X, y, val=0.0, test=0.25, seed=args.seed, stratify=True)
    X_train, y_train = split.X_train, split.y_train
    if args.fast:
        X_train, y_train = X_train[:400], y_train[:400]
    epochs = 3 if args.fast else 15

    model = convnet()
    print("shapes through the network, for a batch of 5 digits:")
    h = al.tensor(X_train[:5])
    print(f"   {'input':10s} {h.shape}")
    with al.no_grad():
        for layer in model:
            h = layer(h)
            print(f"   {type(layer).__name__:10s} {h.shape}")
    print(
        f"parameters: {model.num_parameters()} "
        f"(a 64-100-10 fully connected net has {64 * 100 + 100 + 100 * 10 + 10})"
    )

    train = nn.data.DataLoader(X_train, y_train, batch_size=32, shuffle=True, seed=args.seed)
    test = nn.data.DataLoader(split.X_test, split.y_test, batch_size=len(split.y_test))
    optimizer = nn.optim.Adam(model.parameters(), lr=3e-3)
    history = nn.fit(model, nn.CrossEntropyLoss(), optimizer, train, epochs, val_loader=test)
    accuracy = history.val_metrics["accuracy"][-1]
    print(
        f"\ntrained {epochs} epochs on {len(y_train)} digits: "
        f"test accuracy {accuracy:.3f} on {len(split.y_test)} held-out digits"
    )
    with al.no_grad():
        predicted = model(al.tensor(split.X_test)).numpy().argmax(axis=1)
    wrong = predicted != split.y_test
    pairs = [(t, p) for t, p in zip(split.y_test[wrong], predicted[wrong])]
    if pairs:
        (t, p), count = max(((pair, pairs.count(pair)) for pair in set(pairs)), key=lambda c: c[1])
        print(f"mistakes: {wrong.sum()}; the most common: {t} read as {p} ({count} times)")

    visualize.plot_history(history, path=args.out / "history.png", title="convnet on digits")
    print(f"wrote {args.out / 'history.png'}")

    # The first layer's filters: 16 kernels of 3x3 (one input channel).
    filters = model[0].weight.numpy()[:, 0]  # (16, 3, 3)
    fig, axes = plt.subplots(2, 8, figsize=(8, 2.4))
    lim = np.abs(filters).max()
    for k, ax in enumerate(axes.flat):
        ax.imshow(filters[k], cmap="RdBu_r", vmin=-lim, vmax=lim)
        ax.set_title(f"filter {k}", fontsize=7)
        ax.axis("off")
    fig.suptitle("first-layer 3x3 filters (red positive, blue negative)")
    savefig(fig, args.out / "filters.png")

    # What those filters see: the feature maps of one test digit after conv + ReLU.
    digit = split.X_test[:1]
    with al.no_grad():
        maps = model[1](model[0](al.tensor(digit))).numpy()[0]  # (16, 8, 8)
    fig, axes = plt.subplots(2, 9, figsize=(9, 2.4))
    axes[0, 0].imshow(digit[0, 0], cmap="gray_r")
    axes[0, 0].set_title(f"digit {split.y_test[0]}", fontsize=7)
    axes[1, 0].axis("off")
    for k, ax in enumerate(np.concatenate([axes[0, 1:], axes[1, 1:]])):
        ax.imshow(maps[k], cmap="viridis")
        ax.set_title(f"map {k}", fontsize=7)
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle("one digit and its 16 feature maps after the first conv + ReLU")
    savefig(fig, args.out / "feature_maps.png")


if __name__ == "__main__":
    main()
