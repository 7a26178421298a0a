"""The shapes of a code sample's ``tests`` field, validated into one :class:`TestSuite`.

Three kinds of tests, each in a documented shape (shorthands in brackets):

``assert`` -- Python test code run against the program's functions (HumanEval, MBPP)::

    {"kind": "assert", "code": "def check(candidate):\\n    assert candidate(1) == 2\\n",
     "entry_point": "inc"}                       # HumanEval: check(<the program's inc>)
    {"kind": "assert", "asserts": ["assert inc(1) == 2", "assert inc(0) == 1"]}   # MBPP
    [ "assert inc(1) == 2", ... ]                # [a list of assert statements]
    "assert inc(1) == 2\\nassert inc(0) == 1"      # [test code as one string]

  Optional ``setup``: code run in the checker before the tests (imports, helpers). With an
  ``entry_point``, every top-level statement of ``check``'s body that contains an ``assert`` is
  one test; otherwise every top-level statement of ``code`` (or each item of ``asserts``) is.

``stdio`` -- input/output cases (competitive programming)::

    {"kind": "stdio", "cases": [{"input": "1 2\\n", "output": "3\\n"}], "compare": "tokens"}
    [{"input": "1 2\\n", "output": "3\\n"}, ...]  # [a list of cases]
    {"inputs": ["1 2\\n"], "outputs": ["3\\n"]}     # [APPS / CodeContests columns]

  ``compare``: ``tokens`` (default: whitespace-separated tokens equal), ``lines`` (lines equal
  after trimming trailing spaces and blank lines), ``exact``, ``float`` (tokens, numbers equal
  within ``float_tolerance``).

``pytest`` -- a pytest file that imports the program as a module::

    {"kind": "pytest", "code": "from solution import inc\\ndef test_inc():\\n    assert inc(1) == 2\\n",
     "module": "solution"}

A HumanEval row (fields ``test`` and ``entry_point``) is accepted as it is when ``tests`` is absent.

>>> parse_tests(["assert f(1) == 2"]).kind
'assert'
>>> parse_tests([{"input": "1", "output": "1"}]).cases[0].output
'1'
>>> parse_tests({"kind": "stdio", "cases": []})
Traceback (most recent call last):
...
rewardlab.core.errors.InputError: field 'tests': a stdio suite needs at least one case in 'cases'
"""

from __future__ import annotations

import ast
import builtins
import re
import symtable
import sys
from dataclasses import dataclass
from typing import Any, Literal

from ..core.errors import InputError

__all__ = [
    "COMPARE_MODES",
    "GlobalNames",
    "StdioCase",
    "TestSuite",
    "TestUnit",
    "names_in_tests",
    "parse_tests",
    "program_names_for_tests",
    "split_assert_units",
    "stub_functions",
    "unit_statements",
]

COMPARE_MODES = ("tokens", "lines", "exact", "float")
Kind = Literal["assert", "stdio", "pytest"]


@dataclass(frozen=True)
class StdioCase:
    input: str
    output: str


@dataclass(frozen=True)
class TestSuite:
    """A validated test suite; plain data, so it travels to worker processes."""

    __test__ = False  # not a pytest test class

    kind: Kind
    code: str = ""
    entry_point: str | None = None
    setup: str = ""
    asserts: tuple[str, ...] = ()
    cases: tuple[StdioCase, ...] = ()
    compare: str = "tokens"
    module: str = "solution"

    @property
    def size_hint(self) -> int:
        """Number of tests when known without running anything (stdio cases, assert items)."""
        if self.kind == "stdio":
            return len(self.cases)
        if self.asserts:
            return len(self.asserts)
        return 1


def _err(message: str, where: str = "tests") -> InputError:
    return InputError(f"field '{where}': {message}")


