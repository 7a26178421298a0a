r"""The differential corpus itself: deterministic, well-formed, and its labels right by an independent check.

The label check evaluates number literals with a small exact evaluator written here (no rewardlab,
no sympy): every right form of a numeric kind must have the reference's value, every wrong form
another value.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from fractions import Fraction

import pytest

from .corpus import LATEX_KINDS, build, latex_set, sample
from .kinds import KINDS
from .markers import MARKERS
from .prose import reasoning
from .special import SPECIALS

NUMERIC_KINDS = ("integer", "decimal", "fraction", "thousands")


def exact(text: str) -> Fraction:
    """The exact value of a number literal as the generator writes it (raises ValueError otherwise)."""
    t = text.strip()
    for wrapper in (r"\mathbf{", r"\left("):
        if t.startswith(wrapper):
            t = t[len(wrapper) :].removesuffix("}").removesuffix(r"\right)")
    t = t.replace(r"\$", "").replace("{,}", "").replace(r"\,", "").replace(",", "")
    sign = 1
    if t.startswith("-"):
        sign, t = -1, t[1:]
    m = re.fullmatch(r"(\d*)\\[dt]?frac\{?(-?\d+)\}?\{?(-?\d+)\}?", t) or re.fullmatch(r"(\d*)\\[dt]?frac(\d)(\d)", t)
    if m:
        whole = int(m.group(1)) if m.group(1) else 0
        return sign * (whole + Fraction(int(m.group(2)), int(m.group(3))))
    m = re.fullmatch(r"(-?\d+)/(\d+)", t)
    if m:
        return sign * Fraction(int(m.group(1)), int(m.group(2)))
    if re.fullmatch(r"\d*\.?\d+|\d+\.\d*", t):
        return sign * Fraction(t)
    raise ValueError(f"not a number literal: {text!r}")


@pytest.mark.parametrize("kind", NUMERIC_KINDS)
def test_numeric_labels_hold_by_exact_evaluation(kind: str) -> None:
    for i in range(200):
        item = KINDS[kind](random.Random(f"labels:{kind}:{i}"))
        ref_values = {exact(r.text) for r in item.refs}
        assert len(ref_values) == 1, (kind, i, [r.text for r in item.refs])
        value = ref_values.pop()
        for form in item.right:
            assert exact(form.text) == value, (kind, i, form)
        for cls, form in item.wrong:
            assert exact(form.text) != value, (kind, i, cls, form)


def test_same_seed_same_corpus_other_seed_other_corpus() -> None:
    a, b, c = build(seed=3, items=3), build(seed=3, items=3), build(seed=4, items=3)
    assert a == b
    assert [x.completion for x in a] != [x.completion for x in c]


def test_corpus_is_well_formed_and_covers_every_kind_marker_and_context() -> None:
    cases = build(seed=0, items=12)
    assert len({c.id for c in cases}) == len(cases)
    kinds = Counter(c.kind for c in cases)
    assert set(kinds) == set(KINDS) | {f"issue:{name}" for name in SPECIALS}
    for kind in KINDS:
        labels = {c.label for c in cases if c.kind == kind}
        assert labels == {True, False}, kind
    assert {c.marker for c in cases} == set(MARKERS)
    assert {c.context for c in cases} == {"bare", "short", "long"}
    for c in cases:
        assert c.answer.strip() and c.completion.strip(), c.id
        if c.marker == "bare":
            assert c.context == "bare", c.id


def test_reasoning_has_no_marker_hedge_or_negation() -> None:
    """A case's label must depend on its final answer alone."""
    for i in range(400):
        for context in ("short", "long"):
            text = reasoning(random.Random(f"reasoning:{i}"), context, plain=i % 3 == 0).lower()
            assert text
            for word in ("answer", r"\boxed", "####", " or ", "maybe", " not ", "cannot", "either"):
                assert word not in text, (i, context, word)
            assert text.count("$") % 2 == 0, (i, context)


def test_sample_is_seeded_and_keeps_every_kind() -> None:
    cases = build(seed=0, items=12)
    s = sample(cases, 500, seed=1)
    assert s == sample(cases, 500, seed=1)
    assert {c.kind for c in s} == {c.kind for c in cases}
    assert 450 <= len(s) <= 500 + 20 * len({c.kind for c in cases})


def test_latex_set_is_long_and_latex() -> None:
    cases = latex_set(seed=0, items=2)
    assert {c.kind for c in cases} == set(LATEX_KINDS)
    assert {c.context for c in cases} == {"long"}
    assert {c.marker for c in cases} <= {"boxed", "dollar", "paren", "display"}
    assert {c.label for c in cases} == {True, False}
