"""The search: rounds of proposing candidates, evaluating them in the sandbox, reflecting on the
results; everything recorded in a run directory with an HTML report (kind ``reward_search``).

>>> from rewardlab.integrations.gymnasium.search.tasks import get_task
>>> get_task("frozenlake").success
'return>=1'
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .fitness import REWARD_BATCH, Candidate, Evaluation, evaluate_candidate
from .proposer import Proposer, ProposerError
from .tasks import SearchTask

__all__ = ["SearchResult", "reward_search"]


@dataclass
class SearchResult:
    evaluations: list[Evaluation]
    best: Evaluation | None
    run_dir: Path | None = None
    report: Path | None = None
    stopped: str | None = None
    """Why the search ended before its last round (the proposer failed), if it did."""


def _key(e: Evaluation) -> tuple[float, float]:
    return (e.fitness if e.fitness is not None else -1.0, e.env_return if e.env_return is not None else -1e18)


def reward_search(
    task: SearchTask,
    proposer: Proposer,
    *,
    rounds: int = 1,
    seeds: int = 2,
    train_steps: int | None = None,
    out: str | os.PathLike[str] | None = None,
    sandbox: dict[str, Any] | None = None,
    batch: int = REWARD_BATCH,
    record: bool = True,
    on_candidate: Callable[[Evaluation], None] | None = None,
    on_start: Callable[[Candidate], None] | None = None,
) -> SearchResult:
    """Run the search; with ``out`` (or the run store's default when ``record``) write the run directory.

    Each round asks ``proposer`` for candidates given every evaluation so far (the reflection), then
    evaluates each (:func:`.evaluate_candidate`: only in the sandbox, never raising for the
    candidate's faults); ``on_start`` / ``on_candidate`` are told before and after each one. The
    best is the ``ok`` candidate with the highest success rate, then env return. The search stops
    early when a round brings no candidate. ``batch``: most transitions per sandbox call while a
    Q-learner trains (see :data:`.fitness.REWARD_BATCH`).
    """
    started = time.perf_counter()
    evaluations: list[Evaluation] = []
    stopped: str | None = None
    for round_ in range(1, rounds + 1):
        try:
            candidates = proposer.propose(round_, list(evaluations))
        except ProposerError as exc:
            if not evaluations:
                raise
            stopped = str(exc)  # keep what the earlier rounds found
            break
        if not candidates:
            break
        for candidate in candidates:
            if on_start is not None:
                on_start(candidate)
            evaluation = evaluate_candidate(
                candidate, task, seeds=seeds, train_steps=train_steps, sandbox=sandbox, batch=batch
            )
            evaluations.append(evaluation)
            if on_candidate is not None:
                on_candidate(evaluation)
    ok = [e for e in evaluations if e.status == "ok"]
    best = max(ok, key=_key) if ok else None
    result = SearchResult(evaluations, best, stopped=stopped)
    if out is not None or record:
        result.run_dir, result.report = _write(
            task, result, out, rounds, seeds, train_steps, batch, time.perf_counter() - started, record
        )
    return result


def _write(
    task: SearchTask,
    result: SearchResult,
    out: str | os.PathLike[str] | None,
    rounds: int,
    seeds: int,
    train_steps: int | None,
    batch: int,
    elapsed: float,
    record: bool,
) -> tuple[Path, Path]:
    from ....evaluate.runs.rundir import new_run_id, prepare_run_dir, summary_header, write_run

    run_id = new_run_id("reward_search")
    run_dir = prepare_run_dir(out, run_id)
    code_dir = run_dir / "candidates"
    code_dir.mkdir(exist_ok=True)
    for e in result.evaluations:
        (code_dir / f"round{e.candidate.round}_{e.candidate.name}.py").write_text(e.candidate.code, encoding="utf-8")
    counts: dict[str, int] = {}
    for e in result.evaluations:
        counts[e.status] = counts.get(e.status, 0) + 1
    best = result.best
    summary = summary_header(
        "reward_search",
        run_id,
        reward={"name": best.candidate.name if best else "none", "spec_hash": None},
        data={"task": task.name},
        params={
            "task": task.name,
            "trainer": task.trainer,
            "train_steps": train_steps or task.train_steps,
            "seeds": seeds,
            "rounds": rounds,
            "success": task.success,
            "eval_episodes": task.eval_episodes,
            "reward_batch": batch,
        },
    )
    summary["headline"] = {
        "candidates": len(result.evaluations),
        "best": best.candidate.name if best else None,
        "best_fitness": best.fitness if best else None,
        **{f"status_{k}": v for k, v in sorted(counts.items())},
    }
    summary["best"] = best.as_row() if best else None
    summary["status_counts"] = counts
    summary["sandbox"] = {  # one call scores many transitions
        "calls": sum(e.sandbox_calls for e in result.evaluations),
        "transitions": sum(e.transitions for e in result.evaluations),
        "per_candidate": {
            f"round{e.candidate.round}_{e.candidate.name}": {"calls": e.sandbox_calls, "transitions": e.transitions}
            for e in result.evaluations
        },
    }
    summary["elapsed_s"] = round(elapsed, 3)
    summary["stopped"] = result.stopped
    report = write_run(run_dir, summary, [e.as_row() for e in result.evaluations], record=record)
    return run_dir, report
