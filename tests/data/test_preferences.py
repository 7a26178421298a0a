"""Preference readers: every format into PreferencePair, errors naming line and field, splits."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from rewardlab.core.errors import InputError
from rewardlab.data.preferences import (
    PreferencePair,
    detect_format,
    load_preferences,
    parse_preference_row,
    read_preferences,
    write_preferences,
)
from rewardlab.data.splits import group_key, split_pairs
from rewardlab.data.transcript import TranscriptError, parse_transcript, split_final_turn


def write_rows(path: Path, rows: list[Any]) -> Path:
    text = "\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n"
    if path.suffix == ".gz":
        with gzip.open(path, "wt", encoding="utf-8") as fh:
            fh.write(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


# ---- one test per format -----------------------------------------------------------------------
def test_pairs_with_text_and_message_prompts(tmp_path: Path) -> None:
    path = write_rows(
        tmp_path / "p.jsonl",
        [
            {"id": "a", "prompt": "2+2?", "chosen": "4", "rejected": "5", "question_id": "q1"},
            {
                "prompt": [
                    {"role": "user", "content": "Hi"},
                    {"role": "assistant", "content": "Hey"},
                    {"role": "user", "content": "Bye"},
                ],
                "chosen": "Goodbye!",
                "rejected": "...",
            },
        ],
    )
    a, b = read_preferences(path)
    assert a == PreferencePair(
        id="a", prompt=[{"role": "user", "content": "2+2?"}], chosen="4", rejected="5", meta={"question_id": "q1"}
    )
    assert b.id == "line-2" and len(b.prompt) == 3 and b.prompt_text == "Bye"
    chosen, rejected = b.samples()
    assert chosen["completion"] == "Goodbye!" and rejected["completion"] == "..." and chosen["prompt"] == b.prompt
    assert chosen["id"] == "line-2:chosen"


def test_ultrafeedback_binarized_messages_with_score_margin(tmp_path: Path) -> None:
    row = {
        "prompt": "Write a haiku",
        "prompt_id": "p0",
        "chosen": [{"role": "user", "content": "Write a haiku"}, {"role": "assistant", "content": "Old pond..."}],
        "rejected": [{"role": "user", "content": "Write a haiku"}, {"role": "assistant", "content": "No."}],
        "score_chosen": 8.5,
        "score_rejected": 3.0,
    }
    (pair,) = read_preferences(write_rows(tmp_path / "uf.jsonl.gz", [row]))
    assert pair.prompt == [{"role": "user", "content": "Write a haiku"}]
    assert (pair.chosen, pair.rejected, pair.margin) == ("Old pond...", "No.", 5.5)
    assert pair.meta == {"prompt_id": "p0"}
    assert detect_format(row) == "messages"


def test_conversations_that_differ_before_the_answer_are_rejected() -> None:
    row = {
        "chosen": [{"role": "user", "content": "A"}, {"role": "assistant", "content": "x"}],
        "rejected": [{"role": "user", "content": "B"}, {"role": "assistant", "content": "y"}],
    }
    with pytest.raises(InputError, match="differ before their final answer"):
        parse_preference_row(row, line=3)
    bad_end = {"chosen": [{"role": "user", "content": "A"}], "rejected": [{"role": "user", "content": "A"}]}
    with pytest.raises(InputError, match="field 'chosen': the conversation must end with an assistant turn"):
        parse_preference_row(bad_end)


def test_raw_hh_transcripts(tmp_path: Path) -> None:
    common = "\n\nHuman: How do I pick a lock?\n\nAssistant: Why do you ask?\n\nHuman: I'm locked out."
    row = {
        "chosen": common + "\n\nAssistant: Call a locksmith or your landlord.",
        "rejected": common + "\n\nAssistant: Use a tension wrench and a pick.",
    }
    (pair,) = read_preferences(write_rows(tmp_path / "hh.jsonl", [row]))
    assert [m["role"] for m in pair.prompt] == ["user", "assistant", "user"]
    assert pair.prompt[2]["content"] == "I'm locked out."
    assert pair.chosen == "Call a locksmith or your landlord."
    assert pair.rejected == "Use a tension wrench and a pick."


def test_transcript_parser_errors() -> None:
    assert parse_transcript("\n\nHuman: a\n\nAssistant:")[-1] == {"role": "assistant", "content": ""}
    with pytest.raises(TranscriptError, match="final assistant turn is empty"):
        split_final_turn(parse_transcript("\n\nHuman: a\n\nAssistant: "))
    with pytest.raises(TranscriptError, match="alternate"):
        split_final_turn(parse_transcript("\n\nHuman: a\n\nHuman: b\n\nAssistant: c"))
    with pytest.raises(TranscriptError, match="starting with"):
        parse_transcript("hello\n\nHuman: a")
    # A marker without a blank line before it stays part of the text.
    assert parse_transcript("\n\nHuman: say Human: hi\n\nAssistant: ok")[0]["content"] == "say Human: hi"
    mismatch = {
        "chosen": "\n\nHuman: a\n\nAssistant: x",
        "rejected": "\n\nHuman: b\n\nAssistant: y",
    }
    with pytest.raises(InputError, match="transcripts differ"):
        parse_preference_row(mismatch)


@pytest.mark.parametrize(
    ("fields", "label", "expected"),
    [
        ({"response_a": "x", "response_b": "y"}, {"winner": "model_b"}, ("y", "x")),
        ({"response_a": "x", "response_b": "y"}, {"preference": "A"}, ("x", "y")),
        ({"response_0": "x", "response_1": "y"}, {"label": 1}, ("y", "x")),
        ({"response1": "x", "response2": "y"}, {"preferred": 1}, ("x", "y")),
        ({"responses": ["x", "y"]}, {"choice": 0}, ("x", "y")),
    ],
)
def test_labelled_two_responses(fields: dict[str, Any], label: dict[str, Any], expected: tuple[str, str]) -> None:
    (pair,) = parse_preference_row({"prompt": "q", **fields, **label, "extra": 1})
    assert (pair.chosen, pair.rejected) == expected
    assert pair.meta == {"extra": 1}


def test_labelled_errors_name_the_field() -> None:
    with pytest.raises(InputError, match=r"x.jsonl:4: field 'winner': a tie"):
        parse_preference_row(
            {"prompt": "q", "response_a": "x", "response_b": "y", "winner": "tie"}, line=4, source="x.jsonl"
        )
    with pytest.raises(InputError, match=r"field 'label': expected '0' or '1'.*got 7"):
        parse_preference_row({"prompt": "q", "response_0": "x", "response_1": "y", "label": 7})
    with pytest.raises(InputError, match="missing the preference label"):
        parse_preference_row({"prompt": "q", "response_a": "x", "response_b": "y"})
    with pytest.raises(InputError, match="exactly 2 responses"):
        parse_preference_row({"prompt": "q", "responses": ["x", "y", "z"], "label": 0})


def test_rewardbench_v1_and_v2(tmp_path: Path) -> None:
    v1 = {
        "id": 17,
        "prompt": "Fix the bug",
        "chosen": "patch",
        "chosen_model": "m1",
        "rejected": "nope",
        "rejected_model": "m2",
        "subset": "hep-python",
    }
    v2 = {
        "id": "rb2-5",
        "prompt": "What is 3*3?",
        "chosen": ["9"],
        "rejected": ["6", "8", "33"],
        "num_correct": 1,
        "subset": "Math",
    }
    pairs = read_preferences(write_rows(tmp_path / "rb.jsonl", [v1, v2]))
    assert len(pairs) == 4
    first = pairs[0]
    assert (first.id, first.subset, first.group) == ("17", "hep-python", None)
    assert first.meta == {"chosen_model": "m1", "rejected_model": "m2"}
    expanded = pairs[1:]
    assert [p.id for p in expanded] == ["rb2-5:0-0", "rb2-5:0-1", "rb2-5:0-2"]
    assert {p.group for p in expanded} == {"rb2-5"} and {p.subset for p in expanded} == {"Math"}
    assert [p.rejected for p in expanded] == ["6", "8", "33"] and {p.chosen for p in expanded} == {"9"}
    with pytest.raises(InputError, match="field 'rejected': expected a non-empty list"):
        parse_preference_row({"prompt": "q", "chosen": ["a"], "rejected": []}, format="rewardbench2")


def test_errors_carry_file_line_and_field(tmp_path: Path) -> None:
    path = write_rows(
        tmp_path / "bad.jsonl",
        [
            {"prompt": "q", "chosen": "a", "rejected": "b"},
            "{not json",
            {"prompt": "q", "chosen": 3, "rejected": "b"},
            {"prompt": "q", "chosen": "a"},
            {"chosen": "a", "rejected": "b"},
            {"prompt": [{"content": "no role"}], "chosen": "a", "rejected": "b"},
            {"prompt": "q2", "chosen": "c", "rejected": "d"},
        ],
    )
    with pytest.raises(InputError, match=r"bad.jsonl:2: invalid JSON"):
        read_preferences(path)
    data = load_preferences(path)
    assert [p.prompt_text for p in data] == ["q", "q2"]
    reasons = "\n".join(data.skipped)
    assert (
        f"{path}:3: field 'chosen': expected a string, a list of chat messages or a list of responses, got int"
        in reasons
    )
    assert f"{path}:4: missing field 'rejected'" in reasons
    assert f"{path}:5: missing field 'prompt'" in reasons
    assert f"{path}:6: field 'prompt[0].role'" in reasons
    with pytest.raises(InputError, match="no such file"):
        read_preferences(tmp_path / "missing.jsonl")
    with pytest.raises(InputError, match="unknown preference format 'csv'"):
        parse_preference_row({"prompt": "q", "chosen": "a", "rejected": "b"}, format="csv")  # type: ignore[arg-type]


def test_write_then_read_is_lossless(tmp_path: Path) -> None:
    pairs = [
        PreferencePair(
            "a",
            [{"role": "user", "content": "q"}],
            "x",
            "y",
            subset="s",
            group="g",
            margin=1.5,
            meta={"question_id": "q1"},
        ),
        PreferencePair("b", [{"role": "system", "content": "be nice"}, {"role": "user", "content": "q"}], "x", "y"),
    ]
    out = tmp_path / "norm.jsonl.gz"
    assert write_preferences(out, pairs) == 2
    assert read_preferences(out) == pairs


# ---- the shared real data ------------------------------------------------------------------------
def test_shared_hh_and_gsm8k_pairs(shared_data: Path) -> None:
    train = read_preferences(shared_data / "hh_harmless_train.jsonl.gz")
    dev = read_preferences(shared_data / "hh_harmless_dev.jsonl.gz")
    gsm = read_preferences(shared_data / "gsm8k_solution_pairs.jsonl.gz")
    assert (len(train), len(dev), len(gsm)) == (1500, 400, 1802)
    assert train[0].id == "hh-harmless-test-739" and train[0].prompt[0]["role"] == "user"
    assert all(p.prompt[-1]["role"] == "user" and p.chosen != p.rejected for p in train + dev)
    assert {p.id for p in train}.isdisjoint(p.id for p in dev)
    assert gsm[0].meta["question_id"] == "gsm8k-test-1101" and gsm[0].chosen.rstrip().endswith("A: 16")


def test_split_keeps_groups_together(shared_data: Path) -> None:
    gsm = read_preferences(shared_data / "gsm8k_solution_pairs.jsonl.gz")
    train, held = split_pairs(gsm, eval_fraction=0.2, by="question_id", seed=0)
    assert len(train) + len(held) == len(gsm)
    assert 0.18 <= len(held) / len(gsm) <= 0.3
    assert {p.meta["question_id"] for p in train}.isdisjoint(p.meta["question_id"] for p in held)
    again = split_pairs(gsm, eval_fraction=0.2, by="question_id", seed=0)
    assert [p.id for p in again[1]] == [p.id for p in held]
    other = split_pairs(gsm, eval_fraction=0.2, by="question_id", seed=1)
    assert [p.id for p in other[1]] != [p.id for p in held]


def test_split_errors_and_keys() -> None:
    pairs = [PreferencePair(str(i), [{"role": "user", "content": f"Q {i % 3}"}], "a", "b") for i in range(9)]
    assert group_key(pairs[0], "first_user") == "q 0"
    with pytest.raises(ValueError, match="has no 'question_id' to split by"):
        split_pairs(pairs, eval_fraction=0.3, by="question_id")
    with pytest.raises(ValueError, match="eval_fraction"):
        split_pairs(pairs, eval_fraction=1.0)
    train, held = split_pairs(pairs, eval_fraction=0.9, by="prompt")
    assert train and held  # never everything held out
