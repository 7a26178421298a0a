"""Constraints on counts: words, sentences, paragraphs, letters, keywords, capitals, bullets, sections.

>>> WordCount(relation="less than", num_words=5).check("one two three", "")
(True, '3 words (less than 5)')
>>> BulletCount(num_bullets=2).check("* a\\n* b\\n*   ", "")
(True, '2 bullet points (exactly 2)')
>>> BulletCount(num_bullets=2, semantics="ifeval").check("* a\\n* b\\n---", "")   # IFEval counts the rule
(False, '3 bullet points (exactly 2)')
>>> HighlightedSections(num_highlights=2).check("*a* and ** ** and **b**", "")
(True, '2 highlighted sections (at least 2)')
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import AliasChoices, Field, field_validator

from ..common.confusables import fold
from .base import CountConstraint, constraint
from .text import (
    bullet_lines,
    capital_words,
    count_words,
    split_divided,
    split_paragraphs,
    split_sentences,
    words,
)

__all__ = [
    "BulletCount",
    "CapitalWordFrequency",
    "HighlightedSections",
    "KeywordFrequency",
    "LetterFrequency",
    "NthParagraphFirstWord",
    "ParagraphCount",
    "Placeholders",
    "Sections",
    "SentenceCount",
    "WordCount",
]


def _keyword_pattern(keyword: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w){re.escape(fold(keyword).lower())}(?!\w)")


def _stripped(value: str, what: str) -> str:
    if not value.strip():
        raise ValueError(f"expected a non-empty {what}")
    return value.strip()


@constraint("word_count", ifeval_id="length_constraints:number_words")
class WordCount(CountConstraint):
    """Number of words (runs of letters, digits and underscores) compared with ``num_words``."""

    num_words: int = Field(ge=0, description="Target number of words.")

    def check(self, response: str, prompt: str) -> tuple[bool, str]:
        return self.judge(count_words(response), self.num_words, "words")


@constraint("sentence_count", ifeval_id="length_constraints:number_sentences")
class SentenceCount(CountConstraint):
    """Number of sentences (Punkt, nltk's English parameters: IFEval's count) compared with ``num_sentences``."""

    num_sentences: int = Field(ge=0, description="Target number of sentences.")

    def check(self, response: str, prompt: str) -> tuple[bool, str]:
        return self.judge(len(split_sentences(response)), self.num_sentences, "sentences")


@constraint(
    "paragraph_count",
    ifeval_id="length_constraints:number_paragraphs",
    ifeval_defaults={"separator": "***", "relation": "exactly"},
)
class ParagraphCount(CountConstraint):
    """Number of paragraphs (separated by blank lines, or by ``***`` dividers as in IFEval).

    With ``***``, a divider at the very start or end is allowed (the empty part there is not a
    paragraph), but an empty part between two dividers fails the constraint, as in IFEval.
    """

    relation: str = "=="
    num_paragraphs: int = Field(ge=0, description="Target number of paragraphs.")
    separator: Literal["blank_line", "***"] = Field(default="blank_line", description="What separates paragraphs.")

    def check(self, response: str, prompt: str) -> tuple[bool, str]:
        if self.separator == "***":
            paragraphs, empty_inside = split_divided(response)
            if empty_inside:
                return False, "an empty paragraph between *** dividers"
        else:
            paragraphs = split_paragraphs(response)
        return self.judge(len(paragraphs), self.num_paragraphs, "paragraphs")


@constraint("nth_paragraph_first_word", ifeval_id="length_constraints:nth_paragraph_first_word")
class NthParagraphFirstWord(CountConstraint):
    """Exactly ``num_paragraphs`` paragraphs (blank-line separated), paragraph ``nth_paragraph``
    starting with ``first_word``.

    ``ifeval``: paragraphs are split at every ``\\n\\n`` and the first word is the first
    whitespace-separated token, without leading quotes and cut at the first ``. , ? ! ' "``.
    ``rewardlab``: paragraphs are split at blank lines (which may hold spaces) and the first word
    is the first run of letters and digits, look-alike characters folded.
    """

    relation: str = "=="
    num_paragraphs: int = Field(ge=1, description="Number of paragraphs.")
    nth_paragraph: int = Field(ge=1, description="Which paragraph (1-based) must start with first_word.")
    first_word: str = Field(min_length=1, description="The word it must start with (case-insensitive).")

    def check(self, response: str, prompt: str) -> tuple[bool, str]:
        if self.semantics == "ifeval":
            return self._check_ifeval(response)
        paragraphs = split_paragraphs(response)
        ok, detail = self.judge(len(paragraphs), self.num_paragraphs, "paragraphs")
        if not ok:
            return ok, detail
        if self.nth_paragraph > len(paragraphs):
            return False, f"there is no paragraph {self.nth_paragraph}"
        first = words(fold(paragraphs[self.nth_paragraph - 1]).lower())
        want = fold(self.first_word).lower().strip()
        got = first[0] if first else ""
        return got == want, f"paragraph {self.nth_paragraph} starts with {got!r} (wanted {want!r})"

    def _check_ifeval(self, response: str) -> tuple[bool, str]:
        parts = response.split("\n\n")
        count = sum(1 for p in parts if p.strip())
        if self.nth_paragraph > count:
            return False, f"{count} paragraphs: there is no paragraph {self.nth_paragraph}"
        paragraph = parts[self.nth_paragraph - 1].strip()
        if not paragraph:
            return False, f"paragraph {self.nth_paragraph} is empty"
        token = paragraph.split()[0].strip().lstrip("'").lstrip('"')
        got = re.split(r"[.,?!'\"]", token, maxsplit=1)[0].lower()
        want = self.first_word.lower()
        if count != self.num_paragraphs:
            return False, f"{count} paragraphs (exactly {self.num_paragraphs})"
        return got == want, f"paragraph {self.nth_paragraph} starts with {got!r} (wanted {want!r})"


@constraint("keyword_frequency", ifeval_id="keywords:frequency")
class KeywordFrequency(CountConstraint):
    """How often ``keyword`` occurs, case-insensitively.

    ``ifeval``: every occurrence counts, also inside a longer word ("cats" and "concatenate"
    count for "cat"). ``rewardlab``: whole words only, look-alike characters folded.
    """

    keyword: str = Field(min_length=1, description="The keyword.")
    frequency: int = Field(ge=0, description="Target count.")

    _check_keyword = field_validator("keyword")(lambda cls, v: _stripped(v, "keyword"))

    def check(self, response: str, prompt: str) -> tuple[bool, str]:
        if self.semantics == "ifeval":
            n = len(re.findall(re.escape(self.keyword), response, flags=re.IGNORECASE))
        else:
            n = len(_keyword_pattern(self.keyword).findall(fold(response).lower()))
        return self.judge(n, self.frequency, f"x {self.keyword!r}")


@constraint("letter_frequency", ifeval_id="keywords:letter_frequency")
class LetterFrequency(CountConstraint):
    """How often the letter ``letter`` occurs (case-insensitive; ``rewardlab``: look-alikes folded).

    Any single visible character is accepted (IFEval has rows asking for ``#`` and ``!``, for
    which its own checker counts a letter drawn at random instead).
    """

    letter: str = Field(min_length=1, max_length=1, description="One letter (or another visible character).")
    frequency: int = Field(
        ge=0, validation_alias=AliasChoices("frequency", "let_frequency"), description="Target count."
    )
    relation: str = Field(default=">=", validation_alias=AliasChoices("relation", "let_relation"))

    @field_validator("letter")
    @classmethod
    def _letter(cls, value: str) -> str:
        if not value.isprintable() or value.isspace():
            raise ValueError(f"expected a letter or another visible character, got {value!r}")
        return value.lower()

    def check(self, response: str, prompt: str) -> tuple[bool, str]:
        text = response if self.semantics == "ifeval" else fold(response)
        return self.judge(text.lower().count(self.letter), self.frequency, f"x {self.letter!r}")


@constraint("capital_word_frequency", ifeval_id="change_case:capital_word_frequency")
class CapitalWordFrequency(CountConstraint):
    """Number of words written in capital letters, cut into words as nltk's ``word_tokenize``
    (IFEval's tokenizer) cuts them: ``U.S.`` and ``AI-DRIVEN`` are one word, ``DON'T`` two."""

    frequency: int = Field(ge=0, validation_alias=AliasChoices("frequency", "capital_frequency"))
    relation: str = Field(default=">=", validation_alias=AliasChoices("relation", "capital_relation"))

    def check(self, response: str, prompt: str) -> tuple[bool, str]:
        return self.judge(len(capital_words(response)), self.frequency, "all-capital words")


@constraint("placeholders", ifeval_id="detectable_content:number_placeholders")
class Placeholders(CountConstraint):
    """Number of square-bracket placeholders such as ``[address]`` (``rewardlab``: an empty ``[]`` does not count)."""

    num_placeholders: int = Field(ge=0, description="Target number of placeholders.")

    def check(self, response: str, prompt: str) -> tuple[bool, str]:
        found = re.findall(r"\[(.*?)\]", response)
        n = len(found) if self.semantics == "ifeval" else sum(1 for p in found if p.strip())
        return self.judge(n, self.num_placeholders, "placeholders")


@constraint("bullet_count", ifeval_id="detectable_format:number_bullet_lists", ifeval_defaults={"relation": "=="})
class BulletCount(CountConstraint):
    """Number of Markdown bullet points (``* item`` / ``- item``).

    ``ifeval``: every line that starts with ``-``, or with ``*`` and a character other than
    ``*``. ``rewardlab``: only bullets that hold text (not ``*`` alone, not a ``---`` rule).
    """

    relation: str = "=="
    num_bullets: int = Field(ge=0, description="Target number of bullet points.")

    def check(self, response: str, prompt: str) -> tuple[bool, str]:
        found = bullet_lines(response, only_filled=self.semantics != "ifeval")
        return self.judge(len(found), self.num_bullets, "bullet points")


@constraint("highlighted_sections", ifeval_id="detectable_format:number_highlighted_sections")
class HighlightedSections(CountConstraint):
    """Number of non-empty Markdown highlights (``*text*`` or ``**text**``)."""

    num_highlights: int = Field(ge=0, description="Target number of highlighted sections.")

    def check(self, response: str, prompt: str) -> tuple[bool, str]:
        singles = re.findall(r"\*[^\n\*]*\*", response)
        doubles = re.findall(r"\*\*[^\n\*]*\*\*", response)
        n = sum(1 for h in singles if h.strip("*").strip()) + sum(1 for h in doubles if h.strip("*").strip())
        return self.judge(n, self.num_highlights, "highlighted sections")


@constraint("sections", ifeval_id="detectable_format:multiple_sections")
class Sections(CountConstraint):
    """Number of sections, each starting with ``splitter`` and a number (``Section 1``)
    (``rewardlab``: a section without content fails the constraint)."""

    splitter: str = Field(
        default="Section",
        min_length=1,
        validation_alias=AliasChoices("splitter", "section_spliter", "section_splitter"),
        description="The word that starts each section.",
    )
    num_sections: int = Field(ge=0, description="Target number of sections.")

    _check_splitter = field_validator("splitter")(lambda cls, v: _stripped(v, "splitter"))

    def check(self, response: str, prompt: str) -> tuple[bool, str]:
        parts = re.split(rf"\s?{re.escape(self.splitter)}\s?\d+\s?", response)
        sections = parts[1:]
        if self.semantics != "ifeval" and any(not s.strip() for s in sections):
            return False, "a section has no content"
        return self.judge(len(sections), self.num_sections, f"sections marked {self.splitter!r}")
