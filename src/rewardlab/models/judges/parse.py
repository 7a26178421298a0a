"""Reading verdicts out of a judge's reply text. A reply that holds no verdict raises
:class:`VerdictError` (the judge turns it into a result with status ``error`` and the raw text
in ``info``; never a silent score).

>>> parse_score("The response is fine.\\nScore: 7", lo=1, hi=10)
7.0
>>> parse_pairwise("Verdict: [[B]]")
'B'
>>> parse_yes_no("yes, it does")
True
>>> parse_score("I like it", lo=1, hi=10)
Traceback (most recent call last):
...
rewardlab.models.judges.parse.VerdictError: no 'Score: N' in the judge's reply
"""

from __future__ import annotations

import re

__all__ = ["VerdictError", "parse_pairwise", "parse_score", "parse_yes_no"]

_SCORE = re.compile(r"(?:score|rating)\s*(?:\(.*?\))?\s*[:=]?\s*\**\s*\[*\s*(-?\d+(?:\.\d+)?)", re.IGNORECASE)
_BARE_NUMBER = re.compile(r"^\W*(-?\d+(?:\.\d+)?)\s*(?:/\s*\d+)?\W*$")
_OUT_OF = re.compile(r"(-?\d+(?:\.\d+)?)\s*(?:/|out of)\s*(\d+)", re.IGNORECASE)
_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w.]*\d)")
_PAIR = re.compile(r"verdict\s*[:=]?\s*\**\s*\[*\s*(?:response\s+)?(A|B|tie)\b", re.IGNORECASE)
_PAIR_LEAD = re.compile(r"^\W*(?:response\s+)?(A|B|tie)\b", re.IGNORECASE)
_PAIR_LOOSE = re.compile(
    r"(?:\[\[(A|B|tie)\]\]|answer\s+is\s*:?\s*\**\s*(?:response\s+)?(A|B)\b|"
    r"(?:response|assistant)\s+(A|B)\s+is\s+(?:the\s+)?better)",
    re.IGNORECASE,
)
_YES_NO = re.compile(r"verdict\s*[:=]?\s*\**\s*(yes|no)\b", re.IGNORECASE)
_YES_NO_LEAD = re.compile(r"^\W*(yes|no)\b", re.IGNORECASE)


class VerdictError(ValueError):
    """The judge's reply holds no verdict in the expected form."""


def parse_score(text: str, *, lo: int, hi: int) -> float:
    """The rating in ``text``, checked to lie in ``[lo, hi]``.

    Read from, in order: the last ``Score: N`` / ``Rating: N``; ``N/hi`` or ``N out of hi``;
    a reply that is only a number; a reply holding exactly one number.

    >>> parse_score("The response is 7 out of 10.", lo=1, hi=10), parse_score("It deserves a 3.", lo=1, hi=5)
    (7.0, 3.0)
    """
    found = _SCORE.findall(text)
    out_of = [m for m in _OUT_OF.findall(text) if int(m[1]) == hi]
    numbers = _NUMBER.findall(text)
    bare = _BARE_NUMBER.match(text.strip())
    if found:
        value = float(found[-1])
    elif out_of:
        value = float(out_of[-1][0])
    elif bare:
        value = float(bare.group(1))
    elif len(numbers) == 1:
        value = float(numbers[0])
    else:
        raise VerdictError("no 'Score: N' in the judge's reply")
    if not lo <= value <= hi:
        raise VerdictError(f"score {value:g} is outside {lo}..{hi}")
    return value


def parse_pairwise(text: str) -> str:
    """``'A'``, ``'B'`` or ``'tie'`` from ``Verdict: X`` (the last one), ``[[X]]``, "the answer is X",
    "Response X is better", or a reply that starts with X.

    >>> parse_pairwise("The answer is: B"), parse_pairwise("Response A is better.")
    ('B', 'A')
    """
    found = _PAIR.findall(text)
    loose = [next(g for g in m if g) for m in _PAIR_LOOSE.findall(text)]
    lead = _PAIR_LEAD.match(text.strip())
    if found:
        value = found[-1]
    elif loose:
        value = loose[-1]
    elif lead:
        value = lead.group(1)
    else:
        raise VerdictError("no 'Verdict: A', 'Verdict: B' or 'Verdict: tie' in the judge's reply")
    return "tie" if value.lower() == "tie" else value.upper()


def parse_yes_no(text: str) -> bool:
    """``True`` for yes, ``False`` for no, from ``Verdict: yes|no`` (last one) or a leading yes/no."""
    found = _YES_NO.findall(text)
    if found:
        return found[-1].lower() == "yes"
    lead = _YES_NO_LEAD.match(text.strip())
    if not lead:
        raise VerdictError("no 'Verdict: yes' or 'Verdict: no' in the judge's reply")
    return lead.group(1).lower() == "yes"
