"""Sample files for the evaluations that score plain samples (agreement, distance).

Rows are JSONL objects; ``mapping`` renames fields so a dataset's own names fit the reward
contract, e.g. ``{"prompt": "question", "completion": "solution", "answer": "reference_answer"}``
for the GSM8K model solutions. Best-of-N rows (``instruction`` + ``candidates``) expand to one
sample per candidate, grouped by prompt.

>>> rows = [{"question": "1+1?", "solution": "A: 2", "reference_answer": "2"}]
>>> apply_mapping(rows[0], {"prompt": "question", "completion": "solution", "answer": "reference_answer"})["answer"]
'2'
>>> parse_mapping(["completion=solution", "answer=reference_answer"])
{'completion': 'solution', 'answer': 'reference_answer'}
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import Any

from ...core.errors import InputError

__all__ = ["apply_mapping", "group_of", "load_samples", "parse_mapping"]


def parse_mapping(items: Sequence[str] | None) -> dict[str, str]:
    """``TARGET=SOURCE`` strings (from ``--map``) to a dict; a bad item raises ``ValueError``."""
    out: dict[str, str] = {}
    for item in items or []:
        target, sep, source = item.partition("=")
        if not sep or not target.strip() or not source.strip():
            raise ValueError(f"--map '{item}': expected TARGET=SOURCE, e.g. completion=solution")
        out[target.strip()] = source.strip()
    return out


def apply_mapping(row: dict[str, Any], mapping: dict[str, str]) -> dict[str, Any]:
    """A copy of ``row`` with ``row[source]`` also available as ``target`` for every mapping."""
    out = dict(row)
    for target, source in mapping.items():
        if source not in row:
            raise ValueError(f"field '{source}' (mapped to '{target}') is missing; the row has {sorted(row)}")
        out[target] = row[source]
    return out


def group_of(sample: dict[str, Any], key: str) -> str:
    """The group a sample belongs to (its ``key`` field as text; JSON for lists and objects)."""
    value = sample.get(key)
    if value is None:
        raise ValueError(f"field '{key}' (the group key) is missing")
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def load_samples(
    path: str | os.PathLike[str], *, mapping: dict[str, str] | None = None, limit: int | None = None
) -> list[dict[str, Any]]:
    """Samples from a JSONL file (``.gz`` ok), mapped; best-of-N rows expand to their candidates.

    ``limit`` keeps the first N rows (before expansion). A malformed line raises
    :class:`InputError` with its line number.
    """
    from ...data.jsonl import iter_jsonl, open_text

    source = str(path)
    if not os.path.exists(source):
        raise InputError("no such file", source=source)
    out: list[dict[str, Any]] = []
    rows = 0
    with open_text(source) as fh:
        for row in iter_jsonl(fh, source=source):
            if limit is not None and rows >= limit:
                break
            if not row.ok:
                raise InputError(row.error or "malformed line", source=source, line=row.line)
            rows += 1
            data = row.data or {}
            try:
                if isinstance(data.get("candidates"), list) and "completion" not in (mapping or {}):
                    out += _expand(data, row.line)
                else:
                    out.append(apply_mapping(data, mapping or {}))
            except ValueError as exc:
                raise InputError(str(exc), source=source, line=row.line) from None
    if not out:
        raise InputError("no samples in the file", source=source)
    return out


def _expand(row: dict[str, Any], line: int) -> list[dict[str, Any]]:
    prompt = row.get("instruction", row.get("prompt"))
    if prompt is None:
        raise ValueError("a row with 'candidates' needs 'instruction' or 'prompt'")
    rid = str(row.get("id", f"line-{line}"))
    gold = row.get("gold") if isinstance(row.get("gold"), list) else None
    return [
        {
            "id": f"{rid}#{i}",
            "prompt_id": rid,
            "candidate": i,
            "prompt": prompt,
            "completion": c,
            **({"gold": gold[i]} if gold is not None and i < len(gold) else {}),
        }
        for i, c in enumerate(row["candidates"])
    ]
