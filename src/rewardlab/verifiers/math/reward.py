r"""The ``math`` reward: is the completion's final answer equivalent to the reference?

>>> from rewardlab.verifiers.math import MathAnswer
>>> math = MathAnswer()
>>> math.score({"completion": "She has 3 + 4 = 7 apples.\n#### 7", "answer": "7"}).score
1.0
>>> r = math.score({"completion": "It is 7 or 8.", "answer": "7"})
>>> r.score, r.info["reason"]
(0.0, 'hedged')
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Literal

from pydantic import Field, PrivateAttr, field_validator

from ...core.context import ScoreContext
from ...core.errors import NotApplicable, RewardTimeout
from ...core.example import Example
from ...core.registry import register
from ...core.result import RewardResult
from ...core.reward import Outcome, Reward
from ...core.sample import Sample
from ..common.references import reference_texts
from .backend import PoolChoice, run_symbolic
from .extract import DEFAULT_ORDER, Strategy
from .grader import Grade, GradeOptions, finish, grade
from .modes import Mode, Percent, Policy, Units, policy_for
from .reference import Reference, prepare_references

__all__ = ["MathAnswer"]


@register("math", family="verifier")
class MathAnswer(Reward):
    r"""1.0 when the final answer is mathematically equivalent to a reference, else 0.0.

    The reference is the sample's ``answer``: one string (or number) or a list of acceptable
    ones; a worked solution ending in ``#### N`` or ``\boxed{N}`` works too. The final answer
    is extracted from the completion by the strategies in ``extract``, in priority order
    (``\boxed{}``, ``####``, "the answer is ...", ``A: N``, the last math span or final
    expression, the last number ...).

    Numbers (integers, decimals, fractions, percentages, thousands separators, currencies,
    units, scientific notation) are decided on a fast path with no sympy and no subprocess, and
    so are typed answers the native reader decides (closed forms with radicals, pi, powers,
    polynomials; intervals and unions, sets, tuples, matrices, equations, relations, text).
    What it cannot decide (identities of functions, huge forms) goes to math-verify, run in
    worker processes of the execution layer with a hard ``timeout_s`` per answer: a
    pathological expression gets status ``timeout`` and never hangs the caller; it works the
    same from threads, asyncio, servers and Ray. Prose never goes there.

    ``mode="strict"`` (the default, for RL) pays nothing for several different final answers
    (an ``<answer>`` left unclosed is one, and so is one opened at the very end and cut off),
    hedges ("3 or 4", "either 3 or 4", "3 or maybe 4"; not a hedge word copied from the
    question), negations ("It cannot be 5."), a restated question, an empty or nested-empty box,
    a padded list of numbers, look-alike digits, a relation (``x \\le 0``) or several values
    ("0 and k", ``\\pm 4``) where one value is expected, or an unevaluated expression where the
    reference is a number. ``mode="lenient"`` (for evaluation) grades the
    last of up to 3 final answers, reads look-alike digits, checks expressions symbolically,
    accepts ``10%`` for ``0.1`` and rounded decimals. ``format_score`` pays a well-formed but
    wrong answer (given with an explicit marker and readable as a value).

    ``info`` holds ``extracted`` (the answer graded), ``strategy`` (how it was found), ``path``
    (``fast`` or ``symbolic``), ``reference``, ``matched`` (when correct), and ``reason`` with
    ``detail`` when the answer earned less than 1.

    >>> m = MathAnswer()
    >>> m.score({"completion": r"So the total is \boxed{\$1{,}250}.", "answer": "1250"}).score
    1.0
    >>> m.score({"completion": r"\boxed{3} or \boxed{4}", "answer": "4"}).info["reason"]
    'multiple_answers'
    >>> MathAnswer(format_score=0.1).score({"completion": "#### 12", "answer": "13"}).score
    0.1
    >>> MathAnswer(mode="lenient").score({"completion": "#### 0.33", "answer": "1/3"}).score
    1.0
    """

    reads: ClassVar[tuple[str, ...]] = ("completion", "answer", "prompt")
    example: ClassVar[Example] = Example(
        sample={"completion": "So the total is \\boxed{1250}.", "answer": "1250"}, score=1.0
    )

    answer_field: str = Field(default="answer", description="Sample field with the reference answer(s).")
    mode: Mode = Field(
        default="strict", description="'strict' (RL rewards: refuse anything ambiguous) or 'lenient' (evaluation)."
    )
    extract: list[Strategy] = Field(
        default_factory=lambda: list(DEFAULT_ORDER),
        description="Answer extraction strategies in priority order: answer_tag, boxed, gsm8k, answer_is, "
        "answer_line, last_math, last_number. The first that finds an answer wins.",
    )
    format_score: float = Field(
        default=0.0, ge=0.0, le=1.0, description="Score of a well-formed but wrong answer (explicit marker, readable)."
    )
    percent: Percent | None = Field(
        default=None,
        description="How '10%' reads: 'number' (10), 'fraction' (0.1) or 'both'. Default: strict 'number', "
        "lenient 'both'.",
    )
    units: Units = Field(
        default="ignore",
        description="'ignore': units and currencies never decide ('5 cm' = '5'); 'match': when both sides name "
        "a unit they must agree.",
    )
    rounding: bool | None = Field(
        default=None,
        description="Accept a decimal that is the reference rounded to the digits written (0.33 for 1/3). "
        "Default: strict no, lenient yes.",
    )
    require_number: bool | None = Field(
        default=None,
        description="When the reference is a plain number, the answer must be a number literal (not '2+3'). "
        "Default: strict yes, lenient no.",
    )
    max_distinct_answers: int | None = Field(
        default=None,
        ge=1,
        description="Different final answers tolerated (the last is graded). Default: strict 1, lenient 3.",
    )
    lookalike_digits: Literal["reject", "fold"] | None = Field(
        default=None,
        description="Non-ASCII digits ('４', '٣'): 'reject' (strict default) or 'fold' to ASCII (lenient default).",
    )
    symbolic: bool = Field(
        default=True, description="Use the symbolic path (math-verify in worker processes) for non-numeric answers."
    )
    timeout_s: float = Field(default=5.0, gt=0.0, description="Hard time limit of one symbolic check, in seconds.")
    pool: PoolChoice = Field(
        default="math",
        description="Worker pool of the symbolic path: 'math' (preloads and warms math-verify) or 'default' (the "
        "shared pool: fewer processes, but a fresh worker imports sympy inside its first task's time limit).",
    )
    max_answer_chars: int = Field(default=1_000, ge=1, description="Longer extracted answers earn nothing.")
    max_completion_chars: int = Field(
        default=100_000, ge=100, description="Only the last this-many characters of a completion are searched."
    )
    check_prompt: bool = Field(
        default=True, description="Refuse answers found only in a copy of the prompt, or copied from it."
    )

    _policy: Policy | None = PrivateAttr(default=None)
    _options: GradeOptions | None = PrivateAttr(default=None)

    @field_validator("extract")
    @classmethod
    def _check_extract(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("needs at least one strategy")
        duplicates = sorted({s for s in value if value.count(s) > 1})
        if duplicates:
            raise ValueError(f"strategy listed twice: {', '.join(duplicates)}")
        return value

    # ---- configuration -----------------------------------------------------------------------
    @property
    def policy(self) -> Policy:
        """The grading policy: the mode's preset with this reward's overrides."""
        if self._policy is None:
            self._policy = policy_for(
                self.mode,
                percent=self.percent,
                units=self.units,
                rounding=self.rounding,
                require_number=self.require_number,
                max_distinct_answers=self.max_distinct_answers,
                lookalike_digits=self.lookalike_digits,
            )
        return self._policy

    @property
    def options(self) -> GradeOptions:
        if self._options is None:
            self._options = GradeOptions(
                order=tuple(self.extract),
                max_answer_chars=self.max_answer_chars,
                max_completion_chars=self.max_completion_chars,
                symbolic=self.symbolic,
                check_prompt=self.check_prompt,
            )
        return self._options

    # ---- scoring -----------------------------------------------------------------------------
    def _references(self, sample: Sample) -> list[Reference]:
        value = sample.get(self.answer_field)
        if value is None:
            raise NotApplicable(f"the sample has no reference in field '{self.answer_field}'")
        reference_texts(value, self.answer_field)  # an object, a nested list or NaN is an error naming the field
        refs = prepare_references(value)
        if not refs:
            raise NotApplicable(f"field '{self.answer_field}' holds no reference answer")
        return refs

    def _result(self, g: Grade, refs: Sequence[Reference]) -> RewardResult:
        score = 1.0 if g.correct else (self.format_score if g.well_formed else 0.0)
        info = {"mode": self.mode, **g.info(), "reference": [r.text for r in refs]}
        return RewardResult.ok(score, info=info)

    def _score_batch(self, samples: list[Sample], ctx: ScoreContext) -> Sequence[Outcome]:
        outcomes: list[Outcome] = [None] * len(samples)
        pending: list[tuple[int, Grade, list[Reference]]] = []
        policy, options = self.policy, self.options
        for i, sample in enumerate(samples):
            try:
                refs = self._references(sample)
                g = grade(
                    sample.completion_text,
                    None,
                    policy,
                    prompt=sample.prompt_text or None,
                    options=options,
                    references=refs,
                )
            except Exception as exc:  # NotApplicable included: one sample never fails the batch
                outcomes[i] = exc
                continue
            if g.pending:
                pending.append((i, g, refs))
            else:
                outcomes[i] = self._result(g, refs)
        if pending:
            timeout = self.timeout_s
            remaining = ctx.remaining_s()
            if remaining is not None:
                timeout = max(0.05, min(timeout, remaining))
            jobs = [(g.job.answer, g.job.references) for _, g, _ in pending if g.job is not None]
            for (i, g, refs), out in zip(pending, run_symbolic(jobs, timeout, self.pool), strict=True):
                outcomes[i] = self._symbolic_outcome(g, refs, out, timeout)
        return outcomes

    def _symbolic_outcome(self, g: Grade, refs: list[Reference], out: Any, timeout: float) -> Outcome:
        info = {"mode": self.mode, **g.info(), "reference": [r.text for r in refs]}
        if isinstance(out, RewardTimeout):
            return RewardResult.failed(
                f"RewardTimeout: the symbolic check of '{_short(g.extracted)}' ran past {timeout:g} s "
                "(its worker was killed)",
                timeout=True,
                info=info,
            )
        if isinstance(out, BaseException):
            text = str(out).strip()
            return RewardResult.failed(
                f"{type(out).__name__}: symbolic check failed" + (f": {text}" if text else ""), info=info
            )
        try:
            return self._result(finish(g, out, refs), refs)
        except RuntimeError as exc:  # math-verify missing in the workers
            return RewardResult.failed(f"RuntimeError: {exc}", info=info)


def _short(text: str | None, limit: int = 60) -> str:
    text = text or ""
    return text if len(text) <= limit else text[: limit - 3] + "..."
