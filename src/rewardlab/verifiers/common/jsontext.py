"""Find and parse the JSON value in a completion, strictly.

Strict means: one value, standard JSON only (no ``NaN``/``Infinity``), no duplicate keys (a
reader and a parser would disagree on ``{"age": "x", "age": 36}``), bounded size and depth.
Where the value may be:

- ``whole``: the whole completion is the value, optionally inside one Markdown code fence
  (```` ```json ... ``` ````) with nothing around it;
- ``fenced``: the content of the only fenced code block;
- ``anywhere``: the only JSON object or array in the text (prose around it is fine; two
  different values are ambiguous and refused).

>>> parse_json("```json\\n{\\"a\\": 1}\\n```").value
{'a': 1}
>>> print(parse_json('{"a": 1, "a": 2}').reason)
duplicate key 'a'
>>> parse_json('Sure! {"a": 1} hope it helps', where="anywhere").value
{'a': 1}
>>> parse_json('{"a": NaN}').ok
False
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["JsonParse", "Where", "is_empty_value", "parse_json"]

Where = Literal["whole", "fenced", "anywhere"]

DEFAULT_MAX_CHARS = 1_000_000
DEFAULT_MAX_DEPTH = 64

_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[ \t]*\n(.*?)\n?[ \t]*```", re.DOTALL)
_DECODER = json.JSONDecoder()


class _Duplicate(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _Duplicate(f"duplicate key {key!r}")
        out[key] = value
    return out


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


@dataclass(frozen=True)
class JsonParse:
    """The outcome of :func:`parse_json`: ``ok`` with ``value``, or a ``reason``."""

    ok: bool
    value: Any = None
    reason: str | None = None
    source: str | None = None  # "whole", "fence" or "embedded"

    @classmethod
    def fail(cls, reason: str) -> JsonParse:
        return cls(ok=False, reason=reason)


def _depth(value: Any, limit: int) -> int:
    """Nesting depth of a parsed value, stopping once past ``limit``."""
    depth = 0
    frontier = [value]
    while frontier and depth <= limit:
        nxt: list[Any] = []
        for v in frontier:
            if isinstance(v, dict):
                nxt.extend(v.values())
            elif isinstance(v, list):
                nxt.extend(v)
        if not nxt:
            break
        depth += 1
        frontier = nxt
    return depth


def _loads(text: str, max_depth: int) -> JsonParse:
    # A cheap upper bound on nesting before recursing into the C parser.
    if _bracket_depth(text) > max_depth:
        return JsonParse.fail(f"nested deeper than {max_depth} levels")
    try:
        value = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constants)
    except _Duplicate as exc:
        return JsonParse.fail(str(exc))
    except RecursionError:
        return JsonParse.fail(f"nested deeper than {max_depth} levels")
    except ValueError as exc:
        return JsonParse.fail(f"not valid JSON: {_short_error(exc)}")
    if _depth(value, max_depth) > max_depth:
        return JsonParse.fail(f"nested deeper than {max_depth} levels")
    return JsonParse(ok=True, value=value)


def _short_error(exc: ValueError) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at line {exc.lineno} column {exc.colno}"
    return str(exc)


def _bracket_depth(text: str) -> int:
    """Maximum nesting of ``[``/``{`` outside strings (a linear scan)."""
    depth = best = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            best = max(best, depth)
        elif ch in "]}":
            depth -= 1
    return best


def parse_json(
    text: str,
    *,
    where: Where = "whole",
    max_chars: int = DEFAULT_MAX_CHARS,
    max_depth: int = DEFAULT_MAX_DEPTH,
) -> JsonParse:
    """Parse the JSON value of ``text`` (see the module docstring for ``where``)."""
    if len(text) > max_chars:
        return JsonParse.fail(f"input too large ({len(text)} characters > {max_chars})")
    stripped = text.strip()
    if not stripped:
        return JsonParse.fail("empty completion")
    fences = _FENCE.findall(stripped)
    if where == "whole":
        match = _FENCE.fullmatch(stripped)
        if match is not None:
            parsed = _loads(match.group(2), max_depth)
            return JsonParse(parsed.ok, parsed.value, parsed.reason, "fence")
        parsed = _loads(stripped, max_depth)
        return JsonParse(parsed.ok, parsed.value, parsed.reason, "whole")
    if where == "fenced":
        if len(fences) != 1:
            return JsonParse.fail(f"expected exactly one fenced code block, found {len(fences)}")
        parsed = _loads(fences[0][1], max_depth)
        return JsonParse(parsed.ok, parsed.value, parsed.reason, "fence")
    if where == "anywhere":
        return _anywhere(stripped, max_depth)
    raise ValueError(f"unknown JSON location '{where}'; expected whole, fenced or anywhere")


def _anywhere(text: str, max_depth: int) -> JsonParse:
    whole = _loads(text, max_depth)
    if whole.ok:
        return JsonParse(True, whole.value, None, "whole")
    if _bracket_depth(text) > max_depth:
        return JsonParse.fail(f"nested deeper than {max_depth} levels")
    found: list[Any] = []
    last_reason = "no JSON object or array found"
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch not in "{[":
            i += 1
            continue
        try:
            value, end = _DECODER.raw_decode(text, i)
        except (ValueError, RecursionError) as exc:
            last_reason = f"not valid JSON: {_short_error(exc)}" if isinstance(exc, ValueError) else last_reason
            i += 1
            continue
        checked = _loads(text[i:end], max_depth)
        if not checked.ok:
            return JsonParse.fail(checked.reason or "invalid JSON")
        if not any(value == v for v in found):
            found.append(value)
        i = end
    if not found:
        return JsonParse.fail(last_reason)
    if len(found) > 1:
        return JsonParse.fail(f"{len(found)} different JSON values in the text (ambiguous)")
    return JsonParse(True, found[0], None, "embedded")


def is_empty_value(value: Any) -> bool:
    """``{}``, ``[]``, ``""``, ``null``, or containers holding only empty values.

    >>> [is_empty_value(v) for v in ({}, [], "", None, {"a": ""}, {"a": 0}, [[]])]
    [True, True, True, True, True, False, True]
    """
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, dict):
        return all(is_empty_value(v) for v in value.values())
    if isinstance(value, list):
        return all(is_empty_value(v) for v in value)
    return False
