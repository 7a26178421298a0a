"""What a reward search optimises for: an environment, how it is described to the proposer, the
trainer and budget that turn a reward into a policy, and the success metric that scores it.

>>> sorted(TASKS)
['cartpole', 'frozenlake', 'keydoor', 'mountaincar']
>>> TASKS["keydoor"].trainer
'qlearning'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["TASKS", "SearchTask", "get_task"]


@dataclass(frozen=True)
class SearchTask:
    """An environment to write rewards for, and how candidates are trained and judged on it."""

    name: str
    make_env: Callable[[], Any]
    description: str
    observation: str
    action: str
    success: str
    trainer: Literal["qlearning", "ppo"] = "qlearning"
    train_steps: int = 20_000
    eval_episodes: int = 5
    trainer_kwargs: dict[str, Any] = field(default_factory=dict)


def _keydoor() -> Any:
    from ..envs import KeyDoorGrid

    return KeyDoorGrid(7, 5, max_steps=100)


def _frozenlake() -> Any:
    import gymnasium as gym

    return gym.make("FrozenLake-v1", is_slippery=False)


def _cartpole() -> Any:
    import gymnasium as gym

    return gym.make("CartPole-v1")


def _mountaincar() -> Any:
    import gymnasium as gym

    return gym.make("MountainCar-v0")


TASKS: dict[str, SearchTask] = {
    "keydoor": SearchTask(
        name="keydoor",
        make_env=_keydoor,
        description=(
            "A 7x5 grid split by a wall at column 3 with a door at (3, 2) that opens only for an agent holding "
            "the key. The agent starts at (0, 0); the key is at (0, 4); the goal at (6, 4). The episode ends at "
            "the goal (success) or after 100 steps. The environment pays 1 at the goal and 0 otherwise."
        ),
        observation=(
            "obs and next_obs are one integer: (y * 7 + x) * 2 + has_key. info has 'position' [x, y], 'has_key' "
            "(bool), 'events' (a list: 'key' when the key is picked up, 'door' when the agent first stands in the "
            "doorway with the key, 'goal'), 'is_success' and 'features' [x / 6, y / 4, has_key]."
        ),
        action="0 up, 1 right, 2 down, 3 left",
        success="is_success",
        trainer="qlearning",
        train_steps=6_000,
        trainer_kwargs={"alpha": 0.5, "gamma": 0.95, "epsilon": 0.1},
    ),
    "frozenlake": SearchTask(
        name="frozenlake",
        make_env=_frozenlake,
        description=(
            "FrozenLake 4x4, not slippery: map SFFF / FHFH / FFFH / HFFG; falling in a hole (H) ends the "
            "episode; reaching G pays 1 and ends it; 100 steps at most."
        ),
        observation="obs and next_obs are the cell index row * 4 + col (0..15).",
        action="0 left, 1 down, 2 right, 3 up",
        success="return>=1",
        trainer="qlearning",
        train_steps=3_000,
        trainer_kwargs={"alpha": 0.5, "gamma": 0.95, "epsilon": 0.2},
    ),
    "cartpole": SearchTask(
        name="cartpole",
        make_env=_cartpole,
        description="CartPole-v1: keep the pole upright; the episode ends when it falls or after 500 steps.",
        observation="obs and next_obs are [cart position, cart velocity, pole angle (rad), pole angular velocity].",
        action="0 push left, 1 push right",
        success="length>=475",
        trainer="ppo",
        train_steps=20_000,
    ),
    "mountaincar": SearchTask(
        name="mountaincar",
        make_env=_mountaincar,
        description="MountainCar-v0: drive an underpowered car up the right hill (position >= 0.5) in 200 steps.",
        observation="obs and next_obs are [position in -1.2..0.6, velocity in -0.07..0.07].",
        action="0 push left, 1 no push, 2 push right",
        success="terminated",
        trainer="ppo",
        train_steps=50_000,
    ),
}


def get_task(name: str) -> SearchTask:
    try:
        return TASKS[name]
    except KeyError:
        raise ValueError(f"unknown task {name!r}; expected one of {', '.join(sorted(TASKS))}") from None
