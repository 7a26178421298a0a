"""How good a candidate reward is: run it in the sandbox, train a policy with it, measure the task.

A candidate is first parsed (``invalid`` when it is not a program defining ``compute_reward``),
then read by the static screen (``escape``), then scored on a batch of transitions from a random
rollout (``crash``, ``timeout``, ``nan`` are caught there before any
training), then used to train a fresh policy per seed for the task's budget; a reward that fails during
training ends that run with the same statuses.

The sandbox is called with many transitions at once: the Q-learner scores up to ``batch``
transitions per call (:meth:`~rewardlab.integrations.gymnasium.trainers.QLearning.learn` with
``reward=``; it learns exactly what it would learn with a call per step), PPO a whole rollout per
call (:func:`~rewardlab.integrations.gymnasium.trainers.train_ppo` with ``scorer=``; the same).
Each evaluation records its sandbox calls and the transitions they scored. Fitness is the greedy policy's
success rate on the task (the env's own criterion) averaged over seeds; the env's return breaks
ties. Each component's statistics over training (mean, std, min, max) and the training curve are
kept for the reflection and the report.
"""

from __future__ import annotations

import ast
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..code import RewardCode
from ..scoring import TransitionRewardError, TransitionScorer
from ..trainers.episodes import EpisodeRecord
from .tasks import SearchTask

__all__ = ["REWARD_BATCH", "Candidate", "Evaluation", "classify", "evaluate_candidate"]

REWARD_BATCH = 64
"""Most transitions per sandbox call while a Q-learner trains. A batch also ends when the agent is
to choose greedily in a state it left in the batch, which keeps the learning identical to per-step
rewards: on the key-door task (6,000 steps a seed) the good candidate takes 2,502 calls for seeds 0
and 1 instead of 12,000, with any batch of 64 or more. The sandbox's ``timeout_s`` is per call."""
SMOKE_TRANSITIONS = 64

STATUSES = ("ok", "crash", "timeout", "nan", "escape", "invalid")
"""``invalid``: no program to run (the proposer failed, the code does not parse or defines no
``compute_reward``); the others as in the module docstring."""


@dataclass
class Candidate:
    """A reward program to evaluate: its ``code``, where it came from (``source``: a file, the
    endpoint), and ``error`` when the proposer could not produce one (an endpoint failure)."""

    name: str
    code: str
    round: int = 1
    source: str = ""
    error: str | None = None


@dataclass
class Evaluation:
    candidate: Candidate
    status: str
    fitness: float | None = None
    env_return: float | None = None
    error: str | None = None
    per_seed: list[dict[str, Any]] = field(default_factory=list)
    components: dict[str, dict[str, float]] = field(default_factory=dict)
    curve: list[float] = field(default_factory=list)
    seconds: float = 0.0
    sandbox_calls: int = 0
    """Calls of the candidate's program in the sandbox (the smoke test's batch and training's)."""
    transitions: int = 0
    """Transitions those calls scored."""

    def as_row(self) -> dict[str, Any]:
        return {
            "round": self.candidate.round,
            "name": self.candidate.name,
            "source": self.candidate.source,
            "status": self.status,
            "fitness": self.fitness,
            "env_return": self.env_return,
            "error": self.error,
            "per_seed": self.per_seed,
            "components": self.components,
            "curve": self.curve,
            "seconds": round(self.seconds, 3),
            "sandbox_calls": self.sandbox_calls,
            "transitions": self.transitions,
            "code": self.candidate.code,
        }


def classify(status: str, error: str | None) -> str:
    """A failed result's search status: ``timeout``, ``nan`` (a non-finite reward), ``escape`` or ``crash``.

    >>> classify("error", "ValueError: compute_reward returned nan, not a finite number")
    'nan'
    """
    text = error or ""
    if status == "timeout":
        return "timeout"
    if "not a finite number" in text or "non-finite" in text:
        return "nan"
    if "tries to escape" in text:
        return "escape"
    return "crash"


class _ComponentStats:
    def __init__(self) -> None:
        self.values: dict[str, list[float]] = {}
        self.calls = 0
        self.transitions = 0

    def add(self, components: dict[str, float | None]) -> None:
        for k, v in components.items():
            if v is not None:
                self.values.setdefault(k, []).append(float(v))

    def summary(self) -> dict[str, dict[str, float]]:
        return {
            k: {"mean": float(np.mean(v)), "std": float(np.std(v)), "min": float(np.min(v)), "max": float(np.max(v))}
            for k, v in self.values.items()
        }


def _no_function(code: str, name: str = "compute_reward") -> str | None:
    """Why ``code`` is not a reward program (it does not parse, or has no top-level ``def
    compute_reward``), else ``None``. Parsing runs nothing."""
    try:
        tree = ast.parse(code)
    except SyntaxError as exc:
        return f"the code does not parse: {exc.msg} (line {exc.lineno})"
    except ValueError as exc:  # null bytes
        return f"the code does not parse: {exc}"
    if any(isinstance(node, ast.FunctionDef) and node.name == name for node in tree.body):
        return None
    return f"the code defines no top-level function {name}()"


