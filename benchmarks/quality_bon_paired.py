"""Paired comparison of two ``rewardlab eval bon`` runs on the same prompts (e.g. a judge and a BT model).

Reads ``samples.jsonl`` of both run directories, checks that they cover the same prompts in the same
order, and prints, at N = K (all gold candidates), each reward's expected gold, the random pick
and the longest answer, the paired differences with their standard error over prompts, and the
mean per-prompt Spearman correlation of each reward's scores with answer length and with gold.

Usage::

    rewardlab eval bon -r judge -p verdict=logprobs -d ../shared/data/alpaca_bon16.jsonl.gz --limit 100 -o runs/j
    rewardlab eval bon -r rm:models/hh-bt -d ../shared/data/alpaca_bon16.jsonl.gz --limit 100 -o runs/bt
    python benchmarks/quality_bon_paired.py runs/j runs/bt
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import spearmanr


def read_rows(run: Path) -> list[dict[str, Any]]:
    with open(run / "samples.jsonl", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def at_k(rows: list[dict[str, Any]]) -> tuple[str, np.ndarray]:
    k = str(max(int(n) for n in rows[0]["expected_gold"]))
    return k, np.array([r["expected_gold"][k] for r in rows])


def gold_only(row: dict[str, Any], field: str) -> list[float]:
    return [v for v, g in zip(row[field], row["gold"], strict=True) if g is not None]


def mean_spearman(rows: list[dict[str, Any]], against: str) -> float:
    values = []
    for r in rows:
        scores, other = gold_only(r, "scores"), gold_only(r, against)
        if len(set(scores)) > 1 and len(set(other)) > 1:
            values.append(spearmanr(scores, other)[0])
    return float(np.mean(values)) if values else math.nan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run_a", type=Path)
    parser.add_argument("run_b", type=Path)
    args = parser.parse_args()
    a_rows, b_rows = read_rows(args.run_a), read_rows(args.run_b)
    if [r["id"] for r in a_rows] != [r["id"] for r in b_rows]:
        raise SystemExit("the two runs do not cover the same prompts in the same order")
    if not all(r.get("ranked") for r in a_rows + b_rows):
        raise SystemExit("a reward failed on some gold candidates: compare on the ranked prompts only")
    k, a = at_k(a_rows)
    _, b = at_k(b_rows)
    gold = [gold_only(r, "gold") for r in a_rows]
    random_pick = np.array([np.mean(g) for g in gold])
    longest = np.array([g[int(np.argmax(gold_only(r, "chars")))] for r, g in zip(a_rows, gold, strict=True)])
    print(f"{len(a)} prompts, N = {k}: A {a.mean():.4f}  B {b.mean():.4f}  ", end="")
    print(f"random {random_pick.mean():.4f}  longest {longest.mean():.4f}")
    for name, x, y in (("A - random", a, random_pick), ("B - random", b, random_pick), ("A - B", a, b)):
        d = x - y
        print(f"  {name:12s} {d.mean():+.4f} ± {d.std(ddof=1) / math.sqrt(len(d)):.4f} (se over prompts)")
    for name, rows in (("A", a_rows), ("B", b_rows)):
        print(
            f"  {name}: mean per-prompt Spearman(score, length) {mean_spearman(rows, 'chars'):+.3f}, "
            f"Spearman(score, gold) {mean_spearman(rows, 'gold'):+.3f}"
        )


if __name__ == "__main__":
    main()
