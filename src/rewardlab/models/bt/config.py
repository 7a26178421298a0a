"""The parameters of a Bradley-Terry training run (validated; written to the model card).

>>> BTTrainConfig(epochs=2, learning_rate=3e-5).effective_batch_size
16
>>> BTTrainConfig(ensemble=3, ensemble_mode="heads").n_members
1
>>> BTTrainConfig(batch_size=0)
Traceback (most recent call last):
...
pydantic_core._pydantic_core.ValidationError: 1 validation error for BTTrainConfig
batch_size
  Input should be greater than or equal to 1 ...
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["BTTrainConfig", "EnsembleMode"]

EnsembleMode = Literal["members", "heads"]


class BTTrainConfig(BaseModel):
    """How to train a Bradley-Terry reward model."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    backbone: str = Field(default="minilm", description="'minilm', 'smollm2' or a local Hugging Face model folder.")
    epochs: int = Field(default=1, ge=1, description="Passes over the training pairs.")
    learning_rate: float = Field(default=5e-5, gt=0, description="Peak AdamW learning rate of the backbone.")
    head_learning_rate: float | None = Field(
        default=None, gt=0, description="Learning rate of the linear head (default: 10x the backbone's)."
    )
    weight_decay: float = Field(default=0.01, ge=0, description="AdamW weight decay (not on biases and norms).")
    warmup_ratio: float = Field(default=0.1, ge=0, lt=1, description="Share of steps with a linear warm-up.")
    batch_size: int = Field(default=16, ge=1, description="Pairs per micro-batch (each pair is two sequences).")
    grad_accum: int = Field(default=1, ge=1, description="Micro-batches per optimizer step.")
    max_length: int | None = Field(default=None, ge=8, description="Token limit per sample (default: backbone's).")
    max_grad_norm: float = Field(default=1.0, gt=0, description="Gradient clipping norm.")
    margin: float = Field(default=0.0, ge=0, description="Constant margin m in -log sigmoid(r_c - r_r - m).")
    margin_from_data: bool = Field(
        default=False, description="Add each pair's own margin (rating difference) when the data has one."
    )
    center_coef: float = Field(
        default=0.0, ge=0, description="Reward-centring weight lambda of lambda*(r_c + r_r)^2 (try 0.01)."
    )
    pooling: Literal["mean", "last", "cls", "completion_mean"] | None = Field(
        default=None,
        description="Feature pooling: mean, last, cls or completion_mean (default: completion_mean for encoders, "
        "last for causal LMs).",
    )
    mixed_precision: Literal["no", "bf16"] = Field(
        default="no", description="'bf16': bfloat16 autocast for training (faster on CPUs with AVX512-BF16, GPUs)."
    )
    freeze_layers: int = Field(
        default=0,
        ge=0,
        description="Freeze the embeddings and the first N transformer layers (0: train all; all of them: a linear "
        "probe whose features are computed once).",
    )
    ensemble: int = Field(default=1, ge=1, le=32, description="Ensemble size K.")
    ensemble_mode: EnsembleMode = Field(
        default="members",
        description="'members': K separately fine-tuned backbones (seeds seed..seed+K-1); "
        "'heads': one backbone with K linear heads, each on its own bootstrap resample of the pairs.",
    )
    select: Literal["last", "best"] = Field(
        default="last", description="Keep the last epoch, or the epoch with the best held-out accuracy."
    )
    seed: int = Field(default=0, description="Seed of initialization, data order and dropout.")
    device: str = Field(default="auto", description="'auto', 'cpu', 'cuda', 'cuda:N'.")
    threads: int | None = Field(default=None, ge=1, description="CPU threads (default: this process's share).")

    @property
    def effective_batch_size(self) -> int:
        """Pairs per optimizer step."""
        return self.batch_size * self.grad_accum

    @property
    def n_members(self) -> int:
        """Separately trained backbones."""
        return self.ensemble if self.ensemble_mode == "members" else 1

    @property
    def n_heads(self) -> int:
        """Heads per member."""
        return self.ensemble if self.ensemble_mode == "heads" else 1
