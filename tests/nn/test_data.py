"""Tests for nn.data: DataLoader, TensorDataset, train_val_test_split, scalers."""

import math

import numpy as np
import pytest

import autograd_lite
from nn.data import (
    DataLoader,
    MinMaxScaler,
    Split,
    StandardScaler,
    TensorDataset,
    standardize,
    train_val_test_split,
)


def _indexed(n, d=3):
    """X whose first column is the example index, y the index too: alignment is checkable."""
    X = np.zeros((n, d))
    X[:, 0] = np.arange(n)
    return X, np.arange(n)


# ----------------------------------------------------------------------------- DataLoader


@pytest.mark.parametrize(
    ("n", "batch_size", "drop_last", "expected"),
    [(10, 3, False, 4), (10, 3, True, 3), (9, 3, False, 3), (9, 3, True, 3), (2, 5, False, 1),
     (2, 5, True, 0), (10, 1, False, 10)],
)  # fmt: skip
def test_len_is_number_of_batches(n, batch_size, drop_last, expected):
    X, y = _indexed(n)
    loader = DataLoader(X, y, batch_size=batch_size, drop_last=drop_last)
    assert len(loader) == expected
    batches = list(loader)
    assert len(batches) == expected
    sizes = [xb.shape[0] for xb, _ in batches]
    if drop_last:
        assert all(s == batch_size for s in sizes)
    else:
        assert sum(sizes) == n
        assert sizes[:-1] == [batch_size] * (expected - 1)
        assert sizes[-1] == n - batch_size * (expected - 1)


def test_yields_tuples_of_tensors_in_order_without_shuffle():
    X, y = _indexed(7)
    batches = list(DataLoader(X, y, batch_size=3))
    assert all(isinstance(t, autograd_lite.Tensor) for b in batches for t in b)
    assert np.array_equal(np.concatenate([yb.data for _, yb in batches]), np.arange(7))
    xb, yb = batches[0]
    assert xb.shape == (3, 3) and yb.shape == (3,)


def test_dtypes_float64_becomes_default_and_integers_int64():
    X64 = np.ones((4, 2), dtype=np.float64)
    X32 = np.ones((4, 2), dtype=np.float32)
    y8 = np.arange(4, dtype=np.uint8)
    y32 = np.arange(4, dtype=np.int32)
    b = next(iter(DataLoader(X64, X32, y8, y32, batch_size=4)))
    assert [t.dtype for t in b] == [np.float32, np.float32, np.int64, np.int64]


def test_float64_kept_when_default_dtype_is_float64(monkeypatch):
    monkeypatch.setattr(autograd_lite, "get_default_dtype", lambda: np.dtype(np.float64))
    xb, yb = next(iter(DataLoader(np.ones((4, 2)), np.zeros(4, dtype=np.int64), batch_size=2)))
    assert xb.dtype == np.float64 and yb.dtype == np.int64


def test_single_array_yields_tensors_as_pytorch():
    # PyTorch's DataLoader over one tensor yields batches of it, not 1-tuples
    batches = list(DataLoader(np.arange(5.0).reshape(5, 1), batch_size=2))
    assert all(isinstance(b, autograd_lite.Tensor) for b in batches)
    assert [b.shape for b in batches] == [(2, 1), (2, 1), (1, 1)]


def test_shuffle_covers_every_example_once_per_epoch_and_keeps_pairs_aligned():
    X, y = _indexed(103)
    loader = DataLoader(X, y, batch_size=10, shuffle=True, seed=1)
    for _ in range(3):
        xs, ys = zip(*[(xb.data, yb.data) for xb, yb in loader])
        order = np.concatenate(ys)
        assert np.array_equal(np.sort(order), np.arange(103))  # each index exactly once
        assert np.array_equal(np.concatenate(xs)[:, 0], order)  # X rows travel with their y
        assert not np.array_equal(order, np.arange(103))  # actually shuffled


