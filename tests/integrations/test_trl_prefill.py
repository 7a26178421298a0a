"""The TRL adapter's prefill handling (``join_prefill``) and its ``on_scored`` hook.

A conversational prompt that ends with an assistant message is rendered by TRL with
``continue_final_message`` (``trl.data_utils.apply_chat_template``): the model continues that
message, and the completion TRL hands the reward is the continuation alone. The checks below build
that prompt with SmolLM2's real chat template, as TRL does, and show that the reward sees the
whole assistant turn.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from rewardlab.core.result import RewardResult
from rewardlab.core.sample import Sample
from rewardlab.core.spec import resolve
from rewardlab.integrations.trl import TRLReward, join_prefill

REPO = Path(__file__).resolve().parents[2]
ARITH = REPO / "examples" / "grpo_arith.yaml"
QUESTION = [{"role": "user", "content": "Ann has 7 pens and gets 5 more. How many pens does Ann have now?"}]
PREFILLED = [*QUESTION, {"role": "assistant", "content": "<think>"}]


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REWARDLAB_HOME", str(tmp_path / "home"))


def test_join_prefill_moves_the_final_assistant_message_into_the_completion() -> None:
    prompt, completion = join_prefill(PREFILLED, "7 + 5 = 12</think><answer>12</answer>")
    assert prompt == QUESTION
    assert completion == "<think>7 + 5 = 12</think><answer>12</answer>"
    # conversational completions: the first assistant message gets the prefill
    prompt, messages = join_prefill(PREFILLED, [{"role": "assistant", "content": "12</think>"}])
    assert prompt == QUESTION and messages == [{"role": "assistant", "content": "<think>12</think>"}]
    # the input is not modified
    assert PREFILLED[-1] == {"role": "assistant", "content": "<think>"}


@pytest.mark.parametrize(
    ("prompt", "completion"),
    [
        ("plain text prompt", "A"),
        (QUESTION, "A"),  # ends with the user's turn: nothing to join
        ([], "A"),
        ([*QUESTION, {"role": "assistant", "content": None}], "A"),  # no text to join
        (PREFILLED, [{"role": "tool", "content": "x"}]),  # not an assistant continuation
        (PREFILLED, None),
    ],
)
def test_join_prefill_leaves_everything_else_alone(prompt: Any, completion: Any) -> None:
    assert join_prefill(prompt, completion) == (prompt, completion)


def test_the_reward_scores_the_whole_turn_trl_generates() -> None:
    """The prefilled prompt rendered as TRL renders it; the model's continuation; the score."""
    from trl.data_utils import apply_chat_template

    from .helpers import smollm2_tokenizer

    rendered = apply_chat_template({"prompt": PREFILLED}, smollm2_tokenizer())["prompt"]
    assert rendered.endswith("<|im_start|>assistant\n<think>")  # the turn is left open, the model continues it
    continuation = "7 + 5 = 12</think><answer>12</answer>"
    joined = TRLReward(str(ARITH), name="arith")
    kept = TRLReward(str(ARITH), name="arith", join_prefill=False)
    direct = resolve(str(ARITH)).score({"prompt": QUESTION, "completion": "<think>" + continuation, "answer": "12"})
    assert joined(prompts=[PREFILLED], completions=[continuation], answer=["12"]) == [direct.score]
    assert direct.components["format"] == 1.0 and direct.score == pytest.approx(1.2)
    # without joining, the reward sees a completion without its opening tag: the format is not met
    (alone,) = kept(prompts=[PREFILLED], completions=[continuation], answer=["12"])
    assert alone == pytest.approx(1.0)


class Recorder:
    """A picklable ``on_scored`` hook."""

    def __init__(self) -> None:
        self.calls: list[tuple[list[Sample], list[RewardResult], int | None]] = []

    def __call__(self, samples: list[Sample], results: list[RewardResult], step: int | None) -> None:
        self.calls.append((samples, results, step))


def test_on_scored_sees_the_samples_results_and_step() -> None:
    hook = Recorder()
    reward = TRLReward(str(ARITH), name="arith", on_scored=hook)
    completions = ["3</think><answer>12</answer>", "3</think><answer>11</answer>"]
    out = reward(
        prompts=[PREFILLED, PREFILLED],
        completions=completions,
        answer=["12", "12"],
        kind=["add", "add"],
        trainer_state=SimpleNamespace(global_step=5),
    )
    ((samples, results, step),) = hook.calls
    assert step == 5 and [r.score for r in results] == out == [pytest.approx(1.2), pytest.approx(0.2)]
    assert [s.completion_text for s in samples] == ["<think>" + c for c in completions]
    assert samples[0].get("kind") == "add" and results[1].components["accuracy"] == 0.0
    clone = pickle.loads(pickle.dumps(reward))
    clone(prompts=[PREFILLED], completions=completions[:1], answer=["12"])
    assert len(clone.on_scored.calls) == 2 and len(hook.calls) == 1  # the copy has its own hook


def test_on_scored_is_called_on_the_async_path() -> None:
    import asyncio

    from rewardlab.integrations.trl import AsyncTRLReward

    hook = Recorder()
    reward = AsyncTRLReward(str(ARITH), name="arith", on_scored=hook)
    out = asyncio.run(reward(prompts=[PREFILLED], completions=["x</think><answer>12</answer>"], answer=["12"]))
    assert out == [pytest.approx(1.2)] and hook.calls[0][1][0].score == pytest.approx(1.2)
