"""A pool of pre-started worker processes with hard per-task timeouts and resource limits.

Rule checkers call libraries that can hang (sympy on a pathological expression) or crash, and
they are called from everywhere: the main thread, worker threads, asyncio, a web server, a Ray
worker. ``signal.alarm`` timeouts work only in the main thread; this pool works the same from
all of them because the waiting caller never relies on signals: it waits on a socket with a
deadline, and on timeout it **kills the worker** (SIGKILL) and a fresh one replaces it.

>>> from operator import add
>>> with WorkerPool(size=1) as pool:
...     pool.call(add, 2, 3, timeout=10)
5

- ``call(fn, *args, timeout=..., **kwargs)`` returns ``fn``'s value or re-raises its exception;
  raises :class:`~rewardlab.core.errors.RewardTimeout` on timeout (the worker is killed and
  replaced), :class:`WorkerCrashed` when the worker died (segfault, out of memory),
  :class:`InputTooLarge` when the pickled arguments exceed ``max_input_bytes``.
- ``map(fn, [args, ...])`` runs items in parallel across the workers and returns a list of
  values or exception instances (it never raises for one item).
- ``await acall(fn, *args)`` from asyncio without blocking the event loop.

Workers are forked from a single-threaded *template* process started once per pool (see
``_template``), so they are safe to create from a multi-threaded program, start in
milliseconds, and come with the ``preload`` modules already imported. Each worker has an
address-space limit (``memory_mb``, RLIMIT_AS) and a per-task CPU limit (``cpu_seconds``,
RLIMIT_CPU), and is recycled after ``max_tasks_per_worker`` tasks; a worker ended by ``SIGXCPU``
or ``SIGPROF`` (a CPU limit, or a CPU timer its task set) counts as a timeout. The pool is closed
at interpreter exit; its workers also die when the process that owns the pool dies.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import functools
import os
import pickle
import select
import signal
import socket
import subprocess
import sys
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any

from ..core.errors import RewardTimeout
from . import _template
from .errors import InputTooLarge, PoolClosed, RemoteError, WorkerCrashed
from .limits import describe_exit_status
from .wire import ChannelClosed, ChannelTimeout, close_process_channel, recv_bytes, send_bytes

__all__ = ["PoolStats", "WorkerPool", "default_pool"]

_POOLS: weakref.WeakSet[WorkerPool] = weakref.WeakSet()


def _cpu_count() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


@dataclass
class PoolStats:
    """Counters of a pool since it was created (for the server's metrics).

    ``tasks`` counts finished tasks of every outcome: ``ok`` + ``errors`` (the task raised) +
    ``timeouts`` + ``crashes`` + ``rejected`` (input too large). ``restarts`` counts workers
    started to replace a killed, crashed or retired one.
    """

    size: int
    alive: int = 0
    busy: int = 0
    tasks: int = 0
    ok: int = 0
    errors: int = 0
    timeouts: int = 0
    crashes: int = 0
    rejected: int = 0
    restarts: int = 0
    workers_started: int = 0
    total_task_s: float = 0.0
    total_wait_s: float = 0.0
    last_crash: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class _Worker:
    __slots__ = ("pid", "pidfd", "sock", "started", "tasks")

    def __init__(self, pid: int, sock: socket.socket, pidfd: int | None) -> None:
        self.pid = pid
        self.sock = sock
        self.pidfd = pidfd
        self.tasks = 0
        self.started = time.monotonic()

    def looks_dead(self) -> bool:
        """An idle worker never sends anything: readable or hung-up means it is gone."""
        try:
            readable, _, _ = select.select([self.sock], [], [], 0)
        except (OSError, ValueError):
            return True
        return bool(readable)

    def kill(self) -> None:
        try:
            if self.pidfd is not None:
                signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)
            else:
                os.kill(self.pid, signal.SIGKILL)
        except (ProcessLookupError, OSError):
            pass
        self.close()

    def close(self) -> None:
        close_process_channel(self.sock, self.pidfd)
        self.pidfd = None


class _TemplateProcess:
    """The pool's template process and its control channel."""

    def __init__(self, cfg: dict[str, Any], start_timeout: float) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        cfg_hex = pickle.dumps(cfg, protocol=pickle.HIGHEST_PROTOCOL).hex()
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _template.BOOTSTRAP, str(theirs.fileno()), cfg_hex],
            pass_fds=(theirs.fileno(),),
            start_new_session=True,
            stdin=subprocess.DEVNULL,
        )
        theirs.close()
        self.control = ours
        self.lock = threading.Lock()
        try:
            reply = self._recv(time.monotonic() + start_timeout)
        except BaseException:
            self.close()
            raise
        if reply[0] != "ready":  # pragma: no cover
            self.close()
            raise RuntimeError(f"pool template failed to start: {reply!r}")

    def _recv(self, deadline: float) -> tuple[Any, ...]:
        return self._recv_with_fds(deadline)[0]

    def _recv_with_fds(self, deadline: float) -> tuple[tuple[Any, ...], list[int]]:
        fd = self.control.fileno()
        from .wire import wait_readable

        if not wait_readable(fd, deadline):
            code = self.proc.poll()
            raise RuntimeError(
                "the pool's template process did not answer in time"
                + (f" (it exited: {describe_exit_status_code(code)})" if code is not None else "")
            )
        data, fds, _flags, _addr = socket.recv_fds(self.control, _template.CONTROL_MAX, 4)
        if not data:
            for extra in fds:
                os.close(extra)
            code = self.proc.poll()
            raise ChannelClosed(
                "the pool's template process is gone"
                + (f" ({describe_exit_status_code(code)})" if code is not None else "")
            )
        return pickle.loads(data), fds

    def request(self, message: tuple[Any, ...], timeout: float) -> tuple[tuple[Any, ...], list[int]]:
        with self.lock:
            try:
                self.control.sendall(pickle.dumps(message))
            except OSError as exc:
                raise ChannelClosed(f"the pool's template process is gone: {exc}") from None
            return self._recv_with_fds(time.monotonic() + timeout)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.control.close()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=5)


