"""One hedge / negation vocabulary with a strictness flag, read by ``math``, ``qa`` and ``choice``.

The vocabulary is the one ``math`` was tested with (Math-Verify's cases, a differential corpus):
``strict=True`` for an answer itself, ``strict=False`` for the reasoning around an answer, where
the soft markers ("might", "no", ...) are used in passing.
"""

from __future__ import annotations

import pytest

from rewardlab.verifiers import QA, Choice, MathAnswer
from rewardlab.verifiers.common.hedges import (
    HEDGES,
    NEGATIONS,
    Marker,
    hedge_markers,
    hedge_pattern,
    hedges,
    negation_markers,
    negation_pattern,
    negations,
)

WORDS = [m for m in HEDGES + NEGATIONS if m.name[0].isalpha()]
OPTIONS = ["Venus", "Mars", "Jupiter", "Saturn"]


@pytest.mark.parametrize(
    ("answer", "refs", "expected"),
    [
        ("Paris or London", ["Paris"], ["or"]),
        ("either Paris or London", ["Paris"], ["or", "either"]),
        ("maybe Paris", ["Paris"], ["maybe"]),
        ("Paris \u043er London", ["Paris"], ["or"]),  # a Cyrillic o
        ("to be or not to be", ["To be, or not to be"], []),
        ("Paris", ["Paris"], []),
        ("Oregon", ["Paris"], []),  # 'or' inside a word is not a hedge
        ("probably Paris", ["Paris"], ["probably"]),
        ("Paris?", ["Paris"], ["?"]),
        ("Paris, I think", ["Paris"], ["i think"]),
        ("somewhere between 3 and 5", ["4"], ["somewhere", "between"]),
    ],
)
def test_hedge_markers(answer: str, refs: list[str], expected: list[str]) -> None:
    assert sorted(hedge_markers(answer, refs)) == sorted(expected)


def test_the_flag_drops_only_the_soft_markers() -> None:
    assert set(hedges(strict=False)) == {m for m in HEDGES if not m.soft}
    assert set(negations(strict=False)) == {m for m in NEGATIONS if not m.soft}
    assert hedge_markers("Paris, I think", strict=False) == []
    assert hedge_markers("probably Paris", strict=False) == ["probably"]
    assert negation_markers("no, Paris", strict=False) == [] and negation_markers("no, Paris") == ["no"]
    assert negation_markers("Paris is wrong", ["Paris"], strict=False) == ["wrong"]


def test_one_pattern_per_strength_lists_every_marker() -> None:
    for strict in (True, False):
        for marker in hedges(strict=strict):
            assert hedge_pattern(strict=strict).search(_example(marker)), marker
        for marker in negations(strict=strict):
            assert negation_pattern(strict=strict).search(_example(marker)), marker
    assert not hedge_pattern(strict=False).search("it might be 5")
    assert not negation_pattern(strict=False).search("no, it is 5")


def _example(marker: Marker) -> str:
    return {"?": "5?", "n't": "it isn't 5"}.get(marker.name, f"{marker.name} 5")


@pytest.mark.parametrize("marker", WORDS, ids=lambda m: m.name)
def test_math_reads_the_flag(marker: Marker) -> None:
    """``math`` refuses every marker in an answer; in the sentence around a last number only the strong ones."""
    kind = "hedged" if marker in HEDGES else "negated"
    boxed = MathAnswer().score({"completion": f"\\boxed{{{marker.name} 5}}", "answer": "5"})
    assert boxed.score == 0.0 and boxed.info["reason"] == kind
    sentence = f"Tom had 3 apples and got 2 more. He {marker.name} has 5 apples in the end"
    prose = MathAnswer().score({"completion": sentence, "answer": "5"})
    assert prose.info["strategy"] == "last_number"
    assert (prose.score == 1.0) is marker.soft, prose.info


@pytest.mark.parametrize("marker", WORDS, ids=lambda m: m.name)
def test_qa_refuses_what_math_refuses_in_an_answer(marker: Marker) -> None:
    kind = "hedged" if marker in HEDGES else "negated"
    r = QA(extract="boxed").score({"completion": f"\\boxed{{{marker.name} Paris}}", "answer": "Paris"})
    assert r.score == 0.0 and r.info["reason"].startswith(kind)
    assert QA().score({"completion": f"{marker.name} Paris", "answer": f"{marker.name} Paris"}).score == 1.0


@pytest.mark.parametrize("marker", HEDGES, ids=lambda m: m.name)
def test_choice_reads_hedges_as_prose(marker: Marker) -> None:
    text = {"?": "B?"}.get(marker.name, f"B, {marker.name} C" if marker.name.startswith("\\") else f"{marker.name} B")
    r = Choice().score({"completion": f"<answer>{text}</answer>", "answer": "B", "options": OPTIONS})
    if marker.soft and not marker.name.startswith("\\"):
        assert r.score == 1.0, r.info  # "might B": soft words are read in passing
    else:
        assert r.score == 0.0 and "hedged" in r.info["reason"]


