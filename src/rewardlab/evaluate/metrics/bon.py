"""Best-of-N against a gold judge: the exact expected gold of a selection rule's pick.

For one prompt with K candidates that carry gold, draw a uniformly random subset of N of them and
keep the one the rule ranks highest. Over all C(K, N) subsets, the candidate ranked j-th from the
bottom (j = 1..K) is picked exactly when it is in the subset and every other member ranks below
it: probability C(j-1, N-1) / C(K, N). The expected gold is the sum of those probabilities times
the candidates' gold -- the unbiased estimator over all subsets, with no sampling.

**Ties.** When the rule gives several candidates the same score the ranking needs a tie-break:

- ``"index"``: the lower candidate index ranks higher (the rule of the published anchor
  numbers for "longest answer" / "shortest answer");
- ``"random"``: a uniformly random order among tied candidates, averaged exactly: a candidate
  with ``a`` candidates strictly below it and ``t`` candidates tied with it (itself included) is
  picked with probability sum_{m=1..min(t,N)} C(t-1, m-1) C(a, N-m) / (m C(K, N)).

Rewards are evaluated with ``"random"`` by default: candidate indices are not in random order in
alpaca_bon16 (longer, better answers come later), so an index tie-break would bias a reward that
ties often.

The BoN policy's KL divergence from the sampling policy is ``log N - (N-1)/N`` (Stiennon et al.
2020; the over-optimization curve plots gold against it).

>>> pick_probabilities([0.1, 0.5, 0.3], 2).round(4).tolist()
[0.0, 0.6667, 0.3333]
>>> expected_best_of_n([1, 1, 0], [0.9, 0.1, 0.5], 2, tie_break="random")
0.5
>>> round(kl_bon(4), 4)
0.6363
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

import numpy as np

from .stats import mean_se

__all__ = [
    "RULES",
    "BonPrompt",
    "TieBreak",
    "expected_best_of_n",
    "kl_bon",
    "pick_probabilities",
    "public_rm_picks",
    "rule_scores",
]

TieBreak = Literal["index", "random"]


def kl_bon(n: int) -> float:
    """KL(best-of-n || base policy) = log n - (n-1)/n."""
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    return math.log(n) - (n - 1) / n


@lru_cache(maxsize=4096)
def _rank_weights(k: int, n: int) -> np.ndarray:
    """P(the candidate ranked j-th from the bottom is picked), j = 1..k: C(j-1, n-1) / C(k, n)."""
    total = math.comb(k, n)
    weights = np.array([math.comb(j, n - 1) for j in range(k)], dtype=float) / total
    weights.flags.writeable = False
    return weights


@lru_cache(maxsize=65536)
def _tied_pick(below: int, tied: int, n: int, k: int) -> float:
    """P(a given one of ``tied`` equal top candidates is picked), ``below`` candidates ranking lower."""
    p = 0.0
    for m in range(1, min(tied, n) + 1):
        p += math.comb(tied - 1, m - 1) * math.comb(below, n - m) / m
    return p / math.comb(k, n)


def pick_probabilities(scores: Sequence[float], n: int, tie_break: TieBreak = "index") -> np.ndarray:
    """Probability that each candidate is the pick of a uniformly random ``n``-subset."""
    s = np.asarray(scores, dtype=float)
    k = s.size
    if k == 0:
        raise ValueError("no candidates")
    if not 1 <= n <= k:
        raise ValueError(f"n must be in [1, {k}] (the number of candidates), got {n}")
    if np.isnan(s).any():
        raise ValueError("every candidate needs a score")
    probs = np.zeros(k)
    if tie_break == "index":
        # ascending rank: by score, and among equal scores the higher index ranks lower
        order = np.lexsort((-np.arange(k), s))
        probs[order] = _rank_weights(k, n)
        return probs
    if tie_break != "random":
        raise ValueError(f"tie_break must be 'index' or 'random', got {tie_break!r}")
    _, inverse, counts = np.unique(s, return_inverse=True, return_counts=True)
    below = np.concatenate([[0], np.cumsum(counts)[:-1]])
    per_value = np.array([_tied_pick(int(b), int(t), n, k) for b, t in zip(below, counts, strict=True)])
    return per_value[inverse]


def expected_best_of_n(
    scores: Sequence[float], gold: Sequence[float], n: int, *, tie_break: TieBreak = "index"
) -> float:
    """Expected gold of the pick of a uniformly random ``n``-subset (exact, over all subsets)."""
    g = np.asarray(gold, dtype=float)
    if g.size != len(scores):
        raise ValueError(f"{len(scores)} scores for {g.size} gold values")
    return float(pick_probabilities(scores, n, tie_break) @ g)


# ---- the data -------------------------------------------------------------------------------
@dataclass
class BonPrompt:
    """A prompt with candidate answers, judge gold for some of them, and public RMs' picks."""

    id: str
    instruction: str
    candidates: list[str]
    gold: list[float | None]
    dataset: str | None = None
    reference_picks: dict[str, int] = field(default_factory=dict)
    reference_pick_gold: dict[str, float | None] = field(default_factory=dict)

    @property
    def gold_indices(self) -> list[int]:
        """Indices of the candidates that have gold."""
        return [i for i, g in enumerate(self.gold) if g is not None]


