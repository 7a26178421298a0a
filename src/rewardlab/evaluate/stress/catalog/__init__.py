"""Probe catalogs, one module per verifier kind; each builds a :class:`ProbeSet` for a configured reward.

``BUILDERS`` maps a reward's registered name to the module that probes it; ``DEFAULT_CONFIGS``
lists the configurations ``rewardlab stress`` probes when no spec is given (every built-in
verifier, with its defaults, and the alternative modes worth attacking).
"""

from __future__ import annotations

import importlib
from typing import Any

from ..probe import ProbeSet, Unprobeable

__all__ = ["BUILDERS", "DEFAULT_CONFIGS", "build_probe_set", "probed_kinds"]

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


def probed_kinds() -> list[str]:
    return sorted(BUILDERS)


def build_probe_set(kind: str, reward: Any) -> ProbeSet:
    """The probe set of ``reward`` (of registered type ``kind``); raises :class:`Unprobeable`."""
    if kind not in BUILDERS:
        raise Unprobeable(NOT_PROBED.get(kind, f"no probe set for reward type '{kind}'"))
    module = importlib.import_module(f"{__name__}.{BUILDERS[kind]}")
    return module.build(reward)
