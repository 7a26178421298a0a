"""No import cycle between the modules of the package, by design or at run time.

Two graphs, each without a cycle:

- **design**: every ``import`` / ``from ... import`` statement, wherever it stands -- at the top,
  inside a function (a lazy import hides a cycle from the interpreter, not from the design), under
  ``if TYPE_CHECKING:`` -- and ``importlib.import_module("...")`` / ``__import__("...")`` with a
  literal name. An edge goes to the module named (``from .pkg import mod`` -> ``pkg.mod`` when
  that is a module, else ``pkg``). A package's ``__init__`` importing its own modules is how a
  package works; a module importing its own package's ``__init__`` is a cycle.
- **run time**: the imports that run (not those under ``if TYPE_CHECKING:``), each with an edge
  to the module named and to the packages above it that are not above the importing module:
  importing ``a.b.c`` from ``x.y`` runs ``a/__init__`` and ``a/b/__init__`` first, so a package
  ``__init__`` that imports its modules eagerly is part of every import of one of them.

Names built at run time (plugin entry points, ``rewardlab.core.registry``'s built-in packages,
lazy front doors keyed by a table) are not followed.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import rewardlab

PACKAGE_DIR = Path(rewardlab.__file__).resolve().parent


def module_files(package_dir: Path) -> dict[str, tuple[Path, bool]]:
    """Dotted module name -> (file, is a package ``__init__``) for every ``.py`` file of the package."""
    root = package_dir.parent
    out: dict[str, tuple[Path, bool]] = {}
    for path in sorted(package_dir.rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        out[".".join(parts)] = (path, is_package)
    return out


def _absolute(module: str, is_package: bool, level: int, name: str | None) -> str:
    if level == 0:
        return name or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    if level > 1:
        base = base[: len(base) - (level - 1)]
    return ".".join(base + ([name] if name else []))


def _known(name: str, modules: dict[str, tuple[Path, bool]]) -> str | None:
    """``name`` if it is a module of the package, else the closest package above it that is."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def _literal_import(node: ast.Call) -> str | None:
    func = node.func
    called = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
    if called not in ("import_module", "__import__") or not node.args:
        return None
    first = node.args[0]
    return first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else None


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_nodes(tree: ast.AST, *, runtime: bool) -> Iterator[ast.AST]:
    """Every node of ``tree``; with ``runtime``, not those under ``if TYPE_CHECKING:``."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        if runtime and isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        stack.extend(ast.iter_child_nodes(node))


def imports_of(
    module: str, modules: dict[str, tuple[Path, bool]], *, runtime: bool = False
) -> Iterator[tuple[str, int]]:
    """(imported module of the package, line) for the imports in ``module``'s file: every one
    (design), or those that run, with the packages above each target (``runtime``)."""
    path, is_package = modules[module]
    top = module.split(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in _import_nodes(tree, runtime=runtime):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(module, is_package, node.level, node.module)
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
        elif isinstance(node, ast.Call):
            literal = _literal_import(node)
            targets = [literal] if literal else []
        for target in targets:
            known = _known(target, modules) if target.split(".")[0] == top else None
            if known is None:
                continue
            if known != module:
                yield known, node.lineno
            if runtime:
                parts = known.split(".")
                for depth in range(1, len(parts)):
                    above = ".".join(parts[:depth])
                    if above in modules and above != module and not module.startswith(above + "."):
                        yield above, node.lineno


def import_graph(package_dir: Path, *, runtime: bool = False) -> dict[str, dict[str, int]]:
    """module -> {imported module: first line that imports it} (see :func:`imports_of`)."""
    modules = module_files(package_dir)
    graph: dict[str, dict[str, int]] = {}
    for module in modules:
        edges: dict[str, int] = {}
        for target, line in imports_of(module, modules, runtime=runtime):
            edges[target] = min(line, edges.get(target, line))
        graph[module] = edges
    return graph


def cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, {})))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return sorted(found)


def describe_cycle(component: list[str], graph: dict[str, dict[str, int]]) -> str:
    members = set(component)
    lines = [f"cycle between {', '.join(component)}:"]
    for module in component:
        for target, line in sorted(graph[module].items()):
            if target in members:
                lines.append(f"  {module} (line {line}) imports {target}")
    return "\n".join(lines)


@pytest.mark.parametrize("runtime", [False, True], ids=["design", "runtime"])
def test_the_package_has_no_import_cycle(runtime: bool) -> None:
    graph = import_graph(PACKAGE_DIR, runtime=runtime)
    assert len(graph) > 100, "the walk found too few modules: is PACKAGE_DIR the package?"
    found = cycles(graph)
    assert not found, "import cycles (function-level imports included):\n" + "\n".join(
        describe_cycle(c, graph) for c in found
    )


def test_the_walk_sees_function_level_and_type_checking_imports(tmp_path: Path) -> None:
    pkg = tmp_path / "demo"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("from . import a\n")
    (pkg / "a.py").write_text("def f():\n    from .sub import b\n    return b\n")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "sub" / "b.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..c import C\n")
    (pkg / "c.py").write_text("import importlib\n\ndef g():\n    return importlib.import_module('demo.a')\n")
    graph = import_graph(pkg)
    assert graph["demo.a"] == {"demo.sub.b": 2}
    assert graph["demo.sub.b"] == {"demo.c": 3}
    assert graph["demo"] == {"demo.a": 1}
    found = cycles(graph)
    assert found == [["demo.a", "demo.c", "demo.sub.b"]]
    assert "demo.sub.b (line 3) imports demo.c" in describe_cycle(found[0], graph)
    # at run time the TYPE_CHECKING import does not run; importing demo.sub.b runs demo.sub first
    runtime = import_graph(pkg, runtime=True)
    assert runtime["demo.a"] == {"demo.sub.b": 2, "demo.sub": 2}
    assert runtime["demo.sub.b"] == {}
    assert cycles(runtime) == []


def test_a_package_init_on_the_way_counts_at_run_time(tmp_path: Path) -> None:
    pkg = tmp_path / "lib"
    (pkg / "box").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "wire.py").write_text("from .box.consts import HEADER\n")
    (pkg / "box" / "__init__.py").write_text("from .client import Client\n")
    (pkg / "box" / "consts.py").write_text("HEADER = 8\n")
    (pkg / "box" / "client.py").write_text("from ..wire import HEADER\n\nclass Client: ...\n")
    assert cycles(import_graph(pkg)) == []
    assert cycles(import_graph(pkg, runtime=True)) == [["lib.box", "lib.box.client", "lib.wire"]]


def test_an_import_of_the_own_package_init_is_a_cycle(tmp_path: Path) -> None:
    pkg = tmp_path / "app"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("def load():\n    from . import cmd\n\nAPP = object()\n")
    (pkg / "cmd.py").write_text("from . import APP\n")
    assert cycles(import_graph(pkg)) == [["app", "app.cmd"]]
