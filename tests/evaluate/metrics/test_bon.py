"""Best-of-N: the exact estimator against brute-force enumeration, the formula and its edge cases (the
published anchors and the runs: ``tests/evaluate/runs/test_bon.py``)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rewardlab.evaluate.metrics.bon import expected_best_of_n, kl_bon, pick_probabilities


def _brute_force(scores: list[float], gold: list[float], n: int, tie_break: str) -> float:
    """Average over every n-subset of the gold of its pick (ties: lowest index, or uniform over the tied)."""
    values = []
    for subset in itertools.combinations(range(len(scores)), n):
        top = max(scores[i] for i in subset)
        tied = [i for i in subset if scores[i] == top]
        if tie_break == "index":
            values.append(gold[min(tied)])
        else:
            values.append(sum(gold[i] for i in tied) / len(tied))
    return sum(values) / len(values)


@settings(max_examples=60, deadline=None)
@given(
    scores=st.lists(st.integers(0, 3), min_size=1, max_size=8),
    seed=st.integers(0, 10_000),
    tie_break=st.sampled_from(["index", "random"]),
    data=st.data(),
)
def test_exact_estimator_equals_enumeration(scores: list[int], seed: int, tie_break: str, data: st.DataObject) -> None:
    n = data.draw(st.integers(1, len(scores)))
    gold = np.random.default_rng(seed).random(len(scores)).tolist()
    s = [float(x) for x in scores]
    assert expected_best_of_n(s, gold, n, tie_break=tie_break) == pytest.approx(_brute_force(s, gold, n, tie_break))
    assert pick_probabilities(s, n, tie_break).sum() == pytest.approx(1.0)  # type: ignore[arg-type]


def test_formula_and_edge_cases() -> None:
    # distinct scores: the j-th from the bottom is picked with C(j-1, N-1) / C(K, N)
    probs = pick_probabilities([0.3, 0.1, 0.2, 0.9], 2)
    assert probs.tolist() == pytest.approx([2 / 6, 0.0, 1 / 6, 3 / 6])
    assert expected_best_of_n([1, 2, 3], [0.1, 0.2, 0.3], 1) == pytest.approx(0.2)  # N=1: the mean
    assert expected_best_of_n([1, 2, 3], [0.1, 0.2, 0.3], 3) == pytest.approx(0.3)  # N=K: the argmax
    # a constant reward with random tie-breaking is the random pick for every N
    assert expected_best_of_n([5, 5, 5], [0.0, 0.3, 0.9], 2, tie_break="random") == pytest.approx(0.4)
    assert kl_bon(1) == 0.0 and kl_bon(16) == pytest.approx(math.log(16) - 15 / 16)
    with pytest.raises(ValueError, match="n must be in"):
        pick_probabilities([1.0, 2.0], 3)
    with pytest.raises(ValueError, match="tie_break"):
        pick_probabilities([1.0, 2.0], 1, "first")  # type: ignore[arg-type]
