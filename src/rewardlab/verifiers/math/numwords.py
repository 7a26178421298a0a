r"""Numbers written in English words: "twelve", "forty-two", "one hundred and five", "one third".

:func:`words_value` reads a *whole* answer spelled in words as an exact :class:`~fractions.Fraction`,
or says ``None``. It reads cardinals up to the trillions ("two thousand three hundred"), a sign
("negative five", "minus five"), a decimal point ("three point one four"), fractions ("one half",
"a third", "two-fifths", "three quarters") and mixed numbers ("two and a half"), and "a dozen".
Anything else -- an ordinal alone ("third"), words that are not a number ("one of them", "none"),
a malformed sequence ("twelve twelve", "twenty hundred five") -- is ``None``: a value is read
from words only where the words say one number unambiguously. Numbers inside prose are never read
(``number_tokens`` stays digits only).

>>> words_value("forty-two"), words_value("one hundred and five"), words_value("two thousand and twenty")
(Fraction(42, 1), Fraction(105, 1), Fraction(2020, 1))
>>> words_value("one third"), words_value("two and a half"), words_value("negative three point five")
(Fraction(1, 3), Fraction(5, 2), Fraction(-7, 2))
>>> words_value("third") is None, words_value("one of them") is None, words_value("twelve twelve") is None
(True, True, True)
"""

from __future__ import annotations

import re
from fractions import Fraction
from functools import lru_cache

