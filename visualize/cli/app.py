"""The ``autograd-lite`` command.

    autograd-lite graph "(x + y) * z" x=-2 y=5 z=-4 -o graph.svg [--steps steps.html]
        [--explore graph.html]
    autograd-lite graph "log(x1) + x1*x2 - sin(x2)" x1=2 x2=5 --forward x1
    autograd-lite demo [--dataset spiral] [--epochs N] [--out DIR] [--seed S]
    autograd-lite gradcheck

Exit status: 0 on success, 1 when gradcheck finds a failing op (or a file cannot be
written), 2 for bad usage (including a refused expression).
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import sys
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from autograd_lite import forward_ad
from visualize.cli.expression import (
    MAX_DEPTH,
    MAX_LENGTH,
    ExpressionError,
    evaluate,
    function_table,
    parse_assignment,
    parse_expression,
)
from visualize.graph import format_number
from visualize.render import ENV_VAR, RENDERERS

PROG = "autograd-lite"
PICTURE_SUFFIXES = (".svg", ".dot", ".gv", ".png", ".pdf")
# The picture's title (the expression) is cut to this many characters.
MAX_TITLE = 80
# The explorer page the CLI suggests for a picture past a slide.
EXPLORE_PAGE = "graph.html"


def _fail(command: str, message: str, status: int = 2) -> int:
    print(f"{PROG} {command}: error: {message}", file=sys.stderr)
    return status


# ---------------------------------------------------------------------------------------
# autograd-lite graph
# ---------------------------------------------------------------------------------------


def _add_graph_parser(sub: Any) -> None:
    p = sub.add_parser(
        "graph",
        help="draw an expression's graph with values and gradients",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=(
            "Evaluate an expression, run backward, print every variable's value and gradient,\n"
            "and draw the computational graph (values in green, gradients in red).\n\n"
            "Allowed: numbers, variables, + - * / ** (powers: x ** 2, not x ^ 2), unary minus,\n"
            "parentheses, and these functions (settings after x must be plain numbers):\n\n"
            f"{function_table()}\n\n"
            "Sums and products may have any number of terms (up to "
            f"{MAX_LENGTH} characters);\nnesting is limited to {MAX_DEPTH} levels. "
            "An expression that starts with '-' goes after '--':\n"
            '  autograd-lite graph -- "-x * y" x=1 y=2'
        ),
        epilog=(
            'examples: autograd-lite graph "(x + y) * z" x=-2 y=5 z=-4 -o graph.svg\n'
            '          autograd-lite graph "log(x1) + x1*x2 - sin(x2)" x1=2 x2=5 --forward x1'
        ),
    )
    p.add_argument("expression", help='the expression, e.g. "(x + y) * z"')
    p.add_argument(
        "values", nargs="*", metavar="NAME=VALUE", help="a value for each variable, e.g. x=-2"
    )
    p.add_argument(
        "-o",
        "--output",
        default="graph.svg",
        help="picture to write: .svg, .dot, .png or .pdf (default: graph.svg)",
    )
    p.add_argument(
        "--steps",
        metavar="HTML",
        help="also write a page that steps through the backward pass, one op at a time",
    )
    p.add_argument(
        "--explore",
        metavar="HTML",
        help=(
            "also write the interactive explorer of the graph (pan, zoom, search, the "
            "backward pass step by step; for a picture past a slide)"
        ),
    )
    p.add_argument(
        "--max-steps",
        type=_positive,
        default=200,
        metavar="N",
        help="with --steps: refuse graphs of more than N ops (default: 200; each op is a frame)",
    )
    p.add_argument(
        "--forward",
        metavar="VAR",
        help=(
            "forward mode: seed the tangent on the variable VAR (VAR' = 1, the others 0), "
            "print the forward trace (each step's value and tangent d/dVAR) and draw each "
            "wire's value and tangent"
        ),
    )
    p.add_argument(
        "--rankdir",
        default="LR",
        choices=["LR", "TB", "RL", "BT"],
        help="layout direction: LR left to right (default), TB top to bottom, RL, BT",
    )
    p.add_argument(
        "--renderer",
        choices=RENDERERS,
        default=None,
        help=(
            f"who draws the picture (default: ${ENV_VAR} or auto = the system Graphviz `dot` "
            "if present, else wasm, the in-process Graphviz, which writes SVG only)"
        ),
    )
    p.add_argument(
        "--dpi",
        type=_dpi,
        default=None,
        help="resolution of a PNG in dots per inch (default: Graphviz's 96; e.g. 200 for slides)",
    )
    p.set_defaults(run=_run_graph)


def _positive(text: str) -> int:
    """argparse type of --max-steps: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _dpi(text: str) -> int:
    """argparse type of --dpi: a whole number from 10 to 1200."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 10 <= value <= 1200:
        raise argparse.ArgumentTypeError(f"must be between 10 and 1200, got {value}")
    return value


def _pointer(text: str, column: int, length: int, width: int = 72) -> str:
    """Two lines: the expression (a window of it when long) and ^^^ under ``column``."""
    start = max(0, min(column - 1 - width // 2, len(text) - width))
    shown = text[start : start + width]
    left = "…" if start > 0 else ""
    right = "…" if start + width < len(text) else ""
    caret = " " * (len(left) + column - 1 - start) + "^" * max(1, min(length, width))
    return f"  {left}{shown}{right}\n  {caret}"


def _refuse(exc: ExpressionError, expression: str | None) -> int:
    status = _fail("graph", f"refused: {exc}")
    if expression is not None and exc.column is not None and "\n" not in expression:
        print(_pointer(expression, exc.column, exc.length), file=sys.stderr)
    return status


@contextlib.contextmanager
def _warnings_as_notes(notes: list[str], phase: str) -> Iterator[None]:
    """Collect the warnings raised inside (NumPy's floating-point ones above all: overflow,
    division by zero, invalid value) as one-line notes, without file paths, into ``notes``."""
    import numpy as np

    with warnings.catch_warnings(record=True) as caught, np.errstate(all="warn", under="ignore"):
        warnings.simplefilter("always")
        yield
    for w in caught:
        note = f"note: during the {phase} pass: {w.message}"
        if note not in notes:
            notes.append(note)


def _not_finite(what: str, value: float) -> str | None:
    if math.isnan(value):
        return (
            f"note: {what} is NaN (not a number): some step had no defined value, "
            "e.g. log or sqrt of a negative number, 0/0 or inf - inf"
        )
    if math.isinf(value):
        return (
            f"note: {what} is {'-' if value < 0 else ''}inf (infinite): e.g. a division by zero, "
            "log(0), or a number beyond float64's range (about 1.8e308)"
        )
    return None


def _wasm_cannot(output: str, renderer: str | None) -> str | None:
    """The message when --renderer wasm (or $AUTOGRAD_LITE_RENDERER=wasm) meets PNG/PDF."""
    fmt = Path(output).suffix.lower()[1:]
    chosen = renderer or os.environ.get(ENV_VAR, "").strip().lower()
    if fmt not in ("png", "pdf") or chosen != "wasm":
        return None
    source = "--renderer wasm" if renderer else f"{ENV_VAR}=wasm"
    return (
        f"{fmt.upper()} needs the system Graphviz program `dot`; {source} (the in-process "
        f"Graphviz) draws SVG only. Write -o {Path(output).stem}.svg, or install Graphviz "
        "(Debian/Ubuntu: apt install graphviz; macOS: brew install graphviz) and use "
        "--renderer dot"
    )


def _with_dpi(source: str, dpi: int) -> str:
    # A graph attribute statement at the end of the root graph applies to the whole graph.
    body = source.rstrip()
    return f"{body[:-1]}\tdpi={dpi}\n}}\n" if body.endswith("}") else source


def _run_graph(args: argparse.Namespace) -> int:
    # The calculator computes in float64; with float64 as the default dtype meanwhile, the
    # drawing stays quiet too (a leaf names its dtype only when it is not the default).
    from visualize.cli.checks import float64_default

    with float64_default():
        return _graph(args)


def _graph(args: argparse.Namespace) -> int:
    import autograd_lite as al

    suffix = Path(args.output).suffix.lower()
    if suffix not in PICTURE_SUFFIXES:
        return _fail(
            "graph",
            f"cannot tell the picture format from {args.output!r}; "
            f"name it *{', *'.join(PICTURE_SUFFIXES)}",
        )
    for flag, page, what in (
        ("--steps", args.steps, "the step-through"),
        ("--explore", args.explore, "the explorer"),
    ):
        if page and Path(page).suffix.lower() not in (".html", ".htm"):
            return _fail("graph", f"{flag}: {what} is an HTML page; name it *.html, not {page!r}")
    problem = _wasm_cannot(args.output, args.renderer)
    if problem:
        return _fail("graph", problem)
    try:
        tree = parse_expression(args.expression)
    except ExpressionError as exc:
        return _refuse(exc, args.expression)

    notes: list[str] = []
    try:
        values: dict[str, float] = {}
        for item in args.values:
            name, value = parse_assignment(item)
            if name in values:
                raise ExpressionError(f"{name} is given twice")
            values[name] = value
    except ExpressionError as exc:
        return _refuse(exc, None)
    if args.forward is not None and args.forward not in values:
        given = ", ".join(values) or "none"
        return _fail(
            "graph", f"--forward {args.forward}: no such variable (the variables: {given})"
        )

    expr = " ".join(args.expression.split())
    view = None
    # Forward mode: every variable is a dual number, the tangents are computed alongside the
    # values, and the picture is drawn while they exist (inside the dual level).
    with forward_ad.dual_level() if args.forward else contextlib.nullcontext():
        env = {name: _variable(name, value, args.forward) for name, value in values.items()}
        try:
            with _warnings_as_notes(notes, "forward"):
                result = evaluate(tree, env)
        except ExpressionError as exc:
            return _refuse(exc, None)
        except (ValueError, TypeError, al.AutogradError) as exc:  # an op refused its input
            return _fail("graph", f"refused: {exc}")
        if not isinstance(result, al.Tensor):  # no variables: a plain number
            result = al.tensor(result, dtype="float64")
        result.name = "out"
        if args.forward:
            _print_forward_trace(result, env, args.forward)
            title = f"{expr}   (forward mode: tangents d/d{args.forward})"
            view = _view(args, result, title, show_grads=False)
    if result.requires_grad:
        # retain_graph keeps the graph and every wire's gradient for the drawing.
        with _warnings_as_notes(notes, "backward"):
            result.backward(retain_graph=True)

    _print_table(expr, result, env, notes)
    if args.dpi is not None and suffix != ".png":
        print(
            f"note: --dpi sets a PNG's resolution; {args.output} does not use it", file=sys.stderr
        )
    return _draw(args, result, expr, view)


def _variable(name: str, value: float, forward: str | None) -> Any:
    """A variable of the expression: a float64 leaf that requires grad; with ``--forward``,
    a dual number whose tangent is 1 for the seeded variable and 0 for the others."""
    import autograd_lite as al

    x = al.tensor(value, dtype="float64")
    if forward is not None:
        x = forward_ad.make_dual(x, al.tensor(float(name == forward), dtype="float64"))
    x.requires_grad_()
    x.name = name
    return x


def _print_forward_trace(result: Any, env: dict[str, Any], seed: str) -> None:
    """The forward trace as Baydin et al. (2018) print it in their Table 2: each variable and
    each step, in the order the forward pass computed them, with its value and tangent."""
    from visualize.trace import trace_number, trace_steps, trace_table

    print(f"forward mode: one pass with tangents d/d{seed} ({seed}' = 1, every other 0)")
    print()
    steps = trace_steps(result, list(env.values())) if result.grad_fn is not None else []
    if steps:
        print(trace_table(steps, ("value", "tangent"), seed))
    tangent = forward_ad.tangent(result)
    value = trace_number(result.item())
    derivative = trace_number(0.0 if tangent is None else tangent.item())
    last = f" = {steps[-1].name}" if steps else ""
    print(f"\nout{last} = {value}, d out / d {seed} = {derivative}\n")


def _print_table(expr: str, result: Any, env: dict[str, Any], notes: list[str]) -> None:
    """The result and each variable's value and gradient (stdout), then the notes (stderr)."""
    print(f"out = {expr} = {format_number(result.item())}")
    used = [name for name in env if env[name].grad is not None]
    if used:
        print()
        rows = [("variable", "value", "d out / d variable")]
        for name in used:
            t = env[name]
            rows.append((name, format_number(t.item()), format_number(t.grad.item())))
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        for row in rows:
            print(f"{row[0]:<{widths[0]}}  {row[1]:>{widths[1]}}  {row[2]:>{widths[2]}}")
    unused = [name for name in env if name not in used]
    if unused:
        notes.append(f"note: {', '.join(unused)} not used in the expression")
    notes.append(_not_finite("the result", result.item()) or "")
    bad = [name for name in used if not math.isfinite(env[name].grad.item())]
    if bad:
        grads = ", ".join(f"d out / d {n} = {format_number(env[n].grad.item())}" for n in bad)
        notes.append(f"note: not every gradient is a finite number: {grads}")
    for note in filter(None, notes):
        print(note, file=sys.stderr)


