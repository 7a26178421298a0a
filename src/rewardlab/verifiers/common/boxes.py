r"""Answer boxes -- ``\boxed{...}``, ``\fbox{...}``, ``\framebox{...}`` -- read one way by every verifier.

The rules (the ``math`` reward's, checked against Math-Verify's test cases and a differential
corpus of generated solutions):

- a box is one of :data:`BOX_COMMANDS`, optional whitespace, then a brace group whose braces
  balance; escaped braces (``\{``, ``\}``) are text, not grouping. An unbalanced box is skipped
  (a complete box before it still counts);
- only top-level boxes count (a box inside a box is part of its content);
- a box whose whole content is another box is unwrapped (``\boxed{\boxed{5}}`` is ``5``, at
  most :data:`MAX_BOX_DEPTH` levels); one holding a box *and* something else is ``nested``;
- a box with nothing in it (spaces, ``{}``, ``\quad``, ``$``, or an empty box inside) is
  ``empty``; empty boxes are ignored when a non-empty one exists.

What to do with several boxes is the verifier's policy: ``math`` weighs them (one answer of
several values, or several answers), ``exact_match`` and ``qa`` read the last one, ``choice``
reads each.

>>> [b.text for b in read_boxes(r"\boxed{1}, \framebox{2} and \fbox {\boxed{3}}")]
['1', '2', '3']
>>> last_boxed(r"so \boxed{\{1, 2\}} and then \boxed{x")  # an unfinished box after it is the last answer
'x'
>>> read_boxes(r"\boxed{\boxed{5}, 6}")[0].problem, last_boxed(r"\boxed{}") == ""
('nested', True)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "BOX_COMMANDS",
    "BOX_OPEN",
    "MAX_BOX_DEPTH",
    "Box",
    "BoxProblem",
    "find_boxes",
    "is_blank",
    "last_boxed",
    "read_boxes",
    "unfinished_boxes",
    "unwrap_box",
]

BOX_COMMANDS: tuple[str, ...] = ("boxed", "fbox", "framebox")
"""The LaTeX commands that mark a final answer (without their backslash)."""
MAX_BOX_DEPTH = 8
"""Boxes nested deeper than this are ``nested``, not unwrapped further."""

BoxProblem = Literal["empty", "nested"]

BOX_OPEN = re.compile(r"\\(?:" + "|".join(BOX_COMMANDS) + r")\s*\{")
"""The opening of a box: the command, optional whitespace, its opening brace."""
_BRACE = re.compile(r"(?<!\\)[{}]")
_BLANK = re.compile(r"^(?:\s|\{\s*\}|\\[,;:! ]|\\quad|\\qquad|~|\$)*$")


@dataclass(frozen=True, slots=True)
class Box:
    """One top-level box of a text."""

    start: int
    """Where the box command starts."""
    end: int
    """Just after its closing brace."""
    content: str
    """What is between its braces, as written."""
    text: str
    """The answer it holds: the content, nested boxes unwrapped, surrounding whitespace removed."""
    problem: BoxProblem | None = None
    """``empty`` (nothing in it) or ``nested`` (a box next to other content, or nested too deep)."""


def is_blank(text: str) -> bool:
    r"""Whether ``text`` holds nothing but whitespace, LaTeX spacing, ``{}`` or ``$``.

    >>> is_blank(r" \quad {} $ "), is_blank("0")
    (True, False)
    """
    return _BLANK.match(text) is not None


def _brace_map(text: str) -> dict[int, int]:
    """Position of each unescaped ``{`` -> its matching ``}`` (unmatched ones are absent)."""
    stack: list[int] = []
    pairs: dict[int, int] = {}
    for m in _BRACE.finditer(text):
        if m.group(0) == "{":
            stack.append(m.start())
        elif stack:
            pairs[stack.pop()] = m.start()
    return pairs


def find_boxes(text: str) -> list[tuple[int, int, str]]:
    r"""Top-level boxes of ``text`` as ``(start, end, content)``; unbalanced ones are skipped.

    >>> find_boxes(r"a \boxed{x^{2}} b \boxed{\{1\}} \boxed{")
    [(2, 15, 'x^{2}'), (18, 31, '\\{1\\}')]
    """
    if "\\" not in text:
        return []
    pairs: dict[int, int] | None = None
    out: list[tuple[int, int, str]] = []
    pos = 0
    for m in BOX_OPEN.finditer(text):
        if m.start() < pos:
            continue  # inside the previous box
        if pairs is None:
            pairs = _brace_map(text)
        open_at = m.end() - 1
        close = pairs.get(open_at)
        if close is None:
            continue
        out.append((m.start(), close + 1, text[open_at + 1 : close]))
        pos = close + 1
    return out


def unwrap_box(content: str) -> tuple[str, BoxProblem | None]:
    r"""The answer in a box's content: nested boxes unwrapped; ``empty`` and ``nested`` flagged.

    >>> unwrap_box(r" \boxed{\fbox{5}} "), unwrap_box(r"\boxed{5}, 6"), unwrap_box(r"\boxed{ }")
    (('5', None), ('\\boxed{5}, 6', 'nested'), ('', 'empty'))
    """
    for _ in range(MAX_BOX_DEPTH + 1):
        inner = content.strip()
        if is_blank(inner):
            return inner, "empty"
        if not BOX_OPEN.search(inner):
            return inner, None
        boxes = find_boxes(inner)
        if len(boxes) == 1 and boxes[0][0] == 0 and boxes[0][1] == len(inner):
            content = boxes[0][2]
            continue
        return inner, "nested"
    return content.strip(), "nested"


def read_boxes(text: str) -> list[Box]:
    """The top-level boxes of ``text``, unwrapped, in order; empty ones only when all are empty."""
    found = []
    for start, end, content in find_boxes(text):
        inner, problem = unwrap_box(content)
        found.append(Box(start, end, content, inner, problem))
    if any(b.problem != "empty" for b in found):
        found = [b for b in found if b.problem != "empty"]
    return found


def unfinished_boxes(text: str) -> list[tuple[int, int, str]]:
    r"""Boxes opened after the last balanced box whose brace never closes (the output was cut, or the
    closing forgotten), as ``(content start, end, content)``: each runs to the next box opening or
    to the end of the text; blank ones are left out. Every verifier counts one as one more answer,
    given after the complete ones (it never stands alone: a text whose only box is unfinished has no
    box answer).

    >>> unfinished_boxes(r"\boxed{5} and so \boxed{6"), unfinished_boxes(r"\boxed{5} \boxed{")
    ([(24, 25, '6')], [])
    """
    if "\\" not in text:
        return []
    boxes = find_boxes(text)
    openings = list(BOX_OPEN.finditer(text, boxes[-1][1] if boxes else 0))
    out = []
    for i, m in enumerate(openings):
        stop = openings[i + 1].start() if i + 1 < len(openings) else len(text)
        body = text[m.end() : stop].strip()
        if not is_blank(body):
            out.append((m.end(), stop, body))
    return out


def last_boxed(text: str) -> str | None:
    r"""The answer in the last box of ``text`` (``""`` when that box is empty); ``None`` without a box.
    An unfinished box after the last complete one is the last answer given (:func:`unfinished_boxes`).

    >>> last_boxed(r"\boxed{a} then \boxed{b{c}}"), last_boxed(r"\boxed{5} \boxed{ }"), last_boxed("5")
    ('b{c}', '5', None)
    >>> last_boxed(r"\boxed{5} so \boxed{6"), last_boxed(r"\boxed{6")
    ('6', None)
    """
    boxes = read_boxes(text)
    if not boxes:
        return None
    unfinished = unfinished_boxes(text)
    if unfinished:
        return unfinished[-1][2]
    last = boxes[-1]
    return "" if last.problem == "empty" else last.text
