"""EPIC / STARC pseudometrics between reward functions: canonicalize, normalize, compare.

Two rewards that differ by potential shaping (``R'(s,a,s') = R(s,a,s') + gamma Phi(s') - Phi(s)``)
or by a positive scale induce the same optimal policies, so a distance between rewards should be
0 for them. EPIC (Gleave et al. 2021) and STARC (Skalse et al. 2024) get there in three steps:

1. **canonicalize** -- remove potential shaping:

   - *EPIC*: ``C(R)(s,a,s') = R(s,a,s') + E[gamma R(s',A,S') - R(s,A,S') - gamma R(S,A,S')]``
     with ``S, S' ~ D_S`` and ``A ~ D_A`` (coverage distributions over states and actions);
   - *value-adjusted levelling* (STARC's VAL), for a known transition model ``T`` and policy
     ``pi``: ``C(R)(s,a,s') = E_{S'~T(s,a)}[R(s,a,S') + gamma V(S')] - V(s)``, ``V`` the value of
     ``pi`` under ``R``;

2. **normalize** -- remove the scale: divide by the ``D``-weighted L2 norm (or L1; a zero reward
   stays zero);
3. **compare** under the transition distribution ``D`` over ``(s, a, s')``:

   - *EPIC*: ``sqrt((1 - rho) / 2)`` with ``rho`` the ``D``-weighted Pearson correlation of the
     canonicalized rewards (normalization is implicit in the correlation);
   - *STARC*: the ``D``-weighted L2 distance of the normalized canonical rewards, halved so
     that it lies in [0, 1].

Both are 0 under shaping and positive scaling, and reach their maximum, 1, when a reward is
compared with its negation.

For language-model rewards the MDP is a contextual bandit: the state is the prompt, the action a
completion, and the episode ends after it (``gamma = 0``). EPIC's canonicalization then centres
each prompt's rewards on their mean over the completions: :func:`grouped_distance` computes both
pseudometrics from two rewards' scores on groups of completions (e.g. the 16 candidates per prompt
of alpaca_bon16).

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> R = rng.normal(size=(4, 2, 4))
>>> phi = rng.normal(size=4)
>>> shaped = R + 0.9 * phi[None, None, :] - phi[:, None, None]
>>> round(epic_distance(R, 3.0 * shaped, gamma=0.9), 8), round(epic_distance(R, -R, gamma=0.9), 8)
(0.0, 1.0)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

__all__ = [
    "canonicalize_epic",
    "canonicalize_val",
    "epic_distance",
    "grouped_distance",
    "normalize",
    "starc_distance",
    "weighted_pearson",
]

Norm = Literal["l2", "l1"]


def _check_reward(reward: np.ndarray) -> np.ndarray:
    r = np.asarray(reward, dtype=float)
    if r.ndim != 3 or r.shape[0] != r.shape[2]:
        raise ValueError(f"a tabular reward must have shape (S, A, S), got {r.shape}")
    if not np.all(np.isfinite(r)):
        raise ValueError("the reward table holds non-finite values")
    return r


def _dist(d: np.ndarray | None, size: int, name: str) -> np.ndarray:
    if d is None:
        return np.full(size, 1.0 / size)
    arr = np.asarray(d, dtype=float)
    if arr.shape != (size,) or np.any(arr < 0) or not np.isclose(arr.sum(), 1.0):
        raise ValueError(f"{name} must be a probability vector of length {size}")
    return arr


def _transition_dist(d: np.ndarray | None, shape: tuple[int, ...]) -> np.ndarray:
    if d is None:
        return np.full(shape, 1.0 / np.prod(shape))
    arr = np.asarray(d, dtype=float)
    if arr.shape != shape or np.any(arr < 0) or not np.isclose(arr.sum(), 1.0):
        raise ValueError(f"the transition distribution must be a probability table of shape {shape}")
    return arr


def canonicalize_epic(
    reward: np.ndarray,
    gamma: float,
    *,
    state_dist: np.ndarray | None = None,
    action_dist: np.ndarray | None = None,
) -> np.ndarray:
    """EPIC's canonically shaped reward (invariant to potential shaping); uniform D_S, D_A by default."""
    r = _check_reward(reward)
    n_s, n_a, _ = r.shape
    ds = _dist(state_dist, n_s, "state_dist")
    da = _dist(action_dist, n_a, "action_dist")
    # m[x] = E_{A~da, S'~ds} R(x, A, S'); mean = E_{S~ds} m[S]
    m = np.einsum("xas,a,s->x", r, da, ds)
    mean = float(ds @ m)
    return r + gamma * m[None, None, :] - m[:, None, None] - gamma * mean


