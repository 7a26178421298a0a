"""Hostile programs against the sandbox's own processes and files (issue 16, items 1, 2, 4 and 6).

Each attack class is varied (symbolic links, FIFOs, sockets, device nodes, hard links, deep and
wide trees, a full disk, renamed and replaced directories) and runs under every strong isolation
level this machine offers (bubblewrap, network namespaces); after each one an honest program that
writes a file must still work, nothing outside the sandbox may have changed, and no process may
be left. The clean-up code (``fsclean``) is also attacked directly, as root and without root.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import select
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from rewardlab.execution.sandbox import Sandbox, SandboxLimits, available_isolation, fsclean
from tests.execution.sandbox.procs import processes

REPO = Path(__file__).resolve().parents[3]
AVAILABLE = available_isolation()
STRONG = [level for level in ("bwrap", "netns") if AVAILABLE[level] is None]
NO_STRONG = f"no namespace isolation here: {AVAILABLE}"
LIMITS = SandboxLimits(cpu_seconds=10, memory_mb=512, processes=16)
TOKEN = secrets.token_hex(8)


# ---- what must not change outside the sandbox ----------------------------------------------------------
@pytest.fixture(scope="module")
def canary():
    """Host files a program may name (in a link, as a hard link's source) and must never change:
    a file and a directory under the home directory, and system files every level shows."""
    base = Path(tempfile.mkdtemp(prefix="rewardlab-canary-", dir=Path.home() / ".cache"))
    (base / "dir").mkdir(mode=0o755)
    (base / "dir" / "inside.txt").write_text("inside")
    (base / "file.txt").write_text("canary")
    for path, mode in ((base, 0o755), (base / "dir", 0o755), (base / "file.txt", 0o644)):
        os.chmod(path, mode)
    watched = [base, base / "dir", base / "dir" / "inside.txt", base / "file.txt", Path("/etc/passwd")]
    watched += [Path("/usr/bin/env"), Path("/tmp"), Path.home()]
    before = {str(p): _fingerprint(p) for p in watched}
    yield base
    after = {str(p): _fingerprint(p) for p in watched}
    import shutil

    shutil.rmtree(base, ignore_errors=True)
    assert after == before, "a file outside the sandbox changed"


def _fingerprint(path: Path) -> tuple:
    st = path.lstat()
    content = path.read_bytes() if path.is_file() and st.st_size < 1 << 20 else b""
    return (stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid, st.st_nlink if path.is_file() else 0, content)


def assert_canary_intact(base: Path) -> None:
    assert (base / "file.txt").read_text() == "canary"
    assert stat.S_IMODE((base / "file.txt").stat().st_mode) == 0o644
    assert stat.S_IMODE((base / "dir").stat().st_mode) == 0o755
    assert (base / "dir" / "inside.txt").read_text() == "inside"


# ---- sandboxes -----------------------------------------------------------------------------------------
@pytest.fixture(scope="module", params=STRONG or [pytest.param("none", marks=pytest.mark.skip(reason=NO_STRONG))])
def sandbox(request):
    # A small /tmp: filling it takes little time.
    with Sandbox(isolation=request.param, disk_mb=32) as sb:
        require_uid_per_program(sb)
        yield sb


NOT_ROOT = "needs root: only then does every program process run under a uid of its own"


def require_uid_per_program(sb: Sandbox) -> None:
    """The guarantees against hostile programs hold when each program runs under a uid of its own
    (root, and a Python installation that uid can read); elsewhere these tests do not apply."""
    if not sb.describe()["separate_uid"]:
        pytest.skip(f"programs share the fork server's uid here ({NOT_ROOT})")


def run(sb: Sandbox, code: str, stdin: str = "", timeout: float = 30.0, limits: SandboxLimits = LIMITS):
    return sb.run_stdio(code, stdin, limits, timeout=timeout)


HONEST_WRITER = """
import os, tempfile
data = os.urandom(1 << 20)
with open("scratch.bin", "wb") as f:
    f.write(data)
with tempfile.NamedTemporaryFile() as t:
    t.write(data)
    t.flush()
with open("scratch.bin", "rb") as f:
    print(f.read() == data, sum(map(int, input().split())))
"""


def assert_honest_program_unaffected(sb: Sandbox) -> None:
    """An honest program that writes files runs normally (the last run left nothing in its way)."""
    result = run(sb, HONEST_WRITER, "20 22\n")
    assert (result.stdout, result.status) == ("True 42\n", "exit code 0"), result
    assert "cleanup_error" not in result.finish, result.finish


def report(result) -> dict:
    assert result.status == "exit code 0", (result.status, result.stderr)
    return json.loads(result.stdout.strip().splitlines()[-1])


# ---- item 1: the working directory cannot be replaced; links are never followed -----------------------
REPLACE_WORKDIR = """
import json, os
CANARY = __CANARY__
out = {}
cwd = os.getcwd()
def attempt(name, action):
    try:
        action()
        out[name] = "done"
    except OSError as exc:
        out[name] = type(exc).__name__
os.makedirs("keep/sub")
for target in (CANARY + "/file.txt", CANARY + "/dir", "/etc/passwd", "/tmp", "/", cwd):
    os.symlink(target, "keep/sub/" + str(abs(hash(target))))
os.mkfifo("keep/sub/fifo")
os.chmod("keep/sub", 0)
os.chmod("keep", 0)
os.chdir("/")
attempt("rmdir_cwd", lambda: os.rmdir(cwd))
attempt("rename_cwd", lambda: os.rename(cwd, cwd + "-moved"))
attempt("symlink_in_tmp", lambda: os.symlink(CANARY + "/file.txt", "/tmp/run-evil"))
attempt("fifo_in_tmp", lambda: os.mkfifo("/tmp/run-fifo"))
attempt("next_run_dir", lambda: os.mkdir("/tmp/run-%d" % (int(cwd.rsplit("-", 1)[1]) + 2)))
attempt("chmod_tmp", lambda: os.chmod("/tmp", 0o777))
attempt("chmod_canary", lambda: os.chmod(CANARY + "/file.txt", 0o777))
attempt("chmod_cwd", lambda: os.chmod(cwd, 0))
print(json.dumps(out))
"""


def test_a_program_cannot_replace_its_working_directory(sandbox, canary):
    out = report(run(sandbox, REPLACE_WORKDIR.replace("__CANARY__", repr(str(canary)))))
    for name in ("rmdir_cwd", "rename_cwd", "symlink_in_tmp", "fifo_in_tmp", "next_run_dir", "chmod_tmp"):
        assert out[name] != "done", (name, out)
    assert out["chmod_cwd"] == "done"  # its own directory is its own: the clean-up must cope
    assert_canary_intact(canary)
    probe = report(run(sandbox, "import json, os; st = os.stat('/tmp'); print(json.dumps([st.st_mode, st.st_uid]))"))
    assert probe == [stat.S_IFDIR | 0o755, 0]  # nothing chmod-ed /tmp through a link
    assert_honest_program_unaffected(sandbox)


# ---- item 2: special files never block the clean-up -----------------------------------------------------
SPECIAL_FILES = """
import json, os, socket, stat
out = {}
def attempt(name, action):
    try:
        action()
        out[name] = "done"
    except OSError as exc:
        out[name] = type(exc).__name__
for name in ("fifo", "solution.py.fifo", "deep/er/fifo"):
    os.makedirs(os.path.dirname(name) or ".", exist_ok=True)
    os.mkfifo(name)
listener = socket.socket(socket.AF_UNIX)
listener.bind("listening.sock")
listener.listen(1)
socket.socket(socket.AF_UNIX).bind("deep/er/bound.sock")
attempt("char_device", lambda: os.mknod("null2", 0o666 | stat.S_IFCHR, os.makedev(1, 3)))
attempt("block_device", lambda: os.mknod("disk", 0o666 | stat.S_IFBLK, os.makedev(8, 0)))
with open("own.txt", "w") as f:
    f.write("x")
attempt("hard_link_own", lambda: os.link("own.txt", "own-link.txt"))
attempt("hard_link_system", lambda: os.link("/etc/passwd", "passwd-link"))
os.symlink("loop-b", "loop-a")
os.symlink("loop-a", "loop-b")
os.symlink("/", "root-link")
os.makedirs("a/b/c")
os.rename("a/b", "moved")  # renamed directories
os.rename("moved/c", "deep/c")
os.mkfifo("deep/c/fifo")
os.chmod("deep/er", 0)
if os.fork() == 0:  # a child that keeps the FIFO and the socket open, blocked
    try:
        os.open("fifo", os.O_RDONLY)
    finally:
        os._exit(0)
print(json.dumps(out), flush=True)
"""


def test_fifos_sockets_and_devices_in_the_working_directory(sandbox):
    result = run(sandbox, SPECIAL_FILES)
    out = report(result)
    assert out["char_device"] != "done" and out["block_device"] != "done"  # no CAP_MKNOD
    assert out["hard_link_own"] == "done"
    assert out["hard_link_system"] != "done"
    assert "cleanup_error" not in result.finish
    assert result.finish["stray_processes"] >= 1  # the child blocked on the FIFO was killed
    assert_honest_program_unaffected(sandbox)


# ---- item 4: deep trees, many files, a full disk -------------------------------------------------------
FILL = """
import os
SHAPE = __SHAPE__
made = 0
if SHAPE in ("deep", "deep_full"):
    for i in range(3000):
        os.mkdir("d")
        os.chdir("d")
        made += 1
if SHAPE == "wide":
    for i in range(20000):
        try:
            open(f"f{i}", "w").close()
        except OSError:
            break
        made += 1
if SHAPE in ("full", "deep_full"):
    block = b"x" * (4 << 20)
    try:
        for i in range(1000):
            with open(f"fill{i}", "wb") as f:
                f.write(block)
            made += 1
    except OSError as exc:
        print("stopped by", exc.errno)
print(made)
"""


@pytest.mark.parametrize("shape", ["deep", "wide", "full", "deep_full"])
def test_what_a_program_leaves_is_gone_before_the_next_one(sandbox, shape):
    result = run(sandbox, FILL.replace("__SHAPE__", repr(shape)), timeout=60)
    assert result.status == "exit code 0", result
    if "full" in shape:
        assert "stopped by 28" in result.stdout  # ENOSPC: it did fill the sandbox's /tmp
    assert "cleanup_error" not in result.finish, result.finish
    assert_honest_program_unaffected(sandbox)


CODE_PROMPT = 'def add(a: int, b: int) -> int:\n    """Return a + b."""\n'
CODE_TESTS = {
    "kind": "assert",
    "code": "def check(candidate):\n    assert candidate(1, 2) == 3\n    assert candidate(5, 5) == 10\n",
    "entry_point": "add",
}
CODE_HONEST = """    with open("scratch.txt", "w") as f:
        f.write(str(a + b))
    with open("scratch.txt") as f:
        return int(f.read())
"""
CODE_FILL = """    return 0
import os
for _ in range(1500):
    os.mkdir("d")
    os.chdir("d")
try:
    for i in range(1000):
        with open(f"f{i}", "wb") as f:
            f.write(b"x" * (8 << 20))
except OSError:
    pass
"""


@pytest.mark.parametrize("level", STRONG or [pytest.param("none", marks=pytest.mark.skip(reason=NO_STRONG))])
def test_a_full_sandbox_never_turns_the_next_sample_into_a_silent_zero(level):
    """The issue's reproducer: through the code reward (one fork server, calls finished without
    waiting), a sample that nests 1,500 directories and fills /tmp; the honest samples after it
    write a file and must keep their 1.0."""
    if os.geteuid() != 0:
        pytest.skip(NOT_ROOT)
    from rewardlab.verifiers.code import CodeReward

    reward = CodeReward(isolation=level, timeout_s=5.0, total_timeout_s=60.0)
    scores = []
    for completion in (CODE_HONEST, CODE_FILL, CODE_HONEST, CODE_HONEST, CODE_FILL, CODE_HONEST):
        result = reward.score({"prompt": CODE_PROMPT, "completion": completion, "tests": CODE_TESTS})
        scores.append((result.score, result.status))
    assert scores == [(1.0, "ok"), (0.0, "ok"), (1.0, "ok"), (1.0, "ok"), (0.0, "ok"), (1.0, "ok")]


HOSTILE_COMPLETIONS = {
    "fill": CODE_FILL,
    "replace_workdir": (
        "    return 0\n"
        "import os\n"
        "cwd = os.getcwd()\n"
        "os.chdir('/')\n"
        "for act in (lambda: os.rmdir(cwd), lambda: os.mkfifo(cwd), lambda: os.symlink('/etc/passwd', cwd)):\n"
        "    try:\n"
        "        act()\n"
        "    except OSError:\n"
        "        pass\n"
    ),
    "special_files": (
        "    return 0\n"
        "import os, socket\n"
        "os.mkfifo('fifo')\n"
        "socket.socket(socket.AF_UNIX).bind('sock')\n"
        "os.makedirs('x/y')\n"
        "os.symlink('/etc/passwd', 'x/y/link')\n"
        "os.chmod('x/y', 0)\n"
        "os.chmod('x', 0)\n"
    ),
    "daemons": (
        "    return 0\n"
        "import os\n"
        "for _ in range(3):\n"
        "    if os.fork() == 0:\n"
        "        os.setsid()\n"
        "        os.execv('/bin/sleep', ['sleep', '300'])\n"
    ),
    "user_namespace": "    import ctypes\n    return 3 if ctypes.CDLL(None).unshare(0x10000000) == 0 else -1\n",
    "spin": "    while True:\n        pass\n",
}


@pytest.mark.parametrize("level", STRONG or [pytest.param("none", marks=pytest.mark.skip(reason=NO_STRONG))])
def test_hostile_samples_beside_honest_ones(level, canary):
    """One batch mixing every attack above with honest samples: nothing hostile is paid, every
    honest sample keeps its 1.0, and nothing is left running or changed outside."""
    if os.geteuid() != 0:
        pytest.skip(NOT_ROOT)
    from rewardlab.verifiers.code import CodeReward

    reward = CodeReward(isolation=level, timeout_s=2.0, total_timeout_s=30.0)
    names = []
    samples = []
    for round_ in range(2):
        for name, completion in HOSTILE_COMPLETIONS.items():
            names += [name, f"honest-{round_}-{name}"]
            samples.append({"prompt": CODE_PROMPT, "completion": completion, "tests": CODE_TESTS})
            samples.append({"prompt": CODE_PROMPT, "completion": CODE_HONEST, "tests": CODE_TESTS})
    results = reward.score_batch(samples)
    scores = {name: (result.score, result.status) for name, result in zip(names, results, strict=True)}
    honest = {name: got for name, got in scores.items() if name.startswith("honest")}
    hostile = {name: got for name, got in scores.items() if not name.startswith("honest")}
    assert set(honest.values()) == {(1.0, "ok")}, honest
    assert all(score in (0.0, None) for score, _status in hostile.values()), hostile
    assert_canary_intact(canary)
    # The checker finishes a run unwaited (Sandbox.finish(wait=False)): its result comes back at
    # once and the fork server kills what the run left right after, so the last runs' daemons
    # may still be dying when score_batch returns; one alive 10 s later has outlived its run.
    deadline = time.monotonic() + 10.0
    while True:
        left = [
            pid
            for pid, status, cmdline in processes()
            if cmdline.startswith(b"sleep\x00300") and b"State:\tZ" not in status
        ]
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert left == [], f"daemons of hostile samples outlived their runs: {left}"


HOLDS_A_FILE = """
with open("held.bin", "wb") as f:
    f.write(b"x" * (4 << 20))
