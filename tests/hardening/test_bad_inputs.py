"""A catalogue of bad inputs across the public API: each is refused with the documented
exception type and a message that names the problem, and none runs code, hangs, or leaves a
half-written file behind.

The table rows are ``(id, call, exception type, regex)``. ``call`` takes a temporary
directory (a ``Path``) so rows can write the bad files they read.
"""

from __future__ import annotations

import gzip
import os
import pickle
import re
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

import autograd_lite as al
import nn
import visualize
from autograd_lite import AutogradError, ShapeError
from nn import functional as F
from nn import loss as L
from visualize.cli.expression import ExpressionError, parse_assignment, parse_expression
from visualize.render import RenderError

ROOT = Path(__file__).resolve().parents[2]
MARKER = "PWNED_MARKER"


# ---------------------------------------------------------------------------------------
# Helpers that build bad inputs


def t(data, dtype="float64", requires_grad=False):
    return al.tensor(np.asarray(data, dtype=dtype), requires_grad=requires_grad)


def params():
    return list(nn.Linear(3, 2).parameters())


def good_npz(d: Path, compressed: bool = False) -> bytes:
    """The bytes of a valid checkpoint (nn.save) or of np.savez_compressed output."""
    path = d / "good.npz"
    if compressed:
        np.savez_compressed(path, w=np.arange(300.0).reshape(30, 10))
    else:
        nn.save(nn.Linear(4, 3).state_dict(), path)
    return path.read_bytes()


def write(d: Path, name: str, data: bytes) -> Path:
    path = d / name
    path.write_bytes(data)
    return path


def flipped(data: bytes, offset: int) -> bytes:
    b = bytearray(data)
    b[offset] ^= 0xA5
    return bytes(b)


def central_directory_flags_offset(data: bytes) -> int:
    """Offset of the general-purpose flag bits of the first central-directory entry."""
    return data.index(b"PK\x01\x02") + 8


def compressed_data_offset(data: bytes) -> int:
    """An offset inside the first member's deflated bytes (after its local header)."""
    name_len, extra_len = struct.unpack("<HH", data[26:30])
    return 30 + name_len + extra_len + 2


