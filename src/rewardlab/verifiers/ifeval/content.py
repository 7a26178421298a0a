"""Constraints on content: keywords that must or must not appear, a postscript, a fixed answer phrase.

Words are matched whole and case-insensitively after folding Unicode look-alikes, so a
forbidden word cannot be smuggled in with a Cyrillic ``а``.

>>> ForbiddenWords(forbidden_words=["bad"]).check("not b\\u0430d at all", "")
(False, "uses forbidden words: 'bad'")
>>> Postscript(postscript_marker="P.S.").check("Hi.\\n\\nP.S.", "")
(False, 'the postscript P.S. is empty')
"""

from __future__ import annotations

import re

from pydantic import Field, field_validator

from ..common.confusables import fold
from .base import Constraint, constraint

__all__ = ["ConstrainedResponse", "ForbiddenWords", "Keywords", "Postscript"]


def _present(word: str, text: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(fold(word).lower())}(?!\w)", text) is not None


def _non_empty(values: list[str]) -> list[str]:
    cleaned = [v for v in (str(x).strip() for x in values) if v]
    if not cleaned:
        raise ValueError("expected at least one non-empty word")
    return cleaned


@constraint("keywords", ifeval_id="keywords:existence")
class Keywords(Constraint):
    """Every word of ``keywords`` appears, case-insensitively.

    ``ifeval``: anywhere, also inside a longer word (plurals and inflections count: "rivers"
    for "river"). ``rewardlab``: as a whole word, look-alike characters folded.
    """

    keywords: list[str] = Field(description="Words that must appear.")

    _check_keywords = field_validator("keywords")(lambda cls, v: _non_empty(v))

    def check(self, response: str, prompt: str) -> tuple[bool, str]:
        if self.semantics == "ifeval":
            missing = [k for k in self.keywords if not re.search(re.escape(k), response, flags=re.IGNORECASE)]
        else:
            text = fold(response).lower()
            missing = [k for k in self.keywords if not _present(k, text)]
        if missing:
            return False, "missing: " + ", ".join(repr(k) for k in missing)
        return True, f"all {len(self.keywords)} keywords present"


@constraint("forbidden_words", ifeval_id="keywords:forbidden_words")
class ForbiddenWords(Constraint):
    """No word of ``forbidden_words`` appears as a whole word (case-insensitive; ``rewardlab``:
    look-alike characters folded, so a Cyrillic ``а`` does not hide a forbidden word)."""

    vacuous = True
    forbidden_words: list[str] = Field(description="Words that must not appear.")

    _check_words = field_validator("forbidden_words")(lambda cls, v: _non_empty(v))

    def check(self, response: str, prompt: str) -> tuple[bool, str]:
        if self.semantics == "ifeval":
            used = [
                w
                for w in self.forbidden_words
                if re.search(rf"\b{re.escape(w)}\b", response, flags=re.IGNORECASE) is not None
            ]
        else:
            text = fold(response).lower()
            used = [w for w in self.forbidden_words if _present(w, text)]
        if used:
            return False, "uses forbidden words: " + ", ".join(repr(w) for w in used)
        return True, "no forbidden word"


@constraint("postscript", ifeval_id="detectable_content:postscript")
class Postscript(Constraint):
    """A postscript starting with ``postscript_marker`` (``P.S.``, ``P.P.S``).

    ``ifeval``: the marker appears (``P.S.`` needs its final period, ``P.P.S`` does not; spaces
    after the periods are allowed), nothing needs to follow it. ``rewardlab``: the final period
    is optional, look-alike characters are folded, and the postscript must hold text.
    """

    postscript_marker: str = Field(default="P.S.", min_length=1, description="How the postscript starts.")

    def check(self, response: str, prompt: str) -> tuple[bool, str]:
        marker = self.postscript_marker.strip()
        if self.semantics == "ifeval":
            if marker == "P.P.S":
                pattern = r"\s*p\.\s?p\.\s?s.*$"
            elif marker == "P.S.":
                pattern = r"\s*p\.\s?s\..*$"
            else:
                pattern = r"\s*" + re.escape(marker.lower()) + r".*$"
            if re.search(pattern, response.lower(), flags=re.MULTILINE):
                return True, f"postscript {marker} present"
            return False, f"no postscript starting with {marker}"
        if marker.upper() in ("P.S.", "PS", "P.S"):
            pattern = r"\s*p\.\s?s\.?(.*)$"
        elif marker.upper() in ("P.P.S", "P.P.S.", "PPS"):
            pattern = r"\s*p\.\s?p\.\s?s\.?(.*)$"
        else:
            pattern = r"\s*" + re.escape(marker.lower()) + r"(.*)$"
        found = re.findall(pattern, fold(response).lower(), flags=re.MULTILINE | re.DOTALL)
        if not found:
            return False, f"no postscript starting with {marker}"
        if not re.search(r"\w", found[-1]):
            return False, f"the postscript {marker} is empty"
        return True, f"postscript {marker} present"


@constraint("constrained_response", ifeval_id="detectable_format:constrained_response")
class ConstrainedResponse(Constraint):
    """One of the allowed answer phrases appears (IFEval: "My answer is yes/no/maybe.").

    ``ifeval``: at least one appears. ``rewardlab``: exactly one does (naming two is a hedge).
    """

    options: list[str] = Field(
        default=["My answer is yes.", "My answer is no.", "My answer is maybe."],
        min_length=2,
        description="The allowed phrases; naming more than one is hedging.",
    )

    def check(self, response: str, prompt: str) -> tuple[bool, str]:
        text = response.strip() if self.semantics == "ifeval" else fold(response)
        named = [o for o in self.options if o in text]
        if named and self.semantics == "ifeval":
            return True, f"answers {named[0]!r}"
        if len(named) == 1:
            return True, f"answers {named[0]!r}"
        if not named:
            return False, "none of the allowed answers"
        return False, "hedged: " + ", ".join(repr(o) for o in named)
