"""The database a sample's SQL runs on: a SQLite file (opened read-only) or inline SQL text.

A sample's ``db`` field is either

- a path to a SQLite file (``.sqlite``, ``.db``, ...; relative paths resolve against the
  reward's ``db_root``, else the current directory), opened with ``mode=ro``; or
- inline SQL text (``CREATE TABLE ...; INSERT INTO ...;``), built once into an in-memory
  database and cached (by content hash), each query getting a fresh in-memory copy; or
- a mapping ``{"path": ...}`` or ``{"sql": ...}`` to say which explicitly.

Every connection handed out is read-only three times over: the file is opened ``mode=ro``,
``PRAGMA query_only`` is on, and an authorizer allows only reads (no INSERT/UPDATE/DELETE,
CREATE/DROP/ALTER, ATTACH/DETACH, PRAGMA, transactions, VACUUM, ``load_extension``). Strings
and blobs are capped (``SQLITE_LIMIT_LENGTH``) so ``zeroblob(1e9)`` cannot eat memory.

>>> src = resolve_database("CREATE TABLE t(a INT); INSERT INTO t VALUES (1), (2);")
>>> src.kind
'inline'
>>> with src.connect() as conn:
...     conn.execute("SELECT sum(a) FROM t").fetchall()
[(3,)]
"""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

__all__ = ["DatabaseSource", "build_inline", "read_only_authorizer", "resolve_database"]

MAX_VALUE_BYTES = 10_000_000  # longest string or blob a query may build
MAX_SCRIPT_CHARS = 50_000_000  # largest inline CREATE/INSERT script
BUILD_TIMEOUT_S = 30.0
_CACHE_BYTES = 256 * 1024 * 1024

_READ_ACTIONS = {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION, sqlite3.SQLITE_RECURSIVE}
_DENIED_FUNCTIONS = {"load_extension", "readfile", "writefile", "edit", "fts3_tokenizer"}
_SQL_START = re.compile(
    r"^\s*(?:(?:--[^\n]*\n|/\*.*?\*/)\s*)*(?:CREATE|INSERT|BEGIN|PRAGMA|WITH|DROP|REPLACE|ATTACH)\b",
    re.IGNORECASE | re.DOTALL,
)
# Pragmas an inline build script may use (dumps often start with some of these).
_BUILD_PRAGMAS = {
    "foreign_keys",
    "defer_foreign_keys",
    "encoding",
    "journal_mode",
    "synchronous",
    "user_version",
    "application_id",
    "recursive_triggers",
    "case_sensitive_like",
    "legacy_alter_table",
}


def read_only_authorizer(action: int, arg1: Any, arg2: Any, db_name: Any, trigger: Any) -> int:
    """A SQLite authorizer that allows reads only (and no dangerous functions)."""
    if action == sqlite3.SQLITE_FUNCTION:
        return sqlite3.SQLITE_DENY if str(arg2).lower() in _DENIED_FUNCTIONS else sqlite3.SQLITE_OK
    return sqlite3.SQLITE_OK if action in _READ_ACTIONS else sqlite3.SQLITE_DENY


def _build_authorizer(action: int, arg1: Any, arg2: Any, db_name: Any, trigger: Any) -> int:
    """What an inline build script may do: create and fill tables in memory; no ATTACH, no files."""
    if action in (sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH):
        return sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_PRAGMA:
        return sqlite3.SQLITE_OK if str(arg1).lower() in _BUILD_PRAGMAS else sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_FUNCTION and str(arg2).lower() in _DENIED_FUNCTIONS:
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


def _harden(conn: sqlite3.Connection) -> sqlite3.Connection:
    conn.execute("PRAGMA query_only = ON")
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
    conn.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
    conn.set_authorizer(read_only_authorizer)
    return conn


