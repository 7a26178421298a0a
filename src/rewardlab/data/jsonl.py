"""JSON Lines in and out, line by line, with malformed lines reported rather than fatal.

Gzip-compressed files (``.gz``) are read and written transparently; ``-`` is stdin/stdout.
A line that cannot be used is a row with an ``error`` and every other line is still read: bytes
that are not UTF-8, a string that is not Unicode (a lone ``\\ud800`` escape), lists/objects nested
deeper than 64 levels, an integer of more than 4300 digits, and of course JSON that does not
parse. A UTF-8 byte order mark at the start of the file is skipped.

>>> import io
>>> rows = list(iter_jsonl(io.StringIO('{"a": 1}\\nnot json\\n\\n[1]\\n'), source="x.jsonl"))
>>> [(r.line, r.ok) for r in rows]
[(1, True), (2, False), (4, False)]
>>> rows[1].error
'invalid JSON: Expecting value (column 1)'
>>> [r.error for r in iter_jsonl(io.StringIO('{"a": "\\\\udfff"}\\n{"b": 9e999}\\n'))]
["field 'a': lone surrogate U+DFFF at character 0: not Unicode text (it has no UTF-8 form)", None]
"""

from __future__ import annotations

import gzip
import io
import json
import math
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, TypeVar

from ..core.inputs import MAX_DEPTH, find_problem, surrogate_position

__all__ = [
    "JsonlRow",
    "dumps",
    "iter_jsonl",
    "iter_parsed",
    "open_text",
    "parse_line",
    "read_jsonl",
    "write_jsonl",
]


@dataclass
class JsonlRow:
    """One line of a JSONL file: its 1-based number and either the parsed object or the error."""

    line: int
    data: dict[str, Any] | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


# Reading never fails on a byte: one that is not UTF-8 becomes a lone surrogate (U+DC80..U+DCFF)
# that iter_jsonl reports as an error of its line, so the lines after it are still read.
_READ_ERRORS = "surrogateescape"


@contextmanager
def open_text(path: str | os.PathLike[str] | None, mode: str = "r") -> Iterator[IO[str]]:
    """Open a text file (``.gz`` transparently); ``None`` or ``-`` is stdin/stdout.

    Files are UTF-8; when reading, bytes that are not UTF-8 come through as lone surrogates
    (``surrogateescape``) for :func:`iter_jsonl` to report, instead of aborting the read.
    """
    reading = "r" in mode
    errors = _READ_ERRORS if reading else "strict"
    if path is None or str(path) == "-":
        if reading:
            buffer = getattr(sys.stdin, "buffer", None)
            if buffer is None:
                yield sys.stdin
                return
            wrapper = io.TextIOWrapper(buffer, encoding="utf-8", errors=errors)
            try:
                yield wrapper
            finally:
                wrapper.detach()  # leave sys.stdin usable (and open)
            return
        yield sys.stdout
        sys.stdout.flush()
        return
    p = Path(path)
    if p.suffix == ".gz":
        with gzip.open(p, mode + "t", encoding="utf-8", errors=errors) as fh:
            yield fh
    else:
        with open(p, mode, encoding="utf-8", errors=errors) as fh:
            yield fh


def parse_line(text: str) -> tuple[Any, str | None]:
    """The JSON value of one line, or ``(None, why not)``."""
    pos = surrogate_position(text)
    if pos is not None:
        code = ord(text[pos])
        if 0xDC80 <= code <= 0xDCFF:  # a raw byte that was not UTF-8 (surrogateescape)
            return None, f"not UTF-8 text (byte 0x{code - 0xDC00:02x} at column {pos + 1})"
        return None, f"lone surrogate U+{code:04X} at column {pos + 1}: not Unicode text"
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, f"invalid JSON: {exc.msg} (column {exc.colno})"
    except RecursionError:
        return None, f"lists/objects nested too deeply (at most {MAX_DEPTH} levels)"
    except ValueError as exc:  # an integer past Python's 4300-digit limit
        message = "an integer has more than 4300 digits" if "integer string conversion" in str(exc) else str(exc)
        return None, f"invalid JSON: {message}"
    problem = find_problem(data, max_depth=MAX_DEPTH)
    if problem is not None:
        return None, problem.describe()
    return data, None


def iter_jsonl(stream: IO[str] | Iterable[str], *, source: str | None = None) -> Iterator[JsonlRow]:
    """Parse a JSONL stream; blank lines are skipped; each bad line yields a row with ``error``."""
    for number, text in enumerate(stream, start=1):
        if number == 1 and text.startswith("\ufeff"):
            text = text[1:]  # a UTF-8 byte order mark
        if not text.strip():
            continue
        data, error = parse_line(text)
        if error is not None:
            yield JsonlRow(number, error=error)
            continue
        if not isinstance(data, dict):
            yield JsonlRow(number, error=f"expected a JSON object, got {type(data).__name__}")
            continue
        yield JsonlRow(number, data=data)


def read_jsonl(path: str | os.PathLike[str], *, strict: bool = True) -> list[dict[str, Any]]:
    """Every object of a JSONL file; with ``strict`` a malformed line raises ``InputError``."""
    from ..core.errors import InputError

    out: list[dict[str, Any]] = []
    with open_text(path) as fh:
        for row in iter_jsonl(fh, source=str(path)):
            if row.ok:
                out.append(row.data)  # type: ignore[arg-type]
            elif strict:
                raise InputError(row.error or "malformed line", source=str(path), line=row.line)
    return out


T = TypeVar("T")


def iter_parsed(
    path: str | os.PathLike[str],
    parse: Callable[[dict[str, Any], int, str], Iterable[T]],
    *,
    strict: bool = True,
    skipped: list[str] | None = None,
) -> Iterator[T]:
    """Stream what ``parse(data, line, source)`` makes of each row of a JSONL file (``.gz`` ok).

    A missing file raises :class:`InputError`. With ``strict`` the first malformed line or row
    that ``parse`` rejects (with ``InputError``) raises; otherwise its reason (``file:line: why``)
    is appended to ``skipped`` and reading goes on.
    """
    from ..core.errors import InputError

    source = str(path)
    if source != "-" and not Path(source).is_file():
        raise InputError("no such file", source=source)
    with open_text(source) as fh:
        for row in iter_jsonl(fh, source=source):
            try:
                if not row.ok:
                    raise InputError(row.error or "malformed line", source=source, line=row.line)
                yield from parse(row.data or {}, row.line, source)
            except InputError as exc:
                if strict:
                    raise
                if skipped is not None:
                    skipped.append(str(exc))


def _default(value: Any) -> Any:
    # numpy scalars and arrays, sets, pydantic models, anything else: a JSON-able stand-in.
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def dumps(obj: Any) -> str:
    """Strict JSON on one line (NaN/inf become null; numpy values become numbers)."""
    try:
        return json.dumps(obj, ensure_ascii=False, allow_nan=False, default=_default)
    except ValueError:
        return json.dumps(_clean(json.loads(json.dumps(obj, default=_default))), ensure_ascii=False)


def write_jsonl(path: str | os.PathLike[str] | None, rows: Iterable[Any]) -> int:
    """Write rows as JSON Lines; returns how many were written."""
    n = 0
    with open_text(path, "w") as fh:
        for row in rows:
            fh.write(dumps(row) + "\n")
            n += 1
    return n


def count_lines(path: str | os.PathLike[str]) -> int | None:
    """Number of lines of a file (for progress bars); ``None`` for stdin."""
    if str(path) == "-":
        return None
    with open_text(path) as fh:
        return sum(1 for _ in fh)
