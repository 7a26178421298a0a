"""The ``math`` reward's contract: references, info, modes, partial credit, specs, pickling, errors."""

from __future__ import annotations

import pickle
import time

import pytest

from rewardlab.core.context import ScoreContext
from rewardlab.core.errors import ParameterError, SpecError
from rewardlab.core.registry import get_reward_class
from rewardlab.core.spec import build_reward
from rewardlab.verifiers import MathAnswer


def test_registered_as_math() -> None:
    assert get_reward_class("math") is MathAnswer
    assert MathAnswer.family == "verifier"
    assert set(MathAnswer.reads) == {"completion", "answer", "prompt"}


def test_reference_forms() -> None:
    m = MathAnswer()
    assert m.score({"completion": "#### 7", "answer": ["6", "7"]}).score == 1.0
    assert m.score({"completion": "#### 7", "answer": 7}).score == 1.0
    assert m.score({"completion": "#### 7", "answer": "Three plus four.\n#### 7"}).score == 1.0
    missing = m.score({"completion": "#### 7"})
    assert missing.status.value == "not_applicable" and "answer" in missing.info["reason"]
    empty = m.score({"completion": "#### 7", "answer": ["", None]})
    assert empty.status.value == "not_applicable"
    assert MathAnswer(answer_field="gold").score({"completion": "#### 7", "gold": "7"}).score == 1.0


def test_info_says_what_was_extracted_which_path_and_why() -> None:
    m = MathAnswer()
    right = m.score({"completion": "so \\boxed{\\frac{14}{2}}", "answer": "7"})
    assert right.info["extracted"] == "\\frac{14}{2}"
    assert right.info["strategy"] == "boxed" and right.info["path"] == "fast"
    assert right.info["matched"] == "7" and right.info["reference"] == ["7"] and right.info["mode"] == "strict"
    assert "reason" not in right.info
    wrong = m.score({"completion": "#### 8", "answer": "7"})
    assert wrong.score == 0.0 and wrong.info["reason"] == "not_equal" and wrong.info["detail"]
    several = m.score({"completion": "\\boxed{7} \\boxed{8}", "answer": "7"})
    assert several.info["reason"] == "multiple_answers" and several.info["candidates"] == ["7", "8"]
    nothing = m.score({"completion": "no idea", "answer": "7"})
    assert nothing.score == 0.0 and nothing.info["reason"] == "no_answer"


def test_format_score_pays_well_formed_wrong_answers_only() -> None:
    m = MathAnswer(format_score=0.1)
    assert m.score({"completion": "#### 8", "answer": "7"}).score == 0.1
    assert m.score({"completion": "#### 7", "answer": "7"}).score == 1.0
    assert m.score({"completion": "#### 7 or 8", "answer": "7"}).score == 0.0  # hedge: not well-formed
    assert m.score({"completion": "\\boxed{}", "answer": "7"}).score == 0.0
    assert m.score({"completion": "it is 8", "answer": "7"}).score == 0.0  # no explicit answer marker


def test_mode_overrides() -> None:
    sample = {"completion": "\\boxed{3} wait \\boxed{4}", "answer": "4"}
    assert MathAnswer().score(sample).score == 0.0
    assert MathAnswer(mode="lenient").score(sample).score == 1.0
    assert MathAnswer(max_distinct_answers=2).score(sample).score == 1.0
    assert MathAnswer(mode="lenient", max_distinct_answers=1).score(sample).score == 0.0
    lookalike = {"completion": "\\boxed{４}", "answer": "4"}
    assert MathAnswer(lookalike_digits="fold").score(lookalike).score == 1.0
    assert MathAnswer(mode="lenient", lookalike_digits="reject").score(lookalike).score == 0.0


def test_symbolic_can_be_disabled() -> None:
    r = MathAnswer(symbolic=False).score({"completion": "\\boxed{\\tan^2 x + 1}", "answer": "\\sec^2 x"})
    assert r.score == 0.0 and r.info["reason"] == "symbolic_disabled"
    # closed forms never needed sympy
    r = MathAnswer(symbolic=False).score({"completion": "\\boxed{x^2+2x+1}", "answer": "(x+1)^2"})
    assert r.score == 1.0 and r.info["path"] == "fast"


def test_built_from_a_spec_and_round_trips() -> None:
    reward = build_reward({"type": "math", "mode": "lenient", "format_score": 0.2, "extract": ["boxed", "gsm8k"]})
    assert isinstance(reward, MathAnswer) and reward.extract == ["boxed", "gsm8k"]
    assert build_reward(reward.to_spec()).to_spec() == reward.to_spec()


@pytest.mark.parametrize(
    ("node", "fragment"),
    [
        ({"type": "math", "mode": "loose"}, "mode"),
        ({"type": "math", "extract": ["boxed", "boxed"]}, "listed twice"),
        ({"type": "math", "extract": []}, "at least one"),
        ({"type": "math", "extract": ["boxes"]}, "extract"),
        ({"type": "math", "format_score": 2}, "format_score"),
        ({"type": "math", "timeout_s": 0}, "timeout_s"),
        ({"type": "math", "percent": "ratio"}, "percent"),
    ],
)
def test_bad_parameters_say_which_field(node: dict, fragment: str) -> None:
    with pytest.raises((ParameterError, SpecError)) as exc:
        build_reward(node)
    assert fragment in str(exc.value)


def test_picklable_before_and_after_use() -> None:
    m = MathAnswer(mode="lenient", format_score=0.1)
    m.score({"completion": "#### 7", "answer": "7"})
    clone = pickle.loads(pickle.dumps(m))
    assert clone.to_spec() == m.to_spec()
    assert clone.score({"completion": "\\boxed{0.33}", "answer": "1/3"}).score == 1.0


def test_one_bad_sample_never_loses_the_others() -> None:
    m = MathAnswer()
    results = m.score_batch(
        [
            {"completion": "#### 7", "answer": "7"},
            {"completion": "#### 7"},
            {"completion": "\\boxed{x+1}", "answer": "1+x"},
            {"completion": None, "answer": "7"},
        ]
    )
    assert [r.status.value for r in results] == ["ok", "not_applicable", "ok", "ok"]
    assert [r.score for r in results] == [1.0, None, 1.0, 0.0]


def test_huge_and_deeply_nested_inputs_are_refused_quickly() -> None:
    m = MathAnswer()
    start = time.monotonic()
    results = m.score_batch(
        [
            {"completion": "\\boxed{" + "9" * 100_000 + "}", "answer": "9"},
            {"completion": "\\boxed{" * 50_000 + "1" + "}" * 50_000, "answer": "1"},
            {"completion": "(" * 5_000 + "1" + ")" * 5_000, "answer": "2"},
            {"completion": "word " * 1_000_000 + "#### 7", "answer": "7"},
        ]
    )
    assert [r.info.get("reason") for r in results[:3]] == ["answer_too_long", "nested_box", "not_equal"]
    assert results[3].score == 1.0 and "truncated" in results[3].info["notes"][0]
    assert time.monotonic() - start < 60  # a hang guard, not a speed test


def test_a_spent_deadline_still_answers_numbers() -> None:
    ctx = ScoreContext(deadline=time.monotonic() - 1)
    assert MathAnswer().score({"completion": "#### 7", "answer": "7"}, ctx).score == 1.0