"""


@pytest.mark.parametrize("waited", [True, False], ids=["waited", "unwaited"])
@pytest.mark.parametrize("level", STRONG or [pytest.param("none", marks=pytest.mark.skip(reason=NO_STRONG))])
def test_a_clean_up_that_cannot_free_the_disk_replaces_the_sandbox(level, waited):
    """The space a run used must come back. Here something the program cannot do simulates a leak:
    the test (root, outside) holds the program's file open through /proc/PID/root, so removing
    it frees nothing. A run finished with its status reports ``cleanup_error``; either way the
    next run gets a new sandbox (an unwaited finish -- the checker's usual one -- hands out the next
    program process only after the clean-up, so the next run never starts in the old one)."""
    if os.geteuid() != 0:
        pytest.skip(NOT_ROOT)
    with Sandbox(isolation=level, disk_mb=32) as sb:
        assert_honest_program_unaffected(sb)  # (a spare program process is waiting)
        handle = sb.spawn_rpc(HOLDS_A_FILE, LIMITS)
        try:
            assert select.select([handle.sock], [], [], 30)[0], "the program did not load"  # its greeting
            held = os.open(f"/proc/{_host_pid(handle.pidfd)}/root{handle.workdir}/held.bin", os.O_RDONLY)
        finally:
            handle.close()
        restarts = sb.restarts
        try:
            status = sb.finish(handle.run_id, 0.0, wait=waited) or {}
            result = run(sb, HONEST_WRITER, "1 2\n")
        finally:
            os.close(held)
        if waited:
            assert "bytes of the sandbox's /tmp still in use" in status.get("cleanup_error", ""), status
        assert (result.stdout, result.status) == ("True 3\n", "exit code 0"), result
        assert sb.cleanup_failures == 1
        assert sb.restarts == restarts + 1


def _host_pid(pidfd: int | None) -> int:
    assert pidfd is not None, "this kernel hands out no pidfds"
    for line in Path(f"/proc/self/fdinfo/{pidfd}").read_text().splitlines():
        if line.startswith("Pid:"):
            return int(line.split()[1])
    raise AssertionError("no Pid in the pidfd's fdinfo")


# ---- item 6: what one program leaves is invisible to the next; the host is hidden ----------------------
LEAVE = """
import json, os
out = {}
for path in ("here.txt", "/tmp/left.txt", "/var/tmp/left.txt", "/dev/shm/left.txt", "/dev/shm/sem.left"):
    try:
        with open(path, "w") as f:
            f.write(__TOKEN__)
        out[path] = "written"
    except OSError as exc:
        out[path] = type(exc).__name__