def _random_transitions(task: SearchTask, n: int, seed: int) -> list[Any]:
    from ..transition import transition_sample

    env = task.make_env()
    obs, _ = env.reset(seed=seed)
    env.action_space.seed(seed)
    out = []
    while len(out) < n:
        action = env.action_space.sample()
        next_obs, reward, terminated, truncated, info = env.step(action)
        out.append(transition_sample(obs, action, next_obs, float(reward), terminated, truncated, info))
        obs = next_obs
        if terminated or truncated:
            obs, _ = env.reset()
    return out


def _reward(candidate: Candidate, options: dict[str, Any]) -> RewardCode:
    return RewardCode(code=candidate.code, name="candidate", **options)


def evaluate_candidate(
    candidate: Candidate,
    task: SearchTask,
    *,
    seeds: int = 2,
    train_steps: int | None = None,
    sandbox: dict[str, Any] | None = None,
    batch: int = REWARD_BATCH,
) -> Evaluation:
    """Screen, smoke-test, train and measure one candidate (never raises for the candidate's faults).

    ``batch``: transitions per sandbox call while a Q-learner trains (1: a call per step)."""
    if batch < 1:
        raise ValueError(f"batch: expected at least 1 transition per sandbox call, got {batch}")
    started = time.perf_counter()
    invalid = candidate.error or _no_function(candidate.code)
    if invalid:
        return Evaluation(candidate, "invalid", error=invalid, seconds=time.perf_counter() - started)
    options = {"timeout_s": 2.0, **(sandbox or {})}
    reward = _reward(candidate, options)
    try:
        found = reward.escape_attempts()
        if found and reward.screen == "refuse":
            return Evaluation(candidate, "escape", error="; ".join(found[:5]), seconds=time.perf_counter() - started)
        smoke = reward.score_batch(_random_transitions(task, SMOKE_TRANSITIONS, seed=0))
        bad = next((r for r in smoke if r.score is None), None)
        if bad is not None:
            return Evaluation(
                candidate,
                classify(bad.status.value, bad.error),
                error=bad.error,
                seconds=time.perf_counter() - started,
                sandbox_calls=1,
                transitions=len(smoke),
            )
        evaluation = _train_all(candidate, task, reward, seeds, train_steps or task.train_steps, batch, started)
        evaluation.sandbox_calls += 1
        evaluation.transitions += len(smoke)
        return evaluation
    finally:
        reward.close()


def _train_all(
    candidate: Candidate, task: SearchTask, reward: RewardCode, seeds: int, steps: int, batch: int, started: float
) -> Evaluation:
    stats = _ComponentStats()
    per_seed: list[dict[str, Any]] = []
    curve: list[float] = []
    for seed in range(seeds):
        try:
            policy, episodes = _train(task, _Scorer(reward, stats), seed, steps, batch)
        except TransitionRewardError as exc:
            r = exc.result
            return Evaluation(
                candidate,
                classify(r.status.value, r.error),
                error=f"during training (seed {seed}, step {exc.step}): {r.error}",
                components=stats.summary(),
                seconds=time.perf_counter() - started,
                sandbox_calls=stats.calls,
                transitions=stats.transitions,
            )
        from ..trainers.episodes import evaluate_policy

        result = evaluate_policy(
            policy, task.make_env(), episodes=task.eval_episodes, seed=1000 + seed, success=task.success
        )
        per_seed.append({"seed": seed, **result, "train_episodes": len(episodes)})
        if seed == 0:
            curve = _curve(episodes)
    fitness = float(np.mean([s["success_rate"] for s in per_seed]))
    env_return = float(np.mean([s["env_return"] for s in per_seed]))
    return Evaluation(
        candidate,
        "ok",
        fitness=fitness,
        env_return=env_return,
        per_seed=per_seed,
        components=stats.summary(),
        curve=curve,
        seconds=time.perf_counter() - started,
        sandbox_calls=stats.calls,
        transitions=stats.transitions,
    )


def _curve(episodes: list[EpisodeRecord], window: int = 10) -> list[float]:
    flags = [float(e.success) for e in episodes]
    return [float(np.mean(flags[max(0, i - window + 1) : i + 1])) for i in range(len(flags))]


def _train(
    task: SearchTask, scorer: TransitionScorer, seed: int, steps: int, batch: int
) -> tuple[Any, list[EpisodeRecord]]:
    if task.trainer == "qlearning":
        from ..trainers.qlearning import QLearning

        agent = QLearning(seed=seed, **task.trainer_kwargs)
        log = agent.learn(task.make_env(), steps=steps, success=task.success, reward=scorer, batch=batch)
        return agent.greedy, log.episodes
    from ..trainers.ppo import train_ppo

    result = train_ppo(
        task.make_env,
        None,
        total_timesteps=steps,
        seed=seed,
        success=task.success,
        scorer=scorer,
        **task.trainer_kwargs,
    )
    return result.predict, result.episodes


class _Scorer(TransitionScorer):
    """The candidate's scorer, counting its calls (one sandbox call each) and transitions and passing
    every transition's components to the statistics."""

    def __init__(self, reward: RewardCode, stats: _ComponentStats) -> None:
        super().__init__(reward)
        self.stats = stats

    def score(self, samples: Any) -> tuple[np.ndarray, list[dict[str, Any]]]:
        samples = list(samples)
        self.stats.calls += 1
        self.stats.transitions += len(samples)
        rewards, reports = super().score(samples)
        for report in reports:
            self.stats.add(report["components"])
        return rewards, reports
