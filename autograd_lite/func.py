"""Derivative operators with torch.func's names, built on the two modes of AD.

    grad(f)(x)                   ∇f(x) of a one-element f                  reverse mode
    grad_and_value(f)(x)         (∇f(x), f(x))                              reverse mode
    vjp(f, *primals)             (f(x), vjp_fn) with vjp_fn(u) = uᵀ·J       reverse mode
    jvp(f, primals, tangents)    (f(x), J·v)                                forward mode
    jacrev(f)(x)                 J, one backward pass per output element    reverse mode
    jacfwd(f)(x)                 J, one forward pass per input element      forward mode
    hessian(f)(x)                jacfwd(jacrev(f)): forward over reverse
    hvp(f, primals, tangents)    H·v = jvp of grad: forward over reverse

Which mode is cheaper depends on the shape of the Jacobian: for f: Rⁿ -> Rᵐ, jacfwd runs
n forward passes and jacrev m backward passes, so reverse mode wins for n >> m (a loss of
many weights: one backward pass) and forward mode for n << m.

Conventions (torch.func's): ``f`` takes positional arguments and returns a Tensor or a
tuple of Tensors; the arguments named by ``argnums`` (an int, or a tuple of ints) must be
floating-point Tensors. A Jacobian of an output of shape (m...) with respect to an argument
of shape (n...) has shape (m..., n...); with a tuple ``argnums`` each result is a tuple with
one entry per argument, and with a tuple of outputs, a tuple with one entry per output.
``has_aux=True``: ``f`` returns ``(output, aux)``, and ``aux`` comes back untouched.

The results can be differentiated again (these operators compose: ``grad(grad(f))``,
``jacfwd(jacrev(f))``), and they are recorded for backward when an argument, or a tensor
``f`` uses, requires grad. ``vmap`` is not offered: Jacobians loop over their rows or columns.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autograd_lite import engine, forward_ad, function
from autograd_lite.errors import ShapeError, fmt_shape
from autograd_lite.grad_mode import enable_grad, is_grad_enabled, no_grad
from autograd_lite.ops.shape import stack
from autograd_lite.tensor import Tensor, _make

__all__ = [
    "grad",
    "grad_and_value",
    "hessian",
    "hvp",
    "jacfwd",
    "jacrev",
    "jvp",
    "vjp",
]

Argnums = int | tuple[int, ...]


# -- reverse mode ----------------------------------------------------------------------------


def vjp(f: Callable[..., Any], *primals: Tensor, has_aux: bool = False) -> tuple:
    """``(f(*primals), vjp_fn)``, and ``aux`` third when ``has_aux``.

    ``vjp_fn(cotangents)`` takes one tensor per output of ``f`` (a tuple for a tuple of
    outputs), each of its output's shape, and returns the vector-Jacobian products uᵀ·J, a
    tuple with one gradient per primal. It can be called again with other cotangents.

    Examples
    --------
    >>> from autograd_lite.func import vjp
    >>> value, vjp_fn = vjp(lambda x: x ** 2, al.tensor([1.0, 3.0]))
    >>> vjp_fn(al.tensor([1.0, 0.5]))
    (tensor([2., 3.]),)
    """
    for i, p in enumerate(primals):
        _check_float_tensor(p, f"vjp: primal {i}")
    pulled = _Pulled(f, primals, tuple(range(len(primals))), has_aux, "vjp")

    def vjp_fn(cotangents: Any) -> tuple[Tensor, ...]:
        cots = (cotangents,) if pulled.single_output else tuple(cotangents)
        if len(cots) != len(pulled.outputs):
            raise ValueError(
                f"vjp_fn: got {len(cots)} cotangent(s) for {len(pulled.outputs)} output(s)"
            )
        for i, (c, o) in enumerate(zip(cots, pulled.outputs)):
            if np.shape(_data(c)) != o.data.shape:
                raise ShapeError(
                    f"vjp_fn: cotangent {i} has shape {fmt_shape(np.shape(_data(c)))} but "
                    f"output {i} has shape {fmt_shape(o.shape)}; they must be equal"
                )
        return pulled.pull(cots)

    result = (pulled.output, vjp_fn)
    return (*result, pulled.aux) if has_aux else result


def grad(f: Callable[..., Any], argnums: Argnums = 0, has_aux: bool = False) -> Callable:
    """The function computing the gradient of ``f`` (which must return one element) with
    respect to the argument(s) ``argnums``: a tensor of each argument's shape (a tuple for a
    tuple ``argnums``), then ``aux`` with ``has_aux`` (``(grad, aux)``).

    Examples
    --------
    >>> from autograd_lite.func import grad
    >>> f = lambda x: (x ** 3).sum()
    >>> grad(f)(al.tensor([1.0, 2.0]))
    tensor([ 3., 12.])
    >>> grad(grad(lambda x: x ** 3))(al.tensor(2.0))  # second derivative 6x
    tensor(12.)
    """
    value_and_grad = grad_and_value(f, argnums, has_aux)

    def gradient(*args: Any) -> Any:
        g, value = value_and_grad(*args)
        return (g, value[1]) if has_aux else g

    return gradient


def grad_and_value(f: Callable[..., Any], argnums: Argnums = 0, has_aux: bool = False) -> Callable:
    """Like :func:`grad`, returning ``(gradient, value)`` (``(gradient, (value, aux))`` with
    ``has_aux``): the value comes free with the gradient.

    Examples
    --------
    >>> from autograd_lite.func import grad_and_value
    >>> g, value = grad_and_value(lambda x: (x * x).sum())(al.tensor([1.0, 2.0]))
    >>> g, value
    (tensor([2., 4.]), tensor(5., grad_fn=<Sum>))
    """

    def gradient_and_value(*args: Any) -> tuple:
        nums, single = _argnums(argnums, len(args), "grad")
        pulled = _Pulled(f, args, nums, has_aux, "grad")
        out = pulled.output
        if not pulled.single_output or out.data.size != 1:
            shape = fmt_shape(out.shape) if pulled.single_output else "a tuple"
            raise ShapeError(
                f"grad: f must return a single one-element tensor (a scalar loss), got "
                f"{shape}; use jacrev or vjp for other outputs"
            )
        grads = pulled.pull((_make(np.ones_like(out.data)),))
        g = grads[0] if single else grads
        return (g, (out, pulled.aux)) if has_aux else (g, out)

    return gradient_and_value


def jacrev(f: Callable[..., Any], argnums: Argnums = 0, *, has_aux: bool = False) -> Callable:
    """The function computing the Jacobian of ``f`` with respect to ``argnums`` by reverse
    mode: one backward pass per element of the output (cheap for few outputs).

    For an output of shape (m...) and an argument of shape (n...): shape (m..., n...).

    Examples
    --------
    >>> from autograd_lite.func import jacrev
    >>> w = al.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    >>> jacrev(lambda x: w @ x)(al.tensor([1.0, 1.0]))  # the Jacobian of w @ x is w: (3, 2)
    tensor([[1., 2.],
            [3., 4.],
            [5., 6.]])
    """

    def jacobian(*args: Any) -> Any:
        nums, single = _argnums(argnums, len(args), "jacrev")
        pulled = _Pulled(f, args, nums, has_aux, "jacrev")
        per_output = []
        for k, out in enumerate(pulled.outputs):
            rows = []  # the gradient of each output element: one row of the Jacobian
            for i in range(out.data.size):
                cots = [None] * len(pulled.outputs)
                cots[k] = _onehot(i, out)
                rows.append(pulled.pull(cots))
            per_arg = tuple(
                _assemble([row[j] for row in rows], out, args[n], axis=0)
                for j, n in enumerate(nums)
            )
            per_output.append(per_arg[0] if single else per_arg)
        result = per_output[0] if pulled.single_output else tuple(per_output)
        return (result, pulled.aux) if has_aux else result

    return jacobian


class _Pulled:
    """``f`` run on the arguments ``nums`` made ready for reverse mode; ``pull`` then gives
    vector-Jacobian products with respect to them (backward passes through the graph)."""

    def __init__(
        self, f: Callable, args: Sequence[Any], nums: tuple[int, ...], has_aux: bool, where: str
    ) -> None:
        outer_grad = is_grad_enabled()
        args = list(args)
        self.inputs = []
        # Every input is made fresh below, after this creation number: nothing recorded
        # before it can lead to them, so neither a backward pass (run_backward) nor
        # _reaches_other_leaves walks the history behind the arguments. (Like the levels
        # of torch.func: each call differentiates only what it recorded itself.)
        self.made_after = next(function._sequence)
        with enable_grad():  # (a transform: the caller's no_grad does not reach inside)
            for n in nums:
                x = _check_float_tensor(args[n], f"{where}: argument {n}")
                args[n] = _tracked(x, outer_grad)
                self.inputs.append(args[n])
            self.output, self.aux = _call(f, args, has_aux, where)
        self.single_output, self.outputs = _flatten(self.output, where)
        # Record the backward passes when the results may be differentiated again: an
        # argument is part of a graph, or f used another tensor that requires grad.
        self.create_graph = outer_grad and (
            any(not t.is_leaf for t in self.inputs) or self._reaches_other_leaves()
        )

    def pull(self, cotangents: Sequence[Any]) -> tuple[Tensor, ...]:
        """Σ_k cotangent_kᵀ · d(output_k)/d(inputs), one per input (zeros where unused);
        a None cotangent leaves its output out."""
        outs, cots = [], []
        for out, c in zip(self.outputs, cotangents):
            # (an output that does not depend on the inputs adds nothing)
            if c is not None and out.requires_grad:
                outs.append(out)
                cots.append(c if isinstance(c, Tensor) else Tensor(np.asarray(c)))
        grads = (None,) * len(self.inputs)
        if outs:
            grads = engine.run_backward(
                outs,
                cots,
                retain_graph=True,
                create_graph=self.create_graph,
                inputs=self.inputs,
                allow_unused=True,
                leaves_made_after=self.made_after,
            )
        return tuple(_zeros_like(x) if g is None else g for g, x in zip(grads, self.inputs))

    def _reaches_other_leaves(self) -> bool:
        """Whether the outputs' graph reaches a leaf that requires grad other than the
        inputs (a weight ``f`` closed over): the results must then keep their graph to it.

        A tensor that requires grad and was made before the inputs (by a node older than
        ``made_after``) answers yes at once: it cannot come from the inputs, so it comes from
        another leaf. So the walk covers only what ``f`` recorded itself."""
        ours = {id(t) for t in self.inputs}
        todo = [o.grad_fn for o in self.outputs if o.grad_fn is not None]
        seen: set[int] = set()
        while todo:
            node = todo.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            for x in node.inputs or ():
                if isinstance(x, Tensor) and x.requires_grad:
                    producer = x.grad_fn
                    if producer is None:
                        if id(x) not in ours:
                            return True
                    elif producer._sequence_nr < self.made_after:
                        return True
                    else:
                        todo.append(producer)
        return False


def _tracked(x: Tensor, outer_grad: bool) -> Tensor:
    """``x`` for a reverse-mode transform: a view of it that requires grad, whose gradient
    ``grad()`` can find. Part of the graph when ``x`` is (so an outer derivative goes on
    through it); otherwise a fresh leaf. Either way it keeps ``x``'s tangents."""
    if x.requires_grad and outer_grad:
        return x.reshape(x.data.shape)  # a recorded view
    with no_grad():
        alias = x.reshape(x.data.shape)
    return alias.requires_grad_(True)


