"""Preference data for evaluation: chosen/rejected pairs and RewardBench-2-style ranked items.

Every row becomes a :class:`PreferencePair` (one chosen, one rejected response to the same prompt)
or, when ``chosen``/``rejected`` are lists of alternative responses (RewardBench 2), a
:class:`RankedItem`. Accepted row shapes:

- ``prompt`` (text or chat messages) + ``chosen`` + ``rejected`` as strings (HH-RLHF in
  ``../shared/data``, RewardBench v1, the GSM8K solution pairs);
- ``chosen`` / ``rejected`` as whole conversations (lists of ``{role, content}`` ending with the
  assistant's answer; UltraFeedback-binarized, preference-test-sets): the prompt is the shared
  turns before the last one;
- ``chosen`` / ``rejected`` as lists of response strings, with ``num_correct`` and ``subset``
  (RewardBench 2): a ranked item.

``subset`` (or the field named by ``subset_field``) names the subset used for per-subset accuracy
and for the RewardBench section scores.

>>> pair = parse_row({"prompt": "2+2?", "chosen": "4", "rejected": "5", "subset": "math-prm"}, line=1)
>>> pair.chosen, pair.subset
('4', 'math-prm')
>>> item = parse_row({"prompt": "q", "chosen": ["a"], "rejected": ["b", "c", "d"], "subset": "Math"}, line=2)
>>> item.responses, item.num_correct
(['a', 'b', 'c', 'd'], 1)
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from ..core.errors import InputError

__all__ = ["PreferencePair", "PreferenceSet", "RankedItem", "load_preferences", "parse_row"]

Prompt = str | list[dict[str, Any]]


@dataclass
class PreferencePair:
    """One prompt with a preferred (``chosen``) and a dispreferred (``rejected``) response."""

    id: str
    prompt: Prompt
    chosen: str
    rejected: str
    subset: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def sample(self, which: str) -> dict[str, Any]:
        """The scoring sample of the chosen or the rejected response (pass-through fields kept)."""
        completion = self.chosen if which == "chosen" else self.rejected
        return {**self.extra, "id": self.id, "prompt": self.prompt, "completion": completion}


@dataclass
class RankedItem:
    """A prompt with ``num_correct`` correct responses first, then incorrect ones (RewardBench 2)."""

    id: str
    prompt: Prompt
    responses: list[str]
    num_correct: int
    subset: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def samples(self) -> list[dict[str, Any]]:
        return [{**self.extra, "id": self.id, "prompt": self.prompt, "completion": r} for r in self.responses]


@dataclass
class PreferenceSet:
    """What a preference file held: pairs, ranked items, and the lines that could not be read."""

    pairs: list[PreferencePair] = field(default_factory=list)
    ranked: list[RankedItem] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    source: str | None = None

    def __len__(self) -> int:
        return len(self.pairs) + len(self.ranked)


_PASS_THROUGH_SKIP = {"prompt", "chosen", "rejected", "id", "num_correct", "total_completions"}


def _text(value: Any, where: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "content" in value:
        return _text(value["content"], where)
    raise ValueError(f"field '{where}': expected a string, got {type(value).__name__}")


def _is_messages(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(m, dict) and "role" in m for m in value)


def _split_conversation(messages: list[dict[str, Any]], where: str) -> tuple[list[dict[str, Any]], str]:
    last = messages[-1]
    if last.get("role") != "assistant":
        raise ValueError(f"field '{where}': the conversation must end with an assistant turn, got '{last.get('role')}'")
    return [dict(m) for m in messages[:-1]], _text(last.get("content"), f"{where}[-1].content")


def parse_row(row: dict[str, Any], *, line: int, subset_field: str = "subset") -> PreferencePair | RankedItem:
    """Normalize one row of a preference file (see the module docstring for the accepted shapes).

    Raises ``ValueError`` naming the field and what was expected.
    """
    if "chosen" not in row or "rejected" not in row:
        missing = [k for k in ("chosen", "rejected") if k not in row]
        raise ValueError(f"missing field {' and '.join(repr(m) for m in missing)}; expected a preference row")
    chosen, rejected = row["chosen"], row["rejected"]
    row_id = str(row.get("id", f"line-{line}"))
    subset = row.get(subset_field)
    subset = None if subset is None else str(subset)
    extra = {k: v for k, v in row.items() if k not in _PASS_THROUGH_SKIP and k != subset_field}
    prompt: Any = row.get("prompt")

    # RewardBench 2: lists of alternative responses (strings).
    if isinstance(chosen, list) and not _is_messages(chosen):
        if not isinstance(rejected, list) or not rejected:
            raise ValueError("field 'rejected': expected a non-empty list of responses when 'chosen' is a list")
        responses = [_text(c, f"chosen[{i}]") for i, c in enumerate(chosen)]
        responses += [_text(r, f"rejected[{i}]") for i, r in enumerate(rejected)]
        if not chosen:
            raise ValueError("field 'chosen': expected at least one response")
        num_correct = row.get("num_correct", len(chosen))
        if not isinstance(num_correct, int) or not 1 <= num_correct < len(responses):
            raise ValueError(
                f"field 'num_correct': expected an integer in [1, {len(responses) - 1}], got {num_correct!r}"
            )
        if prompt is None:
            raise ValueError("missing field 'prompt'")
        return RankedItem(row_id, _prompt(prompt), responses, num_correct, subset, extra)

    # Whole conversations: the prompt is the shared turns before the final assistant answer.
    if _is_messages(chosen) or _is_messages(rejected):
        if not (_is_messages(chosen) and _is_messages(rejected)):
            raise ValueError("fields 'chosen' and 'rejected': both must be conversations, or both strings")
        context_c, chosen_text = _split_conversation(chosen, "chosen")
        context_r, rejected_text = _split_conversation(rejected, "rejected")
        if context_c and context_r and context_c != context_r:
            raise ValueError("fields 'chosen' and 'rejected': the conversations differ before their last turn")
        prompt = context_c or context_r or prompt
        if prompt is None:
            raise ValueError("missing field 'prompt' (and the conversations hold no turn before the answer)")
        return PreferencePair(row_id, _prompt(prompt), chosen_text, rejected_text, subset, extra)

    if prompt is None:
        raise ValueError("missing field 'prompt'")
    return PreferencePair(row_id, _prompt(prompt), _text(chosen, "chosen"), _text(rejected, "rejected"), subset, extra)


def _prompt(value: Any) -> Prompt:
    if isinstance(value, str):
        return value
    if _is_messages(value):
        return [dict(m) for m in value]
    raise ValueError(f"field 'prompt': expected a string or a list of chat messages, got {type(value).__name__}")


def load_preferences(
    path: str | os.PathLike[str], *, subset_field: str = "subset", limit: int | None = None, strict: bool = False
) -> PreferenceSet:
    """Read a JSONL (``.gz`` ok) preference file into pairs and ranked items.

    A malformed line is recorded in ``skipped`` (``file:line: why``) and the others are still
    read; with ``strict`` it raises :class:`InputError`. ``limit`` keeps the first N records.
    """
    from ..data.jsonl import iter_jsonl, open_text

    source = str(path)
    if not os.path.exists(source):
        raise InputError("no such file", source=source)
    out = PreferenceSet(source=source)
    with open_text(source) as fh:
        for row in iter_jsonl(fh, source=source):
            if limit is not None and len(out) >= limit:
                break
            error = row.error
            record: PreferencePair | RankedItem | None = None
            if row.ok:
                try:
                    record = parse_row(row.data or {}, line=row.line, subset_field=subset_field)
                except ValueError as exc:
                    error = str(exc)
            if record is None:
                if strict:
                    raise InputError(error or "malformed line", source=source, line=row.line)
                out.skipped.append(f"{source}:{row.line}: {error}")
                continue
            if isinstance(record, RankedItem):
                out.ranked.append(record)
            else:
                out.pairs.append(record)
    return out
