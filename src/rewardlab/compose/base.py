"""Shared machinery of composed rewards: score children as batches, merge components, and
decide what a child's missing score means. (Rewards that wrap one child: :mod:`.wrappers`.)

Rules every combinator follows:

- a child that does not apply to a sample (``not_applicable``) is left out, and ``info['left_out']``
  says so; if no child applies, the composite does not apply either;
- a child that failed without a score (``error``/``timeout`` under the ``skip`` policy) makes the
  composite fail, naming the child: a failure is never averaged into a silent number;
- a child whose failure was replaced by its policy default counts with that value, and
  ``info['defaulted']`` lists it;
- ``components`` of the composite is the union of its children's components (every leaf), plus
  the composite's own score when it has an explicit ``name``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..core.context import ScoreContext
from ..core.example import Example
from ..core.result import RewardResult, Status
from ..core.reward import Outcome, Reward
from ..core.sample import Sample

__all__ = ["Combinator", "Gathered", "check_unique_labels", "disagreement_example", "gather", "merge_components"]


def disagreement_example(score: float, **params: Any) -> Example:
    """An example (:mod:`rewardlab.core.example`) for a combinator of two children that disagree:
    'X' against the answer 'x' pays ``a`` (case-blind) 1.0 and ``b`` (case-sensitive) 0.0."""
    children = [{"type": "exact_match", "name": "a"}, {"type": "exact_match", "name": "b", "ignore_case": False}]
    return Example(sample={"completion": "X", "answer": "x"}, params={"children": children, **params}, score=score)


def merge_components(results: Sequence[RewardResult | None]) -> dict[str, float | None]:
    merged: dict[str, float | None] = {}
    for r in results:
        if r is not None:
            merged.update(r.components)
    return merged


@dataclass
class Gathered:
    """A sample's child results, sorted into what a combinator can use."""

    labels: list[str]
    results: list[RewardResult | None]
    usable: list[tuple[int, float]] = field(default_factory=list)  # (child index, score)
    left_out: list[str] = field(default_factory=list)
    failed: list[tuple[str, RewardResult]] = field(default_factory=list)
    defaulted: list[str] = field(default_factory=list)

    @property
    def components(self) -> dict[str, float | None]:
        return merge_components(self.results)

    def failure(self, what: str) -> RewardResult:
        """The composite's result when a child failed."""
        first = self.failed[0][1]
        timeout = any(r.status is Status.TIMEOUT for _, r in self.failed)
        names = ", ".join(f"'{lbl}'" for lbl, _ in self.failed)
        return RewardResult.failed(
            f"{what}: component {names} failed: {first.error}",
            timeout=timeout,
            components=self.components,
            info={"failed_components": [lbl for lbl, _ in self.failed]},
        )

    def base_info(self) -> dict[str, Any]:
        info: dict[str, Any] = {}
        if self.left_out:
            info["left_out"] = list(self.left_out)
        if self.defaulted:
            info["defaulted_components"] = list(self.defaulted)
        return info


def gather(labels: list[str], results: list[RewardResult | None]) -> Gathered:
    g = Gathered(labels=labels, results=results)
    for i, (label, r) in enumerate(zip(labels, results, strict=True)):
        if r is None:
            g.left_out.append(label)
        elif r.score is not None:
            g.usable.append((i, r.score))
            if r.defaulted:
                g.defaulted.append(label)
        elif r.status is Status.NOT_APPLICABLE:
            g.left_out.append(label)
        else:
            g.failed.append((label, r))
    return g


def check_unique_labels(reward: Reward) -> None:
    """Raise ``ValueError`` when two leaves (or named composites) share a label."""
    seen: dict[str, Reward] = {}
    for r in reward.walk():
        if r is reward:
            continue
        if r.sub_rewards() and not r.name:
            continue
        other = seen.get(r.label)
        if other is not None and other is not r:
            raise ValueError(
                f"two rewards are labelled '{r.label}'; give them distinct `name`s "
                "(each label is a key of `components`)"
            )
        seen[r.label] = r


class Combinator(Reward):
    """A reward computed from several child rewards scored on the same batch."""

    family = "combinator"

    def model_post_init(self, __context: Any) -> None:
        check_unique_labels(self)

    def _score_children(self, samples: list[Sample], ctx: ScoreContext) -> list[list[RewardResult]]:
        """Each child's results on the whole batch (children are independent)."""
        return [child.score_batch(samples, ctx) for child in self.sub_rewards()]

    def _score_batch(self, samples: list[Sample], ctx: ScoreContext) -> Sequence[Outcome]:
        kids = self.sub_rewards()
        labels = [c.label for c in kids]
        per_child = self._score_children(samples, ctx)
        weights = [c.weight for c in kids]
        out: list[Outcome] = []
        for i in range(len(samples)):
            g = gather(labels, [rs[i] for rs in per_child])
            result = self._combine(g, weights)
            out.append(self._finish(result))
        return out

    def _combine(self, g: Gathered, weights: list[float]) -> RewardResult:
        raise NotImplementedError

    def _finish(self, result: RewardResult) -> RewardResult:
        if self.name:
            result.components = {**result.components, self.name: result.score}
        result.reward = self.label
        return result
