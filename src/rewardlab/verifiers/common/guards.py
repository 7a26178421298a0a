"""Refusal rules shared by verifiers: answers that restate the prompt or list candidates.

A policy trained against a lax checker learns to list every candidate ("Paris, London, Rome",
"Paris / London") or to copy the question back. These helpers detect those shapes; each
verifier decides what to do with them (its strict default pays nothing and says why in
``info``). Hedges and negations ("Paris or London", "not Paris") are the shared vocabulary of
:mod:`.hedges`. All checks run on :func:`~rewardlab.verifiers.common.confusables.fold`-ed text.

>>> candidate_parts("Paris, London; Berlin", ["Paris"])
['Paris', 'London', 'Berlin']
>>> candidate_parts("Paris / London", ["Paris"]), candidate_parts("AC/DC", ["AC/DC"])
(['Paris', 'London'], [])
>>> restates_prompt("What is the capital of France?", "What is the capital of France?")
True
>>> restates_prompt("the Pacific Ocean", "Which is larger, the Pacific Ocean or the Atlantic Ocean?")
False
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from .confusables import fold

__all__ = ["candidate_parts", "prompt_remainder", "restates_prompt", "words"]

_WORD = re.compile(r"\w+", re.UNICODE)

_SEPARATORS = (",", ";", "\n", "|", "/")


def words(text: str) -> list[str]:
    """Lower-case word tokens of the folded text.

    >>> words("Hello, WORLD!")
    ['hello', 'world']
    """
    return _WORD.findall(fold(text).lower())


def candidate_parts(answer: str, references: Sequence[str] = ()) -> list[str]:
    """The parts of ``answer`` when it is a list of candidates, else ``[]``.

    A separator (comma, semicolon, newline, ``|``, ``/``) that a reference also contains is part of
    an answer ("Paris, France"), unless the answer has more parts than that reference.

    >>> candidate_parts("Paris, France", ["Paris, France"])
    []
    >>> candidate_parts("Paris, Lyon, Nice", ["Paris, France"])
    ['Paris', 'Lyon', 'Nice']
    """
    text = fold(answer).strip()
    refs = [fold(r) for r in references]
    for sep in _SEPARATORS:
        if sep not in text:
            continue
        parts = [p for p in (p.strip() for p in text.split(sep)) if p]
        allowed = max((len([q for q in r.split(sep) if q.strip()]) for r in refs if sep in r), default=1)
        if len(parts) > max(allowed, 1):
            return _split_all(text)
    return []


def _split_all(text: str) -> list[str]:
    parts = re.split("|".join(re.escape(s) for s in _SEPARATORS), text)
    return [p.strip() for p in parts if p.strip()]


def restates_prompt(answer: str, prompt: str, *, answer_share: float = 0.8, prompt_share: float = 0.6) -> bool:
    """Whether ``answer`` is (mostly) the prompt said back.

    True when at least ``answer_share`` of the answer's words come from the prompt **and** the
    answer repeats at least ``prompt_share`` of the prompt's words. An answer quoting a few
    words of a long prompt (a span of a reading passage, one of two options named in the
    question) is not a restatement; the question copied back, with or without a short answer
    after it, is.
    """
    answer_words = words(answer)
    prompt_words = words(prompt)
    if len(answer_words) < 2 or len(prompt_words) < 3:
        return False
    overlap = sum((Counter(answer_words) & Counter(prompt_words)).values())
    return overlap / len(answer_words) >= answer_share and overlap / len(prompt_words) >= prompt_share


def prompt_remainder(answer: str, prompt: str) -> list[str]:
    """The answer's words left after taking out the prompt's words (as multisets).

    >>> prompt_remainder("The capital of France is Paris", "What is the capital of France?")
    ['paris']
    """
    left = Counter(words(prompt))
    out = []
    for w in words(answer):
        if left[w] > 0:
            left[w] -= 1
        else:
            out.append(w)
    return out
