"""NumPy functions on tensors: ``np.exp(x)``, ``np.maximum(0, h)``, ``np.dot(X, W)``,
``np.sum(x, axis=1)`` run the engine's ops and return tensors that are in the graph.

NumPy hands a call over to a tensor argument (as MyGrad does): ufuncs such as ``np.exp`` and
``np.add`` call ``Tensor.__array_ufunc__`` (NEP 13), the other functions, ``np.sum``,
``np.concatenate`` ..., call ``Tensor.__array_function__`` (NEP 18). Both come here. Each
NumPy function that has a tensor op runs that op, so the gradients are those of the Tensor
methods (``np.exp(x)`` is ``x.exp()``). Functions that only look at the values -- their
results carry no gradient: ``np.shape``, ``np.allclose``, ``np.isnan``, ``np.argsort`` --
get the arrays. Every other function raises a TypeError that names it and says what to use
instead: a tensor never silently becomes an ndarray through a NumPy call, which would drop it
out of the graph. (``np.asarray(x)`` is not such a call: it asks for the values, ``__array__``,
for plotting and printing.)

NumPy asks for the values, never handing the call over, in three more places, which are
therefore outside the graph: ``np.array([a, b])`` and other array constructors, a list of
tensors where one array is expected (``np.sum([a, b])``: use ``al.stack([a, b]).sum(0)``),
and writing a tensor into an ndarray (``arr[i] = x``: make ``arr`` a tensor,
``np.zeros_like(x)`` or ``al.zeros(...)``).

The Tensor operators (``x * y``) do not come here: they are Tensor's own methods.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from autograd_lite.ops import linalg, reduce, selection, shape
from autograd_lite.ops.arithmetic import mul
from autograd_lite.ops.table import OPS
from autograd_lite.tensor import Tensor, _make

# -- ufuncs: np.exp(x), np.add(x, y), np.maximum(0, h), np.add.reduce(x) --------------------

# From the op table: each row's ``numpy`` names (np.exp runs exp), and two ufuncs that are
# not ops of their own.
UFUNCS: dict[np.ufunc, Callable[..., Tensor]] = {
    np.positive: lambda x: x,
    np.square: lambda x: x * x,
}
UFUNCS.update(
    {
        getattr(np, name): row.function
        for row in OPS
        for name in row.numpy
        if isinstance(getattr(np, name), np.ufunc)
    }
)

# ufunc.reduce: np.add.reduce(x, axis) is a sum, ...
REDUCTIONS: dict[np.ufunc, Callable[..., Tensor]] = {
    np.add: reduce.sum,
    np.multiply: reduce.prod,
    np.maximum: reduce.max,
    np.minimum: reduce.min,
}

# ufuncs whose results have no gradient (comparisons, tests): bool tensors, like x > 0.
NO_GRADIENT_UFUNCS = {
    np.greater,
    np.greater_equal,
    np.less,
    np.less_equal,
    np.equal,
    np.not_equal,
    np.isnan,
    np.isinf,
    np.isfinite,
    np.signbit,
    np.logical_and,
    np.logical_or,
    np.logical_not,
    np.logical_xor,
}


def array_ufunc(self: Tensor, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
    """``Tensor.__array_ufunc__``: a NumPy ufunc called with a tensor among its arguments."""
    if method == "__call__" and not kwargs:  # the common case first: np.exp(x), array * x
        op = UFUNCS.get(ufunc)
        if op is not None:
            return op(*inputs)
    name = f"np.{ufunc.__name__}" + ("" if method == "__call__" else f".{method}")
    out = kwargs.pop("out", None)
    if out is not None:
        return _into_arrays(name, ufunc, method, inputs, kwargs, out)
    if ufunc in NO_GRADIENT_UFUNCS and method == "__call__":
        return _make(np.asarray(ufunc(*_values(inputs), **kwargs)))
    if method == "__call__" and ufunc in UFUNCS:
        _refuse_options(name, kwargs)
        return UFUNCS[ufunc](*inputs)
    if method == "reduce" and ufunc in REDUCTIONS:
        axis, keepdims = kwargs.pop("axis", 0), kwargs.pop("keepdims", False)
        _refuse_options(name, kwargs)
        return REDUCTIONS[ufunc](*inputs, axis=axis, keepdims=keepdims)
    raise _unsupported(name)


def _into_arrays(name: str, ufunc: np.ufunc, method: str, inputs: tuple, kwargs: dict, out: Any):
    """``out=``: NumPy writing into arrays (``array += x``). Never into a tensor, and never
    from a tensor that requires grad (the result would be outside the graph)."""
    if any(isinstance(o, Tensor) for o in out):
        raise TypeError(
            f"{name}(..., out=<tensor>): NumPy cannot write into a tensor. Change the tensor "
            "with its own in-place ops (x += y, x.add_(y), x[...] = value), or make a new "
            f"tensor: x = {name}(...)"
        )
    if any(isinstance(x, Tensor) and x._requires_grad for x in inputs):
        raise TypeError(
            f"{name}(..., out=<ndarray>) with a tensor that requires grad: the result would be "
            "a plain array, out of the graph. Compute a new tensor instead (y = array + x), or "
            "use x.detach() if you want the values only"
        )
    return getattr(ufunc, method)(*_values(inputs), out=out, **kwargs)


# -- other functions: np.sum(x), np.concatenate([x, y]), np.dot(x, w) ------------------------

FUNCTIONS: dict[Callable, Callable[..., Any]] = {}


def _implements(*numpy_functions: Callable) -> Callable:
    def register(handler: Callable) -> Callable:
        for f in numpy_functions:
            FUNCTIONS[f] = handler
        return handler

    return register


def array_function(self: Tensor, func: Callable, types: tuple, args: tuple, kwargs: dict) -> Any:
    """``Tensor.__array_function__``: a NumPy function called with a tensor among its arguments."""
    if not all(issubclass(t, (Tensor, np.ndarray)) for t in types):
        return NotImplemented  # another array library's type: let it (or NumPy) decide
    handler = FUNCTIONS.get(func)
    if handler is not None:
        return handler(*args, **kwargs)
    if func in LOOKING:
        return func(*_values(args), **_values(kwargs))
    raise _unsupported(_numpy_name(func))


# Functions whose results carry no gradient (shapes, tests, indices, counts, files): they
# run on the values.
LOOKING = {
    np.allclose,
    np.isclose,
    np.array_equal,
    np.array_equiv,
    np.count_nonzero,
    np.nonzero,
    np.flatnonzero,
    np.argwhere,
    np.argmin,
    np.argsort,
    np.any,
    np.all,
    np.histogram,
    np.histogram_bin_edges,
    np.result_type,
    np.shares_memory,
    np.may_share_memory,
    np.iscomplexobj,
    np.isrealobj,
    np.array2string,
    np.array_repr,
    np.array_str,
    np.save,
    np.savez,
    np.savez_compressed,
    np.savetxt,
}


@_implements(np.shape)
def _shape(a: Any) -> tuple:
    return a.shape  # (no .data: also right for inputs changed in place, see inplace.py)


@_implements(np.ndim)
def _ndim(a: Any) -> int:
    return a.ndim


@_implements(np.size)
def _size(a: Any, axis: int | None = None) -> int:
    return int(np.prod(a.shape)) if axis is None else a.shape[axis]


@_implements(np.sum)
def _sum(a, axis=None, dtype=None, out=None, keepdims=False, **rest):
    _refuse_options("np.sum", rest, out=out)
    return _as_dtype(reduce.sum(a, axis=axis, keepdims=keepdims), dtype)


@_implements(np.mean)
def _mean(a, axis=None, dtype=None, out=None, keepdims=False, **rest):
    _refuse_options("np.mean", rest, out=out)
    return _as_dtype(reduce.mean(a, axis=axis, keepdims=keepdims), dtype)


@_implements(np.prod)
def _prod(a, axis=None, dtype=None, out=None, keepdims=False, **rest):
    _refuse_options("np.prod", rest, out=out)
    return _as_dtype(reduce.prod(a, axis=axis, keepdims=keepdims), dtype)


@_implements(np.max, np.amax)
def _max(a, axis=None, out=None, keepdims=False, **rest):
    _refuse_options("np.max", rest, out=out)
    return reduce.max(a, axis=axis, keepdims=keepdims)


@_implements(np.min, np.amin)
def _min(a, axis=None, out=None, keepdims=False, **rest):
    _refuse_options("np.min", rest, out=out)
    return reduce.min(a, axis=axis, keepdims=keepdims)


@_implements(np.var)
def _var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, **rest):
    ddof = rest.pop("correction", ddof)
    _refuse_options("np.var", rest, out=out)
    return _as_dtype(reduce.var(a, axis=axis, correction=ddof, keepdims=keepdims), dtype)


@_implements(np.std)
def _std(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, **rest):
    ddof = rest.pop("correction", ddof)
    _refuse_options("np.std", rest, out=out)
    return _as_dtype(reduce.std(a, axis=axis, correction=ddof, keepdims=keepdims), dtype)


@_implements(np.argmax)
def _argmax(a, axis=None, out=None, *, keepdims=False):
    _refuse_options("np.argmax", {}, out=out)
    return reduce.argmax(_tensor(a), axis=axis, keepdims=keepdims)


@_implements(np.clip)
def _clip(a, a_min=None, a_max=None, out=None, *, min=None, max=None, **rest):
    _refuse_options("np.clip", rest, out=out)
    low = a_min if a_min is not None else min
    high = a_max if a_max is not None else max
    return selection.clip(a, _value(low), _value(high))


@_implements(np.where)
def _where(condition, *xy):
    if not xy:  # np.where(condition): the indices where it holds (no gradient)
        return np.where(_value(condition))
    return selection.where(condition, *xy)


@_implements(np.dot)
def _dot(a, b, out=None):
    """NumPy's dot: a product for a scalar, matmul for vectors and matrices, else the sum over
    a's last axis and b's second-to-last (a tensordot)."""
    _refuse_options("np.dot", {}, out=out)
    nd_a, nd_b = np.ndim(a), np.ndim(b)
    if nd_a == 0 or nd_b == 0:
        return mul(a, b)
    if nd_a <= 2 and nd_b <= 2:
        return linalg.matmul(a, b)
    return linalg.tensordot(a, b, axes=([nd_a - 1], [0 if nd_b == 1 else nd_b - 2]))


@_implements(np.outer)
def _outer(a, b, out=None):
    _refuse_options("np.outer", {}, out=out)
    return mul(shape.reshape(a, -1, 1), shape.reshape(b, 1, -1))


@_implements(np.tensordot)
def _tensordot(a, b, axes=2):
    return linalg.tensordot(a, b, axes)


@_implements(np.einsum)
def _einsum(*operands, out=None, optimize=False, **rest):
    _refuse_options("np.einsum", rest, out=out)
    return linalg.einsum(*operands, optimize=optimize)


@_implements(np.trace)
def _trace(a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    _refuse_options("np.trace", {}, out=out)
    if offset != 0 or np.ndim(a) != 2 or (axis1, axis2) not in ((0, 1), (1, 0)):
        raise _unsupported("np.trace", "for a matrix: al.einsum('ii', x)")
    return _as_dtype(linalg.einsum("ii", a), dtype)


@_implements(np.concatenate)
def _concatenate(arrays, axis=0, out=None, **rest):
    _refuse_options("np.concatenate", rest, out=out)
    if axis is None:  # NumPy flattens first
        return shape.concatenate([shape.reshape(a, -1) for a in arrays])
    return shape.concatenate(list(arrays), axis=axis)


@_implements(np.stack)
def _stack(arrays, axis=0, out=None, **rest):
    _refuse_options("np.stack", rest, out=out)
    return shape.stack(list(arrays), axis=axis)


@_implements(np.reshape)
def _reshape(a, shape_=None, order="C", *, newshape=None, copy=None, **kw):
    new = kw.pop("shape", shape_ if newshape is None else newshape)
    _refuse_options("np.reshape", kw, order=None if order == "C" else order)
    return shape.reshape(a, new)


@_implements(np.transpose)
def _transpose(a, axes=None):
    return shape.transpose(a) if axes is None else shape.permute(a, axes)


@_implements(np.swapaxes)
def _swapaxes(a, axis1, axis2):
    return shape.transpose(a, axis1, axis2)


@_implements(np.expand_dims)
def _expand_dims(a, axis):
    return shape.reshape(a, _shape_after(np.expand_dims, a, axis))


@_implements(np.squeeze)
def _squeeze(a, axis=None):
    return shape.reshape(a, _shape_after(np.squeeze, a, axis))


@_implements(np.broadcast_to)
def _broadcast_to(array, shape_=None, subok=False, **kw):
    return shape.expand(array, kw.pop("shape", shape_))


@_implements(np.pad)
def _pad(array, pad_width, mode="constant", **kwargs):
    value = kwargs.pop("constant_values", 0)
    if mode != "constant" or kwargs or np.ndim(value) != 0:
        raise _unsupported(
            f"np.pad(mode={mode!r}{''.join(f', {k}=...' for k in kwargs)})",
            "al.pad(x, pad, value=...): constant padding with one value",
        )
    widths = np.broadcast_to(np.asarray(pad_width, dtype=np.int64), (np.ndim(array), 2))
    return shape.pad(array, [tuple(int(v) for v in w) for w in widths], value=float(value))


@_implements(np.astype)
def _astype(x, dtype, /, *, copy=True, **rest):
    _refuse_options("np.astype", rest)
    return _tensor(x).astype(dtype)


def _new_like(func: Callable) -> Callable:
    """np.zeros_like(x) and friends: a new tensor of x's shape and dtype (no gradient)."""

    def make(*args: Any, **kwargs: Any) -> Tensor:
        return _make(np.asarray(func(*_values(args), **_values(kwargs))))

    return make


