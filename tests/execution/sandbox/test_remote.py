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
from tests.execution.sandbox.procs import live_sleepers

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


# ---- what a program's answer may weigh in the checker (issue 16, item 5) ----------------------------------------
class _Reduce:
    """Pickles as ``callable(*args)``: what a forged answer can ask the checker's unpickler to call."""

    def __init__(self, fn, *args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return (self.fn, self.args)


def _marker_pickle(pid) -> bytes:
    """A pickle holding one tagged value, as the program side writes it."""
    import io

    class Tagged:
        pass

    buf = io.BytesIO()
    pickler = pickle.Pickler(buf, protocol=5)
    pickler.persistent_id = lambda obj: pid if isinstance(obj, Tagged) else None
    pickler.dump([Tagged()])
    return buf.getvalue()


def _nested(inner, levels: int):
    for _ in range(levels):
        inner = {"k": inner} if isinstance(inner, dict) else frozenset({inner})
    return inner


def _fan_out(levels: int) -> list:
    value: list = [0]
    for _ in range(levels):
        value = [value, value]  # each level: one pickle reference more, twice the paths
    return value


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (pickle.dumps(_Reduce(bytearray, 1_200_000_000), protocol=4), "malformed bytearray"),
        (pickle.dumps(_Reduce(set, range(10**12)), protocol=4), "malformed set"),
        (pickle.dumps(_Reduce(frozenset, range(10**12)), protocol=4), "malformed frozenset"),
        (pickle.dumps(_Reduce(complex, "1e999999999"), protocol=4), "malformed complex"),
        (pickle.dumps(range(10**12)), "more than 4000000 items"),
        (pickle.dumps([range(10**6)] * 10), "more than 4000000 items"),
        (pickle.dumps(range(2**200000, 2**200000 + 1)), "range bound"),
        (pickle.dumps(_fan_out(60)), "more than 4000000 items"),  # 2**60 paths in ~250 bytes
        (pickle.dumps({"k": _fan_out(60)}), "more than 4000000 items"),
        (pickle.dumps(3**300000), "an integer of"),
        (pickle.dumps([1, [2, (3, 3**300000)]]), "an integer of"),
        (pickle.dumps(slice(0, 3**300000)), "an integer of"),
        (pickle.dumps(["x" * 1024] * 20000), "characters"),
        (pickle.dumps(eval("[" * 150 + "]" * 150)), "nested more than 100"),
        (pickle.dumps(_nested({}, 150)), "nested more than 100"),
        (pickle.dumps(_nested(frozenset(), 150)), "nested more than 100"),
        (_marker_pickle(("fraction", 3**300000, 7)), "an integer of"),
        (_marker_pickle(("decimal", "1e999999999")), "exponent"),
        (_marker_pickle(("decimal", "1e-999999999")), "exponent"),
        (_marker_pickle(("decimal", "1" * 100_000)), "decimal of"),
        (_marker_pickle(("ndarray", "<U99999999", (1,), ["x"])), "numpy array"),
        (_marker_pickle(("ndarray", "<i8", (10**9,), [1])), "numpy array"),
        (_marker_pickle(("ndarray", "<i8", (3,), [1])), "does not have its shape"),
        (_marker_pickle(("fraction", _fan_out(60), 1)), "more than 4000000 items"),
    ],
)
def test_the_decoder_refuses_values_too_large_for_the_checker(payload, message):
    """Forged answers that would make the (unsandboxed) checker allocate gigabytes or spin: each is
    refused before anything that size is built, in time proportional to the payload."""
    with pytest.raises(ProgramProtocolError, match=message):
        decode(payload, None)


def test_values_that_contain_themselves_are_refused():
    looped: list = []
    looped.append(looped)
    mapping: dict = {}
    mapping["k"] = [1, (2, mapping)]
    for value in (looped, mapping):
        with pytest.raises(ProgramProtocolError, match="contains itself"):
            decode(pickle.dumps(value), None)
    # (short pickles skip the measure unless they can share an object: DUP counts as sharing too)
    for payload in (b"\x80\x05]2a.", b"\x80\x05]22aa.", b"\x80\x05]\x94h\x00a."):
        with pytest.raises(ProgramProtocolError, match=r"contains itself|nested"):
            decode(payload, None)


def test_large_honest_values_still_decode():
    from decimal import Decimal

    grid = [[i % 7 for i in range(1000)] for _ in range(1000)]  # a million items, within the limit
    shared = ["row"] * 100_000  # one string referenced 100,000 times
    for protocol in (3, 4, 5):  # (the program side writes protocol 5)
        values = [
            grid,
            shared,
            {"a": [1, 2.5, (3, None)], "b": {1, 2}, "c": frozenset({"x"})},
            [bytearray(b"ab"), 1 + 2j, range(0, 100, 3), slice(1, None, 2), b"\x00" * 1000],
            2**100_000,
            _fan_out(20),  # a million paths: counted, allowed
            eval("[" * 99 + "]" * 99),
        ]
        for value in values:
            assert decode(pickle.dumps(value, protocol=protocol), None) == value
    assert decode(_marker_pickle(("decimal", "1e-30")), None) == [Decimal("1e-30")]
    assert decode(_marker_pickle(("fraction", 2**1000 + 1, 3**500)), None) == [Fraction(2**1000 + 1, 3**500)]


