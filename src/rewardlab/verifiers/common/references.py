"""Reading a sample's reference answers: a string, a number, or a list of them, as text.

Every verifier that compares a completion with references (``exact_match``, ``qa``, ``choice``,
``math``) reads them here, so a malformed reference is the same error everywhere.
"""

from __future__ import annotations

import math
from typing import Any

from ...core.errors import NotApplicable
from ...core.sample import Sample

__all__ = ["reference_texts", "references"]


def reference_texts(value: Any, field: str) -> list[str]:
    """The references in a field's value -- a string, a number, or a list of them -- as text.

    Anything else (an object, a nested list, NaN) is not a reference a completion can match: it
    raises ``ValueError`` naming the field, so the sample is an error, never a silent 0.0.

    >>> reference_texts(["Paris", 4, None], "answer")
    ['Paris', '4']
    >>> reference_texts({"x": [1]}, "answer")
    Traceback (most recent call last):
    ...
    ValueError: field 'answer': expected a string, a number or a list of them, got an object {'x': [1]}
    """
    values = value if isinstance(value, (list, tuple)) else [value]
    refs: list[str] = []
    for i, v in enumerate(values):
        if v is None:
            continue
        if isinstance(v, str):
            refs.append(v)
        elif isinstance(v, (int, float)) and (not isinstance(v, float) or math.isfinite(v)):
            refs.append(str(v))
        else:
            where = f"{field}[{i}]" if values is value else field
            kind = {dict: "an object", list: "a list", tuple: "a list"}.get(type(v), type(v).__name__)
            shown = repr(v) if len(repr(v)) <= 60 else repr(v)[:57] + "..."
            raise ValueError(f"field '{where}': expected a string, a number or a list of them, got {kind} {shown}")
    return refs


def references(sample: Sample, field: str) -> list[str]:
    """The reference answers in ``field`` (a string, a number or a list of them); raises
    NotApplicable if none, ``ValueError`` naming the field if the value is not a reference."""
    value = sample.get(field)
    if value is None:
        raise NotApplicable(f"the sample has no reference in field '{field}'")
    refs = reference_texts(value, field)
    if not refs:
        raise NotApplicable(f"field '{field}' holds no reference")
    return refs
