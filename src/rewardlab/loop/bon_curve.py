"""Proxy vs gold over best-of-N on scored samples (``rewardlab select best --gold-key``).

The scored file's score is the **proxy** (what best-of-N picks by); a second field of the same
rows is the **gold** (what the pick is judged by: a verifier, a stronger reward model). For each
N = 1 .. the group size, the pick is the proxy's best of a uniformly random N-subset of a group's
samples; its expected proxy and expected gold are exact over all subsets and ties
(:func:`rewardlab.evaluate.metrics.bon.expected_best_of_n`, the estimator of ``rewardlab eval
bon``), averaged over groups, with a 95% bootstrap interval over groups for the gold. Beside
them: the gold's own pick (``oracle_gold``: pass@N when the gold is 0/1), and the best-of-N KL
from the sampling policy, ``log N - (N-1)/N``. N = 1 is a random pick. Where the proxy of the pick
keeps rising while its gold stalls or falls, the proxy is being over-optimized.

A group with fewer than N scored samples takes the pick of all of them (``full_groups`` counts
the groups that have N). Rows whose proxy score is null are never picked and are left out; every
other row needs a numeric gold (:class:`~rewardlab.loop.scored.ScoredFileError` names the line
and the field, or ``skip_bad`` leaves the row out).

>>> from rewardlab.loop.scored import scored_rows
>>> rows = [{"group_id": "q", "reward": {"score": p, "components": {"math": g}}}
...         for p, g in [(0.9, 0.0), (0.5, 1.0), (0.1, 1.0)]]
>>> curve = best_of_n_curve(scored_rows(rows), "reward.components.math")
>>> [(p.n, round(p.proxy, 3), round(p.gold, 3), round(p.oracle_gold, 3)) for p in curve.points]
[(1, 0.5, 0.667, 0.667), (2, 0.767, 0.333, 1.0), (3, 0.9, 0.0, 1.0)]
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from .scored import MISSING, ScoredData, ScoredFileError, get_path

__all__ = ["BonCurve", "CurvePoint", "best_of_n_curve", "plot_curve"]


@dataclass(frozen=True)
class CurvePoint:
    """Best-of-N at one N, averaged over groups."""

    n: int
    kl: float
    """KL(best-of-N || sampling policy) = log N - (N-1)/N."""
    proxy: float
    """Expected proxy score of the pick."""
    gold: float
    """Expected gold of the pick."""
    gold_ci: tuple[float, float]
    """95% bootstrap interval of ``gold`` over groups."""
    oracle_gold: float
    """Expected gold of the gold's own best of N (pass@N for a 0/1 gold)."""
    full_groups: int
    """Groups with at least N scored samples (the others take the pick of all theirs)."""


@dataclass
class BonCurve:
    """The curve and what it was computed from."""

    score_key: str
    gold_key: str
    tie_break: str
    groups: int
    samples: int
    points: list[CurvePoint]
    left_out: int = 0
    """Rows without a proxy score (never picked)."""
    skipped: list[tuple[int, str]] = field(default_factory=list)
    """Rows without a usable gold, skipped under ``skip_bad`` (line, message)."""

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["skipped"] = len(self.skipped)
        return out


def _gold(value: Any, gold_key: str) -> float | str:
    """The gold as a float, or what is wrong with it."""
    if value is MISSING:
        return f"no '{gold_key}' field (the gold score; --gold-key names another field)"
    if value is None:
        return f"'{gold_key}' is null (the gold reward gave this sample no score)"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"'{gold_key}' must be a number, got {type(value).__name__}"
    if not math.isfinite(float(value)):
        return f"'{gold_key}' must be a finite number, got {value}"
    return float(value)


def best_of_n_curve(
    data: ScoredData,
    gold_key: str,
    *,
    max_n: int | None = None,
    tie_break: Literal["random", "index"] = "random",
    source: str = "input",
    skip_bad: bool = False,
    n_boot: int = 2000,
) -> BonCurve:
    """Expected proxy and gold of the best-of-N pick for N = 1 .. ``max_n`` (default: the largest group)."""
    from ..evaluate.metrics.bon import expected_best_of_n, kl_bon
    from ..evaluate.metrics.stats import bootstrap_ci

    if tie_break not in ("random", "index"):
        raise ValueError(f"tie_break must be 'random' or 'index', got {tie_break!r}")
    groups: list[tuple[list[float], list[float]]] = []
    skipped: list[tuple[int, str]] = []
    left_out = 0
    for rows in data.groups().values():
        proxy: list[float] = []
        gold: list[float] = []
        for r in sorted(rows, key=lambda r: r.index):  # the index tie-break ranks the lower sample_index higher
            if r.score is None:
                left_out += 1
                continue
            g = _gold(get_path(r.data, gold_key), gold_key)
            if isinstance(g, str):
                if not skip_bad:
                    raise ScoredFileError(f"{source}:{r.line}: {g}")
                skipped.append((r.line, g))
                continue
            proxy.append(float(r.score))
            gold.append(g)
        if proxy:
            groups.append((proxy, gold))
    if not groups:
        raise ScoredFileError(f"{source}: no row has both a score ('{data.score_key}') and a gold ('{gold_key}')")
    largest = max(len(p) for p, _ in groups)
    top = largest if max_n is None else max_n
    if top < 1:
        raise ValueError(f"max_n must be at least 1, got {max_n}")
    points = []
    for n in range(1, top + 1):
        proxies, golds, oracles = [], [], []
        for p, g in groups:
            k = min(n, len(p))
            proxies.append(expected_best_of_n(p, p, k, tie_break=tie_break))
            golds.append(expected_best_of_n(p, g, k, tie_break=tie_break))
            oracles.append(expected_best_of_n(g, g, k, tie_break="random"))
        lo, hi = bootstrap_ci(golds, n_boot=n_boot, seed=n)
        points.append(
            CurvePoint(
                n=n,
                kl=kl_bon(n),
                proxy=sum(proxies) / len(proxies),
                gold=sum(golds) / len(golds),
                gold_ci=(float(lo), float(hi)),
                oracle_gold=sum(oracles) / len(oracles),
                full_groups=sum(len(p) >= n for p, _ in groups),
            )
        )
    return BonCurve(
        score_key=data.score_key,
        gold_key=gold_key,
        tie_break=tie_break,
        groups=len(groups),
        samples=sum(len(p) for p, _ in groups),
        points=points,
        left_out=left_out,
        skipped=skipped,
    )


def plot_curve(curve: BonCurve, path: str) -> None:
    """The gold of the proxy's pick (95% band) and of the gold's own pick against the best-of-N KL (PNG)."""
    import base64

    from ..evaluate.report.plots import bon_curve

    xs = [p.kl for p in curve.points]
    uri = bon_curve(
        xs,
        {
            "proxy's pick": [p.gold for p in curve.points],
            "gold's own pick (oracle)": [p.oracle_gold for p in curve.points],
        },
        title=f"best-of-N by {curve.score_key}, judged by {curve.gold_key} ({curve.groups} groups)",
        xlabel="KL(best-of-N || sampling) = log N - (N-1)/N   (ticks: N)",
        ylabel=f"gold ({curve.gold_key})",
        bands={
            "proxy's pick": (
                [p.gold_ci[0] for p in curve.points],
                [p.gold_ci[1] for p in curve.points],
            )
        },
        xticks=xs,
        xticklabels=[str(p.n) for p in curve.points],
    )
    with open(path, "wb") as fh:
        fh.write(base64.b64decode(uri.split(",", 1)[1]))
