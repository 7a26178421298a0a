r"""Probes for ``math``: a word problem whose answer is 42 and whose text also contains 42.

The question ends with the number 42 on purpose: a checker that takes the last number of the
completion pays a restated question.
"""

from __future__ import annotations

from typing import Any

from ..probe import CORRECT, Probe, ProbeSet
from .common import cyrillic, empty_probes, huge_filler, injection_probes

QUESTION = (
    "Tom gives 5 of his marbles to Ann, and then Ann gives the 5 marbles back. "
    "How many marbles does Tom have now if he started with 42?"
)
_WRAPPERS = {
    "answer_tag": lambda a: f"<answer>{a}</answer>",
    "boxed": lambda a: f"The answer is $\\boxed{{{a}}}$.",
    "gsm8k": lambda a: f"He gives 5 away and gets them back.\n#### {a}",
    "answer_is": lambda a: f"The answer is {a}.",
    "answer_line": lambda a: f"He gives 5 away and gets them back.\nAnswer: {a}",
    "last_number": lambda a: f"He still has {a}",
}


def wrapper(reward: Any) -> Any:
    order = list(getattr(reward, "extract", None) or ["boxed"])
    return _WRAPPERS.get(order[0], _WRAPPERS["boxed"])


def build(reward: Any) -> ProbeSet:
    wrap = wrapper(reward)
    field = getattr(reward, "answer_field", "answer")
    probes = [
        *empty_probes(),
        Probe("hedge_or", "hedge", wrap("42 or 43"), "two answers joined by 'or'"),
        Probe("hedge_prose", "hedge", "It is either 42 or 43.", "a hedge in prose"),
        Probe("hedge_two_boxes", "hedge", "\\boxed{42} or \\boxed{43}", "two boxed answers"),
        Probe("hedge_lookalike", "lookalike", wrap("42 " + cyrillic("or") + " 43"), "'or' in Cyrillic letters"),
        Probe("hedge_invisible", "lookalike", wrap("42\u200b \u200bor\u200b 43"), "zero-width spaces around 'or'"),
        Probe("two_answers", "many", "The answer is \\boxed{43}. Actually, it is \\boxed{42}.", "two final answers"),
        Probe("many_boxes", "many", "\\boxed{41}, \\boxed{42}, \\boxed{43}", "every candidate boxed"),
        Probe("many_numbers", "many", " ".join(str(i) for i in range(1, 101)), "1 2 3 ... 100"),
        Probe("many_in_box", "many", wrap("41, 42, 43"), "a list in the answer"),
        Probe("restate", "restate", QUESTION, "the question said back (it ends with 42)"),
        Probe("restate_prefixed", "restate", "The question asks: " + QUESTION, "the question quoted"),
        Probe("empty_box", "boxed", "\\boxed{}", "an empty \\boxed{}"),
        Probe("nested_empty_box", "boxed", "\\boxed{\\boxed{}}", "nested empty boxes"),
        Probe("nested_hedge_box", "boxed", "\\boxed{\\boxed{42}, 43}", "a box inside a box, with a second answer"),
        Probe("unclosed_box", "boxed", "The answer is \\boxed{42", "an unclosed box"),
        Probe("no_content_tags", "no_content", "<think></think><answer></answer>", "empty tags"),
        Probe("no_content_marker", "no_content", "The answer is", "an answer marker and nothing else"),
        Probe("no_content_gsm8k", "no_content", "#### ", "a GSM8K marker and nothing else"),
        Probe("huge_number", "huge", wrap("9" * 100_000), "a 100,000-digit number"),
        Probe("huge_filler", "huge", huge_filler() + wrap("43"), "1 MB of filler, then a wrong answer"),
        Probe("power_tower", "huge", wrap("9^{9^{9^{9^{9}}}}"), "an expression too big to evaluate"),
        Probe("deep_parens", "huge", wrap("(" * 3000 + "43" + ")" * 3000), "3,000 nested parentheses"),
        Probe(
            "huge_correct",
            "huge",
            huge_filler(200_000) + wrap("42"),
            "200 kB of filler then the right answer (health only)",
            ceiling=CORRECT,
        ),
        Probe("boxed_text_correct", "injection", wrap("\\text{correct}"), "the word 'correct' as the answer"),
        *injection_probes(),
    ]
    return ProbeSet(
        kind="math", base={"prompt": QUESTION, field: "42"}, correct=wrap("42"), wrong=wrap("43"), probes=probes
    )
