"""Judges behind an OpenAI-compatible endpoint: a real HTTP server on 127.0.0.1 that answers 429 / 500,
sleeps past the timeout, or sends garbage; retries, backoff, timeouts, concurrency and rate limits,
the response cache, logprob verdicts, and master-key probes that never reach the endpoint."""

from __future__ import annotations

import asyncio
import pickle
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rewardlab.core.spec import spec_from_dict
from rewardlab.models.judges import MASTER_KEY_PROBES, PairwiseJudge, PointwiseJudge, RubricJudge

from .fake_openai import FakeOpenAI

pytestmark = pytest.mark.integration

SAMPLE = {"prompt": "What is 2+2?", "completion": "2 + 2 = 4.", "answer": "4"}


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    fake = FakeOpenAI().start()
    yield fake
    fake.stop()


def backend(server: FakeOpenAI, tmp_path: Path, **over: Any) -> dict[str, Any]:
    config = {
        "kind": "openai",
        "base_url": server.base_url,
        "model": "judge-model",
        "api_key_env": "RL_TEST_JUDGE_KEY",
        "timeout_s": 5.0,
        "max_retries": 3,
        "backoff_s": 0.01,
        "cache_path": str(tmp_path / "responses.sqlite"),
    }
    config.update(over)
    return config


