"""The training loop, written once: ``fit`` a model, ``evaluate`` it, keep the ``History``.

::

    model = nn.Sequential(nn.Linear(2, 100), nn.ReLU(), nn.Linear(100, 3))
    opt = nn.optim.Adam(model.parameters(), lr=1e-2)
    history = nn.fit(model, nn.CrossEntropyLoss(), opt, train_loader, epochs=20,
                     val_loader=val_loader)
    history.val_metrics["accuracy"][-1]          # accuracy on validation after the last epoch
    nn.evaluate(model, test_loader, nn.CrossEntropyLoss())   # {"loss": ..., "accuracy": ...}

``fit`` is nothing more than the loop every PyTorch tutorial writes by hand (forward,
loss, ``zero_grad``, ``backward``, ``step``), plus bookkeeping; read it to see the loop.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from autograd_lite import Tensor, no_grad

__all__ = ["History", "accuracy", "evaluate", "fit"]

Metric = Callable[[np.ndarray, np.ndarray], float]


# ----------------------------------------------------------------------------------------
# Metrics: functions of (output array, target array) -> the batch's mean score


def accuracy(output: np.ndarray, target: np.ndarray) -> float:
    """Fraction of examples whose predicted class is the target.

    - output (N, C) with C > 1 (or (N, C, d1, ...)): the prediction is the class with the
      largest score, ``argmax`` over axis 1, compared with integer targets (N,) / (N, d1, ...).
    - output (N,) or (N, 1), a single logit per example (for ``BCEWithLogitsLoss``): the
      prediction is ``output > 0`` (σ(x) > 0.5), compared with targets 0/1. Outputs that are
      already probabilities (after a sigmoid) need a threshold of 0.5: pass your own metric.
    """
    if output.ndim >= 2 and output.shape[1] > 1:
        expected = output.shape[:1] + output.shape[2:]
        if target.shape != expected:
            raise ValueError(
                f"accuracy: scores of shape {output.shape} need class-index targets of shape "
                f"{expected}, got {target.shape}; for regression pass metrics=None (or your "
                "own metric) to fit / evaluate"
            )
        return float(np.mean(output.argmax(axis=1) == target))
    return float(np.mean((output.reshape(target.shape) > 0) == (target > 0.5)))


_METRICS: dict[str, Metric] = {"accuracy": accuracy}


def _resolve_metrics(metrics: Any) -> dict[str, Metric]:
    """``("accuracy", my_fn)`` -> ``{"accuracy": accuracy, "my_fn": my_fn}``."""
    if metrics is None:
        return {}
    if isinstance(metrics, dict):  # already resolved (fit passes its metrics to evaluate)
        return metrics
    if isinstance(metrics, str) or callable(metrics):
        metrics = (metrics,)
    resolved = {}
    for m in metrics:
        if callable(m):
            resolved[getattr(m, "__name__", type(m).__name__)] = m
        elif m in _METRICS:
            resolved[m] = _METRICS[m]
        else:
            raise ValueError(
                f"unknown metric {m!r}; built in: {', '.join(sorted(_METRICS))}, or pass a "
                "function f(output: ndarray, target: ndarray) -> float"
            )
    return resolved


# ----------------------------------------------------------------------------------------
# History


@dataclass
class History:
    """What ``fit`` measured, one entry per epoch.

    Attributes:
        train_loss: mean training loss of each epoch (averaged over the epoch's batches,
            weighted by batch size, measured while training, as the batches went by).
        val_loss: loss on the validation loader after each epoch (empty without one).
        train_metrics: ``{"accuracy": [...], ...}``, measured like ``train_loss``.
        val_metrics: the same on the validation loader.
        lr: the learning rate of the first param group during each epoch.
    """

    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    train_metrics: dict[str, list[float]] = field(default_factory=dict)
    val_metrics: dict[str, list[float]] = field(default_factory=dict)
    lr: list[float] = field(default_factory=list)

    def __len__(self) -> int:
        """The number of epochs recorded."""
        return len(self.train_loss)

    def __getitem__(self, name: str) -> list[float]:
        """One series by its name in ``as_dict()``: ``history["train_loss"]``,
        ``history["val_accuracy"]``, ... (a KeyError lists the names there are)."""
        series = self.as_dict()
        if name not in series:
            raise KeyError(
                f"History has no {name!r}; its series are {sorted(series)} (train_loss, "
                "val_loss, train_<metric>, val_<metric>; validation only with val_loader)"
            )
        return series[name]

    def __contains__(self, name: object) -> bool:
        return name in self.as_dict()

    def keys(self) -> list[str]:
        """The names ``history[...]`` accepts."""
        return list(self.as_dict())

    def as_dict(self) -> dict[str, list[float]]:
        """Flat lists by name: ``{"train_loss": [...], "val_loss": [...],
        "train_accuracy": [...], "val_accuracy": [...]}`` (validation entries only when a
        validation loader was given), e.g. for ``pandas.DataFrame(history.as_dict())``."""
        out = {"train_loss": list(self.train_loss)}
        if self.val_loss:
            out["val_loss"] = list(self.val_loss)
        for name, values in self.train_metrics.items():
            out[f"train_{name}"] = list(values)
        for name, values in self.val_metrics.items():
            if values:
                out[f"val_{name}"] = list(values)
        return out

    def __repr__(self) -> str:
        if not self.train_loss:
            return "History(0 epochs)"
        last = ", ".join(f"{k}={v[-1]:.4g}" for k, v in self.as_dict().items())
        return f"History({len(self)} epochs; last: {last})"


# ----------------------------------------------------------------------------------------
# The loop


def _in_notebook() -> bool:
    """Whether this runs in a Jupyter kernel (where stderr is no terminal but bars show)."""
    shell = getattr(sys.modules.get("IPython"), "get_ipython", lambda: None)()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def _progress_bar(**options: Any) -> Any:
    """A tqdm bar from ``tqdm.auto``: the notebook widget in Jupyter, the text bar elsewhere.
    (tqdm is imported on first use: ``import nn`` need not load it.) A notebook without
    ipywidgets, where the widget cannot be made, gets the text bar."""
    with warnings.catch_warnings():
        # Without ipywidgets, importing tqdm.auto in Jupyter warns "IProgress not found"
        # into every notebook that calls fit, even with progress=False; the text bar below
        # is the answer to that, so the warning says nothing the user must act on.
        warnings.filterwarnings("ignore", message="IProgress not found")
        from tqdm.auto import tqdm

    try:
        return tqdm(**options)
    except ImportError:  # tqdm.notebook without ipywidgets: "IProgress not found"
        from tqdm import tqdm as text_tqdm

        return text_tqdm(**options)


def _set_training(model: Any, training: bool) -> None:
    # A Module switches dropout, batch norm, ...; a plain function has nothing to switch.
    mode = getattr(model, "train" if training else "eval", None)
    if mode is not None:
        mode()


def _split(batch: Any) -> tuple[Sequence[Any], Any]:
    """A loader's batch ``(x, y)`` (or ``(x1, x2, ..., y)``) -> (model inputs, target)."""
    if not isinstance(batch, (tuple, list)) or len(batch) < 2:
        raise TypeError(
            "fit/evaluate: each batch must be a tuple (inputs, target), as DataLoader(X, y) "
            f"yields; got {type(batch).__name__}"
        )
    return batch[:-1], batch[-1]


