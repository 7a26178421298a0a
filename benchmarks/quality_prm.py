"""PRM quality on GSM8K: does step supervision beat outcome-only supervision at best-of-4 selection?

Trains, on the same solutions and the same backbone (SmolLM2-135M-Instruct, top layers + head),
a process reward model on step labels and its outcome-only baseline (ORM) on final-answer
correctness, for each labelled training set given:

- ``--mc-labels FILE``: Monte-Carlo labels written by ``rewardlab train prm-label`` (SmolLM2
  rollouts judged by the ``math`` verifier);
- ``--structural-problems N``: N GSM8K train problems labelled by construction (reference steps
  good; a corrupted copy's steps good before its injected error, bad from it on).

Then picks, for each question of ``gsm8k_solutions`` (4 labelled model solutions each), the
solution each model scores highest, and reports the share of questions whose pick is correct:
best-of-4 selection accuracy, next to the random pick (the expected accuracy of a uniform pick)
and the oracle. Questions whose 4 solutions are all right or all wrong give every selector the
same result, so only the mixed ones are scored; the accuracy is over all sampled questions.
Beside them: simple rules on the same questions (fewest / most steps, shortest / longest
solution) and paired bootstrap intervals over questions for PRM - ORM and each model - random.

Usage (from the repository root; long: see the report for timings on 2 CPU cores)::

    python benchmarks/quality_prm.py --structural-problems 200 --eval-questions 500 --cache-dir /tmp/prm-cache
    python benchmarks/quality_prm.py --mc-labels mc40.jsonl --structural-problems 600 --eval-questions 500

The frozen trunk's states are cached under ``--cache-dir`` so further runs only train and score
the top layers. ``--quick`` runs a small version (for checking the script).
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def load_eval(path: Path, n_questions: int, seed: int) -> tuple[list[list[dict[str, Any]]], int, int]:
    """Sampled questions' solution groups: (mixed groups, all-correct count, sampled count)."""
    groups: dict[str, list[dict[str, Any]]] = {}
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            groups.setdefault(row["question_id"], []).append(row)
    ids = sorted(groups)
    chosen = random.Random(seed).sample(ids, min(n_questions, len(ids)))
    mixed = [groups[q] for q in chosen if 0 < sum(r["is_correct"] for r in groups[q]) < len(groups[q])]
    all_right = sum(1 for q in chosen if all(r["is_correct"] for r in groups[q]))
    return mixed, all_right, len(chosen)


def trunk_cache(path: Path | None) -> dict:
    import torch

    if path is not None and path.is_file():
        log(f"loading cached trunk states from {path}")
        return torch.load(path)
    return {}


def save_cache(cache: dict, path: Path | None) -> None:
    import torch

    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        torch.save(cache, path)


def eval_states(net: Any, backbone: Any, groups: list[list[dict[str, Any]]], cache_path: Path | None, bs: int) -> list:
    """Encoded eval solutions with their trunk states (computed once, cached on disk)."""
    import torch

    from rewardlab.models.lm_ops import buckets_by_length
    from rewardlab.models.prm.encode import encode_solutions
    from rewardlab.models.prm.scorer import collate_solutions
    from rewardlab.models.prm.steps import split_steps

    flat = [row for group in groups for row in group]
    encoded = encode_solutions(backbone, [(r["question"], split_steps(r["solution"])) for r in flat], max_length=4096)
    bad = [i for i, e in enumerate(encoded) if isinstance(e, Exception)]
    if bad:
        raise SystemExit(f"{len(bad)} eval solutions do not fit the model")
    cache = trunk_cache(cache_path)
    todo = [i for i, e in enumerate(encoded) if flat[i]["id"] not in cache]
    started = time.perf_counter()
    done = 0
    for indices in buckets_by_length([len(encoded[i]) for i in todo], bs):
        chunk = [encoded[todo[j]] for j in indices]
        batch = collate_solutions(chunk, backbone.pad_token_id, backbone.device)
        with torch.inference_mode():
            states = net.trunk_states(batch["input_ids"], batch["attention_mask"])
        for row, j in enumerate(indices):
            cache[flat[todo[j]]["id"]] = states[row, : len(chunk[row])].clone()
        done += len(indices)
        if done % (bs * 10) < bs:
            rate = done / (time.perf_counter() - started)
            log(f"  eval trunk: {done}/{len(todo)} solutions ({rate:.2f}/s)")
            save_cache(cache, cache_path)
    if todo:
        save_cache(cache, cache_path)
    return [(row, e, cache[row["id"]]) for row, e in zip(flat, encoded, strict=True)]


