"""Potential-based shaping over states leaves the optimal policy unchanged (Ng et al. 1999, Theorem 1),
checked by value iteration on gymnasium's own FrozenLake model and a corridor; a bonus that is not
a potential difference changes it."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

from rewardlab import spec_from_dict
from rewardlab.compose import Affine, WeightedSum
from rewardlab.integrations.gymnasium import RewardWrapper
from rewardlab.integrations.gymnasium.leaves import EnvReward, StateTable
from rewardlab.integrations.gymnasium.shaping import StateShaping, potential
from rewardlab.integrations.gymnasium.transition import transition_sample

from .mdp import chain, optimal_actions, potentials, reward_model, value_iteration


def frozenlake_model(slippery: bool) -> dict:
    env = gym.make("FrozenLake-v1", is_slippery=slippery)
    return {s: {a: list(o) for a, o in acts.items()} for s, acts in env.unwrapped.P.items()}


@pytest.mark.parametrize("slippery", [False, True])
@pytest.mark.parametrize("gamma", [0.9, 0.99])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_potential_shaping_keeps_frozenlakes_optimal_policy(slippery: bool, gamma: float, seed: int) -> None:
    model = frozenlake_model(slippery)
    _, q = value_iteration(model, gamma)
    phi = potentials(len(model), np.random.default_rng(seed))
    shaped = reward_model(model, StateShaping(potential=StateTable(table=phi), child=EnvReward(), gamma=gamma))
    _, q_shaped = value_iteration(shaped, gamma)
    assert optimal_actions(q_shaped) == optimal_actions(q)
    # Q*_shaped(s, a) = Q*(s, a) - phi(s) (Ng et al.): the shaping only shifts each state's values
    for s in range(len(model)):
        if all(done for a in model[s] for _, _, _, done in model[s][a]):  # holes and the goal
            continue
        np.testing.assert_allclose(q_shaped[s], q[s] - phi[s], atol=1e-6)


def test_potential_shaping_keeps_the_corridors_policy_and_a_plain_bonus_changes_it() -> None:
    gamma = 0.9
    model = chain()
    _, q = value_iteration(model, gamma)
    assert all(best == {1} for best in optimal_actions(q)[:-1])  # walk right
    phi = {0: 3.0, 1: -2.0, 2: 4.0, 3: 0.0, 4: 1.0, 5: 0.0}
    shaped = reward_model(model, StateShaping(potential=potential(phi), child=EnvReward(), gamma=gamma))
    assert optimal_actions(value_iteration(shaped, gamma)[1]) == optimal_actions(q)

    # A bonus paid for *entering* state 0 (not a potential difference): bumping into the left wall
    # earns it forever, worth more than the far goal, so the optimal policy walks left.
    bonus = spec_from_dict(
        {
            "reward": {
                "type": "weighted_sum",
                "children": [
                    {"type": "env_reward"},
                    {"type": "obs_linear", "field": "next_obs", "weights": [-0.2], "bias": 0.2, "name": "home"},
                ],
            }
        }
    ).reward
    q_bonus = value_iteration(reward_model(model, bonus), gamma)[1]
    assert optimal_actions(q_bonus)[0] == {0}
    assert optimal_actions(q_bonus) != optimal_actions(q)


def test_the_same_bonus_as_a_potential_difference_keeps_the_policy() -> None:
    # The same 'home' signal, paid as gamma * phi(s') - phi(s) with phi = the bonus: harmless.
    gamma = 0.9
    model = chain()
    home = {s: 0.2 * (1 - s) for s in range(6)}
    shaped = reward_model(model, StateShaping(potential=potential(lambda s: home[s]), child=EnvReward(), gamma=gamma))
    assert optimal_actions(value_iteration(shaped, gamma)[1]) == optimal_actions(value_iteration(model, gamma)[1])


def test_shaping_terms_by_hand() -> None:
    node = StateShaping(potential=StateTable(table={"0": 1.0, "1": 3.0}), child=EnvReward(), gamma=0.5)
    step = transition_sample(0, 1, 1, 2.0, False, False, {})
    result = node.score(step)
    assert result.score == pytest.approx(2.0 + 0.5 * 3.0 - 1.0)
    assert result.info == {"phi": 1.0, "phi_next": 3.0, "shaping": pytest.approx(0.5)}
    assert result.components["env_reward"] == 2.0
    # terminal: phi(s') counts as 0; truncated: it keeps its potential
    assert node.score(transition_sample(0, 1, 1, 2.0, True, False, {})).score == pytest.approx(1.0)
    assert node.score(transition_sample(0, 1, 1, 2.0, False, True, {})).score == pytest.approx(2.5)


def test_a_potential_that_fails_fails_the_transition_by_name() -> None:
    node = StateShaping(potential=StateTable(table={"0": 1.0}), child=EnvReward())
    result = node.score(transition_sample(0, 1, 7, 0.0, False, False, {}))
    assert result.score is None and result.status.value == "error"
    assert "potential 'state_table'" in result.error and "state '7' is not in the table" in result.error


def test_shaping_spec_on_mountaincar_rewards_height() -> None:
    spec = {
        "type": "state_shaping",
        "gamma": 1.0,
        "child": {"type": "env_reward"},
        "potential": {"type": "obs_linear", "weights": [10.0, 0.0]},
    }
    env = RewardWrapper(gym.make("MountainCar-v0"), spec)
    obs, _ = env.reset(seed=0)
    next_obs, reward, *_, info = env.step(2)
    assert reward == pytest.approx(-1.0 + 10.0 * (next_obs[0] - obs[0]), abs=1e-5)
    assert info["rewardlab"]["components"]["env_reward"] == -1.0
    assert info["rewardlab"]["components"]["state_shaping.shaping"] == pytest.approx(reward + 1.0, abs=1e-9)


def test_potential_from_a_callable_is_not_a_spec_but_scores() -> None:
    shaped = StateShaping(potential=potential(lambda s: float(s)), child=Affine(child=EnvReward(), scale=1.0), gamma=1)
    assert shaped.score(transition_sample(1, 0, 4, 0.0, False, False, {})).score == 3.0
    assert WeightedSum(children=[shaped]).score(transition_sample(1, 0, 4, 0.0, False, False, {})).score == 3.0