for _like in (np.zeros_like, np.ones_like, np.empty_like, np.full_like):
    FUNCTIONS[_like] = _new_like(_like)

# The op table's NumPy names that are not ufuncs (np.einsum): the adapters above when NumPy's
# signature differs from the op's, else the op function itself.
for _row in OPS:
    for _name in _row.numpy:
        if not isinstance(getattr(np, _name), np.ufunc):
            FUNCTIONS.setdefault(getattr(np, _name), _row.function)


# -- helpers ----------------------------------------------------------------------------------


def _values(obj: Any) -> Any:
    """The arguments with every tensor replaced by its array (in lists, tuples and dicts too)."""
    if isinstance(obj, Tensor):
        return obj.data
    if isinstance(obj, (list, tuple)):
        return type(obj)(_values(x) for x in obj)
    if isinstance(obj, dict):
        return {k: _values(v) for k, v in obj.items()}
    return obj


def _value(x: Any) -> Any:
    return x.data if isinstance(x, Tensor) else x


def _tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else _make(np.asarray(x))


def _as_dtype(t: Tensor, dtype: Any) -> Tensor:
    return t if dtype is None else t.astype(dtype)


def _shape_after(numpy_shape_function: Callable, a: Any, *args: Any) -> tuple:
    """The shape NumPy's function would give ``a`` (run on a stand-in that takes no memory)."""
    stand_in = np.broadcast_to(np.zeros((), dtype=bool), np.shape(_value(a)))
    return numpy_shape_function(stand_in, *args).shape


