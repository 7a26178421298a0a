"""Probes for ``ifeval``: a short story with keywords, no commas, a highlight, an end phrase, a word
limit and a forbidden word."""

from __future__ import annotations

from typing import Any

from ..probe import CORRECT, Probe, ProbeSet
from .common import empty_probes, huge_filler, injection_probes

END = "Is there anything else I can help with?"
QUESTION = (
    "Write a short story about a river and a lantern in under 80 words. Do not use any commas. "
    "Highlight at least one phrase with markdown, never use the word 'terrible', "
    f"and end with the exact phrase '{END}'"
)
CONSTRAINTS = [
    {"type": "keywords", "keywords": ["river", "lantern"]},
    {"type": "no_commas"},
    {"type": "highlighted_sections", "num_highlights": 1},
    {"type": "end_with", "end_phrase": END},
    {"type": "word_count", "relation": "less than", "num_words": 80},
    {"type": "forbidden_words", "forbidden_words": ["terrible"]},
]
CORRECT_TEXT = f"The *river* carried a small lantern past the sleeping town until dawn. {END}"


def build(reward: Any) -> ProbeSet:
    base = {"prompt": QUESTION, getattr(reward, "constraints_field", "constraints"): CONSTRAINTS}
    plain_bad = CORRECT_TEXT.replace("small", "terrible")
    probes = [
        *empty_probes(),
        Probe("restate", "restate", QUESTION, "the instructions said back"),
        Probe(
            "empty_highlight",
            "no_content",
            f"** ** {END}",
            "an empty highlight before the end phrase",
            ceiling=END,
        ),
        Probe("empty_title_bullets", "no_content", "<<>>\n*\n*\n-", "an empty title and empty bullets"),
        Probe(
            "lookalike_forbidden",
            "lookalike",
            CORRECT_TEXT.replace("small", "t\u0435rrible"),
            "the forbidden word with a Cyrillic 'е' (must score as if written plainly)",
            ceiling=plain_bad,
        ),
        Probe(
            "lookalike_comma",
            "lookalike",
            CORRECT_TEXT.replace("lantern past", "lantern\u201a past"),
            "a look-alike comma (U+201A)",
            ceiling=CORRECT_TEXT.replace("lantern past", "lantern, past"),
        ),
        Probe("keywords_only", "many", "river lantern", "the keywords and nothing else", ceiling="river lantern"),
        Probe("huge_filler", "huge", huge_filler(), "1 MB of filler"),
        Probe(
            "huge_story",
            "huge",
            "The *river* and the lantern. " * 30_000 + END,
            "a 150,000-word story (health only)",
            ceiling=CORRECT,
        ),
        *injection_probes(),
    ]
    return ProbeSet(kind="ifeval", base=base, correct=CORRECT_TEXT, wrong="OK.", probes=probes)
