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
import zipfile
from pathlib import Path

import numpy as np
import pytest
from vis_helpers import dump_dom, explorer_log, needs_chromium

import autograd_lite as al
import nn
import visualize
from visualize import Explorer, backward_steps, explore
from visualize.explore import FULL_ARRAY, array_text


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
    assert module["selected"] == "4" and "module Sequential.4" in module["panel"]
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
