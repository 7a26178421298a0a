"""Episodes as records, success criteria, and greedy evaluation: what every trainer and benchmark
reads to say how well a reward taught a policy.

The *environment's own* return is kept apart from the return of the reward being trained on
(``info["rm"]["env_reward"]`` or ``info["rewardlab"]["env_reward"]`` when a wrapper changed it):
success is always measured on the task, never on the shaped reward.

>>> success_fn("is_success")(EpisodeRecord(env_return=0.0, return_=0.0, length=3, terminated=True,
...                                        truncated=False, info={"is_success": True}))
True
>>> success_fn("length>=200")(EpisodeRecord(0.0, 0.0, 150, False, True, {}))
False
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, SupportsFloat

import gymnasium as gym
import numpy as np

__all__ = ["EpisodeRecord", "EpisodeRecorder", "Success", "env_reward_of", "evaluate_policy", "success_fn"]


@dataclass
class EpisodeRecord:
    """One finished episode: the env's return, the trained reward's return, length, how it ended."""

    env_return: float
    return_: float
    length: int
    terminated: bool
    truncated: bool
    info: dict[str, Any] = field(default_factory=dict)
    success: bool = False
    step: int = 0  # environment steps taken when the episode ended (all episodes so far)

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("info")
        return out


Success = Callable[[EpisodeRecord], bool]


def success_fn(spec: str | Success | None) -> Success:
    """A success criterion: a callable, or a name -- ``is_success`` (the final ``info`` flag),
    ``terminated`` (ended by the task, not by the time limit), ``return>=X`` (the env's return),
    ``length>=N`` (survived N steps, CartPole). None: ``is_success`` when the env reports it, else
    a positive env return."""
    if callable(spec):
        return spec
    if spec is None:
        return lambda r: bool(r.info["is_success"]) if "is_success" in r.info else r.env_return > 0
    if spec == "is_success":
        return lambda r: bool(r.info.get("is_success", False))
    if spec == "terminated":
        return lambda r: r.terminated and not r.truncated
    for prefix, attr in (("return>=", "env_return"), ("length>=", "length")):
        if spec.startswith(prefix):
            threshold = float(spec[len(prefix) :])
            return lambda r, attr=attr, threshold=threshold: getattr(r, attr) >= threshold
    raise ValueError(f"unknown success criterion {spec!r}; expected is_success, terminated, return>=X or length>=N")


def env_reward_of(reward: SupportsFloat, info: dict[str, Any]) -> float:
    """The environment's own reward of a step, under any rewardlab wrappers."""
    rm = info.get("rm")
    if isinstance(rm, dict) and "env_reward" in rm:
        return float(rm["env_reward"])
    rl = info.get("rewardlab")
    if isinstance(rl, dict) and "env_reward" in rl:
        return float(rl["env_reward"])
    return float(reward)


class EpisodeRecorder(gym.Wrapper):  # type: ignore[type-arg]
    """Records every finished episode (the outermost wrapper): ``records`` and ``steps``."""

    def __init__(self, env: gym.Env, success: str | Success | None = None) -> None:  # type: ignore[type-arg]
        super().__init__(env)
        self.success = success_fn(success)
        self.records: list[EpisodeRecord] = []
        self.steps = 0
        self._env_return = 0.0
        self._return = 0.0
        self._length = 0

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[Any, dict[str, Any]]:
        self._env_return, self._return, self._length = 0.0, 0.0, 0
        return self.env.reset(seed=seed, options=options)

    def step(self, action: Any) -> tuple[Any, SupportsFloat, bool, bool, dict[str, Any]]:
        obs, reward, terminated, truncated, info = self.env.step(action)
        self.steps += 1
        self._length += 1
        self._return += float(reward)
        self._env_return += env_reward_of(reward, info)
        if terminated or truncated:
            record = EpisodeRecord(
                self._env_return, self._return, self._length, bool(terminated), bool(truncated), dict(info)
            )
            record.success = bool(self.success(record))
            record.step = self.steps
            self.records.append(record)
        return obs, reward, terminated, truncated, info


def evaluate_policy(
    policy: Callable[[Any], Any],
    env: gym.Env,  # type: ignore[type-arg]
    *,
    episodes: int = 10,
    seed: int = 0,
    success: str | Success | None = None,
    max_steps: int = 10_000,
) -> dict[str, float]:
    """Run ``policy(obs) -> action`` for ``episodes`` episodes; success rate, mean env return and length."""
    recorder = EpisodeRecorder(env, success)
    for k in range(episodes):
        obs, _ = recorder.reset(seed=seed + k)
        for _ in range(max_steps):
            obs, _, terminated, truncated, _ = recorder.step(policy(obs))
            if terminated or truncated:
                break
    records = recorder.records
    if not records:
        raise RuntimeError(f"no episode ended within {max_steps} steps")
    return {
        "success_rate": float(np.mean([r.success for r in records])),
        "env_return": float(np.mean([r.env_return for r in records])),
        "length": float(np.mean([r.length for r in records])),
        "episodes": float(len(records)),
    }
