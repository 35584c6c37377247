"""Fuzzing the loaders (issue 22): hypothesis mutates valid ``.npz`` and ``.safetensors`` files
-- bit flips, truncation, overwritten and inserted bytes, size fields set to extreme values,
edited headers (a safetensors JSON header, an ``.npy`` header inside the archive), a
rewritten or deeply nested ``__structure__`` record -- and loads each result, then loads that
into a model. The only exceptions allowed are ValueError (ShapeError is one) and OSError,
and no load may allocate far beyond the file's size (tracemalloc's peak, which NumPy reports
to; safetensors' Rust parser checks its sizes before it allocates).

Budget: 4 times the profile's examples per property, at most 600 (80 in the default profile,
a few seconds in all; 600 under HYPOTHESIS_PROFILE=ci, about a minute on 2 cores).
SECURITY.md lists what is tried.
"""

from __future__ import annotations

import io
import json
import struct
import tracemalloc
import zipfile
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import autograd_lite as al
import nn

pytest.importorskip("safetensors")

BUDGET = min(settings().max_examples * 4, 600)
FUZZ = settings(
    max_examples=BUDGET,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
# A load may take this much memory beyond the file: the arrays themselves (at most the
# file's size, a few times while they are built) and Python's fixed costs, including
# modules imported on first use (tokenize, on NumPy's first malformed header). What this
# catches is a size taken from the file: gigabytes, or a MemoryError.
SLACK = 8 << 20


def _model() -> nn.Module:
    al.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))  # float32 and int64 entries


def _originals() -> dict[str, bytes]:
    model = _model()
    out = {}
    for name, obj in [
        ("model.npz", model),
        ("model.safetensors", model),
        (
            "nested.npz",  # an optimizer-like state: the __structure__ record has depth
            {
                "model": model.state_dict(),
                "optimizer": {"state": {0: {"step": 3, "m": np.ones(2)}}, "lr": [0.1, None]},
                "scalar": np.float32(2.5),
            },
        ),
    ]:
        buffer = io.BytesIO()
        if name.endswith(".npz"):
            nn.serialization._write_npz(buffer, _npz_arrays(obj))
        else:
            buffer.write(nn.serialization._safetensors_bytes(model.state_dict()))
        out[name] = buffer.getvalue()
    return out


def _npz_arrays(obj) -> dict[str, np.ndarray]:
    if isinstance(obj, nn.Module):
        obj = obj.state_dict()
    arrays: dict[str, np.ndarray] = {}
    structure = nn.serialization._flatten(obj, "", arrays)
    meta = {"format": "autograd-lite/1", "root": structure}
    arrays["__structure__"] = np.array(json.dumps(meta))
    return arrays


ORIGINALS = _originals()


# -- mutations ----------------------------------------------------------------------------------

EXTREMES = [0, 1, 7, 8, 255, 2**15, 2**16 - 1, 2**31 - 1, 2**31, 2**32 - 1, 2**40, 10**13]
EXTREMES += [2**63 - 1, 2**63, 2**64 - 1]

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.sampled_from([-1, 0, 1, 3, 2**31, 2**63, -(2**63), 10**13, 10**30])
    | st.floats(allow_nan=True)
    | st.text(max_size=4),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=4), children, max_size=3)
    ),
    max_leaves=8,
)


def _nested(depth: int, inner: str = "0") -> str:
    return "[" * depth + inner + "]" * depth


