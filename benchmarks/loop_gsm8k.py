"""The sample -> score -> select loop on GSM8K, and how label-free rewards agree with the math verifier.

Issue 12's measurement (not a test). Input: SmolLM2 samples of ``gsm8k_test`` prompts written by
``rewardlab sample`` (see RESULTS.md for the command) and a Bradley-Terry model folder. Every
scoring step is a ``rewardlab score`` command, printed before it runs (rerun them by hand); the
group statistics are ``rewardlab select stats``. Then, per selector (the math verifier itself,
``majority_vote``, ``self_certainty``, ``answer_confidence``, ``entropy``, the BT model):

- **best-of-N accuracy**: the math verifier's score of the sample each selector picks in each
  group, in expectation over a uniformly random tie-break (exact, not sampled), averaged over
  prompts, with a 95% bootstrap interval over prompts; a sample the selector did not score is
  never picked (a group it scored nothing in counts as a random pick). ``random`` is the exact
  expectation of a uniform pick (= pass@1); the math verifier as selector is pass@N.
- **agreement with the math verifier**: AUROC of the selector's score against the verifier's
  verdict over all scored samples (ties count one half), and the within-group pairwise accuracy
  (pairs of one prompt's samples with different verdicts that the selector orders right).

The same agreement is measured on ``gsm8k_solutions`` (real GPT-3 solutions, 4 per question) of
the first ``--solution-questions`` ``gsm8k_test`` questions (the prompts sampled; keep the BT
model's training pairs off them), labelled by the math verifier (its agreement with the
dataset's own ``is_correct`` is printed beside it).

Usage::

    .venv/bin/python benchmarks/loop_gsm8k.py --samples /tmp/issue12/samples.jsonl \\
        --bt-model /tmp/issue12/bt-gsm8k-probe --work /tmp/issue12/work
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import shlex
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SHARED = Path(os.environ.get("REWARDLAB_SHARED_DATA", HERE.parent.parent / "shared" / "data"))

LABEL_FREE = ["majority_vote", "self_certainty", "answer_confidence", "entropy"]


def run(args: list[str], log: list[str]) -> None:
    line = shlex.join(["rewardlab", *args])
    print(f"$ {line}", flush=True)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "rewardlab", *args], check=True)
    log.append(f"{line}   # {time.perf_counter() - started:.0f} s")


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:  # type: ignore[operator]
        return [json.loads(line) for line in fh if line.strip()]


def score_file(
    reward: str, source: Path, out: Path, group_key: str, maps: Sequence[str], log: list[str], batch: int
) -> None:
    if out.exists():
        print(f"(kept {out})", flush=True)
        return
    args = ["score", "-r", reward, "-i", str(source), "-o", str(out), "--group-key", group_key]
    args += [a for m in maps for a in ("--map", m)]
    run([*args, "--batch-size", str(batch), "--no-summary"], log)


def scores_of(path: Path, key: str) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for row in read_jsonl(path):
        out[row_key(row)] = row["reward"]["score"]
    return out


def row_key(row: dict[str, Any]) -> str:
    return f"{row.get('group_id', row.get('question_id'))}#{row.get('sample_index', row.get('id'))}"


def auroc(scores: Sequence[float], labels: Sequence[bool]) -> float | None:
    pos = [s for s, y in zip(scores, labels, strict=True) if y]
    neg = [s for s, y in zip(scores, labels, strict=True) if not y]
    if not pos or not neg:
        return None
    ordered = sorted(set(scores))
    rank: dict[float, float] = {}
    seen = 0
    counts: dict[float, int] = {}
    for s in scores:
        counts[s] = counts.get(s, 0) + 1
    for s in ordered:
        rank[s] = seen + (counts[s] + 1) / 2
        seen += counts[s]
    total = sum(rank[s] for s in pos)
    return (total - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg))


def pairwise(groups: list[list[tuple[float | None, bool]]]) -> tuple[float | None, int]:
    good = 0.0
    n = 0
    for g in groups:
        for a, ya in g:
            for b, yb in g:
                if ya and not yb and a is not None and b is not None:
                    n += 1
                    good += 1.0 if a > b else 0.5 if a == b else 0.0
    return (good / n if n else None), n


def best_of_n(group: list[tuple[float | None, bool]]) -> float:
    """Expected verdict of the pick (uniform tie-break); a group scored nowhere: a random pick."""
    scored = [(s, y) for s, y in group if s is not None]
    if not scored:
        return sum(y for _, y in group) / len(group)
    top = max(s for s, _ in scored)
    tied = [y for s, y in scored if s == top]
    return sum(tied) / len(tied)


def bootstrap(values: list[float], seed: int = 0, rounds: int = 2000) -> tuple[float, float]:
    rng = random.Random(seed)
    n = len(values)
    means = sorted(sum(values[rng.randrange(n)] for _ in range(n)) / n for _ in range(rounds))
    return means[int(0.025 * rounds)], means[int(0.975 * rounds) - 1]


def table(
    name: str,
    verdict: dict[str, bool],
    selectors: dict[str, dict[str, float | None]],
    group_of: dict[str, str],
) -> list[str]:
    keys = sorted(verdict)
    groups: dict[str, list[str]] = {}
    for k in keys:
        groups.setdefault(group_of[k], []).append(k)
    lines = [
        f"**{name}**: {len(groups)} prompts, {len(keys)} samples, "
        f"{sum(verdict.values())} correct by the math verifier.",
        "",
        "| selector | best-of-N accuracy [95% CI] | AUROC vs math | within-prompt pair accuracy (pairs) | unscored |",
        "|---|---:|---:|---:|---:|",
    ]
    random_pick = [sum(verdict[k] for k in g) / len(g) for g in groups.values()]
    lo, hi = bootstrap(random_pick)
    lines.append(f"| random pick | {sum(random_pick) / len(random_pick):.3f} [{lo:.3f}, {hi:.3f}] | | | |")
    for sel, score in selectors.items():
        picks = [best_of_n([(score.get(k), verdict[k]) for k in g]) for g in groups.values()]
        lo, hi = bootstrap(picks)
        present = [k for k in keys if score.get(k) is not None]
        a = auroc([float(score[k]) for k in present], [verdict[k] for k in present])  # type: ignore[arg-type]
        p, n = pairwise([[(score.get(k), verdict[k]) for k in g] for g in groups.values()])
        fmt = lambda v: "n/a" if v is None else f"{v:.3f}"  # noqa: E731
        lines.append(
            f"| {sel} | {sum(picks) / len(picks):.3f} [{lo:.3f}, {hi:.3f}] | {fmt(a)} | {fmt(p)} ({n}) | "
            f"{len(keys) - len(present)} |"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--samples", type=Path, required=True, help="rewardlab sample output (gsm8k_test prompts).")
    ap.add_argument("--bt-model", type=Path, help="A BT model folder (rm:DIR); left out: no BT selector.")
    ap.add_argument("--work", type=Path, required=True, help="Folder for the scored files (kept: reruns resume).")
    ap.add_argument("--rewards", default=",".join(LABEL_FREE), help="Label-free rewards to measure.")
    ap.add_argument("--no-solutions", action="store_true", help="Skip the gsm8k_solutions agreement.")
    ap.add_argument(
        "--solutions-only", action="store_true", help="Only score gsm8k_solutions (e.g. while sampling runs)."
    )
    ap.add_argument(
        "--solution-questions",
        type=int,
        default=100,
        help="gsm8k_solutions of the first N gsm8k_test questions (the prompts `sample --limit N` reads); 0: "
        "only the questions sampled.",
    )
    ap.add_argument("--batch-size", type=int, default=64, help="rewardlab score --batch-size.")
    ap.add_argument("--out", type=Path, help="Also write the markdown tables here.")
    args = ap.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    log: list[str] = []
    rewards = [r for r in args.rewards.split(",") if r]

    report: list[str] = []
    questions: set[str] = set()
    if not args.solutions_only:
        report, questions = sample_part(args, rewards, log)
    if not args.no_solutions:
        if args.solution_questions:
            questions = {r["id"] for r in read_jsonl(SHARED / "gsm8k_test.jsonl.gz")[: args.solution_questions]}
        report += solution_part(args, rewards, log, questions)
    report += ["", "Commands:", "", "```", *log, "```"]
    text = "\n".join(report)
    print()
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


def sample_part(args: argparse.Namespace, rewards: list[str], log: list[str]) -> tuple[list[str], set[str]]:
    # complete groups only: a resumed or stopped sampling run may end inside a group
    rows = read_jsonl(args.samples)
    sizes: dict[str, int] = {}
    for r in rows:
        sizes[r["group_id"]] = sizes.get(r["group_id"], 0) + 1
    n = max(sizes.values())
    complete = [r for r in rows if sizes[r["group_id"]] == n]
    samples = args.work / "samples.complete.jsonl"
    samples.write_text("".join(json.dumps(r) + "\n" for r in complete), encoding="utf-8")
    print(f"{len(complete)} samples in {len(complete) // n} complete groups of {n} ({len(rows)} rows read)")

    scored: dict[str, Path] = {}
    for reward in ["math", *rewards, *([f"rm:{args.bt_model}"] if args.bt_model else [])]:
        name = "bt" if reward.startswith("rm:") else reward
        scored[name] = args.work / f"samples.{name}.jsonl"
        score_file(reward, samples, scored[name], "group_id", [], log, args.batch_size)
    run(["select", "stats", "-i", str(scored["math"]), "--summary", str(args.work / "samples.math.summary.json")], log)
    stats = json.loads((args.work / "samples.math.summary.json").read_text(encoding="utf-8"))

    verdict = {k: v == 1.0 for k, v in scores_of(scored["math"], "").items()}
    group_of = {row_key(r): r["group_id"] for r in complete}
    selectors = {"math verifier (oracle)": {k: float(v) for k, v in verdict.items()}}
    selectors |= {name: scores_of(path, "") for name, path in scored.items() if name != "math"}
    report = [
        f"pass@1 {stats['pass_at_k']['1']:.4f}, pass@{n} {stats['pass_at_k'][str(n)]:.4f}, "
        f"maj@{n} {stats.get('maj_at_k', {}).get(str(n), float('nan')):.4f} (math verifier, `select stats`); "
        f"zero-variance prompts {stats['zero_variance_share']:.3f}; truncated completions (finish_reason length) "
        f"{sum(r.get('finish_reason') == 'length' for r in complete)} of {len(complete)}",
        "",
        *table("SmolLM2 samples", verdict, selectors, group_of),
    ]
    return report, {r["group_id"] for r in complete}


def solution_part(args: argparse.Namespace, rewards: list[str], log: list[str], questions: set[str]) -> list[str]:
    sols = [r for r in read_jsonl(SHARED / "gsm8k_solutions.jsonl.gz") if r["question_id"] in questions]
    src = args.work / "solutions.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in sols), encoding="utf-8")
    maps = ["completion=solution", "prompt=question", "answer=reference_answer"]
    sol_scored: dict[str, Path] = {}
    for reward in ["math", *rewards, *([f"rm:{args.bt_model}"] if args.bt_model else [])]:
        name = "bt" if reward.startswith("rm:") else reward
        sol_scored[name] = args.work / f"solutions.{name}.jsonl"
        score_file(reward, src, sol_scored[name], "question_id", maps, log, args.batch_size)
    by_id = {r["id"]: r for r in sols}
    sverdict = {k: v == 1.0 for k, v in scores_of(sol_scored["math"], "").items()}
    agree = sum(sverdict[k] == by_id[k.split("#", 1)[1]]["is_correct"] for k in sverdict)
    sgroup = {k: k.split("#", 1)[0] for k in sverdict}
    ssel = {"dataset label is_correct": {k: float(by_id[k.split("#", 1)[1]]["is_correct"]) for k in sverdict}}
    ssel |= {name: scores_of(path, "") for name, path in sol_scored.items() if name != "math"}
    return [
        "",
        f"math verifier vs the dataset's is_correct on these solutions: {agree}/{len(sverdict)} agree.",
        "",
        *table("gsm8k_solutions", sverdict, ssel, sgroup),
    ]


if __name__ == "__main__":
    sys.exit(main())