def _view(args: argparse.Namespace, result: Any, title: str, show_grads: bool = True) -> Any:
    """The picture of ``result``'s graph (values, tangents if any, gradients if asked)."""
    from visualize.graph import draw_graph

    view = draw_graph(
        result,
        rankdir=args.rankdir,
        renderer=args.renderer,
        title=_short_title(title),
        show_grads=show_grads,
    )
    # (What a picture past a slide says under it: the CLI's way to see all of it.)
    view.explore_hint = f"To see all of it: --explore {Path(args.explore or EXPLORE_PAGE).name}"
    return view


def _short_title(title: str) -> str:
    if len(title) > MAX_TITLE:  # (a sum of 300 terms: its node lists them, in short)
        title = title[: MAX_TITLE - 1] + "…"
    return title


def _draw(args: argparse.Namespace, result: Any, expr: str, view: Any = None) -> int:
    """Write the picture (``view``, else the reverse-mode one) and the step-through page; 1 if
    that fails."""
    from visualize.graph import GraphView
    from visualize.render import RenderError

    try:
        if view is None:
            view = _view(args, result, expr)
        if args.dpi is not None and Path(args.output).suffix.lower() == ".png":
            view = GraphView(_with_dpi(view.source, args.dpi), view.renderer, view.model)
        written = view.save(args.output)
        print(f"\nwrote {written}")
        if args.explore:
            from visualize.explore import explore

            page = explore(result, title=_short_title(expr)).save(args.explore)
            print(f"wrote {page} (the explorer: pan, zoom, search, open the sums)")
        elif view.fits_slide is False or view.collapsed:
            print(
                f"note: the picture is too big for a slide (labels under 8 pt); to see all of "
                f"it, add --explore {EXPLORE_PAGE} (an interactive page)",
                file=sys.stderr,
            )
        if args.steps:
            from visualize.steps import backward_steps

            steps = backward_steps(
                result, rankdir=args.rankdir, renderer=args.renderer, max_steps=args.max_steps
            )
            print(f"wrote {steps.save(args.steps)} (step 0 and {len(steps) - 1} backward steps)")
    except (RenderError, ValueError, OSError) as exc:
        message = str(exc).replace("raise max_steps", "raise --max-steps")
        return _fail("graph", message, status=1)
    return 0


