"""``rewardlab train``: train learned rewards. ``train bt`` trains a Bradley-Terry reward model.

Other training commands (``train prm``) add themselves to :data:`train_app`.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import typer

from ..models.bt.progress import TrainingReporter
from .common import EXIT_OK, err_console, fail, fail_options, import_modules
from .options import Imports
from .root import command_group

__all__ = ["train_app"]

train_app = command_group(
    "train",
    (
        "Train learned rewards: Bradley-Terry reward models (`train bt`), process reward models (`train prm`)"
        " and their step labels (`train prm-label`)."
    ),
)

_OWN_OUTPUTS = ("reward_model.json", "consensus_model.json", "card.json", "MODEL_CARD.md")


@train_app.command(
    "bt",
    epilog=(
        "Examples:\n\n"
        "  rewardlab train bt --data prefs.jsonl --out models/rm\n\n"
        "  rewardlab train bt -d ../shared/data/hh_harmless_train.jsonl.gz --eval-data "
        "../shared/data/hh_harmless_dev.jsonl.gz --epochs 2 --center-coef 0.01 -o models/hh-bt\n\n"
        "  rewardlab train bt -d gsm8k_solution_pairs.jsonl.gz --split-by question_id -o models/gsm8k-bt\n\n"
        "  rewardlab train bt -d prefs.jsonl --ensemble 3 --ensemble-mode heads -o models/rm-ens\n\n"
        "  rewardlab train bt -d prefs.jsonl --backbone smollm2 --max-length 512 -o models/rm-smol\n\n"
        "  rewardlab train bt -d ../shared/data/alpaca_bon16.jsonl.gz -o models/alpaca-bt   (candidate lists with "
        "scores: the consensus reward model, pairs above a score margin, prompt-disjoint held-out split; seconds)\n\n"
        "  rewardlab train bt -d ../shared/data/alpaca_bon16.jsonl.gz --backbone minilm -o models/alpaca-probe   "
        "(the same lists, a MiniLM linear probe)\n\n"
        "Then score with it: rewardlab score -r rm:models/rm -i samples.jsonl\n\n"
        "Data formats (detected per row): prompt + chosen/rejected strings; chosen/rejected chat "
        "conversations (UltraFeedback-binarized); raw HH-RLHF transcripts; prompt + response_a/response_b "
        "+ a label; RewardBench 2 rows (chosen/rejected lists); candidate lists with a score per candidate "
        "(prompt/instruction + candidates + gold/scores, as alpaca_bon16: made into pairs by --pairs and "
        "--min-margin).\n\n"
        "Exit status: 0 trained and saved; 2 bad arguments, unreadable data or output folder in use; "
        "130 interrupted."
    ),
)
def train_bt_command(
    data: str = typer.Option(..., "--data", "-d", help="Training preference pairs (JSONL, .gz ok)."),
    out: Path = typer.Option(..., "--out", "-o", help="Folder for the model (weights, config, model card)."),
    backbone: str | None = typer.Option(
        None,
        "--backbone",
        "-b",
        help="'minilm' (default for pairs), 'smollm2', a local Hugging Face model folder, or 'consensus' "
        "(default for candidate lists with scores: no neural network, see below).",
    ),
    eval_data: str | None = typer.Option(
        None, "--eval-data", help="Held-out pairs file (default: hold out --eval-fraction of --data)."
    ),
    eval_fraction: float = typer.Option(
        0.1, "--eval-fraction", min=0.0, max=0.9, help="Share of --data held out when no --eval-data (0: none)."
    ),
    split_by: str = typer.Option(
        "prompt",
        "--split-by",
        help="What keeps pairs together in the split: prompt, first_user, id, or a field such as question_id.",
    ),
    epochs: int | None = typer.Option(
        None, "--epochs", "-e", min=1, help="Passes over the training pairs (default 1; candidate lists: see below)."
    ),
    learning_rate: float = typer.Option(5e-5, "--lr", "--learning-rate", help="Peak learning rate of the backbone."),
    head_learning_rate: float | None = typer.Option(
        None, "--head-lr", help="Learning rate of the head (default 10x --lr)."
    ),
    batch_size: int | None = typer.Option(
        None, "--batch-size", min=1, help="Pairs per micro-batch (default 16; candidate lists: see below)."
    ),
    grad_accum: int = typer.Option(1, "--grad-accum", min=1, help="Micro-batches per optimizer step."),
    max_length: int | None = typer.Option(
        None,
        "--max-length",
        min=8,
        help="Token limit per sample (default: 256 for MiniLM; candidate lists: see below).",
    ),
    margin: float = typer.Option(0.0, "--margin", min=0.0, help="Constant margin in -log sigmoid(r_c - r_r - m)."),
    margin_from_data: bool = typer.Option(
        False, "--margin-from-data", help="Add each pair's rating difference (score_chosen - score_rejected, margin)."
    ),
    center_coef: float = typer.Option(
        0.0, "--center-coef", min=0.0, help="Reward-centring weight lambda*(r_c + r_r)^2 (e.g. 0.01)."
    ),
    weight_decay: float = typer.Option(0.01, "--weight-decay", min=0.0, help="AdamW weight decay."),
    warmup_ratio: float = typer.Option(0.1, "--warmup", min=0.0, max=0.99, help="Share of steps warming up."),
    pooling: str | None = typer.Option(
        None,
        "--pooling",
        help="completion_mean (mean over the response's tokens; encoders' default), last (causal LMs' default), "
        "mean or cls.",
    ),
    bf16: bool = typer.Option(
        False, "--bf16", help="bfloat16 autocast while training (faster on GPUs and CPUs with AVX512-BF16)."
    ),
    freeze_layers: int | None = typer.Option(
        None,
        "--freeze-layers",
        min=0,
        help="Freeze the embeddings and the first N transformer layers (all of them: a fast linear probe; "
        "default 0, candidate lists: see below).",
    ),
    pair_strategy: str | None = typer.Option(
        None,
        "--pairs",
        help="Candidate lists only: 'all' (every two candidates whose scores differ by more than --min-margin) "
        "or 'best' (the best candidate against each other one). Default: see below.",
    ),
    min_margin: float | None = typer.Option(
        None, "--min-margin", min=0.0, help="Candidate lists only: the score difference a pair needs (default below)."
    ),
    ensemble: int = typer.Option(1, "--ensemble", "-k", min=1, max=32, help="Train an ensemble of K members."),
    ensemble_mode: str = typer.Option(
        "members", "--ensemble-mode", help="members (K fine-tuned backbones) or heads (K heads, one backbone)."
    ),
    select: str = typer.Option("last", "--select", help="Keep the 'last' epoch or the 'best' on held-out pairs."),
    seed: int = typer.Option(0, "--seed", help="Seed of initialization, split, data order and dropout."),
    limit: int | None = typer.Option(None, "--limit", min=1, help="Use only the first N training pairs."),
    data_format: str = typer.Option(
        "auto", "--format", help="Row format: auto, pairs, messages, transcript, labelled, rewardbench2."
    ),
    strict: bool = typer.Option(False, "--strict", help="Stop at the first unreadable row instead of skipping it."),
    device: str = typer.Option("auto", "--device", help="auto (GPU if available), cpu, cuda, cuda:N."),
    threads: int | None = typer.Option(None, "--threads", min=1, help="CPU threads (default: this process's share)."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace a model already in --out."),
    progress: bool | None = typer.Option(
        None,
        "--progress/--no-progress",
        help="Progress: a bar on a terminal, plain lines in a log file or pipe (--no-progress: epoch lines only).",
    ),
    imports: Imports = None,
) -> None:
    """Train a Bradley-Terry reward model on preference pairs, or on candidate lists with scores.

    Candidate lists (a prompt, candidates, a score per candidate) become pairs (--pairs, --min-margin) and
    the held-out share is a set of whole prompts. Their default model is the consensus reward model
    (--backbone consensus): a linear Bradley-Terry head on each response's length and on how much of
    what the other responses to the same prompt say it covers, fitted on all pairs whose scores differ
    by more than 0.25 -- the learned reward that beats "pick the longest answer" on AlpacaEval
    best-of-11 under prompt-disjoint cross-validation (benchmarks/RESULTS.md, issue 15). It trains in
    seconds, needs no torch, and scores a prompt's responses together (score them in one call). With
    --backbone minilm (or smollm2, a folder) options left unset take the neural candidate-list defaults
    (rewardlab.models.bt.candidates.CANDIDATE_DEFAULTS: a linear probe at 512 tokens, 8 epochs).

    The loss is -log sigmoid(r_chosen - r_rejected - margin), plus lambda*(r_chosen + r_rejected)^2
    with --center-coef. The held-out accuracy is printed after every epoch. The folder gets the
    weights (safetensors), `reward_model.json`, and a model card (`MODEL_CARD.md`, `card.json`)
    with the data, parameters, metrics and time. Score with `rewardlab score -r rm:OUT`.
    """
    import_modules(imports)
    from pydantic import ValidationError

    from ..core.errors import InputError, RewardlabError
    from ..data.preferences import FORMATS, load_preferences
    from ..data.splits import split_pairs
    from ..models.bt.candidates import (
        CANDIDATE_DEFAULTS,
        candidate_pairs,
        file_holds_candidate_lists,
        load_candidate_lists,
        probe_layers,
        split_lists,
    )
    from ..models.bt.config import BTTrainConfig

    if data_format not in ("auto", *FORMATS):
        fail(f"--format '{data_format}': expected one of auto, {', '.join(FORMATS)}")
    lists_mode = data_format == "auto" and file_holds_candidate_lists(data)
    if not lists_mode and (pair_strategy is not None or min_margin is not None):
        fail("--pairs and --min-margin apply to candidate lists with scores only; this file holds pairs")
    if pair_strategy is not None and pair_strategy not in ("all", "best"):
        fail(f"--pairs '{pair_strategy}': expected all or best")
    backbone = backbone or (CANDIDATE_DEFAULTS["backbone"] if lists_mode else "minilm")
    if backbone == "consensus":
        neural = {
            "--epochs": epochs is not None,
            "--lr": learning_rate != 5e-5,
            "--head-lr": head_learning_rate is not None,
            "--batch-size": batch_size is not None,
            "--grad-accum": grad_accum != 1,
            "--max-length": max_length is not None,
            "--margin": margin != 0.0,
            "--margin-from-data": margin_from_data,
            "--center-coef": center_coef != 0.0,
            "--weight-decay": weight_decay != 0.01,
            "--warmup": warmup_ratio != 0.1,
            "--pooling": pooling is not None,
            "--bf16": bf16,
            "--freeze-layers": freeze_layers is not None,
            "--ensemble-mode": ensemble_mode != "members",
            "--select": select != "last",
            "--device": device != "auto",
            "--threads": threads is not None,
        }
        given = [name for name, used in neural.items() if used]
        if not lists_mode:
            fail(
                "--backbone consensus needs candidate lists with scores (a prompt, its candidates, a score each): "
                "its features compare each response with the other responses to the same prompt; this file holds "
                "pairs (use --backbone minilm, smollm2 or a model folder)"
            )
        if given:
            fail(
                f"{', '.join(given)}: {'applies' if len(given) == 1 else 'apply'} to neural backbones only; the "
                "consensus model (the candidate-list default) is a linear head fitted in one go (choose --backbone "
                "minilm, smollm2 or a model folder to use them)"
            )
        _check_out(out, overwrite)
        _train_consensus(
            data,
            eval_data,
            out,
            eval_fraction=eval_fraction,
            strategy=pair_strategy or CANDIDATE_DEFAULTS["pairs"],
            min_margin=CANDIDATE_DEFAULTS["min_margin"] if min_margin is None else min_margin,
            ensemble=ensemble,
            seed=seed,
            strict=strict,
            limit=limit,
        )
        raise typer.Exit(EXIT_OK)
    if lists_mode:
        defaults = CANDIDATE_DEFAULTS
        epochs = defaults["epochs"] if epochs is None else epochs
        max_length = defaults["max_length"] if max_length is None else max_length
        if freeze_layers is None:
            freeze_layers = probe_layers(backbone) if defaults["probe"] else 0
        if head_learning_rate is None and freeze_layers and freeze_layers == probe_layers(backbone):
            head_learning_rate = defaults["head_learning_rate"]
        batch_size = defaults["batch_size"] if batch_size is None else batch_size
        margin_from_data = margin_from_data or defaults["margin_from_data"]
        pair_strategy = pair_strategy or defaults["pairs"]
        min_margin = defaults["min_margin"] if min_margin is None else min_margin
    try:
        config = BTTrainConfig(
            backbone=backbone,
            epochs=1 if epochs is None else epochs,
            learning_rate=learning_rate,
            head_learning_rate=head_learning_rate,
            weight_decay=weight_decay,
            warmup_ratio=warmup_ratio,
            batch_size=16 if batch_size is None else batch_size,
            grad_accum=grad_accum,
            max_length=max_length,
            margin=margin,
            margin_from_data=margin_from_data,
            center_coef=center_coef,
            pooling=pooling,
            mixed_precision="bf16" if bf16 else "no",
            freeze_layers=freeze_layers or 0,
            ensemble=ensemble,
            ensemble_mode=ensemble_mode,
            select=select,
            seed=seed,
            device=device,
            threads=threads,
        )
    except ValidationError as exc:
        fail_options(exc)
    _check_out(out, overwrite)

    if lists_mode:
        train_pairs, eval_pairs, info = _candidate_list_pairs(
            data,
            eval_data,
            eval_fraction=eval_fraction,
            strategy=pair_strategy or "all",
            min_margin=min_margin or 0.0,
            seed=seed,
            strict=strict,
            limit=limit,
            load=load_candidate_lists,
            make_pairs=candidate_pairs,
            split=split_lists,
        )
    else:
        train_pairs, eval_pairs, info = _pair_file_pairs(
            data,
            eval_data,
            eval_fraction=eval_fraction,
            split_by=split_by,
            seed=seed,
            strict=strict,
            limit=limit,
            data_format=data_format,
            load=load_preferences,
            split=split_pairs,
            input_error=InputError,
        )
    if not train_pairs:
        fail(f"{data}: no training pairs")

    from ..core.progress import progress_mode
    from ..models.bt.progress import RichReporter
    from ..models.bt.train import train_bt

    # A terminal gets a bar; a log file or a pipe gets plain lines (long runs are read there).
    mode = progress_mode(progress, err_console.file, default_lines=True)
    reporter = RichReporter(err_console) if mode == "bar" else _PlainReporter(lines=mode == "lines")
    try:
        report = train_bt(config, train_pairs, eval_pairs, out, reporter=reporter, data_info=info)
    except KeyboardInterrupt:
        err_console.print("[red]interrupted[/]: the model in --out is incomplete")
        raise typer.Exit(130) from None
    except (RewardlabError, ValueError, FileNotFoundError) as exc:
        fail(str(exc))
    _summary(report)
    raise typer.Exit(EXIT_OK)


def _warn_skipped(skipped: list[str]) -> None:
    if skipped:
        err_console.print(f"[yellow]warning:[/] {len(skipped)} unreadable rows skipped, e.g.")
        for line in skipped[:3]:
            err_console.print(f"  {line}", highlight=False)


def _pair_file_pairs(data: str, eval_data: str | None, **kw: Any) -> tuple[list[Any], list[Any], dict[str, Any]]:
    """Training and held-out pairs from preference-pair files."""
    load, split, input_error = kw["load"], kw["split"], kw["input_error"]
    fmt, strict, limit, seed, split_by = kw["data_format"], kw["strict"], kw["limit"], kw["seed"], kw["split_by"]
    try:
        train_set = load(data, format=fmt, strict=strict)
        held_set = load(eval_data, format=fmt, strict=strict) if eval_data else None
    except input_error as exc:
        fail(exc)
    for source in (train_set, held_set):
        if source is not None:
            _warn_skipped(source.skipped)
    pairs = train_set.pairs[:limit] if limit else train_set.pairs
    info: dict[str, Any] = {"train_file": data, "skipped_rows": len(train_set.skipped)}
    if held_set is not None:
        info["eval_source"] = f"file {eval_data}"
        info["skipped_rows"] += len(held_set.skipped)
        return pairs, held_set.pairs, info
    if kw["eval_fraction"] > 0:
        try:
            train_pairs, eval_pairs = split(pairs, eval_fraction=kw["eval_fraction"], by=split_by, seed=seed)
        except ValueError as exc:
            fail(f"--split-by {split_by}: {exc}")
        info["eval_source"] = (
            f"{kw['eval_fraction']:.0%} of the training file held out, grouped by {split_by}, seed {seed}"
        )
        return train_pairs, eval_pairs, info
    info["eval_source"] = "none"
    err_console.print("[yellow]warning:[/] no held-out pairs (--eval-fraction 0, no --eval-data): no accuracy")
    return pairs, [], info


def _candidate_lists(data: str, eval_data: str | None, **kw: Any) -> tuple[list[Any], list[Any], dict[str, Any]]:
    """Training and held-out candidate lists with scores; the held-out side is whole prompts."""
    from ..core.errors import InputError

    load, split, seed, limit = kw["load"], kw["split"], kw["seed"], kw["limit"]
    try:
        train_set = load(data, strict=kw["strict"])
        held_set = load(eval_data, strict=kw["strict"]) if eval_data else None
    except InputError as exc:
        fail(exc)
    _warn_skipped(train_set.skipped)
    lists = train_set.lists[:limit] if limit else train_set.lists
    info: dict[str, Any] = {
        "train_file": data,
        "skipped_rows": len(train_set.skipped),
        "candidate_lists": len(lists),
        "pairs_from_lists": f"{kw['strategy']} pairs with a score difference above {kw['min_margin']:g}",
    }
    if held_set is not None:
        _warn_skipped(held_set.skipped)
        train_lists, eval_lists = lists, held_set.lists
        info["eval_source"] = f"file {eval_data}"
    elif kw["eval_fraction"] > 0 and len(lists) > 1:
        train_lists, eval_lists = split(lists, eval_fraction=kw["eval_fraction"], seed=seed)
        info["eval_source"] = f"{kw['eval_fraction']:.0%} of the prompts held out (prompt-disjoint), seed {seed}"
    else:
        train_lists, eval_lists = lists, []
        info["eval_source"] = "none"
        err_console.print("[yellow]warning:[/] no held-out prompts (--eval-fraction 0, no --eval-data): no accuracy")
    info["eval_lists"] = len(eval_lists)
    return train_lists, eval_lists, info


def _candidate_list_pairs(data: str, eval_data: str | None, **kw: Any) -> tuple[list[Any], list[Any], dict[str, Any]]:
    """Training and held-out pairs from candidate lists with scores; the held-out side is whole prompts."""
    strategy, min_margin, make_pairs = kw["strategy"], kw["min_margin"], kw["make_pairs"]
    train_lists, eval_lists, info = _candidate_lists(data, eval_data, **kw)
    train_pairs = make_pairs(train_lists, strategy=strategy, min_margin=min_margin)
    eval_pairs = make_pairs(eval_lists, strategy=strategy, min_margin=min_margin)
    err_console.print(
        f"{len(train_lists) + len(eval_lists)} candidate lists: {len(train_pairs)} training pairs from "
        f"{len(train_lists)} prompts, {len(eval_pairs)} held-out pairs from {len(eval_lists)} prompts "
        f"({strategy}, score margin > {min_margin:g})",
        highlight=False,
    )
    return train_pairs, eval_pairs, info


def _train_consensus(data: str, eval_data: str | None, out: Path, **kw: Any) -> None:
    """``train bt --backbone consensus``: fit the consensus reward model on candidate lists, report."""
    from ..models.bt.candidates import load_candidate_lists, split_lists
    from ..models.consensus.train import ConsensusTrainConfig, train_consensus

    train_lists, eval_lists, info = _candidate_lists(
        data, eval_data, load=load_candidate_lists, split=split_lists, **kw
    )
    config = ConsensusTrainConfig(
        strategy=kw["strategy"], min_margin=kw["min_margin"], ensemble=kw["ensemble"], seed=kw["seed"]
    )
    err_console.print(
        f"consensus reward model: {len(train_lists)} training prompts, {len(eval_lists)} held out "
        f"({config.strategy} pairs, score margin > {config.min_margin:g})",
        highlight=False,
    )
    try:
        report = train_consensus(
            train_lists,
            eval_lists,
            out,
            config,
            message=lambda text: err_console.print(text, highlight=False),
            data_info={**info, "backbone": "consensus"},
        )
    except ValueError as exc:
        fail(f"{data}: {exc}")
    _summary(report)
    bon = report.best_of_n
    if bon:
        err_console.print(
            f"held-out pick among every scored response ({int(bon['prompts'])} prompts): gold {bon['model']:.4f}; "
            f"longest answer {bon['longest']:.4f}, random {bon['random']:.4f}, best possible {bon['oracle']:.4f}",
            highlight=False,
        )


def _check_out(out: Path, overwrite: bool) -> None:
    if out.exists() and not out.is_dir():
        fail(f"--out {out}: exists and is not a folder")
    if out.is_dir() and any(out.iterdir()):
        own = any((out / name).is_file() for name in _OWN_OUTPUTS[:2]) or any(out.glob("member-*"))
        if not overwrite:
            hint = " (add --overwrite to replace the model)" if own else " (choose an empty or new folder)"
            fail(f"--out {out}: folder is not empty{hint}")
        if not own:
            fail(f"--out {out}: folder holds files that are not a rewardlab model; refusing to overwrite them")
        for name in _OWN_OUTPUTS:
            (out / name).unlink(missing_ok=True)
        for member in out.glob("member-*"):
            shutil.rmtree(member)


class _PlainReporter(TrainingReporter):
    """One line per epoch on stderr (no live bar): for logs and pipes; with ``lines``, progress
    lines within the epoch too (every few seconds or tenth of the epoch, with the running loss)."""

    def __init__(self, *, lines: bool = False) -> None:
        self.lines = lines
        self._plain: Any = None

    def start_epoch(self, label: str, total_batches: int) -> None:
        if self.lines:
            from ..core.progress import PlainProgress

            self._plain = PlainProgress(label, total_batches, stream=err_console.file, every_s=30.0)

    def advance(self, *, loss: float, accuracy: float) -> None:
        if self._plain is not None:
            self._plain.advance(loss=f"{loss:.4f}", acc=f"{accuracy:.3f}")

    def end_epoch(self, label: str, metrics: dict[str, Any]) -> None:
        held = metrics.get("eval_accuracy")
        text = f"{label}: train loss {metrics['train_loss']:.4f}, train acc {metrics['train_accuracy']:.3f}"
        if held is not None:
            text += f", held-out acc {held:.3f} ({metrics['eval_pairs']} pairs)"
        err_console.print(text + f", {metrics['seconds']:.1f}s", highlight=False)

    def message(self, text: str) -> None:
        err_console.print(text)


def _summary(report: Any) -> None:
    from rich.table import Table

    table = Table(show_header=False, show_edge=False, pad_edge=False, title="trained", title_justify="left")
    table.add_column()
    table.add_column(justify="right")
    acc = report.eval_accuracy
    table.add_row("held-out accuracy", "-" if acc is None else f"{acc:.4f}")
    base = report.longer_wins_accuracy
    table.add_row("longer-answer-wins baseline", "-" if base is None else f"{base:.4f}")
    table.add_row("training / held-out pairs", f"{report.n_train} / {report.n_eval}")
    table.add_row("time", f"{report.seconds:.1f} s")
    table.add_row("saved to", str(report.out))
    err_console.print(table)
    err_console.print(f"score with: rewardlab score -r rm:{report.out} -i samples.jsonl", highlight=False)
