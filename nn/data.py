"""Feeding data to a model: mini-batches, train/val/test splits, feature scaling.

Everything here works on NumPy arrays with examples along axis 0 (``X: (N, ...)``,
``y: (N,)``). Only :class:`DataLoader` hands data to a model, so only it builds
``autograd_lite`` Tensors, one batch at a time.

A typical pipeline::

    X, y = nn.datasets.spiral()
    split = train_val_test_split(X, y, val=0.15, test=0.15, seed=0)
    scaler = StandardScaler().fit(split.X_train)        # statistics of train only
    loader = DataLoader(scaler.transform(split.X_train), split.y_train,
                        batch_size=32, shuffle=True, seed=0)
    for xb, yb in loader:                               # Tensors (32, 2) float32, (32,) int64
        ...
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any, NamedTuple

import numpy as np

import autograd_lite
from nn.dataset import (
    BatchSampler,
    CollateError,
    Dataset,
    RandomSampler,
    Sampler,
    SequentialSampler,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    check_same_length,
    default_collate,
    is_dataset,
    numeric_array,
    random_split,
)

__all__ = [
    "BatchSampler",
    "DataLoader",
    "Dataset",
    "MinMaxScaler",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "Split",
    "StandardScaler",
    "Subset",
    "SubsetRandomSampler",
    "TensorDataset",
    "default_collate",
    "random_split",
    "standardize",
    "train_val_test_split",
]


_numeric_array = numeric_array
_check_same_length = check_same_length


def _batch_dtype(dtype: np.dtype) -> np.dtype:
    """The dtype a batch is handed to the model in.

    float64 becomes the default dtype (float32 unless changed): data sets are often made
    in float64 by NumPy, and one float64 batch would silently make the whole model compute
    in float64. Other floats are kept. Integers (labels, class indices) become int64, the
    index type losses expect (PyTorch's ``long``). Bools are kept.
    """
    if dtype == np.float64:
        return np.dtype(autograd_lite.get_default_dtype())
    if np.issubdtype(dtype, np.integer):
        return np.dtype(np.int64)
    return dtype


_UNSET: Any = object()
# PyTorch's options about worker processes and memory pinning: accepted, nothing to do here.
_ACCEPTED_TORCH_OPTIONS = {
    "prefetch_factor",
    "persistent_workers",
    "multiprocessing_context",
    "pin_memory_device",
    "in_order",
}


class DataLoader:
    """Iterate over a dataset, or over arrays, in mini-batches of Tensors.

    Two forms:

    - **PyTorch's**: ``DataLoader(dataset, batch_size=1, shuffle=False, sampler=None,
      batch_sampler=None, num_workers=0, collate_fn=None, drop_last=False, generator=None)``
      with ``dataset`` anything with ``__len__`` and ``__getitem__`` (a :class:`Dataset`, a
      :class:`TensorDataset`, a tensor). Each batch is ``collate_fn([dataset[i] for i in
      indices])``, by default :func:`default_collate`, so a dataset of ``(x, y)`` pairs gives
      ``[xb, yb]`` and a dataset of tensors gives one tensor per batch, as in PyTorch. The
      indices come from ``range(len(dataset))`` (sampler, batch sampler): the dataset is never
      iterated. ``batch_size=None`` yields the samples one by one, not batched.
    - **arrays** (ours): ``DataLoader(X, y, batch_size=32, shuffle=True, seed=0)`` with
      arrays or Tensors sharing their first axis yields ``(xb, yb)`` tuples, one Tensor per
      array; a single array yields a tensor per batch (``for xb in DataLoader(X)``). float64
      arrays become the default dtype (float32) and integers int64 (see ``_batch_dtype``);
      batches are gathered with one fancy index per array. A TensorDataset is batched the
      same fast way (tensors given as Tensors keep their dtype).

    ``len(loader)`` is the number of batches per epoch: ``ceil(N / B)``, or ``N // B`` with
    ``drop_last``. Shuffling draws a new order every epoch from ``generator``
    (``al.Generator().manual_seed(0)``), or from a generator seeded once with ``seed``, or
    else from ``autograd_lite``'s global one (``al.manual_seed`` makes it reproducible, as
    ``torch.manual_seed`` does). ``num_workers`` is accepted and the loading happens in this
    process.

    Shape: each batch holds ``batch_size`` examples along the first axis: ``X`` (N, D)
    gives ``xb`` (B, D) and ``y`` (N,) gives ``yb`` (B,); the last batch may be smaller.

    Examples
    --------
    >>> X = np.arange(12.0).reshape(6, 2)
    >>> y = np.array([0, 1, 0, 1, 0, 1])
    >>> loader = nn.data.DataLoader(X, y, batch_size=4, shuffle=False)
    >>> len(loader)
    2
    >>> for xb, yb in loader:
    ...     print(xb.shape, yb)
    (4, 2) tensor([0, 1, 0, 1])
    (2, 2) tensor([0, 1])

    PyTorch's form, over a dataset:

    >>> ds = nn.data.TensorDataset(al.tensor(X), al.tensor(y))
    >>> xb, yb = next(iter(nn.data.DataLoader(ds, batch_size=3)))
    >>> xb.shape, yb.shape
    ((3, 2), (3,))
    """

    def __init__(
        self,
        *arrays: Any,
        batch_size: Any = _UNSET,
        shuffle: bool | None = None,
        sampler: Any = None,
        batch_sampler: Any = None,
        num_workers: int = 0,
        collate_fn: Any = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Any = None,
        generator: Any = None,
        seed: int | None = None,
        **_torch_options: Any,
    ) -> None:
        if not arrays:
            raise ValueError("DataLoader: need at least one array, or a dataset")
        unknown = set(_torch_options) - _ACCEPTED_TORCH_OPTIONS
        if unknown:
            raise TypeError(f"DataLoader: unexpected keyword arguments {sorted(unknown)}")
        if is_dataset(arrays[0]):
            # PyTorch's positional order: DataLoader(dataset, batch_size, shuffle, ...)
            if len(arrays) > 3:
                raise TypeError(
                    "DataLoader(dataset, ...): too many positional arguments; pass "
                    "batch_size=, shuffle= by keyword"
                )
            self.dataset = arrays[0]
            if len(arrays) > 1:
                if not isinstance(arrays[1], (int, np.integer, type(None))):
                    raise TypeError(
                        f"DataLoader: after a dataset ({type(arrays[0]).__name__}) the second "
                        f"argument is batch_size, got {type(arrays[1]).__name__}; to batch "
                        "arrays together pass them alone, DataLoader(X, y), or as one "
                        "TensorDataset(X, y)"
                    )
                batch_size = arrays[1]
            if len(arrays) > 2:
                shuffle = arrays[2]
            self._arrays_form = isinstance(self.dataset, TensorDataset) and collate_fn is None
            default_batch = 1
        else:
            second = arrays[1] if len(arrays) == 2 else None
            if isinstance(second, (int, np.integer)) and not isinstance(second, bool):
                arrays, batch_size = arrays[:1], second  # DataLoader(X, 16): PyTorch's order
            # checked here too so that errors name DataLoader, the function the user called
            checked = tuple(numeric_array(a, "DataLoader", i) for i, a in enumerate(arrays))
            check_same_length(checked, "DataLoader")
            self.dataset = TensorDataset(*checked)
            self.dataset.from_tensors = (False,) * len(checked)  # every array: _batch_dtype
            self._arrays_form = True
            default_batch = 32
        self._single = len(arrays) == 1 and not is_dataset(arrays[0])
        if batch_size is _UNSET:
            batch_size = default_batch
        if batch_size is not None and (
            isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer))
        ):
            raise TypeError(
                f"DataLoader: batch_size must be an int, got {type(batch_size).__name__} "
                f"{batch_size!r}"
            )
        if batch_size is not None and batch_size <= 0:
            raise ValueError(f"DataLoader: batch_size must be positive, got {batch_size}")
        n = len(self.dataset)
        if n == 0 and self._arrays_form:
            raise ValueError("DataLoader: the arrays hold no examples (length 0 on axis 0)")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
            raise TypeError(f"DataLoader: seed must be an int or None, got {seed!r}")
        if seed is not None and generator is not None:
            raise ValueError("DataLoader: pass seed= or generator=, not both")
        if batch_sampler is not None and (
            batch_size not in (_UNSET, None, 1, default_batch) or shuffle or sampler or drop_last
        ):
            raise ValueError(
                "DataLoader: batch_sampler= excludes batch_size, shuffle, sampler and drop_last"
            )
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler= excludes shuffle=True (the sampler orders)")
        self.batch_size = None if batch_size is None else int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.seed = seed
        self.num_workers = num_workers
        self.collate_fn = collate_fn if collate_fn is not None else default_collate
        self._custom_collate = collate_fn is not None
        # Own generator when seeded; otherwise the given one, or the engine's global one,
        # looked up per epoch because manual_seed replaces it.
        self.generator = np.random.default_rng(seed) if seed is not None else generator
        if sampler is None:
            sampler = (
                RandomSampler(self.dataset, generator=self.generator)
                if self.shuffle
                else SequentialSampler(self.dataset)
            )
        self.sampler = sampler
        if batch_sampler is None and self.batch_size is not None:
            batch_sampler = BatchSampler(sampler, self.batch_size, self.drop_last)
        self.batch_sampler = batch_sampler

    def __len__(self) -> int:
        if self.batch_sampler is None:
            return len(self.sampler)
        return len(self.batch_sampler)

    def __iter__(self) -> Iterator[Any]:
        if self.batch_sampler is None:  # batch_size=None: samples one by one
            for i in self.sampler:
                yield self.dataset[i]
            return
        fast = self._arrays_form and not self._custom_collate
        if fast:
            data = self.dataset
            dtypes = [
                a.dtype if from_tensor else _batch_dtype(a.dtype)
                for a, from_tensor in zip(data.arrays, data.from_tensors)
            ]
        for indices in self.batch_sampler:
            if fast:
                idx = np.asarray(indices, dtype=np.int64)
                # Fancy indexing already copies, so neither astype(copy=False) nor Tensor()
                # (which shares an ndarray of the right dtype) copies again.
                batch = tuple(
                    autograd_lite.Tensor(a[idx].astype(dt, copy=False))
                    for a, dt in zip(data.arrays, dtypes)
                )
                yield batch[0] if self._single else batch
                continue
            samples = [self.dataset[i] for i in indices]
            try:
                yield self.collate_fn(samples)
            except CollateError as e:
                raise CollateError(
                    f"DataLoader: batch of dataset indices {_short(indices)}: {e} (sample k of "
                    "the batch is dataset index indices[k])"
                ) from None

    def __repr__(self) -> str:
        return (
            f"DataLoader({self.dataset!r}, batch_size={self.batch_size}, "
            f"shuffle={self.shuffle}, drop_last={self.drop_last}, seed={self.seed})"
        )


def _short(indices: list[int]) -> str:
    return str(indices) if len(indices) <= 8 else f"[{', '.join(map(str, indices[:8]))}, ...]"


class Split(NamedTuple):
    """The result of :func:`train_val_test_split`; unpacks like a 6-tuple.

    Examples
    --------
    >>> split = nn.data.train_val_test_split(np.zeros((10, 3)), np.arange(10), val=0.2, test=0.2)
    >>> split.X_train.shape, split.X_val.shape, split.X_test.shape
    ((6, 3), (2, 3), (2, 3))
    """

    X_train: np.ndarray
    y_train: np.ndarray | None
    X_val: np.ndarray
    y_val: np.ndarray | None
    X_test: np.ndarray
    y_test: np.ndarray | None


def _check_fraction(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise TypeError(f"train_val_test_split: {name} must be a number, got {value!r}")
    if not 0.0 <= value < 1.0:
        raise ValueError(f"train_val_test_split: {name} must be in [0, 1), got {value}")
    return float(value)


def train_val_test_split(
    X: Any,
    y: Any = None,
    *,
    val: float = 0.15,
    test: float = 0.15,
    shuffle: bool = True,
    seed: int | None = 0,
    stratify: bool = False,
) -> Split:
    """Split examples into train, validation and test sets.

    ``X: (N, ...)``, ``y: (N,)`` or ``None`` -> ``Split(X_train, y_train, X_val, y_val,
    X_test, y_test)`` (a named tuple; the y fields are ``None`` when ``y`` is).

    Sizes: ``n_val = ceil(val * N)``, ``n_test = ceil(test * N)`` (so a positive fraction
    never gives an empty set) and train gets the rest, which must be at least one example.
    With ``shuffle=True`` examples are permuted with ``np.random.default_rng(seed)`` first;
    with ``shuffle=False`` train is the first block, then val, then test.

    ``stratify=True`` splits each class of ``y`` separately with the same fractions (rounded
    per class), so the class proportions match across the three sets; train, val and test
    are then each shuffled (when ``shuffle``) so classes do not come in blocks.

    Examples
    --------
    >>> X, y = np.arange(20.0).reshape(10, 2), np.arange(10)
    >>> X_train, y_train, X_val, y_val, X_test, y_test = nn.data.train_val_test_split(X, y)
    >>> X_train.shape, X_val.shape, X_test.shape
    ((6, 2), (2, 2), (2, 2))
    """
    where = "train_val_test_split"
    val = _check_fraction("val", val)
    test = _check_fraction("test", test)
    if val + test >= 1.0:
        raise ValueError(
            f"{where}: val + test must be below 1 to leave examples for training, "
            f"got val={val} + test={test} = {val + test}"
        )
    X = _numeric_array(X, where, 0)
    arrays = (X,) if y is None else (X, _numeric_array(y, where, 1))
    n = _check_same_length(arrays, where)
    rng = np.random.default_rng(seed)

    if stratify:
        if y is None:
            raise ValueError(f"{where}: stratify=True needs labels y")
        y_arr = arrays[1]
        if y_arr.ndim != 1:
            raise ValueError(f"{where}: stratify=True needs y of shape (N,), got {y_arr.shape}")
        parts: list[list[np.ndarray]] = [[], [], []]
        # A loop over classes (a handful), not over examples.
        for c in np.unique(y_arr):
            members = np.flatnonzero(y_arr == c)
            if shuffle:
                members = rng.permutation(members)
            m = len(members)
            m_val, m_test = round(val * m), round(test * m)
            parts[0].append(members[: m - m_val - m_test])
            parts[1].append(members[m - m_val - m_test : m - m_test])
            parts[2].append(members[m - m_test :])
        idx = [np.concatenate(p) for p in parts]
        idx = [rng.permutation(i) if shuffle else np.sort(i) for i in idx]
        if len(idx[0]) == 0:
            raise ValueError(f"{where}: no training examples left (N={n}, val={val}, test={test})")
    else:
        n_val, n_test = math.ceil(val * n), math.ceil(test * n)
        n_train = n - n_val - n_test
        if n_train < 1:
            raise ValueError(
                f"{where}: {n} examples leave {n_train} for training "
                f"(val takes {n_val}, test takes {n_test})"
            )
        order = rng.permutation(n) if shuffle else np.arange(n)
        idx = [order[:n_train], order[n_train : n_train + n_val], order[n_train + n_val :]]

    Xs = [X[i] for i in idx]
    ys = [None, None, None] if y is None else [arrays[1][i] for i in idx]
    return Split(Xs[0], ys[0], Xs[1], ys[1], Xs[2], ys[2])


# ----------------------------------------------------------------------------------------
# Feature scaling. Statistics are per feature, over the examples (axis 0), computed in
# float64 for accuracy. Fit on the training set only: using val/test statistics would
# leak information about them into training.


def _feature_array(X: Any, where: str) -> np.ndarray:
    X = np.asarray(X)
    if X.ndim == 0:
        raise ValueError(f"{where}: X must have examples on axis 0, got a scalar")
    if X.dtype == object or not (np.issubdtype(X.dtype, np.number) or X.dtype == bool):
        raise TypeError(f"{where}: X must be numeric, got dtype {X.dtype}")
    return X


def _out_dtype(X: np.ndarray) -> np.dtype:
    """Floats keep their dtype; integer data (e.g. uint8 pixels) becomes the default dtype."""
    if np.issubdtype(X.dtype, np.floating):
        return X.dtype
    return np.dtype(autograd_lite.get_default_dtype())


class _Scaler:
    """Shared plumbing: checking the data of fit, transform and inverse_transform."""

    _stat: str  # name of an attribute that exists once fitted

    def _training_data(self, X: Any) -> np.ndarray:
        """``fit``'s X, checked (examples on axis 0, at least one, all finite), in float64."""
        where = f"{type(self).__name__}.fit"
        X = _feature_array(X, where)
        if X.shape[0] == 0:
            raise ValueError(f"{where}: X has no examples (shape {X.shape})")
        if not np.isfinite(X).all():
            raise ValueError(f"{where}: X holds NaN or infinite values; remove or impute them")
        return X.astype(np.float64)

    def _data(self, X: Any, method: str) -> tuple[np.ndarray, np.dtype]:
        """The X of ``transform`` or ``inverse_transform``, checked against what was fitted,
        in the dtype of the result (X's float dtype; the default dtype for integers)."""
        name = type(self).__name__
        if not hasattr(self, self._stat):
            raise ValueError(f"{name}.{method}: not fitted yet; call fit(X_train) first")
        X = _feature_array(X, f"{name}.{method}")
        expected = getattr(self, self._stat).shape
        if X.shape[1:] != expected:
            raise ValueError(
                f"{name}.{method}: X has shape {X.shape}, features {X.shape[1:]}, "
                f"but the scaler was fitted on features {expected}"
            )
        dt = _out_dtype(X)
        return X.astype(dt), dt

    def fit_transform(self, X: Any) -> np.ndarray:
        """``fit(X)`` then ``transform(X)``."""
        return self.fit(X).transform(X)

    def fit(self, X: Any) -> _Scaler:  # pragma: no cover - overridden
        raise NotImplementedError

    def transform(self, X: Any) -> np.ndarray:  # pragma: no cover - overridden
        raise NotImplementedError


