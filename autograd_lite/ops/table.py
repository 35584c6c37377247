"""The op table: one row per op, and every list of ops is read from it.

Like PyTorch's OpInfo, a row says everything the rest of the project needs to know about
an op, besides its code (which lives in its ops module: the Function, with forward, backward
and jvp side by side, beside the public function that applies it):

* ``name`` and ``function``: the public function (``autograd_lite.<name>``, in ``ops.__all__``),
  ``aliases`` other public names of the same function (``clamp`` for ``clip``);
* ``function_class``: the Function it records (None for an op built from other ops, such as
  ``mean``), and ``internal``: Functions only its backward records (second-order helpers);
* ``methods``: the Tensor methods that *are* the function (``x.exp()`` is ``exp(x)``, no
  wrapper in between), attached by ``tensor_methods.attach()``;
* ``numpy``: the NumPy functions it answers (``np.exp(x)`` runs it; ``numpy_dispatch``);
* ``calc``: its name(s) in the ``autograd-lite graph`` calculator (``visualize.cli``);
* ``samples``: calls to check its gradient on (the test suite's gradcheck, gradgradcheck,
  jvp and PyTorch comparisons, and ``autograd-lite gradcheck``);
* ``torch``: the same op in PyTorch (``"torch.exp"``), called as the samples call it;
* ``onnx``: the ONNX operator ``nn.export.to_onnx`` writes for its Function (nn/export
  resolves the name to the nodes it emits); ``unsupported`` says why a mapping is absent.

Adding an op is its Function and function in an ops module, and one row here.
This module imports only the ops modules (it is the top of the ops, below the Tensor
methods and NumPy dispatch that read it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from autograd_lite.ops import (
    activations,
    arithmetic,
    composites,
    conv,
    elementary,
    linalg,
    loss,
    reduce,
    selection,
    shape,
    sorting,
)

# -- how a row describes its samples ----------------------------------------------------------


@dataclass(frozen=True)
class Domain:
    """Where a sample's tensor values are drawn: in [low, high], at least ``gap`` from each
    of ``kinks`` (where the derivative jumps); ``distinct``: pairwise at least 0.01 apart
    (max, min, pooling: a tie is a kink too); ``step``/``offset``: on the grid
    k·step + offset (two inputs on grids with different offsets never tie)."""

    low: float = -3.0
    high: float = 3.0
    kinks: tuple[float, ...] = (0.0,)
    gap: float = 1e-2
    distinct: bool = False
    step: float | None = None
    offset: float = 0.0

    def draw(self, rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
        """float64 values for ``shape`` (without hypothesis: ``autograd-lite gradcheck``)."""
        if self.distinct:
            n = int(np.prod(shape))
            k = rng.choice(np.arange(int(self.low * 100), int(self.high * 100) + 1), n, False)
            return (k / 100.0).reshape(shape)
        x = rng.uniform(self.low, self.high, shape)
        return self.fit(x, max(self.gap, 0.1))

    def fit(self, x: np.ndarray, gap: float | None = None) -> np.ndarray:
        """``x`` moved onto the grid and away from the kinks."""
        if self.step is not None:
            x = np.round((x - self.offset) / self.step) * self.step + self.offset
        gap = self.gap if gap is None else gap
        x = np.array(x, dtype=np.float64)
        for k in self.kinks:
            near = np.abs(x - k) < gap
            x[near] = k + np.where(x[near] >= k, gap, -gap)
        return x


ANY = Domain()
POSITIVE = Domain(low=0.1, high=3.0)
AWAY_FROM_ZERO = Domain(kinks=(0.0,), gap=0.5)
DISTINCT = Domain(low=-3.0, high=3.0, distinct=True)


class _Input:
    """The placeholder ``X`` in a sample's arguments: a drawn tensor goes there."""

    def __repr__(self) -> str:
        return "X"


X = _Input()


