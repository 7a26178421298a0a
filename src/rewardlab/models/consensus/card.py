"""How a consensus reward model is trained (:class:`ConsensusTrainConfig`), what a run produced
(:class:`ConsensusReport`) and its card: ``card.json`` (machine-readable) and ``MODEL_CARD.md``.

They record the data, the parameters, the held-out metrics (pairwise accuracy beside "longer answer
wins"; the gold of the best-of-N pick beside the longest answer, a random pick and the best pick),
the learned weight of every feature, the time and the rewardlab version.
"""

from __future__ import annotations

import platform
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ... import __version__
from ..bt.candidates import PairStrategy
from ..bt.card import save_card

__all__ = ["ConsensusReport", "ConsensusTrainConfig", "card_data", "render_markdown", "write_card"]


@dataclass(frozen=True)
class ConsensusTrainConfig:
    """How the head is fitted (the defaults are the setting measured in benchmarks/RESULTS.md)."""

    strategy: PairStrategy = "all"
    min_margin: float = 0.25
    ensemble: int = 1
    steps: int = 300
    learning_rate: float = 1e-2
    weight_decay: float = 1e-3
    seed: int = 0


@dataclass
class ConsensusReport:
    """What a run produced (written into the model card)."""

    out: Path
    config: ConsensusTrainConfig
    n_train: int = 0
    n_eval: int = 0
    train_lists: int = 0
    eval_lists: int = 0
    eval_accuracy: float | None = None
    longer_wins_accuracy: float | None = None
    best_of_n: dict[str, float] = field(default_factory=dict)
    weights: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0
    started: str = ""
    finished: str = ""


def card_data(report: ConsensusReport, data_info: dict[str, Any]) -> dict[str, Any]:
    """The contents of ``card.json``."""
    return {
        "model_type": "consensus_reward_model",
        "rewardlab_version": __version__,
        "data": {
            **data_info,
            "train_prompts": report.train_lists,
            "eval_prompts": report.eval_lists,
            "train_pairs": report.n_train,
            "eval_pairs": report.n_eval,
        },
        "parameters": asdict(report.config),
        "metrics": {
            "eval_accuracy": report.eval_accuracy,
            "longer_answer_wins_accuracy": report.longer_wins_accuracy,
            "eval_best_of_n": report.best_of_n,
        },
        "feature_weights": report.weights,
        "time": {"started": report.started, "finished": report.finished, "train_seconds": round(report.seconds, 2)},
        "machine": {"platform": platform.platform(), "python": platform.python_version()},
    }


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def render_markdown(card: dict[str, Any], folder: Path) -> str:
    """``MODEL_CARD.md`` from the card data."""
    data, metrics = card["data"], card["metrics"]
    bon = metrics.get("eval_best_of_n") or {}
    lines = [
        f"# Reward model: {folder.name}",
        "",
        "A consensus reward model trained with `rewardlab train bt` on candidate lists with scores "
        f"(rewardlab {card['rewardlab_version']}): a linear Bradley-Terry head on each response's length and on "
        "how much it agrees with the other responses to the same prompt (raw and relative to them). Higher scores "
        "mean more preferred. It scores groups: give it every response to a prompt in one call (a response "
        "scored alone gets status error).",
        "",
        "## Use",
        "",
        "```bash",
        f"rewardlab score -r rm:{folder} -i samples.jsonl        # samples of one prompt share its text",
        "```",
        "",
        "## Data",
        "",
        f"- training: {data['train_pairs']} pairs from {data['train_prompts']} prompts of "
        f"`{data.get('train_file', '-')}` ({data.get('pairs_from_lists', '-')})",
        f"- held out: {data['eval_pairs']} pairs from {data['eval_prompts']} prompts ({data.get('eval_source', '-')})",
        "",
        "## Held-out metrics",
        "",
        f"- pairwise accuracy: **{_fmt(metrics['eval_accuracy'])}** "
        f'("longer answer wins" on the same pairs: {_fmt(metrics["longer_answer_wins_accuracy"])})',
    ]
    if bon:
        lines.append(
            f"- gold of the pick among every scored response ({int(bon['prompts'])} prompts): "
            f"**{_fmt(bon['model'])}**; longest answer {_fmt(bon['longest'])}, random {_fmt(bon['random'])}, "
            f"best possible {_fmt(bon['oracle'])}"
        )
    lines += ["", "## Feature weights (standardized features)", "", "| feature | weight |", "|---|---:|"]
    lines += [f"| {k} | {v:+.4f} |" for k, v in card["feature_weights"].items()]
    lines += [
        "",
        "## Training parameters",
        "",
        "| parameter | value |",
        "|---|---|",
        *[f"| {k} | {_fmt(v)} |" for k, v in card["parameters"].items()],
        "",
        f"Trained {card['time']['started']} to {card['time']['finished']} ({card['time']['train_seconds']} s) on "
        f"{card['machine']['platform']}.",
        "",
    ]
    return "\n".join(lines)


def write_card(folder: str | Path, report: ConsensusReport, data_info: dict[str, Any]) -> dict[str, Any]:
    """Write ``card.json`` and ``MODEL_CARD.md`` into ``folder``; returns the card data."""
    return save_card(folder, card_data(report, data_info), render_markdown)
