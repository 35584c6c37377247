"""A backward pass, one op at a time: frames of the graph as gradients become known.

``backward_steps(loss)`` returns the frames of the backward pass in exactly the order
``loss.backward()`` runs the ops: the engine's own order
(``autograd_lite.engine.topological_order``), newest op first, so every op runs after all
the ops that used its output. Frame 0 shows the forward values and the seed gradient 1 on
the output; frame *k* shows every gradient known after the *k*-th op ran its backward:
each wire's gradient appears when the op it feeds has run (it is what that op sent back
along it), a grey blank until then. The op that just ran is highlighted, and so is what it
sent. A tensor's whole gradient (on a leaf's node, when it is used more than once) counts
as known once every op that used it has sent its share back (until then it is a partial
sum). Each caption names the op (its label and its output's name, e.g. "exp (b)"), the
tensors it sent gradient to and the gradients it completed.

``.save("steps.html")`` writes one self-contained page (inline SVG, inline script, no
network access) with previous/play/next buttons, a slider and the keys (arrows, Home, End,
space for play/pause). Small graphs are scaled up to fill the page. The page reads its
address's hash: ``steps.html#step=3`` opens step 3, and ``#press=next,play`` presses
buttons (``prev``, ``next``, ``play``, ``pause``) or keys (``ArrowRight``, ``Space``)
after loading,
for demos and for the browser test.

The page's HTML, style and script are package data files (``visualize/static/steps_*``,
read by :mod:`visualize.assets`).

In Jupyter the returned object displays as the same interactive player, inline in the
output cell (``_repr_html_``): self-contained, its elements found by a unique id, so
several step-throughs in one notebook do not interfere.
"""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograd_lite.engine import topological_order
from autograd_lite.function import KEEP_AFTER_BACKWARD
from visualize.assets import Page, asset, fill
from visualize.graph import (
    DrawOptions,
    Frame,
    GraphModel,
    GraphView,
    LeafItem,
    OpItem,
    build_model,
    fit_view,
    format_array,
    to_dot,
)
from visualize.layout import WRAP_ASPECT, check_max_aspect
from visualize.model import lost_to_backward

# The play button shows one step per this many milliseconds.
PLAY_INTERVAL_MS = 1500
# Small graphs are drawn at most this many times their natural size.
MAX_ZOOM = 3.0


@dataclass
class Step:
    """One frame: ``caption`` (plain text), ``view`` (a GraphView of the graph then) and
    ``frame`` (which gradients it shows: a :class:`visualize.graph.Frame`)."""

    caption: str
    view: GraphView
    frame: Frame | None = None

    def svg(self) -> str:
        return self.view.svg()


class BackwardSteps(Page):
    """The frames of a backward pass: ``steps[0]`` is the forward pass with the seed gradient,
    ``steps[k]`` the graph after the k-th op's backward. ``len()``, indexing, iteration,
    ``.to_html()``, ``.save(path)``; displays as an interactive player in Jupyter.

    Examples
    --------
    >>> x = al.tensor(2.0, requires_grad=True, name="x")
    >>> y = x * x + x.sin()
    >>> y.name = "y"
    >>> steps = visualize.backward_steps(y)
    >>> isinstance(steps, visualize.BackwardSteps), len(list(steps))
    (True, 4)
    >>> steps.to_html().lstrip().startswith("<")
    True
    """

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

    def _element(self, page: bool) -> str:
        """The player's HTML: a <div> with a unique id holding its style, frames and script.

        ``page`` True: the stage fills the browser window, the keys work anywhere on the page
        and the address's hash is read. False (a notebook cell): a fixed height, the keys
        work while the player has the focus, the hash is left alone.
        """
        uid = "autograd-steps-" + uuid.uuid4().hex[:12]
        svgs = [_inline_svg(step.svg()) for step in self.steps]
        width, height = _largest_size(svgs)
        frames = []
        for i, (step, svg) in enumerate(zip(self.steps, svgs)):
            caption = html.escape(step.caption, quote=True)
            hidden = "" if i == 0 else " hidden"
            frames.append(f'<div class="frame" data-caption="{caption}"{hidden}>\n{svg}\n</div>')
        last = len(self.steps) - 1
        style = fill(
            "steps.css",
            uid=uid,
            stage_height="100%" if page else f"{_cell_stage_height(width, height)}px",
            max_w=f"{MAX_ZOOM * width:.0f}pt",
            max_h=f"{MAX_ZOOM * height:.0f}pt",
            min_w=f"{0.5 * width:.0f}pt",
            min_h=f"{0.5 * height:.0f}pt",
        )
        return fill(
            "steps_player.html",
            uid=uid,
            style=style,
            script=asset("steps.js"),
            title=html.escape(self.title),
            last=str(last),
            first_caption=html.escape(self.steps[0].caption) if self.steps else "",
            frames="\n".join(frames),
            body_class="page" if page else "cell",
            interval=str(PLAY_INTERVAL_MS),
            page="true" if page else "false",
        )


