"""EPIC / STARC on small tabular MDPs where the answer is known, and the grouped (LM) version."""

from __future__ import annotations

import numpy as np
import pytest

from rewardlab.evaluate.metrics.distance import (
    canonicalize_epic,
    canonicalize_val,
    epic_distance,
    grouped_distance,
    starc_distance,
)

S, A, GAMMA = 5, 3, 0.9


@pytest.fixture
def mdp() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(42)
    transitions = rng.random((S, A, S))
    transitions /= transitions.sum(axis=2, keepdims=True)
    policy = rng.random((S, A))
    policy /= policy.sum(axis=1, keepdims=True)
    return {
        "R": rng.normal(size=(S, A, S)),
        "other": rng.normal(size=(S, A, S)),
        "phi": rng.normal(size=S),
        "T": transitions,
        "pi": policy,
    }


def shaped(reward: np.ndarray, phi: np.ndarray, gamma: float = GAMMA) -> np.ndarray:
    """R(s,a,s') + gamma * phi(s') - phi(s)."""
    return reward + gamma * phi[None, None, :] - phi[:, None, None]


def test_canonicalization_removes_potential_shaping(mdp: dict[str, np.ndarray]) -> None:
    r, phi = mdp["R"], mdp["phi"]
    np.testing.assert_allclose(canonicalize_epic(shaped(r, phi), GAMMA), canonicalize_epic(r, GAMMA), atol=1e-12)
    np.testing.assert_allclose(
        canonicalize_val(shaped(r, phi), mdp["T"], mdp["pi"], GAMMA),
        canonicalize_val(r, mdp["T"], mdp["pi"], GAMMA),
        atol=1e-10,
    )


@pytest.mark.parametrize("metric", ["epic", "starc_epic", "starc_val"])
def test_known_distances(mdp: dict[str, np.ndarray], metric: str) -> None:
    r, phi = mdp["R"], mdp["phi"]

    def d(a: np.ndarray, b: np.ndarray) -> float:
        if metric == "epic":
            return epic_distance(a, b, gamma=GAMMA)
        if metric == "starc_epic":
            return starc_distance(a, b, gamma=GAMMA)
        return starc_distance(a, b, gamma=GAMMA, canonicalization="val", transitions=mdp["T"], policy=mdp["pi"])

    assert d(r, r) == pytest.approx(0.0, abs=1e-6)
    assert d(r, shaped(r, phi)) == pytest.approx(0.0, abs=1e-6)  # potential shaping: same reward
    assert d(r, 3.7 * r) == pytest.approx(0.0, abs=1e-6)  # positive scaling: same reward
    assert d(r, 2.0 * shaped(r, phi) + 0.0) == pytest.approx(0.0, abs=1e-6)
    assert d(r, -r) == pytest.approx(1.0, abs=1e-9)  # a sign flip: the maximum
    assert d(r, -0.5 * shaped(r, phi)) == pytest.approx(1.0, abs=1e-6)
    unrelated = d(r, mdp["other"])
    assert 0.2 < unrelated < 0.9
    assert d(mdp["other"], r) == pytest.approx(unrelated)  # symmetric


def test_triangle_inequality(mdp: dict[str, np.ndarray]) -> None:
    rng = np.random.default_rng(1)
    rewards = [mdp["R"], mdp["other"], rng.normal(size=(S, A, S)), shaped(mdp["other"], mdp["phi"])]
    for metric in (epic_distance, starc_distance):
        for a in rewards:
            for b in rewards:
                for c in rewards:
                    assert metric(a, c, gamma=GAMMA) <= metric(a, b, gamma=GAMMA) + metric(b, c, gamma=GAMMA) + 1e-9


def test_gridworld_goal_reward_vs_shaped_distance_reward() -> None:
    """A 1-D corridor: +1 for entering the goal; the same with a distance-to-goal potential is equivalent."""
    n, actions = 6, 2  # action 0: left, 1: right; state 5 is the goal (absorbing)
    transitions = np.zeros((n, actions, n))
    for s in range(n):
        transitions[s, 0, max(0, s - 1) if s < n - 1 else s] = 1.0
        transitions[s, 1, min(n - 1, s + 1) if s < n - 1 else s] = 1.0
    goal = np.zeros((n, actions, n))
    goal[: n - 1, :, n - 1] = 1.0
    phi = -np.abs(np.arange(n) - (n - 1)).astype(float)  # minus the distance to the goal
    rewarded = shaped(goal, phi)
    opposite = -goal
    assert epic_distance(goal, rewarded, gamma=GAMMA) == pytest.approx(0.0, abs=1e-7)
    assert starc_distance(goal, rewarded, gamma=GAMMA, canonicalization="val", transitions=transitions) == (
        pytest.approx(0.0, abs=1e-7)
    )
    assert epic_distance(goal, opposite, gamma=GAMMA) == pytest.approx(1.0)


def test_invalid_inputs_are_explained(mdp: dict[str, np.ndarray]) -> None:
    with pytest.raises(ValueError, match=r"shape \(S, A, S\)"):
        epic_distance(np.zeros((2, 2)), np.zeros((2, 2)), gamma=0.9)
    with pytest.raises(ValueError, match="constant after canonicalization"):
        epic_distance(mdp["R"], shaped(np.zeros((S, A, S)), mdp["phi"]), gamma=GAMMA)
    with pytest.raises(ValueError, match="gamma < 1"):
        canonicalize_val(mdp["R"], mdp["T"], mdp["pi"], 1.0)
    with pytest.raises(ValueError, match="transition model"):
        starc_distance(mdp["R"], mdp["R"], gamma=GAMMA, canonicalization="val")


def test_grouped_distance_for_language_model_rewards() -> None:
    rng = np.random.default_rng(0)
    groups = np.repeat(np.arange(20), 8)
    base = rng.normal(size=groups.size)
    offsets = rng.normal(size=20)[groups] * 5  # a per-prompt offset is shaping when gamma = 0
    same = grouped_distance(base, 2.0 * base + offsets, groups)
    assert same["epic"] == pytest.approx(0.0, abs=1e-7) and same["starc"] == pytest.approx(0.0, abs=1e-7)
    flipped = grouped_distance(base, -base + offsets, groups)
    assert flipped["epic"] == pytest.approx(1.0) and flipped["starc"] == pytest.approx(1.0)
    noise = grouped_distance(base, rng.normal(size=groups.size), groups)
    assert 0.5 < noise["epic"] < 0.9 and noise["groups"] == 20 and noise["completions"] == 160
    const = grouped_distance(base, offsets, groups)  # constant within every prompt
    assert const["epic"] is None and "undefined" in const["note"]
    with pytest.raises(ValueError, match="several completions per prompt"):
        grouped_distance([1.0, 2.0], [1.0, 2.0], ["a", "b"])
