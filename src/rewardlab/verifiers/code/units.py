"""Splitting an assert-style test suite into units: one test per statement that asserts.

A unit is a statement that contains an ``assert``, together with the statements before it
(setup lines run with the test they prepare); trailing statements run with the last unit.
HumanEval's ``check(candidate)`` is split into the statements of its body, unless it cannot be
(it returns early, uses ``nonlocal`` ...): then it is one test. A unit keeps the test's own
spelling (its source sliced by the parser's offsets, not unparsed) and is named by its first line.

>>> from rewardlab.verifiers.code.suite import parse_tests
>>> _, units = split_assert_units(parse_tests("x = 2\\nassert x + 1 == 3\\nassert x * 2 == 4"))
>>> [(u.name, u.line) for u in units]
[('assert x + 1 == 3', 2), ('assert x * 2 == 4', 3)]
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from ...core.errors import InputError
from .suite import TestSuite

__all__ = ["TestUnit", "parser_lines", "split_assert_units", "unit_statements"]


@dataclass(frozen=True)
class TestUnit:
    """One test of an assert suite: code run in the checker's namespace."""

    __test__ = False  # not a pytest test class

    name: str
    source: str
    line: int


def _has_assert(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Assert) for n in ast.walk(node))  # (the walk starts at node)


def _is_trivial_assert(node: ast.stmt) -> bool:
    return isinstance(node, ast.Assert) and isinstance(node.test, ast.Constant)


def _group(stmts: list[ast.stmt], source_lines: list[str]) -> list[TestUnit]:
    """Each statement containing an assert is a test, together with the statements before it."""
    units: list[TestUnit] = []
    pending: list[ast.stmt] = []
    for stmt in stmts:
        pending.append(stmt)
        if _has_assert(stmt) and not _is_trivial_assert(stmt):
            units.append(_unit(pending, stmt, source_lines))
            pending = []
    if pending and units:  # trailing statements run with the last test
        last = units.pop()
        merged = last.source + "\n" + "\n".join(_stmt_source(s, source_lines) for s in pending)
        units.append(TestUnit(last.name, merged, last.line))
    elif pending:
        units.append(_unit(pending, pending[-1], source_lines))
    return units


def _unit(stmts: list[ast.stmt], key: ast.stmt, source_lines: list[str]) -> TestUnit:
    source = "\n".join(_stmt_source(s, source_lines) for s in stmts)
    text = _stmt_text(key, source_lines) if key.lineno == getattr(key, "end_lineno", None) else None
    if text is None:  # a statement over several lines is named by its unparsed (one-line) form
        text = ast.unparse(key)
    first = text.strip().splitlines()[0] if text.strip() else ""
    name = first if len(first) <= 120 else first[:117] + "..."
    return TestUnit(name=name, source=source, line=getattr(key, "lineno", 0))


_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # the tokenizer's line breaks (str.splitlines knows more)


def parser_lines(code: str) -> list[str]:
    """``code`` split into lines the way the parser numbers them (what AST offsets refer to)."""
    return _LINE_BREAK.split(code)


def _stmt_text(stmt: ast.stmt, lines: list[str]) -> str | None:
    """The statement's own text, its first line padded to its column; None when the offsets
    cannot be used as they are (decorators, non-ASCII lines: offsets count UTF-8 bytes, tab
    indentation)."""
    end = getattr(stmt, "end_lineno", None)
    end_col = getattr(stmt, "end_col_offset", None)
    if end is None or end_col is None or getattr(stmt, "decorator_list", None) or end > len(lines):
        return None
    chunk = lines[stmt.lineno - 1 : end]
    for line in chunk:
        if not line.isascii() or "\t" in line[: len(line) - len(line.lstrip())]:
            return None
    col = stmt.col_offset
    chunk[-1] = chunk[-1][:end_col]
    chunk[0] = " " * col + chunk[0][col:]
    return "\n".join(chunk)


def _stmt_source(stmt: ast.stmt, lines: list[str]) -> str:
    """Code that runs ``stmt`` on its own: its original text (indented code under ``if True:``,
    which compiles to nothing), else -- when offsets cannot be used -- its ``ast.unparse``.

    Slicing the source is much cheaper than unparsing it, and keeps the test's own spelling."""
    text = _stmt_text(stmt, lines)
    if text is None:
        return ast.unparse(stmt)
    return f"if True:\n{text}" if stmt.col_offset else text


def unit_statements(source: str) -> list[ast.stmt]:
    """A unit's statements, out of the ``if True:`` wrappers that :func:`_stmt_source` gives
    indented code (an ``if True:`` with an ``else`` is the test's own, and stays).

    >>> [type(s).__name__ for s in unit_statements("if True:\\n    x = 1\\n    assert x")]
    ['Assign', 'Assert']
    """
    return _unwrapped(ast.parse(source).body)


def _unwrapped(stmts: list[ast.stmt]) -> list[ast.stmt]:
    out: list[ast.stmt] = []
    for stmt in stmts:
        if isinstance(stmt, ast.If) and not stmt.orelse and isinstance(stmt.test, ast.Constant) and stmt.test.value:
            out.extend(_unwrapped(stmt.body))
        else:
            out.append(stmt)
    return out


def split_assert_units(suite: TestSuite) -> tuple[str, list[TestUnit]]:
    """(module code to run first, the tests) of an assert suite.

    HumanEval: the module code defines ``check``; the tests are the statements of its body,
    run with ``candidate`` bound to the program's entry point. When ``check`` cannot be split
    (it returns early, uses ``nonlocal``...) it is one test: ``check(candidate)``.
    """
    if suite.asserts:
        return "", [
            TestUnit(name=a.strip().splitlines()[0][:120], source=a, line=i + 1) for i, a in enumerate(suite.asserts)
        ]
    code = suite.code
    try:
        tree = ast.parse(code)
    except SyntaxError as exc:
        raise InputError(f"field 'tests.code': the test code does not parse: {exc.msg} (line {exc.lineno})") from None
    lines = parser_lines(code)
    if suite.entry_point:
        check = next(
            (n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "check" and n.args.args), None
        )
        if check is None:
            # No check(candidate): the top-level statements are the tests, `candidate` is bound.
            return "", _group(list(tree.body), lines)
        param = check.args.args[0].arg
        body = [s for s in check.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
        # (the walk only when one of the keywords it looks for appears in the code at all)
        splittable = not (_SCOPE_WORDS.search(code) and any(_returns_outside_nested(s) for s in body))
        if splittable and body:
            units = _group(body, lines)
            if param != "candidate":
                units = [TestUnit(u.name, f"{param} = candidate\n{u.source}", u.line) for u in units]
            return code, units
        return code, [TestUnit(name="check(candidate)", source="check(candidate)", line=check.lineno)]
    module_stmts = [s for s in tree.body if _has_assert(s) and not _is_trivial_assert(s)]
    if not module_stmts:
        return "", [TestUnit(name="tests", source=code, line=1)]
    return "", _group(list(tree.body), lines)


_SCOPE_WORDS = re.compile(r"\b(return|yield|await|nonlocal|global)\b")


def _returns_outside_nested(stmt: ast.stmt) -> bool:
    """Whether ``stmt`` has a return/yield that belongs to check itself (not to a nested function)."""
    stack: list[ast.AST] = [stmt]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Return, ast.Yield, ast.YieldFrom, ast.Await, ast.Nonlocal, ast.Global)):
            return True
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                stack.append(child)
    return False
