"""Teaching plots with matplotlib: training curves, decision boundaries, activation
statistics (the cs231n weight-initialization figure) and a function with its derivative.

Every function returns a ``matplotlib.figure.Figure`` and, given ``path``, also saves it
(.svg, .png or .pdf, chosen by the extension; written atomically). Figures are drawn with
the Agg canvas directly, never through pyplot, so nothing needs a screen and no global
plotting state is touched. Because pyplot never sees them, IPython's own figure display
does not either; so each figure is a ``visualize.figure.InlineFigure``, a Figure that
shows itself in Jupyter as a PNG, with no ``%matplotlib`` magic. ``.savefig`` works as usual.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from visualize.render import write_atomic

if TYPE_CHECKING:
    from matplotlib.figure import Figure

_FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf"}
# Keys of a history that are bookkeeping, not curves.
_NOT_CURVES = {"epoch", "epochs", "time", "seconds", "step"}


def _new_figure(width: float, height: float) -> Figure:
    # matplotlib is imported on first use: it takes a third of a second, and the CLI's
    # `graph` command and `import visualize` do not need it.
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from visualize.figure import InlineFigure

    fig = InlineFigure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)  # the Agg canvas: draws to memory, no screen needed
    return fig


def save_figure(fig: Figure, path: str | os.PathLike, where: str = "save_figure") -> Path:
    """Save ``fig`` to ``path`` as SVG, PNG or PDF (by extension), atomically.

    Returns
    -------
    Path
        Where the figure was written.

    Examples
    --------
    >>> import os, tempfile
    >>> fig = visualize.plot_function(al.sigmoid)
    >>> path = visualize.save_figure(fig, os.path.join(tempfile.mkdtemp(), "sigmoid.svg"))
    >>> path.suffix, path.stat().st_size > 0
    ('.svg', True)
    """
    path = Path(path)
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(
            f"{where}: cannot tell the format from {path.name!r}; "
            "use a name ending in .svg, .png or .pdf"
        )
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, dpi=120)
    return write_atomic(path, buffer.getvalue())


def _finish(fig: Figure, path: str | os.PathLike | None, where: str) -> Figure:
    if path is not None:
        save_figure(fig, path, where)
    return fig


def _numpy(x: Any) -> np.ndarray:
    data = x.data if hasattr(x, "grad_fn") else x
    return np.asarray(data)


# ---------------------------------------------------------------------------------------
# Training curves
# ---------------------------------------------------------------------------------------


def _history_dict(history: Any) -> dict[str, list[float]]:
    if hasattr(history, "as_dict"):
        history = history.as_dict()
    if not isinstance(history, Mapping):
        raise TypeError(
            "plot_history: expected a History (from nn.fit) or a dict of name -> list of "
            f"numbers per epoch, got {type(history).__name__}"
        )
    curves = {}
    for key, values in history.items():
        if str(key) in _NOT_CURVES:
            continue
        try:
            arr = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(f"plot_history: {key!r} is not a list of numbers") from None
        if arr.ndim != 1:
            raise ValueError(f"plot_history: {key!r} must be one number per epoch")
        if arr.size:
            curves[str(key)] = arr.tolist()
    if not curves:
        raise ValueError("plot_history: the history has no curves to plot (is it empty?)")
    return curves


def _split_key(key: str) -> tuple[str, str]:
    """``val_loss`` -> ("loss", "validation"); ``train_acc`` / ``acc`` -> ("acc", "train")."""
    for prefix, split in (("val_", "validation"), ("valid_", "validation"), ("train_", "train")):
        if key.startswith(prefix):
            return key[len(prefix) :], split
    return key, "train"


def plot_history(
    history: Any, path: str | os.PathLike | None = None, title: str | None = None
) -> Figure:
    """Loss and metric curves per epoch, train and validation in one panel per quantity.

    ``history``: what ``nn.fit`` returns (anything with ``.as_dict()``) or a dict such as
    ``{"loss": [...], "val_loss": [...], "accuracy": [...], "val_accuracy": [...]}``.

    Examples
    --------
    >>> fig = visualize.plot_history({"loss": [1.0, 0.6, 0.4], "val_loss": [1.1, 0.8, 0.7]})
    >>> fig.savefig("history.svg")
    """
    curves = _history_dict(history)
    panels: dict[str, dict[str, list[float]]] = {}
    for key, values in curves.items():
        name, split = _split_key(key)
        panels.setdefault(name, {})[split] = values
    # Loss first: it is what training minimizes.
    names = sorted(panels, key=lambda n: (0 if "loss" in n else 1, n))
    fig = _new_figure(4.2 * len(names), 3.4)
    axes = fig.subplots(1, len(names), squeeze=False)[0]
    for ax, name in zip(axes, names):
        for split, style in (("train", "-"), ("validation", "--")):
            values = panels[name].get(split)
            if values is not None:
                epochs = np.arange(1, len(values) + 1)
                ax.plot(
                    epochs, values, style, marker="o" if len(values) < 30 else None, label=split
                )
        ax.set_xlabel("epoch")
        ax.set_title(name)
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    return _finish(fig, path, "plot_history")


# ---------------------------------------------------------------------------------------
# Decision boundary
# ---------------------------------------------------------------------------------------


def predict_classes(model: Any, X: np.ndarray) -> np.ndarray:
    """Class predictions of ``model`` for rows of X, without recording a graph."""
    import autograd_lite as al

    training = getattr(model, "training", None)
    if training and hasattr(model, "eval"):
        model.eval()  # dropout off, batch norm uses running statistics
    try:
        with al.no_grad():
            out = _numpy(model(al.tensor(X)))
    finally:
        if training and hasattr(model, "train"):
            model.train()
    if out.ndim == 2 and out.shape[1] > 1:
        return out.argmax(axis=1)
    return (out.reshape(len(X)) > 0).astype(np.int64)  # one logit: positive means class 1


def plot_decision_boundary(
    model: Callable[[Any], Any],
    X: Any,
    y: Any,
    path: str | os.PathLike | None = None,
    resolution: int = 200,
    title: str | None = None,
) -> Figure:
    """The regions a classifier assigns to each class, with the data points on top.

    ``model``: maps a Tensor (N, 2) to scores (N, C) (argmax is the class) or (N,)/(N, 1)
    logits (positive is class 1). ``X``: (N, 2) points; ``y``: (N,) integer labels.

    Examples
    --------
    >>> X, y = nn.datasets.moons(100)
    >>> model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 2))
    >>> fig = visualize.plot_decision_boundary(model, X, y, resolution=50)
    >>> len(fig.axes)
    1
    """
    X = _numpy(X)
    y = _numpy(y)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(
            f"plot_decision_boundary: X must have shape (N, 2) (2-D points), got {X.shape}"
        )
    if y.shape != (X.shape[0],):
        raise ValueError(
            f"plot_decision_boundary: y must have shape ({X.shape[0]},) to match X, got {y.shape}"
        )
    if not np.isfinite(X).all():
        raise ValueError("plot_decision_boundary: X holds NaN or infinite values")
    if not 2 <= resolution <= 2000:
        raise ValueError(f"plot_decision_boundary: resolution must be in 2..2000, got {resolution}")
    dtype = X.dtype if X.dtype.kind == "f" else np.float32
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = 0.1 * np.maximum(hi - lo, 1e-3)
    gx, gy = np.meshgrid(
        np.linspace(lo[0] - pad[0], hi[0] + pad[0], resolution),
        np.linspace(lo[1] - pad[1], hi[1] + pad[1], resolution),
    )
    grid = np.column_stack([gx.ravel(), gy.ravel()]).astype(dtype)
    regions = predict_classes(model, grid).reshape(gx.shape)
    accuracy = float((predict_classes(model, X.astype(dtype)) == y).mean())

    n_classes = int(max(regions.max(), y.max())) + 1
    fig = _new_figure(5.5, 5)
    ax = fig.subplots()
    levels = np.arange(n_classes + 1) - 0.5
    ax.contourf(gx, gy, regions, levels=levels, cmap="tab10", vmin=-0.5, vmax=9.5, alpha=0.3)
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="tab10", vmin=-0.5, vmax=9.5, s=18, edgecolors="k")
    ax.set_title(title or f"decision boundary (accuracy {accuracy:.3f})")
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    return _finish(fig, path, "plot_decision_boundary")


# ---------------------------------------------------------------------------------------
# Activation statistics
# ---------------------------------------------------------------------------------------


def _layers(model: Any) -> list[Any]:
    try:
        layers = list(model)
    except TypeError:
        raise TypeError(
            "plot_activation_stats: the model must be a Sequential (an iterable of layers), "
            f"got {type(model).__name__}"
        ) from None
    if not layers:
        raise ValueError("plot_activation_stats: the model has no layers")
    return layers


def _has_parameters(layer: Any) -> bool:
    params = getattr(layer, "parameters", None)
    return params is not None and any(True for _ in params())


def plot_activation_stats(
    model: Any,
    X: Any,
    path: str | os.PathLike | None = None,
    bins: int = 50,
    title: str | None = None,
) -> Figure:
    """Histograms of each layer's activations for input ``X`` (cs231n, weight init).

    ``model``: a Sequential (iterable of layers); ``X``: a batch (N, ...). The output of
    every parameter-free layer (ReLU, Tanh, ...) is shown: if those squash to 0 or
    saturate at +-1 as depth grows, the initialization scale is wrong. If the model has
    no such layers, every layer's output is shown. The top row plots the mean and
    standard deviation per layer.

    Examples
    --------
    >>> model = nn.Sequential(nn.Linear(10, 20), nn.Tanh(), nn.Linear(20, 20), nn.Tanh())
    >>> fig = visualize.plot_activation_stats(model, al.randn(64, 10))
    >>> fig.savefig("activations.svg")
    """
    import autograd_lite as al

    layers = _layers(model)
    outputs: list[tuple[str, np.ndarray]] = []
    h = X if hasattr(X, "grad_fn") else al.tensor(_numpy(X))
    with al.no_grad():
        for i, layer in enumerate(layers):
            h = layer(h)
            outputs.append((f"{i}: {type(layer).__name__}", _numpy(h).ravel()))
    chosen = [out for out, layer in zip(outputs, layers) if not _has_parameters(layer)]
    chosen = chosen or outputs

    cols = len(chosen)
    fig = _new_figure(max(6.0, 2.4 * cols), 5.2)
    grid = fig.add_gridspec(2, cols, height_ratios=[1, 1.3])
    means = [float(a.mean()) for _, a in chosen]
    stds = [float(a.std()) for _, a in chosen]
    top = fig.add_subplot(grid[0, :])
    top.plot(range(1, cols + 1), means, "o-", label="mean")
    top.plot(range(1, cols + 1), stds, "s-", label="std")
    top.set_xticks(range(1, cols + 1), [name for name, _ in chosen], fontsize=8)
    top.set_title("activation mean and standard deviation per layer")
    top.grid(alpha=0.3)
    top.legend()
    for j, (name, acts) in enumerate(chosen):
        ax = fig.add_subplot(grid[1, j])
        ax.hist(acts, bins=bins, color="tab:blue")
        ax.set_title(f"{name}\nmean {means[j]:.2g} std {stds[j]:.2g}", fontsize=8)
        ax.tick_params(labelsize=7)
        if j:
            ax.set_yticks([])
    if title:
        fig.suptitle(title)
    return _finish(fig, path, "plot_activation_stats")


# ---------------------------------------------------------------------------------------
# A function and its derivative
# ---------------------------------------------------------------------------------------


def plot_function(
    fn: Callable[[Any], Any],
    x_range: Sequence[float] = (-5.0, 5.0),
    path: str | os.PathLike | None = None,
    num: int = 400,
    title: str | None = None,
) -> Figure:
    """Plot ``fn`` on ``x_range`` with its derivative computed by autograd.

    ``fn`` maps a Tensor to a Tensor elementwise (e.g. ``autograd_lite.tanh`` or
    ``lambda x: x * x.sigmoid()``). The derivative is ``x.grad`` after
    ``fn(x).sum().backward()``, which for an elementwise function is f'(x) at every x.

    Examples
    --------
    >>> fig = visualize.plot_function(al.tanh, x_range=(-3, 3), title="tanh and its derivative")
    >>> fig.savefig("tanh.svg")
    """
    import autograd_lite as al

    try:
        lo, hi = (float(v) for v in x_range)
    except (TypeError, ValueError):
        raise ValueError(
            f"plot_function: x_range must be two numbers (lo, hi), got {x_range!r}"
        ) from None
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise ValueError(f"plot_function: x_range must have lo < hi, got {x_range!r}")
    xs = np.linspace(lo, hi, int(num))
    x = al.tensor(xs, dtype="float64", requires_grad=True)
    y = fn(x)
    if not hasattr(y, "grad_fn") or tuple(y.shape) != xs.shape:
        raise ValueError(
            "plot_function: fn must map a Tensor to a Tensor of the same shape (an elementwise "
            f"function), got {type(y).__name__} {getattr(y, 'shape', '')}"
        )
    if not y.requires_grad:
        raise ValueError("plot_function: fn's result does not depend on x through autograd ops")
    y.sum().backward()
    dy = _numpy(x.grad) if x.grad is not None else np.zeros_like(xs)

    name = title or getattr(fn, "__name__", "f")
    if name == "<lambda>":
        name = "f"
    fig = _new_figure(6, 4)
    ax = fig.subplots()
    ax.plot(xs, _numpy(y), label=f"{name}(x)")
    ax.plot(xs, dy, "--", label=f"{name}'(x) (autograd)")
    ax.axhline(0, color="gray", lw=0.8)
    ax.axvline(0, color="gray", lw=0.8)
    ax.set_xlabel("x")
    ax.grid(alpha=0.3)
    ax.legend()
    ax.set_title(title or f"{name} and its derivative")
    return _finish(fig, path, "plot_function")
