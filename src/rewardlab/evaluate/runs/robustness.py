"""``eval robustness``: how a reward's preferences survive meaning-preserving rewrites.

The pairs are scored once as they are; then, for each transform
(:mod:`rewardlab.evaluate.metrics.transforms`), the pairs it changes are rewritten and scored
again. Per transform: how many pairs it changed, ranking consistency with the untransformed pair,
accuracy before and after and the change, flips, and the mean absolute score change
(:func:`rewardlab.evaluate.metrics.robustness.transform_metrics`). Pairs with a response
the reward could not score, before or after, are left out of that transform and counted.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from ...core.spec import Spec
from ..metrics.preference import preference_accuracy
from ..metrics.robustness import transform_metrics
from ..metrics.transforms import TRANSFORMS, Transform, rng_for
from .pairs import PreferencePair, PreferenceSet, load_preferences
from .rundir import RunOutcome, reward_info, write_evaluation
from .scoring import pairwise_field, score_all

__all__ = ["RobustnessOptions", "evaluate_robustness", "run_robustness"]


@dataclass(frozen=True)
class RobustnessOptions:
    """Settings of a robustness evaluation."""

    transforms: tuple[str, ...] = field(default_factory=lambda: tuple(TRANSFORMS))
    seed: int = 0
    batch_size: int = 32
    progress: bool | None = None
    pairwise_field: str | None = None
    """For a pairwise reward: the field of the other response (default: the reward's ``baseline_field``)."""


def _rewrite(t: Transform, pair: PreferencePair, seed: int) -> tuple[Any, str, str] | None:
    """The transformed (prompt, chosen, rejected), or ``None`` when the transform changes nothing."""
    if t.target == "prompt":
        prompt = t.func(pair.prompt, rng_for(seed, t.name, pair.id))
        return None if prompt == pair.prompt else (prompt, pair.chosen, pair.rejected)
    chosen = pair.chosen if t.sides == "rejected" else t.func(pair.chosen, rng_for(seed, t.name, pair.id + "/c"))
    rejected = t.func(pair.rejected, rng_for(seed, t.name, pair.id + "/r"))
    if chosen == pair.chosen and rejected == pair.rejected:
        return None
    return pair.prompt, chosen, rejected


def evaluate_robustness(
    spec: Spec, pairs: Sequence[PreferencePair], options: RobustnessOptions | None = None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Score ``pairs`` as they are and under each transform; per-transform metrics and rows."""
    opt = options or RobustnessOptions()
    unknown = [t for t in opt.transforms if t not in TRANSFORMS]
    if unknown:
        raise ValueError(f"unknown transform(s) {', '.join(unknown)}; expected some of: {', '.join(TRANSFORMS)}")
    if not pairs:
        raise ValueError("no preference pairs to evaluate")

    # one scoring pass: the originals, then every changed pair under every transform. A pointwise
    # reward scores both answers; a pairwise one judges the pair once: P(chosen wins) = p, read as
    # chosen p and rejected 1 - p.
    pairwise = opt.pairwise_field or pairwise_field(spec)
    width = 1 if pairwise else 2

    def pair_samples(base: dict[str, Any], chosen: str, rejected: str) -> list[dict[str, Any]]:
        if pairwise:
            return [{**base, "completion": chosen, pairwise: rejected}]
        return [{**base, "completion": chosen}, {**base, "completion": rejected}]

    samples: list[dict[str, Any]] = []
    groups: list[int] = []
    for g, p in enumerate(pairs):
        samples += pair_samples({**p.meta, "id": p.id, "prompt": p.prompt}, p.chosen, p.rejected)
        groups += [g] * width
    plan: list[tuple[str, int, int]] = []  # (transform, pair index, offset of its samples)
    g = len(pairs)
    for name in opt.transforms:
        t = TRANSFORMS[name]
        for i, p in enumerate(pairs):
            rewritten = _rewrite(t, p, opt.seed)
            if rewritten is None:
                continue
            prompt, chosen, rejected = rewritten
            base = {**p.meta, "id": f"{p.id}:{name}", "prompt": prompt, "transform": name}
            plan.append((name, i, len(samples)))
            samples += pair_samples(base, chosen, rejected)
            groups += [g] * width
            g += 1
    scored = score_all(
        spec,
        samples,
        batch_size=opt.batch_size,
        progress=opt.progress,
        groups=groups,
        description="scoring pairs and rewrites",
    )
    s = scored.scores

    def read(off: int) -> tuple[float | None, float | None]:
        if pairwise:
            p = s[off]
            return p, None if p is None else 1.0 - p
        return s[off], s[off + 1]

    def statuses(off: int) -> list[str]:
        return [scored.results[off + j].status.value for j in range(width)]

    originals = [read(width * i) for i in range(len(pairs))]
    orig_c = [c for c, _ in originals]
    orig_r = [r for _, r in originals]
    base_acc = preference_accuracy(orig_c, orig_r, n_boot=200)

    rows: list[dict[str, Any]] = []
    by_transform: dict[str, dict[str, list[float]]] = {
        name: {"bc": [], "br": [], "ac": [], "ar": []} for name in opt.transforms
    }
    changed = dict.fromkeys(opt.transforms, 0)
    unscored = dict.fromkeys(opt.transforms, 0)
    for name, i, off in plan:
        changed[name] += 1
        quad = (orig_c[i], orig_r[i], *read(off))
        ok = all(v is not None for v in quad)
        if ok:
            acc = by_transform[name]
            acc["bc"].append(quad[0])  # type: ignore[arg-type]
            acc["br"].append(quad[1])  # type: ignore[arg-type]
            acc["ac"].append(quad[2])  # type: ignore[arg-type]
            acc["ar"].append(quad[3])  # type: ignore[arg-type]
        else:
            unscored[name] += 1
        rows.append(
            {
                "id": pairs[i].id,
                "transform": name,
                "chosen_before": quad[0],
                "rejected_before": quad[1],
                "chosen_after": quad[2],
                "rejected_after": quad[3],
                "consistent": bool(np.sign(quad[0] - quad[1]) == np.sign(quad[2] - quad[3])) if ok else None,  # type: ignore[operator]
                "status_after": statuses(off),
            }
        )

    per_transform: dict[str, dict[str, Any]] = {}
    for name in opt.transforms:
        acc = by_transform[name]
        m = transform_metrics(acc["bc"], acc["br"], acc["ac"], acc["ar"])
        t = TRANSFORMS[name]
        m.update(
            target=t.target,
            sides=t.sides,
            description=t.description,
            pairs_changed=changed[name],
            pairs_unscored=unscored[name],
        )
        per_transform[name] = m
    measured = {k: v for k, v in per_transform.items() if v["consistency"] is not None}
    worst = min(measured, key=lambda k: measured[k]["consistency"]) if measured else None
    headline = {
        "accuracy": base_acc["accuracy"],
        "mean_consistency": float(np.mean([v["consistency"] for v in measured.values()])) if measured else None,
        "worst_transform": worst,
        "worst_consistency": measured[worst]["consistency"] if worst else None,
        "largest_accuracy_drop": min((v["accuracy_change"] for v in measured.values()), default=None),
        "failed_samples": scored.failures,
    }
    metrics = {
        "base_accuracy": base_acc,
        "transforms": per_transform,
        "pairs": len(pairs),
        "mode": "pairwise" if pairwise else "pointwise",
    }
    return {"headline": headline, "metrics": metrics, "failures": scored.failure_summary()}, rows


def run_robustness(
    spec: Spec,
    data_path: str,
    *,
    reward_ref: str | None = None,
    out: str | None = None,
    options: RobustnessOptions | None = None,
    limit: int | None = None,
    record: bool = True,
    strict: bool = False,
) -> RunOutcome:
    """Evaluate ``spec``'s robustness on a preference file and write a run directory (a malformed
    line is skipped and counted; with ``strict`` it raises before the run directory is made)."""
    opt = options or RobustnessOptions()

    def load() -> PreferenceSet:
        data = load_preferences(data_path, limit=limit, strict=strict)
        if not data.pairs:
            raise ValueError(f"{data_path}: no chosen/rejected pairs (robustness needs pairs)")
        return data

    def header(data: PreferenceSet, result: dict[str, Any]) -> dict[str, Any]:
        info = {
            "path": os.path.abspath(data_path),
            "pairs": len(data.pairs),
            "lines_read": data.read,
            "skipped_lines": len(data.skipped),
            "skipped_examples": data.skipped[:5],
            "limit": limit,
        }
        params = asdict(opt) | {"progress": None, "transforms": list(opt.transforms)}
        return {"reward": reward_info(spec, reward_ref), "data": info, "params": params}

    return write_evaluation(
        "robustness",
        out,
        load=load,
        evaluate=lambda data: evaluate_robustness(spec, data.pairs, opt),
        header=header,
        record=record,
    )
