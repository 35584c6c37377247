"""A teaching corpus for the picture-quality tests: graphs nobody tuned the layout to.

Each entry builds a fresh graph the way a course writes it (cs231n, Andrew Ng's Deep
Learning Specialization C1W3-W4, "Make Your Own Neural Network"), from primitive ops or from
``nn`` modules, runs ``backward(retain_graph=True)`` and returns the output. The entries
range from 5 ops to about 150. ``tests/visualize/test_vis_corpus.py`` draws them all and
measures every picture with ``visualize.quality``; ``python benchmarks/picture_corpus.py``
prints the measurements (defects, smallest label on a slide, Graphviz runs, draw times).

:func:`programs` is a hypothesis strategy of random programs (5-150 ops) for the same test:
fan-out, fan-in, constants, broadcasting, non-commutative ops, slices, modules and
repeated calls of one module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import autograd_lite as al
import nn


@dataclass
class Case:
    name: str
    build: Callable[[], Any]
    options: dict[str, Any] = field(default_factory=dict)


CORPUS: list[Case] = []


def case(name: str | None = None, **options: Any) -> Callable:
    def register(fn: Callable[[], Any]) -> Callable[[], Any]:
        CORPUS.append(Case(name or fn.__name__, fn, options))
        return fn

    return register


def _rng(seed: int = 0) -> np.random.Generator:
    al.manual_seed(seed)
    return np.random.default_rng(seed)


def v(value: Any, name: str | None = None, grad: bool = True) -> Any:
    """A float32 leaf tensor (requires grad unless ``grad=False``)."""
    return al.tensor(np.asarray(value, dtype="float32"), requires_grad=grad, name=name)


def r(rng: np.random.Generator, *shape: int, name: str | None = None, grad: bool = True) -> Any:
    return v(rng.normal(size=shape) * 0.5, name, grad)


def done(out: Any, name: str = "loss") -> Any:
    out.name = out.name or name
    out.backward(retain_graph=True)
    return out


# ---------------------------------------------------------------------------------------
# cs231n: backprop by hand


@case()
def staged_fxy() -> Any:
    """cs231n "staged computation": f = (x + sigmoid(y)) / (sigmoid(x) + (x + y)**2)."""
    x, y = v(3.0, "x"), v(-4.0, "y")
    sigy = 1.0 / (1 + al.exp(-y))
    num = x + sigy
    sigx = 1.0 / (1 + al.exp(-x))
    xpy = x + y
    xpysqr = xpy**2
    den = sigx + xpysqr
    invden = 1.0 / den
    return done(num * invden, "f")


@case()
def sigmoid_neuron() -> Any:
    w = [v(2.0, "w0"), v(-3.0, "w1"), v(-3.0, "w2")]
    x = [v(-1.0, "x0"), v(-2.0, "x1")]
    dot = w[0] * x[0] + w[1] * x[1] + w[2]
    return done(al.sigmoid(dot), "f")


@case()
def max_gate() -> Any:
    x, y, z, w = v(3.0, "x"), v(-4.0, "y"), v(2.0, "z"), v(-1.0, "w")
    return done(2 * (x * y + al.maximum(z, w)), "f")


@case()
def svm_three_classes() -> Any:
    """Multiclass SVM loss on one example of 3 classes, written with primitives."""
    rng = _rng(1)
    W, x = r(rng, 3, 4, name="W"), v(rng.normal(size=4), "x", grad=False)
    scores = W @ x
    correct = scores[1]
    margins = al.maximum(scores - correct + 1.0, 0.0)
    return done(al.sum(margins) - 1.0, "L")


@case()
def softmax_three_classes() -> Any:
    rng = _rng(2)
    W, x = r(rng, 3, 4, name="W"), v(rng.normal(size=4), "x", grad=False)
    scores = W @ x
    shifted = scores - al.max(scores)
    probs = al.exp(shifted) / al.sum(al.exp(shifted))
    return done(-al.log(probs[2]), "L")


@case()
def svm_batch_vectorized() -> Any:
    rng = _rng(3)
    X = v(rng.normal(size=(5, 4)), "X", grad=False)
    W = r(rng, 4, 3, name="W")
    y = np.array([0, 2, 1, 1, 0])
    scores = X @ W
    correct = scores[np.arange(5), y].reshape(5, 1)
    margins = al.maximum(scores - correct + 1.0, 0.0)
    data_loss = al.sum(margins) / 5 - 1.0
    return done(data_loss + 0.5 * 0.1 * al.sum(W * W), "L")


@case()
def two_layer_softmax_net() -> Any:
    """cs231n's 2-layer net on the spiral: ReLU hidden layer, softmax loss, L2 term."""
    rng = _rng(4)
    X, labels = nn.datasets.spiral(n_per_class=3, n_classes=3, seed=0)
    X = v(X, "X", grad=False)
    W1, b1 = r(rng, 2, 8, name="W1"), v(np.zeros(8), "b1")
    W2, b2 = r(rng, 8, 3, name="W2"), v(np.zeros(3), "b2")
    hidden = al.relu(X @ W1 + b1)
    scores = hidden @ W2 + b2
    exp = al.exp(scores - al.amax(scores, axis=1, keepdims=True))
    probs = exp / al.sum(exp, axis=1, keepdims=True)
    logp = -al.log(probs[np.arange(len(labels)), labels])
    reg = 0.5 * 1e-3 * (al.sum(W1 * W1) + al.sum(W2 * W2))
    return done(al.mean(logp) + reg, "loss")


