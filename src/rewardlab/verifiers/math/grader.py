r"""Grading one completion against its references: extraction, guards, fast path, symbolic job.

:func:`grade` does everything that needs neither sympy nor a subprocess and returns a
:class:`Grade`. When the fast path cannot decide, the grade is *pending* and carries a
:class:`SymbolicJob`; the reward runs the jobs of a whole batch in the execution pool and
completes each grade with :func:`finish`. Keeping the two phases apart is what lets a batch of
GSM8K answers be graded without any process round trip, and lets the slow cases run in parallel
under a hard timeout.

The steps, in order (each failing step gives the grade its ``reason``):

1. extract the candidates (:mod:`~rewardlab.verifiers.math.extract`); none -> ``no_answer``
   (``restated_question`` when the only candidates were inside a copy of the prompt);
2. pick the final answer: a problem flagged on a candidate (empty, nested box, padded run)
   refuses it; more different final answers than the mode allows -> ``multiple_answers`` (an
   answer begun at the very end and cut off counts as one more, never graded);
   in strict mode numbers given by different explicit markers must agree;
3. length cap (``answer_too_long``), look-alike digits (strict: refused, lenient: folded);
4. hedges and negations (``hedged``, ``negated``), an expression copied from the prompt
   (``restated_question``);
5. the fast path against each reference; equal to any -> correct; all decided -> wrong;
6. otherwise a symbolic job for the undecided references.

>>> from rewardlab.verifiers.math.modes import STRICT, LENIENT
>>> g = grade("Each costs $4, so 18 in total.\n#### 18", ["18"], STRICT)
>>> g.correct, g.path, g.extracted, g.strategy
(True, 'fast', '18', 'gsm8k')
>>> grade(r"\boxed{3} or \boxed{4}", ["4"], STRICT).reason.value
'multiple_answers'
>>> grade(r"\boxed{3} no wait, \boxed{4}", ["4"], LENIENT).correct
True
>>> grade(r"\boxed{x^2+2x+1}", ["(x+1)^2"], STRICT).path
'fast'
>>> grade(r"\boxed{\tan^2 x + 1}", [r"\sec^2 x"], STRICT).pending
True
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from .errors import Reason, explain
from .extract import DEFAULT_ORDER, EXPLICIT, Candidate, Extraction, extract, joins_boxes, word_answer
from .fast import FastVerdict, compare_fast
from .guards import bound_after, bound_reason, hedge_reason, restates_question
from .kinds import Items, Union, read_value
from .literals import parse_number
from .modes import Policy
from .normalize import clean_answer, compact, fold_digits, fold_typography, lookalike_digits
from .reference import Reference, prepare_references
from .symbolic import SymbolicOutcome

__all__ = ["Grade", "GradeOptions", "SymbolicJob", "finish", "grade"]


@dataclass(frozen=True, slots=True)
class GradeOptions:
    """Settings of the grader that are not part of a mode."""

    order: tuple[str, ...] = DEFAULT_ORDER
    max_answer_chars: int = 1_000
    max_completion_chars: int = 100_000
    symbolic: bool = True
    check_prompt: bool = True


@dataclass(frozen=True, slots=True)
class SymbolicJob:
    """What the symbolic path must decide: ``answer`` against ``references`` (already prepared)."""

    answer: str
    references: tuple[str, ...]


@dataclass(slots=True)
class Grade:
    """The verdict on one completion (or a pending one waiting for its symbolic job)."""

    correct: bool | None
    reason: Reason | None = None
    detail: str = ""
    path: str | None = None
    extracted: str | None = None
    strategy: str | None = None
    matched: str | None = None
    well_formed: bool = False
    candidates: list[str] = field(default_factory=list)
    read_as: str | None = None
    job: SymbolicJob | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def pending(self) -> bool:
        return self.correct is None

    def info(self) -> dict[str, Any]:
        """The grade as the ``info`` of a reward result."""
        out: dict[str, Any] = {
            "extracted": self.extracted,
            "strategy": self.strategy,
            "path": self.path,
        }
        if self.read_as is not None and self.read_as != self.extracted:
            out["read_as"] = self.read_as
        if len(self.candidates) > 1:
            out["candidates"] = self.candidates
        if self.matched is not None:
            out["matched"] = self.matched
        if self.reason is not None:
            out["reason"] = self.reason.value
            out["detail"] = self.detail or explain(self.reason)
        if self.notes:
            out["notes"] = self.notes
        return out


_UNSIGNED_DECIMAL = re.compile(r"[0-9]+(?:\.[0-9]+)?")
"""An answer that is only digits (and one decimal point): no hedge, negation, bound or operator can be in it."""


def _refuse(reason: Reason, detail: str = "", **kw: Any) -> Grade:
    return Grade(correct=False, reason=reason, detail=detail or explain(reason), **kw)


def _key(text: str) -> object:
    """Identity of a final answer: its number value, else its compact cleaned text."""
    clean = clean_answer(fold_typography(text))
    number = parse_number(clean)
    return number.value if number is not None else compact(clean)


def _numeric(text: str) -> object | None:
    number = parse_number(clean_answer(fold_typography(text)))
    return number.value if number is not None else None


def _choose(ex: Extraction, refs: Sequence[Reference], policy: Policy) -> tuple[Candidate | None, Grade | None]:
    """The final answer among the candidates, or a refusal."""
    cands = list(ex.candidates)
    shown = [c.text for c in cands]
    collections_only = all(expects_several(r) for r in refs)
    if collections_only and ex.strategy in ("boxed", "answer_tag") and len(cands) > 1:
        # "\boxed{(1, 2)}, \boxed{(2, 1)}" or "\boxed{1} and \boxed{2}": one answer of several values
        cands = _grouped(ex.completion, cands)
    if ex.strategy == "last_number" and collections_only:
        # "the roots are 2, 3": the whole run is the answer when a collection is expected
        c = cands[-1]
        if c.problem is not Reason.PADDING:
            return Candidate(c.run_text, c.strategy, c.start, c.end, None, c.context), None
    usable = cands if policy.max_distinct_answers == 1 else cands[-1:]
    for c in usable:
        if c.problem is not None:
            return None, _refuse(c.problem, strategy=ex.strategy, extracted=c.text or None, candidates=shown)
    distinct: list[object] = []
    for c in cands if len(cands) > 1 else ():
        k = _key(c.text)
        if k not in distinct:
            distinct.append(k)
    n_distinct = len(distinct) if len(cands) > 1 else len(cands)  # one candidate is one answer
    cut = ""
    if ex.cut_off:  # a final answer begun at the very end: one more, of unknown value, never graded
        n_distinct += 1
        cut = ", the last one begun at the end and cut off before its content"
    if n_distinct > policy.max_distinct_answers:
        return None, _refuse(
            Reason.MULTIPLE_ANSWERS,
            f"{n_distinct} different final answers{cut} (at most {policy.max_distinct_answers} allowed)",
            strategy=ex.strategy,
            extracted=cands[-1].text,
            candidates=shown,
        )
    chosen = cands[-1]
    # several answers of the winning strategy are governed by max_distinct_answers above
    other_markers = [c for c in ex.explicit if c.strategy != ex.strategy and c.problem is None]
    if policy.cross_check and other_markers:
        mine = _numeric(chosen.text)
        if mine is not None:
            others = {v for c in other_markers if (v := _numeric(c.text)) is not None}
            if others - {mine}:
                return None, _refuse(
                    Reason.MULTIPLE_ANSWERS,
                    "explicit answer markers disagree: " + ", ".join(sorted({c.text for c in ex.explicit})),
                    strategy=ex.strategy,
                    extracted=chosen.text,
                    candidates=sorted({c.text for c in ex.explicit}),
                )
    return chosen, None


def expects_several(ref: Reference) -> bool:
    """The reference is a collection of values (a list, a set, :math:`a \\pm b`, a union)."""
    if ref.kind in ("collection", "number", "text"):
        return ref.kind == "collection"
    value = read_value(ref.text)
    return (isinstance(value, Items) and value.kind in ("set", "list") and len(value.items) > 1) or isinstance(
        value, Union
    )


def _grouped(text: str, cands: list[Candidate]) -> list[Candidate]:
    """Boxes joined by separators (:func:`~.extract.joins_boxes`) as one candidate each."""
    groups: list[list[Candidate]] = []
    for c in cands:
        if (
            groups
            and c.problem is None
            and groups[-1][-1].problem is None
            and not (c.unfinished or groups[-1][-1].unfinished)
            and joins_boxes(text[groups[-1][-1].end : c.start])
        ):
            groups[-1].append(c)
        else:
            groups.append([c])
    return [
        g[0] if len(g) == 1 else Candidate(", ".join(c.text for c in g), g[0].strategy, g[0].start, g[-1].end)
        for g in groups
    ]


def grade(
    completion: str,
    answer: Any,
    policy: Policy,
    *,
    prompt: str | None = None,
    options: GradeOptions = GradeOptions(),
    references: Sequence[Reference] | None = None,
) -> Grade:
    """Grade ``completion`` against ``answer`` (a string or a list); may return a pending grade."""
    refs = list(references) if references is not None else prepare_references(answer)
    if not refs:
        raise ValueError("no reference answer to grade against")
    ex = extract(
        completion,
        options.order,
        prompt=prompt if options.check_prompt else None,
        max_chars=options.max_completion_chars,
        cross_check=policy.cross_check,
    )
    notes = ["completion truncated to its last max_completion_chars characters"] if ex.truncated else []
    if ex.strategy not in EXPLICIT and all(r.kind == "text" for r in refs):
        # a word or an option letter asked for: "the series is convergent", "Only option C ..."
        word = word_answer(ex.completion)
        if word is not None:
            ex = replace(ex, strategy="last_math", candidates=(word,))
    if ex.strategy is None:
        if ex.blanked_candidates:
            return _refuse(Reason.RESTATED_QUESTION, "the only answer found is inside a copy of the question")
        return _refuse(Reason.NO_ANSWER, f"no final answer found (tried: {', '.join(options.order)})")
    chosen, refusal = _choose(ex, refs, policy)
    if refusal is not None:
        refusal.notes = notes
        return refusal
    assert chosen is not None
    base = Grade(
        correct=None,
        strategy=ex.strategy,
        extracted=chosen.text,
        candidates=[c.text for c in ex.candidates],
        notes=notes,
    )

    # 3. size and unicode
    if len(chosen.text) > options.max_answer_chars:
        return _with(base, False, Reason.ANSWER_TOO_LONG, f"{len(chosen.text)} characters > {options.max_answer_chars}")
    text = fold_typography(chosen.text)
    strange = lookalike_digits(text)
    if strange:
        if policy.lookalike_digits == "reject":
            return _with(base, False, Reason.LOOKALIKE_DIGITS, "non-ASCII digits: " + " ".join(sorted(set(strange))))
        text = fold_digits(text)
    if not clean_answer(text):
        return _with(base, False, Reason.EMPTY_ANSWER)

    # 4. hedges, negations, restated question (an unsigned decimal has no word, sign or operator in it)
    plain = _UNSIGNED_DECIMAL.fullmatch(text) is not None
    problem = None if plain else hedge_reason(text, refs, prompt=prompt) or bound_reason(clean_answer(text))
    if problem is None and chosen.end and bound_after(ex.completion[chosen.end : chosen.end + 40]):
        problem = Reason.RELATION  # "So the number of guests is $10$ or more.", "\boxed{10} or more"
    if problem is None and chosen.context:  # the sentence around a last number / an explained answer
        context = fold_typography(chosen.context)
        problem = hedge_reason(context, refs, sentence=True, prompt=prompt, value=chosen.text) or bound_reason(
            context, chosen.text
        )
    if problem is not None:
        return _with(base, False, problem)
    if options.check_prompt and not plain and restates_question(text, prompt, refs):
        return _with(base, False, Reason.RESTATED_QUESTION, f"'{chosen.text}' is copied from the question")

    # 5. the fast path
    verdicts: list[tuple[Reference, FastVerdict]] = [(r, compare_fast(text, r, policy)) for r in refs]
    for ref, v in verdicts:
        if v.decided and v.equal:
            base.correct, base.path, base.matched, base.well_formed, base.read_as = True, "fast", ref.raw, True, v.value
            return base
    undecided = [ref for ref, v in verdicts if not v.decided]
    if not undecided:
        first = verdicts[0][1]
        reason = next((v.reason for _, v in verdicts if v.reason not in (None, Reason.NOT_EQUAL)), Reason.NOT_EQUAL)
        out = _with(base, False, reason, path="fast")
        out.well_formed = any(v.well_formed for _, v in verdicts) and ex.strategy in EXPLICIT
        out.read_as = first.value
        return out

    # 6. the symbolic path
    if not options.symbolic:
        return _with(base, False, Reason.SYMBOLIC_DISABLED)
    base.job = SymbolicJob(answer=text, references=tuple(r.text for r in undecided))
    base.path = "symbolic"
    return base


def _with(base: Grade, correct: bool, reason: Reason, detail: str = "", path: str | None = None) -> Grade:
    return replace(base, correct=correct, reason=reason, detail=detail or explain(reason), path=path)


def finish(pending: Grade, outcome: SymbolicOutcome, references: Sequence[Reference]) -> Grade:
    """Complete a pending grade with its symbolic outcome (see :func:`symbolic_check`)."""
    status, value = outcome
    done = replace(pending, job=None, path="symbolic")
    if status == "equal":
        by_text = {r.text: r.raw for r in references}
        done.correct, done.matched, done.well_formed = True, by_text.get(value or "", value), True
        return done
    if status == "unavailable":
        raise RuntimeError(value or "math-verify is not available")
    done.correct = False
    if status == "unparseable":
        done.reason, done.detail = Reason.UNPARSEABLE, explain(Reason.UNPARSEABLE)
    else:
        done.reason, done.detail = Reason.NOT_EQUAL, explain(Reason.NOT_EQUAL)
        done.well_formed = done.strategy in EXPLICIT
    return done
