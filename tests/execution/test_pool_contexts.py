"""The pool behaves the same from the main thread, worker threads, asyncio, a web server, a Ray
worker and a forked child; and no rewardlab code relies on ``signal.alarm``."""

from __future__ import annotations

import ast
import asyncio
import socket
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from rewardlab.core.errors import RewardTimeout
from rewardlab.execution import WorkerPool, default_pool

from . import tasks

REPO = Path(__file__).resolve().parents[2]
SRC = REPO / "src" / "rewardlab"


@pytest.fixture(scope="module")
def pool():
    with WorkerPool(size=2, name="contexts") as p:
        yield p


def exercise(pool: WorkerPool) -> tuple[int, str]:
    """A value and a timeout, as seen from the calling context."""
    value = pool.call(tasks.add, 40, 2, timeout=10)
    try:
        pool.call(tasks.spin, timeout=0.2)
    except RewardTimeout as exc:
        return value, type(exc).__name__
    return value, "no timeout"


def test_main_thread(pool):
    assert threading.current_thread() is threading.main_thread()
    assert exercise(pool) == (42, "RewardTimeout")


def test_worker_threads(pool):
    with ThreadPoolExecutor(8) as ex:
        values = list(ex.map(lambda i: pool.call(tasks.add, i, i), range(64)))
        assert values == [2 * i for i in range(64)]
        outcomes = list(ex.map(lambda _: exercise(pool), range(3)))
    assert outcomes == [(42, "RewardTimeout")] * 3
    assert pool.call(tasks.add, 1, 1) == 2


def test_asyncio_does_not_block_the_loop(pool):
    async def main() -> tuple[list[int], int, str]:
        ticks = 0
        done = asyncio.Event()

        async def ticker() -> None:
            nonlocal ticks
            while not done.is_set():
                ticks += 1
                await asyncio.sleep(0.01)

        tick_task = asyncio.create_task(ticker())
        values = await asyncio.gather(*(pool.acall(tasks.add, i, 1) for i in range(20)))
        await pool.acall(tasks.sleep_then, 0.3)
        try:
            await pool.acall(tasks.spin, timeout=0.2)
            timed = "no timeout"
        except RewardTimeout:
            timed = "RewardTimeout"
        done.set()
        await tick_task
        return values, ticks, timed

    values, ticks, timed = asyncio.run(main())
    assert values == [i + 1 for i in range(20)]
    assert ticks > 5  # the loop kept running while tasks ran in workers
    assert timed == "RewardTimeout"
    assert asyncio.run(pool.amap(tasks.add, [(1, 2), (3, 4)])) == [3, 7]


def test_cancelling_acall_kills_its_worker(pool):
    async def main() -> None:
        task = asyncio.create_task(pool.acall(tasks.spin, timeout=60))
        await asyncio.sleep(0.3)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    before = pool.stats().timeouts
    asyncio.run(main())
    # the worker spinning for the cancelled task is gone; the pool still works
    assert pool.call(tasks.add, 2, 2) == 4
    assert pool.stats().timeouts >= before  # counted once its thread notices


@pytest.mark.integration
def test_inside_a_web_server(pool):
    import httpx
    import uvicorn
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/async/{x}")
    async def async_endpoint(x: int) -> dict:
        try:
            await pool.acall(tasks.spin, timeout=0.2)
            timed = "no timeout"
        except RewardTimeout:
            timed = "timeout"
        return {"value": await pool.acall(tasks.add, x, 1), "timed": timed}

    @app.get("/sync/{x}")
    def sync_endpoint(x: int) -> dict:  # FastAPI runs this in its thread pool
        _value, timed = exercise(pool)
        return {"value": pool.call(tasks.add, x, 2), "timed": timed}

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            for _ in range(200):
                if server.started:
                    break
                threading.Event().wait(0.02)
            assert client.get("/async/1").json() == {"value": 2, "timed": "timeout"}
            assert client.get("/sync/1").json() == {"value": 3, "timed": "RewardTimeout"}
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def _ray_task() -> tuple[int, str, int]:
    from rewardlab.execution import WorkerPool as Pool

    with Pool(size=1, name="ray") as p:
        value, timed = exercise(p)
        return value, timed, p.stats().timeouts


