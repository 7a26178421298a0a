"""Batched, deterministic forward passes of a sequence-classification model.

Inputs are sorted by length and scored in batches of similar length, right-padded with an
attention mask: an encoder ignores the padding, and a decoder's head reads each row's last
token that is not ``config.pad_token_id`` -- which is what it reads for the same input alone, so
a sample's logits do not depend on its batch (float rounding aside, well within 1e-5). A decoder
whose config has no ``pad_token_id`` cannot be padded that way and is scored one sample at a time.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from ..bt.scorer import length_buckets
from .inputs import ClassifierInput
from .loading import LoadedHFModel
from .steps import PRMInput

__all__ = ["classifier_logits", "collate", "token_logits"]


def collate(
    inputs: Sequence[ClassifierInput] | Sequence[PRMInput], pad_id: int, device: str
) -> dict[str, torch.Tensor]:
    """``input_ids``, ``attention_mask`` (and ``token_type_ids`` when the inputs have them), right-padded."""
    width = max(len(x) for x in inputs)
    ids = torch.full((len(inputs), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(inputs), width), dtype=torch.long)
    with_types = all(getattr(x, "token_type_ids", None) is not None for x in inputs)
    types = torch.zeros((len(inputs), width), dtype=torch.long) if with_types else None
    for i, x in enumerate(inputs):
        ids[i, : len(x)] = torch.tensor(x.input_ids, dtype=torch.long)
        mask[i, : len(x)] = 1
        if types is not None:
            types[i, : len(x)] = torch.tensor(x.token_type_ids, dtype=torch.long)  # type: ignore[union-attr]
    batch = {"input_ids": ids.to(device), "attention_mask": mask.to(device)}
    if types is not None:
        batch["token_type_ids"] = types.to(device)
    return batch


def classifier_logits(loaded: LoadedHFModel, inputs: Sequence[ClassifierInput], batch_size: int) -> list[list[float]]:
    """The head's logits (``num_labels`` floats) for every input, in input order."""
    out: list[list[float]] = [[] for _ in inputs]
    if not inputs:
        return out
    pad_id = loaded.pad_id
    size = batch_size if pad_id is not None else 1
    with torch.inference_mode():
        for indices in length_buckets([len(x) for x in inputs], size):
            batch = collate([inputs[i] for i in indices], pad_id if pad_id is not None else 0, loaded.device)
            logits = loaded.model(**batch).logits.double().cpu()
            for row, i in enumerate(indices):
                out[i] = logits[row].tolist()
    return out


def token_logits(loaded: LoadedHFModel, inputs: Sequence[PRMInput], batch_size: int) -> list[list[list[float]]]:
    """The head's logits at each input's step positions (``[input][step][num_labels]``), in input order.

    Right padding changes nothing before it: a decoder attends only to earlier tokens, an
    encoder only to unmasked ones.
    """
    out: list[list[list[float]]] = [[] for _ in inputs]
    if not inputs:
        return out
    pad = loaded.pad_id if loaded.pad_id is not None else (getattr(loaded.tokenizer, "pad_token_id", None) or 0)
    with torch.inference_mode():
        for indices in length_buckets([len(x) for x in inputs], batch_size):
            chunk = [inputs[i] for i in indices]
            batch = collate(chunk, pad, loaded.device)
            logits = loaded.model(**batch).logits
            rows = torch.tensor([r for r, x in enumerate(chunk) for _ in x.positions], device=logits.device)
            cols = torch.tensor([c for x in chunk for c in x.positions], device=logits.device)
            picked = logits[rows, cols].double().cpu().tolist()
            cursor = 0
            for i, x in zip(indices, chunk, strict=True):
                out[i] = picked[cursor : cursor + len(x.positions)]
                cursor += len(x.positions)
    return out
