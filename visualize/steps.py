"""A backward pass, one op at a time: frames of the graph as gradients become known.

``backward_steps(loss)`` returns one frame per op of the backward pass, in the order the
chain rule visits them (output first). Frame *k* shows every gradient known after the
*k*-th op ran its backward; the op that just ran and the gradients it completed are
highlighted in orange. A tensor's gradient counts as known once every op that used it
has sent its share back (until then it is a partial sum).

``.save("steps.html")`` writes one self-contained page (inline SVG, inline script, no
network access) with previous/next buttons, a slider and the arrow keys. The page reads
its address's hash: ``steps.html#step=3`` opens step 3, and ``#press=next,next`` presses
buttons after loading (for demos and for the browser test).
"""

from __future__ import annotations

import html
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from visualize.graph import (
    DrawOptions,
    Frame,
    GraphView,
    LeafItem,
    OpItem,
    build_model,
    to_dot,
)
from visualize.render import write_atomic


@dataclass
class Step:
    """One frame: ``caption`` (plain text) and ``view`` (a GraphView of the graph then)."""

    caption: str
    view: GraphView

    def svg(self) -> str:
        return self.view.svg()


class BackwardSteps:
    """The frames of a backward pass; ``len()``, indexing, iteration and ``.save(path)``."""

    def __init__(self, steps: list[Step], title: str) -> None:
        self.steps = steps
        self.title = title

    def __len__(self) -> int:
        return len(self.steps)

    def __getitem__(self, index: int) -> Step:
        return self.steps[index]

    def __iter__(self) -> Iterator[Step]:
        return iter(self.steps)

    def __repr__(self) -> str:
        return f"BackwardSteps({len(self)} steps)"

    def to_html(self) -> str:
        """The whole step-through as one HTML page (see the module docstring)."""
        frames = []
        for i, step in enumerate(self.steps, start=1):
            svg = _inline_svg(step.svg())
            caption = html.escape(step.caption, quote=True)
            hidden = "" if i == 1 else " hidden"
            frames.append(f'<div class="frame" data-caption="{caption}"{hidden}>\n{svg}\n</div>')
        return _PAGE.format(
            title=html.escape(self.title),
            n=len(self.steps),
            first_caption=html.escape(self.steps[0].caption) if self.steps else "",
            frames="\n".join(frames),
        )

    def save(self, path: str | os.PathLike) -> Path:
        """Write the page to ``path`` (must end in .html or .htm), atomically."""
        path = Path(path)
        if path.suffix.lower() not in (".html", ".htm"):
            raise ValueError(
                f"BackwardSteps.save: the step-through is an HTML page; name the file "
                f"*.html, got {path.name!r}"
            )
        return write_atomic(path, self.to_html())

    def _repr_html_(self) -> str:
        # Notebooks show the first frame; the page with controls is for .save().
        return self.steps[0].svg() if self.steps else ""


def _inline_svg(svg: str) -> str:
    # Drop the XML prolog, DOCTYPE and comments before <svg>: they are not allowed in HTML.
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg


def _describe(item: Any) -> str:
    name = getattr(item.tensor, "name", None)
    if name:
        return str(name)
    if isinstance(item, OpItem):
        return f"the output of {item.label}"
    return "a parameter" if isinstance(item, LeafItem) and item.kind == "param" else "an input"


def backward_steps(
    root: Any,
    show_shapes: bool = True,
    rankdir: str = "LR",
    max_steps: int = 200,
    renderer: str | None = None,
) -> BackwardSteps:
    """Frames of the backward pass from ``root`` (a Tensor), one per op.

    If ``backward`` has not run yet, this runs ``root.backward(retain_graph=True)`` (which,
    as any backward, adds into the leaves' ``.grad``). After a plain ``backward()`` the
    graph is gone: call ``backward(retain_graph=True)`` instead. Graphs with more than
    ``max_steps`` ops are refused with a ValueError (draw them with draw_graph).
    """
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(
            f"backward_steps: rankdir must be 'LR', 'TB', 'RL' or 'BT', got {rankdir!r}"
        )
    if isinstance(max_steps, bool) or not isinstance(max_steps, int) or max_steps < 1:
        raise ValueError(f"backward_steps: max_steps must be a positive int, got {max_steps!r}")
    # Walk with room to spare, so "too big" is reported rather than silently cut.
    model = build_model(root, max_nodes=4 * max_steps + 2, where="backward_steps")
    if model.truncated or len(model.ops) > max_steps:
        total = len(model.ops) + sum(model.omitted_ops.values())
        raise ValueError(
            f"backward_steps: the graph has {total if model.truncated else len(model.ops)}"
            f"{'+' if model.truncated else ''} ops, more than max_steps={max_steps}; "
            "use draw_graph for a graph this size, or raise max_steps"
        )
    if model.root_op is None:
        raise ValueError(
            "backward_steps: the tensor was not computed by any op (it is a leaf), "
            "so its backward pass has no steps"
        )
    if model.root_op.grad is None:
        root.backward(retain_graph=True)

    # model.ops is in forward (topological) order, so its reverse is a valid backward order.
    order = list(reversed(model.ops))
    position = {id(op): k for k, op in enumerate(order)}
    # A tensor's gradient is complete once the last of its consumers has run backward.
    complete_at: dict[int, int] = {id(root): -1}
    source_of: dict[int, Any] = {}
    for source, consumer in model.edges:
        if isinstance(source, (OpItem, LeafItem)):
            key = id(source.tensor)
            source_of[key] = source
            complete_at[key] = max(complete_at.get(key, -1), position[id(consumer)])

    opts = DrawOptions(show_values=True, show_grads=True, show_shapes=show_shapes, rankdir=rankdir)
    steps: list[Step] = []
    for k, op in enumerate(order):
        known = {key for key, at in complete_at.items() if at <= k}
        new = {key for key, at in complete_at.items() if at == k}
        names = [_describe(source_of[key]) for key in new if key in source_of]
        caption = (
            f"Step {k + 1} of {len(order)}: {op.label} ({type(op.node).__name__}) ran its "
            f"backward. "
        )
        caption += (
            f"Gradient now complete for: {', '.join(names)}."
            if names
            else "Its inputs' gradients still wait for other branches."
        )
        view = GraphView(to_dot(model, opts, Frame(known, new, op)).source, renderer, model)
        steps.append(Step(caption, view))
    title = f"Backward pass of {getattr(root, 'name', None) or 'the output'}, step by step"
    return BackwardSteps(steps, title)


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none';
      style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>{title}</title>
