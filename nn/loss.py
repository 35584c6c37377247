"""Loss modules: ``nn.CrossEntropyLoss(label_smoothing=0.1)(scores, y)``.

Every loss comes twice, as in PyTorch: a function holding the maths
(``cross_entropy(scores, y)``, an op of the engine: ``autograd_lite/ops/loss.py``, also
``nn.functional.cross_entropy`` and ``nn.loss.cross_entropy``) and a module class here
holding the options, which calls the function.
"""

from __future__ import annotations

from typing import Any

from autograd_lite import (
    Tensor,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    l1_loss,
    mse_loss,
    multi_margin_loss,
    multiclass_svm_loss,
    nll_loss,
)
from autograd_lite.ops import loss as engine_losses
from nn.module import Module

__all__ = [
    "BCELoss",
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "L1Loss",
    "MSELoss",
    "MultiMarginLoss",
    "MulticlassSVMLoss",
    "NLLLoss",
]
__all__ += engine_losses.__all__  # the loss functions: nn.loss.cross_entropy is al.cross_entropy

Reduction = str  # 'mean' | 'sum' | 'none'


class _Loss(Module):
    """Base of the loss modules: ``loss_fn(input, target)`` calls ``forward``.

    Class weights are buffers (as in PyTorch): they appear in ``state_dict()`` and follow
    ``to(dtype)``.
    """

    def __init__(self, reduction: Reduction = "mean") -> None:
        super().__init__()
        engine_losses.check_loss_options(type(self).__name__, reduction)
        self.reduction = reduction

    def _weight_buffer(self, name: str, value: Any) -> None:
        if value is not None and not isinstance(value, Tensor):
            try:
                value = Tensor(value)
            except (TypeError, ValueError) as exc:  # the message names the loss, not Tensor
                message = str(exc).removeprefix("Tensor: ")
                raise type(exc)(f"{type(self).__name__}: {message}") from None
        self.register_buffer(name, value)

    def forward(self, input: Tensor, target: Any) -> Tensor:
        raise NotImplementedError

    def extra_repr(self) -> str:
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"


class MSELoss(_Loss):
    """Mean squared error, (input - target)² (see ``mse_loss``).

    Shape: input (*), target the same shape; output () for 'mean' and 'sum', (*) for 'none'.

    Examples
    --------
    >>> nn.MSELoss()(al.tensor([1.0, 2.0, 3.0]), al.tensor([1.0, 0.0, 0.0]))
    tensor(4.3333)
    """

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """Mean absolute error, ``|input - target|`` (see ``l1_loss``).

    Shape: input (*), target the same shape; output () for 'mean' and 'sum', (*) for 'none'.

    Examples
    --------
    >>> nn.L1Loss()(al.tensor([1.0, 2.0, 3.0]), al.tensor([1.0, 0.0, 0.0]))
    tensor(1.6667)
    """

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return l1_loss(input, target, reduction=self.reduction)


