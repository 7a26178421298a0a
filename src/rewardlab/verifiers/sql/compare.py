"""Compare two query results: as multisets of rows (default) or as ordered lists.

Values are normalized before comparing: floats rounded to ``float_digits`` places (so
``0.1 + 0.2`` equals ``0.3``), integers and floats of equal value are equal (``1 == 1.0``).
Column names never matter; column order does (it is part of what the query asked for).

>>> same_result([(1, "a"), (2, "b")], [(2, "b"), (1, "a")])
True
>>> same_result([(1, "a"), (2, "b")], [(2, "b"), (1, "a")], ordered=True)
False
>>> same_result([(1,), (1,)], [(1,)])       # multisets: duplicates count
False
>>> same_result([(0.1 + 0.2,)], [(0.3,)])
True
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

__all__ = ["normalize_row", "same_result"]


def _value(v: Any, digits: int | None) -> Any:
    if isinstance(v, float):
        if digits is not None:
            v = round(v, digits)
        return 0.0 if v == 0 else v
    if isinstance(v, memoryview):
        return bytes(v)
    return v


def normalize_row(row: Sequence[Any], digits: int | None = 6) -> tuple[Any, ...]:
    return tuple(_value(v, digits) for v in row)


def same_result(
    predicted: Sequence[Sequence[Any]],
    gold: Sequence[Sequence[Any]],
    *,
    ordered: bool = False,
    float_digits: int | None = 6,
) -> bool:
    """Whether two result sets are equal (as multisets, or in order with ``ordered``)."""
    if len(predicted) != len(gold):
        return False
    p = [normalize_row(r, float_digits) for r in predicted]
    g = [normalize_row(r, float_digits) for r in gold]
    if p and g and len(p[0]) != len(g[0]):
        return False
    if ordered:
        return p == g
    return Counter(p) == Counter(g)
