"""The checker's handle on a sandbox: starts the fork server inside the isolation, spawns and
finishes program processes.

>>> sb = Sandbox(isolation="rlimits-only")
>>> run = sb.run_stdio("print(sum(map(int, input().split())))", "2 3\\n", SandboxLimits(cpu_seconds=5))
>>> run.stdout, run.status
('5\\n', 'exit code 0')
>>> sb.close()
"""

from __future__ import annotations

import contextlib
import functools
import marshal
import os
import pickle
import selectors
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..limits import describe_signal
from ..wire import close_process_channel, wait_readable
from .cgroups import SandboxCgroup, make_sandbox_cgroup, remove_sandbox_cgroup
from .errors import SandboxError
from .isolation import IsolationPlan, detect_isolation
from .protocol import COMPILE_FLAGS, CONTROL_MAX, FRAME_HEADER

__all__ = [
    "DEFAULT_PRELOAD",
    "MEMORY_LIMITS",
    "ProgramHandle",
    "Sandbox",
    "SandboxLimits",
    "StdioRun",
    "describe_finish",
]

ZYGOTE = Path(__file__).with_name("zygote.py")
# How the fork server starts: ``python -I -c ZYGOTE_BOOT zygote.py FD CFG`` loads zygote.py from
# its bytecode in __pycache__ (``_compile_zygote`` puts it there). Run as a script it would be
# compiled from source at every start, and the compiler's garbage (~1.5 MB) would stay in the
# memory that every program process is forked from -- and every fork and exit would pay for it.
ZYGOTE_BOOT = (
    "import sys, importlib.util as u\n"
    "s = u.spec_from_file_location('_rewardlab_zygote', sys.argv[1])\n"
    "m = u.module_from_spec(s)\n"
    "sys.modules[s.name] = m\n"
    "s.loader.exec_module(m)\n"
    "m.main(int(sys.argv[2]), sys.argv[3])\n"
)
# Programs up to this size are compiled here and sent as bytecode (the compiler's memory then
# costs the long-lived checker, not each freshly forked program process); see zygote.program_code.
PRECOMPILE_MAX_CHARS = 64 * 1024

# Modules imported once in the fork server, so programs that import them pay nothing. Every
# module here is also mapped into every program process: it costs each run's fork, exit and
# copy-on-write faults whether the program uses it or not (measured on HumanEval: the former,
# longer list -- dataclasses, datetime, decimal, fractions, hashlib, json, random, statistics,
# copy -- cost every run ~12% more fork-server + program CPU). So only what most programs import;
# a program importing anything else imports it itself, in its own process.
DEFAULT_PRELOAD = (
    "array",
    "bisect",
    "cmath",
    "collections",
    "functools",
    "heapq",
    "itertools",
    "math",
    "operator",
    "re",
    "string",
    "typing",
    "unicodedata",
)


# How ``memory_mb`` binds all the processes of a run together (``Sandbox(memory_limit=...)``).
MEMORY_LIMITS = ("auto", "cgroup", "accounting")


@dataclass(frozen=True)
class SandboxLimits:
    """Hard limits of one program run.

    ``cpu_seconds``: RLIMIT_CPU of each process (the wall-clock deadline is the checker's, per test).

    ``memory_mb``: memory of the whole program -- all the processes of the run together -- and
    of each of its processes (address space, RLIMIT_AS, which also stops a single process
    between two checks). How the total is bound (``Sandbox.describe()["memory_limit"]``):

    - ``cgroup v2`` / ``cgroup v1``: the run's own memory cgroup (``memory.max`` with
      ``memory.swap.max`` = 0, or ``memory.limit_in_bytes`` = ``memory.memsw.limit_in_bytes``).
      The kernel never lets the run hold more: its processes' memory, its files in the sandbox's
      ``/tmp``, its shared memory all count. On excess the kernel kills the run (v2: every process,
      ``memory.oom.group``; v1: the process it picks) and the run's status is a memory-limit failure.
    - ``accounting`` (no usable memory cgroup): the fork server adds up the run's memory -- resident
      sets (proportional sets when those pass the limit, so pages shared after a fork count once)
      plus what the sandbox's ``/tmp`` holds -- 10 ms after the program starts and every 10 ms
      after, and kills every process of the run past ``memory_mb``, reported the same way. Between
      two checks a run can go over by what it allocates in 10 ms; each process stays under
      RLIMIT_AS. Memory no process shows (System V shared memory, message queues, memfd) is denied
      by the program filter where it is installed.

    ``file_size_mb``: largest file it may write (RLIMIT_FSIZE). ``processes``: processes and
    threads the run may have (RLIMIT_NPROC per uid, each run having a uid of its own as root; under
    accounting also counted at each check, the run killed past it; ``pids.max`` under cgroup v2
    where the pids controller is delegated). ``open_files``: RLIMIT_NOFILE of each process.
    """

    cpu_seconds: float = 10.0
    memory_mb: int = 1024
    file_size_mb: int = 16
    processes: int = 16
    open_files: int = 128

    def as_dict(self) -> dict[str, Any]:
        return {
            "cpu_seconds": float(self.cpu_seconds),
            "memory_mb": int(self.memory_mb),
            "file_size_mb": int(self.file_size_mb),
            "processes": int(self.processes),
            "open_files": int(self.open_files),
        }