@dataclass(frozen=True)
class Sample:
    """One call to check: ``function(*args, **kwargs)`` with each ``X`` in ``args`` (also
    inside a list, for ``stack([X, X])``) a float64 tensor drawn from its ``domains`` entry
    (ANY when missing). ``shapes``: the inputs' shapes, or None for an elementwise op (any
    shape; two inputs broadcast). ``smooth``: also checked to second order (gradgradcheck).
    """

    args: tuple = (X,)
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    domains: tuple[Domain, ...] = ()
    shapes: tuple[tuple[int, ...], ...] | None = None
    label: str = ""
    smooth: bool = True
    output: str | None = None  # the field checked of a (values, indices) result: "values"

    @property
    def n_inputs(self) -> int:
        return sum(
            1 if a is X else sum(b is X for b in a) if isinstance(a, list) else 0 for a in self.args
        )

    def domain(self, i: int) -> Domain:
        return self.domains[i] if i < len(self.domains) else ANY

    def call(self, function: Callable, tensors: list, convert: Callable = lambda v: v) -> Any:
        """``function`` applied with ``tensors`` in the places of X (``convert`` turns the
        other array arguments into the library's arrays: ``torch.as_tensor``)."""
        it = iter(tensors)

        def fill(a: Any) -> Any:
            if a is X:
                return next(it)
            if isinstance(a, list):
                return [fill(b) for b in a]
            return convert(a) if isinstance(a, np.ndarray) else a

        out = function(*[fill(a) for a in self.args], **self.kwargs)
        return out if self.output is None else getattr(out, self.output)


@dataclass(frozen=True)
class Calc:
    """The op in the calculator language of ``autograd-lite graph``: ``tensors`` tensor
    arguments, then plain numbers named by ``numbers`` (None: required; a float: the
    default)."""

    help: str
    tensors: int = 1
    numbers: Mapping[str, float | None] = field(default_factory=dict)
    names: tuple[str, ...] = ()  # more names students may write (``clamp``, ``max``)


@dataclass(frozen=True)
class OpInfo:
    """One op: see the module docstring."""

    name: str
    function: Callable
    function_class: type | None = None
    internal: tuple[type, ...] = ()
    aliases: tuple[str, ...] = ()
    methods: tuple[str, ...] = ()
    numpy: tuple[str, ...] = ()
    calc: Calc | None = None
    samples: tuple[Sample, ...] = ()
    torch: str | None = None
    onnx: str | None = None
    unsupported: Mapping[str, str] = field(default_factory=dict)

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


def _row(module: Any, name: str, cls: str | None = None, **info: Any) -> OpInfo:
    function_class = getattr(module, cls) if cls else None
    return OpInfo(name, getattr(module, name), function_class, **info)


def _unary(**kw: Any) -> tuple[Sample, ...]:
    return (Sample(**kw),)


_MASK = np.array([[True, False, True, False]] * 3)
_CLASSES = np.array([0, 2, 1, 4])  # targets for a (4, 5) batch of scores
_BITS = np.array([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]])  # binary targets for a (2, 3) batch
_M = ((3, 4),)  # one (3, 4) matrix
# Two grids that never meet (maximum's kink is where its inputs tie).
GRID, GRID_SHIFTED = Domain(step=0.1, offset=0.0), Domain(step=0.1, offset=0.05)
# erf is a series below |x| = 2 and a fit above (each within 6e-10): a difference quotient
# across the seam sees the jump (gelu calls erf(x/√2)).
ERF_SEAM = Domain(kinks=(-2.0, 2.0), gap=1e-3)
GELU_SEAM = Domain(kinks=(-2 * 2**0.5, 2 * 2**0.5), gap=1e-3)
# values on a grid of 0.5 from -1.5 to 1.5: zeros come up often (cumprod's other gradient)
_WITH_ZEROS = Domain(low=-1.5, high=1.5, kinks=(), step=0.5)
# scatter's index: distinct rows in each column (a position written twice keeps one value)
_SCATTER = np.array([[0, 1, 2, 0], [2, 0, 1, 1]])
_SCATTER_ADD = np.array([[0, 1, 2, 0], [0, 0, 1, 2]])  # repeats: they add up
NO_ONNX_LOSS = {"onnx": "a loss: export the model, compute the loss outside"}

# -- the table ---------------------------------------------------------------------------------

