"""The picture-quality suite: visualize.quality finds what a reader trips over, and every
gallery picture (both layouts, both renderers) has none of it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from vis_helpers import needs_dot

from visualize.dot import title_label
from visualize.gallery import GALLERY, gallery_views
from visualize.layout import place_titles
from visualize.quality import (
    connector_orders,
    find_defects,
    read_svg,
    smallest_on_slide,
    text_width_em,
    titles_crossed,
    totals_against_grads,
)
from visualize.render import render_svg

ROOT = Path(__file__).resolve().parents[2]


def kinds(svg, **kwargs):
    return sorted(d.kind for d in find_defects(svg, **kwargs))


def svg_picture(body, width=200, height=100, scale=1.0):
    """A minimal picture in Graphviz's SVG layout (y upwards from the bottom edge)."""
    return (
        f'<svg width="{width * scale:g}pt" height="{height * scale:g}pt" '
        f'viewBox="0.00 0.00 {width:.2f} {height:.2f}" xmlns="http://www.w3.org/2000/svg">'
        f'<g id="graph0" class="graph" transform="scale({scale} {scale}) rotate(0) '
        f'translate(4 {height - 4})">'
        f'<polygon fill="white" stroke="none" points="-4,4 -4,{4 - height} {width - 4},'
        f'{4 - height} {width - 4},4 -4,4"/>{body}</g></svg>'
    )


def text(x, y, s, size=10, anchor="middle"):
    return f'<text text-anchor="{anchor}" x="{x}" y="{y}" font-size="{size}">{s}</text>'


def edge(eid, d, *texts):
    return f'<g id="{eid}" class="edge"><path d="{d}"/>{"".join(texts)}</g>'


def test_text_widths_are_helveticas_rounded_up():
    # Helvetica: "1" is 0.556 em, "i" 0.222 em, "W" 0.944 em; each rounded up to 0.05 em.
    assert text_width_em("1") == pytest.approx(0.6)
    assert text_width_em("i") == pytest.approx(0.25)
    assert text_width_em("W") == pytest.approx(0.95)
    assert text_width_em("\u2207") == 1.0  # outside ASCII: a whole em
    assert text_width_em("a\u00a0b") == text_width_em("a b")  # Graphviz's no-break space


def test_a_clean_picture_has_no_defects():
    body = edge("e1", "M10,-50 C60,-50 120,-50 180,-50", text(95, -56, "-2"))
    assert find_defects(svg_picture(body)) == []


def test_overlapping_texts_are_found():
    body = edge("e1", "M10,-20 C60,-20 120,-20 180,-20", text(95, -50, "value 12"))
    body += edge("e2", "M10,-90 C60,-90 120,-90 180,-90", text(100, -47, "grad 3"))
    assert "overlap" in kinds(svg_picture(body))


def test_a_label_nearer_another_wire_is_ambiguous():
    # e1's label sits 2 pt under e2's wire and 20 pt above its own.
    body = edge("e1", "M10,-20 C60,-20 120,-20 180,-20", text(95, -44, "-4"))
    body += edge("e2", "M10,-54 C60,-54 120,-54 180,-54")
    found = find_defects(svg_picture(body))
    assert [d.kind for d in found] == ["ambiguous label"]
    assert "of e1" in found[0].detail and "from e2" in found[0].detail


def test_a_label_beside_its_own_wire_is_not_ambiguous():
    body = edge("e1", "M10,-20 C60,-20 120,-20 180,-20", text(95, -24, "-4"))
    body += edge("e2", "M10,-60 C60,-60 120,-60 180,-60")
    assert find_defects(svg_picture(body)) == []


def test_edge_text_on_node_text_and_on_a_node():
    node = (
        '<g id="node1" class="node"><ellipse cx="100" cy="-50" rx="27" ry="18"/>'
        + text(100, -46, "exp", size=11)
        + "</g>"
    )
    body = node + edge("e1", "M10,-10 C60,-10 120,-10 180,-10", text(100, -48, "0.3679"))
    found = kinds(svg_picture(body))
    assert "edge text on node text" in found
    assert "edge text on a node" in found


def test_a_wire_through_a_text():
    node = '<g id="node1" class="node">' + text(100, -46, "x", size=11) + "</g>"
    body = node + edge("e1", "M10,-50 C60,-50 120,-50 180,-50")
    assert kinds(svg_picture(body)) == ["wire through text"]


