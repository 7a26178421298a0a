"""Files of step-labelled solutions: read any of the formats, write the JSONL form.

A line is a step record (``{prompt, steps, labels, ...}``, :class:`~rewardlab.data.steps.StepRecord`),
a PRM800K row (:mod:`rewardlab.data.prm800k`) or a Math-Shepherd row
(:mod:`rewardlab.data.math_shepherd`); the format is recognised line by line.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from typing import Any

from ..core.errors import InputError
from .jsonl import iter_jsonl, open_text
from .math_shepherd import math_shepherd_record
from .prm800k import prm800k_records
from .steps import StepRecord

__all__ = ["iter_step_records", "read_step_records", "write_step_records"]


def _records_of(row: dict[str, Any]) -> list[StepRecord]:
    if "steps" in row and "prompt" in row:
        return [StepRecord.from_json(row)]
    if isinstance(row.get("label"), dict) and isinstance(row.get("question"), dict):
        return prm800k_records(row)
    if "input" in row and isinstance(row.get("label"), str):
        return [math_shepherd_record(row)]
    raise ValueError(
        "unknown row format: expected {prompt, steps, labels}, a PRM800K row ({question, label: {steps}}) "
        "or a Math-Shepherd row ({input, label} with 'ки' step tags)"
    )


def iter_step_records(path: str | os.PathLike[str], *, strict: bool = False) -> Iterator[StepRecord | InputError]:
    """Records of a JSONL file (``.gz`` ok), each malformed line as an :class:`InputError` (or raised)."""
    with open_text(path) as fh:
        for row in iter_jsonl(fh, source=str(path)):
            if not row.ok or row.data is None:
                error = InputError(row.error or "unreadable line", source=str(path), line=row.line)
                if strict:
                    raise error
                yield error
                continue
            try:
                yield from _records_of(row.data)
            except (ValueError, KeyError, TypeError) as exc:
                error = InputError(str(exc), source=str(path), line=row.line)
                if strict:
                    raise error from None
                yield error


def read_step_records(path: str | os.PathLike[str], *, strict: bool = False) -> tuple[list[StepRecord], int]:
    """Every record of a file and the number of malformed lines skipped (``strict`` raises instead)."""
    records: list[StepRecord] = []
    skipped = 0
    for item in iter_step_records(path, strict=strict):
        if isinstance(item, InputError):
            skipped += 1
        else:
            records.append(item)
    return records, skipped


def write_step_records(path: str | os.PathLike[str], records: Iterable[StepRecord]) -> int:
    """Write records as JSONL (``.gz`` ok); returns how many were written."""
    n = 0
    with open_text(path, "w") as fh:
        for record in records:
            fh.write(json.dumps(record.to_json(), ensure_ascii=False) + "\n")
            n += 1
    return n
