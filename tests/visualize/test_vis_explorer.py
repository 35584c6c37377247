"""visualize.explore: the interactive explorer page (data, self-containment, and driven in
headless Chromium: open a module, close it, zoom, search, hover, step). Hostile names in
the explorer: test_vis_escaping.py; in a notebook: test_vis_notebook.py."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from urllib.parse import quote

import numpy as np
import pytest
from vis_helpers import dump_dom, explorer_log, needs_chromium

import autograd_lite as al
import nn
import visualize
from visualize import Explorer, backward_steps, explore
from visualize.explore import FULL_ARRAY, array_text

SVG = "{http://www.w3.org/2000/svg}"


def page_data(page: str) -> dict:
    """The graph the page embeds (``var DATA = {...};``), parsed back."""
    return json.loads(re.search(r"var DATA = (\{.*?\});\n", page, flags=re.S)[1])


def names(data: dict) -> list[str]:
    return [n["name"] for n in data["nodes"]]


def mlp(seed: int = 0):
    """A 3-layer MLP's loss on 8 examples, after backward(retain_graph=True)."""
    al.manual_seed(seed)
    model = nn.Sequential(
        nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 3)
    )
    x = al.randn(8, 6)
    x.name = "x"
    loss = nn.CrossEntropyLoss()(model(x), al.tensor(np.arange(8) % 3))
    loss.name = "loss"
    loss.backward(retain_graph=True)
    return loss, model


def test_explore_is_public_and_reads_the_graph(cs231n):
    f = cs231n[0]
    assert visualize.explore is explore and "explore" in visualize.__all__
    ex = explore(f)
    assert isinstance(ex, Explorer)
    data = ex.data
    # x, y, +, z, * and the output: 5 wires (4 into the ops, 1 to the output).
    assert sorted(n["kind"] for n in data["nodes"]) == sorted(
        ["input", "input", "op", "input", "op", "output"]
    )
    assert len(data["edges"]) == 5 and repr(ex) == "Explorer(6 nodes, 5 wires)"
    by_name = {n["name"]: n for n in data["nodes"] if n["kind"] == "input"}
    assert by_name["x"]["grad"]["text"] == "-4" and by_name["z"]["grad"]["text"] == "3"
    assert by_name["x"]["value"]["dtype"] == "float64"
    # Every node comes after the nodes feeding it (the layout relies on it).
    assert all(src < dst for src, dst, *_ in data["edges"])


def test_steps_are_the_engines_order_with_backward_steps_captions():
    al.manual_seed(0)
    x = al.tensor([[1.0, -2.0]], requires_grad=True, name="x")
    layer = nn.Linear(2, 2)
    h = layer(x)
    loss = (al.tanh(h) * h.exp()).sum()  # a fork: h feeds tanh and exp
    loss.backward(retain_graph=True)
    data = explore(loss).data
    steps = backward_steps(loss, renderer="wasm")
    assert data["steps"] == [s.caption for s in steps]
    ops = data["nodes"]
    active = [None] + [ops[i]["label"] for i in data["active"][1:]]
    assert active == [None if s.frame.active is None else s.frame.active.label for s in steps]
    # Each wire's gradient is sent at the step of the op it feeds; the output's at step 0.
    for _src, dst, _slot, grad, at in data["edges"]:
        if data["nodes"][dst]["kind"] == "output":
            assert at == 0
        elif grad is not None:
            assert data["active"][at] == dst


def test_arrays_in_full_up_to_a_size_then_summarized():
    small = al.tensor(np.arange(FULL_ARRAY, dtype=np.float64).reshape(10, -1) / 8)
    small.requires_grad_()
    big = al.tensor(np.ones((FULL_ARRAY + 1,)), requires_grad=True)
    f = (small * 2.0).sum() + big.sum()
    f.backward(retain_graph=True)
    nodes = explore(f).data["nodes"]
    values = {n["value"]["shape"]: n["value"] for n in nodes if n["kind"] == "input"}
    full = values["(10, 100)"]
    assert full["full"] and len(full["text"].split()) == FULL_ARRAY
    assert "124.875" in full["text"]  # the last element, 999 / 8
    summary = values[f"({FULL_ARRAY + 1},)"]
    assert not summary["full"] and "..." in summary["text"]
    assert array_text(np.arange(8).reshape(2, 2, 2)).splitlines()[-1] == "[1,1] 6 7"