<style>
  body {{ font-family: Helvetica, Arial, sans-serif; margin: 1.5em; color: #111827; }}
  .controls {{ display: flex; gap: 0.8em; align-items: center; margin: 0.8em 0; }}
  .controls input[type=range] {{ width: 20em; }}
  button {{ font-size: 1em; padding: 0.3em 0.9em; }}
  #caption {{ min-height: 2.5em; }}
  .frame svg {{ max-width: 100%; height: auto; }}
  .legend .value {{ color: darkgreen; }} .legend .grad {{ color: red; }}
  .legend .new {{ color: darkorange; }}
</style>
</head>
<body>
<h1>{title}</h1>
<p class="legend">Forward values in <span class="value">green</span>, gradients in
<span class="grad">red</span>; the op that just ran and the gradients it completed in
<span class="new">orange</span>. Keys: &larr; and &rarr;.</p>
<div class="controls">
  <button id="prev" type="button">&#9664; Previous</button>
  <input id="slider" type="range" min="1" max="{n}" value="1" aria-label="step">
  <button id="next" type="button">Next &#9654;</button>
  <span id="counter">Step 1 / {n}</span>
</div>
<p id="caption">{first_caption}</p>
{frames}
<script>
(function () {{
  "use strict";
  var frames = document.querySelectorAll(".frame");
  var slider = document.getElementById("slider");
  var counter = document.getElementById("counter");
  var caption = document.getElementById("caption");
  var prev = document.getElementById("prev");
  var next = document.getElementById("next");
  var current = 1;

  function show(step) {{
    current = Math.max(1, Math.min(frames.length, step));
    for (var i = 0; i < frames.length; i++) {{ frames[i].hidden = (i !== current - 1); }}
    slider.value = String(current);
    counter.textContent = "Step " + current + " / " + frames.length;
    caption.textContent = frames[current - 1].getAttribute("data-caption");
    prev.disabled = current === 1;
    next.disabled = current === frames.length;
  }}

  prev.addEventListener("click", function () {{ show(current - 1); }});
  next.addEventListener("click", function () {{ show(current + 1); }});
  slider.addEventListener("input", function () {{ show(parseInt(slider.value, 10)); }});
  document.addEventListener("keydown", function (event) {{
    if (event.target === slider) {{ return; }}  // the slider moves itself with the arrows
    if (event.key === "ArrowRight") {{ show(current + 1); }}
    else if (event.key === "ArrowLeft") {{ show(current - 1); }}
    else if (event.key === "Home") {{ show(1); }}
    else if (event.key === "End") {{ show(frames.length); }}
  }});

  // The hash: #step=3 opens step 3; #press=next,ArrowRight presses buttons or keys.
  var params = {{}};
  location.hash.replace(/^#/, "").split("&").forEach(function (part) {{
    var kv = part.split("=");
    if (kv[0]) {{ params[decodeURIComponent(kv[0])] = decodeURIComponent(kv[1] || ""); }}
  }});
  show(parseInt(params.step, 10) || 1);
  (params.press ? params.press.split(",") : []).forEach(function (action) {{
    if (action === "next") {{ next.click(); }}
    else if (action === "prev") {{ prev.click(); }}
    else if (/^[A-Za-z]+$/.test(action)) {{
      document.dispatchEvent(new KeyboardEvent("keydown", {{ key: action }}));
    }}
  }});
}})();
</script>
</body>
</html>
"""
