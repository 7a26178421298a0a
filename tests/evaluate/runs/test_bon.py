"""Best-of-N runs on the AlpacaEval candidates: the published anchors, rewards scored through the contract,
failed candidates, malformed files (the estimator itself: tests/evaluate/metrics/test_bon.py)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from rewardlab.core.spec import resolve
from rewardlab.evaluate.metrics.bon import public_rm_picks
from rewardlab.evaluate.runs.bon import BonOptions, baseline_table, evaluate_bon
from rewardlab.evaluate.runs.bon_data import load_bon


def _anchors(shared: Path) -> dict:
    return json.loads((shared / "alpaca_bon16_anchors.json").read_text())["shared"]


def test_baselines_and_public_models_match_published_anchors(shared_data: Path) -> None:
    prompts = load_bon(shared_data / "alpaca_bon16.jsonl.gz")
    anchors = _anchors(shared_data)
    assert len(prompts) == anchors["prompts"] == 400
    pool = anchors["annotated_pool"]
    table = baseline_table(prompts, [1, 2, 4, 8, 11])
    for rule, by_n in pool["expected_best_of_n"].items():
        for n, value in by_n.items():
            assert table[rule][n]["mean"] == pytest.approx(value, abs=1e-12), (rule, n)
    for rule, entry in pool["rules"].items():
        assert table[rule]["11"]["mean"] == pytest.approx(entry["mean"], abs=1e-12), rule
        assert table[rule]["11"]["se"] == pytest.approx(entry["se"], abs=1e-12), rule
    public = public_rm_picks(prompts)
    for rm, entry in anchors["public_rm_best_of_16"].items():
        for key, value in entry.items():
            assert public[rm][key] == pytest.approx(value, abs=1e-12), (rm, key)
        if "mean" not in entry:
            assert public[rm]["mean"] is None  # not determined: some picks have no gold


def test_rewards_reproduce_the_rules_through_the_contract(shared_data: Path) -> None:
    """A reward that scores length (index tie-break) is exactly "longest answer"; a constant reward is random."""
    prompts = load_bon(shared_data / "alpaca_bon16.jsonl.gz")
    pool = _anchors(shared_data)["annotated_pool"]["expected_best_of_n"]
    result, rows = evaluate_bon(resolve("ev_chars"), prompts, BonOptions(tie_break="index", batch_size=256))
    table = result["metrics"]["table"]
    for n in ("1", "2", "4", "8", "11"):
        assert table["reward"][n]["mean"] == pytest.approx(pool["longest answer"][n], abs=1e-12)
        assert table["baselines_ranked_prompts"]["shortest answer"][n]["mean"] == pytest.approx(
            pool["shortest answer"][n], abs=1e-12
        )
    assert result["metrics"]["prompts_ranked"] == 400 and len(rows) == 400
    assert result["headline"]["gold@11"] == pytest.approx(0.38645713994425, abs=1e-12)
    curves = result["metrics"]["curves"]
    assert curves["n"] == list(range(1, 12)) and curves["kl"][0] == 0.0
    assert curves["reward"][-1] == pytest.approx(pool["longest answer"]["11"], abs=1e-12)

    const, _ = evaluate_bon(resolve("ev_constant"), prompts[:50], BonOptions(batch_size=256))
    random_50 = float(np.mean([np.mean([g for g in p.gold if g is not None]) for p in prompts[:50]]))
    for n in ("1", "4", "11"):
        assert const["metrics"]["table"]["reward"][n]["mean"] == pytest.approx(random_50, abs=1e-12)


def test_failed_candidates_leave_the_prompt_out(tmp_path: Path) -> None:
    rows = [
        {
            "id": "p1",
            "instruction": "q",
            "candidates": ["aa", "b", "cccc", "unknown"],
            "gold": [0.5, 0.1, 0.9, None],
            "reference_picks": {"rm": 3},
            "reference_pick_gold": {"rm": None},
        },
        {
            "id": "p2",
            "instruction": "q",
            "candidates": ["FAIL", "b", "cc", "d"],
            "gold": [0.2, 0.4, 0.6, None],
            "reference_picks": {"rm": 2},
            "reference_pick_gold": {"rm": 0.6},
        },
    ]
    path = tmp_path / "bon.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    prompts = load_bon(path)
    result, out = evaluate_bon(resolve("ev_flaky"), prompts, BonOptions(ns=(1, 2), all_candidates=True))
    m = result["metrics"]
    assert m["k"] == 3 and m["ns"] == [1, 2, 3]
    assert m["prompts_ranked"] == 1 and m["prompts_unranked"] == 1
    assert result["failures"]["failed"] == 1  # counted, never read as 0
    assert out[1]["statuses"][0] == "error" and out[1]["scores"][0] is None
    # p1 ranked by length: cccc > aa > b -> N=3 picks gold 0.9
    assert m["table"]["reward"]["3"]["mean"] == pytest.approx(0.9)
    # best of all 4 in p1: "unknown" is the longest and has no gold -> bounds [0, 1]
    assert m["reward_best_of_all"]["lower_bound"] == 0.0 and m["reward_best_of_all"]["upper_bound"] == 1.0
    pub = m["public_rm_best_of_all"]["rm"]
    assert pub["picks_with_gold"] == 1 and pub["lower_bound"] == pytest.approx(0.3)
    assert pub["upper_bound"] == pytest.approx(0.8) and pub["mean"] is None


def test_malformed_bon_file_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps({"instruction": "q", "candidates": ["a", "b"], "gold": [0.1]}) + "\n")
    with pytest.raises(Exception, match=r"bad.jsonl:1: field 'gold'"):
        load_bon(path)
