"""backward_steps: the frames of a backward pass and the HTML page that plays them."""

from __future__ import annotations

import re

import pytest
from vis_helpers import dump_dom, needs_chromium, parse_svg, run_chromium, svg_texts

import autograd_lite as al
from visualize import backward_steps
from visualize.steps import MAX_ZOOM


def fork():
    """The issue's example: x feeds * and exp, both feed +. Tensors named as in the code."""
    x = al.tensor(0.5, dtype="float64", requires_grad=True, name="x")
    a = x * 2
    a.name = "a"
    b = x.exp()
    b.name = "b"
    c = b + a
    c.name = "c"
    return c, x, a, b


def active_ops(steps):
    return [None if s.frame.active is None else s.frame.active.label for s in steps]


def test_frames_follow_the_engines_order_not_reversed_forward():
    c, *_ = fork()
    steps = backward_steps(c, renderer="wasm")
    # The engine runs +, exp, * (newest first); reversing the forward order gives +, *, exp.
    assert active_ops(steps) == [None, "+", "exp", "*"]
    assert [s.caption.split(":")[0] for s in steps] == [f"Step {k} of 3" for k in range(4)]
    assert steps[2].caption.startswith("Step 2 of 3: exp (b) ran its backward")


def test_order_is_the_order_backward_calls_each_op():
    # Hooks on non-leaf tensors run just before their op's backward: they log the real order.
    x = al.tensor([0.5, -1.0], dtype="float64", requires_grad=True, name="x")
    w = al.tensor([2.0, 3.0], dtype="float64", requires_grad=True, name="w")
    h = al.tanh(x * w)
    g = al.exp(x) * h
    loss = (g + al.sigmoid(h) - x).sum()
    ran = []
    tensors = {}
    for t in (h, g, loss):
        tensors[id(t.grad_fn)] = t
        t.register_hook(lambda grad, node=t.grad_fn: ran.append(id(node)))
    order = [s.frame.active.node for s in backward_steps(loss, renderer="wasm")[1:]]
    assert [id(n) for n in order if id(n) in tensors] == ran  # ran filled by backward_steps
    assert len(order) == 8


def test_step_zero_shows_forward_values_and_the_seed():
    f = fork()[0]
    step0 = backward_steps(f, renderer="wasm")[0]
    assert step0.frame.active is None
    assert step0.frame.known == step0.frame.new == {id(f)}  # only the output's gradient
    assert step0.caption == (
        "Step 0 of 3: the forward pass has run and every wire shows its value. Backward "
        "starts at the output with the seed gradient 1 (d c / d c = 1)."
    )


def test_captions_name_the_op_and_the_gradients_it_produced(cs231n):
    steps = backward_steps(cs231n[0], renderer="wasm")
    assert len(steps) == 3
    assert steps[1].caption == (
        "Step 1 of 2: * (Mul) ran its backward and sent gradient to the output of + (-4) "
        "and z (3), now complete."
    )
    assert steps[2].caption == (
        "Step 2 of 2: + (Add) ran its backward and sent gradient to x (-4) and y (-4), "
        "now complete."
    )


def test_captions_say_which_gradients_are_still_partial():
    x = al.tensor(0.5, dtype="float64", requires_grad=True, name="x")
    b = x.exp()
    b.name = "b"
    c = b * x + x
    captions = [s.caption for s in backward_steps(c, renderer="wasm")]
    assert captions[2] == (
        "Step 2 of 3: * (Mul) ran its backward and sent gradient to b (0.5) and x. "
        "Now complete: b. Still partial: x (another op that used it has yet to send its share)."
    )


def test_captions_name_the_module():
    import nn

    al.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
    loss = model(al.randn(4, 2)).sum()
    captions = [s.caption for s in backward_steps(loss, renderer="wasm")]
    assert captions[2].startswith("Step 2 of 3: relu in Sequential.1 ran its backward")
    # The data (no requires_grad) gets no gradient and is not named.
    assert captions[3].endswith(
        "sent gradient to weight in Sequential.0 and bias in Sequential.0, now complete."
    )


def test_gradients_appear_frame_by_frame(cs231n):
    f, x, y, z = cs231n
    steps = backward_steps(f, renderer="wasm")
    q = f.grad_fn.inputs[0]
    assert [s.frame.known for s in steps] == [
        {id(f)},
        {id(f), id(q), id(z)},
        {id(f), id(q), id(z), id(x), id(y)},
    ]
    # The drawings show them: "-4" is z's value, then also q's gradient, then x's and y's.
    counts = [svg_texts(s.svg()).count("-4") for s in steps]
    assert counts[0] < counts[1] < counts[2]
    assert svg_texts(steps[0].svg()).count("1") >= 1  # the seed


def test_a_gradient_waits_for_all_its_users():
    c, x, *_ = fork()
    steps = backward_steps(c, renderer="wasm")
    # exp sends x its share first; x is complete only after * has sent the rest.
    assert id(x) not in steps[2].frame.known
    assert steps[2].caption.endswith(
        "sent gradient to x, still partial (another op that used it has yet to send its share)."
    )
    assert steps[3].frame.new == {id(x)}
    # dc/dx = e^x + 2 = 3.649
    assert steps[3].caption.endswith("sent gradient to x (3.649), now complete.")


