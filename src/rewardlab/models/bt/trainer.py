"""Training one reward network on preference pairs (one ensemble member).

AdamW with separate learning rates for the backbone and the head (no weight decay on biases
and norms), linear warm-up then linear decay, gradient accumulation and clipping, length-
bucketed shuffled batches, and the held-out pairwise accuracy after every epoch.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import torch

from ...data.preferences import PreferencePair
from ..backbones.base import Backbone, EncodedSample
from .batches import bucketed_batches
from .config import BTTrainConfig
from .features import FeatureCache, body_key
from .loss import bradley_terry_loss
from .metrics import pairwise_accuracy
from .network import ScalarRewardNetwork
from .progress import TrainingReporter
from .scorer import length_buckets

__all__ = [
    "EncodedPairs",
    "MemberResult",
    "encode_pairs",
    "pair_scores",
    "pairwise_accuracy",
    "pooled_features",
    "train_member",
]


@dataclass
class EncodedPairs:
    """Token ids of the chosen and rejected sides of pairs, and each pair's margin."""

    chosen: list[EncodedSample]
    rejected: list[EncodedSample]
    margins: list[float]

    def __len__(self) -> int:
        return len(self.chosen)

    @property
    def lengths(self) -> list[int]:
        return [max(len(c), len(r)) for c, r in zip(self.chosen, self.rejected, strict=True)]

    @property
    def truncated(self) -> int:
        """Pairs with at least one side cut to the token limit."""
        return sum(c.truncated or r.truncated for c, r in zip(self.chosen, self.rejected, strict=True))


def encode_pairs(
    backbone: Backbone, pairs: Sequence[PreferencePair], config: BTTrainConfig, max_length: int | None = None
) -> EncodedPairs:
    """Render and tokenize both sides of every pair with the backbone's rendering."""
    chosen = backbone.encode([backbone.render(p.sample("chosen")) for p in pairs], max_length)
    rejected = backbone.encode([backbone.render(p.sample("rejected")) for p in pairs], max_length)
    margins = [config.margin + (p.margin if config.margin_from_data and p.margin is not None else 0.0) for p in pairs]
    return EncodedPairs(chosen, rejected, margins)


def pair_scores(
    networks: Sequence[ScalarRewardNetwork], encoded: EncodedPairs, *, batch_size: int = 64
) -> tuple[list[list[float]], list[list[float]]]:
    """Scores ``[pair][member score]`` of the chosen and the rejected sides (eval mode, no gradients)."""
    sequences = encoded.chosen + encoded.rejected
    out: list[list[float]] = [[] for _ in sequences]
    modes = [n.training for n in networks]
    for n in networks:
        n.eval()
    try:
        with torch.inference_mode():
            for idx in length_buckets([len(s) for s in sequences], batch_size):
                batch, mask = networks[0].inputs([sequences[i] for i in idx])
                rewards = torch.cat([n(batch, mask) for n in networks], dim=1).double().cpu()
                for row, i in enumerate(idx):
                    out[i] = rewards[row].tolist()
    finally:
        for n, mode in zip(networks, modes, strict=True):
            n.train(mode)
    half = len(encoded)
    return out[:half], out[half:]


def pooled_features(
    network: ScalarRewardNetwork,
    sequences: Sequence[EncodedSample],
    *,
    batch_size: int = 64,
    cache: FeatureCache | None = None,
) -> torch.Tensor:
    """The body's pooled features ``[len(sequences), hidden]`` (eval mode, no gradients), in order.

    Identical inputs are encoded once. With ``cache`` (only for a frozen, pretrained body: a
    linear probe), inputs already in it are not encoded at all and the new ones are added.
    """
    if not sequences:
        return torch.empty(0, network.head.in_features, dtype=network.head.weight.dtype)
    body = body_key(network)
    keys = [FeatureCache.key(body, s) for s in sequences]
    found: dict[Any, torch.Tensor] = {}
    todo: dict[Any, int] = {}  # distinct key -> index of its first sequence
    for i, key in enumerate(keys):
        if key in found or key in todo:
            continue
        hit = cache.get(key) if cache is not None else None
        if hit is not None:
            found[key] = hit
        else:
            todo[key] = i
    if todo:
        unique = list(todo.values())
        mode = network.training
        network.eval()
        try:
            with torch.inference_mode():
                for idx in length_buckets([len(sequences[i]) for i in unique], batch_size):
                    batch, mask = network.inputs([sequences[unique[j]] for j in idx])
                    feats = network.backbone.features(batch, network.pooling, model=network.body, completion_mask=mask)
                    for row, j in enumerate(idx):
                        key = keys[unique[j]]
                        found[key] = feats[row].clone()
                        if cache is not None:
                            cache.put(key, found[key])
        finally:
            network.train(mode)
    return torch.stack([found[key] for key in keys]).to(network.head.weight.dtype)