# -- forward mode ----------------------------------------------------------------------------


def jvp(
    f: Callable[..., Any],
    primals: Sequence[Tensor],
    tangents: Sequence[Any],
    *,
    has_aux: bool = False,
) -> tuple:
    """``(f(*primals), J·tangents)`` in one forward pass (and ``aux`` with ``has_aux``).

    ``primals`` and ``tangents`` are tuples, one tangent per primal, of its shape. The
    output's tangent has the output's structure (a tuple for a tuple of outputs).

    Examples
    --------
    >>> from autograd_lite.func import jvp
    >>> value, tangent = jvp(lambda x: x ** 2, (al.tensor([1.0, 3.0]),), (al.tensor([1.0, 1.0]),))
    >>> value, tangent
    (tensor([1., 9.]), tensor([2., 6.]))
    """
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError(
            "jvp: primals and tangents must be tuples (one tangent per primal), e.g. "
            "jvp(f, (x,), (v,))"
        )
    if len(primals) != len(tangents):
        raise ValueError(f"jvp: {len(primals)} primal(s) but {len(tangents)} tangent(s)")
    for i, p in enumerate(primals):
        _check_float_tensor(p, f"jvp: primal {i}")
    with forward_ad.dual_level():
        duals = [forward_ad.make_dual(p, t) for p, t in zip(primals, tangents)]
        output, aux = _call(f, duals, has_aux, "jvp")
        single, outputs = _flatten(output, "jvp")
        out_tangents = tuple(_tangent_or_zeros(o) for o in outputs)
    result = (output, out_tangents[0] if single else out_tangents)
    return (*result, aux) if has_aux else result


