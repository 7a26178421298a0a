"""The reward side of the README's verl and OpenRLHF recipes for ``examples/grpo_trl.py``'s task:
the same spec (``examples/grpo_arith.yaml``), the rows ``--export`` writes, the responses decoded
as each trainer decodes them (SmolLM2's tokenizer and chat template), and the same rewards as
TRL's adapter gives the same assistant turns.

verl's naive reward manager and OpenRLHF's reward-file call are reproduced in
``test_verl.py`` / ``test_openrlhf.py`` (their sources and licences are named there); here they
are driven with the example's own rows.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from rewardlab.integrations import openrlhf, verl
from rewardlab.integrations.trl import TRLReward

from .helpers import smollm2_tokenizer
from .test_verl import load_by_path

REPO = Path(__file__).resolve().parents[2]
SPEC = str(REPO / "examples" / "grpo_arith.yaml")


@pytest.fixture(scope="module")
def example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("grpo_trl_recipes", REPO / "examples" / "grpo_trl.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REWARDLAB_HOME", str(tmp_path / "home"))
    for name in ("REWARDLAB_SPEC", "REWARDLAB_URL", "REWARDLAB_TOKEN", "REWARDLAB_COMPONENT"):
        monkeypatch.delenv(name, raising=False)
    verl._SCORERS.clear()
    openrlhf._DEFAULT = None


def turns(answer: str) -> list[str]:
    """Whole assistant turns: right, wrong, hedged, right without the format, several answers."""
    wrong = str(int(answer) + 1)
    return [
        f"<think>count them</think><answer>{answer}</answer>",
        f"<think>count them</think><answer>{wrong}</answer>",
        f"<think>not sure</think><answer>{answer} or {wrong}</answer>",
        f"The answer is {answer}.",
        f"<think>two tries</think><answer>{answer}, {wrong}</answer>",
    ]


def trl_rewards(example: ModuleType, row: dict[str, Any], texts: list[str]) -> list[float | None]:
    """What the TRL example gives the same turns (its prompt prefilled with <think>)."""
    reward = TRLReward(SPEC, name="arith")
    out = []
    for text in texts:  # a turn that opens with the prefill was generated after it; another one was not
        prefilled = text.startswith(example.PREFILL)
        prompt = row["prompt"] if prefilled else row["prompt"][:-1]
        continuation = text.removeprefix(example.PREFILL) if prefilled else text
        out.extend(reward(prompts=[prompt], completions=[continuation], answer=[row["answer"]]))
    return out


def test_verl_rows_and_naive_manager_give_the_trl_rewards(example: ModuleType, tmp_path: Path) -> None:
    from datasets import Dataset

    path = example.export("verl", tmp_path / "train.parquet", n=12, seed=0)
    rows = Dataset.from_parquet(str(path)).to_list()
    assert len(rows) == 12 and rows[0]["prompt"][-1]["role"] == "user"
    source, _ = example.train_and_heldout(n_train=12, seed=0)
    tokenizer = smollm2_tokenizer()
    module = load_by_path(verl.reward_file_path())
    for vrow, trow in list(zip(rows, source, strict=True))[:3]:
        texts = turns(vrow["reward_model"]["ground_truth"])
        got = []
        for text in texts:  # verl's NaiveRewardManager: ids cut to the valid length, decoded
            ids = tokenizer(text, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
            solution = tokenizer.decode(ids, skip_special_tokens=True)
            score = module.compute_score(
                data_source=vrow["data_source"],
                solution_str=solution,
                ground_truth=vrow["reward_model"]["ground_truth"],
                extra_info={**vrow["extra_info"], "num_turns": None, "rollout_reward_scores": {}},
                spec=SPEC,
            )
            assert set(score) == {"score", "total", "accuracy", "format"}
            got.append(score["score"])
        assert got == pytest.approx(trl_rewards(example, trow, texts))
        assert got == pytest.approx([1.2, 0.2, 0.2, 0.0, 0.2])  # hedged and multi-answer earn no accuracy


def test_openrlhf_rows_and_reward_file_give_the_trl_rewards(
    example: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = example.export("openrlhf", tmp_path / "train.jsonl", n=12, seed=0)
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    source, _ = example.train_and_heldout(n_train=12, seed=0)
    tokenizer = smollm2_tokenizer()
    monkeypatch.setenv("REWARDLAB_SPEC", SPEC)
    reward_func = load_by_path(openrlhf.reward_file_path()).reward_func
    for orow, trow in list(zip(rows, source, strict=True))[:3]:
        texts = turns(orow["answer"])
        # --apply_chat_template: the prompt with the generation prompt; the query decoded with its
        # special tokens, the end-of-sequence token included
        prompt = tokenizer.apply_chat_template(orow["prompt"], tokenize=False, add_generation_prompt=True)
        queries = [
            tokenizer.decode(
                tokenizer(prompt + t, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id],
                skip_special_tokens=False,
            )
            for t in texts
        ]
        out = reward_func(queries, [prompt] * len(texts), [orow["answer"]] * len(texts))
        assert out["rewards"].tolist() == pytest.approx(trl_rewards(example, trow, texts))
        assert set(out["extra_logs"]) >= {"accuracy", "format", "total"}
        assert out["extra_logs"]["accuracy"].tolist() == [1.0, 0.0, 0.0, 0.0, 0.0]


def test_export_refuses_an_unknown_trainer(example: ModuleType, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="'verl' or 'openrlhf'"):
        example.export("deepspeed", tmp_path / "x", n=2, seed=0)


def test_the_command_line_names_a_wrong_export_kind(example: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        example.parse_args(["--export", "deepspeed", "out.jsonl"])
    assert exit_info.value.code == 2
    assert "--export KIND must be 'verl' or 'openrlhf', got 'deepspeed'" in capsys.readouterr().err
