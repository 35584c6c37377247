"""The ONNX table: which ONNX nodes compute each recorded op (one entry per Function class),
built from the op table (``autograd_lite/ops/table.py``): each row names the ONNX operator of
its Function, and ``EMITTERS`` says how to write the ones that need more than their inputs.

A handler receives a ``NodeContext`` (``nn.export.onnx_graph``): ``ctx.input(i)`` names an
input's ONNX value, ``ctx.option(name)`` / ``ctx.saved(attr)`` give the op's settings, and
``ctx.finish(op_type, inputs, **attributes)`` adds the ONNX node that computes the output
(``ctx.emit`` adds intermediate ones). To export your own ``Function``, add an entry::

    ONNX_OPS[MySquare] = lambda ctx: ctx.finish("Mul", [ctx.input(0), ctx.input(0)])

ONNX operators: https://onnx.ai/onnx/operators/ (the semantics at ``ctx.opset``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from autograd_lite.ops.table import MEMBER_OPS, OPS
from nn.export.onnx_graph import NodeContext

Handler = Callable[[NodeContext], str]


def _same_name(op_type: str) -> Handler:
    """An op whose ONNX operator takes the same inputs (Add, Exp, MatMul, ...)."""
    return lambda ctx: ctx.finish(op_type, [ctx.input(i) for i in range(ctx.num_inputs())])


# -- elementwise ------------------------------------------------------------------------------


def _leaky_relu(ctx: NodeContext) -> str:
    return ctx.finish("LeakyRelu", [ctx.input(0)], alpha=float(ctx.option("negative_slope")))


def _elu(ctx: NodeContext) -> str:
    return ctx.finish("Elu", [ctx.input(0)], alpha=float(ctx.saved("alpha")))


def _gelu(ctx: NodeContext) -> str:
    """x · Φ(x) = x · ½(1 + erf(x/√2)): one Gelu node from opset 20, before it the formula."""
    x = ctx.input(0)
    if ctx.opset >= 20:
        return ctx.finish("Gelu", [x])
    erf = ctx.emit("Erf", [ctx.emit("Mul", [x, ctx.constant(1.0 / math.sqrt(2.0))])])
    cdf = ctx.emit("Mul", [ctx.emit("Add", [erf, ctx.constant(1.0)]), ctx.constant(0.5)])
    return ctx.finish("Mul", [x, cdf])


def _clip(ctx: NodeContext) -> str:
    bounds = [ctx.option("min"), ctx.option("max")]
    # An absent bound is an empty input name in ONNX.
    names = ["" if b is None else ctx.constant(b) for b in bounds]
    return ctx.finish("Clip", [ctx.input(0), *names])


def _where(ctx: NodeContext) -> str:
    return ctx.finish("Where", [ctx.input(0, cast=False), ctx.input(1), ctx.input(2)])


def _cast(ctx: NodeContext) -> str:
    to = ctx.builder.onnx.helper.np_dtype_to_tensor_dtype(ctx.dtype)
    return ctx.finish("Cast", [ctx.input(0, cast=False)], to=to)


# -- reductions -------------------------------------------------------------------------------


def _reduce(op_type: str, axes_input_since: int) -> Handler:
    """ReduceSum / ReduceMax / ...: the axes became an input (not an attribute) in opset 13
    for ReduceSum and in opset 18 for the others."""

    def handler(ctx: NodeContext) -> str:
        axes, keepdims = list(ctx.saved("axes")), int(ctx.saved("keepdims"))
        x = ctx.input(0)
        if not axes:  # a 0-d input: nothing to reduce
            return ctx.finish("Identity", [x])
        if ctx.opset >= axes_input_since:
            return ctx.finish(op_type, [x, ctx.ints(axes)], keepdims=keepdims)
        return ctx.finish(op_type, [x], axes=axes, keepdims=keepdims)

    return handler


def _softmax(op_type: str) -> Handler:
    def handler(ctx: NodeContext) -> str:
        axis = ctx.saved("axis")
        if axis is None:  # a 0-d input, which ONNX's Softmax does not take
            raise NotImplementedError(f"to_onnx: {ctx.where}: softmax of a 0-d tensor")
        return ctx.finish(op_type, [ctx.input(0)], axis=axis)

    return handler


# -- shapes -----------------------------------------------------------------------------------


def _out_shape_b(ctx: NodeContext) -> tuple | None:
    return None if ctx.node_b is None else ctx.node_b._out.shape


def _reshape(ctx: NodeContext) -> str:
    shape = ctx.shape(ctx.out_shape, _out_shape_b(ctx), reshape=True)
    return ctx.finish("Reshape", [ctx.input(0), shape])


def _expand(ctx: NodeContext) -> str:
    return ctx.finish("Expand", [ctx.input(0), ctx.shape(ctx.out_shape, _out_shape_b(ctx))])


def _permute(ctx: NodeContext) -> str:
    return ctx.finish("Transpose", [ctx.input(0)], perm=list(ctx.option("dims")))


def _concatenate(ctx: NodeContext) -> str:
    inputs = [ctx.input(i) for i in range(ctx.num_inputs())]
    return ctx.finish("Concat", inputs, axis=ctx.saved("axis"))


def _stack(ctx: NodeContext) -> str:
    axis = ctx.ints([ctx.saved("axis")])
    inputs = [ctx.emit("Unsqueeze", [ctx.input(i), axis]) for i in range(ctx.num_inputs())]
    return ctx.finish("Concat", inputs, axis=ctx.saved("axis"))


def _pad(ctx: NodeContext) -> str:
    widths = ctx.option("widths")  # ((before, after), ...) per axis
    pads = ctx.ints([lo for lo, _ in widths] + [hi for _, hi in widths])
    value = ctx.constant(ctx.option("value"))
    return ctx.finish("Pad", [ctx.input(0), pads, value], mode="constant")


_FIRST, _LAST = -(2**63), 2**63 - 1  # Slice's "from the very start / to the very end"


def _getitem(ctx: NodeContext) -> str:
    """``a[index]`` with ints, slices, None and ``...``, or one integer array among slices:
    the slices and ints become one Slice (an int i is the slice i:i+1, squeezed after), the
    array a Gather on its axis, each None an Unsqueeze. Other advanced indices (boolean
    masks, several arrays, an array with ints or None) have no single ONNX operator here."""
    index = ctx.option("index")
    items = list(index) if isinstance(index, tuple) else [index]
    k = next((n for n, i in enumerate(items) if i is Ellipsis), None)
    if k is not None:
        used = sum(i is not None and i is not Ellipsis for i in items)
        items[k : k + 1] = [slice(None)] * (len(ctx.input_shape(0)) - used)
    starts, ends, steps, axes, ints, nones = [], [], [], [], [], []
    gather: tuple[int, np.ndarray] | None = None
    axis = out = 0
    for item in items:
        if item is None:
            nones.append(out)
            out += 1
            continue
        if isinstance(item, slice):
            step = 1 if item.step is None else item.step
            if (item.start, item.stop, step) != (None, None, 1):
                starts.append((0 if step > 0 else _LAST) if item.start is None else item.start)
                ends.append((_LAST if step > 0 else _FIRST) if item.stop is None else item.stop)
                steps.append(step)
                axes.append(axis)
            out += 1
        elif isinstance(item, (int, np.integer)) and not isinstance(item, (bool, np.bool_)):
            starts.append(int(item))
            ends.append(_LAST if item == -1 else int(item) + 1)
            steps.append(1)
            axes.append(axis)
            ints.append(axis)
        else:
            array = np.asarray(item)
            if array.dtype.kind not in "iu" or gather is not None:
                raise ValueError(
                    f"to_onnx: {ctx.where} indexes with {_describe_index(index)}; exported "
                    "are ints, slices, None, ... and one integer array among slices"
                )
            gather = (axis, array)
            out += array.ndim
        axis += 1
    if gather is not None and (ints or nones):
        raise ValueError(
            f"to_onnx: {ctx.where} mixes an integer array with ints or None in "
            f"{_describe_index(index)} (NumPy then moves the axes); use separate indexing steps"
        )
    plan: list[tuple[str, list[str], dict[str, Any]]] = []  # (op, inputs after a, attrs)
    if axes:
        plan.append(("Slice", [ctx.ints(v) for v in (starts, ends, axes, steps)], {}))
    if gather is not None:
        plan.append(("Gather", [ctx.constant(gather[1], np.int64)], {"axis": gather[0]}))
    if ints:
        plan.append(("Squeeze", [ctx.ints(ints)], {}))
    if nones:
        plan.append(("Unsqueeze", [ctx.ints(nones)], {}))
    value = ctx.input(0)
    if not plan:  # a[:] or a[...]
        return ctx.finish("Identity", [value])
    for n, (op_type, inputs, attrs) in enumerate(plan):
        add = ctx.finish if n == len(plan) - 1 else ctx.emit
        value = add(op_type, [value, *inputs], **attrs)
    return value


def _describe_index(index: Any) -> str:
    items = index if isinstance(index, tuple) else (index,)
    kinds = [
        f"a {np.asarray(i).dtype.name} array of shape {np.shape(i)}"
        if not isinstance(i, (slice, int, np.integer, type(None), type(Ellipsis)))
        else repr(i)
        for i in items
    ]
    return "[" + ", ".join(kinds) + "]"


# -- layers -----------------------------------------------------------------------------------


def _affine(ctx: NodeContext) -> str:
    """x @ Wᵀ + b: Gemm for a 2-D x; for (..., in), MatMul with Wᵀ, then Add b."""
    x, w = ctx.input(0), ctx.input(1)
    bias = [ctx.input(2)] if ctx.num_inputs() == 3 else []
    if len(ctx.input_shape(0)) == 2:
        return ctx.finish("Gemm", [x, w, *bias], transB=1)
    if not bias:
        return ctx.finish("MatMul", [x, ctx.emit("Transpose", [w], perm=[1, 0])])
    product = ctx.emit("MatMul", [x, ctx.emit("Transpose", [w], perm=[1, 0])])
    return ctx.finish("Add", [product, *bias])


def _matmul(ctx: NodeContext) -> str:
    a, b = ctx.input(0), ctx.input(1)
    if len(ctx.input_shape(1)) != 1 or len(ctx.input_shape(0)) < 2:
        return ctx.finish("MatMul", [a, b])
    # (..., k) @ (k,) as ((..., k) @ (k, 1)).squeeze(-1): the same product, but ONNX Runtime
    # 1.32's MatmulTransposeFusion returns wrong numbers for a Transpose feeding a MatMul
    # whose second input is 1-D (measured; tests/nn/test_export_onnx.py covers it).
    column = ctx.emit("Unsqueeze", [b, ctx.ints([1])])
    return ctx.finish("Squeeze", [ctx.emit("MatMul", [a, column]), ctx.ints([-1])])


def _window(ctx: NodeContext) -> dict:
    """ONNX's attributes for nn's window geometry (symmetric padding: begin = end)."""
    geometry = ctx.saved("geometry")
    (ph, pw) = geometry["padding"]
    return dict(
        kernel_shape=list(geometry["kernel"]),
        strides=list(geometry["stride"]),
        pads=[ph, pw, ph, pw],
    )


def _conv(ctx: NodeContext) -> str:
    inputs = [ctx.input(i) for i in range(ctx.num_inputs())]
    return ctx.finish("Conv", inputs, **_window(ctx))


def _max_pool(ctx: NodeContext) -> str:
    # ONNX's MaxPool ignores padding (as nn's -inf padding does).
    return ctx.finish("MaxPool", [ctx.input(0)], **_window(ctx))


def _avg_pool(ctx: NodeContext) -> str:
    # nn counts padding as zeros in the mean (PyTorch's count_include_pad=True).
    return ctx.finish("AveragePool", [ctx.input(0)], count_include_pad=1, **_window(ctx))


# How to emit the ONNX operators the op table names that take more than their inputs as
# they come (an op table row's ``onnx`` not here: one node of that name, same inputs).
EMITTERS: dict[str, Handler] = {
    "LeakyRelu": _leaky_relu,
    "Elu": _elu,
    "Gelu": _gelu,
    "Clip": _clip,
    "Where": _where,
    "Cast": _cast,
    "ReduceSum": _reduce("ReduceSum", axes_input_since=13),
    "ReduceMax": _reduce("ReduceMax", axes_input_since=18),
    "ReduceMin": _reduce("ReduceMin", axes_input_since=18),
    "ReduceLogSumExp": _reduce("ReduceLogSumExp", axes_input_since=18),
    "Softmax": _softmax("Softmax"),
    "LogSoftmax": _softmax("LogSoftmax"),
    "Reshape": _reshape,
    "Expand": _expand,
    "Transpose": _permute,
    "Concat": _concatenate,
    "Stack": _stack,  # Unsqueeze each input, then Concat
    "Pad": _pad,
    "Slice": _getitem,  # Slice / Squeeze / Unsqueeze, or Gather for an integer array
    "MatMul": _matmul,
    "Gemm": _affine,  # Gemm for a 2-D input, else MatMul and Add
    "Conv": _conv,
    "MaxPool": _max_pool,
    "AveragePool": _avg_pool,
}


def emitter(onnx: str) -> Handler:
    """The handler for an op table row's ``onnx`` name."""
    return EMITTERS.get(onnx) or _same_name(onnx)


# Every Function the op table maps to ONNX, by class (add your own Function's entry here).
ONNX_OPS: dict[type, Handler] = {
    row.function_class: emitter(row.onnx)
    for row in (*OPS, *MEMBER_OPS)
    if row.function_class is not None and row.onnx is not None
}
