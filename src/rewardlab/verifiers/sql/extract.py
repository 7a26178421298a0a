"""Find the SQL query in a completion: a fenced ```sql block, an <answer> tag, or the whole text.

>>> extract_sql("Let me think.\\n```sql\\nSELECT name FROM singer;\\n```")
('SELECT name FROM singer', 'sql_fence')
>>> extract_sql("<answer>SELECT 1</answer>")
('SELECT 1', 'answer_tag')
>>> extract_sql("SELECT 1;  ")
('SELECT 1', 'whole')
"""

from __future__ import annotations

import re
from typing import Literal

__all__ = ["SqlExtract", "extract_sql"]

SqlExtract = Literal["auto", "sql_fence", "answer_tag", "whole"]

_FENCE_LINE = re.compile(r"^[ \t]*```[ \t]*([\w+-]*)[ \t]*$")
_ANSWER_TAG = re.compile(r"<answer>(.*?)</answer>", re.DOTALL | re.IGNORECASE)


def _clean(sql: str) -> str:
    return sql.strip().rstrip(";").strip()


def fenced_blocks(text: str) -> list[tuple[str, str]]:
    """``(language, body)`` of every closed Markdown code fence, in order.

    >>> fenced_blocks("```python\\nx = 1\\n```\\ntext\\n```sql\\nSELECT 1\\n```")
    [('python', 'x = 1'), ('sql', 'SELECT 1')]
    """
    blocks: list[tuple[str, str]] = []
    lang: str | None = None
    body: list[str] = []
    for line in text.split("\n"):
        m = _FENCE_LINE.match(line)
        if lang is None:
            if m:
                lang, body = m.group(1).lower(), []
        elif m and not m.group(1):
            blocks.append((lang, "\n".join(body)))
            lang = None
        else:
            body.append(line)
    return blocks


def extract_sql(text: str, how: SqlExtract = "auto") -> tuple[str | None, str]:
    """The query and where it came from (``None`` when there is none).

    ``auto``: the last ```sql fenced block (or the last fenced block of any language when none
    is labelled sql), else the content of the only ``<answer>`` tag, else the whole completion.
    """
    if how in ("auto", "sql_fence"):
        fences = fenced_blocks(text)
        labelled = [body for lang, body in fences if lang in ("sql", "sqlite")]
        chosen = labelled or [body for lang, body in fences if not lang]
        if chosen:
            return _clean(chosen[-1]), "sql_fence"
        if how == "sql_fence":
            return None, "sql_fence"
    if how in ("auto", "answer_tag"):
        tags = _ANSWER_TAG.findall(text)
        if len(tags) == 1:
            return _clean(tags[0]), "answer_tag"
        if how == "answer_tag" or len(tags) > 1:
            return None, "answer_tag"
    return _clean(text), "whole"
