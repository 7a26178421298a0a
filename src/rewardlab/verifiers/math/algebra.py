r"""Exact arithmetic on closed forms, without sympy: rational functions over radicals, :math:`\pi`, :math:`e`.

A :class:`Form` is a quotient of two polynomials with exact rational coefficients. Their
monomials multiply *atoms*:

- variables (``x``, ``a_1``) and the constants :math:`\pi`, :math:`e` (integer powers);
- radicals of primes, :math:`p^{r}` with a rational :math:`0 < r < 1` -- so
  :math:`\sqrt{12} = 2\sqrt{3}` and :math:`\sqrt{2}\sqrt{6} = 2\sqrt{3}` have one spelling;
- *opaque* atoms for anything else (``\sin x``, ``2^{x}``, ``n!``), keyed by their canonical
  arguments, so that ``\sin(x+1)`` and ``\sin(1+x)`` are the same atom.

Without opaque atoms the normal form is complete: two forms are equal exactly when
:math:`a_1 b_2 - a_2 b_1` is the zero polynomial (square-free radicals of distinct primes are
linearly independent over the rationals, and :math:`\pi`, :math:`e` and the variables are treated
as independent transcendentals). With opaque atoms a zero difference still proves equality, but a
non-zero one proves nothing (``\sin^2 x + \cos^2 x`` against ``1``): :func:`same` then says
``None`` and the caller asks sympy.

Sizes are capped (:data:`MAX_TERMS`, :data:`MAX_POWER`, :data:`MAX_BITS`); past them
:class:`TooBig` is raised and the caller goes symbolic (in the worker pool, under a time limit).

>>> from rewardlab.verifiers.math.syntax import parse
>>> same(build(parse(r"\frac{1}{\sqrt{2}}")), build(parse(r"\frac{\sqrt2}{2}")))
True
>>> same(build(parse("(x+1)^2")), build(parse("x^2+2x+1"))), same(build(parse("x^2+1")), build(parse("(x+1)^2")))
(True, False)
>>> same(build(parse(r"\sin^2 x + \cos^2 x")), build(parse("1"))) is None
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction
from functools import lru_cache
from typing import Any

__all__ = ["MAX_BITS", "MAX_POWER", "MAX_TERMS", "Form", "NotAlgebra", "TooBig", "approx", "build", "same"]

MAX_TERMS = 256
MAX_POWER = 64
MAX_BITS = 4096
MAX_FACTOR = 10**10
"""Radicands (numerators and denominators) above this are not factored natively."""

Monomial = tuple[tuple[str, Fraction], ...]
Poly = dict[Monomial, Fraction]


class TooBig(ValueError):
    """Past the native size limits."""


class NotAlgebra(ValueError):
    """The node is not a scalar expression (a set, a relation, text ...)."""


ONE_M: Monomial = ()


def _check(poly: Poly) -> Poly:
    if len(poly) > MAX_TERMS:
        raise TooBig("too many terms")
    for c in poly.values():
        if c.numerator.bit_length() > MAX_BITS or c.denominator.bit_length() > MAX_BITS:
            raise TooBig("coefficient too large")
    return poly


def _mono_mul(a: Monomial, b: Monomial) -> tuple[Fraction, Monomial]:
    if not a:
        return Fraction(1), b
    if not b:
        return Fraction(1), a
    exps: dict[str, Fraction] = dict(a)
    for atom, e in b:
        exps[atom] = exps.get(atom, Fraction(0)) + e
    coef = Fraction(1)
    out = []
    for atom in sorted(exps):
        e = exps[atom]
        if atom.startswith("r:"):
            whole = math.floor(e)
            if whole:
                coef *= Fraction(int(atom[2:])) ** whole
                e -= whole
        if e:
            if abs(e) > MAX_POWER:
                raise TooBig("power too large")
            out.append((atom, e))
    return coef, tuple(out)


def _add(a: Poly, b: Poly, sign: int = 1) -> Poly:
    out = dict(a)
    for m, c in b.items():
        v = out.get(m, Fraction(0)) + sign * c
        if v:
            out[m] = v
        else:
            out.pop(m, None)
    return _check(out)


def _mul(a: Poly, b: Poly) -> Poly:
    if len(a) * len(b) > MAX_TERMS * 8:
        raise TooBig("product too large")
    out: Poly = {}
    for ma, ca in a.items():
        for mb, cb in b.items():
            k, m = _mono_mul(ma, mb)
            v = out.get(m, Fraction(0)) + ca * cb * k
            if v:
                out[m] = v
            else:
                out.pop(m, None)
    return _check(out)


def _const(c: Fraction | int) -> Poly:
    return {ONE_M: Fraction(c)} if c else {}


def _atom(name: str, exp: Fraction | int = 1) -> Poly:
    return {((name, Fraction(exp)),): Fraction(1)}


@dataclass(frozen=True, slots=True)
class Form:
    """``num / den``, exact; ``opaque``: an atom outside the complete fragment was used."""

    num: Poly
    den: Poly
    opaque: bool = False
    decimal: bool = False
    """A decimal literal (``0.5``) was written: the value may be an approximation."""

    def rational(self) -> Fraction | None:
        """The value when it is a rational number."""
        if not self.num:
            return Fraction(0)
        if len(self.num) == 1 and len(self.den) == 1 and ONE_M in self.num and ONE_M in self.den:
            return self.num[ONE_M] / self.den[ONE_M]
        return None

    def constant(self) -> bool:
        """No variables and no opaque atoms: a real constant (radicals, pi, e allowed)."""
        return not self.opaque and all(
            a.startswith(("r:", "c:")) for poly in (self.num, self.den) for m in poly for a, _ in m
        )

    def symbols(self) -> frozenset[str]:
        return frozenset(a for poly in (self.num, self.den) for m in poly for a, _ in m if a.startswith(("s:", "o:")))

    def key(self) -> str:
        """A canonical spelling (equal keys -> equal forms); the denominator made monic.

        >>> from rewardlab.verifiers.math.syntax import parse
        >>> build(parse(r"\\frac{x+1}{2}")).key(), build(parse("0")).key()
        ('1/2*s:x+1/2', '0')
        """
        num, den = self.num, self.den
        lead = den[max(den)] if den else Fraction(1)
        top = _poly_key({m: c / lead for m, c in num.items()})
        if len(den) == 1 and ONE_M in den:
            return top
        return f"({top})/({_poly_key({m: c / lead for m, c in den.items()})})"


def _poly_key(p: Poly) -> str:
    if not p:
        return "0"
    terms = []
    for m, c in sorted(p.items(), key=lambda t: (-len(t[0]), t[0])):
        atoms = "*".join(a if e == 1 else f"{a}^{e}" for a, e in m)
        if not atoms:
            terms.append(str(c))
        else:
            terms.append(atoms if c == 1 else f"{c}*{atoms}")
    return "+".join(terms)


def _form(num: Poly, den: Poly | None = None, *parts: Form) -> Form:
    den = den if den is not None else _const(1)
    if not den:
        raise ZeroDivisionError("division by zero")
    if len(den) == 1 and ONE_M in den and den[ONE_M] != 1:
        k = den[ONE_M]
        num, den = {m: c / k for m, c in num.items()}, _const(1)
    return Form(num, den, any(p.opaque for p in parts), any(p.decimal for p in parts))


def add(a: Form, b: Form, sign: int = 1) -> Form:
    if a.den == b.den:
        return _form(_add(a.num, b.num, sign), a.den, a, b)
    return _form(_add(_mul(a.num, b.den), _mul(b.num, a.den), sign), _mul(a.den, b.den), a, b)


def mul(a: Form, b: Form) -> Form:
    return _form(_mul(a.num, b.num), _mul(a.den, b.den), a, b)


def div(a: Form, b: Form) -> Form:
    if not b.num:
        raise ZeroDivisionError("division by zero")
    return _form(_mul(a.num, b.den), _mul(a.den, b.num), a, b)


def neg(a: Form) -> Form:
    return Form({m: -c for m, c in a.num.items()}, a.den, a.opaque, a.decimal)


def constant(c: Fraction | int, decimal: bool = False) -> Form:
    return Form(_const(c), _const(1), False, decimal)


def atom(name: str, opaque: bool = False) -> Form:
    return Form(_atom(name), _const(1), opaque)


def _ipow(a: Form, n: int) -> Form:
    if abs(n) > MAX_POWER and not (a.rational() is not None and abs(a.rational() or 0) in (0, 1)):  # type: ignore[operator]
        raise TooBig("power too large")
    if n < 0:
        if not a.num:
            raise ZeroDivisionError("zero to a negative power")
        a, n = Form(a.den, a.num, a.opaque, a.decimal), -n
    num, den = _const(1), _const(1)
    base_n, base_d = a.num, a.den
    while n:
        if n & 1:
            num, den = _mul(num, base_n), _mul(den, base_d)
        n >>= 1
        if n:
            base_n, base_d = _mul(base_n, base_n), _mul(base_d, base_d)
    return _form(num, den, a)


@lru_cache(maxsize=4096)
def _factor(n: int) -> tuple[tuple[int, int], ...]:
    if n > MAX_FACTOR:
        raise TooBig("radicand too large to factor")
    out = []
    p = 2
    while p * p <= n:
        if n % p == 0:
            k = 0
            while n % p == 0:
                n //= p
                k += 1
            out.append((p, k))
        p += 1 if p == 2 else 2
    if n > 1:
        out.append((n, 1))
    return tuple(out)


def _exact_root(n: int, k: int) -> int | None:
    """The integer ``k``-th root of ``n`` when ``n`` is a perfect ``k``-th power."""
    if n < 2:
        return n
    guess = round(n ** (1.0 / k)) if n.bit_length() < 1000 else None
    if guess is None:
        return None
    for r in (guess - 1, guess, guess + 1):
        if r > 0 and r**k == n:
            return r
    return None


def _radical(value: Fraction, exp: Fraction) -> Form:
    """``value ** exp`` for a positive rational ``value`` and a rational ``exp``."""
    if value <= 0:
        raise NotAlgebra("root of a non-positive number")
    num_root, den_root = _exact_root(value.numerator, exp.denominator), _exact_root(value.denominator, exp.denominator)
    if num_root is not None and den_root is not None:  # a perfect power: no factoring needed
        if abs(exp.numerator) > MAX_POWER:
            raise TooBig("power too large")
        return constant(Fraction(num_root, den_root) ** exp.numerator)
    coef = Fraction(1)
    mono: dict[str, Fraction] = {}
    for n, sign in ((value.numerator, 1), (value.denominator, -1)):
        for p, k in _factor(n):
            e = sign * k * exp
            whole = math.floor(e)
            if abs(whole) > MAX_POWER * 8:
                raise TooBig("power too large")
            coef *= Fraction(p) ** whole
            if e - whole:
                mono[f"r:{p}"] = e - whole
    return Form({tuple(sorted(mono.items())): coef}, _const(1))


def power(base: Form, exp: Form) -> Form:
    e = exp.rational()
    if e is not None and not exp.decimal:
        if e.denominator == 1:
            return _ipow(base, int(e))
        b = base.rational()
        if b is not None and b > 0:
            return _radical(b, e)
        if b == 0 and e > 0:
            return constant(0)
        if b is not None and b < 0:
            raise NotAlgebra("fractional power of a negative number")
        root = _variable_root(base, e)
        return root if root is not None else _opaque_power(base, exp)
    b = base.rational()
    if b is not None and b in (0, 1):
        return constant(b)
    # a symbolic exponent: split off its rational constant part (2^{x+1} = 2 * 2^{x})
    if base.constant() and exp.den == _const(1) and ONE_M in exp.num and not exp.decimal:
        c = exp.num[ONE_M]
        rest = Form({m: v for m, v in exp.num.items() if m != ONE_M}, exp.den, exp.opaque)
        return mul(power(base, constant(c)), _opaque_power(base, rest))
    return _opaque_power(base, exp)


def _variable_root(base: Form, e: Fraction) -> Form | None:
    """``x^{p/q}`` for a product of distinct variables to the first power (``\\sqrt[3]{x}^2 = x^{2/3}``).

    Marked opaque: equal spellings are proven equal, different ones are left to sympy.
    """
    if base.den != _const(1) or len(base.num) != 1:
        return None
    ((m, c),) = base.num.items()
    if c != 1 or not m or any(not a.startswith("s:") or x != 1 for a, x in m):
        return None
    return Form({tuple((a, e) for a, _ in m): Fraction(1)}, _const(1), True)


def _opaque_power(base: Form, exp: Form) -> Form:
    return atom(f"o:pow({base.key()},{exp.key()})", opaque=True)


def _opaque(name: str, args: tuple[Form, ...]) -> Form:
    return atom(f"o:{name}(" + ",".join(a.key() for a in args) + ")", opaque=True)


# ---- from a syntax tree -------------------------------------------------------------------------
_PI = "c:pi"
_E = "c:e"
_SYMBOLIC_FUNCTIONS = {"sin", "cos", "tan", "sec", "csc", "cot", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh"}


def build(node: Any) -> Form:
    """The exact form of a scalar syntax tree; :class:`NotAlgebra` for anything else."""
    tag = node[0]
    if tag == "num":
        return constant(node[1], node[2])
    if tag == "sym":
        return atom("s:" + node[1])
    if tag == "word":
        out = constant(1)
        for ch in node[1]:
            out = mul(out, atom("s:" + ch) if ch != "e" else atom(_E))
        return out
    if tag == "const":
        if node[1] == "pi":
            return atom(_PI)
        if node[1] == "e":
            return atom(_E)
        raise NotAlgebra("infinity is not a finite value")
    if tag == "add":
        out = build(node[1][0])
        for t in node[1][1:]:
            out = add(out, build(t))
        return out
    if tag == "neg":
        return neg(build(node[1]))
    if tag == "mul":
        out = build(node[1][0])
        for f in node[1][1:]:
            out = mul(out, build(f))
        return out
    if tag == "div":
        return div(build(node[1]), build(node[2]))
    if tag == "pow":
        if node[1] == ("const", "e"):
            return power(atom(_E), build(node[2]))
        return power(build(node[1]), build(node[2]))
    if tag == "fn":
        return _function(node[1], node[2])
    if tag == "pct":
        return div(build(node[1]), constant(100))
    raise NotAlgebra(f"{tag} is not a scalar")


def _function(name: str, args: tuple[Any, ...]) -> Form:
    if name == "sqrt":
        x = build(args[0])
        index = build(args[1]) if args[1] is not None else constant(2)
        k = index.rational()
        if k is None or k == 0:
            return _opaque("root", (x, index))
        return power(x, constant(1 / k))
    if name == "app":
        return _opaque("app:" + args[0], tuple(build(a) for a in args[1:]))
    forms = tuple(build(a) if a is not None else constant(0) for a in args)
    values = [f.rational() for f in forms]
    if name == "fact" and values[0] is not None and values[0].denominator == 1 and 0 <= values[0] <= 500:
        return constant(math.factorial(int(values[0])))
    if name == "binom" and all(v is not None and v.denominator == 1 for v in values):
        n, k = int(values[0]), int(values[1])  # type: ignore[arg-type]
        if 0 <= n <= 2000:
            return constant(math.comb(n, k) if k >= 0 else 0)
    if name == "abs":
        v = values[0]
        if v is not None:
            return constant(abs(v), forms[0].decimal)
        if forms[0].constant():
            sign = approx(forms[0])
            if sign is not None and sign != 0:
                return forms[0] if sign > 0 else neg(forms[0])
    if name == "log":
        exact = _log(forms[0], forms[1] if args[1] is not None else None)
        if exact is not None:
            return exact
        return _opaque("log", forms)
    if name == "exp":
        return power(atom(_E), forms[0])
    if name in _SYMBOLIC_FUNCTIONS or name in ("floor", "ceil", "gcd", "lcm", "max", "min", "det", "arg"):
        return _opaque(name, forms)
    return _opaque(name, forms)


def _log(x: Form, base: Form | None) -> Form | None:
    """``log_base x`` when it is rational (``\\log_2 8 = 3``, ``\\ln e^2 = 2``), else ``None``."""
    if base is None:
        return None
    xv, bv = x.rational(), base.rational()
    if xv == 1:
        return constant(0)
    if base.num == _atom(_E) and base.den == _const(1):
        if x.den == _const(1) and len(x.num) == 1:
            ((m, c),) = x.num.items()
            if c == 1 and len(m) == 1 and m[0][0] == _E:
                return constant(m[0][1])
        return None
    if xv is None or bv is None or xv <= 0 or bv <= 0 or bv == 1:
        return None
    try:
        fx, fb = dict(_factor(xv.numerator)), dict(_factor(bv.numerator))
        dx, db = dict(_factor(xv.denominator)), dict(_factor(bv.denominator))
    except TooBig:
        return None
    ratio: Fraction | None = None
    primes = set(fx) | set(fb) | set(dx) | set(db)
    for p in primes:
        ex = fx.get(p, 0) - dx.get(p, 0)
        eb = fb.get(p, 0) - db.get(p, 0)
        if eb == 0:
            if ex != 0:
                return None
            continue
        r = Fraction(ex, eb)
        if ratio is None:
            ratio = r
        elif r != ratio:
            return None
    return constant(ratio) if ratio is not None else None


# ---- comparison ---------------------------------------------------------------------------------
def same(a: Form, b: Form) -> bool | None:
    """``True``/``False`` when decided exactly; ``None`` when opaque atoms leave it open."""
    diff = _add(_mul(a.num, b.den), _mul(b.num, a.den), -1)
    if not diff:
        return True
    if a.opaque or b.opaque:
        return None
    return False


_PI_DIGITS = Decimal(
    "3.14159265358979323846264338327950288419716939937510582097494459230781640628620899862803482534211706798"
)


def approx(form: Form, digits: int = 50) -> Decimal | None:
    """A decimal value of a constant form (``None`` when it has variables or opaque atoms)."""
    if not form.constant():
        return None
    with localcontext() as ctx:
        ctx.prec = digits + 10
        e = Decimal(1).exp()

        def value(poly: Poly) -> Decimal:
            total = Decimal(0)
            for m, c in poly.items():
                term = Decimal(c.numerator) / Decimal(c.denominator)
                for a, x in m:
                    base = _PI_DIGITS if a == _PI else e if a == _E else Decimal(int(a[2:]))
                    if x.denominator == 1:
                        term *= base ** int(x)
                    else:
                        term *= base ** (Decimal(x.numerator) / Decimal(x.denominator))
                total += term
            return total

        den = value(form.den)
        if den == 0:
            return None
        return +(value(form.num) / den)