@case()
def batchnorm_primitives() -> Any:
    rng = _rng(5)
    x = r(rng, 4, 3, name="x")
    gamma, beta = v(np.ones(3), "gamma"), v(np.zeros(3), "beta")
    mu = al.mean(x, axis=0)
    xmu = x - mu
    var = al.mean(xmu**2, axis=0)
    ivar = 1.0 / al.sqrt(var + 1e-5)
    xhat = xmu * ivar
    out = gamma * xhat + beta
    return done(al.sum(out * out), "L")


@case()
def layernorm_primitives() -> Any:
    rng = _rng(6)
    x = r(rng, 2, 5, name="x")
    gamma, beta = v(np.ones(5), "gamma"), v(np.zeros(5), "beta")
    mu = al.mean(x, axis=1, keepdims=True)
    var = al.var(x, axis=1, keepdims=True)
    xhat = (x - mu) / al.sqrt(var + 1e-5)
    return done(al.sum(al.tanh(gamma * xhat + beta)), "L")


@case()
def conv_bn_relu_pool_twice() -> Any:
    rng = _rng(7)
    images = v(rng.normal(size=(2, 1, 8, 8)), "images", grad=False)
    model = nn.Sequential(
        nn.Conv2d(1, 2, 3, padding=1),
        nn.BatchNorm2d(2),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(2, 2, 3, padding=1),
        nn.BatchNorm2d(2),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(8, 3),
    )
    return done(nn.CrossEntropyLoss()(model(images), al.tensor(np.array([0, 2]))))


case("conv_bn_relu_pool_collapsed", collapse_modules=True)(conv_bn_relu_pool_twice)


@case()
def conv_primitives() -> Any:
    rng = _rng(8)
    images = v(rng.normal(size=(1, 1, 6, 6)), "img", grad=False)
    w, b = r(rng, 2, 1, 3, 3, name="w"), v(np.zeros(2), "b")
    h = al.relu(al.conv2d(images, w, b))
    pooled = al.max_pool2d(h, 2)
    W = r(rng, 3, 8, name="W")
    scores = al.flatten(pooled, 1) @ W.T
    return done(al.cross_entropy(scores, al.tensor(np.array([1]))))


def _rnn_steps(T: int, seed: int) -> Any:
    rng = _rng(seed)
    Wxh, Whh = r(rng, 3, 4, name="Wxh"), r(rng, 4, 4, name="Whh")
    bh = v(np.zeros(4), "bh")
    h = v(np.zeros(4), "h0", grad=False)
    loss = None
    for t in range(T):
        x = v(rng.normal(size=3), f"x{t}", grad=False)
        h = al.tanh(x @ Wxh + h @ Whh + bh)
        term = al.sum(h * h)
        loss = term if loss is None else loss + term
    return done(loss)


@case()
def rnn_three_steps() -> Any:
    return _rnn_steps(3, 9)


@case()
def rnn_six_steps() -> Any:
    return _rnn_steps(6, 10)


