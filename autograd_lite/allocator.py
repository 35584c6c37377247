"""Keep freed memory for the next step: one allocator setting, made once at import.

A training step allocates the same large arrays every time (activations, gradients,
im2col buffers) and frees them again. With glibc's default settings the heap gives
freed memory back to the operating system almost at once, so the next step's arrays
arrive as fresh pages, and every fresh page costs a page fault (the kernel zeroes
it). Measured here: about 2,300 page faults per conv_step of the benchmarks, which
took 6.2 ms a step; keeping 64 MiB of padding at the top of the heap (glibc's
``M_TOP_PAD``) left 15 faults a step and 3.8 ms, with the same peak memory.

So ``import autograd_lite`` asks glibc for that padding, like setting the environment
variable ``MALLOC_TOP_PAD_=67108864``. Nothing happens on other C libraries or
systems, or when the user has set ``MALLOC_TOP_PAD_`` (their choice wins), or when
``AUTOGRAD_LITE_MALLOC_TOP_PAD=0``. The padding is address space, not memory in use:
it costs memory only once touched, and what it keeps is what the last step used.
"""

from __future__ import annotations

import os
import sys

TOP_PAD_BYTES = 64 * 2**20
_M_TOP_PAD = -2  # mallopt's parameter number for the top pad (glibc's malloc.h)


def keep_freed_memory(pad_bytes: int = TOP_PAD_BYTES) -> bool:
    """Ask glibc to keep ``pad_bytes`` of freed heap for reuse; True if it agreed."""
    if not sys.platform.startswith("linux") or "MALLOC_TOP_PAD_" in os.environ:
        return False
    setting = os.environ.get("AUTOGRAD_LITE_MALLOC_TOP_PAD")
    if setting is not None:
        try:
            pad_bytes = int(setting)
        except ValueError:
            raise ValueError(
                f"AUTOGRAD_LITE_MALLOC_TOP_PAD must be a number of bytes (0 to leave the "
                f"allocator alone), got {setting!r}"
            ) from None
    if pad_bytes <= 0:
        return False
    try:
        import ctypes  # (some embedded Pythons have no ctypes: then nothing to do)

        mallopt = ctypes.CDLL(None).mallopt  # the C library this process already uses
    except (ImportError, OSError, AttributeError):
        return False  # not glibc (musl has it as a no-op; others may not have it)
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return mallopt(_M_TOP_PAD, min(pad_bytes, 2**31 - 1)) == 1
