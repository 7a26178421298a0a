"""Step-labelled GSM8K data for PRM training, from a problems file (``question``, ``solution``, ``answer``).

Two ways to label, each on the problems' reference solutions, on corrupted copies of them
(one consistent reasoning error, :func:`~.gsm8k.corrupt_solution`) and, for ``mc``, on the
generator's own sampled solutions:

- ``mc``: Monte-Carlo rollouts with the generator (SmolLM2 by default) judged by the ``math``
  verifier (:mod:`.mc`);
- ``structural``: no model at all: a reference step is good (1), a corrupted solution's steps
  are good before the injected error and bad from it on (0). Cheap, exact for the injected
  error, blind to anything else.

The first ``shots`` problems of the file (1 by default) are the generator's few-shot examples and
are never labelled; a short prompt matters on a CPU, where re-reading the prompt for every
rollout is a large part of the cost.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from ...data.steps import StepRecord
from .gsm8k import corrupt_solution, fewshot_messages, reference_steps
from .mc import MCItem, MCSettings, mc_label, sample_solutions

__all__ = ["FEWSHOT", "Problem", "gsm8k_fewshot", "label_gsm8k_mc", "label_gsm8k_structural", "read_problems"]

FEWSHOT = 1
Problem = tuple[str, str, str, str]  # id, question, reference solution, answer


def read_problems(
    path: str, *, limit: int | None = None, offset: int = 0, shots: int = FEWSHOT
) -> tuple[list[Problem], list[Problem]]:
    """``(few-shot examples, problems)`` from a GSM8K-style JSONL file; fields named in errors."""
    from ...data.jsonl import read_jsonl

    rows = read_jsonl(path)
    problems: list[Problem] = []
    for n, row in enumerate(rows, start=1):
        for key in ("question", "solution", "answer"):
            if not isinstance(row.get(key), (str, int, float)):
                raise ValueError(f"{path}:{n}: field '{key}' is missing or not text")
        problems.append(
            (str(row.get("id", f"problem-{n}")), str(row["question"]), str(row["solution"]), str(row["answer"]))
        )
    examples, rest = problems[:shots], problems[shots:]
    rest = rest[offset:]
    return examples, rest[:limit] if limit is not None else rest


def gsm8k_fewshot(shots: Sequence[Problem]) -> list[dict[str, str]]:
    return fewshot_messages([(q, reference_steps(sol, ans)) for _, q, sol, ans in shots])


def _items(problems: Sequence[Problem], *, reference: bool, corrupt: int, seed: int) -> list[MCItem]:
    rng = random.Random(seed)
    items: list[MCItem] = []
    for pid, question, solution, answer in problems:
        steps = reference_steps(solution, answer)
        if reference:
            items.append(MCItem(question, answer, steps, id=f"{pid}-ref", source="reference"))
        for c in range(corrupt):
            bad = corrupt_solution(steps, question, rng)
            if bad is not None:
                meta = {"first_error": bad.first_error, "error_kind": bad.kind}
                items.append(MCItem(question, answer, bad.steps, id=f"{pid}-bad{c}", source="corrupted", meta=meta))
    return items


def label_gsm8k_structural(
    problems: Sequence[Problem], *, reference: bool = True, corrupt: int = 1, seed: int = 0
) -> list[StepRecord]:
    """Labels from construction: reference steps 1; corrupted steps 1 before the error, 0 from it."""
    records = []
    for item in _items(problems, reference=reference, corrupt=corrupt, seed=seed):
        if item.source == "reference":
            labels: list[float | None] = [1.0] * len(item.steps)
            outcome = 1.0
        else:
            k = int(item.meta["first_error"])
            labels = [1.0 if j < k else 0.0 for j in range(len(item.steps))]
            outcome = 0.0
        records.append(
            StepRecord(
                prompt=item.question,
                steps=item.steps,
                labels=labels,
                outcome=outcome,
                id=item.id,
                source=f"{item.source}-structural",
                meta={**item.meta, "answer": item.answer},
            )
        )
    return records


def label_gsm8k_mc(
    backbone: Any,
    verifier: Any,
    shots: Sequence[Problem],
    problems: Sequence[Problem],
    *,
    settings: MCSettings,
    reference: bool = True,
    corrupt: int = 1,
    samples: int = 2,
    on_phase: Any = None,
    on_batch: Any = None,
) -> list[StepRecord]:
    """MC labels for reference, corrupted and sampled solutions of ``problems``."""
    fewshot = gsm8k_fewshot(shots)
    items = _items(problems, reference=reference, corrupt=corrupt, seed=settings.seed)
    if samples:
        if on_phase:
            on_phase("sampling", len(problems))
        items += sample_solutions(
            backbone,
            [(pid, q, a) for pid, q, _, a in problems],
            samples=samples,
            settings=settings,
            fewshot=fewshot,
            on_batch=on_batch,
        )
    if on_phase:
        on_phase("rollouts", sum(len(i.steps) - 1 for i in items))
    return mc_label(backbone, items, verifier, settings=settings, fewshot=fewshot, on_batch=on_batch)
