"""Helpers for the visualize tests: read SVG and DOT written by visualize.graph."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

SVG_NS = "{http://www.w3.org/2000/svg}"

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` not installed")


def parse_svg(svg: str) -> ET.Element:
    """Parse SVG text (raises if it is not well-formed XML)."""
    return ET.fromstring(svg.encode("utf-8"))


def svg_texts(svg: str) -> list[str]:
    """Every piece of text drawn in the SVG, in document order."""
    return [t.text or "" for t in parse_svg(svg).iter(f"{SVG_NS}text")]


def svg_count(svg: str, cls: str) -> int:
    """How many <g class="node ..."> (cls="node") or edges (cls="edge") the SVG has, as the
    reader counts them: a wire's label node (class "wirelabel") is not a node, and the two
    halves of a wire through it are one edge."""
    groups = [g for g in parse_svg(svg).iter(f"{SVG_NS}g") if cls in (g.get("class") or "").split()]
    labels = {
        (g.find(f"{SVG_NS}title").text or "")
        for g in parse_svg(svg).iter(f"{SVG_NS}g")
        if "wirelabel" in (g.get("class") or "").split()
    }
    if cls == "node":
        return sum(1 for g in groups if "wirelabel" not in (g.get("class") or "").split())
    if cls == "edge":
        heads = [(g.find(f"{SVG_NS}title").text or "").split("->")[-1] for g in groups]
        return sum(1 for head in heads if head not in labels)
    return len(groups)


def svg_colored_texts(svg: str) -> list[tuple[str, str | None]]:
    """(text, fill colour) of every text element, in document order."""
    return [(t.text or "", t.get("fill")) for t in parse_svg(svg).iter(f"{SVG_NS}text")]


def _wire_labels(source: str) -> dict[str, dict[str, str]]:
    """The label nodes on wires (class "wirelabel"): id -> attributes."""
    nodes = {}
    for line in source.splitlines():
        m = re.match(r"\s*([A-Za-z_][A-Za-z0-9_]*) \[(.*)\]$", line)
        if m and "wirelabel" in line:
            attrs = {k: v[1:-1] if v.startswith('"') else v for k, v in _ATTR.findall(m[2])}
            if "wirelabel" in attrs.get("class", "").split():
                nodes[m[1]] = attrs
    return nodes


def dot_nodes(source: str) -> list[str]:
    """IDs of the node statements in DOT source written by visualize.graph (not the label
    nodes on wires)."""
    ids = re.findall(r"^\s*([A-Za-z_][A-Za-z0-9_]*) \[", source, flags=re.M)
    labels = _wire_labels(source)
    return [i for i in ids if i not in ("graph", "node", "edge") and i not in labels]


def dot_edges(source: str) -> list[tuple[str, str]]:
    """(tail, head) of every wire (one through its label node counts once)."""
    return [(tail, head) for tail, head, _ in dot_edge_attrs(source)]


_ATTR = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|[^\s\]]+)')


def dot_edge_attrs(source: str) -> list[tuple[str, str, dict[str, str]]]:
    """(tail, head, attributes) of every wire; quoted values are unquoted (escapes kept).
    A wire drawn through its label node (tail -> label -> head) is one wire here, with the
    label node's text (``label``, ``class``, ``fontcolor``) and the edges' own attributes."""
    raw = []
    for line in source.splitlines():
        m = re.match(r"\s*(\w+) -> (\w+)(?: \[(.*)\])?$", line)
        if m:
            attrs = {k: v[1:-1] if v.startswith('"') else v for k, v in _ATTR.findall(m[3] or "")}
            raw.append((m[1], m[2], attrs))
    labels = _wire_labels(source)
    leaving = {tail: (head, attrs) for tail, head, attrs in raw if tail in labels}
    edges = []
    for tail, head, attrs in raw:
        if tail in labels:
            continue
        if head in labels:
            text = {k: v for k, v in labels[head].items() if k in ("label", "class", "fontcolor")}
            head, after = leaving[head]
            attrs = {**{k: v for k, v in attrs.items() if k != "arrowhead"}, **after, **text}
        edges.append((tail, head, attrs))
    return edges


_KIND_OF_COLOR = {"darkgreen": "v", "red": "g", "darkorange": "n"}


def label_lines(attrs: dict[str, str]) -> list[tuple[str, str]]:
    """(text, kind) of each line of a label written by visualize.graph: kind "v" for a value
    (green), "g" for a gradient (red), "n" for a gradient new in a step-through frame
    (orange), "k" for plain text. The kinds come from the label's ``class="paint_..."``,
    or, for a label of one kind, from its ``fontcolor``."""
    label = attrs.get("label")
    if label is None:
        return []
    lines = label.split("\\n")
    painted = [c for c in attrs.get("class", "").split() if c.startswith("paint_")]
    kinds = painted[0].removeprefix("paint_") if painted else ""
    if not kinds:
        kinds = _KIND_OF_COLOR.get(attrs.get("fontcolor", ""), "k") * len(lines)
    assert len(kinds) == len(lines), (kinds, lines)
    return list(zip(lines, kinds))


def wire_value(attrs: dict[str, str]) -> str | None:
    """A wire's value as drawn (lines joined by DOT's \\n), or None when not drawn."""
    lines = [text for text, kind in label_lines(attrs) if kind == "v"]
    return "\\n".join(lines) if lines else None


def wire_grad(attrs: dict[str, str]) -> str | None:
    """A wire's gradient as drawn (new or not), or None when not drawn."""
    lines = [text for text, kind in label_lines(attrs) if kind in "gn"]
    return "\\n".join(lines) if lines else None


# ---------------------------------------------------------------------------------------
# Headless Chromium (the step-through page and the notebook outputs)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed")


def run_chromium(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """Headless Chromium, offline and quiet, in a 1000 x 700 window, with ``args``
    (give each run its own ``--user-data-dir``)."""
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


def dump_dom(url: str, profile: Path, *flags: str) -> str:
    """The page's DOM after it loaded (and after ``--virtual-time-budget=MS``, if given:
    timers then run in virtual time, so a play button has time to play)."""
    done = run_chromium(f"--user-data-dir={profile}", *flags, "--dump-dom", url)
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    return done.stdout.decode()


def explorer_state(dom: str) -> dict[str, str]:
    """The state an explorer page reports on its root element (data-scale, data-open, ...)."""
    tag = re.search(r'<div class="autograd-explorer[^>]*>', dom)[0]
    return dict(re.findall(r'data-(\w+)="([^"]*)"', tag))


def explorer_log(dom: str) -> list[dict]:
    """An explorer page's state after loading and after each action of its #do= list."""
    return json.loads(html.unescape(explorer_state(dom)["log"]))