@dataclass
class StdioRun:
    """What a program run on stdin/stdout did."""

    stdout: str
    stderr: str
    status: str  # "exit code 0", "killed by SIGKILL", ...
    exit_code: int | None
    timed_out: bool
    output_truncated: bool
    seconds: float
    finish: dict[str, Any] = field(default_factory=dict)


@dataclass
class ProgramHandle:
    """A program process handed to the checker: its run id, its channel, and a pidfd (Linux) that
    becomes readable when the process exits."""

    run_id: int
    sock: socket.socket
    pidfd: int | None = None
    workdir: str = ""

    @classmethod
    def of(cls, run_id: int, fds: list[int], workdir: str | None = None) -> ProgramHandle:
        return cls(run_id, socket.socket(fileno=fds[0]), fds[1] if len(fds) > 1 else None, workdir or "")

    def close(self) -> None:
        close_process_channel(self.sock, self.pidfd)
        self.pidfd = None


def describe_finish(finish: dict[str, Any]) -> str:
    """How a run ended, in words: ``exit code 0``, ``killed by SIGKILL``, or, when the sandbox
    stopped it for its limits, ``MemoryError: ...`` (the words a program's own MemoryError
    starts with) / ``BlockingIOError: ...`` (those of a refused fork)."""
    memory = finish.get("memory_limit")
    if isinstance(memory, dict):
        used, limit = memory.get("used_mb"), memory.get("limit_mb")
        figures = f" ({used} MiB in use, limit {limit} MiB" if used is not None else f" (limit {limit} MiB"
        figures += f"; {memory.get('mechanism', '?')})"
        return f"MemoryError: the program's processes together exceeded the memory limit and were killed{figures}"
    processes = finish.get("process_limit")
    if isinstance(processes, dict):
        return (
            "BlockingIOError: the program ran more processes and threads than allowed and was killed"
            f" ({processes.get('used')} of {processes.get('limit')})"
        )
    if "signal" in finish:
        return describe_signal(int(finish["signal"]))
    if "exit_code" in finish:
        return f"exit code {finish['exit_code']}"
    return finish.get("error", "unknown")


