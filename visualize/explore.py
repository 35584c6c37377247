"""An interactive explorer for graphs past a slide: one self-contained HTML page.

``explore(loss)`` returns an :class:`Explorer`; ``.save("graph.html")`` writes the page and
in Jupyter it displays inline (``_repr_html_``). The page needs no network: its script and
style are inline (``visualize/static/explorer.*``, package data) and the graph is embedded
as JSON. What it offers (TensorBoard's graph dashboard, Netron and TorchLens are the
models; unlike them it shows gradients):

* the whole graph first, fitted to the space it has (a notebook cell 600 px wide as a
  full window), with as many module levels open as stay legible there; a note on the
  drawing when it is zoomed out too far to read, saying how to zoom ("Fit" comes back
  to this view; a narrow cell puts the details under the drawing);
* pan (drag) and zoom (wheel, the + and - buttons, "fit");
* modules collapsed to one box each (as many levels opened as fit a screen); click a
  module to open it, click an open module's title to close it;
* hover an op, tensor or wire for its full value and gradient (shape, dtype, and the array
  written in full up to :data:`FULL_ARRAY` elements), click to keep it shown;
* search by tensor name, op label or module path: the match is opened, highlighted and
  centred (Enter goes to the next match);
* the backward pass step by step, in the order ``backward()`` runs the ops (as
  :func:`visualize.backward_steps`): each wire's gradient appears when the op it feeds
  runs.

The layout is computed in the page (longest-path layers, barycentric ordering within a
layer, a module's members kept together), again after every open or close; a few thousand
nodes lay out in well under a second. Every user string reaches the page as JSON inside
the script (with ``<``, ``>`` and ``&`` written as ``\\u003c`` ...) and is put on the page
as text (``textContent``), never as markup.

For tests and demos the saved page reads actions from its address:
``graph.html#do=open:0.linear,search:W1,zoom:in,step:3`` (see ``explorer.js``).
"""

from __future__ import annotations

import html
import json
import uuid
from typing import Any

import numpy as np

from autograd_lite.errors import fmt_shape
from visualize.assets import Page, asset, fill
from visualize.dot import tensor_title
from visualize.graph import MERGE_SUMS
from visualize.labels import as_array, clean_text, format_array, format_number
from visualize.model import (
    GraphModel,
    LeafItem,
    NumberItem,
    OpItem,
    alive,
    build_model,
    common_scope,
    lost_to_backward,
    module_title,
    parameter_path,
    sum_chains,
)
from visualize.steps import _op_title, _seed_caption, backward_schedule, step_caption

# Arrays with at most this many elements are written in full in the details panel.
FULL_ARRAY = 1000
# Past this many characters of array text in one page, arrays are written summarized only
# (a page of a few thousand nodes stays a few megabytes).
TEXT_BUDGET = 8_000_000
# User text (names, module paths) longer than this is cut.
NAME_LIMIT = 200
# A flat sum of at least this many terms (x1 + x2 + ... + x300) starts closed, as one box
# "sum of 300 terms" that opens to its terms (draw_graph draws it as one node from as many).
SUM_TERMS = MERGE_SUMS


class Explorer(Page):
    """The interactive page for one graph: ``.to_html()``, ``.save(path)``, and inline
    display in Jupyter. ``.data`` is the graph as the page reads it (a JSON-ready dict).

    Examples
    --------
    >>> x = al.tensor(2.0, requires_grad=True, name="x")
    >>> y = x * x + x.sin()
    >>> y.name = "y"
    >>> page = visualize.explore(y)
    >>> isinstance(page, visualize.Explorer), "<html" in page.to_html().lower()
    (True, True)
    """

    what = "the explorer"

    def __init__(self, data: dict[str, Any], title: str) -> None:
        self.data = data
        self.title = title

    def __repr__(self) -> str:
        n = len(self.data["nodes"])
        return f"Explorer({n} nodes, {len(self.data['edges'])} wires)"

    def _element(self, page: bool) -> str:
        """The explorer's element (unique id) with its style, data and script."""
        return fill(
            "explorer.html",
            uid="autograd-explorer-" + uuid.uuid4().hex[:12],
            mode="page" if page else "cell",
            title=html.escape(self.title),
            style=asset("explorer.css"),
            data=script_json(self.data),
            script=asset("explorer.js"),
        )


