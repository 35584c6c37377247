"""Keep freed memory for the next step: two allocator settings, made once at import.

A training step allocates the same large arrays every time (activations, gradients,
im2col buffers) and frees them again. With glibc's default settings the heap gives
freed memory back to the operating system almost at once, so the next step's arrays
arrive as fresh pages, and every fresh page costs a page fault (the kernel zeroes
it). Measured here: about 2,300 page faults per conv_step of the benchmarks, which
took 6.2 ms a step; keeping 64 MiB of padding at the top of the heap (glibc's
``M_TOP_PAD``) left 15 faults a step and 3.8 ms, with the same peak memory.

But setting any of glibc's thresholds (``M_TOP_PAD`` too) also turns off its *dynamic*
mmap threshold, which otherwise rises to the size of the largest array freed so far (up
to 32 MiB). With the pad alone, the threshold stayed at 128 KiB: each array above it was
``mmap``'d afresh and unmapped when freed, 196 page faults for every 800 KB temporary, an
op on 100,000 float64s 26 times slower (issue 24). So the threshold is set too, to the
32 MiB the dynamic one would reach: arrays up to 32 MiB come from the heap, whose top keeps
64 MiB of freed memory for the next step. (ARCHITECTURE.md has the table, size by size.)

So ``import autograd_lite`` makes both settings, like setting the environment variables
``MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TOP_PAD_=67108864``. Nothing happens on other C
libraries or systems, or when the user has set either variable (their choice wins), or when
``AUTOGRAD_LITE_MALLOC_TOP_PAD=0``. The padding is address space, not memory in use: it
costs memory only once touched, and what it keeps is what the last step used.
"""

from __future__ import annotations

import os
import sys

TOP_PAD_BYTES = 64 * 2**20
# The largest mmap threshold glibc accepts on 64-bit systems (DEFAULT_MMAP_THRESHOLD_MAX),
# the ceiling of its dynamic threshold.
MMAP_THRESHOLD_BYTES = 32 * 2**20
_M_TOP_PAD = -2  # mallopt's parameter numbers (glibc's malloc.h)
_M_MMAP_THRESHOLD = -3
_USER_SETTINGS = ("MALLOC_TOP_PAD_", "MALLOC_MMAP_THRESHOLD_")


def keep_freed_memory(pad_bytes: int = TOP_PAD_BYTES) -> bool:
    """Ask glibc to keep ``pad_bytes`` of freed heap for reuse, serving arrays up to
    ``MMAP_THRESHOLD_BYTES`` from that heap; True if it agreed to both."""
    if not sys.platform.startswith("linux") or any(v in os.environ for v in _USER_SETTINGS):
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
    # The threshold first: a pad without it would leave every array above 128 KiB to mmap
    # (see above), so if glibc refuses the threshold (a 32-bit system), no pad either.
    if mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES) != 1:
        return False
    return mallopt(_M_TOP_PAD, min(pad_bytes, 2**31 - 1)) == 1
