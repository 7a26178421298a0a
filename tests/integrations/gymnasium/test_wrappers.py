"""The reward wrappers on gymnasium's own environments: every transition scored by a spec, the
score returned (or added), components and status in ``info``, failures visible, vector envs
scored in one batch with gymnasium's autoreset modes."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode

from rewardlab import spec_from_dict
from rewardlab.integrations.gymnasium import RewardWrapper, TransitionRewardError, VectorRewardWrapper


def test_cartpole_clip_scale_and_add() -> None:
    env = RewardWrapper(gym.make("CartPole-v1"), {"type": "clip", "low": -1, "high": 0.5, "child": "env_reward"})
    env.reset(seed=0)
    _, reward, _, _, info = env.step(0)
    assert reward == 0.5
    assert info["rewardlab"] == {"score": 0.5, "env_reward": 1.0, "components": {"env_reward": 1.0}, "status": "ok"}
    added = RewardWrapper(
        gym.make("CartPole-v1"), {"type": "affine", "scale": 0.0, "shift": 2.0, "child": "env_reward"}, mode="add"
    )
    added.reset(seed=0)
    assert added.step(1)[1] == 3.0


def test_the_wrapper_sees_each_transition_s_a_s_prime() -> None:
    seen = []
    env = RewardWrapper(
        gym.make("FrozenLake-v1", is_slippery=False), {"type": "obs_linear", "weights": [1.0], "field": "next_obs"}
    )
    obs, _ = env.reset(seed=0)
    for action in (1, 1, 2):  # down, down, right (FrozenLake: 0 left, 1 down, 2 right): 0 -> 4 -> 8 -> 9
        next_obs, reward, *_ = env.step(action)
        seen.append((obs, next_obs, reward))
        obs = next_obs
    assert seen == [(0, 4, 4.0), (4, 8, 8.0), (8, 9, 9.0)]


def test_frozenlake_success_is_kept_in_components() -> None:
    spec = spec_from_dict(
        {
            "reward": {
                "type": "weighted_sum",
                "children": [
                    {"type": "env_reward", "weight": 10.0},
                    {
                        "type": "affine",
                        "name": "step_cost",
                        "shift": -0.01,
                        "scale": 0.0,
                        "child": {"type": "env_reward", "name": "raw"},
                    },
                ],
            }
        }
    )
    env = RewardWrapper(gym.make("FrozenLake-v1", is_slippery=False), spec)
    env.reset(seed=0)
    rewards = [env.step(a)[1] for a in (1, 1, 2, 2, 1)]  # 0 -> 4 -> 8 -> 9 -> 10 -> 14
    _, reward, terminated, _, info = env.step(2)  # 14 -> 15: the goal
    assert terminated and reward == pytest.approx(10.0 - 0.01)
    assert rewards == [pytest.approx(-0.01)] * 5
    assert info["rewardlab"]["components"] == {"env_reward": 1.0, "raw": 1.0, "step_cost": -0.01}


def test_a_failed_reward_is_an_error_never_a_silent_zero() -> None:
    env = RewardWrapper(gym.make("CartPole-v1"), {"type": "obs_linear", "weights": [1.0, 2.0]})  # 4 components
    env.reset(seed=0)
    with pytest.raises(TransitionRewardError, match="has 4 components, but 2 weights are given") as caught:
        env.step(0)
    assert caught.value.result.status.value == "error" and caught.value.step == 0
    # the spec may choose a default instead: then the score is that default, flagged
    tolerant = RewardWrapper(
        gym.make("CartPole-v1"), {"type": "obs_linear", "weights": [1.0], "on_error": "default=-5"}
    )
    tolerant.reset(seed=0)
    _, reward, _, _, info = tolerant.step(0)
    assert reward == -5.0 and info["rewardlab"]["status"] == "error" and "weights" in info["rewardlab"]["error"]


def test_step_before_reset_is_refused() -> None:
    env = RewardWrapper(gym.make("CartPole-v1"), "env_reward")
    with pytest.raises(gym.error.ResetNeeded):
        env.step(0)


def test_annealed_weight_follows_the_wrappers_step_count() -> None:
    env = RewardWrapper(
        gym.make("CartPole-v1"), {"type": "anneal", "start": 0.0, "end": 1.0, "end_step": 4, "child": "env_reward"}
    )
    env.reset(seed=0)
    assert [env.step(0)[1] for _ in range(5)] == [0.0, 0.25, 0.5, 0.75, 1.0]


def test_running_norm_of_mountaincar_rewards() -> None:
    env = RewardWrapper(
        gym.make("MountainCar-v0"),
        {
            "type": "running_norm",
            "warmup": 1,
            "child": {"type": "obs_linear", "weights": [1.0, 0.0], "field": "next_obs"},
        },
    )
    env.reset(seed=0)
    rewards = [env.step(2)[1] for _ in range(50)]
    assert rewards[0] == pytest.approx(0.0, abs=1e-6)  # one score seen: centred on itself
    assert all(np.isfinite(rewards)) and max(abs(r) for r in rewards) < 10


@pytest.mark.parametrize("mode", [AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP])
def test_vector_env_scores_one_batch_per_step_and_handles_autoreset(mode: AutoresetMode) -> None:
    envs = gym.make_vec(
        "FrozenLake-v1",
        num_envs=2,
        vectorization_mode="sync",
        is_slippery=False,
        vector_kwargs={"autoreset_mode": mode},
    )
    wrapped = VectorRewardWrapper(envs, {"type": "obs_linear", "weights": [1.0], "field": "next_obs"})
    wrapped.reset(seed=0)
    calls = []
    original = wrapped.scorer.score
    wrapped.scorer.score = lambda samples: calls.append(len(samples)) or original(samples)  # type: ignore[method-assign]
    # env 0 walks into the hole at 5 (right, down); env 1 walks down the left edge
    _, r1, *_ = wrapped.step(np.array([2, 1]))
    _, r2, term, _, info = wrapped.step(np.array([1, 1]))
    assert r1.tolist() == [1.0, 4.0] and r2.tolist() == [5.0, 8.0] and term.tolist() == [True, False]
    assert calls == [2, 2]
    _, r3, _, _, info = wrapped.step(np.array([2, 1]))
    if mode == AutoresetMode.NEXT_STEP:  # env 0's step is its reset: not a transition, env reward kept
        assert calls[-1] == 1 and r3[0] == 0.0 and info["rewardlab"]["status"][0] == "reset"
        assert np.isnan(info["rewardlab"]["score"][0])
    else:  # the hole was scored on the step that ended it; now env 0 moves right from the start
        assert calls[-1] == 2 and r3[0] == 1.0 and info["rewardlab"]["status"][0] == "ok"
    assert r3[1] == 12.0


def test_same_step_autoreset_scores_the_final_observation() -> None:
    envs = gym.make_vec(
        "FrozenLake-v1", num_envs=1, is_slippery=False, vector_kwargs={"autoreset_mode": AutoresetMode.SAME_STEP}
    )
    wrapped = VectorRewardWrapper(envs, {"type": "obs_linear", "weights": [1.0], "field": "next_obs"})
    wrapped.reset(seed=0)
    wrapped.step(np.array([2]))
    obs, reward, terminated, _, _ = wrapped.step(np.array([1]))  # into the hole at 5; obs is already the reset
    assert terminated[0] and obs[0] == 0 and reward[0] == 5.0


def test_vector_env_components_and_failures() -> None:
    envs = VectorRewardWrapper(
        gym.make_vec("CartPole-v1", num_envs=3), {"type": "state_table", "table": {}, "field": "action"}
    )
    envs.reset(seed=0)
    with pytest.raises(TransitionRewardError, match="not in the table"):
        envs.step(np.array([0, 1, 0]))
