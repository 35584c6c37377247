"""Tests for nn.Module, nn.Parameter, nn.Sequential and nn.ModuleList."""

from collections import OrderedDict

import numpy as np
import pytest

import autograd_lite as al
import nn
from autograd_lite import ShapeError


class TwoLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3, 4)
        self.act = nn.ReLU()
        self.fc2 = nn.Linear(4, 2)
        self.register_buffer("steps", al.zeros(1))
        self.scale = 2.0  # a plain attribute

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x))) * self.scale


# -- Parameter --------------------------------------------------------------------------


def test_parameter_is_a_tensor_that_requires_grad_and_shares_data():
    data = np.ones((2, 3), dtype=np.float32)
    p = nn.Parameter(data)
    assert isinstance(p, al.Tensor) and p.requires_grad and p.is_leaf
    # p.data is a view of data (a DataArray: PyTorch's .data.sub_ & co.), sharing its memory
    assert isinstance(p.data, np.ndarray) and p.data.base is data
    data[0, 0] = 5
    assert p.data[0, 0] == 5
    assert not nn.Parameter(al.zeros(2), requires_grad=False).requires_grad
    assert repr(p).startswith("Parameter containing:\ntensor(")


def test_parameter_works_with_tensor_slots():
    p = nn.Parameter(al.ones(3))
    assert not hasattr(p, "__dict__")  # slots all the way down: as small as a Tensor
    with pytest.raises(AttributeError):
        p.some_new_attribute = 1
    y = (p * 2.0).sum()
    y.backward()
    assert type(p * 2.0) is al.Tensor
    assert p.grad.tolist() == [2.0, 2.0, 2.0]


# -- registration and traversal ---------------------------------------------------------


def test_attributes_register_parameters_modules_and_buffers():
    m = TwoLayer()
    assert [n for n, _ in m.named_parameters()] == [
        "fc1.weight",
        "fc1.bias",
        "fc2.weight",
        "fc2.bias",
    ]
    assert [n for n, _ in m.named_children()] == ["fc1", "act", "fc2"]
    assert [n for n, _ in m.named_modules()] == ["", "fc1", "act", "fc2"]
    assert next(iter(m.children())) is m.fc1
    assert [n for n, _ in m.named_buffers()] == ["steps"]
    assert m.scale == 2.0 and "scale" not in m.state_dict()
    assert m.fc1.weight.name == "weight"  # for graph drawings
    assert m.num_parameters() == 3 * 4 + 4 + 4 * 2 + 2
    m.fc1.requires_grad_(False)
    assert m.num_parameters(trainable_only=True) == 4 * 2 + 2


def test_reassigning_and_deleting_attributes():
    m = TwoLayer()
    m.fc2 = nn.Linear(4, 5)
    assert m(al.randn(2, 3)).shape == (2, 5)
    del m.act
    assert [n for n, _ in m.named_children()] == ["fc1", "fc2"]
    with pytest.raises(TypeError, match="cannot assign Tensor to parameter 'weight'"):
        m.fc1.weight = al.zeros(4, 3)
    m.fc1.bias = None  # dropping a parameter is allowed
    assert "fc1.bias" not in m.state_dict()


def test_shared_parameter_is_listed_once():
    a = nn.Linear(2, 2)
    model = nn.Sequential(a, nn.ReLU(), a)
    assert len(list(model.parameters())) == 2


def test_setattr_before_init_is_a_clear_error():
    class Bad(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(1, 1)

    with pytest.raises(AttributeError, match=r"super\(\).__init__\(\)"):
        Bad()


def test_zero_grad_train_eval_and_apply():
    m = TwoLayer()
    m(al.randn(5, 3)).sum().backward()
    assert all(p.grad is not None for p in m.parameters())
    m.zero_grad(set_to_none=False)
    assert all(np.all(p.grad.data == 0) for p in m.parameters())
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())
    assert m.training and m.fc1.training
    assert m.eval() is m
    assert not any(mod.training for mod in m.modules())
    m.train()
    assert all(mod.training for mod in m.modules())
    seen = []
    m.apply(lambda mod: seen.append(type(mod).__name__))
    assert seen[-1] == "TwoLayer" and len(seen) == 4


