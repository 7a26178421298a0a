r"""Tokens of a math answer (LaTeX or plain text), after a LaTeX clean-up that keeps meaning.

:func:`tidy` removes what only changes the look (spacing commands, ``\left``/``\right``, math
delimiters, ``\displaystyle``), spells the ``\frac`` variants as ``\frac``, joins the thousands
separators of LaTeX (``14{,}916``, ``16,\!386``) and repairs a doubled backslash in front of a
known command (``\\frac``, an escaping slip). :func:`tokenize` then cuts the text into tokens.

>>> tidy(r"$\left( \dfrac{1}{3} \right)$")
'( \\frac{1}{3} )'
>>> tidy(r"16,\!386.20"), tidy(r"14 {, }916")
('16,386.20', '14,916')
>>> [t.text for t in tokenize(r"2^(m+1) \le x_{1}")]
['2', '^', '(', 'm', '+', '1', ')', '\\le', 'x', '_', '{', '1', '}']
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .normalize import fold_typography

__all__ = ["MAX_TOKENS", "Token", "tidy", "tokenize"]

MAX_TOKENS = 600
"""Longer answers are not read natively (the symbolic path, or a refusal, decides)."""

_KNOWN_AFTER_DOUBLE = (
    "frac|dfrac|tfrac|cfrac|sqrt|le|leq|ge|geq|lt|gt|ne|neq|left|right|boxed|text|textbf|mathrm|pi|infty|in|cup|cap|"
    "cdot|times|pm|mp|sin|cos|tan|log|ln|approx|circ|alpha|beta|gamma|theta|emptyset|varnothing|mathbb"
)
_DOUBLE_BACKSLASH = re.compile(rf"(?<!\\)\\\\(?=(?:{_KNOWN_AFTER_DOUBLE})(?![A-Za-z]))")
_FRAC_VARIANT = re.compile(r"\\[dtc]frac(?![A-Za-z])")
_THOUSANDS = re.compile(r"(\d)\s*(?:\{,\s*\}|,\s*\\!)\s*(?=\d{3}(?!\d))")
_DROP = re.compile(
    r"\\(?:left|right|bigl|bigr|Bigl|Bigr|biggl|biggr|big|Big|bigg|Bigg)(?![A-Za-z])\.?"
    r"|\\(?:displaystyle|textstyle|scriptstyle|limits|nolimits)(?![A-Za-z])"
)
_SPACING = re.compile(r"(?<!\\)\\[,;:! ]|\\q?quad|\\(?:enspace|thinspace|medspace|thickspace)(?![A-Za-z])|~")
_DELIMS = re.compile(r"\$\$|\$|\\\(|\\\)|\\\[|\\\]")
_WS = re.compile(r"\s+")


_GLUED = re.compile(r"\\(leq|geq|neq|cdot|times|pm)(?=[A-Za-z0-9])(?!slant)")


@lru_cache(maxsize=8192)
def tidy(text: str) -> str:
    """``text`` without look-only LaTeX (see the module doc)."""
    s = fold_typography(text)
    if "\\" in s:
        s = _GLUED.sub(r"\\\1 ", s)  # 3\leqx: a relation glued to its operand
    if "\\\\" in s:
        s = _DOUBLE_BACKSLASH.sub(r"\\", s)
    s = _THOUSANDS.sub(r"\1,", s)
    if "\\" in s:
        s = _FRAC_VARIANT.sub(r"\\frac", s)
        s = _DROP.sub(" ", s)
        s = _SPACING.sub(" ", s)
        s = s.replace("\\$", " ").replace("\\%", "%")
    s = _DELIMS.sub(" ", s)
    return _WS.sub(" ", s).strip()


@dataclass(frozen=True, slots=True)
class Token:
    kind: str
    """``num``, ``cmd`` (``\\name`` or ``\\`` + one character), ``word`` (letters), ``op``, ``other``."""
    text: str
    gap: bool = False
    """Whitespace came right before this token."""


_TOKEN = re.compile(
    r"""
    (?P<num>\d+(?:\.\d+)?|\.\d+)
  | (?P<cmd>\\[A-Za-z]+|\\.)
  | (?P<word>[A-Za-z]+)
  | (?P<op><=|>=|=<|=>|!=|==|\*\*|:=|[-+*/^_=<>!(),;:|&\[\]{}'%.?])
  | (?P<space>\s+)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


class TooLong(ValueError):
    """The answer has more tokens than :data:`MAX_TOKENS`."""


_GROUP = re.compile(r",(\d{3})(?![\d.])|,(\d{3}\.\d+)")


@lru_cache(maxsize=8192)
def tokenize(text: str) -> tuple[Token, ...]:
    """The tokens of an already tidied answer; unknown characters become ``other`` tokens.

    Outside brackets, ``1,000`` and ``12,345.5`` are one number (no space after the comma);
    inside brackets a comma always separates (``(100,200)`` is a pair).
    """
    out: list[Token] = []
    depth = 0
    pos = 0
    n = len(text)
    gap = False
    while pos < n:
        m = _TOKEN.match(text, pos)
        assert m is not None
        kind = m.lastgroup
        pos = m.end()
        if kind == "space":
            gap = True
            continue
        assert kind is not None
        value = m.group(0)
        if kind == "num" and depth == 0 and "." not in value:
            while True:
                g = _GROUP.match(text, pos)
                if g is None:
                    break
                value += g.group(1) or g.group(2)
                pos = g.end()
                if g.group(2):
                    break
        elif kind == "op":
            if value in "([{":
                depth += 1
            elif value in ")]}":
                depth = max(0, depth - 1)
        elif kind == "cmd" and value in ("\\{", "\\langle"):
            depth += 1
        elif kind == "cmd" and value in ("\\}", "\\rangle"):
            depth = max(0, depth - 1)
        out.append(Token(kind, value, gap))
        gap = False
        if len(out) > MAX_TOKENS:
            raise TooLong(f"more than {MAX_TOKENS} tokens")
    return tuple(out)
