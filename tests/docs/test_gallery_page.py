"""The gallery page (docs/gallery/index.md, written by make_gallery.py) shows every picture
of docs/gallery and, for every graph of visualize.gallery, the code that makes it."""

from __future__ import annotations

import re
from pathlib import Path

from visualize.gallery import GALLERY

GALLERY_DIR = Path(__file__).resolve().parents[2] / "docs" / "gallery"
PAGE = (GALLERY_DIR / "index.md").read_text(encoding="utf-8")


def test_every_picture_is_on_the_page():
    shown = set(re.findall(r"\]\(([\w.]+\.svg)\)", PAGE))
    files = {p.name for p in GALLERY_DIR.glob("*.svg")}
    assert files, "docs/gallery has no pictures"
    assert files <= shown, f"not on the gallery page: {sorted(files - shown)}"
    assert shown <= files, f"the gallery page shows missing files: {sorted(shown - files)}"


def test_every_graph_has_its_code():
    for entry in GALLERY:
        section = PAGE.split(f"## {entry.caption}\n", 1)
        assert len(section) == 2, f"no section for {entry.name}"
        body = section[1].split("\n## ", 1)[0]
        assert f":pyobject: {entry.build.__name__}\n" in body, entry.name
        assert f"f = {entry.build.__name__}()" in body, entry.name
        for key in entry.options:
            assert f"{key}=" in body, (entry.name, key)
