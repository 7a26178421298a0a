"""The run store: every evaluation run, recorded in SQLite under ``rewardlab_home()``.

A row holds the run's id, kind (``prefs``, ``bon``, ``robustness``, ``agreement``, ``distance``),
time, reward, spec hash, data file, run directory and headline numbers (JSON). The run directory
itself (``summary.json``, ``samples.jsonl``, ``report.html``) is the source of truth; the store is
the index that ``rewardlab runs`` lists and ``rewardlab compare`` / ``rewardlab report`` look runs
up in (by id, unique id prefix, or directory path).

>>> import tempfile, pathlib
>>> store = RunStore(pathlib.Path(tempfile.mkdtemp()) / "runs.sqlite3")
>>> store.record(RunRecord("prefs-1", "prefs", "2025-01-01T00:00:00Z", "length", "ab12", "d.jsonl", "/tmp/r",
...                        {"accuracy": 0.6}))
>>> [r.run_id for r in store.list()], store.get("prefs").headline
(['prefs-1'], {'accuracy': 0.6})
"""

from __future__ import annotations

import json
import os
import sqlite3
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...core.errors import RewardlabError
from ...data.jsonl import dumps

__all__ = ["RunNotFound", "RunRecord", "RunStore", "default_store_path"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id      TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    reward      TEXT,
    spec_hash   TEXT,
    data        TEXT,
    dir         TEXT NOT NULL,
    headline    TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS runs_created ON runs (created_at);
"""


class RunNotFound(RewardlabError):
    """No run matches the given id, prefix or directory."""


@dataclass
class RunRecord:
    """One evaluation run as listed by ``rewardlab runs``."""

    run_id: str
    kind: str
    created_at: str
    reward: str | None
    spec_hash: str | None
    data: str | None
    dir: str
    headline: dict[str, Any] = field(default_factory=dict)


def default_store_path() -> Path:
    """``$REWARDLAB_HOME/runs.sqlite3`` (``~/.rewardlab/runs.sqlite3`` by default)."""
    from ...core.paths import rewardlab_home

    return rewardlab_home() / "runs.sqlite3"


class RunStore:
    """SQLite index of evaluation runs (safe to share between processes: WAL, busy timeout)."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path is not None else default_store_path()

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=30.0)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.executescript(_SCHEMA)
        return conn

    def record(self, run: RunRecord) -> None:
        """Add (or replace) a run."""
        with closing(self._connect()) as conn, conn:
            conn.execute(
                "INSERT OR REPLACE INTO runs (run_id, kind, created_at, reward, spec_hash, data, dir, headline) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    run.run_id,
                    run.kind,
                    run.created_at,
                    run.reward,
                    run.spec_hash,
                    run.data,
                    str(run.dir),
                    dumps(run.headline),
                ),
            )

    def delete(self, run_id: str) -> bool:
        """Remove a run from the index (its directory is left alone); whether it was there."""
        if not self.path.exists():
            return False
        with closing(self._connect()) as conn, conn:
            return conn.execute("DELETE FROM runs WHERE run_id = ?", (run_id,)).rowcount > 0

    def list(self, *, kind: str | None = None, limit: int | None = 50) -> list[RunRecord]:
        """Runs, newest first (``kind`` filters; ``limit=None`` for all)."""
        query = "SELECT run_id, kind, created_at, reward, spec_hash, data, dir, headline FROM runs"
        args: list[Any] = []
        if kind:
            query += " WHERE kind = ?"
            args.append(kind)
        query += " ORDER BY created_at DESC, rowid DESC"
        if limit is not None:
            query += " LIMIT ?"
            args.append(int(limit))
        if not self.path.exists():
            return []
        with closing(self._connect()) as conn:
            rows = conn.execute(query, args).fetchall()
        return [_row(r) for r in rows]

    def get(self, ref: str) -> RunRecord:
        """A run by id, by unique id prefix, or by its directory (a path holding summary.json)."""
        path = Path(ref).expanduser()
        if (path / "summary.json").is_file():
            resolved = str(path.resolve())
            for run in self.list(limit=None):
                if str(Path(run.dir).resolve()) == resolved:
                    return run
            return record_from_dir(path)
        if self.path.exists():
            with closing(self._connect()) as conn:
                rows = conn.execute(
                    "SELECT run_id, kind, created_at, reward, spec_hash, data, dir, headline FROM runs "
                    "WHERE run_id = ? OR run_id LIKE ? ESCAPE '\\' ORDER BY created_at DESC",
                    (ref, _like_prefix(ref)),
                ).fetchall()
            exact = [r for r in rows if r[0] == ref]
            if exact:
                return _row(exact[0])
            if len(rows) == 1:
                return _row(rows[0])
            if len(rows) > 1:
                ids = ", ".join(r[0] for r in rows[:5])
                raise RunNotFound(f"run '{ref}' is ambiguous: {len(rows)} runs start with it ({ids}, ...)")
        raise RunNotFound(
            f"no run '{ref}' in {self.path}; expected a run id or prefix (see `rewardlab runs`) "
            "or a run directory holding summary.json"
        )


def _like_prefix(prefix: str) -> str:
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


def _row(r: tuple[Any, ...]) -> RunRecord:
    return RunRecord(r[0], r[1], r[2], r[3], r[4], r[5], r[6], json.loads(r[7] or "{}"))


def record_from_dir(path: str | os.PathLike[str]) -> RunRecord:
    """A :class:`RunRecord` rebuilt from a run directory's ``summary.json``."""
    summary_path = Path(path) / "summary.json"
    try:
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise RunNotFound(f"{summary_path}: cannot read the run summary ({exc})") from None
    reward = summary.get("reward") or {}
    return RunRecord(
        run_id=summary.get("run_id", Path(path).name),
        kind=summary.get("kind", "?"),
        created_at=summary.get("created_at", ""),
        reward=reward.get("name") if isinstance(reward, dict) else str(reward),
        spec_hash=reward.get("spec_hash") if isinstance(reward, dict) else None,
        data=(summary.get("data") or {}).get("path"),
        dir=str(Path(path)),
        headline=summary.get("headline") or {},
    )
