"""Preference data for evaluation: chosen/rejected pairs and RewardBench-2-style ranked items.

Rows are read with the library's preference readers (:mod:`rewardlab.data.preferences`: prompt +
chosen/rejected strings, whole conversations, HH-RLHF transcripts, labelled response pairs) into
:class:`~rewardlab.data.preferences.PreferencePair`. A RewardBench 2 row (``chosen`` and
``rejected`` are *lists* of responses, with ``num_correct`` and ``subset``) is kept whole as a
:class:`RankedItem`: its score is a property of the whole item (best-of-4 with a tie penalty, or
the Ties formula), not of separate pairs.

``subset`` (or the field named by ``subset_field``) names the subset used for per-subset accuracy
and for the RewardBench section scores.

>>> records = parse_row({"prompt": "2+2?", "chosen": "4", "rejected": "5", "subset": "math-prm"}, line=1)
>>> records[0].chosen, records[0].subset
('4', 'math-prm')
>>> item = parse_row({"prompt": "q", "chosen": ["a"], "rejected": ["b", "c", "d"], "subset": "Math"}, line=2)[0]
>>> item.responses, item.num_correct
(['a', 'b', 'c', 'd'], 1)
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from ...core.errors import InputError
from ...data.preferences import PreferencePair, detect_format, parse_preference_row

__all__ = ["PreferencePair", "PreferenceSet", "RankedItem", "load_preferences", "parse_row"]

Prompt = str | list[dict[str, Any]]


@dataclass
class RankedItem:
    """A prompt with ``num_correct`` correct responses first, then incorrect ones (RewardBench 2)."""

    id: str
    prompt: Prompt
    responses: list[str]
    num_correct: int
    subset: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def samples(self) -> list[dict[str, Any]]:
        """One scoring sample per response (pass-through fields kept)."""
        out = []
        for i, response in enumerate(self.responses):
            sample = {**self.meta, "id": f"{self.id}:{i}", "prompt": self.prompt, "completion": response}
            if self.subset is not None:
                sample["subset"] = self.subset
            out.append(sample)
        return out


@dataclass
class PreferenceSet:
    """What a preference file held: pairs, ranked items, and the lines that could not be read."""

    pairs: list[PreferencePair] = field(default_factory=list)
    ranked: list[RankedItem] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    source: str | None = None
    read: int = 0
    """Lines read into pairs or ranked items (the skipped ones not counted)."""

    def __len__(self) -> int:
        return len(self.pairs) + len(self.ranked)


_RANKED_SKIP = {"id", "prompt", "chosen", "rejected", "num_correct", "total_completions"}


def _ranked_item(row: dict[str, Any], line: int, subset_field: str) -> RankedItem:
    chosen, rejected = row["chosen"], row["rejected"]
    for side, value in (("chosen", chosen), ("rejected", rejected)):
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            raise ValueError(f"field '{side}': expected a non-empty list of response strings")
    responses = [*chosen, *rejected]
    num_correct = row.get("num_correct", len(chosen))
    if isinstance(num_correct, bool) or not isinstance(num_correct, int) or not 1 <= num_correct < len(responses):
        raise ValueError(
            f"field 'num_correct': expected an integer in [1, {len(responses) - 1}] (the chosen responses come "
            f"first), got {num_correct!r}"
        )
    prompt = row.get("prompt")
    if isinstance(prompt, str):
        prompt_value: Prompt = prompt
    elif isinstance(prompt, list) and all(isinstance(m, dict) and "role" in m for m in prompt):
        prompt_value = [dict(m) for m in prompt]
    else:
        raise ValueError("field 'prompt': expected a string or a list of chat messages")
    subset = row.get(subset_field)
    meta = {k: v for k, v in row.items() if k not in _RANKED_SKIP and k != subset_field}
    return RankedItem(
        id=str(row.get("id", f"line-{line}")),
        prompt=prompt_value,
        responses=responses,
        num_correct=num_correct,
        subset=None if subset is None else str(subset),
        meta=meta,
    )


def parse_row(
    row: dict[str, Any], *, line: int, source: str | None = None, subset_field: str = "subset"
) -> list[PreferencePair] | list[RankedItem]:
    """Normalize one row: pairs (most formats) or one ranked item (RewardBench 2).

    Raises :class:`InputError` naming the line and the field at fault.
    """
    try:
        ranked = isinstance(row, dict) and detect_format(row) == "rewardbench2"
    except ValueError:  # not a valid row: the reader's parser reports why, with the line
        ranked = False
    if ranked:
        try:
            return [_ranked_item(row, line, subset_field)]
        except ValueError as exc:
            raise InputError(str(exc), source=source, line=line) from None
    return parse_preference_row(row, line=line, source=source, subset_field=subset_field)


def load_preferences(
    path: str | os.PathLike[str], *, subset_field: str = "subset", limit: int | None = None, strict: bool = False
) -> PreferenceSet:
    """Read a JSONL (``.gz`` ok) preference file into pairs and ranked items.

    A malformed line is recorded in ``skipped`` (``file:line: why``) and the others are still
    read; with ``strict`` it raises :class:`InputError`. ``limit`` keeps the first N rows.
    """
    from ...data.jsonl import iter_jsonl, open_text

    source = str(path)
    if not os.path.isfile(source):
        raise InputError("no such file", source=source)
    out = PreferenceSet(source=source)
    rows = 0
    with open_text(source) as fh:
        for row in iter_jsonl(fh, source=source):
            if limit is not None and rows >= limit:
                break
            try:
                if not row.ok:
                    raise InputError(row.error or "malformed line", source=source, line=row.line)
                records = parse_row(row.data or {}, line=row.line, source=source, subset_field=subset_field)
            except InputError as exc:
                if strict:
                    raise
                out.skipped.append(str(exc))
                continue
            rows += 1
            for record in records:
                if isinstance(record, RankedItem):
                    out.ranked.append(record)
                else:
                    out.pairs.append(record)
    out.read = rows
    return out
