"""Files from elsewhere (issue 22): every loader opens regular files only, checks each declared
size against the file's size before it allocates, bounds its recursion, and refuses anything
malformed with a ValueError naming the path. Writes honour the umask as open() does, saving
normalises byte order, and reserved keys are refused on save in both formats.

(Random mutations of valid files are in test_loader_fuzz.py; these are the named cases.)
"""

from __future__ import annotations

import json
import os
import stat
import struct
import zipfile

import numpy as np
import pytest

import autograd_lite as al
import nn
from nn import datasets

pytest.importorskip("safetensors")

FORMATS = ["npz", "safetensors"]


def _saved(tmp_path, fmt: str, obj=None) -> bytes:
    path = tmp_path / f"ok.{fmt}"
    nn.save(obj if obj is not None else {"w": np.arange(6, dtype=np.float32).reshape(2, 3)}, path)
    return path.read_bytes()


# -- regular files only ---------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_symlink_to_dev_zero_is_refused_before_reading(tmp_path, fmt):
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero on this system")
    link = tmp_path / f"model.{fmt}"
    link.symlink_to("/dev/zero")
    with pytest.raises(ValueError, match=rf"'.*model\.{fmt}' is a character device, not a regular"):
        nn.load(link)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path, fmt):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this system")
    fifo = tmp_path / f"pipe.{fmt}"
    os.mkfifo(fifo)
    with pytest.raises(ValueError, match=r"'.*pipe\.\w+' is a FIFO \(named pipe\), not a regular"):
        nn.load(fifo)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_directory_is_refused_by_name(tmp_path, fmt):
    folder = tmp_path / f"folder.{fmt}"
    folder.mkdir()
    with pytest.raises(ValueError, match=r"'.*folder\.\w+' is a directory, not a regular file"):
        nn.load(folder)


def test_mnist_loaders_read_regular_files_only(tmp_path):
    folder = tmp_path / "train-images-idx3-ubyte"
    folder.mkdir()
    with pytest.raises(ValueError, match="is a directory, not a regular file"):
        datasets.read_idx(folder)
    if os.path.exists("/dev/zero"):
        link = tmp_path / "mnist_train.csv"
        link.symlink_to("/dev/zero")
        with pytest.raises(ValueError, match="is a character device, not a regular file"):
            datasets.load_mnist(link)
        idx = tmp_path / "idx"
        idx.mkdir()
        (idx / "train-images-idx3-ubyte.gz").symlink_to("/dev/zero")
        (idx / "train-labels-idx1-ubyte").write_bytes(b"")
        with pytest.raises(ValueError, match="is a character device, not a regular file"):
            datasets.load_mnist(idx)


# -- declared sizes against the file's size -----------------------------------------------------


def _npz_with_member(tmp_path, name: str, npy: bytes) -> os.PathLike:
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("w.npy", npy)
    return path


def _npy_header(shape: tuple, descr: str = "<f4") -> bytes:
    header = repr({"descr": descr, "fortran_order": False, "shape": shape}).encode()
    header += b" " * (63 - (10 + len(header)) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header


def test_an_npz_member_declaring_ten_trillion_elements_is_a_value_error(tmp_path):
    path = _npz_with_member(tmp_path, "huge.npz", _npy_header((10**13,)) + b"\0" * 64)
    with pytest.raises(ValueError, match=r"'.*huge\.npz'.*'w' declares shape \(10000000000000,\)"):
        nn.load(path)


def test_an_npz_member_declaring_more_bytes_than_the_archive_is_refused(tmp_path):
    """The zip's own size fields are checked against the file too (zipfile would read them)."""
    path = tmp_path / "sizes.npz"
    with zipfile.ZipFile(path, "w") as zf:  # a plain (not zip64) member
        zf.writestr("w.npy", _npy_header((4,)) + b"\0" * 16)
    good = path.read_bytes()
    central = good.find(b"PK\x01\x02")  # the central directory entry of the one member
    data = bytearray(good)
    struct.pack_into("<II", data, central + 20, 2**31, 2**31)  # compress_size, file_size
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match=r"'.*sizes\.npz'"):
        nn.load(path)