def jacfwd(f: Callable[..., Any], argnums: Argnums = 0, has_aux: bool = False) -> Callable:
    """The function computing the Jacobian of ``f`` with respect to ``argnums`` by forward
    mode: one forward pass per element of the argument(s) (cheap for few inputs).

    For an output of shape (m...) and an argument of shape (n...): shape (m..., n...).

    Examples
    --------
    >>> from autograd_lite.func import jacfwd
    >>> jacfwd(al.sin)(al.tensor([0.0, 1.0]))
    tensor([[1.    , 0.    ],
            [0.    , 0.5403]])
    """

    def jacobian(*args: Any) -> Any:
        nums, single = _argnums(argnums, len(args), "jacfwd")
        for n in nums:
            _check_float_tensor(args[n], f"jacfwd: argument {n}")
        columns: list[list[tuple[Tensor, ...]]] = []  # per argument: per element, per output
        output = aux = None
        for n in nums:
            x = args[n]
            columns.append([])
            for i in range(x.data.size):
                moved = list(args)
                with forward_ad.dual_level():
                    moved[n] = forward_ad.make_dual(x, _onehot(i, x))
                    output, aux = _call(f, moved, has_aux, "jacfwd")
                    _, outputs = _flatten(output, "jacfwd")
                    columns[-1].append(tuple(_tangent_or_zeros(o) for o in outputs))
        if output is None:  # every argument is empty: f once, for the output's shape
            output, aux = _call(f, list(args), has_aux, "jacfwd")
        single_output, outputs = _flatten(output, "jacfwd")
        per_output = []
        for k, out in enumerate(outputs):
            per_arg = tuple(
                _assemble([col[k] for col in cols], out, args[n], axis=-1)
                for cols, n in zip(columns, nums)
            )
            per_output.append(per_arg[0] if single else per_arg)
        result = per_output[0] if single_output else tuple(per_output)
        return (result, aux) if has_aux else result

    return jacobian