@dataclass
class MemberResult:
    """What training one member produced: metrics per epoch and the kept epoch's held-out scores."""

    epochs: list[dict[str, Any]] = field(default_factory=list)
    kept_epoch: int = 0
    eval_chosen: list[list[float]] = field(default_factory=list)
    eval_rejected: list[list[float]] = field(default_factory=list)
    seconds: float = 0.0


def _param_groups(network: ScalarRewardNetwork, config: BTTrainConfig) -> list[dict[str, Any]]:
    decay, no_decay = [], []
    for name, p in network.body.named_parameters():
        if not p.requires_grad:
            continue
        (no_decay if p.dim() < 2 or "norm" in name.lower() else decay).append(p)
    head_lr = config.head_learning_rate or 10 * config.learning_rate
    return [
        {"params": decay, "weight_decay": config.weight_decay, "lr": config.learning_rate},
        {"params": no_decay, "weight_decay": 0.0, "lr": config.learning_rate},
        {"params": [network.head.weight], "weight_decay": config.weight_decay, "lr": head_lr},
        {"params": [network.head.bias], "weight_decay": 0.0, "lr": head_lr},
    ]


def _schedule(total_steps: int, warmup_steps: int) -> Any:
    def factor(step: int) -> float:
        if warmup_steps and step < warmup_steps:
            return (step + 1) / warmup_steps
        remaining = max(1, total_steps - warmup_steps)
        return max(0.0, (total_steps - step) / remaining)

    return factor