def test_before_backward_values_only_and_no_steps():
    x = al.tensor([1.0, 2.0], requires_grad=True, name="x")
    f = (x * x).sum()
    data = explore(f).data
    assert data["steps"] == [] and all(n["grad"] is None for n in data["nodes"])


def test_bad_input_is_refused_by_name():
    with pytest.raises(TypeError, match="explore: expected a Tensor, got float"):
        explore(3.0)
    with pytest.raises(ValueError, match="explore: max_nodes must be an int >= 2"):
        explore(al.tensor(1.0), max_nodes=1)
    lone = explore(al.tensor([1.0, 2.0], name="w")).data  # a leaf: one node, no steps
    assert [n["kind"] for n in lone["nodes"]] == ["output"] and lone["steps"] == []


def test_max_nodes_says_what_was_left_out():
    x = al.tensor(1.0, requires_grad=True, name="x")
    f = x
    for _ in range(30):
        f = f * 1.1
    data = explore(f, max_nodes=10).data
    assert len(data["nodes"]) <= 10 and data["omitted"] > 0 and "max_nodes=10" in data["note"]


def test_page_is_self_contained(tmp_path, cs231n):
    ex = explore(cs231n[0])
    page = ex.save(tmp_path / "graph.html").read_text()
    assert page.startswith("<!DOCTYPE html>") and "Content-Security-Policy" in page
    assert "src=" not in page and "https://" not in page
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "")
    assert page.count("<script>") == 1 and page.count("<style>") == 2  # page's and widget's
    assert "graphExplorer" in page  # the script file was inlined
    cell = ex._repr_html_()
    assert "<html" not in cell and cell.startswith('<div class="autograd-explorer cell"')
    ids = {re.search(r'id="(autograd-explorer-\w+)"', ex._repr_html_())[1] for _ in range(2)}
    assert len(ids) == 2
    with pytest.raises(ValueError, match=r"name the file \*\.html"):
        ex.save(tmp_path / "graph.svg")


@pytest.mark.slow
def test_a_wheel_carries_the_static_files(tmp_path):
    """Users install the wheel, not the checkout (CI installs editable): the pages' files
    must be in it."""
    pytest.importorskip("setuptools")
    # Without build isolation the venv's own setuptools builds the wheel: bdist_wheel is in
    # setuptools >= 70.1, or comes with the wheel package (a fresh venv may have neither).
    if not any(importlib.util.find_spec(m) for m in ("setuptools.command.bdist_wheel", "wheel")):
        pytest.skip("building a wheel needs setuptools >= 70.1 or the wheel package")
    root = Path(__file__).resolve().parents[2]
    src = tmp_path / "src"  # a copy: building writes build/ and *.egg-info next to the source
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(root / name, src / name)
    for package in ("autograd_lite", "nn", "visualize"):
        shutil.copytree(root / package, src / package, ignore=shutil.ignore_patterns("__pycache__"))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(src),
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path / "dist"),
            "-q",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    files = set(zipfile.ZipFile(wheel).namelist())
    static = {
        "explorer.js",
        "explorer.css",
        "explorer.html",
        "page.html",
        "steps.js",
        "steps.css",
        "steps_player.html",
    }
    assert {f"visualize/static/{name}" for name in static} <= files
    assert static == {p.name for p in (root / "visualize/static").iterdir()}


def test_static_files_are_package_data():
    from importlib import resources

    static = resources.files("visualize") / "static"
    for name in ("explorer.js", "explorer.css", "explorer.html", "steps.js", "steps.css"):
        assert (static / name).is_file(), name
    pyproject = (Path(__file__).resolve().parents[2] / "pyproject.toml").read_text()
    assert 'visualize = ["static/*.html", "static/*.css", "static/*.js"]' in pyproject


# ---------------------------------------------------------------------------------------
# In headless Chromium