FORGERY = """
import os, pickle, sys

def _forge(body):
    # The program owns its process: it finds the host's socket and the request's nonce and
    # writes a frame of its own making (the checker must not trust a byte of it).
    frame = sys._getframe(1)
    while frame is not None and not ("nonce" in frame.f_locals and hasattr(frame.f_locals.get("self"), "_sendall")):
        frame = frame.f_back
    host, nonce = frame.f_locals["self"], frame.f_locals["nonce"]
    payload = body(nonce)
    host._sendall(frame.f_globals["HEADER"].pack(len(payload)) + payload)
    os._exit(0)

class _Reduce:
    def __init__(self, fn, *args):
        self.fn, self.args = fn, args
    def __reduce__(self):
        return (self.fn, self.args)

def huge_bytearray():
    _forge(lambda nonce: pickle.dumps((nonce, ("ok", _Reduce(bytearray, 1_200_000_000))), protocol=4))

def huge_set():
    _forge(lambda nonce: pickle.dumps((nonce, ("ok", _Reduce(set, range(10**12)))), protocol=4))

def fan_out():
    value = [0]
    for _ in range(80):
        value = [value, value]
    _forge(lambda nonce: pickle.dumps((nonce, ("ok", value)), protocol=5))

def too_big():
    _forge(lambda nonce: b"\\x80\\x05" + b"N" * (17 * 1024 * 1024))

def huge_range():
    return range(10**12)

def huge_fraction():
    from fractions import Fraction
    return Fraction(3**200001 + 1, 7**150001 + 2)
"""


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("huge_bytearray", "malformed bytearray"),
        ("huge_set", "malformed set"),
        ("fan_out", "more than 4000000 items"),
        ("too_big", "too much data"),
        ("huge_range", "more than 4000000 items"),
        ("huge_fraction", "an integer of"),
    ],
)
def test_forged_and_huge_answers_are_refused(sandbox, name, message):
    import resource

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with (
        ProgramSession(sandbox, FORGERY, SandboxLimits(cpu_seconds=20), call_timeout=20) as session,
        pytest.raises(ProgramProtocolError, match=message),
    ):
        session.function(name)()
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 200, f"the checker grew by {grown_mb:.0f} MB"


# ---- exceptions that would stop a test's iteration (issue 16, item 3) -----------------------------------------
STOPPERS = """
class Done(StopIteration):
    pass

def stop(x):
    raise StopIteration(x)

def stop_subclass(x):
    raise Done(x)

def stop_async(x):
    raise StopAsyncIteration(x)

def numbers(n):
    return iter(range(n))

def bad_iterator():
    class It:
        def __iter__(self):
            return self
        def __next__(self):
            raise Done("custom end")
    return It()
"""


@pytest.mark.parametrize("name", ["stop", "stop_subclass", "stop_async"])
def test_iteration_stoppers_from_the_program_are_failures(sandbox, name):
    """A program function raising StopIteration inside a test's map/filter/zip must not end the
    test's iteration early (all(map(candidate, cases)) would hold without one call answered)."""
    with ProgramSession(sandbox, STOPPERS, SandboxLimits(cpu_seconds=20)) as session:
        f = session.function(name)
        with pytest.raises(ProgramError) as info:
            f(1)
        assert not isinstance(info.value, (StopIteration, StopAsyncIteration))
        with pytest.raises(ProgramError):
            all(map(f, [1, 2, 3]))
        with pytest.raises(ProgramError):
            any(map(f, [1, 2, 3]))
        with pytest.raises(ProgramError):
            list(zip([1, 2], map(f, [1, 2]), strict=False))
        with pytest.raises(ProgramError):
            sorted([3, 1, 2], key=f)
        with pytest.raises(ProgramError):
            list(filter(f, [1, 2]))
        with pytest.raises(ProgramError):
            all(f(x) for x in [1, 2])


def test_the_end_of_a_program_iterator_still_ends_iteration(sandbox):
    with ProgramSession(sandbox, STOPPERS, SandboxLimits(cpu_seconds=20), allow_objects=True) as session:
        assert list(session.function("numbers")(3)) == [0, 1, 2]
        assert list(session.function("bad_iterator")()) == []  # next() raising a StopIteration subclass


def test_a_forged_greeting_cannot_offer_dunder_or_odd_names(sandbox):
    forged = (
        "import os, pickle, sys\n"
        "frame = sys._getframe(0)\n"
        "while frame is not None and 'host' not in frame.f_locals:\n"
        "    frame = frame.f_back\n"
        "host, nonce = frame.f_locals['host'], frame.f_locals['nonce']\n"
        "names = {'__builtins__': 'function', '__import__': 'function', 'not a name': 'function',\n"
        "         'f': 'function', 'g': 'nonsense', 7: 'function'}\n"
        "payload = pickle.dumps((nonce, ('loaded', names)))\n"
        "host._sendall(frame.f_globals['HEADER'].pack(len(payload)) + payload)\n"
        "os._exit(0)\n"
    )
    session = ProgramSession(sandbox, forged, load_timeout=5)
    try:
        session.start()
        assert session.names == {"f": "function"}
    finally:
        session.stop()
