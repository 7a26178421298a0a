"""Agreement statistics: kappa and confusion by hand, rank correlations against scipy (the runs, on GSM8K
solutions: ``tests/evaluate/runs/test_agreement.py``)."""

from __future__ import annotations

import pytest
from scipy.stats import kendalltau, spearmanr

from rewardlab.evaluate.metrics.agreement import agreement, cohen_kappa


def test_kappa_and_confusion_hand_computed() -> None:
    a = [1, 1, 1, 1, 0, 0, 0, 0, 1, 0]
    b = [1, 1, 1, 0, 0, 0, 0, 1, 1, 0]
    out = agreement(a, b)
    # p_o = 8/10; p_a = p_b = .5 -> p_e = .5; kappa = (.8 - .5) / .5 = .6
    assert out["agreement"] == 0.8 and out["kappa"] == pytest.approx(0.6)
    assert out["confusion"] == {"a_pass_b_pass": 4, "a_pass_b_fail": 1, "a_fail_b_pass": 1, "a_fail_b_fail": 4}
    assert cohen_kappa([True, True], [True, True]) is None  # chance agreement 1: undefined
    assert cohen_kappa([True, False], [False, True]) == pytest.approx(-1.0)


def test_rank_correlations_match_scipy_and_unscored_are_left_out() -> None:
    a = [0.1, 0.4, 0.35, 0.8, None, 0.9, 0.2]
    b = [1.0, 3.0, 2.0, 5.0, 7.0, None, 0.0]
    out = agreement(a, b, threshold_a=0.3, threshold_b=2.5)
    xs, ys = [0.1, 0.4, 0.35, 0.8, 0.2], [1.0, 3.0, 2.0, 5.0, 0.0]
    assert out["n"] == 5 and out["unscored"] == 2
    assert out["spearman"] == pytest.approx(spearmanr(xs, ys).statistic)
    assert out["kendall"] == pytest.approx(kendalltau(xs, ys).statistic)
    assert out["pass_rate_a"] == 0.6 and out["pass_rate_b"] == 0.4
    constant = agreement([1.0, 1.0, 1.0], [0.0, 1.0, 0.5])
    assert constant["spearman"] is None and constant["kappa"] == 0.0  # one rater always passes: no skill