print(json.dumps(out))
"""
SEARCH = """
import json, os
found = []
for top in ("/tmp", "/var/tmp", "/dev/shm", "/run", "/var/lock"):
    for root, dirs, files in os.walk(top):
        for name in files:
            try:
                with open(os.path.join(root, name), "rb") as f:
                    if __TOKEN__.encode() in f.read(1 << 20):
                        found.append(os.path.join(root, name))
            except OSError:
                pass
print(json.dumps({"found": found, "uid": os.getuid()}))
"""


def test_what_a_program_writes_is_gone_for_the_next_programs(sandbox):
    out = report(run(sandbox, LEAVE.replace("__TOKEN__", repr(TOKEN))))
    assert out["here.txt"] == "written"
    assert all(v != "written" for k, v in out.items() if k != "here.txt"), out  # nothing writable but its own dir
    uids = set()
    for _ in range(6):  # past every uid of the sandbox's rotation
        seen = report(run(sandbox, SEARCH.replace("__TOKEN__", repr(TOKEN))))
        assert seen["found"] == [], seen
        uids.add(seen["uid"])
    if sandbox.describe()["separate_uid"]:
        assert len(uids) > 1


HOST_VIEW = """
import json, os, socket
out = {"exists": {}, "connect": {}, "listing": {}}
for path in __PATHS__:
    out["exists"][path] = os.path.exists(path)
