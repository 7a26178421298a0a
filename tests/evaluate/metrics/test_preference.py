"""Preference accuracy, ties, unscored pairs, bootstrap intervals, length baselines, calibration."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from rewardlab.core.spec import resolve
from rewardlab.evaluate.metrics.calibration import calibration
from rewardlab.evaluate.metrics.length_bias import length_baselines, length_split_accuracy
from rewardlab.evaluate.metrics.preference import preference_accuracy, subset_accuracies
from rewardlab.evaluate.metrics.stats import bootstrap_ci, mean_se
from rewardlab.evaluate.runs.pairs import load_preferences
from rewardlab.evaluate.runs.prefs import PrefsOptions, evaluate_preferences


def test_accuracy_counts_ties_as_misses_and_leaves_unscored_out() -> None:
    acc = preference_accuracy([3, 1, 2, None, 5], [1, 1, 4, 0, None], n_boot=200)
    assert acc["n"] == 3 and acc["unscored"] == 2
    assert (acc["wins"], acc["ties"], acc["losses"]) == (1, 1, 1)
    assert acc["accuracy"] == pytest.approx(1 / 3)
    assert acc["accuracy_ties_half"] == pytest.approx(0.5)
    assert acc["ci_low"] <= acc["accuracy"] <= acc["ci_high"]
    empty = preference_accuracy([None], [1.0])
    assert empty["accuracy"] is None and empty["n"] == 0


def test_bootstrap_interval_covers_and_shrinks() -> None:
    rng = np.random.default_rng(0)
    small = (rng.random(50) < 0.7).astype(float)
    large = (rng.random(5000) < 0.7).astype(float)
    lo_s, hi_s = bootstrap_ci(small, seed=1)
    lo_l, hi_l = bootstrap_ci(large, seed=1)
    assert lo_s < small.mean() < hi_s and lo_l < large.mean() < hi_l
    assert hi_l - lo_l < (hi_s - lo_s) / 5
    # the interval's half-width is close to 1.96 standard errors
    _, se = mean_se(large)
    assert (hi_l - lo_l) / 2 == pytest.approx(1.96 * se, rel=0.15)
    assert bootstrap_ci(small, seed=1) == (lo_s, hi_s)  # reproducible


def test_subset_accuracies() -> None:
    out = subset_accuracies([1, 0, 1, 1], [0, 1, 0, 0], ["a", "a", "b", None], n_boot=10)
    assert out["a"]["accuracy"] == 0.5 and out["b"]["accuracy"] == 1.0 and out["(none)"]["n"] == 1


def test_length_baselines_and_split() -> None:
    chosen = ["long answer", "a", "same", "xxxxxx"]
    rejected = ["short", "longer one", "four", "yy"]
    b = length_baselines(chosen, rejected, n_boot=10)
    assert b["longer_wins"]["accuracy"] == 0.5 and b["shorter_wins"]["accuracy"] == 0.25
    assert b["equal_length"] == 1
    # a reward that scores length is right exactly where the chosen answer is longer
    scores_c = [float(len(t)) for t in chosen]
    scores_r = [float(len(t)) for t in rejected]
    split = length_split_accuracy(scores_c, scores_r, chosen, rejected, n_boot=10)
    assert split["chosen_longer"]["accuracy"] == 1.0 and split["chosen_shorter"]["accuracy"] == 0.0


def test_calibration_hand_computed() -> None:
    # margins 3, -3, 1, 0 -> p = .9526, .0474, .7311, .5; confidences .9526, .9526, .7311, .5
    cal = calibration([3.0, 0.0, 1.0, 2.0], [0.0, 3.0, 0.0, 2.0], n_bins=5)
    sig = 1 / (1 + math.exp(-3))
    sig1 = 1 / (1 + math.exp(-1))
    expected = 0.25 * abs(0.5 - 0.5) + 0.25 * abs(1 - sig1) + 0.5 * abs(0.5 - sig)
    assert cal["ece"] == pytest.approx(expected)
    assert [b["count"] for b in cal["bins"]] == [1, 0, 1, 0, 2]
    assert cal["brier"] == pytest.approx(np.mean([(1 - sig) ** 2, sig**2, (1 - sig1) ** 2, 0.25]))
    assert cal["log_loss"] == pytest.approx(np.mean([-math.log(sig), -math.log(1 - sig), -math.log(sig1), math.log(2)]))
    # a perfectly calibrated reward: p = .8 for every pair and 80% of them right
    c = [math.log(4.0)] * 8 + [0.0] * 2
    r = [0.0] * 8 + [math.log(4.0)] * 2
    assert calibration(c, r)["ece"] == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError, match="scale"):
        calibration([1.0], [0.0], scale=0)


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
