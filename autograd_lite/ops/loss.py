"""Losses: how far a model's output is from the target, as one number to minimize.

Each is a function with PyTorch's name and arguments (``cross_entropy(scores, y)``);
``nn`` wraps each in a module class holding the options (``nn.CrossEntropyLoss``) and
exports the functions as ``nn.functional``'s.

``reduction`` says what to do with the per-element losses ℓ_i:
``'mean'`` (the default) averages them, ``'sum'`` adds them, ``'none'`` returns them.

Shapes: N examples, C classes. Regression losses take ``input`` and ``target`` of the same
shape; classification losses take scores ``(N, C)`` (or ``(N, C, d1, ...)``, e.g. a class
per pixel) and integer class targets ``(N,)`` (or ``(N, d1, ...)``).

Where numerical stability or speed asks for it (cross-entropy, binary cross-entropy with or
without logits, negative log-likelihood) the loss is one fused ``Function`` with its
forward and backward below; the others are built from ordinary tensor ops.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_lite import forward_ad
from autograd_lite.errors import ShapeError, fmt_shape
from autograd_lite.forward_ad import is_zero
from autograd_lite.function import Function
from autograd_lite.grad_mode import is_grad_enabled
from autograd_lite.ops.activations import relu, sigmoid
from autograd_lite.ops.elementary import exp, log
from autograd_lite.ops.reduce import softmax
from autograd_lite.ops.selection import clip
from autograd_lite.tensor import Tensor, as_array

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "l1_loss",
    "mse_loss",
    "multi_margin_loss",
    "multiclass_svm_loss",
    "nll_loss",
]


Reduction = str  # 'mean' | 'sum' | 'none'


def check_loss_options(
    where: str, reduction: str = "mean", label_smoothing: float = 0.0, p: int = 1
) -> None:
    """ValueError, naming ``where``, for an option no loss accepts: the loss functions check
    their options with it, and nn's loss modules when they are built."""
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{where}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{where}: label_smoothing must be in [0, 1], got {label_smoothing}")
    if p not in (1, 2):
        raise ValueError(f"{where}: p must be 1 or 2, got {p!r}")


def _reduce(loss: Tensor, reduction: str, weight: Any = None) -> Tensor:
    """The per-element losses, times ``weight`` if given, reduced as ``reduction`` says."""
    if weight is not None:
        loss = loss * weight
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _float_tensor(x: Any, where: str) -> Tensor:
    """The model's output: a floating-point Tensor (arrays and lists are wrapped)."""
    if not isinstance(x, Tensor):
        x = Tensor(as_array(x, where=where))
    if x.dtype.kind != "f":
        raise TypeError(
            f"{where}: input must be floating-point scores, got dtype {x.dtype} "
            "(convert it with .float())"
        )
    return x


def _float_target(target: Any, input: Tensor, where: str) -> Tensor | np.ndarray:
    """A regression target: a Tensor that requires grad (kept as it is), or else an array
    in the input's dtype.

    Converting keeps a float32 model in float32 when the targets come as float64, and
    lets integer or bool targets (0/1 labels) be used as they are.
    """
    if isinstance(target, Tensor):
        if target.requires_grad or forward_ad.is_active():  # (keep its graph, or its tangent)
            return target if target.dtype.kind == "f" else target.astype(input.dtype)
        target = target.data
    arr = as_array(target, where=where)
    return arr.astype(input.dtype, copy=False)


def _elementwise_problem(input: Any, target: Any, where: str) -> tuple[Tensor, Tensor | np.ndarray]:
    """Check a loss comparing input and target element by element (regression, binary);
    return (input as a float Tensor, target: see ``_float_target``)."""
    input = _float_tensor(input, where)
    target = _float_target(target, input, where)
    # PyTorch broadcasts here (with a warning). We refuse: an output of shape (N, 1) against
    # targets of shape (N,) would broadcast to (N, N) and train on a meaningless loss.
    if input.shape != target.shape:
        raise ShapeError(
            f"{where}: input shape {fmt_shape(input.shape)} and target shape "
            f"{fmt_shape(target.shape)} differ; they must be equal (no broadcasting: "
            "(N, 1) against (N,) would silently compare every output with every target; "
            "reshape one of them, e.g. input.reshape(-1) or target.reshape(-1, 1))"
        )
    return input, target


