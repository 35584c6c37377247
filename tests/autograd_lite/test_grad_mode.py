"""Every form of the grad-mode switches restores the mode it found (issue 13): no_grad,
enable_grad and set_grad_enabled as context managers, as decorators (with and without
parentheses), and set_grad_enabled as a plain call; nested, after an exception, and per thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

import autograd_lite as al


def records() -> bool:
    """Whether an op on a tensor that requires grad is recorded right now."""
    return (al.ones(1, requires_grad=True) * 2).grad_fn is not None


# Each form runs ``body`` in its mode; ``mode`` is what the body must see. A form makes its
# switch anew on each call, as a user's code does (``switch(*args)``, or ``switch`` itself when
# bare), and is named after it: with_no_grad, decorated_set_grad_enabled_false, ...
def named(form: Callable, how: str, switch: Callable, args: tuple, bare: bool = False):
    form.__name__ = "_".join(
        [how, switch.__name__, *(str(a).lower() for a in args), *(["bare"] if bare else [])]
    )
    return form


def within(switch: Callable, *args) -> Callable:
    """``with switch(*args): body()``."""

    def form(body):
        with switch(*args):
            return body()

    return named(form, "with", switch, args)


def decorated(switch: Callable, *args, bare: bool = False) -> Callable:
    """``@switch(*args)`` (``@switch`` if bare) on a function that runs body."""

    def form(body):
        before = al.is_grad_enabled()

        @(switch if bare else switch(*args))
        def run():
            return body()

        assert al.is_grad_enabled() == before  # decorating changes nothing
        return run()

    return named(form, "decorated", switch, args, bare)


FORMS: list[tuple[Callable, bool]] = [
    (within(al.no_grad), False),
    (within(al.enable_grad), True),
    (within(al.set_grad_enabled, False), False),
    (within(al.set_grad_enabled, True), True),
    (decorated(al.no_grad), False),
    (decorated(al.no_grad, bare=True), False),
    (decorated(al.enable_grad), True),
    (decorated(al.enable_grad, bare=True), True),
    (decorated(al.set_grad_enabled, False), False),
    (decorated(al.set_grad_enabled, True), True),
]


@pytest.mark.parametrize(("form", "mode"), FORMS, ids=[f.__name__ for f, _ in FORMS])
@pytest.mark.parametrize("outer", [True, False], ids=["grad_on", "grad_off"])
def test_each_form_sets_the_mode_and_restores_it(form, mode, outer):
    al.set_grad_enabled(outer)
    try:
        assert form(lambda: (al.is_grad_enabled(), records())) == (mode, mode)
        assert al.is_grad_enabled() is outer and records() is outer
        # nested in each other form, in both orders
        for other, other_mode in FORMS:
            seen = form(lambda o=other: (o(lambda: al.is_grad_enabled()), al.is_grad_enabled()))
            assert seen == (other_mode, mode)
            assert al.is_grad_enabled() is outer
        # an exception inside still restores
        with pytest.raises(ZeroDivisionError):
            form(lambda: 1 / 0)
        assert al.is_grad_enabled() is outer
    finally:
        al.set_grad_enabled(True)


@pytest.mark.parametrize(("form", "mode"), FORMS, ids=[f.__name__ for f, _ in FORMS])
def test_each_form_is_per_thread(form, mode):
    """A thread inside the form does not change the mode of another thread (which holds the
    opposite mode meanwhile), and both get their own mode back."""
    inside, release, results = threading.Event(), threading.Event(), {}

    def worker():
        def body():
            inside.set()
            release.wait(5)
            return al.is_grad_enabled()

        results["inside"] = form(body)
        results["after"] = al.is_grad_enabled()

    al.set_grad_enabled(not mode)
    try:
        t = threading.Thread(target=worker)
        t.start()
        inside.wait(5)
        results["main"] = al.is_grad_enabled()
        release.set()
        t.join()
    finally:
        al.set_grad_enabled(True)
    # (a new thread starts with grad mode on, whatever the main thread's mode)
    assert results == {"inside": mode, "after": True, "main": not mode}


def test_the_same_object_entered_twice_and_from_two_threads():
    ng = al.no_grad()
    with ng:
        with al.enable_grad(), ng:
            assert not al.is_grad_enabled()
        assert not al.is_grad_enabled()
    assert al.is_grad_enabled()

    barrier, seen = threading.Barrier(2), []

    def worker():
        with ng:  # one object, used by two threads at once
            barrier.wait(5)
            seen.append(al.is_grad_enabled())
            barrier.wait(5)
        seen.append(al.is_grad_enabled())

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == [False, False, True, True]


def test_set_grad_enabled_as_a_call_holds_until_changed():
    al.set_grad_enabled(False)
    try:
        assert not al.is_grad_enabled() and not records()
    finally:
        al.set_grad_enabled(True)
    assert records()


def test_decorators_keep_the_function_and_its_result():
    @al.no_grad
    def double(t):
        """Twice t."""
        return t * 2

    assert double.__name__ == "double" and double.__doc__ == "Twice t."
    out = double(al.ones(2, requires_grad=True))
    assert out.tolist() == [2.0, 2.0] and out.grad_fn is None