class MarkerPayload:
    """Unpickling this creates the marker file (what an attacker's checkpoint would do)."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


def pickled_npz(d: Path) -> Path:
    """An .npz whose member is an object array: its payload is a pickle."""
    path = d / "objects.npz"
    with zipfile.ZipFile(path, "w") as zf, zf.open("weight.npy", "w") as member:
        arr = np.array([MarkerPayload(d / MARKER), 1], dtype=object)
        np.lib.format.write_array(member, arr, allow_pickle=True)
    return path


def idx_images(n: int = 2) -> bytes:
    return struct.pack(">IIII", 2051, n, 28, 28) + bytes(n * 784)


def idx_labels(n: int = 2) -> bytes:
    return struct.pack(">II", 2049, n) + bytes(n)


def mnist_dir(d: Path, images: bytes, labels: bytes) -> Path:
    (d / "mnist").mkdir()
    (d / "mnist" / "train-images-idx3-ubyte").write_bytes(images)
    (d / "mnist" / "train-labels-idx1-ubyte").write_bytes(labels)
    return d / "mnist"


def fit_regression(d: Path):
    """fit with MSELoss on (N, 2) targets and the default metrics=("accuracy",)."""
    model = nn.Linear(3, 2)
    X, Y = np.random.default_rng(0).random((8, 3)), np.random.default_rng(1).random((8, 2))
    loader = nn.data.DataLoader(X, Y, batch_size=4)
    optimizer = nn.optim.SGD(model.parameters(), lr=0.1)
    return nn.fit(model, nn.MSELoss(), optimizer, loader, epochs=1, progress=False)


def backward_twice(d: Path):
    x = t([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    y.backward()


def steps_after_backward(d: Path):
    # (A plain backward() keeps small graphs for drawing; this one's arrays are too big.)
    x = t(np.ones(1000), requires_grad=True)
    y = (x * x).sum()
    y.backward()
    return visualize.backward_steps(y)


def square_sum(d: Path):
    x = t([1.0, 2.0], requires_grad=True)
    return (x * x).sum()


X23 = np.ones((2, 3))

# ---------------------------------------------------------------------------------------
# The table: (id, call(tmp_path), expected exception type, regex the message must match)

CASES = [
    # -- engine: shapes, axes, dtypes, non-numeric data, None --------------------------
    ("matmul-inner-dims", lambda d: t(np.ones((3, 2))) @ t(np.ones((3, 5))),
     ShapeError, r"matmul: \(3, 2\) @ \(3, 5\): inner dimensions 2 and 3 differ"),
    ("add-not-broadcastable", lambda d: t(X23) + t(np.ones(4)),
     ShapeError, r"add: shapes \(2, 3\) and \(4,\) cannot be broadcast"),
    ("sum-axis-out-of-range", lambda d: al.sum(t(X23), axis=5),
     ShapeError, r"sum: axis 5 is out of range .*\(2, 3\)"),
    ("softmax-negative-axis-out-of-range", lambda d: al.softmax(t(X23), axis=-3),
     ShapeError, r"softmax: axis -3 is out of range"),
    ("reshape-wrong-size", lambda d: al.reshape(t(X23), (4, 2)),
     ShapeError, r"reshape: .*\(2, 3\).*\(4, 2\)"),
    ("permute-repeated-dim", lambda d: al.permute(t(X23), (0, 0)),
     ShapeError, r"permute: dims \(0, 0\)"),
    ("stack-different-shapes", lambda d: al.stack([t(X23), t(np.ones((2, 4)))]),
     ShapeError, r"stack: .*\(2, 3\), \(2, 4\)"),
    ("index-out-of-range", lambda d: t(X23)[5],
     IndexError, r"index 5 is out of bounds .*\(2, 3\)"),
    ("tensor-of-None", lambda d: al.tensor(None),
     TypeError, r"tensor: expected a number.*got NoneType"),
    ("tensor-of-strings", lambda d: al.tensor(["a", "b"]),
     TypeError, r"tensor: data must be numbers.*strings"),
    ("tensor-ragged-list", lambda d: al.tensor([[1.0, 2.0], [3.0]]),
     ValueError, r"rectangular"),
    ("int-tensor-requires-grad", lambda d: al.tensor([1, 2], requires_grad=True),
     TypeError, r"only floating-point tensors can require gradients.*int64"),
    ("add-a-string", lambda d: t(X23) + "a",
     TypeError, r"add: expected a number.*got str"),
    ("backward-non-scalar", lambda d: (t(X23, requires_grad=True) * 2).backward(),
     AutogradError, r"backward: .*one-element output.*\(2, 3\)"),
    ("backward-twice", backward_twice,
     AutogradError, r"second time.*retain_graph=True"),
    ("backward-grad-of-wrong-shape",
     lambda d: (t(X23, requires_grad=True) * 2).backward(t(np.ones(3))),
     ShapeError, r"backward: grad has shape \(3,\) but the tensor has shape \(2, 3\)"),
    ("zeros-negative-shape", lambda d: al.zeros((-1, 3)),
     ValueError, r"zeros: shape must be non-negative"),
    ("pad-negative-width", lambda d: al.pad(t(X23), (-5, -5)),
     ValueError, r"pad: widths must be non-negative"),
    ("set-default-dtype-int", lambda d: al.set_default_dtype("int32"),
     TypeError, r"set_default_dtype: expected a floating dtype, got int32"),
    # BUG (minor): NumPy's "data type 'floaty' not understood", without the function's name
    ("set-default-dtype-unknown", lambda d: al.set_default_dtype("floaty"),
     TypeError, r"set_default_dtype: .*'floaty'"),
    # BUG: NumPy's "negative dimensions are not allowed" (zeros/ones check their shape; eye not)
    ("eye-negative-size", lambda d: al.eye(-1),
     ValueError, r"eye: .*-1"),
    # BUG: a ValueError from NumPy's float conversion; a non-number fill value is a TypeError
    ("full-non-numeric-fill", lambda d: al.full((2,), "a"),
     TypeError, r"full: .*'a'"),
    # BUG: randn(2, dtype="int32") silently truncates normal samples to integers
    ("randn-integer-dtype", lambda d: al.randn(2, dtype="int32"),
     TypeError, r"randn: .*floating.*int32"),
    # BUG: NumPy's "SeedSequence expects int or sequence of ints for entropy not a"
    ("manual-seed-string", lambda d: al.manual_seed("a"),
     TypeError, r"manual_seed: .*int.*'a'"),
    # BUG (minor): a non-callable hook is accepted and fails only inside backward
    ("register-hook-not-callable",
     lambda d: t([1.0], requires_grad=True).register_hook(3),
     TypeError, r"register_hook: .*callable.*int"),
    # -- nn layers --------------------------------------------------------------------
    ("linear-wrong-features", lambda d: nn.Linear(3, 2)(t(np.ones((4, 5)))),
     ShapeError, r"input of shape \(4, 5\) has 5 features.*expected 3"),
    ("linear-integer-input", lambda d: nn.Linear(3, 2)(al.tensor(np.ones((4, 3), int))),
     TypeError, r"dtype int64.*floating point"),
    ("linear-zero-features", lambda d: nn.Linear(0, 2),
     ValueError, r"in_features must be a positive integer, got 0"),
    ("conv-kernel-larger-than-input", lambda d: nn.Conv2d(1, 1, 5)(t(np.ones((1, 1, 3, 3)))),
     ShapeError, r"kernel 5x5 is larger than the padded input 3x3"),
    ("conv-wrong-channels", lambda d: nn.Conv2d(3, 1, 3)(t(np.ones((1, 1, 5, 5)))),
     ShapeError, r"has 1 channels, expected 3"),
    ("conv-3d-input", lambda d: nn.Conv2d(1, 1, 3)(t(np.ones((1, 5, 5)))),
     ShapeError, r"\(1, 5, 5\) is not 4-D"),
    ("conv-stride-zero", lambda d: nn.Conv2d(1, 1, 3, stride=0),
     ValueError, r"stride must be an int >= 1"),
    ("maxpool-kernel-larger-than-input", lambda d: nn.MaxPool2d(4)(t(np.ones((1, 1, 3, 3)))),
     ShapeError, r"kernel 4x4 is larger than the padded input 3x3"),
    ("batchnorm-zero-size-batch", lambda d: nn.BatchNorm1d(3)(t(np.ones((0, 3)))),
     ValueError, r"batch_norm: need more than 1 value per channel.*\(0, 3\)"),
    ("batchnorm-momentum-above-one", lambda d: nn.BatchNorm1d(3, momentum=2),
     ValueError, r"momentum must be in \[0, 1\]"),
    ("dropout-negative-p", lambda d: nn.Dropout(-0.1),
     ValueError, r"Dropout: dropout probability p must be in \[0, 1\).*-0.1"),
    ("dropout-nan-p", lambda d: F.dropout(t(X23), float("nan")),
     ValueError, r"dropout probability p must be in \[0, 1\).*nan"),
    ("load-state-dict-wrong-shape",
     lambda d: nn.Linear(2, 2).load_state_dict({"weight": np.ones((3, 2)), "bias": np.ones(2)}),
     ShapeError, r"shape mismatch for 'weight': checkpoint has shape \(3, 2\)"),
    ("load-state-dict-missing-key",
     lambda d: nn.Linear(2, 2).load_state_dict({"weight": np.ones((2, 2))}),
     ValueError, r"missing keys: 'bias'"),
    # BUG: a string array reaches NumPy's float conversion; the message does not name the key
    ("load-state-dict-non-numeric",
     lambda d: nn.Linear(2, 2).load_state_dict(
         {"weight": np.array([["a", "b"], ["c", "d"]]), "bias": np.ones(2)}),
     ValueError, r"'weight'"),
    # -- nn losses --------------------------------------------------------------------
    ("cross-entropy-float-targets", lambda d: L.cross_entropy(t(X23), [0.5, 1.0]),
     TypeError, r"cross_entropy: target must hold integer class indices"),
    ("cross-entropy-target-out-of-range", lambda d: L.cross_entropy(t(X23), [0, 3]),
     ValueError, r"class indices in \[0, 2\].*got 3"),
    ("cross-entropy-None-target", lambda d: L.cross_entropy(t(X23), None),
     TypeError, r"cross_entropy: .*NoneType"),
    ("mse-shape-mismatch", lambda d: L.mse_loss(t(np.ones(3)), np.ones(4)),
     ShapeError, r"mse_loss: input shape \(3,\) and target shape \(4,\) differ"),
    ("bce-probability-above-one", lambda d: L.binary_cross_entropy(t([1.5]), [1.0]),
     ValueError, r"probabilities in \[0, 1\]"),
    ("bce-probability-inf", lambda d: L.binary_cross_entropy(t([np.inf]), [1.0]),
     ValueError, r"probabilities in \[0, 1\]"),
    # BUG: NaN slips through the min/max range check and the loss is silently NaN
    ("bce-probability-nan", lambda d: L.binary_cross_entropy(t([0.5, np.nan]), [1.0, 0.0]),
     ValueError, r"probabilities in \[0, 1\]"),
    ("loss-unknown-reduction", lambda d: nn.CrossEntropyLoss(reduction="avg"),
     ValueError, r"reduction must be 'mean', 'sum' or 'none', got 'avg'"),
    # -- optimizers and schedules -----------------------------------------------------
    ("sgd-negative-lr", lambda d: nn.optim.SGD(params(), lr=-1),
     ValueError, r"SGD: lr must be >= 0, got lr=-1"),
    ("sgd-nan-lr", lambda d: nn.optim.SGD(params(), lr=float("nan")),
     ValueError, r"SGD: lr must be >= 0, got lr=nan"),
    ("sgd-momentum-one", lambda d: nn.optim.SGD(params(), lr=0.1, momentum=1.0),
     ValueError, r"momentum must be in \[0, 1\)"),
    # BUG: the message is NumPy/Python's "'>=' not supported between 'str' and 'float'"
    ("sgd-lr-is-a-string", lambda d: nn.optim.SGD(params(), lr="0.1"),
     TypeError, r"SGD: lr must be a (real )?number"),
    ("adam-beta-one", lambda d: nn.optim.Adam(params(), betas=(1.0, 0.999)),
     ValueError, r"betas\[0\] must be in \[0, 1\)"),
    ("steplr-step-size-zero",
     lambda d: nn.optim.lr_scheduler.StepLR(nn.optim.SGD(params(), lr=0.1), step_size=0),
     ValueError, r"step_size must be a positive int, got 0"),
    # -- data, datasets, training -----------------------------------------------------
    ("dataloader-length-mismatch", lambda d: nn.data.DataLoader(np.ones((4, 2)), np.ones(3)),
     ValueError, r"different numbers of examples.*\(4, 2\), \(3,\)"),
    ("dataloader-zero-examples", lambda d: nn.data.DataLoader(np.ones((0, 2))),
     ValueError, r"no examples"),
    ("dataloader-batch-size-zero", lambda d: nn.data.DataLoader(np.ones((4, 2)), batch_size=0),
     ValueError, r"batch_size must be positive, got 0"),
    ("dataloader-None", lambda d: nn.data.DataLoader(None),
     TypeError, r"argument 0 is not a numeric array"),
    # BUG: strings pass the object-dtype check; the error only comes when batches are built
    ("dataloader-strings", lambda d: nn.data.DataLoader(np.array([["a"], ["b"]])),
     TypeError, r"argument 0 is not a numeric array"),
    ("split-fraction-above-one",
     lambda d: nn.data.train_val_test_split(np.ones((10, 2)), np.zeros(10), val=1.5),
     ValueError, r"val must be in \[0, 1\), got 1.5"),
    ("scaler-not-fitted", lambda d: nn.data.StandardScaler().transform(np.ones((2, 2))),
     ValueError, r"not fitted yet"),
    # BUG: a NaN makes mean_ and scale_ NaN, and every transformed value of that feature NaN
    ("scaler-fit-on-nan",
     lambda d: nn.data.StandardScaler().fit(np.array([[np.nan, 1.0], [2.0, 3.0]])),
     ValueError, r"(?i)nan|finite"),
    ("spiral-nan-noise", lambda d: nn.datasets.spiral(noise=float("nan")),
     ValueError, r"noise must be >= 0, got nan"),
    ("fit-negative-epochs", lambda d: nn.fit(nn.Linear(2, 2), None, None, [], epochs=-1),
     ValueError, r"epochs must be a non-negative int, got -1"),
    # BUG: the default "accuracy" metric fails inside NumPy on (N, C) regression targets
    ("fit-accuracy-on-regression-targets", fit_regression,
     ValueError, r"accuracy"),
    # -- serialization ----------------------------------------------------------------
    ("load-truncated-npz", lambda d: nn.load(write(d, "t.npz", good_npz(d)[:200])),
     ValueError, r"load: '.*t\.npz' is not a valid \.npz"),
    ("load-empty-file", lambda d: nn.load(write(d, "e.npz", b"")),
     ValueError, r"load: '.*e\.npz' is not a valid \.npz"),
    ("load-pickle-file",
     lambda d: nn.load(write(d, "p.npz", pickle.dumps(MarkerPayload(d / MARKER)))),
     ValueError, r"load: '.*p\.npz' is not a valid \.npz"),
    ("load-npz-with-pickled-objects", lambda d: nn.load(pickled_npz(d)),
     ValueError, r"holds pickled Python objects.*'weight'"),
    # BUG: a flipped flag bit escapes as zipfile's NotImplementedError
    ("load-npz-corrupted-flags",
     lambda d: nn.load(
         write(d, "c.npz", flipped(good_npz(d), central_directory_flags_offset(good_npz(d))))),
     ValueError, r"load: '.*c\.npz'"),
    # BUG: corrupted deflate data escapes as zlib.error
    ("load-compressed-npz-corrupted-data",
     lambda d: nn.load(
         write(d, "z.npz", flipped(good_npz(d, True), compressed_data_offset(good_npz(d, True))))),
     ValueError, r"load: '.*z\.npz'"),
    ("save-object-array", lambda d: nn.save({"a": np.array([1, None], dtype=object)}, d / "o.npz"),
     TypeError, r"save: 'a' is an array of Python objects"),
    ("save-a-function", lambda d: nn.save({"f": print}, d / "f.npz"),
     TypeError, r"save: cannot save 'f' of type builtin_function_or_method"),
    # BUG (minor): the message names the hidden temporary file (".o.npz.x1y2.tmp"), not the
    # missing directory as GraphView.save's write_atomic does
    ("save-into-missing-directory",
     lambda d: nn.save({"a": np.ones(2)}, d / "nodir" / "o.npz"),
     FileNotFoundError, r"directory '.*nodir' does not exist"),
    # -- IDX / MNIST files ------------------------------------------------------------
    ("idx-truncated", lambda d: nn.datasets.read_idx(write(d, "a-idx", idx_images()[:-5])),
     ValueError, r"read_idx: '.*a-idx' is truncated"),
    ("idx-bad-magic",
     lambda d: nn.datasets.read_idx(write(d, "b-idx", b"\x12\x34" + idx_images()[2:])),
     ValueError, r"read_idx: '.*b-idx' is not an IDX file"),
    ("idx-gzip-truncated",
     lambda d: nn.datasets.read_idx(write(d, "c-idx.gz", gzip.compress(idx_images())[:-20])),
     ValueError, r"read_idx: '.*c-idx\.gz' is not a valid gzip file"),
    # BUG: the product of the header's dimensions wraps around in int64 (2^31 * 2^31 * 4 = 0),
    # so the byte count "matches" an empty body and NumPy's reshape fails without the path
    ("idx-dimensions-overflow",
     lambda d: nn.datasets.read_idx(
         write(d, "d-idx", b"\x00\x00\x08\x03" + struct.pack(">III", 2**31, 2**31, 4))),
     ValueError, r"read_idx: '.*d-idx'"),
    ("mnist-count-mismatch",
     lambda d: nn.datasets.load_mnist(mnist_dir(d, idx_images(2), idx_labels(3))),
     ValueError, r"2 images in train-images-idx3-ubyte but 3 labels"),
    ("mnist-labels-file-holds-images",
     lambda d: nn.datasets.load_mnist(mnist_dir(d, idx_images(2), idx_images(2))),
     ValueError, r"train-labels-idx1-ubyte' has magic number 2051; expected 2049"),
    ("mnist-csv-non-numeric", lambda d: nn.datasets.load_mnist(write(d, "m.csv", b"1,a,3\n")),
     ValueError, r"load_mnist: '.*m\.csv' is not an MNIST CSV"),
    ("mnist-csv-binary", lambda d: nn.datasets.load_mnist(write(d, "b.csv", bytes(range(256)))),
     ValueError, r"load_mnist: '.*b\.csv' cannot be read as text"),
    # -- visualize --------------------------------------------------------------------
    ("draw-graph-of-None", lambda d: visualize.draw_graph(None),
     TypeError, r"draw_graph: expected a Tensor, got NoneType"),
    ("draw-graph-max-nodes-one", lambda d: visualize.draw_graph(square_sum(d), max_nodes=1),
     ValueError, r"max_nodes must be an int >= 2, got 1"),
    ("steps-after-backward", steps_after_backward,
     ValueError, r"backward_steps: backward\(\) freed this graph.*retain_graph=True"),
    ("graph-save-unknown-format", lambda d: visualize.draw_graph(square_sum(d)).save(d / "g.bmp"),
     ValueError, r"cannot tell the format from 'g\.bmp'"),
    ("render-unknown-renderer",
     lambda d: visualize.draw_graph(square_sum(d), renderer="bogus").svg(),
     RenderError, r"unknown renderer 'bogus'"),
    ("plot-function-empty-range", lambda d: visualize.plot_function(al.tanh, x_range=(1, -1)),
     ValueError, r"x_range must have lo < hi"),
    ("decision-boundary-3d-points",
     lambda d: visualize.plot_decision_boundary(nn.Linear(3, 2), np.ones((4, 3)), np.zeros(4, int)),
     ValueError, r"X must have shape \(N, 2\).*\(4, 3\)"),
    # BUG: NaN points give a silently empty picture
    ("decision-boundary-nan-points",
     lambda d: visualize.plot_decision_boundary(
         nn.Linear(2, 2), np.full((4, 2), np.nan), np.zeros(4, int)),
     ValueError, r"(?i)nan|finite"),
    ("expression-not-text", lambda d: parse_expression(None),
     ExpressionError, r"expected the expression as text, got NoneType"),
    ("expression-nested-calls", lambda d: parse_expression("exp(" * 60 + "x" + ")" * 60),
     ExpressionError, r"nested too deeply"),
    ("expression-huge-integer", lambda d: parse_expression("1" + "0" * 400),
     ExpressionError, r"too large"),
    ("assignment-infinite-value", lambda d: parse_assignment("x=inf"),
     ExpressionError, r"must be finite"),
]  # fmt: skip


def test_catalogue_is_large_and_ids_unique():
    ids = [row[0] for row in CASES]
    assert len(ids) == len(set(ids))
    assert len(CASES) + len(CLI_CASES) >= 40


@pytest.mark.timeout(30)
@pytest.mark.parametrize(
    ("call", "exc", "pattern"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_input_is_refused_clearly(call, exc, pattern, tmp_path, recwarn):
    with pytest.raises(exc) as info:
        call(tmp_path)
    # exactly the documented type family: a bare NumPy/zipfile error would not match `exc`,
    # and the message must say what is wrong, not only what NumPy tripped over
    assert re.search(pattern, str(info.value)), f"message {str(info.value)!r} !~ {pattern!r}"
    assert not (tmp_path / MARKER).exists(), "unpickling ran the payload"
    assert not list(tmp_path.glob(".*.tmp")), "a temporary file was left behind"


# ---------------------------------------------------------------------------------------
# The command line: every refused expression exits with status 2 before computing anything

CLI_CASES = [
    ("import-and-system", ["__import__('os').system('touch " + MARKER + "')"],
     r"refused: .*not allowed"),
    ("attribute-access", ["x.__class__", "x=1"], r"attribute access"),
    ("dunder-name", ["__builtins__"], r"the name '__builtins__'.*not allowed"),
    ("import-statement", ["import os"], r"not a valid expression"),
    ("lambda", ["(lambda: open('" + MARKER + "', 'w'))()"], r"lambda"),
    ("comprehension", ["[open('" + MARKER + "', 'w') for i in x]", "x=1"], r"comprehensions"),
    ("builtin-call", ["open('" + MARKER + "', 'w')"], r"calling 'open'.*not allowed"),
    ("subscript", ["x[0]", "x=1"], r"subscripts"),
    ("string-constant", ["'abc'"], r"only numbers are allowed"),
    ("too-long", ["+".join(["x"] * 2001), "x=1"], r"4001 characters long; the limit is 4000"),
    ("too-deep", ["-" * 100 + "x", "x=1"], r"nested too deeply"),
    ("nan-value", ["x * 2", "x=nan"], r"the value of x must be finite"),
    ("reserved-variable", ["x * 2", "__class__=1"], r"'__class__' cannot be a variable name"),
]  # fmt: skip


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    ("args", "pattern"), [c[1:] for c in CLI_CASES], ids=[c[0] for c in CLI_CASES]
)
def test_cli_refuses_expression(args, pattern, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "visualize", "graph", "-o", "out.svg", "--", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=50,
        check=False,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert re.search(pattern, result.stderr), result.stderr
    assert not (tmp_path / MARKER).exists(), "the expression ran code"
    assert not (tmp_path / "out.svg").exists(), "a refused expression still wrote a picture"
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------------------
# No code execution, no partial effects, no half-written files


def test_loading_a_pickle_payload_never_runs_it(tmp_path):
    # positive control: the payload is live, unpickling it does create its marker
    control = tmp_path / "control"
    control.mkdir()
    pickle.loads(pickle.dumps(MarkerPayload(control / MARKER))).close()
    assert (control / MARKER).exists()

    payload = tmp_path / "evil.npz"
    payload.write_bytes(pickle.dumps(MarkerPayload(tmp_path / MARKER)))
    for path in (payload, pickled_npz(tmp_path)):
        with pytest.raises(ValueError, match="load: "):
            nn.load(path)
    assert not (tmp_path / MARKER).exists()
    # the same files through a model's loader
    with pytest.raises(ValueError):
        nn.Linear(2, 2).load_state_dict(nn.load(pickled_npz(tmp_path)))
    assert not (tmp_path / MARKER).exists()


def test_every_corrupted_byte_of_a_checkpoint_is_a_value_error_or_harmless(tmp_path):
    """Flip each byte of a small checkpoint: loading either refuses it with a ValueError or
    gives back exactly the saved values (a flip in padding or an unused header field) or
    different key names (which load_state_dict reports). Never another exception type."""
    model = nn.Linear(3, 2)
    expected = {k: v.data.copy() for k, v in model.state_dict().items()}
    nn.save(model.state_dict(), tmp_path / "m.npz")
    data = (tmp_path / "m.npz").read_bytes()
    escaped = {}
    for offset in range(len(data)):
        path = write(tmp_path, "x.npz", flipped(data, offset))
        try:
            loaded = nn.load(path)
        except ValueError:
            continue
        except Exception as exc:  # anything else is a bug
            escaped.setdefault(type(exc).__name__, offset)
            continue
        if set(loaded) != set(expected):
            continue  # a member's name was hit: load_state_dict names the odd key
        for key, value in expected.items():
            np.testing.assert_array_equal(loaded[key].data, value, err_msg=f"offset {offset}")
    assert not escaped, f"non-ValueError exceptions (first offset of each): {escaped}"


def test_failed_save_leaves_the_existing_file_untouched(tmp_path):
    path = tmp_path / "model.npz"
    nn.save({"w": np.arange(3.0)}, path)
    before = path.read_bytes()
    with pytest.raises(TypeError):
        nn.save({"w": np.zeros(3), "bad": object()}, path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.npz"]


def test_failed_graph_save_leaves_no_file(tmp_path):
    view = visualize.draw_graph(square_sum(tmp_path))
    (tmp_path / "g.svg").write_text("old")
    with pytest.raises(RenderError):
        view.save(tmp_path / "g.svg", renderer="bogus")
    assert (tmp_path / "g.svg").read_text() == "old"
    with pytest.raises(ValueError):
        view.save(tmp_path / "g.jpeg")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.svg"]


def _small_steps(d: Path):
    y = square_sum(d)
    y.backward(retain_graph=True)
    return visualize.backward_steps(y)


WRITERS = [
    ("nn.save", "model.npz", lambda d, path: nn.save({"w": np.ones(3)}, path)),
    ("GraphView.save", "graph.dot", lambda d, path: visualize.draw_graph(square_sum(d)).save(path)),
    ("plot_function", "f.svg", lambda d, path: visualize.plot_function(al.tanh, path=path)),
    ("BackwardSteps.save", "steps.html", lambda d, path: _small_steps(d).save(path)),
]


@pytest.mark.timeout(60)
@pytest.mark.parametrize(("name", "writer"), [w[1:] for w in WRITERS], ids=[w[0] for w in WRITERS])
def test_a_write_that_fails_midway_keeps_the_old_file(name, writer, tmp_path, monkeypatch):
    """The disk fills up after the bytes were written but before they are safe: the
    destination keeps its old content and the temporary file is removed."""
    path = tmp_path / name
    path.write_bytes(b"old content")

    def disk_full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space left"):
        writer(tmp_path, path)
    assert path.read_bytes() == b"old content"
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_load_state_dict_assigns_nothing_when_a_later_entry_is_bad():
    """SECURITY.md: nothing is assigned unless every entry fits. A non-numeric bias must not
    leave the weight already overwritten."""
    model = nn.Linear(2, 2)
    before = model.weight.data.copy()
    with pytest.raises((ValueError, TypeError)):
        model.load_state_dict({"weight": np.full((2, 2), 7.0), "bias": np.array(["a", "b"])})
    np.testing.assert_array_equal(model.weight.data, before)