def _class_problem(
    input: Any,
    target: Any,
    where: str,
    weight: Any = None,
    ignore_index: int | None = None,
    spatial: bool = True,
) -> tuple[Tensor, np.ndarray, np.ndarray | None, bool]:
    """Check a classification loss's arguments; return (input, target, weight, unbatched).

    input: (N, C) or (N, C, d1, ...) float scores (``spatial``), or (C,) for one example;
    target: (N,) or (N, d1, ...) integer class indices in [0, C) (or ``ignore_index``),
    () for one example; weight: (C,) per-class weights or None. A single example (C,) is
    returned as (1, C).
    """
    input = _float_tensor(input, where)
    t = target.data if isinstance(target, Tensor) else as_array(target, where=where)
    if t.dtype.kind not in "iu":
        raise TypeError(
            f"{where}: target must hold integer class indices (dtype int64), got dtype "
            f"{t.dtype}; convert it with target.long() (targets that are class "
            "probabilities or one-hot rows are not supported: pass the class index)"
        )
    if input.ndim == 0 or (input.ndim > 2 and not spatial):
        allowed = "(N, C) or (C,)" if not spatial else "(N, C), (N, C, d1, ...) or (C,)"
        raise ShapeError(f"{where}: input must have shape {allowed}, got {fmt_shape(input.shape)}")
    unbatched = input.ndim == 1
    if unbatched:
        if t.ndim != 0:
            raise ShapeError(
                f"{where}: for an input of shape {fmt_shape(input.shape)} (one example) the "
                f"target must be a single class index of shape (), got {fmt_shape(t.shape)}"
            )
        input, t = input.reshape(1, -1), t.reshape(1)
    expected = (input.shape[0], *input.shape[2:])
    if t.shape != expected:
        raise ShapeError(
            f"{where}: input of shape {fmt_shape(input.shape)} needs a target of shape "
            f"{fmt_shape(expected)} (one class index per example), got "
            f"{fmt_shape(t.shape)}"
        )
    w = None
    if weight is not None:
        w = weight.data if isinstance(weight, Tensor) else as_array(weight, where=where)
        if w.shape != (input.shape[1],):
            raise ShapeError(
                f"{where}: weight must have one entry per class, shape ({input.shape[1]},), "
                f"got {fmt_shape(w.shape)}"
            )
        w = w.astype(input.dtype, copy=False)
    _check_class_range(t, input.shape[1], where, ignore_index)
    return input, t, w, unbatched


def _one_example(loss: Tensor, unbatched: bool) -> Tensor:
    """The per-example losses of a single example (C,) input as a 0-d tensor."""
    return loss.reshape(()) if unbatched and loss.ndim else loss


def _check_class_range(t: np.ndarray, n_classes: int, where: str, ignore_index: int | None) -> None:
    bad = (t < 0) | (t >= n_classes)
    if ignore_index is not None:
        bad &= t != ignore_index
    if bad.any():
        values = np.unique(t[bad])
        shown = ", ".join(str(v) for v in values[:5]) + (", ..." if len(values) > 5 else "")
        ignore = f" (or ignore_index={ignore_index})" if ignore_index is not None else ""
        raise ValueError(
            f"{where}: target values must be class indices in [0, {n_classes - 1}] for "
            f"{n_classes} classes{ignore}; got {shown} (first at position "
            f"{tuple(int(i) for i in np.argwhere(bad)[0])})"
        )


def _target_weights(
    t: np.ndarray, weight: np.ndarray | None, ignore_index: int, dtype: np.dtype
) -> tuple[np.ndarray, np.ndarray, float]:
    """For class targets t (N, ...): (t with ignored entries set to class 0, each entry's
    weight w[t_i] (0 where ignored), the divisor of 'mean': Σ_i w[t_i])."""
    keep = t != ignore_index
    t_safe = np.where(keep, t, 0)  # a valid index to gather with; its weight is 0
    w_t = keep.astype(dtype) if weight is None else weight[t_safe] * keep
    return t_safe, w_t, float(w_t.sum())


def _gather(x: np.ndarray, t: np.ndarray) -> np.ndarray:
    """x[i, t_i, ...] for every i: x (N, C, ...), t (N, ...) -> (N, ...)."""
    return np.take_along_axis(x, t[:, None], axis=1)[:, 0]


