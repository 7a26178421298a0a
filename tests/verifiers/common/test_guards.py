"""Shared refusal rules (lists of candidates, restated prompts) and look-alike folding."""

from __future__ import annotations

import pytest

from rewardlab.verifiers.common.confusables import fold, has_confusables
from rewardlab.verifiers.common.guards import candidate_parts, prompt_remainder, restates_prompt


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("A \u043er B", "A or B"),  # Cyrillic o
        ("\u0391\u0392", "AB"),  # Greek capitals
        ("\uff14\uff12", "42"),  # fullwidth digits
        ("\U0001d7d2", "4"),  # mathematical bold digit
        ("ri\u200bv\u2060er", "river"),  # invisible characters
        ("one\u201a two", "one, two"),  # single low-9 quotation mark as a comma
        ("plain ascii", "plain ascii"),
    ],
)
def test_fold_maps_lookalikes_to_what_a_reader_sees(text: str, folded: str) -> None:
    assert fold(text) == folded
    assert has_confusables(text) == (text != folded)


def test_candidate_parts_respects_separators_the_reference_uses() -> None:
    assert candidate_parts("Paris, London, Rome", ["Paris"]) == ["Paris", "London", "Rome"]
    assert candidate_parts("Paris\nLondon", ["Paris"]) == ["Paris", "London"]
    assert candidate_parts("Paris, France", ["Paris, France"]) == []
    assert candidate_parts("Paris, Lyon, Nice", ["Paris, France"]) == ["Paris", "Lyon", "Nice"]
    assert candidate_parts("Paris", ["Paris"]) == []
    # '/' separates candidates (it was a hedge word; the shared hedge vocabulary has none: 1/2 is a fraction)
    assert candidate_parts("Paris / London", ["Paris"]) == ["Paris", "London"]
    assert candidate_parts("1/2", ["1/2"]) == []
    assert candidate_parts("AC/DC", ["AC/DC"]) == []


def test_restates_prompt_needs_the_answer_to_be_mostly_the_prompt() -> None:
    question = "Which is larger, the Pacific Ocean or the Atlantic Ocean?"
    assert restates_prompt(question, question)
    assert restates_prompt(question + " The Pacific.", question)
    assert not restates_prompt("the Pacific Ocean", question)
    passage = "Context: " + " ".join(f"word{i}" for i in range(200)) + ". Question: what is word7?"
    assert not restates_prompt("word7", passage)
    assert not restates_prompt("anything", "")
    assert prompt_remainder("The capital of France is Paris", "What is the capital of France?") == ["paris"]
