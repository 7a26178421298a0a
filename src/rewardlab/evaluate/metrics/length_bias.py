"""Length confounders of a preference score: "longer wins" / "shorter wins" and how score follows length.

A reward that only prefers longer answers can look good on data whose chosen answers happen to be
longer. These baselines run on the same pairs as the reward (ties counted as misses, like the
reward's own accuracy), and the reward's accuracy is split by whether the chosen answer is the
longer one.

>>> b = length_baselines(["long answer", "a", "same"], ["short", "longer one", "four"])
>>> b["longer_wins"]["accuracy"], b["shorter_wins"]["accuracy"], b["equal_length"]
(0.3333333333333333, 0.3333333333333333, 1)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .preference import preference_accuracy
from .stats import spearman

__all__ = ["length_baselines", "length_split_accuracy", "score_length_correlation"]


def _lengths(texts: Sequence[str]) -> list[float]:
    return [float(len(t)) for t in texts]


def length_baselines(chosen: Sequence[str], rejected: Sequence[str], **kw: Any) -> dict[str, Any]:
    """Accuracy of the rules "the longer answer wins" and "the shorter answer wins" (characters)."""
    lc, lr = _lengths(chosen), _lengths(rejected)
    longer = preference_accuracy(lc, lr, **kw)
    shorter = preference_accuracy([-x for x in lc], [-x for x in lr], **kw)
    return {
        "unit": "chars",
        "longer_wins": longer,
        "shorter_wins": shorter,
        "equal_length": longer["ties"],
        "chosen_longer_fraction": longer["wins"] / longer["n"] if longer["n"] else None,
    }


def length_split_accuracy(
    chosen_scores: Sequence[float | None],
    rejected_scores: Sequence[float | None],
    chosen: Sequence[str],
    rejected: Sequence[str],
    **kw: Any,
) -> dict[str, Any]:
    """The reward's accuracy on pairs where the chosen answer is longer, and where it is shorter.

    A reward that tracks quality scores well on both; one that tracks length does well on the
    first and badly on the second.
    """
    longer_idx = [i for i in range(len(chosen)) if len(chosen[i]) > len(rejected[i])]
    shorter_idx = [i for i in range(len(chosen)) if len(chosen[i]) < len(rejected[i])]

    def acc(idx: list[int]) -> dict[str, Any]:
        return preference_accuracy([chosen_scores[i] for i in idx], [rejected_scores[i] for i in idx], **kw)

    return {"chosen_longer": acc(longer_idx), "chosen_shorter": acc(shorter_idx)}


def score_length_correlation(scores: Sequence[float | None], texts: Sequence[str]) -> dict[str, Any]:
    """Spearman correlation between a response's score and its length (scored responses only)."""
    pairs = [(float(s), float(len(t))) for s, t in zip(scores, texts, strict=True) if s is not None]
    if len(pairs) < 3:
        return {"spearman": None, "n": len(pairs)}
    s, n = np.array(pairs).T
    rho = spearman(s, n)
    out: dict[str, Any] = {"spearman": rho, "n": len(pairs)}
    if rho is None:
        out["note"] = "constant scores or lengths"
    return out
