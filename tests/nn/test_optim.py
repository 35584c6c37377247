"""Tests for nn.optim (optimizers, lr_scheduler) and nn.utils (gradient clipping)."""

import inspect
import math

import numpy as np
import pytest

import autograd_lite as al
import nn
from nn.optim import SGD, Adagrad, Adam, AdamW, RMSprop
from nn.optim.lr_scheduler import CosineAnnealingLR, ExponentialLR, StepLR


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


# ------------------------------------------------------------------ a small problem, twice

_rng = np.random.default_rng(0)
X = _rng.standard_normal((8, 4))
Y = _rng.standard_normal((8, 2))
INIT = [
    _rng.standard_normal((5, 4)) * 0.5,
    _rng.standard_normal(5) * 0.1,
    _rng.standard_normal((2, 5)) * 0.5,
]


def mlp_loss(W1, b1, W2, x=X, y=Y):
    """A one-hidden-layer tanh network, squared error: the same maths in both frameworks."""
    h = (x @ W1.T + b1).tanh()
    d = h @ W2.T - y
    return (d * d).mean()


def case_id(value):
    if isinstance(value, type):
        return value.__name__
    return ",".join(f"{k}={v}" for k, v in value.items()) or "defaults"


def run_ours(opt_cls, kwargs, steps):
    params = [al.tensor(a.copy(), requires_grad=True) for a in INIT]
    opt = opt_cls(params, **kwargs)
    for _ in range(steps):
        opt.zero_grad()
        mlp_loss(*params).backward()
        opt.step()
    return [p.data for p in params]


def run_torch(torch, opt_name, kwargs, steps):
    params = [torch.tensor(a.copy(), requires_grad=True) for a in INIT]
    opt = getattr(torch.optim, opt_name)(params, **kwargs)
    x, y = torch.tensor(X), torch.tensor(Y)
    for _ in range(steps):
        opt.zero_grad()
        mlp_loss(*params, x=x, y=y).backward()
        opt.step()
    return [p.detach().numpy() for p in params]


