"""A safe little calculator language for ``autograd-lite graph "(x + y) * z" x=-2 ...``.

The text is parsed with Python's own parser (``ast``) and then checked against a
whitelist *before anything is evaluated*. Allowed:

* numbers (``2``, ``0.5``, ``1e-3``) and variable names (``x``, ``w1``),
* ``+ - * / **`` and unary minus, parentheses,
* calls ``exp log sqrt tanh sigmoid relu abs max min`` (``max``/``min`` of two values are
  elementwise ``maximum``/``minimum``).

Everything else is refused with a message saying what and where: attribute access
(``x.data``), subscripts, lambdas, comprehensions, comparisons, keyword arguments, names of
Python builtins (``print``, ``__import__``), strings, and input that is too long or nested
too deeply. Evaluation never calls Python's ``eval``: it walks the checked tree and applies
the engine's ops, so the result is a Tensor with a graph behind it.
"""

from __future__ import annotations

import ast
import builtins
import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

MAX_LENGTH = 500  # characters
MAX_DEPTH = 40  # nesting levels of the syntax tree

# name -> (number of arguments, name of the autograd_lite function)
FUNCTIONS: dict[str, tuple[int, str]] = {
    "exp": (1, "exp"),
    "log": (1, "log"),
    "sqrt": (1, "sqrt"),
    "tanh": (1, "tanh"),
    "sigmoid": (1, "sigmoid"),
    "relu": (1, "relu"),
    "abs": (1, "abs"),
    "max": (2, "maximum"),
    "min": (2, "minimum"),
}

_BINARY_OPS: dict[type, str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.Pow: "**",
}

# What to call the constructs we refuse, so the message speaks the user's language.
_REFUSED: dict[type, str] = {
    ast.Attribute: "attribute access (a.b)",
    ast.Subscript: "subscripts (a[i])",
    ast.Slice: "slices",
    ast.Lambda: "lambda functions",
    ast.ListComp: "comprehensions",
    ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions",
    ast.GeneratorExp: "generator expressions",
    ast.Compare: "comparisons",
    ast.BoolOp: "'and'/'or'",
    ast.IfExp: "conditional expressions (a if c else b)",
    ast.List: "lists",
    ast.Tuple: "tuples",
    ast.Set: "sets",
    ast.Dict: "dicts",
    ast.JoinedStr: "f-strings",
    ast.NamedExpr: "assignments (:=)",
    ast.Starred: "star arguments",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
}


class ExpressionError(ValueError):
    """The expression was refused; the message says why. Nothing was evaluated."""


def is_reserved_name(name: str) -> bool:
    """True for names an expression variable may not take: builtins, functions, dunders."""
    return name in FUNCTIONS or hasattr(builtins, name) or name.startswith("_")


def parse_expression(text: str) -> ast.Expression:
    """Parse and check ``text``; returns the syntax tree or raises ExpressionError."""
    if not isinstance(text, str):
        raise ExpressionError(f"expected the expression as text, got {type(text).__name__}")
    if not text.strip():
        raise ExpressionError("the expression is empty")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            f"the expression is {len(text)} characters long; the limit is {MAX_LENGTH}"
        )
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"not a valid expression: {exc.msg} (column {exc.offset})") from None
    except (RecursionError, MemoryError):
        raise ExpressionError(f"the expression is nested too deeply (limit {MAX_DEPTH})") from None
    _check_depth(tree)
    _check_nodes(tree)
    return tree


def _check_depth(tree: ast.AST) -> None:
    # Iterative, so a deep tree cannot exhaust the stack while we measure it.
    stack = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ExpressionError(f"the expression is nested too deeply (limit {MAX_DEPTH})")
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


def _where(node: ast.AST) -> str:
    col = getattr(node, "col_offset", None)
    return f" at column {col + 1}" if col is not None else ""


def _check_nodes(tree: ast.Expression) -> None:
    # Function names are checked at their call; every other Name is a variable.
    call_names = {
        id(node.func)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }
    for node in ast.walk(tree):
        if isinstance(node, (ast.Expression, ast.Load)) or type(node) in _BINARY_OPS:
            continue
        if isinstance(node, (ast.USub, ast.operator, ast.unaryop)):
            continue  # the BinOp/UnaryOp check below names the operator
        if isinstance(node, ast.BinOp):
            if type(node.op) not in _BINARY_OPS:
                symbol = type(node.op).__name__
                raise ExpressionError(
                    f"operator {symbol}{_where(node)} is not allowed; use + - * / **"
                )
        elif isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, ast.USub):
                raise ExpressionError(
                    f"unary {type(node.op).__name__}{_where(node)} is not allowed; only minus"
                )
        elif isinstance(node, ast.Constant):
            _check_number(node)
        elif isinstance(node, ast.Name):
            if id(node) in call_names:
                continue
            if node.id in FUNCTIONS:
                raise ExpressionError(
                    f"{node.id!r}{_where(node)} is a function; call it: {node.id}(x)"
                )
            if is_reserved_name(node.id):
                raise ExpressionError(
                    f"the name {node.id!r}{_where(node)} is not allowed (Python builtins and "
                    "names starting with '_' cannot be used)"
                )
        elif isinstance(node, ast.Call):
            _check_call(node)
        else:
            what = _REFUSED.get(type(node), type(node).__name__)
            raise ExpressionError(f"{what}{_where(node)} not allowed in an expression")


