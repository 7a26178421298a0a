"""Error policies: what a reward does with a sample it failed on.

- ``raise``: raise :class:`~rewardlab.core.errors.RewardFailed` after the whole batch is scored
  (the exception carries every result, so nothing is lost);
- ``skip`` (the default): the result keeps status ``error``/``timeout`` and has no score;
- ``default=<value>``: the result keeps its failed status but gets ``score=<value>`` and
  ``info['defaulted'] = True``, so the substitution is visible and counted.

>>> ErrorPolicy.parse("default=-1")
ErrorPolicy(mode='default', value=-1.0)
>>> str(ErrorPolicy.parse("skip"))
'skip'
>>> ErrorPolicy.parse(0.0).mode
'default'
"""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, model_validator

__all__ = ["ErrorPolicy"]


class ErrorPolicy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    mode: Literal["raise", "skip", "default"] = "skip"
    value: float | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_shorthand(cls, data: Any) -> Any:
        if isinstance(data, ErrorPolicy):
            return data
        if isinstance(data, bool):
            raise ValueError("expected 'raise', 'skip' or 'default=<number>', got a boolean")
        if isinstance(data, (int, float)):
            return {"mode": "default", "value": float(data)}
        if isinstance(data, str):
            text = data.strip()
            if text in ("raise", "skip"):
                return {"mode": text}
            if text.startswith("default"):
                _, sep, number = text.partition("=")
                if not sep:
                    raise ValueError("'default' needs a value: write 'default=<number>', e.g. 'default=0'")
                try:
                    return {"mode": "default", "value": float(number)}
                except ValueError:
                    raise ValueError(f"'{text}': the value after 'default=' must be a number") from None
            raise ValueError(f"unknown error policy '{text}'; expected 'raise', 'skip' or 'default=<number>'")
        if isinstance(data, dict) and set(data) == {"default"}:
            return {"mode": "default", "value": data["default"]}
        return data

    @model_validator(mode="after")
    def _check(self) -> ErrorPolicy:
        if self.mode == "default":
            if self.value is None or not math.isfinite(self.value):
                raise ValueError("error policy 'default' needs a finite number value")
        elif self.value is not None:
            raise ValueError(f"error policy '{self.mode}' takes no value")
        return self

    @classmethod
    def parse(cls, data: Any) -> ErrorPolicy:
        return cls.model_validate(data)

    def __str__(self) -> str:
        return f"default={self.value:g}" if self.mode == "default" else self.mode

    def __repr__(self) -> str:
        return f"ErrorPolicy(mode={self.mode!r}, value={self.value!r})"