for path in __LIST__:
    try:
        out["listing"][path] = sorted(os.listdir(path))
    except OSError as exc:
        out["listing"][path] = type(exc).__name__
for name, address in __SOCKETS__.items():
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(2)
    try:
        s.connect(address.encode("latin-1") if address.startswith("\\0") else address)
        out["connect"][name] = "connected"
    except OSError as exc:
        out["connect"][name] = type(exc).__name__
    finally:
        s.close()
print(json.dumps(out))
"""


@pytest.fixture
def host_socket():
    """A world-writable unix socket in a host directory and an abstract one, both listening."""
    path = f"/var/tmp/rewardlab-hostile-{TOKEN}.sock"
    named = socket.socket(socket.AF_UNIX)
    named.bind(path)
    os.chmod(path, 0o777)
    named.listen(4)
    abstract = socket.socket(socket.AF_UNIX)
    abstract.bind(f"\0rewardlab-hostile-{TOKEN}")
    abstract.listen(4)
    reachable = socket.socket(socket.AF_UNIX)
    reachable.connect(path)  # control: both answer on the host
    reachable.close()
    yield {"named": path, "abstract": f"\0rewardlab-hostile-{TOKEN}"}
    named.close()
    abstract.close()
    os.unlink(path)


def test_the_host_files_and_sockets_are_out_of_reach(sandbox, host_socket):
    """Only the system directories and the Python installation exist (the directories on the way
    to the latter hold nothing else); no host unix socket, named or abstract, answers."""
    readable = Path(f"/var/tmp/rewardlab-hostile-{TOKEN}.txt")
    readable.write_text("host")
    readable.chmod(0o644)
    try:
        paths = [str(readable), str(REPO / "README.md"), str(REPO / "tests"), "/run", "/var", "/home", "/srv", "/mnt"]
        listed = ["/", str(REPO), str(REPO / "src" / "rewardlab")]
        code = HOST_VIEW.replace("__PATHS__", repr(paths)).replace("__SOCKETS__", repr(host_socket))
        out = report(run(sandbox, code.replace("__LIST__", repr(listed))))
    finally:
        readable.unlink()
    assert not any(out["exists"].values()), out["exists"]
    assert "connected" not in out["connect"].values(), out["connect"]
    python_tops = {Path(p).parts[1] for p in (sys.base_prefix, sys.prefix, str(REPO))}
    allowed = {"bin", "sbin", "lib", "lib32", "lib64", "libx32", "usr", "etc", "dev", "proc", "tmp", *python_tops}
    assert set(out["listing"]["/"]) <= allowed, out["listing"]
    assert set(out["listing"][str(REPO)]) <= {"src", ".venv", "venv"}, out["listing"]
    assert out["listing"][str(REPO / "src" / "rewardlab")] == ["execution"], out["listing"]


USERNS = """
import ctypes, json, os, subprocess, threading
libc = ctypes.CDLL(None, use_errno=True)
out = {}
def errno_of(result):
    return "done" if result == 0 else os.strerror(ctypes.get_errno())
