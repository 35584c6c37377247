"""The built-in differentiable ops, grouped by kind: each a Function (forward and backward
side by side) and the public function that applies it.

Each module's ``__all__`` lists its public functions; this package's ``__all__`` is
theirs together, and ``autograd_lite`` exports exactly these: one list of op names.
"""

from autograd_lite.ops import composites, conv, elementwise, linalg, loss, reduce, shape, sorting
from autograd_lite.ops.composites import *  # noqa: F403
from autograd_lite.ops.conv import *  # noqa: F403
from autograd_lite.ops.elementwise import *  # noqa: F403
from autograd_lite.ops.linalg import *  # noqa: F403
from autograd_lite.ops.loss import *  # noqa: F403
from autograd_lite.ops.reduce import *  # noqa: F403
from autograd_lite.ops.shape import *  # noqa: F403
from autograd_lite.ops.sorting import *  # noqa: F403

__all__ = []
__all__ += elementwise.__all__
__all__ += reduce.__all__
__all__ += shape.__all__
__all__ += linalg.__all__
__all__ += conv.__all__
__all__ += loss.__all__
__all__ += sorting.__all__
__all__ += composites.__all__