def test_an_npz_member_with_a_negative_or_too_many_dimensions_is_refused(tmp_path):
    for name, shape in [("neg.npz", (-1, 4)), ("dims.npz", (1,) * 70)]:
        path = _npz_with_member(tmp_path, name, _npy_header(shape) + b"\0" * 16)
        with pytest.raises(ValueError, match=rf"'.*{name}'"):
            nn.load(path)


# -- bounded recursion and malformed records ------------------------------------------------------


def _npz_with_structure(tmp_path, name: str, record: str) -> os.PathLike:
    path = tmp_path / name
    np.savez(path, w=np.zeros(2, np.float32), __structure__=np.array(record))
    return path


def test_a_deeply_nested_structure_record_is_a_value_error(tmp_path):
    for depth in (100, 100_000):
        record = '{"format": "autograd-lite/1", "root": {"dict": [["k", ' + '{"list": [' * depth
        record += '{"tensor": "w"}' + "]}" * depth + "]]}}"
        path = _npz_with_structure(tmp_path, f"deep{depth}.npz", record)
        with pytest.raises(ValueError, match=rf"'.*deep{depth}\.npz'.*nest"):
            nn.load(path)


@pytest.mark.parametrize(
    "root",
    [
        '{"dict": 5}',
        '{"dict": [[{"a": 1}, {"tensor": "w"}]]}',
        '{"tensor": ["w"]}',
        '{"list": "w"}',
        '{"value": [1, 2]}',
        '{"scalar": "w"}',
        '{"list": [{"tensor": "w"}, {"tensor": "w"}]}',
        '{"list": [{"tensor": "w"}]}',
        "[]",
        "7",
    ],
)
def test_a_malformed_structure_record_is_a_value_error_naming_the_path(tmp_path, root):
    path = _npz_with_structure(
        tmp_path, "odd.npz", f'{{"format": "autograd-lite/1", "root": {root}}}'
    )
    with pytest.raises(ValueError, match=r"'.*odd\.npz'"):
        nn.load(path)


@pytest.mark.parametrize(
    "entry",
    [
        "[]",
        '{"keys": 5, "crc32": {}}',
        '{"keys": [["w"]], "crc32": {}}',
        '{"keys": [1, "w"], "crc32": {"w": 0}}',
        '{"keys": ["w"], "crc32": {"w": "zero"}}',
        '{"keys": ["w"], "crc32": [["w", 1, 2]]}',
        "[" * 100_000,
    ],
)
def test_a_malformed_autograd_lite_metadata_entry_is_a_value_error(tmp_path, entry):
    raw = _saved(tmp_path, "safetensors")
    size = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8 : 8 + size])
    header["__metadata__"]["autograd-lite"] = entry
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    path = tmp_path / "meta.safetensors"
    path.write_bytes(len(text).to_bytes(8, "little") + text + raw[8 + size :])
    with pytest.raises(ValueError, match=r"'.*meta\.safetensors'.*'autograd-lite' entry"):
        nn.load(path)


def test_an_npz_without_structure_holding_strings_is_a_value_error(tmp_path):
    path = tmp_path / "names.npz"
    np.savez(path, names=np.array(["a", "b"]))
    with pytest.raises(ValueError, match=r"'.*names\.npz'.*'names'.*<U1"):
        nn.load(path)