out["unshare_user"] = errno_of(libc.unshare(0x10000000))
out["unshare_user_mount"] = errno_of(libc.unshare(0x10000000 | 0x00020000))
pid = os.fork()
if pid == 0:
    os._exit(0 if libc.unshare(0x10000000) == 0 else 3)
out["child_unshare_user"] = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
try:
    done = subprocess.run(["unshare", "--user", "--map-root-user", "id", "-u"], capture_output=True, text=True)
    out["unshare_command"] = [done.returncode, done.stdout.strip()]
except OSError as exc:
    out["unshare_command"] = type(exc).__name__
# what honest programs do still works
box = []
t = threading.Thread(target=lambda: box.append(sum(range(10))))
t.start()
t.join()
out["thread"] = box
out["subprocess"] = subprocess.run(["echo", "hi"], capture_output=True, text=True).stdout
session = os.getsid(0)
pid = os.fork()
if pid == 0:
    os.setsid()  # a no-op: the child stays in the program's session (and scheduler autogroup)
    same = os.getsid(0) == session
    try:
        with open("/proc/self/autogroup") as f:
            mine = f.read().split()[0]
        with open(f"/proc/{os.getppid()}/autogroup") as f:
            same = same and f.read().split()[0] == mine
    except OSError:
        pass
    os._exit(0 if same else 4)
