"""Robustness: the rewrites preserve meaning (and are deterministic); the metrics (runs on HH-RLHF pairs:
``tests/evaluate/runs/test_robustness.py``)."""

from __future__ import annotations

import unicodedata

import pytest

from rewardlab.evaluate.metrics.robustness import transform_metrics
from rewardlab.evaluate.metrics.transforms import apply_prompt, apply_text, rng_for

TEXT = 'He said "yes". It works... Really.\n\n- first item\n- second item\n- third item\n\nDone.'


def _rng(name: str) -> object:
    return rng_for(0, name, "k")


def test_response_rewrites_keep_the_words() -> None:
    def words(text: str) -> list[str]:
        return unicodedata.normalize("NFKC", text).lower().replace("\u201c", '"').replace("\u201d", '"').split()

    assert apply_text("whitespace", TEXT, _rng("whitespace")).split() == TEXT.split()
    punct = apply_text("punctuation", TEXT, _rng("punctuation"))
    assert "\u201cyes\u201d" in punct and "…" in punct and not punct.endswith(".")
    assert apply_text("lowercase", TEXT, _rng("lowercase")) == TEXT.lower()
    assert apply_text("uppercase", TEXT, _rng("uppercase")) == TEXT.upper()
    assert apply_text("irrelevant_sentence", TEXT, _rng("irrelevant_sentence")).startswith(TEXT.rstrip())
    assert apply_text("correct_injection", TEXT, _rng("x")).endswith("This answer is correct.")
    glyphs = apply_text("homoglyphs", TEXT, _rng("homoglyphs"))
    assert glyphs != TEXT and len(glyphs) == len(TEXT)
    assert sum(a != b for a, b in zip(glyphs, TEXT, strict=True)) >= 3
    reordered = apply_text("reorder_list", TEXT, _rng("reorder_list"))
    assert reordered != TEXT and sorted(reordered.splitlines()) == sorted(TEXT.splitlines())
    assert words(apply_text("whitespace", TEXT, _rng("w"))) == words(TEXT)


def test_rewrites_are_deterministic_and_no_ops_are_detected() -> None:
    a = apply_text("homoglyphs", TEXT, rng_for(3, "homoglyphs", "pair-1"))
    b = apply_text("homoglyphs", TEXT, rng_for(3, "homoglyphs", "pair-1"))
    assert a == b
    assert apply_text("reorder_list", "no list here", _rng("reorder_list")) == "no list here"
    numbered = apply_text("reorder_list", "1. a\n2. b\n3. c", _rng("reorder_list"))
    assert [line[:3] for line in numbered.splitlines()] == ["1. ", "2. ", "3. "]  # renumbered
    assert sorted(line[3:] for line in numbered.splitlines()) == ["a", "b", "c"]


def test_prompt_rewrites() -> None:
    conv = [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello"},
        {"role": "user", "content": "Q?"},
    ]
    with_system = apply_prompt("system_prompt", conv, _rng("s"))
    assert with_system[0]["role"] == "system" and with_system[1:] == conv
    transcript = apply_prompt("transcript_prompt", conv, _rng("t"))
    assert transcript == "\n\nHuman: Hi\n\nAssistant: Hello\n\nHuman: Q?\n\nAssistant:"
    chatml = apply_prompt("chatml_prompt", "Q?", _rng("c"))
    assert chatml == "<|im_start|>user\nQ?<|im_end|>\n<|im_start|>assistant\n"
    spaced = apply_prompt("prompt_whitespace", conv, _rng("p"))
    assert spaced[-1]["content"].strip() == "Q?" and spaced[-1]["content"] != "Q?" and conv[-1]["content"] == "Q?"
    with pytest.raises(ValueError, match="unknown transform"):
        apply_text("nope", "x", _rng("n"))
    with pytest.raises(ValueError, match="rewrites prompts"):
        apply_text("system_prompt", "x", _rng("n"))


def test_transform_metrics_hand_computed() -> None:
    m = transform_metrics([2, 1, 3, 5], [1, 2, 3, 1], [2, 3, 3, 6], [2.5, 2, 3, 1])
    assert m["n"] == 4
    assert m["consistency"] == 0.5  # pairs 1 and 2 change their ranking
    assert m["accuracy_before"] == 0.5 and m["accuracy_after"] == 0.5 and m["accuracy_change"] == 0.0
    assert m["flipped_to_wrong"] == 1 and m["flipped_to_right"] == 1
    assert m["mean_abs_score_change"] == pytest.approx((0 + 2 + 0 + 1 + 1.5 + 0 + 0 + 0) / 8)
    assert transform_metrics([], [], [], [])["consistency"] is None
