"""``autograd-lite demo``: train a small MLP on a toy data set and draw what happened.

The whole cs231n loop in one command: data -> model -> loss -> backward -> optimizer
step, repeated, then pictures of one training step's graph (collapsed by module, with
gradients), the loss curves and, for 2-D data, the decision boundary.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from visualize.graph import draw_graph
from visualize.plots import plot_decision_boundary, plot_history, predict_classes
from visualize.render import RenderError, system_dot

DATASETS = ("spiral", "moons", "circles", "xor", "digits")


@dataclass
class Recipe:
    """How the demo trains on one data set (chosen to finish in seconds)."""

    hidden: int
    epochs: int
    lr: float
    batch_size: int


RECIPES = {
    "spiral": Recipe(hidden=100, epochs=150, lr=0.02, batch_size=64),
    "moons": Recipe(hidden=32, epochs=60, lr=0.02, batch_size=32),
    "circles": Recipe(hidden=32, epochs=80, lr=0.02, batch_size=32),
    "xor": Recipe(hidden=16, epochs=80, lr=0.02, batch_size=32),
    "digits": Recipe(hidden=64, epochs=15, lr=0.005, batch_size=64),
}


@dataclass
class DemoResult:
    """What the demo produced: final accuracies, the files written, the training time."""

    train_accuracy: float
    val_accuracy: float
    files: list[Path]
    seconds: float
    history: Any
    notes: list[str] = field(default_factory=list)  # e.g. the renderer fallback


def load_data(name: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The data set ``name`` (one of DATASETS) as ``(X, y)``; digits needs scikit-learn."""
    import nn

    if name == "digits":
        return nn.datasets.digits()
    if name == "xor":
        return nn.datasets.xor(200, seed=seed)
    return getattr(nn.datasets, name)(seed=seed)


def accuracy(model: Any, X: np.ndarray, y: np.ndarray) -> float:
    """Fraction of rows of X that ``model`` classifies as y."""
    return float((predict_classes(model, X) == y).mean())


def run_demo(
    dataset: str = "spiral",
    epochs: int | None = None,
    out: str | Path = "autograd-lite-demo",
    seed: int = 0,
    progress: bool = True,
) -> DemoResult:
    """Train an MLP on ``dataset`` and write graph.svg, history.svg (and boundary.svg for
    2-D data) to the folder ``out``."""
    import autograd_lite as al
    import nn

    recipe = RECIPES.get(dataset)
    if recipe is None:
        raise ValueError(f"demo: unknown dataset {dataset!r}; choose one of {', '.join(DATASETS)}")
    epochs = recipe.epochs if epochs is None else epochs
    if epochs < 1:
        raise ValueError(f"demo: epochs must be at least 1, got {epochs}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)

    al.manual_seed(seed)
    X, y = load_data(dataset, seed)
    split = nn.data.train_val_test_split(X, y, val=0.2, test=0.0, seed=seed, stratify=True)
    X_train, y_train, X_val, y_val = split.X_train, split.y_train, split.X_val, split.y_val
    n_classes = int(y.max()) + 1
    model = nn.Sequential(
        nn.Linear(X.shape[1], recipe.hidden),
        nn.ReLU(),
        nn.Linear(recipe.hidden, recipe.hidden),
        nn.ReLU(),
        nn.Linear(recipe.hidden, n_classes),
    )
    loss_fn = nn.CrossEntropyLoss()
    optimizer = nn.optim.Adam(model.parameters(), lr=recipe.lr)
    train_loader = nn.data.DataLoader(
        X_train, y_train, batch_size=recipe.batch_size, shuffle=True, seed=seed
    )
    val_loader = nn.data.DataLoader(X_val, y_val, batch_size=256, shuffle=False)

    start = time.perf_counter()
    history = nn.fit(
        model,
        loss_fn,
        optimizer,
        train_loader,
        epochs,
        val_loader=val_loader,
        metrics=("accuracy",),
        progress=progress,
    )
    seconds = time.perf_counter() - start

    # One training step, kept with its gradients: backward(retain_graph=True) keeps every
    # wire's gradient for the drawing; zero_grad afterwards leaves the model as trained.
    xb, yb = next(iter(nn.data.DataLoader(X_train, y_train, batch_size=16, shuffle=False)))
    model.train()
    loss = loss_fn(model(xb), yb)
    loss.name = "loss"
    loss.backward(retain_graph=True)
    title = f"one training step on {dataset} (batch of 16), collapsed by module"
    view = draw_graph(loss, collapse_modules=True, title=title)
    view.explore_hint = ""  # (view.explore() is Python: no hint on the command's picture)
    notes: list[str] = []
    try:
        files = [view.save(out / "graph.svg")]
    except (RenderError, OSError) as exc:
        if view.renderer == "wasm" or system_dot() is None or isinstance(exc, PermissionError):
            raise
        # The system `dot` is there but broken: the built-in renderer draws SVG as well.
        files = [view.save(out / "graph.svg", renderer="wasm")]
        notes.append(f"the system Graphviz `dot` failed ({exc}); drew with the built-in renderer")
    optimizer.zero_grad()

    model.eval()
    plot_history(history, out / "history.svg", title=f"training on {dataset}")
    files.append(out / "history.svg")
    if X.shape[1] == 2:
        plot_decision_boundary(model, X, y, out / "boundary.svg", resolution=150)
        files.append(out / "boundary.svg")
    return DemoResult(
        train_accuracy=accuracy(model, X_train, y_train),
        val_accuracy=accuracy(model, X_val, y_val),
        files=files,
        seconds=seconds,
        history=history,
        notes=notes,
    )
