"""Forward mode: every op's jvp rule against finite differences and torch.func.jvp, and the
dual-number machinery (levels, make_dual / unpack_dual, zeros, errors, nesting, memory).

The op cases (every Function, the fused layers, batch norm) are in jvp_cases.py.
"""

from __future__ import annotations

import gc
import threading
import weakref

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jvp_cases import CASES

import autograd_lite as al
from autograd_lite import Function, forward_ad
from autograd_lite.forward_ad import ZeroTangent, dual_level, make_dual, unpack_dual
from autograd_lite.ops.table import MEMBER_OPS, OPS
from autograd_lite.testing import arrays_for_grad

IDS = [c[0] for c in CASES]


def ours_jvp(fn, arrays, tangents):
    """(output, tangent of the output) by forward mode, on float64 tensors."""
    with dual_level():
        duals = [make_dual(al.tensor(a), al.tensor(t)) for a, t in zip(arrays, tangents)]
        out = fn(*duals)
        _, tangent = unpack_dual(out)
        assert tangent is not None, "the output has no tangent"
        assert tangent.shape == out.shape and tangent.dtype == out.dtype
        return out.numpy().copy(), tangent.numpy().copy()


def directional_derivative(fn, arrays, tangents, eps=1e-6):
    """(f(x + eps v) - f(x - eps v)) / 2 eps, in float64 without recording."""
    with al.no_grad():
        plus = fn(*[al.tensor(a + eps * t) for a, t in zip(arrays, tangents)]).numpy()
        minus = fn(*[al.tensor(a - eps * t) for a, t in zip(arrays, tangents)]).numpy()
    return (plus - minus) / (2 * eps)


def draw_tangents(data, arrays):
    return [data.draw(arrays_for_grad(shape=np.shape(a), kinks=()), label="v") for a in arrays]


@pytest.mark.parametrize(("name", "ours", "theirs", "draw"), CASES, ids=IDS)
@given(data=st.data())
def test_jvp_matches_finite_differences(name, ours, theirs, draw, data):
    arrays = draw(data)
    tangents = draw_tangents(data, arrays)
    out, tangent = ours_jvp(ours, arrays, tangents)
    with al.no_grad():
        np.testing.assert_allclose(out, ours(*[al.tensor(a) for a in arrays]).numpy())
    # (Through float32 a difference quotient is only good to float32's rounding.)
    eps, tol = (1e-2, 1e-3) if name == "astype_roundtrip" else (1e-6, 1e-5)
    np.testing.assert_allclose(
        tangent, directional_derivative(ours, arrays, tangents, eps), rtol=tol, atol=tol / 10
    )


