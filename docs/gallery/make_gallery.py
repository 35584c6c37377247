"""Regenerate docs/gallery/: every teaching graph of visualize.gallery, left to right and
top to bottom, measured on both renderers.

    python docs/gallery/make_gallery.py                   # everything, into docs/gallery/
    python docs/gallery/make_gallery.py --fast --out DIR  # two graphs, LR, in-process only

Each picture is drawn and measured with visualize.quality by the system Graphviz ``dot``
(when installed) and by the in-process WebAssembly Graphviz. The SVG files written are the
system ``dot``'s when it is installed (else the WebAssembly ones); ``index.md`` shows them
with their measurements. Prints one line per picture and renderer; exits with status 1 if
any picture has a defect.
"""

from __future__ import annotations

import argparse
import inspect
import json
import re
import shutil
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))  # run from a checkout without installing

from visualize.gallery import GALLERY, GalleryGraph, gallery_views  # noqa: E402
from visualize.layout import picture_size  # noqa: E402
from visualize.quality import find_defects, read_svg, smallest_on_slide  # noqa: E402
from visualize.render import write_atomic  # noqa: E402

FAST = ("circuit", "neuron")
DIRECTIONS = {"LR": "Left to right", "TB": "Top to bottom"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="folder for the pictures")
    parser.add_argument(
        "--fast", action="store_true", help="only the circuit and the neuron, LR, in-process"
    )
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    renderers = ["wasm"] if args.fast or shutil.which("dot") is None else ["dot", "wasm"]
    rankdirs = ("LR",) if args.fast else ("LR", "TB")
    written = renderers[0]
    rows, failed = [], 0
    start = time.perf_counter()
    for renderer in renderers:
        names = FAST if args.fast else None
        for stem, view in gallery_views(rankdirs, renderer=renderer, names=names):
            svg = view.svg()
            # The slide rule (8 pt on a 16:9 slide) unless draw_graph says it is past a slide.
            defects = find_defects(svg, min_slide_pt=8.0 if view.fits_slide else None)
            failed += bool(defects)
            width, height = picture_size(svg)
            slide = smallest_on_slide(read_svg(svg))
            print(
                f"{stem:24} {renderer:5} {width:5.0f} x {height:4.0f} pt  {slide:4.1f} pt on a "
                f"slide{'' if view.fits_slide else ' (past a slide)'}  {len(defects)} defects"
            )
            for defect in defects:
                print(f"    {defect}")
            rows.append((stem, renderer, width, height, len(defects), slide))
            if renderer == written:
                write_atomic(args.out / f"{stem}.svg", svg)
    write_atomic(args.out / "index.md", index(rows, written))
    print(f"{len(rows)} pictures measured in {time.perf_counter() - start:.1f} s")
    return 1 if failed else 0


def index(rows: list[tuple[str, str, float, float, int, float]], written: str) -> str:
    """docs/gallery/index.md, the site's gallery page: for each graph the code that makes it
    (included from visualize/gallery.py when the site is built, so it is always the code that
    ran), then each picture with its size and defect count per renderer."""
    entries = {entry.name: entry for entry in GALLERY}
    lines = [
        "# Gallery",
        "",
        "The teaching graphs of `visualize.gallery`, each with the code that builds it, drawn",
        "by `draw_graph` and measured by",
        "`visualize.quality` (overlapping texts, texts crossed by a wire, labels nearer another",
        "wire than their own, texts on nodes or on module borders, clipped or small text,",
        "connectors out of reading order) and by the size of their smallest label once fitted",
        "to a 16:9 slide (13.33 x 7.5 in, enlarged at most 2x): 8 pt at least, unless",
        "`draw_graph` reports the picture past a slide.",
        f"Regenerate with `python docs/gallery/make_gallery.py`; the files are the `{written}`",
        "renderer's.",
        "",
    ]
    stems = list(dict.fromkeys(stem for stem, *_ in rows))
    for name in dict.fromkeys(stem.rsplit("_", 1)[0] for stem in stems):
        entry = entries[name]
        lines += [f"## {entry.caption}", "", *code(entry), ""]
        for stem in (s for s in stems if s.rsplit("_", 1)[0] == name):
            rankdir = stem.rsplit("_", 1)[1]
            measured = [
                f"{r}: {w:.0f} x {h:.0f} pt, smallest label {pt:.1f} pt on a slide, {n} defects"
                for s, r, w, h, n, pt in rows
                if s == stem
            ]
            lines += [
                f'**{DIRECTIONS.get(rankdir, rankdir)}** (`rankdir="{rankdir}"`)',
                "",
                f"![{entry.caption}, {rankdir}]({stem}.svg)",
                "",
                "; ".join(measured),
                "",
            ]
    return "\n".join(lines)


def code(entry: GalleryGraph) -> list[str]:
    """MyST lines showing how ``entry`` is made: its build function (and the gallery's own
    helpers it calls) included from visualize/gallery.py, then the draw_graph call."""
    import visualize.gallery as gallery

    source = inspect.getsource(entry.build)
    helpers = [
        name
        for name, obj in vars(gallery).items()
        if inspect.isfunction(obj)
        and obj.__module__ == gallery.__name__
        and obj is not entry.build
        and re.search(rf"\b{name}\(", source)
    ]
    lines = []
    for name in [*helpers, entry.build.__name__]:
        lines += [
            "```{literalinclude} ../../visualize/gallery.py",
            ":language: python",
            f":pyobject: {name}",
            "```",
            "",
        ]
    indent = "    " if entry.forward else ""
    arguments = ["f", 'rankdir="LR"'] + [f"{k}={_literal(v)}" for k, v in entry.options.items()]
    call = [f"{indent}view = draw_graph({', '.join(arguments)})"]
    if len(call[0]) > 100:  # one argument a line, as ruff format writes it
        call = [f"{indent}view = draw_graph(", *(f"{indent}    {a}," for a in arguments), ")"]
        call[-1] = indent + call[-1]
    body = [
        *(["from autograd_lite.forward_ad import dual_level"] if entry.forward else []),
        "from visualize import draw_graph",
        "",
        *(["with dual_level():"] if entry.forward else []),
        f"{indent}f = {entry.build.__name__}()",
        f'{indent}# rankdir="TB" draws it top to bottom; view.save("{entry.name}.svg") writes it',
        *call,
    ]
    return [*lines, "```python", *body, "```"]


def _literal(value: object) -> str:
    """``value`` as Python source, strings in double quotes (as ruff format writes them)."""
    return json.dumps(value) if isinstance(value, str) else repr(value)


if __name__ == "__main__":
    sys.exit(main())
