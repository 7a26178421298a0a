"""PPO's rewards a rollout at a time: the vector env logs each step's transitions and pays 0; when
the rollout ends, one call of the scorer rewards all of them and PPO's returns and advantages are
computed again from the rewards it then holds (stable-baselines3 loaded by the caller).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.vec_env import VecEnvWrapper

from ..scoring import TransitionScorer
from ..transition import transition_sample
from .episodes import EpisodeRecorder

__all__ = ["RolloutScoring", "TransitionLog"]

_SB3_KEYS = ("terminal_observation", "TimeLimit.truncated")  # what the vector env adds to the env's info


class TransitionLog(VecEnvWrapper):
    """Logs every sub-env's transitions (as the env made them: the final observation of an episode,
    the env's own ``info``) and returns rewards of 0 until :class:`RolloutScoring` pays them."""

    def __init__(self, venv: Any, recorders: list[EpisodeRecorder]) -> None:
        super().__init__(venv)
        self.recorders = recorders
        self.samples: list[Any] = []
        self.ends: list[int | None] = []  # the recorder's record a transition ended, per transition
        self._obs: Any = None
        self._actions: Any = None

    def reset(self) -> Any:
        self._obs = self.venv.reset()
        return self._obs

    def step_async(self, actions: np.ndarray) -> None:
        self._actions = actions
        self.venv.step_async(actions)

    def step_wait(self) -> Any:
        obs, rewards, dones, infos = self.venv.step_wait()
        for e in range(self.num_envs):
            info = {k: v for k, v in infos[e].items() if k not in _SB3_KEYS}
            truncated = bool(dones[e] and infos[e].get("TimeLimit.truncated", False))
            terminated = bool(dones[e]) and not truncated
            next_obs = infos[e]["terminal_observation"] if dones[e] else obs[e]
            sample = transition_sample(
                self._obs[e], self._actions[e], next_obs, float(rewards[e]), terminated, truncated, info
            )
            self.samples.append(sample)
            self.ends.append(len(self.recorders[e].records) - 1 if dones[e] else None)
        self._obs = obs
        return obs, np.zeros_like(rewards), dones, infos


class RolloutScoring(BaseCallback):
    """Scores a rollout's transitions in one call when it ends and recomputes PPO's advantages."""

    def __init__(self, log: TransitionLog, scorer: TransitionScorer) -> None:
        super().__init__()
        self.log = log
        self.scorer = scorer
        self._running = np.zeros(log.num_envs)

    def _on_step(self) -> bool:
        return True

    def _on_rollout_end(self) -> None:
        samples, ends = self.log.samples, self.log.ends
        self.log.samples, self.log.ends = [], []
        if not samples:
            return
        rewards, _ = self.scorer.score(samples)
        n_envs = self.log.num_envs
        buffer = self.model.rollout_buffer
        table = rewards.reshape(-1, n_envs)
        if table.shape[0] != buffer.buffer_size:
            raise RuntimeError(f"a rollout of {buffer.buffer_size} steps logged {table.shape[0]} vector steps")
        buffer.rewards += table.astype(buffer.rewards.dtype)  # on top of SB3's time-limit bootstrap
        for i, end in enumerate(ends):
            e = i % n_envs
            self._running[e] += rewards[i]
            if end is not None:
                self.log.recorders[e].records[end].return_ = float(self._running[e])
                self._running[e] = 0.0
        buffer.compute_returns_and_advantage(last_values=self.locals["values"], dones=self.locals["dones"])
