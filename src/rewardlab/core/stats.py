"""Counters of what a reward did: how many samples, with which status, how many defaulted.

>>> s = RewardStats()
>>> s.record("ok"); s.record("error", error="ValueError: bad"); s.record("error", defaulted=True)
>>> s.snapshot()["by_status"]
{'ok': 1, 'error': 2}
>>> s.snapshot()["defaulted"], s.failures
(1, 2)
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

__all__ = ["RewardStats"]


class RewardStats:
    """Thread-safe counts of a reward's results. Failures are counted, never hidden."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_status: Counter[str] = Counter()
        self._errors: Counter[str] = Counter()
        self._defaulted = 0
        self._batches = 0
        self._last_error: str | None = None

    def record(self, status: str, *, error: str | None = None, defaulted: bool = False) -> None:
        with self._lock:
            self._by_status[status] += 1
            if defaulted:
                self._defaulted += 1
            if error:
                self._last_error = error
                self._errors[error.split(":", 1)[0][:80]] += 1

    def record_batch(self) -> None:
        with self._lock:
            self._batches += 1

    @property
    def failures(self) -> int:
        with self._lock:
            return self._by_status["error"] + self._by_status["timeout"]

    @property
    def total(self) -> int:
        with self._lock:
            return sum(self._by_status.values())

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "samples": sum(self._by_status.values()),
                "batches": self._batches,
                "by_status": dict(self._by_status),
                "defaulted": self._defaulted,
                "error_kinds": dict(self._errors.most_common(10)),
                "last_error": self._last_error,
            }

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def reset(self) -> None:
        with self._lock:
            self._by_status.clear()
            self._errors.clear()
            self._defaulted = 0
            self._batches = 0
            self._last_error = None
