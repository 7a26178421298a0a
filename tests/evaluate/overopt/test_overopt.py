"""The over-optimization lab: simulated annotators, BT proxies, best-of-N curves, Gao fits, mitigations."""

from __future__ import annotations

import gzip
import itertools
import json
import math
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from rewardlab.cli import app
from rewardlab.evaluate.metrics.bon import BonPrompt, kl_bon
from rewardlab.evaluate.overopt import (
    bon_curve,
    combine,
    fit_gao_bon,
    fit_linear_bt,
    repetition,
    simulate_labels,
)
from rewardlab.evaluate.runs.overopt import run_overopt, write_report


def _world(n_prompts: int = 120, k: int = 8, dim: int = 6, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Features and a gold that is a noisy linear function of them."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n_prompts, k, dim))
    w = np.zeros(dim)
    w[0], w[1] = 1.0, -0.5
    gold = 1 / (1 + np.exp(-(x @ w + 0.3 * rng.normal(size=(n_prompts, k)))))
    return x, gold


def test_annotators_flip_at_the_noise_rate_and_draw_only_gold_candidates() -> None:
    _, gold = _world()
    gold[:, 5:] = np.nan
    clean = simulate_labels(gold, prompts=list(range(120)), n_labels=4000, noise=0.0, seed=1)
    assert (clean[:, 1:] < 5).all() and all(gold[p, i] > gold[p, j] for p, i, j in clean)
    noisy = simulate_labels(gold, prompts=list(range(60)), n_labels=4000, noise=0.2, seed=1)
    wrong = np.mean([gold[p, i] < gold[p, j] for p, i, j in noisy])
    assert wrong == pytest.approx(0.2, abs=0.02) and noisy[:, 0].max() < 60
    with pytest.raises(ValueError, match="noise must be"):
        simulate_labels(gold, prompts=[0], n_labels=1, noise=0.7, seed=0)


def test_linear_bt_recovers_the_gold_direction_and_more_labels_help() -> None:
    x, gold = _world()
    accs = []
    held = simulate_labels(gold, prompts=list(range(60, 120)), n_labels=3000, noise=0.0, seed=9)
    for n in (30, 3000):
        w = fit_linear_bt(x, simulate_labels(gold, prompts=list(range(60)), n_labels=n, noise=0.1, seed=2))
        s = x @ w
        accs.append(np.mean(s[held[:, 0], held[:, 1]] > s[held[:, 0], held[:, 2]]))
    assert accs[1] > accs[0] and accs[1] > 0.8
    assert np.corrcoef(w, [1.0, -0.5, 0, 0, 0, 0])[0, 1] > 0.95


def test_the_gold_as_its_own_proxy_is_the_oracle_and_gold_rises_with_n() -> None:
    _, gold = _world()
    curve = bon_curve(gold, gold, list(range(120)), [1, 2, 4, 8])
    assert [round(p.sqrt_kl, 6) for p in curve] == [round(math.sqrt(kl_bon(n)), 6) for n in (1, 2, 4, 8)]
    assert all(a.gold < b.gold for a, b in itertools.pairwise(curve))
    assert curve[-1].gold == pytest.approx(np.mean(gold.max(axis=1)))
    assert curve[0].gold == pytest.approx(np.mean(gold))


def test_gao_fit_recovers_a_known_curve() -> None:
    d = np.sqrt([kl_bon(n) for n in (1, 2, 4, 8, 16, 32)])
    fit = fit_gao_bon(d, 0.3 + 0.2 * d - 0.05 * d**2)
    assert (fit["r0"], round(fit["alpha"], 6), round(fit["beta"], 6)) == (0.3, 0.2, 0.05)
    assert fit["d_peak"] == pytest.approx(2.0) and fit["rmse"] < 1e-9
    assert fit_gao_bon([0.1, 0.2, 0.3], [1.0, 2.0, 3.0])["d_peak"] == float("inf")  # no down-turn


def test_mitigations_combine_members() -> None:
    members = np.array([[[0.0, 2.0, 4.0]], [[2.0, 2.0, 0.0]]])
    assert combine(members, "single").tolist() == [[0.0, 2.0, 4.0]]
    assert combine(members, "clip", clip_at=1.5).tolist() == [[1.0, 1.5, 1.5]]
    par = combine(members, "par")
    assert np.argsort(par[0]).tolist() == np.argsort(combine(members, "mean")[0]).tolist()  # monotone per prompt
    assert combine(members, "uwo", k=2.0)[0, 2] == pytest.approx(2.0 - 2 * 2.0)
    with pytest.raises(ValueError, match="unknown mitigation"):
        combine(members, "median")  # type: ignore[arg-type]
    assert repetition("one two three four") == 0.0 and repetition("x y z x y z x y z x y z") > 0.5


def test_the_lab_end_to_end_on_a_synthetic_world(tmp_path: Path) -> None:
    x, gold = _world(n_prompts=80)
    prompts = [
        BonPrompt(
            id=f"p{i}",
            instruction="q",
            dataset="toy",
            candidates=["word " * int(5 + 50 * gold[i, k]) for k in range(8)],
            gold=list(gold[i]),
            reference_picks={},
            reference_pick_gold={},
        )
        for i in range(80)
    ]
    result = run_overopt(prompts, x, label_counts=(20, 2000), noise=0.1, members=3, seed=0)
    assert result["settings"]["ns"] == [1, 2, 3, 4, 6, 8]
    by = {(r["n_labels"], r["mitigation"]): r for r in result["runs"]}
    assert len(by) == 12
    assert by[(2000, "single")]["curve"][-1]["gold"] > by[(20, "single")]["curve"][-1]["gold"]
    assert by[(2000, "mean")]["label_accuracy"] > 0.75
    assert by[(2000, "par")]["curve"][-1]["gold"] == pytest.approx(by[(2000, "mean")]["curve"][-1]["gold"])
    paths = write_report(result, tmp_path / "rep")
    assert [p.name for p in paths][:2] == ["overopt.json", "REPORT.md"]
    text = (tmp_path / "rep" / "REPORT.md").read_text()
    assert "| 2000 | uwo |" in text and "sqrt(KL_bon" in text


@pytest.mark.integration
def test_cli_runs_on_a_small_file_with_minilm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REWARDLAB_HOME", str(tmp_path / "home"))
    rng = np.random.default_rng(0)
    rows = []
    for i in range(12):
        cands = [("Sure, here is a careful answer. " * (1 + k % 3)) if k % 2 else "No." for k in range(5)]
        rows.append({"id": f"q{i}", "instruction": f"Question {i}?", "candidates": cands,
                     "gold": [float(k % 2) * 0.8 + 0.1 * rng.random() for k in range(5)]})  # fmt: skip
    data = tmp_path / "bon.jsonl.gz"
    with gzip.open(data, "wt", encoding="utf-8") as fh:
        fh.write("\n".join(json.dumps(r) for r in rows) + "\n")
    out = tmp_path / "lab"
    args = ["eval", "overopt", "-d", str(data), "-o", str(out), "--labels", "10", "--labels", "60",
            "--members", "2", "--max-length", "32"]  # fmt: skip
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    assert {"overopt.json", "REPORT.md", "features.npz"} <= {p.name for p in out.iterdir()}
    summary = json.loads((out / "overopt.json").read_text())
    assert summary["settings"]["ns"] == [1, 2, 3, 4, 5] and len(summary["runs"]) == 12
    again = CliRunner().invoke(app, args)  # features read back from features.npz
    assert again.exit_code == 0 and "features:" not in again.output
    bad = CliRunner().invoke(app, ["eval", "overopt", "-d", str(tmp_path / "none.jsonl"), "-o", str(out)])
    assert bad.exit_code == 2 and "no such file" in bad.output


def test_consensus_proxies_learn_coverage_the_gold_pays(tmp_path: Path) -> None:
    """--backbone consensus: the proxies' features are the consensus reward model's (no backbone to
    load); on prompts whose gold is how many of the topic's words a candidate covers, the fitted
    proxies pick far above a random pick."""
    rng = np.random.default_rng(1)
    words = ["honey", "wax", "pollen", "hive", "nectar", "queen", "drone", "comb"]
    rows = []
    for i in range(24):
        cands, gold = [], []
        for _ in range(8):
            k = int(rng.integers(1, len(words) + 1))
            filler = " ".join(["so"] * int(rng.integers(0, 40)))
            cands.append(f"{filler} {' '.join(rng.permutation(words)[:k])}.")
            gold.append(k / len(words))
        rows.append({"id": f"q{i}", "instruction": f"About bees ({i})?", "candidates": cands, "gold": gold})
    data = tmp_path / "bon.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "lab"
    args = ["eval", "overopt", "-d", str(data), "-o", str(out), "--backbone", "consensus", "--labels", "200"]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    summary = json.loads((out / "overopt.json").read_text())
    assert "features.npz" not in {p.name for p in out.iterdir()}
    single = next(r for r in summary["runs"] if r["mitigation"] == "single")
    random_pick = summary["runs"][0]["curve"][0]["gold"]  # N = 1
    assert single["curve"][-1]["gold"] > random_pick + 0.2


def test_gold_from_a_reward_on_sampled_candidates(tmp_path: Path) -> None:
    """--gold: a verifier scores every candidate and its score is the gold; `rewardlab sample` rows
    (group_id, sample_index) are one prompt's candidates, so sampling more gives a larger N."""
    rng = np.random.default_rng(0)
    rows = []
    for q in range(16):
        answer = str(q + 2)
        for i in range(6):
            right = rng.random() < 0.5
            text = f"We add {q} and 2 step by step. " * int(rng.integers(1, 4)) + f"#### {answer if right else q}"
            rows.append({"group_id": f"q{q}", "sample_index": i, "prompt": [{"role": "user", "content": f"{q}+2?"}],
                         "completion": text, "answer": answer})  # fmt: skip
    rows.append({"group_id": "q0", "sample_index": 6, "prompt": "0+2?", "completion": "", "answer": "2"})
    data = tmp_path / "samples.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "lab"
    args = ["eval", "overopt", "-d", str(data), "-o", str(out), "--gold", "math", "--backbone", "consensus",
            "--labels", "40", "--members", "2"]  # fmt: skip
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    assert "gold: scoring 97 candidates of 16 prompts with math" in res.output
    summary = json.loads((out / "overopt.json").read_text())
    assert summary["settings"]["ns"][-1] == 6  # q0 has 7 samples, the others 6: N goes to 6
    assert 0.0 < summary["oracle"][0]["gold"] < summary["oracle"][-1]["gold"] <= 1.0
    assert "Gold: the reward math. Proxy features: consensus." in (out / "REPORT.md").read_text()


def test_gold_options_say_what_is_wrong(tmp_path: Path) -> None:
    lists = tmp_path / "lists.jsonl"
    lists.write_text(json.dumps({"instruction": "q", "candidates": ["a", "b"]}) + "\n")
    res = CliRunner().invoke(app, ["eval", "overopt", "-d", str(lists), "-o", str(tmp_path / "o"), "--gold", "nope"])
    assert res.exit_code == 2 and "--gold nope" in res.output
    odd = tmp_path / "odd.jsonl"
    odd.write_text(json.dumps({"prompt": "q", "text": "a"}) + "\n")
    res = CliRunner().invoke(app, ["eval", "overopt", "-d", str(odd), "-o", str(tmp_path / "o"), "--gold", "length"])
    assert res.exit_code == 2 and "odd.jsonl:1" in res.output and "group_id" in res.output
    res = CliRunner().invoke(app, ["eval", "overopt", "-d", str(lists), "-o", str(tmp_path / "o"), "--gold", "math"])
    assert res.exit_code == 2 and "no prompt has two candidates with a gold score" in res.output
