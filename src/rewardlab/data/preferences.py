"""Preference data: every usual format read into one record type, :class:`PreferencePair`.

A pair is a prompt (chat messages), a preferred response (``chosen``) and a dispreferred one
(``rejected``), with an ``id``, an optional ``subset`` (for per-subset accuracy), an optional
``group`` (pairs expanded from one best-of-N item share it), an optional ``margin`` (preference
strength, when the source has ratings) and ``meta`` (every other field of the row, passed
through: ``question_id``, ``reference_answer``, ``chosen_model`` ...).

Row formats, recognized per row from their fields (``format="auto"``) or named explicitly:

=================  ==========================================================================
``pairs``          ``prompt`` (text or messages) + ``chosen`` / ``rejected`` strings: the
                   shared HH-RLHF and GSM8K pair files, RewardBench v1 (+ ``subset``).
``messages``       ``chosen`` / ``rejected`` whole conversations (lists of ``{role, content}``
                   ending with the assistant's answer), optional ``prompt``: UltraFeedback-
                   binarized (``score_chosen`` / ``score_rejected`` give the margin).
``transcript``     ``chosen`` / ``rejected`` raw ``\\n\\nHuman: ... \\n\\nAssistant: ...``
                   transcripts (Anthropic HH-RLHF on the hub).
``labelled``       ``prompt`` + two responses (``response_a``/``response_b``,
                   ``response_0``/``response_1``, ``response1``/``response2`` or
                   ``responses: [x, y]``) + which one is preferred (``label``, ``preference``,
                   ``preferred``, ``winner`` or ``choice``: ``a``/``b``, ``model_a``, an index
                   matching the field names ...); ties are rejected rows.
``rewardbench2``   ``prompt`` + ``chosen`` / ``rejected`` **lists** of responses (RewardBench 2,
                   best-of-4): expanded into one pair per (chosen, rejected) combination, all
                   with ``group`` = the row id, so an item is right when all its pairs are.
=================  ==========================================================================

A row that cannot be read raises :class:`~rewardlab.core.errors.InputError` naming the file,
the line and the field (or, with ``strict=False``, is recorded in ``skipped`` and the others
are still read).

>>> pairs = parse_preference_row({"prompt": "2+2?", "chosen": "4", "rejected": "5", "subset": "math"})
>>> pairs[0].prompt, pairs[0].chosen, pairs[0].subset
([{'role': 'user', 'content': '2+2?'}], '4', 'math')
>>> hh = parse_preference_row({"chosen": "\\n\\nHuman: Hi\\n\\nAssistant: Hello!",
...                            "rejected": "\\n\\nHuman: Hi\\n\\nAssistant: Go away."})
>>> hh[0].prompt, hh[0].rejected
([{'role': 'user', 'content': 'Hi'}], 'Go away.')
>>> len(parse_preference_row({"id": "x", "prompt": "q", "chosen": ["a"], "rejected": ["b", "c", "d"]}))
3
>>> parse_preference_row({"prompt": "q", "response_a": "x", "response_b": "y", "winner": "model_b"})[0].chosen
'y'
>>> parse_preference_row({"prompt": "q", "chosen": 3, "rejected": "y"}, line=7, source="p.jsonl")
Traceback (most recent call last):
...
rewardlab.core.errors.InputError: p.jsonl:7: field 'chosen': expected a string, a list of chat messages ...
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ..core.errors import InputError
from .transcript import TranscriptError, looks_like_transcript, parse_transcript, split_final_turn

__all__ = [
    "FORMATS",
    "PreferenceData",
    "PreferenceFormat",
    "PreferencePair",
    "detect_format",
    "iter_preferences",
    "load_preferences",
    "parse_preference_row",
    "read_preferences",
    "write_preferences",
]

PreferenceFormat = Literal["auto", "pairs", "messages", "transcript", "labelled", "rewardbench2"]
Messages = list[dict[str, str]]


@dataclass(frozen=True)
class PreferencePair:
    """One prompt with a preferred (``chosen``) and a dispreferred (``rejected``) response."""

    id: str
    prompt: Messages
    chosen: str
    rejected: str
    subset: str | None = None
    group: str | None = None
    margin: float | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def sample(self, which: Literal["chosen", "rejected"]) -> dict[str, Any]:
        """A scoring sample (``prompt`` + ``completion``) for one side; ``meta`` and ``subset`` pass through."""
        if which not in ("chosen", "rejected"):
            raise ValueError(f"which must be 'chosen' or 'rejected', got {which!r}")
        completion = self.chosen if which == "chosen" else self.rejected
        sample: dict[str, Any] = {**self.meta, "id": f"{self.id}:{which}", "prompt": self.prompt}
        sample["completion"] = completion
        if self.subset is not None:
            sample["subset"] = self.subset
        return sample

    def samples(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """The chosen and the rejected scoring samples."""
        return self.sample("chosen"), self.sample("rejected")

    @property
    def prompt_text(self) -> str:
        """The content of the last user turn."""
        for m in reversed(self.prompt):
            if m["role"] == "user":
                return m["content"]
        return self.prompt[-1]["content"] if self.prompt else ""

    def to_dict(self) -> dict[str, Any]:
        """The normalized record as JSON (the ``pairs`` format; read back unchanged)."""
        row: dict[str, Any] = {**self.meta, "id": self.id, "prompt": self.prompt}
        row["chosen"] = self.chosen
        row["rejected"] = self.rejected
        for key in ("subset", "group", "margin"):
            value = getattr(self, key)
            if value is not None:
                row[key] = value
        return row


@dataclass
class PreferenceData:
    """The pairs read from a file, and the rows that could not be read (``file:line: why``)."""

    pairs: list[PreferencePair] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    source: str | None = None

    def __len__(self) -> int:
        return len(self.pairs)

    def __iter__(self) -> Iterator[PreferencePair]:
        return iter(self.pairs)


class _RowError(ValueError):
    """A problem with one row; the reader adds the file and line."""


# ---- small validators -----------------------------------------------------------------------
def _text(value: Any, where: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("content"), str):
        return str(value["content"])
    raise _RowError(f"field '{where}': expected a string, got {type(value).__name__}")


def _is_messages(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(m, dict) and "role" in m for m in value)


def _messages(value: Any, where: str) -> Messages:
    if not isinstance(value, list):
        raise _RowError(f"field '{where}': expected a list of chat messages, got {type(value).__name__}")
    out: Messages = []
    for i, m in enumerate(value):
        if not isinstance(m, dict):
            raise _RowError(f"field '{where}[{i}]': expected a message {{role, content}}, got {type(m).__name__}")
        role = m.get("role")
        if not isinstance(role, str) or not role:
            raise _RowError(f"field '{where}[{i}].role': expected a role such as 'user' or 'assistant'")
        content = m.get("content")
        if content is None:
            content = ""
        elif isinstance(content, list):  # multi-part content: keep its text parts
            content = "".join(
                p if isinstance(p, str) else str(p.get("text", "")) for p in content if isinstance(p, (str, dict))
            )
        elif not isinstance(content, str):
            raise _RowError(f"field '{where}[{i}].content': expected text, got {type(content).__name__}")
        out.append({"role": role, "content": content})
    return out


def _prompt(value: Any, where: str = "prompt") -> Messages:
    if isinstance(value, str):
        return [{"role": "user", "content": value}]
    if isinstance(value, list):
        return _messages(value, where)
    raise _RowError(f"field '{where}': expected a string or a list of chat messages, got {type(value).__name__}")


def _conversation_answer(messages: Messages, where: str) -> tuple[Messages, str]:
    if messages[-1]["role"] != "assistant":
        role = messages[-1]["role"]
        raise _RowError(f"field '{where}': the conversation must end with an assistant turn, not '{role}'")
    return messages[:-1], messages[-1]["content"]


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


# ---- one parser per format ------------------------------------------------------------------
_RESERVED = {"id", "prompt", "chosen", "rejected", "subset", "group", "margin"}


@dataclass(frozen=True)
class _Row:
    data: dict[str, Any]
    id: str
    subset: str | None
    subset_field: str

    def meta(self, drop: Sequence[str] = ()) -> dict[str, Any]:
        skip = _RESERVED | {self.subset_field, *drop}
        return {k: v for k, v in self.data.items() if k not in skip}

    def margin(self) -> float | None:
        explicit = _number(self.data.get("margin"))
        if explicit is not None:
            return explicit
        c, r = _number(self.data.get("score_chosen")), _number(self.data.get("score_rejected"))
        return c - r if c is not None and r is not None else None

    def pair(self, prompt: Messages, chosen: str, rejected: str, **kw: Any) -> PreferencePair:
        return PreferencePair(
            id=kw.pop("id", self.id),
            prompt=prompt,
            chosen=chosen,
            rejected=rejected,
            subset=self.subset,
            group=kw.pop("group", _text_or_none(self.data.get("group"))),
            margin=kw.pop("margin", self.margin()),
            meta=kw.pop("meta", self.meta()),
        )


def _text_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


def _parse_pairs(row: _Row) -> list[PreferencePair]:
    data = row.data
    if "prompt" not in data or data["prompt"] is None:
        raise _RowError("missing field 'prompt' (the 'pairs' format has prompt + chosen/rejected strings)")
    return [row.pair(_prompt(data["prompt"]), _text(data["chosen"], "chosen"), _text(data["rejected"], "rejected"))]


def _parse_messages(row: _Row) -> list[PreferencePair]:
    data = row.data
    chosen = _messages(data["chosen"], "chosen")
    rejected = _messages(data["rejected"], "rejected")
    if not chosen or not rejected:
        raise _RowError(f"field '{'chosen' if not chosen else 'rejected'}': the conversation is empty")
    context_c, chosen_text = _conversation_answer(chosen, "chosen")
    context_r, rejected_text = _conversation_answer(rejected, "rejected")
    if context_c != context_r:
        raise _RowError("fields 'chosen' and 'rejected': the two conversations differ before their final answer")
    prompt = context_c
    if not prompt:
        if data.get("prompt") is None:
            raise _RowError("missing field 'prompt' (the conversations hold no turn before the answer)")
        prompt = _prompt(data["prompt"])
    return [row.pair(prompt, chosen_text, rejected_text, meta=row.meta(drop=("score_chosen", "score_rejected")))]


def _parse_transcript(row: _Row) -> list[PreferencePair]:
    data = row.data
    parsed = {}
    for side in ("chosen", "rejected"):
        text = _text(data[side], side)
        try:
            parsed[side] = split_final_turn(parse_transcript(text))
        except TranscriptError as exc:
            raise _RowError(f"field '{side}': {exc}") from None
    (context_c, chosen), (context_r, rejected) = parsed["chosen"], parsed["rejected"]
    if context_c != context_r:
        raise _RowError("fields 'chosen' and 'rejected': the transcripts differ before the final assistant turn")
    return [row.pair(context_c, chosen, rejected)]


_RESPONSE_KEYS: tuple[tuple[str, str, str, str], ...] = (
    ("response_a", "response_b", "a", "b"),
    ("response_0", "response_1", "0", "1"),
    ("response1", "response2", "1", "2"),
    ("completion_a", "completion_b", "a", "b"),
    ("answer_a", "answer_b", "a", "b"),
)
_LABEL_KEYS = ("label", "preference", "preferred", "winner", "choice")
_TIES = {"tie", "equal", "both", "neither", "tie (bothbad)", "both_bad", "none"}


def _labelled_fields(data: dict[str, Any]) -> tuple[str, str, str, str] | None:
    for keys in _RESPONSE_KEYS:
        if keys[0] in data and keys[1] in data:
            return keys
    if isinstance(data.get("responses"), list):
        return ("responses[0]", "responses[1]", "0", "1")
    return None


def _parse_labelled(row: _Row) -> list[PreferencePair]:
    data = row.data
    keys = _labelled_fields(data)
    if keys is None:
        raise _RowError("expected two responses: response_a/response_b, response_0/response_1 or responses: [x, y]")
    key_a, key_b, tag_a, tag_b = keys
    if key_a.startswith("responses["):
        responses = data["responses"]
        if len(responses) != 2:
            raise _RowError(f"field 'responses': expected exactly 2 responses, got {len(responses)}")
        a, b = _text(responses[0], "responses[0]"), _text(responses[1], "responses[1]")
    else:
        a, b = _text(data[key_a], key_a), _text(data[key_b], key_b)
    label_key = next((k for k in _LABEL_KEYS if k in data and data[k] is not None), None)
    if label_key is None:
        raise _RowError(f"missing the preference label: one of {', '.join(_LABEL_KEYS)}")
    raw = data[label_key]
    value = str(raw).strip().lower()
    for prefix in ("model_", "response_", "response", "completion_", "answer_"):
        if value.startswith(prefix) and value != prefix:
            value = value[len(prefix) :]
            break
    if value in _TIES or (isinstance(raw, float) and raw == 0.5):
        raise _RowError(f"field '{label_key}': a tie ({raw!r}) states no preference")
    if value == tag_a:
        chosen, rejected = a, b
    elif value == tag_b:
        chosen, rejected = b, a
    else:
        expected = f"{tag_a!r} or {tag_b!r} (which response is preferred)"
        raise _RowError(f"field '{label_key}': expected {expected}, got {raw!r}")
    if "prompt" not in data or data["prompt"] is None:
        raise _RowError("missing field 'prompt'")
    drop = (key_a, key_b, "responses", label_key)
    return [row.pair(_prompt(data["prompt"]), chosen, rejected, meta=row.meta(drop=drop))]


def _parse_rewardbench2(row: _Row) -> list[PreferencePair]:
    data = row.data
    if data.get("prompt") is None:
        raise _RowError("missing field 'prompt'")
    prompt = _prompt(data["prompt"])
    chosen, rejected = data["chosen"], data["rejected"]
    for side, value in (("chosen", chosen), ("rejected", rejected)):
        if not isinstance(value, list) or not value:
            raise _RowError(f"field '{side}': expected a non-empty list of responses")
    chosen_texts = [_text(c, f"chosen[{i}]") for i, c in enumerate(chosen)]
    rejected_texts = [_text(r, f"rejected[{i}]") for i, r in enumerate(rejected)]
    meta = row.meta()
    pairs = []
    for i, c in enumerate(chosen_texts):
        for j, r in enumerate(rejected_texts):
            pairs.append(row.pair(prompt, c, r, id=f"{row.id}:{i}-{j}", group=row.id, meta=meta))
    return pairs


_PARSERS: dict[str, Callable[[_Row], list[PreferencePair]]] = {
    "pairs": _parse_pairs,
    "messages": _parse_messages,
    "transcript": _parse_transcript,
    "labelled": _parse_labelled,
    "rewardbench2": _parse_rewardbench2,
}
FORMATS: tuple[str, ...] = tuple(_PARSERS)


def detect_format(data: dict[str, Any]) -> str:
    """The format of one row, from its fields (see the module docstring)."""
    if "chosen" in data and "rejected" in data:
        chosen, rejected = data["chosen"], data["rejected"]
        if _is_messages(chosen) or _is_messages(rejected):
            return "messages"
        if isinstance(chosen, list) and isinstance(rejected, list):
            return "rewardbench2"
        if data.get("prompt") is None and looks_like_transcript(chosen) and looks_like_transcript(rejected):
            return "transcript"
        for side, value in (("chosen", chosen), ("rejected", rejected)):
            if not isinstance(value, str):
                raise _RowError(
                    f"field '{side}': expected a string, a list of chat messages or a list of responses, "
                    f"got {type(value).__name__}"
                )
        return "pairs"
    if _labelled_fields(data) is not None:
        return "labelled"
    missing = [k for k in ("chosen", "rejected") if k not in data]
    raise _RowError(
        f"missing field {' and '.join(repr(m) for m in missing)}; expected chosen/rejected responses, "
        "or two responses (response_a/response_b) with a label"
    )


def parse_preference_row(
    data: dict[str, Any],
    *,
    format: PreferenceFormat = "auto",
    line: int | None = None,
    source: str | None = None,
    subset_field: str = "subset",
    id_field: str = "id",
) -> list[PreferencePair]:
    """Normalize one row into pairs (one, or several for a best-of-N row).

    Raises :class:`InputError` naming ``source``, ``line`` and the field at fault.
    """
    try:
        if not isinstance(data, dict):
            raise _RowError(f"expected a JSON object, got {type(data).__name__}")
        name = detect_format(data) if format == "auto" else format
        if name not in _PARSERS:
            raise _RowError(f"unknown preference format '{name}'; expected one of auto, {', '.join(FORMATS)}")
        if name != "labelled":
            missing = [k for k in ("chosen", "rejected") if k not in data]
            if missing:
                raise _RowError(f"missing field {' and '.join(repr(m) for m in missing)} (format '{name}')")
        raw_id = data.get(id_field)
        row_id = str(raw_id) if raw_id is not None else (f"line-{line}" if line is not None else "row")
        subset = data.get(subset_field)
        row = _Row(data, row_id, None if subset is None else str(subset), subset_field)
        return _PARSERS[name](row)
    except _RowError as exc:
        raise InputError(str(exc), source=source, line=line) from None


def iter_preferences(
    path: str | os.PathLike[str],
    *,
    format: PreferenceFormat = "auto",
    strict: bool = True,
    skipped: list[str] | None = None,
    subset_field: str = "subset",
    id_field: str = "id",
) -> Iterator[PreferencePair]:
    """Stream the pairs of a JSONL file (``.gz`` ok).

    With ``strict`` the first bad row raises :class:`InputError`; otherwise its reason
    (``file:line: why``) is appended to ``skipped`` and reading goes on.
    """
    from .jsonl import iter_parsed

    def parse(data: dict[str, Any], line: int, source: str) -> list[PreferencePair]:
        return parse_preference_row(
            data, format=format, line=line, source=source, subset_field=subset_field, id_field=id_field
        )

    return iter_parsed(path, parse, strict=strict, skipped=skipped)


def load_preferences(
    path: str | os.PathLike[str],
    *,
    format: PreferenceFormat = "auto",
    strict: bool = False,
    limit: int | None = None,
    subset_field: str = "subset",
    id_field: str = "id",
) -> PreferenceData:
    """All pairs of a file, with the unreadable rows listed in ``skipped`` (or raised with ``strict``)."""
    out = PreferenceData(source=str(path))
    for pair in iter_preferences(
        path, format=format, strict=strict, skipped=out.skipped, subset_field=subset_field, id_field=id_field
    ):
        if limit is not None and len(out.pairs) >= limit:
            break
        out.pairs.append(pair)
    return out


def read_preferences(
    path: str | os.PathLike[str], *, format: PreferenceFormat = "auto", limit: int | None = None, **kw: Any
) -> list[PreferencePair]:
    """All pairs of a file; the first unreadable row raises :class:`InputError` (file, line, field)."""
    return load_preferences(path, format=format, strict=True, limit=limit, **kw).pairs


def write_preferences(path: str | os.PathLike[str], pairs: Sequence[PreferencePair]) -> int:
    """Write pairs as normalized JSONL (the ``pairs`` format); returns how many were written."""
    from .jsonl import write_jsonl

    return write_jsonl(path, (p.to_dict() for p in pairs))
