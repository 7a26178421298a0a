"""Length rewards: the raw length, DAPO's soft overlong punishment and a target-length band.

Length is measured in ``chars``, ``words`` or ``tokens`` (a local tokenizer directory), or read
from a sample field (``length_field``, e.g. the completion's token count a trainer already has).

>>> o = Overlong(max_length=10, buffer=4, unit="words")
>>> [o.score({"completion": " ".join(["w"] * n)}).score for n in (6, 8, 10, 11)]
[0.0, -0.5, -1.0, -1.0]
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field, model_validator

from ..core.context import ScoreContext
from ..core.example import Example
from ..core.registry import register
from ..core.result import RewardResult
from ..core.reward import Reward
from ..core.sample import Sample
from .common.text import Unit, measure_length

__all__ = ["Length", "LengthBand", "Overlong"]


class _LengthReward(Reward):
    reads: ClassVar[tuple[str, ...]] = ("completion",)

    unit: Unit = Field(default="words", description="Unit of length: chars, words or tokens.")
    tokenizer: str | None = Field(default=None, description="Local tokenizer directory for unit='tokens'.")
    length_field: str | None = Field(
        default=None, description="Read the length from this sample field instead of measuring."
    )

    @model_validator(mode="after")
    def _check_unit(self) -> _LengthReward:
        if self.unit == "tokens" and self.tokenizer is None and self.length_field is None:
            raise ValueError(
                "unit 'tokens' needs 'tokenizer' (a local tokenizer directory) or 'length_field'; "
                "or use unit 'words' or 'chars'"
            )
        return self

    def _length(self, sample: Sample) -> int:
        if self.length_field is not None:
            value = sample.get(self.length_field)
            if value is None:
                raise ValueError(f"the sample has no length in field '{self.length_field}'")
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ValueError(f"field '{self.length_field}' must be a non-negative number, got {value!r}")
            return int(value)
        return measure_length(sample.completion_text, self.unit, self.tokenizer)


@register("overlong", aliases=("dapo_overlong",), family="verifier")
class Overlong(_LengthReward):
    """DAPO soft overlong punishment (Yu et al. 2025): 0 up to ``max_length - buffer``, then a
    linear penalty reaching -1 at ``max_length``, and -1 beyond.

    >>> Overlong(max_length=100, buffer=20, unit="chars").score({"completion": "x" * 90}).score
    -0.5
    """

    example: ClassVar[Example] = Example(
        sample={"completion": "x" * 90}, params={"max_length": 100, "buffer": 20, "unit": "chars"}, score=-0.5
    )

    max_length: int = Field(gt=0, description="L_max: the hard length limit.")
    buffer: int = Field(gt=0, description="L_cache: the soft zone before L_max where the penalty grows.")

    @model_validator(mode="after")
    def _check(self) -> Overlong:
        if self.buffer > self.max_length:
            raise ValueError(f"buffer ({self.buffer}) cannot exceed max_length ({self.max_length})")
        return self

    def _score_one(self, sample: Sample, ctx: ScoreContext) -> Any:
        n = self._length(sample)
        start = self.max_length - self.buffer
        if n <= start:
            score = 0.0
        elif n <= self.max_length:
            score = (start - n) / self.buffer
        else:
            score = -1.0
        return RewardResult.ok(score, info={"length": n, "unit": self.unit})


@register("length_band", family="verifier")
class LengthBand(_LengthReward):
    """1.0 when the length is within [``min_length``, ``max_length``]; outside it 0.0, or with
    ``tolerance`` a linear decay reaching 0 at ``tolerance`` units beyond the band.

    >>> LengthBand(min_length=10, max_length=20, tolerance=10, unit="chars").score({"completion": "x" * 25}).score
    0.5
    """

    example: ClassVar[Example] = Example(
        sample={"completion": "x" * 25},
        params={"min_length": 10, "max_length": 20, "tolerance": 10, "unit": "chars"},
        score=0.5,
    )

    min_length: int = Field(default=0, ge=0, description="Lower end of the band.")
    max_length: int | None = Field(default=None, ge=0, description="Upper end of the band (none: no upper end).")
    tolerance: float | None = Field(default=None, gt=0, description="Units over which the score decays to 0.")

    @model_validator(mode="after")
    def _check(self) -> LengthBand:
        if self.max_length is not None and self.max_length < self.min_length:
            raise ValueError(f"max_length ({self.max_length}) is below min_length ({self.min_length})")
        return self

    def _score_one(self, sample: Sample, ctx: ScoreContext) -> Any:
        n = self._length(sample)
        if n < self.min_length:
            distance = self.min_length - n
        elif self.max_length is not None and n > self.max_length:
            distance = n - self.max_length
        else:
            distance = 0
        if distance == 0:
            score = 1.0
        elif self.tolerance is None:
            score = 0.0
        else:
            score = max(0.0, 1.0 - distance / self.tolerance)
        return RewardResult.ok(score, info={"length": n, "unit": self.unit, "distance": distance})


@register("length", family="verifier")
class Length(_LengthReward):
    """The completion's length in ``unit`` (chars, words or tokens), as a number: longer scores higher.

    Not a quality check: a length term to compose with other rewards (a negative weight in a
    ``weighted_sum`` penalizes verbosity; per-prompt ``group_norm`` puts it on the scale of a
    reward model's score) and the "longer answer wins" baseline of the evaluations
    (``rewardlab eval bon -r length -p unit=chars``). ``info`` has the length and the unit.

    >>> Length(unit="chars").score({"completion": "four"}).score
    4.0
    >>> Length().score({"completion": "two words"}).score
    2.0
    """

    example: ClassVar[Example] = Example(sample={"completion": "four"}, params={"unit": "chars"}, score=4.0)

    def _score_one(self, sample: Sample, ctx: ScoreContext) -> Any:
        n = self._length(sample)
        return RewardResult.ok(float(n), info={"length": n, "unit": self.unit})
