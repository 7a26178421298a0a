"""Robustness runs: real HH-RLHF pairs, failures counted, a pairwise reward (the rewrites and the
metrics: tests/evaluate/metrics/test_robustness.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rewardlab.core.spec import resolve
from rewardlab.evaluate.metrics.transforms import TRANSFORMS
from rewardlab.evaluate.runs.pairs import load_preferences
from rewardlab.evaluate.runs.robustness import RobustnessOptions, evaluate_robustness


def test_robustness_on_real_pairs(shared_data: Path) -> None:
    pairs = load_preferences(shared_data / "hh_harmless_dev.jsonl.gz", limit=120).pairs
    result, rows = evaluate_robustness(resolve("ev_chars"), pairs, RobustnessOptions(batch_size=256))
    t = result["metrics"]["transforms"]
    assert set(t) == set(TRANSFORMS)
    # a character-count reward ignores case and look-alike swaps, and prompt rewrites
    for name in ("lowercase", "uppercase", "homoglyphs", "system_prompt", "transcript_prompt", "chatml_prompt"):
        assert t[name]["consistency"] == 1.0 and t[name]["accuracy_change"] == 0.0, name
        assert t[name]["pairs_changed"] > 0 and t[name]["n"] == t[name]["pairs_changed"]
    # appending a sentence to the rejected answer only makes it longer: some rankings flip to wrong
    attack = t["correct_injection_rejected"]
    assert attack["flipped_to_wrong"] > 0 and attack["accuracy_change"] < 0 and attack["flipped_to_right"] == 0
    assert t["reorder_list"]["pairs_changed"] < len(pairs)  # only pairs with a list are changed
    assert result["headline"]["worst_transform"] == "correct_injection_rejected"
    assert len(rows) == sum(v["pairs_changed"] for v in t.values())
    assert all(r["consistent"] is not None for r in rows)


def test_robustness_counts_failures(tmp_path: Path) -> None:
    from rewardlab.evaluate.runs.pairs import PreferencePair

    q = [{"role": "user", "content": "q"}]
    pairs = [PreferencePair("1", q, "Good answer", "Bad"), PreferencePair("2", q, "FAIL", "x")]
    result, _ = evaluate_robustness(resolve("ev_flaky"), pairs, RobustnessOptions(transforms=("lowercase",)))
    low = result["metrics"]["transforms"]["lowercase"]
    # pair 2's chosen "FAIL" fails before; lowercased ("fail") it would score: still left out, counted
    assert low["pairs_changed"] == 2 and low["n"] == 1 and low["pairs_unscored"] == 1
    assert result["failures"]["failed"] == 1
    with pytest.raises(ValueError, match="unknown transform"):
        evaluate_robustness(resolve("ev_flaky"), pairs, RobustnessOptions(transforms=("nope",)))


def test_robustness_of_a_pairwise_reward(shared_data: Path) -> None:
    pairs = load_preferences(shared_data / "hh_harmless_dev.jsonl.gz", limit=60).pairs
    opts = RobustnessOptions(transforms=("lowercase", "correct_injection_rejected"), batch_size=256)
    result, rows = evaluate_robustness(resolve("ev_pairwise_len"), pairs, opts)
    t = result["metrics"]["transforms"]
    assert result["metrics"]["mode"] == "pairwise"
    assert result["failures"]["status_counts"]["ok"] == 60 + 60 + 60  # one judgement per pair and rewrite
    assert t["lowercase"]["consistency"] == 1.0
    assert t["correct_injection_rejected"]["flipped_to_wrong"] > 0
    assert all(len(r["status_after"]) == 1 for r in rows)