def test_clipped_small_and_wide_pictures():
    assert kinds(svg_picture(text(2, -50, "a long text at the edge", anchor="middle"))) == [
        "clipped"
    ]
    # Graphviz's `size` shrinks the whole drawing, text included: 10 pt at scale 0.5 is 5 pt.
    assert kinds(svg_picture(text(100, -50, "5 pt"), scale=0.5)) == ["small text"]
    wide = svg_picture(text(100, -50, "7"), width=450, height=100)
    assert kinds(wide, max_aspect=4) == ["aspect"]
    assert kinds(wide, max_aspect=5) == [] and kinds(wide) == []  # (not checked by default)


def test_small_on_a_slide_and_connectors_out_of_order():
    # 10 pt text on a picture 3000 pt wide: fitted to a 960 pt slide it is 3.2 pt.
    strip = svg_picture(text(100, -50, "x"), width=3000, height=100)
    assert kinds(strip) == []  # (not checked unless asked)
    assert kinds(strip, min_slide_pt=8) == ["small on a slide"]
    assert smallest_on_slide(read_svg(strip)) == pytest.approx(3.2, rel=1e-3)
    # A small picture is enlarged at most 2x: 10 pt text shows at 20 pt.
    assert smallest_on_slide(read_svg(svg_picture(text(100, -50, "x")))) == pytest.approx(20)

    def connector(k, end, letter, x, y):
        return (
            f'<g id="c{k}{end}" class="node connector row{0 if end == "to" else 1} alongx">'
            f"<title>wrap{k}_{end}</title>{text(x, y, letter)}</g>"
        )

    # Two rows (LR): the second starts B above A: out of reading order.
    body = connector(0, "to", "A", 150, -80) + connector(1, "to", "B", 150, -60)
    body += connector(0, "from", "A", 20, -30) + connector(1, "from", "B", 20, -45)
    assert kinds(svg_picture(body)) == ["connector order"]
    assert connector_orders(read_svg(svg_picture(body))) == {"to": ["A", "B"], "from": ["B", "A"]}


def test_connectors_stacked_at_a_rows_start_read_top_down():
    """Connectors stacked at one row's start share their middle; the estimated widths of
    their letters (D wider than E) must not order them (wasm's pictures read "E before D")."""

    def connector(k, letter, y):
        return (
            f'<g id="c{k}" class="node connector row1 alongx"><title>wrap{k}_from</title>'
            f"{text(280.55, y, letter, size=11)}</g>"
        )

    body = "".join(connector(k, c, -70 + 15 * k) for k, c in enumerate("CDEG"))
    picture = svg_picture(body, width=400)
    assert connector_orders(read_svg(picture))["from"] == list("CDEG")
    assert kinds(picture) == []


def test_a_wire_that_continues_in_an_earlier_row_is_out_of_order():
    def connector(end, row, x):
        return (
            f'<g id="c{end}" class="node connector row{row} alongx">'
            f"<title>wrap0_{end}</title>{text(x, -50, 'A')}</g>"
        )

    forward = svg_picture(connector("to", 0, 150) + connector("from", 1, 20))
    back = svg_picture(connector("to", 1, 150) + connector("from", 0, 20))
    assert kinds(forward) == []
    assert kinds(back) == ["connector order"]


def test_a_wire_outside_a_nodes_outline_misses_its_text():
    """A node's text is measured inside its outline (Graphviz sized the box to it; the
    estimate, rounded up, may be a few points wider): a wire grazing the box passes by."""
    node = (
        '<g id="n1" class="node"><title>x</title>'
        '<polygon points="50,-40 50,-60 90,-60 90,-40 50,-40"/>'
        f"{text(70, -46, 'MMMMMM')}</g>"
    )
    for x, expected in ((92, []), (88, ["wire through text"])):  # (estimate: 44.5 to 95.5)
        wire = edge("e1", f"M{x},-90 C{x},-70 {x},-30 {x},-10").replace(
            "<path", "<title>a->b</title><path"
        )
        assert kinds(svg_picture(node + wire)) == expected


