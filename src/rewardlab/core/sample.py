"""What is being rewarded: a prompt, a completion and any reference fields.

A :class:`Sample` is deliberately open: ``prompt`` and ``completion`` are typed, every other
field (``answer``, ``tests``, ``schema``, ``chosen``/``rejected``, ``steps``, ``metadata``, ...)
passes through unchanged, so a JSONL row keeps everything it had after it is scored.

>>> s = Sample(prompt="What is 2+2?", completion="4", answer="4")
>>> s.get("answer")
'4'
>>> s.prompt_text
'What is 2+2?'
>>> Sample.model_validate({"prompt": [{"role": "user", "content": "hi"}], "completion": "hello"}).prompt_text
'hi'
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from .inputs import MAX_DEPTH, find_problem

__all__ = ["INPUT_ERROR_TYPES", "Message", "Sample", "as_samples", "coerce_each", "explain_sample_error"]

INPUT_ERROR_TYPES = frozenset({"depth", "surrogate", "not_finite"})
"""The ``type`` of the validation errors raised for input that is not text or nests too deep."""


class Message(BaseModel):
    """One chat turn. Extra keys (``name``, ``tool_calls``, ...) are kept."""

    model_config = ConfigDict(extra="allow")

    role: str
    content: str | list[Any] | None = None

    @property
    def text(self) -> str:
        """The content as plain text (multi-part content joins its text parts)."""
        if self.content is None:
            return ""
        if isinstance(self.content, str):
            return self.content
        parts = []
        for part in self.content:
            if isinstance(part, str):
                parts.append(part)
            elif isinstance(part, dict) and isinstance(part.get("text"), str):
                parts.append(part["text"])
        return "".join(parts)


Conversation = list[Message]


class Sample(BaseModel):
    """A prompt, a completion, and whatever reference fields the rewards need.

    ``prompt`` is text or a list of chat messages; ``completion`` is text or a list of messages
    (an agent trajectory). Any other field is kept as it came and read with :meth:`get`.
    """

    model_config = ConfigDict(extra="allow", frozen=False)

    prompt: str | Conversation | None = None
    completion: str | Conversation | None = None
    id: str | int | None = Field(default=None, description="Optional identifier, passed through.")

    @model_validator(mode="before")
    @classmethod
    def _check_input(cls, data: Any) -> Any:
        # Text that is not Unicode (lone surrogates) and absurd nesting are refused here, with the
        # path of the field, before any reward, tokenizer, cache key or JSON encoder meets them.
        if isinstance(data, dict):
            problem = find_problem(data, max_depth=MAX_DEPTH)
            if problem is not None:
                error = PydanticCustomError(problem.kind, "{message}", {"message": problem.message})
                line = InitErrorDetails(type=error, loc=problem.loc, input=type(data).__name__)
                raise ValidationError.from_exception_data(cls.__name__, [line])
        return data

    @field_validator("id", mode="before")
    @classmethod
    def _no_bool_id(cls, value: Any) -> Any:
        if isinstance(value, bool):  # an int to pydantic, but not an identifier (nor a JSON integer)
            raise ValueError(f"expected a string or an integer, got {value!r}")
        return value

    @field_validator("prompt", "completion", mode="before")
    @classmethod
    def _coerce_messages(cls, value: Any) -> Any:
        # A single message dict is accepted as a one-turn conversation.
        if isinstance(value, dict) and "role" in value:
            return [value]
        return value

    # ---- field access -------------------------------------------------------------------
    def get(self, name: str, default: Any = None) -> Any:
        """Return a declared or pass-through field, or ``default`` when it is absent or null."""
        if name in type(self).model_fields:
            value = getattr(self, name)
        else:
            value = (self.model_extra or {}).get(name, default)
        return default if value is None else value

    def has(self, name: str) -> bool:
        """Whether the field is present and not null."""
        return self.get(name) is not None

    @property
    def extra(self) -> dict[str, Any]:
        """The pass-through fields."""
        return dict(self.model_extra or {})

    # ---- text views ---------------------------------------------------------------------
    @property
    def prompt_text(self) -> str:
        """The prompt as text: for a conversation, the content of its last user turn."""
        return _last_text(self.prompt, "user")

    @property
    def completion_text(self) -> str:
        """The completion as text: for a conversation, the content of its last assistant turn."""
        return _last_text(self.completion, "assistant")

    @property
    def prompt_messages(self) -> list[Message]:
        """The prompt as a conversation (a text prompt becomes one user turn)."""
        if self.prompt is None:
            return []
        if isinstance(self.prompt, str):
            return [Message(role="user", content=self.prompt)]
        return list(self.prompt)

    def with_completion(self, completion: str | Conversation | None) -> Sample:
        """A copy of this sample with another completion (other fields shared, not copied)."""
        return self.model_copy(update={"completion": completion})

    def to_json_dict(self) -> dict[str, Any]:
        """The sample as a JSON-ready dict, pass-through fields included, unset fields omitted."""
        return self.model_dump(mode="json", exclude_unset=True)


def _last_text(value: str | Conversation | None, role: str) -> str:
    """Text as it is; for a conversation, the content of its last ``role`` turn (else of its last turn)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    for message in reversed(value):
        if message.role == role:
            return message.text
    return value[-1].text if value else ""


