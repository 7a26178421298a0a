"""Probes for ``format``: tag templates (format without content) and the JSON template."""

from __future__ import annotations

from typing import Any

from ..probe import CORRECT, Probe, ProbeSet, Unprobeable
from .common import cyrillic, empty_probes, huge_filler, injection_probes

FILL = {"think": "Two and two make four.", "answer": "4"}


def _tagged(tags: tuple[str, ...], body: Any = None) -> str:
    return "\n".join(f"<{t}>{FILL.get(t, 'some text') if body is None else body}</{t}>" for t in tags)


def build(reward: Any) -> ProbeSet:
    if getattr(reward, "template", None) == "json":
        return _json_set()
    if getattr(reward, "pattern", None):
        raise Unprobeable("a custom 'pattern' has no generic matching completion to build probes from")
    from ....verifiers.format import TEMPLATES

    tags = TEMPLATES[reward.template] if reward.template else tuple(reward.tags or ())
    correct = _tagged(tags)
    probes = [
        *empty_probes(),
        Probe("empty_tags", "no_content", _tagged(tags, ""), "every tag, empty"),
        Probe("blank_tags", "no_content", _tagged(tags, "   \n "), "every tag, only whitespace"),
        Probe("tags_only_open", "no_content", "".join(f"<{t}>" for t in tags), "opening tags only"),
        Probe("duplicate_tags", "many", correct + "\n" + correct, "every tag twice"),
        Probe("reversed", "no_content", _tagged(tuple(reversed(tags))) if len(tags) > 1 else "", "tags out of order"),
        Probe("lookalike_tags", "lookalike", cyrillic(correct), "tag names in Cyrillic look-alike letters"),
        Probe("huge_untagged", "huge", huge_filler(), "1 MB of text without tags"),
        Probe(
            "huge_content",
            "huge",
            "\n".join(f"<{t}>{huge_filler(300_000)}</{t}>" for t in tags),
            "well-formed tags around 300 kB each (health only)",
            ceiling=CORRECT,
        ),
        *injection_probes(),
    ]
    if len(tags) == 1:
        probes = [p for p in probes if p.name != "reversed"]
    return ProbeSet(kind="format", base={"prompt": "What is 2 + 2?"}, correct=correct, wrong="4", probes=probes)


def _json_set() -> ProbeSet:
    probes = [
        *empty_probes(),
        Probe("empty_object", "no_content", "{}", "an empty object"),
        Probe("empty_array", "no_content", "[]", "an empty array"),
        Probe("empty_string", "no_content", '""', "an empty string"),
        Probe("null", "no_content", "null", "null"),
        Probe("empty_members", "no_content", '{"answer": "", "reason": []}', "only empty members"),
        Probe("two_values", "many", '{"answer": 4} {"answer": 5}', "two JSON values"),
        Probe("duplicate_keys", "many", '{"answer": 5, "answer": 4}', "a key given twice"),
        Probe("nan", "no_content", '{"answer": NaN}', "NaN is not JSON"),
        Probe("truncated", "no_content", '{"answer": 4', "unterminated JSON"),
        Probe("deep_nesting", "huge", "[" * 100_000 + "]" * 100_000, "100,000 nested arrays"),
        Probe("huge_text", "huge", huge_filler(), "1 MB of prose"),
        Probe("lookalike_quotes", "lookalike", "{\u201canswer\u201d: 4}", "curly quotes instead of JSON quotes"),
        *injection_probes(),
    ]
    return ProbeSet(
        kind="format",
        base={"prompt": "Reply in JSON."},
        correct='{"answer": 4}',
        wrong="The answer is 4.",
        probes=probes,
    )
