"""Text helpers shared by verifiers: normalization, answer extraction and length measurement.

>>> normalize_text("  The  Answer, is: Paris! ", ignore_case=True, remove_punctuation=True, remove_articles=True)
'answer is paris'
>>> extract_answer("Reasoning... <answer> 42 </answer>", "answer_tag")
'42'
>>> extract_answer("so \\\\boxed{\\\\frac{1}{2}} is it", "boxed")
'\\\\frac{1}{2}'
"""

from __future__ import annotations

import re
import string
import unicodedata
from functools import lru_cache
from typing import Any, Literal

from .boxes import last_boxed

__all__ = ["CUT_ANSWER_TAG", "Extract", "Unit", "check_pattern", "extract_answer", "measure_length", "normalize_text"]

_ARTICLES = re.compile(r"\b(a|an|the)\b", re.IGNORECASE)
_PUNCT_TABLE = str.maketrans("", "", string.punctuation)
_WS = re.compile(r"\s+")

Extract = Literal["none", "answer_tag", "boxed", "last_line", "regex"]
Unit = Literal["chars", "words", "tokens"]


def normalize_text(
    text: str,
    *,
    ignore_case: bool = True,
    strip: bool = True,
    collapse_whitespace: bool = True,
    remove_punctuation: bool = False,
    remove_articles: bool = False,
    unicode_nfkc: bool = True,
) -> str:
    """Normalize text for comparison (the SQuAD recipe when every option is on)."""
    if unicode_nfkc:
        text = unicodedata.normalize("NFKC", text)
    if ignore_case:
        text = text.lower()
    if remove_punctuation:
        text = text.translate(_PUNCT_TABLE)
    if remove_articles:
        text = _ARTICLES.sub(" ", text)
    if collapse_whitespace:
        text = _WS.sub(" ", text)
    if strip:
        text = text.strip()
    return text


_ANSWER_TAG = re.compile(r"<answer>(.*?)</answer>", re.DOTALL | re.IGNORECASE)
CUT_ANSWER_TAG = r"<ans(?:w(?:e(?:r>?)?)?)?"
"""The regex of an ``<answer>`` tag cut off while it was being opened (``<ans``, ``<answe``, ``<answer>``);
anchored at the end of a text (``\\s*$``) by each reader that looks for one."""
_ANSWER_OPEN = re.compile(r"<answer>|" + CUT_ANSWER_TAG + r"\s*$", re.IGNORECASE)
"""An answer tag opened (or cut off at the end while opening: ``<ans``) -- after the closed one, another answer."""


def extract_answer(text: str, how: Extract = "none", pattern: str | None = None) -> str | None:
    """The answer part of a completion, or ``None`` when it has none.

    ``answer_tag``: the content of the only ``<answer>`` block (several blocks -> ``None``: an
    answer must be unambiguous; an ``<answer>`` opened after it and never closed, as in
    ``<answer>11</answer> so <answer>12``, is another one, as the ``math`` reward reads it);
    ``boxed``: the answer in the last ``\\boxed{}`` / ``\\fbox{}`` / ``\\framebox{}``, read as every
    verifier reads boxes (:mod:`.boxes`; an unfinished box after it is the last answer given);
    ``last_line``: the last non-empty line; ``regex``: group 1 (or the whole match) of the last match of ``pattern``.
    """
    if how == "none":
        return text
    if how == "answer_tag":
        found = list(_ANSWER_TAG.finditer(text))
        if len(found) != 1 or _ANSWER_OPEN.search(text, found[0].end()):
            return None
        return found[0].group(1).strip()
    if how == "boxed":
        return last_boxed(text)
    if how == "last_line":
        lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
        return lines[-1] if lines else None
    if how == "regex":
        if not pattern:
            raise ValueError("extract 'regex' needs a 'pattern'")
        matches = list(_compile(pattern).finditer(text))
        if not matches:
            return None
        m = matches[-1]
        return (m.group(1) if m.groups() else m.group(0)).strip()
    raise ValueError(f"unknown extraction '{how}'")


@lru_cache(maxsize=256)
def check_pattern(pattern: str | None) -> None:
    """Raise ``ValueError`` naming the field when a reward's ``pattern`` is not a valid regex.

    >>> check_pattern(r"\\d+")
    >>> check_pattern("(")
    Traceback (most recent call last):
    ValueError: 'pattern' is not a valid regex: missing ), unterminated subpattern at position 0
    """
    if pattern is None:
        return
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"'pattern' is not a valid regex: {exc}") from None


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.DOTALL)


@lru_cache(maxsize=8)
def _tokenizer(path: str) -> Any:
    from transformers import AutoTokenizer  # heavy: only when a token count is asked for

    return AutoTokenizer.from_pretrained(path, local_files_only=True)


def measure_length(text: str, unit: Unit = "words", tokenizer: str | None = None) -> int:
    """Length of ``text`` in characters, whitespace-separated words, or tokens of a local tokenizer."""
    if unit == "chars":
        return len(text)
    if unit == "words":
        return len(text.split())
    if tokenizer is None:
        raise ValueError("unit 'tokens' needs 'tokenizer' (a local tokenizer directory) or 'length_field'")
    return len(_tokenizer(tokenizer)(text, add_special_tokens=False)["input_ids"])
