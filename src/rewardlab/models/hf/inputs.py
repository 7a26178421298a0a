"""How a sample becomes the input of a Hugging Face sequence-classification reward model.

The way the model cards of public reward models show it, so a score here is the score their
own snippet computes:

- **a tokenizer with a chat template** (Skywork-Reward, ArmoRM, most decoder reward models):
  the whole conversation -- the prompt's messages, then the completion as the assistant's turn
  -- rendered by the template (no generation prompt) and tokenized as it is, without adding
  special tokens (the template writes them): what ``tokenizer.apply_chat_template(conversation,
  tokenize=True)`` gives;
- **no chat template** (OpenAssistant's DeBERTa, BERT-like classifiers): the pair
  ``tokenizer(question, answer)``, the question being a single user turn's text, or the
  conversation as ``role: content`` lines when there are several turns; a sample without a
  prompt is the completion alone.

Too long an input loses its context first: a templated one keeps its first token when it is
the tokenizer's BOS and then the last ``max_length - 1`` tokens (the response's end, where a
decoder's head reads, is kept); a pair is cut from the left of the question, then both.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from ...core.sample import Sample
from ..backbones.rendering import sample_parts

__all__ = ["ClassifierInput", "encode_for_classifier", "question_text"]

_SIDE_LOCK = threading.Lock()  # the tokenizer's truncation side is switched while a pair is cut


@dataclass(frozen=True)
class ClassifierInput:
    input_ids: list[int]
    token_type_ids: list[int] | None
    truncated: bool

    def __len__(self) -> int:
        return len(self.input_ids)


def question_text(prompt: list[dict[str, str]]) -> str:
    """The first segment of a pair: one user turn's text, or ``role: content`` lines.

    >>> question_text([{"role": "user", "content": "Hi?"}])
    'Hi?'
    >>> question_text([{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi?"}])
    'system: Be brief.\\nuser: Hi?'
    """
    if len(prompt) == 1 and prompt[0]["role"] == "user":
        return prompt[0]["content"]
    return "\n".join(f"{m['role']}: {m['content']}" for m in prompt)


def _templated(tokenizer: Any, prompt: list[dict[str, str]], completion: str, max_length: int) -> ClassifierInput:
    text = tokenizer.apply_chat_template(
        [*prompt, {"role": "assistant", "content": completion}], tokenize=False, add_generation_prompt=False
    )
    ids = list(tokenizer(text, add_special_tokens=False)["input_ids"])
    if len(ids) <= max_length:
        return ClassifierInput(ids, None, False)
    bos = getattr(tokenizer, "bos_token_id", None)
    head = ids[:1] if bos is not None and ids[0] == bos else []
    return ClassifierInput(head + ids[len(ids) - (max_length - len(head)) :], None, True)


def _pair(tokenizer: Any, prompt: list[dict[str, str]], completion: str, max_length: int) -> ClassifierInput:
    args: tuple[str, ...] = (question_text(prompt), completion) if prompt else (completion,)
    enc = tokenizer(*args)
    truncated = False
    if len(enc["input_ids"]) > max_length:
        truncated = True
        room = max_length - len(tokenizer(completion, add_special_tokens=False)["input_ids"])
        specials = len(tokenizer(*(("", "") if prompt else ("",)))["input_ids"])
        strategy = "only_first" if prompt and room - specials > 0 else "longest_first"
        with _SIDE_LOCK:
            side = tokenizer.truncation_side
            tokenizer.truncation_side = "left"  # the question loses its oldest tokens
            try:
                enc = tokenizer(*args, truncation=strategy, max_length=max_length)
            finally:
                tokenizer.truncation_side = side
    types = enc.get("token_type_ids")
    return ClassifierInput(list(enc["input_ids"]), list(types) if types is not None else None, truncated)


def encode_for_classifier(tokenizer: Any, sample: Sample | dict[str, Any], max_length: int) -> ClassifierInput:
    """The token ids (and token types of a pair) a classifier reads for ``sample``."""
    prompt, completion = sample_parts(sample)
    if getattr(tokenizer, "chat_template", None):
        return _templated(tokenizer, prompt, completion, max_length)
    return _pair(tokenizer, prompt, completion, max_length)
