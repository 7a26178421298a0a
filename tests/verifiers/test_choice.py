"""The `choice` reward: reading the chosen option, and refusing hedged or multi-letter answers."""

from __future__ import annotations

import pytest

from rewardlab.core.result import Status
from rewardlab.verifiers import Choice

OPTIONS = ["Venus", "Mars", "Jupiter", "Saturn"]
PROMPT = "Which planet is known as the Red Planet?\nA. Venus\nB. Mars\nC. Jupiter\nD. Saturn\nAnswer:"


def score(completion: str, answer: object = "B", **params: object):  # type: ignore[no-untyped-def]
    sample = {"prompt": PROMPT, "completion": completion, "answer": answer, "options": OPTIONS}
    return Choice(**params).score(sample)


@pytest.mark.parametrize(
    "completion",
    [
        "B",
        "(B)",
        "b",
        "B.",
        "B) Mars",
        "Mars",
        "The answer is (B).",
        "The correct answer is B) Mars.",
        "Answer: **B**",
        "Final answer: $\\text{B}$",
        "I choose B.",
        "The answer is option B",
        "<answer>B</answer>",
        "<answer>Mars</answer>",
        "\\boxed{B}",
        "Mars is red because of iron oxide.\nThe answer is B.",
        "The answer is B, not C.",
        "The answer is \u0392.",  # Greek capital beta reads as B
    ],
)
def test_correct_answers(completion: str) -> None:
    r = score(completion)
    assert r.score == 1.0, r.info
    assert r.info["chosen"] in ("B", "mars")


@pytest.mark.parametrize(
    ("completion", "reason"),
    [
        ("", "empty completion"),
        ("The answer is B or C.", "hedged"),
        ("A or B", "hedged"),
        ("The answer is Mars or Jupiter", "hedged"),
        ("The answer is B, maybe C", "hedged"),
        ("A, B, C, D", "hedged"),
        ("The answer is \u0391 or B", "hedged"),  # Greek alpha
        ("The answer is B \u043er C", "hedged"),  # Cyrillic o
        ("B) Venus", "hedged"),  # the letter and the text disagree
        ("The answer is B. Actually, the answer is C.", "several different answers"),
        ("<answer>B</answer> <answer>C</answer>", "several different answers"),
        ("AB", "no option letter"),
        ("The answer is ()", "no option letter"),
        ("<answer></answer>", "no option letter"),
        ("\\boxed{}", "no option letter"),
        ("The answer is correct.", "no option letter"),
        (PROMPT, "restates the prompt"),
        ("B " * 5000, "no answer found"),
    ],
)
def test_refused_answers(completion: str, reason: str) -> None:
    r = score(completion)
    assert r.score == 0.0
    assert reason in r.info["reason"]


def test_wrong_answer_scores_zero_with_the_choice_recorded() -> None:
    r = score("The answer is (C).")
    assert r.score == 0.0 and r.info["chosen"] == "C"


def test_references_as_letters_texts_and_lists() -> None:
    assert score("B", answer="(B)").score == 1.0
    assert score("B", answer="Mars").score == 1.0
    assert score("Mars", answer=["B"]).score == 1.0
    assert score("C", answer=["B", "C"]).score == 1.0
    # options as a mapping, letters from the prompt, or the `letters` parameter
    mapping = {"completion": "(c)", "answer": "C", "options": {"A": "x", "B": "y", "C": "z"}}
    assert Choice().score(mapping).score == 1.0
    assert Choice().score({"prompt": "Q\n(A) one\n(B) two", "completion": "B", "answer": "B"}).score == 1.0
    assert Choice(letters="ABCDE").score({"completion": "E", "answer": "E"}).score == 1.0


def test_extract_modes_and_lenient_mode() -> None:
    assert score("The answer is B.", extract="answer_tag").score == 0.0
    assert score("\\boxed{B}", extract="boxed").score == 1.0
    assert score("The answer is B. Actually, the answer is C.", strict=False, answer="C").score == 1.0
    # without the restatement guard, the options listed in the prompt still name no single answer
    assert score(PROMPT, refuse_restated_prompt=False).score == 0.0
    assert score(PROMPT + " B", refuse_restated_prompt=False).score == 1.0  # "Answer: B"


def test_bad_inputs_are_errors_or_not_applicable() -> None:
    r = Choice().score({"completion": "B", "answer": "B", "options": 3})
    assert r.status is Status.ERROR and "field 'options'" in (r.error or "")
    assert Choice().score({"completion": "B"}).status is Status.NOT_APPLICABLE
    with pytest.raises(ValueError, match="letters"):
        Choice(letters="A1")
