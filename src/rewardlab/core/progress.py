"""Progress for people: a bar on a terminal, plain lines in a log file.

``--progress`` on a terminal draws a rich bar; when stderr is a file or a pipe (a CI log, ``2>
train.log``, ``nohup``), a bar would print nothing useful, so :class:`PlainProgress` writes one
line every ``every_s`` seconds or every tenth of the work, whichever comes first, and one at
the end::

    scoring: 300/1000 (30%)  42.1/s  7s elapsed  ~17s left

>>> import io
>>> out = io.StringIO()
>>> p = PlainProgress("scoring", total=4, stream=out, every_s=3600)
>>> for _ in range(4):
...     p.advance()
>>> p.close()
>>> [line.split("  ")[0] for line in out.getvalue().splitlines()]
['scoring: 1/4 (25%)', 'scoring: 2/4 (50%)', 'scoring: 3/4 (75%)', 'scoring: 4/4 (100%)']
>>> progress_mode(True, out), progress_mode(None, out), progress_mode(False, out)
('lines', None, None)
"""

from __future__ import annotations

import sys
import time
from typing import Any, Literal, TextIO

__all__ = ["PlainProgress", "progress_mode"]

Mode = Literal["bar", "lines"] | None


def _isatty(stream: Any) -> bool:
    return bool(getattr(stream, "isatty", lambda: False)())


def progress_mode(flag: bool | None, stream: Any = None, *, default_lines: bool = False) -> Mode:
    """How to show progress: ``"bar"`` on a terminal, ``"lines"`` when forced (``--progress``) off a
    terminal (or by default there with ``default_lines``, as long training runs do), else ``None``."""
    stream = stream if stream is not None else sys.stderr
    if flag is False:
        return None
    if _isatty(stream):
        return "bar"
    if flag is True or default_lines:
        return "lines"
    return None


def _duration(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 90:
        return f"{seconds:.0f}s"
    if seconds < 5400:
        return f"{seconds / 60:.0f}m"
    return f"{seconds / 3600:.1f}h"


class PlainProgress:
    """Plain progress lines: every ``every_s`` seconds or every ``every_items`` items (default a
    tenth of ``total``), and a last line at :meth:`close`. ``extra`` fields are shown after the
    counts (a running loss ...)."""

    def __init__(
        self,
        description: str,
        total: int | None = None,
        *,
        stream: TextIO | None = None,
        every_s: float = 10.0,
        every_items: int | None = None,
    ) -> None:
        self.description = description
        self.total = total
        self.stream = stream if stream is not None else sys.stderr
        self.every_s = every_s
        self.every_items = every_items or (max(1, total // 10) if total else None)
        self.done = 0
        self.resumed = 0
        self.started = time.monotonic()
        self._last_time = self.started
        self._last_items = 0
        self._last_line = ""
        self.extra: dict[str, str] = {}

    def advance(self, n: int = 1, **extra: Any) -> None:
        self.done += n
        if extra:
            self.extra.update({k: str(v) for k, v in extra.items()})
        now = time.monotonic()
        due_items = self.every_items is not None and self.done - self._last_items >= self.every_items
        if due_items or now - self._last_time >= self.every_s:
            self._write(now)

    def resume(self, n: int) -> None:
        """Count ``n`` items done by an earlier run (a resumed job): they are in the counts, not in the
        rate, so the time left is that of the items still to do."""
        self.done += n
        self.resumed += n
        self._last_items = self.done

    def _write(self, now: float) -> None:
        elapsed = now - self.started
        rate = (self.done - self.resumed) / elapsed if elapsed > 0 else 0.0
        counts = f"{self.done}/{self.total} ({100 * self.done / self.total:.0f}%)" if self.total else f"{self.done}"
        parts = [f"{self.description}: {counts}", f"{rate:.1f}/s", f"{_duration(elapsed)} elapsed"]
        if self.total and rate > 0 and self.done < self.total:
            parts.append(f"~{_duration((self.total - self.done) / rate)} left")
        if self.resumed:
            parts.append(f"{self.resumed} from an earlier run")
        parts.extend(f"{k} {v}" for k, v in self.extra.items())
        line = "  ".join(parts)
        self.stream.write(line + "\n")
        self.stream.flush()
        self._last_line = line
        self._last_time = now
        self._last_items = self.done

    def close(self) -> None:
        """The final line (unless the last one already said it all)."""
        if self.done != self._last_items or not self._last_line:
            self._write(time.monotonic())
