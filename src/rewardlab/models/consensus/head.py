"""A linear Bradley-Terry head on standardized features, fitted full-batch with AdamW (numpy only).

The score of a response is ``w . (x - mean) / std``; the loss over preference pairs is
``mean(weight * softplus(-(s_chosen - s_rejected)))`` (the Bradley-Terry log-likelihood), a
convex problem, so a few hundred full-batch steps from ``w = 0`` settle it and the result does
not depend on a seed. Several members (an ensemble) differ by the pair weights they get
(bootstrap resamples of the training prompts).

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> x = rng.normal(size=(200, 3))
>>> truth = x @ np.array([2.0, 0.0, -1.0])
>>> hi, lo = np.arange(0, 200, 2), np.arange(1, 200, 2)
>>> hi, lo = np.where(truth[hi] > truth[lo], hi, lo), np.where(truth[hi] > truth[lo], lo, hi)
>>> head = LinearHead.standardizer(x)
>>> w = fit_pairwise(head.standardize(x[hi]) - head.standardize(x[lo]))
>>> bool(w[0] > 0 > w[2] and abs(w[1]) < abs(w[0]) / 3)
True
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["LinearHead", "fit_pairwise"]


@dataclass
class LinearHead:
    """Feature means and standard deviations, and one weight vector per member."""

    mean: np.ndarray
    std: np.ndarray
    members: list[np.ndarray] = field(default_factory=list)

    @classmethod
    def standardizer(cls, x: np.ndarray) -> LinearHead:
        """A head with no members yet, standardizing like the rows of ``x`` (constant columns: std 1)."""
        std = x.std(0)
        return cls(x.mean(0), np.where(std > 1e-12, std, 1.0))

    def standardize(self, x: np.ndarray) -> np.ndarray:
        """``(x - mean) / std``."""
        return (x - self.mean) / self.std

    def scores(self, x: np.ndarray) -> np.ndarray:
        """[rows, members] scores of feature rows ``x``."""
        return self.standardize(x) @ np.stack(self.members, 1)


def fit_pairwise(
    diffs: np.ndarray,
    *,
    weights: np.ndarray | None = None,
    steps: int = 300,
    learning_rate: float = 1e-2,
    weight_decay: float = 1e-3,
) -> np.ndarray:
    """The weight vector minimizing the weighted Bradley-Terry loss on ``diffs`` (rows: standardized
    chosen minus rejected features), by full-batch AdamW from zero."""
    n, dim = diffs.shape
    if n == 0:
        raise ValueError("no training pairs")
    pair_w = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
    total = pair_w.sum()
    if total <= 0:
        raise ValueError("every pair has weight 0")
    w = np.zeros(dim)
    m, v = np.zeros(dim), np.zeros(dim)
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    for t in range(1, steps + 1):
        margin = diffs @ w
        # d/dw softplus(-margin) = -sigmoid(-margin) * diff
        grad = -(diffs * (pair_w / (1.0 + np.exp(np.clip(margin, -50, 50))))[:, None]).sum(0) / total
        w *= 1.0 - learning_rate * weight_decay
        m = beta1 * m + (1 - beta1) * grad
        v = beta2 * v + (1 - beta2) * grad * grad
        w -= learning_rate * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps)
    return w