@needs_chromium
def test_open_close_zoom_search_step_and_wires_in_chromium(tmp_path):
    loss, _ = mlp()
    ex = explore(loss)
    path = ex.save(tmp_path / "mlp.html")
    last = len(ex.data["steps"]) - 1
    actions = [
        "closeall",  # 1
        "open:Sequential",  # 2: a click on the closed model opens it
        "open:Sequential.0",  # 3
        "close:Sequential",  # 4: a click on its title closes it, and what is inside
        "zoom:in",  # 5: the wheel, about the pointer
        "zoom:out",  # 6
        "zoom:out",  # 7
        "search:2.weight",  # 8: opens what holds the match, selects and centres it
        "step:0",  # 9: back to the start of the backward pass
        "next",  # 10: the first op has run
        "wire:0",  # 11: a wire's details
        "search:Sequential.4",  # 12: a closed module: its parameters' gradients
        f"step:{last}",  # 13: ... once complete
    ]
    dom = dump_dom(f"{path.as_uri()}#do={','.join(actions)}", tmp_path / "profile")
    log = explorer_log(dom)
    assert [s["action"] for s in log] == ["", *actions]
    start, closed, opened, inner, again, zin, zout, zout2, found, step0, step1, wire, *more = log
    assert start["step"] == str(last)  # the finished backward pass
    # x, the model (its parameters folded in), the loss module, the output
    assert closed["open"] == "0" and closed["units"] == "4"
    assert opened["open"] == "1" and int(opened["units"]) > int(closed["units"])
    assert inner["open"] == "2" and int(inner["units"]) > int(opened["units"])
    assert again["open"] == "0" and again["units"] == closed["units"]
    assert float(zout2["scale"]) < float(zout["scale"]) < float(zin["scale"])
    assert float(zin["scale"]) > float(again["scale"])
    assert found["selected"] == "2.weight" and found["matches"] == "1"
    assert int(found["open"]) >= 2 and "shape (16, 16)" in found["panel"]
    assert "parameter" in found["panel"] and "gradient" in found["panel"]
    # At step 0 only the seed is known: 2.weight's gradient is not complete yet.
    assert step0["step"] == "0" and "not complete at this step" in step0["panel"]
    assert step1["step"] == "1"
    assert step1["caption"].startswith("Step 1 of")
    assert len(re.findall(r'class="ax-unit kind-\w+ active', dom)) == 1
    assert wire["selected"] == "wire" and "gradient sent back along it" in wire["panel"]
    module, finished = more
    # A closed module is titled by its type and name, as the pictures title its box.
    assert module["selected"] == "Linear  4" and "module Sequential.4" in module["panel"]
    assert "4.weight (3, 16): gradient not complete yet" in module["panel"]
    assert "4.weight (3, 16): grad mean" in finished["panel"] and "norm" in finished["panel"]


@needs_chromium
def test_a_thousand_nodes_lay_out(tmp_path):
    # (Measured by hand: 2,403 nodes lay out and draw in 0.3 s in headless Chromium, 5,000
    # in 1.1 s; this test keeps CI's time down.)
    x = al.tensor(np.ones((2, 3)), requires_grad=True, name="x")
    h = x
    for i in range(170):
        w = nn.Parameter(np.full((3, 3), 0.1))
        w.name = f"W{i}"
        with al.name_scope(f"block{i // 20}"):
            h = al.tanh(h @ w) + h * 0.5
    loss = h.sum()
    loss.backward(retain_graph=True)
    ex = explore(loss)
    assert len(ex.data["nodes"]) > 1000
    path = ex.save(tmp_path / "big.html")
    start, opened, found = explorer_log(
        dump_dom(path.as_uri() + "#do=openall,search:W169", tmp_path / "profile")
    )
    assert int(start["units"]) < 60  # the blocks closed
    assert int(opened["units"]) == len(ex.data["nodes"]) and found["selected"] == "W169"


# ---------------------------------------------------------------------------------------
# Past the slide: module titles, sums that open, draw_graph's and the CLI's way in


