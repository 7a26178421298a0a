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

Three layers, each a package:

- :mod:`.metrics`: pure computations (``rewardlab.evaluate.metrics.bon.expected_best_of_n``,
  ``...metrics.distance.epic_distance``, ``...metrics.rewardbench.section_scores``, the
  meaning-preserving rewrites ...): numbers in, numbers out, no files;
- :mod:`.runs`: the drivers that read data, score it through a spec and write run directories
  (one module per evaluation kind, the run directory and store, the data loaders);
- :mod:`.report`: the standalone HTML report of a run (page, plots, one section per kind).

:mod:`.stress` (adversarial probes of verifiers) is its own package. Importing this package is
light: the names below load on first use, and matplotlib and scipy only when a plot or a rank
correlation is computed.

>>> import rewardlab.evaluate as ev
>>> ev.kl_bon(1)
0.0
"""

from __future__ import annotations

from ..core.lazy import lazy_exports

_EXPORTS = {
    "run_prefs": ".runs.prefs",
    "evaluate_preferences": ".runs.prefs",
    "PrefsOptions": ".runs.prefs",
    "run_bon": ".runs.bon",
    "evaluate_bon": ".runs.bon",
    "BonOptions": ".runs.bon",
    "run_robustness": ".runs.robustness",
    "evaluate_robustness": ".runs.robustness",
    "RobustnessOptions": ".runs.robustness",
    "run_agreement": ".runs.agreement",
    "evaluate_agreement": ".runs.agreement",
    "AgreementOptions": ".runs.agreement",
    "run_distance": ".runs.distance",
    "evaluate_distance": ".runs.distance",
    "DistanceOptions": ".runs.distance",
    "expected_best_of_n": ".metrics.bon",
    "kl_bon": ".metrics.bon",
    "load_bon": ".runs.bon_data",
    "epic_distance": ".metrics.distance",
    "starc_distance": ".metrics.distance",
    "grouped_distance": ".metrics.distance",
    "preference_accuracy": ".metrics.preference",
    "section_scores": ".metrics.rewardbench",
    "ties_score": ".metrics.rewardbench",
    "load_preferences": ".runs.pairs",
    "build_report": ".runs.rundir",
    "RunStore": ".runs.store",
    "TRANSFORMS": ".metrics.transforms",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
