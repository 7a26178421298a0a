"""PRM building blocks without a model: step splitting, aggregation, GSM8K references and injected
errors, structural labels, the step-record format."""

from __future__ import annotations

import random

import pytest

from rewardlab.data.step_files import read_step_records, write_step_records
from rewardlab.data.steps import StepRecord
from rewardlab.models.prm.aggregate import aggregate, step_returns
from rewardlab.models.prm.gsm8k import ANNOTATION, corrupt_solution, reference_steps, safe_eval
from rewardlab.models.prm.labelling import label_gsm8k_structural
from rewardlab.models.prm.steps import split_steps

PROBLEMS = [
    (
        "p1",
        "Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. "
        "How many clips did Natalia sell altogether in April and May?",
        "Natalia sold 48/2 = <<48/2=24>>24 clips in May.\nNatalia sold 48+24 = <<48+24=72>>72 clips altogether.",
        "72",
    ),
    (
        "p2",
        "James writes a 3-page letter to 2 different friends twice a week. How many pages does he write a year?",
        "He writes each friend 3*2=<<3*2=6>>6 pages a week\nSo he writes 6*2=<<6*2=12>>12 pages every week\n"
        "That means he writes 12*52=<<12*52=624>>624 pages a year",
        "624",
    ),
    (
        "p3",
        "Albert buys 2 large pizzas and 2 small pizzas. A large pizza has 16 slices and a small pizza has 8 slices. "
        "If he eats it all, how many pieces does he eat that day?",
        "He eats 32 from the largest pizzas because 2 x 16 = <<2*16=32>>32\n"
        "He eats 16 from the small pizza because 2 x 8 = <<2*8=16>>16\n"
        "He eats 48 pieces because 32 + 16 = <<32+16=48>>48",
        "48",
    ),
]


def test_split_steps() -> None:
    assert split_steps("a\n\n b \nc") == ["a", "b", "c"]
    assert split_steps("a||b", "||") == ["a", "b"]
    assert split_steps("") == []
    with pytest.raises(ValueError):
        split_steps("a", "")


def test_aggregations_and_credit() -> None:
    scores = [0.9, 0.5, 0.8]
    assert aggregate(scores, "min") == 0.5
    assert aggregate(scores, "product") == pytest.approx(0.36)
    assert aggregate(scores, "last") == 0.8
    assert aggregate(scores, "mean") == pytest.approx(2.2 / 3)
    assert step_returns(scores, "min") == [0.5, 0.5, 0.8]
    assert step_returns(scores, "sum") == pytest.approx([2.2, 1.3, 0.8])
    with pytest.raises(ValueError):
        aggregate([], "min")
    with pytest.raises(ValueError):
        aggregate(scores, "median")  # type: ignore[arg-type]


def _consistent(steps: list[str]) -> bool:
    for step in steps:
        for m in ANNOTATION.finditer(step):
            value = safe_eval(m.group(1))
            if value is None or abs(value - float(m.group(2))) > 0.01:
                return False
    return True


@pytest.mark.parametrize("seed", range(6))
def test_corruption_is_one_consistent_error_that_changes_the_answer(seed: int) -> None:
    rng = random.Random(seed)
    for _, question, solution, answer in PROBLEMS:
        steps = reference_steps(solution, answer)
        bad = corrupt_solution(steps, question, rng)
        assert bad is not None
        assert bad.steps[: bad.first_error] == steps[: bad.first_error]  # untouched before the error
        assert bad.steps[bad.first_error] != steps[bad.first_error]
        assert bad.answer != answer and bad.steps[-1] == f"A: {bad.answer}"
        assert _consistent(bad.steps), bad.steps  # the arithmetic after the error is redone
        assert bad.kind in ("wrong_quantity", "wrong_operation")


def test_corruption_needs_annotated_steps_and_a_final_line() -> None:
    rng = random.Random(0)
    assert corrupt_solution(["She has 3 apples.", "A: 3"], "How many?", rng) is None
    assert corrupt_solution(["3+4 = <<3+4=7>>7"], "How many?", rng) is None


def test_structural_labels() -> None:
    records = label_gsm8k_structural(PROBLEMS, reference=True, corrupt=1, seed=0)
    refs = [r for r in records if r.source == "reference-structural"]
    bads = [r for r in records if r.source == "corrupted-structural"]
    assert len(refs) == 3 and len(bads) == 3
    assert all(r.labels == [1.0] * len(r.steps) and r.outcome == 1.0 for r in refs)
    for r in bads:
        k = r.meta["first_error"]
        assert r.labels == [1.0] * k + [0.0] * (len(r.steps) - k) and r.outcome == 0.0
        assert r.first_error == k


def test_step_records_round_trip_and_validation(tmp_path) -> None:
    records = label_gsm8k_structural(PROBLEMS[:1], corrupt=1, seed=1)
    path = tmp_path / "steps.jsonl.gz"
    assert write_step_records(path, records) == 2
    back, skipped = read_step_records(path)
    assert skipped == 0 and [r.to_json() for r in back] == [r.to_json() for r in records]
    with pytest.raises(ValueError, match="labels"):
        StepRecord(prompt="q", steps=["a", "b"], labels=[1.0])
    with pytest.raises(ValueError, match=r"labels\[0\]"):
        StepRecord(prompt="q", steps=["a"], labels=[2.0])
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"prompt": "q", "steps": ["a"], "labels": [1]}\nnot json\n{"foo": 1}\n')
    good, skipped = read_step_records(bad)
    assert len(good) == 1 and skipped == 2
    from rewardlab.core.errors import InputError

    strict = tmp_path / "strict.jsonl"
    strict.write_text('{"prompt": "q", "steps": ["a"], "labels": [1]}\n{"foo": 1}\n')
    with pytest.raises(InputError, match=r"strict\.jsonl:2: unknown row format"):
        read_step_records(strict, strict=True)
