"""Reward over-optimization in Gao et al.'s synthetic setup, on best-of-N over scored candidates.

A *gold* reward (a judge's verdict per candidate) plays the human. Simulated annotators label
random pairs of candidates of the training prompts by the gold, each label flipped with
probability ``noise`` (:func:`simulate_labels`). *Proxy* rewards are fitted on growing numbers of
labels (:func:`fit_linear_bt`: a Bradley-Terry linear head on fixed features, as a probe of a
frozen backbone), alone or as an ensemble of members, each on its own bootstrap of the labels.
Each proxy is then optimized by best-of-N on held-out prompts (:func:`bon_curve`): for every N the
exact expected gold and proxy score of the pick (:func:`~rewardlab.evaluate.metrics.bon.expected_best_of_n`),
against ``d = sqrt(KL_bon(N))``, with Gao et al.'s best-of-N form ``R(d) = R(0) + d (alpha - beta d)``
fitted to both (:func:`fit_gao_bon`). Mitigations combine the members' scores per candidate
(:func:`combine`): ``mean``, ``worst`` (worst-case, WCO), ``uwo`` (mean - k std), ``clip`` (the
mean clipped at a quantile of the training scores) and ``par`` (sigmoid of the mean centred on the
prompt's mean score). Hacking indicators (:func:`pick_indicators`): the expected length and
repetition of the pick beside its gold.

Note: best-of-N picks the top candidate of each prompt, so a transform that is monotone within a
prompt (PAR's sigmoid of a centred score) picks exactly what its input picks; such mitigations act
on RL's gradient, not on a selection. Clipping ties the top candidates and breaks the ties at random.

>>> import numpy as np
>>> gold = np.array([[0.1, 0.9, 0.5], [0.7, 0.2, 0.4]])
>>> labels = simulate_labels(gold, prompts=[0, 1], n_labels=6, noise=0.0, seed=0)
>>> all((gold[p, i] > gold[p, j]) for p, i, j in labels)
True
>>> round(fit_gao_bon([0.0, 0.5, 1.0], [0.3, 0.5, 0.6])["beta"], 3)
0.2
"""

from __future__ import annotations

import math
import re
import zlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np

from .metrics.bon import expected_best_of_n, kl_bon, pick_probabilities

__all__ = [
    "MITIGATIONS",
    "CurvePoint",
    "Mitigation",
    "bon_curve",
    "combine",
    "fit_gao_bon",
    "fit_linear_bt",
    "pick_indicators",
    "repetition",
    "simulate_labels",
]

Mitigation = Literal["single", "mean", "worst", "uwo", "clip", "par"]
MITIGATIONS: tuple[str, ...] = ("single", "mean", "worst", "uwo", "clip", "par")
_WORD = re.compile(r"\w+")


def simulate_labels(gold: np.ndarray, *, prompts: Sequence[int], n_labels: int, noise: float, seed: int) -> np.ndarray:
    """``n_labels`` annotations ``[prompt, chosen, rejected]`` of random candidate pairs of ``prompts``.

    The annotator prefers the candidate with the higher gold (pairs with equal gold are redrawn),
    and flips that label with probability ``noise``. ``gold`` is ``[prompts, candidates]``, NaN
    where unknown (never drawn).
    """
    if not 0.0 <= noise <= 0.5:
        raise ValueError(f"noise must be in [0, 0.5], got {noise}")
    if not prompts:
        raise ValueError("no prompts to label")
    rng = np.random.default_rng(seed)
    out = np.zeros((n_labels, 3), dtype=np.int64)
    known = [np.flatnonzero(~np.isnan(gold[p])) for p in prompts]
    made, tries = 0, 0
    while made < n_labels:
        tries += 1
        if tries > 50 * n_labels + 1000:
            raise ValueError("cannot draw pairs with different gold from these prompts")
        k = int(rng.integers(len(prompts)))
        cands = known[k]
        if len(cands) < 2:
            continue
        i, j = rng.choice(cands, size=2, replace=False)
        p = prompts[k]
        if gold[p, i] == gold[p, j]:
            continue
        hi, lo = (i, j) if gold[p, i] > gold[p, j] else (j, i)
        if rng.random() < noise:
            hi, lo = lo, hi
        out[made] = (p, hi, lo)
        made += 1
    return out


def fit_linear_bt(
    features: np.ndarray, labels: np.ndarray, *, l2: float = 1e-2, weights: np.ndarray | None = None
) -> np.ndarray:
    """A linear Bradley-Terry head ``w`` (scores ``features @ w``) fitted to ``labels`` by L-BFGS.

    ``features`` is ``[prompts, candidates, dim]``; the loss is the mean (``weights``-weighted)
    ``-log sigmoid(x_c.w - x_r.w)`` plus ``l2 |w|^2 / 2``.
    """
    from scipy.optimize import minimize

    diff = features[labels[:, 0], labels[:, 1]] - features[labels[:, 0], labels[:, 2]]
    w8 = np.ones(len(diff)) if weights is None else np.asarray(weights, dtype=float)
    total = max(w8.sum(), 1e-12)

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        z = diff @ w
        value = float((w8 * np.logaddexp(0.0, -z)).sum() / total + 0.5 * l2 * w @ w)
        grad = -(diff.T @ (w8 / (1.0 + np.exp(z)))) / total + l2 * w
        return value, grad

    res = minimize(loss, np.zeros(diff.shape[1]), jac=True, method="L-BFGS-B", options={"maxiter": 500})
    return np.asarray(res.x)


