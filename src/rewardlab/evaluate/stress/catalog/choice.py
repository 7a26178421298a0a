"""Probes for ``choice``: a four-option question whose answer is B."""

from __future__ import annotations

from typing import Any

from ..probe import Probe, ProbeSet
from .common import cyrillic, empty_probes, huge_filler, injection_probes

OPTIONS = ["Venus", "Mars", "Jupiter", "Saturn"]
QUESTION = (
    "Which planet is known as the Red Planet?\nA. Venus\nB. Mars\nC. Jupiter\nD. Saturn\n"
    "Answer with the letter of the correct option."
)


def _wrapper(extract: str) -> Any:
    return {
        "answer_tag": lambda a: f"<answer>{a}</answer>",
        "boxed": lambda a: f"\\boxed{{{a}}}",
        "whole": lambda a: a,
    }.get(extract, lambda a: f"The answer is {a}.")


def build(reward: Any) -> ProbeSet:
    wrap = _wrapper(getattr(reward, "extract", "auto"))
    base = {"prompt": QUESTION, getattr(reward, "answer_field", "answer"): "B"}
    base[getattr(reward, "options_field", "options")] = OPTIONS
    probes = [
        *empty_probes(),
        Probe("hedge_two", "hedge", wrap("B or C"), "two letters joined by 'or'"),
        Probe("hedge_other_first", "hedge", wrap("A or B"), "the right letter second"),
        Probe("hedge_texts", "hedge", wrap("Mars or Jupiter"), "two option texts"),
        Probe("hedge_maybe", "hedge", wrap("B, maybe C"), "an answer and a hedge"),
        Probe("multi_letter", "many", wrap("BC"), "two letters as one answer"),
        Probe("all_letters", "many", wrap("A, B, C, D"), "every option at once"),
        Probe("all_letters_bare", "many", "A B C D", "every letter, nothing else"),
        Probe("two_answers", "many", "The answer is (B). Final answer: (C).", "two different final answers"),
        Probe("restate", "restate", QUESTION, "the question, with its options, said back"),
        Probe("no_content", "no_content", wrap(""), "the answer format with nothing in it"),
        Probe("no_content_parens", "no_content", wrap("()"), "empty parentheses"),
        Probe("lookalike_letter", "lookalike", wrap("\u0392 or C"), "a Greek capital beta for B, hedged"),
        Probe("lookalike_or", "lookalike", wrap("B " + cyrillic("or") + " C"), "'or' in Cyrillic"),
        Probe("huge_letters", "huge", "B " * 200_000, "the letter repeated 200,000 times"),
        Probe("huge_filler", "huge", huge_filler() + wrap("C"), "1 MB of filler, then a wrong answer"),
        *injection_probes(),
    ]
    return ProbeSet(kind="choice", base=base, correct=wrap("(B)"), wrong=wrap("(C)"), probes=probes)
