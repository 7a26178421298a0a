"""A small grid with a sparse, multi-stage task: fetch the key, go through the door, reach the goal.

The grid is ``width`` x ``height``; a wall splits it at column ``width // 2``, with one door in
the middle row that opens only for an agent holding the key. The agent starts in the top-left
corner, the key lies in the bottom-left corner, the goal in the bottom-right corner. Reaching the
goal pays 1 and ends the episode; every other step pays 0; episodes are truncated after
``max_steps``. Actions: 0 up, 1 right, 2 down, 3 left.

``info`` has the step's ``events`` (``key`` when the key is picked up, ``door`` when the agent
first stands in the doorway with the key, ``goal``), for reward machines; ``is_success``;
``position``, ``has_key``; and ``features`` (``[x, y, has_key]`` scaled to [0, 1], for RND or
ICM). Observations are one integer per (cell, has_key) (``obs_type="discrete"``, for tabular
learners) or the ``features`` vector (``"vector"``).

>>> env = KeyDoorGrid()
>>> obs, info = env.reset(seed=0)
>>> info["position"], env.stage(obs), int(env.observation_space.n)
((0, 0), 0, 70)
"""

from __future__ import annotations

from typing import Any, Literal, SupportsFloat

import gymnasium as gym
import numpy as np
from gymnasium import spaces

__all__ = ["KeyDoorGrid"]

_MOVES = {0: (0, -1), 1: (1, 0), 2: (0, 1), 3: (-1, 0)}


class KeyDoorGrid(gym.Env):  # type: ignore[type-arg]
    """Key, door, goal: a sparse task in three stages (see the module docstring)."""

    metadata = {"render_modes": ["ansi"]}

    def __init__(
        self,
        width: int = 7,
        height: int = 5,
        max_steps: int = 100,
        obs_type: Literal["discrete", "vector"] = "discrete",
        render_mode: str | None = None,
    ) -> None:
        if width < 3 or height < 3:
            raise ValueError(f"the grid must be at least 3 x 3, got {width} x {height}")
        self.width, self.height, self.max_steps = width, height, max_steps
        self.obs_type = obs_type
        self.render_mode = render_mode
        self.wall_x = width // 2
        self.door = (self.wall_x, height // 2)
        self.start = (0, 0)
        self.key = (0, height - 1)
        self.goal = (width - 1, height - 1)
        self.action_space = spaces.Discrete(4)
        if obs_type == "discrete":
            self.observation_space: spaces.Space = spaces.Discrete(width * height * 2)
        elif obs_type == "vector":
            self.observation_space = spaces.Box(0.0, 1.0, shape=(3,), dtype=np.float32)
        else:
            raise ValueError(f"obs_type must be 'discrete' or 'vector', got {obs_type!r}")
        self._pos = self.start
        self._has_key = False
        self._opened = False
        self._t = 0

    # ---- encoding --------------------------------------------------------------------------
    def encode(self, pos: tuple[int, int], has_key: bool) -> int:
        return (pos[1] * self.width + pos[0]) * 2 + int(has_key)

    def decode(self, obs: Any) -> tuple[tuple[int, int], bool]:
        """(position, has_key) of an observation of either type."""
        if self.obs_type == "vector":
            v = np.asarray(obs, dtype=np.float64)
            return (round(v[0] * (self.width - 1)), round(v[1] * (self.height - 1))), bool(v[2] > 0.5)
        i = int(obs)
        cell, has_key = divmod(i, 2)
        return (cell % self.width, cell // self.width), bool(has_key)

    def features(self, pos: tuple[int, int], has_key: bool) -> np.ndarray:
        return np.array([pos[0] / (self.width - 1), pos[1] / (self.height - 1), float(has_key)], dtype=np.float32)

    def _obs(self) -> Any:
        if self.obs_type == "vector":
            return self.features(self._pos, self._has_key)
        return self.encode(self._pos, self._has_key)

    def _info(self, events: list[str]) -> dict[str, Any]:
        return {
            "events": events,
            "is_success": "goal" in events,
            "position": self._pos,
            "has_key": self._has_key,
            "features": self.features(self._pos, self._has_key),
        }

    # ---- a potential for shaping -------------------------------------------------------------
    def stage(self, obs: Any) -> int:
        """0: fetch the key; 1: reach the door; 2: reach the goal (past the wall with the key)."""
        pos, has_key = self.decode(obs)
        if not has_key:
            return 0
        return 2 if pos[0] >= self.wall_x and pos != self.door else 1

    def potential(self, obs: Any) -> float:
        """``stage - distance to the stage's target / (width + height)``: grows with progress.

        Keep it above the values it shapes toward (here >= -1/3, against values of at most 1): for
        Q-learning, shaping with ``phi`` is the same as starting the Q-table at ``phi`` (Wiewiora
        2003). A potential shifted well below 0 (``- 3``) is a pessimistic start, under which
        bumping into a wall looks best (``gamma * Q > Q`` for ``Q < 0``) and epsilon-greedy
        Q-learning never finds the goal; the optimal policy is the same either way."""
        pos, _ = self.decode(obs)
        stage = self.stage(obs)
        target = (self.key, self.door, self.goal)[stage]
        distance = abs(pos[0] - target[0]) + abs(pos[1] - target[1])
        return float(stage - distance / (self.width + self.height))

    # ---- the env -----------------------------------------------------------------------------
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[Any, dict[str, Any]]:
        super().reset(seed=seed)
        self._pos, self._has_key, self._opened, self._t = self.start, False, False, 0
        return self._obs(), self._info([])

    def _blocked(self, pos: tuple[int, int]) -> bool:
        x, y = pos
        if not (0 <= x < self.width and 0 <= y < self.height):
            return True
        if x == self.wall_x:
            return pos != self.door or not self._has_key
        return False

    def step(self, action: Any) -> tuple[Any, SupportsFloat, bool, bool, dict[str, Any]]:
        a = int(action)
        if a not in _MOVES:
            raise ValueError(f"action must be 0, 1, 2 or 3, got {action!r}")
        dx, dy = _MOVES[a]
        target = (self._pos[0] + dx, self._pos[1] + dy)
        if not self._blocked(target):
            self._pos = target
        self._t += 1
        events: list[str] = []
        if not self._has_key and self._pos == self.key:
            self._has_key = True
            events.append("key")
        if self._pos == self.door and self._has_key and not self._opened:
            self._opened = True
            events.append("door")
        terminated = self._pos == self.goal
        if terminated:
            events.append("goal")
        truncated = not terminated and self._t >= self.max_steps
        return self._obs(), float(terminated), terminated, truncated, self._info(events)

    def render(self) -> str:
        rows = []
        for y in range(self.height):
            row = ""
            for x in range(self.width):
                cell = (x, y)
                if cell == self._pos:
                    row += "A"
                elif cell == self.goal:
                    row += "G"
                elif cell == self.key and not self._has_key:
                    row += "K"
                elif cell == self.door:
                    row += "D"
                elif x == self.wall_x:
                    row += "#"
                else:
                    row += "."
            rows.append(row)
        return "\n".join(rows)


if "rewardlab/KeyDoor-v0" not in gym.registry:
    gym.register("rewardlab/KeyDoor-v0", entry_point=KeyDoorGrid)
