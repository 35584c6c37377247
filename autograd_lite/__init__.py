"""autograd-lite: automatic differentiation on NumPy, readable op by op.

>>> import autograd_lite as al
>>> x = al.tensor(-2.0, requires_grad=True)
>>> y = al.tensor(5.0, requires_grad=True)
>>> z = al.tensor(-4.0, requires_grad=True)
>>> f = (x + y) * z
>>> f.backward()
>>> x.grad, y.grad, z.grad
(tensor(-4.), tensor(-4.), tensor(3.))

The map of the package (what imports what, the life of an op, the table of ops) is
ARCHITECTURE.md at the root of the repository.
"""

from autograd_lite import allocator as _allocator
from autograd_lite import dtypes, forward_ad, func, ops, return_types, tensor_methods, tensor_torch
from autograd_lite.anomaly import detect_anomaly
from autograd_lite.device import accelerator, cuda, device
from autograd_lite.dtypes import *  # noqa: F403 - PyTorch's dtype names
from autograd_lite.dtypes import bool, float, int
from autograd_lite.engine import grad
from autograd_lite.errors import AutogradError, GradcheckError, ShapeError
from autograd_lite.function import Function
from autograd_lite.grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    name_scope,
    no_grad,
    set_grad_enabled,
)
from autograd_lite.gradcheck import gradcheck, gradgradcheck, numerical_grad
from autograd_lite.inplace import increment_version
from autograd_lite.ops import *  # noqa: F403 - the op functions: ops.__all__
from autograd_lite.serialization import load, save
from autograd_lite.tensor import (
    Generator,
    Tensor,
    allclose,
    arange,
    as_tensor,
    default_generator,
    empty,
    empty_like,
    equal,
    eye,
    from_numpy,
    full,
    full_like,
    get_default_dtype,
    is_tensor,
    linspace,
    manual_seed,
    numel,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    set_default_dtype,
    tensor,
    zeros,
    zeros_like,
)

__version__ = "0.1.0"

__all__ = [
    "AutogradError",
    "Function",
    "Generator",
    "GradcheckError",
    "ShapeError",
    "Tensor",
    "accelerator",
    "allclose",
    "arange",
    "as_tensor",
    "cuda",
    "default_generator",
    "detect_anomaly",
    "device",
    "empty",
    "empty_like",
    "enable_grad",
    "equal",
    "eye",
    "from_numpy",
    "full",
    "full_like",
    "get_default_dtype",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "increment_version",
    "inference_mode",
    "is_grad_enabled",
    "is_tensor",
    "linspace",
    "load",
    "manual_seed",
    "name_scope",
    "no_grad",
    "numel",
    "numerical_grad",
    "ones",
    "ones_like",
    "rand",
    "rand_like",
    "randint",
    "randn",
    "randn_like",
    "save",
    "set_default_dtype",
    "set_grad_enabled",
    "tensor",
    "zeros",
    "zeros_like",
]
__all__ += ops.__all__
__all__ += dtypes.__all__

# Tensor gets its operators, op methods and backward() (see tensor_methods.py).
tensor_methods.attach()
tensor_torch.attach()  # and the PyTorch-named members: .device, .to("cpu"), .clone(), ...
# Training steps reuse freed memory instead of page-faulting it back in (see allocator.py).
_allocator.keep_freed_memory()
