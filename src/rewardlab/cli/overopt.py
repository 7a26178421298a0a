"""``rewardlab eval overopt``: over-optimization of proxy rewards by best-of-N against a gold judge."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from .common import EXIT_OK, err_console, fail
from .evaluate import eval_app

__all__ = ["overopt_command"]


@eval_app.command(
    "overopt",
    epilog=(
        "Examples:\n\n"
        "  rewardlab eval overopt --data ../shared/data/alpaca_bon16.jsonl.gz --out runs/overopt\n\n"
        "  rewardlab eval overopt -d ../shared/data/alpaca_bon16.jsonl.gz --noise 0.25 --labels 300 --labels 3000 "
        "--members 5 -o runs/overopt-noisy\n\n"
        "  rewardlab eval overopt -d ../shared/data/alpaca_bon16.jsonl.gz --backbone consensus -o runs/overopt-cons\n\n"
        "  rewardlab sample -i prompts.jsonl -n 32 -o samples.jsonl && rewardlab eval overopt -d samples.jsonl "
        "--gold math --backbone consensus -o runs/overopt-gsm8k   (sample more for a larger N; a verifier as gold)\n\n"
        "Data: JSONL rows with instruction, candidates and gold (a number or null per candidate), as eval bon. "
        "With --gold, the gold is that reward's score of each candidate instead, and --data may also be "
        "candidate lists without gold or `rewardlab sample` output (rows grouped by group_id).\n\n"
        "Exit status: 0 written; 2 bad arguments or data."
    ),
)
def overopt_command(
    data: str = typer.Option(..., "--data", "-d", help="Candidates with gold (JSONL, .gz ok)."),
    gold: str | None = typer.Option(
        None,
        "--gold",
        "-g",
        help="A reward whose score of each candidate is the gold (a verifier, a judge, rm:DIR) instead of the "
        "data's gold field; --data may then be `rewardlab sample` output.",
    ),
    out: Path = typer.Option(..., "--out", "-o", help="Folder for overopt.json, REPORT.md, overopt.png."),
    labels: list[int] = typer.Option(
        None, "--labels", min=10, help="Label counts of the proxies (repeatable; default 100 300 1000 3000 10000)."
    ),
    noise: float = typer.Option(0.1, "--noise", min=0.0, max=0.5, help="Probability an annotator's label is flipped."),
    members: int = typer.Option(5, "--members", "-k", min=1, max=32, help="Ensemble members (bootstraps of labels)."),
    uwo_k: float = typer.Option(1.0, "--uwo-k", min=0.0, help="k of the mean - k*std ensemble."),
    clip_quantile: float = typer.Option(
        0.9, "--clip-quantile", min=0.0, max=1.0, help="Clip the mean proxy at this quantile of its training scores."
    ),
    backbone: str = typer.Option(
        "minilm",
        "--backbone",
        "-b",
        help="Features of the proxies: a frozen backbone (minilm, smollm2, a model folder) or 'consensus' (the "
        "consensus reward model's: length and agreement with the other candidates; seconds, and they learn).",
    ),
    max_length: int = typer.Option(256, "--max-length", min=8, help="Tokens per candidate for the features."),
    limit: int | None = typer.Option(None, "--limit", min=4, help="Use only the first N prompts."),
    seed: int = typer.Option(0, "--seed", help="Seed of the split, the annotators and the bootstraps."),
) -> None:
    """Gao et al.'s synthetic over-optimization setup on best-of-N candidates with a gold reward.

    The gold plays the human: simulated annotators label pairs of the training half's candidates,
    flipping each label with probability --noise; linear Bradley-Terry proxies on frozen backbone
    features (the `train bt` probe) are fitted on each label count, alone and as ensembles; each
    is optimized by best-of-N on the held-out half. Gold and proxy are plotted against
    sqrt(KL_bon) with R(d) = R(0) + alpha d - beta d^2 fitted; mitigations (mean, worst-case,
    mean - k std, clipping, PAR) are compared on the same curves, with the length and repetition
    of the picks. Features are computed once and kept in OUT/features.npz.
    """
    from ..core.errors import InputError
    from ..evaluate.runs.bon_data import load_bon
    from ..evaluate.runs.overopt import candidate_features, run_overopt, write_report

    try:
        prompts = load_bon(data, limit=limit) if gold is None else _gold_prompts(data, gold, limit)
    except InputError as exc:
        fail(exc)
    if len(prompts) < 4:
        fail(f"{data}: need at least 4 prompts to split, got {len(prompts)}")
    if out.exists() and not out.is_dir():
        fail(f"--out {out}: exists and is not a folder")

    def progress(done: int, total: int) -> None:
        if done == total or done % 320 < 32:
            err_console.print(f"features: {done}/{total} candidates", highlight=False)

    try:
        features = candidate_features(
            prompts, backbone=backbone, max_length=max_length, cache=out / "features.npz", progress=progress
        )
        result = run_overopt(
            prompts,
            features,
            label_counts=tuple(labels or (100, 300, 1000, 3000, 10000)),
            noise=noise,
            members=members,
            uwo_k=uwo_k,
            clip_quantile=clip_quantile,
            seed=seed,
        )
    except (ValueError, FileNotFoundError) as exc:
        fail(str(exc))
    result["settings"]["gold"] = f"the reward {gold}" if gold else "the data field gold"
    result["settings"]["features"] = backbone
    paths = write_report(result, out)
    last = result["settings"]["ns"][-1]
    best = max(result["runs"], key=lambda r: r["curve"][-1]["gold"])
    err_console.print(
        f"best at N={last}: {best['mitigation']} on {best['n_labels']} labels, gold {best['curve'][-1]['gold']:.4f} "
        f"(longest answer {result['longest'][-1]['gold']:.4f}, oracle {result['oracle'][-1]['gold']:.4f})",
        highlight=False,
    )
    for p in paths:
        print(p)
    raise typer.Exit(EXIT_OK)


def _gold_prompts(data: str, gold: str, limit: int | None) -> list[Any]:
    """The prompts of --data with the --gold reward's scores as their gold (progress and counts on stderr)."""
    from ..core.errors import RewardlabError
    from ..core.spec import resolve
    from ..evaluate.runs.overopt_gold import gold_from_reward, load_candidates

    inputs = load_candidates(data, limit=limit)
    try:
        spec = resolve(gold)
    except RewardlabError as exc:
        fail(f"--gold {gold}: {exc}")
    n = sum(len(i.samples) for i in inputs)
    err_console.print(f"gold: scoring {n} candidates of {len(inputs)} prompts with {spec.name}", highlight=False)
    prompts, counts = gold_from_reward(inputs, spec)
    summary = ", ".join(f"{k} {v}" for k, v in counts.items() if v)
    err_console.print(f"gold: {summary}; {len(prompts)} prompts have two or more scored candidates", highlight=False)
    if not prompts:
        fail(f"--gold {gold}: no prompt has two candidates with a gold score ({summary})")
    return prompts
