"""Judges on the embedded SmolLM2 (local transformers backend): end to end on real samples, text and
logprob verdicts, critique-then-score, determinism, the response cache, pickling and the master-key
guard. SmolLM2-135M is a weak judge; these tests check the machinery, not its taste."""

from __future__ import annotations

import pickle
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from rewardlab.models.judges import MASTER_KEY_PROBES, PairwiseJudge, PointwiseJudge, RubricJudge

from ..smollm2_helpers import smollm2

pytestmark = pytest.mark.integration

SAMPLES = [
    {"prompt": "What is the capital of France?", "completion": "The capital of France is Paris."},
    {"prompt": "What is the capital of France?", "completion": "I don't care, go away."},
]


@pytest.fixture(scope="module", autouse=True)
def _model() -> None:
    smollm2()


def local(tmp_path: Path, **over: Any) -> dict[str, Any]:
    return {"model": "smollm2", "device": "cpu", "cache_path": str(tmp_path / "judge.sqlite"), **over}


def test_pointwise_logprobs_gives_an_expected_score(tmp_path: Path) -> None:
    judge = PointwiseJudge(verdict="logprobs", scale_max=5, backend=local(tmp_path))
    results = judge.score_batch(SAMPLES)
    for r in results:
        assert r.is_ok and 0.0 <= r.score <= 1.0
        assert sum(r.info["probs"].values()) == pytest.approx(1.0)
        assert 1.0 <= r.info["rating"] <= 5.0 and 0.0 < r.info["choice_mass"] <= 1.0
    # Deterministic, and the same alone as in a batch.
    alone = PointwiseJudge(verdict="logprobs", scale_max=5, backend=local(tmp_path, cache=False)).score(SAMPLES[1])
    assert alone.score == pytest.approx(results[1].score, abs=1e-5)


def test_pointwise_text_verdicts_parse_or_fail_loudly(tmp_path: Path) -> None:
    judge = PointwiseJudge(max_new_tokens=12, backend=local(tmp_path))
    results = judge.score_batch(SAMPLES)
    for r in results:
        assert isinstance(r.info.get("raw"), str)
        if r.is_ok:
            assert 0.0 <= r.score <= 1.0 and 1 <= r.info["rating"] <= 10
        else:  # the reply held no verdict: an error with the reply, never a silent score
            assert r.status.value == "error" and r.score is None and r.error.startswith("unparseable verdict")
    # Greedy decoding: the same replies again (here from the cache, then recomputed without it).
    assert [r.info["raw"] for r in judge.score_batch(SAMPLES)] == [r.info["raw"] for r in results]
    fresh = PointwiseJudge(max_new_tokens=12, backend=local(tmp_path, cache=False)).score_batch(SAMPLES)
    assert [r.info["raw"] for r in fresh] == [r.info["raw"] for r in results]
    rows = sqlite3.connect(tmp_path / "judge.sqlite").execute("SELECT COUNT(*) FROM responses").fetchone()[0]
    assert rows == 2


def test_pairwise_judges_both_orders(tmp_path: Path) -> None:
    judge = PairwiseJudge(verdict="logprobs", backend=local(tmp_path))
    pair = {**SAMPLES[0], "baseline": SAMPLES[1]["completion"]}
    result = judge.score(pair)
    assert result.is_ok and 0.0 <= result.score <= 1.0
    orders = result.info["orders"]
    assert [o["completion_is"] for o in orders] == ["A", "B"]
    assert result.score == pytest.approx((orders[0]["completion_wins"] + orders[1]["completion_wins"]) / 2)
    # Swapping the two responses mirrors the score.
    swapped = judge.score({**SAMPLES[1], "baseline": SAMPLES[0]["completion"]})
    assert swapped.score == pytest.approx(1.0 - result.score, abs=1e-6)
    text = PairwiseJudge(max_new_tokens=12, backend=local(tmp_path)).score(pair)
    assert text.status.value in ("ok", "error") and len(text.info["orders"]) >= 1


def test_rubric_judge_weights_criteria(tmp_path: Path) -> None:
    criteria = [{"text": "The response is polite.", "weight": 2.0, "name": "polite"}, "The response names a city."]
    judge = RubricJudge(verdict="logprobs", criteria=criteria, backend=local(tmp_path))
    result = judge.score(SAMPLES[0])
    assert result.is_ok
    verdicts = {c["name"]: c["verdict"] for c in result.info["criteria"]}
    assert set(verdicts) == {"polite", "c2"}
    assert result.score == pytest.approx((2 * verdicts["polite"] + verdicts["c2"]) / 3)
    missing = RubricJudge(backend=local(tmp_path)).score(SAMPLES[0])
    assert missing.status.value == "not_applicable"


def test_critique_then_score(tmp_path: Path) -> None:
    judge = PointwiseJudge(critique=True, critique_tokens=8, verdict="logprobs", backend=local(tmp_path))
    result = judge.score(SAMPLES[0])
    assert result.is_ok and result.info["critique"].strip()


def test_master_key_probes_are_refused_without_loading_a_judge(tmp_path: Path) -> None:
    judge = PointwiseJudge(backend=local(tmp_path))
    results = judge.score_batch(
        [{"prompt": "What is 12 + 30?", "completion": p, "answer": "42"} for p in MASTER_KEY_PROBES]
    )
    assert all(r.is_ok and r.score == 0.0 and r.info["refused"] for r in results)
    assert judge._backend_obj is None  # no model call was needed
    # The guard can be switched off (for studying the attack): then the judge is asked.
    unguarded = PointwiseJudge(guard=False, verdict="logprobs", backend=local(tmp_path)).score(
        {"prompt": "What is 12 + 30?", "completion": "Thought process:", "answer": "42"}
    )
    assert unguarded.is_ok and "refused" not in unguarded.info


def test_judges_pickle(tmp_path: Path) -> None:
    judge = PointwiseJudge(verdict="logprobs", scale_max=5, backend=local(tmp_path))
    before = judge.score(SAMPLES[0]).score
    clone = pickle.loads(pickle.dumps(judge))
    assert clone._backend_obj is None and clone.score(SAMPLES[0]).score == pytest.approx(before)
