"""The built site in headless Chromium: a page's pictures and step-through players render.

Needs the site built (``python -m sphinx -W --keep-going -b html docs docs/_build/html``)
and Chromium; skips cleanly without either. ``.ci/run`` builds the site and then runs this
module with ``AUTOGRAD_LITE_SITE`` pointing at the build; without the variable it looks in
docs/_build/html.

The check: each page (the gallery and every tutorial) is copied with a small script
appended that runs after load. It measures every picture (an ``<img>`` has loaded with a
size; an inline ``<svg>`` has a box and drawn shapes), presses "next" on every step-through
player and records its counter before and after, and writes it all as JSON on
``<body data-probe>``; ``--dump-dom`` returns it.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
from pathlib import Path

import pytest

from tests.visualize.vis_helpers import CHROMIUM, run_chromium

ROOT = Path(__file__).resolve().parents[2]
SITE = Path(os.environ.get("AUTOGRAD_LITE_SITE", ROOT / "docs" / "_build" / "html"))

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


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """A copy of the built site, so the probe can be written into its pages."""
    copy = tmp_path_factory.mktemp("site") / "html"
    shutil.copytree(SITE, copy, ignore=shutil.ignore_patterns(".doctrees", "_sources"))
    return copy


def probe(site: Path, page: str) -> dict:
    """Open ``page`` (a path inside the copied site) with the probe; return its findings."""
    target = site / page
    assert target.is_file(), f"{page} is not in the built site"
    text = target.read_text(encoding="utf-8")
    assert "</body>" in text
    probed = target.with_name(f"probed-{target.name}")
    probed.write_text(text.replace("</body>", PROBE, 1), encoding="utf-8")
    profile = site.parent / f"profile-{target.stem}"
    done = run_chromium(
        f"--user-data-dir={profile}",
        "--virtual-time-budget=5000",
        "--dump-dom",
        probed.as_uri(),
        timeout=120,
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    found = re.search(r'data-probe="([^"]*)"', done.stdout.decode())
    assert found, f"{page}: the probe did not run (the page did not finish loading)"
    return json.loads(html.unescape(found[1]))


def tutorial_pages() -> list[str]:
    """The built page of every tutorial source in docs/tutorials (index.md aside)."""
    sources = sorted((ROOT / "docs" / "tutorials").glob("*.md"))
    return [f"tutorials/{p.stem}.html" for p in sources if p.name != "index.md"]


def assert_pictures_render(page: str, found: dict) -> None:
    for img in found["images"]:
        assert img["w"] > 0 and img["h"] > 0, (page, img)  # loaded (a broken one is 0 x 0)
    for svg in found["svgs"]:
        if svg["w"] > 50 and svg["h"] > 50:  # a picture, not one of the theme's icons
            assert svg["shapes"] > 0, (page, svg)


@needs_site
@needs_chromium
def test_gallery_page_pictures_render(site):
    found = probe(site, "gallery/index.html")
    pictures = sorted(p.name for p in (ROOT / "docs" / "gallery").glob("*.svg"))
    shown = sorted(Path(img["src"]).name for img in found["images"])
    assert set(pictures) <= set(shown), set(pictures) - set(shown)
    for img in found["images"]:
        assert img["w"] > 50 and img["h"] > 50, img  # loaded, with the picture's size


@needs_site
@needs_chromium
def test_tutorial_pictures_and_players_render(site):
    pages = tutorial_pages()
    if not pages:
        pytest.skip("docs/tutorials has no tutorials yet")
    players = 0
    for page in pages:
        found = probe(site, page)
        assert_pictures_render(page, found)
        pictures = [s for s in found["svgs"] if s["w"] > 50 and s["h"] > 50] + found["images"]
        assert pictures, f"{page}: no picture rendered"
        for player in found["players"]:
            assert player["frames"] >= 2, (page, player)
            assert re.fullmatch(r"Step 0 / \d+", player["before"]), (page, player)
            assert player["after"].startswith("Step 1 / "), (page, player)  # "next" works
            assert player["w"] > 100 and player["h"] > 50, (page, player)  # a drawn frame
        players += len(found["players"])
    assert players, "no tutorial page has a step-through player"