CASES = [
    (SGD, {"lr": 0.1}),
    (SGD, {"lr": 0.1, "momentum": 0.9}),
    (SGD, {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    (SGD, {"lr": 0.1, "momentum": 0.8, "dampening": 0.5}),
    (SGD, {"lr": 0.1, "weight_decay": 0.1}),
    (SGD, {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
    (Adagrad, {}),
    (Adagrad, {"lr": 0.1, "lr_decay": 0.05}),
    (Adagrad, {"lr": 0.1, "weight_decay": 0.1, "initial_accumulator_value": 0.5}),
    (Adagrad, {"lr": 0.1, "eps": 1e-3}),
    (RMSprop, {}),
    (RMSprop, {"lr": 0.01, "centered": True}),
    (RMSprop, {"lr": 0.01, "momentum": 0.9}),
    (RMSprop, {"lr": 0.01, "alpha": 0.9, "centered": True, "momentum": 0.5, "weight_decay": 0.1}),
    (Adam, {}),
    (Adam, {"lr": 0.05}),
    (Adam, {"lr": 0.05, "amsgrad": True}),
    (Adam, {"lr": 0.05, "weight_decay": 0.1}),
    (Adam, {"lr": 0.05, "betas": (0.5, 0.9), "eps": 1e-4, "amsgrad": True, "weight_decay": 0.1}),
    (AdamW, {}),
    (AdamW, {"lr": 0.05, "weight_decay": 0.5}),
    (AdamW, {"lr": 0.05, "amsgrad": True, "betas": (0.8, 0.99)}),
]


@pytest.mark.parametrize(("opt_cls", "kwargs"), CASES, ids=case_id)
@pytest.mark.parametrize("steps", [1, 20])
def test_updates_equal_torch(torch, opt_cls, kwargs, steps):
    ours = run_ours(opt_cls, kwargs, steps)
    theirs = run_torch(torch, opt_cls.__name__, kwargs, steps)
    for a, b, start in zip(ours, theirs, INIT):
        assert not np.allclose(a, start)  # something happened
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-10)


def test_default_hyperparameters_equal_torch(torch):
    for cls in (SGD, Adagrad, RMSprop, Adam, AdamW):
        ours = cls([al.zeros(1, requires_grad=True)]).defaults
        theirs = getattr(torch.optim, cls.__name__)([torch.zeros(1, requires_grad=True)]).defaults
        for k, v in ours.items():
            assert theirs[k] == v, (cls.__name__, k)


def test_defaults_are_the_constructor_arguments_in_order():
    """hyperparameters(locals()) takes every __init__ argument but params, and nothing else;
    what the caller passes is what the group holds (betas as a tuple)."""
    for cls in (SGD, Adagrad, RMSprop, Adam, AdamW):
        names = list(inspect.signature(cls).parameters)[1:]
        assert list(cls([al.zeros(1, requires_grad=True)]).defaults) == names, cls.__name__
    opt = Adam([al.zeros(1, requires_grad=True)], lr=0.5, betas=[0.8, 0.9], amsgrad=True)
    assert opt.param_groups[0]["betas"] == (0.8, 0.9)
    assert (opt.defaults["lr"], opt.defaults["amsgrad"]) == (0.5, True)


# ------------------------------------------------------------------ behaviour


@pytest.mark.parametrize(("opt_cls", "kwargs"), CASES, ids=case_id)
def test_float32_stays_float32(opt_cls, kwargs):
    params = [al.tensor(a.astype(np.float32), requires_grad=True) for a in INIT]
    opt = opt_cls(params, **kwargs)
    for _ in range(3):
        opt.zero_grad()
        mlp_loss(*params, x=X.astype(np.float32), y=Y.astype(np.float32)).backward()
        opt.step()
    for p in params:
        assert p.dtype == np.float32
        assert all(
            v.dtype == np.float32 for v in opt.state[p].values() if isinstance(v, np.ndarray)
        )


def test_step_is_in_place_and_leaves_grad_alone():
    p = al.tensor([1.0, 2.0], requires_grad=True)
    data = p.data
    (p * p).sum().backward()
    grad = p.grad.data.copy()
    SGD([p], lr=0.1, weight_decay=0.5, momentum=0.9).step()
    assert p.data is data  # the same array, updated in place
    np.testing.assert_allclose(p.data, [1.0 - 0.1 * (2.0 + 0.5), 2.0 - 0.1 * (4.0 + 1.0)])
    np.testing.assert_array_equal(p.grad.data, grad)
    assert p.is_leaf and p.grad_fn is None


def test_sgd_by_hand_with_momentum():
    p = al.tensor([1.0], requires_grad=True)
    opt = SGD([p], lr=0.1, momentum=0.9)
    values = []
    for _ in range(3):
        opt.zero_grad()
        (p * 2.0).sum().backward()  # gradient 2 every time
        opt.step()
        values.append(p.item())
    # buffers 2, 3.8, 5.42 -> steps 0.2, 0.38, 0.542
    np.testing.assert_allclose(values, [0.8, 0.42, -0.122], rtol=1e-5)


def test_adam_first_step_is_lr_times_sign():
    # with bias correction, the first step is lr * g / (|g| + eps) ≈ lr * sign(g)
    p = al.tensor([1.0, -1.0, 3.0], requires_grad=True)
    opt = Adam([p], lr=0.01)
    (p * al.tensor([5.0, -0.001, 100.0])).sum().backward()
    opt.step()
    np.testing.assert_allclose(p.data, [0.99, -0.99, 2.99], rtol=1e-5)


def test_parameters_without_grad_are_skipped():
    a, b = al.tensor([1.0], requires_grad=True), al.tensor([1.0], requires_grad=True)
    opt = Adam([a, b], lr=0.1)
    (a * 3.0).sum().backward()
    opt.step()
    assert a.item() != 1.0 and b.item() == 1.0
    assert b not in opt.state


def test_zero_grad():
    p = al.tensor([1.0], requires_grad=True)
    opt = SGD([p], lr=0.1)
    (p * 3.0).sum().backward()
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(p.grad.data, [0.0])
    opt.zero_grad()
    assert p.grad is None


def test_param_groups_have_their_own_hyperparameters():
    a, b = al.tensor([1.0], requires_grad=True), al.tensor([1.0], requires_grad=True)
    opt = SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1, momentum=0.0)
    assert opt.param_groups[0]["lr"] == 0.1 and opt.param_groups[1]["lr"] == 0.5
    (a + b).sum().backward()
    opt.step()
    assert a.item() == pytest.approx(0.9) and b.item() == pytest.approx(0.5)
    c = al.tensor([1.0], requires_grad=True)
    opt.add_param_group({"params": c, "momentum": 0.5})
    assert opt.param_groups[2]["lr"] == 0.1 and opt.param_groups[2]["momentum"] == 0.5
    with pytest.raises(ValueError, match="appears twice"):
        opt.add_param_group({"params": [a]})


def test_works_on_module_parameters_and_generators():
    model = nn.Linear(3, 2)
    opt = Adam(model.parameters(), lr=0.1)  # a generator: consumed once, kept as a list
    before = model.weight.data.copy()
    model(al.ones(4, 3)).sum().backward()
    opt.step()
    assert not np.allclose(model.weight.data, before)
    assert len(opt.param_groups[0]["params"]) == 2


def test_closure_is_evaluated_with_grad():
    p = al.tensor([2.0], requires_grad=True)
    opt = SGD([p], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    with al.no_grad():
        loss = opt.step(closure)
    assert loss.item() == 4.0 and p.item() == pytest.approx(1.0)


@pytest.mark.parametrize(("opt_cls", "kwargs"), CASES, ids=case_id)
def test_state_dict_round_trip_through_save(tmp_path, opt_cls, kwargs):
    def make():
        params = [al.tensor(a.copy(), requires_grad=True) for a in INIT]
        return params, opt_cls(params, **kwargs)

    def train(params, opt, steps):
        for _ in range(steps):
            opt.zero_grad()
            mlp_loss(*params).backward()
            opt.step()

    p1, o1 = make()
    train(p1, o1, 5)
    nn.save(o1.state_dict(), tmp_path / "opt.npz")
    p2, o2 = make()
    for a, b in zip(p2, p1):
        a.data[...] = b.data
    o2.load_state_dict(nn.load(tmp_path / "opt.npz"))
    train(p1, o1, 5)
    train(p2, o2, 5)
    for a, b in zip(p1, p2):
        np.testing.assert_array_equal(a.data, b.data)


def test_state_dict_layout_is_pytorchs():
    params = [al.tensor(a.copy(), requires_grad=True) for a in INIT]
    opt = Adam(params, lr=0.1)
    mlp_loss(*params).backward()
    opt.step()
    sd = opt.state_dict()
    assert sd["param_groups"][0]["params"] == [0, 1, 2]
    assert sd["param_groups"][0]["betas"] == (0.9, 0.999)
    assert set(sd["state"][0]) == {"step", "exp_avg", "exp_avg_sq"}
    assert sd["state"][0]["step"] == 1


def test_load_state_dict_checks_sizes():
    a = al.zeros(3, requires_grad=True)
    opt = SGD([a], lr=0.1, momentum=0.9)
    a.grad = al.ones(3)
    opt.step()
    sd = opt.state_dict()
    with pytest.raises(ValueError, match="param group"):
        SGD(
            [
                {"params": [al.zeros(3, requires_grad=True)]},
                {"params": [al.zeros(1, requires_grad=True)]},
            ],
            lr=0.1,
        ).load_state_dict(sd)
    with pytest.raises(ValueError, match="shape"):
        SGD([al.zeros(4, requires_grad=True)], lr=0.1).load_state_dict(sd)


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda p: SGD(p, lr=-0.1), r"SGD: lr must be >= 0.*-0.1"),
        (lambda p: SGD(p, lr=0.1, momentum=1.0), r"SGD: momentum.*\[0, 1\).*1.0"),
        (lambda p: SGD(p, lr=0.1, momentum=-0.5), r"SGD: momentum.*-0.5"),
        (lambda p: SGD(p, lr=0.1, nesterov=True), r"SGD: nesterov.*momentum=0"),
        (lambda p: SGD(p, lr=0.1, weight_decay=-1), r"SGD: weight_decay.*-1"),
        (lambda p: Adam(p, betas=(0.9, 1.0)), r"Adam: betas\[1\].*\(0.9, 1.0\)"),
        (lambda p: Adam(p, betas=(-0.1, 0.9)), r"Adam: betas\[0\]"),
        (lambda p: AdamW(p, eps=-1e-8), r"AdamW: eps.*-1e-08"),
        (lambda p: Adam(p, lr=-1), r"Adam: lr.*-1"),
        (lambda p: RMSprop(p, momentum=1.5), r"RMSprop: momentum.*1.5"),
        (lambda p: RMSprop(p, alpha=-0.1), r"RMSprop: alpha.*-0.1"),
        (lambda p: Adagrad(p, lr_decay=-0.1), r"Adagrad: lr_decay.*-0.1"),
        (lambda p: Adagrad(p, eps=-1.0), r"Adagrad: eps.*-1.0"),
        (lambda p: SGD([{"params": p, "lr": -2.0}], lr=0.1), r"SGD: lr.*-2.0"),
    ],
)
def test_bad_hyperparameters(make, match):
    with pytest.raises(ValueError, match=match):
        make([al.zeros(2, requires_grad=True)])


