r"""The fast path: decide an answer against one reference without sympy or a subprocess.

It decides whenever the reference is a number (the GSM8K case), a word, or written exactly like
the answer, and whenever the typed reader (:mod:`.kinds`, :mod:`.compare`) decides natively:
closed forms, intervals, sets, tuples, matrices, equations and relations. Otherwise (identities of
functions, forms past the native size limits) it says *undecided* and the grader goes symbolic.
Prose is decided here (not equal): it never reaches sympy.

Against a number reference the answer is read as:

1. the right-hand side of its last ``=`` (``x = 5``, ``2 + 3 = 5``);
2. a number literal (:func:`~rewardlab.verifiers.math.literals.parse_number`), or else a
   sentence with exactly one number and only words around it (``John has 5 apples``);
3. a relation -> ``relation``; several values (``0 and k``, ``\pm 4``) or several numbers ->
   ``multiple_candidates``; an expression -> ``not_a_number`` in strict mode, the typed comparison
   in lenient mode.

Numbers compare exactly (as fractions) up to ``rel_tol``; percentages by the ``percent`` rule;
units by the ``units`` rule; in lenient mode a decimal that is the reference rounded to the
digits written also counts.

>>> from rewardlab.verifiers.math.modes import STRICT, LENIENT
>>> from rewardlab.verifiers.math.reference import prepare_references
>>> ref = prepare_references("1000")[0]
>>> compare_fast(r"\$1{,}000.00", ref, STRICT).equal
True
>>> v = compare_fast("2+998", ref, STRICT); (v.decided, v.equal, v.reason.value)
(True, False, 'not_a_number')
>>> compare_fast("2+998", ref, LENIENT).equal
True
>>> compare_fast(r"\tan^2 x", prepare_references(r"\sec^2 x - 1")[0], STRICT).decided
False
>>> third = prepare_references(r"\frac{1}{3}")[0]
>>> compare_fast("0.33", third, STRICT).equal, compare_fast("0.33", third, LENIENT).equal
(False, True)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from .algebra import same
from .compare import compare
from .errors import Reason
from .kinds import Equation, Items, Relation, Scalar, read_value
from .literals import Number, number_tokens, parse_number
from .modes import Policy
from .normalize import clean_answer, compact, normalize_words
from .reference import Reference

__all__ = ["FastVerdict", "compare_fast", "false_chain", "numbers_equal", "read_number"]


@dataclass(frozen=True, slots=True)
class FastVerdict:
    """The fast path's answer: decided (equal or not, with a reason) or undecided."""

    decided: bool
    equal: bool = False
    reason: Reason | None = None
    well_formed: bool = False
    """The answer was read as a proper value (a number literal, a word ...)."""
    value: str | None = None
    """What the answer was read as (for ``info``)."""


UNDECIDED = FastVerdict(decided=False)

_RELATION = re.compile(r"\\le|\\ge|\\leq|\\geq|\\ne|\\neq|<|>|≤|≥")
_SEVERAL = re.compile(r",|;|\$|\band\b|\bor\b", re.IGNORECASE)
_APPROX = re.compile(r"^(?:\\approx|≈|~|about|approximately|around|roughly)\s*", re.IGNORECASE)
_WORDS = re.compile(r"[A-Za-z\s'.,;:!()\-]*")


def _rhs(clean: str) -> str:
    if "=" not in clean or _RELATION.search(clean) or _SEVERAL.search(clean.rsplit("=", 1)[0]):
        return clean  # "x = 6 and y = 12" is two equations, not one value
    rhs = clean.rsplit("=", 1)[1].strip()
    return rhs or clean


def read_number(answer: str, policy: Policy) -> tuple[Number | None, Reason | None, str]:
    """Read ``answer`` as one number; returns ``(number, problem, what_was_read)``."""
    # "≈ 11", "~11", "about 11": one value stated as an approximation is that value, in both modes (it is
    # not a hedge between values; whether 11 is right is the comparison's business)
    clean = _APPROX.sub("", _rhs(clean_answer(answer)))
    number = parse_number(clean)
    if number is not None:
        return number, None, clean
    tokens = number_tokens(clean)
    if len(tokens) == 1 and not clean[tokens[0].end() :].startswith("!"):  # "5!" is a factorial
        rest = clean[: tokens[0].start()] + " " + clean[tokens[0].end() :]
        if _WORDS.fullmatch(rest) and "\\" not in rest:
            token_number = parse_number(clean_answer(tokens[0].group(0)))
            if token_number is not None:
                return token_number, None, tokens[0].group(0)
    if len(tokens) > 1:
        values = {(n.value if (n := parse_number(clean_answer(t.group(0)))) else t.group(0)) for t in tokens}
        if len(values) > 1 and not re.search(r"[-+*/^]|\\[a-z]", clean):
            return None, Reason.MULTIPLE_CANDIDATES, clean
    return None, Reason.NOT_A_NUMBER, clean


def _values(n: Number, percent: str) -> tuple[Fraction, ...]:
    if not n.percent or percent == "number":
        return (n.value,)
    if percent == "fraction":
        return (n.value / 100,)
    return (n.value, n.value / 100)


def _unit_key(unit: str | None) -> str | None:
    if unit is None:
        return None
    return unit[:-1] if unit.endswith("s") and not unit.endswith("ss") and len(unit) >= 3 else unit


