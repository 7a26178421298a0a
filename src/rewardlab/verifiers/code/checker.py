"""Running a program against its tests (executed in a pool worker: the *checker* process).

The checker is trusted: it holds the tests and judges the program's answers. The program runs
in a sandboxed process (see :mod:`rewardlab.execution.sandbox`) and never sees the tests:

- ``assert`` suites run in the checker with the program's functions as remote proxies; each
  test is one statement group (see :func:`~rewardlab.verifiers.code.units.split_assert_units`);
  after a timeout or crash the program is restarted for the next test. Where the calls a run of
  tests will make are known in advance (literal arguments, see :mod:`.plan`), they are
  sent to the program at once and their answers read as the tests ask for them;
- ``stdio`` suites start the program once per case and compare its output in the checker;
- ``pytest`` suites run pytest in the checker on the test file, with the program's module
  replaced by a proxy module.

:func:`run_code_job` is what the reward sends to the worker pool; it returns plain data.
"""

from __future__ import annotations

import builtins
import contextlib
import functools
import math
import os
import tempfile
import threading
import time
import types
from dataclasses import dataclass
from typing import Any

from ...execution.sandbox import (
    ProgramFault,
    ProgramLoadError,
    ProgramTimeout,
    Sandbox,
    SandboxLimits,
)
from ...execution.sandbox.remote import ProgramSession
from . import deadline as code_deadline
from .deadline import CheckerTimeout
from .names import GlobalNames, names_in_tests, program_names_for_tests, stub_functions
from .plan import UnitPlan, plan_unit, runtime_calls
from .suite import StdioCase, TestSuite
from .units import split_assert_units

__all__ = ["CodeJob", "TestOutcome", "compare_output", "prepare_checker", "run_code_job"]

_MESSAGE_LIMIT = 300
# Test code gets this much longer than the program's calls in it: when the program is the slow
# one, its own timeout (the program is killed and restarted) comes first.
_CHECKER_MARGIN_S = 0.5
# A whole job may use this much more CPU in the checker than its total time limit before the
# checker is ended (a hang outside any test: decoding an answer, collecting a pytest file).
_JOB_CPU_GRACE_S = 10.0


@dataclass(frozen=True)
class CodeJob:
    """Everything a checker needs to judge one program (plain data)."""

    program: str
    suite: TestSuite
    limits: SandboxLimits
    test_timeout: float
    total_timeout: float
    isolation: str = "auto"
    min_isolation: str = "netns"
    packages: tuple[str, ...] = ()
    allow_objects: bool = False
    fail_fast: bool = False
    float_tolerance: float = 1e-6
    prelude: str = ""  # trusted code run in the checker first (a HumanEval prompt: its helper functions)


@dataclass
class TestOutcome:
    """How one test went: ``status`` is pass, fail, error, timeout or skipped."""

    __test__ = False  # not a pytest test class

    name: str
    status: str  # pass | fail | error | timeout | skipped
    message: str = ""
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "status": self.status}
        if self.message:
            out["message"] = self.message
        out["seconds"] = round(self.seconds, 4)
        return out


# ---- the per-process sandbox -----------------------------------------------------------------------
_SANDBOXES: dict[tuple[str, tuple[str, ...]], Sandbox] = {}
_SANDBOX_LOCK = threading.Lock()
_RANK = {"rlimits-only": 0, "netns": 1, "bwrap": 2}


def get_sandbox(isolation: str, packages: tuple[str, ...]) -> Sandbox:
    """This process's sandbox for the settings (started once, restarted if it dies)."""
    key = (isolation, tuple(sorted(packages)))
    with _SANDBOX_LOCK:
        sandbox = _SANDBOXES.get(key)
        if sandbox is None:
            sandbox = Sandbox(isolation=isolation, packages=key[1])
            _SANDBOXES[key] = sandbox
    return sandbox


def _short(text: str, limit: int = _MESSAGE_LIMIT) -> str:
    text = " ".join(text.split()) if "\n" in text else text
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _describe(exc: BaseException) -> str:
    """``Type: message`` of an exception, whatever its ``str`` does (an assertion's message can hold
    a program object, whose ``str`` is a call into the program that may fail or hang)."""
    name = type(exc).__name__
    try:
        text = str(exc).strip()
    except BaseException as inner:
        text = f"<the message could not be formatted: {type(inner).__name__}>"
    return _short(f"{name}: {text}" if text else name)


