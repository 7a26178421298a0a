"""Robustness metrics: does a reward rank a pair the same way after a meaning-preserving rewrite?

For one transform, over the pairs it changed and that were scored before and after:

- **consistency**: the fraction of pairs whose ranking is unchanged -- sign(r_c - r_r) before
  equals sign after (a tie is its own sign, so a tie that becomes a preference is a change);
- **accuracy before / after** on those pairs (ties are misses, as in the preference accuracy) and
  their difference;
- **flipped to wrong** / **flipped to right**: pairs that were ranked right and now are not, and
  the reverse;
- **mean |score change|** of the rewritten responses.

>>> m = transform_metrics([2.0, 1.0, 3.0], [1.0, 2.0, 3.0], [2.0, 3.0, 3.0], [2.5, 2.0, 3.0])
>>> m["consistency"], m["accuracy_before"], m["accuracy_after"], m["flipped_to_wrong"]
(0.3333333333333333, 0.3333333333333333, 0.3333333333333333, 1)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["transform_metrics"]


def transform_metrics(
    before_chosen: Sequence[float],
    before_rejected: Sequence[float],
    after_chosen: Sequence[float],
    after_rejected: Sequence[float],
) -> dict[str, Any]:
    """Consistency, accuracy change and flips over pairs scored before and after a rewrite."""
    bc, br = np.asarray(before_chosen, float), np.asarray(before_rejected, float)
    ac, ar = np.asarray(after_chosen, float), np.asarray(after_rejected, float)
    if not bc.size == br.size == ac.size == ar.size:
        raise ValueError("every pair needs a chosen and a rejected score before and after")
    n = int(bc.size)
    if n == 0:
        return {
            "n": 0,
            "consistency": None,
            "accuracy_before": None,
            "accuracy_after": None,
            "accuracy_change": None,
            "flipped_to_wrong": 0,
            "flipped_to_right": 0,
            "mean_abs_score_change": None,
        }
    sign_before = np.sign(bc - br)
    sign_after = np.sign(ac - ar)
    right_before = sign_before > 0
    right_after = sign_after > 0
    acc_before = float(right_before.mean())
    acc_after = float(right_after.mean())
    change = np.concatenate([np.abs(ac - bc), np.abs(ar - br)])
    return {
        "n": n,
        "consistency": float(np.mean(sign_before == sign_after)),
        "accuracy_before": acc_before,
        "accuracy_after": acc_after,
        "accuracy_change": acc_after - acc_before,
        "flipped_to_wrong": int(np.sum(right_before & ~right_after)),
        "flipped_to_right": int(np.sum(~right_before & right_after)),
        "mean_abs_score_change": float(change.mean()),
    }
