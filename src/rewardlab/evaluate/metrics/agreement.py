"""Agreement between two rewards scored on the same samples.

Each reward's score is turned into a verdict -- pass when ``score >= threshold`` -- and the two
verdicts are compared: agreement rate, Cohen's kappa (agreement corrected for chance,
(p_o - p_e) / (1 - p_e)), and the 2x2 confusion table. The raw scores are compared by rank:
Spearman's rho and Kendall's tau-b (scipy). Samples that either reward did not score are left
out and counted.

>>> a = agreement([1.0, 1.0, 0.0, 0.0, 1.0], [1.0, 0.0, 0.0, 0.0, 1.0])
>>> a["agreement"], round(a["kappa"], 4), a["confusion"]
(0.8, 0.6154, {'a_pass_b_pass': 2, 'a_pass_b_fail': 1, 'a_fail_b_pass': 0, 'a_fail_b_fail': 2})
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["agreement", "cohen_kappa"]


def cohen_kappa(a: Sequence[bool], b: Sequence[bool]) -> float | None:
    """Cohen's kappa of two binary verdict lists; ``None`` when chance agreement is 1 (undefined)."""
    x = np.asarray(a, dtype=bool)
    y = np.asarray(b, dtype=bool)
    if x.size != y.size:
        raise ValueError(f"{x.size} verdicts against {y.size}")
    if x.size == 0:
        return None
    p_o = float(np.mean(x == y))
    pa, pb = float(x.mean()), float(y.mean())
    p_e = pa * pb + (1 - pa) * (1 - pb)
    if math.isclose(p_e, 1.0):
        return None
    return (p_o - p_e) / (1 - p_e)


def agreement(
    scores_a: Sequence[float | None],
    scores_b: Sequence[float | None],
    *,
    threshold_a: float = 0.5,
    threshold_b: float = 0.5,
) -> dict[str, Any]:
    """Verdict agreement, kappa, confusion table and rank correlations of two score lists."""
    if len(scores_a) != len(scores_b):
        raise ValueError(f"{len(scores_a)} scores from reward a against {len(scores_b)} from reward b")
    both = [(float(x), float(y)) for x, y in zip(scores_a, scores_b, strict=True) if x is not None and y is not None]
    out: dict[str, Any] = {
        "n": len(both),
        "unscored": len(scores_a) - len(both),
        "threshold_a": threshold_a,
        "threshold_b": threshold_b,
    }
    if not both:
        out.update(
            agreement=None, kappa=None, confusion=None, spearman=None, kendall=None, pass_rate_a=None, pass_rate_b=None
        )
        return out
    xs, ys = np.array(both).T
    pa, pb = xs >= threshold_a, ys >= threshold_b
    out["agreement"] = float(np.mean(pa == pb))
    out["kappa"] = cohen_kappa(pa, pb)
    out["pass_rate_a"] = float(pa.mean())
    out["pass_rate_b"] = float(pb.mean())
    out["confusion"] = {
        "a_pass_b_pass": int(np.sum(pa & pb)),
        "a_pass_b_fail": int(np.sum(pa & ~pb)),
        "a_fail_b_pass": int(np.sum(~pa & pb)),
        "a_fail_b_fail": int(np.sum(~pa & ~pb)),
    }
    out.update(_rank_correlations(xs, ys))
    return out


def _rank_correlations(xs: np.ndarray, ys: np.ndarray) -> dict[str, Any]:
    if xs.size < 3 or np.all(xs == xs[0]) or np.all(ys == ys[0]):
        return {"spearman": None, "spearman_p": None, "kendall": None, "kendall_p": None}
    from scipy.stats import kendalltau, spearmanr

    s = spearmanr(xs, ys)
    k = kendalltau(xs, ys)  # tau-b: handles ties
    return {
        "spearman": float(s.statistic),
        "spearman_p": float(s.pvalue),
        "kendall": float(k.statistic),
        "kendall_p": float(k.pvalue),
    }
