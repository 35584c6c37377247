"""An evaluation step by step, as Baydin et al. (2018) tabulate it.

Table 2 of "Automatic Differentiation in Machine Learning: a Survey" lists the *forward
primal trace* (every intermediate variable v_i and its value) next to the *forward tangent
trace* (v̇_i = ∂v_i/∂x_1, carried along in the same pass); Table 3 lists the *reverse
adjoint trace* (v̄_i = ∂y/∂v_i, computed backwards after the forward pass).
:func:`trace_steps` reads these columns off a recorded graph of scalars: the variables (the
leaves, by name), then every op in the order the forward pass ran it, named v1, v2, ...
Values, tangents and adjoints are read when it is called: call it inside the dual level
for tangents, after ``backward(retain_graph=True)`` for adjoints.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from visualize.labels import format_number
from visualize.model import LeafItem, NumberItem, OpItem, build_model, inputs_of


@dataclass
class Step:
    """One row of a trace: a variable (``definition`` empty) or an op's result."""

    name: str  # "x1", "v3"
    definition: str  # "", "v1 + v2", "sin(x2)"
    value: float
    tangent: float | None  # d(value)/dt in forward mode, when it has one
    adjoint: float | None  # d(output)/d(value), after backward(retain_graph=True)


def trace_steps(result: Any, variables: Sequence[Any] = ()) -> list[Step]:
    """The steps that computed ``result`` (a one-element tensor with a recorded graph):
    ``variables`` first (default: the graph's leaves, in the order the pass met them), then
    each op in forward order. Raises ValueError for a step that is not a single number.

    Examples
    --------
    >>> x = al.tensor(2.0, requires_grad=True, name="x")
    >>> y = x * x + x.sin()
    >>> y.name = "y"
    >>> steps = visualize.trace_steps(y)
    >>> [(s.name, s.definition) for s in steps]
    [('x', ''), ('v1', 'x * x'), ('v2', 'sin(x)'), ('v3', 'v1 + v2')]
    """
    model = build_model(result, where="trace")
    leaves = list(variables) or [leaf.tensor for leaf in model.leaves]
    steps = [
        Step(_name(x, "x"), "", _number(x), _number(_tangent_of(x)), _number(x.grad))
        for x in leaves
    ]
    names = {id(x): step.name for x, step in zip(leaves, steps)}
    sources = inputs_of(model)
    for op in model.ops:  # inputs before the ops that use them
        args = [_argument(source, names) for source in sources.get(id(op), [])]
        names[id(op)] = f"v{len(names) - len(leaves) + 1}"
        steps.append(
            Step(
                names[id(op)],
                _definition(op.label, args),
                _number(op.tensor),
                _number(op.tangent),
                _number(op.grad),
            )
        )
    return steps


def trace_table(steps: Sequence[Step], columns: Sequence[str], seed: str = "x1") -> str:
    """The steps as a text table with the columns named (``"value"``, ``"tangent"``,
    ``"adjoint"``); ``seed`` names the variable the tangents are derivatives by.

    Examples
    --------
    The evaluation trace of y = x² + sin x at x = 2, and the adjoints of reverse mode:

    >>> x = al.tensor(2.0, requires_grad=True, name="x")
    >>> y = x * x + x.sin()
    >>> y.name = "y"
    >>> y.backward()
    >>> print(visualize.trace_table(visualize.trace_steps(y), ["value", "adjoint"], seed="x"))
        definition  value  adjoint dout/dv
    x                   2            3.584
    v1  x * x           4                1
    v2  sin(x)      0.909                1
    v3  v1 + v2     4.909                1
    """
    headers = {"value": "value", "tangent": f"tangent dv/d{seed}", "adjoint": "adjoint dout/dv"}
    rows = [("", "definition", *(headers[c] for c in columns))]
    for s in steps:
        cells = [trace_number(getattr(s, c)) for c in columns]
        rows.append((s.name, s.definition, *cells))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [row[0].ljust(widths[0]), row[1].ljust(widths[1])]
        cells += [cell.rjust(w) for cell, w in zip(row[2:], widths[2:])]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def trace_number(x: float | None) -> str:
    """A number as the survey's tables print it: up to 3 decimals (11.652, 0.5, -0.959, 10),
    or 4 significant digits where that would hide it (1.5e-05, 2.3e+07); "" for None."""
    if x is None:
        return ""
    x = float(x) + 0.0  # -0.0 -> 0.0
    if x == 0 or 1e-2 <= abs(x) < 1e7:
        return f"{x:.3f}".rstrip("0").rstrip(".")
    return format_number(x)


def _tangent_of(x: Any) -> Any:
    from autograd_lite import forward_ad

    return forward_ad.tangent(x)


def _number(t: Any) -> float | None:
    if t is None:
        return None
    data = getattr(t, "data", t)
    if getattr(data, "size", 1) != 1:
        raise ValueError(f"trace: every step must be a single number, got shape {data.shape}")
    return float(data.item() if hasattr(data, "item") else data)


def _name(x: Any, default: str) -> str:
    return str(getattr(x, "name", None) or default)


def _argument(source: Any, names: dict[int, str]) -> str:
    if isinstance(source, OpItem):
        return names[id(source)]
    if isinstance(source, LeafItem):
        return names.get(id(source.tensor)) or _name(source.tensor, "x")
    if isinstance(source, NumberItem):
        try:
            return trace_number(float(source.value))
        except (TypeError, ValueError):
            return "c"
    return "?"


def _definition(label: str, args: list[str]) -> str:
    """How the survey writes a step: ``v1 + v2``, ``x1 * x2``, ``-v3``, ``sin(x2)``."""
    if label in ("+", "-", "*", "/", "**") and len(args) == 2:
        return f"{args[0]} {label} {args[1]}"
    if label == "neg" and len(args) == 1:
        return f"-{args[0]}"
    return f"{label}({', '.join(args)})"