def test_shuffle_new_permutation_each_epoch_and_reproducible_by_seed():
    X, y = _indexed(50)

    def epochs(loader, k=3):
        return [np.concatenate([yb.data for _, yb in loader]) for _ in range(k)]

    a = epochs(DataLoader(X, y, batch_size=8, shuffle=True, seed=42))
    b = epochs(DataLoader(X, y, batch_size=8, shuffle=True, seed=42))
    c = epochs(DataLoader(X, y, batch_size=8, shuffle=True, seed=43))
    assert all(np.array_equal(p, q) for p, q in zip(a, b))
    assert not np.array_equal(a[0], a[1])
    assert not np.array_equal(a[0], c[0])


def test_drop_last_with_shuffle_drops_a_different_remainder():
    X, y = _indexed(10)
    loader = DataLoader(X, y, batch_size=4, shuffle=True, drop_last=True, seed=0)
    seen = [np.concatenate([yb.data for _, yb in loader]) for _ in range(5)]
    assert all(len(s) == 8 and len(set(s.tolist())) == 8 for s in seen)
    assert len({tuple(sorted(s.tolist())) for s in seen}) > 1


def test_accepts_tensor_dataset_and_tensors():
    X, y = _indexed(6)
    ds = TensorDataset(autograd_lite.tensor(X), y)
    assert len(ds) == 6
    x2, y2 = ds[2]
    assert x2[0] == 2 and y2 == 2
    xb, yb = ds[np.array([4, 1])]
    assert np.array_equal(yb, [4, 1]) and xb.shape == (2, 3)
    batches = list(DataLoader(ds, batch_size=4))
    assert [b[1].shape for b in batches] == [(4,), (2,)]


def test_different_lengths_error_names_shapes():
    with pytest.raises(ValueError, match=r"DataLoader.*\(5, 2\).*\(4,\)"):
        DataLoader(np.zeros((5, 2)), np.zeros(4), batch_size=2)


@pytest.mark.parametrize("bad", [0, -3])
def test_nonpositive_batch_size(bad):
    with pytest.raises(ValueError, match=f"DataLoader: batch_size must be positive, got {bad}"):
        DataLoader(np.zeros((5, 2)), batch_size=bad)


@pytest.mark.parametrize("bad", [2.5, True, "4"])
def test_non_int_batch_size(bad):
    with pytest.raises(TypeError, match="DataLoader: batch_size must be an int"):
        DataLoader(np.zeros((5, 2)), batch_size=bad)


def test_other_bad_inputs():
    with pytest.raises(ValueError, match="need at least one array"):
        DataLoader()
    with pytest.raises(ValueError, match="no examples"):
        DataLoader(np.zeros((0, 2)))
    with pytest.raises(ValueError, match="scalar"):
        DataLoader(np.float64(3.0))
    with pytest.raises(TypeError, match="TensorDataset"):
        DataLoader(TensorDataset(np.zeros(3)), np.zeros(3))
    with pytest.raises(TypeError, match="seed"):
        DataLoader(np.zeros(3), seed=1.5)


# ----------------------------------------------------------------------- train_val_test_split


def test_split_sizes_disjoint_and_complete():
    X, y = _indexed(100)
    s = train_val_test_split(X, y, val=0.15, test=0.2, seed=0)
    assert isinstance(s, Split)
    assert (len(s.X_train), len(s.X_val), len(s.X_test)) == (65, 15, 20)
    parts = [s.y_train, s.y_val, s.y_test]
    together = np.concatenate(parts)
    assert np.array_equal(np.sort(together), np.arange(100))  # disjoint and complete
    for Xp, yp in [(s.X_train, s.y_train), (s.X_val, s.y_val), (s.X_test, s.y_test)]:
        assert np.array_equal(Xp[:, 0], yp)  # rows stay paired with their labels


def test_split_unpacks_as_six_and_is_reproducible():
    X, y = _indexed(40)
    _, ytr, _, _, _, yte = train_val_test_split(X, y, seed=3)
    again = train_val_test_split(X, y, seed=3)
    other = train_val_test_split(X, y, seed=4)
    assert np.array_equal(ytr, again.y_train) and np.array_equal(yte, again.y_test)
    assert not np.array_equal(ytr, other.y_train)


