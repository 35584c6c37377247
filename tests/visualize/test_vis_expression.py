"""The expression language of `autograd-lite graph`: what is allowed, what is refused."""

from __future__ import annotations

import math

import pytest

import autograd_lite as al
from visualize.cli.expression import (
    FUNCTIONS,
    MAX_DEPTH,
    MAX_LENGTH,
    ExpressionError,
    evaluate,
    parse_assignment,
    parse_expression,
    variables,
)


def run(text, **values):
    env = {k: al.tensor(v, dtype="float64", requires_grad=True, name=k) for k, v in values.items()}
    out = evaluate(parse_expression(text), env)
    return out, env


@pytest.mark.parametrize(
    "text,values,expected",
    [
        ("(x + y) * z", {"x": -2, "y": 5, "z": -4}, -12.0),
        ("-x ** 2", {"x": 3}, -9.0),
        ("x / y - 1", {"x": 1, "y": 4}, -0.75),
        ("exp(log(x)) + sqrt(y)", {"x": 2, "y": 9}, 5.0),
        ("tanh(0 * x) + sigmoid(0 * x) + relu(-x) + abs(-x)", {"x": 2}, 2.5),
        ("max(x, y) - min(x, y)", {"x": 2, "y": 7}, 5.0),
        ("2 ** 10 + x", {"x": 0}, 1024.0),
    ],
)
def test_allowed_expressions_evaluate(text, values, expected):
    out, _ = run(text, **values)
    assert out.item() == pytest.approx(expected)


def test_gradients_flow_from_the_result():
    out, env = run("x * y + exp(x)", x=0.0, y=3.0)
    out.backward()
    assert env["x"].grad.item() == pytest.approx(4.0)  # y + e^0
    assert env["y"].grad.item() == pytest.approx(0.0)


def test_variables_in_order_and_function_names_excluded():
    assert variables(parse_expression("z * exp(x) + max(y, z)")) == ["z", "x", "y"]


@pytest.mark.parametrize(
    "text,message",
    [
        ("x.__class__", "attribute access"),
        ("x[0]", "subscripts"),
        ("(lambda: 1)()", "lambda"),
        ("[i for i in range(3)]", "comprehensions"),
        ("sum(i for i in x)", "calling 'sum'"),
        ("__import__('os').system('echo hi')", "attribute access"),
        ("__import__('os')", "calling '__import__'"),
        ("print(x)", "calling 'print'"),
        ("open", "the name 'open'"),
        ("x + __builtins__", "the name '__builtins__'"),
        ("x if y else z", "conditional"),
        ("x < y", "comparisons"),
        ("x // y", "operator FloorDiv"),
        ("x % y", "operator Mod"),
        ("x @ y", "operator MatMult"),
        ("~x", "unary Invert"),
        ("not x", "unary Not"),
        ("'text'", "only numbers"),
        ("True + x", "only numbers"),
        ("1j * x", "only numbers"),
        ("exp(x=1)", "keyword arguments"),
        ("exp(x, y)", "takes 1 argument, got 2"),
        ("max(x)", "takes 2 arguments, got 1"),
        ("leaky_relu(x, 0.1, 2)", r"takes 1 or 2 arguments, got 3: leaky_relu\(x, negative_slope"),
        ("leaky_relu(x, y)", "negative_slope must be a plain number"),
        ("clip(x, -1, exp(y))", "max must be a plain number"),
        ("exp", "is a function"),
        ("(y := 2)", "assignments"),
        ("x +", "not a valid expression"),
        ("", "empty"),
        ("f'{x}'", "f-strings"),
        ("exp(*x)", "star arguments"),
        ("9" * 400 + " * x", "too large"),
    ],
)
def test_refused_with_a_clear_message(text, message):
    with pytest.raises(ExpressionError, match=message):
        parse_expression(text)


