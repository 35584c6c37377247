"""A safe little calculator language for ``autograd-lite graph "(x + y) * z" x=-2 ...``.

The text is parsed with Python's own parser (``ast``) and then checked against a
whitelist *before anything is evaluated*. Allowed:

* numbers (``2``, ``0.5``, ``1e-3``) and variable names (``x``, ``w1``),
* ``+ - * / **`` and unary minus, parentheses,
* calls of the library's scalar functions (the table ``FUNCTIONS``, read from the op
  table's ``calc`` entries): ``exp log sqrt abs sin cos tanh sigmoid relu gelu erf
  leaky_relu elu maximum minimum max min pow clip clamp``. Some take plain-number settings
  after the tensor arguments (``leaky_relu(x, 0.1)``, ``clip(x, -1, 1)``); those may not
  contain variables.

Everything else is refused with a message saying what and where (``ExpressionError``,
with ``.column``, 1-based, pointing into the text): attribute access (``x.data``),
subscripts, lambdas, comprehensions, comparisons, keyword arguments, names of Python
builtins (``print``, ``__import__``), strings, and input that is too long or nested too
deeply. The usual slips of a student get a hint: ``x ^ 2`` (use ``**`` for powers), ``2x``
and ``2(x + 1)`` (write ``2*x``). Evaluation never calls Python's ``eval``: it walks the
checked tree and applies the engine's ops, so the result is a Tensor with a graph behind it.

Limits: ``MAX_LENGTH`` characters, and ``MAX_DEPTH`` levels of *nesting* (parentheses,
function calls, unary minus, powers). A flat sum or product such as ``x1 + x2 + ... +
x300`` is one level however many terms it has.
"""

from __future__ import annotations

import ast
import builtins
import difflib
import keyword
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from autograd_lite.ops.table import OPS, by_name

# Characters. A flat chain of n terms is n levels deep inside Python's own parser, which
# stops at about 3 x sys.getrecursionlimit() levels (Python 3.11); 4000 characters hold
# at most 2000 terms, well inside that.
MAX_LENGTH = 4000
MAX_DEPTH = 40  # levels of nesting


class ExpressionError(ValueError):
    """The expression was refused; the message says why. Nothing was evaluated.

    ``column`` (1-based, in characters of the text as given) and ``length`` say where,
    when the problem has a place; ``column`` is None otherwise.
    """

    def __init__(self, message: str, column: int | None = None, length: int = 1) -> None:
        super().__init__(message)
        self.column = column
        self.length = max(1, length)


@dataclass(frozen=True)
class ScalarFunction:
    """One function of the calculator: ``tensors`` tensor arguments, then plain numbers
    named ``numbers`` (the last ``len(defaults)`` of them optional)."""

    engine_name: str  # the op's name in autograd_lite
    tensors: int
    numbers: tuple[str, ...] = ()
    defaults: tuple[float, ...] = ()
    help: str = ""

    def signature(self, name: str) -> str:
        """``leaky_relu(x, negative_slope=0.01)``."""
        args = ["x", "y", "z"][: self.tensors]
        required = len(self.numbers) - len(self.defaults)
        args += list(self.numbers[:required])
        args += [f"{n}={d:g}" for n, d in zip(self.numbers[required:], self.defaults)]
        return f"{name}({', '.join(args)})"

    def arity(self) -> tuple[int, int]:
        """The least and the most arguments a call may have."""
        most = self.tensors + len(self.numbers)
        return most - len(self.defaults), most

    def engine(self) -> Callable[..., Any]:
        return by_name(self.engine_name).function


def _functions() -> dict[str, ScalarFunction]:
    """The op table's rows that have a calculator entry (``calc``), by the names a student
    writes: the op's name, then its other names (``clamp``, ``max``). Numbers: None = a
    required number, a float = its default."""
    table: dict[str, ScalarFunction] = {}
    for row in OPS:
        if row.calc is None:
            continue
        calc = row.calc
        defaults = tuple(v for v in calc.numbers.values() if v is not None)
        spec = ScalarFunction(row.name, calc.tensors, tuple(calc.numbers), defaults, calc.help)
        table[row.name] = spec
        for other in calc.names:
            table[other] = replace(spec, help=f"same as {row.name}")
    return table


