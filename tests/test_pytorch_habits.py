"""The habits around PyTorch's tutorials that are not snippets: al.save/al.load and the names
files may have, History by name, progress bars in notebooks, the demo's renderer fallback and
its unwritable --out, the CLI's hint for a leading minus and its pi and e, and no wall-clock
asserts in the tests."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import numpy as np
import pytest

import autograd_lite as al
import nn

TESTS = Path(__file__).resolve().parent


# -- al.save / al.load ----------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".npz", ".safetensors"])
def test_save_load_tensor_and_state_dict(tmp_path, suffix):
    if suffix == ".safetensors":
        pytest.importorskip("safetensors")
    t = al.tensor(np.arange(6, dtype=np.float32).reshape(2, 3))
    al.save(t, tmp_path / f"t{suffix}")
    back = al.load(tmp_path / f"t{suffix}")
    assert isinstance(back, al.Tensor) and back.dtype == np.float32
    np.testing.assert_array_equal(back, t)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    al.save(model.state_dict(), tmp_path / f"m{suffix}")
    state = al.load(tmp_path / f"m{suffix}")
    assert list(state) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    fresh = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    fresh.load_state_dict(state)
    x = al.randn(5, 3)
    np.testing.assert_array_equal(fresh(x), model(x))
    # nn.load reads al.save's files (safetensors' own key order without nn's metadata)
    assert sorted(nn.load(tmp_path / f"m{suffix}")) == sorted(state)


@pytest.mark.parametrize("name", ["model.pt", "model.pth", "weights.PT", "ckpt.pkl"])
def test_pickle_names_refused_naming_the_formats(tmp_path, name):
    model = nn.Linear(2, 2)
    for call in (
        lambda: al.save(model.state_dict(), tmp_path / name),
        lambda: nn.save(model, tmp_path / name),
        lambda: al.load(tmp_path / name),
        lambda: nn.load(tmp_path / name),
    ):
        with pytest.raises(ValueError, match=r"pickle.*\*\.npz.*\*\.safetensors"):
            call()
    assert list(tmp_path.iterdir()) == []  # nothing written under a misleading name


def test_al_save_refuses_nested_and_al_load_names_nn_load(tmp_path):
    with pytest.raises(TypeError, match=r"nn\.save"):
        al.save({"model": {"w": al.ones(2)}}, tmp_path / "x.npz")
    nn.save({"epoch": 3, "state": {"w": al.ones(2)}}, tmp_path / "ckpt.npz")
    with pytest.raises(ValueError, match=r"nn\.load"):
        al.load(tmp_path / "ckpt.npz")


def test_al_load_refuses_pickled_and_damaged_files(tmp_path):
    np.savez(tmp_path / "obj.npz", a=np.array([{"x": 1}], dtype=object))
    with pytest.raises(ValueError, match="pickled Python objects"):
        al.load(tmp_path / "obj.npz")
    (tmp_path / "bad.npz").write_bytes(b"PK\x03\x04 not a zip")
    with pytest.raises(ValueError, match=r"not a valid \.npz"):
        al.load(tmp_path / "bad.npz")


def test_al_save_is_atomic_and_honours_the_umask(tmp_path):
    path = tmp_path / "t.npz"
    al.save(al.ones(2), path)
    before = path.read_bytes()
    with pytest.raises(TypeError):
        al.save({"s": np.array(["text"])}, path)
    assert path.read_bytes() == before and sorted(os.listdir(tmp_path)) == ["t.npz"]
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask


# -- History, progress bars -------------------------------------------------------------------


def test_history_by_name(capsys):
    X = np.random.default_rng(0).normal(size=(40, 2)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64)
    model = nn.Sequential(nn.Linear(2, 2))
    loader = nn.data.DataLoader(X, y, batch_size=20)
    history = nn.fit(
        model, nn.CrossEntropyLoss(), nn.optim.SGD(model.parameters(), lr=0.1), loader, 2,
        val_loader=loader, progress=False,
    )  # fmt: skip
    assert history["train_loss"] == history.train_loss and len(history["val_accuracy"]) == 2
    assert "val_loss" in history and history.keys()[0] == "train_loss"
    with pytest.raises(KeyError, match=r"no 'loss'.*train_loss"):
        history["loss"]


def test_progress_bar_comes_from_tqdm_auto(monkeypatch):
    import tqdm.auto

    from nn import training

    made = []

    class Recorder(tqdm.auto.tqdm):
        def __init__(self, **options):
            made.append(options)
            super().__init__(**options)

    monkeypatch.setattr(tqdm.auto, "tqdm", Recorder)
    bar = training._progress_bar(total=3, disable=True)
    bar.close()
    assert made == [{"total": 3, "disable": True}]


# -- the demo and the CLI ------------------------------------------------------------------


def test_demo_falls_back_when_system_dot_is_broken(tmp_path, monkeypatch, capsys):
    fake = tmp_path / "bin"
    fake.mkdir()
    dot = fake / "dot"
    dot.write_text("#!/bin/sh\necho 'dot: broken installation' >&2\nexit 3\n")
    dot.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.delenv("AUTOGRAD_LITE_RENDERER", raising=False)
    from visualize.cli import main

    assert main(["demo", "--epochs", "1", "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert re.search(r"note: the system Graphviz `dot` failed .*built-in renderer", out)
    assert (tmp_path / "out" / "graph.svg").read_text().lstrip().startswith(("<?xml", "<svg"))


def test_demo_unwritable_out_is_one_line(tmp_path, capsys):
    from visualize.cli import main

    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    assert main(["demo", "--epochs", "1", "--out", str(blocker / "sub")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("autograd-lite demo: error: cannot write to --out")


def test_cli_hints_double_dash_for_a_leading_minus(capsys):
    from visualize.cli import main

    with pytest.raises(SystemExit):
        main(["graph", "-x*y", "x=1", "y=2"])
    err = capsys.readouterr().err
    assert "hint: '-x*y' starts with a minus" in err and "graph -- '-x*y'" in err


def test_cli_knows_pi_and_e(tmp_path, capsys):
    from visualize.cli import main

    assert main(["graph", "-o", str(tmp_path / "g.svg"), "--", "-x * pi + e", "x=1"]) == 0
    out = capsys.readouterr().out
    assert f"= {-np.pi + np.e:.3f}" in out
    # a value given on the command line wins: pi is then a variable
    assert main(["graph", "-o", str(tmp_path / "h.svg"), "pi * x", "x=2", "pi=3"]) == 0
    assert "= 6" in capsys.readouterr().out


# -- no wall-clock asserts ----------------------------------------------------------------


def test_no_test_asserts_wall_clock_time():
    clocks = re.compile(r"\b(time\.(time|perf_counter|monotonic)\w*|perf_counter|monotonic)\(")
    offenders = [
        f"{path.relative_to(TESTS)}:{i}"
        for path in TESTS.rglob("*.py")
        if path.name != Path(__file__).name
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if clocks.search(line)
    ]
    assert offenders == [], "timing belongs to benchmarks/run.py, not to a test"


# -- a parameter's .data and .grad.data: PyTorch's in-place methods ---------------------------


def test_parameter_data_has_pytorchs_inplace_methods_outside_the_graph():
    p = nn.Parameter(al.tensor([[1.0, -2.0, 3.0], [4.0, 5.0, -6.0]]))
    (p * p).sum().backward()
    version = p._version
    assert p.data.sub_(p.grad.data * 0.5) is p.data  # returns the array, as PyTorch's
    np.testing.assert_array_equal(p, [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    assert p._version == version and p.is_leaf and p.grad_fn is None  # no graph, as .data
    p.data.add_(np.ones(3, np.float32), alpha=2).mul_(3).div_(2)  # broadcasts, chains
    np.testing.assert_array_equal(p, np.full((2, 3), 3.0))
    p.data[0].zero_()  # a view of .data writes into p, as in PyTorch
    p.data.clamp_(max=2.0)
    np.testing.assert_array_equal(p, [[0.0, 0.0, 0.0], [2.0, 2.0, 2.0]])
    p.data.copy_(al.tensor([7, 8, 9]))  # any dtype, broadcast to p's shape
    p.grad.data.fill_(1.5)
    np.testing.assert_array_equal(p, [[7, 8, 9], [7, 8, 9]])
    np.testing.assert_array_equal(p.grad, np.full((2, 3), 1.5))
    # What NumPy computes from it is a plain array; it prints as one.
    assert type(p.data * 2) is np.ndarray and type(p.data.sum()) is np.float32
    assert repr(p.data).startswith("array([[7., 8., 9.]")
    # After a copy-on-write or an assignment, .data is still one.
    p.data = np.zeros((2, 3), np.float32)
    p.data.add_(1)
    with al.no_grad():
        p -= 1
    p.data.sub_(1)
    np.testing.assert_array_equal(p, np.full((2, 3), -1.0))


def test_parameter_data_methods_refuse_clearly():
    p = nn.Parameter(al.zeros(2, 3))
    with pytest.raises(al.ShapeError, match=r"\.data\.sub_.*\(4,\).*\(2, 3\)"):
        p.data.sub_(np.ones(4))
    with pytest.raises(al.ShapeError, match=r"\.data\.copy_.*\(3, 3\).*\(2, 3\)"):
        p.data.copy_(np.ones((3, 3)))
    with pytest.raises(ValueError, match=r"\.data\.fill_: value must be a number"):
        p.data.fill_(np.ones(2))
    labels = nn.Parameter(np.arange(3), requires_grad=False)
    with pytest.raises(TypeError, match=r"\.data\.add_: cannot write float64 values into a int64"):
        labels.data.add_(0.5)
