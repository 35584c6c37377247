"""``torch.utils.data``'s pieces: Dataset, TensorDataset, Subset, random_split, the samplers
and default_collate. ``nn.data.DataLoader`` puts them together.

A dataset is anything with ``__len__`` and ``__getitem__(i)`` for ``0 <= i < len``; the
loader asks only for those indices (never iterates the object until IndexError, so a dataset
whose ``__getitem__`` wraps around, ``X[i % n]``, is fine). A sampler says in which order;
a batch sampler groups the indices into batches; ``default_collate`` turns a list of samples
into one batch: tensors and arrays stacked, numbers into a tensor, and tuples, lists and
dicts of those collated field by field, exactly as PyTorch's does (a tuple sample gives a
list batch, Python floats give float64, arrays keep their dtype).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np

import autograd_lite
from autograd_lite import Tensor

__all__ = [
    "BatchSampler",
    "Dataset",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "Subset",
    "SubsetRandomSampler",
    "TensorDataset",
    "default_collate",
    "random_split",
]


class Dataset:
    """Base class of map-style datasets (PyTorch's ``Dataset``): define ``__len__`` and
    ``__getitem__(index)`` returning one sample (a tensor, an array, a tuple, a dict ...).

    Examples
    --------
    >>> class Squares(nn.data.Dataset):
    ...     def __len__(self):
    ...         return 4
    ...     def __getitem__(self, i):
    ...         return al.tensor([float(i)]), al.tensor([float(i * i)])
    >>> xb, yb = next(iter(nn.data.DataLoader(Squares(), batch_size=4)))
    >>> yb.reshape(-1)
    tensor([0., 1., 4., 9.])
    """

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define __len__")


def is_dataset(obj: Any) -> bool:
    """Whether ``obj`` is used as a dataset (has ``__len__`` and ``__getitem__``) rather than an
    array of examples: ndarrays, tensors, lists and tuples are arrays."""
    if isinstance(obj, (np.ndarray, Tensor, list, tuple, str, bytes)):
        return False
    return hasattr(obj, "__getitem__") and hasattr(obj, "__len__")


def numeric_array(a: Any, where: str, i: int) -> np.ndarray:
    """The ndarray behind ``a`` (a Tensor's ``.data`` as is, not copied)."""
    if isinstance(a, Tensor):
        return a.data
    if is_dataset(a):
        raise TypeError(
            f"{where}: argument {i} is a dataset ({type(a).__name__}); pass it alone, "
            "DataLoader(dataset, batch_size=...)"
        )
    if not isinstance(a, (np.ndarray, list, tuple, int, float, bool, np.generic)):
        raise TypeError(
            f"{where}: argument {i} is not a numeric array (got {type(a).__name__}) nor a "
            "dataset (an object with __len__ and __getitem__)"
        )
    arr = np.asarray(a) if not isinstance(a, np.ndarray) else a
    if arr.dtype == object or arr.dtype.kind not in "biuf":
        raise TypeError(
            f"{where}: argument {i} is not a numeric array (got dtype={arr.dtype}, "
            f"from {type(a).__name__}); batches hold numbers (ragged lists cannot be batched)"
        )
    return arr


def check_same_length(arrays: tuple[np.ndarray, ...], where: str) -> int:
    """All arrays must have the same number of examples (axis 0); return it."""
    for i, a in enumerate(arrays):
        if a.ndim == 0:
            raise ValueError(
                f"{where}: argument {i} is a scalar (shape ()); need examples on axis 0"
            )
    lengths = {a.shape[0] for a in arrays}
    if len(lengths) > 1:
        shapes = ", ".join(str(a.shape) for a in arrays)
        raise ValueError(
            f"{where}: arrays have different numbers of examples (axis 0): shapes {shapes}"
        )
    return arrays[0].shape[0]


class TensorDataset(Dataset):
    """Arrays that share their first axis, indexed together (PyTorch's ``TensorDataset``).

    ``ds = TensorDataset(X, y)`` with ``X: (N, D)``, ``y: (N,)``; ``len(ds) == N``;
    ``ds[i]`` is ``(X[i], y[i])`` and ``ds[idx]`` with an index array is a batch. Items are
    Tensors for the arguments given as Tensors (as in PyTorch) and NumPy arrays for arrays.

    Examples
    --------
    >>> X = np.arange(12.0).reshape(6, 2)
    >>> y = np.array([0, 1, 0, 1, 0, 1])
    >>> ds = nn.data.TensorDataset(al.tensor(X), al.tensor(y))
    >>> len(ds)
    6
    >>> ds[1]
    (tensor([2., 3.], dtype=float64), tensor(1))
    """

    def __init__(self, *arrays: Any) -> None:
        if not arrays:
            raise ValueError("TensorDataset: need at least one array")
        self.arrays: tuple[np.ndarray, ...] = tuple(
            numeric_array(a, "TensorDataset", i) for i, a in enumerate(arrays)
        )
        self.from_tensors = tuple(isinstance(a, Tensor) for a in arrays)
        self._n = check_same_length(self.arrays, "TensorDataset")

    @property
    def tensors(self) -> tuple[Tensor, ...]:
        """The data as Tensors (PyTorch's attribute)."""
        return tuple(autograd_lite.Tensor(a) for a in self.arrays)

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, index: Any) -> tuple[Any, ...]:
        return tuple(
            autograd_lite.Tensor(a[index]) if t else a[index]
            for a, t in zip(self.arrays, self.from_tensors)
        )

    def __repr__(self) -> str:
        shapes = ", ".join(f"{a.shape} {a.dtype}" for a in self.arrays)
        return f"TensorDataset({shapes})"


class Subset(Dataset):
    """The examples of ``dataset`` at ``indices``, in that order (PyTorch's ``Subset``).

    Examples
    --------
    >>> sub = nn.data.Subset([10, 20, 30, 40], [3, 1])
    >>> len(sub), sub[0]
    (2, 40)
    """

    def __init__(self, dataset: Any, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = [int(i) for i in indices]

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, (list, np.ndarray)):
            return self.dataset[[self.indices[i] for i in index]]
        return self.dataset[self.indices[index]]

    def __len__(self) -> int:
        return len(self.indices)


def _rng(generator: Any) -> np.random.Generator:
    """The NumPy generator behind ``generator=`` (an ``al.Generator``, a NumPy generator, or
    None for the global one that ``al.manual_seed`` seeds)."""
    if generator is None:
        return autograd_lite.default_generator()
    if isinstance(generator, np.random.Generator):
        return generator
    rng = getattr(generator, "rng", None)
    if isinstance(rng, np.random.Generator):
        return rng
    raise TypeError(
        f"generator must be an al.Generator (al.Generator().manual_seed(0)) or a "
        f"numpy.random.Generator, got {type(generator).__name__}"
    )


def random_split(dataset: Any, lengths: Sequence[float], generator: Any = None) -> list[Subset]:
    """Split ``dataset`` into non-overlapping random Subsets of the given ``lengths``
    (counts summing to ``len(dataset)``, or fractions summing to 1: the remainder goes
    round-robin to the first subsets, as in PyTorch).

    Examples
    --------
    >>> g = al.Generator().manual_seed(0)
    >>> train, val = nn.data.random_split(range(10), [0.8, 0.2], generator=g)
    >>> len(train), len(val)
    (8, 2)
    """
    n = len(dataset)
    lengths = list(lengths)
    if (
        math.isclose(sum(lengths), 1)
        and sum(lengths) <= 1
        and not all(isinstance(x, int) for x in lengths)
    ):
        counts = [math.floor(n * f) for f in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        lengths = counts
    if any(isinstance(x, bool) or int(x) != x or x < 0 for x in lengths):
        raise ValueError(f"random_split: lengths must be non-negative counts, got {lengths}")
    if sum(lengths) != n:
        raise ValueError(
            f"random_split: the lengths {lengths} sum to {sum(lengths)}, but the dataset has "
            f"{n} examples"
        )
    order = _rng(generator).permutation(n)
    out, start = [], 0
    for length in lengths:
        out.append(Subset(dataset, order[start : start + int(length)].tolist()))
        start += int(length)
    return out


# -- samplers ------------------------------------------------------------------------------


class Sampler:
    """Base class: an iterable of dataset indices (and usually ``__len__``).

    Examples
    --------
    >>> class EvenFirst(nn.data.Sampler):
    ...     def __init__(self, n):
    ...         self.n = n
    ...     def __iter__(self):
    ...         return iter(list(range(0, self.n, 2)) + list(range(1, self.n, 2)))
    ...     def __len__(self):
    ...         return self.n
    >>> list(EvenFirst(5))
    [0, 2, 4, 1, 3]
    """

    def __iter__(self) -> Iterator[int]:
        raise NotImplementedError

    def __len__(self) -> int:
        raise NotImplementedError


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1.

    Examples
    --------
    >>> list(nn.data.SequentialSampler(range(3)))
    [0, 1, 2]
    """

    def __init__(self, data_source: Any) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """A new random order each pass (a permutation; with ``replacement=True``,
    ``num_samples`` draws with replacement), from ``generator`` (see ``_rng``).

    Examples
    --------
    >>> sampler = nn.data.RandomSampler(range(4), generator=al.Generator().manual_seed(0))
    >>> sorted(sampler)
    [0, 1, 2, 3]
    """

    def __init__(
        self,
        data_source: Any,
        replacement: bool = False,
        num_samples: int | None = None,
        generator: Any = None,
    ) -> None:
        self.data_source = data_source
        self.replacement = bool(replacement)
        self._num_samples = num_samples
        self.generator = generator
        _rng(generator)  # checked now, not at the first epoch

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else int(self._num_samples)

    def __iter__(self) -> Iterator[int]:
        rng, n = _rng(self.generator), len(self.data_source)
        if self.replacement:
            return iter(rng.integers(0, n, size=self.num_samples).tolist())
        order: list[int] = []
        while len(order) < self.num_samples:
            order.extend(rng.permutation(n).tolist())
        return iter(order[: self.num_samples])

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices in a new random order each pass.

    Examples
    --------
    >>> sampler = nn.data.SubsetRandomSampler([5, 6, 7], generator=al.Generator().manual_seed(0))
    >>> sorted(sampler)
    [5, 6, 7]
    """

    def __init__(self, indices: Sequence[int], generator: Any = None) -> None:
        self.indices = list(indices)
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        return iter(
            np.asarray(self.indices)[_rng(self.generator).permutation(len(self.indices))].tolist()
        )

    def __len__(self) -> int:
        return len(self.indices)


class BatchSampler(Sampler):
    """Groups another sampler's indices into lists of ``batch_size`` (the last one shorter
    unless ``drop_last``).

    Examples
    --------
    >>> list(nn.data.BatchSampler(nn.data.SequentialSampler(range(5)), 2, drop_last=False))
    [[0, 1], [2, 3], [4]]
    """

    def __init__(self, sampler: Any, batch_size: int, drop_last: bool) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)):
            raise TypeError(f"BatchSampler: batch_size must be an int, got {batch_size!r}")
        if batch_size <= 0:
            raise ValueError(f"BatchSampler: batch_size must be positive, got {batch_size}")
        self.sampler, self.batch_size, self.drop_last = sampler, int(batch_size), bool(drop_last)

    def __iter__(self) -> Iterator[list[int]]:
        batch: list[int] = []
        for i in self.sampler:
            batch.append(int(i))
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)


