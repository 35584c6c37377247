"""autograd-lite: automatic differentiation on NumPy, readable op by op.

>>> import autograd_lite as al
>>> x = al.tensor(-2.0, requires_grad=True)
>>> y = al.tensor(5.0, requires_grad=True)
>>> z = al.tensor(-4.0, requires_grad=True)
>>> f = (x + y) * z
>>> f.backward()
>>> x.grad, y.grad, z.grad
(tensor(-4.), tensor(-4.), tensor(3.))
"""

# tensor.py first: it attaches the ops (which need the Tensor class) as its methods.
from autograd_lite.tensor import (
    Tensor,
    arange,
    default_generator,
    eye,
    full,
    get_default_dtype,
    manual_seed,
    ones,
    ones_like,
    rand,
    randn,
    set_default_dtype,
    tensor,
    zeros,
    zeros_like,
)

# isort: split
from autograd_lite import allocator as _allocator
from autograd_lite.anomaly import detect_anomaly
from autograd_lite.engine import grad
from autograd_lite.errors import AutogradError, GradcheckError, ShapeError
from autograd_lite.function import Function
from autograd_lite.grad_mode import (
    enable_grad,
    is_grad_enabled,
    name_scope,
    no_grad,
    set_grad_enabled,
)
from autograd_lite.gradcheck import gradcheck, gradgradcheck, numerical_grad
from autograd_lite.ops import (
    abs,
    add,
    argmax,
    cat,
    clip,
    concatenate,
    cos,
    div,
    elu,
    exp,
    expand,
    flatten,
    leaky_relu,
    linear,
    log,
    log_softmax,
    logsumexp,
    matmul,
    max,
    maximum,
    mean,
    min,
    minimum,
    mul,
    neg,
    pad,
    permute,
    pow,
    relu,
    reshape,
    sigmoid,
    sin,
    softmax,
    sqrt,
    squeeze,
    stack,
    std,
    sub,
    sum,
    tanh,
    transpose,
    unsqueeze,
    var,
    where,
)

clamp = clip

__version__ = "0.1.0"

__all__ = [
    "AutogradError",
    "Function",
    "GradcheckError",
    "ShapeError",
    "Tensor",
    "abs",
    "add",
    "arange",
    "argmax",
    "cat",
    "clamp",
    "clip",
    "concatenate",
    "cos",
    "default_generator",
    "detect_anomaly",
    "div",
    "elu",
    "enable_grad",
    "exp",
    "expand",
    "eye",
    "flatten",
    "full",
    "get_default_dtype",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "is_grad_enabled",
    "leaky_relu",
    "linear",
    "log",
    "log_softmax",
    "logsumexp",
    "manual_seed",
    "matmul",
    "max",
    "maximum",
    "mean",
    "min",
    "minimum",
    "mul",
    "name_scope",
    "neg",
    "no_grad",
    "numerical_grad",
    "ones",
    "ones_like",
    "pad",
    "permute",
    "pow",
    "rand",
    "randn",
    "relu",
    "reshape",
    "set_default_dtype",
    "set_grad_enabled",
    "sigmoid",
    "sin",
    "softmax",
    "sqrt",
    "squeeze",
    "stack",
    "std",
    "sub",
    "sum",
    "tanh",
    "tensor",
    "transpose",
    "unsqueeze",
    "var",
    "where",
    "zeros",
    "zeros_like",
]

# Training steps reuse freed memory instead of page-faulting it back in (see allocator.py).
_allocator.keep_freed_memory()
