"""What a new user hit (issue 11, point 5): --progress in a log, score --map / --check, an input
where nothing applies, --import on every command that resolves a reward, validate listing every
problem, load_spec with a dict."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rewardlab.cli import app
from rewardlab.core.errors import SpecError
from rewardlab.core.spec import load_spec

runner = CliRunner()
REPO = Path(__file__).resolve().parents[2]

PLUGIN = '''
from rewardlab import Reward, register


@register("t_new_user_shouting")
class Shouting(Reward):
    """1.0 when the completion is upper case."""

    def _score_one(self, sample, ctx):
        return float(sample.completion_text.isupper())
'''


@pytest.fixture
def gsm_like(tmp_path: Path) -> Path:
    """Rows under a dataset's own names (question / solution / reference_answer)."""
    path = tmp_path / "rows.jsonl"
    rows = [
        {"question": "2+2?", "solution": "The answer is 4", "reference_answer": "4"},
        {"question": "3+3?", "solution": "The answer is 7", "reference_answer": "6"},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_progress_lines_when_stderr_is_a_log_file(gsm_like: Path, tmp_path: Path) -> None:
    log = tmp_path / "score.log"
    mapped = ["--map", "completion=solution", "--map", "answer=reference_answer", "-o", str(tmp_path / "o.jsonl")]
    with log.open("w") as err:
        done = subprocess.run(
            [sys.executable, "-m", "rewardlab", "score", "-r", "math", "-i", str(gsm_like), "--progress", *mapped],
            stderr=err,
            stdout=subprocess.DEVNULL,
            env={**os.environ, "REWARDLAB_HOME": str(tmp_path / "home")},
            timeout=300,
        )
    assert done.returncode == 0
    text = log.read_text()
    assert "scoring: 2/2 (100%)" in text and "\x1b[" not in text.split("scoring:")[0]  # a plain line, no bar


def test_map_and_check(gsm_like: Path) -> None:
    lacking = runner.invoke(app, ["score", "-r", "math", "-i", str(gsm_like), "--check"])
    assert lacking.exit_code == 1
    assert "answer: missing in 2 of 2 rows" in lacking.output and "completion: missing in 2 of 2 rows" in lacking.output
    mapped = ["--map", "completion=solution", "--map", "answer=reference_answer"]
    ok = runner.invoke(app, ["score", "-r", "math", "-i", str(gsm_like), "--check", *mapped])
    assert ok.exit_code == 0 and "answer: present in every row" in ok.output, ok.output
    scored = runner.invoke(app, ["score", "-r", "math", "-i", str(gsm_like), "--no-summary", *mapped])
    assert scored.exit_code == 0, scored.output
    scores = [json.loads(line)["reward"]["score"] for line in scored.stdout.splitlines() if line.startswith("{")]
    assert scores == [1.0, 0.0]


def test_check_names_the_group_key_of_a_normalizing_spec(tmp_path: Path) -> None:
    rows = tmp_path / "rows.jsonl"
    rows.write_text(json.dumps({"prompt": "q", "completion": "<answer>4</answer>", "answer": "4"}) + "\n")
    res = runner.invoke(app, ["score", "-r", str(REPO / "examples" / "math_grpo.yaml"), "-i", str(rows), "--check"])
    assert res.exit_code == 1 and "prompt_id: missing in 1 of 1 rows" in res.output


def test_an_input_where_nothing_applies_exits_1_with_the_reason(gsm_like: Path) -> None:
    res = runner.invoke(app, ["score", "-r", "math", "-i", str(gsm_like), "--map", "completion=solution"])
    assert res.exit_code == 1
    assert "2 x not_applicable: the sample has no reference in field 'answer'" in res.output
    assert "no sample was applicable" in res.output


def test_import_on_every_command_that_resolves_a_reward(tmp_path: Path, gsm_like: Path) -> None:
    (tmp_path / "new_user_plugin.py").write_text(PLUGIN)
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "REWARDLAB_HOME": str(tmp_path / "home")}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "rewardlab", *args, "--import", "new_user_plugin"],
            capture_output=True,
            text=True,
            env=env,
            timeout=600,
        )

    scored = cli("score", "-r", "t_new_user_shouting", "-i", str(gsm_like), "--map", "completion=solution")
    assert scored.returncode == 0, scored.stderr
    ran = cli(
        "eval", "agreement", "-a", "t_new_user_shouting", "-b", "exact_match", "--data", str(gsm_like),
        "--map", "completion=solution", "--map", "answer=reference_answer", "--out", str(tmp_path / "run"),
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    stress = cli("stress", "-r", "t_new_user_shouting")
    assert "unknown reward" not in stress.stderr and "no verifier to probe" in stress.stderr
    for command in (["eval", "prefs"], ["eval", "bon"], ["eval", "robustness"], ["eval", "distance"], ["stress"]):
        assert "--import" in runner.invoke(app, [*command, "--help"]).output, command
    for command in (["train", "bt"], ["train", "prm"], ["train", "prm-label"]):
        assert "--import" in runner.invoke(app, [*command, "--help"]).output, command
    missing = runner.invoke(app, ["score", "-r", "exact_match", "--import", "no_such_module_here"])
    assert missing.exit_code == 2 and "--import no_such_module_here" in missing.output


def test_validate_reports_every_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "nmae: x\n"
        "reward:\n"
        "  type: weighted_sum\n"
        "  wieght: 2\n"
        "  children:\n"
        "    - {type: mth}\n"
        "    - {type: exact_match, ignore_case: maybe}\n"
        "    - {type: format, template: think_answer}\n"
    )
    res = runner.invoke(app, ["validate", str(bad)])
    assert res.exit_code == 2
    for path in ("nmae", "reward.wieght", "reward.children[0].type", "reward.children[1].ignore_case"):
        assert f"{bad}: {path}:" in res.output.replace("\n", ""), path
    assert "4 problems" in res.output
    good = runner.invoke(app, ["validate", str(REPO / "examples" / "math_grpo.yaml")])
    assert good.exit_code == 0 and "valid" in good.output


def test_load_spec_takes_a_dict() -> None:
    assert load_spec({"reward": {"type": "exact_match", "name": "em"}}).component_names == ["em"]
    with pytest.raises(SpecError, match="takes a spec file path or a dict, got int"):
        load_spec(3)  # type: ignore[arg-type]
