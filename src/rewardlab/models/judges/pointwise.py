"""``judge``: a generative judge that rates one response on a scale (optionally critique first).

>>> from rewardlab.models.judges.pointwise import PointwiseJudge
>>> PointwiseJudge().score({"prompt": "What is 2+2?", "completion": "Thought process:"}).info["guard"]
'only a reasoning opener or header, no content'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from pydantic import Field, model_validator

from ...core.context import ScoreContext
from ...core.errors import NotApplicable
from ...core.example import Example
from ...core.registry import register
from ...core.result import RewardResult
from ...core.reward import Outcome, prepare_each
from ...core.sample import Sample
from .backends import ChatRequest
from .base import JudgeReward, normalized_probs
from .parse import VerdictError, parse_score
from .prompts import critique_messages, pointwise_messages, score_after_critique_messages

__all__ = ["PointwiseJudge"]


@register("judge", aliases=("pointwise_judge", "llm_judge"), family="model")
class PointwiseJudge(JudgeReward):
    """An LLM rates the response from ``scale_min`` to ``scale_max`` (score normalized to [0, 1]).

    With a reference answer in ``reference_field`` the judge is told to check the response's
    final answer against it (a model-based verifier). ``critique: true`` makes the judge write
    a critique first and score in a second turn (critique-then-score). ``verdict: logprobs``
    reads the probability of every scale value and returns the expected score. Master-key
    responses are refused before judging (score 0, ``info.guard`` says why); an unparseable
    reply is an ``error`` result with the reply in ``info.raw``.

    Backends: ``smollm2`` (default, local, greedy), a local model folder, or any
    OpenAI-compatible endpoint: ``backend: {kind: openai, base_url: http://127.0.0.1:8000/v1, model: NAME}``.

    >>> judge = PointwiseJudge(scale_max=5)
    >>> result = judge.score({"prompt": "What is 2+2?", "completion": "2 + 2 = 4."})
    >>> result.status.value in ("ok", "error"), judge.score({"prompt": "Hi", "completion": ":"}).score
    (True, 0.0)
    """

    reads: ClassVar[tuple[str, ...]] = ("prompt", "completion", "answer")
    example: ClassVar[Example] = Example(
        sample={"prompt": "What is 2+2?", "completion": "2 + 2 = 4."},
        params={"scale_max": 5},
        skip="scoring runs SmolLM2 (or calls an endpoint) as the judge; tests/models/judges/ score it on both",
    )

    scale_min: int = Field(default=1, description="Lowest rating.")
    scale_max: int = Field(default=10, description="Highest rating.")
    normalize: bool = Field(default=True, description="Map the rating to [0, 1] ((r - min) / (max - min)).")
    critique: bool = Field(default=False, description="Critique first, then score in a second turn.")
    critique_tokens: int = Field(default=192, ge=8, description="Length limit of the critique.")
    reference_field: str | None = Field(
        default="answer", description="Sample field with a reference answer to check against (if present)."
    )

    @model_validator(mode="after")
    def _check_scale(self) -> PointwiseJudge:
        if self.scale_max <= self.scale_min:
            raise ValueError(f"scale_max ({self.scale_max}) must be above scale_min ({self.scale_min})")
        if self.scale_max - self.scale_min > 100:
            raise ValueError("the scale may have at most 101 values")
        return self

    def _final(self, rating: float) -> float:
        if not self.normalize:
            return rating
        return (rating - self.scale_min) / (self.scale_max - self.scale_min)

    def _score_batch(self, samples: list[Sample], ctx: ScoreContext) -> Sequence[Outcome]:
        out, parts = prepare_each(samples, self.judged, NotApplicable)
        pending: list[tuple[int, list[dict[str, str]]]] = []
        for i, (conversation, response, refused) in parts.items():
            if refused is not None:
                out[i] = RewardResult.ok(self._final(self.scale_min), info={"guard": refused, "refused": True})
                continue
            reference = samples[i].get(self.reference_field) if self.reference_field else None
            ref_text = None if reference is None else str(reference)
            if self.critique:
                pending.append((i, critique_messages(conversation, response, reference=ref_text)))
            else:
                messages = pointwise_messages(
                    conversation,
                    response,
                    lo=self.scale_min,
                    hi=self.scale_max,
                    verdict=self.verdict,
                    reference=ref_text,
                )
                pending.append((i, messages))
        if not pending:
            return out
        critiques: dict[int, str] = {}
        if self.critique:
            replies = self.judge_backend.complete(
                [ChatRequest.of(m, max_tokens=self.critique_tokens) for _, m in pending]
            )
            staged = []
            for (i, messages), reply in zip(pending, replies, strict=True):
                if isinstance(reply, BaseException):
                    out[i] = reply
                    continue
                critiques[i] = reply
                staged.append(
                    (
                        i,
                        score_after_critique_messages(
                            messages, reply, lo=self.scale_min, hi=self.scale_max, verdict=self.verdict
                        ),
                    )
                )
            pending = staged
        self._verdicts(pending, critiques, out)
        return out

    def _verdicts(
        self, pending: list[tuple[int, list[dict[str, str]]]], critiques: dict[int, str], out: list[Outcome]
    ) -> None:
        choices = [str(k) for k in range(self.scale_min, self.scale_max + 1)]
        answers = self.ask([m for _, m in pending], choices)
        for (i, _), answer in zip(pending, answers, strict=True):
            if self.verdict == "text":
                out[i] = self._from_text(answer, critiques.get(i))
            else:
                out[i] = self._from_logprobs(answer, choices, critiques.get(i))

    def _from_text(self, reply: Any, critique: str | None) -> Outcome:
        if isinstance(reply, BaseException):
            return reply
        info: dict[str, Any] = {"raw": reply}
        if critique is not None:
            info["critique"] = critique
        try:
            rating = parse_score(reply, lo=self.scale_min, hi=self.scale_max)
        except VerdictError as exc:
            return RewardResult.failed(f"unparseable verdict: {exc}", info=info)
        info["rating"] = rating
        return RewardResult.ok(self._final(rating), info=info)

    def _from_logprobs(self, row: Any, choices: list[str], critique: str | None) -> Outcome:
        if isinstance(row, BaseException):
            return row
        info: dict[str, Any] = {}
        if critique is not None:
            info["critique"] = critique
        try:
            probs, mass = normalized_probs(row)
        except ValueError as exc:
            return RewardResult.failed(f"unparseable verdict: {exc}", info=info)
        expected = sum(p * (self.scale_min + k) for k, p in enumerate(probs))
        info.update(rating=expected, probs=dict(zip(choices, probs, strict=True)), choice_mass=mass)
        return RewardResult.ok(self._final(expected), info=info)
