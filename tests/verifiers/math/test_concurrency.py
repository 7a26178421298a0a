"""Math checking from threads and asyncio gives the main thread's answers; hangs time out.

math-verify's own timeout uses ``signal.alarm``, which raises (or silently returns False) off the
main thread. The ``math`` reward never calls it in the calling thread: its symbolic checks run in
the math worker pool, so every calling context gets the same answers, and a pathological
expression is killed at its time limit without hurting the pool.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from rewardlab.verifiers.math import MathAnswer
from rewardlab.verifiers.math.backend import math_pool

from .golden_cases import load_cases

SYMBOLIC_CATEGORIES = {"latex", "intervals", "sets", "tuples", "matrices", "equations"}


def mixed_samples() -> list[dict[str, Any]]:
    """Numeric, symbolic (right and wrong) and adversarial golden cases, interleaved."""
    cases = load_cases()
    symbolic = [c for c in cases if c.category in SYMBOLIC_CATEGORIES and not c.params][::6]
    numeric = [c for c in cases if c.category in ("integers", "fractions", "gsm8k_forms") and not c.params][::20]
    adversarial = [c for c in cases if c.adversarial and not c.params][::8]
    mixed = [c.sample() for group in zip(symbolic, numeric, adversarial, strict=False) for c in group]
    assert len(mixed) >= 24
    # the golden LaTeX cases are decided natively now; identities of functions still need sympy
    needs_sympy = [
        {"completion": r"\boxed{\tan^2 x + 1}", "answer": r"\sec^2 x"},
        {"completion": r"\boxed{\sin^2 x + \cos^2 x}", "answer": "1"},
        {"completion": r"\boxed{\sin 2x}", "answer": r"2\sin x \cos x"},
        {"completion": r"\boxed{\cos 2x}", "answer": r"2\sin x \cos x"},
    ]
    return needs_sympy + mixed


def outcome(result: Any) -> tuple[Any, ...]:
    return (result.status.value, result.score, result.info.get("reason"), result.info.get("extracted"))


def test_eight_threads_get_the_main_threads_answers() -> None:
    reward = MathAnswer()
    samples = mixed_samples()
    expected = [outcome(r) for r in reward.score_batch(samples)]
    assert {e[0] for e in expected} == {"ok"}
    assert any(e[1] == 1.0 for e in expected) and any(e[1] == 0.0 for e in expected)
    assert any(r.info["path"] == "symbolic" for r in reward.score_batch(samples[:6]))

    def worker(offset: int) -> list[tuple[Any, ...]]:
        # each thread walks the samples from a different starting point, one call per sample
        order = samples[offset:] + samples[:offset]
        got = [outcome(reward.score(s)) for s in order]
        return got[len(samples) - offset :] + got[: len(samples) - offset]

    with ThreadPoolExecutor(max_workers=8) as pool:
        per_thread = list(pool.map(worker, [i * len(samples) // 8 for i in range(8)]))
    for got in per_thread:
        assert got == expected


def test_asyncio_gets_the_main_threads_answers() -> None:
    reward = MathAnswer()
    samples = mixed_samples()
    expected = [outcome(r) for r in reward.score_batch(samples)]

    async def run() -> tuple[list[Any], list[Any]]:
        one_by_one = await asyncio.gather(*(reward.ascore(s) for s in samples))
        batch = await reward.ascore_batch(samples)
        return list(one_by_one), batch

    one_by_one, batch = asyncio.run(run())
    assert [outcome(r) for r in one_by_one] == expected
    assert [outcome(r) for r in batch] == expected


def test_a_pathological_expression_times_out_and_the_pool_keeps_working() -> None:
    reward = MathAnswer(timeout_s=1.0)
    normal = {"completion": r"\boxed{x^2+2x+1}", "answer": "(x+1)^2"}
    assert reward.score(normal).score == 1.0  # the pool is up
    timeouts_before = math_pool().stats().timeouts

    hang = {"completion": r"\boxed{2^{2^{2^{2^{2^{2}}}}}}", "answer": "2^{65536}"}
    start = time.monotonic()
    result = reward.score(hang)
    elapsed = time.monotonic() - start
    assert result.status.value == "timeout", result
    assert result.score is None and "ran past 1 s" in (result.error or "")
    assert result.info["extracted"] == "2^{2^{2^{2^{2^{2}}}}}" and result.info["path"] == "symbolic"
    assert elapsed < 1.0 + 15.0  # killed at its limit (the margin only guards against a hang)
    assert math_pool().stats().timeouts == timeouts_before + 1

    # the pool replaced the killed worker: normal checks still work, in a batch next to a hang too
    results = reward.score_batch([normal, hang, {"completion": "#### 7", "answer": "7"}])
    assert [r.status.value for r in results] == ["ok", "timeout", "ok"]
    assert results[0].score == 1.0 and results[2].score == 1.0
    assert reward.score(normal).score == 1.0


def test_a_timeout_from_a_worker_thread_is_still_a_timeout() -> None:
    reward = MathAnswer(timeout_s=1.0)
    box: dict[str, Any] = {}
    thread = threading.Thread(
        target=lambda: box.update(r=reward.score({"completion": r"\boxed{9^{9^{9^{9}}}}", "answer": "9^{9^{9}}"}))
    )
    thread.start()
    thread.join(timeout=60)
    assert not thread.is_alive()
    assert box["r"].status.value == "timeout"
    assert reward.score({"completion": r"\boxed{\frac{1}{\sqrt{2}}}", "answer": r"\frac{\sqrt2}{2}"}).score == 1.0


def test_math_verify_never_runs_in_the_calling_process(tmp_path: Any) -> None:
    script = (
        "import sys\n"
        "from rewardlab.verifiers.math import MathAnswer\n"
        "r = MathAnswer().score({'completion': r'\\boxed{\\tan^2 x + 1}', 'answer': r'\\sec^2 x'})\n"
        "assert r.score == 1.0 and r.info['path'] == 'symbolic', r\n"
        "print(sorted(m for m in ('math_verify', 'sympy', 'latex2sympy2_extended') if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "REWARDLAB_HOME": str(tmp_path)},
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_the_shared_default_pool_works_too() -> None:
    # the shared pool does not preload math-verify: a cold worker imports it inside its first task,
    # which can take seconds on a loaded machine, so this test allows a generous limit
    reward = MathAnswer(pool="default", timeout_s=60)
    results = reward.score_batch(
        [
            {"completion": r"\boxed{[1, 3)}", "answer": "[1,3)"},
            {"completion": r"\boxed{\tan^2 x + 1}", "answer": r"\sec^2 x"},
            {"completion": r"\boxed{\tan^2 x}", "answer": r"\sec^2 x"},
        ]
    )
    assert [r.score for r in results] == [1.0, 1.0, 0.0]
    assert results[1].info["path"] == "symbolic"