def _refuse_options(name: str, rest: dict, out: Any = None, **given: Any) -> None:
    """Options the tensor version does not take (out=, where=, initial=, casting= ...) are
    refused by name rather than ignored (None means not given)."""
    if out is not None:
        raise TypeError(
            f"{name}(..., out=...): not supported for tensors (the result is a new tensor; to "
            "change a tensor in place use x[...] = value or its in-place ops)"
        )
    bad = [k for k, v in {**rest, **given}.items() if v is not None]
    if bad:
        raise TypeError(f"{name}: option(s) {', '.join(bad)} not supported for tensors")


# What to use instead of a NumPy function that has no tensor version (the rest get the
# general advice).
ALTERNATIVES = {
    "np.log1p": "al.log(1 + x)",
    "np.expm1": "al.exp(x) - 1",
    "np.log2": "al.log(x) / math.log(2)",
    "np.log10": "al.log(x) / math.log(10)",
    "np.exp2": "2.0 ** x",
    "np.tan": "al.sin(x) / al.cos(x)",
    "np.reciprocal": "1 / x",
    "np.true_divide": "x / y",
    "np.sign": "(x > 0).float() - (x < 0).float() (no gradient)",
    "np.linalg.norm": "al.sqrt((x * x).sum())",
    "np.average": "x.mean(), or (x * w).sum() / w.sum()",
    "np.diag": "al.einsum('ii->i', x) for the diagonal of a matrix",
    "np.copy": "x * 1 (a new tensor in the graph) or x.detach() (values only)",
    "np.vstack": "al.concatenate([...], axis=0)",
    "np.hstack": "al.concatenate([...], axis=1)",
    "np.inner": "al.einsum('...i,...i', x, y)",
}


def _unsupported(name: str, alternative: str | None = None) -> TypeError:
    alternative = alternative or ALTERNATIVES.get(name)
    advice = (
        f"use {alternative} instead"
        if alternative
        else "use the engine's ops (al.* functions, Tensor methods), or compute it on the "
        f"values, outside the graph: {name}(x.detach().numpy())"
    )
    return TypeError(
        f"{name} is not supported on autograd_lite tensors: it would return a plain array, out "
        f"of the graph, so no gradient would flow back through it; {advice}"
    )


def _numpy_name(func: Callable) -> str:
    module = getattr(func, "__module__", None) or "numpy"
    return module.replace("numpy", "np", 1) + "." + func.__name__
