"""Candidate lists with scores (best-of-N data) as Bradley-Terry training data: reading, pairs, the
prompt-disjoint split, and `rewardlab train bt` on such a file with its defaults."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rewardlab.cli import app
from rewardlab.core.errors import InputError
from rewardlab.models.bt.candidates import (
    CANDIDATE_DEFAULTS,
    CandidateList,
    candidate_pairs,
    file_holds_candidate_lists,
    is_candidate_list,
    load_candidate_lists,
    parse_candidate_row,
    probe_layers,
    split_lists,
)
from rewardlab.models.bt.checkpoint import read_config

from .bt_helpers import KIND, QUESTIONS, RUDE

runner = CliRunner()


def _lists_rows(n: int) -> list[dict[str, object]]:
    """``n`` prompts, 4 candidates each: kind answers scored high, rude ones low, one unscored."""
    rows = []
    for i in range(n):
        rows.append(
            {
                "id": f"p{i}",
                "instruction": QUESTIONS[i % len(QUESTIONS)] + f" (case {i})",
                "candidates": [KIND[i % 4], RUDE[i % 4], KIND[(i + 1) % 4], RUDE[(i + 2) % 4]],
                "gold": [0.9, 0.1, 0.6, None],
                "dataset": "toy",
            }
        )
    return rows


def _write(path: Path, rows: list[dict[str, object]]) -> Path:
    text = "\n".join(json.dumps(r) for r in rows) + "\n"
    if path.suffix == ".gz":
        with gzip.open(path, "wt", encoding="utf-8") as fh:
            fh.write(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_rows_are_read_with_their_fields_and_null_scores() -> None:
    lst = parse_candidate_row(_lists_rows(1)[0])
    assert lst.id == "p0" and lst.prompt == [{"role": "user", "content": QUESTIONS[0] + " (case 0)"}]
    assert lst.scores == [0.9, 0.1, 0.6, None] and lst.scored == [0, 1, 2]
    assert lst.meta == {"dataset": "toy"}
    chat = parse_candidate_row(
        {"prompt": [{"role": "user", "content": "q"}], "responses": ["a", "b"], "scores": [1, 2]}, line=4
    )
    assert chat.id == "line-4" and chat.candidates == ["a", "b"] and chat.scores == [1.0, 2.0]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"candidates": ["a"], "gold": [1]}, "missing the prompt"),
        ({"prompt": "q", "gold": [1]}, "missing the responses"),
        ({"prompt": "q", "candidates": ["a", 2], "gold": [1, 2]}, "field 'candidates': expected a list of strings"),
        ({"prompt": "q", "candidates": ["a", "b"], "gold": [1, "x"]}, "field 'gold[1]': expected a number or null"),
        ({"prompt": "q", "candidates": ["a", "b"], "gold": [1]}, "expected one score per candidate (2), got 1"),
        ({"prompt": 3, "candidates": ["a"], "gold": [1]}, "field 'prompt': expected a string or a list"),
    ],
)
def test_bad_rows_name_the_field(row: dict[str, object], message: str) -> None:
    with pytest.raises(InputError) as err:
        parse_candidate_row(row, line=2, source="c.jsonl")
    assert str(err.value).startswith("c.jsonl:2: ") and message in str(err.value)


def test_detection_tells_lists_from_pairs(tmp_path: Path) -> None:
    assert is_candidate_list(_lists_rows(1)[0])
    assert not is_candidate_list({"prompt": "q", "chosen": "a", "rejected": "b"})
    assert not is_candidate_list({"prompt": "q", "chosen": ["a"], "rejected": ["b"], "scores": [1]})
    assert file_holds_candidate_lists(_write(tmp_path / "l.jsonl.gz", _lists_rows(2)))
    pairs_file = _write(tmp_path / "p.jsonl", [{"prompt": "q", "chosen": "a", "rejected": "b"}])
    assert not file_holds_candidate_lists(pairs_file) and not file_holds_candidate_lists(tmp_path / "none.jsonl")


def test_all_pairs_respect_the_margin_and_skip_unscored_and_identical() -> None:
    lst = CandidateList("q", [{"role": "user", "content": "x"}], ["a", "b", "c", "a", "d"], [0.9, 0.1, 0.6, 0.2, None])
    pairs = candidate_pairs([lst], strategy="all", min_margin=0.25)
    got = {(p.meta["chosen_index"], p.meta["rejected_index"]) for p in pairs}
    # 0>1 (.8), 0>2 (.3), 2>1 (.5), 2>3 (.4); 0>3 are identical texts; 3>1 (.1) is below the margin
    assert got == {(0, 1), (0, 2), (2, 1), (2, 3)}
    assert all(p.group == "q" and p.margin == pytest.approx(abs(lst.scores[p.meta["chosen_index"]]  # type: ignore[operator]
               - lst.scores[p.meta["rejected_index"]])) for p in pairs)  # fmt: skip
    assert len(candidate_pairs([lst], min_margin=0.0)) == 5  # every scored, different pair (ties none here)


def test_best_vs_rest_pairs_the_top_candidate_only() -> None:
    lst = CandidateList("q", [{"role": "user", "content": "x"}], ["a", "b", "c"], [0.5, 0.9, 0.85])
    pairs = candidate_pairs([lst], strategy="best", min_margin=0.1)
    assert [(p.chosen, p.rejected) for p in pairs] == [("b", "a")]
    with pytest.raises(ValueError, match="strategy must be"):
        candidate_pairs([lst], strategy="most")  # type: ignore[arg-type]


def test_split_is_prompt_disjoint_even_for_repeated_prompts() -> None:
    lists = [CandidateList(f"r{i}", [{"role": "user", "content": f"q{i % 10}"}], ["a"], [1.0]) for i in range(30)]
    train, held = split_lists(lists, eval_fraction=0.2, seed=1)
    assert len(held) == 6 and len(train) == 24
    assert not {repr(x.prompt) for x in train} & {repr(x.prompt) for x in held}
    assert split_lists(lists, eval_fraction=0.2, seed=1) == (train, held)  # seeded


def test_probe_layers_of_known_and_folder_backbones(tmp_path: Path) -> None:
    assert probe_layers("minilm") == 6 and probe_layers("smollm2") == 30
    (tmp_path / "config.json").write_text('{"num_hidden_layers": 4}')
    assert probe_layers(str(tmp_path)) == 4 and probe_layers(str(tmp_path / "missing")) == 0


def test_load_skips_or_raises_bad_rows(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps(_lists_rows(1)[0]) + "\n{not json\n" + '{"prompt": "q"}\n')
    data = load_candidate_lists(path)
    assert len(data.lists) == 1 and len(data.skipped) == 2 and "c.jsonl:3" in data.skipped[1]
    with pytest.raises(InputError):
        load_candidate_lists(path, strict=True)


@pytest.mark.integration
def test_train_bt_on_candidate_lists_with_minilm_uses_the_probe_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A neural --backbone on candidate lists takes the neural list defaults (the consensus model, the
    default without --backbone, is tested in tests/models/consensus)."""
    monkeypatch.setenv("REWARDLAB_HOME", str(tmp_path / "home"))
    data = _write(tmp_path / "bon.jsonl.gz", _lists_rows(20))
    out = tmp_path / "model"
    res = runner.invoke(
        app, ["train", "bt", "--data", str(data), "--out", str(out), "--backbone", "minilm", "--epochs", "2",
              "--max-length", "48", "--eval-fraction", "0.2", "--no-progress"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    # 3 scored candidates, margins .8 .3 .5 all above 0.25: 3 pairs a prompt; 4 of 20 prompts held out
    assert "20 candidate lists: 48 training pairs from 16 prompts, 12 held-out pairs from 4 prompts" in res.output
    card = json.loads((out / "card.json").read_text())
    cfg = card["parameters"]
    assert cfg["freeze_layers"] == 6 and cfg["epochs"] == 2 and cfg["max_length"] == 48  # a probe by default
    assert cfg["batch_size"] == CANDIDATE_DEFAULTS["batch_size"]
    assert read_config(out).max_length == 48
    assert card["data"]["candidate_lists"] == 20 and card["data"]["eval_lists"] == 4
    assert card["metrics"]["eval_accuracy"] > 0.5  # kind over rude is learnable from a probe


def test_pair_options_are_refused_for_pair_files(tmp_path: Path) -> None:
    data = _write(tmp_path / "p.jsonl", [{"prompt": "q", "chosen": "a", "rejected": "b"}])
    res = runner.invoke(app, ["train", "bt", "-d", str(data), "-o", str(tmp_path / "m"), "--pairs", "best"])
    assert res.exit_code == 2 and "candidate lists with scores only" in res.output
    lists = _write(tmp_path / "l.jsonl", _lists_rows(3))
    res = runner.invoke(app, ["train", "bt", "-d", str(lists), "-o", str(tmp_path / "m"), "--pairs", "most"])
    assert res.exit_code == 2 and "--pairs 'most'" in res.output
