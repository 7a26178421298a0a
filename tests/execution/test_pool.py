"""The worker pool: values, exceptions, hard timeouts, crashes, limits, recycling, shutdown."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rewardlab.core.errors import RewardTimeout
from rewardlab.execution import InputTooLarge, OutputTooLarge, PoolClosed, RemoteError, WorkerCrashed, WorkerPool

from . import tasks

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def pool():
    with WorkerPool(size=2, memory_mb=512, name="test") as p:
        yield p


def alive(pid: int) -> bool:
    """True when the process exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def wait_gone(pids: list[int], seconds: float = 10.0) -> list[int]:
    deadline = time.monotonic() + seconds
    left = [p for p in pids if alive(p)]
    while left and time.monotonic() < deadline:
        time.sleep(0.05)
        left = [p for p in left if alive(p)]
    return left


def test_call_returns_value_and_runs_in_another_process(pool):
    assert pool.call(tasks.add, 2, 3) == 5
    assert pool.call(tasks.pid) != os.getpid()
    assert pool.call(tasks.sleep_then, 0, value={"a": [1, 2]}) == {"a": [1, 2]}


def test_exceptions_are_reraised_with_their_type(pool):
    with pytest.raises(ValueError, match="bad input") as info:
        pool.call(tasks.fail, "bad input")
    assert "fail" in info.value.remote_traceback
    # An exception that does not unpickle comes back as RemoteError with its type and message.
    with pytest.raises(RemoteError, match="CustomError: custom failure 7 in task"):
        pool.call(tasks.fail_custom, 7)
    # SystemExit in a task must not stop the caller.
    with pytest.raises(RemoteError, match="SystemExit"):
        pool.call(tasks.exit_task)
    assert pool.call(tasks.add, 1, 1) == 2


def test_timeout_kills_and_replaces_the_worker(pool):
    before = pool.stats()
    with pytest.raises(RewardTimeout, match=r"ran past its 0\.3 s limit"):
        pool.call(tasks.spin, timeout=0.3)
    assert pool.call(tasks.add, 20, 22) == 42
    assert pool.stats().timeouts == before.timeouts + 1
    deadline = time.monotonic() + 10  # the replacement is started in the background
    while pool.stats().restarts < before.restarts + 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert pool.stats().restarts >= before.restarts + 1
    assert pool.stats().alive == 2


def test_timeout_is_not_an_exception_that_user_code_can_swallow():
    assert not issubclass(RewardTimeout, Exception)


def test_crashed_worker_is_reported_and_replaced(pool):
    with pytest.raises(WorkerCrashed, match="SIGSEGV") as info:
        pool.call(tasks.segfault)
    assert info.value.reason == "killed by SIGSEGV"
    with pytest.raises(WorkerCrashed, match="exit code 4"):
        pool.call(tasks.hard_exit, 4)
    assert pool.call(tasks.add, 1, 2) == 3
    stats = pool.stats()
    assert stats.crashes >= 2
    assert "exit code 4" in stats.last_crash


def test_worker_killed_while_idle_is_replaced_transparently():
    with WorkerPool(size=1, name="idle-kill") as p:
        first = p.call(tasks.pid)
        os.kill(first, 9)
        wait_gone([first])
        assert p.call(tasks.add, 3, 4) == 7
        assert p.call(tasks.pid) != first


def test_input_cap_rejects_before_sending():
    with WorkerPool(size=1, max_input_bytes=2000, name="cap") as p:
        assert p.call(len, "x" * 100) == 100
        with pytest.raises(InputTooLarge, match="max_input_bytes") as info:
            p.call(len, "x" * 10_000)
        assert info.value.size > 2000 and info.value.limit == 2000
        assert p.stats().rejected == 1


def test_output_cap_and_unpicklable_result():
    with WorkerPool(size=1, max_output_bytes=10_000, name="out") as p:
        with pytest.raises(OutputTooLarge):
            p.call(tasks.big_result, 100_000)
        with pytest.raises(RemoteError, match="cannot be pickled"):
            p.call(tasks.unpicklable_result)
        assert p.call(tasks.big_result, 10) == b"x" * 10


def test_memory_limit_per_worker():
    with WorkerPool(size=1, memory_mb=300, name="mem") as p:
        with pytest.raises(MemoryError):
            p.call(tasks.allocate_mb, 1024)
        assert p.call(tasks.allocate_mb, 20) == 20 * 1024 * 1024


def test_soft_memory_limit_binds_the_worker_not_what_it_starts():
    """memory_hard=False (the code checkers): the worker is bound, the processes it starts (the
    sandboxes, which give each program its own limit) may raise their soft limit again."""
    with WorkerPool(size=1, memory_mb=300, memory_hard=False, name="soft-mem") as p:
        assert p.call(tasks.address_space_limits) == (300 * 1024 * 1024, -1)
        with pytest.raises(MemoryError):
            p.call(tasks.allocate_mb, 1024)
        assert p.call(tasks.allocate_mb, 20) == 20 * 1024 * 1024
        assert p.call(tasks.child_address_space_after_raising, timeout=60) == "-1"
    with WorkerPool(size=1, memory_mb=300, name="hard-mem") as p:
        assert p.call(tasks.address_space_limits) == (300 * 1024 * 1024, 300 * 1024 * 1024)


