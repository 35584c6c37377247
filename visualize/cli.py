"""The ``autograd-lite`` command.

    autograd-lite graph "(x + y) * z" x=-2 y=5 z=-4 -o graph.svg [--steps steps.html]
    autograd-lite demo [--dataset spiral] [--epochs N] [--out DIR] [--seed S]
    autograd-lite gradcheck

Exit status: 0 on success, 1 when gradcheck finds a failing op (or a file cannot be
written), 2 for bad usage (including a refused expression).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from visualize.expression import ExpressionError, evaluate, parse_assignment, parse_expression
from visualize.graph import format_number
from visualize.render import ENV_VAR, RENDERERS

PROG = "autograd-lite"
PICTURE_SUFFIXES = (".svg", ".dot", ".gv", ".png", ".pdf")


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
        description=(
            "Evaluate an expression, run backward, print every variable's value and gradient, "
            "and draw the computational graph (values in green, gradients in red). "
            "Allowed: numbers, variables, + - * / **, unary minus, and the functions "
            "exp log sqrt tanh sigmoid relu abs max min. An expression that starts with '-' "
            "goes after '--':  autograd-lite graph -- \"-x * y\" x=1 y=2"
        ),
        epilog='example: autograd-lite graph "(x + y) * z" x=-2 y=5 z=-4 -o graph.svg',
    )
    p.add_argument("expression", help='the expression, e.g. "(x + y) * z"')
    p.add_argument("values", nargs="*", metavar="NAME=VALUE", help="a value for each variable")
    p.add_argument(
        "-o",
        "--output",
        default="graph.svg",
        help="picture to write: .svg, .dot, .png or .pdf (default: graph.svg)",
    )
    p.add_argument("--steps", metavar="HTML", help="also write a backward step-through page")
    p.add_argument("--rankdir", default="LR", choices=["LR", "TB", "RL", "BT"])
    p.add_argument(
        "--renderer",
        choices=RENDERERS,
        default=None,
        help=f"who draws the SVG (default: ${ENV_VAR} or auto = system dot if present, else wasm)",
    )
    p.set_defaults(run=_run_graph)


def _run_graph(args: argparse.Namespace) -> int:
    import autograd_lite as al
    from visualize.graph import draw_graph
    from visualize.render import RenderError

    if Path(args.output).suffix.lower() not in PICTURE_SUFFIXES:
        return _fail(
            "graph",
            f"cannot tell the picture format from {args.output!r}; "
            f"name it *{', *'.join(PICTURE_SUFFIXES)}",
        )
    if args.steps and Path(args.steps).suffix.lower() not in (".html", ".htm"):
        return _fail(
            "graph", f"the step-through is an HTML page; name it *.html, not {args.steps!r}"
        )
    try:
        tree = parse_expression(args.expression)
        env: dict[str, Any] = {}
        for item in args.values:
            name, value = parse_assignment(item)
            if name in env:
                raise ExpressionError(f"{name} is given twice")
            env[name] = al.tensor(value, dtype="float64", requires_grad=True, name=name)
        result = evaluate(tree, env)
    except ExpressionError as exc:
        return _fail("graph", f"refused: {exc}")

    if not isinstance(result, al.Tensor):  # no variables: a plain number
        result = al.tensor(result, dtype="float64")
    result.name = "out"
    if result.requires_grad:
        # retain_graph keeps the graph and every wire's gradient for the drawing.
        result.backward(retain_graph=True)

    expr = " ".join(args.expression.split())
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
        print(f"note: {', '.join(unused)} not used in the expression", file=sys.stderr)

    try:
        view = draw_graph(result, rankdir=args.rankdir, renderer=args.renderer, title=expr)
        written = view.save(args.output)
        print(f"\nwrote {written}")
        if args.steps:
            from visualize.steps import backward_steps

            steps = backward_steps(result, rankdir=args.rankdir, renderer=args.renderer)
            print(f"wrote {steps.save(args.steps)} (step 0 and {len(steps) - 1} backward steps)")
    except (RenderError, ValueError, OSError) as exc:
        return _fail("graph", str(exc), status=1)
    return 0


# ---------------------------------------------------------------------------------------
# autograd-lite demo
# ---------------------------------------------------------------------------------------


def _add_demo_parser(sub: Any) -> None:
    from visualize.demo import DATASETS

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
    p.add_argument("--dataset", default="spiral", choices=DATASETS, help="default: spiral")
    p.add_argument("--epochs", type=int, default=None, help="default: a per-data-set recipe")
    p.add_argument(
        "--out", default="autograd-lite-demo", metavar="DIR", help="default: autograd-lite-demo"
    )
    p.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    p.set_defaults(run=_run_demo)


def _run_demo(args: argparse.Namespace) -> int:
    from visualize.demo import run_demo

    if args.epochs is not None and args.epochs < 1:
        return _fail("demo", f"--epochs must be at least 1, got {args.epochs}")
    try:
        result = run_demo(args.dataset, args.epochs, args.out, args.seed)
    except ImportError as exc:  # digits needs scikit-learn, the 'digits' extra
        return _fail("demo", str(exc), status=1)
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
    from visualize.checks import run_all

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
    parser = build_parser()
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