@case()
def rnn_twenty_steps() -> Any:
    """A long unrolled RNN (about 150 ops): past a slide."""
    return _rnn_steps(20, 36)


def _lstm_cell(rng: np.random.Generator, x: Any, h: Any, c: Any, W: Any, b: Any) -> Any:
    z = al.cat([x, h], axis=1) @ W + b
    H = h.shape[1]
    i = al.sigmoid(z[:, 0:H])
    f = al.sigmoid(z[:, H : 2 * H])
    o = al.sigmoid(z[:, 2 * H : 3 * H])
    g = al.tanh(z[:, 3 * H :])
    c = f * c + i * g
    return o * al.tanh(c), c


@case()
def lstm_cell() -> Any:
    rng = _rng(11)
    x = v(rng.normal(size=(1, 3)), "x", grad=False)
    h, c = v(np.zeros((1, 2)), "h", grad=False), v(np.zeros((1, 2)), "c", grad=False)
    W, b = r(rng, 5, 8, name="W"), v(np.zeros(8), "b")
    h, c = _lstm_cell(rng, x, h, c, W, b)
    return done(al.sum(h), "h_sum")


@case()
def lstm_two_steps() -> Any:
    rng = _rng(12)
    h, c = v(np.zeros((1, 2)), "h0", grad=False), v(np.zeros((1, 2)), "c0", grad=False)
    W, b = r(rng, 5, 8, name="W"), v(np.zeros(8), "b")
    for t in range(2):
        h, c = _lstm_cell(rng, v(rng.normal(size=(1, 3)), f"x{t}", grad=False), h, c, W, b)
    return done(al.sum(h * h))


@case()
def gru_cell() -> Any:
    rng = _rng(13)
    x = v(rng.normal(size=(1, 3)), "x", grad=False)
    h = v(rng.normal(size=(1, 2)), "h", grad=False)
    Wz, Uz = r(rng, 3, 2, name="Wz"), r(rng, 2, 2, name="Uz")
    Wr, Ur = r(rng, 3, 2, name="Wr"), r(rng, 2, 2, name="Ur")
    Wh, Uh = r(rng, 3, 2, name="Wh"), r(rng, 2, 2, name="Uh")
    z = al.sigmoid(x @ Wz + h @ Uz)
    rr = al.sigmoid(x @ Wr + h @ Ur)
    hh = al.tanh(x @ Wh + (rr * h) @ Uh)
    h_new = (1 - z) * h + z * hh
    return done(al.sum(h_new), "h_sum")


@case()
def attention() -> Any:
    rng = _rng(14)
    x = v(rng.normal(size=(3, 4)), "x", grad=False)
    Wq, Wk, Wv = r(rng, 4, 4, name="Wq"), r(rng, 4, 4, name="Wk"), r(rng, 4, 4, name="Wv")
    q, k, val = x @ Wq, x @ Wk, x @ Wv
    scores = q @ k.T / 2.0
    weights = al.softmax(scores, axis=-1)
    return done(al.sum(weights @ val), "out_sum")


@case()
def logistic_regression() -> Any:
    rng = _rng(15)
    X = v(rng.normal(size=(6, 2)), "X", grad=False)
    y = v(rng.integers(0, 2, size=(6, 1)), "y", grad=False)
    w, b = r(rng, 2, 1, name="w"), v(0.0, "b")
    a = al.sigmoid(X @ w + b)
    cost = -al.mean(y * al.log(a) + (1 - y) * al.log(1 - a))
    return done(cost, "cost")


# ---------------------------------------------------------------------------------------
# Andrew Ng, C1W3-W4: L-layer nets with caches, written from primitives


def _ng_forward(X: Any, params: list[tuple[Any, Any]], activation: str = "relu") -> Any:
    caches, A = [], X
    for layer, (W, b) in enumerate(params, 1):
        Z = W @ A + b
        last = layer == len(params)
        A = al.sigmoid(Z) if last else (al.relu(Z) if activation == "relu" else al.tanh(Z))
        caches.append((Z, A))
    return A, caches


