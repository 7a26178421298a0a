"""Intrinsic rewards against the papers' formulas on cases computed by hand, their one lifecycle
(observe, bonus, update, decay), and the spec nodes that mix and normalize them on gymnasium envs."""

from __future__ import annotations

import math
import pickle

import gymnasium as gym
import numpy as np
import pytest
import torch

from rewardlab import spec_from_dict
from rewardlab.integrations.gymnasium import RewardWrapper, VectorRewardWrapper
from rewardlab.integrations.gymnasium.intrinsic import CountBonus, ICMBonus, RNDBonus, SimHashBonus
from rewardlab.integrations.gymnasium.transition import transition_sample


def step(obs, action, next_obs):
    return transition_sample(obs, action, next_obs, 0.0, False, False, {})


# ---- counts --------------------------------------------------------------------------------
def test_exact_counts_pay_beta_over_sqrt_n() -> None:
    bonus = CountBonus(beta=0.3)
    visits = [step(0, 0, s) for s in (4, 4, 4, 9, 4)]  # state 4 four times, state 9 once
    bonus.observe(visits)
    assert bonus.count(visits[0]) == 4 and bonus.distinct == 2
    assert bonus.scores([visits[0], visits[3]]) == [pytest.approx(0.3 / 2), pytest.approx(0.3)]
    # scoring changes nothing: the same numbers again
    assert bonus.scores([visits[0], visits[3]]) == [pytest.approx(0.15), pytest.approx(0.3)]


def test_state_action_counts_are_mbie_eb() -> None:
    bonus = CountBonus(beta=1.0, key="state_action")
    bonus.observe([step(2, 0, 3)] * 9 + [step(2, 1, 3)])
    assert bonus.scores([step(2, 0, 5), step(2, 1, 5)]) == [pytest.approx(1 / 3), pytest.approx(1.0)]


def test_vector_states_count_exactly() -> None:
    bonus = CountBonus(beta=1.0)
    bonus.observe([step([0, 0], 0, np.array([1, 2]))] * 4)
    assert bonus.score(step([0, 0], 0, [1, 2])).score == pytest.approx(0.5)  # a list and an array: one state


def test_weight_decays_as_beta_times_one_minus_kappa_to_the_t() -> None:
    bonus = CountBonus(beta=2.0, kappa=0.1)
    bonus.observe([step(0, 0, 1)] * 3)
    result = bonus.score(step(0, 0, 2))  # never seen: counts as a first visit, raw bonus 1
    assert result.info == {"bonus": 1.0, "weight": pytest.approx(2.0 * 0.9**3)}
    assert result.score == pytest.approx(2.0 * 0.9**3)


def test_simhash_codes_are_the_sign_of_a_gaussian_projection() -> None:
    bonus = SimHashBonus(bits=3, beta=1.0, seed=5)
    a = np.random.default_rng(5).standard_normal((3, 2))  # A, drawn from the seed as documented
    x = np.array([[0.3, -1.2], [2.0, 0.1]])
    expected = np.where(x @ a.T > 0, 1, -1)
    np.testing.assert_array_equal(bonus.codes(x), expected)
    # by hand, with a projection we choose: sgn([[1, 0], [0, 1], [1, 1]] @ s)
    bonus._matrix = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    np.testing.assert_array_equal(bonus.codes([[0.5, -2.0]]), [[1, -1, -1]])
    near = [step([0, 0], 0, [0.5, -2.0]), step([0, 0], 0, [0.6, -2.5]), step([0, 0], 0, [-1.0, 1.0])]
    bonus.observe(near)  # the first two share a code
    assert bonus.scores(near) == [pytest.approx(1 / math.sqrt(2))] * 2 + [pytest.approx(1.0)]


def test_simhash_refuses_observations_that_change_size() -> None:
    bonus = SimHashBonus(bits=4)
    bonus.observe([step([0.0], 0, [1.0, 2.0])])
    result = bonus.score(step([0.0], 0, [1.0, 2.0, 3.0]))
    assert result.status.value == "error" and "changed size" in result.error


