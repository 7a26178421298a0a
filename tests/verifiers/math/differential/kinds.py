r"""Answer kinds: a value, the forms its reference is written in, equivalent and near-miss forms.

Each generator draws one value with ``rng`` and returns an :class:`Item`:

- ``refs``: forms the reference (the dataset's gold answer) may take;
- ``right``: forms of the *same* value a completion may give (equivalent by construction);
- ``wrong``: forms of a *different* value, close to the right one (a changed bracket, a sign,
  swapped components, a different radicand ...), each with the name of its near-miss class;
- ``lenient``: forms that rewardlab's documented strict policy refuses but its lenient mode pays
  (a decimal rounded to the digits written, a percentage read as a fraction).

The labels come from the construction, never from a tool: a right form is built from the same
exact value as the reference, a wrong form from a changed value.

>>> import random
>>> item = KINDS["interval"](random.Random(3))
>>> item.kind, len(item.refs) > 0, len(item.right) > 0, len(item.wrong) > 0
('interval', True, True, True)
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

from .render import Form, decimal, frac_slash, frac_tex, num, plain, tex, thousands

__all__ = ["KINDS", "Item"]


@dataclass(frozen=True)
class Item:
    kind: str
    refs: tuple[Form, ...]
    right: tuple[Form, ...]
    wrong: tuple[tuple[str, Form], ...]
    lenient: tuple[Form, ...] = field(default=())


Gen = Callable[[random.Random], Item]
KINDS: dict[str, Gen] = {}


def kind(name: str) -> Callable[[Gen], Gen]:
    def deco(fn: Gen) -> Gen:
        KINDS[name] = fn
        return fn

    return deco


def _nonzero(rng: random.Random, lo: int, hi: int) -> int:
    while True:
        v = rng.randint(lo, hi)
        if v != 0:
            return v


def _reverse_digits(n: int) -> int | None:
    s = str(abs(n))
    r = s[::-1].lstrip("0")
    if not r or r == s:
        return None
    return int(r) * (-1 if n < 0 else 1)


# ---- numbers ------------------------------------------------------------------------------------------
@kind("integer")
def integer(rng: random.Random) -> Item:
    n = rng.choice([rng.randint(0, 20), rng.randint(21, 999), -rng.randint(1, 99), rng.randint(100, 9999)])
    refs = [num(str(n), "integer")]
    right = [num(str(n), "integer"), num(f"{n}.0", "trailing_zero"), tex(rf"\mathbf{{{n}}}", "mathbf")]
    if n >= 1000:
        right += [num(thousands(n, ","), "thousands_comma"), tex(thousands(n, "{,}"), "thousands_brace")]
    if n < 0:
        right.append(tex(rf"-{abs(n)}", "minus"))
        right.append(tex(rf"\left({n}\right)", "parenthesised"))
    wrong = [("off_by_one", num(str(n + 1), "integer")), ("magnitude", num(str(n * 10 if n else 10), "integer"))]
    if n != 0:
        wrong.append(("sign", num(str(-n), "integer")))
    r = _reverse_digits(n)
    if r is not None:
        wrong.append(("digits_swapped", num(str(r), "integer")))
    wrong.append(("decimal_part", num(f"{n}.5", "decimal")))
    return Item("integer", tuple(refs), tuple(right), tuple(wrong))


@kind("decimal")
def decimal_kind(rng: random.Random) -> Item:
    places = rng.choice([1, 2, 2, 3])
    while True:
        x = Fraction(_nonzero(rng, -4000, 9000), 10**places)
        if x.denominator > 1 and decimal(x) is not None and (x.numerator % 10):
            break
    d = decimal(x)
    assert d is not None
    refs = [num(d, "decimal")]
    if x.denominator <= 20:
        refs.append(tex(frac_tex(x), "frac"))
    right = [num(d, "decimal"), num(d + "0", "trailing_zero"), tex(frac_tex(x), "frac"), num(frac_slash(x), "slash")]
    if 0 < x < 1:
        right.append(num(d[1:], "leading_dot"))
    if abs(x) > 1 and x.denominator <= 8:
        whole, rest = divmod(abs(x.numerator), x.denominator)
        sign = "-" if x < 0 else ""
        right.append(tex(rf"{sign}{whole}\frac{{{rest}}}{{{x.denominator}}}", "mixed_number"))
    wrong = [
        ("shifted_point", num(decimal(x * 10) or "", "decimal")),
        ("sign", num(decimal(-x) or "", "decimal")),
        ("last_digit", num(_same_places(x, d), "decimal")),
    ]
    swapped = d[::-1] if d[0] != "-" else None
    if swapped and swapped[0] != "." and swapped[-1] != "." and swapped != d:
        try:
            if Fraction(swapped) != x:
                wrong.append(("digits_swapped", num(swapped, "decimal")))
        except ValueError:
            pass
    # no lenient rounding here: a reference written as a decimal is exact (1.16 is not 1.159 in any mode)
    return Item("decimal", tuple(refs), tuple(right), tuple(wrong))


def _same_places(x: Fraction, d: str) -> str:
    """A decimal next to ``x`` written with as many places as ``d`` (86.85 -> 86.86, never 86.9:
    a shorter decimal could be ``x`` rounded, which lenient mode accepts)."""
    places = len(d.split(".")[1])
    for step in (1, -1, 2):
        other = decimal(x + Fraction(step, 10**places)) or ""
        if "." in other and len(other.split(".")[1]) == places:
            return other
    raise AssertionError(f"no neighbour of {d} with {places} places")


@kind("fraction")
def fraction(rng: random.Random) -> Item:
    while True:
        x = Fraction(_nonzero(rng, -30, 40), rng.randint(2, 15))
        if x.denominator > 1:
            break
    p, q = x.numerator, x.denominator
    refs = [tex(frac_tex(x), "frac"), num(frac_slash(x), "slash")]
    right = [
        tex(frac_tex(x), "frac"),
        tex(frac_tex(x, r"\dfrac"), "dfrac"),
        tex(frac_tex(x, r"\tfrac"), "tfrac"),
        num(frac_slash(x), "slash"),
    ]
    # an unreduced fraction: same value, written with a common factor (built by hand, Fraction reduces)
    k = rng.choice([2, 3, 4])
    sign = "-" if p < 0 else ""
    right.append(tex(rf"{sign}\frac{{{abs(p) * k}}}{{{q * k}}}", "unreduced"))
    if abs(p) < 10 and q < 10:
        right.append(tex(rf"{sign}\frac{abs(p)}{q}", "frac_no_braces"))
    if p < 0:
        right.append(tex(frac_tex(x, sign="num"), "frac_neg_numerator"))
        right.append(tex(rf"\frac{{{abs(p)}}}{{-{q}}}", "frac_neg_denominator"))
    d = decimal(x)
    if d is not None:
        right.append(num(d, "decimal"))
    if abs(x) > 1:
        whole, rest = divmod(abs(p), q)
        right.append(tex(rf"{sign}{whole}\frac{{{rest}}}{{{q}}}", "mixed_number"))
    wrong = [
        ("reciprocal", tex(frac_tex(1 / x), "frac")),
        ("numerator_changed", tex(frac_tex(Fraction(p + 1, q)), "frac")),
        ("denominator_changed", tex(frac_tex(Fraction(p, q + 1)), "frac")),
        ("sign", tex(frac_tex(-x), "frac")),
    ]
    if abs(p) != 1 and q != 1:
        wrong.append(("digit_swap", num(f"{q}/{p}" if p > 0 else f"-{q}/{abs(p)}", "slash")))
    wrong = [(c, f) for c, f in wrong if f.text not in {r.text for r in right}]
    lenient = []
    if d is None:
        # two significant digits at least: lenient mode does not take 0.07 for 1/14
        places = 2 if abs(x) >= Fraction(1, 10) else 3
        lenient.append(num(f"{round(float(x), places):.{places}f}", "rounded"))
    return Item("fraction", tuple(refs), tuple(right), tuple(wrong), tuple(lenient))


SQUAREFREE = (2, 3, 5, 6, 7, 10, 11, 13, 15)


@kind("radical")
def radical(rng: random.Random) -> Item:
    b = rng.choice(SQUAREFREE)
    a = rng.randint(1, 9)
    c = rng.choice([1, 1, 2, 3, 4, 5])
    while c > 1 and a % c == 0:
        a += 1
    coef = "" if a == 1 else str(a)
    core = rf"{coef}\sqrt{{{b}}}"
    inside = a * a * b
    refs = [tex(core if c == 1 else rf"\frac{{{core}}}{{{c}}}", "sqrt")]
    right: list[Form] = []
    if c == 1:
        right += [
            tex(core, "sqrt"),
            tex(rf"\sqrt{{{inside}}}", "unsimplified"),
            plain(f"{coef + '*' if coef else ''}sqrt({b})", "ascii"),
            plain(f"{coef}√{b}", "unicode"),
        ]
        if b < 10:
            right.append(tex(rf"{coef}\sqrt{b}", "sqrt_no_braces"))
        if a > 1:
            right.append(tex(rf"{a}\cdot\sqrt{{{b}}}", "cdot"))
            right.append(tex(rf"\sqrt{{{b}}}\,{a}", "coefficient_after"))
        wrong = [
            ("radicand", tex(rf"{coef}\sqrt{{{b + 1 if b + 1 not in (4, 9) else b + 2}}}", "sqrt")),
            ("coefficient", tex(rf"{a + 1}\sqrt{{{b}}}", "sqrt")),
            ("cube_root", tex(rf"{coef}\sqrt[3]{{{b}}}", "sqrt")),
            ("sign", tex(rf"-{core}", "sqrt")),
            ("dropped_root", num(str(a * b) if a > 1 else str(b), "integer")),
        ]
        if a > 1 and a != b:
            wrong.append(("swapped", tex(rf"{b}\sqrt{{{a}}}", "sqrt")))
    else:
        right += [
            tex(rf"\frac{{{core}}}{{{c}}}", "sqrt"),
            tex(rf"\dfrac{{{core}}}{{{c}}}", "dfrac"),
            tex(rf"\frac{{{a}}}{{{c}}}\sqrt{{{b}}}", "coefficient_fraction"),
            tex(rf"\frac{{{a * b}}}{{{c}\sqrt{{{b}}}}}", "unrationalised"),
            plain(f"{coef + '*' if coef else ''}sqrt({b})/{c}", "ascii"),
            tex(rf"\frac{{\sqrt{{{inside}}}}}{{{c}}}", "unsimplified"),
        ]
        wrong = [
            ("radicand", tex(rf"\frac{{{coef}\sqrt{{{b + 1 if b + 1 not in (4, 9) else b + 2}}}}}{{{c}}}", "sqrt")),
            ("denominator", tex(rf"\frac{{{core}}}{{{c + 1}}}", "sqrt")),
            ("inverted", tex(rf"\frac{{{c}}}{{{core}}}", "sqrt")),
            ("sign", tex(rf"-\frac{{{core}}}{{{c}}}", "sqrt")),
        ]
    return Item("radical", tuple(refs), tuple(right), tuple(wrong))


@kind("surd_sum")
def surd_sum(rng: random.Random) -> Item:
    """``(p + q sqrt(b)) / c``, like the golden ratio."""
    p = _nonzero(rng, -5, 5)
    qq = rng.randint(1, 4)
    b = rng.choice((2, 3, 5, 7))
    c = rng.choice([2, 2, 3, 4])
    while p % c == 0 and qq % c == 0:
        c += 1
    q_s = "" if qq == 1 else str(qq)
    ref = rf"\frac{{{p}+{q_s}\sqrt{{{b}}}}}{{{c}}}"
    right = [
        tex(ref, "frac"),
        tex(rf"\frac{{{q_s}\sqrt{{{b}}}{'+' if p > 0 else '-'}{abs(p)}}}{{{c}}}", "terms_swapped"),
        tex(rf"\frac{{{p}}}{{{c}}}+\frac{{{q_s}\sqrt{{{b}}}}}{{{c}}}", "split"),
        plain(f"({p}+{q_s + '*' if q_s else ''}sqrt({b}))/{c}", "ascii"),
        tex(rf"\dfrac{{{p} + {q_s}\sqrt{{{b}}}}}{{{c}}}", "dfrac_spaced"),
    ]
    wrong = [
        ("conjugate", tex(rf"\frac{{{p}-{q_s}\sqrt{{{b}}}}}{{{c}}}", "frac")),
        ("denominator", tex(rf"\frac{{{p}+{q_s}\sqrt{{{b}}}}}{{{2 * c}}}", "frac")),
        ("dropped_denominator", tex(rf"{p}+{q_s}\sqrt{{{b}}}", "sum")),
        ("radicand", tex(rf"\frac{{{p}+{q_s}\sqrt{{{b + 1 if b != 3 else 6}}}}}{{{c}}}", "frac")),
        ("rounded_integer", num(str(round((p + qq * b**0.5) / c)), "integer")),
    ]
    return Item("surd_sum", (tex(ref, "frac"),), tuple(right), tuple(wrong))


@kind("pi")
def pi(rng: random.Random) -> Item:
    k = _nonzero(rng, 1, 12)
    m = rng.choice([1, 2, 3, 4, 6, 3, 5])
    x = Fraction(k, m)
    k, m = x.numerator, x.denominator
    kk = "" if k == 1 else str(k)
    if m == 1:
        ref = rf"{kk}\pi"
        right = [tex(ref, "pi"), tex(rf"{kk} \pi", "spaced"), plain(f"{kk}π", "unicode")]
        if k > 1:
            right += [tex(rf"\pi \cdot {k}", "pi_first"), plain(f"{k}*pi", "ascii")]
    else:
        ref = rf"\frac{{{kk}\pi}}{{{m}}}"
        right = [
            tex(ref, "pi"),
            tex(rf"\frac{{{k}}}{{{m}}}\pi", "coefficient_fraction"),
            tex(rf"{kk}\pi/{m}", "slash"),
            tex(rf"\dfrac{{{kk}\pi}}{{{m}}}", "dfrac"),
            plain(f"{kk + '*' if kk else ''}pi/{m}", "ascii"),
            plain(f"{kk}π/{m}", "unicode"),
        ]
    wrong = [
        ("dropped_pi", tex(frac_tex(x), "frac") if m > 1 else num(str(k), "integer")),
        ("halved", tex(rf"\frac{{{kk}\pi}}{{{2 * m}}}", "pi")),
        ("squared_pi", tex(rf"\frac{{{kk}\pi^2}}{{{m}}}" if m > 1 else rf"{kk}\pi^2", "pi")),
        ("sign", tex("-" + ref, "pi")),
    ]
    if m > 1 and k != m:
        wrong.append(("inverted", tex(rf"\frac{{{'' if m == 1 else m}\pi}}{{{k}}}" if k > 1 else rf"{m}\pi", "pi")))
    return Item("pi", (tex(ref, "pi"),), tuple(right), tuple(wrong))


@kind("power")
def power(rng: random.Random) -> Item:
    base = rng.choice([2, 2, 3, 5, 7, 10])
    exp = rng.randint(3, 12 if base == 2 else 6)
    value = base**exp
    ref = rf"{base}^{{{exp}}}"
    right = [tex(ref, "power"), num(str(value), "evaluated"), plain(f"{base}^({exp})", "ascii")]
    lenient: list[Form] = []
    if exp % 2 == 0:
        # 10^{6} is a number literal (scientific notation): strict mode refuses an unevaluated power for it
        (lenient if base == 10 else right).append(tex(rf"{base * base}^{{{exp // 2}}}", "rebased"))
        (lenient if base == 10 else right).append(tex(rf"({base}^{{{exp // 2}}})^2", "nested"))
    if value >= 1000:
        right.append(num(thousands(value, ","), "thousands_comma"))
    wrong = [
        ("exponent", tex(rf"{base}^{{{exp - 1}}}", "power")),
        ("exponent_up", tex(rf"{base}^{{{exp + 1}}}", "power")),
        ("swapped", tex(rf"{exp}^{{{base}}}", "power")),
        ("product", num(str(base * exp), "integer")),
        ("off_by_one", num(str(value - 1), "integer")),
    ]
    wrong = [(c, f) for c, f in wrong if f.text != str(value) and not (c == "swapped" and exp**base == value)]
    # (a reference "1024" against a completion "2^{10}" is left out: strict mode refuses an unevaluated
    # expression for a number reference by design)
    return Item("power", (tex(ref, "power"),), tuple(right), tuple(wrong), tuple(lenient))


@kind("complex")
def complex_kind(rng: random.Random) -> Item:
    """``a + bi``: the imaginary unit is no variable."""
    a = _nonzero(rng, -9, 9)
    b = _nonzero(rng, -9, 9)
    bi = "i" if b == 1 else ("-i" if b == -1 else f"{b}i")
    ref = f"{a}{'' if b < 0 else '+'}{bi}"
    right = [
        tex(ref, "cartesian"),
        tex(f"{bi}{_signed(a)}", "terms_swapped"),
        tex(f"{a} {'-' if b < 0 else '+'} {abs(b) if abs(b) != 1 else ''}i", "spaced"),
        plain(f"{a}{'-' if b < 0 else '+'}{abs(b)}*i", "ascii"),
    ]
    wrong = [
        ("conjugate", tex(f"{a}{'+' if b < 0 else '-'}{abs(b) if abs(b) != 1 else ''}i", "cartesian")),
        ("real_part", tex(f"{a + 1}{'' if b < 0 else '+'}{bi}", "cartesian")),
        ("dropped_i", num(str(a + b), "integer")),
    ]
    if a != b:
        wrong.append(("swapped", tex(f"{b}{_signed(a)}i", "cartesian")))
    return Item("complex", (tex(ref, "cartesian"),), tuple(right), tuple(wrong))


@kind("logarithm")
def logarithm(rng: random.Random) -> Item:
    r"""``\log_b x`` with no closed form: change of base and log rules."""
    base = rng.choice([2, 3, 5, 10])
    x = rng.choice([v for v in (3, 5, 6, 7, 11, 12, 15) if v != base])
    ref = rf"\log_{{{base}}} {x}"
    right = [
        tex(ref, "log"),
        tex(rf"\log_{base} {x}" if base < 10 else rf"\log_{{10}}({x})", "log_short"),
        tex(rf"\frac{{\ln {x}}}{{\ln {base}}}", "change_of_base"),
        tex(rf"\dfrac{{\log {x}}}{{\log {base}}}", "change_of_base_log"),
    ]
    wrong = [
        ("base_swapped", tex(rf"\log_{{{x}}} {base}", "log")),
        ("argument", tex(rf"\log_{{{base}}} {x + 1}", "log")),
        ("natural_log", tex(rf"\ln {x}", "log")),
        ("inverted_ratio", tex(rf"\frac{{\ln {base}}}{{\ln {x}}}", "change_of_base")),
    ]
    return Item("logarithm", (tex(ref, "log"),), tuple(right), tuple(wrong))


# ---- expressions ----------------------------------------------------------------------------------------
def _lin(a: int, v: str) -> str:
    """``a*v`` in LaTeX: ``v``, ``-v``, ``3v``."""
    return v if a == 1 else ("-" + v if a == -1 else f"{a}{v}")


def _signed(c: int) -> str:
    return f"+{c}" if c >= 0 else f"-{-c}"


@kind("expression")
def expression(rng: random.Random) -> Item:
    v = rng.choice(["x", "t", "n", "a"])
    a = _nonzero(rng, -6, 6)
    b = _nonzero(rng, -6, 6)
    choice = rng.randrange(9)
    if choice == 0:  # (v+a)^2
        ref = rf"({v}{_signed(a)})^2"
        right = [
            tex(ref, "factored"),
            tex(rf"{v}^2{_signed(2 * a)}{v}{_signed(a * a)}", "expanded"),
            tex(rf"({_signed(a).lstrip('+')}+{v})^2" if a > 0 else rf"({a}+{v})^2", "terms_swapped"),
            plain(f"{v}^2 {'+' if a > 0 else '-'} {abs(2 * a)}*{v} + {a * a}", "ascii"),
        ]
        wrong = [
            ("middle_term", tex(rf"{v}^2{_signed(a)}{v}{_signed(a * a)}", "expanded")),
            ("sign", tex(rf"({v}{_signed(-a)})^2", "factored")),
            ("constant", tex(rf"{v}^2{_signed(2 * a)}{v}{_signed(-a * a)}", "expanded")),
        ]
    elif choice == 1:  # (v+a)(v+b)
        ref = rf"({v}{_signed(a)})({v}{_signed(b)})"
        right = [
            tex(ref, "factored"),
            tex(rf"({v}{_signed(b)})({v}{_signed(a)})", "factors_swapped"),
            tex(rf"{v}^2{_signed(a + b)}{v}{_signed(a * b)}".replace("+0" + v, "").replace("-0" + v, ""), "expanded"),
            plain(f"({v}{_signed(a)})*({v}{_signed(b)})", "ascii"),
        ]
        wrong = [
            ("sign", tex(rf"({v}{_signed(-a)})({v}{_signed(b)})", "factored")),
            ("constant", tex(rf"{v}^2{_signed(a + b)}{v}{_signed(a * b + 1)}".replace("+0" + v, ""), "expanded")),
        ]
        if a not in (1, b):
            wrong.append(("swapped_coefficients", tex(rf"({a}{v}{_signed(b)})({v}{_signed(a)})", "factored")))
    elif choice == 2:  # sum of cubes
        p, q = rng.choice([("a", "b"), ("x", "y"), ("u", "v")])
        ref = rf"{p}^3+{q}^3"
        right = [
            tex(ref, "expanded"),
            tex(rf"({p}+{q})({p}^2-{p}{q}+{q}^2)", "factored"),
            tex(rf"{q}^3+{p}^3", "terms_swapped"),
            plain(f"({p}+{q})*({p}^2-{p}*{q}+{q}^2)", "ascii"),
        ]
        wrong = [
            ("sign", tex(rf"({p}-{q})({p}^2+{p}{q}+{q}^2)", "factored")),
            ("middle_term", tex(rf"({p}+{q})({p}^2+{p}{q}+{q}^2)", "factored")),
            ("power", tex(rf"{p}^2+{q}^2", "expanded")),
        ]
    elif choice == 3:  # triangular numbers
        ref = rf"\frac{{{v}({v}+1)}}{{2}}"
        right = [
            tex(ref, "frac"),
            tex(rf"\frac{{{v}^2+{v}}}{{2}}", "expanded"),
            tex(rf"\frac{{1}}{{2}}{v}({v}+1)", "coefficient"),
            plain(f"{v}({v}+1)/2", "ascii"),
            plain(f"{v}*({v}+1)/2", "ascii_star"),
            tex(rf"\binom{{{v}+1}}{{2}}", "binomial"),
        ]
        wrong = [
            ("sign", tex(rf"\frac{{{v}({v}-1)}}{{2}}", "frac")),
            ("dropped_denominator", tex(rf"{v}({v}+1)", "product")),
            ("denominator", tex(rf"\frac{{{v}({v}+1)}}{{4}}", "frac")),
        ]
    elif choice == 4:  # sum of squares
        ref = rf"\frac{{{v}({v}+1)(2{v}+1)}}{{6}}"
        right = [
            tex(ref, "frac"),
            plain(f"{v}*({v}+1)*(2*{v}+1)/6", "ascii"),
            tex(rf"\frac{{2{v}^3+3{v}^2+{v}}}{{6}}", "expanded"),
            tex(rf"\frac{{{v}^3}}{{3}}+\frac{{{v}^2}}{{2}}+\frac{{{v}}}{{6}}", "split"),
        ]
        wrong = [
            ("sign", tex(rf"\frac{{{v}({v}+1)(2{v}-1)}}{{6}}", "frac")),
            ("denominator", tex(rf"\frac{{{v}({v}+1)(2{v}+1)}}{{3}}", "frac")),
            ("squared_triangular", tex(rf"\left(\frac{{{v}({v}+1)}}{{2}}\right)^2", "frac")),
        ]
    elif choice == 5:  # 2^{v-1} / 2^{v+1}
        s = rng.choice([-1, 1])
        e = f"{v}{_signed(s)}"
        ref = rf"2^{{{e}}}"
        right = [
            tex(ref, "power"),
            plain(f"2^({e})", "ascii"),
            tex(rf"\frac{{2^{v}}}{{2}}" if s < 0 else rf"2\cdot 2^{{{v}}}", "rewritten"),
        ]
        wrong = [
            ("exponent_sign", tex(rf"2^{{{v}{_signed(-s)}}}", "power")),
            ("precedence", tex(rf"2^{v}{_signed(s)}", "power")),
            ("base", tex(rf"{v}^{{2}}{_signed(s)}", "power")),
        ]
    elif choice == 6:  # double factorial quotient
        ref = rf"\frac{{(2{v})!}}{{2^{v} {v}!}}"
        right = [
            tex(ref, "frac"),
            plain(f"(2{v})!/(2^{v}*{v}!)", "ascii"),
            tex(rf"\frac{{(2{v})!}}{{2^{{{v}}}\cdot {v}!}}", "cdot"),
        ]
        wrong = [
            ("dropped_power", tex(rf"\frac{{(2{v})!}}{{{v}!}}", "frac")),
            ("factorial_moved", tex(rf"\frac{{2{v}!}}{{2^{v} {v}!}}", "frac")),
        ]
    elif choice == 7:  # linear
        ref = rf"{_lin(a, v)}{_signed(b)}"
        right = [
            tex(ref, "linear"),
            tex(rf"{b}{'+' if a > 0 else '-'}{_lin(abs(a), v)}", "terms_swapped"),
            plain(f"{a}*{v} {'+' if b > 0 else '-'} {abs(b)}", "ascii"),
        ]
        wrong = [
            ("constant_sign", tex(rf"{_lin(a, v)}{_signed(-b)}", "linear")),
            ("coefficient_sign", tex(rf"{_lin(-a, v)}{_signed(b)}", "linear")),
        ]
        if a != b:
            wrong.append(("swapped_coefficients", tex(rf"{_lin(b, v)}{_signed(a)}", "linear")))
    else:  # rational function
        c = abs(a)
        ref = rf"\frac{{{v}+{c}}}{{{v}-{c}}}"
        right = [
            tex(ref, "frac"),
            plain(f"({v}+{c})/({v}-{c})", "ascii"),
            tex(rf"1+\frac{{{2 * c}}}{{{v}-{c}}}", "partial_fraction"),
            tex(rf"\frac{{-{v}-{c}}}{{{c}-{v}}}", "negated_both"),
        ]
        wrong = [
            ("inverted", tex(rf"\frac{{{v}-{c}}}{{{v}+{c}}}", "frac")),
            ("denominator", tex(rf"\frac{{{v}+{c}}}{{{v}+{c + 1}}}", "frac")),
        ]
    return Item("expression", (tex(ref, "ref"),), tuple(right), tuple(wrong))


# ---- intervals, ranges, sets, tuples, matrices --------------------------------------------------------------
def _endpoint(rng: random.Random) -> Fraction:
    return Fraction(rng.randint(-9, 9), rng.choice([1, 1, 1, 2, 3]))


def _end_forms(x: Fraction) -> list[str]:
    out = [frac_tex(x)]
    if x.denominator > 1:
        out.append(frac_slash(x))
        d = decimal(x)
        if d:
            out.append(d)
    return out


BRACKETS = {True: ("[", "]"), False: ("(", ")")}


def _interval(lo: str, hi: str, lc: bool, rc: bool, sep: str = ",") -> str:
    return f"{BRACKETS[lc][0]}{lo}{sep}{hi}{BRACKETS[rc][1]}"


def _rel(closed: bool, style: str = "le") -> str:
    if not closed:
        return "<"
    return {"le": r"\le", "leq": r"\leq", "unicode": "≤"}[style]


def _grel(closed: bool) -> str:
    return r"\ge" if closed else ">"


@kind("interval")
def interval(rng: random.Random) -> Item:
    v = rng.choice(["x", "x", "t", "y"])
    shape = rng.choice(["finite", "finite", "left_inf", "right_inf"])
    if shape == "finite":
        lo, hi = sorted(rng.sample(range(-9, 10), 2))
        a, b = Fraction(lo, rng.choice([1, 1, 2])), Fraction(hi)
        if a >= b:
            a = Fraction(lo)
        lc, rc = rng.random() < 0.5, rng.random() < 0.5
        la, lb = frac_tex(a), frac_tex(b)
        ref = _interval(la, lb, lc, rc)
        right = [
            tex(ref, "interval"),
            tex(_interval(la, lb, lc, rc, ", "), "spaced"),
            tex(rf"\left{BRACKETS[lc][0]}{la},{lb}\right{BRACKETS[rc][1]}", "left_right"),
            tex(rf"{v} \in {ref}", "membership"),
            tex(rf"{la} {_rel(lc)} {v} {_rel(rc)} {lb}", "inequality"),
            tex(rf"{la}{_rel(lc, 'leq')}{v}{_rel(rc, 'leq')}{lb}", "inequality_leq"),
        ]
        if a.denominator > 1:
            right.append(tex(_interval(frac_slash(a), lb, lc, rc), "slash_endpoint"))
            if decimal(a):
                right.append(tex(_interval(decimal(a) or "", lb, lc, rc), "decimal_endpoint"))
        if (lc and rc) or (not lc and not rc):
            right.append(plain(f"{_interval(frac_slash(a), frac_slash(b), lc, rc, ', ')}", "plain"))
        wrong = [
            ("right_bracket", tex(_interval(la, lb, lc, not rc), "interval")),
            ("left_bracket", tex(_interval(la, lb, not lc, rc), "interval")),
            ("endpoint", tex(_interval(la, frac_tex(b + 1), lc, rc), "interval")),
            ("endpoint_sign", tex(_interval(frac_tex(-a), lb, lc, rc), "interval") if a != 0 and -a < b else None),
            ("inequality_strictness", tex(rf"{la} {_rel(not lc)} {v} {_rel(rc)} {lb}", "inequality")),
            ("swapped_endpoints", tex(_interval(lb, la, lc, rc), "interval")),
        ]
    else:
        e = _endpoint(rng)
        c = rng.random() < 0.5
        le = frac_tex(e)
        if shape == "left_inf":
            ref = rf"(-\infty,{le}{BRACKETS[c][1]}"
            rel = r"\le" if c else "<"
            right = [
                tex(ref, "interval"),
                tex(rf"(-\infty, {le}{BRACKETS[c][1]}", "spaced"),
                tex(rf"\left(-\infty,{le}\right{BRACKETS[c][1]}", "left_right"),
                tex(rf"{v} {rel} {le}", "inequality"),
                tex(rf"{v} \in (-\infty, {le}{BRACKETS[c][1]}", "membership"),
                plain(f"(-∞, {frac_slash(e)}{BRACKETS[c][1]}", "unicode"),
                plain(f"(-inf, {frac_slash(e)}{BRACKETS[c][1]}", "ascii_inf"),
            ]
            wrong = [
                ("right_bracket", tex(rf"(-\infty,{le}{BRACKETS[not c][1]}", "interval")),
                ("endpoint", tex(rf"(-\infty,{frac_tex(e + 1)}{BRACKETS[c][1]}", "interval")),
                ("direction", tex(rf"{BRACKETS[c][0]}{le},\infty)", "interval")),
                ("inequality_strictness", tex(rf"{v} {_rel(not c)} {le}", "inequality")),
                ("endpoint_sign", tex(rf"(-\infty,{frac_tex(-e)}{BRACKETS[c][1]}", "interval") if e else None),
            ]
        else:
            ref = rf"{BRACKETS[c][0]}{le},\infty)"
            rel = _grel(c)
            right = [
                tex(ref, "interval"),
                tex(rf"{BRACKETS[c][0]}{le}, +\infty)", "plus_infinity"),
                tex(r"\left" + BRACKETS[c][0] + rf"{le},\infty\right)", "left_right"),
                tex(rf"{v} {rel} {le}", "inequality"),
                tex(rf"{le} {_rel(c)} {v}", "inequality_reversed"),
                plain(f"{BRACKETS[c][0]}{frac_slash(e)}, ∞)", "unicode"),
                plain(f"{BRACKETS[c][0]}{frac_slash(e)}, infinity)", "ascii_inf"),
            ]
            wrong = [
                ("left_bracket", tex(rf"{BRACKETS[not c][0]}{le},\infty)", "interval")),
                ("endpoint", tex(rf"{BRACKETS[c][0]}{frac_tex(e - 1)},\infty)", "interval")),
                ("direction", tex(rf"(-\infty,{le}{BRACKETS[c][1]}", "interval")),
                ("inequality_strictness", tex(rf"{v} {_grel(not c)} {le}", "inequality")),
                ("infinity_sign", tex(rf"{BRACKETS[c][0]}{le},-\infty)", "interval")),
            ]
    refs = [tex(ref, "interval")]
    return Item("interval", tuple(refs), tuple(right), tuple((k, f) for k, f in wrong if f is not None))


@kind("union")
def union(rng: random.Random) -> Item:
    a, b = sorted(rng.sample(range(-9, 10), 2))
    ca, cb = rng.random() < 0.5, rng.random() < 0.5
    left = rf"(-\infty,{a}{BRACKETS[ca][1]}"
    right_part = rf"{BRACKETS[cb][0]}{b},\infty)"
    ref = rf"{left}\cup{right_part}"
    v = rng.choice(["x", "x", "t"])
    right = [
        tex(ref, "union"),
        tex(rf"{left} \cup {right_part}", "spaced"),
        tex(rf"{right_part}\cup{left}", "swapped_order"),
        tex(rf"(-\infty, {a}{BRACKETS[ca][1]} \cup {BRACKETS[cb][0]}{b}, +\infty)", "plus_infinity"),
        tex(rf"{v} \in {ref}", "membership"),
        plain(f"(-inf, {a}{BRACKETS[ca][1]} U {BRACKETS[cb][0]}{b}, inf)", "ascii_u"),
        tex(rf"\mathbb{{R}}\setminus{BRACKETS[not ca][0]}{a},{b}{BRACKETS[not cb][1]}", "complement"),
    ]
    wrong = [
        ("one_bracket", tex(rf"(-\infty,{a}{BRACKETS[not ca][1]}\cup{right_part}", "union")),
        ("other_bracket", tex(rf"{left}\cup{BRACKETS[not cb][0]}{b},\infty)", "union")),
        ("intersection", tex(rf"{left}\cap{right_part}", "intersection")),
        ("endpoint", tex(rf"(-\infty,{a - 1}{BRACKETS[ca][1]}\cup{right_part}", "union")),
        ("complement_of_it", tex(_interval(str(a), str(b), not ca, not cb), "interval")),
    ]
    return Item("union", (tex(ref, "union"),), tuple(right), tuple(wrong))


@kind("inequality")
def inequality(rng: random.Random) -> Item:
    """The reference *is* a relation: ``x > 3``; equivalent relations and intervals."""
    v = rng.choice(["x", "x", "k", "m"])
    e = rng.randint(-9, 9)
    op = rng.choice([">", "<", r"\ge", r"\le"])
    flip = {">": "<", "<": ">", r"\ge": r"\le", r"\le": r"\ge"}
    strict_twin = {">": r"\ge", "<": r"\le", r"\ge": ">", r"\le": "<"}
    geq_word = {r"\ge": r"\geq", r"\le": r"\leq", ">": ">", "<": "<"}
    ascii_op = {r"\ge": ">=", r"\le": "<=", ">": ">", "<": "<"}
    ref = rf"{v} {op} {e}"
    up = op in (">", r"\ge")
    closed = op in (r"\ge", r"\le")
    ivl = rf"{BRACKETS[closed][0]}{e},\infty)" if up else rf"(-\infty,{e}{BRACKETS[closed][1]}"
    right = [
        tex(ref, "relation"),
        tex(rf"{v}{geq_word[op]}{e}", "geq_word"),
        tex(rf"{e} {flip[op]} {v}", "reversed"),
        plain(f"{v} {ascii_op[op]} {e}", "ascii"),
        tex(ivl, "interval"),
        tex(rf"{v} \in {ivl}", "membership"),
    ]
    wrong = [
        ("strictness", tex(rf"{v} {strict_twin[op]} {e}", "relation")),
        ("direction", tex(rf"{v} {flip[op]} {e}", "relation")),
        ("bound", tex(rf"{v} {op} {e + rng.choice([1, -1])}", "relation")),
        ("bound_as_value", num(str(e), "integer")),
    ]
    if e:
        wrong.append(("sign", tex(rf"{v} {op} {-e}", "relation")))
    return Item("inequality", (tex(ref, "relation"),), tuple(right), tuple(wrong))


def _elements(rng: random.Random, n: int) -> list[Fraction]:
    pool = list(range(-9, 13))
    vals = [Fraction(x) for x in rng.sample(pool, n)]
    if rng.random() < 0.3:
        vals[rng.randrange(n)] = Fraction(rng.choice([1, 3, 5, -1]), rng.choice([2, 4]))
    return sorted(set(vals))


@kind("set")
def set_kind(rng: random.Random) -> Item:
    vals = _elements(rng, rng.randint(2, 4))
    while len(vals) < 2:
        vals = _elements(rng, 3)
    texs = [frac_tex(x) for x in vals]
    shuffled = texs[:]
    while shuffled == texs:
        rng.shuffle(shuffled)
    ref_set = r"\{" + ",".join(texs) + r"\}"
    ref_list = ", ".join(texs)
    right = [
        tex(ref_set, "braces"),
        tex(r"\{" + ", ".join(shuffled) + r"\}", "permuted"),
        tex(r"\left\{" + ", ".join(texs) + r"\right\}", "left_right"),
        tex(", ".join(shuffled), "list_permuted"),
        tex(", ".join(_alt(x) for x in vals), "other_number_forms"),
    ]
    changed = vals[:]
    i = rng.randrange(len(vals))
    changed[i] = -changed[i] if changed[i] != 0 and -changed[i] not in vals else changed[i] + 20
    extra = max(vals) + 1
    wrong = [
        ("missing_element", tex(r"\{" + ",".join(texs[:-1]) + r"\}", "braces")),
        ("extra_element", tex(r"\{" + ",".join([*texs, frac_tex(extra)]) + r"\}", "braces")),
        ("changed_element", tex(r"\{" + ",".join(frac_tex(x) for x in changed) + r"\}", "braces")),
        ("list_missing_element", tex(", ".join(shuffled[:-1]), "list")),
    ]
    refs = (tex(ref_set, "braces"), tex(ref_list, "list"))
    return Item("set", refs, tuple(right), tuple(wrong))


def _alt(x: Fraction) -> str:
    """Another literal of the same number: a decimal or a slash fraction when there is one."""
    if x.denominator == 1:
        return str(x.numerator)
    return decimal(x) or frac_slash(x)


@kind("tuple")
def tuple_kind(rng: random.Random) -> Item:
    n = rng.choice([2, 2, 3])
    vals = [Fraction(v, rng.choice([1, 1, 1, 2])) for v in rng.sample(range(-9, 10), n)]
    while len(set(vals)) < n:
        vals = [Fraction(v) for v in rng.sample(range(-9, 10), n)]
    texs = [frac_tex(x) for x in vals]
    ref = "(" + ",".join(texs) + ")"
    right = [
        tex(ref, "tuple"),
        tex("(" + ", ".join(texs) + ")", "spaced"),
        tex(r"\left(" + ", ".join(texs) + r"\right)", "left_right"),
        tex("(" + ", ".join(_alt(x) for x in vals) + ")", "other_number_forms"),
    ]
    if n == 2:
        right.append(tex(rf"(x, y) = {ref}", "named"))
    swapped = texs[::-1] if n == 2 else [texs[1], texs[0], texs[2]]
    changed = vals[:]
    j = rng.randrange(n)
    changed[j] = -changed[j] if changed[j] != 0 else Fraction(1)
    wrong = [
        ("swapped", tex("(" + ",".join(swapped) + ")", "tuple")),
        ("sign", tex("(" + ",".join(frac_tex(x) for x in changed) + ")", "tuple")),
        ("missing_component", tex("(" + ",".join(texs[:-1]) + ")", "tuple") if n == 3 else None),
        ("extra_component", tex("(" + ",".join([*texs, "0"]) + ")", "tuple") if n == 2 else None),
        ("as_set", tex(r"\{" + ",".join(swapped) + r"\}", "set")),
    ]
    return Item("tuple", (tex(ref, "tuple"),), tuple(right), tuple((k, f) for k, f in wrong if f is not None))


def _matrix(rows: list[list[Fraction]], env: str, fmt: Callable[[Fraction], str] = frac_tex, sep: str = "&") -> str:
    body = r" \\ ".join(sep.join(fmt(x) for x in row) for row in rows)
    return rf"\begin{{{env}}}{body}\end{{{env}}}"


@kind("matrix")
def matrix(rng: random.Random) -> Item:
    shape = rng.choice([(2, 2), (2, 2), (2, 3), (3, 1), (2, 1)])
    rows = [
        [Fraction(rng.randint(-9, 9), rng.choice([1, 1, 1, 1, 2])) for _ in range(shape[1])] for _ in range(shape[0])
    ]
    ref = _matrix(rows, "pmatrix")
    right = [
        tex(ref, "pmatrix"),
        tex(_matrix(rows, "bmatrix"), "bmatrix"),
        tex(_matrix(rows, "pmatrix", sep=" & "), "spaced"),
        tex(_matrix(rows, "pmatrix", fmt=_alt), "other_number_forms"),
        tex(
            r"\left(\begin{array}{"
            + "c" * shape[1]
            + "}"
            + _matrix(rows, "x")[len(r"\begin{x}") : -len(r"\end{x}")]
            + r"\end{array}\right)",
            "array",
        ),
    ]
    changed = [row[:] for row in rows]
    i, j = rng.randrange(shape[0]), rng.randrange(shape[1])
    changed[i][j] += 1
    negated = [row[:] for row in rows]
    negated[i][j] = -negated[i][j] if negated[i][j] else Fraction(-1)
    wrong = [
        ("entry", tex(_matrix(changed, "pmatrix"), "pmatrix")),
        ("sign", tex(_matrix(negated, "pmatrix"), "pmatrix")),
    ]
    transposed = [list(col) for col in zip(*rows, strict=True)]
    if transposed != rows:
        wrong.append(("transposed", tex(_matrix(transposed, "pmatrix"), "pmatrix")))
    if shape[0] > 1 and rows[0] != rows[1]:
        wrong.append(("rows_swapped", tex(_matrix([rows[1], rows[0], *rows[2:]], "bmatrix"), "bmatrix")))
    return Item("matrix", (tex(ref, "pmatrix"), tex(_matrix(rows, "bmatrix"), "bmatrix")), tuple(right), tuple(wrong))


@kind("equation")
def equation(rng: random.Random) -> Item:
    m = _nonzero(rng, -5, 5)
    c = _nonzero(rng, -9, 9)
    if rng.random() < 0.7:
        rhs = rf"{_lin(m, 'x')}{_signed(c)}"
        ref = rf"y={rhs}"
        right = [
            tex(ref, "slope_intercept"),
            tex(rf"y = {c} {'+' if m > 0 else '-'} {_lin(abs(m), 'x')}", "terms_swapped"),
            plain(f"y = {m}*x {'+' if c > 0 else '-'} {abs(c)}", "ascii"),
        ]
        wrong = [
            ("intercept_sign", tex(rf"y={_lin(m, 'x')}{_signed(-c)}", "slope_intercept")),
            ("slope", tex(rf"y={_lin(m + 1 if m != -1 else 2, 'x')}{_signed(c)}", "slope_intercept")),
            ("relation", tex(rf"y<{rhs}", "relation")),
        ]
        if m != -1:  # x = -y + c is the same line as y = -x + c
            wrong.append(("inverse", tex(rf"x={_lin(m, 'y')}{_signed(c)}", "slope_intercept")))
        if rng.random() < 0.5:
            # the reference is the right-hand side only: "y = ..." answers it
            return Item("equation", (tex(rhs, "rhs"),), tuple(right), tuple(wrong))
        # the same line rearranged: an equation reference is a set of points, not a right-hand side
        right.append(tex(rf"{rhs}=y", "sides_swapped"))
        right.append(tex(rf"{_lin(m, 'x')}-y{_signed(c)}=0", "rearranged"))
        return Item("equation", (tex(ref, "slope_intercept"),), tuple(right), tuple(wrong))
    r = rng.randint(2, 9)
    ref = rf"x^2+y^2={r * r}"
    right = [tex(ref, "circle"), tex(rf"y^2+x^2={r * r}", "terms_swapped"), tex(rf"x^2+y^2={r}^2", "squared_radius")]
    wrong = [
        ("radius_not_squared", tex(rf"x^2+y^2={r}", "circle")),
        ("sign", tex(rf"x^2-y^2={r * r}", "hyperbola")),
        ("shifted", tex(rf"(x-1)^2+y^2={r * r}", "circle")),
    ]
    return Item("equation", (tex(ref, "circle"),), tuple(right), tuple(wrong))


@kind("variable_value")
def variable_value(rng: random.Random) -> Item:
    """A number reference answered as ``x = 5``, ``n=\\frac{3}{2}``."""
    x = Fraction(_nonzero(rng, -20, 40), rng.choice([1, 1, 1, 2, 3]))
    v = rng.choice(["x", "n", "k", "a"])
    t = frac_tex(x)
    right = [tex(rf"{v}={t}", "assignment"), tex(rf"{v} = {t}", "assignment_spaced"), num(frac_slash(x), "value")]
    if x.denominator == 1:
        right.append(plain(f"{v} = {x.numerator}", "ascii"))
    wrong = [
        ("value", tex(rf"{v}={frac_tex(x + 1)}", "assignment")),
        ("sign", tex(rf"{v}={frac_tex(-x)}", "assignment")),
        ("relation", tex(rf"{v}\le {t}", "relation")),
        ("not_equal", tex(rf"{v}\neq {t}", "relation")),
    ]
    return Item("variable_value", (tex(t, "value"),), tuple(right), tuple(wrong))


@kind("scientific")
def scientific(rng: random.Random) -> Item:
    """Scientific notation: ``3.2 \\times 10^{5}`` = ``320000``."""
    mant = Fraction(rng.randint(11, 99), 10)
    exp = rng.randint(3, 8)
    value = mant * 10**exp
    m = decimal(mant) or ""
    ref = rf"{m} \times 10^{{{exp}}}"
    right = [
        tex(ref, "times"),
        tex(rf"{m}\cdot 10^{{{exp}}}", "cdot"),
        num(str(value.numerator), "expanded"),
        num(thousands(value.numerator, ","), "expanded_comma"),
        plain(f"{m}e{exp}", "e_notation"),
        plain(f"{m} x 10^{exp}", "ascii"),
    ]
    wrong = [
        ("exponent", tex(rf"{m} \times 10^{{{exp - 1}}}", "times")),
        ("mantissa", tex(rf"{decimal(mant + Fraction(1, 10))} \times 10^{{{exp}}}", "times")),
        ("exponent_sign", tex(rf"{m} \times 10^{{-{exp}}}", "times")),
        ("expanded_off", num(str(value.numerator * 10), "expanded")),
    ]
    return Item("scientific", (tex(ref, "times"), num(str(value.numerator), "expanded")), tuple(right), tuple(wrong))


@kind("infinity")
def infinity(rng: random.Random) -> Item:
    """A limit or sum that diverges: ``\\infty``."""
    neg = rng.random() < 0.3
    sign = "-" if neg else ""
    ref = rf"{sign}\infty"
    right = [tex(ref, "infty"), plain(f"{sign}∞", "unicode"), plain(f"{'negative ' if neg else ''}infinity", "word")]
    if not neg:
        right.append(tex(r"+\infty", "plus"))
    wrong = [
        ("sign", tex(rf"{'' if neg else '-'}\infty", "infty")),
        ("zero", num("0", "integer")),
        ("finite", num(str(rng.randint(2, 99)), "integer")),
    ]
    return Item("infinity", (tex(ref, "infty"),), tuple(right), tuple(wrong))


@kind("ratio")
def ratio(rng: random.Random) -> Item:
    """A ratio ``a:b`` (reduced), against ratios only (a ratio is no fraction for every reader)."""
    a, b = rng.sample(range(1, 13), 2)
    g = Fraction(a, b)
    a, b = g.numerator, g.denominator
    k = rng.randint(2, 4)
    ref = f"{a}:{b}"
    right = [
        num(ref, "colon"),
        num(f"{a} : {b}", "spaced"),
        tex(rf"{a}\colon {b}", "colon_cmd"),
        num(f"{a * k}:{b * k}", "unreduced"),
    ]
    wrong = [("swapped", num(f"{b}:{a}", "colon")), ("changed", num(f"{a}:{b + 1}", "colon"))]
    return Item("ratio", (num(ref, "colon"),), tuple(right), tuple(wrong))


@kind("base")
def base_n(rng: random.Random) -> Item:
    """A number in another base (``1011_2``), against the same base's forms only."""
    b = rng.choice([2, 3, 5, 8])
    n = rng.randint(b + 1, 200)
    digits = ""
    m = n
    while m:
        digits = str(m % b) + digits
        m //= b
    ref = f"{digits}_{b}"
    right = [tex(ref, "subscript"), tex(f"{digits}_{{{b}}}", "braced"), tex(rf"{digits}_{{\text{{{b}}}}}", "text_base")]
    other = digits[:-1] + str((int(digits[-1]) + 1) % b)
    wrong = [("last_digit", tex(f"{other}_{b}", "subscript")), ("base", tex(f"{digits}_{{{b + 2}}}", "braced"))]
    if len(digits) > 1 and digits[::-1] != digits and not digits.endswith("0"):
        wrong.append(("reversed", tex(f"{digits[::-1]}_{b}", "subscript")))
    return Item("base", (tex(ref, "subscript"),), tuple(right), tuple(wrong))


