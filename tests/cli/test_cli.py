"""The `rewardlab` command: score, list, validate, demo, --version; bad input and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rewardlab.cli import app
from rewardlab.core import load_spec
from rewardlab.data import read_jsonl

runner = CliRunner()
REPO = Path(__file__).resolve().parents[2]
SPEC = REPO / "examples" / "math_grpo.yaml"
SAMPLES = REPO / "examples" / "samples.jsonl"


def run(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), input=input)


def test_score_file_matches_python(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    res = run("score", "-r", str(SPEC), "-i", str(SAMPLES), "-o", str(out))
    assert res.exit_code == 0, res.output
    rows = read_jsonl(out)
    inputs = read_jsonl(SAMPLES)
    assert len(rows) == len(inputs) == 12
    for row, original in zip(rows, inputs, strict=True):
        assert {k: v for k, v in row.items() if k != "reward"} == original  # input passes through
    expected = load_spec(SPEC).score_batch(inputs)
    for row, r in zip(rows, expected, strict=True):
        assert row["reward"]["score"] == r.score
        assert row["reward"]["components"] == r.components
        assert row["reward"]["spec_hash"] == load_spec(SPEC).hash
    assert "accuracy" in res.output and "ok 12" in res.output  # the summary table (stderr is mixed in)


def test_score_stdin_to_stdout_with_named_reward_and_params() -> None:
    lines = "\n".join(json.dumps({"completion": c, "answer": "X"}) for c in ["x", "X", "y"])
    res = runner.invoke(app, ["score", "-r", "exact_match", "-p", "ignore_case=false", "--no-summary"], input=lines)
    assert res.exit_code == 0, res.output
    scores = [json.loads(line)["reward"]["score"] for line in res.stdout.splitlines() if line.startswith("{")]
    assert scores == [0.0, 1.0, 0.0]


def test_malformed_lines_are_reported_and_skipped(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(
        '{"completion": "a", "answer": "a"}\n{oops\n[1, 2]\n{"prompt": 3}\n\n{"completion": "b", "answer": "a"}\n'
    )
    out = tmp_path / "out.jsonl"
    res = run("score", "-r", "exact_match", "-i", str(src), "-o", str(out))
    assert res.exit_code == 1
    assert f"{src}:2: invalid JSON" in res.output
    assert f"{src}:3: expected a JSON object" in res.output
    assert f"{src}:4: field 'prompt'" in res.output
    assert [r["reward"]["score"] for r in read_jsonl(out)] == [1.0, 0.0]
    assert "malformed lines skipped 3" in res.output


def test_strict_makes_a_malformed_line_fatal(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text('{"completion": "a"}\nnot json\n')
    res = run("score", "-r", "exact_match", "-i", str(src), "--strict")
    assert res.exit_code == 2 and ":2: invalid JSON" in res.output


def test_failed_samples_give_exit_status_1(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text('{"completion": "a", "n": 5}\n{"completion": "a"}\n')
    res = run(
        "score",
        "-r",
        "overlong",
        "-p",
        "max_length=10",
        "-p",
        "buffer=2",
        "-p",
        "unit=tokens",
        "-p",
        "length_field=n",
        "-i",
        str(src),
        "-o",
        str(tmp_path / "o.jsonl"),
    )
    assert res.exit_code == 1
    assert "error 1" in res.output and "no length in field 'n'" in res.output


def test_unknown_reward_and_bad_param_exit_2() -> None:
    res = run("score", "-r", "exact_mtch", "-i", str(SAMPLES))
    assert res.exit_code == 2 and "did you mean 'exact_match'" in res.output
    res = run("score", "-r", "exact_match", "-p", "extract=sideways", "-i", str(SAMPLES))
    assert res.exit_code == 2 and "reward.extract" in res.output
    res = run("score", "-r", "exact_match", "-p", "novalue", "-i", str(SAMPLES))
    assert res.exit_code == 2 and "expected KEY=VALUE" in res.output
    res = run("score", "-r", "exact_match", "-i", "/nonexistent.jsonl")
    assert res.exit_code == 2 and "no such file" in res.output


def test_group_key_groups_across_batches(tmp_path: Path) -> None:
    # batch size 1 must not split a group: the group-normalized scores equal the one-batch ones
    out1, out2 = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    assert run("score", "-r", str(SPEC), "-i", str(SAMPLES), "-o", str(out1), "-b", "1").exit_code == 0
    assert run("score", "-r", str(SPEC), "-i", str(SAMPLES), "-o", str(out2), "-b", "100").exit_code == 0
    assert [r["reward"]["score"] for r in read_jsonl(out1)] == [r["reward"]["score"] for r in read_jsonl(out2)]


def test_step_option_reaches_annealed_rewards(tmp_path: Path) -> None:
    spec = tmp_path / "anneal.yaml"
    spec.write_text("reward: {type: anneal, end_step: 10, child: exact_match}\n")
    line = json.dumps({"completion": "a", "answer": "a"})
    res = runner.invoke(app, ["score", "-r", str(spec), "--step", "5", "--no-summary"], input=line)
    assert json.loads(res.stdout.strip().splitlines()[-1])["reward"]["score"] == 0.5


def test_validate_good_and_bad(tmp_path: Path) -> None:
    res = run("validate", str(SPEC))
    assert res.exit_code == 0 and "valid" in res.output and load_spec(SPEC).hash in res.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("reward:\n  type: weighted_sum\n  children:\n    - {type: format, template: nope}\n")
    res = run("validate", str(bad))
    assert res.exit_code == 2
    assert "reward.children[0].template" in res.output and "think_answer" in res.output
    js = run("validate", str(SPEC), "--json")
    assert json.loads(js.output)["hash"] == load_spec(SPEC).hash


def test_list_and_list_one() -> None:
    res = run("list")
    assert res.exit_code == 0
    for name in ("exact_match", "format", "overlong", "repetition", "weighted_sum", "group_norm", "ensemble"):
        assert name in res.output
    one = run("list", "overlong")
    assert one.exit_code == 0 and "max_length" in one.output and "required" in one.output
    data = json.loads(run("list", "--json").output)
    assert any(d["name"] == "gate" for d in data)
    assert run("list", "nonsense").exit_code == 2


def test_list_shows_square_brackets_of_docstrings_verbatim() -> None:
    # "[low, high]" in a docstring is text, not console markup
    assert "[low, high]" in " ".join(run("list").output.split())
    assert "[``low``, ``high``]" in run("list", "clip").output


def test_version_and_demo() -> None:
    from rewardlab import __version__

    res = run("--version")
    assert res.exit_code == 0 and __version__ in res.output
    demo = run("demo")
    assert demo.exit_code == 0 and "math-grpo-demo" in demo.output and "advantage" in demo.output


def _console(*args: str) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).parent / "rewardlab"
    cmd = [str(exe), *args] if exe.exists() else [sys.executable, "-m", "rewardlab", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, env={**os.environ, "NO_COLOR": "1"})


def test_console_script_help_and_list_do_not_import_heavy_stacks() -> None:
    probe = (
        "import sys, runpy\n"
        "sys.argv = ['rewardlab', *sys.argv[1:]]\n"
        "try:\n"
        "    from rewardlab.cli import main; main()\n"
        "except SystemExit: pass\n"
        "heavy = sorted(m for m in ('torch', 'transformers', 'fastapi', 'uvicorn', 'ray', 'math_verify', 'matplotlib')"
        " if m in sys.modules)\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    for args in (["--help"], ["list"], ["validate", str(SPEC)]):
        proc = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True, timeout=60)
        assert "HEAVY []" in proc.stderr, (args, proc.stderr[-500:])


@pytest.mark.parametrize("args", [["--help"], ["score", "--help"], ["--version"]])
def test_console_script_runs(args: list[str]) -> None:
    proc = _console(*args)
    assert proc.returncode == 0, proc.stderr