def flat_sum(n: int = 30, names: list[str] | None = None):
    """t0 + t1 + ... + t(n-1), each term a named input, after backward(retain_graph)."""
    names = names or [f"t{k}" for k in range(n)]
    terms = [al.tensor(float(k), requires_grad=True, name=names[k]) for k in range(n)]
    s = terms[0]
    for t in terms[1:]:
        s = s + t
    s.name = "s"
    s.backward(retain_graph=True)
    return s


def test_modules_are_titled_by_type_and_name():
    al.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))
    x = al.randn(6, 3)
    x.name = "x"
    loss = nn.MSELoss()(model(x), al.zeros(6, 2))
    loss.backward(retain_graph=True)
    titles = {".".join(m["path"]): m["title"] for m in explore(loss).data["modules"]}
    # As the pictures title their boxes (visualize.model.module_title).
    assert titles == {
        "Sequential": "Sequential",
        "Sequential.0": "Linear  0",
        "Sequential.1": "BatchNorm1d  1",
        "Sequential.2": "ReLU  2",
        "Sequential.3": "Linear  3",
        "MSELoss": "MSELoss",
    }


def test_a_flat_sum_is_one_box_holding_its_terms():
    data = explore(flat_sum(30)).data
    (box,) = [m for m in data["modules"] if "sum" in m]
    assert box == {"path": ["sum of 30 terms"], "title": "sum of 30 terms", "sum": box["sum"]}
    assert box["sum"] == "t0 + t1 + … + t29"
    inside = [n for n in data["nodes"] if n["path"] == ["sum of 30 terms"]]
    # Its 29 + ops and its 30 terms (used by nothing else) are inside; the output is not.
    assert sorted(n["kind"] for n in inside) == ["input"] * 30 + ["op"] * 29
    assert [n["kind"] for n in data["nodes"] if not n["path"]] == ["output"]
    # A sum of fewer terms stays as it is (draw_graph draws it op by op, too).
    assert not [m for m in explore(flat_sum(10)).data["modules"] if "sum" in m]


def test_graph_view_offers_the_explorer_of_the_same_graph(cs231n):
    f = cs231n[0]
    view = visualize.draw_graph(f, title="cs231n", max_nodes=7000, renderer="wasm")
    ex = view.explore()
    assert isinstance(ex, Explorer) and ex.title == "cs231n"
    assert ex.data == explore(f, title="cs231n", max_nodes=7000).data
    assert view.explore(title="other").title == "other"
    with pytest.raises(ValueError, match=r"GraphView\.explore: this view was made from DOT"):
        visualize.GraphView("digraph { a }").explore()


def test_a_picture_past_a_slide_says_how_to_see_all_of_it():
    from visualize.graph import EXPLORE_HINT

    loss, _ = mlp()
    view = visualize.draw_graph(loss, renderer="wasm")
    small = visualize.draw_graph(flat_sum(3), renderer="wasm")
    assert small.fits_slide and EXPLORE_HINT not in small.svg()
    view.fits_slide, view.collapsed = False, ()  # (as draw_graph marks a picture past a slide)
    svg = view.svg()
    hint = [t for t in ET.fromstring(svg).iter(f"{SVG}text") if t.get("class") == "explore-hint"]
    assert [t.text for t in hint] == [EXPLORE_HINT]
    # Under the picture, which grew to make room for it.
    assert float(hint[0].get("y")) > float(
        ET.fromstring(view._svg["wasm"]).get("viewBox").split()[3]
    )
    view.explore_hint = '<script>alert("x")</script> & more'
    (text,) = [t for t in ET.fromstring(view.svg()).iter(f"{SVG}text") if t.get("class")]
    assert text.text == view.explore_hint and "<script>" not in view.svg()


def test_a_collapsed_picture_says_it_too():
    from visualize.graph import EXPLORE_HINT

    sys.path.insert(0, str(Path(__file__).parent))
    from corpus import CORPUS

    (case,) = [c for c in CORPUS if c.name == "conv_bn_relu_pool_twice"]
    view = visualize.draw_graph(case.build(), renderer="wasm")
    assert view.collapsed and "collapsed to fit a slide" in view.svg()
    assert EXPLORE_HINT in view.svg()


