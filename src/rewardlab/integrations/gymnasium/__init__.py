"""rewardlab as the reward layer of gymnasium agents.

- :class:`RewardWrapper` / :class:`VectorRewardWrapper`: an env whose reward is a spec's score
  (:mod:`.wrapper`, :mod:`.vector`; transitions as samples: :mod:`.transition`);
- leaf rewards over transitions, ``env_reward`` first (:mod:`.leaves`);
- potential-based shaping over states (:mod:`.shaping`);
- intrinsic rewards: counts, SimHash, RND, ICM (:mod:`.intrinsic`);
- reward machines: automata over event labels, the product env, counterfactual experience
  (:mod:`.machines`);
- trainers to measure rewards with: tabular Q-learning, PPO from stable-baselines3 (:mod:`.trainers`);
- a small grid with a sparse, multi-stage task (:mod:`.envs`);
- reward code written by a language model, run in the sandbox and searched (:mod:`.code`, :mod:`.search`).

Importing this package is light: gymnasium, torch and stable-baselines3 load with the names that need them.

>>> import gymnasium as gym
>>> from rewardlab.integrations.gymnasium import RewardWrapper
>>> env = RewardWrapper(gym.make("CartPole-v1"), {"type": "clip", "low": -1, "high": 1, "child": "env_reward"})
>>> _ = env.reset(seed=0)
>>> env.step(0)[1]
1.0
"""

from __future__ import annotations

from ...core.lazy import lazy_exports

_LAZY = {
    "RewardWrapper": ".wrapper",
    "VectorRewardWrapper": ".vector",
    "TransitionRewardError": ".scoring",
    "TransitionScorer": ".scoring",
    "transition_sample": ".transition",
    "state_sample": ".transition",
    "EnvReward": ".leaves",
    "InfoValue": ".leaves",
    "ObsLinear": ".leaves",
    "StateTable": ".leaves",
    "StateShaping": ".shaping",
    "potential": ".shaping",
    "IntrinsicReward": ".intrinsic",
    "CountBonus": ".intrinsic",
    "SimHashBonus": ".intrinsic",
    "RNDBonus": ".intrinsic",
    "ICMBonus": ".intrinsic",
    "RewardMachine": ".machines",
    "machine_from_dict": ".machines",
    "RewardMachineWrapper": ".machines",
    "load_machine": ".machines",
    "QLearning": ".trainers",
    "train_ppo": ".trainers",
    "KeyDoorGrid": ".envs",
}

__all__ = sorted(_LAZY)

__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