def as_samples(items: Any) -> list[Sample]:
    """Coerce a sample, a dict, or a sequence of either into a list of samples.

    >>> [s.completion for s in as_samples([{"completion": "a"}, Sample(completion="b")])]
    ['a', 'b']
    >>> as_samples([{"completion": "a"}, {"completion": "b", "answer": "\\udfff"}])
    Traceback (most recent call last):
    ...
    pydantic_core._pydantic_core.ValidationError: 1 validation error for samples
    1.answer
      lone surrogate U+DFFF at character 0: not Unicode text (it has no UTF-8 form) ...
    """
    out: list[Sample] = []
    for i, item in _validated(items):
        if isinstance(item, ValidationError):  # the same errors, located at the sample's index in the batch
            lines = [
                InitErrorDetails(
                    type=PydanticCustomError(str(e["type"]), "{message}", {"message": e["msg"]}),
                    loc=(i, *e["loc"]),
                    input=e.get("input"),
                )
                for e in item.errors(include_url=False)
            ]
            raise ValidationError.from_exception_data("samples", lines) from None
        out.append(item)
    return out


def coerce_each(items: Any) -> tuple[list[Sample | None], dict[int, str]]:
    """Coerce items one by one: the samples (``None`` where an item is invalid) and, by index, why.

    What :meth:`Reward.score_batch` uses, so that one malformed sample fails alone:

    >>> samples, invalid = coerce_each([{"completion": "a"}, {"completion": "b", "answer": "\\udfff"}])
    >>> samples[0].completion, samples[1], invalid
    ('a', None, {1: "field 'answer': lone surrogate U+DFFF at character 0: not Unicode text (it has no UTF-8 form)"})
    """
    out: list[Sample | None] = []
    invalid: dict[int, str] = {}
    for i, item in _validated(items):
        if isinstance(item, ValidationError):
            out.append(None)
            invalid[i] = explain_sample_error(item)
        else:
            out.append(item)
    return out, invalid


def _validated(items: Any) -> Iterator[tuple[int, Sample | ValidationError]]:
    """Each item (one sample or dict, or an iterable of them) as a sample, or why it is not one."""
    if isinstance(items, (Sample, dict)):
        items = [items]
    for i, item in enumerate(items):
        if isinstance(item, Sample):
            yield i, item
            continue
        try:
            yield i, Sample.model_validate(item)
        except ValidationError as exc:
            yield i, exc


_EXPECTED = {
    "prompt": "a string or a list of chat messages ({role, content})",
    "completion": "a string or a list of chat messages ({role, content})",
    "id": "a string or an integer",
}


def explain_sample_error(exc: Exception) -> str:
    """A one-line, field-level description of why a row is not a valid sample.

    >>> from pydantic import ValidationError
    >>> try:
    ...     Sample.model_validate({"prompt": 3})
    ... except ValidationError as e:
    ...     print(explain_sample_error(e))
    field 'prompt': expected a string or a list of chat messages ({role, content}), got int 3
    >>> try:
    ...     Sample.model_validate({"prompt": [{"role": "user", "content": "hi \\ud800"}]})
    ... except ValidationError as e:
    ...     print(explain_sample_error(e))
    field 'prompt[0].content': lone surrogate U+D800 at character 3: not Unicode text (it has no UTF-8 form)
    """
    errors = getattr(exc, "errors", None)
    if errors is None:
        return str(exc)
    # For a union (text or messages), the deepest error is the informative one.
    first = max(exc.errors(include_url=False), key=lambda e: len(e["loc"]))  # type: ignore[attr-defined]
    loc = [p for p in first["loc"] if isinstance(p, int) or p not in ("str", "list[Message]", "int")]
    field = str(loc[0]) if loc else "?"
    where = field + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc[1:])
    got = first.get("input")
    if first["type"] in INPUT_ERROR_TYPES:
        return f"field '{where}': {first['msg']}" if loc else str(first["msg"])
    if field in _EXPECTED and len(loc) == 1:
        return f"field '{where}': expected {_EXPECTED[field]}, got {type(got).__name__} {str(got)[:40]}"
    return f"field '{where}': {first['msg']}"