def titled_box(title, wire_x, anchor="middle"):
    """A tinted module box from x 20 to 160 titled at its top right, and a wire into it
    from above at ``wire_x``."""
    box = (
        '<g id="clust1" class="cluster"><title>cluster_1</title><g id="a_clust1"><a>'
        '<path fill="#f5f7fa" stroke="#f5f7fa" d="M20,-10C20,-10 160,-10 160,-10 '
        '160,-90 160,-90 20,-90 20,-90 20,-10 20,-10"/>'
        f"{text(140 if anchor == 'end' else 120, -76, title, size=14, anchor=anchor)}</a></g></g>"
    )
    wire = edge("e1", f"M{wire_x},-100 C{wire_x},-80 {wire_x},-60 {wire_x},-40").replace(
        "<path", "<title>a->b</title><path"
    )
    return svg_picture(box + "<!-- a -->" + wire)


def test_a_module_title_moves_out_of_a_wires_way():
    crossed = titled_box("Sequential", 120)
    assert titles_crossed(crossed) == 1
    moved = place_titles(crossed)
    assert titles_crossed(moved) == 0 and kinds(moved) == []
    title = next(t for t in read_svg(moved).texts if t.owner == "cluster")
    assert title.box.x0 >= 20 and title.box.x1 <= 160  # still inside its box
    assert title.box.y0 == next(t for t in read_svg(crossed).texts).box.y0  # same band
    # A title clear of every wire stays where Graphviz put it.
    clear = titled_box("Sequential", 40)
    assert place_titles(clear) == clear


def test_a_padded_module_title_keeps_its_right_end():
    """visualize.dot pads top-to-bottom titles with leading spaces (so the box is twice as
    wide as the title); place_titles drops them, and the title's right end stays put."""
    padded = titled_box("&#160;&#160;&#160;&#160;Sequential", 40, anchor="end")
    title = next(t for t in read_svg(place_titles(padded)).texts if t.owner == "cluster")
    assert title.text == "Sequential" and title.box.x1 == pytest.approx(140)
    middle = titled_box(" &#160;&#160;&#160;Sequential", 40)
    title = next(t for t in read_svg(place_titles(middle)).texts if t.owner == "cluster")
    assert title.text == "Sequential"
    # Centred over the padded label: moved right by half the four spaces (Arial's 0.278 em).
    assert (title.box.x0 + title.box.x1) / 2 == pytest.approx(120 + 2 * 0.278 * 14, abs=0.01)
    label = title_label("Sequential", pad=True)
    assert label.endswith("Sequential") and label.startswith(" " * 20)
    assert title_label("Sequential", pad=False) == "Sequential"


def test_own_wire_through_its_label_and_label_nodes():
    # A wire through its own label (the minus sign of "-0.4805") is a defect too.
    body = edge("e1", "M10,-50 C60,-50 120,-50 180,-50", text(95, -46, "-0.4805"))
    assert kinds(svg_picture(body)) == ["wire through text"]
    # A label drawn as a node on its wire: the wire's two halves end at its box, so the
    # label is on its own wire (distance 0); another wire 2 pt away is then ambiguous.
    label = f'<g id="n1" class="node wirelabel"><title>w0</title>{text(100, -46, "3")}</g>'
    halves = edge("e1", "M10,-50 C40,-50 80,-50 94,-50").replace(
        "<path", "<title>a->w0</title><path"
    )
    halves += edge("e2", "M106,-50 C120,-50 150,-50 180,-50").replace(
        "<path", "<title>w0->b</title><path"
    )
    assert kinds(svg_picture(label + halves)) == []
    near = edge("e3", "M10,-56 C60,-56 120,-56 180,-56").replace(
        "<path", "<title>c->d</title><path"
    )
    assert "ambiguous label" in kinds(svg_picture(label + halves + near))


def test_a_visible_module_border_through_a_text_counts_a_tint_does_not():
    box = '<g id="clust1" class="cluster"><polygon fill="{f}" stroke="{s}" '
    box += 'points="60,-80 60,-20 150,-20 150,-80 60,-80"/></g>'
    label = edge("e1", "M10,-10 C60,-10 120,-10 180,-10", text(60, -14, "crossing"))
    dashed = svg_picture(box.format(f="none", s="#6b7280") + label)
    tinted = svg_picture(box.format(f="#f5f7fa", s="#f5f7fa") + label)
    assert kinds(dashed) == ["text on a cluster border"]
    assert kinds(tinted) == []


