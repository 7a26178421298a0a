"""The verl and OpenRLHF adapters, called the way those frameworks call them (files loaded by path)."""

from __future__ import annotations

import importlib.util
import math
import pickle
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import torch

from rewardlab.core.spec import resolve
from rewardlab.integrations import openrlhf, verl
from rewardlab.integrations.common import MissingReward
from rewardlab.serve.config import ServerConfig
from rewardlab.serve.runner import BackgroundServer

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "src/rewardlab/resources/examples/math_grpo.yaml"


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REWARDLAB_HOME", str(tmp_path / "home"))
    for name in ("REWARDLAB_SPEC", "REWARDLAB_URL", "REWARDLAB_TOKEN", "REWARDLAB_ON_MISSING"):
        monkeypatch.delenv(name, raising=False)
    verl._SCORERS.clear()
    openrlhf._DEFAULT = None


def load_by_path(path: str) -> ModuleType:
    """What verl (get_custom_reward_fn) and OpenRLHF (RemoteRewardModel) do with the file."""
    spec = importlib.util.spec_from_file_location("custom_module", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ---- verl -------------------------------------------------------------------------------------
def test_verl_compute_score_signature_and_components() -> None:
    fn = load_by_path(verl.reward_file_path()).compute_score
    out = fn(
        data_source="openai/gsm8k",
        solution_str="<think>add</think><answer>4</answer>",
        ground_truth="4",
        extra_info={"question": "2+2?", "split": "train", "index": 3},
        spec=str(EXAMPLE),
    )
    spec = resolve(str(EXAMPLE))
    expected = spec.score({"prompt": "2+2?", "completion": "<think>add</think><answer>4</answer>", "answer": "4"})
    assert out["score"] == expected.score
    assert set(out) == {"score", *spec.component_names}
    assert out["accuracy"] == 1.0 and out["format"] == 1.0
    assert all(isinstance(v, float) for v in out.values())


def test_verl_batch_manager_and_missing_values() -> None:
    fn = load_by_path(verl.reward_file_path()).compute_score_batch
    rows = fn(
        data_sources=["a", "b"],
        solution_strs=["<answer>4</answer>", "no tags"],
        ground_truths=["4", "4"],
        extra_infos=[{"question": "q"}, None],
        spec=str(EXAMPLE),
    )
    assert len(rows) == 2 and rows[1]["format"] == 0.0 and math.isnan(rows[1]["accuracy"])
    with pytest.raises(ValueError, match="one of each per sample"):
        fn(data_sources=["a"], solution_strs=["x", "y"], ground_truths=["4", "4"], spec="exact_match")
    with pytest.raises(MissingReward, match="not_applicable"):
        verl.compute_score("d", "x", None, None, spec="exact_match")
    assert math.isnan(verl.compute_score("d", "x", None, None, spec="exact_match", on_missing="nan")["score"])
    assert verl.compute_score("d", "x", None, None, spec="exact_match", on_missing=-1.0)["score"] == -1.0


def test_verl_env_config_remote_and_pickling(monkeypatch: pytest.MonkeyPatch) -> None:
    with BackgroundServer(str(EXAMPLE), ServerConfig(port=0, cache_url="off")) as server:
        monkeypatch.setenv("REWARDLAB_URL", server.url)
        remote = verl.compute_score("d", "<answer>4</answer>", "4", {"question": "q"})
        local = verl.compute_score("d", "<answer>4</answer>", "4", {"question": "q"}, spec=str(EXAMPLE))
        assert remote == local
        scorer = pickle.loads(pickle.dumps(verl.VerlScorer(urls=server.url)))
        assert scorer("d", "<answer>4</answer>", "4", {"question": "q"}) == local


# ---- OpenRLHF ---------------------------------------------------------------------------------
def test_openrlhf_reward_file_contract(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REWARDLAB_SPEC", str(EXAMPLE))
    monkeypatch.setenv("REWARDLAB_ON_MISSING", "nan")
    reward_func = load_by_path(openrlhf.reward_file_path()).reward_func
    prompts = ["<|user|>2+2?<|assistant|>", "<|user|>2+2?<|assistant|>", "<|user|>3+3?<|assistant|>"]
    responses = ["<think>a</think><answer>4</answer>", "<answer>5</answer>", "<answer>6</answer>"]
    queries = [p + r for p, r in zip(prompts, responses, strict=True)]
    out: dict[str, Any] = reward_func(queries, prompts, ["4", "4", '{"answer": "6", "prompt_id": 9}'])
    assert set(out) == {"rewards", "scores", "extra_logs"}
    assert isinstance(out["rewards"], torch.Tensor) and out["rewards"].shape == (3,)
    expected = resolve(str(EXAMPLE)).score_batch(
        [
            {"prompt": prompts[0], "completion": responses[0], "answer": "4"},
            {"prompt": prompts[1], "completion": responses[1], "answer": "4"},
            {"prompt": prompts[2], "completion": responses[2], "answer": "6", "prompt_id": 9},
        ]
    )
    assert out["rewards"].tolist() == pytest.approx([e.score for e in expected])
    assert torch.equal(out["rewards"], out["scores"])
    # OpenRLHF concatenates every extra_logs value along dim 0: one value per query.
    for name, values in out["extra_logs"].items():
        assert isinstance(values, torch.Tensor) and values.shape == (3,), name
    assert out["extra_logs"]["format"].tolist() == [1.0, 0.0, 0.0]
    assert math.isnan(out["extra_logs"]["accuracy"][1].item())


def test_openrlhf_failures_raise_by_default() -> None:
    from tests.serve import rewards_for_tests  # noqa: F401  (registers t_serve_boom)

    fn = openrlhf.make_reward_func("t_serve_boom")
    with pytest.raises(MissingReward, match="boom happened"):
        fn(["p boom"], ["p"], [None])
    assert openrlhf.make_reward_func("t_serve_boom", on_missing=0.5)(["p boom"], ["p"], None)["rewards"].tolist() == [
        0.5
    ]


def test_openrlhf_through_the_server(monkeypatch: pytest.MonkeyPatch) -> None:
    with BackgroundServer(str(EXAMPLE), ServerConfig(port=0, cache_url="off")) as server:
        monkeypatch.setenv("REWARDLAB_URL", server.url)
        reward_func = load_by_path(openrlhf.reward_file_path()).reward_func
        remote = reward_func(["q <answer>4</answer>"], ["q"], ["4"])
        local = openrlhf.make_reward_func(str(EXAMPLE))(["q <answer>4</answer>"], ["q"], ["4"])
        assert remote["rewards"].tolist() == local["rewards"].tolist()
        assert set(remote["extra_logs"]) == set(local["extra_logs"])
        # and the HTTP form, exactly as OpenRLHF's remote_rm_fn posts it
        from rewardlab.client import RewardClient

        with RewardClient(server.url) as client:
            body = client.get_reward(["q <answer>4</answer>"], ["q"], ["4"])
        assert body["rewards"] == local["rewards"].tolist()