def test_runs_backward_itself_when_needed():
    x = al.tensor(3.0, requires_grad=True, name="x")
    f = x * x
    steps = backward_steps(f)
    assert len(steps) == 2
    assert x.grad.item() == 6.0
    assert steps[1].caption.endswith("sent gradient to x (6), now complete.")


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
    al.grad(g, x, create_graph=True, retain_graph=False)  # freed, and nothing kept
    with pytest.raises(al.AutogradError, match="retain_graph=True"):
        backward_steps(g)


def test_html_page_is_self_contained(cs231n, tmp_path):
    f, *_ = cs231n
    path = backward_steps(f, renderer="wasm").save(tmp_path / "steps.html")
    page = path.read_text()
    assert page.count('<div class="frame"') == 3
    assert "http://" not in page.replace("http://www.w3.org", "")  # only XML namespaces
    assert "https://" not in page and "src=" not in page
    assert "Content-Security-Policy" in page
    for control in ("prev", "play", "next", "slider", "counter"):
        assert page.count(f'class="{control}"') == 1
    for svg in re.findall(r"<svg.*?</svg>", page, flags=re.S):
        parse_svg(svg)
    with pytest.raises(ValueError, match="name the file \\*\\.html"):
        backward_steps(f).save(tmp_path / "steps.svg")


def test_each_player_has_its_own_id(cs231n):
    steps = backward_steps(cs231n[0], renderer="wasm")
    one, two = steps._repr_html_(), steps._repr_html_()
    ids = [re.search(r'id="(autograd-steps-\w+)"', h)[1] for h in (one, two)]
    assert ids[0] != ids[1]
    for html_text, uid in zip((one, two), ids):
        # Every style rule and the script are tied to the player's own id.
        assert f'getElementById("{uid}")' in html_text
        rules = re.findall(r"^\s*(#[^{]+)\{", html_text, flags=re.M)
        assert rules and all(rule.startswith(f"#{uid}") for rule in rules)
    assert "<html" not in one  # a fragment for the output cell, not a page


def test_captions_are_escaped(tmp_path):
    x = al.tensor(1.0, requires_grad=True, name='<img src=x onerror=alert(1)>"')
    f = x * 3.0
    page = backward_steps(f, renderer="wasm").to_html()
    assert "<img" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;&quot;" in page


@pytest.fixture
def page(cs231n, tmp_path):
    f, *_ = cs231n
    w = al.tensor(0.5, requires_grad=True, name="w")
    g = al.tanh(f * w) + f  # a few more steps, so the arrow key has somewhere to go
    return backward_steps(g, renderer="wasm").save(tmp_path / "steps.html")


def _dom(url, tmp_path, *flags):
    return dump_dom(url, tmp_path / f"profile-{len(list(tmp_path.iterdir()))}", *flags)


def _counter(html_text):
    return re.search(r'<span class="counter">(.*?)</span>', html_text)[1]


@needs_chromium
def test_page_buttons_keys_and_hash_in_headless_chromium(page, tmp_path):
    url = page.as_uri()
    last = page.read_text().count('<div class="frame"') - 1
    assert last == 5
    assert _counter(_dom(url, tmp_path)) == f"Step 0 / {last}"
    assert _counter(_dom(url + "#press=next", tmp_path)) == f"Step 1 / {last}"
    assert _counter(_dom(url + "#press=next,ArrowRight", tmp_path)) == f"Step 2 / {last}"
    assert _counter(_dom(url + "#step=3&press=prev", tmp_path)) == f"Step 2 / {last}"
    assert _counter(_dom(url + "#press=End,ArrowLeft", tmp_path)) == f"Step {last - 1} / {last}"


@needs_chromium
def test_play_and_pause_in_headless_chromium(page, tmp_path):
    url = page.as_uri()
    # Timers run in virtual time: 3.7 s is two play intervals and a bit.
    playing = _dom(url + "#press=play", tmp_path, "--virtual-time-budget=3700")
    assert _counter(playing) == "Step 2 / 5"
    assert 'aria-pressed="true"' in playing and "Pause" in playing
    # Played to the end, it stops there; paused at once, it stays put.
    ended = _dom(url + "#press=play", tmp_path, "--virtual-time-budget=20000")
    assert _counter(ended) == "Step 5 / 5" and 'aria-pressed="false"' in ended
    paused = _dom(url + "#press=play,pause", tmp_path, "--virtual-time-budget=5000")
    assert _counter(paused) == "Step 0 / 5"
    # The space key plays too; from the last step, play starts over.
    restart = _dom(url + "#step=5&press=Space", tmp_path, "--virtual-time-budget=1600")
    assert _counter(restart) == "Step 1 / 5"


_MEASURE = """<script>
window.addEventListener("load", function () {
  var svg = document.querySelector(".frame:not([hidden]) svg");
  var box = svg.getBoundingClientRect();
  document.body.setAttribute("data-measured", box.width + "x" + box.height + "/" +
    svg.viewBox.baseVal.width + "x" + svg.viewBox.baseVal.height);
});
</script></body>"""


