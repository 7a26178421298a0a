r"""Writing exact values in the many ways people and models write them.

Every function here is exact: a rendering is produced from a :class:`fractions.Fraction` (or
small integers), never from a float, so that two renderings of the same value are equal by
construction.

>>> frac_tex(Fraction(-3, 4))
'-\\frac{3}{4}'
>>> decimal(Fraction(15, 4)), decimal(Fraction(1, 3))
('3.75', None)
>>> thousands(1234567, ",")
'1,234,567'
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

Style = Literal["num", "latex", "plain"]
"""``num``: a number literal that reads the same in or out of math mode; ``latex``: LaTeX that
belongs inside math delimiters; ``plain``: text (ASCII math, words) that does not."""


@dataclass(frozen=True)
class Form:
    """One way of writing an answer."""

    text: str
    style: Style
    name: str


def num(text: str, name: str) -> Form:
    return Form(text, "num", name)


def tex(text: str, name: str) -> Form:
    return Form(text, "latex", name)


def plain(text: str, name: str) -> Form:
    return Form(text, "plain", name)


def decimal(x: Fraction) -> str | None:
    """The exact decimal expansion of ``x`` when it terminates, else None."""
    den = x.denominator
    twos = fives = 0
    while den % 2 == 0:
        den //= 2
        twos += 1
    while den % 5 == 0:
        den //= 5
        fives += 1
    if den != 1:
        return None
    digits = max(twos, fives)
    if digits == 0:
        return str(x.numerator)
    scaled = abs(x.numerator) * 10**digits // x.denominator
    body = str(scaled).rjust(digits + 1, "0")
    sign = "-" if x < 0 else ""
    return f"{sign}{body[:-digits]}.{body[-digits:]}"


def frac_tex(x: Fraction, cmd: str = r"\frac", sign: Literal["front", "num"] = "front") -> str:
    r"""``x`` as a LaTeX fraction (an integer stays an integer); the minus in front or in the numerator."""
    if x.denominator == 1:
        return str(x.numerator)
    p, q = abs(x.numerator), x.denominator
    if x < 0 and sign == "num":
        return f"{cmd}{{-{p}}}{{{q}}}"
    return f"{'-' if x < 0 else ''}{cmd}{{{p}}}{{{q}}}"


def frac_slash(x: Fraction) -> str:
    return str(x.numerator) if x.denominator == 1 else f"{x.numerator}/{x.denominator}"


def thousands(n: int, sep: str) -> str:
    """``n`` with a thousands separator (``,``, ``{,}``, ``\\,``)."""
    body = f"{abs(n):,}".replace(",", sep)
    return ("-" if n < 0 else "") + body


def value_forms(x: Fraction) -> list[Form]:
    """Equivalent number literals for an exact rational (the common ones models write)."""
    forms: list[Form] = []
    d = decimal(x)
    if x.denominator == 1:
        forms.append(num(str(x.numerator), "integer"))
    else:
        forms.append(tex(frac_tex(x), "frac"))
        forms.append(tex(frac_tex(x, r"\dfrac"), "dfrac"))
        forms.append(num(frac_slash(x), "slash"))
        if x < 0:
            forms.append(tex(frac_tex(x, sign="num"), "frac_neg_numerator"))
        if d is not None:
            forms.append(num(d, "decimal"))
    return forms


def tex_value(x: Fraction) -> str:
    """The canonical LaTeX of an exact rational (an integer or ``\\frac``)."""
    return frac_tex(x)
