"""`rewardlab select best --gold-key`: the proxy-vs-gold curve over best-of-N, checked against a brute-force
enumeration of every N-subset on samples scored by the real CLI (length as the proxy, the math verifier as the
gold, both from one spec with the gold at weight 0)."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from rewardlab.cli import app
from rewardlab.loop.bon_curve import best_of_n_curve
from rewardlab.loop.scored import ScoredFileError, scored_rows

runner = CliRunner()

SPEC = """\
version: 1
name: proxy-and-gold
reward:
  type: weighted_sum
  name: total
  children:
    - {type: length, name: proxy, weight: 1.0}
    - {type: math, name: gold, weight: 0.0}
"""
# GSM8K-style completions: long wrong ones, short right ones, equal lengths (ties) and a group of 3
GROUPS = {
    "q1": ("7", ["3 + 4 = 7\n#### 7", "Adding them gives 8 apples.\n#### 8", "#### 7", "He has 3+4 = 7.\n#### 7"]),
    "q2": ("30", ["#### 30", "#### 31", "#### 30", "Five boxes of six eggs are 35.\n#### 35"]),
    "q3": ("12", ["#### 12", "#### 13", "so 12 in all\n#### 12"]),
}


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def scored(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("bon")
    (d / "spec.yaml").write_text(SPEC, encoding="utf-8")
    samples = d / "samples.jsonl"
    with samples.open("w", encoding="utf-8") as fh:
        for gid, (answer, completions) in GROUPS.items():
            for k, completion in enumerate(completions):
                row = {"group_id": gid, "sample_index": k, "prompt": f"question {gid}", "answer": answer}
                fh.write(json.dumps({**row, "completion": completion}) + "\n")
    out = d / "scored.jsonl"
    res = runner.invoke(app, ["score", "-r", str(d / "spec.yaml"), "-i", str(samples), "-o", str(out), "--no-summary"])
    assert res.exit_code == 0, res.output
    return out


def brute_force(rows: list[dict[str, Any]], n: int, tie_break: str) -> tuple[float, float, float]:
    """Mean over groups of (proxy, gold) of the pick and the oracle's gold, enumerating every N-subset."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault(r["group_id"], []).append(r)
    proxy, gold, oracle = [], [], []
    for g in groups.values():
        k = min(n, len(g))
        subsets = list(itertools.combinations(g, k))
        p_sum = g_sum = o_sum = 0.0
        for sub in subsets:
            top = max(r["reward"]["components"]["proxy"] for r in sub)
            tied = [r for r in sub if r["reward"]["components"]["proxy"] == top]
            if tie_break == "index":
                tied = [min(tied, key=lambda r: r["sample_index"])]
            p_sum += top
            g_sum += sum(r["reward"]["components"]["gold"] for r in tied) / len(tied)
            o_sum += max(r["reward"]["components"]["gold"] for r in sub)
        proxy.append(p_sum / len(subsets))
        gold.append(g_sum / len(subsets))
        oracle.append(o_sum / len(subsets))
    return sum(proxy) / len(proxy), sum(gold) / len(gold), sum(oracle) / len(oracle)


@pytest.mark.parametrize("tie_break", ["random", "index"])
def test_the_curve_is_the_exact_expectation_over_subsets(scored: Path, tmp_path: Path, tie_break: str) -> None:
    rows = _rows(scored)
    assert len({r["reward"]["components"]["proxy"] for r in rows}) < len(rows)  # the data has ties
    summary = tmp_path / "s.json"
    args = ["select", "best", "-i", str(scored), "-o", str(tmp_path / "best.jsonl"), "--summary", str(summary)]
    args += ["--score-key", "reward.components.proxy", "--gold-key", "reward.components.gold", "--tie-break", tie_break]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    curve = json.loads(summary.read_text(encoding="utf-8"))["best_of_n_curve"]
    assert curve["gold_key"] == "reward.components.gold" and curve["groups"] == 3 and curve["samples"] == 11
    assert [p["n"] for p in curve["points"]] == [1, 2, 3, 4]  # up to the largest group
    assert [p["full_groups"] for p in curve["points"]] == [3, 3, 3, 2]
    for p in curve["points"]:
        proxy, gold, oracle = brute_force(rows, p["n"], tie_break)
        assert p["proxy"] == pytest.approx(proxy) and p["gold"] == pytest.approx(gold), p["n"]
        assert p["oracle_gold"] == pytest.approx(oracle)
        assert p["kl"] == pytest.approx(math.log(p["n"]) - (p["n"] - 1) / p["n"])
        assert p["gold_ci"][0] <= p["gold"] <= p["gold_ci"][1]
    one = curve["points"][0]
    assert one["gold"] == pytest.approx(one["oracle_gold"])  # N = 1 is a random pick
    assert "gold of the pick" in res.output and "oracle gold" in res.output


