"""Checks on JSON-like values that come from outside: nesting depth, valid Unicode text, finite numbers.

A sample, a request body or a spec is a tree of dicts, lists, strings and numbers. Three things in
such a tree break code far from where they came in, so they are refused at the boundary, with the
path of the field:

- **depth**: lists or objects nested deeper than :data:`MAX_DEPTH` (recursive code downstream,
  pydantic's serializer and ``json.dumps`` give up somewhere between 255 and 1000 levels);
- **lone surrogates**: a string holding a code point U+D800..U+DFFF that is not half of a pair
  (JSON's ``"\\ud800"`` escape) is not Unicode text: it cannot be encoded as UTF-8, so
  tokenizers, loggers and JSON responses fail on it;
- **non-finite numbers** (optional): ``NaN``, ``Infinity`` and numbers like ``1e400`` that
  overflow a float are not JSON numbers.

The walk is iterative (no recursion limit) and stops at the first problem.

>>> find_problem({"prompt": "ok", "answer": ["4", "\\ud800"]}).describe()
"field 'answer[1]': lone surrogate U+D800 at character 0: not Unicode text (it has no UTF-8 form)"
>>> find_problem({"x": [[[]]]}, max_depth=3).describe()
"field 'x[0][0]': nested deeper than 3 levels of lists/objects"
>>> find_problem({"w": float("nan")}, finite=True).describe()
"field 'w': nan is not a finite number (NaN and infinities are not JSON numbers)"
>>> find_problem({"prompt": "fine", "n": 10**30}) is None
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

__all__ = ["MAX_DEPTH", "InputProblem", "find_problem", "format_loc", "surrogate_position"]

MAX_DEPTH = 64
"""Most levels of lists/objects in one sample (the sample itself is level 1)."""

_DEPTH_LOC_PARTS = 6  # a depth problem is located by the first parts of its path: enough to name the field


@dataclass(frozen=True)
class InputProblem:
    """What is wrong with a value, and where (``loc``: keys and list indices from the root)."""

    loc: tuple[str | int, ...]
    kind: str  # "depth" | "surrogate" | "not_finite"
    message: str

    def describe(self, root: str = "field") -> str:
        """``field 'a.b[2]': message`` (or just the message when the root itself is at fault)."""
        if not self.loc:
            return self.message
        return f"{root} '{format_loc(self.loc)}': {self.message}"


def format_loc(loc: tuple[str | int, ...] | list[str | int]) -> str:
    """A path as text: ``('samples', 0, 'prompt')`` -> ``samples[0].prompt``.

    >>> format_loc(("samples", 0, "prompt", 1, "content"))
    'samples[0].prompt[1].content'
    """
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def surrogate_position(text: str) -> int | None:
    """Index of the first lone surrogate in ``text``, or ``None`` when it is valid Unicode text.

    >>> surrogate_position("a\\udfffb"), surrogate_position("😀 fine"), surrogate_position("plain")
    (1, None, None)
    """
    if not _bad_text(text):
        return None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return int(exc.start)
    return None


def _surrogate_message(text: str, where: str = "") -> str:
    pos = surrogate_position(text)
    code = f"U+{ord(text[pos]):04X}" if pos is not None else "?"
    return f"lone surrogate {code}{where} at character {pos}: not Unicode text (it has no UTF-8 form)"


def _children(value: Any) -> list[tuple[str | int, Any]] | None:
    """The (key, child) pairs of a container, or ``None`` for a leaf."""
    if isinstance(value, dict):
        return list(value.items())
    if isinstance(value, (list, tuple)):
        return list(enumerate(value))
    fields = getattr(value, "__pydantic_fields__", None)
    if fields is not None:  # a pydantic model given as a value (a Message in a prompt)
        items = [(k, v) for k, v in vars(value).items() if not k.startswith("_")]
        items += list((getattr(value, "__pydantic_extra__", None) or {}).items())
        return items
    return None


def _bad_text(text: str) -> bool:
    if text.isascii():  # O(1) in CPython
        return False
    try:
        text.encode("latin-1")  # a copy when every character is below U+0100: no surrogate there
        return False
    except UnicodeEncodeError:
        pass
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _looks_fine(value: Any, max_depth: int, finite: bool) -> bool:
    """The common case, fast: plain dicts, lists, strings and numbers with nothing wrong.

    Anything else (a problem, or a type this loop does not know) returns False and the careful
    walk below decides.
    """
    stack: list[tuple[Any, int]] = [(value, 1)]
    pop, push = stack.pop, stack.append
    while stack:
        node, depth = pop()
        kind = type(node)
        if kind is dict or kind is list:
            if depth > max_depth:
                return False
            if kind is dict:
                for key in node:
                    if type(key) is not str or _bad_text(key):
                        return False
            for child in node.values() if kind is dict else node:
                ck = type(child)
                if ck is str:
                    if _bad_text(child):
                        return False
                elif ck is dict or ck is list:
                    push((child, depth + 1))
                elif not (ck is int or ck is bool or child is None or (ck is float and not finite)):
                    return False
        elif kind is str:
            if _bad_text(node):
                return False
        elif not (kind is int or kind is bool or node is None or (kind is float and not finite)):
            return False
    return True


def find_problem(
    value: Any,
    *,
    max_depth: int = MAX_DEPTH,
    finite: bool = False,
    loc: tuple[str | int, ...] = (),
    levels_above: int = 0,
) -> InputProblem | None:
    """The first problem in ``value`` (depth, lone surrogate, and with ``finite`` a non-finite
    float), or ``None``. ``value`` itself is at depth 1 when it is a container.

    ``levels_above``: how many of the ``max_depth`` levels are wrappers around what the limit is
    about (a request body and its list around samples); a depth problem names the limit without them.
    """
    if _looks_fine(value, max_depth, finite):
        return None
    stack: list[tuple[Any, tuple[str | int, ...], int]] = [(value, loc, 1)]
    while stack:
        node, where, depth = stack.pop()
        if isinstance(node, str):
            if not node.isascii() and surrogate_position(node) is not None:
                return InputProblem(where, "surrogate", _surrogate_message(node))
            continue
        if isinstance(node, float):
            if finite and not math.isfinite(node):
                return InputProblem(
                    where, "not_finite", f"{node!r} is not a finite number (NaN and infinities are not JSON numbers)"
                )
            continue
        if isinstance(node, (int, bool)) or node is None:
            continue
        children = _children(node)
        if children is None:
            continue
        if depth > max_depth:
            return InputProblem(
                where[: _DEPTH_LOC_PARTS + levels_above],
                "depth",
                f"nested deeper than {max_depth - levels_above} levels of lists/objects",
            )
        for key, child in reversed(children):
            if isinstance(key, str) and not key.isascii() and surrogate_position(key) is not None:
                return InputProblem(where, "surrogate", _surrogate_message(key, " in a key"))
            stack.append((child, (*where, key), depth + 1))
    return None
