"""The ``ifeval`` reward: the fraction of a sample's verifiable instructions the completion follows."""

from __future__ import annotations

import re
from typing import Any, ClassVar, Literal

from pydantic import Field

from ...core.context import ScoreContext
from ...core.errors import NotApplicable
from ...core.registry import register
from ...core.result import RewardResult
from ...core.reward import Reward
from ...core.sample import Sample
from ..guards import restates_prompt
from .base import CONSTRAINTS, Constraint, parse_constraints
from .shape import RepeatPrompt
from .text import count_words

__all__ = ["IFEval", "loose_variants"]


def loose_variants(response: str) -> list[str]:
    """IFEval's "loose" variants: without the first line, the last line, both, and without ``*``.

    >>> len(loose_variants("Sure!\\nbody\\nHope this helps"))
    8
    """
    lines = response.split("\n")
    bases = [response, "\n".join(lines[1:]).strip(), "\n".join(lines[:-1]).strip(), "\n".join(lines[1:-1]).strip()]
    return bases + [b.replace("*", "") for b in bases]


def _constraint_kinds() -> str:
    return ", ".join(sorted(k for k in CONSTRAINTS if ":" not in k))


@register("ifeval", aliases=("instructions", "instruction_following"), family="verifier")
class IFEval(Reward):
    """Instruction following, IFEval-style: the fraction of the sample's verifiable constraints met.

    The sample's ``constraints`` field is a list of ``{type, ...arguments}``; each constraint
    is reported as a component ``<name>.<type>`` (1.0 met, 0.0 not; repeated types get
    ``_2``, ``_3``) and explained in ``info['constraints']``. The score is the fraction met
    (``aggregate: fraction``, IFEval's strict instruction-level accuracy) or 1.0 only when all
    are met (``all``, prompt-level). ``loose: true`` also accepts a constraint met after
    dropping the first or last line or the ``*`` characters (IFEval's loose accuracy).

    Kinds (IFEval ids are accepted as aliases, with IFEval's argument names):
    ``word_count``, ``sentence_count``, ``paragraph_count``, ``nth_paragraph_first_word``
    (relations: "less than", "at most", "at least", "more than", "exactly" or ``<``, ``<=``,
    ``>=``, ``>``, ``==``); ``keywords``, ``keyword_frequency``, ``forbidden_words``,
    ``letter_frequency``, ``capital_word_frequency``; ``uppercase``, ``lowercase``;
    ``bullet_count``, ``sections``, ``highlighted_sections``, ``title`` (``<<title>>``),
    ``json_format``, ``placeholders`` (``[name]``), ``postscript``, ``constrained_response``;
    ``start_with``, ``end_with``, ``quotation``, ``no_commas``, ``two_responses``,
    ``repeat_prompt``; ``language`` (a small built-in detector: see
    :mod:`rewardlab.verifiers.ifeval.language` for what it can decide).

    Cheap hacks earn nothing by default: a completion with fewer than ``min_words`` words, or
    one that restates the prompt (unless a ``repeat_prompt`` constraint asks for it), earns 0;
    and constraints that an empty or off-task text meets by default (``no_commas``,
    ``forbidden_words``, upper bounds such as "less than 100 words") earn credit only when the
    completion also meets at least one other constraint (``credit_vacuous_alone`` to change
    that). Look-alike characters are folded before checking words and commas. A malformed
    constraint is an error naming its index and field, e.g.
    ``constraints[2].relation: unknown relation 'about'``.

    >>> r = IFEval().score({"completion": "hello world, twice", "constraints": [
    ...     {"type": "lowercase"}, {"type": "no_commas"}, {"type": "word_count", "relation": ">=", "num_words": 3}]})
    >>> r.score, r.components["ifeval.no_commas"]
    (0.6666666666666666, 0.0)
    """

    reads: ClassVar[tuple[str, ...]] = ("completion", "constraints", "prompt")

    constraints_field: str = Field(default="constraints", description="Sample field with the constraints.")
    aggregate: Literal["fraction", "all"] = Field(
        default="fraction", description="fraction of constraints met, or all (1.0 only if every one is met)."
    )
    loose: bool = Field(default=False, description="IFEval loose mode: also try without first/last line and '*'.")
    min_words: int = Field(default=1, ge=0, description="Completions with fewer words earn 0.")
    credit_vacuous_alone: bool = Field(
        default=False,
        description="Pay constraints an empty text meets (no commas, upper bounds) even when nothing else is met.",
    )
    refuse_restated_prompt: bool = Field(default=True, description="A completion restating the prompt earns 0.")

    def _constraints(self, sample: Sample) -> list[Constraint]:
        raw = sample.get(self.constraints_field)
        if raw is None:
            raise NotApplicable(f"the sample has no constraints in field '{self.constraints_field}'")
        try:
            return parse_constraints(raw)
        except ValueError as exc:
            raise ValueError(f"field '{self.constraints_field}': {exc}") from None

    def _check(self, c: Constraint, response: str, prompt: str) -> tuple[bool, str]:
        ok, detail = c.check(response, prompt)
        if ok or not self.loose:
            return ok, detail
        for variant in loose_variants(response)[1:]:
            if c.check(variant, prompt)[0]:
                return True, detail + " (met in loose mode)"
        return ok, detail

    def _score_one(self, sample: Sample, ctx: ScoreContext) -> Any:
        constraints = self._constraints(sample)
        response = sample.completion_text
        prompt = sample.prompt_text
        label = self.label
        names = _component_names(label, constraints)
        checks = [self._check(c, response, prompt) for c in constraints]
        details = [
            {"index": i, "type": c.kind, "met": ok, "detail": detail}
            for i, (c, (ok, detail)) in enumerate(zip(constraints, checks, strict=True))
        ]
        met = [ok for ok, _ in checks]
        info: dict[str, Any] = {"constraints": details, "met": sum(met), "total": len(met)}
        components: dict[str, float | None] = {n: float(ok) for n, ok in zip(names, met, strict=True)}
        reason = self._refusal(constraints, met, response, prompt)
        if reason is not None:
            info["reason"] = reason
            score = 0.0
        elif self.aggregate == "all":
            score = float(all(met))
        else:
            score = sum(met) / len(met)
        components[label] = score
        return RewardResult.ok(score, components={label: score, **components}, info=info)

    def _refusal(self, constraints: list[Constraint], met: list[bool], response: str, prompt: str) -> str | None:
        if count_words(response) < self.min_words:
            return f"fewer than {self.min_words} word{'s' * (self.min_words > 1)}"
        asks_repeat = any(isinstance(c, RepeatPrompt) for c in constraints)
        if self.refuse_restated_prompt and not asks_repeat and restates_prompt(response, prompt):
            return "the completion restates the prompt"
        if not self.credit_vacuous_alone:
            substantive = [ok for c, ok in zip(constraints, met, strict=True) if not c.is_vacuous]
            if substantive and not any(substantive) and any(met):
                return "only constraints that an empty or off-task text meets by default are met"
        return None


def _component_names(label: str, constraints: list[Constraint]) -> list[str]:
    seen: dict[str, int] = {}
    names = []
    for c in constraints:
        kind = re.sub(r"\W+", "_", c.kind)
        seen[kind] = seen.get(kind, 0) + 1
        names.append(f"{label}.{kind}" if seen[kind] == 1 else f"{label}.{kind}_{seen[kind]}")
    return names
