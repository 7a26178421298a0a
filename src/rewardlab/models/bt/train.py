"""A whole Bradley-Terry training run: members or heads, saving, held-out metrics, the card.

``train_bt`` trains ``config.n_members`` networks one after the other (seeds ``seed``,
``seed + 1`` ...; each a fresh copy of the pretrained backbone) with ``config.n_heads`` heads
each, saves each member as soon as it is trained, then writes ``reward_model.json`` and the
model card. The folder is then a reward like any other (``rm:DIR``).

Ensembles, the two modes (``--ensemble K --ensemble-mode ...``):

- ``members`` (default): K backbones fine-tuned separately with different seeds (initialization,
  data order, dropout). The classic deep ensemble; its spread tracks the model's uncertainty
  best, at K times the training and scoring cost.
- ``heads``: one fine-tuned backbone with K linear heads, each trained on its own bootstrap
  resample of the pairs (Poisson(1) weights). One forward pass scores all K: cheap, with a
  smaller spread (the members share their features).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ... import __version__
from ...data.preferences import PreferencePair
from ..backbones import load_backbone
from ..backbones.rendering import template_fingerprint
from .card import TrainReport, write_card
from .checkpoint import RewardModelConfig, save_member, write_config
from .config import BTTrainConfig
from .features import FeatureCache
from .metrics import longer_wins_accuracy, pairwise_accuracy
from .network import ScalarRewardNetwork
from .progress import NullReporter, TrainingReporter
from .trainer import encode_pairs, train_member

__all__ = ["longer_wins_accuracy", "train_bt"]


def train_bt(
    config: BTTrainConfig,
    train_pairs: Sequence[PreferencePair],
    eval_pairs: Sequence[PreferencePair] | None,
    out: str | Path,
    *,
    reporter: TrainingReporter | None = None,
    data_info: dict[str, Any] | None = None,
    feature_cache: FeatureCache | None = None,
) -> TrainReport:
    """Train, save to ``out`` (weights, ``reward_model.json``, model card) and report.

    ``feature_cache``: for a linear probe (``freeze_layers`` = every layer), a
    :class:`~rewardlab.models.bt.features.FeatureCache` shared with other runs on the same
    inputs (cross-validation folds), so that no input is encoded twice; ignored otherwise.
    """
    reporter = reporter or NullReporter()
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    report = TrainReport(out=folder, config=config, n_train=len(train_pairs), n_eval=len(eval_pairs or []))
    report.started = datetime.now(UTC).isoformat(timespec="seconds")
    report.longer_wins_accuracy = longer_wins_accuracy(eval_pairs or [])
    started = time.perf_counter()
    members_info = []
    eval_chosen: list[list[float]] = [[] for _ in eval_pairs or []]
    eval_rejected: list[list[float]] = [[] for _ in eval_pairs or []]
    config_out: RewardModelConfig | None = None
    try:
        for m in range(config.n_members):
            seed = config.seed + m
            backbone = load_backbone(
                config.backbone, device=config.device, max_length=config.max_length, threads=config.threads
            )
            if m == 0:
                reporter.message(
                    f"backbone [bold]{backbone.name}[/] ({backbone.kind}, max {backbone.max_length} tokens) "
                    f"on {backbone.device}; {len(train_pairs)} training pairs, {len(eval_pairs or [])} held out"
                )
            network = ScalarRewardNetwork(backbone, n_heads=config.n_heads, pooling=config.pooling)
            train_encoded = encode_pairs(backbone, train_pairs, config)
            eval_encoded = encode_pairs(backbone, eval_pairs, config) if eval_pairs else None
            report.truncated_train = train_encoded.truncated
            label = f"member {m + 1}/{config.n_members}" if config.n_members > 1 else "training"
            result = train_member(
                network,
                train_encoded,
                eval_encoded,
                config,
                seed=seed,
                label=label,
                reporter=reporter,
                feature_cache=feature_cache,
            )
            report.members.append(result)
            for i in range(len(eval_chosen)):
                eval_chosen[i].extend(result.eval_chosen[i])
                eval_rejected[i].extend(result.eval_rejected[i])
            members_info.append(save_member(folder, network, index=m, seed=seed))
            if config_out is None:
                report.backbone = backbone.describe()
                report.threads = _threads()
                config_out = RewardModelConfig(
                    backbone=backbone.name,
                    kind=backbone.kind,
                    pooling=network.pooling,
                    max_length=backbone.max_length,
                    members=members_info,
                    ensemble_mode=("single" if config.ensemble == 1 else config.ensemble_mode),
                    chat_template=template_fingerprint(backbone.tokenizer),
                    rewardlab_version=__version__,
                )
            del network, backbone
    finally:
        reporter.close()
    assert config_out is not None
    write_config(folder, config_out)
    if eval_pairs:
        report.eval_accuracy = pairwise_accuracy(eval_chosen, eval_rejected)
    report.seconds = time.perf_counter() - started
    report.finished = datetime.now(UTC).isoformat(timespec="seconds")
    write_card(folder, report, data_info or {})
    return report


def _threads() -> int | None:
    try:
        import torch

        return int(torch.get_num_threads())
    except Exception:  # pragma: no cover
        return None
