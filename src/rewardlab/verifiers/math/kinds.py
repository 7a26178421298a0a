r"""Typed answers: what kind of value an answer is, read from its syntax tree.

:func:`read_value` turns an answer into one of:

- :class:`Scalar` -- a number or an expression (an exact :class:`~.algebra.Form` when the native
  algebra reads it; ``form=None`` when only sympy can), or :math:`\pm\infty`;
- :class:`Interval` and :class:`Union` (``[0, 1)``, ``(-\infty, 2] \cup (3, 4)``, :math:`\mathbb{R}`);
- :class:`Items` -- a set ``\{1, 2\}``, a tuple ``(1, 2)`` (also an open interval, decided by the
  other side), a bare list ``1, 2 and 3``; :math:`a \pm b` is the set :math:`\{a+b, a-b\}`;
- :class:`Matrix` (matrix sums and products of literal matrices are evaluated);
- :class:`Equation` (``y = 2x + 1``; ``x = 5`` and ``(p, q) = (3, 2)`` also carry their value);
- :class:`Relation` (``x \le 0``, ``-2 \le x \le 7``; one variable between constant bounds also
  reads as the interval it describes; ``x \in [a, b]`` *is* that interval);
- :class:`Ratio` (``11:21``) and :class:`Text` (``\text{odd}``, ``Evelyn``).

A number written in words ("twelve", "one third", :mod:`.numwords`) is that number.

``None`` means the answer is not read natively (the symbolic path may still read it).

>>> read_value(r"\pm 4").kind, read_value("x \\le 0").kind, read_value("[0,1)").interval_like()
('set', 'relation', True)
>>> read_value("0<f(x)<1").as_interval().key()
'(0,1)'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .algebra import Form, NotAlgebra, TooBig, build, neg
from .normalize import clean_answer
from .numwords import words_value
from .syntax import Node, Unreadable, parse

__all__ = [
    "Equation",
    "Interval",
    "Items",
    "Matrix",
    "Ratio",
    "Relation",
    "Scalar",
    "Text",
    "Union",
    "Value",
    "read_value",
]


@dataclass(frozen=True, slots=True)
class Scalar:
    node: Node
    form: Form | None
    """The exact form; ``None`` when the native algebra cannot read it (sympy may)."""
    inf: int = 0
    """+1 / -1 for :math:`\\pm\\infty`."""
    literal: bool = False
    """Written as a number literal (``3``, ``-0.5``, ``\\frac{1}{2}``, ``28\\%``)."""
    percent: bool = False
    approximate: bool = False
    """Given as an approximation (``x \\approx 11``)."""
    words: str | None = None
    """The letters as a word too (``odd`` in math mode), for text references."""
    kind: str = "scalar"

    def key(self) -> str:
        if self.inf:
            return "+inf" if self.inf > 0 else "-inf"
        return self.form.key() if self.form is not None else repr(self.node)


@dataclass(frozen=True, slots=True)
class Interval:
    lo: Scalar
    hi: Scalar
    lo_closed: bool
    hi_closed: bool
    kind: str = "interval"

    def key(self) -> str:
        return ("[" if self.lo_closed else "(") + f"{self.lo.key()},{self.hi.key()}" + ("]" if self.hi_closed else ")")

    def as_interval(self) -> Interval:
        return self


@dataclass(frozen=True, slots=True)
class Union:
    parts: tuple[Any, ...]
    kind: str = "union"


@dataclass(frozen=True, slots=True)
class Items:
    items: tuple[Any, ...]
    kind: str
    """``set`` (``\\{\\}``, :math:`\\pm`), ``tuple`` (brackets), ``list`` (bare)."""
    open: str = ""
    close: str = ""

    def as_interval(self) -> Interval | None:
        if self.kind != "tuple" or len(self.items) != 2:
            return None
        lo, hi = self.items
        if not isinstance(lo, Scalar) or not isinstance(hi, Scalar):
            return None
        return Interval(lo, hi, self.open == "[", self.close == "]")

    def interval_like(self) -> bool:
        """Brackets that only an interval has (``[a, b)``, ``(a, b]``, ``[a, b]``) or an infinite end."""
        if self.kind != "tuple" or len(self.items) != 2:
            return False
        if (self.open, self.close) != ("(", ")"):
            return True
        return any(isinstance(i, Scalar) and i.inf for i in self.items)


@dataclass(frozen=True, slots=True)
class Matrix:
    rows: tuple[tuple[Any, ...], ...]
    kind: str = "matrix"


@dataclass(frozen=True, slots=True)
class Equation:
    sides: tuple[Any, ...]
    """The expressions of ``a = b (= c ...)`` (scalars, or other values for ``(p, q) = (3, 2)``)."""
    name: str | None = None
    """The spelling of the left side when it names what the right side gives (``x``, ``f(x)``)."""
    value: Any = None
    """The right-most side, when ``name`` is set."""
    kind: str = "equation"


@dataclass(frozen=True, slots=True)
class Relation:
    parts: tuple[Scalar, ...]
    ops: tuple[str, ...]
    """Each one of ``<``, ``<=``, ``>``, ``>=``, ``!=``."""
    variable: str | None = None
    interval: Any = None
    """The set of the variable's values it describes (an :class:`Interval` or :class:`Union`)."""
    kind: str = "relation"

    def as_interval(self) -> Any:
        return self.interval