def _inline_svg(svg: str) -> str:
    # Drop the XML prolog, DOCTYPE and comments before <svg>: they are not allowed in HTML.
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg


_SIZE = re.compile(r'<svg[^>]*?\bwidth="([\d.]+)pt"[^>]*?\bheight="([\d.]+)pt"', re.S)


def _largest_size(svgs: list[str]) -> tuple[float, float]:
    """The largest natural width and height (in points) among the frames' SVGs."""
    sizes = [(float(m[1]), float(m[2])) for m in map(_SIZE.search, svgs) if m]
    if not sizes:
        return 400.0, 200.0
    return max(w for w, _ in sizes), max(h for _, h in sizes)


def _cell_stage_height(width_pt: float, height_pt: float) -> int:
    """Pixels of height for the picture in a notebook cell (about 860 px wide): the
    graph scaled to the cell's width, at most MAX_ZOOM times, kept between 200 and 560."""
    width_px, height_px = width_pt * 4 / 3, height_pt * 4 / 3
    zoom = min(MAX_ZOOM, 860 / max(width_px, 1.0))
    return int(min(560, max(200, height_px * zoom + 16)))


# ---------------------------------------------------------------------------------------
# The frames
# ---------------------------------------------------------------------------------------


def _module(item: Any) -> str:
    """``" in 0.linear"`` for an op or parameter inside a module (name scope), else ``""``."""
    if isinstance(item, OpItem):
        scope = item.scope
    elif isinstance(item, LeafItem) and item.kind == "param" and item.consumers:
        scopes = {c.scope for c in item.consumers}
        scope = scopes.pop() if len(scopes) == 1 else ()
    else:
        scope = ()
    return f" in {'.'.join(scope)}" if scope else ""


def _describe(item: Any) -> str:
    """What to call a tensor in a caption: its name, else what it is (and in which module)."""
    name = getattr(item.tensor, "name", None)
    if name:
        return f"{name}{_module(item) if isinstance(item, LeafItem) else ''}"
    if isinstance(item, OpItem):
        return f"the output of {item.label}{_module(item)}"
    kind = "a parameter" if isinstance(item, LeafItem) and item.kind == "param" else "an input"
    return kind + _module(item)


def _op_title(op: OpItem) -> str:
    """An op as a caption names it: its label and its output's name ("exp (b)"), else its
    label and class ("+ (Add)"), or just the label when that is the class ("exp"); then
    the module it ran in, if any."""
    name = getattr(op.tensor, "name", None)
    cls = type(op.node).__name__.removesuffix("Function")  # ReLUFunction is relu
    if name:
        title = f"{op.label} ({name})"
    else:
        title = op.label if cls.lower() == op.label.lower() else f"{op.label} ({cls})"
    return title + _module(op)


def _with_value(item: Any) -> str:
    """A tensor's name with its gradient when that is one number: "x (-4)"."""
    grad = item.grad
    text = _describe(item)
    if grad is not None and np.size(np.asarray(grad)) == 1:
        text += f" ({format_array(grad)[0]})"
    return text


def _join(names: list[str]) -> str:
    names = list(dict.fromkeys(names))  # a tensor used twice by one op is named once
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _seed_caption(model: GraphModel, n_ops: int) -> str:
    grad = model.root_op.grad if model.root_op is not None else None
    seed = np.asarray(grad) if grad is not None else None
    if seed is not None and seed.size and np.all(seed == 1):
        out = getattr(model.root, "name", None) or "out"
        given = f"the seed gradient 1 (d {out} / d {out} = 1)"
    else:
        given = "the gradient given to backward()"
    return (
        f"Step 0 of {n_ops}: the forward pass has run and every wire shows its value. "
        f"Backward starts at the output with {given}."
    )


def _op_caption(
    k: int, n: int, op: OpItem, receivers: list[Any], done: list[Any], partial: list[Any]
) -> str:
    """Step k's caption: the op that ran, the tensors it sent gradient to, and which of
    those gradients are now complete (with the value, when it is one number)."""
    caption = f"Step {k} of {n}: {_op_title(op)} ran its backward"
    if not receivers:
        return caption + "."
    names = [_with_value(r) if r in done else _describe(r) for r in receivers]
    caption += f" and sent gradient to {_join(names)}"
    waiting = (
        "(another op that used it has yet to send its share)"
        if len(partial) == 1
        else "(other ops that used them have yet to send their shares)"
    )
    if not partial:
        return caption + ", now complete."
    if not done:
        return caption + f", still partial {waiting}."
    return (
        caption + f". Now complete: {_join([_describe(r) for r in done])}. "
        f"Still partial: {_join([_describe(r) for r in partial])} {waiting}."
    )


