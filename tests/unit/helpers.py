"""Small rewards used across the tests (registered under test-only names)."""

from __future__ import annotations

import time
from typing import Any

from pydantic import Field, PrivateAttr

from rewardlab.core import NotApplicable, RewardTimeout, register
from rewardlab.core.reward import Reward


@register("t_field")
class FieldValue(Reward):
    """Returns the number in sample field ``field``; raises on 'boom'; not applicable when absent."""

    field: str = Field(default="value")

    def _score_one(self, sample: Any, ctx: Any) -> Any:
        value = sample.get(self.field)
        if value is None:
            raise NotApplicable(f"no '{self.field}'")
        if value == "boom":
            raise ValueError("boom happened")
        if value == "hang":
            raise RewardTimeout("took too long")
        if value == "nan":
            return float("nan")
        return float(value)


@register("t_counting")
class Counting(Reward):
    """Counts how many samples it was asked to score (to check lazy evaluation)."""

    _seen: list = PrivateAttr(default_factory=list)

    def _score_one(self, sample: Any, ctx: Any) -> Any:
        self._seen.append(sample.get("id"))
        return 1.0


@register("t_batch_fail")
class BatchFail(Reward):
    """A batch reward whose whole batch fails."""

    def _score_batch(self, samples: Any, ctx: Any) -> Any:
        raise RuntimeError("model crashed")


@register("t_slow")
class Slow(Reward):
    delay: float = 0.01

    def _score_one(self, sample: Any, ctx: Any) -> Any:
        time.sleep(self.delay)
        return 1.0


def field_reward(name: str, field: str = "value", **kw: Any) -> FieldValue:
    return FieldValue(name=name, field=field, **kw)
