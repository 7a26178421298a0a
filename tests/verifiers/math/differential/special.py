r"""Cases for the failure classes of issue 10 (Math 1-9) and other things models really write.

Each generator returns :class:`Special` cases with whole completions: these classes are about
the sentence around the answer (a relation, a negation, a hedge, several values, prose), so
they do not fit the value x form x marker product of :mod:`.kinds`.

>>> import random
>>> cases = SPECIALS["negation"](random.Random(0))
>>> all(not c.label for c in cases if c.cls.startswith("negation/"))
True
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from .prose import reasoning


@dataclass(frozen=True)
class Special:
    cls: str
    answer: str
    completion: str
    label: bool
    marker: str
    lenient: bool | None = None
    prompt: str | None = None


Gen = Callable[[random.Random], list[Special]]
SPECIALS: dict[str, Gen] = {}


def special(name: str) -> Callable[[Gen], Gen]:
    def deco(fn: Gen) -> Gen:
        SPECIALS[name] = fn
        return fn

    return deco


def _ctx(rng: random.Random, final: str, plain: bool = False) -> str:
    context = rng.choice(["bare", "short", "long", "long"])
    text = reasoning(rng, context, plain)
    return f"{text}\n\n{final}" if text else final


@special("relation")
def relation(rng: random.Random) -> list[Special]:
    """Math 3: a relation is not a value ("$x \\le 0$" for the answer 0)."""
    v = rng.choice([0, 0, 1, 2, -1, 3])
    rel = rng.choice(["<", ">", r"\le", r"\ge", r"\leq", r"\geq", r"\neq"])
    lhs = rng.choice(["f(u)-f(v)", "x", "a_n", "g'(x)", "k", "x^2-4x+3"])
    finals = [
        (f"Hence ${lhs} {rel} {v}$.", "dollar"),
        (f"Therefore \\({lhs} {rel} {v}\\).", "paren"),
        (f"This shows that the expression is ${rel} {v}$.", "dollar"),
        (f"The answer is ${lhs} {rel} {v}$.", "answer_is"),
        (f"\\boxed{{{lhs} {rel} {v}}}", "boxed"),
    ]
    out = [Special("relation/as_value", str(v), _ctx(rng, f), False, m) for f, m in rng.sample(finals, 3)]
    # the control: the same relation when the reference is that relation
    if lhs in ("x", "k") and rel != r"\neq":
        out.append(
            Special("relation/reference_is_relation", f"{lhs} {rel} {v}", _ctx(rng, finals[0][0]), True, "dollar")
        )
    return out


@special("several_values")
def several_values(rng: random.Random) -> list[Special]:
    """Math 4: several values where one is expected."""
    a, b = rng.sample(range(-5, 15), 2)
    k = rng.choice(["k", "n", str(b)])
    finals = [
        (f"So the possible values are ${a}$ and ${k}$.", "dollar"),
        (f"The solutions are $x = {a}$ and $x = {b}$.", "dollar"),
        (f"\\boxed{{{a}}} and \\boxed{{{b}}}", "boxed"),
        (f"So $x={a}$ or $x={b}$.", "dollar"),
        (f"The answer is ${a}$ or ${b}$.", "answer_is"),
    ]
    out = [Special("several_values/one_expected", str(a), _ctx(rng, f), False, m) for f, m in rng.sample(finals, 3)]
    lo, hi = sorted((a, b))
    out.append(
        Special(
            "several_values/all_expected",
            f"{lo}, {hi}",
            _ctx(rng, f"So the possible values are ${lo}$ and ${hi}$."),
            True,
            "dollar",
        )
    )
    out.append(
        Special("several_values/all_expected", f"{lo}, {hi}", _ctx(rng, f"\\boxed{{{hi}, {lo}}}"), True, "boxed")
    )
    # the roots of an equation joined by "or": a solution set, no hedge, when the reference lists both
    out.append(
        Special(
            "several_values/all_expected_or",
            f"{lo}, {hi}",
            _ctx(rng, f"So $x = {lo}$ or $x = {hi}$."),
            True,
            "dollar",
        )
    )
    return out


QUESTIONS = [
    (
        "How many {d}-digit numbers have strictly increasing or decreasing digits?",
        "The number of {d}-digit numbers with strictly increasing or decreasing digits is {n}.",
    ),
    (
        "How many integers between 1 and {m} are divisible by 3 or 5?",
        "The number of integers between 1 and {m} that are divisible by 3 or 5 is {n}.",
    ),
    (
        "In how many ways can we choose a president or a treasurer from {m} people?",
        "Counting choices of a president or a treasurer from {m} people gives {n} ways.",
    ),
    (
        "How many of the {m} students play chess or go?",
        "The number of students who play chess or go is {n}.",
    ),
]


@special("hedge_from_question")
def hedge_from_question(rng: random.Random) -> list[Special]:
    """Math 5: an "or" copied from the question is no hedge; a real "X or Y" is."""
    q, a = rng.choice(QUESTIONS)
    d, m, n = rng.randint(3, 4), rng.randint(20, 200), rng.randint(10, 300)
    prompt = q.format(d=d, m=m)
    final = a.format(d=d, m=m, n=n)
    return [
        Special("hedge/or_in_question", str(n), _ctx(rng, final), True, "plain", prompt=prompt),
        Special("hedge/real_hedge", str(n), _ctx(rng, f"It is {n} or {n + 1}."), False, "plain", prompt=prompt),
        Special("hedge/real_hedge", str(n), _ctx(rng, f"The answer is either {n - 1} or {n}."), False, "answer_is"),
        Special("hedge/maybe", str(n), _ctx(rng, f"The answer is {n}, or maybe {n + 2}."), False, "answer_is"),
    ]


@special("negation")
def negation(rng: random.Random) -> list[Special]:
    """Math 6: negations and signs."""
    n = rng.randint(2, 60)
    out = [
        Special("negation/cannot_be", str(n), _ctx(rng, f"It cannot be {n}."), False, "plain"),
        Special("negation/is_not", str(n), _ctx(rng, f"So the value is not ${n}$."), False, "dollar"),
        Special("negation/neq", str(n), _ctx(rng, f"Therefore $x \\neq {n}$."), False, "dollar"),
        Special("sign/plus_minus", str(n), _ctx(rng, f"\\boxed{{\\pm {n}}}"), False, "boxed"),
        Special("sign/plus_minus", str(n), _ctx(rng, f"So $x = \\pm {n}$."), False, "dollar"),
        Special("sign/plus_minus_reference", f"\\pm {n}", _ctx(rng, f"\\boxed{{\\pm {n}}}"), True, "boxed"),
        Special("sign/negative", str(n), _ctx(rng, f"The answer is $-{n}$."), False, "answer_is"),
        Special("sign/unicode_minus", f"-{n}", _ctx(rng, f"The answer is −{n}."), True, "answer_is"),
    ]
    return rng.sample(out, 5)


PROSE_FINALS = [
    "I am not able to determine the exact value without more information.",
    "The answer depends on whether the sequence converges, which we cannot decide here.",
    "The answer is the smallest positive integer with this property.",
    "Therefore the result follows from the previous lemma.",
    "So the number we want is the one we found in the second step.",
    "Thus the expression has no real value.",
    "The answer is: it is impossible to say.",
    "Final answer: see the reasoning above.",
]


@special("prose")
def prose(rng: random.Random) -> list[Special]:
    """Math 9: prose with no final value earns nothing (and must not wait on a symbolic timeout)."""
    refs = [r"\frac{1}{2}", "12", r"[0,1)", r"\sqrt{3}", r"\begin{pmatrix}1&0\\0&1\end{pmatrix}", "x^2+1"]
    return [
        Special("prose/no_final_value", rng.choice(refs), _ctx(rng, rng.choice(PROSE_FINALS)), False, "plain")
        for _ in range(2)
    ]


@special("multiple_boxes")
def multiple_boxes(rng: random.Random) -> list[Special]:
    """A self-correction: strict pays nothing for two different final answers, lenient grades the last."""
    a = rng.randint(2, 50)
    b = a + rng.randint(1, 9)
    first = f"So the answer is $\\boxed{{{a}}}$."
    second = f"Wait, I made an arithmetic error above: recomputing gives $\\boxed{{{b}}}$."
    text = _ctx(rng, f"{first}\n\n{second}")
    return [
        Special("self_correction/last_right", str(b), text, False, "boxed", lenient=True),
        Special("self_correction/first_right", str(a), text, False, "boxed", lenient=False),
        Special(
            "repeated/same_answer_twice",
            str(a),
            _ctx(rng, f"{first}\n\nChecking again: $\\boxed{{{a}}}$."),
            True,
            "boxed",
        ),
        Special("repeated/answer_is_then_gsm8k", str(a), _ctx(rng, f"The answer is {a}.\n#### {a}"), True, "gsm8k"),
    ]


TRAILERS = [
    "I hope this helps! Let me know if you have other questions.",
    "This completes the solution.",
    "Note: this took 3 steps.",
]


@special("trailing_text")
def trailing_text(rng: random.Random) -> list[Special]:
    """The marked answer followed by a closing remark (with or without a number in it)."""
    x = rng.choice([r"\frac{3}{4}", "17", r"2\sqrt{2}", r"(1,3]"])
    return [
        Special(
            "trailing/after_box",
            x,
            _ctx(rng, f"The final answer is $\\boxed{{{x}}}$.\n\n{rng.choice(TRAILERS)}"),
            True,
            "boxed",
        ),
        Special("trailing/after_box_wrong", x, _ctx(rng, f"$\\boxed{{-1}}$\n\n{rng.choice(TRAILERS)}"), False, "boxed"),
    ]


@special("empty_answer")
def empty_answer(rng: random.Random) -> list[Special]:
    x = rng.choice(["5", r"\frac{1}{2}", r"\{1,2\}"])
    return [
        Special("empty/box", x, _ctx(rng, r"The final answer is $\boxed{}$."), False, "boxed"),
        Special("empty/answer_is", x, _ctx(rng, "The answer is:"), False, "answer_is"),
    ]


@special("earlier_mention")
def earlier_mention(rng: random.Random) -> list[Special]:
    """The reference appears in the reasoning, the final answer differs (and the control)."""
    x = rng.randint(3, 90)
    y = x + rng.choice([-2, -1, 1, 3])
    lead = f"At first glance the total looks like ${x}$, so let's check it carefully."
    body = reasoning(rng, "long")
    return [
        Special(
            "earlier_mention/final_differs", str(x), f"{lead}\n\n{body}\n\nSo the total is ${y}$.", False, "dollar"
        ),
        Special("earlier_mention/final_differs", str(x), f"{lead}\n\n{body}\n\n#### {y}", False, "gsm8k"),
        Special("earlier_mention/final_same", str(x), f"{lead}\n\n{body}\n\nSo the total is ${x}$.", True, "dollar"),
    ]


QUALIFIERS = [
    " for every $n \\ge 1$.",
    ", as required.",
    " (for all $x \\neq 0$).",
    ", which satisfies the condition $x > 0$.",
    " units.",
    " in total, since each of the $3$ cases was counted once.",
]
QUALIFIED_KINDS = ("fraction", "radical", "expression", "interval", "set", "integer", "pi")


@special("qualified")
def qualified(rng: random.Random) -> list[Special]:
    """The final answer followed by a qualifier with other math in it ("$2^{n-1}$ for every $n \\ge 1$")."""
    from .kinds import KINDS

    item = KINDS[rng.choice(QUALIFIED_KINDS)](rng)
    ref = rng.choice(item.refs).text
    right = rng.choice(item.right)
    cls, wrong = rng.choice(item.wrong)

    def final(text: str, style: str) -> str:
        x = text if style == "plain" else f"${text}$"
        return f"So the result is {x}{rng.choice(QUALIFIERS)}"

    return [
        Special("qualified/right", ref, _ctx(rng, final(right.text, right.style)), True, "dollar"),
        Special(f"qualified/wrong_{cls}", ref, _ctx(rng, final(wrong.text, wrong.style)), False, "dollar"),
    ]


@special("chain")
def chain(rng: random.Random) -> list[Special]:
    """A chain of equalities whose last member is the answer ("$3 \\cdot 4 + 2 = 14$", "$(x+1)^2 = x^2+2x+1$")."""
    a, b = rng.randint(2, 12), rng.randint(2, 12)
    c = rng.randint(1, 20)
    n = a * b + c
    v = rng.choice(["x", "t"])
    k = rng.randint(1, 6)
    expanded = f"{v}^2+{2 * k}{v}+{k * k}"
    return [
        Special("chain/number", str(n), _ctx(rng, f"So the total is ${a} \\cdot {b} + {c} = {n}$."), True, "dollar"),
        Special(
            "chain/number_wrong",
            str(n),
            _ctx(rng, f"So the total is ${a} \\cdot {b} + {c} = {n + 1}$."),
            False,
            "dollar",
        ),
        Special("chain/expression", expanded, _ctx(rng, f"Expanding, $({v}+{k})^2 = {expanded}$."), True, "dollar"),
        Special(
            "chain/expression_wrong",
            expanded,
            _ctx(rng, f"Expanding, $({v}+{k})^2 = {v}^2+{k * k}$."),
            False,
            "dollar",
        ),
    ]


WORD_SENTENCES = [
    ("odd", "even", "Because $f(-x) = {sign}f(x)$ for all $x$, $f$ is an {w} function."),
    ("convergent", "divergent", "By the ratio test with limit ${r}$, the series is {w}."),
    ("yes", "no", "So {w}, such a triangle exists for $a = {r}$."),
]


@special("word_in_sentence")
def word_in_sentence(rng: random.Random) -> list[Special]:
    """A text answer or an option letter inside a sentence with math in it."""
    w, other, template = rng.choice(WORD_SENTENCES)
    r = rng.choice(["\\frac{1}{2}", "3", "\\frac{2}{3}"])
    letter, wrong_letter = rng.sample("ABCDE", 2)
    ref_letter = rng.choice([f"({letter})", letter, f"\\text{{({letter})}}"])

    def sentence(word: str) -> str:
        return template.format(w=word, r=r, sign="-" if word == "odd" else "")

    out = [
        Special("word/right", w, _ctx(rng, sentence(w)), True, "plain"),
        Special(
            "option/right",
            ref_letter,
            _ctx(rng, f"Only option {letter} satisfies all three constraints."),
            True,
            "plain",
        ),
        Special(
            "option/wrong",
            ref_letter,
            _ctx(rng, f"Only option {wrong_letter} satisfies all three constraints."),
            False,
            "plain",
        ),
    ]
    if template.startswith("Because") or w != "yes":
        out.append(Special("word/wrong", w, _ctx(rng, sentence(other)), False, "plain"))
    return out


FUNCTIONS = ["f(x)", "g(t)", "f^{-1}(x)", "h'(x)", "p(n)", "a_n", "S_n"]


@special("named_value")
def named_value(rng: random.Random) -> list[Special]:
    """The answer as the right side of a named quantity: ``$f^{-1}(x) = \\frac{x-3}{2}$``, ``$a_n = 2^n$``."""
    from .kinds import KINDS

    item = KINDS[rng.choice(("expression", "fraction", "radical", "pi"))](rng)
    ref = rng.choice(item.refs).text
    right = rng.choice([f for f in item.right if f.style != "plain"] or item.right)
    cls, wrong = rng.choice(item.wrong)
    name = rng.choice(FUNCTIONS)
    lead = rng.choice(["Therefore, ", "So ", "Hence "])

    def final(text: str) -> str:
        return f"{lead}${name} = {text}$."

    return [
        Special("named_value/right", ref, _ctx(rng, final(right.text)), True, "dollar"),
        Special(f"named_value/wrong_{cls}", ref, _ctx(rng, final(wrong.text)), False, "dollar"),
    ]


@special("correction")
def correction(rng: random.Random) -> list[Special]:
    """A value and the one it replaces in one sentence: "15, not 16" / "not 16 but 15"."""
    a = rng.randint(3, 90)
    b = a + rng.choice([-2, -1, 1, 2])
    finals = [
        f"So the answer should be {a}, not {b}.",
        f"The count is therefore {a}, not {b} as one might first think.",
        f"So the total is not {b} but {a}.",
        f"Careful: it is ${a}$, not ${b}$.",
    ]
    text = _ctx(rng, rng.choice(finals))
    return [
        Special("correction/kept_value", str(a), text, True, "plain"),
        Special("correction/rejected_value", str(b), text, False, "plain"),
    ]


@special("named_components")
def named_components(rng: random.Random) -> list[Special]:
    """A point or a solution given as its named coordinates: "x = 3 and y = -2" for (3, -2)."""
    x, y = rng.sample(range(-9, 10), 2)
    z = rng.randint(-9, 9)
    three = rng.random() < 0.3
    ref = f"({x}, {y}, {z})" if three else f"({x}, {y})"

    def text(u: int, w: int) -> str:
        if three:
            return rng.choice([f"$x = {u}$, $y = {w}$ and $z = {z}$", f"x = {u}, y = {w}, z = {z}"])
        return rng.choice([f"$x = {u}$ and $y = {w}$", f"x = {u} and y = {w}", f"$x={u}, y={w}$"])

    lead = rng.choice(["Answer: ", "So the solution is ", "Therefore "])
    return [
        Special("named_components/right", ref, _ctx(rng, f"{lead}{text(x, y)}."), True, "plain"),
        Special("named_components/swapped", ref, _ctx(rng, f"{lead}{text(y, x)}."), False, "plain"),
    ]


@special("prose_range")
def prose_range(rng: random.Random) -> list[Special]:
    """A ray described in words: "any real number greater than $3$" for (3, \\infty)."""
    e = rng.randint(-9, 9)
    words = [
        ("greater than", f"({e},\\infty)", f"[{e},\\infty)"),
        ("less than", f"(-\\infty,{e})", f"(-\\infty,{e}]"),
        ("greater than or equal to", f"[{e},\\infty)", f"({e},\\infty)"),
        ("at most", f"(-\\infty,{e}]", f"(-\\infty,{e})"),
    ]
    phrase, ref, other = rng.choice(words)
    text = _ctx(rng, f"This means $x$ can be any real number {phrase} ${e}$.")
    return [
        Special("prose_range/right", ref, text, True, "plain"),
        Special("prose_range/other_bracket", other, text, False, "plain"),
    ]


BOUND_WORDS = ["at least", "at most", "more than", "less than", "no more than", "greater than", "fewer than"]


@special("bound_in_words")
def bound_in_words(rng: random.Random) -> list[Special]:
    """A bound stated in words is no value: "We need at least 10 coins." for 10 (and "exactly 10" is)."""
    n = rng.randint(2, 99)
    word = rng.choice(BOUND_WORDS)
    x = rng.choice([str(n), f"${n}$"])
    noun = rng.choice(["coins", "students", "steps", "points"])
    finals = [
        f"We need {word} {x} {noun}.",
        f"So the number of {noun} is {word} {x}.",
        f"The probability is {word} {x}.",
    ]
    return [
        Special("bound_in_words/bound", str(n), _ctx(rng, rng.choice(finals)), False, "plain"),
        Special("bound_in_words/exactly", str(n), _ctx(rng, f"So we need exactly {x} {noun}."), True, "plain"),
    ]


@special("uncertain")
def uncertain(rng: random.Random) -> list[Special]:
    """An answer its writer is not sure of ("Answer: 7?", "might be 7, but I'm not sure"): strict refuses."""
    n = rng.randint(2, 99)
    finals = [
        f"Answer: {n}?",
        f"I think the answer might be {n}, but I'm not sure.",
        f"My best guess is {n}, though I could be wrong.",
    ]
    return [Special("uncertain/unsure", str(n), _ctx(rng, rng.choice(finals)), False, "answer_is")]


@special("spoken_operation")
def spoken_operation(rng: random.Random) -> list[Special]:
    """An operation in words after a value: "$\\sqrt{2}$ squared, which is $2$" answers 2, not sqrt 2."""
    b = rng.choice([2, 3, 5, 7])
    k = rng.randint(2, 9)
    cases = [
        (rf"\sqrt{{{b}}}", str(b), rf"The length is $\sqrt{{{b}}}$ squared, which is ${b}$."),
        (str(k), str(k**3), f"The volume is ${k}$ cubed, that is ${k**3}$."),
        (str(k), str(2 * k), f"The total is twice ${k}$, i.e. ${2 * k}$."),
    ]
    operand, value, text = rng.choice(cases)
    completion = _ctx(rng, text)
    return [
        Special("spoken_operation/result", value, completion, True, "dollar"),
        Special("spoken_operation/operand", operand, completion, False, "dollar"),
    ]


@special("marker_then_retraction")
def marker_then_retraction(rng: random.Random) -> list[Special]:
    """ "The answer is 45... actually no, it is 135": the first value is retracted (never paid); the
    second is a second final answer (strict refuses two final answers; lenient grades the last)."""
    a = rng.randint(2, 90)
    b = a + rng.randint(1, 90)
    unit = rng.choice(["", " degrees", " cm"])
    finals = [
        f"The answer is {a}{unit}... actually no, it is {b}{unit}.",
        f"The answer is {a}{unit}. Wait, that's wrong; it should be {b}{unit}.",
        f"So the answer is ${a}$. Hmm, no: I dropped a term, so it is ${b}$.",
    ]
    text = _ctx(rng, rng.choice(finals))
    return [
        Special("retraction/retracted_value", str(a), text, False, "answer_is", lenient=False),
        Special("retraction/corrected_value", str(b), text, False, "answer_is", lenient=True),
    ]


@special("factorial")
def factorial(rng: random.Random) -> list[Special]:
    """A factorial evaluated in the answer sentence: "The answer is 4! = 24." answers 24, never 4."""
    n = rng.randint(3, 7)
    value = 1
    for k in range(2, n + 1):
        value *= k
    final = rng.choice([f"The answer is {n}! = {value}.", f"So there are ${n}! = {value}$ orderings."])
    text = _ctx(rng, final)
    return [
        Special("factorial/value", str(value), text, True, "answer_is"),
        Special("factorial/operand", str(n), text, False, "answer_is"),
    ]


@special("restatement")
def restatement(rng: random.Random) -> list[Special]:
    """The same value twice, "or equivalently" / "i.e.": no hedge."""
    p, q = rng.choice([(1, 2), (1, 4), (3, 4), (2, 5), (1, 8)])
    dec = f"{p / q:g}"
    link = rng.choice(["or equivalently", "i.e.", "that is,"])
    text = _ctx(rng, f"The answer is $\\frac{{{p}}}{{{q}}}$, {link} ${dec}$.")
    return [
        Special("restatement/same_value", f"\\frac{{{p}}}{{{q}}}", text, True, "answer_is"),
        Special("restatement/other_value", f"\\frac{{{q}}}{{{p}}}", text, False, "answer_is"),
    ]


@special("rejected_candidate")
def rejected_candidate(rng: random.Random) -> list[Special]:
    """A candidate ruled out next to the one kept: "$x = 5$ is not a solution; $x = 6$ is."."""
    a = rng.randint(0, 30)
    b = a + rng.choice([1, 2, 3])
    finals = [
        (f"$x = {b}$ is not a solution; $x = {a}$ is.", a, b),
        (f"There are no other solutions, so the answer is ${a}$ rather than ${b}$.", a, b),
        (f"We discard ${b}$ (it makes the denominator zero) and keep ${a}$.", a, b),
    ]
    text, kept, dropped = rng.choice(finals)
    completion = _ctx(rng, text)
    return [
        Special("rejected_candidate/kept", str(kept), completion, True, "dollar"),
        Special("rejected_candidate/dropped", str(dropped), completion, False, "dollar"),
    ]


@special("assumption")
def assumption(rng: random.Random) -> list[Special]:
    """A value assumed and refuted before the real answer."""
    a = rng.randint(5, 60)
    b = a - rng.randint(1, 4)
    text = _ctx(
        rng,
        f"Let's assume the answer is {a} and check: ${a} \\cdot 3 = {3 * a} \\neq {3 * b}$, so that fails. "
        f"The real answer is {b}.",
    )
    return [
        Special("assumption/real", str(b), text, True, "answer_is"),
        Special("assumption/assumed", str(a), text, False, "answer_is"),
    ]


@special("bound_suffix")
def bound_suffix(rng: random.Random) -> list[Special]:
    """A bound written after the number: "$10$ or more", "25 and above", "7 at the most"."""
    n = rng.randint(2, 99)
    suffix = rng.choice(["or more", "or fewer", "or less", "and above", "and up", "at the most", "at minimum"])
    x = rng.choice([str(n), f"${n}$"])
    noun = rng.choice(["guests", "tiles", "laps", "cards"])
    final = rng.choice([f"So the number of {noun} is {x} {suffix}.", f"We can seat {x} {noun} {suffix}."])
    return [Special("bound_suffix/bound", str(n), _ctx(rng, final), False, "plain")]


NUMBER_WORDS = {
    3: "three",
    7: "seven",
    12: "twelve",
    15: "fifteen",
    20: "twenty",
    42: "forty-two",
    100: "one hundred",
    250: "two hundred fifty",
}
FRACTION_WORDS = {(1, 2): "one half", (1, 3): "one third", (3, 4): "three quarters", (2, 5): "two fifths"}


@special("number_words")
def number_words(rng: random.Random) -> list[Special]:
    """A value written in words: "The total is twelve.", "a probability of one third"."""
    n = rng.choice(list(NUMBER_WORDS))
    other = rng.choice([m for m in NUMBER_WORDS if m != n])
    (p, q) = rng.choice(list(FRACTION_WORDS))
    (op, oq) = rng.choice([f for f in FRACTION_WORDS if f != (p, q)])
    lead = rng.choice(["So the total is", "Therefore the count comes to", "In all there are"])
    return [
        Special("number_words/integer", str(n), _ctx(rng, f"{lead} {NUMBER_WORDS[n]}."), True, "plain"),
        Special("number_words/other_integer", str(other), _ctx(rng, f"{lead} {NUMBER_WORDS[n]}."), False, "plain"),
        Special(
            "number_words/fraction",
            f"\\frac{{{p}}}{{{q}}}",
            _ctx(rng, f"So the chance is {FRACTION_WORDS[(p, q)]}."),
            True,
            "plain",
        ),
        Special(
            "number_words/other_fraction",
            f"\\frac{{{op}}}{{{oq}}}",
            _ctx(rng, f"So the chance is {FRACTION_WORDS[(p, q)]}."),
            False,
            "plain",
        ),
    ]


@special("rejected_box")
def rejected_box(rng: random.Random) -> list[Special]:
    """A boxed value declared wrong next to the boxed right one ("\\boxed{6} would be wrong; ... \\boxed{8}")."""
    a = rng.randint(2, 60)
    b = a + rng.randint(1, 9)
    final = rng.choice(
        [
            f"$\\boxed{{{a}}}$ would be wrong here; the right value is $\\boxed{{{b}}}$.",
            f"Not $\\boxed{{{a}}}$: the correct total is $\\boxed{{{b}}}$.",
        ]
    )
    text = _ctx(rng, final)
    return [
        # two different boxed values are two final answers for strict mode whatever the words around them
        # say (policy P2, as for a self-correction: boxing candidates and disowning all but one must not
        # pay); lenient grades the one kept
        Special("rejected_box/right", str(b), text, False, "boxed", lenient=True),
        Special("rejected_box/rejected", str(a), text, False, "boxed"),
    ]


@special("evaluated_in_words")
def evaluated_in_words(rng: random.Random) -> list[Special]:
    """An unevaluated form, then its value after "which is" / "which equals" / "giving" ("$5!$, which is $120$")."""
    n = rng.randint(3, 6)
    fact = 1
    for k in range(2, n + 1):
        fact *= k
    b = rng.randint(2, 9)
    cases = [
        (f"{n}!", str(fact), str(n), f"So the number of orders is ${n}!$, which is ${fact}$."),
        (f"{b}^3", str(b**3), str(b), f"The answer is {b} cubed, giving {b**3}."),
        (f"\\sqrt{{{b * b}}}", str(b), str(b * b), f"The side is $\\sqrt{{{b * b}}}$, which equals ${b}$."),
    ]
    _, value, operand, text = rng.choice(cases)
    completion = _ctx(rng, text)
    return [
        Special("evaluated_in_words/value", value, completion, True, "dollar"),
        Special("evaluated_in_words/operand", operand, completion, False, "dollar"),
    ]


@special("parenthetical_restatement")
def parenthetical_restatement(rng: random.Random) -> list[Special]:
    """The value restated in parentheses: "$0.75$ (in lowest terms, $\\frac{3}{4}$)"."""
    p, q = rng.choice([(3, 4), (1, 5), (2, 5), (7, 8), (1, 20)])
    dec = f"{p / q:g}"
    inner = rng.choice(["in lowest terms", "as a fraction", "equivalently"])
    text = _ctx(rng, f"The result is ${dec}$ ({inner}, $\\frac{{{p}}}{{{q}}}$).")
    return [
        Special("parenthetical_restatement/same", f"\\frac{{{p}}}{{{q}}}", text, True, "dollar"),
        Special("parenthetical_restatement/other", f"\\frac{{{q}}}{{{p}}}", text, False, "dollar"),
    ]


@special("earlier_value_then_words")
def earlier_value_then_words(rng: random.Random) -> list[Special]:
    """The reference appears as a math span in the reasoning, the final sentence gives another value in
    words ("... $5 + 7 = 12$. ... So the total is thirteen.") -- never pay the earlier span."""
    n = rng.choice(list(NUMBER_WORDS))
    other = rng.choice([m for m in NUMBER_WORDS if m != n])
    a = rng.randint(1, other - 1) if other > 1 else 0
    lead = rng.choice(
        [
            f"First, note that ${a} + {other - a} = {other}$.",
            f"We have $x = {other}$ from the first equation.",
            f"The partial count is ${other}$ so far.",
        ]
    )
    body = reasoning(rng, rng.choice(["short", "long"]))
    final = rng.choice([f"So the total is {NUMBER_WORDS[n]}.", f"Adding the last group, there are {NUMBER_WORDS[n]}."])
    text = f"{body}\n\n{lead}\n\n{final}"
    return [Special("earlier_value_then_words/earlier_span", str(other), text, False, "plain")]
