"""Format rewards: tag templates (``<think>...</think><answer>...</answer>``), JSON and regexes.

Defaults refuse to pay for format without content: every tag must occur exactly once and hold
non-whitespace text, so ``<answer></answer>`` or two ``<answer>`` blocks earn 0; with
``template: json`` the completion must be one strict JSON value that is not empty (``{}``,
``[]``, ``""`` and ``null`` earn 0).

>>> f = Format(template="think_answer")
>>> f.score({"completion": "<think>2+2=4</think>\\n<answer>4</answer>"}).score
1.0
>>> f.score({"completion": "<think>hm</think><answer> </answer>"}).info["reason"]
'tag <answer> is empty'
>>> Format(pattern=r"\\d+ apples").score({"completion": "I have 3 apples"}).score
1.0
>>> Format(template="json").score({"completion": '```json\\n{"city": "Paris"}\\n```'}).score
1.0
>>> Format(template="json").score({"completion": "{}"}).info["reason"]
'empty JSON value'
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Any, ClassVar, Literal

from pydantic import Field, model_validator

from ..core.context import ScoreContext
from ..core.example import Example
from ..core.registry import register
from ..core.result import RewardResult
from ..core.reward import Reward
from ..core.sample import Sample
from .common.jsontext import Where, is_empty_value, parse_json
from .common.text import check_pattern

__all__ = ["TEMPLATES", "Format", "check_json", "check_tags"]

TEMPLATES: dict[str, tuple[str, ...]] = {
    "think_answer": ("think", "answer"),
    "answer": ("answer",),
    "think": ("think",),
}


def check_tags(text: str, tags: tuple[str, ...], *, whole: bool, require_content: bool) -> tuple[float, dict[str, Any]]:
    """Check that ``tags`` appear once each, in order, non-empty; ``whole`` = nothing outside them.

    Returns (fraction of tags well formed, info); the check passes only at 1.0.

    >>> check_tags("<a>x</a> <b>y</b>", ("a", "b"), whole=True, require_content=True)[0]
    1.0
    >>> check_tags("<b>y</b><a>x</a>", ("a", "b"), whole=True, require_content=True)[1]["reason"]
    'tags are not in the order <a>, <b>'
    """
    contents: dict[str, str] = {}
    good = 0
    reason = None
    positions: list[int] = []
    for tag in tags:
        opens = [m.start() for m in re.finditer(f"<{tag}>", text)]
        closes = [m.start() for m in re.finditer(f"</{tag}>", text)]
        if len(opens) != 1 or len(closes) != 1:
            reason = reason or f"tag <{tag}> must appear exactly once (found {len(opens)} open, {len(closes)} close)"
            continue
        if closes[0] < opens[0]:
            reason = reason or f"</{tag}> comes before <{tag}>"
            continue
        body = text[opens[0] + len(tag) + 2 : closes[0]]
        contents[tag] = body.strip()
        if require_content and not body.strip():
            reason = reason or f"tag <{tag}> is empty"
            continue
        positions.append(opens[0])
        good += 1
    if good == len(tags) and positions != sorted(positions):
        reason = "tags are not in the order " + ", ".join(f"<{t}>" for t in tags)
        good -= 1
    if good == len(tags) and whole:
        pattern = r"\s*" + r"\s*".join(f"<{t}>.*?</{t}>" for t in tags) + r"\s*"
        if not re.fullmatch(pattern, text, re.DOTALL):
            reason = "text outside the tags"
            good -= 1
    info: dict[str, Any] = {"tags": contents}
    if reason:
        info["reason"] = reason
    return good / len(tags), info


def check_json(
    text: str, *, where: Where = "whole", require_content: bool = True, max_chars: int = 1_000_000
) -> tuple[float, dict[str, Any]]:
    """1.0 when ``text`` holds one strict JSON value (see :mod:`.jsontext`), else 0.0, with info.

    >>> check_json('[1, 2]')
    (1.0, {'json_type': 'array'})
    >>> check_json('{"a": 1} {"b": 2}')[1]["reason"]
    'not valid JSON: Extra data at line 1 column 10'
    """
    parsed = parse_json(text, where=where, max_chars=max_chars)
    if not parsed.ok:
        return 0.0, {"reason": parsed.reason}
    info: dict[str, Any] = {"json_type": _json_type(parsed.value)}
    if require_content and is_empty_value(parsed.value):
        info["reason"] = "empty JSON value"
        return 0.0, info
    return 1.0, info


def _json_type(value: Any) -> str:
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return "null" if value is None else "string"


@register("format", family="verifier")
class Format(Reward):
    """1.0 when the completion follows a tag template, is one JSON value, or matches a regex, else 0.0.

    ``template``: ``think_answer`` (``<think>..</think><answer>..</answer>``, nothing else
    around), ``answer`` or ``think``; or custom ``tags``. Or ``pattern``: a regex that must
    match (``match='full'`` for the whole completion, ``'search'`` anywhere). ``partial``
    pays the fraction of well-formed tags instead of 0/1. Or ``template: json``: the
    completion is one JSON value (``json_where``: the whole completion, optionally in one
    Markdown fence; ``fenced``: the only fenced block; ``anywhere``: the only JSON object or
    array in the text), standard JSON only (no NaN, no duplicate keys), and not empty unless
    ``require_content`` is false. For a schema, use ``json_schema``.

    >>> Format(tags=["plan", "code"], whole=False).score({"completion": "x <plan>p</plan><code>c</code>"}).score
    1.0
    """

    reads: ClassVar[tuple[str, ...]] = ("completion",)
    example: ClassVar[Example] = Example(
        sample={"completion": "<think>2 + 2</think><answer>4</answer>"}, params={"template": "think_answer"}, score=1.0
    )

    template: Literal["think_answer", "answer", "think", "json"] | None = Field(
        default=None, description="A built-in template: think_answer, answer, think (tags) or json."
    )
    tags: list[str] | None = Field(default=None, description="Custom tags, in the order they must appear.")
    whole: bool | None = Field(
        default=None, description="Nothing may stand outside the tags (default: true for think_answer, else false)."
    )
    require_content: bool = Field(
        default=True, description="Every tag must hold non-whitespace text; a JSON value must not be empty."
    )
    partial: bool = Field(default=False, description="Pay the fraction of well-formed tags instead of 0/1.")
    pattern: str | None = Field(default=None, description="A regex the completion must match.")
    match: Literal["full", "search"] = Field(default="search", description="How 'pattern' must match.")
    json_where: Where = Field(
        default="whole", description="template=json: where the JSON is: whole, fenced or anywhere."
    )
    max_chars: int = Field(default=1_000_000, gt=0, description="template=json: longer completions earn 0.")

    @model_validator(mode="after")
    def _check(self) -> Format:
        given = [k for k in ("template", "tags", "pattern") if getattr(self, k)]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of 'template', 'tags' or 'pattern'" + (f"; got {', '.join(given)}" if given else "")
            )
        if self.tags is not None:
            bad = [t for t in self.tags if not re.fullmatch(r"[A-Za-z_][\w\-]*", t)]
            if bad:
                raise ValueError(f"tag names must be plain identifiers, got {bad}")
        check_pattern(self.pattern)
        return self

    @cached_property
    def _tags(self) -> tuple[str, ...]:
        if self.template and self.template != "json":
            return TEMPLATES[self.template]
        return tuple(self.tags or ())

    @cached_property
    def _regex(self) -> re.Pattern[str] | None:
        return re.compile(self.pattern, re.DOTALL) if self.pattern else None

    def _score_one(self, sample: Sample, ctx: ScoreContext) -> Any:
        text = sample.completion_text
        if self.template == "json":
            score, info = check_json(
                text, where=self.json_where, require_content=self.require_content, max_chars=self.max_chars
            )
            return RewardResult.ok(score, info=info)
        if self._regex is not None:
            ok = (self._regex.fullmatch(text) if self.match == "full" else self._regex.search(text)) is not None
            return RewardResult.ok(1.0 if ok else 0.0, info={} if ok else {"reason": "pattern does not match"})
        whole = self.whole if self.whole is not None else self.template == "think_answer"
        fraction, info = check_tags(text, self._tags, whole=whole, require_content=self.require_content)
        score = fraction if self.partial else (1.0 if fraction == 1.0 else 0.0)
        return RewardResult.ok(score, info=info)
