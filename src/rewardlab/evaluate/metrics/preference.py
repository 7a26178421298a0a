"""Preference accuracy: how often a reward scores the chosen response above the rejected one.

Ties are counted as the RewardBench code counts them for scalar rewards (``scripts/run_rm.py``,
``rewardbench/rewardbench.py``: ``1 if chosen > rejected else 0``): **a tie is a miss**. Because
rule rewards tie often, the number of ties is always reported, with the accuracy that counts a
tie as half a win (what RewardBench's generative-judge script does with a tie or an unparsable
verdict) beside it. A pair whose chosen or rejected response has no score (failed or not
applicable) is left out of the accuracy and counted.

>>> outcome = pair_outcomes([2.0, 1.0, 0.5, None], [1.0, 1.0, 0.7, 0.0])
>>> outcome.tolist()
[1.0, 0.0, 0.0, nan]
>>> acc = preference_accuracy([2.0, 1.0, 0.5, None], [1.0, 1.0, 0.7, 0.0])
>>> acc["accuracy"], acc["ties"], acc["accuracy_ties_half"], acc["unscored"]
(0.3333333333333333, 1, 0.5, 1)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .stats import bootstrap_ci, mean_se

__all__ = ["TIE_RULE", "TIE_RULE_PAIRWISE", "pair_outcomes", "preference_accuracy", "subset_accuracies"]

TIE_RULE = "a tie counts as a miss (RewardBench, scalar rewards: 1 if chosen > rejected else 0)"
TIE_RULE_PAIRWISE = (
    "a tie counts as half a win (RewardBench, generative judges: a tie verdict scores 0.5; an unparsable verdict, "
    "which RewardBench also scores 0.5, is a failure here: counted and left out)"
)


def _as_array(values: Sequence[float | None]) -> np.ndarray:
    return np.array([np.nan if v is None else float(v) for v in values], dtype=float)


def pair_outcomes(
    chosen: Sequence[float | None], rejected: Sequence[float | None], *, tie_value: float = 0.0
) -> np.ndarray:
    """Per pair: 1.0 when chosen > rejected, ``tie_value`` for a tie, 0.0 otherwise, NaN when unscored."""
    c, r = _as_array(chosen), _as_array(rejected)
    if c.shape != r.shape:
        raise ValueError(f"chosen has {c.size} scores and rejected {r.size}; expected one of each per pair")
    out = (c > r).astype(float)
    out[c == r] = tie_value
    out[np.isnan(c) | np.isnan(r)] = np.nan
    return out


def preference_accuracy(
    chosen: Sequence[float | None],
    rejected: Sequence[float | None],
    *,
    n_boot: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
    tie_value: float = 0.0,
) -> dict[str, Any]:
    """Accuracy with a bootstrap confidence interval, ties, and unscored pairs.

    Returns ``accuracy`` (a tie counts ``tie_value``: 0, a miss, by default), ``ci_low``/``ci_high``
    (percentile bootstrap over pairs), ``se``, ``n`` (scored pairs), ``wins``/``ties``/``losses``,
    ``accuracy_ties_half`` and ``unscored`` (pairs left out because a response had no score).
    """
    c, r = _as_array(chosen), _as_array(rejected)
    outcome = pair_outcomes(chosen, rejected, tie_value=tie_value)
    scored = ~np.isnan(outcome)
    n = int(scored.sum())
    wins = int(np.sum(c[scored] > r[scored]))
    ties = int(np.sum(c[scored] == r[scored]))
    losses = n - wins - ties
    values = outcome[scored]
    mean, se = mean_se(values)
    lo, hi = bootstrap_ci(values, n_boot=n_boot, confidence=confidence, seed=seed)
    return {
        "accuracy": mean if n else None,
        "se": se if n else None,
        "ci_low": lo if n else None,
        "ci_high": hi if n else None,
        "confidence": confidence,
        "n": n,
        "wins": wins,
        "ties": ties,
        "losses": losses,
        "accuracy_ties_half": (wins + 0.5 * ties) / n if n else None,
        "unscored": int(outcome.size - n),
        "tie_value": tie_value,
    }


def subset_accuracies(
    chosen: Sequence[float | None],
    rejected: Sequence[float | None],
    subsets: Sequence[str | None],
    **kw: Any,
) -> dict[str, dict[str, Any]]:
    """:func:`preference_accuracy` per subset (pairs without a subset go under ``"(none)"``)."""
    if not len(chosen) == len(rejected) == len(subsets):
        raise ValueError("chosen, rejected and subsets must have one entry per pair")
    names = sorted({s if s is not None else "(none)" for s in subsets})
    out: dict[str, dict[str, Any]] = {}
    for name in names:
        idx = [i for i, s in enumerate(subsets) if (s if s is not None else "(none)") == name]
        out[name] = preference_accuracy([chosen[i] for i in idx], [rejected[i] for i in idx], **kw)
    return out
