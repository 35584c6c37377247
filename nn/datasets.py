"""Small data sets for learning: generated toy problems, scikit-learn's digits, and MNIST.

Every function returns ``(X, y)`` NumPy arrays: ``X`` float (the default dtype, float32,
unless ``dtype=`` is given) with examples as rows, ``y`` int64 class labels. Toy sets are
ordered class by class (shuffle with :func:`nn.data.train_val_test_split` or a shuffling
:class:`nn.data.DataLoader`) and are reproducible: the same ``seed`` gives the same arrays.

=================  ===========  ========================================================
function           X            classes
=================  ===========  ========================================================
``spiral()``       (300, 2)     3 interleaved spiral arms (cs231n)
``moons()``        (200, 2)     2 half circles
``circles()``      (200, 2)     2 concentric circles
``xor()``          (4, 2)       the XOR truth table; ``xor(200)`` noisy samples of it
``blobs()``        (300, 2)     3 Gaussian clusters
``digits()``       (1797, 64)   10 digits, 8x8 pixels in [0, 1] (needs scikit-learn)
``load_mnist()``   (N, 784)     10 digits, 28x28 pixels, read from local files
=================  ===========  ========================================================
"""

from __future__ import annotations

import gzip
import io
import math
import os
import zlib
from pathlib import Path
from typing import Any

import numpy as np

import autograd_lite
from nn.files import open_regular

__all__ = ["blobs", "circles", "digits", "load_mnist", "moons", "read_idx", "spiral", "xor"]

PathLike = str | os.PathLike


def _float_dtype(dtype: Any, where: str) -> np.dtype:
    dt = np.dtype(autograd_lite.get_default_dtype() if dtype is None else dtype)
    if not np.issubdtype(dt, np.floating):
        raise TypeError(f"{where}: dtype must be a float dtype, got {dt}")
    return dt


