"""Combinators: weighted sum, product, min, max, gate, lexicographic order, cascade.

>>> from rewardlab.compose import WeightedSum
>>> from rewardlab.verifiers import ExactMatch, Format
>>> r = WeightedSum(children=[ExactMatch(name="acc", extract="answer_tag"), Format(name="fmt", weight=0.5,
...                 template="answer")], normalize_weights=False)
>>> res = r.score({"completion": "<answer>4</answer>", "answer": "4"})
>>> res.score, res.components
(1.5, {'acc': 1.0, 'fmt': 1.0})
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from ..core.context import ScoreContext
from ..core.example import Example
from ..core.registry import register
from ..core.result import RewardResult, Status
from ..core.reward import Outcome
from ..core.sample import Sample
from ..core.spec import RewardNode
from .base import Combinator, Gathered, disagreement_example, gather, merge_components

__all__ = ["Cascade", "Gate", "Lexicographic", "Max", "Min", "Product", "WeightedSum"]


def _not_applicable(g: Gathered, what: str) -> RewardResult:
    return RewardResult.not_applicable(
        f"no component of the {what} applies to this sample", components=g.components, info=g.base_info()
    )


@register("weighted_sum", aliases=("sum",))
class WeightedSum(Combinator):
    """Sum of the children's scores, each times its ``weight``.

    With ``normalize_weights`` the weights of the children that apply are rescaled to sum to 1
    (in absolute value), so the result stays on the children's scale when one is left out.
    ``info['weights']`` has the effective weights.

    >>> from rewardlab.verifiers import ExactMatch
    >>> WeightedSum(children=[ExactMatch(name="a", weight=3), ExactMatch(name="b", weight=1,
    ...     ignore_case=False)], normalize_weights=True).score({"completion": "X", "answer": "x"}).score
    0.75
    """

    example: ClassVar[Example] = Example(
        sample={"completion": "X", "answer": "x"},
        params={
            "children": [
                {"type": "exact_match", "name": "a", "weight": 3},
                {"type": "exact_match", "name": "b", "weight": 1, "ignore_case": False},
            ],
            "normalize_weights": True,
        },
        score=0.75,
    )

    children: list[RewardNode] = Field(min_length=1, description="The rewards to add up (each with its `weight`).")
    normalize_weights: bool = Field(default=False, description="Rescale the applicable children's weights to sum to 1.")

    def _combine(self, g: Gathered, weights: list[float]) -> RewardResult:
        if g.failed:
            return g.failure("weighted sum")
        if not g.usable:
            return _not_applicable(g, "weighted sum")
        used = [(i, weights[i], s) for i, s in g.usable]
        if self.normalize_weights:
            total = sum(abs(w) for _, w, _ in used)
            if total == 0:
                return RewardResult.failed(
                    "weighted sum: the applicable components all have weight 0", components=g.components
                )
            used = [(i, w / total, s) for i, w, s in used]
        score = math.fsum(w * s for _, w, s in used)
        info = g.base_info()
        info["weights"] = {g.labels[i]: w for i, w, _ in used}
        return RewardResult.ok(score, components=g.components, info=info)


@register("product", aliases=("multiplicative",))
class Product(Combinator):
    """Product of the children's scores: a multiplicative penalty or a soft AND.

    Typical use: ``correctness * length_penalty`` where the penalty is in [0, 1].
    A child that does not apply is left out (it multiplies by 1).

    >>> from rewardlab.verifiers import ExactMatch, LengthBand
    >>> Product(children=[ExactMatch(), LengthBand(min_length=1, max_length=3, unit="words")]).score(
    ...     {"completion": "four", "answer": "four"}).score
    1.0
    """

    example: ClassVar[Example] = Example(
        sample={"completion": "four", "answer": "four"},
        params={
            "children": [
                {"type": "exact_match"},
                {"type": "length_band", "min_length": 1, "max_length": 3, "unit": "words"},
            ]
        },
        score=1.0,
    )

    children: list[RewardNode] = Field(min_length=1, description="The rewards to multiply.")

    def _combine(self, g: Gathered, weights: list[float]) -> RewardResult:
        if g.failed:
            return g.failure("product")
        if not g.usable:
            return _not_applicable(g, "product")
        score = math.prod(s for _, s in g.usable)
        return RewardResult.ok(score, components=g.components, info=g.base_info())


class _Extremum(Combinator):
    children: list[RewardNode] = Field(min_length=1, description="The rewards to compare.")

    def _pick(self, values: list[float]) -> float:
        raise NotImplementedError

    def _combine(self, g: Gathered, weights: list[float]) -> RewardResult:
        if g.failed:
            return g.failure(self.type_name)
        if not g.usable:
            return _not_applicable(g, self.type_name)
        values = [s for _, s in g.usable]
        best = self._pick(values)
        info = g.base_info()
        info["argbest"] = g.labels[g.usable[values.index(best)][0]]
        return RewardResult.ok(best, components=g.components, info=info)


@register("min")
class Min(_Extremum):
    """The smallest child score (worst case); ``info['argbest']`` names the child it came from.

    >>> from rewardlab.verifiers import ExactMatch
    >>> Min(children=[ExactMatch(name="a"), ExactMatch(name="b", ignore_case=False)]).score(
    ...     {"completion": "X", "answer": "x"}).info["argbest"]
    'b'
    """

    example: ClassVar[Example] = disagreement_example(0.0)

    def _pick(self, values: list[float]) -> float:
        return min(values)


@register("max")
class Max(_Extremum):
    """The largest child score; ``info['argbest']`` names the child it came from.

    >>> from rewardlab.verifiers import ExactMatch
    >>> Max(children=[ExactMatch(name="a"), ExactMatch(name="b", ignore_case=False)]).score(
    ...     {"completion": "X", "answer": "x"}).score
    1.0
    """

    example: ClassVar[Example] = disagreement_example(1.0)

    def _pick(self, values: list[float]) -> float:
        return max(values)


@register("gate")
class Gate(Combinator):
    """``child`` counts only where ``gate`` passes (score >= ``threshold``); else ``fail_value``.

    The child is scored only on the samples that pass the gate, so an expensive reward (tests,
    a model) is not paid for on samples that fail a cheap check. ``info['gate_passed']`` says
    which way it went.

    >>> from rewardlab.verifiers import ExactMatch, Format
    >>> g = Gate(gate=Format(template="answer"), child=ExactMatch(extract="answer_tag"), fail_value=-1.0)
    >>> g.score({"completion": "4", "answer": "4"}).score
    -1.0
    >>> g.score({"completion": "<answer>4</answer>", "answer": "4"}).score
    1.0
    """

    example: ClassVar[Example] = Example(
        sample={"completion": "<answer>4</answer>", "answer": "4"},
        params={
            "gate": {"type": "format", "template": "answer"},
            "child": {"type": "exact_match", "extract": "answer_tag"},
            "fail_value": -1.0,
        },
        score=1.0,
    )

    gate: RewardNode = Field(description="The check that must pass.")
    child: RewardNode = Field(description="The reward that counts when the gate passes.")
    threshold: float = Field(default=1.0, description="The gate passes when its score is >= this.")
    fail_value: float = Field(default=0.0, description="The score when the gate does not pass.")
    when_gate_not_applicable: Literal["fail", "pass", "not_applicable"] = Field(
        default="not_applicable", description="What a gate that does not apply means."
    )

    def _score_batch(self, samples: list[Sample], ctx: ScoreContext) -> Sequence[Outcome]:
        gate_results = self.gate.score_batch(samples, ctx)
        passing: list[int] = []
        decision: list[str] = []
        for i, gr in enumerate(gate_results):
            if gr.score is None and gr.status is Status.NOT_APPLICABLE:
                verdict = {"fail": "fail", "pass": "pass", "not_applicable": "na"}[self.when_gate_not_applicable]
            elif gr.score is None:
                verdict = "error"
            else:
                verdict = "pass" if gr.score >= self.threshold else "fail"
            decision.append(verdict)
            if verdict == "pass":
                passing.append(i)
        child_results: dict[int, RewardResult] = {}
        if passing:
            scored = self.child.score_batch([samples[i] for i in passing], ctx)
            child_results = dict(zip(passing, scored, strict=True))
        child_label = self.child.label
        out: list[Outcome] = []
        for i, gr in enumerate(gate_results):
            cr = child_results.get(i)
            components = merge_components([gr, cr])
            if cr is None:
                for leaf in self.child.leaves():
                    components.setdefault(leaf.label, None)
            verdict = decision[i]
            if verdict == "error":
                g = gather([self.gate.label], [gr])
                result = g.failure("gate")
                result.components = components
            elif verdict == "na":
                result = RewardResult.not_applicable("the gate does not apply", components=components)
            elif verdict == "fail":
                result = RewardResult.ok(
                    self.fail_value, components=components, info={"gate_passed": False, "gate_score": gr.score}
                )
            else:
                assert cr is not None
                if cr.score is None:
                    if cr.status is Status.NOT_APPLICABLE:
                        result = RewardResult.not_applicable(
                            f"'{child_label}' does not apply", components=components, info={"gate_passed": True}
                        )
                    else:
                        result = gather([child_label], [cr]).failure("gate")
                        result.components = components
                else:
                    result = RewardResult.ok(
                        cr.score, components=components, info={"gate_passed": True, "gate_score": gr.score}
                    )
            out.append(self._finish(result))
        return out


@register("lexicographic")
class Lexicographic(Combinator):
    """Order by the first child, break ties with the second, then the third, ...

    The score is the first child's score plus ``tie_scale**k`` times the k-th child's score
    rescaled to [0, 1] by its ``bounds``. The order is exactly lexicographic whenever distinct
    first-level scores differ by more than ``tie_scale`` (always true for 0/1 verifiers with
    the default 1e-3). ``info['key']`` holds the tuple of child scores. A child that does not
    apply counts as its lower bound.

    >>> from rewardlab.verifiers import ExactMatch, LengthBand
    >>> lex = Lexicographic(children=[ExactMatch(), LengthBand(max_length=2, unit="words")])
    >>> round(lex.score({"completion": "4", "answer": "4"}).score, 6)
    1.001
    """

    example: ClassVar[Example] = Example(
        sample={"completion": "4", "answer": "4"},
        params={"children": [{"type": "exact_match"}, {"type": "length_band", "max_length": 2, "unit": "words"}]},
        score=1.001,
    )

    children: list[RewardNode] = Field(min_length=1, description="The rewards, most important first.")
    bounds: list[tuple[float, float]] | None = Field(
        default=None, description="[low, high] of each child after the first (default [0, 1] each)."
    )
    tie_scale: float = Field(default=1e-3, gt=0, lt=1, description="Weight ratio between consecutive levels.")

    @model_validator(mode="after")
    def _check_bounds(self) -> Lexicographic:
        if self.bounds is not None:
            if len(self.bounds) != len(self.children) - 1:
                raise ValueError(
                    f"bounds must have one [low, high] per child after the first: "
                    f"{len(self.children) - 1} expected, {len(self.bounds)} given"
                )
            for lo, hi in self.bounds:
                if not hi > lo:
                    raise ValueError(f"bounds [{lo}, {hi}]: high must be greater than low")
        return self

    def _combine(self, g: Gathered, weights: list[float]) -> RewardResult:
        if g.failed:
            return g.failure("lexicographic")
        scores = {i: s for i, s in g.usable}
        if 0 not in scores:
            return RewardResult.not_applicable(
                f"the first level '{g.labels[0]}' does not apply", components=g.components, info=g.base_info()
            )
        total = scores[0]
        key: list[float | None] = [scores[0]]
        for k in range(1, len(g.labels)):
            lo, hi = self.bounds[k - 1] if self.bounds else (0.0, 1.0)
            raw = scores.get(k)
            key.append(raw)
            unit = 0.0 if raw is None else min(1.0, max(0.0, (raw - lo) / (hi - lo)))
            total += unit * self.tie_scale**k
        info = g.base_info()
        info["key"] = key
        return RewardResult.ok(total, components=g.components, info=info)


@register("cascade")
class Cascade(Combinator):
    """Stages in order; stop at the first stage that fails its threshold.

    Later stages are not computed for a sample that failed (their components are ``None``), so
    cheap checks guard expensive ones: format -> compiles -> tests. The score is
    ``fail_values[k]`` when stage ``k`` fails (default: that stage's own score), or the last
    stage's score when every stage passes. A stage that does not apply is skipped.
    ``info['stopped_at']`` names the failing stage.

    >>> from rewardlab.verifiers import ExactMatch, Format
    >>> c = Cascade(children=[Format(template="answer"), ExactMatch(extract="answer_tag")], fail_values=[-1, 0])
    >>> c.score({"completion": "no tags", "answer": "4"}).score
    -1.0
    >>> c.score({"completion": "<answer>5</answer>", "answer": "4"}).info["stopped_at"]
    'exact_match'
    """

    example: ClassVar[Example] = Example(
        sample={"completion": "<answer>4</answer>", "answer": "4"},
        params={
            "children": [{"type": "format", "template": "answer"}, {"type": "exact_match", "extract": "answer_tag"}],
            "fail_values": [-1, 0],
        },
        score=1.0,
    )

    children: list[RewardNode] = Field(min_length=1, description="The stages, in order.")
    thresholds: float | list[float] = Field(
        default=1.0, description="A stage passes when its score is >= its threshold (one value or one per stage)."
    )
    fail_values: list[float] | None = Field(
        default=None, description="Score when stage k fails (default: the failing stage's own score)."
    )

    @field_validator("fail_values")
    @classmethod
    def _finite(cls, v: list[float] | None) -> list[float] | None:
        if v is not None and not all(math.isfinite(x) for x in v):
            raise ValueError("fail_values must be finite numbers")
        return v

    @model_validator(mode="after")
    def _check_lengths(self) -> Cascade:
        n = len(self.children)
        if isinstance(self.thresholds, list) and len(self.thresholds) != n:
            raise ValueError(f"thresholds: one per stage expected ({n}), {len(self.thresholds)} given")
        if self.fail_values is not None and len(self.fail_values) != n:
            raise ValueError(f"fail_values: one per stage expected ({n}), {len(self.fail_values)} given")
        return self

    def _threshold(self, k: int) -> float:
        return self.thresholds[k] if isinstance(self.thresholds, list) else self.thresholds

    def _score_batch(self, samples: list[Sample], ctx: ScoreContext) -> Sequence[Outcome]:
        stages = self.children
        n = len(samples)
        per_sample: list[list[RewardResult | None]] = [[None] * len(stages) for _ in range(n)]
        final: dict[int, RewardResult] = {}
        last_score: dict[int, float] = {}
        active = list(range(n))
        for k, stage in enumerate(stages):
            if not active:
                break
            results = stage.score_batch([samples[i] for i in active], ctx)
            still: list[int] = []
            for i, r in zip(active, results, strict=True):
                per_sample[i][k] = r
                if r.score is None and r.status is Status.NOT_APPLICABLE:
                    still.append(i)
                    continue
                if r.score is None:
                    final[i] = gather([stage.label], [r]).failure("cascade")
                    continue
                last_score[i] = r.score
                if r.score < self._threshold(k):
                    value = self.fail_values[k] if self.fail_values is not None else r.score
                    final[i] = RewardResult.ok(value, info={"stopped_at": stage.label, "stage": k})
                else:
                    still.append(i)
            active = still
        out: list[Outcome] = []
        for i in range(n):
            components = merge_components(per_sample[i])
            for stage in stages:
                for leaf in stage.leaves():
                    components.setdefault(leaf.label, None)
            result = final.get(i)
            if result is None:
                if i in last_score:
                    result = RewardResult.ok(last_score[i], info={"stopped_at": None, "stage": len(stages)})
                else:
                    result = RewardResult.not_applicable("no stage of the cascade applies")
            result.components = {**components, **result.components}
            out.append(self._finish(result))
        return out
