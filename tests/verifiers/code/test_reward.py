"""The ``code`` reward: test kinds (assert, stdio, pytest), partial credit, program extraction,
clear errors, and the reward contract (registered, picklable, async, spec round trip)."""

from __future__ import annotations

import asyncio
import pickle

import pytest

from rewardlab.core.catalog import describe
from rewardlab.core.errors import InputError
from rewardlab.core.registry import get_reward_class
from rewardlab.core.spec import build_reward
from rewardlab.verifiers.code import CodeReward
from rewardlab.verifiers.code.checker import compare_output
from rewardlab.verifiers.code.program import build_program, extract_code
from rewardlab.verifiers.code.suite import parse_tests
from rewardlab.verifiers.code.units import split_assert_units


@pytest.fixture(scope="module")
def reward() -> CodeReward:
    return CodeReward(timeout_s=2.0, total_timeout_s=20.0)


def statuses(result) -> list[str]:
    return [t["status"] for t in result.info["tests"]]


# ---- assert suites (MBPP style) ---------------------------------------------------------------------
MBPP = ["assert square(2) == 4", "assert square(-3) == 9", "assert square(0) == 0", "assert square(10) == 100"]


def test_mbpp_asserts_and_partial_credit(reward):
    good = reward.score({"completion": "def square(x):\n    return x * x\n", "tests": MBPP})
    assert good.score == 1.0 and good.info["passed"] == 4 and good.info["kind"] == "assert"
    half = reward.score({"completion": "def square(x):\n    return x * 2 if x > 0 else x * x\n", "tests": MBPP})
    assert statuses(half) == ["pass", "pass", "pass", "fail"] and half.score == 0.75
    strict = CodeReward(partial=False).score({"completion": "def square(x):\n    return 4\n", "tests": MBPP})
    assert strict.score == 0.0 and statuses(strict) == ["pass", "fail", "skipped", "skipped"]


def test_errors_are_reported_per_test(reward):
    result = reward.score({"completion": "def square(x):\n    return 1 / x\n", "tests": MBPP})
    assert statuses(result) == ["fail", "fail", "error", "fail"]
    assert "ZeroDivisionError" in result.info["tests"][2]["message"]
    missing = reward.score({"completion": "def cube(x):\n    return x ** 3\n", "tests": MBPP})
    assert missing.score == 0.0 and "NameError" in missing.info["tests"][0]["message"]
    broken = reward.score({"completion": "def square(x) return x\n", "tests": MBPP})
    assert broken.score == 0.0 and broken.info["load"].startswith("error") and "SyntaxError" in broken.info["load"]


def test_fenced_code_and_prompt_joining(reward):
    chat = {
        "prompt": "Write square(x).",
        "completion": "Sure!\n```python\ndef square(x):\n    return x * x\n```\nHope it helps.",
        "tests": MBPP,
    }
    assert reward.score(chat).score == 1.0
    assert CodeReward(extract="fenced").score({**chat, "completion": "def square(x): return x*x"}).score == 0.0
    assert extract_code("```py\na\n```\ntext\n```python\nb\n```", "auto", "first") == "a\n"
    assert extract_code("```python\nprint(1)\n", "auto") == "print(1)\n"  # cut off before the closing fence
    assert build_program("def f():\n    '''doc'''", "    return 1\n") == "def f():\n    '''doc'''\n    return 1\n"
    assert build_program("def f(): ...\n", "x = 1", include_prompt="never") == "x = 1"


# ---- stdio suites -----------------------------------------------------------------------------------
SUM_CASES = [
    {"input": "1 2\n", "output": "3\n"},
    {"input": "10 -4\n", "output": "6"},
    {"input": "0 0\n", "output": "0"},
]


