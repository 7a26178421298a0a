"""Small statistics shared by the evaluations: means with standard errors and bootstrap intervals.

>>> mean_se([1.0, 0.0, 1.0, 1.0])
(0.75, 0.25)
>>> lo, hi = bootstrap_ci([1.0] * 30 + [0.0] * 10, seed=0)
>>> 0.6 < lo < 0.75 < hi < 0.9
True
>>> round(spearman([1, 2, 3, 4], [10, 20, 20, 40]), 6)
0.948683
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["Estimate", "average_ranks", "bootstrap_ci", "estimate", "mean_se", "spearman"]


def mean_se(values: Sequence[float]) -> tuple[float, float]:
    """Mean and standard error of the mean (sample standard deviation, ``ddof=1``, over sqrt(n)).

    An empty input gives ``(nan, nan)``; a single value has standard error 0.
    """
    arr = np.asarray(values, dtype=float)
    if arr.size == 0:
        return math.nan, math.nan
    if arr.size == 1:
        return float(arr[0]), 0.0
    return float(arr.mean()), float(arr.std(ddof=1) / math.sqrt(arr.size))


def bootstrap_ci(
    values: Sequence[float], *, n_boot: int = 1000, confidence: float = 0.95, seed: int = 0
) -> tuple[float, float]:
    """Percentile bootstrap confidence interval of the mean of ``values``.

    Resamples the values with replacement ``n_boot`` times (a fixed ``seed`` makes it
    reproducible) and returns the ``(1-confidence)/2`` and ``(1+confidence)/2`` quantiles of the
    resampled means. Empty input gives ``(nan, nan)``.
    """
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    if n_boot < 1:
        raise ValueError(f"n_boot must be at least 1, got {n_boot}")
    arr = np.asarray(values, dtype=float)
    if arr.size == 0:
        return math.nan, math.nan
    rng = np.random.default_rng(seed)
    # Chunked so a large sample does not allocate n_boot x n at once.
    means = np.empty(n_boot)
    chunk = max(1, 2_000_000 // arr.size)
    for start in range(0, n_boot, chunk):
        stop = min(n_boot, start + chunk)
        idx = rng.integers(0, arr.size, size=(stop - start, arr.size))
        means[start:stop] = arr[idx].mean(axis=1)
    alpha = (1.0 - confidence) / 2.0
    lo, hi = np.quantile(means, [alpha, 1.0 - alpha])
    return float(lo), float(hi)


@dataclass(frozen=True)
class Estimate:
    """A mean with its standard error and bootstrap confidence interval over ``n`` values."""

    mean: float
    se: float
    ci_low: float
    ci_high: float
    n: int

    def to_dict(self) -> dict[str, float | int | None]:
        return {
            "mean": _finite(self.mean),
            "se": _finite(self.se),
            "ci_low": _finite(self.ci_low),
            "ci_high": _finite(self.ci_high),
            "n": self.n,
        }


def estimate(values: Sequence[float], *, n_boot: int = 1000, confidence: float = 0.95, seed: int = 0) -> Estimate:
    """Mean, standard error and bootstrap interval of ``values`` in one go.

    >>> e = estimate([1, 1, 0, 1])
    >>> e.mean, e.n
    (0.75, 4)
    """
    mean, se = mean_se(values)
    lo, hi = bootstrap_ci(values, n_boot=n_boot, confidence=confidence, seed=seed)
    return Estimate(mean=mean, se=se, ci_low=lo, ci_high=hi, n=len(values))


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def average_ranks(values: Sequence[float]) -> np.ndarray:
    """Ranks 1..n, ties sharing the average of their ranks (as ``scipy.stats.rankdata``)."""
    x = np.asarray(values, dtype=float)
    order = np.argsort(x, kind="mergesort")
    ranks = np.empty(x.size)
    ranks[order] = np.arange(1, x.size + 1)
    _, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
    return (np.bincount(inverse, weights=ranks) / counts)[inverse]


def spearman(x: Sequence[float], y: Sequence[float]) -> float | None:
    """Spearman's rank correlation (Pearson of average ranks); ``None`` if either side is constant."""
    rx, ry = average_ranks(x), average_ranks(y)
    if rx.size < 2 or np.all(rx == rx[0]) or np.all(ry == ry[0]):
        return None
    return float(np.corrcoef(rx, ry)[0, 1])
