"""The allocator setting made at import (autograd_lite/allocator.py)."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

from autograd_lite.allocator import keep_freed_memory

ROOT = Path(__file__).resolve().parents[2]
on_glibc = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"


@pytest.mark.skipif(not on_glibc, reason="the setting exists only in glibc")
def test_glibc_accepts_the_top_pad_and_the_mmap_threshold(monkeypatch):
    monkeypatch.delenv("MALLOC_TOP_PAD_", raising=False)
    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_", raising=False)
    monkeypatch.delenv("AUTOGRAD_LITE_MALLOC_TOP_PAD", raising=False)
    assert keep_freed_memory() is True


def test_zero_leaves_the_allocator_alone(monkeypatch):
    monkeypatch.setenv("AUTOGRAD_LITE_MALLOC_TOP_PAD", "0")
    assert keep_freed_memory() is False


def test_the_users_own_malloc_setting_wins(monkeypatch):
    monkeypatch.setenv("MALLOC_TOP_PAD_", "131072")
    monkeypatch.delenv("AUTOGRAD_LITE_MALLOC_TOP_PAD", raising=False)
    assert keep_freed_memory() is False


def test_a_bad_setting_is_named(monkeypatch):
    monkeypatch.delenv("MALLOC_TOP_PAD_", raising=False)
    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_", raising=False)
    monkeypatch.setenv("AUTOGRAD_LITE_MALLOC_TOP_PAD", "lots")
    if not sys.platform.startswith("linux"):
        assert keep_freed_memory() is False
        return
    with pytest.raises(ValueError, match=r"AUTOGRAD_LITE_MALLOC_TOP_PAD.*'lots'"):
        keep_freed_memory()


def test_the_users_mmap_threshold_wins(monkeypatch):
    monkeypatch.delenv("MALLOC_TOP_PAD_", raising=False)
    monkeypatch.delenv("AUTOGRAD_LITE_MALLOC_TOP_PAD", raising=False)
    monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", "131072")
    assert keep_freed_memory() is False


# Page faults of a fresh process after `import autograd_lite` (counted, not timed: a page
# fault is the kernel handing over a fresh zeroed page, the cost the settings are about).
_FAULTS = """
import resource
import numpy as np
import autograd_lite  # noqa: F401

def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt

def temporaries(n, reps):  # one array made and dropped, as every op on a vector does
    a = np.ones(n)
    b = a * 1.0001
    del b
    f0 = faults()
    for _ in range(reps):
        b = a * 1.0001
        del b
    return (faults() - f0) / reps

def steps(reps):  # a training step: the same arrays allocated, then all freed
    def step():
        arrays = [np.ones(131_072) for _ in range(24)]  # 24 arrays of 1 MiB
        del arrays
    step()
    f0 = faults()
    for _ in range(reps):
        step()
    return (faults() - f0) / reps

print(temporaries(100_000, 50), temporaries(1_000_000, 20), steps(10))
"""


def _faults(**env: str) -> tuple[float, float, float]:
    """(faults per 800 KB temporary, per 8 MB temporary, per step of 24 MiB of arrays)."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    environ.pop("AUTOGRAD_LITE_MALLOC_TOP_PAD", None)
    environ["PYTHONPATH"] = str(ROOT) + os.pathsep + environ.get("PYTHONPATH", "")
    out = subprocess.run(
        [sys.executable, "-c", _FAULTS],
        env={**environ, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return tuple(float(v) for v in out.stdout.split())


@pytest.mark.skipif(not on_glibc, reason="the setting exists only in glibc")
def test_no_size_faults_more_than_under_glibcs_defaults():
    """Mid-size temporaries come from the heap (a pad alone left every array over 128 KiB
    to a fresh mmap: 196 faults per 800 KB array), and a training step's freed arrays are
    kept for the next step (glibc's defaults give them back: thousands of faults a step)."""
    ours = _faults()
    defaults = _faults(AUTOGRAD_LITE_MALLOC_TOP_PAD="0")
    assert ours[0] < 1 and ours[1] < 5  # not one array's pages (196 and 1,954) each time
    assert all(o <= d + 1 for o, d in zip(ours, defaults)), (ours, defaults)
    assert defaults[2] > 1000  # the case the pad is for: glibc returns the step's memory
    assert ours[2] < defaults[2] / 10
