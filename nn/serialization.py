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
half-written file (an existing file stays as it was). ``write_atomically`` does it, for
every file ``nn`` writes.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import zipfile
import zlib
from collections import OrderedDict
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

import autograd_lite
from autograd_lite.serialization import check_suffix
from nn._optional import import_extra
from nn.module import Module

__all__ = ["load", "save", "write_atomically"]

PathLike = str | os.PathLike

STRUCTURE_KEY = "__structure__"
_FORMAT = "autograd-lite/1"


# ----------------------------------------------------------------------------------------
# Flattening: obj -> (JSON-able tree description, {flat key: ndarray})


def _flatten(obj: Any, key: str, arrays: dict[str, np.ndarray]) -> Any:
    """Describe ``obj`` as JSON; put every array into ``arrays`` under its flat ``key``."""
    if isinstance(obj, autograd_lite.Tensor):
        return {"tensor": _add_array(obj.data, key, arrays)}
    if isinstance(obj, np.ndarray):
        return {"ndarray": _add_array(obj, key, arrays)}
    if isinstance(obj, np.generic):  # np.float32(0.1) and friends: keep the NumPy type
        return {"scalar": _add_array(np.asarray(obj), key, arrays)}
    # bool before int: bool is an int subclass, and JSON keeps them apart anyway
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return {"value": obj}
    if isinstance(obj, Mapping):
        items = []
        for k, v in obj.items():
            if isinstance(k, bool) or not isinstance(k, (str, int)):
                raise TypeError(
                    f"save: key {k!r} at {key or '<top>'!r} is a {type(k).__name__}; "
                    f"only str and int keys can be saved"
                )
            items.append([k, _flatten(v, _join(key, str(k)), arrays)])
        kind = "odict" if isinstance(obj, OrderedDict) else "dict"
        return {kind: items}
    if isinstance(obj, (list, tuple)):
        kind = "tuple" if isinstance(obj, tuple) else "list"
        return {kind: [_flatten(v, _join(key, str(i)), arrays) for i, v in enumerate(obj)]}
    raise TypeError(
        f"save: cannot save {key or '<top>'!r} of type {type(obj).__name__}; "
        f"saveable are Tensors, ndarrays, numbers, str, None and dicts/lists/tuples of them"
    )


def _join(prefix: str, name: str) -> str:
    return f"{prefix}/{name}" if prefix else name


def _add_array(arr: np.ndarray, key: str, arrays: dict[str, np.ndarray]) -> str:
    if arr.dtype.hasobject:
        raise TypeError(
            f"save: {key!r} is an array of Python objects (dtype {arr.dtype}); only numeric, "
            f"bool and string arrays can be saved without pickle"
        )
    if key == STRUCTURE_KEY:
        raise ValueError(f"save: the key {STRUCTURE_KEY!r} is reserved for the file's structure")
    if key in arrays:
        # e.g. {"a/b": x, "a": {"b": y}} would both be stored as "a/b"
        raise ValueError(f"save: two entries would both be stored under the key {key!r}")
    arrays[key] = arr
    return key


def _unflatten(node: Any, arrays: Mapping[str, np.ndarray], where: str) -> Any:
    """Rebuild the saved object from its JSON description and the loaded arrays."""
    if not isinstance(node, dict) or len(node) != 1:
        raise ValueError(f"{where}: malformed {STRUCTURE_KEY} entry {node!r}")
    ((kind, body),) = node.items()
    if kind in ("tensor", "ndarray", "scalar"):
        if body not in arrays:
            raise ValueError(f"{where}: {STRUCTURE_KEY} names the array {body!r}, which is missing")
        arr = arrays[body]
        if kind == "tensor":
            return autograd_lite.Tensor(arr)  # arr was just read: share it, no copy
        return arr if kind == "ndarray" else arr[()]
    if kind == "value":
        return body
    if kind in ("dict", "odict"):
        pairs = [(k, _unflatten(v, arrays, where)) for k, v in body]
        return OrderedDict(pairs) if kind == "odict" else dict(pairs)
    if kind in ("list", "tuple"):
        items = [_unflatten(v, arrays, where) for v in body]
        return tuple(items) if kind == "tuple" else items
    raise ValueError(f"{where}: unknown entry kind {kind!r} in {STRUCTURE_KEY}")


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
    optimizer's state_dict). Keys are ``str`` or ``int``. The file is written exactly at
    ``path`` (no extension is appended).

    Raises ``TypeError`` for anything else (an object array, an arbitrary class); nothing is
    written in that case. The write is atomic: temporary file, then ``os.replace``.
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


def write_atomically(path: PathLike, write: Callable[[BinaryIO], Any], where: str) -> None:
    """Create or replace the file ``path`` with what ``write(f)`` writes to the binary file
    ``f``, all or nothing: a temporary file next to ``path`` is written, flushed to disk and
    renamed over ``path`` (``os.replace``) only when complete. On any error it is removed and
    an existing ``path`` stays as it was. ``where`` names the caller in the error for a
    missing directory (``FileNotFoundError``)."""
    path = Path(path)
    if not path.parent.is_dir():
        raise FileNotFoundError(f"{where}: directory {str(path.parent)!r} does not exist")
    # The temporary file lives next to the destination: os.replace is atomic only within
    # one file system. Its name starts with "." so a directory listing does not show it.
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())  # the bytes are on disk before the name points at them
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; give the usual permissions of a new file
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> np.ndarray:
    """Read one ``.npy`` member, refusing object (pickled) arrays before reading their data."""
    key = info.filename[: -len(".npy")]
    with zf.open(info) as member:
        version = np.lib.format.read_magic(member)
        # Look at the header first: an object array's payload is a pickle and is never read.
        if version == (1, 0):
            _, _, dtype = np.lib.format.read_array_header_1_0(member)
        elif version == (2, 0):
            _, _, dtype = np.lib.format.read_array_header_2_0(member)
        else:  # other versions: read_array below still refuses objects (allow_pickle=False)
            dtype = None
    if dtype is not None and dtype.hasobject:
        raise ValueError(
            f"load: {name} holds pickled Python objects (array {key!r} has dtype {dtype}); "
            f"refusing to load them, because unpickling can run arbitrary code"
        )
    with zf.open(info) as member:
        return np.lib.format.read_array(member, allow_pickle=False)