# ---- RND -----------------------------------------------------------------------------------
def _set_linear(net: torch.nn.Sequential, weight: list[list[float]], bias: list[float]) -> None:
    with torch.no_grad():
        net[0].weight.copy_(torch.tensor(weight))
        net[0].bias.copy_(torch.tensor(bias))


def test_rnd_bonus_is_the_squared_prediction_error() -> None:
    rnd = RNDBonus(hidden=[], out_dim=2, normalize_obs=False, optimizer="sgd", lr=0.1, update_every=2, batch_size=2)
    nets = rnd.networks(2)
    _set_linear(nets["target"], [[1.0, 0.0], [0.0, 1.0]], [0.0, 0.0])  # f(x) = x
    _set_linear(nets["predictor"], [[0.0, 0.0], [0.0, 0.0]], [0.0, 0.0])  # f_hat(x) = 0
    batch = [step([0, 0], 0, [1.0, 2.0]), step([0, 0], 0, [3.0, 0.0])]
    rnd.observe(batch)
    assert rnd.scores(batch) == [pytest.approx(5.0), pytest.approx(9.0)]  # ||x||^2
    # one SGD step on L = mean ||W x + b - x||^2: dL/dW = 2 mean(e x^T), dL/db = 2 mean(e), e = -x
    x = np.array([[1.0, 2.0], [3.0, 0.0]])
    e = -x
    grad_w = 2 * (e[:, :, None] * x[:, None, :]).mean(axis=0)
    grad_b = 2 * e.mean(axis=0)
    stats = rnd.update()
    assert stats["rnd_loss"] == pytest.approx(7.0)
    np.testing.assert_allclose(nets["predictor"][0].weight.detach().numpy(), -0.1 * grad_w, rtol=1e-6)
    np.testing.assert_allclose(nets["predictor"][0].bias.detach().numpy(), -0.1 * grad_b, rtol=1e-6)
    # the target never moves
    np.testing.assert_allclose(nets["target"][0].weight.detach().numpy(), np.eye(2))


def test_rnd_trains_only_every_update_every_transitions_and_novel_states_stay_novel() -> None:
    rnd = RNDBonus(hidden=[32], out_dim=8, update_every=16, lr=0.01, normalize_obs=False, seed=3)
    familiar = [step([0.0], 0, [0.2, 0.2]) for _ in range(8)]
    rnd.observe(familiar)
    assert rnd.update() == {}  # 8 < 16: nothing yet
    novel = step([0.0], 0, [3.0, -3.0])
    first_familiar = rnd.scores([familiar[0]])[0]
    for _ in range(60):
        rnd.observe(familiar)
        rnd.update()
    after_familiar, after_novel = rnd.scores([familiar[0], novel])
    assert after_familiar < 0.1 * first_familiar
    assert after_novel > 10 * after_familiar


def test_rnd_normalizes_observations_by_running_statistics_clipped_at_5() -> None:
    rnd = RNDBonus(hidden=[], out_dim=1, seed=0)
    rnd.observe([step([0.0], 0, [v]) for v in (0.0, 2.0)])  # mean 1, std 1
    x = rnd._inputs([step([0.0], 0, [3.0]), step([0.0], 0, [100.0])])
    np.testing.assert_allclose(x.ravel(), [2.0, 5.0], rtol=1e-6)


# ---- ICM -----------------------------------------------------------------------------------
def test_icm_bonus_is_half_the_forward_models_squared_error() -> None:
    icm = ICMBonus(actions=2, feature_dim=2, hidden=[], beta=0.5)
    nets = icm.networks(2, 2)
    _set_linear(nets["encoder"], [[1.0, 0.0], [0.0, 2.0]], [0.0, 0.0])  # phi(s) = (s0, 2 s1)
    # f(phi, a) = phi + (1, 0) for action 0, phi + (0, 1) for action 1
    _set_linear(nets["forward"], [[1.0, 0.0, 1.0, 0.0], [0.0, 1.0, 0.0, 1.0]], [0.0, 0.0])
    t = step([1.0, 1.0], 1, [2.0, 1.0])  # phi(s) = (1, 2), f = (1, 3), phi(s') = (2, 2): error (-1, 1)
    icm.observe([t])
    result = icm.score(t)
    assert result.info["bonus"] == pytest.approx(0.5 * 2.0)
    assert result.score == pytest.approx(0.5 * 0.5 * 2.0)  # eta / 2 * ||.||^2 with eta = beta = 0.5
    assert icm.score(step([1.0, 1.0], 0, [2.0, 1.0])).info["bonus"] == pytest.approx(0.0)  # f = (2, 2) = phi(s')