def test_stdio_cases(reward):
    good = reward.score({"completion": "a, b = map(int, input().split())\nprint(a + b)\n", "tests": SUM_CASES})
    assert good.score == 1.0 and good.info["kind"] == "stdio"
    wrong = reward.score({"completion": "a, b = map(int, input().split())\nprint(a - b)\n", "tests": SUM_CASES})
    assert statuses(wrong) == ["fail", "fail", "pass"] and "expected '3', got '-1'" in wrong.info["tests"][0]["message"]
    crash = reward.score({"completion": "raise SystemExit(2)", "tests": SUM_CASES})
    assert set(statuses(crash)) == {"error"} and "exit code 2" in crash.info["tests"][0]["message"]
    slow = CodeReward(timeout_s=0.3).score(
        {"completion": "a, b = map(int, input().split())\nwhile a == 0:\n    pass\nprint(a + b)\n", "tests": SUM_CASES}
    )
    assert statuses(slow) == ["pass", "pass", "timeout"]
    apps = {"inputs": ["1 2\n", "5 5\n"], "outputs": ["3\n", "10\n"]}
    assert reward.score({"completion": "print(sum(map(int, input().split())))", "tests": apps}).score == 1.0


def test_stdio_early_exit_with_success_is_not_paid(reward):
    for completion in ("import sys\nsys.exit(0)", "import os\nos._exit(0)", "print('3')"):
        result = reward.score({"completion": completion, "tests": SUM_CASES})
        assert result.score < 1.0, completion
    exited = reward.score({"completion": "import os\nos._exit(0)", "tests": SUM_CASES})
    assert exited.score == 0.0


def test_compare_modes():
    assert compare_output("3 \n\n", "3", "tokens") and not compare_output("3 4", "34", "tokens")
    assert compare_output("a  b\nc\n", "a  b\nc", "lines") and not compare_output("a b", "a  b", "lines")
    assert compare_output("0.1000001 2", "0.1 2", "float") and not compare_output("0.2", "0.1", "float")
    assert not compare_output("1\n", "1", "exact")
    reward = CodeReward(compare="float", float_tolerance=1e-3)
    sample = {"completion": "print(1 / 3)", "tests": {"kind": "stdio", "cases": [{"input": "", "output": "0.333"}]}}
    assert reward.score(sample).score == 1.0


# ---- pytest suites ----------------------------------------------------------------------------------
PYTEST_FILE = """
import pytest
from solution import parse_age, InvalidAge

def test_parses():
    assert parse_age("42") == 42

def test_rejects_negative():
    with pytest.raises(InvalidAge):
        parse_age("-1")

def test_rejects_text():
    with pytest.raises(ValueError):
        parse_age("abc")

@pytest.mark.parametrize("text,value", [("0", 0), ("120", 120)])
def test_bounds(text, value):
    assert parse_age(text) == value
"""

PROGRAM = """
class InvalidAge(ValueError):
    pass

def parse_age(text):
    value = int(text)
    if value < 0:
        raise InvalidAge(text)
    return value
"""


def test_pytest_suite(reward):
    tests = {"kind": "pytest", "code": PYTEST_FILE}
    good = reward.score({"completion": PROGRAM, "tests": tests})
    assert good.score == 1.0, good.info
    assert good.info["kind"] == "pytest" and good.info["total"] == 5
    lax = PROGRAM.replace("    if value < 0:\n        raise InvalidAge(text)\n", "")
    partial = reward.score({"completion": lax, "tests": tests})
    assert partial.score == pytest.approx(4 / 5)
    failed = [t for t in partial.info["tests"] if t["status"] != "pass"]
    assert [t["name"] for t in failed] == ["test_rejects_negative"] and failed[0]["status"] == "fail"


