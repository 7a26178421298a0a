"""Group and batch statistics for RL, as plain numeric functions on arrays.

Missing scores are ``NaN``: they are left out of every statistic and stay ``NaN`` in the output.
Edge cases are explicit, never accidental:

- a group of one has no spread and no leave-one-out baseline: its advantage is ``0``
  (``singleton="raw"`` keeps the raw score, as verl does);
- a group whose scores are all equal (zero variance) gets advantage ``0``, not a division by ~0;
- groups may have different sizes.

>>> import numpy as np
>>> x = np.array([1.0, 0.0, 1.0, 5.0, np.nan])
>>> g = np.array([0, 0, 0, 1, 1])
>>> group_zscore(x, g).round(3).tolist()
[0.577, -1.155, 0.577, 0.0, nan]
>>> rloo(x, g).tolist()
[0.5, -1.0, 0.5, 0.0, nan]
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Callable, Hashable, Sequence
from typing import Any, Literal

import numpy as np

__all__ = [
    "RunningMeanStd",
    "group_center",
    "group_ids",
    "group_rank",
    "group_winrate",
    "group_zscore",
    "rloo",
    "whiten",
]

Singleton = Literal["zero", "raw"]


def group_ids(keys: Sequence[Any]) -> np.ndarray:
    """Dense integer ids for group keys, in order of first appearance.

    Keys may be unhashable (lists of chat messages): they are compared by their JSON form.

    >>> group_ids(["a", "b", "a", ["x"], ["x"]]).tolist()
    [0, 1, 0, 2, 2]
    """
    ids: dict[Hashable, int] = {}
    out = np.empty(len(keys), dtype=np.int64)
    for i, key in enumerate(keys):
        try:
            hash(key)
            k: Hashable = ("h", key)
        except TypeError:
            k = ("j", json.dumps(key, sort_keys=True, default=str))
        out[i] = ids.setdefault(k, len(ids))
    return out


def _as_float(x: Sequence[float] | np.ndarray) -> np.ndarray:
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim != 1:
        raise ValueError(f"expected a 1-d array of scores, got shape {arr.shape}")
    return arr


def _groups(x: np.ndarray, groups: Sequence[int] | np.ndarray | None) -> np.ndarray:
    if groups is None:
        return np.zeros(len(x), dtype=np.int64)
    g = np.asarray(groups)
    if g.shape != x.shape:
        raise ValueError(f"groups has shape {g.shape}, scores {x.shape}: one group id per score is needed")
    if g.dtype.kind not in "iu":
        g = group_ids(list(g))
    return g


def _by_group(
    x: Sequence[float] | np.ndarray,
    groups: Sequence[int] | np.ndarray | None,
    per_group: Callable[[np.ndarray], np.ndarray | float],
) -> np.ndarray:
    """``per_group(values)`` for the scores of each group (missing scores left out, and NaN in the output)."""
    arr = _as_float(x)
    g = _groups(arr, groups)
    out = np.full_like(arr, np.nan)
    for gid in np.unique(g):
        idx = np.flatnonzero((g == gid) & ~np.isnan(arr))
        if len(idx):
            out[idx] = per_group(arr[idx])
    return out


def _std(values: np.ndarray, unbiased: bool) -> float:
    n = len(values)
    if n < 2:
        return 0.0
    return float(np.std(values, ddof=1 if unbiased else 0))


def group_zscore(
    x: Sequence[float] | np.ndarray,
    groups: Sequence[int] | np.ndarray | None = None,
    *,
    eps: float = 1e-6,
    unbiased: bool = True,
    scale: bool = True,
    singleton: Singleton = "zero",
) -> np.ndarray:
    """GRPO advantages: ``(x - mean_g) / (std_g + eps)`` within each group.

    ``scale=False`` only centres (Dr. GRPO). ``unbiased`` uses the sample standard deviation
    (n-1), as TRL and verl do. Zero-variance groups give exactly 0.
    """

    def zscore(vals: np.ndarray) -> np.ndarray | float:
        if len(vals) == 1:
            return vals if singleton == "raw" else 0.0
        if np.all(vals == vals[0]):
            return 0.0
        centred = vals - float(np.mean(vals))
        if not scale:
            return centred
        denom = _std(vals, unbiased) + eps
        # A spread that underflows to 0 (denormal differences, eps=0) is treated as zero variance.
        return centred / denom if denom > 0 else 0.0

    return _by_group(x, groups, zscore)


def group_center(
    x: Sequence[float] | np.ndarray, groups: Sequence[int] | np.ndarray | None = None, *, singleton: Singleton = "zero"
) -> np.ndarray:
    """``x - mean_g``: centring without scaling (Dr. GRPO)."""
    return group_zscore(x, groups, scale=False, singleton=singleton)


def rloo(
    x: Sequence[float] | np.ndarray, groups: Sequence[int] | np.ndarray | None = None, *, singleton: Singleton = "zero"
) -> np.ndarray:
    """REINFORCE leave-one-out: ``x_i - mean(x_j for j != i in the group)``.

    Each sample's baseline excludes the sample itself. Equals ``n/(n-1) * (x_i - mean_g)``.
    """

    def leave_one_out(vals: np.ndarray) -> np.ndarray | float:
        n = len(vals)
        if n == 1:
            return vals if singleton == "raw" else 0.0
        return vals - (math.fsum(vals) - vals) / (n - 1)

    return _by_group(x, groups, leave_one_out)


def whiten(x: Sequence[float] | np.ndarray, *, eps: float = 1e-8, shift_mean: bool = True) -> np.ndarray:
    """Batch whitening: ``(x - mean) / std`` over the whole batch (``shift_mean=False`` keeps the mean).

    A batch of one, or one with zero variance, gets 0 (or the unchanged value without ``shift_mean``).
    """
    arr = _as_float(x)
    out = np.full_like(arr, np.nan)
    mask = ~np.isnan(arr)
    vals = arr[mask]
    if len(vals) == 0:
        return out
    mean = float(np.mean(vals))
    std = _std(vals, unbiased=False)
    if len(vals) < 2 or np.all(vals == vals[0]):
        out[mask] = 0.0 if shift_mean else vals
        return out
    whitened = (vals - mean) / (std + eps)
    out[mask] = whitened if shift_mean else whitened + mean
    return out


def _average_ranks(vals: np.ndarray) -> np.ndarray:
    order = np.argsort(vals, kind="mergesort")
    ranks = np.empty(len(vals), dtype=np.float64)
    sorted_vals = vals[order]
    i = 0
    while i < len(vals):
        j = i
        while j + 1 < len(vals) and sorted_vals[j + 1] == sorted_vals[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2.0
        i = j + 1
    return ranks


def group_rank(x: Sequence[float] | np.ndarray, groups: Sequence[int] | np.ndarray | None = None) -> np.ndarray:
    """Rank within the group scaled to [0, 1] (0 = lowest, 1 = highest; ties share the average).

    A group of one gets 0.5.
    """
    return _by_group(x, groups, lambda vals: 0.5 if len(vals) == 1 else _average_ranks(vals) / (len(vals) - 1))


def group_winrate(x: Sequence[float] | np.ndarray, groups: Sequence[int] | np.ndarray | None = None) -> np.ndarray:
    """Fraction of the other group members each sample beats (a tie counts one half).

    A group of one gets 0.5. For distinct scores this equals :func:`group_rank`.
    """

    def winrate(vals: np.ndarray) -> np.ndarray | float:
        n = len(vals)
        if n == 1:
            return 0.5
        wins = (vals[:, None] > vals[None, :]).sum(axis=1) + 0.5 * ((vals[:, None] == vals[None, :]).sum(axis=1) - 1)
        return wins / (n - 1)

    return _by_group(x, groups, winrate)


class RunningMeanStd:
    """Running mean and variance over every batch seen (Chan et al.'s parallel update).

    Numerically stable for long runs and large offsets; thread-safe; NaNs are ignored.

    >>> rms = RunningMeanStd()
    >>> rms.update([1.0, 2.0, 3.0]); rms.update([4.0])
    >>> rms.count, rms.mean, round(rms.var, 4)
    (4, 2.5, 1.25)
    """

    def __init__(self) -> None:
        self.count = 0
        self.mean = 0.0
        self._m2 = 0.0
        self._lock = threading.Lock()

    @property
    def var(self) -> float:
        """Population variance of everything seen (0 before two values)."""
        return self._m2 / self.count if self.count > 1 else 0.0

    @property
    def std(self) -> float:
        return math.sqrt(self.var)

    def update(self, values: Sequence[float] | np.ndarray) -> None:
        arr = _as_float(values)
        arr = arr[~np.isnan(arr)]
        n_b = len(arr)
        if n_b == 0:
            return
        mean_b = float(np.mean(arr))
        m2_b = float(np.sum((arr - mean_b) ** 2))
        with self._lock:
            n_a = self.count
            n = n_a + n_b
            delta = mean_b - self.mean
            self.mean += delta * n_b / n
            self._m2 += m2_b + delta * delta * n_a * n_b / n
            self.count = n

    def normalize(self, values: Sequence[float] | np.ndarray, *, center: bool = True, eps: float = 1e-8) -> np.ndarray:
        arr = _as_float(values)
        std = self.std
        shifted = arr - self.mean if center else arr
        if self.count < 2 or std == 0.0:
            return shifted
        return shifted / (std + eps)

    def state(self) -> dict[str, float]:
        return {"count": self.count, "mean": self.mean, "m2": self._m2}

    def load_state(self, state: dict[str, float]) -> None:
        with self._lock:
            self.count = int(state["count"])
            self.mean = float(state["mean"])
            self._m2 = float(state["m2"])

    def __getstate__(self) -> dict[str, Any]:
        return self.state()

    def __setstate__(self, state: dict[str, float]) -> None:
        self._lock = threading.Lock()
        self.count = int(state["count"])
        self.mean = float(state["mean"])
        self._m2 = float(state["m2"])