out["setsid_child_same_session"] = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0
print(json.dumps(out))
"""


def test_no_user_namespaces_and_one_session_per_program(sandbox):
    assert sandbox.describe()["seccomp"], "the program filter is not installed on this machine"
    out = report(run(sandbox, USERNS))
    assert out["unshare_user"] == out["unshare_user_mount"] == "Operation not permitted", out
    assert out["child_unshare_user"] == 3
    assert out["unshare_command"] == "FileNotFoundError" or out["unshare_command"][0] != 0, out
    assert out["thread"] == [45] and out["subprocess"] == "hi\n"
    assert out["setsid_child_same_session"] is True


# ---- item 2: the sandbox dies with its checker ---------------------------------------------------------
CHECKER = """
import sys, threading, time
from rewardlab.execution.sandbox import Sandbox, SandboxLimits
from rewardlab.execution.sandbox.remote import ProgramSession
PROGRAM = '''
import os, time
def start():
    for _ in range(3):  # daemons: double fork, their own "session"
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                os.execv("/bin/sleep", ["sleep", "300"])
            os._exit(0)
    return os.getpid()
def spin():
    while True:
        pass
'''
FIFO = '''
import os
cwd = os.getcwd()
os.chdir("/")
try:  # where the work root is writable, its own directory becomes a FIFO
    os.rmdir(cwd)
    os.mkfifo(cwd)
except OSError:
    os.mkfifo(cwd + "/fifo")
'''
sb = Sandbox(isolation=sys.argv[1]).start()
session = ProgramSession(sb, PROGRAM, SandboxLimits(cpu_seconds=120), call_timeout=300).start()
session.function("start")()
threading.Thread(target=lambda: session.function("spin")(), daemon=True).start()
done = threading.Event()
def fifo():
    sb.run_stdio(FIFO, "", SandboxLimits(cpu_seconds=5), timeout=5)
    done.set()