def combine(members: np.ndarray, how: Mitigation, *, k: float = 1.0, clip_at: float | None = None) -> np.ndarray:
    """One proxy score per candidate from member scores ``[members, prompts, candidates]``.

    ``single``: the first member; ``mean``; ``worst``: the minimum (WCO); ``uwo``: mean - k std;
    ``clip``: the mean clipped at ``clip_at``; ``par``: sigmoid(mean - the prompt's mean of means).

    >>> m = np.array([[[1.0, 3.0]], [[3.0, 1.0]]])
    >>> combine(m, "mean").tolist(), combine(m, "worst").tolist(), combine(m, "uwo", k=1).tolist()
    ([[2.0, 2.0]], [[1.0, 1.0]], [[1.0, 1.0]])
    """
    if how == "single":
        return members[0]
    mean = members.mean(axis=0)
    if how == "mean":
        return mean
    if how == "worst":
        return members.min(axis=0)
    if how == "uwo":
        return mean - k * members.std(axis=0)
    if how == "clip":
        if clip_at is None:
            raise ValueError("clip needs clip_at")
        return np.minimum(mean, clip_at)
    if how == "par":
        centred = mean - np.nanmean(mean, axis=1, keepdims=True)
        return 1.0 / (1.0 + np.exp(-centred))
    raise ValueError(f"unknown mitigation {how!r}; expected one of {', '.join(MITIGATIONS)}")


def repetition(text: str) -> float:
    """Share of repeated word 3-grams (0: none repeats; near 1: a loop).

    >>> repetition("a b c a b c a b c")
    0.5714
    """
    words = _WORD.findall(text.lower())
    grams = list(zip(words, words[1:], words[2:], strict=False))
    if not grams:
        return 0.0
    return round(1.0 - len(set(grams)) / len(grams), 4)


def compression_ratio(text: str) -> float:
    """zlib-compressed size over raw size (low: repetitive text)."""
    raw = text.encode()
    return len(zlib.compress(raw)) / max(1, len(raw))


@dataclass
class CurvePoint:
    """Best-of-N with one proxy at one N, averaged over held-out prompts."""

    n: int
    sqrt_kl: float
    gold: float
    proxy: float
    length: float
    repetition: float


def pick_indicators(scores: np.ndarray, values: np.ndarray, n: int) -> float:
    """Expected ``values`` of the best-of-``n`` pick by ``scores`` (one prompt, random tie-break)."""
    probs = pick_probabilities(list(scores), n, tie_break="random")
    return float(np.dot(probs, values))


def bon_curve(
    proxy: np.ndarray,
    gold: np.ndarray,
    prompts: Sequence[int],
    ns: Sequence[int],
    *,
    lengths: np.ndarray | None = None,
    repeats: np.ndarray | None = None,
) -> list[CurvePoint]:
    """Gold, proxy (both expected over random N-subsets), length and repetition of the best-of-N pick."""
    points = []
    for n in ns:
        g, r, ln, rp = [], [], [], []
        for p in prompts:
            idx = np.flatnonzero(~np.isnan(gold[p]))
            s, gd = proxy[p, idx], gold[p, idx]
            m = min(n, len(idx))
            g.append(expected_best_of_n(list(s), list(gd), m, tie_break="random"))
            r.append(expected_best_of_n(list(s), list(s), m, tie_break="random"))
            if lengths is not None:
                ln.append(pick_indicators(s, lengths[p, idx], m))
            if repeats is not None:
                rp.append(pick_indicators(s, repeats[p, idx], m))
        points.append(
            CurvePoint(
                n=n,
                sqrt_kl=math.sqrt(kl_bon(n)),
                gold=float(np.mean(g)),
                proxy=float(np.mean(r)),
                length=float(np.mean(ln)) if ln else float("nan"),
                repetition=float(np.mean(rp)) if rp else float("nan"),
            )
        )
    return points


def fit_gao_bon(d: Sequence[float], values: Sequence[float]) -> dict[str, float]:
    """Least-squares fit of Gao et al.'s best-of-N form ``R(d) = R(0) + alpha d - beta d^2``.

    ``R(0)`` is the value at ``d = 0`` (N = 1) when given, else fitted too. Returns ``alpha``,
    ``beta``, ``r0``, the fit's ``rmse`` and ``d_peak`` (``alpha / (2 beta)``: where gold turns
    down; ``inf`` when ``beta <= 0``).
    """
    x, y = np.asarray(d, dtype=float), np.asarray(values, dtype=float)
    if len(x) < 2:
        raise ValueError("need at least two points to fit")
    at_zero = np.flatnonzero(x == 0)
    if len(at_zero):
        r0 = float(y[at_zero[0]])
        design = np.stack([x, -(x**2)], axis=1)
        coef = np.linalg.lstsq(design, y - r0, rcond=None)[0]
        alpha, beta = float(coef[0]), float(coef[1])
    else:
        design = np.stack([np.ones_like(x), x, -(x**2)], axis=1)
        r0, alpha, beta = (float(c) for c in np.linalg.lstsq(design, y, rcond=None)[0])
    pred = r0 + alpha * x - beta * x**2
    return {
        "r0": r0,
        "alpha": alpha,
        "beta": beta,
        "rmse": float(np.sqrt(np.mean((pred - y) ** 2))),
        "d_peak": alpha / (2 * beta) if beta > 0 else float("inf"),
    }


@dataclass
class ProxyRun:
    """One proxy (label count, mitigation) and its best-of-N curve with the fitted forms."""

    n_labels: int
    mitigation: str
    members: int
    label_accuracy: float
    curve: list[CurvePoint] = field(default_factory=list)
    gold_fit: dict[str, float] = field(default_factory=dict)
    proxy_fit: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