def test_old_head_labels_fail_where_the_issue_said():
    # The v1 drawing of the cs231n neuron put gradients in head labels, which Graphviz
    # places without reserving room: "-0.1966" landed on x0's value "-1".
    dot = """digraph { rankdir=LR node [fontname=Arial fontsize=11] edge [fontname=Arial
        fontsize=10] w0 -> m0 [label=2 headlabel="-0.1966" labeldistance=3 labelangle=25]
        x0 -> m0 [label="-1" headlabel="0.3932" labeldistance=3 labelangle=25]
        w1 -> m1 [label="-3" headlabel="-0.3932" labeldistance=3 labelangle=25]
        x1 -> m1 [label="-2" headlabel="-0.5898" labeldistance=3 labelangle=25] }"""
    found = kinds(render_svg(dot, "wasm"))
    assert found and set(found) <= {"overlap", "ambiguous label", "wire through text"}


def test_read_svg_finds_texts_wires_and_nodes():
    pic = read_svg(render_svg('digraph { a -> b [label="-12"] }', "wasm"))
    assert sorted(t.text for t in pic.texts) == ["-12", "a", "b"]
    assert {t.owner for t in pic.texts} == {"node", "edge"}
    assert len(pic.wires) == 1 and len(pic.shapes) == 2
    assert pic.scale == pytest.approx(1.0)


# ---------------------------------------------------------------------------------------
# The gallery: every teaching graph, LR and TB, both renderers


@pytest.fixture(scope="module", params=["wasm", pytest.param("dot", marks=needs_dot)])
def gallery_views_drawn(request):
    """(stem, view) of every gallery picture, drawn (and measured while drawn) by one renderer."""
    return gallery_views(renderer=request.param)


@pytest.fixture(scope="module")
def gallery(gallery_views_drawn):
    """(stem, svg) of every gallery picture."""
    return [(stem, view.svg()) for stem, view in gallery_views_drawn]


@pytest.fixture(scope="module")
def gallery_fits(gallery_views_drawn):
    return [(stem, view.fits_slide) for stem, view in gallery_views_drawn]


def test_gallery_covers_the_issue_list(gallery):
    stems = [stem for stem, _ in gallery]
    assert {e.name for e in GALLERY} == {
        "circuit",
        "neuron",
        "mlp",
        "mlp_collapsed",
        "convnet",
        "convnet_collapsed",
        "training_step",
        "survey_forward",
    }
    assert len(stems) == 2 * len(GALLERY)


def test_every_gallery_picture_passes(gallery):
    failures = {stem: [str(d) for d in find_defects(svg)] for stem, svg in gallery}
    # Left over (see test_vis_corpus.LEFT_OVER_TITLES): the wrapped conv net (LR, system
    # dot) has a wire through its loss module's title. Nothing else, nowhere else.
    titles = {s: d for s, d in failures.items() if d and all("cluster text" in x for x in d)}
    assert set(titles) <= {"convnet_LR"} and all(len(d) == 1 for d in titles.values())
    assert {stem: d for stem, d in failures.items() if d and stem not in titles} == {}


def test_gallery_pictures_fit_a_slide_or_say_they_do_not(gallery, gallery_fits):
    """Fitted to a 16:9 slide, every label of a gallery picture is at least 8 pt, unless
    draw_graph reported it past a slide (then it is drawn for panning and zooming)."""
    fits = dict(gallery_fits)
    for stem, svg in gallery:
        pic = read_svg(svg)
        assert min(t.font_size * pic.scale for t in pic.texts) >= 10.0, stem
        assert (smallest_on_slide(pic) >= 8.0) is fits[stem], stem
    # The cs231n circuits fit as drawn, in both layouts.
    for stem in ("circuit_LR", "circuit_TB", "neuron_LR", "neuron_TB"):
        assert fits[stem], stem


def test_neuron_gradients_are_the_cs231n_numbers(gallery):
    svg = dict(gallery)["neuron_LR"]
    texts = [t.text for t in read_svg(svg).texts]
    # df/dw0 = -0.1966 (x0 * 0.1966), df/dx0 = 0.3932, df/dw1 = -0.3932, df/dx1 = -0.5898.
    for grad in ("-0.1966", "0.3932", "-0.3932", "-0.5898", "0.7311"):
        assert grad in texts


