"""Scoring many samples with any reward, in batches, with a progress bar and failure accounting.

Every evaluation goes through :func:`score_all`: it calls the reward through its contract
(``Spec.score_batch``), keeps every result (a reward whose policy is ``raise`` still gives back
all results), and counts what failed. A failed sample has no score: the evaluations leave it out
and report it; it is never read as 0.

>>> from rewardlab.core.spec import resolve
>>> scored = score_all(resolve("exact_match"), [{"completion": "a", "answer": "a"}, {"completion": "b"}])
>>> scored.scores, scored.status_counts["not_applicable"]
([1.0, None], 1)
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from ...core.errors import RewardFailed
from ...core.result import RewardResult, Status
from ...core.spec import Spec

__all__ = ["Scored", "pairwise_field", "progress_bar", "score_all"]


@dataclass
class Scored:
    """The results of scoring a list of samples, in order, with counts by status and error."""

    results: list[RewardResult]
    status_counts: dict[str, int] = field(default_factory=dict)
    errors: Counter[str] = field(default_factory=Counter)

    @property
    def scores(self) -> list[float | None]:
        """Scores of the samples that were scored (``None`` for not applicable or failed)."""
        return [r.score if r.is_ok else None for r in self.results]

    @property
    def failures(self) -> int:
        return self.status_counts.get("error", 0) + self.status_counts.get("timeout", 0)

    def failure_summary(self, top: int = 5) -> dict[str, Any]:
        """Counts by status and the most frequent error messages, for ``summary.json``."""
        return {
            "status_counts": dict(self.status_counts),
            "failed": self.failures,
            "top_errors": [{"error": e, "count": n} for e, n in self.errors.most_common(top)],
        }


def pairwise_field(spec: Spec) -> str | None:
    """The field a pairwise reward reads the other response from (its ``baseline_field``), else ``None``.

    A pairwise reward (``pairwise_judge``) scores a completion *against* another response:
    P(completion wins). The evaluations then judge each preference pair once.
    """
    reward = spec.reward
    if "baseline_field" in type(reward).model_fields:
        return str(reward.baseline_field)  # type: ignore[attr-defined]
    return None


@contextmanager
def progress_bar(description: str, total: int, enabled: bool | None = None) -> Iterator[Any]:
    """Progress on stderr; yields ``advance(n)``. A rich bar on a terminal; with ``enabled=True``
    off a terminal (``--progress`` in a log file or a pipe), plain lines every few seconds.
    ``enabled=None``: a bar when stderr is a TTY, nothing otherwise."""
    from ...core.progress import PlainProgress, progress_mode

    mode = progress_mode(enabled, sys.stderr)
    if mode is None or total <= 0:
        yield lambda n=1: None
        return
    if mode == "lines":
        plain = PlainProgress(description, total)
        try:
            yield plain.advance
        finally:
            plain.close()
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn, TimeRemainingColumn

    bar = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    with bar:
        task = bar.add_task(description, total=total)
        yield lambda n=1: bar.update(task, advance=n)


def score_all(
    spec: Spec,
    samples: Sequence[dict[str, Any]],
    *,
    batch_size: int = 32,
    progress: bool | None = None,
    description: str = "scoring",
    groups: Sequence[int] | None = None,
) -> Scored:
    """Score ``samples`` with ``spec`` in batches of about ``batch_size``.

    ``groups`` (one integer per sample) keeps samples of a group in the same batch (a chosen
    response next to its rejected one, the candidates of one prompt), so batch-dependent rewards
    see whole groups. A batch whose reward call raises anything other than the per-sample
    failures gives every sample of that batch an ``error`` result; the other batches go on.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    results: list[RewardResult] = []
    with progress_bar(description, len(samples), progress) as advance:
        for start, stop in _batches(len(samples), batch_size, groups):
            batch = list(samples[start:stop])
            try:
                got = spec.score_batch(batch)
            except RewardFailed as exc:  # on_error: raise -- the results are all there
                got = list(exc.results)
            except Exception as exc:  # the reward call itself broke: say so for each sample
                message = f"{type(exc).__name__}: {exc}".strip()
                got = [RewardResult.failed(message, reward=spec.name) for _ in batch]
            results.extend(got)
            advance(len(batch))
    counts = {s.value: 0 for s in Status}
    errors: Counter[str] = Counter()
    for r in results:
        counts[r.status.value] += 1
        if r.status.failed and r.error:
            errors[r.error[:300]] += 1
    return Scored(results=results, status_counts=counts, errors=errors)


def _batches(n: int, size: int, groups: Sequence[int] | None) -> Iterator[tuple[int, int]]:
    if groups is None:
        for start in range(0, n, size):
            yield start, min(n, start + size)
        return
    if len(groups) != n:
        raise ValueError(f"groups has {len(groups)} entries for {n} samples")
    start = 0
    i = 0
    while i < n:
        # extend to the end of the current group
        j = i + 1
        while j < n and groups[j] == groups[i]:
            j += 1
        if j - start >= size or j == n:
            yield start, j
            start = j
        i = j