def test_to_double_and_float_keep_the_same_parameter_objects():
    m = TwoLayer()
    w = m.fc1.weight
    m.double()
    assert m.fc1.weight is w and w.dtype == np.float64 and m.steps.dtype == np.float64
    assert m(al.randn(2, 3, dtype=np.float64)).dtype == np.float64
    m.float()
    assert w.dtype == np.float32
    with pytest.raises(TypeError, match="floating dtype"):
        m.to(np.int32)


# -- state_dict -------------------------------------------------------------------------


def test_state_dict_keys_and_sharing():
    m = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.BatchNorm1d(3), nn.Linear(3, 1))
    sd = m.state_dict()
    assert isinstance(sd, OrderedDict)
    assert list(sd) == [
        "0.weight",
        "0.bias",
        "2.weight",
        "2.bias",
        "2.running_mean",
        "2.running_var",
        "2.num_batches_tracked",
        "3.weight",
        "3.bias",
    ]
    assert np.shares_memory(sd["0.weight"].data, m[0].weight.data)
    assert not sd["0.weight"].requires_grad
    assert sd["2.num_batches_tracked"].dtype == np.int64


def test_state_dict_keys_match_torch_for_an_mlp():
    torch = pytest.importorskip("torch")

    def build(lib):
        return lib.Sequential(
            lib.Linear(2, 100), lib.ReLU(), lib.BatchNorm1d(100), lib.Linear(100, 3)
        )

    ours, theirs = build(nn), build(torch.nn)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert ours.num_parameters() == sum(p.numel() for p in theirs.parameters())


def test_state_dict_keys_match_torch():
    torch = pytest.importorskip("torch")

    def build(lib):
        return lib.Sequential(
            lib.Conv2d(1, 4, 3, padding=1),
            lib.BatchNorm2d(4),
            lib.ReLU(),
            lib.MaxPool2d(2),
            lib.Flatten(),
            lib.Linear(4 * 3 * 3, 8),
            lib.BatchNorm1d(8),
            lib.Dropout(0.2),
            lib.Linear(8, 2),
        )

    ours, theirs = build(nn), build(torch.nn)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for (k, v), tv in zip(ours.state_dict().items(), theirs.state_dict().values()):
        assert v.shape == tuple(tv.shape), k
    # Loading torch's values gives the same outputs.
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((5, 1, 6, 6)).astype(np.float32)
    ours.eval(), theirs.eval()
    np.testing.assert_allclose(
        ours(al.tensor(x)).data, theirs(torch.tensor(x)).detach().numpy(), atol=1e-5
    )