def load(path: PathLike) -> dict[Any, Any]:
    """Load what :func:`save` wrote: a dict whose Tensors come back as ``autograd_lite`` Tensors.

    Containers, ndarrays, NumPy scalars and plain values come back as they were saved. A
    ``.npz`` written by other tools (no ``__structure__`` member) gives ``{name: Tensor}``.

    A ``.safetensors`` file gives ``{name: Tensor}`` in the order it was saved.

    Raises ``FileNotFoundError`` for a missing file and ``ValueError`` naming the path for
    anything that is not a valid ``.npz`` or ``.safetensors`` file (a pickle, a truncated or
    corrupted file) and for archives holding pickled objects, which are never unpickled.
    """
    path = Path(path)
    check_suffix(path, "load")
    name = repr(str(path))
    if _is_safetensors(path):
        return _load_safetensors(path, name)
    arrays: dict[str, np.ndarray] = {}
    with open(path, "rb") as f:  # FileNotFoundError / IsADirectoryError pass through
        try:
            with zipfile.ZipFile(f) as zf:
                for info in zf.infolist():
                    if not info.filename.endswith(".npy"):
                        raise ValueError(
                            f"load: {name} is not an .npz file: member {info.filename!r} "
                            f"is not a .npy array"
                        )
                    arrays[info.filename[: -len(".npy")]] = _read_member(zf, info, name)
        except zipfile.BadZipFile as e:
            raise ValueError(f"load: {name} is not a valid .npz file (zip archive): {e}") from None
        except ValueError as e:
            if str(e).startswith("load: "):
                raise
            raise ValueError(f"load: {name} is corrupted: {e}") from None
        except (EOFError, OSError, zlib.error, NotImplementedError, RuntimeError) as e:
            # zlib: corrupted deflate data; NotImplementedError/RuntimeError: zipfile on
            # garbled flag bits or version fields ("compressed patched data", "encrypted")
            raise ValueError(f"load: {name} is truncated or corrupted: {e}") from None

    if STRUCTURE_KEY not in arrays:
        return {key: autograd_lite.Tensor(arr) for key, arr in arrays.items()}
    try:
        meta = json.loads(str(arrays.pop(STRUCTURE_KEY)[()]))
        root = meta["root"]
    except (ValueError, TypeError, KeyError) as e:
        raise ValueError(f"load: {name} has a corrupted {STRUCTURE_KEY} entry: {e}") from None
    return _unflatten(root, arrays, f"load: {name}")


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
        arrays[key] = np.asarray(data, order="C")  # (ascontiguousarray makes 0-d 1-d)
    checks = {key: zlib.crc32(arr.tobytes()) for key, arr in arrays.items()}
    meta = json.dumps({"format": _FORMAT, "keys": list(arrays), "crc32": checks})
    return _safetensors_numpy("save").save(arrays, metadata={_SAFETENSORS_META: meta})


def _load_safetensors(path: Path, name: str) -> dict[str, autograd_lite.Tensor]:
    st = _safetensors_numpy("load")
    safetensors = import_extra("safetensors", "export", "load of a .safetensors file")
    raw = path.read_bytes()  # FileNotFoundError / IsADirectoryError pass through
    try:
        arrays = st.load(raw)
        meta = _safetensors_metadata(raw)
    except safetensors.SafetensorError as e:
        raise ValueError(f"load: {name} is not a valid .safetensors file: {e}") from None
    except KeyError as e:  # a dtype NumPy has no name for (bfloat16, float8 ...)
        raise ValueError(
            f"load: {name} holds tensors of dtype {e}, which NumPy cannot represent; convert "
            f"them to float32 in PyTorch before saving"
        ) from None
    ours = meta.get(_SAFETENSORS_META)
    if ours is None:  # written by another tool: no key order, no checksums
        return {key: autograd_lite.Tensor(arr) for key, arr in arrays.items()}
    try:
        info = json.loads(ours)
        keys, checks = list(info["keys"]), dict(info["crc32"])
    except (ValueError, TypeError, KeyError) as e:
        raise ValueError(f"load: {name} has a corrupted {_SAFETENSORS_META!r} entry: {e}") from None
    if sorted(keys) != sorted(arrays):
        raise ValueError(f"load: {name} is corrupted: its key list does not match its tensors")
    for key in keys:
        if zlib.crc32(np.asarray(arrays[key], order="C").tobytes()) != checks.get(key):
            raise ValueError(f"load: {name} is corrupted: the bytes of {key!r} fail their CRC-32")
    return {key: autograd_lite.Tensor(arrays[key]) for key in keys}


def _safetensors_metadata(raw: bytes) -> dict[str, str]:
    """The header's ``__metadata__`` (the numpy API of safetensors returns arrays only). The
    header was already validated by safetensors' own parser."""
    size = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8 : 8 + size])
    return header.get("__metadata__") or {}