def test_pytest_timeouts_and_objects(reward):
    test_file = "from solution import Stack\n\ndef test_push_pop():\n    s = Stack()\n    s.push(1)\n"
    tests = {"kind": "pytest", "code": test_file + "    assert s.pop() == 1\n"}
    program = "class Stack:\n    def __init__(self):\n        self.items = []\n"
    program += "    def push(self, x):\n        self.items.append(x)\n"
    program += "    def pop(self):\n        return self.items.pop()\n"
    denied = reward.score({"completion": program, "tests": tests})
    assert denied.score == 0.0 and "Stack object" in denied.info["tests"][0]["message"]
    allowed = CodeReward(program_objects="allow").score({"completion": program, "tests": tests})
    assert allowed.score == 1.0, allowed.info
    hang = CodeReward(timeout_s=0.3).score(
        {
            "completion": "def f(x):\n    while x:\n        pass\n    return 1\n",
            "tests": {
                "kind": "pytest",
                "code": "from solution import f\n\ndef test_a():\n    assert f(1) == 1\n\n"
                "def test_b():\n    assert f(0) == 1\n",
            },
        }
    )
    assert statuses(hang) == ["timeout", "pass"]


# ---- shapes and errors ------------------------------------------------------------------------------
def test_test_shapes_are_validated():
    assert parse_tests("assert f(1) == 1").kind == "assert"
    assert parse_tests({"code": "def check(candidate): pass", "entry_point": "f"}).entry_point == "f"
    with pytest.raises(InputError, match="allowed: assert, stdio, pytest"):
        parse_tests({"kind": "java", "code": "x"})
    with pytest.raises(InputError, match="same length"):
        parse_tests({"inputs": ["1"], "outputs": []})
    with pytest.raises(InputError, match=r"tests\.cases\[0\]"):
        parse_tests({"kind": "stdio", "cases": [{"in": "1"}]})
    with pytest.raises(InputError, match="entry_point must be a function name"):
        parse_tests({"kind": "assert", "code": "x", "entry_point": "not a name"})
    _module, units = split_assert_units(
        parse_tests(
            {"code": "def check(candidate):\n    x = 1\n    assert True\n    assert candidate(x)\n", "entry_point": "f"}
        )
    )
    assert [u.name for u in units] == ["assert candidate(x)"]  # `assert True` is not a test


def test_missing_or_malformed_tests(reward):
    results = reward.score_batch(
        [
            {"completion": "x = 1"},
            {"completion": "x = 1", "tests": {"kind": "stdio", "cases": []}},
            {"completion": "def square(x):\n    return x * x\n", "tests": MBPP},
        ]
    )
    assert results[0].status.value == "not_applicable"
    assert results[1].status.value == "error" and "needs at least one case" in results[1].error
    assert results[2].score == 1.0  # one bad sample never loses the others


def test_humaneval_row_as_is(reward):
    row = {
        "prompt": "def inc(x):\n    '''Add one.'''\n",
        "completion": "    return x + 1\n",
        "test": "def check(candidate):\n    assert candidate(1) == 2\n",
        "entry_point": "inc",
    }
    assert reward.score(row).score == 1.0


def test_refuses_weak_isolation_unless_allowed():
    weak = CodeReward(isolation="rlimits-only", min_isolation="netns")
    result = weak.score({"completion": "def square(x):\n    return x * x\n", "tests": MBPP})
    assert result.status.value == "error" and "install bubblewrap" in result.error
    trusted = CodeReward(isolation="rlimits-only", min_isolation="rlimits-only")
    result = trusted.score({"completion": "def square(x):\n    return x * x\n", "tests": MBPP})
    assert result.score == 1.0 and result.info["isolation"] == "rlimits-only"


# ---- the contract -----------------------------------------------------------------------------------
def test_registered_documented_picklable_async(reward):
    cls = get_reward_class("code")
    assert cls is CodeReward
    info = describe(cls)
    assert info.family == "verifier" and "tests" in info.reads and ">>>" in (cls.__doc__ or "")
    assert all(p.description for p in info.params)
    sample = {"completion": "def square(x):\n    return x * x\n", "tests": MBPP}
    clone = pickle.loads(pickle.dumps(reward))
    assert clone.score(sample).score == 1.0
    rebuilt = build_reward(reward.to_spec())
    assert rebuilt.to_spec() == reward.to_spec()
    assert asyncio.run(reward.ascore(sample)).score == 1.0
    with pytest.raises(ValueError, match="packages"):
        CodeReward(packages=["not a module"])