class StandardScaler(_Scaler):
    """Standardize features: ``z = (x - mean_) / scale_`` (scikit-learn's name and attributes).

    ``fit(X)`` with ``X: (N, D)`` (or ``(N, ...)``) sets ``mean_``, ``var_`` and ``scale_``
    (all of shape ``X.shape[1:]``, float64); ``scale_`` is the population standard deviation
    (ddof=0), with 1.0 where a feature is constant so it maps to 0 instead of dividing by zero.

    Examples
    --------
    >>> X = np.array([[1.0, 10.0], [3.0, 30.0]])
    >>> scaler = nn.data.StandardScaler().fit(X)
    >>> scaler.mean_, scaler.scale_
    (array([ 2., 20.]), array([ 1., 10.]))
    >>> scaler.transform(X)
    array([[-1., -1.],
           [ 1.,  1.]])
    """

    _stat = "mean_"

    def fit(self, X: Any) -> StandardScaler:
        """Learn per-feature mean and std from ``X: (N, ...)``; returns ``self``."""
        X64 = self._training_data(X)
        self.mean_ = X64.mean(axis=0)
        self.var_ = X64.var(axis=0)
        std = np.sqrt(self.var_)
        self.scale_ = np.where(std > 0, std, 1.0)
        return self

    def transform(self, X: Any) -> np.ndarray:
        """``(X - mean_) / scale_``; same shape, float dtype of X (integers -> default dtype)."""
        X, dt = self._data(X, "transform")
        return (X - self.mean_.astype(dt)) / self.scale_.astype(dt)

    def inverse_transform(self, Z: Any) -> np.ndarray:
        """Undo :meth:`transform`: ``Z * scale_ + mean_``."""
        Z, dt = self._data(Z, "inverse_transform")
        return Z * self.scale_.astype(dt) + self.mean_.astype(dt)


