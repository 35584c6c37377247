"""Grad mode and name scopes: the engine's only global state, kept per thread.

Grad mode decides whether ``Function.apply`` records a node. ``no_grad()`` turns
recording off (inference, optimizer updates); ``enable_grad()`` turns it back on
inside a ``no_grad`` block. Each thread has its own mode, so one thread can
evaluate a model under ``no_grad`` while another trains.

Name scopes let a higher layer (``nn.Module``) tell the engine "these ops belong to
``model.0``": every recorded node keeps the scope path that was active, and the
visualizer draws it as a cluster. The engine knows nothing of modules.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class GradState:
    """One thread's recording state: grad mode, name scope, anomaly detection.

    Plain attributes in a per-thread object: every recorded op reads all three (``_record`` in
    function.py), and one thread-local lookup (``per_thread.state``) followed by plain
    reads costs a third of a thread-local lookup for each attribute.
    """

    __slots__ = ("anomaly", "grad_enabled", "nodes_visited", "saved_modes", "scope")

    def __init__(self) -> None:
        self.grad_enabled = True
        self.scope: tuple[str, ...] = ()
        self.anomaly = False
        # The modes that the open ``with no_grad()`` (enable_grad, set_grad_enabled) blocks
        # replaced, innermost last: each block's __exit__ restores its own.
        self.saved_modes: list[bool] = []
        # How many nodes the last grad() of this thread visited (engine.run_backward):
        # tests measure the walk with it (engine.nodes_visited).
        self.nodes_visited = 0


class _PerThread(threading.local):
    def __init__(self) -> None:  # runs in each thread that looks, so each starts fresh
        self.state = GradState()


per_thread = _PerThread()


def is_grad_enabled() -> bool:
    """True when ops record the graph (the default).

    Examples
    --------
    >>> al.is_grad_enabled()
    True
    >>> with al.no_grad():
    ...     al.is_grad_enabled()
    False
    """
    return per_thread.state.grad_enabled


class _GradModeContext:
    """Base of ``no_grad``/``enable_grad``/``set_grad_enabled``: context manager and decorator.

    Every form restores the mode it found: a ``with`` block on exit (the mode it replaced is
    kept on the thread's own state, so blocks nest, an object may be entered again inside
    itself, and threads never see each other's modes), a decorated function on return.
    """

    mode: bool

    def __new__(cls, *args: Any) -> Any:
        # @no_grad without parentheses (as PyTorch allows): no_grad(func) is no_grad()(func).
        if cls is not set_grad_enabled and len(args) == 1 and callable(args[0]):
            return cls()(args[0])
        return super().__new__(cls)

    def __enter__(self) -> None:
        state = per_thread.state
        state.saved_modes.append(state.grad_enabled)
        state.grad_enabled = self.mode

    def __exit__(self, *exc: object) -> None:
        state = per_thread.state
        state.grad_enabled = state.saved_modes.pop()

    def __call__(self, func: F) -> F:
        mode = self.mode

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            state = per_thread.state
            prev = state.grad_enabled
            state.grad_enabled = mode
            try:
                return func(*args, **kwargs)
            finally:
                state.grad_enabled = prev

        return wrapper  # type: ignore[return-value]


class no_grad(_GradModeContext):
    """Do not record the graph: ``with no_grad(): ...``, ``@no_grad()`` or ``@no_grad``.

    Use it for evaluation and for updating parameters by hand: the results do not require
    grad and no graph is kept.

    Examples
    --------
    >>> w = al.tensor([1.0, 2.0], requires_grad=True)
    >>> (w * w).sum().backward()
    >>> with al.no_grad():
    ...     w -= 0.1 * w.grad
    >>> w
    tensor([0.8, 1.6], requires_grad=True)
    """

    mode = False


class enable_grad(_GradModeContext):
    """Record the graph again, e.g. inside a ``no_grad`` block (same three forms).

    Examples
    --------
    >>> x = al.tensor([1.0], requires_grad=True)
    >>> with al.no_grad():
    ...     with al.enable_grad():
    ...         y = x * 2
    >>> y.requires_grad
    True
    """

    mode = True


class set_grad_enabled(_GradModeContext):
    """Set grad mode: as a function call (``set_grad_enabled(False)``, until changed again),
    a context manager (``with set_grad_enabled(is_training):``, restored on exit) or a
    decorator (``@set_grad_enabled(False)``: only while the function runs).

    Examples
    --------
    >>> x = al.tensor([1.0], requires_grad=True)
    >>> with al.set_grad_enabled(False):
    ...     y = x * 2
    >>> y.requires_grad
    False
    """

    def __init__(self, mode: bool) -> None:
        state = per_thread.state
        self.mode = bool(mode)
        self._prev = state.grad_enabled
        # Like PyTorch, calling it as a plain function takes effect at once.
        state.grad_enabled = self.mode

    def __enter__(self) -> None:
        # The mode to restore is the one before set_grad_enabled(...) was called.
        state = per_thread.state
        state.saved_modes.append(self._prev)
        state.grad_enabled = self.mode

    def __call__(self, func: F) -> F:
        # Used as a decorator, it must not change the mode of the program that decorates:
        # undo what __init__ did; the wrapper sets the mode for each call.
        per_thread.state.grad_enabled = self._prev
        return super().__call__(func)


class ScopeName(str):
    """A name-scope path component that also says what recorded it: ``kind`` (nn.Module
    gives its class name, "Linear", so drawings title a module's box "Linear  0"). It is
    the name itself for everything else (==, hashing, printing)."""

    kind: str | None = None


class name_scope:
    """Tag the ops recorded inside with a path component, e.g. ``name_scope("encoder")``.

    Scopes nest: ops recorded in ``name_scope("model")`` then ``name_scope("0")``
    carry ``node.scope == ("model", "0")``. ``kind`` (optional) says what the scope is, e.g.
    the module's type: the component is then a ``ScopeName`` carrying it.

    Examples
    --------
    >>> x = al.tensor([1.0], requires_grad=True)
    >>> with al.name_scope("encoder"):
    ...     y = x * 2
    >>> y.grad_fn.scope
    ('encoder',)
    """

    def __init__(self, name: str, kind: str | None = None) -> None:
        self.name = str(name)
        if kind is not None:
            self.name = ScopeName(self.name)
            self.name.kind = str(kind)

    def __enter__(self) -> name_scope:
        state = per_thread.state
        self._prev = state.scope
        state.scope = (*self._prev, self.name)
        return self

    def __exit__(self, *exc: object) -> None:
        per_thread.state.scope = self._prev


class inference_mode(_GradModeContext):
    """PyTorch's ``inference_mode``: here the same as ``no_grad``, and ``inference_mode(False)``
    changes nothing. The same three forms: ``with``, ``@inference_mode()``, ``@inference_mode``.
    (PyTorch also marks the tensors made inside as never usable by autograd later; here they
    are plain tensors that do not require grad, as under ``no_grad``.)

    Examples
    --------
    >>> x = al.tensor([1.0], requires_grad=True)
    >>> with al.inference_mode():
    ...     y = x * 2
    >>> y.requires_grad
    False
    """

    mode = False

    def __init__(self, mode: bool = True) -> None:
        self.active = bool(mode)

    def __enter__(self) -> None:
        state = per_thread.state
        state.saved_modes.append(state.grad_enabled)
        if self.active:
            state.grad_enabled = False

    def __call__(self, func: F) -> F:
        return super().__call__(func) if self.active else func
