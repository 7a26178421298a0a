"""``eval bon``: best-of-N against a gold judge, beside the baselines and public reward models.

For each prompt the reward scores the candidates that carry gold (indices 0-10 of alpaca_bon16);
for N = 1, 2, 4, 8 and all of them, the expected gold of its pick over all N-subsets is computed
exactly (:mod:`rewardlab.evaluate.metrics.bon`), and averaged over prompts with a standard error.
Beside it, on the same prompts: random pick, oracle, worst, longest and shortest answer (the
published anchors' rules, ties to the lowest index), the public reward models' stored best-of-all
picks with bounds, and -- with ``all_candidates`` -- the reward's own best-of-all pick with the
same bounds. The over-optimization curve is gold against KL_bon = log N - (N-1)/N for every N
from 1 to K.

A prompt where the reward failed (or did not apply) on a gold candidate cannot be ranked: it is
left out of the reward's numbers and counted, and the baselines are given both on all prompts and
on the prompts the reward ranked.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from ...core.spec import Spec
from ..metrics.bon import RULES, BonPrompt, TieBreak, expected_best_of_n, kl_bon, public_rm_picks, rule_scores
from ..metrics.stats import mean_se
from .bon_data import load_bon
from .rundir import RunOutcome, reward_info, write_evaluation
from .scoring import score_all

__all__ = ["BonOptions", "baseline_table", "evaluate_bon", "run_bon"]


@dataclass(frozen=True)
class BonOptions:
    """Settings of a best-of-N evaluation."""

    ns: tuple[int, ...] = (1, 2, 4, 8)
    tie_break: TieBreak = "random"
    all_candidates: bool = False
    batch_size: int = 32
    progress: bool | None = None


def _k_common(prompts: Sequence[BonPrompt]) -> int:
    return min(len(p.gold_indices) for p in prompts)


def _ns(requested: Sequence[int], k: int) -> list[int]:
    bad = [n for n in requested if n < 1]
    if bad:
        raise ValueError(f"N must be at least 1, got {bad}")
    return sorted({n for n in requested if n <= k} | {k})


def baseline_table(prompts: Sequence[BonPrompt], ns: Sequence[int]) -> dict[str, dict[str, dict[str, float]]]:
    """Expected gold (mean, se over prompts) of every baseline rule at each N."""
    values: dict[str, dict[int, list[float]]] = {rule: {n: [] for n in ns} for rule in RULES}
    for p in prompts:
        idx = p.gold_indices
        cands = [p.candidates[i] for i in idx]
        gold = [float(p.gold[i]) for i in idx]  # type: ignore[arg-type]
        for rule in RULES:
            scores = rule_scores(rule, cands, gold)
            tie: TieBreak = "random" if rule == "random pick (expected)" else "index"
            for n in ns:
                values[rule][n].append(expected_best_of_n(scores, gold, min(n, len(idx)), tie_break=tie))
    table: dict[str, dict[str, dict[str, float]]] = {}
    for rule in RULES:
        table[rule] = {}
        for n in ns:
            mean, se = mean_se(values[rule][n])
            table[rule][str(n)] = {"mean": mean, "se": se}
    return table


def evaluate_bon(
    spec: Spec, prompts: Sequence[BonPrompt], options: BonOptions | None = None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Score the candidates with ``spec`` and compute the best-of-N tables and curves."""
    opt = options or BonOptions()
    if not prompts:
        raise ValueError("no prompts to evaluate")
    k = _k_common(prompts)
    ns = _ns(opt.ns, k)
    curve_ns = list(range(1, k + 1))

    samples: list[dict[str, Any]] = []
    groups: list[int] = []
    where: list[tuple[int, int]] = []
    for g, p in enumerate(prompts):
        indices = range(len(p.candidates)) if opt.all_candidates else p.gold_indices
        for i in indices:
            samples.append(
                {
                    "id": f"{p.id}#{i}",
                    "prompt_id": p.id,
                    "candidate": i,
                    "dataset": p.dataset,
                    "prompt": p.instruction,
                    "completion": p.candidates[i],
                }
            )
            groups.append(g)
            where.append((g, i))
    scored = score_all(
        spec, samples, batch_size=opt.batch_size, progress=opt.progress, groups=groups, description="scoring candidates"
    )
    per_prompt: list[list[float | None]] = [[None] * len(p.candidates) for p in prompts]
    statuses: list[list[str | None]] = [[None] * len(p.candidates) for p in prompts]
    for (g, i), result, score in zip(where, scored.results, scored.scores, strict=True):
        per_prompt[g][i] = score
        statuses[g][i] = result.status.value

    rows: list[dict[str, Any]] = []
    ranked: list[int] = []
    reward_curve_values: dict[int, list[float]] = {n: [] for n in curve_ns}
    best_of_all: list[tuple[float, float]] = []  # (lower, upper) gold of the reward's pick over all candidates
    for g, p in enumerate(prompts):
        idx = p.gold_indices
        gold = [float(p.gold[i]) for i in idx]  # type: ignore[arg-type]
        s = [per_prompt[g][i] for i in idx]
        row: dict[str, Any] = {
            "id": p.id,
            "dataset": p.dataset,
            "scores": per_prompt[g],
            "statuses": statuses[g],
            "gold": p.gold,
            "chars": [len(c) for c in p.candidates],
            "ranked": all(v is not None for v in s),
        }
        if row["ranked"]:
            ranked.append(g)
            values = {n: expected_best_of_n(s, gold, min(n, len(idx)), tie_break=opt.tie_break) for n in curve_ns}
            for n in curve_ns:
                reward_curve_values[n].append(values[n])
            row["expected_gold"] = {str(n): values[n] for n in ns}
        if opt.all_candidates:
            bounds = _best_of_all_bounds(per_prompt[g], p.gold)
            if bounds is not None:
                best_of_all.append(bounds)
                row["best_of_all_gold_bounds"] = list(bounds)
        rows.append(row)

    ranked_prompts = [prompts[g] for g in ranked]
    baselines_all = baseline_table(prompts, curve_ns)
    if len(ranked_prompts) == len(prompts):
        baselines_ranked = baselines_all
    else:
        baselines_ranked = baseline_table(ranked_prompts, curve_ns) if ranked_prompts else {}
    reward_table = {str(n): _mean_se_dict(reward_curve_values[n]) for n in curve_ns}

    table = {
        "reward": {str(n): reward_table[str(n)] for n in ns},
        "baselines_all_prompts": {r: {str(n): v[str(n)] for n in ns} for r, v in baselines_all.items()},
        "baselines_ranked_prompts": {r: {str(n): v[str(n)] for n in ns} for r, v in baselines_ranked.items()},
    }
    curves = {
        "n": curve_ns,
        "kl": [kl_bon(n) for n in curve_ns],
        "reward": [reward_table[str(n)]["mean"] for n in curve_ns],
        "baselines": {r: [v[str(n)]["mean"] for n in curve_ns] for r, v in (baselines_ranked or baselines_all).items()},
    }
    metrics: dict[str, Any] = {
        "k": k,
        "ns": ns,
        "tie_break": opt.tie_break,
        "prompts": len(prompts),
        "prompts_ranked": len(ranked),
        "prompts_unranked": len(prompts) - len(ranked),
        "table": table,
        "curves": curves,
        "public_rm_best_of_all": public_rm_picks(prompts),
        "rules": RULES,
    }
    if opt.all_candidates:
        metrics["reward_best_of_all"] = _bounds_summary(best_of_all, len(prompts[0].candidates))
    top = str(k)
    reward_top = reward_table[top]["mean"]
    base = baselines_ranked or baselines_all
    headline: dict[str, Any] = {f"gold@{n}": reward_table[str(n)]["mean"] for n in ns}
    headline.update(
        {
            "random": base["random pick (expected)"][top]["mean"],
            f"oracle@{k}": base["oracle (max gold)"][top]["mean"],
            f"longest@{k}": base["longest answer"][top]["mean"],
            f"gain_over_random@{k}": None
            if reward_top is None
            else reward_top - base["random pick (expected)"][top]["mean"],
            "prompts_ranked": len(ranked),
            "failed_samples": scored.failures,
        }
    )
    return {"headline": headline, "metrics": metrics, "failures": scored.failure_summary()}, rows


