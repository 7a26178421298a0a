"""``pairwise_judge``: an LLM compares the completion with another response, in both orders.

LLM judges prefer a position (small ones very strongly). Asking twice, with the two responses
swapped, and averaging cancels that bias: a judge that always answers "A" gives every pair 0.5.

>>> from rewardlab.models.judges.pairwise import PairwiseJudge
>>> PairwiseJudge().score({"prompt": "2+2?", "completion": "4", "baseline": "Solution:"}).score
1.0
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from pydantic import Field

from ...core.context import ScoreContext
from ...core.errors import NotApplicable
from ...core.example import Example
from ...core.registry import register
from ...core.result import RewardResult
from ...core.reward import Outcome
from ...core.sample import Sample
from .base import JudgeReward, normalized_probs
from .parse import VerdictError, parse_pairwise
from .prompts import pairwise_messages

__all__ = ["PairwiseJudge"]

_WIN = {"A": 1.0, "B": 0.0, "tie": 0.5}


@register("pairwise_judge", aliases=("pairwise",), family="model")
class PairwiseJudge(JudgeReward):
    """P(the completion beats the response in ``baseline_field``), judged in both orders.

    Score in [0, 1]: with text verdicts each order gives 1 (win), 0.5 (tie) or 0 (loss); with
    ``verdict: logprobs`` each order gives P(win) from the "A"/"B" token probabilities. The
    score is the mean over the orders (``both_orders: false`` asks once, completion first).
    ``info.orders`` lists each order's verdict and ``info.position_consistent`` whether they
    agree. For a preference pair, put the chosen response in ``completion`` and the rejected
    one in ``baseline`` (or set ``baseline_field: rejected``). A master-key response loses
    without being judged.

    >>> judge = PairwiseJudge(baseline_field="rejected")
    >>> r = judge.score({"prompt": "Say hi", "completion": "Hi there!", "rejected": "Go away."})
    >>> r.status.value in ("ok", "error"), len(r.info.get("orders", [])) in (0, 2)
    (True, True)
    """

    reads: ClassVar[tuple[str, ...]] = ("prompt", "completion", "baseline")
    example: ClassVar[Example] = Example(
        sample={"prompt": "Say hi", "completion": "Hi there!", "rejected": "Go away."},
        params={"baseline_field": "rejected"},
        skip="scoring runs SmolLM2 (or calls an endpoint) as the judge; tests/models/judges/ score it on both",
    )

    baseline_field: str = Field(default="baseline", description="Sample field with the response to compare against.")
    both_orders: bool = Field(default=True, description="Judge (completion, baseline) and (baseline, completion).")

    def _score_batch(self, samples: list[Sample], ctx: ScoreContext) -> Sequence[Outcome]:
        out: list[Outcome] = [None] * len(samples)
        jobs: list[tuple[int, bool, list[dict[str, str]]]] = []  # (sample, completion is A, messages)
        for i, s in enumerate(samples):
            other = s.get(self.baseline_field)
            if s.completion is None or other is None:
                missing = "completion" if s.completion is None else self.baseline_field
                out[i] = NotApplicable(f"the sample has no '{missing}' to compare")
                continue
            other_text = other if isinstance(other, str) else Sample(completion=other).completion_text
            conversation, question, response = self.conversation_and_response(s)
            mine = self.guard_reason(response, question)
            theirs = self.guard_reason(other_text, question)
            if mine is not None or theirs is not None:
                score = 0.5 if (mine and theirs) else (0.0 if mine else 1.0)
                guard = {"completion": mine, "baseline": theirs}
                out[i] = RewardResult.ok(score, info={"guard": {k: v for k, v in guard.items() if v}, "refused": True})
                continue
            jobs.append((i, True, pairwise_messages(conversation, response, other_text, verdict=self.verdict)))
            if self.both_orders:
                jobs.append((i, False, pairwise_messages(conversation, other_text, response, verdict=self.verdict)))
        if not jobs:
            return out
        answers = self.ask([m for _, _, m in jobs], ["A", "B"])
        per_sample: dict[int, list[tuple[bool, Any]]] = {}
        for (i, completion_first, _), answer in zip(jobs, answers, strict=True):
            per_sample.setdefault(i, []).append((completion_first, answer))
        for i, orders in per_sample.items():
            out[i] = self._combine(orders)
        return out

    def _combine(self, orders: list[tuple[bool, Any]]) -> Outcome:
        info: dict[str, Any] = {"orders": []}
        wins = []
        for completion_first, answer in orders:
            if isinstance(answer, BaseException):
                return answer
            entry: dict[str, Any] = {"completion_is": "A" if completion_first else "B"}
            if self.verdict == "text":
                entry["raw"] = answer
                try:
                    verdict = parse_pairwise(answer)
                except VerdictError as exc:
                    info["orders"].append(entry)
                    return RewardResult.failed(f"unparseable verdict: {exc}", info=info)
                entry["verdict"] = verdict
                p_a = _WIN[verdict]
            else:
                try:
                    (p_a, _), mass = normalized_probs(answer)
                except ValueError as exc:
                    return RewardResult.failed(f"unparseable verdict: {exc}", info=info)
                entry.update(p_a=p_a, choice_mass=mass)
            win = p_a if completion_first else 1.0 - p_a
            entry["completion_wins"] = win
            wins.append(win)
            info["orders"].append(entry)
        if len(wins) == 2:
            info["position_consistent"] = (wins[0] - 0.5) * (wins[1] - 0.5) > 0 or wins[0] == wins[1] == 0.5
        return RewardResult.ok(sum(wins) / len(wins), info=info)
