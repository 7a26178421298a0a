"""``rubric_judge``: criteria (a rubric, or principles) -> one verdict per criterion -> weighted score.

>>> from rewardlab.models.judges.rubric import RubricJudge
>>> RubricJudge(criteria=["The answer is correct."]).score({"prompt": "2+2?", "completion": "..."}).score
0.0
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ...core.context import ScoreContext
from ...core.errors import NotApplicable
from ...core.example import Example
from ...core.registry import register
from ...core.result import RewardResult
from ...core.reward import Outcome, prepare_each
from ...core.sample import Sample
from .base import JudgeReward, normalized_probs
from .parse import VerdictError, parse_yes_no
from .prompts import rubric_messages

__all__ = ["Criterion", "RubricJudge"]


class Criterion(BaseModel):
    """One rubric item: what must hold, and how much it counts."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str = Field(min_length=1, description="What the response must do, as a statement.")
    weight: float = Field(default=1.0, gt=0, description="Relative weight in the score.")
    name: str | None = Field(default=None, description="Short label in info (default: c1, c2, ...).")

    @classmethod
    def coerce(cls, value: Any) -> Criterion:
        if isinstance(value, Criterion):
            return value
        if isinstance(value, str):
            return cls(text=value)
        if isinstance(value, dict):
            return cls.model_validate(value)
        raise ValueError(f"a criterion is a string or {{text, weight, name}}, got {type(value).__name__}")


@register("rubric_judge", aliases=("rubric", "principle_judge"), family="model")
class RubricJudge(JudgeReward):
    """Weighted share of the rubric's criteria that the response satisfies, each judged yes/no.

    Criteria come from the sample (``criteria_field``, e.g. per-prompt rubrics or principles)
    or, when the sample has none, from ``criteria``. Each is a statement ("Cites a source.") or
    ``{text, weight, name}``. With text verdicts a criterion counts 1 (yes) or 0 (no); with
    ``verdict: logprobs`` it counts P(yes). ``info.criteria`` lists every verdict. One
    unparseable criterion verdict fails the sample (status ``error``, the replies in ``info``).
    A master-key response scores 0 without being judged.

    >>> judge = RubricJudge(criteria=[{"text": "Is polite.", "weight": 2}, "Answers the question."])
    >>> r = judge.score({"prompt": "What is 2+2?", "completion": "Sure, 2+2 is 4."})
    >>> r.status.value in ("ok", "error"), len(r.info["criteria"])
    (True, 2)
    """

    reads: ClassVar[tuple[str, ...]] = ("prompt", "completion", "rubric", "answer")
    example: ClassVar[Example] = Example(
        sample={"prompt": "What is 2+2?", "completion": "Sure, 2+2 is 4."},
        params={"criteria": [{"text": "Is polite.", "weight": 2}, "Answers the question."]},
        skip="scoring runs SmolLM2 (or calls an endpoint) as the judge; tests/models/judges/ score it on both",
    )

    criteria: list[Criterion] = Field(default_factory=list, description="The rubric used when the sample has none.")
    criteria_field: str | None = Field(default="rubric", description="Sample field with per-sample criteria.")
    reference_field: str | None = Field(default="answer", description="Sample field with a reference answer.")

    @field_validator("criteria", mode="before")
    @classmethod
    def _coerce(cls, value: Any) -> Any:
        if isinstance(value, (str, dict)):
            value = [value]
        return [Criterion.coerce(v) for v in value] if isinstance(value, list) else value

    def _rubric(self, sample: Sample) -> list[Criterion]:
        raw = sample.get(self.criteria_field) if self.criteria_field else None
        if raw is None:
            if not self.criteria:
                raise NotApplicable(f"no criteria: the sample has no '{self.criteria_field}' and the judge has none")
            return list(self.criteria)
        items = raw if isinstance(raw, list) else [raw]
        try:
            rubric = [Criterion.coerce(v) for v in items]
        except ValueError as exc:
            raise ValueError(f"field '{self.criteria_field}': {exc}") from None
        if not rubric:
            raise NotApplicable(f"field '{self.criteria_field}' holds no criteria")
        return rubric

    def _score_batch(self, samples: list[Sample], ctx: ScoreContext) -> Sequence[Outcome]:
        out, parts = prepare_each(samples, lambda s: (self._rubric(s), *self.judged(s)), (NotApplicable, ValueError))
        rubrics: dict[int, list[Criterion]] = {}
        jobs: list[tuple[int, int, list[dict[str, str]]]] = []
        for i, (rubric, conversation, response, refused) in parts.items():
            if refused is not None:
                listed = [{"name": self._name(c, k), "verdict": None} for k, c in enumerate(rubric)]
                out[i] = RewardResult.ok(0.0, info={"guard": refused, "refused": True, "criteria": listed})
                continue
            rubrics[i] = rubric
            reference = samples[i].get(self.reference_field) if self.reference_field else None
            for k, criterion in enumerate(rubric):
                messages = rubric_messages(
                    conversation,
                    response,
                    criterion.text,
                    verdict=self.verdict,
                    reference=None if reference is None else str(reference),
                )
                jobs.append((i, k, messages))
        if not jobs:
            return out
        answers = self.ask([m for _, _, m in jobs], ["Yes", "No"])
        per_sample: dict[int, dict[int, Any]] = {}
        for (i, k, _), answer in zip(jobs, answers, strict=True):
            per_sample.setdefault(i, {})[k] = answer
        for i, answers_by_k in per_sample.items():
            out[i] = self._combine(rubrics[i], answers_by_k)
        return out

    @staticmethod
    def _name(criterion: Criterion, k: int) -> str:
        return criterion.name or f"c{k + 1}"

    def _combine(self, rubric: list[Criterion], answers: dict[int, Any]) -> Outcome:
        listed: list[dict[str, Any]] = []
        failure: str | None = None
        total = 0.0
        for k, criterion in enumerate(rubric):
            answer = answers[k]
            entry: dict[str, Any] = {"name": self._name(criterion, k), "weight": criterion.weight}
            if isinstance(answer, BaseException):
                return answer
            if self.verdict == "text":
                entry["raw"] = answer
                try:
                    value = 1.0 if parse_yes_no(answer) else 0.0
                except VerdictError as exc:
                    failure = failure or f"unparseable verdict on criterion '{entry['name']}': {exc}"
                    listed.append(entry)
                    continue
            else:
                try:
                    (value, _), mass = normalized_probs(answer)
                except ValueError as exc:
                    failure = failure or f"unparseable verdict on criterion '{entry['name']}': {exc}"
                    listed.append(entry)
                    continue
                entry["choice_mass"] = mass
            entry["verdict"] = value
            total += criterion.weight * value
            listed.append(entry)
        if failure is not None:
            return RewardResult.failed(failure, info={"criteria": listed})
        weight = sum(c.weight for c in rubric)
        return RewardResult.ok(total / weight, info={"criteria": listed})
