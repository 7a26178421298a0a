"""The PRM800K and Math-Shepherd readers, on files written by the test in the public formats."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from rewardlab.data.prm800k import prm800k_records
from rewardlab.data.step_files import read_step_records


def _step(*completions: tuple[str, int | None], chosen: int | None = 0, human: str | None = None) -> dict[str, Any]:
    return {
        "completions": [{"text": t, "rating": r, "flagged": False} for t, r in completions],
        "human_completion": None if human is None else {"text": human, "rating": None},
        "chosen_completion": chosen,
    }


def _row(steps: list[dict[str, Any]], finish: str, **extra: Any) -> dict[str, Any]:
    return {
        "labeler": "e90a38f3-3135-4465-87af-3e6322e3d772",
        "timestamp": extra.pop("timestamp", "2022-07-17T16:56:51.323252"),
        "generation": 1,
        "is_quality_control_question": extra.pop("qc", False),
        "is_initial_screening_question": False,
        "question": {
            "problem": "How many vertical asymptotes does the graph of $y=\\frac{2}{x^2+x-6}$ have?",
            "ground_truth_answer": "2",
        },
        "label": {"steps": steps, "total_time": 278, "finish_reason": finish},
    }


FOUND_ERROR = _row(
    [
        _step(("The denominator factors as $(x+3)(x-2)$.", 1)),
        _step(("So the zeros are $-3$ and $2$.", 0), ("Hmm, the zeros are 3 and 2.", -1)),
        _step(("So there is one asymptote.", -1), ("So there are two asymptotes.", 1), chosen=None),
    ],
    "found_error",
)
SOLUTION = _row(
    [
        _step(("The denominator factors as $(x+3)(x-2)$.", 1)),
        _step(chosen=None, human="Neither zero cancels with the numerator, so both give asymptotes."),
        _step(("# Answer\n\n2", 1)),
    ],
    "solution",
    timestamp="2022-07-18T10:00:00",
)


def test_found_error_row() -> None:
    (record,) = prm800k_records(FOUND_ERROR)
    assert record.steps == [
        "The denominator factors as $(x+3)(x-2)$.",
        "So the zeros are $-3$ and $2$.",
        "So there is one asymptote.",
    ]
    assert record.labels == [1.0, 1.0, 0.0]  # neutral counts as good by default
    assert record.outcome == 0.0 and record.first_error == 2
    assert record.meta["finish_reason"] == "found_error" and record.meta["ground_truth_answer"] == "2"
    (neutral_left_out,) = prm800k_records(FOUND_ERROR, neutral_label=None)
    assert neutral_left_out.labels == [1.0, None, 0.0]


def test_solution_row_with_a_human_step() -> None:
    (record,) = prm800k_records(SOLUTION)
    assert record.labels == [1.0, 1.0, 1.0] and record.outcome == 1.0
    assert record.steps[1].startswith("Neither zero")


def test_alternative_completions_become_records() -> None:
    records = prm800k_records(FOUND_ERROR, alternatives=True)
    main, *alternatives = records
    assert len(alternatives) == 2
    wrong_zeros = next(r for r in alternatives if r.steps[-1] == "Hmm, the zeros are 3 and 2.")
    assert wrong_zeros.steps[:-1] == main.steps[:1] and wrong_zeros.labels == [1.0, 0.0]
    two = next(r for r in alternatives if r.steps[-1] == "So there are two asymptotes.")
    assert two.labels == [1.0, 1.0, 1.0] and two.source == "prm800k-alternative"


def test_skipped_sessions_and_malformed_rows() -> None:
    assert prm800k_records(_row([_step(("x", 1))], "give_up")) == []
    assert prm800k_records(_row([_step(("x", 1))], "solution", qc=True)) == []
    assert prm800k_records(_row([_step(("x", 1))], "solution", qc=True), include_quality_control=True)
    with pytest.raises(ValueError, match=r"label\.steps"):
        prm800k_records({"question": {"problem": "p"}, "label": {}})
    with pytest.raises(ValueError, match="chosen_completion 5 is out of range"):
        prm800k_records(_row([_step(("x", 1), chosen=5)], "solution"))


def test_reading_a_mixed_file(tmp_path: Path) -> None:
    shepherd = {
        "input": "Janet has 3 apples and buys 2. How many? Step 1: 3 + 2 = <<3+2=5>>5 apples. ки\n"
        "Step 2: The answer is: 5 ки",
        "label": "Janet has 3 apples and buys 2. How many? Step 1: 3 + 2 = <<3+2=5>>5 apples. +\n"
        "Step 2: The answer is: 5 +",
        "task": "GSM8K",
    }
    own = {"prompt": "1+1?", "steps": ["1+1=2", "A: 2"], "labels": [1, 1], "outcome": 1, "source": "mine"}
    path = tmp_path / "mixed.jsonl"
    lines = [json.dumps(FOUND_ERROR), json.dumps(SOLUTION), json.dumps(shepherd), json.dumps(own), "{broken"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    records, skipped = read_step_records(path)
    assert skipped == 1
    assert [r.source for r in records] == ["prm800k", "prm800k", "GSM8K", "mine"]
    math_shepherd = records[2]
    assert math_shepherd.prompt == "Janet has 3 apples and buys 2. How many?"
    assert math_shepherd.steps == ["Step 1: 3 + 2 = <<3+2=5>>5 apples.", "Step 2: The answer is: 5"]
    assert math_shepherd.labels == [1.0, 1.0] and math_shepherd.outcome == 1.0
