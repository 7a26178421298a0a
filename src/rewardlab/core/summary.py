"""Running summary of results: per-component statistics and counts per status.

>>> s = ResultSummary()
>>> s.add([RewardResult.ok(1.0, components={"a": 1.0, "b": None}), RewardResult.failed("x", components={"a": None})])
>>> s.status_counts["ok"], s.status_counts["error"], s.components["a"].mean, s.components["b"].missing
(1, 1, 1.0, 1)
>>> s.add([RewardResult.not_applicable("no reference answer")]); s.reasons
{'not_applicable: no reference answer': 1}
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .result import RewardResult, Status

__all__ = ["ResultSummary", "RunningStat"]


@dataclass
class RunningStat:
    """Count, mean, std, min and max of a stream of numbers; ``missing`` counts the ``None``s."""

    n: int = 0
    missing: int = 0
    mean: float = 0.0
    _m2: float = 0.0
    min: float = math.inf
    max: float = -math.inf

    def add(self, value: float | None) -> None:
        if value is None:
            self.missing += 1
            return
        self.n += 1
        delta = value - self.mean
        self.mean += delta / self.n
        self._m2 += delta * (value - self.mean)
        self.min = min(self.min, value)
        self.max = max(self.max, value)

    @property
    def std(self) -> float:
        return math.sqrt(self._m2 / self.n) if self.n > 1 else 0.0

    def to_dict(self) -> dict[str, Any]:
        if not self.n:
            return {"n": 0, "missing": self.missing}
        return {
            "n": self.n,
            "missing": self.missing,
            "mean": self.mean,
            "std": self.std,
            "min": self.min,
            "max": self.max,
        }


@dataclass
class ResultSummary:
    """What a scoring run produced: the score, every component, and how many of each status."""

    score: RunningStat = field(default_factory=RunningStat)
    components: dict[str, RunningStat] = field(default_factory=dict)
    status_counts: dict[str, int] = field(default_factory=lambda: {s.value: 0 for s in Status})
    defaulted: int = 0
    latency_ms_total: float = 0.0
    errors: dict[str, int] = field(default_factory=dict)
    reasons: dict[str, int] = field(default_factory=dict)
    """Results without a score by ``status: info['reason']`` (not applicable, refused group statistics)."""

    def add(self, results: Iterable[RewardResult]) -> None:
        for r in results:
            self.score.add(r.score)
            self.status_counts[r.status.value] += 1
            self.latency_ms_total += r.latency_ms
            if r.defaulted:
                self.defaulted += 1
            if r.error:
                key = r.error[:120]
                self.errors[key] = self.errors.get(key, 0) + 1
            reason = r.info.get("reason") if r.score is None else None
            if isinstance(reason, str) and reason:
                key = f"{r.status.value}: {reason[:100]}"
                self.reasons[key] = self.reasons.get(key, 0) + 1
            for name, value in r.components.items():
                self.components.setdefault(name, RunningStat()).add(value)

    @property
    def total(self) -> int:
        return sum(self.status_counts.values())

    @property
    def failures(self) -> int:
        return self.status_counts["error"] + self.status_counts["timeout"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "samples": self.total,
            "score": self.score.to_dict(),
            "components": {k: v.to_dict() for k, v in self.components.items()},
            "status": dict(self.status_counts),
            "defaulted": self.defaulted,
            "top_errors": dict(sorted(self.errors.items(), key=lambda kv: -kv[1])[:5]),
            "reasons": dict(sorted(self.reasons.items(), key=lambda kv: -kv[1])[:10]),
        }
