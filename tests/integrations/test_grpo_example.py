"""``examples/grpo_trl.py`` runs (TRL's GRPOTrainer on SmolLM2 with the example's spec), logs
every component, records every completion, resumes from its checkpoint; and
``benchmarks/grpo_rise.py`` reads such a run folder into its report.

Tiny settings (one prompt, two completions of a few tokens, one trained layer) keep it to two
CPU steps; the benchmark itself is the long run (``benchmarks/RESULTS.md``).
"""

from __future__ import annotations

import importlib.util
import json
import random
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from rewardlab.core.spec import resolve

REPO = Path(__file__).resolve().parents[2]


def load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def example() -> ModuleType:
    return load(REPO / "examples" / "grpo_trl.py", "grpo_trl_example_under_test")


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return load(REPO / "benchmarks" / "grpo_rise.py", "grpo_rise_under_test")


def test_the_task_is_verifiable_by_the_spec(example: ModuleType) -> None:
    train, heldout = example.train_and_heldout(n_train=300, n_heldout=40, seed=3)
    assert not {r["question"] for r in train} & {r["question"] for r in heldout}
    reward = resolve(str(example.SPEC))
    for row in random.Random(0).sample(train, 20):
        a, b = (int(n) for n in __import__("re").findall(r"\d+", row["question"])[:2])
        assert int(row["answer"]) == (a + b if row["kind"] == "add" else a - b)
        assert row["prompt"][-1] == {"role": "assistant", "content": "<think>"}
        right = f"<think>{a} and {b}</think><answer>{row['answer']}</answer>"
        r = reward.score({"prompt": row["prompt"][:-1], "completion": right, "answer": row["answer"]})
        assert r.score == pytest.approx(1.2) and r.components["accuracy"] == 1.0
    hedged = reward.score({"completion": "<think>x</think><answer>7 or 8</answer>", "answer": "7"})
    assert hedged.components["accuracy"] == 0.0 and hedged.components["format"] == 1.0


@pytest.mark.integration
def test_two_steps_log_every_component_and_resume(example: ModuleType, bench: ModuleType, tmp_path: Path) -> None:
    import torch

    threads = torch.get_num_threads()
    out = tmp_path / "run"
    tiny = [
        "--out", str(out), "--prompts-per-step", "1", "--num-generations", "2", "--max-completion-length", "8",
        "--train-layers", "1", "--save-steps", "1", "--lr", "1e-6",
    ]  # fmt: skip
    try:
        assert example.main([*tiny, "--steps", "1"]) == 0
        assert (out / "checkpoint-1").is_dir() and (out / "final" / "config.json").is_file()
        assert example.main([*tiny, "--steps", "2"]) == 0  # resumes from checkpoint-1
    finally:
        torch.set_num_threads(threads)
    logs = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    steps = [entry for entry in logs if "arith/total" in entry]
    assert [entry["step"] for entry in steps] == [1, 2]
    for entry in steps:
        for key in ("arith/accuracy", "arith/format", "arith/total", "arith/ok", "arith/error", "reward"):
            assert key in entry, key
        assert entry["arith/ok"] == 1.0
    rows = [json.loads(line) for line in (out / "completions.jsonl").read_text().splitlines()]
    assert len(rows) == 4 and {r["step"] for r in rows} == {0, 1}
    reward = resolve(str(example.SPEC))
    for r in rows:
        assert r["completion"].startswith("<think>")  # the prefill is part of the scored turn
        again = reward.score({"completion": r["completion"], "answer": r["answer"]})
        assert r["score"] == pytest.approx(again.score) and set(r["components"]) == {"total", "accuracy", "format"}

    report: dict[str, Any] = bench.analyse(out, window=1)
    assert [p["step"] for p in report["curve"]] == [0, 1] and "train_windows" in report
    assert report["wall"]["steps"] == 2
    args = bench.parse_args(["--out", str(out), "--report-only"])
    text = bench.markdown(report, args, None)
    assert "| total |" in text and "Refused as gamed" in text


def test_the_report_counts_gamed_completions(bench: ModuleType, tmp_path: Path) -> None:
    from rewardlab import build_reward

    verifier = build_reward({"type": "math", "extract": ["answer_tag"]})
    assert bench.gamed_reason("<think>x</think><answer>7 or 8</answer>", "7", verifier) == "hedged"
    assert bench.gamed_reason("<think>x</think><answer></answer>", "7", verifier) == "empty"
    assert bench.gamed_reason("<think>x</think><answer>7, 8</answer>", "7", verifier) == "multi-answer"
    assert bench.gamed_reason("<think>x</think><answer>7</answer>", "7", verifier) is None
    # a run folder written by hand: two steps, the second better and with a hedged answer
    rows = []
    for step, completions in ((0, ["<answer>3</answer>", "<answer>9</answer>"]), (1, ["<answer>7</answer>"] * 2)):
        for i, c in enumerate(completions):
            score = 1.0 if "7" in c else 0.0
            comps = {"total": score, "accuracy": score, "format": 0.0}
            rows.append(
                {"step": step, "index": i, "question": f"q{i}", "answer": "7", "completion": c, "components": comps}
            )
    rows[1]["completion"] = "<answer>7 or 9</answer>"
    (tmp_path / "completions.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    report = bench.analyse(tmp_path, window=1)
    assert [p["total"] for p in report["curve"]] == [0.0, 1.0]
    assert [p["hedged"] for p in report["curve"]] == [0.5, 0.0]
    delta = report["train_windows"]["components"]["total"]["delta"]
    assert delta[0] == pytest.approx(1.0)
    text = bench.markdown(report, bench.parse_args(["--out", str(tmp_path), "--report-only"]), None)
    assert "| total | 0.000 [0.000, 0.000] | 1.000 [1.000, 1.000] | +1.000" in text
    assert "hedged 0.500 -> 0.000" in text