threading.Thread(target=fifo, daemon=True).start()
done.wait(10)  # (a fork server that blocks on the FIFO never finishes that run)
print("ready", flush=True)
time.sleep(300)
"""


def _descendants(pid: int) -> dict[int, bytes]:
    """pid -> its start time (field 22 of /proc/PID/stat), for every descendant of ``pid``."""
    parents: dict[int, int] = {}
    for child, status, _cmdline in processes():
        for line in status.splitlines():
            if line.startswith(b"PPid:"):
                parents[child] = int(line.split()[1])
    found: dict[int, bytes] = {}
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        for child, ppid in parents.items():
            if ppid == parent and child not in found:
                with contextlib.suppress(OSError):
                    found[child] = Path(f"/proc/{child}/stat").read_bytes().rsplit(b")", 1)[1].split()[19]
                    frontier.append(child)
    return found


def _alive(pid: int, started: bytes) -> bool:
    try:
        data = Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()
    except OSError:
        return False
    return data[19] == started and data[0] != b"Z"


@pytest.mark.parametrize("level", [*STRONG, "rlimits-only"])
def test_the_sandbox_dies_with_its_checker(level):
    """A checker killed outright (SIGKILL: no clean-up of its own) while its program spins, three
    daemons sleep, and another program has tried to turn its working directory into a FIFO: every
    process of its sandbox goes, and none holds the checker's stdout (``rewardlab score | cat``
    returns)."""
    checker = subprocess.Popen(
        [sys.executable, "-c", CHECKER, level],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        ready, _, _ = select.select([checker.stdout], [], [], 60)
        assert ready and checker.stdout.readline() == b"ready\n", checker.stderr.read1(4000)
        sandbox_processes = _descendants(checker.pid)
        # fork server, forker, program, sleepers (without uids, the FIFO run's clean-up cannot tell
        # the sleepers from its own strays: they went with it)
        assert len(sandbox_processes) >= (3 if level == "rlimits-only" else 5), sandbox_processes
        os.kill(checker.pid, signal.SIGKILL)
        checker.wait(timeout=30)
        # the pipe reaches its end: nothing of the sandbox holds the checker's stdout
        assert select.select([checker.stdout], [], [], 30)[0], "the checker's stdout is still held open"
        assert checker.stdout.read() == b""
        deadline = time.monotonic() + 30
        while True:
            left = {pid for pid, started in sandbox_processes.items() if _alive(pid, started)}
            if not left or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert not left, f"sandbox processes outlived their checker: {left}"
    finally:
        if checker.poll() is None:
            checker.kill()
        checker.stdout.close()
        checker.stderr.close()


# ---- the clean-up itself, attacked directly ------------------------------------------------------------
@pytest.fixture
def scratch(tmp_path):
    """A directory on a tmpfs where there is one (as the sandbox's /tmp is; this machine's disk
    takes milliseconds per rmdir), else pytest's."""
    if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK):
        path = Path(tempfile.mkdtemp(prefix="rewardlab-scratch-", dir="/dev/shm"))
        yield path
        parent = os.open("/dev/shm", os.O_RDONLY | os.O_DIRECTORY)
        try:
            fsclean.remove_entry(parent, path.name)
        finally:
            os.close(parent)
    else:
        yield tmp_path


def _made_dir(parent: Path, name: str = "run-1") -> tuple[int, int, tuple[int, int]]:
    """A run directory as the fork server makes it: (parent fd, dir fd, (dev, inode))."""
    (parent / name).mkdir(mode=0o700)
    parent_fd = os.open(parent, os.O_RDONLY | os.O_DIRECTORY)
    dir_fd = fsclean.open_dir(name, parent_fd)
    st = os.fstat(dir_fd)
    return parent_fd, dir_fd, (st.st_dev, st.st_ino)


def _remove_within(seconds: float, *args) -> None:
    """fsclean.remove_made_dir(*args) in a thread that must finish (a blocking open would hang it)."""
    errors: list[BaseException] = []

    def work() -> None:
        try:
            fsclean.remove_made_dir(*args)
        except BaseException as exc:  # reported below
            errors.append(exc)

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), "the clean-up blocked"
    if errors:
        raise errors[0]


def _replacement(kind: str, place: Path, canary: Path) -> None:
    if kind == "symlink_to_file":
        place.symlink_to(canary / "file.txt")
    elif kind == "symlink_to_dir":
        place.symlink_to(canary / "dir")
    elif kind == "fifo":
        os.mkfifo(place)
    elif kind == "socket":
        s = socket.socket(socket.AF_UNIX)
        s.bind(str(place))
        s.close()
    elif kind == "hard_link":  # (to a file outside the run, on the same file system)
        os.link(place.parent / "outside.txt", place)
    elif kind == "file":
        place.write_text("not a directory")
    elif kind == "other_dir":
        place.mkdir()
        (place / "x").symlink_to(canary / "file.txt")


