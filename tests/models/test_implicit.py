"""Implicit DPO rewards and reference-answer likelihood on real causal LMs (SmolLM2 and a policy
fine-tuned from it by the test)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from rewardlab.core.spec import spec_from_dict
from rewardlab.models.implicit import DPOImplicitReward, ReferenceLikelihood

from .smollm2_helpers import smollm2

pytestmark = pytest.mark.integration

CHOSEN = {"prompt": "Say something kind.", "completion": "You are doing great today."}
OTHER = {"prompt": "Say something kind.", "completion": "Nobody likes your work."}


@pytest.fixture(scope="module")
def lm() -> Any:
    return smollm2()


@pytest.fixture(scope="module")
def policy_dir(lm: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A policy fine-tuned from SmolLM2 for a few steps towards CHOSEN (what DPO would push up)."""
    import torch
    from transformers import AutoModelForCausalLM

    folder = tmp_path_factory.mktemp("policy")
    model = AutoModelForCausalLM.from_pretrained(str(lm.model_dir()), local_files_only=True, dtype=torch.float32)
    model.train()
    rendered = lm.render(CHOSEN)
    fast = lm.fast_tokenizer
    p_ids = fast.encode(rendered.prompt, add_special_tokens=False).ids
    c_ids = fast.encode(rendered.completion, add_special_tokens=False).ids
    ids = torch.tensor([p_ids + c_ids])
    labels = ids.clone()
    labels[0, : len(p_ids)] = -100
    trainable = [p for n, p in model.named_parameters() if "layers.29." in n]
    for p in model.parameters():
        p.requires_grad_(any(p is t for t in trainable))
    optimizer = torch.optim.SGD(trainable, lr=1e-3)
    for _ in range(3):
        loss = model(input_ids=ids, labels=labels).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    model.save_pretrained(str(folder))
    for name in ("tokenizer.json", "tokenizer_config.json", "chat_template.jinja"):
        if (lm.model_dir() / name).is_file():
            shutil.copy(lm.model_dir() / name, folder / name)
    return folder


def test_policy_equal_to_reference_gives_zero(lm: Any) -> None:
    reward = DPOImplicitReward(policy="smollm2", reference="smollm2", beta=0.5)
    results = reward.score_batch([CHOSEN, OTHER, {"prompt": "no completion"}])
    assert [r.score for r in results[:2]] == [0.0, 0.0]
    assert results[0].info["tokens"] > 0 and results[0].info["policy_logp"] == results[0].info["reference_logp"]
    assert results[2].status.value == "not_applicable"


def test_fine_tuned_policy_rewards_what_it_was_pushed_towards(lm: Any, policy_dir: Path) -> None:
    reward = DPOImplicitReward(policy=str(policy_dir), reference="smollm2", beta=0.1)
    chosen, other = reward.score_batch([CHOSEN, OTHER])
    assert chosen.score > 0.0 and chosen.score > other.score
    assert chosen.score == pytest.approx(0.1 * (chosen.info["policy_logp"] - chosen.info["reference_logp"]))
    double = DPOImplicitReward(policy=str(policy_dir), beta=0.2).score(CHOSEN)
    assert double.score == pytest.approx(2 * chosen.score, rel=1e-6)
    per_token = DPOImplicitReward(policy=str(policy_dir), beta=0.1, length_normalize=True).score(CHOSEN)
    assert per_token.score == pytest.approx(chosen.score / chosen.info["tokens"], rel=1e-5)
    spec = spec_from_dict({"reward": {"type": "dpo_implicit", "policy": str(policy_dir), "beta": 0.1}})
    assert spec.score(CHOSEN).score == pytest.approx(chosen.score, abs=1e-6)


def test_model_paths_are_checked(tmp_path: Path) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="nothing is downloaded"):
        DPOImplicitReward(policy="some-org/some-model")


def test_reference_likelihood_prefers_the_right_answer(lm: Any) -> None:
    reward = ReferenceLikelihood(answer_prefix=" The answer is ")
    question = "What is 2+2?"
    right, wrong, missing = reward.score_batch(
        [
            {"prompt": question, "completion": "2+2 equals 4.", "answer": "4"},
            {"prompt": question, "completion": "2+2 equals 5.", "answer": "4"},
            {"prompt": question, "completion": "2+2 equals 4."},
        ]
    )
    assert 0.0 < wrong.score < right.score <= 1.0
    assert right.info["reference"] == "4"
    assert missing.status.value == "not_applicable"
    # Several references: the best one counts.
    both = reward.score({"prompt": question, "completion": "2+2 equals 4.", "answer": ["four thousand", "4"]})
    assert both.score == pytest.approx(right.score, abs=1e-6)


def test_reference_likelihood_forms(lm: Any) -> None:
    sample = {"prompt": "Name the capital of France.", "completion": "It is Paris.", "answer": "Paris"}
    mean_lp = ReferenceLikelihood(aggregate="mean_logprob").score(sample)
    total_lp = ReferenceLikelihood(aggregate="sum_logprob").score(sample)
    prob = ReferenceLikelihood(aggregate="prob").score(sample)
    mean_p = ReferenceLikelihood(aggregate="mean_prob").score(sample)
    assert total_lp.score <= mean_lp.score <= 0.0
    assert prob.score <= mean_p.score
    debiased = ReferenceLikelihood(debias=True).score(sample)
    assert debiased.info["prior"] >= 0.0 and debiased.score == pytest.approx(
        max(0.0, debiased.info["likelihood"] - debiased.info["prior"])
    )
    replaced = ReferenceLikelihood(replace_answer="answer_tag").score(
        {"prompt": "2+2?", "completion": "2+2 is <answer>5</answer>", "answer": "4"}
    )
    assert replaced.is_ok
    follow = ReferenceLikelihood(follow_up=True, answer_field="follow_up").score(
        {"prompt": "Fix my code?", "completion": "Here is the fix.", "follow_up": "Thanks, that worked!"}
    )
    assert follow.is_ok and 0.0 < follow.score < 1.0
