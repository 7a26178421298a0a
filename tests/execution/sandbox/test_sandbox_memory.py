"""``memory_mb`` binds the whole program: all the processes of a run together (issue 16, item 6).

Every hostile program here tries to hold more than ``memory_mb`` in several pieces that each fit
under the per-process limit (RLIMIT_AS): children, threads in children, files mapped from the
sandbox's /tmp, a fork bomb within the process cap, calls into an rpc program. Each runs under
every isolation level this machine offers and under both mechanisms -- a memory cgroup per run
(where this process's memory cgroup allows one) and the fork server's accounting -- and must end
as a memory-limit failure, with nothing left behind: no process of the run, no cgroup, no file
(the next honest program that writes files works). Honest programs that use several processes,
or share memory after a fork, within the limit, pass.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rewardlab.execution.sandbox import (
    ProgramDied,
    Sandbox,
    SandboxError,
    SandboxLimits,
    available_isolation,
)
from rewardlab.execution.sandbox.cgroups import find_memory_cgroup, make_sandbox_cgroup, remove_sandbox_cgroup
from rewardlab.execution.sandbox.remote import ProgramSession
from tests.execution.sandbox.procs import parent_of, processes
from tests.execution.sandbox.test_hostile_sandbox import assert_honest_program_unaffected

REPO = Path(__file__).resolve().parents[3]
AVAILABLE = available_isolation()
LEVELS = [level for level in ("bwrap", "netns", "rlimits-only") if AVAILABLE[level] is None]
MECHANISMS = ("accounting", "cgroup")
LIMITS = SandboxLimits(cpu_seconds=20, memory_mb=1024, processes=16, file_size_mb=512)
DISK_MB = 1536  # the sandbox's /tmp: room for the mapped files (4 x 300 MB)
_made: list[str] = []  # the sandbox cgroups the tests made (none may outlive its sandbox)


@pytest.fixture(scope="module", autouse=True)
def no_cgroup_is_left():
    """After every test of this file: each sandbox cgroup these tests made is gone."""
    yield
    left = [path for path in _made if os.path.exists(path)]
    found = find_memory_cgroup()
    if found is not None:
        mine = f"rewardlab-{os.getpid()}-"
        left += [entry for entry in os.listdir(found[1]) if entry.startswith(mine)]
    assert left == [], f"cgroups left: {left}"


def _cgroup_unavailable() -> str | None:
    made = make_sandbox_cgroup()
    if isinstance(made, str) or made is None:
        return made or "no memory cgroup"
    remove_sandbox_cgroup(made)
    return None


NO_CGROUP = _cgroup_unavailable()


@pytest.fixture(
    scope="module", params=[(level, mechanism) for level in LEVELS for mechanism in MECHANISMS], ids="-".join
)
def sandbox(request):
    level, mechanism = request.param
    if mechanism == "cgroup" and NO_CGROUP:
        pytest.skip(f"no usable memory cgroup here: {NO_CGROUP}")
    try:
        sb = Sandbox(isolation=level, memory_limit=mechanism, disk_mb=DISK_MB).start()
    except SandboxError as exc:
        pytest.skip(f"{mechanism} is not usable under {level} here: {exc}")
    described = sb.describe()
    assert described["memory_limit"].startswith(mechanism), described
    if "memory_cgroup" in described:
        _made.append(described["memory_cgroup"])
    with sb:
        baseline = _sandbox_processes(sb)
        yield sb
        _assert_back_to(sb, baseline)
    if "memory_cgroup" in described:
        assert not os.path.exists(described["memory_cgroup"]), "the sandbox's cgroup outlived it"


def _sandbox_processes(sb: Sandbox) -> int:
    """How many processes the sandbox has between runs (fork server, forker, the spare program
    processes: one of them already handed to the checker after a run), once it settled."""
    assert sb.run_stdio("print(1)", "", LIMITS).stdout == "1\n"
    time.sleep(0.2)  # (the spare is made after the reply)
    return len(_descendants(sb._proc.pid))  # type: ignore[union-attr]


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for pid, status, _cmdline in processes():
        if b"State:\tZ" not in status:
            children.setdefault(parent_of(status), []).append(pid)
    out, stack = [], [root]
    while stack:
        pid = stack.pop()
        out.append(pid)
        stack.extend(children.get(pid, []))
    return out


def _assert_back_to(sb: Sandbox, baseline: int) -> None:
    """Nothing of the last run is left: the sandbox has its usual processes again."""
    deadline = time.monotonic() + 10
    while True:
        assert sb.healthy()
        count = len(_descendants(sb._proc.pid))  # type: ignore[union-attr]
        if count <= baseline or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert count <= baseline, f"{count - baseline} process(es) of the last run are left"


@pytest.fixture
def clean(sandbox):
    """After the test: no process of its runs is left, and an honest program that writes files works."""
    baseline = _sandbox_processes(sandbox)
    yield sandbox
    _assert_back_to(sandbox, baseline)
    assert_honest_program_unaffected(sandbox)


def assert_memory_failure(result) -> None:
    assert "HELD" not in result.stdout, (result.status, result.stdout, result.stderr[-500:])
    assert result.status.startswith("MemoryError: the program's processes together exceeded"), (
        result.status,
        result.stderr[-500:],
    )
    assert "memory_limit" in result.finish and not result.timed_out, result.finish
    assert result.exit_code is None


# ---- hostile programs: more than memory_mb in pieces that each fit under it ------------------------------
HOLD = """
import os, sys, time
def touch(size):
    block = bytearray(size)
    for i in range(0, size, 4096):
        block[i] = 1
    return block
