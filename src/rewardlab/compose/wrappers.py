"""The two kinds of reward wrapper: each wraps one ``child`` and overrides one hook.

- :class:`Wrapper` transforms the child's score sample by sample: ``_transform(score, sample,
  ctx)`` returns the new score (or ``None``: the transform does not apply) and what to add to
  ``info``. Clip, affine, centring, PAR, log-sigmoid and annealing are wrappers.
- :class:`BatchWrapper` rewrites every score of the batch with a statistic of the batch or of
  groups in it: ``_statistic(raw, samples, ctx)`` gets the child's scores (NaN where a sample has
  none) and returns the new scores and one ``info`` dict per sample. Group, batch and running
  normalization are batch wrappers; they are *batch dependent* (a sample's score depends on the
  others), which trainers and the server ask of a tree.

In both, a sample whose child has no score keeps the child's status and error, and the child's
components are kept (plus the wrapper's own score when it has an explicit ``name``).

>>> from rewardlab.verifiers import ExactMatch
>>> class Halve(Wrapper):
...     '''Half the child's score.'''
...     def _transform(self, score, sample, ctx):
...         return score / 2, {}
>>> Halve(child=ExactMatch()).score({"completion": "a", "answer": "a"}).score
0.5
>>> class MinusBatchMean(BatchWrapper):
...     '''The score minus the batch's mean score.'''
...     def _statistic(self, raw, samples, ctx):
...         return raw - np.nanmean(raw), [{} for _ in raw]
>>> MinusBatchMean(child=ExactMatch()).scores([{"completion": c, "answer": "a"} for c in "aab"])
[0.33333333333333337, 0.33333333333333337, -0.6666666666666666]
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import numpy as np
from pydantic import Field, PrivateAttr

from ..core.context import ScoreContext
from ..core.result import RewardResult
from ..core.reward import Outcome, Reward
from ..core.sample import Sample
from ..core.spec import RewardNode
from .base import check_unique_labels

__all__ = ["BatchWrapper", "Refusal", "Wrapper", "passthrough", "rescored"]

log = logging.getLogger("rewardlab.compose")

# Seconds between two warnings of the same node (the first one is always logged).
WARN_INTERVAL_S = 30.0
_WARN_LOCK = threading.Lock()

Transformed = tuple[float | None, dict[str, Any]]


class Wrapper(Reward):
    """A reward that transforms the score of one child, sample by sample.

    Subclasses override :meth:`_transform`, the one hook. A sample whose child has no score
    keeps the child's status and error; an exception the hook raises fails that sample alone.
    """

    family: ClassVar[str] = "transform"

    child: RewardNode = Field(description="The reward whose score is transformed.")

    def model_post_init(self, __context: Any) -> None:
        check_unique_labels(self)

    def _score_batch(self, samples: list[Sample], ctx: ScoreContext) -> Sequence[Outcome]:
        results = self.child.score_batch(samples, ctx)
        return [
            self._wrap(r, lambda score, sample=sample: self._transform(score, sample, ctx))
            for sample, r in zip(samples, results, strict=True)
        ]

    def _transform(self, score: float, sample: Sample, ctx: ScoreContext) -> Transformed:
        """The new score of a sample whose child scored ``score`` (``None``: does not apply; the
        ``reason`` in the info says why), and what to add to the result's ``info``."""
        raise NotImplementedError

    def _wrap(self, r: RewardResult, transform: Callable[[float], Transformed]) -> RewardResult:
        """The wrapper's result from the child's result ``r`` and the sample's transform."""
        if r.score is None:
            return passthrough(r, self.label)
        try:
            value, info = transform(r.score)
        except Exception as exc:
            return RewardResult.failed(f"{type(exc).__name__}: {exc}", components=dict(r.components), reward=self.label)
        if value is None:
            return RewardResult.not_applicable(
                info.get("reason", "not applicable"), components=dict(r.components), reward=self.label, info=info
            )
        return rescored(r, value, {"input_score": r.score, **info}, self.label, self.name)


