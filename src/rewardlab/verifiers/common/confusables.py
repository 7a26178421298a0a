"""Fold Unicode look-alikes to ASCII before a verifier looks for hedges, letters or words.

Attackers (and reward-hacking policies) hide a second option or a forbidden word behind
characters that look like ASCII but are not: a Cyrillic ``о`` in "A оr B", a Greek ``Α`` as an
option letter, a fullwidth ``，`` comma, zero-width spaces inside a word. :func:`fold` maps
them to what a reader sees, so the refusal rules see it too.

It covers NFKC compatibility forms (fullwidth letters and digits, mathematical alphanumerics,
ligatures), zero-width and other invisible format characters, and the Cyrillic and Greek
letters that are visually identical to Latin ones. It is not Unicode's full confusables table
(UTS #39): it folds the characters that make the attacks above work.

>>> fold("A \\u043er B")            # Cyrillic o
'A or B'
>>> fold("\\u0391")                 # Greek capital alpha
'A'
>>> fold("４２")
'42'
>>> fold("ri\\u200bver")            # zero-width space
'river'
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

__all__ = ["fold", "has_confusables"]

# Cyrillic and Greek letters that render like Latin letters in common fonts.
_LOOKALIKES = {
    # Cyrillic capitals
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C",
    "Т": "T", "Х": "X", "У": "Y", "Ѕ": "S", "І": "I", "Ј": "J", "Ԛ": "Q", "Ԝ": "W", "Ү": "Y",
    # Cyrillic small letters
    "а": "a", "в": "b", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "ѕ": "s",
    "і": "i", "ј": "j", "һ": "h", "ԛ": "q", "ԝ": "w", "ү": "y", "ɡ": "g",
    # Greek capitals
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N",
    "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
    # Greek small letters
    "ο": "o", "ν": "v", "ρ": "p", "ι": "i", "κ": "k", "υ": "u", "α": "a",
    # Punctuation that reads as ASCII punctuation
    "‚": ",", "،": ",", "、": ",", "﹐": ",", "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "−": "-",
    "“": '"', "”": '"', "„": '"', "‟": '"', "‘": "'", "’": "'", "‛": "'",
}  # fmt: skip

# Characters that render as nothing: removed.
_INVISIBLE = {
    0x00AD,  # soft hyphen
    0x034F,  # combining grapheme joiner
    0x061C,  # arabic letter mark
    0x115F,
    0x1160,
    0x17B4,
    0x17B5,
    0x180E,
    0x200B,  # zero width space
    0x200C,
    0x200D,
    0x200E,
    0x200F,
    0x202A,
    0x202B,
    0x202C,
    0x202D,
    0x202E,
    0x2060,  # word joiner
    0x2061,
    0x2062,
    0x2063,
    0x2064,
    0xFEFF,  # zero width no-break space
}

_TABLE = {ord(k): v for k, v in _LOOKALIKES.items()} | {c: None for c in _INVISIBLE}


def fold(text: str) -> str:
    """``text`` with look-alikes mapped to ASCII, invisible characters removed, and NFKC applied."""
    if text.isascii():
        return text
    return _fold(text) if len(text) <= 4096 else _fold_uncached(text)


@lru_cache(maxsize=4096)
def _fold(text: str) -> str:
    return _fold_uncached(text)


def _fold_uncached(text: str) -> str:
    return unicodedata.normalize("NFKC", text).translate(_TABLE)


def has_confusables(text: str) -> bool:
    """Whether :func:`fold` changes ``text`` (it holds look-alikes or invisible characters).

    >>> has_confusables("Paris"), has_confusables("P\\u0430ris")
    (False, True)
    """
    return fold(text) != text