def _check_count(name: str, value: Any, where: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{where}: {name} must be an int, got {value!r}")
    if value < minimum:
        raise ValueError(f"{where}: {name} must be at least {minimum}, got {value}")
    return int(value)


def _check_noise(value: Any, where: str, name: str = "noise") -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{where}: {name} must be a number, got {value!r}")
    value = float(value)
    if not value >= 0:  # also rejects NaN
        raise ValueError(f"{where}: {name} must be >= 0, got {value}")
    return value


# ----------------------------------------------------------------------------------------
# Toy problems in the plane


def spiral(
    n_per_class: int = 100,
    n_classes: int = 3,
    noise: float = 0.2,
    seed: int | None = 0,
    dtype: Any = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The spiral data set of Stanford's cs231n ("Putting it together: a minimal neural network").

    Returns ``X: (n_per_class * n_classes, 2)``, ``y: (n_per_class * n_classes,)``; class ``j``
    occupies rows ``j*N .. (j+1)*N - 1`` with ``N = n_per_class``::

        r = linspace(0, 1, N)                                   # radius
        t = linspace(j*4, (j+1)*4, N) + randn(N) * noise        # angle
        X[class j] = [r * sin(t), r * cos(t)]

    The noise is drawn with ``np.random.RandomState(seed).randn``, one class after another,
    so ``spiral(seed=s)`` equals the course code run right after ``np.random.seed(s)``.

    Examples
    --------
    >>> X, y = nn.datasets.spiral(n_per_class=100, n_classes=3)
    >>> X.shape, y.shape
    ((300, 2), (300,))
    >>> y[::100]
    array([0, 1, 2])
    """
    where = "spiral"
    n = _check_count("n_per_class", n_per_class, where)
    k = _check_count("n_classes", n_classes, where)
    noise = _check_noise(noise, where)
    rs = np.random.RandomState(seed)  # the legacy generator, to match the course bit for bit
    X = np.zeros((n * k, 2))
    y = np.zeros(n * k, dtype=np.int64)
    for j in range(k):
        rows = slice(n * j, n * (j + 1))
        r = np.linspace(0.0, 1, n)
        t = np.linspace(j * 4, (j + 1) * 4, n) + rs.randn(n) * noise
        X[rows] = np.c_[r * np.sin(t), r * np.cos(t)]
        y[rows] = j
    return X.astype(_float_dtype(dtype, where)), y


def moons(
    n: int = 200, noise: float = 0.1, seed: int | None = 0, dtype: Any = None
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (the construction of scikit-learn's ``make_moons``).

    Returns ``X: (n, 2)``, ``y: (n,)``: ``n // 2`` points of class 0 on the upper arc
    ``(cos a, sin a)``, the rest of class 1 on the lower arc ``(1 - cos a, 0.5 - sin a)``,
    ``a`` evenly spaced in ``[0, pi]``, plus Gaussian noise of standard deviation ``noise``.

    Examples
    --------
    >>> X, y = nn.datasets.moons(100)
    >>> X.shape, np.bincount(y)
    ((100, 2), array([50, 50]))
    """
    where = "moons"
    n = _check_count("n", n, where, minimum=2)
    noise = _check_noise(noise, where)
    rng = np.random.default_rng(seed)
    n0 = n // 2
    n1 = n - n0
    a0 = np.linspace(0, np.pi, n0)
    a1 = np.linspace(0, np.pi, n1)
    X = np.concatenate(
        [np.c_[np.cos(a0), np.sin(a0)], np.c_[1 - np.cos(a1), 0.5 - np.sin(a1)]], axis=0
    )
    X += rng.normal(scale=noise, size=X.shape)
    y = np.repeat(np.arange(2, dtype=np.int64), [n0, n1])
    return X.astype(_float_dtype(dtype, where)), y


def circles(
    n: int = 200,
    noise: float = 0.05,
    factor: float = 0.5,
    seed: int | None = 0,
    dtype: Any = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Two concentric circles (the construction of scikit-learn's ``make_circles``).

    Returns ``X: (n, 2)``, ``y: (n,)``: ``n // 2`` points of class 0 on the unit circle, the
    rest of class 1 on the circle of radius ``factor`` (``0 <= factor < 1``), angles evenly
    spaced, plus Gaussian noise of standard deviation ``noise``. Not linearly separable.

    Examples
    --------
    >>> X, y = nn.datasets.circles(100)
    >>> X.shape, y.shape, np.bincount(y)
    ((100, 2), (100,), array([50, 50]))
    """
    where = "circles"
    n = _check_count("n", n, where, minimum=2)
    noise = _check_noise(noise, where)
    if not 0 <= factor < 1:
        raise ValueError(f"{where}: factor must be in [0, 1), got {factor}")
    rng = np.random.default_rng(seed)
    n0 = n // 2
    n1 = n - n0
    a0 = np.linspace(0, 2 * np.pi, n0, endpoint=False)
    a1 = np.linspace(0, 2 * np.pi, n1, endpoint=False)
    X = np.concatenate([np.c_[np.cos(a0), np.sin(a0)], factor * np.c_[np.cos(a1), np.sin(a1)]])
    X += rng.normal(scale=noise, size=X.shape)
    y = np.repeat(np.arange(2, dtype=np.int64), [n0, n1])
    return X.astype(_float_dtype(dtype, where)), y


_XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
_XOR_Y = np.array([0, 1, 1, 0], dtype=np.int64)


def xor(
    n: int = 4, noise: float | None = None, seed: int | None = 0, dtype: Any = None
) -> tuple[np.ndarray, np.ndarray]:
    """The XOR problem: the smallest data set a linear model cannot fit.

    ``xor()`` is the truth table, ``X = [[0,0],[0,1],[1,0],[1,1]]``, ``y = [0,1,1,0]``.
    ``xor(n)`` with ``n > 4`` returns ``X: (n, 2)``, ``y: (n,)``: the four corners repeated in
    that order (row ``i`` is corner ``i % 4``, so the classes are balanced) plus Gaussian noise
    of standard deviation ``noise``. ``noise=None`` means 0 for ``n == 4`` (the exact table)
    and 0.1 otherwise.

    Examples
    --------
    >>> X, y = nn.datasets.xor()
    >>> X
    array([[0., 0.],
           [0., 1.],
           [1., 0.],
           [1., 1.]], dtype=float32)
    >>> y
    array([0, 1, 1, 0])
    """
    where = "xor"
    n = _check_count("n", n, where, minimum=4)
    noise = (0.0 if n == 4 else 0.1) if noise is None else _check_noise(noise, where)
    rng = np.random.default_rng(seed)
    corner = np.arange(n) % 4
    X = _XOR_X[corner] + rng.normal(scale=noise, size=(n, 2))
    return X.astype(_float_dtype(dtype, where)), _XOR_Y[corner]


def blobs(
    n: int = 300,
    centers: int | Any = 3,
    std: float = 1.0,
    seed: int | None = 0,
    n_features: int = 2,
    dtype: Any = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Isotropic Gaussian clusters, one class each (like scikit-learn's ``make_blobs``).

    ``centers`` is a count ``K`` (centers drawn uniformly in ``[-10, 10]^n_features``) or an
    array ``(K, D)`` of centers. Returns ``X: (n, D)``, ``y: (n,)``: cluster ``k`` gets
    ``n // K`` points (the first ``n % K`` clusters one more) drawn from
    ``N(centers[k], std**2 I)``.

    Examples
    --------
    >>> X, y = nn.datasets.blobs(n=30, centers=3)
    >>> X.shape, np.bincount(y)
    ((30, 2), array([10, 10, 10]))
    """
    where = "blobs"
    n = _check_count("n", n, where)
    std = _check_noise(std, where, "std")
    rng = np.random.default_rng(seed)
    if isinstance(centers, (int, np.integer)) and not isinstance(centers, bool):
        k = _check_count("centers", centers, where)
        d = _check_count("n_features", n_features, where)
        c = rng.uniform(-10.0, 10.0, size=(k, d))
    else:
        c = np.asarray(centers, dtype=np.float64)
        if c.ndim != 2 or c.shape[0] == 0:
            raise ValueError(f"{where}: centers must be an int or an array (K, D), got {c.shape}")
        k, d = c.shape
    if n < k:
        raise ValueError(f"{where}: n={n} is smaller than the number of centers {k}")
    counts = np.full(k, n // k)
    counts[: n % k] += 1
    y = np.repeat(np.arange(k, dtype=np.int64), counts)
    X = c[y] + rng.normal(scale=std, size=(n, d))
    return X.astype(_float_dtype(dtype, where)), y


# ----------------------------------------------------------------------------------------
# scikit-learn's digits


def digits(dtype: Any = None, flatten: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """The 1797 8x8 handwritten digits bundled with scikit-learn (no download).

    Returns ``X: (1797, 64)`` (``flatten=False``: ``(1797, 1, 8, 8)``, the ``(N, C, H, W)``
    layout of ``Conv2d``) with pixels scaled from 0..16 to ``[0, 1]``, and ``y: (1797,)``
    in 0..9. Needs the ``digits`` extra: ``pip install "autograd-lite[digits]"``.

    Examples
    --------
    >>> X, y = nn.datasets.digits()  # doctest: +SKIP
    >>> X.shape, y.shape  # doctest: +SKIP
    ((1797, 64), (1797,))
    """
    dt = _float_dtype(dtype, "digits")
    try:
        from sklearn.datasets import load_digits
    except ImportError as e:
        raise ImportError(
            'digits() needs scikit-learn, which is not installed; install the "digits" extra: '
            'pip install "autograd-lite[digits]"'
        ) from e
    bunch = load_digits()
    X = (np.asarray(bunch.data, dtype=np.float64) / 16.0).astype(dt)
    y = np.asarray(bunch.target, dtype=np.int64)
    if not flatten:
        X = X.reshape(-1, 1, 8, 8)
    return X, y


# ----------------------------------------------------------------------------------------
# MNIST from local files
#
# An IDX file (the format of the original MNIST files, yann.lecun.com) is big-endian:
#   bytes 0-1  zero
#   byte  2    element type: 0x08 ubyte, 0x09 byte, 0x0B short, 0x0C int, 0x0D float, 0x0E double
#   byte  3    number of dimensions d
#   then d 4-byte unsigned sizes, then the elements in C order.
# Read as one big-endian int, bytes 0-3 are the "magic number": 2051 (0x0803, ubyte, 3 dims)
# for images (N, 28, 28) and 2049 (0x0801, ubyte, 1 dim) for labels (N,).

_IDX_TYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
IDX_IMAGES_MAGIC = 2051
IDX_LABELS_MAGIC = 2049


def _read_bytes(path: Path, where: str) -> bytes:
    """The file's bytes, gunzipped when the name ends in ``.gz``; corruption -> ValueError.
    Only a regular file is read (a link to /dev/zero would never end: ``nn.files``)."""
    f, size = open_regular(path, where)
    with f:
        if path.suffix != ".gz":
            return f.read(size)
        try:
            # (deflate expands at most about 1032:1, which bounds what this can allocate)
            with gzip.GzipFile(fileobj=f, mode="rb") as unzipped:
                return unzipped.read()
        except (OSError, EOFError, zlib.error) as e:  # BadGzipFile is an OSError
            raise ValueError(f"{where}: {str(path)!r} is not a valid gzip file: {e}") from None


def _parse_idx(raw: bytes, path: Path, where: str) -> tuple[int, np.ndarray]:
    """Return ``(magic, array)`` from the bytes of an IDX file, checking every length."""
    name = repr(str(path))
    if len(raw) < 4:
        raise ValueError(f"{where}: {name} is too short for an IDX header ({len(raw)} bytes)")
    magic = int.from_bytes(raw[:4], "big")
    zero, type_code, ndim = int.from_bytes(raw[:2], "big"), raw[2], raw[3]
    if zero != 0 or type_code not in _IDX_TYPES or ndim == 0:
        raise ValueError(
            f"{where}: {name} is not an IDX file: magic number {magic} (0x{magic:08X}); "
            f"expected {IDX_IMAGES_MAGIC} for images or {IDX_LABELS_MAGIC} for labels"
        )
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(
            f"{where}: {name} is truncated: the header needs {header} bytes, file has {len(raw)}"
        )
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    dt = _IDX_TYPES[type_code]
    expected = dt.itemsize * math.prod(shape)  # Python ints: no int64 wrap-around
    actual = len(raw) - header
    if actual != expected:
        dims = "x".join(map(str, shape))
        problem = "is truncated" if actual < expected else "has trailing bytes"
        raise ValueError(
            f"{where}: {name} {problem}: the header says {dims} {dt.name} = {expected} data "
            f"bytes, the file has {actual}"
        )
    arr = np.frombuffer(raw, dtype=dt, offset=header).reshape(shape)
    # native byte order, and a writable copy rather than a view of the immutable bytes
    return magic, arr.astype(dt.newbyteorder("="))


def read_idx(path: PathLike) -> np.ndarray:
    """Read an IDX file (plain, or gzipped when the name ends in ``.gz``) into an array.

    The shape and dtype come from the header (MNIST images: ``(N, 28, 28)`` uint8; labels:
    ``(N,)`` uint8). A bad magic number, a truncated file or trailing bytes raise
    ``ValueError`` naming the path and what is wrong.

    Examples
    --------
    An IDX file of two 2x2 uint8 images (magic 0x00000803: unsigned bytes, 3 dimensions):

    >>> import struct
    >>> data = struct.pack(">I3I", 0x803, 2, 2, 2) + bytes(range(8))
    >>> with open("tiny-idx3-ubyte", "wb") as f:
    ...     _ = f.write(data)
    >>> nn.datasets.read_idx("tiny-idx3-ubyte")
    array([[[0, 1],
            [2, 3]],
    <BLANKLINE>
           [[4, 5],
            [6, 7]]], dtype=uint8)
    """
    path = Path(path)
    return _parse_idx(_read_bytes(path, "read_idx"), path, "read_idx")[1]


def _find_idx(directory: Path, prefix: str, what: str) -> Path:
    """``train-images-idx3-ubyte`` and its common variants (``.gz``, ``.idx3-ubyte``)."""
    dims = "idx3" if what == "images" else "idx1"
    names = [f"{prefix}-{what}-{dims}-ubyte", f"{prefix}-{what}.{dims}-ubyte"]
    for name in names:
        for candidate in (directory / name, directory / (name + ".gz")):
            if candidate.exists():
                return candidate
    raise FileNotFoundError(
        f"load_mnist: no {prefix} {what} in {str(directory)!r}; looked for "
        f"{names[0]} or {names[0]}.gz"
    )


def _load_mnist_csv(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Rows ``label,pixel0,...,pixel783`` (the MNIST CSV of "Make Your Own Neural Network").

    A header line (as in Kaggle's CSV files) is skipped when its first field is not a number.
    """
    where = "load_mnist"
    name = repr(str(path))
    try:
        text = _read_bytes(path, where).decode("utf-8")
    except UnicodeDecodeError as e:
        raise ValueError(f"{where}: {name} cannot be read as text: {e}") from None
    end = text.find("\n")
    first = text if end < 0 else text[:end]
    if not first.strip():
        raise ValueError(f"{where}: {name} is empty")
    skip = 0 if first.split(",")[0].strip().lstrip("-").isdigit() else 1
    try:
        table = np.loadtxt(
            io.StringIO(text, newline=None), delimiter=",", dtype=np.int64, ndmin=2, skiprows=skip
        )
    except ValueError as e:
        raise ValueError(f"{where}: {name} is not an MNIST CSV file: {e}") from None
    if table.shape[0] == 0:
        raise ValueError(f"{where}: {name} holds no rows")
    if table.shape[1] != 1 + 28 * 28:
        raise ValueError(
            f"{where}: {name} has {table.shape[1]} columns per row; expected 785 "
            f"(a label and 28*28 = 784 pixels)"
        )
    labels, pixels = table[:, 0], table[:, 1:]
    if pixels.min() < 0 or pixels.max() > 255:
        raise ValueError(
            f"{where}: {name} has pixel values in [{pixels.min()}, {pixels.max()}], expected 0..255"
        )
    return pixels.astype(np.uint8).reshape(-1, 28, 28), labels


def load_mnist(
    path: PathLike,
    kind: str = "train",
    *,
    flatten: bool = True,
    normalize: bool = True,
    dtype: Any = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Load MNIST (or Fashion-MNIST, same format) from local files; nothing is downloaded.

    ``path`` is either

    - a directory holding the original IDX files, plain or gzipped:
      ``train-images-idx3-ubyte[.gz]`` and ``train-labels-idx1-ubyte[.gz]`` for
      ``kind="train"``, ``t10k-images-idx3-ubyte[.gz]`` and ``t10k-labels-idx1-ubyte[.gz]``
      for ``kind="test"`` (``"t10k"`` also accepted); or
    - one ``.csv`` (or ``.csv.gz``) file with rows ``label,pixel0,...,pixel783``, the form used
      by "Make Your Own Neural Network" (``mnist_train.csv``); ``kind`` is then ignored,
      the file is the split.

    Returns ``X`` and ``y: (N,)`` int64 labels. ``X`` is ``(N, 784)`` with ``flatten=True``,
    else ``(N, 1, 28, 28)`` (``(N, C, H, W)`` for ``Conv2d``); with ``normalize=True`` it is
    float (the default dtype unless ``dtype=``) with pixels ``/ 255`` in ``[0, 1]``,
    otherwise the raw uint8 pixels.

    Files with a wrong magic number, truncated or gzip-corrupted files, and image/label
    counts that differ raise ``ValueError`` naming the file.

    Examples
    --------
    The CSV form of "Make Your Own Neural Network" (here two rows of a made-up file):

    >>> row = lambda label, pixel: ",".join([str(label)] + [str(pixel)] * 784)
    >>> with open("mnist_train_2.csv", "w") as f:
    ...     print(row(5, 0), file=f)
    ...     print(row(0, 255), file=f)
    >>> X, y = nn.datasets.load_mnist("mnist_train_2.csv")
    >>> X.shape, y, float(X.max())
    ((2, 784), array([5, 0]), 1.0)
    """
    where = "load_mnist"
    path = Path(path)
    if path.is_dir():
        prefixes = {"train": "train", "test": "t10k", "t10k": "t10k"}
        if kind not in prefixes:
            raise ValueError(f"{where}: kind must be 'train' or 'test', got {kind!r}")
        img_path = _find_idx(path, prefixes[kind], "images")
        lbl_path = _find_idx(path, prefixes[kind], "labels")
        img_magic, images = _parse_idx(_read_bytes(img_path, where), img_path, where)
        if img_magic != IDX_IMAGES_MAGIC:
            raise ValueError(
                f"{where}: {str(img_path)!r} has magic number {img_magic}; expected "
                f"{IDX_IMAGES_MAGIC} (unsigned bytes, 3 dimensions) for an images file"
            )
        lbl_magic, labels = _parse_idx(_read_bytes(lbl_path, where), lbl_path, where)
        if lbl_magic != IDX_LABELS_MAGIC:
            raise ValueError(
                f"{where}: {str(lbl_path)!r} has magic number {lbl_magic}; expected "
                f"{IDX_LABELS_MAGIC} (unsigned bytes, 1 dimension) for a labels file"
            )
        if images.shape[0] != labels.shape[0]:
            raise ValueError(
                f"{where}: {images.shape[0]} images in {img_path.name} but {labels.shape[0]} "
                f"labels in {lbl_path.name}"
            )
    elif path.exists():  # (a FIFO or device is refused by name when read)
        if not (path.name.endswith(".csv") or path.name.endswith(".csv.gz")):
            raise ValueError(
                f"{where}: {str(path)!r} is a file but not a .csv; pass a .csv file or the "
                f"directory holding the IDX files"
            )
        images, labels = _load_mnist_csv(path)
    else:
        raise FileNotFoundError(f"{where}: no such file or directory: {str(path)!r}")

    n = images.shape[0]
    X = images.reshape(n, -1) if flatten else images.reshape(n, 1, *images.shape[1:])
    if normalize:
        dt = _float_dtype(dtype, where)
        X = X.astype(dt) / dt.type(255)
    return X, labels.astype(np.int64)