def _mean_se_dict(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"mean": None, "se": None, "n": 0}
    mean, se = mean_se(values)
    return {"mean": mean, "se": se, "n": len(values)}


def _best_of_all_bounds(scores: list[float | None], gold: list[float | None]) -> tuple[float, float] | None:
    """Gold bounds of the reward's pick over every candidate (random tie-break among the top)."""
    if any(s is None for s in scores):
        return None
    arr = np.asarray(scores, dtype=float)
    top = np.flatnonzero(arr == arr.max())
    lower = float(np.mean([gold[i] if gold[i] is not None else 0.0 for i in top]))
    upper = float(np.mean([gold[i] if gold[i] is not None else 1.0 for i in top]))
    return lower, upper


def _bounds_summary(bounds: list[tuple[float, float]], n_candidates: int) -> dict[str, Any]:
    if not bounds:
        return {"prompts": 0}
    lo = np.array([b[0] for b in bounds])
    hi = np.array([b[1] for b in bounds])
    known = lo == hi
    out: dict[str, Any] = {
        "candidates": n_candidates,
        "prompts": len(bounds),
        "picks_with_gold": int(known.sum()),
        "picks_without_gold": int((~known).sum()),
        "lower_bound": float(lo.mean()),
        "upper_bound": float(hi.mean()),
        "mean": None,
        "se": None,
    }
    if known.all():
        out["mean"], out["se"] = mean_se(list(lo))
    return out


def run_bon(
    spec: Spec,
    data_path: str,
    *,
    reward_ref: str | None = None,
    out: str | None = None,
    options: BonOptions | None = None,
    limit: int | None = None,
    record: bool = True,
) -> RunOutcome:
    """Evaluate ``spec`` on a best-of-N file and write a run directory."""
    opt = options or BonOptions()

    def header(prompts: list[BonPrompt], result: dict[str, Any]) -> dict[str, Any]:
        data = {
            "path": os.path.abspath(data_path),
            "prompts": len(prompts),
            "candidates": len(prompts[0].candidates),
            "gold_candidates": result["metrics"]["k"],
            "limit": limit,
        }
        params = asdict(opt) | {"progress": None, "ns": list(opt.ns)}
        return {"reward": reward_info(spec, reward_ref), "data": data, "params": params}

    return write_evaluation(
        "bon",
        out,
        load=lambda: load_bon(data_path, limit=limit),
        evaluate=lambda prompts: evaluate_bon(spec, prompts, opt),
        header=header,
        record=record,
    )