# -- both ------------------------------------------------------------------------------------


def hessian(f: Callable[..., Any], argnums: Argnums = 0) -> Callable:
    """The function computing the Hessian of a one-element ``f``: ``jacfwd(jacrev(f))``,
    forward mode over reverse mode (as torch.func does). Shape (n..., n...) for an argument
    of shape (n...); for a tuple ``argnums``, a tuple of tuples of blocks.

    Examples
    --------
    >>> from autograd_lite.func import hessian
    >>> f = lambda x: (x[0] ** 2) * x[1]
    >>> hessian(f)(al.tensor([1.0, 3.0]))
    tensor([[6., 2.],
            [2., 0.]])
    """
    return jacfwd(jacrev(f, argnums), argnums)


def hvp(f: Callable[..., Any], primals: Sequence[Tensor], tangents: Sequence[Any]) -> Any:
    """The Hessian-vector product H·v of a one-element ``f`` at ``primals``, without forming
    H: the forward-mode derivative of the gradient along ``tangents`` (one forward pass
    through a backward pass). A tensor for one primal, else a tuple (one block row each).

    Examples
    --------
    >>> from autograd_lite.func import hvp
    >>> f = lambda x: (x[0] ** 2) * x[1]
    >>> hvp(f, (al.tensor([1.0, 3.0]),), (al.tensor([1.0, 0.0]),))
    tensor([6., 2.])
    """
    if not isinstance(primals, (tuple, list)):
        raise TypeError("hvp: primals and tangents must be tuples, e.g. hvp(f, (x,), (v,))")
    argnums = 0 if len(primals) == 1 else tuple(range(len(primals)))
    return jvp(grad(f, argnums), primals, tangents)[1]