def test_too_long_and_too_deep_are_refused():
    with pytest.raises(ExpressionError, match=f"the limit is {MAX_LENGTH}"):
        parse_expression("x + " * (MAX_LENGTH // 4) + "x")
    with pytest.raises(ExpressionError, match="nested too deeply"):
        parse_expression("exp(" * MAX_DEPTH + "x" + ")" * MAX_DEPTH)
    with pytest.raises(ExpressionError, match="nested too deeply"):
        parse_expression("-" * (MAX_DEPTH + 1) + "x")
    # Just inside the limit is fine.
    parse_expression("exp(" * 10 + "x" + ")" * 10)


def test_constant_powers_do_not_hang():
    with pytest.warns(RuntimeWarning, match="overflow"):  # NumPy's, as for any float64
        out = evaluate(parse_expression("9 ** 9 ** 9 ** 9"), {})
    assert math.isinf(float(out))


def test_missing_variable_is_named():
    with pytest.raises(ExpressionError, match="no value given for y"):
        evaluate(parse_expression("x + y"), {"x": 1.0})


@pytest.mark.parametrize(
    "text,message",
    [
        ("x", "expected name=value"),
        ("1x=2", "not a valid variable name"),
        ("print=2", "cannot be a variable name"),
        ("exp=2", "cannot be a variable name"),
        ("_x=2", "cannot be a variable name"),
        ("x=abc", "must be a number"),
        ("x=nan", "must be finite"),
    ],
)
def test_bad_assignments(text, message):
    with pytest.raises(ExpressionError, match=message):
        parse_assignment(text)


def test_good_assignment():
    assert parse_assignment("x=-2") == ("x", -2.0)
    assert parse_assignment(" w1 =1e-3") == ("w1", 0.001)


# ---------------------------------------------------------------------------------------
# Every scalar function of the library


def test_every_elementwise_op_of_the_engine_is_a_function():
    from autograd_lite.ops.table import OPS

    # Every op table row with one or two tensors and plain-number options is a calculator
    # function; + - * / and unary minus are operators; where() needs a condition.
    elementwise = {
        row.name for row in OPS if row.samples and all(s.shapes is None for s in row.samples)
    }
    assert elementwise - {"add", "sub", "mul", "div", "neg"} <= set(FUNCTIONS)
    assert {"gelu", "erf", "max", "min", "clamp"} <= set(FUNCTIONS)


X = 0.7


@pytest.mark.parametrize(
    "text,expected",
    [
        ("exp(x)", math.exp(X)),
        ("log(x)", math.log(X)),
        ("sqrt(x)", math.sqrt(X)),
        ("abs(-x)", X),
        ("sin(x)", math.sin(X)),
        ("cos(x)", math.cos(X)),
        ("tanh(x)", math.tanh(X)),
        ("sigmoid(x)", 1 / (1 + math.exp(-X))),
        ("relu(-x) + relu(x)", X),
        ("leaky_relu(-x)", -0.01 * X),
        ("leaky_relu(-x, 0.2)", -0.2 * X),
        ("elu(-x)", math.exp(-X) - 1),
        ("elu(-x, 2)", 2 * (math.exp(-X) - 1)),
        ("gelu(x)", X * 0.5 * (1 + math.erf(X / math.sqrt(2)))),
        ("erf(x)", math.erf(X)),
        ("maximum(x, 0.5) + minimum(x, 0.5)", X + 0.5),
        ("max(x, 1) - min(x, 1)", 1 - X),
        ("pow(x, 3)", X**3),
        ("clip(x, -1/2, 1/2) + clamp(-x, -0.25, 1)", 0.25),
    ],
)
def test_every_function_evaluates(text, expected):
    out, env = run(text, x=X)
    assert out.item() == pytest.approx(expected, rel=1e-9)
    out.backward()
    assert env["x"].grad is not None  # a graph stands behind every one


def test_function_gradients():
    out, env = run("sin(x) * cos(x) + leaky_relu(-x, 0.2) + gelu(x)", x=X)
    out.backward()
    pdf = math.exp(-(X**2) / 2) / math.sqrt(2 * math.pi)
    cdf = 0.5 * (1 + math.erf(X / math.sqrt(2)))
    expected = math.cos(2 * X) - 0.2 + cdf + X * pdf
    assert env["x"].grad.item() == pytest.approx(expected, rel=1e-9)


# ---------------------------------------------------------------------------------------
# Flat sums and products: the depth limit is for nesting only


@pytest.mark.parametrize("op", ["+", "-", "*", "/"])
def test_flat_chains_of_hundreds_of_terms(op):
    text = f" {op} ".join(["x"] * 500)
    out, env = run(text, x=1.0)
    expected = {"+": 500.0, "-": -498.0, "*": 1.0, "/": 1.0}[op]
    assert out.item() == pytest.approx(expected)
    out.backward()
    grad = {"+": 500.0, "-": -498.0, "*": 500.0, "/": -498.0}[op]
    assert env["x"].grad.item() == pytest.approx(grad)


def test_longest_flat_chain_parses():
    # The worst case for Python's own parser: one-character terms up to the length limit.
    text = "+".join(["x"] * ((MAX_LENGTH + 1) // 2))
    assert len(text) <= MAX_LENGTH
    out, _ = run(text, x=1.0)
    assert out.item() == (MAX_LENGTH + 1) // 2


def test_sum_of_products_of_many_variables():
    values = {f"w{i}": 0.5 for i in range(300)} | {f"x{i}": float(i) for i in range(300)}
    out, env = run(" + ".join(f"w{i}*x{i}" for i in range(300)), **values)
    assert out.item() == pytest.approx(0.5 * sum(range(300)))
    out.backward()
    assert env["w7"].grad.item() == 7.0 and env["x7"].grad.item() == 0.5


def nested(levels, inner="x"):
    """x + (x * (x + (... inner))): each pair of parentheses is one more level."""
    text = inner
    for i in range(levels):
        text = f"x {'+*'[i % 2]} ({text})"
    return text


def test_nesting_is_still_limited():
    # A long flat sum deep inside is fine: only the parentheses around it count.
    parse_expression(nested(MAX_DEPTH - 3, " + ".join(["x"] * 300)))
    with pytest.raises(ExpressionError, match="nested too deeply"):
        parse_expression(nested(MAX_DEPTH + 1))
    with pytest.raises(ExpressionError, match="nested too deeply"):
        parse_expression("x ** " * (MAX_DEPTH + 1) + "x")  # powers nest (right to left)


# ---------------------------------------------------------------------------------------
# The student's slips: a hint and the right column


def refused(text):
    with pytest.raises(ExpressionError) as info:
        parse_expression(text)
    return info.value


@pytest.mark.parametrize(
    "text,hint,column,length",
    [
        ("x ^ 2", "use ** for powers: x ** 2", 3, 1),
        ("w * x^2 + b", "use ** for powers: w * x ** 2 + b", 6, 1),
        ("2x", "write 2*x", 1, 2),
        ("y + 3x", "write 3*x", 5, 2),
        ("  y + 2.5x", "write 2.5*x", 7, 4),
        ("3sin(x)", "write 3*sin", 1, 4),
        ("2 x", "write 2*x", 1, 3),
        ("x y", "write x*y", 1, 3),
        ("2(x + 1)", "write 2*(x + 1)", 1, 8),
        ("(x + 1)(x - 1)", "write (x + 1)*(x - 1)", 1, 7),
        ("x(y + 1)", "write x*(y + 1)", 1, 1),
        ("x // 2", "operator FloorDiv (//)", 3, 2),
    ],
)
def test_slips_get_a_hint_at_the_right_column(text, hint, column, length):
    error = refused(text)
    assert hint in str(error)
    assert error.column == column and error.length == length
    assert f"at column {column}" in str(error)


@pytest.mark.parametrize(
    "text,message",
    [
        ("tan(x)", "calling 'tan' at column 1 is not allowed (did you mean tanh?)"),
        ("ln(x)", "(did you mean log?)"),
        ("sigmiod(x)", "(did you mean sigmoid?)"),
        ("import os", "not a valid expression: invalid syntax at column 1"),
        ("0x10 +", "not a valid expression: invalid syntax at the end"),  # no product hint
        ("{x} ^ 2", "use ** for powers: {x} ** 2"),  # braces in the text are just text
    ],
)
def test_other_hints(text, message):
    assert message in str(refused(text))


def test_e_is_not_built_in():
    with pytest.raises(ExpressionError, match=r"for e to the power x, write exp\(x\)"):
        evaluate(parse_expression("e ** x"), {"x": 1.0})
