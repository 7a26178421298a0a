"""Process limits: resource limits (memory, CPU, file size, processes) and Linux process controls.

Everything here applies to the *calling* process (used right after a fork, in the child).

>>> describe_signal(9)
'killed by SIGKILL'
>>> describe_exit_status(256)
'exit code 1'
"""

from __future__ import annotations

import ctypes
import ctypes.util
import math
import os
import resource
import signal

__all__ = [
    "cpu_time_used",
    "describe_exit_status",
    "describe_signal",
    "set_cpu_limit",
    "set_limit",
    "set_memory_limit",
    "set_parent_death_signal",
]

_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36
_PR_SET_NO_NEW_PRIVS = 38
_libc = None


def _prctl(option: int, arg: int) -> bool:
    global _libc
    try:
        if _libc is None:
            _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return _libc.prctl(option, ctypes.c_ulong(arg), 0, 0, 0) == 0
    except (OSError, AttributeError):  # not Linux
        return False


def set_parent_death_signal(sig: int = signal.SIGKILL) -> bool:
    """Ask the kernel to send ``sig`` to this process when its parent dies (Linux)."""
    return _prctl(_PR_SET_PDEATHSIG, int(sig))


def set_child_subreaper() -> bool:
    """Orphaned descendants of this process are re-parented to it (so it can kill and reap them)."""
    return _prctl(_PR_SET_CHILD_SUBREAPER, 1)


def set_no_new_privs() -> bool:
    """This process and its children can never gain privileges (setuid binaries, file caps)."""
    return _prctl(_PR_SET_NO_NEW_PRIVS, 1)


def set_limit(which: int, value: int | None, *, hard: bool = True) -> None:
    """Set a resource limit; ``hard=True`` sets soft and hard (a program cannot raise it again).

    ``None`` leaves the limit as it is. A value above the current hard limit is clamped to it.
    """
    if value is None:
        return
    _soft, cur_hard = resource.getrlimit(which)
    value = int(value)
    if cur_hard != resource.RLIM_INFINITY:
        value = min(value, cur_hard)
    resource.setrlimit(which, (value, value if hard else cur_hard))


def set_memory_limit(memory_mb: int | None, *, hard: bool = True) -> None:
    """Cap the address space (RLIMIT_AS) at ``memory_mb`` MiB."""
    if memory_mb is not None:
        set_limit(resource.RLIMIT_AS, int(memory_mb) * 1024 * 1024, hard=hard)


def cpu_time_used() -> float:
    """CPU seconds (user + system) this process has used so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def set_cpu_limit(seconds: float | None) -> None:
    """Let this process use ``seconds`` more CPU time from now (soft RLIMIT_CPU; SIGXCPU kills it).

    RLIMIT_CPU counts the process's whole life, so a reused worker sets it before each task to
    ``used + seconds``. ``None`` lifts the soft limit back to the hard limit.
    """
    _soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if seconds is None:
        resource.setrlimit(resource.RLIMIT_CPU, (hard, hard))
        return
    target = math.ceil(cpu_time_used() + max(1.0, float(seconds)))
    if hard != resource.RLIM_INFINITY:
        target = min(target, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (target, hard))


def describe_signal(signum: int) -> str:
    try:
        name = signal.Signals(signum).name
    except ValueError:
        name = f"signal {signum}"
    return f"killed by {name}"


def describe_exit_status(status: int) -> str:
    """A wait status (``os.waitpid``) as words: ``exit code 3``, ``killed by SIGSEGV``."""
    if os.WIFSIGNALED(status):
        return describe_signal(os.WTERMSIG(status))
    if os.WIFEXITED(status):
        return f"exit code {os.WEXITSTATUS(status)}"
    return f"wait status {status}"
