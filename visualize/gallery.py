"""The teaching graphs of the picture gallery (docs/gallery/) and of its quality tests.

Each entry builds a fresh graph, runs ``backward(retain_graph=True)`` so every wire has
its gradient, and says how to draw it. ``docs/gallery/make_gallery.py`` renders them all
(LR and TB, both renderers) and ``tests/visualize/test_vis_quality.py`` measures them with
:mod:`visualize.quality`.

* ``circuit``: the cs231n circuit f = (x + y) * z at x=-2, y=5, z=-4.
* ``neuron``: the cs231n sigmoid neuron f = 1 / (1 + exp(-(w0*x0 + w1*x1 + w2))) at
  w0=2, x0=-1, w1=-3, x1=-2, w2=-3.
* ``mlp`` / ``mlp_collapsed``: a 2-16-3 MLP with cross-entropy on 8 points of a spiral.
* ``convnet`` / ``convnet_collapsed``: conv, relu, max-pool, flatten, linear and
  cross-entropy on two 8x8 images.
* ``training_step``: the graph ``autograd-lite demo`` draws: one Adam training step of its
  spiral MLP (2-100-100-3), collapsed by module.
* ``survey_forward``: forward mode on the example of Baydin et al. 2018 (Table 2),
  f = ln x1 + x1·x2 - sin x2 at (2, 5): each wire's value and its tangent d/dx1.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class GalleryGraph:
    """A gallery entry: ``build()`` returns the output tensor (after backward), drawn with
    ``draw_graph(root, **options)``; inside a dual level when ``forward`` (forward mode)."""

    name: str
    caption: str
    build: Callable[[], Any]
    options: dict[str, Any] = field(default_factory=dict)
    forward: bool = False


def circuit() -> Any:
    import autograd_lite as al

    x = al.tensor(-2.0, requires_grad=True, name="x")
    y = al.tensor(5.0, requires_grad=True, name="y")
    z = al.tensor(-4.0, requires_grad=True, name="z")
    f = (x + y) * z
    f.name = "f"
    f.backward(retain_graph=True)
    return f


def neuron() -> Any:
    import autograd_lite as al

    def leaf(value: float, name: str) -> Any:
        return al.tensor(value, requires_grad=True, name=name)

    w0, x0 = leaf(2.0, "w0"), leaf(-1.0, "x0")
    w1, x1 = leaf(-3.0, "w1"), leaf(-2.0, "x1")
    w2 = leaf(-3.0, "w2")
    f = 1.0 / (1.0 + al.exp(-(w0 * x0 + w1 * x1 + w2)))
    f.name = "f"
    f.backward(retain_graph=True)
    return f


def _classifier_step(model: Any, x: Any, labels: Any) -> Any:
    """loss = cross_entropy(model(x), labels), named, after backward(retain_graph=True)."""
    import nn

    loss = nn.CrossEntropyLoss()(model(x), labels)
    loss.name = "loss"
    loss.backward(retain_graph=True)
    return loss


def mlp() -> Any:
    import autograd_lite as al
    import nn

    al.manual_seed(0)
    X, y = nn.datasets.spiral(n_per_class=3, n_classes=3, seed=0)
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 3))
    return _classifier_step(model, al.tensor(X[:8], name="x"), al.tensor(y[:8], name="y"))


def convnet() -> Any:
    import numpy as np

    import autograd_lite as al
    import nn

    al.manual_seed(0)
    rng = np.random.default_rng(0)
    images = al.tensor(rng.normal(size=(2, 1, 8, 8)).astype("float32"), name="images")
    model = nn.Sequential(
        nn.Conv2d(1, 4, 3),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(4 * 3 * 3, 3),
    )
    return _classifier_step(model, images, al.tensor(np.array([0, 2]), name="labels"))


def training_step() -> Any:
    """The demo's picture: one step of the spiral MLP (see visualize/cli/demo.py)."""
    import autograd_lite as al
    import nn
    from visualize.cli.demo import RECIPES

    al.manual_seed(0)
    X, y = nn.datasets.spiral(seed=0)
    hidden = RECIPES["spiral"].hidden
    model = nn.Sequential(
        nn.Linear(2, hidden),
        nn.ReLU(),
        nn.Linear(hidden, hidden),
        nn.ReLU(),
        nn.Linear(hidden, 3),
    )
    xb, yb = next(iter(nn.data.DataLoader(X, y, batch_size=16, shuffle=False)))
    return _classifier_step(model, xb, yb)


def survey_forward() -> Any:
    """f(x1, x2) = ln x1 + x1·x2 - sin x2 at (2, 5), tangents ẋ1 = 1, ẋ2 = 0 (inside a dual
    level). The inputs require grad only so that the graph is recorded, to be drawn."""
    import autograd_lite as al
    from autograd_lite.forward_ad import make_dual

    def variable(value: float, tangent: float, name: str) -> Any:
        x = make_dual(al.tensor(value), al.tensor(tangent)).requires_grad_()
        x.name = name
        return x

    x1, x2 = variable(2.0, 1.0, "x1"), variable(5.0, 0.0, "x2")
    f = al.log(x1) + x1 * x2 - al.sin(x2)
    f.name = "f"
    return f


GALLERY: list[GalleryGraph] = [
    GalleryGraph("circuit", "the cs231n circuit (x + y) * z", circuit),
    GalleryGraph("neuron", "the cs231n sigmoid neuron", neuron),
    GalleryGraph("mlp", "a 2-16-3 MLP with cross-entropy", mlp),
    GalleryGraph(
        "mlp_collapsed", "the same MLP, collapsed by module", mlp, {"collapse_modules": True}
    ),
    GalleryGraph("convnet", "a small conv net", convnet),
    GalleryGraph(
        "convnet_collapsed",
        "the same conv net, collapsed by module",
        convnet,
        {"collapse_modules": True},
    ),
    GalleryGraph(
        "training_step",
        "one training step of `autograd-lite demo`, collapsed by module",
        training_step,
        {
            "collapse_modules": True,
            "title": "one training step on spiral (batch of 16), collapsed by module",
        },
    ),
    GalleryGraph(
        "survey_forward",
        "forward mode on the survey's example (Baydin et al. 2018, Table 2): values and tangents",
        survey_forward,
        {"title": "ln x1 + x1*x2 - sin x2, forward mode: tangents d/dx1", "show_grads": False},
        forward=True,
    ),
]


def gallery_views(
    rankdirs: tuple[str, ...] = ("LR", "TB"),
    renderer: str | None = None,
    names: tuple[str, ...] | None = None,
) -> list[tuple[str, Any]]:
    """(file stem, GraphView) for every gallery graph (or those in ``names``) in every
    layout direction, drawn (and measured while drawn, see draw_graph) with ``renderer``."""
    from autograd_lite.forward_ad import dual_level
    from visualize.graph import draw_graph

    views = []
    for entry in GALLERY:
        if names is not None and entry.name not in names:
            continue
        with dual_level() if entry.forward else contextlib.nullcontext():
            root = entry.build()
            for rankdir in rankdirs:
                view = draw_graph(root, rankdir=rankdir, renderer=renderer, **entry.options)
                views.append((f"{entry.name}_{rankdir}", view))
    return views
