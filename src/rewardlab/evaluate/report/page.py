"""An HTML page under construction, and the number formats of its tables.

>>> page = Page()
>>> page.table(["metric", "value"], [["accuracy", 0.5]])
>>> page.parts[0].count("<td")
2
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import Any

__all__ = ["Page", "fmt", "pct"]


def _fixed(value: float, digits: int) -> str:
    """``value`` with ``digits`` decimals, never ``-0.000`` (a tiny negative rounds to plain zero)."""
    text = f"{value:.{digits}f}"
    return text[1:] if text.startswith("-") and not text.strip("-0.") else text


def fmt(value: Any, digits: int = 4) -> str:
    """A number for a table cell (``-`` for missing).

    >>> fmt(-0.00001), fmt(-0.5), fmt(None)
    ('0.0000', '-0.5000', '-')
    """
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return "-"
        return _fixed(value, digits)
    return str(value)


def pct(value: Any, digits: int = 1) -> str:
    """A 0-1 number shown as a percentage (``-`` for missing).

    >>> pct(0.6789), pct(-0.0001)
    ('67.9', '0.0')
    """
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    return _fixed(100.0 * float(value), digits)


class Page:
    """An HTML page under construction: sections of tables, figures and notes."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.plots: list[str] = []

    def h2(self, text: str) -> None:
        self.parts.append(f"<h2>{html.escape(text)}</h2>")

    def h3(self, text: str) -> None:
        self.parts.append(f"<h3>{html.escape(text)}</h3>")

    def note(self, text: str, *, warn: bool = False) -> None:
        cls = "note warn" if warn else "note"
        self.parts.append(f'<p class="{cls}">{html.escape(text)}</p>')

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[Any]], *, numeric_from: int = 1) -> None:
        head = "".join(f"<th>{html.escape(str(h))}</th>" for h in headers)
        body = []
        for row in rows:
            cells = []
            for j, cell in enumerate(row):
                cls = ' class="n"' if j >= numeric_from else ""
                cells.append(f"<td{cls}>{html.escape(cell if isinstance(cell, str) else fmt(cell))}</td>")
            body.append("<tr>" + "".join(cells) + "</tr>")
        self.parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>")

    def figure(self, name: str, uri: str, caption: str) -> None:
        self.plots.append(name)
        alt = html.escape(caption, quote=True)
        self.parts.append(
            f'<figure><img data-plot="{html.escape(name, quote=True)}" alt="{alt}" src="{uri}">'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>"
        )

    def raw(self, markup: str) -> None:
        self.parts.append(markup)
