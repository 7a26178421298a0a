"""Training batches of pairs: shuffled, but grouped by length so that little padding is wasted.

The pairs are shuffled (seeded), cut into pools of ``pool_factor`` batches, sorted by length
inside each pool, cut into batches, and the batches shuffled again: each batch holds pairs of
similar length, and the order still changes every epoch.

>>> batches = bucketed_batches([5, 50, 6, 48, 7, 49], batch_size=2, seed=0, pool_factor=3)
>>> sorted(sorted(b) for b in batches)
[[0, 2], [1, 5], [3, 4]]
>>> sorted(i for b in batches for i in b)
[0, 1, 2, 3, 4, 5]
"""

from __future__ import annotations

import random
from collections.abc import Sequence

__all__ = ["bucketed_batches"]


def bucketed_batches(lengths: Sequence[int], *, batch_size: int, seed: int, pool_factor: int = 50) -> list[list[int]]:
    """Indices of ``lengths`` in shuffled, length-homogeneous batches (every index once)."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    rng = random.Random(seed)
    order = list(range(len(lengths)))
    rng.shuffle(order)
    pool = max(1, pool_factor) * batch_size
    batches: list[list[int]] = []
    for start in range(0, len(order), pool):
        chunk = sorted(order[start : start + pool], key=lambda i: lengths[i])
        batches.extend(chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size))
    rng.shuffle(batches)
    return batches
