"""Group, batch and running normalization as reward nodes: GRPO, RLOO, whitening, ranks.

These nodes are *batch dependent*: a sample's score depends on the others in its group. Put
one around a weighted sum to **sum then normalize**, or put one around each child of a
weighted sum to **normalize then sum** (each reward on its own scale first)::

    reward: {type: group_norm, method: zscore, child: {type: weighted_sum, children: [...]}}
    reward: {type: weighted_sum, children: [{type: group_norm, child: ...}, {type: group_norm, child: ...}]}

Groups are samples with the same value of the group key: the node's ``group_key``, else the
call's (``--group-key``), else the prompt. ``info`` carries the raw score, the group size,
mean and std, and a note for zero-variance groups.

**They refuse to guess.** A sample in a group of one -- its group key is missing, or it was
scored alone (a trainer calling one sample at a time) -- has no baseline: it gets status
``error`` with the reason (``info['reason']``: ``missing_group_key``, ``group_of_one``,
``batch_of_one``, ``warming_up``), a warning is logged (``rewardlab.compose``), and the
failure is counted like any other; never an advantage of 0.0 with status ``ok``.
``singleton: zero`` (or ``raw``) accepts a neutral (or the raw) score explicitly.

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
from dataclasses import replace
from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import Field, PrivateAttr

from ..core.context import ScoreContext
from ..core.example import Example
from ..core.registry import register
from ..core.sample import Sample
from .normalize import RunningMeanStd, group_ids, group_rank, group_winrate, group_zscore, rloo, whiten
from .wrappers import BatchWrapper, Refusal

__all__ = ["BatchNorm", "GroupNorm", "RunningNorm", "group_keys", "groups_of", "is_missing_key"]


class _MissingKey(tuple):
    """The group key of a sample that has none: a group of its own (index kept for uniqueness)."""


def is_missing_key(value: Any) -> bool:
    """Whether a value from :func:`group_keys` stands for a missing group key."""
    return isinstance(value, _MissingKey)


def groups_of(keys: Sequence[Any]) -> list[list[int]]:
    """The indices of each group of :func:`group_keys`' keys, groups in order of first appearance (a
    missing key is a group of its own; unhashable keys such as chat messages are compared by value).

    >>> groups_of(["a", "b", "a", ["x"], ["x"]])
    [[0, 2], [1], [3, 4]]
    """
    out: dict[int, list[int]] = {}
    for i, g in enumerate(group_ids(keys).tolist()):
        out.setdefault(g, []).append(i)
    return list(out.values())


def group_keys(samples: Sequence[Sample], key: str | None) -> list[Any]:
    """The group key of each sample: the field ``key``, else (``None`` or ``"prompt"``) the prompt.

    A sample without the field gets a key of its own (see :func:`is_missing_key`).

    >>> from rewardlab.core.sample import as_samples
    >>> keys = group_keys(as_samples([{"prompt": "a"}, {"prompt": "a", "qid": 3}]), "qid")
    >>> [is_missing_key(k) for k in keys], keys[1]
    ([True, False], 3)
    """
    out: list[Any] = []
    for i, s in enumerate(samples):
        if key is None or key == "prompt":
            value = s.prompt
            if value is not None and not isinstance(value, str):
                value = json.dumps([m.model_dump(mode="json") for m in value], sort_keys=True)
        else:
            value = s.get(key)
        out.append(_MissingKey(("__missing__", i)) if value is None else value)
    return out


_SUGGEST = (
    "score all completions of a prompt in one call, or score a component of the spec without normalization "
    "(component=NAME), or set singleton: zero (or raw) to accept a neutral score"
)


def _key_text(key: str | None) -> str:
    return "the prompt" if key in (None, "prompt") else f"'{key}'"


@register("group_norm", aliases=("grpo", "advantage"))
class GroupNorm(BatchWrapper):
    """Normalize scores within groups of completions of the same prompt (GRPO / RLOO / ranks).

    Methods: ``zscore`` (GRPO: (r - mean) / (std + eps)), ``center`` (Dr. GRPO: r - mean),
    ``rloo`` (r minus the mean of the *other* group members), ``rank`` (rank in [0, 1]) and
    ``winrate`` (fraction of the group it beats, ties one half).

    >>> from rewardlab.verifiers import ExactMatch
    >>> r = GroupNorm(child=ExactMatch(), method="rloo", group_key="qid")
    >>> r.scores([{"qid": 1, "completion": "4", "answer": "4"}, {"qid": 1, "completion": "5", "answer": "4"}])
    [1.0, -1.0]
    """

    example: ClassVar[Example] = Example(
        sample={"qid": 1, "completion": "4", "answer": "4"},
        batch=({"qid": 1, "completion": "5", "answer": "4"},),
        params={"child": {"type": "exact_match"}, "method": "rloo", "group_key": "qid"},
        score=1.0,
    )

    method: Literal["zscore", "center", "rloo", "rank", "winrate"] = Field(
        default="zscore", description="Which group statistic."
    )
    group_key: str | None = Field(
        default=None,
        description="Sample field that defines the group (default: the call's group key, else the prompt).",
    )
    eps: float = Field(default=1e-6, ge=0, description="Added to the std (zscore).")
    unbiased_std: bool = Field(default=True, description="Sample (n-1) std as TRL and verl, else population std.")
    singleton: Literal["error", "zero", "raw"] = Field(
        default="error",
        description=(
            "A group of one (group key missing, or scored alone) has no baseline: 'error' (default) gives "
            "status error with the reason; 'zero' a neutral score (0, or 0.5 for rank/winrate); 'raw' keeps "
            "the raw score (as verl)."
        ),
    )

    def _statistic(
        self, raw: np.ndarray, samples: list[Sample], ctx: ScoreContext
    ) -> tuple[np.ndarray, list[dict[str, Any]]]:
        key = self.group_key or ctx.group_key
        keys = group_keys(samples, key)
        ids = group_ids(keys)
        fill = "zero" if self.singleton == "error" else self.singleton
        if self.method == "zscore":
            new = group_zscore(raw, ids, eps=self.eps, unbiased=self.unbiased_std, singleton=fill)
        elif self.method == "center":
            new = group_zscore(raw, ids, scale=False, singleton=fill)
        elif self.method == "rloo":
            new = rloo(raw, ids, singleton=fill)
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
            if n == 1 and self.singleton != "error":
                st["note"] = "singleton group: no spread or baseline" + (
                    ", raw score kept"
                    if self.singleton == "raw" and self.method in ("zscore", "center", "rloo")
                    else ", neutral score"
                )
            elif n > 1 and np.all(vals == vals[0]):
                st["note"] = "zero variance in group: every completion scored the same"
            stats[int(gid)] = st
        for i, gid in enumerate(ids):
            info: dict[str, Any] = {"group": int(gid), "method": self.method, **stats[int(gid)]}
            if self.singleton == "error" and stats[int(gid)]["group_size"] == 1 and not math.isnan(raw[i]):
                info["refusal"] = self._refusal(keys[i], key, len(samples))
            infos.append(info)
        return new, infos

    def _refusal(self, value: Any, key: str | None, batch: int) -> Refusal:
        where = f"{self.type_name} '{self.label}'"
        if is_missing_key(value):
            field = "prompt" if key in (None, "prompt") else key
            return Refusal(
                "missing_group_key",
                f"{where}: the sample has no '{field}' field, the group key, so it has no group to be normalized "
                f"in; send the field or set the group key (group_key / --group-key) to one the samples have, or "
                + _SUGGEST,
            )
        if batch == 1:
            return Refusal(
                "batch_of_one",
                f"{where}: scored alone (a call with one sample), so its group (by {_key_text(key)}) has no "
                f"baseline to normalize against; " + _SUGGEST,
            )
        return Refusal(
            "group_of_one",
            f"{where}: the only scored sample of its group (by {_key_text(key)}), so there is no baseline to "
            f"normalize against; " + _SUGGEST,
        )


@register("batch_norm", aliases=("whiten",))
class BatchNorm(BatchWrapper):
    """Whiten scores over the whole batch: (r - mean) / std (``shift_mean=False`` keeps the mean).

    >>> from rewardlab.verifiers import ExactMatch
    >>> [round(s, 6) for s in BatchNorm(child=ExactMatch()).scores(
    ...     [{"completion": "a", "answer": "a"}, {"completion": "b", "answer": "a"}])]
    [1.0, -1.0]
    """

    example: ClassVar[Example] = Example(
        sample={"completion": "a", "answer": "a"},
        batch=({"completion": "b", "answer": "a"},),
        params={"child": {"type": "exact_match"}},
        score=0.9999999800000003,
    )

    shift_mean: bool = Field(default=True, description="Subtract the batch mean (else only scale).")
    eps: float = Field(default=1e-8, ge=0, description="Added to the std.")
    singleton: Literal["error", "zero"] = Field(
        default="error",
        description=(
            "A batch with one scored sample has no spread: 'error' (default) gives status error with the "
            "reason; 'zero' a neutral score (0, or the raw score without shift_mean)."
        ),
    )

    def _statistic(
        self, raw: np.ndarray, samples: list[Sample], ctx: ScoreContext
    ) -> tuple[np.ndarray, list[dict[str, Any]]]:
        valid = raw[~np.isnan(raw)]
        info: dict[str, Any] = {"batch_size": len(valid)}
        if len(valid):
            info["batch_mean"] = float(np.mean(valid))
            info["batch_std"] = float(np.std(valid))
        infos = [dict(info) for _ in range(len(raw))]
        if len(valid) == 1 and self.singleton == "error":
            refusal = Refusal(
                "batch_of_one",
                f"{self.type_name} '{self.label}': the only scored sample of its batch, so there is no spread to "
                "whiten by; score samples in batches, or score a component of the spec without normalization "
                "(component=NAME), or set singleton: zero to accept a neutral score",
            )
            for i in np.flatnonzero(~np.isnan(raw)):
                infos[int(i)]["refusal"] = refusal
        return whiten(raw, eps=self.eps, shift_mean=self.shift_mean), infos


@register("running_norm")
class RunningNorm(BatchWrapper):
    """Normalize by the running mean and std of every score seen so far (PPO reward scaling).

    Statistics update with each batch before it is normalized; ``clip`` bounds the result.
    The state survives pickling; :meth:`state` / :meth:`load_state` checkpoint it.

    >>> from rewardlab.verifiers import ExactMatch
    >>> r = RunningNorm(child=ExactMatch())
    >>> [round(s, 6) for s in r.scores([{"completion": "a", "answer": "a"}, {"completion": "b", "answer": "a"}])]
    [1.0, -1.0]
    """

    # BatchNorm's example: a fresh RunningNorm whitens its first batch the same way
    example: ClassVar[Example] = replace(
        BatchNorm.example, stateful="its mean and variance run over every batch it scored"
    )

    center: bool = Field(default=True, description="Subtract the running mean (else only divide by the std).")
    clip: float | None = Field(default=None, gt=0, description="Clip the normalized score to [-clip, clip].")
    eps: float = Field(default=1e-8, ge=0, description="Added to the std.")
    warmup: int = Field(
        default=2,
        ge=1,
        description=(
            "Scores normalized while fewer than this many have been seen get status error (no spread yet: the "
            "first score alone would become 0); 1 accepts every score."
        ),
    )

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
        infos = [dict(info) for _ in range(len(raw))]
        if self._rms.count < self.warmup:
            refusal = Refusal(
                "warming_up",
                f"{self.type_name} '{self.label}': {self._rms.count} score(s) seen so far, fewer than warmup="
                f"{self.warmup}: no running spread to normalize by yet; score more samples, or set warmup: 1 to "
                "accept the first scores as they come",
            )
            for i in np.flatnonzero(~np.isnan(raw)):
                infos[int(i)]["refusal"] = refusal
        return new, infos

    def state(self) -> dict[str, float]:
        return self._rms.state()

    def load_state(self, state: dict[str, float]) -> None:
        self._rms.load_state(state)

    @classmethod
    def _transient_private_attrs(cls) -> tuple[str, ...]:
        return ("_lock",)