@pytest.mark.parametrize(
    "kind", ["symlink_to_file", "symlink_to_dir", "fifo", "socket", "hard_link", "file", "other_dir"]
)
def test_a_replaced_working_directory_is_removed_as_itself(scratch, canary, kind):
    """Where a program can write the work root (no separate uid), it may move its directory away
    and put something else in its place: that goes, unfollowed and unopened, and the moved
    directory is emptied through the descriptor kept since it was made."""
    parent_fd, dir_fd, ident = _made_dir(scratch)
    (scratch / "outside.txt").write_text("outside")
    (scratch / "outside.txt").chmod(0o644)
    try:
        (scratch / "run-1" / "sub").mkdir()
        (scratch / "run-1" / "sub" / "link").symlink_to(canary / "dir")
        (scratch / "run-1" / "sub" / "data").write_text("x")
        os.mkfifo(scratch / "run-1" / "fifo")
        os.rename(scratch / "run-1", scratch / "moved")
        _replacement(kind, scratch / "run-1", canary)
        os.chmod(scratch / "moved", 0)
        _remove_within(30, parent_fd, "run-1", dir_fd, ident)
    finally:
        os.close(dir_fd)
        os.close(parent_fd)
    assert not os.path.lexists(scratch / "run-1")
    assert os.listdir(scratch / "moved") == []
    assert_canary_intact(canary)
    outside = (scratch / "outside.txt").stat()
    assert (scratch / "outside.txt").read_text() == "outside"
    assert (stat.S_IMODE(outside.st_mode), outside.st_nlink) == (0o644, 1)


def _hostile_tree(top: Path, canary: Path) -> None:
    """Everything at once: deep, wide, special files, links out, loops, renamed and locked directories."""
    fd = os.open(top, os.O_RDONLY | os.O_DIRECTORY)
    for _ in range(2500):  # deeper than any recursion limit, longer than PATH_MAX in total
        os.mkdir("dddddddd", dir_fd=fd)
        deeper = os.open("dddddddd", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
        os.close(fd)
        fd = deeper
    os.close(os.open("bottom.txt", os.O_CREAT | os.O_WRONLY, 0o600, dir_fd=fd))
    os.mkfifo("fifo", dir_fd=fd)
    os.close(fd)
    for i in range(3000):
        (top / f"f{i}").touch()
    for name, target in (("to_file", canary / "file.txt"), ("to_dir", canary / "dir"), ("to_root", Path("/"))):
        (top / name).symlink_to(target)
    (top / "loop_a").symlink_to("loop_b")
    (top / "loop_b").symlink_to("loop_a")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(top / "sock"))
    sock.close()
    os.link(top / "f1", top / "f1-link")
    (top / "a" / "b" / "c").mkdir(parents=True)
    os.rename(top / "a" / "b", top / "renamed")
    (top / "renamed" / "c" / "link").symlink_to(canary / "dir")
    os.chmod(top / "renamed" / "c", 0)
    os.chmod(top / "renamed", 0o500)


def test_a_hostile_tree_is_removed_without_touching_anything_outside(scratch, canary):
    parent_fd, dir_fd, ident = _made_dir(scratch)
    try:
        _hostile_tree(scratch / "run-1", canary)
        _remove_within(120, parent_fd, "run-1", dir_fd, ident)
    finally:
        os.close(dir_fd)
        os.close(parent_fd)
    assert os.listdir(scratch) == []
    assert_canary_intact(canary)


UNPRIVILEGED_CLEANUP = """
import os, sys
sys.path[:0] = [sys.argv[2]]
from rewardlab.execution.sandbox import fsclean
from tests.execution.sandbox.test_hostile_sandbox import _hostile_tree, _made_dir
from pathlib import Path
os.setgroups([])
os.setgid(65534)
os.setuid(65534)
top = Path(sys.argv[1])
parent_fd, dir_fd, ident = _made_dir(top)
_hostile_tree(top / "run-1", Path(sys.argv[3]))
os.chmod(top / "run-1", 0o500)  # (and its own directory, read-only)
fsclean.remove_made_dir(parent_fd, "run-1", dir_fd, ident)
print(os.listdir(top))
"""


def test_the_clean_up_restores_permissions_a_program_removed_without_root(canary):
    """Without root (rlimits-only as an ordinary user) a program can lock its directories
    (mode 0, 0500): the clean-up, the same user, restores them through O_PATH descriptors."""
    if os.geteuid() != 0:
        pytest.skip("needs root to switch to an unprivileged uid (the non-root path runs as that uid)")
    shm = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None  # (a tmpfs: see ``scratch``)
    top = Path(tempfile.mkdtemp(prefix="rewardlab-unprivileged-", dir=shm))  # (pytest's tmp_path is root's, 0700)
    try:
        os.chown(top, 65534, 65534)
        done = subprocess.run(
            [sys.executable, "-c", UNPRIVILEGED_CLEANUP, str(top), str(REPO), str(canary)],
            capture_output=True,
            text=True,
            timeout=300,
            cwd="/",
        )
    finally:
        fsclean_parent = os.open(top.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            fsclean.remove_entry(fsclean_parent, top.name)
        finally:
            os.close(fsclean_parent)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == "[]"
    assert_canary_intact(canary)