# ---- selection rules ------------------------------------------------------------------------
RULES: dict[str, str] = {
    "random pick (expected)": "the mean gold of the candidates (a uniformly random pick)",
    "oracle (max gold)": "the candidate with the highest gold",
    "worst (min gold)": "the candidate with the lowest gold",
    "longest answer": "the candidate with the most characters (ties: lowest index)",
    "shortest answer": "the candidate with the fewest characters (ties: lowest index)",
}


def rule_scores(rule: str, candidates: Sequence[str], gold: Sequence[float]) -> list[float]:
    """Scores that make a baseline rule's choice the top-ranked candidate (index tie-break)."""
    if rule == "random pick (expected)":
        return [0.0] * len(candidates)  # every subset member tied: used with tie_break="random"
    if rule == "oracle (max gold)":
        return [float(g) for g in gold]
    if rule == "worst (min gold)":
        return [-float(g) for g in gold]
    if rule == "longest answer":
        return [float(len(c)) for c in candidates]
    if rule == "shortest answer":
        return [-float(len(c)) for c in candidates]
    raise ValueError(f"unknown rule {rule!r}; expected one of {', '.join(RULES)}")


def public_rm_picks(prompts: Sequence[BonPrompt]) -> dict[str, dict[str, Any]]:
    """Mean gold of each public reward model's stored best-of-all pick, with bounds.

    Unknown gold (a pick on a candidate without judge annotation) is set to 0 for the lower and 1
    for the upper bound; ``mean`` and ``se`` are given only when every pick has gold.
    """
    names = sorted({rm for p in prompts for rm in p.reference_picks})
    out: dict[str, dict[str, Any]] = {}
    for rm in names:
        known: list[float] = []
        unknown = 0
        for p in prompts:
            if rm not in p.reference_picks:
                continue
            g = p.reference_pick_gold.get(rm)
            if g is None:
                idx = p.reference_picks[rm]
                g = p.gold[idx]
            if g is None:
                unknown += 1
            else:
                known.append(g)
        n = len(known) + unknown
        entry: dict[str, Any] = {
            "picks_with_gold": len(known),
            "picks_without_gold": unknown,
            "mean_over_picks_with_gold": float(np.mean(known)) if known else None,
            "lower_bound": float(sum(known) / n) if n else None,
            "upper_bound": float((sum(known) + unknown) / n) if n else None,
            "mean": None,
            "se": None,
        }
        if n and unknown == 0:
            entry["mean"], entry["se"] = mean_se(known)
        out[rm] = entry
    return out