def test_icm_learns_a_deterministic_world_and_rejects_bad_actions() -> None:
    icm = ICMBonus(actions=2, feature_dim=4, hidden=[16], update_every=32, lr=0.01, seed=1)
    world = [step([float(i % 4), 0.0], i % 2, [float(i % 4) + (1 if i % 2 else -1), 0.0]) for i in range(32)]
    icm.observe(world)
    before = float(np.mean(icm.scores(world)))
    losses = []
    for _ in range(40):
        losses.append(icm.update())
        icm.observe(world)
    assert losses[0]["icm_inverse_loss"] > losses[-1]["icm_inverse_loss"]
    assert float(np.mean(icm.scores(world))) < before
    bad = icm.score(step([0.0, 0.0], 5, [1.0, 0.0]))
    assert bad.status.value == "error" and "integer in [0, 2)" in bad.error


def test_icm_with_continuous_actions_on_mountaincar_continuous() -> None:
    env = RewardWrapper(gym.make("MountainCarContinuous-v0"), {"type": "icm_bonus", "update_every": 8, "beta": 1.0})
    env.reset(seed=0)
    for _ in range(10):
        _, reward, _, _, info = env.step(env.action_space.sample())
        assert reward >= 0.0 and info["rewardlab"]["status"] == "ok"
    assert env.scorer.last_update["icm_forward_loss"] >= 0.0


# ---- the lifecycle on gymnasium envs -----------------------------------------------------------
def test_simhash_bonus_mixed_and_normalized_on_cartpole() -> None:
    spec = spec_from_dict(
        {
            "reward": {
                "type": "weighted_sum",
                "children": [
                    {"type": "env_reward", "name": "extrinsic"},
                    {
                        "type": "running_norm",
                        "name": "novelty",
                        "center": False,
                        "warmup": 1,
                        "weight": 0.1,
                        "child": {"type": "simhash_bonus", "bits": 16, "beta": 1.0},
                    },
                ],
            }
        }
    )
    env = RewardWrapper(gym.make("CartPole-v1"), spec)
    env.reset(seed=0)
    bonus = env.scorer.learners[0]
    for t in range(20):
        _, reward, terminated, truncated, info = env.step(t % 2)
        parts = info["rewardlab"]["components"]
        assert reward == pytest.approx(parts["extrinsic"] + 0.1 * parts["novelty"])
        if terminated or truncated:
            env.reset()
    assert bonus.observed == 20


def test_rnd_on_mountaincar_vector_env_observes_every_sub_env() -> None:
    envs = VectorRewardWrapper(
        gym.make_vec("MountainCar-v0", num_envs=3),
        {"type": "weighted_sum", "children": ["env_reward", {"type": "rnd_bonus", "update_every": 6, "beta": 0.5}]},
    )
    envs.reset(seed=0)
    for _ in range(4):
        _, rewards, _, _, info = envs.step(np.array([0, 1, 2]))
        bonus = info["rewardlab"]["components"]["rnd_bonus"]
        np.testing.assert_allclose(rewards, -1.0 + bonus)
        assert np.all(bonus > 0)
    rnd = envs.scorer.learners[0]
    assert rnd.observed == 12 and "rnd_loss" in envs.scorer.last_update


def test_intrinsic_rewards_pickle_with_their_state() -> None:
    bonus = CountBonus(beta=1.0)
    bonus.observe([step(0, 0, 1)] * 4)
    clone = pickle.loads(pickle.dumps(bonus))
    assert clone.score(step(0, 0, 1)).score == pytest.approx(0.5) and clone.observed == 4
