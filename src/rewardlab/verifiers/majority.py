r"""``majority_vote``: a label-free reward -- agreement with the group's majority answer (TTRL).

Test-time RL (TTRL, Zuo et al. 2025) and self-consistency need no reference: the completions of
one prompt vote with their final answers, and each completion is rewarded for agreeing with the
majority. The answers are read and compared by a verifier (``verifier``: ``math``, ``choice``,
``exact_match``, ``qa``), with everything that verifier refuses still refused:

1. each completion's answer is what the verifier extracts (``info['extracted']`` or
   ``info['chosen']``); it is a **vote** only when the verifier pays the completion 1.0 with that
   answer as the reference -- a hedged ("7 or 8"), multi-answer or empty completion does not vote;
2. two completions agree when the verifier pays one with the other's answer as the reference
   (``7``, ``7.0`` and ``\boxed{7}`` are one answer for ``math``);
3. the majority answer has the most supporters (a tie goes to the answer given first; ``info``
   says so); ``pay="agree"`` pays 1.0 to the completions that agree with it (TTRL), ``"share"``
   pays each completion the share of its group that agrees with its own answer.

The reference field is never read for the score. When a sample has one, ``info['majority_correct']``
says whether the majority answer is right -- averaged over prompts, that is maj@k with k the group
size. ``info`` also has the sample's ``answer``, the majority ``vote_share``, its own ``share``,
the number of ``votes`` and the ``group_size``.

Groups are the samples with the same ``group_key`` (else the call's group key, else the prompt);
a group of one has no majority to agree with: its sample gets status ``error`` with the reason.

>>> r = MajorityVote(group_key="q")
>>> batch = [{"q": 1, "completion": c} for c in ["#### 7", "7.0 apples\n#### 7", "#### 8", "It is 7 or 8."]]
>>> [res.score for res in r.score_batch(batch)]
[1.0, 1.0, 0.0, 0.0]
>>> res = r.score_batch(batch)[0]
>>> res.info["vote_share"], res.info["votes"], res.info["group_size"]
(0.5, 3, 4)
>>> MajorityVote(group_key="q", pay="share").scores(batch)
[0.5, 0.5, 0.25, 0.0]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Literal

from pydantic import Field, PrivateAttr, model_validator

from ..compose.group import group_keys, groups_of, is_missing_key
from ..core.context import ScoreContext
from ..core.example import Example
from ..core.registry import get_reward_class, register
from ..core.result import RewardResult
from ..core.reward import Outcome, Reward
from ..core.sample import Sample

__all__ = ["MajorityVote"]

_NEUTRAL = "0"
"""The reference a completion is first scored against, only to read the answer it gives."""


def _answer_of(result: RewardResult) -> str | None:
    for key in ("extracted", "chosen"):
        value = result.info.get(key)
        if isinstance(value, str) and value.strip():
            return value
    return None


@register("majority_vote", aliases=("ttrl", "self_consistency"), family="label_free")
class MajorityVote(Reward):
    """Agreement of each completion's final answer with its group's majority answer (TTRL; no reference).

    See the module docstring: answers are extracted and compared by ``verifier`` (math, choice,
    exact_match, qa) so its refusals (hedges, several answers, empty) hold; ``pay`` is ``agree``
    (1.0 for the majority, as TTRL) or ``share`` (the share of the group agreeing with the
    completion's own answer). ``info`` has the vote share and, when the sample has a reference,
    whether the majority is right (maj@k).

    >>> MajorityVote(group_key="q", verifier="exact_match").scores(
    ...     [{"q": 1, "completion": t} for t in ["Paris", "paris", "Lyon"]])
    [1.0, 1.0, 0.0]
    """

    batch_dependent: ClassVar[bool] = True
    reads: ClassVar[tuple[str, ...]] = ("completion", "prompt")
    example: ClassVar[Example] = Example(
        sample={"prompt": "What is 3 + 4?", "completion": "3 + 4 = 7\n#### 7", "group_id": "q1"},
        params={"group_key": "group_id"},
        batch=(
            {"prompt": "What is 3 + 4?", "completion": "#### 7", "group_id": "q1"},
            {"prompt": "What is 3 + 4?", "completion": "#### 8", "group_id": "q1"},
        ),
        score=1.0,
    )

    verifier: Literal["math", "choice", "exact_match", "qa"] = Field(
        default="math", description="The verifier that reads and compares the answers (its refusals hold)."
    )
    verifier_params: dict[str, Any] = Field(
        default_factory=dict,
        description="Parameters of that verifier, e.g. {mode: lenient} for math or {extract: answer_tag}.",
    )
    pay: Literal["agree", "share"] = Field(
        default="agree",
        description="'agree': 1.0 when the completion agrees with the majority (TTRL); 'share': the share of "
        "the group that agrees with the completion's own answer (self-consistency).",
    )
    group_key: str | None = Field(
        default=None,
        description="Sample field grouping one prompt's completions (default: the call's, else the prompt).",
    )
    answer_field: str = Field(
        default="answer",
        description="Reference field, read only for info['majority_correct'] (maj@k), never for the score.",
    )

    _inner: Reward | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _check_verifier(self) -> MajorityVote:
        if "answer_field" in self.verifier_params:
            raise ValueError("verifier_params: answer_field is set by majority_vote (the vote is the reference)")
        self._inner = get_reward_class(self.verifier)(**self.verifier_params)
        return self

    @classmethod
    def _transient_private_attrs(cls) -> tuple[str, ...]:
        return ("_inner",)

    @property
    def inner(self) -> Reward:
        if self._inner is None:
            self._inner = get_reward_class(self.verifier)(**self.verifier_params)
        return self._inner

    def _grade(self, samples: Sequence[Sample], references: Sequence[str]) -> list[RewardResult]:
        """The inner verifier on each sample with the given reference in the reference field."""
        field = getattr(self.inner, "answer_field", "answer")
        items = [{**s.to_json_dict(), field: ref} for s, ref in zip(samples, references, strict=True)]
        return self.inner.score_batch(items)

    def _score_batch(self, samples: list[Sample], ctx: ScoreContext) -> Sequence[Outcome]:
        key = self.group_key or ctx.group_key
        keys = group_keys(samples, key)
        out: list[Outcome] = [None] * len(samples)
        for members in groups_of(keys):
            if len(members) < 2:
                i = members[0]
                where = "the prompt" if key in (None, "prompt") else f"'{key}'"
                why = "it has no group key" if is_missing_key(keys[i]) else f"the only sample of its group (by {where})"
                out[i] = RuntimeError(
                    f"majority_vote: {why}, so there is no majority to agree with; score all completions of a "
                    "prompt in one call (--group-key)"
                )
                continue
            for i, result in zip(members, self._group([samples[i] for i in members]), strict=True):
                out[i] = result
        return out

    def _group(self, group: list[Sample]) -> list[RewardResult]:
        n = len(group)
        first = self._grade(group, [_NEUTRAL] * n)
        answers = [_answer_of(r) for r in first]
        # a vote counts only when the verifier accepts the completion with its own answer as reference
        candidates = [i for i, a in enumerate(answers) if a is not None]
        own = self._grade([group[i] for i in candidates], [answers[i] for i in candidates]) if candidates else []
        voters = [i for i, r in zip(candidates, own, strict=True) if r.score == 1.0]
        distinct: list[str] = []
        for i in voters:
            if answers[i] not in distinct:
                distinct.append(answers[i])  # type: ignore[arg-type]
        # agree[d] = the voters the verifier pays with answer d as the reference
        agree: dict[str, set[int]] = {d: set() for d in distinct}
        if distinct:
            pairs = [(i, d) for d in distinct for i in voters]
            graded = self._grade([group[i] for i, _ in pairs], [d for _, d in pairs])
            for (i, d), r in zip(pairs, graded, strict=True):
                if r.score == 1.0:
                    agree[d].add(i)
        majority = max(distinct, key=lambda d: len(agree[d])) if distinct else None  # ties: the first given
        top = len(agree[majority]) if majority is not None else 0
        tied = sum(1 for d in distinct if len(agree[d]) == top) > 1
        majority_correct = self._majority_correct(group, voters, answers, majority)
        results = []
        for i in range(n):
            mine = answers[i] if i in voters else None
            share = len(agree[mine]) / n if mine is not None else 0.0
            agrees = majority is not None and i in agree[majority]
            value = (1.0 if agrees else 0.0) if self.pay == "agree" else share
            info: dict[str, Any] = {
                "answer": answers[i],
                "votes": len(voters),
                "group_size": n,
                "majority": majority,
                "vote_share": top / n,
                "share": share,
            }
            if answers[i] is not None and i not in voters:
                info["not_a_vote"] = first[i].info.get("reason") or "the verifier refuses this answer"
            if tied:
                info["tied"] = True
            if majority_correct is not None:
                info["majority_correct"] = majority_correct
            results.append(RewardResult.ok(value, info=info))
        return results

    def _majority_correct(
        self, group: list[Sample], voters: list[int], answers: list[str | None], majority: str | None
    ) -> bool | None:
        """Whether the majority answer is right by the reference (``None`` without one)."""
        reference = group[0].get(self.answer_field)
        if reference is None:
            return None
        if majority is None:
            return False
        speaker = next(i for i in voters if answers[i] == majority)
        field = getattr(self.inner, "answer_field", "answer")
        probe = {**group[speaker].to_json_dict(), field: reference}
        return self.inner.score_batch([probe])[0].score == 1.0
