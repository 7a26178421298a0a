"""`rewardlab train prm-label` then `rewardlab train prm` then `rewardlab score -r prm:DIR`, end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rewardlab.cli import app
from rewardlab.data import read_jsonl

from ..smollm2_helpers import smollm2
from .test_prm_data import PROBLEMS

pytestmark = pytest.mark.integration
runner = CliRunner()


def _problems_file(path: Path) -> Path:
    rows = [{"id": pid, "question": q, "solution": s, "answer": a} for pid, q, s, a in PROBLEMS]
    rows = [rows[0], *rows, *rows[1:]]  # the first row is the few-shot example
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


def test_label_train_and_score(tmp_path: Path) -> None:
    smollm2()
    problems = _problems_file(tmp_path / "problems.jsonl")
    labels = tmp_path / "labels.jsonl"
    res = runner.invoke(
        app, ["train", "prm-label", "-p", str(problems), "--mode", "structural", "--corrupt", "2", "-o", str(labels)]
    )
    assert res.exit_code == 0, res.output
    records = read_jsonl(labels)
    assert {r["source"] for r in records} == {"reference-structural", "corrupted-structural"}
    assert "labels by source" in res.output

    out = tmp_path / "prm"
    args = ["train", "prm", "-d", str(labels), "-o", str(out), "--epochs", "1", "--train-layers", "1"]
    res = runner.invoke(app, [*args, "--eval-fraction", "0.3", "--no-progress"])
    assert res.exit_code == 0, res.output
    assert {"prm.json", "prm.safetensors", "MODEL_CARD.md"} <= {p.name for p in out.iterdir()}
    assert "epoch 1" in res.output
    again = runner.invoke(app, args)
    assert again.exit_code == 2 and "--overwrite" in again.output

    solutions = tmp_path / "solutions.jsonl"
    solutions.write_text(
        json.dumps({"prompt": PROBLEMS[0][1], "completion": "48/2 = <<48/2=24>>24\n48+24 = <<48+24=72>>72\nA: 72"})
        + "\n",
        encoding="utf-8",
    )
    scored = tmp_path / "scored.jsonl"
    res = runner.invoke(app, ["score", "-r", f"prm:{out}", "-i", str(solutions), "-o", str(scored)])
    assert res.exit_code == 0, res.output
    (row,) = read_jsonl(scored)
    assert len(row["reward"]["info"]["step_scores"]) == 3 and 0.0 <= row["reward"]["score"] <= 1.0


def test_bad_arguments_exit_2(tmp_path: Path) -> None:
    res = runner.invoke(app, ["train", "prm", "-d", str(tmp_path / "missing.jsonl"), "-o", str(tmp_path / "o")])
    assert res.exit_code == 2 and "no such file" in res.output
    res = runner.invoke(app, ["train", "prm-label", "-p", str(tmp_path / "x"), "-o", "y", "--mode", "magic"])
    assert res.exit_code == 2 and "--mode 'magic'" in res.output
    bad = tmp_path / "labels.jsonl"
    bad.write_text('{"prompt": "q", "steps": ["a"], "labels": [1]}\n', encoding="utf-8")
    res = runner.invoke(app, ["train", "prm", "-d", str(bad), "-o", str(tmp_path / "o"), "--label-mode", "outcomes"])
    assert res.exit_code == 2 and "--label-mode" in res.output