# Every scalar function of the engine (autograd_lite), by the name a student writes.
FUNCTIONS: dict[str, ScalarFunction] = _functions()

# Names students try that mean one of the functions.
_ALIASES = {"ln": "log", "sqr": "pow(x, 2)", "sigma": "sigmoid", "logistic": "sigmoid"}

_BINARY_OPS: dict[type, str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.Pow: "**",
}
_OTHER_OPS: dict[type, str] = {
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.MatMult: "@",
    ast.BitXor: "^",
    ast.BitAnd: "&",
    ast.BitOr: "|",
    ast.LShift: "<<",
    ast.RShift: ">>",
}
# Operators of one precedence level: a chain of them (x + y - z + ...) is one level deep.
_LEVEL = {ast.Add: "sum", ast.Sub: "sum", ast.Mult: "product", ast.Div: "product"}

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


def is_reserved_name(name: str) -> bool:
    """True for names an expression variable may not take: builtins, functions, dunders."""
    return name in FUNCTIONS or hasattr(builtins, name) or name.startswith("_")


def function_table(width: int = 88) -> str:
    """The functions as ``--help`` lists them: one signature and what it computes a line."""
    rows = [(spec.signature(name), spec.help) for name, spec in FUNCTIONS.items()]
    left = max(len(sig) for sig, _ in rows)
    return "\n".join(f"  {sig:<{left}}  {text}"[:width] for sig, text in rows)


# ---------------------------------------------------------------------------------------
# Where: positions in the text as the user typed it
# ---------------------------------------------------------------------------------------


# Marks the place in a message where " at column N" goes. (Not "{where}" and str.format:
# the message holds pieces of the user's text, which may contain braces; it cannot hold
# a NUL, which Python's parser refuses.)
_WHERE = "\x00"


