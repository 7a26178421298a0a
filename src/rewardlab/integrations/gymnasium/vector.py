"""``VectorRewardWrapper(envs, spec)``: the reward wrapper for gymnasium vector environments.

All sub-environments' transitions of a step are scored in one batch. Autoreset is handled as
gymnasium defines it: with ``NEXT_STEP`` (the default) the step that resets a finished
sub-environment is not a transition -- it keeps the env's reward (0) and its report says
``status: reset``; with ``SAME_STEP`` the transition ends in ``info["final_obs"]`` and reads
``info["final_info"]``; with ``DISABLED`` the caller resets, and :meth:`reset` takes the new
observations. ``info["rewardlab"]`` holds arrays: ``score``, ``env_reward``, ``status`` and one
array per component (NaN where a component has no score).

>>> import gymnasium as gym, numpy as np
>>> spec = {"type": "affine", "scale": 2, "child": "env_reward"}
>>> envs = VectorRewardWrapper(gym.make_vec("CartPole-v1", num_envs=2), spec)
>>> _ = envs.reset(seed=0)
>>> obs, rewards, terminated, truncated, info = envs.step(np.array([0, 1]))
>>> rewards.tolist(), info["rewardlab"]["components"]["env_reward"].tolist()
([2.0, 2.0], [1.0, 1.0])
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv, VectorWrapper

from ...core.reward import Reward
from ...core.spec import Spec
from .scoring import INFO_KEY, Mode, TransitionScorer
from .transition import env_info, transition_sample

__all__ = ["VectorRewardWrapper"]


class VectorRewardWrapper(VectorWrapper):
    """Rewards of every sub-environment of ``envs`` from ``spec``, one batch per step."""

    def __init__(self, envs: VectorEnv, spec: Spec | Reward | dict[str, Any] | str, *, mode: Mode = "replace") -> None:
        super().__init__(envs)
        self.scorer = TransitionScorer(spec, mode=mode)
        self.autoreset_mode = envs.metadata.get("autoreset_mode", AutoresetMode.NEXT_STEP)
        self._obs: Any = None
        self._resetting = np.zeros(self.num_envs, dtype=bool)

    def reset(self, *, seed: int | list[int] | None = None, options: dict[str, Any] | None = None) -> tuple[Any, dict]:
        obs, info = self.env.reset(seed=seed, options=options)
        self._obs = obs
        mask = (options or {}).get("reset_mask")
        if mask is None:
            self._resetting[:] = False
        else:
            self._resetting[np.asarray(mask, dtype=bool)] = False
        return obs, info

    def step(self, actions: Any) -> tuple[Any, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        if self._obs is None:
            raise RuntimeError("call reset() before step()")
        next_obs, env_rewards, terminated, truncated, info = self.env.step(actions)
        env_rewards = np.asarray(env_rewards, dtype=np.float64)
        rewards = env_rewards.copy()
        same_step = self.autoreset_mode == AutoresetMode.SAME_STEP
        samples, owners = [], []
        for i in range(self.num_envs):
            if self._resetting[i]:
                continue  # NEXT_STEP autoreset: this step restarted sub-env i
            done = bool(terminated[i] or truncated[i])
            end, sub_info = _item(next_obs, i), env_info(info, i)
            if same_step and done and "final_obs" in info:
                end = info["final_obs"][i]
                sub_info = env_info(info.get("final_info", {}), i)
            samples.append(
                transition_sample(
                    _item(self._obs, i), _item(actions, i), end, env_rewards[i], terminated[i], truncated[i], sub_info
                )
            )
            owners.append(i)
        reports: list[dict[str, Any]] = []
        if samples:
            scored, reports = self.scorer.score(samples)
            rewards[owners] = scored
        info = dict(info)
        info[INFO_KEY] = self._merge(owners, reports, env_rewards)
        if self.autoreset_mode == AutoresetMode.NEXT_STEP:
            self._resetting = np.logical_or(terminated, truncated)
        self._obs = next_obs
        return next_obs, rewards, terminated, truncated, info

    def _merge(self, owners: list[int], reports: list[dict[str, Any]], env_rewards: np.ndarray) -> dict[str, Any]:
        n = self.num_envs
        status = np.array(["reset"] * n, dtype=object)
        components: dict[str, np.ndarray] = {}
        errors: dict[int, str] = {}
        score = np.full(n, math.nan)
        for i, report in zip(owners, reports, strict=True):
            status[i] = report["status"]
            score[i] = math.nan if report["score"] is None else report["score"]
            for name, value in report["components"].items():
                arr = components.setdefault(name, np.full(n, math.nan))
                arr[i] = math.nan if value is None else value
            if "error" in report:
                errors[i] = report["error"]
        return {"score": score, "env_reward": env_rewards, "status": status, "components": components, "errors": errors}


def _item(batch: Any, i: int) -> Any:
    """Sub-environment ``i``'s part of a batched observation or action (dict spaces: per key)."""
    if isinstance(batch, dict):
        return {k: _item(v, i) for k, v in batch.items()}
    if isinstance(batch, tuple):
        return tuple(_item(v, i) for v in batch)
    return batch[i]
