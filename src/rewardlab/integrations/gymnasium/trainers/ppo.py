"""PPO from stable-baselines3 on an env whose reward is a rewardlab spec (continuous observations).

stable-baselines3 (and its torch, the pinned one) load when :func:`train_ppo` runs. Each of the
``n_envs`` copies of the env is wrapped in a :class:`~rewardlab.integrations.gymnasium.RewardWrapper`
sharing one spec (so intrinsic rewards learn from every copy), and in an
:class:`~.episodes.EpisodeRecorder` that keeps the env's own return and success.

With ``scorer=`` (a :class:`~rewardlab.integrations.gymnasium.scoring.TransitionScorer`, such as a
sandboxed program's) the envs stay unwrapped and each rollout's transitions (``n_steps`` times
``n_envs``) are scored in one call when the rollout ends, before PPO computes its returns and
advantages: PPO reads rewards only then, so what it learns is what it would learn scoring step by
step (the time-limit bootstrap SB3 adds to a truncated step's reward is kept).

>>> import gymnasium as gym
>>> result = train_ppo(lambda: gym.make("CartPole-v1"), {"type": "env_reward"}, total_timesteps=64,
...                    ppo_kwargs={"n_steps": 32, "batch_size": 32, "n_epochs": 1})
>>> result.steps >= 64
True
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym

from ....core.reward import Reward
from ....core.spec import Spec
from ..scoring import TransitionScorer, as_spec
from .episodes import EpisodeRecord, EpisodeRecorder, Success, evaluate_policy

__all__ = ["PPOResult", "train_ppo"]


@dataclass
class PPOResult:
    model: Any
    episodes: list[EpisodeRecord] = field(default_factory=list)
    steps: int = 0

    def predict(self, obs: Any) -> Any:
        action, _ = self.model.predict(obs, deterministic=True)
        return action

    def evaluate(self, env: gym.Env, **kw: Any) -> dict[str, float]:  # type: ignore[type-arg]
        return evaluate_policy(self.predict, env, **kw)


def train_ppo(
    make_env: Callable[[], gym.Env],  # type: ignore[type-arg]
    spec: Spec | Reward | dict[str, Any] | str | None = None,
    *,
    total_timesteps: int,
    seed: int = 0,
    n_envs: int = 1,
    success: str | Success | None = None,
    mode: str = "replace",
    policy: str = "MlpPolicy",
    ppo_kwargs: dict[str, Any] | None = None,
    scorer: TransitionScorer | None = None,
) -> PPOResult:
    """Train PPO for ``total_timesteps`` on ``make_env()`` with ``spec`` as the reward (None: the env's),
    or with ``scorer`` scoring each rollout in one call (give one of them at most)."""
    import torch
    from stable_baselines3 import PPO
    from stable_baselines3.common.vec_env import DummyVecEnv

    from ..wrapper import RewardWrapper

    if spec is not None and scorer is not None:
        raise ValueError("give spec (scored step by step) or scorer (scored a rollout at a time), not both")
    shared = as_spec(spec) if spec is not None else None
    recorders: list[EpisodeRecorder] = []

    def factory(i: int) -> Callable[[], gym.Env]:  # type: ignore[type-arg]
        def make() -> gym.Env:  # type: ignore[type-arg]
            env = make_env()
            if shared is not None:
                env = RewardWrapper(env, shared, mode=mode)  # type: ignore[arg-type]
            recorder = EpisodeRecorder(env, success)
            recorders.append(recorder)
            return recorder

        return make

    torch.set_num_threads(1)
    venv: Any = DummyVecEnv([factory(i) for i in range(n_envs)])
    venv.seed(seed)
    callback = None
    if scorer is not None:
        from ._rollout import RolloutScoring, TransitionLog

        venv = TransitionLog(venv, recorders)
        callback = RolloutScoring(venv, scorer)
    model = PPO(policy, venv, seed=seed, device="cpu", verbose=0, **(ppo_kwargs or {}))
    model.learn(total_timesteps=total_timesteps, callback=callback)
    episodes = sorted((r for rec in recorders for r in rec.records), key=lambda r: r.step)
    return PPOResult(model=model, episodes=episodes, steps=int(model.num_timesteps))
