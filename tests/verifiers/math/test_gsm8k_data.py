"""Agreement with the labelled GSM8K model solutions in ``../shared/data`` (skipped without it).

Each of the 4,000 GPT-3 solutions ends with an ``A: N`` line and carries the dataset's
``is_correct`` label (final answer numerically equal to the reference). The strict reward, given
the question as the prompt, must agree with nearly all of them, on the fast path alone.
"""

from __future__ import annotations

import gzip
import json
from collections import Counter
from pathlib import Path

from rewardlab.verifiers.math import MathAnswer


def test_agrees_with_the_is_correct_labels(shared_data: Path) -> None:
    with gzip.open(shared_data / "gsm8k_solutions.jsonl.gz", "rt", encoding="utf-8") as f:
        rows = [json.loads(line) for line in f]
    samples = [{"prompt": r["question"], "completion": r["solution"], "answer": r["reference_answer"]} for r in rows]
    results = MathAnswer(symbolic=False).score_batch(samples)
    disagreements = [
        (r["id"], r["is_correct"], res.info.get("reason"), res.info.get("extracted"))
        for r, res in zip(rows, results, strict=True)
        if (res.score == 1.0) != r["is_correct"]
    ]
    agreement = 1 - len(disagreements) / len(rows)
    assert agreement >= 0.995, disagreements[:10]
    assert Counter(res.info.get("path") for res in results)["symbolic"] == 0
