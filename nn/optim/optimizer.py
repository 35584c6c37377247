"""Optimizer: the base class that holds parameters and their state, and runs the updates.

An optimizer changes parameters in the direction that lowers the loss, using the
gradients ``backward()`` left in each parameter's ``.grad``::

    opt = nn.optim.SGD(model.parameters(), lr=0.1)
    for xb, yb in loader:
        loss = loss_fn(model(xb), yb)
        opt.zero_grad()          # gradients accumulate: clear last step's
        loss.backward()          # fill p.grad for every parameter
        opt.step()               # p <- p - lr * p.grad (for SGD)

Parameters come in *groups* (``param_groups``), each a dict with its parameters under
``"params"`` and its own hyperparameters (``"lr"``, ...), so that, e.g., the last layer can
learn faster than the others::

    SGD([{"params": body.parameters()}, {"params": head.parameters(), "lr": 0.1}], lr=0.01)

Per-parameter memory (momentum buffers, running averages) lives in ``state[p]``, a dict of
NumPy arrays. Updates work on ``p.data`` in place with vectorized NumPy, so a float32
parameter stays float32 and no graph is recorded; ``step`` then counts the change in each
parameter's version counter (``autograd_lite.increment_version``), so a graph recorded before
the step refuses to backpropagate through the old values, as in PyTorch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from autograd_lite import Tensor, enable_grad, increment_version, no_grad

ParamsT = Iterable[Tensor] | Iterable[dict[str, Any]]


def hyperparameters(init_locals: dict[str, Any]) -> dict[str, Any]:
    """An optimizer's ``defaults`` from its ``__init__``'s ``locals()``: every argument but
    ``self`` and ``params``, in the signature's order. The signature, spelled out as PyTorch's
    for help() and IDEs, is then the one list of a class's hyperparameters::

        def __init__(self, params, lr=1e-3, momentum=0.0):
            super().__init__(params, hyperparameters(locals()))  # {"lr": ..., "momentum": ...}

    Call it before defining any other local (an argument may be normalized first).
    """
    return {k: v for k, v in init_locals.items() if k not in ("self", "params", "__class__")}


class Optimizer:
    """Base class of the optimizers.

    Subclasses call ``super().__init__(params, defaults)`` (``hyperparameters(locals())``
    builds ``defaults`` from their ``__init__`` arguments) and implement
    ``_update(p, grad, state, group)``: one parameter's update, in place on its array ``p``
    (``grad`` is an array too).

    Attributes
    ----------
    param_groups
        list of dicts, each ``{"params": [Tensor, ...], "lr": ..., ...}``.
    state
        ``{parameter: {"step": int, "<buffer>": ndarray, ...}}``.
    defaults
        the hyperparameters a group gets when it does not set them.

    Examples
    --------
    Plain gradient descent as a subclass:

    >>> class GD(nn.optim.Optimizer):
    ...     def __init__(self, params, lr=0.1):
    ...         super().__init__(params, {"lr": lr})
    ...     def _update(self, p, grad, state, group):
    ...         p -= group["lr"] * grad    # p, grad: the parameter's NumPy arrays
    >>> w = al.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = GD([w], lr=0.25)
    >>> (w * w).sum().backward()
    >>> opt.step()
    >>> w
    tensor([ 0.5, -1. ], requires_grad=True)
    >>> opt.param_groups[0]["lr"]
    0.25
    """

    def __init__(self, params: ParamsT, defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self.state: dict[Tensor, dict[str, Any]] = {}
        self.param_groups: list[dict[str, Any]] = []
        name = type(self).__name__
        if isinstance(params, Tensor):
            raise TypeError(
                f"{name}: params must be an iterable of Tensors or of dicts (param groups), "
                "got a single Tensor; pass [tensor] or model.parameters()"
            )
        if isinstance(params, dict):
            params = [params]
        groups = list(params)
        if not groups:
            raise ValueError(f"{name}: got an empty parameter list (nothing to optimize)")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # -- parameter groups ----------------------------------------------------------------

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group ``{"params": ..., <hyperparameter>: value}``; unset hyperparameters
        take the optimizer's defaults. Useful to unfreeze layers while training."""
        name = type(self).__name__
        if not isinstance(param_group, dict):
            raise TypeError(f"{name}: a param group must be a dict, got {type(param_group)}")
        group = dict(param_group)
        if "params" not in group:
            raise ValueError(f"{name}: a param group needs a 'params' entry")
        params = group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        if not params:
            raise ValueError(f"{name}: got an empty parameter list (nothing to optimize)")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError(
                    f"{name}: parameter {i} is a {type(p).__name__}, not a Tensor "
                    "(pass model.parameters() or a list of Tensors)"
                )
            if not p.requires_grad:
                raise ValueError(
                    f"{name}: parameter {i} (shape {p.shape}) does not require grad, so it "
                    "would never change; pass only trainable tensors (requires_grad=True)"
                )
            if not p.is_leaf:
                raise ValueError(
                    f"{name}: parameter {i} (shape {p.shape}) is not a leaf tensor (it was "
                    "computed by an op); optimize the tensors it was computed from"
                )
            if id(p) in seen:
                raise ValueError(
                    f"{name}: parameter {i} (shape {p.shape}) appears twice (in this group "
                    "or in an earlier one); each parameter may be given once"
                )
            seen.add(id(p))
        group["params"] = params
        for key, default in self.defaults.items():
            group.setdefault(key, default)
        self._check_hyperparameters(group)
        self.param_groups.append(group)

    # Hyperparameters that must be real numbers >= 0 (a subclass adds its own).
    non_negative: tuple[str, ...] = ("lr", "eps", "weight_decay")

    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        """Raise a ValueError naming the optimizer and the value for a bad setting."""
        name = type(self).__name__
        for key in self.non_negative:
            value = group.get(key, 0.0)
            if isinstance(value, bool) or not isinstance(
                value, (int, float, np.integer, np.floating)
            ):
                raise TypeError(
                    f"{name}: {key} must be a real number, got {type(value).__name__} {value!r}"
                )
            if key in group and not group[key] >= 0.0:
                raise ValueError(f"{name}: {key} must be >= 0, got {key}={group[key]!r}")

    # -- the update ------------------------------------------------------------------------

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's gradient: set it to None (the default, no memory kept and
        a missing gradient is visible) or fill it with zeros (``set_to_none=False``).

        Examples
        --------
        >>> w = al.tensor([1.0], requires_grad=True)
        >>> opt = nn.optim.SGD([w], lr=0.1)
        >>> (w * 2).sum().backward()
        >>> opt.zero_grad()
        >>> w.grad is None
        True
        """
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none:
                    p.grad = None
                elif p.grad is not None:
                    p.grad.data[...] = 0

    def step(self, closure: Callable[[], Tensor] | None = None) -> Tensor | None:
        """Update every parameter that has a gradient (parameters without one are skipped).

        ``closure``, if given, re-evaluates the model and returns the loss (computed before
        the update, with grad enabled); ``step`` returns it.

        Examples
        --------
        >>> w = al.tensor([1.0, 2.0], requires_grad=True)
        >>> opt = nn.optim.SGD([w], lr=0.1)
        >>> (w * w).sum().backward()
        >>> opt.step()
        >>> w
        tensor([0.8, 1.6], requires_grad=True)
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    state = self.state.get(p)
                    if state is None:
                        state = self.state[p] = {}
                    self._update(p.data, p.grad.data, state, group)
                    # Changed through its array: let backward know (a graph that saved p
                    # before this step must not use the new values).
                    increment_version(p)
        return loss

    def _update(
        self, p: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        """Update one parameter's array ``p`` in place from its gradient ``grad``."""
        raise NotImplementedError(f"{type(self).__name__} must implement _update()")

    @staticmethod
    def _weight_decayed(p: np.ndarray, grad: np.ndarray, group: dict[str, Any]) -> np.ndarray:
        """g + λθ: weight decay λ as the gradient of an L2 penalty λ/2·‖θ‖² (what SGD,
        Adagrad, RMSprop and Adam do). A new array: p.grad is left as backward made it."""
        wd = float(group["weight_decay"])
        return grad + wd * p if wd else grad

    # -- saving and restoring ----------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state as plain data, PyTorch's layout: ``{"state": {index:
        {name: ndarray or number}}, "param_groups": [{hyperparameters..., "params":
        [index, ...]}]}``, parameters numbered in group order. Saveable with ``nn.save``.
        The arrays are the live buffers (not copies), as in PyTorch.

        Examples
        --------
        >>> w = al.tensor([1.0], requires_grad=True)
        >>> opt = nn.optim.Adam([w], lr=0.01)
        >>> sorted(opt.state_dict()), opt.state_dict()["param_groups"][0]["lr"]
        (['param_groups', 'state'], 0.01)
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            ids = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                ids.append(index[id(p)])
            packed["params"] = ids
            groups.append(packed)
        state = {index[id(p)]: dict(s) for p, s in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a ``state_dict()``: hyperparameters per group and each parameter's state.
        The groups must have the same sizes as this optimizer's; buffers are copied, in each
        parameter's dtype, and must have its shape."""
        name = type(self).__name__
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"{name}.load_state_dict: the state has {len(saved_groups)} param group(s), "
                f"this optimizer has {len(self.param_groups)}"
            )
        params: dict[int, Tensor] = {}
        for i, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(
                    f"{name}.load_state_dict: param group {i} has {len(saved['params'])} "
                    f"parameter(s) in the state and {len(group['params'])} here"
                )
            params.update(zip((int(k) for k in saved["params"]), group["params"]))
        new_state: dict[Tensor, dict[str, Any]] = {}
        for key, saved_state in state_dict["state"].items():
            p = params.get(int(key))
            if p is None:
                raise ValueError(
                    f"{name}.load_state_dict: the state names parameter {key}, which no "
                    "param group holds"
                )
            new_state[p] = {k: _restore(v, p, k, name) for k, v in saved_state.items()}
        for saved, group in zip(saved_groups, self.param_groups):
            for k, v in saved.items():
                if k != "params":
                    group[k] = tuple(v) if isinstance(v, list) else v
        self.state = new_state

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for k in sorted(group):
                if k != "params":
                    lines.append(f"    {k}: {group[k]}")
        lines.append(")")
        return "\n".join(lines)


def _restore(value: Any, p: Tensor, key: str, where: str) -> Any:
    """A copy of one saved state entry: arrays shaped like ``p`` take ``p``'s dtype."""
    if isinstance(value, Tensor):
        value = value.data
    if isinstance(value, np.ndarray) and value.ndim > 0:
        if value.shape != p.shape:
            raise ValueError(
                f"{where}.load_state_dict: state {key!r} has shape {value.shape}, but its "
                f"parameter has shape {p.shape}"
            )
        return value.astype(p.dtype, copy=True)
    if isinstance(value, np.ndarray | np.generic):
        return value.item()
    return value
