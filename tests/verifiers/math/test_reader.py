"""The typed answer reader: the failure classes of issue 10, exact closed forms, kinds, no prose to sympy."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rewardlab.verifiers.math import MathAnswer
from rewardlab.verifiers.math.algebra import build, same
from rewardlab.verifiers.math.compare import compare
from rewardlab.verifiers.math.kinds import read_value
from rewardlab.verifiers.math.modes import LENIENT, STRICT
from rewardlab.verifiers.math.syntax import Unreadable, parse

STRICT_REWARD = MathAnswer()
LENIENT_REWARD = MathAnswer(mode="lenient")


def strict(completion: str, answer: Any, prompt: str | None = None) -> Any:
    sample = {"completion": completion, "answer": answer}
    if prompt is not None:
        sample["prompt"] = prompt
    return STRICT_REWARD.score(sample)


# ---- the failure classes of issue 10 (math 1-9) ---------------------------------------------------
@pytest.mark.parametrize(
    ("completion", "answer", "paid"),
    [
        # 1. answers with no marker are read whole, never reduced to a digit
        ("$[0,1)$", "$[0,1)$", True),
        (r"(-\infty,2]", r"(-\infty, 2]", True),
        (r"$\sqrt3$", r"\sqrt{3}", True),
        (r"$\text{odd}$", "odd", True),
        ("$E$", r"\text{E}", True),
        (r"The identity is $\begin{pmatrix}1&0\\0&1\end{pmatrix}$.", r"\begin{pmatrix}1&0\\0&1\end{pmatrix}", True),
        ("$(0,9]$", "$(0,9)$", False),
        (r"$\frac{1+\sqrt{5}}{2}$", "$2$", False),
        # 2. a final expression inside a sentence
        (r"so the count is \( 2^{n-1} \).", "2^{n-1}", True),
        (r"so the count is \( 2^{n-1} \).", "1", False),
        (r"it factors as \( (a+b)(a^2-ab+b^2) \)", "(a+b)(a^2-ab+b^2)", True),
        (r"it factors as \( (a+b)(a^2-ab+b^2) \)", "a^3+b^3", True),
        # 7. plain-text math
        ("So the answer is 2^(m+1).", "2^{m+1}", True),
        ("The count is (2n)!/(2^n*n!).", r"\frac{(2n)!}{2^n n!}", True),
        ("The sum is n*(n+1)*(2n+1)/6.", r"\frac{n(n+1)(2n+1)}{6}", True),
        ("The sum is n*(n+1)*(2n+1)/6.", r"\frac{n(n+1)(2n-1)}{6}", False),
        # 8. equivalent forms of a range
        (r"$-2 \le x \le 7$", r"x \in [-2,7]", True),
        (r"$x \in [-2,7]$", r"-2 \le x \le 7", True),
        ("$0<f(x)<1$", "(0,1)", True),
        (r"$(1,+\infty)$", r"(1, \infty)", True),
        (r"$-2 < x \le 7$", r"[-2,7]", False),
    ],
)
def test_answers_nobody_marked(completion: str, answer: str, paid: bool) -> None:
    result = strict(completion, answer)
    assert (result.score == 1.0) is paid, result.info


@pytest.mark.parametrize(
    ("completion", "reason"),
    [
        # 3. relations are not values
        ("Hence $f(u)-f(v) < 0$.", "relation"),
        (r"So $x \le 0$.", "relation"),
        (r"The expression is $\geq 0$.", None),
        # 4. several values where one is expected
        ("The possible values are $0$ and $k$.", "multiple_candidates"),
        # 6. negations and signs
        ("It cannot be 5.", "negated"),
        (r"$\pm 4$", "multiple_candidates"),
    ],
)
def test_not_a_value_is_refused(completion: str, reason: str | None) -> None:
    answer = "4" if "4" in completion else "5" if "5" in completion else "0"
    result = strict(completion, answer)
    assert result.score == 0.0, result.info
    if reason is not None:
        assert result.info["reason"] == reason, result.info


def test_hedge_words_from_the_question_are_not_hedges() -> None:  # 5.
    prompt = "How many 3-digit numbers have strictly increasing or decreasing digits?"
    completion = "The number of 3-digit numbers with strictly increasing or decreasing digits is 204."
    assert strict(completion, "204", prompt).score == 1.0
    assert strict(completion, "204").info["reason"] == "hedged"  # without the question it is a hedge
    assert strict("It is 204 or 205.", "204", prompt).info["reason"] == "hedged"


def test_prose_never_reaches_sympy() -> None:  # 9.
    for completion in (
        r"\boxed{\text{the sum of the two smallest roots}}",
        r"\boxed{the sum of the two smallest roots of the cubic}",
        "The answer is the largest root of the cubic polynomial.",
    ):
        result = strict(completion, r"\sqrt{2}")
        assert result.score == 0.0 and result.info["path"] in ("fast", None), result.info


def test_common_closed_forms_are_decided_without_sympy() -> None:
    pairs = [
        (r"\frac{1}{\sqrt{2}}", r"\frac{\sqrt2}{2}", True),
        (r"2\sqrt{3}", r"\sqrt{12}", True),
        (r"\frac{2\pi}{3}", r"\frac{2}{3}\pi", True),
        ("(x+1)^2", "x^2+2x+1", True),
        ("x^3-1", "(x-1)(x^2+x+1)", True),
        (r"\{1, 2, 3\}", r"\{3,2,1\}", True),
        ("(1,2)", "(2,1)", False),
        (r"(-\infty,-2)\cup(2,\infty)", r"(2,\infty)\cup(-\infty,-2)", True),
        (r"\begin{pmatrix}\frac12&0\\0&1\end{pmatrix}", r"\begin{bmatrix}0.5&0\\0&1\end{bmatrix}", True),
        ("y = 2x+1", "2x - y + 1 = 0", True),
        ("y = 2x+1", "y = 2x-1", False),
        (r"\frac{3}{\sqrt5}", r"\frac{3\sqrt5}{5}", True),
        (r"e^{2}", r"e \cdot e", True),
        ("1024", "2^{10}", True),
        ("1000", "2^{10}", False),
    ]
    for answer, ref, equal in pairs:
        result = strict(rf"\boxed{{{answer}}}", ref)
        assert (result.score == 1.0) is equal and result.info["path"] == "fast", (answer, ref, result.info)


def test_identities_of_functions_are_left_to_sympy() -> None:
    result = strict(r"\boxed{\tan^2 x + 1}", r"\sec^2 x")
    assert result.score == 1.0 and result.info["path"] == "symbolic"


def test_numbers_are_never_taken_from_inside_an_expression() -> None:
    assert strict("so there are 2^{n-1} ways", "1").score == 0.0
    assert strict("x^2 = 49 so x = 7", "7").score == 1.0
    assert strict("The total is 12 kg.", "12").score == 1.0


def test_several_boxes_are_one_answer_only_when_a_collection_is_expected() -> None:
    boxes = r"The roots are \boxed{-2} and \boxed{1}."
    assert strict(boxes, "1, -2").score == 1.0
    assert strict(boxes, "1").info["reason"] == "multiple_answers"
    assert strict(r"\boxed{3} wait \boxed{4}", "3, 4").score == 0.0  # a correction, not a list
    assert strict(r"\boxed{3} or \boxed{4}", "3, 4").score == 0.0


def test_lenient_evaluates_what_strict_refuses_as_unfinished() -> None:
    assert strict(r"\boxed{9+1}", "10").info["reason"] == "not_a_number"
    assert LENIENT_REWARD.score({"completion": r"\boxed{9+1}", "answer": "10"}).score == 1.0
    # an irrational closed form against a decimal reference is not unfinished
    assert strict(r"\boxed{\sqrt{17}}", "4.123105625617661").score == 1.0
    assert strict(r"\boxed{x = \frac{1}{3} \approx 0.33}", "1/3").score == 1.0


def test_one_value_stated_as_an_approximation_is_that_value_in_both_modes() -> None:
    # the symbol reads as the word does: "approximately 11", "~11", "\approx 11", "x \approx 11"
    for text in ("The answer is approximately 11.", "The answer is ~11.", r"\boxed{\approx 11}", r"$x \approx 11$"):
        assert strict(text, "11").score == 1.0, text
        assert LENIENT_REWARD.score({"completion": text, "answer": "11"}).score == 1.0, text
        assert strict(text, "12").info["reason"] == "not_equal", text
    # an exact value before the approximation is the answer; two approximated values are two values
    assert strict(r"$x = 1/3 \approx 0.33$", "0.33").score == 0.0
    assert strict(r"$\approx 11$ or $\approx 12$", "11").info["reason"] == "hedged"
    assert strict(r"\boxed{x \approx 11, y \approx 3}", "11").score == 0.0


# ---- kinds --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("3/4", "scalar"),
        (r"\sqrt{2}+1", "scalar"),
        ("[0, 1)", "tuple"),
        (r"(-\infty, 2] \cup (3, 4)", "union"),
        (r"\{1, 2\}", "set"),
        ("1, 2 and 3", "list"),
        (r"\pm 4", "set"),
        (r"\begin{pmatrix}1&2\\3&4\end{pmatrix}", "matrix"),
        ("y = 2x + 1", "equation"),
        (r"x \le 0", "relation"),
        ("11:21", "ratio"),
        (r"\text{Evelyn}", "text"),
    ],
)
def test_kinds(text: str, kind: str) -> None:
    value = read_value(text)
    assert value is not None and value.kind == kind


@pytest.mark.parametrize("text", [r"1 \dots n", "(1, 2", "so the count is", r"\int_0^1 x\,dx"])
def test_unread_answers(text: str) -> None:
    assert read_value(text) is None


def test_interval_brackets_decide_and_pairs_are_ordered() -> None:
    def eq(a: str, b: str) -> bool | None:
        return compare(read_value(a), read_value(b), STRICT)[0]  # type: ignore[arg-type]

    assert eq("(1, 2)", "(1,2)") and not eq("(1, 2]", "(1, 2)") and not eq("(2, 1)", "(1, 2)")
    assert eq(r"(3, \infty)", r"x > 3") and not eq(r"[3, \infty)", "x > 3")
    assert eq("-x > -1", "x < 1") and not eq("x > -1", "x < 1")
    assert eq("11:21", "22:42") and not eq("12:00", "1:00")


def test_lenient_rounding_is_judged_by_the_digits_written() -> None:
    third = read_value(r"\frac13")
    assert compare(read_value("0.33"), third, LENIENT)[0]  # type: ignore[arg-type]
    assert not compare(read_value("0.3"), third, LENIENT)[0]  # type: ignore[arg-type]
    assert not compare(read_value("0.33"), third, STRICT)[0]  # type: ignore[arg-type]


# ---- exact algebra, by property -------------------------------------------------------------------
small = st.integers(min_value=-9, max_value=9)


def poly(coeffs: list[int], var: str = "x") -> str:
    return "+".join(f"({c})*{var}^{k}" for k, c in enumerate(coeffs)) or "0"


def expand(a: list[int], b: list[int]) -> list[int]:
    out = [0] * (len(a) + len(b) - 1)
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            out[i + j] += x * y
    return out


@settings(max_examples=60, deadline=None)
@given(st.lists(small, min_size=1, max_size=4), st.lists(small, min_size=1, max_size=4))
def test_products_of_polynomials_equal_their_expansion(a: list[int], b: list[int]) -> None:
    product = build(parse(f"({poly(a)})({poly(b)})"))
    expanded = build(parse(poly(expand(a, b))))
    assert same(product, expanded) is True
    changed = expand(a, b)
    changed[0] += 1
    assert same(product, build(parse(poly(changed)))) is False


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 30), st.integers(1, 50), st.integers(1, 12))
def test_radicals_have_one_spelling(a: int, b: int, c: int) -> None:
    # sqrt(a^2 b) = a sqrt(b); 1/sqrt(b) = sqrt(b)/b; the c-th root of b^c is b
    assert same(build(parse(rf"\sqrt{{{a * a * b}}}")), build(parse(rf"{a}\sqrt{{{b}}}"))) is True
    assert same(build(parse(rf"\frac{{1}}{{\sqrt{{{b}}}}}")), build(parse(rf"\frac{{\sqrt{{{b}}}}}{{{b}}}"))) is True
    assert same(build(parse(rf"\sqrt[{c}]{{{b**c}}}")), build(parse(str(b)))) is True


@settings(max_examples=60, deadline=None)
@given(st.fractions(max_denominator=50), st.fractions(max_denominator=50))
def test_rational_arithmetic_is_exact(p: Fraction, q: Fraction) -> None:
    text = rf"\frac{{{p.numerator}}}{{{p.denominator}}} + \frac{{{q.numerator}}}{{{q.denominator}}}"
    assert build(parse(text)).rational() == p + q


def test_size_limits_hand_over_to_the_symbolic_path() -> None:
    tower = read_value("2^{2^{2^{2^{2^{2}}}}}")
    assert tower is not None and tower.form is None  # type: ignore[union-attr]
    with pytest.raises(Unreadable):
        parse("(" * 200 + "1" + ")" * 200)


def test_a_letter_glued_to_a_number_is_a_variable_not_a_unit() -> None:
    assert strict(r"\boxed{2}", "2x").score == 0.0
    assert strict(r"\boxed{x \cdot 2}", "2x").score == 1.0
    assert strict(r"\boxed{12kg}", "12").score == 1.0  # a unit word is still a unit


@pytest.mark.parametrize(
    ("completion", "answer", "paid"),
    [
        # a chain of equal members answers with its last member; a false equation is no value
        (r"Multiplying out, $(a-1)(a+1) = a^2-1$.", "a^2-1", True),
        (r"Multiplying out, $(a-1)(a+1) = a^2+1$.", "a^2+1", False),
        # the main clause's value, not the span of a qualifying clause after it
        (r"Hence the sum is $3^{k}-1$ for every $k \ge 2$.", "3^k-1", True),
        (r"So the area is $9\pi$, which is more than $28$.", r"9\pi", True),
        (r"So the area is $9\pi$ (for all $r > 0$).", r"8\pi", False),
        # a word or option letter stated by the final sentence when a word is asked for
        (r"Since $a_n \to 0$ monotonically, the series is convergent.", "convergent", True),
        (r"Since $a_n \to 1$, the series is divergent.", "convergent", False),
        ("Checking each one, only choice (D) fits.", "D", True),
        ("The function is not even.", "even", False),
    ],
)
def test_the_stated_value_of_a_sentence(completion: str, answer: str, paid: bool) -> None:
    result = strict(completion, answer)
    assert (result.score == 1.0) is paid, result.info


@pytest.mark.parametrize(
    ("completion", "answer", "paid"),
    [
        # the right side of a named quantity, the inverse function included
        (r"Therefore $g^{-1}(t) = \frac{t+1}{3}$.", r"\frac{t+1}{3}", True),
        (r"Therefore $g^{-1}(t) = \frac{t-1}{3}$.", r"\frac{t+1}{3}", False),
        # a kept value and the one it replaces
        ("Recounting, there are 42 of them, not 41.", "42", True),
        ("Recounting, there are 42 of them, not 41.", "41", False),
        (r"Careful: it is $12$, not $13$.", "12", True),
        # a point as named coordinates
        ("So a = 2, b = -1 and c = 4.", "(2, -1, 4)", True),
        ("So a = 2, b = 4 and c = -1.", "(2, -1, 4)", False),
        # a ray in words
        (r"So $t$ can be any real number less than $-1$.", r"(-\infty, -1)", True),
        (r"So $t$ can be any real number less than or equal to $-1$.", r"(-\infty, -1)", False),
    ],
)
def test_values_stated_in_other_words(completion: str, answer: str, paid: bool) -> None:
    result = strict(completion, answer)
    assert (result.score == 1.0) is paid, result.info


@pytest.mark.parametrize(
    ("completion", "answer", "paid", "reason"),
    [
        # a bound in words is not the value
        ("So the team needs at least 12 more points.", "12", False, "relation"),
        (r"Hence the ratio is less than $\frac{3}{5}$.", r"\frac35", False, "relation"),
        ("So the team needs exactly 12 more points.", "12", True, None),
        # an unsure answer
        ("Final answer: 31?", "31", False, "hedged"),
        # an operation in words is not its operand
        (r"The side is $\sqrt{5}$ squared, which is $5$.", r"\sqrt{5}", False, None),
        (r"The side is $\sqrt{5}$ squared, which is $5$.", "5", True, None),
        # a retraction after "the answer is" is a second final answer
        ("The answer is 40. Wait, I missed a case, so it is 41.", "40", False, "multiple_answers"),
        # n! = v
        ("The answer is 5! = 120.", "120", True, None),
        ("The answer is 5! = 120.", "5", False, None),
        # the same value restated, a candidate ruled out next to the kept one, a refuted assumption
        (r"The answer is $\frac{1}{4}$, i.e. $0.25$.", "1/4", True, None),
        (r"So $y = 2$ does not work; $y = 7$ does.", "7", True, None),
        ("Suppose the answer is 20: then 20 * 3 = 60 > 50, a contradiction. The answer is 16.", "16", True, None),
    ],
)
def test_what_a_sentence_does_with_its_value(completion: str, answer: str, paid: bool, reason: str | None) -> None:
    result = strict(completion, answer)
    assert (result.score == 1.0) is paid, result.info
    if reason is not None:
        assert result.info["reason"] == reason, result.info


def test_lenient_grades_the_value_after_a_retraction() -> None:
    sample = {"completion": "The answer is 40. Wait, I missed a case, so it is 41.", "answer": "41"}
    assert LENIENT_REWARD.score(sample).score == 1.0


# ---- a bound after the value (triage R19), written from the class in other words ---------------
@pytest.mark.parametrize(
    "completion",
    [
        "So the recipe serves 8 people or more.",
        r"Thus the tank holds $8$ litres at the very most.",
        r"The minimum wage must be $\boxed{8}$ or higher.",
        "Hence 8 and upwards.",
        "Answer: 8, at a minimum.",
        "We conclude the club has 8 members and over.",
        "It took 8 hours or longer.",
        r"So $x = 8$ or greater.",
        r"\boxed{8+}",
        "There will be 8 tickets max.",
    ],
)
def test_a_bound_after_the_value_is_a_relation(completion: str) -> None:
    for reward in (STRICT_REWARD, LENIENT_REWARD):
        result = reward.score({"completion": completion, "answer": "8"})
        assert result.score == 0.0, (completion, result.info)


@pytest.mark.parametrize(
    "completion",
    [
        "So the recipe serves 8 people at most tables and 8 at the long one.",
        r"Thus the tank holds $8$ litres; more than that overflows.",
        "So the answer is 8. More would not fit.",
        "The total is 8 plus nothing else.",
    ],
)
def test_words_after_the_value_that_are_not_a_bound(completion: str) -> None:
    result = strict(completion, "8")
    assert result.score == 1.0, (completion, result.info)


# ---- values in words (triage R21, R23), written from the classes in other words ----------------
REASONING = (
    "Each box holds $4$ pencils and there are $9$ boxes, so $4 \\cdot 9 = 36$.\n\n"
    "Two pencils are broken, and $36 - 2 = 34$.\n\n"
)


@pytest.mark.parametrize(
    ("final", "answer"),
    [
        ("Hence the perimeter is thirty-six.", "36"),
        ("Altogether, Maria owns seventy-five stamps.", "75"),
        ("The probability works out to two fifths.", r"\frac{2}{5}"),
        ("So the debt amounts to one thousand two hundred dollars.", "1200"),
        ("Thus exactly three quarters of the tiles are red.", r"\frac34"),
        ("That leaves a dozen eggs.", "12"),
        ("So the temperature drops to negative eight.", "-8"),
        ("In the end there are nineteen ways to do it.", "19"),
        ("The answer is two and a half.", r"\frac52"),
        ("So each friend gets zero.", "0"),
    ],
)
def test_a_value_in_words_is_that_number(final: str, answer: str) -> None:
    for completion in (final, REASONING + final):
        result = strict(completion, answer)
        assert result.score == 1.0, (completion, result.info)
        assert strict(completion, "34").score == 0.0  # never the reasoning's last value


@pytest.mark.parametrize(
    "final",
    [
        "So the number of pencils left is thirty-three.",
        "Counting again, she keeps thirty-three of them.",
        "So the answer is a little over thirty.",
        "Therefore the total is the same as the number of boxes.",
        "So the count comes to several dozen.",
    ],
)
def test_the_reasoning_is_not_the_answer_when_the_final_sentence_states_another(final: str) -> None:
    """R23: the final sentence states a value (read or not): the reasoning's $36 - 2 = 34$ is never paid."""
    for reward in (STRICT_REWARD, LENIENT_REWARD):
        result = reward.score({"completion": REASONING + final, "answer": "34"})
        assert result.score == 0.0, (final, result.info)


