"""`rewardlab select`: best-of-N, threshold, top-k, pairs, filter, stats on scored samples; the pairs train a
Bradley-Terry model with `rewardlab train bt` and the SFT rows train TRL's SFTTrainer for a step."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from rewardlab.cli import app
from rewardlab.loop.scored import ScoredFileError, read_scored, scored_rows
from rewardlab.loop.selection import best_of_n, dpo_row, filter_groups, pairs, prompt_row, ranked, threshold, top_k

runner = CliRunner()

# Completions of three GSM8K-style questions, scored below by the real `math` reward through the CLI.
QUESTIONS = {
    "q1": ("Tom has 3 apples and buys 4 more. How many apples does he have?", "7"),
    "q2": ("A box holds 6 eggs. How many eggs are in 5 boxes?", "30"),
    "q3": ("Sara reads 10 pages a day. How many pages does she read in 3 days?", "30"),
}
COMPLETIONS = {
    "q1": ["3 + 4 = 7.\n#### 7", "3 + 4 = 8\n#### 8", "He has 7 apples.\n#### 7", "#### 12"],
    "q2": ["6 * 5 = 30\n#### 30", "6 * 5 = 30\n#### 30", "6 * 5 = 30\n#### 30", "5 boxes: 30 eggs.\n#### 30"],
    "q3": ["10 * 3 = 13\n#### 13", "It is 30 or 31.", "#### 3", "10 + 3 = 13\n#### 13"],
}


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def scored(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("scored")
    samples = d / "samples.jsonl"
    with samples.open("w", encoding="utf-8") as fh:
        for gid, (question, answer) in QUESTIONS.items():
            for k, completion in enumerate(COMPLETIONS[gid]):
                row = {"id": gid, "prompt": question, "answer": answer, "completion": completion}
                fh.write(json.dumps({**row, "group_id": gid, "sample_index": k}) + "\n")
    out = d / "scored.jsonl"
    res = runner.invoke(app, ["score", "-r", "math", "-i", str(samples), "-o", str(out), "--no-summary"])
    assert res.exit_code == 0, res.output
    return out


def test_scored_file_reads_scores_groups_and_answers(scored: Path) -> None:
    data = read_scored(scored, answer_key="reward.info.extracted")
    assert data.group_key == "group_id" and len(data.rows) == 12
    assert [r.score for r in data.groups()["q1"]] == [1.0, 0.0, 1.0, 0.0]
    assert [r.answer for r in data.groups()["q1"]] == ["7", "8", "7", "12"]
    assert data.groups()["q3"][1].score == 0.0  # the hedged answer pays nothing in strict mode


def test_best_threshold_top_k(scored: Path) -> None:
    data = read_scored(scored)
    best = best_of_n(data, tie_break="index")
    assert [(r.group, r.index) for r in best] == [("q1", 0), ("q2", 0), ("q3", 0)]
    assert [r.score for r in best] == [1.0, 1.0, 0.0]
    # random tie-break: seeded per group, the same on a rerun, spread over the tied samples
    picks = {seed: [r.index for r in best_of_n(data, seed=seed)] for seed in range(30)}
    assert picks[3] == [r.index for r in best_of_n(data, seed=3)]
    assert {p[0] for p in picks.values()} == {0, 2}  # q1: the two correct ones, nothing else
    assert {p[1] for p in picks.values()} == {0, 1, 2, 3}
    assert [r.index for r in best_of_n(data, n=2, tie_break="index")] == [0, 0, 0]
    assert [(r.group, r.index) for r in threshold(data, min_score=1.0)] == [("q1", 0), ("q1", 2)] + [
        ("q2", k) for k in range(4)
    ]
    assert len(threshold(data, min_score=1.0, max_per_group=1)) == 2
    top = top_k(data, k=3, tie_break="index")
    assert [(r.group, r.index) for r in top[:3]] == [("q1", 0), ("q1", 2), ("q1", 1)]
    assert len(top) == 9


def test_pairs_need_a_margin_and_different_texts(scored: Path) -> None:
    data = read_scored(scored)
    found = pairs(data, min_margin=0.5, tie_break="index")
    assert [(c.group, c.index, r.index) for c, r in found] == [("q1", 0, 3)]  # q2: no spread, q3: all wrong
    every = pairs(data, mode="all", tie_break="index")
    assert sorted((c.index, r.index) for c, r in every) == [(0, 1), (0, 3), (2, 1), (2, 3)]
    row = dpo_row(*found[0])
    assert row["prompt"] == [{"role": "user", "content": QUESTIONS["q1"][0]}]
    assert row["chosen"] == [{"role": "assistant", "content": COMPLETIONS["q1"][0]}]
    assert (row["score_chosen"], row["score_rejected"], row["group_id"]) == (1.0, 0.0, "q1")


def test_filter_groups_zero_variance_and_band(scored: Path) -> None:
    data = read_scored(scored)
    assert [g[0].group for g in filter_groups(data)] == ["q1"]
    assert [g[0].group for g in filter_groups(data, drop_zero_variance=False, max_mean=0.9)] == ["q1", "q3"]
    assert filter_groups(data, min_mean=0.6) == []
    prompt = prompt_row(data.groups()["q1"])
    assert prompt["prompt"] == QUESTIONS["q1"][0] and prompt["group_mean_score"] == 0.5
    assert "completion" not in prompt and "reward" not in prompt and "sample_index" not in prompt


def test_unscored_rows_are_never_picked() -> None:
    data = scored_rows(
        [{"group_id": "g", "completion": c, "reward": {"score": s}} for c, s in [("a", None), ("b", -1.0)]]
    )
    assert [r.data["completion"] for r in ranked(data.rows)] == ["b"]
    assert pairs(data) == []


@pytest.mark.parametrize(
    ("lines", "says"),
    [
        ('{"group_id": "g", "reward": {"score": 1}}\n{broken\n', "x.jsonl:2: invalid JSON"),
        ('{"group_id": "g", "completion": "a"}\n', "x.jsonl:1: no 'reward.score' field (is this a file written by"),
        ('{"group_id": "g", "reward": {"score": "high"}}\n', "'reward.score' must be a number or null, got str"),
        ('{"reward": {"score": 1.0}}\n', "no 'prompt' field to group by"),
    ],
)
def test_malformed_scored_files_name_the_line(tmp_path: Path, lines: str, says: str) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text(lines, encoding="utf-8")
    with pytest.raises(ScoredFileError, match=None) as info:
        read_scored(path)
    assert says in str(info.value)
    res = runner.invoke(app, ["select", "best", "-i", str(path), "-o", str(tmp_path / "o.jsonl")])
    assert res.exit_code == 2 and says in res.output and "--skip-bad" in res.output


def test_skip_bad_keeps_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text('{"group_id": "g", "reward": {"score": 1}, "completion": "a"}\nnope\n', encoding="utf-8")
    res = runner.invoke(app, ["select", "best", "-i", str(path), "-o", str(tmp_path / "o.jsonl"), "--skip-bad"])
    assert res.exit_code == 0, res.output
    assert "x.jsonl:2" in res.output and len(_rows(tmp_path / "o.jsonl")) == 1


def test_cli_commands_write_rows_and_summary(scored: Path, tmp_path: Path) -> None:
    out = tmp_path / "best.jsonl"
    res = runner.invoke(app, ["select", "best", "-i", str(scored), "-o", str(out), "--tie-break", "index"])
    assert res.exit_code == 0, res.output
    assert [r["sample_index"] for r in _rows(out)] == [0, 0, 0]
    assert "pass@4" in res.output and "maj@4" in res.output
    summary = json.loads(scored.with_name("scored.summary.json").read_text(encoding="utf-8"))
    assert summary["groups"] == 3 and summary["selection"]["rule"] == "best"
    assert summary["pass_at_k"]["1"] == pytest.approx((0.5 + 1.0 + 0.0) / 3)
    assert summary["pass_at_k"]["4"] == pytest.approx(2 / 3)
    # q1 votes 7, 8, 7, 12: 7 wins all four (right); q2 right; q3 votes 13 twice (wrong)
    assert summary["maj_at_k"]["4"] == pytest.approx((1.0 + 1.0 + 0.0) / 3)
    # maj@2 of q1 over its 6 pairs: {7, 7} right, four 1-1 ties of 7 with 8 or 12 (half right), {8, 12} wrong
    assert summary["maj_at_k"]["2"] == pytest.approx((3 / 6 + 1.0 + 0.0) / 3)
    assert summary["maj_at_k"]["1"] == pytest.approx(summary["pass_at_k"]["1"])
    assert summary["zero_variance_groups"] == 2  # q2 all right, q3 all wrong
    for command, extra, n in [
        ("threshold", ["--min-score", "1"], 6),
        ("top-k", ["-k", "1"], 3),
        ("filter", ["--format", "prompt"], 1),
        ("pairs", ["--min-margin", "0.5"], 1),
    ]:
        target = tmp_path / f"{command}.jsonl"
        res = runner.invoke(app, ["select", command, "-i", str(scored), "-o", str(target), *extra, "--summary", "-"])
        assert res.exit_code == 0, (command, res.output)
        assert len(_rows(target)) == n, command
    stats = runner.invoke(app, ["select", "stats", "-i", str(scored), "--json", "--summary", str(tmp_path / "s.json")])
    assert stats.exit_code == 0
    assert json.loads((tmp_path / "s.json").read_text())["samples"] == 12


@pytest.mark.parametrize("command", ["best", "threshold", "top-k", "pairs", "filter", "stats"])
def test_every_select_command_has_an_example(command: str) -> None:
    res = runner.invoke(app, ["select", command, "--help"])
    assert res.exit_code == 0 and f"rewardlab select {command} -i scored.jsonl" in res.output


def test_pairs_train_a_bradley_terry_model(scored: Path, tmp_path: Path) -> None:
    pairs_file = tmp_path / "pairs.jsonl"
    res = runner.invoke(
        app, ["select", "pairs", "-i", str(scored), "-o", str(pairs_file), "--mode", "all", "--summary", "-"]
    )
    assert res.exit_code == 0, res.output
    assert len(_rows(pairs_file)) == 4
    model = tmp_path / "rm"
    args = ["train", "bt", "-d", str(pairs_file), "-o", str(model), "--eval-fraction", "0", "--max-length", "64"]
    res = runner.invoke(app, [*args, "--batch-size", "2", "--no-progress", "--device", "cpu"])
    assert res.exit_code == 0, res.output
    card = json.loads((model / "card.json").read_text(encoding="utf-8"))
    assert card["data"]["train_pairs"] == 4
    scored_again = tmp_path / "rm_scored.jsonl"
    res = runner.invoke(app, ["score", "-r", f"rm:{model}", "-i", str(scored), "-o", str(scored_again), "--no-summary"])
    assert res.exit_code == 0, res.output
    assert all(isinstance(r["reward"]["score"], float) for r in _rows(scored_again))


def test_sft_rows_train_trl_sft_trainer_for_a_step(scored: Path, tmp_path: Path) -> None:
    pytest.importorskip("trl")
    from datasets import load_dataset
    from trl import SFTConfig, SFTTrainer

    from tests.models.smollm2_helpers import smollm2

    sft_file = tmp_path / "sft.jsonl"
    res = runner.invoke(
        app, ["select", "threshold", "-i", str(scored), "--min-score", "1", "-o", str(sft_file), "--format", "sft"]
    )
    assert res.exit_code == 0, res.output
    folder = smollm2().model_dir()
    dataset = load_dataset("json", data_files=str(sft_file), split="train")
    config = SFTConfig(
        output_dir=str(tmp_path / "out"),
        max_steps=1,
        per_device_train_batch_size=2,
        max_length=128,
        report_to=[],
        save_strategy="no",
        use_cpu=True,
        logging_steps=1,
    )
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(folder))
    model = AutoModelForCausalLM.from_pretrained(str(folder))
    trainer = SFTTrainer(model=model, args=config, train_dataset=dataset, processing_class=tokenizer)
    result = trainer.train()
    assert result.global_step == 1
    loss = trainer.state.log_history[0]["loss"]
    assert loss > 0 and loss == loss  # a finite, positive loss on the completion tokens
    # the completion-only loss: the prompt's tokens are masked out
    batch = trainer.data_collator([trainer.train_dataset[0]])
    assert (batch["labels"] == -100).any() and (batch["labels"] != -100).any()


def test_pairs_train_trl_dpo_trainer_for_a_step(scored: Path, tmp_path: Path) -> None:
    pytest.importorskip("trl")
    from datasets import load_dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import DPOConfig, DPOTrainer

    from tests.models.smollm2_helpers import smollm2

    pairs_file = tmp_path / "pairs.jsonl"
    res = runner.invoke(
        app, ["select", "pairs", "-i", str(scored), "-o", str(pairs_file), "--mode", "all", "--summary", "-"]
    )
    assert res.exit_code == 0, res.output
    folder = smollm2().model_dir()
    dataset = load_dataset("json", data_files=str(pairs_file), split="train")
    config = DPOConfig(
        output_dir=str(tmp_path / "out"),
        max_steps=1,
        per_device_train_batch_size=1,
        max_length=64,
        report_to=[],
        save_strategy="no",
        use_cpu=True,
        logging_steps=1,
    )
    tokenizer = AutoTokenizer.from_pretrained(str(folder))
    model = AutoModelForCausalLM.from_pretrained(str(folder))
    trainer = DPOTrainer(model=model, args=config, train_dataset=dataset, processing_class=tokenizer)
    result = trainer.train()
    assert result.global_step == 1
    log = trainer.state.log_history[0]
    assert log["loss"] == pytest.approx(0.6931, abs=0.01)  # the policy starts as its reference: -log sigmoid(0)
    assert "rewards/chosen" in log and "rewards/rejected" in log
