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
from ..core.example import Example
from ..core.registry import register
from ..core.result import RewardResult
from ..core.reward import Reward
from ..core.sample import Sample
from .common.boxes import read_boxes
from .common.confusables import fold
from .common.guards import restates_prompt
from .common.hedges import hedge_markers, negation_pattern
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
_CLAUSE_BREAK = re.compile(
    r"[,;:.!?()\[\]\n]|(?<!\ball)(?<!\banything)(?<!\beverything)\sbut\s"  # "anything but B" is one negation
    r"|\s(?:and|so|because|since|while|whereas|then)\s",
    re.IGNORECASE,
)
NEGATION_BEFORE_WORDS = 3
"""A negation this many words (or fewer) before an option in the same clause rules it out ("never B",
"it is not option B", "anything but Mars")."""
NEGATION_AFTER_WORDS = 3
"""... or this many words after it ("B is wrong", "Mars isn't right", "B cannot be")."""
_CONDITIONAL = frozenset({"unless", "besides", "otherwise"})
"""Markers that make an option conditional rather than ruled out ("B, unless it means C"): a hedge."""
_SLASH = re.compile(r"\w\s*/\s*\w")
_REFERENCE_LETTER = re.compile(r"^\s*(?:option\s+|choice\s+)?\(?([A-Za-z])\)?[.)]?\s*$", re.IGNORECASE)


@dataclass
class ChoicePick:
    """What one answer span says: the letters it names, or why it names none."""

    span: str
    letters: list[str] = field(default_factory=list)
    hedged: bool = False
    via: str = "letter"  # "letter" or "option_text"
    ruled_out: list[str] = field(default_factory=list)
    """Options the span names only to rule out ("never B", "Mars is wrong", "B, not C" rules out C)."""


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


def _negation_on(text: str, start: int, end: int, prompt: str = "") -> str | None:
    """The negation (shared vocabulary, every marker) that rules out what ``text[start:end]`` names,
    in the same clause: just before it ("never B", "not option B") or just after it ("B is wrong",
    "Mars isn't it"). A negation the question itself uses ("Which is NOT a planet?") is its wording."""
    before = text[:start]
    cut = max((m.end() for m in _CLAUSE_BREAK.finditer(before)), default=0)
    head = " ".join(before[cut:].split()[-NEGATION_BEFORE_WORDS:])
    after = text[end:]
    stop = _CLAUSE_BREAK.search(after)
    tail = " ".join(after[: stop.start() if stop else len(after)].split()[:NEGATION_AFTER_WORDS])
    pattern = negation_pattern(strict=True)
    for m in (*pattern.finditer(head), *pattern.finditer(tail)):
        word = m.group(0).lower()
        if prompt and re.search(rf"(?<!\w){re.escape(word)}(?!\w)", prompt, re.IGNORECASE):
            continue
        return word
    return None


def _letters_in(text: str, valid: str, prompt: str = "") -> tuple[list[str], list[tuple[str, str]]]:
    """The option letters ``text`` names, and those it rules out (with the negation that does)."""
    found: list[str] = []
    ruled: list[tuple[str, str]] = []
    for m in _LETTER_TOKEN.finditer(text):
        letter = m.group(1)
        if letter not in valid:
            continue
        negation = _negation_on(text, m.start(), m.end(), prompt)
        if negation is None:
            found.append(letter)
        else:
            ruled.append((letter, negation))
    return found, ruled


def _texts_in(text: str, by_text: dict[str, str], prompt: str = "") -> tuple[list[str], list[tuple[str, str]]]:
    """The options named by their text in ``text`` ("Mars"), and those ruled out ("not Mars")."""
    found: list[str] = []
    ruled: list[tuple[str, str]] = []
    folded = _norm_spaces(text)
    norm = _norm(text)
    for t, letter in by_text.items():
        matches = list(re.finditer(rf"(?<!\w){_loose(t)}(?!\w)", folded, re.IGNORECASE))
        for m in matches:
            negation = _negation_on(folded, m.start(), m.end(), prompt)
            if negation is None:
                found.append(letter)
            else:
                ruled.append((letter, negation))
        if not matches and re.search(rf"(?<!\w){re.escape(t)}(?!\w)", norm):
            found.append(letter)  # named only once punctuation is dropped ("U.S.A." for "usa")
    return found, ruled


def _norm_spaces(text: str) -> str:
    return " ".join(fold(text).split())


def _loose(norm: str) -> str:
    """A pattern for an option's normalized text inside raw text (punctuation between its words allowed)."""
    return r"\W+".join(re.escape(w) for w in norm.split())


def _apply_ruled(pick: ChoicePick, letters: list[str], ruled: list[tuple[str, str]]) -> None:
    kept = set(letters)
    pick.ruled_out = sorted({letter for letter, _ in ruled if letter not in kept})
    if any(word in _CONDITIONAL for _, word in ruled):
        pick.hedged = True  # "B, unless it is C": C is a condition, not ruled out
        kept |= {letter for letter, _ in ruled}
    pick.letters = sorted(kept)


