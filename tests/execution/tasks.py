"""Top-level functions the pool tests run in worker processes (they must be importable by name)."""

from __future__ import annotations

import ctypes
import os
import time

STATE: dict[str, int] = {}


class CustomError(Exception):
    def __init__(self, code: int, where: str) -> None:  # two required arguments: does not unpickle
        super().__init__(f"custom failure {code} in {where}")
        self.code = code


def add(a: int, b: int) -> int:
    return a + b


def pid() -> int:
    return os.getpid()


def sleep_then(seconds: float, value: object = None) -> object:
    time.sleep(seconds)
    return value


def spin() -> None:
    while True:
        pass


def fail(message: str) -> None:
    raise ValueError(message)


def fail_custom(code: int) -> None:
    raise CustomError(code, "task")


def segfault() -> None:
    ctypes.string_at(0)


def hard_exit(code: int) -> None:
    os._exit(code)


def allocate_mb(n: int) -> int:
    block = bytearray(n * 1024 * 1024)
    return len(block)


def unpicklable_result() -> object:
    return lambda: None


def big_result(n: int) -> bytes:
    return b"x" * n


def exit_task() -> None:
    raise SystemExit(3)


def set_state(value: int) -> None:
    STATE["value"] = value


def get_state() -> int | None:
    return STATE.get("value")


def init_state(value: int) -> None:
    STATE["value"] = value


def failing_init() -> None:
    raise RuntimeError("initializer exploded")


def count_tasks() -> int:
    STATE["n"] = STATE.get("n", 0) + 1
    return STATE["n"]


def timed_sleep(seconds: float) -> tuple[int, float, float]:
    """(pid, start, end) of a sleep, on the machine-wide monotonic clock."""
    start = time.monotonic()
    time.sleep(seconds)
    return os.getpid(), start, time.monotonic()


def address_space_limits() -> tuple[int, int]:
    import resource

    return resource.getrlimit(resource.RLIMIT_AS)


def child_address_space_after_raising() -> str:
    """A process the worker starts raises its own soft address-space limit to the hard one."""
    import subprocess
    import sys

    code = (
        "import resource; soft, hard = resource.getrlimit(resource.RLIMIT_AS); "
        "resource.setrlimit(resource.RLIMIT_AS, (hard, hard)); print(resource.getrlimit(resource.RLIMIT_AS)[0])"
    )
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60).stdout.strip()


def spin_under_cpu_timer(seconds: float) -> None:
    """Arm the process's CPU-time timer (SIGPROF ends the process) and spin in one C call."""
    import signal

    signal.setitimer(signal.ITIMER_PROF, seconds)
    sum(range(10**13))
