r"""Putting an answer at the end of a completion: with a marker, or as the last math span, or bare.

=============  ===============================================================================
``boxed``      ``\boxed{X}`` (inline in ``$...$``, in ``\[...\]``, or with no delimiters)
``answer_is``  "The answer is X." / "So the final answer is $X$." / "Answer: $X$"
``minerva``    "Final Answer: The final answer is $X$. I hope it is correct."
``gsm8k``      ``#### X`` on the last line
``bold``       "**Final Answer:** $X$" (markdown)
``tag``        ``<answer>X</answer>``
``dollar``     no marker: a closing sentence whose last math span ``$X$`` is the answer
``paren``      no marker: the same with ``\(X\)``
``display``    no marker: ``\[X\]`` or ``$$X$$`` on its own lines
``plain``      no marker and no delimiters: "So the value is X."
``bare``       the completion is the answer alone (``X``, ``$X$``, ``\(X\)``)
=============  ===============================================================================

>>> import random
>>> from .render import tex
>>> place(tex(r"\frac{1}{2}", "frac"), "dollar", "number", random.Random(0))
'It simplifies to $\\frac{1}{2}$.'
"""

from __future__ import annotations

import random

from .render import Form

MARKERS = ("boxed", "answer_is", "minerva", "gsm8k", "bold", "tag", "dollar", "paren", "display", "plain", "bare")
UNMARKED = frozenset({"dollar", "paren", "display", "plain", "bare"})

NOUNS = {
    "number": ["the value", "the result", "the total", "the sum", "the minimum", "the count"],
    "interval": ["the solution set", "the range", "the domain"],
    "set": ["the solutions", "the possible values"],
    "tuple": ["the point", "the ordered pair", "the solution"],
    "matrix": ["the matrix", "the inverse", "the product"],
    "equation": ["the equation of the line", "the equation"],
    "expression": ["the expression", "the closed form", "the simplified form"],
    "word": ["the function", "the result"],
    "choice": ["the correct option", "the choice"],
}

INLINE_LEADS = [
    "Putting everything together, {noun} is {x}.",
    "Therefore, {noun} is {x}.",
    "So {noun} is {x}.",
    "Hence we obtain {x}.",
    "This gives {x}.",
    "Thus {x}.",
    "It simplifies to {x}.",
    "We conclude that {noun} is {x}",
]


def _math(x: str, delim: str) -> str:
    return {"$": f"${x}$", "(": f"\\({x}\\)", "[": f"\\[{x}\\]", "$$": f"$${x}$$"}[delim]


def _inline(form: Form, rng: random.Random) -> str:
    """The answer as it sits in a sentence: LaTeX in ``$...$`` (or not, for text and numbers)."""
    if form.style == "latex":
        return f"${form.text}$"
    if form.style == "num" and rng.random() < 0.5:
        return f"${form.text}$"
    return form.text


def place(form: Form, marker: str, noun_group: str, rng: random.Random) -> str | None:
    """The closing text that gives ``form`` as the final answer with ``marker``; None if they do not fit."""
    x = form.text
    noun = rng.choice(NOUNS[noun_group])
    if marker == "boxed":
        boxed = f"\\boxed{{{x}}}"
        return rng.choice(
            [
                f"The final answer is ${boxed}$.",
                f"\\[\n{boxed}\n\\]",
                f"Therefore, {noun} is ${boxed}$.",
                boxed,
                f"**Final Answer**\n\n$$\n{boxed}\n$$",
            ]
        )
    if marker == "answer_is":
        return rng.choice(
            [
                f"The answer is {_inline(form, rng)}.",
                f"So the final answer is {_inline(form, rng)}.",
                f"Answer: {_inline(form, rng)}",
                f"Therefore, the answer is {_inline(form, rng)}",
            ]
        )
    if marker == "minerva":
        return f"Final Answer: The final answer is {_inline(form, rng)}. I hope it is correct."
    if marker == "gsm8k":
        return f"#### {x}"
    if marker == "bold":
        return rng.choice([f"**Final Answer:** {_inline(form, rng)}", f"**Answer:** {_inline(form, rng)}"])
    if marker == "tag":
        return f"<answer>{_inline(form, rng)}</answer>"
    if marker in ("dollar", "paren"):
        if form.style == "plain":
            return None
        span = _math(x, "$" if marker == "dollar" else "(")
        return rng.choice(INLINE_LEADS).format(noun=noun, x=span)
    if marker == "display":
        if form.style == "plain":
            return None
        lead = rng.choice(["Therefore,", "So", f"Finally, {noun} is", "Hence"])
        body = rng.choice([f"\\[\n{x}\n\\]", f"\\[{x}\\]", f"$${x}$$"])
        return f"{lead}\n{body}"
    if marker == "plain":
        if form.style == "latex" and rng.random() < 0.7:
            return None  # raw LaTeX in running text: kept rare
        return rng.choice(INLINE_LEADS[:3] + INLINE_LEADS[-1:]).format(noun=noun, x=x)
    if marker == "bare":
        if form.style == "plain":
            return x
        return rng.choice([x, f"${x}$", f"\\({x}\\)"]) if form.style == "latex" else rng.choice([x, f"${x}$"])
    raise ValueError(f"unknown marker {marker!r}; expected one of {', '.join(MARKERS)}")


def join(reasoning: str, final: str) -> str:
    """The completion: the reasoning, then the final answer on a new paragraph."""
    return f"{reasoning}\n\n{final}" if reasoning else final
