"""A reward in three lines (issue 14, point 10): a plain Python function as a reward, from Python
(``rl.function_reward``) and from a spec (``{type: python, function: "pkg.module:func"}``), with
statuses, errors, components and names kept, pickled by import path, and batch functions called
with TRL's reward-function convention (lists ``prompts``, ``completions`` and one list per field)."""

from __future__ import annotations

import asyncio
import json
import math
import os
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import rewardlab as rl
from rewardlab.compose.introspect import fields_read, reference_fields
from rewardlab.core.errors import ParameterError
from rewardlab.core.function import PythonReward, function_reward
from rewardlab.core.result import RewardResult
from rewardlab.core.spec import build_reward, spec_from_dict

REPO = Path(__file__).resolve().parents[2]
HERE = "tests.core.test_function"


# ---- the functions under test (module level: they are named by import path) ----------------------
def exact(completion: str, answer: str, **kw: Any) -> float | None:
    return float(completion.strip() == answer)


def picky(completion: str) -> float | None:
    """None for an empty completion, an error for 'boom', a bool otherwise."""
    if not completion:
        return None
    if completion == "boom":
        raise ValueError("cannot score 'boom'")
    return completion.isupper()  # type: ignore[return-value]


def with_default(completion: str, unit: str = "chars") -> float:
    return float(len(completion) if unit == "chars" else len(completion.split()))


def everything(**kw: Any) -> float:
    return float(len(kw["completion"]) + kw["bonus"] + len(kw["answer"]))


def asks_for_the_sample(sample: Any, prompt: Any) -> float:
    return float(sample.completion_text == "yes" and prompt == "ok?")


def parts(completion: str, answer: str) -> dict[str, float | None]:
    fmt = float(completion.startswith("A:"))
    right = float(completion.removeprefix("A:").strip() == answer)
    return {"score": 0.2 * fmt + 0.8 * right, "format": fmt, "answer": right}


def no_score(completion: str) -> dict[str, float]:
    return {"format": 1.0}


def full_result(completion: str) -> RewardResult:
    return RewardResult.ok(0.5, info={"length": len(completion)})


def not_a_number(completion: str) -> str:
    return "high"


def not_finite(completion: str) -> float:
    return math.nan


def reward_len(completions: list[str], **kwargs: Any) -> list[float]:
    """TRL's documented example of a custom reward function: prefer 20 characters."""
    return [-abs(20 - len(completion)) for completion in completions]


def batch_exact(prompts: list[Any], completions: list[str], answer: list[Any], **kwargs: Any) -> list[float | None]:
    return [None if a is None else float(c.strip() == a) for c, a in zip(completions, answer, strict=True)]


def batch_short(completions: list[str], **kwargs: Any) -> list[float]:
    return [1.0]  # one value whatever the batch


def batch_boom(completions: list[str]) -> list[float]:
    raise RuntimeError("the judge is down")


def positional_only(completion: str, /) -> float:
    return 1.0


async def async_reward(completion: str) -> float:
    return 1.0


NOT_CALLABLE = 3
EXACT_REWARD = function_reward(exact)


# ---- from Python and from a spec -------------------------------------------------------------------
def test_a_function_is_a_reward_from_python_and_from_a_spec() -> None:
    reward = rl.function_reward(exact)
    assert isinstance(reward, PythonReward) and reward.function == f"{HERE}:exact"
    result = reward.score({"completion": " 42 ", "answer": "42"})
    assert result.score == 1.0 and result.status.value == "ok" and result.components == {"exact": 1.0}
    spec = spec_from_dict({"reward": {"type": "python", "function": f"{HERE}:exact"}})
    scored = spec.score_batch([{"completion": "42", "answer": "42"}, {"completion": "41", "answer": "42"}])
    assert [r.score for r in scored] == [1.0, 0.0]
    assert build_reward(reward.to_spec()).to_spec() == reward.to_spec()
    assert reward.to_spec(minimal=True) == {"type": "python", "function": f"{HERE}:exact"}