__all__ = ["words_head", "words_value"]

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
_SCALES = {"thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}
_DENOMINATORS = {
    "half": 2, "halves": 2, "third": 3, "quarter": 4, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14,
    "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19, "twentieth": 20,
    "thirtieth": 30, "fortieth": 40, "fiftieth": 50, "sixtieth": 60, "seventieth": 70, "eightieth": 80,
    "ninetieth": 90, "hundredth": 100, "thousandth": 1000, "millionth": 10**6,
}  # fmt: skip
_WORD = re.compile(r"[a-z]+")
_SHAPE = re.compile(r"[a-z]+(?:[\s-]+[a-z]+)*")
MAX_WORDS = 16


def _denominator(word: str) -> int | None:
    if word in _DENOMINATORS:
        return _DENOMINATORS[word]
    if word.endswith("s") and word[:-1] in _DENOMINATORS and word != "halfs":
        return _DENOMINATORS[word[:-1]]
    return None


def _below_thousand(words: list[str], i: int) -> tuple[int, int] | None:
    """A number below 1000 starting at ``words[i]`` ("three hundred and twelve"): (value, next index)."""
    value = 0
    if i < len(words) and words[i] in _UNITS and words[i] != "zero":
        if i + 1 < len(words) and words[i + 1] == "hundred":
            value, i = _UNITS[words[i]] * 100, i + 2
            if i + 1 < len(words) and words[i] == "and" and _starts_small(words[i + 1]):
                i += 1
            elif not (i < len(words) and _starts_small(words[i])):
                return value, i
    elif i + 1 < len(words) and words[i] == "a" and words[i + 1] == "hundred":
        value, i = 100, i + 2
        if not (i < len(words) and _starts_small(words[i])):
            return value, i
    if i < len(words) and words[i] in _TENS:
        value += _TENS[words[i]]
        i += 1
        if i < len(words) and words[i] in _UNITS and 0 < _UNITS[words[i]] < 10:
            value += _UNITS[words[i]]
            i += 1
        return value, i
    if i < len(words) and words[i] in _UNITS and (value == 0 or words[i] != "zero"):
        if value and words[i] == "zero":
            return None
        return value + _UNITS[words[i]], i + 1
    return (value, i) if value else None


def _starts_small(word: str) -> bool:
    return word in _TENS or (word in _UNITS and word != "zero")


def _cardinal(words: list[str], i: int) -> tuple[int, int] | None:
    """A cardinal starting at ``words[i]``: (value, next index)."""
    if i < len(words) and words[i] == "zero":
        return 0, i + 1
    if i + 1 < len(words) and words[i] == "a" and words[i + 1] == "dozen":
        return 12, i + 2
    total = 0
    last_scale = None
    while i < len(words):
        if words[i] == "a" and i + 1 < len(words) and words[i + 1] in _SCALES and total == 0:
            group, j = 1, i + 1
        else:
            found = _below_thousand(words, i)
            if found is None:
                break
            group, j = found
        if j < len(words) and words[j] in _SCALES:
            scale = _SCALES[words[j]]
            if last_scale is not None and scale >= last_scale:
                return None  # "two thousand three thousand"
            total += group * scale
            last_scale = scale
            i = j + 1
            if i + 1 < len(words) and words[i] == "and" and _starts_small(words[i + 1]):
                i += 1  # "two thousand and twenty"
            continue
        if j < len(words) and words[j] == "hundred" and group < 100 and total == 0:
            total, i = group * 100, j + 1  # "twelve hundred"
            if i + 1 < len(words) and words[i] == "and" and _starts_small(words[i + 1]):
                i += 1
            last_scale = 100
            continue
        if j < len(words) and words[j] == "dozen" and total == 0:
            return group * 12, j + 1
        if last_scale is not None and last_scale <= 100 and group >= 100:
            return None
        total += group
        i = j
        break
    if total == 0 and last_scale is None:
        return None
    return total, i


def _fraction(words: list[str], i: int) -> tuple[Fraction, int] | None:
    """ "one third", "a half", "three quarters", "two fifths": (value, next index)."""
    if i < len(words) and words[i] == "a":
        count, j = 1, i + 1
    else:
        found = _cardinal(words, i)
        if found is None:
            return None
        count, j = found
    if j < len(words) and (den := _denominator(words[j])) is not None and count > 0:
        return Fraction(count, den), j + 1
    return None


@lru_cache(maxsize=4096)
def words_value(text: str) -> Fraction | None:
    """The number ``text`` spells in English words, or ``None`` (see the module doc)."""
    s = " ".join(text.lower().replace("\u2010", "-").replace("\u2011", "-").split()).strip(" .!")
    if not s or not _SHAPE.fullmatch(s):
        return None
    words = _WORD.findall(s)
    if len(words) > MAX_WORDS:
        return None
    sign = 1
    i = 0
    if words[0] in ("negative", "minus"):
        sign, i = -1, 1
    frac = _fraction(words, i)
    if frac is not None and frac[1] == len(words):
        value: Fraction = frac[0]
    else:
        whole = _cardinal(words, i)
        if whole is None:
            return None
        number, j = whole
        value = Fraction(number)
        if j < len(words) and words[j] == "and" and j + 1 < len(words):
            part = _fraction(words, j + 1)  # "two and a half"
            if part is None or part[1] != len(words) or part[0] >= 1:
                return None
            value, j = value + part[0], part[1]
        elif j < len(words) and words[j] == "point":
            digits = words[j + 1 :]
            if not digits or any(w not in _UNITS or _UNITS[w] > 9 for w in digits):
                return None
            value += Fraction(int("".join(str(_UNITS[w]) for w in digits)), 10 ** len(digits))
            j = len(words)
        if j != len(words):
            return None
    return sign * value


_FIRST = frozenset([*_UNITS, *_TENS, "a", "negative", "minus"])
_WORD_END = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*")


def words_head(text: str) -> tuple[Fraction, int] | None:
    """The longest start of ``text`` that spells a number in words, and where it ends.

    >>> words_head("forty-two apples"), words_head("one third of them"), words_head("apples")
    ((Fraction(42, 1), 9), (Fraction(1, 3), 9), None)
    """
    first = _WORD_END.match(text)
    if first is None or first.group(0).lower().split("-")[0] not in _FIRST:
        return None
    ends = []
    pos = 0
    for m in _WORD_END.finditer(text):
        if text[pos : m.start()].strip():
            break  # punctuation or digits between words: the phrase stops
        ends.append(m.end())
        pos = m.end()
        if len(ends) >= MAX_WORDS:
            break
    for end in reversed(ends):
        value = words_value(text[:end])
        if value is not None:
            return value, end
    return None