# -- writing ------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", [*FORMATS, "onnx"])
def test_writes_honour_the_umask_as_open_does(tmp_path, fmt):
    model = nn.Linear(2, 1)
    old = os.umask(0o077)
    try:
        with open(tmp_path / "reference", "wb"):
            pass
        path = tmp_path / f"m.{fmt}"
        if fmt == "onnx":
            pytest.importorskip("onnx")
            nn.export.to_onnx(model, np.zeros((1, 2), np.float32), path)
        else:
            nn.save(model, path)
    finally:
        os.umask(old)
    expected = stat.S_IMODE(os.stat(tmp_path / "reference").st_mode)
    assert expected == 0o600
    assert stat.S_IMODE(os.stat(path).st_mode) == expected


def test_a_replaced_file_keeps_its_permissions_as_with_open(tmp_path):
    path = tmp_path / "m.npz"
    nn.save({"w": np.zeros(2)}, path)
    os.chmod(path, 0o640)
    nn.save({"w": np.ones(2)}, path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    assert np.array_equal(np.asarray(nn.load(path)["w"]), np.ones(2))


def test_save_never_replaces_a_device_fifo_or_directory(tmp_path):
    folder = tmp_path / "m.npz"
    folder.mkdir()
    with pytest.raises(
        ValueError, match=r"'.*m\.npz' is a directory, not a regular file; refusing"
    ):
        nn.save({"w": np.zeros(2)}, folder)
    if hasattr(os, "mkfifo"):
        fifo = tmp_path / "p.safetensors"
        os.mkfifo(fifo)
        with pytest.raises(ValueError, match="is a FIFO"):
            nn.save({"w": np.zeros(2)}, fifo)
        assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert sorted(os.listdir(tmp_path)) == sorted(
        ["m.npz"] + (["p.safetensors"] * hasattr(os, "mkfifo"))
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_big_endian_arrays_round_trip(tmp_path, fmt):
    values = np.arange(6, dtype=">f4").reshape(2, 3)
    path = tmp_path / f"be.{fmt}"
    nn.save({"w": values, "t": al.Tensor(np.array([1, 2], dtype=">i8"))}, path)
    loaded = nn.load(path)
    for key, expected in [("w", values), ("t", np.array([1, 2]))]:
        got = np.asarray(loaded[key])
        assert got.dtype.isnative and got.dtype == expected.dtype.newbyteorder("=")
        np.testing.assert_array_equal(got, expected)


def test_a_big_endian_safetensors_file_is_little_endian_for_other_tools(tmp_path):
    st = pytest.importorskip("safetensors.numpy")
    path = tmp_path / "be.safetensors"
    nn.save({"w": np.arange(3, dtype=">f8")}, path)
    np.testing.assert_array_equal(st.load_file(str(path))["w"], [0.0, 1.0, 2.0])


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("key", ["__metadata__", "__structure__"])
def test_reserved_keys_are_refused_on_save_naming_the_key(tmp_path, fmt, key):
    with pytest.raises(ValueError, match=rf"save: the key '{key}' is reserved"):
        nn.save({key: np.zeros(2, np.float32), "w": np.ones(2, np.float32)}, tmp_path / f"r.{fmt}")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_keys_that_file_names_cannot_hold_are_refused_on_save(tmp_path, fmt):
    for key in ["a\x00b", "\ud800"]:
        with pytest.raises(ValueError, match=r"save: the key .* cannot be stored"):
            nn.save({key: np.zeros(2, np.float32)}, tmp_path / f"k.{fmt}")
    assert os.listdir(tmp_path) == []


def test_a_self_containing_dict_is_refused_on_save(tmp_path):
    loop: dict = {"w": np.zeros(2)}
    loop["again"] = loop
    with pytest.raises(ValueError, match="nested more than"):
        nn.save(loop, tmp_path / "loop.npz")
    assert os.listdir(tmp_path) == []


def test_loaded_safetensors_tensors_can_be_changed_in_place(tmp_path):
    path = tmp_path / "m.safetensors"
    nn.save({"w": np.zeros(3, np.float32)}, path)
    w = nn.load(path)["w"]
    w += 1.0
    w[0] = 5.0
    np.testing.assert_array_equal(w.numpy(), [5.0, 1.0, 1.0])
