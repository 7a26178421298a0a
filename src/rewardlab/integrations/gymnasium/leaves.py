"""Leaf rewards that read a gymnasium transition (see :mod:`.transition` for its fields).

- ``env_reward``: the environment's own reward, so a spec can clip, scale, normalize or mix it;
- ``info_value``: a number from the env's ``info`` (a success flag, a reward machine's reward);
- ``obs_linear``: ``w . x + b`` of an observation (a potential for shaping, a progress measure);
- ``state_table``: a value per discrete state (a small potential table).

>>> from rewardlab import spec_from_dict
>>> spec = spec_from_dict({"reward": {"type": "clip", "low": -1, "high": 1, "child": {"type": "env_reward"}}})
>>> spec.score({"obs": 0, "action": 1, "next_obs": 1, "reward": 5.0, "terminated": False, "truncated": False}).score
1.0
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from pydantic import Field, field_validator

from ...core.context import ScoreContext
from ...core.errors import NotApplicable
from ...core.example import Example
from ...core.registry import register
from ...core.reward import Outcome, Reward
from ...core.sample import Sample
from .transition import as_vector, read_field, state_key

__all__ = ["EnvReward", "InfoValue", "ObsLinear", "StateTable", "state_text"]


@register("env_reward", family="agents")
class EnvReward(Reward):
    """The environment's own reward of a transition (field ``reward``).

    >>> EnvReward().score({"obs": 0, "action": 0, "next_obs": 1, "reward": -1.5}).score
    -1.5
    >>> EnvReward().score({"obs": 0, "action": 0, "next_obs": 1}).error
    "KeyError: 'the sample has no field reward: env_reward reads transitions (obs, action, next_obs, reward, ...)'"
    """

    family: ClassVar[str] = "agents"
    example: ClassVar[Example] = Example(sample={"obs": 0, "action": 0, "next_obs": 1, "reward": -1.5}, score=-1.5)

    def _score_one(self, sample: Sample, ctx: ScoreContext) -> Outcome:
        if not sample.has("reward"):
            raise KeyError(
                "the sample has no field reward: env_reward reads transitions (obs, action, next_obs, reward, ...)"
            )
        value = sample.get("reward")
        if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
            raise TypeError(f"field 'reward' must be a number, got {type(value).__name__}")
        return float(value)


@register("info_value", family="agents")
class InfoValue(Reward):
    """A number from the transition's ``info`` (``key`` may be dotted: ``rm.reward``); booleans count 0/1.

    >>> InfoValue(key="is_success").score({"info": {"is_success": True}}).score
    1.0
    >>> InfoValue(key="is_success").score({"info": {}}).status.value
    'not_applicable'
    """

    family: ClassVar[str] = "agents"
    example: ClassVar[Example] = Example(sample={"info": {"is_success": True}}, params={"key": "is_success"}, score=1.0)

    key: str = Field(description="Key of the value in the env's info (dotted for nested dicts).")
    default: float | None = Field(
        default=None, description="Score when the key is absent (none: the reward does not apply)."
    )

    def _score_one(self, sample: Sample, ctx: ScoreContext) -> Outcome:
        try:
            value = read_field(sample, f"info.{self.key}")
        except KeyError:
            if self.default is not None:
                return self.default
            raise NotApplicable(f"the transition's info has no '{self.key}'") from None
        if isinstance(value, np.ndarray) and value.size == 1:
            value = value.item()
        if isinstance(value, (bool, np.bool_)):
            return float(value)
        if not isinstance(value, (int, float, np.number)):
            raise TypeError(f"info['{self.key}'] must be a number or a bool, got {type(value).__name__}")
        return float(value)


@register("obs_linear", family="agents")
class ObsLinear(Reward):
    """``weights . x + bias`` of an observation field (``obs`` by default; ``next_obs``, ``info.xy`` ...).

    A potential for shaping (``state_shaping`` scores each state as a sample with field ``obs``).

    >>> ObsLinear(weights=[1.0, -2.0], bias=0.5).score({"obs": [3.0, 1.0]}).score
    1.5
    """

    family: ClassVar[str] = "agents"
    example: ClassVar[Example] = Example(
        sample={"obs": [3.0, 1.0]}, params={"weights": [1.0, -2.0], "bias": 0.5}, score=1.5
    )

    weights: list[float] = Field(min_length=1, description="One weight per observation component (flattened).")
    bias: float = Field(default=0.0, description="Added to the weighted sum.")
    field: str = Field(default="obs", description="The sample field (dotted path) holding the observation.")

    def _score_one(self, sample: Sample, ctx: ScoreContext) -> Outcome:
        x = as_vector(read_field(sample, self.field), what=f"field '{self.field}'")
        if x.size != len(self.weights):
            raise ValueError(f"field '{self.field}' has {x.size} components, but {len(self.weights)} weights are given")
        return float(np.dot(np.asarray(self.weights), x) + self.bias)


def state_text(state: Any) -> str:
    """How ``state_table`` names a discrete state: a number as written, a vector as numbers joined
    by commas.

    >>> state_text(3), state_text([1, 2]), state_text(np.array([0, 4]))
    ('3', '1,2', '0,4')
    """
    key = state_key(state)
    if isinstance(key, tuple):
        return ",".join(state_text(k) for k in key)
    if isinstance(key, float) and key.is_integer():
        return str(int(key))
    return str(key)


@register("state_table", family="agents")
class StateTable(Reward):
    """A value per discrete state, from a table (a small potential): keys are states as text
    (``"3"``, or ``"1,2"`` for a vector state, see :func:`state_text`).

    >>> t = StateTable(table={"0": 0.0, "5": 0.5}, default=0.0)
    >>> t.scores([{"obs": 5}, {"obs": 7}])
    [0.5, 0.0]
    """

    family: ClassVar[str] = "agents"
    example: ClassVar[Example] = Example(
        sample={"obs": 5}, params={"table": {"0": 0.0, "5": 0.5}, "default": 0.0}, score=0.5
    )

    table: dict[str, float] = Field(description="State (as text) -> value.")
    default: float | None = Field(
        default=None, description="Value of a state not in the table (none: such a state is an error)."
    )
    field: str = Field(default="obs", description="The sample field (dotted path) holding the state.")

    @field_validator("table", mode="before")
    @classmethod
    def _text_keys(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {state_text(k) if not isinstance(k, str) else k: v for k, v in value.items()}
        return value

    def _score_one(self, sample: Sample, ctx: ScoreContext) -> Outcome:
        key = state_text(read_field(sample, self.field))
        if key in self.table:
            return self.table[key]
        if self.default is not None:
            return self.default
        raise KeyError(f"state '{key}' is not in the table and no default is set")