def _ng_params(rng: np.random.Generator, dims: list[int], scale: str = "he") -> list:
    params = []
    for layer in range(1, len(dims)):
        std = np.sqrt(2.0 / dims[layer - 1]) if scale == "he" else 0.01
        W = v(rng.normal(size=(dims[layer], dims[layer - 1])) * std, f"W{layer}")
        params.append((W, v(np.zeros((dims[layer], 1)), f"b{layer}")))
    return params


def _ng_cost(AL: Any, Y: Any) -> Any:
    m = Y.shape[1]
    return -(1.0 / m) * al.sum(Y * al.log(AL) + (1 - Y) * al.log(1 - AL))


def _ng_net(seed: int, dims: list[int], m: int, scale: str = "he", act: str = "relu") -> Any:
    """An L-layer net of the course on m random examples, its cost after backward."""
    rng = _rng(seed)
    X = v(rng.normal(size=(dims[0], m)), "X", grad=False)
    Y = v(rng.integers(0, 2, size=(1, m)), "Y", grad=False)
    AL, _ = _ng_forward(X, _ng_params(rng, dims, scale), act)
    return done(_ng_cost(AL, Y), "cost")


@case()
def ng_planar_tanh() -> Any:
    """C1W3: one hidden layer of 4 tanh units on planar data."""
    return _ng_net(16, [2, 4, 1], 5, "small", "tanh")


@case()
def ng_l_layer() -> Any:
    """C1W4: a 4-layer net [5, 4, 3, 2, 1] with caches and the cross-entropy cost."""
    return _ng_net(17, [5, 4, 3, 2, 1], 4)


@case()
def ng_ten_layers() -> Any:
    return _ng_net(37, [4, 4, 4, 4, 4, 4, 4, 4, 4, 3, 1], 3)


@case()
def ng_l2_regularised() -> Any:
    rng = _rng(18)
    X = v(rng.normal(size=(3, 4)), "X", grad=False)
    Y = v(rng.integers(0, 2, size=(1, 4)), "Y", grad=False)
    params = _ng_params(rng, [3, 4, 2, 1])
    AL, _ = _ng_forward(X, params)
    l2 = sum((al.sum(W * W) for W, _ in params), v(0.0, grad=False)) * (0.7 / (2 * 4))
    return done(_ng_cost(AL, Y) + l2, "cost")


@case()
def ng_dropout() -> Any:
    rng = _rng(19)
    X = v(rng.normal(size=(3, 4)), "X", grad=False)
    Y = v(rng.integers(0, 2, size=(1, 4)), "Y", grad=False)
    (W1, b1), (W2, b2), (W3, b3) = _ng_params(rng, [3, 5, 3, 1])
    keep = 0.8
    A1 = al.relu(W1 @ X + b1)
    D1 = v(rng.random(size=A1.shape) < keep, "D1", grad=False)
    A1 = A1 * D1 / keep
    A2 = al.relu(W2 @ A1 + b2)
    D2 = v(rng.random(size=A2.shape) < keep, "D2", grad=False)
    A2 = A2 * D2 / keep
    A3 = al.sigmoid(W3 @ A2 + b3)
    return done(_ng_cost(A3, Y), "cost")


@case()
def ng_activations() -> Any:
    """Each activation and its derivative written out: sigmoid, tanh, relu, leaky relu."""
    z = v([-1.5, 0.5, 2.0], "z")
    s = 1 / (1 + al.exp(-z))
    ds = s * (1 - s)
    t = al.tanh(z)
    dt = 1 - t**2
    lr = al.maximum(0.01 * z, z)
    return done(al.sum(ds + dt + al.relu(z) + lr), "total")


@case()
def ng_init_compare() -> Any:
    rng = _rng(20)
    X = v(rng.normal(size=(2, 3)), "X", grad=False)
    Y = v(rng.integers(0, 2, size=(1, 3)), "Y", grad=False)
    zeros = [(v(np.zeros((2, 2)), "W1"), v(np.zeros((2, 1)), "b1")),
             (v(np.zeros((1, 2)), "W2"), v(np.zeros((1, 1)), "b2"))]  # fmt: skip
    AL, _ = _ng_forward(X, zeros)
    return done(_ng_cost(AL, Y), "cost")


