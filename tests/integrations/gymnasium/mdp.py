"""Value iteration on tabular MDPs given as gymnasium's ``P[s][a] = [(p, s', r, terminal), ...]``
(FrozenLake's own model, or a small one built here), with rewards recomputed by a rewardlab
reward over transition samples: the optimal policy before and after shaping is compared."""

from __future__ import annotations

import numpy as np

from rewardlab.core.reward import Reward
from rewardlab.integrations.gymnasium.transition import transition_sample

Model = dict[int, dict[int, list[tuple[float, int, float, bool]]]]


def reward_model(model: Model, reward: Reward) -> Model:
    """The same MDP with every transition's reward replaced by ``reward``'s score of it."""
    keys, samples = [], []
    for s, actions in model.items():
        for a, outcomes in actions.items():
            for k, (_, s2, r, done) in enumerate(outcomes):
                keys.append((s, a, k))
                samples.append(transition_sample(s, a, s2, r, done, False, {}))
    results = reward.score_batch(samples)
    out: Model = {s: {a: list(o) for a, o in acts.items()} for s, acts in model.items()}
    for (s, a, k), result in zip(keys, results, strict=True):
        assert result.score is not None, result.error
        p, s2, _, done = out[s][a][k]
        out[s][a][k] = (p, s2, result.score, done)
    return out


def value_iteration(model: Model, gamma: float, tol: float = 1e-12) -> tuple[np.ndarray, np.ndarray]:
    """Optimal state values and action values (terminal transitions do not bootstrap)."""
    n_s = len(model)
    n_a = len(model[0])
    v = np.zeros(n_s)
    while True:
        q = np.zeros((n_s, n_a))
        for s in range(n_s):
            for a in range(n_a):
                q[s, a] = sum(p * (r + (0.0 if done else gamma * v[s2])) for p, s2, r, done in model[s][a])
        new = q.max(axis=1)
        if np.max(np.abs(new - v)) < tol:
            return new, q
        v = new


def optimal_actions(q: np.ndarray, tol: float = 1e-9) -> list[frozenset[int]]:
    """The set of optimal actions of every state (ties kept)."""
    return [frozenset(np.flatnonzero(row >= row.max() - tol).tolist()) for row in q]


def chain(n: int = 6, goal_reward: float = 1.0) -> Model:
    """A corridor: action 1 moves right, 0 moves left; the right end pays and ends the episode."""
    model: Model = {}
    for s in range(n):
        model[s] = {}
        for a, move in ((0, -1), (1, 1)):
            s2 = min(max(s + move, 0), n - 1)
            done = s2 == n - 1
            model[s][a] = [(1.0, s2, goal_reward if done else 0.0, done)]
    return model


def potentials(n: int, rng: np.random.Generator, scale: float = 5.0) -> dict[int, float]:
    return {s: float(v) for s, v in enumerate(rng.normal(0, scale, n))}
