"""Extractive / short-answer QA: SQuAD exact match and token F1 against one or many references.

>>> qa = QA()
>>> r = qa.score({"completion": "The Eiffel Tower", "answer": ["Eiffel Tower", "the tower"]})
>>> r.score, r.components
(1.0, {'qa': 1.0, 'qa.em': 1.0, 'qa.f1': 1.0})
>>> qa.score({"completion": "Paris or London", "answer": "Paris"}).info["reason"]
"hedged answer ('or')"
>>> round(QA(strict=False).score({"completion": "Paris or London", "answer": "Paris"}).score, 3)
0.5
"""

from __future__ import annotations

import re
import string
from collections import Counter
from typing import Any, ClassVar, Literal

from pydantic import Field, model_validator

from ..core.context import ScoreContext
from ..core.example import Example
from ..core.registry import register
from ..core.result import RewardResult
from ..core.reward import Reward
from ..core.sample import Sample
from .common.confusables import fold
from .common.guards import candidate_parts, prompt_remainder, restates_prompt
from .common.hedges import hedge_markers, negation_markers
from .common.references import references
from .common.text import Extract, check_pattern, extract_answer

__all__ = ["QA", "squad_em", "squad_f1", "squad_normalize"]

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCT = set(string.punctuation)


def squad_normalize(text: str) -> str:
    """The official SQuAD normalization: lower case, no punctuation, no articles, single spaces.

    Unicode look-alikes and compatibility forms are folded first (a fullwidth ``Ｐａｒｉｓ`` is Paris).

    >>> squad_normalize("The  Eiffel-Tower!")
    'eiffeltower'
    """
    text = fold(text).lower()
    text = "".join(ch for ch in text if ch not in _PUNCT)
    text = _ARTICLES.sub(" ", text)
    return " ".join(text.split())


def squad_em(prediction: str, reference: str) -> float:
    """1.0 when the normalized strings are equal."""
    return float(squad_normalize(prediction) == squad_normalize(reference))


def squad_f1(prediction: str, reference: str) -> float:
    """Token-level F1 of the normalized strings (the SQuAD v1.1 script's definition).

    >>> round(squad_f1("the big red barn", "red barn"), 3)
    0.8
    """
    pred = squad_normalize(prediction).split()
    ref = squad_normalize(reference).split()
    if not pred or not ref:
        return float(pred == ref)
    common = sum((Counter(pred) & Counter(ref)).values())
    if common == 0:
        return 0.0
    precision = common / len(pred)
    recall = common / len(ref)
    return 2 * precision * recall / (precision + recall)


