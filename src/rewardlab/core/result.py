"""The result of scoring one sample: the same JSON in the library, the CLI and the server.

Every result carries ``score`` (a finite float, or ``None`` when the reward does not apply or
failed without a default), ``components`` (leaf name -> score, for every sub-reward that
contributed), ``status``, ``error``, ``latency_ms`` and ``info``.

>>> r = RewardResult.ok(0.5, components={"acc": 1.0, "fmt": 0.0})
>>> r.status, r.score
(<Status.OK: 'ok'>, 0.5)
>>> RewardResult.model_validate_json(r.model_dump_json()) == r
True
>>> RewardResult.failed("division by zero").score is None
True
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["RewardResult", "Status", "results_status_counts"]


class Status(StrEnum):
    """Why a result has (or lacks) a score."""

    OK = "ok"
    """The reward applied and produced a score."""
    NOT_APPLICABLE = "not_applicable"
    """The reward does not apply to this sample (e.g. no reference answer); no score."""
    ERROR = "error"
    """The reward failed on this sample; ``error`` says why. A score is present only when the
    reward's error policy is ``default=<value>`` (then ``info['defaulted']`` is true)."""
    TIMEOUT = "timeout"
    """The reward ran past its time limit; treated like ``error``."""

    def __str__(self) -> str:  # "ok", not "Status.OK", in tables and logs
        return self.value

    @property
    def failed(self) -> bool:
        return self in (Status.ERROR, Status.TIMEOUT)


class RewardResult(BaseModel):
    """The outcome of one reward on one sample."""

    model_config = ConfigDict(extra="forbid", use_enum_values=False, validate_assignment=False)

    score: float | None = Field(description="The reward; None when not applicable or failed.")
    components: dict[str, float | None] = Field(
        default_factory=dict, description="Score of every leaf reward that contributed, by name."
    )
    status: Status = Field(default=Status.OK)
    error: str | None = Field(default=None, description="What went wrong, for a person to act on.")
    latency_ms: float = Field(default=0.0, ge=0.0)
    info: dict[str, Any] = Field(default_factory=dict, description="What was extracted, which test failed, ...")
    reward: str | None = Field(default=None, description="Name of the reward (or spec) that produced this.")
    spec_hash: str | None = Field(default=None, description="Content hash of the spec that produced this.")

    @model_validator(mode="after")
    def _check(self) -> RewardResult:
        if self.score is not None:
            if isinstance(self.score, bool):
                object.__setattr__(self, "score", float(self.score))
            if not math.isfinite(self.score):
                raise ValueError(f"score must be a finite number or null, got {self.score!r}")
        if self.status is Status.OK and self.score is None:
            raise ValueError("a result with status 'ok' must have a score")
        if self.status is Status.NOT_APPLICABLE and self.score is not None:
            raise ValueError("a 'not_applicable' result cannot have a score")
        if self.status.failed and not self.error:
            raise ValueError(f"a '{self.status.value}' result must say what went wrong in 'error'")
        return self

    # ---- constructors ------------------------------------------------------------------
    @classmethod
    def ok(cls, score: float, *, components: dict[str, float | None] | None = None, **kw: Any) -> RewardResult:
        return cls(score=float(score), status=Status.OK, components=components or {}, **kw)

    @classmethod
    def ok_with_parts(cls, label: str, score: float, parts: Mapping[str, float | None], **kw: Any) -> RewardResult:
        """``ok``, with the components of a reward made of parts: its score under ``label``, each part
        under ``label.part``.

        >>> RewardResult.ok_with_parts("qa", 0.5, {"em": 0.0, "f1": 0.5}).components
        {'qa': 0.5, 'qa.em': 0.0, 'qa.f1': 0.5}
        """
        components = {label: score, **{f"{label}.{part}": value for part, value in parts.items()}}
        return cls.ok(score, components=components, **kw)

    @classmethod
    def not_applicable(cls, reason: str, **kw: Any) -> RewardResult:
        info = dict(kw.pop("info", {}) or {})
        info.setdefault("reason", reason)
        return cls(score=None, status=Status.NOT_APPLICABLE, info=info, **kw)

    @classmethod
    def failed(cls, error: str, *, timeout: bool = False, **kw: Any) -> RewardResult:
        return cls(score=None, status=Status.TIMEOUT if timeout else Status.ERROR, error=error, **kw)

    # ---- views -------------------------------------------------------------------------
    @property
    def is_ok(self) -> bool:
        return self.status is Status.OK

    @property
    def defaulted(self) -> bool:
        """True when the score is an error policy's default, not a computed value."""
        return bool(self.info.get("defaulted"))

    def to_json_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def results_status_counts(results: Iterable[RewardResult]) -> dict[str, int]:
    """How many results have each status.

    >>> results_status_counts([RewardResult.ok(1.0), RewardResult.failed("x")])
    {'ok': 1, 'not_applicable': 0, 'error': 1, 'timeout': 0}
    """
    counts = {s.value: 0 for s in Status}
    for r in results:
        counts[r.status.value] += 1
    return counts