EXIT_SCRIPT = """
import os, sys
sys.path.insert(0, {src!r})
from rewardlab.verifiers.code import CodeReward, code_pool
r = CodeReward()
assert r.score({{"completion": "def f():\\n    return 1\\n", "tests": ["assert f() == 1"]}}).score == 1.0
children = {{}}
for entry in os.listdir("/proc"):
    if entry.isdigit():
        try:
            ppid = int(open(f"/proc/{{entry}}/stat").read().rsplit(")", 1)[1].split()[1])
        except OSError:
            continue
        children.setdefault(ppid, []).append(int(entry))
tree, stack = [], [code_pool().template_pid]
while stack:
    pid = stack.pop()
    tree.append(pid)
    stack.extend(children.get(pid, []))
print(" ".join(map(str, tree)))
"""


def test_no_process_is_left_after_the_interpreter_exits():
    import subprocess
    import sys
    import time
    from pathlib import Path

    src = str(Path(__file__).resolve().parents[3] / "src")
    proc = subprocess.run(
        [sys.executable, "-c", EXIT_SCRIPT.format(src=src)], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    tree = [int(x) for x in proc.stdout.split()]
    assert len(tree) >= 4  # template, checker workers, their sandboxes (fork servers, programs)

    def running(pid: int) -> bool:
        try:
            return b") Z" not in Path(f"/proc/{pid}/stat").read_bytes()
        except OSError:
            return False

    deadline = time.monotonic() + 10
    alive = tree
    while alive and time.monotonic() < deadline:
        alive = [p for p in alive if running(p)]
        time.sleep(0.05)
    assert alive == [], f"processes left behind: {alive}"


# ---- the checker's own bounds (issue 16, item 5) -------------------------------------------------------------
def test_test_code_looping_in_the_checker_times_out_and_the_rest_still_run():
    """A test that loops in the checker on what the program returned (inf in a halving loop) times
    out by itself; the sample's other tests run and keep their verdicts."""
    reward = CodeReward(timeout_s=0.5, total_timeout_s=20.0)
    tests = ["n = half(1)\nwhile n > 0.5:\n    n /= 2\nassert n == 0.5", "assert half(4) == 2.0", "assert half(2) == 1"]
    result = reward.score(
        {"completion": "def half(x):\n    return float('inf') if x == 1 else x / 2\n", "tests": tests}
    )
    assert statuses(result) == ["timeout", "pass", "pass"]
    assert "in the checker" in result.info["tests"][0]["message"]
    pytest_file = (
        "from solution import half\n\ndef test_loop():\n    n = half(1)\n    while n > 0.5:\n        n /= 2\n\n"
    )
    pytest_file += "def test_ok():\n    assert half(4) == 2.0\n"
    result = reward.score(
        {
            "completion": "def half(x):\n    return float('inf') if x == 1 else x / 2\n",
            "tests": {"kind": "pytest", "code": pytest_file},
        }
    )
    assert statuses(result) == ["timeout", "pass"], result.info


def test_a_checker_stuck_in_c_code_is_replaced_and_other_samples_keep_their_results():
    """sum(range(10**15)) never returns to Python: the checker's CPU timer ends it, the sample
    times out, the worker is replaced, and the samples beside it are judged as usual."""
    from rewardlab.verifiers.code import code_pool

    reward = CodeReward(timeout_s=0.5, total_timeout_s=20.0)
    stuck = {"completion": "def big():\n    return 10**15\n", "tests": ["assert sum(range(big())) > 0"]}
    fine = {"completion": "def square(x):\n    return x * x\n", "tests": MBPP}
    wrong = {"completion": "def square(x):\n    return x + x\n", "tests": MBPP}
    before = code_pool().stats()
    results = reward.score_batch([fine, stuck, wrong, fine])
    after = code_pool().stats()
    assert [r.score for r in results] == [1.0, None, 0.5, 1.0]  # (x + x == x * x for 2 and 0)
    assert results[1].status.value == "timeout" and "SIGPROF" in results[1].error
    assert after.timeouts == before.timeouts + 1 and after.crashes == before.crashes
    assert reward.score(fine).score == 1.0


def test_test_code_that_exhausts_the_checker_memory_is_an_error_of_that_test():
    reward = CodeReward(timeout_s=2.0, total_timeout_s=20.0)
    tests = ["assert len(list(range(n()))) > 0", "assert n() > 0"]
    result = reward.score({"completion": "def n():\n    return 10**10\n", "tests": tests})
    assert statuses(result) == ["error", "pass"] and "MemoryError" in result.info["tests"][0]["message"]


def test_a_failure_message_that_cannot_be_formatted():
    """An assertion whose message is a program object (objects allowed): formatting it calls into
    the program, which raises or hangs -- the test fails, the checker does not."""
    program = (
        "class Odd:\n    def __eq__(self, other):\n        return False\n"
        "    def __str__(self):\n        raise RuntimeError('no')\n    def __repr__(self):\n        while True:\n"
        "            pass\n\ndef f():\n    return Odd()\n"
    )
    tests = ["assert f() == 1, f()", "x = f()\nassert x == 1, x", "assert 1 == 1"]
    result = CodeReward(timeout_s=0.5, program_objects="allow").score({"completion": program, "tests": tests})
    assert result.status.value == "ok" and statuses(result) == ["fail", "fail", "pass"], result.info
    assert "could not be formatted" in result.info["tests"][0]["message"]


def test_a_function_named_like_a_builtin_must_be_named_by_the_suite():
    """The tests never get a built-in's name from the program by chance (that is how a program
    would redefine `abs` or `set` under the tests); a suite whose function is meant to replace a
    built-in says so: its entry_point, or an explicit `from solution import max`."""
    reward = CodeReward()
    program = "def max(xs):\n    best = xs[0]\n    for x in xs:\n        if x > best:\n            best = x\n"
    program += "    return best * 10\n"
    asserts = ["assert max([1, 3, 2]) == 30", "assert max([5]) == 50"]
    assert reward.score({"completion": program, "tests": asserts}).score == 0.0  # the built-in max
    named = {"kind": "assert", "asserts": asserts, "entry_point": "max"}
    assert reward.score({"completion": program, "tests": named}).score == 1.0
    explicit = "from solution import max\n\ndef test_max():\n    assert max([1, 3, 2]) == 30\n"
    assert reward.score({"completion": program, "tests": {"kind": "pytest", "code": explicit}}).score == 1.0
    star = explicit.replace("import max", "import *")
    assert reward.score({"completion": program, "tests": {"kind": "pytest", "code": star}}).score == 0.0


def test_a_pytest_file_whose_top_level_code_loops_in_the_checker():
    reward = CodeReward(timeout_s=0.5, total_timeout_s=3.0)
    program = "def half(x):\n    return float('inf') if x == 1 else x / 2\n"
    test_file = "from solution import half\n\nn = half(1)\nwhile n > 0.5:\n    n /= 2\n\n\ndef test_ok():\n"
    test_file += "    assert half(4) == 2.0\n"
    result = reward.score({"completion": program, "tests": {"kind": "pytest", "code": test_file}})
    assert result.score == 0.0 and statuses(result) == ["timeout"], result.info
    broken = reward.score({"completion": program, "tests": {"kind": "pytest", "code": "import no_such_module_x\n"}})
    assert statuses(broken) == ["error"] and "no_such_module_x" in broken.info["tests"][0]["message"]