@pytest.mark.parametrize(
    "final",
    [
        "I hope it is correct.",
        "This is because each pencil is counted once.",
        "Note that every box is full.",
        "That is the final answer.",
        "We are done.",
    ],
)
def test_a_closing_remark_leaves_the_answer_before_it(final: str) -> None:
    result = strict(REASONING + final, "34")
    assert result.score == 1.0, (final, result.info)


@pytest.mark.parametrize(
    ("completion", "answer"),
    [
        ("One of them is red.", "1"),
        ("So there are three times as many.", "3"),
        ("That is the one.", "1"),
        ("So it is twelve or more.", "12"),
        ("So we need at least twelve.", "12"),
        ("The total is not twelve.", "12"),
    ],
)
def test_words_that_are_not_a_stated_value(completion: str, answer: str) -> None:
    assert strict(completion, answer).score == 0.0


# ---- an unevaluated form and the value a clause gives it (triage R20), in other words ----------
@pytest.mark.parametrize(
    ("completion", "value", "operand"),
    [
        (r"Hence the number of seatings is $7!$, which equals $5040$.", "5040", "7"),
        (r"So the hypotenuse is $\sqrt{169}$, which is $13$.", "13", "169"),
        (r"The number of subsets is $2^{5}$, which comes to $32$.", "32", "5"),
        ("The answer is 4 squared, giving 16.", "16", "4"),
        ("Final answer: 2 cubed, which gives 8.", "8", "2"),
        (r"Thus the count is $\binom{6}{2}$, which evaluates to $15$.", "15", "6"),
        (r"The answer is $\frac{10}{4}$, i.e. $2.5$.", "2.5", "4"),
    ],
)
def test_the_value_a_clause_gives_an_unevaluated_form_is_graded(completion: str, value: str, operand: str) -> None:
    assert strict(completion, value).score == 1.0, strict(completion, value).info
    assert strict(completion, operand).score == 0.0


