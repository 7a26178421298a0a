"""The judges' response cache: SQLite (WAL mode), keyed by model + prompt + decoding parameters.

Only deterministic (temperature 0) successful responses are stored; the key is a SHA-256 of the
canonical JSON of the backend identity (model, endpoint; never the API key), the messages and
the parameters. Safe to share between threads and processes.

>>> import tempfile, os
>>> cache = ResponseCache(os.path.join(tempfile.mkdtemp(), "r.sqlite"))
>>> cache.put_many({"k1": '"Score: 7"'})
>>> cache.get_many(["k1", "k2"])
{'k1': '"Score: 7"'}
>>> len(cache)
1
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterable
from pathlib import Path

from ...core.paths import cache_dir

__all__ = ["ResponseCache", "default_cache_path"]

_SCHEMA = "CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, value TEXT NOT NULL, created REAL NOT NULL)"


def default_cache_path() -> Path:
    return cache_dir("judges") / "responses.sqlite"


class ResponseCache:
    """A key -> JSON text store in one SQLite file."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else default_cache_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(str(self.path), timeout=30.0, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute(_SCHEMA)

    def get_many(self, keys: Iterable[str]) -> dict[str, str]:
        keys = list(keys)
        if not keys:
            return {}
        out: dict[str, str] = {}
        with self._lock:
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                marks = ",".join("?" * len(chunk))
                rows = self._conn.execute(f"SELECT key, value FROM responses WHERE key IN ({marks})", chunk)
                out.update(dict(rows.fetchall()))
        return out

    def put_many(self, items: dict[str, str]) -> None:
        if not items:
            return
        now = time.time()
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._conn.executemany(
                    "INSERT OR REPLACE INTO responses (key, value, created) VALUES (?, ?, ?)",
                    [(k, v, now) for k, v in items.items()],
                )
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def __len__(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM responses").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._conn.close()
