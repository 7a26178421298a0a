"""``eval prefs``: preference accuracy of any reward on chosen/rejected data, with its confounders.

One run scores every chosen and rejected response (each pair in the same batch), then reports:
accuracy overall and per subset with bootstrap intervals (ties are misses, as in RewardBench; ties
and unscored pairs counted), the RewardBench v1 section scores when the subsets are RewardBench's,
the v2 best-of-4 / Ties scores for ranked items, the "longer wins" / "shorter wins" baselines and
the accuracy split by which answer is longer, the score-length correlation, and the calibration
of sigma(r_c - r_r).

>>> from rewardlab.core.spec import resolve
>>> from rewardlab.evaluate.runs.pairs import PreferencePair, PreferenceSet
>>> q = [{"role": "user", "content": "q"}]
>>> data = PreferenceSet(pairs=[PreferencePair("1", q, "a long answer", "short"),
...                             PreferencePair("2", q, "tiny", "a much longer answer")])
>>> result, rows = evaluate_preferences(resolve("length_band", params={"min_length": 10, "unit": "chars"}), data)
>>> result["headline"]["accuracy"], result["headline"]["longer_wins"]
(0.5, 0.5)
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from ...core.spec import Spec
from ..metrics.calibration import calibration
from ..metrics.length_bias import length_baselines, length_split_accuracy, score_length_correlation
from ..metrics.preference import TIE_RULE, TIE_RULE_PAIRWISE, preference_accuracy, subset_accuracies
from ..metrics.rewardbench import v1_report, v2_report
from ..metrics.stats import spearman
from .pairs import PreferenceSet, load_preferences
from .rundir import RunOutcome, reward_info, write_evaluation
from .scoring import pairwise_field, score_all

__all__ = ["PrefsOptions", "evaluate_preferences", "pairwise_field", "run_prefs"]


@dataclass(frozen=True)
class PrefsOptions:
    """Settings of a preference evaluation."""

    batch_size: int = 32
    n_boot: int = 1000
    confidence: float = 0.95
    seed: int = 0
    calibration_bins: int = 10
    calibration_scale: float = 1.0
    progress: bool | None = None
    pairwise_field: str | None = None
    """Score each pair as one sample, the rejected answer in this field (a pairwise judge's
    ``baseline_field``); ``None``: detected from the reward (a reward with a ``baseline_field``)."""


def _outcome(c: float | None, r: float | None) -> str:
    if c is None or r is None:
        return "unscored"
    return "win" if c > r else "tie" if c == r else "loss"


def evaluate_preferences(
    spec: Spec, data: PreferenceSet, options: PrefsOptions | None = None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Score ``data`` with ``spec`` and compute every preference metric.

    Returns ``(result, rows)``: ``result`` holds ``headline``, ``metrics`` and ``failures`` for
    ``summary.json``; ``rows`` one per pair / ranked item for ``samples.jsonl``.
    """
    opt = options or PrefsOptions()
    boot = {"n_boot": opt.n_boot, "confidence": opt.confidence, "seed": opt.seed}
    pairwise = opt.pairwise_field or pairwise_field(spec)
    tie_boot = {**boot, "tie_value": 0.5 if pairwise else 0.0}  # RewardBench's tie rule for each kind
    if not data.pairs and (pairwise or not data.ranked):
        raise ValueError(
            "the data holds no preference pair to evaluate"
            if pairwise
            else "the data holds no preference pair or ranked item to evaluate"
        )
    samples: list[dict[str, Any]] = []
    groups: list[int] = []
    for g, pair in enumerate(data.pairs):
        if pairwise:  # one judgement per pair: P(chosen beats rejected)
            samples.append({**pair.sample("chosen"), pairwise: pair.rejected})
            groups.append(g)
        else:
            samples += [pair.sample("chosen"), pair.sample("rejected")]
            groups += [g, g]
    offset = len(data.pairs)
    if not pairwise:
        for g, item in enumerate(data.ranked):
            item_samples = item.samples()
            samples += item_samples
            groups += [offset + g] * len(item_samples)

    scored = score_all(
        spec, samples, batch_size=opt.batch_size, progress=opt.progress, groups=groups, description="scoring pairs"
    )
    scores = scored.scores
    results = scored.results

    rows: list[dict[str, Any]] = []
    n_pairs = len(data.pairs)
    if pairwise:
        # P(chosen wins) = p: chosen "scores" p and rejected 1 - p, so that chosen > rejected <=> p > 1/2 and a
        # tie is p = 1/2 (RewardBench's generative scripts count it as half a win: accuracy_ties_half)
        chosen_scores = list(scores)
        rejected_scores = [None if p is None else 1.0 - p for p in scores]
        pair_results = [(r, r) for r in results]
    else:
        chosen_scores = [scores[2 * i] for i in range(n_pairs)]
        rejected_scores = [scores[2 * i + 1] for i in range(n_pairs)]
        pair_results = [(results[2 * i], results[2 * i + 1]) for i in range(n_pairs)]
    for i, pair in enumerate(data.pairs):
        rc, rr = pair_results[i]
        c, r = chosen_scores[i], rejected_scores[i]
        rows.append(
            {
                "kind": "pair",
                "id": pair.id,
                "subset": pair.subset,
                "chosen_score": c,
                "rejected_score": r,
                "margin": None if c is None or r is None else c - r,
                "outcome": _outcome(c, r),
                "chosen_status": rc.status.value,
                "rejected_status": rr.status.value,
                "chosen_error": rc.error,
                "rejected_error": rr.error,
                "chosen_chars": len(pair.chosen),
                "rejected_chars": len(pair.rejected),
            }
        )

    metrics: dict[str, Any] = {
        "tie_rule": TIE_RULE_PAIRWISE if pairwise else TIE_RULE,
        "mode": "pairwise" if pairwise else "pointwise",
    }
    if pairwise:
        metrics["pairwise_field"] = pairwise
        metrics["ranked_items_not_evaluated"] = len(data.ranked)
    headline: dict[str, Any] = {}
    if n_pairs:
        overall = preference_accuracy(chosen_scores, rejected_scores, **tie_boot)
        subsets_named = any(p.subset is not None for p in data.pairs)
        per_subset = (
            subset_accuracies(chosen_scores, rejected_scores, [p.subset for p in data.pairs], **tie_boot)
            if subsets_named
            else {}
        )
        chosen_texts = [p.chosen for p in data.pairs]
        rejected_texts = [p.rejected for p in data.pairs]
        length = length_baselines(chosen_texts, rejected_texts, **tie_boot)
        length["reward_by_length"] = length_split_accuracy(
            chosen_scores, rejected_scores, chosen_texts, rejected_texts, **tie_boot
        )
        if per_subset:
            length["subsets"] = {}
            for name in per_subset:
                idx = [i for i, p in enumerate(data.pairs) if (p.subset or "(none)") == name]
                lb = length_baselines([chosen_texts[i] for i in idx], [rejected_texts[i] for i in idx], n_boot=1)
                length["subsets"][name] = {
                    "longer_wins": lb["longer_wins"]["accuracy"],
                    "shorter_wins": lb["shorter_wins"]["accuracy"],
                }
        if pairwise:  # P(chosen wins) against how much longer the chosen answer is
            diff_pairs = [
                (p, float(len(c) - len(r)))
                for p, c, r in zip(chosen_scores, chosen_texts, rejected_texts, strict=True)
                if p is not None
            ]
            rho = spearman([d[0] for d in diff_pairs], [d[1] for d in diff_pairs]) if len(diff_pairs) > 2 else None
            length["score_length_spearman"] = {
                "spearman": rho,
                "n": len(diff_pairs),
                "of": "P(chosen wins) vs chosen length - rejected length",
            }
        else:
            length["score_length_spearman"] = score_length_correlation(
                chosen_scores + rejected_scores, chosen_texts + rejected_texts
            )
        if pairwise:  # the judge states P(chosen wins) itself: calibrate p, i.e. the margin logit(p)
            logits = [None if p is None else _logit(p) for p in chosen_scores]
            cal = calibration(logits, [0.0] * n_pairs, n_bins=opt.calibration_bins)
        else:
            cal = calibration(chosen_scores, rejected_scores, n_bins=opt.calibration_bins, scale=opt.calibration_scale)
        rb1 = v1_report({k: v["accuracy"] for k, v in per_subset.items()}) if per_subset else None
        metrics.update(
            accuracy=overall,
            subsets=per_subset,
            length=length,
            calibration=cal,
            rewardbench_v1=rb1,
            score_stats=_score_stats(chosen_scores, rejected_scores),
        )
        headline.update(
            accuracy=overall["accuracy"],
            ci_low=overall["ci_low"],
            ci_high=overall["ci_high"],
            pairs=overall["n"],
            ties=overall["ties"],
            unscored_pairs=overall["unscored"],
            longer_wins=length["longer_wins"]["accuracy"],
            shorter_wins=length["shorter_wins"]["accuracy"],
            ece=cal["ece"],
        )
        if rb1 is not None:
            headline["rewardbench_v1"] = rb1["overall"]

    if data.ranked and not pairwise:
        v2_rows, v2 = _ranked(data, scores, results, offset=2 * n_pairs)
        rows += v2_rows
        metrics["rewardbench_v2"] = v2
        headline["rewardbench_v2"] = v2["overall"]
        headline["ranked_items"] = v2["n_scored"]

    failures = scored.failure_summary()
    headline["failed_samples"] = failures["failed"]
    return {"headline": headline, "metrics": metrics, "failures": failures}, rows