"""
CHILDREN = (
    HOLD
    + """
kids = []
for _ in range(4):
    pid = os.fork()
    if pid == 0:
        held = touch(400 << 20)
        time.sleep(3)
        os._exit(0)
    kids.append(pid)
codes = [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in kids]
print("HELD" if codes == [0, 0, 0, 0] else f"children ended {codes}")
"""
)
THREADS_IN_CHILDREN = (
    HOLD
    + """
import threading
def child():
    held = []
    threads = [threading.Thread(target=lambda: held.append(touch(300 << 20))) for _ in range(2)]
    for t in threads: t.start()
    for t in threads: t.join()
    time.sleep(3)
    os._exit(0 if len(held) == 2 else 1)
kids = []
for _ in range(2):
    pid = os.fork()
    if pid == 0:
        child()
    kids.append(pid)
codes = [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in kids]
print("HELD" if codes == [0, 0] else f"children ended {codes}")
"""
)
MAPPED_FILES = (
    HOLD
    + """
import mmap
kids = []
for n in range(4):
    pid = os.fork()
    if pid == 0:
        size = 300 << 20
        with open(f"mapped-{n}.bin", "w+b") as f:
            f.truncate(size)
            view = mmap.mmap(f.fileno(), size, mmap.MAP_SHARED)
        for i in range(0, size, 4096):
            view[i] = 1
        time.sleep(3)
        os._exit(0)
    kids.append(pid)
codes = [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in kids]
print("HELD" if codes == [0, 0, 0, 0] else f"children ended {codes}")
"""
)
FORK_BOMB = (
    HOLD
    + """
kids = []
while True:
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        held = touch(100 << 20)
        time.sleep(3)
        os._exit(0)
    kids.append(pid)
