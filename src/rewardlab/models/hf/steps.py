"""How a token-classification PRM reads a solution: where its steps end, as its folder says.

A process reward model of this kind classifies tokens; a step's score is read at the token that
marks the step's end. Two conventions cover the public ones, and the folder's ``config.json``
(or the spec) says which, with the text that marks a step:

- ``step_separator`` (TRL's ``PRMTrainer``, default ``"\\n"``): each step is tokenized on its
  own, followed by the separator's own tokens (``tokenizer.encode(separator)``, as TRL's
  ``tokenize_row`` builds its training rows), the pieces are concatenated after the prompt, and
  a step's score is read at the last token of its piece (a separator with no tokens, such as a
  newline for a BERT tokenizer: the step's last token);
- ``step_tag`` (Math-Shepherd's ``ки``, Qwen2.5-Math-PRM's ``<extra_0>``): a token written after
  every step; scores are read where it stands. The tag must be one token of the vocabulary.

and how the problem comes first (``prompt_format``):

- ``plain`` (TRL): the problem's text (one user turn's text, or ``role: content`` lines), the
  tokenizer's BOS before it when it has one, no template;
- ``chat_template``: the conversation through the tokenizer's chat template with the solution
  as the assistant's turn (steps joined by their markers), as Qwen2.5-Math-PRM is used.

Too long an input loses the problem's oldest tokens (BOS kept); a solution whose steps alone do
not fit ``max_length`` is an error: its last steps could not be scored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from .inputs import question_text

__all__ = ["PRMInput", "StepMarking", "encode_steps"]

PromptFormat = Literal["plain", "chat_template"]


@dataclass(frozen=True)
class StepMarking:
    """How steps are marked: a separator after each step, or a tag token; how the prompt is written."""

    separator: str | None = None
    tag: str | None = None
    prompt_format: PromptFormat = "plain"

    def __post_init__(self) -> None:
        if (self.separator is None) == (self.tag is None):
            raise ValueError("a step marking needs exactly one of 'step_separator' and 'step_tag'")
        if self.separator == "" or self.tag == "":
            raise ValueError("a step marker must not be empty")

    @property
    def marker(self) -> str:
        return self.separator if self.separator is not None else str(self.tag)


@dataclass(frozen=True)
class PRMInput:
    input_ids: list[int]
    positions: list[int]
    """Where each step's score is read (one per step)."""
    truncated: bool

    def __len__(self) -> int:
        return len(self.input_ids)


def _tag_id(tokenizer: Any, tag: str) -> int:
    ids = tokenizer(tag, add_special_tokens=False)["input_ids"]
    if len(ids) != 1:
        raise ValueError(f"the step tag {tag!r} is {len(ids)} tokens for this tokenizer; it must be exactly one")
    return int(ids[0])


def _fit(prompt_ids: list[int], body: int, max_length: int, bos: int | None, n_steps: int) -> tuple[list[int], bool]:
    if len(prompt_ids) + body <= max_length:
        return prompt_ids, False
    head = prompt_ids[:1] if bos is not None and prompt_ids and prompt_ids[0] == bos else []
    room = max_length - body - len(head)
    if room < 0:
        raise ValueError(f"the solution's {n_steps} steps take {body} tokens, more than max_length={max_length}")
    return head + prompt_ids[len(prompt_ids) - room :] if room else head, True


def _plain(
    tokenizer: Any, prompt: list[dict[str, str]], steps: Sequence[str], marking: StepMarking, max_length: int
) -> PRMInput:
    bos = getattr(tokenizer, "bos_token_id", None)
    prompt_ids = list(tokenizer(question_text(prompt), add_special_tokens=False)["input_ids"]) if prompt else []
    if bos is not None:
        prompt_ids = [bos, *prompt_ids]
    if marking.tag is not None:
        tag = _tag_id(tokenizer, marking.tag)
        pieces = [[*tokenizer(s, add_special_tokens=False)["input_ids"], tag] for s in steps]
    else:
        separator = list(tokenizer.encode(marking.marker, add_special_tokens=False))
        pieces = [[*tokenizer(s, add_special_tokens=False)["input_ids"], *separator] for s in steps]
    if any(not p for p in pieces):  # pragma: no cover - a non-empty step always has tokens
        raise ValueError("a step has no tokens")
    body = sum(len(p) for p in pieces)
    prompt_ids, truncated = _fit(prompt_ids, body, max_length, bos, len(steps))
    ids = list(prompt_ids)
    positions = []
    for piece in pieces:
        ids.extend(piece)
        positions.append(len(ids) - 1)
    return PRMInput(ids, positions, truncated)


def _templated(
    tokenizer: Any, prompt: list[dict[str, str]], steps: Sequence[str], marking: StepMarking, max_length: int
) -> PRMInput:
    if not getattr(tokenizer, "chat_template", None):
        raise ValueError("prompt_format 'chat_template' needs a tokenizer with a chat template; this one has none")
    solution = "".join(s + marking.marker for s in steps)
    text = tokenizer.apply_chat_template(
        [*prompt, {"role": "assistant", "content": solution}], tokenize=False, add_generation_prompt=False
    )
    start = text.rfind(solution)
    if start < 0:
        raise ValueError("the chat template rewrites the solution; cannot find where its steps end")
    enc = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    ids, offsets = list(enc["input_ids"]), list(enc["offset_mapping"])
    if marking.tag is not None:
        tag = _tag_id(tokenizer, marking.tag)
        solution_tokens = [i for i, (a, _) in enumerate(offsets) if a >= start]
        positions = [i for i in solution_tokens if ids[i] == tag]
        if len(positions) != len(steps):
            raise ValueError(
                f"found the step tag {marking.tag!r} {len(positions)} times for {len(steps)} steps "
                "(a step contains the tag itself?)"
            )
    else:
        ends, cursor = [], start
        for s in steps:
            cursor += len(s) + len(marking.marker)
            ends.append(cursor)
        positions = [max(i for i, (a, _) in enumerate(offsets) if a < end) for end in ends]
    first = min(i for i, (a, b) in enumerate(offsets) if b > start)
    body = len(ids) - first
    if len(ids) <= max_length:
        return PRMInput(ids, positions, False)
    prompt_ids, _ = _fit(ids[:first], body, max_length, getattr(tokenizer, "bos_token_id", None), len(steps))
    shift = first - len(prompt_ids)
    return PRMInput(prompt_ids + ids[first:], [p - shift for p in positions], True)


def encode_steps(
    tokenizer: Any, prompt: list[dict[str, str]], steps: Sequence[str], marking: StepMarking, max_length: int
) -> PRMInput:
    """Token ids of a (problem, steps) pair and the position of each step's score."""
    if not steps:
        raise ValueError("the solution has no steps")
    if marking.prompt_format == "chat_template":
        return _templated(tokenizer, prompt, steps, marking, max_length)
    return _plain(tokenizer, prompt, steps, marking, max_length)