def script_json(data: Any) -> str:
    """``data`` as a JavaScript literal that is safe inside ``<script>``: no ``<``, ``>``
    or ``&`` (so no ``</script>`` or ``<!--``), no line separators."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(ch, esc)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def explore(root: Any, max_nodes: int = 5000, title: str | None = None) -> Explorer:
    """An interactive explorer of the graph that produced ``root`` (see the module docs).

    Works before backward (values only) and after ``root.backward(retain_graph=True)``
    (values, gradients and the step-through). At most ``max_nodes`` nodes are kept,
    nearest the output first; the page says how many were left out.

    Examples
    --------
    >>> x = al.tensor(2.0, requires_grad=True, name="x")
    >>> y = x * x + x.sin()
    >>> y.name = "y"
    >>> y.backward(retain_graph=True)
    >>> page = visualize.explore(y)
    >>> {"nodes", "edges", "steps"} <= set(page.data)  # the graph as the page reads it
    True
    >>> page.save("explorer.html")
    PosixPath('explorer.html')
    """
    model = build_model(root, max_nodes=max_nodes, where="explore")
    if title is None:
        title = f"The graph of {getattr(root, 'name', None) or 'the output'}"
    return Explorer(read_model(model), clean_text(title, NAME_LIMIT))


class _Arrays:
    """Arrays as the page shows them, within the page's text budget."""

    def __init__(self) -> None:
        self.spent = 0

    def info(self, value: Any) -> dict[str, Any] | None:
        """``{"shape", "dtype", "short", "text"}`` (and ``"stats"`` for arrays)."""
        if value is None:
            return None
        a = as_array(value)
        out: dict[str, Any] = {"shape": fmt_shape(a.shape), "dtype": a.dtype.name}
        out["short"] = format_array(a, show_shape=False)[0] if a.size == 1 else fmt_shape(a.shape)
        if a.size > 1 and a.dtype.kind in "fiub":
            af = a.astype(np.float64)
            with np.errstate(all="ignore"):
                out["stats"] = (
                    f"mean {format_number(af.mean())}  min {format_number(af.min())}  "
                    f"max {format_number(af.max())}  norm {format_number(np.sqrt(np.sum(af * af)))}"
                )
        full = a.size <= FULL_ARRAY and self.spent < TEXT_BUDGET
        if a.size == 1:
            text = format_array(a)[0]
        elif full:
            text = array_text(a)
        else:
            with np.printoptions(threshold=0, edgeitems=3, linewidth=72):
                text = np.array2string(a)
        self.spent += len(text)
        out["text"] = text
        out["full"] = full
        return out


def array_text(a: np.ndarray) -> str:
    """Every element of ``a``, 6 significant digits, in aligned columns: one row per line,
    rows of a 3-d or larger array headed by their leading indices (``[0, 1]``).

    (Written out here rather than by ``np.array2string``, which is about ten times slower:
    a graph of a few thousand nodes would take seconds.)
    """
    if a.ndim == 0:
        return format_number(a.item())
    if a.size == 0:
        return "[]"
    flat = a.reshape(-1, a.shape[-1]) if a.ndim > 1 else a.reshape(1, -1)
    if a.dtype.kind == "f":
        cells = [f"{v:.6g}" for v in flat.ravel().tolist()]
    else:
        cells = [str(v) for v in flat.ravel().tolist()]
    width = max(map(len, cells))
    cols = flat.shape[1]
    rows = [
        " ".join(c.rjust(width) for c in cells[r * cols : (r + 1) * cols])
        for r in range(flat.shape[0])
    ]
    if a.ndim <= 2:
        return "\n".join(rows)
    heads = [str(list(ix)).replace(" ", "") for ix in np.ndindex(*a.shape[:-1])]
    return "\n".join(f"{h} {r}" for h, r in zip(heads, rows))


