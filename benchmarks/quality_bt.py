"""Quality of Bradley-Terry reward models on the real data in ../shared/data (not a test).

Two runs, each through the `rewardlab train bt` command (printed, so it can be re-run by hand):

- **hh**: train on ``hh_harmless_train`` (1500 HH-RLHF harmless pairs) with the MiniLM backbone,
  measure pairwise accuracy on ``hh_harmless_dev`` (400 pairs), next to the "longer answer
  wins" baseline on the same pairs;
- **gsm8k**: train on ``gsm8k_solution_pairs`` with 20% of the *questions* held out
  (``--split-by question_id``: no question is on both sides), accuracy on the held-out pairs.

The numbers come from each model's ``card.json``. Usage::

    .venv/bin/python benchmarks/quality_bt.py                       # both runs, models in a temp folder
    .venv/bin/python benchmarks/quality_bt.py --only hh --hh-out /work/notes/models/bt-hh-minilm
    .venv/bin/python benchmarks/quality_bt.py --probe               # head only on frozen features: fast
    .venv/bin/python benchmarks/quality_bt.py --quick               # 200 training pairs each: a smoke run
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SHARED = Path(os.environ.get("REWARDLAB_SHARED_DATA", HERE.parent.parent / "shared" / "data"))

# The training settings of the reported numbers: the whole MiniLM fine-tuned for 2 epochs, bfloat16
# autocast (this CPU has AVX512-BF16), the reward pooled over the response's tokens (the default).
# --probe instead trains only the head on frozen features (minutes instead of tens of minutes).
HH_ARGS = ["--max-length", "128", "--epochs", "2", "--lr", "3e-5", "--batch-size", "16", "--bf16"]
GSM8K_ARGS = ["--max-length", "256", "--epochs", "2", "--lr", "3e-5", "--batch-size", "16", "--bf16"]
PROBE_ARGS = ["--epochs", "8", "--freeze-layers", "6", "--head-lr", "3e-3", "--batch-size", "32"]


def train(data: Path, out: Path, extra: list[str], quick: bool, probe: bool) -> dict[str, Any]:
    if probe:
        extra = [*extra[: extra.index("--max-length") + 2], *PROBE_ARGS]
    command = [sys.executable, "-m", "rewardlab", "train", "bt", "--data", str(data), "--out", str(out), *extra]
    if quick:
        command += ["--limit", "200"]
    command += ["--overwrite", "--no-progress"]
    print("$ " + shlex.join(["rewardlab", *command[3:]]), flush=True)
    started = time.perf_counter()
    subprocess.run(command, check=True)
    wall = time.perf_counter() - started
    card = json.loads((out / "card.json").read_text(encoding="utf-8"))
    return {
        "out": str(out),
        "accuracy": card["metrics"]["eval_accuracy"],
        "longer_wins": card["metrics"]["longer_answer_wins_accuracy"],
        "train_pairs": card["data"]["train_pairs"],
        "eval_pairs": card["data"]["eval_pairs"],
        "train_seconds": card["time"]["train_seconds"],
        "wall_seconds": round(wall, 1),
        "threads": card["machine"]["threads"],
        "epochs": [e.get("eval_accuracy") for e in card["metrics"]["members"][0]["epochs"]],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", choices=["hh", "gsm8k"], help="Run one of the two.")
    ap.add_argument("--hh-out", type=Path, help="Where to keep the HH model (default: a temporary folder).")
    ap.add_argument("--gsm8k-out", type=Path, help="Where to keep the GSM8K model (default: a temporary folder).")
    ap.add_argument("--quick", action="store_true", help="200 training pairs per run (a smoke run, not the figures).")
    ap.add_argument("--probe", action="store_true", help="Train only the head on frozen MiniLM features (fast).")
    ap.add_argument("--json", type=Path, help="Also write the figures to this JSON file.")
    args = ap.parse_args(argv)
    if not SHARED.is_dir():
        print(f"error: shared data not found at {SHARED} (set REWARDLAB_SHARED_DATA)", file=sys.stderr)
        return 2
    tmp = tempfile.TemporaryDirectory(prefix="quality-bt-")
    figures: dict[str, Any] = {}
    if args.only in (None, "hh"):
        out = args.hh_out or Path(tmp.name) / "hh"
        figures["hh"] = train(
            SHARED / "hh_harmless_train.jsonl.gz",
            out,
            ["--eval-data", str(SHARED / "hh_harmless_dev.jsonl.gz"), *HH_ARGS],
            args.quick,
            args.probe,
        )
    if args.only in (None, "gsm8k"):
        out = args.gsm8k_out or Path(tmp.name) / "gsm8k"
        figures["gsm8k"] = train(
            SHARED / "gsm8k_solution_pairs.jsonl.gz",
            out,
            ["--split-by", "question_id", "--eval-fraction", "0.2", *GSM8K_ARGS],
            args.quick,
            args.probe,
        )
    print()
    print(f"{'run':<8} {'accuracy':>9} {'longer wins':>12} {'train/held-out pairs':>21} {'train s':>9} {'threads':>8}")
    for name, f in figures.items():
        print(
            f"{name:<8} {f['accuracy']:>9.4f} {f['longer_wins']:>12.4f} "
            f"{str(f['train_pairs']) + ' / ' + str(f['eval_pairs']):>21} {f['train_seconds']:>9.1f} {f['threads']:>8}"
        )
        print(f"         held-out accuracy per epoch: {', '.join(f'{a:.3f}' for a in f['epochs'])}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
