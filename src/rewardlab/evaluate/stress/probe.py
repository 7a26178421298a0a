"""What a stress probe is: an adversarial completion, built from a correct base sample, and the
most it may legitimately earn.

A :class:`ProbeSet` belongs to one verifier kind, adapted to one configured reward: it holds
the base sample's reference fields (``answer``, ``db``/``gold_sql``, ``constraints`` ...), a
correct and a plainly wrong completion, and the probes. A probe *pays* when its score exceeds
its ceiling: by default the score of the wrong completion (an attack must not beat a wrong
answer); a probe may instead name a fairer ceiling (the same text without the trick), or
``CORRECT`` for a probe that only checks the system stays healthy (huge but well-formed input).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["CORRECT", "WRONG", "Probe", "ProbeSet", "Unprobeable"]

WRONG = "<wrong>"
"""Ceiling marker: the score of the probe set's wrong completion (the default)."""
CORRECT = "<correct>"
"""Ceiling marker: the score of the correct completion (a health-only probe)."""

ATTACKS = (
    "empty",
    "hedge",
    "many",
    "restate",
    "no_content",
    "huge",
    "boxed",
    "lookalike",
    "injection",
    "write",
    "sandbox",
)


class Unprobeable(Exception):
    """This reward's configuration cannot be probed generically (the message says why)."""


@dataclass(frozen=True)
class Probe:
    """One attack: a completion (and optional overrides of sample fields)."""

    name: str
    attack: str  # one of ATTACKS: what kind of attack it is
    completion: Any
    description: str = ""
    ceiling: str = WRONG  # WRONG, CORRECT, or a completion whose score is the most this probe may earn
    fields: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.attack not in ATTACKS:
            raise ValueError(f"probe {self.name!r}: unknown attack {self.attack!r}; expected one of {ATTACKS}")


@dataclass
class ProbeSet:
    """The probes of one verifier, built around a correct base sample."""

    kind: str
    base: dict[str, Any]  # prompt and reference fields
    correct: Any  # a completion the verifier must pay
    wrong: Any  # a plainly wrong completion: the default ceiling
    probes: list[Probe]
    # Checks run after every probe (e.g. "the database file is unchanged"); each returns problems.
    health_checks: list[Callable[[], list[str]]] = field(default_factory=list)
    cleanup: Callable[[], None] | None = None
    notes: list[str] = field(default_factory=list)
    # The verifier's own time limit (plus a margin): a probe may take this long before it counts as a hang.
    time_limit_s: float | None = None

    def sample(self, completion: Any, extra: dict[str, Any] | None = None) -> dict[str, Any]:
        return {**self.base, **(extra or {}), "completion": completion}

    def check_health(self) -> list[str]:
        problems: list[str] = []
        for check in self.health_checks:
            problems.extend(check())
        return problems

    def close(self) -> None:
        if self.cleanup is not None:
            self.cleanup()
            self.cleanup = None