def prepare_checker() -> None:
    """Set up a process that checks programs (the code pool's initializer): deadlines for the test
    code it runs (:mod:`.deadline`)."""
    code_deadline.install()


def effective_isolation(sandbox: Sandbox) -> str:
    """The sandbox's isolation as far as programs are concerned.

    Namespaces without a separate uid leave a program root's uid and capabilities on the host's
    files (and root ignores the process limit): no better than resource limits alone.
    """
    isolation = sandbox.isolation
    if isolation == "netns" and os.geteuid() == 0 and not sandbox.info.get("separate_uid"):
        return "rlimits-only"
    return isolation


# ---- the job ----------------------------------------------------------------------------------------
def run_code_job(job: CodeJob) -> dict[str, Any]:
    """Run one program against its suite; returns ``{"tests": [...], "isolation": ..., ...}``."""
    start = time.monotonic()
    sandbox = get_sandbox(job.isolation, job.packages)
    isolation = effective_isolation(sandbox)
    if _RANK[isolation] < _RANK[job.min_isolation]:
        why = ""
        if isolation != sandbox.isolation:
            why = (
                f" ({sandbox.isolation!r} is running, but its programs would keep root's uid and capabilities: the "
                "Python installation is not readable after switching to an unprivileged uid)"
            )
        raise RuntimeError(
            f"the strongest sandbox isolation available here is {isolation!r}{why}, below min_isolation="
            f"{job.min_isolation!r}; install bubblewrap (Debian: apt-get install bubblewrap), run as root for "
            "network namespaces, or lower min_isolation for trusted code"
        )
    deadline = start + job.total_timeout
    info: dict[str, Any] = {"isolation": isolation, "kind": job.suite.kind}
    # (deadlines for the test code also in a worker whose pool did not prepare it: ``pool: default``;
    # and a backstop on the checker's own CPU: only a checker stuck outside any test reaches it)
    with (
        code_deadline.installed_for(),
        code_deadline.deadline(job.total_timeout, grace=_JOB_CPU_GRACE_S, soft=False),
    ):
        if job.suite.kind == "stdio":
            outcomes = _run_stdio(sandbox, job, deadline)
        elif job.suite.kind == "pytest":
            outcomes, extra = _run_pytest(sandbox, job, deadline)
            info.update(extra)
        else:
            outcomes, extra = _run_assert(sandbox, job, deadline)
            info.update(extra)
    info["tests"] = [o.as_dict() for o in outcomes]
    info["seconds"] = round(time.monotonic() - start, 4)
    info["sandbox_restarts"] = sandbox.restarts
    return info


def _load(session: ProgramSession, deadline: float) -> str | None:
    """Start (or restart) the program; None when it loaded, else why it did not."""
    session.load_timeout = max(0.05, min(session.load_timeout, deadline - time.monotonic()))
    try:
        if session.running or session.generation:
            session.restart()
        else:
            session.start()
    except ProgramLoadError as exc:
        return f"{exc.kind}: {exc}"
    return None


def _load_failure_outcomes(names: list[str], reason: str) -> list[TestOutcome]:
    status = "timeout" if reason.startswith("timeout") else "error"
    message = _short(reason.split(": ", 1)[1] if ": " in reason else reason)
    return [TestOutcome(name, status, message) for name in names]


def _classify(exc: BaseException) -> tuple[str, str]:
    if isinstance(exc, (ProgramTimeout, CheckerTimeout)):
        return "timeout", _describe(exc)
    if isinstance(exc, AssertionError):
        return "fail", _describe(exc)
    if isinstance(exc, ProgramFault):
        return "error", _describe(exc)
    return "error", _describe(exc)


# ---- assert suites -----------------------------------------------------------------------------------
@functools.lru_cache(maxsize=1024)
def _compiled(source: str, filename: str) -> Any:
    return compile(source, filename, "exec")


@functools.lru_cache(maxsize=512)
def _prepare_assert(suite: TestSuite) -> tuple[str, list[Any], list[Any], list[UnitPlan | None]]:
    """Split, compile and plan a suite once per checker (RL checks many completions of each problem)."""
    module_code, units = split_assert_units(suite)
    compiled = [compile(u.source, f"<test: {u.name}>", "exec") for u in units]
    return module_code, units, compiled, [plan_unit(u.source) for u in units]