class MinMaxScaler(_Scaler):
    """Scale each feature linearly so its training range maps onto ``feature_range``.

    ``x' = (x - data_min_) / data_range_ * (hi - lo) + lo``. Attributes after ``fit`` (shape
    ``X.shape[1:]``, float64): ``data_min_``, ``data_max_``, ``data_range_``, and the affine
    map ``x' = x * scale_ + min_``. A constant feature (range 0) uses range 1, so it maps to
    ``lo`` instead of dividing by zero. Unseen data may fall outside ``feature_range``.

    Examples
    --------
    >>> X = np.array([[1.0, 10.0], [3.0, 30.0], [2.0, 20.0]])
    >>> nn.data.MinMaxScaler().fit_transform(X)
    array([[0. , 0. ],
           [1. , 1. ],
           [0.5, 0.5]])
    """

    _stat = "data_min_"

    def __init__(self, feature_range: tuple[float, float] = (0.0, 1.0)) -> None:
        lo, hi = feature_range
        if not lo < hi:
            raise ValueError(f"MinMaxScaler: feature_range must have lo < hi, got {feature_range}")
        self.feature_range = (float(lo), float(hi))

    def fit(self, X: Any) -> MinMaxScaler:
        """Learn per-feature min and max from ``X: (N, ...)``; returns ``self``."""
        X64 = self._training_data(X)
        lo, hi = self.feature_range
        self.data_min_ = X64.min(axis=0)
        self.data_max_ = X64.max(axis=0)
        self.data_range_ = self.data_max_ - self.data_min_
        safe_range = np.where(self.data_range_ > 0, self.data_range_, 1.0)
        self.scale_ = (hi - lo) / safe_range
        self.min_ = lo - self.data_min_ * self.scale_
        return self

    def transform(self, X: Any) -> np.ndarray:
        """``X * scale_ + min_``; same shape, float dtype of X (integers -> default dtype)."""
        X, dt = self._data(X, "transform")
        return X * self.scale_.astype(dt) + self.min_.astype(dt)

    def inverse_transform(self, Z: Any) -> np.ndarray:
        """Undo :meth:`transform`: ``(Z - min_) / scale_``."""
        Z, dt = self._data(Z, "inverse_transform")
        return (Z - self.min_.astype(dt)) / self.scale_.astype(dt)


