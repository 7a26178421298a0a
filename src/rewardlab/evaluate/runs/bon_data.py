"""Best-of-N data: prompts with candidate answers, judge gold and public reward models' picks.

The alpaca_bon16 format, one prompt a line::

    {"id": "...", "instruction": "...", "candidates": ["...", ...], "gold": [0.7, null, ...],
     "dataset": "...", "reference_picks": {"rm": 3}, "reference_pick_gold": {"rm": 0.7}}
"""

from __future__ import annotations

import math
import os
from typing import Any

from ...core.errors import InputError
from ...data.jsonl import iter_jsonl, open_text
from ..metrics.bon import BonPrompt

__all__ = ["load_bon"]


def load_bon(path: str | os.PathLike[str], *, limit: int | None = None) -> list[BonPrompt]:
    """Read a best-of-N file (alpaca_bon16 format): ``instruction``, ``candidates``, ``gold``, picks.

    Raises :class:`InputError` with the line number for a malformed row.
    """

    source = str(path)
    if not os.path.exists(source):
        raise InputError("no such file", source=source)
    out: list[BonPrompt] = []
    with open_text(source) as fh:
        for row in iter_jsonl(fh, source=source):
            if limit is not None and len(out) >= limit:
                break
            if not row.ok:
                raise InputError(row.error or "malformed line", source=source, line=row.line)
            try:
                out.append(_parse(row.data or {}, row.line))
            except ValueError as exc:
                raise InputError(str(exc), source=source, line=row.line) from None
    if not out:
        raise InputError("no prompts in the file", source=source)
    return out


def _parse(row: dict[str, Any], line: int) -> BonPrompt:
    instruction = row.get("instruction", row.get("prompt"))
    if not isinstance(instruction, str):
        raise ValueError("field 'instruction': expected a string (the prompt)")
    candidates = row.get("candidates")
    if not isinstance(candidates, list) or not candidates or not all(isinstance(c, str) for c in candidates):
        raise ValueError("field 'candidates': expected a non-empty list of strings")
    gold = row.get("gold")
    if not isinstance(gold, list) or len(gold) != len(candidates):
        raise ValueError(f"field 'gold': expected a list of {len(candidates)} numbers or nulls (one per candidate)")
    for i, g in enumerate(gold):
        if g is not None and (isinstance(g, bool) or not isinstance(g, (int, float)) or not math.isfinite(g)):
            raise ValueError(f"field 'gold[{i}]': expected a number or null, got {g!r}")
    if not any(g is not None for g in gold):
        raise ValueError("field 'gold': no candidate has gold")
    picks = row.get("reference_picks") or {}
    pick_gold = row.get("reference_pick_gold") or {}
    if not isinstance(picks, dict) or not isinstance(pick_gold, dict):
        raise ValueError("fields 'reference_picks' / 'reference_pick_gold': expected objects keyed by reward model")
    for rm, idx in picks.items():
        if not isinstance(idx, int) or not 0 <= idx < len(candidates):
            raise ValueError(f"field 'reference_picks.{rm}': expected a candidate index, got {idx!r}")
    return BonPrompt(
        id=str(row.get("id", f"line-{line}")),
        instruction=instruction,
        candidates=candidates,
        gold=[None if g is None else float(g) for g in gold],
        dataset=row.get("dataset"),
        reference_picks={str(k): int(v) for k, v in picks.items()},
        reference_pick_gold={str(k): (None if v is None else float(v)) for k, v in pick_gold.items()},
    )
