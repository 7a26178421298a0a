"""Does a rewardlab reward drive a policy? GRPO on CPU, measured: ``examples/grpo_trl.py`` run long enough.

Trains SmolLM2-135M-Instruct with TRL's GRPOTrainer on the example's word problems, the reward
being ``examples/grpo_arith.yaml`` through the TRL adapter, and measures:

- **held-out evaluations** every ``--eval-every`` steps (step 0 included): ``--eval-prompts``
  problems never trained on, ``--eval-samples`` sampled completions each (temperature 1, the
  training sampler, a fixed seed per evaluation), scored with the same spec: the mean total,
  accuracy and format with 95% bootstrap intervals over prompts, and end - start paired over prompts;
- **the training curve**: every completion the trainer scored (``completions.jsonl``), the mean
  total and each component per step, and the first vs the last ``--window`` steps with intervals
  over prompt groups;
- **that the strict verifier is not gamed**: the share of completions whose ``<answer>`` is
  hedged ("7 or 8", "maybe 7"), empty, or lists several answers, read from the math verifier's
  refusal reason, in each evaluation and each training window;
- wall time (training and evaluations), and a plot (``--plot``).

Checkpoints every ``--eval-every`` steps: run the same command again to resume (evaluations
already done are kept). ``--report-only`` analyses an existing run folder.

Usage (from the repository root; about 20-40 s a step on one shared core)::

    nice .venv/bin/python benchmarks/grpo_rise.py --out runs/grpo_rise --steps 120 > runs/grpo_rise.log 2>&1 &
    .venv/bin/python benchmarks/grpo_rise.py --out runs/grpo_rise --report-only --plot benchmarks/grpo_rise.png --record
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import random
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "RESULTS.md"
GAMED = {
    "hedged": ("hedged",),
    "empty": ("empty_answer",),
    "multi-answer": ("multiple_answers", "multiple_candidates"),
}
COMPONENTS = ("total", "accuracy", "format")


def example_module() -> Any:
    """``examples/grpo_trl.py`` as a module (examples/ is not a package)."""
    spec = importlib.util.spec_from_file_location("grpo_trl_example", ROOT / "examples" / "grpo_trl.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


# ---- reading a run -------------------------------------------------------------------------------
def read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def latest_by_step(rows: Iterable[dict[str, Any]]) -> dict[int, list[dict[str, Any]]]:
    """Rows grouped by step; a step recorded twice (a resumed run redoes the steps after its
    checkpoint) keeps its last recording."""
    by_step: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        step = int(row["step"])
        if row.get("index") == 0 and by_step.get(step):
            by_step[step] = []  # a new recording of this step starts
        by_step[step].append(row)
    return dict(sorted(by_step.items()))


def gamed_reason(completion: str, answer: str, verifier: Any) -> str | None:
    """Which refusal of the strict verifier a completion's answer meets (hedged, empty, multi-answer)."""
    result = verifier.score({"completion": completion, "answer": answer})
    reason = result.info.get("reason")
    for name, reasons in GAMED.items():
        if reason in reasons:
            return name
    return None


# ---- statistics ----------------------------------------------------------------------------------
def group_means(rows: Sequence[dict[str, Any]], component: str, key: str = "question") -> list[float]:
    """One mean per prompt (the unit the intervals resample: a prompt's completions are not independent)."""
    groups: dict[Any, list[float]] = defaultdict(list)
    for row in rows:
        value = row["components"].get(component)
        if value is not None:
            groups[row.get("group", row[key])].append(float(value))
    return [sum(v) / len(v) for v in groups.values()]


def ci(values: Sequence[float], seed: int = 0) -> tuple[float, float, float]:
    """Mean and 95% percentile-bootstrap interval."""
    from rewardlab.evaluate.metrics.stats import bootstrap_ci

    if not values:
        return math.nan, math.nan, math.nan
    lo, hi = bootstrap_ci(values, n_boot=4000, seed=seed)
    return float(np.mean(values)), lo, hi


def diff_ci(a: Sequence[float], b: Sequence[float], seed: int = 0, n_boot: int = 4000) -> tuple[float, float, float]:
    """mean(b) - mean(a) for independent samples, with a 95% bootstrap interval (each resampled on its own)."""
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    rng = np.random.default_rng(seed)
    boots = y[rng.integers(0, y.size, (n_boot, y.size))].mean(1) - x[rng.integers(0, x.size, (n_boot, x.size))].mean(1)
    lo, hi = np.quantile(boots, [0.025, 0.975])
    return float(y.mean() - x.mean()), float(lo), float(hi)


