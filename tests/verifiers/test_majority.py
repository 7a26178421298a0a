"""`majority_vote`: agreement with the group's majority answer, read and compared by a verifier (TTRL)."""

from __future__ import annotations

import gzip
import json
import pickle
from collections import Counter
from pathlib import Path

import pytest

from rewardlab.core.spec import build_reward
from rewardlab.verifiers.majority import MajorityVote


def group(*completions: str, key: str = "q", **extra: object) -> list[dict[str, object]]:
    return [{"group_id": key, "completion": c, **extra} for c in completions]


def test_equivalent_answers_vote_together_and_refused_ones_do_not_vote() -> None:
    r = MajorityVote(group_key="group_id")
    batch = group(r"So \boxed{7}.", "#### 7.0", "The answer is $7.", "#### 8", "#### 8", "It is 8 or 9.")
    results = r.score_batch(batch)
    assert [x.score for x in results] == [1.0, 1.0, 1.0, 0.0, 0.0, 0.0]
    info = results[0].info
    assert info["votes"] == 5 and info["group_size"] == 6 and info["vote_share"] == 0.5
    assert "not_a_vote" in results[5].info and results[5].info["share"] == 0.0
    shares = MajorityVote(group_key="group_id", pay="share").scores(batch)
    assert shares == [0.5, 0.5, 0.5, pytest.approx(1 / 3), pytest.approx(1 / 3), 0.0]


def test_the_reference_never_changes_the_score_only_majority_correct() -> None:
    r = MajorityVote(group_key="group_id")
    right = r.score_batch(group("#### 4", "#### 4", "#### 5", answer="4"))
    wrong = r.score_batch(group("#### 4", "#### 4", "#### 5", answer="5"))
    none = r.score_batch(group("#### 4", "#### 4", "#### 5"))
    assert [x.score for x in right] == [x.score for x in wrong] == [x.score for x in none] == [1.0, 1.0, 0.0]
    assert right[0].info["majority_correct"] is True and wrong[0].info["majority_correct"] is False
    assert "majority_correct" not in none[0].info


def test_ties_go_to_the_first_answer_and_say_so() -> None:
    results = MajorityVote(group_key="group_id").score_batch(group("#### 5", "#### 4", "#### 4", "#### 5"))
    assert [x.score for x in results] == [1.0, 0.0, 0.0, 1.0]
    assert results[0].info["tied"] is True and results[0].info["majority"] == "5"


def test_groups_are_scored_apart_and_a_group_of_one_is_refused() -> None:
    r = MajorityVote(group_key="group_id")
    batch = group("#### 1", "#### 1", key="a") + group("#### 2", "#### 3", "#### 3", key="b") + group("#### 9", key="c")
    results = r.score_batch(batch)
    assert [x.score for x in results[:5]] == [1.0, 1.0, 0.0, 1.0, 1.0]
    lonely = results[5]
    assert lonely.status.value == "error" and lonely.score is None
    assert "only sample of its group" in (lonely.error or "")
    assert r.score({"completion": "#### 1"}).status.value == "error"  # scored alone


def test_no_votes_at_all_pays_nothing() -> None:
    results = MajorityVote(group_key="group_id").score_batch(group("no idea", "7 or 8", ""))
    assert [x.score for x in results] == [0.0, 0.0, 0.0]
    assert results[0].info["majority"] is None and results[0].info["votes"] == 0


def test_other_verifiers_and_their_params() -> None:
    choice = MajorityVote(group_key="group_id", verifier="choice")
    prompt = "Which planet is largest? A) Mars B) Jupiter C) Venus"
    batch = [
        {"group_id": "q", "prompt": prompt, "completion": c}
        for c in ["The answer is B.", "B) Jupiter", "Answer: A", "B or C"]
    ]
    assert choice.scores(batch) == [1.0, 1.0, 0.0, 0.0]
    tags = MajorityVote(group_key="group_id", verifier="exact_match", verifier_params={"extract": "answer_tag"})
    assert tags.scores(group("<answer>Paris</answer>", "<answer>paris</answer>", "Paris")) == [1.0, 1.0, 0.0]
    with pytest.raises(ValueError, match="answer_field is set by majority_vote"):
        MajorityVote(verifier_params={"answer_field": "x"})
    with pytest.raises(ValueError):
        MajorityVote(verifier="math", verifier_params={"no_such_param": 1})


def test_spec_round_trip_and_pickle() -> None:
    r = build_reward({"type": "majority_vote", "group_key": "group_id", "pay": "share"})
    again = build_reward(r.to_spec())
    batch = group("#### 3", "#### 3", "#### 4")
    assert again.scores(batch) == r.scores(batch)
    assert pickle.loads(pickle.dumps(r)).scores(batch) == r.scores(batch)
    assert build_reward({"type": "ttrl", "group_key": "group_id"}).scores(batch) == [1.0, 1.0, 0.0]


def test_majority_matches_the_datasets_own_answers_on_gsm8k_solutions(shared_data: Path) -> None:
    """Real GPT-3 solutions, 4 per question: where the dataset's own extracted answers (`predicted_answer`)
    have a strict majority, majority_vote's majority is right exactly when that majority is right."""
    with gzip.open(shared_data / "gsm8k_solutions.jsonl.gz", "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    by_question: dict[str, list[dict[str, object]]] = {}
    for row in rows:
        by_question.setdefault(str(row["question_id"]), []).append(row)
    r = MajorityVote(group_key="question_id")
    checked = agree = 0
    for qid in sorted(by_question)[:150]:
        sols = by_question[qid]
        votes = Counter(str(s["predicted_answer"]) for s in sols if s["predicted_answer"] is not None)
        if not votes:
            continue
        (top, n), *rest = votes.most_common()
        if rest and rest[0][1] == n:
            continue  # a tie in the dataset's answers: no strict majority to compare with
        expected = any(s["is_correct"] for s in sols if str(s["predicted_answer"]) == top)
        batch = [
            {"question_id": qid, "prompt": s["question"], "completion": s["solution"], "answer": s["reference_answer"]}
            for s in sols
        ]
        got = r.score_batch(batch)[0].info["majority_correct"]
        checked += 1
        agree += got == expected
    assert checked >= 60
    assert agree / checked >= 0.97, (agree, checked)
