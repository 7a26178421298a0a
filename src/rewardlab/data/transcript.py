"""Raw ``\\n\\nHuman: ... \\n\\nAssistant: ...`` transcripts (the Anthropic HH-RLHF hub format).

A transcript is split at the ``\\n\\nHuman:`` / ``\\n\\nAssistant:`` markers into user and
assistant turns (a marker that is not preceded by a blank line stays part of the text); each
turn's content is stripped of surrounding whitespace.

>>> for m in parse_transcript("\\n\\nHuman: Hi\\n\\nAssistant: Hello!\\n\\nHuman: Bye\\n\\nAssistant: See you."):
...     print(m)
{'role': 'user', 'content': 'Hi'}
{'role': 'assistant', 'content': 'Hello!'}
{'role': 'user', 'content': 'Bye'}
{'role': 'assistant', 'content': 'See you.'}
>>> looks_like_transcript("Human: Hi\\n\\nAssistant: Hello")
True
"""

from __future__ import annotations

import re

__all__ = ["TranscriptError", "looks_like_transcript", "parse_transcript", "split_final_turn"]

_MARKER = re.compile(r"(?:^|\n\n)(Human|Assistant):[ \t]?")
_ROLES = {"Human": "user", "Assistant": "assistant"}


class TranscriptError(ValueError):
    """A transcript that does not alternate Human / Assistant turns as expected."""


def looks_like_transcript(text: object) -> bool:
    """Whether a string is a Human/Assistant transcript (starts with a ``Human:`` turn, has an ``Assistant:`` one)."""
    if not isinstance(text, str):
        return False
    head = text.lstrip("\n")
    return head.startswith("Human:") and "\n\nAssistant:" in text


def parse_transcript(text: str) -> list[dict[str, str]]:
    """The turns of a transcript as ``{role, content}`` messages (``user`` / ``assistant``)."""
    matches = list(_MARKER.finditer(text))
    if not matches or text[: matches[0].start()].strip():
        raise TranscriptError("expected a transcript starting with '\\n\\nHuman: '")
    messages = []
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        messages.append({"role": _ROLES[m.group(1)], "content": text[m.end() : end].strip()})
    return messages


def split_final_turn(messages: list[dict[str, str]]) -> tuple[list[dict[str, str]], str]:
    """The conversation before the final assistant turn, and that turn's text.

    Raises :class:`TranscriptError` unless the turns alternate user/assistant, starting with the
    user and ending with a non-empty assistant turn.
    """
    if not messages:
        raise TranscriptError("the transcript has no turns")
    for i, m in enumerate(messages):
        expected = "user" if i % 2 == 0 else "assistant"
        if m["role"] != expected:
            raise TranscriptError(
                f"turn {i + 1} is a {m['role']} turn; expected turns to alternate user/assistant starting with the user"
            )
    if messages[-1]["role"] != "assistant":
        raise TranscriptError("the transcript does not end with an assistant turn")
    if not messages[-1]["content"]:
        raise TranscriptError("the final assistant turn is empty")
    return messages[:-1], messages[-1]["content"]
