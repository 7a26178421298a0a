"""``eval agreement``: two rewards on the same samples -- do they agree, and do they rank alike?

Both rewards score every sample; :func:`.agreement.agreement` compares their verdicts (pass when
score >= threshold) and their rankings. With ``gold_field`` (e.g. ``is_correct``), each reward is
also compared with that label, so a disagreement can be traced to the reward that is wrong.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from ...core.spec import Spec
from ..metrics.agreement import agreement
from .rundir import RunOutcome, write_pair_evaluation
from .scoring import score_all

__all__ = ["AgreementOptions", "evaluate_agreement", "run_agreement"]


@dataclass(frozen=True)
class AgreementOptions:
    """Settings of an agreement evaluation."""

    threshold_a: float = 0.5
    threshold_b: float = 0.5
    gold_field: str | None = None
    gold_threshold: float = 0.5
    batch_size: int = 32
    progress: bool | None = None


def _gold(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, (int, float)):
        return float(value)
    raise ValueError(f"gold label {value!r}: expected a boolean or a number")


def evaluate_agreement(
    spec_a: Spec, spec_b: Spec, samples: Sequence[dict[str, Any]], options: AgreementOptions | None = None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Score ``samples`` with both rewards and compare them (and each with the gold label)."""
    opt = options or AgreementOptions()
    if not samples:
        raise ValueError("no samples to compare the rewards on")
    a = score_all(
        spec_a, samples, batch_size=opt.batch_size, progress=opt.progress, description=f"scoring ({spec_a.name})"
    )
    b = score_all(
        spec_b, samples, batch_size=opt.batch_size, progress=opt.progress, description=f"scoring ({spec_b.name})"
    )
    stats = agreement(a.scores, b.scores, threshold_a=opt.threshold_a, threshold_b=opt.threshold_b)
    metrics: dict[str, Any] = {"a_vs_b": stats, "samples": len(samples)}
    gold: list[float | None] | None = None
    if opt.gold_field:
        gold = [_gold(s.get(opt.gold_field)) for s in samples]
        if all(g is None for g in gold):
            raise ValueError(f"no sample has the gold field '{opt.gold_field}'")
        metrics["a_vs_gold"] = agreement(a.scores, gold, threshold_a=opt.threshold_a, threshold_b=opt.gold_threshold)
        metrics["b_vs_gold"] = agreement(b.scores, gold, threshold_a=opt.threshold_b, threshold_b=opt.gold_threshold)
    rows = []
    for i, s in enumerate(samples):
        ra, rb = a.results[i], b.results[i]
        rows.append(
            {
                "id": s.get("id", i),
                "score_a": a.scores[i],
                "score_b": b.scores[i],
                "status_a": ra.status.value,
                "status_b": rb.status.value,
                "error_a": ra.error,
                "error_b": rb.error,
                **({"gold": gold[i]} if gold is not None else {}),
            }
        )
    headline = {
        "agreement": stats["agreement"],
        "kappa": stats["kappa"],
        "spearman": stats["spearman"],
        "kendall": stats["kendall"],
        "samples_compared": stats["n"],
        "failed_samples_a": a.failures,
        "failed_samples_b": b.failures,
    }
    if gold is not None:
        headline["a_vs_gold_agreement"] = metrics["a_vs_gold"]["agreement"]
        headline["b_vs_gold_agreement"] = metrics["b_vs_gold"]["agreement"]
    failures = {"a": a.failure_summary(), "b": b.failure_summary()}
    return {"headline": headline, "metrics": metrics, "failures": failures}, rows


def run_agreement(
    spec_a: Spec,
    spec_b: Spec,
    data_path: str,
    *,
    refs: tuple[str | None, str | None] = (None, None),
    mapping: dict[str, str] | None = None,
    out: str | None = None,
    options: AgreementOptions | None = None,
    limit: int | None = None,
    record: bool = True,
) -> RunOutcome:
    """Compare two rewards on a sample file and write a run directory."""
    opt = options or AgreementOptions()
    return write_pair_evaluation(
        "agreement",
        (spec_a, spec_b),
        data_path,
        lambda samples: evaluate_agreement(spec_a, spec_b, samples, opt),
        params=asdict(opt) | {"progress": None},
        refs=refs,
        mapping=mapping,
        out=out,
        limit=limit,
        record=record,
    )
