"""A deadline for the test code that runs in the checker (outside the sandbox).

Calls into the program have their own deadlines (the checker waits on a socket). The tests
themselves run in the checker, and a test can be made to loop there by what a program returns:
``while n > 1: n /= 2`` with ``n = inf``, ``for i in range(candidate(x))`` with a huge answer,
``sum(range(candidate(x)))``. Two timers bound that, in the main thread of a checker process
prepared by :func:`install` (the code pool's workers):

- **soft** (``SIGALRM``): at the deadline, :class:`CheckerTimeout` is raised in the test code,
  and the test's status is ``timeout``. Only in test code: when the checker's own code is running
  (talking to the program, to the sandbox, bookkeeping), an exception could leave a protocol half
  done, so the alarm waits there and tries again shortly after.
- **hard** (``ITIMER_PROF``, the checker's CPU time): a test stuck in one long C call never
  returns to Python, so no exception can reach it. Past the deadline plus ``grace`` seconds of
  CPU, ``SIGPROF`` ends the checker process; the pool reports the task as timed out and replaces
  the worker (the other samples keep their results, this one is ``timeout``).

A checker in a process that did not call :func:`install` (``pool: default``: a shared pool's
worker) gets the same deadlines for the length of each job from :func:`installed_for`, which
takes the two signals over for the job and gives the previous handlers back after it. In another
thread :func:`deadline` is a no-op (the pool's wall-clock timeout is then the only bound).

>>> with deadline(5.0):  # not installed here: nothing is armed
...     sum(range(10))
45
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType, TracebackType
from typing import Any

__all__ = [
    "CheckerTimeout",
    "active",
    "deadline",
    "install",
    "installed_for",
    "register_test_file",
    "unregister_test_file",
]

_RETRY_S = 0.02  # how soon a deferred alarm tries again
_AGAIN_S = 0.1  # how soon a test that swallowed the exception gets it again


class CheckerTimeout(BaseException):
    """Test code ran past its deadline in the checker (a ``BaseException``: ``except Exception``
    in a test does not swallow it)."""


class _State:
    def __init__(self) -> None:
        self.installed = False
        self.main_ident = 0  # the thread that installed (a process's main thread)
        self.deadline: float | None = None  # time.monotonic() of the soft deadline
        self.boundary: FrameType | None = None  # the checker's frame that runs the test code
        self.test_files: set[str] = set()


_STATE = _State()


def install() -> None:
    """Let this process's main thread use deadlines (call it in the main thread of a process that
    only checks programs: it takes over ``SIGALRM`` and the process's CPU-time interval timer)."""
    if threading.current_thread() is not threading.main_thread():
        raise RuntimeError("checker deadlines need the main thread")
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.signal(signal.SIGPROF, signal.SIG_DFL)
    _STATE.main_ident = threading.get_ident()
    _STATE.installed = True


@contextmanager
def installed_for() -> Iterator[bool]:
    """Deadlines inside the block, in a process whose checker did not :func:`install` them (a
    ``pool: default`` worker runs other rewards' tasks too): ``SIGALRM`` and ``SIGPROF`` are taken
    over for the block, and their previous handlers and timers are given back when it ends.
    Where deadlines are installed already it changes nothing; off the main thread it is a no-op.
    Yields whether deadlines are active in the block.
    """
    if _STATE.installed or threading.current_thread() is not threading.main_thread():
        yield active()
        return
    handlers = (signal.getsignal(signal.SIGALRM), signal.getsignal(signal.SIGPROF))
    timers = (signal.setitimer(signal.ITIMER_REAL, 0), signal.setitimer(signal.ITIMER_PROF, 0))
    install()
    try:
        yield True
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.setitimer(signal.ITIMER_PROF, 0)
        _STATE.installed = False
        _STATE.deadline = _STATE.boundary = None
        signal.signal(signal.SIGALRM, handlers[0] if handlers[0] is not None else signal.SIG_DFL)
        signal.signal(signal.SIGPROF, handlers[1] if handlers[1] is not None else signal.SIG_DFL)
        for which, (delay, interval) in zip((signal.ITIMER_REAL, signal.ITIMER_PROF), timers, strict=True):
            if delay > 0:  # (a timer someone else had armed: re-armed with what was left of it)
                signal.setitimer(which, delay, interval)


