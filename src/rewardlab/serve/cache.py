"""The result cache: an identical sample under the same spec hash gets the stored result.

Keys are the SHA-256 of the canonical JSON of what determines the numbers: the sample (every
field), the request's ``group_key`` and ``step``; entries live under the spec's hash, so a
changed spec never reads another spec's results.

What is cached depends on the spec (:func:`cache_mode`):

- ``sample`` (independent rewards): each sample's result is stored and found on its own;
- ``request`` (batch-dependent specs: group/batch normalization): a sample's score depends on
  the other samples of its request, so only a **whole identical request** (same samples, same
  order, same options) is answered from the cache, never one sample of it;
- ``off``: specs with state that changes from call to call (``running_norm``).

Only ``ok`` and ``not_applicable`` results are stored: errors and timeouts may be transient,
so they are computed again. A hit carries ``info["cache"] == "hit"``.

Backends: SQLite in WAL mode (the default, a file under ``$REWARDLAB_HOME/cache/serve``) and
Redis (``redis://HOST:PORT/DB``; needs the ``redis`` package: ``pip install rewardlab[serve]``).

>>> import tempfile, os
>>> cache = SQLiteCache(os.path.join(tempfile.mkdtemp(), "c.sqlite"))
>>> cache.put_many("h1", {"k": '{"score": 1.0}'})
>>> cache.get_many("h1", ["k", "other"])
{'k': '{"score": 1.0}'}
>>> cache.get_many("h2", ["k"])
{}
>>> cache.close()
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal, Protocol

from ..core.reward import Reward
from ..core.sample import Sample

__all__ = [
    "CacheMode",
    "RedisCache",
    "ResultCache",
    "SQLiteCache",
    "cache_mode",
    "open_cache",
    "request_key",
    "sample_key",
]

CacheMode = Literal["sample", "request", "off"]

# Rewards whose result depends on the history of calls, not only on the request.
STATEFUL_TYPES = frozenset({"running_norm"})


def cache_mode(reward: Reward) -> CacheMode:
    """What the cache may store for this reward tree (see the module docstring).

    >>> from rewardlab.core.spec import build_reward
    >>> cache_mode(build_reward("exact_match"))
    'sample'
    >>> cache_mode(build_reward({"type": "group_norm", "child": "exact_match"}))
    'request'
    >>> cache_mode(build_reward({"type": "running_norm", "child": "exact_match"}))
    'off'
    """
    nodes = list(reward.walk())
    if any(n.type_name in STATEFUL_TYPES or getattr(type(n), "stateful", False) for n in nodes):
        return "off"
    if any(n.batch_dependent for n in nodes):
        return "request"
    return "sample"


def _canonical(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode("utf-8")


def sample_key(sample: Sample, *, group_key: str | None = None, step: int | None = None) -> str:
    """The cache key of one sample under the request options that change its score.

    >>> a = sample_key(Sample(prompt="p", completion="c", answer="1"))
    >>> a == sample_key(Sample(completion="c", answer="1", prompt="p"))
    True
    >>> a == sample_key(Sample(prompt="p", completion="c", answer="2"))
    False
    """
    payload = {"s": sample.to_json_dict(), "g": group_key, "t": step}
    return "s:" + hashlib.sha256(_canonical(payload)).hexdigest()


def request_key(samples: Sequence[Sample], *, group_key: str | None = None, step: int | None = None) -> str:
    """The cache key of a whole request (batch-dependent specs), order included."""
    payload = {"s": [s.to_json_dict() for s in samples], "g": group_key, "t": step}
    return "r:" + hashlib.sha256(_canonical(payload)).hexdigest()


class ResultCache(Protocol):
    """Stores JSON text by (spec hash, key). Implementations are thread safe."""

    url: str

    def get_many(self, spec_hash: str, keys: Iterable[str]) -> dict[str, str]: ...

    def put_many(self, spec_hash: str, items: dict[str, str]) -> None: ...

    def close(self) -> None: ...


class SQLiteCache:
    """A SQLite file in WAL mode (readers never block the writer); one connection per thread."""

    def __init__(self, path: str | Path, *, max_entries: int | None = 1_000_000) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.url = f"sqlite:///{self.path}"
        self.max_entries = max_entries
        self._local = threading.local()
        self._lock = threading.Lock()
        self._writes = 0
        self._connections: list[sqlite3.Connection] = []
        conn = self._conn()
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(
            "CREATE TABLE IF NOT EXISTS results ("
            " spec_hash TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, created REAL NOT NULL,"
            " PRIMARY KEY (spec_hash, key)) WITHOUT ROWID"
        )
        conn.commit()

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30.0, check_same_thread=False)
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=30000")
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    def get_many(self, spec_hash: str, keys: Iterable[str]) -> dict[str, str]:
        wanted = list(dict.fromkeys(keys))
        out: dict[str, str] = {}
        conn = self._conn()
        for start in range(0, len(wanted), 500):  # SQLite's limit on bound parameters
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = conn.execute(
                f"SELECT key, value FROM results WHERE spec_hash = ? AND key IN ({marks})", (spec_hash, *chunk)
            ).fetchall()
            out.update(rows)
        return out

    def put_many(self, spec_hash: str, items: dict[str, str]) -> None:
        if not items:
            return
        now = time.time()
        conn = self._conn()
        with conn:
            conn.executemany(
                "INSERT OR REPLACE INTO results (spec_hash, key, value, created) VALUES (?, ?, ?, ?)",
                [(spec_hash, k, v, now) for k, v in items.items()],
            )
        with self._lock:
            self._writes += len(items)
            prune = self.max_entries is not None and self._writes >= 10_000
            if prune:
                self._writes = 0
        if prune:
            self._prune(conn)

    def _prune(self, conn: sqlite3.Connection) -> None:
        """Drop the oldest entries beyond ``max_entries``."""
        (count,) = conn.execute("SELECT COUNT(*) FROM results").fetchone()
        excess = count - int(self.max_entries or 0)
        if excess > 0:
            with conn:
                conn.execute(
                    "DELETE FROM results WHERE (spec_hash, key) IN "
                    "(SELECT spec_hash, key FROM results ORDER BY created LIMIT ?)",
                    (excess,),
                )

    def __len__(self) -> int:
        (count,) = self._conn().execute("SELECT COUNT(*) FROM results").fetchone()
        return int(count)

    def close(self) -> None:
        with self._lock:
            conns, self._connections = self._connections, []
        for conn in conns:
            with contextlib.suppress(sqlite3.Error):
                conn.close()
        self._local = threading.local()


class RedisCache:
    """Results in Redis under ``rewardlab:<spec hash>:<key>``, expiring after ``ttl_s``."""

    def __init__(self, url: str, *, ttl_s: int | None = 7 * 24 * 3600, prefix: str = "rewardlab") -> None:
        try:
            import redis
        except ImportError:
            raise RuntimeError(
                f"cache URL {url!r} needs the 'redis' package: pip install 'rewardlab[serve]' (or pip install redis)"
            ) from None
        self.url = url
        self.ttl_s = ttl_s
        self.prefix = prefix
        self._client = redis.Redis.from_url(url, socket_timeout=5.0, socket_connect_timeout=5.0)
        self._client.ping()

    def _k(self, spec_hash: str, key: str) -> str:
        return f"{self.prefix}:{spec_hash}:{key}"

    def get_many(self, spec_hash: str, keys: Iterable[str]) -> dict[str, str]:
        wanted = list(dict.fromkeys(keys))
        if not wanted:
            return {}
        values = self._client.mget([self._k(spec_hash, k) for k in wanted])
        return {
            k: (v.decode("utf-8") if isinstance(v, bytes) else v)
            for k, v in zip(wanted, values, strict=True)
            if v is not None
        }

    def put_many(self, spec_hash: str, items: dict[str, str]) -> None:
        if not items:
            return
        pipe = self._client.pipeline(transaction=False)
        for k, v in items.items():
            pipe.set(self._k(spec_hash, k), v, ex=self.ttl_s)
        pipe.execute()

    def close(self) -> None:
        self._client.close()


def open_cache(url: str | None) -> ResultCache | None:
    """The cache a server URL setting names: ``None`` (default SQLite file), ``off``, a path,
    ``sqlite:///PATH`` or ``redis://...``.

    >>> open_cache("off") is None
    True
    """
    if url is not None and url.strip().lower() in ("off", "none", "false", "0", ""):
        return None
    if url is None:
        from ..core.paths import cache_dir

        return SQLiteCache(cache_dir("serve") / "results.sqlite")
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisCache(url)
    if url.startswith("sqlite:///"):
        return SQLiteCache(url[len("sqlite:///") :])
    if "://" in url:
        raise ValueError(f"cache URL {url!r}: expected 'off', a file path, sqlite:///PATH or redis://HOST:PORT/DB")
    return SQLiteCache(url)
