"""The ``ifeval`` reward: the fraction of a sample's verifiable instructions the completion follows."""

from __future__ import annotations

import re
from typing import Any, ClassVar, Literal

from pydantic import Field

from ...core.context import ScoreContext
from ...core.errors import NotApplicable
from ...core.example import Example
from ...core.registry import register
from ...core.result import RewardResult
from ...core.reward import Reward
from ...core.sample import Sample
from ..common.guards import restates_prompt
from .base import CONSTRAINTS, Constraint, check_constraint_list, parse_constraint
from .shape import RepeatPrompt
from .text import count_words

__all__ = ["IFEval", "loose_variants"]


def loose_variants(response: str) -> list[str]:
    """IFEval's "loose" variants: the response, without its first line, its last line, both, and
    each of those without ``*``; variants that are empty or only white space are left out (as
    IFEval's checker skips them), and so are repeats.

    >>> len(loose_variants("Sure!\\n*body*\\nHope this helps"))
    8
    >>> loose_variants("one line")
    ['one line']
    """
    lines = response.split("\n")
    bases = [response, "\n".join(lines[1:]).strip(), "\n".join(lines[:-1]).strip(), "\n".join(lines[1:-1]).strip()]
    variants = [v for v in bases + [b.replace("*", "") for b in bases] if v.strip()]
    return list(dict.fromkeys(variants))


