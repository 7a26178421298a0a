"""Random Network Distillation (Burda et al. 2018): the bonus of a state is how badly a trained
predictor matches a fixed, randomly initialised target network on it,
``||f_hat(x) - f(x)||^2`` (summed over the output components), ``x`` the observation
normalized by running statistics and clipped to [-5, 5] as in the paper. The predictor is
trained to minimise the mean of that error over observed states; states seen often become
predictable and earn less.

>>> from rewardlab.integrations.gymnasium.transition import transition_sample
>>> rnd = RNDBonus(hidden=[16], out_dim=4, update_every=8, lr=0.01, normalize_obs=False)
>>> batch = [transition_sample([0.0], 0, [1.0, 0.5], 0.0, False, False, {}) for _ in range(8)]
>>> rnd.observe(batch); before = rnd.scores(batch[:1])[0]
>>> for _ in range(20):
...     _ = rnd.update(); rnd.observe(batch)
>>> rnd.scores(batch[:1])[0] < before
True
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import Field, PrivateAttr

from ....core.example import Example
from ....core.registry import register
from ....core.sample import Sample
from .base import IntrinsicReward, RunningVectorStats, stack_field, transition_example
from .nets import mlp, optimizer, seeded

__all__ = ["RNDBonus"]


@register("rnd_bonus", family="intrinsic")
class RNDBonus(IntrinsicReward):
    """Random Network Distillation bonus ``||f_hat(x) - f(x)||^2`` of the next observation.

    Networks are built on first use for the observation's size, from ``seed``; ``update`` trains
    the predictor (``epochs`` passes of minibatches over what was observed) every
    ``update_every`` observed transitions.

    >>> from rewardlab.integrations.gymnasium.transition import transition_sample
    >>> rnd = RNDBonus(seed=1, normalize_obs=False)
    >>> t = transition_sample([0.0, 0.0], 0, [1.0, -1.0], 0.0, False, False, {})
    >>> rnd.observe([t]); rnd.score(t).score > 0
    True
    """

    example: ClassVar[Example] = transition_example({"seed": 1, "normalize_obs": False})

    beta: float = Field(default=1.0, ge=0, description="Weight of the bonus at the start.")
    hidden: list[int] = Field(default_factory=lambda: [64, 64], description="Hidden layer widths of both networks.")
    out_dim: int = Field(default=32, ge=1, description="Size of the networks' output (the embedding).")
    lr: float = Field(default=1e-3, gt=0, description="Learning rate of the predictor.")
    optimizer: Literal["adam", "sgd"] = Field(default="adam", description="Optimizer of the predictor.")
    update_every: int = Field(default=64, ge=1, description="Observed transitions between two trainings.")
    epochs: int = Field(default=1, ge=1, description="Passes over the buffered observations per training.")
    batch_size: int = Field(default=64, ge=1, description="Minibatch size of the predictor's training.")
    normalize_obs: bool = Field(
        default=True, description="Normalize observations by running mean and std, clipped to [-5, 5]."
    )
    seed: int = Field(default=0, description="Seed of both networks' initial weights.")

    _nets: dict[str, Any] | None = PrivateAttr(default=None)
    _opt: Any = PrivateAttr(default=None)
    _buffer: list[np.ndarray] = PrivateAttr(default_factory=list)
    _obs_stats: RunningVectorStats = PrivateAttr(default_factory=RunningVectorStats)
    _pending: int = PrivateAttr(default=0)

    def networks(self, obs_dim: int) -> dict[str, Any]:
        """``{"target": f, "predictor": f_hat}`` for observations of ``obs_dim`` components."""
        if self._nets is None:

            def build() -> dict[str, Any]:
                target = mlp(obs_dim, self.hidden, self.out_dim)
                predictor = mlp(obs_dim, self.hidden, self.out_dim)
                for p in target.parameters():
                    p.requires_grad_(False)
                return {"target": target, "predictor": predictor}

            self._nets = seeded(self.seed, build)
            self._opt = optimizer(self.optimizer, self._nets["predictor"].parameters(), self.lr)
        return self._nets

    def _inputs(self, samples: list[Sample]) -> np.ndarray:
        x = stack_field(samples, self.field)
        return self._obs_stats.normalize(x) if self.normalize_obs else x

    def errors(self, x: np.ndarray) -> np.ndarray:
        """``||f_hat(x) - f(x)||^2`` for each row of ``x`` (already normalized)."""
        import torch

        nets = self.networks(x.shape[1])
        with torch.no_grad():
            t = torch.as_tensor(x, dtype=torch.float32)
            return ((nets["predictor"](t) - nets["target"](t)) ** 2).sum(dim=1).double().numpy()

    def _record(self, samples: list[Sample]) -> None:
        raw = stack_field(samples, self.field)
        if self.normalize_obs:
            self._obs_stats.update(raw)
        self._buffer.extend(raw)
        self._pending += len(samples)

    def _bonus(self, samples: list[Sample]) -> np.ndarray:
        return self.errors(self._inputs(samples))

    def _train(self) -> dict[str, float]:
        import torch

        if self._pending < self.update_every or not self._buffer:
            return {}
        raw = np.stack(self._buffer)
        self._buffer, self._pending = [], 0
        x = self._obs_stats.normalize(raw) if self.normalize_obs else raw
        nets = self.networks(x.shape[1])
        data = torch.as_tensor(x, dtype=torch.float32)
        rng = np.random.default_rng(self.seed + self.observed)
        losses = []
        for _ in range(self.epochs):
            order = rng.permutation(len(data))
            for start in range(0, len(data), self.batch_size):
                idx = torch.as_tensor(order[start : start + self.batch_size])
                batch = data[idx]
                loss = ((nets["predictor"](batch) - nets["target"](batch)) ** 2).sum(dim=1).mean()
                self._opt.zero_grad()
                loss.backward()
                self._opt.step()
                losses.append(float(loss.detach()))
        return {"rnd_loss": float(np.mean(losses))}
