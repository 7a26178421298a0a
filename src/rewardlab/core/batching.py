"""Cutting a stream of samples into batches without splitting a group.

When a spec is batch dependent (group normalization), every completion of a prompt must be in
the same batch; :func:`batches` only cuts between groups. Groups are expected to be
contiguous in the stream (as trainers and the CLI write them); a group that reappears later is
reported by :class:`GroupTracker`.

>>> rows = [{"g": 1}, {"g": 1}, {"g": 2}, {"g": 3}, {"g": 3}]
>>> [len(b) for b in batches(rows, 2, key=lambda r: r["g"])]
[2, 3]
>>> [len(b) for b in batches(rows, 2)]
[2, 2, 1]
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from .reward import Reward

__all__ = ["batches", "group_fields", "is_batch_dependent"]

T = TypeVar("T")


def batches(items: Iterable[T], size: int, *, key: Callable[[T], Any] | None = None) -> Iterator[list[T]]:
    """Batches of about ``size`` items; with ``key``, a batch ends only where the key changes."""
    if size < 1:
        raise ValueError("batch size must be at least 1")
    batch: list[T] = []
    last: Any = object()
    for item in items:
        k = key(item) if key is not None else None
        if len(batch) >= size and (key is None or _norm(k) != last):
            yield batch
            batch = []
        batch.append(item)
        if key is not None:
            last = _norm(k)
    if batch:
        yield batch


def _norm(value: Any) -> Any:
    try:
        hash(value)
        return value
    except TypeError:
        return json.dumps(value, sort_keys=True, default=str)


def is_batch_dependent(reward: Reward) -> bool:
    """Whether any node of the tree makes one sample's score depend on the others."""
    return any(r.batch_dependent for r in reward.walk())


def group_fields(reward: Reward) -> list[str]:
    """Group-key fields named by the batch-dependent nodes of a tree."""
    out: list[str] = []
    for r in reward.walk():
        value = getattr(r, "group_key", None) if r.batch_dependent else None
        if isinstance(value, str) and value not in out:
            out.append(value)
    return out
