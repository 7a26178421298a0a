"""`rewardlab train bt` end to end on the real MiniLM: the folder, the card, scoring it as `rm:DIR`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rewardlab.cli import app
from rewardlab.core.spec import resolve, spec_from_dict
from rewardlab.data.jsonl import read_jsonl
from rewardlab.models.bt.checkpoint import read_config

from .bt_helpers import preference_rows, write_preferences_file

pytestmark = pytest.mark.integration
runner = CliRunner()


@pytest.fixture(autouse=True)
def _home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REWARDLAB_HOME", str(tmp_path_factory.mktemp("home")))


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """One small model trained through the CLI: 24 pairs, 1 epoch, short inputs."""
    root = tmp_path_factory.mktemp("bt")
    data = write_preferences_file(root / "train.jsonl", 24)
    out = root / "model"
    res = runner.invoke(
        app,
        ["train", "bt", "--data", str(data), "--out", str(out), "--max-length", "32", "--epochs", "1",
         "--batch-size", "8", "--eval-fraction", "0.25", "--split-by", "question_id", "--center-coef", "0.01",
         "--margin", "0.1", "--seed", "3", "--no-progress"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    return out, data, res.output


def test_folder_holds_safetensors_config_and_card(trained: tuple[Path, Path, str]) -> None:
    out, data, output = trained
    assert "held-out acc" in output and "training epoch 1/1" in output  # accuracy reported each epoch
    assert "score with: rewardlab score -r rm:" in output
    files = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert {"reward_model.json", "card.json", "MODEL_CARD.md", "member-0/model.safetensors",
            "member-0/reward_head.safetensors", "member-0/config.json", "member-0/tokenizer.json"} <= files  # fmt: skip
    assert not [f for f in files if f.endswith((".bin", ".pt", ".pkl", ".pth"))]  # no pickle anywhere
    config = read_config(out)
    assert (config.backbone, config.kind, config.pooling, config.max_length) == (
        "minilm",
        "encoder",
        "completion_mean",
        32,
    )
    assert config.ensemble_mode == "single" and len(config.members) == 1

    card = json.loads((out / "card.json").read_text())
    assert card["rewardlab_version"] and card["backbone"]["name"] == "minilm"
    assert card["backbone"]["architecture"] == "BertModel"
    assert card["data"]["train_file"] == str(data)
    assert card["data"]["train_pairs"] + card["data"]["eval_pairs"] == 24
    assert "grouped by question_id" in card["data"]["eval_source"]
    params = card["parameters"]
    assert (params["epochs"], params["batch_size"], params["center_coef"], params["margin"], params["seed"]) == (
        1, 8, 0.01, 0.1, 3,
    )  # fmt: skip
    epoch = card["metrics"]["members"][0]["epochs"][0]
    assert epoch["eval_pairs"] == card["data"]["eval_pairs"] and 0.0 <= epoch["eval_accuracy"] <= 1.0
    assert card["metrics"]["eval_accuracy"] == epoch["eval_accuracy"]
    assert card["metrics"]["longer_answer_wins_accuracy"] is not None
    assert card["time"]["train_seconds"] > 0 and card["machine"]["torch"].startswith("2.13")
    markdown = (out / "MODEL_CARD.md").read_text()
    assert "held-out pairwise accuracy" in markdown and f"rm:{out}" in markdown and "| center_coef | 0.01" in markdown


def test_trained_model_scores_via_rm_scheme_cli_and_spec(trained: tuple[Path, Path, str], tmp_path: Path) -> None:
    out, _, _ = trained
    samples = [
        {"prompt": r["prompt"], "completion": r[side]} for r in preference_rows(4) for side in ("chosen", "rejected")
    ]
    samples.append({"prompt": "no completion here"})
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(json.dumps(s) for s in samples) + "\n")
    scored = tmp_path / "out.jsonl"
    res = runner.invoke(app, ["score", "-r", f"rm:{out}", "-i", str(src), "-o", str(scored)])
    assert res.exit_code == 0, res.output
    rows = read_jsonl(scored)
    cli_scores = [r["reward"]["score"] for r in rows]
    assert all(isinstance(s, float) for s in cli_scores[:-1])
    assert rows[-1]["reward"]["status"] == "not_applicable"

    from_spec = spec_from_dict({"reward": {"type": "reward_model", "path": str(out), "batch_size": 3}})
    spec_scores = [r.score for r in from_spec.score_batch(samples)]
    assert spec_scores[-1] is None
    assert spec_scores[:-1] == pytest.approx(cli_scores[:-1], abs=1e-5)


def test_training_learns_a_clear_preference_with_an_ensemble_of_heads(tmp_path: Path) -> None:
    """A linear probe (every layer frozen: features computed once) with 3 bootstrap heads: fast, and a
    real check that learning happens."""
    from rewardlab.data.preferences import read_preferences
    from rewardlab.models.bt.config import BTTrainConfig
    from rewardlab.models.bt.reward import RewardModel
    from rewardlab.models.bt.train import train_bt

    train = read_preferences(write_preferences_file(tmp_path / "train.jsonl", 32))
    held = read_preferences(write_preferences_file(tmp_path / "held.jsonl", 16, offset=100))
    config = BTTrainConfig(
        max_length=32, epochs=4, batch_size=8, freeze_layers=6, head_learning_rate=5e-2, ensemble=3,
        ensemble_mode="heads", seed=0,
    )  # fmt: skip
    report = train_bt(config, train, held, tmp_path / "rm")
    epochs = report.members[0].epochs
    assert epochs[-1]["train_loss"] < epochs[0]["train_loss"]
    assert report.eval_accuracy is not None and report.eval_accuracy >= 0.9
    saved = read_config(tmp_path / "rm")
    assert saved.ensemble_mode == "heads" and saved.members[0].n_heads == 3 and saved.n_scores == 3
    rm = RewardModel(path=str(tmp_path / "rm"))
    kind, rude = rm.score_batch([held[0].sample("chosen"), held[0].sample("rejected")])
    assert kind.score is not None and rude.score is not None and kind.score > rude.score
    assert len(kind.info["members"]) == 3 and len(set(kind.info["members"])) == 3  # heads differ (bootstrap)


def test_members_ensemble_via_cli_on_a_local_model_folder(tmp_path: Path) -> None:
    from rewardlab.models.backbones.encoder import minilm_dir

    data = write_preferences_file(tmp_path / "train.jsonl", 16)
    out = tmp_path / "ens"
    res = runner.invoke(
        app,
        ["train", "bt", "-d", str(data), "-o", str(out), "--ensemble", "2", "--max-length", "24",
         "--freeze-layers", "5", "--eval-fraction", "0.25", "--backbone", str(minilm_dir()), "--no-progress"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    config = read_config(out)
    assert (config.backbone, config.kind) == ("model", "encoder")  # a Hugging Face folder, kind from its config
    assert config.ensemble_mode == "members" and [m.seed for m in config.members] == [0, 1]
    assert [m.path for m in config.members] == ["member-0", "member-1"]
    card = json.loads((out / "card.json").read_text())
    assert len(card["metrics"]["members"]) == 2
    result = resolve(f"rm:{out}").score({"prompt": "Hi", "completion": "Hello, happy to help!"})
    members = result.info["members"]
    assert len(members) == 2 and members[0] != members[1]
    assert result.score == pytest.approx(sum(members) / 2)


def test_cli_errors_are_clear(tmp_path: Path) -> None:
    data = write_preferences_file(tmp_path / "train.jsonl", 4)
    res = runner.invoke(app, ["train", "bt", "-d", str(tmp_path / "nope.jsonl"), "-o", str(tmp_path / "m")])
    assert res.exit_code == 2 and "nope.jsonl: no such file" in res.output
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine")
    res = runner.invoke(app, ["train", "bt", "-d", str(data), "-o", str(busy)])
    assert res.exit_code == 2 and "folder is not empty" in res.output
    res = runner.invoke(app, ["train", "bt", "-d", str(data), "-o", str(busy), "--overwrite"])
    assert res.exit_code == 2 and "not a rewardlab model" in res.output and (busy / "notes.txt").exists()
    res = runner.invoke(app, ["train", "bt", "-d", str(data), "-o", str(tmp_path / "m"), "--ensemble-mode", "both"])
    assert res.exit_code == 2 and "--ensemble-mode" in res.output
    res = runner.invoke(app, ["train", "bt", "-d", str(data), "-o", str(tmp_path / "m"), "--format", "csv"])
    assert res.exit_code == 2 and "--format 'csv'" in res.output
    res = runner.invoke(app, ["train", "bt", "-d", str(data), "-o", str(tmp_path / "m"), "--split-by", "nope"])
    assert res.exit_code == 2 and "has no 'nope' to split by" in res.output
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"prompt": "q", "chosen": 1, "rejected": "b"}\n')
    res = runner.invoke(app, ["train", "bt", "-d", str(bad), "-o", str(tmp_path / "m"), "--strict"])
    assert res.exit_code == 2 and "bad.jsonl:1: field 'chosen'" in res.output
    res = runner.invoke(app, ["score", "-r", f"rm:{tmp_path / 'missing'}", "-i", str(data)])
    assert res.exit_code == 2 and "no such reward model folder" in res.output
    res = runner.invoke(app, ["train", "bt", "-d", str(data), "-o", str(tmp_path / "m"), "--backbone", "nope"])
    assert res.exit_code == 2 and "unknown backbone 'nope'" in res.output


def test_train_help_teaches_with_examples() -> None:
    res = runner.invoke(app, ["train", "bt", "--help"])
    assert res.exit_code == 0
    assert "rewardlab train bt --data prefs.jsonl --out models/rm" in res.output
    assert "--center-coef" in res.output and "--ensemble" in res.output and "--eval-data" in res.output
