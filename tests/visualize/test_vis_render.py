"""DOT -> SVG through both renderers: the system `dot` and in-process WebAssembly."""

from __future__ import annotations

import os
import shutil

import pytest
from vis_helpers import needs_dot, parse_svg, svg_colored_texts, svg_count, svg_texts

from visualize import render as r
from visualize.render import RenderError, render_svg, resolve_renderer, write_atomic

SMALL = 'digraph { a -> b [label="-12" fontcolor=darkgreen headlabel="3" labelfontcolor=red] }'


@pytest.mark.parametrize("renderer", ["wasm", pytest.param("dot", marks=needs_dot)])
def test_both_renderers_draw_the_same_graph(renderer):
    svg = render_svg(SMALL, renderer=renderer)
    parse_svg(svg)  # well-formed XML
    assert svg_count(svg, "node") == 2
    assert svg_count(svg, "edge") == 1
    texts = svg_texts(svg)
    assert {"a", "b", "-12", "3"} <= set(texts)
    # The value and the gradient keep their colours on both paths.
    colored = svg_colored_texts(svg)
    assert ("-12", "darkgreen") in colored
    assert ("3", "red") in colored


def test_wasm_renderer_reports_bad_dot():
    with pytest.raises(RenderError, match="in-process Graphviz failed"):
        render_svg("digraph { a -> ", renderer="wasm")
    # The cached instance still works after an error.
    assert svg_count(render_svg("digraph { c }", renderer="wasm"), "node") == 1


@needs_dot
def test_system_dot_reports_bad_dot():
    with pytest.raises(RenderError, match="Graphviz `dot` failed"):
        render_svg("digraph { a -> ", renderer="dot")


def test_environment_variable_selects_renderer(monkeypatch):
    monkeypatch.setenv(r.ENV_VAR, "wasm")
    assert resolve_renderer() == "wasm"
    monkeypatch.setenv(r.ENV_VAR, "bogus")
    with pytest.raises(RenderError, match="unknown renderer 'bogus'"):
        resolve_renderer()
    # An explicit argument wins over the environment.
    assert resolve_renderer("wasm") == "wasm"


def test_auto_falls_back_to_wasm_without_dot(monkeypatch):
    monkeypatch.setattr(r, "system_dot", lambda: None)
    assert resolve_renderer("auto") == "wasm"
    svg = r.render_svg("digraph { only }", renderer="auto")
    assert "only" in svg_texts(svg)


def test_png_without_dot_says_to_install_graphviz(monkeypatch):
    monkeypatch.setattr(r, "system_dot", lambda: None)
    with pytest.raises(RenderError, match="apt install graphviz"):
        r.render("digraph { a }", "png")
    with pytest.raises(RenderError, match="renderer 'dot' was requested"):
        r.render("digraph { a }", "svg", renderer="dot")


def test_png_with_wasm_is_refused():
    with pytest.raises(RenderError, match="PNG output needs the system Graphviz"):
        r.render("digraph { a }", "png", renderer="wasm")


@needs_dot
@pytest.mark.parametrize("fmt,magic", [("png", b"\x89PNG"), ("pdf", b"%PDF")])
def test_system_dot_writes_png_and_pdf(fmt, magic):
    assert r.render("digraph { a -> b }", fmt).startswith(magic)


def test_render_rejects_non_string():
    with pytest.raises(TypeError, match="render: source must be a DOT string"):
        r.render(b"digraph {}")


def test_write_atomic_replaces_whole_file_and_leaves_no_temp(tmp_path):
    target = tmp_path / "out.svg"
    target.write_text("old")
    write_atomic(target, "new contents")
    assert target.read_text() == "new contents"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.svg"]


def test_write_atomic_keeps_old_file_when_writing_fails(tmp_path, monkeypatch):
    target = tmp_path / "out.svg"
    target.write_text("old")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        write_atomic(target, "new")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.svg"]


def test_write_atomic_missing_directory(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        write_atomic(tmp_path / "nope" / "x.svg", "data")


def test_dot_detection_matches_path():
    assert (r.system_dot() is None) == (shutil.which("dot") is None)


def test_wasm_trap_is_a_clear_error_and_the_renderer_recovers():
    # A chain this deep (each step with a side input) exhausts the WebAssembly stack inside
    # Graphviz's layout.
    steps = " ".join(
        f"n{i} -> n{i + 1} [label=v headlabel=g] c{i} -> n{i + 1}" for i in range(2000)
    )
    with pytest.raises(RenderError, match="probably too deep for it: call stack exhausted"):
        render_svg(f"digraph {{ rankdir=LR {steps} }}", renderer="wasm")
    assert svg_count(render_svg("digraph { a -> b }", renderer="wasm"), "node") == 2
