"""Agreement runs: the mapping of sample fields, and two graders compared on GSM8K solutions (the
statistics by hand: tests/evaluate/metrics/test_agreement.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rewardlab.core.spec import resolve
from rewardlab.evaluate.runs.agreement import AgreementOptions, evaluate_agreement
from rewardlab.evaluate.runs.sample_data import load_samples, parse_mapping


def test_mapping_is_validated() -> None:
    assert parse_mapping(["completion=solution"]) == {"completion": "solution"}
    with pytest.raises(ValueError, match="TARGET=SOURCE"):
        parse_mapping(["completion"])


def test_exact_match_vs_math_on_gsm8k_solutions(shared_data: Path) -> None:
    samples = load_samples(
        shared_data / "gsm8k_solutions.jsonl.gz",
        mapping={"prompt": "question", "completion": "solution", "answer": "reference_answer"},
        limit=240,
    )
    exact = resolve("exact_match", params={"extract": "regex", "pattern": r"A:\s*(.+?)\s*$"})
    result, rows = evaluate_agreement(
        exact, resolve("math"), samples, AgreementOptions(gold_field="is_correct", batch_size=64)
    )
    m = result["metrics"]
    assert m["a_vs_b"]["n"] == 240 and result["headline"]["failed_samples_b"] == 0
    # both graders read the final "A: N" line; they differ only where formatting (e.g. "3,000") matters
    assert m["a_vs_b"]["agreement"] > 0.97 and m["a_vs_b"]["kappa"] > 0.93
    # the source label is "the final answer equals the reference": the math verifier reproduces it
    assert m["b_vs_gold"]["agreement"] == 1.0
    assert m["a_vs_gold"]["agreement"] <= m["b_vs_gold"]["agreement"]
    assert all(r["gold"] in (0.0, 1.0) for r in rows)
