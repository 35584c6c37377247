"""Test helpers for your own ops: hypothesis strategies and a one-line gradient check.

Testing a custom Function takes two lines::

    from hypothesis import given
    from autograd_lite.testing import arrays_for_grad, assert_grad_matches_numeric

    @given(arrays_for_grad(shape=(3, 4)))
    def test_square(x):
        assert_grad_matches_numeric(lambda t: Square.apply(t), x)

and its forward-mode rule (``jvp``) one more: ``assert_jvp_matches_numeric(Square.apply, x)``.

Requires ``hypothesis`` (``pip install "autograd-lite[test]"``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

try:
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp
except ImportError as exc:  # pragma: no cover - exercised only without the test extra
    raise ImportError(
        'autograd_lite.testing needs hypothesis: pip install "autograd-lite[test]"'
    ) from exc

from autograd_lite import forward_ad
from autograd_lite.errors import GradcheckError
from autograd_lite.grad_mode import no_grad
from autograd_lite.gradcheck import gradcheck
from autograd_lite.tensor import Tensor


def shapes(
    min_dims: int = 0, max_dims: int = 3, min_side: int = 1, max_side: int = 4
) -> st.SearchStrategy[tuple[int, ...]]:
    """Array shapes, e.g. (), (3,), (2, 1, 4).

    Examples
    --------
    >>> from hypothesis import given, settings
    >>> from autograd_lite.testing import shapes
    >>> @settings(max_examples=20)
    ... @given(shapes(max_dims=2))
    ... def test_sum_keeps_nothing(shape):
    ...     assert al.zeros(*shape).sum().shape == ()
    >>> test_sum_keeps_nothing()
    """
    return hnp.array_shapes(
        min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
    )


def broadcastable_shapes(
    num_shapes: int = 2,
    min_dims: int = 0,
    max_dims: int = 3,
    min_side: int = 1,
    max_side: int = 4,
) -> st.SearchStrategy[tuple[tuple[int, ...], ...]]:
    """Tuples of shapes that broadcast together, e.g. ((3, 1), (4,)).

    Examples
    --------
    >>> from hypothesis import given, settings
    >>> from autograd_lite.testing import broadcastable_shapes
    >>> @settings(max_examples=20)
    ... @given(broadcastable_shapes())
    ... def test_add_broadcasts(pair):
    ...     a, b = pair
    ...     assert (al.zeros(*a) + al.zeros(*b)).shape == np.broadcast_shapes(a, b)
    >>> test_add_broadcasts()
    """
    return hnp.mutually_broadcastable_shapes(
        num_shapes=num_shapes,
        min_dims=min_dims,
        max_dims=max_dims,
        min_side=min_side,
        max_side=max_side,
    ).map(lambda result: result.input_shapes)


def _push_away(x: np.ndarray, kinks: Sequence[float], gap: float) -> np.ndarray:
    """Move values within ``gap`` of a kink (where the derivative jumps) to ``gap`` away."""
    x = x.copy()
    for k in kinks:
        near = np.abs(x - k) < gap
        x[near] = k + np.where(x[near] >= k, gap, -gap)
    return x


def arrays_for_grad(
    shape: tuple[int, ...] | st.SearchStrategy[tuple[int, ...]] | None = None,
    dtype: Any = np.float64,
    min_value: float = -3.0,
    max_value: float = 3.0,
    kinks: Sequence[float] = (0.0,),
    gap: float = 1e-2,
    distinct: bool = False,
) -> st.SearchStrategy[np.ndarray]:
    """Float arrays whose values are good points to check a gradient at.

    Values lie in [min_value, max_value] and at least ``gap`` away from each of
    ``kinks`` (0 by default: relu, abs), where a numerical derivative straddles the
    jump. ``distinct=True`` keeps values at least ``gap`` apart (for max, min, sort:
    a tie is a kink too).

    Examples
    --------
    >>> from hypothesis import given, settings
    >>> from autograd_lite.testing import arrays_for_grad, assert_grad_matches_numeric
    >>> @settings(max_examples=10)
    ... @given(arrays_for_grad((3,)))
    ... def test_relu_grad(x):
    ...     assert_grad_matches_numeric(al.relu, x)
    >>> test_relu_grad()
    """
    shape = shapes() if shape is None else shape
    elements = st.floats(min_value, max_value, allow_nan=False, allow_infinity=False, width=64)
    arrays = hnp.arrays(np.float64, shape, elements=elements)
    arrays = arrays.map(lambda x: _push_away(x, kinks, gap))
    if distinct:
        arrays = arrays.filter(
            lambda x: x.size < 2 or np.min(np.diff(np.sort(x, axis=None))) >= gap
        )
    return arrays.map(lambda x: x.astype(dtype))


def assert_grad_matches_numeric(
    fn: Callable[..., Tensor],
    *inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> None:
    """Assert that ``fn``'s gradients match central differences (an ``AssertionError``
    with gradcheck's report otherwise). Arrays become float64 tensors requiring grad.

    Examples
    --------
    >>> from autograd_lite.testing import assert_grad_matches_numeric
    >>> assert_grad_matches_numeric(lambda x, y: (x * y).sum(), np.ones(3), np.arange(3.0))
    """
    tensors = [
        x if isinstance(x, Tensor) else Tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
        for x in inputs
    ]
    try:
        gradcheck(fn, tensors, eps=eps, atol=atol, rtol=rtol)
    except GradcheckError as exc:
        raise AssertionError(str(exc)) from None


def assert_jvp_matches_numeric(
    fn: Callable[..., Tensor],
    *inputs: Any,
    tangents: Sequence[Any] | None = None,
    eps: float = 1e-6,
    atol: float = 1e-6,
    rtol: float = 1e-5,
) -> None:
    """Assert that forward mode (every op's ``jvp``) gives ``fn``'s directional derivative:
    the tangent of ``fn(x)`` along ``v`` against (fn(x + eps·v) - fn(x - eps·v)) / 2eps, in
    float64. ``tangents`` (one per input) default to random normal ones.

    Examples
    --------
    >>> from autograd_lite.testing import assert_jvp_matches_numeric
    >>> assert_jvp_matches_numeric(al.tanh, np.array([0.5, -1.0]))
    """
    arrays = [np.asarray(x.data if isinstance(x, Tensor) else x, dtype=np.float64) for x in inputs]
    if tangents is None:
        rng = np.random.default_rng(0)
        tangents = [rng.standard_normal(a.shape) for a in arrays]
    vs = [np.asarray(v.data if isinstance(v, Tensor) else v, dtype=np.float64) for v in tangents]
    with forward_ad.dual_level():
        duals = [forward_ad.make_dual(Tensor(a), Tensor(v)) for a, v in zip(arrays, vs)]
        tangent = forward_ad.unpack_dual(fn(*duals)).tangent
    with no_grad():
        plus = fn(*[Tensor(a + eps * v) for a, v in zip(arrays, vs)]).data
        minus = fn(*[Tensor(a - eps * v) for a, v in zip(arrays, vs)]).data
    numeric = (plus - minus) / (2 * eps)
    if tangent is None:
        raise AssertionError("jvp: the output has no tangent (does it depend on the inputs?)")
    np.testing.assert_allclose(
        tangent.data, numeric, rtol=rtol, atol=atol, err_msg="jvp vs finite differences"
    )
