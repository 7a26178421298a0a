"""Calibration of the Bradley-Terry preference probability sigma(scale * (r_chosen - r_rejected)).

A Bradley-Terry reward claims P(chosen preferred) = sigma(r_c - r_r). Calibration asks whether
pairs it is 80% sure about are right 80% of the time. Each pair contributes its top-label
confidence max(p, 1-p) and whether that label is right (p > 1/2; a tie, p = 1/2, counts as half
right). The confidences in [1/2, 1] are split into equal-width bins; the **expected calibration
error** is the pair-weighted mean of |accuracy - confidence| over the bins. The Brier score and
the log loss of p (the outcome is always "chosen preferred") are reported too.

>>> cal = calibration([3.0, 0.0, 1.0, 2.0], [0.0, 3.0, 0.0, 2.0], n_bins=5)
>>> round(cal["ece"], 4), cal["n"]
(0.2935, 4)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["calibration", "sigmoid"]


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Numerically stable logistic function."""
    out = np.empty_like(x, dtype=float)
    pos = x >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-x[pos]))
    ex = np.exp(x[~pos])
    out[~pos] = ex / (1.0 + ex)
    return out


def calibration(
    chosen: Sequence[float | None],
    rejected: Sequence[float | None],
    *,
    n_bins: int = 10,
    scale: float = 1.0,
) -> dict[str, Any]:
    """ECE, Brier score, log loss and reliability-diagram bins of sigma(scale * (r_c - r_r)).

    Pairs with an unscored response are left out. ``bins`` lists, per bin, its range, pair count,
    mean confidence and accuracy (``None`` for an empty bin).
    """
    if n_bins < 1:
        raise ValueError(f"n_bins must be at least 1, got {n_bins}")
    if not math.isfinite(scale) or scale <= 0:
        raise ValueError(f"scale must be a positive number, got {scale}")
    c = np.array([np.nan if v is None else v for v in chosen], dtype=float)
    r = np.array([np.nan if v is None else v for v in rejected], dtype=float)
    keep = ~(np.isnan(c) | np.isnan(r))
    diff = scale * (c[keep] - r[keep])
    n = int(diff.size)
    edges = np.linspace(0.5, 1.0, n_bins + 1)
    if n == 0:
        return {"ece": None, "brier": None, "log_loss": None, "n": 0, "scale": scale, "bins": _empty_bins(edges)}
    p = sigmoid(diff)
    confidence = np.maximum(p, 1.0 - p)
    correct = np.where(p > 0.5, 1.0, np.where(p < 0.5, 0.0, 0.5))
    which = np.clip(np.searchsorted(edges, confidence, side="right") - 1, 0, n_bins - 1)
    bins = []
    ece = 0.0
    for b in range(n_bins):
        mask = which == b
        count = int(mask.sum())
        if count:
            conf = float(confidence[mask].mean())
            acc = float(correct[mask].mean())
            ece += count / n * abs(acc - conf)
        else:
            conf = acc = None
        bins.append(
            {"low": float(edges[b]), "high": float(edges[b + 1]), "count": count, "confidence": conf, "accuracy": acc}
        )
    brier = float(np.mean((1.0 - p) ** 2))
    # log loss of "chosen preferred", computed from the margin to stay finite for large margins
    log_loss = float(np.mean(np.logaddexp(0.0, -diff)))
    return {"ece": float(ece), "brier": brier, "log_loss": log_loss, "n": n, "scale": scale, "bins": bins}


def _empty_bins(edges: np.ndarray) -> list[dict[str, Any]]:
    return [
        {"low": float(edges[b]), "high": float(edges[b + 1]), "count": 0, "confidence": None, "accuracy": None}
        for b in range(len(edges) - 1)
    ]
