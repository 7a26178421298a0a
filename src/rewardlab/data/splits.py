"""Held-out splits of preference pairs that keep related pairs on one side.

Pairs that share a prompt (or a ``question_id``, or any other key) go to the same side, so a
held-out accuracy measures generalization to new prompts, not memory of seen ones.

>>> from rewardlab.data.preferences import PreferencePair
>>> pairs = [PreferencePair(id=str(i), prompt=[{"role": "user", "content": f"q{i % 5}"}], chosen="a", rejected="b")
...          for i in range(20)]
>>> train, held = split_pairs(pairs, eval_fraction=0.2, by="prompt", seed=0)
>>> len(train), len(held)
(16, 4)
>>> {p.prompt_text for p in train} & {p.prompt_text for p in held}
set()
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from typing import Any

from .preferences import PreferencePair

__all__ = ["group_key", "split_pairs"]

_OWN_FIELDS = ("id", "group", "subset")


def group_key(pair: PreferencePair, by: str) -> str:
    """The value that ties ``pair`` to others: ``prompt`` (the whole conversation), ``first_user``
    (the opening user message, case- and space-insensitive), ``id``, ``group``, ``subset``, or a
    ``meta`` field (e.g. ``question_id``)."""
    if by == "prompt":
        return json.dumps(pair.prompt, sort_keys=True, ensure_ascii=False)
    if by == "first_user":
        first = next((m["content"] for m in pair.prompt if m["role"] == "user"), "")
        return " ".join(first.lower().split())
    if by in _OWN_FIELDS:
        value: Any = getattr(pair, by)
    else:
        value = pair.meta.get(by)
    if value is None:
        raise ValueError(
            f"pair '{pair.id}' has no '{by}' to split by; use 'prompt', 'first_user', 'id', 'group', 'subset' "
            f"or a field of the rows (it has: {', '.join(sorted(pair.meta)) or 'none'})"
        )
    return str(value)


def split_pairs(
    pairs: Sequence[PreferencePair], *, eval_fraction: float, by: str = "prompt", seed: int = 0
) -> tuple[list[PreferencePair], list[PreferencePair]]:
    """Split into (train, held-out) with about ``eval_fraction`` of the pairs held out, by group.

    Groups are shuffled with ``random.Random(seed)`` and moved to the held-out side until it
    holds at least ``eval_fraction`` of the pairs; both sides keep the input order.
    """
    if not 0.0 < eval_fraction < 1.0:
        raise ValueError(f"eval_fraction must be between 0 and 1 (exclusive), got {eval_fraction}")
    keys = [group_key(p, by) for p in pairs]
    sizes: dict[str, int] = {}
    for k in keys:
        sizes[k] = sizes.get(k, 0) + 1
    order = list(sizes)
    random.Random(seed).shuffle(order)
    target = eval_fraction * len(pairs)
    held: set[str] = set()
    count = 0
    for k in order:
        if count >= target:
            break
        held.add(k)
        count += sizes[k]
    if len(held) == len(sizes) and len(sizes) > 1:  # never hold out everything
        held.discard(order[len(held) - 1])
    train = [p for p, k in zip(pairs, keys, strict=True) if k not in held]
    evaluation = [p for p, k in zip(pairs, keys, strict=True) if k in held]
    return train, evaluation