class _BytesCache:
    """Serialized inline databases, least recently used evicted past a byte budget."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            data = self._items.get(key)
            if data is not None:
                self._items.move_to_end(key)
            return data

    def put(self, key: str, data: bytes) -> None:
        with self._lock:
            if key in self._items:
                return
            self._items[key] = data
            self._size += len(data)
            while self._size > self.budget and len(self._items) > 1:
                _, old = self._items.popitem(last=False)
                self._size -= len(old)


_INLINE_CACHE = _BytesCache(_CACHE_BYTES)


def build_inline(script: str, *, timeout_s: float = BUILD_TIMEOUT_S) -> bytes:
    """Run a CREATE/INSERT script in memory and return the serialized database (cached by hash)."""
    key = hashlib.sha256(script.encode("utf-8", "surrogatepass")).hexdigest()
    cached = _INLINE_CACHE.get(key)
    if cached is not None:
        return cached
    if len(script) > MAX_SCRIPT_CHARS:
        raise ValueError(f"inline SQL is too large ({len(script)} characters > {MAX_SCRIPT_CHARS})")
    conn = sqlite3.connect(":memory:")
    try:
        conn.set_authorizer(_build_authorizer)
        deadline = time.monotonic() + timeout_s
        conn.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
        try:
            conn.executescript(script)
        except sqlite3.Error as exc:
            if time.monotonic() > deadline:
                raise ValueError(f"building the inline database took longer than {timeout_s:g}s") from None
            raise ValueError(f"the inline SQL does not build a database: {exc}") from None
        conn.commit()
        conn.set_authorizer(None)  # serialize() reads page counts through pragmas
        conn.set_progress_handler(None, 0)
        data = conn.serialize()
    finally:
        conn.close()
    _INLINE_CACHE.put(key, data)
    return data


@dataclass(frozen=True)
class DatabaseSource:
    """Where a sample's database comes from; :meth:`connect` opens a hardened read-only connection."""

    kind: str  # "file" or "inline"
    key: str  # identifies the content (path + mtime + size, or the script's hash)
    path: str | None = None
    script: str | None = None

    def connect(self) -> sqlite3.Connection:
        if self.kind == "file":
            assert self.path is not None
            conn = sqlite3.connect(f"file:{quote(self.path)}?mode=ro", uri=True, check_same_thread=False)
        else:
            assert self.script is not None
            data = build_inline(self.script)
            conn = sqlite3.connect(":memory:", check_same_thread=False)
            conn.deserialize(data)
        return _harden(conn)

    def describe(self) -> str:
        return self.path if self.kind == "file" else f"inline SQL ({len(self.script or '')} characters)"


def _looks_like_sql(text: str) -> bool:
    return bool(_SQL_START.match(text)) or ("\n" in text and ";" in text)


def resolve_database(value: Any, *, root: str | os.PathLike[str] | None = None, field: str = "db") -> DatabaseSource:
    """Interpret a sample's ``db`` field (see the module docstring). Errors name the field."""
    if isinstance(value, dict):
        keys = set(value) & {"path", "sql"}
        if len(keys) != 1 or set(value) - {"path", "sql"}:
            raise ValueError(
                f"field '{field}': a mapping must have exactly one of 'path' or 'sql', got {sorted(value)}"
            )
        if "sql" in value:
            return _inline(value["sql"], field)
        return _file(value["path"], root, field)
    if isinstance(value, os.PathLike):
        return _file(os.fspath(value), root, field)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(
            f"field '{field}': expected a SQLite file path or inline SQL (CREATE TABLE ...), got {type(value).__name__}"
        )
    if _looks_like_sql(value):
        return _inline(value, field)
    return _file(value, root, field)


def _inline(script: Any, field: str) -> DatabaseSource:
    if not isinstance(script, str) or not script.strip():
        raise ValueError(f"field '{field}': inline SQL must be non-empty text")
    key = "sql:" + hashlib.sha256(script.encode("utf-8", "surrogatepass")).hexdigest()
    return DatabaseSource(kind="inline", key=key, script=script)


def _file(path: Any, root: str | os.PathLike[str] | None, field: str) -> DatabaseSource:
    if not isinstance(path, str) or not path.strip():
        raise ValueError(f"field '{field}': 'path' must be a file path")
    p = Path(path).expanduser()
    if not p.is_absolute() and root is not None:
        p = Path(root) / p
    try:
        stat = p.stat()
    except OSError:
        where = f" (relative paths resolve against db_root={root})" if root is not None else ""
        raise ValueError(
            f"field '{field}': no such database file '{p}'{where}; inline SQL must start with CREATE TABLE, INSERT, ..."
        ) from None
    if not p.is_file():
        raise ValueError(f"field '{field}': '{p}' is not a file")
    resolved = str(p.resolve())
    return DatabaseSource(kind="file", key=f"file:{resolved}:{stat.st_mtime_ns}:{stat.st_size}", path=resolved)
