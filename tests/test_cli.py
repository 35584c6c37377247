"""The `autograd-lite` command end to end, in a subprocess: exit codes, output, files."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
# Without `pip install -e .`, tests/visualize/ would be imported as a "visualize" namespace
# package; the repository root must come first.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
SVG_NS = "{http://www.w3.org/2000/svg}"


def run(*args: str, cwd: Path, env: dict | None = None, timeout: float = 120):
    """Run `autograd-lite ARGS` (as `python -m visualize`, so no install is needed)."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "visualize", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def needs_dot(test):
    import shutil

    return pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` not installed")(
        test
    )


def svg_texts(path: Path) -> list[str]:
    root = ET.fromstring(path.read_bytes())
    return [t.text or "" for t in root.iter(f"{SVG_NS}text")]


@pytest.mark.parametrize("command", [[], ["graph"], ["demo"], ["gradcheck"]])
def test_help_on_every_subcommand(command, tmp_path):
    done = run(*command, "--help", cwd=tmp_path)
    assert done.returncode == 0
    assert done.stdout.startswith("usage: autograd-lite")
    assert not list(tmp_path.iterdir())  # --help writes nothing


def test_no_subcommand_is_a_usage_error(tmp_path):
    done = run(cwd=tmp_path)
    assert done.returncode == 2
    assert "COMMAND" in done.stderr


def test_graph_cs231n_table_and_picture(tmp_path):
    done = run(
        "graph", "(x + y) * z", "x=-2", "y=5", "z=-4", "-o", "graph.svg",
        "--steps", "steps.html", cwd=tmp_path,
        env={"AUTOGRAD_LITE_RENDERER": "wasm"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "out = (x + y) * z = -12"
    table = {line.split()[0]: line.split()[1:] for line in lines[2:6]}
    assert table == {
        "variable": ["value", "d", "out", "/", "d", "variable"],
        "x": ["-2", "-4"],
        "y": ["5", "-4"],
        "z": ["-4", "3"],
    }
    texts = svg_texts(tmp_path / "graph.svg")
    for number in ["-12", "-4", "3", "-2", "5"]:
        assert number in texts
    assert texts.count("-4") >= 4  # z's value, and the gradients of x, y and q
    page = (tmp_path / "steps.html").read_text()
    assert page.count('<div class="frame"') == 3  # step 0 (the seed), then * and +
    assert "wrote steps.html (step 0 and 2 backward steps)" in done.stdout


@pytest.mark.parametrize(
    "expression,message",
    [
        ("__import__('os').system('touch pwned')", "attribute access"),
        ("open('pwned', 'w')", "calling 'open'"),
        ("x.data", "attribute access"),
        ("x[0]", "subscripts"),
        ("(lambda: x)()", "lambda"),
        ("[x for x in (1, 2)]", "comprehensions"),
        ("x + " * 1000 + "x", "limit is 4000"),
        ("exp(" * 60 + "x" + ")" * 60, "nested too deeply"),
        ("x + y", "no value given for y"),
    ],
)
def test_refused_expressions_exit_2_and_write_nothing(
    expression, message, tmp_path, monkeypatch, capsys
):
    from visualize.cli import main

    monkeypatch.chdir(tmp_path)
    assert main(["graph", expression, "x=1", "-o", "graph.svg"]) == 2
    out, err = capsys.readouterr()
    assert err.startswith("autograd-lite graph: error: refused:")
    assert message in err
    assert out == ""
    assert not list(tmp_path.iterdir())  # nothing evaluated, nothing written


def test_refused_expression_in_a_subprocess(tmp_path):
    done = run("graph", "__import__('os').system('touch pwned')", "-o", "g.svg", cwd=tmp_path)
    assert done.returncode == 2
    assert "refused: attribute access" in done.stderr
    assert done.stdout == ""
    assert not list(tmp_path.iterdir())


def test_bad_variable_and_output_name(tmp_path):
    done = run("graph", "x * 2", "print=3", cwd=tmp_path)
    assert done.returncode == 2 and "cannot be a variable name" in done.stderr
    done = run("graph", "x * 2", "x=1", "-o", "graph.jpg", cwd=tmp_path)
    assert done.returncode == 2 and "graph.jpg" in done.stderr
    assert not list(tmp_path.iterdir())


def test_graph_dot_output_and_expression_after_double_dash(tmp_path):
    done = run("graph", "-o", "g.dot", "--", "-x * y", "x=3", "y=2", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "out = -x * y = -6" in done.stdout
    source = (tmp_path / "g.dot").read_text()
    assert source.startswith("digraph autograd {")
    assert "label=neg" in source


def test_png_without_graphviz_fails_clearly(tmp_path):
    # An empty PATH hides the system `dot`, as on a machine without Graphviz.
    done = run(
        "graph", "x * 2", "x=1", "-o", "graph.png", cwd=tmp_path,
        env={"PATH": str(tmp_path / "empty")},
    )  # fmt: skip
    assert done.returncode == 1
    assert "needs the system Graphviz program" in done.stderr
    assert not (tmp_path / "graph.png").exists()


def test_main_in_process_returns_status(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    from visualize.cli import main

    assert main(["graph", "relu(x) * w", "x=3", "w=0.5", "-o", "g.svg"]) == 0
    out = capsys.readouterr().out
    assert "out = relu(x) * w = 1.5" in out
    assert (tmp_path / "g.svg").exists()
    assert main(["graph", "x.y", "x=1"]) == 2
    assert "refused" in capsys.readouterr().err


def test_demo_default_is_fast_and_accurate(tmp_path):
    start = time.perf_counter()
    done = run("demo", "--out", "out", cwd=tmp_path)
    seconds = time.perf_counter() - start
    assert done.returncode == 0, done.stderr
    assert seconds < 30
    accuracy = float(re.search(r"train accuracy ([0-9.]+)", done.stdout)[1])
    assert accuracy >= 0.95
    assert re.search(r"validation accuracy ([0-9.]+)", done.stdout)
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == ["boundary.svg", "graph.svg", "history.svg"]
    graph = svg_texts(out / "graph.svg")
    # Collapsed by module: one node per layer, titled by type and name, the parameters
    # listed on it by name.
    assert "Linear \xa00" in graph and "weight (100, 2)" in graph
    assert any("cross_entropy" in t for t in graph)
    for name in ("history.svg", "boundary.svg"):
        ET.fromstring((out / name).read_bytes())  # well-formed SVG


def test_demo_other_dataset_and_bad_epochs(tmp_path):
    done = run("demo", "--dataset", "moons", "--epochs", "3", "--out", "m", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "trained on moons" in done.stdout
    assert (tmp_path / "m" / "boundary.svg").exists()
    done = run("demo", "--epochs", "0", cwd=tmp_path)
    assert done.returncode == 2 and "--epochs must be at least 1" in done.stderr
    done = run("demo", "--dataset", "mnist", cwd=tmp_path)
    assert done.returncode == 2 and "invalid choice" in done.stderr


def test_gradcheck_passes_and_prints_table(tmp_path):
    done = run("gradcheck", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["op", "or", "layer", "max", "rel.", "error", "result"]
    names = {line.split()[0] for line in lines[1:] if line.strip() and "passed" not in line}
    assert {"matmul", "relu", "softmax", "nn.Linear", "nn.Conv2d", "nn.CrossEntropyLoss"} <= names
    errors = [float(line.split()[-2]) for line in lines[1:] if line.endswith(" ok")]
    assert errors == sorted(errors, reverse=True)  # the worst first
    assert max(errors) < 1e-4
    assert re.search(r"^(\d+) of \1 passed$", lines[-1])


def test_gradcheck_fails_with_status_1(monkeypatch, capsys):
    import autograd_lite as al
    from visualize.cli import checks, main

    class BadSquare(al.Function):
        """x ** 2 with a wrong derivative (x instead of 2x)."""

        def forward(self, x):
            return x * x

        def backward(self, grad):
            (x,) = self.inputs
            return grad * x

    def leaf(rng):
        x = al.tensor(np.array([0.5, 1.5]), requires_grad=True)
        return (lambda: BadSquare.apply(x)), [x]

    monkeypatch.setattr(checks, "op_cases", lambda: [checks.Case("bad square", leaf)])
    monkeypatch.setattr(checks, "layer_cases", lambda: [])
    assert main(["gradcheck"]) == 1
    out = capsys.readouterr().out
    assert re.search(r"bad square\s+5\.00e-01\s+FAIL", out)
    assert "0 of 1 passed" in out


# ---------------------------------------------------------------------------------------
# graph: the student's slips


def test_help_lists_every_function_and_every_option_has_help(tmp_path):
    from visualize.cli import build_parser
    from visualize.cli.expression import FUNCTIONS

    done = run("graph", "--help", cwd=tmp_path)
    assert done.returncode == 0
    for name, spec in FUNCTIONS.items():
        assert spec.signature(name) in done.stdout
    for name in ("sin", "cos", "tanh", "sigmoid", "relu", "exp", "log", "sqrt", "abs"):
        assert f"{name}(x)" in done.stdout
    assert "maximum(x, y)" in done.stdout and "minimum(x, y)" in done.stdout

    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command").choices
    for command, sub in subparsers.items():
        for action in sub._actions:
            assert action.help, f"{command} {action.option_strings or action.dest} has no help"


@pytest.mark.parametrize(
    "expression,hint,caret",
    [
        ("x ^ 2", "use ** for powers: x ** 2", "    ^"),
        ("y + 2x", "write 2*x", "      ^^"),
        ("2(x + y)", "write 2*(x + y)", "  ^^^^^^^^"),
    ],
)
def test_slips_are_explained_with_a_pointer(expression, hint, caret, tmp_path):
    done = run("graph", expression, "x=3", "y=1", "-o", "g.svg", cwd=tmp_path)
    assert done.returncode == 2
    first, shown, pointer = done.stderr.splitlines()
    assert first.startswith("autograd-lite graph: error: refused: ") and hint in first
    assert shown == f"  {expression}"
    assert pointer == caret
    assert not list(tmp_path.iterdir())


def test_flat_sums_and_products_of_hundreds_of_terms(tmp_path):
    terms = " + ".join(f"w{i}*x{i}" for i in range(300))
    values = [f"w{i}=2" for i in range(300)] + [f"x{i}={i}" for i in range(300)]
    done = run("graph", terms, *values, "-o", "g.svg", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].endswith(" = 8.97e+04")  # 2 * (0 + 1 + ... + 299)
    rows = {line.split()[0]: line.split()[1:] for line in lines[3:603]}
    assert rows["w7"] == ["2", "7"] and rows["x7"] == ["7", "2"]
    product = run("graph", " * ".join(["x"] * 400), "x=1.001", "-o", "p.svg", cwd=tmp_path)
    assert product.returncode == 0, product.stderr
    assert product.stdout.splitlines()[0].endswith(" = 1.492")  # 1.001 ** 400


@pytest.mark.parametrize(
    "expression,value,notes",
    [
        (
            "log(x)",
            "x=-1",
            [
                "note: during the forward pass: invalid value encountered in log",
                "note: the result is NaN (not a number): ",
            ],
        ),
        (
            "1 / x",
            "x=0",
            [
                "note: during the forward pass: divide by zero encountered in divide",
                "note: during the backward pass: divide by zero encountered in divide",
                "note: the result is inf (infinite): ",
                "note: not every gradient is a finite number: d out / d x = -inf",
            ],
        ),
        (
            "exp(x)",
            "x=1000",
            ["note: during the forward pass: overflow encountered in exp"],
        ),
    ],
)
def test_floating_point_trouble_is_said_plainly(expression, value, notes, tmp_path):
    done = run("graph", expression, value, "-o", "g.svg", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    for note in notes:
        assert any(line.startswith(note) for line in lines), (note, lines)
    # One line each, no warning machinery: no file paths, no "RuntimeWarning", no source line.
    assert all(line.startswith("note: ") for line in lines), lines
    assert ".py" not in done.stderr and "Warning" not in done.stderr


def test_wasm_renderer_cannot_write_png(tmp_path):
    done = run("graph", "x * 2", "x=1", "--renderer", "wasm", "-o", "x.png", cwd=tmp_path)
    assert done.returncode == 2
    assert "PNG needs the system Graphviz program `dot`" in done.stderr
    assert "--renderer wasm" in done.stderr and "draws SVG only" in done.stderr
    assert done.stdout == "" and not list(tmp_path.iterdir())
    done = run(
        "graph", "x * 2", "x=1", "-o", "x.pdf", cwd=tmp_path,
        env={"AUTOGRAD_LITE_RENDERER": "wasm"},
    )  # fmt: skip
    assert done.returncode == 2 and "PDF needs the system Graphviz program `dot`" in done.stderr


@needs_dot
def test_dpi_sets_the_png_resolution(tmp_path):
    import struct

    def png_size(name, *extra):
        done = run("graph", "(x + y) * z", "x=-2", "y=5", "z=-4", "-o", name, *extra, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        data = (tmp_path / name).read_bytes()
        assert data.startswith(b"\x89PNG")
        return struct.unpack(">II", data[16:24])

    width, height = png_size("a.png")
    width2, height2 = png_size("b.png", "--dpi", "192")
    # Graphviz draws PNG at 96 dpi unless told otherwise (+-1 pixel of rounding).
    assert abs(width2 - 2 * width) <= 2 and abs(height2 - 2 * height) <= 2


def test_bad_dpi_is_a_usage_error(tmp_path):
    done = run("graph", "x * 2", "x=1", "--dpi", "5", cwd=tmp_path)
    assert done.returncode == 2 and "--dpi: must be between 10 and 1200" in done.stderr
    done = run("graph", "x * 2", "x=1", "--dpi", "100", "-o", "g.svg", cwd=tmp_path)
    assert done.returncode == 0
    assert "note: --dpi sets a PNG's resolution; g.svg does not use it" in done.stderr


def test_graph_leaves_do_not_repeat_the_calculators_dtype(tmp_path):
    # The calculator works in float64; its drawing must not label every leaf "float64".
    done = run("graph", "(x + y) * z", "x=-2", "y=5", "z=-4", "-o", "c.svg", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    texts = svg_texts(tmp_path / "c.svg")
    assert "x" in texts and "-12" in texts
    assert not any("float64" in t for t in texts), texts


def test_graph_forward_mode_prints_and_draws_the_surveys_trace(tmp_path):
    """Baydin et al. 2018: f = ln x1 + x1 x2 - sin x2 at (2, 5) is 11.652; one forward pass
    seeded on x1 gives df/dx1 = 5.5 (Table 2), the reverse pass df/dx2 = 1.716 (Table 3)."""
    done = run(
        "graph", "log(x1) + x1*x2 - sin(x2)", "x1=2", "x2=5", "--forward", "x1",
        "-o", "forward.svg", cwd=tmp_path, env={"AUTOGRAD_LITE_RENDERER": "wasm"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "out = v5 = 11.652, d out / d x1 = 5.5" in out
    trace = {line.split()[0]: line.split()[1:] for line in out.splitlines()[3:10]}
    assert trace == {
        "x1": ["2", "1"],
        "x2": ["5", "0"],
        "v1": ["log(x1)", "0.693", "0.5"],
        "v2": ["x1", "*", "x2", "10", "5"],
        "v3": ["v1", "+", "v2", "10.693", "5.5"],
        "v4": ["sin(x2)", "-0.959", "0"],
        "v5": ["v3", "-", "v4", "11.652", "5.5"],
    }
    reverse = {line.split()[0]: line.split()[1:] for line in out.splitlines() if line[:2] == "x2"}
    assert reverse["x2"][-1] == "1.716"
    texts = svg_texts(tmp_path / "forward.svg")
    assert "blue: tangent (forward mode)" in texts and "5.5" in texts and "0.5" in texts
    assert "red: gradient (reverse mode)" not in texts  # the forward picture: no gradients


def test_graph_forward_needs_one_of_the_variables(tmp_path):
    done = run("graph", "x * 2", "x=1", "--forward", "y", "-o", "g.svg", cwd=tmp_path)
    assert done.returncode == 2
    assert "--forward y: no such variable (the variables: x)" in done.stderr
    assert not list(tmp_path.iterdir())
