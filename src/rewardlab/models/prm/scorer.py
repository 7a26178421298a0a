"""Scoring solutions step by step with a loaded PRM: batched, length-bucketed, deterministic."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from ..lm_ops import buckets_by_length
from .encode import EncodedSolution

__all__ = ["collate_solutions", "step_probabilities"]


def collate_solutions(encoded: Sequence[EncodedSolution], pad_id: int, device: str) -> dict[str, torch.Tensor]:
    """Right-padded ``input_ids`` and ``attention_mask``."""
    width = max(len(e) for e in encoded)
    ids = torch.full((len(encoded), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(encoded), width), dtype=torch.long)
    for i, e in enumerate(encoded):
        ids[i, : len(e)] = torch.tensor(e.input_ids, dtype=torch.long)
        mask[i, : len(e)] = 1
    return {"input_ids": ids.to(device), "attention_mask": mask.to(device)}


def _positions(encoded: Sequence[EncodedSolution], device: str) -> tuple[torch.Tensor, torch.Tensor]:
    rows = [i for i, e in enumerate(encoded) for _ in e.step_ends]
    cols = [c for e in encoded for c in e.step_ends]
    return torch.tensor(rows, device=device), torch.tensor(cols, device=device)


def step_probabilities(
    net: Any, backbone: Any, encoded: Sequence[EncodedSolution], *, batch_size: int = 8
) -> list[list[float]]:
    """P(step is good) for every step of every solution, in input order."""
    out: list[list[float]] = [[] for _ in encoded]
    if not encoded:
        return out
    with torch.inference_mode():
        for indices in buckets_by_length([len(e) for e in encoded], batch_size):
            chunk = [encoded[i] for i in indices]
            batch = collate_solutions(chunk, backbone.pad_token_id, backbone.device)
            hidden = net.hidden(batch["input_ids"], batch["attention_mask"])
            rows, cols = _positions(chunk, backbone.device)
            probs = torch.sigmoid(net.step_logits(hidden, rows, cols).double()).cpu().tolist()
            cursor = 0
            for i, e in zip(indices, chunk, strict=True):
                out[i] = probs[cursor : cursor + len(e.step_ends)]
                cursor += len(e.step_ends)
    return out
