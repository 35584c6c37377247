"""The import structure described in ARCHITECTURE.md, checked on the source.

The graph: one node per module of autograd_lite/, nn/ and visualize/, one edge per import
that runs when the module is loaded -- at module level, in class bodies, in if/try/with
blocks -- but not inside functions (those run when called). Imports under
``if TYPE_CHECKING:`` count too: a static reader (a type checker, an IDE, a person) follows
them, so they may not close a circle either. ``from package import name`` is an edge to the
submodule ``package.name`` when there is one, else to ``package`` itself.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("autograd_lite", "nn", "visualize")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def load_time_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """The import statements that run when the module is loaded, and those a static reader
    follows (``if TYPE_CHECKING:``)."""
    found: list[ast.Import | ast.ImportFrom] = []

    def visit(body: list[ast.stmt]) -> None:
        for stmt in body:
            if isinstance(stmt, (ast.Import, ast.ImportFrom)):
                found.append(stmt)
            elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue  # runs when called, not when loaded
            else:  # class bodies, if/else, try/except/finally, with, for, while
                for field in ("body", "orelse", "finalbody"):
                    visit(getattr(stmt, field, None) or [])
                for handler in getattr(stmt, "handlers", None) or []:
                    visit(handler.body)

    visit(tree.body)
    return found


def build_graph() -> tuple[dict[str, set[str]], dict[tuple[str, str], list[str]]]:
    """module -> modules it imports at load time; (module, target) -> names imported."""
    files = {module_name(p): p for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))}
    graph: dict[str, set[str]] = {m: set() for m in files}
    names: dict[tuple[str, str], list[str]] = {}
    for mod, path in files.items():
        is_package = path.name == "__init__.py"
        for stmt in load_time_imports(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(stmt, ast.Import):
                targets = [(a.name, []) for a in stmt.names]
            else:
                base = stmt.module or ""
                if stmt.level:  # relative: from the module's own package upwards
                    anchor = mod.split(".")
                    anchor = anchor[: len(anchor) - stmt.level + (1 if is_package else 0)]
                    base = ".".join([*anchor, *([base] if base else [])])
                targets = []
                for alias in stmt.names:
                    sub = f"{base}.{alias.name}"
                    targets.append((sub, []) if sub in files else (base, [alias.name]))
            for target, imported in targets:
                if target.split(".")[0] in PACKAGES and target != mod:
                    graph[mod].add(target)
                    names.setdefault((mod, target), []).extend(imported)
    return graph, names


GRAPH, NAMES = build_graph()


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle as a list of modules (first == last), or None; iterative depth-first search."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for start in sorted(graph):
        if start in state:
            continue
        path, stack = [start], [iter(sorted(graph[start]))]
        state[start] = 1
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            elif nxt not in state and nxt in graph:
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(sorted(graph[nxt])))
    return None


def test_the_graph_sees_the_packages():
    # The test would pass vacuously on an empty graph: check it holds what it should.
    assert {"autograd_lite", "autograd_lite.tensor", "nn.module", "visualize.graph"} <= set(GRAPH)
    assert "autograd_lite.function" in GRAPH["autograd_lite.ops.arithmetic"]
    assert "autograd_lite.ops.arithmetic" in GRAPH["autograd_lite.ops.table"]
    assert "autograd_lite" in GRAPH["nn.linear"]
    assert "visualize.render" in GRAPH["visualize.graph"]


def test_the_load_time_import_graph_has_no_cycle():
    assert find_cycle(GRAPH) is None, " -> ".join(find_cycle(GRAPH) or [])


def test_find_cycle_finds_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_imports_in_functions_do_not_count_and_type_checking_blocks_do():
    tree = ast.parse(
        "import a\n"
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    import b\nelse:\n    import c\n"
        "def f():\n    import d\n"
        "class K:\n    import e\n"
        "try:\n    import f\nexcept ImportError:\n    import g\n"
    )
    found = [a.name for s in load_time_imports(tree) for a in s.names]
    assert sorted(found) == ["TYPE_CHECKING", "a", "b", "c", "e", "f", "g"]


@pytest.mark.parametrize(
    "lower, higher", [("autograd_lite", "nn"), ("autograd_lite", "visualize"), ("nn", "visualize")]
)
def test_no_floor_imports_a_floor_above(lower, higher):
    upward = [
        (m, t)
        for m, ts in GRAPH.items()
        for t in ts
        if m.split(".")[0] == lower
        if t.split(".")[0] == higher
    ]
    assert upward == []


def test_tensor_is_the_bottom_of_the_engine_floor():
    # tensor.py imports no op, not function.py and not the engine: they are built on it.
    assert GRAPH["autograd_lite.tensor"] <= {"autograd_lite.errors", "autograd_lite.grad_mode"}
    for below in ("autograd_lite.errors", "autograd_lite.grad_mode"):
        assert not {t for t in GRAPH[below] if t.startswith("autograd_lite")}


def test_one_list_of_op_names():
    # autograd_lite.ops.__all__ is read from the op table, and autograd_lite exports exactly
    # those objects (the table against the code: tests/autograd_lite/test_op_table.py).
    import autograd_lite as al
    from autograd_lite import ops

    assert ops.__all__ == ops.table.public_names()
    assert len(set(ops.__all__)) == len(ops.__all__)
    assert all(getattr(al, n) is getattr(ops, n) for n in ops.__all__)
    assert set(ops.__all__) <= set(al.__all__)


def test_tensor_members_are_defs_in_one_class_or_op_functions():
    # Every operator and Tensor member that needs the ops is a def in TensorMethods; every
    # op method is an op function itself, named by its op table row. So grep finds its def.
    import autograd_lite as al
    from autograd_lite.ops.table import OPS
    from autograd_lite.tensor_methods import TensorMethods

    attached = {
        name: member
        for name, member in vars(TensorMethods).items()
        if callable(member) or isinstance(member, property)
    }
    assert {"__mul__", "__rsub__", "__matmul__", "backward", "T", "where"} <= set(attached)
    for name, member in attached.items():
        assert vars(al.Tensor)[name] is member, name
        function = member.fget if isinstance(member, property) else member
        assert function.__module__.startswith("autograd_lite."), name
    methods = {m: row.function for row in OPS for m in row.methods}
    assert {"exp", "sum", "reshape", "__getitem__"} <= set(methods)
    assert not set(methods) & set(attached)  # one home per member
    for name, function in methods.items():
        assert vars(al.Tensor)[name] is function, name


def test_every_function_class_lives_in_the_engines_ops():
    # Differentiable ops are Functions in autograd_lite/ops (the base class aside).
    homes = []
    for mod in GRAPH:
        path = ROOT / (mod.replace(".", "/") + ".py")
        if not path.exists():
            path = ROOT / mod.replace(".", "/") / "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and any(
                ast.unparse(b) in ("Function", "al.Function", "autograd_lite.Function")
                for b in node.bases
            ):
                homes.append((mod, node.name))
    assert homes, "no Function subclass found: the walk is broken"
    assert [(m, c) for m, c in homes if not m.startswith("autograd_lite.ops.")] == []


def test_nn_exports_the_engines_fused_ops_themselves():
    # One home per op: nn.functional (and nn.loss, for the losses) hand out the engine's
    # functions, not wrappers of their own.
    import autograd_lite as al
    from nn import functional as F
    from nn import loss

    losses = al.ops.loss.__all__
    assert "cross_entropy" in losses
    for name in ("conv2d", "max_pool2d", "avg_pool2d", "erf", "gelu", *losses):
        assert getattr(F, name) is getattr(al, name), name
    for name in losses:
        assert getattr(loss, name) is getattr(al, name), name
    assert set(losses) <= set(loss.__all__)


def test_nn_functional_all_names_every_function_it_offers():
    import inspect

    from nn import functional as F

    offered = {
        name
        for name, value in vars(F).items()
        if inspect.isfunction(value) and not name.startswith("_")
    }
    helpers = {"check_dropout_p"}  # nn.Dropout's argument check, not a layer function
    assert offered - helpers == set(F.__all__)


# nn reaches the engine through its public namespace, `import autograd_lite`; besides, it
# may import the hook detect_anomaly offers higher layers (anomaly.LIBRARY_DIRS), the one
# graph walk for tools that read a recorded graph (engine.topological_order: nn.export), and,
# from
# the op modules, public names that autograd_lite does not export itself (the argument
# checks a layer shares with its functional op; Function classes).


def nn_may_import(module: str) -> bool:
    return module in (
        "autograd_lite",
        "autograd_lite.anomaly",
        "autograd_lite.engine",
        "autograd_lite.serialization",  # check_suffix: the file names al.save and nn.save share
        "autograd_lite.data_array",  # data_array: nn.Parameter's .data (PyTorch's in-place methods)
    ) or module.startswith("autograd_lite.ops.")


def test_nn_uses_only_the_engines_public_names():
    import autograd_lite

    engine = {
        (m, t): NAMES.get((m, t), [])
        for m, ts in GRAPH.items()
        if m.startswith("nn")
        for t in ts
        if t.startswith("autograd_lite")
    }
    assert ("nn.linear", "autograd_lite") in engine, "the walk is broken"
    assert sorted((m, t) for m, t in engine if not nn_may_import(t)) == []
    for (m, t), names in engine.items():
        assert not [n for n in names if n.startswith("_")], (m, t)
        if t != "autograd_lite":  # what autograd_lite exports comes from autograd_lite
            assert not [n for n in names if hasattr(autograd_lite, n)], (m, t)


# -- ARCHITECTURE.md matches the code --------------------------------------------------------

DOC = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")


def test_the_engine_floor_order_in_architecture_md_holds():
    block = DOC.split("### The engine floor, bottom up")[1].split("```")[1]
    order = [line.split()[0] for line in block.strip().splitlines()]
    engine = {m for m in GRAPH if m.startswith("autograd_lite")} - {"autograd_lite.__main__"}
    assert set(order) == engine  # every module listed, once
    assert len(order) == len(engine)
    rank = {m: i for i, m in enumerate(order)}
    upward = [(m, t) for m in order for t in GRAPH[m] if t in rank and rank[t] >= rank[m]]
    assert upward == []


def test_architecture_md_names_every_ops_module():
    # The op section's file map lists every module of autograd_lite/ops, and no other.
    section = DOC.split("## Where each op lives")[1].split("\n## ")[0]
    listed = {line.split()[0] for line in section.splitlines() if line.startswith("ops/")}
    on_disk = {f"ops/{p.name}" for p in (ROOT / "autograd_lite" / "ops").glob("*.py")}
    assert listed == on_disk - {"ops/__init__.py"}
