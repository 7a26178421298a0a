"""Exact match of the (extracted) answer against one or several references.

>>> em = ExactMatch()
>>> em.score({"completion": " PARIS ", "answer": ["paris", "Paris, France"]}).score
1.0
>>> em.score({"completion": "Lyon", "answer": "paris"}).score
0.0
>>> em.score({"completion": "Lyon"}).status.value
'not_applicable'
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
from .common.references import references
from .common.text import Extract, extract_answer, normalize_text

__all__ = ["ExactMatch"]


@register("exact_match", aliases=("em",), family="verifier")
class ExactMatch(Reward):
    """1.0 when the completion's answer equals a reference after normalization, else 0.0.

    The answer is the whole completion or an extracted part (``extract``: ``answer_tag``,
    ``boxed``, ``last_line``, ``regex`` with ``pattern``). Normalization: case, surrounding and
    repeated whitespace, optionally punctuation and articles (SQuAD style). A completion from
    which no answer can be extracted earns 0.0 (``info['reason']`` says so).

    >>> ExactMatch(extract="answer_tag").score({"completion": "<answer>4</answer>", "answer": "4"}).score
    1.0
    """

    reads: ClassVar[tuple[str, ...]] = ("completion", "answer")
    example: ClassVar[Example] = Example(
        sample={"completion": "<answer>4</answer>", "answer": "4"}, params={"extract": "answer_tag"}, score=1.0
    )

    answer_field: str = Field(default="answer", description="Sample field with the reference(s).")
    extract: Extract = Field(default="none", description="How to find the answer in the completion.")
    pattern: str | None = Field(default=None, description="Regex for extract='regex' (group 1 is the answer).")
    ignore_case: bool = Field(default=True, description="Compare case-insensitively.")
    collapse_whitespace: bool = Field(default=True, description="Treat runs of whitespace as one space.")
    remove_punctuation: bool = Field(default=False, description="Drop ASCII punctuation before comparing.")
    remove_articles: bool = Field(default=False, description="Drop 'a', 'an', 'the' before comparing.")

    @model_validator(mode="after")
    def _check(self) -> ExactMatch:
        if self.extract == "regex" and not self.pattern:
            raise ValueError("extract='regex' needs 'pattern'")
        return self

    def _norm(self, text: str) -> str:
        return normalize_text(
            text,
            ignore_case=self.ignore_case,
            collapse_whitespace=self.collapse_whitespace,
            remove_punctuation=self.remove_punctuation,
            remove_articles=self.remove_articles,
        )

    def _score_one(self, sample: Sample, ctx: ScoreContext) -> Any:
        refs = references(sample, self.answer_field)
        answer = extract_answer(sample.completion_text, self.extract, self.pattern)
        if answer is None:
            return RewardResult.ok(0.0, info={"reason": f"no answer found (extract={self.extract})"})
        got = self._norm(answer)
        if not got:
            return RewardResult.ok(0.0, info={"reason": "empty answer", "extracted": answer})
        matched = next((r for r in refs if self._norm(r) == got), None)
        info = {"extracted": answer}
        if matched is not None:
            info["matched"] = matched
        return RewardResult.ok(1.0 if matched is not None else 0.0, info=info)
