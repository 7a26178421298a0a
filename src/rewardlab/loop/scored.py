"""Reading scored samples: the score, the group and the final answer of every row.

A scored file is what ``rewardlab score`` writes: the sample's fields plus a ``reward`` object.
Fields are named by dotted paths into a row (``reward.score``, ``reward.components.math``,
``reward.info.extracted``). The group of a row is ``group_key`` (default: ``group_id`` when the
first row has it, as ``rewardlab sample`` writes, else the prompt).

A row without the score field, or a line that is not JSON, is a :class:`ScoredFileError` naming
the line (``skip_bad=True`` counts and skips them instead). A score of ``null`` (a sample the
reward did not apply to, or failed on) is kept as ``None``: it is never selected, and it does
not pass.

>>> rows = [{"group_id": "a", "completion": "x", "reward": {"score": 1.0, "info": {"extracted": "4"}}},
...         {"group_id": "a", "completion": "y", "reward": {"score": None}}]
>>> data = scored_rows(rows, answer_key="reward.info.extracted")
>>> [(r.group, r.score, r.answer) for r in data.rows]
[('a', 1.0, '4'), ('a', None, None)]
>>> get_path({"a": {"b": [5, 6]}}, "a.b.1")
6
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..data.jsonl import iter_jsonl, open_text

__all__ = ["MISSING", "ScoredData", "ScoredFileError", "ScoredRow", "get_path", "read_scored", "scored_rows"]


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()
"""What :func:`get_path` returns for a path the row does not have."""


class ScoredFileError(ValueError):
    """A scored file that cannot be read as asked (the message names the line and the field)."""


def get_path(row: Any, path: str) -> Any:
    """The value at a dotted path (``reward.components.math``; list items by index), or :data:`MISSING`."""
    value = row
    for part in path.split("."):
        if isinstance(value, dict):
            if part not in value:
                return MISSING
            value = value[part]
        elif isinstance(value, list) and part.lstrip("-").isdigit():
            index = int(part)
            if not -len(value) <= index < len(value):
                return MISSING
            value = value[index]
        else:
            return MISSING
    return value


@dataclass
class ScoredRow:
    """One scored sample."""

    line: int
    data: dict[str, Any]
    group: str
    score: float | None
    answer: str | None = None
    """The row's final answer (``answer_key``), for majority votes; ``None`` when it has none."""

    @property
    def index(self) -> int:
        """The sample index within its group (``sample_index``, else the line)."""
        value = self.data.get("sample_index")
        return value if isinstance(value, int) and not isinstance(value, bool) else self.line


@dataclass
class ScoredData:
    """The rows of a scored file, and their groups in order of first appearance."""

    rows: list[ScoredRow]
    score_key: str
    group_key: str
    skipped: list[tuple[int, str]] = field(default_factory=list)

    def groups(self) -> dict[str, list[ScoredRow]]:
        out: dict[str, list[ScoredRow]] = {}
        for r in self.rows:
            out.setdefault(r.group, []).append(r)
        return out


def _group_value(data: dict[str, Any], key: str) -> str | None:
    value = get_path(data, key)
    if value is MISSING or value is None:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _score(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(type(value).__name__)
    number = float(value)
    return number if math.isfinite(number) else None


def scored_rows(
    rows: Iterable[dict[str, Any] | tuple[int, dict[str, Any] | None, str | None]],
    *,
    score_key: str = "reward.score",
    group_key: str | None = None,
    answer_key: str | None = None,
    skip_bad: bool = False,
    source: str = "input",
) -> ScoredData:
    """Scored rows from dicts (or ``(line, data, error)`` triples, as :func:`read_scored` passes)."""
    out: list[ScoredRow] = []
    skipped: list[tuple[int, str]] = []
    key = group_key

    def bad(line: int, message: str) -> None:
        if not skip_bad:
            raise ScoredFileError(f"{source}:{line}: {message}")
        skipped.append((line, message))

    for number, item in enumerate(rows, start=1):
        line, data, error = item if isinstance(item, tuple) else (number, item, None)
        if error is not None or data is None:
            bad(line, error or "malformed line")
            continue
        if key is None:
            key = "group_id" if "group_id" in data else "prompt"
        raw = get_path(data, score_key)
        if raw is MISSING:
            hint = " (is this a file written by `rewardlab score`? --score-key names another field)"
            bad(line, f"no '{score_key}' field{hint if score_key == 'reward.score' else ''}")
            continue
        try:
            score = _score(raw)
        except TypeError as exc:
            bad(line, f"'{score_key}' must be a number or null, got {exc}")
            continue
        group = _group_value(data, key)
        if group is None:
            bad(line, f"no '{key}' field to group by (--group-key names another field)")
            continue
        answer = None
        if answer_key is not None:
            value = get_path(data, answer_key)
            answer = None if value is MISSING or value is None else str(value)
        out.append(ScoredRow(line, data, group, score, answer))
    return ScoredData(out, score_key, key or "group_id", skipped)


def read_scored(
    path: str | os.PathLike[str],
    *,
    score_key: str = "reward.score",
    group_key: str | None = None,
    answer_key: str | None = None,
    skip_bad: bool = False,
) -> ScoredData:
    """Read a scored JSONL file (``.gz`` ok, ``-`` is stdin); see :func:`scored_rows`."""
    with open_text(path) as fh:
        triples = ((r.line, r.data, r.error) for r in iter_jsonl(fh, source=str(path)))
        return scored_rows(
            triples,
            score_key=score_key,
            group_key=group_key,
            answer_key=answer_key,
            skip_bad=skip_bad,
            source=str(path),
        )
