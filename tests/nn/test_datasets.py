"""Tests for nn.datasets: toy sets, digits, IDX and CSV MNIST readers."""

import gzip
import struct
import sys

import numpy as np
import pytest

from nn import datasets
from nn.datasets import blobs, circles, digits, load_mnist, moons, read_idx, spiral, xor

TOYS = [
    (spiral, {}, 300, 3),
    (moons, {}, 200, 2),
    (circles, {}, 200, 2),
    (xor, {}, 4, 2),
    (xor, {"n": 200}, 200, 2),
    (blobs, {}, 300, 3),
]


@pytest.mark.parametrize(("fn", "kwargs", "n", "k"), TOYS)
def test_shapes_dtypes_and_class_balance(fn, kwargs, n, k):
    X, y = fn(**kwargs)
    assert X.shape == (n, 2) and X.dtype == np.float32
    assert y.shape == (n,) and y.dtype == np.int64
    assert np.array_equal(np.bincount(y), [n // k] * k)
    assert np.all(np.isfinite(X))


@pytest.mark.parametrize(("fn", "kwargs", "n", "k"), TOYS)
def test_determinism_by_seed_and_dtype(fn, kwargs, n, k):
    X1, y1 = fn(**kwargs, seed=5)
    X2, y2 = fn(**kwargs, seed=5)
    assert np.array_equal(X1, X2) and np.array_equal(y1, y2)
    X64, _ = fn(**kwargs, seed=5, dtype=np.float64)
    assert X64.dtype == np.float64
    assert np.allclose(X64, X1, atol=1e-6)
    if fn is not xor or kwargs:  # the 4-point table has no noise
        X3, _ = fn(**kwargs, seed=6)
        assert not np.array_equal(X1, X3)


def test_spiral_matches_cs231n_code():
    # The course's code, verbatim apart from the seed and the label dtype.
    np.random.seed(0)
    N, D, K = 100, 2, 3
    X = np.zeros((N * K, D))
    y = np.zeros(N * K, dtype="uint8")
    for j in range(K):
        ix = range(N * j, N * (j + 1))
        r = np.linspace(0.0, 1, N)  # radius
        t = np.linspace(j * 4, (j + 1) * 4, N) + np.random.randn(N) * 0.2  # theta
        X[ix] = np.c_[r * np.sin(t), r * np.cos(t)]
        y[ix] = j
    X_ours, y_ours = spiral(seed=0, dtype=np.float64)
    assert np.array_equal(X_ours, X)
    assert np.array_equal(y_ours, y)


def test_spiral_parameters():
    X, y = spiral(n_per_class=10, n_classes=5, noise=0.0)
    assert X.shape == (50, 2) and np.array_equal(np.bincount(y), [10] * 5)
    # without noise, the radius of class j's i-th point is i / (N - 1)
    assert np.allclose(np.hypot(X[:10, 0], X[:10, 1]), np.linspace(0, 1, 10), atol=1e-6)
    with pytest.raises(ValueError, match="spiral: n_classes must be at least 1"):
        spiral(n_classes=0)
    with pytest.raises(ValueError, match="spiral: noise must be >= 0"):
        spiral(noise=-1)


def test_moons_and_circles_geometry_without_noise():
    X, y = moons(n=101, noise=0.0, dtype=np.float64)
    assert np.array_equal(np.bincount(y), [50, 51])
    assert np.allclose(np.hypot(X[y == 0, 0], X[y == 0, 1]), 1.0)  # upper arc: unit circle
    assert np.allclose(np.hypot(X[y == 1, 0] - 1, X[y == 1, 1] - 0.5), 1.0)
    assert np.all(X[y == 0, 1] >= 0) and np.all(X[y == 1, 1] <= 0.5)
    X, y = circles(n=100, noise=0.0, factor=0.3, dtype=np.float64)
    r = np.hypot(X[:, 0], X[:, 1])
    assert np.allclose(r[y == 0], 1.0) and np.allclose(r[y == 1], 0.3)
    with pytest.raises(ValueError, match=r"circles: factor must be in \[0, 1\)"):
        circles(factor=1.0)


def test_xor_truth_table_and_noisy_samples():
    X, y = xor()
    assert np.array_equal(X, [[0, 0], [0, 1], [1, 0], [1, 1]])
    assert np.array_equal(y, [0, 1, 1, 0])
    X, y = xor(400, noise=0.05)
    assert np.array_equal(y, np.tile([0, 1, 1, 0], 100))
    corners = np.tile([[0, 0], [0, 1], [1, 0], [1, 1]], (100, 1))
    assert 0.03 < np.std(X - corners) < 0.07
    assert np.all(np.abs(X - corners) < 0.4)
    with pytest.raises(ValueError, match="xor: n must be at least 4"):
        xor(3)


def test_blobs_centers_and_spread():
    centers = np.array([[0.0, 0.0, 0.0], [10.0, 10.0, 10.0]])
    X, y = blobs(n=1001, centers=centers, std=0.5, dtype=np.float64)
    assert X.shape == (1001, 3) and np.array_equal(np.bincount(y), [501, 500])
    for k in range(2):
        assert np.allclose(X[y == k].mean(axis=0), centers[k], atol=0.1)
        assert np.allclose(X[y == k].std(axis=0), 0.5, atol=0.1)
    X, y = blobs(n=40, centers=4, n_features=5)
    assert X.shape == (40, 5) and np.array_equal(np.bincount(y), [10] * 4)
    with pytest.raises(ValueError, match="blobs: n=2 is smaller than the number of centers 3"):
        blobs(n=2)
    with pytest.raises(ValueError, match=r"blobs: centers must be .* got \(3,\)"):
        blobs(centers=[1.0, 2.0, 3.0])


def test_toy_bad_arguments():
    with pytest.raises(TypeError, match="moons: n must be an int"):
        moons(n=10.5)
    with pytest.raises(TypeError, match="moons: dtype must be a float dtype"):
        moons(dtype=np.int32)


# ------------------------------------------------------------------------------- digits


def test_digits_shape_range_and_layout():
    pytest.importorskip("sklearn")
    X, y = digits()
    assert X.shape == (1797, 64) and X.dtype == np.float32
    assert X.min() == 0.0 and X.max() == 1.0
    assert y.dtype == np.int64 and set(np.unique(y)) == set(range(10))
    X4, y4 = digits(flatten=False, dtype=np.float64)
    assert np.array_equal(y4, y)
    assert X4.shape == (1797, 1, 8, 8) and X4.dtype == np.float64
    assert np.allclose(X4.reshape(1797, 64), X)


def test_digits_without_sklearn_names_the_extra(monkeypatch):
    # None in sys.modules makes "import sklearn.datasets" raise ImportError
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError, match=r'pip install "autograd-lite\[digits\]"'):
        digits()


# -------------------------------------------------------------------------------- MNIST


def _idx_bytes(arr, magic=None):
    """An IDX file of unsigned bytes: magic 0x08,ndim, big-endian dims, data."""
    arr = np.asarray(arr, dtype=np.uint8)
    if magic is None:
        magic = 0x0800 + arr.ndim
    return struct.pack(">I", magic) + struct.pack(f">{arr.ndim}I", *arr.shape) + arr.tobytes()


def _fake_mnist(n, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8), rng.integers(0, 10, n)


def _write(path, raw, gz):
    if gz:
        path = path.with_name(path.name + ".gz")
        path.write_bytes(gzip.compress(raw))
    else:
        path.write_bytes(raw)
    return path


@pytest.mark.parametrize("gz", [False, True])
def test_load_mnist_idx_round_trip(tmp_path, gz):
    images, labels = _fake_mnist(7)
    _write(tmp_path / "train-images-idx3-ubyte", _idx_bytes(images), gz)
    _write(tmp_path / "train-labels-idx1-ubyte", _idx_bytes(labels), gz)
    t_images, t_labels = _fake_mnist(3, seed=1)
    _write(tmp_path / "t10k-images-idx3-ubyte", _idx_bytes(t_images), gz)
    _write(tmp_path / "t10k-labels-idx1-ubyte", _idx_bytes(t_labels), gz)

    X, y = load_mnist(tmp_path)
    assert X.shape == (7, 784) and X.dtype == np.float32
    assert np.allclose(X, images.reshape(7, 784) / 255.0)
    assert y.dtype == np.int64 and np.array_equal(y, labels)

    raw, _ = load_mnist(str(tmp_path), normalize=False, flatten=False)
    assert raw.shape == (7, 1, 28, 28) and raw.dtype == np.uint8
    assert np.array_equal(raw[:, 0], images)

    Xt, yt = load_mnist(tmp_path, kind="test", dtype=np.float64)
    assert Xt.shape == (3, 784) and Xt.dtype == np.float64
    assert np.array_equal(yt, t_labels)


def test_read_idx_other_types(tmp_path):
    arr = (np.arange(12).reshape(3, 4) - 5).astype(">i4")  # IDX is big-endian
    raw = struct.pack(">I", 0x0C02) + struct.pack(">2I", 3, 4) + arr.tobytes()
    path = _write(tmp_path / "ints.idx", raw, gz=False)
    out = read_idx(path)
    assert out.shape == (3, 4) and np.array_equal(out, arr)
    assert out.dtype.isnative


def test_truncated_idx_names_file_and_byte_counts(tmp_path):
    images, labels = _fake_mnist(4)
    raw = _idx_bytes(images)
    _write(tmp_path / "train-images-idx3-ubyte", raw[:-100], gz=True)
    _write(tmp_path / "train-labels-idx1-ubyte", _idx_bytes(labels), gz=True)
    with pytest.raises(
        ValueError,
        match=r"train-images-idx3-ubyte\.gz' is truncated: the header says 4x28x28 uint8 = "
        r"3136 data bytes, the file has 3036",
    ):
        load_mnist(tmp_path)
    with pytest.raises(ValueError, match="too short for an IDX header"):
        read_idx(_write(tmp_path / "tiny", b"\x00\x00", gz=False))
    with pytest.raises(ValueError, match="truncated: the header needs 16 bytes"):
        read_idx(_write(tmp_path / "hdr", raw[:10], gz=False))


def test_trailing_bytes_are_an_error(tmp_path):
    path = _write(tmp_path / "x.idx", _idx_bytes(np.zeros(5)) + b"\x00", gz=False)
    with pytest.raises(ValueError, match=r"has trailing bytes: .* 5 data bytes, the file has 6"):
        read_idx(path)


def test_wrong_magic_numbers(tmp_path):
    images, labels = _fake_mnist(2)
    # images and labels swapped: each file is valid IDX, but the wrong kind
    _write(tmp_path / "train-images-idx3-ubyte", _idx_bytes(labels), gz=False)
    _write(tmp_path / "train-labels-idx1-ubyte", _idx_bytes(images), gz=False)
    with pytest.raises(
        ValueError, match=r"images-idx3-ubyte' has magic number 2049; expected 2051"
    ):
        load_mnist(tmp_path)
    _write(tmp_path / "train-images-idx3-ubyte", _idx_bytes(images), gz=False)
    with pytest.raises(
        ValueError, match=r"labels-idx1-ubyte' has magic number 2051; expected 2049"
    ):
        load_mnist(tmp_path)
    # not IDX at all (e.g. an HTML error page saved under the file's name)
    path = _write(tmp_path / "page", b"<html>not found</html>", gz=False)
    with pytest.raises(ValueError, match=r"'.*page' is not an IDX file: magic number"):
        read_idx(path)


def test_image_label_count_mismatch(tmp_path):
    images, labels = _fake_mnist(5)
    _write(tmp_path / "train-images-idx3-ubyte", _idx_bytes(images), gz=False)
    _write(tmp_path / "train-labels-idx1-ubyte", _idx_bytes(labels[:4]), gz=False)
    with pytest.raises(ValueError, match="5 images in train-images-idx3-ubyte but 4 labels"):
        load_mnist(tmp_path)


def test_corrupted_gzip_and_missing_files(tmp_path):
    images, labels = _fake_mnist(3)
    good = gzip.compress(_idx_bytes(images))
    (tmp_path / "train-images-idx3-ubyte.gz").write_bytes(good[: len(good) // 2])
    _write(tmp_path / "train-labels-idx1-ubyte", _idx_bytes(labels), gz=True)
    with pytest.raises(ValueError, match=r"images-idx3-ubyte\.gz' is not a valid gzip file"):
        load_mnist(tmp_path)
    with pytest.raises(FileNotFoundError, match="no t10k images"):
        load_mnist(tmp_path, kind="test")
    with pytest.raises(FileNotFoundError, match="no such file or directory"):
        load_mnist(tmp_path / "nope")
    with pytest.raises(ValueError, match="kind must be 'train' or 'test'"):
        load_mnist(tmp_path, kind="validation")


def _csv_rows(images, labels):
    return "".join(
        f"{lab}," + ",".join(map(str, img.ravel())) + "\n" for img, lab in zip(images, labels)
    )


@pytest.mark.parametrize("header", [False, True])
def test_load_mnist_csv(tmp_path, header):
    images, labels = _fake_mnist(4)
    text = _csv_rows(images, labels)
    if header:  # Kaggle's CSV files start with a header line
        text = "label," + ",".join(f"{i}x{j}" for i in range(28) for j in range(28)) + "\n" + text
    path = tmp_path / "mnist_train.csv"
    path.write_text(text)
    X, y = load_mnist(path)
    assert X.shape == (4, 784) and X.dtype == np.float32
    assert np.allclose(X * 255, images.reshape(4, 784))
    assert np.array_equal(y, labels) and y.dtype == np.int64
    X4, _ = load_mnist(path, flatten=False, normalize=False)
    assert X4.shape == (4, 1, 28, 28) and np.array_equal(X4[:, 0], images)


def test_load_mnist_csv_errors(tmp_path):
    path = tmp_path / "short.csv"
    path.write_text("5,1,2,3\n7,4,5,6\n")
    with pytest.raises(ValueError, match=r"short\.csv' has 4 columns per row; expected 785"):
        load_mnist(path)
    path = tmp_path / "ragged.csv"
    images, labels = _fake_mnist(2)
    path.write_text(_csv_rows(images, labels) + "3,1,2\n")
    with pytest.raises(ValueError, match=r"ragged\.csv' is not an MNIST CSV file"):
        load_mnist(path)
    path = tmp_path / "big.csv"
    path.write_text(_csv_rows(images.astype(int) + 300, labels))
    with pytest.raises(ValueError, match=r"pixel values in \[300, .*\], expected 0\.\.255"):
        load_mnist(path)
    path = tmp_path / "empty.csv"
    path.write_text("")
    with pytest.raises(ValueError, match="is empty"):
        load_mnist(path)
    path = tmp_path / "data.bin"
    path.write_bytes(b"\x00")
    with pytest.raises(ValueError, match=r"not a \.csv"):
        load_mnist(path)


def test_module_exports():
    assert set(datasets.__all__) >= {"spiral", "moons", "circles", "xor", "blobs", "digits"}
