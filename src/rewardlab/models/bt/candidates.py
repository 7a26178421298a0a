"""Training pairs from scored candidate lists (best-of-N data such as ``alpaca_bon16``).

A *candidate list* is one prompt with several responses and a score per response (a gold
judgment, a rating, a reward; ``null`` where unknown). Rows look like::

    {"id": "alpaca-eval-539", "instruction": "...", "candidates": ["...", "..."], "gold": [0.81, null]}

- prompt: ``prompt`` (text or chat messages), else ``instruction``, ``question`` or ``input``;
- responses: ``candidates``, ``responses``, ``completions`` or ``outputs`` (strings);
- scores: ``gold``, ``scores``, ``rewards``, ``ratings`` or ``score`` (numbers or ``null``, one per
  response); other fields pass through as ``meta``.

:func:`candidate_pairs` turns lists into :class:`~rewardlab.data.preferences.PreferencePair`
records: ``"all"`` makes every two scored, different responses of a prompt whose scores differ by
more than ``min_margin`` a pair (the higher score is chosen); ``"best"`` pairs the best response
with every other one at least ``min_margin`` below it. Each pair's ``margin`` is the score
difference, its ``group`` the list's id, so a split by group keeps a prompt on one side
(:func:`split_lists` splits the lists themselves).

>>> row = {"id": "q1", "instruction": "Say hi", "candidates": ["hi", "hello there", "no"], "gold": [0.5, 0.9, 0.0]}
>>> lst = parse_candidate_row(row)
>>> [(p.chosen, p.rejected, round(p.margin, 2)) for p in candidate_pairs([lst], min_margin=0.3)]
[('hello there', 'hi', 0.4), ('hi', 'no', 0.5), ('hello there', 'no', 0.9)]
>>> [(p.chosen, p.rejected) for p in candidate_pairs([lst], strategy="best", min_margin=0.0)]
[('hello there', 'hi'), ('hello there', 'no')]
>>> parse_candidate_row({"prompt": "q", "candidates": ["a", "b"], "gold": [1]}, line=3, source="c.jsonl")
Traceback (most recent call last):
...
rewardlab.core.errors.InputError: c.jsonl:3: field 'gold': expected one score per candidate (2), got 1
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ...core.errors import InputError
from ...data.preferences import PreferencePair

__all__ = [
    "CANDIDATE_DEFAULTS",
    "CANDIDATE_FIELDS",
    "PROMPT_FIELDS",
    "SCORE_FIELDS",
    "CandidateData",
    "CandidateList",
    "PairStrategy",
    "candidate_pairs",
    "file_holds_candidate_lists",
    "is_candidate_list",
    "iter_candidate_lists",
    "load_candidate_lists",
    "parse_candidate_row",
    "probe_layers",
    "split_lists",
]

PairStrategy = Literal["all", "best"]
PROMPT_FIELDS = ("prompt", "instruction", "question", "input")
CANDIDATE_FIELDS = ("candidates", "responses", "completions", "outputs")
SCORE_FIELDS = ("gold", "scores", "rewards", "ratings", "score")
Messages = list[dict[str, str]]


@dataclass(frozen=True)
class CandidateList:
    """One prompt, its candidate responses and a score per candidate (``None``: unknown)."""

    id: str
    prompt: Messages
    candidates: list[str]
    scores: list[float | None]
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def scored(self) -> list[int]:
        """Indices of the candidates that have a score."""
        return [i for i, s in enumerate(self.scores) if s is not None]


@dataclass
class CandidateData:
    """The lists read from a file and the rows that could not be read (``file:line: why``)."""

    lists: list[CandidateList] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    source: str | None = None


def _first(data: dict[str, Any], names: Sequence[str]) -> str | None:
    return next((n for n in names if n in data), None)


def is_candidate_list(data: Any) -> bool:
    """Whether a row is a candidate list: a list of responses and a list of scores, no chosen/rejected."""
    if not isinstance(data, dict) or "chosen" in data or "rejected" in data:
        return False
    cands, scores = _first(data, CANDIDATE_FIELDS), _first(data, SCORE_FIELDS)
    return cands is not None and scores is not None and isinstance(data[cands], list)


def _prompt(value: Any, where: str) -> Messages:
    if isinstance(value, str):
        return [{"role": "user", "content": value}]
    if isinstance(value, list) and value and all(isinstance(m, dict) for m in value):
        out = []
        for i, m in enumerate(value):
            role, content = m.get("role"), m.get("content")
            if not isinstance(role, str) or not isinstance(content, str):
                raise ValueError(f"field '{where}[{i}]': expected a message with string 'role' and 'content'")
            out.append({"role": role, "content": content})
        return out
    raise ValueError(f"field '{where}': expected a string or a list of chat messages, got {type(value).__name__}")


def parse_candidate_row(data: dict[str, Any], *, line: int | None = None, source: str | None = None) -> CandidateList:
    """Read one candidate-list row; an unreadable one raises :class:`InputError` naming the field."""
    try:
        if not isinstance(data, dict):
            raise ValueError(f"expected a JSON object, got {type(data).__name__}")
        p_field = _first(data, PROMPT_FIELDS)
        if p_field is None:
            raise ValueError(f"missing the prompt: expected one of the fields {', '.join(PROMPT_FIELDS)}")
        c_field = _first(data, CANDIDATE_FIELDS)
        if c_field is None:
            raise ValueError(f"missing the responses: expected one of the fields {', '.join(CANDIDATE_FIELDS)}")
        s_field = _first(data, SCORE_FIELDS)
        if s_field is None:
            raise ValueError(f"missing the scores: expected one of the fields {', '.join(SCORE_FIELDS)}")
        cands, scores = data[c_field], data[s_field]
        if not isinstance(cands, list) or not all(isinstance(c, str) for c in cands):
            raise ValueError(f"field '{c_field}': expected a list of strings")
        if not isinstance(scores, list):
            raise ValueError(f"field '{s_field}': expected a list of numbers (null for unknown)")
        if len(scores) != len(cands):
            raise ValueError(f"field '{s_field}': expected one score per candidate ({len(cands)}), got {len(scores)}")
        values: list[float | None] = []
        for i, s in enumerate(scores):
            if s is not None and (isinstance(s, bool) or not isinstance(s, (int, float))):
                raise ValueError(f"field '{s_field}[{i}]': expected a number or null, got {type(s).__name__}")
            values.append(None if s is None else float(s))
        raw_id = data.get("id")
        row_id = str(raw_id) if raw_id is not None else (f"line-{line}" if line is not None else "row")
        used = {"id", p_field, c_field, s_field}
        meta = {k: v for k, v in data.items() if k not in used}
        return CandidateList(row_id, _prompt(data[p_field], p_field), list(cands), values, meta)
    except ValueError as exc:
        raise InputError(str(exc), source=source, line=line) from None


def iter_candidate_lists(
    path: str | os.PathLike[str], *, strict: bool = True, skipped: list[str] | None = None
) -> Iterator[CandidateList]:
    """Stream the candidate lists of a JSONL file (``.gz`` ok); bad rows raise or go to ``skipped``."""
    from ...data.jsonl import iter_parsed

    return iter_parsed(
        path,
        lambda data, line, source: (parse_candidate_row(data, line=line, source=source),),
        strict=strict,
        skipped=skipped,
    )


def load_candidate_lists(path: str | os.PathLike[str], *, strict: bool = False) -> CandidateData:
    """Every candidate list of a file, unreadable rows listed in ``skipped`` (or raised with ``strict``)."""
    out = CandidateData(source=str(path))
    out.lists.extend(iter_candidate_lists(path, strict=strict, skipped=out.skipped))
    return out


def file_holds_candidate_lists(path: str | os.PathLike[str]) -> bool:
    """Whether the first readable row of a JSONL file is a candidate list."""
    from ...data.jsonl import iter_jsonl, open_text

    source = str(path)
    if source == "-" or not Path(source).is_file():
        return False
    with open_text(source) as fh:
        for row in iter_jsonl(fh, source=source):
            if row.ok:
                return is_candidate_list(row.data)
    return False


def candidate_pairs(
    lists: Sequence[CandidateList], *, strategy: PairStrategy = "all", min_margin: float = 0.0
) -> list[PreferencePair]:
    """Preference pairs of scored candidates (see the module docstring); identical texts never pair."""
    if strategy not in ("all", "best"):
        raise ValueError(f"strategy must be 'all' or 'best', got {strategy!r}")
    if min_margin < 0:
        raise ValueError(f"min_margin must be at least 0, got {min_margin}")
    pairs: list[PreferencePair] = []
    for lst in lists:
        idx = lst.scored
        if strategy == "all":
            combos = [(a, b) for n, a in enumerate(idx) for b in idx[n + 1 :]]
        else:
            if not idx:
                continue
            top = max(idx, key=lambda i: (lst.scores[i], -i))
            combos = [(top, b) for b in idx if b != top]
        for a, b in combos:
            sa, sb = lst.scores[a], lst.scores[b]
            assert sa is not None and sb is not None
            if abs(sa - sb) <= min_margin or sa == sb or lst.candidates[a] == lst.candidates[b]:
                continue
            hi, lo = (a, b) if sa > sb else (b, a)
            pairs.append(
                PreferencePair(
                    id=f"{lst.id}:{hi}>{lo}",
                    prompt=lst.prompt,
                    chosen=lst.candidates[hi],
                    rejected=lst.candidates[lo],
                    group=lst.id,
                    margin=abs(sa - sb),
                    meta={"prompt_id": lst.id, "chosen_index": hi, "rejected_index": lo},
                )
            )
    return pairs


def split_lists(
    lists: Sequence[CandidateList], *, eval_fraction: float, seed: int = 0
) -> tuple[list[CandidateList], list[CandidateList]]:
    """Split lists into (train, held-out) by prompt: about ``eval_fraction`` of the distinct prompts
    held out (``random.Random(seed)`` shuffle), lists sharing a prompt text on the same side.

    >>> ls = [CandidateList(str(i), [{"role": "user", "content": f"q{i % 4}"}], ["a"], [1.0]) for i in range(8)]
    >>> tr, ev = split_lists(ls, eval_fraction=0.25, seed=0)
    >>> len(tr), len(ev), {x.prompt[0]["content"] for x in tr} & {x.prompt[0]["content"] for x in ev}
    (6, 2, set())
    """
    if not 0.0 < eval_fraction < 1.0:
        raise ValueError(f"eval_fraction must be between 0 and 1 (exclusive), got {eval_fraction}")
    keys = [repr(lst.prompt) for lst in lists]
    distinct = list(dict.fromkeys(keys))
    random.Random(seed).shuffle(distinct)
    n_held = max(1, round(eval_fraction * len(distinct))) if len(distinct) > 1 else 0
    held = set(distinct[:n_held])
    train = [lst for lst, k in zip(lists, keys, strict=True) if k not in held]
    evaluation = [lst for lst, k in zip(lists, keys, strict=True) if k in held]
    return train, evaluation


# What ``rewardlab train bt`` does with candidate lists when an option is not given: the consensus
# reward model (rewardlab.models.consensus), the setting that won the prompt-disjoint cross-validation
# on alpaca_bon16 (benchmarks/RESULTS.md, issue 15); with a neural --backbone, a linear probe on it
# (the best neural setting measured there).
CANDIDATE_DEFAULTS: dict[str, Any] = {
    "backbone": "consensus",
    "pairs": "all",
    "min_margin": 0.25,
    "max_length": 512,
    "probe": True,
    "epochs": 8,
    "head_learning_rate": 3e-3,
    "batch_size": 32,
    "margin_from_data": False,
}

_KNOWN_LAYERS = {"minilm": 6, "smollm2": 30}


def probe_layers(backbone: str) -> int:
    """Transformer layers of a backbone (``freeze_layers`` for a linear probe): known for the embedded
    ones, read from ``config.json`` for a local folder (0 when it cannot be read: fine-tune all)."""
    if backbone in _KNOWN_LAYERS:
        return _KNOWN_LAYERS[backbone]
    import json

    try:
        config = json.loads((Path(backbone) / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return 0
    for key in ("num_hidden_layers", "n_layer", "num_layers"):
        if isinstance(config.get(key), int):
            return int(config[key])
    return 0