def _onehot(t: np.ndarray, values: np.ndarray, shape: tuple, dtype: np.dtype) -> np.ndarray:
    """An array of ``shape`` (N, C, ...) with values[i] at class t_i and 0 elsewhere."""
    q = np.zeros(shape, dtype=dtype)
    np.put_along_axis(q, t[:, None], values[:, None], axis=1)
    return q


def _finish(total: np.ndarray, denom: float, reduction: str) -> np.ndarray:
    """Per-element losses -> the reduction; 'mean' is PyTorch's weighted mean Σ ℓ_i / Σ w[t_i]."""
    if reduction == "none":
        return total
    s = total.sum()
    if reduction == "sum":
        return s
    if not denom:  # every target ignored: NaN, as PyTorch
        return s.dtype.type(np.nan)
    return s / s.dtype.type(denom)


def _loss_tangent(per_class: Tensor, reduction: str, denom: float) -> Tensor:
    """A class loss's tangent from its terms per example and class (N, C, ...): summed over
    the classes, then reduced as the loss is."""
    per_example = per_class.sum(axis=1)
    if reduction == "none":
        return per_example
    total = per_example.sum()
    if reduction == "sum":
        return total
    return total / denom if denom else total * float("nan")  # (every target ignored: NaN)


def _scale(g: Tensor, reduction: str, denom: float) -> Tensor:
    """The incoming gradient, shaped to multiply a (N, C, ...) gradient: reductions give a
    scalar g (divided by the mean's divisor), 'none' gives one value per example."""
    if reduction == "none":
        return g.unsqueeze(1)
    return g / denom if reduction == "mean" else g


def mse_loss(input: Tensor, target: Any, reduction: Reduction = "mean") -> Tensor:
    """Mean squared error: ℓ_i = (input_i - target_i)².

    input, target: same shape (*) -> () for 'mean' and 'sum', (*) for 'none'.
    Shapes must be equal (``ShapeError`` otherwise: no silent broadcasting).

    Examples
    --------
    >>> pred = al.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> loss = al.mse_loss(pred, al.tensor([1.0, 0.0, 0.0]))
    >>> loss
    tensor(4.3333, grad_fn=<Div>)
    >>> loss.backward()
    >>> pred.grad
    tensor([0.    , 1.3333, 2.    ])
    """
    check_loss_options("mse_loss", reduction)
    input, target = _elementwise_problem(input, target, "mse_loss")
    diff = input - target
    return _reduce(diff * diff, reduction)


def l1_loss(input: Tensor, target: Any, reduction: Reduction = "mean") -> Tensor:
    """Mean absolute error: ℓ_i = ``|input_i - target_i|`` (gradient sign(input_i - target_i)).

    input, target: same shape (*) -> () for 'mean' and 'sum', (*) for 'none'.

    Examples
    --------
    >>> al.l1_loss(al.tensor([1.0, 2.0, 3.0]), al.tensor([1.0, 0.0, 0.0]))
    tensor(1.6667)
    >>> al.l1_loss(al.tensor([1.0, 2.0]), al.tensor([0.0, 0.0]), reduction="none")
    tensor([1., 2.])
    """
    check_loss_options("l1_loss", reduction)
    input, target = _elementwise_problem(input, target, "l1_loss")
    return _reduce((input - target).abs(), reduction)


class BinaryCrossEntropy(Function):
    """ℓ = -[y·log p + (1-y)·log(1-p)] for a probability p in [0, 1] and a target y.

    Each log is clamped to >= -100 (as PyTorch), so p = 0 or 1 gives a large finite loss,
    not inf.

        dℓ/dp = (p - y) / (p(1-p))      (denominator clamped to >= 1e-12, as PyTorch)
        dℓ/dy = log(1-p) - log p        (the clamped logs: at p = 0 or 1 this is ±100,
                                         where PyTorch gives ±inf)
    """

    label = "bce"

    def forward(self, p, y):
        with np.errstate(divide="ignore"):  # log(0) = -inf, clamped just below
            log_p = np.maximum(np.log(p), -100.0)
            log_1mp = np.maximum(np.log(1.0 - p), -100.0)
        return -(y * log_p + (1.0 - y) * log_1mp)

    def backward(self, g):
        need_p, need_y = self.needs_input_grad
        gp = g * self._d_p() if need_p else None
        gy = g * self._d_y() if need_y else None
        return gp, gy

    def jvp(self, tp, ty):
        t = tp * self._d_p()
        return t if is_zero(ty) else t + ty * self._d_y()  # (a fixed target: no term)

    def _d_p(self) -> Tensor:
        p, y = self.inputs
        return (p - y) / clip(p * (1.0 - p), min=1e-12)

    def _d_y(self) -> Tensor:
        # The clamped logs again, as Tensor ops: differentiable (in p too).
        p = self.inputs[0]
        with np.errstate(divide="ignore"):
            return clip(log(1.0 - p), min=-100.0) - clip(log(p), min=-100.0)