def _parse_span(span: str, valid: str, options: dict[str, str], prompt: str = "") -> ChoicePick:
    cleaned = _clean(span)
    pick = ChoicePick(span=cleaned)
    if not cleaned:
        return pick
    by_text = {_norm(t): k for k, t in options.items() if _norm(t)}
    slashed = cleaned
    for t in options.values():
        if "/" in t:
            slashed = slashed.replace(t, " ")
    alternatives = bool(_SLASH.search(slashed))  # "B/C", "B/London": alternatives, not one answer
    lead = _LEADING_LETTER.match(cleaned)
    lead_letter = lead.group(1) if lead else None
    if lead_letter is not None and lead_letter.islower():
        # a lower-case letter counts only when it is the whole answer ("b", "(b)")
        lead_letter = lead_letter.upper() if not cleaned[lead.end() :].strip() else None
    if lead_letter is not None and lead_letter in valid:
        rest = cleaned[lead.end() :].strip() if lead else ""
        letters = [lead_letter]
        ruled: list[tuple[str, str]] = []
        own_negation = _negation_on(cleaned, 0, lead.end(1) if lead else 1, prompt)
        if own_negation is not None:  # "B is wrong", "B isn't it"
            letters, ruled = [], [(lead_letter, own_negation)]
        if rest:
            rest_norm = _norm(rest)
            own = _norm(options.get(lead_letter, ""))
            if own and (rest_norm == own or rest_norm.startswith(own + " ")):
                own_text = options[lead_letter]
                rest = rest[len(own_text) :] if rest.lower().startswith(own_text.lower()) else ""
            elif rest_norm in by_text and by_text[rest_norm] != lead_letter:
                letters.append(by_text[rest_norm])  # "B) Venus" where Venus is option A: inconsistent
            more, more_ruled = _letters_in(rest, valid, prompt)
            letters += more
            ruled += more_ruled
            if hedge_markers(rest, strict=False):
                pick.hedged = True
        _apply_ruled(pick, letters, ruled)
        pick.hedged = pick.hedged or len(pick.letters) > 1 or (alternatives and bool(pick.letters))
        return pick
    # no leading letter: the option's text, or a letter named inside a short span
    norm = _norm(cleaned)
    if norm in by_text:
        pick.letters, pick.via = [by_text[norm]], "option_text"
        return pick
    named, named_ruled = _texts_in(cleaned, by_text, prompt)
    letters, ruled = _letters_in(cleaned, valid, prompt)
    if (named or named_ruled) and not (letters or ruled):
        pick.via = "option_text"
        _apply_ruled(pick, named, named_ruled)
    elif len(cleaned.split()) <= 6:
        _apply_ruled(pick, letters, ruled)
    pick.hedged = (
        pick.hedged
        or len(pick.letters) > 1
        or (bool(pick.letters or pick.ruled_out) and (bool(hedge_markers(cleaned, strict=False)) or alternatives))
    )
    return pick


def read_choice(
    completion: str,
    *,
    valid: str,
    options: dict[str, str] | None = None,
    extract: ChoiceExtract = "auto",
    max_whole_chars: int = 200,
    prompt: str = "",
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
    picks = [_parse_span(s, valid, options, fold(prompt)) for s in spans]
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
    several answers that disagree, an answer that hedges ("B, maybe", "probably B", "B?",
    "alternatively B", "B/London": the shared vocabulary of
    :mod:`~rewardlab.verifiers.common.hedges`, read as prose with ``strict=False``), an answer
    that rules its option out ("never B", "B is wrong", "anything but Mars": a negation of the
    shared vocabulary, every marker, within three words of the option in the same clause, unless
    the question itself uses that word, as in "Which is NOT ..."), or a completion that restates
    the question earns 0 and ``info['reason']`` says why; an option ruled out next to the one
    chosen ("B, not C", "A is wrong, so B") is not named. Look-alike characters (a
    Greek ``Α`` for A, a Cyrillic ``о`` in "оr") are folded first. ``strict=false`` takes the
    last answer's first letter instead (evaluation mode).

    >>> Choice().score({"prompt": "Q?\\nA. 1\\nB. 2", "completion": "Answer: A", "answer": "A"}).score
    1.0
    """

    reads: ClassVar[tuple[str, ...]] = ("completion", "answer", "options", "prompt")
    example: ClassVar[Example] = Example(
        sample={"prompt": "Q?\nA. 1\nB. 2", "completion": "Answer: A", "answer": "A"}, score=1.0
    )

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
            completion,
            valid=valid,
            options=options,
            extract=self.extract,
            max_whole_chars=self.max_whole_chars,
            prompt=sample.prompt_text,
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
        negated = [p for p in picks if p.ruled_out and not p.letters]
        if negated:
            info["reason"] = "negated: the answer rules out " + ", ".join(negated[0].ruled_out)
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