# ---- words, choices, percentages, units ------------------------------------------------------------------
WORDS = [
    ("odd", "even"),
    ("even", "odd"),
    ("yes", "no"),
    ("no", "yes"),
    ("true", "false"),
    ("Monday", "Tuesday"),
    ("infinite", "finite"),
    ("convergent", "divergent"),
    ("Alice", "Bob"),
    ("impossible", "possible"),
]


@kind("text")
def text(rng: random.Random) -> Item:
    w, other = rng.choice(WORDS)
    cap = w[0].upper() + w[1:]
    refs = (tex(rf"\text{{{w}}}", "text"), plain(w, "word"))
    right = [
        tex(rf"\text{{{w}}}", "text"),
        plain(w, "word"),
        tex(rf"\textbf{{{w}}}", "textbf"),
        tex(rf"\mathrm{{{w}}}", "mathrm"),
        plain(cap if cap != w else w.upper(), "capitalised"),
        tex(rf"\text{{ {w} }}", "text_spaced"),
    ]
    wrong = [("other_word", tex(rf"\text{{{other}}}", "text")), ("other_word_plain", plain(other, "word"))]
    return Item("text", refs, tuple(right), tuple(wrong))


@kind("choice")
def choice(rng: random.Random) -> Item:
    letters = "ABCDE"
    letter = rng.choice(letters)
    other = rng.choice([c for c in letters if c != letter])
    refs = (plain(f"({letter})", "parenthesised"), plain(letter, "letter"), tex(rf"\text{{{letter}}}", "text"))
    right = [
        plain(f"({letter})", "parenthesised"),
        plain(letter, "letter"),
        tex(rf"\textbf{{({letter})}}", "textbf"),
        tex(rf"\text{{({letter})}}", "text"),
        tex(rf"\mathrm{{{letter}}}", "mathrm"),
        plain(f"{letter})", "close_paren"),
    ]
    wrong = [
        ("other_letter", plain(f"({other})", "parenthesised")),
        ("other_letter_text", tex(rf"\text{{({other})}}", "text")),
        ("other_letter_bare", plain(other, "letter")),
    ]
    return Item("choice", refs, tuple(right), tuple(wrong))


