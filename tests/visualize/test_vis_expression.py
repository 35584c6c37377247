"""The expression language of `autograd-lite graph`: what is allowed, what is refused."""

from __future__ import annotations

import math

import pytest

import autograd_lite as al
from visualize.expression import (
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
        parse_expression("x + " * 200 + "x")
    with pytest.raises(ExpressionError, match="nested too deeply"):
        parse_expression("exp(" * MAX_DEPTH + "x" + ")" * MAX_DEPTH)
    with pytest.raises(ExpressionError, match="nested too deeply"):
        parse_expression("-" * (MAX_DEPTH + 1) + "x")
    # Just inside the limit is fine.
    parse_expression("exp(" * 10 + "x" + ")" * 10)


def test_constant_powers_do_not_hang():
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