def test_statuses_errors_and_values() -> None:
    reward = function_reward(picky)
    ok, empty, boom = reward.score_batch([{"completion": "YES"}, {"completion": ""}, {"completion": "boom"}])
    assert ok.score == 1.0 and ok.status.value == "ok"  # a bool counts
    assert empty.score is None and empty.status.value == "not_applicable"
    assert boom.score is None and boom.status.value == "error" and boom.error == "ValueError: cannot score 'boom'"
    assert reward.stats.snapshot()["error_kinds"] == {"ValueError": 1}
    bad = function_reward(not_a_number).score({"completion": "x"})
    assert bad.status.value == "error" and "expected a number" in (bad.error or "")
    nan = function_reward(not_finite).score({"completion": "x"})
    assert nan.status.value == "error" and "non-finite" in (nan.error or "")
    strict = build_reward({"type": "python", "function": f"{HERE}:picky", "on_error": "default=-1"})
    assert strict.score({"completion": "boom"}).score == -1.0


def test_arguments_by_name() -> None:
    missing = function_reward(exact).score({"completion": "42"})
    assert missing.status.value == "not_applicable"
    assert missing.info["reason"] == "the sample has no 'answer' (a required parameter of the function)"
    assert function_reward(with_default).score({"completion": "two words"}).score == 9.0
    assert function_reward(with_default, unit="words").score({"completion": "two words"}).score == 2.0
    # **kw receives every field and the spec's kwargs; kwargs win over a field of the same name
    node = {"type": "python", "function": f"{HERE}:everything", "kwargs": {"bonus": 10, "answer": "abc"}}
    assert build_reward(node).score({"completion": "xy", "answer": "a", "bonus": 0}).score == 15.0
    assert function_reward(asks_for_the_sample).score({"prompt": "ok?", "completion": "yes"}).score == 1.0


def test_components_names_and_results() -> None:
    reward = function_reward(parts)
    result = reward.score({"completion": "A: 7", "answer": "7"})
    assert result.score == pytest.approx(1.0)
    assert result.components == {"parts": pytest.approx(1.0), "parts.format": 1.0, "parts.answer": 1.0}
    named = function_reward(parts, name="math").score({"completion": "7", "answer": "7"})
    assert named.components == {"math": pytest.approx(0.8), "math.format": 0.0, "math.answer": 1.0}
    lacking = function_reward(no_score).score({"completion": "x"})
    assert lacking.status.value == "error" and "needs a 'score' key" in (lacking.error or "")
    full = function_reward(full_result).score({"completion": "abc"})
    assert full.score == 0.5 and full.info == {"length": 3} and full.components == {"full_result": 0.5}
    total = spec_from_dict(
        {
            "reward": {
                "type": "weighted_sum",
                "children": [
                    {"type": "python", "function": f"{HERE}:parts", "name": "answer"},
                    {"type": "python", "function": f"{HERE}:picky", "weight": 0.5},
                ],
            }
        }
    ).score({"completion": "A: 7", "answer": "7"})
    assert total.components["answer.format"] == 1.0 and total.components["picky"] == 1.0  # 'A: 7' is upper case


def test_batch_functions_take_lists_as_trl_calls_them() -> None:
    reward = function_reward(reward_len, batch=True)
    samples = [{"prompt": "p", "completion": "x" * n} for n in (20, 15, 30)]
    assert reward.scores(samples) == [0.0, -5.0, -10.0]
    assert reward.scores(samples) == [reward.score(s).score for s in samples]  # batched as alone
    exact_b = build_reward({"type": "python", "function": f"{HERE}:batch_exact", "batch": True})
    results = exact_b.score_batch(
        [{"completion": "4", "answer": "4"}, {"completion": "4"}, {"completion": "5", "answer": "4"}]
    )
    assert [r.score for r in results] == [1.0, None, 0.0]
    assert results[1].status.value == "not_applicable"
    short = function_reward(batch_short, batch=True).score_batch([{"completion": "a"}, {"completion": "b"}])
    assert all(r.status.value == "error" and "returned 1 results for 2 samples" in (r.error or "") for r in short)
    down = function_reward(batch_boom, batch=True).score_batch([{"completion": "a"}, {"completion": "b"}])
    assert [r.error for r in down] == ["RuntimeError: the judge is down"] * 2
    assert asyncio.run(reward.ascore({"completion": "x" * 20})).score == 0.0


