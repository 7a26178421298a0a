"""`rewardlab stress`: output, JSON, exit codes, specs and parameters."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from rewardlab.cli import app

runner = CliRunner()


def run(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["stress", *args])


def test_passing_verifiers_exit_zero_with_a_readable_summary() -> None:
    res = run("-k", "choice", "-k", "toolcall", "--inline")
    assert res.exit_code == 0, res.output
    assert "stress summary" in res.output and "choice" in res.output and "toolcall" in res.output
    assert "passed: 2 verifier(s) refused every probe" in res.output


def test_json_report() -> None:
    res = run("-r", "json_schema", "--inline", "--json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["passed"] is True and data["isolation"] == "inline"
    (v,) = data["verifiers"]
    assert v["kind"] == "json_schema" and v["correct_score"] == 1.0 and v["wrong_score"] == 0.0
    probe = next(p for p in v["probes"] if p["probe"] == "empty_object")
    assert probe == {**probe, "score": 0.0, "paid": False, "healthy": True, "attack": "no_content"}


def test_a_lax_configuration_exits_one_and_names_the_probes() -> None:
    res = run("-r", "qa", "-p", "strict=false", "--inline", "-v")
    assert res.exit_code == 1, res.output
    assert "PAID" in res.output and "hedge_or" in res.output and "failed" in res.output


def test_spec_files_are_walked(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        "reward:\n"
        "  type: weighted_sum\n"
        "  children:\n"
        "    - {type: format, template: think_answer}\n"
        "    - {type: exact_match, extract: answer_tag, name: accuracy}\n"
        "    - {type: overlong, max_length: 100, buffer: 10}\n"
    )
    res = run("-r", str(spec), "--inline", "--json")
    assert res.exit_code == 0, res.output
    states = {v["label"]: v["state"] for v in json.loads(res.stdout)["verifiers"]}
    assert states == {
        "format(template=think_answer)": "probed",
        "accuracy: exact_match(extract=answer_tag)": "probed",
        "overlong(max_length=100, buffer=10)": "skipped",
    }


def test_usage_errors_exit_two() -> None:
    assert run("-r", "no_such_reward").exit_code == 2
    assert run("-p", "strict=false").exit_code == 2
    assert run("-r", "qa", "-k", "sql").exit_code == 2
    assert "Exit status" in runner.invoke(app, ["stress", "--help"]).output


def test_progress_lines_when_stderr_is_a_log_file(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    from rewardlab.cli.stress import PROGRESS_EVERY

    log = tmp_path / "stress.log"
    with log.open("w") as err:
        done = subprocess.run(
            [sys.executable, "-m", "rewardlab", "stress", "-k", "choice", "--inline", "--progress", "--json"],
            stderr=err,
            stdout=subprocess.PIPE,
            env={**os.environ, "REWARDLAB_HOME": str(tmp_path / "home")},
            timeout=300,
        )
    assert done.returncode == 0
    probes = len(json.loads(done.stdout)["verifiers"][0]["probes"])
    lines = [line for line in log.read_text().splitlines() if line.startswith("probing: ")]
    assert "\x1b[" not in log.read_text()  # plain lines, no spinner
    assert len(lines) >= max(1, probes // PROGRESS_EVERY), lines
    assert "verifier choice" in lines[-1]
    counts = [int(line.split()[1]) for line in lines]
    assert counts == sorted(counts) and counts[-1] >= probes, lines
    # without --progress, a log file gets no progress at all
    with log.open("w") as err:
        subprocess.run(
            [sys.executable, "-m", "rewardlab", "stress", "-k", "choice", "--inline"],
            stderr=err,
            stdout=subprocess.DEVNULL,
            env={**os.environ, "REWARDLAB_HOME": str(tmp_path / "home")},
            timeout=300,
        )
    assert "probing" not in log.read_text()