def active() -> bool:
    """Whether deadlines are enforced here (installed, and called from the main thread)."""
    return _STATE.installed and threading.get_ident() == _STATE.main_ident


def register_test_file(path: str) -> None:
    """Code compiled from ``path`` is test code (frames named ``<test...>`` and ``<prompt>`` are)."""
    _STATE.test_files.add(path)


def unregister_test_file(path: str) -> None:
    _STATE.test_files.discard(path)


class deadline:
    """Test code inside this block must finish within ``seconds`` (soft), and the checker is ended
    after ``seconds + grace`` seconds of its own CPU time in the block (hard). ``soft=False`` arms
    only the hard bound (a backstop around a whole job). In nested blocks the tighter soft deadline
    holds; an outer hard bound counts the CPU time spent outside its inner blocks (which have
    their own).

    Cheap enough for every test (three timer calls): a block leaves its ``SIGALRM`` armed when it
    ends, and the alarm, if it still comes, finds no deadline and does nothing; the outermost block
    (``soft=False``) disarms it.
    """

    __slots__ = ("_saved", "grace", "seconds", "soft")

    def __init__(self, seconds: float, *, grace: float = 2.0, soft: bool = True) -> None:
        self.seconds = max(0.0, float(seconds))
        self.grace = max(0.0, float(grace))
        self.soft = soft
        self._saved: tuple[float, float | None, FrameType | None] | None = None

    def __enter__(self) -> deadline:
        state = _STATE
        if not state.installed or threading.get_ident() != state.main_ident:
            return self
        budget = self.seconds + self.grace
        outer_cpu = signal.setitimer(signal.ITIMER_PROF, budget)[0]
        if 0 < outer_cpu < budget:  # an outer bound is tighter
            signal.setitimer(signal.ITIMER_PROF, outer_cpu)
        self._saved = (outer_cpu, state.deadline, state.boundary)
        if self.soft:
            now = time.monotonic()
            soft_deadline = now + self.seconds
            if state.deadline is not None and state.deadline < soft_deadline:
                soft_deadline = state.deadline
            state.deadline = soft_deadline
            state.boundary = sys._getframe(1)  # (the frame that runs the test code in this block)
            signal.setitimer(signal.ITIMER_REAL, max(1e-4, soft_deadline - now))
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        saved, self._saved = self._saved, None
        if saved is None:
            return
        outer_cpu, outer_deadline, outer_boundary = saved
        signal.setitimer(signal.ITIMER_PROF, outer_cpu)  # the outer bound as it was (0: none)
        _STATE.deadline, _STATE.boundary = outer_deadline, outer_boundary
        if outer_deadline is not None:
            signal.setitimer(signal.ITIMER_REAL, max(1e-4, outer_deadline - time.monotonic()))
        elif not self.soft:
            signal.setitimer(signal.ITIMER_REAL, 0)


def _on_alarm(signum: int, frame: FrameType | None) -> Any:
    state = _STATE
    if state.deadline is None:
        return None  # (a late alarm of a block that has ended)
    now = time.monotonic()
    if now < state.deadline:
        signal.setitimer(signal.ITIMER_REAL, state.deadline - now)
        return None
    if _in_test_code(frame, state):
        signal.setitimer(signal.ITIMER_REAL, _AGAIN_S)
        raise CheckerTimeout("the test ran past its time limit in the checker (in the test's code, not the program)")
    signal.setitimer(signal.ITIMER_REAL, _RETRY_S)
    return None


def _is_test_frame(frame: FrameType, state: _State) -> bool:
    filename = frame.f_code.co_filename
    return filename.startswith("<test") or filename == "<prompt>" or filename in state.test_files


def _in_test_code(frame: FrameType | None, state: _State) -> bool:
    """Whether ``frame`` runs test code, called (through anything but rewardlab's own code) from
    the checker's frame that runs the tests."""
    seen_test = False
    while frame is not None and frame is not state.boundary:
        if _is_test_frame(frame, state):
            seen_test = True
        elif str(frame.f_globals.get("__name__", "")).startswith("rewardlab."):
            return False
        frame = frame.f_back
    return seen_test and frame is not None