def standardize(
    X: Any, mean: Any = None, std: Any = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Standardize ``X: (N, ...)`` per feature; returns ``(Z, mean, std)``.

    Without ``mean``/``std`` they are computed from ``X`` (do this on the training set);
    pass them back in to apply the same scaling to validation and test data::

        X_train, mu, sigma = standardize(X_train)
        X_test, _, _ = standardize(X_test, mu, sigma)

    ``std`` is 1.0 for constant features (no division by zero). A functional shortcut for
    :class:`StandardScaler`.

    Examples
    --------
    >>> Z, mean, std = nn.data.standardize(np.array([[1.0, 10.0], [3.0, 30.0]]))
    >>> Z
    array([[-1., -1.],
           [ 1.,  1.]])
    >>> mean, std
    (array([ 2., 20.]), array([ 1., 10.]))
    """
    X = _feature_array(X, "standardize")
    if (mean is None) != (std is None):
        raise ValueError("standardize: pass both mean and std, or neither")
    scaler = StandardScaler()
    if mean is None:
        scaler.fit(X)
    else:
        feat = X.shape[1:]
        mean, std = np.asarray(mean, dtype=np.float64), np.asarray(std, dtype=np.float64)
        try:
            mean, std = np.broadcast_to(mean, feat), np.broadcast_to(std, feat)
        except ValueError:
            raise ValueError(
                f"standardize: mean {mean.shape} and std {std.shape} do not match the "
                f"features {feat} of X {X.shape}"
            ) from None
        if np.any(std < 0):
            raise ValueError("standardize: std must be non-negative")
        scaler.mean_ = mean
        scaler.scale_ = np.where(std > 0, std, 1.0)
    return scaler.transform(X), scaler.mean_, scaler.scale_
