"""Run one query on a read-only connection with a time limit and a row limit.

The time limit is enforced by SQLite's progress handler (checked every few thousand virtual
machine steps, in whatever thread runs the query: no signals), so a recursive CTE that never
ends or a cartesian product of ten tables stops on time and the connection stays usable.

>>> from rewardlab.verifiers.sql.database import resolve_database
>>> db = resolve_database("CREATE TABLE t(a); INSERT INTO t VALUES (1), (2);")
>>> run_query(db, "SELECT a FROM t ORDER BY a").rows
[(1,), (2,)]
>>> out = run_query(db, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c",
...                 timeout_s=0.2)
>>> out.timed_out, out.error
(True, 'timed out after 0.2s')
>>> run_query(db, "DELETE FROM t").error
'not authorized'
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass, field
from typing import Any

from .database import DatabaseSource

__all__ = ["QueryOutcome", "run_query"]

_PROGRESS_STEPS = 5_000


@dataclass
class QueryOutcome:
    """Rows (as tuples) and column names of a query, or why there are none."""

    rows: list[tuple[Any, ...]] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    error: str | None = None
    timed_out: bool = False
    truncated: bool = False
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None and not self.truncated


def run_query(db: DatabaseSource, sql: str, *, timeout_s: float = 5.0, max_rows: int = 100_000) -> QueryOutcome:
    """Execute ``sql`` on a fresh hardened connection to ``db``."""
    started = time.monotonic()
    deadline = started + timeout_s
    out = QueryOutcome()
    try:
        conn = db.connect()
    except (sqlite3.Error, ValueError) as exc:
        raise ValueError(f"cannot open the database {db.describe()}: {exc}") from None
    try:
        conn.set_progress_handler(lambda: int(time.monotonic() > deadline), _PROGRESS_STEPS)
        cursor = conn.execute(sql)
        out.columns = [d[0] for d in cursor.description or ()]
        rows = cursor.fetchmany(max_rows + 1)
        if len(rows) > max_rows:
            out.truncated = True
            rows = rows[:max_rows]
        out.rows = [tuple(r) for r in rows]
    except sqlite3.Error as exc:
        if time.monotonic() > deadline:
            out.timed_out = True
            out.error = f"timed out after {timeout_s:g}s"
        else:
            out.error = str(exc) or type(exc).__name__
    except (ValueError, OverflowError, MemoryError) as exc:  # e.g. two statements at once, a huge value
        out.error = f"{type(exc).__name__}: {exc}"
    finally:
        conn.close()
        out.seconds = time.monotonic() - started
    return out