class Sandbox:
    """A fork server inside the strongest isolation available (see ``isolation``).

    Parameters: ``isolation`` ("auto", "bwrap", "netns", "rlimits-only"); ``packages``:
    installed packages programs may import (bubblewrap exposes only the standard library
    otherwise); ``preload``: modules imported once in the fork server; ``disk_mb``: size of the
    private /tmp; ``memory_limit``: how ``memory_mb`` binds a run's processes together ("auto":
    a cgroup per run where this process's memory cgroup allows one, else accounting; "cgroup" /
    "accounting": only that, "cgroup" failing at start where none is usable; see
    :class:`SandboxLimits`; ``REWARDLAB_SANDBOX_MEMORY_LIMIT`` forces one for "auto"). Not
    thread-safe for concurrent runs: one checker uses one sandbox.
    """

    def __init__(
        self,
        isolation: str = "auto",
        *,
        packages: tuple[str, ...] = (),
        preload: tuple[str, ...] = DEFAULT_PRELOAD,
        disk_mb: int = 256,
        start_timeout: float = 30.0,
        memory_limit: str = "auto",
    ) -> None:
        if memory_limit == "auto":
            memory_limit = os.environ.get("REWARDLAB_SANDBOX_MEMORY_LIMIT") or "auto"
        if memory_limit not in MEMORY_LIMITS:
            raise ValueError(f"memory_limit must be one of {', '.join(MEMORY_LIMITS)}; got {memory_limit!r}")
        self.memory_limit = memory_limit
        self._cgroup: SandboxCgroup | None = None
        self.requested = isolation
        self.packages = tuple(packages)
        self.preload = tuple(preload) + self.packages
        self.disk_mb = int(disk_mb)
        self.start_timeout = start_timeout
        self.plan: IsolationPlan | None = None
        self.info: dict[str, Any] = {}
        self.restarts = 0
        self._proc: subprocess.Popen[bytes] | None = None
        self._control: socket.socket | None = None
        self._lock = threading.RLock()
        self._run_ids = 0
        self._pending = 0
        self._spares: deque[ProgramHandle] = deque()
        self._finished: dict[int, dict[str, Any]] = {}
        self._unwanted: set[int] = set()  # runs finished without waiting: their status is not kept
        self._broken = ""  # a clean-up failed in the running fork server: start a new one first
        self.cleanup_failures = 0
        self._stderr: Any = None  # the fork server's stderr (a file, not a pipe: nothing to hold open)

    # ---- lifecycle ---------------------------------------------------------------------------
    @property
    def isolation(self) -> str:
        """The isolation in use ("bwrap", "netns" or "rlimits-only"); starts the sandbox if needed."""
        self._ensure()
        assert self.plan is not None
        return self.plan.kind

    def describe(self) -> dict[str, Any]:
        self._ensure()
        assert self.plan is not None
        return {
            **self.plan.describe(),
            "separate_uid": bool(self.info.get("separate_uid")),
            "seccomp": bool(self.info.get("seccomp")),
            "memory_limit": str(self.info.get("memory_limit", "")),
            **({"memory_note": str(self.info["memory_note"])} if self.info.get("memory_note") else {}),
            **({"memory_cgroup": self._cgroup.path} if self._cgroup is not None and self._memory_cgroup_used() else {}),
        }

    def _memory_cgroup_used(self) -> bool:
        return str(self.info.get("memory_limit", "")).startswith("cgroup")

    def start(self) -> Sandbox:
        self._ensure()
        return self

    def _ensure(self) -> None:
        if not self._broken and self._proc is not None and self._proc.poll() is None and self._control is not None:
            return
        with self._lock:
            if self._proc is not None:
                self.restarts += 1
                self._stop()
            self._broken = ""
            self._start()

    def _start(self) -> None:
        if self.plan is None:
            self.plan = detect_isolation(self.requested, disk_mb=self.disk_mb, packages=self.packages)
        plan = self.plan
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        cfg = {
            "isolation": plan.kind,
            "preload": self.preload,
            "disk_mb": self.disk_mb,
            "setuid": True,
            "spares": True,
            "root_binds": plan.root_binds,
            "system_dirs": plan.system_dirs,
            # what programs running under another uid must be able to read
            "expose": sorted(
                {
                    os.path.realpath(sys.base_prefix),
                    os.path.realpath(sys.prefix),
                    os.path.dirname(os.path.realpath(sys.executable)),
                }
            ),
        }
        _compile_zygote()
        # The fork server watches a pidfd of this process: it stops as soon as the checker is gone,
        # even where a forked child of the checker still holds the control channel.
        checker = -1
        with contextlib.suppress(AttributeError, OSError):
            checker = os.pidfd_open(os.getpid())
        cfg["checker_fd"] = checker
        cfg["memory_limit"] = self.memory_limit
        passed = [theirs.fileno(), *([checker] if checker >= 0 else [])]
        if self.memory_limit != "accounting":
            made = make_sandbox_cgroup()
            if isinstance(made, SandboxCgroup):
                self._cgroup = made
                cfg["cgroup"] = {"version": made.version, "fd": made.fd, "parent_fd": made.parent_fd, "name": made.name}
                passed += [made.fd, made.parent_fd]
            else:
                cfg["cgroup_note"] = made or "no memory cgroup"
                if self.memory_limit == "cgroup":
                    ours.close()
                    theirs.close()
                    if checker >= 0:
                        os.close(checker)
                    raise SandboxError(f"memory_limit='cgroup' but {cfg['cgroup_note']}")
        argv = [*plan.argv_prefix, sys.executable, "-I", "-c", ZYGOTE_BOOT, str(ZYGOTE), str(theirs.fileno())]
        argv.append(pickle.dumps(cfg, protocol=pickle.HIGHEST_PROTOCOL).hex())
        import tempfile

        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - open as long as the fork server runs
        try:
            # stdout and stderr are no pipe of ours: `rewardlab score | cat` must not wait for the sandbox.
            self._proc = subprocess.Popen(
                argv,
                pass_fds=passed,
                env=plan.env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=self._stderr,
                start_new_session=True,
                cwd="/",
            )
        except OSError as exc:
            ours.close()
            theirs.close()
            self._stderr.close()
            self._stderr = None
            self._remove_cgroup()
            raise SandboxError(f"could not start the sandbox ({plan.kind}): {exc}") from exc
        finally:
            if checker >= 0:
                os.close(checker)
        theirs.close()
        self._control = ours
        try:
            if not wait_readable(ours.fileno(), time.monotonic() + self.start_timeout):
                raise SandboxError(f"the sandbox ({plan.kind}) did not start within {self.start_timeout:g} s")
            data = ours.recv(CONTROL_MAX)
            if not data:
                raise SandboxError(f"the sandbox ({plan.kind}) exited while starting{self._stderr_tail()}")
            reply = pickle.loads(data)
        except SandboxError:
            self._stop()
            raise
        if reply[0] != "ready":
            self._stop()
            raise SandboxError(f"the sandbox ({plan.kind}) failed to start: {reply[1] if len(reply) > 1 else reply}")
        self.info = dict(reply[1])
        if self.memory_limit == "cgroup" and not str(self.info.get("memory_limit", "")).startswith("cgroup"):
            note = self.info.get("memory_note", "")
            self._stop()
            raise SandboxError(f"memory_limit='cgroup' but the sandbox cannot use one: {note}")

    def _remove_cgroup(self) -> None:
        """Remove the sandbox's cgroup (the fork server removes the run cgroups and, when it can,
        this one too; what it left is removed here)."""
        made, self._cgroup = self._cgroup, None
        if made is not None:
            remove_sandbox_cgroup(made)

    def _stderr_tail(self) -> str:
        """The end of what the fork server wrote to stderr, for an error message ("" when nothing)."""
        stream = self._stderr
        if stream is None:
            return ""
        try:
            stream.seek(0, os.SEEK_END)
            size = stream.tell()
            stream.seek(max(0, size - 2000))
            text = stream.read().decode("utf-8", errors="replace").strip()
        except (OSError, ValueError):
            return ""
        return f": {text}" if text else ""

    def _stop(self) -> None:
        self._reset()
        control, self._control = self._control, None
        if control is not None:
            with contextlib.suppress(OSError):
                control.close()
        proc, self._proc = self._proc, None
        if proc is not None:
            try:
                proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                # Kill the namespace's first process too: that kills everything inside it (bubblewrap's
                # inner processes are in sessions of their own, out of reach of killpg).
                _kill_tree(proc.pid)
                with contextlib.suppress(OSError):
                    os.killpg(proc.pid, 9)
                proc.kill()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=5)
        stream, self._stderr = self._stderr, None
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()
        workroot = self.info.get("workroot")
        if workroot and os.path.isdir(workroot):  # the fork server may have died before cleaning up
            _remove_workroot(workroot)
        self._remove_cgroup()

    def close(self) -> None:
        """Stop the fork server; it kills whatever program is still running."""
        with self._lock:
            self._stop()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def healthy(self) -> bool:
        """Whether the fork server answers (restarting it is left to the next run)."""
        try:
            return self._request(("ping",), [], 5.0)[0] == "pong"
        except SandboxError:
            return False

    # ---- control channel ---------------------------------------------------------------------
    # Replies come back in request order. A "finish" may be sent without waiting for its reply
    # (``_pending``); every reply is processed by ``_read_reply`` whenever it is read: finish
    # statuses are kept in ``_finished`` and prefetched program processes in ``_spares``.
    def _send(self, message: tuple[Any, ...], fds: list[int] | None = None) -> None:
        control = self._control
        if control is None:
            raise SandboxError("the sandbox is not running")
        payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            if fds:
                socket.send_fds(control, [payload], fds)
            else:
                control.sendall(payload)
        except OSError as exc:
            raise SandboxError(f"the sandbox's fork server is gone: {exc}") from None
        self._pending += 1

    def _read_reply(self, deadline: float | None) -> tuple[Any, ...]:
        control = self._control
        if control is None:
            raise SandboxError("the sandbox is not running")
        if deadline is not None and not wait_readable(control.fileno(), deadline):
            raise SandboxError("the sandbox's fork server did not answer in time")
        try:
            data, fds, _flags, _addr = socket.recv_fds(control, CONTROL_MAX, 4)
        except OSError as exc:
            raise SandboxError(f"the sandbox's fork server is gone: {exc}") from None
        if not data:
            for fd in fds:
                os.close(fd)
            raise SandboxError("the sandbox's fork server exited")
        self._pending -= 1
        reply = pickle.loads(data)
        tag = reply[0]
        if tag == "taken" and fds:
            self._spares.append(ProgramHandle.of(reply[1], fds, reply[3]))
        elif tag == "finished":
            if reply[2].get("cleanup_error"):
                # This fork server serves no other run: the next one gets a new sandbox.
                self._broken = str(reply[2]["cleanup_error"])
                self.cleanup_failures += 1
            if reply[1] in self._unwanted:
                self._unwanted.discard(reply[1])
            else:
                self._finished[reply[1]] = dict(reply[2])
            if reply[3] is not None and fds:
                self._spares.append(ProgramHandle.of(reply[3], fds, reply[5]))
        else:
            for fd in fds:
                os.close(fd)
            if tag == "error":  # the fork server refused (a failed clean-up) or failed: replace it
                self._broken = str(reply[1:])
                if "cannot serve another run" in self._broken:
                    self.cleanup_failures += 1
        return reply

    def _drain(self, block: bool) -> None:
        """Process replies already waiting (or all pending ones when ``block``)."""
        control = self._control
        while self._pending > 0 and control is not None:
            if not block and not wait_readable(control.fileno(), time.monotonic()):
                return
            self._read_reply(time.monotonic() + 60.0)

    def _reset(self) -> None:
        """Forget everything about the current fork server (it died or is being stopped)."""
        for handle in self._spares:
            handle.close()
        self._spares.clear()
        self._pending = 0
        self._finished.clear()
        self._unwanted.clear()

    def _request(self, message: tuple[Any, ...], fds: list[int], timeout: float) -> tuple[Any, ...]:
        """Send one request and wait for its own reply (after any earlier pending ones)."""
        with self._lock:
            self._ensure()
            try:
                self._drain(block=True)
                self._send(message, fds)
                return self._read_reply(time.monotonic() + timeout)
            except SandboxError:
                self.restarts += 1
                self._stop()
                raise

    def _next_id(self) -> int:
        self._run_ids += 1
        return self._run_ids

    def _take(self) -> ProgramHandle:
        """A program process waiting for its program (prefetched when possible)."""
        with self._lock:
            for attempt in range(2):
                self._ensure()
                try:
                    self._drain(block=not self._spares)
                    if not self._spares:
                        run_id = self._next_id()
                        self._send(("take", run_id))
                        reply = self._read_reply(time.monotonic() + 30.0)
                        if reply[0] != "taken":
                            raise SandboxError(f"the sandbox's fork server refused a run: {reply[1:]}")
                    return self._spares.popleft()
                except SandboxError:
                    # The fork server died (or a program killed it, where isolation allows it):
                    # start a new one once.
                    self.restarts += 1
                    self._stop()
                    if attempt:
                        raise
            raise AssertionError("unreachable")  # pragma: no cover

    def _start_program(self, spec: dict[str, Any], fds: list[int]) -> ProgramHandle:
        for attempt in range(2):
            handle = self._take()
            message = _program_message(spec, handle.workdir)
            try:
                if fds:
                    socket.send_fds(handle.sock, [message], fds)
                else:
                    handle.sock.sendall(message)
                return handle
            except OSError:  # the waiting process died before it got its program: take another
                handle.close()
                self.finish(handle.run_id, 0.0, wait=False)
                if attempt:
                    raise SandboxError("could not hand the program to a program process") from None
        raise AssertionError("unreachable")  # pragma: no cover

    # ---- runs --------------------------------------------------------------------------------
    def spawn_rpc(
        self, code: str, limits: SandboxLimits, *, module: str = "solution", nonce: bytes = b""
    ) -> ProgramHandle:
        """Start a program process that loads ``code`` as ``module`` and answers calls on its socket.

        Its greeting (``loaded`` / ``load_error``) carries ``nonce``.
        """
        spec = {"mode": "rpc", "code": code, "module": module, "limits": limits.as_dict(), "nonce": nonce}
        return self._start_program(spec, [])

    def finish(self, run_id: int, wait_s: float = 0.0, *, wait: bool = True) -> dict[str, Any] | None:
        """Wait up to ``wait_s`` for the run to exit, then kill it and everything it started.

        Returns how it ended; with ``wait=False`` returns None at once (the fork server cleans up
        while the caller goes on) -- the next request reads that reply first.
        """
        with self._lock:
            if self._control is None:
                return {"error": "the sandbox is not running", "killed": True}
            take_id = self._next_id() if self.info.get("spares") and not self._spares else None
            try:
                # Without ``wait`` the fork server kills the run, answers, and cleans up after.
                self._send(("finish", run_id, float(wait_s), take_id, wait))
                if not wait:
                    self._unwanted.add(run_id)
                    if take_id is not None:
                        # the program process comes in a reply of its own, once the run is cleaned up
                        self._pending += 1
                    return None
                deadline = time.monotonic() + wait_s + 30.0
                while run_id not in self._finished:
                    self._read_reply(deadline)
            except SandboxError as exc:
                self.restarts += 1
                self._stop()
                return {"error": str(exc), "killed": True}
            return self._finished.pop(run_id)

    def run_stdio(
        self,
        code: str,
        stdin: str,
        limits: SandboxLimits,
        *,
        timeout: float | None = None,
        max_output_bytes: int = 4 * 1024 * 1024,
    ) -> StdioRun:
        """Run ``code`` as ``__main__`` with ``stdin``; wall-clock ``timeout`` (default: the CPU limit + 1 s)."""
        timeout = float(timeout if timeout is not None else limits.cpu_seconds + 1.0)
        in_r, in_w = os.pipe()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        spec = {"mode": "stdio", "code": code, "limits": limits.as_dict()}
        start = time.monotonic()
        try:
            handle = self._start_program(spec, [in_r, out_w, err_w])
        except BaseException:
            for fd in (in_w, out_r, err_r):
                os.close(fd)
            raise
        finally:
            for fd in (in_r, out_w, err_w):
                os.close(fd)
        handle.sock.close()
        run_id = handle.run_id
        deadline = start + timeout
        try:
            stdout, stderr, timed_out, truncated = _pump(
                in_w, stdin.encode("utf-8"), out_r, err_r, deadline, max_output_bytes, handle.pidfd
            )
        finally:
            handle.close()
        wait_s = 0.0 if (timed_out or truncated) else max(0.0, deadline - time.monotonic())
        finish = self.finish(run_id, wait_s) or {}
        over = "memory_limit" in finish or "process_limit" in finish
        if finish.get("killed") and not truncated and "exit_code" not in finish and not over:
            timed_out = True
        seconds = time.monotonic() - start
        return StdioRun(
            stdout=stdout.decode("utf-8", errors="replace"),
            stderr=stderr.decode("utf-8", errors="replace")[-4000:],
            status="timeout" if timed_out else describe_finish(finish),
            exit_code=finish.get("exit_code"),
            timed_out=timed_out,
            output_truncated=truncated,
            seconds=seconds,
            finish=finish,
        )