def read_model(model: GraphModel) -> dict[str, Any]:
    """The page's data, read from a GraphModel (everything the page shows comes from here).

    ``nodes``: one per leaf, op, number and the output, in a forward order (every node
    after those feeding it): ``kind`` ("op", "param", "input", "const", "number",
    "output"), ``label`` (drawn), ``name`` (searchable), ``path`` (the module box it sits
    in, a list of names), ``value`` and ``grad`` (array infos), ``done`` (the step after
    which its gradient is complete). ``edges``: ``[source, target, slot, grad info, step]``
    with ``step`` the step at which the gradient went back along it. ``steps``: the
    captions, step 0 first; ``active``: the node running at each step.
    ``modules``: one per module box, ``{"path", "title"}`` (the title as the pictures
    write it, type and name: ``BatchNorm1d  bn1``), and for a flat sum drawn as one box
    ``"sum"``: its formula (``x1 + x2 + … + x300``).
    """
    arrays = _Arrays()
    nodes: list[dict[str, Any]] = []
    sums = _sum_groups(model)
    index: dict[int, int] = {}
    schedule = backward_schedule(model) if _has_grads(model) else ([], {}, {})
    order, complete_at, inputs_of = schedule
    position = {id(op): k for k, op in enumerate(order, start=1)}

    def add(item: Any, node: dict[str, Any]) -> None:
        index[id(item)] = len(nodes)
        node["name"] = clean_text(node.get("name") or "", NAME_LIMIT)
        node["label"] = clean_text(node["label"], NAME_LIMIT)
        node["path"] = [clean_text(p, NAME_LIMIT) for p in node.get("path", ())]
        nodes.append(node)

    def done(t: Any) -> int | None:
        return complete_at.get(id(t))

    def leaf(item: LeafItem) -> dict[str, Any]:
        path = common_scope([c.cluster for c in item.consumers]) if item.kind == "param" else ()
        if id(item) in sums.members:  # a term used by the sum only: inside its box
            path = sums.members[id(item)]
        label = (
            parameter_path(item)
            if item.kind == "param"
            else tensor_title(item.tensor, "input" if item.kind == "input" else "data")
        )
        return {
            "kind": item.kind,
            "label": label,
            "name": getattr(item.tensor, "name", None) or label,
            "named": bool(getattr(item.tensor, "name", None)),
            "path": list(path),
            "value": arrays.info(item.tensor),
            "grad": arrays.info(item.grad),
            "done": done(item.tensor),
        }

    def op(item: OpItem) -> dict[str, Any]:
        return {
            "kind": "op",
            "label": item.label,
            "title": clean_text(_op_title(item), NAME_LIMIT),
            "name": getattr(item.tensor, "name", None) or "",
            "path": list(sums.members.get(id(item), item.cluster)),
            "value": arrays.info(item.tensor),
            "grad": arrays.info(item.grad),
            "done": done(item.tensor),
            "step": position.get(id(item)),
        }

    def number(item: NumberItem) -> dict[str, Any]:
        return {
            "kind": "number",
            "label": format_array(item.value)[0] if np.size(item.value) == 1 else "array",
            "path": list(sums.members.get(id(item.consumer), item.consumer.cluster)),
            "value": arrays.info(item.value),
            "grad": None,
        }

    # A forward order: each op after what feeds it (model.ops is in forward order).
    sources: dict[int, list[Any]] = {}
    for source, consumer in model.edges:
        sources.setdefault(id(consumer), []).append(source)
    for item in model.ops:
        for source in sources.get(id(item), []):
            if id(source) not in index and not isinstance(source, OpItem):
                add(source, leaf(source) if isinstance(source, LeafItem) else number(source))
        add(item, op(item))
    edges: list[list[Any]] = []
    grads = model.wire_grads()
    for (source, consumer), slot, grad in zip(model.edges, model.slots, grads):
        if id(source) in index:
            step = position.get(id(consumer)) if grad is not None else None
            edges.append([index[id(source)], index[id(consumer)], slot, arrays.info(grad), step])
    root = model.root
    out = {
        "kind": "output",
        "label": tensor_title(root, "output"),
        "name": getattr(root, "name", None) or "output",
        "value": arrays.info(root),
        "grad": arrays.info(model.root_op.grad if model.root_op is not None else root.grad),
        "done": 0 if complete_at else None,
    }
    if model.root_op is None:  # a lone leaf: nothing was recorded
        add(root, out)
    else:
        add(root, out)
        edges.append([index[id(model.root_op)], index[id(root)], 0, out["grad"], 0])

    n = len(order)
    captions = [_seed_caption(model, n)] if order else []
    captions += [
        step_caption(k, n, item, complete_at, inputs_of) for k, item in enumerate(order, 1)
    ]
    omitted = sum(model.omitted_ops.values()) + model.omitted_leaves
    notes = []
    if omitted:
        notes.append(
            f"{omitted} more nodes nearer the inputs are not shown (max_nodes={model.max_nodes})"
        )
    lost = lost_to_backward(model)
    if lost:
        notes.append(
            f"backward() freed the gradients of {', '.join(dict.fromkeys(lost))} (too big to "
            "keep): call backward(retain_graph=True) to see them"
        )
    paths = dict.fromkeys(
        p[:d] for p in (op.cluster for op in model.ops) for d in range(1, len(p) + 1)
    )
    modules = [
        {
            "path": [clean_text(p, NAME_LIMIT) for p in path],
            "title": clean_text(module_title(model, path), NAME_LIMIT),
        }
        for path in paths
    ]
    modules += [
        {
            "path": [clean_text(p, NAME_LIMIT) for p in path],
            "title": clean_text(path[-1], NAME_LIMIT),
            "sum": clean_text(formula, NAME_LIMIT),
        }
        for path, formula in sums.formulas.items()
    ]
    return {
        "nodes": nodes,
        "edges": edges,
        "modules": modules,
        "steps": captions,
        "active": [None] + [index[id(item)] for item in order] if order else [],
        "omitted": omitted,
        "note": clean_text("; ".join(notes), 1000),
    }


