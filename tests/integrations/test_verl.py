"""The verl adapter, called the way verl's reward managers call it.

The managers below reproduce the calling convention of verl's ``NaiveRewardManager`` and
``BatchRewardManager`` (volcengine/verl, Apache-2.0: ``verl/workers/reward_manager/naive.py`` and
``batch.py``): responses are token ids cut to their valid length and decoded with a real
tokenizer (SmolLM2's; ``skip_special_tokens=True`` as verl does today, ``False`` as older verl
did, leaving the end-of-sequence text), ``compute_score(data_source=, solution_str=,
ground_truth=, extra_info=)`` is called per sample (``extra_info`` gets ``num_turns`` and
``rollout_reward_scores`` added) or once per batch, a dict answer gives ``score`` for the reward
tensor and every key goes to ``reward_extra_info``. verl itself is not installed: its convention
is, here. The custom-reward file is loaded by path, as ``get_custom_reward_fn`` does.
"""

from __future__ import annotations

import importlib.util
import logging
import math
import pickle
from collections import defaultdict
from types import ModuleType
from typing import Any

import pytest
import torch

from rewardlab.core.spec import resolve
from rewardlab.integrations import verl
from rewardlab.integrations.common import MissingReward
from rewardlab.serve.config import ServerConfig
from rewardlab.serve.runner import BackgroundServer

from .helpers import EXAMPLE, smollm2_tokenizer

RIGHT = "<think>2 and 2 make 4</think><answer>4</answer>"
WRONG = "<think>2 and 2 make 5</think><answer>5</answer>"