def test_bad_parameters():
    with pytest.raises(ValueError, match="Adam: got an empty parameter list"):
        Adam([])
    with pytest.raises(ValueError, match="SGD: got an empty parameter list"):
        SGD(iter([]), lr=0.1)
    with pytest.raises(ValueError, match=r"SGD: parameter 1 .* does not require grad"):
        SGD([al.zeros(2, requires_grad=True), al.zeros(3)], lr=0.1)
    with pytest.raises(TypeError, match="single Tensor"):
        Adam(al.zeros(2, requires_grad=True))
    with pytest.raises(TypeError, match="not a Tensor"):
        Adam([np.zeros(2)])
    x = al.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="not a leaf"):
        Adam([x * 2.0])
    with pytest.raises(ValueError, match="appears twice"):
        Adam([x, x])


# ------------------------------------------------------------------ learning-rate schedules


SCHEDULES = [
    (StepLR, {"step_size": 7, "gamma": 0.5}),
    (StepLR, {"step_size": 1}),
    (ExponentialLR, {"gamma": 0.9}),
    (CosineAnnealingLR, {"T_max": 10, "eta_min": 0.001}),
    (CosineAnnealingLR, {"T_max": 30}),
]


@pytest.mark.parametrize(("sched_cls", "kwargs"), SCHEDULES, ids=case_id)
def test_schedules_equal_torch_over_30_epochs(torch, sched_cls, kwargs):
    ours_opt = SGD(
        [
            {"params": [al.zeros(1, requires_grad=True)]},
            {"params": [al.zeros(1, requires_grad=True)], "lr": 0.3},
        ],
        lr=0.1,
    )
    torch_opt = torch.optim.SGD(
        [
            {"params": [torch.zeros(1, requires_grad=True)]},
            {"params": [torch.zeros(1, requires_grad=True)], "lr": 0.3},
        ],
        lr=0.1,
    )
    ours = sched_cls(ours_opt, **kwargs)
    theirs = getattr(torch.optim.lr_scheduler, sched_cls.__name__)(torch_opt, **kwargs)
    np.testing.assert_allclose(ours.get_last_lr(), theirs.get_last_lr(), rtol=1e-12)
    for _ in range(30):
        ours_opt.step()
        torch_opt.step()
        ours.step()
        theirs.step()
        np.testing.assert_allclose(ours.get_last_lr(), theirs.get_last_lr(), rtol=1e-12, atol=1e-15)
        assert [g["lr"] for g in ours_opt.param_groups] == ours.get_last_lr()


