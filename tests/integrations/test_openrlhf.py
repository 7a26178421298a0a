"""The OpenRLHF adapters, called the way OpenRLHF calls them.

What is reproduced here is OpenRLHF's calling convention (OpenRLHF/OpenRLHF, Apache-2.0:
``openrlhf/utils/remote_rm_utils.py`` and ``update_samples_with_rewards`` in
``openrlhf/trainer/ppo_utils/experience_maker.py``), not its package: prompts rendered with the
tokenizer's chat template, each sequence = prompt ids + generated ids ending in EOS, left-padded,
pads removed by the attention mask and decoded with ``skip_special_tokens=False`` (so a finished
response ends in ``<|im_end|>``); the HTTP form posts ``{"query", "prompts", "labels"}`` with
``requests`` and reads the JSON answer, the reward-file form calls ``reward_func(queries, prompts,
labels)`` per micro-batch; then every answer's ``rewards``, ``scores`` and each ``extra_logs`` key
(those of the first answer) go through ``torch.as_tensor`` and ``torch.cat`` across the chunks.
"""

from __future__ import annotations

import importlib.util
import logging
import math
from types import ModuleType
from typing import Any

import pytest
import requests
import torch

from rewardlab.compose.introspect import spec_component
from rewardlab.core.spec import resolve
from rewardlab.integrations import openrlhf
from rewardlab.integrations.common import MissingReward
from rewardlab.serve.config import ServerConfig
from rewardlab.serve.runner import BackgroundServer

from .helpers import EXAMPLE, smollm2_tokenizer

RIGHT = "<think>2 and 2 make 4</think><answer>4</answer>"
WRONG = "<think>2 and 2 make 5</think><answer>5</answer>"
QUESTION = [{"role": "user", "content": "What is 2+2?"}]


