"""Running untrusted or slow work: process pools with hard timeouts, sandboxes, input caps.

- :class:`WorkerPool` / :func:`default_pool`: pre-started worker processes; a task that runs past
  its timeout is killed with its worker (no ``signal.alarm``, so it works from any thread, from
  asyncio, a web server or a Ray worker).
- :mod:`rewardlab.execution.sandbox`: runs untrusted Python programs (model-written code) under
  OS isolation (bubblewrap, or network/mount/pid namespaces, or resource limits only) with
  pre-started fork servers.

>>> from rewardlab.execution import WorkerPool, default_pool, WorkerCrashed, InputTooLarge
"""

from ..core.errors import RewardTimeout
from .errors import InputTooLarge, OutputTooLarge, PoolClosed, RemoteError, WorkerCrashed
from .pool import PoolStats, WorkerPool, default_pool

__all__ = [
    "InputTooLarge",
    "OutputTooLarge",
    "PoolClosed",
    "PoolStats",
    "RemoteError",
    "RewardTimeout",
    "WorkerCrashed",
    "WorkerPool",
    "default_pool",
]
