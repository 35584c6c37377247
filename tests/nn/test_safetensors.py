"""nn.save / nn.load with a .safetensors path: round trip, PyTorch reads the file into the
to_torch model, damaged files are refused by name, and writes are atomic."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

safetensors_numpy = pytest.importorskip("safetensors.numpy")

import autograd_lite as al  # noqa: E402
import nn  # noqa: E402


def _model() -> nn.Module:
    model = nn.Sequential(
        nn.Conv2d(1, 3, 3), nn.BatchNorm2d(3), nn.ReLU(), nn.Flatten(), nn.Linear(12, 2)
    )
    model.train()
    with al.no_grad():  # move the running statistics away from 0 and 1
        model(al.tensor(np.random.default_rng(0).normal(size=(4, 1, 4, 4)).astype(np.float32)))
    return model


def test_round_trip_keeps_keys_order_dtypes_shapes_and_values(tmp_path):
    model = _model()
    state = model.state_dict()
    state["extra.float64"] = al.tensor(np.arange(6.0).reshape(2, 3))  # float64 stays float64
    state["extra.mask"] = al.tensor(np.array([True, False]))
    path = tmp_path / "m.safetensors"
    nn.save(state, path)
    loaded = nn.load(path)
    assert list(loaded) == list(state)  # the saved order, not safetensors' sorted one
    for key, value in state.items():
        assert isinstance(loaded[key], al.Tensor)
        assert loaded[key].dtype == value.dtype, key
        assert loaded[key].shape == value.shape, key
        np.testing.assert_array_equal(loaded[key].numpy(), value.numpy())
    assert loaded["1.num_batches_tracked"].shape == ()  # 0-d stays 0-d

    fresh = _model()
    fresh.load_state_dict(loaded, strict=False)  # (strict=False: the two extra entries)
    np.testing.assert_array_equal(fresh[4].weight.numpy(), model[4].weight.numpy())


def test_save_accepts_a_module_and_ndarrays(tmp_path):
    model = _model()
    nn.save(model, tmp_path / "m.safetensors")
    assert list(nn.load(tmp_path / "m.safetensors")) == list(model.state_dict())
    nn.save({"w": np.ones((2, 2), np.float32)[:, ::-1]}, tmp_path / "a.safetensors")  # strided
    np.testing.assert_array_equal(nn.load(tmp_path / "a.safetensors")["w"], np.ones((2, 2)))
    nn.save(model, tmp_path / "m.npz")  # a module for .npz too
    assert list(nn.load(tmp_path / "m.npz")) == list(model.state_dict())


def test_the_file_loads_into_the_to_torch_model(tmp_path):
    torch = pytest.importorskip("torch")
    safetensors_torch = pytest.importorskip("safetensors.torch")
    from nn.export import to_torch

    model = _model().eval()
    path = tmp_path / "m.safetensors"
    nn.save(model, path)
    torch_model = to_torch(_model().eval())  # other weights, same architecture
    torch_model.load_state_dict(safetensors_torch.load_file(str(path)))  # strict: every key
    x = np.random.default_rng(1).normal(size=(3, 1, 4, 4)).astype(np.float32)
    with torch.no_grad():
        theirs = torch_model(torch.from_numpy(x)).numpy()
    with al.no_grad():
        ours = model(al.tensor(x)).numpy()
    np.testing.assert_allclose(theirs, ours, rtol=1e-5, atol=1e-5)

    # and the other way: a file PyTorch wrote loads here
    safetensors_torch.save_file(torch_model.state_dict(), str(tmp_path / "t.safetensors"))
    back = _model()
    back.load_state_dict(nn.load(tmp_path / "t.safetensors"))
    np.testing.assert_array_equal(back[0].weight.numpy(), model[0].weight.numpy())


def test_only_flat_dicts_of_numbers(tmp_path):
    path = tmp_path / "x.safetensors"
    with pytest.raises(TypeError, match=r"'opt' is a dict; .* Save nested state .* as \.npz"):
        nn.save({"opt": {"lr": 0.1}}, path)
    with pytest.raises(TypeError, match=r"'lr' is a float"):
        nn.save({"lr": 0.1}, path)
    with pytest.raises(TypeError, match="key 3 is a int; safetensors keys are str"):
        nn.save({3: np.ones(2)}, path)
    with pytest.raises(TypeError, match=r"'s' has dtype <U1"):
        nn.save({"s": np.array(["a"])}, path)
    with pytest.raises(TypeError, match="save: obj must be a dict"):
        nn.save([np.ones(2)], path)
    assert os.listdir(tmp_path) == []


def _saved(tmp_path) -> bytes:
    path = tmp_path / "good.safetensors"
    nn.save({"w": np.arange(12, dtype=np.float32).reshape(3, 4), "b": np.ones(3)}, path)
    return path.read_bytes()


def _write(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_truncated_and_corrupted_files_are_refused_by_name(tmp_path):
    raw = _saved(tmp_path)
    header_size = int.from_bytes(raw[:8], "little")
    cases = {
        "empty.safetensors": b"",
        "short.safetensors": raw[:5],
        "cut-header.safetensors": raw[: 8 + header_size // 2],
        "cut-data.safetensors": raw[:-7],
        "text.safetensors": b"hello, this is not a tensor file at all",
        "zip.safetensors": b"PK\x03\x04" * 8,
    }
    for name, data in cases.items():
        with pytest.raises(ValueError, match=rf"load: '.*{name}' is not a valid \.safetensors"):
            nn.load(_write(tmp_path, name, data))

    # flipped bytes in the data: safetensors cannot tell, the CRC-32 we record can
    start, _ = json.loads(raw[8 : 8 + header_size])["b"]["data_offsets"]
    flipped = bytearray(raw)
    flipped[8 + header_size + start + 3] ^= 0xFF
    with pytest.raises(ValueError, match=r"'.*flip\.safetensors' is corrupted: the bytes of 'b'"):
        nn.load(_write(tmp_path, "flip.safetensors", bytes(flipped)))

    # a damaged record of ours (same length, so the header still parses)
    meta = raw[8 : 8 + header_size].replace(b"crc32", b"crc99")
    with pytest.raises(ValueError, match=r"corrupted 'autograd-lite' entry"):
        nn.load(_write(tmp_path, "meta.safetensors", raw[:8] + meta + raw[8 + header_size :]))

    with pytest.raises(FileNotFoundError):
        nn.load(tmp_path / "missing.safetensors")


def test_a_file_from_another_tool_loads_without_checksums(tmp_path):
    path = tmp_path / "plain.safetensors"
    safetensors_numpy.save_file({"b": np.zeros(2), "a": np.ones((1, 2), np.float32)}, str(path))
    loaded = nn.load(path)
    assert sorted(loaded) == ["a", "b"]
    assert loaded["a"].dtype == np.float32


def test_bfloat16_is_refused_with_a_clear_message(tmp_path):
    torch = pytest.importorskip("torch")
    safetensors_torch = pytest.importorskip("safetensors.torch")
    path = tmp_path / "bf16.safetensors"
    safetensors_torch.save_file({"w": torch.ones(2, dtype=torch.bfloat16)}, str(path))
    with pytest.raises(ValueError, match=r"'.*bf16\.safetensors' holds tensors of dtype 'BF16'"):
        nn.load(path)


def test_a_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "m.safetensors"
    nn.save({"w": np.zeros(3)}, path)
    before = path.read_bytes()

    def disk_full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space left"):
        nn.save({"w": np.ones(3)}, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["m.safetensors"]
    monkeypatch.undo()
    with pytest.raises(FileNotFoundError, match=r"save: directory '.*nodir' does not exist"):
        nn.save({"w": np.ones(3)}, tmp_path / "nodir" / "m.safetensors")


def test_the_header_records_order_and_checksums(tmp_path):
    raw = _saved(tmp_path)
    header = json.loads(raw[8 : 8 + int.from_bytes(raw[:8], "little")])
    ours = json.loads(header["__metadata__"]["autograd-lite"])
    assert ours["keys"] == ["w", "b"]
    assert set(ours["crc32"]) == {"w", "b"}
    assert header["w"]["dtype"] == "F32" and header["w"]["shape"] == [3, 4]


def test_every_corrupted_byte_is_a_value_error_or_harmless(tmp_path):
    """Flip each byte of a small .safetensors checkpoint (as tests/hardening does for .npz):
    loading refuses it with a ValueError, or gives back exactly the saved values (a flip in
    the header's padding), or other key names (which load_state_dict reports). Never another
    exception type, never different numbers."""
    model = nn.Linear(3, 2)
    expected = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    nn.save(model, tmp_path / "m.safetensors")
    data = (tmp_path / "m.safetensors").read_bytes()
    escaped, refused = {}, 0
    for offset in range(len(data)):
        damaged = bytearray(data)
        damaged[offset] ^= 0xFF
        path = _write(tmp_path, "x.safetensors", bytes(damaged))
        try:
            loaded = nn.load(path)
        except ValueError:
            refused += 1
            continue
        except Exception as exc:  # anything else is a bug
            escaped.setdefault(type(exc).__name__, offset)
            continue
        if set(loaded) != set(expected):
            continue
        for key, value in expected.items():
            np.testing.assert_array_equal(loaded[key].numpy(), value, err_msg=f"offset {offset}")
    assert not escaped, f"non-ValueError exceptions (first offset of each): {escaped}"
    assert refused > len(data) // 2  # most flips are caught, every data byte among them