def canonicalize_val(reward: np.ndarray, transitions: np.ndarray, policy: np.ndarray, gamma: float) -> np.ndarray:
    """STARC's value-adjusted levelling: ``E_{S'~T(s,a)}[R(s,a,S') + gamma V(S')] - V(s)``.

    ``transitions[s, a, s']`` = T(s'|s,a); ``policy[s, a]`` = pi(a|s); ``gamma < 1``. The result
    does not depend on s' (it is broadcast over that axis).
    """
    r = _check_reward(reward)
    t = np.asarray(transitions, dtype=float)
    pi = np.asarray(policy, dtype=float)
    n_s, n_a, _ = r.shape
    if t.shape != r.shape or not np.allclose(t.sum(axis=2), 1.0) or np.any(t < 0):
        raise ValueError(f"transitions must have shape {r.shape} with each T(.|s,a) summing to 1")
    if pi.shape != (n_s, n_a) or not np.allclose(pi.sum(axis=1), 1.0) or np.any(pi < 0):
        raise ValueError(f"policy must have shape {(n_s, n_a)} with each pi(.|s) summing to 1")
    if not 0.0 <= gamma < 1.0:
        raise ValueError(f"value-adjusted levelling needs 0 <= gamma < 1, got {gamma}")
    q_immediate = np.einsum("sat,sat->sa", t, r)  # E[R(s,a,S')]
    r_pi = np.einsum("sa,sa->s", pi, q_immediate)
    p_pi = np.einsum("sa,sat->st", pi, t)
    value = np.linalg.solve(np.eye(n_s) - gamma * p_pi, r_pi)
    canon = q_immediate + gamma * (t @ value) - value[:, None]
    return np.broadcast_to(canon[:, :, None], r.shape).copy()


def normalize(values: np.ndarray, weights: np.ndarray, norm: Norm = "l2") -> np.ndarray:
    """``values`` divided by their ``weights``-weighted L2 (or L1) norm; an all-zero input stays zero."""
    v = np.asarray(values, dtype=float)
    w = np.asarray(weights, dtype=float)
    if norm == "l2":
        size = float(np.sqrt(np.sum(w * v * v)))
    elif norm == "l1":
        size = float(np.sum(w * np.abs(v)))
    else:
        raise ValueError(f"norm must be 'l2' or 'l1', got {norm!r}")
    return v / size if size > 1e-12 else np.zeros_like(v)


def weighted_pearson(x: np.ndarray, y: np.ndarray, weights: np.ndarray) -> float | None:
    """Pearson correlation of ``x`` and ``y`` under ``weights``; ``None`` if either is constant."""
    w = np.asarray(weights, dtype=float).ravel()
    w = w / w.sum()
    a, b = np.asarray(x, float).ravel(), np.asarray(y, float).ravel()
    da, db = a - w @ a, b - w @ b
    va, vb = float(w @ (da * da)), float(w @ (db * db))
    scale = max(1.0, float(np.max(np.abs(a))), float(np.max(np.abs(b)))) ** 2
    if va <= 1e-18 * scale or vb <= 1e-18 * scale:
        return None
    return float(np.clip((w @ (da * db)) / np.sqrt(va * vb), -1.0, 1.0))


