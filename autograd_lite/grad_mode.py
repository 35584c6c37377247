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

    __slots__ = ("anomaly", "grad_enabled", "scope")

    def __init__(self) -> None:
        self.grad_enabled = True
        self.scope: tuple[str, ...] = ()
        self.anomaly = False


class _PerThread(threading.local):
    def __init__(self) -> None:  # runs in each thread that looks, so each starts fresh
        self.state = GradState()


per_thread = _PerThread()


def is_grad_enabled() -> bool:
    """True when ops record the graph (the default)."""
    return per_thread.state.grad_enabled


class _GradModeContext:
    """Base for ``no_grad``/``enable_grad``/``set_grad_enabled``: context manager and decorator."""

    mode: bool

    def __enter__(self) -> None:
        state = per_thread.state
        self._prev = state.grad_enabled
        state.grad_enabled = self.mode

    def __exit__(self, *exc: object) -> None:
        per_thread.state.grad_enabled = self._prev

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
    """Do not record the graph: ``with no_grad(): ...`` or ``@no_grad()``."""

    mode = False


class enable_grad(_GradModeContext):
    """Record the graph again, e.g. inside a ``no_grad`` block."""

    mode = True


class set_grad_enabled(_GradModeContext):
    """Set grad mode: as a function call (``set_grad_enabled(False)``) or a context manager."""

    def __init__(self, mode: bool) -> None:
        state = per_thread.state
        self.mode = bool(mode)
        self._prev = state.grad_enabled
        # Like PyTorch, calling it as a plain function takes effect at once;
        # used with ``with`` the previous mode is restored on exit.
        state.grad_enabled = self.mode

    def __enter__(self) -> None:
        per_thread.state.grad_enabled = self.mode


class name_scope:
    """Tag the ops recorded inside with a path component, e.g. ``name_scope("encoder")``.

    Scopes nest: ops recorded in ``name_scope("model")`` then ``name_scope("0")``
    carry ``node.scope == ("model", "0")``.
    """

    def __init__(self, name: str) -> None:
        self.name = str(name)

    def __enter__(self) -> name_scope:
        state = per_thread.state
        self._prev = state.scope
        state.scope = (*self._prev, self.name)
        return self

    def __exit__(self, *exc: object) -> None:
        per_thread.state.scope = self._prev
