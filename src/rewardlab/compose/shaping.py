"""Potential-based shaping (Ng, Harada & Russell 1999): step rewards plus ``gamma * phi(s_t) -
phi(s_{t-1})``, which leaves the optimal policy unchanged.

:func:`shape_rewards` shapes a list of step rewards given the potentials of the states;
:class:`PotentialShaping` is the reward node: it scores each state of a sample's steps with a
``potential`` reward and pays the discounted return of the shaped steps.

>>> shape_rewards([0.0, 1.0], [0.0, 0.5, 0.9], gamma=1.0)
[0.5, 0.5]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, ClassVar

from pydantic import Field

from ..core.context import ScoreContext
from ..core.example import Example
from ..core.registry import register
from ..core.result import RewardResult
from ..core.reward import Outcome, Reward, prepare_each
from ..core.sample import Sample
from ..core.spec import RewardNode
from .base import check_unique_labels

__all__ = ["PotentialShaping", "shape_rewards"]


def shape_rewards(
    rewards: Sequence[float], potentials: Sequence[float], *, gamma: float = 1.0, terminal_zero: bool = True
) -> list[float]:
    """Potential-based shaping (Ng, Harada & Russell 1999): ``r_t + gamma*phi(s_t) - phi(s_{t-1})``.

    ``potentials`` has one value per state ``s_0 .. s_T`` (one more than ``rewards``). With
    ``terminal_zero`` the final state's potential counts as 0, which keeps the optimal policy of
    an episodic task unchanged. The discounted sum of the shaping terms telescopes to
    ``gamma**T * phi(s_T) - phi(s_0)``.

    >>> shape_rewards([0.0, 1.0], [0.0, 0.5, 0.9], gamma=1.0)
    [0.5, 0.5]
    """
    if len(potentials) != len(rewards) + 1:
        raise ValueError(
            f"need one potential per state: {len(rewards) + 1} expected for {len(rewards)} steps, got {len(potentials)}"
        )
    phi = list(potentials)
    if terminal_zero:
        phi[-1] = 0.0
    return [r + gamma * phi[t + 1] - phi[t] for t, r in enumerate(rewards)]


@register("potential_shaping")
class PotentialShaping(Reward):
    """Potential-based shaping of step rewards: ``r_t + gamma * phi(s_t) - phi(s_{t-1})``.

    A sample's steps come from ``steps_field`` (a list of strings) or from splitting the
    completion on ``separator``. State ``s_t`` is the completion made of the first ``t`` steps;
    ``potential`` scores it (phi). Base step rewards come from ``step_rewards_field`` when the
    sample has it; otherwise every step gets 0 and the final step gets ``child``'s score of the
    full completion. The score is the discounted return of the shaped steps; ``info`` has the
    shaped step rewards and the potentials.

    >>> from rewardlab.verifiers import LengthBand
    >>> ps = PotentialShaping(potential=LengthBand(min_length=2, max_length=9, unit="words"), terminal_zero=False)
    >>> r = ps.score({"steps": ["a", "b c", "d"], "step_rewards": [0, 0, 1]})
    >>> r.info["step_rewards"], r.score
    ([0.0, 1.0, 1.0], 2.0)
    """

    family: ClassVar[str] = "transform"
    example: ClassVar[Example] = Example(
        sample={"steps": ["a", "b c", "d"], "step_rewards": [0, 0, 1]},
        params={
            "potential": {"type": "length_band", "min_length": 2, "max_length": 9, "unit": "words"},
            "terminal_zero": False,
        },
        score=2.0,
    )

    potential: RewardNode = Field(description="phi: scores a state (the completion made of the first t steps).")
    child: RewardNode | None = Field(
        default=None, description="Base reward of the full completion, paid at the last step."
    )
    gamma: float = Field(default=1.0, gt=0, le=1, description="Discount factor.")
    steps_field: str = Field(default="steps", description="Sample field with the list of steps.")
    separator: str = Field(default="\n", description="Joins steps into states; splits a completion into steps.")
    step_rewards_field: str = Field(default="step_rewards", description="Sample field with base step rewards.")
    terminal_zero: bool = Field(default=True, description="Treat the final state's potential as 0.")

    def model_post_init(self, __context: Any) -> None:
        check_unique_labels(self)

    def _steps(self, sample: Sample) -> list[str]:
        steps = sample.get(self.steps_field)
        if steps is None:
            steps = [s for s in sample.completion_text.split(self.separator) if s.strip()]
        if not isinstance(steps, list) or not all(isinstance(s, str) for s in steps):
            raise ValueError(f"field '{self.steps_field}' must be a list of strings")
        return steps

    def _score_batch(self, samples: list[Sample], ctx: ScoreContext) -> Sequence[Outcome]:
        out, prepared = prepare_each(samples, self._steps, ValueError)
        plans: dict[int, list[str]] = {}
        for i, steps in prepared.items():
            if steps:
                plans[i] = steps
            else:
                out[i] = RewardResult.not_applicable("the sample has no steps")
        owners: list[tuple[int, int]] = []
        states: list[Sample] = []
        for i, steps in plans.items():
            for t in range(len(steps) + 1):
                owners.append((i, t))
                states.append(samples[i].with_completion(self.separator.join(steps[:t])))
        phi_results = self.potential.score_batch(states, ctx) if states else []
        phis: dict[int, list[RewardResult]] = {i: [] for i in plans}
        for (i, _), r in zip(owners, phi_results, strict=True):
            phis[i].append(r)
        child_results: dict[int, RewardResult] = {}
        needs_child = [i for i in plans if samples[i].get(self.step_rewards_field) is None]
        if self.child is not None and needs_child:
            scored = self.child.score_batch([samples[i] for i in needs_child], ctx)
            child_results = dict(zip(needs_child, scored, strict=True))
        for i, steps in plans.items():
            out[i] = self._one(samples[i], steps, phis[i], child_results.get(i))
        return out

    def _one(self, sample: Sample, steps: list[str], phis: list[RewardResult], child: RewardResult | None) -> Outcome:
        components: dict[str, float | None] = {}
        if child is not None:
            components.update(child.components)
        final_phi = phis[-1]
        for leaf in self.potential.leaves():
            components[leaf.label] = final_phi.components.get(leaf.label, final_phi.score)
        bad = next((r for r in phis if r.score is None), None)
        if bad is not None:
            return RewardResult.failed(
                f"potential '{self.potential.label}' has no score for a state: {bad.error or bad.status.value}",
                components=components,
            )
        base = sample.get(self.step_rewards_field)
        if base is not None:
            if not isinstance(base, list) or len(base) != len(steps):
                return ValueError(
                    f"field '{self.step_rewards_field}' must be a list of {len(steps)} numbers (one per step)"
                )
            base_rewards = [float(x) for x in base]
        else:
            base_rewards = [0.0] * len(steps)
            if child is not None:
                if child.score is None:
                    return RewardResult.failed(
                        f"base reward '{self.child.label}' has no score: {child.error or child.status.value}",  # type: ignore[union-attr]
                        components=components,
                    )
                base_rewards[-1] = child.score
        potentials = [float(r.score) for r in phis]  # type: ignore[arg-type]
        shaped = shape_rewards(base_rewards, potentials, gamma=self.gamma, terminal_zero=self.terminal_zero)
        score = math.fsum(self.gamma**t * r for t, r in enumerate(shaped))
        if self.name:
            components[self.name] = score
        return RewardResult.ok(
            score,
            components=components,
            info={"step_rewards": shaped, "potentials": potentials, "base_rewards": base_rewards},
        )
