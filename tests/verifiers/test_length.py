"""The `length` verifier: the raw length of the completion, as a reward to compose or as a baseline."""

from __future__ import annotations

import pickle

import pytest
from pydantic import ValidationError

from rewardlab.core.catalog import describe
from rewardlab.core.registry import get_reward_class
from rewardlab.core.spec import build_reward, spec_from_dict
from rewardlab.evaluate.metrics.bon import expected_best_of_n, rule_scores
from rewardlab.models.backbones.encoder import minilm_dir
from rewardlab.verifiers import Length


def test_registered_documented_and_measures_each_unit() -> None:
    cls = get_reward_class("length")
    info = describe(cls)
    assert cls is Length and info.family == "verifier" and info.reads == ("completion",)
    assert ">>>" in (cls.__doc__ or "") and all(p.description for p in info.params)
    text = "Hello there, general Kenobi"
    assert Length(unit="chars").score({"completion": text}).score == 27.0
    result = Length(unit="words").score({"completion": text})
    assert result.score == 4.0 and result.info == {"length": 4, "unit": "words"}
    tokens = Length(unit="tokens", tokenizer=str(minilm_dir())).score({"completion": text}).score
    assert tokens is not None and 4.0 <= tokens <= 10.0
    assert Length(unit="chars").score({"completion": ""}).score == 0.0


def test_length_field_errors_and_spec_round_trip() -> None:
    by_field = build_reward({"type": "length", "unit": "tokens", "length_field": "n_tokens"})
    assert by_field.score({"completion": "ignored", "n_tokens": 17}).score == 17.0
    missing, bad, ok = by_field.score_batch(
        [{"completion": "x"}, {"completion": "x", "n_tokens": -3}, {"completion": "x", "n_tokens": 5}]
    )
    assert missing.status.value == "error" and "n_tokens" in (missing.error or "") and missing.score is None
    assert bad.status.value == "error" and "non-negative" in (bad.error or "")
    assert ok.score == 5.0  # one bad sample never loses the others
    with pytest.raises(ValidationError, match="needs 'tokenizer'"):
        Length(unit="tokens")
    clone = pickle.loads(pickle.dumps(by_field))
    assert build_reward(clone.to_spec()).to_spec() == by_field.to_spec()


def test_composes_with_a_group_norm_and_reproduces_the_longest_answer_rule() -> None:
    candidates = ["short", "a much longer answer", "mid-length", "tiny"]
    gold = [0.1, 0.9, 0.4, 0.2]
    scores = Length(unit="chars").scores([{"completion": c} for c in candidates])
    for n in (1, 2, 3, 4):  # distinct lengths: the same pick as the evaluations' "longest answer" rule
        assert expected_best_of_n(scores, gold, n, tie_break="random") == pytest.approx(
            expected_best_of_n(rule_scores("longest answer", candidates, gold), gold, n)
        )
    spec = spec_from_dict(
        {
            "reward": {
                "type": "weighted_sum",
                "children": [
                    {
                        "type": "group_norm",
                        "group_key": "q",
                        "weight": -0.5,
                        "child": {"type": "length", "unit": "chars"},
                    },
                    {"type": "exact_match", "weight": 1.0},
                ],
            }
        }
    )
    batch = [{"q": 1, "completion": c, "answer": "tiny"} for c in candidates]
    results = spec.score_batch(batch)
    assert [r.components["length"] for r in results] == [5.0, 20.0, 10.0, 4.0]
    assert max(range(4), key=lambda i: results[i].score) == 3  # correct and shortest