def binary_cross_entropy(
    input: Tensor, target: Any, weight: Any = None, reduction: Reduction = "mean"
) -> Tensor:
    """Binary cross-entropy of probabilities: ℓ_i = -w_i·[y_i·log p_i + (1-y_i)·log(1-p_i)].

    input: probabilities in [0, 1] (e.g. after ``sigmoid``), shape (*); target: same shape,
    values in [0, 1]; weight: broadcastable to (*), optional. Prefer
    ``binary_cross_entropy_with_logits`` on the raw scores: it is exact where this one
    clamps (a sigmoid that rounds to 1.0 loses the gradient).

    Examples
    --------
    >>> p = al.tensor([0.9, 0.2])
    >>> al.binary_cross_entropy(p, al.tensor([1.0, 0.0]))
    tensor(0.1643)
    """
    where = "binary_cross_entropy"
    check_loss_options(where, reduction)
    input, target = _elementwise_problem(input, target, where)
    p = input.data
    if p.size and not np.all((p >= 0) & (p <= 1)):  # NaN fails both comparisons
        raise ValueError(
            f"{where}: input must be probabilities in [0, 1], got values from {p.min():.4g} "
            f"to {p.max():.4g} (apply sigmoid first, or use binary_cross_entropy_with_logits)"
        )
    return _reduce(BinaryCrossEntropy.apply(input, target), reduction, weight)


class BCEWithLogits(Function):
    """Binary cross-entropy on a logit x (a raw score, p = σ(x)), computed stably.

        ℓ = max(x, 0) - x·y + log(1 + e^-|x|)

    equals -[y·log σ(x) + (1-y)·log(1-σ(x))] but never exponentiates a large positive
    number. With a weight ``pos_weight`` = p_w on the positive class (PyTorch's formula):

        ℓ = (1-y)·x + L·softplus(-x),   L = 1 + (p_w - 1)·y,
        softplus(-x) = log(1 + e^-x) = log(1 + e^-|x|) + max(-x, 0)

    Derivatives (p_w = 1 without pos_weight):

        dℓ/dx = L·σ(x) - p_w·y        (σ(x) - y: the prediction minus the target)
        dℓ/dy = -x + (p_w - 1)·softplus(-x)
        dℓ/dp_w = y·softplus(-x)
    """

    label = "bce_with_logits"

    def forward(self, x, y, pos_weight=None):
        softplus_neg = np.log1p(np.exp(-np.abs(x))) + np.maximum(-x, 0)
        if pos_weight is None:
            return (1.0 - y) * x + softplus_neg
        return (1.0 - y) * x + (1.0 + (pos_weight - 1.0) * y) * softplus_neg

    def backward(self, g):
        need = self.needs_input_grad
        gx = g * self._d_x() if need[0] else None
        gy = g * self._d_y() if need[1] else None
        if len(self.inputs) == 2:
            return gx, gy
        gpw = g * self._d_pos_weight() if need[2] else None
        return gx, gy, gpw

    def jvp(self, tx, ty, tpw=None):
        t = tx * self._d_x()
        if not is_zero(ty):  # (a fixed target, the usual case: no term)
            t = t + ty * self._d_y()
        if tpw is not None and not is_zero(tpw):
            t = t + tpw * self._d_pos_weight()
        return t

    def _d_x(self) -> Tensor:
        x, y = self.inputs[0], self.inputs[1]
        if len(self.inputs) == 2:
            return sigmoid(x) - y
        pw = self.inputs[2]
        return (1.0 + (pw - 1.0) * y) * sigmoid(x) - pw * y

    def _d_y(self) -> Tensor:
        x = self.inputs[0]
        if len(self.inputs) == 2:
            return -x
        return (self.inputs[2] - 1.0) * self._softplus_neg() - x

    def _d_pos_weight(self) -> Tensor:
        return self.inputs[1] * self._softplus_neg()

    def _softplus_neg(self) -> Tensor:
        """softplus(-x) = log(1 + e^-|x|) + max(-x, 0), as Tensor ops (differentiable)."""
        x = self.inputs[0]
        return log(1.0 + exp(-x.abs())) + relu(-x)


