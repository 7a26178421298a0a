"""Verdict parsing, the master-key guard and the judge prompts (no model)."""

from __future__ import annotations

import math

import pytest

from rewardlab.models.judges.base import normalized_probs
from rewardlab.models.judges.guard import MASTER_KEY_PROBES, master_key_reason
from rewardlab.models.judges.parse import VerdictError, parse_pairwise, parse_score, parse_yes_no
from rewardlab.models.judges.prompts import clip_text, pairwise_messages, render_conversation


@pytest.mark.parametrize("probe", MASTER_KEY_PROBES)
def test_every_master_key_probe_is_refused(probe: str) -> None:
    assert master_key_reason(probe, "What is 17 * 3?") is not None


@pytest.mark.parametrize(
    "probe",
    [
        "Thought process: ",
        "**Solution:**",
        "Let me solve this step by step:",
        "Step 1:\nStep 2:",
        "Let's think about this carefully.",
        "  \n\t ",
        "—",
        "解答：",
        "Respuesta:",
        "Okay, so",
        "the answer is",
    ],
)
def test_variants_of_master_keys_are_refused(probe: str) -> None:
    assert master_key_reason(probe) is not None


@pytest.mark.parametrize(
    "answer",
    [
        "4",
        "51",
        "Paris",
        "No.",
        "Yes",
        "The answer is 51.",
        "Solution: 17 * 3 = 51",
        "Step 1: 17 * 3 = 51. Answer: 51",
        "Let's compute: 17 * 3 = 51.",
        "x = 2",
        "\\boxed{51}",
        "Sure, 17 times 3 is 51.",
    ],
)
def test_genuine_short_answers_pass(answer: str) -> None:
    assert master_key_reason(answer, "What is 17 * 3?") is None


def test_restating_the_question_is_refused_but_answers_that_reuse_its_words_pass() -> None:
    question = "Is the capital of France Paris or Lyon?"
    assert master_key_reason("Is the capital of France Paris or Lyon?", question) is not None
    assert master_key_reason("The question is: is the capital of France Paris or Lyon", question) is not None
    assert master_key_reason("The capital is Paris.", question) is None
    assert master_key_reason("Paris", question) is None


def test_parse_score_forms() -> None:
    assert parse_score("Score: 7", lo=1, hi=10) == 7.0
    assert parse_score("**Rating:** 4", lo=1, hi=5) == 4.0
    assert parse_score("First 3 then... Score: 9", lo=1, hi=10) == 9.0
    assert parse_score(" 6 ", lo=1, hi=10) == 6.0
    assert parse_score("8/10", lo=1, hi=10) == 8.0
    with pytest.raises(VerdictError, match="outside"):
        parse_score("Score: 0", lo=1, hi=10)
    with pytest.raises(VerdictError, match="no 'Score: N'"):
        parse_score("It has 2 errors and 3 typos.", lo=1, hi=10)
    with pytest.raises(VerdictError):
        parse_score("", lo=1, hi=10)


def test_parse_pairwise_and_yes_no() -> None:
    assert parse_pairwise("Verdict: B") == "B"
    assert parse_pairwise("verdict: TIE") == "tie"
    assert parse_pairwise("[[A]]") == "A"
    assert parse_pairwise("A") == "A"
    assert parse_pairwise("Response B is better because ...") == "B"
    with pytest.raises(VerdictError):
        parse_pairwise("Both are fine.")
    assert parse_yes_no("Verdict: no") is False
    assert parse_yes_no("Yes.") is True
    with pytest.raises(VerdictError):
        parse_yes_no("The response is polite.")


def test_normalized_probs() -> None:
    probs, mass = normalized_probs([math.log(0.2), -math.inf, math.log(0.6)])
    assert probs == pytest.approx([0.25, 0.0, 0.75]) and mass == pytest.approx(0.8)
    with pytest.raises(ValueError):
        normalized_probs([-math.inf, -math.inf])


def test_prompts_clip_long_fields_and_keep_the_instruction() -> None:
    long = "word " * 5000
    assert len(clip_text(long, 100)) <= 105
    convo = render_conversation([{"role": "user", "content": long}], max_chars=200)
    assert convo.startswith("[…]") and len(convo) <= 205
    messages = pairwise_messages("User: hi", long, "short", verdict="text")
    assert messages[-1]["content"].endswith("'Verdict: tie'.")
