"""Small rewards for the evaluation tests, registered under test-only names."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from rewardlab.core import NotApplicable, register
from rewardlab.core.reward import Reward


@register("ev_chars")
class Chars(Reward):
    """The completion's length in characters (times ``sign``): "longer is better" as a reward."""

    sign: float = Field(default=1.0)

    def _score_one(self, sample: Any, ctx: Any) -> Any:
        return self.sign * float(len(sample.completion_text))


@register("ev_constant")
class Constant(Reward):
    """The same score for every sample."""

    value: float = Field(default=1.0)

    def _score_one(self, sample: Any, ctx: Any) -> Any:
        return self.value


@register("ev_flaky")
class Flaky(Reward):
    """Length in characters, but fails on completions containing ``marker`` and does not apply to empty ones."""

    marker: str = Field(default="FAIL")

    def _score_one(self, sample: Any, ctx: Any) -> Any:
        text = sample.completion_text
        if self.marker in text:
            raise RuntimeError(f"cannot score a completion containing {self.marker!r}")
        if not text:
            raise NotApplicable("empty completion")
        return float(len(text))


@register("ev_vowels")
class Vowels(Reward):
    """Share of vowels among letters (a text statistic unrelated to length)."""

    def _score_one(self, sample: Any, ctx: Any) -> Any:
        letters = [c for c in sample.completion_text.lower() if c.isalpha()]
        return sum(c in "aeiou" for c in letters) / max(1, len(letters))


@register("ev_pairwise_len")
class PairwiseLength(Reward):
    """P(the completion beats ``baseline``): 1 if longer, 0 if shorter, 1/2 for equal length (a toy pairwise judge)."""

    baseline_field: str = Field(default="baseline")

    def _score_one(self, sample: Any, ctx: Any) -> Any:
        other = sample.get(self.baseline_field)
        if other is None:
            raise NotApplicable(f"no '{self.baseline_field}'")
        mine, theirs = len(sample.completion_text), len(str(other))
        return 1.0 if mine > theirs else 0.0 if mine < theirs else 0.5
