"""How good a candidate reward is: run it in the sandbox, train a policy with it, measure the task.

A candidate is first parsed (``invalid`` when it is not a program defining ``compute_reward``),
then read by the static screen (``escape``), then scored on a batch of transitions from a random
rollout (``crash``, ``timeout``, ``nan`` are caught there before any
training), then used to train a fresh policy per seed for the task's budget
(:class:`~rewardlab.integrations.gymnasium.RewardWrapper` with a ``reward_code`` node); a reward
that fails during training ends that run with the same statuses. Fitness is the greedy policy's
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
from ..scoring import TransitionRewardError
from ..trainers.episodes import EpisodeRecord
from .tasks import SearchTask

__all__ = ["Candidate", "Evaluation", "classify", "evaluate_candidate"]

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
) -> Evaluation:
    """Screen, smoke-test, train and measure one candidate (never raises for the candidate's faults)."""
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
        smoke = reward.score_batch(_random_transitions(task, 64, seed=0))
        bad = next((r for r in smoke if r.score is None), None)
        if bad is not None:
            return Evaluation(
                candidate, classify(bad.status.value, bad.error), error=bad.error, seconds=time.perf_counter() - started
            )
        return _train_all(candidate, task, reward, seeds, train_steps or task.train_steps, started)
    finally:
        reward.close()


def _train_all(
    candidate: Candidate, task: SearchTask, reward: RewardCode, seeds: int, steps: int, started: float
) -> Evaluation:
    from ..wrapper import RewardWrapper

    stats = _ComponentStats()
    per_seed: list[dict[str, Any]] = []
    curve: list[float] = []
    for seed in range(seeds):
        env = _collector(RewardWrapper(task.make_env(), reward), stats)
        try:
            policy, episodes = _train(task, env, seed, steps)
        except TransitionRewardError as exc:
            r = exc.result
            return Evaluation(
                candidate,
                classify(r.status.value, r.error),
                error=f"during training (seed {seed}, step {exc.step}): {r.error}",
                components=stats.summary(),
                seconds=time.perf_counter() - started,
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
    )


def _curve(episodes: list[EpisodeRecord], window: int = 10) -> list[float]:
    flags = [float(e.success) for e in episodes]
    return [float(np.mean(flags[max(0, i - window + 1) : i + 1])) for i in range(len(flags))]


def _train(task: SearchTask, env: Any, seed: int, steps: int) -> tuple[Any, list[EpisodeRecord]]:
    if task.trainer == "qlearning":
        from ..trainers.qlearning import QLearning

        agent = QLearning(seed=seed, **task.trainer_kwargs)
        log = agent.learn(env, steps=steps, success=task.success)
        return agent.greedy, log.episodes
    from ..trainers.ppo import train_ppo

    result = train_ppo(lambda: env, None, total_timesteps=steps, seed=seed, success=task.success, **task.trainer_kwargs)
    return result.predict, result.episodes


def _collector(env: Any, stats: _ComponentStats) -> Any:
    """``env`` passing every step's reward components to the statistics."""
    import gymnasium as gym

    class Collect(gym.Wrapper):  # type: ignore[type-arg]
        def step(self, action: Any) -> Any:
            out = self.env.step(action)
            stats.add(out[4].get("rewardlab", {}).get("components", {}))
            return out

    return Collect(env)
