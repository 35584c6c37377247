"""Module: the base class of every layer and model, and Parameter, a tensor it trains.

A module owns parameters (``Parameter`` tensors), buffers (tensors it keeps but does not
train, e.g. BatchNorm's running mean) and submodules, all registered simply by
assigning them as attributes::

    class TwoLayerNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(784, 100)     # a submodule, named "fc1"
            self.fc2 = nn.Linear(100, 10)

        def forward(self, x):
            return self.fc2(nn.functional.relu(self.fc1(x)))

Names follow PyTorch: ``named_parameters()`` yields ``"fc1.weight"``, ``"fc1.bias"``, ...,
and ``state_dict()`` has the same keys as PyTorch's for the same architecture.

Name scopes. ``module(x)`` runs ``forward`` inside ``autograd_lite.name_scope(name)``, so
every graph node it records knows which module made it (``node.scope``), and the graph
drawing groups nodes into one box per module. A module's scope name is the attribute name
its parent registered it under ("fc1", or "0" in a Sequential); a module that was never
registered (the model you call) uses its class name. Scopes nest, so the ReLU inside
``model = Sequential(Linear, ReLU)`` records ``("Sequential", "1")``.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, NamedTuple, Self

import numpy as np

import autograd_lite
from autograd_lite import ShapeError, Tensor
from autograd_lite.data_array import DataArray

# -- Parameter ---------------------------------------------------------------------------


class Parameter(Tensor):
    """A tensor that is a trainable weight of a module: ``requires_grad=True`` by default,
    and registered as a parameter when assigned to a module attribute.

    ``Parameter(data)`` shares ``data``'s array when it is a Tensor or ndarray (no copy).
    Ops on a parameter return ordinary tensors.

    Examples
    --------
    >>> w = nn.Parameter(al.zeros(2, 3))
    >>> w.requires_grad, w.shape
    (True, (2, 3))
    """

    # Tensor has __slots__; an empty __slots__ keeps Parameter as small (no __dict__).
    __slots__ = ()

    # p.data and p.grad.data are DataArrays, ndarrays with PyTorch's in-place methods, so
    # the blitz's f.data.sub_(f.grad.data * lr) and p.grad.data.zero_() run
    # (autograd_lite/data_array.py). Each array is viewed as one when it is stored, so that
    # reading .data and .grad stays the slot's own (C) read, as fast as a plain tensor's.
    def __setattr__(self, name: str, value: Any) -> None:
        if name == "data" and type(value) is np.ndarray:
            value = value.view(DataArray)
        elif (
            name == "_grad"
            and isinstance(value, Tensor)
            and value._node is None  # (a gradient recorded by create_graph stays as it is)
            and type(value.data) is np.ndarray
        ):
            value.data = value.data.view(DataArray)
        object.__setattr__(self, name, value)

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        if data is None:
            data = np.empty(0, dtype=autograd_lite.get_default_dtype())
        super().__init__(data.data if isinstance(data, Tensor) else data)
        if requires_grad:
            self.requires_grad_(True)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


# -- Module -----------------------------------------------------------------------------


class IncompatibleKeys(NamedTuple):
    """What ``load_state_dict(strict=False)`` skipped (PyTorch returns the same pair)."""

    missing_keys: list[str]
    unexpected_keys: list[str]


# What Module.__init__ sets up: never the name of a parameter, buffer or submodule.
_MACHINERY = frozenset(
    {"training", "_parameters", "_buffers", "_non_persistent", "_modules", "_name"}
)


class Module:
    """Base class of layers and models. Subclasses call ``super().__init__()`` first, assign
    parameters, buffers (``register_buffer``) and submodules as attributes, and define
    ``forward``. Call the module (``model(x)``), not ``forward``.

    Shape: whatever the subclass's ``forward`` takes and returns.

    Examples
    --------
    >>> class TwoLayer(nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.hidden = nn.Linear(4, 8)
    ...         self.out = nn.Linear(8, 2)
    ...     def forward(self, x):
    ...         return self.out(self.hidden(x).relu())
    >>> model = TwoLayer()
    >>> [name for name, _ in model.named_parameters()]
    ['hidden.weight', 'hidden.bias', 'out.weight', 'out.bias']
    >>> model(al.ones(3, 4)).shape
    (3, 2)
    """

    training: bool

    def __init__(self) -> None:
        # object.__setattr__: our own __setattr__ needs these dicts to exist already.
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_name", None)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        kind = type(self).__name__
        with autograd_lite.name_scope(self._name or kind, kind):
            return self.forward(*args, **kwargs)

    # -- registration by attribute assignment ------------------------------------------

    def __setattr__(self, name: str, value: Any) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(
                f"cannot assign {name!r} before Module.__init__() is called: call "
                f"super().__init__() first in {type(self).__name__}.__init__"
            )
        if isinstance(value, Parameter):
            self._check_name(name, "parameter", "setattr", None)
            self._set_parameter(name, value)
        elif isinstance(value, Module):
            self._check_name(name, "module", "setattr", None)
            self._set_module(name, value)
        elif name in self._buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign {type(value).__name__} to buffer {name!r}")
            self._buffers[name] = value
        elif name in self._parameters or name in self._modules:
            if value is not None:
                kind = "parameter" if name in self._parameters else "submodule"
                raise TypeError(
                    f"cannot assign {type(value).__name__} to {kind} {name!r} of "
                    f"{type(self).__name__} (expected a "
                    f"{'Parameter' if kind == 'parameter' else 'Module'} or None)"
                )
            (self._parameters if name in self._parameters else self._modules)[name] = None
        else:
            object.__setattr__(self, name, value)

    def _check_name(self, name: Any, kind: str, where: str, store: dict | None) -> None:
        """PyTorch's rules for the name of a parameter, buffer or submodule, checked before
        anything changes: a str, without "." (state_dict keys join names with dots, so
        "a.b" could never be loaded back) and not empty; not the name of something else the
        module has -- its own machinery (``_parameters``, ``training``, ...), a method -- or,
        for the ``register_*`` functions (``store`` given), any other attribute. Attribute
        assignment replaces a plain attribute, as in PyTorch."""
        if not isinstance(name, str):
            raise TypeError(f"{where}: {kind} name should be a string, got {type(name).__name__}")
        if "." in name:
            raise KeyError(f'{where}: {kind} name can\'t contain ".", got: {name!r}')
        if name == "":
            raise KeyError(f'{where}: {kind} name can\'t be empty string ""')
        taken = name in _MACHINERY or hasattr(type(self), name)
        if store is not None and not taken:
            taken = hasattr(self, name) and name not in store
        if taken:
            raise KeyError(
                f"{where}: attribute {name!r} already exists in {type(self).__name__}; "
                f"choose another {kind} name"
            )

    def _register(self, store: str, name: str, value: Any) -> None:
        # An attribute lives in exactly one place: drop it from the others. In its own store
        # it keeps its position (a ModuleList slot that is replaced stays in its place).
        d = self.__dict__
        d.pop(name, None)
        for other in ("_parameters", "_buffers", "_modules"):
            if other != store:
                d[other].pop(name, None)
        if store != "_buffers":
            self._non_persistent.discard(name)
        d[store][name] = value

    def _set_parameter(self, name: str, param: Parameter | None) -> None:
        self._register("_parameters", name, param)
        if param is not None and param.name is None:
            param.name = name  # graph drawings label it "weight", "bias", ...

    def _set_module(self, name: str, module: Module | None) -> None:
        self._register("_modules", name, module)
        if module is not None:
            object.__setattr__(module, "_name", name)  # its name scope

    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails: look in the registries.
        d = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            if store in d and name in d[store]:
                return d[store][name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __delattr__(self, name: str) -> None:
        for store in (self._parameters, self._buffers, self._modules):
            if name in store:
                del store[name]
                self._non_persistent.discard(name)
                return
        object.__delattr__(self, name)

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Keep ``tensor`` as state that is not trained (in ``state_dict`` unless
        ``persistent=False``, converted by ``to()``), e.g. running statistics.

        Examples
        --------
        >>> class Counter(nn.Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.register_buffer("count", al.zeros(1))
        ...     def forward(self, x):
        ...         self.count += 1
        ...         return x
        >>> m = Counter()
        >>> _ = m(al.ones(1)); _ = m(al.ones(1))
        >>> m.state_dict()["count"], list(m.parameters())
        (tensor([2.]), [])
        """
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"register_buffer: {name!r} must be a Tensor or None, got {type(tensor).__name__}"
            )
        self._check_name(name, "buffer", "register_buffer", self._buffers)
        self._register("_buffers", name, tensor)
        if persistent:
            self._non_persistent.discard(name)
        else:
            self._non_persistent.add(name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a parameter (or None, a declared-but-absent one such as a disabled bias)."""
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"register_parameter: {name!r} must be a Parameter or None, got "
                f"{type(param).__name__}"
            )
        self._check_name(name, "parameter", "register_parameter", self._parameters)
        self._set_parameter(name, param)

    def add_module(self, name: str, module: Module | None) -> None:
        """Register a submodule under ``name`` (what attribute assignment does)."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: {name!r} must be a Module, got {type(module).__name__}")
        self._check_name(name, "module", "add_module", self._modules)
        self._set_module(name, module)

    # -- walking the tree ---------------------------------------------------------------

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """(dotted name, module) for this module ("" for itself) and every descendant,
        depth first, each module once.

        Examples
        --------
        >>> model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
        >>> [name for name, _ in model.named_modules()]
        ['', '0', '1', '2']
        """
        seen: set[int] = set()
        stack = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            children = [
                (f"{name}.{child_name}" if name else child_name, child)
                for child_name, child in module._modules.items()
                if child is not None
            ]
            stack.extend(reversed(children))

    def modules(self) -> Iterator[Module]:
        """This module and every descendant."""
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """(name, module) for the direct submodules, in registration order."""
        for name, module in self._modules.items():
            if module is not None:
                yield name, module

    def children(self) -> Iterator[Module]:
        for _, module in self.named_children():
            yield module

    def _named_members(self, store: str, recurse: bool) -> Iterator[tuple[str, Tensor]]:
        seen: set[int] = set()
        mods = self.named_modules() if recurse else iter([("", self)])
        for prefix, module in mods:
            for name, t in getattr(module, store).items():
                if t is None or id(t) in seen:
                    continue
                seen.add(id(t))  # a shared (tied) parameter is listed once
                yield (f"{prefix}.{name}" if prefix else name), t

    def named_parameters(self, recurse: bool = True) -> Iterator[tuple[str, Parameter]]:
        """(dotted name, parameter), e.g. ("0.weight", ...), in registration order.

        Examples
        --------
        >>> model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
        >>> [(name, p.shape) for name, p in model.named_parameters()]
        [('0.weight', (3, 2)), ('0.bias', (3,)), ('2.weight', (1, 3)), ('2.bias', (1,))]
        """
        yield from self._named_members("_parameters", recurse)  # type: ignore[misc]

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Every parameter of this module and its descendants (give them to an optimizer).

        Examples
        --------
        >>> model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
        >>> optimizer = nn.optim.SGD(model.parameters(), lr=0.1)
        >>> sum(p.numel() for p in model.parameters())
        13
        """
        for _, p in self.named_parameters(recurse):
            yield p

    def named_buffers(self, recurse: bool = True) -> Iterator[tuple[str, Tensor]]:
        yield from self._named_members("_buffers", recurse)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, b in self.named_buffers(recurse):
            yield b

    def num_parameters(self, trainable_only: bool = False) -> int:
        """How many numbers the model has to learn: the total size of its parameters.

        Examples
        --------
        >>> model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
        >>> model.num_parameters()
        13
        """
        return sum(p.data.size for p in self.parameters() if p.requires_grad or not trainable_only)

    # -- training state ---------------------------------------------------------------------

    def train(self, mode: bool = True) -> Module:
        """Set training mode (dropout drops, batch norm uses batch statistics) here and in
        every descendant. Returns self.

        Examples
        --------
        >>> model = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5))
        >>> model.eval().training, model[1].training
        (False, False)
        >>> model.train().training
        True
        """
        for module in self.modules():
            object.__setattr__(module, "training", bool(mode))
        return self

    def eval(self) -> Module:
        """Evaluation mode: ``train(False)``.

        Examples
        --------
        >>> drop = nn.Dropout(0.5).eval()
        >>> drop(al.ones(3))
        tensor([1., 1., 1.])
        """
        return self.train(False)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients of all parameters (set to None, or to zeros).

        Examples
        --------
        >>> layer = nn.Linear(2, 1)
        >>> layer(al.ones(1, 2)).sum().backward()
        >>> layer.weight.grad
        tensor([[1., 1.]])
        >>> layer.zero_grad()
        >>> layer.weight.grad is None
        True
        """
        for p in self.parameters():
            if set_to_none:
                p.grad = None
            elif p.grad is not None:
                p.grad = autograd_lite.zeros_like(p)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Freeze (False) or unfreeze all parameters. Returns self.

        Examples
        --------
        >>> model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
        >>> _ = model[0].requires_grad_(False)  # freeze the first layer
        >>> [p.requires_grad for p in model.parameters()]
        [False, False, True, True]
        """
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def apply(self, fn: Callable[[Module], None]) -> Module:
        """Call ``fn`` on every descendant and then on self (e.g. custom initialization).

        Examples
        --------
        >>> model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
        >>> def init(m):
        ...     if isinstance(m, nn.Linear):
        ...         nn.init.zeros_(m.bias)
        >>> _ = model.apply(init)
        >>> model[0].bias
        Parameter containing:
        tensor([0., 0., 0.], requires_grad=True, name='bias')
        """
        for module in reversed(list(self.modules())):
            fn(module)
        return self

    # -- dtype ---------------------------------------------------------------------------------

    def to(self, *args: Any, dtype: Any = None, device: Any = None) -> Module:
        """Convert floating-point parameters, their gradients and buffers to ``dtype``, in
        place (the Parameter objects stay the same, so an optimizer keeps working).
        PyTorch's forms: ``to(dtype)``, ``to("cpu")``, ``to(device, dtype)``; the CPU is the
        only device (others are refused by ``autograd_lite.device``).

        Examples
        --------
        >>> layer = nn.Linear(2, 1).to(np.float64)
        >>> layer.weight.dtype
        dtype('float64')
        """
        for arg in args:
            if isinstance(arg, (str, autograd_lite.device)):
                device = arg
            else:
                dtype = arg
        if device is not None:
            autograd_lite.device(device)
        if dtype is None:
            return self
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise TypeError(f"Module.to: expected a floating dtype, got {dtype}")
        for t in [*self.parameters(), *self.buffers()]:
            if t.data.dtype.kind == "f":
                t.data = t.data.astype(dtype, copy=False)
                if t.grad is not None:
                    t.grad = autograd_lite.Tensor(t.grad.data.astype(dtype, copy=False))
        return self

    def float(self) -> Module:
        """Convert to float32 (``to(np.float32)``)."""
        return self.to(np.float32)

    def double(self) -> Module:
        """Convert to float64 (``to(np.float64)``), e.g. for gradcheck."""
        return self.to(np.float64)

    # -- state_dict ------------------------------------------------------------------------------

    def state_dict(self) -> OrderedDict[str, Tensor]:
        """Name -> tensor for every parameter and persistent buffer, with PyTorch's keys
        ("0.weight", "2.running_mean", ...). The tensors share memory with the module's.

        Examples
        --------
        >>> model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
        >>> {name: t.shape for name, t in model.state_dict().items()}
        {'0.weight': (3, 2), '0.bias': (3,), '2.weight': (1, 3), '2.bias': (1,)}
        """
        return OrderedDict((k, t.detach()) for k, t in self._state_tensors().items())

    def load_state_dict(
        self, state_dict: Mapping[str, Any], strict: bool = True
    ) -> IncompatibleKeys:
        """Copy values from ``state_dict`` into this module's parameters and buffers.

        Every key and shape is checked first and nothing is changed unless all fit; the
        values are copied in place (each tensor's version goes up, as after ``copy_``, so a
        backward through a graph recorded before refuses to use them). The
        error (a ``ValueError``; a ``ShapeError`` if some shape differs) names every missing,
        unexpected and mis-shaped key. With ``strict=False`` missing and unexpected keys
        are allowed (and returned); shapes must still match.

        Examples
        --------
        >>> a, b = nn.Linear(2, 1), nn.Linear(2, 1)
        >>> b.load_state_dict(a.state_dict())
        IncompatibleKeys(missing_keys=[], unexpected_keys=[])
        >>> al.equal(a.weight, b.weight)
        True
        """
        own = self._state_tensors()
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        mismatched = []
        non_numeric = []
        for key, target in own.items():
            if key in state_dict:
                value = np.asarray(state_dict[key])  # a Tensor's own array (no copy)
                if value.dtype.kind not in "biuf":
                    non_numeric.append(f"{key!r} holds {value.dtype} values, not numbers")
                shape = np.shape(value)
                if shape != target.shape:
                    mismatched.append(
                        f"{key!r}: checkpoint has shape {tuple(shape)}, model has "
                        f"{tuple(target.shape)}"
                    )
        problems = []
        if strict and missing:
            problems.append("missing keys: " + ", ".join(repr(k) for k in missing))
        if strict and unexpected:
            problems.append("unexpected keys: " + ", ".join(repr(k) for k in unexpected))
        if mismatched:
            problems.append("shape mismatch for " + "; ".join(mismatched))
        if non_numeric:
            problems.append("non-numeric entries: " + "; ".join(non_numeric))
        if problems:
            cls = ShapeError if mismatched else ValueError
            raise cls(
                f"load_state_dict: error(s) loading state_dict for {type(self).__name__}:\n  "
                + "\n  ".join(problems)
            )
        for key, target in own.items():
            if key in state_dict:
                # In place, so optimizers and other references see the loaded values; and
                # counted, as PyTorch's copy_ is, so a graph recorded before refuses them.
                target.data[...] = np.asarray(state_dict[key])
                autograd_lite.increment_version(target)
        return IncompatibleKeys(missing, unexpected)

    def _state_tensors(self) -> OrderedDict[str, Tensor]:
        # The module's own tensors (not detached copies), by state_dict key.
        out: OrderedDict[str, Tensor] = OrderedDict()
        for prefix, module in self.named_modules():
            dot = f"{prefix}." if prefix else ""
            for name, p in module._parameters.items():
                if p is not None:
                    out[dot + name] = p
            for name, b in module._buffers.items():
                if b is not None and name not in module._non_persistent:
                    out[dot + name] = b
        return out

    # -- repr -------------------------------------------------------------------------------------

    def extra_repr(self) -> str:
        """The text inside the parentheses of ``repr`` (the layer's settings)."""
        return ""

    def __repr__(self) -> str:
        lines = []
        for name, module in self._modules.items():
            child = repr(module).replace("\n", "\n  ")  # indent nested modules
            lines.append(f"({name}): {child}")
        extra = self.extra_repr()
        if not lines:
            return f"{type(self).__name__}({extra})"
        body = "\n  ".join(([extra] if extra else []) + lines)
        return f"{type(self).__name__}(\n  {body}\n)"

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), *self._parameters, *self._buffers, *self._modules})


