"""Shared refusal rules and look-alike folding used by several verifiers."""

from __future__ import annotations

import pytest

from rewardlab.verifiers.common.confusables import fold, has_confusables
from rewardlab.verifiers.common.guards import candidate_parts, hedge_markers, prompt_remainder, restates_prompt


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


@pytest.mark.parametrize(
    ("answer", "refs", "expected"),
    [
        ("Paris or London", ["Paris"], ["or"]),
        ("either Paris or London", ["Paris"], ["or", "either"]),
        ("Paris / London", ["Paris"], ["/"]),
        ("maybe Paris", ["Paris"], ["maybe"]),
        ("Paris \u043er London", ["Paris"], ["or"]),
        ("to be or not to be", ["To be, or not to be"], []),
        ("1/2", ["1/2"], []),
        ("Paris", ["Paris"], []),
        ("Oregon", ["Paris"], []),  # 'or' inside a word is not a hedge
    ],
)
def test_hedge_markers(answer: str, refs: list[str], expected: list[str]) -> None:
    assert sorted(hedge_markers(answer, refs)) == sorted(expected)


def test_candidate_parts_respects_separators_the_reference_uses() -> None:
    assert candidate_parts("Paris, London, Rome", ["Paris"]) == ["Paris", "London", "Rome"]
    assert candidate_parts("Paris\nLondon", ["Paris"]) == ["Paris", "London"]
    assert candidate_parts("Paris, France", ["Paris, France"]) == []
    assert candidate_parts("Paris, Lyon, Nice", ["Paris, France"]) == ["Paris", "Lyon", "Nice"]
    assert candidate_parts("Paris", ["Paris"]) == []


def test_restates_prompt_needs_the_answer_to_be_mostly_the_prompt() -> None:
    question = "Which is larger, the Pacific Ocean or the Atlantic Ocean?"
    assert restates_prompt(question, question)
    assert restates_prompt(question + " The Pacific.", question)
    assert not restates_prompt("the Pacific Ocean", question)
    passage = "Context: " + " ".join(f"word{i}" for i in range(200)) + ". Question: what is word7?"
    assert not restates_prompt("word7", passage)
    assert not restates_prompt("anything", "")
    assert prompt_remainder("The capital of France is Paris", "What is the capital of France?") == ["paris"]