@functools.cache  # once per process
def _compile_zygote() -> None:
    """Put the bytecode of zygote.py and of the modules it loads next to it (``protocol``,
    ``fsclean``, ``confine``, ``cgroups``) in their __pycache__ when it is missing or stale (also under
    PYTHONDONTWRITEBYTECODE; where the directory is read-only the fork server compiles the
    source itself, and trims its heap after)."""
    import importlib.util
    import py_compile

    for path in (ZYGOTE, *(ZYGOTE.with_name(f"{name}.py") for name in ("protocol", "fsclean", "confine", "cgroups"))):
        with contextlib.suppress(Exception):
            cached = importlib.util.cache_from_source(str(path))
            source = os.stat(path)
            try:
                with open(cached, "rb") as f:
                    head = f.read(16)
            except OSError:
                head = b""
            fresh = (
                head[:4] == importlib.util.MAGIC_NUMBER
                and head[4:8] == b"\0\0\0\0"  # timestamp-based
                and int.from_bytes(head[8:12], "little") == int(source.st_mtime) & 0xFFFFFFFF
                and int.from_bytes(head[12:16], "little") == source.st_size & 0xFFFFFFFF
            )
            if not fresh:
                py_compile.compile(str(path), cfile=cached, doraise=False, quiet=2)