def test_the_longest_answer_loses_gold_as_n_grows(scored: Path) -> None:
    """Length as the proxy over-optimizes here: the gold of its pick falls while the proxy rises."""
    data = scored_rows(_rows(scored), score_key="reward.components.proxy")
    points = best_of_n_curve(data, "reward.components.gold").points
    assert [p.proxy for p in points] == sorted(p.proxy for p in points)
    assert points[-1].gold < points[0].gold < points[-1].oracle_gold


def test_n_caps_the_curve_and_the_picks_report_their_gold(scored: Path, tmp_path: Path) -> None:
    summary = tmp_path / "s.json"
    args = ["select", "best", "-i", str(scored), "-o", str(tmp_path / "b.jsonl"), "--n", "2", "--summary", str(summary)]
    res = runner.invoke(app, [*args, "--score-key", "reward.components.proxy", "--gold-key", "reward.components.gold"])
    assert res.exit_code == 0, res.output
    data = json.loads(summary.read_text(encoding="utf-8"))
    assert [p["n"] for p in data["best_of_n_curve"]["points"]] == [1, 2]
    picks = _rows(tmp_path / "b.jsonl")
    want = sum(r["reward"]["components"]["gold"] for r in picks) / len(picks)
    assert data["selection"]["picked_mean_gold"] == pytest.approx(want)


def test_the_plot_is_written(scored: Path, tmp_path: Path) -> None:
    png = tmp_path / "bon.png"
    args = ["select", "best", "-i", str(scored), "-o", str(tmp_path / "b.jsonl"), "--summary", "-"]
    res = runner.invoke(app, [*args, "--gold-key", "reward.components.gold", "--plot", str(png)])
    assert res.exit_code == 0, res.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    res = runner.invoke(app, [*args, "--plot", str(png)])
    assert res.exit_code == 2 and "--plot" in res.output and "--gold-key" in res.output


@pytest.mark.parametrize(
    ("gold", "says"),
    [
        (None, "x.jsonl:2: 'reward.components.gold' is null"),
        ("high", "x.jsonl:2: 'reward.components.gold' must be a number, got str"),
        ("missing", "x.jsonl:2: no 'reward.components.gold' field"),
    ],
)
def test_a_row_without_gold_names_its_line_and_field(tmp_path: Path, gold: Any, says: str) -> None:
    second: dict[str, Any] = {"score": 0.2, "components": {}}
    if gold != "missing":
        second["components"]["gold"] = gold
    lines = [
        {"group_id": "g", "sample_index": 0, "completion": "a", "reward": {"score": 0.9, "components": {"gold": 1.0}}},
        {"group_id": "g", "sample_index": 1, "completion": "b", "reward": second},
        {"group_id": "g", "sample_index": 2, "completion": "c", "reward": {"score": None, "components": {}}},
    ]
    path = tmp_path / "x.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in lines), encoding="utf-8")
    args = ["select", "best", "-i", str(path), "-o", str(tmp_path / "o.jsonl"), "--gold-key", "reward.components.gold"]
    res = runner.invoke(app, [*args, "--summary", "-"])
    assert res.exit_code == 2 and says in res.output and "--skip-bad" in res.output, res.output
    with pytest.raises(ScoredFileError, match=r"x\.jsonl:2"):
        best_of_n_curve(scored_rows(lines), "reward.components.gold", source=str(path))
    # --skip-bad leaves the row out (the unscored row 3 is never picked, and needs no gold)
    summary = tmp_path / "s.json"
    res = runner.invoke(app, [*args, "--skip-bad", "--summary", str(summary)])
    assert res.exit_code == 0 and "x.jsonl:2" in res.output and "left out of the curve" in res.output
    curve = json.loads(summary.read_text(encoding="utf-8"))["best_of_n_curve"]
    assert curve["samples"] == 1 and curve["skipped"] == 1 and curve["left_out"] == 1


def test_help_shows_the_gold_example() -> None:
    res = runner.invoke(app, ["select", "best", "--help"])
    assert res.exit_code == 0 and "--gold-key reward.components.gold" in res.output