@functools.lru_cache(maxsize=1024)
def _stubs(prelude: str) -> tuple[str, ...]:
    return tuple(stub_functions(prelude))


@functools.lru_cache(maxsize=512)
def _assert_names(suite: TestSuite, prelude: str) -> GlobalNames:
    """The global names an assert suite's code reads and binds (setup, prompt, module, units)."""
    module_code, units, _compiled_units, _plans = _prepare_assert(suite)
    return names_in_tests(suite.setup, prelude, module_code, *(u.source for u in units))


def _session(sandbox: Sandbox, job: CodeJob, **options: Any) -> ProgramSession:
    """The job's program in ``sandbox``, under its limits, loading and each call given ``test_timeout``."""
    return ProgramSession(
        sandbox,
        job.program,
        job.limits,
        allow_objects=job.allow_objects,
        load_timeout=job.test_timeout,
        call_timeout=job.test_timeout,
        **options,
    )


def _unit_deadline(job: CodeJob, deadline: float) -> float:
    """Seconds the test code of one test may run in the checker (the program's calls in it have
    ``test_timeout``; past the sample's deadline, none)."""
    return max(0.0, min(job.test_timeout, deadline - time.monotonic())) + _CHECKER_MARGIN_S


def _run_assert(sandbox: Sandbox, job: CodeJob, deadline: float) -> tuple[list[TestOutcome], dict[str, Any]]:
    suite = job.suite
    module_code, units, compiled, plans = _prepare_assert(suite)
    session = _session(sandbox, job)
    names = [u.name for u in units]
    reason = _load(session, deadline)
    if reason is not None:
        return _load_failure_outcomes(names, reason), {"load": reason}
    try:
        namespace: dict[str, Any] = {"__name__": "__check__", "__builtins__": builtins}
        # The tests may call the program's functions by name (MBPP; HumanEval/33 calls its own
        # entry point by name): those names, and only those, are bound -- never one that shadows
        # a built-in (a program's own `abs` or `set` must not change what the tests compute) or
        # that the test code binds itself. Helpers that the trusted prelude defines stay the
        # checker's own, so a program cannot weaken a check by redefining them (HumanEval/32's poly).
        reserved = frozenset({"candidate"}) if suite.entry_point else frozenset()
        for name in program_names_for_tests(session.names, _assert_names(suite, job.prelude), reserved=reserved):
            namespace[name] = session.global_(name)
        try:
            with (
                session.deadline(job.test_timeout, until=deadline),
                code_deadline.deadline(_unit_deadline(job, deadline)),
            ):
                if suite.setup:
                    exec(_compiled(suite.setup, "<test setup>"), namespace)
                if job.prelude:
                    exec(_compiled(job.prelude, "<prompt>"), namespace)
                    for name in _stubs(job.prelude):  # signatures the program implements
                        if name in session.names:
                            namespace[name] = session.function(name)
                if suite.entry_point and suite.entry_point in session.names:
                    namespace[suite.entry_point] = session.function(suite.entry_point)
                if module_code:
                    exec(_compiled(module_code, "<test module>"), namespace)
        except (ProgramFault, CheckerTimeout, Exception) as exc:
            _status, message = _classify(exc)
            return [TestOutcome(n, "error", f"test setup failed: {message}") for n in names], {"load": "ok"}
        if suite.entry_point:
            if suite.entry_point not in session.names:
                msg = f"the program does not define {suite.entry_point}()"
                return [TestOutcome(n, "error", msg) for n in names], {"load": "ok"}
            namespace["candidate"] = session.function(suite.entry_point)
        outcomes = _run_units(session, namespace, units, compiled, job, deadline, plans)
        return outcomes, {"load": "ok", "program_restarts": session.restarts}
    finally:
        session.stop()


