"""Save and load state_dicts as ``.npz`` (the default) or ``.safetensors`` files, never with pickle.

``nn.save(model.state_dict(), "model.npz")`` and ``model.load_state_dict(nn.load("model.npz"))``;
``nn.save(model, "model.safetensors")`` for the format PyTorch and Hugging Face read
(``safetensors.torch.load_file``), chosen by the file's extension.

Why not pickle (what ``torch.save`` used by default for years)? Unpickling a file can run any
code its author chose, so opening a downloaded checkpoint would be running a program. An
``.npz`` file is a zip archive of ``.npy`` arrays: a small header (dtype, shape) and raw bytes.
Reading one with ``allow_pickle=False`` can only ever produce numbers. A file that holds
pickled objects is refused, not executed.

File layout
-----------
Every array (or Tensor) in ``obj`` becomes one ``<key>.npy`` member of the archive, so the
file opens with plain NumPy: ``np.load("model.npz")["fc1.weight"]``. Nested containers are
flattened by joining keys with ``/``: ``{"model": {"fc1.weight": W}}`` is stored as
``model/fc1.weight`` and list items by position (``param_groups/0/...``). A module's
state_dict is already flat (its keys use ``.``) and is stored under its own keys.

One extra member, ``__structure__``, holds a JSON description of the container tree (dicts,
lists, tuples, which leaves were Tensors, ndarrays or NumPy scalars, and plain Python values
such as a learning rate or a step count), so that ``load`` gives back the object that was
saved: Tensors as Tensors, ndarrays as ndarrays, an optimizer's nested state as nested state.
A ``.npz`` without it (written by ``np.savez``) loads as a flat ``{name: Tensor}`` dict.

safetensors
-----------
A path ending in ``.safetensors`` uses the safetensors format instead (``pip install
"autograd-lite[export]"``): one JSON header naming each tensor's dtype, shape and byte range,
then the raw bytes, nothing that could run code either. It holds a flat ``{name: array}``
dict only, so it is for state_dicts (a nested optimizer state needs ``.npz``). The file
also records, in the header's ``__metadata__``, the order of the keys and a CRC-32 of each
tensor's bytes (safetensors has no checksum of its own), so that ``load`` notices flipped
bytes as it does in an ``.npz``. Files written by other tools load without that check.

Writes are atomic: the file is written to a temporary file in the destination's directory
and renamed over the destination only when complete, so a crash or error never leaves a
half-written file (an existing file stays as it was). ``write_atomically`` (``nn.files``)
does it, for every file ``nn`` writes, with the permissions ``open()`` would give.

Untrusted files
---------------
A checkpoint may come from anywhere, so ``load`` trusts nothing in it (SECURITY.md): it
reads regular files only (``nn.files.open_regular``), checks every declared size (a zip
member's, an array header's, a safetensors offset) against the file's size before it
allocates, bounds the nesting of the structure record (``MAX_DEPTH``), and turns anything
malformed into a ``ValueError`` naming the path. Arrays come back in native byte order;
they are saved little-endian, as safetensors requires and NumPy writes by default.
"""

from __future__ import annotations

import json
import math
import os
import zipfile
import zlib
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

import autograd_lite
from autograd_lite.serialization import check_suffix
from nn._optional import import_extra
from nn.files import open_regular, write_atomically
from nn.module import Module

__all__ = ["load", "save", "write_atomically"]

PathLike = str | os.PathLike

STRUCTURE_KEY = "__structure__"
_SAFETENSORS_HEADER_KEY = "__metadata__"
# Keys a file keeps for itself: refused on save in both formats, so that whatever one
# format saves the other can save too.
RESERVED_KEYS = (STRUCTURE_KEY, _SAFETENSORS_HEADER_KEY)
_FORMAT = "autograd-lite/1"
# How deeply containers may nest (an optimizer's state_dict is 4 deep); a deeper one is refused
# on save and on load, so loading never recurses without bound.
MAX_DEPTH = 64
# Deflate's largest expansion is about 1032:1; a member claiming more is not honest.
_DEFLATE_RATIO = 1032
_CHUNK = 1 << 20  # bytes read at a time: memory follows the data that really arrives