def backward_schedule(
    model: GraphModel,
) -> tuple[list[OpItem], dict[int, int], dict[int, list[Any]]]:
    """When each gradient of ``model`` (after its backward pass) becomes known.

    Returns ``order``, the ops in the order backward() runs them (the engine's own order,
    newest first; ops that received no gradient are skipped, as backward skips them);
    ``complete_at``, id(tensor) -> the step (1-based position in ``order``; 0 for the
    output's seed) after which its gradient is complete: when the last of its users has
    run; and ``inputs_of``, id(op item) -> the items it sends gradient to.
    """
    item_of = {id(op.node): op for op in model.ops}
    order = [
        item_of[id(node)]
        for node in topological_order([model.root_op.node], "backward_steps", freed=True)
        if id(node) in item_of and item_of[id(node)].grad is not None
    ]
    position = {id(op): k for k, op in enumerate(order, start=1)}
    complete_at: dict[int, int] = {id(model.root): 0}
    inputs_of: dict[int, list[Any]] = {}
    for source, consumer in model.edges:
        # Numbers and data (no requires_grad) receive no gradient.
        tensor = getattr(source, "tensor", None)
        if getattr(tensor, "requires_grad", False) and id(consumer) in position:
            key = id(tensor)
            complete_at[key] = max(complete_at.get(key, 0), position[id(consumer)])
            inputs_of.setdefault(id(consumer), []).append(source)
    return order, complete_at, inputs_of


def step_caption(
    k: int, n: int, op: OpItem, complete_at: dict[int, int], inputs_of: dict[int, list[Any]]
) -> str:
    """The caption of step ``k`` of ``n``, when ``op`` ran (see :func:`backward_schedule`)."""
    receivers = list({id(r.tensor): r for r in inputs_of.get(id(op), [])}.values())
    done = [r for r in receivers if complete_at[id(r.tensor)] == k]
    partial = [r for r in receivers if complete_at[id(r.tensor)] > k]
    return _op_caption(k, n, op, receivers, done, partial)


def backward_steps(
    root: Any,
    show_shapes: bool = True,
    rankdir: str = "LR",
    max_steps: int = 200,
    renderer: str | None = None,
    max_aspect: float | None = WRAP_ASPECT,
) -> BackwardSteps:
    """Frames of the backward pass from ``root`` (a Tensor): step 0, then one per op in the
    order ``backward()`` runs them (see the module docstring).

    If ``backward`` has not run yet, this runs ``root.backward(retain_graph=True)`` (which,
    as any backward, adds into the leaves' ``.grad``). After a plain ``backward()`` it uses
    what backward kept (values and gradients of at most 256 elements); a graph with bigger
    ones asks for ``backward(retain_graph=True)`` instead. Graphs with more than
    ``max_steps`` ops are refused with a ValueError (draw them with draw_graph).

    Every frame has the same layout, the one ``draw_graph`` would choose for the finished
    backward pass (long graphs wrapped into rows by ``max_aspect``, crowded labels given
    room), so nodes stay where they are from step to step.

    Examples
    --------
    >>> x = al.tensor(2.0, requires_grad=True, name="x")
    >>> y = x * x + x.sin()
    >>> y.name = "y"
    >>> steps = visualize.backward_steps(y)
    >>> len(steps)  # the forward pass, then one frame per op
    4
    >>> steps.save("backward.html")
    PosixPath('backward.html')
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
    lost = lost_to_backward(model)
    if lost:
        raise ValueError(
            f"backward_steps: backward() freed this graph, and with it the gradients of "
            f"{', '.join(dict.fromkeys(lost))} (arrays of more than {KEEP_AFTER_BACKWARD} "
            "elements are not kept): call backward(retain_graph=True) instead, or draw the "
            "step-through before backward()"
        )
    if model.root_op.grad is None:
        root.backward(retain_graph=True)

    order, complete_at, inputs_of = backward_schedule(model)

    opts = DrawOptions(
        show_values=True,
        show_grads=True,
        show_shapes=show_shapes,
        rankdir=rankdir,
        max_aspect=check_max_aspect(max_aspect),
        show_tangents=False,  # (a backward pass, step by step)
    )
    # Laid out (and wrapped, and given room) once, with every gradient known; a frame hides
    # the gradients not known yet but keeps their space, so the layout is the same in all.
    opts, _ = fit_view(model, opts, renderer)

    def step(k: int, caption: str, active: OpItem | None) -> Step:
        known = {key for key, at in complete_at.items() if at <= k}
        new = {key for key, at in complete_at.items() if at == k}
        frame = Frame(known, new, active, ran={id(op) for op in order[:k]})
        return Step(caption, GraphView(to_dot(model, opts, frame).source, renderer, model), frame)

    n = len(order)
    steps = [step(0, _seed_caption(model, n), None)]
    for k, op in enumerate(order, start=1):
        steps.append(step(k, step_caption(k, n, op, complete_at, inputs_of), op))
    title = f"Backward pass of {getattr(root, 'name', None) or 'the output'}, step by step"
    return BackwardSteps(steps, title)
