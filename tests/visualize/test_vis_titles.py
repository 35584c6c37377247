"""Module titles and captions: never crossed by a wire, readable on a slide.

A module box's title sits in a band Graphviz keeps at one end of the box, but Graphviz
routes wires through that band. visualize.dot puts each title of a wrapped top-to-bottom
picture at the end fewer wires cross; visualize.layout.place_titles moves a title a wire
still crosses along its band. The captions (a title, the "collapsed to fit a slide" note,
the explore hint under a picture past a slide) are sized for the slide the picture is fitted
to (visualize.paint.fit_captions).
"""

from __future__ import annotations

import shutil

import pytest
from corpus import CORPUS

from visualize.graph import EXPLORE_HINT, draw_graph
from visualize.paint import CAPTION_FONT_PT, fit_captions
from visualize.quality import CAPTION_MIN_SLIDE_PT, find_defects, read_svg, slide_zoom

RENDERER = "dot" if shutil.which("dot") else "wasm"


def corpus_root(name: str):
    return next(c for c in CORPUS if c.name == name).build()


def test_a_column_that_starts_with_connectors_is_titled_at_its_other_end():
    """rnn_modules TB: the second column starts with connectors A and B, whose wires both
    enter the last _RNNCell box from above, through its title band. The box is titled at
    its bottom, where one wire leaves; no title is crossed."""
    view = draw_graph(corpus_root("rnn_modules"), rankdir="TB", renderer=RENDERER)
    assert "wrap1_from" in view.source  # (a wrapped picture: the case in question)
    assert "labelloc=b" in view.source
    defects = [str(d) for d in find_defects(view.svg())]
    assert not [d for d in defects if "cluster text" in d], defects


@pytest.mark.parametrize("rankdir", ["LR", "TB"])
def test_a_picture_drawn_whole_keeps_its_titles_at_one_end(rankdir):
    """Unwrapped pictures keep every title at the top (visualize.fit redraws them with
    titles below when a wire crosses one)."""
    view = draw_graph(corpus_root("mlp_dropout_modules"), rankdir=rankdir, max_aspect=None)
    assert "wrap0_from" not in view.source and "labelloc=b" not in view.source


def graphviz_svg(width: float, height: float, label: str = "", body: str = "") -> str:
    """A picture as Graphviz writes it: its frame, background, its own label lines."""
    lines = "".join(
        f'<text text-anchor="middle" x="{width / 2 - 4}" y="{-height + 22 + 17 * k}" '
        f'font-family="Arial" font-size="14.00">{text}</text>\n'
        for k, text in enumerate(label.split("\n") if label else [])
    )
    return (
        f'<svg width="{width:g}pt" height="{height:g}pt" viewBox="0.00 0.00 {width:.2f} '
        f'{height:.2f}" xmlns="http://www.w3.org/2000/svg">\n'
        f'<g id="graph0" class="graph" transform="scale(1 1) rotate(0) translate(4 '
        f'{height - 4})">\n<title>g</title>\n<polygon fill="white" stroke="transparent" '
        f'points="-4,4 -4,{4 - height} {width - 4},{4 - height} {width - 4},4 -4,4"/>\n'
        f"{lines}{body}</g>\n</svg>\n"
    )


def caption_sizes(svg: str) -> list[float]:
    """Each caption's size (points) once the picture is fitted to a 16:9 slide."""
    pic = read_svg(svg)
    zoom = slide_zoom(pic.width_pt, pic.height_pt)
    return [t.font_size * pic.scale * zoom for t in pic.texts if t.owner == "caption"]


@pytest.mark.parametrize(
    ("width", "height"),
    [(250, 2700), (6000, 300), (300, 200), (1500, 1500), (120, 5000), (9000, 9000)],
)
def test_captions_are_readable_on_a_slide_whatever_the_shape(width, height):
    """A tall narrow picture shrinks a lot on a slide: its title and the hint under it are
    enlarged to CAPTION_MIN_SLIDE_PT there, the picture widened when the hint is wider;
    every caption lies inside the (grown) picture, over its background."""
    raw = graphviz_svg(width, height, "5 modules collapsed to fit a slide\nsecond line")
    assert "small caption" in {d.kind for d in find_defects(_as_caption(raw))} or (
        min(caption_sizes(_as_caption(raw))) >= CAPTION_MIN_SLIDE_PT
    )
    svg = fit_captions(raw, EXPLORE_HINT)
    sizes = caption_sizes(svg)
    assert len(sizes) == 3 and min(sizes) >= CAPTION_MIN_SLIDE_PT - 1e-6
    pic = read_svg(svg)
    assert all(t.font_size * pic.scale >= CAPTION_FONT_PT - 1e-6 for t in pic.texts)
    assert find_defects(svg) == []  # (nothing clipped, overlapping or small)
    # The labels lose little: only the captions' own height is added to a tall picture.
    before = slide_zoom(width, height)
    assert slide_zoom(pic.width_pt, pic.height_pt) >= 0.9 * before
    # The title keeps its lines in order, above the picture; the hint is under it.
    texts = sorted((t for t in pic.texts if t.owner == "caption"), key=lambda t: t.box.y0)
    assert [t.text for t in texts] == [
        "5 modules collapsed to fit a slide",
        "second line",
        EXPLORE_HINT,
    ]
    # (the title's last line ends where Graphviz's did, 0.2 em under its baseline)
    assert texts[2].box.y0 > 0 and texts[1].box.y1 <= -height + 39 + 0.2 * 14 + 0.01


def _as_caption(svg: str) -> str:
    """``svg`` with its label lines marked as captions, at Graphviz's size."""
    return (
        svg.replace('font-size="14.00">', 'font-size="14.00" class="x">')
        .replace("<text", '<g class="caption"><text')
        .replace("</text>", "</text></g>")
    )


def test_a_small_caption_is_a_defect():
    """The checker measures captions: a 14-pt title on a picture 6000 pt wide is 2.2 pt on
    a slide."""
    svg = _as_caption(graphviz_svg(6000, 300, "a title"))
    assert [d.kind for d in find_defects(svg)] == ["small caption"]
    assert caption_sizes(svg) == [pytest.approx(14 * 960 / 6000, rel=0.01)]
    assert find_defects(svg, min_caption_pt=None) == []


def test_a_caption_that_is_readable_is_left_as_drawn():
    """300 x 200 pt is enlarged 2x on a slide: the 14-pt title stays as drawn, only marked
    as a caption."""
    svg = graphviz_svg(300, 200, "a title")
    fitted = fit_captions(svg)
    assert fitted.replace('<g class="caption">', "").replace("</text></g>", "</text>") == svg
    assert caption_sizes(fitted) == [28.0]


@pytest.mark.parametrize(("name", "rankdir"), [("batchnorm_module_net", "TB"), ("gru_cell", "TB")])
def test_corpus_captions_are_readable_on_a_slide(name, rankdir):
    """batchnorm_module_net TB (tall and narrow, collapsed) drew its hint at 4.5 pt on a
    slide; a wide one past a slide (gru_cell TB, drawn whole) says how to see all of it.
    Both captions at least 12 pt."""
    view = draw_graph(corpus_root(name), rankdir=rankdir, renderer=RENDERER)
    svg = view.svg()
    assert EXPLORE_HINT in svg
    sizes = caption_sizes(svg)
    assert sizes and min(sizes) >= CAPTION_MIN_SLIDE_PT - 1e-6
    assert not [d for d in find_defects(svg) if d.kind in ("small caption", "clipped")]