def fit(
    model: Callable[..., Tensor],
    loss_fn: Callable[[Tensor, Any], Tensor],
    optimizer: Any,
    train_loader: Iterable[Any],
    epochs: int,
    val_loader: Iterable[Any] | None = None,
    metrics: Iterable[str | Metric] | None = ("accuracy",),
    progress: bool = True,
    scheduler: Any = None,
) -> History:
    """Train ``model`` for ``epochs`` passes over ``train_loader``; return the ``History``.

    Each batch ``(xb, yb)``: ``out = model(xb)``, ``loss = loss_fn(out, yb)``,
    ``optimizer.zero_grad()``, ``loss.backward()``, ``optimizer.step()``. The model is in
    training mode (``model.train()``) while it learns; after each epoch it is evaluated on
    ``val_loader`` (if given) in eval mode without recording the graph, and
    ``scheduler.step()`` (if given) moves the learning rate to the next epoch.

    Args:
        model: an ``nn.Module`` (or any function of the inputs returning a Tensor).
        loss_fn: e.g. ``nn.CrossEntropyLoss()``; its reduction should be 'mean'.
        optimizer: an ``nn.optim`` optimizer over the model's parameters.
        train_loader: an iterable of batches ``(xb, yb)``, e.g. ``nn.data.DataLoader``.
        epochs: the number of passes over the training data.
        val_loader: batches to evaluate on after each epoch.
        metrics: names (``"accuracy"``) or functions ``f(output, target) -> float`` of
            NumPy arrays; training metrics are measured on each batch's output before its
            update (so they lag the model slightly, as the loss does).
        progress: show a progress bar (``tqdm.auto``: a widget in Jupyter, text on stderr
            in a terminal); never shown when stderr is not a terminal outside Jupyter (logs,
            CI, tests).
        scheduler: an ``nn.optim.lr_scheduler`` schedule, stepped once per epoch.
    """
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 0:
        raise ValueError(f"fit: epochs must be a non-negative int, got {epochs!r}")
    fns = _resolve_metrics(metrics)
    history = History(
        train_metrics={name: [] for name in fns}, val_metrics={name: [] for name in fns}
    )
    try:
        batches_per_epoch = len(train_loader)  # type: ignore[arg-type]
    except TypeError:
        batches_per_epoch = None
    show = progress and (sys.stderr.isatty() or _in_notebook())
    bar = _progress_bar(
        total=epochs * batches_per_epoch if batches_per_epoch is not None else None,
        desc="fit",
        unit="batch",
        disable=not show,
        dynamic_ncols=True,
    )
    try:
        for epoch in range(epochs):
            _set_training(model, True)
            if hasattr(optimizer, "param_groups"):
                history.lr.append(optimizer.param_groups[0]["lr"])
            loss_sum, seen = 0.0, 0
            metric_sums = dict.fromkeys(fns, 0.0)
            for batch in train_loader:
                inputs, target = _split(batch)
                out = model(*inputs)
                loss = loss_fn(out, target)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                # bookkeeping on arrays: nothing here is recorded in a graph
                n = len(target)
                seen += n
                loss_sum += loss.item() * n
                if fns:
                    y = np.asarray(target)
                    for name, fn in fns.items():
                        metric_sums[name] += fn(out.data, y) * n
                if show:
                    bar.update()
            if seen == 0:
                raise ValueError("fit: train_loader yielded no batches")
            history.train_loss.append(loss_sum / seen)
            for name in fns:
                history.train_metrics[name].append(metric_sums[name] / seen)
            if val_loader is not None:
                result = evaluate(model, val_loader, loss_fn, fns)
                history.val_loss.append(result["loss"])
                for name in fns:
                    history.val_metrics[name].append(result[name])
            if scheduler is not None:
                scheduler.step()
            if show:
                bar.set_postfix_str(_summary(history, epoch, epochs), refresh=False)
    finally:
        bar.close()
    return history