# ---------------------------------------------------------------------------------------
# autograd-lite demo
# ---------------------------------------------------------------------------------------


def _add_demo_parser(sub: Any) -> None:
    from visualize.cli.demo import DATASETS

    p = sub.add_parser(
        "demo",
        help="train a small MLP and draw its graph, loss curve and decision boundary",
        description=(
            "Train a multi-layer perceptron on a toy data set with a progress bar, print the "
            "final train and validation accuracy, and write to DIR: graph.svg (one training "
            "step with gradients, one node per module), history.svg (loss and accuracy "
            "curves) and, for 2-D data, boundary.svg (the decision boundary)."
        ),
    )
    p.add_argument(
        "--dataset", default="spiral", choices=DATASETS, help="toy data set (default: spiral)"
    )
    p.add_argument(
        "--epochs",
        type=int,
        default=None,
        help="passes over the training data (default: a per-data-set recipe)",
    )
    p.add_argument(
        "--out", default="autograd-lite-demo", metavar="DIR", help="default: autograd-lite-demo"
    )
    p.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    p.set_defaults(run=_run_demo)


def _run_demo(args: argparse.Namespace) -> int:
    from visualize.cli.demo import run_demo

    if args.epochs is not None and args.epochs < 1:
        return _fail("demo", f"--epochs must be at least 1, got {args.epochs}")
    try:
        result = run_demo(args.dataset, args.epochs, args.out, args.seed)
    except ImportError as exc:  # digits needs scikit-learn, the 'digits' extra
        return _fail("demo", str(exc), status=1)
    except OSError as exc:  # --out not writable (or not a directory): one clear line
        reason = exc.strerror or str(exc)
        return _fail("demo", f"cannot write to --out {args.out!r}: {reason}", status=1)
    for note in result.notes:
        print(f"note: {note}")
    print(f"trained on {args.dataset} in {result.seconds:.1f} s")
    print(f"train accuracy {result.train_accuracy:.3f}")
    print(f"validation accuracy {result.val_accuracy:.3f}")
    for path in result.files:
        print(f"wrote {path}")
    return 0