def test_gallery_script_fast_mode(tmp_path):
    done = subprocess.run(
        [sys.executable, str(ROOT / "docs/gallery/make_gallery.py"), "--fast", "--out", tmp_path],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "circuit_LR.svg",
        "index.md",
        "neuron_LR.svg",
    ]
    assert "0 defects" in done.stdout and "1 defects" not in done.stdout
    assert find_defects((tmp_path / "neuron_LR.svg").read_text()) == []
    assert "](neuron_LR.svg)" in (tmp_path / "index.md").read_text()


def test_readme_shows_gallery_pictures_that_pass():
    readme = (ROOT / "README.md").read_text()
    pictures = re.findall(r"\]\((docs/gallery/[\w.]+\.svg)\)", readme)
    assert {Path(p).stem for p in pictures} >= {"circuit_LR", "neuron_LR", "training_step_LR"}
    for picture in pictures:
        assert find_defects((ROOT / picture).read_text()) == [], picture


@pytest.mark.parametrize("renderer", ["wasm", pytest.param("dot", marks=needs_dot)])
def test_every_step_through_frame_passes(renderer):
    """backward_steps draws the gallery's reverse-mode graphs with draw_graph's layout (one
    for all frames), grey blanks where gradients are still to come: every frame passes."""
    from visualize.steps import backward_steps

    failures, built, crossed_titles = {}, set(), {}
    for entry in GALLERY:
        if entry.forward or entry.build in built:
            continue  # (forward mode has no backward steps; steps never collapse modules)
        built.add(entry.build)
        root = entry.build()
        for rankdir in ("LR", "TB"):
            for k, step in enumerate(backward_steps(root, rankdir=rankdir, renderer=renderer)):
                found = [str(d) for d in find_defects(step.svg())]
                titles = [d for d in found if "through cluster text" in d]
                if titles:  # (the layout's, so in every frame: counted once)
                    crossed_titles[f"{entry.name}_{rankdir}"] = titles
                found = [d for d in found if d not in titles]
                if found:
                    failures[f"{entry.name}_{rankdir} step {k}"] = found
    assert failures == {}
    # Left over: the 2-100-100-3 training step in TB, wrapped into columns, has a wire
    # through its loss module's title (see test_vis_corpus.LEFT_OVER_TITLES).
    assert len(crossed_titles) <= 1 and all(len(t) == 1 for t in crossed_titles.values())


def test_a_forks_shares_must_add_up_to_the_total_it_draws():
    """cs231n's f = sin(x) + x*y at x=2, y=3: x's wires carry cos(2) and y = 3, and x draws
    their sum, 2.584. A drawn total the shares do not add up to is a ``fork sum`` defect;
    a total that is not the leaf's .grad is a ``wrong total``."""
    import autograd_lite as al
    from visualize.graph import draw_graph

    x = al.tensor(2.0, requires_grad=True, name="x")
    y = al.tensor(3.0, requires_grad=True, name="y")
    f = al.sin(x) + x * y
    f.backward()
    view = draw_graph(f)
    svg = view.svg()
    grads = {leaf.key: leaf.grad.data for leaf in view.model.leaves}
    assert ">grad 2.584<" in svg and "fork sum" not in kinds(svg)
    assert totals_against_grads(svg, grads) == []
    assert kinds(svg.replace(">grad 2.584<", ">grad 2.684<")).count("fork sum") == 1
    wrong = {key: g + 0.1 for key, g in grads.items()}
    assert [d.kind for d in totals_against_grads(svg, wrong)] == ["wrong total"]


def test_summarised_shares_bound_the_total_by_their_norms():
    """Shares drawn as ``grad norm`` cannot be added, but the total's norm is at most the
    sum of theirs (the triangle inequality): a larger one is a ``fork sum`` defect."""
    import autograd_lite as al
    from visualize.graph import draw_graph

    w = al.tensor(np.arange(40.0).reshape(5, 8) / 40, requires_grad=True, name="w")
    loss = (w * w).sum() + (w * 3.0).sum()
    loss.backward()
    svg = draw_graph(loss).svg()
    total = re.search(r">grad norm ([0-9.]+)<", svg)
    assert total is not None and "fork sum" not in kinds(svg)
    assert "fork sum" in kinds(svg.replace(total[0], ">grad norm 99<", 1))
