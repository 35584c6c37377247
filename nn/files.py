"""Reading and writing files the way every loader and writer of ``nn`` (and ``visualize``) must.

Reading: ``open_regular(path, where)`` opens regular files only and returns the file with its
size. A name can point anywhere: a symlink to ``/dev/zero`` or ``/dev/urandom`` never ends, a
FIFO blocks until someone writes, a directory has no bytes. All of those are refused with a
``ValueError`` naming the path, before anything is read. The size is what every parser then
checks each declared length against, so that no file can make a loader allocate more than the
file could hold.

Writing: ``write_atomically(path, write, where)`` creates or replaces ``path`` all or nothing,
through a temporary file in the same directory renamed over it when complete. A new file gets
the permissions ``open(path, "w")`` would give it (0o666 less the umask: 0o644 under the usual
umask 022, 0o600 under 077); a replaced file keeps its permission bits, as ``open()`` keeps
them. Only a regular file is replaced: a device, FIFO or directory at ``path`` is refused
(``os.replace`` would put a file in place of ``/dev/null``, where ``open()`` writes into it).
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

__all__ = ["describe_kind", "open_regular", "write_atomically"]

PathLike = str | os.PathLike

_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # opening a FIFO must not wait for a writer
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)


def describe_kind(mode: int) -> str:
    """What a non-regular file is, in words: "a directory", "a character device", ..."""
    kinds = [
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISSOCK, "a socket"),
    ]
    return next((text for test, text in kinds if test(mode)), "not a regular file")


def open_regular(path: PathLike, where: str) -> tuple[BinaryIO, int]:
    """Open ``path`` for reading in binary mode if it is a regular file (after symlinks);
    returns ``(file, size in bytes)``. ``FileNotFoundError`` and ``PermissionError`` pass
    through; anything but a regular file is a ``ValueError`` naming the path and ``where``."""
    fd = os.open(path, _READ_FLAGS | _NONBLOCK)
    try:
        info = os.fstat(fd)  # of what was opened: no race between a check and the open
        if not stat.S_ISREG(info.st_mode):
            raise ValueError(
                f"{where}: {str(path)!r} is {describe_kind(info.st_mode)}, not a regular file; "
                f"only regular files are read"
            )
        if _NONBLOCK:
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb"), info.st_size
    except BaseException:
        os.close(fd)
        raise


def write_atomically(path: PathLike, write: Callable[[BinaryIO], Any], where: str) -> None:
    """Create or replace the file ``path`` with what ``write(f)`` writes to the binary file
    ``f``, all or nothing: a temporary file next to ``path`` is written, flushed to disk and
    renamed over ``path`` (``os.replace``) only when complete. On any error it is removed and
    an existing ``path`` stays as it was. ``where`` names the caller in the errors for a
    missing directory (``FileNotFoundError``) and for a ``path`` that exists but is not a
    regular file (``ValueError``)."""
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise FileNotFoundError(f"{where}: directory {str(directory)!r} does not exist")
    try:
        existing: os.stat_result | None = os.stat(path)
    except FileNotFoundError:
        existing = None
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        raise ValueError(
            f"{where}: {str(path)!r} is {describe_kind(existing.st_mode)}, not a regular file; "
            f"refusing to replace it"
        )
    fd, tmp = _create_temporary(directory, path.name)
    try:
        if existing is not None:  # as open(path, "w") does: the file keeps its permissions
            with contextlib.suppress(OSError):
                os.chmod(tmp, stat.S_IMODE(existing.st_mode) & 0o777)
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())  # the bytes are on disk before the name points at them
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _create_temporary(directory: Path, name: str) -> tuple[int, str]:
    """A new file in ``directory`` (os.replace is atomic only within one file system), named
    after ``name`` with a leading "." so a listing does not show it, and created with mode
    0o666 so that the kernel applies the umask exactly as for ``open()`` (``mkstemp`` would
    give 0o600, and reading the umask means changing it, which is not thread-safe)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    flags |= getattr(os, "O_CLOEXEC", 0)
    for _ in range(100):
        # (a short stem: the destination's name may be near the 255-byte limit already)
        tmp = os.path.join(directory, f".{name[:64]}.{os.urandom(6).hex()}.tmp")
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"could not create a temporary file in {str(directory)!r}")
