"""Probe catalogs, one module per verifier kind; each builds a :class:`ProbeSet` for a configured reward.

``BUILDERS`` maps a reward's registered name to the module that probes it; ``DEFAULT_CONFIGS``
lists the configurations ``rewardlab stress`` probes when no spec is given (every built-in
verifier, with its defaults, and the alternative modes worth attacking).
"""

from __future__ import annotations

import importlib
from typing import Any

from ..probe import ProbeSet, Unprobeable

__all__ = [
    "BUILDERS",
    "DEFAULT_CONFIGS",
    "NOT_PROBED",
    "NOT_PROBED_FAMILIES",
    "build_probe_set",
    "probed_kinds",
    "why_not_probed",
]

BUILDERS: dict[str, str] = {
    "math": "math",
    "code": "code",
    "format": "format",
    "json_schema": "json_schema",
    "choice": "choice",
    "qa": "qa",
    "sql": "sql",
    "ifeval": "ifeval",
    "toolcall": "toolcall",
    "exact_match": "exact_match",
}

# The configurations probed by `rewardlab stress` with no spec.
DEFAULT_CONFIGS: list[dict[str, Any]] = [
    {"type": "math"},
    {"type": "code"},
    {"type": "format", "template": "think_answer"},
    {"type": "format", "template": "answer"},
    {"type": "format", "template": "json"},
    {"type": "json_schema"},
    {"type": "choice"},
    {"type": "qa"},
    {"type": "sql"},
    {"type": "ifeval"},
    {"type": "toolcall"},
    {"type": "exact_match"},
    {"type": "exact_match", "extract": "answer_tag"},
]

# Verifiers with no probe set, and why (shown instead of silently skipping them).
NOT_PROBED = {
    "overlong": "a length penalty, not a correctness check",
    "length_band": "a length reward, not a correctness check",
    "length": "the raw length, not a correctness check",
    "repetition": "a repetition penalty, not a correctness check",
}

# Families of rewards `rewardlab stress` does not probe, and why: it attacks the verifiers of a
# reward tree, so a composite is probed through the verifiers below it.
NOT_PROBED_FAMILIES = {
    "combinator": "a combinator: stress probes the verifiers it combines",
    "ensemble": "an ensemble: stress probes the verifiers among its members",
    "transform": "a transform of its child's score: stress probes the verifiers below it",
    "normalization": "a batch statistic of its child's scores: stress probes the verifiers below it",
    "model": "a learned reward: its robustness is measured by `rewardlab eval robustness`, not by probes",
    "function": "a user's function: rewardlab has no probe set that knows what it checks",
    "label_free": "a label-free group statistic over a verifier: stress probes the verifier it uses",
    "agents": "a reward of environment transitions, not of text: stress probes text verifiers",
    "intrinsic": "an exploration bonus of environment transitions, not of text: stress probes text verifiers",
}


def probed_kinds() -> list[str]:
    return sorted(BUILDERS)


def why_not_probed(kind: str, family: str) -> str | None:
    """Why rewards of type ``kind`` (of ``family``) have no probe set; ``None`` when they have one.

    >>> why_not_probed("math", "verifier") is None, why_not_probed("length", "verifier")
    (True, 'the raw length, not a correctness check')
    """
    if kind in BUILDERS:
        return None
    return NOT_PROBED.get(kind) or NOT_PROBED_FAMILIES.get(family)


def build_probe_set(kind: str, reward: Any) -> ProbeSet:
    """The probe set of ``reward`` (of registered type ``kind``); raises :class:`Unprobeable`."""
    if kind not in BUILDERS:
        reason = why_not_probed(kind, getattr(type(reward), "family", ""))
        raise Unprobeable(reason or f"no probe set for reward type '{kind}'")
    module = importlib.import_module(f"{__name__}.{BUILDERS[kind]}")
    return module.build(reward)
