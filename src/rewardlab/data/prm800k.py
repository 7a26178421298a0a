"""PRM800K (Lightman et al., 2023) rows as step-labelled records.

A PRM800K row is one labelling session of a model-written MATH solution::

    {"question": {"problem": "...", "ground_truth_answer": "..."},
     "label": {"steps": [{"completions": [{"text": "...", "rating": 1}, ...],
                         "human_completion": null, "chosen_completion": 0}, ...],
               "finish_reason": "solution" | "found_error" | "give_up" | "bad_problem" | ...},
     "is_quality_control_question": false, ...}

Each step offers one or more alternative completions rated -1 (wrong), 0 (neutral: fine but
not useful) or +1 (good); ``chosen_completion`` is the one the solution continues with, or a
``human_completion`` was written instead. When the labeller found an error the last step has
no chosen completion: its worst-rated completion ends the solution.

:func:`prm800k_records` turns a row into the solution as labelled (and, with
``alternatives=True``, one more record per rated alternative completion: the prefix plus that
step). Ratings become labels 1.0 / 0.0; neutral steps get ``neutral_label`` (1.0 by default, as
in the paper's training; ``None`` leaves them out of the loss).

>>> row = {"question": {"problem": "What is 1+1?", "ground_truth_answer": "2"},
...        "label": {"finish_reason": "found_error", "steps": [
...            {"completions": [{"text": "1+1 is 2.", "rating": 1}], "chosen_completion": 0},
...            {"completions": [{"text": "So the answer is 3.", "rating": -1}], "chosen_completion": None}]}}
>>> r = prm800k_records(row)[0]
>>> r.steps, r.labels, r.outcome
(['1+1 is 2.', 'So the answer is 3.'], [1.0, 0.0], 0.0)
"""

from __future__ import annotations

import hashlib
from typing import Any

from .steps import StepRecord

__all__ = ["SKIPPED_FINISH_REASONS", "prm800k_records"]

SKIPPED_FINISH_REASONS = frozenset({"bad_problem", "flagged_bad_problem", "give_up"})
"""Sessions that say nothing about the solution's steps (default: skipped)."""


def _label(rating: Any, neutral_label: float | None) -> float | None:
    if rating is None:
        return None
    if rating > 0:
        return 1.0
    if rating < 0:
        return 0.0
    return neutral_label


def prm800k_records(
    row: dict[str, Any],
    *,
    neutral_label: float | None = 1.0,
    alternatives: bool = False,
    skip_finish_reasons: frozenset[str] = SKIPPED_FINISH_REASONS,
    include_quality_control: bool = False,
) -> list[StepRecord]:
    """The labelled solution of one PRM800K row (empty when the row is skipped).

    Raises ``ValueError`` naming the field when the row is malformed.
    """
    question = row.get("question")
    label = row.get("label")
    if not isinstance(question, dict) or not isinstance(question.get("problem"), str):
        raise ValueError("PRM800K row: 'question.problem' must be a string")
    if not isinstance(label, dict) or not isinstance(label.get("steps"), list):
        raise ValueError("PRM800K row: 'label.steps' must be a list")
    if row.get("is_quality_control_question") and not include_quality_control:
        return []
    finish = str(label.get("finish_reason") or "")
    if finish in skip_finish_reasons:
        return []
    problem = question["problem"]
    stamp = row.get("timestamp") or hashlib.sha1(problem.encode("utf-8")).hexdigest()[:12]
    base_id = f"prm800k-{stamp}"
    steps: list[str] = []
    labels: list[float | None] = []
    extra: list[StepRecord] = []
    for k, step in enumerate(label["steps"]):
        if not isinstance(step, dict):
            raise ValueError(f"PRM800K row: label.steps[{k}] must be an object")
        completions = step.get("completions") or []
        chosen = step.get("chosen_completion")
        human = step.get("human_completion")
        if chosen is not None:
            if not isinstance(chosen, int) or not 0 <= chosen < len(completions):
                raise ValueError(f"PRM800K row: label.steps[{k}].chosen_completion {chosen!r} is out of range")
            picked = completions[chosen]
            text, value = picked.get("text"), _label(picked.get("rating"), neutral_label)
        elif isinstance(human, dict) and isinstance(human.get("text"), str):
            text, value = human["text"], 1.0  # a person wrote this step: correct by construction
        else:
            rated = [c for c in completions if isinstance(c, dict) and c.get("rating") is not None]
            if not rated:
                break  # the session stopped without rating this step
            worst = min(rated, key=lambda c: c["rating"])
            text, value = worst.get("text"), _label(worst["rating"], neutral_label)
            chosen = completions.index(worst)
        if not isinstance(text, str):
            raise ValueError(f"PRM800K row: label.steps[{k}] has no completion text")
        if alternatives:
            for j, alt in enumerate(completions):
                if j == chosen or not isinstance(alt, dict) or alt.get("rating") is None:
                    continue
                alt_label = _label(alt["rating"], neutral_label)
                extra.append(
                    StepRecord(
                        prompt=problem,
                        steps=[*steps, str(alt.get("text", ""))],
                        labels=[*labels, alt_label],
                        outcome=None,
                        id=f"{base_id}-s{k}-alt{j}",
                        source="prm800k-alternative",
                    )
                )
        steps.append(text)
        labels.append(value)
        if value is not None and value < 0.5:
            break  # steps after the first error are not labelled
    if not steps:
        return extra
    bad = any(v is not None and v < 0.5 for v in labels)
    outcome: float | None
    if bad:
        outcome = 0.0
    elif finish == "solution":
        outcome = 1.0
    else:
        outcome = None
    record = StepRecord(
        prompt=problem,
        steps=steps,
        labels=labels,
        outcome=outcome,
        id=base_id,
        source="prm800k",
        meta={"finish_reason": finish, "ground_truth_answer": question.get("ground_truth_answer")},
    )
    return [record, *extra]
