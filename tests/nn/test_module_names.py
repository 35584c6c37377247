"""Module names as in PyTorch (issue 22): add_module, register_parameter, register_buffer and
attribute assignment refuse names that would lose or break something, before changing
anything; and every in-place change of a module's weights is counted, so a backward through
a graph recorded before refuses the new values, as PyTorch does."""

from __future__ import annotations

import re

import numpy as np
import pytest

import autograd_lite as al
import nn


def _snapshot(m: nn.Module) -> tuple:
    return (
        list(m._parameters.items()),
        list(m._buffers.items()),
        list(m._modules.items()),
        dict(vars(m)),
        list(m.state_dict()),
        repr(m),
    )


def _register_calls():
    return {
        "add_module": lambda m, name: m.add_module(name, nn.ReLU()),
        "register_parameter": lambda m, name: m.register_parameter(
            name, nn.Parameter(np.ones(1, np.float32))
        ),
        "register_buffer": lambda m, name: m.register_buffer(name, al.zeros(1)),
    }


@pytest.mark.parametrize("call", sorted(_register_calls()))
@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("a.b", r"name can't contain \"\.\", got: 'a\.b'"),
        ("", r"name can't be empty string \"\""),
        ("_parameters", r"attribute '_parameters' already exists"),
        ("_modules", r"attribute '_modules' already exists"),
        ("training", r"attribute 'training' already exists"),
        ("forward", r"attribute 'forward' already exists"),
        ("state_dict", r"attribute 'state_dict' already exists"),
        ("in_features", r"attribute 'in_features' already exists"),
    ],
)
def test_bad_names_are_refused_and_the_module_is_unchanged(call, name, message):
    model = nn.Linear(2, 3)
    before = _snapshot(model)
    with pytest.raises(KeyError) as info:
        _register_calls()[call](model, name)
    assert re.search(rf"{call}: .*{message}", info.value.args[0]), info.value.args[0]
    assert _snapshot(model) == before
    model(al.ones(1, 2))  # still works


def test_a_name_taken_by_another_kind_is_refused_as_in_pytorch():
    model = nn.Linear(2, 3)
    before = _snapshot(model)
    with pytest.raises(KeyError, match="add_module: attribute 'weight' already exists"):
        model.add_module("weight", nn.ReLU())
    with pytest.raises(KeyError, match="register_buffer: attribute 'bias' already exists"):
        model.register_buffer("bias", al.zeros(3))
    with pytest.raises(TypeError, match="add_module: module name should be a string, got int"):
        model.add_module(3, nn.ReLU())
    assert _snapshot(model) == before


@pytest.mark.parametrize("value", [nn.ReLU(), nn.Parameter(np.ones(1, np.float32))])
@pytest.mark.parametrize("name", ["a.b", "", "_parameters", "_buffers", "training", "forward"])
def test_attribute_assignment_refuses_the_same_names(value, name):
    model = nn.Sequential(nn.Linear(2, 2))
    before = _snapshot(model)
    with pytest.raises(KeyError, match="setattr: "):
        setattr(model, name, value)
    assert _snapshot(model) == before
    assert list(model.state_dict()) == ["0.weight", "0.bias"]


def test_attribute_assignment_still_replaces_plain_attributes_and_registrations():
    model = nn.Module()
    model.layer = None
    model.layer = nn.Linear(1, 1)  # a plain attribute becomes a submodule (PyTorch too)
    model.w = nn.Parameter(np.ones(2, np.float32))
    model.w = nn.Linear(1, 1)  # a parameter replaced by a submodule of the same name
    assert list(model._modules) == ["layer", "w"] and not model._parameters
    model.register_buffer("b", al.zeros(1))
    model.register_buffer("b", al.ones(1))  # a buffer re-registered: allowed
    assert list(model.state_dict()) == ["b", "layer.weight", "layer.bias", "w.weight", "w.bias"]


def test_replacing_a_slot_keeps_its_place():
    """(found with these tests) ModuleList[i] = m, Sequential's add_module of an existing name
    and re-registering a parameter kept the name but moved it to the end."""
    layers = nn.ModuleList([nn.Linear(1, 1), nn.ReLU(), nn.Linear(1, 1)])
    layers[0] = nn.Tanh()
    assert [type(m).__name__ for m in layers] == ["Tanh", "ReLU", "Linear"]
    model = nn.Linear(2, 2)
    model.weight = nn.Parameter(np.zeros((2, 2), np.float32))
    assert list(model.state_dict()) == ["weight", "bias"]


def _two_layer():
    al.manual_seed(0)
    return nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))


@pytest.mark.parametrize(
    "change",
    [
        "load_state_dict",
        "copy_",
        "init.zeros_",
        "init.normal_",
        "optimizer.step",
    ],
)
def test_changing_weights_between_forward_and_backward_is_refused(change):
    model = _two_layer()
    loss = model(al.ones(4, 2)).sum()
    other = _two_layer()
    other[2].weight.data[...] = 5.0
    with al.no_grad():
        if change == "load_state_dict":
            model.load_state_dict(other.state_dict())
        elif change == "copy_":
            model[2].weight.copy_(other[2].weight)
        elif change == "init.zeros_":
            nn.init.zeros_(model[2].weight)
        elif change == "init.normal_":
            nn.init.normal_(model[2].weight)
        else:
            model[2].weight.grad = al.ones(1, 3)
            nn.optim.SGD(model.parameters(), lr=0.1).step()
    with pytest.raises(al.AutogradError, match="changed in place"):
        loss.backward()


def test_running_statistics_count_their_in_place_changes():
    norm = nn.BatchNorm1d(2)
    x = al.tensor(np.arange(8.0, dtype=np.float32).reshape(4, 2))
    versions = [norm.running_mean._version, norm.running_var._version]
    norm(x)  # a training step updates them in place
    assert [norm.running_mean._version, norm.running_var._version] > versions
    before = norm.running_var._version
    norm.reset_running_stats()
    assert norm.running_var._version > before
    np.testing.assert_array_equal(norm.running_var.numpy(), [1.0, 1.0])


def test_load_state_dict_still_shares_memory_with_earlier_state_dicts():
    model = _two_layer()
    saved = model.state_dict()
    model.load_state_dict(_two_layer().state_dict())
    fresh = nn.Linear(3, 1)
    model[2].load_state_dict(fresh.state_dict())
    np.testing.assert_array_equal(saved["2.weight"].numpy(), fresh.weight.numpy())