@register("qa", aliases=("squad",), family="verifier")
class QA(Reward):
    """SQuAD-style QA reward: normalized exact match and token F1, best over the references.

    The reference (``answer``) is a string or a list of accepted strings; each metric takes its
    maximum over them. The answer is the completion or an extracted part (``extract``:
    ``answer_tag``, ``boxed``, ``last_line``, ``regex`` with ``pattern``). Normalization is the
    official SQuAD one (case, punctuation, articles, whitespace), after folding Unicode
    look-alikes. Components: ``<name>.em`` and ``<name>.f1``; the score is ``metric`` (``f1``,
    the default, or ``em``).

    Strict by default (a reward, not a leaderboard metric): an empty answer, an answer that
    hedges ("Paris or London", "maybe Paris", "Paris?") or negates ("not Paris", "Paris is
    wrong") -- the shared vocabulary of :mod:`~rewardlab.verifiers.common.hedges`, every marker
    counted (``strict=True``) -- or lists candidates ("Paris, London, Rome", "Paris / London"),
    an answer more than ``max_length_ratio`` times as long as the
    longest reference (plus ``length_slack`` words), and a completion restating the question
    (unless the words it adds to the question hold the answer) all earn 0, with the reason in
    ``info``; markers or separators that a reference itself contains ("salt and/or pepper",
    "not guilty", "Paris, France") are allowed. ``strict=false`` computes plain SQuAD EM/F1.

    >>> em = QA(metric="em", extract="answer_tag")
    >>> em.score({"completion": "<answer>Broncos</answer>", "answer": "Broncos"}).score
    1.0
    """

    reads: ClassVar[tuple[str, ...]] = ("completion", "answer", "prompt")
    example: ClassVar[Example] = Example(
        sample={"completion": "Paris", "answer": ["Paris", "Paris, France"]}, score=1.0
    )

    answer_field: str = Field(default="answer", description="Sample field with the reference answer(s).")
    metric: Literal["f1", "em"] = Field(default="f1", description="Which metric is the score: f1 or em.")
    extract: Extract = Field(default="none", description="How to find the answer in the completion.")
    pattern: str | None = Field(default=None, description="Regex for extract='regex' (group 1 is the answer).")
    strict: bool = Field(default=True, description="Refuse hedged, listed, padded and restated answers.")
    max_length_ratio: float = Field(
        default=3.0, gt=0, description="strict: longest answer, in multiples of the longest reference's words."
    )
    length_slack: int = Field(default=5, ge=0, description="strict: extra words allowed beyond that ratio.")

    @model_validator(mode="after")
    def _check(self) -> QA:
        if self.extract == "regex" and not self.pattern:
            raise ValueError("extract='regex' needs 'pattern'")
        check_pattern(self.pattern)
        return self

    def _result(self, em: float, f1: float, info: dict[str, Any]) -> RewardResult:
        score = f1 if self.metric == "f1" else em
        return RewardResult.ok_with_parts(self.label, score, {"em": em, "f1": f1}, info=info)

    def _refusal(self, answer: str, refs: list[str], sample: Sample) -> str | None:
        prompt = sample.prompt_text.strip()
        own = answer.replace(prompt, " ") if prompt else answer  # the question's own "?" is not a hedge
        markers = hedge_markers(own, refs, strict=True)
        if markers:
            return "hedged answer (" + ", ".join(f"'{m}'" for m in markers) + ")"
        negations = negation_markers(own, refs, strict=True)
        if negations:
            return "negated answer (" + ", ".join(f"'{m}'" for m in negations) + ")"
        parts = candidate_parts(answer, refs)
        if parts:
            return f"a list of {len(parts)} candidates, not one answer"
        n_words = len(squad_normalize(answer).split())
        longest = max(len(squad_normalize(r).split()) for r in refs)
        limit = self.max_length_ratio * max(longest, 1) + self.length_slack
        if n_words > limit:
            return f"answer too long ({n_words} words; the limit is {limit:g} for these references)"
        if restates_prompt(answer, sample.prompt_text):
            # Credit must come from words the prompt did not supply.
            remainder = " ".join(prompt_remainder(answer, sample.prompt_text))
            if not any(squad_f1(remainder, r) > 0 for r in refs):
                return "the answer restates the question"
        return None

    def _score_one(self, sample: Sample, ctx: ScoreContext) -> Any:
        refs = [r for r in references(sample, self.answer_field) if squad_normalize(r)] or [""]
        answer = extract_answer(sample.completion_text, self.extract, self.pattern)
        if answer is None:
            return self._result(0.0, 0.0, {"reason": f"no answer found (extract={self.extract})"})
        if not squad_normalize(answer):
            return self._result(0.0, 0.0, {"reason": "empty answer", "extracted": answer[:200]})
        info: dict[str, Any] = {"extracted": answer[:200]}
        if self.strict:
            reason = self._refusal(answer, refs, sample)
            if reason is not None:
                info["reason"] = reason
                return self._result(0.0, 0.0, info)
        ems = [squad_em(answer, r) for r in refs]
        f1s = [squad_f1(answer, r) for r in refs]
        best = max(range(len(refs)), key=lambda i: (f1s[i], ems[i]))
        info["best_reference"] = refs[best]
        return self._result(max(ems), max(f1s), info)