@dataclass(frozen=True, slots=True)
class Ratio:
    parts: tuple[Scalar, ...]
    kind: str = "ratio"


@dataclass(frozen=True, slots=True)
class Text:
    words: str
    kind: str = "text"


Value = Scalar | Interval | Union | Items | Matrix | Equation | Relation | Ratio | Text

_INF = ("const", "inf")
_WORD = re.compile(r"[A-Za-z]+")
_FLIP = {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "!=": "!="}


def _words(text: str) -> str:
    return " ".join(w.lower() for w in _WORD.findall(text))


def _literal(node: Node) -> bool:
    tag = node[0]
    if tag == "num":
        return True
    if tag in ("neg", "pct"):
        return _literal(node[1])
    if tag == "unit":
        return _literal(node[1])
    if tag == "div":
        return node[1][0] == "num" and node[2][0] == "num" and not node[1][2] and not node[2][2]
    return False


def _scalar(node: Node, *, approximate: bool = False) -> Scalar:
    if node == _INF:
        return Scalar(node, None, inf=1)
    if node[0] == "neg" and node[1] == _INF:
        return Scalar(node, None, inf=-1)
    percent = False
    inner = node
    while inner[0] in ("unit", "pct"):
        percent = percent or inner[0] == "pct"
        inner = inner[1]
    words = None
    if inner[0] == "word" or (inner[0] == "sym" and len(inner[1]) == 1):
        words = inner[1].lower()
    elif inner == ("const", "e"):
        words = "e"
    try:
        form: Form | None = build(inner)
    except (NotAlgebra, TooBig, ZeroDivisionError, OverflowError, ValueError):
        form = None
    return Scalar(node, form, literal=_literal(node), percent=percent, approximate=approximate, words=words)


def _expand_pm(node: Any, budget: list[int]) -> list[Any]:
    """The variants of a tree with ``\\pm`` (``a \\pm b`` -> ``a + b``, ``a - b``); at most 2 signs."""
    if not isinstance(node, tuple) or not _has_pm(node):
        return [node]
    if node[0] == "pm":
        budget[0] -= 1
        if budget[0] < 0:
            raise Unreadable("too many \\pm")
        outs: list[Any] = []
        for b in _expand_pm(node[2], budget):
            for signed in (b, ("neg", b)):
                if node[1] is None:
                    outs.append(signed)
                else:
                    outs.extend(("add", (a, signed)) for a in _expand_pm(node[1], budget))
        return outs
    return [tuple(p) for p in _product([_expand_pm(c, budget) for c in node])]


def _product(lists: list[list[Any]]) -> list[list[Any]]:
    out: list[list[Any]] = [[]]
    for options in lists:
        out = [[*o, x] for o in out for x in options]
    return out


def _has_pm(node: Any) -> bool:
    if isinstance(node, tuple):
        if node and node[0] == "pm":
            return True
        return any(_has_pm(c) for c in node)
    return False


def _name(node: Node) -> bool:
    """Whether a side of an equation names something (``x``, ``f(x)``, ``|AB|``, ``(p, q)``, ``a_3``)."""
    tag = node[0]
    if tag in ("sym", "word"):
        return True
    if tag == "fn" and node[1] == "app":
        return True
    if tag == "fn" and node[1] == "abs":
        return _name(node[2][0])
    if tag in ("ratio",):
        return all(_name(p) for p in node[1])
    if tag == "brack":
        return all(_name(p) for p in node[2])
    if tag == "div":
        return _name(node[1]) and _name(node[2])
    if tag == "mul":
        return all(f[0] in ("sym", "word") for f in node[1])
    return False


def _spelling(node: Node) -> str:
    return repr(node)


