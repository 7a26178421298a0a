"""Rewards scored many transitions per call while a policy trains (issue 13, point 5: a sandboxed
candidate is batched over many transitions per call).

Q-learning with ``reward=`` learns exactly what it learns with the reward paid step by step by a
:class:`RewardWrapper` (same Q-table, same episodes) in far fewer calls; PPO with ``scorer=`` pays a
rollout per call and learns what it learns step by step; a candidate's evaluation records the
sandbox calls it made, counted here at the sandbox's door.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rewardlab.integrations.gymnasium import RewardWrapper
from rewardlab.integrations.gymnasium.code import RewardCode
from rewardlab.integrations.gymnasium.envs import KeyDoorGrid
from rewardlab.integrations.gymnasium.scoring import TransitionScorer
from rewardlab.integrations.gymnasium.search import Candidate, evaluate_candidate, get_task
from rewardlab.integrations.gymnasium.trainers import QLearning, train_ppo

CANDIDATES = Path(__file__).parent / "candidates"
# The env's reward, a cost per step and a smaller bonus for where the agent stands (info's features: x, y, has_key).
SPEC = {
    "type": "sum",
    "children": [
        "env_reward",
        {"type": "obs_linear", "weights": [0.02, 0.02, 0.05], "bias": -0.1, "field": "info.features"},
    ],
}


class CountingScorer(TransitionScorer):
    def __init__(self, spec: Any) -> None:
        super().__init__(spec)
        self.batches: list[int] = []

    def score(self, samples: Any) -> Any:
        samples = list(samples)
        self.batches.append(len(samples))
        return super().score(samples)


def _episodes(log: Any) -> list[dict[str, Any]]:
    return [e.as_dict() for e in log.episodes]


@pytest.mark.parametrize("batch", [8, 64, 100_000])
def test_batched_q_learning_learns_exactly_what_per_step_rewards_teach(batch: int) -> None:
    kwargs = {"alpha": 0.5, "gamma": 0.95, "epsilon": 0.1}  # the search's settings on this grid
    step_by_step = QLearning(seed=3, **kwargs)  # type: ignore[arg-type]
    per_step = step_by_step.learn(RewardWrapper(KeyDoorGrid(7, 5, max_steps=100), SPEC), steps=4000)
    batched = QLearning(seed=3, **kwargs)  # type: ignore[arg-type]
    scorer = CountingScorer(SPEC)
    log = batched.learn(KeyDoorGrid(7, 5, max_steps=100), steps=4000, reward=scorer, batch=batch)

    assert batched.q.keys() == step_by_step.q.keys()
    assert all(np.array_equal(batched.q[k], step_by_step.q[k]) for k in batched.q)
    assert _episodes(log) == _episodes(per_step)  # the trained reward's returns too, not the env's
    assert any(e.return_ != e.env_return for e in log.episodes)
    assert sum(scorer.batches) == 4000 and max(scorer.batches) <= batch
    if batch >= 64:  # a batch ends early where the agent is to choose in a state the batch left
        assert len(scorer.batches) * 3 < 4000, scorer.batches[:20]


def test_exploration_reads_no_values_so_it_never_ends_a_batch() -> None:
    kwargs = {"alpha": 0.5, "gamma": 0.95, "epsilon": (1.0, 0.05, 3000)}
    step_by_step = QLearning(seed=1, **kwargs)  # type: ignore[arg-type]
    step_by_step.learn(RewardWrapper(KeyDoorGrid(7, 5, max_steps=100), SPEC), steps=3000)
    scorer = CountingScorer(SPEC)
    batched = QLearning(seed=1, **kwargs)  # type: ignore[arg-type]
    batched.learn(KeyDoorGrid(7, 5, max_steps=100), steps=3000, reward=scorer, batch=3000)
    assert all(np.array_equal(batched.q[k], step_by_step.q[k]) for k in step_by_step.q)
    # mostly random walking at first: the early batches run long although it revisits its states
    assert max(scorer.batches[:10]) > 20 and sum(scorer.batches) == 3000


def test_batched_q_learning_stops_on_its_episode_budget_and_checks_its_arguments() -> None:
    scorer = CountingScorer(SPEC)
    log = QLearning(seed=0).learn(KeyDoorGrid(7, 5, max_steps=20), episodes=3, reward=scorer, batch=1000)
    assert len(log.episodes) == 3 and sum(scorer.batches) == log.steps == 60
    with pytest.raises(ValueError, match="batch must be at least 1"):
        QLearning().learn(KeyDoorGrid(), steps=10, reward=scorer, batch=0)
    with pytest.raises(ValueError, match="counterfactual=True"):
        QLearning(counterfactual=True).learn(KeyDoorGrid(), steps=10, reward=scorer)


def _parameters(result: Any) -> list[np.ndarray]:
    return [p.detach().numpy().copy() for p in result.model.policy.parameters()]


def test_ppo_scored_a_rollout_per_call_learns_what_it_learns_step_by_step() -> None:
    import gymnasium as gym

    spec = {"type": "affine", "scale": 0.5, "shift": -0.1, "child": "env_reward"}
    kwargs: dict[str, Any] = {
        "total_timesteps": 256,
        "seed": 0,
        "n_envs": 2,
        "success": "length>=100",
        "ppo_kwargs": {"n_steps": 32, "batch_size": 32, "n_epochs": 2},
    }

    def make() -> Any:
        return gym.make("CartPole-v1", max_episode_steps=20)  # truncations: SB3's bootstrap stays

    per_step = train_ppo(make, spec, **kwargs)
    scorer = CountingScorer(spec)
    batched = train_ppo(make, None, scorer=scorer, **kwargs)
    assert scorer.batches == [64] * 4  # a rollout (32 steps x 2 envs) per call
    for a, b in zip(_parameters(per_step), _parameters(batched), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert len(batched.episodes) == len(per_step.episodes) > 4
    for a, b in zip(batched.episodes, per_step.episodes, strict=True):
        assert (a.env_return, a.length, a.terminated, a.truncated, a.step) == (
            b.env_return,
            b.length,
            b.terminated,
            b.truncated,
            b.step,
        )
        assert a.return_ == pytest.approx(b.return_) and a.return_ != a.env_return  # the trained reward's return
    assert any(e.truncated for e in batched.episodes)
    with pytest.raises(ValueError, match="not both"):
        train_ppo(make, spec, scorer=scorer, total_timesteps=32)


def test_a_candidate_is_scored_in_few_sandbox_calls_counted_at_the_sandbox(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    original = RewardCode._score_batch

    def counted(self: RewardCode, samples: Any, ctx: Any) -> Any:
        calls.append(len(samples))
        return original(self, samples, ctx)

    monkeypatch.setattr(RewardCode, "_score_batch", counted)
    good = Candidate("good", (CANDIDATES / "good.py").read_text(encoding="utf-8"))
    task = get_task("keydoor")
    evaluation = evaluate_candidate(good, task, seeds=1, sandbox={"min_isolation": "rlimits-only"})
    assert evaluation.status == "ok" and evaluation.fitness == 1.0, evaluation.error
    assert evaluation.sandbox_calls == len(calls) and evaluation.transitions == sum(calls)
    assert evaluation.transitions == 64 + task.train_steps  # the smoke test's batch, then every training step
    assert len(calls) * 3 < evaluation.transitions, calls[:20]
    assert evaluation.as_row()["sandbox_calls"] == len(calls)


@pytest.mark.integration
def test_a_ppo_candidate_pays_a_rollout_per_sandbox_call() -> None:
    code = (
        "def compute_reward(next_obs, terminated, **kw):\n"
        "    return (0.0 if terminated else 1.0) - abs(next_obs[2]), {'angle': -abs(next_obs[2])}\n"
    )
    task = get_task("cartpole")  # PPO with SB3's default rollout of 2048 steps
    evaluation = evaluate_candidate(
        Candidate("upright", code), task, seeds=1, train_steps=256, sandbox={"min_isolation": "rlimits-only"}
    )
    assert evaluation.status == "ok", evaluation.error
    assert (evaluation.sandbox_calls, evaluation.transitions) == (2, 64 + 2048)  # the smoke test, one rollout
    assert set(evaluation.components) == {"candidate", "candidate.angle"}
    assert evaluation.per_seed[0]["train_episodes"] > 0
