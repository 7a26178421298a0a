r"""The fast path's number literals: exact parsing of what GSM8K-style answers look like.

:func:`parse_number` reads one *number literal*, exactly (as a :class:`fractions.Fraction`, so
``0.1 + 0.2 == 0.3``), from an answer already passed through
:func:`~rewardlab.verifiers.math.normalize.clean_answer`:

- integers and decimals, a leading ``+``/``-``, thousands separators (``1,000``, ``1 000``,
  ``1\,000``, ``1{,}000``, ``1'000``; groups of exactly three digits);
- fractions ``a/b``, ``\frac{a}{b}``, ``\frac12`` and mixed numbers ``2\frac{1}{2}``,
  ``2 1/2`` (a proper fraction after a whole number);
- scientific notation ``1.5e3``, ``1.5 \times 10^{3}``, ``1.5 \cdot 10^3``;
- a currency in front (``$``, ``USD``, ``€``, ``£``, ``¥``, ``₹``, ``Rs``), a percent sign or
  word after (``10%``, ``10 percent``), a scale word (``1.8 billion``), degrees (``30^\circ``)
  and unit words (``5 cm``, ``18 dollars``, ``3 apples``, ``km/h``, ``m^2``).

Anything else (an expression, two numbers, an equation) is not a literal: ``None``.

>>> parse_number("1,234.50").value
Fraction(2469, 2)
>>> n = parse_number("$18 dollars"); (n.value, n.unit)
(Fraction(18, 1), 'usd')
>>> parse_number("12.5%").percent, parse_number(r"-\frac{3}{4}").value
(True, Fraction(-3, 4))
>>> parse_number("3 or 4") is None, parse_number("2+3") is None
(True, True)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

from .numwords import words_head

__all__ = ["MAX_DIGITS", "Number", "number_tokens", "parse_number"]

MAX_DIGITS = 400
"""Longer digit strings are not read on the fast path (they go to the symbolic path, in a pool)."""
MAX_EXPONENT = 400

_INT = r"(?:\d{1,3}(?:,\d{3})+|\d{1,3}(?:[ ']\d{3})+|\d+)"
_NUM = rf"(?:{_INT}(?:\.\d*)?|\.\d+)"
_SNUM = rf"[+-]?\s*{_NUM}"
_CURRENCY = r"(?:US\$|\$|USD|EUR|GBP|INR|€|£|¥|₹|Rs\.?)"

_HEAD = re.compile(
    rf"""
    (?P<sign1>[+-])?\s*
    (?P<cur>{_CURRENCY})?\s*
    (?P<sign2>[+-])?\s*
    (?:
        (?P<mixw>\d+)\s*\\frac\s*\{{\s*(?P<mixn>\d+)\s*\}}\s*\{{\s*(?P<mixd>\d+)\s*\}}
      | (?P<mixw2>\d+)\s+(?P<mixn2>\d+)\s*/\s*(?P<mixd2>\d+)(?![\d.])
      | \\frac\s*(?:\{{\s*(?P<fn>{_SNUM})\s*\}}|(?P<fn1>\d))\s*(?:\{{\s*(?P<fd>{_SNUM})\s*\}}|(?P<fd1>\d))
      | (?P<sn>{_NUM})\s*/\s*(?P<sd>{_NUM})
      | 10\s*\^\s*(?:\{{\s*(?P<p10>[+-]?\d+)\s*\}}|\(\s*(?P<p10c>[+-]?\d+)\s*\)|(?P<p10b>\d))(?![\d.])
      | (?P<num>{_NUM})
        (?:
            \s*[eE]\s*(?P<e1>[+-]?\d+)
          | \s*(?:\\times|\\cdot|[x*])\s*10\s*\^\s*(?:\{{\s*(?P<e2>[+-]?\d+)\s*\}}|(?P<e3>\d))
        )?
    )
    """,
    re.VERBOSE,
)

_PERCENT = re.compile(r"^(?:%|percent\b|per\s*cent\b)\s*", re.IGNORECASE)
_DEGREES = re.compile(r"^(?:\^\s*\{?\s*\\circ\s*\}?|degrees?\b)\s*", re.IGNORECASE)
_SCALE = {"thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}
_SCALE_RE = re.compile(r"^(thousand|million|billion|trillion)\b\s*", re.IGNORECASE)
_POWER = r"(?:\s*\^\s*\{?[23]\}?)?"
_UNIT = re.compile(rf"^[A-Za-z][A-Za-z.']*{_POWER}(?:(?:\s+|\s*/\s*|-)[A-Za-z][A-Za-z.']*{_POWER}){{0,4}}$")
_GLUED_VARIABLE = re.compile(r"[a-fi-kn-rt-zA-JN-Z](?:\^\{?\d+\}?)?")
"""One letter right after the number, other than unit letters (m, g, s, h, l, L, K, M): a variable."""
_TRAILING_CURRENCY = re.compile(r"^(?:€|£|¥|₹|\$)$")
_NOT_A_UNIT = re.compile(r"^(?:of|is|are|was|were|and|or|to|in|the|times|over|plus|minus|squared|cubed)\b", re.I)
"""Words after a number spelled in words that make it part of a phrase, not a number with a unit."""
_OPERATION_WORD = re.compile(
    r"^(?:squared|cubed|factorial|times|plus|minus|divided|multiplied|over|to\s+the\s+power)\b", re.IGNORECASE
)
_CURRENCY_WORDS = {
    "$": "usd", "us$": "usd", "usd": "usd", "dollar": "usd", "dollars": "usd", "bucks": "usd",
    "€": "eur", "eur": "eur", "euro": "eur", "euros": "eur",
    "£": "gbp", "gbp": "gbp", "pound": "gbp", "pounds": "gbp",
    "¥": "jpy", "yen": "jpy", "₹": "inr", "inr": "inr", "rs": "inr", "rs.": "inr", "rupee": "inr", "rupees": "inr",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Number:
    """A number literal read on the fast path."""

    value: Fraction
    percent: bool = False
    unit: str | None = None
    """Canonical unit (``usd`` for every dollar spelling, else the unit words lower-cased)."""
    decimals: int = 0
    """Digits written after the decimal point (for lenient rounding); 0 for integers and fractions."""
    scale_word: bool = False


def _int(text: str) -> int | None:
    digits = re.sub(r"[,' ]", "", text)
    if len(digits) > MAX_DIGITS:
        return None
    return int(digits)


def _frac(text: str) -> Fraction | None:
    """An exact Fraction of a (possibly signed, separated) decimal literal."""
    s = re.sub(r"[,'\s]", "", text)
    if len(s) > MAX_DIGITS or s in {"", "+", "-", ".", "+.", "-."}:
        return None
    if s.endswith("."):
        s = s[:-1]
    try:
        return Fraction(s)
    except (ValueError, ZeroDivisionError):
        return None


def _canonical_unit(unit: str) -> str:
    u = " ".join(unit.lower().split())
    return _CURRENCY_WORDS.get(u, u)


@lru_cache(maxsize=8192)
def parse_number(text: str) -> Number | None:
    """The number literal ``text`` spells (see the module doc), or ``None``."""
    s = text.strip()
    if not s or len(s) > 4 * MAX_DIGITS:
        return None
    m = _HEAD.match(s)
    if m is None:
        spelled = words_head(s) if s[0].isalpha() else None
        if spelled is None:
            return None
        return _finish(s, spelled[1], spelled[0], 0, None, words=True)
    g = m.groupdict()
    if g["sign1"] and g["sign2"]:
        return None
    negative = (g["sign1"] or g["sign2"]) == "-"
    decimals = 0
    value: Fraction | None
    if g["mixw"] is not None or g["mixw2"] is not None:
        whole, num, den = (
            (g["mixw"], g["mixn"], g["mixd"]) if g["mixw"] is not None else (g["mixw2"], g["mixn2"], g["mixd2"])
        )
        w, n, d = _int(whole), _int(num), _int(den)
        if w is None or n is None or d is None or d == 0 or not 0 < n < d:
            return None
        value = w + Fraction(n, d)
    elif g["fn"] is not None or g["fn1"] is not None:
        num_v = _frac(g["fn"] if g["fn"] is not None else g["fn1"])
        den_v = _frac(g["fd"] if g["fd"] is not None else g["fd1"])
        if num_v is None or den_v is None or den_v == 0:
            return None
        value = num_v / den_v
    elif g["p10"] is not None or g["p10b"] is not None or g["p10c"] is not None:
        e = int(next(x for x in (g["p10"], g["p10b"], g["p10c"]) if x is not None))
        if abs(e) > MAX_EXPONENT:
            return None
        value = Fraction(10) ** e
    elif g["sn"] is not None:
        num_v, den_v = _frac(g["sn"]), _frac(g["sd"])
        if num_v is None or den_v is None or den_v == 0:
            return None
        value = num_v / den_v
    else:
        value = _frac(g["num"])
        if value is None:
            return None
        if "." in g["num"]:
            decimals = len(g["num"].split(".", 1)[1])
        exp = g["e1"] or g["e2"] or g["e3"]
        if exp is not None:
            e = int(exp)
            if abs(e) > MAX_EXPONENT:
                return None
            value = value * (Fraction(10) ** e)
            decimals = max(0, decimals - e)
    if negative:
        value = -value
    return _finish(s, m.end(), value, decimals, g["cur"])


def _finish(
    s: str, end: int, value: Fraction, decimals: int, currency: str | None, *, words: bool = False
) -> Number | None:
    """The number read up to ``s[end]``, with what may follow a number: a scale word, a percent sign,
    degrees, a currency or unit words."""
    glued = s[end : end + 1].isalpha()
    rest = s[end:].strip()
    if glued and _GLUED_VARIABLE.fullmatch(rest):
        return None  # 2x, 3n: a product with a variable, not a number with a unit
    if rest and _OPERATION_WORD.match(rest):
        return None  # "3 cubed", "5 squared", "4 factorial": an operation, not a unit
    if words and rest and (len(rest.split()) > 2 or _NOT_A_UNIT.match(rest)):
        return None  # "one third of the class", "twelve is the answer": words, not a number with a unit
    percent = False
    scale_word = False
    unit = _canonical_unit(currency) if currency else None
    if rest:
        scale = _SCALE_RE.match(rest)
        if scale:
            value *= _SCALE[scale.group(1).lower()]
            scale_word = True
            decimals = 0
            rest = rest[scale.end() :]
        pct = _PERCENT.match(rest)
        if pct:
            percent = True
            rest = rest[pct.end() :]
        deg = _DEGREES.match(rest)
        if deg:
            unit = "degrees"
            rest = rest[deg.end() :]
        rest = rest.strip()
        if rest and unit is None and _TRAILING_CURRENCY.match(rest):  # "18€"
            unit, rest = _canonical_unit(rest), ""
        if rest:
            if not _UNIT.match(rest):
                return None
            if unit is None:  # "$18 each" keeps the currency as its unit
                unit = _canonical_unit(rest)
    return Number(value=value, percent=percent, unit=unit, decimals=decimals, scale_word=scale_word)


_TOKEN = re.compile(
    r"""
    (?:(?<![\w)\]}.])[+-])?
    (?<![\w.^_\\])
    \$?
    (?:
        \\[dtc]?frac\s*\{[^{}]{1,50}\}\s*\{[^{}]{1,50}\}
      | \\[dtc]?frac\d\d
      | (?:\d{1,3}(?:(?:,|\{,\})\d{3})+|\d+)(?:\.\d+)?(?:/\d+(?:\.\d+)?)?
      | \.\d+
    )
    (?:\s*\\?%)?
    """,
    re.VERBOSE,
)


def number_tokens(text: str) -> list[re.Match[str]]:
    r"""Every number-like token of ``text`` (integers, decimals, ``a/b``, ``\frac``, with ``$``/``%``).

    >>> [m.group(0) for m in number_tokens("He paid $5, then 3/4 of 1,200 = 900 (x^2 is not one).")]
    ['$5', '3/4', '1,200', '900']
    """
    return list(_TOKEN.finditer(text))
