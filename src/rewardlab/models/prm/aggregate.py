"""From step scores to one score, and per-step returns for RL credit assignment.

Step scores are probabilities in [0, 1] (the PRM's P(step is good)).

- ``min``: the weakest step (a solution is as good as its worst step); "min-form" credit;
- ``product``: P(every step is good), assuming independence (Lightman et al.);
- ``last``: the score after the final step (what an outcome model predicts);
- ``mean``: the average step.

:func:`step_returns` gives each step the return a policy-gradient update would credit it with:
``min`` form (Cheng et al., 2025: the minimum of the step rewards from this step on, which
keeps a PRM from being hacked by piling up many mediocre steps) or the usual ``sum`` form.

>>> aggregate([0.9, 0.2, 0.8], "min"), round(aggregate([0.9, 0.5], "product"), 2)
(0.2, 0.45)
>>> step_returns([0.9, 0.2, 0.8], "min")
[0.2, 0.2, 0.8]
>>> [round(v, 2) for v in step_returns([0.9, 0.2, 0.8], "sum")]
[1.9, 1.0, 0.8]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

__all__ = ["AGGREGATIONS", "Aggregation", "aggregate", "step_returns"]

Aggregation = Literal["min", "product", "last", "mean"]
AGGREGATIONS: tuple[Aggregation, ...] = ("min", "product", "last", "mean")


def aggregate(scores: Sequence[float], how: Aggregation) -> float:
    """One score for a solution from its step scores."""
    if not scores:
        raise ValueError("no step scores to aggregate")
    if how == "min":
        return float(min(scores))
    if how == "product":
        return float(math.prod(scores))
    if how == "last":
        return float(scores[-1])
    if how == "mean":
        return float(math.fsum(scores) / len(scores))
    raise ValueError(f"unknown aggregation '{how}'; expected one of {', '.join(AGGREGATIONS)}")


def step_returns(scores: Sequence[float], form: Literal["min", "sum"]) -> list[float]:
    """The return credited to each step: min or sum of the step rewards from it to the end."""
    out: list[float] = []
    running: float | None = None
    for value in reversed(scores):
        if running is None:
            running = float(value)
        elif form == "min":
            running = min(running, float(value))
        elif form == "sum":
            running = running + float(value)
        else:
            raise ValueError(f"unknown credit form '{form}'; expected 'min' or 'sum'")
        out.append(running)
    return out[::-1]
