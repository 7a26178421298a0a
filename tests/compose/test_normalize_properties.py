"""Property-based tests of every normalization: group means ~0, RLOO excludes the sample itself,
no NaN/inf for finite input, order independence, singleton groups, zero variance, NaN inputs."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from rewardlab.compose import (
    GroupNorm,
    RunningMeanStd,
    group_center,
    group_rank,
    group_winrate,
    group_zscore,
    rloo,
    whiten,
)
from rewardlab.core import spec_from_dict

from ..rewards import field_reward

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


@st.composite
def grouped(draw, allow_nan: bool = False):  # type: ignore[no-untyped-def]
    n = draw(st.integers(min_value=1, max_value=40))
    values = draw(st.lists(finite, min_size=n, max_size=n))
    groups = draw(st.lists(st.integers(min_value=0, max_value=5), min_size=n, max_size=n))
    x = np.array(values, dtype=float)
    if allow_nan:
        mask = draw(st.lists(st.booleans(), min_size=n, max_size=n))
        x[np.array(mask)] = np.nan
    return x, np.array(groups)


ALL = [group_zscore, group_center, rloo, group_rank, group_winrate]


@settings(max_examples=200, deadline=None)
@given(grouped())
def test_finite_in_finite_out(data) -> None:  # type: ignore[no-untyped-def]
    x, g = data
    for fn in ALL:
        assert np.all(np.isfinite(fn(x, g))), fn.__name__
    assert np.all(np.isfinite(whiten(x)))


@settings(max_examples=200, deadline=None)
@given(grouped())
def test_group_means_are_zero_after_zscore_center_and_rloo(data) -> None:  # type: ignore[no-untyped-def]
    x, g = data
    for fn in (group_zscore, group_center, rloo):
        out = fn(x, g)
        for gid in np.unique(g):
            vals = out[g == gid]
            scale = max(1.0, float(np.max(np.abs(x[g == gid]))))
            assert abs(float(np.mean(vals))) <= 1e-9 * scale * len(vals), fn.__name__


@settings(max_examples=200, deadline=None)
@given(grouped())
def test_rloo_baseline_excludes_the_sample_itself(data) -> None:  # type: ignore[no-untyped-def]
    x, g = data
    out = rloo(x, g)
    for i in range(len(x)):
        others = [x[j] for j in range(len(x)) if g[j] == g[i] and j != i]
        expected = 0.0 if not others else x[i] - math.fsum(others) / len(others)
        assert out[i] == pytest.approx(expected, rel=1e-9, abs=1e-6)


@settings(max_examples=150, deadline=None)
@given(grouped(), st.randoms(use_true_random=False))
def test_order_independence(data, rnd) -> None:  # type: ignore[no-untyped-def]
    x, g = data
    perm = list(range(len(x)))
    rnd.shuffle(perm)
    perm = np.array(perm)
    for fn in ALL:
        a = fn(x, g)[perm]
        b = fn(x[perm], g[perm])
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9, err_msg=fn.__name__)


@settings(max_examples=150, deadline=None)
@given(grouped())
def test_zscore_has_unit_std_unless_zero_variance(data) -> None:  # type: ignore[no-untyped-def]
    x, g = data
    out = group_zscore(x, g, eps=0.0)
    for gid in np.unique(g):
        vals, raw = out[g == gid], x[g == gid]
        if len(raw) < 2 or np.all(raw == raw[0]):
            assert np.all(vals == 0.0)
        elif np.std(raw, ddof=1) > 1e-6 * max(1.0, float(np.max(np.abs(raw)))):
            assert float(np.std(vals, ddof=1)) == pytest.approx(1.0, rel=1e-6)


@settings(max_examples=150, deadline=None)
@given(grouped())
def test_rank_and_winrate_bounds(data) -> None:  # type: ignore[no-untyped-def]
    x, g = data
    for fn in (group_rank, group_winrate):
        out = fn(x, g)
        assert np.all((out >= 0) & (out <= 1))


@settings(max_examples=150, deadline=None)
@given(grouped(allow_nan=True))
def test_nan_inputs_stay_missing_and_do_not_leak(data) -> None:  # type: ignore[no-untyped-def]
    x, g = data
    for fn in ALL:
        out = fn(x, g)
        assert np.array_equal(np.isnan(out), np.isnan(x)), fn.__name__
        keep = ~np.isnan(x)
        if keep.any():
            np.testing.assert_allclose(out[keep], fn(x[keep], g[keep]), rtol=1e-12, atol=1e-12)


def test_singleton_groups_and_uneven_groups() -> None:
    x = np.array([3.0, 1.0, 2.0, 5.0])
    g = np.array([0, 1, 1, 2])
    assert group_zscore(x, g)[[0, 3]].tolist() == [0.0, 0.0]
    assert group_zscore(x, g, singleton="raw")[[0, 3]].tolist() == [3.0, 5.0]
    assert rloo(x, g).tolist() == [0.0, -1.0, 1.0, 0.0]
    assert group_rank(x, g).tolist() == [0.5, 0.0, 1.0, 0.5]
    assert group_winrate(np.array([1.0, 1.0, 2.0]), np.array([0, 0, 0])).tolist() == [0.25, 0.25, 1.0]


def test_underflowing_spread_with_eps_zero_gives_finite_zero() -> None:
    x = np.array([5e-324, 0.0])
    assert group_zscore(x, eps=0.0).tolist() == [0.0, 0.0]


def test_zero_variance_group_is_exactly_zero() -> None:
    x = np.array([0.7, 0.7, 0.7, 1.0, 0.0])
    g = np.array([0, 0, 0, 1, 1])
    assert group_zscore(x, g)[:3].tolist() == [0.0, 0.0, 0.0]
    assert whiten(np.array([2.0, 2.0])).tolist() == [0.0, 0.0]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(finite, min_size=0, max_size=30), min_size=1, max_size=10), st.floats(-1e9, 1e9))
def test_running_mean_std_matches_numpy_even_with_offsets(chunks, offset) -> None:  # type: ignore[no-untyped-def]
    rms = RunningMeanStd()
    allv: list[float] = []
    for chunk in chunks:
        values = [v + offset for v in chunk]
        rms.update(values)
        allv.extend(values)
    assume(allv)
    arr = np.array(allv)
    assert rms.count == len(arr)
    assert rms.mean == pytest.approx(float(np.mean(arr)), rel=1e-9, abs=1e-6)
    assert rms.var == pytest.approx(float(np.var(arr)), rel=1e-6, abs=1e-3)


def test_running_mean_std_ignores_nan() -> None:
    rms = RunningMeanStd()
    rms.update([1.0, float("nan"), 3.0])
    assert rms.count == 2 and rms.mean == 2.0


# ---- as reward nodes: normalize-then-sum vs sum-then-normalize ---------------------------------------
def batch() -> list[dict]:
    return [
        {"prompt": "p1", "a": 1.0, "b": 10.0},
        {"prompt": "p1", "a": 0.0, "b": 30.0},
        {"prompt": "p1", "a": 1.0, "b": 20.0},
        {"prompt": "p2", "a": 0.0, "b": 5.0},
    ]


def test_sum_then_normalize_vs_normalize_then_sum() -> None:
    sum_then = spec_from_dict(
        {
            "reward": {
                "type": "group_norm",
                "child": {
                    "type": "sum",
                    "children": [
                        {"type": "t_field", "name": "a", "field": "a"},
                        {"type": "t_field", "name": "b", "field": "b"},
                    ],
                },
            }
        }
    )
    norm_then = spec_from_dict(
        {
            "reward": {
                "type": "sum",
                "children": [
                    {"type": "group_norm", "child": {"type": "t_field", "name": "a", "field": "a"}},
                    {"type": "group_norm", "child": {"type": "t_field", "name": "b", "field": "b"}},
                ],
            }
        }
    )
    s1 = sum_then.reward.scores(batch())
    s2 = norm_then.reward.scores(batch())
    # sum-then-normalize is dominated by the large-scale reward b; normalize-then-sum weighs both
    za = group_zscore(np.array([1.0, 0.0, 1.0]))
    zb = group_zscore(np.array([10.0, 30.0, 20.0]))
    assert s2[:3] == pytest.approx((za + zb).tolist())
    assert s1[:3] == pytest.approx(group_zscore(np.array([11.0, 30.0, 21.0])).tolist())
    # the singleton group (p2) has no baseline: refused with the reason, never a silent 0.0
    r1, r2 = sum_then.score_batch(batch())[3], norm_then.score_batch(batch())[3]
    assert s1[3] is None and s2[3] is None
    assert r1.status.value == "error" and r1.info["reason"] == "group_of_one"
    assert r2.status.value == "error" and "failed: group_norm" in r2.error  # the sum says which child failed


def test_group_norm_node_uses_group_key_context_and_reports_stats() -> None:
    from rewardlab.core import ScoreContext

    node = GroupNorm(child=field_reward("v"), method="zscore")
    samples = [{"qid": 1, "value": 1}, {"qid": 1, "value": 0}, {"qid": 2, "value": 1}]
    results = node.score_batch(samples, ScoreContext(group_key="qid"))
    assert results[2].score is None and results[2].info["reason"] == "group_of_one"
    assert "'qid'" in results[2].error and "no baseline" in results[2].error
    neutral = GroupNorm(child=field_reward("v"), singleton="zero").score_batch(samples, ScoreContext(group_key="qid"))
    assert neutral[2].score == 0.0 and "singleton" in neutral[2].info["note"]
    assert results[0].info["group_size"] == 2 and results[0].info["raw_score"] == 1.0
    zero = node.score_batch([{"prompt": "p", "value": 1}, {"prompt": "p", "value": 1}])
    assert [r.score for r in zero] == [0.0, 0.0] and "zero variance" in zero[0].info["note"]


def test_group_norm_keeps_failed_samples_out_of_the_statistics() -> None:
    node = GroupNorm(child=field_reward("v"), method="rloo")
    results = node.score_batch([{"prompt": "p", "value": v} for v in (1, "boom", 0)] + [{"prompt": "p"}])
    assert [r.status.value for r in results] == ["ok", "error", "ok", "not_applicable"]
    assert [results[0].score, results[2].score] == [1.0, -1.0]


def test_samples_without_a_group_key_are_refused_not_zeroed() -> None:
    node = GroupNorm(child=field_reward("v"), group_key="qid")
    results = node.score_batch([{"qid": 1, "value": 1}, {"value": 5}, {"qid": 1, "value": 0}])
    assert results[0].score == pytest.approx(0.5**0.5, abs=1e-4) and results[1].score is None
    assert results[1].status.value == "error" and results[1].info["reason"] == "missing_group_key"
    assert "no 'qid' field" in results[1].error
    assert GroupNorm(child=field_reward("v"), group_key="qid", singleton="zero").scores([{"value": 5}]) == [0.0]


def test_running_norm_pickles_its_state() -> None:
    import pickle

    from rewardlab.compose import RunningNorm

    node = RunningNorm(child=field_reward("v"))
    node.scores([{"value": v} for v in (1, 2, 3)])
    again = pickle.loads(pickle.dumps(node))
    assert again.state() == node.state() and again.state()["count"] == 3
