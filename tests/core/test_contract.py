"""The reward contract: samples, results, the base class, error policies and stats."""

from __future__ import annotations

import asyncio
import json
import math
import pickle
import threading

import pytest
from pydantic import ValidationError

from rewardlab.core import (
    ErrorPolicy,
    RewardFailed,
    RewardResult,
    Sample,
    ScoreContext,
    Status,
)

from ..rewards import BatchFail, FieldValue, field_reward


# ---- samples --------------------------------------------------------------------------------
def test_sample_keeps_unknown_fields_and_round_trips() -> None:
    row = {
        "prompt": [{"role": "user", "content": "q"}],
        "completion": "c",
        "answer": "a",
        "tests": ["x"],
        "meta": {"k": 1},
    }
    s = Sample.model_validate(row)
    assert s.get("answer") == "a" and s.get("meta") == {"k": 1}
    assert s.to_json_dict() == row
    assert s.prompt_text == "q" and s.completion_text == "c"


def test_sample_conversation_completion_and_missing_fields() -> None:
    s = Sample(
        prompt="hi",
        completion=[
            {"role": "assistant", "content": "one"},
            {"role": "tool", "content": "x"},
            {"role": "assistant", "content": "two"},
        ],
    )
    assert s.completion_text == "two"
    assert s.get("nothing", 3) == 3 and not s.has("nothing")
    assert Sample().completion_text == "" and Sample().prompt_text == ""


def test_sample_rejects_wrong_types_with_field_path() -> None:
    with pytest.raises(ValidationError) as exc:
        Sample.model_validate({"prompt": 5})
    assert exc.value.errors()[0]["loc"][0] == "prompt"


