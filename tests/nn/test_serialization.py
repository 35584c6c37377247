"""Tests for nn.serialization: save/load of state_dicts as .npz, never unpickling."""

import os
import pickle
from collections import OrderedDict

import numpy as np
import pytest

import autograd_lite
from nn.serialization import STRUCTURE_KEY, load, save


def _state_dict():
    rng = np.random.default_rng(0)
    return OrderedDict(
        [
            ("fc1.weight", autograd_lite.tensor(rng.normal(size=(4, 3)).astype(np.float32))),
            ("fc1.bias", autograd_lite.tensor(np.zeros(4, dtype=np.float32))),
            ("bn.running_mean", autograd_lite.tensor(rng.normal(size=4))),  # float64
            ("bn.num_batches_tracked", autograd_lite.tensor(np.array(7, dtype=np.int64))),
        ]
    )


def test_state_dict_round_trip_keeps_names_dtypes_values(tmp_path):
    sd = _state_dict()
    path = tmp_path / "model.npz"
    save(sd, path)
    out = load(path)
    assert list(out) == list(sd)  # same keys, same order
    for k, t in sd.items():
        assert isinstance(out[k], autograd_lite.Tensor)
        assert out[k].dtype == t.dtype and out[k].shape == t.shape
        assert np.array_equal(out[k].data, t.data)
    assert isinstance(out, OrderedDict)
    assert os.listdir(tmp_path) == ["model.npz"]  # exactly at path; no .npz appended, no temp


def test_arrays_and_plain_values_come_back_as_saved(tmp_path):
    obj = {
        "f32": np.arange(6, dtype=np.float32).reshape(2, 3),
        "f64": np.linspace(0, 1, 5),
        "i32": np.array([1, -2], dtype=np.int32),
        "mask": np.array([True, False]),
        "empty": np.zeros((0, 3)),
        "np_scalar": np.float32(0.25),
        "lr": 0.1,
        "step": 3,
        "name": "adam",
        "nothing": None,
        "flag": True,
    }
    path = tmp_path / "x.npz"
    save(obj, str(path))
    out = load(str(path))
    assert set(out) == set(obj)
    for k in ("f32", "f64", "i32", "mask", "empty"):
        assert isinstance(out[k], np.ndarray) and out[k].dtype == obj[k].dtype
        assert np.array_equal(out[k], obj[k])
    assert type(out["np_scalar"]) is np.float32 and out["np_scalar"] == np.float32(0.25)
    assert out["lr"] == 0.1 and type(out["step"]) is int and out["step"] == 3
    assert out["name"] == "adam" and out["nothing"] is None and out["flag"] is True


def test_nested_optimizer_like_state_round_trip(tmp_path):
    m = np.ones((4, 3), dtype=np.float32)
    obj = {
        "model": _state_dict(),
        "optimizer": {
            "state": {0: {"step": 10, "exp_avg": m, "exp_avg_sq": m * 2}, 1: {}},
            "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.999), "params": [0, 1]}],
        },
        "epoch": 5,
    }
    path = tmp_path / "ckpt.npz"
    save(obj, path)
    out = load(path)
    assert out["epoch"] == 5
    assert np.array_equal(out["model"]["fc1.weight"].data, obj["model"]["fc1.weight"].data)
    state = out["optimizer"]["state"]
    assert set(state) == {0, 1}  # int keys stay ints
    assert np.array_equal(state[0]["exp_avg_sq"], m * 2) and state[0]["step"] == 10
    assert state[1] == {}
    group = out["optimizer"]["param_groups"][0]
    assert group == {"lr": 1e-3, "betas": (0.9, 0.999), "params": [0, 1]}
    assert isinstance(group["betas"], tuple)
    # nested keys are flattened with "/" inside the archive, readable with plain NumPy
    with np.load(path, allow_pickle=False) as npz:
        assert "model/fc1.weight" in npz.files
        assert "optimizer/state/0/exp_avg" in npz.files
        assert np.array_equal(npz["optimizer/state/0/exp_avg"], m)


def test_plain_numpy_npz_loads_as_flat_tensors(tmp_path):
    path = tmp_path / "plain.npz"
    np.savez(path, w=np.ones((2, 2), dtype=np.float32), b=np.arange(3))
    out = load(path)
    assert set(out) == {"w", "b"}
    assert isinstance(out["w"], autograd_lite.Tensor) and out["w"].dtype == np.float32
    assert np.array_equal(out["b"].data, np.arange(3))


class _Boom:
    """Unpickling this object would call _mark: the test checks that never happens."""

    def __reduce__(self):
        return (_mark, ())


