"""Where and how learned models run: device choice and CPU thread settings.

Every model in :mod:`rewardlab.models` goes through these two helpers, so a reward model, a
judge and a trainer agree on the device and do not fight over cores.

- :func:`choose_device`: ``"auto"`` (or ``None``) is ``cuda`` when a GPU is visible, else ``cpu``;
  an explicit ``"cpu"``, ``"cuda"``, ``"cuda:1"``, ``"mps"`` is checked and kept.
- :func:`configure_threads`: torch's intra-op threads sized for this process's share of the
  machine. The cores this process may use (CPU affinity and the cgroup quota of a container)
  are divided by the number of local worker processes (``LOCAL_WORLD_SIZE``, set by torchrun
  and accelerate), and cores that other processes are busy on right now (runnable tasks in
  ``/proc/loadavg``) are left to them: oversubscribed OpenMP threads spin at every barrier and
  can make a forward pass several times slower than one thread would. ``REWARDLAB_NUM_THREADS``
  (or ``OMP_NUM_THREADS``) overrides the computed number.

>>> available_cores() >= 1
True
>>> threads_for_process(cores=16, local_processes=4, busy_elsewhere=0)
4
>>> threads_for_process(cores=2, local_processes=8)
1
>>> threads_for_process(cores=8, local_processes=1, busy_elsewhere=3)
5
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = [
    "available_cores",
    "busy_cores_elsewhere",
    "choose_device",
    "configure_threads",
    "quiet_transformers",
    "threads_for_process",
]

_LOCK = threading.Lock()
_configured: int | None = None


def available_cores() -> int:
    """CPU cores this process may run on: the affinity mask, capped by a cgroup CPU quota."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - macOS / Windows
        cores = os.cpu_count() or 1
    quota = _cgroup_cpu_limit()
    if quota is not None:
        cores = min(cores, max(1, math.ceil(quota)))
    return max(1, cores)


def _cgroup_cpu_limit() -> float | None:
    """The cgroup v2 (``cpu.max``) or v1 (``cfs_quota_us``) CPU limit in cores, if any."""
    try:
        text = Path("/sys/fs/cgroup/cpu.max").read_text().split()
        if text and text[0] != "max":
            return int(text[0]) / int(text[1])
    except (OSError, ValueError, IndexError):
        pass
    try:
        quota = int(Path("/sys/fs/cgroup/cpu/cpu.cfs_quota_us").read_text())
        period = int(Path("/sys/fs/cgroup/cpu/cpu.cfs_period_us").read_text())
        if quota > 0 and period > 0:
            return quota / period
    except (OSError, ValueError):
        pass
    return None


def busy_cores_elsewhere(samples: int = 5, interval_s: float = 0.02) -> int:
    """Runnable tasks of other processes right now (median of a few ``/proc/loadavg`` readings).

    ``0`` where ``/proc/loadavg`` does not exist. The reading process itself is not counted.
    """
    import time

    counts = []
    for i in range(samples):
        try:
            running = Path("/proc/loadavg").read_text().split()[3].split("/")[0]
            counts.append(max(0, int(running) - 1))
        except (OSError, IndexError, ValueError):
            return 0
        if i + 1 < samples:
            time.sleep(interval_s)
    counts.sort()
    return counts[len(counts) // 2]


def threads_for_process(
    *, cores: int | None = None, local_processes: int | None = None, busy_elsewhere: int | None = None
) -> int:
    """Threads one process should use: its share of the cores not busy elsewhere, at least one."""
    cores = available_cores() if cores is None else cores
    if local_processes is None:
        try:
            local_processes = int(os.environ.get("LOCAL_WORLD_SIZE", "1"))
        except ValueError:
            local_processes = 1
    share = max(1, cores // max(1, local_processes))
    if busy_elsewhere is None:
        busy_elsewhere = 0 if cores == 1 else busy_cores_elsewhere()
    return max(1, min(share, cores - busy_elsewhere))


def configure_threads(threads: int | None = None) -> int:
    """Set torch's intra-op thread count once per process (explicit ``threads`` always applies).

    The number is ``threads`` if given, else ``REWARDLAB_NUM_THREADS`` / ``OMP_NUM_THREADS``,
    else :func:`threads_for_process`. Returns the number in effect.
    """
    global _configured
    import torch

    with _LOCK:
        if threads is None and _configured is not None:
            return _configured
        wanted = threads
        if wanted is None:
            for var in ("REWARDLAB_NUM_THREADS", "OMP_NUM_THREADS"):
                value = os.environ.get(var, "").strip()
                if value.isdigit() and int(value) > 0:
                    wanted = int(value)
                    break
        if wanted is None:
            wanted = threads_for_process()
        if torch.get_num_threads() != wanted:
            torch.set_num_threads(wanted)
        _configured = wanted
        return wanted


def choose_device(requested: str | None = "auto") -> str:
    """The device to run on: ``auto``/``None`` picks ``cuda`` when available, else ``cpu``.

    An explicit device that is not available raises ``ValueError`` naming what is.
    """
    import torch

    value = (requested or "auto").strip().lower()
    if value == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if value.startswith("cuda"):
        if not torch.cuda.is_available():
            raise ValueError(f"device '{requested}' requested but no CUDA GPU is visible; use 'cpu' or 'auto'")
        return value
    if value == "mps":
        backend: Any = getattr(torch.backends, "mps", None)
        if backend is None or not backend.is_available():
            raise ValueError("device 'mps' requested but it is not available; use 'cpu' or 'auto'")
        return value
    if value == "cpu":
        return value
    raise ValueError(f"unknown device '{requested}'; expected 'auto', 'cpu', 'cuda', 'cuda:N' or 'mps'")


@contextmanager
def quiet_transformers() -> Iterator[None]:
    """Load models offline without transformers' progress bars and load reports on the console.

    Sets ``HF_HUB_OFFLINE=1`` for the duration (nothing may be downloaded at run time) and
    lowers transformers' log level to errors; both are restored afterwards.
    """
    from transformers.utils import logging as hf_logging

    previous_level = hf_logging.get_verbosity()
    bars = hf_logging.is_progress_bar_enabled()
    previous_offline = os.environ.get("HF_HUB_OFFLINE")
    os.environ["HF_HUB_OFFLINE"] = "1"
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        hf_logging.set_verbosity(previous_level)
        if bars:
            hf_logging.enable_progress_bar()
        if previous_offline is None:
            os.environ.pop("HF_HUB_OFFLINE", None)
        else:
            os.environ["HF_HUB_OFFLINE"] = previous_offline
