"""``to_torch`` / ``from_torch``: the same model as a ``torch.nn.Module``, and back.

nn's layers carry PyTorch's names, options and state_dict keys, so a model converts layer by
layer: ``nn.Linear(3, 2)`` becomes ``torch.nn.Linear(3, 2)`` with a copy of the weights, and
``to_torch(model).state_dict()`` has exactly ``model.state_dict()``'s keys. What travels
with the weights: each module's train/eval mode, each parameter's ``requires_grad``, tied
(shared) parameters, the dtype. Nothing is shared in memory: training one never changes the
other.

Only layers whose computation is known are converted, by exact class (one table each way).
A module with its own ``forward`` (a user's class, or a subclass of a known layer) could
compute anything, so it is not guessed: the error lists every such module by its dotted
path. Write that class once with ``torch.nn`` (same attribute names), then move the weights
with ``nn.save(model, "m.safetensors")`` and ``load_state_dict(safetensors.torch.load_file(...))``.

Options of a torch layer that nn does not have (``dilation``, ``groups``, ``ceil_mode``, a
padding mode other than zeros, ...) are refused by ``from_torch`` with the option's name;
``inplace`` only saves memory in PyTorch and is dropped.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from nn._optional import import_extra
from nn.activation import ELU, GELU, LeakyReLU, LogSoftmax, Maxout, ReLU, Sigmoid, Softmax, Tanh
from nn.conv import Conv2d
from nn.dropout import Dropout
from nn.linear import Flatten, Identity, Linear
from nn.module import Module, ModuleList, Sequential
from nn.normalization import BatchNorm1d, BatchNorm2d
from nn.pooling import AvgPool2d, MaxPool2d

__all__ = ["from_torch", "to_torch"]

EXTRA = "export,torch"


def _torch(where: str) -> Any:
    return import_extra("torch", EXTRA, where)


# -- nn -> torch ----------------------------------------------------------------------------
# Each builder makes the torch layer with the same options; the weights come afterwards,
# for the whole model at once (load_state_dict), so builders never touch them.


def _pool_options(m: MaxPool2d | AvgPool2d) -> dict:
    return dict(kernel_size=m.kernel_size, stride=m.stride, padding=m.padding)


def _bn_options(m: BatchNorm1d | BatchNorm2d) -> dict:
    return dict(
        num_features=m.num_features,
        eps=m.eps,
        momentum=m.momentum,
        affine=m.affine,
        track_running_stats=m.track_running_stats,
    )


def _to_torch_builders(torch: Any) -> dict[type, Callable[[Any], Any]]:
    tnn = torch.nn
    return {
        Linear: lambda m: tnn.Linear(m.in_features, m.out_features, bias=m.bias is not None),
        Conv2d: lambda m: tnn.Conv2d(
            m.in_channels,
            m.out_channels,
            m.kernel_size,
            stride=m.stride,
            padding=m.padding,
            bias=m.bias is not None,
        ),
        MaxPool2d: lambda m: tnn.MaxPool2d(**_pool_options(m)),
        AvgPool2d: lambda m: tnn.AvgPool2d(**_pool_options(m)),  # count_include_pad=True, as nn
        BatchNorm1d: lambda m: tnn.BatchNorm1d(**_bn_options(m)),
        BatchNorm2d: lambda m: tnn.BatchNorm2d(**_bn_options(m)),
        Dropout: lambda m: tnn.Dropout(m.p),
        Flatten: lambda m: tnn.Flatten(m.start_dim, m.end_dim),
        Identity: lambda m: tnn.Identity(),
        ReLU: lambda m: tnn.ReLU(),
        LeakyReLU: lambda m: tnn.LeakyReLU(m.negative_slope),
        Sigmoid: lambda m: tnn.Sigmoid(),
        Tanh: lambda m: tnn.Tanh(),
        ELU: lambda m: tnn.ELU(m.alpha),
        GELU: lambda m: tnn.GELU(approximate=m.approximate),
        Softmax: lambda m: tnn.Softmax(dim=m.dim),
        LogSoftmax: lambda m: tnn.LogSoftmax(dim=m.dim),
        Maxout: lambda m: _torch_maxout()(m.linear.in_features, m.out_features, m.num_pieces),
    }


def _torch_maxout() -> type:
    from nn.export.torch_modules import Maxout as TorchMaxout  # imports torch

    return TorchMaxout


# Containers: their children are converted one by one, names kept.
_CONTAINERS = (Sequential, ModuleList, Module)


def to_torch(module: Module) -> Any:
    """The same model as a ``torch.nn.Module``: same layers, options, state_dict keys, values
    and dtypes (copies), train/eval mode per module, ``requires_grad`` per parameter, and tied
    parameters still tied.

    Converts ``Sequential``, ``ModuleList``, a plain ``Module`` holding children, and every
    layer and activation of nn (``Maxout`` becomes ``nn.export.torch_modules.Maxout``).
    Raises ``TypeError`` listing every module it cannot convert (by dotted path) and
    ``ImportError`` when PyTorch is not installed.

    Examples
    --------
    Needs the ``torch`` extra (``pip install "autograd-lite[torch]"``).

    >>> import torch
    >>> model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    >>> twin = nn.export.to_torch(model)
    >>> twin
    Sequential(
      (0): Linear(in_features=2, out_features=3, bias=True)
      (1): ReLU()
      (2): Linear(in_features=3, out_features=1, bias=True)
    )
    >>> x = al.randn(4, 2)
    >>> np.allclose(model(x).data, twin(torch.from_numpy(x.numpy())).detach().numpy(), atol=1e-6)
    True
    """
    torch = _torch("to_torch")
    if not isinstance(module, Module):
        raise TypeError(f"to_torch: expected an nn.Module, got {type(module).__name__}")
    builders = _to_torch_builders(torch)
    _refuse_unknown(module, set(builders) | set(_CONTAINERS), "to_torch", "nn")

    built: dict[int, Any] = {}  # a module used twice becomes one torch module used twice

    def build(m: Module) -> Any:
        if id(m) in built:
            return built[id(m)]
        kind = type(m)
        if kind in builders:
            out = builders[kind](m)
        else:
            children = [(name, build(child)) for name, child in m.named_children()]
            if kind is Sequential:
                out = torch.nn.Sequential(OrderedDict(children))
            else:
                out = torch.nn.ModuleList() if kind is ModuleList else torch.nn.Module()
                for name, child in children:
                    out.add_module(name, child)
        built[id(m)] = out
        return out

    # Built on the meta device (no memory, no random init); the weights are then assigned.
    with torch.device("meta"):
        result = build(module)
    copies: dict[int, Any] = {}  # one torch tensor per nn tensor, so tied ones stay tied
    state = OrderedDict()
    for key in result.state_dict(keep_vars=True):  # torch lists a shared module twice
        t = _nn_lookup(module, key)
        if id(t) not in copies:
            copies[id(t)] = torch.from_numpy(np.array(t.data, copy=True))
        state[key] = copies[id(t)]
    result.load_state_dict(state, strict=True, assign=True)
    ours = module._state_tensors()
    _tie(result, ours, _torch_set_parameter)
    for key, t in ours.items():
        if t.requires_grad != _torch_lookup(result, key).requires_grad:
            _torch_lookup(result, key).requires_grad_(t.requires_grad)
    for path, m in module.named_modules():
        result.get_submodule(path).training = m.training
    return result


def _torch_lookup(model: Any, key: str) -> Any:
    path, _, name = key.rpartition(".")
    return getattr(model.get_submodule(path), name)


def _torch_set_parameter(model: Any, key: str, value: Any) -> None:
    path, _, name = key.rpartition(".")
    setattr(model.get_submodule(path), name, value)


# -- torch -> nn ----------------------------------------------------------------------------


def _refuse_options(m: Any, where: str, **allowed: Any) -> None:
    """ValueError naming each option of torch layer ``m`` that differs from what nn can do."""
    wrong = [
        f"{name}={getattr(m, name)!r} (nn supports {value!r} only)"
        for name, value in allowed.items()
        if getattr(m, name) != value
    ]
    if wrong:
        raise ValueError(
            f"from_torch: {where} ({type(m).__name__}) uses an option nn does not have: "
            + ", ".join(wrong)
        )


def _conv_from_torch(m: Any, where: str) -> Conv2d:
    _refuse_options(m, where, groups=1, dilation=(1, 1), padding_mode="zeros")
    padding = m.padding
    if padding == "valid":
        padding = (0, 0)
    elif padding == "same":  # stride 1 (PyTorch insists): symmetric when the kernel is odd
        if any(k % 2 == 0 for k in m.kernel_size):
            raise ValueError(
                f"from_torch: {where} (Conv2d) uses padding='same' with the even kernel "
                f"{m.kernel_size}, which pads unevenly; nn pads both sides alike"
            )
        padding = tuple(k // 2 for k in m.kernel_size)
    return Conv2d(
        m.in_channels,
        m.out_channels,
        m.kernel_size,
        stride=m.stride,
        padding=padding,
        bias=m.bias is not None,
    )


def _pool_from_torch(cls: type, m: Any, where: str, **allowed: Any) -> Module:
    _refuse_options(m, where, ceil_mode=False, **allowed)
    return cls(m.kernel_size, stride=m.stride, padding=m.padding)


def _softmax_from_torch(cls: type, m: Any, where: str) -> Module:
    if m.dim is None:
        raise ValueError(
            f"from_torch: {where} ({type(m).__name__}) has dim=None, PyTorch's deprecated "
            f"implicit choice of axis; give the dim explicitly"
        )
    return cls(dim=m.dim)


def _from_torch_builders(torch: Any) -> dict[type, Callable[[Any, str], Module]]:
    tnn = torch.nn

    def batch_norm(cls: type) -> Callable[[Any, str], Module]:
        def build(m: Any, where: str) -> Module:
            if m.affine and m.bias is None:  # torch's newer BatchNorm(..., bias=False)
                raise ValueError(
                    f"from_torch: {where} ({type(m).__name__}) uses bias=False, an option nn "
                    f"does not have (its affine BatchNorm always has a bias)"
                )
            return cls(
                m.num_features,
                eps=m.eps,
                momentum=m.momentum,
                affine=m.affine,
                track_running_stats=m.track_running_stats,
            )

        return build

    return {
        tnn.Linear: lambda m, where: Linear(m.in_features, m.out_features, m.bias is not None),
        tnn.Conv2d: _conv_from_torch,
        tnn.MaxPool2d: lambda m, where: _pool_from_torch(
            MaxPool2d, m, where, dilation=1, return_indices=False
        ),
        tnn.AvgPool2d: lambda m, where: _pool_from_torch(
            AvgPool2d, m, where, count_include_pad=True, divisor_override=None
        ),
        tnn.BatchNorm1d: batch_norm(BatchNorm1d),
        tnn.BatchNorm2d: batch_norm(BatchNorm2d),
        tnn.Dropout: lambda m, where: Dropout(m.p),
        tnn.Flatten: lambda m, where: Flatten(m.start_dim, m.end_dim),
        tnn.Identity: lambda m, where: Identity(),
        tnn.ReLU: lambda m, where: ReLU(),
        tnn.LeakyReLU: lambda m, where: LeakyReLU(m.negative_slope),
        tnn.Sigmoid: lambda m, where: Sigmoid(),
        tnn.Tanh: lambda m, where: Tanh(),
        tnn.ELU: lambda m, where: ELU(m.alpha),
        tnn.GELU: lambda m, where: GELU(approximate=m.approximate),
        tnn.Softmax: lambda m, where: _softmax_from_torch(Softmax, m, where),
        tnn.LogSoftmax: lambda m, where: _softmax_from_torch(LogSoftmax, m, where),
        _torch_maxout(): lambda m, where: Maxout(
            m.linear.in_features, m.out_features, m.num_pieces
        ),
    }


def from_torch(torch_module: Any) -> Module:
    """The same model as an nn ``Module``: the reverse of :func:`to_torch`, for the same
    layers (``torch.nn.Sequential``, ``ModuleList``, a plain ``Module`` holding children,
    and the torch counterparts of nn's layers and activations). Values are copied with their
    dtype; train/eval mode, ``requires_grad`` and tied parameters carry over.

    Raises ``TypeError`` listing every module it cannot convert (by dotted path), and
    ``ValueError`` naming a layer option nn does not have (e.g. ``dilation=2``).

    Examples
    --------
    Needs the ``torch`` extra (``pip install "autograd-lite[torch]"``).

    >>> import torch
    >>> twin = torch.nn.Sequential(torch.nn.Linear(4, 2), torch.nn.Tanh())
    >>> model = nn.export.from_torch(twin)
    >>> model
    Sequential(
      (0): Linear(in_features=4, out_features=2, bias=True)
      (1): Tanh()
    )
    >>> np.array_equal(model[0].weight.numpy(), twin[0].weight.detach().numpy())
    True
    """
    torch = _torch("from_torch")
    if not isinstance(torch_module, torch.nn.Module):
        raise TypeError(
            f"from_torch: expected a torch.nn.Module, got {type(torch_module).__name__}"
        )
    builders = _from_torch_builders(torch)
    containers = (torch.nn.Sequential, torch.nn.ModuleList, torch.nn.Module)
    _refuse_unknown(torch_module, set(builders) | set(containers), "from_torch", "torch.nn")

    built: dict[int, Module] = {}  # a module used twice becomes one nn module used twice

    def build(m: Any, path: str) -> Module:
        if id(m) in built:
            return built[id(m)]
        kind = type(m)
        where = repr(path) if path else "the model itself"
        if kind in builders:
            out = builders[kind](m, where)
        else:
            children = [
                (name, build(child, f"{path}.{name}" if path else name))
                for name, child in m._modules.items()  # (named_children skips a repeated one)
                if child is not None
            ]
            if kind is torch.nn.Sequential:
                out = Sequential(OrderedDict(children))
            else:
                out = ModuleList() if kind is torch.nn.ModuleList else Module()
                for name, child in children:
                    out.add_module(name, child)
        built[id(m)] = out
        return out

    result = build(torch_module, "")
    ours = result._state_tensors()
    theirs = torch_module.state_dict(keep_vars=True)
    if any(key not in theirs for key in ours):  # a bug here, not the user's: say so plainly
        raise RuntimeError(
            f"from_torch: state_dict keys differ after conversion: {list(ours)} vs {list(theirs)}"
        )
    arrays: dict[int, np.ndarray] = {}  # one array per torch tensor, so tied ones stay tied
    for key, t in ours.items():
        source = theirs[key]
        if id(source) not in arrays:
            arrays[id(source)] = source.detach().cpu().numpy().copy()
        t.data = arrays[id(source)]
        if isinstance(source, torch.nn.Parameter):
            t.requires_grad_(source.requires_grad)
    _tie(result, {k: theirs[k] for k in ours}, _nn_set_parameter)
    for path, m in torch_module.named_modules():
        object.__setattr__(_nn_submodule(result, path), "training", m.training)
    return result


def _nn_lookup(model: Module, key: str) -> Any:
    path, _, name = key.rpartition(".")
    return getattr(_nn_submodule(model, path), name)


def _nn_submodule(model: Module, path: str) -> Module:
    for name in filter(None, path.split(".")):
        model = model._modules[name]
    return model


def _nn_set_parameter(model: Module, key: str, value: Any) -> None:
    path, _, name = key.rpartition(".")
    _nn_submodule(model, path).register_parameter(name, value)


# -- shared ---------------------------------------------------------------------------------


def _refuse_unknown(model: Any, known: set[type], where: str, library: str) -> None:
    """TypeError listing every module of ``model`` whose exact class is not in ``known``."""
    unknown = []
    for path, m in model.named_modules():
        name = f"{path!r}" if path else "the model itself"
        if type(m) not in known:
            unknown.append(f"{name} ({type(m).__qualname__})")
        elif getattr(m, "_forward_hooks", None) or getattr(m, "_forward_pre_hooks", None):
            unknown.append(f"{name} ({type(m).__qualname__} with forward hooks)")
    if unknown:
        target = "PyTorch" if library == "nn" else "nn"
        raise TypeError(
            f"{where}: no {target} equivalent is known for {len(unknown)} module(s): "
            + ", ".join(unknown)
            + f". {where} converts {library}'s own layers and containers by exact class; a "
            "module with its own forward (or a subclass of a layer) could compute anything, so "
            "it is not guessed. Write that class in the other library with the same attribute "
            "names and move the weights: nn.save(model, 'm.safetensors'), then "
            "load_state_dict(safetensors.torch.load_file('m.safetensors')) (or the reverse "
            "with nn.load)"
        )


def _tie(model: Any, source: Mapping[str, Any], set_parameter: Callable) -> None:
    """Where one tensor of ``source`` (the model converted from) sits under several keys, make
    ``model``'s parameters under those keys one object again."""
    first: dict[int, str] = {}
    for key, t in source.items():
        if id(t) in first:
            set_parameter(model, key, _lookup(model, first[id(t)]))
        else:
            first[id(t)] = key


def _lookup(model: Any, key: str) -> Any:
    return _nn_lookup(model, key) if isinstance(model, Module) else _torch_lookup(model, key)