def _equation(parts: tuple[Node, ...], ops: tuple[str, ...]) -> Value:
    # "x = 1/3 \approx 0.33": the approximation after an exact value is not the value
    while len(ops) > 1 and ops[-1] == "~" and "=" in ops[:-1]:
        parts, ops = parts[:-1], ops[:-1]
    if all(op == "~" for op in ops):
        if len(parts) == 2 and _name(parts[0]):
            return _scalar(parts[1], approximate=True)
        raise Unreadable("an approximation chain")
    if any(op != "=" for op in ops):
        raise Unreadable("a chain mixing = and other relations")
    values = tuple(_value(p) for p in parts)
    name = None
    if _name(parts[0]) or (len(parts) > 2 and _name(parts[-2])):
        name = _spelling(parts[0] if _name(parts[0]) else parts[-2])
    return Equation(values, name, values[-1] if name else None)


def _bound_interval(rel: Relation) -> Any:
    """``-2 \\le x \\le 7`` -> [-2, 7]; ``x > 5`` -> (5, inf); ``5 \\ge x`` -> (-inf, 5]."""
    parts, ops = rel.parts, rel.ops
    if any(op == "!=" for op in ops):
        return None
    if len(parts) == 2:
        a, b = parts
        op = ops[0]
        var, bound = (a, b) if a.form is not None and not a.form.constant() and b.inf == 0 else (b, a)
        if var is b:
            op = _FLIP[op]
        if bound.form is None and not bound.inf:
            return None
        if bound.form is not None and not bound.form.constant():
            return None
        sign = _linear_sign(var)
        if sign is None:
            return None
        if sign < 0:  # -x > -1  ->  x < 1
            op, bound = _FLIP[op], Scalar(("neg", bound.node), neg(bound.form) if bound.form else None, -bound.inf)
        inf = Scalar(_INF, None, inf=1)
        ninf = Scalar(("neg", _INF), None, inf=-1)
        if op in ("<", "<="):
            return Interval(ninf, bound, False, op == "<=")
        return Interval(bound, inf, op == ">=", False)
    if len(parts) == 3 and ops[0][0] == ops[1][0]:
        lo, var, hi = parts
        if ops[0][0] == ">":
            lo, hi = hi, lo
            ops = (_FLIP[ops[1]], _FLIP[ops[0]])
        if _linear_sign(var) != 1:
            return None
        for b in (lo, hi):
            if b.form is not None and not b.form.constant():
                return None
            if b.form is None and not b.inf:
                return None
        iv = Interval(lo, hi, ops[0] == "<=", ops[1] == "<=")
        if var.node[0] == "fn" and var.node[1] == "abs":
            return _mirror(iv)
        return iv
    return None


def _linear_sign(var: Scalar) -> int | None:
    """+1 for a lone variable (``x``, ``f(x)``, ``|z|``), -1 for its negative, else ``None``."""
    node = var.node
    if node[0] == "neg":
        inner = _linear_sign(Scalar(node[1], None))
        return -inner if inner else None
    if node[0] == "sym" or (node[0] == "fn" and node[1] in ("app", "abs")):
        return 1
    return None


def _mirror(iv: Interval) -> Any:
    """``a \\le |z| \\le b`` (0 < a) -> [-b, -a] U [a, b]."""
    lo = iv.lo.form.rational() if iv.lo.form is not None else None
    if lo is None or lo <= 0 or iv.hi.form is None:
        return None
    left = Interval(
        Scalar(("neg", iv.hi.node), neg(iv.hi.form)),
        Scalar(("neg", iv.lo.node), neg(iv.lo.form)),
        iv.hi_closed,
        iv.lo_closed,
    )
    return Union((left, iv))


def _relation(parts: tuple[Node, ...], ops: tuple[str, ...]) -> Value:
    if any(op in ("in", "notin", "subset", "equiv", "to", "implies") for op in ops):
        if len(ops) == 1 and ops[0] == "in" and _name(parts[0]):
            return _value(parts[1])
        raise Unreadable("a membership or implication")
    if "=" in ops or "~" in ops:
        if all(op in ("=", "~") for op in ops):
            return _equation(parts, ops)
        raise Unreadable("a chain mixing = and inequalities")
    scalars = tuple(_scalar(p) for p in parts)
    rel = Relation(scalars, ops)
    variable = None
    interval = _bound_interval(rel)
    if interval is not None:
        var = next(s for s in scalars if s.form is not None and not s.form.constant() and not s.inf)
        variable = _spelling(var.node[1] if var.node[0] == "neg" else var.node)
    return Relation(scalars, ops, variable, interval)