@case()
def ng_gradient_descent_step() -> Any:
    """One parameter update recorded in the graph: W' = W - lr * dW-like term, then cost."""
    rng = _rng(21)
    X = v(rng.normal(size=(2, 3)), "X", grad=False)
    W, b = r(rng, 1, 2, name="W"), v(np.zeros((1, 1)), "b")
    A = al.sigmoid(W @ X + b)
    W2 = W - 0.1 * al.sum(A) * W
    return done(al.sum(al.sigmoid(W2 @ X + b)), "J")


# ---------------------------------------------------------------------------------------
# "Make Your Own Neural Network" (Rashid): sigmoid layers, squared error


def _myonn(rng: np.random.Generator, sizes: tuple[int, int, int]) -> Any:
    i, h, o = sizes
    wih = v(rng.normal(0, i**-0.5, (h, i)), "wih")
    who = v(rng.normal(0, h**-0.5, (o, h)), "who")
    inputs = v(rng.random((i, 1)) * 0.99 + 0.01, "inputs", grad=False)
    targets = v(np.full((o, 1), 0.01), "targets", grad=False)
    hidden = al.sigmoid(wih @ inputs)
    final = al.sigmoid(who @ hidden)
    errors = targets - final
    return done(al.sum(errors**2), "E")


@case()
def myonn_333() -> Any:
    return _myonn(_rng(22), (3, 3, 3))


@case()
def myonn_784_200_10() -> Any:
    return _myonn(_rng(23), (784, 200, 10))


# ---------------------------------------------------------------------------------------
# nn modules


@case()
def mlp_modules() -> Any:
    rng = _rng(24)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    x = v(rng.normal(size=(5, 4)), "x", grad=False)
    return done(nn.CrossEntropyLoss()(model(x), al.tensor(np.array([0, 1, 2, 0, 1]))))


@case()
def mlp_dropout_modules() -> Any:
    rng = _rng(25)
    model = nn.Sequential(
        nn.Linear(4, 8), nn.ReLU(), nn.Dropout(0.5), nn.Linear(8, 8), nn.Tanh(),
        nn.Dropout(0.5), nn.Linear(8, 3),
    )  # fmt: skip
    x = v(rng.normal(size=(4, 4)), "x", grad=False)
    return done(nn.CrossEntropyLoss()(model(x), al.tensor(np.array([0, 1, 2, 0]))))


case("mlp_dropout_collapsed", collapse_modules=True)(mlp_dropout_modules)


@case()
def mlp_l2_modules() -> Any:
    rng = _rng(26)
    model = nn.Sequential(nn.Linear(3, 6), nn.ReLU(), nn.Linear(6, 2))
    x = v(rng.normal(size=(4, 3)), "x", grad=False)
    loss = nn.CrossEntropyLoss()(model(x), al.tensor(np.array([0, 1, 1, 0])))
    l2 = al.sum(model[0].weight ** 2) + al.sum(model[2].weight ** 2)
    return done(loss + 1e-3 * l2)


@case()
def batchnorm_module_net() -> Any:
    rng = _rng(27)
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))
    x = v(rng.normal(size=(6, 3)), "x", grad=False)
    return done(nn.MSELoss()(model(x), v(np.zeros((6, 2)), "target", grad=False)))


