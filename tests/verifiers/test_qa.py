"""The `qa` reward: SQuAD normalization, EM and F1 over references, and strict refusals."""

from __future__ import annotations

import pytest

from rewardlab.core.result import Status
from rewardlab.verifiers import QA
from rewardlab.verifiers.qa import squad_em, squad_f1, squad_normalize

PROMPT = "What is the capital of France?"


@pytest.mark.parametrize(
    ("text", "normalized"),
    [
        ("The  Eiffel Tower!", "eiffel tower"),
        ("an apple, a pear", "apple pear"),
        ("Ｐａｒｉｓ", "paris"),
        ("  ", ""),
    ],
)
def test_squad_normalize(text: str, normalized: str) -> None:
    assert squad_normalize(text) == normalized


def test_squad_metrics_match_the_official_definitions() -> None:
    assert squad_em("the Denver Broncos", "Denver Broncos") == 1.0
    assert squad_f1("Denver Broncos", "Broncos") == pytest.approx(2 / 3)
    assert squad_f1("x y z", "z w") == pytest.approx(0.4)
    assert squad_f1("a b c", "c d") == pytest.approx(0.5)  # "a" is an article
    assert squad_f1("", "") == 1.0 and squad_f1("x", "") == 0.0
    assert squad_f1("the the", "the") == 1.0  # both normalize to nothing


def score(completion: str, answer: object = "Paris", **params: object):  # type: ignore[no-untyped-def]
    return QA(**params).score({"prompt": PROMPT, "completion": completion, "answer": answer})


def test_best_over_references_both_components() -> None:
    r = score("Eiffel Tower", ["the tower", "The Eiffel Tower", "Paris"])
    assert r.components == {"qa": 1.0, "qa.em": 1.0, "qa.f1": 1.0}
    r = score("big Eiffel Tower", ["Eiffel Tower"])
    assert r.components["qa.em"] == 0.0 and r.components["qa.f1"] == pytest.approx(0.8)
    assert score("big Eiffel Tower", ["Eiffel Tower"], metric="em").score == 0.0
    r = score("The capital of France is Paris.")
    assert 0 < r.score < 1  # a sentence: F1 credit from the word the question did not supply


@pytest.mark.parametrize(
    ("completion", "reason"),
    [
        ("", "empty answer"),
        ("...", "empty answer"),
        ("Paris or London", "hedged"),
        ("either Paris or London", "hedged"),
        ("Paris / London", "list of 2 candidates"),  # '/' separates candidates (it was a hedge word)
        ("maybe Paris", "hedged"),
        ("not Paris", "negated"),
        ("it is never Paris", "negated"),
        ("P\u0430ris \u043er London", "hedged"),
        ("Paris, London, Berlin, Madrid", "list of 4 candidates"),
        ("Paris\nLondon", "list of 2 candidates"),
        ("Paris " * 50, "too long"),
        (PROMPT, "restates the question"),
    ],
)
def test_strict_refusals(completion: str, reason: str) -> None:
    r = score(completion)
    assert r.score == 0.0 and r.components["qa.f1"] == 0.0
    assert reason in r.info["reason"]


def test_references_may_contain_the_markers() -> None:
    assert score("salt and/or pepper", "salt and/or pepper").score == 1.0
    assert score("Paris, France", ["Paris, France"]).score == 1.0
    assert score("1/2", "1/2").score == 1.0
    assert score("not guilty", "Not guilty").score == 1.0


def test_lenient_mode_is_plain_squad() -> None:
    assert score("Paris or London", strict=False).score == pytest.approx(0.5)
    assert score("Paris, London, Berlin, Madrid, Rome", strict=False).score == pytest.approx(1 / 3)


def test_extraction_and_errors() -> None:
    assert score("<answer>Paris</answer>", extract="answer_tag").score == 1.0
    r = score("no tags", extract="answer_tag")
    assert r.score == 0.0 and "no answer found" in r.info["reason"]
    assert score("Answer: Paris", extract="regex", pattern=r"Answer: (\w+)").score == 1.0
    assert QA().score({"completion": "Paris"}).status is Status.NOT_APPLICABLE
    with pytest.raises(ValueError, match="needs 'pattern'"):
        QA(extract="regex")