def _check_number(node: ast.Constant) -> None:
    value = node.value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ExpressionError(
            f"only numbers are allowed as constants, got {type(value).__name__}{_where(node)}"
        )
    if isinstance(value, int) and abs(value) > 10**300:
        raise ExpressionError(f"the number{_where(node)} is too large")


def _check_call(node: ast.Call) -> None:
    allowed = " ".join(FUNCTIONS)
    if not isinstance(node.func, ast.Name):
        what = _REFUSED.get(type(node.func), type(node.func).__name__)
        raise ExpressionError(
            f"{what}{_where(node.func)} not allowed in an expression; "
            f"only the functions {allowed} can be called"
        )
    name = node.func.id
    if name not in FUNCTIONS:
        raise ExpressionError(
            f"calling {name!r}{_where(node)} is not allowed; the functions are: {allowed}"
        )
    if node.keywords:
        raise ExpressionError(f"{name}(){_where(node)}: keyword arguments are not allowed")
    arity = FUNCTIONS[name][0]
    if len(node.args) != arity:
        raise ExpressionError(
            f"{name}(){_where(node)} takes {arity} argument{'s' if arity > 1 else ''}, "
            f"got {len(node.args)}"
        )


def variables(tree: ast.Expression) -> list[str]:
    """Variable names of a checked expression, in order of first appearance."""
    call_names = {
        id(n.func)
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
    }
    names: list[str] = []
    for node in _in_source_order(tree):
        if isinstance(node, ast.Name) and id(node) not in call_names and node.id not in names:
            names.append(node.id)
    return names


def _in_source_order(tree: ast.AST) -> list[ast.AST]:
    nodes = [n for n in ast.walk(tree) if hasattr(n, "col_offset")]
    return sorted(nodes, key=lambda n: (n.lineno, n.col_offset))


def evaluate(tree: ast.Expression, env: Mapping[str, Any]) -> Any:
    """Evaluate a checked expression with the engine's ops; returns a Tensor (or a number
    when no variable occurs). ``env`` maps each variable name to a Tensor or number."""
    import autograd_lite as al

    missing = [name for name in variables(tree) if name not in env]
    if missing:
        raise ExpressionError(
            f"no value given for {', '.join(missing)}; add e.g. {missing[0]}=1.5 to the command"
        )

    def const_op(fn: Callable[..., Any], *args: Any) -> Any:
        # Numbers are NumPy float64s, so 9**9**9 is inf (with no warning), not a long wait.
        with np.errstate(all="ignore"):
            return fn(*(np.float64(a) for a in args))

    def ev(node: ast.AST) -> Any:
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant):
            return float(node.value)
        if isinstance(node, ast.Name):
            return env[node.id]
        if isinstance(node, ast.UnaryOp):
            x = ev(node.operand)
            return -x if isinstance(x, al.Tensor) else const_op(lambda a: -a, x)
        if isinstance(node, ast.BinOp):
            a, b = ev(node.left), ev(node.right)
            fn = _PY_OPS[type(node.op)]
            if isinstance(a, al.Tensor) or isinstance(b, al.Tensor):
                return fn(a, b)
            return const_op(fn, a, b)
        if isinstance(node, ast.Call):
            _, engine_name = FUNCTIONS[node.func.id]
            args = [ev(arg) for arg in node.args]
            if not any(isinstance(a, al.Tensor) for a in args):
                args[0] = al.tensor(np.float64(args[0]))
            with np.errstate(all="ignore"):
                return getattr(al, engine_name)(*args)
        raise ExpressionError(f"cannot evaluate {type(node).__name__}")  # unreachable if checked

    return ev(tree)


_PY_OPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}


def parse_assignment(text: str) -> tuple[str, float]:
    """``"x=-2"`` -> ``("x", -2.0)``; raises ExpressionError for anything else."""
    name, sep, value = text.partition("=")
    name = name.strip()
    if not sep:
        raise ExpressionError(f"expected name=value, got {text!r}")
    if not name.isidentifier():
        raise ExpressionError(f"{name!r} is not a valid variable name (in {text!r})")
    if is_reserved_name(name):
        raise ExpressionError(
            f"{name!r} cannot be a variable name: it is a Python builtin, one of the "
            "functions, or starts with '_'"
        )
    try:
        number = float(value)
    except ValueError:
        raise ExpressionError(f"the value of {name} must be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise ExpressionError(f"the value of {name} must be finite, got {value!r}")
    return name, number
