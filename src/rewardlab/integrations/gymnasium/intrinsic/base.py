"""One lifecycle for every intrinsic reward: observe transitions, compute a bonus, update the model,
decay the weight.

The reward wrappers drive it at every environment step:

1. :meth:`IntrinsicReward.observe` records the step's transitions (counts go up; RND and ICM
   buffer them and update their observation statistics);
2. scoring computes the bonus of each transition from the model as it stands (scoring changes
   nothing: the same batch scored twice gets the same numbers), times the current weight
   ``beta * (1 - kappa) ** t``, ``t`` being the transitions observed so far (RLeXplore's decay);
3. :meth:`IntrinsicReward.update` trains the model (RND's predictor, ICM's models) on what was
   buffered, every ``update_every`` observed transitions.

``info`` of each result has the raw ``bonus`` and the ``weight``. Mix with the extrinsic reward
and normalize with the ordinary spec nodes::

    reward:
      type: weighted_sum
      children:
        - {type: env_reward}
        - {type: running_norm, center: false, warmup: 1, child: {type: rnd_bonus, beta: 0.1}}
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

import numpy as np
from pydantic import Field, PrivateAttr

from ....core.context import ScoreContext
from ....core.example import Example
from ....core.result import RewardResult
from ....core.reward import Outcome, Reward
from ....core.sample import Sample

__all__ = ["IntrinsicReward", "RunningVectorStats", "learners_in", "stack_field", "transition_example"]

# The transition every bonus's example scores: a first step in a 2-D observation space.
_EXAMPLE_TRANSITION: dict[str, Any] = {
    "obs": [0.0, 0.0],
    "action": 0,
    "next_obs": [1.0, -1.0],
    "reward": 0.0,
    "terminated": False,
    "truncated": False,
    "info": {},
}


def transition_example(params: dict[str, Any], score: float | None = None) -> Example:
    """The example an intrinsic bonus declares (:mod:`rewardlab.core.example`): one transition,
    the bonus's parameters and, where it is known in closed form, its first bonus."""
    return Example(sample=dict(_EXAMPLE_TRANSITION), params=params, score=score)


class IntrinsicReward(Reward):
    """Base of the intrinsic (exploration) rewards: a bonus for a transition, weighted by
    ``beta * (1 - kappa) ** t`` (``t``: transitions observed so far).

    Subclasses implement :meth:`_bonus` (raw bonuses of a batch, from the model as it stands),
    and may override :meth:`_record` (what observing a batch changes) and :meth:`_train`.
    """

    family: ClassVar[str] = "intrinsic"

    beta: float = Field(default=1.0, ge=0, description="Weight of the bonus at the start.")
    kappa: float = Field(
        default=0.0, ge=0, lt=1, description="Decay of the weight per observed transition: beta * (1 - kappa) ** t."
    )
    field: str = Field(default="next_obs", description="The sample field (dotted path) the bonus looks at.")

    _observed: int = PrivateAttr(default=0)

    # ---- the lifecycle ------------------------------------------------------------------
    @property
    def observed(self) -> int:
        """Transitions observed so far."""
        return self._observed

    @property
    def current_weight(self) -> float:
        """``beta * (1 - kappa) ** observed``."""
        return float(self.beta * (1.0 - self.kappa) ** self._observed)

    def observe(self, samples: Sequence[Sample]) -> None:
        """Record a batch of transitions (one environment step of one or many envs)."""
        samples = list(samples)
        if not samples:
            return
        self._record(samples)
        self._observed += len(samples)

    def update(self) -> dict[str, float]:
        """Train the model on what was observed since the last training (a no-op for counts);
        returns training statistics (losses)."""
        return self._train()

    # ---- what subclasses implement --------------------------------------------------------
    def _record(self, samples: list[Sample]) -> None:
        """Update statistics with observed transitions."""

    def _train(self) -> dict[str, float]:
        return {}

    def _bonus(self, samples: list[Sample]) -> np.ndarray:
        raise NotImplementedError

    # ---- scoring ---------------------------------------------------------------------------
    def _score_batch(self, samples: list[Sample], ctx: ScoreContext) -> Sequence[Outcome]:
        try:
            raw = np.asarray(self._bonus(samples), dtype=np.float64)
        except (KeyError, ValueError, TypeError) as exc:
            return [exc] * len(samples)
        weight = self.current_weight
        out: list[Outcome] = []
        for value in raw:
            if not np.isfinite(value):
                out.append(ValueError(f"{self.type_name}: the bonus is not finite ({value})"))
            else:
                out.append(RewardResult.ok(weight * float(value), info={"bonus": float(value), "weight": weight}))
        return out


def learners_in(reward: Reward) -> list[IntrinsicReward]:
    """The intrinsic rewards inside a reward tree (what a wrapper drives through the lifecycle)."""
    return [r for r in reward.walk() if isinstance(r, IntrinsicReward)]


class RunningVectorStats:
    """Running mean and variance of vectors, per component (Chan et al.'s parallel update).

    >>> s = RunningVectorStats(); s.update(np.array([[0.0, 2.0], [2.0, 2.0]]))
    >>> s.mean.tolist(), s.var.tolist()
    ([1.0, 2.0], [1.0, 0.0])
    """

    def __init__(self) -> None:
        self.count = 0
        self.mean: np.ndarray | None = None
        self._m2: np.ndarray | None = None

    @property
    def var(self) -> np.ndarray:
        if self.mean is None or self._m2 is None:
            raise ValueError("no vector seen yet")
        return self._m2 / max(self.count, 1)

    def update(self, batch: np.ndarray) -> None:
        batch = np.atleast_2d(np.asarray(batch, dtype=np.float64))
        n_b = batch.shape[0]
        if n_b == 0:
            return
        mean_b = batch.mean(axis=0)
        m2_b = ((batch - mean_b) ** 2).sum(axis=0)
        if self.mean is None or self._m2 is None:
            self.mean, self._m2, self.count = mean_b, m2_b, n_b
            return
        n = self.count + n_b
        delta = mean_b - self.mean
        self.mean = self.mean + delta * n_b / n
        self._m2 = self._m2 + m2_b + delta**2 * self.count * n_b / n
        self.count = n

    def normalize(self, batch: np.ndarray, *, clip: float = 5.0, eps: float = 1e-8) -> np.ndarray:
        """``clip((x - mean) / std, -clip, clip)`` (the input as is before two vectors were seen)."""
        if self.mean is None or self.count < 2:
            return np.asarray(batch, dtype=np.float64)
        out = (batch - self.mean) / (np.sqrt(self.var) + eps)
        return np.clip(out, -clip, clip)


def stack_field(samples: Iterable[Sample], field: str) -> np.ndarray:
    """The ``field`` of every sample as rows of one float matrix (each value flattened)."""
    from ..transition import as_vector, read_field

    rows = [as_vector(read_field(s, field), what=f"field '{field}'") for s in samples]
    if not rows:
        return np.zeros((0, 0))
    sizes = {r.size for r in rows}
    if len(sizes) != 1:
        raise ValueError(f"field '{field}' has vectors of different sizes in one batch: {sorted(sizes)}")
    return np.stack(rows)
