"""``rewardlab reward-search``: candidates from files or an OpenAI-compatible endpoint, each run only
in the sandbox, scored by the success rate of a Q-learner trained with it on the key-door grid,
refined by reflection; the run directory and its report.

The candidate files (``candidates/``) are a good progress reward, a constant one, and programs that
crash, hang, return NaN or try to escape. The endpoint is a real HTTP server on 127.0.0.1 that
serves candidates (the judge tests' fake), started and stopped by each test.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from rewardlab.cli import app
from rewardlab.integrations.gymnasium.code import RewardCode
from rewardlab.integrations.gymnasium.search import Candidate, Evaluation, evaluate_candidate, get_task, reflection
from rewardlab.integrations.gymnasium.search.proposer import extract_candidate, prompt_messages

from ...models.judges.fake_openai import FakeOpenAI

CANDIDATES = Path(__file__).parent / "candidates"
SANDBOX = ["--min-isolation", "rlimits-only"]  # the strongest isolation available is used; this is the floor
runner = CliRunner()


def _good() -> str:
    return (CANDIDATES / "good.py").read_text(encoding="utf-8")


def _fenced(code: str) -> str:
    return f"Here is a reward that pays progress.\n\n```python\n{code}```\n"


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    fake = FakeOpenAI().start()
    yield fake
    fake.stop()


def _rows(run_dir: Path) -> list[dict[str, Any]]:
    lines = (run_dir / "samples.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.mark.integration
def test_offline_search_picks_the_good_candidate_and_records_every_failure(tmp_path: Path) -> None:
    out = tmp_path / "run"
    args = ["reward-search", "--task", "keydoor", "--candidates", str(CANDIDATES), "--seeds", "2", "--out", str(out)]
    res = runner.invoke(app, [*args, *SANDBOX])
    assert res.exit_code == 0, res.output
    assert "best: good (round 1), success rate 1.00" in res.stdout
    assert "round 1: evaluating hanging ..." in res.stderr and "hanging: timeout" in res.stderr  # progress

    rows = {r["name"]: r for r in _rows(out)}
    assert {name: r["status"] for name, r in rows.items()} == {
        "crashing": "crash",
        "escaping": "escape",
        "good": "ok",
        "hanging": "timeout",
        "nan_reward": "nan",
        "useless": "ok",
    }
    assert "KeyError" in rows["crashing"]["error"] and "imports 'os'" in rows["escaping"]["error"]
    assert "not a finite number" in rows["nan_reward"]["error"]
    assert rows["good"]["fitness"] == 1.0 and rows["useless"]["fitness"] < 1.0
    assert [s["seed"] for s in rows["good"]["per_seed"]] == [0, 1]
    stats = rows["good"]["components"]
    assert set(stats) == {"candidate", "candidate.progress", "candidate.task"}  # Eureka's per-component statistics
    assert stats["candidate.task"]["max"] == 1.0 and stats["candidate.progress"]["std"] > 0
    assert rows["good"]["curve"] and rows["good"]["curve"][-1] > 0.5  # the training curve, first seed

    good = rows["good"]  # one smoke-test batch, then every training step, in far fewer sandbox calls
    assert good["transitions"] == 64 + 2 * 6_000 and good["sandbox_calls"] * 3 < good["transitions"]
    assert rows["escaping"]["sandbox_calls"] == 0 and rows["hanging"]["sandbox_calls"] == 1  # never run; the smoke test

    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["kind"] == "reward_search" and summary["best"]["name"] == "good"
    assert summary["params"]["reward_batch"] == 64
    assert summary["sandbox"]["per_candidate"]["round1_good"] == {
        "calls": good["sandbox_calls"],
        "transitions": good["transitions"],
    }
    assert summary["sandbox"]["calls"] == sum(r["sandbox_calls"] for r in rows.values())
    assert summary["status_counts"] == {"crash": 1, "escape": 1, "nan": 1, "ok": 2, "timeout": 1}
    assert sorted(p.name for p in (out / "candidates").iterdir()) == [f"round1_{n}.py" for n in sorted(rows)]
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Best candidate: good" in html and "timeout" in html and "candidate.progress" in html


def test_an_escaping_candidate_never_runs(tmp_path: Path) -> None:
    stolen = tmp_path / "stolen"
    code = f"import os\n\ndef compute_reward(**kw):\n    open({str(stolen)!r}, 'w').write('x')\n    return 1.0\n"
    evaluation = evaluate_candidate(Candidate("sneaky", code), get_task("keydoor"), seeds=1, sandbox={})
    assert evaluation.status == "escape" and "calls open()" in (evaluation.error or "")
    assert not stolen.exists()


def test_code_without_the_function_is_invalid_not_a_crash() -> None:
    evaluation = evaluate_candidate(Candidate("prose", "I would reward progress."), get_task("keydoor"), seeds=1)
    assert evaluation.status == "invalid" and "does not parse" in (evaluation.error or "")
    helper = Candidate("helper", "def progress(obs):\n    return obs\n")
    evaluation = evaluate_candidate(helper, get_task("keydoor"), seeds=1)
    assert evaluation.status == "invalid" and "no top-level function compute_reward" in (evaluation.error or "")


def test_the_sandboxed_reward_scores_batches_with_components_and_restarts_after_a_hang() -> None:
    reward = RewardCode(
        code=(
            "def compute_reward(next_obs, env_reward, **kw):\n"
            "    if next_obs[0] < 0:\n"
            "        while True:\n"
            "            pass\n"
            "    return env_reward + next_obs[0], {'pos': next_obs[0]}\n"
        ),
        timeout_s=1.0,
        min_isolation="rlimits-only",
    )
    try:
        batch = [{"obs": [0.0], "action": 0, "next_obs": [x], "reward": 1.0, "terminated": False} for x in (0.5, 2.0)]
        results = reward.score_batch(batch)
        assert [r.score for r in results] == [1.5, 3.0]
        assert results[1].components == {"reward_code.pos": 2.0, "reward_code": 3.0}
        hung = reward.score_batch([{**batch[0], "next_obs": [-1.0]}])
        assert hung[0].score is None and hung[0].status.value == "timeout"
        assert reward.score_batch(batch[:1])[0].score == 1.5  # a fresh process for the next batch
    finally:
        reward.close()


def _evaluation(name: str, status: str, fitness: float | None, **over: Any) -> Evaluation:
    return Evaluation(Candidate(name, f"def compute_reward(**kw):\n    return {fitness}\n"), status, fitness, **over)


def test_reflection_shows_the_best_candidates_statistics_first_and_the_failures() -> None:
    history = [
        _evaluation("weak", "ok", 0.2, env_return=0.1, components={"candidate.bonus": {"mean": 0.0, "std": 0.0}}),
        _evaluation("strong", "ok", 0.9, env_return=0.8, components={"candidate.progress": {"mean": 0.3, "std": 1.2}}),
        _evaluation("loop", "timeout", None, error="did not answer within 2 s"),
    ]
    text = reflection(history, top=1)
    assert "Candidate strong (round 1): success rate 0.90" in text and '"std": 1.2' in text
    assert "Candidate weak" not in text  # only the top one
    assert "- loop: timeout: did not answer within 2 s" in text
    messages = prompt_messages(get_task("keydoor"), history)
    assert messages[0]["role"] == "system" and "compute_reward" in messages[0]["content"]
    assert "(y * 7 + x) * 2 + has_key" in messages[1]["content"]
    assert "Results of earlier candidates" in messages[1]["content"] and reflection(history) in messages[1]["content"]


def test_extract_candidate_takes_the_fenced_block() -> None:
    assert extract_candidate(_fenced("def compute_reward(**kw):\n    return 1.0\n")).startswith("def compute_reward")


@pytest.mark.integration
def test_search_over_an_endpoint_reflects_and_finds_the_good_reward(server: FakeOpenAI, tmp_path: Path) -> None:
    useless = (CANDIDATES / "useless.py").read_text(encoding="utf-8")
    server.script.extend([("text", _fenced(useless)), ("text", "I cannot write code for this.")])  # round 1

    def round_two(payload: dict[str, Any]) -> str:
        user = payload["messages"][-1]["content"]
        return _fenced(_good()) if "Component statistics during training" in user else "no code"

    server.reply_for = round_two
    out = tmp_path / "run"
    args = ["reward-search", "--endpoint", server.base_url, "--model", "coder", "--rounds", "2", "--samples", "2"]
    res = runner.invoke(app, [*args, "--seeds", "1", "--out", str(out), "--json", *SANDBOX])
    assert res.exit_code == 0, res.output
    payload = json.loads(res.stdout)
    assert payload["best"].startswith("r2_") and payload["best_fitness"] == 1.0
    statuses = sorted((r["round"], r["status"]) for r in payload["candidates"])
    assert statuses == [(1, "invalid"), (1, "ok"), (2, "ok"), (2, "ok")]

    assert len(server.requests) == 4 and {r["model"] for r in server.requests} == {"coder"}
    first, second = server.requests[0]["messages"][-1]["content"], server.requests[-1]["messages"][-1]["content"]
    assert "Results of earlier candidates" not in first and "observation" in first.lower()
    assert "success rate 0.00" in second and '"candidate"' in second  # the useless one's fitness and statistics
    assert "invalid: the code does not parse" in second  # and why the other failed
    assert (out / "report.html").exists() and len(_rows(out)) == 4


@pytest.mark.integration
def test_an_endpoint_that_answers_nothing_stops_with_a_clear_error(server: FakeOpenAI, tmp_path: Path) -> None:
    server.script.extend([("status", 400), ("status", 400)])
    args = ["reward-search", "--endpoint", server.base_url, "--samples", "2", "--out", str(tmp_path / "run")]
    res = runner.invoke(app, [*args, *SANDBOX])
    assert res.exit_code == 1
    assert "answered none of 2 requests" in res.stderr and "HTTP 400" in res.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give --candidates"),
        (["--candidates", str(CANDIDATES), "--endpoint", "http://127.0.0.1:9/v1"], "not both"),
        (["--candidates", "/no/such/dir"], "no such file or directory"),
        (["--candidates", str(CANDIDATES), "--task", "chess"], "unknown task 'chess'"),
        (["--candidates", str(CANDIDATES), "--min-isolation", "none"], "--min-isolation"),
        (["--candidates", str(CANDIDATES), "--reward-batch", "0"], "--reward-batch"),
    ],
)
def test_bad_arguments_are_named(args: list[str], message: str) -> None:
    res = runner.invoke(app, ["reward-search", *args])
    assert res.exit_code == 2 and message in res.stderr, res.output


def test_the_reward_batch_bounds_each_sandbox_call_and_is_recorded(tmp_path: Path) -> None:
    out = tmp_path / "run"
    args = ["reward-search", "--candidates", str(CANDIDATES / "good.py"), "--seeds", "1", "--train-steps", "400"]
    res = runner.invoke(app, [*args, "--reward-batch", "4", "--out", str(out), *SANDBOX])
    assert res.exit_code == 0, res.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["params"]["reward_batch"] == 4
    used = summary["sandbox"]["per_candidate"]["round1_good"]
    assert used["transitions"] == 64 + 400 and used["calls"] >= 1 + 400 // 4


def test_help_has_an_example() -> None:
    res = runner.invoke(app, ["reward-search", "--help"])
    assert res.exit_code == 0 and "rewardlab reward-search --task keydoor --candidates" in res.stdout
