"""Multiple choice: which option letter did the completion choose, and is it the reference?

>>> c = Choice()
>>> opts = ["Venus", "Mars", "Jupiter", "Saturn"]
>>> c.score({"completion": "Mars is red, so the answer is (B).", "answer": "B", "options": opts}).score
1.0
>>> c.score({"completion": "The answer is B or C.", "answer": "B", "options": opts}).info["reason"]
'hedged: the answer names B, C'
>>> c.score({"completion": "<answer>Mars</answer>", "answer": "B", "options": opts}).score
1.0
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator

from ..core.context import ScoreContext
from ..core.errors import NotApplicable
from ..core.registry import register
from ..core.result import RewardResult
from ..core.reward import Reward
from ..core.sample import Sample
from .common.boxes import read_boxes
from .common.confusables import fold
from .common.guards import restates_prompt
from .common.hedges import hedge_markers
from .common.references import references
from .common.text import normalize_text

__all__ = ["Choice", "ChoicePick", "read_choice"]

ChoiceExtract = Literal["auto", "answer_tag", "boxed", "phrase", "whole"]

_ALL_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ANSWER_TAG = re.compile(r"<answer>(.*?)</answer>", re.DOTALL | re.IGNORECASE)
_PHRASE = re.compile(
    r"(?:\b(?:final|correct|right|best)\s+)?\b(?:answer|option|choice)\s*(?:is|would\s+be|will\s+be|[:=])\s*:?"
    r"|\bI\s+(?:would\s+)?(?:choose|pick|select|go\s+with)\b",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"\n|\.(?:\s|$)|$")
_LETTER_TOKEN = re.compile(r"(?<![A-Za-z0-9_])\(?([A-Z])\)?(?![A-Za-z0-9_])")
_LEADING_LETTER = re.compile(r"^\(?([A-Za-z])\)?(?=$|[\s.,:;)\]!?-])[\s.,:;)\]!-]*")  # "B?" keeps its "?"
_PROMPT_OPTION = re.compile(r"^\s*\(?([A-Z])[).:]\s+\S", re.MULTILINE)
_DECOR = re.compile(r"\\text(?:bf|rm)?\{([^{}]*)\}|\\mathrm\{([^{}]*)\}|[*_$`\"']")
_NEGATED = re.compile(r"\b(?:not|rather\s+than|instead\s+of|except)\s+\(?$", re.IGNORECASE)
_REFERENCE_LETTER = re.compile(r"^\s*(?:option\s+|choice\s+)?\(?([A-Za-z])\)?[.)]?\s*$", re.IGNORECASE)


@dataclass
class ChoicePick:
    """What one answer span says: the letters it names, or why it names none."""

    span: str
    letters: list[str] = field(default_factory=list)
    hedged: bool = False
    via: str = "letter"  # "letter" or "option_text"


def _phrases(text: str) -> list[str]:
    spans = []
    for m in _PHRASE.finditer(text):
        rest = text[m.end() : m.end() + 200]
        end = _SENTENCE_END.search(rest)
        spans.append(rest[: end.start() if end else len(rest)])
    return spans


def _clean(span: str) -> str:
    span = _DECOR.sub(lambda m: m.group(1) or m.group(2) or "", span)
    span = re.sub(r"^\s*(?:option|choice|letter)\s+", "", span.strip(), flags=re.IGNORECASE)
    return span.strip().rstrip(".!").strip()


def _norm(text: str) -> str:
    return normalize_text(fold(text), remove_punctuation=True, remove_articles=True)


def _letters_in(text: str, valid: str) -> list[str]:
    found = []
    for m in _LETTER_TOKEN.finditer(text):
        letter = m.group(1)
        if letter in valid and not _NEGATED.search(text[: m.start()]):
            found.append(letter)
    return found


def _parse_span(span: str, valid: str, options: dict[str, str]) -> ChoicePick:
    cleaned = _clean(span)
    pick = ChoicePick(span=cleaned)
    if not cleaned:
        return pick
    by_text = {_norm(t): k for k, t in options.items() if _norm(t)}
    lead = _LEADING_LETTER.match(cleaned)
    lead_letter = lead.group(1) if lead else None
    if lead_letter is not None and lead_letter.islower():
        # a lower-case letter counts only when it is the whole answer ("b", "(b)")
        lead_letter = lead_letter.upper() if not cleaned[lead.end() :].strip() else None
    if lead_letter is not None and lead_letter in valid:
        rest = cleaned[lead.end() :].strip() if lead else ""
        letters = [lead_letter]
        if rest:
            rest_norm = _norm(rest)
            own = _norm(options.get(lead_letter, ""))
            if own and (rest_norm == own or rest_norm.startswith(own + " ")):
                own_text = options[lead_letter]
                rest = rest[len(own_text) :] if rest.lower().startswith(own_text.lower()) else ""
            elif rest_norm in by_text and by_text[rest_norm] != lead_letter:
                letters.append(by_text[rest_norm])  # "B) Venus" where Venus is option A: inconsistent
            letters += _letters_in(rest, valid)
            if hedge_markers(rest, strict=False):
                pick.hedged = True
        pick.letters = sorted(set(letters))
        pick.hedged = pick.hedged or len(pick.letters) > 1
        return pick
    # no leading letter: the option's text, or a letter named inside a short span
    norm = _norm(cleaned)
    if norm in by_text:
        pick.letters, pick.via = [by_text[norm]], "option_text"
        return pick
    named = [k for t, k in by_text.items() if re.search(rf"(?<!\w){re.escape(t)}(?!\w)", norm)]
    letters = _letters_in(cleaned, valid)
    if named and not letters:
        pick.letters, pick.via = sorted(set(named)), "option_text"
    elif len(cleaned.split()) <= 6:
        pick.letters = sorted(set(letters))
    pick.hedged = len(pick.letters) > 1 or (bool(pick.letters) and bool(hedge_markers(cleaned, strict=False)))
    return pick


def read_choice(
    completion: str,
    *,
    valid: str,
    options: dict[str, str] | None = None,
    extract: ChoiceExtract = "auto",
    max_whole_chars: int = 200,
) -> tuple[list[ChoicePick], str]:
    """The answer spans of a completion, each parsed into the letters it names, and where they came from.

    >>> picks, where = read_choice("<answer>(C)</answer>", valid="ABCD")
    >>> [p.letters for p in picks], where
    ([['C']], 'answer_tag')
    """
    text = fold(completion)
    options = options or {}
    spans: list[str] = []
    where = extract
    order = ("answer_tag", "boxed", "phrase", "whole") if extract == "auto" else (extract,)
    for how in order:
        if how == "answer_tag":
            spans = _ANSWER_TAG.findall(text)
        elif how == "boxed":
            spans = ["" if b.problem == "empty" else b.text for b in read_boxes(text)]
        elif how == "phrase":
            spans = _phrases(text)
        elif how == "whole":
            stripped = text.strip()
            spans = [stripped] if stripped and len(stripped) <= max_whole_chars else []
        if spans:
            where = how
            break
    picks = [_parse_span(s, valid, options) for s in spans]
    return picks, where


@register("choice", aliases=("multiple_choice", "mcq"), family="verifier")
class Choice(Reward):
    """1.0 when the completion chooses the reference option of a multiple-choice question, else 0.0.

    The reference (``answer``) is an option letter (``"B"``, ``"(B)"``) or an option's text,
    or a list of accepted ones. Options come from the sample's ``options`` field (a list,
    lettered A, B, C, ... in order, or a ``{letter: text}`` mapping); without it, the letters
    are read from option lines of the prompt (``A. ...``, ``(B) ...``), else ``letters``.

    The chosen option is read (``extract='auto'``) from ``<answer>`` tags, else ``\\boxed{}``,
    else phrases such as "the answer is (B)" / "Answer: B" / "I choose B", else the whole
    completion when it is short ("B", "(B) Mars", "Mars"); an answer may be the letter or the
    option's text. Strict by default: an answer naming two options ("A or B", "AB", "A, C"),
    several answers that disagree, an answer that hedges ("B, maybe", "probably B", "B?": the
    shared vocabulary of :mod:`~rewardlab.verifiers.common.hedges`, read as prose with
    ``strict=False``), or a completion that restates the question earns 0 and ``info['reason']``
    says why. Look-alike characters (a
    Greek ``Α`` for A, a Cyrillic ``о`` in "оr") are folded first. ``strict=false`` takes the
    last answer's first letter instead (evaluation mode).

    >>> Choice().score({"prompt": "Q?\\nA. 1\\nB. 2", "completion": "Answer: A", "answer": "A"}).score
    1.0
    """

    reads: ClassVar[tuple[str, ...]] = ("completion", "answer", "options", "prompt")

    answer_field: str = Field(default="answer", description="Sample field with the reference letter(s) or text.")
    options_field: str = Field(default="options", description="Sample field with the options (list or mapping).")
    letters: str | None = Field(
        default=None, description="Valid option letters when the sample has no options (default: from the prompt)."
    )
    extract: ChoiceExtract = Field(
        default="auto", description="Where the answer is: auto, answer_tag, boxed, phrase or whole."
    )
    strict: bool = Field(default=True, description="Refuse hedged, multi-letter and inconsistent answers.")
    refuse_restated_prompt: bool = Field(default=True, description="A completion restating the prompt earns 0.")
    max_whole_chars: int = Field(
        default=200, ge=1, description="extract=auto/whole: the longest completion read as a bare answer."
    )

    @field_validator("letters")
    @classmethod
    def _check_letters(cls, value: str | None) -> str | None:
        if value is not None:
            value = value.upper()
            if not value or any(ch not in _ALL_LETTERS for ch in value) or len(set(value)) != len(value):
                raise ValueError(f"letters must be distinct letters A-Z, e.g. 'ABCD'; got {value!r}")
        return value

    def _options(self, sample: Sample) -> dict[str, str]:
        raw = sample.get(self.options_field)
        if raw is None:
            return {}
        if isinstance(raw, list):
            if len(raw) > len(_ALL_LETTERS):
                raise ValueError(f"field '{self.options_field}': at most 26 options, got {len(raw)}")
            return {_ALL_LETTERS[i]: str(t) for i, t in enumerate(raw)}
        if isinstance(raw, dict):
            out = {}
            for k, v in raw.items():
                key = str(k).strip().strip("()").upper()
                if len(key) != 1 or key not in _ALL_LETTERS:
                    raise ValueError(f"field '{self.options_field}': option keys must be letters A-Z, got {k!r}")
                out[key] = str(v)
            return out
        raise ValueError(
            f"field '{self.options_field}': expected a list of option texts or a {{letter: text}} mapping, "
            f"got {type(raw).__name__}"
        )

    def _valid_letters(self, sample: Sample, options: dict[str, str]) -> str:
        if options:
            return "".join(sorted(options))
        if self.letters:
            return self.letters
        from_prompt = sorted(set(_PROMPT_OPTION.findall(sample.prompt_text)))
        if len(from_prompt) >= 2:
            return "".join(from_prompt)
        return "ABCDEFGHIJ"

    def _reference_letters(self, refs: list[str], options: dict[str, str], valid: str) -> tuple[set[str], set[str]]:
        letters: set[str] = set()
        texts: set[str] = set()
        by_text = {_norm(t): k for k, t in options.items()}
        for ref in refs:
            m = _REFERENCE_LETTER.match(fold(ref))
            if m and m.group(1).upper() in valid:
                letters.add(m.group(1).upper())
            elif _norm(ref) in by_text:
                letters.add(by_text[_norm(ref)])
            elif _norm(ref):
                texts.add(_norm(ref))
        return letters, texts

    def _score_one(self, sample: Sample, ctx: ScoreContext) -> Any:
        refs = references(sample, self.answer_field)
        options = self._options(sample)
        valid = self._valid_letters(sample, options)
        ref_letters, ref_texts = self._reference_letters(refs, options, valid)
        if not ref_letters and not ref_texts:
            raise NotApplicable(f"field '{self.answer_field}' holds no usable reference")
        completion = sample.completion_text
        if not completion.strip():
            return RewardResult.ok(0.0, info={"reason": "empty completion"})
        if self.refuse_restated_prompt and restates_prompt(completion, sample.prompt_text):
            return RewardResult.ok(0.0, info={"reason": "the completion restates the prompt"})
        picks, where = read_choice(
            completion, valid=valid, options=options, extract=self.extract, max_whole_chars=self.max_whole_chars
        )
        info: dict[str, Any] = {"extracted_from": where, "answers": [p.span[:80] for p in picks]}
        chosen = self._decide(picks, ref_texts, info)
        if chosen is None:
            return RewardResult.ok(0.0, info=info)
        info["chosen"] = chosen
        correct = chosen in ref_letters or _norm(chosen) in ref_texts
        return RewardResult.ok(1.0 if correct else 0.0, info=info)

    def _decide(self, picks: list[ChoicePick], ref_texts: set[str], info: dict[str, Any]) -> str | None:
        if not picks:
            info["reason"] = "no answer found"
            return None
        if not self.strict:
            for pick in reversed(picks):
                if pick.letters:
                    return pick.letters[0]
                if pick.span and _norm(pick.span) in ref_texts:
                    return pick.span
            info["reason"] = "no option letter in the answer"
            return None
        hedged = [p for p in picks if p.hedged]
        if hedged:
            info["reason"] = "hedged: the answer names " + ", ".join(hedged[0].letters or ["several options"])
            return None
        named = {letter for p in picks for letter in p.letters}
        if len(named) > 1:
            info["reason"] = "several different answers: " + ", ".join(sorted(named))
            return None
        if named:
            return named.pop()
        texts = {_norm(p.span) for p in picks if p.span}
        if len(texts) == 1 and ref_texts:
            return texts.pop()  # free-text answer compared with a free-text reference
        info["reason"] = "several different answers" if len(texts) > 1 else "no option letter in the answer"
        return None
