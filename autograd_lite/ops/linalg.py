"""Products: matmul (1-D, 2-D, batched), the fused affine map of a dense layer, einsum, and
tensordot (built from permute, reshape and matmul).

For C = A @ B with A: (m, k), B: (k, n) and upstream gradient G = dL/dC: (m, n):

    dL/dA = G @ Bᵀ   (m, n) @ (n, k) -> (m, k)
    dL/dB = Aᵀ @ G   (k, m) @ (m, n) -> (k, n)

— the only shapes that fit, which is a good way to remember them (cs231n).
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd_lite.errors import ShapeError, fmt_shape
from autograd_lite.forward_ad import is_zero, zero_tangent
from autograd_lite.function import Function
from autograd_lite.ops.shape import Permute
from autograd_lite.tensor import Tensor

__all__ = [
    "einsum",
    "linear",
    "matmul",
    "tensordot",
]


class MatMul(Function):
    """a @ b with NumPy's rules: 1-D operands are vectors, leading axes are batch axes
    (broadcast)."""

    label = "matmul"

    def forward(self, a, b):
        sa, sb = np.shape(a), np.shape(b)
        if len(sa) == 0 or len(sb) == 0:
            raise ShapeError(
                f"matmul: {fmt_shape(sa)} @ {fmt_shape(sb)}: both operands need at least one "
                "dimension (use * for a scalar)"
            )
        k_a, k_b = sa[-1], (sb[0] if len(sb) == 1 else sb[-2])
        if k_a != k_b:
            raise ShapeError(
                f"matmul: {fmt_shape(sa)} @ {fmt_shape(sb)}: inner dimensions {k_a} and {k_b} "
                "differ"
            )
        return np.matmul(a, b)

    def backward(self, g):
        a, b = self.inputs
        need_a, need_b = self.needs_input_grad
        # Treat vectors as matrices: a (k,) as (1, k), b (k,) as (k, 1), and give the
        # gradient back the axes matmul removed for them.
        a_vec, b_vec = a.ndim == 1, b.ndim == 1  # (a constant input is an ndarray)
        a2 = a.reshape(1, -1) if a_vec else a
        b2 = b.reshape(-1, 1) if b_vec else b
        if a_vec and b_vec:
            g = g.reshape(1, 1)
        elif a_vec:
            g = g.unsqueeze(-2)
        elif b_vec:
            g = g.unsqueeze(-1)
        ga = g @ _mT(b2) if need_a else None  # (..., m, k); the engine sums batch axes
        # (matmul, not @: a constant a is an ndarray, and ndarray @ tensor takes NumPy's detour)
        gb = matmul(_mT(a2), g) if need_b else None
        if gb is not None and b_vec:
            gb = gb.squeeze(-1)
        return ga, gb

    def jvp(self, ta, tb):
        a, b = self.inputs
        return ta @ b + a @ tb  # the product rule


def matmul(a: Any, b: Any) -> Tensor:
    """Matrix product ``a @ b`` (vectors, matrices, and batches of matrices).

    Shapes: (n, k) @ (k, m) -> (n, m); a 1-D operand is a vector ((k,) @ (k, m) -> (m,));
    batch axes in front broadcast, (B, n, k) @ (k, m) -> (B, n, m). The inner sizes must agree
    (``ShapeError`` naming both shapes otherwise).

    Notes
    -----
    For C = A @ B: dL/dA = dL/dC @ Bᵀ and dL/dB = Aᵀ @ dL/dC.

    Examples
    --------
    >>> a = al.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> b = al.tensor([[1.0], [1.0]])
    >>> c = al.matmul(a, b)
    >>> c
    tensor([[3.],
            [7.]], grad_fn=<MatMul>)
    >>> c.sum().backward()
    >>> a.grad
    tensor([[1., 1.],
            [1., 1.]])
    """
    return MatMul.apply(a, b)


def _mT(x: Any) -> Any:
    """Swap the last two axes (the matrix transpose of each matrix in a batch)."""
    if isinstance(x, Tensor):
        return x.transpose(-2, -1)
    return np.swapaxes(x, -2, -1)


class LinearFunction(Function):
    """y = x @ Wᵀ + b, the op behind ``nn.Linear`` (fused: one node, one matmul each way).

    x: (..., in), W: (out, in), b: (out,) -> y: (..., out)
    dL/dx = G @ W,  dL/dW = Gᵀ @ x (summed over the batch),  dL/db = Σ_batch G
    """

    label = "linear"

    def forward(self, x, w, b=None):
        if np.ndim(w) != 2 or np.ndim(x) == 0 or x.shape[-1] != w.shape[1]:
            raise ShapeError(
                f"linear: input of shape {fmt_shape(np.shape(x))} does not fit weight of shape "
                f"{fmt_shape(np.shape(w))}: the input's last dimension must equal the weight's "
                "in_features (its second dimension)"
            )
        out = x @ w.T
        if b is not None:
            out += b  # in place: out is a fresh array
        return out

    def backward(self, g):
        x, w = self.inputs[0], self.inputs[1]
        need = self.needs_input_grad
        n_out, n_in = w.shape
        if g.ndim == 2:
            g2, x2 = g, x
        else:  # (..., out): every leading axis is part of the batch
            g2, x2 = g.reshape(-1, n_out), x.reshape(-1, n_in)
        gx = g @ w if need[0] else None
        gw = g2.T @ x2 if need[1] else None
        if len(self.inputs) == 2:
            return gx, gw
        return gx, gw, (g2.sum(axis=0) if need[2] else None)

    def jvp(self, tx, tw, tb=None):
        x, w = self.inputs[0], self.inputs[1]
        ty = tx @ w.T + x @ tw.T  # the product rule (a weight without tangent: no term)
        return ty if tb is None else ty + tb


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``x @ weight.T + bias``: x (..., in), weight (out, in), bias (out,) -> (..., out).

    Notes
    -----
    Gradients: dL/dx = g @ weight, dL/dweight = gᵀ @ x (summed over batch axes), dL/dbias = Σ g.

    Examples
    --------
    >>> x = al.ones(4, 3)
    >>> w = al.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 1.0]])
    >>> y = al.linear(x, w, al.tensor([0.5, -0.5]))
    >>> y.shape
    (4, 2)
    >>> y[0]
    tensor([1.5, 1.5])
    """
    if bias is None:
        return LinearFunction.apply(x, weight)
    return LinearFunction.apply(x, weight, bias)


