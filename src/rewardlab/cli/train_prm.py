"""``rewardlab train prm`` (train a process reward model) and ``rewardlab train prm-label`` (make its
step labels from GSM8K-style problems by Monte-Carlo rollouts or by construction)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import typer

from .common import EXIT_OK, err_console, fail, fail_options, import_modules, isatty
from .options import Imports
from .train import train_app

_OWN_OUTPUTS = ("prm.json", "prm.safetensors", "MODEL_CARD.md")


def _check_out(out: Path, overwrite: bool) -> None:
    if out.exists() and not out.is_dir():
        fail(f"--out {out}: exists and is not a folder")
    if out.is_dir() and any(out.iterdir()):
        own = (out / "prm.json").is_file()
        if not overwrite:
            fail(f"--out {out}: folder is not empty" + (" (add --overwrite to replace the model)" if own else ""))
        if not own:
            fail(f"--out {out}: folder holds files that are not a rewardlab PRM; refusing to overwrite them")
        for name in _OWN_OUTPUTS:
            (out / name).unlink(missing_ok=True)


class _Progress:
    """A rich bar on a terminal, plain progress lines in a log file or pipe, for training events."""

    def __init__(self, show: bool | None) -> None:
        from ..core.progress import progress_mode

        mode = progress_mode(show, err_console.file, default_lines=True)
        self.show = mode == "bar"
        self.lines = mode == "lines"
        self.bar: Any = None
        self.task: Any = None
        self.plain: Any = None

    def __call__(self, kind: str, data: dict[str, Any]) -> None:
        if kind == "trunk":
            err_console.print(f"running the frozen trunk once over {data['examples']} solutions ...")
        elif kind == "start":
            err_console.print(f"training on {data['train']} solutions, {data['eval']} held out")
            if self.show:
                from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

                self.bar = Progress(
                    "training",
                    BarColumn(),
                    MofNCompleteColumn(),
                    "[dim]loss[/] {task.fields[loss]}",
                    TimeRemainingColumn(),
                    console=err_console,
                    transient=True,
                )
                self.bar.start()
                self.task = self.bar.add_task("train", total=data["batches"], loss="-")
            elif self.lines:
                from ..core.progress import PlainProgress

                self.plain = PlainProgress("training", data["batches"], stream=err_console.file, every_s=30.0)
        elif kind == "batch" and self.bar is not None:
            self.bar.update(self.task, advance=1, loss=f"{data['loss']:.4f}")
        elif kind == "batch" and self.plain is not None:
            self.plain.advance(loss=f"{data['loss']:.4f}")
        elif kind == "epoch":
            parts = [f"epoch {data['epoch']}: train loss {data['train_loss']:.4f}"]
            if data.get("eval_step_accuracy") is not None:
                parts.append(f"held-out step acc {data['eval_step_accuracy']:.3f}")
            if data.get("eval_outcome_auc") is not None:
                parts.append(f"outcome AUC {data['eval_outcome_auc']:.3f}")
            parts.append(f"{data['seconds']:.1f}s")
            line = ", ".join(parts)
            if self.bar is not None:
                self.bar.console.print(line)
            else:
                err_console.print(line)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
        if self.plain is not None:
            self.plain.close()


def _model_card(out: Path, config: Any, report: Any, data_info: dict[str, Any]) -> None:
    final = report.final
    lines = [
        "# Process reward model",
        "",
        f"Trained by `rewardlab train prm` ({report.config.label_mode} labels) on {report.n_train} solutions; "
        f"{report.n_eval} held out.",
        "",
        "## Data",
        "",
        *[f"- {k}: {v}" for k, v in data_info.items()],
        *[f"- skipped ({k}): {v}" for k, v in report.skipped.items()],
        "",
        "## Parameters",
        "",
        *[f"- {k}: `{v!r}`" for k, v in config.training.items()],
        "",
        "## Metrics (held-out, last epoch)",
        "",
        *[f"- {k}: {v}" for k, v in final.items()],
        "",
        f"Training time: {report.seconds:.1f} s (frozen trunk pass: {report.trunk_seconds:.1f} s).",
        "",
        f"Use: `rewardlab score -r prm:{out} -i solutions.jsonl`",
        "",
    ]
    (out / "MODEL_CARD.md").write_text("\n".join(lines), encoding="utf-8")


@train_app.command(
    "prm",
    epilog=(
        "Examples:\n\n"
        "  rewardlab train prm --data labels.jsonl --out models/gsm8k-prm\n\n"
        "  rewardlab train prm -d labels.jsonl --label-mode outcome -o models/gsm8k-orm   (outcome-only baseline)\n\n"
        "  rewardlab train prm -d prm800k_phase2_train.jsonl --train-layers 4 --epochs 2 -o models/prm800k\n\n"
        "Data (detected per row): {prompt, steps, labels, outcome} records (what `rewardlab train prm-label` "
        "writes), PRM800K rows, Math-Shepherd rows.\n\n"
        "Then score with it: rewardlab score -r prm:models/gsm8k-prm -i solutions.jsonl\n\n"
        "Exit status: 0 trained and saved; 2 bad arguments, unreadable data or output folder in use; 130 interrupted."
    ),
)
def train_prm_command(
    data: str = typer.Option(..., "--data", "-d", help="Step-labelled solutions (JSONL, .gz ok)."),
    out: Path = typer.Option(..., "--out", "-o", help="Folder for the model (weights, prm.json, model card)."),
    eval_data: str | None = typer.Option(None, "--eval-data", help="Held-out records (default: hold out problems)."),
    eval_fraction: float = typer.Option(0.1, "--eval-fraction", min=0.0, max=0.9, help="Share of problems held out."),
    label_mode: str = typer.Option("step", "--label-mode", help="step (a PRM) or outcome (the ORM baseline)."),
    backbone: str = typer.Option("smollm2", "--backbone", "-b", help="'smollm2', a causal-LM folder or a .gguf file."),
    train_layers: int = typer.Option(2, "--train-layers", min=0, help="Top decoder layers trained (rest frozen)."),
    head: str = typer.Option("linear", "--head", help="linear or mlp."),
    epochs: int = typer.Option(3, "--epochs", "-e", min=1),
    learning_rate: float = typer.Option(1e-4, "--lr", help="Learning rate of the trained layers."),
    head_learning_rate: float = typer.Option(1e-3, "--head-lr", help="Learning rate of the head."),
    batch_size: int = typer.Option(8, "--batch-size", min=1),
    grad_accum: int = typer.Option(1, "--grad-accum", min=1),
    max_length: int = typer.Option(1024, "--max-length", min=32),
    separator: str = typer.Option("\n", "--separator", help="Step separator used when scoring completions."),
    seed: int = typer.Option(0, "--seed"),
    limit: int | None = typer.Option(None, "--limit", min=1, help="Use only the first N records."),
    device: str = typer.Option("auto", "--device", help="auto, cpu, cuda, cuda:N."),
    threads: int | None = typer.Option(None, "--threads", min=1),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace a PRM already in --out."),
    progress: bool | None = typer.Option(None, "--progress/--no-progress", help="Progress bar on stderr."),
    imports: Imports = None,
) -> None:
    """Train a process reward model (SmolLM2 top layers + a step head) on step-labelled solutions.

    Each labelled step is a binary cross-entropy target (Monte-Carlo values in [0, 1] are soft
    targets). `--label-mode outcome` trains the same network on final-answer correctness only:
    the outcome-reward baseline. The held-out step accuracy and outcome AUC are printed after each
    epoch; the folder gets `prm.json`, `prm.safetensors` and `MODEL_CARD.md`.
    """
    import_modules(imports)
    from pydantic import ValidationError

    from ..core.errors import InputError
    from ..data.step_files import read_step_records
    from ..models.prm.checkpoint import save_prm
    from ..models.prm.train import PRMTrainConfig, prm_config_of, train_prm

    try:
        config = PRMTrainConfig(
            backbone=backbone,
            train_layers=train_layers,
            head=head,  # type: ignore[arg-type]
            label_mode=label_mode,  # type: ignore[arg-type]
            epochs=epochs,
            learning_rate=learning_rate,
            head_learning_rate=head_learning_rate,
            batch_size=batch_size,
            grad_accum=grad_accum,
            max_length=max_length,
            seed=seed,
            separator=separator,
            eval_fraction=eval_fraction,
            device=device,
            threads=threads,
        )
    except ValidationError as exc:
        fail_options(exc)
    _check_out(out, overwrite)
    for path in [data, eval_data]:
        if path is not None and not Path(path).is_file():
            fail(f"{path}: no such file")
    try:
        records, skipped = read_step_records(data)
        held = read_step_records(eval_data)[0] if eval_data else None
    except InputError as exc:
        fail(exc)
    if skipped:
        err_console.print(f"[yellow]warning:[/] {data}: {skipped} unreadable lines skipped")
    records = records[:limit] if limit else records
    if not records:
        fail(f"{data}: no step-labelled records")
    reporter = _Progress(progress)
    started = time.perf_counter()
    try:
        net, _, report = train_prm(records, config, eval_records=held, on_event=reporter)
    except KeyboardInterrupt:
        reporter.close()
        err_console.print("[red]interrupted[/]: nothing saved")
        raise typer.Exit(130) from None
    except (ValueError, FileNotFoundError) as exc:
        reporter.close()
        fail(str(exc))
    reporter.close()
    info = {"train_file": data, "eval_source": eval_data or f"{eval_fraction:.0%} of the problems held out"}
    prm_config = prm_config_of(config, report, info)
    save_prm(out, net, prm_config)
    _model_card(out, prm_config, report, info)
    final = report.final
    err_console.print(
        f"saved to {out} in {time.perf_counter() - started:.1f}s; held-out step accuracy "
        f"{final.get('eval_step_accuracy')}, outcome AUC {final.get('eval_outcome_auc')}"
    )
    err_console.print(f"score with: rewardlab score -r prm:{out} -i solutions.jsonl", highlight=False)
    raise typer.Exit(EXIT_OK)


@train_app.command(
    "prm-label",
    epilog=(
        "Examples:\n\n"
        "  rewardlab train prm-label --problems ../shared/data/gsm8k_train.jsonl.gz --limit 40 -o mc_labels.jsonl\n\n"
        "  rewardlab train prm-label -p gsm8k_train.jsonl.gz --mode structural --limit 2000 --corrupt 2 "
        "-o structural.jsonl\n\n"
        "  rewardlab train prm-label -p problems.jsonl --generator /models/qwen2.5-1.5b-instruct --rollouts 8 "
        "--samples 4 -o mc.jsonl   (same code, a stronger generator)\n\n"
        "Problems: JSONL rows with question, solution (one step per line) and answer; the first rows are the "
        "generator's few-shot examples and are not labelled.\n\n"
        "Exit status: 0 written; 2 bad arguments or unreadable problems; 130 interrupted."
    ),
)
def prm_label_command(
    problems: str = typer.Option(..., "--problems", "-p", help="GSM8K-style problems (JSONL, .gz ok)."),
    out: Path = typer.Option(..., "--out", "-o", help="Where the step-labelled records go (JSONL)."),
    mode: str = typer.Option("mc", "--mode", help="mc (Monte-Carlo rollouts) or structural (no model)."),
    limit: int | None = typer.Option(None, "--limit", min=1, help="Label only this many problems."),
    offset: int = typer.Option(0, "--offset", min=0, help="Skip this many problems first."),
    shots: int = typer.Option(1, "--shots", min=0, help="mc: first N problems shown as few-shot examples."),
    reference: bool = typer.Option(True, "--reference/--no-reference", help="Label the reference solutions."),
    corrupt: int = typer.Option(1, "--corrupt", min=0, help="Corrupted copies per reference (one injected error)."),
    samples: int = typer.Option(2, "--samples", min=0, help="mc: the generator's own solutions per problem."),
    rollouts: int = typer.Option(4, "--rollouts", min=1, help="mc: continuations per step prefix."),
    hard: bool = typer.Option(False, "--hard", help="mc: label 1 if any rollout succeeds (default: the share)."),
    temperature: float = typer.Option(0.8, "--temperature", min=0.0),
    max_new_tokens: int = typer.Option(128, "--max-new-tokens", min=8, help="mc: length limit of a rollout."),
    batch_size: int = typer.Option(16, "--batch-size", min=1, help="mc: sequences generated together."),
    generator: str = typer.Option("smollm2", "--generator", help="'smollm2', a causal-LM folder or a .gguf file."),
    verifier: str = typer.Option("math", "--verifier", help="Reward judging final answers (name or spec file)."),
    seed: int = typer.Option(0, "--seed"),
    device: str = typer.Option("auto", "--device"),
    progress: bool | None = typer.Option(None, "--progress/--no-progress", help="Progress bar on stderr."),
    imports: Imports = None,
) -> None:
    """Make step-labelled GSM8K records for `rewardlab train prm`.

    `mc`: each step is labelled by the share of rollouts from its prefix (sampled by --generator)
    whose final answer --verifier accepts; the final step by the verifier on the whole solution.
    `structural`: reference steps are 1; a corrupted copy's steps are 1 before its injected error
    and 0 from it on. Prints the label statistics by source.
    """
    import_modules(imports)
    from ..core.errors import RewardlabError
    from ..data.step_files import write_step_records
    from ..models.prm.labelling import label_gsm8k_mc, label_gsm8k_structural, read_problems
    from ..models.prm.mc import MCSettings

    if mode not in ("mc", "structural"):
        fail(f"--mode '{mode}': expected mc or structural")
    if not Path(problems).is_file():
        fail(f"{problems}: no such file")
    try:
        examples, todo = read_problems(problems, limit=limit, offset=offset, shots=shots)
    except (ValueError, RewardlabError) as exc:
        fail(str(exc))
    if not todo:
        fail(f"{problems}: no problems to label after --offset {offset}")
    started = time.perf_counter()
    if mode == "structural":
        records = label_gsm8k_structural(todo, reference=reference, corrupt=corrupt, seed=seed)
    else:
        from ..core.spec import resolve
        from ..models.backbones.causal_lm import shared_causal_lm

        try:
            judge = resolve(verifier).reward
            backbone = shared_causal_lm(generator, device=device)
        except (RewardlabError, ValueError, FileNotFoundError) as exc:
            fail(str(exc))
        settings = MCSettings(
            rollouts=rollouts,
            max_new_tokens=max_new_tokens,
            temperature=temperature,
            batch_size=batch_size,
            seed=seed,
            label="hard" if hard else "soft",
        )
        bar = _LabelProgress(progress if progress is not None else isatty())
        try:
            records = label_gsm8k_mc(
                backbone,
                judge,
                examples,
                todo,
                settings=settings,
                reference=reference,
                corrupt=corrupt,
                samples=samples,
                on_phase=bar.phase,
                on_batch=bar.advance,
            )
        except KeyboardInterrupt:
            bar.close()
            err_console.print("[red]interrupted[/]: nothing written")
            raise typer.Exit(130) from None
        bar.close()
    n = write_step_records(out, records)
    err_console.print(f"{n} records from {len(todo)} problems written to {out} in {time.perf_counter() - started:.1f}s")
    _label_stats(records)
    raise typer.Exit(EXIT_OK)


class _LabelProgress:
    """A rich bar on a terminal; otherwise a plain line at every tenth of a phase (for logs)."""

    def __init__(self, show: bool) -> None:
        self.show = show
        self.bar: Any = None
        self.task: Any = None
        self.name = ""
        self.total = 0
        self.done = 0
        self.started = time.perf_counter()

    def phase(self, name: str, total: int) -> None:
        err_console.print(f"{name}: {total} prompts")
        self.name, self.total, self.done, self.started = name, total, 0, time.perf_counter()
        if not self.show:
            return
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn, TimeRemainingColumn

        if self.bar is None:
            self.bar = Progress(
                "[progress.description]{task.description}",
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=err_console,
                transient=True,
            )
            self.bar.start()
        elif self.task is not None:
            self.bar.remove_task(self.task)
        self.task = self.bar.add_task(name, total=total)

    def advance(self, n: int) -> None:
        if self.bar is not None and self.task is not None:
            self.bar.update(self.task, advance=n)
            return
        before, self.done = self.done, self.done + n
        step = max(1, self.total // 10)
        if self.total and before // step != self.done // step:
            elapsed = time.perf_counter() - self.started
            err_console.print(f"  {self.name}: {self.done}/{self.total} ({elapsed:.0f}s)", highlight=False)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def _label_stats(records: list[Any]) -> None:
    from rich.table import Table

    by: dict[str, list[Any]] = {}
    for r in records:
        by.setdefault(r.source or "?", []).append(r)
    table = Table(title="labels by source", title_justify="left", show_edge=False, pad_edge=False)
    for col in ("source", "solutions", "steps", "mean step label", "steps > 0", "outcome = 1"):
        table.add_column(col, justify="left" if col == "source" else "right")
    for source, rs in sorted(by.items()):
        labels = [v for r in rs for v in r.labels if v is not None]
        positive = sum(1 for v in labels if v > 0)
        outcomes = [r.outcome for r in rs if r.outcome is not None]
        table.add_row(
            source,
            str(len(rs)),
            str(len(labels)),
            f"{sum(labels) / len(labels):.3f}" if labels else "-",
            f"{positive / len(labels):.3f}" if labels else "-",
            f"{sum(1 for o in outcomes if o >= 0.5) / len(outcomes):.3f}" if outcomes else "-",
        )
    err_console.print(table)
