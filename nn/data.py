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

__all__ = [
    "DataLoader",
    "MinMaxScaler",
    "Split",
    "StandardScaler",
    "TensorDataset",
    "standardize",
    "train_val_test_split",
]


def _numeric_array(a: Any, where: str, i: int) -> np.ndarray:
    """Return the ndarray behind ``a`` (a Tensor's ``.data`` is used as is, not copied)."""
    if isinstance(a, autograd_lite.Tensor):
        return a.data
    if isinstance(a, TensorDataset):
        raise TypeError(f"{where}: argument {i} is a TensorDataset; pass it alone, not with arrays")
    arr = np.asarray(a)
    if arr.dtype == object or arr.dtype.kind not in "biuf":
        raise TypeError(
            f"{where}: argument {i} is not a numeric array (got dtype={arr.dtype}, "
            f"from {type(a).__name__}); batches hold numbers (ragged lists cannot be batched)"
        )
    return arr


def _check_same_length(arrays: tuple[np.ndarray, ...], where: str) -> int:
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


class TensorDataset:
    """Arrays that share their first axis, indexed together (PyTorch's ``TensorDataset``).

    ``ds = TensorDataset(X, y)`` with ``X: (N, D)``, ``y: (N,)``; ``len(ds) == N``;
    ``ds[i]`` is ``(X[i], y[i])`` and ``ds[idx]`` with an index array is a batch.
    Items are NumPy arrays; :class:`DataLoader` turns batches into Tensors.
    """

    def __init__(self, *arrays: Any) -> None:
        if not arrays:
            raise ValueError("TensorDataset: need at least one array")
        self.arrays: tuple[np.ndarray, ...] = tuple(
            _numeric_array(a, "TensorDataset", i) for i, a in enumerate(arrays)
        )
        self._n = _check_same_length(self.arrays, "TensorDataset")

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, index: Any) -> tuple[np.ndarray, ...]:
        return tuple(a[index] for a in self.arrays)

    def __repr__(self) -> str:
        shapes = ", ".join(f"{a.shape} {a.dtype}" for a in self.arrays)
        return f"TensorDataset({shapes})"


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


class DataLoader:
    """Iterate over arrays in mini-batches of Tensors.

    ``DataLoader(X, y, batch_size=32, shuffle=True, seed=0)``, or ``DataLoader(dataset)`` with
    a :class:`TensorDataset`.

    Each step yields a tuple with one Tensor per array: for ``X: (N, D)``, ``y: (N,)`` a full
    batch is ``(xb: (B, D), yb: (B,))`` with ``B = batch_size``; the last batch holds the
    remaining ``N % B`` examples unless ``drop_last=True``. A single array still yields a
    1-tuple: ``for (xb,) in DataLoader(X)``.

    ``len(loader)`` is the number of batches per epoch: ``ceil(N / B)``, or ``N // B`` with
    ``drop_last``.

    Shuffling draws a new permutation every epoch (every ``iter(loader)``) from a generator
    seeded once with ``seed``: two loaders made with the same seed give the same sequence
    of epochs. With ``seed=None`` the permutations come from ``autograd_lite``'s global
    generator, so ``autograd_lite.manual_seed(s)`` makes them reproducible (as
    ``torch.manual_seed`` does for PyTorch's DataLoader).

    dtypes: float64 arrays become the default dtype (float32), integers become int64,
    other dtypes are kept (see ``_batch_dtype``). Batches are gathered with one fancy-index
    per array, never a Python loop over examples.
    """

    def __init__(
        self,
        *arrays: Any,
        batch_size: int = 32,
        shuffle: bool = False,
        drop_last: bool = False,
        seed: int | None = None,
    ) -> None:
        if not arrays:
            raise ValueError("DataLoader: need at least one array or a TensorDataset")
        if len(arrays) == 1 and isinstance(arrays[0], TensorDataset):
            self.dataset = arrays[0]
        else:
            # checked here too so that errors name DataLoader, the function the user called
            checked = tuple(_numeric_array(a, "DataLoader", i) for i, a in enumerate(arrays))
            _check_same_length(checked, "DataLoader")
            self.dataset = TensorDataset(*checked)
        # bool is an int subclass; DataLoader(X, y, True) would otherwise mean batch_size=1
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)):
            raise TypeError(
                f"DataLoader: batch_size must be an int, got {type(batch_size).__name__} "
                f"{batch_size!r}"
            )
        if batch_size <= 0:
            raise ValueError(f"DataLoader: batch_size must be positive, got {batch_size}")
        n = len(self.dataset)
        if n == 0:
            raise ValueError("DataLoader: the arrays hold no examples (length 0 on axis 0)")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
            raise TypeError(f"DataLoader: seed must be an int or None, got {seed!r}")
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.seed = seed
        # Own generator when seeded; otherwise the engine's global one, looked up per epoch
        # because manual_seed replaces it.
        self._rng = None if seed is None else np.random.default_rng(seed)

    def __len__(self) -> int:
        n = len(self.dataset)
        if self.drop_last:
            return n // self.batch_size
        return math.ceil(n / self.batch_size)

    def __iter__(self) -> Iterator[tuple[autograd_lite.Tensor, ...]]:
        n = len(self.dataset)
        # A new permutation for every pass (drawn when its first batch is requested).
        if self.shuffle:
            rng = self._rng if self._rng is not None else autograd_lite.default_generator()
            order = rng.permutation(n)
        else:
            order = np.arange(n)
        dtypes = [_batch_dtype(a.dtype) for a in self.dataset.arrays]
        for b in range(len(self)):
            idx = order[b * self.batch_size : (b + 1) * self.batch_size]
            yield tuple(
                # Fancy indexing already copies, so neither astype(copy=False) nor Tensor()
                # (which shares an ndarray of the right dtype) copies again.
                autograd_lite.Tensor(a[idx].astype(dt, copy=False))
                for a, dt in zip(self.dataset.arrays, dtypes)
            )

    def __repr__(self) -> str:
        return (
            f"DataLoader({self.dataset!r}, batch_size={self.batch_size}, "
            f"shuffle={self.shuffle}, drop_last={self.drop_last}, seed={self.seed})"
        )


class Split(NamedTuple):
    """The result of :func:`train_val_test_split`; unpacks like a 6-tuple."""

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
