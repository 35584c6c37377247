"""The allocator setting made at import (autograd_lite/allocator.py)."""

from __future__ import annotations

import platform
import sys

import pytest

from autograd_lite.allocator import keep_freed_memory

on_glibc = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"


@pytest.mark.skipif(not on_glibc, reason="the setting exists only in glibc")
def test_glibc_accepts_the_top_pad(monkeypatch):
    monkeypatch.delenv("MALLOC_TOP_PAD_", raising=False)
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
    monkeypatch.setenv("AUTOGRAD_LITE_MALLOC_TOP_PAD", "lots")
    if not sys.platform.startswith("linux"):
        assert keep_freed_memory() is False
        return
    with pytest.raises(ValueError, match=r"AUTOGRAD_LITE_MALLOC_TOP_PAD.*'lots'"):
        keep_freed_memory()