def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Any,
    weight: Any = None,
    reduction: Reduction = "mean",
    pos_weight: Any = None,
) -> Tensor:
    """Binary cross-entropy on logits: ``binary_cross_entropy(sigmoid(input), target)``
    fused and stable (see ``BCEWithLogits`` for the formula).

    input: raw scores, shape (*); target: same shape, values in [0, 1]; weight:
    broadcastable to (*); pos_weight: broadcastable to (*), typically (C,) for C
    independent labels, > 1 to count positives more (recall), < 1 for precision.

    Examples
    --------
    >>> logits = al.tensor([2.0, -1.0], requires_grad=True)
    >>> loss = al.binary_cross_entropy_with_logits(logits, al.tensor([1.0, 0.0]))
    >>> loss
    tensor(0.2201, grad_fn=<Div>)
    >>> loss.backward()
    >>> logits.grad  # (sigmoid(x) - y) / N
    tensor([-0.0596,  0.1345])
    """
    where = "binary_cross_entropy_with_logits"
    check_loss_options(where, reduction)
    input, target = _elementwise_problem(input, target, where)
    if pos_weight is None:
        loss = BCEWithLogits.apply(input, target)
    else:
        if not isinstance(pos_weight, Tensor):
            pos_weight = as_array(pos_weight, dtype=input.dtype, where=where)
        loss = BCEWithLogits.apply(input, target, pos_weight)
    return _reduce(loss, reduction, weight)


