"""``eval distance``: EPIC / STARC distance between two rewards on groups of completions.

Both rewards score every completion; completions are grouped by prompt (``group_key``, or the
prompt of a best-of-N row's candidates) and :func:`.distance.grouped_distance` compares the two
rewards after removing each prompt's mean (the gamma = 0 canonicalization). 0 means the rewards
rank every prompt's completions identically up to a per-prompt offset and a positive scale; 1
means one is the other's negation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from ...core.spec import Spec
from ..metrics.distance import grouped_distance
from .rundir import RunOutcome, write_pair_evaluation
from .sample_data import group_of
from .scoring import score_all

__all__ = ["DistanceOptions", "evaluate_distance", "run_distance"]


@dataclass(frozen=True)
class DistanceOptions:
    """Settings of a reward-distance evaluation."""

    group_key: str = "prompt_id"
    batch_size: int = 32
    progress: bool | None = None


def evaluate_distance(
    spec_a: Spec, spec_b: Spec, samples: Sequence[dict[str, Any]], options: DistanceOptions | None = None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Score ``samples`` with both rewards and compute the grouped EPIC / STARC distances."""
    opt = options or DistanceOptions()
    key = opt.group_key
    if samples and key not in samples[0] and key == "prompt_id":
        key = "prompt"  # plain sample files: group by the prompt itself
    groups = [group_of(s, key) for s in samples]
    index: dict[str, int] = {}
    group_ids = [index.setdefault(g, len(index)) for g in groups]
    a, b = (
        score_all(
            spec,
            samples,
            batch_size=opt.batch_size,
            progress=opt.progress,
            groups=group_ids,
            description=f"scoring ({spec.name})",
        )
        for spec in (spec_a, spec_b)
    )
    keep = [i for i in range(len(samples)) if a.scores[i] is not None and b.scores[i] is not None]
    dist = grouped_distance(
        [a.scores[i] for i in keep],
        [b.scores[i] for i in keep],
        [group_ids[i] for i in keep],  # type: ignore[misc]
    )
    rows = [
        {
            "id": s.get("id", i),
            "group": group_ids[i],
            "score_a": a.scores[i],
            "score_b": b.scores[i],
            "status_a": a.results[i].status.value,
            "status_b": b.results[i].status.value,
        }
        for i, s in enumerate(samples)
    ]
    headline = {
        "epic": dist["epic"],
        "starc": dist["starc"],
        "groups": dist["groups"],
        "completions": dist["completions"],
        "unscored_samples": len(samples) - len(keep),
    }
    metrics = {"distance": dist, "group_key": key, "gamma": 0.0, "samples": len(samples)}
    return {
        "headline": headline,
        "metrics": metrics,
        "failures": {"a": a.failure_summary(), "b": b.failure_summary()},
    }, rows


def run_distance(
    spec_a: Spec,
    spec_b: Spec,
    data_path: str,
    *,
    refs: tuple[str | None, str | None] = (None, None),
    mapping: dict[str, str] | None = None,
    out: str | None = None,
    options: DistanceOptions | None = None,
    limit: int | None = None,
    record: bool = True,
) -> RunOutcome:
    """Compute the distance between two rewards on a grouped sample file and write a run directory."""
    opt = options or DistanceOptions()
    return write_pair_evaluation(
        "distance",
        (spec_a, spec_b),
        data_path,
        lambda samples: evaluate_distance(spec_a, spec_b, samples, opt),
        params=asdict(opt) | {"progress": None},
        refs=refs,
        mapping=mapping,
        out=out,
        limit=limit,
        record=record,
    )
