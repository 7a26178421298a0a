"""Stress tests for verifiers: adversarial probes that must not be paid, and a system that must stay healthy.

``rewardlab stress -r SPEC`` (or with no spec: every built-in verifier) runs, against each
verifier, the attacks policies find in RL: an empty answer, hedging ("A or B"), many candidates
at once, the question restated, the format without content, huge input, nested or empty
``\\boxed{}``, Unicode look-alikes, "the answer is correct" injections, and for code: early
exit, checker redefinition, infinite loops, fork bombs, memory hogs, network access and writes
outside the sandbox.

- :mod:`.probe` -- what a probe and a probe set are;
- :mod:`.catalog` -- the probe sets, one module per verifier kind;
- :mod:`.runner` -- scoring in a worker process with a time limit, health checks;
- :mod:`.worker` -- the worker process;
- :mod:`.report` -- the report, as rich tables or JSON.

>>> from rewardlab.evaluate.stress import default_targets, run_stress
>>> report = run_stress(default_targets(["qa"]), isolation="inline", timeout_s=30)
>>> report.passed, len(report.verifiers[0].outcomes) > 10
(True, True)
"""

from .probe import CORRECT, WRONG, Probe, ProbeSet, Unprobeable
from .report import ProbeOutcome, StressReport, VerifierReport
from .runner import StressTarget, default_targets, probe_verifier, run_stress, targets_from_reward

__all__ = [
    "CORRECT",
    "WRONG",
    "Probe",
    "ProbeOutcome",
    "ProbeSet",
    "StressReport",
    "StressTarget",
    "Unprobeable",
    "VerifierReport",
    "default_targets",
    "probe_verifier",
    "run_stress",
    "targets_from_reward",
]
