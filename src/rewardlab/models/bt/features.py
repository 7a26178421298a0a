"""Frozen-body features computed once: the linear probe's cache, shared across training runs.

A linear probe (``freeze_layers`` = every layer) trains only the head, so each input's pooled
features are a fixed function of the pretrained backbone, the pooling and the exact token ids.
:class:`FeatureCache` remembers them, keyed by exactly that, so that

- within one run, a response that appears in many pairs (best-of-N data expanded into pairs,
  a shared rejected answer) is encoded once;
- across runs (cross-validation folds, an inner split that picks a hyperparameter, several
  seeds), a response seen before is never encoded again.

Pass one cache to :func:`~rewardlab.models.bt.train.train_bt` /
:func:`~rewardlab.models.bt.trainer.train_member` (``feature_cache=``): it is used only
when the body is frozen (a probe); a run that fine-tunes any layer ignores it, since its
features change while it trains. The cache lives in memory (``hidden`` floats per distinct
input: 1.5 kB for MiniLM).

>>> from rewardlab.models.backbones.base import EncodedSample
>>> cache = FeatureCache()
>>> seq = EncodedSample([101, 7, 102], [0, 0, 0], 1, 2, False)
>>> key = FeatureCache.key("minilm|/m|completion_mean", seq)
>>> key == FeatureCache.key("minilm|/m|completion_mean", EncodedSample([101, 7, 102], [0, 0, 0], 1, 2, True))
True
>>> key == FeatureCache.key("minilm|/m|mean", seq)
False
>>> len(cache), cache.hits, cache.misses
(0, 0, 0)
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import TYPE_CHECKING, Any

from ..backbones.base import EncodedSample

if TYPE_CHECKING:  # pragma: no cover
    import torch

    from .network import ScalarRewardNetwork

__all__ = ["FeatureCache", "body_key"]


def body_key(network: ScalarRewardNetwork) -> str:
    """What identifies a frozen body's features: backbone name and source, pooling and dtype."""
    backbone = network.backbone
    dtype = next(network.body.parameters()).dtype
    return f"{backbone.name}|{backbone.source}|{network.pooling}|{dtype}"


class FeatureCache:
    """Pooled features of a frozen pretrained body, one per distinct (body, input) pair.

    ``hits`` and ``misses`` count look-ups (a miss is an input that had to be encoded).
    """

    def __init__(self) -> None:
        self._store: dict[Hashable, torch.Tensor] = {}
        self.hits = 0
        self.misses = 0

    @staticmethod
    def key(body: str, seq: EncodedSample) -> Hashable:
        """The cache key of one encoded input: everything the pooled features depend on.

        The ``truncated`` flag is not part of it: it describes how the ids were made, not the ids.
        """
        types = tuple(seq.token_type_ids) if seq.token_type_ids is not None else None
        return (body, tuple(seq.input_ids), types, seq.completion_start, seq.completion_end)

    def get(self, key: Hashable) -> torch.Tensor | None:
        """The stored features of ``key`` (counted as a hit), or ``None``."""
        value = self._store.get(key)
        if value is not None:
            self.hits += 1
        return value

    def put(self, key: Hashable, features: torch.Tensor) -> None:
        """Store the features of one input (counted as a miss: they had to be computed)."""
        self.misses += 1
        self._store[key] = features

    def __len__(self) -> int:
        return len(self._store)

    def stats(self) -> dict[str, Any]:
        """Entries, hits and misses, for logs and reports."""
        return {"entries": len(self), "hits": self.hits, "misses": self.misses}