def _rounds_to(answer: Number, ref_value: Fraction, answer_value: Fraction) -> bool:
    k = answer.decimals
    if k < 1 or answer.scale_word:
        return False
    scale = Fraction(10) ** k
    if (ref_value * scale).denominator == 1:
        return False  # the reference is exact at k decimals: no rounding involved
    digits = len(str(abs(answer_value.numerator * scale // answer_value.denominator)).lstrip("0"))
    if digits < 2:
        return False
    return abs(answer_value - ref_value) <= Fraction(1, 2) / scale


def numbers_equal(answer: Number, ref: Number, policy: Policy) -> bool:
    """Whether two number literals are equal under ``policy``."""
    if policy.units == "match":
        a, b = _unit_key(answer.unit), _unit_key(ref.unit)
        if a is not None and b is not None and a != b:
            return False
    for av in _values(answer, policy.percent):
        for rv in _values(ref, policy.percent):
            if av == rv:
                return True
            exact = av.denominator == 1 and rv.denominator == 1  # integers compare exactly
            if not exact and policy.rel_tol and abs(av - rv) <= Fraction(policy.rel_tol) * max(abs(av), abs(rv)):
                return True
            # rounding: only against a reference that is not itself written as a decimal (1/3, 100/3)
            if policy.rounding and ref.decimals == 0 and _rounds_to(answer, rv, av):
                return True
    return False


_PROSE = re.compile(r"[A-Za-z]{3,}(?:\s+[A-Za-z]{2,}){2,}")


def prose(text: str) -> bool:
    """Several words in a row outside ``\\text{}``: prose, which never goes to sympy."""
    return bool(_PROSE.search(_TEXT_MACRO.sub(" ", text)))


_TEXT_MACRO = re.compile(r"\\(?:text|textbf|mathrm|mbox|textnormal|operatorname)\s*\{[^{}]*\}")


def _stated_value(value: object) -> bool:
    """What strict mode accepts against a number besides a literal: ``x = 1/3 \\approx 0.33`` (a named
    exact literal), ``x \\approx 11`` (a named literal stated as an approximation, read as the word
    "approximately 11" is) and an irrational closed form (``\\sqrt{17}`` against ``4.1231056...``).

    An expression with a rational value (``2+3``, ``\\sqrt{4}``, ``\\log_2 8``) is an unevaluated
    answer, refused as ``not_a_number``.
    """
    if isinstance(value, Equation) and value.name is not None:
        value = value.value
        if isinstance(value, Scalar) and value.literal:
            return True
    if isinstance(value, Scalar) and value.literal and value.approximate:
        return True
    if isinstance(value, Scalar) and value.form is not None and not value.approximate:
        return value.form.constant() and value.form.rational() is None
    return False


def _typed(answer: str, ref: Reference, policy: Policy) -> FastVerdict:
    """The typed comparison (:mod:`.compare`): decided natively, or undecided for sympy."""
    value = read_value(answer)
    ref_value = read_value(ref.text)
    if value is None or ref_value is None:
        if value is None and prose(clean_answer(answer)):
            return FastVerdict(decided=True, equal=False, reason=Reason.UNPARSEABLE, value=answer)
        return UNDECIDED
    verdict, reason = compare(value, ref_value, policy)
    if verdict is None:
        return UNDECIDED
    well_formed = reason is None
    return FastVerdict(
        decided=True,
        equal=verdict,
        reason=None if verdict else (reason or Reason.NOT_EQUAL),
        well_formed=well_formed,
        value=answer,
    )


def false_chain(answer: str) -> bool:
    """A chain of equal signs whose constant members differ (``2 + 3 = 6``, ``0.25 = \\frac15``): a false
    equation is no value, whatever its last member is.

    >>> false_chain("2 + 3 = 6"), false_chain("4! = 24"), false_chain("x = 6")
    (True, False, False)
    """
    if "=" not in answer or _RELATION.search(answer):
        return False
    value = read_value(answer)
    if not isinstance(value, Equation) or value.name is not None:
        return False
    forms = [s.form for s in value.sides if isinstance(s, Scalar) and s.form is not None and s.form.constant()]
    if len(forms) != len(value.sides):
        return False
    return any(same(f, forms[-1]) is False for f in forms[:-1])


def compare_fast(answer: str, ref: Reference, policy: Policy) -> FastVerdict:
    """Decide ``answer`` (already unicode-checked) against one reference, or say undecided."""
    if ref.kind == "number":
        assert ref.number is not None
        if false_chain(answer):
            return FastVerdict(decided=True, equal=False, reason=Reason.NOT_EQUAL, value=answer)
        number, problem, read = read_number(answer, policy)
        if number is None:
            value = read_value(answer)
            if isinstance(value, Relation):
                return FastVerdict(decided=True, equal=False, reason=Reason.RELATION, value=read)
            if isinstance(value, Items) and value.kind in ("set", "list") and len(value.items) > 1:
                return FastVerdict(decided=True, equal=False, reason=Reason.MULTIPLE_CANDIDATES, value=read)
            if problem is Reason.NOT_A_NUMBER and (not policy.require_number or _stated_value(value)):
                return _typed(answer, ref, policy)
            return FastVerdict(decided=True, equal=False, reason=problem, value=read)
        equal = numbers_equal(number, ref.number, policy)
        return FastVerdict(
            decided=True,
            equal=equal,
            reason=None if equal else Reason.NOT_EQUAL,
            well_formed=True,
            value=read,
        )
    clean = clean_answer(answer)
    if compact(clean) == ref.compact:
        return FastVerdict(decided=True, equal=True, well_formed=True, value=clean)
    if ref.kind == "text":
        if normalize_words(clean) == ref.words:
            return FastVerdict(decided=True, equal=True, well_formed=True, value=clean)
        if (_WORDS.fullmatch(clean) and "\\" not in clean) or parse_number(clean) is not None:
            return FastVerdict(decided=True, equal=False, reason=Reason.NOT_EQUAL, well_formed=True, value=clean)
    return _typed(answer, ref, policy)
