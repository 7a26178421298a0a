"""What both reward wrappers share: the spec, the intrinsic rewards' lifecycle, the mode, and how a
batch of transitions becomes rewards and ``info`` (without gymnasium: it is imported by the
wrappers themselves).

>>> scorer = TransitionScorer({"type": "affine", "scale": 2, "child": "env_reward"})
>>> from rewardlab.integrations.gymnasium.transition import transition_sample
>>> rewards, report = scorer.score([transition_sample(0, 0, 1, 0.5, False, False, {})])
>>> rewards.tolist(), report[0]["components"]
([1.0], {'env_reward': 0.5})
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

from ...core.errors import RewardlabError
from ...core.result import RewardResult
from ...core.reward import Reward
from ...core.sample import Sample
from ...core.spec import Spec, resolve, spec_from_dict
from .intrinsic.base import learners_in

__all__ = ["INFO_KEY", "Mode", "TransitionRewardError", "TransitionScorer", "as_spec"]

INFO_KEY = "rewardlab"
Mode = Literal["replace", "add"]


class TransitionRewardError(RewardlabError):
    """The spec gave a transition no score (error, timeout or not applicable): never a silent 0."""

    def __init__(self, message: str, *, result: RewardResult, step: int) -> None:
        self.result = result
        self.step = step
        super().__init__(message)


def as_spec(spec: Spec | Reward | dict[str, Any] | str) -> Spec:
    """A spec from a spec, a reward, a spec dict / node, a reward name or a spec file path."""
    if isinstance(spec, dict):
        return spec_from_dict(spec if "reward" in spec else {"reward": spec})
    return resolve(spec)


class TransitionScorer:
    """Scores batches of transitions with a spec, drives the intrinsic rewards' lifecycle, and
    reports each transition's score, components, status and error.

    ``mode``: ``replace`` returns the spec's score as the reward, ``add`` adds it to the env's.
    """

    def __init__(self, spec: Spec | Reward | dict[str, Any] | str, *, mode: Mode = "replace") -> None:
        if mode not in ("replace", "add"):
            raise ValueError(f"mode must be 'replace' or 'add', got {mode!r}")
        self.spec = as_spec(spec)
        self.mode = mode
        self.learners = learners_in(self.spec.reward)
        self.steps = 0  # transitions scored so far (the training step given to the spec)
        self.failures = 0
        self.last_update: dict[str, float] = {}

    def score(self, samples: Sequence[Sample]) -> tuple[np.ndarray, list[dict[str, Any]]]:
        """Rewards for the transitions and one report per transition; raises
        :class:`TransitionRewardError` when the spec gives one of them no score."""
        samples = list(samples)
        for learner in self.learners:
            learner.observe(samples)
        results = self.spec.score_batch(samples, step=self.steps)
        self.steps += len(samples)
        for learner in self.learners:
            self.last_update.update(learner.update())
        rewards = np.zeros(len(samples))
        reports: list[dict[str, Any]] = []
        for i, (sample, r) in enumerate(zip(samples, results, strict=True)):
            env_r = float(sample.get("reward", 0.0))
            report = {
                "score": r.score,
                "env_reward": env_r,
                "components": dict(r.components),
                "status": r.status.value,
            }
            if r.error:
                report["error"] = r.error
            reports.append(report)
            if r.score is None:
                self.failures += 1
                why = r.error or r.info.get("reason") or r.status.value
                raise TransitionRewardError(
                    f"reward '{self.spec.name}' gave transition {self.steps - len(samples) + i} no score "
                    f"(status {r.status.value}): {why}",
                    result=r,
                    step=self.steps - len(samples) + i,
                )
            rewards[i] = r.score + (env_r if self.mode == "add" else 0.0)
        return rewards, reports
