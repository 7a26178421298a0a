"""Loading the golden math cases (``golden/*.yaml`` and ``golden/*.jsonl``) and scoring them in batches.

Used by the golden tests and by ``benchmarks/bench_math.py``.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

GOLDEN_DIR = Path(__file__).resolve().parent / "golden"
_KEYS = frozenset(
    [
        "id",
        "category",
        "completion",
        "answer",
        "expect",
        "lenient",
        "prompt",
        "params",
        "reason",
        "note",
        "known_failure",
    ]
)


@dataclass(frozen=True)
class GoldenCase:
    id: str
    category: str
    completion: str
    answer: Any
    expect: bool
    lenient: bool
    prompt: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    reason: str | None = None
    note: str | None = None
    known_failure: str | None = None
    """A documented limitation: the case is expected to be graded wrongly (tests check it still is)."""

    def expected(self, mode: str) -> bool:
        return self.lenient if mode == "lenient" else self.expect

    def sample(self) -> dict[str, Any]:
        sample: dict[str, Any] = {"completion": self.completion, "answer": self.answer}
        if self.prompt is not None:
            sample["prompt"] = self.prompt
        return sample

    @property
    def adversarial(self) -> bool:
        return self.category.startswith("adversarial")


def _case(raw: dict[str, Any], default_category: str, ident: str) -> GoldenCase:
    unknown = set(raw) - _KEYS
    if unknown:
        raise ValueError(f"{ident}: unknown keys {sorted(unknown)}")
    for key in ("completion", "answer", "expect"):
        if key not in raw:
            raise ValueError(f"{ident}: missing '{key}'")
    if not isinstance(raw["expect"], bool):
        raise ValueError(f"{ident}: 'expect' must be true or false")
    return GoldenCase(
        id=str(raw.get("id", ident)),
        category=str(raw.get("category", default_category)),
        completion=str(raw["completion"]),
        answer=raw["answer"],
        expect=raw["expect"],
        lenient=bool(raw.get("lenient", raw["expect"])),
        prompt=raw.get("prompt"),
        params=dict(raw.get("params") or {}),
        reason=raw.get("reason"),
        note=raw.get("note"),
        known_failure=raw.get("known_failure"),
    )


def load_cases(directory: Path = GOLDEN_DIR) -> list[GoldenCase]:
    """Every golden case, hand-written (YAML) first, then generated (JSONL)."""
    cases: list[GoldenCase] = []
    for path in sorted(directory.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        for i, raw in enumerate(doc["cases"]):
            cases.append(_case(raw, doc["category"], f"{path.stem}:{i + 1}"))
    for path in sorted(directory.glob("*.jsonl")):
        with path.open(encoding="utf-8") as f:
            for i, line in enumerate(f):
                if line.strip():
                    cases.append(_case(json.loads(line), path.stem, f"{path.stem}:{i + 1}"))
    ids = [c.id for c in cases]
    dupes = {i for i in ids if ids.count(i) > 1}
    if dupes:
        raise ValueError(f"duplicate golden case ids: {sorted(dupes)[:5]}")
    return cases


def score_cases(cases: Sequence[GoldenCase], mode: str, **params: Any) -> dict[str, Any]:
    """Score cases with ``math`` in ``mode``: one batch per distinct ``params``; returns id -> result."""
    from rewardlab.verifiers.math import MathAnswer

    groups: dict[str, list[GoldenCase]] = defaultdict(list)
    for case in cases:
        groups[json.dumps(case.params, sort_keys=True)].append(case)
    results: dict[str, Any] = {}
    for key, group in groups.items():
        reward = MathAnswer(mode=mode, **{**params, **json.loads(key)})
        for case, result in zip(group, reward.score_batch([c.sample() for c in group]), strict=True):
            results[case.id] = result
    return results


def accuracy_by_category(
    cases: Iterable[GoldenCase], verdicts: dict[str, bool | None], mode: str
) -> dict[str, tuple[int, int]]:
    """category -> (right, total), where ``verdicts`` maps a case id to the paid/not-paid decision."""
    table: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for case in cases:
        row = table[case.category]
        row[1] += 1
        if verdicts.get(case.id) is not None and verdicts[case.id] == case.expected(mode):
            row[0] += 1
    return {k: (v[0], v[1]) for k, v in sorted(table.items())}