class Refusal:
    """Why a batch statistic gives a sample no score: a short code and a message a person can act on."""

    __slots__ = ("message", "reason")

    def __init__(self, reason: str, message: str) -> None:
        self.reason = reason
        self.message = message


class BatchWrapper(Reward):
    """A reward that scores its child on the batch, then rewrites every score with a batch statistic.

    Subclasses override :meth:`_statistic`, the one hook. A sample whose info holds a
    ``refusal`` (a :class:`Refusal`: it has no baseline to be normalized against) gets status
    error with the reason in ``info['reason']``; refusals are logged (``rewardlab.compose``, at
    most one warning per node every ``WARN_INTERVAL_S`` seconds).
    """

    family: ClassVar[str] = "normalization"
    batch_dependent: ClassVar[bool] = True

    child: RewardNode = Field(description="The reward whose scores are normalized over the batch or group.")

    _last_warning: float = PrivateAttr(default=-math.inf)

    def model_post_init(self, __context: Any) -> None:
        check_unique_labels(self)

    def _statistic(
        self, raw: np.ndarray, samples: list[Sample], ctx: ScoreContext
    ) -> tuple[np.ndarray, list[dict[str, Any]]]:
        """The new score of every sample and its ``info``, from the child's scores ``raw`` (NaN
        where the child has none: those samples keep the child's result)."""
        raise NotImplementedError

    def _score_batch(self, samples: list[Sample], ctx: ScoreContext) -> Sequence[Outcome]:
        child_results = self.child.score_batch(samples, ctx)
        raw = np.array([math.nan if r.score is None else r.score for r in child_results], dtype=np.float64)
        new, infos = self._statistic(raw, samples, ctx)
        out: list[Outcome] = []
        refused: list[Refusal] = []
        for r, value, info in zip(child_results, new, infos, strict=True):
            if r.score is None:
                out.append(passthrough(r, self.label))
                continue
            refusal = info.pop("refusal", None)
            if isinstance(refusal, Refusal):
                refused.append(refusal)
                out.append(self._refused(r, refusal, info))
                continue
            out.append(rescored(r, float(value), {"raw_score": r.score, **info}, self.label, self.name))
        if refused:
            self._warn(refused, len(samples))
        return out

    def _refused(self, r: RewardResult, refusal: Refusal, info: dict[str, Any]) -> RewardResult:
        components: dict[str, float | None] = dict(r.components)
        if self.name:
            components[self.name] = None
        return RewardResult.failed(
            refusal.message,
            components=components,
            info={"reason": refusal.reason, "raw_score": r.score, **info},
            reward=self.label,
        )

    def _warn(self, refused: list[Refusal], total: int) -> None:
        now = time.monotonic()
        with _WARN_LOCK:
            if now - self._last_warning < WARN_INTERVAL_S:
                return
            self._last_warning = now
        counts: dict[str, int] = {}
        for r in refused:
            counts[r.reason] = counts.get(r.reason, 0) + 1
        why = ", ".join(f"{reason} {n}" for reason, n in counts.items())
        log.warning(
            "%s '%s': %d of %d samples got no score (%s): %s",
            self.type_name,
            self.label,
            len(refused),
            total,
            why,
            refused[0].message,
        )


def rescored(r: RewardResult, value: float, info: dict[str, Any], label: str, name: str | None) -> RewardResult:
    """The child's result ``r`` with a wrapper's score: the child's status, error and components
    (plus the wrapper's score under its ``name``), ``info`` (and ``defaulted`` when the child's
    score was its policy default)."""
    components: dict[str, float | None] = dict(r.components)
    if name:
        components[name] = value
    return RewardResult(
        score=value,
        status=r.status,
        error=r.error,
        components=components,
        info={**info, **({"defaulted": True} if r.defaulted else {})},
        reward=label,
    )


def passthrough(r: RewardResult, label: str) -> RewardResult:
    """A copy of a child's score-less result under the parent's label."""
    return RewardResult(
        score=None,
        status=r.status,
        error=r.error,
        components=dict(r.components),
        info=dict(r.info),
        reward=label,
    )