class Einsum(Function):
    """Einstein summation, ``np.einsum(subscripts, *operands)``, with explicit subscripts
    (``einsum()`` spells out ``...`` and the implicit output): each operand has one letter per
    axis; the output keeps the letters after ``->`` and sums over the others.

    The gradient of operand k is again an einsum: of G (letters of the output) with the other
    operands, producing operand k's letters. Two fix-ups make that always expressible: a
    letter repeated in operand k (a diagonal, ``ii``) gets a fresh letter tied to it by an
    identity matrix, and a letter that only operand k has (summed away) is brought back by a
    vector of ones (broadcast).
    """

    def forward(self, *operands, terms, output, optimize):
        self.terms, self.output_letters, self.optimize = terms, output, optimize
        return np.einsum(",".join(terms) + "->" + output, *operands, optimize=optimize)

    def backward(self, g):
        need = self.needs_input_grad
        return tuple(self._grad_of(g, k) if need[k] else None for k in range(len(self.terms)))

    def jvp(self, *tangents):
        # Linear in each operand: the sum over k of the einsum with operand k's tangent.
        total = None
        for k, t in enumerate(tangents):
            if is_zero(t):
                continue
            operands = [*self.inputs[:k], t, *self.inputs[k + 1 :]]
            term = Einsum.apply(
                *operands, terms=self.terms, output=self.output_letters, optimize=self.optimize
            )
            total = term if total is None else total + term
        if total is None:  # every tangent a symbolic zero: so is the output's
            return zero_tangent(self.output.shape, self.output.dtype)
        return total

    def _grad_of(self, g: Tensor, k: int) -> Tensor:
        term, inputs = self.terms[k], self.inputs
        terms = [self.output_letters] + [t for j, t in enumerate(self.terms) if j != k]
        operands = [g] + [x for j, x in enumerate(inputs) if j != k]
        have = set("".join(terms))
        fresh = (c for c in _LETTERS if c not in set("".join(self.terms)) | have)
        sizes = np.shape(inputs[k].data if isinstance(inputs[k], Tensor) else inputs[k])
        target = ""
        for c, size in zip(term, sizes):
            if c in target:  # a repeated letter: the diagonal of a fresh pair of axes
                d = next(fresh)
                terms.append(c + d)
                operands.append(np.eye(size, dtype=g.dtype))
                target += d
                continue
            if c not in have:  # summed away in forward: broadcast back along it
                terms.append(c)
                operands.append(np.ones(size, dtype=g.dtype))
                have.add(c)
            target += c
        return Einsum.apply(*operands, terms=terms, output=target, optimize=self.optimize)


