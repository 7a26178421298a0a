"""Step-labelled solutions: the training data of process reward models.

A :class:`StepRecord` is a problem, its solution split into steps, a label per step in [0, 1]
(1 = the step is correct / leads to a correct answer; ``None`` = unlabelled, left out of the
loss) and the outcome (was the final answer correct). The JSONL form, one record a line::

    {"id": "gsm8k-train-3-ref", "prompt": "Janet has ...", "steps": ["She eats 3 ...", "A: 18"],
     "labels": [1.0, 1.0], "outcome": 1.0, "source": "reference"}

The public formats become records in :mod:`rewardlab.data.prm800k` and
:mod:`rewardlab.data.math_shepherd`; :mod:`rewardlab.data.step_files` reads and writes files of
any of them.

>>> r = StepRecord(prompt="1+1?", steps=["1+1=2", "A: 2"], labels=[1.0, 1.0], outcome=1.0)
>>> StepRecord.from_json(r.to_json()) == r
True
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["StepRecord"]


@dataclass
class StepRecord:
    """A solution split into steps, with a label per step and the outcome."""

    prompt: str | list[dict[str, Any]]
    steps: list[str]
    labels: list[float | None]
    outcome: float | None = None
    id: str | None = None
    source: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.steps, list) or not all(isinstance(s, str) for s in self.steps):
            raise ValueError("'steps' must be a list of strings")
        if not self.steps:
            raise ValueError("'steps' is empty")
        if len(self.labels) != len(self.steps):
            raise ValueError(f"'labels' has {len(self.labels)} entries for {len(self.steps)} steps")
        for i, label in enumerate(self.labels):
            if label is not None and not (isinstance(label, (int, float)) and 0.0 <= float(label) <= 1.0):
                raise ValueError(f"labels[{i}] must be a number in [0, 1] or null, got {label!r}")
        self.labels = [None if v is None else float(v) for v in self.labels]
        if self.outcome is not None:
            if not 0.0 <= float(self.outcome) <= 1.0:
                raise ValueError(f"'outcome' must be in [0, 1], got {self.outcome!r}")
            self.outcome = float(self.outcome)

    @property
    def first_error(self) -> int | None:
        """Index of the first step labelled below 0.5 (``None`` when there is none)."""
        return next((i for i, v in enumerate(self.labels) if v is not None and v < 0.5), None)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        if not data["meta"]:
            data.pop("meta")
        return {k: v for k, v in data.items() if v is not None}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StepRecord:
        if "steps" not in data or "prompt" not in data:
            missing = "steps" if "steps" not in data else "prompt"
            raise ValueError(f"missing field '{missing}'")
        labels = data.get("labels")
        if labels is None:
            labels = [None] * len(data["steps"]) if isinstance(data["steps"], list) else []
        return cls(
            prompt=data["prompt"],
            steps=list(data["steps"]),
            labels=list(labels),
            outcome=data.get("outcome"),
            id=None if data.get("id") is None else str(data["id"]),
            source=data.get("source"),
            meta=dict(data.get("meta") or {}),
        )
