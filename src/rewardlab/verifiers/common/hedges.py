r"""The one hedge and negation vocabulary of the verifiers, with one strictness flag.

A policy trained against a lax checker learns to answer "3 or 4", "probably Paris" or "not B".
These are the words (and symbols) that make an answer not *an* answer; the ``math`` reward
tested them against Math-Verify's cases and a differential corpus of generated solutions, and
``qa`` and ``choice`` read the same list. Each verifier decides what to do with a marker a
reference itself contains ("red or blue" is fine when the reference is "red or blue").

The flag says what the text is:

- ``strict=True`` -- the answer itself (a box, a tag, a short answer): every marker counts,
  also the soft ones ("might", "could", "I think", "between", "no", "none", "false", ``\neq``);
- ``strict=False`` -- the reasoning around an answer (the sentence a last number is in, the
  explanation after a chosen letter): only the markers reasoning does not use in passing.

Negations include exclusions ("all except 42", "anything other than Paris", "all but B"): soft,
since reasoning says "every row except the last has 12 seats" in passing. "alternatively" is a
strong hedge; "n't" typed without its apostrophe ("isnt", "doesnt") is a negation.

Words match whole and case-insensitively ("Oregon" holds no "or").

>>> [m.name for m in hedges(strict=False)][:4]
['or', 'either', 'maybe', 'perhaps']
>>> hedge_markers("Paris, I think"), hedge_markers("Paris, I think", strict=False)
(['i think'], [])
>>> negation_markers("not Paris", ["Paris"]), negation_markers("not guilty", ["Not guilty"])
(['not'], [])
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from .confusables import fold

__all__ = [
    "HEDGES",
    "NEGATIONS",
    "Marker",
    "hedge_markers",
    "hedge_pattern",
    "hedges",
    "negation_markers",
    "negation_pattern",
    "negations",
]


@dataclass(frozen=True, slots=True)
class Marker:
    """One word or symbol that hedges or negates an answer."""

    name: str
    pattern: str
    """A regular expression (matched case-insensitively)."""
    soft: bool = False
    """Counted only in an answer itself (``strict=True``), not in the reasoning around one."""


def _word(name: str, *, soft: bool = False) -> Marker:
    return Marker(name, r"\b" + r"\s+".join(re.escape(w) for w in name.split()) + r"\b", soft)


HEDGES: tuple[Marker, ...] = (
    _word("or"),
    _word("either"),
    _word("maybe"),
    _word("perhaps"),
    _word("possibly"),
    _word("probably"),
    _word("likely", soft=True),
    _word("might", soft=True),
    _word("could", soft=True),
    _word("unsure"),
    _word("not sure"),
    _word("i think", soft=True),
    _word("i guess"),
    _word("i believe", soft=True),
    _word("guess", soft=True),
    _word("somewhere", soft=True),
    _word("between", soft=True),
    _word("alternatively"),
    _word("otherwise", soft=True),
    Marker("?", r"\?"),
    Marker("\\lor", r"\\lor\b", soft=True),
    Marker("\\vee", r"\\vee\b", soft=True),
)
"""Words and symbols that offer alternatives or doubt instead of one answer."""

NEGATIONS: tuple[Marker, ...] = (
    _word("not"),
    _word("no", soft=True),
    _word("never"),
    _word("none", soft=True),
    _word("cannot"),
    _word("isn't"),
    _word("aren't"),
    _word("wasn't"),
    _word("wrong"),
    _word("incorrect"),
    _word("false", soft=True),
    Marker("n't", r"n't\b"),
    Marker(
        "isnt",  # "n't" typed without its apostrophe
        r"\b(?:isnt|arent|wasnt|werent|doesnt|dont|didnt|cant|couldnt|wont|wouldnt|shouldnt|hasnt|havent)\b",
    ),
    # exclusions: "all except 42" names everything but the value (counted in an answer itself;
    # reasoning says "every row except the last has 12 seats" in passing)
    *(
        _word(name, soft=True)
        for name in (
            "except",
            "excluding",
            "other than",
            "apart from",
            "aside from",
            "besides",
            "unless",
            "all but",
            "anything but",
            "everything but",
            "rather than",
            "instead of",
        )
    ),
    Marker("\\neq", r"\\neq?\b", soft=True),
    Marker("\\not", r"\\not\b", soft=True),
    Marker("≠", "≠", soft=True),
)
"""Words and symbols that turn an answer into its opposite ("not 5", "Paris is wrong")."""


def hedges(*, strict: bool = True) -> tuple[Marker, ...]:
    """The hedge markers that count in an answer (``strict``) or in the reasoning around one."""
    return tuple(m for m in HEDGES if strict or not m.soft)


def negations(*, strict: bool = True) -> tuple[Marker, ...]:
    """The negation markers that count in an answer (``strict``) or in the reasoning around one."""
    return tuple(m for m in NEGATIONS if strict or not m.soft)


def _one_pattern(markers: Sequence[Marker]) -> re.Pattern[str]:
    """The markers as one pattern; the whole words share one ``\\b(?:...)\\b`` group, longest first
    (the same matches as the markers one after the other, several times faster to scan)."""
    words = [m for m in markers if m.pattern.startswith(r"\b") and m.pattern.endswith(r"\b")]
    inner = sorted((m.pattern[2:-2] for m in words), key=len, reverse=True)
    rest = [m.pattern for m in markers if m not in words]
    parts = ([r"\b(?:" + "|".join(inner) + r")\b"] if inner else []) + rest
    return re.compile("|".join(parts), re.IGNORECASE)


@lru_cache(maxsize=4)
def hedge_pattern(*, strict: bool = True) -> re.Pattern[str]:
    """One pattern matching every hedge of the chosen strength (``finditer`` lists them in order)."""
    return _one_pattern(hedges(strict=strict))


@lru_cache(maxsize=4)
def negation_pattern(*, strict: bool = True) -> re.Pattern[str]:
    """One pattern matching every negation of the chosen strength."""
    return _one_pattern(negations(strict=strict))


@lru_cache(maxsize=64)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


def _present(markers: Sequence[Marker], answer: str, references: Sequence[str]) -> list[str]:
    text = fold(answer)
    refs = [fold(r) for r in references]
    found = []
    for marker in markers:
        pattern = _compiled(marker.pattern)
        if pattern.search(text) and not any(pattern.search(r) for r in refs):
            found.append(marker.name)
    return found


def hedge_markers(answer: str, references: Sequence[str] = (), *, strict: bool = True) -> list[str]:
    """Names of the hedges in ``answer`` that none of ``references`` contains.

    Look-alike letters are folded first (a Cyrillic ``о`` in "оr" does not hide a hedge).

    >>> hedge_markers("Paris or London", ["Paris"]), hedge_markers("to be or not to be", ["to be or not to be"])
    (['or'], [])
    """
    return _present(hedges(strict=strict), answer, references)


def negation_markers(answer: str, references: Sequence[str] = (), *, strict: bool = True) -> list[str]:
    """Names of the negations in ``answer`` that none of ``references`` contains.

    >>> negation_markers("it isn't Paris", ["Paris"]), negation_markers("No, Paris", ["Paris"], strict=False)
    (["isn't", "n't"], [])
    """
    return _present(negations(strict=strict), answer, references)
