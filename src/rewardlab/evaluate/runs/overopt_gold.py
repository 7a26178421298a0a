"""The over-optimization lab's gold from a reward, and its candidates from ``rewardlab sample``.

Gao et al.'s setup needs a gold reward per candidate. A data field (``gold``, as ``alpaca_bon16``) is
one source; :func:`gold_from_reward` is the other: any reward spec -- a verifier (``math`` against the
row's ``answer``), a judge, a stronger reward model (``rm:DIR``) -- scores every candidate, one
prompt's candidates together (a batch-dependent gold sees its whole group), and its scores become the
gold. A candidate the gold reward cannot score (``not_applicable``, ``error``) has no gold and is never
labelled or picked.

:func:`load_candidates` reads both shapes of input:

- candidate lists: ``instruction`` / ``prompt``, ``candidates`` and optionally ``gold`` (ignored when
  a gold reward is given); the row's other fields (``answer`` ...) go to the gold reward with every
  candidate;
- ``rewardlab sample`` output: one row per completion with ``group_id`` and ``sample_index``; rows of a
  group become one prompt's candidates, in sample order. Sampling more (``rewardlab sample -n 32``)
  gives a larger N to optimize to.

>>> import json, tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> rows = [{"group_id": "q1", "sample_index": i, "prompt": "2+2?", "completion": c, "answer": "4"}
...         for i, c in enumerate(["4", "5", "The answer is 4."])]
>>> _ = (d / "s.jsonl").write_text("".join(json.dumps(r) + "\\n" for r in rows))
>>> found = load_candidates(d / "s.jsonl")
>>> found[0].prompt.candidates, found[0].samples[0]["answer"]
(['4', '5', 'The answer is 4.'], '4')
>>> from rewardlab import resolve
>>> [p.gold for p in gold_from_reward(found, resolve("exact_match"))[0]]
[[1.0, 0.0, 0.0]]
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ...core.errors import InputError
from ...data.jsonl import iter_jsonl, open_text
from ..metrics.bon import BonPrompt

__all__ = ["GoldInput", "gold_from_reward", "load_candidates"]

_CANDIDATE_ONLY = ("candidates", "gold", "reference_picks", "reference_pick_gold")


@dataclass
class GoldInput:
    """One prompt's candidates, and the sample each is scored as by the gold reward."""

    prompt: BonPrompt
    samples: list[dict[str, Any]]


def _prompt_text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and value and all(isinstance(m, dict) for m in value):
        users = [m.get("content") for m in value if m.get("role") == "user"]
        last = users[-1] if users else value[-1].get("content")
        return last if isinstance(last, str) else None
    return None


def load_candidates(path: str | os.PathLike[str], *, limit: int | None = None) -> list[GoldInput]:
    """Candidate lists or ``rewardlab sample`` rows (see the module docstring), ``limit`` prompts at
    most; :class:`InputError` with the line number for a row of neither shape."""
    source = str(path)
    if not os.path.exists(source):
        raise InputError("no such file", source=source)
    lists: list[GoldInput] = []
    groups: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    with open_text(source) as fh:
        for row in iter_jsonl(fh, source=source):
            if not row.ok:
                raise InputError(row.error or "malformed line", source=source, line=row.line)
            data = row.data or {}
            text = _prompt_text(data.get("instruction", data.get("prompt")))
            if text is None:
                raise InputError("field 'instruction' or 'prompt': expected the prompt", source=source, line=row.line)
            if isinstance(data.get("candidates"), list):
                cands = data["candidates"]
                if not cands or not all(isinstance(c, str) for c in cands):
                    raise InputError("field 'candidates': expected a list of strings", source=source, line=row.line)
                base = {k: v for k, v in data.items() if k not in _CANDIDATE_ONLY}
                row_id = str(data.get("id", f"line-{row.line}"))
                prompt = BonPrompt(row_id, text, list(cands), [None] * len(cands), data.get("dataset"))
                lists.append(GoldInput(prompt, [{**base, "prompt": text, "completion": c} for c in cands]))
            elif isinstance(data.get("completion"), str) and "group_id" in data:
                index = data.get("sample_index", len(groups.get(str(data["group_id"]), [])))
                groups.setdefault(str(data["group_id"]), []).append((int(index), data))
            else:
                raise InputError(
                    "expected a candidate list (instruction + candidates) or a `rewardlab sample` row "
                    "(prompt + completion + group_id)",
                    source=source,
                    line=row.line,
                )
            if limit is not None and len(lists) + len(groups) > limit:
                break
    for group_id, members in groups.items():
        members.sort(key=lambda m: m[0])
        samples = [dict(m[1]) for m in members]
        text = _prompt_text(samples[0].get("prompt")) or ""
        cands = [s["completion"] for s in samples]
        lists.append(GoldInput(BonPrompt(group_id, text, cands, [None] * len(cands)), samples))
    lists = lists[:limit] if limit is not None else lists
    if not lists:
        raise InputError("no prompts in the file", source=source)
    return lists


def gold_from_reward(
    inputs: Sequence[GoldInput], spec: Any, *, batch_size: int = 32, progress: bool | None = None
) -> tuple[list[BonPrompt], dict[str, int]]:
    """Each prompt with its candidates' gold set to ``spec``'s scores (``None`` where it gives none),
    and the count of results by status. Prompts with fewer than two scored candidates are dropped."""
    from .scoring import score_all

    samples = [s for item in inputs for s in item.samples]
    groups = [g for g, item in enumerate(inputs) for _ in item.samples]
    scored = score_all(spec, samples, batch_size=batch_size, progress=progress, groups=groups, description="gold")
    out: list[BonPrompt] = []
    at = 0
    for item in inputs:
        n = len(item.samples)
        gold = [_finite(v) for v in scored.scores[at : at + n]]
        at += n
        if sum(g is not None for g in gold) >= 2:
            p = item.prompt
            out.append(BonPrompt(p.id, p.instruction, p.candidates, gold, p.dataset))
    return out, dict(scored.status_counts)


def _finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)
