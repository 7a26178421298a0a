"""Progress of a training run on stderr (rich), or nothing.

A trainer reports through a :class:`TrainingReporter`: the start of an epoch, each optimizer
micro-batch (with the running loss and accuracy) and the end of an epoch (with its metrics).
"""

from __future__ import annotations

from typing import Any

__all__ = ["NullReporter", "RichReporter", "TrainingReporter"]


class TrainingReporter:
    """Receives training events; the base class ignores them."""

    def start_epoch(self, label: str, total_batches: int) -> None:
        """An epoch of ``total_batches`` micro-batches begins."""

    def advance(self, *, loss: float, accuracy: float) -> None:
        """One micro-batch is done (running means of the epoch so far)."""

    def end_epoch(self, label: str, metrics: dict[str, Any]) -> None:
        """The epoch (and its held-out evaluation) is done."""

    def message(self, text: str) -> None:
        """A line for the person watching."""

    def close(self) -> None:
        """The run is over."""


NullReporter = TrainingReporter


class RichReporter(TrainingReporter):
    """A progress bar per epoch on stderr, and one summary line per finished epoch."""

    def __init__(self, console: Any = None) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn, TimeRemainingColumn

        self.console = console or Console(stderr=True, highlight=False)
        self.progress = Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            "[dim]loss[/] {task.fields[loss]}  [dim]acc[/] {task.fields[acc]}",
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=self.console,
            transient=True,
        )
        self.task: Any = None
        self.started = False

    def start_epoch(self, label: str, total_batches: int) -> None:
        if not self.started:
            self.progress.start()
            self.started = True
        if self.task is not None:
            self.progress.remove_task(self.task)
        self.task = self.progress.add_task(label, total=total_batches, loss="-", acc="-")

    def advance(self, *, loss: float, accuracy: float) -> None:
        if self.task is not None:
            self.progress.update(self.task, advance=1, loss=f"{loss:.4f}", acc=f"{accuracy:.3f}")

    def end_epoch(self, label: str, metrics: dict[str, Any]) -> None:
        parts = [f"train loss {metrics['train_loss']:.4f}", f"train acc {metrics['train_accuracy']:.3f}"]
        if metrics.get("eval_accuracy") is not None:
            parts.append(f"held-out acc [bold]{metrics['eval_accuracy']:.3f}[/] ({metrics['eval_pairs']} pairs)")
        parts.append(f"{metrics['seconds']:.1f}s")
        self.console.print(f"{label}: " + ", ".join(parts))

    def message(self, text: str) -> None:
        self.console.print(text)

    def close(self) -> None:
        if self.started:
            self.progress.stop()
            self.started = False