class BCELoss(_Loss):
    """Binary cross-entropy of probabilities (see ``binary_cross_entropy``).

    Shape: input (*) probabilities, target the same shape; output () for 'mean' and
    'sum', (*) for 'none'.

    Examples
    --------
    >>> nn.BCELoss()(al.tensor([0.9, 0.2]), al.tensor([1.0, 0.0]))
    tensor(0.1643)
    """

    def __init__(self, weight: Any = None, reduction: Reduction = "mean") -> None:
        super().__init__(reduction)
        self._weight_buffer("weight", weight)

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return binary_cross_entropy(input, target, self.weight, self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy on logits, stable (see ``binary_cross_entropy_with_logits``).

    Shape: input (*) raw scores, target the same shape; output () for 'mean' and
    'sum', (*) for 'none'.

    Examples
    --------
    >>> nn.BCEWithLogitsLoss()(al.tensor([2.0, -1.0]), al.tensor([1.0, 0.0]))
    tensor(0.2201)
    """

    def __init__(
        self, weight: Any = None, reduction: Reduction = "mean", pos_weight: Any = None
    ) -> None:
        super().__init__(reduction)
        self._weight_buffer("weight", weight)
        self._weight_buffer("pos_weight", pos_weight)

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return binary_cross_entropy_with_logits(
            input, target, self.weight, self.reduction, self.pos_weight
        )


class CrossEntropyLoss(_Loss):
    """Softmax cross-entropy on raw scores with integer class targets (see ``cross_entropy``).

    ``CrossEntropyLoss()(scores, y)`` with scores (N, C), y (N,) int64.

    Shape: input (N, C) logits, or (N, C, d1, ...); target (N,) or (N, d1, ...) int64
    class indices; output () for 'mean' and 'sum', the target's shape for 'none'.

    Parameters
    ----------
    weight : Tensor of shape (C,), optional
        A weight per class (rare classes counted more).
    ignore_index : int
        Targets with this value add nothing (nor count in the mean).
    reduction : {'mean', 'sum', 'none'}
        Average over the examples, add them up, or return one loss per example.
    label_smoothing : float
        ε in [0, 1]: the target becomes (1 - ε)·onehot + ε/C.

    Examples
    --------
    >>> loss_fn = nn.CrossEntropyLoss()
    >>> scores = al.tensor([[2.0, 1.0, 0.1], [0.5, 2.5, 0.3]], requires_grad=True)
    >>> loss = loss_fn(scores, al.tensor([0, 1]))
    >>> loss
    tensor(0.3185, grad_fn=<SoftmaxCrossEntropy>)
    >>> loss.backward()
    >>> scores.grad.shape
    (2, 3)
    """

    def __init__(
        self,
        weight: Any = None,
        ignore_index: int = -100,
        reduction: Reduction = "mean",
        label_smoothing: float = 0.0,
    ) -> None:
        super().__init__(reduction)
        engine_losses.check_loss_options("CrossEntropyLoss", label_smoothing=label_smoothing)
        self._weight_buffer("weight", weight)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return cross_entropy(
            input, target, self.weight, self.ignore_index, self.reduction, self.label_smoothing
        )

    def extra_repr(self) -> str:
        parts = [super().extra_repr()] if self.reduction != "mean" else []
        if self.label_smoothing:
            parts.append(f"label_smoothing={self.label_smoothing}")
        return ", ".join(parts)


class NLLLoss(_Loss):
    """Negative log-likelihood of log-probabilities (see ``nll_loss``).

    Shape: input (N, C) log-probabilities; target (N,) int64; output () for 'mean' and
    'sum', (N,) for 'none'.

    Examples
    --------
    >>> logp = nn.LogSoftmax(dim=1)(al.tensor([[2.0, 1.0, 0.1]]))
    >>> nn.NLLLoss()(logp, al.tensor([0]))
    tensor(0.417)
    """

    def __init__(
        self, weight: Any = None, ignore_index: int = -100, reduction: Reduction = "mean"
    ) -> None:
        super().__init__(reduction)
        self._weight_buffer("weight", weight)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return nll_loss(input, target, self.weight, self.ignore_index, self.reduction)


class MultiMarginLoss(_Loss):
    """PyTorch's multi-class hinge loss, divided by C (see ``multi_margin_loss``).

    Shape: input (N, C) scores or (C,); target (N,) or (); output () for 'mean' and
    'sum', (N,) for 'none'.

    Examples
    --------
    >>> nn.MultiMarginLoss()(al.tensor([[3.2, 5.1, -1.7]]), al.tensor([0]))
    tensor(0.9667)
    """

    def __init__(
        self,
        p: int = 1,
        margin: float = 1.0,
        weight: Any = None,
        reduction: Reduction = "mean",
    ) -> None:
        super().__init__(reduction)
        engine_losses.check_loss_options("MultiMarginLoss", p=p)
        self.p = p
        self.margin = margin
        self._weight_buffer("weight", weight)

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return multi_margin_loss(input, target, self.p, self.margin, self.weight, self.reduction)


class MulticlassSVMLoss(_Loss):
    """The cs231n multiclass SVM hinge loss, Σ_{j≠y} max(0, s_j - s_y + Δ)
    (see ``multiclass_svm_loss``).

    Shape: scores (N, C) or (C,); target (N,) or (); output () for 'mean' and
    'sum', (N,) for 'none'.

    Examples
    --------
    >>> nn.MulticlassSVMLoss()(al.tensor([[3.2, 5.1, -1.7]]), al.tensor([0]))
    tensor(2.9)
    """

    def __init__(self, delta: float = 1.0, reduction: Reduction = "mean") -> None:
        super().__init__(reduction)
        self.delta = delta

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return multiclass_svm_loss(input, target, self.delta, self.reduction)

    def extra_repr(self) -> str:
        parts = [f"delta={self.delta}"] if self.delta != 1.0 else []
        if self.reduction != "mean":
            parts.append(f"reduction={self.reduction!r}")
        return ", ".join(parts)
