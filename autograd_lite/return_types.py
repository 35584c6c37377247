"""The named tuples some ops return, as PyTorch's ``torch.return_types``.

``x.max(dim=1)`` is ``return_types.max(values, indices)``: it unpacks as a pair
(``_, predicted = x.max(1)``), indexes as one (``x.max(1)[1]``) and names its fields
(``.values``, ``.indices``). A tuple, not a tensor: using it as a number is refused by name
(``as_array``), never turned into a stacked array.
"""

from __future__ import annotations

from typing import Any, NamedTuple

__all__ = ["max", "min", "sort", "topk"]


class _ValuesIndices(NamedTuple):
    values: Any
    indices: Any


def _named(name: str) -> type:
    cls = type(name, (_ValuesIndices,), {"__slots__": (), "__module__": __name__})
    cls.__qualname__ = name
    cls.__repr__ = lambda self: (  # type: ignore[method-assign]
        f"autograd_lite.return_types.{name}(\nvalues={self.values!r},\nindices={self.indices!r})"
    )
    return cls


max = _named("max")
min = _named("min")
sort = _named("sort")
topk = _named("topk")


def is_return_type(x: Any) -> bool:
    """True for the named tuples above (values, indices)."""
    return isinstance(x, _ValuesIndices)
