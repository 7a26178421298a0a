"""Text measurements shared by the constraints: words, sentences, paragraphs, bullets, sections.

>>> count_words("It's 5 o'clock, isn't it?")
8
>>> split_sentences("Dr. Smith arrived at 3.5 p.m. today. He left! Did he?")
['Dr. Smith arrived at 3.5 p.m. today.', 'He left!', 'Did he?']
>>> split_paragraphs("a\\n\\n\\nb\\n \\nc")
['a', 'b', 'c']
"""

from __future__ import annotations

import re

__all__ = ["bullet_lines", "count_words", "split_paragraphs", "split_sentences", "words"]

_WORD = re.compile(r"\w+", re.UNICODE)
_ABBREVIATIONS = (
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "etc", "e.g", "i.e", "a.m", "p.m", "u.s", "no",
    "fig", "inc", "ltd", "co", "approx", "dept", "est", "mt",
)  # fmt: skip
_SENTENCE_END = re.compile(r"([.!?。！？]+[\"'”’)\]]*)(\s+|$)")
_BULLET_STAR = re.compile(r"^\s*\*[^\*].*$", re.MULTILINE)
_BULLET_DASH = re.compile(r"^\s*-.*$", re.MULTILINE)
_BLANK_LINES = re.compile(r"\n\s*\n")


def words(text: str) -> list[str]:
    """Word tokens (runs of letters, digits and underscores), as IFEval counts them."""
    return _WORD.findall(text)


def count_words(text: str) -> int:
    return len(words(text))


def split_sentences(text: str) -> list[str]:
    """Sentences: text up to ``.``, ``!`` or ``?`` followed by a space or the end, not after a
    common abbreviation or inside a number."""
    out: list[str] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        end = m.end(1)
        before = text[start : m.start(1)]
        last = before.split()[-1].lower() if before.split() else ""
        nxt = text[m.end() : m.end() + 1]
        if m.group(1).startswith(".") and len(m.group(1)) == 1:
            if last.rstrip(".") in _ABBREVIATIONS or re.fullmatch(r"[a-z]", last):
                continue
            if nxt and nxt.islower():
                continue
        sentence = text[start:end].strip()
        if sentence:
            out.append(sentence)
        start = m.end()
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return out


def split_paragraphs(text: str, separator: str = "blank_line") -> list[str]:
    """Paragraphs separated by blank lines (``blank_line``) or by a Markdown divider ``***``; empty ones dropped."""
    if separator == "***":
        parts = re.split(r"\s?\*\*\*\s?", text)
    else:
        parts = _BLANK_LINES.split(text)
    return [p.strip() for p in parts if p.strip()]


def bullet_lines(text: str) -> list[str]:
    """Markdown bullet points (``* item`` or ``- item``) that hold text."""
    found = _BULLET_STAR.findall(text) + _BULLET_DASH.findall(text)
    return [b for b in found if b.strip().lstrip("*-").strip() and not re.fullmatch(r"\s*-{3,}\s*", b)]