def test_it_pickles_by_import_path_and_a_fresh_process_imports_it() -> None:
    clone = pickle.loads(pickle.dumps(EXACT_REWARD))
    assert clone.score({"completion": "1", "answer": "1"}).score == 1.0 and clone.to_spec() == EXACT_REWARD.to_spec()
    code = (
        "import pickle, sys\n"
        "r = pickle.loads(sys.stdin.buffer.read())\n"
        "print(r.score({'completion': '1', 'answer': '1'}).score)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run(
        [sys.executable, "-c", code], input=pickle.dumps(EXACT_REWARD), capture_output=True, env=env, check=True
    )
    assert out.stdout.decode().strip() == "1.0"


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("tests.core.test_function.exact", "expected 'package.module:function'"),
        ("tests.core.no_such_module:exact", "cannot import module 'tests.core.no_such_module'"),
        (f"{HERE}:no_such_function", f"module '{HERE}' has no attribute 'no_such_function'"),
        (f"{HERE}:NOT_CALLABLE", "is a int, not a function"),
        (f"{HERE}:EXACT_REWARD", "is a reward, not a function"),
        (f"{HERE}:positional_only", "parameter 'completion' is positional-only"),
        (f"{HERE}:async_reward", "is async"),
    ],
)
def test_a_bad_import_path_is_a_spec_error_that_says_why(path: str, message: str) -> None:
    with pytest.raises(ParameterError, match=r"reward\.function") as info:
        build_reward({"type": "python", "function": path})
    assert message in str(info.value)


def test_a_module_off_the_path_is_told_how_to_reach_it(tmp_path: Path) -> None:
    """The three-line reward next to its spec, scored by the `rewardlab` command from that folder."""
    (tmp_path / "myrewards.py").write_text(
        "def exact(completion, answer, **kw):\n    return float(completion == answer)\n"
    )
    (tmp_path / "spec.yaml").write_text('reward: {type: python, function: "myrewards:exact"}\n')
    env = {**{k: v for k, v in os.environ.items() if k != "PYTHONPATH"}, "COLUMNS": "1000"}  # no wrapped lines
    command = [sys.executable, "-P", "-m", "rewardlab"]  # -P: as the console script, not the current folder

    def score(**extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*command, "score", "-r", "spec.yaml", "-i", "-"],
            input='{"completion": "4", "answer": "4"}\n',
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env={**env, **extra},
        )

    off = score()
    assert off.returncode == 2 and "cannot import module 'myrewards'" in off.stderr and "PYTHONPATH" in off.stderr
    on = score(PYTHONPATH=str(tmp_path))
    assert on.returncode == 0, on.stderr
    assert json.loads(on.stdout)["reward"]["components"] == {"exact": 1.0}


def test_function_reward_needs_an_importable_function() -> None:
    def local(completion: str) -> float:
        return 1.0

    with pytest.raises(ValueError, match="defined at the top of a module"):
        function_reward(local)
    with pytest.raises(ValueError, match=r"got \S*<lambda> in tests\.core\.test_function"):
        function_reward(lambda completion: 1.0)


def test_the_fields_it_reads_are_known() -> None:
    spec = spec_from_dict({"reward": {"type": "python", "function": f"{HERE}:batch_exact", "batch": True}})
    assert fields_read(spec.reward) == ["answer", "completion", "prompt"]
    assert reference_fields(function_reward(exact)) == ["answer"]
    assert reference_fields(function_reward(everything)) == []  # behind **kw: unknown
    listed = {info.name: info for info in rl.list_rewards()}
    assert listed["python"].family == "function" and {p.name for p in listed["python"].params} == {
        "function",
        "batch",
        "kwargs",
    }
