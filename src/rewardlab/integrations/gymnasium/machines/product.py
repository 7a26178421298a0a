"""The product of an environment and a reward machine: the agent sees the machine's state.

:class:`RewardMachineWrapper` labels each transition, advances the machine, and returns the
observation ``{"obs": env_obs, "machine": state_index}`` (a ``Dict`` space, which tabular
learners read as a pair and stable-baselines3 with ``MultiInputPolicy``). The reward is the
machine's (``reward="machine"``), the env's plus the machine's (``"add"``) or the env's alone
(``"env"``, to mix the machine's reward in a spec through ``info_value`` with ``key: rm.reward``).
The episode ends when the machine reaches a terminal state (``end_on_terminal``).

``info["rm"]`` has the machine ``state`` before and after, the ``labels``, the machine's
``reward`` and the ``env_reward``. :meth:`RewardMachineWrapper.counterfactuals` gives the
experiences of the same env transition in every other machine state (Toro Icarte et al.'s
counterfactual reasoning, CRM), for off-policy learners.
"""

from __future__ import annotations

from typing import Any, Literal, SupportsFloat

import gymnasium as gym
from gymnasium import spaces

from .automaton import RewardMachine, load_machine
from .labels import Labeller, labeller

__all__ = ["Counterfactual", "RewardMachineWrapper"]

Counterfactual = tuple[dict[str, Any], float, dict[str, Any], bool]
"""(observation, reward, next observation, terminal) of one machine state, for the same action."""


class RewardMachineWrapper(gym.Wrapper):  # type: ignore[type-arg]
    """``env`` x ``machine`` (a :class:`RewardMachine`, a YAML path or a dict), labelled by ``labels``.

    >>> import gymnasium as gym
    >>> from rewardlab.integrations.gymnasium.envs import KeyDoorGrid
    >>> env = RewardMachineWrapper(KeyDoorGrid(), {"states": ["s", "k"], "initial": "s", "terminal": ["k"],
    ...                            "transitions": [{"from": "s", "to": "k", "when": "key", "reward": 1}]})
    >>> obs, info = env.reset(seed=0)
    >>> obs["machine"], int(env.observation_space["machine"].n)
    (0, 2)
    """

    def __init__(
        self,
        env: gym.Env,  # type: ignore[type-arg]
        machine: RewardMachine | str | dict[str, Any],
        labels: Labeller | str | None = None,
        *,
        reward: Literal["machine", "add", "env"] = "machine",
        end_on_terminal: bool = True,
    ) -> None:
        super().__init__(env)
        if reward not in ("machine", "add", "env"):
            raise ValueError(f"reward must be 'machine', 'add' or 'env', got {reward!r}")
        self.machine = machine if isinstance(machine, RewardMachine) else load_machine(machine)
        self.labeller = labeller(labels)
        self.reward_mode = reward
        self.end_on_terminal = end_on_terminal
        self.observation_space = spaces.Dict(
            {"obs": env.observation_space, "machine": spaces.Discrete(len(self.machine.states))}
        )
        self.state = self.machine.initial
        self._obs: Any = None

    def _observe(self, obs: Any, state: str) -> dict[str, Any]:
        return {"obs": obs, "machine": self.machine.index(state)}

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[Any, dict[str, Any]]:
        obs, info = self.env.reset(seed=seed, options=options)
        self.state = self.machine.initial
        self._obs = obs
        return self._observe(obs, self.state), info

    def _combine(self, env_reward: float, machine_reward: float) -> float:
        if self.reward_mode == "machine":
            return machine_reward
        if self.reward_mode == "add":
            return env_reward + machine_reward
        return env_reward

    def step(self, action: Any) -> tuple[Any, SupportsFloat, bool, bool, dict[str, Any]]:
        next_obs, env_reward, terminated, truncated, info = self.env.step(action)
        labels = frozenset(self.labeller(self._obs, action, next_obs, info))
        before = self.state
        self.state, machine_reward = self.machine.step(before, labels)
        info = dict(info)
        info["rm"] = {
            "state": before,
            "next_state": self.state,
            "labels": sorted(labels),
            "reward": machine_reward,
            "env_reward": float(env_reward),
            "env_terminated": bool(terminated),
        }
        if self.end_on_terminal and self.machine.is_terminal(self.state):
            terminated = True
        self._obs = next_obs
        reward = self._combine(float(env_reward), machine_reward)
        return self._observe(next_obs, self.state), reward, bool(terminated), bool(truncated), info

    def counterfactuals(self, obs: Any, next_obs: Any, info: dict[str, Any]) -> list[Counterfactual]:
        """For the env transition ``obs -> next_obs`` of the last step (``info`` from it), the
        experience the agent would have had in every non-terminal machine state."""
        rm = info["rm"]
        labels = frozenset(rm["labels"])
        out: list[Counterfactual] = []
        for state in self.machine.states:
            if self.machine.is_terminal(state):
                continue
            target, machine_reward = self.machine.step(state, labels)
            done = rm["env_terminated"] or (self.end_on_terminal and self.machine.is_terminal(target))
            reward = self._combine(rm["env_reward"], machine_reward)
            out.append((self._observe(obs, state), reward, self._observe(next_obs, target), done))
        return out
