"""Transforms of one reward: clip, affine, centring, PAR, log-sigmoid, potential shaping, annealing.

Each transform wraps a ``child`` and overrides one hook. Centring-based transforms (``center``,
``par``, ``log_sigmoid``) subtract a *reference reward*: a constant (``reference``), a number
stored in the sample (``reference_field``), or the child's own score of a reference
completion stored in the sample (``reference_completion_field``; a list of completions is
averaged), as in "Reward Shaping to Mitigate Reward Hacking in RLHF" (PAR) and
"Transforming and Combining Rewards for Aligning LLMs" (log-sigmoid).

>>> from rewardlab.verifiers import ExactMatch
>>> Affine(child=ExactMatch(), scale=2.0, shift=-1.0).score({"completion": "a", "answer": "b"}).score
-1.0
>>> round(PAR(child=ExactMatch(), reference=0.5).score({"completion": "a", "answer": "a"}).score, 4)
0.6225
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, ClassVar, Literal

from pydantic import Field, model_validator

from ..core.context import ScoreContext
from ..core.registry import register
from ..core.result import RewardResult
from ..core.reward import Outcome, Reward
from ..core.sample import Sample
from ..core.spec import RewardNode
from .base import Wrapper, check_unique_labels

__all__ = [
    "PAR",
    "Affine",
    "Anneal",
    "Center",
    "Clip",
    "LogSigmoid",
    "PotentialShaping",
    "log_sigmoid",
    "shape_rewards",
    "sigmoid",
]


def sigmoid(z: float) -> float:
    """Numerically stable logistic function."""
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def log_sigmoid(z: float) -> float:
    """Numerically stable ``log(sigmoid(z))`` (finite for any finite z).

    >>> log_sigmoid(0.0) == math.log(0.5)
    True
    >>> round(log_sigmoid(-800.0))
    -800
    """
    if z >= 0:
        return -math.log1p(math.exp(-z))
    return z - math.log1p(math.exp(z))


@register("clip")
class Clip(Wrapper):
    """Clip the child's score to [``low``, ``high``] (either bound may be omitted).

    >>> from rewardlab.verifiers import Overlong
    >>> Clip(child=Overlong(max_length=4, buffer=2, unit="words"), low=-0.5).score(
    ...     {"completion": "one two three four five six"}).score
    -0.5
    """

    low: float | None = Field(default=None, description="Lower bound (none if omitted).")
    high: float | None = Field(default=None, description="Upper bound (none if omitted).")

    @model_validator(mode="after")
    def _check(self) -> Clip:
        if self.low is None and self.high is None:
            raise ValueError("clip needs at least one of 'low' and 'high'")
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError(f"low ({self.low}) must not exceed high ({self.high})")
        return self

    def _transform(self, score: float, sample: Sample, ctx: ScoreContext, extra: Any, index: int):
        value = score
        if self.low is not None:
            value = max(self.low, value)
        if self.high is not None:
            value = min(self.high, value)
        return value, {"clipped": value != score}


@register("affine", aliases=("scale",))
class Affine(Wrapper):
    """``scale * score + shift``.

    >>> from rewardlab.verifiers import ExactMatch
    >>> Affine(child=ExactMatch(), scale=10).score({"completion": "a", "answer": "a"}).score
    10.0
    """

    scale: float = Field(default=1.0, description="Multiplier.")
    shift: float = Field(default=0.0, description="Added after scaling.")

    def _transform(self, score: float, sample: Sample, ctx: ScoreContext, extra: Any, index: int):
        return self.scale * score + self.shift, {}


class _Centered(Wrapper):
    """Applies ``f(score - reference)``; subclasses choose ``f`` by overriding :meth:`_apply`."""

    reference: float | None = Field(default=None, description="A constant reference reward.")
    reference_field: str | None = Field(
        default=None, description="Sample field holding the reference reward (a number)."
    )
    reference_completion_field: str | None = Field(
        default=None,
        description="Sample field holding a reference completion (or a list of them) scored by the child.",
    )

    @model_validator(mode="after")
    def _one_reference(self) -> _Centered:
        given = [
            k for k in ("reference", "reference_field", "reference_completion_field") if getattr(self, k) is not None
        ]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of 'reference' (a number), 'reference_field' (a sample field with the "
                "reference reward) or 'reference_completion_field' (a sample field with reference completions)"
                + (f"; got {', '.join(given)}" if given else "")
            )
        return self

    def _prepare(self, samples: list[Sample], results: list[RewardResult], ctx: ScoreContext) -> Any:
        if self.reference_completion_field is None:
            return None
        field = self.reference_completion_field
        owners: list[int] = []
        refs: list[Sample] = []
        for i, s in enumerate(samples):
            value = s.get(field)
            for completion in value if isinstance(value, list) else ([value] if value is not None else []):
                owners.append(i)
                refs.append(s.with_completion(completion))
        per_sample: list[list[float | None]] = [[] for _ in samples]
        if refs:
            for i, r in zip(owners, self.child.score_batch(refs, ctx), strict=True):
                per_sample[i].append(r.score)
        return per_sample

    def _reference_for(self, sample: Sample, extra: Any, index: int) -> float:
        if self.reference is not None:
            return self.reference
        if self.reference_field is not None:
            value = sample.get(self.reference_field)
            if value is None:
                raise ValueError(f"the sample has no reference reward in field '{self.reference_field}'")
            try:
                ref = float(value)
            except (TypeError, ValueError):
                raise ValueError(f"field '{self.reference_field}' must hold a number, got {value!r}") from None
            if not math.isfinite(ref):
                raise ValueError(f"field '{self.reference_field}' holds a non-finite number")
            return ref
        scores = extra[index]
        if not scores:
            raise ValueError(f"the sample has no reference completion in field '{self.reference_completion_field}'")
        if any(s is None for s in scores):
            raise ValueError("the child reward could not score a reference completion")
        return math.fsum(scores) / len(scores)

    def _transform(self, score: float, sample: Sample, ctx: ScoreContext, extra: Any, index: int):
        ref = self._reference_for(sample, extra, index)
        return self._apply(score - ref), {"reference": ref}

    def _apply(self, centred: float) -> float:
        raise NotImplementedError


@register("center")
class Center(_Centered):
    """``score - reference``: centre a reward on a reference reward.

    >>> from rewardlab.verifiers import ExactMatch
    >>> Center(child=ExactMatch(), reference_field="baseline").score(
    ...     {"completion": "a", "answer": "a", "baseline": 0.25}).score
    0.75
    """

    def _apply(self, centred: float) -> float:
        return centred


@register("par")
class PAR(_Centered):
    """Preference As Reward: ``sigmoid((score - reference) / temperature)``, bounded in (0, 1).

    Fu et al., "Reward Shaping to Mitigate Reward Hacking in RLHF" (2025): the sigmoid of the
    reward centred on the reference model's reward; with several reference completions their
    mean is used.

    >>> from rewardlab.verifiers import ExactMatch
    >>> PAR(child=ExactMatch(), reference_completion_field="ref").score(
    ...     {"completion": "a", "answer": "a", "ref": ["a", "b"]}).score
    0.6224593312018546
    """

    temperature: float = Field(default=1.0, gt=0, description="Divides the centred reward before the sigmoid.")

    def _apply(self, centred: float) -> float:
        return sigmoid(centred / self.temperature)


@register("log_sigmoid")
class LogSigmoid(_Centered):
    """``log sigmoid(score - reference)``: Wang et al., "Transforming and Combining Rewards".

    Saturates for rewards well above the reference (no pay for over-optimising one
    property) and, summed over properties, behaves like a logical AND.

    >>> from rewardlab.verifiers import ExactMatch
    >>> round(LogSigmoid(child=ExactMatch(), reference=0.0).score({"completion": "a", "answer": "a"}).score, 4)
    -0.3133
    """

    def _apply(self, centred: float) -> float:
        return log_sigmoid(centred)


@register("anneal")
class Anneal(Wrapper):
    """Multiply the child's score by a weight that moves from ``start`` to ``end`` over training steps.

    The step comes from the call (``ScoreContext(step=...)``, ``--step``, or the trainer adapter);
    ``default_step`` is used when the call gives none, otherwise the sample fails with a clear error.

    >>> from rewardlab.core import ScoreContext
    >>> from rewardlab.verifiers import ExactMatch
    >>> a = Anneal(child=ExactMatch(), start=0.0, end=1.0, end_step=100)
    >>> a.score({"completion": "a", "answer": "a"}, ScoreContext(step=25)).score
    0.25
    """

    start: float = Field(default=0.0, description="Weight at ``start_step`` and before.")
    end: float = Field(default=1.0, description="Weight at ``end_step`` and after.")
    start_step: int = Field(default=0, ge=0, description="Step where the schedule starts.")
    end_step: int = Field(description="Step where the schedule ends.")
    schedule: Literal["linear", "cosine"] = Field(default="linear", description="Shape of the schedule.")
    default_step: int | None = Field(default=None, ge=0, description="Step to assume when the call gives none.")

    @model_validator(mode="after")
    def _check(self) -> Anneal:
        if self.end_step <= self.start_step:
            raise ValueError(f"end_step ({self.end_step}) must be after start_step ({self.start_step})")
        return self

    def weight_at(self, step: int) -> float:
        frac = min(1.0, max(0.0, (step - self.start_step) / (self.end_step - self.start_step)))
        if self.schedule == "cosine":
            frac = (1.0 - math.cos(math.pi * frac)) / 2.0
        return self.start + (self.end - self.start) * frac

    def _transform(self, score: float, sample: Sample, ctx: ScoreContext, extra: Any, index: int):
        step = ctx.step if ctx.step is not None else self.default_step
        if step is None:
            raise ValueError(
                "anneal needs the training step: pass ScoreContext(step=...), `--step N` on the command line, "
                "or set 'default_step' in the spec"
            )
        w = self.weight_at(step)
        return w * score, {"anneal_weight": w, "step": step}


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
        out: list[Outcome] = [None] * len(samples)
        plans: dict[int, list[str]] = {}
        for i, s in enumerate(samples):
            try:
                steps = self._steps(s)
            except ValueError as exc:
                out[i] = exc
                continue
            if not steps:
                out[i] = RewardResult.not_applicable("the sample has no steps")
                continue
            plans[i] = steps
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