@st.composite
def byte_mutations(draw, data: bytes) -> bytes:
    """Format-blind changes: flips, truncation, overwrites, insertions, deletions, and an
    integer field (1, 2, 4 or 8 bytes, either byte order) set to an extreme value."""
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 3), label="n_mutations")):
        kind = draw(
            st.sampled_from(["flip", "truncate", "overwrite", "insert", "delete", "int"]),
            label="kind",
        )
        at = draw(st.integers(0, max(len(out) - 1, 0)), label="offset")
        if kind == "flip" and out:
            out[at] ^= 1 << draw(st.integers(0, 7), label="bit")
        elif kind == "truncate":
            del out[at:]
        elif kind == "overwrite":
            value = draw(st.binary(min_size=1, max_size=8), label="bytes")
            out[at : at + len(value)] = value
        elif kind == "insert":
            out[at:at] = draw(st.binary(min_size=1, max_size=16), label="bytes")
        elif kind == "delete":
            del out[at : at + draw(st.integers(1, 64), label="length")]
        elif kind == "int":
            width = draw(st.sampled_from([1, 2, 4, 8]), label="width")
            value = draw(st.sampled_from(EXTREMES), label="value") % (1 << (8 * width))
            order = draw(st.sampled_from(["little", "big"]), label="order")
            out[at : at + width] = value.to_bytes(width, order)
    return bytes(out)


@st.composite
def safetensors_header_edits(draw, data: bytes) -> bytes:
    """Edit the JSON header: one field of one entry (dtype, shape, data_offsets, the
    metadata) set to a random JSON value, an entry added or dropped, or deep nesting; the
    length prefix is recomputed or not."""
    size = int.from_bytes(data[:8], "little")
    header = json.loads(data[8 : 8 + size])
    body = data[8 + size :]
    names = sorted(k for k in header if k != "__metadata__")
    edit = draw(
        st.sampled_from(["field", "offsets", "shape", "metadata", "add", "drop", "nest"]),
        label="edit",
    )
    name = draw(st.sampled_from(names), label="tensor")
    if edit == "field":
        header[name][draw(st.sampled_from(["dtype", "shape", "data_offsets"]))] = draw(json_values)
    elif edit == "offsets":
        header[name]["data_offsets"] = draw(
            st.lists(st.sampled_from([0, 1, 4, len(body), len(body) + 1, *EXTREMES]), max_size=3)
        )
    elif edit == "shape":
        header[name]["shape"] = draw(st.lists(st.sampled_from([0, 1, 2, 3, *EXTREMES]), max_size=4))
    elif edit == "metadata":
        ours = json.loads(header["__metadata__"]["autograd-lite"])
        key = draw(st.sampled_from(["keys", "crc32", "format", "extra"]))
        ours[key] = draw(json_values)
        text = json.dumps(ours) if draw(st.booleans()) else _nested(draw(st.integers(1, 5000)))
        header["__metadata__"]["autograd-lite"] = text
    elif edit == "add":
        header[draw(st.text(max_size=6))] = draw(json_values)
    elif edit == "drop":
        del header[name]
    text = json.dumps(header).encode()
    if edit == "nest":
        text = _nested(draw(st.integers(1, 100_000)), "{}").encode()
    if draw(st.booleans(), label="fix_length"):
        return len(text).to_bytes(8, "little") + text + body
    return data[:8] + text + body


def _npz_members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist()}


def _npz_bytes(members: dict[str, bytes], deflate: bool = False) -> bytes:
    buffer = io.BytesIO()
    method = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
    with zipfile.ZipFile(buffer, "w", compression=method) as zf:
        for name, content in members.items():
            zf.writestr(name, content)
    return buffer.getvalue()


