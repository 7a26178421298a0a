r"""Text clean-up for math answers: math delimiters, LaTeX spacing and text macros, unicode.

Two layers:

- :func:`fold_typography` (both modes) maps typographic characters that are *not digits* to
  their ASCII/LaTeX form: the minus sign ``−``, ``×``, ``÷``, ``·``, ``√``, ``π``, ``°``,
  no-break and thin spaces, superscript/subscript digits (``x²`` -> ``x^{2}``) and vulgar
  fractions (``½`` -> ``\frac{1}{2}``).
- :func:`fold_digits` (lenient mode only) maps every other digit-valued character -- fullwidth
  ``３``, Arabic-Indic ``٣``, mathematical bold ``𝟑`` ... -- to its ASCII digit. In strict mode
  :func:`lookalike_digits` finds them instead and the answer earns nothing: a reward should not
  pay for text that merely looks like the answer.

:func:`clean_answer` then produces the form the fast path parses.

>>> clean_answer(r"$\$1{,}000.50$")
'$1,000.50'
>>> clean_answer(r"\text{18 dollars}.")
'18 dollars'
>>> clean_answer(r"\dfrac{1}{2}")
'\\frac{1}{2}'
>>> fold_typography("x² − 1")
'x^{2} - 1'
>>> lookalike_digits("４2"), fold_digits("４2")
(['４'], '42')
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = [
    "clean_answer",
    "compact",
    "fold_digits",
    "fold_typography",
    "lookalike_digits",
    "normalize_words",
    "strip_math_delimiters",
]

_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻", "0123456789+-")
_SUBSCRIPTS = str.maketrans("₀₁₂₃₄₅₆₇₈₉₊₋", "0123456789+-")
_SUPER_RUN = re.compile("[⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻]+")
_SUB_RUN = re.compile("[₀₁₂₃₄₅₆₇₈₉₊₋]+")
_VULGAR = {
    "½": (1, 2), "⅓": (1, 3), "⅔": (2, 3), "¼": (1, 4), "¾": (3, 4), "⅕": (1, 5), "⅖": (2, 5),
    "⅗": (3, 5), "⅘": (4, 5), "⅙": (1, 6), "⅚": (5, 6), "⅛": (1, 8), "⅜": (3, 8), "⅝": (5, 8),
    "⅞": (7, 8), "⅐": (1, 7), "⅑": (1, 9), "⅒": (1, 10),
}  # fmt: skip
_VULGAR_RE = re.compile("[" + "".join(_VULGAR) + "]")
_TYPO = {
    "\u2212": "-",  # minus sign
    "\u2012": "-",
    "\u2013": "-",  # en dash
    "\u2014": "-",
    "\ufe63": "-",
    "\uff0d": "-",
    "\u00d7": r"\times ",
    "\u00f7": "/",
    "\u22c5": r"\cdot ",
    "\u00b7": r"\cdot ",
    "\u221a": r"\sqrt",
    "\u03c0": r"\pi ",
    "\u221e": r"\infty ",
    "\u2264": r"\le ",
    "\u2265": r"\ge ",
    "\u2260": r"\ne ",
    "\u00b0": r"^\circ",
    "\u2044": "/",  # fraction slash
    "\u00a0": " ",
    "\u2009": " ",
    "\u202f": " ",
    "\u2007": " ",
    "\u2008": " ",
    "\u200a": " ",
    "\u200b": "",  # zero-width space
    "\u200c": "",
    "\u200d": "",
    "\u2060": "",
    "\ufeff": "",
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
}
_ROOT_DIGITS = re.compile("\u221a(\\d+(?:\\.\\d+)?)")
_TYPO_RE = re.compile("[" + "".join(re.escape(k) for k in _TYPO) + "]")


def _vulgar(m: re.Match[str]) -> str:
    num, den = _VULGAR[m.group(0)]
    return rf"\frac{{{num}}}{{{den}}}"


def fold_typography(text: str) -> str:
    """Map non-digit typography (and super/subscript digits, vulgar fractions) to ASCII/LaTeX."""
    if text.isascii():
        return text
    text = _SUPER_RUN.sub(lambda m: "^{" + m.group(0).translate(_SUPERSCRIPTS) + "}", text)
    text = _SUB_RUN.sub(lambda m: "_{" + m.group(0).translate(_SUBSCRIPTS) + "}", text)
    text = _VULGAR_RE.sub(_vulgar, text)
    text = _ROOT_DIGITS.sub(r"\\sqrt{\1}", text)  # √15 is the root of 15, not \sqrt1 5
    return _TYPO_RE.sub(lambda m: _TYPO[m.group(0)], text)


def _digit_of(ch: str) -> str | None:
    """The ASCII digit a non-ASCII character stands for, if any."""
    value = unicodedata.decimal(ch, None)
    if value is None:
        value = unicodedata.digit(ch, None)
    if value is not None:
        return str(value)
    folded = unicodedata.normalize("NFKC", ch)
    if len(folded) == 1 and folded.isascii() and folded.isdigit():
        return folded
    return None


def lookalike_digits(text: str) -> list[str]:
    """Non-ASCII characters in ``text`` that stand for a digit (after :func:`fold_typography`)."""
    if text.isascii():
        return []
    return [ch for ch in text if not ch.isascii() and _digit_of(ch) is not None]


def fold_digits(text: str) -> str:
    """Map every digit-valued character to its ASCII digit, fullwidth ASCII to ASCII (lenient mode)."""
    if text.isascii():
        return text
    out = []
    for ch in text:
        if ch.isascii():
            out.append(ch)
            continue
        digit = _digit_of(ch)
        if digit is not None:
            out.append(digit)
        elif 0xFF01 <= ord(ch) <= 0xFF5E:  # fullwidth ASCII block
            out.append(chr(ord(ch) - 0xFEE0))
        else:
            out.append(ch)
    return "".join(out)


# ---- math delimiters and LaTeX clean-up ---------------------------------------------------------
_DELIMS = (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]"))


def strip_math_delimiters(text: str) -> str:
    r"""Remove math delimiters around the whole text: ``$..$``, ``$$..$$``, ``\(..\)``, ``\[..\]``.

    A lone leading ``$`` (currency, ``$18``) is kept.

    >>> strip_math_delimiters(r"\( \frac12 \)"), strip_math_delimiters("$18")
    ('\\frac12', '$18')
    """
    text = text.strip()
    if not text or (text[0] not in "$\\" and text[-1] not in "$\\"):
        return text
    changed = True
    while changed:
        changed = False
        for left, right in _DELIMS:
            if len(text) >= len(left) + len(right) and text.startswith(left) and text.endswith(right):
                inner = text[len(left) : len(text) - len(right)]
                if left == "$" and "$" in inner.replace("\\$", ""):
                    continue  # "$5 and $6": not one math span
                text = inner.strip()
                changed = True
    return text


_TEXT_MACRO = re.compile(
    r"\\(?:text|textbf|textit|textrm|textsf|texttt|textnormal|mathrm|mathbf|mathit|mathsf|mathtt|mbox|hbox)"
    r"\s*\{([^{}]*)\}"
)
_SPACING = re.compile(r"\\[,;:! ]|\\q?quad|~")
_THOUSANDS = re.compile(r"(\d)\s*(?:\{,\s*\}|,\s*\\!)\s*(?=\d{3}(?!\d))")
_DROP = re.compile(r"\\(?:left|right|displaystyle|textstyle|big|Big|bigg|Bigg)\b\.?")
_WS = re.compile(r"\s+")
_TRAILING = re.compile(r"[\s.,;:]+$")
_MARKUP_EDGE = re.compile(r"^[\s*_`\"']+|[\s*_`\"']+$")


@lru_cache(maxsize=8192)
def clean_answer(text: str) -> str:
    r"""The answer in the plain form the fast path parses.

    Removes math delimiters, ``\text{}``-like macros (keeping their content), ``\left``/``\right``,
    LaTeX spacing (``\,`` becomes a space, so ``1\,000`` reads as ``1 000``), ``{,}``, markdown
    emphasis and quotes around the answer, and trailing punctuation; ``\dfrac``/``\tfrac`` become
    ``\frac``; ``\%`` and ``\$`` lose their backslash.
    """
    s = strip_math_delimiters(text)
    s = _MARKUP_EDGE.sub("", s)
    s = strip_math_delimiters(s)
    for _ in range(4):  # nested \text{\textbf{..}}
        new = _TEXT_MACRO.sub(r" \1 ", s)
        if new == s:
            break
        s = new
    s = _THOUSANDS.sub(r"\1,", s)  # 14{,}916, 16,\!386, 14 {, }916
    s = s.replace("{,}", ",").replace("{.}", ".")
    s = _SPACING.sub(" ", s)
    s = _DROP.sub("", s)
    s = s.replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac").replace("\\cfrac", "\\frac")
    s = s.replace("\\%", "%").replace("\\$", "$")
    s = _WS.sub(" ", s).strip()
    s = _TRAILING.sub("", s)
    s = _MARKUP_EDGE.sub("", s)
    return strip_math_delimiters(s)


def compact(text: str) -> str:
    """``text`` without any whitespace (for form-insensitive string comparison)."""
    return _WS.sub("", text)


_PUNCT = re.compile(r"[\s.,;:!?()\[\]{}\"'`*_\\-]+")
_ARTICLES = re.compile(r"\b(?:a|an|the)\s+(?=\w)")


def normalize_words(text: str) -> str:
    r"""Text answers compared as words: lower case, NFKC, no punctuation or articles.

    >>> normalize_words(r"\text{(C) } the  North-East")
    'c northeast'
    """
    s = unicodedata.normalize("NFKC", clean_answer(text)).lower()
    s = _ARTICLES.sub(" ", s)
    s = re.sub(r"(?<=\w)-(?=\w)", "", s)
    s = _PUNCT.sub(" ", s)
    return _WS.sub(" ", s).strip()
