"""Intrinsic Curiosity Module (Pathak et al. 2017): states are encoded by ``phi``; a forward model
predicts ``phi(s')`` from ``phi(s)`` and the action, an inverse model predicts the action from
``phi(s)`` and ``phi(s')``. The bonus is the forward model's surprise
``eta / 2 * ||f(phi(s), a) - phi(s')||^2`` (``eta`` is ``beta``); training minimises
``(1 - w) * L_inverse + w * L_forward`` (``w`` = ``forward_weight``, 0.2 in the paper) with
``L_forward = 1/2 ||f(phi(s), a) - phi(s')||^2`` and ``L_inverse`` the cross-entropy of the
action (discrete actions) or its squared error (continuous actions).

>>> from rewardlab.integrations.gymnasium.transition import transition_sample
>>> icm = ICMBonus(actions=2, seed=0)
>>> t = transition_sample([0.0, 1.0], 1, [1.0, 1.0], 0.0, False, False, {})
>>> icm.observe([t]); icm.score(t).score >= 0
True
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import Field, PrivateAttr

from ....core.example import Example
from ....core.registry import register
from ....core.sample import Sample
from ..transition import as_vector, read_field
from .base import IntrinsicReward, stack_field, transition_example
from .nets import mlp, optimizer, seeded

__all__ = ["ICMBonus"]


@register("icm_bonus", family="intrinsic")
class ICMBonus(IntrinsicReward):
    """The Intrinsic Curiosity Module's bonus ``beta / 2 * ||f(phi(s), a) - phi(s')||^2``.

    ``actions``: the number of discrete actions (they are one-hot encoded), or none for
    continuous action vectors. Reads ``obs``, ``action`` and ``field`` (``next_obs``).

    >>> ICMBonus(actions=4, feature_dim=8).feature_dim
    8
    """

    example: ClassVar[Example] = transition_example({"actions": 4, "feature_dim": 8, "seed": 0})

    beta: float = Field(default=0.01, ge=0, description="eta: weight of the forward model's error.")
    actions: int | None = Field(
        default=None, ge=1, description="Number of discrete actions (one-hot); none: continuous action vectors."
    )
    feature_dim: int = Field(default=32, ge=1, description="Size of the state encoding phi(s).")
    hidden: list[int] = Field(default_factory=lambda: [64], description="Hidden layer widths of each network.")
    forward_weight: float = Field(
        default=0.2, ge=0, le=1, description="Weight of the forward loss against the inverse loss (beta in the paper)."
    )
    lr: float = Field(default=1e-3, gt=0, description="Learning rate.")
    optimizer: Literal["adam", "sgd"] = Field(default="adam", description="Optimizer of the three networks.")
    update_every: int = Field(default=64, ge=1, description="Observed transitions between two trainings.")
    epochs: int = Field(default=1, ge=1, description="Passes over the buffered transitions per training.")
    batch_size: int = Field(default=64, ge=1, description="Minibatch size.")
    seed: int = Field(default=0, description="Seed of the networks' initial weights.")

    _nets: dict[str, Any] | None = PrivateAttr(default=None)
    _opt: Any = PrivateAttr(default=None)
    _buffer: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = PrivateAttr(default_factory=list)

    def networks(self, obs_dim: int, action_dim: int) -> dict[str, Any]:
        """``{"encoder": phi, "forward": f, "inverse": g}`` for the given sizes (built once)."""
        if self._nets is None:

            def build() -> dict[str, Any]:
                return {
                    "encoder": mlp(obs_dim, self.hidden, self.feature_dim),
                    "forward": mlp(self.feature_dim + action_dim, self.hidden, self.feature_dim),
                    "inverse": mlp(2 * self.feature_dim, self.hidden, action_dim),
                }

            self._nets = seeded(self.seed, build)
            params = [p for net in self._nets.values() for p in net.parameters()]
            self._opt = optimizer(self.optimizer, params, self.lr)
        return self._nets

    def _actions(self, samples: list[Sample]) -> np.ndarray:
        if self.actions is None:
            return np.stack([as_vector(read_field(s, "action"), what="field 'action'") for s in samples])
        out = np.zeros((len(samples), self.actions))
        for i, s in enumerate(samples):
            a = read_field(s, "action")
            if isinstance(a, np.ndarray) and a.size == 1:
                a = a.item()
            if isinstance(a, bool) or not isinstance(a, (int, np.integer)) or not 0 <= int(a) < self.actions:
                raise ValueError(f"field 'action' must be an integer in [0, {self.actions}), got {a!r}")
            out[i, int(a)] = 1.0
        return out

    def _arrays(self, samples: list[Sample]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return stack_field(samples, "obs"), self._actions(samples), stack_field(samples, self.field)

    def _losses(self, s: Any, a: Any, s2: Any) -> tuple[Any, Any, Any]:
        """Per-transition forward error ``1/2 ||f(phi(s), a) - phi(s')||^2``, and the batch's
        forward and inverse losses."""
        import torch

        nets = self.networks(s.shape[1], a.shape[1])
        phi, phi2 = nets["encoder"](s), nets["encoder"](s2)
        predicted = nets["forward"](torch.cat([phi, a], dim=1))
        forward = 0.5 * ((predicted - phi2) ** 2).sum(dim=1)
        logits = nets["inverse"](torch.cat([phi, phi2], dim=1))
        if self.actions is None:
            inverse = ((logits - a) ** 2).sum(dim=1).mean()
        else:
            inverse = torch.nn.functional.cross_entropy(logits, a.argmax(dim=1))
        return forward, forward.mean(), inverse

    def forward_errors(self, s: np.ndarray, a: np.ndarray, s2: np.ndarray) -> np.ndarray:
        """``1/2 ||f(phi(s), a) - phi(s')||^2`` per row (``a`` one-hot for discrete actions)."""
        import torch

        with torch.no_grad():
            t = [torch.as_tensor(v, dtype=torch.float32) for v in (s, a, s2)]
            return self._losses(*t)[0].double().numpy()

    def _bonus(self, samples: list[Sample]) -> np.ndarray:
        return self.forward_errors(*self._arrays(samples))

    def _record(self, samples: list[Sample]) -> None:
        s, a, s2 = self._arrays(samples)
        self._buffer.extend(zip(s, a, s2, strict=True))

    def _train(self) -> dict[str, float]:
        import torch

        if len(self._buffer) < self.update_every:
            return {}
        s, a, s2 = (torch.as_tensor(np.stack(col), dtype=torch.float32) for col in zip(*self._buffer, strict=True))
        self._buffer = []
        rng = np.random.default_rng(self.seed + self.observed)
        forward_losses, inverse_losses = [], []
        for _ in range(self.epochs):
            order = rng.permutation(len(s))
            for start in range(0, len(s), self.batch_size):
                idx = torch.as_tensor(order[start : start + self.batch_size])
                _, forward, inverse = self._losses(s[idx], a[idx], s2[idx])
                loss = (1 - self.forward_weight) * inverse + self.forward_weight * forward
                self._opt.zero_grad()
                loss.backward()
                self._opt.step()
                forward_losses.append(float(forward.detach()))
                inverse_losses.append(float(inverse.detach()))
        return {"icm_forward_loss": float(np.mean(forward_losses)), "icm_inverse_loss": float(np.mean(inverse_losses))}
