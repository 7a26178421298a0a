"""Splitting a solution into steps.

The separator is a literal string (``"\\n"``: one step per line, the default; ``"\\n\\n"``: per
paragraph) or, with ``regex=True``, a regular expression (``"(?=Step \\d+:)"``). Surrounding
whitespace is stripped and empty steps are dropped.

>>> split_steps("Add 2 and 3.\\n\\n2 + 3 = 5\\nA: 5")
['Add 2 and 3.', '2 + 3 = 5', 'A: 5']
>>> split_steps("Step 1: x. Step 2: y.", separator=r"(?=Step \\d+:)", regex=True)
['Step 1: x.', 'Step 2: y.']
"""

from __future__ import annotations

import re

from ...core.errors import NotApplicable
from ...core.sample import Sample

__all__ = ["sample_steps", "split_steps"]


def split_steps(text: str, separator: str = "\n", *, regex: bool = False) -> list[str]:
    """The non-empty, stripped steps of ``text``."""
    if not separator:
        raise ValueError("the step separator must not be empty")
    parts = re.split(separator, text) if regex else text.split(separator)
    return [p.strip() for p in parts if p.strip()]


def sample_steps(sample: Sample, steps_field: str | None, separator: str, *, regex: bool = False) -> list[str]:
    """The steps of a sample's solution: the list of strings in ``steps_field`` when the sample
    has one, else its completion split at ``separator``; no steps is ``NotApplicable``.

    >>> sample_steps(Sample(completion="a\\nb", steps=["x", " "]), "steps", "\\n")
    ['x']
    >>> sample_steps(Sample(completion="a\\nb"), "steps", "\\n")
    ['a', 'b']
    """
    given = sample.get(steps_field) if steps_field else None
    if given is not None:
        if not isinstance(given, list) or not all(isinstance(s, str) for s in given):
            raise ValueError(f"field '{steps_field}' must be a list of strings")
        steps = [s.strip() for s in given if s.strip()]
    else:
        if sample.completion is None:
            raise NotApplicable("the sample has no completion (nor steps) to score")
        steps = split_steps(sample.completion_text, separator, regex=regex)
    if not steps:
        raise NotApplicable("the solution has no steps")
    return steps
