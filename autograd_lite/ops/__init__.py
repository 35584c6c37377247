"""The built-in differentiable ops, grouped by kind: each a Function (forward, backward and
jvp side by side) beside the public function that applies it.

``table.py`` has a row per op; ``__all__`` (what ``autograd_lite`` exports of the ops) is
read from it. Each module's ``__all__`` names the public functions it holds (a test checks
the two agree).
"""

from autograd_lite.ops import table
from autograd_lite.ops.activations import *  # noqa: F403
from autograd_lite.ops.arithmetic import *  # noqa: F403
from autograd_lite.ops.conv import *  # noqa: F403
from autograd_lite.ops.elementary import *  # noqa: F403
from autograd_lite.ops.linalg import *  # noqa: F403
from autograd_lite.ops.loss import *  # noqa: F403
from autograd_lite.ops.reduce import *  # noqa: F403
from autograd_lite.ops.selection import *  # noqa: F403
from autograd_lite.ops.shape import *  # noqa: F403

__all__ = table.public_names()