codes = [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in kids]
print("HELD" if len(kids) > 10 and not any(codes) else f"{len(kids)} children ended {codes}")
"""
)


@pytest.mark.parametrize(
    "program", [CHILDREN, THREADS_IN_CHILDREN, FORK_BOMB], ids=["children", "threads-in-children", "fork-bomb"]
)
def test_more_than_the_limit_in_several_processes_is_a_memory_failure(clean, program):
    result = clean.run_stdio(program, "", LIMITS, timeout=60)
    if program is FORK_BOMB and "process_limit" in result.finish:
        # where runs share a uid (RLIMIT_NPROC binds nothing for root), the count of processes
        # may stop the bomb before its memory does: a limit failure too, never a pass
        assert "HELD" not in result.stdout and result.status.startswith("BlockingIOError"), result
        assert not clean.describe()["separate_uid"], result.finish
        return
    assert_memory_failure(result)


def test_files_mapped_from_the_sandbox_tmp_count(clean):
    if clean.isolation == "rlimits-only":
        pytest.skip("rlimits-only: /tmp is the host's (a disk here), and a mapped file there is page cache, not memory")
    assert_memory_failure(clean.run_stdio(MAPPED_FILES, "", LIMITS, timeout=60))


def test_threads_of_one_process_meet_its_own_limit(clean):
    """One process, four threads of 400 MB: the per-process limit (RLIMIT_AS) stops it first."""
    program = HOLD + (
        "import threading\nheld, errors = [], []\n"
        "def grab():\n    try:\n        held.append(touch(400 << 20))\n"
        "    except MemoryError:\n        errors.append(1)\n"
        "threads = [threading.Thread(target=grab) for _ in range(4)]\n"
        "for t in threads: t.start()\nfor t in threads: t.join()\n"
        "print('HELD' if len(held) == 4 else f'{len(held)} held, {len(errors)} MemoryError')\n"
    )
    result = clean.run_stdio(program, "", LIMITS, timeout=60)
    assert "HELD" not in result.stdout, result
    assert result.status.startswith("MemoryError") or "MemoryError" in result.stdout, result


RPC_HOG = (
    HOLD
    + """
def hog():
    kids = []
    for _ in range(4):
        pid = os.fork()
        if pid == 0:
            held = touch(400 << 20)
            time.sleep(3)
            os._exit(0)
        kids.append(pid)
    return [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in kids]
"""
)


def test_an_rpc_program_over_the_limit_dies_as_a_memory_failure(clean):
    session = ProgramSession(clean, RPC_HOG, LIMITS, call_timeout=60)
    session.start()
    try:
        with pytest.raises(ProgramDied) as died:
            session.function("hog")()
        assert str(died.value.status).startswith("MemoryError"), died.value.status
    finally:
        session.stop()


# ---- honest programs within the limit --------------------------------------------------------------------
HONEST_CHILDREN = (
    HOLD
    + """
kids = []
for _ in range(3):
    pid = os.fork()
    if pid == 0:
        held = touch(100 << 20)
        time.sleep(0.3)
        os._exit(0)
    kids.append(pid)
print([os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in kids])
"""
)
# 300 MB allocated once, then shared (copy-on-write) by three children that read all of it: the
# resident sets add up to ~1.2 GB, the memory in use is ~300 MB.
HONEST_SHARED = (
    HOLD
    + """
