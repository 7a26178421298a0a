"""Calling into a sandboxed program: values, exceptions, refused objects, deadlines, restarts,
and a restricted decoder that cannot be made to build arbitrary objects."""

from __future__ import annotations

import pickle
from fractions import Fraction

import pytest

from rewardlab.execution.sandbox import (
    ProgramDied,
    ProgramError,
    ProgramFault,
    ProgramLoadError,
    ProgramObjectRefused,
    ProgramProtocolError,
    ProgramTimeout,
    Sandbox,
    SandboxLimits,
    StaleProgramObject,
)
from rewardlab.execution.sandbox.codec import decode
from rewardlab.execution.sandbox.remote import ProgramSession
from tests.execution.procs import live_sleepers

PROGRAM = """
import sys
from decimal import Decimal
from fractions import Fraction

class Invalid(ValueError):
    pass

class AlwaysEqual:
    def __eq__(self, other):
        return True
    def __hash__(self):
        return 0

class Counter:
    def __init__(self, start=0):
        self.value = start
    def bump(self, n=1):
        self.value += n
        return self.value
    def __len__(self):
        return self.value

def add(a, b):
    return a + b

def echo(*args, **kwargs):
    return args, kwargs

def values():
    return [1, 2.5, "s", b"b", None, True, (1, [2]), {"k": {3, 4}}, Fraction(1, 3), Decimal("0.1"), 1 + 2j]

def fail(x):
    raise Invalid(f"bad {x}")

def fail_key():
    raise KeyError("missing")

def forged():
    return AlwaysEqual()

def counter(start):
    return Counter(start)

def spin():
    while True:
        pass

def leave():
    sys.exit(0)

def die():
    import os
    os._exit(7)

def exception_class():
    return Invalid
"""


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox() as sb:
        yield sb


@pytest.fixture
def program(sandbox):
    with ProgramSession(sandbox, PROGRAM, SandboxLimits(cpu_seconds=20), call_timeout=5) as session:
        yield session


def test_plain_values_round_trip(program):
    assert program.function("add")(2, 3) == 5
    assert program.function("add")([1], [2]) == [1, 2]
    assert program.function("echo")(1, x=[2]) == ((1,), {"x": [2]})
    got = program.function("values")()
    assert got[:8] == [1, 2.5, "s", b"b", None, True, (1, [2]), {"k": {3, 4}}]
    assert got[8] == Fraction(1, 3) and str(got[9]) == "0.1" and got[10] == 1 + 2j
    assert program.names["add"] == "function" and program.names["Invalid"] == "exception"


def test_exceptions_come_back_with_their_types(program):
    with pytest.raises(ValueError, match="bad 3") as info:
        program.function("fail")(3)
    assert isinstance(info.value, ProgramError) and type(info.value).__name__ == "Invalid"
    assert "raise Invalid" in info.value.program_traceback
    with pytest.raises(KeyError):
        program.function("fail_key")()
    assert issubclass(program.function("exception_class")(), ValueError)
    with pytest.raises(NameError, match="does not define 'nope'"):
        program.function("nope")()


def test_objects_are_refused_by_default(program):
    with pytest.raises(ProgramObjectRefused, match="AlwaysEqual"):
        program.function("forged")()
    # refusing is not an Exception: `except Exception` in test code cannot swallow it
    assert not issubclass(ProgramObjectRefused, Exception)


def test_objects_as_proxies_when_allowed(sandbox):
    with ProgramSession(sandbox, PROGRAM, allow_objects=True) as program:
        counter = program.function("counter")(2)
        assert counter.bump() == 3 and counter.bump(n=2) == 5
        assert counter.value == 5 and len(counter) == 5
        counter.value = 10
        assert counter.bump() == 11
        assert "Counter" in repr(counter)
        program.restart()
        with pytest.raises(StaleProgramObject):
            counter.bump()


def test_timeout_kills_and_restart_recovers(program):
    with program.deadline(0.3), pytest.raises(ProgramTimeout):
        program.function("spin")()
    assert not program.running
    with pytest.raises(ProgramDied, match="not running"):
        program.function("add")(1, 1)
    program.restart()
    assert program.function("add")(1, 1) == 2


def test_exit_and_crash_during_a_call(program):
    with pytest.raises(ProgramDied, match="SystemExit"):
        program.function("leave")()
    program.restart()
    with pytest.raises(ProgramDied, match="exit code 7"):
        program.function("die")()


@pytest.mark.parametrize(
    ("code", "kind", "message"),
    [
        ("import sys\nsys.exit(0)", "crash", "SystemExit"),
        ("import os\nos._exit(0)", "crash", "exit code 0"),
        ("def f(:\n    pass", "error", "SyntaxError"),
        ("raise KeyError('x')", "error", "KeyError"),
        ("while True:\n    pass", "timeout", "top-level code"),
        ("import os\nos.write(3, b'\\x00' * 8)\nos._exit(0)", "error", "malformed"),
    ],
)
def test_load_failures(sandbox, code, kind, message):
    with pytest.raises(ProgramLoadError, match=message) as info:
        ProgramSession(sandbox, code, load_timeout=0.5).start()
    assert info.value.kind == kind


