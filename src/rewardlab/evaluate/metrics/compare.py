"""Two runs side by side: the numbers ``rewardlab compare`` lines up.

:func:`comparable` flattens a run summary into ``{label: number}`` -- the headline plus the
kind's detail (per-subset accuracy, gold at each N, consistency per transform, ...); :func:`compare`
aligns two runs on the union of labels, with B - A where both have a number.

>>> a = {"kind": "prefs", "headline": {"accuracy": 0.6}, "metrics": {"subsets": {"x": {"accuracy": 0.5}}}}
>>> b = {"kind": "prefs", "headline": {"accuracy": 0.7}, "metrics": {"subsets": {"x": {"accuracy": 0.4}}}}
>>> [(r.label, r.a, r.b, round(r.delta, 2)) for r in compare(a, b)]
[('accuracy', 0.6, 0.7, 0.1), ('subset x: accuracy', 0.5, 0.4, -0.1)]

:func:`paired_bootstrap` adds what a difference of two means cannot say: whether B beats A on the
same items. Each run's ``samples.jsonl`` gives one number per item (a preference pair won, a
prompt's expected gold of the pick at the largest N); the items both runs scored are paired by
their id and resampled together, so the interval is for B - A on the same data.

>>> ra = [{"kind": "pair", "id": i, "outcome": "win" if i % 2 else "loss"} for i in range(40)]
>>> rb = [{"kind": "pair", "id": i, "outcome": "win"} for i in range(40)]
>>> d = paired_bootstrap("prefs", ra, rb, n_boot=500)
>>> d.label, d.n, d.delta, 0.3 < d.ci_low < d.delta < d.ci_high < 0.7
('accuracy', 40, 0.5, True)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["ComparisonRow", "PairedDelta", "comparable", "compare", "paired_bootstrap", "paired_items"]


@dataclass(frozen=True)
class ComparisonRow:
    """One line of a comparison: a label, each run's value, and B - A when both are numbers."""

    label: str
    a: Any
    b: Any

    @property
    def delta(self) -> float | None:
        if _number(self.a) and _number(self.b):
            return float(self.b) - float(self.a)
        return None


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def comparable(summary: dict[str, Any]) -> dict[str, Any]:
    """The headline and the kind-specific detail of a run, as flat ``label -> value``."""
    out: dict[str, Any] = dict(summary.get("headline") or {})
    m = summary.get("metrics") or {}
    kind = summary.get("kind")
    if kind == "prefs":
        for name, acc in (m.get("subsets") or {}).items():
            out[f"subset {name}: accuracy"] = acc.get("accuracy")
        rb1 = m.get("rewardbench_v1") or {}
        for name, value in (rb1.get("sections") or {}).items():
            out[f"RewardBench v1 {name}"] = value
        rb2 = m.get("rewardbench_v2") or {}
        for name, value in (rb2.get("subsets") or {}).items():
            out[f"RewardBench v2 {name}"] = value.get("score")
    elif kind == "bon":
        table = m.get("table") or {}
        for rule, values in (table.get("baselines_ranked_prompts") or {}).items():
            for n, entry in values.items():
                out[f"{rule} @{n}"] = entry.get("mean")
        for rm, entry in (m.get("public_rm_best_of_all") or {}).items():
            out[f"{rm} (lower bound)"] = entry.get("lower_bound")
    elif kind == "robustness":
        for name, t in (m.get("transforms") or {}).items():
            out[f"{name}: consistency"] = t.get("consistency")
            out[f"{name}: accuracy change"] = t.get("accuracy_change")
    elif kind == "agreement":
        for key in ("a_vs_b", "a_vs_gold", "b_vs_gold"):
            block = m.get(key) or {}
            for stat in ("agreement", "kappa", "spearman", "kendall"):
                if stat in block:
                    out[f"{key}: {stat}"] = block[stat]
    elif kind == "distance":
        d = m.get("distance") or {}
        out["pearson of canonical rewards"] = d.get("pearson_canonical")
    return out


def compare(a: dict[str, Any], b: dict[str, Any]) -> list[ComparisonRow]:
    """Rows for every label of either run, in the order they first appear (A's labels first)."""
    ca, cb = comparable(a), comparable(b)
    labels = list(ca) + [k for k in cb if k not in ca]
    return [ComparisonRow(label, ca.get(label), cb.get(label)) for label in labels]


@dataclass(frozen=True)
class PairedDelta:
    """B - A on the items both runs scored, with a paired bootstrap interval."""

    label: str
    n: int
    delta: float
    ci_low: float
    ci_high: float
    level: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def paired_items(kind: str | None, rows: Iterable[dict[str, Any]]) -> tuple[str, dict[Any, float]] | None:
    """The per-item number a run of ``kind`` averages, keyed by item id: ``None`` for kinds
    without one. Prefs: 1 for a pair won, 0 for a tie or a loss (RewardBench's accuracy);
    bon: the expected gold of the pick at the largest N."""
    out: dict[Any, float] = {}
    if kind == "prefs":
        for i, row in enumerate(rows):
            if row.get("kind") != "pair" or row.get("outcome") not in ("win", "tie", "loss"):
                continue
            key = (row.get("subset"), row.get("id") if row.get("id") is not None else i)
            out[key] = 1.0 if row["outcome"] == "win" else 0.0
        return "accuracy", out
    if kind == "bon":
        label = None
        for i, row in enumerate(rows):
            gold = row.get("expected_gold")
            if not gold:
                continue
            top = max(gold, key=int)
            label = f"gold@{top}"
            if gold[top] is not None:
                out[row.get("id") if row.get("id") is not None else i] = float(gold[top])
        return (label or "gold"), out
    return None


def paired_bootstrap(
    kind: str | None,
    rows_a: Iterable[dict[str, Any]],
    rows_b: Iterable[dict[str, Any]],
    *,
    n_boot: int = 2000,
    level: float = 0.95,
    seed: int = 0,
) -> PairedDelta | None:
    """B - A with a percentile interval from ``n_boot`` paired resamples of the common items
    (``None`` when the kind has no per-item number or the runs share fewer than 2 items)."""
    import numpy as np

    got_a, got_b = paired_items(kind, rows_a), paired_items(kind, rows_b)
    if got_a is None or got_b is None:
        return None
    label, items_a = got_a
    _, items_b = got_b
    common = [k for k in items_a if k in items_b]
    if len(common) < 2:
        return None
    diffs = np.array([items_b[k] - items_a[k] for k in common], dtype=np.float64)
    rng = np.random.default_rng(seed)
    means = diffs[rng.integers(0, len(diffs), size=(n_boot, len(diffs)))].mean(axis=1)
    tail = (1.0 - level) / 2.0
    return PairedDelta(
        label=label,
        n=len(common),
        delta=float(diffs.mean()),
        ci_low=float(np.quantile(means, tail)),
        ci_high=float(np.quantile(means, 1.0 - tail)),
        level=level,
    )
