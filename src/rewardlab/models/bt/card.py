"""What a training run produced (:class:`TrainReport`) and its model card: ``card.json``
(machine-readable) and ``MODEL_CARD.md`` (for people).

Both record the data (files, pair counts, how the held-out split was made), every training
parameter, the metrics (per epoch and final held-out accuracy, next to the "longer answer
wins" baseline on the same pairs), the time taken, the machine, the backbone, and the
rewardlab version.
"""

from __future__ import annotations

import json
import platform
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ... import __version__
from .config import BTTrainConfig

if TYPE_CHECKING:  # pragma: no cover
    from .trainer import MemberResult

__all__ = ["TrainReport", "card_data", "render_markdown", "save_card", "write_card"]


@dataclass
class TrainReport:
    """What a run produced, as written into ``card.json``."""

    out: Path
    config: BTTrainConfig
    members: list[MemberResult] = field(default_factory=list)
    n_train: int = 0
    n_eval: int = 0
    truncated_train: int = 0
    eval_accuracy: float | None = None
    longer_wins_accuracy: float | None = None
    seconds: float = 0.0
    started: str = ""
    finished: str = ""
    backbone: dict[str, Any] = field(default_factory=dict)
    threads: int | None = None

    def metrics(self) -> dict[str, Any]:
        return {
            "eval_accuracy": self.eval_accuracy,
            "eval_pairs": self.n_eval,
            "longer_answer_wins_accuracy": self.longer_wins_accuracy,
            "members": [
                {"kept_epoch": m.kept_epoch, "seconds": round(m.seconds, 2), "epochs": m.epochs} for m in self.members
            ],
        }


def card_data(report: TrainReport, data_info: dict[str, Any]) -> dict[str, Any]:
    """The contents of ``card.json``."""
    import torch
    import transformers

    return {
        "model_type": "bradley_terry_reward_model",
        "rewardlab_version": __version__,
        "backbone": report.backbone,
        "data": {
            **data_info,
            "train_pairs": report.n_train,
            "eval_pairs": report.n_eval,
            "train_pairs_truncated": report.truncated_train,
        },
        "parameters": report.config.model_dump(mode="json"),
        "metrics": report.metrics(),
        "time": {
            "started": report.started,
            "finished": report.finished,
            "train_seconds": round(report.seconds, 2),
        },
        "machine": {
            "platform": platform.platform(),
            "python": platform.python_version(),
            "torch": torch.__version__,
            "transformers": transformers.__version__,
            "device": report.backbone.get("device") or report.config.device,
            "threads": report.threads,
        },
    }


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4f}" if value == 0 or abs(value) >= 0.01 else f"{value:.3g}"
    return str(value)


def render_markdown(card: dict[str, Any], folder: Path) -> str:
    """``MODEL_CARD.md`` from the card data."""
    params = card["parameters"]
    metrics = card["metrics"]
    data = card["data"]
    backbone = card["backbone"]
    lines = [
        f"# Reward model: {folder.name}",
        "",
        "A Bradley-Terry (pairwise) scalar reward model trained with "
        f"`rewardlab train bt` (rewardlab {card['rewardlab_version']}). Higher scores mean more preferred.",
        "",
        "## Use",
        "",
        "```bash",
        f"rewardlab score -r rm:{folder} -i samples.jsonl",
        "```",
        "",
        "```yaml",
        f"reward: {{type: reward_model, path: {folder}}}",
        "```",
        "",
        "## Backbone",
        "",
        f"- name: `{backbone.get('name')}` ({backbone.get('kind')}, {backbone.get('architecture', '?')}, "
        f"{backbone.get('parameters', '?')} parameters)",
        f"- source: `{backbone.get('source')}`",
        f"- pooling: {params.get('pooling') or backbone.get('pooling')}, "
        f"max length {backbone.get('max_length')} tokens",
        f"- chat template fingerprint: {backbone.get('chat_template') or 'none (plain transcript rendering)'}",
        "",
        "## Data",
        "",
        f"- training pairs: {data['train_pairs']} from `{data.get('train_file', '-')}`"
        f" ({data['train_pairs_truncated']} pairs truncated to the token limit)",
        f"- held-out pairs: {data['eval_pairs']} ({data.get('eval_source', '-')})",
    ]
    if data.get("skipped_rows"):
        lines.append(f"- unreadable rows skipped: {data['skipped_rows']}")
    lines += [
        "",
        "## Metrics",
        "",
        f"- held-out pairwise accuracy: **{_fmt(metrics['eval_accuracy'])}**",
        f'- "longer answer wins" baseline on the same pairs: {_fmt(metrics["longer_answer_wins_accuracy"])}',
        "",
        "| member | epoch | train loss | train acc | held-out acc | seconds |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for i, member in enumerate(metrics["members"]):
        for e in member["epochs"]:
            kept = " (kept)" if e["epoch"] == member["kept_epoch"] else ""
            lines.append(
                f"| {i} | {e['epoch']}{kept} | {_fmt(e['train_loss'])} | {_fmt(e['train_accuracy'])} | "
                f"{_fmt(e.get('eval_accuracy'))} | {e['seconds']:.1f} |"
            )
    lines += [
        "",
        "## Training parameters",
        "",
        "| parameter | value |",
        "|---|---|",
        *[f"| {k} | {_fmt(v)} |" for k, v in params.items()],
        "",
        "## Run",
        "",
        f"- started {card['time']['started']}, finished {card['time']['finished']} ({card['time']['train_seconds']} s)",
        f"- machine: {card['machine']['platform']}, device {card['machine']['device']}, "
        f"{card['machine']['threads']} threads; torch {card['machine']['torch']}, "
        f"transformers {card['machine']['transformers']}",
        "",
    ]
    return "\n".join(lines)


def write_card(folder: str | Path, report: TrainReport, data_info: dict[str, Any]) -> dict[str, Any]:
    """Write ``card.json`` and ``MODEL_CARD.md`` into ``folder``; returns the card data."""
    return save_card(folder, card_data(report, data_info), render_markdown)


def save_card(
    folder: str | Path, card: dict[str, Any], render: Callable[[dict[str, Any], Path], str]
) -> dict[str, Any]:
    """Write ``card`` as ``card.json`` and, rendered by ``render(card, folder)``, as ``MODEL_CARD.md``."""
    path = Path(folder)
    (path / "card.json").write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    (path / "MODEL_CARD.md").write_text(render(card, path), encoding="utf-8")
    return card