def test_split_sizes_round_up_so_small_fractions_are_not_empty():
    X, y = _indexed(10)
    s = train_val_test_split(X, y, val=0.01, test=0.01)
    assert (len(s.y_train), len(s.y_val), len(s.y_test)) == (8, 1, 1)
    s = train_val_test_split(X, y, val=0.0, test=0.3)
    assert (len(s.y_train), len(s.y_val), len(s.y_test)) == (7, 0, 3)


def test_split_without_shuffle_is_contiguous_and_y_optional():
    X, _ = _indexed(20)
    s = train_val_test_split(X, val=0.25, test=0.25, shuffle=False)
    assert s.y_train is None and s.y_test is None
    assert np.array_equal(s.X_train[:, 0], np.arange(10))
    assert np.array_equal(s.X_val[:, 0], np.arange(10, 15))
    assert np.array_equal(s.X_test[:, 0], np.arange(15, 20))


def test_stratified_split_keeps_class_proportions():
    y = np.repeat([0, 1, 2], [60, 30, 10])
    X = np.arange(100.0)[:, None]
    s = train_val_test_split(X, y, val=0.2, test=0.2, stratify=True, seed=0)
    assert np.array_equal(np.bincount(s.y_train), [36, 18, 6])
    assert np.array_equal(np.bincount(s.y_val), [12, 6, 2])
    assert np.array_equal(np.bincount(s.y_test), [12, 6, 2])
    assert np.array_equal(np.sort(np.concatenate([s.X_train, s.X_val, s.X_test])[:, 0]), X[:, 0])
    assert np.array_equal(y[s.X_train[:, 0].astype(int)], s.y_train)
    # shuffled across classes, not one class block after another
    assert not np.all(np.diff(s.y_train) >= 0)


@pytest.mark.parametrize(
    ("kwargs", "err", "msg"),
    [
        ({"val": 0.5, "test": 0.5}, ValueError, r"val \+ test must be below 1"),
        ({"val": 0.7, "test": 0.4}, ValueError, r"val=0.7 \+ test=0.4"),
        ({"val": -0.1}, ValueError, r"val must be in \[0, 1\)"),
        ({"test": 1.0}, ValueError, r"test must be in \[0, 1\)"),
        ({"val": "a"}, TypeError, "val must be a number"),
    ],
)
def test_split_bad_fractions(kwargs, err, msg):
    X, y = _indexed(10)
    with pytest.raises(err, match=msg):
        train_val_test_split(X, y, **kwargs)


def test_split_bad_inputs():
    with pytest.raises(ValueError, match=r"train_val_test_split.*\(10, 3\).*\(9,\)"):
        train_val_test_split(np.zeros((10, 3)), np.zeros(9))
    with pytest.raises(ValueError, match="leave 0 for training"):
        train_val_test_split(np.zeros((2, 3)), val=0.4, test=0.4)
    with pytest.raises(ValueError, match="stratify=True needs labels"):
        train_val_test_split(np.zeros((10, 3)), stratify=True)


# ------------------------------------------------------------------------------- scalers


@pytest.fixture
def train_test():
    rng = np.random.default_rng(0)
    X_train = rng.normal([1.0, -5.0, 3.0], [2.0, 0.5, 10.0], size=(200, 3)).astype(np.float32)
    X_train[:, 2] = 7.0  # a constant column
    X_test = rng.normal(0.0, 1.0, size=(50, 3)).astype(np.float32)
    return X_train, X_test


def test_standard_scaler_uses_train_statistics(train_test):
    X_train, X_test = train_test
    sc = StandardScaler().fit(X_train)
    assert np.allclose(sc.mean_, X_train.astype(np.float64).mean(axis=0))
    assert np.allclose(sc.scale_[:2], X_train[:, :2].astype(np.float64).std(axis=0))
    Z = sc.transform(X_train)
    assert Z.dtype == np.float32 and Z.shape == X_train.shape
    assert np.allclose(Z[:, :2].mean(axis=0), 0, atol=1e-5)
    assert np.allclose(Z[:, :2].std(axis=0), 1, atol=1e-5)
    # test data is scaled with the train statistics, not its own
    Zt = sc.transform(X_test)
    assert np.allclose(Zt, (X_test - sc.mean_) / sc.scale_, atol=1e-5)
    assert not np.allclose(Zt.mean(axis=0)[:2], 0, atol=0.1)


