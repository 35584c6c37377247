"""backward_steps: the frames of a backward pass and the HTML page that plays them."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from vis_helpers import dot_edge_attrs, parse_svg, wire_grad, wire_value

import autograd_lite as al
from visualize import backward_steps

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed")


def grads_shown(source):
    """Sorted gradient labels drawn in one frame."""
    return sorted(wire_grad(a) for _, _, a in dot_edge_attrs(source) if wire_grad(a))


def test_one_frame_per_op_in_backward_order(cs231n):
    f, *_ = cs231n
    steps = backward_steps(f, renderer="wasm")
    assert len(steps) == 2
    first, second = (step.view.source for step in steps)
    # Step 1: * ran its backward: q's gradient (-4) and z's (3) are known, plus df/df = 1.
    assert grads_shown(first) == ["-4", "1", "3"]
    assert "Step 1 of 2: * (Mul)" in steps[0].caption
    # Step 2: + ran: x and y get -4 each.
    assert grads_shown(second) == ["-4", "-4", "-4", "1", "3"]
    assert steps[1].caption.endswith("Gradient now complete for: x, y.")
    # The newest gradients and the op that ran are highlighted.
    highlighted = [a for _, _, a in dot_edge_attrs(second) if a.get("color") == "darkorange"]
    assert sorted(wire_value(a) for a in highlighted) == ["-2", "5"]
    assert re.search(r'label="\+".*penwidth=3', second)


def test_runs_backward_itself_when_needed():
    x = al.tensor(3.0, requires_grad=True, name="x")
    f = x * x
    steps = backward_steps(f)
    assert len(steps) == 1
    assert x.grad.item() == 6.0
    assert grads_shown(steps[0].view.source) == ["1", "6", "6"]


def test_a_gradient_waits_for_all_its_users():
    # x feeds both a and the final product; its gradient completes only at the last step.
    x = al.tensor(2.0, requires_grad=True, name="x")
    a = al.exp(x)
    f = a * x
    steps = backward_steps(f)
    assert len(steps) == 2
    assert steps[0].caption.endswith("complete for: the output of exp.")
    assert steps[1].caption.endswith("complete for: x.")

    def x_wires(step):
        src = step.view.source
        x_key = next(line.split()[0] for line in src.splitlines() if "[label=x " in line)
        return [a for t, _, a in dot_edge_attrs(src) if t == x_key]

    assert [wire_grad(a) for a in x_wires(steps[0])] == [None, None]
    # df/dx = e^x + x e^x = 3 e^2 = 22.17, on both of x's wires.
    assert [wire_grad(a) for a in x_wires(steps[1])] == ["22.17", "22.17"]


def test_refuses_bad_input(cs231n):
    x = cs231n[1]
    with pytest.raises(ValueError, match="backward_steps: the tensor was not computed"):
        backward_steps(x)
    y = x
    for _ in range(30):
        y = y * 1.0
    with pytest.raises(ValueError, match="more than max_steps=10"):
        backward_steps(y, max_steps=10)
    g = x * 2.0
    g.backward()
    with pytest.raises(al.AutogradError, match="retain_graph=True"):
        backward_steps(g)


def test_html_page_is_self_contained(cs231n, tmp_path):
    f, *_ = cs231n
    path = backward_steps(f, renderer="wasm").save(tmp_path / "steps.html")
    page = path.read_text()
    assert page.count('<div class="frame"') == 2
    assert "http://" not in page.replace("http://www.w3.org", "")  # only XML namespaces
    assert "https://" not in page and "src=" not in page
    assert "Content-Security-Policy" in page
    for svg in re.findall(r"<svg.*?</svg>", page, flags=re.S):
        parse_svg(svg)
    with pytest.raises(ValueError, match="name the file \\*\\.html"):
        backward_steps(f).save(tmp_path / "steps.svg")


def test_captions_are_escaped(tmp_path):
    x = al.tensor(1.0, requires_grad=True, name='<img src=x onerror=alert(1)>"')
    f = x * 3.0
    page = backward_steps(f, renderer="wasm").to_html()
    assert "<img" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;&quot;" in page


def _chromium(*args, timeout=60):
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--window-size=1000,700",
    ]
    return subprocess.run(
        [CHROMIUM, *flags, *args], capture_output=True, timeout=timeout, check=False
    )


@needs_chromium
def test_page_in_headless_chromium(cs231n, tmp_path):
    """Load the page, press Next (and the right arrow key), screenshot, check the step changed."""
    f, *_ = cs231n
    x2 = al.tensor(0.5, requires_grad=True, name="w")
    g = al.tanh(f * x2) + f  # a few more steps, so the arrow key has somewhere to go
    page = backward_steps(g, renderer="wasm").save(tmp_path / "steps.html")
    url = page.as_uri()

    def dom(fragment):
        profile = tmp_path / f"profile-dom-{len(fragment)}"
        done = _chromium(f"--user-data-dir={profile}", "--dump-dom", url + fragment)
        assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
        return done.stdout.decode()

    def counter(html_text):
        return re.search(r'<span id="counter">(.*?)</span>', html_text)[1]

    n = page.read_text().count('<div class="frame"')
    assert counter(dom("")) == f"Step 1 / {n}"
    assert counter(dom("#press=next")) == f"Step 2 / {n}"
    assert counter(dom("#press=next,ArrowRight")) == f"Step 3 / {n}"
    assert counter(dom("#step=3&press=prev")) == f"Step 2 / {n}"

    def screenshot(fragment, name):
        out = tmp_path / name
        done = _chromium(
            f"--user-data-dir={tmp_path / ('profile-' + name)}",
            f"--screenshot={out}",
            url + fragment,
        )
        assert done.returncode == 0 and out.exists(), done.stderr.decode(errors="replace")[-2000:]
        data = out.read_bytes()
        assert data.startswith(b"\x89PNG")
        return data

    before = screenshot("", "before.png")
    after = screenshot("#press=next", "after.png")
    assert before != after  # the picture changed with the step