def _summary(history: History, epoch: int, epochs: int) -> str:
    parts = [f"epoch {epoch + 1}/{epochs}", f"loss={history.train_loss[-1]:.4g}"]
    parts += [f"{k}={v[-1]:.4g}" for k, v in history.train_metrics.items()]
    if history.val_loss:
        parts.append(f"val_loss={history.val_loss[-1]:.4g}")
        parts += [f"val_{k}={v[-1]:.4g}" for k, v in history.val_metrics.items() if v]
    return " ".join(parts)


def evaluate(
    model: Callable[..., Tensor],
    loader: Iterable[Any],
    loss_fn: Callable[[Tensor, Any], Tensor] | None = None,
    metrics: Iterable[str | Metric] | dict[str, Metric] | None = ("accuracy",),
) -> dict[str, float]:
    """Measure ``model`` on every batch of ``loader``: ``{"loss": ..., "accuracy": ...}``.

    The model runs in eval mode (``model.eval()``: dropout off, batch norm uses its running
    statistics) under ``no_grad()`` (no graph, less memory); its previous mode is restored.
    Values are means over examples (batches weighted by their size); ``"loss"`` is there
    only when ``loss_fn`` is given.
    """
    fns = _resolve_metrics(metrics)
    was_training = getattr(model, "training", None)
    _set_training(model, False)
    loss_sum, seen = 0.0, 0
    metric_sums = dict.fromkeys(fns, 0.0)
    try:
        with no_grad():
            for batch in loader:
                inputs, target = _split(batch)
                out = model(*inputs)
                n = len(target)
                seen += n
                if loss_fn is not None:
                    loss_sum += loss_fn(out, target).item() * n
                y = np.asarray(target)
                for name, fn in fns.items():
                    metric_sums[name] += fn(out.data, y) * n
    finally:
        if was_training:
            _set_training(model, True)
    if seen == 0:
        raise ValueError("evaluate: the loader yielded no batches")
    result = {"loss": loss_sum / seen} if loss_fn is not None else {}
    result.update({name: total / seen for name, total in metric_sums.items()})
    return result