def test_standard_scaler_zero_variance_and_inverse(train_test):
    X_train, X_test = train_test
    sc = StandardScaler()
    Z = sc.fit_transform(X_train)
    assert np.all(np.isfinite(Z))
    assert np.all(Z[:, 2] == 0) and sc.scale_[2] == 1.0
    assert np.allclose(sc.inverse_transform(Z), X_train, atol=1e-4)
    assert np.allclose(sc.inverse_transform(sc.transform(X_test)), X_test, atol=1e-5)


def test_minmax_scaler(train_test):
    X_train, X_test = train_test
    sc = MinMaxScaler().fit(X_train)
    Z = sc.transform(X_train)
    assert np.allclose(Z[:, :2].min(axis=0), 0, atol=1e-6)
    assert np.allclose(Z[:, :2].max(axis=0), 1, atol=1e-6)
    assert np.all(Z[:, 2] == 0)  # constant column maps to lo, no division by zero
    assert np.allclose(sc.inverse_transform(Z), X_train, atol=1e-4)
    sc2 = MinMaxScaler(feature_range=(-1, 1))
    Z2 = sc2.fit_transform(X_train)
    assert np.allclose(Z2[:, :2].min(axis=0), -1, atol=1e-6)
    assert np.allclose(Z2[:, :2].max(axis=0), 1, atol=1e-6)
    assert np.allclose(sc2.transform(X_test), X_test * sc2.scale_ + sc2.min_, atol=1e-5)


def test_scaler_integer_input_becomes_default_float():
    X = np.array([[0, 255], [255, 0], [51, 51]], dtype=np.uint8)
    Z = MinMaxScaler().fit_transform(X)
    assert Z.dtype == np.float32
    assert np.allclose(Z, X / 255.0)


def test_scaler_errors():
    with pytest.raises(ValueError, match=r"StandardScaler\.transform: not fitted yet"):
        StandardScaler().transform(np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"MinMaxScaler\.inverse_transform: not fitted yet"):
        MinMaxScaler().inverse_transform(np.zeros((2, 2)))
    sc = StandardScaler().fit(np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"shape \(4, 2\).*fitted on features \(3,\)"):
        sc.transform(np.zeros((4, 2)))
    with pytest.raises(ValueError, match="lo < hi"):
        MinMaxScaler(feature_range=(1, 0))
    with pytest.raises(ValueError, match="no examples"):
        MinMaxScaler().fit(np.zeros((0, 3)))
    with pytest.raises(TypeError, match="numeric"):
        StandardScaler().fit(np.array([["a"], ["b"]]))


def test_standardize_function_reuses_train_statistics(train_test):
    X_train, X_test = train_test
    Z, mean, std = standardize(X_train)
    assert np.allclose(Z, StandardScaler().fit_transform(X_train))
    Zt, mean2, std2 = standardize(X_test, mean, std)
    assert np.array_equal(mean2, mean) and np.array_equal(std2, std)
    assert np.allclose(Zt, (X_test - mean) / std, atol=1e-5)
    with pytest.raises(ValueError, match="both mean and std"):
        standardize(X_test, mean=mean)
    with pytest.raises(ValueError, match=r"mean \(2,\).*features \(3,\)"):
        standardize(X_test, np.zeros(2), np.ones(2))


def test_len_formula_matches_iteration_for_many_sizes():
    for n in range(1, 30):
        for bs in (1, 4, 7, 32):
            loader = DataLoader(np.zeros((n, 1)), batch_size=bs)
            assert len(loader) == math.ceil(n / bs) == len(list(loader))


def test_unseeded_shuffle_follows_manual_seed():
    X, y = _indexed(40)

    def first_epoch():
        loader = DataLoader(X, y, batch_size=8, shuffle=True)
        return np.concatenate([yb.data for _, yb in loader])

    autograd_lite.manual_seed(123)
    a = first_epoch()
    autograd_lite.manual_seed(123)
    b = first_epoch()
    autograd_lite.manual_seed(124)
    c = first_epoch()
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert np.array_equal(np.sort(a), np.arange(40))
