"""Benchmark: rewardlab's exact best-of-N estimator against Monte-Carlo subset sampling, side by side.

A best-of-N curve is usually estimated by drawing random N-subsets of each prompt's candidates and
averaging the gold of the rule's pick (the peer here, written the straightforward way with numpy).
rewardlab computes the same expectation exactly, over all C(K, N) subsets, with C(j-1, N-1)/C(K, N)
weights (``rewardlab.evaluate.metrics.bon``). On ``../shared/data/alpaca_bon16.jsonl.gz`` (400 prompts, 11
candidates with gold), for N = 1..11 and three selection rules (longest answer; a tie-heavy rule
reward, ``repetition``; the oracle), the run prints, per method: seconds for the whole curve and the
largest error against the exact value (and against the published anchors for the longest answer).

Usage::

    .venv/bin/python benchmarks/bench_bon.py            # full run (about a minute on 2 cores)
    .venv/bin/python benchmarks/bench_bon.py --quick    # a few seconds
    .venv/bin/python benchmarks/bench_bon.py --record   # also append the figures to RESULTS.md
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "src"))

from rewardlab.core.spec import resolve  # noqa: E402
from rewardlab.evaluate.metrics.bon import expected_best_of_n  # noqa: E402
from rewardlab.evaluate.runs.bon_data import load_bon  # noqa: E402

DEFAULT_DATA = Path(os.environ.get("REWARDLAB_SHARED_DATA", REPO.parent / "shared" / "data"))


def exact_curve(scores: list[np.ndarray], gold: list[np.ndarray], ns: list[int], tie_break: str) -> np.ndarray:
    return np.array(
        [
            np.mean([expected_best_of_n(s, g, n, tie_break=tie_break) for s, g in zip(scores, gold, strict=True)])
            for n in ns
        ]
    )


def monte_carlo_curve(
    scores: list[np.ndarray], gold: list[np.ndarray], ns: list[int], draws: int, seed: int
) -> np.ndarray:
    """The peer: per prompt and N, ``draws`` random N-subsets; the pick is the top score (random tie-break)."""
    rng = np.random.default_rng(seed)
    out = []
    for n in ns:
        per_prompt = []
        for s, g in zip(scores, gold, strict=True):
            k = s.size
            # a random permutation per draw; its first n entries are the subset
            subsets = np.argsort(rng.random((draws, k)), axis=1)[:, :n]
            sub_scores = s[subsets] + rng.random(subsets.shape) * 1e-9 * (np.ptp(s) or 1.0)  # random tie-break
            picks = subsets[np.arange(draws), np.argmax(sub_scores, axis=1)]
            per_prompt.append(g[picks].mean())
        out.append(np.mean(per_prompt))
    return np.array(out)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA / "alpaca_bon16.jsonl.gz")
    parser.add_argument("--quick", action="store_true", help="fewer draws for the Monte-Carlo peer")
    parser.add_argument("--record", action="store_true", help="append the figures to benchmarks/RESULTS.md")
    args = parser.parse_args(argv)
    if not args.data.exists():
        print(f"data not found: {args.data}")
        return 1
    prompts = load_bon(args.data)
    idx = prompts[0].gold_indices
    k = len(idx)
    ns = list(range(1, k + 1))
    gold = [np.array([p.gold[i] for i in idx], dtype=float) for p in prompts]
    cands = [[p.candidates[i] for i in idx] for p in prompts]
    rep = resolve("repetition")
    t = time.perf_counter()
    flat = rep.score_batch(
        [{"prompt": p.instruction, "completion": c} for p, cs in zip(prompts, cands, strict=True) for c in cs]
    )
    scoring_s = time.perf_counter() - t
    rep_scores = [np.array([r.score for r in flat[i * k : (i + 1) * k]]) for i in range(len(prompts))]
    rules = {
        "longest answer": ([np.array([float(len(c)) for c in cs]) for cs in cands], "random"),
        "repetition (ties)": (rep_scores, "random"),
        "oracle": (gold, "random"),
    }
    anchors_path = args.data.parent / "alpaca_bon16_anchors.json"
    anchors = json.loads(anchors_path.read_text())["shared"]["annotated_pool"] if anchors_path.exists() else None
    draws_list = [100, 1000] if args.quick else [100, 1000, 10000]
    lines = [
        f"prompts {len(prompts)}, candidates with gold {k}, N = 1..{k}; repetition scored in {scoring_s:.2f} s "
        "(not counted below)",
        "",
        "| rule | method | seconds | max abs error vs exact (gold x100) | ratio (peer / rewardlab) |",
        "|---|---|---:|---:|---:|",
    ]
    for name, (scores, tie_break) in rules.items():
        if name == "longest answer":  # the published tie rule (lowest index) has no sampling analogue
            scores = [s - 1e-6 * np.arange(s.size) for s in scores]
        t = time.perf_counter()
        exact = exact_curve(scores, gold, ns, tie_break)
        exact_s = time.perf_counter() - t
        check = ""
        if anchors and name == "longest answer":
            err = max(
                abs(exact[n - 1] - anchors["expected_best_of_n"]["longest answer"][str(n)]) for n in (1, 2, 4, 8, 11)
            )
            check = f" (vs published anchors: {100 * err:.1e})"
        lines.append(f"| {name} | rewardlab exact | {exact_s:.3f} | 0{check} | |")
        for draws in draws_list:
            t = time.perf_counter()
            mc = monte_carlo_curve(scores, gold, ns, draws, seed=0)
            mc_s = time.perf_counter() - t
            err = float(np.max(np.abs(mc - exact)))
            lines.append(
                f"| {name} | Monte Carlo, {draws} draws | {mc_s:.3f} | {100 * err:.3f} | {mc_s / exact_s:.1f}x |"
            )
    text = "\n".join(lines)
    print(text)
    if args.record:
        header = (
            f"\n## bench_bon.py -- exact best-of-N vs Monte-Carlo subsets ({datetime.now(UTC):%Y-%m-%d})\n\n"
            f"Command: `.venv/bin/python benchmarks/bench_bon.py{' --quick' if args.quick else ''} --record`; "
            f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}.\n\n"
        )
        with open(HERE / "RESULTS.md", "a", encoding="utf-8") as fh:
            fh.write(header + text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
