"""The TRL adapter: TRL's calling convention, pickling, and a real GRPOTrainer run on SmolLM2."""

from __future__ import annotations

import asyncio
import pickle
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from rewardlab.compose.introspect import spec_component
from rewardlab.core.spec import resolve
from rewardlab.integrations.common import MissingReward
from rewardlab.integrations.trl import AsyncTRLReward, TRLReward

from .helpers import EXAMPLE, smollm2

RIGHT = "<think>2 and 2 make 4</think><answer>4</answer>"
WRONG = "<think>2 and 2 make 5</think><answer>5</answer>"


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
    from tests import rewards  # noqa: F401  (registers t_serve_boom)

    boom = TRLReward("t_serve_boom")
    with pytest.warns(RuntimeWarning, match="could not be scored"):
        assert boom(prompts=["p", "p"], completions=["fine", "boom"]) == [4.0, None]
    with pytest.raises(MissingReward, match="boom happened"):
        TRLReward("t_serve_boom", on_failure="raise")(prompts=["p"], completions=["boom"])


def test_picklable() -> None:
    reward = TRLReward(str(EXAMPLE), component="total")
    clone = pickle.loads(pickle.dumps(reward))
    assert clone.__name__ == "total" and clone(prompts=["q"], completions=[RIGHT], answer=["4"]) == [1.0]
    args = {"prompts": ["q"], "completions": ["<answer>4</answer>"], "answer": ["4"]}
    assert clone(**args) == reward(**args)


def test_grouped_by_prompt_by_default_and_the_double_normalization_is_said(
    caplog: pytest.LogCaptureFixture,
) -> None:
    import logging

    with caplog.at_level(logging.WARNING, logger="rewardlab.integrations"):
        reward = TRLReward(str(EXAMPLE), name="math")
    assert reward.startup_warning and "GRPOTrainer normalizes" in reward.startup_warning
    assert "component='total'" in caplog.text
    # TRL's dataset has no prompt_id column: the completions of a prompt are grouped by the prompt
    out = reward(prompts=["2+2?", "2+2?"], completions=[RIGHT, WRONG], answer=["4", "4"])
    assert out[0] is not None and out[1] is not None and out[0] > 0 > out[1]
    # the spec's own key, absent from TRL's columns: refused with the reason, warned, counted
    metrics: dict[str, float] = {}
    keyed = TRLReward(str(EXAMPLE), name="keyed", group_key="prompt_id")
    with pytest.warns(RuntimeWarning, match="no 'prompt_id' field"):
        got = keyed(prompts=["q", "q"], completions=[RIGHT, WRONG], answer=["4", "4"], log_metric=metrics.__setitem__)
    assert got == [None, None] and metrics["keyed/error"] == 1.0
    assert TRLReward(str(EXAMPLE), component="total").startup_warning is None


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


@pytest.mark.integration
def test_inside_a_real_grpo_trainer_on_smollm2(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """GRPOTrainer for two steps on SmolLM2, with three reward functions called by TRL itself:

    - ``math``: the README's recommended spec (the example's raw ``total``) in process. The policy is
      scripted at the reward's door: TRL's own call (its kwargs, columns, trainer state, loggers)
      is passed on with the generated texts replaced by a right and a wrong answer per prompt, so
      the reward's variance can be checked (a 135M model says nothing useful about 2+2 in 8 tokens);
    - ``math_remote``: the same through ``rewardlab serve --component total`` (async);
    - ``grouped_wrongly``: the normalizing example grouped by its ``prompt_id`` key, which TRL's
      dataset lacks: every completion is refused -- warned, counted in TRL's logs, never 0.0.
    """
    import logging

    from datasets import Dataset
    from trl import GRPOConfig, GRPOTrainer

    from rewardlab.serve.config import ServerConfig
    from rewardlab.serve.runner import BackgroundServer

    model, tokenizer = smollm2()
    # Plain-text prompts (no chat template, no default system prompt): short sequences keep two
    # CPU steps quick.
    data = Dataset.from_list(
        [
            {"prompt": "Q: What is 2+2? A: <answer>", "answer": "4"},
            {"prompt": "Q: What is 2+2, again? A: <answer>", "answer": "4"},
        ]
    )
    calls: list[int] = []

    class Scripted(TRLReward):
        def __call__(self, prompts: Any, completions: Any, completion_ids: Any = None, **kw: Any) -> Any:
            calls.append(len(completions))
            assert kw["answer"] and "trainer_state" in kw and callable(kw["log_metric"])
            scripted = [RIGHT if i % 2 == 0 else WRONG for i in range(len(completions))]
            return super().__call__(prompts, scripted, completion_ids, **kw)

    class AsyncScripted(AsyncTRLReward):
        async def __call__(self, prompts: Any, completions: Any, completion_ids: Any = None, **kw: Any) -> Any:
            scripted = [RIGHT if i % 2 == 0 else WRONG for i in range(len(completions))]
            return await super().__call__(prompts, scripted, completion_ids, **kw)

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
    total = spec_component(resolve(str(EXAMPLE)), "total")
    with BackgroundServer(total, ServerConfig(port=0, cache_url="off")) as server, caplog.at_level(logging.WARNING):
        trainer = GRPOTrainer(
            model=model,
            reward_funcs=[
                Scripted(str(EXAMPLE), component="total", name="math"),
                AsyncScripted(urls=server.url, name="math_remote"),
                TRLReward(str(EXAMPLE), name="grouped_wrongly", group_key="prompt_id"),
            ],
            args=args,
            train_dataset=data,
            processing_class=tokenizer,
        )
        try:
            with pytest.warns(RuntimeWarning, match="no 'prompt_id' field"):
                trainer.train()
        finally:
            torch.set_num_threads(threads)
    assert sum(calls) >= 4 and trainer.state.global_step == 2
    steps = [entry for entry in trainer.state.log_history if "rewards/math/mean" in entry]
    assert steps, trainer.state.log_history
    for entry in steps:
        assert entry["rewards/math/mean"] == 0.5 and entry["rewards/math/std"] > 0  # right and wrong differ
        assert entry["rewards/math_remote/mean"] == 0.5
        assert entry["frac_reward_zero_std"] == 0.0  # the run logged 1.0 here
        assert entry["math/format"] == 1.0 and entry["math/error"] == 0.0
        assert entry["grouped_wrongly/error"] == 1.0  # the refusals, counted in TRL's own logs
    said = caplog.text
    assert "normalizes (group_norm 'advantage')" in said and "GRPOTrainer normalizes" in said  # at start-up
    assert "no 'prompt_id' field" in said  # and at each step
