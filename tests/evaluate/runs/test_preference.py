"""Preference runs: a failing reward is counted, not zero; policy defaults are still failures; real
HH-RLHF pairs; a pairwise reward judges each pair once (the metrics: tests/evaluate/metrics/test_preference.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rewardlab.core.spec import resolve
from rewardlab.evaluate.runs.pairs import load_preferences
from rewardlab.evaluate.runs.prefs import PrefsOptions, evaluate_preferences


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_failing_reward_is_counted_not_zero(tmp_path: Path) -> None:
    rows = [
        {"id": "1", "prompt": "q", "chosen": "longer answer", "rejected": "short"},
        {"id": "2", "prompt": "q", "chosen": "FAIL here", "rejected": "x"},  # the chosen cannot be scored
        {"id": "3", "prompt": "q", "chosen": "a", "rejected": "bbbb"},
        "not a row",
        {"id": "5", "prompt": "q", "chosen": 3, "rejected": "x"},
    ]
    path = tmp_path / "p.jsonl"
    path.write_text("".join((json.dumps(r) if isinstance(r, dict) else r) + "\n" for r in rows))
    data = load_preferences(path)
    assert len(data.pairs) == 3 and len(data.skipped) == 2
    assert data.skipped[0].startswith(f"{path}:4:") and "field 'chosen'" in data.skipped[1]
    result, out = evaluate_preferences(resolve("ev_flaky"), data, PrefsOptions(n_boot=20))
    acc = result["metrics"]["accuracy"]
    assert acc["n"] == 2 and acc["unscored"] == 1 and acc["accuracy"] == 0.5
    assert result["failures"]["failed"] == 1 and result["headline"]["failed_samples"] == 1
    assert "cannot score" in result["failures"]["top_errors"][0]["error"]
    failed_row = out[1]
    assert failed_row["outcome"] == "unscored" and failed_row["chosen_status"] == "error"
    assert failed_row["chosen_score"] is None and "cannot score" in failed_row["chosen_error"]


def test_on_error_default_scores_are_still_failures(tmp_path: Path) -> None:
    """A reward with on_error=default=0 returns 0.0 for a failure; the evaluation still leaves it out."""
    path = _write(tmp_path / "p.jsonl", [{"prompt": "q", "chosen": "FAIL", "rejected": "x"}])
    data = load_preferences(path)
    spec = resolve("ev_flaky", params={"on_error": "default=0"})
    result, _ = evaluate_preferences(spec, data, PrefsOptions(n_boot=5))
    assert result["metrics"]["accuracy"]["n"] == 0 and result["failures"]["failed"] == 1


def test_real_hh_pairs_with_a_length_reward(shared_data: Path) -> None:
    data = load_preferences(shared_data / "hh_harmless_dev.jsonl.gz")
    assert len(data.pairs) == 400 and not data.skipped
    result, rows = evaluate_preferences(resolve("ev_chars"), data, PrefsOptions(n_boot=200))
    h = result["headline"]
    # "longer is better" as a reward is exactly the longer-wins baseline on the same pairs
    assert h["accuracy"] == h["longer_wins"]
    assert h["pairs"] == 400 and h["failed_samples"] == 0
    assert 0.3 < h["accuracy"] < 0.7
    split = result["metrics"]["length"]["reward_by_length"]
    assert split["chosen_longer"]["accuracy"] == 1.0 and split["chosen_shorter"]["accuracy"] == 0.0
    assert result["metrics"]["length"]["score_length_spearman"]["spearman"] == pytest.approx(1.0)
    assert len(rows) == 400 and rows[0]["chosen_chars"] == rows[0]["chosen_score"]


def test_pairwise_reward_judges_each_pair_once(tmp_path: Path) -> None:
    rows = [
        {"id": "1", "prompt": "q", "chosen": "long answer", "rejected": "short"},
        {"id": "2", "prompt": "q", "chosen": "same", "rejected": "four"},  # a tie: P = 1/2
        {"id": "3", "prompt": "q", "chosen": "a", "rejected": "bbbb"},
        {"id": "r", "prompt": "q", "chosen": ["x"], "rejected": ["y", "z", "w"]},  # ranked: not for pairwise
    ]
    data = load_preferences(_write(tmp_path / "p.jsonl", rows))
    result, out = evaluate_preferences(resolve("ev_pairwise_len"), data, PrefsOptions(n_boot=20))
    m = result["metrics"]
    assert m["mode"] == "pairwise" and m["pairwise_field"] == "baseline"
    # RewardBench's generative-judge scripts count a tie as half a win
    assert m["accuracy"]["accuracy"] == pytest.approx(0.5) and m["accuracy"]["ties"] == 1
    assert m["accuracy"]["tie_value"] == 0.5 and "half" in m["tie_rule"]
    assert m["length"]["longer_wins"]["accuracy"] == pytest.approx(0.5)  # same tie rule for the baselines
    assert m["ranked_items_not_evaluated"] == 1 and "rewardbench_v2" not in m
    assert [r["chosen_score"] for r in out] == [1.0, 0.5, 0.0]
    assert [r["rejected_score"] for r in out] == [0.0, 0.5, 1.0]
    assert result["failures"]["status_counts"]["ok"] == 3  # one judgement per pair
    # a pointwise reward on the same data scores both sides (and the ranked item)
    pointwise, _ = evaluate_preferences(resolve("ev_chars"), data, PrefsOptions(n_boot=20))
    assert pointwise["metrics"]["mode"] == "pointwise" and pointwise["failures"]["status_counts"]["ok"] == 10