class _RNNCell(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.ih = nn.Linear(3, 4)
        self.hh = nn.Linear(4, 4)

    def forward(self, x: Any, h: Any) -> Any:
        return al.tanh(self.ih(x) + self.hh(h))


@case()
def rnn_modules() -> Any:
    rng = _rng(28)
    cell = _RNNCell()
    head = nn.Linear(4, 2)
    h = v(np.zeros((1, 4)), "h0", grad=False)
    for t in range(3):
        h = cell(v(rng.normal(size=(1, 3)), f"x{t}", grad=False), h)
    return done(nn.MSELoss()(head(h), v(np.zeros((1, 2)), "target", grad=False)))


case("rnn_modules_collapsed", collapse_modules=True)(rnn_modules)


@case()
def svm_module_loss() -> Any:
    rng = _rng(29)
    model = nn.Linear(4, 3)
    x = v(rng.normal(size=(3, 4)), "x", grad=False)
    return done(nn.MulticlassSVMLoss()(model(x), al.tensor(np.array([0, 1, 2]))))


class _Residual(nn.Module):
    def __init__(self, n: int) -> None:
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(n, n), nn.Linear(n, n)

    def forward(self, x: Any) -> Any:
        return al.relu(x + self.fc2(al.relu(self.fc1(x))))


@case()
def residual_blocks() -> Any:
    rng = _rng(30)
    model = nn.Sequential(_Residual(4), _Residual(4), nn.Linear(4, 2))
    x = v(rng.normal(size=(3, 4)), "x", grad=False)
    return done(al.mean(model(x) ** 2))


@case()
def deep_mlp_modules() -> Any:
    rng = _rng(31)
    layers: list[Any] = []
    for _ in range(8):
        layers += [nn.Linear(6, 6), nn.ReLU()]
    model = nn.Sequential(*layers, nn.Linear(6, 3))
    x = v(rng.normal(size=(4, 6)), "x", grad=False)
    return done(nn.CrossEntropyLoss()(model(x), al.tensor(np.array([0, 1, 2, 0]))))


case("deep_mlp_collapsed", collapse_modules=True)(deep_mlp_modules)


@case()
def tb_chain_long() -> Any:
    """A long chain of scalar ops (tall in TB)."""
    x = v(0.5, "x")
    y = x
    for k in range(14):
        y = al.tanh(y * 1.5 + 0.1) if k % 2 else al.sin(y) - 0.2
    return done(y, "f")


# ---------------------------------------------------------------------------------------
# CLI-style expressions and sums


@case()
def cli_expression_small() -> Any:
    x, y = v(2.0, "x"), v(3.0, "y")
    return done(x * y + al.sin(x), "f")


@case()
def cli_expression_ten_ops() -> Any:
    x, y, z = v(1.5, "x"), v(-0.5, "y"), v(2.0, "z")
    return done(al.exp(x * y) / (1 + z**2) - al.log(z) * al.tanh(y - x) + al.sqrt(z), "f")


@case()
def cli_expression_shared() -> Any:
    a, b = v(-0.4805, "a"), v(1.25, "b")
    c = a * b
    return done((c - a) / (c + b) + c**2, "f")


@case()
def flat_sum_twenty() -> Any:
    x = v(np.linspace(-1, 1, 20), "x")
    total = x[0] ** 2
    for k in range(1, 20):
        total = total + x[k] ** 2
    return done(total, "s")


@case()
def flat_sum_sixty() -> Any:
    terms = [v(0.1 * k - 3.0, f"t{k}") for k in range(60)]
    total = terms[0]
    for t in terms[1:]:
        total = total + t
    return done(total, "s")


@case()
def polynomial() -> Any:
    x = v(0.7, "x")
    return done(3 * x**4 - 2 * x**3 + x**2 - 5 * x + 1, "p")


@case()
def huber_like() -> Any:
    pred, target = v([0.5, -2.0, 3.0], "pred"), v([0.0, 0.0, 1.0], "target", grad=False)
    d = pred - target
    small = 0.5 * d**2
    large = al.abs(d) - 0.5
    return done(al.mean(al.where(al.abs(d) < 1, small, large)), "huber")


@case()
def broadcast_affine() -> Any:
    rng = _rng(32)
    x, w, b = r(rng, 4, 3, name="x"), r(rng, 3, name="w"), v(0.1, "b")
    return done(al.sum(al.relu(x * w + b) - x / (1 + al.abs(w))), "s")


@case()
def mse_linear_regression() -> Any:
    rng = _rng(33)
    X = v(rng.normal(size=(8, 1)), "X", grad=False)
    y = v(rng.normal(size=(8, 1)), "y", grad=False)
    w, b = v([[0.5]], "w"), v([0.0], "b")
    return done(al.mean((X @ w + b - y) ** 2), "mse")


@case()
def two_layer_forward_only() -> Any:
    """Before backward: values only."""
    rng = _rng(34)
    x = v(rng.normal(size=(2, 3)), "x", grad=False)
    W1, W2 = r(rng, 3, 4, name="W1"), r(rng, 4, 2, name="W2")
    out = al.sum(al.relu(x @ W1) @ W2)
    out.name = "out"
    return out


@case()
def tb_two_layer() -> Any:
    rng = _rng(35)
    x = v(rng.normal(size=(3, 2)), "x", grad=False)
    W1, b1 = r(rng, 2, 3, name="W1"), v(np.zeros(3), "b1")
    W2, b2 = r(rng, 3, 1, name="W2"), v(np.zeros(1), "b2")
    out = al.sigmoid(al.relu(x @ W1 + b1) @ W2 + b2)
    return done(al.mean((out - 1) ** 2))


# ---------------------------------------------------------------------------------------
# Random programs (hypothesis)

# Shapes that all broadcast together: a scalar, a row (3,), a batch (2, 3).
SHAPES = ((), (3,), (2, 3))


STEP_KINDS = ("add", "sub", "mul", "div", "pow", "const", "exp", "tanh", "neg", "slice",
              "sum", "linear", "linear_again", "maximum", "where")  # fmt: skip


def programs(min_steps: int = 5, max_steps: int = 70) -> Any:
    """A hypothesis strategy of random programs: builds one and returns its output (after
    backward), or None before backward for some. Steps draw from: binary ops (some
    non-commutative) on any two earlier values (fan-out), a constant operand, unary ops,
    a slice, a reduction, a module call (one module may be called again), and every value
    nobody used is summed at the end (fan-in)."""
    from hypothesis import strategies as st

    step = st.tuples(st.sampled_from(STEP_KINDS), st.integers(0, 10**6), st.integers(0, 10**6))

    @st.composite
    def program(draw: Any) -> Any:
        steps = draw(st.lists(step, min_size=min_steps, max_size=max_steps))
        n_leaves = draw(st.integers(1, 4))
        shapes = draw(st.lists(st.sampled_from(SHAPES), min_size=n_leaves, max_size=n_leaves))
        backward = draw(st.booleans() | st.just(True))
        return _run_program(steps, shapes, backward)

    return program()


def _run_program(steps: list[tuple[str, int, int]], shapes: list[tuple], backward: bool) -> Any:
    rng = _rng(0)
    pool = [r(rng, *s, name=f"x{k}") for k, s in enumerate(shapes)]
    used: set[int] = set()
    linear = nn.Linear(3, 3)
    called = False

    def pick(i: int) -> Any:
        used.add(i % len(pool))
        return pool[i % len(pool)]

    for kind, i, j in steps:
        a, b = pick(i), pick(j)
        if kind == "add":
            out = a + b
        elif kind == "sub":
            out = a - b
        elif kind == "mul":
            out = a * b
        elif kind == "div":
            out = a / (1.5 + al.abs(b))
        elif kind == "pow":
            out = (a * a + 0.5) ** 1.5
        elif kind == "const":
            out = a * 2.0 - 1.0 if i % 2 else 3.0 - a
        elif kind == "exp":
            out = al.exp(al.tanh(a))
        elif kind == "tanh":
            out = al.tanh(a)
        elif kind == "neg":
            out = -a
        elif kind == "slice":
            out = a[0] if a.ndim else a * 1.0
        elif kind == "sum":
            out = al.sum(a, axis=0)  # (2, 3) -> (3,), (3,) -> ()
        elif kind in ("linear", "linear_again"):
            if a.ndim == 0 or (kind == "linear_again" and not called):
                out = a + 1.0
            else:
                out = linear(a)
                called = True
        elif kind == "maximum":
            out = al.maximum(a, b)
        else:
            out = al.where(a > 0, a, 0.1 * b)
        pool.append(out)
    loose = [t for k, t in enumerate(pool) if k not in used and t.requires_grad]
    root = al.sum(loose[0]) if loose else al.sum(pool[-1])
    for t in loose[1:]:
        root = root + al.sum(t)
    root.name = "out"
    if backward:
        root.backward(retain_graph=True)
    return root


def sample_programs(count: int, seed: int = 0, max_steps: int = 70) -> list[tuple[str, Any]]:
    """``count`` random programs drawn with a seeded ``random.Random`` (the same on every
    run, for measuring): (name, output)."""
    import random

    rand = random.Random(seed)
    out = []
    for k in range(count):
        n = rand.randint(5, max_steps)
        steps = [(rand.choice(STEP_KINDS), rand.randrange(10**6), rand.randrange(10**6))
                 for _ in range(n)]  # fmt: skip
        shapes = [rand.choice(SHAPES) for _ in range(rand.randint(1, 4))]
        out.append((f"program{k}", _run_program(steps, shapes, rand.random() < 0.8)))
    return out
