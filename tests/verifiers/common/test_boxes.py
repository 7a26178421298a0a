r"""One box reader for every verifier: ``exact_match``, ``qa``, ``choice`` and ``math`` read the same box.

The rules are the ``math`` reward's (tested against Math-Verify's cases and a differential
corpus); before they were shared, ``exact_match`` did not read ``\framebox{5}`` and read the
inner box of ``\boxed{1\boxed{5}}`` as the answer.
"""

from __future__ import annotations

import pytest

from rewardlab.verifiers import QA, Choice, ExactMatch, MathAnswer
from rewardlab.verifiers.common.boxes import BOX_COMMANDS, find_boxes, last_boxed, read_boxes, unwrap_box

from ..math.golden_cases import load_cases

# (completion, what the answer box holds)
ONE_BOX = [
    (r"so the answer is \boxed{5}.", "5"),
    (r"so the answer is \fbox{5}.", "5"),
    (r"so the answer is \framebox{5}.", "5"),
    ("so the answer is \\boxed \n{5}.", "5"),
    (r"$\boxed{\boxed{5}}$", "5"),
    (r"\framebox{\fbox{\boxed{5}}}", "5"),
    (r"\boxed{ 5 }", "5"),
    (r"\boxed{} and then \boxed{5}", "5"),
    (r"\boxed{5} \boxed{\quad}", "5"),
    # an unfinished box after the last complete one is the last answer given (math counts both)
    (r"\boxed{5} and an unclosed \boxed{6", "6"),
    (r"\boxed{\frac{1}{2}}", r"\frac{1}{2}"),
    (r"\boxed{\{1, 2\}}", r"\{1, 2\}"),
]


@pytest.mark.parametrize(("completion", "inside"), ONE_BOX)
def test_exact_match_and_math_read_the_same_box(completion: str, inside: str) -> None:
    em = ExactMatch(extract="boxed").score({"completion": completion, "answer": inside})
    math = MathAnswer().score({"completion": completion, "answer": inside})
    assert em.info["extracted"] == math.info["extracted"] == inside
    assert math.info["strategy"] == "boxed"
    assert em.score == 1.0


@pytest.mark.parametrize("command", BOX_COMMANDS)
def test_every_verifier_reads_every_box_command(command: str) -> None:
    completion = f"Mars is red. \\{command}{{B}}"
    assert ExactMatch(extract="boxed").score({"completion": completion, "answer": "B"}).score == 1.0
    assert QA(extract="boxed").score({"completion": completion, "answer": "B"}).score == 1.0
    assert Choice(extract="boxed").score({"completion": completion, "answer": "B", "options": ["V", "M"]}).score == 1.0
    assert MathAnswer().score({"completion": f"\\{command}{{7}}", "answer": "7"}).score == 1.0


@pytest.mark.parametrize(
    ("completion", "reason"),
    [
        (r"\boxed{1\boxed{5}}", "a box holding a box and more is not the inner box's answer"),
        (r"\boxed{\boxed{3}\boxed{5}}", "two boxes inside one"),
        (r"\boxed{5}\framebox{3}", "the last box is the answer"),
        (r"\boxed{}", "an empty box"),
        (r"\boxed{5} and so \boxed{6", "an unfinished box after it is another answer"),
    ],
)
def test_exact_match_does_not_pay_what_math_does_not(completion: str, reason: str) -> None:
    assert ExactMatch(extract="boxed").score({"completion": completion, "answer": "5"}).score == 0.0, reason
    assert MathAnswer(mode="lenient").score({"completion": completion, "answer": "5"}).score == 0.0, reason


@pytest.mark.parametrize(
    "completion",
    [
        "<answer>5</answer> so <answer>6",
        "<answer>5</answer> ... 9 + 5 = 14</think><answer",
        "<answer>5</answer><answer>6</answer>",
    ],
)
def test_an_answer_tag_opened_after_the_answer_is_another_answer_everywhere(completion: str) -> None:
    assert ExactMatch(extract="answer_tag").score({"completion": completion, "answer": "5"}).score == 0.0
    assert QA(extract="answer_tag").score({"completion": completion, "answer": "5"}).score == 0.0
    assert MathAnswer().score({"completion": completion, "answer": "5"}).info["reason"] == "multiple_answers"


def _boxed_golden() -> list[str]:
    """Golden math completions that math reads by one box (the reading a corpus tested)."""
    return [c.completion for c in load_cases() if "box" in c.completion]


def test_on_the_math_golden_corpus_the_box_is_the_same() -> None:
    completions = _boxed_golden()
    em = ExactMatch(extract="boxed").score_batch([{"completion": c, "answer": "x"} for c in completions])
    math = MathAnswer(mode="lenient").score_batch([{"completion": c, "answer": "x"} for c in completions])
    compared = 0
    for completion, e, m in zip(completions, em, math, strict=True):
        boxes = read_boxes(completion)
        if m.info.get("strategy") != "boxed" or len(boxes) != 1 or boxes[0].problem:
            continue
        compared += 1
        assert e.info.get("extracted") == m.info.get("extracted") == boxes[0].text, completion
    assert compared >= 50


def test_the_reader() -> None:
    assert find_boxes(r"\boxed{a\}") == []  # an escaped brace does not close the box
    assert find_boxes(r"\boxed{a\}b}") == [(0, 12, r"a\}b")]
    assert last_boxed(r"\boxed{5") is None  # unclosed, and no complete box before it
    assert last_boxed(r"\boxed{5} then \boxed{6") == "6"  # unfinished after a complete one: the last answer
    assert find_boxes(r"\boxed{a\{b}") == [(0, 12, r"a\{b")]
    assert last_boxed(r"\boxed{a} then \boxed{b{c}}") == "b{c}"
    assert last_boxed("no box") is None
    assert unwrap_box(r"\boxed{" * 12 + "5" + "}" * 12)[1] == "nested"  # deeper than MAX_BOX_DEPTH
    assert [b.text for b in read_boxes(r"\boxed{} \fbox{ }")] == ["", ""]  # all empty: kept, flagged
    assert [b.problem for b in read_boxes(r"\boxed{} \fbox{ }")] == ["empty", "empty"]
