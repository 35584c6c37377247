"""``to_onnx``: an ONNX model built from the recorded graph of one forward pass.

How it works. The model runs once on the example (an input that requires grad, so every op
that depends on it is recorded); ``autograd_lite.engine.topological_order`` lists the
recorded nodes, and each node becomes one or a few ONNX nodes through one table keyed by
its Function class (``ONNX_OPS`` in ``nn.export.onnx_ops``). Parameters become
initializers named by their state_dict keys ("0.weight"); ONNX node names carry the module
scope ("/Sequential/0/Gemm"), so Netron groups them as the graph drawings do.

What the graph cannot show. Anything computed outside the recorded graph — a comparison, a
value taken from ``x.data``, work done under ``no_grad`` — reaches the graph as a constant,
and ONNX would replay the example's value forever. So the model runs a second time, on
the example plus one more row (batch N + 1): a constant that differs between the two runs
depends on the input, and is refused with the op and module that used it. The same second
run shows which sizes follow the batch (a ``reshape`` to (N, 128) becomes (-1, 128)), which
is how the batch dimension stays dynamic.

The model is exported in eval mode, as ``torch.onnx.export`` does by default: dropout is
the identity and batch norm uses its running statistics (each module's mode is restored
afterwards).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np

import autograd_lite
from autograd_lite import Tensor
from autograd_lite.engine import topological_order
from nn._optional import import_extra
from nn.export.onnx_graph import Builder, NodeContext, Trace
from nn.export.onnx_ops import ONNX_OPS
from nn.module import Module
from nn.serialization import PathLike, write_atomically

__all__ = ["MIN_OPSET", "NodeContext", "to_onnx"]

MIN_OPSET = 13  # Softmax over one axis, ReduceSum/Squeeze/Unsqueeze with axes as an input


def to_onnx(
    model: Any,
    example_input: Any,
    path: PathLike,
    opset: int = 17,
    *,
    dynamic_batch: bool = True,
) -> Any:
    """Export ``model`` to the ONNX file ``path`` and return the ``onnx.ModelProto``.

    ``example_input``: a Tensor or array (or a tuple of them, for a model with several
    inputs), batch first; its values only need to be valid for the model. ``opset``: the
    ONNX operator set, 13 or newer (17 by default, as PyTorch). With ``dynamic_batch`` the
    first dimension of every input and of every output that follows it is named "batch" and
    any size works; ``dynamic_batch=False`` fixes the example's shapes (for a model whose
    graph depends on the batch size).

    The graph's inputs are named "input" ("input_0", ... for several) and its outputs
    "output" ("output_0", ...). The model is checked with ``onnx.checker`` and written
    atomically.

    Raises ``NotImplementedError`` for an op without an ONNX mapping and ``ValueError`` for a
    constant computed from the input outside the graph, each naming the op and the module it
    was recorded in; ``ImportError`` when the ``onnx`` package is missing.

    Examples
    --------
    Needs the ``export`` extra (``pip install "autograd-lite[export]"``).

    >>> model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    >>> proto = nn.export.to_onnx(model, al.randn(1, 2), "model.onnx")
    >>> [node.op_type for node in proto.graph.node]
    ['Gemm', 'Relu', 'Gemm']
    >>> proto.graph.input[0].name, proto.graph.output[0].name
    ('input', 'output')
    """
    onnx = import_extra("onnx", "export", "to_onnx")

    if isinstance(opset, bool) or not isinstance(opset, int) or opset < MIN_OPSET:
        raise ValueError(f"to_onnx: opset must be an int >= {MIN_OPSET}, got {opset!r}")
    newest = onnx.defs.onnx_opset_version()
    if opset > newest:
        raise ValueError(f"to_onnx: opset {opset} is newer than onnx {onnx.__version__} knows")
    if not callable(model):
        raise TypeError(f"to_onnx: model must be a Module or callable, got {type(model).__name__}")
    arrays = _example_arrays(example_input)
    if dynamic_batch:
        _check_batch(arrays)

    with _eval_mode(model):
        trace = _trace(model, arrays)
        other = None
        if dynamic_batch:  # once more, one row longer: what follows the input, and the batch
            other = _trace(model, [np.concatenate([a, a[:1]]) for a in arrays])
            _check_same_structure(trace, other)

    builder = Builder(onnx, opset, trace, other, _parameter_names(model))
    for i, node in enumerate(trace.nodes):
        handler = ONNX_OPS.get(type(node))
        node_b = other.nodes[i] if other is not None else None
        ctx = NodeContext(builder, node, node_b)
        if handler is None:
            supported = ", ".join(sorted(cls.__name__ for cls in ONNX_OPS))
            raise NotImplementedError(
                f"to_onnx: {ctx.where} has no ONNX mapping ({type(node).__module__}."
                f"{type(node).__qualname__}). Function classes with one: {supported} (see "
                f"nn.export.onnx_ops.ONNX_OPS to add yours)"
            )
        handler(ctx)
        if builder.out_names[id(node)] not in builder.produced:  # a bug in the table
            raise RuntimeError(f"to_onnx: the handler of {ctx.where} did not produce its output")
    proto = builder.model()
    onnx.checker.check_model(proto)
    data = proto.SerializeToString()
    write_atomically(path, lambda f: f.write(data), "to_onnx")
    return proto


# -- the example and the two traces ----------------------------------------------------------


def _example_arrays(example: Any) -> list[np.ndarray]:
    items = list(example) if isinstance(example, (tuple, list)) else [example]
    arrays = []
    for x in items:
        a = x.data if isinstance(x, Tensor) else np.asarray(x)
        if a.dtype.kind != "f":
            raise TypeError(
                f"to_onnx: example inputs must be floating point, got dtype {a.dtype} (the "
                f"export follows the graph recorded from inputs that require grad)"
            )
        arrays.append(np.array(a, copy=True))
    if not arrays:
        raise ValueError("to_onnx: example_input is empty")
    return arrays


def _check_batch(arrays: list[np.ndarray]) -> None:
    sizes = {a.shape[0] if a.ndim else None for a in arrays}
    if None in sizes or 0 in sizes or len(sizes) != 1:
        shapes = ", ".join(str(a.shape) for a in arrays)
        raise ValueError(
            f"to_onnx: a dynamic batch needs example inputs that share a first (batch) "
            f"dimension of at least 1, got shape(s) {shapes}; pass dynamic_batch=False to "
            f"export these shapes as they are"
        )


@contextlib.contextmanager
def _eval_mode(model: Any) -> Iterator[None]:
    if not isinstance(model, Module):
        yield
        return
    modes = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        yield
    finally:
        for m, training in modes:
            object.__setattr__(m, "training", training)


def _trace(model: Any, arrays: list[np.ndarray]) -> Trace:
    inputs = [Tensor(a, requires_grad=True) for a in arrays]
    with autograd_lite.enable_grad():
        result = model(*inputs)
    outputs = list(result) if isinstance(result, (tuple, list)) else [result]
    if not outputs or not all(isinstance(o, Tensor) for o in outputs):
        kinds = ", ".join(type(o).__name__ for o in outputs) or "nothing"
        raise TypeError(f"to_onnx: the model must return a Tensor or a tuple of them, got {kinds}")
    roots = [o._node for o in outputs if o._node is not None]
    nodes = topological_order(roots, where="to_onnx")[::-1] if roots else []
    return Trace(inputs, outputs, nodes)


def _check_same_structure(a: Trace, b: Trace) -> None:
    n_a, n_b = a.inputs[0].shape[0], b.inputs[0].shape[0]
    steps = [(type(x), x.scope) for x in a.nodes], [(type(x), x.scope) for x in b.nodes]
    if steps[0] == steps[1] and len(a.outputs) == len(b.outputs):
        return
    first = next((i for i, (x, y) in enumerate(zip(*steps)) if x != y), min(map(len, steps)))
    raise ValueError(
        f"to_onnx: the model records different graphs for a batch of {n_a} and one of {n_b} "
        f"({len(steps[0])} and {len(steps[1])} ops; they part at op {first}), so its forward "
        f"depends on the batch size and the batch dimension cannot be dynamic; pass "
        f"dynamic_batch=False to export this batch size only"
    )


def _parameter_names(model: Any) -> dict[int, str]:
    if not isinstance(model, Module):
        return {}
    names: dict[int, str] = {}
    for key, t in model._state_tensors().items():
        names.setdefault(id(t), key)  # a tied parameter keeps its first name
    return names