def test_forged_channel_messages_are_refused(sandbox):
    # A greeting written by the program itself (before its host sends the real one) lacks the nonce.
    greeting = (
        "import os, pickle, struct\n"
        "msg = pickle.dumps((b'0' * 16, ('loaded', {'f': 'function'})))\n"
        "os.write(3, struct.pack('!Q', len(msg)) + msg)\n"
        "def f():\n    return 1\n"
    )
    with pytest.raises(ProgramLoadError, match="does not belong to the request"):
        ProgramSession(sandbox, greeting, load_timeout=2).start()
    # A reply that is a forged pickle cannot build anything in the checker.
    evil = (
        "import os, struct, time\n"
        "def f():\n"
        "    data = b'cos\\nsystem\\n(S\"echo hi\"\\ntR.'\n"
        "    os.write(3, struct.pack('!Q', len(data)) + data)\n"
        "    time.sleep(5)\n"
    )
    with (
        ProgramSession(sandbox, evil, load_timeout=2) as session,
        pytest.raises(ProgramProtocolError, match=r"os\.system"),
    ):
        session.function("f")()


def test_requests_sent_ahead(program):
    """prefetch: the answers of requests sent ahead go to the same requests made next, in order;
    any other request first drops them; answers nobody takes are read and dropped."""
    add = program.function("add")
    program.prefetch([(("call", "add", (1, 2), {}), 0), (("call", "add", (3, 4), {}), 1)])
    assert program.ahead == 2
    assert add(1, 2) == 3 and program.ahead == 1
    assert add(10, 10) == 20 and program.ahead == 0  # not the planned call: the plan is dropped
    program.prefetch(
        [(("call", "fail", (1,), {}), 0), (("call", "counter", (1,), {}), 1), (("call", "add", (5, 5), {}), 2)]
    )
    program.drop_ahead(before=2)  # an error and a refused object: nobody asked, nothing raised
    assert add(5, 5) == 10 and program.ahead == 0
    with pytest.raises(program.exception_class("Invalid", "ValueError", False)):
        program.prefetch([(("call", "fail", (2,), {}), 0)])
        program.function("fail")(2)


def test_restricted_decoder():
    assert decode(pickle.dumps([1, {"a": (2, 3.5)}, {4}, frozenset({5}), b"x", None]), None) == [
        1,
        {"a": (2, 3.5)},
        {4},
        frozenset({5}),
        b"x",
        None,
    ]
    import collections

    for evil in (pickle.dumps(collections.OrderedDict()), b"cos\nsystem\n(S'true'\ntR."):
        with pytest.raises(ProgramProtocolError):
            decode(evil, None)
    with pytest.raises(ProgramProtocolError, match="malformed"):
        decode(b"\x80\x05garbage", None)
    assert issubclass(ProgramProtocolError, ProgramFault) and not issubclass(ProgramFault, Exception)


def test_programs_are_compiled_in_the_checker_with_the_same_meaning(sandbox):
    """The checker compiles small programs and sends bytecode: annotations stay postponed
    (PEP 563, as when the program process compiled them), tracebacks name the program's file and
    line, and __file__ is the program's path in its working directory."""
    code = "def f(x: NotDefinedAnywhere) -> int:\n    return 1 // x\n\ndef where():\n    return __file__\n"
    with ProgramSession(sandbox, code, SandboxLimits(cpu_seconds=5)) as session:
        assert session.function("f")(1) == 1
        with pytest.raises(ZeroDivisionError) as info:
            session.function("f")(0)
        path = session.function("where")()
    assert path.endswith("/solution.py")
    assert f'File "{path}", line 2, in f' in info.value.program_traceback


def test_a_program_too_big_to_precompile_still_runs(sandbox):
    from rewardlab.execution.sandbox.client import PRECOMPILE_MAX_CHARS

    code = "X = 1\n" + "# filler\n" * (PRECOMPILE_MAX_CHARS // 9 + 1) + "def f():\n    return X + 1\n"
    with ProgramSession(sandbox, code, SandboxLimits(cpu_seconds=5)) as session:
        assert session.function("f")() == 2


DAEMON = """
import os

def spawn():
    pid = os.fork()
    if pid == 0:  # a daemon: double fork, own session -- re-parented to the fork server
        os.setsid()
        if os.fork() == 0:
            os.execv("/bin/sleep", ["sleep", "300"])
        os._exit(0)
    os.waitpid(pid, 0)
    return os.getuid()
"""


def test_a_daemon_does_not_outlive_its_rpc_run(sandbox):
    """Stopping a session does not wait for the clean-up (the fork server answers first), but
    the clean-up happens before the fork server serves anything else."""
    with ProgramSession(sandbox, DAEMON, SandboxLimits(cpu_seconds=5)) as session:
        uid = session.function("spawn")()
    if not sandbox.describe()["separate_uid"]:
        pytest.skip("programs share the fork server's uid here: survivors cannot be told apart")
    assert sandbox.healthy()
    assert live_sleepers(uid) == []
    with ProgramSession(sandbox, "def f():\n    return 5\n") as session:
        assert session.function("f")() == 5