def test_a_worker_ended_by_its_own_cpu_timer_is_a_timeout():
    """A task stuck in one C call can only be ended by a signal whose default action kills: a
    worker that dies of SIGPROF (a CPU timer its task armed) timed out, and is replaced."""
    with WorkerPool(size=1, name="cpu-timer") as p:
        with pytest.raises(RewardTimeout, match="SIGPROF"):
            p.call(tasks.spin_under_cpu_timer, 0.3, timeout=60)
        assert p.call(tasks.add, 1, 1) == 2
        stats = p.stats()
        assert stats.timeouts == 1 and stats.crashes == 0


def test_cpu_limit_per_task():
    with WorkerPool(size=1, cpu_seconds=1, name="cpu") as p:
        with pytest.raises(RewardTimeout, match="CPU limit"):
            p.call(tasks.spin, timeout=30)
        assert p.call(tasks.add, 1, 1) == 2
        # The limit is per task, not per worker lifetime.
        for _ in range(3):
            p.call(tasks.sleep_then, 0.01)


def test_map_runs_in_parallel_and_never_raises(pool):
    (pid_a, start_a, end_a), (pid_b, start_b, end_b) = pool.map(tasks.timed_sleep, [(0.3,), (0.3,)], timeout=10)
    assert pid_a != pid_b and start_a < end_b and start_b < end_a  # two workers at the same time
    mixed = pool.map(tasks.add, [(1, 2), ("a", 1), (3, 4)])
    assert mixed[0] == 3 and isinstance(mixed[1], TypeError) and mixed[2] == 7
    timed = pool.map(tasks.sleep_then, [(5, 0), (0, 9)], timeout=0.3)
    assert isinstance(timed[0], RewardTimeout) and timed[1] == 9
    assert pool.map(tasks.pid, [()]) and pool.map(tasks.add, []) == []


def test_worker_recycling_and_initializer():
    with WorkerPool(size=1, max_tasks_per_worker=3, initializer=tasks.init_state, initargs=(41,), name="re") as p:
        assert p.call(tasks.get_state) == 41
        counts = [p.call(tasks.count_tasks) for _ in range(5)]
        assert counts == [1, 2, 1, 2, 3]  # the worker is replaced after 3 tasks
        assert p.call(tasks.get_state) == 41  # the new worker ran the initializer too


def test_failing_initializer_is_reported():
    with (
        WorkerPool(size=1, initializer=tasks.failing_init, name="badinit") as p,
        pytest.raises(Exception, match="initializer exploded"),
    ):
        p.call(tasks.add, 1, 2)


def test_bad_arguments_are_explained():
    with pytest.raises(ValueError, match="size must be >= 1"):
        WorkerPool(size=0)
    with WorkerPool(size=1, name="bad") as p:
        with pytest.raises(TypeError, match="cannot send"):
            p.call(lambda: 1)
        with pytest.raises(ValueError, match="timeout must be > 0"):
            p.call(tasks.add, 1, 2, timeout=0)


def test_close_leaves_no_processes_and_refuses_new_work():
    p = WorkerPool(size=2, name="closing").start()
    pids = [*p.worker_pids(), p.template_pid]
    assert len(pids) == 3 and all(alive(x) for x in pids)
    p.close()
    assert wait_gone(pids) == []
    with pytest.raises(PoolClosed):
        p.call(tasks.add, 1, 2)
    p.close()  # idempotent


SCRIPT = """
import os, sys, time
sys.path.insert(0, {repo!r})
from rewardlab.execution import WorkerPool, default_pool
from tests.execution import tasks
p = WorkerPool(size=2, name="exit").start()
d = default_pool()
print(d.call(tasks.add, 1, 2), flush=True)
print(" ".join(str(x) for x in p.worker_pids() + [p.template_pid] + d.worker_pids() + [d.template_pid]), flush=True)
if {hang}:
    time.sleep(60)
"""


def test_interpreter_exit_leaves_no_workers_and_does_not_hang():
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(repo=str(REPO), hang=False)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.split("\n")
    assert lines[0] == "3"
    pids = [int(x) for x in lines[1].split()]
    assert wait_gone(pids) == []


def test_workers_die_when_the_owning_process_is_killed():
    proc = subprocess.Popen(
        [sys.executable, "-c", SCRIPT.format(repo=str(REPO), hang=True)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout.readline().strip() == "3"
        pids = [int(x) for x in proc.stdout.readline().split()]
        proc.kill()
        proc.wait(10)
        assert wait_gone(pids) == []
    finally:
        proc.kill()
        proc.wait()


def test_stats_are_a_plain_dict_for_metrics(pool):
    pool.call(tasks.add, 1, 1)
    stats = pool.stats().as_dict()
    for key in ("tasks", "ok", "errors", "timeouts", "crashes", "restarts", "alive", "busy", "size"):
        assert key in stats
    assert stats["size"] == 2 and stats["tasks"] >= 1
