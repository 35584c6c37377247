"""``al.save`` / ``al.load``: a tensor or a state dict (``{name: Tensor}``) to a file and back,
as ``torch.save`` / ``torch.load`` are used in the tutorials -- but never with pickle.

The format follows the file's extension:

- ``.npz`` (and any other name but the ones below): a zip archive of ``.npy`` arrays
  (NumPy's own format: a small header, then the raw numbers), plus a ``__structure__``
  member saying what was saved. ``nn.load`` reads these files too, and ``al.load`` reads
  the flat ones ``nn.save`` writes.
- ``.safetensors``: the format Hugging Face and ``safetensors.torch.load_file`` read
  (the ``safetensors`` package, the ``export`` extra).

``.pt`` / ``.pth`` (and the other pickle names) are refused with the supported formats named:
a file whose name says "PyTorch pickle" must not hold something else, and a pickle is never
written or read here (unpickling a file runs code its author chose).

Nested containers (an optimizer's state, a checkpoint dict holding a state dict and an epoch)
are ``nn.save`` / ``nn.load``'s job; ``al.load`` refuses them by name. Writes are atomic (a
temporary file, renamed over the destination when complete).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import zipfile
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from autograd_lite.tensor import Tensor

__all__ = ["load", "save"]

PathLike = str | os.PathLike

SUPPORTED = (".npz", ".safetensors")
# Extensions that promise a pickle (torch.save's format, joblib's, Python's)
PICKLE_SUFFIXES = (".pt", ".pth", ".pkl", ".pickle", ".ckpt", ".bin", ".tar")
STRUCTURE_KEY = "__structure__"  # the member nn.serialization writes too
_FORMAT = "autograd-lite/1"
_SAFETENSORS_ROOT = "autograd_lite.root"  # header metadata: "tensor" or "dict"
_SAFETENSORS_KEYS = "autograd_lite.keys"  # the keys in the order they were saved (JSON)


def check_suffix(path: PathLike, where: str) -> str:
    """The file's format by its extension: ".safetensors", else ".npz" (any other name, as
    ``nn.save`` always did); a ``ValueError`` naming the supported formats for the names of
    pickles (``.pt``, ``.pth``, ...), so a file never holds a format its name denies."""
    suffix = Path(path).suffix.lower()
    if suffix in PICKLE_SUFFIXES:
        raise ValueError(
            f"{where}: {suffix} is the name of a pickle (torch.save's format), which "
            "autograd-lite never writes or reads (unpickling a file runs code); name the file "
            "*.npz (NumPy, the default) or *.safetensors (read by safetensors.torch.load_file), "
            f"e.g. {Path(path).stem or 'model'}.npz"
        )
    return ".safetensors" if suffix == ".safetensors" else ".npz"


def save(obj: Tensor | Mapping[str, Any], f: PathLike) -> None:
    """Save a tensor, or a flat dict of tensors (``model.state_dict()``), to ``f``.

    ``f`` ends in ``.npz`` or ``.safetensors`` (see the module docstring); values may be
    Tensors or NumPy arrays of numbers. Raises ``TypeError`` for anything else (a nested
    dict: use ``nn.save``) before touching the disk; the write is atomic.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "w.npz")
    >>> al.save({"w": al.ones(2, 2)}, path)
    >>> al.load(path)["w"]
    tensor([[1., 1.],
            [1., 1.]])
    """
    suffix = check_suffix(f, "save")
    if isinstance(obj, Tensor):
        arrays, root = {"tensor": obj.data}, {"tensor": "tensor"}
    elif isinstance(obj, Mapping):
        arrays, entries = {}, []
        for key, value in obj.items():
            if not isinstance(key, str) or not key or key == STRUCTURE_KEY or "/" in key:
                raise TypeError(f"save: key {key!r} must be a non-empty str without '/'")
            if not isinstance(value, (Tensor, np.ndarray)):
                raise TypeError(
                    f"save: {key!r} is a {type(value).__name__}; al.save takes a tensor or a "
                    "flat dict of tensors (a state_dict). Save nested state (an optimizer's, a "
                    "checkpoint dict) with nn.save"
                )
            arrays[key] = value.data if isinstance(value, Tensor) else value
            entries.append([key, {"tensor" if isinstance(value, Tensor) else "ndarray": key}])
        root = {"odict" if isinstance(obj, OrderedDict) else "dict": entries}
    else:
        raise TypeError(
            f"save: expected a Tensor or a dict of tensors (a state_dict), got {type(obj).__name__}"
        )
    for key, arr in arrays.items():
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"save: {key!r} has dtype {arr.dtype}; only numbers can be saved")
    if suffix == ".safetensors":
        st = _safetensors()
        meta = {
            _SAFETENSORS_ROOT: "tensor" if isinstance(obj, Tensor) else "dict",
            _SAFETENSORS_KEYS: json.dumps(list(arrays)),  # safetensors sorts its keys
        }
        contiguous = {k: np.ascontiguousarray(a).reshape(a.shape) for k, a in arrays.items()}
        data = st.save(contiguous, metadata=meta)
        _write_atomically(f, lambda out: out.write(data))
        return
    members = dict(arrays)
    members[STRUCTURE_KEY] = np.array(json.dumps({"format": _FORMAT, "root": root}))
    _write_atomically(f, lambda out: _write_npz(out, members))


def load(f: PathLike) -> Tensor | dict[str, Tensor]:
    """Load what :func:`save` wrote: the tensor, or the dict of tensors (in its order).

    Reads ``.npz`` (also flat ones written by ``nn.save`` or ``np.savez``) and
    ``.safetensors``. Raises ``ValueError`` naming the file for anything else: a pickle, a
    damaged file, an array of Python objects (never unpickled), nested containers.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "x.npz")
    >>> al.save(al.arange(3), path)
    >>> al.load(path)
    tensor([0, 1, 2])
    """
    suffix = check_suffix(f, "load")
    name = repr(str(f))
    if suffix == ".safetensors":
        return _load_safetensors(f, name)
    arrays = _read_npz(f, name)
    meta = arrays.pop(STRUCTURE_KEY, None)
    if meta is None:
        return {k: Tensor(a) for k, a in arrays.items()}
    try:
        root = json.loads(str(meta[()]))["root"]
        ((kind, body),) = root.items()
    except (ValueError, TypeError, KeyError, AttributeError) as e:
        raise ValueError(f"load: {name} has a corrupted {STRUCTURE_KEY} entry: {e}") from None
    if kind == "tensor" and body in arrays:
        return Tensor(arrays[body])
    if kind in ("dict", "odict") and isinstance(body, list):
        out = OrderedDict() if kind == "odict" else {}
        for item in body:
            leaf = item[1] if isinstance(item, list) and len(item) == 2 else None
            if not isinstance(leaf, dict) or len(leaf) != 1:
                break
            ((leaf_kind, key),) = leaf.items()
            if leaf_kind not in ("tensor", "ndarray") or key not in arrays:
                break
            out[item[0]] = Tensor(arrays[key])
        else:
            return out
    raise ValueError(
        f"load: {name} holds nested containers (an optimizer's state, a checkpoint dict), "
        "not a tensor or a flat state_dict; load it with nn.load"
    )


# -- the files ------------------------------------------------------------------------------


def _safetensors() -> Any:
    try:
        import safetensors.numpy
    except ImportError:
        raise ImportError(
            "a .safetensors file needs the safetensors package: pip install safetensors "
            "(or the extra: pip install 'autograd-lite[export]'), or name the file *.npz"
        ) from None
    return safetensors.numpy


def _write_atomically(path: PathLike, write: Any) -> None:
    """Write through a temporary file next to ``path``, renamed over it when complete."""
    path = Path(path)
    if not path.parent.is_dir():
        raise FileNotFoundError(f"save: directory {str(path.parent)!r} does not exist")
    # O_EXCL with mode 0o666: a new file of our own, the umask applied by the kernel as for
    # open(); a name starting with "." that no listing shows
    for _ in range(100):
        tmp = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            break
        except FileExistsError:
            continue
    else:  # pragma: no cover - 100 random names taken
        raise FileExistsError(f"save: cannot create a temporary file in {str(path.parent)!r}")
    try:
        with os.fdopen(fd, "wb") as out:
            write(out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _write_npz(out: Any, arrays: Mapping[str, np.ndarray]) -> None:
    with zipfile.ZipFile(out, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        for key, arr in arrays.items():
            with zf.open(key + ".npy", mode="w", force_zip64=True) as member:
                np.lib.format.write_array(member, np.asanyarray(arr), allow_pickle=False)


def _read_npz(f: PathLike, name: str) -> dict[str, np.ndarray]:
    """The arrays of an .npz file, checked before their data is read: no object (pickled)
    arrays, and no member declaring more bytes than it holds."""
    arrays: dict[str, np.ndarray] = {}
    try:
        with zipfile.ZipFile(f) as zf:
            for info in zf.infolist():
                if not info.filename.endswith(".npy"):
                    raise ValueError(f"member {info.filename!r} is not a .npy array")
                with zf.open(info) as member:
                    version = np.lib.format.read_magic(member)
                    read_header = {
                        (1, 0): np.lib.format.read_array_header_1_0,
                        (2, 0): np.lib.format.read_array_header_2_0,
                    }.get(version)
                    if read_header is None:
                        raise ValueError(f"unknown .npy version {version}")
                    shape, _, dtype = read_header(member)
                    if dtype.hasobject:
                        raise ValueError(
                            f"array {info.filename!r} holds pickled Python objects (dtype "
                            f"{dtype}); refusing to load them, unpickling can run code"
                        )
                    if int(np.prod(shape, dtype=np.float64)) * dtype.itemsize > info.file_size:
                        raise ValueError(f"array {info.filename!r} declares more than it holds")
                with zf.open(info) as member:
                    arrays[info.filename[: -len(".npy")]] = np.lib.format.read_array(
                        member, allow_pickle=False
                    )
    except FileNotFoundError:
        raise
    except (zipfile.BadZipFile, ValueError, EOFError, OSError, NotImplementedError) as e:
        raise ValueError(f"load: {name} is not a valid .npz file: {e}") from None
    return arrays


def _load_safetensors(f: PathLike, name: str) -> Tensor | dict[str, Tensor]:
    st = _safetensors()
    raw = Path(f).read_bytes()
    try:
        arrays = st.load(raw)
        size = int.from_bytes(raw[:8], "little")
        meta = json.loads(raw[8 : 8 + size]).get("__metadata__") or {}
    except Exception as e:  # safetensors raises its own SafetensorError, a plain Exception
        raise ValueError(f"load: {name} is not a valid .safetensors file: {e}") from None
    if meta.get(_SAFETENSORS_ROOT) == "tensor" and list(arrays) == ["tensor"]:
        return Tensor(arrays["tensor"])
    try:
        keys = json.loads(meta.get(_SAFETENSORS_KEYS, "[]"))
    except ValueError:
        keys = []
    if sorted(keys) != sorted(arrays):
        keys = list(arrays)  # written by another tool: safetensors' order
    return {k: Tensor(arrays[k]) for k in keys}