# -- containers --------------------------------------------------------------------------------


class _ModuleSequence(Module):
    """What Sequential and ModuleList share: children named "0", "1", ... in order, ``len``,
    iteration and ``append``."""

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def append(self, module: Module) -> Self:
        """Add a module at the end (named by its position). Returns self."""
        where = f"{type(self).__name__}.append"
        self.add_module(str(len(self)), _check_module(module, where))
        return self


class Sequential(_ModuleSequence):
    """Modules applied one after another: ``Sequential(Linear(2, 100), ReLU(), Linear(100, 3))``.

    Children are named "0", "1", ... (so parameters are "0.weight", "0.bias", "2.weight", ...),
    or by the keys of an OrderedDict. Supports ``len``, indexing, slicing, iteration, append.

    Shape: the input shape of the first module, the output shape of the last.

    Examples
    --------
    >>> model = nn.Sequential(nn.Linear(2, 100), nn.ReLU(), nn.Linear(100, 3))
    >>> model(al.ones(5, 2)).shape
    (5, 3)
    >>> [name for name, _ in model.named_parameters()]
    ['0.weight', '0.bias', '2.weight', '2.bias']
    >>> model[0]
    Linear(in_features=2, out_features=100, bias=True)
    """

    def __init__(self, *modules: Module | OrderedDict[str, Module]) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            for name, module in modules[0].items():
                self.add_module(name, _check_module(module, "Sequential"))
        else:
            for i, module in enumerate(modules):
                self.add_module(str(i), _check_module(module, "Sequential"))

    def forward(self, x: Any) -> Any:
        for module in self._modules.values():
            x = module(x)
        return x

    def __getitem__(self, index: int | slice) -> Any:
        items = list(self._modules.items())
        if isinstance(index, slice):
            return Sequential(OrderedDict(items[index]))  # same names, so same scopes
        return items[_index(index, len(items), "Sequential")][1]

    def __setitem__(self, index: int, module: Module) -> None:
        """Replace the module at ``index`` (``model[2] = Linear(8, 2)``), keeping its name."""
        names = list(self._modules)
        name = names[_index(index, len(names), "Sequential")]
        setattr(self, name, _check_module(module, "Sequential"))


class ModuleList(_ModuleSequence):
    """A list of modules whose parameters are registered (a plain Python list hides them
    from ``parameters()``). Children are named "0", "1", ...; it has no forward.

    Shape: it has no forward, so no shapes of its own.

    Examples
    --------
    >>> layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    >>> len(layers), len(list(layers.parameters()))
    (3, 6)
    """

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, index: int | slice) -> Any:
        items = list(self._modules.values())
        if isinstance(index, slice):
            view = ModuleList()
            for i, module in enumerate(items[index]):
                # Not add_module: a slice must not rename the modules' scopes.
                view._modules[str(i)] = module
            return view
        return items[_index(index, len(items), "ModuleList")]

    def __setitem__(self, index: int, module: Module) -> None:
        i = _index(index, len(self), "ModuleList")
        self.add_module(str(i), _check_module(module, "ModuleList"))

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        for module in modules:
            self.append(module)
        return self


def _check_module(module: Any, where: str) -> Module:
    if not isinstance(module, Module):
        raise TypeError(f"{where}: expected a Module, got {type(module).__name__}")
    return module


def _index(index: int, length: int, where: str) -> int:
    if not -length <= index < length:
        raise IndexError(f"{where}: index {index} is out of range for {length} module(s)")
    return index % length
