"""How a (problem, steps) pair becomes token ids, and where each step's score is read.

The problem is rendered with the backbone's chat template as the user turn (with the
generation prompt); the steps follow as the assistant's text, each step followed by the join
string (``"\\n"``). Each piece is tokenized on its own and the ids are concatenated, so a step's
tokens never merge with its neighbours' and the position where its score is read (the last
token of the step and its join string) is exact. Causal attention means the state there has
seen the problem and every step up to this one, nothing after: one forward pass scores every
step of a solution.

When the whole does not fit ``max_length``, the problem is cut from the left; a solution whose
steps alone do not fit is an error (its last steps could not be scored).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["EncodedSolution", "SolutionTooLong", "encode_solutions"]

MIN_PROMPT_TOKENS = 16


class SolutionTooLong(ValueError):
    """The steps of a solution do not fit the model's token limit."""


@dataclass(frozen=True)
class EncodedSolution:
    input_ids: list[int]
    step_ends: list[int]
    """Index of the token where each step's score is read, one per step."""
    truncated: bool
    """Whether the problem was cut from the left to fit."""

    def __len__(self) -> int:
        return len(self.input_ids)


def encode_solutions(
    backbone: Any,
    items: Sequence[tuple[Any, Sequence[str]]],
    *,
    join: str = "\n",
    max_length: int | None = None,
) -> list[EncodedSolution | SolutionTooLong]:
    """Encode ``(prompt, steps)`` pairs; a pair that cannot fit is a :class:`SolutionTooLong` in its slot."""
    limit = max_length or backbone.max_length
    fast = backbone.fast_tokenizer
    prompts = fast.encode_batch([backbone.render_prompt(p) for p, _ in items], add_special_tokens=False)
    flat_steps = [s + join for _, steps in items for s in steps]
    step_ids = fast.encode_batch(flat_steps, add_special_tokens=False) if flat_steps else []
    out: list[EncodedSolution | SolutionTooLong] = []
    cursor = 0
    for (_, steps), prompt in zip(items, prompts, strict=True):
        pieces = [step_ids[cursor + k].ids for k in range(len(steps))]
        cursor += len(steps)
        if not steps:
            out.append(SolutionTooLong("the solution has no steps"))
            continue
        body = sum(len(p) for p in pieces)
        room = limit - body
        prompt_ids = list(prompt.ids)
        if room < min(len(prompt_ids), MIN_PROMPT_TOKENS):
            out.append(
                SolutionTooLong(
                    f"the solution's {len(steps)} steps take {body} tokens; with the problem they do not fit "
                    f"max_length={limit}"
                )
            )
            continue
        truncated = len(prompt_ids) > room
        if truncated:
            prompt_ids = prompt_ids[len(prompt_ids) - room :]
        ids = list(prompt_ids)
        ends = []
        for piece in pieces:
            if not piece:  # an empty step (cannot happen after splitting, but stay safe)
                piece = list(fast.encode(join, add_special_tokens=False).ids) or [backbone.pad_token_id]
            ids.extend(piece)
            ends.append(len(ids) - 1)
        out.append(EncodedSolution(input_ids=ids, step_ends=ends, truncated=truncated))
    return out