@pytest.mark.integration
def test_inside_a_ray_worker():
    ray = pytest.importorskip("ray")
    ray.init(address="local", num_cpus=1, include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        remote = ray.remote(_ray_task)
        assert ray.get(remote.remote(), timeout=120) == (42, "RewardTimeout", 1)
    finally:
        ray.shutdown()


FORK_SCRIPT = """
import os, sys, threading
sys.path.insert(0, {repo!r})
from rewardlab.execution import WorkerPool, default_pool
from tests.execution import tasks

pool = WorkerPool(size=1, name="fork")
assert pool.call(tasks.add, 1, 1) == 2
stop = threading.Event()
def hammer():
    while not stop.is_set():
        pool.call(tasks.add, 2, 2)
        default_pool().call(tasks.add, 3, 3)
threads = [threading.Thread(target=hammer) for _ in range(3)]
for t in threads: t.start()
pid = os.fork()   # while other threads use both pools
if pid == 0:
    try:
        ok = pool.call(tasks.add, 5, 5) == 10 and default_pool().call(tasks.add, 6, 6) == 12
        ok = ok and default_pool().call(tasks.pid) != os.getpid()
        try:
            pool.call(tasks.spin, timeout=0.2)
            ok = False
        except BaseException as exc:
            ok = ok and type(exc).__name__ == "RewardTimeout"
        pool.close(); default_pool().close()
    except BaseException as exc:
        print("child failed:", repr(exc), flush=True)
        ok = False
    os._exit(0 if ok else 1)
_, status = os.waitpid(pid, 0)
stop.set()
for t in threads: t.join()
assert pool.call(tasks.add, 7, 7) == 14, "parent pool broken after fork"
print("child", os.waitstatus_to_exitcode(status), flush=True)
"""


def test_fork_with_threads_running():
    proc = subprocess.run(
        [sys.executable, "-c", FORK_SCRIPT.format(repo=str(REPO))], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "child 0" in proc.stdout, proc.stdout + proc.stderr


def test_default_pool_is_shared_and_thread_safe():
    with ThreadPoolExecutor(4) as ex:
        pools = list(ex.map(lambda _: default_pool(), range(8)))
    assert all(p is pools[0] for p in pools)
    assert pools[0].call(tasks.add, 1, 2) == 3


FORBIDDEN = {"alarm", "setitimer", "SIGALRM", "ITIMER_REAL"}
# Helpers that may use SIGALRM because they refuse to run outside the main thread: the code
# checkers' deadline for test code (installed only in the main thread of a code pool worker, a
# no-op anywhere else; its hard bound is a CPU timer that nothing can swallow).
ALLOWED: set[str] = {"verifiers/code/deadline.py"}


def _is_alarm(node: ast.AST) -> bool:
    if isinstance(node, ast.Attribute):
        return node.attr in FORBIDDEN
    if isinstance(node, ast.Name):
        return node.id in FORBIDDEN - {"alarm"}
    if isinstance(node, ast.ImportFrom):
        return node.module == "signal" and any(a.name in FORBIDDEN or a.name == "*" for a in node.names)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr":
        return len(node.args) >= 2 and isinstance(node.args[1], ast.Constant) and node.args[1].value in FORBIDDEN
    return False


def _alarm_uses(tree: ast.AST) -> list[int]:
    """Lines that use signal-based timers (code only; docstrings and comments may mention them)."""
    return sorted({node.lineno for node in ast.walk(tree) if _is_alarm(node)})


def test_the_alarm_detector_detects():
    code = "import signal\nsignal.alarm(1)\nfrom signal import setitimer\nx = getattr(signal, 'SIGALRM')\n"
    assert _alarm_uses(ast.parse(code)) == [2, 3, 4]
    assert _alarm_uses(ast.parse('"""uses signal.alarm in prose"""\n# signal.alarm(1)\n')) == []


def test_no_signal_alarm_in_rewardlab():
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        rel = str(path.relative_to(SRC))
        if rel in ALLOWED:
            continue
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        for lineno in _alarm_uses(ast.parse(text, filename=str(path))):
            offenders.append(f"{rel}:{lineno}: {lines[lineno - 1].strip()}")
    assert not offenders, "signal-based timeouts break off the main thread; use rewardlab.execution:\n" + "\n".join(
        offenders
    )