class SoftmaxCrossEntropy(Function):
    """Cross-entropy of softmax(x) against class targets, fused into one op.

    x: (N, C) scores, or (N, C, d1, ...) with classes on axis 1; t: (N,) or (N, d1, ...)
    class indices. In the plain case:

        ℓ_i = -log softmax(x_i)[t_i] = logsumexp(x_i) - x_i[t_i]
        dℓ/dx_i = softmax(x_i) - onehot(t_i)         (divided by N for 'mean')

    Forward subtracts max(x_i) before exponentiating (nothing overflows) and one node
    replaces the softmax, log, index and mean nodes: faster, and exact where
    log(softmax(x)) would round to log(0).

    In general, with class weights w, label smoothing ε and ignored targets, example i
    has a target distribution q_i (zero for an ignored example):

        q_i = (1-ε)·w[t_i]·onehot(t_i) + (ε/C)·w
        ℓ_i = -Σ_c q_ic·log softmax(x_i)_c
        dℓ/dx_i = softmax(x_i)·Σ_c q_ic - q_i

    and 'mean' divides Σ_i ℓ_i by Σ_i w[t_i] over non-ignored examples (PyTorch's
    weighted mean, so that weights change the balance of classes, not the loss's scale).
    """

    label = "cross_entropy"

    def forward(self, x, t, *, weight, ignore_index, label_smoothing, reduction):
        shifted = x - x.max(axis=1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        self.probs = np.exp(log_p)
        self.reduction = reduction
        if x.ndim == 2 and weight is None and not label_smoothing and ignore_index not in t:
            # The plain case (most training): q = onehot(t), Σ_c q_ic = 1, divisor N.
            # The general code below gives the same numbers with several more passes.
            rows = np.arange(len(t))
            self.q = np.zeros_like(x)
            self.q[rows, t] = 1.0
            self.q_total, self.denom = 1.0, float(len(t))
            return _finish(-log_p[rows, t], self.denom, reduction)
        t_safe, w_t, self.denom = _target_weights(t, weight, ignore_index, x.dtype)
        eps, n_classes = label_smoothing, x.shape[1]
        # q: the target distribution, kept for backward
        self.q = _onehot(t_safe, (1.0 - eps) * w_t, x.shape, x.dtype)
        losses = -(1.0 - eps) * w_t * _gather(log_p, t_safe)
        if eps:
            w = np.ones(n_classes, x.dtype) if weight is None else weight
            w_b = (eps / n_classes) * w.reshape((1, -1) + (1,) * (x.ndim - 2))
            keep = np.expand_dims(t != ignore_index, 1)
            smooth = w_b * keep  # (N, C, ...): the ε/C·w part of q_i, 0 where ignored
            self.q += smooth
            losses -= (smooth * log_p).sum(axis=1)
        self.q_total = self.q.sum(axis=1, keepdims=True)  # Σ_c q_ic: w[t_i], 1 in the plain case
        return _finish(losses, self.denom, reduction)

    def backward(self, g):
        return _scale(g, self.reduction, self.denom) * self._d_x(), None

    def jvp(self, tx, _):  # (the targets: no tangent)
        return _loss_tangent(tx * self._d_x(), self.reduction, self.denom)

    def _d_x(self) -> Tensor | np.ndarray:
        """dℓ_i/dx_i = softmax(x_i)·Σ_c q_ic - q_i, for every example and class (N, C, ...)."""
        if is_grad_enabled() or forward_ad.is_active():
            # Recorded (create_graph=True) or carrying tangents: softmax as an op, so that
            # this derivative can be differentiated in turn.
            probs = softmax(self.inputs[0], axis=1)
        else:
            probs = self.probs  # the plain backward reuses the forward's softmax
        return probs * self.q_total - self.q


def cross_entropy(
    input: Tensor,
    target: Any,
    weight: Any = None,
    ignore_index: int = -100,
    reduction: Reduction = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Softmax cross-entropy: -log of the probability softmax(input) gives the target class.

    input: (N, C) raw scores (logits; no softmax before!) or (N, C, d1, ...), or (C,) for
    one example; target: (N,) (or (N, d1, ...), or ()) integer class indices in [0, C);
    weight: (C,) per-class weights; targets equal to ``ignore_index`` contribute nothing;
    ``label_smoothing`` ε in [0, 1] mixes the one-hot target with the uniform distribution
    (q = (1-ε)·onehot + ε/C). Returns () for 'mean' and 'sum', the target's shape for 'none'.
    See ``SoftmaxCrossEntropy`` for the formulas.

    Parameters
    ----------
    input : Tensor of shape (N, C)
        Raw scores (logits), or (N, C, d1, ...), or (C,) for one example.
    target : Tensor of shape (N,)
        Integer class indices in [0, C).
    weight : Tensor of shape (C,), optional
        A weight per class.
    ignore_index : int
        Targets with this value add nothing.
    reduction : {'mean', 'sum', 'none'}
        Average over the examples, add them up, or return one loss per example.
    label_smoothing : float
        ε in [0, 1].

    Returns
    -------
    Tensor
        () for 'mean' and 'sum', the target's shape for 'none'.

    Examples
    --------
    >>> scores = al.tensor([[2.0, 1.0, 0.1], [0.5, 2.5, 0.3]], requires_grad=True)
    >>> loss = al.cross_entropy(scores, al.tensor([0, 1]))
    >>> loss
    tensor(0.3185, grad_fn=<SoftmaxCrossEntropy>)
    >>> loss.backward()
    >>> scores.grad  # (softmax(scores) - onehot(y)) / N
    tensor([[-0.1705,  0.1212,  0.0493],
            [ 0.0543, -0.0988,  0.0445]])
    """
    where = "cross_entropy"
    check_loss_options(where, reduction, label_smoothing)
    x, t, w, unbatched = _class_problem(input, target, where, weight, ignore_index)
    loss = SoftmaxCrossEntropy.apply(
        x,
        t,
        weight=w,
        ignore_index=ignore_index,
        label_smoothing=float(label_smoothing),
        reduction=reduction,
    )
    return _one_example(loss, unbatched)


class NLL(Function):
    """Negative log-likelihood of log-probabilities x (e.g. the output of log_softmax).

        ℓ_i = -w[t_i]·x_i[t_i]               (0 where t_i == ignore_index)
        dℓ/dx_i = -w[t_i]·onehot(t_i)         ('mean' divides by Σ_i w[t_i])

    x: (N, C) or (N, C, d1, ...); t: (N,) or (N, d1, ...).
    """

    label = "nll_loss"

    def forward(self, x, t, *, weight, ignore_index, reduction):
        t_safe, w_t, self.denom = _target_weights(t, weight, ignore_index, x.dtype)
        self.neg_onehot = _onehot(t_safe, -w_t, x.shape, x.dtype)
        self.reduction = reduction
        return _finish(-w_t * _gather(x, t_safe), self.denom, reduction)

    def backward(self, g):
        return _scale(g, self.reduction, self.denom) * self.neg_onehot, None

    def jvp(self, tx, _):  # linear in x: the loss of the tangent
        return _loss_tangent(tx * self.neg_onehot, self.reduction, self.denom)


def nll_loss(
    input: Tensor,
    target: Any,
    weight: Any = None,
    ignore_index: int = -100,
    reduction: Reduction = "mean",
) -> Tensor:
    """Negative log-likelihood: -input[i, target_i], for input = log-probabilities.

    ``nll_loss(log_softmax(scores, 1), y)`` equals ``cross_entropy(scores, y)``.
    Shapes, ``weight`` and ``ignore_index`` as in ``cross_entropy``.

    Examples
    --------
    >>> logp = al.log_softmax(al.tensor([[2.0, 1.0, 0.1]]), dim=1)
    >>> al.nll_loss(logp, al.tensor([0]))
    tensor(0.417)
    """
    where = "nll_loss"
    check_loss_options(where, reduction)
    x, t, w, unbatched = _class_problem(input, target, where, weight, ignore_index)
    loss = NLL.apply(x, t, weight=w, ignore_index=ignore_index, reduction=reduction)
    return _one_example(loss, unbatched)


def _hinges(x: Tensor, t: np.ndarray, margin: float) -> Tensor:
    """max(0, margin - x_i[t_i] + x_ij) for every wrong class j, 0 at j = t_i: (N, C)."""
    rows = np.arange(x.shape[0])
    correct = x[rows, t].unsqueeze(1)  # (N, 1): each example's score for its true class
    wrong = np.ones(x.shape, dtype=x.dtype)
    wrong[rows, t] = 0
    return relu(x - correct + margin) * wrong


def multi_margin_loss(
    input: Tensor,
    target: Any,
    p: int = 1,
    margin: float = 1.0,
    weight: Any = None,
    reduction: Reduction = "mean",
) -> Tensor:
    """PyTorch's multi-class hinge loss:

        ℓ_i = Σ_{j ≠ y_i} w[y_i]·max(0, margin - x_i[y_i] + x_ij)^p / C

    input: (N, C) scores or (C,); target: (N,) class indices or (); p: 1 or 2;
    weight: (C,) optional. Note the division by C, which the cs231n SVM loss does not do
    (see ``multiclass_svm_loss``).

    Shapes: input (N, C) or (C,); target (N,) or (); the result () for 'mean' and 'sum',
    (N,) for 'none'.

    Examples
    --------
    >>> scores = al.tensor([[3.2, 5.1, -1.7]])
    >>> al.multi_margin_loss(scores, al.tensor([0]))
    tensor(0.9667)
    """
    where = "multi_margin_loss"
    check_loss_options(where, reduction, p=p)
    x, t, w, unbatched = _class_problem(input, target, where, weight, spatial=False)
    h = _hinges(x, t, margin)
    if p == 2:
        h = h * h
    if w is not None:
        h = h * w[t][:, None]
    return _one_example(_reduce(h.sum(axis=1) / x.shape[1], reduction), unbatched)


def multiclass_svm_loss(
    scores: Tensor, target: Any, delta: float = 1.0, reduction: Reduction = "mean"
) -> Tensor:
    """The multiclass SVM (hinge) loss of cs231n:

        ℓ_i = Σ_{j ≠ y_i} max(0, s_ij - s_i[y_i] + Δ)

    Every wrong class whose score comes within Δ of the correct one's adds its shortfall.
    scores: (N, C) or (C,); target: (N,) class indices or (). 'mean' averages over the N
    examples (no division by C, unlike ``multi_margin_loss``). Example: scores
    [3.2, 5.1, -1.7] with correct class 0 give max(0, 5.1-3.2+1) + max(0, -1.7-3.2+1) = 2.9.

    Shapes: scores (N, C) or (C,); target (N,) or (); the result () for 'mean' and 'sum',
    (N,) for 'none'.

    Examples
    --------
    >>> scores = al.tensor([[3.2, 5.1, -1.7], [1.3, 4.9, 2.0], [2.2, 2.5, -3.1]])
    >>> al.multiclass_svm_loss(scores, al.tensor([0, 1, 2]), reduction="none")
    tensor([ 2.9,  0. , 12.9])
    """
    where = "multiclass_svm_loss"
    check_loss_options(where, reduction)
    x, t, _, unbatched = _class_problem(scores, target, where, spatial=False)
    return _one_example(_reduce(_hinges(x, t, delta).sum(axis=1), reduction), unbatched)
