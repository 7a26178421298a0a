"""Transforms of one reward's score: clip, affine, centring, PAR, log-sigmoid, annealing.

Each transform is a :class:`~rewardlab.compose.wrappers.Wrapper`: it wraps a ``child`` and
overrides one hook, ``_transform``. (Potential-based shaping of step rewards is
:mod:`rewardlab.compose.shaping`.) Centring-based transforms (``center``,
``par``, ``log_sigmoid``) subtract a *reference reward*: a constant (``reference``), a number
stored in the sample (``reference_field``), or the child's own score of a reference
completion stored in the sample (``reference_completion_field``; a list of completions is
averaged), as in "Reward Shaping to Mitigate Reward Hacking in RLHF" (PAR) and
"Transforming and Combining Rewards for Aligning LLMs" (log-sigmoid).

>>> from rewardlab.verifiers import ExactMatch
>>> Affine(child=ExactMatch(), scale=2.0, shift=-1.0).score({"completion": "a", "answer": "b"}).score
-1.0
>>> round(PAR(child=ExactMatch(), reference=0.5).score({"completion": "a", "answer": "a"}).score, 4)
0.6225
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import ClassVar, Literal

from pydantic import Field, model_validator

from ..core.context import ScoreContext
from ..core.example import Example
from ..core.registry import register
from ..core.reward import Outcome
from ..core.sample import Sample
from .wrappers import Transformed, Wrapper

__all__ = ["PAR", "Affine", "Anneal", "Center", "Clip", "LogSigmoid", "log_sigmoid", "sigmoid"]


def sigmoid(z: float) -> float:
    """Numerically stable logistic function."""
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def log_sigmoid(z: float) -> float:
    """Numerically stable ``log(sigmoid(z))`` (finite for any finite z).

    >>> log_sigmoid(0.0) == math.log(0.5)
    True
    >>> round(log_sigmoid(-800.0))
    -800
    """
    if z >= 0:
        return -math.log1p(math.exp(-z))
    return z - math.log1p(math.exp(z))


@register("clip")
class Clip(Wrapper):
    """Clip the child's score to [``low``, ``high``] (either bound may be omitted).

    >>> from rewardlab.verifiers import Overlong
    >>> Clip(child=Overlong(max_length=4, buffer=2, unit="words"), low=-0.5).score(
    ...     {"completion": "one two three four five six"}).score
    -0.5
    """

    example: ClassVar[Example] = Example(
        sample={"completion": "one two three four five six"},
        params={"child": {"type": "overlong", "max_length": 4, "buffer": 2, "unit": "words"}, "low": -0.5},
        score=-0.5,
    )

    low: float | None = Field(default=None, description="Lower bound (none if omitted).")
    high: float | None = Field(default=None, description="Upper bound (none if omitted).")

    @model_validator(mode="after")
    def _check(self) -> Clip:
        if self.low is None and self.high is None:
            raise ValueError("clip needs at least one of 'low' and 'high'")
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError(f"low ({self.low}) must not exceed high ({self.high})")
        return self

    def _transform(self, score: float, sample: Sample, ctx: ScoreContext) -> Transformed:
        value = score
        if self.low is not None:
            value = max(self.low, value)
        if self.high is not None:
            value = min(self.high, value)
        return value, {"clipped": value != score}


@register("affine", aliases=("scale",))
class Affine(Wrapper):
    """``scale * score + shift``.

    >>> from rewardlab.verifiers import ExactMatch
    >>> Affine(child=ExactMatch(), scale=10).score({"completion": "a", "answer": "a"}).score
    10.0
    """

    example: ClassVar[Example] = Example(
        sample={"completion": "a", "answer": "a"}, params={"child": {"type": "exact_match"}, "scale": 10}, score=10.0
    )

    scale: float = Field(default=1.0, description="Multiplier.")
    shift: float = Field(default=0.0, description="Added after scaling.")

    def _transform(self, score: float, sample: Sample, ctx: ScoreContext) -> Transformed:
        return self.scale * score + self.shift, {}


class _Centered(Wrapper):
    """Applies ``f(score - reference)``; subclasses choose ``f`` by overriding :meth:`_apply`."""

    reference: float | None = Field(default=None, description="A constant reference reward.")
    reference_field: str | None = Field(
        default=None, description="Sample field holding the reference reward (a number)."
    )
    reference_completion_field: str | None = Field(
        default=None,
        description="Sample field holding a reference completion (or a list of them) scored by the child.",
    )

    @model_validator(mode="after")
    def _one_reference(self) -> _Centered:
        given = [
            k for k in ("reference", "reference_field", "reference_completion_field") if getattr(self, k) is not None
        ]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of 'reference' (a number), 'reference_field' (a sample field with the "
                "reference reward) or 'reference_completion_field' (a sample field with reference completions)"
                + (f"; got {', '.join(given)}" if given else "")
            )
        return self

    def _score_batch(self, samples: list[Sample], ctx: ScoreContext) -> Sequence[Outcome]:
        if self.reference_completion_field is None:
            return super()._score_batch(samples, ctx)
        # The child scores every sample's reference completions in one more batch call; each
        # sample is then centred on the mean of its own.
        results = self.child.score_batch(samples, ctx)
        references = self._reference_completion_scores(samples, ctx)
        return [
            self._wrap(r, lambda score, scores=scores: self._centre(score, self._completion_reference(scores)))
            for r, scores in zip(results, references, strict=True)
        ]

    def _reference_completion_scores(self, samples: list[Sample], ctx: ScoreContext) -> list[list[float | None]]:
        """The child's scores of each sample's reference completions (a list per sample)."""
        field = self.reference_completion_field
        assert field is not None
        owners: list[int] = []
        refs: list[Sample] = []
        for i, s in enumerate(samples):
            value = s.get(field)
            for completion in value if isinstance(value, list) else ([value] if value is not None else []):
                owners.append(i)
                refs.append(s.with_completion(completion))
        per_sample: list[list[float | None]] = [[] for _ in samples]
        if refs:
            for i, r in zip(owners, self.child.score_batch(refs, ctx), strict=True):
                per_sample[i].append(r.score)
        return per_sample

    def _transform(self, score: float, sample: Sample, ctx: ScoreContext) -> Transformed:
        if self.reference is not None:
            return self._centre(score, self.reference)
        field = self.reference_field
        assert field is not None  # exactly one reference is given; reference completions: _score_batch
        value = sample.get(field)
        if value is None:
            raise ValueError(f"the sample has no reference reward in field '{field}'")
        try:
            ref = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"field '{field}' must hold a number, got {value!r}") from None
        if not math.isfinite(ref):
            raise ValueError(f"field '{field}' holds a non-finite number")
        return self._centre(score, ref)

    def _completion_reference(self, scores: list[float | None]) -> float:
        if not scores:
            raise ValueError(f"the sample has no reference completion in field '{self.reference_completion_field}'")
        if any(s is None for s in scores):
            raise ValueError("the child reward could not score a reference completion")
        return math.fsum(scores) / len(scores)  # type: ignore[arg-type]

    def _centre(self, score: float, ref: float) -> Transformed:
        return self._apply(score - ref), {"reference": ref}

    def _apply(self, centred: float) -> float:
        raise NotImplementedError


@register("center")
class Center(_Centered):
    """``score - reference``: centre a reward on a reference reward.

    >>> from rewardlab.verifiers import ExactMatch
    >>> Center(child=ExactMatch(), reference_field="baseline").score(
    ...     {"completion": "a", "answer": "a", "baseline": 0.25}).score
    0.75
    """

    example: ClassVar[Example] = Example(
        sample={"completion": "a", "answer": "a", "baseline": 0.25},
        params={"child": {"type": "exact_match"}, "reference_field": "baseline"},
        score=0.75,
    )

    def _apply(self, centred: float) -> float:
        return centred


@register("par")
class PAR(_Centered):
    """Preference As Reward: ``sigmoid((score - reference) / temperature)``, bounded in (0, 1).

    Fu et al., "Reward Shaping to Mitigate Reward Hacking in RLHF" (2025): the sigmoid of the
    reward centred on the reference model's reward; with several reference completions their
    mean is used.

    >>> from rewardlab.verifiers import ExactMatch
    >>> PAR(child=ExactMatch(), reference_completion_field="ref").score(
    ...     {"completion": "a", "answer": "a", "ref": ["a", "b"]}).score
    0.6224593312018546
    """

    example: ClassVar[Example] = Example(
        sample={"completion": "a", "answer": "a", "ref": ["a", "b"]},
        params={"child": {"type": "exact_match"}, "reference_completion_field": "ref"},
        score=0.6224593312018546,
    )

    temperature: float = Field(default=1.0, gt=0, description="Divides the centred reward before the sigmoid.")

    def _apply(self, centred: float) -> float:
        return sigmoid(centred / self.temperature)


@register("log_sigmoid")
class LogSigmoid(_Centered):
    """``log sigmoid(score - reference)``: Wang et al., "Transforming and Combining Rewards".

    Saturates for rewards well above the reference (no pay for over-optimising one
    property) and, summed over properties, behaves like a logical AND.

    >>> from rewardlab.verifiers import ExactMatch
    >>> round(LogSigmoid(child=ExactMatch(), reference=0.0).score({"completion": "a", "answer": "a"}).score, 4)
    -0.3133
    """

    example: ClassVar[Example] = Example(
        sample={"completion": "a", "answer": "a"},
        params={"child": {"type": "exact_match"}, "reference": 0.0},
        score=-0.31326168751822286,
    )

    def _apply(self, centred: float) -> float:
        return log_sigmoid(centred)


@register("anneal")
class Anneal(Wrapper):
    """Multiply the child's score by a weight that moves from ``start`` to ``end`` over training steps.

    The step comes from the call (``ScoreContext(step=...)``, ``--step``, or the trainer adapter);
    ``default_step`` is used when the call gives none, otherwise the sample fails with a clear error.

    >>> from rewardlab.core import ScoreContext
    >>> from rewardlab.verifiers import ExactMatch
    >>> a = Anneal(child=ExactMatch(), start=0.0, end=1.0, end_step=100)
    >>> a.score({"completion": "a", "answer": "a"}, ScoreContext(step=25)).score
    0.25
    """

    example: ClassVar[Example] = Example(
        sample={"completion": "a", "answer": "a"},
        params={"child": {"type": "exact_match"}, "start": 0.0, "end": 1.0, "end_step": 100, "default_step": 25},
        score=0.25,
    )

    start: float = Field(default=0.0, description="Weight at ``start_step`` and before.")
    end: float = Field(default=1.0, description="Weight at ``end_step`` and after.")
    start_step: int = Field(default=0, ge=0, description="Step where the schedule starts.")
    end_step: int = Field(description="Step where the schedule ends.")
    schedule: Literal["linear", "cosine"] = Field(default="linear", description="Shape of the schedule.")
    default_step: int | None = Field(default=None, ge=0, description="Step to assume when the call gives none.")

    @model_validator(mode="after")
    def _check(self) -> Anneal:
        if self.end_step <= self.start_step:
            raise ValueError(f"end_step ({self.end_step}) must be after start_step ({self.start_step})")
        return self

    def weight_at(self, step: int) -> float:
        frac = min(1.0, max(0.0, (step - self.start_step) / (self.end_step - self.start_step)))
        if self.schedule == "cosine":
            frac = (1.0 - math.cos(math.pi * frac)) / 2.0
        return self.start + (self.end - self.start) * frac

    def _transform(self, score: float, sample: Sample, ctx: ScoreContext) -> Transformed:
        step = ctx.step if ctx.step is not None else self.default_step
        if step is None:
            raise ValueError(
                "anneal needs the training step: pass ScoreContext(step=...), `--step N` on the command line, "
                "or set 'default_step' in the spec"
            )
        w = self.weight_at(step)
        return w * score, {"anneal_weight": w, "step": step}
