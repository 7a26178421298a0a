"""Trainers to measure rewards with: tabular Q-learning (:mod:`.qlearning`) and PPO from
stable-baselines3 (:mod:`.ppo`, loaded on first use), and the episode records and success
criteria both report (:mod:`.episodes`).
"""

from __future__ import annotations

from typing import Any

from .episodes import EpisodeRecord, EpisodeRecorder, evaluate_policy, success_fn
from .qlearning import Discretizer, QLearning, TrainingLog

__all__ = [
    "Discretizer",
    "EpisodeRecord",
    "EpisodeRecorder",
    "PPOResult",
    "QLearning",
    "TrainingLog",
    "evaluate_policy",
    "success_fn",
    "train_ppo",
]


def __getattr__(name: str) -> Any:
    if name in ("train_ppo", "PPOResult"):
        from . import ppo

        return getattr(ppo, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