# -- helpers -----------------------------------------------------------------------------------


def _argnums(argnums: Argnums, n_args: int, where: str) -> tuple[tuple[int, ...], bool]:
    """``argnums`` as a tuple of non-negative ints, and whether it was a single int."""
    single = not isinstance(argnums, (tuple, list))
    nums = (argnums,) if single else tuple(argnums)
    if not nums:
        raise ValueError(f"{where}: argnums must not be empty")
    out = []
    for n in nums:
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
            raise TypeError(f"{where}: argnums must be an int or a tuple of ints, got {argnums!r}")
        if not -n_args <= n < n_args:
            raise ValueError(
                f"{where}: argnums {n} is out of range for a function called with {n_args} "
                "positional argument(s)"
            )
        out.append(int(n) % n_args)
    if len(set(out)) != len(out):
        raise ValueError(f"{where}: argnums {argnums!r} repeats an argument")
    return tuple(out), single


def _check_float_tensor(x: Any, where: str) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{where} must be a Tensor, got {type(x).__name__}")
    if x.data.dtype.kind != "f":
        raise TypeError(f"{where} must be a floating-point Tensor, got dtype {x.data.dtype}")
    return x


def _call(f: Callable, args: Sequence[Any], has_aux: bool, where: str) -> tuple[Any, Any]:
    """``f(*args)``, split into (output, aux) when ``has_aux``."""
    result = f(*args)
    if not has_aux:
        return result, None
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise TypeError(f"{where}: with has_aux=True, f must return a pair (output, aux)")
    return result[0], result[1]


def _flatten(output: Any, where: str) -> tuple[bool, tuple[Tensor, ...]]:
    """(is it a single tensor, the outputs as a tuple); anything else: a clear TypeError."""
    single = isinstance(output, Tensor)
    outputs = (output,) if single else output
    if not isinstance(outputs, (tuple, list)) or not all(isinstance(o, Tensor) for o in outputs):
        raise TypeError(
            f"{where}: f must return a Tensor or a tuple of Tensors, got {type(output).__name__}"
        )
    return single, tuple(outputs)


def _tangent_or_zeros(out: Tensor) -> Tensor:
    t = forward_ad.tangent(out)
    return _zeros_like(out) if t is None else t


def _onehot(i: int, like: Tensor) -> Tensor:
    """A tensor shaped like ``like`` with a 1 at flat position ``i`` and 0 elsewhere: a
    cotangent that picks one output element, or a tangent that moves one input element."""
    e = np.zeros(like.data.size, like.data.dtype)
    e[i] = 1
    return _make(e.reshape(like.data.shape))


def _zeros_like(x: Tensor) -> Tensor:
    return _make(np.zeros(x.data.shape, x.data.dtype))


def _assemble(parts: list[Tensor], out: Tensor, arg: Tensor, axis: int) -> Tensor:
    """A Jacobian block of shape out.shape + arg.shape from its rows (gradients of each
    output element, axis=0) or columns (tangents along each argument element, axis=-1)."""
    shape = out.data.shape + arg.data.shape
    if not parts:  # an empty output or argument
        return _make(np.zeros(shape, np.result_type(out.data.dtype, arg.data.dtype)))
    # (m, n) from m rows of n, or from n columns of m
    return stack([p.reshape(-1) for p in parts], axis=axis).reshape(shape)


def _data(x: Any) -> Any:
    return x.data if isinstance(x, Tensor) else x