# ---- exclusions, alternatives and apostrophe-less negations (issue 10 follow-up) ----------------
# Written from the class ("an answer that names everything but the value", "an answer offered as one
# alternative", "n't typed without its apostrophe"), then reworded; none of them is a corpus phrasing.
EXCLUDING = [
    "all except {}",
    "every value except for {}",
    "anything other than {}",
    "everything apart from {}",
    "all values aside from {}",
    "any number excluding {}",
    "all but {}",
    "anything but {}",
    "everything but {}",
    "{} rather than something else",
    "besides {}, nothing",
    "{} unless the question means something else",
    "something instead of {}",
]
ALTERNATIVE = ["alternatively {}", "{}; alternatively, the next one", "{}, otherwise the one after"]
APOSTROPHE_LESS = ["it isnt {}", "the answer wasnt {}", "they arent {}", "it doesnt equal {}", "it cant be {}"]


@pytest.mark.parametrize("form", EXCLUDING + APOSTROPHE_LESS)
def test_math_refuses_an_excluded_value_in_an_answer(form: str) -> None:
    for completion in (f"\\boxed{{{form.format(42)}}}", f"<answer>{form.format(42)}</answer>"):
        for mode in ("strict", "lenient"):
            r = MathAnswer(mode=mode).score({"completion": completion, "answer": "42"})
            assert r.score == 0.0 and r.info["reason"] == "negated", (mode, completion, r.info)


@pytest.mark.parametrize("form", ALTERNATIVE)
def test_math_refuses_an_alternative(form: str) -> None:
    for mode in ("strict", "lenient"):
        r = MathAnswer(mode=mode).score({"completion": f"\\boxed{{{form.format(42)}}}", "answer": "42"})
        assert r.score == 0.0 and r.info["reason"] == "hedged", (mode, form, r.info)


def test_exclusions_in_reasoning_are_read_in_passing() -> None:
    """Soft: the sentence around a last number may use them ("every row except the last has 12 seats")."""
    r = MathAnswer().score({"completion": "Every row except the last has 12 seats", "answer": "12"})
    assert r.score == 1.0, r.info
    r = MathAnswer().score({"completion": "Apart from the corners, the border holds 36 tiles", "answer": "36"})
    assert r.score == 1.0, r.info


@pytest.mark.parametrize("form", EXCLUDING + APOSTROPHE_LESS)
def test_qa_refuses_an_excluded_answer(form: str) -> None:
    r = QA().score({"completion": form.format("Paris"), "answer": "Paris"})
    assert r.score == 0.0 and r.info["reason"].startswith("negated"), (form, r.info)


@pytest.mark.parametrize("form", ALTERNATIVE)
def test_qa_refuses_an_alternative(form: str) -> None:
    r = QA().score({"completion": form.format("Paris"), "answer": "Paris"})
    assert r.score == 0.0 and r.info["reason"].startswith("hedged"), (form, r.info)


def test_qa_reads_the_markers_a_reference_contains() -> None:
    assert QA().score({"completion": "all except Paris", "answer": "all except Paris"}).score == 1.0
    assert QA().score({"completion": "It isnt", "answer": "It isnt"}).score == 1.0


@pytest.mark.parametrize(
    "completion",
    [
        "never B",
        "The answer is never (B).",
        "B is wrong",
        "Answer: B is incorrect.",
        "B isnt right",
        "It cannot be B.",
        "It is definitely not option B",
        "Mars is wrong",
        "The answer is not Mars.",
        "Answer: anything but Mars",
        "<answer>all except B</answer>",
        "<answer>anything other than Mars</answer>",
    ],
)
def test_choice_refuses_a_negated_option(completion: str) -> None:
    r = Choice().score({"completion": completion, "answer": "B", "options": OPTIONS})
    assert r.score == 0.0 and r.info["reason"].startswith("negated"), r.info


@pytest.mark.parametrize(
    "completion",
    ["alternatively B", "The answer is B; alternatively C.", "B/London", "Answer: B/C", "B, unless it means C"],
)
def test_choice_refuses_alternatives(completion: str) -> None:
    r = Choice().score({"completion": completion, "answer": "B", "options": OPTIONS})
    assert r.score == 0.0 and r.info["reason"].startswith("hedged"), r.info


@pytest.mark.parametrize(
    "completion",
    [
        "The answer is B, not C.",
        "Not A but B.",
        "Answer: B (A is wrong).",
        "A is wrong, so the answer is B.",
        "It is not A; the answer is B.",
        "B is the right one, never D.",
        "No, B.",
    ],
)
def test_choice_pays_the_option_kept_when_others_are_ruled_out(completion: str) -> None:
    r = Choice().score({"completion": completion, "answer": "B", "options": OPTIONS})
    assert r.score == 1.0 and r.info["chosen"] == "B", r.info


def test_choice_negation_words_of_the_question_are_its_wording() -> None:
    prompt = "Which of these is NOT a planet?\nA. Venus\nB. the Moon\nC. Mars"
    r = Choice().score({"prompt": prompt, "completion": "B is not a planet.", "answer": "B"})
    assert r.score == 1.0, r.info
    r = Choice().score({"prompt": prompt, "completion": "The answer is never B.", "answer": "B"})
    assert r.score == 0.0, r.info