# fmt: off
OPS: tuple[OpInfo, ...] = (
    # arithmetic.py
    _row(arithmetic, "add", "Add", methods=("add",), numpy=("add",), torch="torch.add",
         onnx="Add", samples=_unary(args=(X, X))),
    _row(arithmetic, "sub", "Sub", methods=("sub",), numpy=("subtract",), torch="torch.sub",
         onnx="Sub", samples=_unary(args=(X, X))),
    _row(arithmetic, "mul", "Mul", methods=("mul",), numpy=("multiply",), torch="torch.mul",
         onnx="Mul", samples=_unary(args=(X, X))),
    _row(arithmetic, "div", "Div", methods=("div",), numpy=("divide",), torch="torch.div",
         onnx="Div", samples=_unary(args=(X, X), domains=(ANY, AWAY_FROM_ZERO))),
    _row(arithmetic, "neg", "Neg", methods=("neg", "__neg__"), numpy=("negative",),
         torch="torch.neg", onnx="Neg", samples=_unary()),
    _row(arithmetic, "pow", "Pow", methods=("pow",), numpy=("power",), torch="torch.pow",
         onnx="Pow", calc=Calc("x ** y", tensors=2),
         samples=(Sample(args=(X, X), domains=(POSITIVE, ANY)),
                  Sample(args=(X, 3), label="x ** 3"))),
    # elementary.py
    _row(elementary, "exp", "Exp", methods=("exp",), numpy=("exp",), torch="torch.exp",
         onnx="Exp", calc=Calc("e to the x"), samples=_unary()),
    _row(elementary, "log", "Log", methods=("log",), numpy=("log",), torch="torch.log",
         onnx="Log", calc=Calc("natural logarithm"), samples=_unary(domains=(POSITIVE,))),
    _row(elementary, "sqrt", "Sqrt", methods=("sqrt",), numpy=("sqrt",), torch="torch.sqrt",
         onnx="Sqrt", calc=Calc("square root"), samples=_unary(domains=(POSITIVE,))),
    _row(elementary, "abs", "Abs", methods=("abs", "__abs__"), numpy=("absolute",),
         torch="torch.abs", onnx="Abs", calc=Calc("absolute value"),
         samples=_unary(domains=(AWAY_FROM_ZERO,), smooth=False)),
    _row(elementary, "sin", "Sin", methods=("sin",), numpy=("sin",), torch="torch.sin",
         onnx="Sin", calc=Calc("sine (radians)"), samples=_unary()),
    _row(elementary, "cos", "Cos", methods=("cos",), numpy=("cos",), torch="torch.cos",
         onnx="Cos", calc=Calc("cosine (radians)"), samples=_unary()),
    _row(elementary, "sinh", "Sinh", methods=("sinh",), numpy=("sinh",), torch="torch.sinh",
         onnx="Sinh", calc=Calc("hyperbolic sine"), samples=_unary()),
    _row(elementary, "erf", "Erf", methods=("erf",), torch="torch.erf", onnx="Erf",
         calc=Calc("error function"), samples=_unary(domains=(ERF_SEAM,))),
    # activations.py
    _row(activations, "tanh", "TanhFunction", methods=("tanh",), numpy=("tanh",),
         torch="torch.tanh", onnx="Tanh", calc=Calc("hyperbolic tangent"), samples=_unary()),
    _row(activations, "sigmoid", "SigmoidFunction", methods=("sigmoid",), torch="torch.sigmoid",
         onnx="Sigmoid", calc=Calc("1 / (1 + exp(-x))"), samples=_unary()),
    _row(activations, "relu", "ReLUFunction", methods=("relu",), torch="torch.relu", onnx="Relu",
         calc=Calc("max(x, 0)"), samples=_unary(domains=(AWAY_FROM_ZERO,), smooth=False)),
    _row(activations, "leaky_relu", "LeakyReLUFunction", methods=("leaky_relu",),
         torch="torch.nn.functional.leaky_relu", onnx="LeakyRelu",
         calc=Calc("x if x > 0 else negative_slope * x", numbers={"negative_slope": 0.01}),
         samples=(Sample(domains=(AWAY_FROM_ZERO,), smooth=False),
                  Sample(args=(X, 0.2), domains=(AWAY_FROM_ZERO,), label="0.2", smooth=False))),
    _row(activations, "elu", "ELUFunction", methods=("elu",), torch="torch.nn.functional.elu",
         onnx="Elu", calc=Calc("x if x > 0 else alpha * (exp(x) - 1)", numbers={"alpha": 1.0}),
         samples=(Sample(domains=(AWAY_FROM_ZERO,)),
                  Sample(kwargs={"alpha": 0.5}, domains=(AWAY_FROM_ZERO,), label="alpha 0.5"))),
    _row(activations, "gelu", "GELUFunction", torch="torch.nn.functional.gelu", onnx="Gelu",
         calc=Calc("x * Phi(x), Phi the normal CDF"),
         samples=(Sample(domains=(GELU_SEAM,)),
                  Sample(kwargs={"approximate": "tanh"}, label="tanh"))),
    # selection.py
    _row(selection, "maximum", "Maximum", methods=("maximum",), numpy=("maximum",),
         torch="torch.maximum", onnx="Max", calc=Calc("the larger of x and y", 2, names=("max",)),
         samples=_unary(args=(X, X), domains=(GRID, GRID_SHIFTED), smooth=False)),
    _row(selection, "minimum", "Minimum", methods=("minimum",), numpy=("minimum",),
         torch="torch.minimum", onnx="Min", calc=Calc("the smaller of x and y", 2, names=("min",)),
         samples=_unary(args=(X, X), domains=(GRID, GRID_SHIFTED), smooth=False)),
    _row(selection, "clip", "Clip", aliases=("clamp",), methods=("clip", "clamp"),
         numpy=("clip",), torch="torch.clamp", onnx="Clip",
         calc=Calc("x limited to [min, max]", numbers={"min": None, "max": None},
                   names=("clamp",)),
         samples=(Sample(args=(X, -1.0, 1.0), domains=(Domain(kinks=(-1.0, 1.0)),), smooth=False),
                  Sample(kwargs={"min": 0.5}, domains=(Domain(kinks=(0.5,)),), label="min only"))),
    _row(selection, "where", "Where", numpy=("where",), torch="torch.where", onnx="Where",
         samples=_unary(args=(_MASK, X, X), shapes=((3, 4), (3, 4)))),
    # reduce.py
    _row(reduce, "sum", "Sum", methods=("sum",), numpy=("sum",), torch="torch.sum",
         onnx="ReduceSum",
         samples=(Sample(shapes=_M), Sample(kwargs={"dim": 1}, shapes=_M, label="dim"))),
    _row(reduce, "mean", methods=("mean",), numpy=("mean",), torch="torch.mean",
         samples=_unary(kwargs={"dim": 0}, shapes=_M)),
    _row(reduce, "prod", "Prod", methods=("prod",), numpy=("prod",), torch="torch.prod",
         samples=_unary(kwargs={"dim": 1}, shapes=_M, domains=(AWAY_FROM_ZERO,)),
         unsupported={"onnx": "ReduceProd is not written in nn/export yet"}),
    _row(reduce, "amax", "Max", methods=("amax",), numpy=("max", "amax"), torch="torch.amax",
         onnx="ReduceMax",
         samples=(Sample(kwargs={"dim": 1}, shapes=_M, domains=(DISTINCT,), smooth=False),
                  Sample(kwargs={"dim": (0, 1)}, shapes=_M, domains=(DISTINCT,), smooth=False,
                         label="dims"))),
    _row(reduce, "amin", "Min", methods=("amin",), numpy=("min", "amin"), torch="torch.amin",
         onnx="ReduceMin",
         samples=_unary(kwargs={"dim": 0}, shapes=_M, domains=(DISTINCT,), smooth=False)),
    # max(x) / max(x, dim) -> (values, indices) / max(x, other): PyTorch's three (Max, GetItem
    # or Maximum); the samples take the whole tensor, the named pair is tested on its own
    _row(reduce, "max", methods=("max",), torch="torch.max",
         samples=_unary(shapes=_M, domains=(DISTINCT,), smooth=False)),
    _row(reduce, "min", methods=("min",), torch="torch.min",
         samples=_unary(shapes=_M, domains=(DISTINCT,), smooth=False)),
    _row(reduce, "cumsum", "CumSum", methods=("cumsum",), torch="torch.cumsum",
         samples=(Sample(args=(X, 1), shapes=_M), Sample(args=(X, 0), shapes=_M, label="dim 0")),
         unsupported={"onnx": "CumSum (its axis an input tensor) is not written in nn/export"}),
    _row(reduce, "cumprod", "CumProd", methods=("cumprod",), torch="torch.cumprod",
         samples=(Sample(args=(X, 1), shapes=_M), Sample(args=(X, 0), shapes=_M, label="dim 0"),
                  Sample(args=(X, 1), shapes=((2, 5),), domains=(_WITH_ZEROS,),
                         label="zeros")),
         unsupported={"onnx": "ONNX has no cumulative product"}),
    _row(reduce, "var", methods=("var",), numpy=("var",), torch="torch.var",
         samples=_unary(kwargs={"dim": 1}, shapes=_M)),
    _row(reduce, "std", methods=("std",), numpy=("std",), torch="torch.std",
         samples=_unary(kwargs={"dim": 1}, shapes=_M, domains=(DISTINCT,))),
    _row(reduce, "logsumexp", "LogSumExp", methods=("logsumexp",), torch="torch.logsumexp",
         onnx="ReduceLogSumExp", samples=_unary(kwargs={"dim": 1}, shapes=_M)),
    _row(reduce, "softmax", "SoftmaxFunction", methods=("softmax",), torch="torch.softmax",
         onnx="Softmax", samples=_unary(kwargs={"dim": 1}, shapes=_M)),
    _row(reduce, "log_softmax", "LogSoftmaxFunction", methods=("log_softmax",),
         torch="torch.log_softmax", onnx="LogSoftmax",
         samples=_unary(kwargs={"dim": 1}, shapes=_M)),
    _row(reduce, "argmax", methods=("argmax",), numpy=("argmax",),
         unsupported={"samples": "indices have no gradient", "torch": "indices only: no check"}),
    _row(reduce, "argmin", methods=("argmin",),
         unsupported={"samples": "indices have no gradient", "torch": "indices only: no check"}),
    # sorting.py: values taken by indexing (GetItem), indices without gradient
    # (sort and topk return (values, indices): their samples check .values)
    _row(sorting, "sort", methods=("sort",), torch="torch.sort",
         samples=(Sample(kwargs={"dim": 1}, shapes=_M, domains=(DISTINCT,), output="values"),
                  Sample(kwargs={"dim": 0, "descending": True}, shapes=_M, domains=(DISTINCT,),
                         output="values", label="descending"))),
    _row(sorting, "argsort", methods=("argsort",),
         unsupported={"samples": "indices have no gradient", "torch": "indices only: no check"}),
    _row(sorting, "topk", methods=("topk",), torch="torch.topk",
         samples=(Sample(args=(X, 2), kwargs={"dim": 1}, shapes=_M, domains=(DISTINCT,),
                         output="values"),
                  Sample(args=(X, 2), kwargs={"dim": 0, "largest": False}, shapes=_M,
                         domains=(DISTINCT,), output="values", label="smallest"))),
    _row(sorting, "unique", methods=("unique",),
         unsupported={"samples": "values without gradient", "torch": "values only: no check"}),
    _row(sorting, "gather", methods=("gather",), torch="torch.gather",
         samples=_unary(args=(X, 1, np.array([[0, 3], [2, 2], [1, 0]])), shapes=_M)),
    _row(sorting, "scatter", methods=("scatter",), torch="torch.scatter",
         samples=(Sample(args=(X, 0, _SCATTER, X), shapes=((3, 4), (2, 4))),
                  Sample(args=(X, 1, _SCATTER.T, X), shapes=((4, 3), (4, 2)), label="dim 1"),
                  Sample(args=(X, 0, _SCATTER, 0.5), shapes=_M, label="value"))),
    _row(sorting, "scatter_add", methods=("scatter_add",), torch="torch.scatter_add",
         samples=(Sample(args=(X, 0, _SCATTER_ADD, X), shapes=((3, 4), (2, 4))),
                  Sample(args=(X, 1, _SCATTER_ADD, X), shapes=((2, 4), (2, 4)), label="dim 1"))),
    # composites.py
    _row(composites, "dot", methods=("dot",), torch="torch.dot",
         samples=_unary(args=(X, X), shapes=((4,), (4,)))),
    _row(composites, "mm", methods=("mm",), torch="torch.mm",
         samples=_unary(args=(X, X), shapes=((3, 4), (4, 2)))),
    _row(composites, "bmm", methods=("bmm",), torch="torch.bmm",
         samples=_unary(args=(X, X), shapes=((2, 3, 4), (2, 4, 2)))),
    _row(composites, "norm", "Norm", methods=("norm",), torch="torch.norm",
         samples=(Sample(shapes=_M, domains=(AWAY_FROM_ZERO,)),
                  Sample(kwargs={"dim": 1}, shapes=_M, label="dim"),
                  Sample(args=(X, 1), shapes=_M, domains=(AWAY_FROM_ZERO,), label="p=1",
                         smooth=False)),
         unsupported={"onnx": "ReduceL2 is not written in nn/export yet"}),
    _row(composites, "clone", "Clone", methods=("clone",), torch="torch.clone",
         samples=_unary(shapes=_M),  # (shapes given: not a calculator function)
         unsupported={"onnx": "Identity is not written in nn/export yet"}),
    # shape.py
    _row(shape, "reshape", "Reshape", methods=("reshape", "view"), numpy=("reshape",),
         torch="torch.reshape", onnx="Reshape", samples=_unary(args=(X, (2, 6)), shapes=_M)),
    _row(shape, "permute", "Permute", methods=("permute",), torch="torch.permute",
         onnx="Transpose", samples=_unary(args=(X, (2, 0, 1)), shapes=((2, 3, 4),))),
    _row(shape, "transpose", methods=("transpose",), numpy=("transpose",),
         torch="torch.transpose", samples=_unary(args=(X, 0, 1), shapes=_M)),
    _row(shape, "expand", "Expand", methods=("expand",), numpy=("broadcast_to",), onnx="Expand",
         samples=_unary(args=(X, 3, 4), shapes=((1, 4),)),
         unsupported={"torch": "torch has Tensor.expand, a method only"}),
    _row(shape, "squeeze", methods=("squeeze",), numpy=("squeeze",), torch="torch.squeeze",
         samples=_unary(args=(X, 0), shapes=((1, 4),))),
    _row(shape, "unsqueeze", methods=("unsqueeze",), torch="torch.unsqueeze",
         samples=_unary(args=(X, 1), shapes=_M)),
    _row(shape, "flatten", methods=("flatten",), torch="torch.flatten",
         samples=_unary(shapes=((2, 3, 2),))),
    _row(shape, "concatenate", "Concatenate", aliases=("cat",), numpy=("concatenate",),
         torch="torch.cat", onnx="Concat",
         samples=_unary(args=([X, X],), kwargs={"dim": 0}, shapes=((3, 4), (2, 4)))),
    _row(shape, "stack", "Stack", numpy=("stack",), torch="torch.stack", onnx="Stack",
         samples=_unary(args=([X, X],), kwargs={"dim": 1}, shapes=_M * 2)),
    _row(shape, "pad", "Pad", numpy=("pad",), torch="torch.nn.functional.pad", onnx="Pad",
         samples=_unary(args=(X, (1, 2)), shapes=_M)),
    _row(shape, "getitem", "GetItem", methods=("__getitem__",), internal=(shape.IndexBackward,),
         onnx="Slice", samples=_unary(args=(X, (slice(1, None), slice(None, None, 2))), shapes=_M),
         unsupported={"torch": "indexing is an operator in torch, x[index]"}),
    # linalg.py
    _row(linalg, "matmul", "MatMul", methods=("matmul",), numpy=("matmul",),
         torch="torch.matmul", onnx="MatMul", samples=_unary(args=(X, X), shapes=((3, 4), (4, 2)))),
    _row(linalg, "linear", "LinearFunction", torch="torch.nn.functional.linear", onnx="Gemm",
         samples=_unary(args=(X, X, X), shapes=((5, 3), (4, 3), (4,)))),
    _row(linalg, "einsum", "Einsum", numpy=("einsum",), torch="torch.einsum",
         samples=_unary(args=("ij,jk->ik", X, X), shapes=((3, 4), (4, 2))),
         unsupported={"onnx": "ONNX's Einsum export is not written in nn/export yet"}),
    _row(linalg, "tensordot", numpy=("tensordot",), torch="torch.tensordot",
         samples=_unary(args=(X, X, 1), shapes=((3, 4), (4, 2)))),
    # conv.py
    _row(conv, "conv2d", "Conv2dFunction", internal=(conv.Conv2dInputGrad, conv.Conv2dWeightGrad),
         torch="torch.nn.functional.conv2d", onnx="Conv",
         samples=_unary(args=(X, X, X), kwargs={"padding": 1},
                        shapes=((1, 2, 3, 3), (2, 2, 2, 2), (2,)))),
    _row(conv, "max_pool2d", "MaxPool2dFunction",
         internal=(conv.MaxPool2dScatter, conv.MaxPool2dGather),
         torch="torch.nn.functional.max_pool2d", onnx="MaxPool",
         samples=_unary(args=(X, 2), shapes=((1, 2, 4, 4),), domains=(DISTINCT,), smooth=False)),
    _row(conv, "avg_pool2d", "AvgPool2dFunction", internal=(conv.AvgPool2dBackward,),
         torch="torch.nn.functional.avg_pool2d", onnx="AveragePool",
         samples=_unary(args=(X, 2), shapes=((1, 2, 4, 4),))),
    # loss.py
    _row(loss, "cross_entropy", "SoftmaxCrossEntropy", torch="torch.nn.functional.cross_entropy",
         samples=_unary(args=(X, _CLASSES), shapes=((4, 5),)), unsupported=NO_ONNX_LOSS),
    _row(loss, "nll_loss", "NLL", torch="torch.nn.functional.nll_loss",
         samples=_unary(args=(X, _CLASSES), shapes=((4, 5),)), unsupported=NO_ONNX_LOSS),
    _row(loss, "binary_cross_entropy", "BinaryCrossEntropy",
         torch="torch.nn.functional.binary_cross_entropy", unsupported=NO_ONNX_LOSS,
         samples=_unary(args=(X, _BITS), shapes=((2, 3),), domains=(Domain(0.05, 0.95),))),
    _row(loss, "binary_cross_entropy_with_logits", "BCEWithLogits", unsupported=NO_ONNX_LOSS,
         torch="torch.nn.functional.binary_cross_entropy_with_logits",
         samples=_unary(args=(X, _BITS), shapes=((2, 3),))),
    _row(loss, "mse_loss", torch="torch.nn.functional.mse_loss",
         samples=_unary(args=(X, X), shapes=((2, 3), (2, 3)))),
    _row(loss, "l1_loss", torch="torch.nn.functional.l1_loss",
         samples=_unary(args=(X, X), shapes=((2, 3), (2, 3)), domains=(GRID, GRID_SHIFTED),
                        smooth=False)),
    # (margin 1.05: score differences, multiples of 0.1 on the grid, never meet the hinge)
    _row(loss, "multi_margin_loss", torch="torch.nn.functional.multi_margin_loss",
         samples=_unary(args=(X, _CLASSES), kwargs={"margin": 1.05}, shapes=((4, 5),),
                        domains=(GRID,), smooth=False)),
    _row(loss, "multiclass_svm_loss",
         samples=_unary(args=(X, _CLASSES), kwargs={"delta": 1.05}, shapes=((4, 5),),
                        domains=(GRID,), smooth=False),
         unsupported={"torch": "PyTorch's multi_margin_loss divides by the classes too"}),
)
# fmt: on

# Functions recorded by Tensor members that are not public functions (operators, in-place
# ops, conversions): their rows have no public function.
MEMBER_OPS: tuple[OpInfo, ...] = (
    OpInfo("astype", lambda x, dtype: x.astype(dtype), selection.Cast, onnx="Cast"),
    OpInfo(
        "setitem",
        lambda x, index, value: x.__setitem__(index, value),
        shape.SetItem,
        unsupported={"onnx": "in-place assignment is not exported (ScatterND not written)"},
    ),
)


def public_names() -> list[str]:
    """Every public op name, aliases included: ``autograd_lite.ops.__all__``."""
    return [n for row in OPS for n in row.names]


def by_name(name: str) -> OpInfo:
    """The row of ``name`` (an alias finds its row too)."""
    for row in OPS:
        if name in row.names:
            return row
    raise KeyError(f"no op named {name!r} in the op table")
