"""Training a process reward model (or its outcome-only baseline) from step-labelled solutions.

``label_mode="step"`` trains on every labelled step (binary cross-entropy with the label as a
soft target, so Monte-Carlo values in [0, 1] train as they are); ``label_mode="outcome"``
trains the same network on the final-answer label only, read at the last step: the outcome
reward model (ORM) a PRM must beat to be worth its labels.

The held-out split is by problem (all solutions of a problem on the same side). After each
epoch the held-out records give: the loss, the step accuracy (label >= 0.5 vs score >= 0.5)
and the outcome AUC (how well the aggregated score ranks correct above incorrect solutions).

With a frozen trunk the trunk's output is computed once per example (``cache_trunk``) and an
epoch only runs the trained top layers; pass the same ``trunk_cache`` dict to several runs on
the same data (a PRM and its ORM baseline) to compute it once for both.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ...data.steps import StepRecord
from .aggregate import aggregate
from .checkpoint import PRMConfig, save_prm

__all__ = ["PRMTrainConfig", "PRMTrainReport", "create_untrained_prm", "split_by_problem", "train_prm"]


class PRMTrainConfig(BaseModel):
    """Every parameter of a PRM training run (recorded in the model card)."""

    model_config = ConfigDict(extra="forbid", protected_namespaces=())

    backbone: str = Field(default="smollm2", description="'smollm2', a causal-LM folder or a .gguf file.")
    train_layers: int = Field(default=2, ge=0, description="Top decoder layers trained (the rest stay frozen).")
    head: Literal["linear", "mlp"] = Field(default="linear", description="The step head.")
    label_mode: Literal["step", "outcome"] = Field(
        default="step", description="'step': every step label; 'outcome': the final-answer label only (ORM)."
    )
    epochs: int = Field(default=3, ge=1)
    learning_rate: float = Field(default=1e-4, gt=0, description="For the trained layers.")
    head_learning_rate: float = Field(default=1e-3, gt=0, description="For the head.")
    weight_decay: float = Field(default=0.0, ge=0)
    batch_size: int = Field(default=8, ge=1)
    grad_accum: int = Field(default=1, ge=1, description="Micro-batches per optimizer step.")
    max_length: int = Field(default=1024, ge=32)
    seed: int = 0
    separator: str = Field(default="\n", description="How completions are split into steps at scoring time.")
    separator_regex: bool = False
    join: str = Field(default="\n", description="What follows each step in the model input.")
    eval_fraction: float = Field(default=0.1, ge=0, lt=1, description="Share of problems held out (if no eval set).")
    cache_trunk: bool = Field(default=True, description="Run the frozen trunk once per example.")
    device: str = "auto"
    threads: int | None = None


@dataclass
class PRMTrainReport:
    config: PRMTrainConfig
    n_train: int
    n_eval: int
    skipped: dict[str, int]
    epochs: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    trunk_seconds: float = 0.0

    @property
    def final(self) -> dict[str, Any]:
        return self.epochs[-1] if self.epochs else {}


class _Example:
    __slots__ = ("encoded", "key", "outcome", "record", "targets")

    def __init__(self, record: StepRecord, encoded: Any, targets: list[float | None], scope: str) -> None:
        self.record = record
        self.encoded = encoded
        self.targets = targets
        self.outcome = record.outcome
        # Trunk states depend on the backbone and on how many layers are frozen, not on labels.
        self.key = (scope, hash(tuple(encoded.input_ids)), len(encoded.input_ids))


def _targets(record: StepRecord, mode: str) -> list[float | None] | None:
    if mode == "step":
        return list(record.labels) if any(v is not None for v in record.labels) else None
    if record.outcome is None:
        return None
    return [None] * (len(record.steps) - 1) + [record.outcome]


def split_by_problem(
    records: Sequence[StepRecord], fraction: float, seed: int
) -> tuple[list[StepRecord], list[StepRecord]]:
    """Hold out ``fraction`` of the problems (every solution of a held-out problem goes to eval)."""
    if fraction <= 0:
        return list(records), []
    keys = sorted({str(r.prompt) for r in records})
    random.Random(seed).shuffle(keys)
    held = set(keys[: max(1, round(len(keys) * fraction))]) if len(keys) > 1 else set()
    train = [r for r in records if str(r.prompt) not in held]
    return train, [r for r in records if str(r.prompt) in held]


def _auc(scores: Sequence[float], labels: Sequence[int]) -> float | None:
    pos = [s for s, y in zip(scores, labels, strict=True) if y]
    neg = [s for s, y in zip(scores, labels, strict=True) if not y]
    if not pos or not neg:
        return None
    wins = 0.0
    for p in pos:
        for n in neg:
            wins += 1.0 if p > n else 0.5 if p == n else 0.0
    return wins / (len(pos) * len(neg))


def _encode(backbone: Any, records: Sequence[StepRecord], config: PRMTrainConfig, skipped: dict[str, int]) -> list:
    from .encode import encode_solutions

    usable = []
    for r in records:
        targets = _targets(r, config.label_mode)
        if targets is None:
            skipped["no_labels"] = skipped.get("no_labels", 0) + 1
            continue
        usable.append((r, targets))
    encoded = encode_solutions(
        backbone, [(r.prompt, r.steps) for r, _ in usable], join=config.join, max_length=config.max_length
    )
    out = []
    for (r, targets), e in zip(usable, encoded, strict=True):
        if isinstance(e, Exception):
            skipped["too_long"] = skipped.get("too_long", 0) + 1
            continue
        out.append(_Example(r, e, targets, scope=f"{config.backbone}|{config.train_layers}"))
    return out


def _trunk_states(net: Any, backbone: Any, examples: Sequence[_Example], cache: dict, batch_size: int) -> None:
    """Fill ``cache`` (example key -> trunk states [tokens, hidden] on the CPU) for the examples missing."""
    import torch

    from ..lm_ops import buckets_by_length
    from .scorer import collate_solutions

    todo = [e for e in examples if e.key not in cache]
    for indices in buckets_by_length([len(e.encoded) for e in todo], batch_size):
        chunk = [todo[i] for i in indices]
        batch = collate_solutions([e.encoded for e in chunk], backbone.pad_token_id, backbone.device)
        with torch.inference_mode():
            states = net.trunk_states(batch["input_ids"], batch["attention_mask"])
        for row, e in enumerate(chunk):
            cache[e.key] = states[row, : len(e.encoded)].detach().to("cpu").clone()


def _batch_hidden(net: Any, backbone: Any, chunk: Sequence[_Example], cache: dict | None) -> tuple[Any, Any]:
    """Final hidden states of a batch (from cached trunk states when available) and its mask."""
    import torch

    from .scorer import collate_solutions

    batch = collate_solutions([e.encoded for e in chunk], backbone.pad_token_id, backbone.device)
    mask = batch["attention_mask"]
    if cache is None:
        return net.hidden(batch["input_ids"], mask), mask
    width = mask.shape[1]
    dim = cache[chunk[0].key].shape[-1]
    states = torch.zeros((len(chunk), width, dim), dtype=cache[chunk[0].key].dtype)
    for row, e in enumerate(chunk):
        states[row, : len(e.encoded)] = cache[e.key]
    return net.top_states(states.to(backbone.device), mask), mask


def _positions(chunk: Sequence[_Example], device: str) -> tuple[Any, Any, Any]:
    import torch

    rows, cols, targets = [], [], []
    for row, e in enumerate(chunk):
        for end, target in zip(e.encoded.step_ends, e.targets, strict=True):
            if target is not None:
                rows.append(row)
                cols.append(end)
                targets.append(float(target))
    return (
        torch.tensor(rows, dtype=torch.long, device=device),
        torch.tensor(cols, dtype=torch.long, device=device),
        torch.tensor(targets, dtype=torch.float32, device=device),
    )


def _evaluate(
    net: Any, backbone: Any, examples: Sequence[_Example], cache: dict | None, config: PRMTrainConfig
) -> dict[str, Any]:
    import torch

    from ..lm_ops import buckets_by_length

    if not examples:
        return {}
    net.eval()
    losses, correct, counted = 0.0, 0, 0
    solution_scores: list[float] = []
    outcomes: list[int] = []
    how = "last" if config.label_mode == "outcome" else "min"
    with torch.inference_mode():
        for indices in buckets_by_length([len(e.encoded) for e in examples], config.batch_size):
            chunk = [examples[i] for i in indices]
            hidden, _ = _batch_hidden(net, backbone, chunk, cache)
            rows, cols, targets = _positions(chunk, backbone.device)
            if len(rows):
                logits = net.step_logits(hidden, rows, cols)
                losses += float(torch.nn.functional.binary_cross_entropy_with_logits(logits, targets, reduction="sum"))
                correct += int(((logits >= 0) == (targets >= 0.5)).sum())
                counted += len(rows)
            for row, e in enumerate(chunk):
                if e.outcome is None:
                    continue
                ends = torch.tensor(e.encoded.step_ends, device=backbone.device)
                probs = torch.sigmoid(net.step_logits(hidden, torch.full_like(ends, row), ends)).double().cpu()
                solution_scores.append(aggregate(probs.tolist(), how))
                outcomes.append(int(e.outcome >= 0.5))
    net.train()
    return {
        "eval_loss": losses / counted if counted else None,
        "eval_step_accuracy": correct / counted if counted else None,
        "eval_labelled_steps": counted,
        "eval_outcome_auc": _auc(solution_scores, outcomes),
        "eval_solutions": len(examples),
    }


Reporter = Callable[[str, dict[str, Any]], None]


def train_prm(
    records: Sequence[StepRecord],
    config: PRMTrainConfig,
    *,
    eval_records: Sequence[StepRecord] | None = None,
    trunk_cache: dict | None = None,
    on_event: Reporter | None = None,
) -> tuple[Any, Any, PRMTrainReport]:
    """Train; returns ``(net, backbone, report)``. ``on_event(kind, data)`` receives progress events:
    ``("start", {"train", "eval", "batches"})``, ``("batch", {"loss"})``, ``("epoch", metrics)``.
    """
    import torch

    from ..backbones.causal_lm import shared_causal_lm
    from ..lm_ops import buckets_by_length
    from ..runtime import configure_threads
    from .network import PRMNet

    started = time.perf_counter()
    emit = on_event or (lambda kind, data: None)
    if eval_records is None:
        train_records, eval_list = split_by_problem(records, config.eval_fraction, config.seed)
    else:
        train_records, eval_list = list(records), list(eval_records)
    backbone = shared_causal_lm(config.backbone, device=config.device, max_length=config.max_length)
    if backbone.device == "cpu":
        configure_threads(config.threads)
    torch.manual_seed(config.seed)
    net = PRMNet(backbone.base_model(backbone.model), train_layers=config.train_layers, head=config.head)
    net.to(backbone.device).train()
    skipped: dict[str, int] = {}
    train = _encode(backbone, train_records, config, skipped)
    held = _encode(backbone, eval_list, config, {})
    if not train:
        raise ValueError(f"no usable training records ({skipped or 'none given'})")
    report = PRMTrainReport(config=config, n_train=len(train), n_eval=len(held), skipped=skipped)

    cache: dict | None = None
    if config.cache_trunk and net.can_split:
        cache = trunk_cache if trunk_cache is not None else {}
        t0 = time.perf_counter()
        emit("trunk", {"examples": len(train) + len(held)})
        _trunk_states(net, backbone, [*train, *held], cache, config.batch_size)
        report.trunk_seconds = time.perf_counter() - t0

    groups = [
        {"params": [p for n, p in net.named_parameters() if p.requires_grad and not n.startswith("head.")]},
        {"params": list(net.head.parameters()), "lr": config.head_learning_rate},
    ]
    groups = [g for g in groups if g["params"]]
    optimizer = torch.optim.AdamW(groups, lr=config.learning_rate, weight_decay=config.weight_decay)
    rng = random.Random(config.seed)
    buckets = buckets_by_length([len(e.encoded) for e in train], config.batch_size)
    emit("start", {"train": len(train), "eval": len(held), "batches": len(buckets) * config.epochs})
    for epoch in range(1, config.epochs + 1):
        t0 = time.perf_counter()
        rng.shuffle(buckets)
        total, steps = 0.0, 0
        optimizer.zero_grad()
        for n, indices in enumerate(buckets, start=1):
            chunk = [train[i] for i in indices]
            hidden, _ = _batch_hidden(net, backbone, chunk, cache)
            rows, cols, targets = _positions(chunk, backbone.device)
            if len(rows) == 0:
                continue
            logits = net.step_logits(hidden, rows, cols)
            loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, targets)
            (loss / config.grad_accum).backward()
            if n % config.grad_accum == 0 or n == len(buckets):
                optimizer.step()
                optimizer.zero_grad()
            total += loss.item()
            steps += 1
            emit("batch", {"loss": total / steps})
        metrics: dict[str, Any] = {"epoch": epoch, "train_loss": total / max(1, steps)}
        metrics.update(_evaluate(net, backbone, held, cache, config))
        metrics["seconds"] = round(time.perf_counter() - t0, 2)
        report.epochs.append(metrics)
        emit("epoch", metrics)
    net.eval()
    report.seconds = time.perf_counter() - started
    if any(math.isnan(v) for v in [report.final.get("train_loss", 0.0)]):
        raise ValueError("training diverged (NaN loss); lower the learning rate")
    return net, backbone, report


def prm_config_of(config: PRMTrainConfig, report: PRMTrainReport | None = None, data: dict | None = None) -> PRMConfig:
    """The saved configuration of a trained network."""
    return PRMConfig(
        backbone=config.backbone,
        train_layers=config.train_layers,
        head=config.head,
        separator=config.separator,
        separator_regex=config.separator_regex,
        join=config.join,
        max_length=config.max_length,
        label_mode=config.label_mode,
        aggregate="last" if config.label_mode == "outcome" else "min",
        training=config.model_dump(mode="json"),
        metrics={} if report is None else {"epochs": report.epochs, "final": report.final},
        data=data or {},
    )


def create_untrained_prm(folder: str | Path, *, backbone: str = "smollm2", train_layers: int = 1, seed: int = 0) -> str:
    """A PRM folder with an untrained head (for examples and tests); returns its path."""
    import torch

    from ..backbones.causal_lm import shared_causal_lm
    from .network import PRMNet

    config = PRMTrainConfig(backbone=backbone, train_layers=train_layers, seed=seed)
    bb = shared_causal_lm(backbone, device="cpu", max_length=config.max_length)
    torch.manual_seed(seed)
    net = PRMNet(bb.base_model(bb.model), train_layers=train_layers, head=config.head)
    save_prm(folder, net, prm_config_of(config))
    return str(folder)
