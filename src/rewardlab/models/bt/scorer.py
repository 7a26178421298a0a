"""Fast, deterministic scoring with a loaded reward model.

- **Length bucketing**: samples are tokenized once, sorted by length, scored in batches of
  similar lengths (little padding), and the scores are put back in input order.
- **Deterministic**: right padding with an attention mask, pooling over unpadded tokens only,
  eval mode (no dropout) and ``torch.inference_mode``: a sample gets the same score alone or in
  a batch of any size, up to float rounding (well within 1e-5).
- Threads are sized for the machine when the model loads (:mod:`rewardlab.models.runtime`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch

from ..backbones.base import EncodedSample
from .checkpoint import LoadedRewardModel

__all__ = ["MemberScores", "RewardModelScorer", "length_buckets"]


def length_buckets(lengths: Sequence[int], batch_size: int) -> list[list[int]]:
    """Indices grouped into batches of similar length (longest first, so memory peaks early).

    >>> length_buckets([5, 1, 9, 3], 2)
    [[2, 0], [3, 1]]
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]


@dataclass
class MemberScores:
    """Per-sample scores of every member (``[n_samples][n_members]``) and whether inputs were cut."""

    scores: list[list[float]]
    truncated: list[bool]
    lengths: list[int]


class RewardModelScorer:
    """Scores samples with every member of a :class:`LoadedRewardModel`."""

    def __init__(self, model: LoadedRewardModel, *, batch_size: int = 32) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self.model = model
        self.batch_size = batch_size

    def encode(self, samples: Sequence[Any]) -> list[EncodedSample]:
        backbone = self.model.backbone
        return backbone.encode(backbone.render_many(samples))

    def score_encoded(self, encoded: Sequence[EncodedSample]) -> list[list[float]]:
        """Member scores of already-encoded samples, in input order."""
        out: list[list[float]] = [[] for _ in encoded]
        networks = self.model.networks
        with torch.inference_mode():
            for batch_indices in length_buckets([len(e) for e in encoded], self.batch_size):
                batch, mask = networks[0].inputs([encoded[i] for i in batch_indices])
                rewards = torch.cat([net(batch, mask) for net in networks], dim=1).double().cpu()
                for row, i in enumerate(batch_indices):
                    out[i] = rewards[row].tolist()
        return out

    def score(self, samples: Sequence[Any]) -> MemberScores:
        """Render, tokenize and score samples (dicts or :class:`~rewardlab.core.sample.Sample`)."""
        if not samples:
            return MemberScores([], [], [])
        encoded = self.encode(samples)
        return MemberScores(
            scores=self.score_encoded(encoded),
            truncated=[e.truncated for e in encoded],
            lengths=[len(e) for e in encoded],
        )