# -- collate --------------------------------------------------------------------------------


class CollateError(TypeError):
    """A batch whose samples cannot be put together (names the sample and the shapes)."""


def default_collate(batch: Sequence[Any]) -> Any:
    """One batch from a list of samples, as PyTorch's ``default_collate``:

    - Tensors -> stacked into one Tensor (B, ...), dtype kept; NumPy arrays and NumPy
      scalars likewise (dtype kept);
    - Python floats -> a float64 tensor, ints -> int64, bools -> bool; strings stay a list;
    - dicts -> a dict of collated fields; named tuples -> the named tuple of collated fields;
      tuples and lists -> a list of collated positions (each sample the same length).

    A sample that does not fit (another shape, type or length) raises ``TypeError`` naming the
    sample's index in the batch, where in the sample, and the shapes.

    Examples
    --------
    >>> nn.data.default_collate([(al.tensor([1.0, 2.0]), 0), (al.tensor([3.0, 4.0]), 1)])
    [tensor([[1., 2.],
            [3., 4.]]), tensor([0, 1])]
    """
    if len(batch) == 0:
        raise ValueError("default_collate: the batch is empty")
    return _collate(list(batch), "")


def _describe(x: Any) -> str:
    if isinstance(x, (Tensor, np.ndarray)):
        return f"{type(x).__name__} of shape {tuple(x.shape)}"
    return type(x).__name__