shared = touch(300 << 20)
kids = []
for _ in range(3):
    pid = os.fork()
    if pid == 0:
        total = sum(shared[i] for i in range(0, len(shared), 4096))
        time.sleep(0.3)
        os._exit(0 if total == len(shared) // 4096 else 1)
    kids.append(pid)
print([os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in kids])
"""
)


@pytest.mark.parametrize("program", [HONEST_CHILDREN, HONEST_SHARED], ids=["3x100MB", "300MB-shared-by-3"])
def test_honest_programs_within_the_limit_pass(clean, program):
    result = clean.run_stdio(program, "", LIMITS, timeout=60)
    assert (result.status, result.stdout) == ("exit code 0", "[0, 0, 0]\n"), (result, result.stderr[-500:])


# ---- processes ----------------------------------------------------------------------------------------------
def test_a_run_never_keeps_more_processes_than_its_cap(clean):
    """A run that forks as much as it can: the fork fails at the cap (RLIMIT_NPROC under a uid of its
    own), or the run is killed as a process-limit failure (counted where runs share a uid)."""
    limits = SandboxLimits(cpu_seconds=20, memory_mb=1024, processes=8)
    program = (
        "import os, time\nkids = []\nfor _ in range(40):\n    try:\n        pid = os.fork()\n"
        "    except OSError:\n        break\n    if pid == 0:\n        time.sleep(2)\n        os._exit(0)\n"
        "    kids.append(pid)\nprint(len(kids), flush=True)\ntime.sleep(0.5)\nprint('DONE')\n"
    )
    result = clean.run_stdio(program, "", limits, timeout=60)
    if "process_limit" in result.finish:
        assert result.status.startswith("BlockingIOError"), result.status
        assert "DONE" not in result.stdout
    else:
        assert result.status == "exit code 0", (result.status, result.stderr[-300:])
        assert int(result.stdout.split()[0]) + 1 <= limits.processes, result.stdout


# ---- memory no process shows is refused ---------------------------------------------------------------------
def test_memory_outside_every_process_is_refused(clean):
    if not clean.describe()["seccomp"]:
        pytest.skip("the program filter is not installed on this machine")
    program = (
        "import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\nout = []\n"
        "out.append(libc.shmget(0, 64 << 20, 0o1600) == -1 and ctypes.get_errno())\n"  # IPC_PRIVATE, IPC_CREAT
        "out.append(libc.msgget(0, 0o1600) == -1 and ctypes.get_errno())\n"
        "try:\n    os.memfd_create('x')\n    out.append(0)\nexcept OSError as exc:\n    out.append(exc.errno)\n"
        "print(out)\n"
    )
    result = clean.run_stdio(program, "", LIMITS, timeout=30)
    import errno

    assert result.stdout.strip() == str([errno.EPERM, errno.EPERM, errno.ENOSYS]), (result, result.stderr)


# ---- cgroups: found, made and always removed -----------------------------------------------------------------
def test_the_memory_cgroup_is_found_from_the_process_files(tmp_path):
    v2 = tmp_path / "unified" / "user.slice" / "job"
    v2.mkdir(parents=True)
    (v2 / "cgroup.controllers").write_text("cpu io memory pids\n")
    v1 = tmp_path / "memory" / "job"
    v1.mkdir(parents=True)
    (v1 / "memory.limit_in_bytes").write_text("9223372036854771712\n")
    mountinfo = (
        f"41 31 0:38 / {tmp_path}/unified rw,relatime - cgroup2 cgroup2 rw\n"
        f"35 31 0:32 / {tmp_path}/memory rw,relatime - cgroup cgroup rw,memory\n"
    )
    assert find_memory_cgroup("0::/user.slice/job\n", mountinfo) == (2, str(v2))
    assert find_memory_cgroup("4:memory:/job\n0::/\n", mountinfo) == (1, str(v1))
    # a mount of a subtree (a cgroup namespace's view): the path is relative to the mount's root
    nested = f"35 31 0:32 /job {tmp_path}/memory/job rw - cgroup cgroup rw,memory\n"
    assert find_memory_cgroup("4:memory:/job\n", nested) == (1, str(v1))
    # v2 without the memory controller, and no cgroup file system at all
    (v2 / "cgroup.controllers").write_text("cpu io\n")
    assert find_memory_cgroup("0::/user.slice/job\n", mountinfo) is None
    assert find_memory_cgroup("0::/\n", "") is None


def test_a_bad_memory_limit_setting_is_named():
    with pytest.raises(ValueError, match="memory_limit"):
        Sandbox(isolation="rlimits-only", memory_limit="cgroups")


CHECKER = """
import sys, time
from rewardlab.execution.sandbox import Sandbox, SandboxLimits
sb = Sandbox(isolation=sys.argv[1], memory_limit="cgroup").start()
run = sb.spawn_rpc("import time\\nwhile True: time.sleep(1)\\n", SandboxLimits())
print(sb.describe()["memory_cgroup"], flush=True)
time.sleep(600)
"""


@pytest.mark.parametrize("level", LEVELS)
def test_the_cgroups_go_with_a_killed_checker(level):
    """A checker killed outright (SIGKILL) while a program runs: its sandbox's cgroups are removed
    by the fork server on its way out."""
    if NO_CGROUP:
        pytest.skip(f"no usable memory cgroup here: {NO_CGROUP}")
    checker = subprocess.Popen(
        [sys.executable, "-c", CHECKER, level],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        path = checker.stdout.readline().decode().strip()
        assert path and os.path.isdir(path), checker.stderr.read1(4000)
        assert any(entry.startswith("run-") for entry in os.listdir(path))
        os.kill(checker.pid, signal.SIGKILL)
        checker.wait(timeout=30)
        deadline = time.monotonic() + 30
        while os.path.exists(path) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not os.path.exists(path), f"the sandbox's cgroup outlived its checker: {os.listdir(path)}"
    finally:
        if checker.poll() is None:
            checker.kill()
        checker.stdout.close()
        checker.stderr.close()
