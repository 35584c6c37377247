"""User text (tensor and module names) is drawn as text: it cannot change the graph's
structure or put markup into the SVG, on either render path."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from urllib.parse import quote

import pytest
from vis_helpers import (
    SVG_NS,
    dot_edges,
    dot_nodes,
    dump_dom,
    explorer_log,
    needs_chromium,
    needs_dot,
    parse_svg,
    svg_count,
    svg_texts,
)

import autograd_lite as al
from visualize import draw_graph, explore
from visualize.graph import dot_label

EVIL = [
    '"]; evil [label=<b>x</b>',
    "<script>alert(1)</script>",
    "<<b>html</b>>",
    "back\\slash \\N \\G \\l end\\",
    'quote " and \\" mixed',
    "} digraph { injected",
    "&amp; &lt; entity",
]


def build(names, scope_name):
    x = al.tensor(-2.0, dtype="float64", requires_grad=True, name=names[0])
    y = al.tensor(5.0, dtype="float64", requires_grad=True, name=names[1])
    z = al.tensor(-4.0, dtype="float64", requires_grad=True, name=names[2])
    with al.name_scope(scope_name):
        f = (x + y) * z
    f.name = names[3]
    f.backward(retain_graph=True)
    return f


@pytest.mark.parametrize("renderer", ["wasm", pytest.param("dot", marks=needs_dot)])
@pytest.mark.parametrize("evil", EVIL)
def test_names_are_text_not_structure_or_markup(evil, renderer):
    f = build([evil, evil + "y", "z" + evil, evil], scope_name=evil)
    view = draw_graph(f, renderer=renderer, title=evil)
    # The structure is that of (x + y) * z, whatever the names say.
    assert len(dot_nodes(view.source)) == 6
    assert len(dot_edges(view.source)) == 5
    svg = view.svg()
    root = parse_svg(svg)  # still well-formed XML
    assert svg_count(svg, "node") == 6
    assert svg_count(svg, "edge") == 5
    assert svg_count(svg, "cluster") == 1
    # No element came from the names: only Graphviz's usual vocabulary.
    tags = {el.tag.removeprefix(SVG_NS) for el in root.iter()}
    assert tags <= {"svg", "g", "title", "text", "polygon", "path", "ellipse", "a", "polyline"}
    # And the names are drawn exactly as given.
    texts = svg_texts(svg)
    assert evil in texts  # x's name (and the output's)
    assert evil + "y" in texts
    assert "z" + evil in texts
    assert texts.count(evil) >= 3  # x, output, cluster label (and the title)


def test_control_characters_and_long_names_are_tamed():
    label = dot_label("line1\nline2\x00\t")
    assert label == "line1 line2  "
    x = al.tensor(1.0, requires_grad=True, name="x" * 500)
    with al.name_scope("m" * 500):
        f = x * 2.0
    svg = draw_graph(f).svg(renderer="wasm")
    texts = svg_texts(svg)
    assert "x" * 47 + "…" in texts
    assert "m" * 47 + "…" in texts
    assert max(len(t) for t in texts) == 48


def test_dot_label_is_never_html():
    label = dot_label("<b>bold</b>")
    source = draw_graph(al.tensor(1.0, name="<b>bold</b>")).source
    assert 'label="<b>bold</b>' in source  # quoted, so Graphviz reads text, not HTML
    assert "label=<" not in source
    assert label == "<b>bold</b>"


# ---------------------------------------------------------------------------------------
# The explorer (visualize.explore): names reach the page as data inside its one script and
# are put on the page as text, never markup; in Chromium no payload runs.

EVIL_PAGE = [
    "</script><script>document.title='PWNED';alert(1)</script>",
    '"><img src=x onerror="document.title=\'PWNED\';alert(1)">',
    "<svg onload=\"document.title='PWNED'\">",
    "<!-- x --> & &amp; \u2028 '\\",
]


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))


def hostile_graph():
    x = al.tensor([1.0, -2.0], requires_grad=True, name=EVIL_PAGE[0])
    y = al.tensor(3.0, requires_grad=True, name=EVIL_PAGE[1])
    with al.name_scope(EVIL_PAGE[2]):
        h = al.tanh(x * y)
        h.name = EVIL_PAGE[3]
    f = h.sum()
    f.name = EVIL_PAGE[1]
    f.backward(retain_graph=True)
    return f


def page_data(page: str) -> dict:
    """The graph the explorer page embeds (``var DATA = {...};``), parsed back."""
    return json.loads(re.search(r"var DATA = (\{.*?\});\n", page, flags=re.S)[1])


def test_explorer_names_stay_data_in_the_page():
    ex = explore(hostile_graph(), title=EVIL_PAGE[0])
    page = ex.to_html()
    parser = _Tags()
    parser.feed(page)
    tags = [t for t, _ in parser.tags]
    assert tags.count("script") == 1 and "img" not in tags
    assert tags.count("svg") == 1  # the explorer's own drawing surface
    assert all(not k.startswith("on") for _, attrs in parser.tags for k, _ in attrs)
    assert "</script><script>" not in page and "<img" not in page
    # The names arrive intact, as data.
    names = [n["name"] for n in page_data(page)["nodes"]]
    data = page_data(page)
    assert EVIL_PAGE[0] in names and EVIL_PAGE[1] in names
    assert EVIL_PAGE[3].replace("\u2028", " ") in names  # (control characters: spaces)
    assert [EVIL_PAGE[2]] in [n["path"] for n in data["nodes"]]


@needs_chromium
def test_explorer_names_run_no_script_in_chromium(tmp_path):
    path = explore(hostile_graph(), title=EVIL_PAGE[1]).save(tmp_path / "evil.html")
    # Open everything, search for the first name, hover the second, click the third.
    actions = [
        "openall",
        "search:" + quote("</script", safe=""),
        "hover:" + quote(EVIL_PAGE[1], safe=""),
        "select:" + quote(EVIL_PAGE[3], safe=""),
        "wire:0",
    ]
    url = path.as_uri() + "#do=" + ",".join(actions)
    dom = dump_dom(url, tmp_path / "profile", "--virtual-time-budget=2000")
    # (The page is titled with a hostile name: as text. A payload that ran would make the
    # title exactly PWNED.)
    assert re.search(r"<title>(.*?)</title>", dom, re.S)[1].strip() != "PWNED"
    assert "&lt;img src=x onerror" in re.search(r"<title>(.*?)</title>", dom, re.S)[1]
    parser = _Tags()
    parser.feed(dom)  # the page as Chromium holds it after the actions
    tags = [t for t, _ in parser.tags]
    assert tags.count("script") == 1 and "img" not in tags and tags.count("svg") == 1
    assert all(not k.startswith("on") for _, attrs in parser.tags for k, _ in attrs)
    log = explorer_log(dom)
    verbs = [s["action"].split(":")[0] for s in log]
    assert verbs == ["", "openall", "search", "hover", "select", "wire"]
    assert log[2]["matches"] != "0" and log[2]["selected"].startswith("</script><script>")
    assert EVIL_PAGE[1] in log[3]["panel"]  # shown as text in the details
    assert log[4]["selected"] != ""
    # Drawn as text on its node.
    assert "&lt;/script&gt;&lt;script&gt;document.title" in dom


def hostile_sum():
    """A flat sum of 30 terms named with the payloads (the explorer's sum box lists them),
    inside a hostile module scope."""
    terms = [
        al.tensor(float(k), requires_grad=True, name=EVIL_PAGE[k % len(EVIL_PAGE)] + str(k))
        for k in range(30)
    ]
    with al.name_scope(EVIL_PAGE[0]):
        s = terms[0]
        for t in terms[1:]:
            s = s + t
    s.name = EVIL_PAGE[2]
    s.backward(retain_graph=True)
    return s


def test_explorer_sum_and_module_titles_stay_data():
    page = explore(hostile_sum()).to_html()
    parser = _Tags()
    parser.feed(page)
    tags = [t for t, _ in parser.tags]
    assert tags.count("script") == 1 and "img" not in tags and tags.count("svg") == 1
    assert "</script><script>" not in page and "<img" not in page
    titles = [m["title"] for m in page_data(page)["modules"]]
    sums = [m["sum"] for m in page_data(page)["modules"] if "sum" in m]
    # (A title is cut as the pictures cut it, at 48 characters.)
    assert titles[0].startswith(EVIL_PAGE[0][:40]) and titles[1] == "sum of 30 terms"
    (formula,) = sums  # t0 + t1 + … + t29, cut at 48 characters
    assert formula.startswith(EVIL_PAGE[0][:40]) and len(formula) == 48


@needs_chromium
def test_explorer_sum_runs_no_script_in_chromium(tmp_path):
    path = explore(hostile_sum(), title=EVIL_PAGE[1]).save(tmp_path / "evil.html")
    actions = ["openall", "closeall", "search:" + quote(EVIL_PAGE[2] + "2", safe="")]
    dom = dump_dom(path.as_uri() + "#do=" + ",".join(actions), tmp_path / "profile")
    assert re.search(r"<title>(.*?)</title>", dom, re.S)[1].strip() != "PWNED"
    parser = _Tags()
    parser.feed(dom)
    tags = [t for t, _ in parser.tags]
    assert tags.count("script") == 1 and "img" not in tags and tags.count("svg") == 1
    assert all(not k.startswith("on") for _, attrs in parser.tags for k, _ in attrs)
    start, opened, closed, found = explorer_log(dom)
    # 30 terms, 29 + ops and the output; closed: the module (the sum in it) and the output
    assert opened["units"] == "60" and closed["units"] == start["units"] == "2"
    # The term, opened and selected (its node's label is cut at 36 characters).
    assert found["matches"] == "3" and found["units"] == "60"  # (terms 2, 22 and 26)
    assert found["selected"].startswith(EVIL_PAGE[2][:30])
    # The box titles and the sum's formula are drawn as text.
    assert "&lt;/script&gt;&lt;script&gt;document.title" in dom
