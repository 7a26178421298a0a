"""Choosing from scored samples: best-of-N, threshold, top-k, preference pairs, group filters.

Each rule works on the groups of a :class:`~rewardlab.loop.scored.ScoredData` (the completions of
one prompt) and returns rows; :func:`sft_row`, :func:`dpo_row` and :func:`prompt_row` shape them
for a trainer.

- :func:`best_of_n` -- the highest score of each group (best-of-N reranking); with ``n``, among
  the group's first ``n`` samples only (best-of-N for several N from one file);
- :func:`threshold` -- every sample scoring at least ``min_score`` (rejection sampling, ReST);
- :func:`top_k` -- the ``k`` best of each group (RAFT);
- :func:`pairs` -- chosen / rejected per group with at least ``min_margin`` between them
  (iterative DPO, reward-model training): the best against the worst, or every such pair;
- :func:`filter_groups` -- drop groups whose scores have zero variance, or whose mean is outside a
  band (DAPO dynamic sampling, curriculum).

**Ties** are broken as ``rewardlab eval bon`` does by default: uniformly at random among the
tied samples (``tie_break="random"``, seeded by ``seed`` and the group, so a rerun picks the
same), or by the lowest sample index (``"index"``). Samples without a score are never picked.

>>> from rewardlab.loop.scored import scored_rows
>>> data = scored_rows([
...     {"group_id": "g", "sample_index": i, "prompt": "2+2?", "completion": c, "reward": {"score": s}}
...     for i, (c, s) in enumerate([("4", 1.0), ("5", 0.0), ("four", 1.0), ("?", None)])])
>>> [r.data["completion"] for r in best_of_n(data, tie_break="index")]
['4']
>>> [(c.data["completion"], r.data["completion"]) for c, r in pairs(data, min_margin=0.5, tie_break="index")]
[('4', '5')]
>>> dpo_row(*pairs(data, tie_break="index")[0])["chosen"]
[{'role': 'assistant', 'content': '4'}]
>>> filter_groups(data, drop_zero_variance=True, min_mean=0.9)
[]
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from typing import Any, Literal

from .prompts import as_messages
from .scored import ScoredData, ScoredRow

__all__ = [
    "SAMPLE_FIELDS",
    "TieBreak",
    "best_of_n",
    "dpo_row",
    "filter_groups",
    "pairs",
    "prompt_row",
    "ranked",
    "sft_row",
    "threshold",
    "top_k",
]

TieBreak = Literal["random", "index"]

SAMPLE_FIELDS = (
    "completion",
    "reward",
    "sample_index",
    "completion_tokens",
    "finish_reason",
    "prompt_tokens",
)
"""Fields of one completion, left out of a prompt-ready row."""


def _rng(seed: int, group: str) -> random.Random:
    digest = hashlib.sha256(f"{seed}:{group}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def ranked(rows: Sequence[ScoredRow], *, tie_break: TieBreak = "random", seed: int = 0) -> list[ScoredRow]:
    """The scored rows of one group, best first; ties in a random (seeded) or index order."""
    if tie_break not in ("random", "index"):
        raise ValueError(f"tie_break must be 'random' or 'index', got {tie_break!r}")
    scored = [r for r in rows if r.score is not None]
    if tie_break == "random":
        rng = _rng(seed, scored[0].group) if scored else random.Random(seed)
        order = {id(r): rng.random() for r in scored}
        return sorted(scored, key=lambda r: (-float(r.score or 0.0), order[id(r)]))
    return sorted(scored, key=lambda r: (-float(r.score or 0.0), r.index))


def _first_n(rows: list[ScoredRow], n: int | None) -> list[ScoredRow]:
    if n is None:
        return rows
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    return sorted(rows, key=lambda r: r.index)[:n]


def best_of_n(
    data: ScoredData, *, n: int | None = None, tie_break: TieBreak = "random", seed: int = 0
) -> list[ScoredRow]:
    """The best row of each group (groups with no scored row give none)."""
    out = []
    for rows in data.groups().values():
        order = ranked(_first_n(rows, n), tie_break=tie_break, seed=seed)
        if order:
            out.append(order[0])
    return out


def threshold(data: ScoredData, *, min_score: float, max_per_group: int | None = None) -> list[ScoredRow]:
    """Every row scoring at least ``min_score`` (at most ``max_per_group`` per group, best first)."""
    out = []
    for rows in data.groups().values():
        kept = [r for r in rows if r.score is not None and r.score >= min_score]
        if max_per_group is not None:
            kept = ranked(kept, tie_break="index")[:max_per_group]
        out.extend(kept)
    return out


def top_k(data: ScoredData, *, k: int, tie_break: TieBreak = "random", seed: int = 0) -> list[ScoredRow]:
    """The ``k`` best rows of each group, best first."""
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    out = []
    for rows in data.groups().values():
        out.extend(ranked(rows, tie_break=tie_break, seed=seed)[:k])
    return out


def pairs(
    data: ScoredData,
    *,
    min_margin: float = 0.0,
    mode: Literal["best-worst", "all"] = "best-worst",
    max_per_group: int | None = None,
    tie_break: TieBreak = "random",
    seed: int = 0,
) -> list[tuple[ScoredRow, ScoredRow]]:
    """(chosen, rejected) pairs: per group the best against the worst (``best-worst``) or every pair
    whose scores differ by more than ``min_margin`` (``all``, largest margins first). A pair needs
    ``chosen.score - rejected.score > min_margin`` (so equal scores never make a pair) and two
    different completions."""
    if mode not in ("best-worst", "all"):
        raise ValueError(f"mode must be 'best-worst' or 'all', got {mode!r}")
    out: list[tuple[ScoredRow, ScoredRow]] = []
    for rows in data.groups().values():
        order = ranked(rows, tie_break=tie_break, seed=seed)
        found: list[tuple[ScoredRow, ScoredRow]] = []
        if mode == "best-worst":
            if len(order) >= 2:
                found = [(order[0], order[-1])]
        else:
            found = [(a, b) for i, a in enumerate(order) for b in order[i + 1 :]]
            found.sort(key=lambda p: -(float(p[0].score or 0.0) - float(p[1].score or 0.0)))
        found = [
            (a, b)
            for a, b in found
            if float(a.score or 0.0) - float(b.score or 0.0) > min_margin
            and a.data.get("completion") != b.data.get("completion")
        ]
        if max_per_group is not None:
            found = found[:max_per_group]
        out.extend(found)
    return out


def filter_groups(
    data: ScoredData,
    *,
    drop_zero_variance: bool = True,
    min_mean: float | None = None,
    max_mean: float | None = None,
) -> list[list[ScoredRow]]:
    """The groups kept: some spread in their scores (``drop_zero_variance``), a mean inside the band.

    A group with fewer than two scores has no variance to speak of and is dropped by
    ``drop_zero_variance``.
    """
    kept = []
    for rows in data.groups().values():
        scores = [float(r.score) for r in rows if r.score is not None]
        if not scores:
            continue
        mean = sum(scores) / len(scores)
        if drop_zero_variance and (len(scores) < 2 or max(scores) == min(scores)):
            continue
        if min_mean is not None and mean < min_mean:
            continue
        if max_mean is not None and mean > max_mean:
            continue
        kept.append(rows)
    return kept


# ---- output shapes --------------------------------------------------------------------------------
def _completion_messages(row: ScoredRow) -> list[dict[str, Any]]:
    value = row.data.get("completion")
    if isinstance(value, list):
        return [dict(m) for m in value]
    if not isinstance(value, str):
        raise ValueError(f"line {row.line}: no 'completion' text to train on")
    return [{"role": "assistant", "content": value}]


def _prompt_messages(row: ScoredRow) -> list[dict[str, Any]]:
    value = row.data.get("prompt")
    if value is None:
        raise ValueError(f"line {row.line}: no 'prompt' field to train on")
    return as_messages(value, "prompt")


def sft_row(row: ScoredRow) -> dict[str, Any]:
    """A TRL ``SFTTrainer`` row, conversational prompt-completion form (loss on the completion)."""
    return {"prompt": _prompt_messages(row), "completion": _completion_messages(row)}


def dpo_row(chosen: ScoredRow, rejected: ScoredRow) -> dict[str, Any]:
    """A preference row for TRL's ``DPOTrainer`` and ``rewardlab train bt`` (conversational form),
    with both scores and the group."""
    return {
        "prompt": _prompt_messages(chosen),
        "chosen": _completion_messages(chosen),
        "rejected": _completion_messages(rejected),
        "score_chosen": chosen.score,
        "score_rejected": rejected.score,
        "group_id": chosen.group,
    }


def prompt_row(rows: Sequence[ScoredRow]) -> dict[str, Any]:
    """A group as a prompt-ready row (the first row without its completion fields, with the group's
    mean score), to sample again or to hand to a trainer."""
    first = rows[0]
    out = {k: v for k, v in first.data.items() if k not in SAMPLE_FIELDS}
    scores = [float(r.score) for r in rows if r.score is not None]
    out["group_mean_score"] = sum(scores) / len(scores) if scores else None
    out["group_size"] = len(rows)
    return out
