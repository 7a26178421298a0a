"""rewardlab of another commit in a process of its own, for old-vs-new timings in one benchmark run.

Check out the older commit beside this one (never ``git stash``)::

    git worktree add --detach /tmp/old 10661a8
    .venv/bin/python benchmarks/bench_math.py --only numeric --baseline-src /tmp/old/src

:class:`RewardlabProcess` loads ``rewardlab`` from the given ``src`` folder in a spawned child and
scores chunks of samples there with the ``math`` reward (default settings), timed in the child
(wall and CPU seconds, without the pipe). The current tree is measured the same way when it is
given as a ``src`` too, so that old and new run under identical conditions.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

Sample = dict[str, Any]


def describe(src: Path) -> str:
    """``src``'s commit (short hash, ``+changes`` when its tree differs from it), or its path."""
    try:
        head = subprocess.run(
            ["git", "-C", str(src), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(src), "status", "--porcelain", "--", "."], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return str(src)
    return head + (" + uncommitted changes" if dirty else "")


class RewardlabProcess:
    """The ``math`` reward of the rewardlab under ``src``, in a child process.

    ``run(samples, batch)`` returns the verdicts (None: no score), wall seconds and CPU seconds.
    """

    def __init__(self, src: Path) -> None:
        import multiprocessing as mp

        self.src = Path(src).resolve()
        if not (self.src / "rewardlab" / "__init__.py").exists():
            raise FileNotFoundError(f"--baseline-src: no rewardlab package under {self.src}")
        ctx = mp.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=_serve, args=(child, str(self.src)), daemon=True)
        self._proc.start()
        child.close()
        loaded = self._conn.recv()
        if isinstance(loaded, BaseException):
            raise loaded
        self.loaded_from: str = loaded
        self.label = describe(self.src)

    def run(self, samples: Sequence[Sample], batch: int = 256) -> tuple[list[bool | None], float, float]:
        self._conn.send((list(samples), batch))
        out = self._conn.recv()
        if isinstance(out, BaseException):
            raise out
        return out

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._conn.send(None)
        self._proc.join(10)
        if self._proc.is_alive():
            self._proc.kill()


def _serve(conn: Any, src: str) -> None:
    # a spawned child re-imports the parent's main module, which may have imported this tree's rewardlab
    for name in [m for m in sys.modules if m == "rewardlab" or m.startswith("rewardlab.")]:
        del sys.modules[name]
    sys.path.insert(0, src)
    try:
        import rewardlab
        from rewardlab.verifiers.math import MathAnswer

        where = str(Path(rewardlab.__file__).resolve())
        if not where.startswith(src):
            raise ImportError(f"rewardlab was imported from {where}, not from {src}")
        reward = MathAnswer()
    except BaseException as exc:  # reported to the parent, which raises it
        conn.send(exc)
        return
    conn.send(where)
    while True:
        job = conn.recv()
        if job is None:
            return
        samples, batch = job
        out: list[bool | None] = []
        wall, cpu = time.perf_counter(), time.process_time()
        for i in range(0, len(samples), batch):
            for r in reward.score_batch(samples[i : i + batch]):
                out.append(None if r.score is None else r.score == 1.0)
        conn.send((out, time.perf_counter() - wall, time.process_time() - cpu))
