"""Count-based exploration bonuses: ``beta / sqrt(n)``.

- ``count_bonus``: exact counts of discrete states (or state-action pairs): the bonus
  ``beta / sqrt(n(s'))`` (or MBIE-EB's ``beta / sqrt(n(s, a))``, Strehl & Littman 2008);
- ``simhash_bonus``: counts of a locality-sensitive hash of continuous states (Tang et al. 2017,
  "#Exploration"): ``phi(s) = sgn(A g(s))`` with ``A`` a fixed ``k x D`` matrix of standard
  normal entries, and the bonus ``beta / sqrt(n(phi(s')))``.

A transition is observed before it is scored (see :mod:`.base`), so its own visit counts: a
first visit earns ``beta``. A state scored without having been observed counts as a first visit.

>>> from rewardlab.integrations.gymnasium.transition import transition_sample
>>> bonus = CountBonus(beta=1.0)
>>> steps = [transition_sample(0, 0, s, 0.0, False, False, {}) for s in (1, 1, 1, 1, 2)]
>>> bonus.observe(steps)
>>> bonus.scores(steps[3:])
[0.5, 1.0]
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import Field, PrivateAttr

from ....core.example import Example
from ....core.registry import register
from ....core.sample import Sample
from ..transition import read_field, state_key
from .base import IntrinsicReward, stack_field, transition_example

__all__ = ["CountBonus", "SimHashBonus"]


@register("count_bonus", family="intrinsic")
class CountBonus(IntrinsicReward):
    """``beta / sqrt(n)``, ``n`` the visits of the transition's next state (``key: state``, field
    ``next_obs``) or of its state-action pair (``key: state_action``: ``obs`` and ``action``).

    >>> from rewardlab.integrations.gymnasium.transition import transition_sample
    >>> b = CountBonus(beta=0.5, key="state_action")
    >>> t = transition_sample(3, 1, 4, 0.0, False, False, {})
    >>> b.observe([t, t, t, t]); b.score(t).score
    0.25
    """

    example: ClassVar[Example] = transition_example({"beta": 0.5, "key": "state_action"}, score=0.5)

    key: Literal["state", "state_action"] = Field(
        default="state", description="Count next states ('state') or (obs, action) pairs ('state_action')."
    )

    _counts: Counter[Any] = PrivateAttr(default_factory=Counter)

    def count(self, sample: Sample) -> int:
        """Visits so far of the sample's state (or state-action pair)."""
        return self._counts[self._key(sample)]

    @property
    def distinct(self) -> int:
        """Distinct states (or pairs) seen."""
        return len(self._counts)

    def _key(self, sample: Sample) -> Any:
        if self.key == "state_action":
            return (state_key(read_field(sample, "obs")), state_key(read_field(sample, "action")))
        return state_key(read_field(sample, self.field))

    def _record(self, samples: list[Sample]) -> None:
        self._counts.update(self._key(s) for s in samples)

    def _bonus(self, samples: list[Sample]) -> np.ndarray:
        return np.array([1.0 / math.sqrt(max(self._counts[self._key(s)], 1)) for s in samples])


@register("simhash_bonus", family="intrinsic")
class SimHashBonus(IntrinsicReward):
    """``beta / sqrt(n(phi(s')))`` with the SimHash code ``phi(s) = sgn(A g(s))`` (Tang et al. 2017).

    ``A`` (``bits`` x observation size) has i.i.d. standard normal entries drawn from ``seed``;
    ``g`` subtracts ``center`` and divides by ``scale`` when they are given. ``sgn`` maps a
    positive projection to +1 and anything else to -1.

    >>> from rewardlab.integrations.gymnasium.transition import transition_sample
    >>> b = SimHashBonus(bits=8, beta=1.0)
    >>> near = [transition_sample([0, 0], 0, [1.0, 2.0 + d], 0.0, False, False, {}) for d in (0, 1e-6)]
    >>> b.observe(near); b.scores(near) == [1 / math.sqrt(2)] * 2
    True
    """

    example: ClassVar[Example] = transition_example({"bits": 8}, score=0.01)

    beta: float = Field(default=0.01, ge=0, description="Weight of the bonus at the start.")
    bits: int = Field(default=32, ge=1, le=1024, description="Length k of the hash code (granularity).")
    seed: int = Field(default=0, description="Seed of the projection matrix A.")
    center: list[float] | None = Field(default=None, description="Subtracted from observations before hashing.")
    scale: list[float] | None = Field(default=None, description="Observations are divided by it before hashing.")

    _counts: Counter[bytes] = PrivateAttr(default_factory=Counter)
    _matrix: np.ndarray | None = PrivateAttr(default=None)

    def projection(self, dim: int) -> np.ndarray:
        """The matrix ``A`` for observations of ``dim`` components (drawn once from ``seed``)."""
        if self._matrix is None or self._matrix.shape[1] != dim:
            if self._matrix is not None:
                raise ValueError(f"observations changed size: {self._matrix.shape[1]} components before, {dim} now")
            self._matrix = np.random.default_rng(self.seed).standard_normal((self.bits, dim))
        return self._matrix

    def codes(self, x: np.ndarray) -> np.ndarray:
        """The +1/-1 codes of the rows of ``x`` (one row per observation)."""
        x = np.atleast_2d(np.asarray(x, dtype=np.float64))
        if self.center is not None:
            x = x - np.asarray(self.center)
        if self.scale is not None:
            x = x / np.asarray(self.scale)
        return np.where(x @ self.projection(x.shape[1]).T > 0, 1, -1).astype(np.int8)

    def _keys(self, samples: list[Sample]) -> list[bytes]:
        return [row.tobytes() for row in self.codes(stack_field(samples, self.field))]

    def _record(self, samples: list[Sample]) -> None:
        self._counts.update(self._keys(samples))

    def _bonus(self, samples: list[Sample]) -> np.ndarray:
        return np.array([1.0 / math.sqrt(max(self._counts[k], 1)) for k in self._keys(samples)])
