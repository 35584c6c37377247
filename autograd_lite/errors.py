"""The exceptions the engine raises, so users can catch them by kind.

- ``ShapeError`` (a ``ValueError``): shapes that do not fit an op's rule.
- ``AutogradError`` (a ``RuntimeError``): misuse of the graph, e.g. backward twice
  through a freed graph, or backward on a non-scalar without a gradient.
- ``GradcheckError`` (an ``AutogradError``): analytic and numerical gradients differ.
- dtype problems are plain ``TypeError``s.
"""


class ShapeError(ValueError):
    """Shapes that do not fit an op's rule; the message names the op and the shapes.

    It is a ``ValueError``, so ``except ValueError`` catches it too.

    Examples
    --------
    >>> try:
    ...     al.ones(3, 2) @ al.ones(3, 5)
    ... except al.ShapeError as e:
    ...     print(e)
    matmul: (3, 2) @ (3, 5): inner dimensions 2 and 3 differ
    """


class AutogradError(RuntimeError):
    """Misuse of the graph or the backward pass.

    Examples
    --------
    >>> x = al.tensor([1.0], requires_grad=True)
    >>> y = x * 2
    >>> y.backward()
    >>> try:
    ...     y.backward()
    ... except al.AutogradError as e:
    ...     print(type(e).__name__)
    AutogradError
    """


class GradcheckError(AutogradError):
    """Analytic and numerical gradients disagree (raised by ``gradcheck``).

    Examples
    --------
    >>> class Wrong(al.Function):
    ...     def forward(self, x):
    ...         return x * x
    ...     def backward(self, grad):
    ...         return grad          # should be grad * 2 * x
    >>> x = al.tensor([1.0, 2.0], dtype=np.float64, requires_grad=True)
    >>> try:
    ...     al.gradcheck(Wrong.apply, [x])
    ... except al.GradcheckError:
    ...     print("gradients disagree")
    gradients disagree
    """


def fmt_shape(shape: tuple) -> str:
    """(3,) and (2, 4) as Python prints them, () for a scalar."""
    return str(tuple(int(s) for s in shape))


def freed_graph_error(op_name: str, where: str = "backward") -> AutogradError:
    """The one message for a graph that an earlier ``backward()`` freed (engine and drawings)."""
    return AutogradError(
        f"{where}: the graph was freed by backward() (the saved values of {op_name} are "
        "gone), so it cannot be walked a second time. Call backward(retain_graph=True) the "
        "first time to keep it (and every wire's gradient, for drawing)."
    )


def version_error(op_name: str, what: str, tensor: str, saved: int, now: int) -> AutogradError:
    """The one message for a value that backward needs but an in-place op changed after it was
    saved: ``what`` is "input 1" or "output", ``tensor`` describes it (name, shape), ``saved``
    and ``now`` are its versions then and now (PyTorch's message is the model)."""
    return AutogradError(
        f"backward: {op_name} needs its {what} ({tensor}), but that tensor was changed in place "
        f"after {op_name} saved it: {op_name} saved version {saved}, it is now at version {now}. "
        "Use an out-of-place op for the change (y = y + 1 instead of y += 1), or make the "
        "change after backward()."
    )
