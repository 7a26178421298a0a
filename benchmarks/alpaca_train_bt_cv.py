"""Issue 15, end to end: does `rewardlab train bt --data FOLD --out DIR` (no other option) beat "pick the
longest answer" on AlpacaEval best-of-11 under prompt-disjoint cross-validation? (not a test)

For each fold seed and each of ``--folds`` prompt-disjoint folds of ``alpaca_bon16`` (the folds of
``quality_alpaca_heads.py``: ``random.Random(seed)`` shuffle, fold f = every 5th prompt from f):

1. the training prompts' rows, unchanged (16 candidates, gold for 0-10, null for 11-15), go to a JSONL
   file and ``rewardlab train bt --data train.jsonl --out model`` runs as a subprocess with no other
   option -- the candidate-list defaults, including their own 10% prompt-disjoint held-out split;
2. the held-out prompts' candidates go to a samples file (prompt, completion, ``prompt_id``) and
   ``rewardlab score -r rm:model -g prompt_id`` scores them, every candidate of a prompt in one group:
   all 16 samples (``--group 16``, the default: the 5 without gold take part in the consensus but
   cannot be picked) or only the 11 gold candidates (``--group 11``);
3. the best-of-11 pick's gold is computed exactly (``expected_best_of_n``, ties at random) and
   compared with "longest answer" (index ties, as the anchors) per prompt.

Per seed: mean gold x100 over the 400 held-out prompts and the paired difference to the longest
rule with a 95% bootstrap CI over prompts (2000 resamples, seed 0); then the same for each prompt's
mean over the seeds. Only the CLI is used (what a user runs), so this measures the product.

Usage::

    .venv/bin/python benchmarks/alpaca_train_bt_cv.py --seeds 0,1,2,3 --work /tmp/s4/cv16
    .venv/bin/python benchmarks/alpaca_train_bt_cv.py --seeds 0,1,2,3 --group 11 --work /tmp/s4/cv11
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
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SHARED = Path(os.environ.get("REWARDLAB_SHARED_DATA", HERE.parent.parent / "shared" / "data"))
sys.path.insert(0, str(HERE.parent / "src"))

from rewardlab.evaluate.metrics.bon import expected_best_of_n  # noqa: E402

K = 11


def folds_of(n: int, k: int, seed: int) -> list[list[int]]:
    order = list(range(n))
    random.Random(seed).shuffle(order)
    return [sorted(order[f::k]) for f in range(k)]


def rewardlab(*args: str, log: Path) -> None:
    cmd = [sys.executable, "-m", "rewardlab", *args]
    with log.open("a", encoding="utf-8") as fh:
        fh.write("$ " + " ".join(cmd) + "\n")
        fh.flush()
        done = subprocess.run(cmd, stdout=fh, stderr=fh, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args[:2])} failed ({done.returncode}); see {log}")


def paired(v: np.ndarray, base: np.ndarray) -> tuple[float, float, float]:
    d = v - base
    rng = np.random.default_rng(0)
    boots = [d[rng.integers(0, len(d), len(d))].mean() for _ in range(2000)]
    lo, hi = np.percentile(boots, [2.5, 97.5])
    return 100 * float(d.mean()), 100 * float(lo), 100 * float(hi)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=SHARED / "alpaca_bon16.jsonl.gz")
    ap.add_argument("--seeds", default="0", help="fold seeds, comma-separated")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--group", type=int, choices=(11, 16), default=16, help="candidates scored together per prompt")
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--train-args", default="", help="extra `train bt` options (diagnostics; default: none)")
    ap.add_argument("--out", type=Path, default=None, help="summary JSON (default WORK/summary.json)")
    args = ap.parse_args()
    with gzip.open(args.data, "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    gold = np.array([r["gold"][:K] for r in rows], float)
    lengths = np.array([[len(c) for c in r["candidates"][:K]] for r in rows], float)
    longest = np.array([g[int(np.argmax(n))] for g, n in zip(gold, lengths, strict=True)])
    per_seed: dict[str, list[float]] = {}
    started = time.time()
    for seed in [int(s) for s in args.seeds.split(",")]:
        picks = np.zeros(len(rows))
        for f, held in enumerate(folds_of(len(rows), args.folds, seed)):
            work = args.work / f"seed{seed}" / f"fold{f}"
            work.mkdir(parents=True, exist_ok=True)
            log = work / "log.txt"
            log.write_text("", encoding="utf-8")
            held_set = set(held)
            with (work / "train.jsonl").open("w", encoding="utf-8") as fh:
                for i, r in enumerate(rows):
                    if i not in held_set:
                        fh.write(json.dumps(r) + "\n")
            with (work / "held.jsonl").open("w", encoding="utf-8") as fh:
                for i in held:
                    for k, c in enumerate(rows[i]["candidates"][: args.group]):
                        sample = {"prompt": rows[i]["instruction"], "completion": c, "prompt_id": rows[i]["id"], "k": k}
                        fh.write(json.dumps(sample) + "\n")
            model = work / "model"
            extra = shlex.split(args.train_args)
            rewardlab(
                "train", "bt", "--data", str(work / "train.jsonl"), "--out", str(model), "--overwrite", *extra, log=log
            )
            scored = work / "scored.jsonl"
            rewardlab(
                "score", "-r", f"rm:{model}", "-i", str(work / "held.jsonl"), "-o", str(scored), "-g", "prompt_id",
                "--no-progress", log=log,
            )  # fmt: skip
            pos = {rows[i]["id"]: i for i in held}
            scores = {i: np.full(K, np.nan) for i in held}
            with scored.open(encoding="utf-8") as fh:
                for line in fh:
                    row = json.loads(line)
                    if row["k"] < K:
                        if row["reward"]["status"] != "ok":
                            raise SystemExit(f"{scored}: {row['prompt_id']}:{row['k']} {row['reward']}")
                        scores[pos[row["prompt_id"]]][row["k"]] = row["reward"]["score"]
            for i in held:
                picks[i] = expected_best_of_n(list(scores[i]), list(gold[i]), K, tie_break="random")
            print(f"seed {seed} fold {f}: {len(held)} prompts scored ({time.time() - started:.0f}s)", flush=True)
        d, lo, hi = paired(picks, longest)
        print(
            f"seed {seed}: N=11 {100 * picks.mean():.2f} (longest {100 * longest.mean():.2f}) "
            f"vs longest {d:+.2f} [{lo:+.2f}, {hi:+.2f}]",
            flush=True,
        )
        per_seed[str(seed)] = picks.tolist()
    mean = np.mean([np.array(v) for v in per_seed.values()], 0)
    d, lo, hi = paired(mean, longest)
    print(
        f"mean of seeds {args.seeds}: N=11 {100 * mean.mean():.2f} vs longest {d:+.2f} [{lo:+.2f}, {hi:+.2f}] "
        f"({time.time() - started:.0f}s)",
        flush=True,
    )
    out = args.out or args.work / "summary.json"
    out.write_text(
        json.dumps(
            {"group": args.group, "seeds": per_seed, "longest": longest.tolist(), "ids": [r["id"] for r in rows]}
        )
    )


if __name__ == "__main__":
    main()
