"""Probes for ``exact_match``: a capital-city question, answer 'Paris'."""

from __future__ import annotations

from typing import Any

from ..probe import Probe, ProbeSet, Unprobeable
from .common import cyrillic, empty_probes, huge_filler, injection_probes

QUESTION = "What is the capital of France?"


def wrapper(extract: str) -> Any:
    if extract == "none":
        return lambda a: a
    if extract == "answer_tag":
        return lambda a: f"<answer>{a}</answer>"
    if extract == "boxed":
        return lambda a: f"\\boxed{{{a}}}"
    if extract == "last_line":
        return lambda a: f"Let me think about it.\n{a}"
    raise Unprobeable(f"extract={extract!r}: no generic way to write an answer this extraction finds")


def build(reward: Any) -> ProbeSet:
    wrap = wrapper(getattr(reward, "extract", "none"))
    field = getattr(reward, "answer_field", "answer")
    probes = [
        *empty_probes(),
        Probe("hedge_or", "hedge", wrap("Paris or London"), "two answers joined by 'or'"),
        Probe("hedge_lookalike", "lookalike", wrap("Paris " + cyrillic("or") + " London"), "'or' in Cyrillic letters"),
        Probe("many_candidates", "many", wrap("Paris, London, Berlin, Madrid, Rome"), "every candidate at once"),
        Probe("restate", "restate", wrap(QUESTION), "the question said back"),
        Probe("no_content", "no_content", wrap(""), "the answer format with nothing in it"),
        Probe("huge_repeat", "huge", wrap("Paris " * 200_000), "the answer repeated 200,000 times"),
        Probe("huge_filler", "huge", huge_filler() + wrap("London"), "1 MB of filler, then a wrong answer"),
        *injection_probes(),
    ]
    return ProbeSet(
        kind="exact_match",
        base={"prompt": QUESTION, field: "Paris"},
        correct=wrap("Paris"),
        wrong=wrap("London"),
        probes=probes,
    )
