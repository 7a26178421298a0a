"""Math-Shepherd (Wang et al., 2024) rows as step-labelled records.

A row is the solution with a step tag ``ки`` after each step (``input``) and the same text with
each tag replaced by ``+`` (the step leads to the right answer) or ``-`` (``label``).

>>> math_shepherd_record({"input": "Q? Step 1: a ки\\nStep 2: b ки", "label": "Q? Step 1: a +\\nStep 2: b -"}).labels
[1.0, 0.0]
"""

from __future__ import annotations

from typing import Any

from .steps import StepRecord

__all__ = ["MATH_SHEPHERD_TAG", "math_shepherd_record"]

MATH_SHEPHERD_TAG = "ки"


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
