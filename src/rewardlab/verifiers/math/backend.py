"""Where symbolic jobs run: a worker pool of the execution layer, never the calling thread.

The ``math`` reward sends its symbolic jobs to :func:`math_pool` (default): a
:class:`rewardlab.execution.WorkerPool` whose template process preloads ``math_verify`` and
sympy, so a worker that replaces one killed on a timeout is ready at once instead of spending a
second of the next task's time limit importing sympy. ``pool="default"`` uses the process-wide
:func:`rewardlab.execution.default_pool` instead (fewer processes; the first symbolic check in
each fresh worker then pays the import).

Environment: ``REWARDLAB_MATH_POOL_SIZE`` sets the math pool's number of workers (default: one
per CPU).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

from .symbolic import symbolic_check

if TYPE_CHECKING:
    from ...execution import WorkerPool

__all__ = ["PoolChoice", "math_pool", "run_symbolic"]

PoolChoice = Literal["math", "default"]
PRELOAD = ("math_verify", "rewardlab.verifiers.math.warmup")

_POOL: WorkerPool | None = None
_POOL_PID = 0
_LOCK = threading.Lock()


def _usable(pool: WorkerPool | None) -> bool:
    return pool is not None and os.getpid() == _POOL_PID and not getattr(pool, "_closed", False)


def math_pool() -> WorkerPool:
    """The shared pool for symbolic math checks (started on first use; thread-safe)."""
    global _POOL, _POOL_PID
    pool = _POOL
    if _usable(pool):
        return pool  # type: ignore[return-value]
    from ...execution import WorkerPool

    with _LOCK:
        if not _usable(_POOL):
            size = os.environ.get("REWARDLAB_MATH_POOL_SIZE")
            _POOL = WorkerPool(size=int(size) if size else None, preload=PRELOAD, name="math")
            _POOL_PID = os.getpid()
        return _POOL  # type: ignore[return-value]


def _pool(choice: PoolChoice) -> WorkerPool:
    if choice == "default":
        from ...execution import default_pool

        return default_pool()
    return math_pool()


def run_symbolic(jobs: Sequence[tuple[str, tuple[str, ...]]], timeout: float, choice: PoolChoice = "math") -> list[Any]:
    """Run ``symbolic_check(answer, references)`` for every job in parallel under a hard timeout.

    Returns, per job, the outcome tuple or an exception instance
    (:class:`~rewardlab.core.errors.RewardTimeout` when it ran past ``timeout`` seconds).
    """
    if not jobs:
        return []
    return _pool(choice).map(symbolic_check, list(jobs), timeout=timeout)
