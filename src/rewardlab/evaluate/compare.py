"""Two runs side by side: the numbers ``rewardlab compare`` lines up.

:func:`comparable` flattens a run summary into ``{label: number}`` -- the headline plus the
kind's detail (per-subset accuracy, gold at each N, consistency per transform, ...); :func:`compare`
aligns two runs on the union of labels, with B - A where both have a number.

>>> a = {"kind": "prefs", "headline": {"accuracy": 0.6}, "metrics": {"subsets": {"x": {"accuracy": 0.5}}}}
>>> b = {"kind": "prefs", "headline": {"accuracy": 0.7}, "metrics": {"subsets": {"x": {"accuracy": 0.4}}}}
>>> [(r.label, r.a, r.b, round(r.delta, 2)) for r in compare(a, b)]
[('accuracy', 0.6, 0.7, 0.1), ('subset x: accuracy', 0.5, 0.4, -0.1)]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["ComparisonRow", "comparable", "compare"]


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
