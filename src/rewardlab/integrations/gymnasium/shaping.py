"""Potential-based shaping over states (Ng, Harada & Russell 1999) for gymnasium transitions.

A transition ``(s, a, s')`` earns ``r + gamma * phi(s') - phi(s)``, with ``phi(s') = 0`` when
``s'`` is terminal (``terminated``; a truncated episode's last state keeps its potential): the
optimal policy is unchanged. The shaping term is :func:`rewardlab.compose.shape_rewards` on a
one-step trajectory. ``phi`` is any reward that scores a *state* sample (field ``obs``): a spec
node (``obs_linear``, ``state_table``, a composite), or -- from Python -- a callable or a table,
through :func:`potential`.

>>> from rewardlab.integrations.gymnasium.leaves import EnvReward, StateTable
>>> shaped = StateShaping(potential=StateTable(table={"0": 0.0, "1": 0.5}), child=EnvReward(), gamma=0.9)
>>> t = {"obs": 0, "action": 1, "next_obs": 1, "reward": 0.0, "terminated": False, "truncated": False}
>>> round(shaped.score(t).score, 6), round(shaped.score({**t, "terminated": True}).score, 6)
(0.45, 0.0)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

from pydantic import Field

from ...compose.base import check_unique_labels
from ...compose.shaping import shape_rewards
from ...core.context import ScoreContext
from ...core.example import Example
from ...core.registry import register
from ...core.result import RewardResult
from ...core.reward import Outcome, Reward
from ...core.sample import Sample
from ...core.spec import RewardNode, build_reward
from .transition import read_field, state_sample

__all__ = ["FunctionPotential", "StateShaping", "potential"]


class FunctionPotential(Reward):
    """A potential given as a Python callable ``phi(obs) -> float`` (not a spec node: a function
    cannot be written in YAML; use ``obs_linear`` or ``state_table`` there).

    >>> FunctionPotential(fn=lambda s: 2.0 * s).score({"obs": 3}).score
    6.0
    """

    family: ClassVar[str] = "agents"
    not_registered: ClassVar[str] = "it holds a Python callable (a lambda), which a spec node cannot"

    fn: Callable[[Any], float] = Field(description="phi(obs) -> float.")

    def _score_one(self, sample: Sample, ctx: ScoreContext) -> Outcome:
        return float(self.fn(read_field(sample, "obs")))

    def to_spec(self, *, minimal: bool = False) -> dict[str, Any]:
        return {"type": "python_potential", "fn": getattr(self.fn, "__qualname__", repr(self.fn))}


def potential(phi: Reward | Mapping[Any, float] | Callable[[Any], float] | dict[str, Any] | str) -> Reward:
    """A potential reward from a reward, a spec node (``{"type": "obs_linear", ...}``), a table
    ``{state: value}`` (states not in it are errors) or a callable ``phi(obs)``.

    >>> potential({0: 0.0, 3: 1.0}).score({"obs": 3}).score
    1.0
    >>> potential(lambda s: -abs(s - 4)).score({"obs": 1}).score
    -3.0
    """
    if isinstance(phi, Reward):
        return phi
    if isinstance(phi, str) or (isinstance(phi, dict) and "type" in phi):
        return build_reward(phi, path="potential")
    if isinstance(phi, Mapping):
        from .leaves import StateTable

        return StateTable(table=dict(phi))
    if callable(phi):
        return FunctionPotential(fn=phi)
    raise TypeError(f"a potential is a reward, a spec node, a table or a callable; got {type(phi).__name__}")


@register("state_shaping", family="agents")
class StateShaping(Reward):
    """``child + gamma * phi(next_obs) - phi(obs)`` on transitions, ``phi(next_obs) = 0`` when terminated.

    ``potential`` scores states (samples with field ``obs``); ``child`` is the base reward
    (usually ``env_reward``; none: the shaping term alone). ``info`` has ``phi``, ``phi_next``
    and ``shaping``.

    >>> from rewardlab.integrations.gymnasium.leaves import ObsLinear
    >>> s = StateShaping(potential=ObsLinear(weights=[1.0]), gamma=1.0)
    >>> s.score({"obs": [1.0], "next_obs": [3.0], "terminated": False}).score
    2.0
    """

    family: ClassVar[str] = "agents"
    example: ClassVar[Example] = Example(
        sample={"obs": [1.0], "next_obs": [3.0], "terminated": False},
        params={"potential": {"type": "obs_linear", "weights": [1.0]}, "gamma": 1.0},
        score=2.0,
    )

    potential: RewardNode = Field(description="phi: scores a state (a sample whose field 'obs' is the state).")
    child: RewardNode | None = Field(default=None, description="Base reward of the transition (e.g. env_reward).")
    gamma: float = Field(default=0.99, gt=0, le=1, description="The agent's discount factor.")

    def model_post_init(self, __context: Any) -> None:
        check_unique_labels(self)

    def _score_batch(self, samples: list[Sample], ctx: ScoreContext) -> Sequence[Outcome]:
        states: list[Sample] = []
        for s in samples:
            for name in ("obs", "next_obs"):
                if not s.has(name):
                    return [KeyError(f"the transition has no field '{name}'")] * len(samples)
            states += [state_sample(s.get("obs")), state_sample(s.get("next_obs"))]
        phis = self.potential.score_batch(states, ctx)
        base = self.child.score_batch(samples, ctx) if self.child is not None else [None] * len(samples)
        out: list[Outcome] = []
        for i, sample in enumerate(samples):
            out.append(self._one(sample, phis[2 * i], phis[2 * i + 1], base[i]))
        return out

    def _one(self, sample: Sample, phi: RewardResult, phi_next: RewardResult, base: RewardResult | None) -> Outcome:
        components: dict[str, float | None] = dict(base.components) if base is not None else {}
        for r in (phi, phi_next):
            if r.score is None:
                return RewardResult.failed(
                    f"potential '{self.potential.label}' has no score for a state: {r.error or r.status.value}",
                    timeout=r.status.value == "timeout",
                    components=components,
                )
        if base is not None and base.score is None:
            return RewardResult.failed(
                f"base reward '{base.reward}' has no score: {base.error or base.status.value}",
                timeout=base.status.value == "timeout",
                components=components,
            )
        terminal = bool(sample.get("terminated", False))
        r = base.score if base is not None else 0.0
        shaped = shape_rewards([r], [float(phi.score), float(phi_next.score)], gamma=self.gamma, terminal_zero=terminal)  # type: ignore[arg-type]
        term = shaped[0] - r  # type: ignore[operator]
        components[f"{self.label}.shaping"] = term
        if self.name:
            components[self.name] = shaped[0]
        info = {"phi": phi.score, "phi_next": 0.0 if terminal else phi_next.score, "shaping": term}
        return RewardResult.ok(shaped[0], components=components, info=info)
