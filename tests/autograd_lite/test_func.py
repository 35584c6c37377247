"""autograd_lite.func against torch.func: Jacobians both ways on random programs, Hessians,
Hessian-vector products, grad of grad, and torch.func's conventions (shapes, argnums,
has_aux, tuples of outputs). Skipped without torch, except the checks that need no torch.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_lite as al
from autograd_lite import forward_ad, func
from autograd_lite.testing import arrays_for_grad, shapes

RTOL, ATOL = 1e-6, 1e-9
# torch.func's forward mode warns about its own use of torch.jit.script: not ours to fix
pytestmark = pytest.mark.filterwarnings(
    "ignore:`torch.jit.script` is deprecated:DeprecationWarning"
)


def t64(a, requires_grad=False):
    return al.tensor(np.asarray(a, dtype=np.float64), requires_grad=requires_grad)


def close(ours, theirs, rtol=RTOL, atol=ATOL):
    """Nested tuples of our tensors against nested tuples of torch tensors."""
    if isinstance(theirs, tuple):
        assert isinstance(ours, tuple) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            close(a, b, rtol, atol)
        return
    assert isinstance(ours, al.Tensor), type(ours)
    expected = theirs.numpy(force=True)  # (force: torch may answer a ZeroTensor)
    assert ours.shape == expected.shape
    np.testing.assert_allclose(ours.numpy(), expected, rtol=rtol, atol=atol)


# -- random programs (the chains of the PyTorch differential tests) ----------------------


@pytest.fixture(scope="module")
def programs():
    """(chains strategy, build) from test_torch_differential: 2-6 ops on 1-4 inputs."""
    pytest.importorskip("torch")
    import test_torch_differential as diff

    return diff.chains, diff.build


@given(data=st.data())
def test_jacrev_equals_jacfwd_equals_torch_on_random_programs(programs, data):
    import torch

    chains, build = programs
    steps, inputs = data.draw(chains(), label="program")
    argnums = tuple(range(len(inputs)))
    ours = [t64(a) for a in inputs]
    by_rev = func.jacrev(build(steps, "ours"), argnums)(*ours)
    by_fwd = func.jacfwd(build(steps, "ours"), argnums)(*ours)
    theirs = torch.func.jacrev(build(steps, "torch"), argnums)(*[torch.tensor(a) for a in inputs])
    close(by_rev, theirs)
    close(by_fwd, theirs)
    assert forward_ad.open_levels == 0


@given(data=st.data())
def test_hessian_and_hvp_equal_torch_and_double_backward(programs, data):
    import torch

    chains, build = programs
    steps, inputs = data.draw(chains(exclude=("elu",)), label="program")
    with al.no_grad():
        out_shape = build(steps, "ours")(*[t64(a) for a in inputs]).shape
    rng = np.random.default_rng(3)
    w = rng.standard_normal(out_shape)

    def f(*xs):  # a scalar of the program's output
        return (build(steps, "ours")(*xs) * t64(w)).sum()

    def f_torch(*xs):
        return (build(steps, "torch")(*xs) * torch.tensor(w)).sum()

    x0 = t64(inputs[0])
    rest = [t64(a) for a in inputs[1:]]
    torch_args = [torch.tensor(a) for a in inputs]
    hess = func.hessian(f)(x0, *rest)
    close(hess, torch.func.hessian(f_torch)(*torch_args), rtol=1e-5, atol=1e-8)

    v = rng.standard_normal(x0.shape)
    hv = func.hvp(lambda x: f(x, *rest), (x0,), (t64(v),))
    # The double-backward reference: d/dx <∇f(x), v> by grad(..., create_graph=True).
    x = t64(inputs[0], requires_grad=True)
    (g,) = al.grad(f(x, *rest), x, create_graph=True)
    (reference,) = al.grad((g * t64(v)).sum(), x, allow_unused=True) if g.requires_grad else (None,)
    expected = np.zeros(x0.shape) if reference is None else reference.numpy()
    np.testing.assert_allclose(hv.numpy(), expected, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(
        hv.numpy().reshape(-1), hess.numpy().reshape(v.size, v.size) @ v.reshape(-1), atol=1e-8
    )


# -- grad, grad of grad ----------------------------------------------------------------------


def f_scalar(x, y):
    return (al.tanh(x) * y).sum() + (x**3).sum()


@given(
    x=arrays_for_grad(shape=shapes(min_dims=1, max_dims=2)),
    scale=st.floats(-2, 2, allow_nan=False),
)
def test_grad_of_grad_equals_grad_with_create_graph(x, scale):
    y = t64(np.full(x.shape, scale))
    inner = func.grad(f_scalar)
    by_func = func.grad(lambda x: inner(x, y).sum())(t64(x))
    xt = t64(x, requires_grad=True)
    (g,) = al.grad(f_scalar(xt, y), xt, create_graph=True)
    (expected,) = al.grad(g.sum(), xt)
    np.testing.assert_allclose(by_func, expected, rtol=1e-10)
    # the same by the other compositions of the two modes
    np.testing.assert_allclose(
        func.jacfwd(lambda x: inner(x, y).sum())(t64(x)), expected, rtol=1e-10
    )


def test_grad_results_are_plain_unless_something_requires_grad():
    x = t64([1.0, 2.0])
    g = func.grad(lambda x: (x * x).sum())(x)
    assert not g.requires_grad and g.grad_fn is None
    np.testing.assert_array_equal(g, [2.0, 4.0])
    # an argument in a graph: the gradient stays differentiable (grad of grad by hand)
    xr = t64([1.0, 2.0], requires_grad=True)
    g = func.grad(lambda x: (x**3).sum())(xr)
    g.sum().backward()
    np.testing.assert_allclose(xr.grad, [6.0, 12.0])
    # a tensor f closes over that requires grad: the gradient is differentiable in it
    w = t64([3.0, -1.0], requires_grad=True)
    g = func.grad(lambda x: (x * x * w).sum())(x)
    (gw,) = al.grad(g.sum(), w)
    np.testing.assert_allclose(gw, [2.0, 4.0])


def test_grad_works_under_no_grad_and_leaves_grad_alone():
    x = t64([1.0, 2.0], requires_grad=True)
    with al.no_grad():
        g = func.grad(lambda x: (x * x).sum())(x)
    np.testing.assert_array_equal(g, [2.0, 4.0])
    assert x.grad is None


# -- torch.func's conventions ------------------------------------------------------------------


def two_outputs(x, y):
    return x * y.sum(), al.sin(x).sum()


def two_outputs_torch(x, y):
    import torch

    return x * y.sum(), torch.sin(x).sum()


@pytest.mark.parametrize("argnums", [0, 1, -1, (0, 1), (1,)])
@pytest.mark.parametrize("op", ["jacrev", "jacfwd"])
def test_jacobian_structure_matches_torch(op, argnums):
    torch = pytest.importorskip("torch")
    x, y = np.array([0.5, -1.0, 2.0]), np.array([[1.0, 2.0], [3.0, 4.0]])
    ours = getattr(func, op)(two_outputs, argnums)(t64(x), t64(y))
    # (torch.func.jacfwd answers zeros for a negative argnums: ask it for the same argument
    # by its positive index)
    positive = argnums % 2 if isinstance(argnums, int) else argnums
    theirs = getattr(torch.func, op)(two_outputs_torch, positive)(torch.tensor(x), torch.tensor(y))
    close(ours, theirs)
    # a single output, a 0-d input
    s = np.array(0.7)
    ours = getattr(func, op)(lambda a: a * al.tensor([1.0, 2.0], dtype="float64"))(t64(s))
    assert ours.shape == (2,)
    np.testing.assert_allclose(ours, [1.0, 2.0])


def test_has_aux_vjp_jvp_and_grad_and_value_match_torch():
    torch = pytest.importorskip("torch")
    x, y = np.array([0.5, -1.0, 2.0]), np.array([[1.0, 2.0], [3.0, 4.0]])
    X, Y = t64(x), t64(y)
    TX, TY = torch.tensor(x), torch.tensor(y)

    def loss(x, y):
        return (x**2).sum() * y.mean(), "aux"

    g, aux = func.grad(loss, argnums=(0, 1), has_aux=True)(X, Y)
    tg = torch.func.grad(lambda x, y: loss_t(x, y), argnums=(0, 1))(TX, TY)
    close(g, tg)
    assert aux == "aux"
    (g, (value, aux)) = func.grad_and_value(loss, has_aux=True)(X, Y)
    assert value.item() == pytest.approx(float((x**2).sum() * y.mean()))
    assert aux == "aux"
    close(g, tg[0])

    out, vjp_fn = func.vjp(two_outputs, X, Y)
    t_out, t_vjp_fn = torch.func.vjp(two_outputs_torch, TX, TY)
    close(out, t_out)
    cot = (t64(np.array([1.0, -2.0, 0.5])), t64(np.array(3.0)))
    close(vjp_fn(cot), t_vjp_fn(tuple(torch.tensor(c.numpy()) for c in cot)))
    close(vjp_fn(cot), t_vjp_fn(tuple(torch.tensor(c.numpy()) for c in cot)))  # again

    tangents = (t64(np.ones(3)), t64(np.full((2, 2), 0.5)))
    out, tangent = func.jvp(two_outputs, (X, Y), tangents)
    t_out, t_tangent = torch.func.jvp(
        two_outputs_torch, (TX, TY), tuple(torch.tensor(t.numpy()) for t in tangents)
    )
    close(out, t_out)
    close(tangent, t_tangent)
    out, tangent, aux = func.jvp(lambda x: (x * 2, 7), (X,), (tangents[0],), has_aux=True)
    assert aux == 7
    np.testing.assert_array_equal(tangent, [2.0, 2.0, 2.0])


def loss_t(x, y):
    return (x**2).sum() * y.mean()


def test_hessian_with_two_arguments_matches_torch():
    torch = pytest.importorskip("torch")
    x, y = np.array([0.5, -1.0]), np.array([2.0, 3.0, -1.0])

    def f(x, y):
        return (al.exp(x).sum() * al.sin(y)).sum() + (x**2).sum() * (y**3).sum()

    def ft(x, y):
        return (torch.exp(x).sum() * torch.sin(y)).sum() + (x**2).sum() * (y**3).sum()

    ours = func.hessian(f, argnums=(0, 1))(t64(x), t64(y))
    close(ours, torch.func.hessian(ft, argnums=(0, 1))(torch.tensor(x), torch.tensor(y)))
    hv = func.hvp(f, (t64(x), t64(y)), (t64([1.0, 0.0]), t64([0.0, 1.0, 2.0])))
    H = torch.func.hessian(ft, argnums=(0, 1))(torch.tensor(x), torch.tensor(y))
    v = (torch.tensor([1.0, 0.0], dtype=torch.float64), torch.tensor([0.0, 1.0, 2.0]).double())
    close(hv, tuple(H[i][0] @ v[0] + H[i][1] @ v[1] for i in range(2)))


def test_jacfwd_of_jacfwd_is_the_hessian():
    x = t64([0.3, -0.7, 1.1])

    def f(x):
        return (al.sin(x) * x.sum()).sum()

    h = func.hessian(f)(x)
    np.testing.assert_allclose(func.jacfwd(func.jacfwd(f))(x), h, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(func.jacrev(func.jacrev(f))(x), h, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(func.jacrev(func.jacfwd(f))(x), h, rtol=1e-12, atol=1e-14)


def test_jacobians_of_a_network_layer():
    """d logits / d input of a small MLP (nn layers: the fused linear inside)."""
    import nn

    al.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 3))
    for p in model.parameters():
        p.data = p.data.astype(np.float64)
    x = t64(np.linspace(-1, 1, 4))
    J1, J2 = func.jacfwd(model)(x), func.jacrev(model)(x)
    assert J1.shape == (3, 4)
    np.testing.assert_allclose(J1, J2, rtol=1e-12)
    assert all(p.grad is None for p in model.parameters())  # .grad untouched


# -- errors ---------------------------------------------------------------------------------


def test_errors_name_the_operator_and_the_problem():
    x = t64([1.0, 2.0])
    with pytest.raises(al.ShapeError, match=r"grad: f must return a single one-element tensor"):
        func.grad(lambda x: x * 2)(x)
    with pytest.raises(ValueError, match="jacrev: argnums 2 is out of range"):
        func.jacrev(lambda x, y: x * y, argnums=2)(x, x)
    with pytest.raises(TypeError, match="jacfwd: argument 0 must be a Tensor, got list"):
        func.jacfwd(lambda x: x)([1.0, 2.0])
    with pytest.raises(TypeError, match="argument 0 must be a floating-point Tensor"):
        func.grad(lambda x: x.sum())(al.tensor([1, 2]))
    with pytest.raises(TypeError, match="jvp: primals and tangents must be tuples"):
        func.jvp(lambda x: x, x, x)
    with pytest.raises(al.ShapeError, match="make_dual: the tangent has shape"):
        func.jvp(lambda x: x, (x,), (al.ones(3),))
    _, vjp_fn = func.vjp(lambda x: x * 2, x)
    with pytest.raises(al.ShapeError, match=r"vjp_fn: cotangent 0 has shape \(3,\)"):
        vjp_fn(al.ones(3))
    with pytest.raises(TypeError, match="f must return a Tensor or a tuple of Tensors"):
        func.jacrev(lambda x: 3.0)(x)
    with pytest.raises(TypeError, match="with has_aux=True, f must return a pair"):
        func.grad(lambda x: x.sum(), has_aux=True)(x)
    assert forward_ad.open_levels == 0  # errors close their levels too
