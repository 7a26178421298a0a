r"""Worked-solution text around a final answer: reasoning with other numbers and expressions in it.

The sentences never contain an answer marker ("the answer is", ``\boxed``, ``####``, "Answer:"),
a hedge ("or", "maybe") or a negation, so that the label of a case depends on its final answer
alone; they do contain many other numbers, LaTeX spans, intervals, sets and matrices, which a
grader must not take for the answer.

>>> import random
>>> text = reasoning(random.Random(1), "long")
>>> text.count("\n\n") >= 2, "answer" in text.lower(), "boxed" in text
(True, False, False)
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Literal

Context = Literal["bare", "short", "long"]

Sentence = Callable[[random.Random], str]


def _r(rng: random.Random, lo: int = 2, hi: int = 12) -> int:
    return rng.randint(lo, hi)


LATEX_SENTENCES: list[Sentence] = [
    lambda g: (lambda a, b: f"First, note that ${a} + {b} = {a + b}$.")(_r(g), _r(g)),
    lambda g: (lambda a, b, c: f"Substituting $x = {a}$ gives ${b} \\cdot {a} + {c} = {a * b + c}$.")(
        _r(g), _r(g), _r(g)
    ),
    lambda g: (lambda r, s: f"We can factor $x^2 - {r + s}x + {r * s}$ as $(x - {r})(x - {s})$.")(
        _r(g, 1, 6), _r(g, 7, 11)
    ),
    lambda g: (lambda d: f"The discriminant is $b^2 - 4ac = {d}$, which is positive.")(_r(g, 5, 90)),
    lambda g: (lambda k, m: f"Multiplying both sides by ${k}$, we get ${k}y = {k * m}$.")(_r(g), _r(g)),
    lambda g: "Recall the identity $\\sin^2\\theta + \\cos^2\\theta = 1$.",
    lambda g: (lambda a, b: f"By the Pythagorean theorem, ${a}^2 + {b}^2 = {a * a + b * b}$.")(_r(g), _r(g)),
    lambda g: (
        lambda n: f"The sum of the first ${n}$ positive integers is $\\frac{{{n}({n}+1)}}{{2}} = {n * (n + 1) // 2}$."
    )(_r(g, 3, 30)),
    lambda g: (lambda a, b: f"Before simplifying, the ratio is $\\frac{{{a}}}{{{b}}}$.")(_r(g, 2, 40), _r(g, 2, 40)),
    lambda g: (lambda a, b, c: f"Let $f(x) = {a}x^2 + {b}$; then $f({c}) = {a * c * c + b}$.")(
        _r(g), _r(g), _r(g, 1, 5)
    ),
    lambda g: (
        lambda s, d: f"We set up the system\n\\[\n\\begin{{cases}} x + y = {s} \\\\ x - y = {d} \\end{{cases}}\n\\]"
    )(_r(g, 10, 20), _r(g, 1, 9)),
    lambda g: (lambda x, y: f"Then $x = {x}$ and $y = {y}$ satisfy both equations.")(_r(g), _r(g)),
    lambda g: (lambda a, b: f"The derivative is positive on $({a}, {a + b})$ and negative elsewhere.")(
        _r(g, -5, 3), _r(g)
    ),
    lambda g: (lambda a, b: f"Checking the endpoints, $g({a}) = {a * a}$ and $g({b}) = {b * b}$.")(
        _r(g, 0, 4), _r(g, 5, 9)
    ),
    lambda g: (lambda r: f"Since $\\sqrt{{{r * r}}} = {r}$, the side length is ${r}$.")(_r(g)),
    lambda g: (
        lambda a, b, c, d: (
            f"The matrix $\\begin{{pmatrix}} {a} & {b} \\\\ {c} & {d} \\end{{pmatrix}}$ "
            f"has determinant ${a * d - b * c}$."
        )
    )(_r(g, 1, 9), _r(g, 1, 9), _r(g, 1, 9), _r(g, 1, 9)),
    lambda g: (lambda a, b, c: f"So far the candidates are $\\{{{a}, {b}, {c}\\}}$.")(
        _r(g, 1, 5), _r(g, 6, 9), _r(g, 10, 14)
    ),
    lambda g: (lambda b, h: f"The area of the triangle is $\\frac{{1}}{{2}} \\cdot {b} \\cdot {h} = {b * h / 2:g}$.")(
        _r(g), _r(g)
    ),
    lambda g: (lambda a: f"Squaring both sides gives \\(x^2 = {a * a}\\), with $x > 0$.")(_r(g)),
    lambda g: (lambda a, b: f"The line through the two points has slope $\\frac{{{b}}}{{{a}}}$.")(_r(g), _r(g)),
    lambda g: (lambda n: f"Using $\\binom{{{n}}}{{2}} = {n * (n - 1) // 2}$, we count the pairs.")(_r(g, 4, 15)),
    lambda g: (lambda a: f"The angle is ${a * 5}^\\circ$, so its supplement is ${180 - a * 5}^\\circ$.")(_r(g, 2, 30)),
    lambda g: (lambda a, b: f"\\[\n{a}x + {b} = {a * 3 + b}\n\\]\nso we isolate $x$ next.")(_r(g), _r(g)),
    lambda g: (lambda p: f"The probability of one outcome is $\\frac{{1}}{{{p}}}$, about ${100 / p:.1f}\\%$.")(
        _r(g, 2, 9)
    ),
]

PLAIN_SENTENCES: list[Sentence] = [
    lambda g: (lambda a, b: f"There are {a} groups of {b} items, which makes {a * b} items in total.")(_r(g), _r(g)),
    lambda g: (lambda a, b, c: f"Substituting x = {a} gives {b}*{a} + {c} = {a * b + c}.")(_r(g), _r(g), _r(g)),
    lambda g: (lambda a: f"After {a} hours the tank holds {a * 15} liters.")(_r(g)),
    lambda g: (lambda a, b: f"The ratio is {a}/{b} before we simplify it.")(_r(g, 2, 30), _r(g, 2, 30)),
    lambda g: (lambda a: f"So 1,{a:03d} people were counted in the first week.")(_r(g, 100, 999)),
    lambda g: (lambda a, b: f"Half of {2 * a} is {a}, and {a} + {b} = {a + b}.")(_r(g), _r(g)),
    lambda g: (lambda a: f"The discount is {a}% of the price.")(_r(g, 5, 40)),
]

FILLER = [
    "Let's solve this step by step.",
    "We need to be careful with the signs here.",
    "Let me double-check this step.",
    "This is a standard approach for problems of this type.",
    "Now we combine the two results.",
    "Next, we simplify.",
    "Let's verify the computation.",
    "We will use this fact below.",
]

OPENERS = ["", "", "Step 1: ", "**Step 2.** ", "Next, ", "Now, ", "First, ", "Then "]


def _money(g: random.Random) -> str:
    """Dollar signs as currency (GSM8K style): only in plain-text solutions, two of them, so that the
    LaTeX delimiters of a final ``$...$`` answer still pair up."""
    a, b = _r(g, 5, 50), _r(g, 5, 50)
    return f"She spends ${a} on Monday and ${b} on Tuesday."


def _sentence(rng: random.Random, plain: bool) -> str:
    roll = rng.random()
    if roll < 0.15:
        return rng.choice(FILLER)
    if plain and roll > 0.9:
        return _money(rng)
    pool = PLAIN_SENTENCES if plain or roll > 0.85 else LATEX_SENTENCES
    return rng.choice(pool)(rng)


def paragraph(rng: random.Random, plain: bool = False, sentences: tuple[int, int] = (2, 4)) -> str:
    text = " ".join(_sentence(rng, plain) for _ in range(rng.randint(*sentences)))
    opener = rng.choice(OPENERS)
    lower = opener.endswith(", ") or opener == "Then "
    return opener + (text[0].lower() + text[1:] if lower else text)


def reasoning(rng: random.Random, context: Context, plain: bool = False) -> str:
    """The text before the final answer: nothing (``bare``), a sentence or two, or several paragraphs."""
    if context == "bare":
        return ""
    if context == "short":
        return paragraph(rng, plain, (1, 2))
    paragraphs = [rng.choice([*FILLER[:1], ""])] + [paragraph(rng, plain) for _ in range(rng.randint(3, 6))]
    return "\n\n".join(p for p in paragraphs if p)