@pytest.fixture(autouse=True)
def home(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REWARDLAB_HOME", str(tmp_path / "home"))
    for name in ("REWARDLAB_SPEC", "REWARDLAB_URL", "REWARDLAB_TOKEN", "REWARDLAB_COMPONENT"):
        monkeypatch.delenv(name, raising=False)
    verl._SCORERS.clear()


def load_by_path(path: str) -> ModuleType:
    """What verl's get_custom_reward_fn does with custom_reward_function.path."""
    spec = importlib.util.spec_from_file_location("custom_module", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def tokenizer() -> Any:
    return smollm2_tokenizer()


def rollouts(tokenizer: Any, texts: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
    """Response ids as verl holds them: each finished with EOS, right-padded, with the valid lengths."""
    rows = [tokenizer(t, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id] for t in texts]
    width = max(len(r) for r in rows) + 3
    ids = torch.full((len(rows), width), tokenizer.pad_token_id)
    for i, r in enumerate(rows):
        ids[i, : len(r)] = torch.tensor(r)
    return ids, torch.tensor([len(r) for r in rows])


def naive_manager(
    compute_score: Any, tokenizer: Any, texts: list[str], truths: list[Any], *, skip_special_tokens: bool = True
) -> tuple[torch.Tensor, dict[str, list[Any]]]:
    """verl's NaiveRewardManager.__call__, reduced to the reward path."""
    responses, lengths = rollouts(tokenizer, texts)
    reward_tensor = torch.zeros_like(responses, dtype=torch.float32)
    extra: dict[str, list[Any]] = defaultdict(list)
    for i in range(len(texts)):
        valid = responses[i][: lengths[i]]
        response_str = tokenizer.decode(valid, skip_special_tokens=skip_special_tokens)
        extra_info = {"split": "train", "index": i // 2, "question": "What is 2+2?"}
        extra_info["num_turns"] = None
        extra_info["rollout_reward_scores"] = {}
        score = compute_score(
            data_source="openai/gsm8k", solution_str=response_str, ground_truth=truths[i], extra_info=extra_info
        )
        if isinstance(score, dict):
            reward = score["score"]
            for key, value in score.items():
                extra[key].append(value)
        else:
            reward = score
        reward_tensor[i, int(lengths[i]) - 1] = reward
    return reward_tensor, extra


def batch_manager(
    compute_score: Any, tokenizer: Any, texts: list[str], truths: list[Any], **reward_kwargs: Any
) -> tuple[torch.Tensor, dict[str, list[Any]]]:
    """verl's BatchRewardManager.__call__: one compute_score call for the batch (numpy-like arrays)."""
    import numpy as np

    responses, lengths = rollouts(tokenizer, texts)
    responses_str = tokenizer.batch_decode(
        [responses[i][: lengths[i]] for i in range(len(texts))], skip_special_tokens=True
    )
    extras = np.array([{"index": i // 2, "rollout_reward_scores": {}} for i in range(len(texts))], dtype=object)
    scores = compute_score(
        data_sources=np.array(["openai/gsm8k"] * len(texts), dtype=object),
        solution_strs=responses_str,
        ground_truths=truths,
        extra_infos=extras,
        **reward_kwargs,
    )
    reward_tensor = torch.zeros_like(responses, dtype=torch.float32)
    extra: dict[str, list[Any]] = defaultdict(list)
    for i, score in enumerate(scores):
        reward_tensor[i, int(lengths[i]) - 1] = score["score"]
        for key, value in score.items():
            extra[key].append(value)
    return reward_tensor, extra


# ---- the README's recommended spec: the example's raw total ------------------------------------
@pytest.mark.parametrize("skip_special_tokens", [True, False], ids=["verl-today", "eos-text-kept"])
def test_naive_manager_with_the_recommended_spec(tokenizer: Any, skip_special_tokens: bool) -> None:
    module = load_by_path(verl.reward_file_path())

    def compute_score(**kw: Any) -> Any:  # verl binds reward_kwargs with functools.partial
        return module.compute_score(**kw, spec=str(EXAMPLE), component="total")

    rewards, extra = naive_manager(
        compute_score, tokenizer, [RIGHT, WRONG], ["4", "4"], skip_special_tokens=skip_special_tokens
    )
    per_sample = rewards.sum(-1)
    assert per_sample.tolist() == [1.0, 0.0] and per_sample.var() > 0
    assert extra["accuracy"] == [1.0, 0.0] and extra["format"] == [1.0, 1.0]
    assert len({len(v) for v in extra.values()}) == 1  # every key logged for every sample
    assert "advantage" not in extra


def test_batch_manager_with_the_recommended_spec(tokenizer: Any) -> None:
    fn = load_by_path(verl.reward_file_path()).compute_score_batch
    rewards, extra = batch_manager(
        fn, tokenizer, [RIGHT, WRONG, RIGHT], ["4", "4", "4"], spec=str(EXAMPLE), component="total"
    )
    assert rewards.sum(-1).tolist() == [1.0, 0.0, 1.0] and extra["total"] == [1.0, 0.0, 1.0]


# ---- a normalizing spec without groups: a clear, counted, logged signal -------------------------
def test_naive_manager_with_a_normalizing_spec_is_refused_loudly(
    tokenizer: Any, caplog: pytest.LogCaptureFixture
) -> None:
    def compute_score(**kw: Any) -> Any:
        return verl.compute_score(**kw, spec=str(EXAMPLE))

    with caplog.at_level(logging.WARNING), pytest.raises(MissingReward, match="no 'prompt_id' field"):
        naive_manager(compute_score, tokenizer, [RIGHT, WRONG], ["4", "4"])
    said = " ".join(caplog.messages)
    assert "normalizes (group_norm 'advantage')" in said and "component='total'" in said  # at start-up
    assert "got no score" in said  # and when the samples are refused
    scorer = next(iter(verl._SCORERS.values()))
    assert scorer.source.spec is not None and scorer.source.spec.reward.stats.failures >= 1  # counted


def test_a_chosen_on_missing_value_is_visible(tokenizer: Any) -> None:
    def compute_score(**kw: Any) -> Any:
        return verl.compute_score(**kw, spec=str(EXAMPLE), on_missing="nan")

    _, extra = naive_manager(compute_score, tokenizer, [RIGHT, WRONG], ["4", "4"])
    assert all(math.isnan(v) for v in extra["score"]) and all(math.isnan(v) for v in extra["advantage"])
    assert extra["total"] == [1.0, 0.0]  # the raw total still reaches verl's logs


def test_a_missing_ground_truth_is_an_error_not_a_score(tokenizer: Any) -> None:
    def compute_score(**kw: Any) -> Any:
        return verl.compute_score(**kw, spec=str(EXAMPLE), component="total")

    with pytest.raises(MissingReward, match=r"no label.*ground_truth"):
        naive_manager(compute_score, tokenizer, [RIGHT], [None])
    # a spec that reads no reference needs none
    out = verl.compute_score("d", "<answer>4</answer>", None, None, spec="repetition", on_missing="nan")
    assert out["score"] == 0.0


# ---- the contract itself -------------------------------------------------------------------------
def test_compute_score_signature_and_components() -> None:
    fn = load_by_path(verl.reward_file_path()).compute_score
    out = fn(
        data_source="openai/gsm8k",
        solution_str="<think>add</think><answer>4</answer><|im_end|>",
        ground_truth="4",
        extra_info={"question": "2+2?", "split": "train", "index": 3},
        spec=str(EXAMPLE),
        component="total",
    )
    spec = resolve(str(EXAMPLE))
    expected = spec.score_batch(
        [{"prompt": "2+2?", "completion": "<think>add</think><answer>4</answer>", "answer": "4", "prompt_id": 1}] * 2,
    )[0]
    assert out["score"] == expected.components["total"] == 1.0
    assert set(out) == {"score", *[n for n in spec.component_names if n != "advantage"]}
    assert all(isinstance(v, float) for v in out.values())


def test_batch_lengths_and_on_missing_values() -> None:
    fn = load_by_path(verl.reward_file_path()).compute_score_batch
    with pytest.raises(ValueError, match="one of each per sample"):
        fn(data_sources=["a"], solution_strs=["x", "y"], ground_truths=["4", "4"], spec="exact_match")
    with pytest.raises(MissingReward, match="no label"):
        verl.compute_score("d", "x", None, None, spec="exact_match")
    assert math.isnan(verl.compute_score("d", "x", None, None, spec="exact_match", on_missing="nan")["score"])
    assert verl.compute_score("d", "x", None, None, spec="exact_match", on_missing=-1.0)["score"] == -1.0


def test_unknown_reward_kwargs_are_named_once(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        verl.compute_score("d", "4", "4", None, spec="exact_match", componnent="total")
    assert "ignoring keyword arguments componnent" in " ".join(caplog.messages)


def test_env_config_remote_and_pickling(monkeypatch: pytest.MonkeyPatch) -> None:
    from rewardlab.compose.introspect import spec_component

    total = spec_component(resolve(str(EXAMPLE)), "total")
    with BackgroundServer(total, ServerConfig(port=0, cache_url="off")) as server:
        monkeypatch.setenv("REWARDLAB_URL", server.url)
        remote = verl.compute_score("d", RIGHT + "<|im_end|>", "4", {"question": "q"})
        local = verl.compute_score("d", RIGHT, "4", {"question": "q"}, spec=str(EXAMPLE), component="total")
        assert remote == local and local["score"] == 1.0
        scorer = pickle.loads(pickle.dumps(verl.VerlScorer(urls=server.url)))
        assert scorer("d", RIGHT, "4", {"question": "q"}) == local
        with pytest.raises(MissingReward, match="no label"):  # the server says which fields its spec reads
            scorer("d", RIGHT, None, {"question": "q"})
    with pytest.raises(ValueError, match="rewardlab serve -r SPEC --component total"):
        verl.VerlScorer(urls="http://127.0.0.1:9", component="total")