def _value(node: Node) -> Value:
    tag = node[0]
    if _has_pm(node) and tag not in ("list", "set", "group", "brack", "rel", "matrix"):
        variants = _expand_pm(node, [2])
        return Items(tuple(_value(v) for v in variants), "set")
    if tag == "list" or tag == "group":
        return Items(tuple(_value(i) for i in node[1]), "list")
    if tag == "set":
        return Items(tuple(_value(i) for i in node[1]), "set")
    if tag == "empty":
        return Items((), "set")
    if tag == "reals":
        return Interval(Scalar(("neg", _INF), None, inf=-1), Scalar(_INF, None, inf=1), False, False)
    if tag == "brack":
        return Items(tuple(_value(i) for i in node[2]), "tuple", node[1], node[3])
    if tag == "matrix":
        return Matrix(tuple(tuple(_value(c) for c in row) for row in node[1]))
    if tag == "rel":
        return _relation(node[1], node[2])
    if tag == "ratio":
        return Ratio(tuple(_scalar(p) for p in node[1]))
    if tag == "setop":
        if node[1] == "minus" and node[2] == ("reals",):
            return _complement(_value(node[3]))
        if node[1] != "cup":
            raise Unreadable("intersections and differences are left to sympy")
        parts: list[Any] = []
        for side in (node[2], node[3]):
            v = _value(side)
            parts.extend(v.parts if isinstance(v, Union) else [v.as_interval() if _interval_item(v) else v])
        return Union(tuple(parts))
    if tag == "text":
        return Text(_words(node[1]))
    if tag in ("add", "mul") and any(c[0] == "matrix" for c in node[1]):
        return _matrix_arithmetic(node)
    return _scalar(node)


def _complement(v: Any) -> Value:
    r"""``\mathbb{R} \setminus (a, b]`` -> ``(-\infty, a] \cup (b, \infty)``; a finite set -> open gaps."""
    inf = Scalar(_INF, None, inf=1)
    ninf = Scalar(("neg", _INF), None, inf=-1)
    iv = v.as_interval() if isinstance(v, (Items, Interval)) and _interval_item_or_interval(v) else None
    if iv is not None:
        parts = []
        if not iv.lo.inf:
            parts.append(Interval(ninf, iv.lo, False, not iv.lo_closed))
        if not iv.hi.inf:
            parts.append(Interval(iv.hi, inf, not iv.hi_closed, False))
        if not parts:
            return Items((), "set")
        return parts[0] if len(parts) == 1 else Union(tuple(parts))
    raise Unreadable("a complement of something else than an interval")


def _interval_item_or_interval(v: Any) -> bool:
    return isinstance(v, Interval) or _interval_item(v)


def _interval_item(v: Any) -> bool:
    return isinstance(v, Items) and v.kind == "tuple" and len(v.items) == 2 and v.as_interval() is not None


def _matrix_arithmetic(node: Node) -> Value:
    from .algebra import add, mul

    def cell_forms(m: Node) -> list[list[Form]]:
        rows = []
        for row in m[1]:
            cells = []
            for c in row:
                s = _scalar(c)
                if s.form is None:
                    raise Unreadable("matrix cell not read natively")
                cells.append(s.form)
            rows.append(cells)
        return rows

    mats = []
    for child in node[1]:
        if child[0] != "matrix":
            raise Unreadable("a matrix times a scalar expression")
        mats.append(cell_forms(child))
    acc = mats[0]
    for m in mats[1:]:
        if node[0] == "add":
            if len(m) != len(acc) or len(m[0]) != len(acc[0]):
                raise Unreadable("matrix shapes differ")
            acc = [[add(a, b) for a, b in zip(ra, rb, strict=True)] for ra, rb in zip(acc, m, strict=True)]
        else:
            if len(acc[0]) != len(m):
                raise Unreadable("matrix shapes do not multiply")
            out = []
            for r in acc:
                row = []
                for j in range(len(m[0])):
                    total = mul(r[0], m[0][j])
                    for k in range(1, len(m)):
                        total = add(total, mul(r[k], m[k][j]))
                    row.append(total)
                out.append(row)
            acc = out
    return Matrix(tuple(tuple(Scalar(("form",), f) for f in row) for row in acc))


@lru_cache(maxsize=8192)
def read_value(text: str) -> Value | None:
    """The typed value of an answer, or ``None`` when the native reader does not read it."""
    try:
        node = parse(_spelled_number(text) or text)
        return _value(node)
    except (Unreadable, RecursionError):
        return None


def _spelled_number(text: str) -> str | None:
    """A number written in words ("twelve", "one third", :mod:`.numwords`) as a literal (``12``, ``\frac{1}{3}``)."""
    if not any(c.isalpha() for c in text[:12]):
        return None
    value = words_value(clean_answer(text))
    if value is None:
        return None
    sign = "-" if value < 0 else ""
    v = abs(value)
    return f"{sign}{v.numerator}" if v.denominator == 1 else f"{sign}\\frac{{{v.numerator}}}{{{v.denominator}}}"
