"""``RewardWrapper(env, spec)``: a gymnasium environment whose reward is a rewardlab spec's score.

Each step's transition becomes a sample (:mod:`.transition`), is scored by the spec, and the
score replaces the env's reward (``mode="replace"``) or is added to it (``mode="add"``); every
component and the status are in ``info["rewardlab"]``. A transition the spec gives no score
raises :class:`~rewardlab.integrations.gymnasium.scoring.TransitionRewardError` (use the spec's
``on_error: default=<value>`` to accept a default instead): never a silent 0.

>>> import gymnasium as gym
>>> env = RewardWrapper(gym.make("FrozenLake-v1"), {"type": "affine", "scale": 10, "child": "env_reward"})
>>> obs, info = env.reset(seed=0)
>>> obs, reward, terminated, truncated, info = env.step(1)
>>> reward, info["rewardlab"]["components"]
(0.0, {'env_reward': 0.0})
"""

from __future__ import annotations

from typing import Any, SupportsFloat

import gymnasium as gym

from ...core.reward import Reward
from ...core.spec import Spec
from .scoring import INFO_KEY, Mode, TransitionScorer
from .transition import transition_sample

__all__ = ["RewardWrapper"]


class RewardWrapper(gym.Wrapper):  # type: ignore[type-arg]
    """Rewards of ``env`` from ``spec`` (a spec, a reward, a spec dict or node, a name or a file).

    ``scorer`` exposes the spec, the step count and the intrinsic rewards inside it.
    """

    def __init__(self, env: gym.Env, spec: Spec | Reward | dict[str, Any] | str, *, mode: Mode = "replace") -> None:  # type: ignore[type-arg]
        super().__init__(env)
        self.scorer = TransitionScorer(spec, mode=mode)
        self._obs: Any = None

    @property
    def spec_(self) -> Spec:
        return self.scorer.spec

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[Any, dict[str, Any]]:
        obs, info = self.env.reset(seed=seed, options=options)
        self._obs = obs
        return obs, info

    def step(self, action: Any) -> tuple[Any, SupportsFloat, bool, bool, dict[str, Any]]:
        if self._obs is None:
            raise gym.error.ResetNeeded("call reset() before step()")
        next_obs, env_reward, terminated, truncated, info = self.env.step(action)
        sample = transition_sample(self._obs, action, next_obs, float(env_reward), terminated, truncated, info)
        rewards, reports = self.scorer.score([sample])
        self._obs = next_obs
        info = dict(info)
        info[INFO_KEY] = reports[0]
        return next_obs, float(rewards[0]), terminated, truncated, info
