"""Which of the program's names the test code may see, and which of the prompt's functions are stubs.

Test code runs in the checker with the program's functions as remote proxies; it sees only the
names it reads and does not bind itself, never one that shadows a built-in or a dunder name.
"""

from __future__ import annotations

import ast
import builtins
import symtable
from dataclasses import dataclass

__all__ = ["GlobalNames", "names_in_tests", "program_names_for_tests", "stub_functions"]


@dataclass(frozen=True)
class GlobalNames:
    """The module-level names of test code: those it reads and those it binds itself."""

    reads: frozenset[str]
    binds: frozenset[str]


def names_in_tests(*sources: str) -> GlobalNames:
    """The global names that ``sources`` (run one after another in one namespace) read, and those
    they bind at module level (assignments, imports, definitions, ``global`` declarations).

    >>> names = names_in_tests("import math\\ndef check(c):\\n    assert abs(c(1)) == helper(2)", "x = f(1)")
    >>> sorted(names.reads), sorted(names.binds)
    (['abs', 'f', 'helper'], ['check', 'math', 'x'])
    """
    reads: set[str] = set()
    binds: set[str] = set()
    for source in sources:
        if not source.strip():
            continue
        try:
            top = symtable.symtable(source, "<test>", "exec")
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue  # (the code fails when it runs; nothing of the program is bound for it)
        stack = [top]
        while stack:
            table = stack.pop()
            module_level = table.get_type() == "module"
            for sym in table.get_symbols():
                if module_level or sym.is_global():
                    name = sym.get_name()
                    if sym.is_referenced():
                        reads.add(name)
                    if (module_level or sym.is_declared_global()) and (
                        sym.is_assigned() or sym.is_imported() or sym.is_namespace()
                    ):
                        binds.add(name)
            stack.extend(table.get_children())
    return GlobalNames(frozenset(reads), frozenset(binds))


_BUILTIN_NAMES = frozenset(vars(builtins))


def program_names_for_tests(
    program: dict[str, str],
    tests: GlobalNames,
    *,
    declared: frozenset[str] = frozenset(),
    reserved: frozenset[str] = frozenset(),
) -> list[str]:
    """The program's top-level names (name -> kind) that test code may see as globals.

    Only names the tests read and do not bind themselves, never a name that shadows a built-in
    (a program defining ``abs`` or ``set`` must not change what ``abs(...)`` means in a test),
    never a dunder name, never one in ``reserved`` (what the checker binds itself: HumanEval's
    ``candidate``) -- except the names in ``declared`` (an entry point the suite names).

    >>> names = names_in_tests("assert abs(add(1, 2) - 3) < 1e-9 and ok(1)", "ok = lambda x: x")
    >>> program_names_for_tests({"add": "function", "abs": "function", "ok": "function", "x": "function"}, names)
    ['add']
    """
    out = []
    for name, kind in program.items():
        if kind not in ("function", "class", "exception") or not name.isidentifier() or name in reserved:
            continue
        if name in declared or (
            name in tests.reads and name not in tests.binds and name not in _BUILTIN_NAMES and not name.startswith("__")
        ):
            out.append(name)
    return out


def stub_functions(code: str) -> list[str]:
    """Top-level functions of ``code`` whose body is only a docstring, ``pass`` or ``...``.

    >>> stub_functions("def helper(x):\\n    return x\\ndef solve(x):\\n    pass\\n")
    ['solve']
    """
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    out = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and all(
            isinstance(s, ast.Pass) or (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
            for s in node.body
        ):
            out.append(node.name)
    return out