_MARKED = []


def _mark():
    _MARKED.append(True)
    return "executed"


def test_npz_with_object_array_is_refused_and_never_unpickled(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, w=np.ones(2), payload=np.array([_Boom(), 1], dtype=object))
    with pytest.raises(ValueError, match=r"evil\.npz' holds pickled Python objects.*'payload'"):
        load(path)
    assert _MARKED == []


def test_pickle_file_is_refused(tmp_path):
    path = tmp_path / "model.npz"  # a pickle under any name is not read as one
    path.write_bytes(pickle.dumps({"w": _Boom()}))
    with pytest.raises(ValueError, match=r"model\.npz' is not a valid \.npz file"):
        load(path)
    pt = tmp_path / "model.pt"  # a pickle's own name is refused before reading
    pt.write_bytes(pickle.dumps({"w": _Boom()}))
    with pytest.raises(ValueError, match=r"\.pt is the name of a pickle.*\*\.npz"):
        load(pt)
    assert _MARKED == []


def test_npy_member_holding_a_pickle_is_refused(tmp_path):
    # a zip whose .npy member is really a pickle: not an array header
    import zipfile

    path = tmp_path / "sneaky.npz"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("w.npy", pickle.dumps(_Boom()))
    with pytest.raises(ValueError, match=r"sneaky\.npz' is corrupted"):
        load(path)
    assert _MARKED == []


def test_truncated_and_corrupted_files(tmp_path):
    path = tmp_path / "m.npz"
    save(_state_dict(), path)
    raw = path.read_bytes()

    cut = tmp_path / "cut.npz"
    cut.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(ValueError, match=r"cut\.npz'"):
        load(cut)

    # flip bytes inside the first array's data: the zip CRC check catches it
    flipped = bytearray(raw)
    start = raw.index(b"NUMPY") + 200
    flipped[start : start + 8] = bytes(b ^ 0xFF for b in flipped[start : start + 8])
    bad = tmp_path / "bad.npz"
    bad.write_bytes(bytes(flipped))
    with pytest.raises(ValueError, match=r"bad\.npz'"):
        load(bad)

    text = tmp_path / "notes.npz"
    text.write_text("hello")
    with pytest.raises(ValueError, match=r"notes\.npz' is not a valid \.npz file"):
        load(text)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "nope.npz")


def test_save_rejects_unsaveable_objects_without_writing(tmp_path):
    path = tmp_path / "x.npz"
    with pytest.raises(TypeError, match="save: obj must be a dict"):
        save([np.ones(2)], path)
    with pytest.raises(TypeError, match=r"'w' is an array of Python objects"):
        save({"w": np.array([1, "a"], dtype=object)}, path)
    with pytest.raises(TypeError, match=r"cannot save 'opt/fn' of type builtin_function"):
        save({"opt": {"fn": len}}, path)
    with pytest.raises(TypeError, match="only str and int keys"):
        save({(1, 2): np.ones(1)}, path)
    with pytest.raises(ValueError, match="both be stored under the key 'a/b'"):
        save({"a/b": np.ones(1), "a": {"b": np.ones(1)}}, path)
    with pytest.raises(ValueError, match="reserved"):
        save({STRUCTURE_KEY: np.ones(1)}, path)
    assert os.listdir(tmp_path) == []


def test_failed_write_leaves_destination_unchanged_and_no_temp_file(tmp_path, monkeypatch):
    path = tmp_path / "model.npz"
    save({"w": np.zeros(3)}, path)
    before = path.read_bytes()

    real_write_array = np.lib.format.write_array
    calls = []

    def failing_write_array(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:  # fail midway: after the first array was written
            raise OSError("disk full")
        return real_write_array(*args, **kwargs)

    monkeypatch.setattr(np.lib.format, "write_array", failing_write_array)
    with pytest.raises(OSError, match="disk full"):
        save({"w": np.ones(3), "b": np.ones(2), "c": np.ones(1)}, path)
    assert len(calls) == 2
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.npz"]  # the temporary file was removed

    with pytest.raises(OSError, match="disk full"):
        calls.clear()
        save({"w": np.ones(3), "b": np.ones(2)}, tmp_path / "new.npz")
    assert os.listdir(tmp_path) == ["model.npz"]  # no half-written new file either


def test_save_overwrites_existing_file(tmp_path):
    path = tmp_path / "m.npz"
    save({"w": np.zeros(3)}, path)
    save({"w": np.ones(2)}, path)
    assert np.array_equal(load(path)["w"], np.ones(2))