# ----------------------------------------------------------------------------------------
# Flattening: obj -> (JSON-able tree description, {flat key: ndarray})


def _flatten(obj: Any, key: str, arrays: dict[str, np.ndarray], depth: int = 0) -> Any:
    """Describe ``obj`` as JSON; put every array into ``arrays`` under its flat ``key``."""
    if isinstance(obj, autograd_lite.Tensor):
        return {"tensor": _add_array(obj.data, key, arrays)}
    if isinstance(obj, np.ndarray):
        return {"ndarray": _add_array(obj, key, arrays)}
    if isinstance(obj, np.generic):  # np.float32(0.1) and friends: keep the NumPy type
        return {"scalar": _add_array(np.asarray(obj), key, arrays)}
    # bool before int: bool is an int subclass, and JSON keeps them apart anyway
    if obj is None or isinstance(obj, (bool, int, float, str)):
        if isinstance(obj, str):
            _check_text(obj, f"the value at {key or '<top>'!r}")
        return {"value": obj}
    if isinstance(obj, (Mapping, list, tuple)) and depth >= MAX_DEPTH:
        raise ValueError(
            f"save: {key or '<top>'!r} is nested more than {MAX_DEPTH} containers deep (does "
            f"a dict or list contain itself?)"
        )
    if isinstance(obj, Mapping):
        items = []
        for k, v in obj.items():
            if isinstance(k, bool) or not isinstance(k, (str, int)):
                raise TypeError(
                    f"save: key {k!r} at {key or '<top>'!r} is a {type(k).__name__}; "
                    f"only str and int keys can be saved"
                )
            items.append([k, _flatten(v, _join(key, str(k)), arrays, depth + 1)])
        kind = "odict" if isinstance(obj, OrderedDict) else "dict"
        return {kind: items}
    if isinstance(obj, (list, tuple)):
        kind = "tuple" if isinstance(obj, tuple) else "list"
        items = [_flatten(v, _join(key, str(i)), arrays, depth + 1) for i, v in enumerate(obj)]
        return {kind: items}
    raise TypeError(
        f"save: cannot save {key or '<top>'!r} of type {type(obj).__name__}; "
        f"saveable are Tensors, ndarrays, numbers, str, None and dicts/lists/tuples of them"
    )


def _join(prefix: str, name: str) -> str:
    return f"{prefix}/{name}" if prefix else name


def _check_key(key: str) -> None:
    """A key both formats can store: not reserved, and text a file name or JSON can hold."""
    if key in RESERVED_KEYS:
        raise ValueError(
            f"save: the key {key!r} is reserved (the file format uses it for itself); "
            f"rename the entry"
        )
    _check_text(key, f"the key {key!r}")


def _check_text(text: str, what: str) -> None:
    if "\x00" in text:
        raise ValueError(f"save: {what} cannot be stored: it holds a NUL character")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(
            f"save: {what} cannot be stored: it is not valid Unicode text (a lone surrogate)"
        ) from None


def _little_endian(arr: np.ndarray) -> np.ndarray:
    """``arr`` with its bytes in little-endian order, what both formats store (safetensors
    knows no other; a CRC-32 is taken over exactly these bytes)."""
    little = arr.dtype.newbyteorder("<")
    return arr if little == arr.dtype else arr.astype(little)


def _native(arr: np.ndarray) -> np.ndarray:
    """``arr`` in the machine's byte order (a file may hold big-endian arrays)."""
    return arr if arr.dtype.isnative else arr.astype(arr.dtype.newbyteorder("="))


