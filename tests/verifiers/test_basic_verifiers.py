"""exact_match, format, length and repetition rewards, including refusal of cheap hacks."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from rewardlab.verifiers import ExactMatch, Format, LengthBand, Overlong, Repetition
from rewardlab.verifiers.common.boxes import last_boxed
from rewardlab.verifiers.common.text import extract_answer


@pytest.mark.parametrize(
    ("kwargs", "completion", "answer", "expected"),
    [
        ({}, "Paris", "paris", 1.0),
        ({"ignore_case": False}, "Paris", "paris", 0.0),
        ({"remove_punctuation": True, "remove_articles": True}, "The Eiffel Tower!", "eiffel tower", 1.0),
        ({}, "  New   York ", "new york", 1.0),
        ({}, "Lyon", ["Paris", "Lyon"], 1.0),
        ({"extract": "boxed"}, r"so \boxed{\frac{1}{2}}", r"\frac{1}{2}", 1.0),
        ({"extract": "last_line"}, "work\n\n 12 \n", "12", 1.0),
        ({"extract": "regex", "pattern": r"answer: (\w+)"}, "answer: no\nanswer: yes", "yes", 1.0),
    ],
)
def test_exact_match(kwargs, completion, answer, expected) -> None:  # type: ignore[no-untyped-def]
    assert ExactMatch(**kwargs).score({"completion": completion, "answer": answer}).score == expected


def test_exact_match_refuses_empty_and_ambiguous_answers() -> None:
    em = ExactMatch(extract="answer_tag")
    assert em.score({"completion": "<answer></answer>", "answer": ""}).score == 0.0
    two = em.score({"completion": "<answer>4</answer><answer>5</answer>", "answer": "4"})
    assert two.score == 0.0 and "no answer found" in two.info["reason"]
    assert ExactMatch().score({"completion": "   ", "answer": "  "}).score == 0.0


def test_exact_match_not_applicable_without_reference() -> None:
    assert ExactMatch().score({"completion": "x"}).status.value == "not_applicable"
    assert ExactMatch(answer_field="gold").score({"completion": "x", "gold": "x"}).score == 1.0
    with pytest.raises(ValidationError, match="needs 'pattern'"):
        ExactMatch(extract="regex")


def test_extraction_helpers() -> None:
    assert last_boxed(r"\boxed{a} then \boxed{b{c}}") == "b{c}"
    assert last_boxed(r"\boxed{unbalanced") is None
    assert last_boxed("nothing") is None
    assert extract_answer("<ANSWER> x </ANSWER>", "answer_tag") == "x"
    assert extract_answer("no tags", "answer_tag") is None


@pytest.mark.parametrize(
    ("completion", "expected"),
    [
        ("<think>reason</think><answer>42</answer>", 1.0),
        ("  <think>reason</think>\n\n<answer>42</answer>\n", 1.0),
        ("<think>reason</think><answer></answer>", 0.0),  # empty answer
        ("<think> </think><answer>42</answer>", 0.0),  # empty think
        ("<answer>42</answer><think>reason</think>", 0.0),  # wrong order
        ("<think>a</think><answer>1</answer><answer>2</answer>", 0.0),  # two answers
        ("preamble <think>a</think><answer>1</answer>", 0.0),  # text outside
        ("<think>a</think>answer: 1", 0.0),
        ("", 0.0),
    ],
)
def test_think_answer_template(completion: str, expected: float) -> None:
    assert Format(template="think_answer").score({"completion": completion}).score == expected


def test_format_partial_tags_and_regex() -> None:
    partial = Format(template="think_answer", partial=True)
    assert partial.score({"completion": "<think>x</think><answer></answer>"}).score == 0.5
    assert Format(pattern=r"\d+", match="full").score({"completion": "12a"}).score == 0.0
    with pytest.raises(ValidationError, match="exactly one of"):
        Format(template="answer", pattern="x")
    with pytest.raises(ValidationError, match="not a valid regex"):
        Format(pattern="(")
    with pytest.raises(ValidationError, match="plain identifiers"):
        Format(tags=["a b"])


def test_overlong_follows_dapo() -> None:
    o = Overlong(max_length=100, buffer=20, unit="chars")
    assert [o.score({"completion": "x" * n}).score for n in (0, 80, 90, 100, 101)] == [0.0, 0.0, -0.5, -1.0, -1.0]
    by_field = Overlong(max_length=100, buffer=20, unit="tokens", length_field="n_tokens")
    assert by_field.score({"completion": "", "n_tokens": 95}).score == -0.75
    assert by_field.score({"completion": ""}).status.value == "error"
    with pytest.raises(ValidationError, match="needs 'tokenizer'"):
        Overlong(max_length=10, buffer=2, unit="tokens")


def test_length_band() -> None:
    band = LengthBand(min_length=2, max_length=4, unit="words", tolerance=2)
    assert [band.score({"completion": " ".join("w" * n)}).score for n in (0, 1, 2, 4, 5, 6, 9)] == [
        0.0,
        0.5,
        1.0,
        1.0,
        0.5,
        0.0,
        0.0,
    ]
    assert LengthBand(min_length=3, unit="words").score({"completion": "a b"}).score == 0.0


def test_repetition_penalty() -> None:
    r = Repetition(ngram_size=1, max_penalty=-1.0)
    assert r.score({"completion": "a b c d"}).score == 0.0
    assert r.score({"completion": "a a a a"}).score == -0.75
    assert r.score({"completion": ""}).score == 0.0
    assert Repetition(ngram_size=3).score({"completion": "A b c a B C"}).score == pytest.approx(-0.25)