# ---------------------------------------------------------------------------------------
# autograd-lite gradcheck
# ---------------------------------------------------------------------------------------


def _add_gradcheck_parser(sub: Any) -> None:
    p = sub.add_parser(
        "gradcheck",
        help="check every op's and layer's gradient against numerical differentiation",
        description=(
            "Compare backward's gradients with central differences (in float64) for every "
            "built-in differentiable op and nn layer, and print the largest relative error "
            "|a - n| / max(|a|, |n|) of each, worst first. Exit status 1 when any fails."
        ),
    )
    p.set_defaults(run=_run_gradcheck)


def _run_gradcheck(args: argparse.Namespace) -> int:
    from visualize.cli.checks import run_all

    results = run_all()
    width = max(len(r.name) for r in results)
    print(f"{'op or layer':<{width}}  {'max rel. error':>14}  result")
    for r in results:
        error = "-" if r.max_rel_error != r.max_rel_error else f"{r.max_rel_error:.2e}"
        verdict = "ok" if r.passed else "FAIL"
        note = f"  ({r.note})" if r.note else ""
        print(f"{r.name:<{width}}  {error:>14}  {verdict}{note}")
    failed = [r for r in results if not r.passed]
    print(f"\n{len(results) - len(failed)} of {len(results)} passed")
    return 1 if failed else 0


# ---------------------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``autograd-lite`` command (one subcommand per task)."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="autograd-lite: see automatic differentiation at work.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    _add_graph_parser(sub)
    _add_demo_parser(sub)
    _add_gradcheck_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command with ``argv`` (default: ``sys.argv[1:]``); returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit:
        hint = _leading_minus_hint(parser, argv)
        if hint:
            print(hint, file=sys.stderr)
        raise
    return args.run(args)


def _leading_minus_hint(parser: argparse.ArgumentParser, argv: list[str]) -> str | None:
    """A hint when `graph "-x*y"` failed because argparse took the expression for an option."""
    if not argv or argv[0] != "graph" or "--" in argv:
        return None
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    known = sub.choices["graph"]._option_string_actions
    for i, token in enumerate(argv[1:], start=1):
        if token.startswith("-") and token.split("=")[0] not in known:
            rest = " ".join(repr(t) if " " in t else t for t in argv[i + 1 :])
            return (
                f"hint: {token!r} starts with a minus, so it was read as an option; put -- "
                f"before the expression: {PROG} graph -- {token!r} {rest}".rstrip()
            )
    return None


if __name__ == "__main__":
    sys.exit(main())
