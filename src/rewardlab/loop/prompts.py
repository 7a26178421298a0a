"""What a model is asked for one input row: chat messages built from the row's fields.

Three ways, checked in this order:

- ``template``: a Python format string over the row's fields (``"{question}\\nEnd with '#### N'."``),
  the user turn;
- ``field``: the row's field holding the prompt, text (one user turn) or a list of chat messages;
- a ``system`` message, when given, goes first (unless the messages already start with one).

A row that lacks what the template or the field needs raises :class:`PromptError` naming the
field and the fields the row has.

>>> b = PromptBuilder(template="Q: {question}")
>>> b.messages({"question": "2+2?"})
[{'role': 'user', 'content': 'Q: 2+2?'}]
>>> b.messages({"text": "2+2?"})
Traceback (most recent call last):
...
rewardlab.loop.prompts.PromptError: the template needs field 'question', which the row lacks (it has: text)
>>> PromptBuilder(field="q", system="Be brief.").messages({"q": "Hi"})
[{'role': 'system', 'content': 'Be brief.'}, {'role': 'user', 'content': 'Hi'}]
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Any

__all__ = ["PromptBuilder", "PromptError", "as_messages", "template_fields"]


class PromptError(ValueError):
    """A row cannot be turned into a prompt (the message names the missing or bad field)."""


def template_fields(template: str) -> list[str]:
    """The top-level field names a format string reads (``{a.b}`` and ``{a[0]}`` read ``a``).

    >>> template_fields("{question} ({meta[level]}) {{literal}}")
    ['question', 'meta']
    """
    names: list[str] = []
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise PromptError(f"the template is not a valid format string: {exc}") from None
    for _, name, _, _ in parsed:
        if name is None:
            continue
        if name == "" or name.isdigit():
            raise PromptError(
                "the template has a positional field '{}' or '{0}': name the row's field, e.g. {question}"
            )
        top = name.split(".", 1)[0].split("[", 1)[0]
        if top not in names:
            names.append(top)
    return names


def _fields_of(row: dict[str, Any]) -> str:
    shown = sorted(row)[:12]
    more = f", ... ({len(row)} fields)" if len(row) > 12 else ""
    return ", ".join(shown) + more if shown else "no fields"


def as_messages(value: Any, field: str = "prompt") -> list[dict[str, Any]]:
    """A prompt field's value as chat messages: text is one user turn (``field`` names it in errors)."""
    if isinstance(value, str):
        return [{"role": "user", "content": value}]
    if isinstance(value, dict) and "role" in value:
        value = [value]
    if isinstance(value, list) and value and all(isinstance(m, dict) and isinstance(m.get("role"), str) for m in value):
        out = []
        for m in value:
            content = m.get("content")
            if not isinstance(content, str):
                from ..core.sample import Message

                content = Message.model_validate(m).text
            out.append({"role": m["role"], "content": content})
        return out
    raise PromptError(
        f"field '{field}' must be text or a list of chat messages ({{role, content}}), got {type(value).__name__}"
    )


@dataclass(frozen=True)
class PromptBuilder:
    """Turns a row into chat messages (see the module docstring)."""

    field: str = "prompt"
    """The row's field holding the prompt (text or chat messages), when there is no template."""
    template: str | None = None
    """A format string over the row's fields for the user turn (``{question}``)."""
    system: str | None = None
    """A system message put first."""

    def __post_init__(self) -> None:
        if self.template is not None:
            template_fields(self.template)  # a bad template fails at once, not on the first row

    def messages(self, row: dict[str, Any]) -> list[dict[str, Any]]:
        """The chat messages for ``row`` (raises :class:`PromptError` naming what is missing)."""
        if self.template is not None:
            for name in template_fields(self.template):
                if row.get(name) is None:
                    raise PromptError(
                        f"the template needs field '{name}', which the row lacks (it has: {_fields_of(row)})"
                    )
            try:
                text = self.template.format_map(row)
            except (KeyError, IndexError, AttributeError, TypeError, ValueError) as exc:
                raise PromptError(f"the template cannot be filled from the row: {type(exc).__name__}: {exc}") from None
            messages = [{"role": "user", "content": text}]
        else:
            value = row.get(self.field)
            if value is None:
                hint = "" if self.field != "prompt" else " (--prompt-field NAME or --template '...{NAME}...')"
                raise PromptError(f"the row has no '{self.field}' field{hint}; it has: {_fields_of(row)}")
            messages = as_messages(value, self.field)
        if self.system and not (messages and messages[0]["role"] == "system"):
            messages = [{"role": "system", "content": self.system}, *messages]
        return messages

    def prompt_value(self, row: dict[str, Any]) -> str | list[dict[str, Any]]:
        """The ``prompt`` an output row carries: the text of a single user turn, else the messages."""
        messages = self.messages(row)
        if len(messages) == 1 and messages[0]["role"] == "user":
            return str(messages[0]["content"])
        return messages