def _logit(p: float, eps: float = 1e-6) -> float:
    q = min(1.0 - eps, max(eps, float(p)))
    return math.log(q / (1.0 - q))


def _ranked(
    data: PreferenceSet, scores: list[float | None], results: list[Any], *, offset: int
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    usable: list[tuple[str, str | None, list[float], int]] = []
    pos = offset
    for item in data.ranked:
        k = len(item.responses)
        item_scores = scores[pos : pos + k]
        statuses = [r.status.value for r in results[pos : pos + k]]
        pos += k
        complete = all(s is not None for s in item_scores)
        if complete:
            usable.append((item.id, item.subset, [float(s) for s in item_scores], item.num_correct))  # type: ignore[arg-type]
        rows.append(
            {
                "kind": "ranked",
                "id": item.id,
                "subset": item.subset,
                "num_correct": item.num_correct,
                "scores": item_scores,
                "statuses": statuses,
                "scored": complete,
            }
        )
    report = v2_report(usable) if usable else {"subsets": {}, "overall": None}
    report["n_scored"] = len(usable)
    report["n_unscored"] = len(data.ranked) - len(usable)
    return rows, report


def _score_stats(chosen: list[float | None], rejected: list[float | None]) -> dict[str, Any]:
    def stats(values: list[float | None]) -> dict[str, Any]:
        arr = np.array([v for v in values if v is not None], dtype=float)
        if not arr.size:
            return {"n": 0}
        return {
            "n": int(arr.size),
            "mean": float(arr.mean()),
            "std": float(arr.std()),
            "min": float(arr.min()),
            "max": float(arr.max()),
        }

    margins = [c - r for c, r in zip(chosen, rejected, strict=True) if c is not None and r is not None]
    return {"chosen": stats(chosen), "rejected": stats(rejected), "margin": stats(list(margins))}


def run_prefs(
    spec: Spec,
    data_path: str,
    *,
    reward_ref: str | None = None,
    out: str | None = None,
    options: PrefsOptions | None = None,
    limit: int | None = None,
    subset_field: str = "subset",
    record: bool = True,
    strict: bool = False,
) -> RunOutcome:
    """Evaluate ``spec`` on a preference file and write a run directory (see :mod:`.rundir`).

    A malformed line is skipped and counted (``data.skipped_lines``); with ``strict`` it raises
    :class:`~rewardlab.core.errors.InputError` before the run directory is made."""
    import os

    opt = options or PrefsOptions()

    def header(data: PreferenceSet, result: dict[str, Any]) -> dict[str, Any]:
        info = {
            "path": os.path.abspath(data_path),
            "pairs": len(data.pairs),
            "ranked_items": len(data.ranked),
            "lines_read": data.read,
            "skipped_lines": len(data.skipped),
            "skipped_examples": data.skipped[:5],
            "limit": limit,
            "subset_field": subset_field,
        }
        return {"reward": reward_info(spec, reward_ref), "data": info, "params": asdict(opt) | {"progress": None}}

    return write_evaluation(
        "prefs",
        out,
        load=lambda: load_preferences(data_path, subset_field=subset_field, limit=limit, strict=strict),
        evaluate=lambda data: evaluate_preferences(spec, data, opt),
        header=header,
        record=record,
    )
