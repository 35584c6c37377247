"""The ONNX graph under construction (``Builder``) and the view of one recorded node that an
``ONNX_OPS`` handler gets (``NodeContext``): ``to_onnx`` (onnx_export.py) makes them, the
handlers (onnx_ops.py) use them, and this module imports neither.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograd_lite import Function, Tensor

__all__ = ["Builder", "NodeContext", "Trace"]


@dataclass
class Trace:
    """One forward pass of the model, recorded."""

    inputs: list[Tensor]  # the graph's inputs (tensors that require grad)
    outputs: list[Tensor]
    nodes: list[Function]  # the recorded nodes, in the order forward made them


def _same(a: Any, b: Any) -> bool:
    """Whether two constants (numbers, arrays, tuples, None) of the two traces are equal."""
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        a = a.data if isinstance(a, Tensor) else a
        b = b.data if isinstance(b, Tensor) else b
    if isinstance(a, (np.ndarray, np.generic)) or isinstance(b, (np.ndarray, np.generic)):
        a, b = np.asarray(a), np.asarray(b)
        return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True)
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return type(a) is type(b) and (a == b or (a != a and b != b))  # NaN equals NaN here


class Builder:
    """The ONNX graph under construction: nodes, initializers and the name of every value."""

    def __init__(
        self, onnx: Any, opset: int, trace: Trace, other: Trace | None, params: dict
    ) -> None:
        self.onnx, self.opset, self.trace, self.other = onnx, opset, trace, other
        self.params = params
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self.taken: set[str] = set()
        self.produced: set[str] = set()
        self.leaves: dict[int, str] = {}  # id(leaf tensor) -> initializer name
        self.batch_sizes = (
            (trace.inputs[0].shape[0], other.inputs[0].shape[0]) if other is not None else None
        )
        self._batch_value: str | None = None
        many = len(trace.inputs) > 1
        self.input_names = {
            id(t): self.unique(f"input_{i}" if many else "input")
            for i, t in enumerate(trace.inputs)
        }
        # The value name of each node's output; a node whose output is a graph output
        # writes it under the output's name.
        many = len(trace.outputs) > 1
        self.output_names = [f"output_{i}" if many else "output" for i in range(len(trace.outputs))]
        self.taken.update(self.output_names)
        self.out_names: dict[int, str] = {}
        for name, out in zip(self.output_names, trace.outputs):
            if out._node is not None:
                self.out_names.setdefault(id(out._node), name)

    def unique(self, base: str) -> str:
        name, k = base, 1
        while name in self.taken:
            name, k = f"{base}_{k}", k + 1
        self.taken.add(name)
        return name

    def initializer(self, array: np.ndarray, base: str) -> str:
        name = self.unique(base)
        self.initializers.append(self.onnx.numpy_helper.from_array(np.asarray(array), name))
        return name

    def add(
        self, op_type: str, inputs: Sequence[str], output: str, scope: str, **attrs: Any
    ) -> None:
        node = self.onnx.helper.make_node(
            op_type, list(inputs), [output], name=self.unique(f"{scope}/{op_type}"), **attrs
        )
        self.nodes.append(node)
        self.produced.add(output)

    def batch(self, scope: str) -> str:
        """A 1-D int64 value holding the batch size of this run (Shape, then Gather)."""
        if self._batch_value is None:
            shape = self.unique("input_shape")
            self.add("Shape", [next(iter(self.input_names.values()))], shape, "")
            self._batch_value = self.unique("batch_size")
            index = self.initializer(np.array([0], dtype=np.int64), "batch_axis")
            self.add("Gather", [shape, index], self._batch_value, "", axis=0)
        return self._batch_value

    def model(self) -> Any:
        helper = self.onnx.helper
        for name, out in zip(self.output_names, self.trace.outputs):
            if out._node is None:  # the model returned an input or a parameter
                self.add("Identity", [self.leaf_name(out, None, "the output")], name, "")
            elif self.out_names[id(out._node)] != name:  # the same tensor returned twice
                self.add("Identity", [self.out_names[id(out._node)]], name, "")
        inputs = [
            helper.make_tensor_value_info(
                self.input_names[id(t)], helper.np_dtype_to_tensor_dtype(t.dtype), self._dims(t, j)
            )
            for j, t in enumerate(self.trace.inputs)
        ]
        outputs = [
            helper.make_tensor_value_info(
                name, helper.np_dtype_to_tensor_dtype(out.dtype), self._dims(out, j, output=True)
            )
            for j, (name, out) in enumerate(zip(self.output_names, self.trace.outputs))
        ]
        graph = helper.make_graph(
            self.nodes, "autograd_lite", inputs, outputs, initializer=self.initializers
        )
        opsets = [helper.make_opsetid("", self.opset)]
        proto = helper.make_model(graph, opset_imports=opsets, producer_name="autograd-lite")
        proto.ir_version = helper.find_min_ir_version_for(opsets)
        return proto

    def _dims(self, t: Tensor, j: int, output: bool = False) -> list:
        dims: list = list(t.shape)
        if self.other is not None and dims:
            other = (self.other.outputs if output else self.other.inputs)[j]
            if other.shape[0] != t.shape[0]:
                dims[0] = "batch"
        return dims

    def leaf_name(self, t: Tensor, t_b: Tensor | None, where: str) -> str:
        """The value name of a tensor that no recorded node made: a graph input, a parameter
        (an initializer named by its state_dict key) or a constant tensor."""
        if id(t) in self.input_names:
            return self.input_names[id(t)]
        if id(t) in self.leaves:
            return self.leaves[id(t)]
        if t_b is not None and t_b is not t and not _same(t, t_b):
            raise _input_dependent(where, t.shape, np.shape(_data(t_b)))
        name = self.initializer(t.data, self.params.get(id(t), "constant"))
        self.leaves[id(t)] = name
        return name


def _input_dependent(where: str, shape: tuple, shape_b: tuple) -> ValueError:
    return ValueError(
        f"to_onnx: {where} uses a constant of shape {tuple(shape)} that changes with the "
        f"input (shape {tuple(shape_b)} for the second run, one row longer): it was computed "
        f"outside the recorded graph (a comparison, x.data, or work under no_grad), so ONNX "
        f"would replay this example's value. Compute it with tensor ops that record (or use "
        f"dynamic_batch=False if it only depends on the batch size)"
    )


_MISSING = object()


class NodeContext:
    """One recorded node as a handler of ``ONNX_OPS`` sees it: its inputs as ONNX value names,
    its options, and ``emit`` / ``finish`` to add the ONNX nodes that compute it.

    Every value the handler reads is checked against the second run (batch N + 1): a
    difference means it depends on the input, which ONNX could not reproduce.
    """

    def __init__(self, builder: Builder, node: Function, node_b: Function | None) -> None:
        self.builder, self.node, self.node_b = builder, node, node_b
        scope = tuple(node.scope)
        self.scope = "/" + "/".join(scope)
        # The module's dotted path: the scope without its first name (the model's own).
        if len(scope) > 1:
            module = f"module {'.'.join(scope[1:])!r}"
        elif scope:
            module = f"module {scope[0]!r} (the model itself)"
        else:
            module = "the model's forward (outside any module)"
        self.where = f"op {node.name()!r} in {module}"
        if id(node) not in builder.out_names:
            name = builder.unique(f"{self.scope}/{node.name()}_output")
            builder.out_names[id(node)] = name

    # -- what the node holds

    @property
    def opset(self) -> int:
        return self.builder.opset

    @property
    def dtype(self) -> np.dtype:
        """The dtype of the node's output."""
        return self.node._out.dtype

    @property
    def out_shape(self) -> tuple:
        return self.node._out.shape

    def num_inputs(self) -> int:
        return len(self.node.inputs)

    def input_shape(self, i: int) -> tuple:
        return np.shape(_data(self.node.inputs[i]))

    def option(self, name: str, default: Any = _MISSING) -> Any:
        """A keyword option the op was applied with (e.g. ``negative_slope``)."""
        values = [n.options.get(name, default) for n in self._both()]
        if values[0] is _MISSING:
            raise RuntimeError(f"to_onnx: {self.where} was recorded without option {name!r}")
        return self._checked(values, f"option {name!r}")

    def saved(self, attribute: str) -> Any:
        """Something the op's forward kept on the node (e.g. ``axes``, ``geometry``)."""
        return self._checked([getattr(n, attribute) for n in self._both()], repr(attribute))

    def _both(self) -> list[Function]:
        return [self.node] if self.node_b is None else [self.node, self.node_b]

    def _checked(self, values: list, what: str) -> Any:
        if len(values) == 2 and not _same(values[0], values[1]):
            raise ValueError(
                f"to_onnx: {self.where} has {what} = {values[0]!r}, which changes with the "
                f"input ({values[1]!r} for a batch one row longer); ONNX would fix it to this "
                f"example's value. Pass dynamic_batch=False if that is what you want"
            )
        return values[0]

    # -- values

    def input(self, i: int, cast: bool = True) -> str:
        """The ONNX value name of input ``i``; ``cast``: converted to the output's dtype
        (ONNX's arithmetic wants one dtype where NumPy promotes)."""
        x = self.node.inputs[i]
        x_b = self.node_b.inputs[i] if self.node_b is not None else None
        if isinstance(x, Tensor) and x._node is not None:
            name = self.builder.out_names[id(x._node)]
        elif isinstance(x, Tensor):
            name = self.builder.leaf_name(x, x_b, self.where)
        else:  # a constant: a Python number or an array
            if self.node_b is not None and not _same(x, x_b):
                raise _input_dependent(self.where, np.shape(x), np.shape(x_b))
            array = np.asarray(x, dtype=self.dtype if cast else None)
            return self.builder.initializer(array, f"{self.scope}/{self.node.name()}_const")
        if cast and _data(x).dtype != self.dtype:
            to = self.builder.onnx.helper.np_dtype_to_tensor_dtype(self.dtype)
            name = self.emit("Cast", [name], to=to)
        return name

    def constant(self, value: Any, dtype: Any = None) -> str:
        """A new initializer holding ``value`` (in the output's dtype unless given)."""
        array = np.asarray(value, dtype=self.dtype if dtype is None else dtype)
        return self.builder.initializer(array, f"{self.scope}/{self.node.name()}_const")

    def ints(self, values: Sequence[int]) -> str:
        """A 1-D int64 initializer (axes, pads, shapes)."""
        return self.constant(list(values), np.int64)

    def shape(self, shape: tuple, shape_b: tuple | None, reshape: bool = False) -> str:
        """A 1-D int64 value holding a shape whose sizes may follow the batch: the sizes
        that differ between the two runs must be k · batch, and are computed from the
        input's batch size (or, in a ``Reshape`` with one of them, left to ONNX as -1)."""
        if shape_b is None or tuple(shape) == tuple(shape_b):
            return self.ints(shape)
        n, n_b = self.builder.batch_sizes
        if len(shape) != len(shape_b):
            raise self._batch_error(shape, shape_b)
        factors = {}
        for i, (s, s_b) in enumerate(zip(shape, shape_b)):
            if s != s_b:
                k = (s_b - s) // (n_b - n)
                if s != k * n or s_b != k * n_b:
                    raise self._batch_error(shape, shape_b)
                factors[i] = k
        if reshape and len(factors) == 1:
            return self.ints([-1 if i in factors else s for i, s in enumerate(shape)])
        pieces = []
        for i, s in enumerate(shape):
            if i not in factors:
                pieces.append(self.ints([s]))
            elif factors[i] == 1:
                pieces.append(self.builder.batch(self.scope))
            else:
                pieces.append(
                    self.emit("Mul", [self.builder.batch(self.scope), self.ints([factors[i]])])
                )
        return self.emit("Concat", pieces, axis=0)

    def _batch_error(self, shape: tuple, shape_b: tuple) -> ValueError:
        return ValueError(
            f"to_onnx: {self.where} works on the shape {tuple(shape)}, which becomes "
            f"{tuple(shape_b)} for a batch one row longer: not a multiple of the batch size, "
            f"so it cannot follow a dynamic batch; pass dynamic_batch=False"
        )

    # -- ONNX nodes

    def emit(self, op_type: str, inputs: Sequence[str], **attrs: Any) -> str:
        """Add an ONNX node computing an intermediate value; returns the value's name."""
        out = self.builder.unique(f"{self.scope}/{op_type}_output")
        self.builder.add(op_type, inputs, out, self.scope, **attrs)
        return out

    def finish(self, op_type: str, inputs: Sequence[str], **attrs: Any) -> str:
        """Add the ONNX node that computes the recorded node's output."""
        out = self.builder.out_names[id(self.node)]
        self.builder.add(op_type, inputs, out, self.scope, **attrs)
        return out


def _data(x: Any) -> Any:
    return x.data if isinstance(x, Tensor) else np.asarray(x)