def paired_diff_ci(a: dict[str, float], b: dict[str, float], seed: int = 0) -> tuple[float, float, float, int]:
    """b - a over the keys both have (paired by prompt), with a 95% bootstrap interval."""
    keys = [k for k in a if k in b]
    diffs = [b[k] - a[k] for k in keys]
    mean, lo, hi = ci(diffs, seed=seed)
    return mean, lo, hi, len(keys)


# ---- held-out evaluation -------------------------------------------------------------------------
def evaluate(
    model: Any,
    tokenizer: Any,
    rows: Sequence[dict[str, Any]],
    reward: Any,
    *,
    samples: int,
    max_new_tokens: int,
    seed: int,
) -> list[dict[str, Any]]:
    """Sample ``samples`` completions per held-out prompt as the trainer does (chat template, the
    prefill continued, temperature 1) and score them with the spec."""
    import torch

    from rewardlab.integrations.trl import join_prefill

    texts = [tokenizer.apply_chat_template(r["prompt"], tokenize=False, continue_final_message=True) for r in rows]
    side = tokenizer.padding_side
    tokenizer.padding_side = "left"
    was_training = model.training
    model.eval()
    try:
        torch.manual_seed(seed)
        enc = tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False)
        with torch.inference_mode():
            out = model.generate(
                **enc,
                max_new_tokens=max_new_tokens,
                do_sample=True,
                temperature=1.0,
                top_p=1.0,
                top_k=0,
                num_return_sequences=samples,
                pad_token_id=tokenizer.pad_token_id,
            )
    finally:
        tokenizer.padding_side = side
        model.train(was_training)
    decoded = tokenizer.batch_decode(out[:, enc["input_ids"].shape[1] :], skip_special_tokens=True)
    scored = []
    for i, text in enumerate(decoded):
        row = rows[i // samples]
        prompt, completion = join_prefill(row["prompt"], text)
        scored.append(
            {"prompt": prompt, "completion": completion, "answer": row["answer"], "question": row["question"]}
        )
    results = reward.score_batch(scored)
    return [
        {
            "question": s["question"],
            "answer": s["answer"],
            "completion": s["completion"],
            "components": r.components,
            "status": r.status.value,
        }
        for s, r in zip(scored, results, strict=True)
    ]


def eval_callback(args: argparse.Namespace, heldout: Sequence[dict[str, Any]], tokenizer: Any) -> Any:
    from transformers import TrainerCallback

    from rewardlab import load_spec

    reward = load_spec(args.spec).reward
    path = Path(args.out) / "eval.jsonl"

    def done() -> set[int]:
        return {int(r["step"]) for r in read_jsonl(path)}

    def run(step: int, model: Any) -> None:
        if step in done():
            return
        started = time.perf_counter()
        rows = evaluate(
            model,
            tokenizer,
            heldout,
            reward,
            samples=args.eval_samples,
            max_new_tokens=args.max_completion_length,
            seed=1000 + step,
        )
        seconds = time.perf_counter() - started
        with open(path, "a", encoding="utf-8") as fh:
            for r in rows:
                fh.write(json.dumps({"step": step, "seconds": seconds, **r}, ensure_ascii=False) + "\n")
        means = {c: np.mean([r["components"].get(c, 0.0) for r in rows]) for c in COMPONENTS}
        print(f"eval step {step}: {means} ({seconds:.0f} s)", file=sys.stderr, flush=True)

    class Evaluate(TrainerCallback):
        def on_train_begin(self, a: Any, state: Any, control: Any, model: Any = None, **kw: Any) -> None:
            if state.global_step % args.eval_every == 0:
                run(state.global_step, model)

        def on_step_end(self, a: Any, state: Any, control: Any, model: Any = None, **kw: Any) -> None:
            if state.global_step % args.eval_every == 0 or state.global_step == state.max_steps:
                run(state.global_step, model)

    return Evaluate()


def train(args: argparse.Namespace) -> None:
    import torch

    example = example_module()
    torch.set_num_threads(args.threads)
    _, heldout = example.train_and_heldout(n_heldout=args.eval_prompts, seed=args.seed)
    ex_args = example.parse_args(
        [
            "--out", args.out, "--spec", args.spec, "--steps", str(args.steps),
            "--prompts-per-step", str(args.prompts_per_step), "--num-generations", str(args.num_generations),
            "--max-completion-length", str(args.max_completion_length), "--lr", str(args.lr),
            "--train-layers", str(args.train_layers), "--save-steps", str(args.eval_every),
            "--threads", str(args.threads), "--seed", str(args.seed),
        ]
    )  # fmt: skip
    _, tokenizer = example.load_policy(None)
    trainer = example.build_trainer(ex_args, callbacks=[eval_callback(args, heldout, tokenizer)])
    resume = example.last_checkpoint(args.out)
    print(f"{'resuming from ' + resume if resume else 'starting'}; run folder {args.out}", file=sys.stderr, flush=True)
    with open(Path(args.out) / "run.json", "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"started": time.time(), "resume": resume, "args": vars(args)}) + "\n")
    trainer.train(resume_from_checkpoint=resume)
    with open(Path(args.out) / "run.json", "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"finished": time.time(), "global_step": trainer.state.global_step}) + "\n")


# ---- the report ----------------------------------------------------------------------------------
def analyse(out: Path, window: int) -> dict[str, Any]:
    from rewardlab import build_reward

    verifier = build_reward({"type": "math", "extract": ["answer_tag"]})
    report: dict[str, Any] = {}

    # held-out evaluations
    evals: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in read_jsonl(out / "eval.jsonl"):
        evals[int(row["step"])].append(row)
    table = []
    for step, rows in sorted(evals.items()):
        entry: dict[str, Any] = {"step": step, "n": len(rows), "seconds": rows[0].get("seconds")}
        for c in COMPONENTS:
            entry[c] = ci(group_means(rows, c))
        reasons = Counter(gamed_reason(r["completion"], r["answer"], verifier) for r in rows)
        for name in GAMED:
            entry[name] = reasons[name] / len(rows)
        table.append(entry)
    report["eval"] = table
    if len(evals) >= 2:
        first, last = min(evals), max(evals)

        def per_prompt(rows: list[dict[str, Any]], c: str) -> dict[str, float]:
            groups: dict[str, list[float]] = defaultdict(list)
            for r in rows:
                groups[r["question"]].append(float(r["components"].get(c, 0.0)))
            return {k: sum(v) / len(v) for k, v in groups.items()}

        report["eval_delta"] = {
            c: paired_diff_ci(per_prompt(evals[first], c), per_prompt(evals[last], c)) for c in COMPONENTS
        }
        report["eval_steps"] = (first, last)

    # the training curve
    steps = latest_by_step(read_jsonl(out / "completions.jsonl"))
    curve = []
    for step, rows in steps.items():
        point: dict[str, Any] = {"step": step, "n": len(rows)}
        for c in COMPONENTS:
            values = [r["components"].get(c) for r in rows if r["components"].get(c) is not None]
            point[c] = sum(values) / len(values) if values else math.nan
        reasons = Counter(gamed_reason(r["completion"], r["answer"], verifier) for r in rows)
        for name in GAMED:
            point[name] = reasons[name] / len(rows)
        point["length"] = float(np.mean([len(r["completion"]) for r in rows]))
        curve.append(point)
    report["curve"] = curve
    if len(steps) >= 2 * window:
        ordered = list(steps)
        head = [dict(r, group=(s, r["question"])) for s in ordered[:window] for r in steps[s]]
        tail = [dict(r, group=(s, r["question"])) for s in ordered[-window:] for r in steps[s]]
        report["train_windows"] = {
            "first": (ordered[0], ordered[window - 1]),
            "last": (ordered[-window], ordered[-1]),
            "components": {
                c: {
                    "first": ci(group_means(head, c)),
                    "last": ci(group_means(tail, c)),
                    "delta": diff_ci(group_means(head, c), group_means(tail, c)),
                }
                for c in COMPONENTS
            },
            "gamed": {
                name: (
                    np.mean([gamed_reason(r["completion"], r["answer"], verifier) == name for r in head]),
                    np.mean([gamed_reason(r["completion"], r["answer"], verifier) == name for r in tail]),
                )
                for name in GAMED
            },
        }

    # wall time
    metrics = read_jsonl(out / "metrics.jsonl")
    # one time per step: a step redone after a resume (or a restart) counts once, its last recording
    step_times = list({m["step"]: m["step_time"] for m in metrics if "step_time" in m}.values())
    runs = read_jsonl(out / "run.json")
    eval_seconds = sum(rows[0].get("seconds") or 0.0 for rows in evals.values())
    report["wall"] = {
        "steps": len(step_times),
        "train_seconds": float(sum(step_times)),
        "median_step_seconds": float(np.median(step_times)) if step_times else math.nan,
        "eval_seconds": float(eval_seconds),
        "sessions": sum(1 for r in runs if "started" in r),
    }
    return report


def fmt(triple: tuple[float, float, float]) -> str:
    mean, lo, hi = triple[:3]
    return f"{mean:.3f} [{lo:.3f}, {hi:.3f}]"


def markdown(report: dict[str, Any], args: argparse.Namespace, plot: str | None) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    wall = report["wall"]
    trained = f"top {args.train_layers} layers + final norm trained" if args.train_layers else "all weights trained"
    lines = [
        f"## grpo_rise: GRPO with a rewardlab reward, SmolLM2-135M on CPU ({when})",
        "",
        "`examples/grpo_trl.py` (TRL "
        f"{_version('trl')}, transformers {_version('transformers')}, torch {_version('torch')}): "
        "`GRPOTrainer` on one-step word problems (numbers below 20, one worked example, the assistant "
        "turn opened with `<think>`), reward `examples/grpo_arith.yaml` through `TRLReward` "
        "(strict `math` on `<answer>` + 0.2 x `think_answer` format). "
        f"{args.prompts_per_step} prompts x {args.num_generations} completions per step, "
        f"{args.max_completion_length} new tokens, lr {args.lr}, "
        f"{trained}, "
        "beta 0, TRL's default loss (dapo) and group scaling; one torch thread on a shared 2-core machine.",
        "",
        f"Wall time: {wall['train_seconds'] / 60:.1f} min of training for {wall['steps']} steps "
        f"(median {wall['median_step_seconds']:.1f} s a step) + {wall['eval_seconds'] / 60:.1f} min of held-out "
        f"evaluation, in {wall['sessions']} session(s) (resumed from checkpoints).",
        "",
    ]
    if report["eval"]:
        lines += [
            f"Held-out problems ({args.eval_prompts} never trained on x {args.eval_samples} samples, temperature 1); "
            "means with 95% bootstrap intervals over prompts; shares of completions the strict verifier refuses "
            "as hedged / empty / multi-answer:",
            "",
            "| step | total | accuracy | format | hedged | empty | multi-answer |",
            "|---:|---|---|---|---:|---:|---:|",
        ]
        for e in report["eval"]:
            lines.append(
                f"| {e['step']} | {fmt(e['total'])} | {fmt(e['accuracy'])} | {fmt(e['format'])} | "
                f"{e['hedged']:.3f} | {e['empty']:.3f} | {e['multi-answer']:.3f} |"
            )
        lines.append("")
    if "eval_delta" in report:
        first, last = report["eval_steps"]
        parts = [f"{c} {d[0]:+.3f} [{d[1]:+.3f}, {d[2]:+.3f}]" for c, d in report["eval_delta"].items()]
        n = next(iter(report["eval_delta"].values()))[3]
        lines += [f"End - start on the held-out prompts (step {last} - step {first}, paired over {n} prompts): "
                  + "; ".join(parts) + ".", ""]  # fmt: skip
    if "train_windows" in report:
        w = report["train_windows"]
        lines += [
            f"Training completions, steps {w['first'][0]}-{w['first'][1]} vs {w['last'][0]}-{w['last'][1]} "
            "(intervals over prompt groups):",
            "",
            "| component | first window | last window | last - first |",
            "|---|---|---|---|",
        ]
        for c, d in w["components"].items():
            delta = f"{d['delta'][0]:+.3f} [{d['delta'][1]:+.3f}, {d['delta'][2]:+.3f}]"
            lines.append(f"| {c} | {fmt(d['first'])} | {fmt(d['last'])} | {delta} |")
        gamed = ", ".join(f"{k} {a:.3f} -> {b:.3f}" for k, (a, b) in w["gamed"].items())
        lines += ["", f"Refused as gamed (first -> last window): {gamed}.", ""]
    if plot:
        lines += [f"![GRPO rise]({Path(plot).name})", ""]
    lines += [
        "```bash",
        f".venv/bin/python benchmarks/grpo_rise.py --out {args.out} --steps {args.steps} "
        f"--train-layers {args.train_layers} --lr {args.lr} --eval-every {args.eval_every} "
        f"--eval-prompts {args.eval_prompts} --eval-samples {args.eval_samples} --window {args.window}",
        f".venv/bin/python benchmarks/grpo_rise.py --out {args.out} --report-only --plot {plot or 'PLOT.png'} --record",
        "```",
        "",
    ]
    return "\n".join(lines)


def _version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "?"


def draw(report: dict[str, Any], path: str, smooth: int) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    curve = report["curve"]
    steps = [p["step"] for p in curve]

    def rolling(values: list[float]) -> list[float]:
        out = []
        for i in range(len(values)):
            chunk = [v for v in values[max(0, i - smooth + 1) : i + 1] if not math.isnan(v)]
            out.append(sum(chunk) / len(chunk) if chunk else math.nan)
        return out

    ax = axes[0]
    for c in COMPONENTS:
        ax.plot(steps, rolling([p[c] for p in curve]), label=c)
    ax.set_title(f"training completions (rolling mean of {smooth} steps)")
    ax.set_xlabel("step")
    ax.legend()
    ax = axes[1]
    for c in COMPONENTS:
        xs = [e["step"] for e in report["eval"]]
        ys = [e[c][0] for e in report["eval"]]
        err = [[e[c][0] - e[c][1] for e in report["eval"]], [e[c][2] - e[c][0] for e in report["eval"]]]
        ax.errorbar(xs, ys, yerr=err, marker="o", capsize=3, label=c)
    ax.set_title("held-out problems (95% CI over prompts)")
    ax.set_xlabel("step")
    ax.legend()
    ax = axes[2]
    for name in GAMED:
        ax.plot(steps, rolling([p[name] for p in curve]), label=f"{name} (train)")
        ax.plot(
            [e["step"] for e in report["eval"]], [e[name] for e in report["eval"]], "o--", label=f"{name} (held-out)"
        )
    ax.set_title("refused by the strict verifier (share of completions)")
    ax.set_xlabel("step")
    ax.set_ylim(0, max(0.1, ax.get_ylim()[1]))  # a share: small values stay small on the page
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", default="runs/grpo_rise")
    parser.add_argument("--spec", default=str(ROOT / "examples" / "grpo_arith.yaml"))
    parser.add_argument("--steps", type=int, default=120)
    parser.add_argument("--prompts-per-step", type=int, default=2)
    parser.add_argument("--num-generations", type=int, default=4)
    parser.add_argument("--max-completion-length", type=int, default=32)
    parser.add_argument("--lr", type=float, default=2e-5)
    parser.add_argument("--train-layers", type=int, default=8)
    parser.add_argument("--eval-every", type=int, default=40)
    parser.add_argument("--eval-prompts", type=int, default=48)
    parser.add_argument("--eval-samples", type=int, default=2)
    parser.add_argument("--window", type=int, default=20, help="steps in the first / last training window")
    parser.add_argument("--smooth", type=int, default=10, help="rolling mean of the training curve in the plot")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--report-only", action="store_true", help="analyse the run folder, do not train")
    parser.add_argument("--plot", default=None, help="write the figure here (PNG)")
    parser.add_argument("--record", action="store_true", help="append the report to benchmarks/RESULTS.md")
    return parser.parse_args(argv)


_TRAINING_ARGS = (
    "spec", "steps", "prompts_per_step", "num_generations", "max_completion_length", "lr", "train_layers",
    "eval_every", "eval_prompts", "eval_samples", "seed",
)  # fmt: skip


def _as_trained(args: argparse.Namespace) -> argparse.Namespace:
    """``--report-only``: the run's own training settings (its last start in run.json), not this command's
    defaults, describe the run in the report."""
    starts = (
        [r["args"] for r in read_jsonl(Path(args.out) / "run.json") if "args" in r]
        if (Path(args.out) / "run.json").exists()
        else []
    )
    if not starts:
        return args
    merged = vars(args) | {k: starts[-1][k] for k in _TRAINING_ARGS if k in starts[-1]}
    return argparse.Namespace(**merged)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    random.seed(args.seed)
    if not args.report_only:
        train(args)
    else:
        args = _as_trained(args)
    report = analyse(Path(args.out), args.window)
    if args.plot:
        draw(report, args.plot, args.smooth)
    text = markdown(report, args, args.plot)
    print(text)
    if args.record:
        with open(RESULTS, "a", encoding="utf-8") as fh:
            fh.write("\n" + text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
