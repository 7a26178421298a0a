"""N-gram repetition penalty: penalize completions that repeat themselves.

>>> r = Repetition(ngram_size=2, max_penalty=-1.0)
>>> r.score({"completion": "the cat sat on the mat"}).score
0.0
>>> r.score({"completion": "go go go go go"}).score
-0.75
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from ..core.context import ScoreContext
from ..core.example import Example
from ..core.registry import register
from ..core.result import RewardResult
from ..core.reward import Reward
from ..core.sample import Sample

__all__ = ["Repetition", "repeated_fraction"]


def repeated_fraction(tokens: list[str], n: int) -> float:
    """``1 - distinct n-grams / total n-grams`` (0 when there are fewer than ``n`` tokens).

    >>> repeated_fraction(list("abab"), 2)
    0.33333333333333337
    """
    total = len(tokens) - n + 1
    if total <= 0:
        return 0.0
    distinct = len({tuple(tokens[i : i + n]) for i in range(total)})
    return 1.0 - distinct / total


@register("repetition", aliases=("ngram_repetition",), family="verifier")
class Repetition(Reward):
    """``max_penalty * (1 - distinct n-grams / total n-grams)``: 0 for no repetition, down to
    ``max_penalty`` for a completion that repeats one n-gram (as in "Demystifying Long
    Chain-of-Thought Reasoning in LLMs").

    >>> Repetition(ngram_size=3, max_penalty=-0.5).score({"completion": "a b c a b c a b c"}).score
    -0.2857142857142857
    """

    reads: ClassVar[tuple[str, ...]] = ("completion",)
    example: ClassVar[Example] = Example(
        sample={"completion": "a b c a b c a b c"},
        params={"ngram_size": 3, "max_penalty": -0.5},
        score=-0.2857142857142857,
    )

    ngram_size: int = Field(default=3, ge=1, description="n of the n-grams.")
    max_penalty: float = Field(default=-1.0, le=0, description="The score of a fully repetitive completion (<= 0).")
    unit: Literal["words", "chars"] = Field(default="words", description="Tokens of the n-grams.")
    ignore_case: bool = Field(default=True, description="Compare n-grams case-insensitively.")

    def _score_one(self, sample: Sample, ctx: ScoreContext) -> Any:
        text = sample.completion_text
        if self.ignore_case:
            text = text.lower()
        tokens = text.split() if self.unit == "words" else list(text)
        fraction = repeated_fraction(tokens, self.ngram_size)
        return RewardResult.ok(self.max_penalty * fraction + 0.0, info={"repeated_fraction": fraction})
