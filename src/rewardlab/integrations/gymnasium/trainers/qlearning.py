"""Tabular Q-learning (Watkins 1989): a small, dependable learner to measure rewards with.

Epsilon-greedy with a linearly decaying epsilon, ties broken at random, bootstrapping through
truncation (a time limit is not a terminal state). Continuous observations are binned by a
:class:`Discretizer`. With ``counterfactual=True`` on a :class:`RewardMachineWrapper` env, each
step also updates the Q-values of every other machine state with the experience it would have
had (CRM, Toro Icarte et al. 2022).

With ``reward=`` (a :class:`~rewardlab.integrations.gymnasium.scoring.TransitionScorer`) the env
stays unwrapped and its transitions are scored many at a time, one call of the reward per batch
(a sandboxed reward program pays a process round trip per call, not per transition): the agent
acts with the values it has, collecting transitions, until the batch holds ``batch`` of them or
the agent is to choose greedily in a state that one of them left; then the batch is scored and
its Q-updates are applied in the order of the steps. An update changes only the values of the
state it left, so every greedy choice reads the same values as in per-step Q-learning (an
exploring one reads none), and the updates are the same in the same order: what is learned is
identical for any ``batch`` (the random draws too); only the number of calls changes.

>>> import gymnasium as gym
>>> agent = QLearning(alpha=0.5, gamma=0.95, epsilon=(1.0, 0.05, 2000), seed=0)
>>> log = agent.learn(gym.make("FrozenLake-v1", is_slippery=False), steps=4000)
>>> agent.evaluate(gym.make("FrozenLake-v1", is_slippery=False), episodes=5)["success_rate"]
1.0
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import gymnasium as gym
import numpy as np

from ..transition import state_key, transition_sample
from .episodes import EpisodeRecord, EpisodeRecorder, Success, evaluate_policy

if TYPE_CHECKING:
    from ....core.sample import Sample
    from ..scoring import TransitionScorer

__all__ = ["Discretizer", "QLearning", "TrainingLog"]


class Discretizer:
    """Bins a continuous observation: ``bins`` equal bins per component between ``low`` and ``high``
    (values outside go to the end bins).

    >>> Discretizer(low=[-1.0, 0.0], high=[1.0, 1.0], bins=4)([0.1, 0.99])
    (2, 3)
    """

    def __init__(self, low: Sequence[float], high: Sequence[float], bins: int | Sequence[int]) -> None:
        self.low = np.asarray(low, dtype=np.float64)
        self.high = np.asarray(high, dtype=np.float64)
        self.bins = np.broadcast_to(np.asarray(bins, dtype=np.int64), self.low.shape).copy()
        if np.any(self.high <= self.low) or np.any(self.bins < 1):
            raise ValueError("need low < high and at least one bin per component")

    def __call__(self, obs: Any) -> tuple[int, ...]:
        x = np.asarray(obs, dtype=np.float64).ravel()
        frac = (x - self.low) / (self.high - self.low)
        idx = np.clip(np.floor(frac * self.bins).astype(np.int64), 0, self.bins - 1)
        return tuple(int(i) for i in idx)


@dataclass
class TrainingLog:
    """Every finished training episode, and the steps taken."""

    episodes: list[EpisodeRecord] = field(default_factory=list)
    steps: int = 0

    def success_curve(self, window: int = 20) -> list[float]:
        """Moving average of episode success over ``window`` episodes."""
        flags = np.array([r.success for r in self.episodes], dtype=np.float64)
        if not len(flags):
            return []
        kernel = np.ones(min(window, len(flags)))
        counts = np.convolve(np.ones_like(flags), kernel)[: len(flags)]
        return (np.convolve(flags, kernel)[: len(flags)] / counts).tolist()


class QLearning:
    """Tabular Q-learning; ``epsilon`` is a constant or ``(start, end, decay_steps)``."""

    def __init__(
        self,
        *,
        alpha: float = 0.1,
        gamma: float = 0.99,
        epsilon: float | tuple[float, float, int] = 0.1,
        q_init: float = 0.0,
        seed: int = 0,
        discretize: Callable[[Any], Any] | None = None,
        counterfactual: bool = False,
    ) -> None:
        self.alpha, self.gamma, self.q_init = alpha, gamma, q_init
        self.epsilon = epsilon if isinstance(epsilon, tuple) else (float(epsilon), float(epsilon), 1)
        self.rng = np.random.default_rng(seed)
        self.seed = seed
        self.discretize = discretize
        self.counterfactual = counterfactual
        self.q: dict[Any, np.ndarray] = {}
        self.n_actions = 0
        self.steps = 0

    def key(self, obs: Any) -> Any:
        if self.discretize is not None:
            if isinstance(obs, dict) and "machine" in obs:  # a reward machine's product observation
                return (self.discretize(obs["obs"]), int(obs["machine"]))
            return self.discretize(obs)
        return state_key(obs)

    def values(self, obs: Any) -> np.ndarray:
        return self._row(self.key(obs))

    def _row(self, k: Any) -> np.ndarray:
        row = self.q.get(k)
        if row is None:
            row = self.q[k] = np.full(self.n_actions, self.q_init, dtype=np.float64)
        return row

    def current_epsilon(self) -> float:
        start, end, decay = self.epsilon
        return float(end + (start - end) * max(0.0, 1.0 - self.steps / max(decay, 1)))

    def greedy(self, obs: Any) -> int:
        row = self.values(obs)
        best = np.flatnonzero(row == row.max())
        return int(best[0] if len(best) == 1 else self.rng.choice(best))

    def act(self, obs: Any, *, before_greedy: Callable[[Any], None] | None = None) -> int:
        """Epsilon-greedy; ``before_greedy(obs)`` runs when the choice reads the values (not when exploring)."""
        if self.rng.random() < self.current_epsilon():
            return int(self.rng.integers(self.n_actions))
        if before_greedy is not None:
            before_greedy(obs)
        return self.greedy(obs)

    def _update(self, obs: Any, action: int, reward: float, next_obs: Any, terminal: bool) -> None:
        self._update_keys(self.key(obs), action, reward, self.key(next_obs), terminal)

    def _update_keys(self, k: Any, action: int, reward: float, next_k: Any, terminal: bool) -> None:
        row = self._row(k)
        target = reward if terminal else reward + self.gamma * float(self._row(next_k).max())
        row[action] += self.alpha * (target - row[action])

    def learn(
        self,
        env: gym.Env,  # type: ignore[type-arg]
        *,
        steps: int | None = None,
        episodes: int | None = None,
        success: str | Success | None = None,
        stop_when: Callable[[TrainingLog], bool] | None = None,
        reward: TransitionScorer | None = None,
        batch: int = 64,
    ) -> TrainingLog:
        """Train on ``env`` for ``steps`` environment steps or ``episodes`` episodes (or until
        ``stop_when(log)``); returns every finished episode.

        ``reward``: score the transitions with this scorer instead of using the env's reward, up to
        ``batch`` transitions per call (see the module's docstring); a batch also ends where an
        episode ends that may stop the training (``stop_when`` or the ``episodes`` budget)."""
        if steps is None and episodes is None:
            raise ValueError("give a budget: steps=N or episodes=N")
        if not isinstance(env.action_space, gym.spaces.Discrete):
            raise ValueError(f"tabular Q-learning needs a Discrete action space, got {env.action_space}")
        self.n_actions = int(env.action_space.n)
        if reward is not None:
            if self.counterfactual:
                raise ValueError("counterfactual=True reads rewards from a RewardMachineWrapper, not from reward=")
            if batch < 1:
                raise ValueError(f"batch must be at least 1 transition per call, got {batch}")
            return self._learn_scored(env, reward, batch, steps, episodes, success, stop_when)
        crm = None
        if self.counterfactual:
            try:
                crm = env.get_wrapper_attr("counterfactuals")
            except AttributeError:
                raise ValueError("counterfactual=True needs a RewardMachineWrapper in the env") from None
        recorder = EpisodeRecorder(env, success)
        log = TrainingLog(episodes=recorder.records)
        episode = 0
        obs, _ = recorder.reset(seed=self.seed)
        while True:
            action = self.act(obs)
            next_obs, reward, terminated, truncated, info = recorder.step(action)
            self.steps += 1
            if crm is not None:
                for c_obs, c_reward, c_next, c_done in crm(obs["obs"], next_obs["obs"], info):
                    self._update(c_obs, action, c_reward, c_next, c_done)
            else:
                self._update(obs, action, float(reward), next_obs, bool(terminated))
            obs = next_obs
            log.steps = self.steps
            if terminated or truncated:
                episode += 1
                if stop_when is not None and stop_when(log):
                    break
                if episodes is not None and episode >= episodes:
                    break
                obs, _ = recorder.reset(seed=self.seed + 7919 * episode)
            if steps is not None and self.steps >= steps:
                break
        return log

    def _learn_scored(
        self,
        env: gym.Env,  # type: ignore[type-arg]
        scorer: TransitionScorer,
        batch: int,
        steps: int | None,
        episodes: int | None,
        success: str | Success | None,
        stop_when: Callable[[TrainingLog], bool] | None,
    ) -> TrainingLog:
        recorder = EpisodeRecorder(env, success)
        log = TrainingLog(episodes=recorder.records)
        samples: list[Sample] = []
        pending: list[tuple[Any, int, Any, bool, int | None]] = []  # state, action, next state, terminated, record
        left: set[Any] = set()  # the states the pending transitions left (their values wait for the rewards)
        running = [0.0]  # the trained reward's return of the unfinished episode

        def flush() -> None:
            rewards, _ = scorer.score(samples)  # raises TransitionRewardError: no update from a failed batch
            for (k, a, next_k, terminal, record), r in zip(pending, rewards, strict=True):
                self._update_keys(k, a, float(r), next_k, terminal)
                running[0] += float(r)
                if record is not None:  # the episode's return of the reward it was trained on
                    log.episodes[record].return_ = running[0]
                    running[0] = 0.0
            samples.clear()
            pending.clear()
            left.clear()

        def settle(state: Any) -> None:  # the values of a state a pending transition left wait for its reward
            if samples and self.key(state) in left:
                flush()

        episode = 0
        obs, _ = recorder.reset(seed=self.seed)
        while True:
            action = self.act(obs, before_greedy=settle)
            k = self.key(obs)
            left.add(k)
            next_obs, env_reward, terminated, truncated, info = recorder.step(action)
            self.steps += 1
            log.steps = self.steps
            ended = bool(terminated or truncated)
            # copies: the transition waits for its batch, and an env may reuse its observation arrays
            sample = transition_sample(
                _copy(obs), action, _copy(next_obs), float(env_reward), terminated, truncated, info
            )
            samples.append(sample)
            pending.append((k, action, self.key(next_obs), bool(terminated), len(log.episodes) - 1 if ended else None))
            obs = next_obs
            if ended:
                episode += 1
            out_of_steps = steps is not None and self.steps >= steps
            last_episode = ended and episodes is not None and episode >= episodes
            if len(samples) >= batch or out_of_steps or last_episode or (ended and stop_when is not None):
                flush()
            if ended:
                if stop_when is not None and stop_when(log):
                    break
                if last_episode:
                    break
                obs, _ = recorder.reset(seed=self.seed + 7919 * episode)
            if out_of_steps:
                break
        return log

    def evaluate(
        self,
        env: gym.Env,  # type: ignore[type-arg]
        *,
        episodes: int = 10,
        seed: int = 10_000,
        success: str | Success | None = None,
        max_steps: int = 10_000,
    ) -> dict[str, float]:
        """Greedy success rate and env return over ``episodes`` episodes."""
        if not self.n_actions:
            self.n_actions = int(env.action_space.n)  # type: ignore[attr-defined]
        return evaluate_policy(self.greedy, env, episodes=episodes, seed=seed, success=success, max_steps=max_steps)


def _copy(obs: Any) -> Any:
    if isinstance(obs, np.ndarray):
        return obs.copy()
    if isinstance(obs, dict):
        return {k: _copy(v) for k, v in obs.items()}
    return obs