def _mismatch(batch: list, i: int, path: str, why: str) -> CollateError:
    where = f" at {path}" if path else ""
    return CollateError(
        f"default_collate: cannot batch sample {i} with sample 0{where}: {why} "
        f"(sample 0: {_describe(batch[0])}, sample {i}: {_describe(batch[i])}). Every sample "
        "of a batch must have the same structure and shapes; pad them, or pass collate_fn="
    )


def _collate(batch: list, path: str) -> Any:
    elem = batch[0]
    for i, x in enumerate(batch):
        if type(x) is not type(elem) and not (
            isinstance(x, (int, float)) and isinstance(elem, (int, float))
        ):
            raise _mismatch(batch, i, path, "different types")
    if isinstance(elem, (Tensor, np.ndarray, np.generic)):
        arrays = [x.data if isinstance(x, Tensor) else np.asarray(x) for x in batch]
        for i, a in enumerate(arrays):
            if a.shape != arrays[0].shape:
                raise _mismatch(batch, i, path, "different shapes")
        if arrays[0].dtype.kind not in "biuf":
            raise CollateError(
                f"default_collate: samples{' at ' + path if path else ''} have dtype "
                f"{arrays[0].dtype}; a batch holds numbers"
            )
        return autograd_lite.Tensor(np.stack(arrays))
    if isinstance(elem, bool):
        return autograd_lite.tensor(batch, dtype=np.bool_)
    if isinstance(elem, int) and all(isinstance(x, int) for x in batch):
        return autograd_lite.tensor(batch, dtype=np.int64)
    if isinstance(elem, (int, float)):
        return autograd_lite.tensor([float(x) for x in batch], dtype=np.float64)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, Mapping):
        for i, x in enumerate(batch):
            if set(x) != set(elem):
                raise _mismatch(batch, i, path, f"keys {sorted(map(str, x))} differ")
        return {k: _collate([x[k] for x in batch], f"{path}[{k!r}]") for k in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):
        return type(elem)(
            *(_collate([x[j] for x in batch], f"{path}.{f}") for j, f in enumerate(elem._fields))
        )
    if isinstance(elem, (tuple, list)):
        for i, x in enumerate(batch):
            if len(x) != len(elem):
                raise _mismatch(batch, i, path, f"{len(x)} items instead of {len(elem)}")
        return [_collate([x[j] for x in batch], f"{path}[{j}]") for j in range(len(elem))]
    raise CollateError(
        f"default_collate: samples{' at ' + path if path else ''} are {type(elem).__name__}; "
        "a batch holds tensors, NumPy arrays, numbers, strings, dicts, tuples or lists of "
        "these (or pass collate_fn=)"
    )
