"""The contract for the format/json_schema/choice/qa/sql/ifeval/toolcall verifiers: registered, documented,
picklable, rebuildable from their spec, usable in a composed spec, and batch-safe."""

from __future__ import annotations

import asyncio
import pickle

import pytest

from rewardlab.core.catalog import describe
from rewardlab.core.registry import get_reward_class
from rewardlab.core.spec import build_reward, spec_from_dict

SAMPLES = {
    "format": ({"template": "json"}, {"completion": '{"a": 1}'}),
    "json_schema": ({}, {"completion": '{"a": 1}', "schema": {"type": "object", "required": ["a"]}}),
    "choice": ({}, {"completion": "The answer is (B).", "answer": "B", "options": ["x", "y"]}),
    "qa": ({}, {"completion": "Paris", "answer": ["Paris", "Paris, France"]}),
    "sql": (
        {},
        {
            "completion": "SELECT a FROM t",
            "db": "CREATE TABLE t(a); INSERT INTO t VALUES (1);",
            "gold_sql": "SELECT a FROM t",
        },
    ),
    "ifeval": ({}, {"completion": "all lower case", "constraints": [{"type": "lowercase"}]}),
    "toolcall": (
        {"format_weight": 0, "correct_min": 0, "correct_max": 1},
        {"completion": '{"name": "f", "arguments": {"x": 1}}', "gold_calls": [{"name": "f", "arguments": {"x": 1}}]},
    ),
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_registered_documented_picklable_rebuildable(name: str) -> None:
    params, sample = SAMPLES[name]
    cls = get_reward_class(name)
    info = describe(cls)
    assert info.family == "verifier" and "completion" in info.reads
    assert info.summary and ">>>" in (cls.__doc__ or "")
    assert all(p.description for p in info.params), [p.name for p in info.params if not p.description]
    reward = build_reward({"type": name, **params})
    assert reward.score(sample).score == 1.0
    clone = pickle.loads(pickle.dumps(reward))
    assert clone.score(sample).score == 1.0
    rebuilt = build_reward(reward.to_spec())
    assert rebuilt.score(sample).score == 1.0 and rebuilt.to_spec() == reward.to_spec()


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_one_bad_sample_never_loses_the_others(name: str) -> None:
    params, sample = SAMPLES[name]
    reward = build_reward({"type": name, **params})
    results = reward.score_batch([sample, {"completion": "x"}, sample])
    assert results[0].score == results[2].score == 1.0
    if name == "format":  # needs no reference: "x" is simply not JSON
        assert results[1].score == 0.0
    else:  # no reference in the sample
        assert results[1].status.value == "not_applicable" and results[1].score is None
    assert asyncio.run(reward.ascore(sample)).score == 1.0


def test_components_flow_through_a_composed_spec() -> None:
    spec = spec_from_dict(
        {
            "reward": {
                "type": "weighted_sum",
                "children": [
                    {"type": "qa", "name": "answer"},
                    {"type": "ifeval", "name": "style"},
                ],
            }
        }
    )
    r = spec.score({"completion": "paris", "answer": "Paris", "constraints": [{"type": "lowercase"}]})
    assert r.components["answer"] == 1.0 and r.components["answer.em"] == 1.0
    assert r.components["style.lowercase"] == 1.0
