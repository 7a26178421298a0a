"""The key-door grid's mechanics, and the trainers: tabular Q-learning (FrozenLake, the grid with
and without shaping, CartPole binned) and PPO from stable-baselines3 (CartPole, MountainCar with an
intrinsic bonus), on tiny budgets."""

from __future__ import annotations

import itertools

import gymnasium as gym
import numpy as np
import pytest

from rewardlab.integrations.gymnasium import RewardWrapper
from rewardlab.integrations.gymnasium.envs import KeyDoorGrid
from rewardlab.integrations.gymnasium.leaves import EnvReward
from rewardlab.integrations.gymnasium.shaping import StateShaping, potential
from rewardlab.integrations.gymnasium.trainers import Discretizer, QLearning, success_fn, train_ppo

SOLUTION = [2, 2, 2, 2, 0, 0, 1, 1, 1, 1, 1, 1, 2, 2]  # key, door, goal


def test_the_door_opens_only_with_the_key() -> None:
    env = KeyDoorGrid()
    env.reset(seed=0)
    for a in (2, 2, 1, 1, 1):  # to the door row, then right into the wall
        _, _, _, _, info = env.step(a)
    assert info["position"] == (2, 2)  # blocked at the door without the key


def test_the_solution_walks_key_door_goal_with_events_and_a_rising_potential() -> None:
    env = KeyDoorGrid()
    obs, _ = env.reset(seed=0)
    events, phis = [], [env.potential(obs)]
    for a in SOLUTION:
        obs, reward, terminated, _truncated, info = env.step(a)
        events += info["events"]
        phis.append(env.potential(obs))
    assert events == ["key", "door", "goal"] and terminated and reward == 1.0 and info["is_success"]
    assert all(b > a for a, b in itertools.pairwise(phis))  # the optimal path always gains potential
    assert env.render().splitlines()[-1].endswith("A")


def test_the_grid_is_sparse_for_a_random_walk() -> None:
    env = KeyDoorGrid()
    rng = np.random.default_rng(0)
    successes = 0
    for k in range(20):
        env.reset(seed=k)
        for _ in range(100):
            _, _, terminated, truncated, _ = env.step(int(rng.integers(4)))
            if terminated or truncated:
                successes += terminated
                break
    assert successes <= 2


def test_vector_observations() -> None:
    env = KeyDoorGrid(obs_type="vector")
    obs, _info = env.reset(seed=0)
    np.testing.assert_allclose(obs, [0.0, 0.0, 0.0])
    assert env.decode(obs) == ((0, 0), False)
    assert env.observation_space.contains(obs)


def test_q_learning_solves_deterministic_frozenlake() -> None:
    agent = QLearning(alpha=0.5, gamma=0.95, epsilon=(1.0, 0.05, 2000), seed=0)
    log = agent.learn(gym.make("FrozenLake-v1", is_slippery=False), steps=4000, success="return>=1")
    assert log.steps == 4000 and any(r.success for r in log.episodes)
    assert agent.evaluate(gym.make("FrozenLake-v1", is_slippery=False), episodes=3)["success_rate"] == 1.0


def test_q_learning_with_potential_shaping_solves_the_grid() -> None:
    env = KeyDoorGrid(max_steps=60)
    shaped = RewardWrapper(env, StateShaping(potential=potential(env.potential), child=EnvReward(), gamma=0.95))
    agent = QLearning(alpha=0.5, gamma=0.95, epsilon=(0.5, 0.05, 4000), seed=1)
    log = agent.learn(shaped, steps=8000)
    assert log.episodes[-1].env_return in (0.0, 1.0)  # the env's own return, not the shaped one
    assert agent.evaluate(KeyDoorGrid(max_steps=60), episodes=3)["success_rate"] == 1.0


def test_q_learning_on_binned_cartpole_runs_and_stops_when_told() -> None:
    bins = Discretizer(low=[-2.4, -3, -0.21, -3], high=[2.4, 3, 0.21, 3], bins=6)
    agent = QLearning(alpha=0.2, gamma=0.99, epsilon=0.2, discretize=bins, seed=0)
    log = agent.learn(gym.make("CartPole-v1"), episodes=500, stop_when=lambda log: len(log.episodes) >= 5)
    assert len(log.episodes) == 5 and all(r.length > 0 for r in log.episodes)
    assert len(log.success_curve(window=2)) == 5


def test_success_criteria() -> None:
    with pytest.raises(ValueError, match="unknown success criterion"):
        success_fn("winning")


def test_ppo_on_cartpole_with_a_clipped_reward() -> None:
    result = train_ppo(
        lambda: gym.make("CartPole-v1"),
        {"type": "clip", "low": -1, "high": 1, "child": "env_reward"},
        total_timesteps=256,
        n_envs=2,
        success="length>=475",
        ppo_kwargs={"n_steps": 64, "batch_size": 64, "n_epochs": 1},
    )
    assert result.steps >= 256 and result.episodes and result.episodes[0].env_return == result.episodes[0].length
    assert result.evaluate(gym.make("CartPole-v1"), episodes=1)["episodes"] == 1


def test_ppo_on_mountaincar_with_an_rnd_bonus() -> None:
    spec = {"type": "weighted_sum", "children": ["env_reward", {"type": "rnd_bonus", "beta": 0.1, "update_every": 64}]}
    result = train_ppo(
        lambda: gym.make("MountainCar-v0", max_episode_steps=50),
        spec,
        total_timesteps=128,
        success="terminated",
        ppo_kwargs={"n_steps": 64, "batch_size": 64, "n_epochs": 1},
    )
    assert result.episodes and all(r.env_return == -50.0 for r in result.episodes)  # the env's return, not the mix
    assert all(r.return_ > r.env_return for r in result.episodes)  # the bonus is positive
