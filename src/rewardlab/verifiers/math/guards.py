r"""Checks that refuse answers which are not *an* answer: hedges, negations, restated questions.

They look at the extracted answer (and, for the ``last_number`` fallback, the sentence around
it) and at the references: a word that a reference itself contains is never a hedge ("red or
blue" is a fine answer when the reference is "red or blue"), and when every reference is a
collection, "or" / "and" just separate its elements.

>>> from rewardlab.verifiers.math.reference import prepare_references
>>> refs = prepare_references("3")
>>> hedge_reason("3 or 4", refs), hedge_reason("either 3 or 4", refs), hedge_reason("3, maybe 4", refs)
(<Reason.HEDGED: 'hedged'>, <Reason.HEDGED: 'hedged'>, <Reason.HEDGED: 'hedged'>)
>>> hedge_reason("not 3", refs), hedge_reason("3 apples", refs) is None
(<Reason.NEGATED: 'negated'>, True)
>>> restates_question("2+3", "What is 2 + 3?", refs)
True
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from ..common.hedges import hedge_pattern, negation_pattern
from .errors import Reason
from .literals import number_tokens
from .normalize import clean_answer, compact
from .reference import Reference

__all__ = ["bound_after", "bound_reason", "hedge_reason", "restates_question"]

_SEPARATOR_WORDS = {"or", "and", "either"}


_NOT_EQUAL_SIGNS = ("\\neq", "\\ne", "!=", "≠")


def _allowed(found: str, refs: Sequence[Reference]) -> bool:
    word = " ".join(found.lower().split())
    if any(word in r.text.lower() for r in refs):
        return True
    if word in _NOT_EQUAL_SIGNS and any(sign in r.text for r in refs for sign in _NOT_EQUAL_SIGNS):
        return True  # "x \ne 3" against the reference "x != 3" is the relation asked for
    return bool(refs) and all(r.kind == "collection" for r in refs) and word in _SEPARATOR_WORDS


_WORD_AROUND = re.compile(r"(\w+)\W*$")
_WORD_AFTER = re.compile(r"^\W*(\w+)")


def _from_prompt(text: str, m: re.Match[str], prompt: str | None) -> bool:
    """The hedge word comes from the question ("strictly increasing or decreasing digits")."""
    if not prompt:
        return False
    before = _WORD_AROUND.search(text[: m.start()])
    after = _WORD_AFTER.search(text[m.end() :])
    if before is None or after is None:
        return False
    phrase = re.compile(
        rf"\b{re.escape(before.group(1))}\W+{re.escape(m.group(0))}\W+{re.escape(after.group(1))}\b", re.IGNORECASE
    )
    return bool(phrase.search(prompt))


_CLAUSE_SEPARATOR = re.compile(r";|,?\s+but\b|:\s", re.IGNORECASE)
_BOUND = re.compile(
    r"\b(?:at\s+(?:least|most)|(?:no|not)\s+(?:more|less|fewer|greater|smaller|larger)\s+than"
    r"|(?:more|less|fewer|greater|smaller|larger|bigger|higher|lower)\s+than|up\s+to|exceeds?|below|above)"
    r"\s*(?:or\s+equal\s+to\s*)?[\\$({\s]*$",
    re.IGNORECASE,
)
_BOUND_AFTER = re.compile(
    r"^[\s$}\\)\]*_]*(?:[A-Za-z]+\s+){0,2}?,?\s*(?:"  # "25 cards and above": a noun may come between
    r"(?:or|and)\s+(?:more|fewer|less|greater|higher|lower|larger|smaller|bigger|above|below|over|under|beyond"
    r"|up(?:wards?)?|down(?:wards?)?|longer|shorter|older|younger|later|earlier)"
    r"|(?:or|and)\s+(?:greater|more|less|fewer)\s+than"
    r"|at\s+(?:the\s+)?(?:very\s+)?(?:most|least|minimum|maximum|max|min)|at\s+a\s+(?:minimum|maximum)"
    r"|(?:minimum|maximum|max|min|tops|upwards?|\+(?!\s*[\w\\({$]))"
    r")(?![\w])",
    re.IGNORECASE,
)
"""A bound written after the number: "$10$ or more", "25 and above", "7 at the most", "10 minimum", "10+"."""
_RESTATING_OR = re.compile(r"\s*,?\s*(?:equivalently|in\s+other\s+words|simply|put\s+differently)\b", re.IGNORECASE)


def bound_reason(text: str, answer: str | None = None) -> Reason | None:
    """``RELATION`` when the answer is a bound in words ("at least 10", "greater than $2/3$"), not a value.

    >>> bound_reason("We need at least 10 coins.", "10"), bound_reason("We need exactly 10 coins.", "10")
    (<Reason.RELATION: 'relation'>, None)
    """
    at = text.rfind(answer) if answer else -1
    if answer and at < 0:
        return None
    before = text[: at if at >= 0 else len(text)]
    after = text[at + len(answer) :] if answer else ""
    if answer is None:  # the answer text itself: "at least 10", "10 or more"
        tokens = number_tokens(text)
        before = text[: tokens[0].start()] if tokens else ""
        after = text[tokens[-1].end() :] if tokens else ""
    return Reason.RELATION if _BOUND.search(before[-40:]) or bound_after(after) else None


def bound_after(tail: str) -> bool:
    """Whether ``tail``, the text right after an answer, makes it a bound ("or more", "and above").

    >>> bound_after(" or more guests."), bound_after("$ and up"), bound_after(", at the most"), bound_after(" or 11")
    (True, True, True, False)
    """
    return bool(_BOUND_AFTER.match(tail))


def _scoped_elsewhere(text: str, m: re.Match[str], answer: str | None) -> bool:
    """A negation before another number than the answer ("not 10, it is 1,000.99") negates that one,
    and one in another clause ("$x = 4$ is not a solution; $x = 3$ is") is that clause's."""
    if not answer:
        return False
    at = text.rfind(answer)
    if at < 0:
        return False
    if m.end() <= at and _CLAUSE_SEPARATOR.search(text[m.end() : at]):
        return True
    if m.end() > at:
        # "71, not 69": the negation is in front of another number, after the answer
        nxt = number_tokens(text[m.end() : m.end() + 24])
        return bool(nxt) and not text[m.end() : m.end() + nxt[0].start()].strip(" $(")
    return bool(number_tokens(text[m.end() : at]))


