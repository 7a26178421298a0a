"""Ensembles with uncertainty: mean, worst case, and mean - k * std (conservative).

Members are either several child rewards, or one child whose results carry member scores in
``info['members']`` (a reward model trained with ``--ensemble K``). The spread (std, min, max,
each member's score) is always reported in ``info``, so a run can log how unsure the
ensemble was.

>>> from rewardlab.verifiers import ExactMatch
>>> members = [ExactMatch(name="a"), ExactMatch(name="b", ignore_case=False)]
>>> ens = Ensemble(children=members, method="mean_minus_std", k=1.0)
>>> r = ens.score({"completion": "X", "answer": "x"})
>>> r.score, r.info["mean"], r.info["std"]
(0.0, 0.5, 0.5)
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from typing import Any, ClassVar, Literal

from pydantic import Field, model_validator

from ..core.context import ScoreContext
from ..core.example import Example
from ..core.registry import register
from ..core.result import RewardResult
from ..core.reward import Outcome
from ..core.sample import Sample
from ..core.spec import RewardNode
from .base import Combinator, disagreement_example, gather

__all__ = ["Ensemble", "combine_members"]

Method = Literal["mean", "min", "mean_minus_std", "median"]


def combine_members(values: Sequence[float], method: Method = "mean", k: float = 1.0) -> tuple[float, dict[str, Any]]:
    """Combine member scores; returns the score and the spread statistics.

    ``std`` is the population standard deviation of the members (0 for one member).

    >>> round(combine_members([1.0, 2.0, 3.0], "mean_minus_std", k=1.0)[0], 6)
    1.183503
    """
    if not values:
        raise ValueError("an ensemble needs at least one member score")
    mean = math.fsum(values) / len(values)
    std = statistics.pstdev(values) if len(values) > 1 else 0.0
    stats = {"mean": mean, "std": std, "min": min(values), "max": max(values), "n_members": len(values)}
    if method == "mean":
        score = mean
    elif method == "min":
        score = min(values)
    elif method == "median":
        score = statistics.median(values)
    else:
        score = mean - k * std
    return score, stats


@register("ensemble")
class Ensemble(Combinator):
    """Combine several rewards (or one reward's ensemble members) into a score with uncertainty.

    ``method``: ``mean``; ``min`` (worst case); ``mean_minus_std`` (uncertainty-penalized,
    ``mean - k * std``, as in conservative reward models against over-optimization);
    ``median``. ``info`` has ``mean``, ``std``, ``min``, ``max`` and ``members``.

    >>> from rewardlab.verifiers import ExactMatch
    >>> Ensemble(children=[ExactMatch(name="a"), ExactMatch(name="b", ignore_case=False)], method="min").score(
    ...     {"completion": "X", "answer": "x"}).info["members"]
    {'a': 1.0, 'b': 0.0}
    """

    example: ClassVar[Example] = disagreement_example(0.5, method="mean")

    family = "ensemble"

    children: list[RewardNode] = Field(
        min_length=1, description="Member rewards, or one reward whose results carry info['members']."
    )
    method: Method = Field(default="mean", description="How members combine: mean, min, mean_minus_std, median.")
    k: float = Field(default=1.0, ge=0, description="Std multiplier for mean_minus_std.")

    @model_validator(mode="after")
    def _check(self) -> Ensemble:
        # A k at its default is what to_spec() writes for every method: only another value is a mistake.
        if (
            self.method != "mean_minus_std"
            and "k" in self.model_fields_set
            and self.k != type(self).model_fields["k"].default
        ):
            raise ValueError("'k' applies only to method 'mean_minus_std'")
        return self

    def _score_batch(self, samples: list[Sample], ctx: ScoreContext) -> Sequence[Outcome]:
        kids = self.children
        labels = [c.label for c in kids]
        per_child = [c.score_batch(samples, ctx) for c in kids]
        out: list[Outcome] = []
        for i in range(len(samples)):
            g = gather(labels, [rs[i] for rs in per_child])
            if g.failed:
                out.append(self._finish(g.failure("ensemble")))
                continue
            members: dict[str, float] = {}
            if len(kids) == 1 and g.usable and isinstance(g.results[0].info.get("members"), list):  # type: ignore[union-attr]
                for j, v in enumerate(g.results[0].info["members"]):  # type: ignore[union-attr]
                    if v is not None and math.isfinite(float(v)):
                        members[f"{labels[0]}[{j}]"] = float(v)
            else:
                members = {labels[j]: s for j, s in g.usable}
            if not members:
                out.append(
                    self._finish(
                        RewardResult.not_applicable(
                            "no ensemble member applies", components=g.components, info=g.base_info()
                        )
                    )
                )
                continue
            score, stats = combine_members(list(members.values()), self.method, self.k)
            info = {**g.base_info(), **stats, "members": members, "method": self.method}
            out.append(self._finish(RewardResult.ok(score, components=g.components, info=info)))
        return out
