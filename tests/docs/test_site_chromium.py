"""The built site in headless Chromium: a page's pictures and step-through players render.

Needs the site built (``python -m sphinx -W --keep-going -b html docs docs/_build/html``)
and Chromium; skips cleanly without either. ``.ci/run`` builds the site and then runs this
module with ``AUTOGRAD_LITE_SITE`` pointing at the build; without the variable it looks in
docs/_build/html.

The check: the page is copied with a small script appended that runs after load, measures
every picture (an ``<img>`` has loaded with a size; an inline ``<svg>`` has a box and
drawn shapes), presses "next" on every step-through player and records its counter before
and after, and writes it all as JSON on ``<body data-probe>``; ``--dump-dom`` returns it.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SITE = Path(os.environ.get("AUTOGRAD_LITE_SITE", ROOT / "docs" / "_build" / "html"))
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

needs_site = pytest.mark.skipif(
    not (SITE / "index.html").is_file(), reason=f"site not built at {SITE}"
)
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed")

PROBE = """<script>
window.addEventListener("load", function () {
  var main = document.querySelector("article") || document.body;
  var out = { images: [], svgs: [], players: [] };
  main.querySelectorAll("img").forEach(function (img) {
    out.images.push({ src: img.getAttribute("src"), w: img.naturalWidth, h: img.naturalHeight });
  });
  main.querySelectorAll("svg").forEach(function (svg) {
    if (svg.closest(".autograd-steps") || svg.parentElement.closest("svg")) { return; }
    var box = svg.getBoundingClientRect();
    out.svgs.push({ w: box.width, h: box.height,
                    shapes: svg.querySelectorAll("path, polygon, ellipse, text").length });
  });
  main.querySelectorAll(".autograd-steps").forEach(function (player) {
    var counter = player.querySelector(".counter");
    var before = counter.textContent;
    var frame = player.querySelector(".frame:not([hidden]) svg");
    var box = frame ? frame.getBoundingClientRect() : { width: 0, height: 0 };
    player.querySelector("button.next").click();
    out.players.push({ before: before, after: counter.textContent,
                       frames: player.querySelectorAll(".frame").length,
                       w: box.width, h: box.height });
  });
  document.body.setAttribute("data-probe", JSON.stringify(out));
});
</script></body>"""


def probe(page: str, tmp_path: Path) -> dict:
    """Open ``page`` (a path inside the built site) with the probe and return its findings."""
    site = tmp_path / "site"
    shutil.copytree(SITE, site, ignore=shutil.ignore_patterns(".doctrees", "_sources"))
    target = site / page
    assert target.is_file(), f"{page} is not in the built site"
    text = target.read_text(encoding="utf-8")
    assert "</body>" in text
    target.write_text(text.replace("</body>", PROBE, 1), encoding="utf-8")
    done = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1400,900",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--virtual-time-budget=5000",
            "--dump-dom",
            target.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    found = re.search(r'data-probe="([^"]*)"', done.stdout.decode())
    assert found, "the probe did not run: the page did not finish loading"
    return json.loads(html.unescape(found[1]))


def pages_with_players() -> list[str]:
    """Tutorial pages of the built site that hold a step-through player."""
    folder = SITE / "tutorials"
    if not folder.is_dir():
        return []
    return sorted(
        str(p.relative_to(SITE))
        for p in folder.glob("*.html")
        if 'class="autograd-steps' in p.read_text(encoding="utf-8")
    )


@needs_site
@needs_chromium
def test_gallery_page_pictures_render(tmp_path):
    found = probe("gallery/index.html", tmp_path)
    pictures = sorted(p.name for p in (ROOT / "docs" / "gallery").glob("*.svg"))
    shown = sorted(Path(img["src"]).name for img in found["images"])
    assert set(pictures) <= set(shown), set(pictures) - set(shown)
    for img in found["images"]:
        assert img["w"] > 50 and img["h"] > 50, img  # loaded, with the picture's size


@needs_site
@needs_chromium
def test_tutorial_pictures_and_players_render(tmp_path):
    pages = pages_with_players()
    if not pages:
        pytest.skip("no tutorial page with a step-through player in the built site")
    for page in pages:
        found = probe(page, tmp_path / Path(page).stem)
        assert found["players"], f"{page}: its player was not found after load"
        for player in found["players"]:
            assert player["frames"] >= 2, (page, player)
            assert re.fullmatch(r"Step 0 / \d+", player["before"]), (page, player)
            assert player["after"].startswith("Step 1 / "), (page, player)  # "next" works
            assert player["w"] > 100 and player["h"] > 50, (page, player)  # a drawn frame
        drawn = [svg for svg in found["svgs"] if svg["w"] > 50 and svg["h"] > 50]
        assert drawn or found["images"], f"{page}: no picture"
        for svg in drawn:
            assert svg["shapes"] > 0, (page, svg)
        for img in found["images"]:
            assert img["w"] > 0 and img["h"] > 0, (page, img)
