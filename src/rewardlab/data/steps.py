"""Step-labelled solutions: the training data of process reward models.

A :class:`StepRecord` is a problem, its solution split into steps, a label per step in [0, 1]
(1 = the step is correct / leads to a correct answer; ``None`` = unlabelled, left out of the
loss) and the outcome (was the final answer correct). The JSONL form, one record a line::

    {"id": "gsm8k-train-3-ref", "prompt": "Janet has ...", "steps": ["She eats 3 ...", "A: 18"],
     "labels": [1.0, 1.0], "outcome": 1.0, "source": "reference"}

:func:`read_step_records` reads that form and converts, row by row, the two public formats:
PRM800K (:mod:`rewardlab.data.prm800k`) and Math-Shepherd (``input`` with ``ки`` step tags,
``label`` with ``+`` / ``-`` in their place).

>>> r = StepRecord(prompt="1+1?", steps=["1+1=2", "A: 2"], labels=[1.0, 1.0], outcome=1.0)
>>> StepRecord.from_json(r.to_json()) == r
True
>>> math_shepherd_record({"input": "Q? Step 1: a ки\\nStep 2: b ки", "label": "Q? Step 1: a +\\nStep 2: b -"}).labels
[1.0, 0.0]
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from ..core.errors import InputError

__all__ = [
    "StepRecord",
    "math_shepherd_record",
    "read_step_records",
    "write_step_records",
]

MATH_SHEPHERD_TAG = "ки"


@dataclass
class StepRecord:
    """A solution split into steps, with a label per step and the outcome."""

    prompt: str | list[dict[str, Any]]
    steps: list[str]
    labels: list[float | None]
    outcome: float | None = None
    id: str | None = None
    source: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.steps, list) or not all(isinstance(s, str) for s in self.steps):
            raise ValueError("'steps' must be a list of strings")
        if not self.steps:
            raise ValueError("'steps' is empty")
        if len(self.labels) != len(self.steps):
            raise ValueError(f"'labels' has {len(self.labels)} entries for {len(self.steps)} steps")
        for i, label in enumerate(self.labels):
            if label is not None and not (isinstance(label, (int, float)) and 0.0 <= float(label) <= 1.0):
                raise ValueError(f"labels[{i}] must be a number in [0, 1] or null, got {label!r}")
        self.labels = [None if v is None else float(v) for v in self.labels]
        if self.outcome is not None:
            if not 0.0 <= float(self.outcome) <= 1.0:
                raise ValueError(f"'outcome' must be in [0, 1], got {self.outcome!r}")
            self.outcome = float(self.outcome)

    @property
    def first_error(self) -> int | None:
        """Index of the first step labelled below 0.5 (``None`` when there is none)."""
        return next((i for i, v in enumerate(self.labels) if v is not None and v < 0.5), None)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        if not data["meta"]:
            data.pop("meta")
        return {k: v for k, v in data.items() if v is not None}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StepRecord:
        if "steps" not in data or "prompt" not in data:
            missing = "steps" if "steps" not in data else "prompt"
            raise ValueError(f"missing field '{missing}'")
        labels = data.get("labels")
        if labels is None:
            labels = [None] * len(data["steps"]) if isinstance(data["steps"], list) else []
        return cls(
            prompt=data["prompt"],
            steps=list(data["steps"]),
            labels=list(labels),
            outcome=data.get("outcome"),
            id=None if data.get("id") is None else str(data["id"]),
            source=data.get("source"),
            meta=dict(data.get("meta") or {}),
        )


def math_shepherd_record(row: dict[str, Any]) -> StepRecord:
    """A Math-Shepherd row (``input`` / ``label`` with step tags) as a :class:`StepRecord`."""
    text, tagged = str(row["input"]), str(row["label"])
    pieces = text.split(MATH_SHEPHERD_TAG)
    if len(pieces) < 2:
        raise ValueError(f"'input' has no '{MATH_SHEPHERD_TAG}' step tags")
    body = pieces[:-1]
    # The question is before "Step 1:" when present, else the first line.
    first = body[0]
    at = first.find("Step 1")
    if at < 0:
        at = first.find("\n") + 1 if "\n" in first else 0
    prompt, body[0] = first[:at].strip(), first[at:]
    steps = [s.strip() for s in body]
    labels: list[float | None] = []
    cursor = len(prompt)
    for step in steps:
        at = tagged.find(step, cursor)
        mark = tagged[at + len(step) : at + len(step) + 2].strip() if at >= 0 else ""
        labels.append(1.0 if mark.startswith("+") else 0.0 if mark.startswith("-") else None)
        cursor = at + len(step) if at >= 0 else cursor
    outcome = labels[-1] if labels and labels[-1] is not None else None
    return StepRecord(prompt=prompt, steps=steps, labels=labels, outcome=outcome, source=row.get("task"))


def _records_of(row: dict[str, Any]) -> list[StepRecord]:
    if "steps" in row and "prompt" in row:
        return [StepRecord.from_json(row)]
    if isinstance(row.get("label"), dict) and isinstance(row.get("question"), dict):
        from .prm800k import prm800k_records

        return prm800k_records(row)
    if "input" in row and isinstance(row.get("label"), str):
        return [math_shepherd_record(row)]
    raise ValueError(
        "unknown row format: expected {prompt, steps, labels}, a PRM800K row ({question, label: {steps}}) "
        "or a Math-Shepherd row ({input, label} with 'ки' step tags)"
    )


def iter_step_records(path: str | os.PathLike[str], *, strict: bool = False) -> Iterator[StepRecord | InputError]:
    """Records of a JSONL file (``.gz`` ok), each malformed line as an :class:`InputError` (or raised)."""
    from .jsonl import iter_jsonl, open_text

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
    from .jsonl import open_text

    n = 0
    with open_text(path, "w") as fh:
        for record in records:
            fh.write(json.dumps(record.to_json(), ensure_ascii=False) + "\n")
            n += 1
    return n