@st.composite
def npz_member_edits(draw, data: bytes) -> bytes:
    """Rebuild the archive (so its own sizes and CRCs are right and the .npy parsing is what
    is tested) with one member changed: its .npy header rewritten (shape, dtype, order set
    to random or extreme values), its bytes mutated, the __structure__ record replaced by
    random or deeply nested JSON, a member renamed, dropped or duplicated; stored or
    deflated."""
    members = _npz_members(data)
    name = draw(st.sampled_from(sorted(members)), label="member")
    edit = draw(st.sampled_from(["npy header", "bytes", "structure", "rename", "drop"]))
    if edit == "npy header":
        shape = draw(
            st.one_of(
                st.lists(st.sampled_from([0, 1, 2, 3, -1, *EXTREMES]), max_size=4).map(tuple),
                json_values,
            )
        )
        descr = draw(st.sampled_from(["<f4", ">f8", "|b1", "<i8", "|O", "<c16", "|V0", "<U3"]))
        fortran = draw(st.sampled_from([False, True, 0, "yes"]))
        header = repr({"descr": descr, "fortran_order": fortran, "shape": shape}).encode()
        header += b" " * (-(10 + len(header) + 1) % 64) + b"\n"
        body = members[name]
        rest = body[10 + int.from_bytes(body[8:10], "little") :]
        members[name] = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + rest
    elif edit == "bytes":
        members[name] = draw(byte_mutations(members[name]))
    elif edit == "structure":
        if draw(st.booleans()):
            record = json.dumps({"format": "autograd-lite/1", "root": draw(json_values)})
        else:
            inner = '{"tensor": "0.weight"}'
            depth = draw(st.integers(1, 20_000))
            record = '{"format": "autograd-lite/1", "root": '
            record += '{"list": [' * depth + inner + "]}" * depth + "}"
        buffer = io.BytesIO()
        np.lib.format.write_array(buffer, np.array(record))
        members["__structure__.npy"] = buffer.getvalue()
    elif edit == "rename":  # (a name zipfile can write: no NUL, no lone surrogate)
        new = draw(
            st.text(
                st.characters(exclude_characters="\x00", exclude_categories=("Cs",)),
                min_size=1,
                max_size=8,
            )
        )
        members[new + draw(st.sampled_from([".npy", ""]))] = members.pop(name)
    elif edit == "drop":
        del members[name]
    return _npz_bytes(members, deflate=draw(st.booleans(), label="deflate"))


# -- the property -------------------------------------------------------------------------------


def _load_untrusted(tmp_path, name: str, data: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    model = _model()
    tracemalloc.start()
    try:
        loaded = nn.load(path)
        model.load_state_dict(loaded)
    except (ValueError, OSError):
        pass  # refused: what should happen to nearly all of them
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert peak <= SLACK + 4 * len(data), f"load allocated {peak} bytes for a {len(data)}-byte file"


def _fuzz(name: str, mutate: Callable) -> Callable:
    @FUZZ
    @given(data=st.data())
    def property_(tmp_path, data):
        _load_untrusted(tmp_path, name, data.draw(mutate(ORIGINALS[name]), label="file"))

    return property_


test_npz_bytes = _fuzz("model.npz", byte_mutations)
test_nested_npz_bytes = _fuzz("nested.npz", byte_mutations)
test_npz_members = _fuzz("model.npz", npz_member_edits)
test_nested_npz_members = _fuzz("nested.npz", npz_member_edits)
test_safetensors_bytes = _fuzz("model.safetensors", byte_mutations)
test_safetensors_headers = _fuzz("model.safetensors", safetensors_header_edits)


@pytest.mark.parametrize("name", sorted(ORIGINALS))
def test_the_unmutated_files_load_into_the_model(tmp_path, name):
    """The property is not vacuous: the originals load, and into the model."""
    path = tmp_path / name
    path.write_bytes(ORIGINALS[name])
    loaded = nn.load(path)
    model = _model()
    model.load_state_dict(loaded.get("model", loaded))
    for key, value in _model().state_dict().items():
        np.testing.assert_array_equal(model.state_dict()[key].numpy(), value.numpy())


@FUZZ
@given(
    keys=st.lists(st.text(max_size=12), min_size=1, max_size=4, unique=True),
    fmt=st.sampled_from(["npz", "safetensors"]),
)
def test_any_key_round_trips_or_is_refused_before_writing(tmp_path, keys, fmt):
    """The save side: whatever text a key holds, the file either loads back with exactly
    those keys or is refused (ValueError, TypeError) with nothing written."""
    path = tmp_path / f"keys.{fmt}"
    path.unlink(missing_ok=True)
    state = {key: np.full(2, i, np.float32) for i, key in enumerate(keys)}
    try:
        nn.save(state, path)
    except (ValueError, TypeError):
        assert not path.exists()
        return
    loaded = nn.load(path)
    assert list(loaded) == keys
    for i, key in enumerate(keys):
        np.testing.assert_array_equal(np.asarray(loaded[key]), np.full(2, i, np.float32))