@register("ifeval", aliases=("instructions", "instruction_following"), family="verifier")
class IFEval(Reward):
    """Instruction following, IFEval-style: the fraction of the sample's verifiable constraints met.

    The sample's ``constraints`` field is a list of ``{type, ...arguments}``; each constraint
    is reported as a component ``<name>.<type>`` (1.0 met, 0.0 not; repeated types get
    ``_2``, ``_3``) and explained in ``info['constraints']``. The score is the fraction met
    (``aggregate: fraction``, IFEval's strict instruction-level accuracy) or 1.0 only when all
    are met (``all``, prompt-level). ``loose: true`` also accepts a constraint met after
    dropping the first or last line or the ``*`` characters (IFEval's loose accuracy). An
    empty (or all white space) completion meets no constraint.

    Kinds (IFEval ids are accepted as aliases, with IFEval's argument names):
    ``word_count``, ``sentence_count``, ``paragraph_count``, ``nth_paragraph_first_word``
    (relations: "less than", "at most", "at least", "more than", "exactly" or ``<``, ``<=``,
    ``>=``, ``>``, ``==``); ``keywords``, ``keyword_frequency``, ``forbidden_words``,
    ``letter_frequency``, ``capital_word_frequency``; ``uppercase``, ``lowercase``;
    ``bullet_count``, ``sections``, ``highlighted_sections``, ``title`` (``<<title>>``),
    ``json_format``, ``placeholders`` (``[name]``), ``postscript``, ``constrained_response``;
    ``start_with``, ``end_with``, ``quotation``, ``no_commas``, ``two_responses``,
    ``repeat_prompt``; ``language`` (langdetect, the detector IFEval uses).

    Semantics: a constraint named by its IFEval id (``keywords:existence``) is judged exactly
    as Google's IFEval checker judges it; one named by its short name (``keywords``) with
    rewardlab's stricter reading (whole words, look-alike characters folded, a hedge between
    allowed answers refused, empty placeholders/sections/postscripts not counted...; each
    constraint class documents its differences). ``semantics`` applies one reading to all.

    Cheap hacks earn nothing by default: a completion with fewer than ``min_words`` words, or
    one that restates the prompt (unless a ``repeat_prompt`` constraint asks for it), earns 0;
    and constraints that an empty or off-task text meets by default (``no_commas``,
    ``forbidden_words``, upper bounds such as "less than 100 words") earn credit only when the
    completion also meets at least one other constraint (``credit_vacuous_alone`` to change
    that). These refusals set the score, not the per-constraint components. A malformed
    constraint fails that constraint alone, with the reason (naming its index and field, e.g.
    ``constraints[2].relation: unknown relation 'about'``) in ``info['invalid_constraints']``
    (``invalid_constraints: error`` makes it an error of the whole sample).

    >>> r = IFEval().score({"completion": "hello world, twice", "constraints": [
    ...     {"type": "lowercase"}, {"type": "no_commas"}, {"type": "word_count", "relation": ">=", "num_words": 3}]})
    >>> r.score, r.components["ifeval.no_commas"]
    (0.6666666666666666, 0.0)
    >>> r = IFEval().score({"completion": "two rivers", "constraints": [
    ...     {"type": "keywords:existence", "keywords": ["river"]}, {"type": "keywords", "keywords": ["river"]}]})
    >>> r.components["ifeval.keywords"], r.components["ifeval.keywords_2"]
    (1.0, 0.0)
    """

    reads: ClassVar[tuple[str, ...]] = ("completion", "constraints", "prompt")
    example: ClassVar[Example] = Example(
        sample={"completion": "all lower case", "constraints": [{"type": "lowercase"}, {"type": "no_commas"}]},
        score=1.0,
    )

    constraints_field: str = Field(default="constraints", description="Sample field with the constraints.")
    aggregate: Literal["fraction", "all"] = Field(
        default="fraction", description="fraction of constraints met, or all (1.0 only if every one is met)."
    )
    loose: bool = Field(default=False, description="IFEval loose mode: also try without first/last line and '*'.")
    semantics: Literal["by_type", "ifeval", "rewardlab"] = Field(
        default="by_type",
        description="by_type: IFEval ids judged as IFEval does, short names as rewardlab does; or one for all.",
    )
    invalid_constraints: Literal["fail", "error"] = Field(
        default="fail",
        description="fail: a malformed constraint is not met (reason in info); error: the sample is an error.",
    )
    min_words: int = Field(default=1, ge=0, description="Completions with fewer words earn 0.")
    credit_vacuous_alone: bool = Field(
        default=False,
        description="Pay constraints an empty text meets (no commas, upper bounds) even when nothing else is met.",
    )
    refuse_restated_prompt: bool = Field(default=True, description="A completion restating the prompt earns 0.")

    def _constraints(self, sample: Sample) -> tuple[list[Any], list[Constraint | str]]:
        """The raw items and, for each, its constraint or the reason it is malformed."""
        raw = sample.get(self.constraints_field)
        if raw is None:
            raise NotApplicable(f"the sample has no constraints in field '{self.constraints_field}'")
        semantics = None if self.semantics == "by_type" else self.semantics
        try:
            items = check_constraint_list(raw)
        except ValueError as exc:
            raise ValueError(f"field '{self.constraints_field}': {exc}") from None
        parsed: list[Constraint | str] = []
        for i, item in enumerate(items):
            try:
                parsed.append(parse_constraint(item, i, semantics=semantics))
            except ValueError as exc:
                if self.invalid_constraints == "error":
                    raise ValueError(f"field '{self.constraints_field}': {exc}") from None
                parsed.append(str(exc))
        if all(isinstance(c, str) for c in parsed):
            raise ValueError(f"field '{self.constraints_field}': no valid constraint: " + "; ".join(map(str, parsed)))
        return items, parsed

    def _check(self, c: Constraint, response: str, prompt: str) -> tuple[bool, str]:
        if not response.strip():
            return False, "empty response"
        ok, detail = c.check(response, prompt)
        if ok or not self.loose:
            return ok, detail
        for variant in loose_variants(response)[1:]:
            if c.check(variant, prompt)[0]:
                return True, detail + " (met in loose mode)"
        return ok, detail

    def _score_one(self, sample: Sample, ctx: ScoreContext) -> Any:
        items, parsed = self._constraints(sample)
        response = sample.completion_text
        prompt = sample.prompt_text
        label = self.label
        kinds = [
            c.kind if isinstance(c, Constraint) else _raw_type(item) for c, item in zip(parsed, items, strict=True)
        ]
        names = _component_names(label, kinds)
        details: list[dict[str, Any]] = []
        met: list[bool] = []
        for i, (c, item) in enumerate(zip(parsed, items, strict=True)):
            if isinstance(c, str):
                met.append(False)
                details.append({"index": i, "type": _raw_type(item), "met": False, "detail": "invalid", "error": c})
                continue
            ok, detail = self._check(c, response, prompt)
            met.append(ok)
            details.append({"index": i, "type": c.kind, "met": ok, "detail": detail})
        info: dict[str, Any] = {"constraints": details, "met": sum(met), "total": len(met)}
        invalid = [c for c in parsed if isinstance(c, str)]
        if invalid:
            info["invalid_constraints"] = invalid
        components: dict[str, float | None] = {n: float(ok) for n, ok in zip(names, met, strict=True)}
        reason = self._refusal(parsed, met, response, prompt)
        if reason is not None:
            info["reason"] = reason
            score = 0.0
        elif self.aggregate == "all":
            score = float(all(met))
        else:
            score = sum(met) / len(met)
        return RewardResult.ok(score, components={label: score, **components}, info=info)

    def _refusal(self, parsed: list[Constraint | str], met: list[bool], response: str, prompt: str) -> str | None:
        constraints = [c for c in parsed if isinstance(c, Constraint)]
        if count_words(response) < self.min_words:
            return f"fewer than {self.min_words} word{'s' * (self.min_words > 1)}"
        asks_repeat = any(isinstance(c, RepeatPrompt) for c in constraints)
        if self.refuse_restated_prompt and not asks_repeat and restates_prompt(response, prompt):
            return "the completion restates the prompt"
        if not self.credit_vacuous_alone:
            substantive = [ok for c, ok in zip(parsed, met, strict=True) if isinstance(c, str) or not c.is_vacuous]
            if substantive and not any(substantive) and any(met):
                return "only constraints that an empty or off-task text meets by default are met"
        return None


def _raw_type(item: Any) -> str:
    """The short name of a malformed item's type where it is known, else the type as written."""
    kind = item.get("type") if isinstance(item, dict) else None
    if not isinstance(kind, str) or not kind:
        return "invalid"
    return CONSTRAINTS[kind][0].kind if kind in CONSTRAINTS else kind


def _component_names(label: str, kinds: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    names = []
    for kind in kinds:
        kind = re.sub(r"\W+", "_", kind)
        seen[kind] = seen.get(kind, 0) + 1
        names.append(f"{label}.{kind}" if seen[kind] == 1 else f"{label}.{kind}_{seen[kind]}")
    return names