def epic_distance(
    reward_a: np.ndarray,
    reward_b: np.ndarray,
    *,
    gamma: float,
    transition_dist: np.ndarray | None = None,
    state_dist: np.ndarray | None = None,
    action_dist: np.ndarray | None = None,
) -> float:
    """EPIC pseudometric in [0, 1]: sqrt((1 - rho)/2) of the EPIC-canonicalized rewards under D.

    Raises ``ValueError`` when a canonicalized reward is constant (equivalent to the zero reward),
    where the correlation is undefined.
    """
    ca = canonicalize_epic(reward_a, gamma, state_dist=state_dist, action_dist=action_dist)
    cb = canonicalize_epic(reward_b, gamma, state_dist=state_dist, action_dist=action_dist)
    d = _transition_dist(transition_dist, ca.shape)
    rho = weighted_pearson(ca, cb, d)
    if rho is None:
        raise ValueError("a reward is constant after canonicalization (shaping-equivalent to 0): EPIC is undefined")
    return float(np.sqrt(max(0.0, (1.0 - rho) / 2.0)))


def starc_distance(
    reward_a: np.ndarray,
    reward_b: np.ndarray,
    *,
    gamma: float,
    canonicalization: Literal["epic", "val"] = "epic",
    transitions: np.ndarray | None = None,
    policy: np.ndarray | None = None,
    transition_dist: np.ndarray | None = None,
    norm: Norm = "l2",
) -> float:
    """STARC-style pseudometric in [0, 1]: half the L2 distance of the normalized canonical rewards.

    ``canonicalization="val"`` needs ``transitions`` and ``policy`` (uniform policy if omitted).
    """
    if canonicalization == "epic":
        ca = canonicalize_epic(reward_a, gamma)
        cb = canonicalize_epic(reward_b, gamma)
    elif canonicalization == "val":
        if transitions is None:
            raise ValueError("value-adjusted levelling needs the transition model 'transitions'")
        n_s, n_a = np.shape(reward_a)[:2]
        pi = np.full((n_s, n_a), 1.0 / n_a) if policy is None else policy
        ca = canonicalize_val(reward_a, transitions, pi, gamma)
        cb = canonicalize_val(reward_b, transitions, pi, gamma)
    else:
        raise ValueError(f"canonicalization must be 'epic' or 'val', got {canonicalization!r}")
    d = _transition_dist(transition_dist, ca.shape)
    na, nb = normalize(ca, d, norm), normalize(cb, d, norm)
    diff = na - nb
    return float(min(1.0, np.sqrt(np.sum(d * diff * diff)) / 2.0))


def grouped_distance(scores_a: Sequence[float], scores_b: Sequence[float], groups: Sequence[Any]) -> dict[str, Any]:
    """EPIC and STARC distances of two rewards scored on groups of completions (gamma = 0).

    Each group is one prompt (state) with its completions (actions), weighted equally per
    completion. Canonicalization centres each group on its mean; groups of one completion carry
    no information and are dropped.
    """
    a = np.asarray(scores_a, dtype=float)
    b = np.asarray(scores_b, dtype=float)
    if not a.size == b.size == len(groups):
        raise ValueError("scores_a, scores_b and groups must have one entry per completion")
    keys: dict[Any, list[int]] = {}
    for i, g in enumerate(groups):
        keys.setdefault(g, []).append(i)
    ca, cb = [], []
    used = 0
    for idx in keys.values():
        if len(idx) < 2:
            continue
        used += 1
        ca.append(a[idx] - a[idx].mean())
        cb.append(b[idx] - b[idx].mean())
    if not ca:
        raise ValueError("no group has two or more completions: the distance needs several completions per prompt")
    xa, xb = np.concatenate(ca), np.concatenate(cb)
    w = np.full(xa.size, 1.0 / xa.size)
    rho = weighted_pearson(xa, xb, w)
    na, nb = normalize(xa, w), normalize(xb, w)
    starc = float(min(1.0, np.sqrt(np.sum(w * (na - nb) ** 2)) / 2.0))
    return {
        "epic": None if rho is None else float(np.sqrt(max(0.0, (1.0 - rho) / 2.0))),
        "pearson_canonical": rho,
        "starc": starc,
        "groups": used,
        "completions": int(xa.size),
        "note": None if rho is not None else "a reward is constant within every prompt: EPIC is undefined",
    }