@pytest.mark.parametrize(
    ("name", "ours", "theirs", "draw"), [c for c in CASES if c[2] is not None], ids=lambda x: x
)
@pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:DeprecationWarning")
@given(data=st.data())
def test_jvp_matches_torch(name, ours, theirs, draw, data):
    torch = pytest.importorskip("torch")
    arrays = draw(data)
    tangents = draw_tangents(data, arrays)
    out, tangent = ours_jvp(ours, arrays, tangents)
    t_out, t_tangent = torch.func.jvp(
        theirs, tuple(torch.tensor(a) for a in arrays), tuple(torch.tensor(v) for v in tangents)
    )
    np.testing.assert_allclose(out, t_out.numpy(), rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(tangent, t_tangent.numpy(), rtol=1e-7, atol=1e-10)


def function_classes():
    """Every Function of the op table (test_op_table.py checks that is every Function)."""
    rows = (*OPS, *MEMBER_OPS)
    return [r.function_class for r in rows if r.function_class] + [
        c for r in rows for c in r.internal
    ]


def test_every_function_defines_jvp():
    classes = function_classes()
    assert len(classes) > 40  # the walk finds the ops
    assert [c.__name__ for c in classes if c.jvp is Function.jvp] == []
    for cls in classes:  # next to forward and backward, in the same class
        owner = next(k for k in cls.__mro__ if "jvp" in vars(k))
        assert {"forward", "backward"} <= set(vars(owner)), cls


@settings(max_examples=1)
@given(data=st.data())
def test_the_cases_reach_every_function(data):
    """Every Function's jvp rule runs in some case of the tests above."""
    reached = set()
    rules = {cls: cls.__dict__["jvp"] for cls in function_classes() if "jvp" in cls.__dict__}

    def spying(rule):
        def spy(self, *tangents):
            reached.add(type(self))
            return rule(self, *tangents)

        return spy

    try:
        for cls, rule in rules.items():
            cls.jvp = spying(rule)
        for _, ours, _, draw in CASES:
            arrays = draw(data)
            ours_jvp(ours, arrays, draw_tangents(data, arrays))
    finally:
        for cls, rule in rules.items():
            cls.jvp = rule
    assert sorted(c.__name__ for c in set(function_classes()) - reached) == []


# -- the machinery -----------------------------------------------------------------------


def test_survey_example_in_one_forward_pass():
    """Baydin et al. 2018, Table 2: f(x1, x2) = ln x1 + x1 x2 - sin x2 at (2, 5), ẋ1 = 1."""
    with dual_level():
        x1 = make_dual(al.tensor(2.0, dtype="float64"), al.tensor(1.0, dtype="float64"))
        x2 = make_dual(al.tensor(5.0, dtype="float64"), al.tensor(0.0, dtype="float64"))
        f = al.log(x1) + x1 * x2 - al.sin(x2)
        value, tangent = unpack_dual(f)
    assert round(value.item(), 3) == 11.652
    assert tangent.item() == pytest.approx(5.5, abs=1e-12)  # 1/2 + 5


def test_no_graph_is_recorded_for_tensors_that_do_not_require_grad():
    x = al.tensor([1.0, 2.0])
    with dual_level():
        y = al.exp(make_dual(x, al.ones(2))) * 3.0
        assert y.grad_fn is None and not y.requires_grad
        np.testing.assert_allclose(unpack_dual(y).tangent, 3 * np.exp([1.0, 2.0]), rtol=1e-6)


def test_tangents_live_in_their_level():
    x = al.tensor([1.0, 2.0])
    assert unpack_dual(x) == (x, None)
    with dual_level() as level:
        assert level == 0
        d = make_dual(x, al.tensor([3.0, 4.0]))
        assert d is not x and d.data is not None and np.shares_memory(d.data, x.data)
        assert unpack_dual(x).tangent is None  # x itself stays as it was
        primal, tangent = unpack_dual(d)
        assert unpack_dual(primal).tangent is None
        np.testing.assert_array_equal(tangent, [3.0, 4.0])
        y = d * 2.0
    assert unpack_dual(y).tangent is None  # the level is closed: its tangents are gone
    assert forward_ad.open_levels == 0


def test_make_dual_checks_its_arguments():
    x = al.tensor([1.0, 2.0])
    with pytest.raises(al.AutogradError, match="make_dual: no dual level is open"):
        make_dual(x, x)
    with dual_level():
        with pytest.raises(al.ShapeError, match=r"tangent has shape \(3,\).*shape \(2,\)"):
            make_dual(x, al.ones(3))
        with pytest.raises(TypeError, match="floating-point"):
            make_dual(al.tensor([1, 2]), al.ones(2))
        with pytest.raises(al.AutogradError, match="level 3 is not open"):
            make_dual(x, x, level=3)
        d = make_dual(x, np.array([1, 2]))  # converted to the primal's dtype
        assert unpack_dual(d).tangent.dtype == np.float32


def test_levels_close_innermost_first():
    outer = forward_ad.enter_dual_level()
    inner = forward_ad.enter_dual_level()
    with pytest.raises(al.AutogradError, match="level 0 is not the innermost"):
        forward_ad.exit_dual_level(level=outer)
    forward_ad.exit_dual_level(level=inner)
    forward_ad.exit_dual_level()
    with pytest.raises(al.AutogradError, match="no dual level is open"):
        forward_ad.exit_dual_level()


class Cube(Function):
    """x³ with a backward but no jvp rule."""

    def forward(self, x):
        return x**3

    def backward(self, g):
        return g * 3 * self.inputs[0] ** 2


def test_an_op_without_a_rule_names_itself():
    x = al.tensor([1.0, 2.0])
    with dual_level():
        assert Cube.apply(x).shape == (2,)  # no tangent reaches it: fine
    with dual_level(), pytest.raises(al.AutogradError, match="cube: this op has no forward-mode"):
        Cube.apply(make_dual(x, al.ones(2)))


def test_a_bad_rule_result_is_reported():
    class Wrong(Function):
        def forward(self, x):
            return x * 2

        def backward(self, g):
            return g * 2

        def jvp(self, t):
            return al.ones(5)

    with dual_level(), pytest.raises(al.ShapeError, match=r"Wrong.jvp: tangent of shape \(5,\)"):
        Wrong.apply(make_dual(al.ones(2), al.ones(2)))


def test_inputs_without_tangents_are_symbolic_zeros():
    seen = []

    class Spy(Function):
        def forward(self, a, b):
            return a * b

        def backward(self, g):
            return g, g

        def jvp(self, ta, tb):
            seen.append((type(ta), type(tb)))
            return ta * self.inputs[1] + self.inputs[0] * tb

    w = al.tensor(np.ones((3, 2)))
    with dual_level():
        y = Spy.apply(make_dual(al.ones(2), al.ones(2)), w)
        np.testing.assert_array_equal(unpack_dual(y).tangent, np.ones((3, 2)))
    assert seen == [(al.Tensor, ZeroTangent)]
    z = forward_ad.zero_tangent((3, 2), np.float64)
    m = al.ones(2, 4)
    assert isinstance(z * 3.0, ZeroTangent) and isinstance(al.ones(2, 3) * z.T, ZeroTangent)
    assert isinstance(z @ m, ZeroTangent) and (z @ m).shape == (3, 4)
    assert isinstance(m.T @ z.T, ZeroTangent) and (m.T @ z.T).shape == (4, 3)
    assert (z + m[:, :1].T).shape == (3, 2) and not isinstance(z + m[:, :1].T, ZeroTangent)
    assert isinstance(z.reshape(6).sum(), ZeroTangent)
    np.testing.assert_array_equal(z, np.zeros((3, 2)))  # still a tensor of zeros


def test_integer_outputs_get_no_tangent():
    with dual_level():
        d = make_dual(al.tensor([1.5, 2.5]), al.ones(2))
        assert unpack_dual(d.long()).tangent is None
        assert unpack_dual(d.astype(np.float64)).tangent.dtype == np.float64


def test_nested_levels_do_not_confuse_perturbations():
    """d/dx [x · d/dy (x + y)] at any x, y is 1; confusing the two tangents gives 2."""
    x0, y0 = al.tensor(2.0, dtype="float64"), al.tensor(3.0, dtype="float64")
    one = al.tensor(1.0, dtype="float64")
    with dual_level():
        x = make_dual(x0, one)
        with dual_level():
            y = make_dual(y0, one)
            inner = unpack_dual(x + y).tangent  # d/dy (x + y) = 1, at the inner level
        out = x * inner
        assert unpack_dual(out).tangent.item() == 1.0


def test_nested_levels_give_second_derivatives():
    """The tangent of a tangent: d²/dx² x³ = 6x (the inner tangent carries the outer one)."""
    with dual_level():
        x = make_dual(al.tensor(2.0, dtype="float64"), al.tensor(1.0, dtype="float64"))
        with dual_level():
            xx = make_dual(x, al.tensor(1.0, dtype="float64"))
            first = unpack_dual(al.exp(xx) * xx**2).tangent  # (x² + 2x) e^x
        second = unpack_dual(first).tangent  # (x² + 4x + 2) e^x
    assert first.item() == pytest.approx(8 * np.exp(2.0))
    assert second.item() == pytest.approx(14 * np.exp(2.0))


def test_reverse_over_forward_differentiates_a_tangent():
    """grad of a jvp: d/dx [J(x) v] for f = sin, = -sin(x) v; and d/dv = cos(x)."""
    x = al.tensor([0.5, 1.0], dtype="float64", requires_grad=True)
    v = al.tensor([2.0, -1.0], dtype="float64", requires_grad=True)
    with dual_level():
        tangent = unpack_dual(al.sin(make_dual(x, v))).tangent
        gx, gv = al.grad(tangent.sum(), (x, v))
    np.testing.assert_allclose(gx, -np.sin([0.5, 1.0]) * [2.0, -1.0])
    np.testing.assert_allclose(gv, np.cos([0.5, 1.0]))


def test_forward_over_reverse_through_a_plain_backward():
    """Gradients computed inside a level carry tangents: d/dt ∇f(x + t v) = H v."""
    x = al.tensor([0.5, -1.0], dtype="float64")
    v = al.tensor([1.0, 2.0], dtype="float64")
    with dual_level():
        xd = make_dual(x, v).requires_grad_()
        y = (al.exp(xd) * xd.sum()).sum()  # H = diag(e^x)·Σx + e^x 1ᵀ + 1 e^xᵀ
        (g,) = al.grad(y, xd)
        hv = unpack_dual(g).tangent
    e, s = np.exp([0.5, -1.0]), -0.5
    H = np.diag(e) * s + e[:, None] + e[None, :]
    np.testing.assert_allclose(hv, H @ [1.0, 2.0])


def test_a_forward_pass_keeps_no_tape():
    """Intermediate values (and their tangents) are freed as the pass goes on."""
    with dual_level():
        x = make_dual(al.tensor(np.ones(1000)), al.tensor(np.ones(1000)))
        h = al.tanh(x)
        probe = weakref.ref(h)
        for _ in range(5):
            h = al.tanh(h)
        gc.collect()
        assert probe() is None
        level_table = forward_ad._thread.levels[0].tangents
        assert len(level_table) <= 3  # x and the current h, not all six
        assert unpack_dual(h).tangent is not None


def test_levels_are_per_thread():
    seen = {}

    def other():
        x = al.tensor([1.0])
        y = al.exp(x)
        seen["tangent"] = unpack_dual(y).tangent
        with dual_level() as level:
            seen["level"] = level

    with dual_level():
        d = make_dual(al.tensor([1.0]), al.ones(1))
        worker = threading.Thread(target=other)
        worker.start()
        worker.join()
        assert unpack_dual(al.exp(d)).tangent is not None
    assert seen == {"tangent": None, "level": 0}


def test_op_overhead_path_is_untouched_without_levels():
    # No level open: outputs are plain tensors and nothing is kept anywhere.
    assert forward_ad.open_levels == 0
    x = al.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    assert y.grad_fn._tangents is None and "_result" not in vars(y.grad_fn)


@pytest.mark.parametrize(("name", "ours", "theirs", "draw"), CASES, ids=IDS)
@settings(max_examples=3)
@given(data=st.data())
def test_jvp_rules_are_differentiable(name, ours, theirs, draw, data):
    """Reverse over forward: the rules are Tensor ops, so a tangent has a gradient, and it
    matches central differences of the tangent (d/dx of J(x)·v, v fixed)."""
    arrays = draw(data)
    tangents = [al.tensor(v) for v in draw_tangents(data, arrays)]
    weights = None

    def tangent_of(*xs):
        nonlocal weights
        with dual_level():
            out = unpack_dual(ours(*[make_dual(x, v) for x, v in zip(xs, tangents)])).tangent
        if weights is None:
            weights = al.tensor(np.random.default_rng(1).standard_normal(out.shape))
        return (out * weights).sum()

    eps = 1e-3 if name == "astype_roundtrip" else 1e-6
    tol = 1e-2 if name == "astype_roundtrip" else 1e-3
    xs = [al.tensor(a, requires_grad=True) for a in arrays]
    al.gradcheck(tangent_of, xs, eps=eps, atol=tol / 10, rtol=tol)


def test_assert_jvp_matches_numeric_catches_a_wrong_rule():
    from autograd_lite.testing import assert_jvp_matches_numeric

    class Square(Function):
        def forward(self, x):
            return x * x

        def backward(self, g):
            return g * 2 * self.inputs[0]

        def jvp(self, t):
            return t * 2 * self.inputs[0]

    class WrongSquare(Square):
        def jvp(self, t):
            return t * self.inputs[0]  # forgot the 2

    x = np.array([0.5, -1.5, 2.0])
    assert_jvp_matches_numeric(Square.apply, x)
    with pytest.raises(AssertionError, match="jvp vs finite differences"):
        assert_jvp_matches_numeric(WrongSquare.apply, x)


def test_detect_anomaly_checks_tangents():
    # sqrt at 0: the value is 0 (finite), the tangent t / (2 sqrt 0) is infinite.
    x = al.tensor([4.0, 0.0], dtype="float64")
    with dual_level():
        d = make_dual(x, al.ones(2, dtype="float64"))
        with np.errstate(divide="ignore"):
            assert not np.isfinite(unpack_dual(al.sqrt(d)).tangent.numpy()).all()
            with al.detect_anomaly(), pytest.raises(al.AutogradError) as info:
                al.sqrt(d)
    message = str(info.value)
    assert "Sqrt.jvp produced NaN or Inf in the tangent" in message
    assert "test_forward_ad.py" in message  # the line that made the op
    # A finite tangent passes, and so does an op whose input has no tangent.
    with dual_level(), al.detect_anomaly():
        d = make_dual(al.tensor(4.0, dtype="float64"), al.tensor(1.0, dtype="float64"))
        assert unpack_dual(al.sqrt(d)).tangent.item() == 0.25
        assert al.sqrt(al.tensor(0.0, dtype="float64")).item() == 0.0