def train_member(
    network: ScalarRewardNetwork,
    train: EncodedPairs,
    held_out: EncodedPairs | None,
    config: BTTrainConfig,
    *,
    seed: int,
    label: str,
    reporter: TrainingReporter,
    feature_cache: FeatureCache | None = None,
) -> MemberResult:
    """Train ``network`` in place; returns per-epoch metrics and held-out scores of the kept epoch.

    ``feature_cache`` is used only for a linear probe (every layer frozen): the pooled features
    of inputs it already holds are not computed again, and the new ones are added to it.
    """
    if len(train) == 0:
        raise ValueError("no training pairs")
    torch.manual_seed(seed)
    network.init_head(seed)
    device = network.head.weight.device
    weights: torch.Tensor | None = None
    if network.n_heads > 1:  # bootstrap: each head sees its own Poisson(1) resample of the pairs
        generator = torch.Generator().manual_seed(seed + 7919)
        weights = torch.poisson(torch.ones(len(train), network.n_heads), generator=generator)

    probe = False
    if config.freeze_layers:
        network.freeze(config.freeze_layers)
        probe = config.freeze_layers >= len(network.transformer_layers())
    optimizer = torch.optim.AdamW(_param_groups(network, config), lr=config.learning_rate)
    batches_per_epoch = math.ceil(len(train) / config.batch_size)
    steps_per_epoch = math.ceil(batches_per_epoch / config.grad_accum)
    total_steps = steps_per_epoch * config.epochs
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, _schedule(total_steps, int(config.warmup_ratio * total_steps))
    )
    use_bf16 = config.mixed_precision == "bf16"
    cached: torch.Tensor | None = None
    held_cached: torch.Tensor | None = None
    if probe:  # a linear probe: the body's features never change, compute them once
        reporter.message(f"{label}: every layer is frozen; computing the features once, then training the head")
        cached = pooled_features(network, train.chosen + train.rejected, cache=feature_cache)
        if held_out is not None and len(held_out):
            held_cached = pooled_features(network, held_out.chosen + held_out.rejected, cache=feature_cache)
    result = MemberResult()
    best: tuple[float, int, dict[str, Any] | None] = (-1.0, 0, None)
    started = time.perf_counter()
    lengths = train.lengths
    for epoch in range(1, config.epochs + 1):
        network.train()
        epoch_started = time.perf_counter()
        batches = bucketed_batches(lengths, batch_size=config.batch_size, seed=seed * 1000 + epoch)
        tag = f"{label} epoch {epoch}/{config.epochs}"
        reporter.start_epoch(tag, len(batches))
        sums = {"loss": 0.0, "accuracy": 0.0, "n": 0}
        optimizer.zero_grad(set_to_none=True)
        for b, idx in enumerate(batches):
            if cached is not None:
                rows = torch.tensor(idx + [len(train) + i for i in idx], device=cached.device)
                rewards = network.head(cached[rows]).float()
            else:
                with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=use_bf16):
                    sequences = [train.chosen[i] for i in idx] + [train.rejected[i] for i in idx]
                    rewards = network.score_encoded(sequences)
            r_c, r_r = rewards[: len(idx)], rewards[len(idx) :]
            margin = torch.tensor([train.margins[i] for i in idx], device=device)
            w = weights[idx].to(device) if weights is not None else None
            loss, stats = bradley_terry_loss(r_c, r_r, margin=margin, center_coef=config.center_coef, weights=w)
            (loss / config.grad_accum).backward()
            if (b + 1) % config.grad_accum == 0 or b + 1 == len(batches):
                torch.nn.utils.clip_grad_norm_(network.parameters(), config.max_grad_norm)
                optimizer.step()
                scheduler.step()
                optimizer.zero_grad(set_to_none=True)
            sums["loss"] += stats["loss"] * len(idx)
            sums["accuracy"] += stats["accuracy"] * len(idx)
            sums["n"] += len(idx)
            reporter.advance(loss=sums["loss"] / sums["n"], accuracy=sums["accuracy"] / sums["n"])
        metrics: dict[str, Any] = {
            "epoch": epoch,
            "train_loss": sums["loss"] / sums["n"],
            "train_accuracy": sums["accuracy"] / sums["n"],
            "eval_accuracy": None,
            "eval_pairs": 0,
        }
        if held_out is not None and len(held_out):
            if held_cached is not None:
                with torch.inference_mode():
                    values = network.head(held_cached).double().cpu().tolist()
                chosen, rejected = values[: len(held_out)], values[len(held_out) :]
            else:
                chosen, rejected = pair_scores([network], held_out)
            metrics["eval_accuracy"] = pairwise_accuracy(chosen, rejected)
            metrics["eval_pairs"] = len(held_out)
            metrics["eval_margin"] = sum(
                sum(c) / len(c) - sum(r) / len(r) for c, r in zip(chosen, rejected, strict=True)
            ) / len(chosen)
            if config.select == "last" or metrics["eval_accuracy"] > best[0]:
                result.eval_chosen, result.eval_rejected = chosen, rejected
                result.kept_epoch = epoch
                state = (
                    copy.deepcopy({k: v.detach().cpu() for k, v in network.state_dict().items()})
                    if config.select == "best" and epoch < config.epochs
                    else None
                )
                best = (metrics["eval_accuracy"], epoch, state)
        else:
            result.kept_epoch = epoch
        metrics["seconds"] = time.perf_counter() - epoch_started
        result.epochs.append(metrics)
        reporter.end_epoch(tag, metrics)
    if config.select == "best" and best[1] != config.epochs and best[2] is not None:
        network.load_state_dict(best[2])
        reporter.message(f"{label}: kept epoch {best[1]} (best held-out accuracy {best[0]:.3f})")
    network.eval()
    result.seconds = time.perf_counter() - started
    return result