def einsum(subscripts: Any, *operands: Any, optimize: Any = False) -> Tensor:
    """Einstein summation, as ``np.einsum``: ``einsum("ij,jk->ik", a, b)`` is ``a @ b``,
    ``einsum("ii", a)`` the trace, ``einsum("...ij->...ji", a)`` a batched transpose, and any
    other subscripts NumPy accepts (the implicit output, ``...``, repeated letters for
    diagonals; also NumPy's sublist form). Operands may be given as one list, as in
    ``torch.einsum("ij,jk", [a, b])``. Differentiable in every operand.

    Shape: as the subscripts say (the letters after ``->``).

    Examples
    --------
    >>> a = al.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> al.einsum("ij,jk->ik", a, a)
    tensor([[ 7., 10.],
            [15., 22.]])
    >>> al.einsum("ii", a)
    tensor(5.)
    """
    if not isinstance(subscripts, str):
        subscripts, operands = _sublists_to_subscripts((subscripts, *operands))
    elif (
        len(operands) == 1
        and isinstance(operands[0], (list, tuple))
        and all(isinstance(x, (Tensor, np.ndarray)) for x in operands[0])
    ):
        operands = tuple(operands[0])
    shapes = [np.shape(x.data if isinstance(x, Tensor) else x) for x in operands]
    terms, output = _einsum_terms(subscripts, shapes)
    return Einsum.apply(*operands, terms=terms, output=output, optimize=optimize)


_LETTERS = string.ascii_letters


def _einsum_terms(subscripts: str, shapes: list[tuple]) -> tuple[list[str], str]:
    """NumPy's subscripts made explicit: one string of letters per operand (``...`` spelled
    out with letters of its own, right-aligned across operands as NumPy broadcasts them) and
    the output's letters (NumPy's implicit output when there is no ``->``: the broadcast
    axes, then the letters used once, in alphabetical order)."""
    spec = subscripts.replace(" ", "")
    bad = set(spec) - set(_LETTERS) - set(".,->")
    if bad or spec.count("->") > 1:
        raise ValueError(f"einsum: invalid subscripts {subscripts!r}")
    lhs, arrow, out = spec.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise ValueError(
            f"einsum: subscripts {subscripts!r} name {len(terms)} operand(s), got {len(shapes)}"
        )
    free = [c for c in _LETTERS if c not in spec]
    counts = []
    for i, (term, shape) in enumerate(zip(terms, shapes)):
        named = len(term.replace("...", ""))
        if term.count("...") > 1 or "." in term.replace("...", ""):
            raise ValueError(f"einsum: invalid subscripts {subscripts!r}")
        if ("..." in term and named > len(shape)) or ("..." not in term and named != len(shape)):
            raise ShapeError(
                f"einsum: operand {i} of shape {fmt_shape(shape)} has {len(shape)} axes, but "
                f"its subscripts {term!r} name {named}"
            )
        counts.append(len(shape) - named if "..." in term else 0)
    broadcast = "".join(free[: max(counts, default=0)])
    terms = [t.replace("...", broadcast[len(broadcast) - n :]) for t, n in zip(terms, counts)]
    if not arrow:
        letters = lhs.replace("...", "").replace(",", "")
        out = broadcast + "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    else:
        out = out.replace("...", broadcast)
    if "." in out or len(set(out)) != len(out) or not set(out) <= set("".join(terms)):
        raise ValueError(f"einsum: invalid output subscripts in {subscripts!r}")
    return terms, out