def _run_units(
    session: ProgramSession,
    namespace: dict[str, Any],
    units: list[Any],
    compiled: list[Any],
    job: CodeJob,
    deadline: float,
    plans: list[UnitPlan | None] | None = None,
) -> list[TestOutcome]:
    outcomes: list[TestOutcome] = []
    stop = False
    # Pipelining (see .plan): the calls of units [i, sent_until) went to this program process.
    pipelined = plans is not None and not job.allow_objects
    sent_until, generation = 0, session.generation
    for i, (unit, code) in enumerate(zip(units, compiled, strict=True)):
        if stop or time.monotonic() >= deadline:
            status = "skipped" if stop else "timeout"
            outcomes.append(TestOutcome(unit.name, status, "" if stop else "the sample's total time limit passed"))
            continue
        if pipelined and session.ahead:
            # Answers to calls an earlier unit did not make (it stopped at an error first); a
            # program that does not give them is stopped, and restarted below.
            with contextlib.suppress(ProgramFault, Exception):
                session.drop_ahead(before=i, deadline=min(time.monotonic() + job.test_timeout, deadline))
        if not session.running:
            reason = _load(session, deadline)
            if reason is not None:
                outcomes.append(TestOutcome(unit.name, "error", _short(f"program restart failed: {reason}")))
                continue
        if pipelined:
            if session.generation != generation:  # a fresh program process: nothing was sent to it
                sent_until, generation = i, session.generation
            if i >= sent_until:
                batch, sent_until = _window(session, namespace, plans, i)  # type: ignore[arg-type]
                session.prefetch(batch)
        t0 = time.monotonic()
        try:
            with (
                session.deadline(job.test_timeout, until=deadline),
                code_deadline.deadline(_unit_deadline(job, deadline)),
            ):
                exec(code, namespace)
            outcome = TestOutcome(unit.name, "pass")
        except (ProgramFault, CheckerTimeout, Exception) as exc:
            status, message = _classify(exc)
            outcome = TestOutcome(unit.name, status, message)
        outcome.seconds = time.monotonic() - t0
        outcomes.append(outcome)
        if job.fail_fast and outcome.status != "pass":
            stop = True
    return outcomes


_WINDOW_CALLS = 256
# What one window of requests may weigh (their repr, about their pickles' size): far below a
# socket's buffer, so sending them never waits for the program to read.
_WINDOW_CHARS = 32 * 1024


def _window(
    session: ProgramSession, namespace: dict[str, Any], plans: list[UnitPlan | None], start: int
) -> tuple[list[tuple[tuple[Any, ...], int]], int]:
    """The calls of the run of plannable units from ``start`` (each tagged with its unit), and
    where the run ends. It ends at a unit that cannot be planned, whose callees are not the
    program's, that relies on a name an earlier unit of the run binds, or at the window's size."""
    batch: list[tuple[tuple[Any, ...], int]] = []
    bound: set[str] = set()
    chars = 0
    end = start
    while end < len(plans):
        plan = plans[end]
        if plan is None or bound & plan.reads:
            break
        messages = runtime_calls(plan, namespace, session.function_name)
        if messages is None:
            break
        size = sum(len(repr(m)) for m in messages)
        if batch and (len(batch) + len(messages) > _WINDOW_CALLS or chars + size > _WINDOW_CHARS):
            break
        if size > _WINDOW_CHARS:
            break  # one unit's calls too big to send ahead: it runs one call at a time
        batch += [(m, end) for m in messages]
        bound |= plan.assigned
        chars += size
        end += 1
    return batch, end


# ---- stdio suites ------------------------------------------------------------------------------------
def compare_output(got: str, expected: str, mode: str = "tokens", tolerance: float = 1e-6) -> bool:
    """Whether a program's output matches the expected output.

    >>> compare_output("1 2\\n3\\n", "1 2 3", "tokens"), compare_output("1 2 \\n", "1 2\\n\\n", "lines")
    (True, True)
    >>> compare_output("0.3333333", "0.33333333", "float"), compare_output("1", "1\\n", "exact")
    (True, False)
    """
    if mode == "exact":
        return got == expected
    if mode == "lines":
        a = [line.rstrip() for line in got.rstrip().splitlines()]
        b = [line.rstrip() for line in expected.rstrip().splitlines()]
        return a == b
    ta, tb = got.split(), expected.split()
    if mode == "tokens" or len(ta) != len(tb):
        return ta == tb
    for x, y in zip(ta, tb, strict=True):
        if x == y:
            continue
        try:
            fx, fy = float(x), float(y)
        except ValueError:
            return False
        if not math.isclose(fx, fy, rel_tol=tolerance, abs_tol=tolerance):
            return False
    return True


def _case_name(i: int, case: StdioCase) -> str:
    first = case.input.strip().splitlines()[0] if case.input.strip() else ""
    return f"case {i + 1}" + (f": {first[:60]}" if first else "")


