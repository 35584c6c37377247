"""Jupyter: a real notebook, executed with nbclient on an IPython kernel, shows every picture.

One kernel start for the whole module: the notebook draws a graph (SVG), two backward
step-throughs (interactive HTML), and the four plots (PNG). The step-throughs' HTML is then
put into a page the way JupyterLab inserts an output (innerHTML, then its scripts re-run)
and driven in headless Chromium: next and play work, and two players do not interfere.
"""

from __future__ import annotations

import base64
import json
import re
import struct
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from vis_helpers import dump_dom, needs_chromium

nbclient = pytest.importorskip("nbclient")
nbformat = pytest.importorskip("nbformat")
pytest.importorskip("ipykernel")

ROOT = Path(__file__).resolve().parents[2]
KERNEL = "autograd-lite-test"

CELLS = {
    "setup": """
import numpy as np
import autograd_lite as al
import nn
from visualize import (draw_graph, backward_steps, plot_history, plot_function,
                       plot_decision_boundary, plot_activation_stats)
x = al.tensor(-2.0, dtype="float64", requires_grad=True, name="x")
y = al.tensor(5.0, dtype="float64", requires_grad=True, name="y")
z = al.tensor(-4.0, dtype="float64", requires_grad=True, name="z")
f = (x + y) * z
f.backward(retain_graph=True)
""",
    "graph": "draw_graph(f)",
    "steps": "backward_steps(f)",
    "steps2": """
w = al.tensor(0.5, requires_grad=True, name="w")
b = w.exp(); b.name = "b"
a = w * 2; a.name = "a"
c = b + a; c.name = "c"
backward_steps(c)
""",
    "explore": "from visualize import explore\nexplore(f)",
    # A picture past a slide offers the explorer: a flat sum of 30 terms, one box in it.
    "explore_sum": """
terms = [al.tensor(float(k), requires_grad=True, name=f"t{k}") for k in range(30)]
s = terms[0]
for t in terms[1:]:
    s = s + t
s.name = "s"
s.backward(retain_graph=True)
draw_graph(s).explore()
""",
    # A model whose modules, opened, are too many to read in a narrow cell.
    "explore_mlp": """
al.manual_seed(0)
model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 3))
xb = al.randn(8, 6)
xb.name = "x"
loss = nn.CrossEntropyLoss()(model(xb), al.tensor(np.arange(8) % 3))
loss.name = "loss"
loss.backward(retain_graph=True)
explore(loss)
""",
    "history": 'plot_history({"loss": [1.0, 0.5, 0.3], "val_loss": [1.1, 0.7, 0.5]})',
    "function": "plot_function(al.tanh, (-3, 3), num=50)",
    "boundary": """
al.manual_seed(0)
X = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
plot_decision_boundary(nn.Linear(2, 2), X, np.array([0, 1, 0, 1]), resolution=20)
""",
    "activations": """
model = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 8), nn.ReLU())
plot_activation_stats(model, np.random.default_rng(0).normal(size=(16, 3)), bins=10)
""",
}


def _kernel_spec(directory: Path) -> None:
    """A kernel spec for this very Python (a fresh CI venv has no registered kernel)."""
    spec = directory / "kernels" / KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "autograd-lite test",
                "language": "python",
                "env": {"PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"},
            }
        )
    )


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    """Execute the notebook once; returns {cell name: its outputs}."""
    home = tmp_path_factory.mktemp("jupyter")
    _kernel_spec(home)
    mp = pytest.MonkeyPatch()
    mp.setenv("JUPYTER_PATH", str(home))
    mp.setenv("JUPYTER_RUNTIME_DIR", str(home / "runtime"))
    mp.setenv("IPYTHONDIR", str(home / "ipython"))
    try:
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(src.strip()) for src in CELLS.values()]
        client = nbclient.NotebookClient(
            nb, kernel_name=KERNEL, timeout=120, resources={"metadata": {"path": str(home)}}
        )
        client.execute()
    finally:
        mp.undo()
    return {name: cell.outputs for name, cell in zip(CELLS, nb.cells)}