class _Source:
    """Maps the parser's positions (line, UTF-8 byte offset, in the stripped text) to
    1-based character columns in the text as given, and words them for messages."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.stripped = text.strip()
        self.start = len(text) - len(text.lstrip())
        self.lines = self.stripped.split("\n")

    def column(self, lineno: int | None, char_offset: int) -> int:
        """Column (1-based, in ``text``) of a 0-based character offset on a line."""
        lineno = min(max(lineno or 1, 1), len(self.lines))
        before = sum(len(line) + 1 for line in self.lines[: lineno - 1])
        return self.start + before + char_offset + 1

    def error_column(self, exc: SyntaxError) -> int:
        """Column of a SyntaxError from parsing ``stripped``; one past the end when the
        parser ran out of text (it then reports offset 0)."""
        if not exc.offset or exc.offset < 1:
            return self.start + len(self.stripped) + 1
        return self.column(exc.lineno, exc.offset - 1)

    def node_column(self, node: ast.AST) -> int | None:
        col = getattr(node, "col_offset", None)
        if col is None:
            return None
        lineno = getattr(node, "lineno", 1)
        line = self.lines[min(max(lineno, 1), len(self.lines)) - 1]
        chars = len(line.encode("utf-8")[:col].decode("utf-8", "ignore"))
        return self.column(lineno, chars)

    def where(self, column: int | None) -> str:
        if column is None:
            return ""
        if "\n" not in self.text:
            return f" at column {column}"
        line = self.text.count("\n", 0, column - 1) + 1
        return f" at line {line}, column {column - self.text.rfind(chr(10), 0, column - 1) - 1}"

    def segment(self, node: ast.AST) -> str:
        return ast.get_source_segment(self.stripped, node) or ""

    def error(
        self, message: str, node_or_column: ast.AST | int | None, length: int = 1
    ) -> ExpressionError:
        """An ExpressionError for ``message``, whose ``_WHERE`` mark becomes " at column N"."""
        if isinstance(node_or_column, ast.AST):
            column = self.node_column(node_or_column)
            if length == 1:
                length = len(self.segment(node_or_column)) or 1
        else:
            column = node_or_column
        return ExpressionError(message.replace(_WHERE, self.where(column), 1), column, length)


# ---------------------------------------------------------------------------------------
# Parsing and checking
# ---------------------------------------------------------------------------------------


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
    source = _Source(text)
    try:
        tree = ast.parse(source.stripped, mode="eval")
    except SyntaxError as exc:
        column = source.error_column(exc)
        _implicit_product(source, column)  # "2x": raises with a hint when that is the slip
        where = " at the end" if column > len(text.rstrip()) else source.where(column)
        raise ExpressionError(f"not a valid expression: {exc.msg}{where}", column) from None
    except (RecursionError, MemoryError):
        raise ExpressionError(
            f"the expression is nested too deeply for Python's parser (limit {MAX_DEPTH})"
        ) from None
    except ValueError as exc:  # Python 3.11: "source code string cannot contain null bytes"
        raise ExpressionError(f"not a valid expression: {exc}") from None
    _check_depth(tree, source)
    _Checker(source).check(tree)
    return tree


def _check_depth(tree: ast.AST, source: _Source) -> None:
    # Iterative, so a deep tree cannot exhaust the stack while we measure it. The left
    # operand of a + (or *) that is itself a + or - (or * or /) stays on the same level:
    # x1 + x2 + x3 is a flat sum, not three nested ones.
    stack = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise source.error(
                f"the expression is nested too deeply{_WHERE} (limit {MAX_DEPTH} levels of "
                "parentheses, calls, powers and unary minus; flat sums and products of any "
                "length are fine)",
                source.node_column(node),
            )
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.expr_context, ast.operator, ast.unaryop)):
                continue  # Load, +, -: parts of their node, not a level of their own
            flat = (
                isinstance(node, ast.BinOp)
                and child is node.left
                and isinstance(child, ast.BinOp)
                and _LEVEL.get(type(child.op)) is not None
                and _LEVEL.get(type(child.op)) == _LEVEL.get(type(node.op))
            )
            stack.append((child, depth if flat else depth + 1))


_NUMBER = r"(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d+)?"
_NAME = r"[^\W\d]\w*"
# A number glued to a name ("2x", "3sin"), or two operands side by side ("2 x", "x y").
_GLUED = re.compile(rf"(?<![\w.])({_NUMBER})({_NAME})")
_SIDE_BY_SIDE = re.compile(rf"(?<![\w.])({_NUMBER}|{_NAME})(\s+)({_NUMBER}|{_NAME})(?![\w.])")


def _implicit_product(source: _Source, error_column: int) -> None:
    """Raise a helpful ExpressionError if the syntax error (at ``error_column``) is a
    product written without ``*`` (``2x``, ``2 x``); return quietly otherwise. A candidate
    counts only if putting a ``*`` there removes the syntax error or moves it further on."""
    text = source.text
    for pattern in (_GLUED, _SIDE_BY_SIDE):
        for m in pattern.finditer(text):
            left, right = m[1], m[m.lastindex]
            if keyword.iskeyword(left) or keyword.iskeyword(right):
                continue
            fixed = text[: m.end(1)] + "*" + text[m.start(m.lastindex) :]
            try:
                ast.parse(fixed.strip(), mode="eval")
            except SyntaxError as exc:
                # (The fix added one character before the new error.)
                if _Source(fixed).error_column(exc) - 1 <= error_column:
                    continue
            except (RecursionError, MemoryError, ValueError):
                continue
            column = m.start() + 1
            raise ExpressionError(
                f"'{m[0]}'{source.where(column)}: to multiply, write {left}*{right} "
                "(Python needs * between the two)",
                column,
                len(m[0]),
            )


class _Checker:
    """Walks a parsed expression and refuses anything outside the whitelist."""

    def __init__(self, source: _Source) -> None:
        self.source = source

    def check(self, tree: ast.Expression) -> None:
        # Function names are checked at their call; every other Name is a variable.
        call_names = {
            id(node.func)
            for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        }
        for node in ast.walk(tree):
            if isinstance(node, (ast.Expression, ast.Load, ast.operator, ast.unaryop)):
                continue  # the BinOp/UnaryOp check names the operator
            if isinstance(node, ast.BinOp):
                self.binary(node)
            elif isinstance(node, ast.UnaryOp):
                if not isinstance(node.op, ast.USub):
                    raise self.source.error(
                        f"unary {type(node.op).__name__}{_WHERE} is not allowed; only minus",
                        node,
                    )
            elif isinstance(node, ast.Constant):
                self.number(node)
            elif isinstance(node, ast.Name):
                if id(node) not in call_names:
                    self.variable(node)
            elif isinstance(node, ast.Call):
                self.call(node)
            else:
                what = _REFUSED.get(type(node), type(node).__name__)
                raise self.source.error(f"{what}{_WHERE} not allowed in an expression", node)

    def operator_column(self, node: ast.BinOp, symbol: str) -> int | None:
        """The column of the operator itself (between the two operands), if found."""
        src = self.source
        start, end = src.node_column(node.left), src.node_column(node.right)
        if start is None or end is None:
            return src.node_column(node)
        start += len(src.segment(node.left))
        found = src.text.find(symbol, start - 1, end - 1)
        return found + 1 if found >= 0 else src.node_column(node)

    def binary(self, node: ast.BinOp) -> None:
        kind = type(node.op)
        if kind in _BINARY_OPS:
            return
        symbol = _OTHER_OPS.get(kind, "?")
        column = self.operator_column(node, symbol)
        if kind is ast.BitXor:
            left, right = self.source.segment(node.left), self.source.segment(node.right)
            example = f": {left} ** {right}" if len(left) + len(right) <= 40 else ""
            raise self.source.error(
                f"'^'{_WHERE} is not a power in Python (it is bitwise xor); "
                f"use ** for powers{example}",
                column,
            )
        raise self.source.error(
            f"operator {kind.__name__} ({symbol}){_WHERE} is not allowed; use + - * / **",
            column,
            len(symbol),
        )

    def number(self, node: ast.Constant) -> None:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.source.error(
                f"only numbers are allowed as constants, got {type(value).__name__}{_WHERE}",
                node,
            )
        if isinstance(value, int) and abs(value) > 10**300:
            raise self.source.error(f"the number{_WHERE} is too large", node)

    def variable(self, node: ast.Name) -> None:
        if node.id in FUNCTIONS:
            raise self.source.error(
                f"{node.id!r}{_WHERE} is a function; call it: {node.id}(x)", node
            )
        if is_reserved_name(node.id):
            raise self.source.error(
                f"the name {node.id!r}{_WHERE} is not allowed (Python builtins and "
                "names starting with '_' cannot be used)",
                node,
            )

    def call(self, node: ast.Call) -> None:
        src = self.source
        allowed = " ".join(FUNCTIONS)
        func = node.func
        if isinstance(func, (ast.Constant, ast.BinOp, ast.UnaryOp, ast.Call)):
            # 2(x + 1), (x + 1)(x - 1): a product without its *.
            left, _ = self.split_call(func, node)
            what = "the number " if isinstance(func, ast.Constant) else ""
            raise src.error(
                f"{what}{left}{_WHERE} is followed by '(' as if it were a function; "
                f"to multiply, write {self.product(func, node)}",
                node,
                len(left),
            )
        if not isinstance(func, ast.Name):
            what = _REFUSED.get(type(func), type(func).__name__)
            raise src.error(
                f"{what}{_WHERE} not allowed in an expression; "
                f"only the functions {allowed} can be called",
                func,
            )
        name = func.id
        if name not in FUNCTIONS:
            close = _ALIASES.get(name) or next(
                iter(difflib.get_close_matches(name, FUNCTIONS, n=1, cutoff=0.75)), None
            )
            hint = f" (did you mean {close}?)" if close else ""
            if not is_reserved_name(name):  # a variable: x(y + 1) may be a product
                hint += f"; to multiply, write {self.product(func, node)}"
            raise src.error(
                f"calling {name!r}{_WHERE} is not allowed{hint}; the functions are: {allowed}",
                func,
            )
        if node.keywords:
            raise src.error(f"{name}(){_WHERE}: keyword arguments are not allowed", node)
        spec = FUNCTIONS[name]
        least, most = spec.arity()
        if not least <= len(node.args) <= most:
            count = f"{least}" if least == most else f"{least} or {most}"
            plural = "s" if most > 1 else ""
            raise src.error(
                f"{name}(){_WHERE} takes {count} argument{plural}, got {len(node.args)}: "
                f"{spec.signature(name)}",
                func,
            )
        for arg, setting in zip(node.args[spec.tensors :], spec.numbers):
            called = {id(c.func) for c in ast.walk(arg) if isinstance(c, ast.Call)}
            if any(isinstance(n, ast.Name) and id(n) not in called for n in ast.walk(arg)):
                raise src.error(
                    f"{name}(){_WHERE}: {setting} must be a plain number; it cannot depend "
                    "on variables",
                    arg,
                )

    def split_call(self, func: ast.AST, call: ast.Call) -> tuple[str, str]:
        """``(x + 1)(x - 1)`` -> ``("(x + 1)", "(x - 1)")``: the called part as written
        (with its parentheses) and the argument list."""
        whole, inner = self.source.segment(call), self.source.segment(func)
        end = whole.find(inner) + len(inner)
        while end < len(whole) and whole[end] in ") \t":
            end += 1
        return whole[:end].rstrip(), whole[end:]

    def product(self, func: ast.AST, call: ast.Call) -> str:
        """``2(x + 1)`` as the product it means: ``2*(x + 1)`` (shortened when long)."""
        left, right = self.split_call(func, call)
        text = f"{left}*{right}"
        return text if len(text) <= 40 else f"{left}*(...)"


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


# ---------------------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------------------


def evaluate(tree: ast.Expression, env: Mapping[str, Any]) -> Any:
    """Evaluate a checked expression with the engine's ops; returns a Tensor (or a number
    when no variable occurs). ``env`` maps each variable name to a Tensor or number.

    NumPy's floating-point warnings (overflow, division by zero, invalid values) are
    raised as usual; the command line turns them into one-line notes.
    """
    import autograd_lite as al

    missing = [name for name in variables(tree) if name not in env]
    if missing:
        hint = ""
        if "e" in missing:
            hint = " (e is not built in: for e to the power x, write exp(x))"
        elif "pi" in missing:
            hint = " (pi is not built in: give it as pi=3.141592653589793)"
        raise ExpressionError(
            f"no value given for {', '.join(missing)}; add e.g. {missing[0]}=1.5 to the "
            f"command{hint}"
        )

    def number_op(fn: Callable[..., Any], *args: Any) -> Any:
        # Numbers are NumPy float64s, so 9**9**9 is inf (with an overflow warning), not
        # a long wait for a Python integer with 370 million digits.
        return fn(*(np.float64(a) for a in args))

    def setting(value: Any) -> float:
        return float(np.asarray(value.data if isinstance(value, al.Tensor) else value))

    def ev(node: ast.AST) -> Any:
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant):
            return float(node.value)
        if isinstance(node, ast.Name):
            return env[node.id]
        if isinstance(node, ast.UnaryOp):
            x = ev(node.operand)
            return -x if isinstance(x, al.Tensor) else number_op(lambda a: -a, x)
        if isinstance(node, ast.BinOp):
            # A flat chain (x1 + x2 - x3 + ...) is a deep left spine in the tree: walk it
            # with a loop, so hundreds of terms do not recurse hundreds of times.
            chain = []
            left: ast.AST = node
            while isinstance(left, ast.BinOp) and (
                left is node or _LEVEL.get(type(left.op), "") == _LEVEL.get(type(node.op))
            ):
                chain.append(left)
                left = left.left
            total = ev(left)
            for step in reversed(chain):
                right = ev(step.right)
                fn = _PY_OPS[type(step.op)]
                if isinstance(total, al.Tensor) or isinstance(right, al.Tensor):
                    total = fn(total, right)
                else:
                    total = number_op(fn, total, right)
            return total
        if isinstance(node, ast.Call):
            spec = FUNCTIONS[node.func.id]
            args = [ev(arg) for arg in node.args]
            tensors = args[: spec.tensors]
            if not any(isinstance(a, al.Tensor) for a in tensors):
                tensors[0] = al.tensor(np.float64(tensors[0]))
            settings = [setting(a) for a in args[spec.tensors :]]
            return spec.engine()(*tensors, *settings)
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