@pytest.mark.parametrize(
    ("completion", "answer", "paid"),
    [
        # a clause about the value, not its value: the main clause's value stands
        (r"So the side is $\sqrt{7}$, whose cube is $7\sqrt{7}$.", r"\sqrt{7}", True),
        (r"So the side is $\sqrt{7}$, whose cube is $7\sqrt{7}$.", r"7\sqrt{7}", False),
        (r"So the side is $\sqrt{7}$, whose cube is $7\sqrt{7}$.", "7", False),
        ("The answer is 18, which is less than 20.", "18", True),
        ("The answer is 18, which is even.", "18", True),
        (r"The answer is $\sqrt{3}$, which is about $1.732$.", r"\sqrt{3}", True),
        (r"So the length is $\sqrt{3}$, which is $1.732$.", r"\sqrt{3}", True),
        # a restatement that contradicts the value: a false equation, never paid
        (r"The answer is $0.4$ (that is, $\frac{1}{4}$).", r"\frac14", False),
        (r"The answer is $0.4$ (that is, $\frac{1}{4}$).", "0.4", False),
        (r"So the total is $3! = 7$.", "7", False),
        (r"\boxed{10 - 4 = 5}", "5", False),
        # a restatement that agrees
        (r"The answer is $0.2$ (that is, $\frac{1}{5}$).", r"\frac15", True),
        (r"The answer is $\frac{2}{3}$, i.e. about $0.67$.", r"\frac23", True),
    ],
)
def test_what_a_clause_after_the_value_does(completion: str, answer: str, paid: bool) -> None:
    result = strict(completion, answer)
    assert (result.score == 1.0) is paid, (completion, answer, result.info)


def test_the_rest_of_the_sentence_after_an_unmarked_span_is_read_for_hedges() -> None:
    """Found by a held-out probe: the hedge check read the span's sentence only up to the span."""
    assert strict(r"So the shop orders $48$ crates, perhaps more.", "48").score == 0.0
    assert strict(r"Thus we keep $48$ crates, or maybe fewer.", "48").score == 0.0
    assert strict(r"Thus we keep $48$ crates in the cellar.", "48").score == 1.0


def test_a_word_said_of_a_value_is_not_the_value() -> None:
    """ "... is 48 and anything beyond that is forbidden": the final verb's word is said of the value."""
    assert strict("So the capacity is 48 and anything beyond that is forbidden.", "48").score == 1.0
    assert strict("The number 48 is even.", "48").score == 1.0
