"""``pool: default``: the checkers in the shared pool bound the test code they run as the code pool's
do (:mod:`rewardlab.verifiers.code.deadline`), and leave the worker's signals as they found them."""

from __future__ import annotations

import signal

import pytest

from rewardlab.verifiers.code import CodeReward

HALVING = ["n = f(1, 2)\nwhile n > 1:\n    n /= 2\nassert n == 0.75"]  # one test: a loop in the checker


def _alarm_handler_name() -> str:
    handler = signal.getsignal(signal.SIGALRM)
    return getattr(handler, "__name__", repr(handler))


@pytest.mark.parametrize("pool", ["default", "code"])
def test_test_code_stuck_in_the_checker_times_out_in_either_pool(pool: str) -> None:
    reward = CodeReward(pool=pool, min_isolation="rlimits-only", timeout_s=1.0, total_timeout_s=20.0)
    looping = reward.score({"completion": "def f(a, b):\n    return float('inf')\n", "tests": HALVING})
    assert looping.status.value == "ok" and looping.score == 0.0, looping
    (test,) = looping.info["tests"]
    assert test["status"] == "timeout" and "in the checker" in test["message"], test
    honest = reward.score({"completion": "def f(a, b):\n    return (a + b) / 4\n", "tests": HALVING})
    assert honest.score == 1.0, honest


def test_the_default_pool_worker_gets_its_signals_back() -> None:
    from rewardlab.execution import default_pool

    reward = CodeReward(pool="default", min_isolation="rlimits-only", timeout_s=1.0, total_timeout_s=20.0)
    pool = default_pool()
    before = set(pool.map(_alarm_handler_name, [()] * (2 * pool.size), timeout=30))
    samples = [{"completion": "def f(a, b):\n    return float('inf')\n", "tests": HALVING}] * pool.size
    assert all(r.info["tests"][0]["status"] == "timeout" for r in reward.score_batch(samples))
    after = set(pool.map(_alarm_handler_name, [()] * (2 * pool.size), timeout=30))
    assert after == before and "_on_alarm" not in after, (before, after)
