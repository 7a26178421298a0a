"""The scalar reward network: a backbone's pooled features through a linear head.

The head has one output per *head member*: 1 for a plain reward model, K for a shared-backbone
ensemble (``--ensemble K --ensemble-mode heads``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from ..backbones.base import Backbone, EncodedSample, Pooling

__all__ = ["ScalarRewardNetwork"]


class ScalarRewardNetwork(nn.Module):
    """``backbone body -> pooling -> Linear(hidden, n_heads)``: rewards of shape ``[batch, n_heads]``."""

    def __init__(self, backbone: Backbone, *, n_heads: int = 1, pooling: Pooling | None = None) -> None:
        super().__init__()
        if n_heads < 1:
            raise ValueError(f"n_heads must be at least 1, got {n_heads}")
        self.backbone = backbone
        self.pooling: Pooling = pooling or backbone.default_pooling
        self.body = backbone.model
        hidden = backbone.hidden_size
        self.head = nn.Linear(hidden, n_heads)
        self.head.to(device=backbone.device, dtype=next(self.body.parameters()).dtype)

    @property
    def n_heads(self) -> int:
        return int(self.head.out_features)

    def init_head(self, seed: int) -> None:
        """Small random weights (std 1/sqrt(hidden + 1)) and zero bias, from ``seed``."""
        generator = torch.Generator().manual_seed(seed)
        std = 1.0 / (self.head.in_features + 1) ** 0.5
        weight = torch.randn(self.head.weight.shape, generator=generator) * std
        with torch.no_grad():
            self.head.weight.copy_(weight.to(self.head.weight))
            self.head.bias.zero_()

    def transformer_layers(self) -> nn.ModuleList:
        """The stack of transformer layers of the body (the longest ``ModuleList`` of it)."""
        lists = [m for m in self.body.modules() if isinstance(m, nn.ModuleList)]
        if not lists:
            raise ValueError(f"cannot find the transformer layers of {type(self.body).__name__}")
        return max(lists, key=len)

    def freeze(self, n_layers: int) -> int:
        """Freeze the embeddings and the first ``n_layers`` transformer layers; returns trainable parameters.

        Everything after them (the remaining layers, final norms, the head) stays trainable.
        """
        layers = self.transformer_layers()
        if n_layers > len(layers):
            raise ValueError(f"cannot freeze {n_layers} layers: the backbone has {len(layers)}")
        trainable_layers = {id(p) for layer in layers[n_layers:] for p in layer.parameters()}
        all_layers = {id(p) for layer in layers for p in layer.parameters()}
        for name, p in self.body.named_parameters():
            if id(p) in all_layers:
                p.requires_grad_(id(p) in trainable_layers)
            elif "embed" in name.lower() or name.split(".")[0] in ("embeddings", "wte", "wpe"):
                p.requires_grad_(False)
        return sum(p.numel() for p in self.parameters() if p.requires_grad)

    def inputs(self, encoded: Sequence[EncodedSample]) -> tuple[dict[str, torch.Tensor], torch.Tensor | None]:
        """The collated batch of ``encoded`` samples, and the completion mask when the pooling needs it."""
        batch = self.backbone.collate(encoded)
        mask = self.backbone.completion_mask(encoded) if self.pooling == "completion_mean" else None
        return batch, mask

    def forward(self, batch: dict[str, torch.Tensor], completion_mask: torch.Tensor | None = None) -> torch.Tensor:
        features = self.backbone.features(batch, self.pooling, model=self.body, completion_mask=completion_mask)
        return self.head(features.to(self.head.weight.dtype)).float()

    def score_encoded(self, encoded: Sequence[EncodedSample]) -> torch.Tensor:
        """Rewards ``[len(encoded), n_heads]`` of one batch (gradients as the caller's mode says)."""
        batch, mask = self.inputs(encoded)
        return self(batch, mask)

    def head_state(self) -> dict[str, Any]:
        return {k: v.detach().cpu().contiguous() for k, v in self.head.state_dict().items()}