@needs_chromium
def test_small_graph_is_scaled_up_to_fill_the_stage(cs231n, tmp_path):
    path = backward_steps(cs231n[0], renderer="wasm").save(tmp_path / "steps.html")
    path.write_text(path.read_text().replace("</body>", _MEASURE))
    dom = _dom(path.as_uri(), tmp_path)
    w, h, vw, vh = map(
        float, re.search(r'data-measured="([\d.]+)x([\d.]+)/([\d.]+)x([\d.]+)"', dom).groups()
    )
    # The viewBox is in points (1 pt = 4/3 px); the drawing is scaled to meet the box.
    zoom = min(w / vw, h / vh) * 3 / 4
    assert 1.5 < zoom <= MAX_ZOOM + 1e-6
    assert w <= 1000 and h <= 700  # fits the window


@needs_chromium
def test_screenshots_change_with_the_step(page, tmp_path):
    url = page.as_uri()

    def screenshot(fragment, name, *flags):
        out = tmp_path / name
        done = run_chromium(
            f"--user-data-dir={tmp_path / ('profile-' + name)}",
            *flags,
            f"--screenshot={out}",
            url + fragment,
        )
        assert done.returncode == 0 and out.exists(), done.stderr.decode(errors="replace")[-2000:]
        data = out.read_bytes()
        assert data.startswith(b"\x89PNG")
        return data

    before = screenshot("", "before.png")
    after = screenshot("#press=next", "after.png")
    played = screenshot("#press=play", "played.png", "--virtual-time-budget=1600")
    assert before != after and played not in (before, after)  # step 1, and "Pause" shown


def _node_boxes(svg):
    """Each node's outline (its id and the points of its shape), in drawing order."""
    root = parse_svg(svg)
    ns = "{http://www.w3.org/2000/svg}"
    return [
        (g.get("id"), [(s.tag, s.get("points") or s.get("cx")) for s in g if s.tag != ns + "text"])
        for g in root.iter(ns + "g")
        if "node" in (g.get("class") or "").split()
    ]


def test_every_frame_has_one_layout_with_blanks_for_the_gradients_to_come(cs231n):
    f = cs231n[0]
    steps = backward_steps(f, renderer="wasm")
    # Nothing moves from one step to the next: same size, same node outlines.
    sizes = {re.search(r'<svg width="[^"]+" height="[^"]+"', s.svg()).group() for s in steps}
    assert len(sizes) == 1
    assert len({repr(_node_boxes(s.svg())) for s in steps}) == 1
    # A gradient not computed yet is a grey blank as wide as the number it stands for.
    blanks = [[t for t in svg_texts(s.svg()) if set(t) == {"_"}] for s in steps]
    assert len(blanks[0]) == 4  # q, x, y, z: only the seed is known at step 0
    assert len(blanks[1]) == 2  # x, y
    assert blanks[2] == []
    assert "#9ca3af" in steps[0].svg() and "#9ca3af" not in steps[2].svg()
    # The blank hides the number: at step 0, "-4" is z's value only (not yet q's gradient).
    assert svg_texts(steps[0].svg()).count("-4") == 1
    assert svg_texts(steps[1].svg()).count("-4") == 2


def test_a_long_graph_is_wrapped_in_every_frame_as_draw_graph_wraps_it():
    x = al.tensor(0.5, dtype="float64", requires_grad=True, name="x")
    y = x
    for _ in range(24):
        y = (y * 1.01).tanh()
    y.name = "y"
    steps = backward_steps(y, renderer="wasm")
    for s in (steps[0], steps[len(steps) // 2], steps[len(steps) - 1]):
        w, h = map(
            float, re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', s.svg()).groups()
        )
        assert w / h <= 4.0
    unwrapped = backward_steps(y, renderer="wasm", max_aspect=None)[0].svg()
    w, h = map(float, re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', unwrapped).groups())
    assert w / h > 4.0


def test_each_wire_gets_its_gradient_when_the_op_it_feeds_runs():
    # x feeds exp and *: exp runs at step 2 and sends e^x = 1.649 along its wire; * runs at
    # step 3 and sends 2 along its own. x's gradient (3.649) is their sum, on x's node.
    from vis_helpers import svg_colored_texts

    c, *_ = fork()
    steps = backward_steps(c, renderer="wasm")
    assert active_ops(steps) == [None, "+", "exp", "*"]
    step2 = svg_colored_texts(steps[2].svg())
    assert ("1.649", "darkorange") in step2  # just sent by exp
    assert not any(t == "2" and c in ("red", "darkorange") for t, c in step2)  # * not yet
    assert not any(t.startswith("grad") for t, _ in step2)  # x's sum: still a blank
    step3 = svg_colored_texts(steps[3].svg())
    assert ("1.649", "red") in step3 and ("2", "darkorange") in step3
    assert ("grad 3.649", "darkorange") in step3  # x complete: the sum, new
