r"""Reference answers: read once, classified by what decides them.

The ``answer`` field holds one reference or a list of acceptable ones. A reference may be a
bare answer (``18``, ``\frac{1}{2}``, ``[1, 2)``) or a worked solution ending in ``#### 18`` or
``\boxed{18}``: then the marked part is the reference.

Each reference gets a *kind*:

- ``number``: a number literal the fast path reads (``18``, ``0.5``, ``3/4``, ``10%``, ``$18``);
- ``text``: words without digits or LaTeX (``yes``, ``Tuesday``, ``\text{(C)}``);
- ``collection``: a tuple, set, interval, list or matrix (``(1, 2)``, ``\{1,2\}``, ``[0, 1)``);
- ``expression``: anything else (``\frac{\sqrt3}{2}``, ``x^2+1``, ``x = 2``).

>>> [r.kind for r in prepare_references(["18", "yes", "(1, 2)", r"\sqrt{2}", "Natalia sold.\n#### 72"])]
['number', 'text', 'collection', 'expression', 'number']
>>> prepare_references("#### 1,000")[0].number.value
Fraction(1000, 1)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from ..common.boxes import find_boxes
from .extract import box_groups, extract
from .literals import Number, parse_number
from .normalize import clean_answer, compact, fold_digits, fold_typography, normalize_words

__all__ = ["Reference", "ReferenceKind", "prepare_references"]

ReferenceKind = Literal["number", "text", "collection", "expression"]

_TEXT_MACRO = re.compile(r"\\(?:text|textbf|mathrm|mbox)\s*\{[^{}]*\}")
_WORDS_ONLY = re.compile(r"[A-Za-z][A-Za-z\s'.,;:!?()\-]*")
_TOP_COMMA = re.compile(r",(?!\d{3}(?!\d))")
_MATRIX = re.compile(r"\\begin\{[pbvBV]?matrix\}|\\begin\{array\}")


@dataclass(frozen=True, slots=True)
class Reference:
    """One acceptable answer, prepared for grading."""

    raw: str
    text: str
    """The answer part (a marked solution's ``####``/``\\boxed{}`` content), typography folded."""
    kind: ReferenceKind
    number: Number | None
    words: str
    """Lower-cased words (text references)."""
    compact: str
    """The cleaned answer without whitespace (form-insensitive identity)."""


_PROSE = re.compile(r"[A-Za-z]{3,}[\s,]+[A-Za-z]{2,}[\s,]+[A-Za-z]{2,}[\s,]+[A-Za-z]{2,}")
WORKED_SOLUTION_CHARS = 80
"""A reference longer than this, with prose in it, is a worked solution: its final answer is read."""


def _answer_part(raw: str) -> str:
    boxes = find_boxes(raw)
    if boxes:
        group = box_groups(raw, boxes)[-1]
        if len(group) > 1:  # "\boxed{1} and \boxed{-2}": one answer with several values
            return ", ".join(b[2].strip() for b in group)
        return group[0][2].strip()
    marker = raw.rfind("####")
    if marker >= 0:
        return raw[marker + 4 :].strip()
    text = raw.strip()
    if len(text) > WORKED_SOLUTION_CHARS and _PROSE.search(_TEXT_MACRO.sub(" ", text)):
        ex = extract(text, ("answer_is", "answer_line", "last_math", "last_number"), cross_check=False)
        if ex.candidates and ex.candidates[-1].problem is None:
            return ex.candidates[-1].text.strip()
    return text


def is_collection(clean: str) -> bool:
    """Whether a cleaned answer is a tuple, set, interval, list or matrix."""
    if _MATRIX.search(clean):
        return True
    depth = 0
    for i, ch in enumerate(clean):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth <= 1 and _TOP_COMMA.match(clean, i):
            return True
    return False


_WORD2 = re.compile(r"[A-Za-z]{2,}")
_LETTER = re.compile(r"\(?[A-Za-z]\)?")


def is_text(clean: str) -> bool:
    """Words (``Tuesday``, ``north-east``) or one option letter (``C``, ``(C)``), no math."""
    if _LETTER.fullmatch(clean.strip()):
        return True
    if "\\" in clean or not _WORDS_ONLY.fullmatch(clean):
        return False
    return bool(_WORD2.search(clean)) or bool(_LETTER.fullmatch(clean.strip()))


@lru_cache(maxsize=4096)
def _prepare_one(raw: str) -> Reference:
    text = fold_digits(fold_typography(_answer_part(raw)))
    clean = clean_answer(text)
    number = parse_number(clean)
    if number is None and "$" in clean:
        number = parse_number(clean_answer(clean.replace("$", " ")))
    if number is not None:
        kind: ReferenceKind = "number"
    elif is_collection(clean):
        kind = "collection"
    elif is_text(clean):
        kind = "text"
    else:
        kind = "expression"
    return Reference(raw=raw, text=text, kind=kind, number=number, words=normalize_words(clean), compact=compact(clean))


def prepare_references(value: Any) -> list[Reference]:
    """The references of a sample's answer field (a string, a number, or a list of them)."""
    values = value if isinstance(value, (list, tuple)) else [value]
    refs = []
    for v in values:
        if v is None or isinstance(v, bool):
            continue
        text = v if isinstance(v, str) else str(v)
        if text.strip():
            refs.append(_prepare_one(text))
    return refs