def test_step_lr_by_hand():
    opt = SGD([al.zeros(1, requires_grad=True)], lr=1.0)
    sched = StepLR(opt, step_size=2, gamma=0.1)
    lrs = []
    for _ in range(6):
        lrs.append(opt.param_groups[0]["lr"])
        sched.step()
    np.testing.assert_allclose(lrs, [1, 1, 0.1, 0.1, 0.01, 0.01])


def test_cosine_reaches_eta_min_at_t_max():
    opt = SGD([al.zeros(1, requires_grad=True)], lr=1.0)
    sched = CosineAnnealingLR(opt, T_max=4, eta_min=0.1)
    for _ in range(4):
        sched.step()
    assert sched.get_last_lr() == [pytest.approx(0.1)]
    sched_state = sched.state_dict()
    assert "optimizer" not in sched_state and sched_state["last_epoch"] == 4


# ------------------------------------------------------------------ gradient clipping


def _params_with_grads(grads):
    params = []
    for g in grads:
        p = al.zeros(*g.shape, dtype=np.float64, requires_grad=True)
        p.grad = al.tensor(g.copy())
        params.append(p)
    return params


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_equals_torch(torch, norm_type, max_norm):
    rng = np.random.default_rng(5)
    grads = [rng.standard_normal((3, 4)), rng.standard_normal(5)]
    ours = _params_with_grads(grads)
    theirs = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for p, g in zip(theirs, grads):
        p.grad = torch.tensor(g.copy())
    total = nn.utils.clip_grad_norm_(ours, max_norm, norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    assert isinstance(total, al.Tensor) and total.shape == ()
    assert total.item() == pytest.approx(expected.item(), rel=1e-12)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.data, b.grad.numpy(), rtol=1e-12)


