"""Per-call settings that flow from the caller down through a composed reward.

>>> ctx = ScoreContext(step=100, group_key="prompt")
>>> ctx.remaining_s() is None
True
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any

__all__ = ["ScoreContext"]


@dataclass(frozen=True)
class ScoreContext:
    """What a reward may need to know about the call, beyond the samples.

    - ``step``: the training step (annealed weights read it);
    - ``group_key``: the sample field that groups completions of one prompt (GRPO / RLOO);
      ``None`` lets group-normalizing rewards use their own setting or the prompt text;
    - ``deadline``: a ``time.monotonic()`` instant after which slow rewards should give up;
    - ``spec_hash``: stamped on every result;
    - ``extra``: anything an integration wants to pass down.
    """

    step: int | None = None
    group_key: str | None = None
    deadline: float | None = None
    spec_hash: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def remaining_s(self) -> float | None:
        """Seconds left before the deadline, or ``None`` when there is none."""
        if self.deadline is None:
            return None
        return max(0.0, self.deadline - time.monotonic())

    def replace(self, **changes: Any) -> ScoreContext:
        return replace(self, **changes)


DEFAULT_CONTEXT = ScoreContext()