class _SumGroups:
    """The flat sums of at least SUM_TERMS terms in a model, each as a box of its own:
    ``members`` maps id(op item) (the chain's ``+``/``-`` ops) and id(leaf item) (a term
    used by nothing else) to the box's path (the chain's module path, then
    ``"sum of n terms"``); ``formulas``: box path -> ``x1 + x2 + … + xn``."""

    def __init__(self) -> None:
        self.members: dict[int, tuple[str, ...]] = {}
        self.formulas: dict[tuple[str, ...], str] = {}


def _sum_groups(model: GraphModel) -> _SumGroups:
    groups = _SumGroups()
    items = {id(op.node): op for op in model.ops}
    leaves = {id(leaf.tensor): leaf for leaf in model.leaves}
    chains, _ = sum_chains([op.node for op in reversed(model.ops)], model.root, SUM_TERMS)
    for chain in chains.values():
        ops = [items.get(id(op)) for op in dict.fromkeys(op for _, op, _, _ in chain.terms)]
        if any(op is None for op in ops) or len({op.cluster for op in ops}) != 1:
            continue  # (cut by max_nodes, or spread over modules: left as it is)
        title, formula = chain.text().split("\n", 1)
        path = (*ops[0].cluster, title)
        k = 2
        while path in groups.formulas:  # (two sums of as many terms in one module)
            path = (*ops[0].cluster, f"{title} ({k})")
            k += 1
        groups.formulas[path] = formula
        for op in ops:
            groups.members[id(op)] = path
        for k, (term, _, _, _) in enumerate(chain.terms):
            leaf = leaves.get(id(alive(term)))
            if k in chain.absorbed and leaf is not None:
                groups.members[id(leaf)] = path
    return groups


def _has_grads(model: GraphModel) -> bool:
    return model.root_op is not None and model.root_op.grad is not None
