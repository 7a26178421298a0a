r"""Comparing typed answers by kind, natively: ``True``/``False`` when decided, ``None`` for sympy.

=======================  =====================================================================
kinds                    equal when
=======================  =====================================================================
scalar, scalar           their exact forms are equal (:func:`~.algebra.same`); a decimal
                         against a constant: within ``rel_tol``, or (lenient ``rounding``)
                         the rational reference rounded to the digits written;
                         :math:`\pm\infty` by sign; ``28\%`` by the ``percent`` rule
interval, interval       same ends and same brackets; ``(a, b)`` is an open interval only
                         against an interval, a pair against a pair
union, union             the same parts in any order
set / list, set / list   the same elements in any order (repeats ignored)
tuple, tuple / list      the same elements in order
matrix, matrix           same shape, equal cells
equation, equation       the same name and value (``x = 5``), or proportional
                         :math:`lhs - rhs` (``2x + 4y - 3 = 0`` and ``y = -x/2 + 3/4``)
named equation, value    its value (``x = 5`` against ``5``; ``(p, q) = (3, 2)`` against
                         ``(3, 2)``)
relation, relation       the same set of values of the same variable, else the same
                         relation spelled the other way round (``x \le 5``, ``5 \ge x``)
relation, interval       the set the relation describes (``-2 \le x \le 7``, ``[-2, 7]``)
ratio, ratio             proportional (``11:21``, ``22:42``) or equal term by term
text, text               the same words; a single letter or word in math mode counts
=======================  =====================================================================

Anything else is a different kind: not equal. A relation where a value is expected is refused
with ``relation``, several values where one is expected with ``multiple_candidates``.

>>> from rewardlab.verifiers.math.kinds import read_value
>>> from rewardlab.verifiers.math.modes import STRICT
>>> compare(read_value("(0,9]"), read_value("(0,9)"), STRICT)
(False, None)
>>> compare(read_value(r"-2 \le x \le 7"), read_value(r"x \in [-2,7]"), STRICT)
(True, None)
>>> compare(read_value(r"x \le 0"), read_value("0"), STRICT)
(False, <Reason.RELATION: 'relation'>)
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

from .algebra import Form, add, approx, constant, div, mul, same
from .errors import Reason
from .kinds import Equation, Interval, Items, Matrix, Ratio, Relation, Scalar, Text, Union, Value
from .modes import Policy

__all__ = ["compare"]

Verdict = tuple[bool | None, Reason | None]


def _all(results: list[bool | None]) -> bool | None:
    if any(r is False for r in results):
        return False
    if any(r is None for r in results):
        return None
    return True


def _rounds_to(answer: Scalar, exact: Fraction) -> bool:
    """``answer`` is a decimal literal that is ``exact`` rounded to the digits it writes."""
    node = answer.node
    sign = 1
    while node[0] in ("neg", "unit"):
        sign = -sign if node[0] == "neg" else sign
        node = node[1]
    if node[0] != "num" or not node[2]:
        return False
    value = node[1] * sign
    k = _decimals(node[1])
    if k < 1:
        return False
    scale = Fraction(10) ** k
    if (exact * scale).denominator == 1:
        return False
    digits = len(str(abs(value.numerator * scale // value.denominator)).lstrip("0"))
    return digits >= 2 and abs(value - exact) <= Fraction(1, 2) / scale


def _decimals(value: Fraction) -> int:
    k = 0
    while (value * 10**k).denominator != 1 and k < 40:
        k += 1
    return k


def _scalar_values(s: Scalar, policy: Policy) -> list[Form]:
    assert s.form is not None
    if not s.percent or policy.percent == "number":
        return [s.form]
    hundredth = div(s.form, constant(100))
    if policy.percent == "fraction":
        return [hundredth]
    return [s.form, hundredth]


def scalars(a: Scalar, r: Scalar, policy: Policy) -> bool | None:
    if a.inf or r.inf:
        return a.inf == r.inf
    if a.form is None or r.form is None:
        return None
    undecided = False
    for x in _scalar_values(a, policy):
        for y in _scalar_values(r, policy):
            verdict = same(x, y)
            if verdict:
                return True
            if verdict is None:
                undecided = True
                continue
            if (x.decimal or y.decimal) and x.constant() and y.constant() and _close(x, y, policy):
                return True
            exact = y.rational()
            if policy.rounding and exact is not None and not y.decimal and not a.percent and _rounds_to(a, exact):
                return True
    return None if undecided else False


def _close(x: Form, y: Form, policy: Policy) -> bool:
    ax, ay = approx(x, 40), approx(y, 40)
    if ax is None or ay is None:
        return False
    if ax == ay:
        return True
    tol = Decimal(policy.rel_tol) * max(abs(ax), abs(ay))
    return abs(ax - ay) <= tol


def _interval(v: Any) -> Interval | None:
    if isinstance(v, Interval):
        return v
    if isinstance(v, Items):
        return v.as_interval()
    if isinstance(v, Relation):
        return v.interval if isinstance(v.interval, Interval) else None
    return None


def _intervals(a: Interval, r: Interval, policy: Policy) -> bool | None:
    if a.lo_closed != r.lo_closed or a.hi_closed != r.hi_closed:
        return False
    return _all([scalars(a.lo, r.lo, policy), scalars(a.hi, r.hi, policy)])


def _unordered(a: tuple[Any, ...], r: tuple[Any, ...], policy: Policy) -> bool | None:
    a_d = _dedupe(a, policy)
    r_d = _dedupe(r, policy)
    if len(a_d) != len(r_d):
        return False
    undecided = False
    used: set[int] = set()
    for x in a_d:
        found = False
        for j, y in enumerate(r_d):
            if j in used:
                continue
            v = equal(x, y, policy)
            if v:
                used.add(j)
                found = True
                break
            if v is None:
                undecided = True
        if not found:
            return None if undecided else False
    return True


def _dedupe(items: tuple[Any, ...], policy: Policy) -> list[Any]:
    out: list[Any] = []
    for x in items:
        if not any(equal(x, y, policy) for y in out):
            out.append(x)
    return out


def _ordered(a: tuple[Any, ...], r: tuple[Any, ...], policy: Policy) -> bool | None:
    if len(a) != len(r):
        return False
    return _all([equal(x, y, policy) for x, y in zip(a, r, strict=True)])


def _chain_value(a: Equation, r: Any, policy: Policy) -> bool | None:
    """``(x+1)^2 = x^2+2x+1`` against ``x^2+2x+1``: a chain of equal members answers with its last
    member; a false equation (``(x+2)^2 = x^2+4``) is no value at all."""
    sides = a.sides
    if not all(isinstance(s, Scalar) and s.form is not None for s in sides):
        return None if isinstance(r, Scalar) else False
    last = sides[-1]
    consistent = _all([same(s.form, last.form) for s in sides[:-1]])  # type: ignore[arg-type]
    if consistent is not True:
        return consistent
    return equal(last, r, policy)


def _poly_of(eq: Equation) -> Form | None:
    sides = eq.sides
    if len(sides) != 2 or not all(isinstance(s, Scalar) and s.form is not None for s in sides):
        return None
    return add(sides[0].form, sides[1].form, -1)


def _proportional(a: Form, r: Form) -> bool | None:
    """``a = c r`` for a non-zero constant ``c`` (as equations ``a = 0`` and ``r = 0``)."""
    if not a.num or not r.num:
        return not a.num and not r.num
    # the numerators (denominators only restrict the domain)
    lead = max(a.num)
    if lead not in r.num:
        return None if (a.opaque or r.opaque) else False
    c = r.num[lead] / a.num[lead]
    scaled = {m: v * c for m, v in a.num.items()}
    if scaled == r.num:
        return True
    return None if (a.opaque or r.opaque) else False


def _equations(a: Equation, r: Equation, policy: Policy) -> bool | None:
    if a.name is not None and r.name is not None and a.name == r.name:
        return equal(a.value, r.value, policy)
    pa, pr = _poly_of(a), _poly_of(r)
    if pa is None or pr is None:
        if len(a.sides) == len(r.sides):
            return _ordered(a.sides, r.sides, policy)
        return None
    return _proportional(pa, pr)


def _relations(a: Relation, r: Relation, policy: Policy) -> bool | None:
    if a.interval is not None and r.interval is not None:
        if a.variable != r.variable:
            return False
        return equal(a.interval, r.interval, policy)
    for parts, ops in ((a.parts, a.ops), (a.parts[::-1], tuple(_flip(o) for o in a.ops[::-1]))):
        if ops == r.ops and len(parts) == len(r.parts):
            v = _ordered(parts, r.parts, policy)
            if v:
                return True
    if a.interval is None and r.interval is None:
        return None
    return False


def _flip(op: str) -> str:
    return {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "!=": "!="}[op]


def _ratios(a: Ratio, r: Ratio, policy: Policy) -> bool | None:
    if len(a.parts) != len(r.parts):
        return False
    exact = _ordered(a.parts, r.parts, policy)
    if exact or len(a.parts) != 2:
        return exact
    forms = [p.form for p in (*a.parts, *r.parts)]
    if any(f is None for f in forms) or any(not f.num for f in forms):  # type: ignore[union-attr]
        return exact
    x, y, u, v = forms
    return same(mul(x, v), mul(y, u))  # type: ignore[arg-type]


def _text(a: Any, r: Text) -> bool | None:
    if isinstance(a, Text):
        return a.words == r.words
    if isinstance(a, Scalar) and a.words is not None:
        return a.words == r.words.replace(" ", "")
    return False


def equal(a: Any, r: Any, policy: Policy) -> bool | None:
    """Whether typed answer ``a`` equals typed reference ``r`` (``None``: undecided)."""
    if isinstance(r, Text) or isinstance(a, Text):
        if isinstance(r, Text):
            return _text(a, r)
        return _text(r, a)
    if isinstance(r, Equation) and not isinstance(a, Equation):
        return equal(a, r.value, policy) if r.name is not None else False
    if isinstance(a, Equation) and not isinstance(r, Equation):
        return equal(a.value, r, policy) if a.name is not None else _chain_value(a, r, policy)
    if isinstance(r, Scalar):
        return scalars(a, r, policy) if isinstance(a, Scalar) else False
    if isinstance(r, Equation):
        return _equations(a, r, policy)
    if isinstance(r, Relation) and isinstance(a, Relation):
        return _relations(a, r, policy)
    if isinstance(r, Ratio):
        return _ratios(a, r, policy) if isinstance(a, Ratio) else False
    if isinstance(r, Matrix):
        if not isinstance(a, Matrix) or len(a.rows) != len(r.rows) or len(a.rows[0]) != len(r.rows[0]):
            return False
        return _all([_ordered(x, y, policy) for x, y in zip(a.rows, r.rows, strict=True)])
    if isinstance(r, Union) or isinstance(a, Union):
        ua = a.parts if isinstance(a, Union) else _union_parts(a)
        ur = r.parts if isinstance(r, Union) else _union_parts(r)
        if ua is None or ur is None:
            return False
        return _unordered(tuple(ua), tuple(ur), policy)
    if isinstance(r, Interval) or (isinstance(r, Items) and r.interval_like()) or isinstance(r, Relation):
        ia, ir = _interval(a), _interval(r)
        if ia is None or ir is None:
            if isinstance(a, Relation) or isinstance(r, Relation):
                return _relation_union(a, r, policy)
            return False
        return _intervals(ia, ir, policy)
    if isinstance(r, Items):
        if isinstance(a, Relation) and isinstance(a.interval, Interval) and r.kind == "tuple":
            return _intervals(a.interval, r.as_interval(), policy) if r.as_interval() else False
        if isinstance(a, Interval) or (isinstance(a, Items) and a.interval_like()):
            ia, ir = _interval(a), r.as_interval()
            return _intervals(ia, ir, policy) if ia is not None and ir is not None else False
        if not isinstance(a, Items):
            return False
        if r.kind == "tuple" or a.kind == "tuple":
            if {r.kind, a.kind} == {"tuple", "set"}:
                return False
            if r.kind == a.kind == "tuple" and (a.open, a.close) != (r.open, r.close):
                ia, ir = a.as_interval(), r.as_interval()
                return _intervals(ia, ir, policy) if ia is not None and ir is not None else False
            return _ordered(a.items, r.items, policy)
        return _unordered(a.items, r.items, policy)
    if isinstance(r, Relation):
        return False
    return False


def _union_parts(v: Any) -> list[Any] | None:
    if isinstance(v, Relation) and isinstance(v.interval, Union):
        return list(v.interval.parts)
    iv = _interval(v)
    if iv is not None:
        return [iv]
    if isinstance(v, Items) and v.kind == "set":
        return [v]
    return None


def _relation_union(a: Any, r: Any, policy: Policy) -> bool | None:
    ua = a.interval if isinstance(a, Relation) else None
    ur = r.interval if isinstance(r, Relation) else None
    if ua is None or ur is None:
        return False
    return equal(ua, ur, policy)


def _count(v: Any) -> int:
    return len(v.items) if isinstance(v, Items) and v.kind in ("set", "list") else 1


def compare(answer: Value, ref: Value, policy: Policy) -> Verdict:
    """``(verdict, reason)``: ``verdict`` is ``None`` when the native check cannot decide."""
    if isinstance(ref, (Scalar, Text)) or (isinstance(ref, Equation) and ref.name and isinstance(ref.value, Scalar)):
        if isinstance(answer, Relation):
            return False, Reason.RELATION
        if isinstance(answer, Items) and answer.kind in ("set", "list") and _count(answer) > 1:
            return False, Reason.MULTIPLE_CANDIDATES
    return equal(answer, ref, policy), None
