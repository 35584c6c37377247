"""``device``: where a tensor's numbers live. Always the CPU here (NumPy arrays in memory).

PyTorch code names devices (``x.to("cpu")``, ``x.cpu()``, ``torch.device("cpu")``,
``x.device``): those run unchanged. Any other device (``"cuda"``, ``"mps"``) is refused with
a clear ``RuntimeError``, never ignored: code that asked for a GPU must not silently train on
the CPU thinking otherwise.
"""

from __future__ import annotations

from typing import Any

__all__ = ["accelerator", "cuda", "device"]


class device:
    """A device: ``device("cpu")`` (or ``device("cpu", 0)``, ``device("cpu:0")``) only.

    Examples
    --------
    >>> al.device("cpu")
    device(type='cpu')
    >>> al.zeros(2).device
    device(type='cpu')
    """

    __slots__ = ("index", "type")

    def __init__(self, type: Any = "cpu", index: int | None = None) -> None:
        if isinstance(type, device):
            type, index = type.type, type.index if index is None else index
        if not isinstance(type, str):
            raise TypeError(f"device: expected a string such as 'cpu', got {type!r}")
        name, _, number = type.partition(":")
        if name != "cpu":
            raise RuntimeError(
                f"device: {type!r} is not available: autograd-lite computes on the CPU with "
                "NumPy only, so use device('cpu') (or leave .to(...) out). To train on a GPU, "
                "export the model to PyTorch (nn.export.to_torch)."
            )
        if number:
            if not number.isdigit():
                raise RuntimeError(f"device: invalid device string {type!r}")
            index = int(number)
        self.type = "cpu"
        self.index = index

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            try:
                other = device(other)
            except (RuntimeError, TypeError):
                return False
        return isinstance(other, device) and other.type == self.type

    def __hash__(self) -> int:
        return hash(self.type)

    def __repr__(self) -> str:
        index = "" if self.index is None else f", index={self.index}"
        return f"device(type={self.type!r}{index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"


CPU = device("cpu")


class _NoAccelerator:
    """``al.cuda`` and ``al.accelerator``: PyTorch's checks for a GPU, answering no, so
    ``device = "cuda" if torch.cuda.is_available() else "cpu"`` picks the CPU."""

    def __init__(self, name: str) -> None:
        self.name = name

    def is_available(self) -> bool:
        return False

    def device_count(self) -> int:
        return 0

    def current_accelerator(self) -> None:
        return None

    def __repr__(self) -> str:
        return f"<autograd_lite.{self.name}: not available (CPU only)>"


cuda = _NoAccelerator("cuda")
accelerator = _NoAccelerator("accelerator")


def is_device(x: Any) -> bool:
    """True for a device or a string naming one (even an unavailable one: ``"cuda"``)."""
    if isinstance(x, device):
        return True
    return isinstance(x, str) and x.partition(":")[0] in {
        "cpu",
        "cuda",
        "mps",
        "xpu",
        "meta",
        "xla",
        "hip",
        "vulkan",
        "ipu",
        "hpu",
        "mtia",
    }
