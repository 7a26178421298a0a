"""RewardBench runs end to end: v1 files (a tie is a miss) and v2 rows (the scoring by hand, with the
published definitions it follows: tests/evaluate/metrics/test_rewardbench.py)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from rewardlab.core.spec import resolve
from rewardlab.evaluate.runs.pairs import load_preferences
from rewardlab.evaluate.runs.prefs import PrefsOptions, evaluate_preferences


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_end_to_end_v1_ties_are_misses(tmp_path: Path) -> None:
    """ev_chars prefers the longer answer; an equal-length pair is a tie and counts as a miss."""
    rows = [
        {"id": "1", "subset": "alpacaeval-easy", "prompt": "q", "chosen": "long answer", "rejected": "short"},
        {"id": "2", "subset": "alpacaeval-easy", "prompt": "q", "chosen": "same", "rejected": "four"},  # tie
        {"id": "3", "subset": "mt-bench-easy", "prompt": "q", "chosen": "a", "rejected": "bb"},
        {"id": "4", "subset": "hep-go", "prompt": "q", "chosen": "xxxx", "rejected": "x"},
    ]
    data = load_preferences(_write(tmp_path / "rb.jsonl", rows))
    result, _ = evaluate_preferences(resolve("ev_chars"), data, PrefsOptions(n_boot=50))
    m = result["metrics"]
    assert m["accuracy"]["accuracy"] == 0.5 and m["accuracy"]["ties"] == 1
    assert m["accuracy"]["accuracy_ties_half"] == 0.625
    assert m["subsets"]["alpacaeval-easy"]["accuracy"] == 0.5
    rb1 = m["rewardbench_v1"]
    assert rb1["sections"]["Chat"] == pytest.approx((0.5 * 100 + 0.0 * 28) / 128)
    assert rb1["sections"]["Reasoning"] == 1.0
    assert rb1["overall"] == pytest.approx((0.5 * 100 / 128 + 1.0) / 2)
    assert result["headline"]["rewardbench_v1"] == rb1["overall"]


def test_end_to_end_v2_rows(tmp_path: Path) -> None:
    rows = [
        {"id": "m1", "subset": "Math", "prompt": "q", "chosen": ["longest answer"], "rejected": ["a", "bb", "ccc"]},
        {"id": "m2", "subset": "Math", "prompt": "q", "chosen": ["x"], "rejected": ["yy", "zz", "w"]},
        {
            "id": "ref:7",
            "subset": "Ties",
            "prompt": "q",
            "chosen": ["12345"],
            "rejected": ["1", "12"],
            "num_correct": 1,
        },
        {
            "id": "tied:7",
            "subset": "Ties",
            "prompt": "q",
            "chosen": ["12345", "1234"],
            "rejected": ["1", "12"],
            "num_correct": 2,
        },
    ]
    data = load_preferences(_write(tmp_path / "rb2.jsonl", rows))
    assert len(data.ranked) == 4 and not data.pairs
    result, out_rows = evaluate_preferences(resolve("ev_chars"), data, PrefsOptions(n_boot=10))
    v2 = result["metrics"]["rewardbench_v2"]
    assert v2["subsets"]["Math"]["score"] == 0.5
    # ref: margin 5 - 2 = 3; tied: spread 1, margin 4 - 2 = 2 -> tanh(min(3, 2)/1 - 1)
    assert v2["subsets"]["Ties"]["score"] == pytest.approx(1.0 + 0.01 * math.tanh(1.0))
    assert [r["scores"] for r in out_rows if r["id"] == "m2"] == [[1.0, 2.0, 2.0, 1.0]]