@kind("percent")
def percent(rng: random.Random) -> Item:
    p = rng.choice([5, 10, 12, 15, 20, 25, 30, 40, 45, 50, 60, 75, 80, 120, 12.5, 37.5])
    ps = str(p)
    # every reference carries the sign: lenient mode reads "0.25" as "25%" only when one side says percent
    refs = (tex(rf"{ps}\%", "latex_percent"), num(f"{ps}%", "percent"))
    right = [
        num(f"{ps}%", "percent"),
        tex(rf"{ps}\%", "latex_percent"),
        num(ps, "number"),
        plain(f"{ps} percent", "word"),
        tex(rf"{ps}\,\%", "thin_space"),
    ]
    wrong = [
        ("off", num(f"{p + 5:g}%", "percent")),
        ("shifted_point", num(f"{p / 10:g}%", "percent")),
        ("digits", tex(rf"{p * 2:g}\%", "latex_percent")),
    ]
    lenient = (num(decimal(Fraction(str(p)) / 100) or "", "fraction_of_one"),)
    return Item("percent", refs, tuple(right), tuple(wrong), lenient)


UNITS = [
    (r"\text{ cm}", " cm", "cm"),
    (r"\text{ m}^2", " square meters", "m2"),
    (r"\,\mathrm{kg}", " kg", "kg"),
    (r"^\circ", "°", "degrees"),
    (r"\text{ dollars}", " dollars", "dollars"),
    (r"\text{ hours}", " hours", "hours"),
    (r"\text{ km/h}", " km/h", "speed"),
]