def score_eval(net: Any, backbone: Any, items: list, bs: int) -> dict[str, list[float]]:
    """Step probabilities of every eval solution (by id), from cached trunk states."""
    import torch

    from rewardlab.models.lm_ops import buckets_by_length

    out: dict[str, list[float]] = {}
    net.eval()
    with torch.inference_mode():
        for indices in buckets_by_length([len(e) for _, e, _ in items], bs):
            chunk = [items[i] for i in indices]
            width = max(len(e) for _, e, _ in chunk)
            dim = chunk[0][2].shape[-1]
            states = torch.zeros((len(chunk), width, dim))
            mask = torch.zeros((len(chunk), width), dtype=torch.long)
            for row, (_, e, s) in enumerate(chunk):
                states[row, : len(e)] = s
                mask[row, : len(e)] = 1
            hidden = net.top_states(states, mask)
            for row, (r, e, _) in enumerate(chunk):
                ends = torch.tensor(e.step_ends)
                logits = net.step_logits(hidden, torch.full_like(ends, row), ends)
                out[r["id"]] = torch.sigmoid(logits.double()).tolist()
    return out


def selection(groups: list[list[dict[str, Any]]], scores: dict[str, float]) -> list[float]:
    """Per group, P(the top-scored solution is correct), ties split evenly."""
    credits = []
    for group in groups:
        best = max(scores[r["id"]] for r in group)
        top = [r for r in group if abs(scores[r["id"]] - best) < 1e-12]
        credits.append(sum(r["is_correct"] for r in top) / len(top))
    return credits


def evaluate(groups, all_right: int, n: int, step_scores: dict[str, list[float]]) -> dict[str, Any]:
    from rewardlab.models.prm.aggregate import AGGREGATIONS, aggregate

    out = {}
    for how in AGGREGATIONS:
        scores = {rid: aggregate(s, how) for rid, s in step_scores.items()}
        credits = selection(groups, scores)
        acc = (all_right + sum(credits)) / n
        out[how] = {"accuracy": acc, "se": math.sqrt(acc * (1 - acc) / n), "mixed_credits": credits}
    return out


def _by_steps(rows: list[dict[str, Any]], sign: int) -> dict[str, float]:
    from rewardlab.models.prm.steps import split_steps

    return {r["id"]: sign * len(split_steps(r["solution"])) for r in rows}


RULES = {
    # A min-aggregated step score falls with every extra step: compare with the step-count rules.
    "fewest steps": lambda rows: _by_steps(rows, -1),
    "most steps": lambda rows: _by_steps(rows, 1),
    "shortest solution": lambda rows: {r["id"]: -len(r["solution"]) for r in rows},
    "longest solution": lambda rows: {r["id"]: len(r["solution"]) for r in rows},
}