def test_pointwise_judge_over_http(server: FakeOpenAI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RL_TEST_JUDGE_KEY", "sk-test-123")
    judge = PointwiseJudge(backend=backend(server, tmp_path))
    result = judge.score(SAMPLE)
    assert result.status.value == "ok"
    assert result.score == pytest.approx((7 - 1) / 9)
    assert result.info["rating"] == 7.0 and result.info["raw"] == "Score: 7"
    sent = server.requests[0]
    assert sent["model"] == "judge-model" and sent["temperature"] == 0.0
    assert "[Reference answer]\n4" in sent["messages"][-1]["content"]
    assert server.headers[0]["authorization"] == "Bearer sk-test-123"


def test_retries_after_429_and_500_then_succeeds(server: FakeOpenAI, tmp_path: Path) -> None:
    server.script.extend([("status", 429, {"Retry-After": "0"}), ("status", 500), ("status", 503)])
    judge = PointwiseJudge(backend=backend(server, tmp_path, max_retries=3))
    result = judge.score(SAMPLE)
    assert result.status.value == "ok" and result.info["rating"] == 7.0
    assert len(server.requests) == 4
    assert judge.judge_backend.attempts_made == 4


def test_gives_up_after_the_retries_with_an_error(server: FakeOpenAI, tmp_path: Path) -> None:
    server.script.extend([("status", 500)] * 3)
    judge = PointwiseJudge(backend=backend(server, tmp_path, max_retries=2))
    result = judge.score(SAMPLE)
    assert result.status.value == "error" and result.score is None
    assert "failed after 3 attempts" in result.error and "HTTP 500" in result.error
    assert len(server.requests) == 3


def test_client_errors_are_not_retried(server: FakeOpenAI, tmp_path: Path) -> None:
    server.script.append(("status", 401))
    result = PointwiseJudge(backend=backend(server, tmp_path)).score(SAMPLE)
    assert result.status.value == "error" and "HTTP 401" in result.error
    assert len(server.requests) == 1


def test_timeouts_are_retried_then_reported_as_timeout(server: FakeOpenAI, tmp_path: Path) -> None:
    server.script.extend([("sleep", 1.0), ("sleep", 1.0)])
    judge = PointwiseJudge(backend=backend(server, tmp_path, timeout_s=0.2, max_retries=1))
    result = judge.score(SAMPLE)
    assert result.status.value == "timeout" and "timed out on all 2 attempts" in result.error
    # One slow answer, then a fast one: the retry succeeds.
    server.script.append(("sleep", 1.0))
    ok = PointwiseJudge(backend=backend(server, tmp_path, timeout_s=0.2, max_retries=1, cache=False)).score(SAMPLE)
    assert ok.status.value == "ok"


def test_garbage_and_unparseable_replies_are_errors_with_the_raw_text(server: FakeOpenAI, tmp_path: Path) -> None:
    server.script.append(("garbage",))
    first = PointwiseJudge(backend=backend(server, tmp_path, cache=False)).score(SAMPLE)
    assert first.status.value == "error" and "not JSON" in first.error
    server.script.append(("text", "This response is lovely."))
    second = PointwiseJudge(backend=backend(server, tmp_path, cache=False)).score(SAMPLE)
    assert second.status.value == "error" and second.score is None
    assert second.error.startswith("unparseable verdict") and second.info["raw"] == "This response is lovely."
    server.script.append(("text", "Score: 42"))
    third = PointwiseJudge(backend=backend(server, tmp_path, cache=False)).score(SAMPLE)
    assert third.status.value == "error" and "outside 1..10" in third.error


def test_one_failure_does_not_lose_the_batch(server: FakeOpenAI, tmp_path: Path) -> None:
    server.script.append(("status", 400))
    results = PointwiseJudge(backend=backend(server, tmp_path, concurrency=1)).score_batch([SAMPLE] * 3)
    assert [r.status.value for r in results].count("ok") == 2
    assert [r.status.value for r in results].count("error") == 1


def test_response_cache_answers_repeated_prompts(server: FakeOpenAI, tmp_path: Path) -> None:
    judge = PointwiseJudge(backend=backend(server, tmp_path))
    first = judge.score(SAMPLE)
    again = PointwiseJudge(backend=backend(server, tmp_path)).score(SAMPLE)  # a new judge, same cache file
    assert first.score == again.score and len(server.requests) == 1
    other_model = PointwiseJudge(backend=backend(server, tmp_path, model="another-model")).score(SAMPLE)
    assert other_model.status.value == "ok" and len(server.requests) == 2
    rows = sqlite3.connect(tmp_path / "responses.sqlite").execute("SELECT key, value FROM responses").fetchall()
    assert len(rows) == 2 and all("sk-" not in key + value for key, value in rows)


def test_concurrency_limit_bounds_requests_in_flight(server: FakeOpenAI, tmp_path: Path) -> None:
    server.delay = 0.15
    samples = [{**SAMPLE, "completion": f"2 + 2 = 4 ({i})"} for i in range(6)]
    results = PointwiseJudge(backend=backend(server, tmp_path, concurrency=2, cache=False)).score_batch(samples)
    assert all(r.is_ok for r in results)
    assert server.max_in_flight == 2


def test_rate_limit_spaces_request_starts(server: FakeOpenAI, tmp_path: Path) -> None:
    samples = [{**SAMPLE, "completion": f"2 + 2 = 4 ({i})"} for i in range(5)]
    judge = PointwiseJudge(backend=backend(server, tmp_path, rate_limit_per_s=20, concurrency=5, cache=False))
    assert all(r.is_ok for r in judge.score_batch(samples))
    starts = sorted(server.started)
    # 20 per second: the 5 starts span at least 4 x 50 ms (arrival jitter can only shave a little off).
    assert starts[-1] - starts[0] >= 0.15


def test_pairwise_logprobs_in_both_orders(server: FakeOpenAI, tmp_path: Path) -> None:
    def probs(payload: dict[str, Any]) -> dict[str, float]:
        good_first = "[Response A]\nThe answer is 4." in payload["messages"][-1]["content"]
        return {"A": -0.1, "B": -2.5} if good_first else {"A": -2.5, "B": -0.1}

    server.logprobs_for = probs
    judge = PairwiseJudge(verdict="logprobs", backend=backend(server, tmp_path))
    result = judge.score({"prompt": "What is 2+2?", "completion": "The answer is 4.", "baseline": "It is 5."})
    assert result.is_ok and result.score > 0.85
    assert [o["completion_is"] for o in result.info["orders"]] == ["A", "B"]
    assert result.info["position_consistent"] is True
    assert all(r["max_tokens"] == 1 and r["logprobs"] and r["top_logprobs"] == 20 for r in server.requests)


def test_position_bias_cancels_out(server: FakeOpenAI, tmp_path: Path) -> None:
    server.reply_for = lambda payload: "Verdict: A"  # a judge that always picks the first response
    judge = PairwiseJudge(backend=backend(server, tmp_path))
    result = judge.score({"prompt": "Hi", "completion": "Hello!", "baseline": "Hey."})
    assert result.score == 0.5 and result.info["position_consistent"] is False


def test_rubric_and_critique_over_http(server: FakeOpenAI, tmp_path: Path) -> None:
    server.reply_for = lambda payload: "Verdict: yes" if "polite" in payload["messages"][-1]["content"] else "no"
    rubric = RubricJudge(
        criteria=[{"text": "Is polite.", "weight": 3, "name": "polite"}, "Cites a source."],
        backend=backend(server, tmp_path),
    )
    result = rubric.score(SAMPLE)
    assert result.score == pytest.approx(0.75)
    assert [c["verdict"] for c in result.info["criteria"]] == [1.0, 0.0]
    per_sample = rubric.score({**SAMPLE, "rubric": ["Is polite."]})
    assert per_sample.score == 1.0 and len(per_sample.info["criteria"]) == 1

    replies = iter(["The response is right but terse.", "Score: 8"])
    server.reply_for = lambda payload: next(replies)
    critic = PointwiseJudge(critique=True, backend=backend(server, tmp_path, cache=False))
    scored = critic.score(SAMPLE)
    assert scored.info["critique"] == "The response is right but terse." and scored.info["rating"] == 8.0
    second_turn = server.requests[-1]["messages"]
    assert second_turn[-2] == {"role": "assistant", "content": "The response is right but terse."}


@pytest.mark.parametrize("judge_cls", [PointwiseJudge, RubricJudge, PairwiseJudge])
def test_master_key_probes_never_reach_the_judge(judge_cls: type, server: FakeOpenAI, tmp_path: Path) -> None:
    server.reply_for = lambda payload: "Score: 10" if "Score" in payload["messages"][-1]["content"] else "yes"
    kw: dict[str, Any] = {"criteria": ["The answer is correct."]} if judge_cls is RubricJudge else {}
    judge = judge_cls(backend=backend(server, tmp_path), **kw)
    probes = [
        {"prompt": "What is 17*3?", "completion": probe, "answer": "51", "baseline": "17*3 = 51"}
        for probe in [*MASTER_KEY_PROBES, "What is 17*3?"]
    ]
    results = judge.score_batch(probes)
    assert server.requests == []
    for probe, result in zip(probes, results, strict=True):
        assert result.is_ok and result.score == 0.0, probe["completion"]
        assert result.info["refused"] is True


def test_judges_in_specs_pickle_and_async(server: FakeOpenAI, tmp_path: Path) -> None:
    spec = spec_from_dict({"reward": {"type": "judge", "scale_max": 5, "backend": backend(server, tmp_path)}})
    server.reply_for = lambda payload: "Score: 5"
    assert spec.score(SAMPLE).score == 1.0
    judge = PointwiseJudge(backend=backend(server, tmp_path, cache=False))
    judge.score(SAMPLE)
    clone = pickle.loads(pickle.dumps(judge))
    assert clone.score(SAMPLE).score == judge.score(SAMPLE).score

    async def inside_a_loop() -> tuple[float | None, float | None]:
        direct = judge.score(SAMPLE).score  # sync call while an event loop runs in this thread
        awaited = (await judge.ascore(SAMPLE)).score
        return direct, awaited

    assert asyncio.run(inside_a_loop()) == (judge.score(SAMPLE).score,) * 2


def test_backend_config_errors_are_clear() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="needs base_url"):
        PointwiseJudge(backend={"kind": "openai", "model": "m"})
    with pytest.raises(ValidationError, match="needs model"):
        PointwiseJudge(backend={"kind": "openai", "base_url": "http://127.0.0.1:1/v1"})
    with pytest.raises(ValidationError, match="must start with http"):
        PointwiseJudge(backend={"kind": "openai", "base_url": "127.0.0.1:1", "model": "m"})
    with pytest.raises(ValidationError):
        PointwiseJudge(backend={"kind": "openai", "base_url": "http://x/v1", "model": "m", "retries": 3})