def _kill_tree(pid: int) -> None:
    """SIGKILL ``pid``'s descendants (deepest last: the first process of a pid namespace takes the
    rest of it down), from /proc/PID/task/TID/children."""
    seen: list[int] = []
    stack = [pid]
    while stack:
        parent = stack.pop()
        try:
            tasks = os.listdir(f"/proc/{parent}/task")
        except OSError:
            continue
        for tid in tasks:
            try:
                with open(f"/proc/{parent}/task/{tid}/children", "rb") as f:
                    children = [int(c) for c in f.read().split()]
            except (OSError, ValueError):
                continue
            seen.extend(children)
            stack.extend(children)
    for child in seen:
        with contextlib.suppress(OSError):
            os.kill(child, 9)


def _remove_workroot(workroot: str) -> None:
    """Remove an rlimits-only work root the fork server left (never following what a program made)."""
    from .fsclean import remove_entry

    with contextlib.suppress(OSError):
        parent = os.open(os.path.dirname(workroot), os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            remove_entry(parent, os.path.basename(workroot))
        finally:
            os.close(parent)


def _program_message(spec: dict[str, Any], workdir: str) -> bytes:
    """The framed program message for a program process working in ``workdir``: the spec, with
    the program compiled here when it is small and compiles (a syntax error is left for the
    program process to report, as for any program it compiles itself)."""
    code = spec.get("code")
    if workdir and isinstance(code, str) and len(code) <= PRECOMPILE_MAX_CHARS:
        try:
            compiled = compile(code, f"{workdir}/solution.py", "exec", flags=COMPILE_FLAGS, dont_inherit=True)
        except Exception:
            pass
        else:
            spec = {**spec, "bytecode": marshal.dumps(compiled)}
    payload = pickle.dumps(spec, protocol=pickle.HIGHEST_PROTOCOL)
    return FRAME_HEADER.pack(len(payload)) + payload


def _pump(
    in_w: int, data: bytes, out_r: int, err_r: int, deadline: float, max_output: int, pidfd: int | None = None
) -> tuple[bytes, bytes, bool, bool]:
    """Feed stdin and collect stdout/stderr until both close or the program process exits (its
    children may hold the pipes open), the deadline, or too much output."""
    for fd in (in_w, out_r, err_r):
        os.set_blocking(fd, False)
    sel = selectors.DefaultSelector()
    out, err = bytearray(), bytearray()
    pending = memoryview(data)
    if pending:
        sel.register(in_w, selectors.EVENT_WRITE)
    else:
        os.close(in_w)
        in_w = -1
    sel.register(out_r, selectors.EVENT_READ)
    sel.register(err_r, selectors.EVENT_READ)
    if pidfd is not None:
        sel.register(pidfd, selectors.EVENT_READ)
    open_reads = 2
    timed_out = truncated = False
    try:
        while open_reads:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                timed_out = True
                break
            events = sel.select(remaining)
            if pidfd is not None and any(key.fd == pidfd for key, _ in events):
                # The program process ended: take what it wrote, ignore what its children hold open.
                for fd, buf in ((out_r, out), (err_r, err)):
                    while True:
                        try:
                            chunk = os.read(fd, 65536)
                        except (BlockingIOError, OSError):
                            break
                        if not chunk:
                            break
                        buf += chunk
                        if fd == out_r and len(out) > max_output:
                            truncated = True
                            del out[max_output:]
                            break
                break
            for key, _ in events:
                fd = key.fd
                if fd == in_w:
                    try:
                        n = os.write(in_w, pending[:65536])
                        pending = pending[n:]
                    except BlockingIOError:
                        continue
                    except (BrokenPipeError, OSError):
                        pending = pending[:0]
                    if not pending:
                        sel.unregister(in_w)
                        os.close(in_w)
                        in_w = -1
                    continue
                try:
                    chunk = os.read(fd, 65536)
                except BlockingIOError:
                    continue
                if not chunk:
                    sel.unregister(fd)
                    open_reads -= 1
                    continue
                buf = out if fd == out_r else err
                buf += chunk
                if fd == out_r and len(out) > max_output:
                    truncated = True
                    del out[max_output:]
                    open_reads = 0
                    break
                if len(err) > 64 * 1024:
                    del err[: len(err) - 64 * 1024]
    finally:
        sel.close()
        for fd in (in_w, out_r, err_r):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
    return bytes(out), bytes(err), timed_out, truncated