def _run_stdio(sandbox: Sandbox, job: CodeJob, deadline: float) -> list[TestOutcome]:
    outcomes: list[TestOutcome] = []
    stop = False
    try:
        compile(job.program, "solution.py", "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as exc:
        message = _short(f"the program does not compile: {exc}")
        return [TestOutcome(_case_name(i, c), "error", message) for i, c in enumerate(job.suite.cases)]
    for i, case in enumerate(job.suite.cases):
        name = _case_name(i, case)
        remaining = deadline - time.monotonic()
        if stop or remaining <= 0:
            status = "skipped" if stop else "timeout"
            outcomes.append(TestOutcome(name, status, "" if stop else "the sample's total time limit passed"))
            continue
        run = sandbox.run_stdio(job.program, case.input, job.limits, timeout=min(job.test_timeout, remaining))
        if run.timed_out:
            outcome = TestOutcome(name, "timeout", f"no result within {min(job.test_timeout, remaining):.3g} s")
        elif run.output_truncated:
            outcome = TestOutcome(name, "fail", "the program wrote too much output")
        elif run.exit_code != 0:
            tail = run.stderr.strip().splitlines()[-1] if run.stderr.strip() else ""
            outcome = TestOutcome(name, "error", _short(f"{run.status}" + (f": {tail}" if tail else "")))
        elif compare_output(run.stdout, case.output, job.suite.compare, job.float_tolerance):
            outcome = TestOutcome(name, "pass")
        else:
            outcome = TestOutcome(
                name, "fail", _short(f"expected {case.output.strip()[:80]!r}, got {run.stdout.strip()[:80]!r}")
            )
        outcome.seconds = run.seconds
        outcomes.append(outcome)
        if job.fail_fast and outcome.status != "pass":
            stop = True
    return outcomes


# ---- pytest suites -----------------------------------------------------------------------------------
class _ProgramModule(types.ModuleType):
    """Stands in for the program's module inside the test file: attributes are remote proxies."""

    def __init__(self, name: str, session: ProgramSession, tests: GlobalNames) -> None:
        super().__init__(name)
        self.__dict__["_session"] = session
        # What `from solution import *` binds: the program's names that the test file reads and
        # does not define or import itself, none shadowing a built-in (and no test_* function of
        # the program: it is not read, so it never joins the collected tests).
        self.__dict__["__all__"] = [n for n in program_names_for_tests(session.names, tests) if not n.startswith("_")]

    def __getattr__(self, name: str) -> Any:
        session = self.__dict__["_session"]
        if name.startswith("__") or name not in session.names:
            raise AttributeError(f"module {self.__name__!r} (the program) has no attribute {name!r}")
        return session.global_(name)


class _Collector:
    """A pytest plugin: per-test deadlines, program restarts, and the outcome of each test."""

    def __init__(self, session: ProgramSession, job: CodeJob, deadline: float) -> None:
        self.session = session
        self.job = job
        self.deadline = deadline
        self.outcomes: dict[str, TestOutcome] = {}
        self.order: list[str] = []
        self.stop = False
        self.collection_error: str | None = None

    def pytest_collectreport(self, report: Any) -> None:
        if report.failed and self.collection_error is None:
            self.collection_error = str(getattr(report, "longreprtext", "") or report.longrepr or "error")

    def pytest_runtest_setup(self, item: Any) -> None:
        import pytest

        if self.stop:
            pytest.skip("fail_fast: an earlier test failed")
        if time.monotonic() >= self.deadline:
            pytest.skip("the sample's total time limit passed")
        if not self.session.running:
            reason = _load(self.session, self.deadline)
            if reason is not None:
                raise RuntimeError(f"program restart failed: {reason}")

    def pytest_pyfunc_call(self, pyfuncitem: Any) -> Any:
        with (
            self.session.deadline(self.job.test_timeout, until=self.deadline),
            code_deadline.deadline(_unit_deadline(self.job, self.deadline)),
        ):
            testfunction = pyfuncitem.obj
            funcargs = pyfuncitem.funcargs
            testargs = {arg: funcargs[arg] for arg in pyfuncitem._fixtureinfo.argnames}
            testfunction(**testargs)
        return True

    def pytest_runtest_logreport(self, report: Any) -> None:
        nodeid = report.nodeid.split("::", 1)[-1]
        if nodeid not in self.outcomes:
            self.order.append(nodeid)
            self.outcomes[nodeid] = TestOutcome(nodeid, "pass")
        outcome = self.outcomes[nodeid]
        outcome.seconds += getattr(report, "duration", 0.0)
        if report.skipped and outcome.status == "pass":
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else ""
            outcome.status, outcome.message = "skipped", _short(str(reason))
            if "total time limit" in str(reason):
                outcome.status = "timeout"
        elif report.failed and outcome.status in ("pass", "skipped"):
            crash = getattr(report.longrepr, "reprcrash", None)
            text = str(getattr(crash, "message", "") or report.longreprtext or "error").strip()
            if "ProgramTimeout" in text:
                status, message = "timeout", "the program did not answer within the time limit; it was killed"
            elif "CheckerTimeout" in text:
                status, message = "timeout", "the test ran past its time limit in the checker (in the test's code)"
            elif report.when == "call" and (
                text.startswith(("AssertionError", "assert ", "Failed:")) or "\nassert " in text
            ):  # an assertion, pytest.fail() or "DID NOT RAISE"
                status, message = "fail", _short(text)
            else:
                status, message = (
                    "error",
                    _short(text.splitlines()[0] if report.when == "call" else f"{report.when}: {text}"),
                )
            outcome.status, outcome.message = status, message
            if self.job.fail_fast:
                self.stop = True


def _run_pytest(sandbox: Sandbox, job: CodeJob, deadline: float) -> tuple[list[TestOutcome], dict[str, Any]]:
    import sys

    import pytest

    suite = job.suite
    session = _session(sandbox, job, module=suite.module)
    reason = _load(session, deadline)
    if reason is not None:
        return _load_failure_outcomes(["(all tests)"], reason), {"load": reason}
    saved_module = sys.modules.get(suite.module)
    saved_env = os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    try:
        with tempfile.TemporaryDirectory(prefix="rewardlab-pytest-") as tmp:
            test_path = os.path.join(tmp, f"test_{suite.module}_{os.getpid()}_{time.monotonic_ns()}.py")
            with open(test_path, "w", encoding="utf-8") as f:
                if suite.setup:
                    f.write(suite.setup + "\n")
                f.write(suite.code)
            ini = os.path.join(tmp, "pytest.ini")
            with open(ini, "w", encoding="utf-8") as f:
                f.write("[pytest]\n")
            sys.modules[suite.module] = _ProgramModule(
                suite.module, session, names_in_tests(suite.setup + "\n" + suite.code)
            )
            os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
            collector = _Collector(session, job, deadline)
            code_deadline.register_test_file(test_path)
            try:
                # (the file's own top-level code, run at collection, has the sample's time; each
                # test has its own deadline inside this one)
                with (
                    open(os.devnull, "w") as devnull,
                    contextlib.redirect_stdout(devnull),
                    code_deadline.deadline(max(0.0, deadline - time.monotonic()) + _CHECKER_MARGIN_S),
                ):
                    code = pytest.main(
                        [
                            test_path,
                            "-q",
                            "-c",
                            ini,
                            "--rootdir",
                            tmp,
                            "-p",
                            "no:cacheprovider",
                            "--import-mode=importlib",
                        ],
                        plugins=[collector],
                    )
            finally:
                code_deadline.unregister_test_file(test_path)
        outcomes = [collector.outcomes[n] for n in collector.order]
        if not outcomes:
            status, message = (
                "error",
                (
                    "pytest collected no tests"
                    if int(code) == 5
                    else f"pytest could not run the file (exit {int(code)})"
                ),
            )
            error = collector.collection_error
            if error is not None and "CheckerTimeout" in error:
                status, message = "timeout", "the test file's top-level code ran past the time limit in the checker"
            elif error is not None:
                lines = [line for line in error.strip().splitlines() if line.startswith("E ")]
                message += ": " + (lines[-1][1:].strip() if lines else error.strip().splitlines()[-1])
            return [TestOutcome("(collection)", status, _short(message))], {"load": "ok"}
        return outcomes, {"load": "ok", "program_restarts": session.restarts}
    finally:
        session.stop()
        if saved_module is None:
            sys.modules.pop(suite.module, None)
        else:
            sys.modules[suite.module] = saved_module
        if saved_env is None:
            os.environ.pop("PYTEST_DISABLE_PLUGIN_AUTOLOAD", None)
        else:
            os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = saved_env