def test_the_cli_writes_the_explorer_and_points_to_it(tmp_path, capsys):
    from visualize.cli.app import main

    terms = " + ".join(f"x{k % 3} * {k}" for k in range(30))
    out, page = tmp_path / "g.svg", tmp_path / "g.html"
    assert (
        main(["graph", terms, "x0=1", "x1=2", "x2=3", "-o", str(out), "--explore", str(page)]) == 0
    )
    printed = capsys.readouterr().out
    assert f"wrote {page}" in printed
    data = page_data(page.read_text())
    assert [m["title"] for m in data["modules"]] == ["sum of 30 terms"]
    assert data["nodes"][-1]["name"] == "out"
    assert main(["graph", "x * y", "x=1", "y=2", "-o", str(out), "--explore", "g.svg"]) == 2
    assert "--explore: the explorer is an HTML page" in capsys.readouterr().err


def test_the_cli_says_when_a_picture_is_past_a_slide(tmp_path, capsys):
    from visualize.cli.app import main

    # 12 terms, each its own little subgraph: past a slide however it is wrapped.
    expr = " + ".join(f"sin(x{k % 4} * {k + 1}) * cos(x{(k + 1) % 4})" for k in range(12))
    out = tmp_path / "g.svg"
    args = ["graph", expr, *(f"x{k}=0.{k + 1}" for k in range(4)), "--renderer", "wasm"]
    assert main([*args, "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "add --explore graph.html" in err
    assert "To see all of it: --explore graph.html" in out.read_text()
    assert main([*args, "-o", str(out), "--explore", str(tmp_path / "all.html")]) == 0
    assert "--explore" not in capsys.readouterr().err
    assert "To see all of it: --explore all.html" in out.read_text()
    small = ["graph", "x * y", "x=1", "y=2", "-o", str(out), "--renderer", "wasm"]
    assert main(small) == 0 and "--explore" not in capsys.readouterr().err


@needs_chromium
def test_the_sum_opens_to_its_terms_in_chromium(tmp_path):
    path = explore(flat_sum(30)).save(tmp_path / "sum.html")
    actions = ["open:sum of 30 terms", "close:sum of 30 terms", "search:t17", "closeall"]
    url = path.as_uri() + "#do=" + ",".join(quote(a, safe=":") for a in actions)
    start, opened, closed, found, again = explorer_log(dump_dom(url, tmp_path / "profile"))
    assert start["units"] == "2" and start["open"] == "0"  # the sum box and the output
    assert start["selected"] == ""
    assert opened["units"] == "60" and opened["open"] == "1"  # 30 terms, 29 +, the output
    assert closed["units"] == "2"
    assert found["selected"] == "t17" and found["units"] == "60"  # opened to show it
    assert again["units"] == "2"


def unrolled_rnn(steps: int = 12):
    """An unrolled RNN without modules, tanh(h @ Whh) ``steps`` times, summed."""
    al.manual_seed(0)
    whh = al.tensor(np.eye(3) * 0.5, requires_grad=True, name="Whh")
    h = al.tensor(np.ones((1, 3)), name="h0")
    for _ in range(steps):
        h = al.tanh(h @ whh)
    loss = h.sum()
    loss.backward(retain_graph=True)
    return loss


@needs_chromium
def test_a_weight_used_at_every_step_reaches_far_steps_by_a_named_stub(tmp_path):
    # An unrolled RNN: Whh feeds all 12 steps. A wire from it to each far step would cross
    # the whole graph; those are drawn as short stubs into the step, named Whh.
    loss = unrolled_rnn(12)
    dom = dump_dom(explore(loss).save(tmp_path / "rnn.html").as_uri(), tmp_path / "profile")
    wires = re.findall(r'<g class="ax-wire( stub)?[^"]*">(.*?)</g>', dom, flags=re.S)
    stubs = [body for stub, body in wires if stub]
    # Into the first step in full (Whh sits beside its first use), into the others by stub
    # (wires: h and Whh into each matmul, each tanh's, the sum's, the output's).
    assert len(stubs) == 11 and len(wires) == 2 * 12 + 12 + 1 + 1
    assert all(re.search(r'class="ax-stub"[^>]*>Whh</text>', body) for body in stubs)
    assert not any("ax-v" in body for body in stubs)  # the values are a hover away


# ---------------------------------------------------------------------------------------
# The first view: the whole graph fitted to the stage, in a narrow cell as in a full window


def view_box(state: dict) -> tuple[list[float], list[float]]:
    """(x0, y0, x1, y1) of the graph as drawn in the stage, and the stage's (w, h), in px."""
    return [float(v) for v in state["view"].split(",")], [
        float(v) for v in state["stage"].split(",")
    ]


def assert_whole_graph_fitted(state: dict) -> None:
    (x0, y0, x1, y1), (w, h) = view_box(state)
    assert x0 >= 0 and x1 <= w and y0 >= 0 and y1 <= h, (state["view"], state["stage"])
    # Fitted: it spans the stage (less the margins) one way, or is at the largest scale.
    spans = x1 - x0 >= w - 42 or y1 - y0 >= h - 42
    assert spans or float(state["scale"]) == 1.5, (state["view"], state["stage"])


@needs_chromium
@pytest.mark.parametrize("window", ["600,800", "900,800", "1600,900"])
def test_the_first_view_is_the_whole_graph_and_says_when_to_zoom(tmp_path, window, cs231n):
    # A long chain (no modules to close): the whole of it, zoomed out, with a hint to zoom.
    rnn = explore(unrolled_rnn(12)).save(tmp_path / "rnn.html")
    start, zin, fitted = explorer_log(
        dump_dom(rnn.as_uri() + "#do=zoom:in,zoom:fit", tmp_path / "p1", f"--window-size={window}")
    )
    assert_whole_graph_fitted(start)
    assert float(start["scale"]) < 0.6 and "wheel or + to zoom in" in start["hint"]
    assert "The whole graph" in start["hint"]
    # Zoomed in, it is no longer the whole graph; Fit gives the first view back.
    assert float(zin["scale"]) > float(start["scale"]) and "The whole graph" not in zin["hint"]
    assert (fitted["scale"], fitted["view"], fitted["hint"]) == (
        start["scale"],
        start["view"],
        start["hint"],
    )
    # A small graph: whole, legible, no hint.
    small = explore(cs231n[0]).save(tmp_path / "small.html")
    (state,) = explorer_log(dump_dom(small.as_uri(), tmp_path / "p2", f"--window-size={window}"))
    assert_whole_graph_fitted(state)
    assert float(state["scale"]) >= 0.6 and state["hint"] == ""


@needs_chromium
def test_a_narrow_window_opens_what_stays_legible(tmp_path):
    # The MLP's modules opened one level show 9 boxes in a row: legible in a full window,
    # not in 600 px, where the model starts closed (a click opens it) and the details panel
    # goes under the drawing.
    loss, _ = mlp()
    path = explore(loss).save(tmp_path / "mlp.html")
    states = {}
    for window in ("600,800", "1600,900"):
        dom = dump_dom(path.as_uri(), tmp_path / window, f"--window-size={window}")
        (states[window],) = explorer_log(dom)
        states[window]["narrow"] = " narrow" in re.search(r'<div class="[^"]*"', dom)[0]
    narrow, wide = states["600,800"], states["1600,900"]
    assert narrow["narrow"] and not wide["narrow"]
    assert narrow["open"] == "0" and int(wide["open"]) >= 1
    assert int(wide["units"]) > int(narrow["units"])
    for state in (narrow, wide):
        assert_whole_graph_fitted(state)
        assert float(state["scale"]) >= 0.6 and state["hint"] == ""
    # Open all at 600 px: the whole graph again, zoomed out, saying so.
    _, opened = explorer_log(
        dump_dom(path.as_uri() + "#do=openall", tmp_path / "p3", "--window-size=600,800")
    )
    assert int(opened["units"]) == len(explore(loss).data["nodes"])
    assert_whole_graph_fitted(opened)
    assert float(opened["scale"]) < 0.6 and "The whole graph" in opened["hint"]
