"""detect_anomaly(): stop at the first op whose forward or backward makes a NaN or Inf.

Inside the block every recorded op remembers the line of user code that created it,
checks its output (and, in forward mode, the tangent its jvp made), and the backward
pass checks every gradient, so the error names the op and the line — not just "loss is
nan" fifty ops later. It slows ops down:
use it to hunt a bug, not for training.
"""

from __future__ import annotations

import os
import traceback

from autograd_lite.grad_mode import per_thread

# The error names the innermost line of code outside these directories: the user's line,
# not the library's. A library built on the engine adds its own (nn does, at import).
LIBRARY_DIRS: list[str] = [os.path.dirname(__file__) + os.sep]


class detect_anomaly:
    """Context manager: ``with detect_anomaly(): loss = model(x); loss.backward()``.

    Inside, every backward checks its gradients for NaN (``check_nan``) and an error names
    the op that made one and the line of user code that recorded it.

    Examples
    --------
    >>> x = al.tensor([0.0], requires_grad=True)
    >>> with al.detect_anomaly():
    ...     y = al.sqrt(x) * 0.0
    ...     try:
    ...         y.backward()
    ...     except RuntimeError as e:
    ...         print(type(e).__name__)
    AutogradError
    """

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan

    def __enter__(self) -> detect_anomaly:
        state = per_thread.state
        self._prev = state.anomaly
        state.anomaly = self.check_nan
        return self

    def __exit__(self, *exc: object) -> None:
        per_thread.state.anomaly = self._prev


def user_frame() -> str:
    """'file.py:12 in f: y = x.log()' for the innermost frame outside LIBRARY_DIRS."""
    for frame in reversed(traceback.extract_stack()):
        if not frame.filename.startswith(tuple(LIBRARY_DIRS)):
            return f"{frame.filename}:{frame.lineno} in {frame.name}: {frame.line}"
    return "<unknown>"
