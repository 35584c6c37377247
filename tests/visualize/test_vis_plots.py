"""The matplotlib plots: each returns a Figure, draws what it says, and saves SVG/PNG."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure
from vis_helpers import parse_svg

import autograd_lite as al
from visualize import (
    plot_activation_stats,
    plot_decision_boundary,
    plot_function,
    plot_history,
    save_figure,
)


def test_plot_history_panels_and_lines(tmp_path):
    history = {
        "loss": [1.0, 0.5, 0.25],
        "val_loss": [1.1, 0.6, 0.4],
        "accuracy": [0.5, 0.8, 0.9],
        "val_accuracy": [0.4, 0.7, 0.85],
        "epoch": [1, 2, 3],
    }
    fig = plot_history(history, path=tmp_path / "h.svg")
    assert isinstance(fig, Figure)
    loss_ax, acc_ax = fig.axes
    assert loss_ax.get_title() == "loss" and acc_ax.get_title() == "accuracy"
    assert [line.get_label() for line in loss_ax.lines] == ["train", "validation"]
    np.testing.assert_allclose(loss_ax.lines[1].get_ydata(), [1.1, 0.6, 0.4])
    np.testing.assert_allclose(loss_ax.lines[0].get_xdata(), [1, 2, 3])
    parse_svg((tmp_path / "h.svg").read_text())


def test_plot_history_accepts_objects_with_as_dict(tmp_path):
    class History:
        def as_dict(self):
            return {"train_loss": [3.0, 2.0]}

    fig = plot_history(History(), path=tmp_path / "h.png")
    assert (tmp_path / "h.png").read_bytes().startswith(b"\x89PNG")
    assert fig.axes[0].get_title() == "loss"


@pytest.mark.parametrize(
    "bad,error,message",
    [
        ([1, 2], TypeError, "plot_history: expected a History"),
        ({}, ValueError, "no curves"),
        ({"loss": ["a"]}, TypeError, "'loss' is not a list of numbers"),
        ({"loss": [[1, 2]]}, ValueError, "one number per epoch"),
    ],
)
def test_plot_history_bad_input(bad, error, message):
    with pytest.raises(error, match=message):
        plot_history(bad)


def test_plot_function_draws_derivative_from_autograd(tmp_path):
    fig = plot_function(al.tanh, (-3, 3), path=tmp_path / "tanh.svg", num=101)
    ax = fig.axes[0]
    x, fx = ax.lines[0].get_data()
    _, dfx = ax.lines[1].get_data()
    np.testing.assert_allclose(fx, np.tanh(x), atol=1e-12)
    np.testing.assert_allclose(dfx, 1 - np.tanh(x) ** 2, atol=1e-12)
    assert ax.lines[1].get_label() == "tanh'(x) (autograd)"
    parse_svg((tmp_path / "tanh.svg").read_text())


def test_plot_function_bad_input():
    with pytest.raises(ValueError, match="plot_function: x_range must have lo < hi"):
        plot_function(al.tanh, (3, -3))
    with pytest.raises(ValueError, match="plot_function: x_range must be two numbers"):
        plot_function(al.tanh, "ab")
    with pytest.raises(ValueError, match="same shape"):
        plot_function(lambda x: x.sum(), (0, 1))


def linear_classifier(x):
    """Scores (N, 2): class 1 where x1 + x2 > 0. Works on Tensors like a model."""
    w = al.tensor(np.array([[-1.0, 1.0], [-1.0, 1.0]], dtype=np.float32))
    return x @ w


def test_plot_decision_boundary_regions_match_the_model(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2)).astype(np.float32)
    y = (X.sum(axis=1) > 0).astype(np.int64)
    fig = plot_decision_boundary(linear_classifier, X, y, path=tmp_path / "b.png", resolution=50)
    ax = fig.axes[0]
    assert ax.get_title() == "decision boundary (accuracy 1.000)"
    assert (tmp_path / "b.png").read_bytes().startswith(b"\x89PNG")
    with pytest.raises(ValueError, match=r"X must have shape \(N, 2\)"):
        plot_decision_boundary(linear_classifier, np.zeros((5, 3)), np.zeros(5))
    with pytest.raises(ValueError, match=r"y must have shape \(5,\)"):
        plot_decision_boundary(linear_classifier, np.zeros((5, 2)), np.zeros(4))


class Scale:
    """A parameter-free 'layer' multiplying by a constant (stands in for an activation)."""

    def __init__(self, k):
        self.k = k

    def __call__(self, x):
        return al.tanh(x * self.k)


def test_plot_activation_stats_one_histogram_per_activation(tmp_path):
    X = np.random.default_rng(0).normal(size=(500, 4)).astype(np.float32)
    model = [Scale(0.1), Scale(0.1), Scale(0.1)]  # activations shrink layer after layer
    fig = plot_activation_stats(model, X, path=tmp_path / "a.svg")
    top, *hists = fig.axes
    assert len(hists) == 3
    means, stds = (line.get_ydata() for line in top.lines)
    assert abs(means[0]) < 0.05  # tanh of centred data stays centred
    assert stds[0] > stds[1] > stds[2]  # the vanishing activations the figure is about
    assert "0: Scale" in hists[0].get_title()
    parse_svg((tmp_path / "a.svg").read_text())
    with pytest.raises(TypeError, match="plot_activation_stats: the model must be a Sequential"):
        plot_activation_stats(linear_classifier, X)


def test_save_figure_rejects_unknown_extension(tmp_path):
    fig = plot_function(al.relu, (-1, 1))
    with pytest.raises(ValueError, match="save_figure: cannot tell the format"):
        save_figure(fig, tmp_path / "x.gif")
    assert save_figure(fig, tmp_path / "x.pdf").read_bytes().startswith(b"%PDF")


def test_plots_with_a_real_nn_model(tmp_path):
    import nn

    al.manual_seed(0)
    model = nn.Sequential(
        nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 3)
    )
    X, y = nn.datasets.spiral(n_per_class=20)
    fig = plot_activation_stats(model, X)
    titles = [ax.get_title() for ax in fig.axes[1:]]
    assert [t.split("\n")[0] for t in titles] == ["1: Tanh", "3: Tanh"]  # the activations
    model.train()
    fig = plot_decision_boundary(model, X, y, resolution=30)
    assert fig.axes[0].get_title().startswith("decision boundary (accuracy ")
    assert model.training  # switched to eval for predicting, then back


@pytest.fixture
def every_plot():
    import nn

    al.manual_seed(0)
    X = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
    model = nn.Sequential(nn.Linear(2, 4), nn.Tanh())
    return [
        plot_history({"loss": [1.0, 0.5]}),
        plot_function(al.tanh, num=20),
        plot_decision_boundary(nn.Linear(2, 2), X, np.array([0, 1, 0, 1]), resolution=10),
        plot_activation_stats(model, X, bins=5),
    ]


def test_plots_display_in_jupyter_without_pyplot(every_plot, tmp_path):
    formatters = pytest.importorskip("IPython.core.formatters")
    display = formatters.DisplayFormatter()
    for fig in every_plot:
        data, metadata = display.format(fig)
        png = data["image/png"]
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        # Shown at 100 pixels per inch, drawn at 200 for high-density screens.
        width, height = (fig.get_size_inches() * 100).round()
        assert metadata["image/png"] == {"width": width, "height": height}
        assert int.from_bytes(png[16:20], "big") == 2 * width
        # Still a plain matplotlib Figure for everything else.
        fig.savefig(tmp_path / "f.svg")
        parse_svg((tmp_path / "f.svg").read_text())