@kind("unit")
def unit(rng: random.Random) -> Item:
    n = rng.choice([rng.randint(2, 99), rng.randint(100, 999)])
    x = Fraction(n, rng.choice([1, 1, 1, 2]))
    t = frac_tex(x)
    d = decimal(x) or frac_slash(x)
    ltx, txt, name = rng.choice(UNITS)
    refs = (num(d, "number"), tex(rf"{t}{ltx}", "latex_unit"))
    right = [tex(rf"{t}{ltx}", "latex_unit"), plain(f"{d}{txt}", "text_unit"), num(d, "number")]
    if name == "dollars":
        right.append(tex(rf"\${d}", "dollar_sign"))
        right.append(plain(f"${d}", "dollar_sign_plain"))
    if name == "degrees":
        right.append(tex(rf"{t}^{{\circ}}", "circ_braced"))
        right.append(plain(f"{d} degrees", "word"))
    wrong = [
        ("value", tex(rf"{frac_tex(x + 1)}{ltx}", "latex_unit")),
        ("value_text", plain(f"{decimal(x * 10) or frac_slash(x * 10)}{txt}", "text_unit")),
    ]
    return Item("unit", refs, tuple(right), tuple(wrong))


@kind("thousands")
def thousands_kind(rng: random.Random) -> Item:
    n = rng.randint(1000, 9_999_999)
    while n % 10 == 0 or len(set(str(n))) < 3:
        n = rng.randint(1000, 9_999_999)
    refs = (num(str(n), "integer"), num(thousands(n, ","), "comma"))
    right = [
        num(str(n), "integer"),
        num(thousands(n, ","), "comma"),
        tex(thousands(n, "{,}"), "brace_comma"),
        tex(thousands(n, r"\,"), "thin_space"),
        tex(rf"\${thousands(n, ',')}", "currency"),
    ]
    s = str(n)
    i = rng.randrange(len(s) - 1)
    swapped = s[:i] + s[i + 1] + s[i] + s[i + 2 :]
    wrong = [
        ("digits_swapped", num(thousands(int(swapped), ","), "comma") if swapped != s else None),
        ("dropped_group", num(thousands(n // 1000, ","), "comma")),
        ("magnitude", tex(thousands(n * 10, "{,}"), "brace_comma")),
        ("decimal_comma_misread", num(f"{n // 1000}.{s[-3:]}", "decimal")),
    ]
    return Item("thousands", refs, tuple(right), tuple((k, f) for k, f in wrong if f is not None))
