"""How a sample (prompt messages + completion) becomes model input text.

Every backbone renders a sample into a :class:`RenderedSample`: the text **before** the
completion (the conversation, with the model's chat template when it has one) and the
completion itself (with the end-of-turn marker the template puts after an assistant turn).
Keeping the two parts apart lets a reward model truncate the context from the left while
keeping the response, and lets a causal LM score only the completion's tokens.

Two renderings are defined here:

- :func:`render_transcript` -- plain text, for encoders and for models without a chat template::

      user: Is the sky blue?
      assistant: <completion>

- :func:`render_with_chat_template` -- the tokenizer's own chat template: the prompt is the
  template applied to the prompt messages with the generation prompt; the completion is what
  the template adds when the assistant turn is appended (so ``prompt + completion`` equals the
  template applied to the whole conversation).

:func:`check_chat_template` tells whether a tokenizer's template can be used that way.

>>> r = render_transcript([{"role": "user", "content": "Is the sky blue?"}], "Yes.")
>>> print(r.text)
user: Is the sky blue?
assistant: Yes.
>>> r.prompt
'user: Is the sky blue?\\nassistant: '
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ...core.sample import Message, Sample

__all__ = [
    "RenderedSample",
    "check_chat_template",
    "messages_as_dicts",
    "render_transcript",
    "render_with_chat_template",
    "sample_parts",
    "template_fingerprint",
]

_PROBE_PROMPT = [
    {"role": "user", "content": "What is the capital of France?"},
    {"role": "assistant", "content": "Paris."},
    {"role": "user", "content": "And of Italy?"},
]
_PROBE_COMPLETION = "Rome."


@dataclass(frozen=True)
class RenderedSample:
    """A sample as model input: the context before the completion, and the completion."""

    prompt: str
    completion: str

    @property
    def text(self) -> str:
        """The whole input text (context followed by the completion)."""
        return self.prompt + self.completion


def messages_as_dicts(messages: Sequence[Message | dict[str, Any]]) -> list[dict[str, str]]:
    """Chat messages as ``{"role", "content"}`` dicts with plain-text content."""
    out: list[dict[str, str]] = []
    for m in messages:
        if isinstance(m, Message):
            out.append({"role": m.role, "content": m.text})
        else:
            out.append({"role": str(m.get("role", "user")), "content": Message.model_validate(m).text})
    return out


def sample_parts(sample: Sample | dict[str, Any]) -> tuple[list[dict[str, str]], str]:
    """The prompt messages and the completion text of a sample.

    A completion given as messages contributes its last assistant turn; earlier turns of it
    (an agent trajectory) are appended to the prompt so nothing the model saw is lost.
    """
    s = sample if isinstance(sample, Sample) else Sample.model_validate(sample)
    prompt = messages_as_dicts(s.prompt_messages)
    completion = s.completion
    if completion is None:
        return prompt, ""
    if isinstance(completion, str):
        return prompt, completion
    turns = messages_as_dicts(completion)
    last = max((i for i, m in enumerate(turns) if m["role"] == "assistant"), default=len(turns) - 1)
    if last < 0:
        return prompt, ""
    return prompt + turns[:last], turns[last]["content"]


def render_transcript(
    prompt: Sequence[Message | dict[str, Any]] | str | None, completion: str, *, assistant_label: str = "assistant"
) -> RenderedSample:
    """Plain ``role: content`` lines, ending with the assistant label before the completion."""
    if prompt is None:
        messages: list[dict[str, str]] = []
    elif isinstance(prompt, str):
        messages = [{"role": "user", "content": prompt}]
    else:
        messages = messages_as_dicts(prompt)
    lines = [f"{m['role']}: {m['content'].strip()}" for m in messages]
    context = "\n".join(lines)
    head = f"{context}\n{assistant_label}: " if context else f"{assistant_label}: "
    return RenderedSample(prompt=head, completion=completion.strip())


def render_with_chat_template(tokenizer: Any, prompt: Sequence[dict[str, str]], completion: str) -> RenderedSample:
    """Render with the tokenizer's chat template (see the module docstring).

    When the full-conversation rendering does not start with the prompt rendering (a template
    that rewrites earlier turns), the completion part is the assistant turn alone, ended by
    whatever the template puts after it.
    """
    messages = list(prompt)
    head = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    full = tokenizer.apply_chat_template(
        [*messages, {"role": "assistant", "content": completion}], tokenize=False, add_generation_prompt=False
    )
    if full.startswith(head):
        return RenderedSample(prompt=head, completion=full[len(head) :])
    index = full.rfind(completion) if completion else -1
    tail = full[index + len(completion) :] if index >= 0 else ""
    return RenderedSample(prompt=head, completion=completion + tail)


def check_chat_template(tokenizer: Any) -> list[str]:
    """Problems that make a tokenizer's chat template unusable for reward scoring (empty: fine).

    Checked on a probe conversation: the template exists, renders, contains every message,
    adds a generation prompt, and renders the prompt as a prefix of the whole conversation
    (otherwise the completion's tokens cannot be told apart from the context's).
    """
    template = getattr(tokenizer, "chat_template", None)
    if not template:
        return ["the tokenizer has no chat template; samples are rendered as a plain 'role: content' transcript"]
    try:
        head = tokenizer.apply_chat_template(_PROBE_PROMPT, tokenize=False, add_generation_prompt=True)
        bare = tokenizer.apply_chat_template(_PROBE_PROMPT, tokenize=False, add_generation_prompt=False)
        full = tokenizer.apply_chat_template(
            [*_PROBE_PROMPT, {"role": "assistant", "content": _PROBE_COMPLETION}],
            tokenize=False,
            add_generation_prompt=False,
        )
    except Exception as exc:
        return [f"the chat template fails to render a user/assistant conversation: {type(exc).__name__}: {exc}"]
    problems = []
    missing = [m["content"] for m in _PROBE_PROMPT if m["content"] not in head]
    if missing or _PROBE_COMPLETION not in full:
        problems.append("the chat template drops message contents (it does not render every turn)")
    if head == bare:
        problems.append("the chat template ignores add_generation_prompt (no assistant header before the completion)")
    if not full.startswith(head):
        problems.append(
            "the chat template is not prefix-consistent: the prompt with a generation prompt is not the start of "
            "the full conversation, so prompt and completion tokens may be split differently than in training"
        )
    return problems


def template_fingerprint(tokenizer: Any) -> str | None:
    """A short hash of the tokenizer's chat template (``None`` when it has none)."""
    template = getattr(tokenizer, "chat_template", None)
    if not template:
        return None
    if isinstance(template, dict):
        template = "\n".join(f"{k}={v}" for k, v in sorted(template.items()))
    return hashlib.sha256(str(template).encode("utf-8")).hexdigest()[:16]
