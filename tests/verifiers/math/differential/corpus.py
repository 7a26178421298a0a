r"""The differential corpus: reference x completion pairs with a label known by construction.

``build(seed, items)`` draws ``items`` values of every kind in :data:`.kinds.KINDS` and writes
each of their right, wrong and lenient-only forms into a completion (a marker from
:data:`.markers.MARKERS`, a context of no, short or long reasoning), then adds the sentence-level
classes of :data:`.special.SPECIALS`. The same seed gives the same corpus, byte for byte (pure
Python, string-seeded ``random.Random``).

A case's ``label`` is what a careful grader pays in strict mode; ``lenient`` is the label for
``mode="lenient"`` where rewardlab's documented lenient policy pays more (a rounded decimal, a
percentage read as a fraction, the last of several boxed answers); None means the same label.

Write it to JSON Lines::

    .venv/bin/python -m tests.verifiers.math.differential.corpus --out /tmp/math_diff.jsonl

>>> cases = build(seed=0, items=2)
>>> len({c.id for c in cases}) == len(cases), {c.label for c in cases}
(True, {False, True})
>>> cases == build(seed=0, items=2)
True
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from . import special as _special
from .kinds import KINDS, Item
from .markers import MARKERS, UNMARKED, join, place
from .prose import Context, reasoning
from .render import Form

__all__ = ["Case", "build", "composition", "sample"]


@dataclass(frozen=True)
class Case:
    id: str
    kind: str
    cls: str
    """``right/<form>``, ``wrong/<near-miss class>``, ``lenient/<form>`` or a special class."""
    form: str
    ref_form: str
    marker: str
    context: str
    answer: str
    completion: str
    label: bool
    lenient: bool | None = None
    prompt: str | None = None

    @property
    def lenient_label(self) -> bool:
        return self.label if self.lenient is None else self.lenient

    @property
    def marked(self) -> bool:
        return self.marker not in UNMARKED

    def sample(self) -> dict[str, str]:
        s = {"completion": self.completion, "answer": self.answer}
        if self.prompt is not None:
            s["prompt"] = self.prompt
        return s

    def to_json(self) -> dict[str, object]:
        return asdict(self)


NOUN_GROUP = {
    "interval": "interval",
    "union": "interval",
    "inequality": "interval",
    "set": "set",
    "tuple": "tuple",
    "matrix": "matrix",
    "equation": "equation",
    "expression": "expression",
    "text": "word",
    "choice": "choice",
}

MARKER_WEIGHTS = {
    "boxed": 24,
    "answer_is": 11,
    "minerva": 5,
    "gsm8k": 4,
    "bold": 5,
    "tag": 3,
    "dollar": 16,
    "paren": 8,
    "display": 8,
    "plain": 8,
    "bare": 8,
}
assert set(MARKER_WEIGHTS) == set(MARKERS)
CONTEXTS: tuple[Context, ...] = ("bare", "short", "long")
CONTEXT_WEIGHTS = (15, 35, 50)


def _dedupe(forms: Iterable[Form]) -> list[Form]:
    seen: set[str] = set()
    out = []
    for f in forms:
        if f.text not in seen:
            seen.add(f.text)
            out.append(f)
    return out


def _completion(
    form: Form, kind: str, rng: random.Random, markers: Sequence[str] | None = None, context: Context | None = None
) -> tuple[str, str, str] | None:
    """(completion, marker, context) for one answer form; ``markers``/``context`` restrict the draw.

    None when no marker allowed fits the form (plain text cannot be a ``$...$`` span).
    """
    weights = MARKER_WEIGHTS if markers is None else {m: MARKER_WEIGHTS[m] for m in markers}
    names, w = zip(*weights.items(), strict=True)
    for _ in range(100):
        marker = rng.choices(names, w)[0]
        final = place(form, marker, NOUN_GROUP.get(kind, "number"), rng)
        if final is not None:
            break
    else:
        return None
    if context is None:
        context = "bare" if marker == "bare" else rng.choices(CONTEXTS, CONTEXT_WEIGHTS)[0]
    text = reasoning(rng, context, plain=form.style == "plain" or marker in ("gsm8k", "plain"))
    return join(text, final), marker, context


def _reference(form: Form, rng: random.Random) -> str:
    """The reference as a dataset stores it: mostly bare, sometimes in ``$...$``."""
    if form.style == "latex" and rng.random() < 0.1:
        return f"${form.text}$"
    return form.text


def _item_cases(
    item: Item,
    seed: int,
    index: int,
    rng: random.Random,
    markers: Sequence[str] | None = None,
    context: Context | None = None,
    lenient: bool = True,
) -> list[Case]:
    right = _dedupe(item.right)
    right_texts = {f.text for f in right}
    wrong = [(c, f) for c, f in item.wrong if f.text and f.text not in right_texts]
    groups: list[tuple[str, Form, bool, bool | None]] = [(f"right/{f.name}", f, True, None) for f in right]
    groups += [(f"wrong/{c}", f, False, None) for c, f in wrong]
    if lenient:
        groups += [(f"lenient/{f.name}", f, False, True) for f in _dedupe(item.lenient) if f.text not in right_texts]
    out = []
    for j, (cls, form, label, lenient) in enumerate(groups):
        ref = rng.choice(item.refs)
        made = _completion(form, item.kind, rng, markers, context)
        if made is None:
            continue
        completion, marker, ctx = made
        out.append(
            Case(
                id=f"s{seed}-{item.kind}-{index}-{j}",
                kind=item.kind,
                cls=cls,
                form=form.name,
                ref_form=ref.name,
                marker=marker,
                context=ctx,
                answer=_reference(ref, rng),
                completion=completion,
                label=label,
                lenient=lenient,
            )
        )
    return out


def build(seed: int = 0, items: int = 60, specials: int | None = None) -> list[Case]:
    """The corpus: ``items`` values of every kind in all their forms, and ``specials`` draws of each special class."""
    cases: list[Case] = []
    for name, gen in KINDS.items():
        for i in range(items):
            rng = random.Random(f"{seed}:{name}:{i}")
            cases += _item_cases(gen(rng), seed, i, rng)
    for name, sgen in _special.SPECIALS.items():
        for i in range(items if specials is None else specials):
            rng = random.Random(f"{seed}:special:{name}:{i}")
            for j, s in enumerate(sgen(rng)):
                context = (
                    "bare" if "\n\n" not in s.completion else ("short" if s.completion.count("\n\n") == 1 else "long")
                )
                cases.append(
                    Case(
                        id=f"s{seed}-{name}-{i}-{j}",
                        kind=f"issue:{name}",
                        cls=s.cls,
                        form=s.cls.split("/", 1)[-1],
                        ref_form="special",
                        marker=s.marker,
                        context=context,
                        answer=s.answer,
                        completion=s.completion,
                        label=s.label,
                        lenient=s.lenient,
                        prompt=s.prompt,
                    )
                )
    return cases


LATEX_KINDS = (
    "fraction",
    "radical",
    "surd_sum",
    "pi",
    "power",
    "expression",
    "interval",
    "union",
    "inequality",
    "set",
    "tuple",
    "matrix",
    "equation",
)
"""Closed forms, intervals, sets, tuples, matrices and equations: the LaTeX set of ``bench_math``."""


def latex_set(
    seed: int = 0, items: int = 8, markers: Sequence[str] = ("boxed", "dollar", "paren", "display")
) -> list[Case]:
    """LaTeX answers (right and wrong forms of :data:`LATEX_KINDS`) at the end of long worked solutions.

    Half of the cases are boxed, the others give the answer as the last math span with no marker.

    >>> cases = latex_set(items=1)
    >>> {c.context for c in cases}, {c.marker for c in cases} <= {"boxed", "dollar", "paren", "display"}
    ({'long'}, True)
    """
    unmarked = [m for m in markers if m != "boxed"]
    cases: list[Case] = []
    for name in LATEX_KINDS:
        for i in range(items):
            rng = random.Random(f"{seed}:latex:{name}:{i}")
            item = KINDS[name](rng)
            chosen = ["boxed"] if rng.random() < 0.5 or not unmarked else unmarked
            cases += _item_cases(item, seed, i, rng, chosen, "long", lenient=False)
    return cases


def sample(cases: Sequence[Case], n: int, seed: int = 0) -> list[Case]:
    """A seeded sample of about ``n`` cases with every kind in its corpus share (at least 20 of each kind)."""
    by_kind: dict[str, list[Case]] = {}
    for c in cases:
        by_kind.setdefault(c.kind, []).append(c)
    rng = random.Random(f"sample:{seed}")
    out: list[Case] = []
    for kind in sorted(by_kind):
        group = by_kind[kind]
        k = min(len(group), max(20, round(n * len(group) / len(cases))))
        out += rng.sample(group, k)
    return out


def composition(cases: Sequence[Case]) -> dict[str, Counter[str]]:
    """Counts by kind, marker, context and label."""
    return {
        "kind": Counter(c.kind for c in cases),
        "marker": Counter(c.marker for c in cases),
        "context": Counter(c.context for c in cases),
        "label": Counter("equivalent" if c.label else "not equivalent" for c in cases),
    }


def load(path: Path) -> list[Case]:
    with path.open(encoding="utf-8") as f:
        return [Case(**json.loads(line)) for line in f if line.strip()]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the differential math corpus as JSON Lines.")
    parser.add_argument("--out", type=Path, required=True, help="output .jsonl file")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--items", type=int, default=60, help="values drawn per kind (default 60)")
    args = parser.parse_args(argv)
    cases = build(args.seed, args.items)
    with args.out.open("w", encoding="utf-8") as f:
        for c in cases:
            f.write(json.dumps(c.to_json(), ensure_ascii=False) + "\n")
    print(f"{len(cases)} cases written to {args.out}", file=sys.stderr)
    for key, counts in composition(cases).items():
        print(f"{key}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