def describe_exit_status_code(code: int) -> str:
    if code < 0:
        return describe_exit_status(-code)  # killed by signal -code
    return f"exit code {code}"


class WorkerPool:
    """Pre-started worker processes with hard timeouts, an input cap and resource limits.

    Parameters:
        size: number of workers (default: the CPUs this process may use).
        memory_mb: address-space limit of each worker (RLIMIT_AS), None for no limit.
        memory_hard: True: the hard limit too (nothing in the worker can raise it); False: only
            the soft limit, which processes the worker starts may raise again for themselves
            (the code checkers: the sandboxes they start give each program its own limit).
        cpu_seconds: CPU seconds a task may use (RLIMIT_CPU, set before each task), None for no limit.
        max_input_bytes: largest pickled ``(fn, args, kwargs)`` accepted; bigger raises InputTooLarge.
        max_output_bytes: largest pickled result a worker sends back; bigger fails the task.
        max_tasks_per_worker: replace a worker after this many tasks (None: never).
        initializer, initargs: called once in every new worker (after its limits are set).
        preload: modules imported once in the template, so new workers start with them.
        default_timeout: wall-clock seconds of a task when ``call`` gets no ``timeout``.
        start_timeout: seconds to wait for the template and for a new worker to be ready.

    The pool starts on first use (or :meth:`start`) and is safe to share between threads.
    """

    def __init__(
        self,
        size: int | None = None,
        *,
        memory_mb: int | None = 4096,
        memory_hard: bool = True,
        cpu_seconds: float | None = None,
        max_input_bytes: int = 64 * 1024 * 1024,
        max_output_bytes: int = 256 * 1024 * 1024,
        max_tasks_per_worker: int | None = None,
        initializer: Callable[..., Any] | None = None,
        initargs: Sequence[Any] = (),
        preload: Sequence[str] = (),
        default_timeout: float = 60.0,
        start_timeout: float = 60.0,
        name: str = "pool",
    ) -> None:
        if size is not None and size < 1:
            raise ValueError(f"size must be >= 1, got {size}")
        if memory_mb is not None and memory_mb < 32:
            raise ValueError(f"memory_mb must be >= 32 (MiB) or None, got {memory_mb}")
        if max_input_bytes < 1:
            raise ValueError(f"max_input_bytes must be >= 1, got {max_input_bytes}")
        if default_timeout <= 0:
            raise ValueError(f"default_timeout must be > 0, got {default_timeout}")
        self.size = size or _cpu_count()
        self.memory_mb = memory_mb
        self.memory_hard = memory_hard
        self.cpu_seconds = cpu_seconds
        self.max_input_bytes = max_input_bytes
        self.max_output_bytes = max_output_bytes
        self.max_tasks_per_worker = max_tasks_per_worker
        self.default_timeout = default_timeout
        self.start_timeout = start_timeout
        self.name = name
        self.preload = tuple(preload)
        self._initializer = (
            pickle.dumps((initializer, tuple(initargs)), protocol=pickle.HIGHEST_PROTOCOL)
            if initializer is not None
            else None
        )
        self._reset_state()
        _POOLS.add(self)

    # ---- state ---------------------------------------------------------------------------------
    def _reset_state(self) -> None:
        self._owner_pid = os.getpid()
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._idle: deque[_Worker] = deque()
        self._alive = 0  # workers alive or being started (reserved slots)
        self._busy = 0
        self._template: _TemplateProcess | None = None
        self._start_lock = threading.Lock()
        self._closed = False
        self._executor: ThreadPoolExecutor | None = None
        self._stats = PoolStats(size=self.size)
        self._inflight: dict[int, _Worker] = {}

    def _after_fork_in_child(self) -> None:
        # The workers belong to the parent; the child starts its own on first use.
        for worker in list(self._idle):
            worker.close()
        template = self._template
        if template is not None:
            with contextlib.suppress(OSError):
                template.control.close()
        closed = self._closed
        self._reset_state()
        self._closed = closed

    def _check_owner(self) -> None:
        if self._owner_pid != os.getpid():  # used in a forked child without the at-fork hook
            self._after_fork_in_child()

    @property
    def started(self) -> bool:
        return self._template is not None

    def start(self) -> WorkerPool:
        """Start the template and all workers now (otherwise done on first use)."""
        self._check_owner()
        if _template.LOADING_MAIN:
            raise RuntimeError(
                "a worker pool was started while a worker imported the main script to find a task's function; "
                'guard the script\'s top-level code with `if __name__ == "__main__":` (as with multiprocessing)'
            )
        self._ensure_template()
        missing = 0
        with self._lock:
            missing = self.size - self._alive
            self._alive += missing
        started: list[_Worker] = []
        try:
            for _ in range(missing):
                started.append(self._spawn_worker())
        except BaseException:
            with self._lock:
                self._alive -= missing - len(started)
            for worker in started:
                self._release_new(worker)
            raise
        for worker in started:
            self._release_new(worker)
        return self

    def _ensure_template(self) -> _TemplateProcess:
        if self._closed:
            raise PoolClosed(f"pool '{self.name}' is closed")
        template = self._template
        if template is not None and template.alive():
            return template
        with self._start_lock:
            template = self._template
            if template is not None and template.alive():
                return template
            if template is not None:
                template.close()
            cfg = {
                "sys_path": list(sys.path),
                "preload": self.preload,
                "memory_mb": self.memory_mb,
                "memory_hard": self.memory_hard,
                "initializer": self._initializer,
                "max_output_bytes": self.max_output_bytes,
            }
            self._template = _TemplateProcess(cfg, self.start_timeout)
            return self._template

    def _spawn_worker(self) -> _Worker:
        for attempt in range(2):
            template = self._ensure_template()
            try:
                reply, fds = template.request(("spawn",), self.start_timeout)
                break
            except ChannelClosed:
                if attempt:
                    raise
                with self._start_lock:  # the template died: start a new one once
                    if self._template is template:
                        template.close()
                        self._template = None
        _, pid, has_pidfd = reply
        sock = socket.socket(fileno=fds[0])
        pidfd = fds[1] if has_pidfd and len(fds) > 1 else None
        worker = _Worker(pid, sock, pidfd)
        try:
            first = pickle.loads(recv_bytes(sock, time.monotonic() + self.start_timeout))
        except (ChannelClosed, ChannelTimeout) as exc:
            worker.kill()
            raise WorkerCrashed(f"a new worker of pool '{self.name}' did not start: {exc}", pid=pid) from None
        if first[0] == "init_error":
            worker.kill()
            raise _decode_error(pickle.loads(first[1]), prefix="the pool's initializer failed in a new worker: ")
        with self._lock:
            self._stats.workers_started += 1
            if self._stats.workers_started > self.size:
                self._stats.restarts += 1
        return worker

    # ---- acquiring and releasing workers ------------------------------------------------------
    def _acquire(self) -> _Worker:
        self._check_owner()
        if self._template is None:
            self.start()  # first use: pre-start every worker
        while True:
            with self._cond:
                while True:
                    if self._closed:
                        raise PoolClosed(f"pool '{self.name}' is closed")
                    if self._idle:
                        worker = self._idle.pop()
                        self._busy += 1
                        break
                    if self._alive < self.size:
                        self._alive += 1
                        self._busy += 1
                        worker = None
                        break
                    self._cond.wait()
            if worker is None:
                try:
                    return self._spawn_worker()
                except BaseException:
                    with self._cond:
                        self._alive -= 1
                        self._busy -= 1
                        self._cond.notify()
                    raise
            if worker.looks_dead():  # died while idle (e.g. killed from outside): replace it
                worker.kill()
                with self._cond:
                    self._busy -= 1
                    self._alive -= 1
                    self._stats.crashes += 1
                    self._stats.last_crash = f"worker {worker.pid} died while idle"
                    self._cond.notify()
                continue
            return worker

    def _release(self, worker: _Worker | None) -> None:
        """Return a healthy worker to the idle set, or free the slot of a dead one (None)."""
        retired = False
        with self._cond:
            if worker is None:
                self._alive -= 1
            elif self._closed or (self.max_tasks_per_worker is not None and worker.tasks >= self.max_tasks_per_worker):
                worker.kill()
                self._alive -= 1
                retired = not self._closed
            else:
                self._idle.append(worker)
            self._busy = max(0, self._busy - 1)
            self._cond.notify()
        if retired:
            threading.Thread(target=self._refill, name=f"rewardlab-{self.name}-refill", daemon=True).start()

    def _discard(self, worker: _Worker) -> None:
        worker.kill()
        self._release(None)
        # Keep the pool at full strength so the next task does not wait for a fork.
        threading.Thread(target=self._refill, name=f"rewardlab-{self.name}-refill", daemon=True).start()

    def _refill(self) -> None:
        while True:
            with self._cond:
                if self._closed or self._alive >= self.size:
                    return
                self._alive += 1
            try:
                worker = self._spawn_worker()
            except BaseException:
                with self._cond:
                    self._alive -= 1
                    self._cond.notify()
                return
            self._release_new(worker)

    def _release_new(self, worker: _Worker) -> None:
        with self._cond:
            if self._closed:
                worker.kill()
                self._alive -= 1
            else:
                self._idle.append(worker)
            self._cond.notify()

    # ---- calling -------------------------------------------------------------------------------
    def call(self, fn: Callable[..., Any], /, *args: Any, timeout: float | None = None, **kwargs: Any) -> Any:
        """Run ``fn(*args, **kwargs)`` in a worker and return its value (or raise its exception).

        ``timeout`` (seconds, default ``default_timeout``) is a hard wall-clock limit on the task.
        """
        return self._run(fn, args, kwargs, timeout, None)

    def _run(
        self,
        fn: Callable[..., Any],
        args: Sequence[Any],
        kwargs: dict[str, Any],
        timeout: float | None,
        ticket: list[Any] | None,
    ) -> Any:
        timeout = self.default_timeout if timeout is None else float(timeout)
        if timeout <= 0:
            raise ValueError(f"timeout must be > 0 seconds, got {timeout}")
        try:
            blob = pickle.dumps((fn, tuple(args), dict(kwargs)), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:
            raise TypeError(
                f"cannot send {getattr(fn, '__qualname__', fn)!r} and its arguments to a worker: {exc} "
                "(the function must be a top-level function of an importable module)"
            ) from exc
        if len(blob) > self.max_input_bytes:
            with self._lock:
                self._stats.tasks += 1
                self._stats.rejected += 1
            raise InputTooLarge(len(blob), self.max_input_bytes)
        module = getattr(fn, "__module__", None)
        main_path = None
        if module == "__main__":
            main_path = getattr(sys.modules.get("__main__"), "__file__", None)
        message = pickle.dumps((self.cpu_seconds, main_path, blob), protocol=pickle.HIGHEST_PROTOCOL)
        del blob
        waited = time.monotonic()
        worker = self._acquire()
        started = time.monotonic()
        if ticket is not None:
            ticket.append(worker)
        outcome = "crash"
        reason: str | None = None
        try:
            try:
                send_bytes(worker.sock, message)
                reply = pickle.loads(recv_bytes(worker.sock, started + timeout))
            except ChannelTimeout:
                outcome = "timeout"
                raise RewardTimeout(
                    f"task {getattr(fn, '__qualname__', fn)} ran past its {timeout:g} s limit; its worker was killed"
                ) from None
            except (ChannelClosed, OSError) as exc:
                reason = self._death_reason(worker)
                if reason and ("SIGXCPU" in reason or "SIGPROF" in reason):
                    outcome = "timeout"
                    if "SIGXCPU" in reason:
                        what = "used more than its CPU limit" + (
                            f" ({self.cpu_seconds:g} s)" if self.cpu_seconds is not None else ""
                        )
                    else:
                        what = "ran past the CPU timer it set for itself (SIGPROF)"
                    raise RewardTimeout(
                        f"task {getattr(fn, '__qualname__', fn)} {what}; its worker was killed"
                    ) from None
                if ticket is not None and len(ticket) > 1:  # cancelled by acall
                    outcome = "timeout"
                    raise RewardTimeout("task cancelled; its worker was killed") from None
                raise WorkerCrashed(
                    f"the worker running {getattr(fn, '__qualname__', fn)} died"
                    + (f" ({reason})" if reason else f": {exc}")
                    + (
                        f"; it may have run out of memory (memory_mb={self.memory_mb})"
                        if reason and "SIGKILL" in reason
                        else ""
                    ),
                    reason=reason,
                    pid=worker.pid,
                ) from None
            worker.tasks += 1
            if reply[0] == "ok":
                outcome = "ok"
                return reply[1]
            outcome = "error"
            raise _decode_error(reply)
        finally:
            elapsed = time.monotonic() - started
            with self._lock:
                st = self._stats
                st.tasks += 1
                st.total_task_s += elapsed
                st.total_wait_s += started - waited
                if outcome == "ok":
                    st.ok += 1
                elif outcome == "error":
                    st.errors += 1
                elif outcome == "timeout":
                    st.timeouts += 1
                else:
                    st.crashes += 1
                    st.last_crash = f"worker {worker.pid}: {reason or 'died'}"
            if outcome in ("ok", "error"):
                self._release(worker)
            else:
                self._discard(worker)

    def _death_reason(self, worker: _Worker) -> str | None:
        template = self._template
        reason = None
        if template is not None:
            with contextlib.suppress(Exception):
                reply, _fds = template.request(("status", worker.pid, 1.0), 5.0)
                if reply[1] is not None:
                    reason = describe_exit_status(reply[1])
        return reason

    def map(
        self,
        fn: Callable[..., Any],
        items: Iterable[Sequence[Any] | Any],
        *,
        timeout: float | None = None,
    ) -> list[Any]:
        """Run ``fn(*item)`` for every item in parallel; a value or an exception instance per item.

        An item that is not a tuple or list is passed as the single argument.
        """
        calls = [tuple(item) if isinstance(item, (tuple, list)) else (item,) for item in items]
        if not calls:
            return []
        if len(calls) == 1:
            return [self._outcome(fn, calls[0], timeout)]
        executor = self._get_executor()
        futures = [executor.submit(self._outcome, fn, args, timeout) for args in calls]
        return [f.result() for f in futures]

    def _outcome(self, fn: Callable[..., Any], args: Sequence[Any], timeout: float | None) -> Any:
        try:
            return self._run(fn, args, {}, timeout, None)
        except BaseException as exc:  # RewardTimeout is a BaseException on purpose
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            return exc

    async def acall(self, fn: Callable[..., Any], /, *args: Any, timeout: float | None = None, **kwargs: Any) -> Any:
        """``call`` for asyncio code: awaits the result without blocking the event loop.

        Cancelling the awaiting task kills the worker running it.
        """
        loop = asyncio.get_running_loop()
        ticket: list[Any] = []
        future = loop.run_in_executor(
            self._get_executor(), functools.partial(self._run, fn, args, kwargs, timeout, ticket)
        )
        try:
            return await asyncio.shield(future)
        except asyncio.CancelledError:
            if ticket:
                worker = ticket[0]
                ticket.append("cancelled")
                with contextlib.suppress(Exception):
                    worker.kill()
            raise

    async def amap(
        self, fn: Callable[..., Any], items: Iterable[Sequence[Any] | Any], *, timeout: float | None = None
    ) -> list[Any]:
        """``map`` for asyncio code."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, functools.partial(self.map, fn, list(items), timeout=timeout))

    def _get_executor(self) -> ThreadPoolExecutor:
        self._check_owner()
        executor = self._executor
        if executor is None:
            with self._start_lock:
                if self._executor is None:
                    # Threads only wait on sockets; enough of them to keep every worker busy
                    # plus callers queued for a worker.
                    self._executor = ThreadPoolExecutor(
                        max_workers=max(4, 4 * self.size), thread_name_prefix=f"rewardlab-{self.name}"
                    )
                executor = self._executor
        return executor

    # ---- introspection and shutdown ------------------------------------------------------------
    def stats(self) -> PoolStats:
        """A snapshot of the pool's counters."""
        with self._lock:
            snap = PoolStats(**{k: v for k, v in asdict(self._stats).items()})
            snap.alive = self._alive
            snap.busy = self._busy
        return snap

    def worker_pids(self) -> list[int]:
        """Process ids of the idle workers (for tests and diagnostics)."""
        with self._lock:
            return [w.pid for w in self._idle]

    @property
    def template_pid(self) -> int | None:
        template = self._template
        return template.proc.pid if template is not None else None

    def close(self) -> None:
        """Kill every worker and the template; waits for them (no zombies). Idempotent."""
        if self._owner_pid != os.getpid():
            self._closed = True
            return
        with self._cond:
            if self._closed and self._template is None:
                return
            self._closed = True
            idle = list(self._idle)
            self._idle.clear()
            self._alive -= len(idle)
            self._cond.notify_all()
        for worker in idle:
            worker.kill()
        template, self._template = self._template, None
        if template is not None:
            template.close()  # the template kills and reaps the busy workers too
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else ("started" if self.started else "not started")
        return f"WorkerPool(name={self.name!r}, size={self.size}, memory_mb={self.memory_mb}, {state})"


def _decode_error(reply: tuple[Any, ...], prefix: str = "") -> BaseException:
    _tag, exc_bytes, type_name, message, tb = reply
    exc: BaseException | None = None
    if exc_bytes:
        try:
            exc = pickle.loads(exc_bytes)
        except Exception:
            exc = None
    if not isinstance(exc, BaseException):
        exc = RemoteError(type_name, message, tb)
    if prefix:
        exc = RemoteError(type_name, prefix + message, tb) if not isinstance(exc, RemoteError) else exc
    with contextlib.suppress(Exception):
        exc.remote_traceback = tb  # type: ignore[attr-defined]
    return exc


# ---- the shared default pool -------------------------------------------------------------------
_DEFAULT: WorkerPool | None = None
_DEFAULT_LOCK = threading.Lock()


def default_pool() -> WorkerPool:
    """The process-wide shared pool (one worker per CPU), started on first use; thread-safe.

    Environment: ``REWARDLAB_POOL_SIZE`` (workers), ``REWARDLAB_POOL_MEMORY_MB`` (per worker).
    """
    global _DEFAULT
    pool = _DEFAULT
    if pool is not None and not pool._closed and pool._owner_pid == os.getpid():
        return pool
    with _DEFAULT_LOCK:
        pool = _DEFAULT
        if pool is None or pool._closed or pool._owner_pid != os.getpid():
            size = os.environ.get("REWARDLAB_POOL_SIZE")
            memory = os.environ.get("REWARDLAB_POOL_MEMORY_MB")
            pool = WorkerPool(
                size=int(size) if size else None,
                memory_mb=int(memory) if memory else 4096,
                name="default",
            )
            _DEFAULT = pool
        return pool


def _close_all() -> None:
    for pool in list(_POOLS):
        with contextlib.suppress(Exception):
            pool.close()


def _after_fork_in_child() -> None:
    global _DEFAULT, _DEFAULT_LOCK
    _DEFAULT_LOCK = threading.Lock()
    _DEFAULT = None
    for pool in list(_POOLS):
        with contextlib.suppress(Exception):
            pool._after_fork_in_child()


atexit.register(_close_all)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
