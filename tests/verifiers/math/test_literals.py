"""The fast path's number literals and comparisons (property tests over generated numbers)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rewardlab.verifiers.math.errors import Reason
from rewardlab.verifiers.math.fast import compare_fast, numbers_equal, read_number
from rewardlab.verifiers.math.literals import parse_number
from rewardlab.verifiers.math.modes import LENIENT, STRICT, policy_for
from rewardlab.verifiers.math.normalize import clean_answer, fold_digits, fold_typography, lookalike_digits
from rewardlab.verifiers.math.reference import prepare_references

integers = st.integers(min_value=-(10**15), max_value=10**15)


def thousands(n: int, sep: str) -> str:
    text = f"{abs(n):,}".replace(",", sep)
    return ("-" if n < 0 else "") + text


@settings(max_examples=200, deadline=None)
@given(integers, st.sampled_from([",", " ", "\\,", "{,}", "'"]))
def test_integers_with_any_thousands_separator(n: int, sep: str) -> None:
    written = clean_answer(thousands(n, sep))
    number = parse_number(written)
    assert number is not None, written
    assert number.value == n


@settings(max_examples=200, deadline=None)
@given(st.decimals(min_value=-(10**9), max_value=10**9, places=4, allow_nan=False, allow_infinity=False))
def test_decimals_are_exact(d: Decimal) -> None:
    number = parse_number(format(d, "f"))
    assert number is not None
    assert number.value == Fraction(d)


@settings(max_examples=200, deadline=None)
@given(st.integers(-999, 999), st.integers(1, 999))
def test_fraction_spellings_agree(num: int, den: int) -> None:
    value = Fraction(num, den)
    sign = "-" if num < 0 else ""
    spellings = [
        f"{num}/{den}",
        rf"\frac{{{num}}}{{{den}}}",
        rf"{sign}\frac{{{abs(num)}}}{{{den}}}",
        clean_answer(rf"\dfrac{{{num}}}{{{den}}}"),
        clean_answer(rf"$\tfrac{{{num}}}{{{den}}}$"),
    ]
    for text in spellings:
        number = parse_number(text)
        assert number is not None, text
        assert number.value == value, text


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 10**6), st.integers(-12, 12))
def test_scientific_notation(mantissa: int, exponent: int) -> None:
    value = Fraction(mantissa) * Fraction(10) ** exponent
    spellings = (
        f"{mantissa}e{exponent}",
        rf"{mantissa} \times 10^{{{exponent}}}",
        rf"{mantissa}\cdot 10^{{{exponent}}}",
    )
    for text in spellings:
        number = parse_number(clean_answer(text))
        assert number is not None and number.value == value, text


@pytest.mark.parametrize(
    ("text", "value", "percent", "unit"),
    [
        ("$18", 18, False, "usd"),
        ("18 dollars", 18, False, "usd"),
        ("USD 18", 18, False, "usd"),
        ("-$5", -5, False, "usd"),
        ("€18", 18, False, "eur"),
        ("18€", 18, False, "eur"),
        ("12.5%", Fraction(25, 2), True, None),
        ("12.5 percent", Fraction(25, 2), True, None),
        ("5 cm", 5, False, "cm"),
        ("5 km/h", 5, False, "km/h"),
        ("5 cm^2", 5, False, "cm^2"),
        ("30^\\circ", 30, False, "degrees"),
        ("1.8 billion", 1_800_000_000, False, None),
        ("2\\frac{1}{2}", Fraction(5, 2), False, None),
        ("2 1/2", Fraction(5, 2), False, None),
        ("10^{-3}", Fraction(1, 1000), False, None),
        (".5", Fraction(1, 2), False, None),
        ("5.", 5, False, None),
    ],
)
def test_literal_forms(text: str, value: Fraction | int, percent: bool, unit: str | None) -> None:
    number = parse_number(text)
    assert number is not None
    assert (number.value, number.percent, number.unit) == (value, percent, unit)


@pytest.mark.parametrize(
    "text", ["3 or 4", "2+3", "1,00", "1.2.3", "x", "", "5 and 6", "\\sqrt{4}", "1e999999", "9" * 1000, "2 3/2"]
)
def test_not_literals(text: str) -> None:
    assert parse_number(text) is None


def test_percent_rules() -> None:
    ten_pct, ten, tenth = parse_number("10%"), parse_number("10"), parse_number("0.1")
    assert ten_pct and ten and tenth
    assert numbers_equal(ten_pct, ten, STRICT) and not numbers_equal(ten_pct, tenth, STRICT)
    fraction = policy_for("strict", percent="fraction")
    assert numbers_equal(ten_pct, tenth, fraction) and not numbers_equal(ten_pct, ten, fraction)
    assert numbers_equal(ten_pct, ten, LENIENT) and numbers_equal(ten_pct, tenth, LENIENT)


def test_integers_compare_exactly_and_floats_within_tolerance() -> None:
    big, bigger = parse_number("12345678901234567890"), parse_number("12345678901234567891")
    assert big and bigger and not numbers_equal(big, bigger, STRICT)
    noisy, clean = parse_number("0.30000000000000004"), parse_number("0.3")
    assert noisy and clean and numbers_equal(noisy, clean, STRICT)


def test_units_rule() -> None:
    cm, m, bare = parse_number("5 cm"), parse_number("5 m"), parse_number("5")
    assert cm and m and bare
    match = policy_for("strict", units="match")
    assert numbers_equal(cm, m, STRICT)
    assert not numbers_equal(cm, m, match) and numbers_equal(cm, bare, match)


def test_read_number_explains_what_it_refused() -> None:
    assert read_number("John has 5 apples", STRICT)[0] == parse_number("5")
    assert read_number("x = 2 + 3 = 5", STRICT)[0] == parse_number("5")
    assert read_number("5 apples and 6 pears", STRICT)[1] is Reason.MULTIPLE_CANDIDATES
    assert read_number("\\sqrt{25}", STRICT)[1] is Reason.NOT_A_NUMBER
    assert read_number("5!", STRICT)[1] is Reason.NOT_A_NUMBER


def test_fast_path_decides_numbers_and_words_and_defers_the_rest() -> None:
    five, word, expr = prepare_references(["5", "Tuesday", "\\sqrt{2}"])
    assert compare_fast("5.0", five, STRICT).equal
    assert compare_fast("tuesday", word, STRICT).equal
    assert compare_fast("Monday", word, STRICT).decided
    assert compare_fast("\\sqrt{2}", expr, STRICT).equal  # same spelling
    # closed forms are decided natively (exact radicals); identities of functions are left to sympy
    assert compare_fast("\\frac{2}{\\sqrt{2}}", expr, STRICT).equal
    assert not compare_fast("\\frac{3}{\\sqrt{2}}", expr, STRICT).equal
    (sec,) = prepare_references(["\\sec^2 x"])
    assert not compare_fast("\\tan^2 x + 1", sec, STRICT).decided


def test_unicode_layers() -> None:
    assert fold_typography("x² − ½") == "x^{2} - \\frac{1}{2}"
    assert lookalike_digits("４٢𝟐") == ["４", "٢", "𝟐"]
    assert fold_digits("４٢𝟐") == "422"
    assert lookalike_digits("З O l") == []  # letters, not digits
