"""Batch-dependent rewards refuse to guess: a group of one, a batch of one or a running statistic
with nothing to compare against gives status error with the reason, a logged warning and a
count, never 0.0 with status ok (issue 11). Also the tree questions adapters ask (introspect)."""

from __future__ import annotations

import logging

import pytest

from rewardlab.compose import BatchNorm, GroupNorm, RunningNorm
from rewardlab.compose.introspect import fields_read, normalizing_nodes, reference_fields, spec_component
from rewardlab.core.errors import SpecError
from rewardlab.core.spec import load_spec, spec_from_dict
from rewardlab.core.summary import ResultSummary
from rewardlab.resources import example_path

from ..rewards import field_reward


def test_one_sample_at_a_time_is_refused_with_the_reason(caplog: pytest.LogCaptureFixture) -> None:
    node = GroupNorm(child=field_reward("v"), name="adv")
    with caplog.at_level(logging.WARNING, logger="rewardlab.compose"):
        r = node.score({"prompt": "p", "value": 1})
    assert r.score is None and r.status.value == "error" and r.info["reason"] == "batch_of_one"
    assert "scored alone" in r.error and "component=NAME" in r.error
    assert r.components["adv"] is None and r.components["v"] == 1.0  # the raw score is still logged
    assert any("1 of 1 samples got no score (batch_of_one 1)" in m for m in caplog.messages)


def test_the_example_spec_without_its_group_key_counts_every_refusal() -> None:
    spec = load_spec(example_path("math_grpo.yaml"))
    batch = [
        {"prompt": "2+2?", "completion": "<think>add</think><answer>4</answer>", "answer": "4"},
        {"prompt": "2+2?", "completion": "<think>add</think><answer>5</answer>", "answer": "4"},
    ]
    results = spec.score_batch(batch)  # the spec groups by 'prompt_id', which these samples lack
    assert [r.status.value for r in results] == ["error", "error"]
    assert {r.info["reason"] for r in results} == {"missing_group_key"}
    assert "no 'prompt_id' field" in (results[0].error or "")
    assert [r.components["total"] for r in results] == [1.0, 0.0]  # the raw total is there to log
    summary = ResultSummary()
    summary.add(results)
    assert summary.failures == 2 and summary.reasons == {"error: missing_group_key": 2}
    assert list(summary.errors.values()) == [2]
    # grouped by the prompt instead, the same two answers get opposite advantages
    grouped = spec.score_batch(batch, group_key="prompt")
    assert [r.status.value for r in grouped] == ["ok", "ok"] and grouped[0].score > 0 > grouped[1].score


def test_batch_norm_refuses_a_batch_of_one_and_accepts_it_when_asked() -> None:
    r = BatchNorm(child=field_reward("v")).score({"value": 3})
    assert r.score is None and r.info["reason"] == "batch_of_one"
    assert BatchNorm(child=field_reward("v"), singleton="zero").scores([{"value": 3}]) == [0.0]
    assert BatchNorm(child=field_reward("v")).scores([{"value": 3}, {"value": 1}]) == pytest.approx([1.0, -1.0])


def test_running_norm_refuses_until_it_has_seen_a_spread() -> None:
    node = RunningNorm(child=field_reward("v"))
    first = node.score({"value": 3})
    assert first.score is None and first.info["reason"] == "warming_up"
    second = node.score({"value": 1})
    assert second.status.value == "ok" and second.score == pytest.approx(-1.0)
    assert RunningNorm(child=field_reward("v"), warmup=1).scores([{"value": 3}]) == [0.0]


def test_ranks_refuse_a_group_of_one_too() -> None:
    results = GroupNorm(child=field_reward("v"), method="rank").score_batch(
        [{"prompt": "a", "value": 1}, {"prompt": "a", "value": 2}, {"prompt": "b", "value": 0}]
    )
    assert [r.score for r in results[:2]] == [0.0, 1.0] and results[2].info["reason"] == "group_of_one"


def test_component_selects_a_named_node_and_lists_the_choices() -> None:
    spec = load_spec(example_path("math_grpo.yaml"))
    total = spec_component(spec, "total")
    assert normalizing_nodes(total.reward) == [] and [n.label for n in normalizing_nodes(spec.reward)] == ["advantage"]
    assert "advantage" not in total.component_names and "accuracy" in total.component_names
    one = total.score({"prompt": "q", "completion": "<think>a</think><answer>4</answer>", "answer": "4"})
    assert one.status.value == "ok" and one.score == 1.0
    assert spec_component(spec, None) is spec and spec_component(spec, "advantage") is spec
    with pytest.raises(SpecError, match=r"no component named 'totl'.*allowed: .*total"):
        spec_component(spec, "totl")


def test_fields_read_follow_the_field_parameters() -> None:
    spec = load_spec(example_path("math_grpo.yaml"))
    assert fields_read(spec.reward, group_key=spec.group_key) == ["answer", "completion", "prompt", "prompt_id"]
    assert reference_fields(spec.reward) == ["answer"]
    custom = spec_from_dict({"reward": {"type": "group_norm", "child": {"type": "exact_match", "answer_field": "ref"}}})
    assert fields_read(custom.reward) == ["completion", "prompt", "ref"]
    assert reference_fields(custom.reward) == ["ref"]
