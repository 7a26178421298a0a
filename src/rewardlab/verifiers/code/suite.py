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

import sys
from dataclasses import dataclass
from typing import Any, Literal

from ...core.errors import InputError

__all__ = ["COMPARE_MODES", "StdioCase", "TestSuite", "parse_tests"]

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
