"""Preference accuracy, ties, unscored pairs, bootstrap intervals, length baselines, calibration (the runs:
``tests/evaluate/runs/test_preference.py``)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rewardlab.evaluate.metrics.calibration import calibration
from rewardlab.evaluate.metrics.length_bias import length_baselines, length_split_accuracy
from rewardlab.evaluate.metrics.preference import preference_accuracy, subset_accuracies
from rewardlab.evaluate.metrics.stats import bootstrap_ci, mean_se


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
