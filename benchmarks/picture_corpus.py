"""Measure the pictures of the teaching corpus (tests/visualize/corpus.py) and of random
programs: defects by kind, the smallest label on a 16:9 slide, Graphviz runs and draw time.

    python benchmarks/picture_corpus.py [--renderers dot,wasm] [--programs 20] [--out DIR]

Timing lives here, not in the tests (tests/visualize/test_vis_corpus.py checks the defects).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "visualize")]

from corpus import CORPUS, sample_programs  # noqa: E402


def count_ops(root: Any) -> int:
    from visualize.model import build_model

    return len(build_model(root, 100_000, where="count").ops)


def measure(
    items: list[tuple[str, Any, dict]], renderers: list[str], out: str | None = None
) -> list[dict]:
    """Draw each (name, root, options) in LR and TB with each renderer; one record each:
    defects by kind, the smallest label on a slide, Graphviz runs, draw time."""
    import collections
    import time
    from pathlib import Path

    import visualize.render as render_module
    from visualize.graph import draw_graph
    from visualize.quality import find_defects, read_svg, smallest_on_slide

    runs = [0]
    originals = (render_module._render_with_system_dot, render_module._render_with_wasm)

    def counted(fn: Callable) -> Callable:
        def wrapper(*args: Any) -> Any:
            runs[0] += 1
            return fn(*args)

        return wrapper

    render_module._render_with_system_dot = counted(originals[0])
    render_module._render_with_wasm = counted(originals[1])
    records = []
    try:
        for renderer in renderers:
            for name, root, options in items:
                for rankdir in ("LR", "TB"):
                    runs[0] = 0
                    start = time.perf_counter()
                    view = draw_graph(root, rankdir=rankdir, renderer=renderer, **options)
                    svg = view.svg()
                    seconds = time.perf_counter() - start
                    found = find_defects(svg, min_slide_pt=8.0)
                    kinds = collections.Counter(d.kind for d in found)
                    pic = read_svg(svg)
                    records.append(
                        {
                            "name": f"{name}_{rankdir}",
                            "renderer": renderer,
                            "defects": dict(kinds),
                            "details": [str(d) for d in found],
                            "slide_pt": smallest_on_slide(pic),
                            "runs": runs[0],
                            "seconds": seconds,
                            "connectors": svg.count("_to</title>"),
                            "size": (pic.width_pt, pic.height_pt),
                        }
                    )
                    if out:
                        Path(out).mkdir(parents=True, exist_ok=True)
                        stem = f"{name}_{rankdir}_{renderer}"
                        (Path(out) / f"{stem}.svg").write_text(svg)
                        (Path(out) / f"{stem}.html").write_text(
                            "<!doctype html><html><body style='margin:0;background:#fff'>"
                            f"<img src='{stem}.svg' style='width:1600px;height:900px;"
                            "object-fit:contain;max-width:100%'></body></html>"
                        )
    finally:
        render_module._render_with_system_dot, render_module._render_with_wasm = originals
    return records


def summary(records: list[dict]) -> str:
    import collections
    import statistics

    kinds: collections.Counter = collections.Counter()
    for rec in records:
        kinds.update(rec["defects"])
    bad = [rec for rec in records if rec["defects"]]
    under8 = [rec for rec in records if rec["slide_pt"] < 8]
    times = [rec["seconds"] for rec in records]
    runs = [rec["runs"] for rec in records]
    lines = [
        f"{len(records)} pictures, {len(bad)} with defects, {sum(kinds.values())} defects:",
        *(f"  {k}: {n}" for k, n in kinds.most_common()),
        f"smallest label on a slide: min {min(r['slide_pt'] for r in records):.1f} pt, "
        f"median {statistics.median(r['slide_pt'] for r in records):.1f} pt; "
        f"{len(under8)} pictures under 8 pt",
        f"wrapped (with connectors): {sum(1 for r in records if r['connectors'])}",
        f"Graphviz runs per drawing: median {statistics.median(runs):g}, max {max(runs)}",
        f"draw time: median {statistics.median(times):.3f} s, max {max(times):.3f} s",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    import argparse
    import json

    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--renderers", default="dot,wasm")
    parser.add_argument("--programs", type=int, default=20)
    parser.add_argument("--only", default="")
    parser.add_argument("--out", default=None, help="write each picture and a 1600x900 page")
    parser.add_argument("--json", default=None)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    items = [(c.name, c.build(), c.options) for c in CORPUS if args.only in c.name]
    corpus_records = measure(items, args.renderers.split(","), args.out)
    if corpus_records:  # (--only may pick none: then only the programs)
        print("corpus:", summary(corpus_records))
    programs_ = [(n, root, {}) for n, root in sample_programs(args.programs)]
    program_records = measure(programs_, args.renderers.split(","), args.out)
    if programs_:
        print("programs:", summary(program_records))
    if args.verbose:
        for rec in corpus_records + program_records:
            if rec["defects"] or rec["slide_pt"] < 8:
                print(rec["name"], rec["renderer"], f"{rec['slide_pt']:.1f}pt", rec["runs"],
                      rec["details"][:6])  # fmt: skip
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(corpus_records + program_records, handle, indent=1, default=str)


if __name__ == "__main__":
    main()
