"""`rewardlab eval ...`, `rewardlab runs`, `compare`, `report`: run directories and the SQLite store."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rewardlab.cli import app
from rewardlab.evaluate.metrics.compare import compare
from rewardlab.evaluate.runs.rundir import prepare_run_dir
from rewardlab.evaluate.runs.store import RunNotFound, RunRecord, RunStore

runner = CliRunner()


def run(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args))


def _pairs(tmp_path: Path) -> Path:
    rows = [
        {"id": str(i), "prompt": "q", "chosen": "a" * (i + 2), "rejected": "b" * (5 - i), "subset": s}
        for i, s in enumerate(["alpacaeval-easy", "alpacaeval-easy", "hep-go", "hep-go", "mt-bench-med"])
    ]
    path = tmp_path / "pairs.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_store_lookup(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "runs.sqlite3")
    assert store.list() == []
    for i, kind in enumerate(["prefs", "prefs", "bon"]):
        store.record(RunRecord(f"{kind}-2025010{i}-x{i}", kind, f"2025-01-0{i + 1}T00:00:00Z", "r", None, "d", "/x"))
    assert [r.run_id for r in store.list()] == ["bon-20250102-x2", "prefs-20250101-x1", "prefs-20250100-x0"]
    assert [r.run_id for r in store.list(kind="prefs", limit=1)] == ["prefs-20250101-x1"]
    assert store.get("bon").run_id == "bon-20250102-x2"
    with pytest.raises(RunNotFound, match="ambiguous"):
        store.get("prefs-2025")
    with pytest.raises(RunNotFound, match="no run 'zzz'"):
        store.get("zzz")
    with pytest.raises(RunNotFound):
        store.get("prefs_%")  # LIKE wildcards are literal


def test_out_must_be_new_empty_or_a_run_dir(tmp_path: Path) -> None:
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine")
    with pytest.raises(Exception, match="not empty and is not a run directory"):
        prepare_run_dir(busy, "x")
    assert prepare_run_dir(tmp_path / "new" / "run", "x").is_dir()


def test_eval_prefs_cli_writes_a_run_and_the_store_finds_it(tmp_path: Path, rl_home: Path) -> None:
    data = _pairs(tmp_path)
    out = tmp_path / "run-a"
    res = run("eval", "prefs", "-r", "ev_chars", "--data", str(data), "--out", str(out), "--bootstrap", "100")
    assert res.exit_code == 0, res.output
    assert str(out) in res.stdout
    summary = json.loads((out / "summary.json").read_text())
    assert summary["kind"] == "prefs" and summary["reward"]["name"] == "ev_chars"
    assert summary["headline"]["accuracy"] == 0.6 and summary["headline"]["pairs"] == 5
    assert summary["metrics"]["rewardbench_v1"]["sections"]["Chat"] is not None
    rows = [json.loads(line) for line in (out / "samples.jsonl").read_text().splitlines()]
    assert len(rows) == 5 and {"chosen_score", "rejected_score", "outcome"} <= set(rows[0])
    html = (out / "report.html").read_text()
    assert "RewardBench v1" in html and "data:image/png;base64," in html and "http://" not in html
    assert (rl_home / "runs.sqlite3").exists()

    # a second run (default directory under the store), the listing, compare and report
    res_b = run("eval", "prefs", "-r", "ev_chars", "-p", "sign=-1", "--data", str(data), "--json")
    assert res_b.exit_code == 0, res_b.output
    info = json.loads(res_b.stdout)
    assert Path(info["dir"]).parent == rl_home / "runs" and info["headline"]["accuracy"] == 0.4

    listed = run("runs", "--json")
    assert listed.exit_code == 0
    ids = [r["run_id"] for r in json.loads(listed.stdout)]
    assert ids[0] == info["run_id"] and summary["run_id"] in ids
    assert "ev_chars" in run("runs").stdout

    cmp = run("compare", summary["run_id"], info["run_id"], "--json")
    assert cmp.exit_code == 0, cmp.output
    rows_cmp = {r["label"]: r for r in json.loads(cmp.stdout)["rows"]}
    assert rows_cmp["accuracy"]["delta"] == pytest.approx(-0.2)
    assert "subset hep-go: accuracy" in rows_cmp
    table = run("compare", str(out), info["run_id"][:-1])  # a directory, and a unique id prefix
    assert table.exit_code == 0 and "accuracy" in table.stdout and "-0.2000" in table.stdout

    (out / "report.html").unlink()
    rebuilt = run("report", summary["run_id"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert (out / "report.html").exists() and str(out / "report.html") in rebuilt.stdout.replace("\n", "")
    assert run("report", "no-such-run").exit_code == 2


def test_eval_exit_codes(tmp_path: Path) -> None:
    data = tmp_path / "p.jsonl"
    data.write_text(
        json.dumps({"prompt": "q", "chosen": "FAIL", "rejected": "x"})
        + "\n"
        + json.dumps({"prompt": "q", "chosen": "long", "rejected": "x"})
        + "\n"
    )
    res = run("eval", "prefs", "-r", "ev_flaky", "--data", str(data), "--out", str(tmp_path / "r"))
    assert res.exit_code == 1, res.output  # evaluated, but a sample failed
    assert "failed on 1 sample" in res.output
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert summary["failures"]["failed"] == 1 and summary["headline"]["accuracy"] == 1.0
    assert run("eval", "prefs", "-r", "no_such_reward", "--data", str(data)).exit_code == 2
    missing = run("eval", "prefs", "-r", "ev_chars", "--data", str(tmp_path / "nope.jsonl"))
    assert missing.exit_code == 2 and "no such file" in missing.output
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    assert run("eval", "prefs", "-r", "ev_chars", "--data", str(empty)).exit_code == 2
    assert run("eval", "bon", "-r", "ev_chars", "--data", str(data), "--tie-break", "first").exit_code == 2
    assert run("eval", "robustness", "-r", "ev_chars", "--data", str(data), "-t", "nope").exit_code == 2
    listing = run("eval", "robustness", "--list-transforms")
    assert listing.exit_code == 0 and "homoglyphs" in listing.stdout


def test_other_eval_commands(tmp_path: Path, shared_data: Path) -> None:
    pairwise = run(
        "eval", "prefs", "-r", "ev_pairwise_len", "--data", str(_pairs(tmp_path)), "--out", str(tmp_path / "pw")
    )
    assert pairwise.exit_code == 0, pairwise.output
    assert "P(chosen wins)" in (tmp_path / "pw" / "report.html").read_text()

    bon = run(
        "eval",
        "bon",
        "-r",
        "ev_chars",
        "--data",
        str(shared_data / "alpaca_bon16.jsonl.gz"),
        "--limit",
        "40",
        "--tie-break",
        "index",
        "-n",
        "2",
        "--out",
        str(tmp_path / "bon"),
    )
    assert bon.exit_code == 0, bon.output
    s = json.loads((tmp_path / "bon" / "summary.json").read_text())
    assert s["metrics"]["ns"] == [2, 11] and set(s["headline"]) >= {"gold@2", "gold@11", "random", "oracle@11"}

    dist = run(
        "eval",
        "distance",
        "-a",
        "ev_chars",
        "-b",
        "ev_chars",
        "--param-b",
        "sign=-2",
        "--data",
        str(shared_data / "alpaca_bon16.jsonl.gz"),
        "--limit",
        "10",
        "--out",
        str(tmp_path / "dist"),
    )
    assert dist.exit_code == 0, dist.output
    d = json.loads((tmp_path / "dist" / "summary.json").read_text())["headline"]
    assert d["epic"] == pytest.approx(1.0) and d["starc"] == pytest.approx(1.0) and d["groups"] == 10

    agree = run(
        "eval",
        "agreement",
        "-a",
        "exact_match",
        "-b",
        "ev_constant",
        "--data",
        str(shared_data / "gsm8k_solutions.jsonl.gz"),
        "--limit",
        "30",
        "--map",
        "completion=predicted_answer",
        "--map",
        "answer=reference_answer",
        "--gold-field",
        "is_correct",
        "--out",
        str(tmp_path / "agr"),
    )
    assert agree.exit_code == 0, agree.output
    a = json.loads((tmp_path / "agr" / "summary.json").read_text())
    # exact match of the parsed final answer is the source label itself
    assert a["metrics"]["a_vs_gold"]["agreement"] == 1.0
    bad_map = run(
        "eval",
        "agreement",
        "-a",
        "exact_match",
        "-b",
        "ev_constant",
        "--data",
        str(shared_data / "gsm8k_solutions.jsonl.gz"),
        "--map",
        "completion",
    )
    assert bad_map.exit_code == 2 and "TARGET=SOURCE" in bad_map.output


def test_compare_aligns_kinds() -> None:
    a = {
        "kind": "bon",
        "headline": {"gold@11": 0.3},
        "metrics": {"table": {"baselines_ranked_prompts": {"oracle (max gold)": {"11": {"mean": 0.6}}}}},
    }
    b = {"kind": "bon", "headline": {"gold@11": 0.35, "gold@4": 0.3}, "metrics": {}}
    rows = {r.label: r for r in compare(a, b)}
    assert rows["gold@11"].delta == pytest.approx(0.05)
    assert rows["gold@4"].a is None and rows["gold@4"].delta is None
    assert rows["oracle (max gold) @11"].b is None


def test_importing_evaluate_stays_light() -> None:
    code = (
        "import sys, rewardlab.evaluate, rewardlab.cli.evaluate, rewardlab.cli.runs; "
        "heavy = [m for m in ('matplotlib', 'scipy', 'torch', 'transformers') if m in sys.modules]; "
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_rerunning_into_the_same_directory_replaces_the_run(tmp_path: Path) -> None:
    data = _pairs(tmp_path)
    out = tmp_path / "again"
    first = run("eval", "prefs", "-r", "ev_chars", "--data", str(data), "--out", str(out), "--json")
    second = run("eval", "prefs", "-r", "ev_chars", "--data", str(data), "--out", str(out), "--json")
    assert first.exit_code == second.exit_code == 0
    ids = [r.run_id for r in RunStore().list()]
    assert json.loads(second.stdout)["run_id"] in ids and json.loads(first.stdout)["run_id"] not in ids