def paired_bootstrap(a: list[float], b: list[float], n: int, resamples: int = 10_000, seed: int = 0) -> dict:
    """Accuracy difference a - b over ``n`` questions (the mixed ones carry the credits; the others
    give both the same), with a 95% paired bootstrap interval over questions and the share of
    resamples where a does not beat b."""
    import numpy as np

    diff = np.zeros(n)
    diff[: len(a)] = np.asarray(a) - np.asarray(b)
    rng = np.random.default_rng(seed)
    means = diff[rng.integers(0, n, size=(resamples, n))].mean(axis=1)
    lo, hi = np.quantile(means, [0.025, 0.975])
    return {
        "difference": float(diff.mean()),
        "ci95": [float(lo), float(hi)],
        "p_not_better": float((means <= 0).mean()),
        "questions_differing": int((diff != 0).sum()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mc-labels", type=Path, action="append", default=[], help="MC-labelled records (JSONL).")
    parser.add_argument(
        "--structural-problems", type=int, default=0, help="GSM8K train problems, labels by construction."
    )
    parser.add_argument("--structural-offset", type=int, default=0)
    parser.add_argument("--corrupt", type=int, default=1, help="Corrupted copies per structural problem.")
    parser.add_argument("--eval-questions", type=int, default=500)
    parser.add_argument("--train-layers", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--head-lr", type=float, default=1e-3)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cache-dir", type=Path, default=None, help="Keep trunk states here between runs.")
    parser.add_argument("--out", type=Path, default=None, help="Write the numbers as JSON here.")
    parser.add_argument("--quick", action="store_true", help="A small run to check the script.")
    args = parser.parse_args()
    if args.quick:
        args.eval_questions, args.structural_problems, args.epochs = 40, max(1, min(args.structural_problems, 30)), 1

    from rewardlab.data.step_files import read_step_records
    from rewardlab.models.backbones.causal_lm import shared_causal_lm
    from rewardlab.models.prm.labelling import label_gsm8k_structural, read_problems
    from rewardlab.models.prm.network import PRMNet
    from rewardlab.models.prm.train import PRMTrainConfig, train_prm

    started = time.perf_counter()
    backbone = shared_causal_lm("smollm2", device="cpu")
    trunk_net = PRMNet(backbone.base_model(backbone.model), train_layers=args.train_layers)
    groups, all_right, n = load_eval(DATA / "gsm8k_solutions.jsonl.gz", args.eval_questions, args.seed)
    flat = [r for g in groups for r in g]
    random_pick = (all_right + sum(sum(r["is_correct"] for r in g) / len(g) for g in groups)) / n
    oracle = (all_right + len(groups)) / n
    rules = {name: (all_right + sum(selection(groups, key(flat)))) / n for name, key in RULES.items()}
    log(f"eval: {n} questions, {len(groups)} mixed ({len(flat)} solutions to score), {all_right} all-correct")
    cache_dir = args.cache_dir
    tag = f"L{args.train_layers}"
    t0 = time.perf_counter()
    items = eval_states(
        trunk_net,
        backbone,
        groups,
        None if cache_dir is None else cache_dir / f"eval-{args.seed}-{args.eval_questions}-{tag}.pt",
        args.batch_size,
    )
    eval_trunk_s = time.perf_counter() - t0

    sets: dict[str, list[Any]] = {}
    for path in args.mc_labels:
        records, skipped = read_step_records(path)
        sets[f"mc:{path.name}"] = records
        log(f"{path}: {len(records)} MC-labelled solutions ({skipped} unreadable lines)")
    if args.structural_problems:
        _, problems = read_problems(
            str(DATA / "gsm8k_train.jsonl.gz"), limit=args.structural_problems, offset=args.structural_offset
        )
        sets[f"structural:{len(problems)}"] = label_gsm8k_structural(problems, corrupt=args.corrupt, seed=args.seed)

    results: dict[str, Any] = {
        "eval": {
            "questions": n,
            "mixed": len(groups),
            "solutions_scored": len(flat),
            "all_correct": all_right,
            "random_pick": random_pick,
            "oracle": oracle,
            "rules": rules,
            "trunk_seconds": round(eval_trunk_s, 1),
        },
        "config": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "models": {},
    }
    train_cache_path = None if cache_dir is None else cache_dir / f"train-{tag}.pt"
    cache = trunk_cache(train_cache_path)
    for name, records in sets.items():
        stats = _label_stats(records)
        for mode in ("step", "outcome"):
            config = PRMTrainConfig(
                train_layers=args.train_layers,
                label_mode=mode,  # type: ignore[arg-type]
                epochs=args.epochs,
                learning_rate=args.lr,
                head_learning_rate=args.head_lr,
                batch_size=args.batch_size,
                seed=args.seed,
                device="cpu",
            )
            t0 = time.perf_counter()
            net, _, report = train_prm(records, config, eval_records=[], trunk_cache=cache)
            save_cache(cache, train_cache_path)
            train_s = time.perf_counter() - t0
            step_scores = score_eval(net, backbone, items, args.batch_size)
            scores = evaluate(groups, all_right, n, step_scores)
            label = f"{name} {'PRM (step labels)' if mode == 'step' else 'ORM (outcome labels)'}"
            results["models"][label] = {
                "training_solutions": report.n_train,
                "label_stats": stats,
                "train_seconds": round(train_s, 1),
                "trunk_seconds": round(report.trunk_seconds, 1),
                "final_train_loss": report.final.get("train_loss"),
                "best_of_4": scores,
            }
            log(f"{label}: " + ", ".join(f"{k} {v['accuracy']:.4f}" for k, v in scores.items()))
    results["comparisons"] = _comparisons(results["models"], groups, n)
    for m in results["models"].values():  # keep the JSON readable: the credits served the comparisons
        for v in m["best_of_4"].values():
            v.pop("mixed_credits", None)
    results["seconds"] = round(time.perf_counter() - started, 1)
    _print(results)
    if args.out:
        args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


def _comparisons(models: dict[str, Any], groups: list, n: int) -> dict[str, Any]:
    """Each PRM against the ORM trained on the same data, each with its own aggregation (PRM: min,
    ORM: last, as the saved models score) and with every aggregation alike; plus against random."""
    out: dict[str, Any] = {}
    random_credits = [sum(r["is_correct"] for r in g) / len(g) for g in groups]
    for label, m in models.items():
        if not label.endswith("PRM (step labels)"):
            continue
        base = label.replace("PRM (step labels)", "ORM (outcome labels)")
        prm = m["best_of_4"]
        entry: dict[str, Any] = {
            "PRM min vs random pick": paired_bootstrap(prm["min"]["mixed_credits"], random_credits, n)
        }
        if base in models:
            orm = models[base]["best_of_4"]
            entry["PRM min vs ORM last"] = paired_bootstrap(
                prm["min"]["mixed_credits"], orm["last"]["mixed_credits"], n
            )
            for how in prm:
                entry[f"PRM {how} vs ORM {how}"] = paired_bootstrap(
                    prm[how]["mixed_credits"], orm[how]["mixed_credits"], n
                )
            entry["ORM last vs random pick"] = paired_bootstrap(orm["last"]["mixed_credits"], random_credits, n)
        out[label.replace(" PRM (step labels)", "")] = entry
    return out


def _label_stats(records: list[Any]) -> dict[str, Any]:
    by: dict[str, list[Any]] = {}
    for r in records:
        by.setdefault(r.source or "?", []).append(r)
    out = {}
    for source, rs in sorted(by.items()):
        labels = [v for r in rs for v in r.labels if v is not None]
        out[source] = {
            "solutions": len(rs),
            "mean_step_label": round(statistics.fmean(labels), 4) if labels else None,
            "share_steps_positive": round(sum(v > 0 for v in labels) / len(labels), 4) if labels else None,
        }
    return out


def _print(results: dict[str, Any]) -> None:
    ev = results["eval"]
    print(f"\nGSM8K best-of-4 selection accuracy ({ev['questions']} questions, {ev['mixed']} with mixed labels)")
    print(f"  random pick (expected): {ev['random_pick']:.4f}   oracle: {ev['oracle']:.4f}")
    print("  rules: " + ", ".join(f"{k} {v:.4f}" for k, v in ev["rules"].items()))
    print(f"  {'model':58s} {'min':>8s} {'product':>8s} {'last':>8s} {'mean':>8s}")
    for label, m in results["models"].items():
        row = " ".join(f"{m['best_of_4'][k]['accuracy']:8.4f}" for k in ("min", "product", "last", "mean"))
        print(f"  {label:58s} {row}")
    se = next(iter(results["models"].values()))["best_of_4"]["min"]["se"] if results["models"] else 0.0
    print(f"  (one standard error ~ {se:.4f}; total {results['seconds']:.0f}s)")
    for data, entry in results.get("comparisons", {}).items():
        print(f"  paired bootstrap over questions ({data}):")
        for what, c in entry.items():
            lo, hi = c["ci95"]
            print(
                f"    {what:28s} {c['difference']:+.4f}  95% CI [{lo:+.4f}, {hi:+.4f}]  "
                f"P(<=0) {c['p_not_better']:.3f}  ({c['questions_differing']} questions differ)"
            )


if __name__ == "__main__":
    main()