def hedge_reason(
    answer: str,
    refs: Sequence[Reference],
    *,
    sentence: bool = False,
    prompt: str | None = None,
    value: str | None = None,
) -> Reason | None:
    """``HEDGED`` or ``NEGATED`` when ``answer`` hedges or negates, else ``None``.

    The words are the shared vocabulary (:mod:`rewardlab.verifiers.common.hedges`). With
    ``sentence=True`` (the context of a ``last_number`` answer) it is read with ``strict=False``:
    only the strong hedges and negations count (not "might"/"could"/"no", which reasoning uses
    all the time), and a negation
    in front of another number than the answer (``value``) is that number's. A hedge word copied
    from the question (``prompt``) with its neighbours is part of the question's wording.
    """
    text = clean_answer(answer) if not sentence else answer
    for m in hedge_pattern(strict=not sentence).finditer(text):
        if m.group(0).lower() == "or" and _RESTATING_OR.match(text, m.end()):
            continue  # "1/2, or equivalently 0.5": the same value said twice
        if not _allowed(m.group(0), refs) and not _from_prompt(text, m, prompt):
            return Reason.HEDGED
    for m in negation_pattern(strict=not sentence).finditer(text):
        if _allowed(m.group(0), refs) or _from_prompt(text, m, prompt):
            continue
        if sentence and _scoped_elsewhere(text, m, value):
            continue
        return Reason.NEGATED
    return None


_OPERATOR = re.compile(r"[-+*/^=<>!]|\\[A-Za-z]+")
_SPOKEN = (
    (re.compile(r"\\times|\\cdot|\\ast|×|·|\btimes\b|\bmultiplied\s+by\b"), "*"),
    (re.compile(r"\bplus\b"), "+"),
    (re.compile(r"\bminus\b"), "-"),
    (re.compile(r"\\div|÷|\bdivided\s+by\b|\bover\b"), "/"),
    (re.compile(r"\\dfrac|\\tfrac"), "\\frac"),
)


@lru_cache(maxsize=1024)
def _operators_spelled_alike(text: str) -> str:
    """``text`` with spoken and LaTeX operators spelled one way (cached: a batch repeats its prompts)."""
    for pattern, replacement in _SPOKEN:
        text = pattern.sub(replacement, text)
    return compact(text.replace("$", ""))


def restates_question(answer: str, prompt: str | None, refs: Sequence[Reference]) -> bool:
    r"""Whether ``answer`` is an expression copied from the prompt (``What is 2+3?`` -> ``2+3``).

    Only expressions count (an operator or a LaTeX command), never a bare number: numbers from
    the question are often the answer. An answer written exactly like a reference is never a
    restatement.
    """
    if not prompt:
        return False
    clean = clean_answer(answer)
    if len(compact(clean)) < 3 or not _OPERATOR.search(clean):
        return False
    if any(compact(clean) == r.compact for r in refs):
        return False
    key = _operators_spelled_alike(clean)
    return key in _operators_spelled_alike(prompt)