def _str(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise _err(f"expected a string, got {type(value).__name__}", where)
    return value


def _stdio_text(value: Any, where: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "\n".join(value) + ("\n" if value else "")  # lines given as a list
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise _err(f"expected a string (or a list of lines), got {type(value).__name__}", where)


def _cases(items: Any, where: str) -> tuple[StdioCase, ...]:
    if not isinstance(items, list):
        raise _err(f"expected a list of {{input, output}} cases, got {type(items).__name__}", where)
    out = []
    for i, item in enumerate(items):
        if not isinstance(item, dict) or "input" not in item or "output" not in item:
            raise _err("each case must be an object with 'input' and 'output'", f"{where}[{i}]")
        out.append(
            StdioCase(
                _stdio_text(item["input"], f"{where}[{i}].input"), _stdio_text(item["output"], f"{where}[{i}].output")
            )
        )
    return tuple(out)


def parse_tests(value: Any, *, entry_point: str | None = None, default_compare: str = "tokens") -> TestSuite:
    """Validate a ``tests`` value (any documented shape) into a :class:`TestSuite`."""
    if value is None:
        raise _err("missing")
    if isinstance(value, str):
        if not value.strip():
            raise _err("empty test code")
        return TestSuite(kind="assert", code=value, entry_point=entry_point)
    if isinstance(value, list):
        if not value:
            raise _err("empty list of tests")
        if all(isinstance(v, str) for v in value):
            return TestSuite(kind="assert", asserts=tuple(value), entry_point=entry_point)
        if all(isinstance(v, dict) for v in value):
            return TestSuite(kind="stdio", cases=_cases(value, "tests"), compare=default_compare)
        raise _err("a list of tests must hold only assert strings or only {input, output} cases")
    if not isinstance(value, dict):
        raise _err(f"expected an object, a list or a string, got {type(value).__name__}")
    kind = value.get("kind")
    if kind is None:  # infer from the keys
        if "cases" in value or "inputs" in value:
            kind = "stdio"
        elif "asserts" in value or "code" in value:
            kind = "assert"
        else:
            raise _err("cannot tell the kind of tests; give 'kind': assert | stdio | pytest")
    compare = value.get("compare", default_compare)
    if compare not in COMPARE_MODES:
        raise _err(f"unknown compare {compare!r}; allowed: {', '.join(COMPARE_MODES)}", "tests.compare")
    setup = _str(value.get("setup") or "", "tests.setup")
    if kind == "assert":
        ep = value.get("entry_point", entry_point)
        if ep is not None and not (isinstance(ep, str) and ep.isidentifier()):
            raise _err(f"entry_point must be a function name, got {ep!r}", "tests.entry_point")
        if "asserts" in value:
            asserts = value["asserts"]
            if not isinstance(asserts, list) or not asserts or not all(isinstance(a, str) for a in asserts):
                raise _err("expected a non-empty list of assert statements", "tests.asserts")
            return TestSuite(kind="assert", asserts=tuple(asserts), entry_point=ep, setup=setup)
        code = _str(value.get("code", ""), "tests.code")
        if not code.strip():
            raise _err("an assert suite needs 'code' or 'asserts'")
        return TestSuite(kind="assert", code=code, entry_point=ep, setup=setup)
    if kind == "stdio":
        if "inputs" in value or "outputs" in value:
            inputs, outputs = value.get("inputs"), value.get("outputs")
            if not isinstance(inputs, list) or not isinstance(outputs, list) or len(inputs) != len(outputs):
                raise _err("'inputs' and 'outputs' must be lists of the same length")
            items = [{"input": i, "output": o} for i, o in zip(inputs, outputs, strict=True)]
        else:
            items = value.get("cases")
        cases = _cases(items, "tests.cases")
        if not cases:
            raise _err("a stdio suite needs at least one case in 'cases'")
        return TestSuite(kind="stdio", cases=cases, compare=compare, setup=setup)
    if kind == "pytest":
        code = _str(value.get("code", ""), "tests.code")
        if not code.strip():
            raise _err("a pytest suite needs the test file in 'code'")
        module = value.get("module", "solution")
        if not (isinstance(module, str) and module.isidentifier()):
            raise _err(f"module must be a module name, got {module!r}", "tests.module")
        if module in sys.stdlib_module_names or module in ("pytest", "rewardlab"):
            raise _err(f"module {module!r} would shadow a module the checker uses; pick another name", "tests.module")
        return TestSuite(kind="pytest", code=code, module=module, setup=setup)
    raise _err(f"unknown kind {kind!r}; allowed: assert, stdio, pytest", "tests.kind")


# ---- splitting assert-style tests into units -----------------------------------------------------
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
        raise _err(f"the test code does not parse: {exc.msg} (line {exc.lineno})", "tests.code") from None
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


# ---- which of the program's names the tests may see ---------------------------------------------------------
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