# ---- results --------------------------------------------------------------------------------
def test_result_json_round_trip() -> None:
    r = RewardResult.ok(0.25, components={"a": 1.0, "b": None}, info={"extracted": "x"}, latency_ms=1.5)
    again = RewardResult.model_validate(json.loads(r.model_dump_json()))
    assert again == r and again.status is Status.OK


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"score": None, "status": "ok"}, "must have a score"),
        ({"score": 1.0, "status": "not_applicable"}, "cannot have a score"),
        ({"score": None, "status": "error"}, "must say what went wrong"),
        ({"score": math.nan}, "finite"),
        ({"score": math.inf}, "finite"),
    ],
)
def test_result_invariants(kwargs: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        RewardResult(**kwargs)


# ---- the base class ---------------------------------------------------------------------------
def test_one_failure_never_loses_the_others() -> None:
    r = field_reward("v")
    results = r.score_batch([{"value": 1}, {"value": "boom"}, {}, {"value": 0.5}, {"value": "hang"}, {"value": "nan"}])
    assert [x.status.value for x in results] == ["ok", "error", "not_applicable", "ok", "timeout", "error"]
    assert [x.score for x in results] == [1.0, None, None, 0.5, None, None]
    assert results[1].error == "ValueError: boom happened"
    assert "non-finite" in results[5].error
    assert all(x.components == {"v": x.score} for x in results)
    assert all(x.latency_ms >= 0 for x in results)


def test_a_malformed_sample_fails_alone_naming_its_field() -> None:
    from rewardlab import load_spec

    rows = [{"value": 1}, {"value": 2, "prompt": 3}, {"value": 0.5, "answer": "\ud800"}, {"value": 0.25}]
    r = field_reward("v")
    results = r.score_batch(rows)
    assert [x.status.value for x in results] == ["ok", "error", "error", "ok"]
    assert [x.score for x in results] == [1.0, None, None, 0.25]
    assert results[1].error.startswith("InvalidSample: field 'prompt': expected a string or a list of chat messages")
    assert "field 'answer': lone surrogate U+D800" in results[2].error
    assert {x.info.get("reason") for x in results[1:3]} == {"invalid_sample"}
    assert r.stats.failures == 2
    # a composed spec and the async path behave the same; a batch of only bad samples is still answered
    spec = load_spec({"reward": {"type": "weighted_sum", "children": [{"type": "length", "unit": "chars"}]}})
    assert [x.status.value for x in spec.score_batch([{"completion": "ab"}, {"completion": 5}])] == ["ok", "error"]
    assert [x.status.value for x in asyncio.run(r.ascore_batch(rows))] == ["ok", "error", "error", "ok"]
    assert [x.status.value for x in r.score_batch([{"prompt": 3}])] == ["error"]
    with pytest.raises(RewardFailed) as exc:
        field_reward("v", on_error="raise").score_batch(rows)
    assert exc.value.index == 1 and [x.score for x in exc.value.results] == [1.0, None, None, 0.25]


def test_policy_raise_carries_every_result() -> None:
    r = field_reward("v", on_error="raise")
    with pytest.raises(RewardFailed) as exc:
        r.score_batch([{"value": 1}, {"value": "boom"}, {"value": 2}])
    assert exc.value.index == 1
    assert [x.score for x in exc.value.results] == [1.0, None, 2.0]
    assert "reward 'v' failed on sample 1" in str(exc.value)


def test_policy_default_is_visible_and_counted() -> None:
    r = field_reward("v", on_error="default=-1")
    _, b = r.score_batch([{"value": 1}, {"value": "boom"}])
    assert b.score == -1.0 and b.status is Status.ERROR and b.defaulted and b.components == {"v": -1.0}
    assert r.stats.snapshot()["defaulted"] == 1
    assert r.stats.failures == 1


def test_policy_skip_is_the_default_and_never_zero() -> None:
    r = field_reward("v")
    assert r.on_error.mode == "skip"
    assert r.score({"value": "boom"}).score is None


@pytest.mark.parametrize("text", ["default", "default=x", "ignore", True])
def test_policy_parse_errors(text: object) -> None:
    with pytest.raises(ValidationError):
        ErrorPolicy.parse(text)


def test_whole_batch_failure_reports_on_every_sample() -> None:
    results = BatchFail(name="m").score_batch([{}, {}])
    assert [r.status for r in results] == [Status.ERROR, Status.ERROR]
    assert all("RuntimeError: model crashed" in r.error for r in results)


def test_stats_count_by_status() -> None:
    r = field_reward("v")
    r.score_batch([{"value": 1}, {"value": "boom"}, {}])
    snap = r.stats.snapshot()
    assert snap["by_status"] == {"ok": 1, "error": 1, "not_applicable": 1}
    assert snap["error_kinds"] == {"ValueError": 1}


def test_context_spec_hash_is_stamped() -> None:
    r = field_reward("v")
    assert r.score({"value": 1}, ScoreContext(spec_hash="abc")).spec_hash == "abc"


def test_async_scoring_matches_sync() -> None:
    r = field_reward("v")
    samples = [{"value": i} for i in range(5)]

    async def go() -> list[float | None]:
        results = await asyncio.gather(r.ascore_batch(samples), r.ascore(samples[2]))
        return [x.score for x in results[0]] + [results[1].score]

    assert asyncio.run(go()) == [0.0, 1.0, 2.0, 3.0, 4.0, 2.0]


def test_threads_get_the_same_answers() -> None:
    r = field_reward("v")
    samples = [{"value": i % 7} for i in range(200)]
    expected = r.scores(samples)
    out: list[list[float | None]] = []

    def work() -> None:
        out.append(r.scores(samples))

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(o == expected for o in out)


def test_rewards_pickle_with_params_and_stats() -> None:
    r = field_reward("v", on_error="default=0.5")
    r.score({"value": 1})
    again = pickle.loads(pickle.dumps(r))
    assert again.to_spec() == r.to_spec()
    assert again.score({"value": "boom"}).score == 0.5
    assert again.stats.total == 2


def test_an_unpickled_reward_gets_fresh_transient_state() -> None:
    # A transient private attribute made by a factory (a lock) is made anew after unpickling, so a
    # reward unpickled in a worker (multiprocessing, Ray) still scores.
    from rewardlab.compose import RunningNorm

    copy = pickle.loads(pickle.dumps(RunningNorm(child=field_reward("v"))))
    assert [round(s, 6) for s in copy.scores([{"value": 1.0}, {"value": 0.0}])] == [1.0, -1.0]


def test_params_are_frozen() -> None:
    r = field_reward("v")
    with pytest.raises(ValidationError):
        r.field = "other"  # type: ignore[misc]


def test_to_spec_rebuilds_the_same_reward() -> None:
    from rewardlab.core import build_reward

    r = FieldValue(name="x", field="f", weight=2.0, on_error="default=1")
    assert build_reward(r.to_spec()).to_spec() == r.to_spec()
    assert r.to_spec(minimal=True) == {
        "type": "t_field",
        "name": "x",
        "field": "f",
        "weight": 2.0,
        "on_error": "default=1",
    }