def _add_array(arr: np.ndarray, key: str, arrays: dict[str, np.ndarray]) -> str:
    if arr.dtype.hasobject:
        raise TypeError(
            f"save: {key!r} is an array of Python objects (dtype {arr.dtype}); only numeric, "
            f"bool and string arrays can be saved without pickle"
        )
    _check_key(key)
    if key in arrays:
        # e.g. {"a/b": x, "a": {"b": y}} would both be stored as "a/b"
        raise ValueError(f"save: two entries would both be stored under the key {key!r}")
    arrays[key] = _little_endian(arr)
    return key


_DICTS = ("dict", "odict")


class _Rebuild:
    """Rebuilds the saved object from its JSON description and the loaded arrays, checking
    every entry (a crafted file may hold anything): a ``ValueError`` naming the path for
    each problem, recursion at most ``MAX_DEPTH`` deep, each array used exactly once."""

    def __init__(self, arrays: Mapping[str, np.ndarray], where: str) -> None:
        self.arrays, self.where, self.used = arrays, where, set()

    def fail(self, what: str) -> ValueError:
        return ValueError(f"{self.where}: malformed {STRUCTURE_KEY} entry: {what}")

    def run(self, root: Any) -> Any:
        if not (isinstance(root, dict) and len(root) == 1 and next(iter(root)) in _DICTS):
            raise self.fail(f"the saved object is a dict, not {_short(root)}")  # (save's rule)
        result = self.node(root, 0)
        unused = sorted(set(self.arrays) - self.used)
        if unused:
            raise self.fail(f"the arrays {unused[:5]} are in the file but not in its structure")
        return result

    def node(self, node: Any, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise self.fail(f"containers nest more than {MAX_DEPTH} deep")
        if not isinstance(node, dict) or len(node) != 1:
            raise self.fail(f"expected one {{kind: body}} pair, got {_short(node)}")
        ((kind, body),) = node.items()
        if kind in ("tensor", "ndarray", "scalar"):
            return self.array(kind, body)
        if kind == "value":
            if body is not None and not isinstance(body, (bool, int, float, str)):
                raise self.fail(f"a value must be a number, str or null, got {_short(body)}")
            return body
        if not isinstance(body, list):
            raise self.fail(f"the body of {kind!r} must be a list, got {_short(body)}")
        if kind in ("list", "tuple"):
            items = [self.node(v, depth + 1) for v in body]
            return tuple(items) if kind == "tuple" else items
        if kind in ("dict", "odict"):
            pairs = []
            for pair in body:
                if not (isinstance(pair, list) and len(pair) == 2):
                    raise self.fail(f"a dict item must be a [key, value] pair, got {_short(pair)}")
                k, v = pair
                if isinstance(k, bool) or not isinstance(k, (str, int)):
                    raise self.fail(f"a dict key must be a str or an int, got {_short(k)}")
                pairs.append((k, self.node(v, depth + 1)))
            return OrderedDict(pairs) if kind == "odict" else dict(pairs)
        raise self.fail(f"unknown entry kind {_short(kind)}")

    def array(self, kind: str, name: Any) -> Any:
        if not isinstance(name, str) or name not in self.arrays:
            raise self.fail(f"it names the array {_short(name)}, which is missing")
        if name in self.used:
            raise self.fail(f"it names the array {name!r} twice")
        self.used.add(name)
        arr = self.arrays[name]
        if kind == "tensor":
            if arr.dtype.kind not in "biuf":
                raise ValueError(
                    f"{self.where}: array {name!r} holds {arr.dtype} values; a tensor holds "
                    f"numbers (bool, int, float)"
                )
            return autograd_lite.Tensor(arr)  # arr was just read: share it, no copy
        if kind == "scalar":
            if arr.ndim != 0:
                raise self.fail(f"the scalar {name!r} has shape {arr.shape}")
            return arr[()]
        return arr


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


# ----------------------------------------------------------------------------------------
# The .npz container: a zip archive with one "<key>.npy" member per array


def _write_npz(f: Any, arrays: Mapping[str, np.ndarray]) -> None:
    """Write ``arrays`` to the binary file ``f`` as an uncompressed .npz, as ``np.savez`` does."""
    with zipfile.ZipFile(f, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        for key, arr in arrays.items():
            # force_zip64: the member's size is unknown when writing starts and may exceed 2 GiB
            with zf.open(key + ".npy", mode="w", force_zip64=True) as member:
                np.lib.format.write_array(member, np.asanyarray(arr), allow_pickle=False)


def save(obj: Mapping[str, Any] | Module, path: PathLike) -> None:
    """Save a state_dict (``{name: Tensor}``), a nested dict of them, or a module's state_dict
    (``save(model, path)`` is ``save(model.state_dict(), path)``) to ``path``.

    The format follows the extension: ``.safetensors`` for safetensors (a flat dict of
    arrays), anything else for ``.npz``. ``obj`` maps names to Tensors, ndarrays, NumPy
    scalars, Python numbers/str/None, or to further dicts, lists and tuples of those (an
    optimizer's state_dict), at most ``MAX_DEPTH`` deep. Keys are ``str`` or ``int``; the keys
    ``__structure__`` and ``__metadata__`` are reserved. The file is written exactly at
    ``path`` (no extension is appended), little-endian.

    Raises ``TypeError`` for anything else (an object array, an arbitrary class) and
    ``ValueError`` for a reserved or unstorable key; nothing is written in that case. The
    write is atomic (temporary file, then ``os.replace``) and the file gets the permissions
    ``open()`` would give it.

    Examples
    --------
    >>> import os, tempfile
    >>> model = nn.Linear(2, 3)
    >>> path = os.path.join(tempfile.mkdtemp(), "model.npz")
    >>> nn.save(model, path)
    >>> state = nn.load(path)
    >>> sorted(state), state["weight"].shape
    (['bias', 'weight'], (3, 2))
    """
    if isinstance(obj, Module):
        obj = obj.state_dict()
    if not isinstance(obj, Mapping):
        raise TypeError(
            f"save: obj must be a dict such as model.state_dict() (or a Module), got "
            f"{type(obj).__name__}"
        )
    path = Path(path)
    check_suffix(path, "save")  # .npz or .safetensors; .pt/.pth refused with the formats named
    # Validate and convert everything before touching the disk.
    if _is_safetensors(path):
        data = _safetensors_bytes(obj)
        write_atomically(path, lambda f: f.write(data), "save")
        return
    arrays: dict[str, np.ndarray] = {}
    structure = _flatten(obj, "", arrays)
    meta = json.dumps({"format": _FORMAT, "root": structure})
    arrays[STRUCTURE_KEY] = np.array(meta)  # a 0-d unicode array: no pickle needed
    write_atomically(path, lambda f: _write_npz(f, arrays), "save")


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, size: int) -> np.ndarray:
    """Read one ``.npy`` member without trusting it: the zip's sizes are checked against the
    file's ``size``, the array header against the member's size, all before any array is
    allocated; object (pickled) arrays are refused before their data is read."""
    key = info.filename[: -len(".npy")]
    where = f"load: {name}: array {key!r}"
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise ValueError(
            f"{where} uses zip compression method {info.compress_type}; .npz members are "
            f"stored or deflated"
        )
    expansion = 1 if info.compress_type == zipfile.ZIP_STORED else _DEFLATE_RATIO
    if info.compress_size > size or info.file_size > info.compress_size * expansion + 64:
        raise ValueError(
            f"{where} declares {info.file_size} bytes ({info.compress_size} compressed) in a "
            f"file of {size} bytes: the archive is corrupted"
        )
    with zf.open(info) as member:
        shape, fortran, dtype = _read_npy_header(member, where)
        # Look at the header first: an object array's payload is a pickle and is never read.
        if dtype.hasobject:
            raise ValueError(
                f"load: {name} holds pickled Python objects (array {key!r} has dtype {dtype}); "
                f"refusing to load them, because unpickling can run arbitrary code"
            )
        if len(shape) > 64 or any(s < 0 for s in shape) or dtype.itemsize == 0:
            raise ValueError(f"{where} declares an impossible shape {shape} of dtype {dtype}")
        count = math.prod(shape)  # Python ints: no wrap-around
        nbytes = count * dtype.itemsize
        if nbytes > info.file_size:
            raise ValueError(
                f"{where} declares shape {shape} of {dtype} ({nbytes} bytes), but its member "
                f"holds {info.file_size} bytes: the file is truncated or corrupted"
            )
        data = bytearray()
        while len(data) < nbytes:
            chunk = member.read(min(_CHUNK, nbytes - len(data)))
            if not chunk:
                raise ValueError(f"{where} is truncated: {len(data)} of {nbytes} bytes")
            data += chunk
        if member.read(1):  # (reading to the end also checks the member's CRC-32)
            raise ValueError(f"{where} has bytes after its data: the file is corrupted")
    arr = np.frombuffer(data, dtype=dtype, count=count)  # a bytearray: writable, no copy
    arr = arr.reshape(shape[::-1]).T if fortran else arr.reshape(shape)
    return _native(arr)


def _read_npy_header(member: BinaryIO, where: str) -> tuple[tuple, bool, np.dtype]:
    """(shape, fortran order, dtype) from a ``.npy`` header: NumPy's own parser (a Python
    literal of at most 10,000 characters, read with ``ast.literal_eval``), whose every
    failure -- ValueError, SyntaxError, tokenize's TokenError, TypeError ... -- is a header
    that is not one."""
    version = np.lib.format.read_magic(member)
    if version not in ((1, 0), (2, 0)):
        raise ValueError(f"{where} has .npy format version {version}; expected 1.0 or 2.0")
    read = (
        np.lib.format.read_array_header_1_0
        if version == (1, 0)
        else (np.lib.format.read_array_header_2_0)
    )
    try:
        return read(member)
    except (zipfile.BadZipFile, EOFError, OSError):
        raise  # the archive's own damage, reported by load
    except Exception as e:  # any failure to parse untrusted text: a malformed header
        raise ValueError(f"{where} has a malformed .npy header: {e!r}") from None


def load(path: PathLike) -> dict[Any, Any]:
    """Load what :func:`save` wrote: a dict whose Tensors come back as ``autograd_lite`` Tensors.

    Containers, ndarrays, NumPy scalars and plain values come back as they were saved. A
    ``.npz`` written by other tools (no ``__structure__`` member) gives ``{name: Tensor}``.

    A ``.safetensors`` file gives ``{name: Tensor}`` in the order it was saved.

    Raises ``FileNotFoundError`` for a missing file and ``ValueError`` naming the path for
    anything that is not a regular file holding a valid ``.npz`` or ``.safetensors`` (a
    device or FIFO, a pickle, a truncated, corrupted or crafted file) and for archives holding
    pickled objects, which are never unpickled. Every size in the file is checked against
    the file's size before anything is allocated (SECURITY.md).

    Examples
    --------
    >>> import os, tempfile
    >>> model = nn.Linear(2, 3)
    >>> path = os.path.join(tempfile.mkdtemp(), "model.npz")
    >>> nn.save(model.state_dict(), path)
    >>> fresh = nn.Linear(2, 3)
    >>> fresh.load_state_dict(nn.load(path))
    IncompatibleKeys(missing_keys=[], unexpected_keys=[])
    >>> al.equal(fresh.weight, model.weight)
    True
    """
    path = Path(path)
    check_suffix(path, "load")
    name = repr(str(path))
    f, size = open_regular(path, "load")  # FileNotFoundError passes through
    with f:
        if _is_safetensors(path):
            return _load_safetensors(f, size, name)
        arrays = _read_npz(f, size, name)
    if STRUCTURE_KEY not in arrays:
        for key, arr in arrays.items():
            if arr.dtype.kind not in "biuf":
                raise ValueError(
                    f"load: {name}: array {key!r} holds {arr.dtype} values, not numbers, so it "
                    f"cannot be a tensor (np.load reads such files as arrays)"
                )
        return {key: autograd_lite.Tensor(arr) for key, arr in arrays.items()}
    record = arrays.pop(STRUCTURE_KEY)
    try:
        if record.dtype.kind != "U" or record.ndim != 0:
            raise ValueError(f"it is a {record.dtype} array of shape {record.shape}, not text")
        meta = json.loads(str(record[()]))
        if not isinstance(meta, dict) or meta.get("format") != _FORMAT or "root" not in meta:
            raise ValueError(f"expected {{'format': {_FORMAT!r}, 'root': ...}}")
    except RecursionError:
        raise ValueError(f"load: {name}: its {STRUCTURE_KEY} entry nests too deeply") from None
    except ValueError as e:
        raise ValueError(f"load: {name} has a corrupted {STRUCTURE_KEY} entry: {e}") from None
    return _Rebuild(arrays, f"load: {name}").run(meta["root"])


def _read_npz(f: BinaryIO, size: int, name: str) -> dict[str, np.ndarray]:
    arrays: dict[str, np.ndarray] = {}
    try:
        with zipfile.ZipFile(f) as zf:
            for info in zf.infolist():
                if not info.filename.endswith(".npy"):
                    raise ValueError(
                        f"load: {name} is not an .npz file: member {info.filename!r} "
                        f"is not a .npy array"
                    )
                key = info.filename[: -len(".npy")]
                if key in arrays:
                    raise ValueError(f"load: {name} holds two arrays named {key!r}")
                arrays[key] = _read_member(zf, info, name, size)
    except zipfile.BadZipFile as e:
        raise ValueError(f"load: {name} is not a valid .npz file (zip archive): {e}") from None
    except ValueError as e:
        if str(e).startswith("load: "):
            raise
        raise ValueError(f"load: {name} is corrupted: {e}") from None
    except (
        EOFError,
        OSError,
        zlib.error,
        NotImplementedError,
        RuntimeError,
        TypeError,
        KeyError,
        IndexError,
        OverflowError,
        SyntaxError,
    ) as e:
        # zlib: corrupted deflate data; NotImplementedError/RuntimeError: zipfile on garbled
        # flag bits or version fields ("compressed patched data", "encrypted"); the rest:
        # a header NumPy could not make sense of
        raise ValueError(f"load: {name} is truncated or corrupted: {e!r}") from None
    return arrays


# ----------------------------------------------------------------------------------------
# safetensors: one JSON header (dtype, shape, byte range per tensor), then the raw bytes

_SAFETENSORS_META = "autograd-lite"  # our entry in the header's __metadata__ (str -> str)


def _is_safetensors(path: Path) -> bool:
    return path.suffix.lower() == ".safetensors"


def _safetensors_numpy(where: str) -> Any:
    return import_extra("safetensors.numpy", "export", f"{where} of a .safetensors file")


def _safetensors_bytes(obj: Mapping[str, Any]) -> bytes:
    """The file's bytes for a flat ``{str: Tensor or ndarray}`` dict; TypeError otherwise."""
    arrays: dict[str, np.ndarray] = {}
    for key, value in obj.items():
        if not isinstance(key, str):
            raise TypeError(
                f"save: key {key!r} is a {type(key).__name__}; safetensors keys are str"
            )
        _check_key(key)
        data = value.data if isinstance(value, autograd_lite.Tensor) else value
        if not isinstance(data, (np.ndarray, np.generic)):
            raise TypeError(
                f"save: {key!r} is a {type(value).__name__}; a .safetensors file holds only "
                f"tensors (a flat state_dict). Save nested state such as an optimizer's "
                f"state_dict as .npz"
            )
        if data.dtype.kind not in "biuf":
            raise TypeError(
                f"save: {key!r} has dtype {data.dtype}; a .safetensors file holds numbers "
                f"(bool, int, uint, float) only"
            )
        # (ascontiguousarray would make a 0-d array 1-d)
        arrays[key] = _little_endian(np.asarray(data, order="C"))
    checks = {key: zlib.crc32(arr.tobytes()) for key, arr in arrays.items()}
    meta = json.dumps({"format": _FORMAT, "keys": list(arrays), "crc32": checks})
    return _safetensors_numpy("save").save(arrays, metadata={_SAFETENSORS_META: meta})


def _load_safetensors(f: BinaryIO, size: int, name: str) -> dict[str, autograd_lite.Tensor]:
    st = _safetensors_numpy("load")
    safetensors = import_extra("safetensors", "export", "load of a .safetensors file")
    raw = f.read(size)  # a regular file: at most its size, however it changes meanwhile
    try:
        # safetensors' own parser checks the header and every byte range against len(raw)
        arrays = {key: _native(arr) for key, arr in st.load(raw).items()}
        meta = _safetensors_metadata(raw)
    except safetensors.SafetensorError as e:
        raise ValueError(f"load: {name} is not a valid .safetensors file: {e}") from None
    except KeyError as e:  # a dtype NumPy has no name for (bfloat16, float8 ...)
        raise ValueError(
            f"load: {name} holds tensors of dtype {e}, which NumPy cannot represent; convert "
            f"them to float32 in PyTorch before saving"
        ) from None
    except (ValueError, TypeError, OverflowError, RecursionError) as e:
        raise ValueError(f"load: {name} is not a valid .safetensors file: {e!r}") from None
    ours = meta.get(_SAFETENSORS_META)
    if ours is None:  # written by another tool: no key order, no checksums
        return {key: autograd_lite.Tensor(arr) for key, arr in arrays.items()}
    keys, checks = _our_entry(ours, name)
    if sorted(keys) != sorted(arrays):
        raise ValueError(f"load: {name} is corrupted: its key list does not match its tensors")
    for key in keys:
        if zlib.crc32(np.asarray(arrays[key], order="C").tobytes()) != checks.get(key):
            raise ValueError(f"load: {name} is corrupted: the bytes of {key!r} fail their CRC-32")
    return {key: autograd_lite.Tensor(arrays[key]) for key in keys}


def _our_entry(text: str, name: str) -> tuple[list[str], dict[str, int]]:
    """The key order and CRC-32s that ``save`` put in ``__metadata__``, checked entry by entry."""
    problem = None
    try:
        info = json.loads(text)
    except (ValueError, RecursionError) as e:
        info, problem = None, f"not JSON ({type(e).__name__})"
    if problem is None:
        keys = info.get("keys") if isinstance(info, dict) else None
        checks = info.get("crc32") if isinstance(info, dict) else None
        if not (isinstance(keys, list) and all(isinstance(k, str) for k in keys)):
            problem = "'keys' must be a list of names"
        elif len(set(keys)) != len(keys):
            problem = "'keys' names a tensor twice"
        elif not (
            isinstance(checks, dict)
            and all(type(v) is int and 0 <= v < 2**32 for v in checks.values())
        ):
            problem = "'crc32' must map names to 32-bit checksums"
    if problem is not None:
        raise ValueError(f"load: {name} has a corrupted {_SAFETENSORS_META!r} entry: {problem}")
    return keys, checks


def _safetensors_metadata(raw: bytes) -> dict[str, str]:
    """The header's ``__metadata__`` (the numpy API of safetensors returns arrays only). The
    header was already validated by safetensors' own parser (a str -> str map)."""
    size = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8 : 8 + size])
    return header.get(_SAFETENSORS_HEADER_KEY) or {}