def test_load_state_dict_round_trip_in_place():
    a, b = TwoLayer(), TwoLayer()
    w = b.fc1.weight
    result = b.load_state_dict(a.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert b.fc1.weight is w and np.array_equal(w.data, a.fc1.weight.data)


def test_load_state_dict_names_every_problem():
    m = TwoLayer()
    sd = m.state_dict()
    del sd["fc1.bias"]
    sd["extra"] = al.zeros(1)
    sd["fc2.weight"] = al.zeros(7, 4)
    before = m.fc1.weight.data.copy()
    sd["fc1.weight"] = al.zeros(4, 3)
    with pytest.raises(ShapeError) as info:
        m.load_state_dict(sd)
    msg = str(info.value)
    assert "missing keys: 'fc1.bias'" in msg
    assert "unexpected keys: 'extra'" in msg
    assert "'fc2.weight': checkpoint has shape (7, 4), model has (2, 4)" in msg
    assert np.array_equal(m.fc1.weight.data, before)  # nothing loaded when anything is wrong


def test_load_state_dict_non_strict_reports_skipped_keys():
    m = TwoLayer()
    sd = m.state_dict()
    del sd["steps"]
    sd["extra"] = al.zeros(1)
    with pytest.raises(ValueError, match="missing keys: 'steps'"):
        m.load_state_dict(sd)
    result = m.load_state_dict(sd, strict=False)
    assert result.missing_keys == ["steps"] and result.unexpected_keys == ["extra"]


def test_non_persistent_buffer_is_not_saved():
    m = nn.Module()
    m.register_buffer("cache", al.zeros(2), persistent=False)
    m.register_buffer("kept", al.zeros(2))
    assert list(m.state_dict()) == ["kept"]
    assert [n for n, _ in m.named_buffers()] == ["cache", "kept"]
    with pytest.raises(TypeError, match="must be a Tensor"):
        m.register_buffer("bad", [1, 2])


# -- repr, containers, scopes -----------------------------------------------------------


def test_repr_is_pytorch_like():
    m = nn.Sequential(nn.Linear(2, 100), nn.ReLU())
    assert repr(m) == (
        "Sequential(\n  (0): Linear(in_features=2, out_features=100, bias=True)\n  (1): ReLU()\n)"
    )
    nested = nn.Sequential(nn.Sequential(nn.Tanh()), nn.Dropout(0.1))
    assert repr(nested) == (
        "Sequential(\n  (0): Sequential(\n    (0): Tanh()\n  )\n  (1): Dropout(p=0.1)\n)"
    )


def test_repr_matches_torch_for_common_layers():
    torch = pytest.importorskip("torch")
    for args in [("Linear", 3, 4), ("Conv2d", 1, 8, 3)]:
        name, *rest = args
        assert repr(getattr(nn, name)(*rest)) == repr(getattr(torch.nn, name)(*rest))
    conv = ("Conv2d", 2, 4, 3)
    assert repr(nn.Conv2d(*conv[1:], padding=1)) == repr(torch.nn.Conv2d(*conv[1:], padding=1))


def test_sequential_container_api():
    layers = [nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)]
    s = nn.Sequential(*layers)
    assert len(s) == 3 and s[0] is layers[0] and s[-1] is layers[2]
    assert list(s) == layers
    assert isinstance(s[1:], nn.Sequential) and len(s[1:]) == 2
    s.append(nn.Sigmoid())
    assert [n for n, _ in s.named_children()] == ["0", "1", "2", "3"]
    assert s(al.randn(4, 2)).shape == (4, 1)
    named = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 2)), ("act", nn.Tanh())]))
    assert list(named.state_dict()) == ["fc.weight", "fc.bias"]
    with pytest.raises(IndexError, match="out of range"):
        s[4]
    with pytest.raises(TypeError, match="expected a Module"):
        nn.Sequential(nn.ReLU(), lambda x: x)


def test_module_list_registers_its_modules():
    class Stack(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])

        def forward(self, x):
            for layer in self.layers:
                x = layer(x)
            return x

    m = Stack()
    assert len(m.layers) == 3 and m.num_parameters() == 3 * 6
    assert list(m.state_dict())[:2] == ["layers.0.weight", "layers.0.bias"]
    tail = m.layers[1:]
    assert len(tail) == 2 and tail[0] is m.layers[1]
    assert m.layers[1](al.randn(1, 2)).grad_fn.scope == ("1",)  # the slice did not rename it
    m.layers.append(nn.Linear(2, 2))
    m.layers[0] = nn.Linear(2, 2)
    assert len(list(m.parameters())) == 8
    assert m(al.randn(1, 2)).shape == (1, 2)


def test_forward_records_module_scopes_on_graph_nodes():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    x = al.randn(4, 2, requires_grad=True)
    y = model(x)
    assert y.grad_fn.scope == ("Sequential", "2")
    relu_node = y.grad_fn.inputs[0].grad_fn
    assert relu_node.scope == ("Sequential", "1")
    m = TwoLayer()
    out = m(x[:, :1].expand(4, 3))
    assert out.grad_fn.scope == ("TwoLayer",)  # the * scale in TwoLayer.forward
    assert out.grad_fn.inputs[0].grad_fn.scope == ("TwoLayer", "fc2")
    assert (x * 2).grad_fn.scope == ()  # outside any module


def test_forward_not_implemented():
    with pytest.raises(NotImplementedError, match="Module must implement forward"):
        nn.Module()(1)


def test_nn_all_names_every_public_name_nn_offers():
    import types

    # every class and function nn offers; of its submodules, the ones users call into
    # (nn.functional, nn.init, nn.optim, ...), not the files the layers live in
    offered = {
        name
        for name, value in vars(nn).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    submodules = {n for n in nn.__all__ if isinstance(getattr(nn, n), types.ModuleType)}
    assert set(nn.__all__) - submodules == offered
    assert {"functional", "init", "optim", "data", "datasets", "export", "utils"} == submodules
    assert len(nn.__all__) == len(set(nn.__all__))
