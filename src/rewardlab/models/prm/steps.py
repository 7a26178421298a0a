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

__all__ = ["split_steps"]


def split_steps(text: str, separator: str = "\n", *, regex: bool = False) -> list[str]:
    """The non-empty, stripped steps of ``text``."""
    if not separator:
        raise ValueError("the step separator must not be empty")
    parts = re.split(separator, text) if regex else text.split(separator)
    return [p.strip() for p in parts if p.strip()]