def _sublists_to_subscripts(args: tuple) -> tuple[str, list]:
    """NumPy's other form, einsum(a, [0, 1], b, [1, 2], [0, 2]): axes numbered by ints
    (Ellipsis for ``...``), turned into a subscripts string."""

    def letters(sub: Sequence) -> str:
        out = ""
        for s in sub:
            if s is Ellipsis:
                out += "..."
            elif isinstance(s, (int, np.integer)) and not isinstance(s, bool) and 0 <= s < 52:
                out += _LETTERS[s]
            else:
                raise ValueError(f"einsum: sublist entries must be ints in [0, 52), got {s!r}")
        return out

    operands = list(args[0::2])
    terms = [letters(sub) for sub in args[1::2]]
    if len(args) % 2:  # a last sublist: the output
        operands.pop()
        return ",".join(terms) + "->" + letters(args[-1]), operands
    return ",".join(terms), operands


def tensordot(a: Any, b: Any, axes: Any = 2, *, dims: Any = None) -> Tensor:
    """Sum of products over pairs of axes, as ``np.tensordot`` / ``torch.tensordot``:
    ``axes=n`` pairs the last n axes of a with the first n of b; ``axes=([1, 0], [0, 1])``
    names the pairs. The result has a's other axes, then b's.

    Built from ops that are there: a's contracted axes moved last and b's first, both
    flattened to matrices, one matmul, and the free axes restored.

    Examples
    --------
    >>> a, b = al.ones(2, 3, 4), al.ones(3, 4, 5)
    >>> al.tensordot(a, b, axes=2).shape
    (2, 5)
    >>> al.tensordot(a, b, axes=([1], [0])).shape
    (2, 4, 4, 5)
    """
    axes = axes if dims is None else dims
    sa = np.shape(a.data if isinstance(a, Tensor) else a)
    sb = np.shape(b.data if isinstance(b, Tensor) else b)
    if isinstance(axes, (int, np.integer)):
        if not 0 <= axes <= min(len(sa), len(sb)):
            raise ShapeError(
                f"tensordot: axes={axes} does not fit shapes {fmt_shape(sa)} and {fmt_shape(sb)}"
            )
        pairs_a, pairs_b = list(range(len(sa) - axes, len(sa))), list(range(axes))
    else:
        pairs_a, pairs_b = ([x] if isinstance(x, (int, np.integer)) else list(x) for x in axes)
    pairs_a = [int(i) % max(len(sa), 1) for i in pairs_a]
    pairs_b = [int(i) % max(len(sb), 1) for i in pairs_b]
    if (
        len(pairs_a) != len(pairs_b)
        or len(set(pairs_a)) != len(pairs_a)
        or any(sa[i] != sb[j] for i, j in zip(pairs_a, pairs_b))
    ):
        raise ShapeError(
            f"tensordot: shapes {fmt_shape(sa)} and {fmt_shape(sb)}: axes {pairs_a} of the first "
            f"and {pairs_b} of the second must have the same sizes"
        )
    free_a = [i for i in range(len(sa)) if i not in pairs_a]
    free_b = [j for j in range(len(sb)) if j not in pairs_b]
    rows, inner, cols = (
        int(np.prod(sizes))
        for sizes in ([sa[i] for i in free_a], [sa[i] for i in pairs_a], [sb[j] for j in free_b])
    )
    left = Permute.apply(a, dims=(*free_a, *pairs_a)).reshape(rows, inner)
    right = Permute.apply(b, dims=(*pairs_b, *free_b)).reshape(inner, cols)
    return (left @ right).reshape(*[sa[i] for i in free_a], *[sb[j] for j in free_b])