def test_clip_grad_norm_by_hand():
    (p,) = _params_with_grads([np.array([3.0, 4.0])])
    total = nn.utils.clip_grad_norm_(p, max_norm=1.0)
    assert total.item() == 5.0
    np.testing.assert_allclose(p.grad.data, [0.6, 0.8], rtol=1e-5)
    (q,) = _params_with_grads([np.array([0.3, 0.4])])
    nn.utils.clip_grad_norm_([q], max_norm=1.0)  # already short enough: unchanged
    np.testing.assert_array_equal(q.grad.data, [0.3, 0.4])
    assert nn.utils.clip_grad_norm_([al.zeros(2, requires_grad=True)], 1.0).item() == 0.0


def test_clip_grad_value():
    params = _params_with_grads([np.array([-3.0, 0.5, 2.0])])
    nn.utils.clip_grad_value_(params, 1.0)
    np.testing.assert_array_equal(params[0].grad.data, [-1.0, 0.5, 1.0])
    with pytest.raises(ValueError, match="clip_value"):
        nn.utils.clip_grad_value_(params, -1.0)


def test_adamw_default_weight_decay_is_pytorchs_and_adams_is_zero():
    p = nn.Parameter(np.ones(3, dtype=np.float32))
    assert AdamW([p]).defaults["weight_decay"] == 0.01
    assert Adam([p]).defaults["weight_decay"] == 0.0
    assert AdamW([p], 1e-3, (0.9, 0.999), 1e-8, 0.5).defaults["weight_decay"] == 0.5  # positional
    assert "__init__" not in vars(AdamW)  # one constructor, Adam's
