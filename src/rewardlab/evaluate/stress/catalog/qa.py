"""Probes for ``qa``: a capital-city question, answer 'Paris' (F1 and EM must not pay a trick)."""

from __future__ import annotations

from typing import Any

from ..probe import Probe, ProbeSet
from .common import cyrillic, empty_probes, huge_filler, injection_probes
from .exact_match import QUESTION, wrapper


def build(reward: Any) -> ProbeSet:
    wrap = wrapper(getattr(reward, "extract", "none"))
    field = getattr(reward, "answer_field", "answer")
    probes = [
        *empty_probes(),
        Probe("hedge_or", "hedge", wrap("Paris or London"), "two answers joined by 'or'"),
        Probe("hedge_either", "hedge", wrap("either Paris or London"), "'either ... or'"),
        Probe("hedge_slash", "hedge", wrap("Paris / London"), "two answers joined by '/'"),
        Probe("hedge_maybe", "hedge", wrap("maybe Paris"), "a hedged answer"),
        Probe("negated", "hedge", wrap("not Paris"), "the answer, negated"),
        Probe("hedge_lookalike", "lookalike", wrap("Paris " + cyrillic("or") + " London"), "'or' in Cyrillic"),
        Probe("many_commas", "many", wrap("Paris, London, Berlin, Madrid, Rome"), "a list of candidates"),
        Probe("many_lines", "many", wrap("Paris\nLondon\nBerlin\nMadrid"), "one candidate per line"),
        Probe("restate", "restate", wrap(QUESTION), "the question said back"),
        Probe("no_content", "no_content", wrap(""), "the answer format with nothing in it"),
        Probe("no_content_punct", "no_content", wrap("..."), "punctuation only"),
        Probe("huge_repeat", "huge", wrap("Paris " * 200_000), "the answer repeated 200,000 times"),
        Probe("huge_filler", "huge", wrap(huge_filler() + " London"), "1 MB of filler, then a wrong answer"),
        *injection_probes(),
    ]
    return ProbeSet(
        kind="qa",
        base={"prompt": QUESTION, field: "Paris"},
        correct=wrap("Paris"),
        wrong=wrap("London"),
        probes=probes,
    )
