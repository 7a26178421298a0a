"""Group, batch and running normalization as reward nodes: GRPO, RLOO, whitening, ranks.

These nodes are *batch dependent*: a sample's score depends on the others in its group. Put
one around a weighted sum to **sum then normalize**, or put one around each child of a
weighted sum to **normalize then sum** (each reward on its own scale first)::

    reward: {type: group_norm, method: zscore, child: {type: weighted_sum, children: [...]}}
    reward: {type: weighted_sum, children: [{type: group_norm, child: ...}, {type: group_norm, child: ...}]}

Groups are samples with the same value of the group key: the node's ``group_key``, else the
call's (``--group-key``), else the prompt. ``info`` carries the raw score, the group size,
mean and std, and a note for singleton and zero-variance groups.

>>> from rewardlab.verifiers import ExactMatch
>>> norm = GroupNorm(child=ExactMatch(), method="zscore")
>>> batch = [{"prompt": "q", "completion": c, "answer": "4"} for c in ["4", "5", "4", "6"]]
>>> [round(s, 3) for s in norm.scores(batch)]
[0.866, -0.866, 0.866, -0.866]
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Sequence
from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import Field, PrivateAttr

from ..core.context import ScoreContext
from ..core.registry import register
from ..core.result import RewardResult
from ..core.reward import Outcome
from ..core.sample import Sample
from .base import Wrapper, passthrough
from .normalize import RunningMeanStd, group_ids, group_rank, group_winrate, group_zscore, rloo, whiten

__all__ = ["BatchNorm", "GroupNorm", "RunningNorm", "group_keys"]


def group_keys(samples: Sequence[Sample], key: str | None) -> list[Any]:
    """The group key of each sample: the field ``key`` (missing -> its own group), else the prompt."""
    out: list[Any] = []
    for i, s in enumerate(samples):
        if key is None:
            value = s.prompt
            if value is not None and not isinstance(value, str):
                value = json.dumps([m.model_dump(mode="json") for m in value], sort_keys=True)
        else:
            value = s.get(key)
        out.append(("__missing__", i) if value is None else value)
    return out


class _BatchStat(Wrapper):
    """Scores the child on the batch, then rewrites every score with a batch statistic."""

    family: ClassVar[str] = "normalization"
    batch_dependent: ClassVar[bool] = True

    def _score_batch(self, samples: list[Sample], ctx: ScoreContext) -> Sequence[Outcome]:
        child_results = self.child.score_batch(samples, ctx)
        raw = np.array([math.nan if r.score is None else r.score for r in child_results], dtype=np.float64)
        new, infos = self._statistic(raw, samples, ctx)
        out: list[Outcome] = []
        for r, value, info in zip(child_results, new, infos, strict=True):
            if r.score is None:
                out.append(passthrough(r, self.label))
                continue
            result = RewardResult(
                score=float(value),
                status=r.status,
                error=r.error,
                components=dict(r.components),
                info={"raw_score": r.score, **info, **({"defaulted": True} if r.defaulted else {})},
                reward=self.label,
            )
            if self.name:
                result.components[self.name] = float(value)
            out.append(result)
        return out

    def _statistic(
        self, raw: np.ndarray, samples: list[Sample], ctx: ScoreContext
    ) -> tuple[np.ndarray, list[dict[str, Any]]]:
        raise NotImplementedError


@register("group_norm", aliases=("grpo", "advantage"))
class GroupNorm(_BatchStat):
    """Normalize scores within groups of completions of the same prompt (GRPO / RLOO / ranks).

    Methods: ``zscore`` (GRPO: (r - mean) / (std + eps)), ``center`` (Dr. GRPO: r - mean),
    ``rloo`` (r minus the mean of the *other* group members), ``rank`` (rank in [0, 1]) and
    ``winrate`` (fraction of the group it beats, ties one half).

    >>> from rewardlab.verifiers import ExactMatch
    >>> r = GroupNorm(child=ExactMatch(), method="rloo", group_key="qid")
    >>> r.scores([{"qid": 1, "completion": "4", "answer": "4"}, {"qid": 1, "completion": "5", "answer": "4"}])
    [1.0, -1.0]
    """

    method: Literal["zscore", "center", "rloo", "rank", "winrate"] = Field(
        default="zscore", description="Which group statistic."
    )
    group_key: str | None = Field(
        default=None,
        description="Sample field that defines the group (default: the call's group key, else the prompt).",
    )
    eps: float = Field(default=1e-6, ge=0, description="Added to the std (zscore).")
    unbiased_std: bool = Field(default=True, description="Sample (n-1) std as TRL and verl, else population std.")
    singleton: Literal["zero", "raw"] = Field(
        default="zero", description="A group of one gets 0 ('zero') or keeps its raw score ('raw', as verl)."
    )

    def _statistic(
        self, raw: np.ndarray, samples: list[Sample], ctx: ScoreContext
    ) -> tuple[np.ndarray, list[dict[str, Any]]]:
        key = self.group_key or ctx.group_key
        ids = group_ids(group_keys(samples, key))
        if self.method == "zscore":
            new = group_zscore(raw, ids, eps=self.eps, unbiased=self.unbiased_std, singleton=self.singleton)
        elif self.method == "center":
            new = group_zscore(raw, ids, scale=False, singleton=self.singleton)
        elif self.method == "rloo":
            new = rloo(raw, ids, singleton=self.singleton)
        elif self.method == "rank":
            new = group_rank(raw, ids)
        else:
            new = group_winrate(raw, ids)
        infos: list[dict[str, Any]] = []
        stats: dict[int, dict[str, Any]] = {}
        for gid in np.unique(ids):
            vals = raw[(ids == gid) & ~np.isnan(raw)]
            n = len(vals)
            st: dict[str, Any] = {"group_size": n}
            if n:
                st["group_mean"] = float(np.mean(vals))
                st["group_std"] = float(np.std(vals, ddof=1 if (self.unbiased_std and n > 1) else 0))
            if n == 1:
                st["note"] = "singleton group: no spread or baseline" + (
                    ", raw score kept"
                    if self.singleton == "raw" and self.method in ("zscore", "center", "rloo")
                    else ", neutral score"
                )
            elif n > 1 and np.all(vals == vals[0]):
                st["note"] = "zero variance in group: every completion scored the same"
            stats[int(gid)] = st
        for gid in ids:
            infos.append({"group": int(gid), "method": self.method, **stats[int(gid)]})
        return new, infos


@register("batch_norm", aliases=("whiten",))
class BatchNorm(_BatchStat):
    """Whiten scores over the whole batch: (r - mean) / std (``shift_mean=False`` keeps the mean).

    >>> from rewardlab.verifiers import ExactMatch
    >>> [round(s, 6) for s in BatchNorm(child=ExactMatch()).scores(
    ...     [{"completion": "a", "answer": "a"}, {"completion": "b", "answer": "a"}])]
    [1.0, -1.0]
    """

    shift_mean: bool = Field(default=True, description="Subtract the batch mean (else only scale).")
    eps: float = Field(default=1e-8, ge=0, description="Added to the std.")

    def _statistic(
        self, raw: np.ndarray, samples: list[Sample], ctx: ScoreContext
    ) -> tuple[np.ndarray, list[dict[str, Any]]]:
        valid = raw[~np.isnan(raw)]
        info: dict[str, Any] = {"batch_size": len(valid)}
        if len(valid):
            info["batch_mean"] = float(np.mean(valid))
            info["batch_std"] = float(np.std(valid))
        return whiten(raw, eps=self.eps, shift_mean=self.shift_mean), [info] * len(raw)


@register("running_norm")
class RunningNorm(_BatchStat):
    """Normalize by the running mean and std of every score seen so far (PPO reward scaling).

    Statistics update with each batch before it is normalized; ``clip`` bounds the result.
    The state survives pickling; :meth:`state` / :meth:`load_state` checkpoint it.

    >>> from rewardlab.verifiers import ExactMatch
    >>> r = RunningNorm(child=ExactMatch())
    >>> [round(s, 6) for s in r.scores([{"completion": "a", "answer": "a"}, {"completion": "b", "answer": "a"}])]
    [1.0, -1.0]
    """

    center: bool = Field(default=True, description="Subtract the running mean (else only divide by the std).")
    clip: float | None = Field(default=None, gt=0, description="Clip the normalized score to [-clip, clip].")
    eps: float = Field(default=1e-8, ge=0, description="Added to the std.")

    _rms: RunningMeanStd = PrivateAttr(default_factory=RunningMeanStd)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    def _statistic(
        self, raw: np.ndarray, samples: list[Sample], ctx: ScoreContext
    ) -> tuple[np.ndarray, list[dict[str, Any]]]:
        with self._lock:
            self._rms.update(raw)
            new = self._rms.normalize(raw, center=self.center, eps=self.eps)
            info = {"running_count": self._rms.count, "running_mean": self._rms.mean, "running_std": self._rms.std}
        if self.clip is not None:
            new = np.clip(new, -self.clip, self.clip)
        return new, [dict(info) for _ in range(len(raw))]

    def state(self) -> dict[str, float]:
        return self._rms.state()

    def load_state(self, state: dict[str, float]) -> None:
        self._rms.load_state(state)

    @classmethod
    def _transient_private_attrs(cls) -> tuple[str, ...]:
        return ("_lock",)
