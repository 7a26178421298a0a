"""Evaluating rewards: preference accuracy, best-of-N, robustness, agreement, distances, reports.

Every evaluation scores samples through the reward contract (``Spec.score_batch``), never reads
a failed sample as 0, and can write a run directory (``summary.json``, ``samples.jsonl``,
``report.html``) recorded in the run store:

=====================  =====================================================================
``run_prefs``          preference accuracy (+ RewardBench v1/v2, length baselines, calibration)
``run_bon``            best-of-N against a gold judge, exact over all N-subsets; over-optimization
``run_robustness``     ranking consistency under meaning-preserving rewrites
``run_agreement``      two rewards on the same samples: agreement, kappa, rank correlations
``run_distance``       EPIC / STARC distance between two rewards on grouped completions
=====================  =====================================================================

The computations are importable on their own (``rewardlab.evaluate.bon.expected_best_of_n``,
``rewardlab.evaluate.distance.epic_distance``, ``rewardlab.evaluate.rewardbench.section_scores``
...). Importing this package is light: names load on first use, and matplotlib and scipy only
when a plot or a rank correlation is computed.

>>> import rewardlab.evaluate as ev
>>> ev.kl_bon(1)
0.0
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "run_prefs": "eval_prefs",
    "evaluate_preferences": "eval_prefs",
    "PrefsOptions": "eval_prefs",
    "run_bon": "eval_bon",
    "evaluate_bon": "eval_bon",
    "BonOptions": "eval_bon",
    "run_robustness": "eval_robustness",
    "evaluate_robustness": "eval_robustness",
    "RobustnessOptions": "eval_robustness",
    "run_agreement": "eval_agreement",
    "evaluate_agreement": "eval_agreement",
    "AgreementOptions": "eval_agreement",
    "run_distance": "eval_distance",
    "evaluate_distance": "eval_distance",
    "DistanceOptions": "eval_distance",
    "expected_best_of_n": "bon",
    "kl_bon": "bon",
    "load_bon": "bon",
    "epic_distance": "distance",
    "starc_distance": "distance",
    "grouped_distance": "distance",
    "preference_accuracy": "preference",
    "section_scores": "rewardbench",
    "ties_score": "rewardbench",
    "load_preferences": "pairs",
    "build_report": "rundir",
    "RunStore": "store",
    "TRANSFORMS": "transforms",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'rewardlab.evaluate' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
