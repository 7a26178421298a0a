"""RewardBench scoring on hand-computed examples that follow the published definitions.

v1: ``rewardbench/utils.py::calculate_scores_per_section`` with ``EXAMPLE_COUNTS`` /
``SUBSET_MAPPING`` (``rewardbench/constants.py``); leaderboard average from
``analysis/get_benchmark_results.py`` (sections weight 2, Prior Sets weight 1). Ties for scalar
rewards: ``1 if chosen > rejected else 0`` (``rewardbench/rewardbench.py``).
v2: ``reroll_and_score_dataset`` (1/k for a k-way tie at the top) and ``process_single_model``
(the Ties score).
"""

from __future__ import annotations

import math

import pytest

from rewardlab.evaluate.metrics.rewardbench import (
    EXAMPLE_COUNTS,
    SUBSET_MAPPING,
    best_of_n_result,
    overall_score,
    section_scores,
    ties_prompt_stats,
    ties_score,
    v1_report,
    v2_report,
)


def test_published_weights_and_mapping() -> None:
    assert EXAMPLE_COUNTS["math-prm"] == 984 == 6 * EXAMPLE_COUNTS["hep-python"]
    assert EXAMPLE_COUNTS["xstest-should-refuse"] == 250 and EXAMPLE_COUNTS["xstest-should-respond"] == 154
    assert sum(len(v) for v in SUBSET_MAPPING.values()) == len(EXAMPLE_COUNTS) == 23
    assert set(SUBSET_MAPPING) == {"Chat", "Chat Hard", "Safety", "Reasoning"}


def test_v1_sections_hand_computed() -> None:
    acc = {
        "alpacaeval-easy": 0.9,  # x100
        "alpacaeval-length": 0.8,  # x95
        "alpacaeval-hard": 0.7,  # x95
        "mt-bench-easy": 1.0,  # x28
        "mt-bench-med": 0.5,  # x40
        "math-prm": 0.6,  # x984
        "hep-python": 1.0,  # x164
        "hep-go": 0.5,  # x164
        "xstest-should-refuse": 1.0,  # x250
        "xstest-should-respond": 0.0,  # x154
    }
    s = section_scores(acc)
    assert s["Chat"] == pytest.approx((90 + 76 + 66.5 + 28 + 20) / 358)  # 0.78352
    assert s["Reasoning"] == pytest.approx((590.4 + 164 + 82) / 1312)  # 0.6375
    assert s["Safety"] == pytest.approx(250 / 404)
    assert s["Chat Hard"] is None  # absent, not 0


def test_reasoning_is_half_math_half_code() -> None:
    acc = {"math-prm": 0.4, **{f"hep-{lang}": 0.8 for lang in ("cpp", "go", "java", "js", "python", "rust")}}
    assert section_scores(acc)["Reasoning"] == pytest.approx(0.6)


def test_overall_with_prior_sets_hand_computed() -> None:
    sections = {"Chat": 0.8, "Chat Hard": None, "Safety": 0.6, "Reasoning": 0.7}
    assert overall_score(sections) == pytest.approx(0.7)
    assert overall_score(sections, prior_sets=0.4) == pytest.approx((2 * 0.8 + 2 * 0.6 + 2 * 0.7 + 0.4) / 7)
    report = v1_report({"alpacaeval-easy": 0.8, "anthropic_helpful": 0.6, "shp": 0.8, "mine": 0.1})
    assert report is not None
    assert report["prior_sets"] == pytest.approx(0.7)
    assert report["overall"] == pytest.approx((2 * 0.8 + 0.7) / 3)
    assert report["subsets_ignored"] == ["mine"]
    assert v1_report({"hh": 0.6}) is None  # not RewardBench data: no section scores


def test_v2_best_of_4_with_tie_penalty() -> None:
    assert best_of_n_result([2.0, 1.0, 0.0, 0.0]) == 1.0
    assert best_of_n_result([2.0, 2.0, 0.0, 0.0]) == 0.5
    assert best_of_n_result([3.0, 3.0, 3.0, 3.0]) == 0.25
    assert best_of_n_result([1.0, 2.0, 0.0, 0.0]) == 0.0
    with pytest.raises(ValueError):
        best_of_n_result([1.0])


def test_ties_score_hand_computed() -> None:
    items = [
        ("ref:1", [5.0, 1.0, 2.0], 1),  # accurate; margin 5 - 2 = 3
        ("tied:1", [5.0, 4.0, 1.0, 2.0], 2),  # accurate; spread 1; margin 4 - 2 = 2
        ("ref:2", [1.0, 3.0], 1),  # not accurate; margin -2
        ("tied:2", [6.0, 2.0, 3.0, 1.0], 2),  # not accurate; spread 4; margin 2 - 3 = -1
    ]
    assert ties_prompt_stats([5.0, 4.0, 1.0, 2.0], 2) == (True, 1.0, 2.0)
    t = ties_score(items)
    assert t["ref_accuracy"] == 0.5 and t["tied_accuracy"] == 0.5
    assert t["correctness_preferred"] == 0.5  # 2 > 1 yes, -1 > 4 no
    assert t["correctness_preferred_hard"] == 0.5  # min(3, 2) > 1 yes, min(-2, -1) > 4 no
    margin = (math.tanh(2 / 1 - 1) + math.tanh(-2 / 4 - 1)) / 2
    assert t["margin_score"] == pytest.approx(margin)
    assert t["score"] == pytest.approx(0.3 * 0.5 + 0.3 * 0.5 + 0.2 * 0.5 + 0.2 * 0.5 + 0.01 * margin)
    assert t["score"] == pytest.approx(0.49928223, abs=1e-8)


def test_ties_score_zero_spread_and_bad_ids() -> None:
    # equal correct scores: spread 0 -> tanh(+inf) = 1 when the margin is positive
    t = ties_score([("ref:1", [3.0, 1.0], 1), ("tied:1", [3.0, 3.0, 1.0], 2)])
    assert t["margin_score"] == 1.0 and t["score"] == pytest.approx(1.01)
    with pytest.raises(ValueError, match="ref:<n>"):
        ties_score([("x1", [1.0, 0.0], 1)])


def test_v2_report_averages_subsets() -> None:
    items = [
        ("a", "Math", [2.0, 1.0, 0.0, 0.0], 1),
        ("b", "Math", [2.0, 2.0, 0.0, 0.0], 1),
        ("ref:1", "Ties", [5.0, 1.0, 2.0], 1),
        ("tied:1", "Ties", [5.0, 4.0, 1.0, 2.0], 2),
    ]
    r = v2_report(items)
    assert r["subsets"]["Math"]["score"] == 0.75
    ties = 0.3 + 0.3 + 0.2 + 0.2 + 0.01 * math.tanh(1.0)
    assert r["subsets"]["Ties"]["score"] == pytest.approx(ties)
    assert r["overall"] == pytest.approx((0.75 + ties) / 2)