def _result(outputs, name):
    """The execute_result data of one cell (and nothing went to stderr)."""
    cell = outputs[name]
    errors = [o for o in cell if o.output_type == "error" or o.get("name") == "stderr"]
    assert not errors, errors
    results = [o for o in cell if o.output_type == "execute_result"]
    assert len(results) == 1, cell
    return results[0]


def test_graph_displays_as_svg(outputs):
    data = _result(outputs, "graph")["data"]
    svg = ET.fromstring(data["image/svg+xml"].encode())
    texts = [t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert "-12" in texts and "3" in texts  # f's value and df/dz


@pytest.mark.parametrize("name,frames", [("steps", 3), ("steps2", 4)])
def test_steps_display_as_an_interactive_player(outputs, name, frames):
    data = _result(outputs, name)["data"]
    assert data["text/plain"] == f"BackwardSteps({frames} steps)"
    page = data["text/html"]
    assert page.count('<div class="frame"') == frames
    for control in ("prev", "play", "next", "slider", "counter"):
        assert f'class="{control}"' in page
    assert "<script>" in page and "src=" not in page  # self-contained: no network
    assert "https://" not in page and "http://" not in page.replace("http://www.w3.org", "")


def test_explore_displays_as_a_self_contained_explorer(outputs):
    data = _result(outputs, "explore")["data"]
    assert data["text/plain"] == "Explorer(6 nodes, 5 wires)"
    page = data["text/html"]
    assert page.startswith('<div class="autograd-explorer cell"') and "<html" not in page
    assert page.count("<script>") == 1 and "src=" not in page  # self-contained: no network
    assert "https://" not in page and "http://" not in page.replace("http://www.w3.org", "")


def test_a_graph_views_explorer_displays_too(outputs):
    data = _result(outputs, "explore_sum")["data"]
    assert data["text/plain"] == "Explorer(60 nodes, 59 wires)"
    page = data["text/html"]
    assert page.startswith('<div class="autograd-explorer cell"') and "sum of 30 terms" in page
    assert page.count("<script>") == 1 and "src=" not in page


@pytest.mark.parametrize("name", ["history", "function", "boundary", "activations"])
def test_plots_display_as_png(outputs, name):
    result = _result(outputs, name)
    png = base64.b64decode(result["data"]["image/png"])
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    # Drawn at twice the size it is shown at, for sharp high-density screens.
    pixel_width = struct.unpack(">I", png[16:20])[0]
    assert pixel_width == 2 * result["metadata"]["image/png"]["width"] > 300


# JupyterLab puts an HTML output into the page with innerHTML and then re-creates its
# <script> elements so they run; this page does the same with two outputs, then runs the
# test's actions.
_JUPYTER_LIKE = """<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>
<div class="output" id="out0" style="{style0}"></div>
<div class="output" id="out1" style="{style1}"></div>
<script>
var outputs = {outputs};
outputs.forEach(function (html, i) {{
  var cell = document.getElementById("out" + i);
  cell.innerHTML = html;
  cell.querySelectorAll("script").forEach(function (old) {{
    var s = document.createElement("script");
    s.textContent = old.textContent;
    old.replaceWith(s);
  }});
}});
{actions}
</script></body></html>"""


def jupyter_like(path, outputs, actions, styles=("", "")):
    """Write a page showing ``outputs`` (two HTML strings) as JupyterLab would, then
    running ``actions`` (JavaScript); ``styles``: the CSS of each output's cell."""
    shown = json.dumps(outputs).replace("</", "<\\/")
    page = _JUPYTER_LIKE.format(outputs=shown, actions=actions, style0=styles[0], style1=styles[1])
    path.write_text(page)
    return path


@needs_chromium
def test_step_controls_work_in_the_output(outputs, tmp_path):
    pages = [_result(outputs, name)["data"]["text/html"] for name in ("steps", "steps2")]
    # Next twice in the first player, play in the second.
    page = jupyter_like(
        tmp_path / "notebook.html",
        pages,
        """var first = document.querySelector("#out0 .autograd-steps");
var second = document.querySelector("#out1 .autograd-steps");
first.querySelector(".next").click();
first.querySelector(".next").click();
second.querySelector(".play").click();""",
    )
    # Timers run in virtual time: 4 s is two and a half play intervals.
    dom = dump_dom(page.as_uri(), tmp_path / "profile", "--virtual-time-budget=4000")
    counters = re.findall(r'<span class="counter">(.*?)</span>', dom)
    assert counters == ["Step 2 / 2", "Step 2 / 3"]  # next, next; and play ran two steps
    plays = re.findall(r'<button class="play"[^>]*aria-pressed="(\w+)"', dom)
    assert plays == ["false", "true"]  # the second is still playing
    # Each player shows exactly one frame: the one its counter names.
    players = re.split(r'<div class="autograd-steps', dom)[1:]
    assert len(players) == 2
    for player in players:
        shown = re.findall(r'<div class="frame" data-caption="Step (\d+) of \d+[^"]*">', player)
        assert shown == ["2"]


def explorer_outputs(outputs, name, tmp_path, action):
    """The explorer of cell ``name`` shown twice, as JupyterLab may (its scripts run each
    time), then ``action`` (JavaScript); the state each reports, and the page's DOM."""
    html = _result(outputs, name)["data"]["text/html"]
    page = jupyter_like(tmp_path / f"{name}.html", [html, html], action)
    dom = dump_dom(page.as_uri(), tmp_path / "profile")
    tags = re.findall(r'<div class="autograd-explorer cell"[^>]*>', dom)
    assert len(tags) == 2
    return [dict(re.findall(r'data-(\w+)="([^"]*)"', tag)) for tag in tags], dom


@needs_chromium
def test_explorer_works_in_the_output(outputs, tmp_path):
    # A step back in the first only.
    action = 'document.querySelector("#out0 .ax-prev").click();'
    states, _ = explorer_outputs(outputs, "explore", tmp_path, action)
    assert [s["ready"] for s in states] == ["1", "1"]
    assert [s["units"] for s in states] == ["6", "6"]  # x, y, +, z, * and f
    assert [s["step"] for s in states] == ["1", "2"]  # each explorer has its own state


@needs_chromium
def test_the_sum_opens_in_the_output(outputs, tmp_path):
    # A click on the closed sum opens it to its terms, in the second output only.
    action = (
        'document.querySelector("#out1 .ax-unit.kind-module")'
        '.dispatchEvent(new MouseEvent("click", {bubbles: true}));'
    )
    states, dom = explorer_outputs(outputs, "explore_sum", tmp_path, action)
    # Closed: the sum box and s; open: 30 terms, 29 + ops and s.
    assert [s["units"] for s in states] == ["2", "60"]
    assert [s["open"] for s in states] == ["0", "1"]
    assert "\u25be sum of 30 terms" in dom  # the open box's title


@needs_chromium
def test_the_explorer_fits_a_narrow_cell_and_one_shown_later(outputs, tmp_path):
    # The first shown at once, 600 px wide; the second inserted while hidden (a collapsed
    # output, or a tab not shown yet: its script runs before it has a size), shown 900 px
    # wide half a second later.
    html = _result(outputs, "explore_mlp")["data"]["text/html"]
    show = 'setTimeout(function () { document.getElementById("out1").style.display = ""; }, 500);'
    styles = ("width: 600px", "width: 900px; display: none")
    page = jupyter_like(tmp_path / "narrow.html", [html, html], show, styles)
    dom = dump_dom(
        page.as_uri(), tmp_path / "profile", "--virtual-time-budget=2000", "--window-size=1000,900"
    )
    tags = re.findall(r'<div class="autograd-explorer cell[^"]*"[^>]*>', dom)
    assert len(tags) == 2 and all(" narrow" in tag for tag in tags)  # the details under it
    for tag, width in zip(tags, (600, 900)):
        state = dict(re.findall(r'data-(\w+)="([^"]*)"', tag))
        x0, y0, x1, y1 = map(float, state["view"].split(","))
        w, h = map(float, state["stage"].split(","))
        # The stage as laid out in the cell (not a guess made while it had no size) ...
        assert width - 30 < w <= width and h > 300
        # ... and the whole graph in it, fitted, legible: the model closed (a click opens it).
        assert x0 >= 0 and x1 <= w and y0 >= 0 and y1 <= h
        assert x1 - x0 >= w - 42 or y1 - y0 >= h - 42 or state["scale"] == "1.500"
        assert state["open"] == "0" and float(state["scale"]) >= 0.6 and state["hint"] == ""