@pytest.fixture(autouse=True)
def home(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REWARDLAB_HOME", str(tmp_path / "home"))
    for name in ("REWARDLAB_SPEC", "REWARDLAB_URL", "REWARDLAB_TOKEN", "REWARDLAB_ON_MISSING", "REWARDLAB_COMPONENT"):
        monkeypatch.delenv(name, raising=False)
    openrlhf._DEFAULT = None


@pytest.fixture(scope="module")
def tokenizer() -> Any:
    return smollm2_tokenizer()


def load_by_path(path: str) -> ModuleType:
    """What OpenRLHF's RemoteRewardModel does with a --remote_rm_url ending in .py."""
    spec = importlib.util.spec_from_file_location("reward_func", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def openrlhf_batch(tokenizer: Any, responses: list[str], *, finished: bool = True) -> tuple[list[str], list[str]]:
    """(queries, prompts) as OpenRLHF builds them from token ids."""
    prompt = tokenizer.apply_chat_template(QUESTION, tokenize=False, add_generation_prompt=True)
    prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    rows = []
    for r in responses:
        ids = prompt_ids + tokenizer(r, add_special_tokens=False)["input_ids"]
        rows.append(ids + ([tokenizer.eos_token_id] if finished else []))
    width = max(len(r) for r in rows)
    sequences = torch.full((len(rows), width), tokenizer.pad_token_id)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, r in enumerate(rows):  # left padding, as OpenRLHF's generation batches are
        sequences[i, width - len(r) :] = torch.tensor(r)
        mask[i, width - len(r) :] = 1
    unpadded = [sequences[i][mask[i].bool()] for i in range(len(rows))]  # remove_pad_token
    queries = tokenizer.batch_decode(unpadded, skip_special_tokens=False)
    return queries, [prompt] * len(rows)


def post_get_reward(url: str, queries: list[str], prompts: list[str], labels: list[Any]) -> dict[str, Any]:
    """OpenRLHF's request_api_wrapper: JSON in, JSON out, no rewardlab client."""
    response = requests.post(
        url=f"{url}/get_reward",
        json={"query": queries, "prompts": prompts, "labels": labels},
        headers={"Content-Type": "application/json"},
        timeout=180,
    )
    response.raise_for_status()
    return response.json()


def consume(rewards_info: list[dict[str, Any]]) -> dict[str, Any]:
    """OpenRLHF's update_samples_with_rewards: every value through torch.as_tensor, chunks concatenated."""
    out: dict[str, Any] = {
        "rewards": torch.cat([torch.as_tensor(info["rewards"]) for info in rewards_info], dim=0),
        "scores": torch.cat([torch.as_tensor(info["scores"]) for info in rewards_info], dim=0),
    }
    keys = rewards_info[0]["extra_logs"].keys()
    out["extra_logs"] = {k: torch.cat([torch.as_tensor(info["extra_logs"][k]) for info in rewards_info]) for k in keys}
    return out


def metric(url: str, line_start: str) -> float:
    text = requests.get(f"{url}/metrics", timeout=10).text
    values = [float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(line_start)]
    return sum(values)


# ---- HTTP: the README's recommended spec (the example's raw total) -----------------------------------
def test_get_reward_with_the_recommended_spec(tokenizer: Any) -> None:
    total = spec_component(resolve(str(EXAMPLE)), "total")
    responses = [RIGHT, WRONG, RIGHT, WRONG]
    queries, prompts = openrlhf_batch(tokenizer, responses)
    assert all(q.endswith("<|im_end|>") for q in queries)  # what OpenRLHF really sends
    with BackgroundServer(total, ServerConfig(port=0, cache_url="off")) as server:
        # two chunks, as RemoteRewardModel splits a batch over its --remote_rm_url servers
        info = [post_get_reward(server.url, queries[i : i + 2], prompts[i : i + 2], ["4", "4"]) for i in (0, 2)]
        unfinished, _ = openrlhf_batch(tokenizer, responses, finished=False)
        plain = post_get_reward(server.url, unfinished, prompts, ["4"] * 4)
    got = consume(info)
    assert got["rewards"].tolist() == [1.0, 0.0, 1.0, 0.0] and got["rewards"].var() > 0
    assert torch.equal(got["rewards"], got["scores"])
    assert got["extra_logs"]["format"].tolist() == [1.0] * 4  # the EOS text no longer breaks the format
    assert got["extra_logs"]["rewardlab_missing"].tolist() == [0.0] * 4
    # a finished response (EOS text) scores exactly like the same text without it
    assert plain["rewards"] == got["rewards"].tolist()
    assert {k: v.tolist() for k, v in got["extra_logs"].items()} == plain["extra_logs"]
    direct = total.score_batch([{"prompt": prompts[0], "completion": r, "answer": "4"} for r in responses])
    assert got["rewards"].tolist() == [r.score for r in direct]


def test_get_reward_with_a_normalizing_spec_is_counted_and_logged(
    tokenizer: Any, caplog: pytest.LogCaptureFixture
) -> None:
    queries, prompts = openrlhf_batch(tokenizer, [RIGHT, WRONG])
    with (
        caplog.at_level(logging.WARNING),
        BackgroundServer(str(EXAMPLE), ServerConfig(port=0, cache_url="off")) as server,
    ):
        body = post_get_reward(server.url, queries, prompts, ["4", "4"])
        filled = metric(server.url, 'rewardlab_filled_total{endpoint="/get_reward"}')
        unscored = metric(server.url, 'rewardlab_unscored_total{reason="missing_group_key",status="error"}')
    got = consume([body])  # never a null: OpenRLHF's tensor conversion goes through
    assert got["rewards"].tolist() == [0.0, 0.0]  # the documented on_missing value ...
    assert body["statuses"] == ["error", "error"] and all("no 'prompt_id' field" in e for e in body["errors"])
    assert got["extra_logs"]["rewardlab_missing"].tolist() == [1.0, 1.0]  # ... flagged in OpenRLHF's own logs
    assert got["extra_logs"]["total"].tolist() == [1.0, 0.0]  # the raw total still logged
    assert filled == 2 and unscored == 2  # counted in /metrics
    said = " ".join(caplog.messages)
    assert "normalizes (group_norm 'advantage')" in said and "--component total" in said  # at start-up
    assert "2 of 2 (error 2" in said and "on_missing=0" in said  # and per request


def test_get_reward_without_labels_is_an_error_not_a_score(tokenizer: Any) -> None:
    total = spec_component(resolve(str(EXAMPLE)), "total")
    queries, prompts = openrlhf_batch(tokenizer, [RIGHT, WRONG])
    config = ServerConfig(port=0, cache_url="off", on_missing=-1.0)
    with BackgroundServer(total, config) as server:
        body = post_get_reward(server.url, queries, prompts, ["", "4"])  # OpenRLHF sends "" without --label_key
        spec_info = requests.get(f"{server.url}/v1/spec", timeout=10).json()
    assert consume([body])["rewards"].tolist() == [-1.0, 0.0]
    assert body["statuses"] == ["error", "ok"] and "no label" in body["errors"][0]
    assert spec_info["references"] == ["answer"] and "prompt_id" not in spec_info["reads"]


# ---- the reward file (--remote_rm_url /path/reward_func.py) ------------------------------------------
def test_reward_file_with_the_recommended_spec(tokenizer: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REWARDLAB_SPEC", str(EXAMPLE))
    monkeypatch.setenv("REWARDLAB_COMPONENT", "total")
    reward_func = load_by_path(openrlhf.reward_file_path()).reward_func
    responses = [RIGHT, WRONG, WRONG, RIGHT]
    queries, prompts = openrlhf_batch(tokenizer, responses)
    labels = ["4", "4", '{"answer": "4", "prompt_id": 9}', "4"]
    micro = 3  # RemoteRewardModel calls reward_func once per micro_rollout_batch_size chunk
    chunks = [reward_func(queries[i : i + micro], prompts[i : i + micro], labels[i : i + micro]) for i in (0, 3)]
    got = consume(chunks)
    assert got["rewards"].tolist() == [1.0, 0.0, 0.0, 1.0] and got["rewards"].var() > 0
    assert set(chunks[0]["extra_logs"]) == set(chunks[1]["extra_logs"])  # same keys in every chunk
    unfinished, _ = openrlhf_batch(tokenizer, responses, finished=False)
    assert reward_func(unfinished, prompts, labels)["rewards"].tolist() == got["rewards"].tolist()


def test_reward_file_with_a_normalizing_spec_raises_with_the_reason(
    tokenizer: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("REWARDLAB_SPEC", str(EXAMPLE))
    reward_func = load_by_path(openrlhf.reward_file_path()).reward_func
    queries, prompts = openrlhf_batch(tokenizer, [RIGHT, WRONG])
    with caplog.at_level(logging.WARNING), pytest.raises(MissingReward, match="no 'prompt_id' field"):
        reward_func(queries, prompts, ["4", "4"])
    assert "normalizes (group_norm 'advantage')" in " ".join(caplog.messages)
    monkeypatch.setenv("REWARDLAB_ON_MISSING", "nan")
    openrlhf._DEFAULT = None
    out = reward_func(queries, prompts, ["4", "4"])
    assert all(math.isnan(v) for v in out["rewards"].tolist()) and out["extra_logs"]["rewardlab_missing"].tolist() == [
        1.0,
        1.0,
    ]


def test_reward_file_failures_raise_by_default() -> None:
    from tests import rewards  # noqa: F401  (registers t_serve_boom)

    fn = openrlhf.make_reward_func("t_serve_boom")
    with pytest.raises(MissingReward, match="boom happened"):
        fn(["p boom"], ["p"], [None])
    assert openrlhf.make_reward_func("t_serve_boom", on_missing=0.5)(["p boom"], ["p"], None)["rewards"].tolist() == [
        0.5
    ]


def test_reward_file_through_the_server_and_the_client(monkeypatch: pytest.MonkeyPatch) -> None:
    total = spec_component(resolve(str(EXAMPLE)), "total")
    with BackgroundServer(total, ServerConfig(port=0, cache_url="off")) as server:
        monkeypatch.setenv("REWARDLAB_URL", server.url)
        reward_func = load_by_path(openrlhf.reward_file_path()).reward_func
        remote = reward_func(["q <answer>4</answer></s>"], ["q"], ["4"])
        local = openrlhf.make_reward_func(str(EXAMPLE), component="total")(["q <answer>4</answer>"], ["q"], ["4"])
        assert remote["rewards"].tolist() == local["rewards"].tolist()
        assert set(remote["extra_logs"]) == set(local["extra_logs"])
        from rewardlab.client import RewardClient

        with RewardClient(server.url) as client:
            body = client.get_reward(["q <answer>4</answer>"], ["q"], ["4"])
        assert body["rewards"] == local["rewards"].tolist()


# ---- the mapping ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("query", "prompt", "completion"),
    [
        ("P: <answer>4</answer><|im_end|>", "P:", " <answer>4</answer>"),
        ("P: <answer>4</answer></s>", "P:", " <answer>4</answer>"),
        ("P: <answer>4</answer><|eot_id|>", "P:", " <answer>4</answer>"),
        ("P: <answer>4</answer><|im_end|>\n<|endoftext|><|endoftext|>", "P:", " <answer>4</answer>"),
        ("<s>P: <answer>4</answer></s>", "P:", " <answer>4</answer>"),  # a BOS the prompt string lacks
        ("P: <answer>4</answer> and more", "P:", " <answer>4</answer> and more"),
    ],
)
def test_responses_are_cut_from_the_query_without_end_markers(query: str, prompt: str, completion: str) -> None:
    assert openrlhf.samples_from_openrlhf([query], [prompt], ["4"])[0].completion == completion


def test_the_tokenizer_adds_its_own_markers() -> None:
    class Tok:
        eos_token, pad_token = "<|my_eos|>", "<|my_pad|>"

    fn = openrlhf.make_reward_func("exact_match", end_markers=[], tokenizer=Tok())
    assert fn(["Q: 4<|my_eos|><|my_pad|>"], ["Q: "], ["4"])["rewards"].tolist() == [1.0]
    kept = openrlhf.make_reward_func("exact_match", end_markers=[], on_missing="nan")
    assert kept(["Q: 4<|im_end|>"], ["Q: "], ["4"])["rewards"].tolist() == [0.0]
